/* PelWindow: saving segmentations as jobs; label descriptions. */
#define G_LOG_DOMAIN "pel-window"

#include "src/pel-window-private.h"

#include <glib/gi18n.h>
#include <string.h>

#include "engine/data/measure.h"
#include "src/pel-recovery.h"
#include "src/pel-settings.h"

/* ---- saving --------------------------------------------------------------- */

typedef struct
{
  PelLabelStore *store;
  PelVolumeRef *reference;
  char         *path;
  guint64       state_id;   /* at the request; the copy may hold more */
  char         *recovery_dir;
  char         *volume_path;
} SaveRequest;

static void
save_request_free (gpointer p)
{
  SaveRequest *r = p;
  g_clear_pointer (&r->store, pel_label_store_unref);
  g_clear_pointer (&r->reference, pel_volume_ref_unref);
  g_free (r->path);
  g_free (r->recovery_dir);
  g_free (r->volume_path);
  g_free (r);
}

static gpointer
save_func (gpointer          data,
           const PlProgress *progress,
           GError          **error)
{
  SaveRequest *req = data;
  g_autoptr (PlLabels) labels = NULL;
  gboolean ok;

  pl_progress_report (progress, -1.0, NULL);
  /* Copied here rather than on the main thread (60 ms for a 300³ volume);
   * see pel_label_store_lock_writers() for the lock. */
  pel_label_store_lock_writers (req->store);
  labels = pel_label_store_copy (req->store, req->reference, pel_volume_ref_get (req->reference)->dim, NULL);
  if (labels == NULL)
    {
      pel_label_store_unlock_writers (req->store);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           _("Another image was opened before the segmentation was saved"));
      return NULL;
    }
  ok = pl_labels_save (labels, pel_volume_ref_get (req->reference), req->path, error);
  /* Autosaves hold the same lock, so any recovery on disk copied its labels
   * before this save did: the saved file supersedes it.  Left in place, it
   * would be offered on the next start whenever it cannot tell it is older
   * (written before the first save, or naming another file before a Save
   * As) and give back less than was saved.  Painting since this copy goes
   * into the next autosave. */
  if (ok && req->volume_path != NULL)
    pel_recovery_discard (req->recovery_dir, req->volume_path);
  pel_label_store_unlock_writers (req->store);
  return ok ? GINT_TO_POINTER (1) : NULL;
}

static void
save_done (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (PelWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  SaveRequest *req = g_object_get_data (object, "pel-request");

  if (pel_job_run_finish (PEL_JOB (object), result, &error) == NULL)
    {
      pel_window_set_pending (self, NULL, NULL, NULL);
      self->closing = FALSE;
      pel_window_show_error (self, _("Could not save the segmentation"), error);
      return;
    }
  pel_document_mark_saved (self->document, req->state_id, req->path);
  {
    g_autofree char *folder = g_path_get_dirname (req->path);
    g_object_set (pel_settings_get_default (), "last-save-folder", folder, NULL);
  }
  if (!pel_document_get_dirty (self->document))
    pel_document_discard_recovery (self->document);
  pel_window_run_pending (self);
}

void
pel_window_save (PelWindow *self,
                 GFile     *file)
{
  SaveRequest *req;
  g_autofree char *name = NULL;
  g_autofree char *title = NULL;

  g_return_if_fail (PEL_IS_WINDOW (self));
  if (!pel_document_has_volume (self->document) || pel_window_job_running (self))
    return;

  req = g_new0 (SaveRequest, 1);
  req->path = file ? g_file_get_path (file) : g_strdup (pel_document_get_labels_path (self->document));
  if (req->path == NULL)
    {
      save_request_free (req);
      return;
    }
  req->store = pel_document_ref_label_store (self->document);
  req->reference = pel_document_ref_volume (self->document);
  req->recovery_dir = g_strdup (pel_document_get_recovery_dir (self->document));
  req->volume_path = g_strdup (pel_document_get_volume_path (self->document));
  /* The worker copies the labels; painting may continue meanwhile and
   * leaves the document dirty again. */
  req->state_id = pel_document_get_state_id (self->document);
  name = g_path_get_basename (req->path);
  title = g_strdup_printf (_("Saving %s"), name);
  pel_window_start_job (self, title, save_func, req, NULL, NULL, save_done);
  /* The request outlives the job's task data: the callback needs it. */
  g_object_set_data_full (G_OBJECT (self->job), "pel-request", req, save_request_free);
}

void
pel_window_save_then (PelWindow      *self,
                      GFile          *file,
                      PelWindowThen   then,
                      gpointer        data,
                      GDestroyNotify  free_func)
{
  g_return_if_fail (PEL_IS_WINDOW (self));
  pel_window_set_pending (self, then, data, free_func);
  pel_window_save (self, file);
  if (!pel_window_job_running (self))
    pel_window_set_pending (self, NULL, NULL, NULL);   /* it did not start */
}

static void
save_path_chosen (PelWindow *self,
                  GFile     *file)
{
  pel_window_save (self, file);
}

char *
pel_window_get_save_folder (PelWindow *self)
{
  g_autofree char *last = NULL;
  const char *documents = g_get_user_special_dir (G_USER_DIRECTORY_DOCUMENTS);

  g_return_val_if_fail (PEL_IS_WINDOW (self), NULL);
  g_object_get (pel_settings_get_default (), "last-save-folder", &last, NULL);
  if (last && *last && g_file_test (last, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&last);
  if (documents && g_file_test (documents, G_FILE_TEST_IS_DIR))
    return g_strdup (documents);
  return g_strdup (g_get_home_dir ());
}

void
pel_window_choose_save_path (PelWindow *self)
{
  const char *labels = pel_document_get_labels_path (self->document);
  const char *volume = pel_document_get_volume_path (self->document);
  g_autofree char *name = NULL;
  g_autofree char *folder = pel_window_get_save_folder (self);
  g_autofree char *proposed = NULL;

  if (labels)
    name = g_path_get_basename (labels);
  else if (volume)
    {
      g_autofree char *base = g_path_get_basename (volume);
      char *dot = strstr (base, ".nii");
      if (dot == NULL)
        dot = strstr (base, ".hdr");
      if (dot)
        *dot = '\0';
      /* Translators: default file name of a new segmentation; %s is the image's name */
      name = g_strdup_printf (_("%s-labels.nii.gz"), base);
    }
  /* the image's folder is often read-only (a course's data, a package) */
  proposed = g_build_filename (folder, name ? name : "labels.nii.gz", NULL);
  pel_window_choose_file (self, _("Save Segmentation"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), pel_window_nifti_filter (),
               name ? name : "labels.nii.gz", proposed, save_path_chosen);
}

/* ---- label descriptions --------------------------------------------------- */

static void
import_chosen (PelWindow *self,
               GFile     *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autoptr (GError) error = NULL;
  PlLabelTable *table = path ? pl_label_table_load (path, &error) : NULL;

  if (table == NULL)
    {
      pel_window_show_error (self, _("Could not read the label descriptions"), error);
      return;
    }
  pel_document_set_label_table (self->document, table);
}

void
pel_window_import_labels (PelWindow *self)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Label descriptions"));
  gtk_file_filter_add_pattern (filter, "*.txt");
  gtk_file_filter_add_pattern (filter, "*.label");
  pel_window_choose_file (self, _("Import Label Descriptions"), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), filter,
               NULL, pel_document_get_labels_path (self->document), import_chosen);
}

static void
export_chosen (PelWindow *self,
               GFile     *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autoptr (GError) error = NULL;

  if (path == NULL || !pl_label_table_save (pel_document_get_label_table (self->document), path, &error))
    pel_window_show_error (self, _("Could not save the label descriptions"), error);
}

void
pel_window_export_labels (PelWindow *self)
{
  pel_window_choose_file (self, _("Export Label Descriptions"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), NULL,
               "labels.txt", pel_document_get_labels_path (self->document), export_chosen);
}

/* ---- volumes per label ---------------------------------------------------- */

typedef struct
{
  PelLabelStore *store;
  PelVolumeRef  *reference;
  PlLabelTable  *table;
  char          *path;
} VolumesRequest;

static void
volumes_request_free (gpointer p)
{
  VolumesRequest *r = p;
  g_clear_pointer (&r->store, pel_label_store_unref);
  g_clear_pointer (&r->reference, pel_volume_ref_unref);
  g_clear_pointer (&r->table, pl_label_table_free);
  g_free (r->path);
  g_free (r);
}

/* Worker thread: the map is copied (as saving does) and measured here. */
static gpointer
volumes_func (gpointer          data,
              const PlProgress *progress,
              GError          **error)
{
  VolumesRequest *req = data;
  const PlVolume *reference = pel_volume_ref_get (req->reference);
  g_autoptr (PlLabels) labels = NULL;
  g_autofree PlLabelMeasure *measures = NULL;
  guint n = 0;

  pl_progress_report (progress, -1.0, NULL);
  labels = pel_label_store_copy (req->store, req->reference, reference->dim, NULL);
  if (labels == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           _("Another image was opened before the volumes were measured"));
      return NULL;
    }
  measures = pl_labels_measure (labels, reference, &n);
  if (!pl_labels_measure_save_csv (measures, n, req->table, req->path, error))
    return NULL;
  return GINT_TO_POINTER (1);
}

static void
volumes_done (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (PelWindow) self = user_data;
  g_autoptr (GError) error = NULL;

  if (pel_job_run_finish (PEL_JOB (object), result, &error) == NULL)
    pel_window_show_error (self, _("Could not export the label volumes"), error);
}

void
pel_window_export_volumes_to (PelWindow *self,
                              GFile     *file)
{
  VolumesRequest *req;
  g_autofree char *name = NULL;
  g_autofree char *title = NULL;

  g_return_if_fail (PEL_IS_WINDOW (self));
  if (!pel_document_has_volume (self->document))
    return;
  if (pel_window_job_running (self))
    {
      pel_window_show_notice (self, GTK_MESSAGE_INFO, _("Please wait until the current file operation has finished."));
      return;
    }
  req = g_new0 (VolumesRequest, 1);
  req->path = g_file_get_path (file);
  if (req->path == NULL)
    {
      volumes_request_free (req);
      return;
    }
  req->store = pel_document_ref_label_store (self->document);
  req->reference = pel_document_ref_volume (self->document);
  req->table = pl_label_table_copy (pel_document_get_label_table (self->document));
  name = g_path_get_basename (req->path);
  title = g_strdup_printf (_("Measuring label volumes into %s"), name);
  pel_window_start_job (self, title, volumes_func, req, volumes_request_free, NULL, volumes_done);
}

static void
volumes_chosen (PelWindow *self,
                GFile     *file)
{
  pel_window_export_volumes_to (self, file);
}

void
pel_window_export_volumes (PelWindow *self)
{
  g_autofree char *folder = pel_window_get_save_folder (self);
  g_autofree char *proposed = g_build_filename (folder, "label-volumes.csv", NULL);
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("CSV tables"));
  gtk_file_filter_add_pattern (filter, "*.csv");
  pel_window_choose_file (self, _("Export Label Volumes"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), filter,
                          "label-volumes.csv", proposed, volumes_chosen);
}
