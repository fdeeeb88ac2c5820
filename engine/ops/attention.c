/* Self-attention over the positions of a feature map (Vaswani et al. 2017,
 * sec. 3.2) and layer normalisation over its channels (Ba et al. 2016): the
 * operators of the transformer block on the UNet's bottleneck
 * (engine/nn/attention-block.c), and its fixed 2-D sinusoidal position
 * encoding.
 *
 * A feature map (N, C, H, W) is read as N sequences of P = H·W tokens of C
 * channels.  Every product goes through pl_gemm on the channel-major
 * planes: a head's queries Q are a (d, P) block of rows. */
#define G_LOG_DOMAIN "pl-attention"

#include "engine/ops/ops.h"
#include "engine/ops/op-private.h"
#include "engine/core/gemm.h"

#include <math.h>
#include <string.h>

/* ---- multi-head attention ------------------------------------------------ */

/* Rows of a (P, P) matrix, each replaced by its softmax. */
static void
softmax_rows (float *s, int p)
{
  for (int i = 0; i < p; i++)
    {
      float *r = s + (gsize) i * p, m = r[0];
      double z = 0.0;
      for (int j = 1; j < p; j++)
        m = MAX (m, r[j]);
      for (int j = 0; j < p; j++)
        {
          r[j] = expf (r[j] - m);
          z += r[j];
        }
      for (int j = 0; j < p; j++)
        r[j] = (float) (r[j] / z);
    }
}

PlTensor *
pl_attention (PlTape *tape, PlTensor *q, PlTensor *k, PlTensor *v, int heads)
{
  int C = q->c, P = q->h * q->w, d;
  PlTensor *in[3] = { q, k, v }, *y;
  float *att;
  float scale;
  PlNode *node;

  g_return_val_if_fail (heads >= 1 && C % heads == 0, NULL);
  g_return_val_if_fail (pl_tensor_same_shape (q, k) && pl_tensor_same_shape (q, v), NULL);
  d = C / heads;
  scale = (float) (1.0 / sqrt (d));
  y = pl_tape_tensor (tape, q->n, C, q->h, q->w);
  /* A (N, heads, P, P): kept for the backward */
  att = pl_tape_alloc (tape, (gsize) q->n * heads * P * P * sizeof (float));
  for (int n = 0; n < q->n; n++)
    for (int h = 0; h < heads; h++)
      {
        gsize off = ((gsize) n * C + (gsize) h * d) * P;
        float *a = att + ((gsize) n * heads + h) * P * P;
        /* S = Qᵀ K / √d, A = softmax over the keys, O = V Aᵀ */
        pl_gemm (TRUE, FALSE, P, P, d, scale, q->data + off, P, k->data + off, P, 0.0f, a, P);
        softmax_rows (a, P);
        pl_gemm (FALSE, TRUE, d, P, P, 1.0f, v->data + off, P, a, P, 0.0f, y->data + off, P);
      }
  node = pl_tape_record (tape, PL_OP_ATTENTION, y, 3, in);
  if (node)
    {
      node->saved = att;
      node->iarg[0] = heads;
    }
  return y;
}

void
pl_attention_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *q = node->in[0], *k = node->in[1], *v = node->in[2];
  int heads = node->iarg[0], C = q->c, P = q->h * q->w, d = C / heads;
  float scale = (float) (1.0 / sqrt (d));
  float *dq = pl_tape_grad (tape, q), *dk = pl_tape_grad (tape, k), *dv = pl_tape_grad (tape, v);
  const float *att = node->saved, *dy = node->out->grad;
  float *da = pl_tape_scratch (tape, (gsize) P * P);

  for (int n = 0; n < q->n; n++)
    for (int h = 0; h < heads; h++)
      {
        gsize off = ((gsize) n * C + (gsize) h * d) * P;
        const float *a = att + ((gsize) n * heads + h) * P * P;
        /* dV += dO A */
        if (dv)
          pl_gemm (FALSE, FALSE, d, P, P, 1.0f, dy + off, P, a, P, 1.0f, dv + off, P);
        if (!dq && !dk)
          continue;
        /* dA = dOᵀ V; dS = A ⊙ (dA − Σ_j dA ⊙ A) per row */
        pl_gemm (TRUE, FALSE, P, P, d, 1.0f, dy + off, P, v->data + off, P, 0.0f, da, P);
        for (int i = 0; i < P; i++)
          {
            float *r = da + (gsize) i * P;
            const float *ar = a + (gsize) i * P;
            double s = 0.0;
            for (int j = 0; j < P; j++)
              s += (double) r[j] * ar[j];
            for (int j = 0; j < P; j++)
              r[j] = ar[j] * (r[j] - (float) s);
          }
        /* dQ += K dSᵀ / √d, dK += Q dS / √d */
        if (dq)
          pl_gemm (FALSE, TRUE, d, P, P, scale, k->data + off, P, da, P, 1.0f, dq + off, P);
        if (dk)
          pl_gemm (FALSE, FALSE, d, P, P, scale, q->data + off, P, da, P, 1.0f, dk + off, P);
      }
  pl_tape_scratch_done (tape);
}

/* ---- layer normalisation over channels ----------------------------------- */

PlTensor *
pl_layer_norm (PlTape *tape, PlTensor *x, PlTensor *gamma, PlTensor *beta, float eps)
{
  int C = x->c;
  gsize P = (gsize) x->h * x->w;
  PlTensor *in[3] = { x, gamma, beta }, *y;
  float *stats;   /* mean (N, P) then 1/σ (N, P) */
  PlNode *node;

  g_return_val_if_fail (gamma->c == C && beta->c == C && pl_tensor_numel (gamma) == (gsize) C, NULL);
  y = pl_tape_tensor (tape, x->n, C, x->h, x->w);
  stats = pl_tape_alloc (tape, 2 * x->n * P * sizeof (float));
  for (int n = 0; n < x->n; n++)
    {
      const float *xn = x->data + (gsize) n * C * P;
      float *yn = y->data + (gsize) n * C * P, *mean = stats + n * P, *is = stats + (x->n + n) * P;
      g_autofree double *s = g_new0 (double, 2 * P);
      for (int c = 0; c < C; c++)
        for (gsize p = 0; p < P; p++)
          s[p] += xn[c * P + p];
      for (gsize p = 0; p < P; p++)
        mean[p] = (float) (s[p] / C);
      for (int c = 0; c < C; c++)
        for (gsize p = 0; p < P; p++)
          {
            double e = (double) xn[c * P + p] - mean[p];
            s[P + p] += e * e;
          }
      for (gsize p = 0; p < P; p++)
        is[p] = (float) (1.0 / sqrt (s[P + p] / C + eps));
      for (int c = 0; c < C; c++)
        for (gsize p = 0; p < P; p++)
          yn[c * P + p] = gamma->data[c] * ((xn[c * P + p] - mean[p]) * is[p]) + beta->data[c];
    }
  node = pl_tape_record (tape, PL_OP_LAYER_NORM, y, 3, in);
  if (node)
    node->saved = stats;
  return y;
}

void
pl_layer_norm_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *x = node->in[0], *gamma = node->in[1], *beta = node->in[2];
  int C = x->c, N = x->n;
  gsize P = (gsize) x->h * x->w;
  float *dx = pl_tape_grad (tape, x), *dg = pl_tape_grad (tape, gamma), *db = pl_tape_grad (tape, beta);
  const float *stats = node->saved, *dy = node->out->grad;
  double *s = (double *) pl_tape_scratch (tape, 4 * P);   /* 2P doubles */

  for (int n = 0; n < N; n++)
    {
      const float *xn = x->data + (gsize) n * C * P, *gn = dy + (gsize) n * C * P;
      const float *mean = stats + n * P, *is = stats + (N + n) * P;
      /* per position: mean over c of g = dy·γ and of g·x̂ */
      memset (s, 0, 2 * P * sizeof (double));
      for (int c = 0; c < C; c++)
        for (gsize p = 0; p < P; p++)
          {
            float xh = (xn[c * P + p] - mean[p]) * is[p], g = gn[c * P + p];
            s[p] += (double) g * gamma->data[c];
            s[P + p] += (double) g * gamma->data[c] * xh;
            if (dg)
              dg[c] += g * xh;
            if (db)
              db[c] += g;
          }
      if (!dx)
        continue;
      for (int c = 0; c < C; c++)
        for (gsize p = 0; p < P; p++)
          {
            float xh = (xn[c * P + p] - mean[p]) * is[p];
            dx[(gsize) n * C * P + c * P + p]
              += is[p] * (gn[c * P + p] * gamma->data[c] - (float) (s[p] / C) - xh * (float) (s[P + p] / C));
          }
    }
  pl_tape_scratch_done (tape);
}

/* ---- position encoding --------------------------------------------------- */

void
pl_position_encoding_2d (float *pe, int c, int h, int w)
{
  int cy = c / 2;   /* channels 0 … cy−1 encode the row, the rest the column */
  gsize plane = (gsize) h * w;

  for (int ch = 0; ch < c; ch++)
    {
      gboolean col = ch >= cy;
      int group = col ? c - cy : cy, i = col ? ch - cy : ch;
      /* pairs (sin, cos) of one frequency, as Vaswani et al.'s 1-D code */
      double freq = pow (10000.0, -(double) (2 * (i / 2)) / MAX (group, 1));
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          {
            double a = (col ? x : y) * freq;
            pe[ch * plane + (gsize) y * w + x] = (float) (i % 2 == 0 ? sin (a) : cos (a));
          }
    }
}
