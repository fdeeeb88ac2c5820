/* Batch normalisation with batch statistics (Ioffe & Szegedy 2015, alg. 1).
 * Channels are independent, so both passes split them over the engine's
 * threads (a fixed partition: the same sums for any thread count). */
#define G_LOG_DOMAIN "pl-norm"

#include "engine/ops/ops.h"
#include "engine/ops/op-private.h"
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

/* Σ dy and Σ dy·(x − m)·is */
static void
sums_dy (const float *dy, const float *x, gsize n, float m, float is, double *sdy, double *sdyx)
{
  double s1 = 0.0, s2 = 0.0;
  gsize i = 0;
  for (; i + 256 <= n; i += 256)
    {
      float a[8] = { 0 }, b[8] = { 0 };
      for (int k = 0; k < 256; k += 8)
        for (int l = 0; l < 8; l++)
          {
            float g = dy[i + k + l];
            a[l] += g;
            b[l] += g * ((x[i + k + l] - m) * is);
          }
      s1 += (double) a[0] + a[1] + a[2] + a[3] + a[4] + a[5] + a[6] + a[7];
      s2 += (double) b[0] + b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + b[7];
    }
  for (; i < n; i++)
    {
      s1 += dy[i];
      s2 += dy[i] * ((x[i] - m) * is);
    }
  *sdy += s1;
  *sdyx += s2;
}

typedef struct
{
  const PlTensor *x, *gamma, *beta;
  PlTensor       *y;
  float          *stats;
  float           eps;
  /* backward */
  const float    *dy;
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
        {
          const float *xp = x->data + ((gsize) n * C + c) * hw;
          float *yp = j->y->data + ((gsize) n * C + c) * hw;
          for (gsize k = 0; k < hw; k++)
            yp[k] = g * xp[k] + b;
        }
    }
}

static int
n_parts_for (int C)
{
  return MIN (C, PL_CONV_MAX_PARTS);
}

/* x: (N, C, H, W); gamma, beta: (1, C, 1, 1).  saved: mean_c, invstd_c. */
PlTensor *
pl_batchnorm (PlTape *tape, PlTensor *x, PlTensor *gamma, PlTensor *beta, float eps)
{
  int C = x->c;
  BnJob j = { 0 };
  PlNode *node;

  g_return_val_if_fail (pl_tensor_numel (gamma) == (gsize) C && pl_tensor_numel (beta) == (gsize) C, NULL);
  j.x = x;
  j.gamma = gamma;
  j.beta = beta;
  j.eps = eps;
  j.y = pl_tape_tensor (tape, x->n, C, x->h, x->w);
  node = pl_tape_record (tape, PL_OP_BATCHNORM, j.y, 3, (PlTensor *[]) { x, gamma, beta });
  j.stats = pl_tape_alloc (tape, 2 * C * sizeof (float));
  pl_conv_parallel (n_parts_for (C), pl_conv_threads (), bn_forward_part, &j);
  if (node)
    node->saved = j.stats;
  return j.y;
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
      for (int n = 0; n < x->n; n++)
        {
          gsize off = ((gsize) n * C + c) * hw;
          sums_dy (j->dy + off, x->data + off, hw, mu, is, &sdy, &sdyx);
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
              const float *dyp = j->dy + off, *xp = x->data + off;
              float *dxp = j->dx + off;
              if (j->fresh)
                for (gsize k = 0; k < hw; k++)
                  dxp[k] = a * dyp[k] - e * xp[k] + f;
              else
                for (gsize k = 0; k < hw; k++)
                  dxp[k] += a * dyp[k] - e * xp[k] + f;
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

  j.x = node->in[0];
  j.gamma = node->in[1];
  j.beta = node->in[2];
  j.stats = node->saved;
  j.dy = node->out->grad;
  j.dx = pl_tape_grad_for_write (tape, node->in[0], &j.fresh);
  j.dgamma = pl_tape_grad (tape, node->in[1]);
  j.dbeta = pl_tape_grad (tape, node->in[2]);
  pl_conv_parallel (n_parts_for (j.x->c), pl_conv_threads (), bn_backward_part, &j);
}
