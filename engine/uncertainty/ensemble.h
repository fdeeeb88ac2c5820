/* ensemble.h: training a deep ensemble (Lakshminarayanan et al. 2017).
 *
 * M networks trained one after another on the same painted slices, member
 * m from seed base + m (initialisation, batch sampling, augmentation and
 * dropout all follow the seed), optionally each on a bootstrap draw of the
 * painted slices.  Save them as one file with pl_model_save_ensemble()
 * (model.h) and apply them with PL_ESTIMATOR_ENSEMBLE (estimate.h).
 *
 * Bootstrap: n draws with replacement from the n slices that hold labels
 * when a member starts; the member trains on the distinct slices drawn
 * (about 63 % of them), each sampled uniformly as the trainer does — the
 * trainer has no per-slice weights, so a slice drawn twice counts once.
 * Slices painted later are used too.  With few painted slices (k = 5) this
 * costs accuracy, so it is off by default.
 */
#pragma once

#include <glib.h>

#include "engine/data/dataset.h"
#include "engine/nn/train.h"

G_BEGIN_DECLS

/* Defaults of pellucid-cli train --ensemble and the Uncertainty panel. */
#define PL_ENSEMBLE_DEFAULT_MEMBERS 5

typedef struct
{
  PlLabelProvider inner;
  guint64         seed;
  gboolean        drawn;
  guint8         *keep;     /* (n_slices) after the draw */
  gint64          n_slices; /* along the trainer's axis */
  gint64          holdout;  /* the trainer's held-out slice (−1: none) */
} PlBootstrapLabels;

/* A provider over `inner` that hides the slices a bootstrap draw left out:
 * the draw is over the labelled slices the trainer of `cfg` trains on (its
 * held-out slice is always kept, as a slice to score, never drawn), seeded
 * by cfg->seed, along cfg's axis of `volume`.  The CLI, the panel and
 * pl_ensemble_train draw member m alike.  Free b->keep with
 * pl_bootstrap_labels_clear(). */
void      pl_bootstrap_labels_init  (PlBootstrapLabels     *b,
                                     const PlLabelProvider *inner,
                                     const PlTrainConfig   *cfg,
                                     const PlVolume        *volume,
                                     PlLabelProvider       *out);
void      pl_bootstrap_labels_clear (PlBootstrapLabels     *b);

/* Installs a method's recipe on a new member's trainer (NULL: supervised). */
typedef gboolean (*PlEnsembleSetup) (PlTrainer *trainer,
                                     gpointer   user_data,
                                     GError   **error);

/* Trains members first … n_members − 1 of an ensemble (seed base->seed + m)
 * and returns them (NULL-terminated, pl_model_ensemble_free).  progress
 * covers the whole run; on cancel or error returns NULL. */
PlModel **pl_ensemble_train (const PlTrainConfig   *base,
                             int                    steps,
                             int                    first,
                             int                    n_members,
                             gboolean               bootstrap,
                             PlEnsembleSetup        setup,
                             gpointer               setup_data,
                             const PlVolume        *volume,
                             const PlLabelProvider *labels,
                             const PlProgress      *progress,
                             GError               **error);

G_END_DECLS
