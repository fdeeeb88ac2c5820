/* Radix-2 FFT and row filters (fft.h). */
#include "engine/core/fft.h"

#include <math.h>
#include <string.h>

void
pl_fft (double *re, double *im, int n, int sign)
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
pl_filter_rows (const float *in, float *out, int rows, int n, const double *response, int P)
{
  g_autofree double *re = g_new (double, P), *im = g_new (double, P);

  g_return_if_fail (P >= 2 * n && (P & (P - 1)) == 0);
  for (int r = 0; r < rows; r++)
    {
      memset (re, 0, P * sizeof (double));
      memset (im, 0, P * sizeof (double));
      for (int d = 0; d < n; d++)
        re[d] = in[(gsize) r * n + d];
      pl_fft (re, im, P, -1);
      for (int k = 0; k < P; k++)
        {
          re[k] *= response[k];
          im[k] *= response[k];
        }
      pl_fft (re, im, P, +1);
      for (int d = 0; d < n; d++)
        out[(gsize) r * n + d] = (float) (re[d] / P);
    }
}
