/* attention-block.h: the transformer block on the UNet's bottleneck.
 *
 * x' = x + PE (the fixed 2-D sinusoidal position encoding,
 * pl_position_encoding_2d), then multi-head self-attention over the
 * positions with 1×1 projections, a residual connection and layer norm
 * over the channels (post-norm, as Vaswani et al. 2017's encoder layer
 * without its feed-forward half):
 *   y = LN (x' + W_o · attention (W_q x' + b_q, W_k x' + b_k, W_v x' + b_v) + b_o).
 * The tensors are views into a network's parameter block
 * (attn.{q,k,v,o}.{weight,bias}, attn.norm.{weight,bias}).
 */
#pragma once

#include <glib.h>

#include "engine/ops/tape.h"

G_BEGIN_DECLS

#define PL_ATTENTION_LN_EPS 1e-5f

typedef struct
{
  int      channels;
  int      heads;                        /* channels % heads == 0 */
  PlTensor wq, bq, wk, bk, wv, bv, wo, bo; /* (C, C, 1, 1), (1, C, 1, 1) */
  PlTensor gamma, beta;                  /* (1, C, 1, 1) */
} PlAttentionBlock;

/* x: (N, C, H, W) → (N, C, H, W) */
PlTensor *pl_attention_block_forward (PlTape           *tape,
                                      PlAttentionBlock *block,
                                      PlTensor         *x);

G_END_DECLS
