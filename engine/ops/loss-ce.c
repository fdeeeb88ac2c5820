/* Cross-entropy (multi-class, on logits) and binary cross-entropy on logits. */
#define G_LOG_DOMAIN "pl-loss"

#include "engine/ops/loss.h"
#include "engine/ops/op-private.h"

#include <math.h>
#include <string.h>

PlTensor *
pl_cross_entropy (PlTape *tape, PlTensor *logits, const gint32 *target, gint32 ignore)
{
  gsize hw = pl_tensor_plane (logits), npix = (gsize) logits->n * hw;
  int K = logits->c;
  double s = 0.0;
  gsize count = 0;
  PlTensor *y = pl_tape_tensor (tape, 1, 1, 1, 1);
  PlNode *node;

  for (int n = 0; n < logits->n; n++)
    {
      const float *x = logits->data + (gsize) n * K * hw;
      for (gsize p = 0; p < hw; p++)
        {
          gint32 t = target[(gsize) n * hw + p];
          float m;
          double se = 0.0;
          if (t == ignore)
            continue;
          g_return_val_if_fail (t >= 0 && t < K, NULL);
          m = x[p];
          for (int c = 1; c < K; c++)
            m = fmaxf (m, x[c * hw + p]);
          for (int c = 0; c < K; c++)
            se += exp ((double) x[c * hw + p] - m);
          s += log (se) + m - x[t * hw + p];
          count++;
        }
    }
  y->data[0] = count ? (float) (s / count) : 0.0f;
  node = pl_tape_record (tape, PL_OP_CROSS_ENTROPY, y, 1, &logits);
  if (node)
    {
      gint32 *tc = pl_tape_alloc (tape, npix * sizeof (gint32));
      memcpy (tc, target, npix * sizeof (gint32));
      node->saved = tc;
      node->iarg[0] = ignore;
      node->farg[0] = count ? 1.0f / count : 0.0f;
    }
  return y;
}

/* d/dx_c = (softmax_c - [c = t]) / count */
void
pl_cross_entropy_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *logits = node->in[0];
  float *dx = pl_tape_grad (tape, logits);
  const gint32 *target = node->saved;
  gsize hw = pl_tensor_plane (logits);
  int K = logits->c;
  float g = node->out->grad[0] * node->farg[0];

  if (g == 0.0f)
    return;
  for (int n = 0; n < logits->n; n++)
    {
      const float *x = logits->data + (gsize) n * K * hw;
      float *d = dx + (gsize) n * K * hw;
      for (gsize p = 0; p < hw; p++)
        {
          gint32 t = target[(gsize) n * hw + p];
          float m, se = 0.0f;
          if (t == node->iarg[0])
            continue;
          m = x[p];
          for (int c = 1; c < K; c++)
            m = fmaxf (m, x[c * hw + p]);
          for (int c = 0; c < K; c++)
            se += expf (x[c * hw + p] - m);
          se = 1.0f / se;
          for (int c = 0; c < K; c++)
            d[c * hw + p] += g * (expf (x[c * hw + p] - m) * se - (c == t ? 1.0f : 0.0f));
        }
    }
}

/* loss = max(z, 0) - z t + log(1 + exp(-|z|)) */
PlTensor *
pl_bce_with_logits (PlTape *tape, PlTensor *logits, const float *target, const guint8 *mask)
{
  gsize n = pl_tensor_numel (logits), count = 0;
  double s = 0.0;
  PlTensor *y = pl_tape_tensor (tape, 1, 1, 1, 1);
  PlNode *node;

  for (gsize i = 0; i < n; i++)
    {
      double z = logits->data[i], t = target[i];
      if (mask && !mask[i])
        continue;
      s += fmax (z, 0.0) - z * t + log1p (exp (-fabs (z)));
      count++;
    }
  y->data[0] = count ? (float) (s / count) : 0.0f;
  node = pl_tape_record (tape, PL_OP_BCE, y, 1, &logits);
  if (node)
    {
      float *tc = pl_tape_alloc (tape, n * sizeof (float));
      memcpy (tc, target, n * sizeof (float));
      node->saved = tc;
      if (mask)
        {
          guint8 *mc = pl_tape_alloc (tape, n);
          memcpy (mc, mask, n);
          node->saved2 = mc;
        }
      node->farg[0] = count ? 1.0f / count : 0.0f;
    }
  return y;
}

/* d/dz = (sigmoid(z) - t) / count */
void
pl_bce_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *logits = node->in[0];
  float *dx = pl_tape_grad (tape, logits);
  const float *t = node->saved;
  const guint8 *mask = node->saved2;
  gsize n = pl_tensor_numel (logits);
  float g = node->out->grad[0] * node->farg[0];

  for (gsize i = 0; i < n; i++)
    {
      float z = logits->data[i], sg;
      if (mask && !mask[i])
        continue;
      sg = z >= 0.0f ? 1.0f / (1.0f + expf (-z)) : expf (z) / (1.0f + expf (z));
      dx[i] += g * (sg - t[i]);
    }
}
