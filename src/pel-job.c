/* PelJob: worker thread, coalesced progress, cancellation.  See pel-job.h. */
#define G_LOG_DOMAIN "pel-job"

#include "src/pel-job.h"

#include <math.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* What the worker and the main thread share: a plain struct, never the
 * GObject.  The idle holds a reference; `job` is cleared when the job goes. */
typedef struct
{
  gint          ref_count;
  GMutex        mutex;
  double        pending_fraction;
  char         *pending_message;
  guint         idle_id;          /* non-zero while an idle is pending */
  GMainContext *context;
  gint          cancel_flag;      /* read atomically by the engine */
  PelJob       *job;              /* main thread only */
} Channel;

struct _PelJob
{
  GObject          parent_instance;

  char            *title;
  /* Main-thread copies, what the properties report. */
  double           fraction;
  char            *message;
  double           time_left;
  gboolean         running;
  gint64           started;          /* monotonic µs */

  Channel         *channel;
  GCancellable    *cancellable;
  gulong           cancelled_id;
  PelJobFlushFunc  flush_func;
  gpointer         flush_data;
};

G_DEFINE_FINAL_TYPE (PelJob, pel_job, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_TITLE,
  PROP_FRACTION,
  PROP_MESSAGE,
  PROP_TIME_LEFT,
  PROP_RUNNING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void channel_unref (gpointer p);

/* The worker's task data: its function, the caller's data and the
 * channel; nothing of the job itself. */
typedef struct
{
  PelJobFunc     func;
  gpointer       data;
  GDestroyNotify data_free;
  GDestroyNotify result_free;
  Channel       *channel;
} JobData;

static void
job_data_free (gpointer p)
{
  JobData *d = p;
  if (d->data_free)
    d->data_free (d->data);
  channel_unref (d->channel);
  g_free (d);
}

static Channel *
channel_ref (Channel *c)
{
  g_atomic_int_inc (&c->ref_count);
  return c;
}

static void
channel_unref (gpointer p)
{
  Channel *c = p;

  if (!g_atomic_int_dec_and_test (&c->ref_count))
    return;
  g_mutex_clear (&c->mutex);
  g_free (c->pending_message);
  g_clear_pointer (&c->context, g_main_context_unref);
  g_free (c);
}

/* Main thread: publish the newest report, then let the owner (a live run)
 * take what its worker published. */
static void
flush_job (PelJob *self)
{
  Channel *c = self->channel;
  double fraction;
  g_autofree char *message = NULL;

  g_mutex_lock (&c->mutex);
  fraction = c->pending_fraction;
  message = g_steal_pointer (&c->pending_message);
  c->idle_id = 0;
  g_mutex_unlock (&c->mutex);

  if (!self->running)
    return;

  g_object_freeze_notify (G_OBJECT (self));
  if (fraction != self->fraction)
    {
      gint64 elapsed = g_get_monotonic_time () - self->started;
      self->fraction = fraction;
      /* Linear extrapolation once there is enough to go on. */
      self->time_left = (fraction > 0.02 && elapsed > G_USEC_PER_SEC / 2)
                        ? elapsed / 1e6 * (1.0 - fraction) / fraction : -1.0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIME_LEFT]);
    }
  if (message != NULL && g_strcmp0 (message, self->message) != 0)
    {
      g_free (self->message);
      self->message = g_steal_pointer (&message);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
    }
  g_object_thaw_notify (G_OBJECT (self));
  if (self->flush_func)
    self->flush_func (self->flush_data);
}

static gboolean
flush_idle (gpointer user_data)
{
  Channel *c = user_data;

  /* c->job is written on the main thread only: no lock needed to read it */
  if (c->job)
    {
      g_autoptr (PelJob) job = g_object_ref (c->job);
      flush_job (job);
    }
  else
    {
      g_mutex_lock (&c->mutex);
      c->idle_id = 0;
      g_mutex_unlock (&c->mutex);
    }
  return G_SOURCE_REMOVE;
}

/* Worker thread: record, and schedule one idle if none is pending.  A NaN
 * fraction keeps the last one (a live run's wake-up). */
static gboolean
report_progress (double      fraction,
                 const char *message,
                 gpointer    user_data)
{
  Channel *c = user_data;

  g_mutex_lock (&c->mutex);
  if (!isnan (fraction))
    c->pending_fraction = fraction < 0.0 ? -1.0 : CLAMP (fraction, 0.0, 1.0);
  if (message != NULL)
    {
      g_free (c->pending_message);
      c->pending_message = g_strdup (message);
    }
  if (c->idle_id == 0 && c->context != NULL)
    {
      GSource *source = g_idle_source_new ();
      g_source_set_priority (source, G_PRIORITY_LOW);
      g_source_set_callback (source, flush_idle, channel_ref (c), channel_unref);
      g_source_set_static_name (source, "[pellucid] job progress");
      c->idle_id = g_source_attach (source, c->context);
      g_source_unref (source);
    }
  g_mutex_unlock (&c->mutex);
  return !g_atomic_int_get (&c->cancel_flag);
}

static void
run_in_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  JobData *d = task_data;
  PlProgress progress = { report_progress, d->channel, &d->channel->cancel_flag };
  GError *error = NULL;
  gpointer result;

  result = d->func (d->data, &progress, &error);
  if (result == NULL)
    {
      if (error == NULL)
        g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "Failed");
      g_task_return_error (task, error);
    }
  else
    g_task_return_pointer (task, result, d->result_free);
}

static void
on_cancelled (GCancellable *cancellable,
              PelJob       *self)
{
  g_atomic_int_set (&self->channel->cancel_flag, 1);
}

static void
pel_job_finalize (GObject *object)
{
  PelJob *self = PEL_JOB (object);

  if (self->cancellable)
    g_cancellable_disconnect (self->cancellable, self->cancelled_id);
  g_clear_object (&self->cancellable);
  g_mutex_lock (&self->channel->mutex);
  self->channel->job = NULL;
  g_mutex_unlock (&self->channel->mutex);
  channel_unref (self->channel);
  g_free (self->message);
  g_free (self->title);
  G_OBJECT_CLASS (pel_job_parent_class)->finalize (object);
}

static void
pel_job_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  PelJob *self = PEL_JOB (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_FRACTION:
      g_value_set_double (value, self->fraction);
      break;
    case PROP_MESSAGE:
      g_value_set_string (value, self->message);
      break;
    case PROP_TIME_LEFT:
      g_value_set_double (value, self->time_left);
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pel_job_set_property (GObject      *object,
                      guint         prop_id,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  PelJob *self = PEL_JOB (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_free (self->title);
      self->title = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pel_job_class_init (PelJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pel_job_finalize;
  object_class->get_property = pel_job_get_property;
  object_class->set_property = pel_job_set_property;

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FRACTION] =
    g_param_spec_double ("fraction", NULL, NULL, -1.0, 1.0, 0.0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MESSAGE] =
    g_param_spec_string ("message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TIME_LEFT] =
    g_param_spec_double ("time-left", NULL, NULL, -1.0, G_MAXDOUBLE, -1.0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pel_job_init (PelJob *self)
{
  self->channel = g_new0 (Channel, 1);
  self->channel->ref_count = 1;
  g_mutex_init (&self->channel->mutex);
  self->channel->job = self;
  self->time_left = -1.0;
}

PelJob *
pel_job_new (const char *title)
{
  return g_object_new (PEL_TYPE_JOB, "title", title, NULL);
}

const char *
pel_job_get_title (PelJob *self)
{
  g_return_val_if_fail (PEL_IS_JOB (self), NULL);
  return self->title;
}

double
pel_job_get_fraction (PelJob *self)
{
  g_return_val_if_fail (PEL_IS_JOB (self), 0.0);
  return self->fraction;
}

const char *
pel_job_get_message (PelJob *self)
{
  g_return_val_if_fail (PEL_IS_JOB (self), NULL);
  return self->message;
}

double
pel_job_get_time_left (PelJob *self)
{
  g_return_val_if_fail (PEL_IS_JOB (self), -1.0);
  return self->time_left;
}

gboolean
pel_job_get_running (PelJob *self)
{
  g_return_val_if_fail (PEL_IS_JOB (self), FALSE);
  return self->running;
}

static void
set_running (PelJob   *self,
             gboolean  running)
{
  if (self->running == running)
    return;
  self->running = running;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

static void
task_done (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  PelJob *self = PEL_JOB (object);
  GTask *outer = user_data;

  /* The last report may still be pending: show where the job ended. */
  flush_job (self);
  set_running (self, FALSE);
  g_task_return_pointer (outer, g_object_ref (result), g_object_unref);
  g_object_unref (outer);
}

void
pel_job_run_async (PelJob              *self,
                   PelJobFunc           func,
                   gpointer             task_data,
                   GDestroyNotify       task_data_free,
                   GDestroyNotify       result_free,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  GTask *outer;
  JobData *d;

  g_return_if_fail (PEL_IS_JOB (self));
  g_return_if_fail (!self->running);
  g_return_if_fail (func != NULL);

  d = g_new0 (JobData, 1);
  d->func = func;
  d->data = task_data;
  d->data_free = task_data_free;
  d->result_free = result_free;
  d->channel = channel_ref (self->channel);

  g_mutex_lock (&self->channel->mutex);
  g_clear_pointer (&self->channel->context, g_main_context_unref);
  self->channel->context = g_main_context_ref_thread_default ();
  g_mutex_unlock (&self->channel->mutex);
  g_atomic_int_set (&self->channel->cancel_flag, 0);
  if (self->cancellable)
    g_cancellable_disconnect (self->cancellable, self->cancelled_id);
  g_clear_object (&self->cancellable);
  self->cancelled_id = 0;
  if (cancellable)
    {
      self->cancellable = g_object_ref (cancellable);
      self->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), self, NULL);
    }

  self->started = g_get_monotonic_time ();
  self->fraction = 0.0;
  self->time_left = -1.0;
  g_clear_pointer (&self->message, g_free);
  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIME_LEFT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
  set_running (self, TRUE);
  g_object_thaw_notify (G_OBJECT (self));

  /* The outer task carries the caller's callback; the inner one runs the
   * function and, when done, lets the job update its state first. */
  outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (outer, pel_job_run_async);
  task = g_task_new (self, cancellable, task_done, outer);
  g_task_set_task_data (task, d, job_data_free);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_set_check_cancellable (task, FALSE);
  g_task_run_in_thread (task, run_in_thread);
}

gpointer
pel_job_run_finish (PelJob        *self,
                    GAsyncResult  *result,
                    GError       **error)
{
  g_autoptr (GAsyncResult) inner = NULL;

  g_return_val_if_fail (PEL_IS_JOB (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  inner = g_task_propagate_pointer (G_TASK (result), error);
  if (inner == NULL)
    return NULL;
  return g_task_propagate_pointer (G_TASK (inner), error);
}

void
pel_job_cancel (PelJob *self)
{
  g_return_if_fail (PEL_IS_JOB (self));

  g_atomic_int_set (&self->channel->cancel_flag, 1);
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
}

void
pel_job_set_flush_func (PelJob          *self,
                        PelJobFlushFunc  func,
                        gpointer         user_data)
{
  g_return_if_fail (PEL_IS_JOB (self));
  self->flush_func = func;
  self->flush_data = user_data;
}

/* ---- background threads --------------------------------------------------- */

typedef struct
{
  GThreadFunc func;
  gpointer    data;
} Background;

/* The queue of the one background thread, under our own mutex and
 * condition rather than a GThreadPool's: the tasks' hand-over is then
 * visible to ThreadSanitizer (tests/sanitizers/tsan-glib.c wraps them). */
static GMutex background_lock;
static GCond  background_cond;
static GQueue background_queue = G_QUEUE_INIT;

static gpointer
background_main (gpointer unused)
{
#ifdef __linux__
  {
    /* Linux schedules threads, and each has its own nice value */
    id_t tid = (id_t) syscall (SYS_gettid);
    int nice = getpriority (PRIO_PROCESS, tid);
    setpriority (PRIO_PROCESS, tid, MIN (nice + 10, 19));
  }
#endif
  for (;;)
    {
      Background *b;

      g_mutex_lock (&background_lock);
      while ((b = g_queue_pop_head (&background_queue)) == NULL)
        g_cond_wait (&background_cond, &background_lock);
      g_mutex_unlock (&background_lock);
      b->func (b->data);
      g_free (b);
    }
  return NULL;
}

void
pel_thread_start_background (GThreadFunc func,
                             gpointer    data)
{
  static gsize started;
  Background *b = g_new (Background, 1);

  /* One thread, started once and kept: a thread started for each task
   * would map its stack, and wait for the address-space lock whenever
   * another thread holds it (freeing or mapping a large buffer). */
  if (g_once_init_enter (&started))
    {
      g_thread_unref (g_thread_new ("background", background_main, NULL));
      g_once_init_leave (&started, 1);
    }
  b->func = func;
  b->data = data;
  g_mutex_lock (&background_lock);
  g_queue_push_tail (&background_queue, b);
  g_cond_signal (&background_cond);
  g_mutex_unlock (&background_lock);
}
