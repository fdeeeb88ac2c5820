/* pel-uncertainty-assess.h: whether an uncertainty estimate can be trusted —
 * calibration, agreement with raters, and how well it finds the errors —
 * computed on a worker thread and shown in the Uncertainty panel.
 *
 * A PelAssessInput holds copies of everything the worker reads: the
 * painted labels as they were when the run started, the slices held out
 * from training (painted, never trained on), an optional reference
 * segmentation and the raters' segmentations.  pel_assessment_compute()
 * then measures, against the estimate's mean probabilities and maps
 * (engine/uncertainty/calibration.h, error-detect.h, raters.h):
 *
 *   calibration  ECE (15 equal-width bins, top-label) and the reliability
 *                bins.  Which voxels: those of the reference whose value is
 *                one of the model's classes, on slices with no painted
 *                voxel, when a reference is open; otherwise the painted
 *                voxels of the held-out slices.  Every class counts, the
 *                background class too; the voxels are pooled over the
 *                volume.  Temperature scaling is fitted on the painted
 *                voxels of the held-out slices (with no reference, then,
 *                fitted and measured on the same voxels, which the text
 *                says).
 *   errors       with a reference: the AUROC of each map for separating
 *                wrong from right voxels (the same voxels), and per slice
 *                the mean of each map beside the slice's Dice.
 *   raters       the rater disagreement map (two raters or more) and
 *                D²_GED between the estimate's kept samples and the raters
 *                over the model's label values.
 *
 * PelResultBox shares a finished estimate between the panel and such a
 * worker (atomic reference count).  PelAssessView is the panel's section
 * that shows an assessment: status lines, the reliability diagram and the
 * scatter of per-slice uncertainty against Dice (PelPlot).
 */
#pragma once

#include <gtk/gtk.h>

#include "engine/data/labels.h"
#include "engine/uncertainty/calibration.h"
#include "engine/uncertainty/estimate.h"
#include "engine/uncertainty/raters.h"

G_BEGIN_DECLS

typedef struct _PelResultBox PelResultBox;

PelResultBox        *pel_result_box_new   (PlUncertaintyResult *result);
PelResultBox        *pel_result_box_ref   (PelResultBox        *box);
void                 pel_result_box_unref (PelResultBox        *box);
PlUncertaintyResult *pel_result_box_get   (PelResultBox        *box);

typedef struct
{
  const PlVolume *volume;    /* the grid files are checked against */
  gpointer   volume_ref;     /* PelVolumeRef keeping it alive (owned) */
  char      *load_reference; /* a file to read as the reference, or NULL */
  char     **load_raters;    /* files to read as raters, or NULL */
  PlLabels  *painted;        /* the document's labels (owned) */
  gint64    *held_out;       /* slices along the result's axis */
  int        n_held_out;
  PlLabels  *reference;      /* owned, or NULL */
  PlLabels **raters;         /* owned */
  int        n_raters;
} PelAssessInput;

void pel_assess_input_free (PelAssessInput *in);

typedef struct
{
  /* calibration (n_eval = 0: nothing to measure on) */
  gint64          n_eval;
  gboolean        on_reference;    /* else on the held-out painted voxels */
  PlReliability  *reliability;
  PlReliability  *reliability_t;   /* after temperature scaling, or NULL */
  double          ece, ece_t;
  double          temperature;     /* NaN: not fitted (no held-out voxel) */
  gint64          n_fit;           /* voxels the temperature was fitted on */
  /* error detection (reference only) */
  gboolean        has_errors;
  double          auroc[PL_UMAP_N];  /* NaN where not measured */
  gint64          n_slices;        /* slices with a Dice */
  gint64         *slice_index;
  double         *slice_dice;
  double         *slice_mean[PL_UMAP_N];  /* over the evaluated voxels */
  /* raters */
  int             n_raters;
  float          *disagreement;    /* (n_voxels) with ≥ 2 raters, or NULL */
  gboolean        has_ged;
  PlGed           ged;
  int             ged_samples;
  /* files read on the worker, for the panel to keep */
  PlLabels       *loaded_reference;
  GPtrArray      *loaded_raters;   /* PlLabels, or NULL */
} PelAssessment;

/* Any thread; reads only its arguments.  Reads the files to load first
 * (their labels join the inputs), then measures when result is not NULL.
 * NULL with error naming the file when one cannot be read or is on
 * another grid. */
PelAssessment *pel_assessment_compute (const PelAssessInput      *in,
                                       const PlUncertaintyResult *result,
                                       GError                   **error);
void           pel_assessment_free    (PelAssessment             *a);

typedef struct _PelAssessView PelAssessView;

/* Fills box (vertical) with the section; the view lives as long as box. */
PelAssessView *pel_assess_view_new    (GtkBox                    *box);
/* a may be NULL (nothing measured yet); map: the scatter's x. */
void           pel_assess_view_show   (PelAssessView             *view,
                                       const PelAssessment       *a,
                                       const PlUncertaintyResult *result,
                                       PlUncertaintyMap           map,
                                       const char                *inputs_text);
/* The text of a status line ("inputs", "calibration", "errors", "raters"),
 * or NULL (tests). */
const char    *pel_assess_view_get_status (PelAssessView         *view,
                                           const char            *key);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PelAssessment, pel_assessment_free)

G_END_DECLS
