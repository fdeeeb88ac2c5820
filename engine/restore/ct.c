/* Simulated CT measurements and filtered back projection (ct.h). */
#define G_LOG_DOMAIN "pl-ct"

#include "engine/restore/ct.h"
#include "engine/restore/restore-common.h"
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

/* In-place radix-2 complex FFT (n a power of 2), sign −1 forward, +1 inverse
 * (unnormalised). */
static void
fft (double *re, double *im, int n, int sign)
{
  for (int i = 1, j = 0; i < n; i++)
    {
      int bit = n >> 1;
      for (; j & bit; bit >>= 1)
        j ^= bit;
      j ^= bit;
      if (i < j)
        {
          double t = re[i]; re[i] = re[j]; re[j] = t;
          t = im[i]; im[i] = im[j]; im[j] = t;
        }
    }
  for (int len = 2; len <= n; len <<= 1)
    {
      double ang = sign * 2.0 * G_PI / len;
      for (int i = 0; i < n; i += len)
        for (int k = 0; k < len / 2; k++)
          {
            double wr = cos (ang * k), wi = sin (ang * k);
            double ur = re[i + k], ui = im[i + k];
            double vr = re[i + k + len / 2] * wr - im[i + k + len / 2] * wi;
            double vi = re[i + k + len / 2] * wi + im[i + k + len / 2] * wr;
            re[i + k] = ur + vr;
            im[i + k] = ui + vi;
            re[i + k + len / 2] = ur - vr;
            im[i + k + len / 2] = ui - vi;
          }
    }
}

void
pl_ct_fbp (const float *y, int n_angles, int n_det, PlCtFilter filter, int h, int w, float *x)
{
  int P = 64;
  g_autofree double *H = NULL, *re = NULL, *im = NULL;
  g_autofree float *q = g_new (float, (gsize) n_angles * n_det);

  while (P < 2 * n_det)
    P <<= 1;
  H = g_new0 (double, P);
  re = g_new0 (double, P);
  im = g_new0 (double, P);
  /* the filter's response: FFT of the spatial ramp kernel, wrapped */
  for (int n = -P / 2 + 1; n < P / 2; n++)
    {
      double v = n == 0 ? 0.25 : (n % 2) ? -1.0 / (G_PI * G_PI * n * n) : 0.0;
      re[(n + P) % P] = v;
    }
  fft (re, im, P, -1);
  for (int k = 0; k < P; k++)
    {
      double f = (k <= P / 2 ? k : k - P) / (double) P;
      H[k] = re[k] * (filter == PL_CT_FILTER_HANN ? 0.5 * (1.0 + cos (2.0 * G_PI * f)) : 1.0);
    }
  for (int a = 0; a < n_angles; a++)
    {
      memset (re, 0, P * sizeof (double));
      memset (im, 0, P * sizeof (double));
      for (int d = 0; d < n_det; d++)
        re[d] = y[(gsize) a * n_det + d];
      fft (re, im, P, -1);
      for (int k = 0; k < P; k++)
        {
          re[k] *= H[k];
          im[k] *= H[k];
        }
      fft (re, im, P, +1);
      for (int d = 0; d < n_det; d++)
        q[(gsize) a * n_det + d] = (float) (re[d] / P * G_PI / n_angles);
    }
  memset (x, 0, (gsize) h * w * sizeof (float));
  pl_radon_adjoint_image (q, h, w, n_angles, n_det, x);
}
