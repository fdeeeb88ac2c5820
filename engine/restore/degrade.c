/* Synthetic noise and resolution loss (degrade.h). */
#define G_LOG_DOMAIN "pl-degrade"

#include "engine/restore/degrade.h"
#include "engine/core/rng.h"

#include <math.h>
#include <string.h>

static const char *const kind_names[] = { "gaussian", "rician", "poisson", "downsample" };

void
pl_degrade_settings_init (PlDegradeSettings *s)
{
  memset (s, 0, sizeof *s);
  s->kind = PL_DEGRADE_GAUSSIAN;
  s->level = 25.0 / 255.0;
  s->factor = 2;
  s->scale = 0.0;
  s->seed = 0;
  s->axis = -1;
  s->slice = -1;
}

const char *
pl_degrade_kind_name (PlDegradeKind kind)
{
  if ((int) kind < 0 || kind >= G_N_ELEMENTS (kind_names))
    return NULL;
  return kind_names[kind];
}

int
pl_degrade_kind_from_name (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (kind_names); i++)
    if (g_strcmp0 (name, kind_names[i]) == 0)
      return (int) i;
  return -1;
}

gboolean
pl_degrade_settings_check (const PlDegradeSettings *s, GError **error)
{
  const char *why = NULL;

  if ((int) s->kind < 0 || s->kind > PL_DEGRADE_DOWNSAMPLE)
    why = "unknown degradation";
  else if (s->kind == PL_DEGRADE_DOWNSAMPLE && s->factor != 2 && s->factor != 4)
    why = "the downsampling factor must be 2 or 4";
  else if (s->kind != PL_DEGRADE_DOWNSAMPLE && !(s->level > 0.0 && s->level <= 10.0))
    why = "the noise level must be in (0, 10]";
  else if (!isfinite (s->scale))
    why = "the intensity scale must be finite";
  if (why)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID, "cannot degrade: %s", why);
      return FALSE;
    }
  return TRUE;
}

static void
plane_rng (PlRng *rng, guint64 seed, gint64 plane)
{
  PlRng base;
  pl_rng_init (&base, seed);
  pl_rng_init (rng, pl_rng_next (&base) ^ ((guint64) (plane + 1) * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15)));
}

/* Poisson variate: multiplication method for small means, else the
 * transformed rejection PTRS of Hörmann (1993, "The transformed rejection
 * method for generating Poisson random variables"), from the paper. */
static double
poisson (PlRng *rng, double lam)
{
  if (lam <= 0.0)
    return 0.0;
  if (lam < 10.0)
    {
      double l = exp (-lam), p = 1.0;
      int k = 0;
      do
        {
          k++;
          p *= pl_rng_uniform_double (rng);
        }
      while (p > l);
      return k - 1;
    }
  {
    double slam = sqrt (lam), loglam = log (lam);
    double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
    double inv_alpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2.0);
    for (;;)
      {
        double u = pl_rng_uniform_double (rng) - 0.5, v = pl_rng_uniform_double (rng);
        double us = 0.5 - fabs (u);
        double k = floor ((2.0 * a / us + b) * u + lam + 0.43);
        if (us >= 0.07 && v <= vr)
          return k;
        if (k < 0.0 || (us < 0.013 && v > us))
          continue;
        if (log (v) + log (inv_alpha) - log (a / (us * us) + b)
            <= -lam + k * loglam - lgamma (k + 1.0))
          return k;
      }
  }
}

/* Output pixel o of an ×f bilinear upsampling of n_in samples (align_corners
 * false): source (o + 0.5) / f − 0.5, clamped to the samples. */
static void
up_axis (int n_in, int f, int o, int *i0, int *i1, float *t)
{
  float s = (o + 0.5f) / f - 0.5f;
  int a;
  if (s < 0.0f)
    s = 0.0f;
  a = (int) s;
  if (a >= n_in - 1)
    {
      *i0 = *i1 = n_in - 1;
      *t = 0.0f;
      return;
    }
  *i0 = a;
  *i1 = a + 1;
  *t = s - a;
}

static void
downsample_plane (float *data, int w, int h, int f)
{
  int lw = (w + f - 1) / f, lh = (h + f - 1) / f;
  g_autofree float *low = g_new0 (float, (gsize) lw * lh);

  for (int by = 0; by < lh; by++)
    for (int bx = 0; bx < lw; bx++)
      {
        double s = 0.0;
        int n = 0;
        for (int y = by * f; y < MIN (h, by * f + f); y++)
          for (int x = bx * f; x < MIN (w, bx * f + f); x++, n++)
            s += data[(gsize) y * w + x];
        low[(gsize) by * lw + bx] = (float) (s / n);
      }
  for (int y = 0; y < h; y++)
    {
      int r0, r1;
      float ty;
      up_axis (lh, f, y, &r0, &r1, &ty);
      for (int x = 0; x < w; x++)
        {
          int c0, c1;
          float tx;
          up_axis (lw, f, x, &c0, &c1, &tx);
          data[(gsize) y * w + x] =
            (1.0f - ty) * ((1.0f - tx) * low[(gsize) r0 * lw + c0] + tx * low[(gsize) r0 * lw + c1])
            + ty * ((1.0f - tx) * low[(gsize) r1 * lw + c0] + tx * low[(gsize) r1 * lw + c1]);
        }
    }
}

void
pl_degrade_plane (float *data, int w, int h, gint64 plane, const PlDegradeSettings *s)
{
  gsize n = (gsize) w * h;
  double sigma = s->level * s->scale;
  PlRng rng;

  g_return_if_fail (s->scale > 0.0);
  plane_rng (&rng, s->seed, plane);
  switch (s->kind)
    {
    case PL_DEGRADE_GAUSSIAN:
      for (gsize i = 0; i < n; i++)
        data[i] = (float) (data[i] + sigma * pl_rng_normal (&rng));
      break;
    case PL_DEGRADE_RICIAN:
      for (gsize i = 0; i < n; i++)
        {
          double re = data[i] + sigma * pl_rng_normal (&rng);
          double im = sigma * pl_rng_normal (&rng);
          data[i] = (float) hypot (re, im);
        }
      break;
    case PL_DEGRADE_POISSON:
      {
        double photons = 1.0 / (s->level * s->level);
        for (gsize i = 0; i < n; i++)
          {
            double x = data[i] > 0.0f ? data[i] : 0.0;
            data[i] = (float) (poisson (&rng, photons * x / s->scale) * s->scale / photons);
          }
      }
      break;
    case PL_DEGRADE_DOWNSAMPLE:
      downsample_plane (data, w, h, s->factor);
      break;
    }
}

PlVolume *
pl_degrade_volume (const PlVolume *clean, const PlDegradeSettings *settings, GError **error)
{
  PlDegradeSettings s = *settings;
  const char *name = clean->path ? clean->path : "the volume";
  g_autoptr (PlVolume) out = NULL;
  g_autofree float *buf = NULL;
  int axis, h, w;
  gint64 d;

  if (!pl_degrade_settings_check (&s, error))
    return NULL;
  axis = s.axis < 0 ? pl_volume_axial_axis (clean) : s.axis;
  if (axis > 2)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID, "cannot degrade %s: no axis %d", name, axis);
      return NULL;
    }
  d = clean->dim[axis];
  if (s.slice >= d)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "cannot degrade %s: slice %" G_GINT64_FORMAT " is outside 0…%" G_GINT64_FORMAT,
                   name, s.slice, d - 1);
      return NULL;
    }
  if (s.scale <= 0.0)
    s.scale = clean->max;
  if (!(s.scale > 0.0))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "cannot degrade %s: its maximum intensity is not positive; give a scale", name);
      return NULL;
    }
  pl_slice_dims (clean->dim, axis, &h, &w);
  out = pl_volume_copy (clean);
  buf = g_new (float, (gsize) h * w);
  for (gint64 k = 0; k < d; k++)
    if (s.slice < 0 || k == s.slice)
      {
        gsize sh, sw, off;
        pl_volume_get_slice (clean, axis, k, buf);
        pl_degrade_plane (buf, w, h, k, &s);
        pl_slice_strides (clean->dim, axis, k, &sh, &sw, &off);
        for (int y = 0; y < h; y++)
          for (int x = 0; x < w; x++)
            out->data[off + y * sh + x * sw] = buf[(gsize) y * w + x];
      }
  pl_volume_update_stats (out);
  return g_steal_pointer (&out);
}
