/* The compactness (affinity) loss as a tape loss (loss.h). */
#define G_LOG_DOMAIN "pl-loss"

#include "engine/ops/loss.h"
#include "engine/ops/op-private.h"

#include <string.h>

/* ||f_i − f_j||² of two pixels of one sample; features (C, H·W). */
static inline double
dist2 (const float *f, int c, gsize plane, gint32 a, gint32 b)
{
  double s = 0.0;
  for (int k = 0; k < c; k++)
    {
      double d = (double) f[k * plane + a] - f[k * plane + b];
      s += d * d;
    }
  return s;
}

PlTensor *
pl_affinity_loss (PlTape *tape, PlTensor *features, int m, const gint32 *pixels,
                  const float *affinity)
{
  gsize plane = (gsize) features->h * features->w, nm = (gsize) features->n * m;
  double s = 0.0, z = 0.0;
  PlTensor *y;
  PlNode *node;

  g_return_val_if_fail (m > 0, NULL);
  for (gsize i = 0; i < nm; i++)
    g_return_val_if_fail (pixels[i] >= 0 && (gsize) pixels[i] < plane, NULL);
  for (int n = 0; n < features->n; n++)
    {
      const float *f = features->data + (gsize) n * features->c * plane;
      const gint32 *p = pixels + (gsize) n * m;
      const float *a = affinity + (gsize) n * m * m;
      for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++)
          if (a[i * m + j] != 0.0f)
            {
              s += a[i * m + j] * dist2 (f, features->c, plane, p[i], p[j]);
              z += a[i * m + j];
            }
    }
  y = pl_tape_tensor (tape, 1, 1, 1, 1);
  y->data[0] = z > 0.0 ? (float) (s / z) : 0.0f;
  node = pl_tape_record (tape, PL_OP_AFFINITY, y, 1, &features);
  if (node)
    {
      node->saved = pl_tape_alloc (tape, sizeof (gint32) * nm);
      node->saved2 = pl_tape_alloc (tape, sizeof (float) * nm * m);
      memcpy (node->saved, pixels, sizeof (gint32) * nm);
      memcpy (node->saved2, affinity, sizeof (float) * nm * m);
      node->iarg[0] = m;
      node->farg[0] = z > 0.0 ? (float) (1.0 / z) : 0.0f;
    }
  return y;
}

/* ∂L/∂f_k = 2/Z Σ_j (A_kj + A_jk) (f_k − f_j), Z = Σ A (a constant). */
void
pl_affinity_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *x = node->in[0];
  float *dx = pl_tape_grad (tape, x);
  const gint32 *pixels = node->saved;
  const float *affinity = node->saved2;
  int m = node->iarg[0];
  gsize plane = (gsize) x->h * x->w;
  double g = 2.0 * node->out->grad[0] * node->farg[0];

  if (!dx || g == 0.0)
    return;
  for (int n = 0; n < x->n; n++)
    {
      const float *f = x->data + (gsize) n * x->c * plane;
      float *df = dx + (gsize) n * x->c * plane;
      const gint32 *p = pixels + (gsize) n * m;
      const float *a = affinity + (gsize) n * m * m;
      for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++)
          {
            double w = a[i * m + j];
            if (w == 0.0 || p[i] == p[j])
              continue;
            /* the pair's term: w ||f_i − f_j||² */
            for (int k = 0; k < x->c; k++)
              {
                double d = g * w * ((double) f[k * plane + p[i]] - f[k * plane + p[j]]);
                df[k * plane + p[i]] += (float) d;
                df[k * plane + p[j]] -= (float) d;
              }
          }
    }
}
