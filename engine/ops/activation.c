/* ReLU (with the guided-backprop and deconvnet backward rules), LeakyReLU,
 * sigmoid. */
#define G_LOG_DOMAIN "pl-activation"

#include "engine/ops/ops.h"
#include "engine/ops/op-private.h"
#include "engine/ops/op-vec.h"
#include "engine/kernels/conv-private.h"

#include <math.h>

/* Large tensors are split into 16 equal runs over the engine's threads
 * (elementwise, so the partition does not change any value). */
#define RELU_PARTS    16
#define RELU_PARALLEL (1 << 16)

typedef struct
{
  const float *x, *dy;
  float       *y;
  gsize        n;
  gboolean     fresh;
} ReluJob;

static void
run_range (int part, int n_parts, gsize n, gsize *lo, gsize *hi)
{
  gsize chunk = (n + n_parts - 1) / n_parts;
  chunk = (chunk + 15) & ~(gsize) 15;
  *lo = MIN (n, (gsize) part * chunk);
  *hi = MIN (n, *lo + chunk);
}

static void
relu_part (int part, int n_parts, gpointer data)
{
  ReluJob *j = data;
  const float *x = j->x;
  float *y = j->y;
  gsize lo, hi, i;
  run_range (part, n_parts, j->n, &lo, &hi);
  for (i = lo; i + 4 <= hi; i += 4)
    {
      PlVec4 v = pl_vec4_load (x + i);
      pl_vec4_store (y + i, pl_vec4_where_pos (v, v));
    }
  for (; i < hi; i++)
    y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

PlTensor *
pl_relu (PlTape *tape, PlTensor *x, gboolean inplace)
{
  gsize n = pl_tensor_numel (x);
  PlTensor *y;
  ReluJob j;

  if (inplace)
    y = pl_tape_wrap (tape, x->n, x->c, x->h, x->w, x->data, FALSE);
  else
    y = pl_tape_tensor (tape, x->n, x->c, x->h, x->w);
  j.x = x->data;
  j.y = y->data;
  j.n = n;
  pl_conv_parallel (n >= RELU_PARALLEL ? RELU_PARTS : 1, pl_conv_threads (), relu_part, &j);
  pl_tape_record (tape, PL_OP_RELU, y, 1, &x);
  return y;
}

/* Default rule: dx (=|+=) dy where y > 0; x holds y here. */
static void
relu_backward_part (int part, int n_parts, gpointer data)
{
  ReluJob *j = data;
  const float *y = j->x, *dy = j->dy;
  float *dx = j->y;
  gsize lo, hi, i;
  run_range (part, n_parts, j->n, &lo, &hi);
  if (j->fresh)
    {
      for (i = lo; i + 4 <= hi; i += 4)
        pl_vec4_store (dx + i, pl_vec4_where_pos (pl_vec4_load (y + i), pl_vec4_load (dy + i)));
      for (; i < hi; i++)
        dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
    }
  else
    {
      for (i = lo; i + 4 <= hi; i += 4)
        pl_vec4_store (dx + i, pl_vec4_load (dx + i)
                               + pl_vec4_where_pos (pl_vec4_load (y + i), pl_vec4_load (dy + i)));
      for (; i < hi; i++)
        dx[i] += y[i] > 0.0f ? dy[i] : 0.0f;
    }
}

/* The mask comes from the output (y > 0 ⇔ x > 0), so in-place works. */
static inline float
relu_grad (PlRule rule, float y, float g)
{
  switch (rule)
    {
    case PL_RULE_GUIDED:    return (y > 0.0f && g > 0.0f) ? g : 0.0f;
    case PL_RULE_DECONVNET: return g > 0.0f ? g : 0.0f;
    default:                return y > 0.0f ? g : 0.0f;
    }
}

void
pl_relu_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *x = node->in[0], *y = node->out;
  gboolean fresh;
  float *dx;
  const float *dy = y->grad, *yd = y->data;
  gsize n = pl_tensor_numel (x);

  /* After pl_batchnorm_relu, the batch norm's backward applies the mask
   * itself as it reads dy: hand dy on unmasked, in the same buffer (x is
   * that node's private output, so nothing else adds into its gradient). */
  if (node->saved && rule == PL_RULE_DEFAULT && !x->grad && pl_tensor_requires_grad (x))
    {
      x->grad = (float *) dy;
      pl_bn_relu_link_defer (node->saved);
      return;
    }
  dx = pl_tape_grad_for_write (tape, x, &fresh);
  /* The default rule separately, as plain loops the compiler vectorises. */
  if (rule == PL_RULE_DEFAULT)
    {
      ReluJob j = { yd, dy, dx, n, fresh };
      pl_conv_parallel (n >= RELU_PARALLEL ? RELU_PARTS : 1, pl_conv_threads (), relu_backward_part, &j);
    }
  else if (fresh)
    for (gsize i = 0; i < n; i++)
      dx[i] = relu_grad (rule, yd[i], dy[i]);
  else
    for (gsize i = 0; i < n; i++)
      dx[i] += relu_grad (rule, yd[i], dy[i]);
}

PlTensor *
pl_leaky_relu (PlTape *tape, PlTensor *x, float slope)
{
  gsize n = pl_tensor_numel (x);
  PlTensor *y = pl_tape_tensor (tape, x->n, x->c, x->h, x->w);
  PlNode *node;

  for (gsize i = 0; i < n; i++)
    y->data[i] = x->data[i] > 0.0f ? x->data[i] : slope * x->data[i];
  node = pl_tape_record (tape, PL_OP_LEAKY_RELU, y, 1, &x);
  if (node)
    node->farg[0] = slope;
  return y;
}

void
pl_leaky_relu_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *x = node->in[0];
  float *dx = pl_tape_grad (tape, x), slope = node->farg[0];
  const float *dy = node->out->grad;
  gsize n = pl_tensor_numel (x);

  for (gsize i = 0; i < n; i++)
    dx[i] += x->data[i] > 0.0f ? dy[i] : slope * dy[i];
}

PlTensor *
pl_sigmoid (PlTape *tape, PlTensor *x)
{
  gsize n = pl_tensor_numel (x);
  PlTensor *y = pl_tape_tensor (tape, x->n, x->c, x->h, x->w);

  for (gsize i = 0; i < n; i++)
    {
      float v = x->data[i];
      /* Two branches so exp never overflows. */
      if (v >= 0.0f)
        y->data[i] = 1.0f / (1.0f + expf (-v));
      else
        {
          float e = expf (v);
          y->data[i] = e / (1.0f + e);
        }
    }
  pl_tape_record (tape, PL_OP_SIGMOID, y, 1, &x);
  return y;
}

void
pl_sigmoid_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *x = node->in[0], *y = node->out;
  float *dx = pl_tape_grad (tape, x);
  gsize n = pl_tensor_numel (x);

  for (gsize i = 0; i < n; i++)
    dx[i] += y->grad[i] * y->data[i] * (1.0f - y->data[i]);
}
