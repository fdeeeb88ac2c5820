/* metrics.h: image and segmentation quality figures (no tape, no gradient).
 *
 * PSNR and SSIM follow skimage.metrics (data_range given; SSIM as pl_ssim
 * in loss.h), NMSE = ‖pred − ref‖² / ‖ref‖², Dice per class on label maps.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

double pl_psnr      (const float *pred, const float *ref, gsize n, double data_range);
double pl_nmse      (const float *pred, const float *ref, gsize n);
/* Mean SSIM over n_planes planes of h × w (h, w ≥ 11). */
double pl_ssim_value(const float *a, const float *b, int n_planes, int h, int w,
                     float data_range);
/* Dice of each value in `values` (n_values of them): 2|P∩T| / (|P| + |T|),
 * NaN when the value is in neither map.  Voxels with skip[i] != 0 are left
 * out (skip may be NULL). */
void   pl_dice_per_value (const guint16 *pred, const guint16 *truth, gsize n,
                          const guint8 *skip, const guint16 *values, int n_values,
                          double *dice_out);
/* The same on class indices (gint32; `ignore` in truth skips the pixel). */
void   pl_dice_per_class (const gint32 *pred, const gint32 *truth, gsize n,
                          gint32 ignore, int n_classes, double *dice_out);
/* Mean and sample standard deviation (n − 1; 0 when n is 1) of n ≥ 1
 * values: what "mean ± sd over seeds" means wherever it is printed. */
void   pl_mean_sd        (const double *v, int n, double *mean, double *sd);

G_END_DECLS
