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
#include "engine/nn/model.h"
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

/* pellucid-cli denoise --method n2n|n2c|supervised (and n2n on two
 * acquisitions): tiny networks and budgets; the output on IN's grid with
 * only the restored slice replaced, the JSON settings and figures, and a
 * perceptual loss on a segmentation model written here. */
static void
test_restore_networks (void)
{
  g_autofree char *clean = make_clean (), *noisy = tmp ("net-noisy.nii.gz"), *noisy2 = tmp ("net-noisy2.nii.gz");
  g_autofree char *den = tmp ("net-den.nii.gz"), *model_path = tmp ("seg.safetensors");
  const char *small[] = { "--steps", "6", "--batch", "2", "--patch", "16", "--width", "4", "--depth", "2",
                          "--threads", "1" };
  const char *cases[][4] = {
    { "n2n", "mse", NULL, NULL }, { "n2c", "mse", "--residual", NULL },
    { "supervised", "ssim", NULL, NULL }, { "supervised", "adv", "--residual", NULL },
    { "supervised", "perceptual", NULL, NULL }, { "supervised", "mae", "downsample", NULL },
    { "pair", "mse", NULL, NULL },
  };
  g_autoptr (GError) error = NULL;

  {
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint (run (&out, &err, "degrade", clean, noisy, "--level", "0.1", "--seed", "1", NULL), ==, 0);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (run (&out, &err, "degrade", clean, noisy2, "--level", "0.1", "--seed", "2", NULL), ==, 0);
  }
  {
    PlUnetConfig c;
    const guint16 values[4] = { 0, 1, 2, 3 };
    g_autoptr (PlModel) m = NULL;

    pl_unet_config_small (&c);
    c.depth = 2;
    m = pl_model_new (pl_unet_new (&c, 1), c.n_classes, values, NULL);
    m->norm_offset = 20.0;
    m->norm_divisor = 180.0;
    g_assert_true (pl_model_save (m, model_path, &error));
    g_assert_no_error (error);
  }
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GPtrArray) a = g_ptr_array_new ();
      g_autofree char *out = NULL, *err = NULL;
      g_autoptr (JsonParser) p = json_parser_new ();
      g_autoptr (PlVolume) n = NULL, d = NULL;
      gboolean pair = g_str_equal (cases[i][0], "pair");
      JsonObject *o, *m;
      GPtrArray *argv;
      int status;

      g_ptr_array_add (a, (char *) "denoise");
      g_ptr_array_add (a, noisy);
      g_ptr_array_add (a, den);
      g_ptr_array_add (a, (char *) "--method");
      g_ptr_array_add (a, (char *) (pair ? "n2n" : cases[i][0]));
      g_ptr_array_add (a, (char *) "--loss");
      g_ptr_array_add (a, (char *) cases[i][1]);
      g_ptr_array_add (a, (char *) "--reference");
      g_ptr_array_add (a, clean);
      g_ptr_array_add (a, (char *) "--slice");
      g_ptr_array_add (a, (char *) "1");
      for (guint k = 0; k < G_N_ELEMENTS (small); k++)
        g_ptr_array_add (a, (char *) small[k]);
      if (cases[i][2] && g_str_equal (cases[i][2], "--residual"))
        g_ptr_array_add (a, (char *) "--residual");
      if (cases[i][2] && g_str_equal (cases[i][2], "downsample"))
        {
          g_ptr_array_add (a, (char *) "--noise");
          g_ptr_array_add (a, (char *) "downsample");
        }
      if (pair)
        {
          g_ptr_array_add (a, (char *) "--second");
          g_ptr_array_add (a, noisy2);
        }
      if (g_str_equal (cases[i][1], "perceptual"))
        {
          g_ptr_array_add (a, (char *) "--model");
          g_ptr_array_add (a, model_path);
          g_ptr_array_add (a, (char *) "--layers");
          g_ptr_array_add (a, (char *) "bottleneck");
        }
      /* run() takes a NULL-terminated list: spawn directly */
      argv = g_ptr_array_new ();
      g_ptr_array_add (argv, (char *) cli);
      for (guint k = 0; k < a->len; k++)
        g_ptr_array_add (argv, a->pdata[k]);
      g_ptr_array_add (argv, NULL);
      g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                                   &out, &err, &status, &error));
      g_assert_no_error (error);
      g_ptr_array_free (argv, TRUE);
      if (!g_spawn_check_wait_status (status, NULL))
        g_error ("%s %s failed: %s", cases[i][0], cases[i][1], err);
      o = parse (p, out);
      g_assert_cmpstr (json_object_get_string_member (o, "method"), ==, cases[i][0]);
      g_assert_cmpstr (json_object_get_string_member (o, "loss"), ==, cases[i][1]);
      g_assert_cmpint (json_object_get_int_member (o, "steps"), ==, 6);
      /* the learning-rate schedule of every method: restore-net.h */
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (o, "rampdown"), 0.3, 1e-6);
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (o, "beta2"), 0.99, 1e-6);
      g_assert_cmpint (json_object_get_boolean_member (o, "residual"), ==,
                       cases[i][2] && g_str_equal (cases[i][2], "--residual"));
      g_assert_cmpint (json_array_get_length (json_object_get_array_member (o, "val_psnr")), ==, 1);
      m = json_object_get_object_member (o, "metrics");
      g_assert_true (isfinite (json_object_get_double_member (m, "psnr")));
      g_assert_true (json_object_has_member (m, "mae") && json_object_has_member (m, "mse")
                     && json_object_has_member (m, "nmse") && json_object_has_member (m, "ssim"));
      g_assert_true (json_object_has_member (o, "input_metrics"));
      n = pl_volume_load (noisy, 0, NULL, &error);
      d = pl_volume_load (den, 0, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (d->dim, sizeof d->dim, n->dim, sizeof n->dim);
      g_assert_cmpmem (d->vox2world, sizeof d->vox2world, n->vox2world, sizeof n->vox2world);
      g_assert_cmpmem (d->data, 32 * 32 * sizeof (float), n->data, 32 * 32 * sizeof (float));
      g_assert_cmpmem (d->data + 2 * 32 * 32, 32 * 32 * sizeof (float), n->data + 2 * 32 * 32, 32 * 32 * sizeof (float));
      g_assert_true (memcmp (d->data + 32 * 32, n->data + 32 * 32, 32 * 32 * sizeof (float)) != 0);
    }

  /* errors: each names the problem */
  {
    struct { const char *args[6]; int status; const char *says; } bad[] = {
      { { "--method", "n2n", NULL }, 2, "--reference CLEAN" },
      { { "--method", "pair", NULL }, 2, "--second" },
      { { "--method", "supervised", "--loss", "vgg", NULL }, 2, "unknown loss" },
      { { "--method", "supervised", "--loss", "perceptual", NULL }, 2, "--model" },
      { { "--method", "n2n", "--loss", "ssim", NULL }, 2, "MSE" },
      { { "--method", "n2c", "--noise", "downsample", NULL }, 2, "downsampling" },
      { { "--method", "n2n", "--rampdown", "1.5", NULL }, 2, "ramp-down" },
      { { "--method", "n2c", "--beta2", "1", NULL }, 2, "β2" },
    };
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autofree char *out = NULL, *err = NULL;
        const char **b = bad[i].args;
        gboolean with_ref = i > 0;
        int st = with_ref ? run (&out, &err, "denoise", noisy, den, "--reference", clean, b[0], b[1], b[2], b[3], b[4], NULL)
                          : run (&out, &err, "denoise", noisy, den, b[0], b[1], b[2], b[3], b[4], NULL);
        if (st != bad[i].status)
          g_error ("case %u: exit %d, not %d: %s", i, st, bad[i].status, err);
        if (!strstr (err, bad[i].says))
          g_error ("case %u: '%s' does not say '%s'", i, err, bad[i].says);
      }
  }
  {
    g_autofree char *out = NULL, *err = NULL, *other = tmp ("other.nii.gz");
    gint64 dim[3] = { 16, 32, 3 };
    g_autoptr (PlVolume) v = pl_volume_new (dim, NULL, NULL);
    g_assert_true (pl_volume_save (v, other, &error));
    g_assert_cmpint (run (&out, &err, "denoise", noisy, den, "--method", "n2n", "--second", other, NULL), ==, 1);
    g_assert_nonnull (strstr (err, "is not on the grid"));
  }
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
  g_test_add_func ("/cli/restore-networks", test_restore_networks);
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
