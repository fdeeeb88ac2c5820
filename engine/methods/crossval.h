/* crossval.h: how good is the model trained on the painted slices?  An
 * estimate that does not rest on one slice.
 *
 * pl_crossval_run() splits the painted slices into folds (sorted by
 * position, slice i of them into fold i mod K, so every fold spans the
 * volume), trains one fresh model per fold on the other folds' slices with
 * the given settings and method, and scores it on its fold's slices.  Every
 * painted slice is scored once, by a model that never saw it.  The Dice of
 * each class is pooled over all scored voxels (2 Σ TP / (Σ predicted +
 * Σ painted)), so a class painted on one slice only counts on that slice,
 * and the result says on how many slices each class was scored — none for a
 * class the estimate cannot see.
 *
 * It costs K trainings of `steps` steps; progress and cancellation as
 * pl_trainer_run's.  Threads: one at a time, as the trainer.
 */
#pragma once

#include <glib.h>

#include "engine/methods/methods.h"

G_BEGIN_DECLS

typedef struct
{
  int       n_folds;
  int       n_slices;        /* painted slices scored */
  gint64   *slices;          /* (n_slices) which, ascending */
  int      *fold;            /* (n_slices) the fold of each */
  int       n_classes;
  guint16  *class_values;    /* (n_classes) */
  char    **class_names;     /* (n_classes + 1) "" when unnamed */
  gint64   *tp, *pred, *truth; /* (n_classes) pooled voxel counts */
  int      *slices_with;     /* (n_classes) scored slices painted with the class */
  double   *dice;            /* (n_classes) pooled Dice; NaN: no scored slice holds the class */
  double   *fold_dice;       /* (n_folds) mean Dice of each fold's model on its slices */
  double    mean;            /* over the classes some scored slice holds */
  int       steps;           /* per fold */
} PlCrossval;

/* cfg->holdout_slice is ignored; cfg->n_classes 0: the classes of all the
 * painted slices.  folds ≥ 2, at most the number of painted slices (fewer
 * folds are made when fewer slices are painted; fewer than 2 painted slices
 * is an error). */
PlCrossval *pl_crossval_run      (const PlTrainConfig    *cfg,
                                  const PlMethodConfig   *method,
                                  const PlVolume         *volume,
                                  const PlLabelProvider  *labels,
                                  int                     folds,
                                  int                     steps,
                                  const PlProgress       *progress,
                                  GError                **error);
void        pl_crossval_free     (PlCrossval             *cv);
/* "Dice 0.71 over 5 painted slices (5 folds × 200 steps): Outside 0.98 (5),
 * …; cannot see: Cerebellum" — per class its Dice and on how many slices
 * it was scored. */
char       *pl_crossval_describe (const PlCrossval       *cv);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlCrossval, pl_crossval_free)

G_END_DECLS
