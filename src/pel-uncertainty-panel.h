/* pel-uncertainty-panel.h: the Uncertainty side panel — where the network
 * is unsure, and which slice to paint next.
 *
 * Estimates the uncertainty of the model's prediction of the whole volume
 * (engine/uncertainty/estimate.h) on a PelLiveRun: MC dropout with T
 * passes, test-time augmentation with T samples, a deep ensemble (a model
 * file with several members, or one trained here) or the plain softmax.
 * The model is the Train panel's (trained or loaded there), a model file
 * loaded here or the ensemble trained here; the worker gets a copy of the
 * Train panel's model (it may train on), the panel's own set as it is (it
 * never changes), and a reference to the volume.
 *
 * Train Ensemble trains M members one after another on a second PelLiveRun
 * (engine/uncertainty/ensemble.h): the Train panel's network settings
 * (preset, batch, learning rate, method, threads, held-out slice), seeds
 * S … S+M−1, optionally each on a bootstrap draw of the painted slices, on
 * the document's painted slices as they are at each batch — what
 * `pellucid-cli train --ensemble M [--bootstrap]` trains.  Progress covers
 * every member; the status names the member and its seed; each member's
 * loss is plotted.  When it ends, or is stopped, the members that finished
 * become the panel's model set (the ensemble estimator is chosen when
 * there are two or more), to be saved as one model file.
 * The chosen map (predictive entropy, expected entropy, mutual information,
 * class variance, an aleatoric head's logit variance) becomes the document's heat map, with a colour bar and
 * its range (W shows or hides it, Q/E change its opacity); the per-slice
 * means are drawn in a slice strip beside the painted slices, and Next
 * uncertain slice moves the views to the unpainted slice with the highest
 * mean.
 *
 * Actions of the "uncertainty" group: uncertainty.start, uncertainty.stop,
 * uncertainty.estimator(s "mc" | "tta" | "ensemble" | "softmax"),
 * uncertainty.passes(i), uncertainty.map(s "entropy" | "expected-entropy" |
 * "mutual-info" | "variance"), uncertainty.cycle-map,
 * uncertainty.next-slice, uncertainty.load(s path),
 * uncertainty.load-model (dialog), uncertainty.use-train-model,
 * uncertainty.show; for trust (pel-uncertainty-assess.h):
 * uncertainty.held-out(s "z,z,…" voxel indices along the axis; the Train
 * panel's held-out slice counts too when its model is used),
 * uncertainty.load-reference(s path), uncertainty.open-reference (dialog),
 * uncertainty.clear-reference, uncertainty.add-rater(s path),
 * uncertainty.open-rater (dialog), uncertainty.clear-raters,
 * uncertainty.assess (measure again) and the state
 * uncertainty.show-disagreement (the rater disagreement as the overlay);
 * uncertainty.scroll(s "top" | "trust") for screenshots.
 * Actions of the "ensemble" group (its live run is run:ensemble for the
 * test channel; the uncertainty group's is run:uncertainty):
 * ensemble.train, ensemble.stop, ensemble.members(i M), ensemble.steps(i
 * per member), ensemble.bootstrap(b), ensemble.save(s path),
 * ensemble.save-as (dialog) and the state ensemble.busy; uncertainty.busy
 * is TRUE while an ensemble trains or is saved.
 * The reliability diagram (before and after temperature scaling) and the
 * scatter of per-slice uncertainty against Dice are drawn in the panel.  PELLUCID_UNCERTAINTY_ACTIONS runs a list of them
 * (pel-action-script.h), e.g. "show,estimator=mc,passes=8,start,next-slice"
 * or "ensemble.members=3,ensemble.steps=200,ensemble.train,start".
 */
#pragma once

#include <gtk/gtk.h>

#include "engine/uncertainty/estimate.h"
#include "src/pel-document.h"
#include "src/pel-live-run.h"
#include "src/pel-tools.h"
#include "src/pel-uncertainty-assess.h"

G_BEGIN_DECLS

#define PEL_TYPE_UNCERTAINTY_PANEL (pel_uncertainty_panel_get_type ())
G_DECLARE_FINAL_TYPE (PelUncertaintyPanel, pel_uncertainty_panel, PEL, UNCERTAINTY_PANEL, GtkWidget)

GtkWidget                 *pel_uncertainty_panel_new        (PelDocument         *document,
                                                             PelTools            *tools);
PelLiveRun                *pel_uncertainty_panel_get_run    (PelUncertaintyPanel *self);
/* The live run of Train Ensemble. */
PelLiveRun                *pel_uncertainty_panel_get_ensemble_run (PelUncertaintyPanel *self);
/* The panel's own models (a loaded file's members or the ensemble trained
 * here; NULL, 0 when it uses the Train panel's model). */
PlModel *const            *pel_uncertainty_panel_get_models (PelUncertaintyPanel *self,
                                                             int                 *n_models);
/* The last finished estimate, or NULL. */
const PlUncertaintyResult *pel_uncertainty_panel_get_result (PelUncertaintyPanel *self);
PlUncertaintyMap           pel_uncertainty_panel_get_map    (PelUncertaintyPanel *self);
/* The slice Next uncertain slice last moved to (along the result's axis),
 * or −1. */
gint64                     pel_uncertainty_panel_get_next_slice (PelUncertaintyPanel *self);
/* Calibration, error detection and raters of the last estimate, or NULL. */
const PelAssessment       *pel_uncertainty_panel_get_assessment (PelUncertaintyPanel *self);
/* The text of a status line ("run", "model", "next", "assess", the
 * ensemble's "ensemble", "member", "save", and the trust section's
 * "inputs", "calibration", "errors", "raters"), or NULL (tests). */
const char                *pel_uncertainty_panel_get_status (PelUncertaintyPanel *self,
                                                             const char          *key);

G_END_DECLS
