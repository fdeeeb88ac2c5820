/* The Uncertainty panel's deep ensemble: M networks trained here, one after
 * another, on the document's painted slices, with the Train panel's
 * network settings and seeds S … S+M−1 (Lakshminarayanan et al. 2017;
 * engine/uncertainty/ensemble.h), on a PelLiveRun of their own; then the
 * panel's ensemble, to estimate with at once and to save as one model
 * file.  Stop keeps the members that finished. */
#define G_LOG_DOMAIN "pel-uncertainty-panel"

#include "src/pel-uncertainty-panel-private.h"

#include <glib/gi18n.h>
#include <math.h>

#include "engine/methods/methods.h"
#include "engine/uncertainty/ensemble.h"
#include "src/pel-action-script.h"
#include "src/pel-panel-kit.h"
#include "src/pel-plot.h"
#include "src/pel-train-panel.h"
#include "src/pel-train-thread.h"

/* The worker's task data.  The main thread reads the outputs only after
 * the run. */
typedef struct
{
  PelTrainSettings  settings;
  int               n_members;
  int               steps;             /* per member */
  gboolean          bootstrap;
  PelVolumeRef     *volume;
  PelTrainProvider *provider;
  PlLabelTable     *label_table;       /* names and side pairs, a copy */

  /* out */
  gint64            holdout;           /* the slice held out of every member, or −1 */
  GPtrArray        *members;           /* PlModel, the members that finished */
  GArray           *final_loss;        /* double, each finished member's last loss */
  GError           *error;
} EnsembleTask;

static void
ensemble_task_free (EnsembleTask *t)
{
  pel_train_settings_clear (&t->settings);
  pel_volume_ref_unref (t->volume);
  pel_train_provider_free (t->provider);
  pl_label_table_free (t->label_table);
  g_clear_pointer (&t->members, g_ptr_array_unref);
  g_array_unref (t->final_loss);
  g_clear_error (&t->error);
  g_free (t);
}

/* ---- worker ---------------------------------------------------------------- */

/* The painted slice nearest the middle of the painted ones, when at least
 * two are painted: the Train panel's rule for its held-out slice. */
static gint64
choose_holdout (const PlLabelProvider *labels,
                int                    axis,
                gint64                 n)
{
  g_autofree gint64 *counts = g_new0 (gint64, n);
  g_autoptr (GArray) painted = g_array_new (FALSE, FALSE, sizeof (gint64));

  labels->count_slices (labels->user_data, axis, counts);
  for (gint64 s = 0; s < n; s++)
    if (counts[s] > 0)
      g_array_append_val (painted, s);
  return painted->len >= 2 ? g_array_index (painted, gint64, painted->len / 2) : -1;
}

typedef struct
{
  EnsembleTask *task;
  PelLive      *live;
  int           member;
  double        loss;
} MemberStep;

static gboolean
on_member_step (PlTrainer             *trainer,
                const PlTrainStepInfo *info,
                gpointer               user_data)
{
  MemberStep *d = user_data;
  EnsembleTask *t = d->task;
  gint64 done = (gint64) d->member * t->steps + info->step;

  d->loss = info->loss;
  /* x: steps over the whole ensemble, so the panel knows the member */
  pel_live_append (d->live, "loss", (double) done, info->loss);
  pel_live_progress (d->live, done, (gint64) t->n_members * t->steps);
  return !pel_live_cancelled (d->live);
}

/* Member m from seed S + m, on a bootstrap draw of the painted slices if
 * asked: the member pl_ensemble_train() and pellucid-cli train --ensemble
 * make.  A member that finished joins t->members. */
static gboolean
train_member (EnsembleTask *t,
              int           m,
              PelLive      *live,
              GError      **error)
{
  const PlVolume *volume = pel_volume_ref_get (t->volume);
  const PlLabelProvider *labels = pel_train_provider_get (t->provider);
  PlLabelProvider provider = *labels;
  PlBootstrapLabels boot;
  PlTrainConfig cfg;
  MemberStep d = { t, live, m, NAN };
  g_autofree char *line = NULL;
  PlTrainer *trainer;
  gboolean ok;

  if (!pel_train_settings_to_config (&t->settings, t->holdout, &cfg, error))
    return FALSE;
  cfg.label_table = t->label_table;
  cfg.seed = t->settings.seed + (guint64) m;
  if (t->bootstrap)
    pl_bootstrap_labels_init (&boot, labels, &cfg, volume, &provider);   /* pl_ensemble_train's member m */
  /* Translators: the member being trained, and its seed */
  line = g_strdup_printf (_("Training member %d of %d (seed %" G_GUINT64_FORMAT ")"), m + 1, t->n_members,
                          cfg.seed);
  pel_live_status (live, "member", line);
  pel_live_message (live, line);

  trainer = pl_trainer_new (&cfg, volume, &provider, error);
  ok = trainer && pl_method_install (trainer, &t->settings.method, error)
       && pl_trainer_run (trainer, t->steps, NULL, on_member_step, &d, error);
  if (ok && pl_trainer_get_step (trainer) == t->steps)
    {
      g_ptr_array_add (t->members, pl_trainer_export_model (trainer));
      g_array_append_val (t->final_loss, d.loss);
    }
  g_clear_pointer (&trainer, pl_trainer_free);
  if (t->bootstrap)
    pl_bootstrap_labels_clear (&boot);
  return ok;
}

static gpointer
ensemble_func (gpointer  data,
               PelLive  *live,
               GError  **error)
{
  EnsembleTask *t = data;
  const PlVolume *volume = pel_volume_ref_get (t->volume);
  int nice = pel_train_thread_lower_priority ();

  pel_live_progress (live, 0, (gint64) t->n_members * t->steps);
  if (t->settings.holdout)
    t->holdout = choose_holdout (pel_train_provider_get (t->provider), t->settings.axis,
                                 volume->dim[t->settings.axis]);
  for (int m = 0; m < t->n_members && !pel_live_cancelled (live); m++)
    if (!train_member (t, m, live, &t->error))
      break;
  pel_train_thread_restore_priority (nice);
  if (t->error && g_error_matches (t->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_clear_error (&t->error);
  /* Never NULL: the members that finished come back either way. */
  return t;
}

/* ---- main thread ------------------------------------------------------------- */

static void
set_line (PelUncertaintyPanel *self,
          const char          *key,
          const char          *text,
          gboolean             error)
{
  pel_status_lines_set (self->ens_status_box, key, text, error);
}

/* The settings the members are made with: the Train panel's, or the
 * defaults without one. */
static void
current_settings (PelUncertaintyPanel *self,
                  PelTrainSettings    *out)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  PelTrainPanel *train = root ? g_object_get_data (G_OBJECT (root), "pel-train-panel") : NULL;

  if (train)
    pel_train_settings_copy (out, pel_train_panel_get_settings (train));
  else
    pel_train_settings_init (out, pel_document_get_volume (self->document));
}

static void
update_settings_label (PelUncertaintyPanel *self)
{
  PelTrainSettings s;
  g_autofree char *text = NULL;

  if (self->ens_settings_label == NULL)
    return;
  current_settings (self, &s);
  /* Translators: the network settings every member is trained with */
  text = g_strdup_printf (_("Each member: the Train panel's network (preset %s, batch %d, learning rate %g, %s), "
                            "seed %" G_GUINT64_FORMAT " + member, on the painted slices%s."),
                          s.preset, s.batch, s.lr, pl_method_kind_name (s.method.kind), s.seed,
                          s.holdout ? _(" but the held-out one") : "");
  gtk_label_set_text (self->ens_settings_label, text);
  pel_train_settings_clear (&s);
}

static const GdkRGBA member_colours[] = {
  { 0.40, 0.68, 1.00, 1.0 }, { 1.00, 0.60, 0.25, 1.0 }, { 0.45, 0.85, 0.45, 1.0 },
  { 0.95, 0.45, 0.55, 1.0 }, { 0.75, 0.60, 1.00, 1.0 }, { 0.95, 0.85, 0.35, 1.0 },
};

/* New loss points: one smoothed curve per member, x the member's step. */
static void
on_loss_points (PelUncertaintyPanel *self,
                const char          *name,
                const PelLivePoint  *points,
                guint                n)
{
  for (guint i = 0; i < n; i++)
    {
      int m = (int) ((points[i].x - 1) / MAX (self->ens_run_steps, 1));
      double step = points[i].x - (double) m * self->ens_run_steps;
      double *smooth;

      while (self->ens_smooth->len <= (guint) m)
        {
          g_autofree char *label = g_strdup_printf (_("member %u"), self->ens_smooth->len + 1);
          double nan = NAN;
          pel_plot_add_series (self->ens_plot, label,
                               &member_colours[self->ens_smooth->len % G_N_ELEMENTS (member_colours)], 1.5);
          g_array_append_val (self->ens_smooth, nan);
        }
      smooth = &g_array_index (self->ens_smooth, double, m);
      *smooth = isnan (*smooth) ? points[i].y : 0.9 * *smooth + 0.1 * points[i].y;
      pel_plot_append (self->ens_plot, (guint) m, step, *smooth);
    }
}

static void
on_status (PelUncertaintyPanel *self,
           const char          *key,
           const char          *text)
{
  if (g_strcmp0 (key, "member") == 0)
    set_line (self, "member", text, FALSE);
}

/* The run's callback data: not a reference to the panel, so that closing
 * the window finalizes it, which stops the run. */
typedef struct
{
  GWeakRef      panel;
  EnsembleTask *task;
} RunData;

static void
on_ensemble_done (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  RunData *rd = user_data;
  PelUncertaintyPanel *self = g_weak_ref_get (&rd->panel);
  g_autoptr (GError) error = NULL;
  EnsembleTask *t = rd->task;
  g_autoptr (GString) text = g_string_new (NULL);
  int n;

  pel_live_run_finish (PEL_LIVE_RUN (object), result, &error);
  pel_train_thread_job_finished ();
  g_weak_ref_clear (&rd->panel);
  g_free (rd);
  if (self == NULL)
    {
      ensemble_task_free (t);
      return;
    }
  self->ens_task = NULL;
  if (self->document == NULL)   /* disposed */
    goto out;
  n = (int) t->members->len;
  if (t->error == NULL && error && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    t->error = g_steal_pointer (&error);
  if (n == t->n_members)
    {
      double lo = INFINITY, hi = -INFINITY;
      for (int m = 0; m < n; m++)
        {
          lo = MIN (lo, g_array_index (t->final_loss, double, m));
          hi = MAX (hi, g_array_index (t->final_loss, double, m));
        }
      g_string_printf (text, _("%d members trained, %d steps each (seeds %" G_GUINT64_FORMAT "–%" G_GUINT64_FORMAT
                               "), final loss %.3f–%.3f"),
                       n, t->steps, t->settings.seed, t->settings.seed + n - 1, lo, hi);
    }
  else if (t->error)
    g_string_printf (text, _("%s (%d of %d members finished)"), t->error->message, n, t->n_members);
  else
    g_string_printf (text, _("Stopped: %d of %d members finished"), n, t->n_members);
  if (n >= 2)
    g_string_append (text, _(": the panel's deep ensemble now (Estimate uses it; Save Ensemble… keeps it)"));
  else if (n == 1)
    g_string_append (text, _(": one member is the panel's model now (an ensemble needs two)"));
  set_line (self, "ensemble", text->str, t->error != NULL);
  set_line (self, "member", NULL, FALSE);
  if (n > 0)
    {
      pel_uncertainty_panel_set_models (self, g_steal_pointer (&t->members), NULL, t->holdout);
      if (n >= 2)
        g_action_group_activate_action (G_ACTION_GROUP (self->actions), "estimator",
                                        g_variant_new_string (pl_estimator_name (PL_ESTIMATOR_ENSEMBLE)));
    }
  pel_uncertainty_panel_update_actions (self);
out:
  ensemble_task_free (t);
  g_object_unref (self);
}

static gboolean
train_ensemble (PelUncertaintyPanel *self)
{
  g_autoptr (PelVolumeRef) volume = pel_document_ref_volume (self->document);
  g_autoptr (PelLabelStore) store = NULL;
  const PlVolume *v;
  EnsembleTask *t;
  RunData *rd;
  g_autofree char *text = NULL;

  if (volume == NULL || self->ens_task || pel_live_run_get_running (self->run))
    return FALSE;
  v = pel_volume_ref_get (volume);
  t = g_new0 (EnsembleTask, 1);
  current_settings (self, &t->settings);
  if (t->settings.axis < 0 || t->settings.axis > 2)
    t->settings.axis = pl_volume_axial_axis (v);
  t->n_members = self->ens_members;
  t->steps = self->ens_steps;
  t->bootstrap = self->ens_bootstrap;
  t->holdout = -1;
  store = pel_document_ref_label_store (self->document);
  t->provider = pel_train_provider_new (store, v->dim);
  t->label_table = pl_label_table_copy (pel_document_get_label_table (self->document));
  t->volume = g_steal_pointer (&volume);
  t->members = g_ptr_array_new_with_free_func ((GDestroyNotify) pl_model_free);
  t->final_loss = g_array_new (FALSE, FALSE, sizeof (double));

  self->ens_task = t;
  self->ens_run_steps = t->steps;
  pel_live_run_reset (self->ens_run);
  pel_plot_remove_series (self->ens_plot);
  g_array_set_size (self->ens_smooth, 0);
  pel_plot_set_x_extent (self->ens_plot, t->steps);
  update_settings_label (self);
  text = g_strdup_printf (t->bootstrap ? _("Training a deep ensemble of %d members, each on a bootstrap draw "
                                           "of the painted slices…")
                                         : _("Training a deep ensemble of %d members…"), t->n_members);
  set_line (self, "ensemble", text, FALSE);
  pel_train_thread_set_engine_threads (t->settings.threads);
  pel_train_thread_job_started ();
  rd = g_new0 (RunData, 1);
  g_weak_ref_init (&rd->panel, self);
  rd->task = t;
  pel_live_run_start (self->ens_run, ensemble_func, t, NULL, on_ensemble_done, rd);
  pel_uncertainty_panel_update_actions (self);
  return TRUE;
}

/* ---- saving ------------------------------------------------------------------ */

typedef struct
{
  GPtrArray *models;
  char      *path;
} SaveTask;

static void
save_task_free (SaveTask *s)
{
  g_ptr_array_unref (s->models);
  g_free (s->path);
  g_free (s);
}

static void
save_thread (GTask        *task,
             gpointer      source,
             gpointer      data,
             GCancellable *cancellable)
{
  SaveTask *s = data;
  GError *error = NULL;

  if (pl_model_save_ensemble ((PlModel *const *) s->models->pdata, (int) s->models->len, s->path, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  PelUncertaintyPanel *self = PEL_UNCERTAINTY_PANEL (source);
  SaveTask *s = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;

  self->ens_saving = FALSE;
  if (self->document == NULL)
    return;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    set_line (self, "save", error->message, TRUE);
  else
    {
      g_autofree char *base = g_path_get_basename (s->path);
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Saved %s (%d member)",
                                                            "Saved %s (%d members)", (gulong) s->models->len),
                                               base, (int) s->models->len);
      set_line (self, "save", text, FALSE);
      /* the set shown is that file now */
      if (self->loaded == s->models)
        pel_uncertainty_panel_set_models (self, g_ptr_array_ref (s->models), s->path, self->loaded_holdout);
    }
  pel_uncertainty_panel_update_actions (self);
}

static gboolean
save_ensemble (PelUncertaintyPanel *self,
               const char          *path)
{
  g_autoptr (GTask) task = NULL;
  SaveTask *s;

  if (self->loaded == NULL || self->ens_saving || path == NULL || *path == '\0')
    return FALSE;
  s = g_new0 (SaveTask, 1);
  s->models = g_ptr_array_ref (self->loaded);
  s->path = g_strdup (path);
  self->ens_saving = TRUE;
  set_line (self, "save", _("Saving…"), FALSE);
  task = g_task_new (self, NULL, on_saved, NULL);
  g_task_set_task_data (task, s, (GDestroyNotify) save_task_free);
  g_task_run_in_thread (task, save_thread);
  pel_uncertainty_panel_update_actions (self);
  return TRUE;
}

static void
on_save_response (GtkNativeDialog     *dialog,
                  int                  response,
                  PelUncertaintyPanel *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      if (path)
        save_ensemble (self, path);
    }
  g_object_unref (dialog);
  g_object_unref (self);
}

/* ---- actions ----------------------------------------------------------------- */

#define ACTION(name) \
  static void name (GSimpleAction *action, GVariant *parameter, gpointer user_data)

ACTION (act_train) { train_ensemble (user_data); }
ACTION (act_stop) { pel_live_run_stop (PEL_UNCERTAINTY_PANEL (user_data)->ens_run); }
ACTION (act_save) { save_ensemble (user_data, g_variant_get_string (parameter, NULL)); }

ACTION (act_members)
{
  PelUncertaintyPanel *self = user_data;

  self->ens_members = CLAMP (g_variant_get_int32 (parameter), 2, PL_MODEL_MAX_MEMBERS);
  self->syncing = TRUE;
  gtk_spin_button_set_value (self->ens_members_spin, self->ens_members);
  self->syncing = FALSE;
}

ACTION (act_steps)
{
  PelUncertaintyPanel *self = user_data;

  self->ens_steps = CLAMP (g_variant_get_int32 (parameter), 1, 1000000);
  self->syncing = TRUE;
  gtk_spin_button_set_value (self->ens_steps_spin, self->ens_steps);
  self->syncing = FALSE;
}

ACTION (act_bootstrap)
{
  PelUncertaintyPanel *self = user_data;

  self->ens_bootstrap = g_variant_get_boolean (parameter);
  g_simple_action_set_state (action, parameter);
  self->syncing = TRUE;
  gtk_check_button_set_active (self->ens_bootstrap_check, self->ens_bootstrap);
  self->syncing = FALSE;
}

ACTION (act_save_as)
{
  PelUncertaintyPanel *self = user_data;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *native =
    gtk_file_chooser_native_new (_("Save Ensemble"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                 GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));

  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), "ensemble.safetensors");
  g_signal_connect (native, "response", G_CALLBACK (on_save_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static const GActionEntry ensemble_actions[] = {
  { "train", act_train, NULL, NULL, NULL, { 0 } },
  { "stop", act_stop, NULL, NULL, NULL, { 0 } },
  { "members", act_members, "i", NULL, NULL, { 0 } },
  { "steps", act_steps, "i", NULL, NULL, { 0 } },
  { "bootstrap", act_bootstrap, "b", "false", NULL, { 0 } },
  { "save", act_save, "s", NULL, NULL, { 0 } },
  { "save-as", act_save_as, NULL, NULL, NULL, { 0 } },
  { "busy", NULL, NULL, "false", NULL, { 0 } },
};

/* ---- widgets ----------------------------------------------------------------- */

static void
on_members_changed (PelUncertaintyPanel *self)
{
  if (!self->syncing)
    g_action_group_activate_action (G_ACTION_GROUP (self->ens_actions), "members",
                                    g_variant_new_int32 (gtk_spin_button_get_value_as_int (self->ens_members_spin)));
}

static void
on_steps_changed (PelUncertaintyPanel *self)
{
  if (!self->syncing)
    g_action_group_activate_action (G_ACTION_GROUP (self->ens_actions), "steps",
                                    g_variant_new_int32 (gtk_spin_button_get_value_as_int (self->ens_steps_spin)));
}

static void
on_bootstrap_toggled (PelUncertaintyPanel *self)
{
  if (!self->syncing)
    g_action_group_activate_action (G_ACTION_GROUP (self->ens_actions), "bootstrap",
                                    g_variant_new_boolean (gtk_check_button_get_active (self->ens_bootstrap_check)));
}

void
pel_uncertainty_ensemble_init (PelUncertaintyPanel *self)
{
  self->ens_members = PL_ENSEMBLE_DEFAULT_MEMBERS;
  self->ens_steps = PL_TRAIN_DEFAULT_STEPS;
  self->ens_smooth = g_array_new (FALSE, FALSE, sizeof (double));
  self->ens_run = pel_live_run_new (_("Training a deep ensemble"));
  self->ens_actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->ens_actions), ensemble_actions,
                                   G_N_ELEMENTS (ensemble_actions), self);
  pel_action_script_set_run (G_ACTION_GROUP (self->ens_actions), G_OBJECT (self->ens_run));
  pel_action_script_insert_group (GTK_WIDGET (self), "ensemble", G_ACTION_GROUP (self->ens_actions));

  self->syncing = TRUE;
  gtk_spin_button_set_range (self->ens_members_spin, 2, PL_MODEL_MAX_MEMBERS);
  gtk_spin_button_set_value (self->ens_members_spin, self->ens_members);
  gtk_spin_button_set_value (self->ens_steps_spin, self->ens_steps);
  self->syncing = FALSE;
  g_signal_connect_swapped (self->ens_members_spin, "value-changed", G_CALLBACK (on_members_changed), self);
  g_signal_connect_swapped (self->ens_steps_spin, "value-changed", G_CALLBACK (on_steps_changed), self);
  g_signal_connect_swapped (self->ens_bootstrap_check, "toggled", G_CALLBACK (on_bootstrap_toggled), self);
  g_signal_connect_swapped (self, "map", G_CALLBACK (update_settings_label), self);

  gtk_box_append (self->ens_run_row_box, pel_run_row_new (self->ens_run, _("%.2f steps/s"), "ensemble.stop"));
  self->ens_plot = PEL_PLOT (pel_plot_new (_("step"), _("loss")));
  pel_plot_set_placeholder (self->ens_plot, _("Each member's loss, smoothed, as it trains"));
  gtk_widget_set_size_request (GTK_WIDGET (self->ens_plot), -1, 120);
  gtk_box_append (self->ens_plot_box, GTK_WIDGET (self->ens_plot));
  g_signal_connect_swapped (self->ens_run, "series-points::loss", G_CALLBACK (on_loss_points), self);
  g_signal_connect_swapped (self->ens_run, "status", G_CALLBACK (on_status), self);
  g_signal_connect_swapped (self->ens_run, "notify::running", G_CALLBACK (pel_uncertainty_panel_update_actions),
                            self);
}

gboolean
pel_uncertainty_ensemble_busy (PelUncertaintyPanel *self)
{
  return self->ens_task != NULL || self->ens_saving;
}

void
pel_uncertainty_ensemble_update_actions (PelUncertaintyPanel *self,
                                         gboolean             estimating)
{
  gboolean training = self->ens_task != NULL;
  GAction *a;

  if (self->ens_actions == NULL)
    return;
#define ENABLE(name, on)                                                     \
  a = g_action_map_lookup_action (G_ACTION_MAP (self->ens_actions), name);  \
  g_simple_action_set_enabled (G_SIMPLE_ACTION (a), (on));
  ENABLE ("train", !training && !estimating && !self->ens_saving && pel_document_has_volume (self->document));
  ENABLE ("stop", training);
  ENABLE ("members", !training);
  ENABLE ("steps", !training);
  ENABLE ("bootstrap", !training);
  ENABLE ("save", !training && !self->ens_saving && self->loaded != NULL);
  ENABLE ("save-as", !training && !self->ens_saving && self->loaded != NULL);
#undef ENABLE
  a = g_action_map_lookup_action (G_ACTION_MAP (self->ens_actions), "busy");
  g_simple_action_set_state (G_SIMPLE_ACTION (a),
                             g_variant_new_boolean (training || estimating || self->ens_saving));
}

/* The document opened another volume: members trained on the old one's
 * labels stop (those finished stay, as a loaded model file would). */
void
pel_uncertainty_ensemble_volume_changed (PelUncertaintyPanel *self)
{
  if (self->ens_task)
    pel_live_run_stop (self->ens_run);
}

void
pel_uncertainty_ensemble_dispose (PelUncertaintyPanel *self)
{
  if (self->ens_run && self->ens_task)
    pel_live_run_stop (self->ens_run);
  if (self->ens_run)
    g_signal_handlers_disconnect_by_data (self->ens_run, self);
}

void
pel_uncertainty_ensemble_finalize (PelUncertaintyPanel *self)
{
  g_clear_object (&self->ens_run);
  g_clear_object (&self->ens_actions);
  g_clear_pointer (&self->ens_smooth, g_array_unref);
}

const char *
pel_uncertainty_ensemble_get_status (PelUncertaintyPanel *self,
                                     const char          *key)
{
  return self->ens_status_box ? pel_status_lines_get (self->ens_status_box, key) : NULL;
}
