/* PSNR, NMSE, Dice. */
#define G_LOG_DOMAIN "pl-metrics"

#include "engine/data/metrics.h"

#include <math.h>

double
pl_psnr (const float *pred, const float *ref, gsize n, double data_range)
{
  double se = 0.0;
  for (gsize i = 0; i < n; i++)
    {
      double d = (double) pred[i] - ref[i];
      se += d * d;
    }
  if (se == 0.0)
    return INFINITY;
  return 10.0 * log10 (data_range * data_range / (se / n));
}

double
pl_nmse (const float *pred, const float *ref, gsize n)
{
  double se = 0.0, sr = 0.0;
  for (gsize i = 0; i < n; i++)
    {
      double d = (double) pred[i] - ref[i];
      se += d * d;
      sr += (double) ref[i] * ref[i];
    }
  return sr > 0.0 ? se / sr : (se > 0.0 ? INFINITY : 0.0);
}

void
pl_dice_per_value (const guint16 *pred, const guint16 *truth, gsize n,
                   const guint8 *skip, const guint16 *values, int n_values,
                   double *dice_out)
{
  /* Counts indexed by label value (uint16): |P|, |T|, |P∩T|. */
  gint64 *cnt = g_new0 (gint64, 3 * 65536);
  for (gsize i = 0; i < n; i++)
    {
      if (skip && skip[i])
        continue;
      cnt[pred[i]]++;
      cnt[65536 + truth[i]]++;
      if (pred[i] == truth[i])
        cnt[2 * 65536 + pred[i]]++;
    }
  for (int k = 0; k < n_values; k++)
    {
      guint16 v = values[k];
      gint64 den = cnt[v] + cnt[65536 + v];
      dice_out[k] = den ? 2.0 * cnt[2 * 65536 + v] / (double) den : NAN;
    }
  g_free (cnt);
}

void
pl_dice_per_class (const gint32 *pred, const gint32 *truth, gsize n, gint32 ignore,
                   int n_classes, double *dice_out)
{
  gint64 *cnt = g_new0 (gint64, 3 * n_classes);
  for (gsize i = 0; i < n; i++)
    {
      if (truth[i] == ignore)
        continue;
      if (pred[i] >= 0 && pred[i] < n_classes)
        cnt[pred[i]]++;
      if (truth[i] >= 0 && truth[i] < n_classes)
        cnt[n_classes + truth[i]]++;
      if (pred[i] == truth[i] && pred[i] >= 0 && pred[i] < n_classes)
        cnt[2 * n_classes + pred[i]]++;
    }
  for (int c = 0; c < n_classes; c++)
    {
      gint64 den = cnt[c] + cnt[n_classes + c];
      dice_out[c] = den ? 2.0 * cnt[2 * n_classes + c] / (double) den : NAN;
    }
  g_free (cnt);
}

void
pl_mean_sd (const double *v, int n, double *mean, double *sd)
{
  double s = 0.0, s2 = 0.0;
  for (int i = 0; i < n; i++)
    s += v[i];
  *mean = s / n;
  for (int i = 0; i < n; i++)
    s2 += (v[i] - *mean) * (v[i] - *mean);
  *sd = n > 1 ? sqrt (s2 / (n - 1)) : 0.0;
}
