/* pellucid-cli explain and sanity end to end on a tiny synthetic volume and
 * an untrained small network written by the engine: NIfTI maps on the
 * image's grid, the PNG grid, the JSON timings and the sanity table; bad
 * methods, settings and targets refused naming them. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/data/labels.h"
#include "engine/data/volume.h"
#include "engine/nn/model.h"
#include "tests/cli-run.h"


/* 32 × 40 × 6, a bright disc; mask.nii.gz marks the disc; an untrained
 * depth-3 network (classes with label values 1, 2, 3). */
static void
make_data (void)
{
  const gint64 dim[3] = { 32, 40, 6 };
  g_autoptr (PlVolume) v = pl_volume_new (dim, NULL, NULL);
  g_autoptr (PlLabels) mask = pl_labels_new (dim);
  g_autoptr (GError) error = NULL;
  g_autofree char *img = tmp ("img.nii.gz"), *mk = tmp ("mask.nii.gz"), *mp = tmp ("model.safetensors");
  PlUnetConfig c = { 0 };
  const guint16 values[3] = { 1, 2, 3 };
  PlModel *model;

  for (int k = 0; k < 6; k++)
    for (int j = 0; j < 40; j++)
      for (int i = 0; i < 32; i++)
        {
          gsize at = i + 32 * (j + 40 * k);
          double r2 = (i - 16.0) * (i - 16.0) + (j - 20.0) * (j - 20.0);
          v->data[at] = r2 < 100 ? 120.0f + i : 10.0f;
          mask->data[at] = r2 < 100;
        }
  pl_volume_update_stats (v);
  g_assert_true (pl_volume_save (v, img, &error));
  g_assert_true (pl_labels_save (mask, v, mk, &error));
  g_assert_no_error (error);
  c.in_channels = 1;
  c.n_classes = 3;
  c.depth = 3;
  c.channels[0] = 4;
  c.channels[1] = 8;
  c.channels[2] = 16;
  c.skip = TRUE;
  c.upsample = PL_UPSAMPLE_CONVT;
  c.bn_eps = 1e-5f;
  c.output = PL_OUTPUT_SOFTMAX;
  model = pl_model_new (pl_unet_new (&c, 7), 3, values, NULL);
  model->norm_divisor = 250.0;
  model->axis = 2;
  g_assert_true (pl_model_save (model, mp, &error));
  g_assert_no_error (error);
  pl_model_free (model);
}

static void
test_explain (void)
{
  g_autofree char *img = tmp ("img.nii.gz"), *mk = tmp ("mask.nii.gz"), *mp = tmp ("model.safetensors");
  g_autofree char *prefix = tmp ("ex"), *target = g_strdup_printf ("2:%s", mk);
  g_autofree char *out = NULL, *err = NULL, *png = NULL, *grad = tmp ("ex_grad.nii.gz");
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (PlVolume) v = NULL, m = NULL;
  JsonObject *o;
  JsonArray *maps;
  gsize len;
  int nz_off = 0, nz_on = 0;

  g_assert_cmpint (run (&out, &err, "explain", "--model", mp, "--image", img, "--slice", "2",
                        "--target", target, "--method", "grad,gradcam,lrp-ab,occlusion",
                        "--set", "occlusion.patch=8", "--set", "occlusion.stride=8",
                        "--out", prefix, NULL), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (o, "slice"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (o, "region_pixels"), ==, 305);
  maps = json_object_get_array_member (o, "maps");
  g_assert_cmpuint (json_array_get_length (maps), ==, 4);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpfloat (json_object_get_double_member (json_array_get_object_element (maps, i), "ms"), >=, 0.0);
  g_assert_true (json_object_has_member (json_array_get_object_element (maps, 2), "relevance_sum"));

  /* The map on the image's grid, zero off slice 2. */
  v = pl_volume_load (img, 0, NULL, &error);
  m = pl_volume_load (grad, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (memcmp (v->dim, m->dim, sizeof v->dim), ==, 0);
  for (gsize i = 0; i < pl_volume_n_voxels (m); i++)
    {
      gboolean on = i / (32 * 40) == 2;
      nz_on += on && m->data[i] != 0.0f;
      nz_off += !on && m->data[i] != 0.0f;
    }
  g_assert_cmpint (nz_off, ==, 0);
  g_assert_cmpint (nz_on, >, 100);

  /* A PNG of 4 + 1 tiles, 4 to a row: 2 rows. */
  png = g_strdup_printf ("%s.png", prefix);
  {
    g_autofree guint8 *bytes = NULL;
    g_assert_true (g_file_get_contents (png, (char **) &bytes, &len, &error));
    g_assert_cmpuint (len, >, 33);
    g_assert_cmpint (memcmp (bytes, "\x89PNG\r\n\x1a\n", 8), ==, 0);
    g_assert_cmpint (memcmp (bytes + 12, "IHDR", 4), ==, 0);
    g_assert_cmpint (GUINT32_FROM_BE (*(guint32 *) (bytes + 16)), ==, 4 * 40 + 3 * 4);
    g_assert_cmpint (GUINT32_FROM_BE (*(guint32 *) (bytes + 20)), ==, 2 * 32 + 4);
  }
}

static void
test_sanity (void)
{
  g_autofree char *img = tmp ("img.nii.gz"), *mk = tmp ("mask.nii.gz"), *mp = tmp ("model.safetensors");
  g_autofree char *prefix = tmp ("san"), *target = g_strdup_printf ("2:%s", mk);
  g_autofree char *out = NULL, *err = NULL, *csv = NULL, *csv_path = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) lines = NULL;
  JsonObject *o;
  JsonArray *methods;

  g_assert_cmpint (run (&out, &err, "sanity", "--model", mp, "--image", img, "--slice", "2",
                        "--target", target, "--method", "grad,gradcam", "--stages", "1,13",
                        "--faithfulness-steps", "4", "--out", prefix, NULL), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "layers")), ==, 13);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "table")), ==, 4);
  methods = json_object_get_array_member (o, "methods");
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *m = json_array_get_object_element (methods, i);
      const char *verdict = json_object_get_string_member (m, "verdict");
      g_assert_true (strcmp (verdict, "pass") == 0 || strcmp (verdict, "fail") == 0);
      g_assert_true (json_object_has_member (m, "deletion_auc"));
    }
  csv_path = g_strdup_printf ("%s.csv", prefix);
  g_assert_true (g_file_get_contents (csv_path, &csv, NULL, &error));
  lines = g_strsplit (g_strstrip (csv), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 5);
  g_assert_true (g_str_has_prefix (lines[0], "stage,randomised,layer,method,spearman"));
  g_assert_true (g_str_has_prefix (lines[4], "2,13,enc.0.0,gradcam,"));
}

static void
test_pdp (void)
{
  g_autofree char *img = tmp ("img.nii.gz"), *mk = tmp ("mask.nii.gz"), *mp = tmp ("model.safetensors");
  g_autofree char *prefix = tmp ("pdp"), *target = g_strdup_printf ("2:%s", mk);
  g_autofree char *out = NULL, *err = NULL, *csv = NULL, *csv_path = g_strdup_printf ("%s.csv", prefix);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) lines = NULL;
  JsonObject *o;
  JsonArray *pdp, *ice;
  double mean1 = 0.0;

  g_assert_cmpint (run (&out, &err, "pdp", "--model", mp, "--image", img, "--target", target,
                        "--feature", "region", "--values", "0.5,1,2", "--slices", "1:3:2",
                        "--output", "probability", "--out", prefix, NULL), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  o = json_node_get_object (json_parser_get_root (parser));
  pdp = json_object_get_array_member (o, "pdp");
  ice = json_object_get_array_member (o, "ice");
  g_assert_cmpuint (json_array_get_length (pdp), ==, 3);
  g_assert_cmpuint (json_array_get_length (ice), ==, 2);
  /* The PDP is the mean of the ICE curves; probabilities are in [0, 1]. */
  for (guint s = 0; s < 2; s++)
    {
      JsonArray *c = json_object_get_array_member (json_array_get_object_element (ice, s), "curve");
      mean1 += json_array_get_double_element (c, 1) / 2;
      for (guint v = 0; v < 3; v++)
        g_assert_cmpfloat (fabs (json_array_get_double_element (c, v) - 0.5), <=, 0.5);
    }
  g_assert_cmpfloat (fabs (json_array_get_double_element (pdp, 1) - mean1), <, 1e-9);
  g_assert_true (g_file_get_contents (csv_path, &csv, NULL, &error));
  lines = g_strsplit (g_strstrip (csv), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  g_assert_cmpstr (lines[0], ==, "slice,0.5,1,2");
  g_assert_true (g_str_has_prefix (lines[3], "mean,"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (&out, &err, "pdp", "--model", mp, "--image", img, "--target", "2",
                        "--feature", "region", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "REGION"));
}

static void
test_tcav (void)
{
  g_autofree char *img = tmp ("img.nii.gz"), *mk = tmp ("mask.nii.gz"), *mp = tmp ("model.safetensors");
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *o = NULL;
  int status = 1;

  /* The untrained network predicts some class on the slices: try each. */
  for (int value = 1; value <= 3 && status != 0; value++)
    {
      g_autofree char *t = g_strdup_printf ("%d", value);
      g_clear_pointer (&out, g_free);
      g_clear_pointer (&err, g_free);
      status = run (&out, &err, "tcav", "--model", mp, "--image", img, "--concepts", mk,
                    "--concept", "1", "--target", t, "--examples", "20", "--slices", "0:5:2", NULL);
    }
  g_assert_cmpint (status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (o, "random_sets"), ==, 10);
  g_assert_cmpfloat (json_object_get_double_member (o, "p"), <=, 1.0);
  g_assert_cmpfloat (json_object_get_double_member (o, "tcav_score"), <=, 1.0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (&out, &err, "tcav", "--model", mp, "--image", img, "--concepts", mk,
                        "--concept", "1", "--target", "2", "--random", "3", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "10 random"));
}

static void
test_errors (void)
{
  g_autofree char *img = tmp ("img.nii.gz"), *mp = tmp ("model.safetensors"), *prefix = tmp ("bad");
  g_autofree char *out = NULL, *err = NULL;

  g_assert_cmpint (run (&out, &err, "explain", "--model", mp, "--image", img, "--target", "2",
                        "--method", "grad,magic", "--out", prefix, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "magic"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (&out, &err, "explain", "--model", mp, "--image", img, "--target", "2",
                        "--method", "occlusion", "--set", "occlusion.patch=0", "--out", prefix, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "patch"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (&out, &err, "explain", "--model", mp, "--image", img, "--target", "9",
                        "--method", "grad", "--out", prefix, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "'9'"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (&out, &err, "explain", "--model", mp, "--image", img, "--target", "2@99,3",
                        "--method", "grad", "--out", prefix, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "outside"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (&out, &err, "explain", "--model", mp, "--image", "/nonexistent.nii",
                        "--target", "2", "--method", "grad", "--out", prefix, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "/nonexistent.nii"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (&out, &err, "sanity", "--model", mp, "--image", img, "--target", "2@3,3",
                        "--method", "grad", "--stages", "99", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "stage 99"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (&out, &err, "explain", "--model", mp, NULL), ==, 2);
}

int
main (int argc, char **argv)
{
  int r;

  g_test_init (&argc, &argv, NULL);
  cli = g_getenv ("PELLUCID_CLI");
  if (!cli)
    {
      g_test_skip ("PELLUCID_CLI not set");
      return 77;
    }
  tmpdir = g_dir_make_tmp ("pellucid-explain-XXXXXX", NULL);
  make_data ();
  g_test_add_func ("/cli/explain", test_explain);
  g_test_add_func ("/cli/sanity", test_sanity);
  g_test_add_func ("/cli/pdp", test_pdp);
  g_test_add_func ("/cli/tcav", test_tcav);
  g_test_add_func ("/cli/explain-errors", test_errors);
  r = g_test_run ();
  {
    g_autoptr (GDir) d = g_dir_open (tmpdir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name (d)))
      {
        g_autofree char *p = g_build_filename (tmpdir, name, NULL);
        g_unlink (p);
      }
    g_rmdir (tmpdir);
  }
  return r;
}
