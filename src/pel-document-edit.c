/* PelDocument: edits as undo steps, the saved state, and the snapshots
 * worker threads take.  See pel-document.h. */
#define G_LOG_DOMAIN "pel-document"

#include "src/pel-document-private.h"

#include <glib/gi18n.h>
#include <string.h>

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

  if (changed)
    {
      /* The table covered the map before; only the new values can lack
       * an entry. */
      g_autofree guint8 *present = g_new0 (guint8, 65536);
      pl_edit_mark_new_values (edit, present);
      pel_document_complete_table_with (self, present);
      pel_document_labels_changed (self, &box);
    }
  pel_document_end_edit (self, edit, name);
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

  if (changed)
    {
      g_autofree guint8 *present = g_new0 (guint8, 65536);
      pl_edit_mark_new_values (edit, present);
      pel_document_complete_table_with (self, present);
      pel_document_labels_changed (self, &box);
      pel_document_end_edit (self, edit, name);
    }
  else
    pl_edit_free (edit);
  return changed;
}

static gboolean
step (PelDocument *self,
      gboolean     forward)
{
  PlBox box;
  gboolean done;

  g_mutex_lock (&self->store->lock);
  done = forward ? pl_undo_redo (self->undo, self->store->labels->data, &box)
                 : pl_undo_undo (self->undo, self->store->labels->data, &box);
  if (done)
    pel_document_bump_generations (self, &box);
  g_mutex_unlock (&self->store->lock);
  if (done)
    {
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
