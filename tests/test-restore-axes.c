/* The Restore panel along any axis and its CT, under a virtual X server on
 * small phantoms.
 *
 * Networks along another axis: the two-acquisition network trained on the
 * coronal slices of a volume equals the one trained on the axial slices of
 * the same volume with its second and third voxel axes swapped (the same
 * planes, in the same order), and each writes its restoration back on its
 * own grid; Noise2Noise on sagittal slices fills the table with the figures
 * of the sagittal slice on screen.
 *
 * CT: restore.method "ct" scans the slice on screen as pellucid-cli
 * reconstruct does; the two filtered back projections in the table equal
 * the engine's (pl_ct_measure, pl_ct_fbp, clipped, compared over the slice),
 * the deep image prior + TV runs live (loss and PSNR against the slice for
 * every iteration, the FBPs' lines) and its chosen iterate is the result
 * that Keep puts in and the table and CSV hold (or either back projection,
 * chosen with restore.ct-result); the sinogram and the three
 * reconstructions are pictured; Stop keeps the back projections; a coronal
 * slice is reconstructed on its own grid; an empty slice is refused with
 * the file's name. */
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "engine/data/dataset.h"
#include "engine/data/metrics.h"
#include "engine/restore/compare.h"
#include "engine/restore/ct.h"
#include "engine/restore/degrade.h"
#include "src/pel-restore-panel.h"
#include "tests/test-sanitizer.h"
#define UI_WAIT_SECONDS 120
#include "tests/ui-wait.h"

static gboolean
idle_run (gpointer data)
{
  return !pel_live_run_get_running (data);
}

static gboolean
has_psnr_point (gpointer data)
{
  guint n = 0;

  pel_live_run_get_series (data, "psnr-average", &n);
  return n > 0;
}

/* A bright disk and a dim block that change along every axis, RAS, 1 mm. */
static PlVolume *
make_phantom (int nx, int ny, int nz)
{
  const gint64 dim[3] = { nx, ny, nz };
  PlVolume *v = pl_volume_new (dim, NULL, NULL);

  for (gint64 k = 0; k < nz; k++)
    for (gint64 j = 0; j < ny; j++)
      for (gint64 i = 0; i < nx; i++)
        {
          double r = hypot (i - nx / 2.0, j - ny / 2.0 - (k - nz / 2.0) / 3.0);
          v->data[i + nx * (j + (gsize) ny * k)] = r < nx / 5.0 ? 200.0f
                                                   : (i > 3 && i < nx - 4 && j > 2 + k / 4 && j < ny - 3) ? 80.0f
                                                   : 5.0f;
        }
  pl_volume_update_stats (v);
  return v;
}

/* v with its voxel axes 1 and 2 swapped: w (i, k, j) = v (i, j, k). */
static PlVolume *
swap_yz (const PlVolume *v)
{
  const gint64 dim[3] = { v->dim[0], v->dim[2], v->dim[1] };
  PlVolume *w = pl_volume_new (dim, NULL, NULL);

  for (gint64 k = 0; k < v->dim[2]; k++)
    for (gint64 j = 0; j < v->dim[1]; j++)
      for (gint64 i = 0; i < v->dim[0]; i++)
        w->data[i + dim[0] * (k + dim[1] * j)] = v->data[i + v->dim[0] * (j + v->dim[1] * k)];
  pl_volume_update_stats (w);
  return w;
}

typedef struct
{
  PelDocument     *doc;
  PelTools        *tools;
  GtkWidget       *window;
  PelRestorePanel *panel;
  PelLiveRun      *run, *io;
} Fixture;

static void
fixture_open (Fixture  *f,
              PlVolume *volume)
{
  f->doc = pel_document_new ();
  f->tools = pel_tools_new ();
  f->window = gtk_window_new ();
  pel_document_set_volume (f->doc, volume);
  f->panel = PEL_RESTORE_PANEL (pel_restore_panel_new (f->doc, f->tools));
  g_object_add_weak_pointer (G_OBJECT (f->panel), (gpointer *) &f->panel);
  f->run = pel_restore_panel_get_run (f->panel);
  f->io = pel_restore_panel_get_io_run (f->panel);
  gtk_window_set_child (GTK_WINDOW (f->window), GTK_WIDGET (f->panel));
  gtk_window_set_default_size (GTK_WINDOW (f->window), 420, 900);
  gtk_window_present (GTK_WINDOW (f->window));
  drain ();
}

static void
fixture_close (Fixture *f)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  drain ();
  g_assert_null (f->panel);
  g_clear_object (&f->doc);
  g_clear_object (&f->tools);
}

/* Starts the panel's run and waits for it. */
static void
start_and_wait (Fixture *f)
{
  gtk_widget_activate_action (GTK_WIDGET (f->panel), "restore.start", NULL);
  g_assert_true (pel_live_run_get_running (f->run));
  wait_until (idle_run, f->run);
  drain ();
}

/* ---- networks along another axis ----------------------------------------- */

/* The pair method on the open volume and `second` (saved to `path`). */
static PlVolume *
pair_restore (PlVolume       *noisy,
              const PlVolume *second,
              const char     *path,
              const char     *axis,
              const gint64    cursor[3],
              int             steps,
              float          *shown)
{
  Fixture f = { 0 };
  g_autoptr (GError) error = NULL;
  const PlDipResult *r;
  PlVolume *out;

  g_assert_true (pl_volume_save (second, path, &error));
  g_assert_no_error (error);
  fixture_open (&f, noisy);
  pel_document_set_cursor (f.doc, cursor);
  gtk_widget_activate_action (GTK_WIDGET (f.panel), "restore.method", "s", "pair");
  gtk_widget_activate_action (GTK_WIDGET (f.panel), "restore.axis", "s", axis);
  gtk_widget_activate_action (GTK_WIDGET (f.panel), "restore.steps", "i", steps);
  gtk_widget_activate_action (GTK_WIDGET (f.panel), "restore.seed", "i", 5);
  gtk_widget_activate_action (GTK_WIDGET (f.panel), "restore.second", "s", path);
  wait_until (idle_run, f.io);
  drain ();
  g_assert_nonnull (pel_restore_panel_get_second (f.panel));
  start_and_wait (&f);
  g_assert_nonnull (strstr (pel_restore_panel_get_status (f.panel, "slice"), axis));
  r = pel_restore_panel_get_result (f.panel);
  g_assert_nonnull (r);
  g_assert_cmpint (r->iterations, ==, steps);
  memcpy (shown, r->output, (gsize) r->h * r->w * sizeof (float));
  g_assert_nonnull (pel_restore_panel_get_result_volume (f.panel));
  out = pl_volume_copy (pel_restore_panel_get_result_volume (f.panel));
  g_assert_cmpmem (out->dim, sizeof out->dim, pel_document_get_volume (f.doc)->dim, sizeof out->dim);
  fixture_close (&f);
  return out;
}

static void
test_net_coronal_equals_transposed_axial (void)
{
  const int nx = 32, ny = 20, nz = 24, steps = TEST_SIZE (8, 3);
  g_autoptr (PlVolume) clean = make_phantom (nx, ny, nz);
  g_autoptr (PlVolume) a1 = NULL, a2 = NULL, b1 = NULL, b2 = NULL, ra = NULL, rb = NULL;
  g_autofree char *dir = g_dir_make_tmp ("restore-axes-XXXXXX", NULL);
  g_autofree char *pa = g_build_filename (dir, "a2.nii.gz", NULL);
  g_autofree char *pb = g_build_filename (dir, "b2.nii.gz", NULL);
  const gint64 ca[3] = { 10, 7, 15 }, cb[3] = { 10, 15, 7 };
  g_autofree float *sa = g_new (float, nx * nz), *sb = g_new (float, nx * nz);
  PlDegradeSettings d;
  double diff = 0.0, change = 0.0;

  /* two acquisitions of the phantom */
  pl_degrade_settings_init (&d);
  d.level = 0.1;
  d.scale = clean->max;
  d.seed = 1;
  a1 = pl_degrade_volume (clean, &d, NULL);
  d.seed = 2;
  a2 = pl_degrade_volume (clean, &d, NULL);
  g_assert_nonnull (a1);
  g_assert_nonnull (a2);
  b1 = swap_yz (a1);
  b2 = swap_yz (a2);

  ra = pair_restore (pl_volume_copy (a1), a2, pa, "coronal", ca, steps, sa);
  rb = pair_restore (pl_volume_copy (b1), b2, pb, "axial", cb, steps, sb);

  /* the same planes in the same order: the same network and restoration */
  for (int i = 0; i < nx * nz; i++)
    g_assert_cmpfloat (fabsf (sa[i] - sb[i]), <=, 1e-5f * (1.0f + fabsf (sb[i])));
  for (gint64 k = 0; k < nz; k++)
    for (gint64 j = 0; j < ny; j++)
      for (gint64 i = 0; i < nx; i++)
        {
          float x = ra->data[i + nx * (j + (gsize) ny * k)], y = rb->data[i + nx * (k + (gsize) nz * j)];

          diff = MAX (diff, fabs (x - y));
          change = MAX (change, fabs (x - a1->data[i + nx * (j + (gsize) ny * k)]));
        }
  g_assert_cmpfloat (diff, <=, 1e-4 * clean->max);
  g_assert_cmpfloat (change, >, 1.0);  /* it did restore something */
  g_remove (pa);
  g_remove (pb);
  g_rmdir (dir);
}

static void
test_n2n_sagittal_figures (void)
{
  const int nx = 20, ny = 28, nz = 24, steps = TEST_SIZE (6, 3);
  g_autoptr (PlVolume) clean = make_phantom (nx, ny, nz);
  g_autoptr (PlVolume) noisy = NULL;
  const gint64 cursor[3] = { 9, 14, 12 };
  Fixture f = { 0 };
  const PlDipResult *r;
  const PlVolume *rv;
  const char *name;
  PlCompare got, want;
  int h, w;

  fixture_open (&f, pl_volume_copy (clean));
  pel_document_set_cursor (f.doc, cursor);
  gtk_widget_activate_action (GTK_WIDGET (f.panel), "restore.level", "d", 0.1);
  gtk_widget_activate_action (GTK_WIDGET (f.panel), "restore.degrade", NULL);
  wait_until (idle_run, f.io);
  drain ();
  noisy = pl_volume_copy (pel_document_get_volume (f.doc));
  gtk_widget_activate_action (GTK_WIDGET (f.panel), "restore.method", "s", "n2n");
  gtk_widget_activate_action (GTK_WIDGET (f.panel), "restore.axis", "s", "sagittal");
  gtk_widget_activate_action (GTK_WIDGET (f.panel), "restore.steps", "i", steps);
  start_and_wait (&f);
  g_assert_nonnull (strstr (pel_restore_panel_get_status (f.panel, "result"), "sagittal slice 10"));
  r = pel_restore_panel_get_result (f.panel);
  rv = pel_restore_panel_get_result_volume (f.panel);
  pl_slice_dims (clean->dim, 0, &h, &w);
  g_assert_cmpint (r->h, ==, h);
  g_assert_cmpint (r->w, ==, w);
  {
    g_autofree float *out = g_new (float, h * w), *ref = g_new (float, h * w);
    double scale = noisy->max, range = (clean->max - clean->min) / scale;

    pl_volume_get_slice (rv, 0, cursor[0], out);
    pl_volume_get_slice (clean, 0, cursor[0], ref);
    for (int i = 0; i < h * w; i++)
      {
        out[i] /= scale;
        ref[i] /= scale;
        g_assert_cmpfloat (fabsf (out[i] - r->output[i]), <, 1e-5f);
      }
    pl_compare (out, ref, 1, h, w, range, &want);
  }
  g_assert_cmpuint (pel_restore_panel_get_n_rows (f.panel), ==, 2);
  g_assert_true (pel_restore_panel_get_row (f.panel, 1, &name, &got));
  g_assert_cmpstr (name, ==, "Noise2Noise");
  g_assert_cmpfloat_with_epsilon (got.psnr, want.psnr, 1e-4);
  g_assert_cmpfloat_with_epsilon (got.ssim, want.ssim, 1e-5);
  /* the comparison's pictures are of the sagittal slice */
  g_assert_nonnull (pel_restore_panel_get_compare_picture (f.panel, 0));
  fixture_close (&f);
}

/* ---- CT ------------------------------------------------------------------- */

/* pellucid-cli reconstruct's FBP of slice `index` along `axis`: the figures
 * over the slice, range 1. */
static void
engine_fbp (const PlVolume *v,
            int             axis,
            gint64          index,
            int             angles,
            double          noise,
            guint64         seed,
            PlCtFilter      filter,
            PlCompare      *c,
            int            *n_out)
{
  int h, w, n, oy, ox;
  float mx = 0.0f;
  g_autofree float *sl = NULL, *img = NULL, *y = NULL, *rec = NULL, *crop = NULL;

  pl_slice_dims (v->dim, axis, &h, &w);
  n = (int) ceil (MAX (h, w) * G_SQRT2);
  sl = g_new (float, h * w);
  pl_volume_get_slice (v, axis, index, sl);
  for (int i = 0; i < h * w; i++)
    mx = MAX (mx, sl[i]);
  for (int i = 0; i < h * w; i++)
    sl[i] /= mx;
  oy = (n - h) / 2;
  ox = (n - w) / 2;
  img = g_new0 (float, n * n);
  pl_window_extract_f32 (sl, h, w, -oy, -ox, n, n, 0.0f, img);
  y = g_new (float, angles * n);
  pl_ct_measure (img, n, n, angles, n, noise, seed, y);
  rec = g_new (float, n * n);
  pl_ct_fbp (y, angles, n, filter, n, n, rec);
  for (int i = 0; i < n * n; i++)
    rec[i] = CLAMP (rec[i], 0.0f, 1.0f);
  crop = g_new (float, h * w);
  pl_window_extract_f32 (rec, n, n, oy, ox, h, w, 0.0f, crop);
  pl_compare (crop, sl, 1, h, w, 1.0, c);
  *n_out = n;
}

static void
test_ct_phantom (void)
{
  const int nx = 40, ny = 36, nz = 6, angles = 24, iterations = TEST_SIZE (30, 6);
  g_autoptr (PlVolume) original = make_phantom (nx, ny, nz);
  const gint64 cursor[3] = { 20, 18, 3 };
  g_autofree char *dir = g_dir_make_tmp ("restore-ct-XXXXXX", NULL);
  g_autofree char *csv = g_build_filename (dir, "table.csv", NULL);
  g_autofree char *png = g_build_filename (dir, "compare.png", NULL);
  g_autofree char *text = NULL;
  Fixture f = { 0 };
  const PlDipResult *r;
  const char *name;
  PlCompare got, want;
  guint n = 0;
  int det;

  fixture_open (&f, pl_volume_copy (original));
  pel_document_set_cursor (f.doc, cursor);
  gtk_widget_activate_action (GTK_WIDGET (f.panel), "restore.method", "s", "ct");
  gtk_widget_activate_action (GTK_WIDGET (f.panel), "restore.angles", "i", angles);
  gtk_widget_activate_action (GTK_WIDGET (f.panel), "restore.ct-noise", "d", 0.01);
  gtk_widget_activate_action (GTK_WIDGET (f.panel), "restore.seed", "i", 2);
  gtk_widget_activate_action (GTK_WIDGET (f.panel), "restore.iterations", "i", iterations);
  gtk_widget_activate_action (GTK_WIDGET (f.panel), "restore.gamma", "d", 1e-3);
  g_assert_null (pel_restore_panel_get_ct_picture (f.panel, 0));
  start_and_wait (&f);

  /* the table: ramp and Hann as the engine makes them, then DIP + TV */
  g_assert_cmpuint (pel_restore_panel_get_n_rows (f.panel), ==, 3);
  for (int k = 0; k < 2; k++)
    {
      engine_fbp (original, 2, cursor[2], angles, 0.01, 2, k == 0 ? PL_CT_FILTER_RAMP : PL_CT_FILTER_HANN,
                  &want, &det);
      g_assert_true (pel_restore_panel_get_row (f.panel, k, &name, &got));
      g_assert_cmpstr (name, ==, k == 0 ? "FBP ramp, 24 angles" : "FBP Hann, 24 angles");
      g_assert_cmpfloat_with_epsilon (got.mae, want.mae, 1e-7);
      g_assert_cmpfloat_with_epsilon (got.psnr, want.psnr, 1e-5);
      g_assert_cmpfloat_with_epsilon (got.ssim, want.ssim, 1e-6);
      /* a real reconstruction of the phantom, not noise */
      g_assert_cmpfloat (got.psnr, >, 15.0);
    }
  g_assert_true (pel_restore_panel_get_row (f.panel, 2, &name, &got));
  g_assert_cmpstr (name, ==, "DIP + TV, 24 angles");
  r = pel_restore_panel_get_result (f.panel);
  g_assert_nonnull (r);
  g_assert_cmpint (r->h, ==, nx);
  g_assert_cmpint (r->w, ==, ny);
  g_assert_cmpint (r->iterations, ==, iterations);
  g_assert_cmpint (r->chosen_iteration, >=, 1);
  g_assert_cmpint (r->chosen_iteration, <=, iterations);
  {
    g_autofree float *sl = g_new (float, nx * ny);

    pl_volume_get_slice (original, 2, cursor[2], sl);
    for (int i = 0; i < nx * ny; i++)
      {
        sl[i] /= original->max;
        g_assert_cmpfloat (r->output[i], >=, 0.0f);
        g_assert_cmpfloat (r->output[i], <=, 1.0f);
      }
    pl_compare (r->output, sl, 1, nx, ny, 1.0, &want);
    g_assert_cmpfloat_with_epsilon (got.psnr, want.psnr, 1e-5);
    g_assert_cmpfloat_with_epsilon (got.mse, want.mse, 1e-9);
    g_assert_cmpfloat_with_epsilon (r->psnr, want.psnr, 1e-5);
  }
  g_assert_nonnull (strstr (pel_restore_panel_get_status (f.panel, "result"), "ES-WMV chose"));

  /* live: the sinogram loss after the warm start (which fits FBP Hann and
   * is not plotted), PSNR against the slice at every iteration, the FBPs'
   * lines; the chosen iterate comes after the warm start */
  {
    PlCtDipSettings cs;
    int warm;

    pl_ct_dip_settings_init (&cs);
    cs.dip.max_iterations = iterations;
    warm = pl_ct_dip_warm_iterations (&cs);
    g_assert_cmpint (warm, ==, iterations / 2);
    pel_live_run_get_series (f.run, "loss", &n);
    g_assert_cmpuint (n, ==, (guint) (iterations - warm));
    g_assert_cmpint (r->chosen_iteration, >, warm);
  }
  {
    const PelLivePoint *p = pel_live_run_get_series (f.run, "psnr-average", &n);

    g_assert_cmpuint (n, ==, (guint) iterations);
    for (guint i = 0; i < n; i++)
      g_assert_true (isfinite (p[i].y));
  }
  pel_live_run_get_series (f.run, "psnr-fbp-hann", &n);
  g_assert_cmpuint (n, ==, 2);

  /* the pictures: the sinogram (a row per angle), the three reconstructions */
  {
    GdkPaintable *s = pel_restore_panel_get_ct_picture (f.panel, 0);

    g_assert_nonnull (s);
    g_assert_cmpint (gdk_paintable_get_intrinsic_width (s), ==, det);
    g_assert_cmpint (gdk_paintable_get_intrinsic_height (s), ==, angles);
    for (int k = 1; k < 4; k++)
      g_assert_nonnull (pel_restore_panel_get_ct_picture (f.panel, k));
    for (int k = 0; k < 4; k++)
      g_assert_nonnull (pel_restore_panel_get_compare_picture (f.panel, k));
  }

  /* any of the three reconstructions can be the result */
  {
    g_autofree float *sl = g_new (float, nx * ny);
    PlCompare row;

    pl_volume_get_slice (original, 2, cursor[2], sl);
    for (int i = 0; i < nx * ny; i++)
      sl[i] /= original->max;
    gtk_widget_activate_action (GTK_WIDGET (f.panel), "restore.ct-result", "s", "ramp");
    g_assert_true (pel_restore_panel_get_row (f.panel, 0, NULL, &row));
    g_assert_cmpfloat_with_epsilon (pl_psnr (r->output, sl, nx * ny, 1.0), row.psnr, 1e-4);
    g_assert_nonnull (strstr (pel_restore_panel_get_status (f.panel, "keep"), "FBP ramp"));
    gtk_widget_activate_action (GTK_WIDGET (f.panel), "restore.ct-result", "s", "dip-tv");
    g_assert_true (pel_restore_panel_get_row (f.panel, 2, NULL, &row));
    g_assert_cmpfloat_with_epsilon (pl_psnr (r->output, sl, nx * ny, 1.0), row.psnr, 1e-4);
  }

  /* exported as the other results: CSV and PNG, and Keep puts it in */
  gtk_widget_activate_action (GTK_WIDGET (f.panel), "restore.export-csv", "s", csv);
  gtk_widget_activate_action (GTK_WIDGET (f.panel), "restore.export-png", "s", png);
  g_assert_true (g_file_get_contents (csv, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "\n\"FBP ramp, 24 angles\","));
  g_assert_nonnull (strstr (text, "\n\"FBP Hann, 24 angles\","));
  g_assert_nonnull (strstr (text, "\"DIP + TV, 24 angles\","));
  g_assert_true (g_file_test (png, G_FILE_TEST_EXISTS));
  gtk_widget_activate_action (GTK_WIDGET (f.panel), "restore.keep", NULL);
  wait_until (idle_run, f.io);
  drain ();
  {
    g_autofree float *sl = g_new (float, nx * ny);

    pl_volume_get_slice (pel_document_get_volume (f.doc), 2, cursor[2], sl);
    for (int i = 0; i < nx * ny; i++)
      g_assert_cmpfloat (fabsf (sl[i] - r->output[i] * original->max), <, 1e-3f);
  }

  /* Stop: the back projections stay, the Hann one as the result.  Stopped
   * in the warm start, at its first iteration (the sinogram loss would come
   * after 200 iterations, which under ThreadSanitizer took minutes). */
  gtk_widget_activate_action (GTK_WIDGET (f.panel), "restore.iterations", "i", 100000);
  gtk_widget_activate_action (GTK_WIDGET (f.panel), "restore.start", NULL);
  wait_until (has_psnr_point, f.run);
  gtk_widget_activate_action (GTK_WIDGET (f.panel), "restore.stop", NULL);
  wait_until (idle_run, f.run);
  drain ();
  g_assert_nonnull (strstr (pel_restore_panel_get_status (f.panel, "result"), "stopped by you"));
  g_assert_true (pel_restore_panel_get_row (f.panel, pel_restore_panel_get_n_rows (f.panel) - 1, &name, &got));
  g_assert_cmpstr (name, ==, "FBP Hann, 24 angles");
  g_assert_cmpint (pel_restore_panel_get_result (f.panel)->iterations, >=, 1);
  /* the stopped fit is not a result to choose */
  gtk_widget_activate_action (GTK_WIDGET (f.panel), "restore.ct-result", "s", "dip-tv");
  g_assert_true (pel_restore_panel_get_status (f.panel, "keep") != NULL);
  g_assert_nonnull (strstr (pel_restore_panel_get_status (f.panel, "keep"), "not there"));

  /* a coronal slice, on its own grid */
  gtk_widget_activate_action (GTK_WIDGET (f.panel), "restore.iterations", "i", TEST_SIZE (4, 2));
  gtk_widget_activate_action (GTK_WIDGET (f.panel), "restore.axis", "s", "coronal");
  start_and_wait (&f);
  r = pel_restore_panel_get_result (f.panel);
  g_assert_cmpint (r->h, ==, nx);
  g_assert_cmpint (r->w, ==, nz);
  /* (without a kept original the open volume is scanned: Keep changed it) */
  engine_fbp (pel_document_get_volume (f.doc), 1, cursor[1], angles, 0.01, 2, PL_CT_FILTER_HANN, &want, &det);
  g_assert_true (pel_restore_panel_get_row (f.panel, pel_restore_panel_get_n_rows (f.panel) - 2, &name, &got));
  g_assert_cmpfloat_with_epsilon (got.psnr, want.psnr, 1e-5);
  fixture_close (&f);
  g_remove (csv);
  g_remove (png);
  g_rmdir (dir);
}

static void
test_ct_empty_slice (void)
{
  g_autoptr (PlVolume) v = make_phantom (24, 24, 4);
  const gint64 cursor[3] = { 5, 5, 0 };
  Fixture f = { 0 };
  const char *status;

  memset (v->data, 0, 24 * 24 * sizeof (float));
  g_free (v->path);
  v->path = g_strdup ("/data/phantom.nii.gz");
  fixture_open (&f, pl_volume_copy (v));
  pel_document_set_cursor (f.doc, cursor);
  gtk_widget_activate_action (GTK_WIDGET (f.panel), "restore.method", "s", "ct");
  gtk_widget_activate_action (GTK_WIDGET (f.panel), "restore.iterations", "i", 3);
  start_and_wait (&f);
  status = pel_restore_panel_get_status (f.panel, "result");
  g_assert_nonnull (status);
  g_assert_nonnull (strstr (status, "phantom.nii.gz"));
  g_assert_nonnull (strstr (status, "axial slice 1"));
  g_assert_null (pel_restore_panel_get_result (f.panel));
  fixture_close (&f);
}

int
main (int argc, char **argv)
{
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("GDK_DEBUG", "gl-disable", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ui/restore/net-coronal-equals-transposed-axial", test_net_coronal_equals_transposed_axial);
  g_test_add_func ("/ui/restore/n2n-sagittal-figures", test_n2n_sagittal_figures);
  g_test_add_func ("/ui/restore/ct-phantom", test_ct_phantom);
  g_test_add_func ("/ui/restore/ct-empty-slice", test_ct_empty_slice);
  return g_test_run ();
}
