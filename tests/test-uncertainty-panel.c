/* The Uncertainty panel under a virtual X server, on a small synthetic
 * phantom and a tiny two-member model file: without a model it says so;
 * MC dropout through the panel's actions gives the per-slice series, the
 * heat map and the strip's profile; the map action and cycle-map change the
 * overlay; Next uncertain slice moves the cursor to the unpainted slice
 * with the highest mean; the ensemble uses every member; Stop ends a long
 * run without a result; the window closes cleanly.  Trust: a held-out
 * painted slice gives the ECE and a fitted temperature, a reference the
 * ECE on its unpainted slices, the AUROC of each map and a Dice per slice,
 * raters the disagreement overlay and D²GED — each equal to the engine's
 * own measure on the same voxels; a bad reference is named. */
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "src/pel-heat-map.h"
#include "src/pel-slice-strip.h"
#include "src/pel-uncertainty-panel.h"
#include "engine/uncertainty/calibration.h"
#include "engine/uncertainty/error-detect.h"
#include "engine/uncertainty/raters.h"
#include "tests/test-sanitizer.h"

#define NX 24
#define NY 20
#define NZ 20

static void
drain (void)
{
  for (int i = 0; i < 20; i++)
    while (g_main_context_iteration (NULL, FALSE))
      ;
}

static void
wait_not_running (PelLiveRun *run)
{
  gint64 deadline = g_get_monotonic_time () + 60 * TEST_TIME_SCALE * G_USEC_PER_SEC;

  while (pel_live_run_get_running (run))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting for the run");
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  drain ();
}

static PlModel *
tiny_model (guint64 seed)
{
  PlUnetConfig cfg;
  guint16 values[3] = { 0, 1, 2 };
  PlModel *m;

  pl_unet_config_ref (&cfg);
  cfg.depth = 2;
  cfg.channels[0] = 4;
  cfg.channels[1] = 8;
  cfg.n_classes = 3;
  cfg.dropout_p = 0.3f;
  m = pl_model_new (pl_unet_new (&cfg, seed), 3, values, NULL);
  m->axis = 2;
  m->norm_divisor = 100.0;
  return m;
}

/* A bright disk growing along z in a dim square; slices 1 and 4
 * painted. */
static PelDocument *
make_document (void)
{
  const gint64 dim[3] = { NX, NY, NZ };
  PelDocument *doc = pel_document_new ();
  PlVolume *v = pl_volume_new (dim, NULL, NULL);
  PlLabels *labels;

  for (gint64 k = 0; k < NZ; k++)
    for (gint64 j = 0; j < NY; j++)
      for (gint64 i = 0; i < NX; i++)
        {
          double r = hypot (i - NX / 2.0, j - NY / 2.0);
          v->data[i + NX * (j + NY * k)] = r < 3.0 + k * 0.3 ? 200.0f : r < 8.0 ? 80.0f : 5.0f;
        }
  pl_volume_update_stats (v);
  pel_document_set_volume (doc, v);
  labels = pl_labels_new (dim);
  for (gint64 k = 1; k <= 4; k += 3)
    for (gint64 j = 0; j < NY; j++)
      for (gint64 i = 0; i < NX; i++)
        labels->data[i + NX * (j + NY * k)] = hypot (i - NX / 2.0, j - NY / 2.0) < 3.0 + k * 0.3 ? 2 : 1;
  pel_document_load_labels (doc, labels, NULL);
  return doc;
}

static char *
write_model_file (const char *dir)
{
  PlModel *members[2] = { tiny_model (1), tiny_model (2) };
  char *path = g_build_filename (dir, "ensemble.safetensors", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_true (pl_model_save_ensemble (members, 2, path, &error));
  g_assert_no_error (error);
  pl_model_free (members[0]);
  pl_model_free (members[1]);
  return path;
}

static GtkWidget *
find_strip (GtkWidget *w)
{
  if (PEL_IS_SLICE_STRIP (w))
    return w;
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_strip (c);
      if (found)
        return found;
    }
  return NULL;
}

static void
activate (GtkWidget  *panel,
          const char *name,
          GVariant   *parameter)
{
  g_assert_true (gtk_widget_activate_action_variant (panel, name, parameter));
  drain ();
}

/* The overlay is made on a thread: waits until the document shows the
 * named map (a different object than `old`, when given). */
static PelHeatMap *
wait_map (PelDocument *doc,
          const char  *name,
          PelHeatMap  *old)
{
  gint64 deadline = g_get_monotonic_time () + 30 * TEST_TIME_SCALE * G_USEC_PER_SEC;

  for (;;)
    {
      PelHeatMap *heat = pel_document_get_heat_map (doc);
      if (heat && heat != old && strcmp (pel_heat_map_get_name (heat), name) == 0)
        return heat;
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting for the %s map", name);
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
}

static void
test_panel (void)
{
  g_autofree char *dir = g_dir_make_tmp ("pel-unc-XXXXXX", NULL);
  g_autofree char *path = write_model_file (dir);
  PelDocument *doc = make_document ();
  PelTools *tools = pel_tools_new ();
  GtkWidget *window = gtk_window_new ();
  GtkWidget *panel = pel_uncertainty_panel_new (doc, tools);
  PelUncertaintyPanel *up = PEL_UNCERTAINTY_PANEL (panel);
  PelLiveRun *run = pel_uncertainty_panel_get_run (up);
  const PlUncertaintyResult *r;
  const PelLivePoint *points;
  PelHeatMap *heat;
  guint n_points;
  gint64 cursor[3], best = -1, s;
  double best_mean = -1.0;
  GtkWidget *strip;

  gtk_window_set_child (GTK_WINDOW (window), panel);
  gtk_window_set_default_size (GTK_WINDOW (window), 380, 800);
  gtk_window_present (GTK_WINDOW (window));
  drain ();

  /* no model yet: a clear message, no run */
  activate (panel, "uncertainty.start", NULL);
  g_assert_false (pel_live_run_get_running (run));
  g_assert_nonnull (pel_uncertainty_panel_get_status (up, "run"));
  g_assert_nonnull (strstr (pel_uncertainty_panel_get_status (up, "run"), "No model"));
  g_assert_null (pel_uncertainty_panel_get_result (up));

  /* a bad file: an error naming it, nothing loaded */
  activate (panel, "uncertainty.load", g_variant_new_string ("/nonexistent/model.safetensors"));
  g_assert_nonnull (pel_uncertainty_panel_get_status (up, "model"));

  /* MC dropout, 4 passes, through the actions */
  activate (panel, "uncertainty.load", g_variant_new_string (path));
  g_assert_null (pel_uncertainty_panel_get_status (up, "model"));
  activate (panel, "uncertainty.estimator", g_variant_new_string ("mc"));
  activate (panel, "uncertainty.passes", g_variant_new_int32 (4));
  activate (panel, "uncertainty.start", NULL);
  wait_not_running (run);
  r = pel_uncertainty_panel_get_result (up);
  g_assert_nonnull (r);
  g_assert_cmpint (r->n_samples, ==, 4);
  g_assert_cmpint (r->axis, ==, 2);
  points = pel_live_run_get_series (run, "entropy", &n_points);
  g_assert_cmpuint (n_points, ==, NZ);
  for (guint i = 0; i < n_points; i++)
    g_assert_cmpfloat_with_epsilon (points[i].y, r->slice_means[PL_UMAP_ENTROPY][i], 1e-12);

  /* the overlay is the entropy map, the strip carries its slice means */
  heat = wait_map (doc, "entropy", NULL);
  g_assert_cmpmem (pel_heat_map_get_data (heat), r->n_voxels * sizeof (float),
                   r->maps[PL_UMAP_ENTROPY], r->n_voxels * sizeof (float));
  strip = find_strip (panel);
  g_assert_nonnull (strip);
  g_assert_cmpint (pel_slice_strip_get_n (PEL_SLICE_STRIP (strip)), ==, NZ);
  g_assert_cmpint (pel_slice_strip_get_count (PEL_SLICE_STRIP (strip), 1), ==, NX * NY);
  g_assert_cmpint (pel_slice_strip_get_count (PEL_SLICE_STRIP (strip), 0), ==, 0);
  for (s = 0; s < NZ; s++)
    g_assert_cmpfloat (pel_slice_strip_get_value (PEL_SLICE_STRIP (strip), s), ==,
                       r->slice_means[PL_UMAP_ENTROPY][s]);

  /* the map action and cycle-map change the overlay */
  activate (panel, "uncertainty.map", g_variant_new_string ("mutual-info"));
  g_assert_cmpint (pel_uncertainty_panel_get_map (up), ==, PL_UMAP_MUTUAL_INFO);
  heat = wait_map (doc, "mutual-info", NULL);
  g_assert_cmpmem (pel_heat_map_get_data (heat), r->n_voxels * sizeof (float),
                   r->maps[PL_UMAP_MUTUAL_INFO], r->n_voxels * sizeof (float));
  activate (panel, "uncertainty.cycle-map", NULL);
  g_assert_cmpint (pel_uncertainty_panel_get_map (up), ==, PL_UMAP_VARIANCE);
  wait_map (doc, "variance", NULL);
  activate (panel, "uncertainty.cycle-map", NULL);
  g_assert_cmpint (pel_uncertainty_panel_get_map (up), ==, PL_UMAP_ENTROPY);

  /* next uncertain slice: the unpainted slice (not 1, not 4) of highest mean */
  for (s = 0; s < NZ; s++)
    if (s != 1 && s != 4 && r->slice_means[PL_UMAP_ENTROPY][s] > best_mean)
      {
        best_mean = r->slice_means[PL_UMAP_ENTROPY][s];
        best = s;
      }
  activate (panel, "uncertainty.next-slice", NULL);
  g_assert_cmpint (pel_uncertainty_panel_get_next_slice (up), ==, best);
  pel_document_get_cursor (doc, cursor);
  g_assert_cmpint (cursor[2], ==, best);
  g_assert_nonnull (pel_uncertainty_panel_get_status (up, "next"));

  /* the deep ensemble uses both members */
  activate (panel, "uncertainty.estimator", g_variant_new_string ("ensemble"));
  activate (panel, "uncertainty.start", NULL);
  wait_not_running (run);
  r = pel_uncertainty_panel_get_result (up);
  g_assert_nonnull (r);
  g_assert_cmpint (r->n_samples, ==, 2);

  /* Stop: a long MC run ends without a new result */
  activate (panel, "uncertainty.estimator", g_variant_new_string ("mc"));
  activate (panel, "uncertainty.passes", g_variant_new_int32 (200));
  g_assert_true (gtk_widget_activate_action (panel, "uncertainty.start", NULL));
  g_assert_true (pel_live_run_get_running (run));
  activate (panel, "uncertainty.stop", NULL);
  wait_not_running (run);
  g_assert_cmpstr (pel_uncertainty_panel_get_status (up, "run"), ==, "Stopped");
  g_assert_true (pel_uncertainty_panel_get_result (up) == r);

  /* closing while a run goes on */
  g_assert_true (gtk_widget_activate_action (panel, "uncertainty.start", NULL));
  g_assert_true (pel_live_run_get_running (run));
  g_object_ref (run);
  gtk_window_destroy (GTK_WINDOW (window));
  wait_not_running (run);
  g_object_unref (run);
  drain ();
  g_assert_null (pel_document_get_heat_map (doc));
  g_object_unref (tools);
  g_object_unref (doc);
  g_unlink (path);
  g_rmdir (dir);
}

/* The disk as the document's phantom draws it, on every slice; rater 2
 * draws it one voxel wider. */
static char *
write_truth (PelDocument *doc, const char *dir, const char *name, double grow)
{
  const gint64 dim[3] = { NX, NY, NZ };
  g_autoptr (PlLabels) l = pl_labels_new (dim);
  g_autoptr (GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  for (gint64 k = 0; k < NZ; k++)
    for (gint64 j = 0; j < NY; j++)
      for (gint64 i = 0; i < NX; i++)
        l->data[i + NX * (j + NY * k)] = hypot (i - NX / 2.0, j - NY / 2.0) < 3.0 + k * 0.3 + grow ? 2 : 1;
  g_assert_true (pl_labels_save (l, pel_document_get_volume (doc), path, &error));
  g_assert_no_error (error);
  return path;
}

static void
test_trust (void)
{
  g_autofree char *dir = g_dir_make_tmp ("pel-unc-XXXXXX", NULL);
  g_autofree char *path = write_model_file (dir);
  PelDocument *doc = make_document ();
  g_autofree char *truth = write_truth (doc, dir, "truth.nii.gz", 0.0);
  g_autofree char *wide = write_truth (doc, dir, "wide.nii.gz", 1.0);
  g_autofree char *bad = g_build_filename (dir, "missing.nii.gz", NULL);
  GtkWidget *window = gtk_window_new ();
  GtkWidget *panel = pel_uncertainty_panel_new (doc, NULL);
  PelUncertaintyPanel *up = PEL_UNCERTAINTY_PANEL (panel);
  PelLiveRun *run = pel_uncertainty_panel_get_run (up);
  const PlLabels *painted = pel_document_get_labels (doc);
  const PlUncertaintyResult *r;
  const PelAssessment *a;
  gsize nv = NX * NY * NZ;
  g_autofree gint32 *t = g_new (gint32, nv);
  g_autofree guint8 *wrong = g_new (guint8, nv), *mask = g_new (guint8, nv);
  g_autoptr (PlReliability) rel = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PlLabels) ref = NULL;
  double T;

  gtk_window_set_child (GTK_WINDOW (window), panel);
  gtk_window_set_default_size (GTK_WINDOW (window), 380, 900);
  gtk_window_present (GTK_WINDOW (window));
  drain ();

  /* painted slice 4 held out; MC dropout, 4 passes */
  activate (panel, "uncertainty.load", g_variant_new_string (path));
  activate (panel, "uncertainty.passes", g_variant_new_int32 (4));
  activate (panel, "uncertainty.held-out", g_variant_new_string ("4"));
  activate (panel, "uncertainty.start", NULL);
  wait_not_running (run);
  r = pel_uncertainty_panel_get_result (up);
  a = pel_uncertainty_panel_get_assessment (up);
  g_assert_nonnull (r);
  g_assert_nonnull (a);
  g_assert_cmpint (r->n_kept, ==, 4);
  /* on the painted voxels of slice 4: classes 1 → 1, 2 → 2 (values 0, 1, 2) */
  for (gsize i = 0; i < nv; i++)
    t[i] = (gint64) (i / (NX * NY)) == 4 ? painted->data[i] : -1;
  T = pl_temperature_fit (r->mean, 3, nv, nv, t, NULL);
  rel = pl_reliability_new (PL_ECE_DEFAULT_BINS);
  pl_reliability_add (rel, r->mean, 3, nv, nv, t, NULL, 1.0);
  g_assert_false (a->on_reference);
  g_assert_cmpint (a->n_eval, ==, NX * NY);
  g_assert_cmpfloat_with_epsilon (a->ece, pl_reliability_ece (rel), 1e-12);
  g_assert_cmpfloat_with_epsilon (a->temperature, T, 1e-12);
  g_assert_nonnull (a->reliability_t);
  g_assert_nonnull (strstr (pel_uncertainty_panel_get_status (up, "calibration"), "ECE"));
  g_assert_nonnull (strstr (pel_uncertainty_panel_get_status (up, "inputs"), "slice 5"));
  g_assert_false (a->has_errors);

  /* a file that is not there: named, nothing else changes */
  activate (panel, "uncertainty.load-reference", g_variant_new_string (bad));
  wait_not_running (run);
  g_assert_nonnull (strstr (pel_uncertainty_panel_get_status (up, "assess"), "missing.nii.gz"));
  g_assert_false (pel_uncertainty_panel_get_assessment (up)->has_errors);

  /* the reference: ECE on its voxels of unpainted slices, AUROC, Dice per slice */
  activate (panel, "uncertainty.load-reference", g_variant_new_string (truth));
  wait_not_running (run);
  g_assert_null (pel_uncertainty_panel_get_status (up, "assess"));
  a = pel_uncertainty_panel_get_assessment (up);
  g_assert_true (a->on_reference);
  g_assert_true (a->has_errors);
  ref = pl_labels_load (truth, pel_document_get_volume (doc), &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < nv; i++)
    {
      gint64 k = i / (NX * NY);
      t[i] = k == 1 || k == 4 ? -1 : ref->data[i];
      mask[i] = t[i] >= 0;
      wrong[i] = mask[i] && r->labels->data[i] != ref->data[i];
    }
  pl_reliability_free (rel);
  rel = pl_reliability_new (PL_ECE_DEFAULT_BINS);
  pl_reliability_add (rel, r->mean, 3, nv, nv, t, NULL, 1.0);
  g_assert_cmpint (a->n_eval, ==, (NZ - 2) * NX * NY);
  g_assert_cmpfloat_with_epsilon (a->ece, pl_reliability_ece (rel), 1e-12);
  for (int m = 0; m < PL_UMAP_LOGIT_VARIANCE; m++)
    g_assert_cmpfloat_with_epsilon (a->auroc[m], pl_auroc (r->maps[m], wrong, mask, nv), 1e-12);
  g_assert_true (isnan (a->auroc[PL_UMAP_LOGIT_VARIANCE]));
  g_assert_cmpint (a->n_slices, ==, NZ - 2);
  for (gint64 i = 0; i < a->n_slices; i++)
    {
      gint64 k = a->slice_index[i];
      guint16 values[3] = { 0, 1, 2 };
      g_assert_cmpfloat_with_epsilon (a->slice_dice[i],
                                      pl_slice_dice (r->labels->data, ref->data, r->dim, 2, k, values, 3),
                                      1e-12);
      g_assert_cmpfloat_with_epsilon (a->slice_mean[PL_UMAP_ENTROPY][i],
                                      r->slice_means[PL_UMAP_ENTROPY][k], 1e-5);
    }
  g_assert_nonnull (strstr (pel_uncertainty_panel_get_status (up, "errors"), "AUROC"));

  /* two raters: disagreement as the overlay, D²GED against the 4 samples */
  activate (panel, "uncertainty.add-rater", g_variant_new_string (truth));
  wait_not_running (run);
  activate (panel, "uncertainty.add-rater", g_variant_new_string (wide));
  wait_not_running (run);
  a = pel_uncertainty_panel_get_assessment (up);
  g_assert_cmpint (a->n_raters, ==, 2);
  g_assert_true (a->has_ged);
  g_assert_nonnull (a->disagreement);
  {
    g_autoptr (PlLabels) w = pl_labels_load (wide, pel_document_get_volume (doc), &error);
    const guint16 *rd[2] = { ref->data, w->data };
    g_autofree guint16 *samples = g_new (guint16, 4 * nv);
    const guint16 *sd[4];
    guint16 values[3] = { 0, 1, 2 };
    PlGed ged;
    for (int k = 0; k < 4; k++)
      {
        for (gsize i = 0; i < nv; i++)
          samples[k * nv + i] = r->samples[k * nv + i];
        sd[k] = samples + k * nv;
      }
    pl_ged (sd, 4, rd, 2, nv, values, 3, &ged);
    g_assert_cmpfloat_with_epsilon (a->ged.ged2, ged.ged2, 1e-12);
    for (gsize i = 0; i < nv; i++)
      g_assert_cmpfloat (a->disagreement[i], ==, ref->data[i] != w->data[i] ? 0.5f : 0.0f);
  }
  g_assert_nonnull (strstr (pel_uncertainty_panel_get_status (up, "raters"), "2 raters"));
  activate (panel, "uncertainty.show-disagreement", NULL);   /* toggles on */
  wait_map (doc, "rater-disagreement", NULL);
  g_assert_cmpmem (pel_heat_map_get_data (pel_document_get_heat_map (doc)), nv * sizeof (float),
                   a->disagreement, nv * sizeof (float));
  activate (panel, "uncertainty.show-disagreement", NULL);
  wait_map (doc, "entropy", NULL);
  activate (panel, "uncertainty.clear-raters", NULL);
  wait_not_running (run);
  g_assert_cmpint (pel_uncertainty_panel_get_assessment (up)->n_raters, ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
  drain ();
  g_object_unref (doc);
  g_unlink (path);
  g_unlink (truth);
  g_unlink (wide);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("GDK_DEBUG", "gl-disable", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ui/uncertainty/panel", test_panel);
  g_test_add_func ("/ui/uncertainty/trust", test_trust);
  return g_test_run ();
}
