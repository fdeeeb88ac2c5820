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
#include "engine/restore/dip.h"

G_BEGIN_DECLS

typedef enum
{
  PL_CT_FILTER_RAMP,
  PL_CT_FILTER_HANN,
} PlCtFilter;

/* "ramp" / "hann"; −1 when unknown. */
int         pl_ct_filter_from_name (const char *name);
const char *pl_ct_filter_name      (PlCtFilter  filter);

/* The scan of an H × W slice: the slice zero-padded into the centred n × n
 * square, n = ⌈√2 · max (H, W)⌉, so that every ray sees the whole slice
 * (oy, ox: the slice's place in it), with n detectors.  The reconstruction
 * grid of deep image prior + TV is the slice's own, one row or column
 * larger when n − H or n − W is odd (dh × dw at doy, dox), so that it stays
 * exactly centred in the square and A on it equals A on the square. */
typedef struct
{
  int h, w, n, oy, ox;
  int dh, dw, doy, dox;
} PlCtGeometry;

/* FALSE when the square would exceed 2^26 pixels. */
gboolean pl_ct_geometry (int h, int w, PlCtGeometry *geometry);

/* y = A x + σ n with σ = noise · max (A x), n from `seed`.  y: n_angles × n_det. */
void pl_ct_measure (const float *x, int h, int w, int n_angles, int n_det,
                    double noise, guint64 seed, float *y);

/* x (H × W) from y (n_angles × n_det). */
void pl_ct_fbp     (const float *y, int n_angles, int n_det, PlCtFilter filter,
                    int h, int w, float *x);

/* The data term of deep image prior + TV.  Plain is Baguer et al.'s; the
 * weighted ones were measured as alternatives (docs/restoration.md). */
typedef enum
{
  PL_CT_DATA_PLAIN,       /* ‖A x − y‖² */
  PL_CT_DATA_RAMP,        /* ‖F (A x − y)‖², F the square root of the ramp
                           * filter along the detectors (its zero-frequency
                           * bin lifted to the first one's value), scaled so
                           * that white noise keeps its variance: the
                           * weighting filtered back projection gives the
                           * residual, under which AᵀFᵀFA is close to a
                           * multiple of the identity */
  PL_CT_DATA_HANN,        /* the same with the ramp times the Hann window
                           * of FBP Hann: high frequencies, where the
                           * noise dominates, weigh less */
} PlCtDataTerm;

/* "plain" / "ramp" / "hann"; −1 when unknown. */
int         pl_ct_data_term_from_name (const char  *name);
const char *pl_ct_data_term_name      (PlCtDataTerm term);

/* Deep image prior reconstruction with total variation (Baguer, Leuschner &
 * Schmidt, "Computed tomography reconstruction using deep image prior and
 * learned reconstruction methods", Inverse Problems 2020):
 *   min_θ ‖A f_θ(z) − y‖² / (n_meas · max(y)²) + γ · TV (f_θ(z))
 * with the deep-image-prior loop of dip.h (input, Adam, averaged output,
 * backtracking) and the iterate chosen by ES-WMV — never by the clean
 * image.  The recipe differs from dip-ref's denoising one where CT needs
 * it (docs/restoration.md has the runs): the network has skip connections
 * and its input is not perturbed, and a warm start first fits it to the
 * filtered back projection with the Hann filter (MSE, `warm_iterations`),
 * after which the averaged output, backtracking and ES-WMV start afresh on
 * the sinogram loss.  The image is h × w (the reconstruction grid of
 * pl_ct_geometry; the network works on the centred window of multiples of
 * 16 and is cropped to it), in [0, 1]. */
typedef struct
{
  PlDipSettings dip;      /* pl_dip_settings_init, with lr 1e-3, skip
                           * connections, input perturbation 0, a warm start
                           * of 200 iterations */
  double        gamma;    /* 1e-3: TV weight (TV as in pl_tv, per pixel) */
  float         tv_eps;   /* 1e-3 */
  PlCtDataTerm  data_term;/* PL_CT_DATA_PLAIN */
} PlCtDipSettings;

void         pl_ct_dip_settings_init (PlCtDipSettings *settings);
/* The warm start's length for these settings: at most half the budget. */
int          pl_ct_dip_warm_iterations (const PlCtDipSettings *settings);
/* y: n_angles × n_det; reference (h × w) for the figures only, or NULL. */
PlDipResult *pl_ct_dip_tv (const float           *y,
                           int                    n_angles,
                           int                    n_det,
                           int                    h,
                           int                    w,
                           const float           *reference,
                           const PlCtDipSettings *settings,
                           PlDipStepFunc          on_step,
                           gpointer               user_data,
                           const PlProgress      *progress,
                           GError               **error);

G_END_DECLS
