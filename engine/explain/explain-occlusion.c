/* Occlusion (Zeiler & Fergus 2014): the score's drop when a square patch of
 * the input is replaced by a fill value, averaged over the patches covering
 * each pixel.  Nothing outside a patch's reach changes, so each occluded
 * input recomputes only that part of the network (unet-local.c). */
#define G_LOG_DOMAIN "pl-explain"

#include "engine/explain/explain-private.h"

#include <string.h>

/* The score's drop for each patch position, one patch at a time with only
 * the logits the patch can change recomputed (unet-local.c): the same
 * values as the plain forward, a fraction of the work. */
static gboolean
drops_local (PlExplainer *ex, int patch, int stride, int nx, int npos, float fill,
             double *drop, const PlProgress *progress, GError **error)
{
  int H = ex->h, W = ex->w;
  gsize hw = (gsize) H * W, nin = (gsize) ex->c * hw;
  PlRect need = { H, W, 0, 0 };
  g_autoptr (PlUnetLocal) local = NULL;
  g_autofree float *xb = g_memdup2 (ex->x, nin * sizeof (float));
  const float *base, *rb;

  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      if (ex->region[(gsize) y * W + x] != 0.0f)
        {
          need.y0 = MIN (need.y0, y);
          need.x0 = MIN (need.x0, x);
          need.y1 = MAX (need.y1, y + 1);
          need.x1 = MAX (need.x1, x + 1);
        }
  local = pl_unet_local_new (ex->unet, ex->tape, ex->x, H, W, &need);
  base = pl_unet_local_base (local);
  rb = base + (gsize) ex->cls * hw;
  pl_tape_set_grad_enabled (ex->tape, FALSE);
  for (int p = 0; p < npos; p++)
    {
      int i = p / nx * stride, j = p % nx * stride;
      PlRect changed = { i, j, i + patch, j + patch }, out;
      const float *logits;
      double d = 0.0;

      if (p % 8 == 0 && !pl_progress_report (progress, (double) p / npos, NULL))
        return pl_progress_set_cancelled_error (error);
      for (int c = 0; c < ex->c; c++)
        for (int y = i; y < i + patch; y++)
          for (int x = j; x < j + patch; x++)
            xb[(gsize) c * hw + (gsize) y * W + x] = fill;
      pl_tape_reset (ex->tape);
      logits = pl_unet_local_forward (local, ex->tape, xb, &changed, &out);
      if (logits)
        {
          int ow = out.x1 - out.x0, oh = out.y1 - out.y0;
          const float *rn = logits + (gsize) ex->cls * oh * ow;
          for (int y = out.y0; y < out.y1; y++)
            for (int x = out.x0; x < out.x1; x++)
              {
                float wgt = ex->region[(gsize) y * W + x];
                if (wgt != 0.0f)
                  d += wgt * ((double) rb[(gsize) y * W + x]
                              - rn[(gsize) (y - out.y0) * ow + (x - out.x0)]);
              }
        }
      drop[p] = d;
      for (int c = 0; c < ex->c; c++)
        for (int y = i; y < i + patch; y++)
          memcpy (xb + (gsize) c * hw + (gsize) y * W + j, ex->x + (gsize) c * hw + (gsize) y * W + j,
                  patch * sizeof (float));
    }
  pl_tape_reset (ex->tape);
  return TRUE;
}

/* The same drops from whole forwards, in batches (batch norm: one at a
 * time, its statistics being the batch's). */
static gboolean
drops_plain (PlExplainer *ex, int patch, int stride, int nx, int npos, float fill,
             double *drop, const PlProgress *progress, GError **error)
{
  int H = ex->h, W = ex->w, B;
  gsize hw = (gsize) H * W, nin = (gsize) ex->c * hw;
  double base = pl_explainer_score (ex);
  g_autofree float *xin = NULL;
  double scores[16];

  B = pl_unet_get_config (ex->unet)->batch_norm ? 1 : 8;
  xin = g_new (float, (gsize) B * nin);
  for (int p0 = 0; p0 < npos; p0 += B)
    {
      int n = MIN (B, npos - p0);
      if (!pl_progress_report (progress, (double) p0 / npos, NULL))
        return pl_progress_set_cancelled_error (error);
      for (int b = 0; b < n; b++)
        {
          int i = (p0 + b) / nx * stride, j = (p0 + b) % nx * stride;
          float *xb = xin + b * nin;
          memcpy (xb, ex->x, nin * sizeof (float));
          for (int c = 0; c < ex->c; c++)
            for (int y = i; y < i + patch; y++)
              for (int x = j; x < j + patch; x++)
                xb[(gsize) c * hw + (gsize) y * W + x] = fill;
        }
      pl_explainer_scores (ex, xin, n, scores);
      for (int b = 0; b < n; b++)
        drop[p0 + b] = base - scores[b];
    }
  return TRUE;
}

gboolean
pl_explain_occlusion_map (PlExplainer *ex, int patch, int stride, float fill, gboolean local,
                          float *map, const PlProgress *progress, GError **error)
{
  int H = ex->h, W = ex->w, ny, nx, npos;
  gsize hw = (gsize) H * W;
  g_autofree double *heat = g_new0 (double, hw);
  g_autofree double *cnt = g_new0 (double, hw);
  g_autofree double *drop = NULL;
  gboolean ok;

  if (patch > H || patch > W)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "occlusion patch %d is larger than the %d×%d window", patch, H, W);
      return FALSE;
    }
  ny = (H - patch) / stride + 1;
  nx = (W - patch) / stride + 1;
  npos = ny * nx;
  drop = g_new (double, npos);
  if (local && pl_unet_local_supported (ex->unet) && ex->n_region > 0)
    ok = drops_local (ex, patch, stride, nx, npos, fill, drop, progress, error);
  else
    ok = drops_plain (ex, patch, stride, nx, npos, fill, drop, progress, error);
  if (!ok)
    return FALSE;
  for (int p = 0; p < npos; p++)
    {
      int i = p / nx * stride, j = p % nx * stride;
      for (int y = i; y < i + patch; y++)
        for (int x = j; x < j + patch; x++)
          {
            heat[(gsize) y * W + x] += drop[p];
            cnt[(gsize) y * W + x] += 1.0;
          }
    }
  for (gsize p = 0; p < hw; p++)
    map[p] = (float) (heat[p] / MAX (cnt[p], 1.0));
  return TRUE;
}

PL_EXPLAIN_DECLARE (pl_explain_occlusion)
{
  return pl_explain_occlusion_map (ex, (int) params[0], (int) params[1], (float) params[2],
                                   TRUE, map, progress, error);
}
