/* Smoothed isotropic total variation as a tape loss (loss.h). */
#define G_LOG_DOMAIN "pl-loss"

#include "engine/ops/loss.h"
#include "engine/ops/op-private.h"

#include <math.h>

static inline void
diffs (const float *p, int h, int w, int i, int j, float *dv, float *dh)
{
  float v = p[(gsize) i * w + j];
  *dv = i + 1 < h ? p[(gsize) (i + 1) * w + j] - v : 0.0f;
  *dh = j + 1 < w ? p[(gsize) i * w + j + 1] - v : 0.0f;
}

PlTensor *
pl_tv (PlTape *tape, PlTensor *x, float eps)
{
  PlTensor *y;
  PlNode *node;
  double s = 0.0, e2 = (double) eps * eps;
  gsize planes = (gsize) x->n * x->c;

  g_return_val_if_fail (eps > 0.0f, NULL);
  y = pl_tape_tensor (tape, 1, 1, 1, 1);
  for (gsize p = 0; p < planes; p++)
    {
      const float *xp = x->data + p * x->h * x->w;
      for (int i = 0; i < x->h; i++)
        for (int j = 0; j < x->w; j++)
          {
            float dv, dh;
            diffs (xp, x->h, x->w, i, j, &dv, &dh);
            s += sqrt ((double) dv * dv + (double) dh * dh + e2) - eps;
          }
    }
  y->data[0] = (float) (s / ((double) x->h * x->w));
  node = pl_tape_record (tape, PL_OP_TV, y, 1, &x);
  if (node)
    node->farg[0] = eps;
  return y;
}

/* ∂/∂x[i,j] of the term at (i,j): −(dv + dh) / r; of the term at (i−1,j):
 * dv' / r'; of the term at (i,j−1): dh'' / r''. */
void
pl_tv_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *x = node->in[0];
  float *dx = pl_tape_grad (tape, x);
  double e2 = (double) node->farg[0] * node->farg[0];
  float g = node->out->grad[0] / ((float) x->h * x->w);
  gsize planes = (gsize) x->n * x->c;

  if (!dx)
    return;
  for (gsize p = 0; p < planes; p++)
    {
      const float *xp = x->data + p * x->h * x->w;
      float *dp = dx + p * x->h * x->w;
      for (int i = 0; i < x->h; i++)
        for (int j = 0; j < x->w; j++)
          {
            float dv, dh, k;
            diffs (xp, x->h, x->w, i, j, &dv, &dh);
            k = g / (float) sqrt ((double) dv * dv + (double) dh * dh + e2);
            dp[(gsize) i * x->w + j] -= k * (dv + dh);
            if (i + 1 < x->h)
              dp[(gsize) (i + 1) * x->w + j] += k * dv;
            if (j + 1 < x->w)
              dp[(gsize) i * x->w + j + 1] += k * dh;
          }
    }
}
