/* Simulated CT measurements and filtered back projection (ct.h). */
#define G_LOG_DOMAIN "pl-ct"

#include "engine/restore/ct.h"
#include "engine/restore/restore-common.h"
#include "engine/restore/dip-private.h"
#include "engine/nn/unet.h"
#include "engine/ops/loss.h"
#include "engine/core/fft.h"
#include "engine/core/rng.h"
#include "engine/ops/ops.h"

#include <math.h>
#include <string.h>

int
pl_ct_filter_from_name (const char *name)
{
  if (g_strcmp0 (name, "ramp") == 0)
    return PL_CT_FILTER_RAMP;
  if (g_strcmp0 (name, "hann") == 0)
    return PL_CT_FILTER_HANN;
  return -1;
}

const char *
pl_ct_filter_name (PlCtFilter filter)
{
  return filter == PL_CT_FILTER_HANN ? "hann" : "ramp";
}

int
pl_ct_data_term_from_name (const char *name)
{
  if (g_strcmp0 (name, "plain") == 0)
    return PL_CT_DATA_PLAIN;
  if (g_strcmp0 (name, "ramp") == 0)
    return PL_CT_DATA_RAMP;
  if (g_strcmp0 (name, "hann") == 0)
    return PL_CT_DATA_HANN;
  return -1;
}

const char *
pl_ct_data_term_name (PlCtDataTerm term)
{
  return term == PL_CT_DATA_RAMP ? "ramp" : term == PL_CT_DATA_HANN ? "hann" : "plain";
}

gboolean
pl_ct_geometry (int h, int w, PlCtGeometry *g)
{
  memset (g, 0, sizeof *g);
  if (h < 1 || w < 1 || h > 8192 || w > 8192)
    return FALSE;
  g->h = h;
  g->w = w;
  g->n = (int) ceil (MAX (h, w) * G_SQRT2);
  if ((gint64) g->n * g->n > (1 << 26))
    return FALSE;
  g->oy = (g->n - h) / 2;
  g->ox = (g->n - w) / 2;
  g->dh = h + ((g->n - h) & 1);
  g->dw = w + ((g->n - w) & 1);
  g->doy = (g->n - g->dh) / 2;
  g->dox = (g->n - g->dw) / 2;
  return TRUE;
}

void
pl_ct_measure (const float *x, int h, int w, int n_angles, int n_det, double noise, guint64 seed,
               float *y)
{
  gsize n = (gsize) n_angles * n_det;
  float mx = 0.0f;
  PlRng rng;

  pl_radon_forward_image (x, h, w, n_angles, n_det, y);
  for (gsize i = 0; i < n; i++)
    mx = MAX (mx, y[i]);
  pl_rng_init (&rng, seed);
  for (gsize i = 0; i < n; i++)
    y[i] += (float) (noise * mx * pl_rng_normal (&rng));
}

/* The band-limited ramp's response on P points (the FFT of its spatial
 * kernel, wrapped), times a Hann window when asked. */
static void
ramp_response (int P, PlCtFilter filter, double *H)
{
  g_autofree double *im = g_new0 (double, P);

  memset (H, 0, P * sizeof (double));
  for (int n = -P / 2 + 1; n < P / 2; n++)
    H[(n + P) % P] = n == 0 ? 0.25 : (n % 2) ? -1.0 / (G_PI * G_PI * n * n) : 0.0;
  pl_fft (H, im, P, -1);
  for (int k = 0; k < P; k++)
    {
      double f = (k <= P / 2 ? k : k - P) / (double) P;
      if (filter == PL_CT_FILTER_HANN)
        H[k] *= 0.5 * (1.0 + cos (2.0 * G_PI * f));
    }
}

static int
filter_length (int n_det)
{
  int P = 64;
  while (P < 2 * n_det)
    P <<= 1;
  return P;
}

void
pl_ct_fbp (const float *y, int n_angles, int n_det, PlCtFilter filter, int h, int w, float *x)
{
  int P = filter_length (n_det);
  g_autofree double *H = g_new (double, P);
  g_autofree float *q = g_new (float, (gsize) n_angles * n_det);

  ramp_response (P, filter, H);
  pl_filter_rows (y, q, n_angles, n_det, H, P);
  for (gsize i = 0; i < (gsize) n_angles * n_det; i++)
    q[i] *= (float) (G_PI / n_angles);
  memset (x, 0, (gsize) h * w * sizeof (float));
  pl_radon_adjoint_image (q, h, w, n_angles, n_det, x);
}

void
pl_ct_dip_settings_init (PlCtDipSettings *s)
{
  pl_dip_settings_init (&s->dip);
  s->dip.lr = 1e-3f;
  s->dip.skip = TRUE;
  s->dip.input_noise = 0.0f;
  s->dip.warm_iterations = 200;
  s->gamma = 1e-3;
  s->tv_eps = 1e-3f;
  s->data_term = PL_CT_DATA_PLAIN;
}

int
pl_ct_dip_warm_iterations (const PlCtDipSettings *s)
{
  return MAX (0, MIN (s->dip.warm_iterations, s->dip.max_iterations / 2));
}

/* F of PL_CT_DATA_RAMP / _HANN on P points: √max (R_k, R_1) with R the
 * ramp (times the Hann window), scaled to a mean square of 1. */
static void
ramp_weight (int P, PlCtFilter filter, double *F)
{
  double ms = 0.0;

  ramp_response (P, filter, F);
  for (int k = 0; k < P; k++)
    {
      F[k] = sqrt (MAX (F[k], F[1]));
      ms += F[k] * F[k];
    }
  ms = sqrt (ms / P);
  for (int k = 0; k < P; k++)
    F[k] /= ms;
}

typedef struct
{
  const PlRestoreWindow *win;
  const float           *y;
  int                    n_angles, n_det;
  float                  inv_scale;   /* 1 / max |y| */
  const PlCtDipSettings *s;
  const double          *weight;      /* PL_CT_DATA_RAMP: F on P points */
  int                    P;
  const float           *y_weighted;  /* F y */
  const float           *warm;        /* h × w: FBP Hann, the warm start's target */
  int                    warm_iterations;
} CtLoss;

static PlTensor *
ct_loss (PlTape *tape, PlTensor *out, int iteration, gpointer data)
{
  CtLoss *c = data;
  PlTensor *img = pl_crop (tape, out, c->win->oy, c->win->ox, c->win->h, c->win->w);

  if (iteration <= c->warm_iterations)
    return pl_mse (tape, img, pl_tape_wrap (tape, 1, 1, c->win->h, c->win->w, (float *) c->warm, FALSE));
  PlTensor *sino = pl_radon (tape, img, c->n_angles, c->n_det);
  PlTensor *meas = pl_tape_wrap (tape, 1, 1, c->n_angles, c->n_det, (float *) c->y_weighted, FALSE);

  if (c->weight)
    sino = pl_row_filter (tape, sino, c->weight, c->P);
  PlTensor *fit = pl_mse (tape, pl_affine_scalar (tape, sino, c->inv_scale, 0.0f),
                          pl_affine_scalar (tape, meas, c->inv_scale, 0.0f));
  if (c->s->gamma <= 0.0)
    return fit;
  return pl_add (tape, fit, pl_affine_scalar (tape, pl_tv (tape, img, c->s->tv_eps), (float) c->s->gamma, 0.0f));
}

PlDipResult *
pl_ct_dip_tv (const float *y, int n_angles, int n_det, int h, int w, const float *reference,
              const PlCtDipSettings *settings, PlDipStepFunc on_step, gpointer user_data,
              const PlProgress *progress, GError **error)
{
  PlUnetConfig cfg;
  PlRestoreWindow win;
  CtLoss c = { 0 };
  PlDipSettings dip;
  float mx = 0.0f;
  g_autofree double *weight = NULL;
  g_autofree float *y_weighted = NULL, *warm = NULL;

  if (n_angles < 1 || n_det < 1 || h < 1 || w < 1 || h > 8192 || w > 8192
      || !(settings->gamma >= 0.0) || !(settings->tv_eps > 0.0f)
      || (guint) settings->data_term > PL_CT_DATA_HANN)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "deep image prior reconstruction: bad sizes or TV settings");
      return NULL;
    }
  for (gsize i = 0; i < (gsize) n_angles * n_det; i++)
    mx = MAX (mx, fabsf (y[i]));
  pl_unet_config_dip (&cfg);
  pl_restore_window_init (&win, h, w, pl_unet_config_multiple (&cfg));
  c.win = &win;
  c.y = y;
  c.n_angles = n_angles;
  c.n_det = n_det;
  c.inv_scale = mx > 0.0f ? 1.0f / mx : 1.0f;
  c.s = settings;
  c.y_weighted = y;
  dip = settings->dip;
  dip.warm_iterations = pl_ct_dip_warm_iterations (settings);
  if (dip.warm_iterations > 0)
    {
      warm = g_new (float, (gsize) h * w);
      pl_ct_fbp (y, n_angles, n_det, PL_CT_FILTER_HANN, h, w, warm);
      for (gsize i = 0; i < (gsize) h * w; i++)
        warm[i] = CLAMP (warm[i], 0.0f, 1.0f);
      c.warm = warm;
    }
  if (settings->data_term != PL_CT_DATA_PLAIN)
    {
      c.P = filter_length (n_det);
      weight = g_new (double, c.P);
      ramp_weight (c.P, settings->data_term == PL_CT_DATA_HANN ? PL_CT_FILTER_HANN : PL_CT_FILTER_RAMP,
                   weight);
      y_weighted = g_new (float, (gsize) n_angles * n_det);
      pl_filter_rows (y, y_weighted, n_angles, n_det, weight, c.P);
      c.weight = weight;
      c.y_weighted = y_weighted;
    }
  c.warm_iterations = dip.warm_iterations;
  return pl_dip_run (&win, reference, &dip, ct_loss, &c, on_step, user_data, progress, error);
}
