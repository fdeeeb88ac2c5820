/* PelTrainSession: a trainer on a worker thread, its feedback on the main
 * thread.  See pel-train-session.h. */
#define G_LOG_DOMAIN "pel-train"

#include "src/pel-train-session.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "engine/core/gemm.h"
#include "engine/nn/infer.h"
#include "src/pel-train-thread.h"

/* Written by the worker, taken by the main thread; guarded by `mutex`. */
typedef struct
{
  GMutex         mutex;
  GArray        *losses;        /* PelLossPoint since the last flush */
  GArray        *times;         /* monotonic µs of each of those steps */
  GArray        *dice;          /* PelDicePoint since the last flush */
  guint16       *preview;       /* a new preview slice, or NULL */
  gint64         preview_index;
  PlModel       *model;         /* a newer model copy, or NULL */
  guint          idle_id;
  int            n_classes;     /* set once the trainer exists */
  guint16       *classes;
  gint64         holdout;
  PlMethodStatus method_status;
  gboolean       has_method_status;
} Shared;

struct _PelTrainSession
{
  GObject           parent_instance;

  /* Owned */
  PelDocument      *document;
  PelJob           *job;
  PelTrainSettings  settings;
  gboolean          has_settings;

  /* The trainer and what it reads.  While a run is going the worker owns
   * the trainer; the main thread touches none of these until it ends. */
  PlTrainer        *trainer;
  PelTrainProvider *provider;
  PelVolumeRef     *volume;
  int               run_steps;
  PlMethodConfig    method_update;  /* applied by the worker when pending */
  gboolean          method_update_pending;
  GError           *run_error;      /* set by the worker, read after */
  GMainContext     *context;

  Shared            shared;
  gint              preview_request; /* atomic: slice index or −1 */
  gint              preview_interval_ms;   /* atomic, read by the worker */

  /* Main-thread state */
  gboolean          running;
  gboolean          drop_after_run;
  gint64            step;
  gint64            target_step;
  gint64            holdout;
  int               n_classes;
  guint16          *classes;
  GArray           *losses;         /* PelLossPoint */
  GArray           *loss_times;     /* gint64 µs */
  GArray           *dice;           /* PelDicePoint */
  PlModel          *model;
  GError           *error;
  PlMethodStatus    method_status;
  gboolean          has_method_status;
  double            rate;           /* steps per second */
  double            time_left;
};

G_DEFINE_FINAL_TYPE (PelTrainSession, pel_train_session, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_RUNNING,
  PROP_HAS_TRAINER,
  PROP_STEP,
  PROP_TARGET_STEP,
  PROP_LOSS,
  PROP_DICE,
  PROP_STEPS_PER_SECOND,
  PROP_TIME_LEFT,
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
/* Steps per second over this many recent steps. */
#define RATE_WINDOW 20

static void
dice_point_clear (gpointer p)
{
  g_free (((PelDicePoint *) p)->per_class);
}

/* ---- worker side ---------------------------------------------------------- */

static gboolean flush_idle (gpointer user_data);

/* With shared.mutex held. */
static void
schedule_flush (PelTrainSession *self)
{
  GSource *source;

  if (self->shared.idle_id != 0)
    return;
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_LOW);
  g_source_set_callback (source, flush_idle, g_object_ref (self), g_object_unref);
  g_source_set_static_name (source, "[pellucid] training feedback");
  self->shared.idle_id = g_source_attach (source, self->context);
  g_source_unref (source);
}

/* Preview of the requested slice, held-out Dice and a model copy: the
 * worker's part of the live feedback. */
static void
publish_preview (PelTrainSession *self,
                 PlTrainer       *trainer)
{
  PlModel *model = pl_trainer_get_model (trainer);
  const PlVolume *volume = pel_volume_ref_get (self->volume);
  gint64 index = g_atomic_int_get (&self->preview_request);
  int n_classes = pl_trainer_get_n_classes (trainer);
  g_autofree guint16 *preview = NULL;
  g_autofree double *per_class = g_new (double, n_classes);
  double dice = pl_trainer_holdout_dice (trainer, per_class);
  PlModel *copy = pl_trainer_export_model (trainer);
  gint64 step = pl_trainer_get_step (trainer);

  if (index >= 0 && index < volume->dim[model->axis])
    {
      int h, w;
      pl_slice_dims (volume->dim, model->axis, &h, &w);
      preview = g_new (guint16, (gsize) h * w);
      pl_model_predict_slice (model, volume, index, NULL, preview);
    }

  g_mutex_lock (&self->shared.mutex);
  if (preview)
    {
      g_free (self->shared.preview);
      self->shared.preview = g_steal_pointer (&preview);
      self->shared.preview_index = index;
    }
  if (!isnan (dice))
    {
      PelDicePoint p = { step, dice, g_steal_pointer (&per_class) };
      g_array_append_val (self->shared.dice, p);
    }
  g_clear_pointer (&self->shared.model, pl_model_free);
  self->shared.model = copy;
  schedule_flush (self);
  g_mutex_unlock (&self->shared.mutex);
}

typedef struct
{
  PelTrainSession  *self;
  const PlProgress *job;
  gint64            last_preview;
  int               done;
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
  PelTrainSession *self = d->self;
  PelLossPoint p = { info->step, info->loss };
  gint64 now = g_get_monotonic_time ();

  PlMethodStatus status;
  gboolean has_status = pl_method_get_status (trainer, &status);

  d->done++;
  g_mutex_lock (&self->shared.mutex);
  g_array_append_val (self->shared.losses, p);
  g_array_append_val (self->shared.times, now);
  if (has_status)
    self->shared.method_status = status;
  self->shared.has_method_status = has_status;
  schedule_flush (self);
  g_mutex_unlock (&self->shared.mutex);

  /* The last step's preview is published after the run, once. */
  if (d->done < self->run_steps
      && (d->last_preview == 0 || now - d->last_preview >= (gint64) g_atomic_int_get (&self->preview_interval_ms) * 1000))
    {
      publish_preview (self, trainer);
      d->last_preview = g_get_monotonic_time ();
    }
  return !pl_progress_cancelled (d->job);
}

static gpointer
train_func (gpointer          task_data,
            const PlProgress *progress,
            GError          **error)
{
  PelTrainSession *self = task_data;
  const PlVolume *volume = pel_volume_ref_get (self->volume);
  StepData d = { self, progress, 0, 0 };
  PlProgress inner = { forward_report, (gpointer) progress, NULL };
  GError *local = NULL;
  int nice = pel_train_thread_lower_priority ();


  if (self->trainer == NULL)
    {
      PlTrainConfig cfg;

      if (!pel_train_settings_to_config (&self->settings, self->shared.holdout, &cfg, &local))
        goto out;
      self->trainer = pl_trainer_new (&cfg, volume, pel_train_provider_get (self->provider), &local);
      if (self->trainer == NULL)
        goto out;
      if (!pl_method_install (self->trainer, &self->settings.method, &local))
        {
          g_clear_pointer (&self->trainer, pl_trainer_free);
          goto out;
        }
      g_mutex_lock (&self->shared.mutex);
      self->shared.n_classes = pl_trainer_get_n_classes (self->trainer);
      g_free (self->shared.classes);
      self->shared.classes = g_memdup2 (pl_trainer_get_class_values (self->trainer),
                                        sizeof (guint16) * self->shared.n_classes);
      g_mutex_unlock (&self->shared.mutex);
    }

  else if (self->method_update_pending
           && !pl_method_update (self->trainer, &self->method_update, &local))
    goto out;
  self->method_update_pending = FALSE;

  if (!pl_progress_cancelled (progress))
    pl_trainer_run (self->trainer, self->run_steps, &inner, on_step, &d, &local);
  if (d.done > 0)
    publish_preview (self, self->trainer);

out:
  pel_train_thread_restore_priority (nice);
  if (local && !g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    self->run_error = local;
  else
    g_clear_error (&local);
  /* Never NULL: the trainer comes back to the main thread either way. */
  return self;
}

/* ---- main side ------------------------------------------------------------ */

static void
update_rate (PelTrainSession *self)
{
  guint n = self->losses->len;
  double rate = 0.0, left = -1.0;

  if (n >= 2)
    {
      guint first = n > RATE_WINDOW ? n - RATE_WINDOW - 1 : 0;
      gint64 dt = g_array_index (self->loss_times, gint64, n - 1) - g_array_index (self->loss_times, gint64, first);
      gint64 ds = g_array_index (self->losses, PelLossPoint, n - 1).step
                  - g_array_index (self->losses, PelLossPoint, first).step;
      if (dt > 0 && ds > 0)
        rate = ds / (dt * 1e-6);
    }
  if (rate > 0.0 && self->running)
    left = (self->target_step - self->step) / rate;
  if (rate != self->rate)
    {
      self->rate = rate;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STEPS_PER_SECOND]);
    }
  if (left != self->time_left)
    {
      self->time_left = left;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIME_LEFT]);
    }
}

/* Takes what the worker published. */
static void
flush (PelTrainSession *self)
{
  g_autoptr (GArray) losses = NULL, times = NULL, dice = NULL;
  g_autofree guint16 *preview = NULL, *classes = NULL;
  gint64 preview_index;
  PlModel *model;
  int n_classes;

  g_mutex_lock (&self->shared.mutex);
  self->shared.idle_id = 0;
  losses = self->shared.losses;
  times = self->shared.times;
  dice = self->shared.dice;
  self->shared.losses = g_array_new (FALSE, FALSE, sizeof (PelLossPoint));
  self->shared.times = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->shared.dice = g_array_new (FALSE, FALSE, sizeof (PelDicePoint));
  g_array_set_clear_func (self->shared.dice, dice_point_clear);
  preview = g_steal_pointer (&self->shared.preview);
  preview_index = self->shared.preview_index;
  model = g_steal_pointer (&self->shared.model);
  n_classes = self->shared.n_classes;
  self->method_status = self->shared.method_status;
  self->has_method_status = self->shared.has_method_status;
  if (self->shared.classes && (self->classes == NULL || n_classes != self->n_classes
                               || memcmp (self->classes, self->shared.classes, sizeof (guint16) * n_classes) != 0))
    classes = g_memdup2 (self->shared.classes, sizeof (guint16) * n_classes);
  g_mutex_unlock (&self->shared.mutex);

  g_object_freeze_notify (G_OBJECT (self));
  if (classes)
    {
      g_free (self->classes);
      self->classes = g_steal_pointer (&classes);
      self->n_classes = n_classes;
    }
  if (model)
    {
      g_clear_pointer (&self->model, pl_model_free);
      self->model = model;
    }
  if (losses->len > 0)
    {
      g_array_append_vals (self->losses, losses->data, losses->len);
      g_array_append_vals (self->loss_times, times->data, times->len);
      self->step = g_array_index (losses, PelLossPoint, losses->len - 1).step;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STEP]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOSS]);
      update_rate (self);
    }
  if (dice->len > 0)
    {
      /* ownership of per_class moves to self->dice */
      g_array_set_clear_func (dice, NULL);
      g_array_append_vals (self->dice, dice->data, dice->len);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DICE]);
    }
  g_object_thaw_notify (G_OBJECT (self));

  if (losses->len > 0 || dice->len > 0)
    g_signal_emit (self, signals[PROGRESS], 0);
  if (preview && self->volume
      && pel_document_get_volume (self->document) == pel_volume_ref_get (self->volume))
    {
      pel_document_set_proposal_slice (self->document, self->settings.axis, preview_index, preview);
      g_signal_emit (self, signals[PREVIEW], 0, preview_index);
    }
}

static gboolean
flush_idle (gpointer user_data)
{
  flush (user_data);
  return G_SOURCE_REMOVE;
}

static void
drop_trainer (PelTrainSession *self)
{
  g_return_if_fail (!self->running);
  g_clear_pointer (&self->trainer, pl_trainer_free);
  g_clear_pointer (&self->provider, pel_train_provider_free);
  g_clear_pointer (&self->volume, pel_volume_ref_unref);
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
on_job_done (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (PelTrainSession) self = user_data;
  g_autoptr (GError) error = NULL;
  gpointer back = pel_job_run_finish (PEL_JOB (object), result, &error);

  g_assert (back == NULL || back == self);
  pel_train_thread_job_finished ();
  flush (self);
  g_clear_error (&self->error);
  self->error = g_steal_pointer (&self->run_error);
  if (self->error == NULL && back == NULL && error && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    self->error = g_steal_pointer (&error);

  g_object_freeze_notify (G_OBJECT (self));
  set_running (self, FALSE);
  if (self->drop_after_run || self->trainer == NULL)
    {
      self->drop_after_run = FALSE;
      drop_trainer (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_TRAINER]);
  self->target_step = self->step;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TARGET_STEP]);
  update_rate (self);
  g_object_thaw_notify (G_OBJECT (self));
  g_signal_emit (self, signals[FINISHED], 0, self->error);
}

static void
run (PelTrainSession *self,
     int              steps)
{
  self->run_steps = steps;
  self->target_step = self->step + steps;
  g_clear_error (&self->error);
  g_clear_pointer (&self->context, g_main_context_unref);
  self->context = g_main_context_ref_thread_default ();
  pel_train_thread_set_engine_threads (self->settings.threads);
  pel_train_thread_job_started ();
  set_running (self, TRUE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TARGET_STEP]);
  /* The callback's reference keeps the session, and with it everything the
   * worker reads, alive until the run is over. */
  pel_job_run_async (self->job, train_func, self, NULL, NULL, NULL, on_job_done, g_object_ref (self));
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
    pel_train_settings_clear (&self->settings);
  pel_train_settings_copy (&self->settings, settings);
  self->has_settings = TRUE;
  self->volume = pel_document_ref_volume (self->document);
  self->provider = pel_train_provider_new (self->document, volume->dim);
  self->holdout = settings->holdout ? choose_holdout (self, settings->axis) : -1;

  g_mutex_lock (&self->shared.mutex);
  self->shared.holdout = self->holdout;
  self->shared.n_classes = 0;
  g_clear_pointer (&self->shared.classes, g_free);
  g_mutex_unlock (&self->shared.mutex);

  g_object_freeze_notify (G_OBJECT (self));
  g_array_set_size (self->losses, 0);
  g_array_set_size (self->loss_times, 0);
  g_array_set_size (self->dice, 0);
  g_clear_pointer (&self->classes, g_free);
  self->n_classes = 0;
  g_clear_pointer (&self->model, pl_model_free);
  self->step = 0;
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
  if (self->trainer == NULL)
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
      if (method->kind != self->settings.method.kind)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("Another method needs a new start"));
          return FALSE;
        }
      if (!pl_method_config_check (method, error))
        return FALSE;
      self->settings.method = *method;
      self->method_update = *method;
      self->method_update_pending = TRUE;
    }
  run (self, steps);
  return TRUE;
}

void
pel_train_session_stop (PelTrainSession *self)
{
  g_return_if_fail (PEL_IS_TRAIN_SESSION (self));
  if (self->running)
    pel_job_cancel (self->job);
}

void
pel_train_session_reset (PelTrainSession *self)
{
  g_return_if_fail (PEL_IS_TRAIN_SESSION (self));
  if (self->running)
    {
      self->drop_after_run = TRUE;
      pel_job_cancel (self->job);
      return;
    }
  if (self->trainer || self->provider)
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
  g_clear_object (&self->document);
  g_clear_object (&self->job);
  G_OBJECT_CLASS (pel_train_session_parent_class)->dispose (object);
}

static void
pel_train_session_finalize (GObject *object)
{
  PelTrainSession *self = PEL_TRAIN_SESSION (object);

  if (self->has_settings)
    pel_train_settings_clear (&self->settings);
  g_clear_pointer (&self->shared.losses, g_array_unref);
  g_clear_pointer (&self->shared.times, g_array_unref);
  g_clear_pointer (&self->shared.dice, g_array_unref);
  g_free (self->shared.preview);
  g_free (self->shared.classes);
  g_clear_pointer (&self->shared.model, pl_model_free);
  g_mutex_clear (&self->shared.mutex);
  g_array_unref (self->losses);
  g_array_unref (self->loss_times);
  g_array_unref (self->dice);
  g_free (self->classes);
  g_clear_pointer (&self->model, pl_model_free);
  g_clear_error (&self->error);
  g_clear_error (&self->run_error);
  g_clear_pointer (&self->context, g_main_context_unref);
  G_OBJECT_CLASS (pel_train_session_parent_class)->finalize (object);
}

static double
last_loss (PelTrainSession *self)
{
  return self->losses->len ? g_array_index (self->losses, PelLossPoint, self->losses->len - 1).loss : NAN;
}

static double
last_dice (PelTrainSession *self)
{
  return self->dice->len ? g_array_index (self->dice, PelDicePoint, self->dice->len - 1).mean : NAN;
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
    case PROP_STEP: g_value_set_int64 (value, self->step); break;
    case PROP_TARGET_STEP: g_value_set_int64 (value, self->target_step); break;
    case PROP_LOSS: g_value_set_double (value, last_loss (self)); break;
    case PROP_DICE: g_value_set_double (value, last_dice (self)); break;
    case PROP_STEPS_PER_SECOND: g_value_set_double (value, self->rate); break;
    case PROP_TIME_LEFT: g_value_set_double (value, self->time_left); break;
    case PROP_HOLDOUT_SLICE: g_value_set_int64 (value, self->holdout); break;
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
  properties[PROP_LOSS] = g_param_spec_double ("loss", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.0, ro);   /* NaN when none yet */
  properties[PROP_DICE] = g_param_spec_double ("dice", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.0, ro);   /* NaN when none yet */
  properties[PROP_STEPS_PER_SECOND] = g_param_spec_double ("steps-per-second", NULL, NULL, 0, G_MAXDOUBLE, 0, ro);
  properties[PROP_TIME_LEFT] = g_param_spec_double ("time-left", NULL, NULL, -1, G_MAXDOUBLE, -1, ro);
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
  g_mutex_init (&self->shared.mutex);
  self->shared.losses = g_array_new (FALSE, FALSE, sizeof (PelLossPoint));
  self->shared.times = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->shared.dice = g_array_new (FALSE, FALSE, sizeof (PelDicePoint));
  g_array_set_clear_func (self->shared.dice, dice_point_clear);
  self->shared.holdout = -1;
  self->losses = g_array_new (FALSE, FALSE, sizeof (PelLossPoint));
  self->loss_times = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->dice = g_array_new (FALSE, FALSE, sizeof (PelDicePoint));
  g_array_set_clear_func (self->dice, dice_point_clear);
  self->preview_request = -1;
  self->preview_interval_ms = (gint) (DEFAULT_PREVIEW_INTERVAL_S * 1000.0);
  self->holdout = -1;
  self->time_left = -1.0;
  self->job = pel_job_new (_("Training"));
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

PelJob *
pel_train_session_get_job (PelTrainSession *self)
{
  g_return_val_if_fail (PEL_IS_TRAIN_SESSION (self), NULL);
  return self->job;
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
  return self->running ? !self->drop_after_run : self->trainer != NULL;
}

gint64
pel_train_session_get_step (PelTrainSession *self)
{
  g_return_val_if_fail (PEL_IS_TRAIN_SESSION (self), 0);
  return self->step;
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
  return self->has_settings ? &self->settings : NULL;
}

gint64
pel_train_session_get_holdout_slice (PelTrainSession *self)
{
  g_return_val_if_fail (PEL_IS_TRAIN_SESSION (self), -1);
  return self->holdout;
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

const PelLossPoint *
pel_train_session_get_losses (PelTrainSession *self,
                              guint           *n)
{
  g_return_val_if_fail (PEL_IS_TRAIN_SESSION (self), NULL);
  *n = self->losses->len;
  return (const PelLossPoint *) self->losses->data;
}

const PelDicePoint *
pel_train_session_get_dice (PelTrainSession *self,
                            guint           *n)
{
  g_return_val_if_fail (PEL_IS_TRAIN_SESSION (self), NULL);
  *n = self->dice->len;
  return (const PelDicePoint *) self->dice->data;
}

void
pel_train_session_set_preview_slice (PelTrainSession *self,
                                     gint64           index)
{
  g_return_if_fail (PEL_IS_TRAIN_SESSION (self));
  g_atomic_int_set (&self->preview_request, (gint) CLAMP (index, -1, G_MAXINT));
}

void
pel_train_session_set_preview_interval (PelTrainSession *self,
                                        double           seconds)
{
  g_return_if_fail (PEL_IS_TRAIN_SESSION (self));
  g_atomic_int_set (&self->preview_interval_ms, (gint) CLAMP (seconds * 1000.0, 0.0, (double) G_MAXINT));
}

PlModel *
pel_train_session_get_model (PelTrainSession *self)
{
  g_return_val_if_fail (PEL_IS_TRAIN_SESSION (self), NULL);
  return self->model;
}

gboolean
pel_train_session_get_method_status (PelTrainSession *self,
                                     PlMethodStatus  *status)
{
  g_return_val_if_fail (PEL_IS_TRAIN_SESSION (self), FALSE);
  if (self->has_method_status)
    *status = self->method_status;
  return self->has_method_status;
}

PelTrainProvider *
pel_train_session_get_provider (PelTrainSession *self)
{
  g_return_val_if_fail (PEL_IS_TRAIN_SESSION (self), NULL);
  return self->provider;
}
