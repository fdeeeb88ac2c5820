/* PelDocument autosave: every `autosave-interval` seconds while the labels
 * have unsaved changes, a snapshot is written to the recovery folder on a
 * worker thread (pel-recovery.h). */
#define G_LOG_DOMAIN "pel-document"

#include "src/pel-document-private.h"
#include "src/pel-recovery.h"

typedef struct
{
  char         *dir;
  char         *volume_path;
  char         *labels_path;
  PelVolumeRef *volume;
  PelLabelStore *store;
  PlLabelTable *table;
  guint64       state_id;      /* at the request; the copy may hold more */
} AutosaveData;

static void
autosave_data_free (gpointer p)
{
  AutosaveData *d = p;

  g_free (d->dir);
  g_free (d->volume_path);
  g_free (d->labels_path);
  g_clear_pointer (&d->volume, pel_volume_ref_unref);
  g_clear_pointer (&d->store, pel_label_store_unref);
  g_clear_pointer (&d->table, pl_label_table_free);
  g_free (d);
}

void
pel_document_set_recovery_dir (PelDocument *self,
                               const char  *dir)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  g_free (self->recovery_dir);
  self->recovery_dir = g_strdup (dir);
}

const char *
pel_document_get_recovery_dir (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), NULL);
  if (self->recovery_dir == NULL)
    self->recovery_dir = pel_recovery_default_dir ();
  return self->recovery_dir;
}

static void
autosave_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  AutosaveData *d = task_data;
  g_autoptr (PlLabels) labels = NULL;
  GError *error = NULL;
  gboolean ok;
  gint64 copied;

  /* Copied here rather than on the main thread: for a 300³ volume the copy
   * alone stalled the window for 60 ms. */
  pel_label_store_lock_writers (d->store);
  labels = pel_label_store_copy (d->store, d->volume, pel_volume_ref_get (d->volume)->dim, &copied);
  if (labels == NULL)
    {
      pel_label_store_unlock_writers (d->store);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Another image was opened");
      return;
    }
  ok = pel_recovery_write (d->dir, d->volume_path, d->labels_path, pel_volume_ref_get (d->volume),
                           labels, d->table, copied, &error);
  pel_label_store_unlock_writers (d->store);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
pel_document_autosave_async (PelDocument         *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  AutosaveData *d;

  g_return_if_fail (PEL_IS_DOCUMENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pel_document_autosave_async);
  if (self->volume == NULL || self->volume->path == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "Only volumes read from a file can be recovered");
      return;
    }

  /* The worker copies the labels under the lock, one consistent state;
   * painting may go on meanwhile. */
  d = g_new0 (AutosaveData, 1);
  d->dir = g_strdup (pel_document_get_recovery_dir (self));
  d->volume_path = g_strdup (self->volume->path);
  d->labels_path = g_strdup (self->labels_path);
  d->volume = pel_volume_ref_ref (self->volume_ref);
  d->store = pel_label_store_ref (self->store);
  d->table = pl_label_table_copy (self->table);
  d->state_id = pl_undo_get_state_id (self->undo);
  g_task_set_task_data (task, d, autosave_data_free);
  g_task_run_in_thread (task, autosave_thread);
}

gboolean
pel_document_autosave_finish (PelDocument   *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
autosave_done (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  PelDocument *self = PEL_DOCUMENT (object);
  AutosaveData *d = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;

  self->autosave_running = FALSE;
  if (pel_document_autosave_finish (self, result, &error))
    {
      self->autosaved_state_id = d->state_id;
      pel_document_emit_autosave (self, PEL_AUTOSAVE_DONE, d->state_id, NULL);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_message ("Autosave failed: %s", error->message);
      pel_document_emit_autosave (self, PEL_AUTOSAVE_FAILED, 0, error->message);
    }
}

static gboolean
autosave_tick (gpointer user_data)
{
  PelDocument *self = user_data;

  if (!self->dirty)
    {
      self->autosave_source = 0;
      return G_SOURCE_REMOVE;
    }
  if (!self->autosave_running && pl_undo_get_state_id (self->undo) != self->autosaved_state_id)
    {
      self->autosave_running = TRUE;
      g_clear_object (&self->autosave_cancellable);
      self->autosave_cancellable = g_cancellable_new ();
      pel_document_autosave_async (self, self->autosave_cancellable, autosave_done, NULL);
      pel_document_emit_autosave (self, PEL_AUTOSAVE_STARTED, pl_undo_get_state_id (self->undo), NULL);
    }
  return G_SOURCE_CONTINUE;
}

void
pel_document_reschedule_autosave (PelDocument *self)
{
  if ((self->autosave_interval == 0 && self->autosave_interval_ms == 0)
      || self->volume == NULL || self->volume->path == NULL)
    return;
  if (self->dirty && self->autosave_source == 0)
    self->autosave_source = self->autosave_interval_ms > 0
                            ? g_timeout_add (self->autosave_interval_ms, autosave_tick, self)
                            : g_timeout_add_seconds (self->autosave_interval, autosave_tick, self);
}

void
pel_document_set_autosave_interval_ms (PelDocument *self,
                                       guint        ms)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  if (self->autosave_interval_ms == ms)
    return;
  self->autosave_interval_ms = ms;
  g_clear_handle_id (&self->autosave_source, g_source_remove);
  pel_document_reschedule_autosave (self);
  pel_document_notify (self, PROP_AUTOSAVE_INTERVAL_MS);
}


void
pel_document_stop_autosave (PelDocument *self)
{
  g_clear_handle_id (&self->autosave_source, g_source_remove);
  if (self->autosave_cancellable)
    g_cancellable_cancel (self->autosave_cancellable);
  g_clear_object (&self->autosave_cancellable);
}

void
pel_document_discard_recovery (PelDocument *self)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  if (self->volume && self->volume->path)
    pel_recovery_discard (pel_document_get_recovery_dir (self), self->volume->path);
}
