/* bench-stall: how long the main loop stalls while the Train panel trains.
 *
 * The real window (under Xvfb, software rendering) opens Colin27 with the
 * 5 painted slices of colin27-4class k = 5, then:
 *
 *   idle       the window alone
 *   training   the Train panel trains (preview and Dice every 2 s) while a
 *              user paints a stroke every 250 ms and moves to another slice
 *              every 1.5 s, so previews, plots, counts and views all redraw
 *   predicting the same, with Predict Volume running too
 *   accept     Accept All of the predicted proposal (one user action)
 *   explaining the Explain panel computes five maps of the trained model
 *              (gradient, Grad-CAM, LRP-αβ, occlusion, LIME) of the
 *              cerebrum's painted region on axial slice 80 while the user
 *              moves to other slices
 *   sanity     its cascading sanity check of three of them
 *   uncertain  the Uncertainty panel's MC dropout (10 passes) over the whole
 *              volume, its maps and slice strip arriving, while the user
 *              moves to other slices
 *   ensemble   the Uncertainty panel trains a deep ensemble (3 members of
 *              --ensemble-steps steps, the Train panel's settings) while the
 *              user paints and moves as in training; it ends with the
 *              members becoming the panel's ensemble
 *   pretrain   the Train panel pre-trains the encoder (contrastive, on
 *              every slice, the panel's default steps and batch) for
 *              --seconds while the user paints and moves as in training,
 *              then Stop: it reports the steps, the wait for the label
 *              lock and how long Stop took to end the run
 *
 * A G_PRIORITY_HIGH timeout every 5 ms records the gap since its previous
 * run: a gap well over 5 ms is time the main loop spent elsewhere (a
 * callback, a frame, or waiting for a CPU).  Each phase reports its worst
 * gap, 99th percentile and count over 50 ms, and the worst gaps with the
 * last event before each.
 *
 *   meson test -C build --benchmark --suite ui stall
 *   build/tests/bench-stall [--preset ref|small] [--seconds 30]
 *                           [--phases idle,ensemble,pretrain] [--ensemble-steps 10]
 *
 * --phases runs only the phases named (default: all); training runs as
 * well when a later phase needs its model.
 */
#include <gtk/gtk.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "src/pel-application.h"
#include "src/pel-action-script.h"
#include "src/pel-explain-panel.h"
#include "src/pel-proposal.h"
#include "src/pel-uncertainty-panel.h"
#include "src/pel-train-panel.h"
#include "src/pel-window.h"
#include "tests/panel-widgets.h"
#include "tests/stall-phases.h"

#define IMAGE "/usr/share/mricron/templates/ch2.nii.gz"

static PelApplication *app;
static char *labels_path;
static char *preset = "ref";
static char *phase_prefix;      /* "stall/PRESET" */
static int seconds = 30;
static int threads = 0;
static char *phases;            /* comma-separated, NULL: all */
static int ensemble_steps = 10;
static int ensemble_members = 3;

static gboolean
want (const char *phase)
{
  g_auto (GStrv) names = NULL;

  if (phases == NULL)
    return TRUE;
  names = g_strsplit (phases, ",", -1);
  return g_strv_contains ((const char *const *) names, phase);
}

/* ---- driving the window --------------------------------------------------- */

static void
run_for (double s)
{
  gint64 end = g_get_monotonic_time () + (gint64) (s * G_USEC_PER_SEC);
  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
}

typedef gboolean (*Condition) (gpointer data);

static void
run_until (Condition cond,
           gpointer  data,
           double    timeout_s)
{
  gint64 end = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);
  while (!cond (data))
    {
      if (g_get_monotonic_time () > end)
        g_error ("timed out");
      g_main_context_iteration (NULL, TRUE);
    }
}

static gboolean
loaded (gpointer data)
{
  PelWindow *win = data;
  PelJob *job = pel_window_get_job (win);
  return (job == NULL || !pel_job_get_running (job))
         && pel_document_get_labels_path (pel_window_get_document (win)) != NULL;
}

static PelTrainPanel *
find_panel (GtkWidget *w)
{
  if (PEL_IS_TRAIN_PANEL (w))
    return PEL_TRAIN_PANEL (w);
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    {
      PelTrainPanel *p = find_panel (c);
      if (p)
        return p;
    }
  return NULL;
}

static GtkWidget *
find_of_type (GtkWidget *w,
              GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (w, type))
    return w;
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_of_type (c, type);
      if (found)
        return found;
    }
  return NULL;
}

typedef struct
{
  PelWindow    *win;
  PelSliceView *view;
  int           n_strokes;
  int           n_moves;
  double        worst_lock_ms;
} User;

/* A short stroke in the axial view, through the gesture entry points. */
static gboolean
paint_stroke (gpointer data)
{
  User *u = data;
  double w = gtk_widget_get_width (GTK_WIDGET (u->view)), h = gtk_widget_get_height (GTK_WIDGET (u->view));
  double x = w * (0.35 + 0.3 * g_random_double ()), y = h * (0.35 + 0.3 * g_random_double ());

  gint64 t0 = g_get_monotonic_time ();
  double c0 = thread_cpu_ms (), w0 = thread_wait_ms (), blocked;

  pel_slice_view_stroke_begin (u->view, x, y, FALSE);
  for (int i = 1; i <= 4; i++)
    pel_slice_view_stroke_update (u->view, x + 6 * i, y + 3 * i);
  pel_slice_view_stroke_end (u->view);
  /* painting blocks on nothing but the label lock, which training's
   * copies take: time spent neither running nor runnable is spent there */
  blocked = (g_get_monotonic_time () - t0) * 1e-3 - (thread_cpu_ms () - c0) - (thread_wait_ms () - w0);
  u->worst_lock_ms = MAX (u->worst_lock_ms, blocked);
  u->n_strokes++;
  stall_event ("a stroke painted");
  return G_SOURCE_CONTINUE;
}

/* Another axial slice: the preview follows it. */
static gboolean
move_slice (gpointer data)
{
  User *u = data;
  PelDocument *doc = pel_window_get_document (u->win);
  gint64 c[3];

  pel_document_get_cursor (doc, c);
  c[2] = 40 + (c[2] + 17 - 40) % 100;
  pel_document_set_cursor (doc, c);
  u->n_moves++;
  stall_event ("cursor moved to another slice");
  return G_SOURCE_CONTINUE;
}

static void
on_preview (PelTrainSession *session,
            gint64           index)
{
  stall_event ("preview arrived");
}

static void
on_progress (PelTrainSession *session)
{
  stall_event ("loss/Dice points arrived");
}

static gboolean
predicted (gpointer data)
{
  PelTrainPanel *panel = data;
  return !pel_job_get_running (pel_train_panel_get_predict_job (panel));
}

static gboolean
stopped (gpointer data)
{
  return !pel_train_session_get_running (data);
}

static gboolean
script_done (gpointer data)
{
  return !pel_action_script_pending (data);
}

static gboolean
explained (gpointer data)
{
  return !pel_live_run_get_running (pel_explain_panel_get_run (data));
}

static gboolean
uncertainty_done (gpointer data)
{
  return !pel_live_run_get_running (pel_uncertainty_panel_get_run (data));
}

static gboolean
accepted (gpointer data)
{
  const char *name = pl_undo_get_undo_name (pel_document_get_undo (data));
  return name && g_str_has_prefix (name, "Accept proposal");
}

/* ---- the phases ------------------------------------------------------------ */

static void
training_phases (PelTrainPanel *panel,
                 User          *user)
{
  PelTrainSession *session = pel_train_panel_get_session (panel);
  guint stroke_source, move_source;
  gint64 t0;

  stall_begin_phase ();
  stall_event ("Start clicked");
  t0 = g_get_monotonic_time ();
  pel_train_panel_run_actions (panel, "start");
  stroke_source = g_timeout_add (250, paint_stroke, user);
  move_source = g_timeout_add (1500, move_slice, user);
  run_for (seconds);
  stall_end_phase (phase_prefix, "training");
  printf ("  %" G_GINT64_FORMAT " steps in %.1f s, %d strokes (longest wait for the label lock %.1f ms), %d slice moves\n",
          pel_train_session_get_step (session), (g_get_monotonic_time () - t0) * 1e-6,
          user->n_strokes, user->worst_lock_ms, user->n_moves);

  if (want ("predicting") || want ("accept"))
    {
      stall_begin_phase ();
      stall_event ("Predict Volume clicked");
      t0 = g_get_monotonic_time ();
      click (GTK_WIDGET (panel), "_Predict");
      run_for (0.3);
      run_until (predicted, panel, 600);
      stall_end_phase (phase_prefix, "predicting");
      printf ("  whole volume predicted in %.1f s while training\n", (g_get_monotonic_time () - t0) * 1e-6);
    }

  g_source_remove (stroke_source);
  g_source_remove (move_source);
  pel_train_session_stop (session);
  run_until (stopped, session, 120);
}

static void
accept_phase (PelWindow *win)
{
  gint64 t0;

  stall_begin_phase ();
  run_for (0.5);
  stall_event ("Accept All clicked");
  t0 = g_get_monotonic_time ();
  /* what the button does: the merge is read on a worker, applied here */
  pel_proposal_accept_async (pel_window_get_document (win), PEL_ACCEPT_ALL, 0, 0, 0, NULL, NULL, NULL);
  run_until (accepted, pel_window_get_document (win), 60);
  printf ("  Accept All took %.1f ms from the click to the undo step\n", (g_get_monotonic_time () - t0) * 1e-3);
  run_for (1.0);
  stall_end_phase (phase_prefix, "accept");
}

static void
explain_phases (PelWindow *win,
                User      *user)
{
  PelExplainPanel *explain = PEL_EXPLAIN_PANEL (find_of_type (GTK_WIDGET (win), PEL_TYPE_EXPLAIN_PANEL));
  guint move_source;
  gint64 c[3], t0;

  g_assert (explain != NULL);
  gtk_stack_set_visible_child (GTK_STACK (gtk_widget_get_parent (GTK_WIDGET (explain))), GTK_WIDGET (explain));
  pel_document_get_cursor (pel_window_get_document (win), c);
  c[2] = 80;
  pel_document_set_cursor (pel_window_get_document (win), c);
  run_for (0.5);

  stall_begin_phase ();
  move_source = g_timeout_add (1500, move_slice, user);
  stall_event ("Compute clicked");
  t0 = g_get_monotonic_time ();
  pel_explain_panel_run_actions (explain, "show,class=2,region=painted,"
                                 "methods=grad+gradcam+lrp-ab+occlusion+lime,compute");
  run_until (script_done, explain, 60);
  run_until (explained, explain, 600);
  g_source_remove (move_source);
  run_for (0.5);
  stall_end_phase (phase_prefix, "explaining");
  printf ("  %u maps in %.1f s (%s)\n", pel_explain_panel_get_n_maps (explain),
          (g_get_monotonic_time () - t0) * 1e-6, pel_explain_panel_get_status (explain, "explain"));
  if (pel_explain_panel_get_n_maps (explain) != 5)
    g_error ("the maps were not computed: %s", pel_explain_panel_get_status (explain, "explain"));
  if (!want ("sanity"))
    return;

  /* back to the painted slice the maps were of */
  pel_document_set_cursor (pel_window_get_document (win), c);
  run_for (0.5);
  stall_begin_phase ();
  stall_event ("Check clicked");
  t0 = g_get_monotonic_time ();
  pel_explain_panel_run_actions (explain, "methods=grad+gradcam+lrp-ab,sanity-mode=cascade,sanity");
  run_until (script_done, explain, 60);
  run_until (explained, explain, 900);
  run_for (0.5);
  stall_end_phase (phase_prefix, "sanity");
  printf ("  %u sanity stages in %.1f s (%s)\n", pel_explain_panel_get_n_sanity (explain),
          (g_get_monotonic_time () - t0) * 1e-6, pel_explain_panel_get_status (explain, "explain"));
  if (pel_explain_panel_get_n_sanity (explain) == 0)
    g_error ("the sanity check did not run: %s", pel_explain_panel_get_status (explain, "explain"));
}

static PelUncertaintyPanel *
show_uncertainty_panel (PelWindow *win)
{
  PelUncertaintyPanel *unc = PEL_UNCERTAINTY_PANEL (find_of_type (GTK_WIDGET (win), PEL_TYPE_UNCERTAINTY_PANEL));
  GtkWidget *w = GTK_WIDGET (unc);

  g_assert (unc != NULL);
  gtk_stack_set_visible_child (GTK_STACK (gtk_widget_get_parent (w)), w);
  run_for (0.5);
  return unc;
}

static void
uncertain_phase (PelWindow *win,
                 User      *user)
{
  PelUncertaintyPanel *unc = show_uncertainty_panel (win);
  GtkWidget *w = GTK_WIDGET (unc);
  guint move_source;
  gint64 t0;

  stall_begin_phase ();
  move_source = g_timeout_add (1500, move_slice, user);
  stall_event ("Start clicked");
  t0 = g_get_monotonic_time ();
  g_assert (gtk_widget_activate_action (w, "uncertainty.use-train-model", NULL));
  g_assert (gtk_widget_activate_action (w, "uncertainty.estimator", "s", "mc"));
  g_assert (gtk_widget_activate_action (w, "uncertainty.passes", "i", 10));
  g_assert (gtk_widget_activate_action (w, "uncertainty.start", NULL));
  run_for (0.3);
  run_until (uncertainty_done, unc, 900);
  g_source_remove (move_source);
  run_for (0.5);
  stall_end_phase (phase_prefix, "uncertain");
  printf ("  MC dropout, 10 passes, whole volume in %.1f s (%s)\n", (g_get_monotonic_time () - t0) * 1e-6,
          pel_uncertainty_panel_get_status (unc, "run") ? pel_uncertainty_panel_get_status (unc, "run") : "");
  if (pel_uncertainty_panel_get_result (unc) == NULL)
    g_error ("no uncertainty result: %s", pel_uncertainty_panel_get_status (unc, "run"));
}

static void
on_member (PelLiveRun *run,
           const char *key,
           const char *text)
{
  stall_event ("the next member started");
}

static void
on_member_loss (PelLiveRun *run)
{
  stall_event ("loss points arrived");
}

static gboolean
ensemble_done (gpointer data)
{
  return !pel_live_run_get_running (pel_uncertainty_panel_get_ensemble_run (data));
}

/* Train Ensemble in the Uncertainty panel with the Train panel's settings
 * while the user paints and moves, until the members are the panel's. */
static void
ensemble_phase (PelWindow *win,
                User      *user)
{
  PelUncertaintyPanel *unc = show_uncertainty_panel (win);
  GtkWidget *w = GTK_WIDGET (unc);
  PelLiveRun *run = pel_uncertainty_panel_get_ensemble_run (unc);
  guint stroke_source, move_source;
  gulong member_handler, loss_handler;
  int n = 0;
  gint64 t0;

  /* strokes land on the axial view of the slice on screen */
  user->n_strokes = user->n_moves = 0;
  user->worst_lock_ms = 0.0;
  member_handler = g_signal_connect (run, "status::member", G_CALLBACK (on_member), NULL);
  loss_handler = g_signal_connect (run, "series-points::loss", G_CALLBACK (on_member_loss), NULL);
  stall_begin_phase ();
  g_assert (gtk_widget_activate_action (w, "ensemble.members", "i", ensemble_members));
  g_assert (gtk_widget_activate_action (w, "ensemble.steps", "i", ensemble_steps));
  stall_event ("Train Ensemble clicked");
  t0 = g_get_monotonic_time ();
  g_assert (gtk_widget_activate_action (w, "ensemble.train", NULL));
  stroke_source = g_timeout_add (250, paint_stroke, user);
  move_source = g_timeout_add (1500, move_slice, user);
  run_for (0.3);
  run_until (ensemble_done, unc, 1800);
  stall_event ("the members are the panel's ensemble");
  g_source_remove (stroke_source);
  g_source_remove (move_source);
  run_for (0.5);
  stall_end_phase (phase_prefix, "ensemble");
  g_signal_handler_disconnect (run, member_handler);
  g_signal_handler_disconnect (run, loss_handler);
  pel_uncertainty_panel_get_models (unc, &n);
  printf ("  %d members of %d steps in %.1f s (%.2f steps/s), %d strokes (longest wait for the label lock "
          "%.1f ms), %d slice moves (%s)\n",
          n, ensemble_steps, (g_get_monotonic_time () - t0) * 1e-6,
          pel_live_run_get_done (run) / MAX ((g_get_monotonic_time () - t0) * 1e-6, 1e-9),
          user->n_strokes, user->worst_lock_ms, user->n_moves,
          pel_uncertainty_panel_get_status (unc, "ensemble"));
  if (n != ensemble_members)
    g_error ("the ensemble was not trained: %s", pel_uncertainty_panel_get_status (unc, "ensemble"));
}

static void
on_pretrain_loss (PelLiveRun *run)
{
  stall_event ("pre-training loss points arrived");
}

static gboolean
pretrain_done (gpointer data)
{
  return !pel_live_run_get_running (data);
}

/* Pre-train in the Train panel while the user paints and moves, then Stop. */
static void
pretrain_phase (PelWindow     *win,
                PelTrainPanel *panel,
                User          *user)
{
  PelLiveRun *run = pel_train_panel_get_pretrain_run (panel);
  guint stroke_source, move_source;
  gulong loss_handler;
  gint64 t0, t_stop;
  double stop_ms;

  gtk_stack_set_visible_child (GTK_STACK (gtk_widget_get_parent (GTK_WIDGET (panel))), GTK_WIDGET (panel));
  user->n_strokes = user->n_moves = 0;
  user->worst_lock_ms = 0.0;
  loss_handler = g_signal_connect (run, "series-points", G_CALLBACK (on_pretrain_loss), NULL);
  run_for (0.5);
  stall_begin_phase ();
  stall_event ("Pre-train clicked");
  t0 = g_get_monotonic_time ();
  g_assert (gtk_widget_activate_action (GTK_WIDGET (panel), "train.scroll", "s", "pretrain"));
  g_assert (gtk_widget_activate_action (GTK_WIDGET (panel), "train.pretrain", NULL));
  stroke_source = g_timeout_add (250, paint_stroke, user);
  move_source = g_timeout_add (1500, move_slice, user);
  run_for (seconds);
  stall_event ("Stop clicked");
  t_stop = g_get_monotonic_time ();
  g_assert (gtk_widget_activate_action (GTK_WIDGET (panel), "train.pretrain-stop", NULL));
  run_until (pretrain_done, run, 600);
  stop_ms = (g_get_monotonic_time () - t_stop) * 1e-3;
  g_source_remove (stroke_source);
  g_source_remove (move_source);
  run_for (1.0);
  stall_end_phase (phase_prefix, "pretrain");
  g_signal_handler_disconnect (run, loss_handler);
  printf ("  %" G_GINT64_FORMAT " pre-training steps in %.1f s (%.2f steps/s), Stop ended the run in %.0f ms, "
          "%d strokes (longest wait for the label lock %.1f ms), %d slice moves\n",
          pel_live_run_get_done (run), (t_stop - t0) * 1e-6,
          pel_live_run_get_done (run) / MAX ((t_stop - t0) * 1e-6, 1e-9), stop_ms,
          user->n_strokes, user->worst_lock_ms, user->n_moves);
  if (pel_train_panel_get_encoder (panel) == NULL)
    g_error ("pre-training kept no encoder");
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) image = NULL, seg = NULL;
  g_autofree char *tmpdir = NULL;
  const GOptionEntry entries[] = {
    { "preset", 0, 0, G_OPTION_ARG_STRING, &preset, "Network preset (ref)", "NAME" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "Seconds of training with painting (30)", "S" },
    { "labels", 0, 0, G_OPTION_ARG_FILENAME, &labels_path, "colin27-4class-k5.nii.gz", "FILE" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Engine threads (the panel's default)", "T" },
    { "phases", 0, 0, G_OPTION_ARG_STRING, &phases, "Only these phases (idle,training,predicting,accept,"
      "explaining,sanity,uncertain,ensemble,pretrain)", "LIST" },
    { "ensemble-steps", 0, 0, G_OPTION_ARG_INT, &ensemble_steps, "Steps per ensemble member (10)", "N" },
    { "ensemble-members", 0, 0, G_OPTION_ARG_INT, &ensemble_members, "Ensemble members (3)", "M" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("");
  static const char *xdg[] = { "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME" };
  PelWindow *win;
  PelTrainPanel *panel;
  PelTrainSession *session;
  PelTrainSettings settings;
  User user = { 0 };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "bench-stall: %s\n", error->message);
      return 2;
    }
  phase_prefix = g_strdup_printf ("stall/%s", preset);
  if (labels_path == NULL)
    labels_path = g_build_filename (g_getenv ("PELLUCID_DATA") ? g_getenv ("PELLUCID_DATA") : "../shared/data",
                                    "colin27-4class-k5.nii.gz", NULL);
  if (!g_file_test (IMAGE, G_FILE_TEST_EXISTS) || !g_file_test (labels_path, G_FILE_TEST_EXISTS))
    {
      printf ("bench-stall: needs %s (mricron-data) and %s (--labels or PELLUCID_DATA); skipped\n",
              IMAGE, labels_path);
      return 77;
    }

  tmpdir = g_dir_make_tmp ("pellucid-stall-XXXXXX", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (xdg); i++)
    {
      g_autofree char *dir = g_build_filename (tmpdir, xdg[i], NULL);
      g_setenv (xdg[i], dir, TRUE);
    }
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("GDK_DEBUG", "gl-disable", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  gtk_init ();
  app = pel_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_HANDLES_COMMAND_LINE | G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("cannot register the application: %s", error->message);

  win = pel_window_new (GTK_APPLICATION (app));
  gtk_window_set_default_size (GTK_WINDOW (win), 1600, 1000);
  gtk_window_present (GTK_WINDOW (win));
  image = g_file_new_for_path (IMAGE);
  seg = g_file_new_for_path (labels_path);
  pel_window_open (win, image, seg, NULL);
  run_until (loaded, win, 60);
  panel = find_panel (GTK_WIDGET (win));
  g_assert (panel != NULL);
  session = pel_train_panel_get_session (panel);
  gtk_stack_set_visible_child (GTK_STACK (gtk_widget_get_parent (GTK_WIDGET (panel))), GTK_WIDGET (panel));
  user.win = win;
  user.view = pel_viewer_get_view (pel_window_get_viewer (win), PL_VIEW_AXIAL);
  pel_tools_set_tool (pel_window_get_tools (win), PEL_TOOL_BRUSH);
  pel_tools_set_active_label (pel_window_get_tools (win), 3);
  g_signal_connect (session, "preview", G_CALLBACK (on_preview), NULL);
  g_signal_connect (session, "progress", G_CALLBACK (on_progress), NULL);
  run_for (1.0);

  g_timeout_add_full (G_PRIORITY_HIGH, TICK_MS, stall_tick, NULL, NULL);

  if (want ("idle"))
    {
      stall_begin_phase ();
      run_for (5.0);
      stall_end_phase (phase_prefix, "idle");
    }

  pel_train_settings_copy (&settings, pel_train_panel_get_settings (panel));
  g_free (settings.preset);
  settings.preset = g_strdup (preset);
  settings.steps = 100000;
  if (threads > 0)
    settings.threads = threads;
  printf ("stall/%s: training with %d threads\n", preset, settings.threads);
  pel_train_panel_set_settings (panel, &settings);

  /* the later phases but the ensemble's need the trained model */
  if (want ("training") || want ("predicting") || want ("accept") || want ("explaining") || want ("sanity")
      || want ("uncertain"))
    training_phases (panel, &user);
  if (want ("accept"))
    accept_phase (win);
  if (want ("explaining") || want ("sanity"))
    explain_phases (win, &user);
  if (want ("uncertain"))
    uncertain_phase (win, &user);
  if (want ("ensemble"))
    ensemble_phase (win, &user);
  if (want ("pretrain"))
    pretrain_phase (win, panel, &user);
  printf ("stall/%s: worst gap of all phases %.1f ms\n", preset, worst_overall);

  pel_train_settings_clear (&settings);
  gtk_window_destroy (GTK_WINDOW (win));
  run_for (0.5);
  g_clear_object (&app);
  return 0;
}
