/* Shared by pel-train-panel.c (training, plots, command line),
 * pel-train-panel-classes.c (classes, the slice strip),
 * pel-train-panel-settings.c (network, method and optimiser settings) and
 * pel-train-panel-model.c (proposals, model files, actions). */
#pragma once

#include "src/pel-train-panel.h"

#include "src/pel-plot.h"
#include "src/pel-slice-strip.h"
#include "src/pel-format.h"
#include "src/pel-panel-kit.h"

G_BEGIN_DECLS

typedef enum
{
  PEL_MODEL_NONE,
  PEL_MODEL_TRAINED,   /* the session's latest copy */
  PEL_MODEL_LOADED,    /* from a file */
} PelModelSource;

struct _PelTrainPanel
{
  GtkWidget         parent_instance;

  /* Template widgets */
  GtkWidget        *scroller;
  GtkFlowBox       *classes_box;
  GtkLabel         *classes_hint;
  GtkDropDown      *axis_dropdown;
  PelSliceStrip    *strip;
  GtkLabel         *strip_label;
  GtkDropDown      *preset_dropdown;
  GtkLabel         *preset_info;
  GtkExpander      *network_expander;
  GtkDropDown      *head_dropdown;
  GtkDropDown      *attention_dropdown;
  GtkDropDown      *context_dropdown;
  GtkCheckButton   *coords_check;
  GtkDropDown      *method_dropdown;
  GtkSpinButton    *steps_spin;
  GtkExpander      *method_expander;
  GtkLabel         *method_summary;
  GtkGrid          *params_grid;
  GtkSpinButton    *batch_spin;
  GtkSpinButton    *lr_spin;
  GtkSpinButton    *rampdown_spin;
  GtkExpander      *optimiser_expander;
  GtkSpinButton    *seed_spin;
  GtkSpinButton    *threads_spin;
  GtkCheckButton   *holdout_check;
  GtkButton        *start_button;
  GtkButton        *continue_button;
  GtkBox           *run_row_box;
  GtkBox           *quality_row_box;
  GtkBox           *status_box;      /* one line per fact: pel_status_lines_set() */
  PelPlot          *loss_plot;
  PelPlot          *dice_plot;
  GtkWidget        *proposal_heading;
  GtkButton        *predict_button;
  GtkButton        *predict_stop_button;
  GtkButton        *clear_button;
  GtkProgressBar   *predict_bar;
  GtkLabel         *proposal_label;
  GtkToggleButton  *fill_button;
  GtkToggleButton  *outline_button;
  GtkAdjustment    *proposal_opacity;
  GtkButton        *accept_slice_button;
  GtkLabel         *accept_slice_label;
  GtkButton        *accept_all_button;
  GtkMenuButton    *accept_class_button;
  GtkPopover       *accept_class_popover;
  GtkBox           *accept_class_box;
  GtkButton        *save_model_button;
  GtkLabel         *model_label;
  GtkLabel         *command_label;
  GtkLabel         *command_note;

  /* Owned */
  PelDocument      *document;
  PelTools         *tools;
  PelTrainSession  *session;
  GtkWidget        *cases_panel;      /* weak: the cohort to train across */
  PelJob           *predict_job;
  PelLiveRun       *quality_run;      /* Estimate Quality */
  gpointer          quality_task;     /* its task while it runs */
  GCancellable     *cancellable;      /* file I/O and prediction */
  GPtrArray        *bindings;
  PelTrainSettings  settings;
  PelSliceCounts    counts;           /* along settings.axis */
  guint             counts_source;
  guint             classes_source;
  GCancellable     *classes_counting;   /* the class totals' count in flight */
  char             *command;
  GHashTable       *preset_rates;     /* preset name → steps/s last measured */

  /* Plots: points already drawn, series ids. */
  guint             n_losses_plotted;
  guint             n_dice_plotted;
  guint             loss_series;
  guint             loss_smooth_series;
  guint             dice_mean_series;
  guint             dice_class_series;  /* first per-class series */
  int               dice_n_classes;
  double            loss_smooth;

  /* The model for Predict and Save, and what the proposal came from. */
  PelModelSource    model_source;
  PlModel          *loaded_model;
  char             *loaded_path;
  int               proposal_axis;
  gboolean          proposal_is_volume;

  /* The "train" actions (train.start, train.predict, …) */
  GSimpleActionGroup *actions;
  gboolean          action_busy;      /* a model file is being read or written */
  gboolean          accepting;        /* a proposal is being merged (on a worker) */
  char             *accept_step;      /* the undo step the "accept" line tells of */

  /* Pre-training and the encoder Start fine-tunes from
   * (pel-train-pretrain.c); its widgets are built there. */
  PelLiveRun       *pretrain_run;
  gpointer          pretrain_task;    /* kept across runs (Continue) */
  gboolean          pretraining;      /* a run is going */
  gboolean          pretrain_drop;    /* drop the task when the run ends */
  GtkExpander      *pretrain_expander;
  GtkSpinButton    *pretrain_steps_spin;
  GtkSpinButton    *pretrain_batch_spin;
  GtkSpinButton    *pretrain_temperature_spin;
  GtkCheckButton   *pretrain_local_check;
  PelPlot          *pretrain_plot;
  guint             pretrain_series;
  guint             pretrain_local_series;
  GtkDropDown      *init_dropdown;
  GtkDropDown      *freeze_dropdown;
  GtkLabel         *encoder_label;
  GtkCheckButton   *batch_norm_check;
  PlModel          *encoder;          /* the pre-trained model, or NULL */
  char             *encoder_path;     /* its file (in the cache while not saved) */
  gboolean          encoder_here;     /* pre-trained in this window */
  gboolean          use_encoder;      /* Start fine-tunes from it */
  gboolean          encoder_busy;     /* its file is being read or written */
  char             *encoder_error;    /* the last file's failure, shown until the next */

  gboolean          syncing;
};

/* pel-train-panel.c */
void      pel_train_panel_update_buttons     (PelTrainPanel *self);
void      pel_train_panel_update_command     (PelTrainPanel *self);
int       pel_train_panel_axis_index         (PelTrainPanel *self,
                                              int            voxel_axis);
/* One status line per fact: key "train" (the run), "method", "model",
 * "accept"; NULL text hides the line.  set_status sets "train". */
/* Before Start: training across the open cohort's cases, if one of
 * several cases is open (pel-train-panel-settings.c). */
void      pel_train_panel_prepare_cases      (PelTrainPanel *self);
/* "Ready" across the cohort, or NULL without one. */
char     *pel_train_panel_cases_ready_text   (PelTrainPanel *self,
                                              gint64         n_here);
/* The other cases of the open cohort with painted slices (saved). */
void      pel_train_panel_count_other_cases  (PelTrainPanel *self,
                                              guint         *n_cases,
                                              gint64        *n_slices);
void      pel_train_panel_set_line           (PelTrainPanel *self,
                                              const char    *key,
                                              const char    *text,
                                              gboolean       error);
void      pel_train_panel_set_status         (PelTrainPanel *self,
                                              const char    *text,
                                              gboolean       error);

/* The training line (key "train") from the session's state. */
void      pel_train_panel_update_status      (PelTrainPanel *self);
/* The voxel axis of entry `index` of the axis drop-down. */
int       pel_train_panel_voxel_axis         (PelTrainPanel *self,
                                              guint          index);

/* pel-train-panel-classes.c */
void      pel_train_panel_update_strip       (PelTrainPanel *self);
/* Counts the class totals again soon (on a worker). */
void      pel_train_panel_recount_classes    (PelTrainPanel *self);
void      pel_train_panel_connect_classes    (PelTrainPanel *self);
void      pel_train_panel_dispose_classes    (PelTrainPanel *self);
void      pel_train_panel_bind_classes_callbacks (GtkWidgetClass *widget_class);

/* pel-train-panel-settings.c */
void      pel_train_panel_update_preset_info (PelTrainPanel *self);
/* The widgets from self->settings. */
void      pel_train_panel_sync_widgets       (PelTrainPanel *self);
void      pel_train_panel_bind_settings_callbacks (GtkWidgetClass *widget_class);

/* pel-train-quality.c: the train.estimate and train.estimate-stop actions
 * (cross-validation), its progress row and "quality" status line. */
void      pel_train_panel_init_quality       (PelTrainPanel *self);
void      pel_train_panel_dispose_quality    (PelTrainPanel *self);
void      pel_train_panel_update_quality     (PelTrainPanel *self,
                                              gboolean       can_train);
gboolean  pel_train_panel_estimating         (PelTrainPanel *self);

/* pel-train-pretrain.c: the Pre-training section (contrastive
 * pre-training of the encoder on the open volume, a live run of its own),
 * the choice of the encoder Start fine-tunes from and its freezing, their
 * train.* actions and the "pretrain" status line. */
void      pel_train_panel_init_pretrain      (PelTrainPanel *self);
void      pel_train_panel_dispose_pretrain   (PelTrainPanel *self);
void      pel_train_panel_update_pretrain    (PelTrainPanel *self);
gboolean  pel_train_panel_pretrain_busy      (PelTrainPanel *self);
void      pel_train_panel_pretrain_volume_changed (PelTrainPanel *self);

/* pel-train-encoder.c: the encoder itself — its caption and "encoder"
 * status line, and its files (Save/Load Encoder…, the cache). */
void      pel_train_panel_update_encoder_label (PelTrainPanel *self);
void      pel_train_panel_update_encoder_line  (PelTrainPanel *self);
/* After the encoder or the choice to use it changed: settings.init, the
 * caption, the buttons and the command line. */
void      pel_train_panel_encoder_changed    (PelTrainPanel *self);
/* A new encoder (owned from now on; here: pre-trained in this window, kept
 * in path): Start uses it from now on. */
void      pel_train_panel_set_encoder        (PelTrainPanel *self,
                                              PlModel       *model,
                                              const char    *path,
                                              gboolean       here);
/* Writes the encoder to path on a worker (to_cache: the cache file of a
 * model pre-trained here; the cache is then pruned), or loads one. */
void      pel_train_panel_save_encoder       (PelTrainPanel *self,
                                              const char    *path,
                                              gboolean       to_cache);
void      pel_train_panel_load_encoder       (PelTrainPanel *self,
                                              const char    *path);
/* The cache file for a model pre-trained here for steps steps. */
char     *pel_train_panel_encoder_cache_path (PelTrainPanel *self,
                                              const PlModel *model,
                                              gint64         steps);
/* Save Encoder… and Load Encoder… (a PelTrainPathFunc). */
void      pel_train_panel_encoder_path_chosen (PelTrainPanel *self,
                                               const char    *path,
                                               gboolean       save);
/* self->settings.init from the encoder and the choice to use it. */
void      pel_train_panel_sync_init          (PelTrainPanel *self);
/* Whether Start could fine-tune from the encoder chosen (TRUE without
 * one); FALSE with the reason when it does not fit the settings. */
gboolean  pel_train_panel_check_init         (PelTrainPanel *self,
                                              GError       **error);
/* Before Start: the check, then hands the session the encoder to
 * fine-tune from (or none). */
gboolean  pel_train_panel_prepare_init       (PelTrainPanel *self,
                                              GError       **error);
/* The pre-training command, for the command line's note (NULL: none). */
char     *pel_train_panel_pretrain_command   (PelTrainPanel *self);
/* train.scroll "pretrain": the section opened, at the top. */
void      pel_train_panel_scroll_to_pretrain (PelTrainPanel *self);

/* pel-train-panel-model.c */
/* A copy of m that owns its network. */
PlModel  *pel_train_panel_model_copy         (const PlModel *m);
void      pel_train_panel_init_model         (PelTrainPanel *self);
/* A GTask thread function: loads the model file named by the task data
 * (a path) and returns the PlModel. */
void      pel_train_panel_load_model_thread  (GTask            *task,
                                              gpointer          source,
                                              gpointer          task_data,
                                              GCancellable     *cancellable);
/* A model file chooser (*.safetensors) over the window: the path chosen
 * goes to func; name is the proposed file name when saving. */
typedef void (*PelTrainPathFunc) (PelTrainPanel *self,
                                  const char    *path,
                                  gboolean       save);
void      pel_train_panel_choose_model_file  (PelTrainPanel    *self,
                                              gboolean          save,
                                              const char       *title,
                                              const char       *name,
                                              PelTrainPathFunc  func);
/* The "train" action group: every operation of the panel. */
void      pel_train_panel_init_actions       (PelTrainPanel *self);
void      pel_train_panel_enable             (PelTrainPanel *self,
                                              const char    *action,
                                              gboolean       enabled);
void      pel_train_panel_start              (PelTrainPanel *self);
void      pel_train_panel_continue           (PelTrainPanel *self);
gboolean  pel_train_panel_any_labelled       (PelTrainPanel *self);
void      pel_train_panel_dispose_model      (PelTrainPanel *self);
void      pel_train_panel_model_changed      (PelTrainPanel *self);
gboolean  pel_train_panel_predict            (PelTrainPanel *self);
void      pel_train_panel_accept             (PelTrainPanel *self,
                                              int            scope,
                                              guint16        value);
void      pel_train_panel_rebuild_accept_classes (PelTrainPanel *self);
void      pel_train_panel_update_proposal_label  (PelTrainPanel *self);

G_END_DECLS
