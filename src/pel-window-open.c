/* PelWindow: opening images and segmentations as jobs, and restoring
 * unsaved painting found in a recovery file. */
#define G_LOG_DOMAIN "pel-window"

#include "src/pel-window-private.h"

#include <glib/gi18n.h>
#include <string.h>

#include "src/pel-recovery.h"
#include "src/pel-settings.h"

/* ---- opening an image ----------------------------------------------------- */

typedef struct
{
  char *image;
  char *segmentation;
  char *description;
  char *recovery_dir;
  char *preset;        /* the last contrast preset chosen */
} LoadRequest;

typedef struct
{
  PlVolume     *volume;
  float         lo, hi;
  PlLabels     *labels;
  guint8       *present;       /* the values labels holds */
  GError       *labels_error;
  PlLabelTable *table;
  GError       *table_error;
  PelRecovery  *recovery;
  /* the views' first frame, made here rather than on the main thread */
  PelSliceImage *images[3];
} LoadResult;

static void
load_request_free (gpointer p)
{
  LoadRequest *r = p;
  g_free (r->image);
  g_free (r->segmentation);
  g_free (r->description);
  g_free (r->recovery_dir);
  g_free (r->preset);
  g_free (r);
}

static void
load_result_free (gpointer p)
{
  LoadResult *r = p;
  g_clear_pointer (&r->volume, pl_volume_free);
  g_clear_pointer (&r->labels, pl_labels_free);
  g_free (r->present);
  g_clear_error (&r->labels_error);
  g_clear_pointer (&r->table, pl_label_table_free);
  g_clear_error (&r->table_error);
  g_clear_pointer (&r->recovery, pel_recovery_free);
  for (guint i = 0; i < G_N_ELEMENTS (r->images); i++)
    g_clear_pointer (&r->images[i], pel_slice_image_free);
  g_free (r);
}

/* Worker thread: the three views' slices through the centre, where the
 * document puts the cursor, with the window/level the volume will get and
 * an empty label map.  Gathering a sagittal slice of a large volume takes
 * one cache line per pixel (about 10 ms for ch2better); done here, the
 * window's first frame of the volume only paints them. */
static void
prepare_first_frame (LoadRequest *req,
                     LoadResult  *res)
{
  static const PlView views[] = { PL_VIEW_AXIAL, PL_VIEW_CORONAL, PL_VIEW_SAGITTAL };
  const PlVolume *volume = res->volume;
  double auto_window, auto_level, window, level;

  pel_document_auto_window_level (volume, res->lo, res->hi, &auto_window, &auto_level);
  pel_window_preset_window_level (pel_window_preset_for_volume (req->preset, volume), volume,
                                  auto_window, auto_level, &window, &level);
  /* as pel_document_set_window_level() keeps it */
  window = MAX (window, 1e-6);
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      PlSliceFrame frame;
      gint64 centre[3] = { volume->dim[0] / 2, volume->dim[1] / 2, volume->dim[2] / 2 };
      pl_slice_frame_init (&frame, volume, views[i]);
      res->images[i] = pel_slice_image_new (volume, views[i], centre[frame.axis_n], window, level);
    }
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
  prepare_first_frame (req, res);
  if (req->segmentation)
    {
      pl_progress_report (progress, -1.0, _("Reading the segmentation"));
      res->labels = pl_labels_load (req->segmentation, volume, &res->labels_error);
      if (res->labels)
        {
          res->present = g_new0 (guint8, 65536);
          pl_labels_mark_values (res->labels, res->present);
        }
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

  pel_document_set_opening (self->document, FALSE);
  if (res == NULL)
    {
      pel_window_show_error (self, _("Could not open the image"), error);
      return;
    }

  volume = g_steal_pointer (&res->volume);
  pel_document_set_volume_with_window (self->document, volume, res->lo, res->hi);
  pel_document_offer_slice_images (self->document, res->images, G_N_ELEMENTS (res->images));

  g_object_get (pel_settings_get_default (), "last-preset", &preset, NULL);
  pel_window_apply_preset (self, pel_window_preset_for_volume (preset, volume));

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
    pel_document_load_labels_with_values (self->document, g_steal_pointer (&res->labels),
                                          g_object_get_data (object, "pel-seg"), res->present);
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
  g_object_get (pel_settings_get_default (), "last-preset", &req->preset, NULL);
  if (req->image == NULL)
    {
      g_autoptr (GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                              _("%s is not a local file"), name);
      load_request_free (req);
      pel_window_show_error (self, _("Could not open the image"), error);
      return;
    }
  /* a stroke on the image being replaced would go with it, unsaved */
  pel_document_set_opening (self->document, TRUE);
  pel_window_start_job (self, title, load_func, req, load_request_free, load_result_free, load_done);
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
  pel_window_when_saved (self, _("Save changes to the segmentation before opening another image?"),
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
  pel_window_choose_file (self, _("Open Image"), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), pel_window_nifti_filter (),
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

typedef struct
{
  PlLabels *labels;
  guint8   *present;   /* the values labels holds */
} LabelsResult;

static void
labels_result_free (gpointer p)
{
  LabelsResult *r = p;
  g_clear_pointer (&r->labels, pl_labels_free);
  g_free (r->present);
  g_free (r);
}

static gpointer
labels_load_func (gpointer          data,
                  const PlProgress *progress,
                  GError          **error)
{
  LabelsRequest *req = data;
  LabelsResult *res;
  PlLabels *labels;

  pl_progress_report (progress, -1.0, NULL);
  labels = pl_labels_load (req->path, pel_volume_ref_get (req->reference), error);
  if (labels == NULL)
    return NULL;
  /* the values it holds, for the label table, found here rather than by a
   * scan of the map on the main thread */
  res = g_new0 (LabelsResult, 1);
  res->labels = labels;
  res->present = g_new0 (guint8, 65536);
  pl_labels_mark_values (labels, res->present);
  return res;
}

static void
labels_load_done (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (PelWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  LabelsResult *res = pel_job_run_finish (PEL_JOB (object), result, &error);
  const char *path = g_object_get_data (object, "pel-path");

  if (res == NULL)
    {
      pel_window_show_error (self, _("Could not open the segmentation"), error);
      return;
    }
  if (pel_document_get_volume (self->document) != NULL)
    pel_document_load_labels_with_values (self->document, g_steal_pointer (&res->labels), path, res->present);
  labels_result_free (res);
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
  pel_window_start_job (self, title, labels_load_func, req, labels_request_free, labels_result_free,
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
  pel_window_when_saved (self, _("Save changes to the segmentation before opening another one?"),
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

  pel_window_choose_file (self, _("Open Segmentation"), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), pel_window_nifti_filter (),
               NULL, path ? path : pel_document_get_volume_path (self->document), segmentation_chosen);
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

  if (self->recovery_dialog == dialog)
    pel_window_set_recovery_question (self, NULL, 0);
  gtk_window_destroy (GTK_WINDOW (dialog));
  if (canonical == NULL || g_strcmp0 (recovery->volume_path, canonical) != 0)
    ; /* another image was opened meanwhile */
  else if (response == GTK_RESPONSE_ACCEPT)
    {
      LabelsRequest *req = g_new0 (LabelsRequest, 1);
      req->reference = pel_document_ref_volume (self->document);
      req->path = g_strdup (recovery->labels_file);
      pel_window_start_job (self, _("Restoring the unsaved segmentation"), recovery_load_func, req,
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
  pel_window_set_recovery_question (self, GTK_DIALOG (dialog), recovery->time);
}

gboolean
pel_window_answer_recovery (PelWindow  *self,
                            const char *answer)
{
  int response;

  if (self->recovery_dialog == NULL)
    return FALSE;
  if (g_strcmp0 (answer, "restore") == 0)
    response = GTK_RESPONSE_ACCEPT;
  else if (g_strcmp0 (answer, "discard") == 0)
    response = GTK_RESPONSE_REJECT;
  else if (g_strcmp0 (answer, "later") == 0)
    response = GTK_RESPONSE_CANCEL;
  else
    return FALSE;
  gtk_dialog_response (self->recovery_dialog, response);
  return TRUE;
}
