/* degrade.h: synthetic corruptions for restoration experiments.
 *
 * A student (or a benchmark) takes a clean volume, corrupts it with a known
 * noise or a loss of resolution, and keeps the clean original as the
 * reference against which every method's PSNR/SSIM is measured; methods that
 * must not see the truth (deep image prior, Noise2Noise) only get the output
 * of these functions.
 *
 * The noise `level` is the standard deviation at the top of the intensity
 * range, as a fraction of `scale` (the volume's maximum unless given), so
 * level 25/255 on a [0, 1] image is the σ = 25/255 of the literature:
 *
 *   Gaussian  y = x + σ n,                    σ = level · scale
 *   Rician    y = |x + σ n₁ + i σ n₂|          (magnitude MRI; Gudbjartsson &
 *                                              Patz 1995)
 *   Poisson   y = (scale / p) · Poisson (p x / scale), p = 1 / level²
 *             (photon counts: p photons at the maximum, where the standard
 *             deviation is then level · scale)
 *   Downsample ×f: mean over f × f blocks in each plane (axial unless
 *             another axis is chosen), then
 *             bilinear ×f back onto the original grid (align_corners false,
 *             edge-clamped), so the result stays comparable voxel by voxel.
 *             Planes whose size is not a multiple of f average the partial
 *             blocks at the border.
 *
 * Planes are slices in the layout of dataset.h (H, W).  Deterministic:
 * each plane k draws from its own generator, seeded from (seed, k), so
 * degrading one slice gives exactly that slice of the degraded volume.  Noise is not clipped (as the dip-ref workload).
 */
#pragma once

#include <glib.h>

#include "engine/core/error.h"
#include "engine/data/volume.h"
#include "engine/data/dataset.h"

G_BEGIN_DECLS

typedef enum
{
  PL_DEGRADE_GAUSSIAN,
  PL_DEGRADE_RICIAN,
  PL_DEGRADE_POISSON,
  PL_DEGRADE_DOWNSAMPLE,
} PlDegradeKind;

typedef struct
{
  PlDegradeKind kind;      /* PL_DEGRADE_GAUSSIAN */
  double        level;     /* 25/255: noise σ as a fraction of scale */
  int           factor;    /* downsampling: 2 or 4 */
  double        scale;     /* ≤ 0: the image's maximum */
  guint64       seed;      /* 0 */
  int           axis;      /* voxel axis of the planes; −1: axial (dataset.h) */
  gint64        slice;     /* the one plane to degrade; −1: the whole volume */
} PlDegradeSettings;

/* The defaults shared by pellucid-cli degrade and the Restore panel. */
void        pl_degrade_settings_init (PlDegradeSettings *settings);
/* "gaussian", "rician", "poisson", "downsample" and back; −1/NULL if unknown. */
const char *pl_degrade_kind_name     (PlDegradeKind      kind);
int         pl_degrade_kind_from_name(const char        *name);
gboolean    pl_degrade_settings_check(const PlDegradeSettings *settings,
                                      GError           **error);

/* Degrades one plane of h × w floats (row-major, w fastest) in place.
 * `plane` selects the generator stream (the k of the plane in its volume);
 * settings->scale must be > 0 here. */
void        pl_degrade_plane         (float             *data,
                                      int                w,
                                      int                h,
                                      gint64             plane,
                                      const PlDegradeSettings *settings);

/* A degraded copy of `clean` on its exact grid (header kept for saving);
 * only settings->slice when it is ≥ 0, the other planes copied unchanged. */
PlVolume   *pl_degrade_volume        (const PlVolume    *clean,
                                      const PlDegradeSettings *settings,
                                      GError           **error);

G_END_DECLS
