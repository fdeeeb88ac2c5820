/* pel-train-panel.h: the Train side panel — learn while painting.
 *
 * Shows the classes (every non-zero label present in the map, with its
 * colour and name) and which slices along the chosen axis hold labels;
 * chooses the network preset, the method and its hyper-parameters (defaults
 * from the engine, as pellucid-cli train), the step budget; Start, Stop and
 * Continue a PelTrainSession; plots the loss and the held-out Dice with the
 * rate and time left; refreshes the prediction of the slice on screen while
 * training; predicts the whole volume as a proposal and accepts it by slice,
 * all, or class; saves and loads models; and shows the equivalent command
 * line.
 *
 * Every operation is an action of the "train" group, on the panel and on
 * its window: train.start, train.stop, train.continue, train.predict,
 * train.predict-stop, train.clear-proposal, train.accept-slice,
 * train.accept-all, train.accept-class(i value), train.save-model and
 * train.load-model (dialogs), train.save(s path), train.load(s path),
 * train.show, train.axis(s), train.preset(s), train.head(s "plain" |
 * "fcn"), train.attention(i heads: 0, 1, 2, 4, 8), train.context(i slices
 * per input: 1, 3, 5), train.coords(b position channel), train.method(s),
 * train.steps(i), train.interval(d seconds of preview refresh),
 * train.outline, train.fill, train.scroll(s "top" | "network" (opened) |
 * "method" (opened) | "optimiser" (opened) | "pretrain" (opened) |
 * "proposal"); pre-training
 * and fine-tuning:
 * train.pretrain, train.pretrain-continue, train.pretrain-stop,
 * train.pretrain-steps(i), train.pretrain-batch(i),
 * train.pretrain-temperature(d), train.pretrain-local(b), train.init(s
 * "fresh" | "pretrained"), train.freeze(s, engine/nn/finetune.h's names),
 * train.batch-norm(b), train.load-encoder(s path), train.save-encoder(s
 * path), train.load-encoder-file and train.save-encoder-file (dialogs);
 * and the state train.busy (training, pre-training, predicting or
 * reading/writing a model).
 *
 * PELLUCID_TRAIN_ACTIONS, for demonstrations and screenshots, is a list of
 * those activations run in order (pel-action-script.h), each when its
 * action is enabled and the panel is not busy:
 * "show,preset=small,steps=200,start,predict,accept-class=3".
 */
#pragma once

#include <gtk/gtk.h>

#include "src/pel-document.h"
#include "src/pel-tools.h"
#include "src/pel-train-session.h"

G_BEGIN_DECLS

#define PEL_TYPE_TRAIN_PANEL (pel_train_panel_get_type ())
G_DECLARE_FINAL_TYPE (PelTrainPanel, pel_train_panel, PEL, TRAIN_PANEL, GtkWidget)

GtkWidget       *pel_train_panel_new          (PelDocument   *document,
                                               PelTools      *tools);
PelTrainSession *pel_train_panel_get_session  (PelTrainPanel *self);
/* While the Cases panel shows a cohort, Start trains across its cases
 * (pel-train-cases.h). */
void             pel_train_panel_set_cases_panel (PelTrainPanel *self,
                                                  GtkWidget     *cases_panel);
PelJob          *pel_train_panel_get_predict_job (PelTrainPanel *self);
/* The settings the next Start uses (owned by the panel; change them only
 * through the panel's widgets or pel_train_panel_set_settings()). */
const PelTrainSettings *pel_train_panel_get_settings (PelTrainPanel *self);
void             pel_train_panel_set_settings (PelTrainPanel          *self,
                                               const PelTrainSettings *settings);
/* The command line shown in the panel. */
const char      *pel_train_panel_get_command_line (PelTrainPanel *self);
/* The model Predict Volume and Save use (trained here or loaded), or NULL. */
PlModel         *pel_train_panel_get_model    (PelTrainPanel *self);
/* Pre-training (contrastive, on the open volume's slices, no labels): its
 * live run, and the pre-trained model Start fine-tunes from when the
 * panel's "Start from" says so (trained here or loaded; NULL: none) with
 * the file it is in. */
PelLiveRun      *pel_train_panel_get_pretrain_run (PelTrainPanel *self);
PlModel         *pel_train_panel_get_encoder  (PelTrainPanel *self);
const char      *pel_train_panel_get_encoder_path (PelTrainPanel *self);
/* A pre-training run that ends writes its model to
 * $XDG_CACHE_HOME/pellucid/pretrained/; the newest this many stay there. */
#define PEL_ENCODER_CACHE_KEEP 10
/* Runs one PELLUCID_TRAIN_ACTIONS-style list of train.* (or win., app.)
 * activations (tests, demos). */
void             pel_train_panel_run_actions  (PelTrainPanel *self,
                                               const char    *actions);

G_END_DECLS
