/* Losses against finite differences and hand-computed values; metrics
 * against hand-computed values. */
#include "tests/test-op-common.h"

#include "engine/core/gemm.h"
#include "engine/data/metrics.h"

static PlRng fill_rng;

/* 2 images, 3 classes, 3×4 pixels; -1 = ignored. */
static const gint32 target[24] = {
  0, 1, 2, -1,  1, 1, 0, 2,  2, -1, 0, 1,
  1, 0, 0, 2,  -1, -1, 2, 1,  0, 2, 1, 1,
};

static PlTensor *
build_ce (PlTape *t, PlTensor **in, gpointer ud)
{
  return pl_cross_entropy (t, in[0], target, -1);
}

static PlTensor *
build_dice (PlTape *t, PlTensor **in, gpointer ud)
{
  return pl_dice_loss (t, pl_softmax (t, in[0]), target, -1);
}

static PlTensor *
build_ce_dice (PlTape *t, PlTensor **in, gpointer ud)
{
  /* The unet2d-ref loss: CE + (1 - mean Dice). */
  return pl_add (t, pl_cross_entropy (t, in[0], target, -1),
                 pl_dice_loss (t, pl_softmax (t, in[0]), target, -1));
}

static void
test_class_losses (void)
{
  const int shapes[][4] = { { 2, 3, 3, 4 } };
  GcInputs g;

  gc_inputs_init (&g, 1, shapes);
  gc_fill (&g, 0, &fill_rng, -2.0f, 2.0f, 0.0f);
  g_assert_cmpfloat (gc_check ("cross_entropy", &g, build_ce, NULL, 1e-2f, 100), <, 1e-3);
  g_assert_cmpfloat (gc_check ("dice", &g, build_dice, NULL, 1e-2f, 100), <, 2e-3);
  g_assert_cmpfloat (gc_check ("ce+dice", &g, build_ce_dice, NULL, 1e-2f, 100), <, 2e-3);
  gc_inputs_clear (&g);
}

/* Hand values: logits all zero → softmax 1/K everywhere, CE = log K; Dice for
 * class c = (2 n_c / K + ε) / (N / K + n_c + ε), N counted pixels. */
static void
test_class_losses_values (void)
{
  g_autoptr (PlTape) tape = pl_tape_new (1 << 16);
  PlTensor *z = pl_tape_zeros (tape, 2, 3, 3, 4);
  double n_c[3] = { 0 }, want = 0.0, count = 0;
  PlTensor *ce = pl_cross_entropy (tape, z, target, -1);
  PlTensor *dice = pl_dice_loss (tape, pl_softmax (tape, z), target, -1);

  g_assert_cmpfloat_with_epsilon (ce->data[0], log (3.0), 1e-6);
  for (int i = 0; i < 24; i++)
    if (target[i] >= 0)
      {
        n_c[target[i]]++;
        count++;
      }
  for (int c = 0; c < 3; c++)
    want += (2 * n_c[c] / 3 + 1e-5) / (count / 3 + n_c[c] + 1e-5);
  g_assert_cmpfloat_with_epsilon (dice->data[0], 1.0 - want / 3, 1e-6);

  /* Perfect, confident prediction: CE → 0, Dice loss → 0. */
  for (int n = 0; n < 2; n++)
    for (int p = 0; p < 12; p++)
      if (target[n * 12 + p] >= 0)
        z->data[(n * 3 + target[n * 12 + p]) * 12 + p] = 30.0f;
  ce = pl_cross_entropy (tape, z, target, -1);
  dice = pl_dice_loss (tape, pl_softmax (tape, z), target, -1);
  g_assert_cmpfloat (ce->data[0], <, 1e-6);
  g_assert_cmpfloat (fabsf (dice->data[0]), <, 1e-6);

  /* Every pixel ignored: zero loss, and backward leaves a zero gradient. */
  {
    gint32 none[24];
    PlTensor *x = pl_tape_zeros (tape, 2, 3, 3, 4), *l;
    x->flags |= PL_TENSOR_REQUIRES_GRAD;
    for (int i = 0; i < 24; i++)
      none[i] = -1;
    l = pl_cross_entropy (tape, x, none, -1);
    g_assert_cmpfloat (l->data[0], ==, 0.0f);
    g_assert_true (pl_tape_backward (tape, l, NULL, NULL));
    for (int i = 0; i < 72; i++)
      g_assert_cmpfloat (x->grad[i], ==, 0.0f);
  }
}

static PlTensor *
build_aleatoric (PlTape *t, PlTensor **in, gpointer ud)
{
  return pl_aleatoric_cross_entropy (t, in[0], in[1], target, -1, GPOINTER_TO_INT (ud), 77);
}

/* Kendall & Gal's sampled-logit loss: gradients of the logits and of
 * log σ² against central differences, for one and for several samples. */
static void
test_aleatoric_grad (void)
{
  const int shapes[][4] = { { 2, 3, 3, 4 }, { 2, 1, 3, 4 } };
  GcInputs g;

  gc_inputs_init (&g, 2, shapes);
  gc_fill (&g, 0, &fill_rng, -2.0f, 2.0f, 0.0f);
  gc_fill (&g, 1, &fill_rng, -2.0f, 1.0f, 0.0f);
  g_assert_cmpfloat (gc_check ("aleatoric_ce T=1", &g, build_aleatoric, GINT_TO_POINTER (1),
                               1e-2f, 100), <, 2e-3);
  g_assert_cmpfloat (gc_check ("aleatoric_ce T=10", &g, build_aleatoric, GINT_TO_POINTER (10),
                               1e-2f, 100), <, 2e-3);
  /* Only log σ² needs a gradient (the logits as constants). */
  g.check[0] = FALSE;
  g_assert_cmpfloat (gc_check ("aleatoric_ce log_var only", &g, build_aleatoric,
                               GINT_TO_POINTER (4), 1e-2f, 100), <, 2e-3);
  gc_inputs_clear (&g);
}

/* A tensor big enough to be split over the threads (more than 1024
 * pixels): the gradients against central differences, and the loss and
 * both gradients bit for bit the same with 1 and 2 threads. */
enum { BN = 2, BK = 3, BH = 20, BW = 30 };
static gint32 big_target[BN * BH * BW];

static PlTensor *
build_aleatoric_big (PlTape *t, PlTensor **in, gpointer ud)
{
  return pl_aleatoric_cross_entropy (t, in[0], in[1], big_target, -1, GPOINTER_TO_INT (ud), 31);
}

static void
aleatoric_big_run (GcInputs *g, int threads, float *loss, float *dx, float *ds)
{
  g_autoptr (PlTape) tape = pl_tape_new (1 << 22);
  PlTensor *x = pl_tape_wrap (tape, BN, BK, BH, BW, g->data[0], TRUE);
  PlTensor *s = pl_tape_wrap (tape, BN, 1, BH, BW, g->data[1], TRUE);
  PlTensor *l;

  pl_engine_set_threads (threads);
  l = pl_aleatoric_cross_entropy (tape, x, s, big_target, -1, 6, 31);
  g_assert_true (pl_tape_backward (tape, l, NULL, NULL));
  *loss = l->data[0];
  memcpy (dx, x->grad, sizeof (float) * BN * BK * BH * BW);
  memcpy (ds, s->grad, sizeof (float) * BN * BH * BW);
}

static void
test_aleatoric_threads (void)
{
  const int shapes[][4] = { { BN, BK, BH, BW }, { BN, 1, BH, BW } };
  float l1, l2;
  g_autofree float *dx1 = g_new (float, BN * BK * BH * BW), *dx2 = g_new (float, BN * BK * BH * BW);
  g_autofree float *ds1 = g_new (float, BN * BH * BW), *ds2 = g_new (float, BN * BH * BW);
  int before = pl_engine_get_threads ();
  GcInputs g;

  gc_inputs_init (&g, 2, shapes);
  gc_fill (&g, 0, &fill_rng, -2.0f, 2.0f, 0.0f);
  gc_fill (&g, 1, &fill_rng, -2.0f, 1.0f, 0.0f);
  pl_engine_set_threads (2);
  /* Few labelled pixels, spread over every run, so that a step of one
   * input moves the mean loss well above float rounding. */
  for (int i = 0; i < BN * BH * BW; i++)
    big_target[i] = i % 37 == 0 ? (i * 7) % BK : -1;
  g_assert_cmpfloat (gc_check ("aleatoric_ce split T=3", &g, build_aleatoric_big, GINT_TO_POINTER (3),
                               1e-2f, 400), <, 2e-3);
  for (int i = 0; i < BN * BH * BW; i++)
    big_target[i] = i % 11 == 0 ? -1 : (i * 7) % BK;
  aleatoric_big_run (&g, 1, &l1, dx1, ds1);
  aleatoric_big_run (&g, 2, &l2, dx2, ds2);
  pl_engine_set_threads (before);
  g_assert_cmpfloat (l1, ==, l2);
  g_assert_cmpmem (dx1, sizeof (float) * BN * BK * BH * BW, dx2, sizeof (float) * BN * BK * BH * BW);
  g_assert_cmpmem (ds1, sizeof (float) * BN * BH * BW, ds2, sizeof (float) * BN * BH * BW);
  gc_inputs_clear (&g);
}

/* Values: σ → 0 gives the plain cross-entropy; T = 1 is the cross-entropy
 * of x + σ ε with the loss's own noise; a large σ on a confident pixel
 * costs more than a small one; every pixel ignored gives 0. */
static void
test_aleatoric_values (void)
{
  g_autoptr (PlTape) tape = pl_tape_new (1 << 16);
  PlTensor *z = pl_tape_tensor (tape, 2, 3, 3, 4);
  PlTensor *s = pl_tape_tensor (tape, 2, 1, 3, 4);
  PlTensor *noisy = pl_tape_tensor (tape, 2, 3, 3, 4);
  double sigma = 0.7;

  for (int i = 0; i < 72; i++)
    z->data[i] = pl_rng_range (&fill_rng, -2.0f, 2.0f);
  for (int i = 0; i < 24; i++)
    s->data[i] = -40.0f;
  g_assert_cmpfloat_with_epsilon (pl_aleatoric_cross_entropy (tape, z, s, target, -1, 8, 5)->data[0],
                                  pl_cross_entropy (tape, z, target, -1)->data[0], 1e-5);
  for (int i = 0; i < 24; i++)
    s->data[i] = (float) log (sigma * sigma);
  for (int n = 0; n < 2; n++)
    for (int c = 0; c < 3; c++)
      for (int p = 0; p < 12; p++)
        noisy->data[(n * 3 + c) * 12 + p] = (float) (z->data[(n * 3 + c) * 12 + p]
                                                     + sigma * pl_aleatoric_noise (5, n * 12 + p, 0, c));
  g_assert_cmpfloat_with_epsilon (pl_aleatoric_cross_entropy (tape, z, s, target, -1, 1, 5)->data[0],
                                  pl_cross_entropy (tape, noisy, target, -1)->data[0], 1e-5);
  /* The noise is standard normal: mean ≈ 0, variance ≈ 1 over many draws. */
  {
    double m = 0.0, v = 0.0;
    const int N = 20000;
    for (int i = 0; i < N; i++)
      {
        double e = pl_aleatoric_noise (9, i, i % 7, i % 3);
        m += e;
        v += e * e;
      }
    m /= N;
    v = v / N - m * m;
    g_assert_cmpfloat (fabs (m), <, 0.03);
    g_assert_cmpfloat (fabs (v - 1.0), <, 0.05);
  }
  /* Confident and right: noise can only hurt, so the loss grows with σ. */
  {
    gint32 one[1] = { 0 };
    PlTensor *x = pl_tape_tensor (tape, 1, 2, 1, 1), *lv = pl_tape_tensor (tape, 1, 1, 1, 1);
    float lo, hi;
    x->data[0] = 4.0f;
    x->data[1] = -4.0f;
    lv->data[0] = (float) log (0.01);
    lo = pl_aleatoric_cross_entropy (tape, x, lv, one, -1, 64, 3)->data[0];
    lv->data[0] = (float) log (25.0);
    hi = pl_aleatoric_cross_entropy (tape, x, lv, one, -1, 64, 3)->data[0];
    g_assert_cmpfloat (lo, <, hi);
  }
  {
    gint32 none[24];
    for (int i = 0; i < 24; i++)
      none[i] = -1;
    g_assert_cmpfloat (pl_aleatoric_cross_entropy (tape, z, s, none, -1, 3, 1)->data[0], ==, 0.0f);
  }
}

static float bin_target[24];
static guint8 bin_mask[24];

static PlTensor *
build_bce (PlTape *t, PlTensor **in, gpointer ud)
{
  return pl_bce_with_logits (t, in[0], bin_target, bin_mask);
}

static PlTensor *
build_bdice (PlTape *t, PlTensor **in, gpointer ud)
{
  return pl_dice_loss_binary (t, pl_sigmoid (t, in[0]), bin_target, bin_mask);
}

static PlTensor *
build_regress (PlTape *t, PlTensor **in, gpointer ud)
{
  switch (GPOINTER_TO_INT (ud))
    {
    case 0: return pl_mse (t, in[0], in[1]);
    case 1: return pl_mae (t, in[0], in[1]);
    default: return pl_affine_scalar (t, pl_ssim (t, in[0], in[1], 1.0f), -1.0f, 1.0f);
    }
}

static void
test_binary_and_regression (void)
{
  const int shapes[][4] = { { 2, 1, 3, 4 } };
  const int shapes2[][4] = { { 2, 1, 3, 4 }, { 2, 1, 3, 4 } };
  const int shapes3[][4] = { { 1, 2, 13, 14 }, { 1, 2, 13, 14 } };
  GcInputs g;

  for (int i = 0; i < 24; i++)
    {
      bin_target[i] = (i * 7) % 3 == 0 ? 1.0f : (i % 5 == 0 ? 0.3f : 0.0f);
      bin_mask[i] = i % 4 != 1;
    }
  gc_inputs_init (&g, 1, shapes);
  gc_fill (&g, 0, &fill_rng, -2.0f, 2.0f, 0.0f);
  g_assert_cmpfloat (gc_check ("bce", &g, build_bce, NULL, 1e-2f, 100), <, 1e-3);
  g_assert_cmpfloat (gc_check ("dice-binary", &g, build_bdice, NULL, 1e-2f, 100), <, 2e-3);
  gc_inputs_clear (&g);

  gc_inputs_init (&g, 2, shapes2);
  gc_fill (&g, 0, &fill_rng, -1.0f, 1.0f, 0.0f);
  for (int i = 0; i < 24; i++)   /* keep |a - b| ≥ 0.05 for MAE's kink */
    g.data[1][i] = g.data[0][i] + ((i % 2) ? 0.3f : -0.2f);
  g_assert_cmpfloat (gc_check ("mse", &g, build_regress, GINT_TO_POINTER (0), 1e-2f, 100), <, 1e-3);
  g_assert_cmpfloat (gc_check ("mae", &g, build_regress, GINT_TO_POINTER (1), 1e-2f, 100), <, 1e-3);
  gc_inputs_clear (&g);

  gc_inputs_init (&g, 2, shapes3);
  gc_fill (&g, 0, &fill_rng, 0.0f, 1.0f, 0.0f);
  gc_fill (&g, 1, &fill_rng, 0.0f, 1.0f, 0.0f);
  g_assert_cmpfloat (gc_check ("ssim", &g, build_regress, GINT_TO_POINTER (2), 2e-3f, 200), <, 1e-2);
  gc_inputs_clear (&g);
}

static void
test_regression_values (void)
{
  g_autoptr (PlTape) tape = pl_tape_new (1 << 20);
  float a[4] = { 1, 2, 3, 4 }, b[4] = { 1, 0, 4, 2 };
  PlTensor *ta = pl_tape_input (tape, 1, 1, 2, 2, a, FALSE);
  PlTensor *tb = pl_tape_input (tape, 1, 1, 2, 2, b, FALSE);
  float img[16 * 16], img2[16 * 16];

  g_assert_cmpfloat_with_epsilon (pl_mse (tape, ta, tb)->data[0], 9.0 / 4, 1e-6);

  /* BCE at z = 0 is log 2 whatever the target; at z = 2, t = 1:
   * log(1 + e^-2); masked-out pixels count nowhere.  Binary Dice of a
   * perfect p = t: (2|t| + ε) / (2|t| + ε) → loss 0. */
  {
    float z[4] = { 0, 0, 2, -50 }, t[4] = { 1, 0, 1, 1 };
    guint8 m[4] = { 1, 1, 1, 0 };
    PlTensor *zt = pl_tape_input (tape, 1, 1, 2, 2, z, FALSE);
    double want = (2 * log (2.0) + log1p (exp (-2.0))) / 3;
    g_assert_cmpfloat_with_epsilon (pl_bce_with_logits (tape, zt, t, m)->data[0], want, 1e-6);
    g_assert_cmpfloat_with_epsilon (pl_dice_loss_binary (tape, pl_tape_input (tape, 1, 1, 2, 2, t, FALSE),
                                                         t, NULL)->data[0], 0.0, 1e-6);
  }
  g_assert_cmpfloat_with_epsilon (pl_mae (tape, ta, tb)->data[0], 5.0 / 4, 1e-6);

  /* SSIM of an image with itself is 1; with a constant shift s of a flat
   * image μ: ((2μ(μ+s) + C1) / (μ² + (μ+s)² + C1)). */
  for (int i = 0; i < 256; i++)
    {
      img[i] = 0.4f;
      img2[i] = 0.6f;
    }
  {
    PlTensor *x = pl_tape_input (tape, 1, 1, 16, 16, img, FALSE);
    PlTensor *y = pl_tape_input (tape, 1, 1, 16, 16, img2, FALSE);
    double c1 = 1e-4, want = (2 * 0.4 * 0.6 + c1) / (0.16 + 0.36 + c1);
    g_assert_cmpfloat_with_epsilon (pl_ssim (tape, x, x, 1.0f)->data[0], 1.0, 1e-6);
    g_assert_cmpfloat_with_epsilon (pl_ssim (tape, x, y, 1.0f)->data[0], want, 1e-5);
  }
}

static void
test_metrics (void)
{
  float a[4] = { 0.0f, 0.5f, 1.0f, 0.25f }, b[4] = { 0.0f, 0.5f, 0.5f, 0.25f };
  guint16 pred[8] = { 1, 1, 2, 2, 3, 0, 1, 2 }, truth[8] = { 1, 2, 2, 2, 3, 3, 0, 2 };
  guint16 values[4] = { 1, 2, 3, 9 };
  double dice[4], dc[3];
  gint32 pc[6] = { 0, 1, 2, 2, 1, 0 }, tc[6] = { 0, 1, 1, 2, -1, 0 };

  /* MSE = 0.0625 → PSNR = 10 log10(1 / 0.0625) */
  g_assert_cmpfloat_with_epsilon (pl_psnr (a, b, 4, 1.0), 10.0 * log10 (16.0), 1e-9);
  g_assert_true (isinf (pl_psnr (a, a, 4, 1.0)));
  /* NMSE = 0.25 / (0.25 + 0.25 + 0.0625) */
  g_assert_cmpfloat_with_epsilon (pl_nmse (a, b, 4), 0.25 / 0.5625, 1e-9);

  pl_dice_per_value (pred, truth, 8, NULL, values, 4, dice);
  g_assert_cmpfloat_with_epsilon (dice[0], 2.0 * 1 / (3 + 1), 1e-12);
  g_assert_cmpfloat_with_epsilon (dice[1], 2.0 * 3 / (3 + 4), 1e-12);
  g_assert_cmpfloat_with_epsilon (dice[2], 2.0 * 1 / (1 + 2), 1e-12);
  g_assert_true (isnan (dice[3]));

  pl_dice_per_class (pc, tc, 6, -1, 3, dc);
  g_assert_cmpfloat_with_epsilon (dc[0], 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (dc[1], 2.0 * 1 / (1 + 2), 1e-12);
  g_assert_cmpfloat_with_epsilon (dc[2], 2.0 * 1 / (2 + 1), 1e-12);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  pl_rng_init (&fill_rng, 43);
  g_test_add_func ("/loss/grad/class", test_class_losses);
  g_test_add_func ("/loss/values/class", test_class_losses_values);
  g_test_add_func ("/loss/grad/aleatoric", test_aleatoric_grad);
  g_test_add_func ("/loss/values/aleatoric", test_aleatoric_values);
  g_test_add_func ("/loss/grad/aleatoric-threads", test_aleatoric_threads);
  g_test_add_func ("/loss/grad/binary-regression-ssim", test_binary_and_regression);
  g_test_add_func ("/loss/values/regression-ssim", test_regression_values);
  g_test_add_func ("/metrics/values", test_metrics);
  return g_test_run ();
}
