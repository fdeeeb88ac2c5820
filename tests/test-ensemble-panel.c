/* Train Ensemble in the Uncertainty panel, under a virtual X server, on a
 * small synthetic phantom with the Train panel beside it (its network
 * settings: the small preset): three members trained through the
 * "ensemble" actions are exactly pl_ensemble_train()'s (the members of
 * pellucid-cli train --ensemble 3), with progress over every member, the
 * loss of each and the member named; the panel's ensemble estimate is the
 * engine's on those members, bit for bit, and the members disagree; with
 * bootstrap draws and the Train panel's held-out slice, Stop keeps the
 * members that finished, the trust section counts the held-out slice, and
 * Save writes one model file that loads back to the same estimate (a
 * file that cannot be written is named); the window closes while members
 * train; no painted slice gives a clear message, and a bootstrap draw
 * never leaves a member with only the held-out slice. */
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "engine/methods/methods.h"
#include "engine/uncertainty/ensemble.h"
#include "src/pel-action-script.h"
#include "src/pel-train-panel.h"
#include "src/pel-train-provider.h"
#include "src/pel-uncertainty-panel.h"
#include "tests/test-sanitizer.h"
#define UI_WAIT_SECONDS 120
#define UI_WAIT_DRAINS 1
#include "tests/ui-wait.h"

#define NX 24
#define NY 20
#define NZ 12

/* Neither estimating, training nor saving. */
static gboolean
idle (gpointer data)
{
  GActionGroup *group = pel_action_script_find_group (data, "uncertainty");
  g_autoptr (GVariant) busy = g_action_group_get_action_state (group, "busy");

  return !g_variant_get_boolean (busy);
}

/* Stop as the points arrive, not after the test's next look: on a busy
 * machine the main loop can wake late, and a worker running ahead would
 * finish every member first.  The member line is recorded as it comes,
 * for the same reason (the panel clears it when the run ends). */
typedef struct
{
  GtkWidget *panel;
  guint      n;
  gboolean   stopped;
  char      *member;
} StopAt;

static void
stop_at_points (PelLiveRun *run, const char *name, gpointer points, guint n, gpointer data)
{
  StopAt *s = data;
  guint all = 0;

  pel_live_run_get_series (run, "loss", &all);
  if (!s->stopped && all >= s->n)
    {
      s->stopped = TRUE;
      g_assert_true (gtk_widget_activate_action_variant (s->panel, "ensemble.stop", NULL));
    }
}

static void
record_member (PelLiveRun *run, const char *key, const char *text, gpointer data)
{
  StopAt *s = data;

  if (text && !s->stopped)
    {
      g_free (s->member);
      s->member = g_strdup (text);
    }
}

/* A bright disk growing along z in a dim square; every third slice from
 * slice 1 painted (1, 4, 7, 10), or none. */
static PelDocument *
make_document (gboolean painted)
{
  const gint64 dim[3] = { NX, NY, NZ };
  PelDocument *doc = pel_document_new ();
  PlVolume *v = pl_volume_new (dim, NULL, NULL);
  PlLabels *labels = pl_labels_new (dim);

  for (gint64 k = 0; k < NZ; k++)
    for (gint64 j = 0; j < NY; j++)
      for (gint64 i = 0; i < NX; i++)
        {
          double r = hypot (i - NX / 2.0, j - NY / 2.0);
          v->data[i + NX * (j + NY * k)] = r < 3.0 + k * 0.4 ? 200.0f : r < 8.0 ? 80.0f : 5.0f;
          if (painted && k % 3 == 1)
            labels->data[i + NX * (j + NY * k)] = r < 3.0 + k * 0.4 ? 2 : 1;
        }
  pl_volume_update_stats (v);
  pel_document_set_volume (doc, v);
  pel_document_load_labels (doc, labels, NULL);
  return doc;
}

typedef struct
{
  GtkWidget     *window;
  PelTrainPanel *train;
  GtkWidget     *panel;
  PelUncertaintyPanel *up;
} Window;

static void
window_open (Window      *w,
             PelDocument *doc,
             PelTools    *tools,
             gboolean     holdout,
             guint64      seed)
{
  GtkWidget *stack = gtk_stack_new ();
  PelTrainSettings settings;

  w->window = gtk_window_new ();
  w->train = PEL_TRAIN_PANEL (pel_train_panel_new (doc, tools));
  w->panel = pel_uncertainty_panel_new (doc, tools);
  w->up = PEL_UNCERTAINTY_PANEL (w->panel);
  gtk_stack_add_titled (GTK_STACK (stack), GTK_WIDGET (w->train), "train", "Train");
  gtk_stack_add_titled (GTK_STACK (stack), w->panel, "uncertainty", "Uncertainty");
  gtk_stack_set_visible_child (GTK_STACK (stack), w->panel);
  gtk_window_set_child (GTK_WINDOW (w->window), stack);
  gtk_window_set_default_size (GTK_WINDOW (w->window), 420, 900);
  gtk_window_present (GTK_WINDOW (w->window));
  drain ();

  pel_train_settings_init (&settings, pel_document_get_volume (doc));
  g_free (settings.preset);
  settings.preset = g_strdup ("small");
  settings.batch = 2;
  settings.threads = 1;
  settings.seed = seed;
  settings.holdout = holdout;
  pel_train_panel_set_settings (w->train, &settings);
  pel_train_settings_clear (&settings);
}

static void
activate (GtkWidget  *panel,
          const char *name,
          GVariant   *parameter)
{
  g_assert_true (gtk_widget_activate_action_variant (panel, name, parameter));
  drain ();
}

static gboolean
install_method (PlTrainer *trainer,
                gpointer   user_data,
                GError   **error)
{
  return pl_method_install (trainer, user_data, error);
}

/* The members pl_ensemble_train() makes from the Train panel's settings on
 * the document's labels: what pellucid-cli train --ensemble trains. */
static PlModel **
reference_members (PelDocument   *doc,
                   PelTrainPanel *train,
                   int            steps,
                   int            n_members,
                   gboolean       bootstrap,
                   gint64         holdout)
{
  const PelTrainSettings *s = pel_train_panel_get_settings (train);
  const PlVolume *v = pel_document_get_volume (doc);
  g_autoptr (PelLabelStore) store = pel_document_ref_label_store (doc);
  g_autoptr (PelTrainProvider) provider = pel_train_provider_new (store, v->dim);
  g_autoptr (GError) error = NULL;
  PlMethodConfig method = s->method;
  PlTrainConfig cfg;
  PlModel **members;

  g_assert_true (pel_train_settings_to_config (s, holdout, &cfg, &error));
  cfg.label_table = pel_document_get_label_table (doc);
  members = pl_ensemble_train (&cfg, steps, 0, n_members, bootstrap, install_method, &method, v,
                               pel_train_provider_get (provider), NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (members);
  return members;
}

/* The ensemble estimate of members, as the panel asks for it. */
static PlUncertaintyResult *
estimate (PelDocument     *doc,
          PlModel *const  *members,
          int              n)
{
  PlUncertaintySettings us;
  g_autoptr (GError) error = NULL;
  PlUncertaintyResult *r;

  pl_uncertainty_settings_init (&us);
  us.estimator = PL_ESTIMATOR_ENSEMBLE;
  us.keep_samples = MIN (pl_uncertainty_n_samples (&us, n), 4);
  r = pl_uncertainty_estimate (&us, members, n, pel_document_get_volume (doc), NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (r);
  return r;
}

static void
assert_same_estimate (const PlUncertaintyResult *a,
                      const PlUncertaintyResult *b)
{
  g_assert_cmpint (a->n_samples, ==, b->n_samples);
  g_assert_cmpint (a->n_classes, ==, b->n_classes);
  g_assert_cmpmem (a->mean, a->n_voxels * a->n_classes * sizeof (float),
                   b->mean, b->n_voxels * b->n_classes * sizeof (float));
  for (int m = 0; m < PL_UMAP_LOGIT_VARIANCE; m++)
    g_assert_cmpmem (a->maps[m], a->n_voxels * sizeof (float), b->maps[m], b->n_voxels * sizeof (float));
}

static void
test_train (void)
{
  g_autoptr (PelDocument) doc = make_document (TRUE);
  g_autoptr (PelTools) tools = pel_tools_new ();
  const int steps = TEST_SIZE (6, 2);
  Window w;
  PelLiveRun *run;
  const PelLivePoint *points;
  guint n_points;
  PlModel *const *members;
  PlModel **ref;
  int n = 0;
  const PlUncertaintyResult *r;
  PlUncertaintyResult *expected;
  g_autoptr (GVariant) estimator = NULL;
  double mi = 0.0;

  window_open (&w, doc, tools, FALSE, 3);
  run = pel_uncertainty_panel_get_ensemble_run (w.up);
  g_assert_null (pel_uncertainty_panel_get_models (w.up, &n));
  g_assert_cmpint (n, ==, 0);

  activate (w.panel, "ensemble.members", g_variant_new_int32 (3));
  activate (w.panel, "ensemble.steps", g_variant_new_int32 (steps));
  activate (w.panel, "ensemble.train", NULL);
  g_assert_true (pel_live_run_get_running (run));
  g_assert_nonnull (strstr (pel_uncertainty_panel_get_status (w.up, "ensemble"), "3 members"));
  wait_until (idle, w.panel);

  /* progress over every member, each step's loss */
  g_assert_cmpint (pel_live_run_get_total (run), ==, 3 * steps);
  g_assert_cmpint (pel_live_run_get_done (run), ==, 3 * steps);
  points = pel_live_run_get_series (run, "loss", &n_points);
  g_assert_cmpuint (n_points, ==, 3 * steps);
  for (guint i = 0; i < n_points; i++)
    {
      g_assert_cmpfloat (points[i].x, ==, i + 1);
      g_assert_true (isfinite (points[i].y) && points[i].y > 0.0);
    }
  g_assert_nonnull (strstr (pel_uncertainty_panel_get_status (w.up, "ensemble"), "3 members trained"));
  g_assert_null (pel_uncertainty_panel_get_status (w.up, "member"));

  /* the members are pl_ensemble_train's: seeds 3, 4, 5 */
  members = pel_uncertainty_panel_get_models (w.up, &n);
  g_assert_cmpint (n, ==, 3);
  ref = reference_members (doc, w.train, steps, 3, FALSE, -1);
  expected = estimate (doc, ref, 3);

  /* usable at once: the estimator is the ensemble, Estimate computes its maps */
  estimator = g_action_group_get_action_state (pel_action_script_find_group (w.panel, "uncertainty"), "estimator");
  g_assert_cmpstr (g_variant_get_string (estimator, NULL), ==, "ensemble");
  activate (w.panel, "uncertainty.start", NULL);
  wait_until (idle, w.panel);
  r = pel_uncertainty_panel_get_result (w.up);
  g_assert_nonnull (r);
  g_assert_cmpint (r->n_samples, ==, 3);
  assert_same_estimate (r, expected);
  /* members from other seeds disagree somewhere */
  for (gsize i = 0; i < r->n_voxels; i++)
    mi = MAX (mi, r->maps[PL_UMAP_MUTUAL_INFO][i]);
  g_assert_cmpfloat (mi, >, 1e-4);
  g_assert_nonnull (strstr (pel_uncertainty_panel_get_status (w.up, "inputs"), "Held out: none"));
  pl_uncertainty_result_free (expected);
  pl_model_ensemble_free (ref);
  (void) members;

  gtk_window_destroy (GTK_WINDOW (w.window));
  drain ();
}

static void
test_stop_and_save (void)
{
  g_autoptr (PelDocument) doc = make_document (TRUE);
  g_autoptr (PelTools) tools = pel_tools_new ();
  g_autofree char *dir = g_dir_make_tmp ("pel-ens-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "ensemble.safetensors", NULL);
  const int steps = 12;
  Window w;
  PelLiveRun *run;
  StopAt stop = { NULL };
  PlModel *const *members;
  PlModel **ref, **loaded;
  int n = 0, n_loaded = 0;
  const PlUncertaintyResult *r;
  PlUncertaintyResult *expected;
  g_autoptr (GError) error = NULL;
  g_autofree char *stopped = NULL;

  /* seeds 5, 6, …: each bootstrap draw keeps a painted slice besides the
   * held-out one */
  window_open (&w, doc, tools, TRUE, 5);
  run = pel_uncertainty_panel_get_ensemble_run (w.up);
  activate (w.panel, "ensemble.members", g_variant_new_int32 (5));
  activate (w.panel, "ensemble.steps", g_variant_new_int32 (steps));
  activate (w.panel, "ensemble.bootstrap", g_variant_new_boolean (TRUE));
  /* Stop when the third member's first step arrives */
  stop.panel = w.panel;
  stop.n = 2 * steps + 1;
  g_signal_connect (run, "series-points", G_CALLBACK (stop_at_points), &stop);
  g_signal_connect (run, "status::member", G_CALLBACK (record_member), &stop);
  activate (w.panel, "ensemble.train", NULL);
  wait_until (idle, w.panel);
  g_signal_handlers_disconnect_by_data (run, &stop);
  g_assert_true (stop.stopped);
  /* the member in training was named */
  g_assert_nonnull (stop.member);
  g_assert_true (g_str_has_prefix (stop.member, "Training member "));
  g_assert_nonnull (strstr (stop.member, " of 5 (seed "));
  g_free (stop.member);

  /* the members that finished are kept (two, or three if the third
   * finished before the request was seen) */
  members = pel_uncertainty_panel_get_models (w.up, &n);
  g_assert_cmpint (n, >=, 2);
  g_assert_cmpint (n, <, 5);
  stopped = g_strdup_printf ("Stopped: %d of 5 members finished", n);
  g_assert_true (g_str_has_prefix (pel_uncertainty_panel_get_status (w.up, "ensemble"), stopped));

  /* each on its bootstrap draw, without the held-out slice (7, the middle
   * painted one), as the engine trains them */
  ref = reference_members (doc, w.train, steps, n, TRUE, 7);
  expected = estimate (doc, ref, n);
  activate (w.panel, "uncertainty.start", NULL);
  wait_until (idle, w.panel);
  r = pel_uncertainty_panel_get_result (w.up);
  g_assert_nonnull (r);
  g_assert_cmpint (r->n_samples, ==, n);
  assert_same_estimate (r, expected);
  /* the trust section counts the held-out slice (shown from 1) */
  g_assert_nonnull (strstr (pel_uncertainty_panel_get_status (w.up, "inputs"), "Held out: slice 8"));
  pl_uncertainty_result_free (expected);
  pl_model_ensemble_free (ref);

  /* one model file, read back to the same estimate */
  activate (w.panel, "ensemble.save", g_variant_new_string (path));
  wait_until (idle, w.panel);
  g_assert_true (g_str_has_prefix (pel_uncertainty_panel_get_status (w.up, "save"), "Saved ensemble.safetensors"));
  loaded = pl_model_load_ensemble (path, &n_loaded, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n_loaded, ==, n);
  expected = estimate (doc, loaded, n_loaded);
  assert_same_estimate (r, expected);
  pl_uncertainty_result_free (expected);
  pl_model_ensemble_free (loaded);
  (void) members;

  /* a file that cannot be written: named, the set kept */
  activate (w.panel, "ensemble.save", g_variant_new_string ("/nonexistent/dir/e.safetensors"));
  wait_until (idle, w.panel);
  g_assert_nonnull (strstr (pel_uncertainty_panel_get_status (w.up, "save"), "/nonexistent/dir"));
  pel_uncertainty_panel_get_models (w.up, &n_loaded);
  g_assert_cmpint (n_loaded, ==, n);

  /* closing while members train */
  activate (w.panel, "ensemble.steps", g_variant_new_int32 (100000));
  activate (w.panel, "ensemble.train", NULL);
  g_assert_true (pel_live_run_get_running (run));
  g_object_ref (run);
  gtk_window_destroy (GTK_WINDOW (w.window));
  while (pel_live_run_get_running (run))
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  drain ();
  g_object_unref (run);
  g_unlink (path);
  g_rmdir (dir);
}

/* Training that cannot start, named: nothing painted.  And a bootstrap
 * draw never leaves a member with nothing but the held-out slice: seed 3,
 * which once drew slice 7 four times, trains both members. */
static void
test_bad_input (void)
{
  for (int c = 0; c < 2; c++)
    {
      g_autoptr (PelDocument) doc = make_document (c == 1);
      g_autoptr (PelTools) tools = pel_tools_new ();
      const char *status;
      Window w;
      int n = -1;

      window_open (&w, doc, tools, TRUE, 3);
      activate (w.panel, "ensemble.members", g_variant_new_int32 (2));
      activate (w.panel, "ensemble.steps", g_variant_new_int32 (3));
      activate (w.panel, "ensemble.bootstrap", g_variant_new_boolean (c == 1));
      activate (w.panel, "ensemble.train", NULL);
      wait_until (idle, w.panel);
      status = pel_uncertainty_panel_get_status (w.up, "ensemble");
      g_assert_nonnull (status);
      g_test_message ("%s", status);
      if (c == 0)
        {
          g_assert_null (pel_uncertainty_panel_get_models (w.up, &n));
          g_assert_cmpint (n, ==, 0);
          g_assert_true (g_str_has_suffix (status, "(0 of 2 members finished)"));
          g_assert_true (g_str_has_prefix (status, "the label map has no labelled voxel"));
        }
      else
        {
          g_assert_nonnull (pel_uncertainty_panel_get_models (w.up, &n));
          g_assert_cmpint (n, ==, 2);
        }
      gtk_window_destroy (GTK_WINDOW (w.window));
      drain ();
    }
}

int
main (int argc, char **argv)
{
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("GDK_DEBUG", "gl-disable", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ui/uncertainty/ensemble/train", test_train);
  g_test_add_func ("/ui/uncertainty/ensemble/stop-and-save", test_stop_and_save);
  g_test_add_func ("/ui/uncertainty/ensemble/bad-input", test_bad_input);
  return g_test_run ();
}
