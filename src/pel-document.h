/* pel-document.h: what a window has open and everything that depends on it.
 *
 * A PelDocument holds the volume, its label map and label table, the undo
 * history, the dirty state, autosave, the overlay layers (a proposal label
 * map and one heat map) and the display state the three views share (cursor,
 * window/level, label opacity and visibility).  A window keeps one document
 * for its lifetime; opening another volume replaces the contents and emits
 * ::volume-changed.
 *
 * Threads.  Everything here is main-thread only, except the snapshot
 * functions, which workers (training, autosave) may call at any time: label
 * writes happen on the main thread under a lock, and the snapshot functions
 * take the same lock.  Each slice along each voxel axis has a generation
 * number that grows whenever one of its voxels changes, so a worker can
 * re-copy only the slices that changed since its last look.
 *
 * Edits.  A gesture is one undo step:
 *
 *   PlEdit *edit = pel_document_begin_edit (doc);
 *   pel_document_paint_line (doc, edit, &frame, slice, &brush, &rule, ...);
 *   ...
 *   pel_document_end_edit (doc, edit, _("Paint"));
 *
 * and a bulk change (accepting a model's proposal) is
 * pel_document_apply_labels (doc, _("Accept proposal"), new_labels).
 *
 * Persistence signals, each with the undo "state-id" it concerns:
 * ::autosave-started (state), ::autosaved (state; the recovery files hold
 * it) or ::autosave-failed (message); ::saved (state, path) from
 * pel_document_mark_saved(); ::restored (path) when unsaved labels came
 * back from a recovery file.
 */
#pragma once

#include <gio/gio.h>

#include "engine/data/interpolate.h"
#include "engine/data/labels.h"
#include "engine/data/paint.h"
#include "engine/data/undo.h"
#include "engine/data/volume.h"
#include "src/pel-heat-map.h"
#include "src/pel-label-store.h"
#include "src/pel-render.h"

G_BEGIN_DECLS

/* A counted reference to a volume, for worker threads: volumes are never
 * modified once loaded, and this keeps one alive after the document has
 * moved on to another. */
typedef struct _PelVolumeRef PelVolumeRef;

PelVolumeRef      *pel_volume_ref_new               (PlVolume           *volume);
PelVolumeRef      *pel_volume_ref_ref               (PelVolumeRef       *ref);
void               pel_volume_ref_unref             (PelVolumeRef       *ref);
const PlVolume    *pel_volume_ref_get               (PelVolumeRef       *ref);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PelVolumeRef, pel_volume_ref_unref)

#define PEL_TYPE_DOCUMENT (pel_document_get_type ())
G_DECLARE_FINAL_TYPE (PelDocument, pel_document, PEL, DOCUMENT, GObject)

PelDocument       *pel_document_new                 (void);

/* Volume ------------------------------------------------------------------ */
gboolean           pel_document_has_volume          (PelDocument        *self);
const PlVolume    *pel_document_get_volume          (PelDocument        *self);
/* Takes ownership; labels become empty, the history is cleared, the cursor
 * goes to the centre and the window/level to the 1st-99th percentiles. */
void               pel_document_set_volume          (PelDocument        *self,
                                                     PlVolume           *volume);
/* The same with the 1st and 99th intensity percentiles already known. */
void               pel_document_set_volume_with_window (PelDocument     *self,
                                                        PlVolume        *volume,
                                                        double           lo,
                                                        double           hi);
/* The window/level pel_document_set_volume_with_window() starts with for
 * those percentiles (any thread). */
void               pel_document_auto_window_level   (const PlVolume     *volume,
                                                     double              lo,
                                                     double              hi,
                                                     double             *window,
                                                     double             *level);
/* Slices of the volume just set, rendered on the worker that read it
 * (pel_slice_image_new()), for the views' first frame: a view takes its
 * own while the volume, its slice and the window/level are the ones it was
 * made for and nothing is drawn over it (no label painted, no proposal,
 * no heat map); otherwise it renders as usual.  Takes ownership of the
 * images (n of them, NULL entries skipped). */
void               pel_document_offer_slice_images  (PelDocument        *self,
                                                     PelSliceImage     **images,
                                                     guint               n);
/* The image for view at slice, or NULL; the caller owns it. */
PelSliceImage     *pel_document_take_slice_image    (PelDocument        *self,
                                                     PlView              view,
                                                     gint64              slice);
void               pel_document_replace_image       (PelDocument        *self,
                                                     PlVolume           *volume,
                                                     double              window,
                                                     double              level);
const char        *pel_document_get_volume_path     (PelDocument        *self);
/* For worker threads; NULL when no volume is open. */
PelVolumeRef      *pel_document_ref_volume          (PelDocument        *self);
void               pel_document_get_auto_window     (PelDocument        *self,
                                                     double             *window,
                                                     double             *level);

/* Labels ------------------------------------------------------------------ */
const PlLabels    *pel_document_get_labels          (PelDocument        *self);
/* Replaces the label map (same grid, transfer full) as a non-undoable load:
 * the history is cleared; path (may be NULL) becomes the save path and the
 * document is clean when path is not NULL. */
void               pel_document_load_labels         (PelDocument        *self,
                                                     PlLabels           *labels,
                                                     const char         *path);
/* The same, with the values the map holds marked in present (65536
 * entries, from pl_labels_mark_values() on the worker that read the map):
 * a large map is then not scanned again on the main thread. */
void               pel_document_load_labels_with_values (PelDocument    *self,
                                                         PlLabels       *labels,
                                                         const char     *path,
                                                         const guint8   *present);
/* The same, for labels recovered after a crash: the document stays dirty
 * and path (may be NULL) is where Save writes. */
void               pel_document_restore_labels      (PelDocument        *self,
                                                     PlLabels           *labels,
                                                     const char         *path);
const char        *pel_document_get_labels_path     (PelDocument        *self);
/* The "background-label" property: the class around the subject in the
 * loaded map, pl_labels_background_value() (0: none, or nothing loaded). */
guint16            pel_document_get_background_label (PelDocument       *self);
guint16            pel_document_get_label_at        (PelDocument        *self,
                                                     const gint64        ijk[3]);
float              pel_document_get_intensity_at    (PelDocument        *self,
                                                     const gint64        ijk[3]);
/* Voxels holding each value, for the labels panel (n_values entries). */
void               pel_document_count_labels        (PelDocument        *self,
                                                     guint64            *counts,
                                                     guint               n_values);

/* Label table ------------------------------------------------------------- */
PlLabelTable      *pel_document_get_label_table     (PelDocument        *self);
/* Transfer full.  Values used in the label map but missing from the table
 * are added with default colours. */
void               pel_document_set_label_table     (PelDocument        *self,
                                                     PlLabelTable       *table);
/* Adds or replaces one entry (copied) and emits ::table-changed.  Adding,
 * renaming and recolouring are undo steps; visibility, opacity and locks
 * are not. */
void               pel_document_set_label           (PelDocument        *self,
                                                     const PlLabel      *label);
/* Makes labels a and b a left/right pair (b = 0: a's pair follows the names
 * again; labels.h) and emits ::table-changed. */
void               pel_document_set_label_partner   (PelDocument        *self,
                                                     guint16             a,
                                                     guint16             b);
/* Names the values a model brings (class_values[i] named names[i]) that
 * the table lacks, in the colour the map already shows them in; entries
 * without a name are left out.  Returns how many were added. */
guint              pel_document_add_missing_labels  (PelDocument        *self,
                                                     int                 n,
                                                     const guint16      *values,
                                                     char *const        *names);
/* Removes the entry and clears the voxels holding it, as one undo step
 * that brings both back. */
void               pel_document_remove_label        (PelDocument        *self,
                                                     guint16             value);
/* The colour of every value as 0xAARRGGBB, rebuilt on ::table-changed. */
const guint32     *pel_document_get_label_lut       (PelDocument        *self);
/* Fills a paint rule with the value, the mode and the table's locks. */
void               pel_document_init_rule           (PelDocument        *self,
                                                     PlPaintRule        *rule,
                                                     guint16             value,
                                                     PlPaintOver         over,
                                                     guint16             over_label);

/* Editing ----------------------------------------------------------------- */
PlEdit            *pel_document_begin_edit          (PelDocument        *self);
gsize              pel_document_paint_stamp         (PelDocument        *self,
                                                     PlEdit             *edit,
                                                     const PlSliceFrame *frame,
                                                     gint64              slice,
                                                     const PlBrush      *brush,
                                                     const PlPaintRule  *rule,
                                                     double              x,
                                                     double              y);
gsize              pel_document_paint_line          (PelDocument        *self,
                                                     PlEdit             *edit,
                                                     const PlSliceFrame *frame,
                                                     gint64              slice,
                                                     const PlBrush      *brush,
                                                     const PlPaintRule  *rule,
                                                     double              x0,
                                                     double              y0,
                                                     double              x1,
                                                     double              y1);
gsize              pel_document_paint_fill          (PelDocument        *self,
                                                     PlEdit             *edit,
                                                     const PlSliceFrame *frame,
                                                     gint64              slice,
                                                     gint64              x,
                                                     gint64              y,
                                                     double              tolerance,
                                                     const PlPaintRule  *rule);
/* Takes ownership of edit; pushes it as the named undo step. */
void               pel_document_end_edit            (PelDocument        *self,
                                                     PlEdit             *edit,
                                                     const char         *name);
/* Takes ownership of edit; puts the voxels back as they were. */
void               pel_document_cancel_edit         (PelDocument        *self,
                                                     PlEdit             *edit);
/* The whole label map becomes `labels` (same grid, not taken) as one undo
 * step.  Returns the number of voxels changed. */
gsize              pel_document_apply_labels        (PelDocument        *self,
                                                     const char         *name,
                                                     const PlLabels     *labels);
/* Merges the document's proposal into the labels as one undo step: within
 * scope (pl_paint_merge_apply), only unlabelled voxels, never a locked
 * label's value; in place, without copying the map.  Returns the voxels
 * filled. */
gsize              pel_document_merge_proposal      (PelDocument        *self,
                                                     const char         *name,
                                                     PlMergeScope        scope,
                                                     int                 axis,
                                                     gint64              slice,
                                                     guint16             value);
/* The same with the reading on a worker: the merge is planned there, a
 * block of the map at a time under the lock (painting goes on), and
 * carried out on the main thread where the voxels it plans to fill are
 * still unlabelled (pl_edit_apply_planned: a stroke painted meanwhile is
 * kept), as one undo step, before callback runs.  _finish returns the
 * voxels filled, or -1 with G_IO_ERROR_CANCELLED when the volume or the
 * proposal changed meanwhile or cancellable was cancelled. */
void               pel_document_merge_proposal_async (PelDocument       *self,
                                                      const char        *name,
                                                      PlMergeScope       scope,
                                                      int                axis,
                                                      gint64             slice,
                                                      guint16            value,
                                                      GCancellable      *cancellable,
                                                      GAsyncReadyCallback callback,
                                                      gpointer           user_data);
gssize             pel_document_merge_proposal_finish (PelDocument      *self,
                                                       GAsyncResult     *result,
                                                       GError          **error);
/* Fills the slices between painted slices of label `value` along voxel
 * axis `axis` (distance-field interpolation, engine/data/interpolate.h),
 * only into unlabelled voxels and never over a locked label, as one undo
 * step.  The work runs on a worker (on a copy of the map); the main thread
 * writes the result only where voxels still hold what the worker saw.
 * _finish gives the engine's figures (n_changed: voxels written) or an
 * error: G_IO_ERROR_CANCELLED when another volume was opened meanwhile. */
void               pel_document_interpolate_async   (PelDocument        *self,
                                                     int                 axis,
                                                     guint16             value,
                                                     GCancellable       *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer            user_data);
gboolean           pel_document_interpolate_finish  (PelDocument        *self,
                                                     GAsyncResult       *result,
                                                     PlInterpolateStats *stats,
                                                     GError            **error);
gboolean           pel_document_undo                (PelDocument        *self);
gboolean           pel_document_redo                (PelDocument        *self);
gboolean           pel_document_can_undo            (PelDocument        *self);
gboolean           pel_document_can_redo            (PelDocument        *self);
PlUndo            *pel_document_get_undo            (PelDocument        *self);
/* A case list switching cases keeps each case's history: when the labels
 * are saved (the document is clean), _take hands the history over (a
 * fresh one takes its place); after the same labels are loaded again,
 * _give puts it back (transfer full), its state being the saved one. */
PlUndo            *pel_document_take_history        (PelDocument        *self);
void               pel_document_give_history        (PelDocument        *self,
                                                     PlUndo             *undo);
void               pel_document_set_undo_budget     (PelDocument        *self,
                                                     gsize               bytes);

/* Saved state ------------------------------------------------------------- */
gboolean           pel_document_get_dirty           (PelDocument        *self);
/* While another image is being opened into this document, the labels on
 * screen are about to be replaced: painting is refused (a stroke would be
 * dropped unsaved with them).  The window sets it for its open job. */
void               pel_document_set_opening         (PelDocument        *self,
                                                     gboolean            opening);
gboolean           pel_document_get_opening         (PelDocument        *self);
guint64            pel_document_get_state_id        (PelDocument        *self);
/* The labels as they were at state_id are now in path. */
void               pel_document_mark_saved          (PelDocument        *self,
                                                     guint64             state_id,
                                                     const char         *path);


/* Snapshots for worker threads (any thread) ------------------------------- */
PlLabels          *pel_document_snapshot_labels     (PelDocument        *self,
                                                     guint64            *generation);
/* One slice along voxel axis `axis` (0, 1, 2) at `index`, copied into out
 * (the product of the other two dims); returns its generation. */
guint64            pel_document_copy_label_slice    (PelDocument        *self,
                                                     int                 axis,
                                                     gint64              index,
                                                     guint16            *out);
guint64            pel_document_get_slice_generation (PelDocument       *self,
                                                      int                axis,
                                                      gint64             index);
guint64            pel_document_get_generation      (PelDocument        *self);
/* The labels if the document still holds `volume`, else NULL; *when_us
 * (may be NULL) is g_get_real_time() at the copy.  The memory is allocated
 * and touched before the lock is taken, so that painting meanwhile waits
 * for the memcpy only: savers call this on their worker thread rather than
 * copying on the main thread. */
PlLabels          *pel_document_copy_labels         (PelDocument        *self,
                                                     PelVolumeRef       *volume,
                                                     gint64             *when_us);
/* Held by a save or an autosave from its copy of the labels until its file
 * is in place, so that neither copies while the other is between its copy
 * and its rename: a recovery copied then would look older than the saved
 * file although it holds more (pel-recovery.h). */
void               pel_document_lock_writers        (PelDocument        *self);
void               pel_document_unlock_writers      (PelDocument        *self);
/* Voxels holding each value (65536 entries, g_free), counted on a worker
 * one slice at a time under the lock, so that painting is not held up; the
 * counts are those of some moment during the count.  Fails with
 * G_IO_ERROR_CANCELLED when cancelled or when another volume is opened. */
void               pel_document_count_labels_async  (PelDocument        *self,
                                                     GCancellable       *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer            user_data);
guint64           *pel_document_count_labels_finish (PelDocument        *self,
                                                     GAsyncResult       *result,
                                                     GError            **error);
/* Calls func with the label map (NULL when no volume is open) and the
 * generation of every slice, under the lock that painting takes
 * (pel_label_store_read on the document's store). */
void               pel_document_read_labels         (PelDocument        *self,
                                                     PelLabelsReadFunc   func,
                                                     gpointer            user_data);
/* The store of the label map, for a worker to hold instead of the
 * document (a new reference; pel_label_store_unref on any thread). */
PelLabelStore     *pel_document_ref_label_store     (PelDocument        *self);
void               pel_document_read_labels         (PelDocument        *self,
                                                     PelLabelsReadFunc   func,
                                                     gpointer            user_data);

/* Display state shared by the views --------------------------------------- */
void               pel_document_get_cursor          (PelDocument        *self,
                                                     gint64              ijk[3]);
void               pel_document_set_cursor          (PelDocument        *self,
                                                     const gint64        ijk[3]);
void               pel_document_get_window_level    (PelDocument        *self,
                                                     double             *window,
                                                     double             *level);
void               pel_document_set_window_level    (PelDocument        *self,
                                                     double              window,
                                                     double              level);
double             pel_document_get_label_opacity   (PelDocument        *self);
gboolean           pel_document_get_labels_visible  (PelDocument        *self);

/* Overlays ---------------------------------------------------------------- */
/* A label map proposed by a model, drawn translucent over the labels
 * (transfer full, NULL to remove). */
void               pel_document_set_proposal        (PelDocument        *self,
                                                     PlLabels           *proposal);
const PlLabels    *pel_document_get_proposal        (PelDocument        *self);
double             pel_document_get_proposal_opacity (PelDocument       *self);
/* One slice of the proposal along voxel axis `axis`, in the slice layout of
 * engine/data/dataset.h (H, W); an empty proposal is made first if there is none. */
void               pel_document_set_proposal_slice  (PelDocument        *self,
                                                     int                 axis,
                                                     gint64              index,
                                                     const guint16      *slice);
/* Whether the proposal is drawn as region borders rather than a fill
 * (property "proposal-outline"). */
gboolean           pel_document_get_proposal_outline (PelDocument       *self);
void               pel_document_set_heat_map        (PelDocument        *self,
                                                     PelHeatMap         *heat_map);
PelHeatMap        *pel_document_get_heat_map        (PelDocument        *self);

/* Autosave (pel-document-autosave.c) -------------------------------------- */
/* Folder of recovery files; default $XDG_STATE_HOME/pellucid/recovery. */
void               pel_document_set_recovery_dir    (PelDocument        *self,
                                                     const char         *dir);
const char        *pel_document_get_recovery_dir    (PelDocument        *self);
/* Writes the recovery file now, off the main thread. */
void               pel_document_autosave_async      (PelDocument        *self,
                                                     GCancellable       *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer            user_data);
gboolean           pel_document_autosave_finish     (PelDocument        *self,
                                                     GAsyncResult       *result,
                                                     GError            **error);
/* Deletes the recovery files of the current volume. */
void               pel_document_discard_recovery    (PelDocument        *self);
/* The autosave-interval-ms property: autosave every `ms` milliseconds
 * instead of every autosave-interval seconds (0: that property again). */
void               pel_document_set_autosave_interval_ms (PelDocument   *self,
                                                          guint          ms);

G_END_DECLS
