/* Flips and 90° rotations in the (H, W) plane. */
#define G_LOG_DOMAIN "pl-transform"

#include "engine/ops/ops.h"
#include "engine/ops/op-private.h"

/* Input index (within a plane of h × w) of output pixel (i, j).
 * mode 0..3: rot90 by k (torch.rot90 dims (2, 3)); mode 4 + (fh | fw << 1): flips. */
static inline gsize
src_index (int mode, int h, int w, int i, int j)
{
  switch (mode)
    {
    case 1: return (gsize) j * w + (w - 1 - i);           /* out (w, h) */
    case 2: return (gsize) (h - 1 - i) * w + (w - 1 - j);
    case 3: return (gsize) (h - 1 - j) * w + i;           /* out (w, h) */
    case 4: return (gsize) i * w + j;
    case 5: return (gsize) (h - 1 - i) * w + j;
    case 6: return (gsize) i * w + (w - 1 - j);
    case 7: return (gsize) (h - 1 - i) * w + (w - 1 - j);
    default: return (gsize) i * w + j;
    }
}

static PlTensor *
permute (PlTape *tape, PlTensor *x, int mode, PlOp op)
{
  gboolean swap = mode == 1 || mode == 3;
  int oh = swap ? x->w : x->h, ow = swap ? x->h : x->w;
  gsize planes = (gsize) x->n * x->c, hw = pl_tensor_plane (x);
  PlTensor *y = pl_tape_tensor (tape, x->n, x->c, oh, ow);
  PlNode *node;

  for (gsize p = 0; p < planes; p++)
    for (int i = 0; i < oh; i++)
      for (int j = 0; j < ow; j++)
        y->data[p * hw + (gsize) i * ow + j] = x->data[p * hw + src_index (mode, x->h, x->w, i, j)];
  node = pl_tape_record (tape, op, y, 1, &x);
  if (node)
    node->iarg[0] = mode;
  return y;
}

static void
permute_backward (PlTape *tape, PlNode *node)
{
  PlTensor *x = node->in[0], *y = node->out;
  float *dx = pl_tape_grad (tape, x);
  gsize planes = (gsize) x->n * x->c, hw = pl_tensor_plane (x);
  int mode = node->iarg[0];

  for (gsize p = 0; p < planes; p++)
    for (int i = 0; i < y->h; i++)
      for (int j = 0; j < y->w; j++)
        dx[p * hw + src_index (mode, x->h, x->w, i, j)] += y->grad[p * hw + (gsize) i * y->w + j];
}

PlTensor *
pl_flip (PlTape *tape, PlTensor *x, gboolean flip_h, gboolean flip_w)
{
  return permute (tape, x, 4 + (flip_h ? 1 : 0) + (flip_w ? 2 : 0), PL_OP_FLIP);
}

PlTensor *
pl_rot90 (PlTape *tape, PlTensor *x, int k)
{
  k = ((k % 4) + 4) % 4;
  return permute (tape, x, k, PL_OP_ROT90);
}

void
pl_flip_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  permute_backward (tape, node);
}

void
pl_rot90_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  permute_backward (tape, node);
}
