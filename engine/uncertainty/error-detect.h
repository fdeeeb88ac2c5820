/* error-detect.h: does the uncertainty find the errors?
 *
 * Against a reference segmentation, every voxel is right or wrong; a map is
 * a good error detector when wrong voxels score higher.  The AUROC is the
 * probability that a random wrong voxel scores higher than a random right
 * one (ties count half): the Mann–Whitney statistic U / (n_wrong · n_right),
 * computed exactly from average ranks.  0.5 is chance, 1 perfect.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* score, wrong, mask: (n); mask may be NULL.  NaN when either group is
 * empty. */
double   pl_auroc       (const float  *score,
                         const guint8 *wrong,
                         const guint8 *mask,
                         gsize         n);
/* Mean Dice over the label values in either map of one slice; NaN when
 * neither has any. */
double   pl_slice_dice  (const guint16 *pred,
                         const guint16 *truth,
                         const gint64   dim[3],
                         int            axis,
                         gint64         slice,
                         const guint16 *values,
                         int            n_values);

G_END_DECLS
