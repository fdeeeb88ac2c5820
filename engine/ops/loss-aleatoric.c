/* Cross-entropy of sampled logits: the classification loss of an aleatoric
 * head (Kendall & Gal 2017, eq. 12). */
#define G_LOG_DOMAIN "pl-loss"

#include "engine/ops/loss.h"
#include "engine/ops/op-private.h"

#include <math.h>
#include <string.h>

/* ε of sample t, class c, pixel i: a standard normal from a hash of
 * (seed, i, t, c) (splitmix64, then Box–Muller), so the backward pass
 * regenerates the forward's noise instead of storing T·K floats per pixel,
 * and the draws do not depend on the order pixels are visited in. */
static inline guint64
mix (guint64 z)
{
  z += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

double
pl_aleatoric_noise (guint64 seed, guint64 pixel, int t, int c)
{
  guint64 h = mix (seed ^ mix (pixel * 0x10000u + (guint64) t * 0x100u + (guint64) c));
  double u1 = ((h >> 11) + 1.0) * (1.0 / 9007199254740993.0);   /* (0, 1] */
  double u2 = (mix (h) >> 11) * (1.0 / 9007199254740992.0);      /* [0, 1) */
  return sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}

/* One pixel: z_t = x + σ ε_t (σ = exp(s / 2)); log q_t = log softmax(z_t)_y.
 * Returns −log (1/T Σ_t q_t).  With grads: dx (K) and ds get g · ∂/∂. */
static double
pixel_loss (const float *x, gsize hw, float s, int K, int y, int T, guint64 seed,
            guint64 pixel, double *z, double *lq, float g, float *dx, float *ds)
{
  double sigma = exp (0.5 * (double) s), m = -INFINITY, sum = 0.0, lQ;

  for (int t = 0; t < T; t++)
    {
      double *zt = z + (gsize) t * K, mz = -INFINITY, se = 0.0;
      for (int c = 0; c < K; c++)
        {
          zt[c] = x[c * hw] + sigma * pl_aleatoric_noise (seed, pixel, t, c);
          mz = fmax (mz, zt[c]);
        }
      for (int c = 0; c < K; c++)
        se += exp (zt[c] - mz);
      lq[t] = zt[y] - mz - log (se);
      /* keep the softmax for the backward pass */
      for (int c = 0; c < K; c++)
        zt[c] = exp (zt[c] - mz) / se;
      m = fmax (m, lq[t]);
    }
  for (int t = 0; t < T; t++)
    sum += exp (lq[t] - m);
  lQ = m + log (sum);                 /* log Σ_t q_t */
  if (dx)
    {
      double dsig = 0.0;
      for (int t = 0; t < T; t++)
        {
          const double *p = z + (gsize) t * K;
          double w = exp (lq[t] - lQ);   /* q_t / Σ q; Σ_t w = 1 */
          for (int c = 0; c < K; c++)
            {
              double d = w * (p[c] - (c == y ? 1.0 : 0.0));
              dx[c * hw] += g * (float) d;
              dsig += d * pl_aleatoric_noise (seed, pixel, t, c);
            }
        }
      *ds += g * (float) (dsig * 0.5 * sigma);
    }
  return -(lQ - log ((double) T));
}

PlTensor *
pl_aleatoric_cross_entropy (PlTape *tape, PlTensor *logits, PlTensor *log_var,
                            const gint32 *target, gint32 ignore, int n_samples,
                            guint64 seed)
{
  gsize hw = pl_tensor_plane (logits), npix = (gsize) logits->n * hw;
  int K = logits->c, T = n_samples;
  double s = 0.0;
  gsize count = 0;
  PlTensor *y = pl_tape_tensor (tape, 1, 1, 1, 1);
  PlTensor *in[2] = { logits, log_var };
  PlNode *node;
  double *z, *lq;

  g_return_val_if_fail (T >= 1, NULL);
  g_return_val_if_fail (log_var->n == logits->n && log_var->c == 1
                        && log_var->h == logits->h && log_var->w == logits->w, NULL);
  z = g_new (double, (gsize) T * K + T);
  lq = z + (gsize) T * K;
  for (int n = 0; n < logits->n; n++)
    for (gsize p = 0; p < hw; p++)
      {
        gint32 t = target[(gsize) n * hw + p];
        if (t == ignore)
          continue;
        g_return_val_if_fail (t >= 0 && t < K, (g_free (z), NULL));
        s += pixel_loss (logits->data + (gsize) n * K * hw + p, hw,
                         log_var->data[(gsize) n * hw + p], K, t, T, seed,
                         (gsize) n * hw + p, z, lq, 0.0f, NULL, NULL);
        count++;
      }
  g_free (z);
  y->data[0] = count ? (float) (s / count) : 0.0f;
  node = pl_tape_record (tape, PL_OP_ALEATORIC_CE, y, 2, in);
  if (node)
    {
      gint32 *tc = pl_tape_alloc (tape, npix * sizeof (gint32));
      guint64 *sc = pl_tape_alloc (tape, sizeof (guint64));
      memcpy (tc, target, npix * sizeof (gint32));
      *sc = seed;
      node->saved = tc;
      node->saved2 = sc;
      node->iarg[0] = ignore;
      node->iarg[1] = T;
      node->farg[0] = count ? 1.0f / count : 0.0f;
    }
  return y;
}

void
pl_aleatoric_ce_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *logits = node->in[0], *log_var = node->in[1];
  float *dx = pl_tape_grad (tape, logits), *ds = pl_tape_grad (tape, log_var);
  const gint32 *target = node->saved;
  guint64 seed = *(const guint64 *) node->saved2;
  gsize hw = pl_tensor_plane (logits);
  int K = logits->c, T = node->iarg[1];
  float g = node->out->grad[0] * node->farg[0];
  float *dx_tmp, *ds_tmp;
  double *z, *lq;

  if (g == 0.0f)
    return;
  z = g_new (double, (gsize) T * K + T);
  lq = z + (gsize) T * K;
  /* Either input may need no gradient: accumulate into scratch then. */
  dx_tmp = dx ? NULL : g_new (float, (gsize) K * hw);
  ds_tmp = ds ? NULL : g_new (float, 1);
  for (int n = 0; n < logits->n; n++)
    for (gsize p = 0; p < hw; p++)
      {
        gint32 t = target[(gsize) n * hw + p];
        if (t == node->iarg[0])
          continue;
        pixel_loss (logits->data + (gsize) n * K * hw + p, hw,
                    log_var->data[(gsize) n * hw + p], K, t, T, seed, (gsize) n * hw + p,
                    z, lq, g,
                    dx ? dx + (gsize) n * K * hw + p : dx_tmp + p,
                    ds ? ds + (gsize) n * hw + p : ds_tmp);
      }
  g_free (dx_tmp);
  g_free (ds_tmp);
  g_free (z);
}
