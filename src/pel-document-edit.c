/* PelDocument: edits as undo steps, the saved state, and the snapshots
 * worker threads take.  See pel-document.h. */
#define G_LOG_DOMAIN "pel-document"

#include "src/pel-document-private.h"

#include <glib/gi18n.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* ---- editing -------------------------------------------------------------- */

PlEdit *
pel_document_begin_edit (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), NULL);
  g_return_val_if_fail (self->volume != NULL, NULL);
  return pl_edit_new (self->volume->dim);
}

/* Runs one engine paint call under the lock and reports what changed. */
/* The box reported is the whole edit's so far (a superset of this call's). */
#define PAINT_LOCKED(call)                                               \
  G_STMT_START {                                                         \
    PlBox box_;                                                          \
    g_mutex_lock (&self->store->lock);                                          \
    changed = (call);                                                    \
    if (changed)                                                         \
      {                                                                  \
        pl_edit_get_box (edit, &box_);                                   \
        pel_document_bump_generations (self, &box_);                                  \
      }                                                                  \
    g_mutex_unlock (&self->store->lock);                                        \
    if (changed)                                                         \
      pel_document_labels_changed (self, &box_);                                      \
  } G_STMT_END

gsize
pel_document_paint_stamp (PelDocument        *self,
                          PlEdit             *edit,
                          const PlSliceFrame *frame,
                          gint64              slice,
                          const PlBrush      *brush,
                          const PlPaintRule  *rule,
                          double              x,
                          double              y)
{
  gsize changed;

  g_return_val_if_fail (PEL_IS_DOCUMENT (self) && self->store->labels != NULL, 0);
  PAINT_LOCKED (pl_paint_stamp (self->store->labels, frame, slice, brush, rule, x, y, edit));
  return changed;
}

gsize
pel_document_paint_line (PelDocument        *self,
                         PlEdit             *edit,
                         const PlSliceFrame *frame,
                         gint64              slice,
                         const PlBrush      *brush,
                         const PlPaintRule  *rule,
                         double              x0,
                         double              y0,
                         double              x1,
                         double              y1)
{
  gsize changed;

  g_return_val_if_fail (PEL_IS_DOCUMENT (self) && self->store->labels != NULL, 0);
  PAINT_LOCKED (pl_paint_line (self->store->labels, frame, slice, brush, rule, x0, y0, x1, y1, edit));
  return changed;
}

gsize
pel_document_paint_fill (PelDocument        *self,
                         PlEdit             *edit,
                         const PlSliceFrame *frame,
                         gint64              slice,
                         gint64              x,
                         gint64              y,
                         double              tolerance,
                         const PlPaintRule  *rule)
{
  gsize changed;

  g_return_val_if_fail (PEL_IS_DOCUMENT (self) && self->store->labels != NULL, 0);
  PAINT_LOCKED (pl_paint_fill (self->store->labels, self->volume, frame, slice, x, y, tolerance, rule, edit));
  return changed;
}

void
pel_document_end_edit (PelDocument *self,
                       PlEdit      *edit,
                       const char  *name)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  g_return_if_fail (edit != NULL);

  if (pl_undo_push (self->undo, name, edit))
    pel_document_history_changed (self);
}

void
pel_document_cancel_edit (PelDocument *self,
                          PlEdit      *edit)
{
  PlBox box;

  g_return_if_fail (PEL_IS_DOCUMENT (self));
  g_return_if_fail (edit != NULL);

  if (pl_edit_get_n (edit) == 0)
    {
      pl_edit_free (edit);
      return;
    }
  pl_edit_get_box (edit, &box);
  g_mutex_lock (&self->store->lock);
  pl_edit_revert (edit, self->store->labels->data);
  pel_document_bump_generations (self, &box);
  g_mutex_unlock (&self->store->lock);
  pl_edit_free (edit);
  pel_document_labels_changed (self, &box);
}

/* After a bulk change written under the lock: the label table gains the
 * values the edit wrote (the table covered the map before, so only those
 * can lack an entry), the views hear of it, and the edit becomes one undo
 * step (none when it changed nothing).  Takes ownership of edit. */
void
pel_document_commit_bulk_edit (PelDocument *self,
                               PlEdit      *edit,
                               const char  *name)
{
  if (pl_edit_get_n (edit) > 0)
    {
      g_autofree guint8 *present = g_new0 (guint8, 65536);
      PlBox box;

      pl_edit_get_box (edit, &box);
      pl_edit_mark_new_values (edit, present);
      pel_document_complete_table_with (self, present);
      pel_document_labels_changed (self, &box);
    }
  pel_document_end_edit (self, edit, name);
}

gsize
pel_document_apply_labels (PelDocument    *self,
                           const char     *name,
                           const PlLabels *labels)
{
  PlEdit *edit;
  PlBox box;
  gsize n, changed;

  g_return_val_if_fail (PEL_IS_DOCUMENT (self), 0);
  g_return_val_if_fail (self->store->labels != NULL && labels != NULL, 0);
  g_return_val_if_fail (memcmp (labels->dim, self->store->labels->dim, sizeof labels->dim) == 0, 0);

  n = pl_labels_n_voxels (labels);
  edit = pl_edit_new (self->volume->dim);
  /* One pass: the undo step's runs, and only the voxels that differ are
   * written (a 300³ map took 180 ms as a diff, a copy and a scan of the
   * whole map for the table). */
  g_mutex_lock (&self->store->lock);
  pl_edit_apply_diff (edit, self->store->labels->data, labels->data, n);
  changed = pl_edit_get_n (edit);
  pl_edit_get_box (edit, &box);
  if (changed)
    pel_document_bump_generations (self, &box);
  g_mutex_unlock (&self->store->lock);
  pel_document_commit_bulk_edit (self, edit, name);
  return changed;
}

gsize
pel_document_merge_proposal (PelDocument  *self,
                             const char   *name,
                             PlMergeScope  scope,
                             int           axis,
                             gint64        slice,
                             guint16       value)
{
  PlPaintRule rule;
  PlEdit *edit;
  PlBox box;
  gsize changed;

  g_return_val_if_fail (PEL_IS_DOCUMENT (self), 0);
  if (self->store->labels == NULL || self->store->proposal == NULL)
    return 0;

  pel_document_init_rule (self, &rule, 0, PL_PAINT_OVER_UNLABELLED, 0);
  edit = pl_edit_new (self->volume->dim);
  g_mutex_lock (&self->store->lock);
  changed = pl_paint_merge_apply (self->store->labels, self->store->proposal, &rule, scope, axis, slice, value,
                                  0, pl_labels_n_voxels (self->store->labels), edit);
  pl_edit_get_box (edit, &box);
  if (changed)
    pel_document_bump_generations (self, &box);
  g_mutex_unlock (&self->store->lock);
  pel_document_commit_bulk_edit (self, edit, name);
  return changed;
}

/* Carries out on the main thread an edit planned on a worker: written as
 * planned when nothing was painted meanwhile — then `present` and `*step`
 * (made from the plan on the worker, may be NULL) save the main thread their
 * work — else only on voxels still holding the planned old values.  One
 * undo step named `name`.  Returns the voxels written. */
gsize
pel_document_carry_out_plan (PelDocument   *self,
                             const PlEdit  *plan,
                             const char    *name,
                             const guint8  *present,
                             PlUndoStep   **step)
{
  PlEdit *applied;
  PlBox box;
  gsize changed;

  g_mutex_lock (&self->store->lock);
  if (present != NULL && step != NULL && *step != NULL
      && pl_edit_write_if_intact (self->store->labels->data, plan))
    {
      changed = pl_edit_get_n (plan);
      pl_edit_get_box (plan, &box);
      if (changed)
        pel_document_bump_generations (self, &box);
      g_mutex_unlock (&self->store->lock);
      if (changed)
        {
          pel_document_complete_table_with (self, present);
          pel_document_labels_changed (self, &box);
        }
      if (pl_undo_push_step (self->undo, g_steal_pointer (step)))
        pel_document_history_changed (self);
      return changed;
    }
  applied = pl_edit_new (self->volume->dim);
  changed = pl_edit_apply_planned (applied, self->store->labels->data, plan);
  pl_edit_get_box (applied, &box);
  if (changed)
    pel_document_bump_generations (self, &box);
  g_mutex_unlock (&self->store->lock);
  pel_document_commit_bulk_edit (self, applied, name);
  return changed;
}

/* ---- merging on a worker ---------------------------------------------------- */

typedef struct
{
  PelLabelStore  *store;
  PelVolumeRef   *owner;       /* the volume the merge is for (held, so its
                                * address is not reused while we compare) */
  guint64         proposal;    /* the proposal it merges (its serial) */
  PlPaintRule    *rule;
  PlMergeScope    scope;
  int             axis;
  gint64          slice;
  guint16         value;
  gint64          dim[3];
  char           *name;
  PlEdit         *plan;
  /* made from the plan on the worker, for when it is applied as planned */
  guint8         *present;     /* the values it writes (65536 flags) */
  PlUndoStep     *step;        /* its undo step, encoded */
} MergeData;

static void
merge_data_free (gpointer data)
{
  MergeData *m = data;

  pel_label_store_unref (m->store);
  pel_volume_ref_unref (m->owner);
  g_free (m->rule);
  g_free (m->name);
  g_clear_pointer (&m->plan, pl_edit_free);
  g_free (m->present);
  pl_undo_step_free (m->step);
  g_free (m);
}

/* The worker: plans the merge a block at a time, each under the lock, so
 * painting waits for a block at most (about a millisecond). */
static void
plan_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  MergeData *m = task_data;
  const gsize block = 1u << 20;
  gsize n = (gsize) m->dim[0] * m->dim[1] * m->dim[2];

  for (gsize b = 0; b < n; b += block)
    {
      PelLabelStore *store = m->store;
      gboolean same;

      if (g_task_return_error_if_cancelled (task))
        return;
      g_mutex_lock (&store->lock);
      same = store->owner == m->owner && store->labels != NULL && store->proposal != NULL
             && store->proposal_serial == m->proposal;
      if (same)
        pl_paint_merge_plan (store->labels, store->proposal, m->rule, m->scope, m->axis, m->slice, m->value,
                             b, MIN (b + block, n), m->plan);
      g_mutex_unlock (&store->lock);
      if (!same)
        {
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                   "The volume or the proposal changed before the merge");
          return;
        }
      if (m->scope == PL_MERGE_SLICE)
        break;   /* planned whole from the first block */
    }
#ifdef MADV_POPULATE_WRITE
  /* The pages the main thread will write are mapped here: a map not yet
   * written (calloc) would otherwise fault each page in on the main
   * thread, most of the time of writing a whole segmentation.  This maps
   * pages without changing what they hold. */
  if (pl_edit_get_n (m->plan) > 0 && n * sizeof (guint16) > (4u << 20))
    {
      PelLabelStore *store = m->store;
      gsize page = (gsize) sysconf (_SC_PAGESIZE);
      g_mutex_lock (&store->lock);
      if (store->owner == m->owner && store->labels != NULL)
        {
          guintptr start = ((guintptr) store->labels->data + page - 1) & ~(guintptr) (page - 1);
          guintptr end = ((guintptr) (store->labels->data + n)) & ~(guintptr) (page - 1);
          if (end > start)
            madvise ((gpointer) start, end - start, MADV_POPULATE_WRITE);
        }
      g_mutex_unlock (&store->lock);
    }
#endif
  /* What the main thread would otherwise do after writing: the table's new
   * values and the undo step (a third of its time for a whole map). */
  m->present = g_new0 (guint8, 65536);
  pl_edit_mark_new_values (m->plan, m->present);
  m->step = pl_undo_step_encode (m->name, m->plan);
  g_task_return_boolean (task, TRUE);
}

static void
merge_planned (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *outer = user_data;
  PelDocument *self = g_task_get_source_object (outer);
  MergeData *m = g_task_get_task_data (outer);
  GError *error = NULL;
  gsize changed;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (outer, error);
      g_object_unref (outer);
      return;
    }
  if (self->volume_ref != m->owner || self->store->labels == NULL)
    {
      g_task_return_new_error (outer, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "Another volume was opened before the merge");
      g_object_unref (outer);
      return;
    }
  changed = pel_document_carry_out_plan (self, m->plan, m->name, m->present, &m->step);
  g_task_return_int (outer, (gssize) changed);
  g_object_unref (outer);
}

void
pel_document_merge_proposal_async (PelDocument        *self,
                                   const char         *name,
                                   PlMergeScope        scope,
                                   int                 axis,
                                   gint64              slice,
                                   guint16             value,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data)
{
  GTask *outer;
  g_autoptr (GTask) inner = NULL;
  MergeData *m;

  g_return_if_fail (PEL_IS_DOCUMENT (self));

  outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (outer, pel_document_merge_proposal_async);
  if (self->store->labels == NULL || self->store->proposal == NULL)
    {
      g_task_return_int (outer, 0);
      g_object_unref (outer);
      return;
    }
  m = g_new0 (MergeData, 1);
  m->store = pel_label_store_ref (self->store);
  m->owner = pel_volume_ref_ref (self->volume_ref);
  m->proposal = self->store->proposal_serial;
  m->rule = g_new (PlPaintRule, 1);
  pel_document_init_rule (self, m->rule, 0, PL_PAINT_OVER_UNLABELLED, 0);
  m->scope = scope;
  m->axis = axis;
  m->slice = slice;
  m->value = value;
  memcpy (m->dim, self->volume->dim, sizeof m->dim);
  m->name = g_strdup (name);
  m->plan = pl_edit_new (self->volume->dim);
  g_task_set_task_data (outer, m, merge_data_free);
  /* the worker sees m only; the outer task (and the document) stay here */
  inner = g_task_new (NULL, cancellable, merge_planned, outer);
  g_task_set_task_data (inner, m, NULL);
  g_task_run_in_thread (inner, plan_thread);
}

gssize
pel_document_merge_proposal_finish (PelDocument   *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  return g_task_propagate_int (G_TASK (result), error);
}

static gboolean
step (PelDocument *self,
      gboolean     forward)
{
  PlBox box;
  gboolean done;
  const PlLabelTable *table = NULL;

  g_mutex_lock (&self->store->lock);
  done = forward ? pl_undo_redo_full (self->undo, self->store->labels->data, &box, &table)
                 : pl_undo_undo_full (self->undo, self->store->labels->data, &box, &table);
  if (done && !pl_box_is_empty (&box))
    pel_document_bump_generations (self, &box);
  g_mutex_unlock (&self->store->lock);
  if (done)
    {
      /* the table first: voxels coming back find their entry */
      if (table)
        pel_document_restore_table (self, table);
      if (!pl_box_is_empty (&box))
        pel_document_labels_changed (self, &box);
      pel_document_history_changed (self);
    }
  return done;
}

gboolean
pel_document_undo (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), FALSE);
  return self->store->labels != NULL && step (self, FALSE);
}

gboolean
pel_document_redo (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), FALSE);
  return self->store->labels != NULL && step (self, TRUE);
}

gboolean
pel_document_can_undo (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), FALSE);
  return pl_undo_can_undo (self->undo);
}

gboolean
pel_document_can_redo (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), FALSE);
  return pl_undo_can_redo (self->undo);
}

PlUndo *
pel_document_get_undo (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), NULL);
  return self->undo;
}

void
pel_document_set_undo_budget (PelDocument *self,
                              gsize        bytes)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  if (bytes == pl_undo_get_budget (self->undo))
    return;
  pl_undo_set_budget (self->undo, bytes);
  pel_document_notify (self, PROP_UNDO_BUDGET);
  pel_document_history_changed (self);
}

/* ---- saved state ---------------------------------------------------------- */

gboolean
pel_document_get_dirty (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), FALSE);
  return self->dirty;
}

void
pel_document_set_opening (PelDocument *self,
                          gboolean     opening)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  self->opening = opening;
}

gboolean
pel_document_get_opening (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), FALSE);
  return self->opening;
}

guint64
pel_document_get_state_id (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), 0);
  return pl_undo_get_state_id (self->undo);
}

void
pel_document_mark_saved (PelDocument *self,
                         guint64      state_id,
                         const char  *path)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));

  self->saved_state_id = state_id;
  if (g_strcmp0 (path, self->labels_path) != 0)
    {
      g_free (self->labels_path);
      self->labels_path = g_strdup (path);
      pel_document_notify (self, PROP_LABELS_PATH);
    }
  pel_document_history_changed (self);
  pel_document_emit_saved (self, state_id, path);
}

/* ---- snapshots ------------------------------------------------------------ */

PlLabels *
pel_document_snapshot_labels (PelDocument *self,
                              guint64     *generation)
{
  g_autoptr (PelVolumeRef) volume = NULL;
  PlLabels *copy = NULL;

  g_return_val_if_fail (PEL_IS_DOCUMENT (self), NULL);

  /* Retried if another volume comes in between. */
  do
    {
      g_mutex_lock (&self->store->lock);
      g_clear_pointer (&volume, pel_volume_ref_unref);
      volume = self->volume_ref ? pel_volume_ref_ref (self->volume_ref) : NULL;
      if (generation)
        *generation = self->store->generation;
      g_mutex_unlock (&self->store->lock);
      if (volume == NULL)
        return NULL;
      copy = pel_document_copy_labels (self, volume, NULL);
    }
  while (copy == NULL);
  return copy;
}

PlLabels *
pel_document_copy_labels (PelDocument  *self,
                          PelVolumeRef *volume,
                          gint64       *when_us)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), NULL);
  g_return_val_if_fail (volume != NULL, NULL);

  return pel_label_store_copy (self->store, volume, pel_volume_ref_get (volume)->dim, when_us);
}

void
pel_document_lock_writers (PelDocument *self)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  pel_label_store_lock_writers (self->store);
}

void
pel_document_unlock_writers (PelDocument *self)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  pel_label_store_unlock_writers (self->store);
}

guint64
pel_document_copy_label_slice (PelDocument *self,
                               int          axis,
                               gint64       index,
                               guint16     *out)
{
  guint64 g = 0;

  g_return_val_if_fail (PEL_IS_DOCUMENT (self), 0);
  g_return_val_if_fail (axis >= 0 && axis < 3, 0);

  g_mutex_lock (&self->store->lock);
  if (self->store->labels && index >= 0 && index < self->store->labels->dim[axis])
    {
      const gint64 *d = self->store->labels->dim;
      const guint16 *src = self->store->labels->data;
      gsize o = 0;

      /* out is ordered with the lower remaining axis fastest */
      if (axis == 2)
        memcpy (out, src + (gsize) index * d[0] * d[1], (gsize) d[0] * d[1] * sizeof (guint16));
      else if (axis == 1)
        for (gint64 k = 0; k < d[2]; k++, o += d[0])
          memcpy (out + o, src + (gsize) d[0] * (index + d[1] * k), (gsize) d[0] * sizeof (guint16));
      else
        for (gint64 k = 0; k < d[2]; k++)
          for (gint64 j = 0; j < d[1]; j++)
            out[o++] = src[index + d[0] * (j + d[1] * k)];
      g = self->store->slice_generation[axis][index];
    }
  g_mutex_unlock (&self->store->lock);
  return g;
}

guint64
pel_document_get_slice_generation (PelDocument *self,
                                   int          axis,
                                   gint64       index)
{
  guint64 g = 0;

  g_return_val_if_fail (PEL_IS_DOCUMENT (self), 0);
  g_return_val_if_fail (axis >= 0 && axis < 3, 0);

  g_mutex_lock (&self->store->lock);
  if (self->store->slice_generation[axis] && index >= 0 && index < self->volume->dim[axis])
    g = self->store->slice_generation[axis][index];
  g_mutex_unlock (&self->store->lock);
  return g;
}

guint64
pel_document_get_generation (PelDocument *self)
{
  guint64 g;

  g_return_val_if_fail (PEL_IS_DOCUMENT (self), 0);
  g_mutex_lock (&self->store->lock);
  g = self->store->generation;
  g_mutex_unlock (&self->store->lock);
  return g;
}

void
pel_document_read_labels (PelDocument       *self,
                          PelLabelsReadFunc  func,
                          gpointer           user_data)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  pel_label_store_read (self->store, func, user_data);
}

PelLabelStore *
pel_document_ref_label_store (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), NULL);
  return pel_label_store_ref (self->store);
}

PlUndo *
pel_document_take_history (PelDocument *self)
{
  PlUndo *undo;

  g_return_val_if_fail (PEL_IS_DOCUMENT (self), NULL);
  g_return_val_if_fail (!self->dirty, NULL);
  undo = self->undo;
  self->undo = pl_undo_new (pl_undo_get_budget (undo));
  self->saved_state_id = pl_undo_get_state_id (self->undo);
  pel_document_history_changed (self);
  return undo;
}

void
pel_document_give_history (PelDocument *self,
                           PlUndo      *undo)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  g_return_if_fail (undo != NULL);
  pl_undo_set_budget (undo, pl_undo_get_budget (self->undo));
  pl_undo_free (self->undo);
  self->undo = undo;
  /* the labels just loaded are the state the history was taken at */
  self->saved_state_id = pl_undo_get_state_id (undo);
  pel_document_history_changed (self);
}
