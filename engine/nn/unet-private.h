/* Private to engine/nn: the network's layers, shared by the builder
 * (unet.c) and the local re-evaluation (unet-local.c). */
#pragma once

#include "engine/nn/unet.h"

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
  Layer        head;
  Layer        head_var;     /* aleatoric nets only */
  Layer        head_fcn[PL_UNET_MAX_DEPTH];  /* levels 2 … head_scales */
};

G_END_DECLS
