/* Generalised energy distance and rater disagreement (raters.h). */
#define G_LOG_DOMAIN "pl-uncertainty"

#include "engine/uncertainty/raters.h"

double
pl_seg_distance (const guint16 *a, const guint16 *b, gsize n, const guint16 *values, int n_values)
{
  double d = 0.0;

  g_return_val_if_fail (n_values >= 1, 0.0);
  for (int k = 0; k < n_values; k++)
    {
      guint16 v = values[k];
      gint64 inter = 0, uni = 0;
      for (gsize i = 0; i < n; i++)
        {
          gboolean x = a[i] == v, y = b[i] == v;
          inter += x && y;
          uni += x || y;
        }
      /* Both empty: IoU 1 by convention. */
      d += uni ? 1.0 - (double) inter / uni : 0.0;
    }
  return d / n_values;
}

static double
mean_pairs (const guint16 *const *a, int na, const guint16 *const *b, int nb, gsize n,
            const guint16 *values, int n_values, gboolean same)
{
  double sum = 0.0;

  for (int i = 0; i < na; i++)
    for (int j = 0; j < nb; j++)
      {
        /* Within one set d is symmetric and d(A, A) = 0: count each pair
         * once and the diagonal as zero. */
        if (same && j <= i)
          continue;
        sum += (same ? 2.0 : 1.0) * pl_seg_distance (a[i], b[j], n, values, n_values);
      }
  return sum / ((double) na * nb);
}

void
pl_ged (const guint16 *const *samples, int S, const guint16 *const *raters, int R, gsize n,
        const guint16 *values, int n_values, PlGed *out)
{
  g_return_if_fail (S >= 1 && R >= 1 && out);
  out->d_sy = mean_pairs (samples, S, raters, R, n, values, n_values, FALSE);
  out->d_ss = mean_pairs (samples, S, samples, S, n, values, n_values, TRUE);
  out->d_yy = mean_pairs (raters, R, raters, R, n, values, n_values, TRUE);
  out->ged2 = 2.0 * out->d_sy - out->d_ss - out->d_yy;
}

void
pl_rater_disagreement (const guint16 *const *raters, int R, gsize n, float *out)
{
  g_return_if_fail (R >= 1);
  for (gsize i = 0; i < n; i++)
    {
      int best = 0;
      /* R is small: count each rater's label among the others. */
      for (int r = 0; r < R; r++)
        {
          int same = 0;
          for (int q = 0; q < R; q++)
            same += raters[q][i] == raters[r][i];
          best = MAX (best, same);
        }
      out[i] = (float) (R - best) / R;
    }
}
