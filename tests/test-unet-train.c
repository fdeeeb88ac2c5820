/* Training and inference on a small synthetic phantom: learning happens,
 * runs repeat bitwise for a seed, stop/continue equals one run, painting
 * during training reaches the next batch, cancellation, predictions on the
 * exact grid, MC dropout statistics and the encoder/skip reuse, held-out
 * Dice, model files round-trip. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "engine/data/dataset.h"
#include "engine/core/gemm.h"
#include "engine/nn/infer.h"
#include "engine/ops/loss.h"
#include "engine/data/metrics.h"
#include "engine/ops/ops.h"
#include "engine/nn/train.h"

#define DX 40
#define DY 36
#define DZ 9
#define IN 5
#define OUT 7

/* Ellipse phantom: bright inside (value ~ 200 + noise), dim outside. */
static PlVolume *
make_volume (void)
{
  const gint64 dim[3] = { DX, DY, DZ };
  PlVolume *v = pl_volume_new (dim, NULL, NULL);
  PlRng rng;

  pl_rng_init (&rng, 99);
  for (int k = 0; k < DZ; k++)
    for (int j = 0; j < DY; j++)
      for (int i = 0; i < DX; i++)
        {
          double a = (i - DX / 2.0) / (10.0 + k), b = (j - DY / 2.0) / 8.0;
          gboolean in = a * a + b * b < 1.0;
          v->data[i + DX * (j + DY * k)] = (in ? 200.0f : 60.0f) + pl_rng_range (&rng, -20, 20);
        }
  pl_volume_update_stats (v);
  return v;
}

static void
truth_slice (PlLabels *l, const PlVolume *v, int k)
{
  for (int j = 0; j < DY; j++)
    for (int i = 0; i < DX; i++)
      {
        double a = (i - DX / 2.0) / (10.0 + k), b = (j - DY / 2.0) / 8.0;
        l->data[i + DX * (j + DY * k)] = a * a + b * b < 1.0 ? IN : OUT;
      }
}

static void
small_config (PlTrainConfig *c)
{
  pl_train_config_init (c);
  c->net.depth = 3;
  c->net.channels[0] = 4;
  c->net.channels[1] = 8;
  c->net.channels[2] = 8;
  c->net.dropout_p = 0.1f;
  c->batch = 4;
  c->lr = 1e-2f;
  c->axis = 2;
  c->seed = 3;
}

static gboolean
params_equal (PlTrainer *a, PlTrainer *b)
{
  PlUnet *ua = pl_trainer_get_model (a)->unet, *ub = pl_trainer_get_model (b)->unet;
  return memcmp (pl_unet_params (ua), pl_unet_params (ub),
                 pl_unet_n_params (ua) * sizeof (float)) == 0;
}

static void
test_learns_and_predicts (void)
{
  g_autoptr (PlVolume) v = make_volume ();
  g_autoptr (PlLabels) l = pl_labels_new (v->dim);
  g_autoptr (PlLabels) truth = pl_labels_new (v->dim);
  g_autoptr (PlLabels) pred = pl_labels_new (v->dim);
  g_autoptr (PlTrainer) tr = NULL;
  g_autoptr (GError) error = NULL;
  PlLabelProvider prov;
  PlTrainConfig cfg;
  PlTrainStepInfo info;
  double first = 0.0, last = 0.0, dice[2];
  guint16 values[2] = { IN, OUT };
  PlModel *model;

  for (int k = 0; k < DZ; k++)
    truth_slice (truth, v, k);
  truth_slice (l, v, 1);
  truth_slice (l, v, 4);
  truth_slice (l, v, 7);
  pl_label_provider_init_static (&prov, l);
  small_config (&cfg);
  tr = pl_trainer_new (&cfg, v, &prov, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pl_trainer_get_n_classes (tr), ==, 2);
  g_assert_cmpint (pl_trainer_get_class_values (tr)[0], ==, IN);
  for (int s = 0; s < 60; s++)
    {
      g_assert_true (pl_trainer_step (tr, &info, &error));
      g_assert_cmpint (info.n_labelled, ==, 3);
      if (s < 5)
        first += info.loss / 5;
      if (s >= 55)
        last += info.loss / 5;
    }
  g_test_message ("loss: first 5 steps %.4f, last 5 %.4f", first, last);
  g_assert_cmpfloat (last, <, 0.5 * first);

  /* Whole volume: labels on the exact grid, only the model's values; good
   * Dice on the slices never labelled. */
  model = pl_trainer_get_model (tr);
  g_assert_true (pl_model_predict_volume (model, v, 4, NULL, pred, NULL, &error));
  {
    g_autofree guint8 *skip = g_new0 (guint8, pl_labels_n_voxels (truth));
    for (gsize i = 0; i < pl_labels_n_voxels (truth); i++)
      {
        int k = (int) (i / (DX * DY));
        skip[i] = k == 1 || k == 4 || k == 7;
        g_assert_true (pred->data[i] == IN || pred->data[i] == OUT);
      }
    pl_dice_per_value (pred->data, truth->data, pl_labels_n_voxels (truth), skip, values, 2, dice);
  }
  g_test_message ("held-out Dice: inside %.3f, outside %.3f", dice[0], dice[1]);
  g_assert_cmpfloat (dice[0], >, 0.8);
  g_assert_cmpfloat (dice[1], >, 0.8);

  /* The held-out slice's Dice is a real number once set. */
  pl_trainer_set_holdout (tr, 4);
  {
    double hd = pl_trainer_holdout_dice (tr, dice);
    g_assert_cmpfloat (hd, >, 0.8);
    g_assert_cmpfloat (hd, <=, 1.0);
  }
  g_assert_true (pl_trainer_step (tr, &info, &error));
  g_assert_cmpint (info.n_labelled, ==, 2);   /* slice 4 no longer sampled */

  /* One slice = the same slice of the whole-volume prediction. */
  {
    guint16 sl[DX * DY];
    g_autoptr (PlLabels) pv = pl_labels_new (v->dim);
    g_assert_true (pl_model_predict_volume (model, v, 3, NULL, pv, NULL, &error));
    pl_model_predict_slice (model, v, 6, NULL, sl);
    for (int j = 0; j < DY; j++)
      for (int i = 0; i < DX; i++)
        g_assert_cmpint (sl[i * DY + j], ==, pv->data[i + DX * (j + DY * 6)]);
  }
}

static void
test_deterministic_and_resumable (void)
{
  g_autoptr (PlVolume) v = make_volume ();
  g_autoptr (PlLabels) l = pl_labels_new (v->dim);
  g_autoptr (PlTrainer) a = NULL, b = NULL, c = NULL;
  g_autoptr (GError) error = NULL;
  PlLabelProvider prov;
  PlTrainConfig cfg;

  truth_slice (l, v, 2);
  truth_slice (l, v, 6);
  pl_label_provider_init_static (&prov, l);
  small_config (&cfg);
  /* resuming is of the state (weights, optimiser, generator); a ramp-down
   * is per run by design, so 2 + 3 steps would differ from 5 */
  cfg.lr_rampdown = 0.0f;
  a = pl_trainer_new (&cfg, v, &prov, &error);
  b = pl_trainer_new (&cfg, v, &prov, &error);
  cfg.seed = 4;
  c = pl_trainer_new (&cfg, v, &prov, &error);
  g_assert_no_error (error);
  g_assert_true (pl_trainer_run (a, 5, NULL, NULL, NULL, &error));
  /* Stopped and continued: 2 + 3 steps. */
  g_assert_true (pl_trainer_run (b, 2, NULL, NULL, NULL, &error));
  g_assert_false (params_equal (a, b));
  g_assert_true (pl_trainer_run (b, 3, NULL, NULL, NULL, &error));
  g_assert_cmpint (pl_trainer_get_step (b), ==, 5);
  g_assert_true (params_equal (a, b));
  g_assert_true (pl_trainer_run (c, 5, NULL, NULL, NULL, &error));
  g_assert_false (params_equal (a, c));
}

static gboolean
record_lr (PlTrainer *tr, const PlTrainStepInfo *info, gpointer data)
{
  g_array_append_val ((GArray *) data, info->lr);
  return TRUE;
}

/* The rate ramps down over the last 30 % of each run, and only in a run. */
static void
test_lr_rampdown (void)
{
  g_autoptr (PlVolume) v = make_volume ();
  g_autoptr (PlLabels) l = pl_labels_new (v->dim);
  g_autoptr (PlTrainer) tr = NULL, bad = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) lr = g_array_new (FALSE, FALSE, sizeof (double));
  PlTrainStepInfo info;
  PlLabelProvider prov;
  PlTrainConfig cfg;

  truth_slice (l, v, 2);
  pl_label_provider_init_static (&prov, l);
  small_config (&cfg);
  cfg.lr_rampdown = 0.3f;
  tr = pl_trainer_new (&cfg, v, &prov, &error);
  g_assert_no_error (error);
  g_assert_true (pl_trainer_run (tr, 10, NULL, record_lr, lr, &error));
  g_assert_cmpuint (lr->len, ==, 10);
  for (int k = 0; k < 10; k++)
    {
      /* steps 1…7 the full rate; 8, 9, 10 at t = 0, 1/3, 2/3 */
      double t = k < 7 ? 0.0 : (k - 7) / 3.0, f = 0.5 + 0.5 * cos (G_PI * t);
      g_assert_cmpfloat_with_epsilon (g_array_index (lr, double, k), cfg.lr * f * f, 1e-7);
      g_assert_cmpfloat (g_array_index (lr, double, k), ==,
                         (float) pl_lr_rampdown (cfg.lr, cfg.lr_rampdown, 10, k + 1));
    }
  g_assert_cmpfloat (g_array_index (lr, double, 9), <, 0.3 * cfg.lr);
  /* a step outside a run, and the next run, start at the full rate again */
  g_assert_true (pl_trainer_step (tr, &info, &error));
  g_assert_cmpfloat (info.lr, ==, cfg.lr);
  g_array_set_size (lr, 0);
  g_assert_true (pl_trainer_run (tr, 10, NULL, record_lr, lr, &error));
  g_assert_cmpfloat (g_array_index (lr, double, 0), ==, cfg.lr);
  g_assert_cmpfloat (g_array_index (lr, double, 9), <, 0.3 * cfg.lr);
  {
    g_autoptr (PlModel) m = pl_trainer_export_model (tr);
    g_assert_nonnull (strstr (m->training, "\"lr_rampdown\":0.3"));
  }

  cfg.lr_rampdown = 1.5f;
  bad = pl_trainer_new (&cfg, v, &prov, &error);
  g_assert_null (bad);
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID);
}

/* A provider over a label map that the test changes between steps, as the
 * user painting. */
static void
test_live_labels_and_cancel (void)
{
  g_autoptr (PlVolume) v = make_volume ();
  g_autoptr (PlLabels) l = pl_labels_new (v->dim);
  g_autoptr (PlTrainer) tr = NULL;
  g_autoptr (GError) error = NULL;
  PlLabelProvider prov;
  PlTrainConfig cfg;
  PlTrainStepInfo info;
  gint cancel = 0;
  PlProgress progress = { NULL, NULL, &cancel };
  guint16 values[2] = { IN, OUT };
  GMutex lock;
  PlLockedLabels locked = { l, &lock };

  g_mutex_init (&lock);
  truth_slice (l, v, 3);
  pl_label_provider_init_locked (&prov, &locked);
  small_config (&cfg);
  cfg.n_classes = 2;
  cfg.class_values = values;
  tr = pl_trainer_new (&cfg, v, &prov, &error);
  g_assert_true (pl_trainer_step (tr, &info, &error));
  g_assert_cmpint (info.n_labelled, ==, 1);
  truth_slice (l, v, 8);                 /* painted while training */
  g_assert_true (pl_trainer_step (tr, &info, &error));
  g_assert_cmpint (info.n_labelled, ==, 2);
  memset (l->data, 0, pl_labels_n_voxels (l) * sizeof (guint16));   /* all erased */
  g_assert_false (pl_trainer_step (tr, &info, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID);
  g_clear_error (&error);
  truth_slice (l, v, 0);

  g_atomic_int_set (&cancel, 1);
  g_assert_false (pl_trainer_run (tr, 10, &progress, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (pl_trainer_get_step (tr), ==, 2);
  g_atomic_int_set (&cancel, 0);
  g_assert_true (pl_trainer_run (tr, 2, &progress, NULL, NULL, &error));
  g_assert_cmpint (pl_trainer_get_step (tr), ==, 4);
  g_clear_pointer (&tr, pl_trainer_free);
  g_mutex_clear (&lock);
}

static void
test_mc_dropout (void)
{
  g_autoptr (PlVolume) v = make_volume ();
  g_autoptr (PlLabels) l = pl_labels_new (v->dim);
  g_autoptr (PlTrainer) tr = NULL;
  g_autoptr (GError) error = NULL;
  PlLabelProvider prov;
  PlTrainConfig cfg;
  PlModel *model;
  gsize nv = DX * DY * DZ;
  g_autofree float *probs = g_new (float, 2 * nv), *mean = g_new (float, 2 * nv);
  g_autofree float *var = g_new (float, 2 * nv), *ent = g_new (float, nv);

  truth_slice (l, v, 2);
  truth_slice (l, v, 6);
  pl_label_provider_init_static (&prov, l);
  small_config (&cfg);
  cfg.net.dropout_p = 0.3f;
  tr = pl_trainer_new (&cfg, v, &prov, &error);
  g_assert_true (pl_trainer_run (tr, 10, NULL, NULL, NULL, &error));
  model = pl_trainer_get_model (tr);

  g_assert_true (pl_model_predict_volume (model, v, 4, probs, NULL, NULL, &error));
  g_assert_true (pl_model_predict_volume_mc (model, v, 4, 6, 1, mean, var, ent, NULL, NULL, &error));
  {
    double var_sum = 0.0;
    for (gsize i = 0; i < nv; i++)
      {
        g_assert_cmpfloat (fabs (mean[i] + mean[nv + i] - 1.0), <, 1e-5);
        g_assert_cmpfloat (var[i], >=, 0.0f);
        g_assert_cmpfloat (ent[i], >=, -1e-6);
        g_assert_cmpfloat (ent[i], <=, log (2.0) + 1e-5);
        var_sum += var[i];
      }
    g_assert_cmpfloat (var_sum, >, 0.0);   /* the passes differ */
  }

  /* With p = 0 every pass is the plain forward: the cached encoder and skip
   * halves must give exactly what a full forward gives. */
  pl_unet_set_dropout (model->unet, 0.0f);
  g_assert_true (pl_model_predict_volume_mc (model, v, 4, 3, 1, mean, var, ent, NULL, NULL, &error));
  for (gsize i = 0; i < 2 * nv; i++)
    {
      g_assert_cmpfloat (fabs (mean[i] - probs[i]), <, 1e-5);
      g_assert_cmpfloat (var[i], <, 1e-6);
    }
}

static void
test_model_roundtrip (void)
{
  g_autoptr (PlVolume) v = make_volume ();
  g_autoptr (PlLabels) l = pl_labels_new (v->dim);
  g_autoptr (PlTrainer) tr = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PlModel) saved = NULL, loaded = NULL;
  g_autofree char *dir = g_dir_make_tmp ("pellucid-model-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "m.safetensors", NULL);
  PlLabelProvider prov;
  PlTrainConfig cfg;
  const char *names[2] = { "ellipse", "background" };
  guint16 values[2] = { IN, OUT };
  gsize nv = DX * DY * DZ;
  g_autofree float *p1 = g_new (float, 2 * nv), *p2 = g_new (float, 2 * nv);

  truth_slice (l, v, 2);
  pl_label_provider_init_static (&prov, l);
  small_config (&cfg);
  cfg.n_classes = 2;
  cfg.class_values = values;
  cfg.class_names = names;
  tr = pl_trainer_new (&cfg, v, &prov, &error);
  g_assert_true (pl_trainer_run (tr, 3, NULL, NULL, NULL, &error));
  saved = pl_trainer_export_model (tr);
  g_assert_true (pl_model_save (saved, path, &error));
  g_assert_no_error (error);
  loaded = pl_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (loaded->n_classes, ==, 2);
  g_assert_cmpint (loaded->class_values[1], ==, OUT);
  g_assert_cmpstr (loaded->class_names[0], ==, "ellipse");
  g_assert_cmpint (loaded->axis, ==, 2);
  g_assert_cmpfloat (loaded->norm_divisor, ==, saved->norm_divisor);
  g_assert_nonnull (strstr (loaded->training, "\"steps\":3"));
  g_assert_cmpuint (pl_unet_n_params (loaded->unet), ==, pl_unet_n_params (saved->unet));
  g_assert_true (pl_model_predict_volume (saved, v, 4, p1, NULL, NULL, &error));
  g_assert_true (pl_model_predict_volume (loaded, v, 4, p2, NULL, NULL, &error));
  g_assert_cmpmem (p1, 2 * nv * sizeof (float), p2, 2 * nv * sizeof (float));
  g_unlink (path);
  g_rmdir (dir);
}

/* A mean-teacher-like recipe: supervised loss + MSE between the student's
 * softmax on a flipped batch (flipped back) and the teacher's softmax on the
 * batch as a constant: two student passes and a teacher pass in one tape. */
static PlTensor *
consistency_recipe (PlTrainer *tr, PlTape *tape, const PlBatch *b, gpointer user_data,
                    GError **error)
{
  int *calls = user_data;
  PlTensor *sup = pl_trainer_supervised_loss (tr, tape, b, NULL, error);
  PlTensor *x = pl_tape_wrap (tape, b->n, 1, b->h, b->w, b->x, FALSE);
  PlTensor *s = pl_softmax (tape, pl_flip (tape, pl_trainer_forward (tr, tape, pl_flip (tape, x, FALSE, TRUE)),
                                           FALSE, TRUE));
  PlTensor *t = pl_softmax (tape, pl_trainer_teacher_forward (tr, tape, x, NULL));

  g_assert_false (pl_tensor_requires_grad (t));
  (*calls)++;
  return pl_add (tape, sup, pl_affine_scalar (tape, pl_mse (tape, s, t), 0.5f, 0.0f));
}

static void
test_recipe_teacher (void)
{
  g_autoptr (PlVolume) v = make_volume ();
  g_autoptr (PlLabels) l = pl_labels_new (v->dim);
  g_autoptr (PlTrainer) tr = NULL;
  g_autoptr (GError) error = NULL;
  PlLabelProvider prov;
  PlTrainConfig cfg;
  PlTrainStepInfo info;
  PlUnet *student, *teacher;
  int calls = 0;
  gsize n;
  g_autofree float *before = NULL;
  double moved = 0.0;

  truth_slice (l, v, 2);
  truth_slice (l, v, 6);
  pl_label_provider_init_static (&prov, l);
  small_config (&cfg);
  tr = pl_trainer_new (&cfg, v, &prov, &error);
  pl_trainer_enable_teacher (tr, 0.9f);
  pl_trainer_set_recipe (tr, consistency_recipe, &calls, NULL);
  student = pl_trainer_get_model (tr)->unet;
  teacher = pl_trainer_get_teacher (tr);
  n = pl_unet_n_params (student);
  before = g_memdup2 (pl_unet_params (teacher), n * sizeof (float));
  for (int s = 0; s < 3; s++)
    {
      g_assert_true (pl_trainer_step (tr, &info, &error));
      g_assert_no_error (error);
      g_assert_true (isfinite (info.loss));
    }
  g_assert_cmpint (calls, ==, 3);
  /* The teacher moved towards the student, but is not the student, and
   * nothing flowed into its gradients. */
  for (gsize i = 0; i < n; i++)
    {
      moved += fabs (pl_unet_params (teacher)[i] - before[i]);
      g_assert_cmpfloat (pl_unet_grads (teacher)[i], ==, 0.0f);
    }
  g_assert_cmpfloat (moved, >, 0.0);
  g_assert_true (memcmp (pl_unet_params (teacher), pl_unet_params (student), n * sizeof (float)) != 0);
}

static PlTensor *
count_recipe (PlTrainer *tr, PlTape *tape, const PlBatch *b, gpointer user_data, GError **error)
{
  *(int *) user_data = b->n;
  return pl_trainer_supervised_loss (tr, tape, b, NULL, error);
}

/* The labelled part of a batch: n slices, or with max > n as many as are
 * painted, from n up to max (the semi-supervised methods' painted_first). */
static void
test_labelled_batch (void)
{
  g_autoptr (PlVolume) v = make_volume ();
  g_autoptr (PlLabels) l = pl_labels_new (v->dim);
  g_autoptr (PlTrainer) tr = NULL;
  g_autoptr (GError) error = NULL;
  PlLabelProvider prov;
  PlTrainConfig cfg;
  int n = -1;
  const int painted[] = { 0, 2, 4, 6, 8, 1 };
  /* after painting 1, 2, …, 6 slices: max(2, painted) up to 3 */
  const int expect_grows[] = { 2, 2, 3, 3, 3, 3 };

  small_config (&cfg);
  cfg.batch = 4;
  pl_label_provider_init_static (&prov, l);
  truth_slice (l, v, painted[0]);
  tr = pl_trainer_new (&cfg, v, &prov, &error);
  g_assert_no_error (error);
  pl_trainer_set_recipe (tr, count_recipe, &n, NULL);
  for (int k = 0; k < (int) G_N_ELEMENTS (painted); k++)
    {
      truth_slice (l, v, painted[k]);
      pl_trainer_set_labelled_batch (tr, 2, 0);
      g_assert_true (pl_trainer_step (tr, NULL, &error));
      g_assert_cmpint (n, ==, 2);
      pl_trainer_set_labelled_batch (tr, 2, 3);
      g_assert_true (pl_trainer_step (tr, NULL, &error));
      g_assert_cmpint (n, ==, expect_grows[k]);
      pl_trainer_set_labelled_batch (tr, 0, 0);
      g_assert_true (pl_trainer_step (tr, NULL, &error));
      g_assert_cmpint (n, ==, 4);
    }
}

/* Slice layout along each axis: get/set/voxel/count agree; windows match the
 * reference recipe's crop (181×217 → 176×208 at offsets 2, 4). */
static void
test_slices (void)
{
  const gint64 dim[3] = { 5, 6, 7 };
  g_autoptr (PlLabels) l = pl_labels_new (dim);
  int wh, ww, oy, ox;

  for (int axis = 0; axis < 3; axis++)
    {
      int h, w;
      gint64 counts[7];
      g_autofree guint16 *sl = NULL, *back = NULL;
      pl_slice_dims (dim, axis, &h, &w);
      g_assert_cmpint (h * w * dim[axis], ==, 5 * 6 * 7);
      sl = g_new (guint16, h * w);
      back = g_new (guint16, h * w);
      for (int i = 0; i < h * w; i++)
        sl[i] = (guint16) (i + 1);
      memset (l->data, 0, pl_labels_n_voxels (l) * sizeof (guint16));
      pl_labels_set_slice (l, axis, 2, sl);
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          g_assert_cmpint (l->data[pl_slice_voxel (dim, axis, 2, y, x)], ==, y * w + x + 1);
      pl_labels_get_slice (l, axis, 2, back);
      g_assert_cmpmem (sl, h * w * sizeof (guint16), back, h * w * sizeof (guint16));
      pl_labels_count_slices (l, axis, counts);
      for (int s = 0; s < dim[axis]; s++)
        g_assert_cmpint (counts[s], ==, s == 2 ? h * w : 0);
    }
  pl_fit_window (181, 217, 16, PL_FIT_CROP, &wh, &ww, &oy, &ox);
  g_assert_cmpint (wh, ==, 176);
  g_assert_cmpint (ww, ==, 208);
  g_assert_cmpint (oy, ==, 2);
  g_assert_cmpint (ox, ==, 4);
  pl_fit_window (181, 217, 16, PL_FIT_PAD, &wh, &ww, &oy, &ox);
  g_assert_cmpint (wh, ==, 192);
  g_assert_cmpint (ww, ==, 224);
  g_assert_cmpint (oy, ==, -5);
  g_assert_cmpint (ox, ==, -3);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  pl_engine_set_threads (2);
  g_test_add_func ("/train/slices", test_slices);
  g_test_add_func ("/train/learns-and-predicts", test_learns_and_predicts);
  g_test_add_func ("/train/deterministic-resumable", test_deterministic_and_resumable);
  g_test_add_func ("/train/lr-rampdown", test_lr_rampdown);
  g_test_add_func ("/train/live-labels-cancel", test_live_labels_and_cancel);
  g_test_add_func ("/train/mc-dropout", test_mc_dropout);
  g_test_add_func ("/train/model-roundtrip", test_model_roundtrip);
  g_test_add_func ("/train/recipe-teacher", test_recipe_teacher);
  g_test_add_func ("/train/labelled-batch", test_labelled_batch);
  return g_test_run ();
}
