/* Cropping a window out of an image batch (backward: zero-padding back). */
#define G_LOG_DOMAIN "pl-crop"

#include "engine/ops/ops.h"
#include "engine/ops/op-private.h"

#include <string.h>

/* x: (N, C, H, W) → (N, C, h, w), rows oy…oy+h−1, columns ox…ox+w−1. */
PlTensor *
pl_crop (PlTape *tape, PlTensor *x, int oy, int ox, int h, int w)
{
  PlTensor *y;
  PlNode *node;
  gsize planes = (gsize) x->n * x->c;

  g_return_val_if_fail (oy >= 0 && ox >= 0 && h >= 1 && w >= 1, NULL);
  g_return_val_if_fail (oy + h <= x->h && ox + w <= x->w, NULL);
  y = pl_tape_tensor (tape, x->n, x->c, h, w);
  for (gsize p = 0; p < planes; p++)
    for (int i = 0; i < h; i++)
      memcpy (y->data + (p * h + i) * w, x->data + (p * x->h + oy + i) * x->w + ox, (gsize) w * sizeof (float));
  node = pl_tape_record (tape, PL_OP_CROP, y, 1, &x);
  if (node)
    {
      node->iarg[0] = oy;
      node->iarg[1] = ox;
    }
  return y;
}

void
pl_crop_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *x = node->in[0], *y = node->out;
  float *dx = pl_tape_grad (tape, x);
  int oy = node->iarg[0], ox = node->iarg[1];
  gsize planes = (gsize) x->n * x->c;

  if (!dx)
    return;
  for (gsize p = 0; p < planes; p++)
    for (int i = 0; i < y->h; i++)
      {
        float *d = dx + (p * x->h + oy + i) * x->w + ox;
        const float *g = y->grad + (p * y->h + i) * y->w;
        for (int j = 0; j < y->w; j++)
          d[j] += g[j];
      }
}
