/* PelLiveRun: a worker's series, previews and status, coalesced into its
 * job's one idle.  See pel-live-run.h. */
#define G_LOG_DOMAIN "pel-live-run"

#include "src/pel-live-run.h"

#include <glib/gi18n.h>
#include <math.h>

/* Steps per second over this many recent progress reports. */
#define RATE_WINDOW 20

typedef struct
{
  char   *name;
  GArray *points;    /* PelLivePoint */
} Series;

typedef struct
{
  gint64 time;       /* monotonic µs */
  gint64 done;
} Sample;

/* What the worker publishes and the main thread takes: a plain struct
 * shared by reference count, so the worker never holds the run itself. */
typedef struct
{
  gint       ref_count;
  GMutex     mutex;
  GPtrArray *series;     /* Series, in the order their names first came */
  GPtrArray *payloads;   /* PelLivePayload, newest per name */
  GPtrArray *status;     /* key, text, key, text … (text NULL: cleared) */
  GArray    *samples;    /* Sample */
  gint64     total;
} Shared;

struct _PelLive
{
  Shared           *shared;
  const PlProgress *progress;
};

struct _PelLiveRun
{
  GObject     parent_instance;

  PelJob     *job;
  Shared     *shared;

  /* Main-thread state, what properties and getters report. */
  gboolean    running;
  double      fraction;
  double      time_left;
  double      rate;
  gint64      done;
  gint64      total;
  gboolean    counts_units;  /* the worker reports done/total */
  GArray     *samples;       /* Sample: the last RATE_WINDOW + 1 */
  GHashTable *series;        /* name → GArray of PelLivePoint */
  GHashTable *payloads;      /* name → PelLivePayload */
  GHashTable *status;        /* key → text */
  char       *message;
};

G_DEFINE_FINAL_TYPE (PelLiveRun, pel_live_run, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_RUNNING,
  PROP_FRACTION,
  PROP_TIME_LEFT,
  PROP_RATE,
  PROP_DONE,
  PROP_TOTAL,
  PROP_MESSAGE,
  N_PROPS
};

enum
{
  SERIES_POINTS,
  PREVIEW,
  STATUS,
  FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
series_free (gpointer p)
{
  Series *s = p;
  g_free (s->name);
  g_array_unref (s->points);
  g_free (s);
}

static void
payload_free (gpointer p)
{
  PelLivePayload *payload = p;
  if (payload->free_func && payload->data)
    payload->free_func (payload->data);
  g_free ((char *) payload->name);
  g_free (payload);
}

static Shared *
shared_new (void)
{
  Shared *s = g_new0 (Shared, 1);

  s->ref_count = 1;
  g_mutex_init (&s->mutex);
  s->series = g_ptr_array_new_with_free_func (series_free);
  s->payloads = g_ptr_array_new_with_free_func (payload_free);
  s->status = g_ptr_array_new_with_free_func (g_free);
  s->samples = g_array_new (FALSE, FALSE, sizeof (Sample));
  s->total = -1;
  return s;
}

static Shared *
shared_ref (Shared *s)
{
  g_atomic_int_inc (&s->ref_count);
  return s;
}

static void
shared_unref (gpointer p)
{
  Shared *s = p;

  if (!g_atomic_int_dec_and_test (&s->ref_count))
    return;
  g_ptr_array_unref (s->series);
  g_ptr_array_unref (s->payloads);
  g_ptr_array_unref (s->status);
  g_array_unref (s->samples);
  g_mutex_clear (&s->mutex);
  g_free (s);
}

/* ---- worker side ---------------------------------------------------------- */

/* After publishing: make sure the job's one idle is pending (a NaN fraction
 * leaves the job's fraction alone).  Called even once a stop was asked, so
 * the last points still reach the main thread. */
static void
wake (PelLive *live)
{
  if (live->progress && live->progress->func)
    live->progress->func (NAN, NULL, live->progress->user_data);
}

const PlProgress *
pel_live_get_progress (PelLive *live)
{
  return live->progress;
}

gboolean
pel_live_cancelled (PelLive *live)
{
  return pl_progress_cancelled (live->progress);
}

void
pel_live_progress (PelLive *live,
                   gint64   done,
                   gint64   total)
{
  Sample sample = { g_get_monotonic_time (), done };

  g_mutex_lock (&live->shared->mutex);
  g_array_append_val (live->shared->samples, sample);
  live->shared->total = total;
  g_mutex_unlock (&live->shared->mutex);
  wake (live);
}

void
pel_live_message (PelLive    *live,
                  const char *message)
{
  if (live->progress && live->progress->func)
    live->progress->func (NAN, message ? message : "", live->progress->user_data);
}

void
pel_live_append (PelLive    *live,
                 const char *series,
                 double      x,
                 double      y)
{
  PelLivePoint p = { x, y };
  Series *s = NULL;

  g_mutex_lock (&live->shared->mutex);
  for (guint i = 0; i < live->shared->series->len && s == NULL; i++)
    if (g_str_equal (((Series *) g_ptr_array_index (live->shared->series, i))->name, series))
      s = g_ptr_array_index (live->shared->series, i);
  if (s == NULL)
    {
      s = g_new (Series, 1);
      s->name = g_strdup (series);
      s->points = g_array_new (FALSE, FALSE, sizeof (PelLivePoint));
      g_ptr_array_add (live->shared->series, s);
    }
  g_array_append_val (s->points, p);
  g_mutex_unlock (&live->shared->mutex);
  wake (live);
}

void
pel_live_publish (PelLive        *live,
                  const char     *name,
                  PelLiveKind     kind,
                  const gint64    shape[3],
                  gint64          index,
                  gpointer        data,
                  GDestroyNotify  free_func)
{
  PelLivePayload *payload = g_new0 (PelLivePayload, 1);

  payload->name = g_strdup (name);
  payload->kind = kind;
  for (int i = 0; i < 3; i++)
    payload->shape[i] = shape ? shape[i] : 1;
  payload->index = index;
  payload->data = data;
  payload->free_func = free_func;

  g_mutex_lock (&live->shared->mutex);
  /* only the newest of a name matters: an older one not yet shown goes */
  for (guint i = 0; i < live->shared->payloads->len; i++)
    if (g_str_equal (((PelLivePayload *) g_ptr_array_index (live->shared->payloads, i))->name, name))
      {
        g_ptr_array_remove_index (live->shared->payloads, i);
        break;
      }
  g_ptr_array_add (live->shared->payloads, payload);
  g_mutex_unlock (&live->shared->mutex);
  wake (live);
}

void
pel_live_publish_floats (PelLive    *live,
                         const char *name,
                         gint64      index,
                         float      *data,
                         gint64      height,
                         gint64      width)
{
  gint64 shape[3] = { 1, height, width };
  pel_live_publish (live, name, PEL_LIVE_FLOATS, shape, index, data, g_free);
}

void
pel_live_publish_labels (PelLive    *live,
                         const char *name,
                         gint64      index,
                         guint16    *data,
                         gint64      height,
                         gint64      width)
{
  gint64 shape[3] = { 1, height, width };
  pel_live_publish (live, name, PEL_LIVE_LABELS, shape, index, data, g_free);
}

void
pel_live_publish_boxed (PelLive        *live,
                        const char     *name,
                        gpointer        data,
                        GDestroyNotify  free_func)
{
  pel_live_publish (live, name, PEL_LIVE_BOXED, NULL, -1, data, free_func);
}

void
pel_live_status (PelLive    *live,
                 const char *key,
                 const char *text)
{
  g_mutex_lock (&live->shared->mutex);
  g_ptr_array_add (live->shared->status, g_strdup (key));
  g_ptr_array_add (live->shared->status, g_strdup (text));
  g_mutex_unlock (&live->shared->mutex);
  wake (live);
}

/* ---- main side ------------------------------------------------------------ */

static void
set_double (PelLiveRun *self,
            double     *field,
            double      value,
            int         prop)
{
  if (*field == value || (isnan (*field) && isnan (value)))
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

/* Fraction, rate and time left from the newest samples (or the job's own
 * figures when the worker counts no units). */
static void
update_progress (PelLiveRun *self,
                 GArray     *samples,
                 gint64      total)
{
  double rate = self->rate, left = -1.0, fraction;

  if (samples->len > 0)
    {
      Sample last = g_array_index (samples, Sample, samples->len - 1);

      self->counts_units = TRUE;
      g_array_append_vals (self->samples, samples->data, samples->len);
      if (self->samples->len > RATE_WINDOW + 1)
        g_array_remove_range (self->samples, 0, self->samples->len - RATE_WINDOW - 1);
      if (last.done != self->done)
        {
          self->done = last.done;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DONE]);
        }
      if (self->samples->len >= 2)
        {
          Sample first = g_array_index (self->samples, Sample, 0);
          if (last.time > first.time && last.done > first.done)
            rate = (last.done - first.done) / ((last.time - first.time) * 1e-6);
        }
    }
  if (total != self->total && total >= 0)
    {
      self->total = total;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL]);
    }
  if (self->counts_units)
    {
      fraction = self->total > 0 ? CLAMP ((double) self->done / self->total, 0.0, 1.0) : 0.0;
      if (self->running && rate > 0.0 && self->total >= self->done)
        left = (self->total - self->done) / rate;
    }
  else
    {
      fraction = MAX (pel_job_get_fraction (self->job), 0.0);
      left = self->running ? pel_job_get_time_left (self->job) : -1.0;
    }
  set_double (self, &self->rate, rate, PROP_RATE);
  set_double (self, &self->time_left, left, PROP_TIME_LEFT);
  set_double (self, &self->fraction, fraction, PROP_FRACTION);
}

/* The job's idle (and the end of a run): take what the worker published,
 * notify, then emit in the order it came. */
static void
flush (gpointer user_data)
{
  PelLiveRun *self = user_data;
  Shared *shared = self->shared;
  g_autoptr (GPtrArray) series = NULL, payloads = NULL, status = NULL;
  g_autoptr (GArray) samples = NULL;
  gint64 total;

  g_mutex_lock (&shared->mutex);
  series = g_steal_pointer (&shared->series);
  payloads = g_steal_pointer (&shared->payloads);
  status = g_steal_pointer (&shared->status);
  samples = g_steal_pointer (&shared->samples);
  shared->series = g_ptr_array_new_with_free_func (series_free);
  shared->payloads = g_ptr_array_new_with_free_func (payload_free);
  shared->status = g_ptr_array_new_with_free_func (g_free);
  shared->samples = g_array_new (FALSE, FALSE, sizeof (Sample));
  total = shared->total;
  g_mutex_unlock (&shared->mutex);

  g_object_ref (self);
  g_object_freeze_notify (G_OBJECT (self));
  update_progress (self, samples, total);
  if (g_strcmp0 (self->message, pel_job_get_message (self->job)) != 0)
    {
      g_free (self->message);
      self->message = g_strdup (pel_job_get_message (self->job));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
    }
  g_object_thaw_notify (G_OBJECT (self));

  for (guint i = 0; i < series->len; i++)
    {
      Series *s = g_ptr_array_index (series, i);
      GArray *all = g_hash_table_lookup (self->series, s->name);

      if (all == NULL)
        {
          all = g_array_new (FALSE, FALSE, sizeof (PelLivePoint));
          g_hash_table_insert (self->series, g_strdup (s->name), all);
        }
      g_array_append_vals (all, s->points->data, s->points->len);
      g_signal_emit (self, signals[SERIES_POINTS], g_quark_from_string (s->name),
                     s->name, s->points->data, s->points->len);
    }
  for (guint i = 0; i + 1 < status->len; i += 2)
    {
      const char *key = g_ptr_array_index (status, i);
      const char *text = g_ptr_array_index (status, i + 1);

      if (g_strcmp0 (g_hash_table_lookup (self->status, key), text) == 0)
        continue;
      if (text)
        g_hash_table_replace (self->status, g_strdup (key), g_strdup (text));
      else
        g_hash_table_remove (self->status, key);
      g_signal_emit (self, signals[STATUS], g_quark_from_string (key), key, text);
    }
  while (payloads->len > 0)
    {
      PelLivePayload *p = g_ptr_array_steal_index (payloads, 0);

      g_hash_table_replace (self->payloads, (char *) p->name, p);
      g_signal_emit (self, signals[PREVIEW], g_quark_from_string (p->name), p);
    }
  g_object_unref (self);
}

typedef struct
{
  PelLiveFunc func;
  gpointer    data;
  Shared     *shared;
} Task;

static void
task_free (gpointer p)
{
  Task *t = p;
  shared_unref (t->shared);
  g_free (t);
}

/* Worker thread: the function sees its data and a handle on the stack. */
static gpointer
run_func (gpointer          task_data,
          const PlProgress *progress,
          GError          **error)
{
  Task *t = task_data;
  PelLive live = { t->shared, progress };

  return t->func (t->data, &live, error);
}

static void
set_running (PelLiveRun *self,
             gboolean    running)
{
  if (self->running == running)
    return;
  self->running = running;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

static void
job_done (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr (GTask) outer = user_data;
  PelLiveRun *self = g_task_get_source_object (outer);
  GError *error = NULL;
  gpointer value = pel_job_run_finish (PEL_JOB (object), result, &error);
  gboolean stopped = error && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  g_object_freeze_notify (G_OBJECT (self));
  set_running (self, FALSE);
  set_double (self, &self->time_left, -1.0, PROP_TIME_LEFT);
  g_object_thaw_notify (G_OBJECT (self));
  g_signal_emit (self, signals[FINISHED], 0, stopped ? NULL : error);
  if (value)
    g_task_return_pointer (outer, value, g_task_get_task_data (outer));
  else
    g_task_return_error (outer, error);
}

void
pel_live_run_start (PelLiveRun          *self,
                    PelLiveFunc          func,
                    gpointer             task_data,
                    GDestroyNotify       result_free,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  Task *t;
  GTask *outer;

  g_return_if_fail (PEL_IS_LIVE_RUN (self));
  g_return_if_fail (!self->running);
  g_return_if_fail (func != NULL);

  t = g_new0 (Task, 1);
  t->func = func;
  t->data = task_data;
  t->shared = shared_ref (self->shared);

  g_object_freeze_notify (G_OBJECT (self));
  g_array_set_size (self->samples, 0);
  set_running (self, TRUE);
  update_progress (self, self->samples, self->total);
  g_object_thaw_notify (G_OBJECT (self));

  outer = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (outer, pel_live_run_start);
  /* not task data to free: where result_free waits for the result */
  g_task_set_task_data (outer, result_free, NULL);
  pel_job_run_async (self->job, run_func, t, task_free, result_free, NULL, job_done, outer);
}

gpointer
pel_live_run_finish (PelLiveRun    *self,
                     GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (PEL_IS_LIVE_RUN (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
pel_live_run_stop (PelLiveRun *self)
{
  g_return_if_fail (PEL_IS_LIVE_RUN (self));
  if (self->running)
    pel_job_cancel (self->job);
}

void
pel_live_run_reset (PelLiveRun *self)
{
  g_return_if_fail (PEL_IS_LIVE_RUN (self));
  g_return_if_fail (!self->running);

  g_hash_table_remove_all (self->series);
  g_hash_table_remove_all (self->payloads);
  g_hash_table_remove_all (self->status);
  g_array_set_size (self->samples, 0);
  self->counts_units = FALSE;
  g_object_freeze_notify (G_OBJECT (self));
  if (self->done != 0 || self->total != 0)
    {
      self->done = self->total = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DONE]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL]);
    }
  set_double (self, &self->rate, 0.0, PROP_RATE);
  set_double (self, &self->fraction, 0.0, PROP_FRACTION);
  set_double (self, &self->time_left, -1.0, PROP_TIME_LEFT);
  g_object_thaw_notify (G_OBJECT (self));
}

/* ---- getters -------------------------------------------------------------- */

PelJob *
pel_live_run_get_job (PelLiveRun *self)
{
  g_return_val_if_fail (PEL_IS_LIVE_RUN (self), NULL);
  return self->job;
}

gboolean
pel_live_run_get_running (PelLiveRun *self)
{
  g_return_val_if_fail (PEL_IS_LIVE_RUN (self), FALSE);
  return self->running;
}

double
pel_live_run_get_fraction (PelLiveRun *self)
{
  g_return_val_if_fail (PEL_IS_LIVE_RUN (self), 0.0);
  return self->fraction;
}

double
pel_live_run_get_time_left (PelLiveRun *self)
{
  g_return_val_if_fail (PEL_IS_LIVE_RUN (self), -1.0);
  return self->time_left;
}

double
pel_live_run_get_rate (PelLiveRun *self)
{
  g_return_val_if_fail (PEL_IS_LIVE_RUN (self), 0.0);
  return self->rate;
}

gint64
pel_live_run_get_done (PelLiveRun *self)
{
  g_return_val_if_fail (PEL_IS_LIVE_RUN (self), 0);
  return self->done;
}

gint64
pel_live_run_get_total (PelLiveRun *self)
{
  g_return_val_if_fail (PEL_IS_LIVE_RUN (self), 0);
  return self->total;
}

const char *
pel_live_run_get_message (PelLiveRun *self)
{
  g_return_val_if_fail (PEL_IS_LIVE_RUN (self), NULL);
  return self->message;
}

const PelLivePoint *
pel_live_run_get_series (PelLiveRun *self,
                         const char *name,
                         guint      *n)
{
  GArray *a;

  g_return_val_if_fail (PEL_IS_LIVE_RUN (self), NULL);
  a = g_hash_table_lookup (self->series, name);
  *n = a ? a->len : 0;
  return a && a->len ? (const PelLivePoint *) a->data : NULL;
}

const PelLivePayload *
pel_live_run_get_payload (PelLiveRun *self,
                          const char *name)
{
  g_return_val_if_fail (PEL_IS_LIVE_RUN (self), NULL);
  return g_hash_table_lookup (self->payloads, name);
}

gpointer
pel_live_payload_steal_data (const PelLivePayload *payload)
{
  PelLivePayload *p = (PelLivePayload *) payload;

  g_return_val_if_fail (payload != NULL, NULL);
  p->free_func = NULL;
  return g_steal_pointer (&p->data);
}

const char *
pel_live_run_get_status (PelLiveRun *self,
                         const char *key)
{
  g_return_val_if_fail (PEL_IS_LIVE_RUN (self), NULL);
  return g_hash_table_lookup (self->status, key);
}

char *
pel_live_format_duration (double seconds)
{
  int t = (int) (seconds + 0.5);

  if (t >= 3600)
    /* Translators: hours and minutes */
    return g_strdup_printf (_("%d h %02d min"), t / 3600, t / 60 % 60);
  if (t >= 60)
    /* Translators: minutes and seconds */
    return g_strdup_printf (_("%d min %02d s"), t / 60, t % 60);
  return g_strdup_printf (_("%d s"), t);
}

/* ---- object --------------------------------------------------------------- */

static void
pel_live_run_dispose (GObject *object)
{
  PelLiveRun *self = PEL_LIVE_RUN (object);

  /* a running job holds a reference to the run through its callback */
  if (self->job)
    pel_job_set_flush_func (self->job, NULL, NULL);
  g_clear_object (&self->job);
  G_OBJECT_CLASS (pel_live_run_parent_class)->dispose (object);
}

static void
pel_live_run_finalize (GObject *object)
{
  PelLiveRun *self = PEL_LIVE_RUN (object);

  shared_unref (self->shared);
  g_array_unref (self->samples);
  g_hash_table_unref (self->series);
  g_hash_table_unref (self->payloads);
  g_hash_table_unref (self->status);
  g_free (self->message);
  G_OBJECT_CLASS (pel_live_run_parent_class)->finalize (object);
}

static void
pel_live_run_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  PelLiveRun *self = PEL_LIVE_RUN (object);

  switch (prop_id)
    {
    case PROP_RUNNING: g_value_set_boolean (value, self->running); break;
    case PROP_FRACTION: g_value_set_double (value, self->fraction); break;
    case PROP_TIME_LEFT: g_value_set_double (value, self->time_left); break;
    case PROP_RATE: g_value_set_double (value, self->rate); break;
    case PROP_DONE: g_value_set_int64 (value, self->done); break;
    case PROP_TOTAL: g_value_set_int64 (value, self->total); break;
    case PROP_MESSAGE: g_value_set_string (value, self->message); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pel_live_run_class_init (PelLiveRunClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = pel_live_run_dispose;
  object_class->finalize = pel_live_run_finalize;
  object_class->get_property = pel_live_run_get_property;

  properties[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE, ro);
  properties[PROP_FRACTION] = g_param_spec_double ("fraction", NULL, NULL, 0.0, 1.0, 0.0, ro);
  properties[PROP_TIME_LEFT] = g_param_spec_double ("time-left", NULL, NULL, -1.0, G_MAXDOUBLE, -1.0, ro);
  properties[PROP_RATE] = g_param_spec_double ("rate", NULL, NULL, 0.0, G_MAXDOUBLE, 0.0, ro);
  properties[PROP_DONE] = g_param_spec_int64 ("done", NULL, NULL, G_MININT64, G_MAXINT64, 0, ro);
  properties[PROP_TOTAL] = g_param_spec_int64 ("total", NULL, NULL, G_MININT64, G_MAXINT64, 0, ro);
  properties[PROP_MESSAGE] = g_param_spec_string ("message", NULL, NULL, NULL, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SERIES_POINTS] =
    g_signal_new ("series-points", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_POINTER, G_TYPE_UINT);
  signals[PREVIEW] =
    g_signal_new ("preview", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[STATUS] =
    g_signal_new ("status", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  signals[FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
pel_live_run_init (PelLiveRun *self)
{
  self->shared = shared_new ();
  self->time_left = -1.0;
  self->samples = g_array_new (FALSE, FALSE, sizeof (Sample));
  self->series = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
  self->payloads = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, payload_free);
  self->status = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

PelLiveRun *
pel_live_run_new (const char *title)
{
  PelLiveRun *self = g_object_new (PEL_TYPE_LIVE_RUN, NULL);

  self->job = pel_job_new (title);
  pel_job_set_flush_func (self->job, flush, self);
  return self;
}
