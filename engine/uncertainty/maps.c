/* Uncertainty maps from samples of class probabilities (maps.h). */
#define G_LOG_DOMAIN "pl-uncertainty"

#include "engine/uncertainty/maps.h"
#include "engine/data/dataset.h"
#include "engine/kernels/conv-private.h"

#include <math.h>
#include <string.h>

static const char *const map_names[PL_UMAP_N] = {
  "entropy", "expected-entropy", "mutual-info", "variance", "logit-variance",
};

const char *
pl_uncertainty_map_name (PlUncertaintyMap map)
{
  return (int) map >= 0 && map < PL_UMAP_N ? map_names[map] : NULL;
}

int
pl_uncertainty_map_from_name (const char *name)
{
  if (!name)
    return -1;
  for (int m = 0; m < PL_UMAP_N; m++)
    if (strcmp (name, map_names[m]) == 0)
      return m;
  if (strcmp (name, "mi") == 0 || strcmp (name, "epistemic") == 0)
    return PL_UMAP_MUTUAL_INFO;
  if (strcmp (name, "aleatoric") == 0)
    return PL_UMAP_EXPECTED_ENTROPY;
  return -1;
}

double
pl_entropy (const float *p, int n_classes, gsize stride)
{
  double h = 0.0;
  for (int c = 0; c < n_classes; c++)
    {
      double q = p[c * stride];
      if (q > 0.0)
        h -= q * log (q);
    }
  return h;
}

PlUncertaintyAccum *
pl_uncertainty_accum_new (int n_classes, gsize n)
{
  PlUncertaintyAccum *a;

  g_return_val_if_fail (n_classes >= 1, NULL);
  a = g_new0 (PlUncertaintyAccum, 1);
  a->n_classes = n_classes;
  a->n = a->capacity = n;
  a->sum_p = g_new0 (double, (gsize) n_classes * n);
  a->sum_p2 = g_new0 (double, (gsize) n_classes * n);
  a->sum_h = g_new0 (double, n);
  return a;
}

void
pl_uncertainty_accum_free (PlUncertaintyAccum *a)
{
  if (!a)
    return;
  g_free (a->sum_p);
  g_free (a->sum_p2);
  g_free (a->sum_h);
  g_free (a);
}

void
pl_uncertainty_accum_reset (PlUncertaintyAccum *a, gsize n)
{
  gsize kn;

  g_return_if_fail (n <= a->capacity);
  a->n = n;
  kn = (gsize) a->n_classes * a->n;
  memset (a->sum_p, 0, kn * sizeof (double));
  memset (a->sum_p2, 0, kn * sizeof (double));
  memset (a->sum_h, 0, a->n * sizeof (double));
  a->n_samples = 0;
}

/* One sample of every point, split over the engine's threads: points are
 * independent, so the split changes no value. */
typedef struct
{
  PlUncertaintyAccum *a;
  const float        *x;        /* probabilities or logits, (K, n) with stride */
  gsize               stride;
  gboolean            logits;
  /* finish */
  float              *mean, *class_var, **maps;
} AccumJob;

static void
add_part (int part, int n_parts, gpointer data)
{
  const AccumJob *j = data;
  PlUncertaintyAccum *a = j->a;
  int K = a->n_classes;
  gsize chunk = (a->n + n_parts - 1) / n_parts;
  gsize lo = MIN (a->n, (gsize) part * chunk), hi = MIN (a->n, lo + chunk);
  float p[256];

  for (gsize i = lo; i < hi; i++)
    {
      const float *x = j->x + i;
      double h = 0.0;
      if (j->logits)
        {
          /* softmax as pl_softmax computes it (the same floats) */
          float m = x[0], se = 0.0f, inv;
          for (int c = 1; c < K; c++)
            m = fmaxf (m, x[c * j->stride]);
          for (int c = 0; c < K; c++)
            se += (p[c] = expf (x[c * j->stride] - m));
          inv = 1.0f / se;
          for (int c = 0; c < K; c++)
            p[c] *= inv;
        }
      else
        for (int c = 0; c < K; c++)
          p[c] = x[c * j->stride];
      /* as the entropy of the mean is computed, so that one sample has a
       * mutual information of exactly 0 */
      for (int c = 0; c < K; c++)
        if (p[c] > 0.0f)
          h -= p[c] * log (p[c]);
      for (int c = 0; c < K; c++)
        {
          gsize q = (gsize) c * a->n + i;
          a->sum_p[q] += p[c];
          a->sum_p2[q] += (double) p[c] * p[c];
        }
      a->sum_h[i] += h;
    }
}

static int
accum_parts (gsize n)
{
  return n >= 4096 ? 16 : 1;
}

static void
accum_add (PlUncertaintyAccum *a, const float *x, gsize stride, gboolean logits)
{
  AccumJob j = { a, x, stride, logits };

  g_return_if_fail (a->n_classes <= 256);
  pl_conv_parallel (accum_parts (a->n), pl_conv_threads (), add_part, &j);
  a->n_samples++;
}

void
pl_uncertainty_accum_add (PlUncertaintyAccum *a, const float *probs, gsize stride)
{
  accum_add (a, probs, stride, FALSE);
}

void
pl_uncertainty_accum_add_logits (PlUncertaintyAccum *a, const float *logits, gsize stride)
{
  accum_add (a, logits, stride, TRUE);
}

static void
finish_part (int part, int n_parts, gpointer data)
{
  const AccumJob *j = data;
  const PlUncertaintyAccum *a = j->a;
  int K = a->n_classes;
  double inv = 1.0 / MAX (a->n_samples, 1);
  gsize chunk = (a->n + n_parts - 1) / n_parts;
  gsize lo = MIN (a->n, (gsize) part * chunk), hi = MIN (a->n, lo + chunk);
  float *mean = j->mean, *class_var = j->class_var, **maps = j->maps;

  for (gsize i = lo; i < hi; i++)
    {
      double h = 0.0, eh = a->sum_h[i] * inv, v = 0.0;
      for (int c = 0; c < K; c++)
        {
          gsize q = (gsize) c * a->n + i;
          double m = a->sum_p[q] * inv;
          double var = MAX (a->sum_p2[q] * inv - m * m, 0.0);
          if (m > 0.0)
            h -= m * log (m);
          v += var;
          if (mean)
            mean[q] = (float) m;
          if (class_var)
            class_var[q] = (float) var;
        }
      if (maps)
        {
          /* H[p̄] ≥ E[H[p_t]] (entropy is concave); rounding can break it
           * by an ulp, and MI is then 0. */
          if (maps[PL_UMAP_ENTROPY])
            maps[PL_UMAP_ENTROPY][i] = (float) h;
          if (maps[PL_UMAP_EXPECTED_ENTROPY])
            maps[PL_UMAP_EXPECTED_ENTROPY][i] = (float) eh;
          if (maps[PL_UMAP_MUTUAL_INFO])
            maps[PL_UMAP_MUTUAL_INFO][i] = (float) MAX (h - eh, 0.0);
          if (maps[PL_UMAP_VARIANCE])
            maps[PL_UMAP_VARIANCE][i] = (float) v;
        }
    }
}

void
pl_uncertainty_accum_finish (const PlUncertaintyAccum *a, float *mean, float *class_var,
                             float *maps[PL_UMAP_N])
{
  AccumJob j = { (PlUncertaintyAccum *) a, NULL, 0, FALSE, mean, class_var, maps };

  g_return_if_fail (a->n_samples >= 1);
  pl_conv_parallel (accum_parts (a->n), pl_conv_threads (), finish_part, &j);
}

void
pl_uncertainty_slice_means (const float *map, const gint64 dim[3], int axis,
                            const guint8 *mask, double *means)
{
  int h, w;

  pl_slice_dims (dim, axis, &h, &w);
  for (gint64 s = 0; s < dim[axis]; s++)
    {
      gsize sh, sw, off, n = 0;
      double sum = 0.0;
      pl_slice_strides (dim, axis, s, &sh, &sw, &off);
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          {
            gsize v = off + y * sh + x * sw;
            if (mask && !mask[v])
              continue;
            sum += map[v];
            n++;
          }
      means[s] = n ? sum / n : 0.0;
    }
}

gint64
pl_uncertainty_next_slice (const double *means, gint64 n_slices, const gint64 *painted,
                           const guint8 *exclude)
{
  gint64 best = -1;

  for (gint64 s = 0; s < n_slices; s++)
    {
      if ((painted && painted[s] > 0) || (exclude && exclude[s]))
        continue;
      if (best < 0 || means[s] > means[best])
        best = s;
    }
  return best;
}
