/* PelWindow: what file operations share: the pending continuation after
 * "save changes?", file choosers, error dialogs, jobs in the status bar,
 * and drag and drop.  Opening is in pel-window-open.c, saving in
 * pel-window-save.c. */
#define G_LOG_DOMAIN "pel-window"

#include "src/pel-window-private.h"

#include <glib/gi18n.h>

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

void
pel_window_set_pending (PelWindow     *self,
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

void
pel_window_run_pending (PelWindow *self)
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
  {
    g_autofree char *text = error ? g_strdup_printf ("%s: %s", primary, error->message) : g_strdup (primary);
    pel_window_emit_message (self, GTK_MESSAGE_ERROR, text);
  }
}

GtkFileFilter *
pel_window_nifti_filter (void)
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
    pel_window_set_pending (self, NULL, NULL, NULL);
  g_object_unref (native);
}

void
pel_window_choose_file (PelWindow            *self,
                        const char           *title,
                        GtkFileChooserAction  action,
                        const char           *accept,
                        GtkFileFilter        *filter,
                        const char           *current_name,
                        const char           *current_path,
                        ChosenFunc            func)
{
  GtkFileChooserNative *native = gtk_file_chooser_native_new (title, GTK_WINDOW (self), action, accept, NULL);

  g_autoptr (GtkFileFilter) all = all_filter ();

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  /* the chooser takes its own reference; filter is ours (transfer full) */
  if (filter)
    {
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
      g_object_unref (filter);
    }
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), all);
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
      pel_window_run_pending (self);
      break;
    default:
      pel_window_set_pending (self, NULL, NULL, NULL);
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
void
pel_window_when_saved (PelWindow     *self,
                       const char    *question,
                       Continuation   next,
                       gpointer       data,
                       GDestroyNotify free_func)
{
  pel_window_set_pending (self, next, data, free_func);
  if (!pel_document_get_dirty (self->document))
    pel_window_run_pending (self);
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
  pel_window_when_saved (self, _("Save changes to the segmentation before closing?"), close_now, NULL, NULL);
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

void
pel_window_start_job (PelWindow           *self,
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
