/* Batch normalisation with batch statistics (Ioffe & Szegedy 2015, alg. 1),
 * alone or followed by ReLU in the same pass (pl_batchnorm_relu).
 * Channels are independent, so both passes split them over the engine's
 * threads (a fixed partition: the same sums for any thread count).  The
 * loops run on four-float vectors (op-vec.h). */
#define G_LOG_DOMAIN "pl-norm"

#include "engine/ops/ops.h"
#include "engine/ops/op-private.h"
#include "engine/ops/op-vec.h"
#include "engine/kernels/conv-private.h"

#include <math.h>

/* Sums of a run of floats in double, via 8 float lanes over short blocks
 * (vectorisable, and the float partial sums stay short enough to be exact
 * to about 1e-7 relative). */
static double
sum_f (const float *x, gsize n)
{
  double s = 0.0;
  gsize i = 0;
  for (; i + 256 <= n; i += 256)
    {
      float a[8] = { 0 };
      for (int k = 0; k < 256; k += 8)
        for (int l = 0; l < 8; l++)
          a[l] += x[i + k + l];
      s += (double) a[0] + a[1] + a[2] + a[3] + a[4] + a[5] + a[6] + a[7];
    }
  for (; i < n; i++)
    s += x[i];
  return s;
}

/* Σ (x − m)² */
static double
sumsq_dev (const float *x, gsize n, float m)
{
  double s = 0.0;
  gsize i = 0;
  for (; i + 256 <= n; i += 256)
    {
      float a[8] = { 0 };
      for (int k = 0; k < 256; k += 8)
        for (int l = 0; l < 8; l++)
          {
            float d = x[i + k + l] - m;
            a[l] += d * d;
          }
      s += (double) a[0] + a[1] + a[2] + a[3] + a[4] + a[5] + a[6] + a[7];
    }
  for (; i < n; i++)
    {
      double d = x[i] - m;
      s += d * d;
    }
  return s;
}

/* The ReLU after a fused batch norm: its mask, output > 0, recomputed
 * from x as the forward pass computed the output (gx x + bx > 0, the same
 * operations, so the same mask bit for bit), which saves reading it. */
typedef struct
{
  gboolean on;
  float    gx, bx;
} Mask;

/* dy[i], or 0 where the ReLU's output was not positive */
static inline float
masked (const float *dy, const Mask *mk, const float *x, gsize i)
{
  return mk->on ? (mk->gx * x[i] + mk->bx > 0.0f ? dy[i] : 0.0f) : dy[i];
}

/* Σ g and Σ g·(x − m)·is, with g = masked dy */

static void
sums_dy (const float *dy, const Mask *mk, const float *x, gsize n, float m, float is,
         double *sdy, double *sdyx)
{
  double s1 = 0.0, s2 = 0.0;
  PlVec4 vm = pl_vec4_set1 (m), vis = pl_vec4_set1 (is);
  PlVec4 vgx = pl_vec4_set1 (mk->gx), vbx = pl_vec4_set1 (mk->bx);
  gsize i = 0;
  /* lanes l and l + 4 of the scalar version's 8 partial sums: the same
   * additions in the same order */
  for (; i + 256 <= n; i += 256)
    {
      PlVec4 a0 = { 0 }, a1 = { 0 }, b0 = { 0 }, b1 = { 0 };
      for (int k = 0; k < 256; k += 8)
        {
          PlVec4 g0 = pl_vec4_load (dy + i + k), g1 = pl_vec4_load (dy + i + k + 4);
          PlVec4 x0 = pl_vec4_load (x + i + k), x1 = pl_vec4_load (x + i + k + 4);
          if (mk->on)
            {
              g0 = pl_vec4_where_pos (vgx * x0 + vbx, g0);
              g1 = pl_vec4_where_pos (vgx * x1 + vbx, g1);
            }
          a0 += g0;
          a1 += g1;
          b0 += g0 * ((x0 - vm) * vis);
          b1 += g1 * ((x1 - vm) * vis);
        }
      s1 += (double) a0[0] + a0[1] + a0[2] + a0[3] + a1[0] + a1[1] + a1[2] + a1[3];
      s2 += (double) b0[0] + b0[1] + b0[2] + b0[3] + b1[0] + b1[1] + b1[2] + b1[3];
    }
  for (; i < n; i++)
    {
      float g = masked (dy, mk, x, i);
      s1 += g;
      s2 += g * ((x[i] - m) * is);
    }
  *sdy += s1;
  *sdyx += s2;
}

/* y = g x + b, and max (·, 0) with relu (NaN becomes 0, as pl_relu does) */
static void
scale_shift (const float *x, float *y, gsize n, float g, float b, gboolean relu)
{
  PlVec4 vg = pl_vec4_set1 (g), vb = pl_vec4_set1 (b);
  gsize i = 0;
  for (; i + 4 <= n; i += 4)
    {
      PlVec4 v = vg * pl_vec4_load (x + i) + vb;
      pl_vec4_store (y + i, relu ? pl_vec4_where_pos (v, v) : v);
    }
  for (; i < n; i++)
    {
      float v = g * x[i] + b;
      y[i] = relu ? (v > 0.0f ? v : 0.0f) : v;
    }
}

/* dx (=|+=) a g − e x + f, g as in sums_dy */
static void
input_grad (const float *dy, const Mask *mk, const float *x, float *dx, gsize n,
            float a, float e, float f, gboolean fresh)
{
  PlVec4 va = pl_vec4_set1 (a), ve = pl_vec4_set1 (e), vf = pl_vec4_set1 (f);
  PlVec4 vgx = pl_vec4_set1 (mk->gx), vbx = pl_vec4_set1 (mk->bx);
  gsize i = 0;
  for (; i + 4 <= n; i += 4)
    {
      PlVec4 g = pl_vec4_load (dy + i), xv = pl_vec4_load (x + i), v;
      if (mk->on)
        g = pl_vec4_where_pos (vgx * xv + vbx, g);
      v = va * g - ve * xv + vf;
      pl_vec4_store (dx + i, fresh ? v : pl_vec4_load (dx + i) + v);
    }
  for (; i < n; i++)
    {
      float v = a * masked (dy, mk, x, i) - e * x[i] + f;
      dx[i] = fresh ? v : dx[i] + v;
    }
}

/* Shared by the two nodes pl_batchnorm_relu records.  When the ReLU's
 * backward runs with the default rule it leaves its gradient unmasked (it
 * hands dy on as is, see activation.c) and sets `pending`; the batch norm's
 * backward then applies the mask (the ReLU's output > 0) as it reads dy. */
struct _PlBnReluLink
{
  gboolean pending;
};

void
pl_bn_relu_link_defer (PlBnReluLink *link)
{
  link->pending = TRUE;
}

typedef struct
{
  const PlTensor *x, *gamma, *beta;
  PlTensor       *y;
  float          *stats;
  float           eps;
  gboolean        relu;
  /* backward */
  const float    *dy;
  gboolean        relu_mask;
  float          *dx, *dgamma, *dbeta;
  gboolean        fresh;
} BnJob;

static void
channel_range (int part, int n_parts, int C, int *c0, int *c1)
{
  *c0 = (int) ((gint64) C * part / n_parts);
  *c1 = (int) ((gint64) C * (part + 1) / n_parts);
}

static void
bn_forward_part (int part, int n_parts, gpointer data)
{
  BnJob *j = data;
  const PlTensor *x = j->x;
  int C = x->c, c0, c1;
  gsize hw = pl_tensor_plane (x);
  double m = (double) x->n * hw;

  channel_range (part, n_parts, C, &c0, &c1);
  for (int c = c0; c < c1; c++)
    {
      double s = 0.0, s2 = 0.0;
      float mu, is, g, b;
      for (int n = 0; n < x->n; n++)
        s += sum_f (x->data + ((gsize) n * C + c) * hw, hw);
      mu = (float) (s / m);
      for (int n = 0; n < x->n; n++)
        s2 += sumsq_dev (x->data + ((gsize) n * C + c) * hw, hw, mu);
      is = (float) (1.0 / sqrt (s2 / m + j->eps));
      j->stats[c] = mu;
      j->stats[C + c] = is;
      g = j->gamma->data[c] * is;
      b = j->beta->data[c] - g * mu;
      for (int n = 0; n < x->n; n++)
        scale_shift (x->data + ((gsize) n * C + c) * hw, j->y->data + ((gsize) n * C + c) * hw,
                     hw, g, b, j->relu);
    }
}

static int
n_parts_for (int C)
{
  return MIN (C, PL_CONV_MAX_PARTS);
}

/* x: (N, C, H, W); gamma, beta: (1, C, 1, 1).  saved: mean_c, invstd_c. */
static PlTensor *
batchnorm (PlTape *tape, PlTensor *x, PlTensor *gamma, PlTensor *beta, float eps, gboolean relu)
{
  int C = x->c;
  BnJob j = { 0 };
  PlTensor *pre;
  PlNode *node;

  g_return_val_if_fail (pl_tensor_numel (gamma) == (gsize) C && pl_tensor_numel (beta) == (gsize) C, NULL);
  j.x = x;
  j.gamma = gamma;
  j.beta = beta;
  j.eps = eps;
  j.relu = relu;
  j.y = pl_tape_tensor (tape, x->n, C, x->h, x->w);
  j.stats = pl_tape_alloc (tape, 2 * C * sizeof (float));
  pl_conv_parallel (n_parts_for (C), pl_conv_threads (), bn_forward_part, &j);
  /* With relu the batch norm's output is a tensor sharing the ReLU's
   * memory: its values are gone, but the batch norm's backward never reads
   * them (as conv2d's output under pl_conv2d_relu). */
  pre = relu ? pl_tape_wrap (tape, x->n, C, x->h, x->w, j.y->data, FALSE) : j.y;
  node = pl_tape_record (tape, PL_OP_BATCHNORM, pre, 3, (PlTensor *[]) { x, gamma, beta });
  if (node)
    node->saved = j.stats;
  if (node && relu)
    {
      PlBnReluLink *link = pl_tape_alloc (tape, sizeof (PlBnReluLink));
      link->pending = FALSE;
      node->saved2 = link;
      node = pl_tape_record (tape, PL_OP_RELU, j.y, 1, &pre);
      node->saved = link;
    }
  return j.y;
}

PlTensor *
pl_batchnorm (PlTape *tape, PlTensor *x, PlTensor *gamma, PlTensor *beta, float eps)
{
  return batchnorm (tape, x, gamma, beta, eps, FALSE);
}

PlTensor *
pl_batchnorm_relu (PlTape *tape, PlTensor *x, PlTensor *gamma, PlTensor *beta, float eps)
{
  return batchnorm (tape, x, gamma, beta, eps, TRUE);
}

static void
bn_backward_part (int part, int n_parts, gpointer data)
{
  BnJob *j = data;
  const PlTensor *x = j->x;
  int C = x->c, c0, c1;
  gsize hw = pl_tensor_plane (x);
  double m = (double) x->n * hw;

  channel_range (part, n_parts, C, &c0, &c1);
  for (int c = c0; c < c1; c++)
    {
      float mu = j->stats[c], is = j->stats[C + c];
      double sdy = 0.0, sdyx = 0.0;
      Mask mk = { j->relu_mask, 0.0f, 0.0f };
      /* as bn_forward_part computed its scale and shift */
      mk.gx = j->gamma->data[c] * is;
      mk.bx = j->beta->data[c] - mk.gx * mu;
      for (int n = 0; n < x->n; n++)
        {
          gsize off = ((gsize) n * C + c) * hw;
          sums_dy (j->dy + off, &mk, x->data + off, hw, mu, is, &sdy, &sdyx);
        }
      if (j->dgamma)
        j->dgamma[c] += (float) sdyx;
      if (j->dbeta)
        j->dbeta[c] += (float) sdy;
      if (j->dx)
        {
          double g = j->gamma->data[c];
          /* dx = a dy − b − (x − μ) is d = a dy + (is μ d − b) − is d x */
          float a = (float) (g * is), d = (float) (g * is * sdyx / m);
          float e = (float) (is * d), f = (float) (is * mu * d - g * is * sdy / m);
          for (int n = 0; n < x->n; n++)
            {
              gsize off = ((gsize) n * C + c) * hw;
              input_grad (j->dy + off, &mk, x->data + off, j->dx + off, hw, a, e, f, j->fresh);
            }
        }
    }
}

/* With x̂ = (x - μ) σ⁻¹ and g = dy·γ:
 * dx = σ⁻¹/M (M g - Σg - x̂ Σ(g x̂)), dγ = Σ dy x̂, dβ = Σ dy. */
void
pl_batchnorm_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  BnJob j = { 0 };
  PlBnReluLink *link = node->saved2;

  j.x = node->in[0];
  j.gamma = node->in[1];
  j.beta = node->in[2];
  j.stats = node->saved;
  j.dy = node->out->grad;
  if (link && link->pending)
    {
      j.relu_mask = TRUE;
      link->pending = FALSE;
    }
  j.dx = pl_tape_grad_for_write (tape, node->in[0], &j.fresh);
  j.dgamma = pl_tape_grad (tape, node->in[1]);
  j.dbeta = pl_tape_grad (tape, node->in[2]);
  pl_conv_parallel (n_parts_for (j.x->c), pl_conv_threads (), bn_backward_part, &j);
}
