/* PelTrainPanel: the pre-trained encoder Start fine-tunes from — where it
 * came from (pre-trained here, or loaded), whether it fits the network
 * settings (the "encoder" status line, the section's caption), and its
 * files: Save Encoder… and Load Encoder…, and the user's cache, where a
 * model pre-trained here is written as soon as it exists and the newest
 * PEL_ENCODER_CACHE_KEEP stay.  The pre-training run itself is in
 * pel-train-pretrain.c.  See pel-train-panel.h. */
#define G_LOG_DOMAIN "pel-train-panel"

#include "src/pel-train-panel-private.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

/* ---- the encoder ------------------------------------------------------------- */

/* "contrastive, 200 steps" from a model's training record. */
static char *
describe_training (const PlModel *model)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *o;
  const char *method;

  if (model->training == NULL || !json_parser_load_from_data (parser, model->training, -1, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return g_strdup (_("no training record"));
  o = json_node_get_object (json_parser_get_root (parser));
  method = json_object_get_string_member_with_default (o, "method", "?");
  return g_strdup_printf (_("%s, %" G_GINT64_FORMAT " steps"), method,
                          json_object_get_int_member_with_default (o, "steps", 0));
}

static char *
encoder_name (PelTrainPanel *self)
{
  if (self->encoder_path && !self->encoder_here)
    return g_path_get_basename (self->encoder_path);
  return g_strdup (_("the encoder pre-trained here"));
}

void
pel_train_panel_sync_init (PelTrainPanel *self)
{
  g_free (self->settings.init);
  self->settings.init = self->use_encoder && self->encoder ? g_strdup (self->encoder_path) : NULL;
}

gboolean
pel_train_panel_check_init (PelTrainPanel *self,
                            GError       **error)
{
  g_autofree char *name = NULL;

  if (!self->use_encoder)
    return TRUE;
  if (self->encoder == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("No pre-trained encoder to start from: Pre-train one, load one (Load Encoder…), "
                             "or start from fresh weights."));
      return FALSE;
    }
  name = encoder_name (self);
  return pel_train_settings_check_init (&self->settings, self->encoder, name, error);
}

gboolean
pel_train_panel_prepare_init (PelTrainPanel *self,
                              GError       **error)
{
  if (!pel_train_panel_check_init (self, error))
    return FALSE;
  pel_train_session_set_init (self->session, self->use_encoder ? pel_train_panel_model_copy (self->encoder) : NULL);
  return TRUE;
}

/* The section's caption: where the encoder comes from. */
void
pel_train_panel_update_encoder_label (PelTrainPanel *self)
{
  g_autofree char *text = NULL;

  if (self->encoder == NULL)
    text = g_strdup (_("No pre-trained encoder yet: Pre-train one here, or load a model file "
                       "(from pellucid-cli pretrain, or any model of the same network)."));
  else
    {
      g_autofree char *what = describe_training (self->encoder);
      const PlUnetConfig *net = pl_unet_get_config (self->encoder->unet);
      g_autofree char *file = self->encoder_path ? g_filename_display_name (self->encoder_path) : NULL;

      if (self->encoder_here)
        text = g_strdup_printf (_("Encoder pre-trained here (%s; %d levels, %d–%d channels%s), kept in %s. "
                                  "Save Encoder… keeps it elsewhere."),
                                what, net->depth, net->channels[0], net->channels[net->depth - 1],
                                pl_model_decoder_pretrained (self->encoder) ? _(", decoder too") : "",
                                file ? file : "");
      else
        text = g_strdup_printf (_("Encoder from %s (%s; %d levels, %d–%d channels%s)."),
                                file ? file : "", what, net->depth, net->channels[0],
                                net->channels[net->depth - 1],
                                pl_model_decoder_pretrained (self->encoder) ? _(", decoder too") : "");
    }
  gtk_label_set_text (self->encoder_label, text);
}

/* The "encoder" line: why Start cannot fine-tune from it, if it cannot. */
void
pel_train_panel_update_encoder_line (PelTrainPanel *self)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *name = NULL;

  if (self->encoder_error)
    {
      pel_train_panel_set_line (self, "encoder", self->encoder_error, TRUE);
      return;
    }
  if (!self->use_encoder)
    {
      pel_train_panel_set_line (self, "encoder", NULL, FALSE);
      return;
    }
  if (self->encoder == NULL)
    {
      pel_train_panel_set_line (self, "encoder",
                                _("Start from: no pre-trained encoder yet (Pre-train, or Load Encoder…)."), FALSE);
      return;
    }
  name = encoder_name (self);
  if (!pel_train_settings_check_init (&self->settings, self->encoder, name, &error))
    pel_train_panel_set_line (self, "encoder", error->message, TRUE);
  else
    {
      g_autofree char *text = g_strdup_printf (_("Start fine-tunes from %s, frozen: %s."), name,
                                               pl_freeze_name (self->settings.freeze));
      pel_train_panel_set_line (self, "encoder", text, FALSE);
    }
}

void
pel_train_panel_encoder_changed (PelTrainPanel *self)
{
  pel_train_panel_sync_init (self);
  pel_train_panel_update_encoder_label (self);
  pel_train_panel_update_buttons (self);
  pel_train_panel_update_command (self);
}

/* A new encoder: Start uses it from now on. */
void
pel_train_panel_set_encoder (PelTrainPanel *self,
                             PlModel       *model,
                             const char    *path,
                             gboolean       here)
{
  g_clear_pointer (&self->encoder, pl_model_free);
  g_clear_pointer (&self->encoder_error, g_free);
  self->encoder = model;
  g_free (self->encoder_path);
  self->encoder_path = g_strdup (path);
  self->encoder_here = here;
  self->use_encoder = TRUE;
  self->syncing = TRUE;
  gtk_drop_down_set_selected (self->init_dropdown, 1);
  self->syncing = FALSE;
  pel_train_panel_encoder_changed (self);
}

/* ---- model files ------------------------------------------------------------ */

typedef struct
{
  char  *path;
  gint64 mtime;
} CacheFile;

static int
newest_first (gconstpointer a,
              gconstpointer b)
{
  const CacheFile *x = a, *y = b;
  return x->mtime < y->mtime ? 1 : x->mtime > y->mtime ? -1 : g_strcmp0 (x->path, y->path);
}

/* Keeps the PEL_ENCODER_CACHE_KEEP newest encoders in the cache folder dir
 * (one is written per finished pre-training run, 8 MB for the reference
 * network) and removes the others; never `keep`, the one just written. */
static void
prune_cache (const char *dir,
             const char *keep)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr (GArray) files = g_array_new (FALSE, FALSE, sizeof (CacheFile));
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      CacheFile f = { g_build_filename (dir, name, NULL), 0 };
      GStatBuf st;
      if (g_str_has_suffix (name, ".safetensors") && g_stat (f.path, &st) == 0 && S_ISREG (st.st_mode))
        {
          f.mtime = st.st_mtime;
          g_array_append_val (files, f);
        }
      else
        g_free (f.path);
    }
  g_array_sort (files, newest_first);
  for (guint i = 0; i < files->len; i++)
    {
      CacheFile *f = &g_array_index (files, CacheFile, i);
      if (i >= PEL_ENCODER_CACHE_KEEP && g_strcmp0 (f->path, keep) != 0)
        g_remove (f->path);
      g_free (f->path);
    }
}

static void
save_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  PlModel *model = g_object_get_data (G_OBJECT (task), "model");
  g_autofree char *dir = g_path_get_dirname (task_data);
  GError *error = NULL;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (errno), "%s: %s", dir, g_strerror (errno));
  else if (pl_model_save (model, task_data, &error))
    {
      if (g_object_get_data (G_OBJECT (task), "to-cache"))
        prune_cache (dir, task_data);
      g_task_return_boolean (task, TRUE);
    }
  else
    g_task_return_error (task, error);
}

static void
on_encoder_saved (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  PelTrainPanel *self = PEL_TRAIN_PANEL (object);
  gboolean to_cache = GPOINTER_TO_INT (user_data);
  const char *path = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;

  self->encoder_busy = FALSE;
  if (self->document == NULL)
    return;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_free (self->encoder_error);
      self->encoder_error = g_strdup_printf (to_cache ? _("Cannot keep the pre-trained encoder in %s: %s. Save Encoder… writes it elsewhere.")
                                                      : _("Cannot save the encoder as %s: %s"),
                                             path, error->message);
    }
  else if (!to_cache)
    {
      /* the file the command line and the fine-tuned model name now */
      g_autofree char *name = g_path_get_basename (path);
      g_autofree char *text = g_strdup_printf (_("Encoder saved as %s."), name);
      g_free (self->encoder_path);
      self->encoder_path = g_strdup (path);
      self->encoder_here = FALSE;
      pel_train_panel_encoder_changed (self);
      pel_train_panel_set_line (self, "encoder", text, FALSE);
      return;
    }
  pel_train_panel_update_buttons (self);
}

void
pel_train_panel_save_encoder (PelTrainPanel *self,
                              const char    *path,
                              gboolean       to_cache)
{
  GTask *task;

  if (self->encoder == NULL)
    return;
  g_clear_pointer (&self->encoder_error, g_free);
  self->encoder_busy = TRUE;
  task = g_task_new (self, NULL, on_encoder_saved, GINT_TO_POINTER (to_cache));
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_object_set_data_full (G_OBJECT (task), "model", pel_train_panel_model_copy (self->encoder),
                          (GDestroyNotify) pl_model_free);
  g_object_set_data (G_OBJECT (task), "to-cache", GINT_TO_POINTER (to_cache));
  g_task_run_in_thread (task, save_thread);
  g_object_unref (task);
  pel_train_panel_update_buttons (self);
}

/* Where a model pre-trained here is written as soon as it exists, so that
 * the command line names a file that is there and the fine-tuned model
 * records where its encoder came from: the user's cache, named after the
 * volume, the stage, the steps and the time. */
char *
pel_train_panel_encoder_cache_path (PelTrainPanel *self,
                                    const PlModel *model,
                                    gint64         steps)
{
  const char *volume = pel_document_get_volume_path (self->document);
  g_autofree char *base = volume ? g_path_get_basename (volume) : g_strdup ("volume");
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *name = NULL;
  char *dot;

  if ((dot = strstr (base, ".nii")) != NULL)
    *dot = '\0';
  name = g_strdup_printf ("%s-%s-%" G_GINT64_FORMAT "-%s.safetensors", base,
                          pl_model_decoder_pretrained (model) ? "local" : "global", steps, stamp);
  return g_build_filename (g_get_user_cache_dir (), "pellucid", "pretrained", name, NULL);
}

static void
on_encoder_loaded (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  PelTrainPanel *self = PEL_TRAIN_PANEL (object);
  const char *path = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  PlModel *model = g_task_propagate_pointer (G_TASK (result), &error);

  self->encoder_busy = FALSE;
  if (self->document == NULL)
    {
      pl_model_free (model);
      return;
    }
  if (model == NULL)
    {
      g_autofree char *name = g_path_get_basename (path);
      g_free (self->encoder_error);
      self->encoder_error = g_strdup_printf (_("Cannot start from %s: it is not a model file Pellucid can read (%s)."),
                                             name, error->message);
      pel_train_panel_update_buttons (self);
      return;
    }
  pel_train_panel_set_encoder (self, model, path, FALSE);
}

void
pel_train_panel_load_encoder (PelTrainPanel *self,
                              const char    *path)
{
  GTask *task = g_task_new (self, NULL, on_encoder_loaded, NULL);

  g_clear_pointer (&self->encoder_error, g_free);
  self->encoder_busy = TRUE;
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, pel_train_panel_load_model_thread);
  g_object_unref (task);
  pel_train_panel_update_buttons (self);
}

/* Save Encoder… and Load Encoder…. */
void
pel_train_panel_encoder_path_chosen (PelTrainPanel *self,
                                     const char    *path,
                                     gboolean       save)
{
  if (save)
    pel_train_panel_save_encoder (self, path, FALSE);
  else
    pel_train_panel_load_encoder (self, path);
}
