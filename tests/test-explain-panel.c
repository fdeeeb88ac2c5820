/* The Explain panel under a virtual X server, on a small synthetic
 * phantom: a model trained by the Train panel beside it, three methods
 * computed through the panel's actions (each map in the grid with its
 * compute time, the first on the heat-map overlay of the slice on screen),
 * their deletion and insertion areas, the sanity check (cascading and
 * independent: the strip, a verdict per method), the grid saved as a PNG and the map
 * as a NIfTI heat map, a click on a tile moving the cursor, the
 * normalisation switched to signed, a pixel and a painted target, Stop, and
 * the window closed cleanly. */
#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "engine/data/dataset.h"
#include "engine/explain/explain.h"
#include "engine/explain/sanity.h"
#include "src/pel-action-script.h"
#include "src/pel-explain-panel.h"
#include "src/pel-train-panel.h"
#include "tests/test-sanitizer.h"
#define UI_WAIT_SECONDS 90
#include "tests/ui-wait.h"

#include <glib/gstdio.h>

#define NX 32
#define NY 32
#define NZ 8

/* A bright disk (label 2) in a dim square (label 1) on every slice, RAS,
 * 1 mm: voxel axis 2 is axial. */
static PelDocument *
make_document (void)
{
  const gint64 dim[3] = { NX, NY, NZ };
  PelDocument *doc = pel_document_new ();
  PlVolume *v = pl_volume_new (dim, NULL, NULL);
  PlLabels *labels = pl_labels_new (dim);

  for (gint64 k = 0; k < NZ; k++)
    for (gint64 j = 0; j < NY; j++)
      for (gint64 i = 0; i < NX; i++)
        {
          gsize n = i + NX * (j + NY * k);
          gboolean disk = hypot (i - 15.5, j - 15.5) < 7.0;
          v->data[n] = disk ? 200.0f : (i > 3 && i < NX - 4 && j > 3 && j < NY - 4) ? 80.0f : 5.0f;
          if (k == 2 || k == 5)
            labels->data[n] = disk ? 2 : 1;
        }
  pl_volume_update_stats (v);
  pel_document_set_volume (doc, v);
  pel_document_load_labels (doc, labels, NULL);
  return doc;
}

/* The widget has been given its size. */
static gboolean
laid_out (gpointer data)
{
  return gtk_widget_get_width (data) > 0 && gtk_widget_get_height (data) > 0;
}

static gboolean
training_done (gpointer data)
{
  PelTrainPanel *train = data;
  return pel_train_panel_get_model (train) != NULL
         && !pel_train_session_get_running (pel_train_panel_get_session (train));
}

typedef struct
{
  PelExplainPanel *panel;
  guint            n;
} MapWait;

static gboolean
idle_with_maps (gpointer data)
{
  MapWait *w = data;
  return !pel_live_run_get_running (pel_explain_panel_get_run (w->panel))
         && pel_explain_panel_get_n_maps (w->panel) >= w->n;
}

static gboolean
has_maps (gpointer data)
{
  MapWait *w = data;
  return pel_explain_panel_get_n_maps (w->panel) >= w->n;
}

static gboolean
stopped (gpointer data)
{
  return !pel_live_run_get_running (pel_explain_panel_get_run (data));
}

static gboolean
script_done (gpointer data)
{
  return !pel_action_script_pending (data);
}

/* Runs a list of explain.* activations to its end. */
static void
run_script (PelExplainPanel *panel,
            const char      *script)
{
  pel_explain_panel_run_actions (panel, script);
  wait_until (script_done, panel);
  drain ();
}

/* Counts the tiles of the grid (the flow box holding GtkPictures). */
static guint
count_pictures (GtkWidget *w)
{
  guint n = GTK_IS_PICTURE (w) ? 1 : 0;
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    n += count_pictures (c);
  return n;
}

typedef struct
{
  PelDocument *doc;
  const char  *name;
  int          colormap;  /* −1: any */
} OverlayWait;

static gboolean
overlay_shown (gpointer data)
{
  OverlayWait *w = data;
  PelHeatMap *heat = pel_document_get_heat_map (w->doc);
  return heat && strcmp (pel_heat_map_get_name (heat), w->name) == 0
         && (w->colormap < 0 || (int) pel_heat_map_get_colormap (heat) == w->colormap);
}

/* The overlay is made on a thread: waits for it. */
static PelHeatMap *
wait_overlay (PelDocument *doc,
              const char  *name,
              int          colormap)
{
  OverlayWait w = { doc, name, colormap };
  wait_until (overlay_shown, &w);
  return pel_document_get_heat_map (doc);
}

/* The first widget under w with the CSS class. */
static GtkWidget *
find_by_class (GtkWidget  *w,
               const char *css_class)
{
  if (gtk_widget_has_css_class (w, css_class))
    return w;
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_by_class (c, css_class);
      if (found)
        return found;
    }
  return NULL;
}

/* A primary click at (x, y) of w, through its click gesture's "pressed". */
static void
click_at (GtkWidget *w,
          double     x,
          double     y)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (w);
  gboolean clicked = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GObject) c = g_list_model_get_item (controllers, i);
      if (GTK_IS_GESTURE_CLICK (c))
        {
          g_signal_emit_by_name (c, "pressed", 1, x, y);
          clicked = TRUE;
        }
    }
  g_assert_true (clicked);
}

/* Voxels of the overlay that are drawn (finite), and their maximum |value|,
 * checking that all lie on axial slice k. */
static gsize
overlay_voxels (PelDocument *doc,
                gint64       k,
                double      *max_abs)
{
  PelHeatMap *heat = pel_document_get_heat_map (doc);
  const float *d = pel_heat_map_get_data (heat);
  gsize n = 0;

  *max_abs = 0.0;
  for (gsize v = 0; v < (gsize) NX * NY * NZ; v++)
    if (isfinite (d[v]))
      {
        g_assert_cmpint ((gint64) (v / (NX * NY)), ==, k);
        *max_abs = MAX (*max_abs, fabs (d[v]));
        n++;
      }
  return n;
}

static void
test_panel (void)
{
  g_autoptr (PelDocument) doc = make_document ();
  g_autoptr (PelTools) tools = pel_tools_new ();
  GtkWidget *window = gtk_window_new ();
  GtkWidget *stack = gtk_stack_new ();
  PelTrainPanel *train = PEL_TRAIN_PANEL (pel_train_panel_new (doc, tools));
  PelExplainPanel *panel = PEL_EXPLAIN_PANEL (pel_explain_panel_new (doc, tools));
  PelTrainSettings settings;
  MapWait w = { panel, 3 };
  PelHeatMap *heat;
  gint64 cursor[3] = { 16, 16, 5 };
  double max_abs, ms, lo, hi;
  gsize n_drawn;
  guint n_methods;

  g_object_add_weak_pointer (G_OBJECT (panel), (gpointer *) &panel);
  gtk_stack_add_titled (GTK_STACK (stack), GTK_WIDGET (train), "train", "Train");
  gtk_stack_add_titled (GTK_STACK (stack), GTK_WIDGET (panel), "explain", "Explain");
  gtk_window_set_child (GTK_WINDOW (window), stack);
  gtk_window_set_default_size (GTK_WINDOW (window), 420, 900);
  gtk_window_present (GTK_WINDOW (window));
  drain ();
  /* no model yet: it says where one comes from */
  g_assert_cmpstr (pel_explain_panel_get_status (panel, "explain"), ==,
                   "Train a model or load one in the Train panel to explain it.");

  pel_train_settings_init (&settings, pel_document_get_volume (doc));
  g_free (settings.preset);
  settings.preset = g_strdup ("small");
  settings.steps = TEST_SIZE (20, 5);
  settings.batch = 2;
  settings.threads = 1;
  pel_train_panel_set_settings (train, &settings);
  pel_train_panel_run_actions (train, "start");
  wait_until (training_done, train);

  /* Three methods on the disk class, on the axial slice of the cursor */
  pel_document_set_cursor (doc, cursor);
  pel_explain_panel_run_actions (panel, "show,class=2,region=predicted,methods=grad+gradcam+lrp-ab,compute");
  wait_until (idle_with_maps, &w);
  g_assert_cmpuint (pel_explain_panel_get_n_maps (panel), ==, 3);
  g_assert_cmpstr (pel_explain_panel_get_map_name (panel, 0, &ms), ==, "grad");
  g_assert_cmpfloat (ms, >, 0.0);
  g_assert_cmpstr (pel_explain_panel_get_map_name (panel, 1, NULL), ==, "gradcam");
  g_assert_cmpstr (pel_explain_panel_get_map_name (panel, 2, NULL), ==, "lrp-ab");
  g_assert_cmpuint (count_pictures (GTK_WIDGET (panel)), ==, 3);
  g_assert_cmpstr (pel_explain_panel_get_status (panel, "explain"), ==,
                   "3 maps: click one to show it on the slice.");
  g_assert_true (g_str_has_prefix (pel_explain_panel_get_status (panel, "score"), "Score "));
  g_assert_cmpfloat (pel_live_run_get_fraction (pel_explain_panel_get_run (panel)), ==, 1.0);

  /* a click in the middle of a tile moves the cursor to the middle of the
   * slice, on the maps' slice; outside the picture it does nothing */
  {
    GtkWidget *tile = find_by_class (GTK_WIDGET (panel), "explain-crosshair");
    gint64 moved[3], away[3] = { 3, 3, 2 };
    int tw, th;

    g_assert_nonnull (tile);
    /* the tiles are laid out on a frame after the maps arrive */
    wait_until (laid_out, tile);
    tw = gtk_widget_get_width (tile);
    th = gtk_widget_get_height (tile);
    g_assert_cmpint (tw, >, 0);
    g_assert_cmpint (th, >, 0);
    pel_document_set_cursor (doc, away);
    click_at (tile, tw / 2.0, th / 2.0);
    pel_document_get_cursor (doc, moved);
    g_assert_cmpint (moved[2], ==, 5);
    g_assert_cmpint (ABS (moved[0] - (NY / 2 - 1)), <=, 1);
    g_assert_cmpint (ABS (moved[1] - NX / 2), <=, 1);
    pel_document_set_cursor (doc, away);
    click_at (tile, -5.0, -5.0);
    pel_document_get_cursor (doc, moved);
    g_assert_cmpint (moved[0], ==, 3);
    g_assert_cmpint (moved[2], ==, 2);
    pel_document_set_cursor (doc, cursor);
  }

  /* the first map is on the overlay, on slice 5 only, absolute */
  heat = wait_overlay (doc, "Explanation: Vanilla gradient", -1);
  g_assert_nonnull (heat);
  n_drawn = overlay_voxels (doc, 5, &max_abs);
  g_assert_cmpuint (n_drawn, >, 0);
  g_assert_cmpfloat (max_abs, >, 0.0);
  pel_heat_map_get_range (heat, &lo, &hi);
  g_assert_cmpfloat (lo, ==, 0.0);
  g_assert_cmpfloat (hi, >, 0.0);
  g_assert_cmpfloat (hi, <=, max_abs);

  /* faithfulness: the areas of both curves, in [0, …) */
  for (guint i = 0; i < 3; i++)
    {
      double del, ins;
      pel_explain_panel_get_map_areas (panel, i, &del, &ins);
      g_assert_true (isfinite (del) && isfinite (ins));
    }

  /* the grid as a PNG: three tiles of the slice a row */
  {
    g_autofree char *dir = g_dir_make_tmp ("explain-panel-XXXXXX", NULL);
    g_autofree char *png = g_build_filename (dir, "grid.png", NULL);
    g_autofree char *nii = g_build_filename (dir, "map.nii.gz", NULL);
    g_autofree char *script = g_strdup_printf ("export-grid=%s", png);
    g_autoptr (GdkTexture) tex = NULL;
    g_autoptr (PlVolume) back = NULL;
    g_autoptr (GError) error = NULL;
    gsize on_slice = 0;

    run_script (panel, script);
    wait_until (stopped, panel);
    drain ();
    g_assert_cmpstr (pel_explain_panel_get_status (panel, "export"), ==,
                     (g_free (script), script = g_strdup_printf ("Saved %s.", png)));
    tex = gdk_texture_new_from_filename (png, &error);
    g_assert_no_error (error);
    g_assert_cmpint (gdk_texture_get_width (tex), ==, 3 * NX + 2 * 4);
    g_assert_cmpint (gdk_texture_get_height (tex), ==, NY);

    /* the map on the overlay as a NIfTI heat map on the volume's grid */
    g_free (script);
    script = g_strdup_printf ("export-map=%s", nii);
    run_script (panel, script);
    wait_until (stopped, panel);
    drain ();
    back = pl_volume_load (nii, 0, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (back->dim[0], ==, NX);
    g_assert_cmpint (back->dim[2], ==, NZ);
    for (gsize v = 0; v < (gsize) NX * NY * NZ; v++)
      if (back->data[v] != 0.0f)
        {
          g_assert_cmpint ((gint64) (v / (NX * NY)), ==, 5);
          on_slice++;
        }
    g_assert_cmpuint (on_slice, >, 0);
    g_unlink (png);
    g_unlink (nii);
    g_rmdir (dir);
  }

  /* the sanity check of the three methods, cascading: every stage of
   * each method in the strip, a verdict each, in the table too */
  {
    g_auto (GStrv) layers = pl_sanity_layers (pel_train_panel_get_model (train)->unet);
    guint n_layers = g_strv_length (layers);
    const char *names[] = { "grad", "gradcam", "lrp-ab" };

    run_script (panel, "sanity-mode=cascade,sanity");
    wait_until (stopped, panel);
    drain ();
    g_assert_cmpuint (pel_explain_panel_get_n_sanity (panel), ==, 3 * (n_layers + 1));
    for (guint i = 0; i < 3; i++)
      {
        double mean;
        int v = pel_explain_panel_get_sanity_verdict (panel, names[i], &mean);
        g_assert_cmpint (v, >=, 0);
        g_assert_true (isfinite (mean));
        g_assert_cmpint (v, ==, mean < 0.5);
      }
    g_assert_cmpint (pel_explain_panel_get_sanity_verdict (panel, "guided", NULL), ==, -1);
    /* the maps of the same slice stay in the grid */
    g_assert_cmpuint (pel_explain_panel_get_n_maps (panel), ==, 3);
    g_assert_cmpstr (pel_explain_panel_get_status (panel, "explain"), ==,
                     "Sanity check done: the strip shows each stage's map.");
    /* 3 grid tiles and a strip of n_layers + 1 per method */
    g_assert_cmpuint (count_pictures (GTK_WIDGET (panel)), ==, 3 + 3 * (n_layers + 1));
    run_script (panel, "sanity-mode=independent,sanity");
    wait_until (stopped, panel);
    drain ();
    g_assert_cmpuint (pel_explain_panel_get_n_sanity (panel), ==, 3 * (n_layers + 1));
  }

  /* another map on the overlay, then the signed normalisation */
  run_script (panel, "overlay=1");
  wait_overlay (doc, "Explanation: Grad-CAM", -1);
  run_script (panel, "normalise=signed,clip=90");
  heat = wait_overlay (doc, "Explanation: Grad-CAM", PEL_COLORMAP_COOLWARM);
  pel_heat_map_get_range (heat, &lo, &hi);
  g_assert_cmpfloat (lo, ==, -hi);
  /* the grid and the strip, redrawn */
  g_assert_cmpuint (count_pictures (GTK_WIDGET (panel)), ==, 3 + pel_explain_panel_get_n_sanity (panel));

  /* a pixel target at the crosshair */
  run_script (panel, "region=pixel,methods=grad,compute");
  w.n = 1;
  wait_until (idle_with_maps, &w);
  g_assert_cmpuint (pel_explain_panel_get_n_maps (panel), ==, 1);
  g_assert_cmpstr (pel_explain_panel_get_status (panel, "score"), !=, NULL);
  g_assert_true (g_str_has_suffix (pel_explain_panel_get_status (panel, "score"), " over 1 pixel"));

  /* the painted disk on slice 5; none painted on slice 3 */
  run_script (panel, "region=painted,faithfulness=false,methods=grad,compute");
  wait_until (idle_with_maps, &w);
  g_assert_true (g_str_has_suffix (pel_explain_panel_get_status (panel, "score"), " pixels"));
  {
    double del, ins;
    pel_explain_panel_get_map_areas (panel, 0, &del, &ins);
    g_assert_true (isnan (del) && isnan (ins));
  }
  cursor[2] = 3;
  pel_document_set_cursor (doc, cursor);
  run_script (panel, "compute");
  g_assert_cmpstr (pel_explain_panel_get_status (panel, "explain"), ==, "Label 2 is not painted on this slice.");
  cursor[2] = 5;
  pel_document_set_cursor (doc, cursor);

  /* Stop: every method of the table requested, stopped after the first */
  {
    const PlExplainMethod *m = pl_explain_methods (&n_methods);
    /* (with the deletion and insertion curves, so that each map takes a
     * while and Stop lands before the last) */
    GString *all = g_string_new ("region=predicted,faithfulness=true,methods=");
    for (guint i = 0; i < n_methods; i++)
      g_string_append_printf (all, "%s%s", i ? "+" : "", m[i].name);
    g_string_append (all, ",compute");
    run_script (panel, all->str);
    g_string_free (all, TRUE);
  }
  wait_until (has_maps, &w);
  /* (a script would wait for the run to end: the action itself) */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "explain.stop", NULL));
  wait_until (stopped, panel);
  g_assert_cmpuint (pel_explain_panel_get_n_maps (panel), <, n_methods);
  g_assert_true (g_str_has_prefix (pel_explain_panel_get_status (panel, "explain"), "Stopped: "));

  /* closing while computing stops the run and frees the panel */
  run_script (panel, "methods=occlusion,compute");
  /* started (occlusion of the tiny slice may already be done) */
  g_assert_true (pel_live_run_get_running (pel_explain_panel_get_run (panel))
                 || pel_explain_panel_get_n_maps (panel) == 1);
  gtk_window_destroy (GTK_WINDOW (window));
  while (panel)
    g_main_context_iteration (NULL, TRUE);
  drain ();
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

  g_test_add_func ("/ui/explain/panel", test_panel);
  return g_test_run ();
}
