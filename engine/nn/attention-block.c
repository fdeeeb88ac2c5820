/* The transformer block on the UNet's bottleneck (attention-block.h). */
#define G_LOG_DOMAIN "pl-unet"

#include "engine/nn/attention-block.h"
#include "engine/ops/ops.h"

#include <string.h>

PlTensor *
pl_attention_block_forward (PlTape *tape, PlAttentionBlock *b, PlTensor *x)
{
  gsize plane = (gsize) x->c * x->h * x->w;
  PlTensor *pe, *q, *k, *v, *a;

  g_return_val_if_fail (x->c == b->channels, NULL);
  /* the encoding of one image, repeated over the batch: a constant */
  pe = pl_tape_tensor (tape, x->n, x->c, x->h, x->w);
  pl_position_encoding_2d (pe->data, x->c, x->h, x->w);
  for (int n = 1; n < x->n; n++)
    memcpy (pe->data + n * plane, pe->data, plane * sizeof (float));
  x = pl_add (tape, x, pe);
  q = pl_conv2d (tape, x, &b->wq, &b->bq);
  k = pl_conv2d (tape, x, &b->wk, &b->bk);
  v = pl_conv2d (tape, x, &b->wv, &b->bv);
  a = pl_attention (tape, q, k, v, b->heads);
  a = pl_conv2d (tape, a, &b->wo, &b->bo);
  return pl_layer_norm (tape, pl_add (tape, x, a), &b->gamma, &b->beta, PL_ATTENTION_LN_EPS);
}
