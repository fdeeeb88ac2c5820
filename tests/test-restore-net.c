/* Restoration networks (restore-net.h) and their losses: finite-difference
 * gradients of the perceptual (perceptual.h) and adversarial
 * (adversarial.h) losses, Noise2Noise / Noise2Clean / two acquisitions /
 * supervised training on a small phantom, the residual option, inference
 * on any slice size, determinism, the learning-rate ramp-down and the
 * settings' errors.  The accuracy
 * figures on Colin27 are pellucid-cli denoise runs (docs/restoration.md). */
#include <gio/gio.h>
#include <glib.h>
#include <math.h>
#include <string.h>

#include "engine/core/rng.h"
#include "engine/data/metrics.h"
#include "engine/nn/unet.h"
#include "engine/restore/adversarial.h"
#include "engine/restore/degrade.h"
#include "engine/restore/perceptual.h"
#include "engine/restore/restore-net.h"
#include "tests/test-op-common.h"
#include "tests/test-sanitizer.h"

#ifdef TEST_UNDER_SANITIZER
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

/* ---- gradients ----------------------------------------------------------- */

static PlUnet *feature_net;
static PlPatchDisc *disc;

static PlTensor *
build_perceptual (PlTape *t, PlTensor **in, gpointer ud)
{
  return pl_perceptual_loss (t, feature_net, GPOINTER_TO_UINT (ud), 2.0f, -0.5f, in[0], in[1]);
}

static void
test_perceptual_grad (void)
{
  const int shapes[][4] = { { 2, 1, 8, 8 }, { 2, 1, 8, 8 } };
  PlUnetConfig c = { 0 };
  GcInputs g;
  PlRng rng;

  c.in_channels = 1;
  c.n_classes = 2;
  c.depth = 2;
  c.channels[0] = 3;
  c.channels[1] = 4;
  c.skip = TRUE;
  c.upsample = PL_UPSAMPLE_CONVT;
  c.output = PL_OUTPUT_SOFTMAX;
  feature_net = pl_unet_new (&c, 7);
  pl_rng_init (&rng, 3);
  gc_inputs_init (&g, 2, shapes);
  gc_fill (&g, 0, &rng, 0.0f, 1.0f, 0.0f);
  gc_fill (&g, 1, &rng, 0.0f, 1.0f, 0.0f);
  g.check[1] = FALSE;   /* the target is a constant */
  g_assert_cmpfloat (gc_check ("perceptual-bottleneck", &g, build_perceptual,
                               GUINT_TO_POINTER (PL_PERCEPTUAL_BOTTLENECK), 1e-3f, 128), <, 2e-2);
  g_assert_cmpfloat (gc_check ("perceptual-features", &g, build_perceptual,
                               GUINT_TO_POINTER (PL_PERCEPTUAL_FEATURES), 1e-3f, 128), <, 2e-2);
  g_assert_cmpfloat (gc_check ("perceptual-both", &g, build_perceptual,
                               GUINT_TO_POINTER (PL_PERCEPTUAL_BOTTLENECK | PL_PERCEPTUAL_FEATURES),
                               1e-3f, 128), <, 2e-2);
  {
    /* the same image has no distance */
    g_autoptr (PlTape) tape = pl_tape_new (1 << 20);
    PlTensor *x = pl_tape_wrap (tape, 2, 1, 8, 8, g.data[0], FALSE);
    PlTensor *l = pl_perceptual_loss (tape, feature_net, PL_PERCEPTUAL_BOTTLENECK | PL_PERCEPTUAL_FEATURES,
                                      1.0f, 0.0f, x, x);
    g_assert_cmpfloat (fabsf (l->data[0]), <, 1e-7f);
  }
  g_assert_cmpuint (pl_perceptual_layers_from_string ("bottleneck, features"), ==,
                    PL_PERCEPTUAL_BOTTLENECK | PL_PERCEPTUAL_FEATURES);
  g_assert_cmpuint (pl_perceptual_layers_from_string ("conv9"), ==, 0);
  gc_inputs_clear (&g);
  g_clear_pointer (&feature_net, pl_unet_free);
}

static PlTensor *
build_adv (PlTape *t, PlTensor **in, gpointer ud)
{
  return pl_adversarial_loss (t, disc, in[0], GPOINTER_TO_INT (ud));
}

static double
adv_value (PlTape *tape, const float *x, gboolean real)
{
  pl_tape_reset (tape);
  return pl_adversarial_loss (tape, disc, pl_tape_wrap (tape, 2, 1, 8, 8, (float *) x, FALSE), real)->data[0];
}

static void
test_adversarial_grad (void)
{
  const int shapes[][4] = { { 2, 1, 8, 8 } };
  GcInputs g;
  PlRng rng;

  disc = pl_patch_disc_new (3, 11);
  pl_rng_init (&rng, 5);
  gc_inputs_init (&g, 1, shapes);
  gc_fill (&g, 0, &rng, 0.0f, 1.0f, 0.0f);
  g_assert_cmpfloat (gc_check ("adversarial-real", &g, build_adv, GINT_TO_POINTER (TRUE), 1e-3f, 128), <, 2e-2);
  g_assert_cmpfloat (gc_check ("adversarial-restored", &g, build_adv, GINT_TO_POINTER (FALSE), 1e-3f, 128), <, 2e-2);

  /* the discriminator's parameters: central differences on some of them */
  {
    g_autoptr (PlTape) tape = pl_tape_new (1 << 20);
    g_autoptr (GError) error = NULL;
    float *p = pl_patch_disc_params (disc);
    gsize n = pl_patch_disc_n_params (disc);
    g_autofree float *ana = NULL;
    double max_num = 0.0, max_err = 0.0;
    PlTensor *l;

    g_assert_cmpuint (n, ==, (3 * 1 * 9 + 3) + (6 * 3 * 9 + 6) + (1 * 6 * 9 + 1));
    pl_patch_disc_zero_grad (disc);
    l = pl_adversarial_loss (tape, disc, pl_tape_wrap (tape, 2, 1, 8, 8, g.data[0], FALSE), FALSE);
    g_assert_true (pl_tape_backward (tape, l, NULL, &error));
    g_assert_no_error (error);
    ana = g_memdup2 (pl_patch_disc_grads (disc), n * sizeof (float));
    pl_tape_set_grad_enabled (tape, FALSE);
    for (gsize k = 0; k < n; k += 3)
      {
        float p0 = p[k];
        double lp, lm, num;
        p[k] = p0 + 1e-3f;
        lp = adv_value (tape, g.data[0], FALSE);
        p[k] = p0 - 1e-3f;
        lm = adv_value (tape, g.data[0], FALSE);
        num = (lp - lm) / ((double) (p0 + 1e-3f) - (double) (p0 - 1e-3f));
        p[k] = p0;
        max_num = MAX (max_num, fabs (num));
        max_err = MAX (max_err, fabs (num - ana[k]));
      }
    g_test_message ("discriminator parameters: max |num| %.3g, max err %.3g", max_num, max_err);
    g_assert_cmpfloat (max_num, >, 0.0);
    g_assert_cmpfloat (max_err / max_num, <, 2e-2);
  }
  gc_inputs_clear (&g);
  g_clear_pointer (&disc, pl_patch_disc_free);
}

/* ---- training ------------------------------------------------------------ */

#define H 36
#define W 40
#define NP 4

/* NP planes of discs and bars on a ramp, in [0.1, 0.9]. */
static float *
phantom_planes (void)
{
  float *p = g_new (float, (gsize) NP * H * W);
  for (int k = 0; k < NP; k++)
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++)
        {
          double dy = y - H / 2.0 - k, dx = x - W / 2.0 + k;
          float v = 0.1f + 0.2f * x / W;
          if (dx * dx + dy * dy < 100.0)
            v = 0.7f;
          if ((x / 4) % 3 == 0 && y > 28)
            v = 0.9f;
          p[((gsize) k * H + y) * W + x] = v;
        }
  return p;
}

typedef struct
{
  int    n_steps, n_evals;
  double last_psnr, first_loss, last_loss;
} Seen;

static void
on_step (const PlRestoreNetStep *s, gpointer data)
{
  Seen *seen = data;
  g_assert_true (isfinite (s->loss));
  if (s->step == 1)
    seen->first_loss = s->loss;
  seen->last_loss = s->loss;
  seen->n_steps++;
  if (s->val_output)
    {
      seen->n_evals++;
      seen->last_psnr = s->val_psnr;
    }
}

static void
base_settings (PlRestoreNetSettings *s)
{
  pl_restore_net_settings_init (s);
  s->degrade.level = 0.1;
  s->steps = TEST_SIZE (400, 12);
  s->batch = 4;
  s->patch = 32;
  s->width = 8;
  s->depth = 2;
  s->lr = 3e-3f;
  s->eval_every = 200;
}

static double
train_psnr (PlRestoreNetSettings *s, const PlRestoreData *d, Seen *seen, float *out)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PlRestoreNet) net = pl_restore_net_train (d, s, on_step, seen, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (net);
  g_assert_cmpint (seen->n_steps, ==, s->steps);
  pl_restore_net_apply (net, d->val_input, 1, H, W, out);
  g_assert_cmpfloat (pl_restore_net_step_ms (net), >=, 0.0);
  return pl_psnr (out, d->val_reference, (gsize) H * W, 1.0);
}

static void
test_noise2noise (void)
{
  g_autofree float *clean = phantom_planes ();
  g_autofree float *val = g_memdup2 (clean + (gsize) H * W, (gsize) H * W * sizeof (float));
  g_autofree float *out = g_new (float, (gsize) H * W), *out2 = g_new (float, (gsize) H * W);
  PlRestoreNetSettings s;
  PlRestoreData d = { NP, H, W, clean, NULL, NULL, val, clean + (gsize) H * W };
  Seen a = { 0 }, b = { 0 }, c = { 0 };
  double noisy_psnr, p_n2n, p_n2c, p_again;

  base_settings (&s);
  pl_degrade_plane (val, W, H, 999, &s.degrade);
  noisy_psnr = pl_psnr (val, d.val_reference, (gsize) H * W, 1.0);
  p_n2n = train_psnr (&s, &d, &a, out);
  g_assert_cmpint (a.n_evals, ==, s.steps / 200 + (s.steps % 200 != 0));
  s.method = PL_RESTORE_N2C;
  p_n2c = train_psnr (&s, &d, &b, out2);
  g_test_message ("noisy %.2f dB, Noise2Noise %.2f dB, Noise2Clean %.2f dB after %d steps",
                  noisy_psnr, p_n2n, p_n2c, s.steps);
  /* noisy targets cost more loss (their own noise), never less */
  g_assert_cmpfloat (a.last_loss, >, b.last_loss);
  if (SANITIZED)
    return;
  g_assert_cmpfloat (p_n2n, >, noisy_psnr + 2.0);
  g_assert_cmpfloat (p_n2c, >, noisy_psnr + 2.0);
  /* the same seed gives the same network (a short run suffices) */
  s.method = PL_RESTORE_N2N;
  s.steps = 30;
  memset (&a, 0, sizeof a);
  p_n2n = train_psnr (&s, &d, &a, out);
  p_again = train_psnr (&s, &d, &c, out2);
  g_assert_cmpfloat (p_again, ==, p_n2n);
  g_assert_cmpmem (out, (gsize) H * W * sizeof (float), out2, (gsize) H * W * sizeof (float));
}

typedef struct
{
  const PlRestoreNetSettings *s;
  int                         n_steps;
} LrSeen;

static void
on_lr_step (const PlRestoreNetStep *st, gpointer data)
{
  LrSeen *seen = data;

  /* the optimiser took exactly the schedule's rate at this step */
  g_assert_cmpfloat (st->lr, ==, (float) pl_restore_net_lr (seen->s, st->step));
  seen->n_steps++;
}

static void
test_schedule (void)
{
  g_autofree float *clean = phantom_planes ();
  PlRestoreData d = { NP, H, W, clean, NULL, NULL, NULL, NULL };
  PlRestoreNetSettings s;
  g_autoptr (GError) error = NULL;
  g_autoptr (PlRestoreNet) net = NULL;
  LrSeen seen = { &s, 0 };
  double prev;

  /* the defaults: the Noise2Noise authors' ramp-down over the last 30 % of
   * the steps and Adam β2 0.99 */
  pl_restore_net_settings_init (&s);
  g_assert_cmpfloat (s.rampdown, ==, 0.3f);
  g_assert_cmpfloat (s.beta2, ==, 0.99f);
  s.steps = 100;
  s.lr = 1e-3f;
  /* constant until the ramp-down starts at 0-based step 70 (1-based 71) */
  for (int k = 1; k <= 71; k++)
    g_assert_cmpfloat (pl_restore_net_lr (&s, k), ==, s.lr);
  /* ((1 + cos π t) / 2)², t = (i − 70) / 30: a quarter of the rate half-way */
  g_assert_cmpfloat_with_epsilon (pl_restore_net_lr (&s, 86), 0.25 * s.lr, 1e-9);
  for (int k = 72; k <= 100; k++)
    {
      double t = (k - 1 - 70) / 30.0, f = (1.0 + cos (G_PI * t)) / 2.0;
      g_assert_cmpfloat_with_epsilon (pl_restore_net_lr (&s, k), s.lr * f * f, 1e-9);
    }
  /* falling, positive, and nearly 0 at the last step */
  prev = s.lr;
  for (int k = 1; k <= 100; k++)
    {
      double r = pl_restore_net_lr (&s, k);
      g_assert_cmpfloat (r, <=, prev);
      g_assert_cmpfloat (r, >, 0.0);
      prev = r;
    }
  g_assert_cmpfloat (pl_restore_net_lr (&s, 100), <, 1e-4 * s.lr);
  /* it scales with the budget: the same fraction of 1000 steps */
  s.steps = 1000;
  g_assert_cmpfloat (pl_restore_net_lr (&s, 701), ==, s.lr);
  g_assert_cmpfloat_with_epsilon (pl_restore_net_lr (&s, 851), 0.25 * s.lr, 1e-9);
  /* 0: constant; 1: falling from the first step */
  s.rampdown = 0.0f;
  g_assert_cmpfloat (pl_restore_net_lr (&s, 1000), ==, s.lr);
  s.rampdown = 1.0f;
  g_assert_cmpfloat (pl_restore_net_lr (&s, 1), ==, s.lr);
  g_assert_cmpfloat (pl_restore_net_lr (&s, 2), <, s.lr);
  g_assert_cmpfloat_with_epsilon (pl_restore_net_lr (&s, 501), 0.25 * s.lr, 1e-9);

  /* the trainer uses it, for each method alike */
  for (int m = PL_RESTORE_N2N; m <= PL_RESTORE_N2C; m++)
    {
      base_settings (&s);
      s.method = m;
      s.steps = TEST_SIZE (20, 10);
      seen.n_steps = 0;
      net = pl_restore_net_train (&d, &s, on_lr_step, &seen, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (seen.n_steps, ==, s.steps);
      g_clear_pointer (&net, pl_restore_net_free);
    }

  /* bad values are refused */
  base_settings (&s);
  s.rampdown = 1.5f;
  g_assert_false (pl_restore_net_settings_check (&s, &error));
  g_assert_nonnull (strstr (error->message, "ramp-down"));
  g_clear_error (&error);
  base_settings (&s);
  s.beta2 = 1.0f;
  g_assert_false (pl_restore_net_settings_check (&s, &error));
  g_assert_nonnull (strstr (error->message, "β2"));
  g_clear_error (&error);
}

static void
test_pair_residual (void)
{
  g_autofree float *clean = phantom_planes ();
  g_autofree float *n1 = g_memdup2 (clean, (gsize) NP * H * W * sizeof (float));
  g_autofree float *n2 = g_memdup2 (clean, (gsize) NP * H * W * sizeof (float));
  g_autofree float *out = g_new (float, (gsize) H * W);
  PlRestoreNetSettings s;
  PlRestoreData d = { NP, H, W, NULL, n1, n2, n1 + (gsize) H * W, clean + (gsize) H * W };
  PlDegradeSettings deg;
  Seen a = { 0 };
  double noisy_psnr, p;

  base_settings (&s);
  s.method = PL_RESTORE_PAIR;
  s.residual = TRUE;
  deg = s.degrade;
  for (int k = 0; k < NP; k++)
    {
      deg.seed = 1;
      pl_degrade_plane (n1 + (gsize) k * H * W, W, H, k, &deg);
      deg.seed = 2;
      pl_degrade_plane (n2 + (gsize) k * H * W, W, H, k, &deg);
    }
  noisy_psnr = pl_psnr (d.val_input, d.val_reference, (gsize) H * W, 1.0);
  p = train_psnr (&s, &d, &a, out);
  g_test_message ("two acquisitions, residual: noisy %.2f dB, restored %.2f dB", noisy_psnr, p);
  if (!(SANITIZED))
    g_assert_cmpfloat (p, >, noisy_psnr + 1.0);
}

static void
test_supervised_losses (void)
{
  g_autofree float *clean = phantom_planes ();
  g_autofree float *val = g_memdup2 (clean, (gsize) H * W * sizeof (float));
  g_autofree float *out = g_new (float, (gsize) H * W);
  PlRestoreData d = { NP, H, W, clean, NULL, NULL, val, clean };
  PlUnetConfig c;
  g_autoptr (PlUnet) seg = NULL;

  pl_unet_config_small (&c);
  c.depth = 2;
  seg = pl_unet_new (&c, 3);
  for (int l = PL_RESTORE_LOSS_MSE; l <= PL_RESTORE_LOSS_ADVERSARIAL; l++)
    {
      PlRestoreNetSettings s;
      Seen a = { 0 };
      double p, before;

      base_settings (&s);
      s.method = PL_RESTORE_SUPERVISED;
      s.loss = l;
      s.steps = TEST_SIZE (40, 4);
      s.degrade.kind = PL_DEGRADE_DOWNSAMPLE;
      s.degrade.factor = 2;
      s.feature_net = seg;
      memcpy (val, clean, (gsize) H * W * sizeof (float));
      pl_degrade_plane (val, W, H, 0, &s.degrade);
      before = pl_psnr (val, clean, (gsize) H * W, 1.0);
      p = train_psnr (&s, &d, &a, out);
      g_test_message ("supervised ×2, loss %s: input %.2f dB, restored %.2f dB, loss %.4g → %.4g",
                      pl_restore_loss_name (l), before, p, a.first_loss, a.last_loss);
      g_assert_true (isfinite (p));
      for (gsize i = 0; i < (gsize) H * W; i++)
        g_assert_true (isfinite (out[i]));
    }
}

static void
test_apply_sizes (void)
{
  g_autofree float *clean = phantom_planes ();
  g_autofree float *odd = g_new (float, 3 * 17 * 23), *out = g_new (float, 3 * 17 * 23);
  PlRestoreNetSettings s;
  PlRestoreData d = { NP, H, W, clean, NULL, NULL, NULL, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (PlRestoreNet) net = NULL;

  base_settings (&s);
  s.steps = 2;
  s.patch = 64;   /* larger than the slices: the largest that fits */
  net = pl_restore_net_train (&d, &s, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 3 * 17 * 23; i++)
    odd[i] = (i % 7) / 7.0f;
  pl_restore_net_apply (net, odd, 3, 17, 23, out);
  for (int i = 0; i < 3 * 17 * 23; i++)
    g_assert_true (isfinite (out[i]));
  /* each plane alone gives the same */
  {
    float one[17 * 23];
    pl_restore_net_apply (net, odd + 2 * 17 * 23, 1, 17, 23, one);
    g_assert_cmpmem (one, sizeof one, out + 2 * 17 * 23, sizeof one);
  }
}

static void
test_errors (void)
{
  g_autofree float *clean = phantom_planes ();
  PlRestoreData d = { NP, H, W, clean, NULL, NULL, NULL, NULL };
  PlRestoreNetSettings s;
  GError *error = NULL;

  base_settings (&s);
  s.degrade.kind = PL_DEGRADE_DOWNSAMPLE;
  g_assert_false (pl_restore_net_settings_check (&s, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID);
  g_clear_error (&error);
  base_settings (&s);
  s.method = PL_RESTORE_SUPERVISED;
  s.loss = PL_RESTORE_LOSS_PERCEPTUAL;
  g_assert_null (pl_restore_net_train (&d, &s, NULL, NULL, NULL, &error));
  g_assert_nonnull (strstr (error->message, "segmentation model"));
  g_clear_error (&error);
  base_settings (&s);
  s.loss = PL_RESTORE_LOSS_SSIM;   /* Noise2Noise trains with MSE */
  g_assert_false (pl_restore_net_settings_check (&s, &error));
  g_clear_error (&error);
  base_settings (&s);
  s.method = PL_RESTORE_PAIR;
  g_assert_null (pl_restore_net_train (&d, &s, NULL, NULL, NULL, &error));
  g_assert_nonnull (strstr (error->message, "two acquisitions"));
  g_clear_error (&error);
  base_settings (&s);
  d.h = 8;
  g_assert_null (pl_restore_net_train (&d, &s, NULL, NULL, NULL, &error));
  g_assert_nonnull (strstr (error->message, "too small"));
  g_clear_error (&error);
  g_assert_cmpint (pl_restore_method_from_name ("n2c"), ==, PL_RESTORE_N2C);
  g_assert_cmpint (pl_restore_loss_from_name ("adv"), ==, PL_RESTORE_LOSS_ADVERSARIAL);
  g_assert_cmpint (pl_restore_loss_from_name ("vgg"), ==, -1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/restore-net/grad/perceptual", test_perceptual_grad);
  g_test_add_func ("/restore-net/grad/adversarial", test_adversarial_grad);
  g_test_add_func ("/restore-net/noise2noise", test_noise2noise);
  g_test_add_func ("/restore-net/schedule", test_schedule);
  g_test_add_func ("/restore-net/pair-residual", test_pair_residual);
  g_test_add_func ("/restore-net/supervised-losses", test_supervised_losses);
  g_test_add_func ("/restore-net/apply-sizes", test_apply_sizes);
  g_test_add_func ("/restore-net/errors", test_errors);
  return g_test_run ();
}
