/* undo.h: undo/redo of label-map edits as compact deltas under a memory budget.
 *
 * An edit is recorded while it happens: every voxel whose label changes is
 * passed to pl_edit_record() with its old and new value (paint.c does this).
 * When the user's gesture ends, pl_undo_push() turns the edit into a named
 * step: changes sorted by voxel index, merged (first old value, last new
 * value), and stored as runs of consecutive voxels that share the same
 * (old, new) pair, each run as four varints (gap, length, old, new).  A
 * brush stroke costs well under one byte per changed voxel; accepting a
 * whole-volume proposal costs a few bytes per run of equal labels.
 *
 * The history keeps at most `budget` bytes of steps: pushing a step drops the
 * oldest ones until the rest fits (pl_undo_get_n_dropped() counts them so the
 * front end can say so); a step larger than the whole budget is applied but
 * cannot be undone, and everything before it is dropped too.
 *
 * States are identified by ids (pl_undo_get_state_id()): the id after undo
 * equals the id before the step, so "is the document as it was saved?" is a
 * comparison of two ids.  Plain C on GLib; the caller serialises access.
 */
#pragma once

#include <glib.h>

#include "engine/data/labels.h"

G_BEGIN_DECLS

/* An inclusive voxel box; empty when lo[0] > hi[0]. */
typedef struct
{
  gint64 lo[3];
  gint64 hi[3];
} PlBox;

void      pl_box_clear        (PlBox        *box);
gboolean  pl_box_is_empty     (const PlBox  *box);
void      pl_box_add_index    (PlBox        *box,
                               const gint64  dim[3],
                               gsize         index);
void      pl_box_union        (PlBox        *box,
                               const PlBox  *other);

typedef struct _PlEdit PlEdit;

PlEdit   *pl_edit_new         (const gint64   dim[3]);
void      pl_edit_free        (PlEdit        *edit);
/* One voxel changed from old_value to new_value (call after writing it). */
void      pl_edit_record      (PlEdit        *edit,
                               gsize          index,
                               guint16        old_value,
                               guint16        new_value);
/* Records every voxel where before and after differ, in index order: the
 * cheap path for bulk changes such as accepting a proposal. */
void      pl_edit_record_diff (PlEdit        *edit,
                               const guint16 *before,
                               const guint16 *after,
                               gsize          n);
/* The same, and makes data equal to after, in one pass that reads both
 * once and writes only the voxels that differ: a bulk change of a whole
 * label map costs about one read of it, not a diff plus a copy. */
void      pl_edit_apply_diff  (PlEdit        *edit,
                               guint16       *data,
                               const guint16 *after,
                               gsize          n);
/* The same for voxels [begin, end) of data, after[0] being the new value of
 * data[begin]: a bulk change made a block at a time.  Blocks given in
 * increasing order keep the edit's runs in order. */
void      pl_edit_apply_diff_range (PlEdit        *edit,
                                    guint16       *data,
                                    const guint16 *after,
                                    gsize          begin,
                                    gsize          end);
/* pl_edit_apply_diff_range() without writing: plans an edit. */
void      pl_edit_record_diff_range (PlEdit        *edit,
                                     const guint16 *data,
                                     const guint16 *after,
                                     gsize          begin,
                                     gsize          end);
/* Carries out a planned edit (one recorded without writing, e.g. on a
 * worker from a copy or under a lock since released) on data, but only on
 * voxels that still hold the old value the plan recorded: voxels changed
 * since are left alone.  What it writes is recorded in `applied` (a fresh
 * edit), so its undo step is exact.  Returns the voxels written. */
gsize     pl_edit_apply_planned (PlEdit        *applied,
                                 guint16       *data,
                                 const PlEdit  *planned);
/* When every voxel of the planned edit still holds the old value the plan
 * recorded, writes the plan's new values and returns TRUE; otherwise writes
 * nothing and returns FALSE (then pl_edit_apply_planned()). */
gboolean  pl_edit_write_if_intact (guint16      *data,
                                   const PlEdit *planned);
/* Sets present[v] to 1 for every value v the edit writes (65536 entries):
 * the values a label map can hold after the edit that it may not have
 * held before. */
void      pl_edit_mark_new_values (const PlEdit *edit,
                                   guint8       *present);
/* The edit also changes the label table from before to after (both
 * copied): its undo step puts the table back as well, and it is a step
 * even when no voxel changed (renaming, recolouring, adding a label). */
void      pl_edit_set_tables  (PlEdit             *edit,
                               const PlLabelTable *before,
                               const PlLabelTable *after);
/* Changes recorded so far (a voxel changed twice counts twice). */
gsize     pl_edit_get_n       (const PlEdit  *edit);
void      pl_edit_get_box     (const PlEdit  *edit,
                               PlBox         *box);
/* Writes the old values back, newest change first: cancels an edit that was
 * never pushed (e.g. a stroke aborted by Escape). */
void      pl_edit_revert      (const PlEdit  *edit,
                               guint16       *data);

typedef struct _PlUndo PlUndo;

PlUndo   *pl_undo_new         (gsize          budget_bytes);
void      pl_undo_free        (PlUndo        *undo);
void      pl_undo_set_budget  (PlUndo        *undo,
                               gsize          budget_bytes);
gsize     pl_undo_get_budget  (const PlUndo  *undo);
/* Takes ownership of edit.  Returns FALSE (and stores nothing, leaving the
 * state id unchanged) when the edit changed no voxel and no table. */
gboolean  pl_undo_push        (PlUndo        *undo,
                               const char    *name,
                               PlEdit        *edit);
/* A step encoded apart from any history, e.g. on a worker from a planned
 * edit (voxel changes only, no table), pushed later with
 * pl_undo_push_step() — which takes ownership — or freed.  NULL when the
 * edit changes no voxel. */
typedef struct _PlUndoStep PlUndoStep;
PlUndoStep *pl_undo_step_encode (const char   *name,
                                 const PlEdit *edit);
void      pl_undo_step_free   (PlUndoStep    *step);
gboolean  pl_undo_push_step   (PlUndo        *undo,
                               PlUndoStep    *step);
/* Apply the newest step backwards / the next redo step forwards to data;
 * box (may be NULL) receives the voxels touched.  FALSE when there is none. */
gboolean  pl_undo_undo        (PlUndo        *undo,
                               guint16       *data,
                               PlBox         *box);
gboolean  pl_undo_redo        (PlUndo        *undo,
                               guint16       *data,
                               PlBox         *box);
/* The same; *table receives the label table the step restores (owned by
 * the history, valid until its next change), NULL when the step did not
 * change the table. */
gboolean  pl_undo_undo_full   (PlUndo              *undo,
                               guint16             *data,
                               PlBox               *box,
                               const PlLabelTable **table);
gboolean  pl_undo_redo_full   (PlUndo              *undo,
                               guint16             *data,
                               PlBox               *box,
                               const PlLabelTable **table);
gboolean  pl_undo_can_undo    (const PlUndo  *undo);
gboolean  pl_undo_can_redo    (const PlUndo  *undo);
/* Names of the steps that undo/redo would apply, or NULL. */
const char *pl_undo_get_undo_name (const PlUndo *undo);
const char *pl_undo_get_redo_name (const PlUndo *undo);
guint     pl_undo_get_n_undo  (const PlUndo  *undo);
guint     pl_undo_get_n_redo  (const PlUndo  *undo);
/* Bytes held by all steps (encoded deltas plus bookkeeping). */
gsize     pl_undo_get_bytes   (const PlUndo  *undo);
/* Steps dropped so far because of the budget (cumulative). */
guint     pl_undo_get_n_dropped (const PlUndo *undo);
guint64   pl_undo_get_state_id  (const PlUndo *undo);
/* Forget every step (e.g. a new label map was loaded); the state gets a new id. */
void      pl_undo_clear       (PlUndo        *undo);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlEdit, pl_edit_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlUndo, pl_undo_free)

G_END_DECLS
