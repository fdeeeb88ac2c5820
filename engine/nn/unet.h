/* unet.h: the UNet builder (Ronneberger et al. 2015) and its parameters.
 *
 * A PlUnetConfig describes the network; pl_unet_new() lays out every
 * parameter in one float block (and the gradients in a second block of the
 * same size, the layout optimisers and EMA teachers work on), initialised
 * Kaiming-uniform as the peer does (U(-b, b), b = sqrt(6 / fan_in), fan_in =
 * C·k·k for convolutions and C for the 2×2 transposed convolution; zero
 * biases; batch-norm scale 1 and shift 0).
 *
 * Level l (0 … depth-1) of the encoder is [max-pool 2×2 if l > 0] then two
 * 3×3 convolutions (padding 1, bias), each followed by [batch norm and] ReLU.
 * The decoder climbs back: up-sampling (2×2 transposed convolution halving
 * the channels, or bilinear ×2), [concatenation with the encoder's level-l
 * output], two 3×3 convolutions with [BN +] ReLU; a 1×1 head gives the
 * classes.  With `aleatoric`, a second 1×1 head (head_var, C0 → 1) on the
 * same features gives s = log σ², the variance of every logit at that pixel
 * (pl_aleatoric_cross_entropy trains it).  Channel dropout may follow the bottleneck block, each decoder
 * block, and each encoder block.
 *
 * With head_scales S ≥ 2 the classes are predicted hierarchically, as the
 * skip architecture of FCN (Long et al. 2015) adapted to the UNet decoder:
 * decoder level L = 2 … S (level L's output is at 1/2^(L−1) resolution)
 * has its own 1×1 convolution "head_fcn.L" (C_{L−1} → classes, zero-
 * initialised as FCN's score layers); from the coarsest, each level's
 * logits are up-sampled bilinear ×2 and added to the next finer level's,
 * down to the full-resolution "head":
 *   s_S = head_S (dec_S),  s_L = up (s_{L+1}) + head_L (dec_L),
 *   logits = up (s_2) + head (dec_1).
 *
 * With attention_heads h ≥ 1, the bottleneck block's output (the last
 * encoder level, before its dropout) goes through a transformer block
 * (attention-block.h: 2-D sinusoidal position encoding, multi-head self-
 * attention over its positions with 1×1 projections "attn.{q,k,v,o}",
 * residual and layer norm "attn.norm"); h divides the bottleneck's
 * channels.
 *
 * Parameter names and file shapes follow the peer's PyTorch modules
 * (enc.L.{0,1}, up.J, dec.J.{0,1}, head, norms.I), so a saved model's tensors
 * load into ../shared/peers/unet_ref.py's UNet2DRef unchanged.  In memory
 * the first decoder convolution's weight (O, C_up + C_skip, 3, 3) is kept as
 * two blocks (O, C_up, 3, 3) and (O, C_skip, 3, 3), so that the convolution
 * over the concatenation runs as two and the skip half can be cached;
 * pl_unet_param_export()/import() convert.
 */
#pragma once

#include <glib.h>

#include "engine/core/rng.h"
#include "engine/ops/tape.h"

G_BEGIN_DECLS

#define PL_UNET_MAX_DEPTH 8

typedef enum
{
  PL_UPSAMPLE_CONVT,      /* 2×2 transposed convolution, stride 2 */
  PL_UPSAMPLE_BILINEAR,   /* bilinear ×2; the next 3×3 conv changes channels */
} PlUpsample;

typedef enum
{
  PL_OUTPUT_SOFTMAX,
  PL_OUTPUT_SIGMOID,
  PL_OUTPUT_NONE,
} PlOutputAct;

typedef enum
{
  PL_DROPOUT_BOTTLENECK = 1 << 0,
  PL_DROPOUT_DECODER    = 1 << 1,
  PL_DROPOUT_ENCODER    = 1 << 2,   /* after each encoder block but the last */
} PlDropoutPlace;

typedef struct
{
  int         in_channels;
  int         n_classes;          /* output channels */
  int         depth;              /* levels, 1 … PL_UNET_MAX_DEPTH */
  int         channels[PL_UNET_MAX_DEPTH];
  gboolean    skip;
  int         skip_channels;      /* 0: the encoder level's output is
                                     concatenated whole; N ≥ 1: through a
                                     1×1 convolution to N channels [+ BN]
                                     + ReLU first, "skip.J" (Baguer et al.
                                     2020's narrow skips for deep image
                                     prior); model files record it; the
                                     explainers refuse it (occlusion's
                                     local re-evaluation and LRP's folding
                                     do not know the projections) */
  PlUpsample  upsample;
  gboolean    batch_norm;
  float       bn_eps;
  float       dropout_p;
  guint       dropout_at;         /* PlDropoutPlace flags */
  PlOutputAct output;
  gboolean    aleatoric;          /* a second 1×1 head "head_var" gives a
                                     per-pixel logit log-variance
                                     (Kendall & Gal 2017); softmax only */
  int         head_scales;        /* 0 or 1: one 1×1 head on the last
                                     decoder block; S ≥ 2 (≤ depth − 1): the
                                     FCN skip head, see below */
  int         attention_heads;    /* 0: none; h ≥ 1: a transformer block
                                     with h heads after the bottleneck
                                     block (see below) */
} PlUnetConfig;

/* unet2d-ref of reference-workloads.md: 1 → 4 classes, 16…256, p = 0.2. */
void     pl_unet_config_ref   (PlUnetConfig *config);
/* dip-ref: 32 → 1, 32/64/128/128/128, no skips, bilinear, BN, sigmoid. */
void     pl_unet_config_dip   (PlUnetConfig *config);
/* A smaller, faster segmentation network: unet2d-ref with 4 levels of
 * 8, 16, 32, 64 channels (unet-preset.c). */
void     pl_unet_config_small (PlUnetConfig *config);

/* The class head by name: "plain" (head_scales 0) or "fcn" (the FCN skip
 * head over min (3, depth − 1) decoder levels, as FCN-8s's three).  FALSE
 * when no head has that name. */
gboolean pl_unet_config_head  (PlUnetConfig *config,
                               const char   *name);
const char *pl_unet_config_head_name (const PlUnetConfig *config);

/* Networks by name, for the CLI's --preset and the Train panel: "ref"
 * (pl_unet_config_ref) and "small" (pl_unet_config_small). */
typedef struct
{
  const char *name;
  const char *description;   /* English, untranslated */
  void      (*init) (PlUnetConfig *config);
} PlUnetPreset;

const PlUnetPreset *pl_unet_presets       (guint        *n_presets);
/* FALSE when no preset has that name. */
gboolean            pl_unet_config_preset (const char   *name,
                                           PlUnetConfig *config);

/* FALSE with a message when the numbers make no network. */
gboolean pl_unet_config_check (const PlUnetConfig *config, GError **error);
/* Input H and W must be multiples of this (2^(depth-1)). */
int      pl_unet_config_multiple (const PlUnetConfig *config);

typedef struct _PlUnet PlUnet;

typedef struct
{
  char  *name;       /* e.g. "enc.0.1.weight" */
  int    ndim;
  int    shape[4];   /* as in the file / PyTorch */
  gsize  offset;     /* in floats, into the parameter block */
  gsize  numel;
  int    split;      /* > 0: stored as two blocks split at this input channel */
} PlUnetParam;

PlUnet   *pl_unet_new            (const PlUnetConfig *config,
                                  guint64             seed);
/* Floats in all the network's tensors (as a model file holds them), found
 * without allocating anything: pl_unet_new() allocates about twice that
 * (parameters and gradients).  Readers check a file's claims with it. */
gsize     pl_unet_config_n_params (const PlUnetConfig *config);
PlUnet   *pl_unet_copy           (const PlUnet       *unet);
void      pl_unet_free           (PlUnet             *unet);
const PlUnetConfig *pl_unet_get_config (const PlUnet *unet);
/* Changes the dropout probability (e.g. for MC dropout with another p). */
void      pl_unet_set_dropout    (PlUnet             *unet,
                                  float               p);
/* Re-draws every parameter from `seed` (Kaiming-uniform, zero bias). */
void      pl_unet_init           (PlUnet             *unet,
                                  guint64             seed);

float    *pl_unet_params         (PlUnet             *unet);
float    *pl_unet_grads          (PlUnet             *unet);
gsize     pl_unet_n_params       (const PlUnet       *unet);
void      pl_unet_zero_grad      (PlUnet             *unet);
guint     pl_unet_n_tensors      (const PlUnet       *unet);
const PlUnetParam *pl_unet_tensor_info (const PlUnet *unet, guint i);
/* Converts tensor i between the file layout (shape above) and the block. */
void      pl_unet_param_export   (const PlUnet       *unet,
                                  guint               i,
                                  float              *dst,
                                  gboolean            grad);
void      pl_unet_param_import   (PlUnet             *unet,
                                  guint               i,
                                  const float        *src);

/* An activation made a leaf that needs a gradient (Grad-CAM): with the
 * input and the parameters needing none (pl_tape_set_param_grads), only the
 * layers after it are recorded. */
typedef enum
{
  PL_UNET_AT_NONE,
  PL_UNET_AT_BOTTLENECK,
  PL_UNET_AT_FEATURES,
} PlUnetAt;

/* Forward options and hooks. */
typedef struct
{
  PlRng    *dropout_rng;   /* NULL: dropout off (inference); set: on (training, MC) */
  gboolean  no_inplace;    /* keep pre-activation outputs (LRP needs them) */
  PlTensor *bottleneck;    /* out: bottleneck block output (after its dropout) */
  PlTensor *features;      /* out: last decoder block output (head input) */
  PlUnetAt  grad_at;       /* mark that activation as requiring a gradient */
  PlTensor *log_var;       /* out: (N, 1, H, W) log σ² of an aleatoric net */
  /* out: output of decoder level l (1: the last block, full resolution; 2:
   * the one before, half resolution; … depth − 1) at decoder[l] */
  PlTensor *decoder[PL_UNET_MAX_DEPTH];
} PlUnetRun;

/* x: (N, in_channels, H, W), H and W multiples of pl_unet_config_multiple.
 * Returns logits (N, n_classes, H, W). */
PlTensor *pl_unet_forward        (PlUnet             *unet,
                                  PlTape             *tape,
                                  PlTensor           *x,
                                  PlUnetRun          *run);
/* Applies the configured output activation (softmax/sigmoid/none). */
PlTensor *pl_unet_output         (PlUnet             *unet,
                                  PlTape             *tape,
                                  PlTensor           *logits);

/* MC dropout: everything up to the first dropout (the encoder) and the skip
 * halves of the decoder's first convolutions are computed once per batch by
 * pl_unet_encode(); each stochastic pass is pl_unet_decode().  Inference
 * only (the tape must have gradients disabled).  With dropout in the
 * encoder, encode stores only the input and decode runs the whole network. */
typedef struct _PlUnetEncoded PlUnetEncoded;

PlUnetEncoded *pl_unet_encode    (PlUnet             *unet,
                                  PlTape             *tape,
                                  PlTensor           *x);
PlTensor      *pl_unet_decode    (PlUnet             *unet,
                                  PlTape             *tape,
                                  PlUnetEncoded      *encoded,
                                  PlRng              *dropout_rng);
/* The same, also giving an aleatoric net's log σ² (N, 1, H, W) in
 * *log_var (NULL for other nets). */
PlTensor      *pl_unet_decode_var (PlUnet            *unet,
                                   PlTape            *tape,
                                   PlUnetEncoded     *encoded,
                                   PlRng             *dropout_rng,
                                   PlTensor         **log_var);

/* Batch norm folded into the preceding convolutions with the statistics of
 * the one input x (1, C, H, W) (unet-fold.c): a network without batch norm
 * that gives x the same logits, for LRP's rules.  Needs batch_norm. */
PlUnet      *pl_unet_fold_batch_norm (PlUnet         *unet,
                                      PlTape         *tape,
                                      const float    *x,
                                      int             h,
                                      int             w);

/* Local re-evaluation (occlusion, unet-local.c): the activations of one
 * input x (1, C, H, W) are kept; the logits of an input equal to x outside a
 * rectangle are then recomputed only where they can differ from the kept
 * ones (the rectangle grown by each layer's reach) and only where they are
 * needed (`need`, a rectangle of the logits, e.g. around a score's
 * region).  The values are those of pl_unet_forward() on the whole input.
 * Inference, batch 1; networks without batch norm (its statistics are the
 * whole image's) and with transposed-convolution up-sampling. */
typedef struct
{
  int y0, x0, y1, x1;     /* half-open: rows y0 … y1-1, columns x0 … x1-1 */
} PlRect;

typedef struct _PlUnetLocal PlUnetLocal;

gboolean     pl_unet_local_supported (const PlUnet   *unet);
/* Runs the whole forward once on the tape (reset before and after). */
PlUnetLocal *pl_unet_local_new       (PlUnet         *unet,
                                      PlTape         *tape,
                                      const float    *x,
                                      int             h,
                                      int             w,
                                      const PlRect   *need);
/* The kept logits (n_classes, H, W). */
const float *pl_unet_local_base      (const PlUnetLocal *local);
/* x: (C, H, W), equal to the kept input outside `changed`.  Returns the
 * new logits (n_classes, out) on the tape (valid until its reset), out
 * being the needed part of where they may differ; NULL (out empty) when
 * none of the needed logits changes.  The tape must have gradients off. */
const float *pl_unet_local_forward   (PlUnetLocal    *local,
                                      PlTape         *tape,
                                      const float    *x,
                                      const PlRect   *changed,
                                      PlRect         *out);
void         pl_unet_local_free      (PlUnetLocal    *local);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlUnet, pl_unet_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlUnetLocal, pl_unet_local_free)

G_END_DECLS
