/* Concatenation, elementwise add / multiply, a·x + b, sum and mean. */
#define G_LOG_DOMAIN "pl-arith"

#include "engine/ops/ops.h"
#include "engine/ops/op-private.h"

#include <string.h>

/* (N, Ca, H, W) ⊕ (N, Cb, H, W) → (N, Ca+Cb, H, W) */
PlTensor *
pl_concat (PlTape *tape, PlTensor *a, PlTensor *b)
{
  gsize hw = pl_tensor_plane (a);
  PlTensor *y;

  g_return_val_if_fail (a->n == b->n && a->h == b->h && a->w == b->w, NULL);
  y = pl_tape_tensor (tape, a->n, a->c + b->c, a->h, a->w);
  for (int n = 0; n < a->n; n++)
    {
      float *yn = y->data + (gsize) n * y->c * hw;
      memcpy (yn, a->data + (gsize) n * a->c * hw, a->c * hw * sizeof (float));
      memcpy (yn + a->c * hw, b->data + (gsize) n * b->c * hw, b->c * hw * sizeof (float));
    }
  pl_tape_record (tape, PL_OP_CONCAT, y, 2, (PlTensor *[]) { a, b });
  return y;
}

void
pl_concat_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *a = node->in[0], *b = node->in[1], *y = node->out;
  float *da = pl_tape_grad (tape, a), *db = pl_tape_grad (tape, b);
  gsize hw = pl_tensor_plane (a);

  for (int n = 0; n < a->n; n++)
    {
      const float *dyn = y->grad + (gsize) n * y->c * hw;
      if (da)
        for (gsize k = 0; k < a->c * hw; k++)
          da[(gsize) n * a->c * hw + k] += dyn[k];
      if (db)
        for (gsize k = 0; k < b->c * hw; k++)
          db[(gsize) n * b->c * hw + k] += dyn[a->c * hw + k];
    }
}

PlTensor *
pl_add (PlTape *tape, PlTensor *a, PlTensor *b)
{
  gsize n = pl_tensor_numel (a);
  PlTensor *y;

  g_return_val_if_fail (pl_tensor_same_shape (a, b), NULL);
  y = pl_tape_tensor (tape, a->n, a->c, a->h, a->w);
  for (gsize i = 0; i < n; i++)
    y->data[i] = a->data[i] + b->data[i];
  pl_tape_record (tape, PL_OP_ADD, y, 2, (PlTensor *[]) { a, b });
  return y;
}

void
pl_add_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  gsize n = pl_tensor_numel (node->out);
  const float *dy = node->out->grad;

  for (int k = 0; k < 2; k++)
    {
      float *d = pl_tape_grad (tape, node->in[k]);
      if (d)
        for (gsize i = 0; i < n; i++)
          d[i] += dy[i];
    }
}

PlTensor *
pl_mul (PlTape *tape, PlTensor *a, PlTensor *b)
{
  gsize n = pl_tensor_numel (a);
  PlTensor *y;

  g_return_val_if_fail (pl_tensor_same_shape (a, b), NULL);
  y = pl_tape_tensor (tape, a->n, a->c, a->h, a->w);
  for (gsize i = 0; i < n; i++)
    y->data[i] = a->data[i] * b->data[i];
  pl_tape_record (tape, PL_OP_MUL, y, 2, (PlTensor *[]) { a, b });
  return y;
}

void
pl_mul_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *a = node->in[0], *b = node->in[1];
  float *da = pl_tape_grad (tape, a), *db = pl_tape_grad (tape, b);
  const float *dy = node->out->grad;
  gsize n = pl_tensor_numel (a);

  if (da)
    for (gsize i = 0; i < n; i++)
      da[i] += dy[i] * b->data[i];
  if (db)
    for (gsize i = 0; i < n; i++)
      db[i] += dy[i] * a->data[i];
}

PlTensor *
pl_affine_scalar (PlTape *tape, PlTensor *x, float a, float b)
{
  gsize n = pl_tensor_numel (x);
  PlTensor *y = pl_tape_tensor (tape, x->n, x->c, x->h, x->w);
  PlNode *node;

  for (gsize i = 0; i < n; i++)
    y->data[i] = a * x->data[i] + b;
  node = pl_tape_record (tape, PL_OP_AFFINE_SCALAR, y, 1, &x);
  if (node)
    node->farg[0] = a;
  return y;
}

void
pl_affine_scalar_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  float *dx = pl_tape_grad (tape, node->in[0]), a = node->farg[0];
  const float *dy = node->out->grad;
  gsize n = pl_tensor_numel (node->out);

  for (gsize i = 0; i < n; i++)
    dx[i] += a * dy[i];
}

static PlTensor *
reduce (PlTape *tape, PlTensor *x, PlOp op)
{
  gsize n = pl_tensor_numel (x);
  double s = 0.0;
  PlTensor *y = pl_tape_tensor (tape, 1, 1, 1, 1);

  for (gsize i = 0; i < n; i++)
    s += x->data[i];
  y->data[0] = (float) (op == PL_OP_MEAN ? s / (double) n : s);
  pl_tape_record (tape, op, y, 1, &x);
  return y;
}

PlTensor *
pl_sum (PlTape *tape, PlTensor *x)
{
  return reduce (tape, x, PL_OP_SUM);
}

PlTensor *
pl_mean (PlTape *tape, PlTensor *x)
{
  return reduce (tape, x, PL_OP_MEAN);
}

static void
reduce_backward (PlTape *tape, PlNode *node, double scale)
{
  float *dx = pl_tape_grad (tape, node->in[0]);
  gsize n = pl_tensor_numel (node->in[0]);
  float g = (float) (node->out->grad[0] * scale);

  for (gsize i = 0; i < n; i++)
    dx[i] += g;
}

void
pl_sum_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  reduce_backward (tape, node, 1.0);
}

void
pl_mean_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  reduce_backward (tape, node, 1.0 / (double) pl_tensor_numel (node->in[0]));
}
