/* Deep image prior denoising with ES-WMV early stopping (dip.h). */
#define G_LOG_DOMAIN "pl-dip"

#include "engine/restore/dip.h"
#include "engine/restore/dip-private.h"
#include "engine/restore/restore-common.h"
#include "engine/core/gemm.h"
#include "engine/core/rng.h"
#include "engine/data/metrics.h"
#include "engine/nn/unet.h"
#include "engine/ops/loss.h"
#include "engine/ops/ops.h"
#include "engine/ops/optim.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

void
pl_dip_settings_init (PlDipSettings *s)
{
  memset (s, 0, sizeof *s);
  s->max_iterations = 3000;
  s->lr = 0.01f;
  s->input_scale = 0.1f;
  s->input_noise = 1.0f / 30.0f;
  s->input_channels = 32;
  s->ema = 0.99f;
  s->early_stop = TRUE;
  s->es_window = 100;
  s->es_patience = 1000;
  s->backtrack_db = 5.0;
  s->seed = 0;
  s->metrics_every = 100;
}

gboolean
pl_dip_settings_check (const PlDipSettings *s, GError **error)
{
  const char *why = NULL;

  if (s->max_iterations < 1 || s->max_iterations > 1000000)
    why = "iterations must be 1…1000000";
  else if (!(s->lr > 0.0f && s->lr <= 1.0f))
    why = "the learning rate must be in (0, 1]";
  else if (!(s->input_scale > 0.0f && s->input_scale <= 100.0f))
    why = "the input scale must be in (0, 100]";
  else if (!(s->input_noise >= 0.0f && s->input_noise <= 100.0f))
    why = "the input perturbation must be in [0, 100]";
  else if (s->input_channels < 1 || s->input_channels > 1024)
    why = "input channels must be 1…1024";
  else if (s->skip_channels < 0 || s->skip_channels > 1024)
    why = "skip channels must be 0…1024";
  else if (!(s->ema >= 0.0f && s->ema < 1.0f))
    why = "the averaging weight must be in [0, 1)";
  else if (s->es_window < 2 || s->es_window > 10000)
    why = "the early-stopping window must be 2…10000";
  else if (s->es_patience < 1)
    why = "the patience must be at least 1";
  else if (!isfinite (s->backtrack_db))
    why = "the backtracking threshold must be finite";
  else if (s->metrics_every < 0)
    why = "metrics_every must not be negative";
  else if (s->warm_iterations < 0 || s->warm_iterations >= s->max_iterations)
    why = "the warm start must be shorter than the iterations";
  if (why)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID, "deep image prior: %s", why);
      return FALSE;
    }
  return TRUE;
}

const char *
pl_dip_stop_name (PlDipStop stop)
{
  switch (stop)
    {
    case PL_DIP_RUNNING: return "running";
    case PL_DIP_STOP_EARLY: return "es-wmv";
    case PL_DIP_STOP_MAX_ITERATIONS: return "max-iterations";
    case PL_DIP_STOP_CANCELLED: return "cancelled";
    }
  return "?";
}

void
pl_dip_result_free (PlDipResult *r)
{
  if (!r)
    return;
  g_free (r->output);
  g_free (r->output_raw);
  g_free (r->last_average);
  g_free (r);
}

/* ES-WMV's window: the last W images, their pixel sums and squared norms. */
typedef struct
{
  int     W, n, count, head;
  float  *ring;     /* W × n */
  double *sum;      /* n */
  double  sumsq;
} Window;

static void
window_init (Window *win, int W, int n)
{
  win->W = W;
  win->n = n;
  win->count = win->head = 0;
  win->ring = g_new (float, (gsize) W * n);
  win->sum = g_new0 (double, n);
  win->sumsq = 0.0;
}

/* Empties the window, keeping its memory. */
static void
window_reset (Window *win)
{
  win->count = win->head = 0;
  memset (win->sum, 0, (gsize) win->n * sizeof (double));
  win->sumsq = 0.0;
}

static void
window_clear (Window *win)
{
  g_free (win->ring);
  g_free (win->sum);
}

/* Adds x; returns the variance once the window is full, else NaN. */
static double
window_push (Window *win, const float *x)
{
  float *slot = win->ring + (gsize) win->head * win->n;
  double sq = 0.0, mean_sq = 0.0;

  if (win->count == win->W)
    for (int i = 0; i < win->n; i++)
      {
        win->sum[i] -= slot[i];
        win->sumsq -= (double) slot[i] * slot[i];
      }
  else
    win->count++;
  memcpy (slot, x, (gsize) win->n * sizeof (float));
  for (int i = 0; i < win->n; i++)
    {
      win->sum[i] += x[i];
      sq += (double) x[i] * x[i];
    }
  win->sumsq += sq;
  win->head = (win->head + 1) % win->W;
  if (win->count < win->W)
    return NAN;
  /* Recomputed from the ring now and then, so rounding cannot drift. */
  if (win->head == 0)
    {
      memset (win->sum, 0, (gsize) win->n * sizeof (double));
      win->sumsq = 0.0;
      for (int k = 0; k < win->W; k++)
        {
          const float *r = win->ring + (gsize) k * win->n;
          for (int i = 0; i < win->n; i++)
            {
              win->sum[i] += r[i];
              win->sumsq += (double) r[i] * r[i];
            }
        }
    }
  for (int i = 0; i < win->n; i++)
    {
      double m = win->sum[i] / win->W;
      mean_sq += m * m;
    }
  return MAX (0.0, (win->sumsq / win->W - mean_sq) / win->n);
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

typedef struct
{
  const float *target;   /* wh × ww */
} DenoiseLoss;

static PlTensor *
denoise_loss (PlTape *tape, PlTensor *y, int iteration, gpointer data)
{
  DenoiseLoss *d = data;
  return pl_mse (tape, y, pl_tape_wrap (tape, 1, 1, y->h, y->w, (float *) d->target, FALSE));
}

PlDipResult *
pl_dip_denoise (const float         *noisy,
                const float         *reference,
                int                  h,
                int                  w,
                const PlDipSettings *settings,
                PlDipStepFunc        on_step,
                gpointer             user_data,
                const PlProgress    *progress,
                GError             **error)
{
  PlUnetConfig cfg;
  PlRestoreWindow win;
  DenoiseLoss d;
  g_autofree float *target = NULL;
  PlDipResult *r;

  if (!pl_dip_settings_check (settings, error))
    return NULL;
  if (h < 1 || w < 1 || h > 16384 || w > 16384)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "deep image prior: an image of %d × %d cannot be denoised", h, w);
      return NULL;
    }
  pl_unet_config_dip (&cfg);
  pl_restore_window_init (&win, h, w, pl_unet_config_multiple (&cfg));
  target = g_new (float, win.size);
  pl_restore_window_pad (&win, noisy, target);
  d.target = target;
  r = pl_dip_run (&win, reference, settings, denoise_loss, &d, on_step, user_data, progress, error);
  if (r && reference)
    r->psnr_noisy = pl_psnr (noisy, reference, (gsize) h * w, 1.0);
  return r;
}

PlDipResult *
pl_dip_run (const PlRestoreWindow *window,
            const float           *reference,
            const PlDipSettings   *settings,
            PlDipLossFunc          loss_func,
            gpointer               loss_data,
            PlDipStepFunc          on_step,
            gpointer               user_data,
            const PlProgress      *progress,
            GError               **error)
{
  PlDipSettings s = *settings;
  PlUnetConfig cfg;
  g_autoptr (PlUnet) net = NULL;
  g_autoptr (PlOptimizer) opt = NULL;
  g_autoptr (PlTape) tape = NULL;
  g_autoptr (PlDipResult) r = NULL;
  g_autofree float *z = NULL, *good = NULL, *out = NULL, *avg = NULL;
  g_autofree double *times = NULL;
  PlRestoreWindow win_geom = *window;
  PlRng base, zrng, prng;
  Window win, win_avg;
  int h = window->h, w = window->w;
  gsize npix = (gsize) h * w, zn;
  double good_loss = INFINITY, t0 = g_get_monotonic_time () * 1e-6;
  double min_var = INFINITY, jump;
  int min_var_it = 0;
  gboolean cancelled = FALSE;

  if (!pl_dip_settings_check (&s, error))
    return NULL;
  pl_unet_config_dip (&cfg);
  cfg.in_channels = s.input_channels;
  cfg.skip = s.skip;
  cfg.skip_channels = s.skip ? s.skip_channels : 0;

  r = g_new0 (PlDipResult, 1);
  r->h = h;
  r->w = w;
  r->psnr = r->ssim = r->psnr_noisy = NAN;
  r->best_psnr = r->best_psnr_average = -INFINITY;
  r->min_variance = NAN;

  net = pl_unet_new (&cfg, s.seed);
  opt = pl_optimizer_new_adam (pl_unet_n_params (net), s.lr, 0.9f, 0.999f, 1e-8f);
  tape = pl_tape_new (64 << 20);

  pl_rng_init (&base, s.seed);
  pl_rng_split (&base, &zrng);
  pl_rng_split (&base, &prng);
  zn = (gsize) s.input_channels * win_geom.size;
  z = g_new (float, zn);
  for (gsize i = 0; i < zn; i++)
    z[i] = pl_rng_range (&zrng, 0.0f, s.input_scale);

  good = g_new (float, pl_unet_n_params (net));
  out = g_new (float, npix);
  avg = g_new (float, npix);
  r->output = g_new (float, npix);
  r->output_raw = g_new (float, npix);
  times = g_new (double, s.max_iterations);
  window_init (&win, s.es_window, (int) npix);
  window_init (&win_avg, s.es_window, (int) npix);
  jump = s.backtrack_db > 0.0 ? pow (10.0, s.backtrack_db / 10.0) : INFINITY;

  for (int it = 1; it <= s.max_iterations; it++)
    {
      double ts = g_get_monotonic_time () * 1e-3, loss_v, var = NAN, var_raw = NAN, var_avg = NAN;
      PlTensor *x, *y, *loss;
      PlDipStep step = { 0 };
      gboolean backtracked = FALSE;

      if (pl_progress_cancelled (progress))
        {
          cancelled = TRUE;
          break;
        }
      pl_tape_reset (tape);
      x = pl_tape_tensor (tape, 1, s.input_channels, win_geom.wh, win_geom.ww);
      pl_restore_perturb (x->data, z, zn, s.input_noise, &prng, (guint64) it);
      y = pl_unet_output (net, tape, pl_unet_forward (net, tape, x, NULL));
      loss = loss_func (tape, y, it, loss_data);
      if (it == s.warm_iterations + 1 && it > 1)
        {
          /* the warm start is over: its losses, outputs and variances are
           * not this phase's */
          good_loss = INFINITY;
          window_reset (&win);
          window_reset (&win_avg);
          min_var = INFINITY;
          min_var_it = 0;
        }
      loss_v = loss->data[0];
      pl_restore_window_crop (&win_geom, y->data, out);

      if (isfinite (good_loss) && loss_v > good_loss * jump)
        {
          /* The original code's "falling back to previous checkpoint". */
          memcpy (pl_unet_params (net), good, pl_unet_n_params (net) * sizeof (float));
          backtracked = TRUE;
          r->n_backtracks++;
        }
      else
        {
          memcpy (good, pl_unet_params (net), pl_unet_n_params (net) * sizeof (float));
          good_loss = loss_v;
          pl_unet_zero_grad (net);
          if (!pl_tape_backward (tape, loss, NULL, error))
            {
              window_clear (&win);
              window_clear (&win_avg);
              return NULL;
            }
          pl_optimizer_step (opt, pl_unet_params (net), pl_unet_grads (net));

          if (it == 1 || it == s.warm_iterations + 1)
            memcpy (avg, out, npix * sizeof (float));
          else
            for (gsize i = 0; i < npix; i++)
              avg[i] = s.ema * avg[i] + (1.0f - s.ema) * out[i];
          var_raw = window_push (&win, out);
          var_avg = window_push (&win_avg, avg);
          var = s.es_on_average ? var_avg : var_raw;
          if (!isnan (var) && var < min_var)
            {
              min_var = var;
              min_var_it = it;
              memcpy (r->output, avg, npix * sizeof (float));
              memcpy (r->output_raw, out, npix * sizeof (float));
            }
        }
      times[it - 1] = g_get_monotonic_time () * 1e-3 - ts;
      r->iterations = it;
      r->final_loss = loss_v;

      step.iteration = it;
      step.max_iterations = s.max_iterations;
      step.iteration_ms = times[it - 1];
      step.loss = loss_v;
      step.psnr = step.psnr_average = step.ssim = NAN;
      if (reference)
        {
          step.psnr = pl_psnr (out, reference, npix, 1.0);
          step.psnr_average = pl_psnr (avg, reference, npix, 1.0);
          if (!backtracked && step.psnr > r->best_psnr)
            {
              r->best_psnr = step.psnr;
              r->best_psnr_iteration = it;
            }
          if (!backtracked && step.psnr_average > r->best_psnr_average)
            {
              r->best_psnr_average = step.psnr_average;
              r->best_psnr_average_iteration = it;
            }
          if (s.metrics_every > 0 && it % s.metrics_every == 0 && h >= 11 && w >= 11)
            step.ssim = pl_ssim_value (avg, reference, 1, h, w, 1.0f);
        }
      step.variance = var;
      step.variance_raw = var_raw;
      step.variance_average = var_avg;
      step.min_variance = isfinite (min_var) ? min_var : NAN;
      step.min_variance_iteration = min_var_it;
      step.since_min = min_var_it > 0 ? it - min_var_it : 0;
      step.backtracked = backtracked;
      step.n_backtracks = r->n_backtracks;
      step.state = PL_DIP_RUNNING;
      if (s.early_stop && min_var_it > 0 && it - min_var_it >= s.es_patience)
        step.state = PL_DIP_STOP_EARLY;
      else if (it == s.max_iterations)
        step.state = PL_DIP_STOP_MAX_ITERATIONS;
      step.h = h;
      step.w = w;
      step.output = out;
      step.average = avg;
      if (on_step)
        on_step (&step, user_data);
      if (!pl_progress_report (progress, (double) it / s.max_iterations, NULL))
        {
          cancelled = TRUE;
          break;
        }
      r->stop = step.state;
      if (step.state != PL_DIP_RUNNING)
        break;
    }
  window_clear (&win);
  window_clear (&win_avg);
  if (cancelled)
    {
      pl_progress_set_cancelled_error (error);
      return NULL;
    }

  r->last_average = g_memdup2 (avg, npix * sizeof (float));
  if (s.early_stop && min_var_it > 0)
    {
      r->chosen_iteration = min_var_it;
      r->min_variance = min_var;
    }
  else
    {
      r->chosen_iteration = r->iterations;
      r->min_variance = isfinite (min_var) ? min_var : NAN;
      memcpy (r->output, avg, npix * sizeof (float));
      memcpy (r->output_raw, out, npix * sizeof (float));
    }
  if (reference)
    {
      r->psnr = pl_psnr (r->output, reference, npix, 1.0);
      if (h >= 11 && w >= 11)
        r->ssim = pl_ssim_value (r->output, reference, 1, h, w, 1.0f);
    }
  r->seconds = g_get_monotonic_time () * 1e-6 - t0;
  qsort (times, r->iterations, sizeof (double), cmp_double);
  r->ms_per_iteration = times[r->iterations / 2];
  return g_steal_pointer (&r);
}
