/* tape.h: define-by-run recording of operators, and the backward pass.
 *
 * Every operator (ops.h) takes a PlTape: it allocates its output from the
 * tape's arena and, when gradients are enabled and some input requires one,
 * appends a node to the tape.  pl_tape_backward() walks the nodes in reverse
 * and calls each operator's backward, which ADDS into the inputs' gradients;
 * so any loss built from operators (CE + Dice, two transformed passes
 * compared, a teacher's output used as a constant, DIP's MSE) differentiates
 * without hand-written code.  Typical step:
 *
 *   pl_tape_reset (tape);                      // frees the last step's memory
 *   x = pl_tape_input (tape, 8, 1, H, W, buf, FALSE);
 *   loss = …operators…;
 *   pl_tape_backward (tape, loss, NULL, &error);   // param grads += …
 *
 * Gradients of every recorded tensor stay readable (tensor->grad) until the
 * next reset, so an intermediate activation and its gradient (Grad-CAM on
 * the bottleneck) are just the tensor the forward returned; the gradient
 * with respect to the input needs the input made with requires_grad TRUE.
 *
 * Alternative backward rules (explanations): pl_tape_set_rule() selects a
 * rule for an operator family (e.g. guided backprop for every ReLU) and
 * pl_tape_set_node_rule() for one node; an operator that does not implement
 * the rule makes pl_tape_backward() fail with PL_ERROR_RULE.  The op
 * table in tape.c lists, per operator, the rules it implements.
 *
 * LRP (Bach et al. 2015) runs as a modified gradient: every tensor a
 * carries g_a with relevance R_a = a ⊙ g_a.  ReLU, max-pooling,
 * concatenation and the bilinear up-sampling pass g unchanged (their
 * default backward conserves a ⊙ g); convolutions, transposed convolutions
 * and the pair convolution over a skip concatenation implement the ε and αβ
 * rules (z is their output, bias included, so a bias absorbs relevance
 * under ε), the first convolution also zᴮ.  The relevance of the input is
 * then x ⊙ x->grad, or x->grad itself under zᴮ.
 */
#pragma once

#include <glib.h>

#include "engine/core/error.h"
#include "engine/core/arena.h"
#include "engine/core/tensor.h"

G_BEGIN_DECLS

typedef enum
{
  PL_OP_CONV2D,
  PL_OP_CONV2D_PAIR,
  PL_OP_CONVT2X2,
  PL_OP_MAXPOOL2X2,
  PL_OP_UPSAMPLE2X,
  PL_OP_RELU,
  PL_OP_LEAKY_RELU,
  PL_OP_SIGMOID,
  PL_OP_SOFTMAX,
  PL_OP_DROPOUT,
  PL_OP_BATCHNORM,
  PL_OP_CONCAT,
  PL_OP_ADD,
  PL_OP_MUL,
  PL_OP_AFFINE_SCALAR,
  PL_OP_SUM,
  PL_OP_MEAN,
  PL_OP_FLIP,
  PL_OP_ROT90,
  PL_OP_RESAMPLE,
  PL_OP_CROSS_ENTROPY,
  PL_OP_ALEATORIC_CE,
  PL_OP_BCE,
  PL_OP_DICE,
  PL_OP_MSE,
  PL_OP_MAE,
  PL_OP_SSIM,
  PL_OP_RADON,
  PL_OP_ROW_FILTER,
  PL_OP_TV,
  PL_OP_CROP,
  PL_OP_AFFINITY,
  PL_OP_GLOBAL_AVG_POOL,
  PL_OP_NT_XENT,
  PL_OP_ATTENTION,
  PL_OP_LAYER_NORM,
  PL_OP_REGION_POOL,
  PL_OP_N
} PlOp;

typedef enum
{
  PL_RULE_DEFAULT,        /* the true gradient */
  PL_RULE_GUIDED,         /* ReLU: pass dy > 0 where x > 0 (Springenberg 2015) */
  PL_RULE_DECONVNET,      /* ReLU: relu(dy), ignoring x (Zeiler & Fergus 2014) */
  PL_RULE_LRP_EPSILON,    /* conv/linear: LRP-ε (Bach et al. 2015, eq. 58) */
  PL_RULE_LRP_ALPHA_BETA, /* conv/linear: LRP-αβ (Bach et al. 2015, eq. 60) */
  PL_RULE_LRP_ZB,         /* first conv: LRP-zᴮ with intensity bounds
                           * (Montavon et al. 2017, sec. 5); the input's
                           * gradient receives the relevance itself */
  PL_RULE_N
} PlRule;

typedef struct _PlTape PlTape;


/* arena_bytes: initial arena size (it grows on reset if a step needed more). */
PlTape    *pl_tape_new             (gsize         arena_bytes);
void       pl_tape_free            (PlTape       *tape);
PlArena   *pl_tape_get_arena       (PlTape       *tape);
/* Forgets all nodes and frees every tensor of the step. */
void       pl_tape_reset           (PlTape       *tape);
/* FALSE: operators only compute (inference); nothing is recorded. */
void       pl_tape_set_grad_enabled(PlTape       *tape,
                                    gboolean      enabled);
gboolean   pl_tape_get_grad_enabled(PlTape       *tape);
guint      pl_tape_get_n_nodes     (PlTape       *tape);

/* Tensors of this step (uninitialised / zeroed / copied / wrapping). */
PlTensor  *pl_tape_tensor          (PlTape       *tape,
                                    int n, int c, int h, int w);
PlTensor  *pl_tape_zeros           (PlTape       *tape,
                                    int n, int c, int h, int w);
PlTensor  *pl_tape_input           (PlTape       *tape,
                                    int n, int c, int h, int w,
                                    const float  *data,
                                    gboolean      requires_grad);
/* Borrowed data (must outlive the step). */
PlTensor  *pl_tape_wrap            (PlTape       *tape,
                                    int n, int c, int h, int w,
                                    float        *data,
                                    gboolean      requires_grad);
/* Raw memory of this step (64-byte aligned), e.g. for targets. */
void      *pl_tape_alloc           (PlTape       *tape,
                                    gsize         bytes);
/* The same values as a constant: gradients stop here (teacher outputs,
 * pseudo-targets). */
PlTensor  *pl_tape_detach          (PlTape       *tape,
                                    PlTensor     *t);

void       pl_tape_set_rule        (PlTape       *tape,
                                    PlOp          op,
                                    PlRule        rule);
/* Per-node override; node = tensor->node of the node's output. */
void       pl_tape_set_node_rule   (PlTape       *tape,
                                    int           node,
                                    PlRule        rule);
void       pl_tape_set_lrp_params  (PlTape       *tape,
                                    double        epsilon,
                                    double        alpha,
                                    double        beta);
void       pl_tape_get_lrp_params  (PlTape       *tape,
                                    double       *epsilon,
                                    double       *alpha,
                                    double       *beta);
/* Bounds [low, high] of the input intensities for the zᴮ rule. */
void       pl_tape_set_lrp_bounds  (PlTape       *tape,
                                    float         low,
                                    float         high);
void       pl_tape_get_lrp_bounds  (PlTape       *tape,
                                    float        *low,
                                    float        *high);
void       pl_tape_clear_rules     (PlTape       *tape);

/* FALSE: parameters neither make a node be recorded nor receive gradients
 * (explanations: only the input's or an activation's gradient is wanted,
 * and a backward without weight gradients costs about a third less). */
void       pl_tape_set_param_grads (PlTape       *tape,
                                    gboolean      enabled);

/* Backward from `out`: its gradient is `seed` (numel(out) floats) or, when
 * seed is NULL, 1 for every element (a scalar loss).  Parameter gradients
 * are accumulated (+=); clear them beforehand. */
gboolean   pl_tape_backward        (PlTape       *tape,
                                    PlTensor     *out,
                                    const float  *seed,
                                    GError      **error);

/* Forgets the gradients of every recorded non-parameter tensor, so that
 * backward can run again on the same tape (e.g. one saliency map per
 * class); parameter gradients live in their model's block. */
void       pl_tape_clear_grads     (PlTape       *tape);

/* The node index of the first recorded `op` that reads `t`, or -1 (e.g. the
 * first convolution, for a first-layer rule). */
int         pl_tape_find_consumer  (PlTape       *tape,
                                    const PlTensor *t,
                                    PlOp          op);

const char *pl_op_name             (PlOp          op);
const char *pl_rule_name           (PlRule        rule);
gboolean    pl_op_supports_rule    (PlOp          op,
                                    PlRule        rule);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlTape, pl_tape_free)

G_END_DECLS
