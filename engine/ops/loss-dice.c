/* Soft Dice losses (Milletari et al. 2016, V-Net, eq. 1, with ε smoothing as
 * the peer's unet_ref.py). */
#define G_LOG_DOMAIN "pl-loss"

#include "engine/ops/loss.h"
#include "engine/ops/op-private.h"

#include <string.h>

/* saved: per class D_c = 2 I_c + ε and E_c = P_c + G_c + ε (doubles). */
typedef struct
{
  int     k;
  gboolean binary;
  gint32  ignore;
  double *d, *e;
  const guint8 *mask;   /* binary only; NULL: every pixel */
} DiceSaved;

PlTensor *
pl_dice_loss (PlTape *tape, PlTensor *probs, const gint32 *target, gint32 ignore)
{
  int K = probs->c;
  gsize hw = pl_tensor_plane (probs), npix = (gsize) probs->n * hw;
  PlTensor *y = pl_tape_tensor (tape, 1, 1, 1, 1);
  double *d = pl_tape_alloc (tape, 2 * K * sizeof (double)), *e = d + K, mean = 0.0;
  PlNode *node;

  for (int c = 0; c < K; c++)
    {
      double inter = 0.0, sp = 0.0, sg = 0.0;
      for (int n = 0; n < probs->n; n++)
        {
          const float *p = probs->data + ((gsize) n * K + c) * hw;
          const gint32 *t = target + (gsize) n * hw;
          for (gsize i = 0; i < hw; i++)
            {
              if (t[i] == ignore)
                continue;
              sp += p[i];
              if (t[i] == c)
                {
                  inter += p[i];
                  sg += 1.0;
                }
            }
        }
      d[c] = 2.0 * inter + PL_DICE_EPS;
      e[c] = sp + sg + PL_DICE_EPS;
      mean += d[c] / e[c];
    }
  y->data[0] = (float) (1.0 - mean / K);
  node = pl_tape_record (tape, PL_OP_DICE, y, 1, &probs);
  if (node)
    {
      DiceSaved *s = pl_tape_alloc (tape, sizeof (DiceSaved));
      gint32 *tc = pl_tape_alloc (tape, npix * sizeof (gint32));
      memcpy (tc, target, npix * sizeof (gint32));
      *s = (DiceSaved) { K, FALSE, ignore, d, e, NULL };
      node->saved = s;
      node->saved2 = tc;
    }
  return y;
}

PlTensor *
pl_dice_loss_binary (PlTape *tape, PlTensor *probs, const float *target, const guint8 *mask)
{
  gsize n = pl_tensor_numel (probs);
  PlTensor *y = pl_tape_tensor (tape, 1, 1, 1, 1);
  double *d = pl_tape_alloc (tape, 2 * sizeof (double)), *e = d + 1;
  double inter = 0.0, sp = 0.0, sg = 0.0;
  PlNode *node;

  for (gsize i = 0; i < n; i++)
    {
      if (mask && !mask[i])
        continue;
      inter += (double) probs->data[i] * target[i];
      sp += probs->data[i];
      sg += target[i];
    }
  d[0] = 2.0 * inter + PL_DICE_EPS;
  e[0] = sp + sg + PL_DICE_EPS;
  y->data[0] = (float) (1.0 - d[0] / e[0]);
  node = pl_tape_record (tape, PL_OP_DICE, y, 1, &probs);
  if (node)
    {
      DiceSaved *s = pl_tape_alloc (tape, sizeof (DiceSaved));
      float *tc = pl_tape_alloc (tape, n * sizeof (float));
      memcpy (tc, target, n * sizeof (float));
      *s = (DiceSaved) { 1, TRUE, 0, d, e, NULL };
      node->saved = s;
      node->saved2 = tc;
      if (mask)
        {
          guint8 *mc = pl_tape_alloc (tape, n);
          memcpy (mc, mask, n);
          s->mask = mc;
        }
    }
  return y;
}

/* ∂dice_c/∂p = (2 g E_c - D_c) / E_c²; the loss is 1 - mean_c dice_c. */
void
pl_dice_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *probs = node->in[0];
  const DiceSaved *s = node->saved;
  float *dx = pl_tape_grad (tape, probs);
  double gout = node->out->grad[0];

  if (s->binary)
    {
      const float *t = node->saved2;
      const guint8 *mask = s->mask;
      gsize n = pl_tensor_numel (probs);
      double e = s->e[0], d = s->d[0];
      float a = (float) (-gout * 2.0 / e), b = (float) (gout * d / (e * e));
      for (gsize i = 0; i < n; i++)
        if (!mask || mask[i])
          dx[i] += a * t[i] + b;
      return;
    }
  {
    const gint32 *target = node->saved2;
    int K = s->k;
    gsize hw = pl_tensor_plane (probs);
    for (int c = 0; c < K; c++)
      {
        double e = s->e[c], d = s->d[c];
        float a = (float) (-gout / K * 2.0 / e), b = (float) (gout / K * d / (e * e));
        for (int n = 0; n < probs->n; n++)
          {
            float *dp = dx + ((gsize) n * K + c) * hw;
            const gint32 *t = target + (gsize) n * hw;
            for (gsize i = 0; i < hw; i++)
              {
                if (t[i] == s->ignore)
                  continue;
                dp[i] += (t[i] == c ? a : 0.0f) + b;
              }
          }
      }
  }
}
