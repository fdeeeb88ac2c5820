/* warp.h: new cases from one, with a known truth — smooth random
 * deformations, bias fields, intensity scale and Rician noise.
 *
 * pl_warp_case() makes one synthetic scan of a cohort from an image and
 * its label map: every output voxel p samples the input at p + d(p)
 * (trilinear for the image, nearest for the labels, clamped at the
 * borders), where each component of d is a sum of `n_waves` random plane
 * waves of 0–2 periods across the volume (smooth, fold-free for the default
 * amplitudes); the image is then multiplied by a bias field exp(b(p)) (b a
 * sum of the same kind of waves, amplitude `bias`) and a global scale drawn
 * from [1 − scale, 1 + scale], and Rician noise of standard deviation
 * `noise` × the image's 99.5th percentile is added (|x + n₁ + i n₂|).  The
 * same seed gives the same case.  Used by the cases-colin27 benchmark and
 * by tests (on phantoms).
 */
#pragma once

#include <glib.h>

#include "engine/data/labels.h"
#include "engine/data/volume.h"

G_BEGIN_DECLS

typedef struct
{
  double warp;       /* displacement amplitude, in voxels (4) */
  int    n_waves;    /* per component (4) */
  double bias;       /* amplitude of the log bias field (0.2) */
  double scale;      /* ± global intensity scale (0.15) */
  double noise;      /* Rician σ as a fraction of the 99.5th percentile (0.03) */
} PlWarpOptions;

void      pl_warp_options_init (PlWarpOptions        *options);
/* labels and labels_out may be NULL.  The result has the input's grid and
 * header (a copy of image). */
PlVolume *pl_warp_case         (const PlVolume       *image,
                                const PlLabels       *labels,
                                guint64               seed,
                                const PlWarpOptions  *options,
                                PlLabels            **labels_out);

G_END_DECLS
