/* The Uncertainty panel under a virtual X server, on a small synthetic
 * phantom and a tiny two-member model file: without a model it says so;
 * MC dropout through the panel's actions gives the per-slice series, the
 * heat map and the strip's profile; the map action and cycle-map change the
 * overlay; Next uncertain slice moves the cursor to the unpainted slice
 * with the highest mean; the ensemble uses every member; Stop ends a long
 * run without a result; the window closes cleanly. */
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "src/pel-heat-map.h"
#include "src/pel-slice-strip.h"
#include "src/pel-uncertainty-panel.h"
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
  heat = pel_document_get_heat_map (doc);
  g_assert_nonnull (heat);
  g_assert_cmpstr (pel_heat_map_get_name (heat), ==, "entropy");
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
  heat = pel_document_get_heat_map (doc);
  g_assert_cmpstr (pel_heat_map_get_name (heat), ==, "mutual-info");
  g_assert_cmpmem (pel_heat_map_get_data (heat), r->n_voxels * sizeof (float),
                   r->maps[PL_UMAP_MUTUAL_INFO], r->n_voxels * sizeof (float));
  activate (panel, "uncertainty.cycle-map", NULL);
  g_assert_cmpint (pel_uncertainty_panel_get_map (up), ==, PL_UMAP_VARIANCE);
  g_assert_cmpstr (pel_heat_map_get_name (pel_document_get_heat_map (doc)), ==, "variance");
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

int
main (int argc, char **argv)
{
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("GDK_DEBUG", "gl-disable", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ui/uncertainty/panel", test_panel);
  return g_test_run ();
}
