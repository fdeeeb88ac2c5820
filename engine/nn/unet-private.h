/* Private to engine/nn: the network's layers, shared by the builder
 * (unet.c) and the local re-evaluation (unet-local.c). */
#pragma once

#include "engine/nn/unet.h"
#include "engine/nn/attention-block.h"

G_BEGIN_DECLS

typedef struct
{
  int      cin, cout, k;
  int      split;            /* > 0: input channels of the first half */
  gboolean transposed;
  int      w_idx, b_idx, gamma_idx, beta_idx;   /* param table, -1: none */
  PlTensor w, w2, b, gamma, beta;              /* views into the blocks */
} Layer;

struct _PlUnet
{
  PlUnetConfig cfg;
  float       *params;
  float       *grads;
  gsize        n;
  GArray      *info;         /* PlUnetParam */
  Layer        enc[PL_UNET_MAX_DEPTH][2];
  Layer        up[PL_UNET_MAX_DEPTH];
  Layer        dec[PL_UNET_MAX_DEPTH][2];
  Layer        skip[PL_UNET_MAX_DEPTH];      /* skip_channels > 0 only */
  Layer        head;
  Layer        head_var;     /* aleatoric nets only */
  Layer        head_fcn[PL_UNET_MAX_DEPTH];  /* levels 2 … head_scales */
  Layer        attn_q, attn_k, attn_v, attn_o;  /* attention nets only */
  int          attn_gamma_idx, attn_beta_idx;
  PlAttentionBlock attn;
};

/* The bottleneck's transformer block of an attention net, else x. */
PlTensor *pl_unet_attention (PlUnet *unet, PlTape *tape, PlTensor *x);

G_END_DECLS
