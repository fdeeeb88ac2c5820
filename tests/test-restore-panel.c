/* The Restore panel under a virtual X server, on a small synthetic phantom:
 * Degrade keeps the clean original and Revert brings it back; a few
 * deep-image-prior iterations through restore.start reach the plots (loss
 * and PSNR against the kept original), the averaged output is shown and the
 * result says why it stopped; Keep puts the slice into the volume and Save
 * writes it on the source's grid; Stop ends a long fit; the window closes
 * with nothing left behind.  The networks (Noise2Noise, supervised with
 * SSIM and perceptual losses) fill the comparison table with the deep image
 * prior, and the table and pictures export as CSV and PNG.  Downsampling
 * degrades like the engine; a second acquisition on another grid is
 * refused naming its file, one on the same grid trains the pair method
 * without any clean image; the deep image prior fits a range of coronal
 * slices into a volume; the comparison's pictures show the viewer's cursor
 * and window, and a click on them moves the cursor. */
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "engine/data/dataset.h"
#include "engine/data/paint.h"
#include "engine/nn/model.h"
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
has_loss_point (gpointer data)
{
  guint n = 0;

  pel_live_run_get_series (data, "loss", &n);
  return n > 0;
}

#define NX 32
#define NY 32
#define NZ 4

/* A bright disk in a dim square on every slice, RAS, 1 mm: axis 2 axial. */
static PlVolume *
make_phantom (void)
{
  const gint64 dim[3] = { NX, NY, NZ };
  PlVolume *v = pl_volume_new (dim, NULL, NULL);
  double cx = (NX - 1) / 2.0, cy = (NY - 1) / 2.0;

  for (gint64 k = 0; k < NZ; k++)
    for (gint64 j = 0; j < NY; j++)
      for (gint64 i = 0; i < NX; i++)
        {
          double r = hypot (i - cx, j - cy);
          v->data[i + NX * (j + NY * k)] = r < 7.0 ? 200.0f
                                           : (i > 3 && i < NX - 4 && j > 3 && j < NY - 4) ? 80.0f : 5.0f;
        }
  pl_volume_update_stats (v);
  return v;
}

static double
slice_mse (const PlVolume *a,
           const PlVolume *b,
           gint64          k)
{
  double s = 0.0;

  for (gsize i = 0; i < NX * NY; i++)
    {
      double d = a->data[k * NX * NY + i] - b->data[k * NX * NY + i];
      s += d * d;
    }
  return s / (NX * NY);
}

static void
test_degrade_dip_keep (void)
{
  g_autoptr (PelDocument) doc = pel_document_new ();
  g_autoptr (PelTools) tools = pel_tools_new ();
  g_autoptr (PlVolume) original = make_phantom ();
  GtkWidget *window = gtk_window_new ();
  PelRestorePanel *panel;
  PelLiveRun *run, *io;
  const PlDipResult *r;
  const PlVolume *v;
  const gint64 cursor[3] = { NX / 2, NY / 2, 1 };
  g_autoptr (PlVolume) noisy = NULL;
  g_autofree char *dir = NULL, *path = NULL;
  guint n = 0;
  const int iterations = TEST_SIZE (12, 4);

  pel_document_set_volume (doc, pl_volume_copy (original));
  panel = PEL_RESTORE_PANEL (pel_restore_panel_new (doc, tools));
  g_object_add_weak_pointer (G_OBJECT (panel), (gpointer *) &panel);
  run = pel_restore_panel_get_run (panel);
  io = pel_restore_panel_get_io_run (panel);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (panel));
  gtk_window_set_default_size (GTK_WINDOW (window), 420, 900);
  gtk_window_present (GTK_WINDOW (window));
  drain ();
  pel_document_set_cursor (doc, cursor);

  /* Painted labels: an experiment on the image must never lose them. */
  {
    g_autoptr (PlLabels) painted = pl_labels_copy (pel_document_get_labels (doc));
    painted->data[0] = 1;
    painted->data[pl_labels_n_voxels (painted) - 1] = 2;
    g_assert_cmpuint (pel_document_apply_labels (doc, "Paint", painted), ==, 2);
  }

  /* No reference before Degrade. */
  g_assert_null (pel_restore_panel_get_reference (panel));

  /* Degrade: Gaussian, 10 % of the maximum, seed 3. */
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.kind", "s", "gaussian");
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.level", "d", 0.10);
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.seed", "i", 3);
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.degrade", NULL);
  g_assert_true (pel_live_run_get_running (io));
  wait_until (idle_run, io);
  drain ();
  g_assert_nonnull (pel_restore_panel_get_reference (panel));
  g_assert_cmpfloat (slice_mse (pel_restore_panel_get_reference (panel), original, 1), ==, 0.0);
  {
    const PlLabels *kept = pel_document_get_labels (doc);
    g_assert_cmpuint (kept->data[0], ==, 1);
    g_assert_cmpuint (kept->data[pl_labels_n_voxels (kept) - 1], ==, 2);
    g_assert_true (pel_document_can_undo (doc));
  }
  v = pel_document_get_volume (doc);
  {
    /* σ = 20 in units of 200: the noise is there, on the same grid */
    double mse = slice_mse (v, original, 1);
    g_assert_cmpmem (v->dim, sizeof v->dim, original->dim, sizeof original->dim);
    g_assert_cmpfloat (mse, >, 0.5 * 20.0 * 20.0);
    g_assert_cmpfloat (mse, <, 1.5 * 20.0 * 20.0);
  }
  {
    gint64 c[3];
    pel_document_get_cursor (doc, c);
    g_assert_cmpint (c[2], ==, 1);
  }
  noisy = pl_volume_copy (v);

  /* A few iterations of the deep image prior on the slice on screen. */
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.iterations", "i", iterations);
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.start", NULL);
  g_assert_true (pel_live_run_get_running (run));
  wait_until (idle_run, run);
  drain ();
  pel_live_run_get_series (run, "loss", &n);
  g_assert_cmpuint (n, ==, (guint) iterations);
  pel_live_run_get_series (run, "psnr", &n);
  g_assert_cmpuint (n, ==, (guint) iterations);
  pel_live_run_get_series (run, "psnr-average", &n);
  g_assert_cmpuint (n, ==, (guint) iterations);
  g_assert_nonnull (pel_live_run_get_payload (run, "average"));
  r = pel_restore_panel_get_result (panel);
  g_assert_nonnull (r);
  g_assert_cmpint (r->h * r->w, ==, NX * NY);
  g_assert_cmpint (r->iterations, ==, iterations);
  g_assert_cmpint (r->stop, ==, PL_DIP_STOP_MAX_ITERATIONS);
  g_assert_true (isfinite (r->psnr));
  g_assert_nonnull (strstr (pel_restore_panel_get_status (panel, "result"), "the iteration budget ran out"));
  g_assert_nonnull (strstr (pel_restore_panel_get_status (panel, "slice"), "slice 2"));

  /* The comparison: the figures of the noisy and the restored slice
   * against the kept original, as pl_compare gives them here. */
  {
    PlCompare got[2], want[2];
    float in[NX * NY], ref[NX * NY];
    double scale = noisy->max, range = (original->max - original->min) / scale;

    g_assert_true (pel_restore_panel_get_compare (panel, &got[0], &got[1]));
    pl_volume_get_slice (noisy, 2, 1, in);
    pl_volume_get_slice (original, 2, 1, ref);
    for (int i = 0; i < NX * NY; i++)
      {
        in[i] = CLAMP (in[i] / scale, 0.0f, 1.0f);
        ref[i] /= scale;
      }
    pl_compare (in, ref, 1, NY, NX, range, &want[0]);
    pl_compare (r->output, ref, 1, NY, NX, range, &want[1]);
    for (int k = 0; k < 2; k++)
      {
        g_assert_true (isfinite (got[k].psnr) && isfinite (got[k].ssim));
        g_assert_cmpfloat_with_epsilon (got[k].mae, want[k].mae, 1e-9);
        g_assert_cmpfloat_with_epsilon (got[k].mse, want[k].mse, 1e-9);
        g_assert_cmpfloat_with_epsilon (got[k].nmse, want[k].nmse, 1e-9);
        g_assert_cmpfloat_with_epsilon (got[k].psnr, want[k].psnr, 1e-6);
        g_assert_cmpfloat_with_epsilon (got[k].ssim, want[k].ssim, 1e-9);
      }
  }

  /* Keep: slice 1 is the output (in volume units), the others unchanged. */
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.keep", NULL);
  wait_until (idle_run, io);
  drain ();
  v = pel_document_get_volume (doc);
  g_assert_cmpfloat (slice_mse (v, noisy, 0), ==, 0.0);
  g_assert_cmpfloat (slice_mse (v, noisy, 1), >, 0.0);
  {
    int x = 5, y = 7;
    gsize at = pl_slice_voxel (v->dim, 2, 1, y, x);
    g_assert_cmpfloat (fabs (v->data[at] - r->output[y * r->w + x] * noisy->max), <, 1e-3 * noisy->max);
  }
  /* the reference survives the Keep */
  g_assert_nonnull (pel_restore_panel_get_reference (panel));

  /* Save on the source's grid. */
  dir = g_dir_make_tmp ("restore-panel-XXXXXX", NULL);
  path = g_build_filename (dir, "restored.nii", NULL);
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.save", "s", path);
  wait_until (idle_run, io);
  drain ();
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (PlVolume) saved = pl_volume_load (path, 0, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpmem (saved->dim, sizeof saved->dim, original->dim, sizeof original->dim);
    g_assert_cmpfloat (slice_mse (saved, pel_document_get_volume (doc), 1), <, 1e-6);
  }
  g_unlink (path);
  g_rmdir (dir);

  /* Stop ends a long fit; nothing is kept from it. */
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.iterations", "i", 100000);
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.start", NULL);
  wait_until (has_loss_point, run);
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.stop", NULL);
  wait_until (idle_run, run);
  drain ();
  g_assert_nonnull (strstr (pel_restore_panel_get_status (panel, "result"), "Stopped by you"));
  g_assert_true (pel_restore_panel_get_result (panel) == r);

  /* Revert: the original volume, no reference any more. */
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.revert", NULL);
  wait_until (idle_run, io);
  drain ();
  g_assert_null (pel_restore_panel_get_reference (panel));
  for (gint64 k = 0; k < NZ; k++)
    g_assert_cmpfloat (slice_mse (pel_document_get_volume (doc), original, k), ==, 0.0);

  gtk_window_destroy (GTK_WINDOW (window));
  drain ();
  g_assert_null (panel);
}

/* The restoration networks and the comparison: Noise2Noise needs the kept
 * original; once degraded it trains live (loss every step, PSNR of the
 * slice on screen every 10), restores every slice, and Keep puts the whole
 * volume in; supervised SSIM (residual), perceptual (with a model chosen
 * through restore.model) and a deep image prior each add a row to the
 * table, whose figures are pl_compare's; the table saves as CSV and the
 * pictures as PNG; Revert empties the table. */
static void
test_networks_compare (void)
{
  g_autoptr (PelDocument) doc = pel_document_new ();
  g_autoptr (PelTools) tools = pel_tools_new ();
  g_autoptr (PlVolume) original = make_phantom ();
  g_autoptr (PlVolume) noisy = NULL;
  GtkWidget *window = gtk_window_new ();
  PelRestorePanel *panel;
  PelLiveRun *run, *io;
  const gint64 cursor[3] = { NX / 2, NY / 2, 2 };
  const int steps = TEST_SIZE (20, 4);
  g_autofree char *dir = g_dir_make_tmp ("restore-net-XXXXXX", NULL);
  g_autofree char *csv = g_build_filename (dir, "table.csv", NULL);
  g_autofree char *png = g_build_filename (dir, "compare.png", NULL);
  g_autofree char *model = g_build_filename (dir, "seg.safetensors", NULL);
  const char *want[5] = { "noisy", "Noise2Noise", "Supervised, ssim, residual", "Supervised, perceptual",
                          "Deep image prior" };
  guint n = 0;

  pel_document_set_volume (doc, pl_volume_copy (original));
  panel = PEL_RESTORE_PANEL (pel_restore_panel_new (doc, tools));
  g_object_add_weak_pointer (G_OBJECT (panel), (gpointer *) &panel);
  run = pel_restore_panel_get_run (panel);
  io = pel_restore_panel_get_io_run (panel);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (panel));
  gtk_window_set_default_size (GTK_WINDOW (window), 420, 900);
  gtk_window_present (GTK_WINDOW (window));
  drain ();
  pel_document_set_cursor (doc, cursor);

  /* Without the kept original there is nothing to make noisy pairs of. */
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.method", "s", "n2n");
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.steps", "i", steps);
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.start", NULL);
  g_assert_false (pel_live_run_get_running (run));
  g_assert_nonnull (strstr (pel_restore_panel_get_status (panel, "result"), "Degrade the volume first"));

  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.level", "d", 0.10);
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.seed", "i", 3);
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.degrade", NULL);
  wait_until (idle_run, io);
  drain ();
  noisy = pl_volume_copy (pel_document_get_volume (doc));

  /* Noise2Noise */
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.start", NULL);
  g_assert_true (pel_live_run_get_running (run));
  wait_until (idle_run, run);
  drain ();
  pel_live_run_get_series (run, "loss", &n);
  g_assert_cmpuint (n, ==, (guint) steps);
  pel_live_run_get_series (run, "psnr", &n);
  g_assert_cmpuint (n, ==, (guint) (steps / 10 + (steps % 10 != 0)));
  g_assert_nonnull (pel_restore_panel_get_result (panel));
  g_assert_cmpint (pel_restore_panel_get_result (panel)->iterations, ==, steps);
  g_assert_nonnull (strstr (pel_restore_panel_get_status (panel, "result"), "Every slice is restored"));
  g_assert_cmpuint (pel_restore_panel_get_n_rows (panel), ==, 2);
  {
    /* the row's figures are pl_compare's on the slice on screen */
    const PlDipResult *r = pel_restore_panel_get_result (panel);
    const PlVolume *rv = pel_restore_panel_get_result_volume (panel);
    float in[NX * NY], ref[NX * NY], out[NX * NY];
    double scale = noisy->max, range = (original->max - original->min) / scale;
    PlCompare got, c;
    const char *name;

    g_assert_nonnull (rv);
    g_assert_cmpmem (rv->dim, sizeof rv->dim, noisy->dim, sizeof noisy->dim);
    pl_volume_get_slice (rv, 2, 2, out);
    pl_volume_get_slice (original, 2, 2, ref);
    for (int i = 0; i < NX * NY; i++)
      {
        out[i] /= scale;
        ref[i] /= scale;
        g_assert_cmpfloat (fabsf (out[i] - r->output[i]), <, 1e-5f);
      }
    pl_compare (out, ref, 1, NY, NX, range, &c);
    g_assert_true (pel_restore_panel_get_row (panel, 1, &name, &got));
    g_assert_cmpstr (name, ==, "Noise2Noise");
    g_assert_cmpfloat_with_epsilon (got.mae, c.mae, 1e-6);
    g_assert_cmpfloat_with_epsilon (got.psnr, c.psnr, 1e-4);
    g_assert_cmpfloat_with_epsilon (got.ssim, c.ssim, 1e-5);
    pl_volume_get_slice (noisy, 2, 2, in);
    for (int i = 0; i < NX * NY; i++)
      in[i] = CLAMP (in[i] / scale, 0.0f, 1.0f);
    pl_compare (in, ref, 1, NY, NX, range, &c);
    g_assert_true (pel_restore_panel_get_row (panel, 0, &name, &got));
    g_assert_cmpfloat_with_epsilon (got.psnr, c.psnr, 1e-6);
  }

  /* Keep: every slice is the network's */
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.keep", NULL);
  wait_until (idle_run, io);
  drain ();
  for (gint64 k = 0; k < NZ; k++)
    {
      g_assert_cmpfloat (slice_mse (pel_document_get_volume (doc), noisy, k), >, 0.0);
      g_assert_cmpfloat (slice_mse (pel_document_get_volume (doc), pel_restore_panel_get_result_volume (panel), k),
                         <, 1e-6);
    }

  /* Supervised, SSIM, residual */
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.method", "s", "supervised");
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.loss", "s", "ssim");
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.residual", "b", TRUE);
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.start", NULL);
  wait_until (idle_run, run);
  drain ();
  g_assert_cmpuint (pel_restore_panel_get_n_rows (panel), ==, 3);

  /* Perceptual: first without a model, then with one */
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.loss", "s", "perceptual");
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.residual", "b", FALSE);
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.start", NULL);
  g_assert_false (pel_live_run_get_running (run));
  g_assert_nonnull (strstr (pel_restore_panel_get_status (panel, "result"), "segmentation model"));
  {
    PlUnetConfig c;
    const guint16 values[4] = { 0, 1, 2, 3 };
    g_autoptr (PlModel) m = NULL;
    g_autoptr (GError) error = NULL;

    pl_unet_config_small (&c);
    c.depth = 2;
    m = pl_model_new (pl_unet_new (&c, 1), c.n_classes, values, NULL);
    m->norm_divisor = 200.0;
    g_assert_true (pl_model_save (m, model, &error));
    g_assert_no_error (error);
  }
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.model", "s", model);
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.start", NULL);
  wait_until (idle_run, run);
  drain ();
  g_assert_cmpuint (pel_restore_panel_get_n_rows (panel), ==, 4);

  /* and a deep image prior joins the same table */
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.method", "s", "dip");
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.iterations", "i", 3);
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.start", NULL);
  wait_until (idle_run, run);
  drain ();
  g_assert_null (pel_restore_panel_get_result_volume (panel));
  g_assert_cmpuint (pel_restore_panel_get_n_rows (panel), ==, 5);
  for (guint i = 0; i < 5; i++)
    {
      const char *name;
      PlCompare c;
      g_assert_true (pel_restore_panel_get_row (panel, i, &name, &c));
      g_assert_cmpstr (name, ==, want[i]);
      g_assert_true (isfinite (c.psnr) && isfinite (c.ssim) && c.mse > 0.0);
    }

  /* CSV: a header and one line per row, the figures as in the table */
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.export-csv", "s", csv);
  {
    g_autofree char *text = NULL;
    g_auto (GStrv) lines = NULL;
    g_autoptr (GError) error = NULL;

    g_assert_true (g_file_get_contents (csv, &text, NULL, &error));
    lines = g_strsplit (text, "\n", -1);
    g_assert_cmpuint (g_strv_length (lines), ==, 7);   /* the last one empty */
    g_assert_cmpstr (lines[0], ==, "method,mae,mse,nmse,psnr,ssim");
    g_assert_true (g_str_has_prefix (lines[3], "\"Supervised, ssim, residual\","));
    for (guint i = 0; i < 5; i++)
      {
        const char *p = strrchr (lines[i + 1], ',');
        PlCompare c;
        double psnr;
        g_assert_true (pel_restore_panel_get_row (panel, i, NULL, &c));
        /* psnr is the field before the last */
        {
          g_autofree char *head = g_strndup (lines[i + 1], p - lines[i + 1]);
          psnr = g_ascii_strtod (strrchr (head, ',') + 1, NULL);
        }
        g_assert_cmpfloat (fabs (psnr - c.psnr), <, 1e-4);
      }
  }
  g_assert_nonnull (strstr (pel_restore_panel_get_status (panel, "io"), "table.csv"));

  /* PNG: the four pictures side by side */
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.export-png", "s", png);
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (GdkTexture) t = gdk_texture_new_from_filename (png, &error);
    g_assert_no_error (error);
    g_assert_cmpint (gdk_texture_get_width (t), ==, 4 * NX + 3 * 4);
    g_assert_cmpint (gdk_texture_get_height (t), ==, NY);
  }

  /* a new reference: the table starts again */
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.revert", NULL);
  wait_until (idle_run, io);
  drain ();
  g_assert_cmpuint (pel_restore_panel_get_n_rows (panel), ==, 0);

  g_unlink (csv);
  g_unlink (png);
  g_unlink (model);
  g_rmdir (dir);
  gtk_window_destroy (GTK_WINDOW (window));
  drain ();
  g_assert_null (panel);
}

/* The colour of pixel (x, y) of a paintable that is a texture. */
static void
texture_rgb (GdkPaintable *p,
             int           x,
             int           y,
             guint8        rgb[3])
{
  GdkTexture *t = GDK_TEXTURE (p);
  int w = gdk_texture_get_width (t), h = gdk_texture_get_height (t);
  g_autofree guint8 *px = g_malloc ((gsize) w * h * 4);

  g_assert_true (x >= 0 && x < w && y >= 0 && y < h);
  gdk_texture_download (t, px, (gsize) w * 4);   /* B8G8R8A8 premultiplied */
  rgb[0] = px[((gsize) y * w + x) * 4 + 2];
  rgb[1] = px[((gsize) y * w + x) * 4 + 1];
  rgb[2] = px[((gsize) y * w + x) * 4 + 0];
}

static gboolean
is_amber (const guint8 rgb[3])
{
  return rgb[0] == 255 && rgb[1] == 190 && rgb[2] == 0;
}

/* Downsampling, a second acquisition (refused on another grid, the pair
 * method on the same one), the deep image prior on a range of coronal
 * slices, and the comparison's linked cursor and window. */
static void
test_downsample_pair_range_cursor (void)
{
  g_autoptr (PelDocument) doc = pel_document_new ();
  g_autoptr (PelTools) tools = pel_tools_new ();
  g_autoptr (PlVolume) original = make_phantom ();
  g_autoptr (PlVolume) noisy = NULL;
  GtkWidget *window = gtk_window_new ();
  PelRestorePanel *panel;
  PelLiveRun *run, *io;
  const gint64 cursor[3] = { NX / 2, 9, 2 };
  const int iterations = TEST_SIZE (6, 3), steps = TEST_SIZE (12, 4);
  g_autofree char *dir = g_dir_make_tmp ("restore-pair-XXXXXX", NULL);
  g_autofree char *other = g_build_filename (dir, "other-grid.nii", NULL);
  g_autofree char *second = g_build_filename (dir, "second.nii", NULL);
  guint n = 0;

  pel_document_set_volume (doc, pl_volume_copy (original));
  panel = PEL_RESTORE_PANEL (pel_restore_panel_new (doc, tools));
  g_object_add_weak_pointer (G_OBJECT (panel), (gpointer *) &panel);
  run = pel_restore_panel_get_run (panel);
  io = pel_restore_panel_get_io_run (panel);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (panel));
  gtk_window_set_default_size (GTK_WINDOW (window), 420, 900);
  gtk_window_present (GTK_WINDOW (window));
  drain ();
  pel_document_set_cursor (doc, cursor);

  /* Downsample ×4: exactly the engine's, the original kept. */
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.kind", "s", "downsample-4");
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.degrade", NULL);
  wait_until (idle_run, io);
  drain ();
  g_assert_nonnull (pel_restore_panel_get_reference (panel));
  {
    PlDegradeSettings ds;
    g_autoptr (PlVolume) want = NULL;
    const PlVolume *v = pel_document_get_volume (doc);

    pl_degrade_settings_init (&ds);
    ds.kind = PL_DEGRADE_DOWNSAMPLE;
    ds.factor = 4;
    want = pl_degrade_volume (original, &ds, NULL);
    g_assert_nonnull (want);
    for (gint64 k = 0; k < NZ; k++)
      {
        g_assert_cmpfloat (slice_mse (v, want, k), ==, 0.0);
        g_assert_cmpfloat (slice_mse (v, original, k), >, 1.0);
      }
  }

  /* Gaussian noise instead (always on the kept original). */
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.kind", "s", "gaussian");
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.level", "d", 0.10);
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.seed", "i", 5);
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.degrade", NULL);
  wait_until (idle_run, io);
  drain ();
  noisy = pl_volume_copy (pel_document_get_volume (doc));

  /* A range of coronal slices: a bad one is refused, saying why. */
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.method", "s", "dip");
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.iterations", "i", iterations);
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.axis", "s", "coronal");
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.range", "b", TRUE);
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.first", "i", 30);
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.last", "i", NY + 1);
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.start", NULL);
  g_assert_false (pel_live_run_get_running (run));
  g_assert_nonnull (strstr (pel_restore_panel_get_status (panel, "result"), "32 coronal slices"));
  /* slices 9–10 (voxel rows j = 8, 9): each fitted, the rest unchanged */
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.first", "i", 9);
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.last", "i", 10);
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.start", NULL);
  g_assert_true (pel_live_run_get_running (run));
  wait_until (idle_run, run);
  drain ();
  pel_live_run_get_series (run, "loss", &n);
  g_assert_cmpuint (n, ==, 2 * (guint) iterations);
  {
    const PlVolume *rv = pel_restore_panel_get_result_volume (panel);
    const PlDipResult *r = pel_restore_panel_get_result (panel);
    const char *name;
    PlCompare got, want;
    float in[2 * NX * NZ], out[2 * NX * NZ], ref[2 * NX * NZ];
    double scale = noisy->max, range = (original->max - original->min) / scale;
    int h, w;

    g_assert_nonnull (rv);
    g_assert_nonnull (r);
    pl_slice_dims (rv->dim, 1, &h, &w);
    g_assert_cmpint (r->h, ==, h);
    g_assert_cmpint (r->w, ==, w);
    for (gint64 j = 0; j < NY; j++)
      {
        double d = 0.0;
        for (gint64 k = 0; k < NZ; k++)
          for (gint64 i = 0; i < NX; i++)
            d += fabs (rv->data[i + NX * (j + NY * k)] - noisy->data[i + NX * (j + NY * k)]);
        if (j == 8 || j == 9)
          g_assert_cmpfloat (d, >, 0.0);
        else
          g_assert_cmpfloat (d, ==, 0.0);
      }
    /* the slice on screen (j = 9) is the one shown */
    pl_volume_get_slice (rv, 1, 9, out);
    for (int i = 0; i < h * w; i++)
      g_assert_cmpfloat (fabsf (out[i] / (float) scale - r->output[i]), <, 1e-5f);
    /* the row's figures: over both slices */
    for (int j = 0; j < 2; j++)
      {
        pl_volume_get_slice (noisy, 1, 8 + j, in + j * h * w);
        pl_volume_get_slice (rv, 1, 8 + j, out + j * h * w);
        pl_volume_get_slice (original, 1, 8 + j, ref + j * h * w);
      }
    for (int i = 0; i < 2 * h * w; i++)
      {
        in[i] = CLAMP (in[i] / scale, 0.0f, 1.0f);
        out[i] /= scale;
        ref[i] /= scale;
      }
    g_assert_cmpuint (pel_restore_panel_get_n_rows (panel), ==, 2);
    g_assert_true (pel_restore_panel_get_row (panel, 1, &name, &got));
    g_assert_cmpstr (name, ==, "Deep image prior, slices 9–10");
    pl_compare (out, ref, 2, h, w, range, &want);
    g_assert_cmpfloat_with_epsilon (got.psnr, want.psnr, 1e-3);
    g_assert_cmpfloat_with_epsilon (got.mae, want.mae, 1e-6);
    g_assert_true (pel_restore_panel_get_row (panel, 0, &name, &got));
    pl_compare (in, ref, 2, h, w, range, &want);
    g_assert_cmpfloat_with_epsilon (got.psnr, want.psnr, 1e-6);
    g_assert_nonnull (strstr (pel_restore_panel_get_status (panel, "result"), "Coronal slices 9–10"));
  }

  /* The comparison: the cursor as an amber crosshair on all four
   * pictures, under the viewer's window; a click moves the cursor. */
  {
    const PlVolume *v = pel_document_get_volume (doc);
    PlSliceFrame frame;
    gint64 cx, cy, sl, c[3], want[3];
    guint8 rgb[3], before[3];

    pl_slice_frame_init (&frame, v, PL_VIEW_CORONAL);
    g_assert_cmpint (frame.axis_n, ==, 1);
    pl_slice_frame_from_voxel (&frame, cursor, &cx, &cy, &sl);
    for (int k = 0; k < 4; k++)
      {
        GdkPaintable *p = pel_restore_panel_get_compare_picture (panel, k);
        g_assert_nonnull (p);
        g_assert_cmpint (gdk_paintable_get_intrinsic_width (p), ==, frame.width);
        g_assert_cmpint (gdk_paintable_get_intrinsic_height (p), ==, frame.height);
        texture_rgb (p, (int) (cx + 4) % (int) frame.width, (int) cy, rgb);
        g_assert_true (is_amber (rgb));
        texture_rgb (p, (int) cx, (int) cy, rgb);   /* the point itself is left clear */
        g_assert_false (is_amber (rgb));
      }
    /* a click at slice pixel (3, 3): the cursor goes there, on the
     * compared slice, and the crosshair follows */
    g_assert_cmpint (cy, !=, 3);
    gtk_widget_activate_action (GTK_WIDGET (panel), "restore.point", "(ii)", 3, 3);
    drain ();
    pl_slice_frame_to_voxel (&frame, 3, 3, 9, want);
    pel_document_get_cursor (doc, c);
    g_assert_cmpmem (c, sizeof c, want, sizeof want);
    texture_rgb (pel_restore_panel_get_compare_picture (panel, 2), 3 + 4, 3, rgb);
    g_assert_true (is_amber (rgb));
    texture_rgb (pel_restore_panel_get_compare_picture (panel, 2), (int) cx + 4, (int) cy, rgb);
    g_assert_false (is_amber (rgb));
    /* outside the picture: nothing moves */
    gtk_widget_activate_action (GTK_WIDGET (panel), "restore.point", "(ii)", -1, 2);
    pel_document_get_cursor (doc, c);
    g_assert_cmpmem (c, sizeof c, want, sizeof want);
    /* the window is the viewer's: a narrower one brightens the reference */
    texture_rgb (pel_restore_panel_get_compare_picture (panel, 2), 10, 2, before);
    {
      double wnd, lvl;
      pel_document_get_window_level (doc, &wnd, &lvl);
      pel_document_set_window_level (doc, wnd / 4.0, lvl - 3.0 * wnd / 8.0);
    }
    drain ();
    texture_rgb (pel_restore_panel_get_compare_picture (panel, 2), 10, 2, rgb);
    g_assert_cmpint (rgb[0], >, before[0]);
  }

  /* A second acquisition on another grid: refused, naming the file. */
  {
    const gint64 dim[3] = { NX + 2, NY, NZ };
    g_autoptr (PlVolume) o = pl_volume_new (dim, NULL, NULL);
    g_autoptr (GError) error = NULL;
    g_assert_true (pl_volume_save (o, other, &error));
  }
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.second", "s", other);
  wait_until (idle_run, io);
  drain ();
  g_assert_null (pel_restore_panel_get_second (panel));
  g_assert_nonnull (strstr (pel_restore_panel_get_status (panel, "io"), other));
  g_assert_nonnull (strstr (pel_restore_panel_get_status (panel, "io"), "not on the open volume's grid"));
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.method", "s", "pair");
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.steps", "i", steps);
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.start", NULL);
  g_assert_false (pel_live_run_get_running (run));
  g_assert_nonnull (strstr (pel_restore_panel_get_status (panel, "result"), "Second…"));

  /* The same grid, other noise: the pair method trains with no clean
   * image at all (back to the original first: no reference kept). */
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.revert", NULL);
  wait_until (idle_run, io);
  drain ();
  g_assert_null (pel_restore_panel_get_reference (panel));
  {
    PlDegradeSettings ds;
    g_autoptr (PlVolume) a = NULL, b = NULL;
    g_autoptr (GError) error = NULL;

    pl_degrade_settings_init (&ds);
    ds.level = 0.10;
    ds.seed = 11;
    a = pl_degrade_volume (original, &ds, NULL);
    ds.seed = 12;
    b = pl_degrade_volume (original, &ds, NULL);
    g_assert_true (pl_volume_save (b, second, &error));
    pel_document_replace_image (doc, g_steal_pointer (&a), 200.0, 100.0);
  }
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.second", "s", second);
  wait_until (idle_run, io);
  drain ();
  g_assert_nonnull (pel_restore_panel_get_second (panel));
  /* the networks train along the chosen axis too: the phantom's coronal
   * slices (32 × 4) are too thin for patches, so back to axial */
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.axis", "s", "coronal");
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.start", NULL);
  wait_until (idle_run, run);
  drain ();
  g_assert_nonnull (strstr (pel_restore_panel_get_status (panel, "result"), "too small for patches"));
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.axis", "s", "axial");
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.start", NULL);
  g_assert_true (pel_live_run_get_running (run));
  wait_until (idle_run, run);
  drain ();
  pel_live_run_get_series (run, "loss", &n);
  g_assert_cmpuint (n, ==, (guint) steps);
  g_assert_nonnull (pel_restore_panel_get_result_volume (panel));
  g_assert_nonnull (strstr (pel_restore_panel_get_status (panel, "result"), "Two acquisitions"));
  g_assert_nonnull (strstr (pel_restore_panel_get_status (panel, "result"), "no clean reference"));
  {
    /* every slice restored by the network: not the input any more */
    const PlVolume *rv = pel_restore_panel_get_result_volume (panel);
    for (gint64 k = 0; k < NZ; k++)
      g_assert_cmpfloat (slice_mse (rv, pel_document_get_volume (doc), k), >, 0.0);
  }

  g_unlink (other);
  g_unlink (second);
  g_rmdir (dir);
  gtk_window_destroy (GTK_WINDOW (window));
  drain ();
  g_assert_null (panel);
}

/* Closing the window during a fit stops it; the panel goes once it ends. */
static void
test_close_while_running (void)
{
  g_autoptr (PelDocument) doc = pel_document_new ();
  g_autoptr (PelTools) tools = pel_tools_new ();
  GtkWidget *window = gtk_window_new ();
  PelRestorePanel *panel;
  g_autoptr (PelLiveRun) run = NULL;

  pel_document_set_volume (doc, make_phantom ());
  panel = PEL_RESTORE_PANEL (pel_restore_panel_new (doc, tools));
  g_object_add_weak_pointer (G_OBJECT (panel), (gpointer *) &panel);
  run = g_object_ref (pel_restore_panel_get_run (panel));
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (panel));
  gtk_window_present (GTK_WINDOW (window));
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.iterations", "i", 100000);
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.start", NULL);
  wait_until (has_loss_point, run);
  gtk_window_destroy (GTK_WINDOW (window));
  wait_until (idle_run, run);
  drain ();
  g_assert_null (panel);
}

int
main (int argc, char **argv)
{
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("GDK_DEBUG", "gl-disable", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ui/restore/degrade-dip-keep", test_degrade_dip_keep);
  g_test_add_func ("/ui/restore/networks-compare", test_networks_compare);
  g_test_add_func ("/ui/restore/downsample-pair-range-cursor", test_downsample_pair_range_cursor);
  g_test_add_func ("/ui/restore/close-while-running", test_close_while_running);
  return g_test_run ();
}
