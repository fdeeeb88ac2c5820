/* LIME (Ribeiro et al. 2016) on superpixels: a weighted linear model of the
 * score on which superpixels are kept, fitted to perturbed copies of the
 * slice.
 *
 * Superpixels: SLIC (Achanta et al. 2012) on the input intensities scaled to
 * [0, 1], `segments` seeds on a regular grid of step S, 10 iterations of
 * local k-means with D² = d_intensity² + (d_xy / S)² · compactness², then
 * connectivity enforced as in Achanta et al.'s code: each 4-connected piece
 * of a cluster becomes a superpixel, pieces smaller than a quarter of the
 * mean size joining the superpixel next to them.
 * Samples: z ∈ {0, 1}^K, each superpixel kept with probability ½ (the first
 * sample keeps all), removed ones set to `fill`; kernel π(z) =
 * exp (−d² / w²) with d the cosine distance between z and 1 and w = 0.25
 * (LIME's image default); ridge fit (λ = 1) of S(z)/S(x) on z with an
 * intercept.  The map gives each pixel its superpixel's coefficient; with
 * top > 0 only the `top` largest coefficients are kept. */
#define G_LOG_DOMAIN "pl-explain"

#include "engine/explain/explain-private.h"
#include "engine/core/rng.h"

#include <math.h>
#include <string.h>

/* Relabels labels (H, W) so that every superpixel is 4-connected; pieces
 * of fewer than min_size pixels join the superpixel of the pixel before
 * their first one in scan order (above or to the left).  Returns the
 * number of superpixels. */
static int
enforce_connectivity (int *labels, int H, int W, gsize min_size)
{
  gsize n = (gsize) H * W;
  g_autofree int *out = g_new (int, n);
  g_autofree gsize *queue = g_new (gsize, n);
  int next = 0;
  static const int dy[] = { -1, 0, 1, 0 }, dx[] = { 0, -1, 0, 1 };

  for (gsize i = 0; i < n; i++)
    out[i] = -1;
  for (gsize s = 0; s < n; s++)
    {
      int adjacent = -1, y = s / W, x = s % W;
      gsize head = 0, tail = 0;

      if (out[s] >= 0)
        continue;
      for (int d = 0; d < 4; d++)
        {
          int ny = y + dy[d], nx = x + dx[d];
          if (ny >= 0 && ny < H && nx >= 0 && nx < W && out[(gsize) ny * W + nx] >= 0)
            adjacent = out[(gsize) ny * W + nx];
        }
      out[s] = next;
      queue[tail++] = s;
      while (head < tail)
        {
          gsize p = queue[head++];
          int py = p / W, px = p % W;
          for (int d = 0; d < 4; d++)
            {
              int ny = py + dy[d], nx = px + dx[d];
              gsize q = (gsize) ny * W + nx;
              if (ny >= 0 && ny < H && nx >= 0 && nx < W && out[q] < 0 && labels[q] == labels[s])
                {
                  out[q] = next;
                  queue[tail++] = q;
                }
            }
        }
      if (tail < min_size && adjacent >= 0)
        for (gsize k = 0; k < tail; k++)
          out[queue[k]] = adjacent;
      else
        next++;
    }
  memcpy (labels, out, n * sizeof (int));
  return next;
}

/* labels (H, W) ← superpixel of each pixel; returns their number. */
int
pl_explain_slic (const float *img, int H, int W, int segments, double compactness, int *labels)
{
  gsize n = (gsize) H * W;
  double S = sqrt ((double) n / MAX (segments, 1));
  int gy = MAX ((int) (H / S), 1), gx = MAX ((int) (W / S), 1), K = gy * gx;
  g_autofree double *cy = g_new (double, K), *cx = g_new (double, K), *ci = g_new (double, K);
  g_autofree double *dist = g_new (double, n), *v = g_new (double, n);
  g_autofree double *sy = g_new (double, K), *sx = g_new (double, K), *si = g_new (double, K);
  g_autofree int *cnt = g_new (int, K);
  float lo = img[0], hi = img[0];

  for (gsize i = 1; i < n; i++)
    {
      lo = MIN (lo, img[i]);
      hi = MAX (hi, img[i]);
    }
  for (gsize i = 0; i < n; i++)
    v[i] = hi > lo ? (img[i] - lo) / (double) (hi - lo) : 0.0;
  for (int a = 0; a < gy; a++)
    for (int b = 0; b < gx; b++)
      {
        int k = a * gx + b;
        cy[k] = (a + 0.5) * H / gy;
        cx[k] = (b + 0.5) * W / gx;
        ci[k] = v[(gsize) (int) cy[k] * W + (int) cx[k]];
      }
  for (int it = 0; it < 10; it++)
    {
      for (gsize i = 0; i < n; i++)
        dist[i] = G_MAXDOUBLE;
      for (int k = 0; k < K; k++)
        {
          int y0 = MAX ((int) (cy[k] - 2 * S), 0), y1 = MIN ((int) (cy[k] + 2 * S) + 1, H);
          int x0 = MAX ((int) (cx[k] - 2 * S), 0), x1 = MIN ((int) (cx[k] + 2 * S) + 1, W);
          for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++)
              {
                gsize i = (gsize) y * W + x;
                double dc = v[i] - ci[k], dy = (y - cy[k]) / S, dx = (x - cx[k]) / S;
                double d = dc * dc + (dy * dy + dx * dx) * compactness * compactness;
                if (d < dist[i])
                  {
                    dist[i] = d;
                    labels[i] = k;
                  }
              }
        }
      memset (sy, 0, K * sizeof (double));
      memset (sx, 0, K * sizeof (double));
      memset (si, 0, K * sizeof (double));
      memset (cnt, 0, K * sizeof (int));
      for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
          {
            gsize i = (gsize) y * W + x;
            int k = labels[i];
            sy[k] += y;
            sx[k] += x;
            si[k] += v[i];
            cnt[k]++;
          }
      for (int k = 0; k < K; k++)
        if (cnt[k])
          {
            cy[k] = sy[k] / cnt[k];
            cx[k] = sx[k] / cnt[k];
            ci[k] = si[k] / cnt[k];
          }
    }
  return enforce_connectivity (labels, H, W, MAX (n / MAX (K, 1) / 4, 1));
}

/* Solves A x = b for symmetric positive definite A (n × n, overwritten). */
static gboolean
cholesky_solve (double *A, double *b, int n)
{
  for (int j = 0; j < n; j++)
    {
      double d = A[j * n + j];
      for (int k = 0; k < j; k++)
        d -= A[j * n + k] * A[j * n + k];
      if (d <= 0.0)
        return FALSE;
      A[j * n + j] = sqrt (d);
      for (int i = j + 1; i < n; i++)
        {
          double s = A[i * n + j];
          for (int k = 0; k < j; k++)
            s -= A[i * n + k] * A[j * n + k];
          A[i * n + j] = s / A[j * n + j];
        }
    }
  for (int i = 0; i < n; i++)
    {
      for (int k = 0; k < i; k++)
        b[i] -= A[i * n + k] * b[k];
      b[i] /= A[i * n + i];
    }
  for (int i = n - 1; i >= 0; i--)
    {
      for (int k = i + 1; k < n; k++)
        b[i] -= A[k * n + i] * b[k];
      b[i] /= A[i * n + i];
    }
  return TRUE;
}

static int
cmp_desc (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x > y ? -1 : x < y;
}

PL_EXPLAIN_DECLARE (pl_explain_lime)
{
  int segments = (int) params[0], samples = (int) params[1], top = (int) params[3];
  float fill = (float) params[2];
  double compactness = params[4], s0 = pl_explainer_score (ex);
  int H = ex->h, W = ex->w, K, P;
  gsize HW = (gsize) H * W, nx = (gsize) ex->c * HW;
  g_autofree int *labels = g_new (int, HW);
  g_autofree guint8 *z = NULL;
  g_autofree double *y = g_new (double, samples), *A = NULL, *rhs = NULL, *coef = NULL;
  g_autofree float *batch = g_new (float, 8 * nx);
  PlRng rng;

  K = pl_explain_slic (ex->x, H, W, segments, compactness, labels);
  P = K + 1;
  z = g_new (guint8, (gsize) samples * K);
  pl_rng_init (&rng, (guint64) params[5]);
  for (int s = 0; s < samples; s++)
    for (int k = 0; k < K; k++)
      z[(gsize) s * K + k] = s == 0 ? 1 : pl_rng_uniform (&rng) < 0.5f;
  for (int s0i = 0; s0i < samples; s0i += 8)
    {
      int n = MIN (8, samples - s0i);
      if (!pl_progress_report (progress, (double) s0i / samples, NULL))
        return pl_progress_set_cancelled_error (error);
      for (int b = 0; b < n; b++)
        {
          const guint8 *zs = z + (gsize) (s0i + b) * K;
          float *xb = batch + b * nx;
          for (int c = 0; c < ex->c; c++)
            for (gsize p = 0; p < HW; p++)
              xb[c * HW + p] = zs[labels[p]] ? ex->x[c * HW + p] : fill;
        }
      pl_explainer_scores (ex, batch, n, y + s0i);
    }
  /* Normal equations of the weighted ridge fit, the intercept unpenalised:
   * (Zᵀ Π Z + λ I') β = Zᵀ Π y, Z = [1 | z]. */
  A = g_new0 (double, (gsize) P * P);
  rhs = g_new0 (double, P);
  for (int s = 0; s < samples; s++)
    {
      const guint8 *zs = z + (gsize) s * K;
      int on = 0;
      double d, pi, ys = fabs (s0) > 1e-12 ? y[s] / s0 : y[s];
      for (int k = 0; k < K; k++)
        on += zs[k];
      d = 1.0 - sqrt ((double) on / K);   /* cosine distance to all-ones */
      pi = exp (-d * d / (0.25 * 0.25));
      for (int i = 0; i < P; i++)
        {
          double zi = i == 0 ? 1.0 : zs[i - 1];
          if (zi == 0.0)
            continue;
          rhs[i] += pi * zi * ys;
          for (int j = 0; j < P; j++)
            A[i * P + j] += pi * zi * (j == 0 ? 1.0 : zs[j - 1]);
        }
    }
  for (int i = 1; i < P; i++)
    A[i * P + i] += 1.0;
  if (!cholesky_solve (A, rhs, P))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "%s: the linear fit is singular (too few samples?)", method->name);
      return FALSE;
    }
  coef = g_memdup2 (rhs + 1, K * sizeof (double));
  if (top > 0 && top < K)
    {
      g_autofree double *sorted = g_memdup2 (coef, K * sizeof (double));
      double cut;
      qsort (sorted, K, sizeof (double), cmp_desc);
      cut = sorted[top - 1];
      for (int k = 0; k < K; k++)
        if (coef[k] < cut)
          coef[k] = 0.0;
    }
  for (gsize p = 0; p < HW; p++)
    map[p] = (float) coef[labels[p]];
  return TRUE;
}
