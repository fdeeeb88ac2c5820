/* Shared by pel-cases-panel.c and pel-cases-predict.c only. */
#pragma once

#include "src/pel-cases-panel.h"
#include "src/pel-live-run.h"
#include "src/pel-window.h"

G_BEGIN_DECLS

#define PEL_CASES_THUMB 64   /* thumbnail size in pixels, its longer side */

struct _PelCasesPanel
{
  GtkWidget       parent_instance;

  /* Widgets (children of box) */
  GtkWidget      *box;
  GtkLabel       *summary;
  GtkListBox     *list;

  /* Owned */
  PelDocument    *document;
  PelTools       *tools;
  PlCohort       *cohort;
  GPtrArray      *histories;      /* PlUndo or NULL per case: kept undo steps */
  GPtrArray      *textures;       /* GdkTexture or NULL per case */
  GSimpleActionGroup *actions;
  GCancellable   *thumbnailing;
  GPtrArray      *problems;       /* char *: cases that cannot be read, why */
  GThreadPool    *manifest_writer;/* one thread: manifests written in order */
  GMutex          manifest_lock;  /* hands manifest_queue to the writer */
  GQueue          manifest_queue; /* manifests to write, oldest first */
  int             current;        /* open case, -1 for none */
  int             target;         /* case being switched to */
  gulong          job_handler;
  PelJob         *open_job;       /* the load of the case being opened */
  guint           n_thumbnails;
  gboolean        syncing;
  gboolean        seek_slice;     /* after Next: the most uncertain slice */
  char           *seg_requested;  /* the segmentation the open case was opened with */
  char           *seg_unread;     /* that file, when it did not load: never
                                   * overwritten (set aside before a save) */

  /* Proposing every case (pel-cases-predict.c) */
  PelLiveRun     *run;
  GtkWidget      *run_row;
};

/* pel-cases-panel.c */
void pel_cases_panel_update_row     (PelCasesPanel  *self,
                                     guint           i);
void pel_cases_panel_update_summary (PelCasesPanel  *self);
void pel_cases_panel_notice         (PelCasesPanel  *self,
                                     GtkMessageType  type,
                                     const char     *text);
/* The manifest as the cohort is now: its text made here, written on a
 * worker (an atomic replacement with two fsyncs would stall the window),
 * one after another in the order asked; a failure becomes a notice. */
void pel_cases_panel_save_manifest  (PelCasesPanel  *self);

/* pel-cases-thumbs.c: the next case without a thumbnail, on a worker, at
 * low priority, so that a long list does not hold every image in memory at
 * once; each one done starts the next.  A case whose image or segmentation
 * cannot be read gets a notice naming it (all such cases so far) and says
 * so in its row. */
void pel_cases_thumbs_start          (PelCasesPanel  *self);

/* pel-cases-predict.c: "Propose All": a model's proposal for every case
 * not reviewed, as a live run, each written to ROOT/proposals/NAME.nii.gz
 * and the case marked proposed; a proposed case shows its proposal when
 * opened. */
void pel_cases_predict_init          (PelCasesPanel  *self);
void pel_cases_predict_start         (PelCasesPanel  *self,
                                      const char     *model_path);
void pel_cases_predict_choose        (PelCasesPanel  *self);
void pel_cases_predict_stop          (PelCasesPanel  *self);
/* After a case is opened: its proposal, read on a worker, into the document. */
void pel_cases_predict_show_proposal (PelCasesPanel  *self);
/* After Next Case has opened a case: the cursor to its most uncertain
 * unpainted slice (its proposal's slice entropies), if known. */
void pel_cases_predict_seek_slice    (PelCasesPanel  *self);

G_END_DECLS
