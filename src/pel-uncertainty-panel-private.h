/* pel-uncertainty-panel-private.h: the Uncertainty panel's state, shared
 * by its files (pel-uncertainty-panel.c: the model, the estimate's run and
 * the actions; pel-uncertainty-panel-map.c: the overlay, its colour bar,
 * the strip and the next slice; pel-uncertainty-panel-assess.c:
 * calibration, raters and error detection). */
#pragma once

#include "src/pel-heat-map.h"
#include "src/pel-plot.h"
#include "src/pel-uncertainty-assess.h"
#include "src/pel-uncertainty-panel.h"
#include "src/pel-slice-strip.h"
#include "src/pel-train-provider.h"

G_BEGIN_DECLS

struct _PelUncertaintyPanel
{
  GtkWidget            parent_instance;

  PelDocument         *document;
  PelTools            *tools;
  PelLiveRun          *run;
  GSimpleActionGroup  *actions;

  PlEstimator          estimator;
  int                  passes;
  PlUncertaintyMap     map;

  GPtrArray           *loaded;          /* PlModel: a model file's members or
                                           the ensemble trained here, or NULL;
                                           never changed, shared with workers */
  char                *loaded_path;     /* NULL: trained here, not saved */
  gint64               loaded_holdout;  /* held out of the trained members, or −1 */

  PlUncertaintyResult *result;          /* = *result_box */
  PelResultBox        *result_box;
  PelAssessment       *assessment;      /* of result, or NULL */
  PelAssessView       *assess_view;
  PlLabels            *reference;       /* opened as a reference, or NULL */
  char                *reference_path;
  GPtrArray           *raters;          /* PlLabels */
  GPtrArray           *rater_paths;     /* char* */
  GArray              *held_out;        /* gint64 slices set by the user */
  gboolean             show_disagreement;
  PelHeatMap          *heat_map;        /* the one this panel set */
  GCancellable        *map_cancel;      /* the heat map being made */
  PelSliceCounts       counts;
  gint64               next_slice;

  /* the deep ensemble trained here (pel-uncertainty-panel-ensemble.c) */
  GSimpleActionGroup  *ens_actions;
  PelLiveRun          *ens_run;
  gpointer             ens_task;        /* the run's task while it runs */
  gboolean             ens_saving;
  int                  ens_members;
  int                  ens_steps;
  gboolean             ens_bootstrap;
  int                  ens_run_steps;   /* per member, of the run plotted */
  GArray              *ens_smooth;      /* double: each member's smoothed loss */
  PelPlot             *ens_plot;

  /* template */
  GtkWidget           *scroller;
  GtkDropDown         *estimator_dropdown;
  GtkSpinButton       *passes_spin;
  GtkDropDown         *map_dropdown;
  GtkBox              *run_row_box;
  GtkBox              *status_box;
  GtkDrawingArea      *colour_bar;
  GtkLabel            *range_min_label;
  GtkLabel            *range_max_label;
  PelSliceStrip       *strip;
  GtkLabel            *model_label;
  GtkBox              *assess_box;
  GtkLabel            *ens_settings_label;
  GtkSpinButton       *ens_members_spin;
  GtkSpinButton       *ens_steps_spin;
  GtkCheckButton      *ens_bootstrap_check;
  GtkBox              *ens_run_row_box;
  GtkBox              *ens_plot_box;
  GtkBox              *ens_status_box;
  gboolean             syncing;
};

/* What a run of the panel's PelLiveRun returns: a new estimate (box) with
 * its assessment, or an assessment alone (box NULL). */
typedef struct
{
  PelResultBox  *box;
  PelAssessment *assessment;
} PelRunOut;

void     pel_run_out_free                   (PelRunOut           *out);

/* pel-uncertainty-panel.c */
void     pel_uncertainty_panel_set_line     (PelUncertaintyPanel *self,
                                             const char          *key,
                                             const char          *text,
                                             gboolean             error);
void     pel_uncertainty_panel_update_actions (PelUncertaintyPanel *self);
/* The slice held out of training: the Train panel's when its model is the
 * one estimated, that of the ensemble trained here, or −1. */
gint64   pel_uncertainty_panel_train_holdout (PelUncertaintyPanel *self);
/* The panel's model set (taken; NULL: the Train panel's model), its file
 * (NULL: trained here) and the slice its members did not train on. */
void     pel_uncertainty_panel_set_models   (PelUncertaintyPanel *self,
                                             GPtrArray           *models,
                                             const char          *path,
                                             gint64               holdout);

/* pel-uncertainty-panel-map.c */
void     pel_uncertainty_panel_colour_bar_draw (GtkDrawingArea *area,
                                                cairo_t        *cr,
                                                int             width,
                                                int             height,
                                                gpointer        user_data);
/* Shows the chosen map of the result (or the rater disagreement) as the
 * document's heat map; the copy is made on a thread. */
void     pel_uncertainty_panel_apply_map    (PelUncertaintyPanel *self);
void     pel_uncertainty_panel_set_map      (PelUncertaintyPanel *self,
                                             PlUncertaintyMap     map);
/* The strip's painted counts (refreshed asynchronously) and slice means. */
void     pel_uncertainty_panel_update_strip (PelUncertaintyPanel *self);
gboolean pel_uncertainty_panel_next_slice   (PelUncertaintyPanel *self);

/* pel-uncertainty-panel-assess.c */
extern const GActionEntry pel_uncertainty_assess_actions[];
extern const guint        pel_uncertainty_assess_n_actions;
void     pel_uncertainty_assess_init        (PelUncertaintyPanel *self);
void     pel_uncertainty_assess_clear       (PelUncertaintyPanel *self);
/* The inputs of an assessment (copies) for the result being made or shown. */
PelAssessInput *pel_uncertainty_assess_input (PelUncertaintyPanel *self);
/* Shows a new assessment (taken) and refreshes the overlay if it shows the
 * rater disagreement. */
void     pel_uncertainty_assess_set         (PelUncertaintyPanel *self,
                                             PelAssessment       *assessment);
void     pel_uncertainty_assess_update_actions (PelUncertaintyPanel *self,
                                                gboolean             running);

/* pel-uncertainty-panel-ensemble.c: the "ensemble" action group
 * (pel-uncertainty-panel.h) and its section of the panel. */
void     pel_uncertainty_ensemble_init      (PelUncertaintyPanel *self);
/* Training or saving an ensemble. */
gboolean pel_uncertainty_ensemble_busy      (PelUncertaintyPanel *self);
void     pel_uncertainty_ensemble_update_actions (PelUncertaintyPanel *self,
                                                  gboolean             estimating);
void     pel_uncertainty_ensemble_volume_changed (PelUncertaintyPanel *self);
void     pel_uncertainty_ensemble_dispose   (PelUncertaintyPanel *self);
void     pel_uncertainty_ensemble_finalize  (PelUncertaintyPanel *self);
const char *pel_uncertainty_ensemble_get_status (PelUncertaintyPanel *self,
                                                 const char          *key);

G_END_DECLS
