/* Private to the engine's operator files: tape nodes and the backward
 * functions listed in the op table (tape.c). */
#pragma once

#include "engine/ops/tape.h"

G_BEGIN_DECLS

#define PL_NODE_MAX_IN 6

typedef struct
{
  PlOp      op;
  int       rule;               /* -1: the tape's rule for this op */
  int       n_in;
  PlTensor *in[PL_NODE_MAX_IN];
  PlTensor *out;
  void     *saved;              /* op-specific, from the arena */
  void     *saved2;
  int       iarg[4];
  float     farg[4];
} PlNode;

/* What the batch norm and ReLU nodes of pl_batchnorm_relu share (norm.c):
 * the ReLU node's `saved`, the batch norm node's `saved2`. */
typedef struct _PlBnReluLink PlBnReluLink;
void      pl_bn_relu_link_defer (PlBnReluLink *link);

/* Backward: reads node->out->grad, adds into the inputs' gradients.  It is
 * only called with a rule the op table lists for it (the tape checks). */
typedef void (*PlBackwardFunc) (PlTape *tape, PlNode *node, PlRule rule);

typedef struct
{
  PlOp           op;
  const char    *name;
  PlBackwardFunc backward;
  guint          rules;         /* bit per PlRule it implements */
} PlOpInfo;

/* Records a node when gradients are enabled and an input requires a
 * gradient; marks `out` as requiring one.  NULL when nothing is recorded. */
PlNode   *pl_tape_record      (PlTape *tape, PlOp op, PlTensor *out,
                               int n_in, PlTensor *const *in);
/* The gradient buffer of t (zeroed on first use), or NULL when t needs none. */
float    *pl_tape_grad        (PlTape *tape, PlTensor *t);
/* Like pl_tape_grad, but when t has no gradient yet the buffer is NOT
 * zeroed and *fresh is set: the caller must then write (=) every element
 * instead of adding.  Saves a memset and a read per element. */
float    *pl_tape_grad_for_write (PlTape *tape, PlTensor *t, gboolean *fresh);
/* TRUE when t is the output of an op whose values cannot be negative
 * (ReLU, sigmoid, softmax, or max-pooling, dropout, upsampling or
 * concatenation of such outputs); FALSE when unknown. */
gboolean  pl_tape_known_nonnegative (PlTape *tape, const PlTensor *t);
/* Scratch floats for the duration of the current backward node/forward op. */
float    *pl_tape_scratch     (PlTape *tape, gsize n);
void      pl_tape_scratch_done(PlTape *tape);

#define PL_DECLARE_BACKWARD(name) \
  void name (PlTape *tape, PlNode *node, PlRule rule)

PL_DECLARE_BACKWARD (pl_conv2d_backward_node);
PL_DECLARE_BACKWARD (pl_conv2d_pair_backward_node);
PL_DECLARE_BACKWARD (pl_convt2x2_backward_node);
PL_DECLARE_BACKWARD (pl_maxpool2x2_backward_node);
PL_DECLARE_BACKWARD (pl_upsample2x_backward_node);
PL_DECLARE_BACKWARD (pl_relu_backward_node);
PL_DECLARE_BACKWARD (pl_leaky_relu_backward_node);
PL_DECLARE_BACKWARD (pl_sigmoid_backward_node);
PL_DECLARE_BACKWARD (pl_softmax_backward_node);
PL_DECLARE_BACKWARD (pl_dropout_backward_node);
PL_DECLARE_BACKWARD (pl_batchnorm_backward_node);
PL_DECLARE_BACKWARD (pl_concat_backward_node);
PL_DECLARE_BACKWARD (pl_add_backward_node);
PL_DECLARE_BACKWARD (pl_mul_backward_node);
PL_DECLARE_BACKWARD (pl_affine_scalar_backward_node);
PL_DECLARE_BACKWARD (pl_sum_backward_node);
PL_DECLARE_BACKWARD (pl_mean_backward_node);
PL_DECLARE_BACKWARD (pl_flip_backward_node);
PL_DECLARE_BACKWARD (pl_rot90_backward_node);
PL_DECLARE_BACKWARD (pl_resample_backward_node);
PL_DECLARE_BACKWARD (pl_cross_entropy_backward_node);
PL_DECLARE_BACKWARD (pl_aleatoric_ce_backward_node);
PL_DECLARE_BACKWARD (pl_bce_backward_node);
PL_DECLARE_BACKWARD (pl_dice_backward_node);
PL_DECLARE_BACKWARD (pl_mse_backward_node);
PL_DECLARE_BACKWARD (pl_mae_backward_node);
PL_DECLARE_BACKWARD (pl_ssim_backward_node);
PL_DECLARE_BACKWARD (pl_radon_backward_node);
PL_DECLARE_BACKWARD (pl_row_filter_backward_node);
PL_DECLARE_BACKWARD (pl_tv_backward_node);
PL_DECLARE_BACKWARD (pl_affinity_backward_node);
PL_DECLARE_BACKWARD (pl_global_avg_pool_backward_node);
PL_DECLARE_BACKWARD (pl_nt_xent_backward_node);
PL_DECLARE_BACKWARD (pl_region_pool_backward_node);
PL_DECLARE_BACKWARD (pl_attention_backward_node);
PL_DECLARE_BACKWARD (pl_layer_norm_backward_node);
PL_DECLARE_BACKWARD (pl_crop_backward_node);

G_END_DECLS
