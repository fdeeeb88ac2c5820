/* raters.h: comparing a model's samples with several raters.
 *
 * d(A, B) = 1 − IoU between two segmentations.  For label maps with several
 * classes it is the mean over the given label values of 1 − IoU of that
 * value's masks; when both masks of a value are empty their IoU is 1 (they
 * agree), so d = 0 for that value — the convention pinned here.
 *
 * The generalised energy distance (Kohl et al. 2018, eq. 5; Székely & Rizzo
 * 2013) between the distribution of samples S and of raters Y:
 *
 *   D²_GED = 2 E[d(S, Y)] − E[d(S, S′)] − E[d(Y, Y′)]
 *
 * with each expectation the mean over all pairs of the empirical sets, the
 * pairs of an element with itself included (d = 0 there): the energy
 * distance of the two empirical distributions, 0 for identical sets.  The rater disagreement map is, per voxel, the fraction
 * of raters that differ from the most common label there (0 … 1 − 1/R).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  double ged2;   /* D²_GED */
  double d_sy;   /* E[d(S, Y)] */
  double d_ss;   /* E[d(S, S′)] */
  double d_yy;   /* E[d(Y, Y′)] */
} PlGed;

double   pl_seg_distance        (const guint16        *a,
                                 const guint16        *b,
                                 gsize                 n,
                                 const guint16        *values,
                                 int                   n_values);
/* samples: S maps, raters: R maps, each (n); S, R ≥ 1. */
void     pl_ged                 (const guint16 *const *samples,
                                 int                   n_samples,
                                 const guint16 *const *raters,
                                 int                   n_raters,
                                 gsize                 n,
                                 const guint16        *values,
                                 int                   n_values,
                                 PlGed                *out);
/* out (n): fraction of the R raters that differ from the majority label. */
void     pl_rater_disagreement  (const guint16 *const *raters,
                                 int                   n_raters,
                                 gsize                 n,
                                 float                *out);

G_END_DECLS
