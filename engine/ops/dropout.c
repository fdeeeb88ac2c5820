/* Channel dropout (Tompson et al. 2015, "spatial dropout"; PyTorch's
 * Dropout2d): whole (n, c) planes are dropped, the rest scaled by 1/(1-p). */
#define G_LOG_DOMAIN "pl-dropout"

#include "engine/ops/ops.h"
#include "engine/ops/op-private.h"

PlTensor *
pl_dropout_channels (PlTape *tape, PlTensor *x, float p, PlRng *rng)
{
  gsize planes = (gsize) x->n * x->c, hw = pl_tensor_plane (x);
  PlTensor *y;
  PlNode *node;
  float *scale;

  g_return_val_if_fail (p >= 0.0f && p < 1.0f, NULL);
  if (!rng || p == 0.0f)
    return x;
  y = pl_tape_tensor (tape, x->n, x->c, x->h, x->w);
  node = pl_tape_record (tape, PL_OP_DROPOUT, y, 1, &x);
  scale = pl_tape_alloc (tape, planes * sizeof (float));
  for (gsize i = 0; i < planes; i++)
    scale[i] = pl_rng_uniform (rng) < p ? 0.0f : 1.0f / (1.0f - p);
  for (gsize i = 0; i < planes; i++)
    {
      const float *xp = x->data + i * hw;
      float *yp = y->data + i * hw, s = scale[i];
      for (gsize k = 0; k < hw; k++)
        yp[k] = xp[k] * s;
    }
  if (node)
    node->saved = scale;
  return y;
}

void
pl_dropout_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *x = node->in[0];
  gboolean fresh;
  float *dx = pl_tape_grad_for_write (tape, x, &fresh);
  const float *scale = node->saved, *dy = node->out->grad;
  gsize planes = (gsize) x->n * x->c, hw = pl_tensor_plane (x);

  for (gsize i = 0; i < planes; i++)
    {
      float s = scale[i];
      float *d = dx + i * hw;
      const float *g = dy + i * hw;
      if (fresh)
        for (gsize k = 0; k < hw; k++)
          d[k] = g[k] * s;
      else if (s != 0.0f)
        for (gsize k = 0; k < hw; k++)
          d[k] += g[k] * s;
    }
}
