/* PelDocument: the label map and the label table.  See pel-document.h. */
#define G_LOG_DOMAIN "pel-document"

#include "src/pel-document-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "src/pel-render.h"

/* ---- labels --------------------------------------------------------------- */

const PlLabels *
pel_document_get_labels (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), NULL);
  return self->store->labels;
}

const char *
pel_document_get_labels_path (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), NULL);
  return self->labels_path;
}

guint16
pel_document_get_background_label (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), 0);
  return self->background_label;
}

static void
replace_labels (PelDocument  *self,
                PlLabels     *labels,
                const char   *path,
                gboolean      clean,
                const guint8 *present)
{
  g_return_if_fail (self->volume != NULL);
  g_return_if_fail (labels != NULL);
  g_return_if_fail (memcmp (labels->dim, self->volume->dim, sizeof labels->dim) == 0);

  PlLabels *old;

  g_mutex_lock (&self->store->lock);
  old = self->store->labels;
  self->store->labels = labels;
  g_mutex_unlock (&self->store->lock);
  pel_document_free_later (NULL, old, NULL);
  /* a map read from a file holds pages never written (its zeros) */
  pel_document_populate_later (labels->data, pl_labels_n_voxels (labels) * sizeof (guint16));

  if (g_strcmp0 (path, self->labels_path) != 0)
    {
      g_free (self->labels_path);
      self->labels_path = g_strdup (path);
      pel_document_notify (self, PROP_LABELS_PATH);
    }
  pl_undo_clear (self->undo);
  self->saved_state_id = clean ? pl_undo_get_state_id (self->undo) : 0;
  if (self->table_generic)
    {
      /* No label file came with it: list the values it holds, not the six
       * generic rows of an empty map. */
      g_autofree guint8 *found = NULL;

      if (present == NULL)
        {
          found = g_new0 (guint8, 65536);
          pl_labels_mark_values (labels, found);
          present = found;
        }
      g_autoptr (PlLabelTable) generic = pl_label_table_new_for_values (present);
      pel_document_assign_table (self->table, generic);
    }
  else if (present)
    pel_document_complete_table_with (self, present);
  else
    pel_document_complete_table (self);
  if (self->background_label != pl_labels_background_value (labels))
    {
      self->background_label = pl_labels_background_value (labels);
      pel_document_notify (self, PROP_BACKGROUND_LABEL);
    }
  pel_document_table_changed (self);
  pel_document_all_labels_changed (self);
  pel_document_history_changed (self);
}

void
pel_document_load_labels (PelDocument *self,
                          PlLabels    *labels,
                          const char  *path)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  replace_labels (self, labels, path, path != NULL, NULL);
}

void
pel_document_load_labels_with_values (PelDocument  *self,
                                      PlLabels     *labels,
                                      const char   *path,
                                      const guint8 *present)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  g_return_if_fail (present != NULL);
  replace_labels (self, labels, path, path != NULL, present);
}

void
pel_document_restore_labels (PelDocument *self,
                             PlLabels    *labels,
                             const char  *path)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  replace_labels (self, labels, path, FALSE, NULL);
  pel_document_emit_restored (self, path);
}

static gsize
index_of (const PlVolume *volume,
          const gint64    ijk[3])
{
  return (gsize) ijk[0] + (gsize) volume->dim[0] * ((gsize) ijk[1] + (gsize) volume->dim[1] * (gsize) ijk[2]);
}

static gboolean
inside (const PlVolume *volume,
        const gint64    ijk[3])
{
  for (int a = 0; a < 3; a++)
    if (ijk[a] < 0 || ijk[a] >= volume->dim[a])
      return FALSE;
  return TRUE;
}

guint16
pel_document_get_label_at (PelDocument  *self,
                           const gint64  ijk[3])
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), 0);
  if (self->volume == NULL || !inside (self->volume, ijk))
    return 0;
  return self->store->labels->data[index_of (self->volume, ijk)];
}

float
pel_document_get_intensity_at (PelDocument  *self,
                               const gint64  ijk[3])
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), NAN);
  if (self->volume == NULL || !inside (self->volume, ijk))
    return NAN;
  return self->volume->data[index_of (self->volume, ijk)];
}

void
pel_document_count_labels (PelDocument *self,
                           guint64     *counts,
                           guint        n_values)
{
  gsize n;

  g_return_if_fail (PEL_IS_DOCUMENT (self));
  memset (counts, 0, n_values * sizeof *counts);
  if (self->store->labels == NULL)
    return;
  n = pl_labels_n_voxels (self->store->labels);
  for (gsize i = 0; i < n; i++)
    if (self->store->labels->data[i] < n_values)
      counts[self->store->labels->data[i]]++;
}

/* A worker counts slice by slice (slices along the last voxel axis, which
 * are contiguous), taking the lock for each: about a tenth of a
 * millisecond, where the whole count of a 300³ map on the main thread
 * stalled the window for 30 ms every time painting paused. */
typedef struct
{
  PelLabelStore *store;
  PelVolumeRef  *volume;
} CountData;

static void
count_data_free (gpointer data)
{
  CountData *d = data;

  pel_label_store_unref (d->store);
  pel_volume_ref_unref (d->volume);
  g_free (d);
}

static void
count_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  CountData *d = task_data;
  PelLabelStore *store = d->store;
  PelVolumeRef *volume = d->volume;
  const PlVolume *v = pel_volume_ref_get (volume);
  gsize plane = (gsize) v->dim[0] * (gsize) v->dim[1];
  g_autofree guint64 *counts = g_new0 (guint64, 65536);

  for (gint64 k = 0; k < v->dim[2]; k++)
    {
      const guint16 *slice;

      if (g_cancellable_is_cancelled (cancellable))
        break;
      g_mutex_lock (&store->lock);
      if (store->owner != volume || store->labels == NULL)
        {
          g_mutex_unlock (&store->lock);
          break;
        }
      slice = store->labels->data + (gsize) k * plane;
      for (gsize i = 0; i < plane; i++)
        counts[slice[i]]++;
      g_mutex_unlock (&store->lock);
      if (k == v->dim[2] - 1)
        {
          g_task_return_pointer (task, g_steal_pointer (&counts), g_free);
          return;
        }
    }
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Counting was cancelled");
}

void
pel_document_count_labels_async (PelDocument         *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  CountData *d;

  g_return_if_fail (PEL_IS_DOCUMENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pel_document_count_labels_async);
  if (self->volume_ref == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "No volume");
      return;
    }
  d = g_new (CountData, 1);
  d->store = pel_label_store_ref (self->store);
  d->volume = pel_volume_ref_ref (self->volume_ref);
  g_task_set_task_data (task, d, count_data_free);
  g_task_run_in_thread (task, count_thread);
}

guint64 *
pel_document_count_labels_finish (PelDocument   *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- table ---------------------------------------------------------------- */

PlLabelTable *
pel_document_get_label_table (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), NULL);
  return self->table;
}

void
pel_document_set_label_table (PelDocument  *self,
                              PlLabelTable *table)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  g_return_if_fail (table != NULL);

  pl_label_table_free (self->table);
  self->table = table;
  self->table_generic = FALSE;
  if (pl_label_table_lookup (table, 0) == NULL)
    {
      PlLabel clear = { 0, (char *) "Clear Label", { 0, 0, 0 }, 0.0f, FALSE, FALSE, FALSE };
      pl_label_table_set (table, &clear);
    }
  pel_render_build_label_lut (self->table, self->label_lut);
  pel_document_complete_table (self);
  pel_document_table_changed (self);
}

/* Adding, renaming and recolouring an entry are undo steps (showing,
 * hiding, locking and opacity are view settings, as in ITK-SNAP, and are
 * not). */
void
pel_document_set_label (PelDocument   *self,
                        const PlLabel *label)
{
  PlLabel *old;
  g_autoptr (PlLabelTable) before = NULL;
  g_autofree char *name = NULL;

  g_return_if_fail (PEL_IS_DOCUMENT (self));
  g_return_if_fail (label != NULL);

  old = pl_label_table_lookup (self->table, label->value);
  /* Translators: undo steps; %s is a label name */
  if (old == NULL)
    name = g_strdup_printf (_("Add “%s”"), label->name ? label->name : "");
  else if (g_strcmp0 (old->name, label->name) != 0)
    name = g_strdup_printf (_("Rename “%s”"), old->name);
  else if (memcmp (old->rgb, label->rgb, 3) != 0)
    name = g_strdup_printf (_("Recolour “%s”"), old->name);
  if (name && self->volume)
    before = pl_label_table_copy (self->table);
  pl_label_table_set (self->table, label);
  self->table_generic = FALSE;
  if (before)
    {
      PlEdit *edit = pel_document_begin_edit (self);
      pl_edit_set_tables (edit, before, self->table);
      pel_document_end_edit (self, edit, name);
    }
  pel_document_table_changed (self);
}

/* In place: the table's address stays what pel_document_get_label_table()
 * returned. */
void
pel_document_assign_table (PlLabelTable       *table,
                           const PlLabelTable *from)
{
  while (pl_label_table_get_n (table) > 0)
    pl_label_table_remove (table, pl_label_table_get_nth (table, 0)->value);
  for (guint i = 0; i < pl_label_table_get_n (from); i++)
    pl_label_table_set (table, pl_label_table_get_nth ((PlLabelTable *) from, i));
  /* and the pairs the user set */
  for (guint i = 0; i < pl_label_table_get_n (from); i++)
    {
      guint16 v = pl_label_table_get_nth ((PlLabelTable *) from, i)->value;
      guint16 partner = v ? pl_label_table_get_user_partner (from, v) : 0;

      if (partner > v)
        pl_label_table_set_partner (table, v, partner);
    }
}

void
pel_document_restore_table (PelDocument        *self,
                            const PlLabelTable *table)
{
  pel_document_assign_table (self->table, table);
  self->table_generic = FALSE;
  pel_document_table_changed (self);
}

void
pel_document_set_label_partner (PelDocument *self,
                                guint16      a,
                                guint16      b)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  g_return_if_fail (a != 0 && a != b);
  pl_label_table_set_partner (self->table, a, b);
  pel_document_table_changed (self);
}

guint
pel_document_add_missing_labels (PelDocument   *self,
                                 int            n,
                                 const guint16 *values,
                                 char *const   *names)
{
  const guint32 *lut;
  guint added = 0;

  g_return_val_if_fail (PEL_IS_DOCUMENT (self), 0);
  lut = pel_document_get_label_lut (self);
  for (int c = 0; c < n; c++)
    if (pl_label_table_lookup (self->table, values[c]) == NULL && names && names[c] && *names[c])
      {
        guint32 rgb = lut[values[c]];
        PlLabel l = { values[c], names[c],
                      { (rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff },
                      1.0f, TRUE, TRUE, FALSE };
        pl_label_table_set (self->table, &l);
        added++;
      }
  if (added > 0)
    {
      self->table_generic = FALSE;
      pel_document_table_changed (self);
    }
  return added;
}

void
pel_document_remove_label (PelDocument *self,
                           guint16      value)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  g_return_if_fail (value != 0);

  if (self->store->labels != NULL && self->volume != NULL)
    {
      PlEdit *edit = pel_document_begin_edit (self);
      gsize n = pl_labels_n_voxels (self->store->labels);
      g_autofree char *name = NULL;
      g_autoptr (PlLabelTable) before = pl_label_table_copy (self->table);
      PlLabel *l = pl_label_table_lookup (self->table, value);
      PlBox box;

      /* Translators: an undo step; %s is a label name. */
      name = g_strdup_printf (_("Remove “%s”"), l ? l->name : "");
      g_mutex_lock (&self->store->lock);
      for (gsize i = 0; i < n; i++)
        if (self->store->labels->data[i] == value)
          {
            self->store->labels->data[i] = 0;
            pl_edit_record (edit, i, value, 0);
          }
      pl_edit_get_box (edit, &box);
      if (!pl_box_is_empty (&box))
        pel_document_bump_generations (self, &box);
      g_mutex_unlock (&self->store->lock);
      /* the voxels and the entry come back together */
      pl_label_table_remove (self->table, value);
      pl_edit_set_tables (edit, before, self->table);
      pel_document_end_edit (self, edit, name);
      if (!pl_box_is_empty (&box))
        pel_document_labels_changed (self, &box);
    }
  else
    pl_label_table_remove (self->table, value);
  self->table_generic = FALSE;
  pel_document_table_changed (self);
}

const guint32 *
pel_document_get_label_lut (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), NULL);
  return self->label_lut;
}

void
pel_document_init_rule (PelDocument *self,
                        PlPaintRule *rule,
                        guint16      value,
                        PlPaintOver  over,
                        guint16      over_label)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  pl_paint_rule_init (rule, value, over, over_label);
  for (guint i = 0; i < pl_label_table_get_n (self->table); i++)
    {
      const PlLabel *l = pl_label_table_get_nth (self->table, i);
      if (l->locked)
        pl_paint_rule_set_locked (rule, l->value, TRUE);
    }
}
