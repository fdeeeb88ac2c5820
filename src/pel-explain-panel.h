/* pel-explain-panel.h: the Explain side panel — what did the network look
 * at?
 *
 * The model is the Train panel's (trained there or loaded with its Load
 * Model).  The target is a class of the label table and a region on the
 * axial slice on screen: the class's predicted region, the pixel at the
 * crosshair, or the voxels painted with the class's label on that slice; the score explained is the sum of the class's pre-softmax
 * logits over it (engine/explain/explain.h).  The chosen methods of the
 * engine's table are computed one after another on a worker (a PelLiveRun:
 * progress, time left, Stop); each finished map appears in a grid with its
 * name and compute time, all shown with one normalisation (absolute or
 * signed, clipped at a percentile of each map's |value|), and in a table
 * with the areas under its deletion and insertion curves (faithfulness,
 * Petsiuk et al. 2018; optional).  Clicking a map shows it as the heat-map
 * overlay of the slice views.  The sanity check (Adebayo et al. 2018)
 * re-initialises the layers, cascading from the head down or one at a time,
 * on the run: per checked method a strip of the map at each stage, the
 * Spearman ρ (of values and |values|), SSIM and HOG correlation with the
 * trained map plotted against the layers randomised, and a pass/fail
 * verdict (mean |ρ| below 0.5), also in the table.  The grid can be saved as a PNG and the map
 * on the overlay as a NIfTI heat map on the volume's grid, on the run too.
 *
 * Every operation is an action of the "explain" group: explain.show,
 * explain.compute, explain.stop, explain.class(i label value),
 * explain.region(s "predicted" | "pixel" | "painted"), explain.methods(s
 * "grad+gradcam+…", '+' so that a script's commas still separate actions), explain.normalise(s "absolute" | "signed"),
 * explain.clip(d percentile), explain.overlay(i map index),
 * explain.faithfulness(b), explain.sanity, explain.sanity-mode(s
 * "cascade" | "independent"), explain.reveal(s "maps" | "sanity": scrolls
 * the panel there), explain.export-grid(s PNG path),
 * explain.export-map(s NIfTI path), explain.export-grid-dialog,
 * explain.export-map-dialog, and the state
 * explain.busy.  PELLUCID_EXPLAIN_ACTIONS is a list of those activations
 * run in order (pel-action-script.h), e.g.
 * "show,class=3,methods=grad+gradcam,compute".
 */
#pragma once

#include <gtk/gtk.h>

#include "src/pel-document.h"
#include "src/pel-live-run.h"
#include "src/pel-tools.h"

G_BEGIN_DECLS

#define PEL_TYPE_EXPLAIN_PANEL (pel_explain_panel_get_type ())
G_DECLARE_FINAL_TYPE (PelExplainPanel, pel_explain_panel, PEL, EXPLAIN_PANEL, GtkWidget)

GtkWidget  *pel_explain_panel_new         (PelDocument     *document,
                                           PelTools        *tools);
PelLiveRun *pel_explain_panel_get_run     (PelExplainPanel *self);
/* Maps in the grid, and one's method name and compute time (ms). */
guint       pel_explain_panel_get_n_maps  (PelExplainPanel *self);
const char *pel_explain_panel_get_map_name (PelExplainPanel *self,
                                            guint            i,
                                            double          *ms);
/* A map's deletion and insertion areas (NaN when not computed). */
void        pel_explain_panel_get_map_areas (PelExplainPanel *self,
                                             guint            i,
                                             double          *deletion,
                                             double          *insertion);
/* Stages received from the last sanity check, and a method's verdict
 * (1 pass, 0 fail, −1 not checked) with its mean |Spearman ρ|. */
guint       pel_explain_panel_get_n_sanity (PelExplainPanel *self);
int         pel_explain_panel_get_sanity_verdict (PelExplainPanel *self,
                                                  const char      *method,
                                                  double          *mean);
/* The status line of a key ("explain", "score", "export"), or NULL (tests). */
const char *pel_explain_panel_get_status  (PelExplainPanel *self,
                                           const char      *key);
void        pel_explain_panel_run_actions (PelExplainPanel *self,
                                           const char      *actions);

G_END_DECLS
