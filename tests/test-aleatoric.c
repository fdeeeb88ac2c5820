/* The aleatoric head (Kendall & Gal 2017): the network's second output,
 * its model files, training with sampled logits, and the learned variance
 * as an uncertainty map. */
#define _GNU_SOURCE
#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "engine/core/rng.h"
#include "engine/data/dataset.h"
#include "engine/nn/infer.h"
#include "engine/nn/train.h"
#include "engine/ops/loss.h"
#include "engine/uncertainty/estimate.h"
#include "tests/test-sanitizer.h"

#define DX 32
#define DY 32
#define DZ 6
#ifndef FLIP
#define FLIP 0.25f
#endif

static void
tiny_config (PlUnetConfig *c)
{
  pl_unet_config_ref (c);
  c->depth = 2;
  c->channels[0] = 4;
  c->channels[1] = 8;
  c->n_classes = 3;
  c->dropout_p = 0.2f;
  c->aleatoric = TRUE;
}

/* Its log σ² has the input's grid, one channel; the head's tensors are
 * named as docs/model-format.md says; a net without the head has none. */
static void
test_head_forward (void)
{
  PlUnetConfig c;
  g_autoptr (PlUnet) u = NULL;
  g_autoptr (PlUnet) plain = NULL;
  g_autoptr (PlTape) tape = pl_tape_new (1 << 20);
  PlUnetRun run = { 0 };
  PlTensor *x, *y;
  gboolean found = FALSE;
  PlRng rng;

  tiny_config (&c);
  u = pl_unet_new (&c, 4);
  for (guint i = 0; i < pl_unet_n_tensors (u); i++)
    if (strcmp (pl_unet_tensor_info (u, i)->name, "head_var.weight") == 0)
      {
        g_assert_cmpint (pl_unet_tensor_info (u, i)->shape[0], ==, 1);
        g_assert_cmpint (pl_unet_tensor_info (u, i)->shape[1], ==, 4);
        found = TRUE;
      }
  g_assert_true (found);
  c.aleatoric = FALSE;
  plain = pl_unet_new (&c, 4);
  g_assert_cmpuint (pl_unet_n_tensors (plain) + 2, ==, pl_unet_n_tensors (u));
  /* The same seed gives the same shared weights (head_var comes last). */
  g_assert_cmpmem (pl_unet_params (plain), pl_unet_n_params (plain) * sizeof (float),
                   pl_unet_params (u), pl_unet_n_params (plain) * sizeof (float));

  pl_rng_init (&rng, 1);
  pl_tape_set_grad_enabled (tape, FALSE);
  x = pl_tape_tensor (tape, 2, 1, 8, 12);
  for (int i = 0; i < 2 * 8 * 12; i++)
    x->data[i] = pl_rng_uniform (&rng);
  y = pl_unet_forward (u, tape, x, &run);
  g_assert_nonnull (run.log_var);
  g_assert_cmpint (y->c, ==, 3);
  g_assert_cmpint (run.log_var->n, ==, 2);
  g_assert_cmpint (run.log_var->c, ==, 1);
  g_assert_cmpint (run.log_var->h, ==, 8);
  g_assert_cmpint (run.log_var->w, ==, 12);
  /* The MC path (encode once, decode per pass) gives the same log σ². */
  {
    PlTensor *lv = NULL;
    PlUnetEncoded *e = pl_unet_encode (u, tape, x);
    pl_unet_decode_var (u, tape, e, NULL, &lv);
    g_assert_nonnull (lv);
    for (int i = 0; i < 2 * 8 * 12; i++)
      g_assert_cmpfloat_with_epsilon (lv->data[i], run.log_var->data[i], 1e-5);
  }
  run.log_var = NULL;
  pl_unet_forward (plain, tape, x, &run);
  g_assert_null (run.log_var);

  /* Only softmax networks take the head. */
  c.aleatoric = TRUE;
  c.output = PL_OUTPUT_SIGMOID;
  g_assert_false (pl_unet_config_check (&c, NULL));
}

/* Saved and loaded: the flag and every weight come back; files of nets
 * without the head do not mention it. */
static void
test_model_file (void)
{
  PlUnetConfig c;
  guint16 values[3] = { 1, 2, 3 };
  g_autoptr (PlModel) m = NULL;
  g_autoptr (PlModel) back = NULL;
  g_autoptr (PlModel) plain = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GBytes) plain_bytes = NULL;
  g_autoptr (GError) error = NULL;
  gsize len;
  const char *data;

  tiny_config (&c);
  m = pl_model_new (pl_unet_new (&c, 8), 3, values, NULL);
  /* A non-zero head_var, to see it come back. */
  for (guint i = 0; i < pl_unet_n_tensors (m->unet); i++)
    if (strcmp (pl_unet_tensor_info (m->unet, i)->name, "head_var.bias") == 0)
      pl_unet_params (m->unet)[pl_unet_tensor_info (m->unet, i)->offset] = 0.5f;
  bytes = pl_model_to_bytes (m);
  back = pl_model_parse (bytes, "mem.safetensors", &error);
  g_assert_no_error (error);
  g_assert_true (pl_unet_get_config (back->unet)->aleatoric);
  g_assert_cmpmem (pl_unet_params (m->unet), pl_unet_n_params (m->unet) * sizeof (float),
                   pl_unet_params (back->unet), pl_unet_n_params (back->unet) * sizeof (float));

  c.aleatoric = FALSE;
  plain = pl_model_new (pl_unet_new (&c, 8), 3, values, NULL);
  plain_bytes = pl_model_to_bytes (plain);
  data = g_bytes_get_data (plain_bytes, &len);
  g_assert_null (memmem (data, len, "aleatoric", 9));
  g_assert_null (memmem (data, len, "head_var", 8));
  data = g_bytes_get_data (bytes, &len);
  g_assert_nonnull (memmem (data, len, "\\\"aleatoric\\\":true", 18));
}

/* Bright disk = class 1, background = class 2; on the right half of every
 * slice (marked by brighter intensities) a quarter of the labels are
 * flipped at random: noise that nothing in the image can explain, the
 * aleatoric kind. */
static PlVolume *
noisy_phantom (PlLabels **labels)
{
  const gint64 dim[3] = { DX, DY, DZ };
  PlVolume *v = pl_volume_new (dim, NULL, NULL);
  PlRng rng;

  *labels = pl_labels_new (dim);
  pl_rng_init (&rng, 5);
  for (int k = 0; k < DZ; k++)
    for (int j = 0; j < DY; j++)
      for (int i = 0; i < DX; i++)
        {
          double a = (i - DX / 2.0) / 11.0, b = (j - DY / 2.0) / (7.0 + k);
          gboolean in = a * a + b * b < 1.0;
          gsize at = i + DX * (j + (gsize) DY * k);
          /* The noisy half is brighter, so a net with a small receptive
           * field can tell where it is. */
          v->data[at] = (in ? 180.0f : 50.0f) + (i >= DX / 2 ? 40.0f : 0.0f)
                        + pl_rng_range (&rng, -10, 10);
          if (i >= DX / 2 && pl_rng_uniform (&rng) < FLIP)
            in = !in;
          (*labels)->data[at] = in ? 1 : 2;
        }
  pl_volume_update_stats (v);
  return v;
}

static double
half_mean (const float *map, gboolean right)
{
  double s = 0.0;
  gsize n = 0;
  for (int k = 0; k < DZ; k++)
    for (int j = 0; j < DY; j++)
      for (int i = right ? DX / 2 + 2 : 0; i < (right ? DX : DX / 2 - 2); i++)
        {
          s += map[i + DX * (j + (gsize) DY * k)];
          n++;
        }
  return s / n;
}

/* Trained with the sampled-logit loss, the sampled predictions are unsure
 * where the labels are noise and sure where the image decides them; the
 * estimators report σ² and the maps deterministically per seed, and with
 * no logit draws their probabilities are the plain softmax's. */
static void
test_train_and_map (void)
{
  PlTrainConfig cfg;
  PlLabelProvider provider;
  PlLabels *labels = NULL;
  g_autoptr (PlVolume) v = noisy_phantom (&labels);
  g_autoptr (PlTrainer) tr = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PlUncertaintyResult) r = NULL;
  g_autoptr (PlUncertaintyResult) r2 = NULL;
  g_autoptr (PlUncertaintyResult) r0 = NULL;
  PlUncertaintySettings s;
  PlModel *model;
  int steps = TEST_SIZE (400, 20);
  double left, right, eh_left, eh_right, first_loss = 0.0, last_loss = 0.0;

  pl_train_config_init (&cfg);
  tiny_config (&cfg.net);
  cfg.net.channels[0] = 8;
  cfg.net.channels[1] = 16;
  cfg.batch = 4;
  cfg.lr = 1e-2f;
  cfg.axis = 2;
  cfg.seed = 1;
  cfg.aleatoric_samples = 8;
  pl_label_provider_init_static (&provider, labels);
  tr = pl_trainer_new (&cfg, v, &provider, &error);
  g_assert_no_error (error);
  for (int i = 0; i < steps; i++)
    {
      PlTrainStepInfo info;
      g_assert_true (pl_trainer_step (tr, &info, &error));
      g_assert_no_error (error);
      g_assert_true (isfinite (info.loss));
      if (i < 10)
        first_loss += info.loss / 10;
      if (i >= steps - 10)
        last_loss += info.loss / 10;
    }
  model = pl_trainer_get_model (tr);
  g_assert_true (pl_unet_get_config (model->unet)->aleatoric);

  pl_uncertainty_settings_init (&s);
  s.estimator = PL_ESTIMATOR_MC;
  s.mc_passes = 4;
  s.batch = 3;
  r = pl_uncertainty_estimate (&s, &model, 1, v, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (r->aleatoric);
  r2 = pl_uncertainty_estimate (&s, &model, 1, v, NULL, &error);
  g_assert_cmpmem (r->maps[0], PL_UMAP_N * r->n_voxels * sizeof (float),
                   r2->maps[0], PL_UMAP_N * r2->n_voxels * sizeof (float));
  g_assert_cmpmem (r->mean, 2 * r->n_voxels * sizeof (float),
                   r2->mean, 2 * r2->n_voxels * sizeof (float));
  for (gsize i = 0; i < r->n_voxels; i++)
    g_assert_cmpfloat (r->maps[PL_UMAP_LOGIT_VARIANCE][i], >, 0.0f);
  left = half_mean (r->maps[PL_UMAP_LOGIT_VARIANCE], FALSE);
  right = half_mean (r->maps[PL_UMAP_LOGIT_VARIANCE], TRUE);
  eh_left = half_mean (r->maps[PL_UMAP_EXPECTED_ENTROPY], FALSE);
  eh_right = half_mean (r->maps[PL_UMAP_EXPECTED_ENTROPY], TRUE);
  g_test_message ("loss %.3f -> %.3f; clean half / noisy half: sigma^2 %.3f / %.3f, "
                  "expected entropy %.4f / %.4f, mutual information %.4f / %.4f",
                  first_loss, last_loss, left, right, eh_left, eh_right,
                  half_mean (r->maps[PL_UMAP_MUTUAL_INFO], FALSE),
                  half_mean (r->maps[PL_UMAP_MUTUAL_INFO], TRUE));

  /* No logit draws: the softmax estimator's probabilities are the softmax
   * of the logits, which plain prediction (draws averaged) is not where
   * the labels are noise; the aleatoric map is still σ². */
  s.estimator = PL_ESTIMATOR_SOFTMAX;
  s.aleatoric_samples = 0;
  r0 = pl_uncertainty_estimate (&s, &model, 1, v, NULL, &error);
  g_assert_no_error (error);
  {
    g_autofree float *p = g_new (float, 2 * r0->n_voxels);
    double most = 0.0;
    g_assert_true (pl_model_predict_volume (model, v, 3, p, NULL, NULL, &error));
    for (gsize i = 0; i < 2 * r0->n_voxels; i++)
      most = fmax (most, fabs (p[i] - r0->mean[i]));
    g_assert_cmpfloat (most, >, 1e-3);
    g_assert_cmpfloat (half_mean (r0->maps[PL_UMAP_LOGIT_VARIANCE], FALSE), >, 0.0);
  }
  pl_labels_free (labels);
#ifdef TEST_UNDER_SANITIZER
  g_test_skip ("learning checked in the plain build");
  return;
#endif
  g_assert_cmpfloat (last_loss, <, first_loss);
  /* The noise is aleatoric: the expected entropy of the sampled-logit
   * predictions finds it (σ² alone need not: maps.h). */
  g_assert_cmpfloat (eh_right, >, 4.0 * eh_left);
}

/* Whole-volume and single-slice prediction of a net with the head give the
 * predictive distribution it was trained for: the mean over
 * PL_ALEATORIC_PREDICT_SAMPLES logit draws (checked against the forward
 * pass by hand, every window of the frame), the same in any batch, and
 * the MC dropout path draws the logits too. */
static void
test_predict (void)
{
  PlUnetConfig c;
  guint16 values[3] = { 1, 2, 3 };
  g_autoptr (PlModel) m = NULL;
  g_autoptr (PlTape) tape = pl_tape_new (1 << 22);
  g_autoptr (GError) error = NULL;
  g_autoptr (PlLabels) labels = NULL;
  g_autoptr (PlVolume) v = NULL;
  gint64 dim[3] = { 21, 24, 4 };   /* odd width: a crop and a border window */
  PlFrame g;
  gsize n;
  g_autofree float *p3 = NULL, *p1 = NULL, *want = NULL, *slice = NULL, *sp = NULL, *mc = NULL;
  double worst = 0.0, off_softmax = 0.0;
  PlRng rng;

  tiny_config (&c);
  m = pl_model_new (pl_unet_new (&c, 8), 3, values, NULL);
  m->axis = 2;
  m->norm_divisor = 100.0;
  /* σ² ≈ e: draws that change the probabilities */
  for (guint i = 0; i < pl_unet_n_tensors (m->unet); i++)
    if (strcmp (pl_unet_tensor_info (m->unet, i)->name, "head_var.bias") == 0)
      pl_unet_params (m->unet)[pl_unet_tensor_info (m->unet, i)->offset] = 1.0f;
  v = pl_volume_new (dim, NULL, NULL);
  pl_rng_init (&rng, 3);
  for (gsize i = 0; i < pl_volume_n_voxels (v); i++)
    v->data[i] = (float) (100.0 * pl_rng_uniform (&rng));
  pl_volume_update_stats (v);
  n = pl_volume_n_voxels (v);
  p3 = g_new (float, 3 * n);
  p1 = g_new (float, 3 * n);
  want = g_new (float, 3 * n);
  mc = g_new (float, 3 * n);
  for (int border = PL_BORDER_NEAREST; border <= PL_BORDER_WINDOW; border++)
    {
      m->border = border;
      worst = off_softmax = 0.0;
      g_clear_pointer (&slice, g_free);
      g_assert_true (pl_model_predict_volume (m, v, 3, p3, NULL, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (pl_model_predict_volume (m, v, 1, p1, NULL, NULL, &error));
      g_assert_cmpmem (p1, 3 * n * sizeof (float), p3, 3 * n * sizeof (float));

      /* By hand: slice z alone in each window, the draws of pixel z·plane + i;
       * outside the crop its nearest pixel or the padded window. */
      pl_model_frame_init (&g, m, v);
      g_assert_cmpint (g.n_win, ==, border == PL_BORDER_WINDOW ? 2 : 1);
      slice = g_new (float, (gsize) g.h * g.w);
      pl_tape_set_grad_enabled (tape, FALSE);
      for (gint64 z = 0; z < g.n_slices; z++)
        for (int wi = 0; wi < g.n_win; wi++)
          {
            const PlWindow *w = &g.win[wi];
            gsize plane = (gsize) w->wh * w->ww;
            PlUnetRun run = { 0 };
            PlTensor *x, *y;
            g_autofree float *q = g_new (float, 3 * plane);
            pl_tape_reset (tape);
            x = pl_tape_tensor (tape, 1, 1, w->wh, w->ww);
            pl_model_frame_fill (m, v, &g, w, z, 1, slice, x->data);
            y = pl_unet_forward (m->unet, tape, x, &run);
            g_assert_nonnull (run.log_var);
            for (gsize i = 0; i < plane; i++)
              {
                double sigma = exp (0.5 * run.log_var->data[i]), acc[3] = { 0 };
                for (int t = 0; t < PL_ALEATORIC_PREDICT_SAMPLES; t++)
                  {
                    double e[3], se = 0.0;
                    for (int k = 0; k < 3; k++)
                      se += (e[k] = exp (y->data[k * plane + i]
                                         + sigma * pl_aleatoric_noise (0, (guint64) z * plane + i, t, k)));
                    for (int k = 0; k < 3; k++)
                      acc[k] += e[k] / se / PL_ALEATORIC_PREDICT_SAMPLES;
                  }
                for (int k = 0; k < 3; k++)
                  {
                    double se = 0.0;
                    for (int j = 0; j < 3; j++)
                      se += exp (y->data[j * plane + i] - y->data[k * plane + i]);
                    off_softmax = fmax (off_softmax, fabs (acc[k] - 1.0 / se));
                    q[k * plane + i] = (float) acc[k];
                  }
              }
            pl_model_frame_scatter (v, &g, wi, z, 1, 3, q, want);
          }
      for (gsize i = 0; i < 3 * n; i++)
        worst = fmax (worst, fabs (p3[i] - want[i]));
      g_test_message ("predict vs by hand %.2g; draws vs softmax of the logits up to %.3f",
                      worst, off_softmax);
      g_assert_cmpfloat (worst, <, 1e-5);
      g_assert_cmpfloat (off_softmax, >, 1e-3);
    }

  /* The live preview's single slice is the volume's. */
  sp = g_new (float, 3 * (gsize) g.h * g.w);
  pl_model_predict_slice (m, v, 2, sp, NULL);
  {
    gsize sh, sw, off;
    pl_slice_strides (v->dim, g.axis, 2, &sh, &sw, &off);
    for (int k = 0; k < 3; k++)
      for (int y = 0; y < g.h; y++)
        for (int x = 0; x < g.w; x++)
          g_assert_cmpfloat_with_epsilon (sp[((gsize) k * g.h + y) * g.w + x],
                                          p3[k * n + off + y * sh + x * sw], 1e-6);
  }

  /* MC dropout: probabilities, deterministic per seed, labels given. */
  labels = pl_labels_new (dim);
  g_assert_true (pl_model_predict_volume_mc (m, v, 2, 3, 5, mc, NULL, NULL, labels, NULL, &error));
  g_assert_no_error (error);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpfloat_with_epsilon (mc[i] + mc[n + i] + mc[2 * n + i], 1.0, 1e-4);
  g_assert_true (pl_model_predict_volume_mc (m, v, 2, 3, 5, p1, NULL, NULL, NULL, NULL, &error));
  g_assert_cmpmem (p1, 3 * n * sizeof (float), mc, 3 * n * sizeof (float));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/aleatoric/head", test_head_forward);
  g_test_add_func ("/aleatoric/model-file", test_model_file);
  g_test_add_func ("/aleatoric/predict", test_predict);
  g_test_add_func ("/aleatoric/train-and-map", test_train_and_map);
  return g_test_run ();
}
