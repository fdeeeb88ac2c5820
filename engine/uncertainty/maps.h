/* maps.h: uncertainty maps from samples of class probabilities.
 *
 * An estimator (MC dropout, a deep ensemble, test-time augmentation, an
 * aleatoric head) gives T samples p_t (t = 1 … T) of the class
 * probabilities of every voxel.  From them (Depeweg et al. 2018; Kendall &
 * Gal 2017; Gal 2016, §3.3):
 *
 *   predictive entropy   H[p̄]            p̄ = (1/T) Σ_t p_t          (total)
 *   expected entropy     (1/T) Σ_t H[p_t]                          (aleatoric)
 *   mutual information   H[p̄] − (1/T) Σ_t H[p_t]                   (epistemic)
 *   class variance       Σ_c Var_t[p_tc]  (per class: Var_t[p_tc])
 *
 * and, for a network with an aleatoric head (Kendall & Gal 2017), the
 * learned logit variance σ² averaged over the samples.  With such a head
 * each p_t is itself the mean of softmax(x + σ ε) over draws of the learned
 * logit noise (estimate.h), so the expected entropy is the aleatoric part
 * as the network learned it.  σ² alone is not comparable across voxels: a
 * small logit margin with σ = 0 and a large margin with a large σ give the
 * same probabilities, and the loss does not prefer one.  The accumulator
 * does not see σ² (the estimator averages it itself).
 *
 * in nats (natural logarithms; 0 log 0 = 0).  A PlUncertaintyAccum sums
 * samples of n points as they come (one batch of slices at a time, so the T
 * samples of a volume never need to be held together) and
 * pl_uncertainty_accum_finish() turns the sums into the maps.  Every map is
 * float32, point-major per class (class c of point i at c·n + i).
 *
 * Per-slice means and the next slice to paint (active learning) work on a
 * map on a volume's grid.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  PL_UMAP_ENTROPY,            /* predictive entropy H[p̄] */
  PL_UMAP_EXPECTED_ENTROPY,   /* aleatoric part */
  PL_UMAP_MUTUAL_INFO,        /* epistemic part */
  PL_UMAP_VARIANCE,           /* Σ_c Var_t[p_tc] */
  PL_UMAP_LOGIT_VARIANCE,     /* learned logit variance σ² of an aleatoric
                                 head, mean over samples (0 without one) */
  PL_UMAP_N
} PlUncertaintyMap;

/* Name used in files and on the command line: "entropy",
 * "expected-entropy", "mutual-info", "variance", "logit-variance";
 * NULL when out of range. */
const char *pl_uncertainty_map_name    (PlUncertaintyMap map);
/* -1 when unknown (also accepts "mi", "epistemic" for mutual-info and
 * "aleatoric" for expected-entropy). */
int         pl_uncertainty_map_from_name (const char    *name);

typedef struct
{
  int      n_classes;
  gsize    n;            /* points */
  gsize    capacity;     /* points allocated (n ≤ capacity) */
  int      n_samples;    /* added so far */
  double  *sum_p;        /* (K, n) */
  double  *sum_p2;       /* (K, n) */
  double  *sum_h;        /* (n) */
} PlUncertaintyAccum;

PlUncertaintyAccum *pl_uncertainty_accum_new    (int                 n_classes,
                                                 gsize               n);
void                pl_uncertainty_accum_free   (PlUncertaintyAccum *acc);
/* Clears the sums for n ≤ capacity points. */
void                pl_uncertainty_accum_reset  (PlUncertaintyAccum *acc,
                                                 gsize               n);
/* probs: (K, n) with point stride `stride` between classes (c·stride + i).
 * The points are split over the engine's threads (no value depends on it). */
void                pl_uncertainty_accum_add    (PlUncertaintyAccum *acc,
                                                 const float        *probs,
                                                 gsize               stride);
/* The same for the softmax of logits (K, n), fused into the sums (the
 * probabilities are those of pl_softmax). */
void                pl_uncertainty_accum_add_logits (PlUncertaintyAccum *acc,
                                                     const float        *logits,
                                                     gsize               stride);
/* Any output may be NULL.  mean, class_var: (K, n); the rest (n).  Needs at
 * least one sample. */
void                pl_uncertainty_accum_finish (const PlUncertaintyAccum *acc,
                                                 float              *mean,
                                                 float              *class_var,
                                                 float              *maps[PL_UMAP_N]);

/* Entropy (nats) of a distribution of K classes with stride. */
double      pl_entropy                 (const float *p,
                                        int          n_classes,
                                        gsize        stride);

/* Mean of a map (on a volume's grid dim) over each slice along axis:
 * means[dim[axis]].  mask (same grid, may be NULL): only voxels with a
 * non-zero mask count; a slice with none gets 0. */
void        pl_uncertainty_slice_means (const float  *map,
                                        const gint64  dim[3],
                                        int           axis,
                                        const guint8 *mask,
                                        double       *means);
/* The slice with the highest mean among those with no painted voxel
 * (painted[s] == 0; painted may be NULL: every slice is a candidate) and
 * not excluded (exclude may be NULL).  Ties: the lowest index.  −1 when
 * no slice is a candidate. */
gint64      pl_uncertainty_next_slice  (const double *means,
                                        gint64        n_slices,
                                        const gint64 *painted,
                                        const guint8 *exclude);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlUncertaintyAccum, pl_uncertainty_accum_free)

G_END_DECLS
