/* calibration.h: whether the confidence can be believed.
 *
 * Expected calibration error (Naeini et al. 2015; Guo et al. 2017, eq. 3),
 * top-label: each voxel's confidence is its largest class probability and
 * it is right when that class is the reference's; voxels are pooled into
 * equal-width confidence bins (b − 1)/B < conf ≤ b/B (the first bin also
 * holds 0), and
 *
 *   ECE = Σ_b (n_b / N) · |acc_b − conf_b|.
 *
 * Which voxels count is the caller's choice, made by `truth` (−1 = not
 * counted) and `mask`; the CLI and the benchmark count every class,
 * background included, pooled over all the evaluated voxels of one volume
 * (docs/uncertainty.md).  A PlReliability keeps the per-bin sums, so the
 * reliability diagram is its bins.
 *
 * Temperature scaling (Guo et al. 2017, §4.2) divides the logits by T > 0.
 * From probabilities it is q_c ∝ p_c^(1/T) (log p differs from the logits
 * by a constant per voxel, which the softmax removes), so it applies to any
 * estimator's mean probabilities.  The fit minimises the negative
 * log-likelihood of the reference over 1/T, in which it is convex (a
 * softmax's NLL is convex in its logits, and the logits are linear in 1/T).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PL_ECE_DEFAULT_BINS 15

typedef struct
{
  int      n_bins;
  gint64  *count;      /* (n_bins) voxels */
  double  *sum_conf;   /* (n_bins) Σ confidence */
  double  *sum_right;  /* (n_bins) Σ [argmax = truth] */
} PlReliability;

PlReliability *pl_reliability_new   (int                  n_bins);
void           pl_reliability_free  (PlReliability       *rel);
/* probs: (K, n) with class stride `stride`; truth: (n) class index, −1 =
 * skip; mask (n) may be NULL (non-zero = count).  temperature 1: as is. */
void           pl_reliability_add   (PlReliability       *rel,
                                     const float         *probs,
                                     int                  n_classes,
                                     gsize                stride,
                                     gsize                n,
                                     const gint32        *truth,
                                     const guint8        *mask,
                                     double               temperature);
double         pl_reliability_ece   (const PlReliability *rel);
gint64         pl_reliability_total (const PlReliability *rel);
/* Accuracy of all counted voxels. */
double         pl_reliability_accuracy (const PlReliability *rel);
/* Bin b: lower and upper edge, voxels, mean confidence and accuracy (NaN
 * for an empty bin). */
void           pl_reliability_bin   (const PlReliability *rel,
                                     int                  b,
                                     double              *lo,
                                     double              *hi,
                                     gint64              *count,
                                     double              *confidence,
                                     double              *accuracy);

/* q (K, stride 1) ← p (K, stride) at temperature T. */
void           pl_temper            (const float         *p,
                                     int                  n_classes,
                                     gsize                stride,
                                     double               temperature,
                                     double              *q);
/* Mean NLL (nats) of the reference class at temperature T over the counted
 * voxels (probabilities floored at 1e-12). */
double         pl_temperature_nll   (const float         *probs,
                                     int                  n_classes,
                                     gsize                stride,
                                     gsize                n,
                                     const gint32        *truth,
                                     const guint8        *mask,
                                     double               temperature);
/* The T in [0.05, 20] minimising that NLL (golden-section search on 1/T,
 * to 1e-4 relative).  Returns 1 when no voxel counts. */
double         pl_temperature_fit   (const float         *probs,
                                     int                  n_classes,
                                     gsize                stride,
                                     gsize                n,
                                     const gint32        *truth,
                                     const guint8        *mask);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlReliability, pl_reliability_free)

G_END_DECLS
