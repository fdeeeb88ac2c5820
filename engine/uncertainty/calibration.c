/* Expected calibration error, reliability bins, temperature scaling
 * (calibration.h). */
#define G_LOG_DOMAIN "pl-uncertainty"

#include "engine/uncertainty/calibration.h"

#include <math.h>

#define MAX_CLASSES 4096

PlReliability *
pl_reliability_new (int n_bins)
{
  PlReliability *r;

  g_return_val_if_fail (n_bins >= 1, NULL);
  r = g_new0 (PlReliability, 1);
  r->n_bins = n_bins;
  r->count = g_new0 (gint64, n_bins);
  r->sum_conf = g_new0 (double, n_bins);
  r->sum_right = g_new0 (double, n_bins);
  return r;
}

void
pl_reliability_free (PlReliability *r)
{
  if (!r)
    return;
  g_free (r->count);
  g_free (r->sum_conf);
  g_free (r->sum_right);
  g_free (r);
}

void
pl_temper (const float *p, int K, gsize stride, double T, double *q)
{
  double mx = -INFINITY, sum = 0.0;

  /* softmax(log p / T), shifted by the largest log for range. */
  for (int c = 0; c < K; c++)
    {
      q[c] = log (MAX ((double) p[c * stride], 1e-12)) / T;
      mx = MAX (mx, q[c]);
    }
  for (int c = 0; c < K; c++)
    sum += q[c] = exp (q[c] - mx);
  for (int c = 0; c < K; c++)
    q[c] /= sum;
}

void
pl_reliability_add (PlReliability *r, const float *probs, int K, gsize stride, gsize n,
                    const gint32 *truth, const guint8 *mask, double T)
{
  double q[MAX_CLASSES];

  g_return_if_fail (K >= 1 && K <= MAX_CLASSES && T > 0.0);
  for (gsize i = 0; i < n; i++)
    {
      int best = 0, b;
      double conf;
      if (truth[i] < 0 || (mask && !mask[i]))
        continue;
      if (T != 1.0)
        pl_temper (probs + i, K, stride, T, q);
      else
        for (int c = 0; c < K; c++)
          q[c] = probs[i + c * stride];
      for (int c = 1; c < K; c++)
        if (q[c] > q[best])
          best = c;
      conf = q[best];
      /* (b/B, (b+1)/B], the first bin closed at 0. */
      b = (int) ceil (conf * r->n_bins) - 1;
      b = CLAMP (b, 0, r->n_bins - 1);
      r->count[b]++;
      r->sum_conf[b] += conf;
      r->sum_right[b] += best == truth[i];
    }
}

gint64
pl_reliability_total (const PlReliability *r)
{
  gint64 n = 0;
  for (int b = 0; b < r->n_bins; b++)
    n += r->count[b];
  return n;
}

double
pl_reliability_accuracy (const PlReliability *r)
{
  double right = 0.0;
  gint64 n = pl_reliability_total (r);
  for (int b = 0; b < r->n_bins; b++)
    right += r->sum_right[b];
  return n ? right / n : NAN;
}

double
pl_reliability_ece (const PlReliability *r)
{
  gint64 n = pl_reliability_total (r);
  double e = 0.0;

  if (n == 0)
    return NAN;
  for (int b = 0; b < r->n_bins; b++)
    if (r->count[b])
      e += fabs (r->sum_right[b] - r->sum_conf[b]) / n;
  return e;
}

void
pl_reliability_bin (const PlReliability *r, int b, double *lo, double *hi, gint64 *count,
                    double *confidence, double *accuracy)
{
  g_return_if_fail (b >= 0 && b < r->n_bins);
  if (lo)
    *lo = (double) b / r->n_bins;
  if (hi)
    *hi = (double) (b + 1) / r->n_bins;
  if (count)
    *count = r->count[b];
  if (confidence)
    *confidence = r->count[b] ? r->sum_conf[b] / r->count[b] : NAN;
  if (accuracy)
    *accuracy = r->count[b] ? r->sum_right[b] / r->count[b] : NAN;
}

double
pl_temperature_nll (const float *probs, int K, gsize stride, gsize n, const gint32 *truth,
                    const guint8 *mask, double T)
{
  double q[MAX_CLASSES], sum = 0.0;
  gsize m = 0;

  g_return_val_if_fail (K >= 1 && K <= MAX_CLASSES && T > 0.0, NAN);
  for (gsize i = 0; i < n; i++)
    {
      if (truth[i] < 0 || truth[i] >= K || (mask && !mask[i]))
        continue;
      pl_temper (probs + i, K, stride, T, q);
      sum -= log (MAX (q[truth[i]], 1e-12));
      m++;
    }
  return m ? sum / m : NAN;
}

double
pl_temperature_fit (const float *probs, int K, gsize stride, gsize n, const gint32 *truth,
                    const guint8 *mask)
{
  /* Golden-section search on β = 1/T ∈ [1/20, 1/0.05]. */
  const double g = (sqrt (5.0) - 1.0) / 2.0;
  double a = 1.0 / 20.0, b = 1.0 / 0.05;
  double c = b - g * (b - a), d = a + g * (b - a);
  double fc = pl_temperature_nll (probs, K, stride, n, truth, mask, 1.0 / c);
  double fd = pl_temperature_nll (probs, K, stride, n, truth, mask, 1.0 / d);

  if (isnan (fc))
    return 1.0;
  while (b - a > 1e-4 * (a + b) * 0.5)
    {
      if (fc <= fd)
        {
          b = d;
          d = c;
          fd = fc;
          c = b - g * (b - a);
          fc = pl_temperature_nll (probs, K, stride, n, truth, mask, 1.0 / c);
        }
      else
        {
          a = c;
          c = d;
          fc = fd;
          d = a + g * (b - a);
          fd = pl_temperature_nll (probs, K, stride, n, truth, mask, 1.0 / d);
        }
    }
  return 2.0 / (a + b);
}
