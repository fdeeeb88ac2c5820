/* Occlusion (Zeiler & Fergus 2014): the score's drop when a square patch of
 * the input is replaced by a fill value, averaged over the patches covering
 * each pixel.  The occluded inputs run in batches without a tape. */
#define G_LOG_DOMAIN "pl-explain"

#include "engine/explain/explain-private.h"

#include <string.h>

PL_EXPLAIN_DECLARE (pl_explain_occlusion)
{
  int patch = (int) params[0], stride = (int) params[1];
  float fill = (float) params[2];
  int H = ex->h, W = ex->w, ny, nx, npos, B;
  gsize hw = (gsize) H * W, nin = (gsize) ex->c * hw;
  double base = pl_explainer_score (ex);
  g_autofree double *heat = g_new0 (double, hw);
  g_autofree double *cnt = g_new0 (double, hw);
  g_autofree float *xin = NULL;
  double scores[16];

  if (patch > H || patch > W)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "occlusion patch %d is larger than the %d×%d window", patch, H, W);
      return FALSE;
    }
  ny = (H - patch) / stride + 1;
  nx = (W - patch) / stride + 1;
  npos = ny * nx;
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
        {
          int i = (p0 + b) / nx * stride, j = (p0 + b) % nx * stride;
          for (int y = i; y < i + patch; y++)
            for (int x = j; x < j + patch; x++)
              {
                heat[(gsize) y * W + x] += base - scores[b];
                cnt[(gsize) y * W + x] += 1.0;
              }
        }
    }
  for (gsize p = 0; p < hw; p++)
    map[p] = (float) (heat[p] / MAX (cnt[p], 1.0));
  return TRUE;
}
