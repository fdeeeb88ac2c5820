/* ct.h: parallel-beam CT on a slice — simulated measurements and filtered
 * back projection, with the Radon operator of ops.h (pl_radon).
 *
 * A slice x (H × W) gives the sinogram y = A x (n_angles × n_det line sums);
 * noisy measurements are y + τ with τ ~ N(0, σ²), σ = noise × max (A x)
 * (the benchmark's 1 % of the sinogram maximum).  Filtered back projection
 * (Kak & Slaney, "Principles of computerized tomographic imaging", ch. 3):
 * each projection is convolved with the band-limited ramp filter (spatial
 * kernel h[0] = 1/4, h[odd n] = −1/(π n)², h[even n] = 0, applied in the
 * Fourier domain on a zero-padded length ≥ 2 n_det), optionally multiplied
 * by a Hann window (0.5 (1 + cos 2π f), f in cycles per sample), then back
 * projected with the adjoint Aᵀ of the same operator and scaled by π / n_angles.
 */
#pragma once

#include <glib.h>

#include "engine/core/error.h"

G_BEGIN_DECLS

typedef enum
{
  PL_CT_FILTER_RAMP,
  PL_CT_FILTER_HANN,
} PlCtFilter;

/* "ramp" / "hann"; −1 when unknown. */
int         pl_ct_filter_from_name (const char *name);
const char *pl_ct_filter_name      (PlCtFilter  filter);

/* y = A x + σ n with σ = noise · max (A x), n from `seed`.  y: n_angles × n_det. */
void pl_ct_measure (const float *x, int h, int w, int n_angles, int n_det,
                    double noise, guint64 seed, float *y);

/* x (H × W) from y (n_angles × n_det). */
void pl_ct_fbp     (const float *y, int n_angles, int n_det, PlCtFilter filter,
                    int h, int w, float *x);

G_END_DECLS
