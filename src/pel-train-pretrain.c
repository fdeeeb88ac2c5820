/* PelTrainPanel: pre-training and fine-tuning.  Contrastive pre-training of
 * the network's encoder on every non-empty slice of the open volume, with
 * no labels (engine/nn/pretrain.h: the global stage, then optionally the
 * local stage on the decoder; Chaitanya et al. 2020), runs as a live run
 * of its own while the user paints: it reads the volume only, never the
 * label map, so it takes no label lock.  Its model — or any model file the
 * user loads — is the encoder Start fine-tunes from, with the freezing
 * engine/nn/finetune.h offers.  The section is built here, below the
 * Optimiser settings; its progress row and status line are in the footer
 * with the others.  See pel-train-panel.h. */
#define G_LOG_DOMAIN "pel-train-panel"

#include "src/pel-train-panel-private.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "engine/nn/pretrain.h"
#include "src/pel-train-thread.h"

/* The worker's task data, kept across runs so that Continue picks up the
 * pretrainer with its step count, weights and optimiser moments.  While a
 * run is going the worker owns it; the main thread reads it after. */
typedef struct
{
  PelVolumeRef     *volume;
  PelTrainSettings  settings;      /* network, axis, seed, lr, threads */
  PlPretrainConfig  config;        /* temperature, projection, regions */
  int               batch;         /* slices per step */
  gboolean          local;         /* the local stage after the global one */
  int               run_steps;     /* per stage, this run */
  gint64            target;        /* steps of both stages at the run's end */
  PlPretrainer     *global;
  PlPretrainer     *second;        /* the local stage, once begun */
  gint64            global_steps;  /* the global stage's, once the local began */
  gint64            second_steps;  /* the local stage's */
  /* out, read after the run */
  PlModel          *model;         /* the newest export */
  GError           *error;
  /* the main thread's view, updated after each run (the worker's fields
   * above are its own while a run goes on) */
  gint64            done;          /* steps of both stages */
  gint64            done_global;   /* of the global stage */
  gboolean          in_local;      /* Continue runs the local stage */
} PretrainTask;

static void
pretrain_task_free (PretrainTask *t)
{
  g_clear_pointer (&t->volume, pel_volume_ref_unref);
  pel_train_settings_clear (&t->settings);
  g_clear_pointer (&t->global, pl_pretrainer_free);
  g_clear_pointer (&t->second, pl_pretrainer_free);
  g_clear_pointer (&t->model, pl_model_free);
  g_clear_error (&t->error);
  g_free (t);
}

/* Steps of both stages, from the worker's fields (after a run). */
static gint64
count_steps (const PretrainTask *t)
{
  if (t->second)
    return t->global_steps + t->second_steps;
  return t->global ? pl_trainer_get_step (pl_pretrainer_get_trainer (t->global)) : 0;
}

/* ---- worker side ------------------------------------------------------------ */

typedef struct
{
  PretrainTask *task;
  PelLive      *live;
  gint64        offset;    /* x of the stage's step 0 */
  const char   *series;
  int           done;
} StepData;

static gboolean
on_step (PlTrainer             *trainer,
         const PlTrainStepInfo *info,
         gpointer               user_data)
{
  StepData *d = user_data;

  d->done++;
  pel_live_append (d->live, d->series, (double) (d->offset + info->step), info->loss);
  pel_live_progress (d->live, d->offset + info->step, d->task->target);
  /* checked after every step: Stop ends the run within one */
  return !pel_live_cancelled (d->live);
}

static gboolean
make_config (PretrainTask  *t,
             PlTrainConfig *cfg,
             GError       **error)
{
  if (!pel_train_settings_to_config (&t->settings, -1, cfg, error))
    return FALSE;
  cfg->batch = t->batch;
  cfg->method = NULL;
  return TRUE;
}

/* The local stage on the global stage's encoder, which it keeps fixed. */
static gboolean
begin_local (PretrainTask *t,
             GError      **error)
{
  g_autoptr (PlModel) first = pl_pretrainer_export_model (t->global);
  g_autofree char *record = g_strdup_printf ("{\"file\":null,\"training\":%s}",
                                             first->training ? first->training : "null");
  PlPretrainConfig pc = t->config;
  PlTrainConfig cfg;

  if (!make_config (t, &cfg, error))
    return FALSE;
  cfg.init = first->unet;
  cfg.init_record = record;
  pc.local = TRUE;
  t->second = pl_pretrainer_new (&cfg, &pc, pel_volume_ref_get (t->volume), error);
  if (t->second == NULL)
    return FALSE;
  t->global_steps = pl_trainer_get_step (pl_pretrainer_get_trainer (t->global));
  return TRUE;
}

static gpointer
pretrain_func (gpointer   task_data,
               PelLive   *live,
               GError   **error)
{
  PretrainTask *t = task_data;
  StepData d = { t, live, 0, "loss", 0 };
  GError *local = NULL;
  int nice = pel_train_thread_lower_priority ();

  if (t->second == NULL)
    {
      if (t->global == NULL)
        {
          PlTrainConfig cfg;
          PlPretrainConfig pc = t->config;

          pc.local = FALSE;
          if (!make_config (t, &cfg, &local))
            goto out;
          /* building the network and finding the non-empty slices reads
           * the whole volume: here, not on the main thread */
          t->global = pl_pretrainer_new (&cfg, &pc, pel_volume_ref_get (t->volume), &local);
          if (t->global == NULL)
            goto out;
        }
      pel_live_status (live, "stage", "global");
      if (!pel_live_cancelled (live)
          && !pl_pretrainer_run (t->global, t->run_steps, NULL, on_step, &d, &local))
        goto out;
      if (!t->local || pel_live_cancelled (live))
        goto out;
      if (!begin_local (t, &local))
        goto out;
    }
  d.offset = t->global_steps;
  d.series = "local";
  pel_live_status (live, "stage", "local");
  if (!pel_live_cancelled (live))
    pl_pretrainer_run (t->second, t->run_steps, NULL, on_step, &d, &local);

out:
  if (t->second)
    t->second_steps = pl_trainer_get_step (pl_pretrainer_get_trainer (t->second));
  if (d.done > 0)
    {
      /* What Start fine-tunes from: the steps so far, stopped or not; the
       * local stage's once it has done a step (its decoder is trained). */
      g_clear_pointer (&t->model, pl_model_free);
      t->model = pl_pretrainer_export_model (t->second && t->second_steps > 0 ? t->second : t->global);
    }
  pel_train_thread_restore_priority (nice);
  if (local && !g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    t->error = local;
  else
    g_clear_error (&local);
  /* Never NULL: the pretrainer comes back to the main thread either way. */
  return t;
}

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
static void
update_encoder_label (PelTrainPanel *self)
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
static void
update_encoder_line (PelTrainPanel *self)
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

static void
encoder_changed (PelTrainPanel *self)
{
  pel_train_panel_sync_init (self);
  update_encoder_label (self);
  pel_train_panel_update_buttons (self);
  pel_train_panel_update_command (self);
}

/* A new encoder: Start uses it from now on. */
static void
set_encoder (PelTrainPanel *self,
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
  encoder_changed (self);
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
      encoder_changed (self);
      pel_train_panel_set_line (self, "encoder", text, FALSE);
      return;
    }
  pel_train_panel_update_buttons (self);
}

static void
save_encoder_to (PelTrainPanel *self,
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
static char *
cache_path (PelTrainPanel *self,
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
  set_encoder (self, model, path, FALSE);
}

static void
load_encoder_from (PelTrainPanel *self,
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
static void
encoder_path_chosen (PelTrainPanel *self,
                     const char    *path,
                     gboolean       save)
{
  if (save)
    save_encoder_to (self, path, FALSE);
  else
    load_encoder_from (self, path);
}

/* ---- main side of the run -------------------------------------------------- */

static gboolean
pretrain_compatible (PelTrainPanel *self)
{
  PretrainTask *t = self->pretrain_task;
  const PelTrainSettings *a = &t->settings, *b = &self->settings;

  return g_strcmp0 (a->preset, b->preset) == 0 && a->fcn_head == b->fcn_head
         && a->attention == b->attention && a->context == b->context && a->coords == b->coords
         && a->batch_norm == b->batch_norm && a->axis == b->axis && a->seed == b->seed
         && a->lr == b->lr && a->threads == b->threads
         && t->batch == gtk_spin_button_get_value_as_int (self->pretrain_batch_spin)
         && t->config.temperature == (float) gtk_spin_button_get_value (self->pretrain_temperature_spin);
}

gboolean
pel_train_panel_pretrain_busy (PelTrainPanel *self)
{
  return self->pretraining || self->encoder_busy;
}

void
pel_train_panel_update_pretrain (PelTrainPanel *self)
{
  gboolean volume = pel_document_has_volume (self->document);
  PretrainTask *t = self->pretrain_task;
  gboolean can_continue = t && !self->pretraining && !self->pretrain_drop && t->done > 0
                          && pretrain_compatible (self);

  pel_train_panel_enable (self, "pretrain", volume && !self->pretraining && !self->encoder_busy);
  pel_train_panel_enable (self, "pretrain-continue", can_continue && !self->encoder_busy);
  pel_train_panel_enable (self, "pretrain-stop", self->pretraining);
  pel_train_panel_enable (self, "save-encoder", self->encoder != NULL && !self->encoder_busy);
  pel_train_panel_enable (self, "save-encoder-file", self->encoder != NULL && !self->encoder_busy);
  pel_train_panel_enable (self, "load-encoder", !self->encoder_busy);
  pel_train_panel_enable (self, "load-encoder-file", !self->encoder_busy);
  update_encoder_line (self);
}

/* The "pretrain" line: where the run is and its last loss. */
static void
update_pretrain_line (PelTrainPanel *self)
{
  PretrainTask *t = self->pretrain_task;
  const char *stage = pel_live_run_get_status (self->pretrain_run, "stage");
  gboolean local = g_strcmp0 (stage, "local") == 0;
  const PelLivePoint *loss;
  guint n;
  GString *s;

  if (t == NULL)
    return;
  loss = pel_live_run_get_series (self->pretrain_run, local ? "local" : "loss", &n);
  s = g_string_new (NULL);
  if (self->pretraining && pel_live_run_get_done (self->pretrain_run) == 0)
    g_string_append (s, _("Pre-training: building the network…"));
  else if (self->pretraining)
    g_string_append_printf (s, local ? _("Pre-training the decoder (local stage): step %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT)
                                     : _("Pre-training the encoder: step %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT),
                            pel_live_run_get_done (self->pretrain_run), t->target);
  else
    g_string_append_printf (s, _("Pre-trained %" G_GINT64_FORMAT " steps%s"), t->done,
                            t->in_local ? _(" (global and local stages)") : "");
  if (n > 0 && isfinite (loss[n - 1].y))
    g_string_append_printf (s, _(" · contrastive loss %.3f"), loss[n - 1].y);
  pel_train_panel_set_line (self, "pretrain", s->str, FALSE);
  g_string_free (s, TRUE);
}

static void
on_pretrain_points (PelTrainPanel      *self,
                    const char         *name,
                    const PelLivePoint *points,
                    guint               n)
{
  guint series = g_str_equal (name, "local") ? self->pretrain_local_series : self->pretrain_series;

  for (guint i = 0; i < n; i++)
    pel_plot_append (self->pretrain_plot, series, points[i].x, points[i].y);
  update_pretrain_line (self);
}

static void
on_pretrain_done (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (PelTrainPanel) self = user_data;
  g_autoptr (GError) error = NULL;
  PretrainTask *t = pel_live_run_finish (PEL_LIVE_RUN (object), result, &error);

  g_assert (t == NULL || t == self->pretrain_task);
  t = self->pretrain_task;
  pel_train_thread_job_finished ();
  self->pretraining = FALSE;
  t->done = count_steps (t);
  t->done_global = t->second ? t->global_steps : t->done;
  t->in_local = t->second != NULL;
  if (self->document == NULL || self->pretrain_drop)
    {
      /* disposed, or another volume opened meanwhile */
      self->pretrain_drop = FALSE;
      g_clear_pointer (&self->pretrain_task, pretrain_task_free);
      if (self->document == NULL)
        {
          g_clear_object (&self->pretrain_run);
          return;
        }
      pel_plot_clear (self->pretrain_plot);
      pel_train_panel_set_line (self, "pretrain", NULL, FALSE);
      pel_train_panel_update_buttons (self);
      return;
    }
  if (t->model)
    {
      PlModel *model = g_steal_pointer (&t->model);
      g_autofree char *path = cache_path (self, model, t->done);

      set_encoder (self, model, path, TRUE);
      save_encoder_to (self, path, TRUE);
    }
  update_pretrain_line (self);
  if (t->error)
    {
      g_autofree char *text = g_strdup_printf (_("Pre-training stopped: %s"), t->error->message);
      pel_train_panel_set_line (self, "pretrain", text, TRUE);
      g_clear_error (&t->error);
      /* a pretrainer that failed to be made is made again next time */
      if (t->done == 0)
        g_clear_pointer (&self->pretrain_task, pretrain_task_free);
    }
  pel_train_panel_update_buttons (self);
  pel_train_panel_update_command (self);
}

static void
run_pretrain (PelTrainPanel *self,
              int            steps)
{
  PretrainTask *t = self->pretrain_task;

  t->run_steps = steps;
  t->local = gtk_check_button_get_active (self->pretrain_local_check);
  /* a run of both stages does `steps` of each */
  t->target = t->done + steps + (!t->in_local && t->local ? steps : 0);
  pel_plot_set_x_extent (self->pretrain_plot, (double) t->target);
  pel_train_thread_set_engine_threads (t->settings.threads);
  pel_train_thread_job_started ();
  self->pretraining = TRUE;
  pel_live_run_start (self->pretrain_run, pretrain_func, t, NULL, on_pretrain_done, g_object_ref (self));
  update_pretrain_line (self);
  pel_train_panel_update_buttons (self);
}

static void
pretrain_start (PelTrainPanel *self)
{
  PretrainTask *t;
  GdkRGBA global = { 0.95, 0.65, 0.30, 1.0 }, local = { 0.55, 0.85, 0.45, 1.0 };

  if (self->pretraining || !pel_document_has_volume (self->document))
    return;
  g_clear_pointer (&self->pretrain_task, pretrain_task_free);
  t = g_new0 (PretrainTask, 1);
  t->volume = pel_document_ref_volume (self->document);
  pel_train_settings_copy (&t->settings, &self->settings);
  pl_pretrain_config_init (&t->config);
  t->config.temperature = (float) gtk_spin_button_get_value (self->pretrain_temperature_spin);
  t->batch = gtk_spin_button_get_value_as_int (self->pretrain_batch_spin);
  self->pretrain_task = t;

  pel_live_run_reset (self->pretrain_run);
  pel_plot_remove_series (self->pretrain_plot);
  self->pretrain_series = pel_plot_add_series (self->pretrain_plot, _("encoder (global)"), &global, 1.5);
  self->pretrain_local_series = pel_plot_add_series (self->pretrain_plot, _("decoder (local)"), &local, 1.5);
  run_pretrain (self, gtk_spin_button_get_value_as_int (self->pretrain_steps_spin));
}

void
pel_train_panel_pretrain_volume_changed (PelTrainPanel *self)
{
  /* The pretrainer belongs to the volume it reads; the encoder is a model
   * and stays, for fine-tuning on the new volume too. */
  if (self->pretraining)
    {
      self->pretrain_drop = TRUE;
      pel_live_run_stop (self->pretrain_run);
      return;
    }
  if (self->pretrain_task)
    {
      g_clear_pointer (&self->pretrain_task, pretrain_task_free);
      pel_plot_clear (self->pretrain_plot);
      pel_train_panel_set_line (self, "pretrain", NULL, FALSE);
    }
}

char *
pel_train_panel_pretrain_command (PelTrainPanel *self)
{
  PretrainTask *t = self->pretrain_task;
  g_autofree char *global_out = NULL;

  if (!self->use_encoder || !self->encoder_here || t == NULL || t->done == 0 || self->encoder_path == NULL)
    return NULL;
  if (t->done == t->done_global)
    return pel_train_settings_pretrain_command_line (&t->settings, pel_volume_ref_get (t->volume),
                                                     pel_document_get_volume_path (self->document), &t->config,
                                                     t->batch, t->done, 0, self->encoder_path, NULL);
  global_out = g_strdup ("pretrained-global.safetensors");
  return pel_train_settings_pretrain_command_line (&t->settings, pel_volume_ref_get (t->volume),
                                                   pel_document_get_volume_path (self->document), &t->config,
                                                   t->batch, t->done_global, t->done - t->done_global,
                                                   global_out, self->encoder_path);
}

/* ---- actions ------------------------------------------------------------------ */

#define ACTION(name) \
  static void name (GSimpleAction *action, GVariant *parameter, gpointer user_data)

ACTION (act_pretrain) { pretrain_start (user_data); }

ACTION (act_pretrain_continue)
{
  PelTrainPanel *self = user_data;

  if (self->pretrain_task && !self->pretraining)
    run_pretrain (self, gtk_spin_button_get_value_as_int (self->pretrain_steps_spin));
}

ACTION (act_pretrain_stop)
{
  PelTrainPanel *self = user_data;

  if (!self->pretraining)
    return;
  pel_live_run_stop (self->pretrain_run);
  pel_train_panel_set_line (self, "pretrain", _("Pre-training: stopping after this step…"), FALSE);
}

ACTION (act_pretrain_steps)
{
  gtk_spin_button_set_value (PEL_TRAIN_PANEL (user_data)->pretrain_steps_spin, g_variant_get_int32 (parameter));
}

ACTION (act_pretrain_batch)
{
  gtk_spin_button_set_value (PEL_TRAIN_PANEL (user_data)->pretrain_batch_spin, g_variant_get_int32 (parameter));
}

ACTION (act_pretrain_temperature)
{
  gtk_spin_button_set_value (PEL_TRAIN_PANEL (user_data)->pretrain_temperature_spin, g_variant_get_double (parameter));
}

ACTION (act_pretrain_local)
{
  gtk_check_button_set_active (PEL_TRAIN_PANEL (user_data)->pretrain_local_check, g_variant_get_boolean (parameter));
}

ACTION (act_init)
{
  PelTrainPanel *self = user_data;
  const char *what = g_variant_get_string (parameter, NULL);

  if (g_str_equal (what, "fresh") || g_str_equal (what, "pretrained"))
    gtk_drop_down_set_selected (self->init_dropdown, g_str_equal (what, "pretrained"));
  else
    g_warning ("start from “fresh” or “pretrained”, not “%s”", what);
}

ACTION (act_freeze)
{
  PelTrainPanel *self = user_data;
  PlFreeze freeze;

  if (pl_freeze_from_name (g_variant_get_string (parameter, NULL), &freeze))
    gtk_drop_down_set_selected (self->freeze_dropdown, (guint) freeze);
  else
    g_warning ("no freezing “%s”", g_variant_get_string (parameter, NULL));
}

ACTION (act_batch_norm)
{
  gtk_check_button_set_active (PEL_TRAIN_PANEL (user_data)->batch_norm_check, g_variant_get_boolean (parameter));
}

ACTION (act_load_encoder) { load_encoder_from (user_data, g_variant_get_string (parameter, NULL)); }
ACTION (act_save_encoder) { save_encoder_to (user_data, g_variant_get_string (parameter, NULL), FALSE); }
ACTION (act_load_encoder_file) { pel_train_panel_choose_model_file (user_data, FALSE, _("Load Encoder"), NULL, encoder_path_chosen); }
ACTION (act_save_encoder_file) { pel_train_panel_choose_model_file (user_data, TRUE, _("Save Pre-trained Encoder"), "pretrained.safetensors", encoder_path_chosen); }

#undef ACTION

static const GActionEntry pretrain_entries[] = {
  { "pretrain", act_pretrain, NULL, NULL, NULL, { 0 } },
  { "pretrain-continue", act_pretrain_continue, NULL, NULL, NULL, { 0 } },
  { "pretrain-stop", act_pretrain_stop, NULL, NULL, NULL, { 0 } },
  { "pretrain-steps", act_pretrain_steps, "i", NULL, NULL, { 0 } },
  { "pretrain-batch", act_pretrain_batch, "i", NULL, NULL, { 0 } },
  { "pretrain-temperature", act_pretrain_temperature, "d", NULL, NULL, { 0 } },
  { "pretrain-local", act_pretrain_local, "b", NULL, NULL, { 0 } },
  { "init", act_init, "s", NULL, NULL, { 0 } },
  { "freeze", act_freeze, "s", NULL, NULL, { 0 } },
  { "batch-norm", act_batch_norm, "b", NULL, NULL, { 0 } },
  { "load-encoder", act_load_encoder, "s", NULL, NULL, { 0 } },
  { "save-encoder", act_save_encoder, "s", NULL, NULL, { 0 } },
  { "load-encoder-file", act_load_encoder_file, NULL, NULL, NULL, { 0 } },
  { "save-encoder-file", act_save_encoder_file, NULL, NULL, NULL, { 0 } },
};

/* ---- the section ------------------------------------------------------------ */

static void
on_init_selected (PelTrainPanel *self)
{
  if (self->syncing)
    return;
  self->use_encoder = gtk_drop_down_get_selected (self->init_dropdown) == 1;
  encoder_changed (self);
}

static void
on_freeze_selected (PelTrainPanel *self)
{
  guint i = gtk_drop_down_get_selected (self->freeze_dropdown);

  if (self->syncing || i == GTK_INVALID_LIST_POSITION)
    return;
  self->settings.freeze = (PlFreeze) i;
  pel_train_panel_update_buttons (self);
  pel_train_panel_update_command (self);
}

static void
on_batch_norm_toggled (PelTrainPanel *self)
{
  if (self->syncing)
    return;
  self->settings.batch_norm = gtk_check_button_get_active (self->batch_norm_check);
  pel_train_panel_update_preset_info (self);
  pel_train_panel_update_buttons (self);
  pel_train_panel_update_command (self);
}

static void
on_pretrain_setting (PelTrainPanel *self)
{
  /* another batch or temperature needs a new pre-training */
  pel_train_panel_update_buttons (self);
}

static GtkWidget *
caption (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_add_css_class (label, "caption");
  return label;
}

static void
grid_row (GtkGrid    *grid,
          int         row,
          const char *title,
          GtkWidget  *widget,
          const char *tooltip)
{
  GtkWidget *label = gtk_label_new (title);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_set_tooltip_text (widget, tooltip);
  gtk_grid_attach (grid, label, 0, row, 1, 1);
  gtk_grid_attach (grid, widget, 1, row, 1, 1);
}

static GtkWidget *
spin (double       lower,
      double       upper,
      double       step,
      guint        digits,
      double       value)
{
  GtkWidget *w = gtk_spin_button_new_with_range (lower, upper, step);

  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (w), digits);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (w), value);
  return w;
}

static GtkWidget *
action_button (const char *label,
               const char *action,
               const char *tooltip)
{
  GtkWidget *b = gtk_button_new_with_mnemonic (label);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (b), action);
  gtk_widget_set_tooltip_text (b, tooltip);
  gtk_widget_set_hexpand (b, TRUE);
  return b;
}

static GtkWidget *
button_row (GtkWidget *a,
            GtkWidget *b)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  gtk_box_set_homogeneous (GTK_BOX (row), TRUE);
  gtk_box_append (GTK_BOX (row), a);
  gtk_box_append (GTK_BOX (row), b);
  return row;
}

static GtkWidget *
build_section (PelTrainPanel *self)
{
  PlTrainConfig tc;
  PlPretrainConfig pc;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkGrid *grid = GTK_GRID (gtk_grid_new ());
  GtkGrid *fine = GTK_GRID (gtk_grid_new ());
  GtkWidget *w;
  g_autoptr (GtkStringList) freezes = gtk_string_list_new (NULL);

  /* the engine's defaults, as pellucid-cli pretrain's */
  pl_train_config_init (&tc);
  pl_pretrain_config_init (&pc);
  gtk_widget_set_margin_top (box, 6);
  gtk_box_append (GTK_BOX (box),
                  caption (_("Learns the encoder from every slice of this volume, without labels: two augmented "
                             "views of a slice are pulled together, the other slices pushed apart (contrastive "
                             "learning, Chaitanya et al. 2020). It runs while you paint; then Start fine-tunes "
                             "from it.")));

  gtk_grid_set_row_spacing (grid, 4);
  gtk_grid_set_column_spacing (grid, 12);
  w = spin (1, 100000, 50, 0, PL_PRETRAIN_DEFAULT_STEPS);
  self->pretrain_steps_spin = GTK_SPIN_BUTTON (w);
  grid_row (grid, 0, _("Steps"), w, _("Steps of Pre-train (of each stage), and how many more Continue runs"));
  w = spin (2, 64, 1, 0, tc.batch);
  self->pretrain_batch_spin = GTK_SPIN_BUTTON (w);
  g_signal_connect_swapped (w, "value-changed", G_CALLBACK (on_pretrain_setting), self);
  grid_row (grid, 1, _("Batch"), w, _("Slices per step, two views of each; the other slices' views are the negatives"));
  w = spin (0.01, 10.0, 0.01, 3, pc.temperature);
  self->pretrain_temperature_spin = GTK_SPIN_BUTTON (w);
  g_signal_connect_swapped (w, "value-changed", G_CALLBACK (on_pretrain_setting), self);
  grid_row (grid, 2, _("Temperature"), w, _("τ of the NT-Xent loss: lower values weigh the hardest negatives more"));
  w = gtk_check_button_new_with_label (_("Then the decoder (local stage)"));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (w), pc.local);
  gtk_widget_set_tooltip_text (w, _("After the encoder, the decoder learns on it, fixed: the same region of two "
                                    "intensity views of a slice is pulled together, other regions pushed apart. "
                                    "Fine-tuning then starts from both"));
  self->pretrain_local_check = GTK_CHECK_BUTTON (w);
  gtk_grid_attach (grid, w, 0, 3, 2, 1);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (grid));

  gtk_box_append (GTK_BOX (box),
                  button_row (action_button (_("_Pre-train"), "train.pretrain",
                                             _("Pre-train a new encoder of the network set above on this volume")),
                              action_button (_("Con_tinue"), "train.pretrain-continue",
                                             _("Pre-train more steps, weights and optimiser state kept"))));
  w = pel_plot_new (_("step"), _("contrastive loss (NT-Xent)"));
  self->pretrain_plot = PEL_PLOT (w);
  pel_plot_set_placeholder (self->pretrain_plot, _("The pre-training loss is drawn here as it runs"));
  gtk_widget_set_margin_top (w, 4);
  gtk_box_append (GTK_BOX (box), w);

  /* what Start starts from */
  gtk_grid_set_row_spacing (fine, 4);
  gtk_grid_set_column_spacing (fine, 12);
  gtk_widget_set_margin_top (GTK_WIDGET (fine), 6);
  w = gtk_drop_down_new_from_strings ((const char *const[]) { _("Fresh weights"), _("Pre-trained encoder"), NULL });
  self->init_dropdown = GTK_DROP_DOWN (w);
  g_signal_connect_swapped (w, "notify::selected", G_CALLBACK (on_init_selected), self);
  grid_row (fine, 0, _("Start from"), w, _("What Start trains the segmentation network from: new random weights, "
                                           "or the encoder pre-trained here or loaded from a model file"));
  /* engine/nn/finetune.h's order */
  gtk_string_list_append (freezes, _("Nothing (full fine-tuning)"));
  gtk_string_list_append (freezes, _("The encoder"));
  gtk_string_list_append (freezes, _("The encoder but its last level"));
  gtk_string_list_append (freezes, _("The encoder but its norms"));
  w = gtk_drop_down_new (G_LIST_MODEL (g_object_ref (freezes)), NULL);
  self->freeze_dropdown = GTK_DROP_DOWN (w);
  gtk_drop_down_set_selected (self->freeze_dropdown, (guint) self->settings.freeze);
  g_signal_connect_swapped (w, "notify::selected", G_CALLBACK (on_freeze_selected), self);
  grid_row (fine, 1, _("Freeze"), w,
            _("What stays as pre-trained while fine-tuning: nothing; the whole encoder (the decoder and head "
              "learn); the encoder but its bottleneck level; or the encoder but its normalisation parameters, "
              "which with the decoder is the parameter-efficient choice (needs Batch norm). The model records it"));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (fine));
  w = caption (NULL);
  gtk_label_set_selectable (GTK_LABEL (w), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (w), PANGO_WRAP_WORD_CHAR);
  self->encoder_label = GTK_LABEL (w);
  gtk_box_append (GTK_BOX (box), w);
  gtk_box_append (GTK_BOX (box),
                  button_row (action_button (_("Load _Encoder…"), "train.load-encoder-file",
                                             _("Start from the encoder of a model file: one from pellucid-cli "
                                               "pretrain, or any model of the same network")),
                              action_button (_("Save E_ncoder…"), "train.save-encoder-file",
                                             _("Save the pre-trained model (safetensors) for pellucid-cli train "
                                               "--init or another volume"))));
  return box;
}

void
pel_train_panel_init_pretrain (PelTrainPanel *self)
{
  GtkWidget *expander, *parent, *row, *grid;

  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), pretrain_entries,
                                   G_N_ELEMENTS (pretrain_entries), self);

  /* the section, between the optimiser's settings and the training plots */
  expander = gtk_expander_new (_("Pre-training (no labels)"));
  self->pretrain_expander = GTK_EXPANDER (expander);
  gtk_expander_set_child (self->pretrain_expander, build_section (self));
  parent = gtk_widget_get_parent (GTK_WIDGET (self->loss_plot));
  gtk_box_insert_child_after (GTK_BOX (parent), expander, gtk_widget_get_prev_sibling (GTK_WIDGET (self->loss_plot)));

  /* Batch norm among the network options: the parameter-efficient
   * fine-tuning trains the encoder's norms */
  grid = gtk_widget_get_parent (GTK_WIDGET (self->coords_check));
  self->batch_norm_check = GTK_CHECK_BUTTON (gtk_check_button_new_with_label (_("Batch norm after every convolution")));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->batch_norm_check),
                               _("Normalises every convolution's output over the batch (Ioffe & Szegedy 2015); "
                                 "fine-tuning only the encoder's norms needs it"));
  gtk_check_button_set_active (self->batch_norm_check, self->settings.batch_norm);
  g_signal_connect_swapped (self->batch_norm_check, "toggled", G_CALLBACK (on_batch_norm_toggled), self);
  gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (self->batch_norm_check), 0, 4, 2, 1);

  self->pretrain_run = pel_live_run_new (_("Pre-training"));
  g_signal_connect_swapped (self->pretrain_run, "series-points", G_CALLBACK (on_pretrain_points), self);
  row = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_box_append (GTK_BOX (row), caption (_("Pre-training")));
  gtk_box_append (GTK_BOX (row), pel_run_row_new (self->pretrain_run, _("%.2f steps/s"), "train.pretrain-stop"));
  /* shown only while it runs, under the training row, named: the bar
   * above it is the training's */
  g_object_bind_property (self->pretrain_run, "running", row, "visible", G_BINDING_SYNC_CREATE);
  gtk_box_insert_child_after (GTK_BOX (gtk_widget_get_parent (GTK_WIDGET (self->quality_row_box))), row,
                              GTK_WIDGET (self->quality_row_box));
  update_encoder_label (self);
}

static gboolean
scroll_to_section (gpointer user_data)
{
  PelTrainPanel *self = user_data;
  GtkScrolledWindow *scroller;
  double x = 0.0, y = 0.0;

  if (self->document == NULL)    /* disposed meanwhile */
    return G_SOURCE_REMOVE;
  scroller = GTK_SCROLLED_WINDOW (self->scroller);
  if (gtk_widget_translate_coordinates (GTK_WIDGET (self->pretrain_expander),
                                           gtk_scrolled_window_get_child (scroller), 0.0, 0.0, &x, &y))
    gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (scroller), y - 6.0);
  return G_SOURCE_REMOVE;
}

void
pel_train_panel_scroll_to_pretrain (PelTrainPanel *self)
{
  gtk_expander_set_expanded (self->pretrain_expander, TRUE);
  /* After the next layout: until then the scroller's range is the closed
   * section's, too short to bring it to the top. */
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, scroll_to_section, g_object_ref (self), g_object_unref);
}

void
pel_train_panel_dispose_pretrain (PelTrainPanel *self)
{
  /* A running pre-training's callback holds the panel, so this runs after
   * it unless dispose is forced: then stop it, and leave the task and the
   * run to the callback. */
  if (self->pretrain_run)
    g_signal_handlers_disconnect_by_data (self->pretrain_run, self);
  if (self->pretraining)
    pel_live_run_stop (self->pretrain_run);
  else
    {
      g_clear_pointer (&self->pretrain_task, pretrain_task_free);
      g_clear_object (&self->pretrain_run);
    }
  g_clear_pointer (&self->encoder, pl_model_free);
  g_clear_pointer (&self->encoder_path, g_free);
  g_clear_pointer (&self->encoder_error, g_free);
}

PelLiveRun *
pel_train_panel_get_pretrain_run (PelTrainPanel *self)
{
  g_return_val_if_fail (PEL_IS_TRAIN_PANEL (self), NULL);
  return self->pretrain_run;
}

PlModel *
pel_train_panel_get_encoder (PelTrainPanel *self)
{
  g_return_val_if_fail (PEL_IS_TRAIN_PANEL (self), NULL);
  return self->encoder;
}

const char *
pel_train_panel_get_encoder_path (PelTrainPanel *self)
{
  g_return_val_if_fail (PEL_IS_TRAIN_PANEL (self), NULL);
  return self->encoder_path;
}
