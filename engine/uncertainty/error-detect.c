/* AUROC of a map for wrong voxels, per-slice Dice (error-detect.h). */
#define G_LOG_DOMAIN "pl-uncertainty"

#include "engine/uncertainty/error-detect.h"
#include "engine/data/dataset.h"

#include <math.h>
#include <stdlib.h>

typedef struct
{
  float  s;
  guint8 wrong;
} Scored;

static int
cmp_scored (const void *a, const void *b)
{
  float x = ((const Scored *) a)->s, y = ((const Scored *) b)->s;
  return (x > y) - (x < y);
}

double
pl_auroc (const float *score, const guint8 *wrong, const guint8 *mask, gsize n)
{
  g_autofree Scored *v = NULL;
  gsize m = 0, n_wrong = 0;
  double rank_sum = 0.0;

  for (gsize i = 0; i < n; i++)
    m += !mask || mask[i];
  v = g_new (Scored, MAX (m, 1));
  m = 0;
  for (gsize i = 0; i < n; i++)
    if (!mask || mask[i])
      {
        v[m].s = isnan (score[i]) ? -INFINITY : score[i];
        v[m].wrong = wrong[i] != 0;
        n_wrong += v[m].wrong;
        m++;
      }
  if (n_wrong == 0 || n_wrong == m)
    return NAN;
  qsort (v, m, sizeof *v, cmp_scored);
  /* Ranks 1 … m, ties share their average rank. */
  for (gsize i = 0; i < m;)
    {
      gsize j = i, w = 0;
      while (j < m && v[j].s == v[i].s)
        w += v[j++].wrong;
      rank_sum += w * ((double) (i + 1) + (double) j) / 2.0;
      i = j;
    }
  {
    double nw = n_wrong, nr = m - n_wrong;
    return (rank_sum - nw * (nw + 1) / 2.0) / (nw * nr);
  }
}

double
pl_slice_dice (const guint16 *pred, const guint16 *truth, const gint64 dim[3], int axis,
               gint64 slice, const guint16 *values, int n_values)
{
  int h, w, n_used = 0;
  gsize sh, sw, off;
  double sum = 0.0;

  pl_slice_dims (dim, axis, &h, &w);
  pl_slice_strides (dim, axis, slice, &sh, &sw, &off);
  for (int k = 0; k < n_values; k++)
    {
      gint64 inter = 0, np = 0, nt = 0;
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          {
            gsize i = off + y * sh + x * sw;
            gboolean p = pred[i] == values[k], t = truth[i] == values[k];
            inter += p && t;
            np += p;
            nt += t;
          }
      if (np + nt == 0)
        continue;
      sum += 2.0 * inter / (np + nt);
      n_used++;
    }
  return n_used ? sum / n_used : NAN;
}
