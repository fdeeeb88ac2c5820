/* Batch normalisation with batch statistics (Ioffe & Szegedy 2015, alg. 1). */
#define G_LOG_DOMAIN "pl-norm"

#include "engine/ops/ops.h"
#include "engine/ops/op-private.h"

#include <math.h>

/* x: (N, C, H, W); gamma, beta: (1, C, 1, 1).  saved: mean_c, invstd_c. */
PlTensor *
pl_batchnorm (PlTape *tape, PlTensor *x, PlTensor *gamma, PlTensor *beta, float eps)
{
  int C = x->c;
  gsize hw = pl_tensor_plane (x);
  double m = (double) x->n * hw;
  PlTensor *y;
  PlNode *node;
  float *stats;

  g_return_val_if_fail (pl_tensor_numel (gamma) == (gsize) C && pl_tensor_numel (beta) == (gsize) C, NULL);
  y = pl_tape_tensor (tape, x->n, C, x->h, x->w);
  node = pl_tape_record (tape, PL_OP_BATCHNORM, y, 3, (PlTensor *[]) { x, gamma, beta });
  stats = pl_tape_alloc (tape, 2 * C * sizeof (float));
  for (int c = 0; c < C; c++)
    {
      double s = 0.0, s2 = 0.0, mean, var;
      for (int n = 0; n < x->n; n++)
        {
          const float *xp = x->data + ((gsize) n * C + c) * hw;
          for (gsize k = 0; k < hw; k++)
            s += xp[k];
        }
      mean = s / m;
      for (int n = 0; n < x->n; n++)
        {
          const float *xp = x->data + ((gsize) n * C + c) * hw;
          for (gsize k = 0; k < hw; k++)
            {
              double d = xp[k] - mean;
              s2 += d * d;
            }
        }
      var = s2 / m;
      stats[c] = (float) mean;
      stats[C + c] = (float) (1.0 / sqrt (var + eps));
      {
        float mu = stats[c], is = stats[C + c], g = gamma->data[c], b = beta->data[c];
        for (int n = 0; n < x->n; n++)
          {
            const float *xp = x->data + ((gsize) n * C + c) * hw;
            float *yp = y->data + ((gsize) n * C + c) * hw;
            for (gsize k = 0; k < hw; k++)
              yp[k] = g * ((xp[k] - mu) * is) + b;
          }
      }
    }
  if (node)
    node->saved = stats;
  return y;
}

/* With x̂ = (x - μ) σ⁻¹ and g = dy·γ:
 * dx = σ⁻¹/M (M g - Σg - x̂ Σ(g x̂)), dγ = Σ dy x̂, dβ = Σ dy. */
void
pl_batchnorm_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *x = node->in[0], *gamma = node->in[1], *beta = node->in[2];
  float *dx = pl_tape_grad (tape, x);
  float *dgamma = pl_tape_grad (tape, gamma), *dbeta = pl_tape_grad (tape, beta);
  const float *stats = node->saved, *dy = node->out->grad;
  int C = x->c;
  gsize hw = pl_tensor_plane (x);
  double m = (double) x->n * hw;

  for (int c = 0; c < C; c++)
    {
      float mu = stats[c], is = stats[C + c];
      double sdy = 0.0, sdyx = 0.0;
      for (int n = 0; n < x->n; n++)
        {
          gsize off = ((gsize) n * C + c) * hw;
          for (gsize k = 0; k < hw; k++)
            {
              double xh = (x->data[off + k] - mu) * is;
              sdy += dy[off + k];
              sdyx += dy[off + k] * xh;
            }
        }
      if (dgamma)
        dgamma[c] += (float) sdyx;
      if (dbeta)
        dbeta[c] += (float) sdy;
      if (dx)
        {
          double g = gamma->data[c];
          float a = (float) (g * is), b = (float) (g * is * sdy / m), d = (float) (g * is * sdyx / m);
          for (int n = 0; n < x->n; n++)
            {
              gsize off = ((gsize) n * C + c) * hw;
              for (gsize k = 0; k < hw; k++)
                {
                  float xh = (x->data[off + k] - mu) * is;
                  dx[off + k] += a * dy[off + k] - b - xh * d;
                }
            }
        }
    }
}
