/* PelDocument: filling the slices between painted slices of a label
 * (engine/data/interpolate.h) without stalling the window.  See
 * pel_document_interpolate_async() in pel-document.h.
 *
 * As Accept does, the work is planned on a worker and carried out on the
 * main thread: the worker copies the map, interpolates the copy and keeps
 * what it wrote as a plan (voxel, old value, new value); the main thread
 * writes the plan only where a voxel still holds the old value, so a
 * stroke painted meanwhile is kept, and the result is one exact undo
 * step. */
#define G_LOG_DOMAIN "pel-document"

#include "src/pel-document-private.h"

#include <glib/gi18n.h>
#include <string.h>

#include "engine/data/interpolate.h"

typedef struct
{
  PelLabelStore     *store;
  PelVolumeRef      *owner;       /* the volume the plan is for (held, so
                                   * its address is not reused meanwhile) */
  gint64             dim[3];
  int                axis;
  double             spacing[3];
  guint16            value;
  guint8             locked[65536 / 8];
  char              *name;
  PlEdit            *plan;
  PlInterpolateStats stats;
} InterpolateData;

static void
interpolate_data_free (gpointer data)
{
  InterpolateData *d = data;

  pel_label_store_unref (d->store);
  pel_volume_ref_unref (d->owner);
  g_free (d->name);
  g_clear_pointer (&d->plan, pl_edit_free);
  g_free (d);
}

/* Worker thread: sees d only. */
static void
interpolate_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  InterpolateData *d = task_data;
  g_autoptr (PlLabels) copy = pel_label_store_copy (d->store, d->owner, d->dim, NULL);
  PlInterpolateOptions options;
  GError *error = NULL;

  if (copy == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "Another volume was opened before the interpolation");
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  pl_interpolate_options_init (&options, d->axis);
  memcpy (options.spacing, d->spacing, sizeof options.spacing);
  options.only = &d->value;
  options.n_only = 1;
  options.over = PL_PAINT_OVER_UNLABELLED;
  options.locked = d->locked;
  if (!pl_interpolate_slices (copy, &options, d->plan, &d->stats, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
interpolated (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *outer = user_data;
  PelDocument *self = g_task_get_source_object (outer);
  InterpolateData *d = g_task_get_task_data (outer);
  GError *error = NULL;
  gsize changed;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (outer, error);
      g_object_unref (outer);
      return;
    }
  if (self->volume_ref != d->owner || self->store->labels == NULL)
    {
      g_task_return_new_error (outer, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "Another volume was opened before the interpolation");
      g_object_unref (outer);
      return;
    }
  changed = pel_document_carry_out_plan (self, d->plan, d->name, NULL, NULL);
  d->stats.n_changed = changed;
  g_task_return_pointer (outer, g_memdup2 (&d->stats, sizeof d->stats), g_free);
  g_object_unref (outer);
}

void
pel_document_interpolate_async (PelDocument         *self,
                                int                  axis,
                                guint16              value,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *outer;
  g_autoptr (GTask) inner = NULL;
  InterpolateData *d;
  PlPaintRule rule;
  PlLabel *label;

  g_return_if_fail (PEL_IS_DOCUMENT (self));
  g_return_if_fail (axis >= 0 && axis < 3);

  outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (outer, pel_document_interpolate_async);
  if (self->store->labels == NULL || value == 0)
    {
      g_task_return_new_error (outer, PL_ERROR, PL_ERROR_INVALID,
                               value == 0 ? _("Choose a label to interpolate (not the clear label)")
                                          : _("No image is open"));
      g_object_unref (outer);
      return;
    }
  d = g_new0 (InterpolateData, 1);
  d->store = pel_label_store_ref (self->store);
  d->owner = pel_volume_ref_ref (self->volume_ref);
  memcpy (d->dim, self->volume->dim, sizeof d->dim);
  d->axis = axis;
  memcpy (d->spacing, self->volume->pixdim, sizeof d->spacing);
  d->value = value;
  pel_document_init_rule (self, &rule, value, PL_PAINT_OVER_UNLABELLED, 0);
  memcpy (d->locked, rule.locked, sizeof d->locked);
  label = pl_label_table_lookup (self->table, value);
  /* Translators: an undo step; %s is a label name */
  d->name = g_strdup_printf (_("Interpolate “%s”"), label ? label->name : "");
  d->plan = pl_edit_new (self->volume->dim);
  g_task_set_task_data (outer, d, interpolate_data_free);
  inner = g_task_new (NULL, cancellable, interpolated, outer);
  g_task_set_task_data (inner, d, NULL);
  g_task_run_in_thread (inner, interpolate_thread);
}

gboolean
pel_document_interpolate_finish (PelDocument         *self,
                                 GAsyncResult        *result,
                                 PlInterpolateStats  *stats,
                                 GError             **error)
{
  g_autofree PlInterpolateStats *s = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  s = g_task_propagate_pointer (G_TASK (result), error);
  if (s == NULL)
    return FALSE;
  if (stats)
    *stats = *s;
  return TRUE;
}
