/* Partial dependence and ICE curves of a segmentation model. */
#define G_LOG_DOMAIN "pl-explain"

#include "engine/explain/pdp.h"
#include "engine/core/rng.h"
#include "engine/data/dataset.h"
#include "engine/nn/infer.h"
#include "engine/ops/ops.h"

#include <math.h>
#include <string.h>

static void
transform (const float *raw, const guint8 *mask, gsize n, PlPdpFeature f, double v, float lo,
           float hi, PlRng *rng, float *dst)
{
  double range = hi > lo ? hi - lo : 1.0;
  for (gsize i = 0; i < n; i++)
    {
      double x = raw[i];
      switch (f)
        {
        case PL_PDP_SCALE:
          x *= v;
          break;
        case PL_PDP_GAMMA:
          x = lo + range * pow (CLAMP ((x - lo) / range, 0.0, 1.0), v);
          break;
        case PL_PDP_NOISE:
          x += v * range * pl_rng_normal (rng);
          break;
        case PL_PDP_REGION_SCALE:
          if (mask[i])
            x *= v;
          break;
        }
      dst[i] = (float) x;
    }
}

gboolean
pl_pdp_run (PlModel *model, const PlVolume *volume, int axis, const gint64 *slices, int n_slices,
            int cls, const guint8 *region, PlPdpFeature feature, const double *values,
            int n_values, PlPdpOutput output, guint64 seed, double *ice, double *pdp,
            const PlProgress *progress, GError **error)
{
  const PlUnetConfig *cfg = pl_unet_get_config (model->unet);
  int m = pl_unet_config_multiple (cfg), K = cfg->n_classes, sh, sw, wh, ww, oy, ox;
  double area = 1.0;
  g_autoptr (PlTape) tape = NULL;
  g_autofree float *raw = NULL, *tx = NULL;
  g_autofree guint8 *mask = NULL;
  gsize n, plane;

  if (cfg->in_channels != 1 || axis < 0 || axis > 2 || cls < 0 || cls >= K || n_values < 1
      || (feature == PL_PDP_REGION_SCALE && !region))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "partial dependence needs a one-channel model, an axis, an existing class, "
                   "values, and a region for the region's intensity");
      return FALSE;
    }
  for (int d = 0; d < 3; d++)
    if (d != axis)
      area *= volume->pixdim[d];
  pl_slice_dims (volume->dim, axis, &sh, &sw);
  pl_fit_window (sh, sw, m, PL_FIT_CROP, &wh, &ww, &oy, &ox);
  if (wh <= 0 || ww <= 0)
    pl_fit_window (sh, sw, m, PL_FIT_PAD, &wh, &ww, &oy, &ox);
  n = (gsize) sh * sw;
  plane = (gsize) wh * ww;
  raw = g_new (float, n);
  tx = g_new (float, n);
  mask = g_new0 (guint8, n);
  tape = pl_tape_new (8 * plane * 4 * 160);
  pl_tape_set_grad_enabled (tape, FALSE);
  memset (pdp, 0, n_values * sizeof (double));
  for (int s = 0; s < n_slices; s++)
    {
      PlRng rng;
      if (slices[s] < 0 || slices[s] >= volume->dim[axis])
        {
          g_set_error (error, PL_ERROR, PL_ERROR_INVALID, "slice %" G_GINT64_FORMAT " does not exist",
                       slices[s]);
          return FALSE;
        }
      pl_volume_get_slice (volume, axis, slices[s], raw);
      if (region)
        {
          gsize sstride_h, sstride_w, off;
          pl_slice_strides (volume->dim, axis, slices[s], &sstride_h, &sstride_w, &off);
          for (int y = 0; y < sh; y++)
            for (int x = 0; x < sw; x++)
              mask[(gsize) y * sw + x] = region[off + y * sstride_h + x * sstride_w] != 0;
        }
      pl_rng_init (&rng, seed + (guint64) slices[s]);
      for (int v0 = 0; v0 < n_values; v0 += 8)
        {
          int nb = MIN (8, n_values - v0);
          PlTensor *x, *p;
          if (!pl_progress_report (progress, (s + (double) v0 / n_values) / n_slices, NULL))
            return pl_progress_set_cancelled_error (error);
          pl_tape_reset (tape);
          x = pl_tape_tensor (tape, nb, 1, wh, ww);
          for (int b = 0; b < nb; b++)
            {
              transform (raw, mask, n, feature, values[v0 + b], volume->min, volume->max, &rng, tx);
              pl_model_normalise (model, tx, n, tx);
              pl_window_extract_f32 (tx, sh, sw, oy, ox, wh, ww, 0.0f, x->data + b * plane);
            }
          p = pl_unet_output (model->unet, tape, pl_unet_forward (model->unet, tape, x, NULL));
          for (int b = 0; b < nb; b++)
            {
              const float *pb = p->data + (gsize) b * K * plane;
              double acc = 0.0;
              for (gsize q = 0; q < plane; q++)
                {
                  /* Only pixels of the slice (the padded window has more). */
                  int y = (int) (q / ww) + oy, xx = (int) (q % ww) + ox;
                  if (y < 0 || y >= sh || xx < 0 || xx >= sw)
                    continue;
                  if (output == PL_PDP_PROBABILITY)
                    acc += pb[cls * plane + q];
                  else
                    {
                      int best = 0;
                      for (int k = 1; k < K; k++)
                        if (pb[k * plane + q] > pb[best * plane + q])
                          best = k;
                      acc += K == 1 ? (pb[q] >= 0.5f) : (best == cls);
                    }
                }
              if (output == PL_PDP_PROBABILITY)
                acc /= (double) MIN ((gsize) sh, (gsize) wh) * MIN ((gsize) sw, (gsize) ww);
              else
                acc *= area;
              ice[(gsize) s * n_values + v0 + b] = acc;
              pdp[v0 + b] += acc / n_slices;
            }
        }
    }
  pl_progress_report (progress, 1.0, NULL);
  return TRUE;
}
