/* Channel dropout (Tompson et al. 2015, "spatial dropout"; PyTorch's
 * Dropout2d): whole (n, c) planes are dropped, the rest scaled by 1/(1-p). */
#define G_LOG_DOMAIN "pl-dropout"

#include "engine/ops/ops.h"
#include "engine/ops/op-private.h"
#include "engine/kernels/conv-private.h"

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

typedef struct
{
  float       *x;
  const float *scale;
  gsize        planes, hw;
} ScaleJob;

static void
scale_part (int part, int n_parts, gpointer data)
{
  const ScaleJob *j = data;
  gsize chunk = (j->planes + n_parts - 1) / n_parts;
  gsize lo = MIN (j->planes, (gsize) part * chunk), hi = MIN (j->planes, lo + chunk);

  for (gsize i = lo; i < hi; i++)
    {
      float *xp = j->x + i * j->hw, s = j->scale[i];
      /* a product even by 0, as pl_dropout_channels (−0 stays −0) */
      for (gsize k = 0; k < j->hw; k++)
        xp[k] *= s;
    }
}

PlTensor *
pl_dropout_channels_inplace (PlTape *tape, PlTensor *x, float p, PlRng *rng)
{
  ScaleJob j;
  float *scale;

  g_return_val_if_fail (p >= 0.0f && p < 1.0f, NULL);
  if (pl_tape_get_grad_enabled (tape))
    return pl_dropout_channels (tape, x, p, rng);
  if (!rng || p == 0.0f)
    return x;
  j.planes = (gsize) x->n * x->c;
  j.hw = pl_tensor_plane (x);
  j.x = x->data;
  /* the same draws, in the same order, as pl_dropout_channels */
  j.scale = scale = pl_tape_alloc (tape, j.planes * sizeof (float));
  for (gsize i = 0; i < j.planes; i++)
    scale[i] = pl_rng_uniform (rng) < p ? 0.0f : 1.0f / (1.0f - p);
  pl_conv_parallel ((gsize) pl_tensor_numel (x) >= 65536 ? MIN (j.planes, 16) : 1,
                    pl_conv_threads (), scale_part, &j);
  return x;
}
