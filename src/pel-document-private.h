/* Shared by the pel-document*.c files only. */
#pragma once

#include "src/pel-document.h"

G_BEGIN_DECLS

struct _PelDocument
{
  GObject        parent_instance;

  /* Owned state */
  PelVolumeRef  *volume_ref;
  PlVolume      *volume;           /* borrowed from volume_ref */
  PlLabelTable  *table;
  gboolean       table_generic;    /* the built-in table, never edited: a
                                    * loaded map replaces it by its values */
  guint16        background_label; /* pl_labels_background_value() at load */
  PlUndo        *undo;
  gboolean       opening;          /* pel_document_set_opening() */
  guint32       *label_lut;        /* 65536 colours */
  PelHeatMap    *heat_map;
  /* pel_document_offer_slice_images(): a view's first frame of the volume,
   * valid while the label store's generation is slice_images_generation */
  PelSliceImage *slice_images[3];
  guint64        slice_images_generation;
  char          *labels_path;
  char          *recovery_dir;

  /* The label map, its slice generations and their lock, shared with
   * workers (pel-label-store.h).  Labels are written on the main thread
   * under store->lock; the volume fields above are swapped under it too. */
  PelLabelStore *store;

  guint64        saved_state_id;
  gboolean       dirty;
  guint          n_dropped;

  gint64         cursor[3];
  double         window, level;
  double         auto_window, auto_level;
  double         label_opacity;
  gboolean       labels_visible;
  double         proposal_opacity;
  gboolean       proposal_outline;

  /* Autosave */
  guint          autosave_interval;  /* seconds, 0 = off */
  guint          autosave_interval_ms; /* overrides it when > 0 */
  guint          autosave_source;
  guint64        autosaved_state_id;
  gboolean       autosave_running;
  GCancellable  *autosave_cancellable;
};

/* Property ids, for pel_document_notify(). */
enum
{
  PROP_0,
  PROP_HAS_VOLUME,
  PROP_VOLUME_PATH,
  PROP_LABELS_PATH,
  PROP_DIRTY,
  PROP_CAN_UNDO,
  PROP_CAN_REDO,
  PROP_UNDO_NAME,
  PROP_REDO_NAME,
  PROP_N_DROPPED,
  PROP_WINDOW,
  PROP_LEVEL,
  PROP_LABEL_OPACITY,
  PROP_LABELS_VISIBLE,
  PROP_PROPOSAL_OPACITY,
  PROP_PROPOSAL_OUTLINE,
  PROP_HEAT_MAP,
  PROP_AUTOSAVE_INTERVAL,
  PROP_UNDO_BUDGET,
  PROP_AUTOSAVE_INTERVAL_MS,
  PROP_STATE_ID,
  PROP_BACKGROUND_LABEL,
  N_PROPS
};

/* pel-document.c */
void pel_document_notify             (PelDocument *self,
                                      guint        prop);
/* After any change of the history: dirty flag, undo/redo state. */
void pel_document_history_changed    (PelDocument *self);
/* With the lock held: the slices the box touches get a new generation. */
void pel_document_bump_generations   (PelDocument *self,
                                      const PlBox *box);
void pel_document_labels_changed     (PelDocument *self,
                                      const PlBox *box);
void pel_document_all_labels_changed (PelDocument *self);
/* Values in the label map that the table lacks get an entry. */
void pel_document_complete_table     (PelDocument *self);
/* The same for the values marked in present (65536 entries), when the
 * table is known to cover the rest (after an edit: its new values). */
void pel_document_complete_table_with (PelDocument  *self,
                                       const guint8 *present);
void pel_document_table_changed      (PelDocument *self);
/* pel-document-edit.c: after a bulk change written under the lock, the
 * table gains the values it wrote, the views hear of it, and it becomes
 * one undo step.  Takes ownership of edit. */
gsize pel_document_carry_out_plan   (PelDocument   *self,
                                     const PlEdit  *plan,
                                     const char    *name,
                                     const guint8  *present,
                                     PlUndoStep   **step);
void pel_document_commit_bulk_edit   (PelDocument *self,
                                      PlEdit      *edit,
                                      const char  *name);
/* Makes table hold the entries of from, keeping its address. */
void pel_document_assign_table       (PlLabelTable       *table,
                                      const PlLabelTable *from);
/* Undo and redo of a step that changed the table (pel-document-labels.c). */
void pel_document_restore_table      (PelDocument        *self,
                                      const PlLabelTable *table);
/* Emit the signals of the same names (see pel_document_class_init()). */
enum { PEL_AUTOSAVE_STARTED, PEL_AUTOSAVE_DONE, PEL_AUTOSAVE_FAILED };
void pel_document_emit_autosave      (PelDocument *self,
                                      guint        what,
                                      guint64      state_id,
                                      const char  *message);
/* ::overlays-changed, after a change of the proposal or the heat map
 * (pel-document-overlays.c). */
void pel_document_overlays_changed   (PelDocument *self);
void pel_document_emit_saved         (PelDocument *self,
                                      guint64      state_id,
                                      const char  *path);
void pel_document_emit_restored      (PelDocument *self,
                                      const char  *path);

/* Maps the pages of a large label map (bytes at data) on a thread of its
 * own, so that the first bulk change does not fault them in on the main
 * thread. */
/* Frees a replaced volume reference and label maps, large ones on a
 * thread of their own (returning their pages stalls the window). */
void pel_document_free_later         (PelVolumeRef *volume,
                                      PlLabels     *labels,
                                      PlLabels     *proposal);
void pel_document_populate_later     (gpointer     data,
                                      gsize        bytes);

/* pel-document-autosave.c */
void pel_document_reschedule_autosave (PelDocument *self);
void pel_document_stop_autosave       (PelDocument *self);

G_END_DECLS
