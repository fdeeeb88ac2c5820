/* PelWindow: opening and saving files as jobs, the dialogs around them,
 * drag and drop, and the offer to restore a recovery file. */
#define G_LOG_DOMAIN "pel-window"

#include "src/pel-window-private.h"

#include <glib/gi18n.h>
#include <string.h>

#include "src/pel-recovery.h"
#include "src/pel-settings.h"

/* What to do once the current labels are saved (or discarded). */
typedef void (*Continuation) (PelWindow *self,
                              gpointer   data);

typedef struct
{
  Continuation   func;
  gpointer       data;
  GDestroyNotify free;
} Pending;

static void
pending_free (gpointer p)
{
  Pending *pending = p;
  if (pending->free)
    pending->free (pending->data);
  g_free (pending);
}

static void
set_pending (PelWindow     *self,
             Continuation   func,
             gpointer       data,
             GDestroyNotify free_func)
{
  Pending *pending = NULL;

  if (func)
    {
      pending = g_new0 (Pending, 1);
      pending->func = func;
      pending->data = data;
      pending->free = free_func;
    }
  g_object_set_data_full (G_OBJECT (self), "pel-pending", pending, pending_free);
}

static void
run_pending (PelWindow *self)
{
  Pending *pending = g_object_steal_data (G_OBJECT (self), "pel-pending");

  if (pending)
    {
      pending->func (self, pending->data);
      pending_free (pending);
    }
}

/* ---- dialogs -------------------------------------------------------------- */

void
pel_window_show_error (PelWindow    *self,
                       const char   *primary,
                       const GError *error)
{
  GtkWidget *dialog;

  g_return_if_fail (PEL_IS_WINDOW (self));
  if (error && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  dialog = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE, "%s", primary);
  if (error)
    gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", error->message);
  g_signal_connect (dialog, "response", G_CALLBACK (gtk_window_destroy), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
}

static GtkFileFilter *
nifti_filter (void)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("NIfTI images"));
  gtk_file_filter_add_pattern (filter, "*.nii");
  gtk_file_filter_add_pattern (filter, "*.nii.gz");
  gtk_file_filter_add_pattern (filter, "*.hdr");
  gtk_file_filter_add_pattern (filter, "*.hdr.gz");
  gtk_file_filter_add_pattern (filter, "*.img");
  gtk_file_filter_add_pattern (filter, "*.img.gz");
  return filter;
}

static GtkFileFilter *
all_filter (void)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("All files"));
  gtk_file_filter_add_pattern (filter, "*");
  return filter;
}

typedef void (*ChosenFunc) (PelWindow *self,
                            GFile     *file);

static void
on_chooser_response (GtkNativeDialog *native,
                     int              response,
                     PelWindow       *self)
{
  ChosenFunc func = g_object_get_data (G_OBJECT (native), "pel-chosen");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      if (file)
        func (self, file);
    }
  else
    set_pending (self, NULL, NULL, NULL);
  g_object_unref (native);
}

static void
choose_file (PelWindow            *self,
             const char           *title,
             GtkFileChooserAction  action,
             const char           *accept,
             GtkFileFilter        *filter,
             const char           *current_name,
             const char           *current_path,
             ChosenFunc            func)
{
  GtkFileChooserNative *native = gtk_file_chooser_native_new (title, GTK_WINDOW (self), action, accept, NULL);

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  if (filter)
    gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), all_filter ());
  if (current_path)
    {
      g_autoptr (GFile) file = g_file_new_for_path (current_path);
      g_autoptr (GFile) folder = g_file_get_parent (file);
      if (folder)
        gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (native), folder, NULL);
    }
  if (current_name)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), current_name);
  g_object_set_data (G_OBJECT (native), "pel-chosen", func);
  g_signal_connect (native, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/* Unsaved changes: Save, Discard or Cancel, then `next` unless cancelled. */
static void
on_unsaved_response (GtkDialog *dialog,
                     int        response,
                     PelWindow *self)
{
  gtk_window_destroy (GTK_WINDOW (dialog));
  switch (response)
    {
    case GTK_RESPONSE_ACCEPT:
      if (pel_document_get_labels_path (self->document))
        pel_window_save (self, NULL);
      else
        pel_window_choose_save_path (self);
      break;
    case GTK_RESPONSE_REJECT:
      pel_document_discard_recovery (self->document);
      run_pending (self);
      break;
    default:
      set_pending (self, NULL, NULL, NULL);
      self->closing = FALSE;
    }
}

static void
ask_to_save (PelWindow  *self,
             const char *question)
{
  GtkWidget *dialog;

  dialog = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE, "%s", question);
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s",
                                            _("The segmentation has changes that are not saved. "
                                              "They will be lost unless you save them."));
  gtk_dialog_add_buttons (GTK_DIALOG (dialog),
                          _("_Discard"), GTK_RESPONSE_REJECT,
                          _("_Cancel"), GTK_RESPONSE_CANCEL,
                          _("_Save"), GTK_RESPONSE_ACCEPT,
                          NULL);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
  g_signal_connect (dialog, "response", G_CALLBACK (on_unsaved_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Runs next now when nothing is unsaved, else after the user's answer. */
static void
when_saved (PelWindow     *self,
            const char    *question,
            Continuation   next,
            gpointer       data,
            GDestroyNotify free_func)
{
  set_pending (self, next, data, free_func);
  if (!pel_document_get_dirty (self->document))
    run_pending (self);
  else
    ask_to_save (self, question);
}

static void
close_now (PelWindow *self,
           gpointer   data)
{
  self->closing = TRUE;
  gtk_window_close (GTK_WINDOW (self));
}

gboolean
pel_window_confirm_close (PelWindow *self)
{
  if (self->closing || !pel_document_get_dirty (self->document))
    {
      if (!pel_document_get_dirty (self->document))
        pel_document_discard_recovery (self->document);
      return TRUE;
    }
  when_saved (self, _("Save changes to the segmentation before closing?"), close_now, NULL, NULL);
  return FALSE;
}

/* ---- jobs ----------------------------------------------------------------- */

gboolean
pel_window_job_running (PelWindow *self)
{
  return self->job != NULL && pel_job_get_running (self->job);
}

static void
on_job_running (PelWindow *self)
{
  gtk_widget_set_visible (self->job_box, pel_window_job_running (self));
  pel_window_update_actions (self);
}

static void
on_job_fraction (PelWindow *self)
{
  double f = pel_job_get_fraction (self->job);

  if (f < 0)
    gtk_progress_bar_pulse (self->job_progress);
  else
    gtk_progress_bar_set_fraction (self->job_progress, f);
}

static void
on_job_message (PelWindow *self)
{
  const char *message = pel_job_get_message (self->job);
  double left = pel_job_get_time_left (self->job);
  g_autofree char *text = NULL;

  if (left >= 1.0)
    /* Translators: job title or message, then an estimate of time left */
    text = g_strdup_printf (_("%s — about %.0f s left"), message ? message : pel_job_get_title (self->job), left);
  else
    text = g_strdup (message ? message : pel_job_get_title (self->job));
  gtk_label_set_text (self->job_label, text);
}

static void
start_job (PelWindow           *self,
           const char          *title,
           PelJobFunc           func,
           gpointer             data,
           GDestroyNotify       data_free,
           GDestroyNotify       result_free,
           GAsyncReadyCallback  callback)
{
  if (self->job)
    g_signal_handlers_disconnect_by_data (self->job, self);
  g_clear_object (&self->job);
  self->job = pel_job_new (title);
  g_signal_connect_swapped (self->job, "notify::running", G_CALLBACK (on_job_running), self);
  g_signal_connect_swapped (self->job, "notify::fraction", G_CALLBACK (on_job_fraction), self);
  g_signal_connect_swapped (self->job, "notify::message", G_CALLBACK (on_job_message), self);
  g_signal_connect_swapped (self->job, "notify::time-left", G_CALLBACK (on_job_message), self);
  gtk_progress_bar_set_fraction (self->job_progress, 0.0);
  gtk_label_set_text (self->job_label, title);
  /* The window is kept alive until the job reports back. */
  pel_job_run_async (self->job, func, data, data_free, result_free, self->cancellable,
                     callback, g_object_ref (self));
}

/* ---- opening an image ----------------------------------------------------- */

typedef struct
{
  char *image;
  char *segmentation;
  char *description;
  char *recovery_dir;
} LoadRequest;

typedef struct
{
  PlVolume     *volume;
  float         lo, hi;
  PlLabels     *labels;
  GError       *labels_error;
  PlLabelTable *table;
  GError       *table_error;
  PelRecovery  *recovery;
} LoadResult;

static void
load_request_free (gpointer p)
{
  LoadRequest *r = p;
  g_free (r->image);
  g_free (r->segmentation);
  g_free (r->description);
  g_free (r->recovery_dir);
  g_free (r);
}

static void
load_result_free (gpointer p)
{
  LoadResult *r = p;
  g_clear_pointer (&r->volume, pl_volume_free);
  g_clear_pointer (&r->labels, pl_labels_free);
  g_clear_error (&r->labels_error);
  g_clear_pointer (&r->table, pl_label_table_free);
  g_clear_error (&r->table_error);
  g_clear_pointer (&r->recovery, pel_recovery_free);
  g_free (r);
}

/* Worker thread. */
static gpointer
load_func (gpointer          data,
           const PlProgress *progress,
           GError          **error)
{
  LoadRequest *req = data;
  LoadResult *res;
  PlVolume *volume;

  volume = pl_volume_load (req->image, 0, progress, error);
  if (volume == NULL)
    return NULL;
  res = g_new0 (LoadResult, 1);
  res->volume = volume;
  pl_progress_report (progress, -1.0, _("Computing intensity percentiles"));
  pl_volume_percentiles (volume, 1.0, 99.0, &res->lo, &res->hi);
  if (req->segmentation)
    {
      pl_progress_report (progress, -1.0, _("Reading the segmentation"));
      res->labels = pl_labels_load (req->segmentation, volume, &res->labels_error);
    }
  if (req->description)
    res->table = pl_label_table_load (req->description, &res->table_error);
  res->recovery = pel_recovery_find (req->recovery_dir, req->image);
  return res;
}

static void
offer_recovery (PelWindow   *self,
                PelRecovery *recovery);

static void
load_done (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (PelWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  LoadResult *res = pel_job_run_finish (PEL_JOB (object), result, &error);
  g_autofree char *preset = NULL;
  g_autofree char *uri = NULL;
  PlVolume *volume;

  if (res == NULL)
    {
      pel_window_show_error (self, _("Could not open the image"), error);
      return;
    }

  volume = g_steal_pointer (&res->volume);
  pel_document_set_volume_with_window (self->document, volume, res->lo, res->hi);

  /* CT presets make sense only for Hounsfield units (air is about -1000). */
  g_object_get (pel_settings_get_default (), "last-preset", &preset, NULL);
  if (g_str_has_prefix (preset, "ct-") && volume->min > -500.0f)
    pel_window_apply_preset (self, "auto");
  else
    pel_window_apply_preset (self, preset);

  if (volume->path)
    {
      uri = g_filename_to_uri (volume->path, NULL, NULL);
      if (uri)
        gtk_recent_manager_add_item (gtk_recent_manager_get_default (), uri);
    }
  if (volume->n_nonfinite > 0)
    {
      g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, volume->n_nonfinite);
      g_autofree char *text =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "%s voxel of this image is not a number (NaN or infinite); it is shown as 0.",
                                      "%s voxels of this image are not numbers (NaN or infinite); they are shown as 0.",
                                      (unsigned long) volume->n_nonfinite),
                         number);
      pel_window_show_notice (self, GTK_MESSAGE_WARNING, text);
    }
  if (res->table)
    pel_document_set_label_table (self->document, g_steal_pointer (&res->table));
  else if (res->table_error)
    pel_window_show_error (self, _("Could not read the label descriptions"), res->table_error);
  if (res->labels)
    pel_document_load_labels (self->document, g_steal_pointer (&res->labels), g_object_get_data (object, "pel-seg"));
  else if (res->labels_error)
    pel_window_show_error (self, _("Could not open the segmentation"), res->labels_error);
  if (res->recovery)
    offer_recovery (self, g_steal_pointer (&res->recovery));
  load_result_free (res);
}

typedef struct
{
  GFile *image, *segmentation, *description;
} OpenArgs;

static void
open_args_free (gpointer p)
{
  OpenArgs *a = p;
  g_clear_object (&a->image);
  g_clear_object (&a->segmentation);
  g_clear_object (&a->description);
  g_free (a);
}

static void
open_now (PelWindow *self,
          gpointer   data)
{
  OpenArgs *args = data;
  LoadRequest *req = g_new0 (LoadRequest, 1);
  g_autofree char *name = g_file_get_basename (args->image);
  g_autofree char *title = g_strdup_printf (_("Opening %s"), name);

  req->image = g_file_get_path (args->image);
  req->segmentation = args->segmentation ? g_file_get_path (args->segmentation) : NULL;
  req->description = args->description ? g_file_get_path (args->description) : NULL;
  req->recovery_dir = g_strdup (pel_document_get_recovery_dir (self->document));
  if (req->image == NULL)
    {
      g_autoptr (GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                              _("%s is not a local file"), name);
      load_request_free (req);
      pel_window_show_error (self, _("Could not open the image"), error);
      return;
    }
  start_job (self, title, load_func, req, load_request_free, load_result_free, load_done);
  g_object_set_data_full (G_OBJECT (self->job), "pel-seg", g_strdup (req->segmentation), g_free);
}

void
pel_window_open (PelWindow *self,
                 GFile     *image,
                 GFile     *segmentation,
                 GFile     *label_description)
{
  OpenArgs *args;

  g_return_if_fail (PEL_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (image));

  if (pel_window_job_running (self))
    {
      pel_window_show_notice (self, GTK_MESSAGE_INFO, _("Please wait until the current file operation has finished."));
      return;
    }
  args = g_new0 (OpenArgs, 1);
  args->image = g_object_ref (image);
  args->segmentation = segmentation ? g_object_ref (segmentation) : NULL;
  args->description = label_description ? g_object_ref (label_description) : NULL;
  when_saved (self, _("Save changes to the segmentation before opening another image?"),
              open_now, args, open_args_free);
}

static void
image_chosen (PelWindow *self,
              GFile     *file)
{
  pel_window_open (self, file, NULL, NULL);
}

void
pel_window_choose_image (PelWindow *self)
{
  choose_file (self, _("Open Image"), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), nifti_filter (),
               NULL, pel_document_get_volume_path (self->document), image_chosen);
}

/* ---- segmentation --------------------------------------------------------- */

typedef struct
{
  PelVolumeRef *reference;
  char         *path;
} LabelsRequest;

static void
labels_request_free (gpointer p)
{
  LabelsRequest *r = p;
  g_clear_pointer (&r->reference, pel_volume_ref_unref);
  g_free (r->path);
  g_free (r);
}

static gpointer
labels_load_func (gpointer          data,
                  const PlProgress *progress,
                  GError          **error)
{
  LabelsRequest *req = data;

  pl_progress_report (progress, -1.0, NULL);
  return pl_labels_load (req->path, pel_volume_ref_get (req->reference), error);
}

static void
labels_load_done (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (PelWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  PlLabels *labels = pel_job_run_finish (PEL_JOB (object), result, &error);
  const char *path = g_object_get_data (object, "pel-path");

  if (labels == NULL)
    {
      pel_window_show_error (self, _("Could not open the segmentation"), error);
      return;
    }
  if (pel_document_get_volume (self->document) == NULL)
    {
      pl_labels_free (labels);
      return;
    }
  pel_document_load_labels (self->document, labels, path);
}

static void
open_segmentation_now (PelWindow *self,
                       gpointer   data)
{
  GFile *file = data;
  LabelsRequest *req;
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *title = g_strdup_printf (_("Opening %s"), name);

  req = g_new0 (LabelsRequest, 1);
  req->reference = pel_document_ref_volume (self->document);
  req->path = g_file_get_path (file);
  if (req->reference == NULL || req->path == NULL)
    {
      labels_request_free (req);
      return;
    }
  start_job (self, title, labels_load_func, req, labels_request_free, (GDestroyNotify) pl_labels_free,
             labels_load_done);
  g_object_set_data_full (G_OBJECT (self->job), "pel-path", g_strdup (req->path), g_free);
}

void
pel_window_open_segmentation (PelWindow *self,
                              GFile     *file)
{
  g_return_if_fail (PEL_IS_WINDOW (self));
  if (!pel_document_has_volume (self->document) || pel_window_job_running (self))
    return;
  when_saved (self, _("Save changes to the segmentation before opening another one?"),
              open_segmentation_now, g_object_ref (file), g_object_unref);
}

static void
segmentation_chosen (PelWindow *self,
                     GFile     *file)
{
  pel_window_open_segmentation (self, file);
}

void
pel_window_choose_segmentation (PelWindow *self)
{
  const char *path = pel_document_get_labels_path (self->document);

  choose_file (self, _("Open Segmentation"), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), nifti_filter (),
               NULL, path ? path : pel_document_get_volume_path (self->document), segmentation_chosen);
}

/* ---- saving --------------------------------------------------------------- */

typedef struct
{
  PelVolumeRef *reference;
  PlLabels     *labels;
  char         *path;
  guint64       state_id;
} SaveRequest;

static void
save_request_free (gpointer p)
{
  SaveRequest *r = p;
  g_clear_pointer (&r->reference, pel_volume_ref_unref);
  g_clear_pointer (&r->labels, pl_labels_free);
  g_free (r->path);
  g_free (r);
}

static gpointer
save_func (gpointer          data,
           const PlProgress *progress,
           GError          **error)
{
  SaveRequest *req = data;

  pl_progress_report (progress, -1.0, NULL);
  if (!pl_labels_save (req->labels, pel_volume_ref_get (req->reference), req->path, error))
    return NULL;
  return GINT_TO_POINTER (1);
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
      set_pending (self, NULL, NULL, NULL);
      self->closing = FALSE;
      pel_window_show_error (self, _("Could not save the segmentation"), error);
      return;
    }
  pel_document_mark_saved (self->document, req->state_id, req->path);
  if (!pel_document_get_dirty (self->document))
    pel_document_discard_recovery (self->document);
  run_pending (self);
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
  req->reference = pel_document_ref_volume (self->document);
  /* The snapshot is what gets saved; painting may continue meanwhile and
   * leaves the document dirty again. */
  req->labels = pel_document_snapshot_labels (self->document, NULL);
  req->state_id = pel_document_get_state_id (self->document);
  name = g_path_get_basename (req->path);
  title = g_strdup_printf (_("Saving %s"), name);
  start_job (self, title, save_func, req, NULL, NULL, save_done);
  /* The request outlives the job's task data: the callback needs it. */
  g_object_set_data_full (G_OBJECT (self->job), "pel-request", req, save_request_free);
}

static void
save_path_chosen (PelWindow *self,
                  GFile     *file)
{
  pel_window_save (self, file);
}

void
pel_window_choose_save_path (PelWindow *self)
{
  const char *labels = pel_document_get_labels_path (self->document);
  const char *volume = pel_document_get_volume_path (self->document);
  g_autofree char *name = NULL;

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
  choose_file (self, _("Save Segmentation"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), nifti_filter (),
               name ? name : "labels.nii.gz", labels ? labels : volume, save_path_chosen);
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
  choose_file (self, _("Import Label Descriptions"), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), filter,
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
  choose_file (self, _("Export Label Descriptions"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), NULL,
               "labels.txt", pel_document_get_labels_path (self->document), export_chosen);
}

/* ---- recovery ------------------------------------------------------------- */

static gpointer
recovery_load_func (gpointer          data,
                    const PlProgress *progress,
                    GError          **error)
{
  LabelsRequest *req = data;
  return pl_labels_load (req->path, pel_volume_ref_get (req->reference), error);
}

static void
recovery_load_done (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr (PelWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  PlLabels *labels = pel_job_run_finish (PEL_JOB (object), result, &error);
  PelRecovery *recovery = g_object_get_data (object, "pel-recovery");

  if (labels == NULL)
    {
      pel_window_show_error (self, _("Could not restore the unsaved segmentation"), error);
      return;
    }
  if (g_file_test (recovery->table_file, G_FILE_TEST_EXISTS))
    {
      PlLabelTable *table = pl_label_table_load (recovery->table_file, NULL);
      if (table)
        pel_document_set_label_table (self->document, table);
    }
  pel_document_restore_labels (self->document, labels, recovery->labels_path);
  pel_window_show_notice (self, GTK_MESSAGE_INFO,
                          _("The unsaved segmentation was restored. Save it to keep it."));
}

static void
on_recovery_response (GtkDialog *dialog,
                      int        response,
                      PelWindow *self)
{
  PelRecovery *recovery = g_object_steal_data (G_OBJECT (dialog), "pel-recovery");
  const char *volume = pel_document_get_volume_path (self->document);
  g_autofree char *canonical = volume ? g_canonicalize_filename (volume, NULL) : NULL;

  gtk_window_destroy (GTK_WINDOW (dialog));
  if (canonical == NULL || g_strcmp0 (recovery->volume_path, canonical) != 0)
    ; /* another image was opened meanwhile */
  else if (response == GTK_RESPONSE_ACCEPT)
    {
      LabelsRequest *req = g_new0 (LabelsRequest, 1);
      req->reference = pel_document_ref_volume (self->document);
      req->path = g_strdup (recovery->labels_file);
      start_job (self, _("Restoring the unsaved segmentation"), recovery_load_func, req,
                 labels_request_free, (GDestroyNotify) pl_labels_free, recovery_load_done);
      g_object_set_data_full (G_OBJECT (self->job), "pel-recovery", g_steal_pointer (&recovery),
                              (GDestroyNotify) pel_recovery_free);
    }
  else if (response == GTK_RESPONSE_REJECT)
    pel_document_discard_recovery (self->document);
  pel_recovery_free (recovery);
}

static void
offer_recovery (PelWindow   *self,
                PelRecovery *recovery)
{
  g_autoptr (GDateTime) when = g_date_time_new_from_unix_local (recovery->time);
  g_autofree char *time = when ? g_date_time_format (when, "%x %X") : g_strdup ("?");
  GtkWidget *dialog;

  dialog = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
                                   "%s", _("Restore unsaved painting?"));
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog),
                                            _("Pellucid kept a copy of a segmentation of this image that was "
                                              "not saved (last written %s). Restore it, or discard it for good?"),
                                            time);
  gtk_dialog_add_buttons (GTK_DIALOG (dialog),
                          _("_Discard"), GTK_RESPONSE_REJECT,
                          _("_Later"), GTK_RESPONSE_CANCEL,
                          _("_Restore"), GTK_RESPONSE_ACCEPT,
                          NULL);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
  g_object_set_data_full (G_OBJECT (dialog), "pel-recovery", recovery, (GDestroyNotify) pel_recovery_free);
  g_signal_connect (dialog, "response", G_CALLBACK (on_recovery_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- drag and drop -------------------------------------------------------- */

static void
on_drop_response (GtkDialog *dialog,
                  int        response,
                  PelWindow *self)
{
  GFile *file = g_object_get_data (G_OBJECT (dialog), "pel-file");

  if (response == 1)
    pel_window_open (self, file, NULL, NULL);
  else if (response == 2)
    pel_window_open_segmentation (self, file);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         PelWindow     *self)
{
  GSList *files = g_value_get_boxed (value);
  GFile *file;
  GtkWidget *dialog;
  g_autofree char *name = NULL;

  if (files == NULL)
    return FALSE;
  file = files->data;
  if (!pel_document_has_volume (self->document))
    {
      pel_window_open (self, file, NULL, NULL);
      return TRUE;
    }
  /* As ITK-SNAP does: ask what a file dropped on an open image is. */
  name = g_file_get_basename (file);
  dialog = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
                                   _("Open “%s” as…"), name);
  gtk_dialog_add_buttons (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL,
                          _("_Segmentation"), 2, _("_Image"), 1, NULL);
  g_object_set_data_full (G_OBJECT (dialog), "pel-file", g_object_ref (file), g_object_unref);
  g_signal_connect (dialog, "response", G_CALLBACK (on_drop_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

void
pel_window_init_files (PelWindow *self)
{
  GtkDropTarget *target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);

  g_signal_connect (target, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self->main_stack), GTK_EVENT_CONTROLLER (target));
}
