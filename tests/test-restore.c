/* Restoration engine: synthetic degradations (degrade.h), deep image prior
 * with ES-WMV and backtracking (dip.h), and the dip-ref network against the
 * committed PyTorch reference tests/fixtures/dip-ref.safetensors made by
 * tests/make-dip-fixture.py.  Small phantoms and few iterations throughout;
 * the accuracy figures are benchmarks (pellucid-cli bench dip-ref). */
#include <gio/gio.h>
#include <glib.h>
#include <math.h>
#include <string.h>

#include "engine/core/rng.h"
#include "engine/data/metrics.h"
#include "engine/io/safetensors.h"
#include "engine/nn/unet.h"
#include "engine/ops/loss.h"
#include "engine/ops/ops.h"
#include "engine/ops/optim.h"
#include "engine/restore/degrade.h"
#include "engine/restore/dip.h"
#include "tests/fixture.h"

/* A disc of 0.8 on 0.1 with a brighter off-centre spot: h × w. */
static float *
phantom (int h, int w)
{
  float *p = g_new (float, (gsize) h * w);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        double dy = y - h / 2.0, dx = x - w / 2.0;
        double r = MIN (h, w) * 0.35;
        float v = dx * dx + dy * dy < r * r ? 0.8f : 0.1f;
        if ((dx - 3) * (dx - 3) + (dy + 2) * (dy + 2) < r * r / 9)
          v = 0.95f;
        p[(gsize) y * w + x] = v;
      }
  return p;
}

static PlVolume *
phantom_volume (int n)
{
  gint64 dim[3] = { n, n, 6 };
  double pix[3] = { 1, 1, 1 };
  PlVolume *v = pl_volume_new (dim, pix, NULL);
  g_autofree float *p = phantom (n, n);
  for (int k = 0; k < 6; k++)
    memcpy (v->data + (gsize) k * n * n, p, (gsize) n * n * sizeof (float));
  pl_volume_update_stats (v);
  return v;
}

static void
moments (const float *a, const float *b, gsize n, double *mean, double *sd)
{
  double s = 0.0, s2 = 0.0;
  for (gsize i = 0; i < n; i++)
    {
      double d = (double) a[i] - (b ? b[i] : 0.0);
      s += d;
      s2 += d * d;
    }
  *mean = s / n;
  *sd = sqrt (MAX (0.0, s2 / n - *mean * *mean));
}

/* ---- degrade ------------------------------------------------------------ */

static void
test_degrade_gaussian (void)
{
  g_autoptr (PlVolume) v = phantom_volume (64);
  g_autoptr (PlVolume) a = NULL, b = NULL, one = NULL;
  g_autoptr (GError) error = NULL;
  PlDegradeSettings s;
  double mean, sd;
  gsize n = pl_volume_n_voxels (v);

  pl_degrade_settings_init (&s);
  g_assert_cmpint (s.kind, ==, PL_DEGRADE_GAUSSIAN);
  s.level = 0.1;
  a = pl_degrade_volume (v, &s, &error);
  g_assert_no_error (error);
  /* σ = level × max (0.95) */
  moments (a->data, v->data, n, &mean, &sd);
  g_assert_cmpfloat (fabs (mean), <, 0.003);
  g_assert_cmpfloat (fabs (sd - 0.095), <, 0.003);
  /* seeded: the same seed repeats, another differs */
  b = pl_degrade_volume (v, &s, &error);
  g_assert_cmpmem (a->data, n * sizeof (float), b->data, n * sizeof (float));
  g_clear_pointer (&b, pl_volume_free);
  s.seed = 7;
  b = pl_degrade_volume (v, &s, &error);
  g_assert_true (memcmp (a->data, b->data, n * sizeof (float)) != 0);
  /* one slice alone is that slice of the whole volume; the others untouched */
  s.seed = 0;
  s.slice = 3;
  one = pl_degrade_volume (v, &s, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (one->data + 3 * 64 * 64, 64 * 64 * sizeof (float),
                   a->data + 3 * 64 * 64, 64 * 64 * sizeof (float));
  g_assert_cmpmem (one->data, 3 * 64 * 64 * sizeof (float), v->data, 3 * 64 * 64 * sizeof (float));
}

static void
test_degrade_rician_poisson (void)
{
  const int n = 128 * 128;
  g_autofree float *zero = g_new0 (float, n), *flat = g_new (float, n);
  PlDegradeSettings s;
  double mean, sd;

  pl_degrade_settings_init (&s);
  s.scale = 1.0;
  s.level = 0.1;
  /* Rician on 0 is Rayleigh: mean σ √(π/2), sd σ √(2 − π/2) */
  s.kind = PL_DEGRADE_RICIAN;
  pl_degrade_plane (zero, 128, 128, 0, &s);
  moments (zero, NULL, n, &mean, &sd);
  g_assert_cmpfloat (fabs (mean - 0.1 * sqrt (G_PI / 2)), <, 0.003);
  g_assert_cmpfloat (fabs (sd - 0.1 * sqrt (2 - G_PI / 2)), <, 0.003);
  for (int i = 0; i < n; i++)
    g_assert_cmpfloat (zero[i], >=, 0.0f);
  /* Poisson with p = 1/level² = 100 photons at the maximum: at x = 0.25,
   * 25 photons; mean 0.25, sd √25 / 100 = 0.05 (the PTRS branch) */
  s.kind = PL_DEGRADE_POISSON;
  for (int i = 0; i < n; i++)
    flat[i] = 0.25f;
  pl_degrade_plane (flat, 128, 128, 0, &s);
  moments (flat, NULL, n, &mean, &sd);
  g_assert_cmpfloat (fabs (mean - 0.25), <, 0.002);
  g_assert_cmpfloat (fabs (sd - 0.05), <, 0.002);
  /* at x = 0.04: 4 photons (the small-mean branch), values are k / 100 */
  for (int i = 0; i < n; i++)
    flat[i] = 0.04f;
  pl_degrade_plane (flat, 128, 128, 0, &s);
  moments (flat, NULL, n, &mean, &sd);
  g_assert_cmpfloat (fabs (mean - 0.04), <, 0.001);
  g_assert_cmpfloat (fabs (sd - 0.02), <, 0.001);
  for (int i = 0; i < n; i++)
    g_assert_cmpfloat (fabsf (flat[i] * 100.0f - rintf (flat[i] * 100.0f)), <, 1e-4);
}

static void
test_degrade_downsample (void)
{
  const int h = 20, w = 24;
  g_autofree float *img = g_new (float, h * w), *flat = g_new (float, h * w);
  PlDegradeSettings s;
  double m0, m1, sd;

  pl_degrade_settings_init (&s);
  s.kind = PL_DEGRADE_DOWNSAMPLE;
  s.scale = 1.0;
  for (int f = 2; f <= 4; f += 2)
    {
      s.factor = f;
      /* a constant stays constant */
      for (int i = 0; i < h * w; i++)
        flat[i] = 0.3f;
      pl_degrade_plane (flat, w, h, 0, &s);
      for (int i = 0; i < h * w; i++)
        g_assert_cmpfloat (fabsf (flat[i] - 0.3f), <, 1e-6);
      /* a checkerboard of period 2 (all detail above the new Nyquist) is
       * averaged away; a ramp along x keeps its mean */
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          img[y * w + x] = (x + y) % 2 ? 1.0f : 0.0f;
      pl_degrade_plane (img, w, h, 0, &s);
      moments (img, NULL, h * w, &m1, &sd);
      g_assert_cmpfloat (fabs (m1 - 0.5), <, 1e-5);
      g_assert_cmpfloat (sd, <, 1e-5);
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          img[y * w + x] = x / (float) w;
      moments (img, NULL, h * w, &m0, &sd);
      pl_degrade_plane (img, w, h, 0, &s);
      moments (img, NULL, h * w, &m1, &sd);
      g_assert_cmpfloat (fabs (m1 - m0), <, 0.02);
    }
}

static void
test_degrade_errors (void)
{
  g_autoptr (PlVolume) v = phantom_volume (16);
  g_autoptr (GError) error = NULL;
  PlDegradeSettings s;

  pl_degrade_settings_init (&s);
  s.kind = PL_DEGRADE_DOWNSAMPLE;
  s.factor = 3;
  g_assert_null (pl_degrade_volume (v, &s, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "2 or 4"));
  g_clear_error (&error);
  pl_degrade_settings_init (&s);
  s.slice = 6;
  g_assert_null (pl_degrade_volume (v, &s, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID);
  g_clear_error (&error);
  pl_degrade_settings_init (&s);
  s.level = -1;
  g_assert_null (pl_degrade_volume (v, &s, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID);
  g_assert_cmpint (pl_degrade_kind_from_name ("rician"), ==, PL_DEGRADE_RICIAN);
  g_assert_cmpint (pl_degrade_kind_from_name ("speckle"), ==, -1);
  g_assert_cmpstr (pl_degrade_kind_name (PL_DEGRADE_POISSON), ==, "poisson");
}

/* ---- deep image prior --------------------------------------------------- */

typedef struct
{
  int     calls, W, backtracks;
  double  first_loss, last_good_loss, jump;
  double  max_var_err;
  gboolean es_on_average;
  float  *ring;     /* W × n outputs of non-backtracked iterations */
  int     ring_n, ring_count;
  int     last_state;
  int     cancel_after;
  gint    cancel;
} Watch;

static void
watch_step (const PlDipStep *s, gpointer data)
{
  Watch *wt = data;
  gsize n = (gsize) s->h * s->w;

  wt->calls++;
  g_assert_cmpint (s->iteration, ==, wt->calls);
  if (s->iteration == 1)
    wt->first_loss = s->loss;
  for (gsize i = 0; i < n; i++)
    {
      g_assert_true (isfinite (s->output[i]) && isfinite (s->average[i]));
      g_assert_cmpfloat (s->output[i], >=, 0.0f);
      g_assert_cmpfloat (s->output[i], <=, 1.0f);
    }
  if (s->backtracked)
    {
      /* restored only after a jump beyond the threshold */
      g_assert_cmpfloat (s->loss, >, wt->last_good_loss * wt->jump * (1 - 1e-6));
      wt->backtracks++;
    }
  else
    {
      wt->last_good_loss = s->loss;
      memcpy (wt->ring + (gsize) (wt->ring_count % wt->W) * n, s->output, n * sizeof (float));
      wt->ring_count++;
      if (wt->ring_count >= wt->W)
        {
          /* ES-WMV's variance, straight from its definition */
          double var = 0.0;
          for (gsize i = 0; i < n; i++)
            {
              double m = 0.0, v = 0.0;
              for (int k = 0; k < wt->W; k++)
                m += wt->ring[(gsize) k * n + i];
              m /= wt->W;
              for (int k = 0; k < wt->W; k++)
                {
                  double d = wt->ring[(gsize) k * n + i] - m;
                  v += d * d;
                }
              var += v / wt->W;
            }
          var /= n;
          g_assert_false (isnan (s->variance_raw));
          wt->max_var_err = MAX (wt->max_var_err, fabs (var - s->variance_raw) / MAX (var, 1e-12));
          /* the rule follows the raw outputs' variance unless es_on_average */
          g_assert_false (isnan (s->variance_average));
          g_assert_cmpfloat (s->variance, ==, wt->es_on_average ? s->variance_average : s->variance_raw);
        }
      else
        g_assert_true (isnan (s->variance) && isnan (s->variance_raw));
    }
  g_assert_cmpint (s->n_backtracks, ==, wt->backtracks);
  wt->last_state = s->state;
  if (wt->cancel_after && s->iteration == wt->cancel_after)
    g_atomic_int_set (&wt->cancel, 1);
}

static PlDipResult *
run_dip (int h, int w, PlDipSettings *s, Watch *wt, const PlProgress *progress, GError **error)
{
  g_autofree float *clean = phantom (h, w);
  g_autofree float *noisy = g_memdup2 (clean, (gsize) h * w * sizeof (float));
  PlDegradeSettings ds;
  PlDipResult *r;

  pl_degrade_settings_init (&ds);
  ds.scale = 1.0;
  ds.level = 0.1;
  pl_degrade_plane (noisy, w, h, 0, &ds);
  wt->W = s->es_window;
  wt->es_on_average = s->es_on_average;
  wt->ring_n = h * w;
  wt->ring = g_new (float, (gsize) s->es_window * h * w);
  wt->jump = s->backtrack_db > 0 ? pow (10.0, s->backtrack_db / 10.0) : INFINITY;
  r = pl_dip_denoise (noisy, clean, h, w, s, watch_step, wt, progress, error);
  g_free (wt->ring);
  return r;
}

static void
test_dip_early_stop (void)
{
  PlDipSettings s;
  Watch wt = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (PlDipResult) r = NULL;

  pl_dip_settings_init (&s);
  g_assert_cmpfloat (s.lr, ==, 0.01f);
  g_assert_cmpfloat (s.ema, ==, 0.99f);
  g_assert_cmpint (s.es_window, ==, 100);
  s.max_iterations = 40;
  s.es_window = 4;
  s.es_patience = 3;
  s.metrics_every = 10;
  r = run_dip (32, 32, &s, &wt, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (r);
  g_assert_cmpint (wt.calls, ==, r->iterations);
  g_assert_cmpfloat (wt.max_var_err, <, 1e-4);
  g_assert_cmpfloat (r->final_loss, <, wt.first_loss);
  g_assert_cmpint (r->chosen_iteration, >=, s.es_window);
  g_assert_cmpint (r->chosen_iteration, <=, r->iterations);
  g_assert_cmpint (wt.last_state, ==, r->stop);
  if (r->stop == PL_DIP_STOP_EARLY)
    g_assert_cmpint (r->iterations - r->chosen_iteration, ==, s.es_patience);
  else
    g_assert_cmpint (r->stop, ==, PL_DIP_STOP_MAX_ITERATIONS);
  g_assert_true (isfinite (r->min_variance));
  g_assert_true (isfinite (r->psnr) && isfinite (r->ssim) && isfinite (r->psnr_noisy));
  g_assert_cmpfloat (r->ms_per_iteration, >, 0.0);
  g_test_message ("stopped by %s at %d, chosen %d, PSNR %.2f (noisy %.2f)",
                  pl_dip_stop_name (r->stop), r->iterations, r->chosen_iteration, r->psnr, r->psnr_noisy);
}

static void
test_dip_padding_no_es (void)
{
  PlDipSettings s;
  Watch wt = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (PlDipResult) r = NULL;

  /* 30 × 21 is padded by reflection to 32 × 32 and cropped back; without
   * early stopping the last averaged output is the result */
  pl_dip_settings_init (&s);
  s.max_iterations = 12;
  s.es_window = 3;
  s.early_stop = FALSE;
  /* the variant that follows the averaged outputs' variance (watch_step
   * checks the reported variance is that one) */
  s.es_on_average = TRUE;
  r = run_dip (30, 21, &s, &wt, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r->h, ==, 30);
  g_assert_cmpint (r->w, ==, 21);
  g_assert_cmpint (r->iterations, ==, 12);
  g_assert_cmpint (r->stop, ==, PL_DIP_STOP_MAX_ITERATIONS);
  g_assert_cmpint (r->chosen_iteration, ==, 12);
  g_assert_cmpmem (r->output, 30 * 21 * sizeof (float), r->last_average, 30 * 21 * sizeof (float));
}

static void
test_dip_backtrack (void)
{
  PlDipSettings s;
  Watch wt = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (PlDipResult) r = NULL;

  /* A threshold of 0.05 dB: every loss rise of more than 1.2 % restores
   * the last good parameters (checked in watch_step), and at lr 0.05 the
   * loss does rise now and then. */
  pl_dip_settings_init (&s);
  s.max_iterations = 30;
  s.lr = 0.05f;
  s.es_window = 3;
  s.early_stop = FALSE;
  s.backtrack_db = 0.05;
  r = run_dip (32, 32, &s, &wt, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("%d backtracks", r->n_backtracks);
  g_assert_cmpint (r->n_backtracks, >, 0);
  g_assert_cmpint (r->n_backtracks, ==, wt.backtracks);
}

static void
test_dip_cancel_and_errors (void)
{
  PlDipSettings s;
  Watch wt = { 0 };
  g_autoptr (GError) error = NULL;
  PlProgress progress = { NULL, NULL, NULL };
  float img[16] = { 0 };

  pl_dip_settings_init (&s);
  s.max_iterations = 50;
  wt.cancel_after = 2;
  progress.cancel = &wt.cancel;
  g_assert_null (run_dip (16, 16, &s, &wt, &progress, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (wt.calls, ==, 2);
  g_clear_error (&error);

  s.es_window = 1;
  g_assert_null (pl_dip_denoise (img, NULL, 4, 4, &s, NULL, NULL, NULL, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID);
  g_clear_error (&error);
  pl_dip_settings_init (&s);
  g_assert_null (pl_dip_denoise (img, NULL, 0, 4, &s, NULL, NULL, NULL, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID);
  g_assert_cmpstr (pl_dip_stop_name (PL_DIP_STOP_EARLY), ==, "es-wmv");
}

/* ---- dip-ref against PyTorch -------------------------------------------- */

/* The fixture's tensors are those of pl_unet_init (seed 0) on dip-ref and an
 * input drawn from seed 1.  Tolerances are those of tests/test-unet.c
 * loosened for a network of 18 batch norms, the deepest over 2 × 2 pixels
 * (it divides by a small spread, so float32 rounding in a different order
 * grows): outputs 1e-4 relative; gradients 5e-4 of the tensor's largest
 * |gradient| (floor 1e-3 for the convolution biases before batch norm,
 * whose true gradient is 0);
 * after Adam 1e-6, or 2·lr where the gradient is below 1e-3 of the largest
 * (Adam's first step is lr·sign(g) and may flip on rounding). */
static void
test_dip_reference (void)
{
  PlUnetConfig cfg;
  g_autoptr (PlUnet) u = NULL;
  g_autoptr (PlTape) tape = pl_tape_new (16 << 20);
  g_autoptr (PlOptimizer) opt = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree float *z = g_new (float, 32 * 32 * 32), *target = g_new (float, 32 * 32);
  g_autofree float *want = NULL, *loss_want = NULL;
  gsize ny;
  PlRng rng;
  PlTensor *x, *y, *loss;
  const float lr = 0.01f;

  if (!fixture)
    {
      g_test_skip ("tests/fixtures/dip-ref.safetensors missing");
      return;
    }
  pl_unet_config_dip (&cfg);
  u = pl_unet_new (&cfg, 0);
  pl_rng_init (&rng, 1);
  for (int i = 0; i < 32 * 32 * 32; i++)
    z[i] = pl_rng_range (&rng, 0.0f, 0.1f);
  for (int i = 0; i < 32 * 32; i++)
    target[i] = pl_rng_uniform (&rng);

  want = get ("output", &ny);
  loss_want = get ("loss", NULL);
  x = pl_tape_input (tape, 1, 32, 32, 32, z, FALSE);
  y = pl_unet_output (u, tape, pl_unet_forward (u, tape, x, NULL));
  g_assert_cmpuint (pl_tensor_numel (y), ==, ny);
  {
    double e = 0.0;
    for (gsize i = 0; i < ny; i++)
      e = MAX (e, fabs ((double) y->data[i] - want[i]));
    g_test_message ("output max err %.3g", e);
    g_assert_cmpfloat (e / max_abs (want, ny), <, 1e-4);
  }
  loss = pl_mse (tape, y, pl_tape_input (tape, 1, 1, 32, 32, target, FALSE));
  g_test_message ("loss %.7f, reference %.7f", loss->data[0], loss_want[0]);
  g_assert_cmpfloat (fabs (loss->data[0] - loss_want[0]), <, 1e-5 * loss_want[0]);
  pl_unet_zero_grad (u);
  g_assert_true (pl_tape_backward (tape, loss, NULL, &error));
  g_assert_no_error (error);
  opt = pl_optimizer_new_adam (pl_unet_n_params (u), lr, 0.9f, 0.999f, 1e-8f);

  /* every tensor's gradient: sum and sum of squares */
  for (guint i = 0; i < pl_unet_n_tensors (u); i++)
    {
      const PlUnetParam *p = pl_unet_tensor_info (u, i);
      g_autofree char *name = g_strdup_printf ("gradstat.%s", p->name);
      g_autofree float *st = get (name, NULL);
      g_autofree float *g = g_new (float, p->numel);
      double s = 0.0, s2 = 0.0, floor;
      gboolean before_bn = g_str_has_suffix (p->name, ".bias") && !g_str_has_prefix (p->name, "head")
                           && !g_str_has_prefix (p->name, "norms");

      pl_unet_param_export (u, i, g, TRUE);
      for (gsize k = 0; k < p->numel; k++)
        {
          s += g[k];
          s2 += (double) g[k] * g[k];
        }
      floor = before_bn ? 1e-3 : 0.0;
      g_test_message ("%s: sum %.4g (%.4g)  sumsq %.4g (%.4g)", p->name, s, st[0], s2, st[1]);
      g_assert_cmpfloat (fabs (sqrt (s2) - sqrt (st[1])), <=, 5e-4 * sqrt (st[1]) + floor);
      g_assert_cmpfloat (fabs (s - st[0]), <=, 5e-4 * sqrt (st[1] * p->numel) + floor * p->numel);
    }
  pl_optimizer_step (opt, pl_unet_params (u), pl_unet_grads (u));
  for (guint i = 0; i < pl_unet_n_tensors (u); i++)
    {
      const PlUnetParam *p = pl_unet_tensor_info (u, i);
      g_autofree char *gname = g_strdup_printf ("grad.%s", p->name);
      g_autofree char *aname = g_strdup_printf ("adam.%s", p->name);
      g_autofree float *gwant = NULL, *awant = NULL, *ggot = NULL, *agot = NULL;
      double gmax, e = 0.0;

      if (!pl_safetensors_lookup (fixture, gname))
        continue;
      gwant = get (gname, NULL);
      awant = get (aname, NULL);
      ggot = g_new (float, p->numel);
      agot = g_new (float, p->numel);
      pl_unet_param_export (u, i, ggot, TRUE);
      pl_unet_param_export (u, i, agot, FALSE);
      gmax = MAX (max_abs (gwant, p->numel), 1e-3);
      for (gsize k = 0; k < p->numel; k++)
        {
          double tol = fabs (gwant[k]) < 1e-3 * gmax ? 2.0 * lr + 1e-6 : 1e-6;
          e = MAX (e, fabs ((double) ggot[k] - gwant[k]));
          g_assert_cmpfloat (fabs ((double) agot[k] - awant[k]), <=, tol);
        }
      g_test_message ("%s: grad max err %.3g of %.3g", p->name, e, gmax);
      g_assert_cmpfloat (e / gmax, <, 5e-4);
    }
}

int
main (int argc, char **argv)
{
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  path = g_test_build_filename (G_TEST_DIST, "fixtures", "dip-ref.safetensors", NULL);
  fixture = pl_safetensors_load (path, &error);
  if (!fixture)
    g_printerr ("# %s\n", error->message);
  g_test_add_func ("/degrade/gaussian", test_degrade_gaussian);
  g_test_add_func ("/degrade/rician-poisson", test_degrade_rician_poisson);
  g_test_add_func ("/degrade/downsample", test_degrade_downsample);
  g_test_add_func ("/degrade/errors", test_degrade_errors);
  g_test_add_func ("/dip/early-stop", test_dip_early_stop);
  g_test_add_func ("/dip/padding", test_dip_padding_no_es);
  g_test_add_func ("/dip/backtrack", test_dip_backtrack);
  g_test_add_func ("/dip/cancel-errors", test_dip_cancel_and_errors);
  g_test_add_func ("/dip/reference", test_dip_reference);
  ret = g_test_run ();
  if (fixture)
    pl_safetensors_free (fixture);
  return ret;
}
