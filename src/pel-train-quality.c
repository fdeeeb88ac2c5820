/* PelTrainPanel: Estimate Quality — cross-validation over the painted
 * slices (engine/methods/crossval.h) as a live run of its own, with the
 * panel's settings and method, so the quality figure rests on every painted
 * slice and says which classes it cannot see. */
#define G_LOG_DOMAIN "pel-train-panel"

#include "src/pel-train-panel-private.h"

#include <glib/gi18n.h>

#include "engine/methods/crossval.h"
#include "src/pel-train-provider.h"
#include "src/pel-train-thread.h"

/* Folds of the estimate: every painted slice scored by a model trained on
 * about four fifths of them (all but one when fewer are painted). */
#define QUALITY_FOLDS 5

typedef struct
{
  PelVolumeRef     *volume;
  PelTrainProvider *provider;
  PlLabelTable     *table;
  PelTrainSettings  settings;
  PlModel          *init;       /* the encoder Start would fine-tune from, or NULL */
  PlCrossval       *result;
} QualityTask;

/* Main thread only (the provider must be freed there). */
static void
quality_task_free (QualityTask *t)
{
  g_clear_pointer (&t->volume, pel_volume_ref_unref);
  g_clear_pointer (&t->provider, pel_train_provider_free);
  g_clear_pointer (&t->table, pl_label_table_free);
  g_clear_pointer (&t->result, pl_crossval_free);
  g_clear_pointer (&t->init, pl_model_free);
  pel_train_settings_clear (&t->settings);
  g_free (t);
}

static gpointer
quality_func (gpointer   task_data,
              PelLive   *live,
              GError   **error)
{
  QualityTask *t = task_data;
  PlTrainConfig cfg;
  int nice = pel_train_thread_lower_priority ();

  if (pel_train_settings_to_config (&t->settings, -1, &cfg, error))
    {
      cfg.label_table = t->table;
      if (t->init)
        {
          /* every fold fine-tunes from the encoder, as Start would */
          cfg.init = t->init->unet;
          cfg.init_decoder = pl_model_decoder_pretrained (t->init);
          cfg.freeze = t->settings.freeze;
        }
      t->result = pl_crossval_run (&cfg, &t->settings.method, pel_volume_ref_get (t->volume),
                                   pel_train_provider_get (t->provider), QUALITY_FOLDS,
                                   t->settings.steps, pel_live_get_progress (live), error);
    }
  pel_train_thread_restore_priority (nice);
  return t->result ? t : NULL;
}

static void
on_quality_done (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (PelTrainPanel) self = user_data;
  g_autoptr (GError) error = NULL;
  QualityTask *t = pel_live_run_finish (PEL_LIVE_RUN (object), result, &error);

  pel_train_thread_job_finished ();
  if (t != NULL)
    {
      g_autofree char *text = pl_crossval_describe (t->result);
      g_autofree char *line = g_strdup_printf (_("Estimated quality (cross-validated): %s."), text);
      pel_train_panel_set_line (self, "quality", line, FALSE);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    pel_train_panel_set_line (self, "quality", _("Quality estimate stopped."), FALSE);
  else
    {
      g_autofree char *line = g_strdup_printf (_("Cannot estimate quality: %s"), error ? error->message : "");
      pel_train_panel_set_line (self, "quality", line, TRUE);
    }
  g_clear_pointer (&self->quality_task, quality_task_free);
  pel_train_panel_update_buttons (self);
}

static void
act_estimate (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  PelTrainPanel *self = user_data;
  const PlVolume *volume = pel_document_get_volume (self->document);
  QualityTask *t;
  g_autofree char *line = NULL;
  g_autoptr (GError) error = NULL;

  if (volume == NULL || self->quality_task != NULL)
    return;
  if (!pel_train_panel_check_init (self, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Cannot estimate quality: %s"), error->message);
      pel_train_panel_set_line (self, "quality", text, TRUE);
      return;
    }
  t = g_new0 (QualityTask, 1);
  pel_train_settings_copy (&t->settings, &self->settings);
  if (self->settings.init)
    t->init = pel_train_panel_model_copy (pel_train_panel_get_encoder (self));
  t->volume = pel_document_ref_volume (self->document);
  {
    g_autoptr (PelLabelStore) store = pel_document_ref_label_store (self->document);
    t->provider = pel_train_provider_new (store, volume->dim);
  }
  t->table = pl_label_table_copy (pel_document_get_label_table (self->document));
  self->quality_task = t;
  line = g_strdup_printf (_("Estimating quality: %d folds of %d steps, each model scored on the painted slices it did not see…"),
                          QUALITY_FOLDS, self->settings.steps);
  pel_train_panel_set_line (self, "quality", line, FALSE);
  pel_train_thread_set_engine_threads (t->settings.threads);
  pel_train_thread_job_started ();
  pel_live_run_reset (self->quality_run);
  pel_live_run_start (self->quality_run, quality_func, t, NULL, on_quality_done, g_object_ref (self));
  pel_train_panel_update_buttons (self);
}

static void
act_estimate_stop (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  PelTrainPanel *self = user_data;
  pel_live_run_stop (self->quality_run);
}

static const GActionEntry quality_entries[] = {
  { "estimate", act_estimate, NULL, NULL, NULL, { 0 } },
  { "estimate-stop", act_estimate_stop, NULL, NULL, NULL, { 0 } },
};

void
pel_train_panel_init_quality (PelTrainPanel *self)
{
  GtkWidget *row;

  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), quality_entries,
                                   G_N_ELEMENTS (quality_entries), self);

  self->quality_run = pel_live_run_new (_("Estimating quality"));
  row = pel_run_row_new (self->quality_run, _("%.2f steps/s"), "train.estimate-stop");
  /* shown only while it runs: the training row above is the main one */
  g_object_bind_property (self->quality_run, "running", row, "visible", G_BINDING_SYNC_CREATE);
  gtk_box_append (self->quality_row_box, row);
}

void
pel_train_panel_update_quality (PelTrainPanel *self,
                                gboolean       can_train)
{
  gboolean estimating = self->quality_task != NULL;

  pel_train_panel_enable (self, "estimate", can_train && !estimating);
  pel_train_panel_enable (self, "estimate-stop", estimating);
}

gboolean
pel_train_panel_estimating (PelTrainPanel *self)
{
  return self->quality_task != NULL;
}

void
pel_train_panel_dispose_quality (PelTrainPanel *self)
{
  /* A running estimate's callback holds the panel, so this runs after it
   * (which freed the task) unless dispose is forced: then stop it, and leave
   * the task and the run to the callback. */
  if (self->quality_task != NULL)
    {
      pel_live_run_stop (self->quality_run);
      return;
    }
  g_clear_object (&self->quality_run);
}
