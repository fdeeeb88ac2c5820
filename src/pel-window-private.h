/* Shared by pel-window.c, pel-window-actions.c and pel-window-files.c. */
#pragma once

#include "src/pel-window.h"

G_BEGIN_DECLS

struct _PelWindow
{
  GtkApplicationWindow parent_instance;

  /* Template widgets */
  GtkHeaderBar   *header_bar;
  GtkLabel       *title_label;
  GtkLabel       *subtitle_label;
  GtkMenuButton  *layout_button;
  GtkBox         *contrast_box;
  GtkPopover     *contrast_popover;
  GtkAdjustment  *window_adjustment;
  GtkAdjustment  *level_adjustment;
  GtkWidget      *undo_button;
  GtkWidget      *redo_button;
  GtkInfoBar     *info_bar;
  GtkLabel       *info_label;
  GtkPaned       *paned;
  GtkWidget      *sidebar;
  GtkStack       *side_stack;
  GtkStack       *main_stack;
  GtkBox         *viewer_box;
  GtkLabel       *where_label;
  GtkLabel       *voxel_label;
  GtkLabel       *world_label;
  GtkLabel       *value_label;
  GtkLabel       *label_label;
  GtkWidget      *job_box;
  GtkLabel       *job_label;
  GtkProgressBar *job_progress;
  GtkLabel       *contrast_label;
  GMenu          *recent_menu;

  /* Owned */
  PelDocument    *document;
  PelTools       *tools;
  PelViewer      *viewer;          /* child of viewer_box */
  PelJob         *job;             /* file operation in progress */
  GCancellable   *cancellable;
  GPtrArray      *bindings;
  gboolean        annotations;
  gboolean        crosshair;
  gboolean        closing;         /* close once the save finishes */
  guint           shown_dropped;   /* undo steps dropped already announced */
  GCancellable   *interpolating;   /* the slice interpolation running, or NULL */
  GtkDialog      *recovery_dialog; /* the recovery question shown, or NULL */
  gint64          recovery_time;   /* ... and when its copy was written */
};

/* pel-window.c */
void pel_window_set_recovery_question (PelWindow *self,
                                       GtkDialog *dialog,
                                       gint64     time);

/* pel-window-open.c: answers the recovery question shown, if any, with
 * "restore", "discard" or "later"; FALSE when there is none. */
gboolean pel_window_answer_recovery (PelWindow  *self,
                                     const char *answer);

/* pel-window-actions.c */
void pel_window_class_init_actions (GtkWidgetClass *widget_class);
void pel_window_init_actions       (PelWindow      *self);
void pel_window_update_actions     (PelWindow      *self);
/* The preset a new volume gets for the one last chosen (any thread). */
const char *pel_window_preset_for_volume (const char     *preset,
                                          const PlVolume *volume);
/* A preset's window/level for volume (any thread). */
void pel_window_preset_window_level (const char     *preset,
                                     const PlVolume *volume,
                                     double          auto_window,
                                     double          auto_level,
                                     double         *window,
                                     double         *level);
void pel_window_apply_preset       (PelWindow      *self,
                                    const char     *preset);
void pel_window_rebuild_recent     (PelWindow      *self);

/* pel-window-files.c */
/* What to do once the current labels are saved (or discarded). */
typedef void (*Continuation) (PelWindow *self,
                              gpointer   data);
typedef void (*ChosenFunc)   (PelWindow *self,
                              GFile     *file);

void     pel_window_init_files          (PelWindow  *self);
void     pel_window_set_pending         (PelWindow      *self,
                                         Continuation    func,
                                         gpointer        data,
                                         GDestroyNotify  free_func);
void     pel_window_run_pending         (PelWindow      *self);
/* Runs next now when nothing is unsaved, else after the user's answer. */
void     pel_window_when_saved          (PelWindow      *self,
                                         const char     *question,
                                         Continuation    next,
                                         gpointer        data,
                                         GDestroyNotify  free_func);
GtkFileFilter *pel_window_nifti_filter  (void);
void     pel_window_choose_file         (PelWindow            *self,
                                         const char           *title,
                                         GtkFileChooserAction  action,
                                         const char           *accept,
                                         GtkFileFilter        *filter,
                                         const char           *current_name,
                                         const char           *current_path,
                                         ChosenFunc            func);
/* Runs func as the window's job, its progress in the status bar; the
 * window stays alive until callback. */
void     pel_window_start_job           (PelWindow           *self,
                                         const char          *title,
                                         PelJobFunc           func,
                                         gpointer             data,
                                         GDestroyNotify       data_free,
                                         GDestroyNotify       result_free,
                                         GAsyncReadyCallback  callback);
void     pel_window_choose_image        (PelWindow  *self);
void     pel_window_choose_segmentation (PelWindow  *self);
void     pel_window_choose_save_path    (PelWindow  *self);
void     pel_window_import_labels       (PelWindow  *self);
void     pel_window_export_labels       (PelWindow  *self);
/* Voxels and mL of every label as CSV (pl_labels_measure_save_csv), on a
 * job; _to writes file without asking. */
void     pel_window_export_volumes      (PelWindow  *self);
void     pel_window_export_volumes_to   (PelWindow  *self,
                                         GFile      *file);
void     pel_window_show_error          (PelWindow  *self,
                                         const char *primary,
                                         const GError *error);
gboolean pel_window_confirm_close       (PelWindow  *self);
gboolean pel_window_job_running         (PelWindow  *self);

G_END_DECLS
