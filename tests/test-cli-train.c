/* pellucid-cli train / predict / eval / bench end to end on a tiny synthetic
 * volume, and their error paths (exit status 2 for usage, 1 for bad input
 * with the file named on stderr). */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>

#include "engine/data/labels.h"
#include "engine/data/volume.h"
#include "engine/nn/model.h"
#include "tests/test-sanitizer.h"
#include "tests/cli-run.h"


static JsonObject *
parse (JsonParser *p, const char *text)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_data (p, text, -1, &error));
  return json_node_get_object (json_parser_get_root (p));
}

/* 32 × 40 × 6 with a bright disc; labels 1 (outside) / 2 (disc) / 3 (a
 * square inside the disc) on slices 1 and 4 (sparse) or everywhere (truth). */
static void
make_data (void)
{
  const gint64 dim[3] = { 32, 40, 6 };
  g_autoptr (PlVolume) v = pl_volume_new (dim, NULL, NULL);
  g_autoptr (PlLabels) sparse = pl_labels_new (dim);
  g_autoptr (PlLabels) truth = pl_labels_new (dim);
  g_autoptr (PlLabels) empty = pl_labels_new (dim);
  const gint64 dim2[3] = { 16, 40, 6 };
  g_autoptr (PlVolume) other = pl_volume_new (dim2, NULL, NULL);
  g_autoptr (PlLabels) other_l = pl_labels_new (dim2);
  g_autoptr (GError) error = NULL;
  g_autofree char *img = tmp ("img.nii.gz"), *sp = tmp ("sparse.nii.gz"), *tr = tmp ("truth.nii.gz");
  g_autofree char *em = tmp ("empty.nii.gz"), *ol = tmp ("other.nii.gz");

  for (int k = 0; k < 6; k++)
    for (int j = 0; j < 40; j++)
      for (int i = 0; i < 32; i++)
        {
          gsize at = i + 32 * (j + 40 * k);
          double r2 = (i - 16.0) * (i - 16.0) + (j - 20.0) * (j - 20.0);
          int lab = r2 < 100 ? (abs (i - 16) < 4 && abs (j - 20) < 4 ? 3 : 2) : 1;
          v->data[at] = lab == 1 ? 10.0f : lab == 2 ? 120.0f : 250.0f;
          truth->data[at] = lab;
          if (k == 1 || k == 4)
            sparse->data[at] = lab;
        }
  pl_volume_update_stats (v);
  g_assert_true (pl_volume_save (v, img, &error));
  g_assert_no_error (error);
  g_assert_true (pl_labels_save (sparse, v, sp, &error));
  g_assert_true (pl_labels_save (truth, v, tr, &error));
  g_assert_true (pl_labels_save (empty, v, em, &error));
  g_assert_true (pl_labels_save (other_l, other, ol, &error));
  g_assert_no_error (error);
}

static void
test_train_predict_eval (void)
{
  g_autofree char *img = tmp ("img.nii.gz"), *sp = tmp ("sparse.nii.gz"), *tr = tmp ("truth.nii.gz");
  g_autofree char *model = tmp ("model.safetensors"), *seg = tmp ("seg.nii.gz");
  g_autofree char *prob = tmp ("prob.nii.gz"), *prob2 = tmp ("prob_label2.nii.gz");
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *o, *dice;

  g_assert_cmpint (run (&out, &err, "train", "--image", img, "--labels", sp, "--out", model,
                        "--steps", "4", "--batch", "2", "--seed", "1", "--report-every", "2",
                        /* the reference network's steps take tens of seconds under TSan */
                        "--preset", TEST_SIZE ("ref", "small"), NULL), ==, 0);
  g_assert_nonnull (strstr (err, "step 4/4  loss"));
  g_assert_nonnull (strstr (err, "steps/s"));
  g_assert_nonnull (strstr (err, "left"));
  o = parse (p, out);
  g_assert_cmpint (json_object_get_int_member (o, "steps"), ==, 4);
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (o, "class_values")), ==, 3);
  g_assert_true (g_file_test (model, G_FILE_TEST_EXISTS));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run (&out, &err, "predict", "--image", img, "--model", model, "--out", seg,
                        "--probabilities", prob, NULL), ==, 0);
  g_assert_true (g_file_test (prob2, G_FILE_TEST_EXISTS));
  {
    g_autoptr (PlVolume) v = pl_volume_load (img, 0, NULL, &error);
    g_autoptr (PlLabels) s = pl_labels_load (seg, v, &error);     /* same grid or it fails */
    g_autoptr (PlVolume) pv = pl_volume_load (prob2, 0, NULL, &error);
    g_assert_no_error (error);
    for (gsize i = 0; i < pl_labels_n_voxels (s); i++)
      g_assert_true (s->data[i] >= 1 && s->data[i] <= 3);
    g_assert_cmpfloat (pv->min, >=, 0.0f);
    g_assert_cmpfloat (pv->max, <=, 1.0f);
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* The truth against itself: every Dice is 1, over the 4 slices that are
   * not training slices. */
  g_assert_cmpint (run (&out, &err, "eval", "--pred", tr, "--truth", tr, "--exclude-slices-of", sp,
                        "--axis", "axial", "--background", "1", NULL), ==, 0);
  o = parse (p, out);
  dice = json_object_get_object_member (o, "dice");
  g_assert_cmpfloat (json_object_get_double_member (dice, "1"), ==, 1.0);
  g_assert_cmpfloat (json_object_get_double_member (dice, "3"), ==, 1.0);
  g_assert_cmpfloat (json_object_get_double_member (o, "mean"), ==, 1.0);
  g_assert_cmpint (json_object_get_int_member (o, "n_slices"), ==, 4);
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (o, "mean_over")), ==, 2);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* The prediction: numbers in [0, 1]. */
  g_assert_cmpint (run (&out, &err, "eval", "--pred", seg, "--truth", tr, NULL), ==, 0);
  o = parse (p, out);
  g_assert_cmpfloat (json_object_get_double_member (o, "mean"), >=, 0.0);
  g_assert_cmpfloat (json_object_get_double_member (o, "mean"), <=, 1.0);
}

static void
test_errors (void)
{
  g_autofree char *img = tmp ("img.nii.gz"), *sp = tmp ("sparse.nii.gz"), *em = tmp ("empty.nii.gz");
  g_autofree char *ol = tmp ("other.nii.gz"), *model = tmp ("m2.safetensors");
  g_autofree char *missing = tmp ("missing.nii.gz"), *bad = tmp ("bad.safetensors");
  g_autofree char *seg = tmp ("seg2.nii.gz");
  char *out = NULL, *err = NULL;

#define EXPECT(status, fragment, ...) \
  do { \
    const char *frag_ = fragment; \
    g_assert_cmpint (run (&out, &err, __VA_ARGS__, NULL), ==, status); \
    if (frag_) \
      g_assert_nonnull (strstr (err, frag_)); \
    g_clear_pointer (&out, g_free); \
    g_clear_pointer (&err, g_free); \
  } while (0)

  EXPECT (2, "Usage", "train", "--image", img);
  EXPECT (2, NULL, "train", "--image", img, "--labels", sp, "--out", model, "--batch", "0");
  EXPECT (2, "unknown axis", "train", "--image", img, "--labels", sp, "--out", model, "--axis", "diagonal");
  EXPECT (1, "missing.nii.gz", "train", "--image", missing, "--labels", sp, "--out", model);
  EXPECT (1, "other.nii.gz", "train", "--image", img, "--labels", ol, "--out", model);
  EXPECT (1, "no labelled voxel", "train", "--image", img, "--labels", em, "--out", model);
  g_assert_true (g_file_set_contents (bad, "not a model at all", -1, NULL));
  EXPECT (1, "bad.safetensors", "predict", "--image", img, "--model", bad, "--out", seg);
  EXPECT (2, "Usage", "predict", "--image", img);
  EXPECT (1, "missing.nii.gz", "eval", "--pred", missing, "--truth", sp);
  EXPECT (2, "unknown workload", "bench", "nonsense");
#undef EXPECT
}

/* pretrain, then train --init with a frozen encoder; pretrain --local on
 * it and train --init from both halves; the records say so. */
static void
test_pretrain_finetune (void)
{
  g_autofree char *img = tmp ("img.nii.gz"), *sp = tmp ("sparse.nii.gz");
  g_autofree char *pre = tmp ("pre.safetensors"), *model = tmp ("tuned.safetensors");
  g_autofree char *local = tmp ("local.safetensors");
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (PlModel) m = NULL;
  JsonObject *o;

  g_assert_cmpint (run (&out, &err, "pretrain", "--image", img, "--out", pre, "--steps", "3",
                        "--batch", "3", "--preset", "small", NULL), ==, 0);
  g_assert_nonnull (strstr (err, "step 3  contrastive loss"));
  o = parse (p, out);
  g_assert_cmpstr (json_object_get_string_member (o, "method"), ==, "contrastive");
  g_assert_cmpint (json_object_get_int_member (o, "steps"), ==, 3);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run (&out, &err, "train", "--image", img, "--labels", sp, "--out", model,
                        "--steps", "3", "--batch", "2", "--preset", "small", "--init", pre,
                        "--freeze", "all-encoder", NULL), ==, 0);
  m = pl_model_load (model, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (m->training, "\"frozen\":\"all-encoder\""));
  g_assert_nonnull (strstr (m->training, "\"training\":{\"method\":\"contrastive\""));
  /* training ramps the rate down by default; pre-training keeps it constant */
  g_assert_nonnull (strstr (m->training, "\"lr_rampdown\":0.3"));
  {
    g_autoptr (PlModel) pm = pl_model_load (pre, &error);
    g_assert_no_error (error);
    g_assert_null (strstr (pm->training, "lr_rampdown"));
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* The local stage on that encoder, then fine-tuning from both halves. */
  g_assert_cmpint (run (&out, &err, "pretrain", "--local", "--init", pre, "--image", img, "--out", local,
                        "--steps", "2", "--batch", "2", NULL), ==, 0);
  g_assert_nonnull (strstr (err, "step 2  local contrastive loss"));
  o = parse (p, out);
  g_assert_cmpstr (json_object_get_string_member (o, "method"), ==, "contrastive-local");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&m, pl_model_free);
  g_assert_cmpint (run (&out, &err, "train", "--image", img, "--labels", sp, "--out", model,
                        "--steps", "2", "--batch", "2", "--preset", "small", "--init", local, NULL), ==, 0);
  m = pl_model_load (model, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (m->training, "\"init_parts\":\"encoder+decoder\""));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (&out, &err, "pretrain", "--local", "--image", img, "--out", local, NULL), ==, 2);
  g_assert_nonnull (strstr (err, "--init"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Errors: an unknown mode (usage), another network (the tensor named),
   * a missing file (named), pre-training without negatives. */
  g_assert_cmpint (run (&out, &err, "train", "--image", img, "--labels", sp, "--out", model,
                        "--init", pre, "--freeze", "decoder", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "unknown --freeze 'decoder'"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (&out, &err, "train", "--image", img, "--labels", sp, "--out", model,
                        "--steps", "1", "--preset", "ref", "--init", pre, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "pretrained"));
  g_assert_nonnull (strstr (err, "enc.0.0.weight"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (&out, &err, "train", "--image", img, "--labels", sp, "--out", model,
                        "--init", "/nonexistent/pre.safetensors", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "/nonexistent/pre.safetensors"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (&out, &err, "pretrain", "--image", img, "--out", pre, "--batch", "1", NULL), ==, 2);
}

/* train --head fcn, --attention, --context and --coords: the model records
 * them, and predict uses them. */
static void
test_train_head (void)
{
  g_autofree char *img = tmp ("img.nii.gz"), *sp = tmp ("sparse.nii.gz");
  g_autofree char *model = tmp ("fcn.safetensors"), *seg = tmp ("fcn-seg.nii.gz");
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PlModel) m = NULL;

  g_assert_cmpint (run (&out, &err, "train", "--image", img, "--labels", sp, "--out", model,
                        "--steps", "3", "--batch", "2", "--preset", "small", "--head", "fcn", NULL), ==, 0);
  m = pl_model_load (model, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pl_unet_get_config (m->unet)->head_scales, ==, 3);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (&out, &err, "predict", "--image", img, "--model", model, "--out", seg, NULL), ==, 0);
  g_assert_true (g_file_test (seg, G_FILE_TEST_EXISTS));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (&out, &err, "train", "--image", img, "--labels", sp, "--out", model,
                        "--head", "fcn16", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "unknown --head 'fcn16'"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* --attention: recorded, used by predict; heads must divide the
   * bottleneck's 64 channels */
  g_clear_pointer (&m, pl_model_free);
  g_assert_cmpint (run (&out, &err, "train", "--image", img, "--labels", sp, "--out", model,
                        "--steps", "3", "--batch", "2", "--preset", "small", "--attention", "4", NULL), ==, 0);
  m = pl_model_load (model, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pl_unet_get_config (m->unet)->attention_heads, ==, 4);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (&out, &err, "predict", "--image", img, "--model", model, "--out", seg, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (&out, &err, "train", "--image", img, "--labels", sp, "--out", model,
                        "--preset", "small", "--attention", "5", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "attention heads must divide"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* --context 3 --coords: three slices and the position as channels,
   * recorded, used by predict; an even context is refused */
  g_clear_pointer (&m, pl_model_free);
  g_assert_cmpint (run (&out, &err, "train", "--image", img, "--labels", sp, "--out", model,
                        "--steps", "3", "--batch", "2", "--preset", "small", "--context", "3", "--coords",
                        NULL), ==, 0);
  m = pl_model_load (model, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pl_unet_get_config (m->unet)->in_channels, ==, 4);
  g_assert_cmpint (m->context, ==, 3);
  g_assert_true (m->coords);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (&out, &err, "predict", "--image", img, "--model", model, "--out", seg, NULL), ==, 0);
  g_assert_true (g_file_test (seg, G_FILE_TEST_EXISTS));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (&out, &err, "train", "--image", img, "--labels", sp, "--out", model,
                        "--preset", "small", "--context", "2", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "--context 2: context must be an odd number"));
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
  tmpdir = g_dir_make_tmp ("pellucid-cli-XXXXXX", NULL);
  make_data ();
  g_test_add_func ("/cli/train-predict-eval", test_train_predict_eval);
  g_test_add_func ("/cli/errors", test_errors);
  g_test_add_func ("/cli/pretrain-finetune", test_pretrain_finetune);
  g_test_add_func ("/cli/train-head", test_train_head);
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
