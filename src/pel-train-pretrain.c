/* PelTrainPanel: pre-training and fine-tuning.  Contrastive pre-training of
 * the network's encoder on every non-empty slice of the open volume, with
 * no labels (engine/nn/pretrain.h: the global stage, then optionally the
 * local stage on the decoder; Chaitanya et al. 2020), runs as a live run
 * of its own while the user paints: it reads the volume only, never the
 * label map, so it takes no label lock.  Its model — or any model file the
 * user loads — is the encoder Start fine-tunes from, with the freezing
 * engine/nn/finetune.h offers (the encoder and its files are in
 * pel-train-encoder.c).  The section is built here, below the
 * Optimiser settings; its progress row and status line are in the footer
 * with the others.  See pel-train-panel.h. */
#define G_LOG_DOMAIN "pel-train-panel"

#include "src/pel-train-panel-private.h"

#include <glib/gi18n.h>
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

/* ---- main side of the run -------------------------------------------------- */

static gboolean
pretrain_compatible (PelTrainPanel *self)
{
  PretrainTask *t = self->pretrain_task;
  const PelTrainSettings *a = &t->settings, *b = &self->settings;

  return g_strcmp0 (a->preset, b->preset) == 0 && a->fcn_head == b->fcn_head
         && a->attention == b->attention && a->context == b->context && a->coords == b->coords
         && a->batch_norm == b->batch_norm && a->axis == b->axis && a->seed == b->seed
         && a->threads == b->threads
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
  pel_train_panel_update_encoder_line (self);
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
      g_autofree char *path = pel_train_panel_encoder_cache_path (self, model, t->done);

      pel_train_panel_set_encoder (self, model, path, TRUE);
      pel_train_panel_save_encoder (self, path, TRUE);
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

ACTION (act_load_encoder) { pel_train_panel_load_encoder (user_data, g_variant_get_string (parameter, NULL)); }
ACTION (act_save_encoder) { pel_train_panel_save_encoder (user_data, g_variant_get_string (parameter, NULL), FALSE); }
ACTION (act_load_encoder_file) { pel_train_panel_choose_model_file (user_data, FALSE, _("Load Encoder"), NULL, pel_train_panel_encoder_path_chosen); }
ACTION (act_save_encoder_file) { pel_train_panel_choose_model_file (user_data, TRUE, _("Save Pre-trained Encoder"), "pretrained.safetensors", pel_train_panel_encoder_path_chosen); }

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
  pel_train_panel_encoder_changed (self);
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
  pel_train_panel_update_encoder_label (self);
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
