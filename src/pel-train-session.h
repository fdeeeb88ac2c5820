/* pel-train-session.h: training in the window — a PlTrainer driven by
 * PelJob runs on a worker thread while the user keeps painting.
 *
 * A session belongs to a document.  Start makes a new trainer from the
 * settings (on the worker: building the network and scanning the classes
 * never blocks the main loop) and runs `steps` steps; Stop asks the worker
 * to stop after the step in progress; Continue runs more steps on the same
 * trainer, so the step count, the weights and the optimiser's moments carry
 * on.  Labels come from a PelTrainProvider, so every batch sees the labels
 * as they are when it is drawn.
 *
 * Feedback: after every step the worker records (step, loss); every
 * `preview-interval` seconds it also predicts the slice on screen (the one
 * pel_train_session_set_preview_slice() names), measures the Dice of the
 * held-out slice, and exports a copy of the model.  One coalesced idle on
 * the main thread turns what piled up into ::progress (new loss and Dice
 * points) and, for the preview, a new proposal slice in the document, so
 * the main loop never does numerics and is never flooded.
 *
 * Properties (main thread): running, step, target-step, loss, dice,
 * steps-per-second, time-left (s, −1 unknown), holdout-slice, has-trainer.
 */
#pragma once

#include "engine/methods/methods.h"
#include "engine/nn/model.h"
#include "src/pel-document.h"
#include "src/pel-job.h"
#include "src/pel-train-provider.h"
#include "src/pel-train-settings.h"

G_BEGIN_DECLS

#define PEL_TYPE_TRAIN_SESSION (pel_train_session_get_type ())
G_DECLARE_FINAL_TYPE (PelTrainSession, pel_train_session, PEL, TRAIN_SESSION, GObject)

typedef struct
{
  gint64  step;
  double  loss;
} PelLossPoint;

typedef struct
{
  gint64  step;
  double  mean;
  double *per_class;   /* n_classes entries (NaN: class absent) */
} PelDicePoint;

PelTrainSession *pel_train_session_new             (PelDocument            *document);
PelDocument     *pel_train_session_get_document    (PelTrainSession        *self);
PelJob          *pel_train_session_get_job         (PelTrainSession        *self);

/* A new trainer from settings (copied), trained for settings->steps. */
gboolean         pel_train_session_start           (PelTrainSession        *self,
                                                    const PelTrainSettings *settings,
                                                    GError                **error);
/* `steps` more steps on the current trainer; method (may be NULL): new
 * hyper-parameters for the same method, its state kept. */
gboolean         pel_train_session_continue        (PelTrainSession        *self,
                                                    int                     steps,
                                                    const PlMethodConfig   *method,
                                                    GError                **error);
void             pel_train_session_stop            (PelTrainSession        *self);
/* Drops the trainer (not while running). */
void             pel_train_session_reset           (PelTrainSession        *self);

gboolean         pel_train_session_get_running     (PelTrainSession        *self);
gboolean         pel_train_session_has_trainer     (PelTrainSession        *self);
gint64           pel_train_session_get_step        (PelTrainSession        *self);
gint64           pel_train_session_get_target_step (PelTrainSession        *self);
/* The settings the trainer was made with (NULL without one). */
const PelTrainSettings *pel_train_session_get_settings (PelTrainSession    *self);
gint64           pel_train_session_get_holdout_slice (PelTrainSession      *self);
/* Label values of the trainer's classes (NULL without a trainer yet). */
const guint16   *pel_train_session_get_classes     (PelTrainSession        *self,
                                                    int                    *n_classes);
/* The last error of a run (NULL if it ended well or was stopped). */
const GError    *pel_train_session_get_error       (PelTrainSession        *self);

/* Every loss and Dice point so far (owned by the session). */
const PelLossPoint *pel_train_session_get_losses   (PelTrainSession        *self,
                                                    guint                  *n);
const PelDicePoint *pel_train_session_get_dice     (PelTrainSession        *self,
                                                    guint                  *n);

/* The slice (along the trainer's axis) whose prediction is refreshed while
 * training runs; −1: none. */
void             pel_train_session_set_preview_slice (PelTrainSession      *self,
                                                      gint64                index);
void             pel_train_session_set_preview_interval (PelTrainSession   *self,
                                                         double             seconds);
/* The newest copy of the model (at the last preview or the end of a run),
 * with the training settings recorded; NULL before the first.  Owned by the
 * session. */
PlModel         *pel_train_session_get_model       (PelTrainSession        *self);
/* What the method reported after the last step (FALSE before one). */
gboolean         pel_train_session_get_method_status (PelTrainSession      *self,
                                                      PlMethodStatus       *status);
/* The provider of the current trainer (tests observe copies through it). */
PelTrainProvider *pel_train_session_get_provider   (PelTrainSession        *self);

G_END_DECLS
