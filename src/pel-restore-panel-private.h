/* pel-restore-panel-private.h: what the files of the Restore panel share
 * (pel-restore-panel.c: life cycle, status and actions; -degrade.c: degrade,
 * revert, keep and save on a worker; -run.c: the live fit; -compare.c: the
 * pictures and the table of figures). */
#pragma once

#include "src/pel-restore-panel.h"

#include "engine/restore/compare.h"
#include "engine/restore/dip.h"
#include "src/pel-plot.h"

G_BEGIN_DECLS

struct _PelRestorePanel
{
  GtkWidget          parent_instance;

  PelDocument       *document;
  PelTools          *tools;
  GSimpleActionGroup *actions;
  PelLiveRun        *run;        /* the deep image prior */
  PelLiveRun        *io_run;     /* degrade, revert, keep, save */
  PelVolumeRef      *clean;      /* the original kept by Degrade, or NULL */
  PlDipResult       *result;     /* the last finished fit */
  int                result_axis;
  int                run_axis;     /* of the fit running */
  gint64             result_index;
  float              result_scale;
  gboolean           syncing;
  gboolean           has_compare;
  PlCompare          compare[2];  /* noisy, restored */

  guint              loss_series, psnr_series, psnr_avg_series;

  /* template */
  GtkScrolledWindow *scroller;
  GtkDropDown       *kind_dropdown;
  GtkSpinButton     *level_spin;
  GtkSpinButton     *seed_spin;
  GtkLabel          *degrade_label;
  GtkLabel          *dip_heading;
  GtkSpinButton     *iterations_spin;
  GtkCheckButton    *early_check;
  GtkSpinButton     *patience_spin;
  GtkBox            *run_row_box;
  GtkBox            *status_box;
  GtkLabel          *output_label;
  GtkPicture        *output_picture;
  PelPlot           *loss_plot;
  PelPlot           *psnr_plot;
  GtkBox            *compare_box;
};

/* What a finished fit hands to the main thread. */
typedef struct
{
  PlDipResult *result;
  int          axis;
  gint64       index;
  float        scale;
  float       *noisy;          /* h × w, intensities / scale */
  float       *reference;      /* h × w, intensities / scale; NULL without one */
  PlCompare    before, after;  /* noisy and restored against the reference */
} PelRestoreOutcome;

/* pel-restore-panel.c */
/* One status line per key ("result", "es", "slice", "io"); NULL hides it. */
void pel_restore_panel_set_status   (PelRestorePanel *self,
                                     const char      *key,
                                     const char      *text,
                                     gboolean         error);
/* Enables the actions for what is running and what exists. */
void pel_restore_panel_set_busy     (PelRestorePanel *self);

/* pel-restore-panel-degrade.c: restore.degrade, revert, keep, save,
 * save-dialog, kind, level, seed, and the run of volume operations. */
void pel_restore_panel_init_io      (PelRestorePanel *self);

/* pel-restore-panel-run.c: restore.start, stop, iterations, patience,
 * early-stop, and the run of the fit with its plots. */
void pel_restore_panel_init_run     (PelRestorePanel *self);

/* pel-restore-panel-compare.c */
/* Shows an h × w slice (volume units) along voxel axis `axis` as the output. */
void pel_restore_panel_show_floats  (PelRestorePanel   *self,
                                     const float       *data,
                                     int                axis,
                                     int                h,
                                     int                w);
/* Thumbnails and the table of figures for the fit just finished. */
void pel_restore_panel_show_compare (PelRestorePanel   *self,
                                     PelRestoreOutcome *outcome);

G_END_DECLS
