/* interpolate.h: fill the slices between painted slices (shape-based
 * interpolation), the classical answer to "I painted every 10th slice".
 *
 * For each label L and each pair of consecutive slices along `axis` that
 * hold L (its key slices s0 < s1, with unpainted-for-L slices between), the
 * 2-D signed distance field of L is computed on s0 and s1 (negative inside,
 * positive outside, in mm of the in-plane spacing, measured from pixel
 * centres with the boundary half a pixel away) and blended linearly:
 * d(t) = (1 − w) d0 + w d1, w = (t − s0) / (s1 − s0).  A voxel of slice t
 * belongs to L where d(t) < 0; where several labels claim a voxel the most
 * negative d wins (ties: the lower value).  This is the distance-field
 * interpolation of Raya & Udupa (1990) / Herman et al. (1992) that
 * ITK-SNAP's and 3D Slicer's fill-between-slices tools build on.
 *
 * What may change follows the paint rules (paint.h): PL_PAINT_OVER_UNLABELLED
 * (the default) writes only into voxels that hold 0; PL_PAINT_OVER_ALL also
 * replaces other labels; a voxel whose current label is locked is never
 * changed in either mode.  Every change is written to the label map and
 * recorded in `edit`, so the caller pushes the whole interpolation as one
 * undo step (pl_undo_push).  Memory: two distance-field slices per label
 * being interpolated, plus one slice of scratch.
 */
#pragma once

#include <glib.h>

#include "engine/data/labels.h"
#include "engine/data/paint.h"
#include "engine/data/undo.h"

G_BEGIN_DECLS

typedef struct
{
  int             axis;          /* voxel axis normal to the key slices */
  double          spacing[3];    /* voxel size in mm; 0 = 1 */
  const guint16  *only;          /* interpolate only these labels (NULL: all) */
  int             n_only;
  PlPaintOver     over;          /* UNLABELLED (default) or ALL */
  const guint8   *locked;        /* 65536-bit set as PlPaintRule.locked, or NULL */
} PlInterpolateOptions;

typedef struct
{
  gsize   n_changed;             /* voxels written */
  int     n_labels;              /* labels with at least two key slices */
  gint64  n_slices_filled;       /* (label, slice) pairs interpolated */
} PlInterpolateStats;

void     pl_interpolate_options_init (PlInterpolateOptions     *options,
                                      int                       axis);
/* Fails (PL_ERROR_INVALID) for an axis outside 0..2 or a label in `only`
 * that is 0; nothing is changed then.  edit may be NULL; stats may be NULL. */
gboolean pl_interpolate_slices       (PlLabels                 *labels,
                                      const PlInterpolateOptions *options,
                                      PlEdit                   *edit,
                                      PlInterpolateStats       *stats,
                                      GError                  **error);

/* Squared Euclidean distance transform of one (h, w) image, in place:
 * f[i] = 0 at features, a large value elsewhere on entry; on return
 * f[i] = squared distance (in units of sy, sx per pixel) to the nearest
 * feature (Felzenszwalb & Huttenlocher 2012, separable lower envelopes
 * of parabolas, exact). */
void     pl_edt_2d                   (float                    *f,
                                      int                       h,
                                      int                       w,
                                      double                    sy,
                                      double                    sx);

G_END_DECLS
