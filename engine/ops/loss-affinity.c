/* The compactness (affinity) loss as a tape loss (loss.h). */
#define G_LOG_DOMAIN "pl-loss"

#include "engine/ops/loss.h"
#include "engine/ops/op-private.h"

#include <math.h>
#include <string.h>

/* The norm is sqrt (|f|² + ε²), so a zero feature vector has a finite
 * gradient (as the contrastive losses). */
#define AFFINITY_EPS 1e-6

/* The unit vectors u (m, C) and norms r (m) of the m sampled pixels of one
 * sample; features (C, H·W). */
static void
unit_features (const float *f, int c, gsize plane, const gint32 *p, int m,
               double *u, double *r)
{
  for (int i = 0; i < m; i++)
    {
      double s = AFFINITY_EPS * AFFINITY_EPS;
      for (int k = 0; k < c; k++)
        s += (double) f[k * plane + p[i]] * f[k * plane + p[i]];
      r[i] = sqrt (s);
      for (int k = 0; k < c; k++)
        u[(gsize) i * c + k] = f[k * plane + p[i]] / r[i];
    }
}

static inline double
dist2 (const double *u, int c, int i, int j)
{
  double s = 0.0;
  for (int k = 0; k < c; k++)
    {
      double d = u[(gsize) i * c + k] - u[(gsize) j * c + k];
      s += d * d;
    }
  return s;
}

PlTensor *
pl_affinity_loss (PlTape *tape, PlTensor *features, int m, const gint32 *pixels,
                  const float *affinity)
{
  gsize plane = (gsize) features->h * features->w, nm = (gsize) features->n * m;
  g_autofree double *u = NULL, *r = NULL;
  double s = 0.0, z = 0.0;
  PlTensor *y;
  PlNode *node;

  g_return_val_if_fail (m > 0, NULL);
  for (gsize i = 0; i < nm; i++)
    g_return_val_if_fail (pixels[i] >= 0 && (gsize) pixels[i] < plane, NULL);
  u = g_new (double, (gsize) m * features->c);
  r = g_new (double, m);
  for (int n = 0; n < features->n; n++)
    {
      const gint32 *p = pixels + (gsize) n * m;
      const float *a = affinity + (gsize) n * m * m;
      unit_features (features->data + (gsize) n * features->c * plane, features->c, plane,
                     p, m, u, r);
      for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++)
          if (a[i * m + j] != 0.0f)
            {
              s += a[i * m + j] * dist2 (u, features->c, i, j);
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

/* With u = f / r: ∂L/∂u_k = 2/Z Σ_j (A_kj + A_jk) (u_k − u_j), Z = Σ A (a
 * constant), and ∂L/∂f = (∂L/∂u − u (u · ∂L/∂u)) / r.  A pixel drawn twice
 * gets both of its entries' gradients. */
void
pl_affinity_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *x = node->in[0];
  float *dx = pl_tape_grad (tape, x);
  const gint32 *pixels = node->saved;
  const float *affinity = node->saved2;
  int m = node->iarg[0], c = x->c;
  gsize plane = (gsize) x->h * x->w;
  double g = 2.0 * node->out->grad[0] * node->farg[0];
  g_autofree double *u = NULL, *r = NULL, *gu = NULL;

  if (!dx || g == 0.0)
    return;
  u = g_new (double, (gsize) m * c);
  r = g_new (double, m);
  gu = g_new (double, (gsize) m * c);
  for (int n = 0; n < x->n; n++)
    {
      float *df = dx + (gsize) n * c * plane;
      const gint32 *p = pixels + (gsize) n * m;
      const float *a = affinity + (gsize) n * m * m;
      unit_features (x->data + (gsize) n * c * plane, c, plane, p, m, u, r);
      memset (gu, 0, sizeof (double) * m * c);
      for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++)
          {
            double w = a[i * m + j];
            if (w == 0.0 || p[i] == p[j])
              continue;
            /* the pair's term: w ||u_i − u_j||² */
            for (int k = 0; k < c; k++)
              {
                double d = g * w * (u[(gsize) i * c + k] - u[(gsize) j * c + k]);
                gu[(gsize) i * c + k] += d;
                gu[(gsize) j * c + k] -= d;
              }
          }
      for (int i = 0; i < m; i++)
        {
          const double *ui = u + (gsize) i * c, *gi = gu + (gsize) i * c;
          double dot = 0.0;
          for (int k = 0; k < c; k++)
            dot += ui[k] * gi[k];
          for (int k = 0; k < c; k++)
            df[k * plane + p[i]] += (float) ((gi[k] - ui[k] * dot) / r[i]);
        }
    }
}
