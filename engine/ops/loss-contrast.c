/* The global contrastive loss (NT-Xent), the global average pool that
 * feeds it, and the region pool of the local loss, as tape operators
 * (loss.h). */
#define G_LOG_DOMAIN "pl-loss"

#include "engine/ops/loss.h"
#include "engine/ops/op-private.h"

#include <math.h>
#include <string.h>

/* The norm is sqrt (|z|² + ε²), so a zero vector has a finite gradient. */
#define NT_XENT_EPS 1e-6

PlTensor *
pl_global_avg_pool (PlTape *tape, PlTensor *x)
{
  gsize plane = (gsize) x->h * x->w, nc = (gsize) x->n * x->c;
  PlTensor *y = pl_tape_tensor (tape, x->n, x->c, 1, 1);

  for (gsize i = 0; i < nc; i++)
    {
      double s = 0.0;
      for (gsize p = 0; p < plane; p++)
        s += x->data[i * plane + p];
      y->data[i] = (float) (s / plane);
    }
  pl_tape_record (tape, PL_OP_GLOBAL_AVG_POOL, y, 1, &x);
  return y;
}

void
pl_global_avg_pool_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *x = node->in[0];
  float *dx = pl_tape_grad (tape, x);
  gsize plane = (gsize) x->h * x->w, nc = (gsize) x->n * x->c;

  if (!dx)
    return;
  for (gsize i = 0; i < nc; i++)
    {
      float g = node->out->grad[i] / (float) plane;
      for (gsize p = 0; p < plane; p++)
        dx[i * plane + p] += g;
    }
}

/* The unit vectors u (n, d) and the norms r (n) of z. */
static void
nt_xent_normalise (const PlTensor *z, double *u, double *r)
{
  int n = z->n;
  gsize d = pl_tensor_numel (z) / n;

  for (int i = 0; i < n; i++)
    {
      double s = NT_XENT_EPS * NT_XENT_EPS;
      for (gsize k = 0; k < d; k++)
        s += (double) z->data[i * d + k] * z->data[i * d + k];
      r[i] = sqrt (s);
      for (gsize k = 0; k < d; k++)
        u[i * d + k] = z->data[i * d + k] / r[i];
    }
}

/* P (n, n): row i the softmax over k ≠ i of s_ik = u_i·u_k / τ (P_ii = 0);
 * returns the mean over i of −s_{i,p(i)} + log Σ_{k≠i} exp s_ik. */
static double
nt_xent_probs (const double *u, int n, gsize d, double tau, double *p)
{
  int b = n / 2;
  double loss = 0.0;

  for (int i = 0; i < n; i++)
    {
      double mx = -INFINITY, z = 0.0;
      int pos = i < b ? i + b : i - b;
      for (int k = 0; k < n; k++)
        {
          double s = 0.0;
          if (k == i)
            continue;
          for (gsize c = 0; c < d; c++)
            s += u[i * d + c] * u[k * d + c];
          p[i * n + k] = s / tau;
          mx = MAX (mx, p[i * n + k]);
        }
      for (int k = 0; k < n; k++)
        if (k != i)
          z += exp (p[i * n + k] - mx);
      loss += -p[i * n + pos] + mx + log (z);
      for (int k = 0; k < n; k++)
        p[i * n + k] = k == i ? 0.0 : exp (p[i * n + k] - mx) / z;
    }
  return loss / n;
}

PlTensor *
pl_nt_xent (PlTape *tape, PlTensor *z, float temperature)
{
  int n = z->n;
  gsize d = pl_tensor_numel (z) / n;
  double *u, *r, *p;
  PlTensor *y;
  PlNode *node;

  g_return_val_if_fail (n >= 2 && n % 2 == 0, NULL);
  g_return_val_if_fail (temperature > 0.0f, NULL);
  u = g_new (double, (gsize) n * d);
  r = g_new (double, n);
  p = g_new (double, (gsize) n * n);
  nt_xent_normalise (z, u, r);
  y = pl_tape_tensor (tape, 1, 1, 1, 1);
  y->data[0] = (float) nt_xent_probs (u, n, d, temperature, p);
  node = pl_tape_record (tape, PL_OP_NT_XENT, y, 1, &z);
  if (node)
    node->farg[0] = temperature;
  g_free (u);
  g_free (r);
  g_free (p);
  return y;
}

/* With G_ik = (P_ik − [k = p(i)]) / n: ∂L/∂u_i = Σ_k (G_ik + G_ki) u_k / τ,
 * and ∂L/∂z_i = (∂L/∂u_i − u_i (u_i·∂L/∂u_i)) / r_i. */
void
pl_nt_xent_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *z = node->in[0];
  float *dz = pl_tape_grad (tape, z);
  int n = z->n, b = n / 2;
  gsize d = pl_tensor_numel (z) / n;
  double tau = node->farg[0], g = node->out->grad[0];
  double *u, *r, *p, *du;

  if (!dz || g == 0.0)
    return;
  u = g_new (double, (gsize) n * d);
  r = g_new (double, n);
  p = g_new (double, (gsize) n * n);
  du = g_new0 (double, d);
  nt_xent_normalise (z, u, r);
  nt_xent_probs (u, n, d, tau, p);
  for (int i = 0; i < n; i++)
    p[i * n + (i < b ? i + b : i - b)] -= 1.0;
  for (int i = 0; i < n; i++)
    {
      double dot = 0.0;
      memset (du, 0, sizeof (double) * d);
      for (int k = 0; k < n; k++)
        {
          double w = (p[i * n + k] + p[k * n + i]) * g / (n * tau);
          if (k == i || w == 0.0)
            continue;
          for (gsize c = 0; c < d; c++)
            du[c] += w * u[k * d + c];
        }
      for (gsize c = 0; c < d; c++)
        dot += du[c] * u[i * d + c];
      for (gsize c = 0; c < d; c++)
        dz[i * d + c] += (float) ((du[c] - u[i * d + c] * dot) / r[i]);
    }
  g_free (u);
  g_free (r);
  g_free (p);
  g_free (du);
}

/* Rows [y0, y1) of cell g of n along a side of length n. */
static void
cell_span (int n, int grid, int g, int *lo, int *hi)
{
  *lo = (int) ((gint64) g * n / grid);
  *hi = (int) ((gint64) (g + 1) * n / grid);
}

PlTensor *
pl_region_pool (PlTape *tape, PlTensor *x, int grid)
{
  int R = grid * grid;
  PlTensor *y;
  PlNode *node;

  g_return_val_if_fail (grid >= 1 && grid <= MIN (x->h, x->w), NULL);
  y = pl_tape_tensor (tape, x->n * R, x->c, 1, 1);
  for (int n = 0; n < x->n; n++)
    for (int gy = 0; gy < grid; gy++)
      for (int gx = 0; gx < grid; gx++)
        {
          int y0, y1, x0, x1;
          cell_span (x->h, grid, gy, &y0, &y1);
          cell_span (x->w, grid, gx, &x0, &x1);
          for (int c = 0; c < x->c; c++)
            {
              const float *p = x->data + ((gsize) n * x->c + c) * x->h * x->w;
              double s = 0.0;
              for (int yy = y0; yy < y1; yy++)
                for (int xx = x0; xx < x1; xx++)
                  s += p[(gsize) yy * x->w + xx];
              y->data[((gsize) n * R + gy * grid + gx) * x->c + c] = (float) (s / ((y1 - y0) * (x1 - x0)));
            }
        }
  node = pl_tape_record (tape, PL_OP_REGION_POOL, y, 1, &x);
  if (node)
    node->iarg[0] = grid;
  return y;
}

void
pl_region_pool_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *x = node->in[0];
  float *dx = pl_tape_grad (tape, x);
  int grid = node->iarg[0], R = grid * grid;

  if (!dx)
    return;
  for (int n = 0; n < x->n; n++)
    for (int gy = 0; gy < grid; gy++)
      for (int gx = 0; gx < grid; gx++)
        {
          int y0, y1, x0, x1;
          cell_span (x->h, grid, gy, &y0, &y1);
          cell_span (x->w, grid, gx, &x0, &x1);
          for (int c = 0; c < x->c; c++)
            {
              float g = node->out->grad[((gsize) n * R + gy * grid + gx) * x->c + c]
                        / (float) ((y1 - y0) * (x1 - x0));
              float *d = dx + ((gsize) n * x->c + c) * x->h * x->w;
              for (int yy = y0; yy < y1; yy++)
                for (int xx = x0; xx < x1; xx++)
                  d[(gsize) yy * x->w + xx] += g;
            }
        }
}
