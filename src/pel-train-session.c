/* PelTrainSession: a trainer on a worker thread through a PelLiveRun, its
 * feedback on the main thread.  See pel-train-session.h. */
#define G_LOG_DOMAIN "pel-train"

#include "src/pel-train-session.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "engine/core/gemm.h"
#include "engine/nn/infer.h"
#include "src/pel-train-thread.h"

/* The worker's task data: plain data only, kept across runs so Continue
 * picks up the trainer, its step count and its optimiser state.  While a
 * run is going the worker owns it; the main thread writes only the atomic
 * requests. */
typedef struct
{
  PlTrainer        *trainer;
  PelTrainProvider *provider;
  PelVolumeRef     *volume;
  PelTrainCases    *cases;             /* across a cohort, or NULL */
  PlModel          *init;              /* the pretrained model, or NULL */
  PlLabelTable     *label_table;       /* names and side pairs, a copy */
  PelTrainSettings  settings;
  gint64            holdout;
  int               run_steps;
  gint64            target;
  PlMethodConfig    method_update;
  gboolean          method_update_pending;
  GError           *error;             /* the run's, read after it */
  gint              preview_request;   /* atomic: slice index or −1 */
  gint              preview_interval_ms;   /* atomic */
} TrainTask;

struct _PelTrainSession
{
  GObject           parent_instance;

  /* Owned */
  PelDocument      *document;
  PelLiveRun       *run;
  TrainTask         task;
  gboolean          has_settings;

  /* Main-thread state */
  gboolean          running;
  gboolean          drop_after_run;
  gint64            target_step;
  int               n_classes;
  guint16          *classes;
  PlModel          *model;
  GError           *error;
  PelTrainCases    *next_cases;        /* for the next start */
  PlModel          *next_init;         /* for the next start */
};

G_DEFINE_FINAL_TYPE (PelTrainSession, pel_train_session, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_RUNNING,
  PROP_HAS_TRAINER,
  PROP_STEP,
  PROP_TARGET_STEP,
  PROP_HOLDOUT_SLICE,
  N_PROPS
};

enum
{
  PROGRESS,
  PREVIEW,
  FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Refresh the preview and Dice this often while training (a forward pass
 * of one slice each: a few percent of the work at this rate). */
#define DEFAULT_PREVIEW_INTERVAL_S 2.0

/* ---- worker side ---------------------------------------------------------- */

/* What the held-out Dice rests on: one slice, and the classes painted
 * there; the others it cannot see. */
static char *
holdout_coverage (PlTrainer *trainer,
                  gint64     slice)
{
  int n = pl_trainer_get_n_classes (trainer);
  const PlModel *model = pl_trainer_get_model (trainer);
  g_autofree gint64 *tp = g_new0 (gint64, n), *pred = g_new0 (gint64, n), *truth = g_new0 (gint64, n);
  g_autoptr (GString) unseen = g_string_new (NULL);
  int n_unseen = 0;

  pl_trainer_count_slice (trainer, slice, tp, pred, truth);
  for (int c = 0; c < n; c++)
    if (truth[c] == 0)
      {
        if (n_unseen++ > 0)
          g_string_append (unseen, ", ");
        if (model->class_names[c] && *model->class_names[c])
          g_string_append (unseen, model->class_names[c]);
        else
          g_string_append_printf (unseen, _("label %u"), pl_trainer_get_class_values (trainer)[c]);
      }
  if (n_unseen == 0)
    /* Translators: what the held-out Dice rests on */
    return g_strdup_printf (_("Held-out Dice: 1 slice (%" G_GINT64_FORMAT "), every class painted there; "
                              "Quality scores every painted slice."), slice);
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "Held-out Dice: 1 slice (%" G_GINT64_FORMAT "), which cannot see %s: "
                                       "no voxel of it is painted there. Quality scores every painted slice.",
                                       "Held-out Dice: 1 slice (%" G_GINT64_FORMAT "), which cannot see %s: "
                                       "none of them is painted there. Quality scores every painted slice.",
                                       n_unseen), slice, unseen->str);
}

/* Preview of the requested slice, held-out Dice and a model copy: the
 * worker's part of the live feedback. */
static void
publish_preview (TrainTask *t,
                 PelLive   *live)
{
  PlTrainer *trainer = t->trainer;
  PlModel *model = pl_trainer_get_model (trainer);
  const PlVolume *volume = pel_volume_ref_get (t->volume);
  gint64 index = g_atomic_int_get (&t->preview_request);
  int n_classes = pl_trainer_get_n_classes (trainer);
  g_autofree double *per_class = g_new (double, n_classes);
  double dice = pl_trainer_holdout_dice (trainer, per_class);
  gint64 step = pl_trainer_get_step (trainer);

  if (t->cases)
    {
      /* The bank holds every slice of the open case along its axial axis,
       * normalised, in the slice layout of the document's. */
      const PlVolume *bank = pel_train_cases_get_volume (t->cases);
      int axis = pel_train_cases_get_live_axis (t->cases);
      gint64 s = t->settings.axis == axis ? pel_train_cases_live_to_bank (t->cases, index) : -1;
      g_autofree char *line = pel_train_cases_describe (t->cases);

      pel_live_status (live, "cases", line);
      if (s >= 0)
        {
          int h, w, H = (int) bank->dim[0], W = (int) bank->dim[1];
          g_autofree guint16 *full = g_new (guint16, (gsize) H * W);
          guint16 *preview;

          pl_slice_dims (volume->dim, axis, &h, &w);
          preview = g_new (guint16, (gsize) h * w);
          pl_model_predict_slice (model, bank, s, NULL, full);
          for (int y = 0; y < h; y++)
            memcpy (preview + (gsize) y * w, full + (gsize) (y + (H - h) / 2) * W + (W - w) / 2,
                    sizeof (guint16) * w);
          pel_live_publish_labels (live, "slice", index, preview, h, w);
        }
    }
  else if (index >= 0 && index < volume->dim[model->axis])
    {
      int h, w;
      guint16 *preview;

      pl_slice_dims (volume->dim, model->axis, &h, &w);
      preview = g_new (guint16, (gsize) h * w);
      pl_model_predict_slice (model, volume, index, NULL, preview);
      pel_live_publish_labels (live, "slice", index, preview, h, w);
    }
  if (!isnan (dice))
    {
      g_autofree char *sees = holdout_coverage (trainer, t->holdout);
      pel_live_status (live, "holdout", sees);
      pel_live_append (live, "dice", (double) step, dice);
      for (int c = 0; c < n_classes; c++)
        {
          char name[32];
          g_snprintf (name, sizeof name, "dice:%d", c);
          pel_live_append (live, name, (double) step, per_class[c]);
        }
    }
  {
    PlModel *copy = pl_trainer_export_model (trainer);

    if (t->cases)
      pl_case_bank_mark_model (pel_train_cases_get_bank (t->cases), copy);
    pel_live_publish_boxed (live, "model", copy, (GDestroyNotify) pl_model_free);
  }
}

/* The method's state after a step, as one line or two. */
static char *
method_status_text (PlTrainer *trainer)
{
  PlMethodStatus ms;
  GString *m;

  if (!pl_method_get_status (trainer, &ms) || ms.kind == PL_METHOD_SUPERVISED)
    return NULL;
  m = g_string_new (NULL);
  if (isfinite (ms.unlabelled_loss))
    g_string_append_printf (m, _("unlabelled term %.4f × weight %.3g"), ms.unlabelled_loss, ms.weight);
  pl_method_status_describe (&ms, m);
  if (ms.note[0])
    g_string_append_printf (m, "%s%s", m->len ? "\n" : "", ms.note);
  return g_string_free (m, m->len == 0);
}

typedef struct
{
  TrainTask *task;
  PelLive   *live;
  gint64     last_preview;
  int        done;
} StepData;

/* The trainer's progress goes to the job, but its stop request is read in
 * on_step, after the step is recorded: pl_trainer_run() would otherwise
 * stop before telling on_step about the step it just finished. */
static gboolean
forward_report (double      fraction,
                const char *message,
                gpointer    user_data)
{
  pl_progress_report (user_data, fraction, message);
  return TRUE;
}

static gboolean
on_step (PlTrainer             *trainer,
         const PlTrainStepInfo *info,
         gpointer               user_data)
{
  StepData *d = user_data;
  TrainTask *t = d->task;
  gint64 now = g_get_monotonic_time ();
  g_autofree char *status = method_status_text (trainer);

  d->done++;
  pel_live_append (d->live, "loss", (double) info->step, info->loss);
  pel_live_status (d->live, "method", status);
  pel_live_progress (d->live, info->step, t->target);

  /* The last step's preview is published after the run, once. */
  if (d->done < t->run_steps
      && (d->last_preview == 0 || now - d->last_preview >= (gint64) g_atomic_int_get (&t->preview_interval_ms) * 1000))
    {
      publish_preview (t, d->live);
      d->last_preview = g_get_monotonic_time ();
    }
  return !pel_live_cancelled (d->live);
}

static gboolean
make_trainer (TrainTask *t,
              PelLive   *live,
              GError   **error)
{
  PlTrainConfig cfg;
  int n;
  gint64 shape[3] = { 1, 1, 0 };

  g_autofree char *init_record = NULL;

  if (!pel_train_settings_to_config (&t->settings, t->holdout, &cfg, error))
    return FALSE;
  cfg.label_table = t->label_table;
  if (t->init)
    {
      /* as pellucid-cli train --init records it */
      g_autoptr (JsonNode) name = json_node_init_string (json_node_alloc (), t->settings.init ? t->settings.init : "");
      g_autofree char *quoted = json_to_string (name, FALSE);

      if (!pel_train_settings_check_init (&t->settings, t->init, t->settings.init ? t->settings.init : _("the pre-trained model"),
                                          error))
        return FALSE;
      init_record = g_strdup_printf ("{\"file\":%s,\"training\":%s}", quoted,
                                     t->init->training ? t->init->training : "null");
      cfg.init = t->init->unet;
      cfg.init_decoder = pl_model_decoder_pretrained (t->init);
      cfg.init_record = init_record;
      cfg.freeze = t->settings.freeze;
    }
  if (t->cases)
    {
      g_autofree char *line = NULL;

      /* the bank stacks only the painted slices: no neighbours, no place */
      if (cfg.context > 1 || cfg.coords)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       _("Training across the cases of a cohort takes each painted slice alone: "
                         "set Slices per input to 1 and turn off the position channel"));
          return FALSE;
        }
      if (pel_train_cases_get_volume (t->cases) == NULL)
        {
          pel_live_status (live, "cases", _("Loading the painted slices of every case…"));
          if (!pel_train_cases_build (t->cases, pel_volume_ref_get (t->volume),
                                      pel_train_provider_get (t->provider), NULL, error))
            return FALSE;
        }
      /* The bank stacks the cases' axial slices along its axis 2. */
      cfg.axis = 2;
      cfg.norm_offset = 0.0;
      cfg.norm_divisor = 1.0;
      t->trainer = pl_trainer_new (&cfg, pel_train_cases_get_volume (t->cases),
                                   pel_train_cases_get_provider (t->cases), error);
      line = pel_train_cases_describe (t->cases);
      pel_live_status (live, "cases", line);
    }
  else
    t->trainer = pl_trainer_new (&cfg, pel_volume_ref_get (t->volume), pel_train_provider_get (t->provider), error);
  if (t->trainer == NULL)
    return FALSE;
  if (!pl_method_install (t->trainer, &t->settings.method, error))
    {
      g_clear_pointer (&t->trainer, pl_trainer_free);
      return FALSE;
    }
  n = pl_trainer_get_n_classes (t->trainer);
  shape[2] = n;
  pel_live_publish (live, "classes", PEL_LIVE_LABELS, shape, -1,
                    g_memdup2 (pl_trainer_get_class_values (t->trainer), sizeof (guint16) * n), g_free);
  return TRUE;
}

static gpointer
train_func (gpointer   task_data,
            PelLive   *live,
            GError   **error)
{
  TrainTask *t = task_data;
  StepData d = { t, live, 0, 0 };
  PlProgress inner = { forward_report, (gpointer) pel_live_get_progress (live), NULL };
  GError *local = NULL;
  int nice = pel_train_thread_lower_priority ();

  if (t->trainer == NULL)
    {
      if (!make_trainer (t, live, &local))
        goto out;
    }
  else if (t->method_update_pending
           && !pl_method_update (t->trainer, &t->method_update, &local))
    goto out;
  t->method_update_pending = FALSE;

  if (!pel_live_cancelled (live))
    pl_trainer_run (t->trainer, t->run_steps, &inner, on_step, &d, &local);
  if (d.done > 0)
    publish_preview (t, live);

out:
  pel_train_thread_restore_priority (nice);
  if (local && !g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    t->error = local;
  else
    g_clear_error (&local);
  /* Never NULL: the trainer comes back to the main thread either way. */
  return t;
}

/* ---- main side ------------------------------------------------------------ */

static void
on_points (PelTrainSession *self)
{
  g_signal_emit (self, signals[PROGRESS], 0);
}

static void
on_run_notify_done (PelTrainSession *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STEP]);
}

static void
on_preview (PelTrainSession      *self,
            const PelLivePayload *payload)
{
  if (g_str_equal (payload->name, "model"))
    {
      g_clear_pointer (&self->model, pl_model_free);
      self->model = pel_live_payload_steal_data (payload);
    }
  else if (g_str_equal (payload->name, "classes"))
    {
      g_free (self->classes);
      self->n_classes = (int) payload->shape[2];
      self->classes = g_memdup2 (payload->data, sizeof (guint16) * self->n_classes);
    }
  else if (g_str_equal (payload->name, "slice") && self->task.volume
           && pel_document_get_volume (self->document) == pel_volume_ref_get (self->task.volume))
    {
      pel_document_set_proposal_slice (self->document, self->task.settings.axis, payload->index, payload->data);
      g_signal_emit (self, signals[PREVIEW], 0, payload->index);
    }
}

static void
drop_trainer (PelTrainSession *self)
{
  g_return_if_fail (!self->running);
  g_clear_pointer (&self->task.trainer, pl_trainer_free);
  g_clear_pointer (&self->task.cases, pel_train_cases_free);
  g_clear_pointer (&self->task.init, pl_model_free);
  g_clear_pointer (&self->task.provider, pel_train_provider_free);
  g_clear_pointer (&self->task.label_table, pl_label_table_free);
  g_clear_pointer (&self->task.volume, pel_volume_ref_unref);
}

static void
set_running (PelTrainSession *self,
             gboolean         running)
{
  if (running == self->running)
    return;
  self->running = running;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

static void
on_run_done (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (PelTrainSession) self = user_data;
  g_autoptr (GError) error = NULL;
  gpointer back = pel_live_run_finish (PEL_LIVE_RUN (object), result, &error);

  g_assert (back == NULL || back == &self->task);
  pel_train_thread_job_finished ();
  g_clear_error (&self->error);
  self->error = g_steal_pointer (&self->task.error);
  if (self->error == NULL && back == NULL && error && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    self->error = g_steal_pointer (&error);

  g_object_freeze_notify (G_OBJECT (self));
  set_running (self, FALSE);
  if (self->drop_after_run || self->task.trainer == NULL)
    {
      self->drop_after_run = FALSE;
      drop_trainer (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_TRAINER]);
  self->target_step = pel_train_session_get_step (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TARGET_STEP]);
  g_object_thaw_notify (G_OBJECT (self));
  g_signal_emit (self, signals[FINISHED], 0, self->error);
}

static void
run (PelTrainSession *self,
     int              steps)
{
  self->task.run_steps = steps;
  self->target_step = pel_train_session_get_step (self) + steps;
  self->task.target = self->target_step;
  g_clear_error (&self->error);
  pel_train_thread_set_engine_threads (self->task.settings.threads);
  pel_train_thread_job_started ();
  set_running (self, TRUE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TARGET_STEP]);
  /* The callback's reference keeps the session, and with it the task data,
   * alive until the run is over. */
  pel_live_run_start (self->run, train_func, &self->task, NULL, on_run_done, g_object_ref (self));
}

/* The labelled slice nearest the middle of the labelled ones: held out from
 * training to measure Dice, when at least two slices are labelled. */
static gint64
choose_holdout (PelTrainSession *self,
                int              axis)
{
  const PlVolume *volume = pel_document_get_volume (self->document);
  PelSliceCounts counts;
  g_autoptr (GArray) labelled = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 chosen = -1;

  pel_slice_counts_init (&counts, axis, volume->dim[axis]);
  pel_slice_counts_refresh (&counts, self->document);
  for (gint64 s = 0; s < counts.n; s++)
    if (counts.counts[s] > 0)
      g_array_append_val (labelled, s);
  if (labelled->len >= 2)
    chosen = g_array_index (labelled, gint64, labelled->len / 2);
  pel_slice_counts_clear (&counts);
  return chosen;
}

gboolean
pel_train_session_start (PelTrainSession        *self,
                         const PelTrainSettings *settings,
                         GError                **error)
{
  const PlVolume *volume;

  g_return_val_if_fail (PEL_IS_TRAIN_SESSION (self), FALSE);
  g_return_val_if_fail (settings != NULL, FALSE);

  if (self->running)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY, _("Training is already running"));
      return FALSE;
    }
  volume = pel_document_get_volume (self->document);
  if (volume == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, _("Open a volume first"));
      return FALSE;
    }
  if (settings->axis < 0 || settings->axis > 2 || settings->steps < 1)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("Invalid training settings"));
      return FALSE;
    }

  drop_trainer (self);
  if (self->has_settings)
    pel_train_settings_clear (&self->task.settings);
  pel_train_settings_copy (&self->task.settings, settings);
  self->has_settings = TRUE;
  self->task.volume = pel_document_ref_volume (self->document);
  {
    g_autoptr (PelLabelStore) store = pel_document_ref_label_store (self->document);
    self->task.provider = pel_train_provider_new (store, volume->dim);
  }
  self->task.label_table = pl_label_table_copy (pel_document_get_label_table (self->document));
  self->task.cases = g_steal_pointer (&self->next_cases);
  self->task.init = g_steal_pointer (&self->next_init);
  /* Across cases, the held-out slice would be one of the bank's: none. */
  self->task.holdout = settings->holdout && self->task.cases == NULL ? choose_holdout (self, settings->axis) : -1;
  self->task.method_update_pending = FALSE;

  g_object_freeze_notify (G_OBJECT (self));
  pel_live_run_reset (self->run);
  g_clear_pointer (&self->classes, g_free);
  self->n_classes = 0;
  g_clear_pointer (&self->model, pl_model_free);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STEP]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HOLDOUT_SLICE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_TRAINER]);
  run (self, settings->steps);
  g_object_thaw_notify (G_OBJECT (self));
  return TRUE;
}

gboolean
pel_train_session_continue (PelTrainSession       *self,
                            int                    steps,
                            const PlMethodConfig  *method,
                            GError               **error)
{
  g_return_val_if_fail (PEL_IS_TRAIN_SESSION (self), FALSE);

  if (self->running)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY, _("Training is already running"));
      return FALSE;
    }
  if (self->task.trainer == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, _("Nothing to continue: start training first"));
      return FALSE;
    }
  if (steps < 1)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("Invalid step count"));
      return FALSE;
    }
  if (method)
    {
      if (method->kind != self->task.settings.method.kind)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("Another method needs a new start"));
          return FALSE;
        }
      if (!pl_method_config_check (method, error))
        return FALSE;
      self->task.settings.method = *method;
      self->task.method_update = *method;
      self->task.method_update_pending = TRUE;
    }
  run (self, steps);
  return TRUE;
}

void
pel_train_session_stop (PelTrainSession *self)
{
  g_return_if_fail (PEL_IS_TRAIN_SESSION (self));
  if (self->running)
    pel_live_run_stop (self->run);
}

void
pel_train_session_reset (PelTrainSession *self)
{
  g_return_if_fail (PEL_IS_TRAIN_SESSION (self));
  if (self->running)
    {
      self->drop_after_run = TRUE;
      pel_live_run_stop (self->run);
      return;
    }
  if (self->task.trainer || self->task.provider)
    {
      drop_trainer (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_TRAINER]);
    }
}

static void
on_volume_changed (PelTrainSession *self)
{
  /* A trainer belongs to the volume it was made for. */
  pel_train_session_reset (self);
}

static void
pel_train_session_dispose (GObject *object)
{
  PelTrainSession *self = PEL_TRAIN_SESSION (object);

  /* A running job holds a reference, so this only runs once it is over. */
  g_assert (!self->running);
  if (self->document)
    g_signal_handlers_disconnect_by_data (self->document, self);
  drop_trainer (self);
  g_clear_pointer (&self->next_cases, pel_train_cases_free);
  g_clear_pointer (&self->next_init, pl_model_free);
  if (self->run)
    g_signal_handlers_disconnect_by_data (self->run, self);
  g_clear_object (&self->document);
  g_clear_object (&self->run);
  G_OBJECT_CLASS (pel_train_session_parent_class)->dispose (object);
}

static void
pel_train_session_finalize (GObject *object)
{
  PelTrainSession *self = PEL_TRAIN_SESSION (object);

  if (self->has_settings)
    pel_train_settings_clear (&self->task.settings);
  g_free (self->classes);
  g_clear_pointer (&self->model, pl_model_free);
  g_clear_error (&self->error);
  g_clear_error (&self->task.error);
  G_OBJECT_CLASS (pel_train_session_parent_class)->finalize (object);
}

static void
pel_train_session_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  PelTrainSession *self = PEL_TRAIN_SESSION (object);

  switch (prop_id)
    {
    case PROP_RUNNING: g_value_set_boolean (value, self->running); break;
    case PROP_HAS_TRAINER: g_value_set_boolean (value, pel_train_session_has_trainer (self)); break;
    case PROP_STEP: g_value_set_int64 (value, pel_train_session_get_step (self)); break;
    case PROP_TARGET_STEP: g_value_set_int64 (value, self->target_step); break;
    case PROP_HOLDOUT_SLICE: g_value_set_int64 (value, self->task.holdout); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pel_train_session_class_init (PelTrainSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = pel_train_session_dispose;
  object_class->finalize = pel_train_session_finalize;
  object_class->get_property = pel_train_session_get_property;

  properties[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE, ro);
  properties[PROP_HAS_TRAINER] = g_param_spec_boolean ("has-trainer", NULL, NULL, FALSE, ro);
  properties[PROP_STEP] = g_param_spec_int64 ("step", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_TARGET_STEP] = g_param_spec_int64 ("target-step", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_HOLDOUT_SLICE] = g_param_spec_int64 ("holdout-slice", NULL, NULL, -1, G_MAXINT64, -1, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* New loss or Dice points arrived. */
  signals[PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* A new preview of slice (index) is in the document's proposal. */
  signals[PREVIEW] =
    g_signal_new ("preview", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  /* A run ended: the GError (NULL when it ended well or was stopped). */
  signals[FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
pel_train_session_init (PelTrainSession *self)
{
  self->task.preview_request = -1;
  self->task.preview_interval_ms = (gint) (DEFAULT_PREVIEW_INTERVAL_S * 1000.0);
  self->task.holdout = -1;
  self->run = pel_live_run_new (_("Training"));
  g_signal_connect_swapped (self->run, "series-points::loss", G_CALLBACK (on_points), self);
  g_signal_connect_swapped (self->run, "preview", G_CALLBACK (on_preview), self);
  g_signal_connect_swapped (self->run, "notify::done", G_CALLBACK (on_run_notify_done), self);
}

PelTrainSession *
pel_train_session_new (PelDocument *document)
{
  PelTrainSession *self;

  g_return_val_if_fail (PEL_IS_DOCUMENT (document), NULL);
  self = g_object_new (PEL_TYPE_TRAIN_SESSION, NULL);
  self->document = g_object_ref (document);
  g_signal_connect_swapped (document, "volume-changed", G_CALLBACK (on_volume_changed), self);
  return self;
}

PelDocument *
pel_train_session_get_document (PelTrainSession *self)
{
  g_return_val_if_fail (PEL_IS_TRAIN_SESSION (self), NULL);
  return self->document;
}

PelLiveRun *
pel_train_session_get_run (PelTrainSession *self)
{
  g_return_val_if_fail (PEL_IS_TRAIN_SESSION (self), NULL);
  return self->run;
}

gboolean
pel_train_session_get_running (PelTrainSession *self)
{
  g_return_val_if_fail (PEL_IS_TRAIN_SESSION (self), FALSE);
  return self->running;
}

gboolean
pel_train_session_has_trainer (PelTrainSession *self)
{
  g_return_val_if_fail (PEL_IS_TRAIN_SESSION (self), FALSE);
  /* While running, the worker may be creating the trainer. */
  return self->running ? !self->drop_after_run : self->task.trainer != NULL;
}

gint64
pel_train_session_get_step (PelTrainSession *self)
{
  g_return_val_if_fail (PEL_IS_TRAIN_SESSION (self), 0);
  return pel_live_run_get_done (self->run);
}

gint64
pel_train_session_get_target_step (PelTrainSession *self)
{
  g_return_val_if_fail (PEL_IS_TRAIN_SESSION (self), 0);
  return self->target_step;
}

const PelTrainSettings *
pel_train_session_get_settings (PelTrainSession *self)
{
  g_return_val_if_fail (PEL_IS_TRAIN_SESSION (self), NULL);
  return self->has_settings ? &self->task.settings : NULL;
}

gint64
pel_train_session_get_holdout_slice (PelTrainSession *self)
{
  g_return_val_if_fail (PEL_IS_TRAIN_SESSION (self), -1);
  return self->task.holdout;
}

const guint16 *
pel_train_session_get_classes (PelTrainSession *self,
                               int             *n_classes)
{
  g_return_val_if_fail (PEL_IS_TRAIN_SESSION (self), NULL);
  if (n_classes)
    *n_classes = self->n_classes;
  return self->classes;
}

const GError *
pel_train_session_get_error (PelTrainSession *self)
{
  g_return_val_if_fail (PEL_IS_TRAIN_SESSION (self), NULL);
  return self->error;
}

const PelLivePoint *
pel_train_session_get_losses (PelTrainSession *self,
                              guint           *n)
{
  g_return_val_if_fail (PEL_IS_TRAIN_SESSION (self), NULL);
  return pel_live_run_get_series (self->run, "loss", n);
}

const PelLivePoint *
pel_train_session_get_dice (PelTrainSession *self,
                            guint           *n)
{
  g_return_val_if_fail (PEL_IS_TRAIN_SESSION (self), NULL);
  return pel_live_run_get_series (self->run, "dice", n);
}

void
pel_train_session_set_preview_slice (PelTrainSession *self,
                                     gint64           index)
{
  g_return_if_fail (PEL_IS_TRAIN_SESSION (self));
  g_atomic_int_set (&self->task.preview_request, (gint) CLAMP (index, -1, G_MAXINT));
}

void
pel_train_session_set_preview_interval (PelTrainSession *self,
                                        double           seconds)
{
  g_return_if_fail (PEL_IS_TRAIN_SESSION (self));
  g_atomic_int_set (&self->task.preview_interval_ms, (gint) CLAMP (seconds * 1000.0, 0.0, (double) G_MAXINT));
}

PlModel *
pel_train_session_get_model (PelTrainSession *self)
{
  g_return_val_if_fail (PEL_IS_TRAIN_SESSION (self), NULL);
  return self->model;
}

void
pel_train_session_set_cases (PelTrainSession *self,
                             PelTrainCases   *cases)
{
  g_return_if_fail (PEL_IS_TRAIN_SESSION (self));
  g_clear_pointer (&self->next_cases, pel_train_cases_free);
  self->next_cases = cases;
}

void
pel_train_session_set_init (PelTrainSession *self,
                            PlModel         *init)
{
  g_return_if_fail (PEL_IS_TRAIN_SESSION (self));
  g_clear_pointer (&self->next_init, pl_model_free);
  self->next_init = init;
}

PelTrainCases *
pel_train_session_get_cases (PelTrainSession *self)
{
  g_return_val_if_fail (PEL_IS_TRAIN_SESSION (self), NULL);
  return self->task.cases;
}

PelTrainProvider *
pel_train_session_get_provider (PelTrainSession *self)
{
  g_return_val_if_fail (PEL_IS_TRAIN_SESSION (self), NULL);
  return self->task.provider;
}
