/* Cross-entropy of sampled logits: the classification loss of an aleatoric
 * head (Kendall & Gal 2017, eq. 12). */
#define G_LOG_DOMAIN "pl-loss"

#include "engine/ops/loss.h"
#include "engine/ops/op-private.h"
#include "engine/kernels/conv-private.h"

#include <math.h>
#include <string.h>

/* ε of sample t, class c, pixel i: a standard normal picked by a hash of
 * (seed, i, t, c) (splitmix64) from a fixed table of 2^16 normals (the
 * inverse normal CDF at the midpoints of 2^16 equal-probability bins, so
 * the table's distribution is N(0, 1) to within its quantisation).  The
 * backward pass regenerates the forward's noise instead of storing T·K
 * floats per pixel, the draws do not depend on the order pixels are visited
 * in, and a draw costs a hash and a load instead of a logarithm and a
 * cosine (the loss runs T·K draws per pixel, twice a step). */
#define NOISE_BITS 16

static inline guint64
mix (guint64 z)
{
  z += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* Φ⁻¹ (Acklam's rational approximation, relative error < 1.2e-9). */
static double
normal_quantile (double p)
{
  static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                              1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00 };
  static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                              6.680131188771972e+01, -1.328068155288572e+01 };
  static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                              -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00 };
  static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                              3.754408661907416e+00 };
  double q, r;

  if (p < 0.02425)
    {
      q = sqrt (-2.0 * log (p));
      return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
             / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
    }
  if (p > 1.0 - 0.02425)
    return -normal_quantile (1.0 - p);
  q = p - 0.5;
  r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
         / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
}

/* Made once, by whichever thread first needs it.  The flag is read and
 * written with the compiler's atomics in this file (not g_once_init_*(),
 * whose release store happens inside GLib, where ThreadSanitizer does not
 * see it and reports the pool's first readers). */
static const float *
noise_table (void)
{
  static float table[1u << NOISE_BITS];
  static int ready;
  static GMutex lock;

  if (!__atomic_load_n (&ready, __ATOMIC_ACQUIRE))
    {
      g_mutex_lock (&lock);
      if (!__atomic_load_n (&ready, __ATOMIC_RELAXED))
        {
          for (guint i = 0; i < 1u << NOISE_BITS; i++)
            table[i] = (float) normal_quantile ((i + 0.5) / (1u << NOISE_BITS));
          __atomic_store_n (&ready, 1, __ATOMIC_RELEASE);
        }
      g_mutex_unlock (&lock);
    }
  return table;
}

double
pl_aleatoric_noise (guint64 seed, guint64 pixel, int t, int c)
{
  guint64 h = mix (seed ^ mix (pixel * 0x10000u + (guint64) t * 0x100u + (guint64) c));
  return noise_table ()[h >> (64 - NOISE_BITS)];
}

/* z, e: T·K scratch (softmax of sample t; its noise); lq: T. */
static double
pixel_loss (const float *x, gsize hw, float s, int K, int y, int T, guint64 seed,
            guint64 pixel, double *z, double *e, double *lq, float g, float *dx, float *ds)
{
  double sigma = exp (0.5 * (double) s), m = -INFINITY, sum = 0.0, lQ;

  for (int t = 0; t < T; t++)
    {
      double *zt = z + (gsize) t * K, *et = e + (gsize) t * K, mz = -INFINITY, se = 0.0;
      for (int c = 0; c < K; c++)
        {
          et[c] = pl_aleatoric_noise (seed, pixel, t, c);
          zt[c] = x[c * hw] + sigma * et[c];
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
              dsig += d * e[(gsize) t * K + c];
            }
        }
      *ds += g * (float) (dsig * 0.5 * sigma);
    }
  return -(lQ - log ((double) T));
}

/* The pixels are split into a fixed number of runs (by index, not by
 * thread), each summed in order and the sums added in run order, so the loss
 * does not depend on the thread count.  When a gradient will be wanted the
 * forward pass computes each pixel's gradient with its loss (the draws and
 * softmaxes are at hand) and keeps it on the tape; the backward pass only
 * scales it. */
#define ALEA_PARTS    32
#define ALEA_PARALLEL 1024

typedef struct
{
  const float  *x, *s;          /* logits (n, K, hw); log σ² (n, 1, hw) */
  const gint32 *target;
  gsize         hw, npix;
  int           K, T, n_parts;
  gint32        ignore;
  guint64       seed;
  float        *dx, *ds;        /* d loss_i / d x, d loss_i / d s, or NULL */
  float        *gx, *gs;        /* backward: dL/dx, dL/ds (may be NULL) */
  const float  *sx, *ss;        /* backward: the saved per-pixel gradients */
  float         g;              /* backward: dL/d mean loss / count */
  double        sum[ALEA_PARTS];
  gsize         count[ALEA_PARTS];
} AleaJob;

static void
run_range (const AleaJob *j, int part, int n_parts, gsize *lo, gsize *hi)
{
  gsize chunk = (j->npix + n_parts - 1) / n_parts;
  *lo = MIN (j->npix, (gsize) part * chunk);
  *hi = MIN (j->npix, *lo + chunk);
}

static void
alea_part (int part, int n_parts, gpointer data)
{
  AleaJob *j = data;
  int K = j->K, T = j->T;
  double *z = g_new (double, (gsize) 2 * T * K + T), *e = z + (gsize) T * K, *lq = e + (gsize) T * K;
  double s = 0.0;
  gsize count = 0, lo, hi;

  run_range (j, part, n_parts, &lo, &hi);
  for (gsize q = lo; q < hi; q++)
    {
      gsize n = q / j->hw, p = q % j->hw, at = n * K * j->hw + p;
      gint32 t = j->target[q];
      if (t == j->ignore)
        continue;
      s += pixel_loss (j->x + at, j->hw, j->s[q], K, t, T, j->seed, q, z, e, lq, 1.0f,
                       j->dx ? j->dx + at : NULL, j->dx ? j->ds + q : NULL);
      count++;
    }
  j->sum[part] = s;
  j->count[part] = count;
  g_free (z);
}

static void
alea_backward_part (int part, int n_parts, gpointer data)
{
  const AleaJob *j = data;
  gsize lo, hi;

  run_range (j, part, n_parts, &lo, &hi);
  for (gsize q = lo; q < hi; q++)
    {
      gsize n = q / j->hw, p = q % j->hw, at = n * j->K * j->hw + p;
      if (j->gx)
        for (int c = 0; c < j->K; c++)
          j->gx[at + c * j->hw] += j->g * j->sx[at + c * j->hw];
      if (j->gs)
        j->gs[q] += j->g * j->ss[q];
    }
}

static int
n_parts_for (gsize npix)
{
  return npix >= ALEA_PARALLEL ? ALEA_PARTS : 1;
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
  PlTensor *y;
  PlTensor *in[2] = { logits, log_var };
  PlNode *node;
  AleaJob j = { 0 };

  g_return_val_if_fail (T >= 1, NULL);
  g_return_val_if_fail (log_var->n == logits->n && log_var->c == 1
                        && log_var->h == logits->h && log_var->w == logits->w, NULL);
  for (gsize q = 0; q < npix; q++)
    g_return_val_if_fail (target[q] == ignore || (target[q] >= 0 && target[q] < K), NULL);
  y = pl_tape_tensor (tape, 1, 1, 1, 1);
  j.x = logits->data;
  j.s = log_var->data;
  j.target = target;
  j.hw = hw;
  j.npix = npix;
  j.K = K;
  j.T = T;
  j.ignore = ignore;
  j.seed = seed;
  if (pl_tape_get_grad_enabled (tape)
      && (pl_tensor_requires_grad (logits) || pl_tensor_requires_grad (log_var)))
    {
      j.dx = pl_tape_alloc (tape, (gsize) K * npix * sizeof (float));
      j.ds = pl_tape_alloc (tape, npix * sizeof (float));
      memset (j.dx, 0, (gsize) K * npix * sizeof (float));
      memset (j.ds, 0, npix * sizeof (float));
    }
  j.n_parts = n_parts_for (npix);
  pl_conv_parallel (j.n_parts, pl_conv_threads (), alea_part, &j);
  for (int i = 0; i < j.n_parts; i++)
    {
      s += j.sum[i];
      count += j.count[i];
    }
  y->data[0] = count ? (float) (s / count) : 0.0f;
  node = pl_tape_record (tape, PL_OP_ALEATORIC_CE, y, 2, in);
  if (node)
    {
      g_assert (j.dx != NULL);
      node->saved = j.dx;
      node->saved2 = j.ds;
      node->farg[0] = count ? 1.0f / count : 0.0f;
    }
  return y;
}

void
pl_aleatoric_ce_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *logits = node->in[0], *log_var = node->in[1];
  AleaJob j = { 0 };

  j.g = node->out->grad[0] * node->farg[0];
  j.gx = pl_tape_grad (tape, logits);
  j.gs = pl_tape_grad (tape, log_var);
  if (j.g == 0.0f || (!j.gx && !j.gs))
    return;
  j.sx = node->saved;
  j.ss = node->saved2;
  j.hw = pl_tensor_plane (logits);
  j.npix = (gsize) logits->n * j.hw;
  j.K = logits->c;
  pl_conv_parallel (n_parts_for (j.npix), pl_conv_threads (), alea_backward_part, &j);
}
