/* The tape: node list, gradient buffers, backward rules and the op table. */
#define G_LOG_DOMAIN "pl-tape"

#include "engine/ops/tape.h"
#include "engine/ops/op-private.h"

#include <string.h>

#define R(x) (1u << (x))
#define DEF R (PL_RULE_DEFAULT)
#define LRP (R (PL_RULE_LRP_EPSILON) | R (PL_RULE_LRP_ALPHA_BETA))

/* Indexed by PlOp with designated initializers, so an entry cannot sit at
 * another operator's index; the static assertion catches a missing one. */
#define OP(id, name, backward, rules) [id] = { id, name, backward, rules }

static const PlOpInfo op_table[] = {
  OP (PL_OP_CONV2D, "conv2d", pl_conv2d_backward_node, DEF | LRP | R (PL_RULE_LRP_ZB)),
  OP (PL_OP_CONV2D_PAIR, "conv2d_pair", pl_conv2d_pair_backward_node, DEF | LRP),
  OP (PL_OP_CONVT2X2, "convt2x2", pl_convt2x2_backward_node, DEF | LRP),
  OP (PL_OP_MAXPOOL2X2, "maxpool2x2", pl_maxpool2x2_backward_node, DEF),
  OP (PL_OP_UPSAMPLE2X, "upsample2x", pl_upsample2x_backward_node, DEF),
  OP (PL_OP_RELU, "relu", pl_relu_backward_node, DEF | R (PL_RULE_GUIDED) | R (PL_RULE_DECONVNET)),
  OP (PL_OP_LEAKY_RELU, "leaky_relu", pl_leaky_relu_backward_node, DEF),
  OP (PL_OP_SIGMOID, "sigmoid", pl_sigmoid_backward_node, DEF),
  OP (PL_OP_SOFTMAX, "softmax", pl_softmax_backward_node, DEF),
  OP (PL_OP_DROPOUT, "dropout", pl_dropout_backward_node, DEF),
  OP (PL_OP_BATCHNORM, "batchnorm", pl_batchnorm_backward_node, DEF),
  OP (PL_OP_CONCAT, "concat", pl_concat_backward_node, DEF),
  OP (PL_OP_ADD, "add", pl_add_backward_node, DEF),
  OP (PL_OP_MUL, "mul", pl_mul_backward_node, DEF),
  OP (PL_OP_AFFINE_SCALAR, "affine_scalar", pl_affine_scalar_backward_node, DEF),
  OP (PL_OP_SUM, "sum", pl_sum_backward_node, DEF),
  OP (PL_OP_MEAN, "mean", pl_mean_backward_node, DEF),
  OP (PL_OP_FLIP, "flip", pl_flip_backward_node, DEF),
  OP (PL_OP_ROT90, "rot90", pl_rot90_backward_node, DEF),
  OP (PL_OP_RESAMPLE, "resample", pl_resample_backward_node, DEF),
  OP (PL_OP_CROSS_ENTROPY, "cross_entropy", pl_cross_entropy_backward_node, DEF),
  OP (PL_OP_ALEATORIC_CE, "aleatoric_ce", pl_aleatoric_ce_backward_node, DEF),
  OP (PL_OP_BCE, "bce", pl_bce_backward_node, DEF),
  OP (PL_OP_DICE, "dice", pl_dice_backward_node, DEF),
  OP (PL_OP_MSE, "mse", pl_mse_backward_node, DEF),
  OP (PL_OP_MAE, "mae", pl_mae_backward_node, DEF),
  OP (PL_OP_SSIM, "ssim", pl_ssim_backward_node, DEF),
  OP (PL_OP_RADON, "radon", pl_radon_backward_node, DEF),
  OP (PL_OP_ROW_FILTER, "row_filter", pl_row_filter_backward_node, DEF),
  OP (PL_OP_TV, "tv", pl_tv_backward_node, DEF),
  OP (PL_OP_CROP, "crop", pl_crop_backward_node, DEF),
  OP (PL_OP_AFFINITY, "affinity", pl_affinity_backward_node, DEF),
  OP (PL_OP_GLOBAL_AVG_POOL, "global_avg_pool", pl_global_avg_pool_backward_node, DEF),
  OP (PL_OP_NT_XENT, "nt_xent", pl_nt_xent_backward_node, DEF),
  OP (PL_OP_ATTENTION, "attention", pl_attention_backward_node, DEF),
  OP (PL_OP_LAYER_NORM, "layer_norm", pl_layer_norm_backward_node, DEF),
  OP (PL_OP_REGION_POOL, "region_pool", pl_region_pool_backward_node, DEF),
};

G_STATIC_ASSERT (G_N_ELEMENTS (op_table) == PL_OP_N);

static const char *const rule_names[] = {
  "default", "guided", "deconvnet", "lrp-epsilon", "lrp-alpha-beta", "lrp-zb",
};

G_STATIC_ASSERT (G_N_ELEMENTS (rule_names) == PL_RULE_N);

struct _PlTape
{
  PlArena  *arena;
  GArray   *nodes;       /* PlNode; capacity kept across resets */
  gboolean  grad_enabled;
  PlRule    rules[PL_OP_N];
  double    lrp_epsilon, lrp_alpha, lrp_beta;
  float     lrp_low, lrp_high;
  gboolean  param_grads;
  PlArenaMark scratch_mark;
  gboolean  scratch_active;
};

const char *
pl_op_name (PlOp op)
{
  g_return_val_if_fail (op >= 0 && op < PL_OP_N, "?");
  g_assert (op_table[op].op == op);
  return op_table[op].name;
}

const char *
pl_rule_name (PlRule rule)
{
  g_return_val_if_fail (rule >= 0 && rule < PL_RULE_N, "?");
  return rule_names[rule];
}

gboolean
pl_op_supports_rule (PlOp op, PlRule rule)
{
  g_return_val_if_fail (op >= 0 && op < PL_OP_N, FALSE);
  return (op_table[op].rules & R (rule)) != 0;
}

PlTape *
pl_tape_new (gsize arena_bytes)
{
  PlTape *t = g_new0 (PlTape, 1);

  for (int i = 0; i < PL_OP_N; i++)
    g_assert (op_table[i].op == (PlOp) i);
  t->arena = pl_arena_new (arena_bytes);
  t->nodes = g_array_sized_new (FALSE, TRUE, sizeof (PlNode), 256);
  t->grad_enabled = TRUE;
  t->lrp_epsilon = 1e-6;
  t->lrp_alpha = 1.0;
  t->lrp_beta = 0.0;
  t->lrp_low = 0.0f;
  t->lrp_high = 1.0f;
  t->param_grads = TRUE;
  return t;
}

void
pl_tape_free (PlTape *tape)
{
  if (!tape)
    return;
  pl_arena_free (tape->arena);
  g_array_unref (tape->nodes);
  g_free (tape);
}

PlArena *
pl_tape_get_arena (PlTape *tape)
{
  return tape->arena;
}

void
pl_tape_reset (PlTape *tape)
{
  g_array_set_size (tape->nodes, 0);
  pl_arena_reset (tape->arena);
}

void
pl_tape_set_grad_enabled (PlTape *tape, gboolean enabled)
{
  tape->grad_enabled = enabled;
}

gboolean
pl_tape_get_grad_enabled (PlTape *tape)
{
  return tape->grad_enabled;
}

guint
pl_tape_get_n_nodes (PlTape *tape)
{
  return tape->nodes->len;
}

void *
pl_tape_alloc (PlTape *tape, gsize bytes)
{
  return pl_arena_alloc (tape->arena, bytes);
}

PlTensor *
pl_tape_wrap (PlTape *tape, int n, int c, int h, int w, float *data,
              gboolean requires_grad)
{
  PlTensor *t = pl_arena_alloc (tape->arena, sizeof (PlTensor));

  g_return_val_if_fail (n > 0 && c > 0 && h > 0 && w > 0, NULL);
  *t = (PlTensor) { n, c, h, w, data, NULL,
                    requires_grad ? PL_TENSOR_REQUIRES_GRAD : 0, -1 };
  return t;
}

PlTensor *
pl_tape_tensor (PlTape *tape, int n, int c, int h, int w)
{
  float *d = pl_arena_alloc_floats (tape->arena, (gsize) n * c * h * w);
  return pl_tape_wrap (tape, n, c, h, w, d, FALSE);
}

PlTensor *
pl_tape_zeros (PlTape *tape, int n, int c, int h, int w)
{
  PlTensor *t = pl_tape_tensor (tape, n, c, h, w);
  memset (t->data, 0, pl_tensor_numel (t) * sizeof (float));
  return t;
}

PlTensor *
pl_tape_input (PlTape *tape, int n, int c, int h, int w, const float *data,
               gboolean requires_grad)
{
  PlTensor *t = pl_tape_tensor (tape, n, c, h, w);
  memcpy (t->data, data, pl_tensor_numel (t) * sizeof (float));
  if (requires_grad)
    t->flags |= PL_TENSOR_REQUIRES_GRAD;
  return t;
}

PlTensor *
pl_tape_detach (PlTape *tape, PlTensor *t)
{
  return pl_tape_wrap (tape, t->n, t->c, t->h, t->w, t->data, FALSE);
}

PlNode *
pl_tape_record (PlTape *tape, PlOp op, PlTensor *out, int n_in,
                PlTensor *const *in)
{
  gboolean any = FALSE;
  PlNode node = { 0 };

  g_assert (n_in <= PL_NODE_MAX_IN);
  if (!tape->grad_enabled)
    return NULL;
  for (int i = 0; i < n_in; i++)
    any |= pl_tensor_requires_grad (in[i])
           && (tape->param_grads || !(in[i]->flags & PL_TENSOR_PARAM));
  if (!any)
    return NULL;
  node.op = op;
  node.rule = -1;
  node.n_in = n_in;
  for (int i = 0; i < n_in; i++)
    node.in[i] = in[i];
  node.out = out;
  out->flags |= PL_TENSOR_REQUIRES_GRAD;
  out->node = tape->nodes->len;
  g_array_append_val (tape->nodes, node);
  return &g_array_index (tape->nodes, PlNode, tape->nodes->len - 1);
}

gboolean
pl_tape_known_nonnegative (PlTape *tape, const PlTensor *t)
{
  for (int depth = 0; depth < 8; depth++)
    {
      const PlNode *node;
      if (t->node < 0 || (guint) t->node >= tape->nodes->len)
        return FALSE;
      node = &g_array_index (tape->nodes, PlNode, t->node);
      if (node->out != t)
        return FALSE;
      switch (node->op)
        {
        case PL_OP_RELU:
        case PL_OP_SIGMOID:
        case PL_OP_SOFTMAX:
          return TRUE;
        case PL_OP_MAXPOOL2X2:
        case PL_OP_DROPOUT:
        case PL_OP_UPSAMPLE2X:
          t = node->in[0];
          break;
        case PL_OP_CONCAT:
          for (int i = 0; i < node->n_in; i++)
            if (!pl_tape_known_nonnegative (tape, node->in[i]))
              return FALSE;
          return TRUE;
        default:
          return FALSE;
        }
    }
  return FALSE;
}

float *
pl_tape_grad (PlTape *tape, PlTensor *t)
{
  if (!pl_tensor_requires_grad (t)
      || (!tape->param_grads && (t->flags & PL_TENSOR_PARAM)))
    return NULL;
  if (!t->grad)
    t->grad = pl_arena_zeros (tape->arena, pl_tensor_numel (t));
  return t->grad;
}

float *
pl_tape_grad_for_write (PlTape *tape, PlTensor *t, gboolean *fresh)
{
  *fresh = FALSE;
  if (!pl_tensor_requires_grad (t)
      || (!tape->param_grads && (t->flags & PL_TENSOR_PARAM)))
    return NULL;
  if (!t->grad)
    {
      t->grad = pl_arena_alloc_floats (tape->arena, pl_tensor_numel (t));
      *fresh = TRUE;
    }
  return t->grad;
}

float *
pl_tape_scratch (PlTape *tape, gsize n)
{
  if (!tape->scratch_active)
    {
      tape->scratch_mark = pl_arena_mark (tape->arena);
      tape->scratch_active = TRUE;
    }
  return pl_arena_alloc_floats (tape->arena, n);
}

/* Scratch is released only when nothing else was allocated after it, which
 * holds inside one forward op or one backward node that allocates its
 * scratch last. */
void
pl_tape_scratch_done (PlTape *tape)
{
  if (tape->scratch_active)
    pl_arena_release (tape->arena, tape->scratch_mark);
  tape->scratch_active = FALSE;
}

void
pl_tape_set_rule (PlTape *tape, PlOp op, PlRule rule)
{
  g_return_if_fail (op >= 0 && op < PL_OP_N && rule >= 0 && rule < PL_RULE_N);
  tape->rules[op] = rule;
}

void
pl_tape_set_node_rule (PlTape *tape, int node, PlRule rule)
{
  g_return_if_fail (node >= 0 && (guint) node < tape->nodes->len);
  g_array_index (tape->nodes, PlNode, node).rule = rule;
}

void
pl_tape_clear_rules (PlTape *tape)
{
  for (int i = 0; i < PL_OP_N; i++)
    tape->rules[i] = PL_RULE_DEFAULT;
  for (guint i = 0; i < tape->nodes->len; i++)
    g_array_index (tape->nodes, PlNode, i).rule = -1;
}

void
pl_tape_set_lrp_params (PlTape *tape, double epsilon, double alpha, double beta)
{
  tape->lrp_epsilon = epsilon;
  tape->lrp_alpha = alpha;
  tape->lrp_beta = beta;
}

void
pl_tape_get_lrp_params (PlTape *tape, double *epsilon, double *alpha, double *beta)
{
  if (epsilon)
    *epsilon = tape->lrp_epsilon;
  if (alpha)
    *alpha = tape->lrp_alpha;
  if (beta)
    *beta = tape->lrp_beta;
}

void
pl_tape_set_lrp_bounds (PlTape *tape, float low, float high)
{
  tape->lrp_low = low;
  tape->lrp_high = high;
}

void
pl_tape_get_lrp_bounds (PlTape *tape, float *low, float *high)
{
  if (low)
    *low = tape->lrp_low;
  if (high)
    *high = tape->lrp_high;
}

void
pl_tape_set_param_grads (PlTape *tape, gboolean enabled)
{
  tape->param_grads = enabled;
}

int
pl_tape_find_consumer (PlTape *tape, const PlTensor *t, PlOp op)
{
  for (guint i = 0; i < tape->nodes->len; i++)
    {
      PlNode *node = &g_array_index (tape->nodes, PlNode, i);
      if (node->op != op)
        continue;
      for (int k = 0; k < node->n_in; k++)
        if (node->in[k] == t)
          return (int) i;
    }
  return -1;
}

void
pl_tape_clear_grads (PlTape *tape)
{
  for (guint i = 0; i < tape->nodes->len; i++)
    {
      PlNode *node = &g_array_index (tape->nodes, PlNode, i);
      for (int k = 0; k < node->n_in; k++)
        if (node->in[k] && !(node->in[k]->flags & PL_TENSOR_PARAM))
          node->in[k]->grad = NULL;
      node->out->grad = NULL;
    }
}

gboolean
pl_tape_backward (PlTape *tape, PlTensor *out, const float *seed, GError **error)
{
  gsize n;

  g_return_val_if_fail (out != NULL, FALSE);
  if (!pl_tensor_requires_grad (out))
    return TRUE;   /* nothing depends on a parameter or a marked input */

  /* Check every rule before touching any gradient. */
  for (guint i = 0; i < tape->nodes->len; i++)
    {
      PlNode *node = &g_array_index (tape->nodes, PlNode, i);
      PlRule rule = node->rule >= 0 ? (PlRule) node->rule : tape->rules[node->op];
      if (!pl_op_supports_rule (node->op, rule))
        {
          g_set_error (error, PL_ERROR, PL_ERROR_RULE,
                       "operator '%s' has no '%s' backward rule",
                       pl_op_name (node->op), pl_rule_name (rule));
          return FALSE;
        }
    }

  n = pl_tensor_numel (out);
  {
    float *g = pl_tape_grad (tape, out);
    for (gsize i = 0; i < n; i++)
      g[i] += seed ? seed[i] : 1.0f;
  }

  for (int i = (int) tape->nodes->len - 1; i >= 0; i--)
    {
      PlNode *node = &g_array_index (tape->nodes, PlNode, i);
      PlRule rule = node->rule >= 0 ? (PlRule) node->rule : tape->rules[node->op];
      if (!node->out->grad)
        continue;   /* no path from `out` to this node */
      op_table[node->op].backward (tape, node, rule);
      pl_tape_scratch_done (tape);
    }
  return TRUE;
}
