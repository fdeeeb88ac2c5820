/* pel-cases-panel.h: the case list — a cohort of images worked through
 * one at a time (engine/cases/cohort.h).
 *
 * The panel lists every case with a thumbnail (the middle axial slice,
 * made on a worker one case after another) and its state (untouched,
 * painted slices, proposed, reviewed).  Only the open case is in memory:
 * switching saves the open case's labels when they changed (to its
 * segmentation, or NAME_seg.nii.gz beside the image when it had none),
 * updates its state in the cohort's manifest (pellucid-cases.json), and
 * keeps its undo history (compact deltas, pel_document_take_history()),
 * which comes back when the case is opened again.
 *
 * Actions, group "cases": open (a folder chooser), open-paths (as: a
 * folder, a list file, or image files, as on the command line), go (u: a
 * case by its index), next (the case not yet reviewed that the model is
 * least sure of, at its most uncertain unpainted slice; in list order
 * without proposals), reviewed (the
 * open case is marked reviewed).  Property "current": the open case's
 * index, -1 for none.
 */
#pragma once

#include <gtk/gtk.h>

#include "engine/cases/cohort.h"
#include "src/pel-document.h"
#include "src/pel-tools.h"

G_BEGIN_DECLS

#define PEL_TYPE_CASES_PANEL (pel_cases_panel_get_type ())
G_DECLARE_FINAL_TYPE (PelCasesPanel, pel_cases_panel, PEL, CASES_PANEL, GtkWidget)

GtkWidget *pel_cases_panel_new         (PelDocument   *document,
                                        PelTools      *tools);
/* The cohort shown, or NULL. */
PlCohort  *pel_cases_panel_get_cohort  (PelCasesPanel *self);
int        pel_cases_panel_get_current (PelCasesPanel *self);
/* The case Next Case opens: the one not reviewed whose proposal has the
 * highest mean predictive entropy, else the next in list order not
 * reviewed; −1 for none. */
int        pel_cases_panel_choose_next (PelCasesPanel *self);
/* Cases whose thumbnail is made. */
guint      pel_cases_panel_get_n_thumbnails (PelCasesPanel *self);
/* Waits until every manifest asked for is on disk (they are written on a
 * worker). */
void            pel_cases_panel_sync_manifest    (PelCasesPanel *self);

G_END_DECLS
