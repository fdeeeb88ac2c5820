/* The Train panel and its session under a virtual X server, on a small
 * synthetic phantom: stopping and continuing a run (the step count carries
 * on, nothing leaks), strokes painted while training reach the next batch,
 * and the panel's whole loop — train, predict the volume, accept, undo —
 * with the command line it shows. */
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "engine/data/dataset.h"
#include "src/pel-train-panel.h"
#include "tests/panel-widgets.h"
#include "tests/test-sanitizer.h"

/* ---- helpers -------------------------------------------------------------- */

/* Steps of the panel's own run: fewer under the sanitizers (the code
 * paths are the same). */
#define LOOP_STEPS TEST_SIZE (30, 8)

#define UI_WAIT_SECONDS 60
#include "tests/ui-wait.h"

#define NX 32
#define NY 32
#define NZ 12

/* A bright disk (label 2) in a dim square (label 1) on every slice, RAS,
 * 1 mm: voxel axis 2 is axial. */
static PlVolume *
make_phantom_sized (gint64 nx,
                    gint64 ny,
                    gint64 nz)
{
  const gint64 dim[3] = { nx, ny, nz };
  PlVolume *v = pl_volume_new (dim, NULL, NULL);
  double cx = (nx - 1) / 2.0, cy = (ny - 1) / 2.0;

  for (gint64 k = 0; k < nz; k++)
    for (gint64 j = 0; j < ny; j++)
      for (gint64 i = 0; i < nx; i++)
        {
          double r = hypot (i - cx, j - cy);
          v->data[i + nx * (j + ny * k)] = r < 7.0 + k * 0.3 ? 200.0f
                                           : (i > 3 && i < nx - 4 && j > 3 && j < ny - 4) ? 80.0f : 5.0f;
        }
  pl_volume_update_stats (v);
  return v;
}

static PlVolume *
make_phantom (void)
{
  return make_phantom_sized (NX, NY, NZ);
}

/* The phantom's truth on slice k: 2 in the disk, 1 elsewhere. */
static void
label_slice (PlLabels *labels,
             gint64    k)
{
  for (gint64 j = 0; j < NY; j++)
    for (gint64 i = 0; i < NX; i++)
      labels->data[i + NX * (j + NY * k)] = hypot (i - 15.5, j - 15.5) < 7.0 + k * 0.3 ? 2 : 1;
}

static PelDocument *
make_document (const gint64 *slices,
               guint         n_slices)
{
  PelDocument *doc = pel_document_new ();
  PlLabels *labels;

  pel_document_set_volume (doc, make_phantom ());
  labels = pl_labels_new (pel_document_get_volume (doc)->dim);
  for (guint s = 0; s < n_slices; s++)
    label_slice (labels, slices[s]);
  pel_document_load_labels (doc, labels, NULL);
  return doc;
}

static PelTrainSettings
small_settings (PelDocument *doc,
                int          steps)
{
  PelTrainSettings s;

  pel_train_settings_init (&s, pel_document_get_volume (doc));
  g_free (s.preset);
  s.preset = g_strdup ("small");
  s.steps = steps;
  s.batch = 4;
  s.threads = 1;
  return s;
}

static gboolean
not_running (gpointer data)
{
  return !pel_train_session_get_running (data);
}

typedef struct
{
  PelTrainSession *session;
  gint64           step;
} StepWait;

static gboolean
reached_step (gpointer data)
{
  StepWait *w = data;
  return pel_train_session_get_step (w->session) >= w->step;
}

/* ---- stop and continue ---------------------------------------------------- */

static void
test_stop_continue (void)
{
  static const gint64 slices[] = { 3, 8 };
  g_autoptr (PelDocument) doc = make_document (slices, G_N_ELEMENTS (slices));
  PelTrainSession *session = pel_train_session_new (doc);
  PelTrainSettings settings = small_settings (doc, 100000);
  g_autoptr (GError) error = NULL;
  StepWait w = { session, 3 };
  const PelLivePoint *losses;
  guint n;
  gint64 stopped_at;

  g_object_add_weak_pointer (G_OBJECT (session), (gpointer *) &session);
  g_assert_true (pel_train_session_start (session, &settings, &error));
  g_assert_no_error (error);
  g_assert_true (pel_train_session_get_running (session));
  /* a second start while running is refused */
  g_assert_false (pel_train_session_start (session, &settings, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_clear_error (&error);

  wait_until (reached_step, &w);
  pel_train_session_stop (session);
  wait_until (not_running, session);
  g_assert_null (pel_train_session_get_error (session));
  g_assert_true (pel_train_session_has_trainer (session));
  stopped_at = pel_train_session_get_step (session);
  g_assert_cmpint (stopped_at, >=, 3);
  g_assert_cmpint (stopped_at, <, 100000);
  losses = pel_train_session_get_losses (session, &n);
  g_assert_cmpuint (n, ==, stopped_at);
  /* one of the labelled slices is held out, so Dice is measured */
  g_assert_cmpint (pel_train_session_get_holdout_slice (session), ==, 8);
  g_assert_nonnull (pel_train_session_get_model (session));

  /* Continue: the same trainer, so the steps go on from where they were */
  g_assert_true (pel_train_session_continue (session, 5, NULL, &error));
  g_assert_no_error (error);
  wait_until (not_running, session);
  g_assert_null (pel_train_session_get_error (session));
  g_assert_cmpint (pel_train_session_get_step (session), ==, stopped_at + 5);
  losses = pel_train_session_get_losses (session, &n);
  g_assert_cmpuint (n, ==, stopped_at + 5);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpfloat (losses[i].x, ==, i + 1);
      g_assert_true (isfinite (losses[i].y));
    }
  {
    guint n_dice;
    const PelLivePoint *dice = pel_train_session_get_dice (session, &n_dice);
    g_assert_cmpuint (n_dice, >=, 2);
    g_assert_cmpfloat (dice[n_dice - 1].x, ==, stopped_at + 5);
    g_assert_true (dice[n_dice - 1].y >= 0.0 && dice[n_dice - 1].y <= 1.0);
  }

  /* another method's settings cannot continue this trainer */
  {
    PlMethodConfig other = settings.method;
    other.kind = PL_METHOD_MEAN_TEACHER;
    g_assert_false (pel_train_session_continue (session, 5, &other, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }

  /* no leak: the session (trainer, provider, document reference) goes */
  g_object_unref (session);
  drain ();
  g_assert_null (session);
  pel_train_settings_clear (&settings);
}

static gboolean
is_gone (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* Stopping a run whose owner lets go of it at once: the job finishes the
 * step, hands the trainer back, and everything is freed. */
static void
test_stop_and_drop (void)
{
  static const gint64 slices[] = { 3, 8 };
  g_autoptr (PelDocument) doc = make_document (slices, G_N_ELEMENTS (slices));
  PelTrainSession *session = pel_train_session_new (doc);
  PelTrainSettings settings = small_settings (doc, 100000);
  StepWait w = { session, 1 };
  PelJob *job;

  g_object_add_weak_pointer (G_OBJECT (session), (gpointer *) &session);
  g_assert_true (pel_train_session_start (session, &settings, NULL));
  wait_until (reached_step, &w);
  job = pel_live_run_get_job (pel_train_session_get_run (session));
  g_object_add_weak_pointer (G_OBJECT (job), (gpointer *) &job);
  pel_train_session_stop (session);
  g_object_unref (session);
  /* the running job keeps it alive until the step ends */
  g_assert_nonnull (session);
  wait_until (is_gone, &session);
  wait_until (is_gone, &job);
  pel_train_settings_clear (&settings);
}

/* ---- painting reaches the next batch -------------------------------------- */

typedef struct
{
  GMutex   mutex;
  gint64   index;          /* slice watched */
  guint64  min_generation; /* copies at or after this count */
  guint16 *copy;           /* the first such copy */
  guint    n_seen;
} Watch;

static void
observe (int             axis,
         gint64          index,
         guint64         generation,
         const guint16  *slice,
         gpointer        user_data)
{
  Watch *w = user_data;

  g_mutex_lock (&w->mutex);
  if (axis == 2 && index == w->index && generation >= w->min_generation && w->copy == NULL
      && w->min_generation > 0)
    {
      w->copy = g_memdup2 (slice, sizeof (guint16) * NX * NY);
      w->n_seen++;
    }
  g_mutex_unlock (&w->mutex);
}

static gboolean
copy_seen (gpointer data)
{
  Watch *w = data;
  gboolean seen;

  g_mutex_lock (&w->mutex);
  seen = w->copy != NULL;
  g_mutex_unlock (&w->mutex);
  return seen;
}

/* Paints a 3×3 square of `value` centred on voxel (i, j) of axial slice k
 * through the document, as a stroke would. */
static void
paint_square (PelDocument *doc,
              gint64       i,
              gint64       j,
              gint64       k,
              guint16      value)
{
  PlSliceFrame frame;
  PlBrush brush = { PL_BRUSH_SQUARE, 3, FALSE };
  PlPaintRule rule;
  PlEdit *edit = pel_document_begin_edit (doc);
  gint64 ijk[3] = { i, j, k }, x, y;

  pl_slice_frame_init (&frame, pel_document_get_volume (doc), PL_VIEW_AXIAL);
  g_assert_cmpint (frame.axis_n, ==, 2);
  pl_slice_frame_from_voxel (&frame, ijk, &x, &y, NULL);
  pel_document_init_rule (doc, &rule, value, PL_PAINT_OVER_ALL, 0);
  g_assert_cmpuint (pel_document_paint_stamp (doc, edit, &frame, k, &brush, &rule, x + 0.5, y + 0.5), ==, 9);
  pel_document_end_edit (doc, edit, "Paint");
}

static void
watch_slice (Watch       *w,
             PelDocument *doc,
             gint64       k)
{
  g_mutex_lock (&w->mutex);
  g_clear_pointer (&w->copy, g_free);
  w->index = k;
  w->min_generation = pel_document_get_slice_generation (doc, 2, k);
  g_assert_cmpuint (w->min_generation, >, 0);
  g_mutex_unlock (&w->mutex);
}

static void
test_paint_reaches_batch (void)
{
  /* one labelled slice: every batch samples it */
  static const gint64 slices[] = { 5 };
  g_autoptr (PelDocument) doc = make_document (slices, G_N_ELEMENTS (slices));
  g_autoptr (PelTrainSession) session = pel_train_session_new (doc);
  PelTrainSettings settings = small_settings (doc, 100000);
  Watch w = { 0 };
  StepWait sw = { session, 1 };
  guint64 copies_before;

  g_mutex_init (&w.mutex);
  settings.holdout = FALSE;
  g_assert_true (pel_train_session_start (session, &settings, NULL));
  pel_train_provider_set_observer (pel_train_session_get_provider (session), observe, &w);
  wait_until (reached_step, &sw);

  /* Clear a corner of the labelled slice, then paint label 2 there while
   * the job runs: the next copy of slice 5 holds it. */
  paint_square (doc, 1, 1, 5, 0);
  paint_square (doc, 1, 1, 5, 2);
  watch_slice (&w, doc, 5);
  copies_before = pel_train_provider_get_n_copies (pel_train_session_get_provider (session));
  wait_until (copy_seen, &w);
  g_assert_true (pel_train_session_get_running (session));
  g_assert_cmpuint (pel_train_provider_get_n_copies (pel_train_session_get_provider (session)), >, copies_before);
  {
    /* slice layout (dataset.h): axis 2 gives H = i, W = j */
    int h, wd;
    pl_slice_dims (pel_document_get_volume (doc)->dim, 2, &h, &wd);
    for (int y = 0; y < 3; y++)
      for (int x = 0; x < 3; x++)
        g_assert_cmpuint (w.copy[y * wd + x], ==, 2);
    /* and the rest of the slice as painted before */
    g_assert_cmpuint (w.copy[16 * wd + 16], ==, 2);
    g_assert_cmpuint (w.copy[5 * wd + 28], ==, 1);
  }

  /* A slice nobody had labelled becomes part of training once painted. */
  paint_square (doc, 16, 16, 9, 2);
  paint_square (doc, 5, 5, 9, 1);
  watch_slice (&w, doc, 9);
  wait_until (copy_seen, &w);
  g_assert_cmpuint (w.copy[15 * NY + 15], ==, 2);
  g_assert_cmpuint (w.copy[5 * NY + 5], ==, 1);
  g_assert_cmpuint (w.copy[0], ==, 0);

  pel_train_session_stop (session);
  wait_until (not_running, session);
  g_assert_null (pel_train_session_get_error (session));
  pel_train_provider_set_observer (pel_train_session_get_provider (session), NULL, NULL);
  g_free (w.copy);
  g_mutex_clear (&w.mutex);
  pel_train_settings_clear (&settings);
}

/* ---- the panel's loop ----------------------------------------------------- */

static gboolean
predicted (gpointer data)
{
  PelTrainPanel *panel = data;
  return !pel_job_get_running (pel_train_panel_get_predict_job (panel))
         && pel_document_get_proposal (pel_train_session_get_document (pel_train_panel_get_session (panel))) != NULL;
}

static gboolean
file_exists (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

static GtkWidget *
find_label (GtkWidget  *root,
            const char *prefix)
{
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found;
      if (GTK_IS_LABEL (c) && g_str_has_prefix (gtk_label_get_text (GTK_LABEL (c)), prefix))
        return c;
      if ((found = find_label (c, prefix)) != NULL)
        return found;
    }
  return NULL;
}

static gboolean
accepted_slice (gpointer data)
{
  const char *name = pl_undo_get_undo_name (pel_document_get_undo (data));
  return name && g_str_has_prefix (name, "Accept proposal (slice");
}

static gboolean
accepted_all (gpointer data)
{
  const char *name = pl_undo_get_undo_name (pel_document_get_undo (data));
  return g_strcmp0 (name, "Accept proposal (all slices)") == 0;
}

static gboolean
accept_line_shown (gpointer panel)
{
  return status_line (panel, "accept") != NULL;
}

static int
settled_width (GtkWidget *widget)
{
  drain ();
  g_usleep (50000);
  drain ();
  return gtk_widget_get_width (widget);
}

static void
test_panel_loop (void)
{
  static const gint64 slices[] = { 2, 6, 10 };
  g_autoptr (PelDocument) doc = make_document (slices, G_N_ELEMENTS (slices));
  g_autoptr (PelTools) tools = pel_tools_new ();
  GtkWidget *window = gtk_window_new ();
  PelTrainPanel *panel = PEL_TRAIN_PANEL (pel_train_panel_new (doc, tools));
  PelTrainSession *session = pel_train_panel_get_session (panel);
  PelTrainSettings settings = small_settings (doc, LOOP_STEPS);
  g_autofree char *steps_arg = g_strdup_printf (" --steps %d ", LOOP_STEPS);
  g_autofree char *stopped = g_strdup_printf ("Stopped at step %d", LOOP_STEPS);
  g_autoptr (PlLabels) before = NULL;
  const char *command;
  gsize n;
  int width;

  g_object_add_weak_pointer (G_OBJECT (panel), (gpointer *) &panel);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (panel));
  gtk_window_set_default_size (GTK_WINDOW (window), 420, 900);
  gtk_window_present (GTK_WINDOW (window));
  pel_train_panel_set_settings (panel, &settings);
  width = settled_width (GTK_WIDGET (panel));
  g_assert_cmpint (width, >, 0);
  /* three labelled slices: ready, and it says so */
  g_assert_cmpstr (status_line (GTK_WIDGET (panel), "train"), ==, "Ready: Start trains on the 3 labelled slices.");

  /* The command line names every setting, from the engine's defaults. */
  command = pel_train_panel_get_command_line (panel);
  g_assert_nonnull (strstr (command, "pellucid-cli train "));
  g_assert_nonnull (strstr (command, " --preset small "));
  g_assert_nonnull (strstr (command, " --axis axial "));
  g_assert_nonnull (strstr (command, steps_arg));
  g_assert_nonnull (strstr (command, " --method supervised"));
  g_assert_nonnull (strstr (command, " --holdout 6 "));
  {
    /* the rate's ramp-down too, the engine's default, and what it trains with */
    PlTrainConfig cfg;
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_autofree char *ramp = NULL;
    pl_train_config_init (&cfg);
    ramp = g_strdup_printf (" --lr-rampdown %s ", g_ascii_formatd (buf, sizeof buf, "%g", cfg.lr_rampdown));
    g_assert_nonnull (strstr (command, ramp));
    g_assert_true (pel_train_settings_to_config (pel_train_panel_get_settings (panel), -1, &cfg, NULL));
    g_assert_cmpfloat (cfg.lr_rampdown, ==, (float) pel_train_panel_get_settings (panel)->lr_rampdown);
  }

  click (GTK_WIDGET (panel), "_Start");
  g_assert_true (pel_train_session_get_running (session));
  wait_until (not_running, session);
  g_assert_null (pel_train_session_get_error (session));
  g_assert_cmpint (pel_train_session_get_step (session), ==, LOOP_STEPS);
  g_assert_nonnull (pel_train_panel_get_model (panel));
  /* the panel keeps its width whatever it shows */
  g_assert_cmpint (settled_width (GTK_WIDGET (panel)), ==, width);
  g_assert_true (g_str_has_prefix (status_line (GTK_WIDGET (panel), "train"), stopped));
  /* the held-out figure says what it rests on */
  g_assert_cmpstr (status_line (GTK_WIDGET (panel), "holdout"), ==,
                   "Held-out Dice: 1 slice (6), every class painted there; "
                   "Quality scores every painted slice.");
  command = pel_train_panel_get_command_line (panel);
  g_assert_nonnull (strstr (command, steps_arg));

  /* Continue is offered while the settings match the trainer's */
  click (GTK_WIDGET (panel), "_Continue");
  wait_until (not_running, session);
  g_assert_cmpint (pel_train_session_get_step (session), ==, 2 * LOOP_STEPS);

  /* Predict the volume: a proposal on the volume's grid */
  click (GTK_WIDGET (panel), "_Predict");
  wait_until (predicted, panel);
  g_assert_cmpmem (pel_document_get_proposal (doc)->dim, sizeof (gint64) * 3,
                   pel_document_get_volume (doc)->dim, sizeof (gint64) * 3);
  g_assert_cmpint (settled_width (GTK_WIDGET (panel)), ==, width);

  /* Accept all: painted slices stay as painted; undo restores exactly */
  before = pel_document_snapshot_labels (doc, NULL);
  click (GTK_WIDGET (panel), "Accept _All");
  /* the merge is read on a worker: the labels change when it is back */
  wait_until (accepted_all, doc);
  wait_until (accept_line_shown, panel);
  n = pl_labels_n_voxels (before);
  for (gsize v = 0; v < n; v++)
    if (before->data[v] != 0)
      g_assert_cmpuint (pel_document_get_labels (doc)->data[v], ==, before->data[v]);
  g_assert_cmpstr (pl_undo_get_undo_name (pel_document_get_undo (doc)), ==, "Accept proposal (all slices)");
  g_assert_true (g_str_has_prefix (status_line (GTK_WIDGET (panel), "accept"), "Accepted "));
  g_assert_true (pel_document_undo (doc));
  /* the line told of the step just undone: gone with it */
  g_assert_null (status_line (GTK_WIDGET (panel), "accept"));
  g_assert_cmpmem (pel_document_get_labels (doc)->data, n * 2, before->data, n * 2);

  /* The same through PELLUCID_TRAIN_ACTIONS, as the screenshots do. */
  pel_document_set_proposal (doc, NULL);
  {
    gint64 c[3] = { 16, 16, 4 };
    pel_document_set_cursor (doc, c);
  }
  pel_train_panel_run_actions (panel, "preset=small,steps=10,start,predict,outline,accept-slice");
  wait_until (predicted, panel);
  wait_until (accepted_slice, doc);
  g_assert_cmpint (pel_train_session_get_step (session), ==, 10);
  g_assert_true (pel_document_get_proposal_outline (doc));
  /* axial slice 4, shown to the user as 5 */
  g_assert_cmpstr (pl_undo_get_undo_name (pel_document_get_undo (doc)), ==, "Accept proposal (slice 5)");

  /* Save the model, then apply it to another volume of another size in a
   * second window: it records how it was trained, and predicts there. */
  {
    g_autofree char *dir = g_dir_make_tmp ("pellucid-train-XXXXXX", NULL);
    g_autofree char *path = g_build_filename (dir, "phantom.safetensors", NULL);
    g_autofree char *actions = g_strdup_printf ("save=%s", path);
    g_autoptr (PelDocument) other = pel_document_new ();
    g_autofree char *load = g_strdup_printf ("load=%s,predict", path);
    GtkWidget *window2 = gtk_window_new ();
    PelTrainPanel *panel2;
    PlModel *loaded;

    pel_train_panel_run_actions (panel, actions);
    wait_until (file_exists, path);
    while (status_line (GTK_WIDGET (panel), "model") == NULL)
      g_main_context_iteration (NULL, TRUE);
    /* one line per fact: the save does not replace the training line */
    g_assert_true (g_str_has_prefix (status_line (GTK_WIDGET (panel), "model"), "Model saved as phantom.safetensors"));
    g_assert_true (g_str_has_prefix (status_line (GTK_WIDGET (panel), "train"), "Stopped at step 10"));
    pel_document_set_volume (other, make_phantom_sized (40, 36, 7));
    panel2 = PEL_TRAIN_PANEL (pel_train_panel_new (other, tools));
    gtk_window_set_child (GTK_WINDOW (window2), GTK_WIDGET (panel2));
    gtk_window_present (GTK_WINDOW (window2));
    pel_train_panel_run_actions (panel2, load);
    wait_until (predicted, panel2);
    loaded = pel_train_panel_get_model (panel2);
    g_assert_nonnull (loaded);
    g_assert_nonnull (strstr (loaded->training, "\"method\":\"supervised\""));
    /* the last run: the scripted start of 10 steps */
    g_assert_nonnull (strstr (loaded->training, "\"steps\":10"));
    g_assert_nonnull (find_label (GTK_WIDGET (panel2), "Loaded phantom.safetensors"));
    g_assert_cmpint (pel_document_get_proposal (other)->dim[0], ==, 40);
    {
      /* the disk is found on the new grid: its centre is proposed as 2 */
      const PlLabels *p = pel_document_get_proposal (other);
      g_assert_cmpuint (p->data[20 + 40 * (18 + 36 * 3)], ==, 2);
    }
    gtk_window_destroy (GTK_WINDOW (window2));
    drain ();
    g_unlink (path);
    g_rmdir (dir);
  }

  gtk_window_destroy (GTK_WINDOW (window));
  drain ();
  g_assert_null (panel);
  pel_train_settings_clear (&settings);
}

static gboolean
options_chosen (gpointer panel)
{
  const PelTrainSettings *s = pel_train_panel_get_settings (panel);
  return s->fcn_head && s->attention == 4 && s->context == 3 && s->coords;
}

static gboolean
options_plain (gpointer panel)
{
  const PelTrainSettings *s = pel_train_panel_get_settings (panel);
  return !s->fcn_head && s->attention == 0 && s->context == 1 && !s->coords;
}

/* The network options of the settings: chosen by action, shown in the
 * command line, built into the trained network and recorded in its file;
 * a run whose options differ cannot continue the last one. */
static void
test_network_options (void)
{
  static const gint64 slices[] = { 3, 8 };
  g_autoptr (PelDocument) doc = make_document (slices, G_N_ELEMENTS (slices));
  g_autoptr (PelTools) tools = pel_tools_new ();
  GtkWidget *window = gtk_window_new ();
  PelTrainPanel *panel = PEL_TRAIN_PANEL (pel_train_panel_new (doc, tools));
  PelTrainSession *session = pel_train_panel_get_session (panel);
  PelTrainSettings settings = small_settings (doc, TEST_SIZE (6, 2));
  g_autofree char *dir = g_dir_make_tmp ("pellucid-train-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "options.safetensors", NULL);
  g_autofree char *save = g_strdup_printf ("save=%s", path);
  g_autoptr (PlModel) reloaded = NULL;
  const PlUnetConfig *net;
  const char *command;

  g_object_add_weak_pointer (G_OBJECT (panel), (gpointer *) &panel);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (panel));
  gtk_window_present (GTK_WINDOW (window));
  pel_train_panel_set_settings (panel, &settings);
  drain ();
  command = pel_train_panel_get_command_line (panel);
  g_assert_null (strstr (command, "--head"));
  g_assert_null (strstr (command, "--attention"));

  /* the script runs one activation per tick */
  pel_train_panel_run_actions (panel, "head=fcn,attention=4,context=3,coords=true");
  wait_until (options_chosen, panel);
  command = pel_train_panel_get_command_line (panel);
  g_assert_nonnull (strstr (command, " --preset small --head fcn --attention 4 --context 3 --coords "));

  click (GTK_WIDGET (panel), "_Start");
  wait_until (not_running, session);
  g_assert_null (pel_train_session_get_error (session));
  net = pl_unet_get_config (pel_train_panel_get_model (panel)->unet);
  g_assert_cmpint (net->head_scales, ==, 3);
  g_assert_cmpint (net->attention_heads, ==, 4);
  /* three slices and the position: four input channels */
  g_assert_cmpint (net->in_channels, ==, 4);
  g_assert_cmpint (pel_train_panel_get_model (panel)->context, ==, 3);
  g_assert_true (pel_train_panel_get_model (panel)->coords);

  /* the file records both; a plain network is a new run */
  pel_train_panel_run_actions (panel, save);
  wait_until (file_exists, path);
  while (status_line (GTK_WIDGET (panel), "model") == NULL)
    g_main_context_iteration (NULL, TRUE);
  {
    g_autoptr (GError) error = NULL;
    reloaded = pl_model_load (path, &error);
    g_assert_no_error (error);
  }
  g_assert_cmpint (pl_unet_get_config (reloaded->unet)->head_scales, ==, 3);
  g_assert_cmpint (pl_unet_get_config (reloaded->unet)->attention_heads, ==, 4);
  g_assert_cmpint (reloaded->context, ==, 3);
  g_assert_true (reloaded->coords);
  g_assert_true (gtk_widget_is_sensitive (find_button (GTK_WIDGET (panel), "_Continue")));
  pel_train_panel_run_actions (panel, "head=plain,attention=0,context=1,coords=false");
  wait_until (options_plain, panel);
  g_assert_false (gtk_widget_is_sensitive (find_button (GTK_WIDGET (panel), "_Continue")));
  /* the command line still tells of the network that was trained */
  g_assert_nonnull (strstr (pel_train_panel_get_command_line (panel), " --head fcn --attention 4 --context 3 --coords "));

  gtk_window_destroy (GTK_WINDOW (window));
  drain ();
  g_assert_null (panel);
  g_unlink (path);
  g_rmdir (dir);
  pel_train_settings_clear (&settings);
}

static gboolean
quality_estimated (gpointer panel)
{
  const char *line = status_line (panel, "quality");
  return line && !g_str_has_prefix (line, "Estimating");
}

/* Estimate Quality: cross-validation over every painted slice, as a live
 * run of its own; the line gives the Dice per class with the slices it
 * rests on, and the classes it cannot see. */
static void
test_quality_estimate (void)
{
  static const gint64 slices[] = { 1, 4, 7, 10 };
  g_autoptr (PelDocument) doc = make_document (slices, G_N_ELEMENTS (slices));
  g_autoptr (PelTools) tools = pel_tools_new ();
  GtkWidget *window = gtk_window_new ();
  PelTrainPanel *panel = PEL_TRAIN_PANEL (pel_train_panel_new (doc, tools));
  PelTrainSettings settings = small_settings (doc, TEST_SIZE (20, 4));
  g_autofree char *folds = g_strdup_printf ("over 4 painted slices (4 folds × %d steps): ", settings.steps);
  const char *line;

  g_object_add_weak_pointer (G_OBJECT (panel), (gpointer *) &panel);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (panel));
  gtk_window_present (GTK_WINDOW (window));
  pel_train_panel_set_settings (panel, &settings);
  drain ();
  g_assert_null (status_line (GTK_WIDGET (panel), "quality"));

  click (GTK_WIDGET (panel), "_Quality");
  g_assert_true (g_str_has_prefix (status_line (GTK_WIDGET (panel), "quality"), "Estimating quality"));
  /* one estimate at a time */
  g_assert_false (gtk_widget_is_sensitive (find_button (GTK_WIDGET (panel), "_Quality")));
  wait_until (quality_estimated, panel);
  line = status_line (GTK_WIDGET (panel), "quality");
  g_test_message ("%s", line);
  g_assert_true (g_str_has_prefix (line, "Estimated quality (cross-validated): Dice "));
  g_assert_nonnull (strstr (line, folds));
  /* both classes are painted on all four slices */
  g_assert_nonnull (strstr (line, " (4), "));
  g_assert_null (strstr (line, "cannot see"));

  gtk_window_destroy (GTK_WINDOW (window));
  drain ();
  g_assert_null (panel);
  pel_train_settings_clear (&settings);
}

int
main (int argc, char **argv)
{
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("GDK_DEBUG", "gl-disable", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ui/train/stop-continue", test_stop_continue);
  g_test_add_func ("/ui/train/stop-and-drop", test_stop_and_drop);
  g_test_add_func ("/ui/train/paint-reaches-batch", test_paint_reaches_batch);
  g_test_add_func ("/ui/train/panel-loop", test_panel_loop);
  g_test_add_func ("/ui/train/quality-estimate", test_quality_estimate);
  g_test_add_func ("/ui/train/network-options", test_network_options);
  return g_test_run ();
}
