/* Mean squared and mean absolute error between two tensors. */
#define G_LOG_DOMAIN "pl-loss"

#include "engine/ops/loss.h"
#include "engine/ops/op-private.h"

#include <math.h>

static PlTensor *
regress (PlTape *tape, PlTensor *a, PlTensor *b, PlOp op)
{
  gsize n = pl_tensor_numel (a);
  double s = 0.0;
  PlTensor *y;

  g_return_val_if_fail (pl_tensor_same_shape (a, b), NULL);
  y = pl_tape_tensor (tape, 1, 1, 1, 1);
  for (gsize i = 0; i < n; i++)
    {
      double d = (double) a->data[i] - b->data[i];
      s += op == PL_OP_MSE ? d * d : fabs (d);
    }
  y->data[0] = (float) (s / n);
  pl_tape_record (tape, op, y, 2, (PlTensor *[]) { a, b });
  return y;
}

PlTensor *
pl_mse (PlTape *tape, PlTensor *a, PlTensor *b)
{
  return regress (tape, a, b, PL_OP_MSE);
}

PlTensor *
pl_mae (PlTape *tape, PlTensor *a, PlTensor *b)
{
  return regress (tape, a, b, PL_OP_MAE);
}

/* MSE: ∂/∂a = 2 (a - b) / n; MAE: sign(a - b) / n (0 at a = b); b gets the
 * negatives. */
static void
regress_backward (PlTape *tape, PlNode *node, gboolean mse)
{
  PlTensor *a = node->in[0], *b = node->in[1];
  float *da = pl_tape_grad (tape, a), *db = pl_tape_grad (tape, b);
  gsize n = pl_tensor_numel (a);
  float g = node->out->grad[0] / (float) n;

  for (gsize i = 0; i < n; i++)
    {
      float d = a->data[i] - b->data[i];
      float v = mse ? 2.0f * g * d : (d > 0.0f ? g : d < 0.0f ? -g : 0.0f);
      if (da)
        da[i] += v;
      if (db)
        db[i] -= v;
    }
}

void
pl_mse_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  regress_backward (tape, node, TRUE);
}

void
pl_mae_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  regress_backward (tape, node, FALSE);
}
