/* pellucid-cli train --ensemble, predict --uncertainty, eval --ece/--auroc
 * and ged end to end on a tiny synthetic volume, and their errors. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/data/labels.h"
#include "engine/data/volume.h"
#include "engine/nn/model.h"

static char *tmpdir;
static const char *cli;

static char *
tmp (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

static int
run (char **out, char **err, ...)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  va_list ap;
  int status;
  const char *a;

  g_ptr_array_add (args, (char *) cli);
  va_start (ap, err);
  while ((a = va_arg (ap, const char *)))
    g_ptr_array_add (args, (char *) a);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  g_free (*out);
  g_free (*err);
  g_assert_true (g_spawn_sync (NULL, (char **) args->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               out, err, &status, &error));
  g_assert_no_error (error);
  /* a failing command's own words (a sanitizer's report among them) */
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    g_printerr ("%s", *err);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static JsonObject *
parse (JsonParser *p, const char *text)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_data (p, text, -1, &error));
  return json_node_get_object (json_parser_get_root (p));
}

/* 32 × 40 × 6, a bright disc with a brighter square; labels on slices 1
 * and 4 (sparse) or everywhere (truth). */
static void
make_data (void)
{
  const gint64 dim[3] = { 32, 40, 6 };
  g_autoptr (PlVolume) v = pl_volume_new (dim, NULL, NULL);
  g_autoptr (PlLabels) sparse = pl_labels_new (dim);
  g_autoptr (PlLabels) truth = pl_labels_new (dim);
  g_autoptr (GError) error = NULL;
  g_autofree char *img = tmp ("img.nii.gz"), *sp = tmp ("sparse.nii.gz"), *tr = tmp ("truth.nii.gz");

  for (int k = 0; k < 6; k++)
    for (int j = 0; j < 40; j++)
      for (int i = 0; i < 32; i++)
        {
          gsize at = i + 32 * (j + 40 * k);
          double r2 = (i - 16.0) * (i - 16.0) + (j - 20.0) * (j - 20.0);
          int lab = r2 < 60 + 10 * k ? (abs (i - 16) < 4 && abs (j - 20) < 4 ? 3 : 2) : 1;
          v->data[at] = lab == 1 ? 10.0f : lab == 2 ? 120.0f : 250.0f;
          truth->data[at] = lab;
          if (k == 1 || k == 4)
            sparse->data[at] = lab;
        }
  pl_volume_update_stats (v);
  g_assert_true (pl_volume_save (v, img, &error));
  g_assert_true (pl_labels_save (sparse, v, sp, &error));
  g_assert_true (pl_labels_save (truth, v, tr, &error));
  g_assert_no_error (error);
}

static float *
load_data (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PlVolume) v = pl_volume_load (path, 0, NULL, &error);
  g_assert_no_error (error);
  return g_memdup2 (v->data, pl_volume_n_voxels (v) * sizeof (float));
}

static void
test_ensemble_predict_eval_ged (void)
{
  g_autofree char *img = tmp ("img.nii.gz"), *sp = tmp ("sparse.nii.gz"), *tr = tmp ("truth.nii.gz");
  g_autofree char *ens = tmp ("ens.safetensors"), *seg = tmp ("seg.nii.gz");
  g_autofree char *maps = tmp ("u.nii.gz"), *ent = tmp ("u_entropy.nii.gz"), *mi = tmp ("u_mutual-info.nii.gz");
  g_autofree char *s0 = tmp ("u_sample0.nii.gz"), *s1 = tmp ("u_sample1.nii.gz");
  g_autofree char *prob = tmp ("p.nii.gz"), *csv = tmp ("rel.csv"), *dis = tmp ("dis.nii.gz");
  g_autofree char *out = NULL, *err = NULL, *text = NULL;
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  PlModel **members;
  JsonObject *o, *e;
  int n = 0;
  gint64 next;

  g_assert_cmpint (run (&out, &err, "train", "--image", img, "--labels", sp, "--out", ens, "--preset", "small",
                        "--steps", "3", "--batch", "2", "--seed", "1", "--ensemble", "3", NULL), ==, 0);
  members = pl_model_load_ensemble (ens, &n, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 3);
  g_assert_nonnull (strstr (members[2]->training, "\"seed\":3"));
  pl_model_ensemble_free (members);
  /* Bootstrap draws: two members, the second from seed 2. */
  {
    g_autofree char *boot = tmp ("boot.safetensors");
    g_assert_cmpint (run (&out, &err, "train", "--image", img, "--labels", sp, "--out", boot, "--preset", "small",
                          "--steps", "1", "--batch", "2", "--seed", "1", "--ensemble", "2", "--bootstrap", NULL), ==, 0);
    members = pl_model_load_ensemble (boot, &n, &error);
    g_assert_no_error (error);
    g_assert_cmpint (n, ==, 2);
    g_assert_nonnull (strstr (members[1]->training, "\"seed\":2"));
    pl_model_ensemble_free (members);
  }

  g_assert_cmpint (run (&out, &err, "predict", "--image", img, "--model", ens, "--out", seg,
                        "--uncertainty", "ensemble", "--maps", maps, "--keep-samples", "2",
                        "--painted", sp, "--probabilities", prob, NULL), ==, 0);
  o = parse (p, out);
  g_assert_cmpstr (json_object_get_string_member (o, "estimator"), ==, "ensemble");
  g_assert_cmpint (json_object_get_int_member (o, "samples"), ==, 3);
  next = json_object_get_int_member (o, "next_slice");
  g_assert_true (next >= 0 && next < 6 && next != 1 && next != 4);
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (
                     json_object_get_object_member (o, "slice_means"), "entropy")), ==, 6);
  {
    g_autofree float *h = load_data (ent), *m = load_data (mi);
    double sm = 0.0;
    for (gsize i = 0; i < 32 * 40 * 6; i++)
      {
        g_assert_cmpfloat (m[i], <=, h[i] + 1e-6);
        sm += m[i];
      }
    g_assert_cmpfloat (sm, >, 0.0);
  }
  g_assert_true (g_file_test (s1, G_FILE_TEST_EXISTS));

  /* ECE, reliability, temperature fitted on slice 0, AUROC of the entropy. */
  g_assert_cmpint (run (&out, &err, "eval", "--pred", seg, "--truth", tr, "--exclude-slices-of", sp,
                        "--background", "1", "--probabilities", prob, "--ece", "--reliability", csv,
                        "--auroc", ent, "--calibration-slices", "0", NULL), ==, 0);
  o = parse (p, out);
  e = json_object_get_object_member (o, "ece");
  g_assert_cmpint (json_object_get_int_member (e, "bins"), ==, 15);
  g_assert_cmpfloat (json_object_get_double_member (e, "ece"), >=, 0.0);
  g_assert_cmpfloat (json_object_get_double_member (e, "ece"), <=, 1.0);
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (e, "reliability")), ==, 15);
  g_assert_cmpfloat (json_object_get_double_member (json_object_get_object_member (o, "temperature"), "T"), >, 0.0);
  g_assert_true (json_object_has_member (json_object_get_object_member (o, "auroc"), "u_entropy.nii.gz"));
  /* Slices 2, 3, 5 are evaluated (0: calibration, 1 and 4: training). */
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (o, "slices")), ==, 3);
  g_assert_true (g_file_get_contents (csv, &text, NULL, &error));
  g_assert_true (g_str_has_prefix (text, "bin,lo,hi,count,confidence,accuracy,set\n"));

  /* GED: the samples against themselves as raters is 0; the disagreement
   * map of two raters is 0 or 1/2. */
  g_assert_cmpint (run (&out, &err, "ged", "--samples", s0, "--samples", s1, "--raters", s0, "--raters", s1,
                        "--labels", "2,3", "--disagreement", dis, NULL), ==, 0);
  o = parse (p, out);
  g_assert_cmpfloat (fabs (json_object_get_double_member (o, "ged2")), <, 1e-12);
  {
    g_autofree float *d = load_data (dis);
    for (gsize i = 0; i < 32 * 40 * 6; i++)
      g_assert_true (d[i] == 0.0f || d[i] == 0.5f);
  }
  g_assert_cmpint (run (&out, &err, "ged", "--samples", s0, "--raters", tr, "--raters", sp, NULL), ==, 0);
  o = parse (p, out);
  g_assert_cmpfloat (json_object_get_double_member (o, "ged2"), >, 0.0);
}

static void
test_tta_mc_deterministic (void)
{
  g_autofree char *img = tmp ("img.nii.gz"), *sp = tmp ("sparse.nii.gz");
  g_autofree char *model = tmp ("one.safetensors"), *seg = tmp ("seg1.nii.gz");
  g_autofree char *a = tmp ("a.nii.gz"), *b = tmp ("b.nii.gz"), *c = tmp ("c.nii.gz");
  g_autofree char *ae = tmp ("a_entropy.nii.gz"), *be = tmp ("b_entropy.nii.gz"), *ce = tmp ("c_entropy.nii.gz");
  g_autofree char *out = NULL, *err = NULL;
  const char *est[2] = { "tta", "mc" };

  g_assert_cmpint (run (&out, &err, "train", "--image", img, "--labels", sp, "--out", model, "--preset", "small",
                        "--steps", "2", "--batch", "2", NULL), ==, 0);
  for (int k = 0; k < 2; k++)
    {
      g_autofree float *x = NULL, *y = NULL, *z = NULL;
      g_assert_cmpint (run (&out, &err, "predict", "--image", img, "--model", model, "--out", seg, "--uncertainty",
                            est[k], "--tta-samples", "3", "--mc-passes", "3", "--seed", "5", "--maps", a, NULL), ==, 0);
      g_assert_cmpint (run (&out, &err, "predict", "--image", img, "--model", model, "--out", seg, "--uncertainty",
                            est[k], "--tta-samples", "3", "--mc-passes", "3", "--seed", "5", "--maps", b, NULL), ==, 0);
      g_assert_cmpint (run (&out, &err, "predict", "--image", img, "--model", model, "--out", seg, "--uncertainty",
                            est[k], "--tta-samples", "3", "--mc-passes", "3", "--seed", "6", "--maps", c, NULL), ==, 0);
      x = load_data (ae);
      y = load_data (be);
      z = load_data (ce);
      g_assert_cmpmem (x, 32 * 40 * 6 * sizeof (float), y, 32 * 40 * 6 * sizeof (float));
      g_assert_true (memcmp (x, z, 32 * 40 * 6 * sizeof (float)) != 0);
    }
  /* TTA's range: with no flip, rotation or intensity change every copy is
   * the slice itself, so the copies agree (no mutual information); with the
   * default range they do not; a range out of bounds is refused. */
  {
    g_autofree char *mi = tmp ("a_mutual-info.nii.gz");
    g_autofree float *m0 = NULL, *m1 = NULL;
    double s1 = 0.0;

    g_assert_cmpint (run (&out, &err, "predict", "--image", img, "--model", model, "--out", seg, "--uncertainty",
                          "tta", "--tta-samples", "3", "--tta-rotation", "0", "--tta-intensity", "0", "--tta-flip", "0",
                          "--maps", a, NULL), ==, 0);
    m0 = load_data (mi);
    for (gsize i = 0; i < 32 * 40 * 6; i++)
      g_assert_cmpfloat (fabsf (m0[i]), <, 1e-6f);
    g_assert_cmpint (run (&out, &err, "predict", "--image", img, "--model", model, "--out", seg, "--uncertainty",
                          "tta", "--tta-samples", "3", "--tta-rotation", "30", "--maps", a, NULL), ==, 0);
    m1 = load_data (mi);
    for (gsize i = 0; i < 32 * 40 * 6; i++)
      s1 += m1[i];
    g_assert_cmpfloat (s1, >, 0.0);
    g_assert_cmpint (run (&out, &err, "predict", "--image", img, "--model", model, "--out", seg, "--uncertainty",
                          "tta", "--tta-rotation", "60", "--maps", a, NULL), ==, 2);
    g_assert_nonnull (strstr (err, "rotation"));
  }
}

/* train --aleatoric writes the head into the model file; predict then
 * writes its logit variance beside the other maps and says so in the JSON;
 * a model without the head writes no such map. */
static void
test_aleatoric (void)
{
  g_autofree char *img = tmp ("img.nii.gz"), *sp = tmp ("sparse.nii.gz");
  g_autofree char *model = tmp ("ale.safetensors"), *seg = tmp ("seg3.nii.gz");
  g_autofree char *maps = tmp ("al.nii.gz"), *lv = tmp ("al_logit-variance.nii.gz");
  g_autofree char *plain = tmp ("one.safetensors"), *pmaps = tmp ("pl.nii.gz");
  g_autofree char *plv = tmp ("pl_logit-variance.nii.gz");
  g_autofree char *out = NULL, *err = NULL;
  g_autofree float *v = NULL;
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (PlModel) m = NULL;
  JsonObject *o;

  g_assert_cmpint (run (&out, &err, "train", "--image", img, "--labels", sp, "--out", model, "--preset", "small",
                        "--steps", "2", "--batch", "2", "--aleatoric", "--aleatoric-samples", "4", NULL), ==, 0);
  m = pl_model_load (model, &error);
  g_assert_no_error (error);
  g_assert_true (pl_unet_get_config (m->unet)->aleatoric);
  g_assert_nonnull (strstr (m->training, "\"aleatoric_samples\":4"));
  g_assert_cmpint (run (&out, &err, "predict", "--image", img, "--model", model, "--out", seg,
                        "--uncertainty", "mc", "--mc-passes", "2", "--maps", maps, NULL), ==, 0);
  o = parse (p, out);
  g_assert_true (json_object_get_boolean_member (o, "aleatoric_head"));
  g_assert_true (json_object_has_member (json_object_get_object_member (o, "volume_mean"), "logit-variance"));
  v = load_data (lv);
  for (int i = 0; i < 32 * 40 * 6; i++)
    g_assert_cmpfloat (v[i], >, 0.0f);

  g_assert_cmpint (run (&out, &err, "train", "--image", img, "--labels", sp, "--out", plain, "--preset", "small",
                        "--steps", "1", "--batch", "2", NULL), ==, 0);
  g_assert_cmpint (run (&out, &err, "predict", "--image", img, "--model", plain, "--out", seg,
                        "--uncertainty", "softmax", "--maps", pmaps, NULL), ==, 0);
  o = parse (p, out);
  g_assert_false (json_object_get_boolean_member (o, "aleatoric_head"));
  g_assert_false (g_file_test (plv, G_FILE_TEST_EXISTS));
  g_assert_cmpint (run (&out, &err, "train", "--image", img, "--labels", sp, "--out", model, "--preset", "small",
                        "--steps", "1", "--aleatoric", "--aleatoric-samples", "0", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "aleatoric logit samples"));
}

static void
test_errors (void)
{
  g_autofree char *img = tmp ("img.nii.gz"), *tr = tmp ("truth.nii.gz"), *model = tmp ("one.safetensors");
  g_autofree char *seg = tmp ("seg2.nii.gz"), *missing = tmp ("missing.nii.gz");
  g_autofree char *out = NULL, *err = NULL;

  g_assert_cmpint (run (&out, &err, "predict", "--image", img, "--model", model, "--out", seg,
                        "--uncertainty", "nope", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "nope"));
  g_assert_cmpint (run (&out, &err, "predict", "--image", img, "--model", model, "--out", seg,
                        "--uncertainty", "ensemble", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "at least 2 models"));
  g_assert_cmpint (run (&out, &err, "predict", "--image", img, "--model", model, "--out", seg,
                        "--uncertainty", "mc", "--mc-passes", "0", "--tta-samples", "0", NULL), ==, 2);
  g_assert_cmpint (run (&out, &err, "eval", "--pred", tr, "--truth", tr, "--ece", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "--probabilities"));
  g_assert_cmpint (run (&out, &err, "eval", "--pred", tr, "--truth", tr, "--auroc", missing, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "missing.nii.gz"));
  g_assert_cmpint (run (&out, &err, "ged", "--samples", tr, "--raters", missing, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "missing.nii.gz"));
  g_assert_cmpint (run (&out, &err, "ged", "--samples", tr, NULL), ==, 2);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  cli = g_getenv ("PELLUCID_CLI");
  if (!cli)
    {
      g_test_skip ("PELLUCID_CLI is not set");
      return 0;
    }
  tmpdir = g_dir_make_tmp ("pl-ucli-XXXXXX", NULL);
  make_data ();
  g_test_add_func ("/uncertainty-cli/ensemble-predict-eval-ged", test_ensemble_predict_eval_ged);
  g_test_add_func ("/uncertainty-cli/tta-mc-deterministic", test_tta_mc_deterministic);
  g_test_add_func ("/uncertainty-cli/aleatoric", test_aleatoric);
  g_test_add_func ("/uncertainty-cli/errors", test_errors);
  status = g_test_run ();
  {
    g_autoptr (GDir) d = g_dir_open (tmpdir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name (d)))
      {
        g_autofree char *f = g_build_filename (tmpdir, name, NULL);
        g_remove (f);
      }
    g_rmdir (tmpdir);
  }
  return status;
}
