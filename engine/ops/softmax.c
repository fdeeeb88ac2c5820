/* Softmax over the channel axis. */
#define G_LOG_DOMAIN "pl-softmax"

#include "engine/ops/ops.h"
#include "engine/ops/op-private.h"

#include <math.h>

/* x, y: (N, C, H, W); for each (n, pixel): y_c = exp(x_c - max) / Σ exp. */
PlTensor *
pl_softmax (PlTape *tape, PlTensor *x)
{
  gsize hw = pl_tensor_plane (x);
  int C = x->c;
  PlTensor *y = pl_tape_tensor (tape, x->n, C, x->h, x->w);

  for (int n = 0; n < x->n; n++)
    {
      const float *xn = x->data + (gsize) n * C * hw;
      float *yn = y->data + (gsize) n * C * hw;
      for (gsize p = 0; p < hw; p++)
        {
          float m = xn[p], s = 0.0f;
          for (int c = 1; c < C; c++)
            m = fmaxf (m, xn[c * hw + p]);
          for (int c = 0; c < C; c++)
            {
              float e = expf (xn[c * hw + p] - m);
              yn[c * hw + p] = e;
              s += e;
            }
          s = 1.0f / s;
          for (int c = 0; c < C; c++)
            yn[c * hw + p] *= s;
        }
    }
  pl_tape_record (tape, PL_OP_SOFTMAX, y, 1, &x);
  return y;
}

/* dx_c = y_c (dy_c - Σ_k dy_k y_k) */
void
pl_softmax_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *x = node->in[0], *y = node->out;
  float *dx = pl_tape_grad (tape, x);
  gsize hw = pl_tensor_plane (x);
  int C = x->c;

  for (int n = 0; n < x->n; n++)
    {
      const float *yn = y->data + (gsize) n * C * hw, *dyn = y->grad + (gsize) n * C * hw;
      float *dxn = dx + (gsize) n * C * hw;
      for (gsize p = 0; p < hw; p++)
        {
          float s = 0.0f;
          for (int c = 0; c < C; c++)
            s += dyn[c * hw + p] * yn[c * hw + p];
          for (int c = 0; c < C; c++)
            dxn[c * hw + p] += yn[c * hw + p] * (dyn[c * hw + p] - s);
        }
    }
}
