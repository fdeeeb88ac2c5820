/* Convolution operators on the tape; the loops are in conv-kernels.c. */
#define G_LOG_DOMAIN "pl-conv"

#include "engine/ops/ops.h"
#include "engine/ops/op-private.h"
#include "engine/kernels/conv-kernels.h"

#include <string.h>

static PlConvShape
conv_shape (const PlTensor *x, const PlTensor *w)
{
  PlConvShape s = { x->n, x->c, x->h, x->w, w->n, w->h };
  return s;
}

/* With relu: the conv node's output is the pre-activation tensor, which
 * shares memory with the ReLU's output (its values are gone, but conv's
 * backward never reads them). */
static PlTensor *
relu_after (PlTape *tape, PlTensor *pre)
{
  PlTensor *y = pl_tape_wrap (tape, pre->n, pre->c, pre->h, pre->w, pre->data, FALSE);
  pl_tape_record (tape, PL_OP_RELU, y, 1, &pre);
  return y;
}

static void
forward (const PlConvShape *s, const float *x, const float *w, const float *b, float *y,
         gboolean accumulate, gboolean relu, float *ws)
{
  if (relu)
    pl_conv2d_forward_relu (s, x, w, b, y, accumulate, ws);
  else
    pl_conv2d_forward (s, x, w, b, y, accumulate, ws);
}

/* x: (N, C, H, W)  w: (O, C, k, k)  b: (1, O, 1, 1) */
static PlTensor *
conv2d (PlTape *tape, PlTensor *x, PlTensor *w, PlTensor *b, gboolean relu)
{
  PlConvShape s;
  PlTensor *y;
  float *ws;

  g_return_val_if_fail (x && w && w->c == x->c && w->h == w->w, NULL);
  g_return_val_if_fail (w->h == 1 || w->h == 3, NULL);
  g_return_val_if_fail (!b || (b->c == w->n && pl_tensor_numel (b) == (gsize) w->n), NULL);
  s = conv_shape (x, w);
  y = pl_tape_tensor (tape, x->n, w->n, x->h, x->w);
  ws = pl_tape_scratch (tape, pl_conv2d_workspace_floats (&s));
  forward (&s, x->data, w->data, b ? b->data : NULL, y->data, FALSE, relu, ws);
  pl_tape_scratch_done (tape);
  pl_tape_record (tape, PL_OP_CONV2D, y, b ? 3 : 2, (PlTensor *[]) { x, w, b });
  return relu ? relu_after (tape, y) : y;
}

PlTensor *
pl_conv2d (PlTape *tape, PlTensor *x, PlTensor *w, PlTensor *b)
{
  return conv2d (tape, x, w, b, FALSE);
}

PlTensor *
pl_conv2d_relu (PlTape *tape, PlTensor *x, PlTensor *w, PlTensor *b)
{
  return conv2d (tape, x, w, b, TRUE);
}

static void
conv_backward_part (PlTape *tape, const PlConvShape *s, PlTensor *x, PlTensor *w,
                    PlTensor *b, const float *dy)
{
  float *dx = pl_tape_grad (tape, x);
  float *dw = pl_tape_grad (tape, w);
  float *db = b ? pl_tape_grad (tape, b) : NULL;
  float *ws = pl_tape_scratch (tape, pl_conv2d_workspace_floats (s));

  if (dx)
    pl_conv2d_backward_data (s, dy, w->data, dx, ws);
  if (dw || db)
    {
      float *dwbuf = dw ? dw : pl_tape_scratch (tape, pl_tensor_numel (w));
      pl_conv2d_backward_weights (s, x->data, dy, dwbuf, db, ws);
    }
  pl_tape_scratch_done (tape);
}

void
pl_conv2d_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *x = node->in[0], *w = node->in[1], *b = node->n_in > 2 ? node->in[2] : NULL;
  PlConvShape s = conv_shape (x, w);

  conv_backward_part (tape, &s, x, w, b, node->out->grad);
}

/* conv(concat(xa, xb), [wa | wb]) + b = conv(xa, wa) + conv(xb, wb) + b */
static PlTensor *
conv2d_pair (PlTape *tape, PlTensor *xa, PlTensor *xb, PlTensor *wa, PlTensor *wb,
             PlTensor *b, const PlTensor *xb_part, gboolean relu)
{
  PlConvShape sa, sb;
  PlTensor *y;
  float *ws;

  g_return_val_if_fail (xa && xb && wa && wb, NULL);
  g_return_val_if_fail (xa->n == xb->n && xa->h == xb->h && xa->w == xb->w, NULL);
  g_return_val_if_fail (wa->c == xa->c && wb->c == xb->c && wa->n == wb->n && wa->h == wb->h, NULL);
  sa = conv_shape (xa, wa);
  sb = conv_shape (xb, wb);
  y = pl_tape_tensor (tape, xa->n, wa->n, xa->h, xa->w);
  if (xb_part)
    {
      g_return_val_if_fail (pl_tensor_same_shape (xb_part, y), NULL);
      g_return_val_if_fail (!pl_tape_get_grad_enabled (tape), NULL);
      memcpy (y->data, xb_part->data, pl_tensor_numel (y) * sizeof (float));
      ws = pl_tape_scratch (tape, pl_conv2d_workspace_floats (&sa));
      forward (&sa, xa->data, wa->data, NULL, y->data, TRUE, relu, ws);
      pl_tape_scratch_done (tape);
      return y;
    }
  ws = pl_tape_scratch (tape, MAX (pl_conv2d_workspace_floats (&sa),
                                   pl_conv2d_workspace_floats (&sb)));
  pl_conv2d_forward (&sb, xb->data, wb->data, b ? b->data : NULL, y->data, FALSE, ws);
  forward (&sa, xa->data, wa->data, NULL, y->data, TRUE, relu, ws);
  pl_tape_scratch_done (tape);
  pl_tape_record (tape, PL_OP_CONV2D_PAIR, y, b ? 5 : 4,
                  (PlTensor *[]) { xa, xb, wa, wb, b });
  return relu ? relu_after (tape, y) : y;
}

PlTensor *
pl_conv2d_pair (PlTape *tape, PlTensor *xa, PlTensor *xb, PlTensor *wa, PlTensor *wb,
                PlTensor *b, const PlTensor *xb_part)
{
  return conv2d_pair (tape, xa, xb, wa, wb, b, xb_part, FALSE);
}

PlTensor *
pl_conv2d_pair_relu (PlTape *tape, PlTensor *xa, PlTensor *xb, PlTensor *wa, PlTensor *wb,
                     PlTensor *b, const PlTensor *xb_part)
{
  return conv2d_pair (tape, xa, xb, wa, wb, b, xb_part, TRUE);
}

void
pl_conv2d_pair_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *xa = node->in[0], *xb = node->in[1], *wa = node->in[2], *wb = node->in[3];
  PlTensor *b = node->n_in > 4 ? node->in[4] : NULL;
  PlConvShape sa = conv_shape (xa, wa), sb = conv_shape (xb, wb);

  conv_backward_part (tape, &sa, xa, wa, NULL, node->out->grad);
  conv_backward_part (tape, &sb, xb, wb, b, node->out->grad);
}

/* x: (N, C, H, W)  w: (C, O, 2, 2)  b: (1, O, 1, 1) → (N, O, 2H, 2W) */
PlTensor *
pl_convt2x2 (PlTape *tape, PlTensor *x, PlTensor *w, PlTensor *b)
{
  PlConvShape s;
  PlTensor *y;
  float *ws;

  g_return_val_if_fail (x && w && w->n == x->c && w->h == 2 && w->w == 2, NULL);
  g_return_val_if_fail (!b || pl_tensor_numel (b) == (gsize) w->c, NULL);
  s = (PlConvShape) { x->n, x->c, x->h, x->w, w->c, 2 };
  y = pl_tape_tensor (tape, x->n, w->c, 2 * x->h, 2 * x->w);
  ws = pl_tape_scratch (tape, pl_convt2x2_workspace_floats (&s));
  pl_convt2x2_forward (&s, x->data, w->data, b ? b->data : NULL, y->data, FALSE, ws);
  pl_tape_scratch_done (tape);
  pl_tape_record (tape, PL_OP_CONVT2X2, y, b ? 3 : 2, (PlTensor *[]) { x, w, b });
  return y;
}

void
pl_convt2x2_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *x = node->in[0], *w = node->in[1], *b = node->n_in > 2 ? node->in[2] : NULL;
  PlConvShape s = { x->n, x->c, x->h, x->w, w->c, 2 };
  float *dx = pl_tape_grad (tape, x);
  float *dw = pl_tape_grad (tape, w);
  float *db = b ? pl_tape_grad (tape, b) : NULL;
  const float *dy = node->out->grad;
  float *ws = pl_tape_scratch (tape, pl_convt2x2_workspace_floats (&s));

  if (dx)
    pl_convt2x2_backward_data (&s, dy, w->data, dx, ws);
  if (dw || db)
    {
      float *dwbuf = dw ? dw : pl_tape_scratch (tape, pl_tensor_numel (w));
      pl_convt2x2_backward_weights (&s, x->data, dy, dwbuf, db, ws);
    }
  pl_tape_scratch_done (tape);
}
