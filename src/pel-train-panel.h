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
 * PELLUCID_TRAIN_ACTIONS, for demonstrations and screenshots, is a comma-
 * separated list of what a user would do in this panel, run in order once a
 * volume with labels is open, each waiting for the previous one to finish:
 * show, axis=axial|coronal|sagittal, preset=NAME, method=NAME, steps=N,
 * interval=SECONDS (preview refresh), start, predict, outline, fill,
 * accept-slice, accept-all, accept-class=VALUE, save=MODEL, load=MODEL,
 * scroll=top|proposal.
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
/* Runs one PELLUCID_TRAIN_ACTIONS-style action list (tests, demos). */
void             pel_train_panel_run_actions  (PelTrainPanel *self,
                                               const char    *actions);

G_END_DECLS
