/* pellucid-cli degrade and denoise end to end on a small synthetic volume:
 * outputs on the input's exact grid, untouched slices unchanged, JSON
 * metrics, and clear errors for bad arguments. */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>

#include "engine/data/volume.h"
#include "tests/cli-run.h"


static JsonObject *
parse (JsonParser *p, const char *text)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_data (p, text, -1, &error));
  return json_node_get_object (json_parser_get_root (p));
}

/* 32 × 32 × 3, a disc of 200 on 20, an oblique-free RAS grid with 1.5 mm
 * voxels (so a lost header would show). */
static char *
make_clean (void)
{
  gint64 dim[3] = { 32, 32, 3 };
  double pix[3] = { 1.5, 1.5, 2.0 };
  g_autoptr (PlVolume) v = pl_volume_new (dim, pix, NULL);
  g_autoptr (GError) error = NULL;
  char *path = tmp ("clean.nii.gz");

  for (int k = 0; k < 3; k++)
    for (int j = 0; j < 32; j++)
      for (int i = 0; i < 32; i++)
        v->data[(k * 32 + j) * 32 + i] = (i - 16) * (i - 16) + (j - 15) * (j - 15) < 100 ? 200.0f : 20.0f;
  pl_volume_update_stats (v);
  g_assert_true (pl_volume_save (v, path, &error));
  g_assert_no_error (error);
  return path;
}

static void
test_degrade_denoise (void)
{
  g_autofree char *clean = make_clean (), *noisy = tmp ("noisy.nii.gz"), *den = tmp ("den.nii.gz");
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (JsonParser) q = json_parser_new ();
  g_autoptr (PlVolume) c = NULL, n = NULL, d = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *o, *m, *mi, *s0;

  g_assert_cmpint (run (&out, &err, "degrade", clean, noisy, "--noise", "gaussian", "--level", "0.1",
                        "--seed", "3", NULL), ==, 0);
  o = parse (p, out);
  g_assert_cmpstr (json_object_get_string_member (o, "noise"), ==, "gaussian");
  m = json_object_get_object_member (o, "metrics");
  /* σ = 0.1 × 200 = 20 over a range of 180: PSNR ≈ 20 log10 (180 / 20) */
  g_assert_cmpfloat (fabs (json_object_get_double_member (m, "psnr") - 20 * log10 (9.0)), <, 0.5);
  c = pl_volume_load (clean, 0, NULL, &error);
  n = pl_volume_load (noisy, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (c->dim, sizeof c->dim, n->dim, sizeof n->dim);
  g_assert_cmpfloat (n->pixdim[0], ==, 1.5);
  g_assert_cmpfloat (n->pixdim[2], ==, 2.0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run (&out, &err, "denoise", noisy, den, "--method", "dip", "--reference", clean,
                        "--slice", "1", "--iters", "8", "--patience", "2", "--threads", "1", NULL), ==, 0);
  o = parse (q, out);
  s0 = json_array_get_object_element (json_object_get_array_member (o, "slices"), 0);
  g_assert_cmpint (json_object_get_int_member (s0, "slice"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (s0, "iterations"), <=, 8);
  g_assert_nonnull (json_object_get_string_member (s0, "stop"));
  m = json_object_get_object_member (o, "metrics");
  mi = json_object_get_object_member (o, "input_metrics");
  g_assert_true (json_object_has_member (m, "ssim") && json_object_has_member (m, "nmse"));
  g_assert_cmpfloat (json_object_get_double_member (mi, "psnr"), >, 10.0);
  d = pl_volume_load (den, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (d->dim, sizeof d->dim, n->dim, sizeof n->dim);
  g_assert_cmpmem (d->vox2world, sizeof d->vox2world, n->vox2world, sizeof n->vox2world);
  /* slices 0 and 2 untouched, slice 1 replaced */
  g_assert_cmpmem (d->data, 32 * 32 * sizeof (float), n->data, 32 * 32 * sizeof (float));
  g_assert_cmpmem (d->data + 2 * 32 * 32, 32 * 32 * sizeof (float), n->data + 2 * 32 * 32, 32 * 32 * sizeof (float));
  g_assert_true (memcmp (d->data + 32 * 32, n->data + 32 * 32, 32 * 32 * sizeof (float)) != 0);
}

/* FBP of a noiseless and of a noisy scan: the disc comes back, Hann beats
 * the ramp filter under noise; the other slices are untouched. */
static void
test_reconstruct (void)
{
  g_autofree char *clean = make_clean (), *rec = tmp ("rec.nii.gz");
  g_autoptr (PlVolume) c = NULL, r = NULL;
  g_autoptr (GError) error = NULL;
  double psnr[3];
  const char *filters[3] = { "ramp", "ramp", "hann" };
  const char *noise[3] = { "0", "0.05", "0.05" };

  for (int i = 0; i < 3; i++)
    {
      g_autofree char *out = NULL, *err = NULL;
      g_autoptr (JsonParser) p = json_parser_new ();
      JsonObject *o;
      g_assert_cmpint (run (&out, &err, "reconstruct", clean, rec, "--method", "fbp", "--filter", filters[i],
                            "--slice", "1", "--angles", "45", "--noise", noise[i], NULL), ==, 0);
      o = parse (p, out);
      g_assert_cmpint (json_object_get_int_member (o, "detectors"), ==, 46);
      psnr[i] = json_object_get_double_member (json_object_get_object_member (o, "metrics"), "psnr");
      g_test_message ("%s noise %s: PSNR %.2f", filters[i], noise[i], psnr[i]);
    }
  g_assert_cmpfloat (psnr[0], >, 20.0);
  {
    g_autofree char *out = NULL, *err = NULL;
    g_autoptr (JsonParser) p = json_parser_new ();
    g_assert_cmpint (run (&out, &err, "reconstruct", clean, rec, "--method", "dip-tv", "--slice", "1",
                          "--angles", "20", "--iters", "4", "--threads", "1", NULL), ==, 0);
    g_assert_cmpstr (json_object_get_string_member (parse (p, out), "method"), ==, "dip-tv");
    g_assert_nonnull (strstr (err, "chosen iterate"));
  }
  g_assert_cmpfloat (psnr[2], >, psnr[1]);
  c = pl_volume_load (clean, 0, NULL, &error);
  r = pl_volume_load (rec, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (r->vox2world, sizeof r->vox2world, c->vox2world, sizeof c->vox2world);
  g_assert_cmpmem (r->data, 32 * 32 * sizeof (float), c->data, 32 * 32 * sizeof (float));
}

static void
test_errors (void)
{
  g_autofree char *clean = make_clean (), *x = tmp ("x.nii"), *missing = tmp ("missing.nii");
  g_autofree char *out = NULL, *err = NULL;

  g_assert_cmpint (run (&out, &err, "degrade", clean, x, "--noise", "speckle", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "unknown noise"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (&out, &err, "degrade", clean, x, "--noise", "downsample", "--factor", "3", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "2 or 4"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (&out, &err, "degrade", missing, x, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "missing.nii"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (&out, &err, "denoise", clean, x, "--method", "wavelet", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "unknown method"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (&out, &err, "denoise", clean, x, "--slice", "7", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "not within"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (&out, &err, "reconstruct", clean, x, "--filter", "cosine", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "unknown filter"));
}

int
main (int argc, char **argv)
{
  int ret;
  g_autoptr (GError) error = NULL;

  g_test_init (&argc, &argv, NULL);
  cli = g_getenv ("PELLUCID_CLI");
  if (!cli)
    {
      g_printerr ("PELLUCID_CLI is not set\n");
      return 1;
    }
  tmpdir = g_dir_make_tmp ("pellucid-restore-XXXXXX", &error);
  g_assert_no_error (error);
  g_test_add_func ("/cli/degrade-denoise", test_degrade_denoise);
  g_test_add_func ("/cli/reconstruct", test_reconstruct);
  g_test_add_func ("/cli/restore-errors", test_errors);
  ret = g_test_run ();
  {
    g_autoptr (GDir) d = g_dir_open (tmpdir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name (d)))
      {
        g_autofree char *f = tmp (name);
        g_unlink (f);
      }
    g_rmdir (tmpdir);
  }
  g_free (tmpdir);
  return ret;
}
