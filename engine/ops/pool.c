/* Max-pooling 2×2, stride 2. */
#define G_LOG_DOMAIN "pl-pool"

#include "engine/ops/ops.h"
#include "engine/ops/op-private.h"

#include <math.h>

/* x: (N, C, H, W) → (N, C, H/2, W/2); saved: argmax as 0..3 per output
 * (row-major within the window, first maximum wins as in PyTorch). */
PlTensor *
pl_maxpool2x2 (PlTape *tape, PlTensor *x)
{
  int oh, ow;
  gsize planes;
  PlTensor *y;
  PlNode *node;
  guint8 *arg = NULL;

  g_return_val_if_fail (x && x->h % 2 == 0 && x->w % 2 == 0, NULL);
  oh = x->h / 2;
  ow = x->w / 2;
  planes = (gsize) x->n * x->c;
  y = pl_tape_tensor (tape, x->n, x->c, oh, ow);
  node = pl_tape_record (tape, PL_OP_MAXPOOL2X2, y, 1, &x);
  if (node)
    arg = node->saved = pl_tape_alloc (tape, pl_tensor_numel (y));

  for (gsize p = 0; p < planes; p++)
    {
      const float *xp = x->data + p * x->h * x->w;
      float *yp = y->data + p * oh * ow;
      guint8 *ap = arg ? arg + p * oh * ow : NULL;
      for (int i = 0; i < oh; i++)
        {
          const float *r0 = xp + (gsize) (2 * i) * x->w, *r1 = r0 + x->w;
          for (int j = 0; j < ow; j++)
            {
              float m = r0[2 * j], v;
              int a = 0;
              /* A NaN is taken as the maximum and then kept, as PyTorch. */
              v = r0[2 * j + 1];
              if (v > m || isnan (v)) { m = v; a = 1; }
              v = r1[2 * j];
              if (v > m || isnan (v)) { m = v; a = 2; }
              v = r1[2 * j + 1];
              if (v > m || isnan (v)) { m = v; a = 3; }
              yp[(gsize) i * ow + j] = m;
              if (ap)
                ap[(gsize) i * ow + j] = a;
            }
        }
    }
  return y;
}

void
pl_maxpool2x2_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *x = node->in[0], *y = node->out;
  float *dx = pl_tape_grad (tape, x);
  const guint8 *arg = node->saved;
  gsize planes = (gsize) x->n * x->c;
  int oh = y->h, ow = y->w;

  for (gsize p = 0; p < planes; p++)
    {
      float *dxp = dx + p * x->h * x->w;
      const float *dyp = y->grad + p * oh * ow;
      const guint8 *ap = arg + p * oh * ow;
      for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
          {
            int a = ap[(gsize) i * ow + j];
            dxp[(gsize) (2 * i + (a >> 1)) * x->w + 2 * j + (a & 1)] += dyp[(gsize) i * ow + j];
          }
    }
}
