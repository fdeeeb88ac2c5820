/* loss.h: losses as tape operators; each returns a scalar (1, 1, 1, 1).
 *
 * Class targets are gint32 per pixel, (N, H, W) row-major, with values
 * 0..K-1 and `ignore` (e.g. -1) for pixels that count nowhere: this is how
 * "label 0 = unlabelled" reaches the losses once label values are mapped to
 * classes.  A batch with no counted pixel gives a loss of 0 and no gradient.
 * Targets and masks are copied, so the caller's buffers may change after the
 * call.
 */
#pragma once

#include "engine/ops/tape.h"

G_BEGIN_DECLS

#define PL_DICE_EPS 1e-5f

/* Mean over counted pixels of -log softmax(logits)[target].
 * logits: (N, K, H, W). */
PlTensor *pl_cross_entropy   (PlTape *tape, PlTensor *logits, const gint32 *target,
                              gint32 ignore);
/* The aleatoric head's classification loss (Kendall & Gal 2017, eq. 12):
 * with σ = exp(s / 2) the per-pixel logit standard deviation from
 * log_var s, T logit samples z_t = x + σ ε_t (ε_t ~ N(0, I) over the K
 * classes) and the loss at a counted pixel −log ((1/T) Σ_t softmax(z_t)_y),
 * the log of the mean probability over samples; mean over counted pixels.
 * The noise is a function of (seed, pixel, t, class) (pl_aleatoric_noise),
 * so one seed gives one draw and the backward pass reuses it.
 * logits: (N, K, H, W); log_var: (N, 1, H, W). */
PlTensor *pl_aleatoric_cross_entropy (PlTape *tape, PlTensor *logits, PlTensor *log_var,
                                      const gint32 *target, gint32 ignore,
                                      int n_samples, guint64 seed);
/* ε of the draw above: standard normal, deterministic in its arguments
 * (pixel = n·H·W + row·W + column of the batch). */
double    pl_aleatoric_noise        (guint64 seed, guint64 pixel, int t, int c);

/* Binary cross-entropy on logits z (numerically stable form), mean over
 * pixels with mask != 0 (mask NULL: all).  target: numel(z) values in [0, 1]. */
PlTensor *pl_bce_with_logits (PlTape *tape, PlTensor *logits, const float *target,
                              const guint8 *mask);
/* 1 - mean over classes of (2 Σ p g + ε) / (Σ p + Σ g + ε), sums over batch
 * and counted pixels (as ../shared/peers/unet_ref.py, ε = 1e-5).
 * probs: (N, K, H, W) (softmax output). */
PlTensor *pl_dice_loss       (PlTape *tape, PlTensor *probs, const gint32 *target,
                              gint32 ignore);
/* Binary: probs (any shape, e.g. sigmoid output), target in [0, 1],
 * 1 - (2 Σ p g + ε) / (Σ p + Σ g + ε) over pixels with mask != 0. */
PlTensor *pl_dice_loss_binary(PlTape *tape, PlTensor *probs, const float *target,
                              const guint8 *mask);
/* Mean of (a - b)² / |a - b| over all elements; either side may need a
 * gradient (consistency between two passes). */
PlTensor *pl_mse             (PlTape *tape, PlTensor *a, PlTensor *b);
PlTensor *pl_mae             (PlTape *tape, PlTensor *a, PlTensor *b);
/* Mean SSIM (Wang et al. 2004) with an 11×11 Gaussian window, σ = 1.5,
 * K1 = 0.01, K2 = 0.03, over window positions fully inside the image
 * (= skimage structural_similarity with gaussian_weights=True,
 * use_sample_covariance=False), averaged over N and C.  As a loss use
 * pl_affine_scalar (ssim, -1, 1).  H, W ≥ 11. */
PlTensor *pl_ssim            (PlTape *tape, PlTensor *a, PlTensor *b, float data_range);

/* Smoothed isotropic total variation (Rudin, Osher & Fatemi 1992), summed
 * over N and C and divided by the pixels of one plane (H·W):
 * Σ sqrt ((x[i+1,j] − x[i,j])² + (x[i,j+1] − x[i,j])² + ε²) − ε, forward
 * differences, 0 across the last row and column (Neumann).  ε > 0 keeps the
 * gradient finite on flat regions. */
PlTensor *pl_tv              (PlTape *tape, PlTensor *x, float eps);

/* Compactness (affinity) loss over sampled pixels: features (N, C, H, W),
 * pixels (N, m) flat indices y·W + x into each sample's plane, affinity
 * (N, m, m) weights ≥ 0 (A_ij of sample n at [n·m·m + i·m + j]):
 * L = Σ_n Σ_ij A_nij ||u_n(p_ni) − u_n(p_nj)||² / Σ A, 0 when Σ A = 0,
 * u = f / sqrt (|f|² + ε²) the feature vector scaled to unit length, so a
 * pair's term is 2 − 2 cos and lies in [0, 4].
 * Pulls together the representations of pixels the affinity calls close
 * (the pairwise term of Tang et al. 2018, "On regularized losses for
 * weakly-supervised CNN segmentation", with a squared distance).  On unit
 * vectors the term cannot be lowered by shrinking every feature, and it is
 * bounded, so it cannot outweigh the task loss by the features' scale.
 * pixels and affinity are copied. */
PlTensor *pl_affinity_loss   (PlTape *tape, PlTensor *features, int m,
                              const gint32 *pixels, const float *affinity);

/* Global average pool: x (N, C, H, W) → (N, C, 1, 1), the mean over H·W. */
PlTensor *pl_global_avg_pool (PlTape *tape, PlTensor *x);

/* The global contrastive loss NT-Xent (Chen et al. 2020, SimCLR; the
 * "global" loss of Chaitanya et al. 2020): z (2B, D, H, W) holds 2B
 * vectors of D·H·W values, sample i and i + B (mod 2B) two views of one
 * image (the positives), every other sample a negative.  With u = z / |z|
 * and s_ik = u_i·u_k / τ:
 * L = (1 / 2B) Σ_i [−s_{i,p(i)} + log Σ_{k≠i} exp s_ik].
 * |z| is sqrt (Σ z² + 1e-12), finite at 0.  B ≥ 1, τ > 0. */
PlTensor *pl_nt_xent         (PlTape *tape, PlTensor *z, float temperature);

/* The local regions of the local contrastive loss (Chaitanya et al. 2020):
 * x (N, C, H, W) cut into a grid × grid of cells (cell r = (gy, gx) spans
 * rows ⌊gy H / grid⌋ … ⌊(gy + 1) H / grid⌋ − 1, columns alike), each
 * averaged: y (N · grid², C, 1, 1), row n · grid² + r the mean of sample
 * n's cell r.  With x holding two views of B slices (sample b and b + B),
 * row i and i + B · grid² are the same region of the same slice in the
 * two views: pl_nt_xent over y makes them the positives and every other
 * region of either view a negative.  1 ≤ grid ≤ min (H, W). */
PlTensor *pl_region_pool     (PlTape *tape, PlTensor *x, int grid);

G_END_DECLS
