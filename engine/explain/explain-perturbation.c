/* Meaningful perturbation (Fong & Vedaldi 2017, the deletion game, eq. 3–4):
 * the smallest, smoothest mask whose deletion — blending the input with a
 * blurred copy where the mask is 0 — destroys the score.
 *
 *   min_m  λ₁ mean (1 − m) + λ₂ mean TV_β(m) + max (S (x ⊙ M + x̃ ⊙ (1 − M)) / S (x), 0)
 *
 * (the paper's class probability is bounded below; a sum of logits is not,
 * so the score term stops at 0 instead of rewarding deleting everything);
 * m lives on a grid `scale` times coarser than the input, M is its bilinear
 * up-sampling, x̃ the input blurred with a Gaussian of σ = `blur` pixels,
 * TV_β the sum of |∇m|^β over both directions (β = 3 as in the paper);
 * Adam (lr 0.1) on m, clipped to [0, 1] after each step, from m = 1.  The
 * map is 1 − M: high where deleting matters. */
#define G_LOG_DOMAIN "pl-explain"

#include "engine/explain/explain-private.h"

#include <math.h>
#include <string.h>

/* Adjoint of pl_explain_resize: src_grad (h, w) += Rᵀ dst_grad (H, W). */
static void
resize_adjoint (const float *dst_grad, int H, int W, float *src_grad, int h, int w)
{
  double sy = (double) h / H, sx = (double) w / W;
  for (int y = 0; y < H; y++)
    {
      double fy = MAX ((y + 0.5) * sy - 0.5, 0.0);
      int y0 = (int) fy, y1 = y0 + (y0 < h - 1);
      float ly = (float) (fy - y0);
      for (int x = 0; x < W; x++)
        {
          double fx = MAX ((x + 0.5) * sx - 0.5, 0.0);
          int x0 = (int) fx, x1 = x0 + (x0 < w - 1);
          float lx = (float) (fx - x0), g = dst_grad[(gsize) y * W + x];
          src_grad[(gsize) y0 * w + x0] += (1.0f - ly) * (1.0f - lx) * g;
          src_grad[(gsize) y0 * w + x1] += (1.0f - ly) * lx * g;
          src_grad[(gsize) y1 * w + x0] += ly * (1.0f - lx) * g;
          src_grad[(gsize) y1 * w + x1] += ly * lx * g;
        }
    }
}

/* Separable Gaussian blur of each (H, W) plane, edges replicated. */
static void
blur_planes (const float *src, int planes, int H, int W, double sigma, float *dst)
{
  int r = MAX ((int) ceil (3.0 * sigma), 1);
  g_autofree float *k = g_new (float, 2 * r + 1), *tmp = g_new (float, (gsize) H * W);
  double s = 0.0;

  for (int i = -r; i <= r; i++)
    s += k[i + r] = sigma > 0 ? (float) exp (-0.5 * i * i / (sigma * sigma)) : (i == 0);
  for (int i = 0; i <= 2 * r; i++)
    k[i] /= (float) s;
  for (int p = 0; p < planes; p++)
    {
      const float *a = src + (gsize) p * H * W;
      float *b = dst + (gsize) p * H * W;
      for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
          {
            float v = 0.0f;
            for (int i = -r; i <= r; i++)
              v += k[i + r] * a[(gsize) y * W + CLAMP (x + i, 0, W - 1)];
            tmp[(gsize) y * W + x] = v;
          }
      for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
          {
            float v = 0.0f;
            for (int i = -r; i <= r; i++)
              v += k[i + r] * tmp[(gsize) CLAMP (y + i, 0, H - 1) * W + x];
            b[(gsize) y * W + x] = v;
          }
    }
}

PL_EXPLAIN_DECLARE (pl_explain_meaningful_perturbation)
{
  int iters = (int) params[0], scale = (int) params[4];
  double l1 = params[1], tv = params[2], sigma = params[3];
  const double beta = 3.0, lr = 0.1, b1 = 0.9, b2 = 0.999;
  int H = ex->h, W = ex->w, h = (H + scale - 1) / scale, w = (W + scale - 1) / scale;
  gsize HW = (gsize) H * W, hw = (gsize) h * w, nx = (gsize) ex->c * HW;
  double s0 = pl_explainer_score (ex), s;
  PlExplainRules rules = { PL_RULE_DEFAULT, PL_RULE_DEFAULT, PL_RULE_DEFAULT, FALSE, 1e-6, 1.0, 0.0 };
  g_autofree float *blurred = g_new (float, nx), *phi = g_new (float, nx);
  g_autofree float *m = g_new (float, hw), *gm = g_new (float, hw);
  g_autofree float *M = g_new (float, HW), *gM = g_new (float, HW), *gx = g_new (float, HW);
  g_autofree double *mom = g_new0 (double, hw), *var = g_new0 (double, hw);

  if (ex->c != 1)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "%s needs a one-channel input (this network has %d)", method->name, ex->c);
      return FALSE;
    }
  if (fabs (s0) < 1e-12)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "%s: the target's score is 0; nothing to delete", method->name);
      return FALSE;
    }
  blur_planes (ex->x, ex->c, H, W, sigma, blurred);
  for (gsize i = 0; i < hw; i++)
    m[i] = 1.0f;
  for (int t = 1; t <= iters; t++)
    {
      if (!pl_progress_report (progress, (double) (t - 1) / iters, NULL))
        return pl_progress_set_cancelled_error (error);
      pl_explain_resize (m, h, w, M, H, W);
      for (int c = 0; c < ex->c; c++)
        for (gsize p = 0; p < HW; p++)
          {
            gsize i = (gsize) c * HW + p;
            phi[i] = ex->x[i] * M[p] + blurred[i] * (1.0f - M[p]);
          }
      if (!pl_explain_input_grads (ex, phi, 1, &rules, PL_EXPLAIN_GRAD, gx, &s, error))
        return FALSE;
      for (gsize p = 0; p < HW; p++)
        gM[p] = s / s0 > 0.0 ? (float) (gx[p] * (ex->x[p] - blurred[p]) / s0) : 0.0f;
      memset (gm, 0, hw * sizeof (float));
      resize_adjoint (gM, H, W, gm, h, w);
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          {
            gsize i = (gsize) y * w + x;
            double g = -l1 / hw;
            if (x + 1 < w)
              {
                double d = m[i + 1] - m[i], q = beta * pow (fabs (d), beta - 1) * (d > 0 ? 1 : -1);
                g -= tv * q / hw;
                gm[i + 1] += (float) (tv * q / hw);
              }
            if (y + 1 < h)
              {
                double d = m[i + w] - m[i], q = beta * pow (fabs (d), beta - 1) * (d > 0 ? 1 : -1);
                g -= tv * q / hw;
                gm[i + w] += (float) (tv * q / hw);
              }
            gm[i] += (float) g;
          }
      for (gsize i = 0; i < hw; i++)
        {
          double mh, vh;
          mom[i] = b1 * mom[i] + (1 - b1) * gm[i];
          var[i] = b2 * var[i] + (1 - b2) * gm[i] * gm[i];
          mh = mom[i] / (1 - pow (b1, t));
          vh = var[i] / (1 - pow (b2, t));
          m[i] = CLAMP (m[i] - (float) (lr * mh / (sqrt (vh) + 1e-8)), 0.0f, 1.0f);
        }
    }
  pl_explain_resize (m, h, w, M, H, W);
  for (gsize p = 0; p < HW; p++)
    map[p] = 1.0f - M[p];
  return TRUE;
}
