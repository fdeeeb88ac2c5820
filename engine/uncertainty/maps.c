/* Uncertainty maps from samples of class probabilities (maps.h). */
#define G_LOG_DOMAIN "pl-uncertainty"

#include "engine/uncertainty/maps.h"
#include "engine/data/dataset.h"

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

void
pl_uncertainty_accum_add (PlUncertaintyAccum *a, const float *probs, gsize stride)
{
  int K = a->n_classes;

  for (int c = 0; c < K; c++)
    {
      const float *p = probs + (gsize) c * stride;
      double *s1 = a->sum_p + (gsize) c * a->n, *s2 = a->sum_p2 + (gsize) c * a->n;
      for (gsize i = 0; i < a->n; i++)
        {
          s1[i] += p[i];
          s2[i] += (double) p[i] * p[i];
        }
    }
  for (gsize i = 0; i < a->n; i++)
    a->sum_h[i] += pl_entropy (probs + i, K, stride);
  a->n_samples++;
}

void
pl_uncertainty_accum_finish (const PlUncertaintyAccum *a, float *mean, float *class_var,
                             float *maps[PL_UMAP_N])
{
  int K = a->n_classes;
  double inv = 1.0 / MAX (a->n_samples, 1);

  g_return_if_fail (a->n_samples >= 1);
  for (gsize i = 0; i < a->n; i++)
    {
      double h = 0.0, eh = a->sum_h[i] * inv, v = 0.0;
      for (int c = 0; c < K; c++)
        {
          gsize j = (gsize) c * a->n + i;
          double m = a->sum_p[j] * inv;
          double var = MAX (a->sum_p2[j] * inv - m * m, 0.0);
          if (m > 0.0)
            h -= m * log (m);
          v += var;
          if (mean)
            mean[j] = (float) m;
          if (class_var)
            class_var[j] = (float) var;
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
