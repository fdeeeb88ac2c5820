/* pel-uncertainty-panel.h: the Uncertainty side panel — where the network
 * is unsure, and which slice to paint next.
 *
 * Estimates the uncertainty of the model's prediction of the whole volume
 * (engine/uncertainty/estimate.h) on a PelLiveRun: MC dropout with T
 * passes, test-time augmentation with T samples, a deep ensemble (when the
 * loaded model file has several members) or the plain softmax.  The model
 * is the Train panel's (trained or loaded there) or a model file loaded
 * here; the worker gets copies of the models and a reference to the volume.
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
 * The reliability diagram (before and after temperature scaling) and the
 * scatter of per-slice uncertainty against Dice are drawn in the panel.  PELLUCID_UNCERTAINTY_ACTIONS runs a list of them
 * (pel-action-script.h), e.g. "show,estimator=mc,passes=8,start,next-slice".
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
/* The last finished estimate, or NULL. */
const PlUncertaintyResult *pel_uncertainty_panel_get_result (PelUncertaintyPanel *self);
PlUncertaintyMap           pel_uncertainty_panel_get_map    (PelUncertaintyPanel *self);
/* The slice Next uncertain slice last moved to (along the result's axis),
 * or −1. */
gint64                     pel_uncertainty_panel_get_next_slice (PelUncertaintyPanel *self);
/* Calibration, error detection and raters of the last estimate, or NULL. */
const PelAssessment       *pel_uncertainty_panel_get_assessment (PelUncertaintyPanel *self);
/* The text of a status line ("run", "model", "next", "assess", and the
 * trust section's "inputs", "calibration", "errors", "raters"), or NULL
 * (tests). */
const char                *pel_uncertainty_panel_get_status (PelUncertaintyPanel *self,
                                                             const char          *key);

G_END_DECLS
