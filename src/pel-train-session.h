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
 * Feedback goes through a PelLiveRun (pel-live-run.h): after every step
 * the worker appends (step, loss) to the series "loss" and reports the step
 * of the target; every `preview-interval` seconds it also predicts the slice
 * on screen (the one pel_train_session_set_preview_slice() names) as the
 * payload "slice", appends the held-out Dice to "dice" (mean) and "dice:C"
 * (class index C), and publishes a copy of the model as "model"; the
 * method's state is the status fact "method".  The session turns "slice"
 * into the document's proposal and keeps the model; panels bind to the
 * run's properties (fraction, time-left, rate) and plot its series.
 *
 * Properties (main thread): running, step, target-step, holdout-slice,
 * has-trainer.  ::progress: new points arrived; ::preview (index): a new
 * preview slice is in the document's proposal; ::finished (error).
 */
#pragma once

#include "engine/methods/methods.h"
#include "engine/nn/model.h"
#include "src/pel-document.h"
#include "src/pel-live-run.h"
#include "src/pel-train-cases.h"
#include "src/pel-train-provider.h"
#include "src/pel-train-settings.h"

G_BEGIN_DECLS

#define PEL_TYPE_TRAIN_SESSION (pel_train_session_get_type ())
G_DECLARE_FINAL_TYPE (PelTrainSession, pel_train_session, PEL, TRAIN_SESSION, GObject)

PelTrainSession *pel_train_session_new             (PelDocument            *document);
PelDocument     *pel_train_session_get_document    (PelTrainSession        *self);
PelLiveRun      *pel_train_session_get_run         (PelTrainSession        *self);

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

/* Every loss and mean Dice point (x: step) so far (owned by the run). */
const PelLivePoint *pel_train_session_get_losses   (PelTrainSession        *self,
                                                    guint                  *n);
const PelLivePoint *pel_train_session_get_dice     (PelTrainSession        *self,
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
/* The provider of the current trainer (tests observe copies through it). */
/* Training across a cohort: the next start trains on the cases (takes
 * them); without, on the open volume only. */
void             pel_train_session_set_cases       (PelTrainSession        *self,
                                                    PelTrainCases          *cases);
/* Fine-tuning: the next start's network takes init's encoder (and its
 * decoder, after the local contrastive stage) and keeps what the start's
 * settings freeze; the model file it came from is the settings' init.
 * Takes init; NULL: fresh weights. */
void             pel_train_session_set_init        (PelTrainSession        *self,
                                                    PlModel                *init);
/* The cases the trainer draws from, or NULL (for tests). */
PelTrainCases   *pel_train_session_get_cases       (PelTrainSession        *self);
PelTrainProvider *pel_train_session_get_provider   (PelTrainSession        *self);

G_END_DECLS
