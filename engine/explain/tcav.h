/* tcav.h: testing with concept activation vectors (Kim et al. 2018) for a
 * segmentation network.
 *
 * A concept is the voxels of one label of a painted label map, on any
 * slices.  Its examples are the activations of a layer (the bottleneck or
 * the last decoder level) at the layer positions whose centre lies in the
 * concept; counterexamples are positions drawn at random from random slices.
 * A logistic regression separates the two; its normal, in activation units,
 * is the CAV v.  On each evaluation slice the class's score S (the sum of its
 * logits over its predicted region) has a directional derivative
 * Σ_positions ⟨∂S/∂A_p, v⟩; the TCAV score is the fraction of slices where
 * it is positive.  Repeated against n_random ≥ 10 random sets, and compared
 * with CAVs of a random set against the other random sets by Welch's
 * two-sided t-test: a concept matters for the class when its TCAV scores
 * differ significantly from the random ones. */
#pragma once

#include <glib.h>

#include "engine/core/progress.h"
#include "engine/data/labels.h"
#include "engine/data/volume.h"
#include "engine/nn/model.h"

G_BEGIN_DECLS

typedef struct
{
  PlUnetAt layer;          /* PL_UNET_AT_BOTTLENECK or PL_UNET_AT_FEATURES */
  int      cls;            /* class whose score is explained */
  int      n_random;       /* random counterexample sets, ≥ 10 */
  int      max_examples;   /* per set (examples are subsampled to it) */
  guint64  seed;
} PlTcavConfig;

typedef struct
{
  double   score, score_sd;         /* concept vs random: mean, s.d. over sets */
  double   random_score, random_sd; /* random vs random */
  double   t, df, p;                /* Welch's t-test, two-sided */
  double   cav_accuracy;            /* mean training accuracy of the concept CAVs */
  int      n_examples;              /* concept examples used */
  int      n_slices;                /* evaluation slices with a predicted region */
} PlTcavResult;

gboolean pl_tcav_run      (PlModel            *model,
                           const PlVolume     *volume,
                           int                 axis,
                           const PlLabels     *concepts,
                           guint16             concept_value,
                           const gint64       *eval_slices,
                           int                 n_eval,
                           const PlTcavConfig *config,
                           PlTcavResult       *result,
                           const PlProgress   *progress,
                           GError            **error);

/* Welch's two-sided t-test of two samples; returns p, sets t and df. */
double   pl_welch_t_test  (const double       *a,
                           int                 na,
                           const double       *b,
                           int                 nb,
                           double             *t,
                           double             *df);

G_END_DECLS
