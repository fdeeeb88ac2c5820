/* compare.h: the figures a restoration is judged by, against a reference.
 *
 * MAE, MSE, NMSE = ‖x − r‖² / ‖r‖², PSNR = 10 log10 (range² / MSE) and mean
 * SSIM (metrics.h: skimage's structural_similarity with Gaussian weights),
 * over n_planes planes of h × w.  `range` is the reference's data range
 * (max − min when ≤ 0 is given), as skimage's data_range.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  double mae, mse, nmse, psnr, ssim;
  double range;
} PlCompare;

void pl_compare (const float *x, const float *ref, int n_planes, int h, int w,
                 double range, PlCompare *out);

/* {"mae": …, "mse": …, "nmse": …, "psnr": …, "ssim": …} (NaN as null). */
char *pl_compare_to_json (const PlCompare *c);

G_END_DECLS
