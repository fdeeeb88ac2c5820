/* pel-restore-panel-private.h: what the files of the Restore panel share
 * (pel-restore-panel.c: life cycle, status and actions; -degrade.c: degrade,
 * revert, keep and save on a worker; -run.c: the live fit; -net.c: the
 * restoration networks; -ct.c: CT from a sinogram; -compare.c: the
 * pictures and the table of figures). */
#pragma once

#include "src/pel-restore-panel.h"

#include "engine/restore/compare.h"
#include "engine/restore/degrade.h"
#include "engine/restore/dip.h"
#include "engine/nn/model.h"
#include "src/pel-plot.h"

G_BEGIN_DECLS

struct _PelRestorePanel
{
  GtkWidget          parent_instance;

  PelDocument       *document;
  PelTools          *tools;
  GSimpleActionGroup *actions;
  PelLiveRun        *run;        /* the fit: deep image prior or a network */
  PelLiveRun        *io_run;     /* degrade, revert, keep, save */
  PelVolumeRef      *clean;      /* the original kept by Degrade, or NULL */
  PlDipResult       *result;     /* the last finished fit (slice on screen) */
  PelVolumeRef      *result_volume;  /* a network's restoration of every
                                      * slice (volume units), or NULL */
  int                result_axis;
  int                run_axis;     /* of the fit running */
  gint64             result_index;
  float              result_scale;
  gboolean           syncing;
  gboolean           has_compare;
  PlCompare          compare[2];  /* noisy, restored */
  GArray            *rows;        /* PelRestoreRow: every result so far
                                   * against the kept original */
  float             *shown[4];    /* noisy, restored, reference, |difference|:
                                   * the compared slice in volume units */
  int                shown_h, shown_w, shown_axis;
  PlDegradeSettings  degraded;    /* the corruption of the kept original */
  PlModel           *feature_model;  /* the perceptual loss's network, or NULL */
  char              *feature_path;
  PelVolumeRef      *second;      /* a second acquisition of the open grid
                                   * (the pair method), or NULL */
  GtkPicture        *compare_pics[4];  /* the comparison's pictures, or NULL */
  gint64             shown_index; /* the compared slice along shown_axis */

  guint              loss_series, psnr_series, psnr_avg_series;
  char              *input_title; /* the comparison's first picture: NULL
                                   * for "noisy" */
  /* CT: sinogram (n_angles × n_det), FBP ramp, FBP Hann, DIP + TV (the
   * slice's h × w, volume units), or NULL */
  float             *ct_shown[4];
  int                ct_angles, ct_det, ct_h, ct_w, ct_axis;
  GtkPicture        *ct_pics[4];
  gboolean           run_ct;       /* the run is CT's */
  gboolean           result_ct;    /* the result is CT's: ct_shown[1…3]
                                    * can take its place (ct_final) */
  gboolean           ct_final[4];  /* ct_shown[k] is a finished result */
  GtkDropDown       *ct_result_dropdown;
  guint              fbp_series[2];/* the PSNR plot's FBP lines, or 0 */

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
  GtkDropDown       *method_dropdown;
  GtkDropDown       *loss_dropdown;
  GtkCheckButton    *residual_check;
  GtkSpinButton     *steps_spin;
  GtkLabel          *model_label;
  GtkBox            *net_box;
  GtkGrid           *dip_box;
  GtkBox            *run_row_box;
  GtkBox            *status_box;
  GtkLabel          *output_label;
  GtkPicture        *output_picture;
  PelPlot           *loss_plot;
  PelPlot           *psnr_plot;
  GtkBox            *compare_box;
  GtkDropDown       *axis_dropdown;
  GtkCheckButton    *range_check;
  GtkSpinButton     *first_spin;
  GtkSpinButton     *last_spin;
  GtkBox            *second_box;
  GtkLabel          *second_label;
  GtkLabel          *net_note;
  GtkGrid           *range_box;
  GtkGrid           *ct_box;
  GtkSpinButton     *angles_spin;
  GtkSpinButton     *ct_noise_spin;
  GtkSpinButton     *gamma_spin;
  GtkBox            *ct_view;
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
  char        *name;           /* the method, for the table */
  const char  *axis_name;      /* "axial", "coronal", "sagittal" (static) */
  int          n_slices;       /* fitted: 1, or the range's length */
  char        *summary;        /* a range's summary for the status, or NULL */
  PlVolume    *volume;         /* a network's whole restored volume, or NULL */
  GArray      *rows;           /* PelRestoreRow: results added to the table
                                * before this one (CT: the FBPs), or NULL */
  gboolean     no_before;      /* no "noisy" row (CT has no noisy slice) */
  const char  *input_title;    /* the first picture's title (static), or
                                * NULL for "noisy" */
} PelRestoreOutcome;

void pel_restore_outcome_free (PelRestoreOutcome *o);

/* A row of the comparison table. */
typedef struct
{
  char     *name;
  PlCompare c;
} PelRestoreRow;

/* pel-restore-panel.c */
/* One status line per key ("result", "es", "slice", "io"); NULL hides it. */
void pel_restore_panel_set_status   (PelRestorePanel *self,
                                     const char      *key,
                                     const char      *text,
                                     gboolean         error);
/* Enables the actions for what is running and what exists. */
void pel_restore_panel_set_busy     (PelRestorePanel *self);

/* pel-restore-panel-degrade.c: restore.degrade, revert, keep, save,
 * save-dialog, kind, level, seed, second, second-dialog, and the run of
 * volume operations. */
void pel_restore_panel_init_io      (PelRestorePanel *self);
/* TRUE when v lies on grid's voxels (dims, and the voxel-to-world matrix
 * within 1e-3 mm over the grid); else an error naming path. */
gboolean pel_restore_same_grid      (const PlVolume  *v,
                                     const PlVolume  *grid,
                                     const char      *path,
                                     GError         **error);

/* pel-restore-panel-run.c: restore.start, stop, iterations, patience,
 * early-stop, axis, range, first, last, and the run of the fit with its
 * plots. */
void pel_restore_panel_init_run     (PelRestorePanel *self);

/* The voxel axis of the axis drop-down's choice, with its name ("axial",
 * "coronal", "sagittal", static) and capitalised title (translated). */
int  pel_restore_panel_get_axis     (PelRestorePanel *self,
                                     const char     **name,
                                     const char     **title);

/* pel-restore-panel-ct.c: restore.angles, ct-noise, gamma, ct-result;
 * CT's run. */
void     pel_restore_panel_init_ct    (PelRestorePanel *self);
/* Starts CT on the slice on screen (TRUE), or says why not (FALSE). */
gboolean pel_restore_panel_start_ct   (PelRestorePanel *self);
/* Redraws the CT pictures (window). */
void     pel_restore_panel_refresh_ct (PelRestorePanel *self);

/* pel-restore-panel-net.c: restore.method, loss, residual, steps, model,
 * model-dialog; a network's run along the chosen axis. */
void     pel_restore_panel_init_net   (PelRestorePanel *self);
/* Starts the chosen network on the slice on screen (TRUE), or says why
 * not (FALSE). */
gboolean pel_restore_panel_start_net  (PelRestorePanel *self);
/* The method dropdown's choice: "dip", "n2n", "n2c", "pair", "supervised",
 * "ct". */
const char *pel_restore_panel_method  (PelRestorePanel *self);
/* Shared by the fits: the plots cleared for a budget of n (x axis). */
void     pel_restore_panel_reset_plots (PelRestorePanel *self,
                                        int              n);
/* The finished fit's common part: the result, the table, the pictures. */
void     pel_restore_panel_take_outcome (PelRestorePanel   *self,
                                         PelRestoreOutcome *o);

/* pel-restore-panel-compare.c */
/* Forgets the table (a new reference). */
void pel_restore_panel_clear_rows   (PelRestorePanel   *self);
/* restore.export-csv(s), export-png(s) and their dialogs. */
void pel_restore_panel_init_export  (PelRestorePanel   *self);
/* The view (PlView) whose slices are normal to voxel axis `axis`. */
int  pel_restore_panel_view_of_axis (PelRestorePanel   *self,
                                     int                axis);
/* A grey picture of an h × w slice along voxel axis `axis` under the
 * window [lo, lo + window], laid out as the viewer shows it; with `cross`,
 * the cursor's crosshair.  NULL when the slice is not of the open volume. */
GdkTexture *pel_restore_panel_texture (PelRestorePanel *self,
                                       const float     *data,
                                       int              axis,
                                       int              h,
                                       int              w,
                                       double           lo,
                                       double           window,
                                       gboolean         cross);
/* Redraws the comparison's pictures (window, cursor). */
void pel_restore_panel_refresh_compare (PelRestorePanel *self);
/* Shows an h × w slice (volume units) along voxel axis `axis` as the output. */
void pel_restore_panel_show_floats  (PelRestorePanel   *self,
                                     const float       *data,
                                     int                axis,
                                     int                h,
                                     int                w);
/* Thumbnails and the table of figures for the fit just finished. */
void pel_restore_panel_show_compare (PelRestorePanel   *self,
                                     PelRestoreOutcome *outcome);

/* An action that sets a spin button of the panel from its int32 or double
 * parameter: PEL_RESTORE_SPIN_ACTION (act_steps, steps_spin, int32). */
#define PEL_RESTORE_SPIN_ACTION(fn, spin, type)                                    \
  static void                                                                      \
  fn (GSimpleAction *action, GVariant *param, gpointer user_data)                  \
  {                                                                                \
    PelRestorePanel *self = user_data;                                             \
    gtk_spin_button_set_value (self->spin, g_variant_get_##type (param));          \
  }

G_END_DECLS
