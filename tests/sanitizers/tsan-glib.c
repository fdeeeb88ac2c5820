/* ThreadSanitizer builds only: makes GLib's synchronisation visible to TSan.
 *
 * Debian's GLib is not built with -fsanitize=thread, and on Linux its GMutex
 * and GCond are futex-based (gthread-posix.c, USE_NATIVE_MUTEX), so TSan
 * sees neither the locks nor the hand-offs GLib does for us (a GTask's
 * result, an idle callback scheduled from a worker, task data freed by
 * whichever thread drops the last reference).  Without this every suite
 * with threads reports races that are not there.
 *
 * Linked into every program of a `-Db_sanitize=thread` build with
 * `-Wl,--wrap=SYMBOL` for each function below (tests/sanitizers/meson.build),
 * so only calls made by Pellucid's own objects are redirected; GLib, GIO and
 * GTK keep their own implementations for their own objects.
 *
 *   - GMutex and GCond are re-implemented on pthreads, which TSan
 *     intercepts, the way GLib does where it has no futex: the union's
 *     pointer holds a lazily allocated pthread object.
 *   - Hand-offs get __tsan_release() where data leaves a thread and
 *     __tsan_acquire() where it arrives: a source callback added from one
 *     thread and run on another, a GTask's thread function, return,
 *     propagate, ready callback and task data destructor, and an object's
 *     last reference (GObject's atomic reference count): every unref by our
 *     code releases, and objects our code creates acquire in a weak
 *     reference callback, which runs just before finalize in whichever
 *     thread drops the last reference.
 *
 * Nothing here hides a race between two pieces of Pellucid's code that do
 * not synchronise: only edges that GLib really provides are added. */
#include <errno.h>
#include <gio/gio.h>
#include <pthread.h>
#include <sanitizer/tsan_interface.h>
#include <stdlib.h>
#include <time.h>

/* The prototypes of the wrappers (defined for the linker only). */
#define WRAP(ret, name, args) ret __wrap_##name args; ret __real_##name args
WRAP (void, g_mutex_init, (GMutex *m));
WRAP (void, g_mutex_clear, (GMutex *m));
WRAP (void, g_mutex_lock, (GMutex *m));
WRAP (void, g_mutex_unlock, (GMutex *m));
WRAP (gboolean, g_mutex_trylock, (GMutex *m));
WRAP (void, g_cond_init, (GCond *c));
WRAP (void, g_cond_clear, (GCond *c));
WRAP (void, g_cond_wait, (GCond *c, GMutex *m));
WRAP (gboolean, g_cond_wait_until, (GCond *c, GMutex *m, gint64 end_time));
WRAP (void, g_cond_signal, (GCond *c));
WRAP (void, g_cond_broadcast, (GCond *c));
WRAP (guint, g_idle_add, (GSourceFunc f, gpointer d));
WRAP (guint, g_idle_add_full, (gint prio, GSourceFunc f, gpointer d, GDestroyNotify n));
WRAP (guint, g_timeout_add, (guint ms, GSourceFunc f, gpointer d));
WRAP (guint, g_timeout_add_full, (gint prio, guint ms, GSourceFunc f, gpointer d, GDestroyNotify n));
WRAP (guint, g_timeout_add_seconds, (guint s, GSourceFunc f, gpointer d));
WRAP (guint, g_timeout_add_seconds_full, (gint prio, guint s, GSourceFunc f, gpointer d, GDestroyNotify n));
WRAP (void, g_main_context_invoke, (GMainContext *c, GSourceFunc f, gpointer d));
WRAP (void, g_main_context_invoke_full, (GMainContext *c, gint prio, GSourceFunc f, gpointer d, GDestroyNotify n));
WRAP (void, g_source_set_callback, (GSource *s, GSourceFunc f, gpointer d, GDestroyNotify n));
WRAP (GTask *, g_task_new, (gpointer src, GCancellable *c, GAsyncReadyCallback cb, gpointer d));
WRAP (void, g_task_set_task_data, (GTask *t, gpointer d, GDestroyNotify n));
WRAP (void, g_task_run_in_thread, (GTask *t, GTaskThreadFunc f));
WRAP (void, g_task_run_in_thread_sync, (GTask *t, GTaskThreadFunc f));
WRAP (void, g_task_return_boolean, (GTask *t, gboolean r));
WRAP (void, g_task_return_int, (GTask *t, gssize r));
WRAP (void, g_task_return_pointer, (GTask *t, gpointer r, GDestroyNotify n));
WRAP (void, g_task_return_value, (GTask *t, GValue *r));
WRAP (void, g_task_return_error, (GTask *t, GError *e));
WRAP (void, g_task_return_new_error, (GTask *t, GQuark q, gint code, const char *fmt, ...));
WRAP (gboolean, g_task_return_error_if_cancelled, (GTask *t));
WRAP (gboolean, g_task_propagate_boolean, (GTask *t, GError **e));
WRAP (gssize, g_task_propagate_int, (GTask *t, GError **e));
WRAP (gpointer, g_task_propagate_pointer, (GTask *t, GError **e));
WRAP (gboolean, g_task_propagate_value, (GTask *t, GValue *v, GError **e));
WRAP (gboolean, g_task_had_error, (GTask *t));
WRAP (gpointer, g_object_new, (GType type, const char *first, ...));
WRAP (void, g_object_unref, (gpointer object));

/* ---- GMutex and GCond on pthreads ------------------------------------------ */

static pthread_mutex_t *
mutex_impl (GMutex *m)
{
  pthread_mutex_t *p = __atomic_load_n ((pthread_mutex_t **) &m->p, __ATOMIC_ACQUIRE);

  if (p == NULL)
    {
      pthread_mutex_t *fresh = malloc (sizeof *fresh);
      pthread_mutex_init (fresh, NULL);
      if (__atomic_compare_exchange_n ((pthread_mutex_t **) &m->p, &p, fresh, FALSE,
                                       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        p = fresh;
      else
        {
          pthread_mutex_destroy (fresh);
          free (fresh);
        }
    }
  return p;
}

void
__wrap_g_mutex_init (GMutex *m)
{
  m->p = NULL;
}

void
__wrap_g_mutex_clear (GMutex *m)
{
  pthread_mutex_t *p = m->p;

  if (p != NULL)
    {
      pthread_mutex_destroy (p);
      free (p);
    }
  m->p = NULL;
}

void
__wrap_g_mutex_lock (GMutex *m)
{
  pthread_mutex_lock (mutex_impl (m));
}

void
__wrap_g_mutex_unlock (GMutex *m)
{
  pthread_mutex_unlock (mutex_impl (m));
}

gboolean
__wrap_g_mutex_trylock (GMutex *m)
{
  return pthread_mutex_trylock (mutex_impl (m)) == 0;
}

static pthread_cond_t *
cond_impl (GCond *c)
{
  pthread_cond_t *p = __atomic_load_n ((pthread_cond_t **) &c->p, __ATOMIC_ACQUIRE);

  if (p == NULL)
    {
      pthread_cond_t *fresh = malloc (sizeof *fresh);
      pthread_condattr_t attr;

      /* g_cond_wait_until() takes g_get_monotonic_time() deadlines. */
      pthread_condattr_init (&attr);
      pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);
      pthread_cond_init (fresh, &attr);
      pthread_condattr_destroy (&attr);
      if (__atomic_compare_exchange_n ((pthread_cond_t **) &c->p, &p, fresh, FALSE,
                                       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        p = fresh;
      else
        {
          pthread_cond_destroy (fresh);
          free (fresh);
        }
    }
  return p;
}

void
__wrap_g_cond_init (GCond *c)
{
  c->p = NULL;
}

void
__wrap_g_cond_clear (GCond *c)
{
  pthread_cond_t *p = c->p;

  if (p != NULL)
    {
      pthread_cond_destroy (p);
      free (p);
    }
  c->p = NULL;
}

void
__wrap_g_cond_wait (GCond *c, GMutex *m)
{
  pthread_cond_wait (cond_impl (c), mutex_impl (m));
}

gboolean
__wrap_g_cond_wait_until (GCond *c, GMutex *m, gint64 end_time)
{
  struct timespec ts = { (time_t) (end_time / G_USEC_PER_SEC),
                         (long) (end_time % G_USEC_PER_SEC) * 1000 };
  int r;

  do
    r = pthread_cond_timedwait (cond_impl (c), mutex_impl (m), &ts);
  while (r == EINTR);
  return r == 0;
}

void
__wrap_g_cond_signal (GCond *c)
{
  pthread_cond_signal (cond_impl (c));
}

void
__wrap_g_cond_broadcast (GCond *c)
{
  pthread_cond_broadcast (cond_impl (c));
}

/* ---- source callbacks ------------------------------------------------------ */

typedef struct
{
  GSourceFunc    func;
  gpointer       data;
  GDestroyNotify notify;
} Hop;

static gboolean
hop_dispatch (gpointer p)
{
  Hop *h = p;
  gboolean again;

  __tsan_acquire (h);
  again = h->func (h->data);
  __tsan_release (h);
  return again;
}

static void
hop_free (gpointer p)
{
  Hop *h = p;

  __tsan_acquire (h);
  if (h->notify != NULL)
    h->notify (h->data);
  free (h);
}

static Hop *
hop_new (GSourceFunc func, gpointer data, GDestroyNotify notify)
{
  Hop *h = malloc (sizeof *h);

  h->func = func;
  h->data = data;
  h->notify = notify;
  __tsan_release (h);
  return h;
}

guint
__wrap_g_idle_add (GSourceFunc f, gpointer d)
{
  return __real_g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, hop_dispatch, hop_new (f, d, NULL), hop_free);
}

guint
__wrap_g_idle_add_full (gint prio, GSourceFunc f, gpointer d, GDestroyNotify n)
{
  return __real_g_idle_add_full (prio, hop_dispatch, hop_new (f, d, n), hop_free);
}

guint
__wrap_g_timeout_add (guint ms, GSourceFunc f, gpointer d)
{
  return __real_g_timeout_add_full (G_PRIORITY_DEFAULT, ms, hop_dispatch, hop_new (f, d, NULL), hop_free);
}

guint
__wrap_g_timeout_add_full (gint prio, guint ms, GSourceFunc f, gpointer d, GDestroyNotify n)
{
  return __real_g_timeout_add_full (prio, ms, hop_dispatch, hop_new (f, d, n), hop_free);
}

guint
__wrap_g_timeout_add_seconds (guint s, GSourceFunc f, gpointer d)
{
  return __real_g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, s, hop_dispatch, hop_new (f, d, NULL), hop_free);
}

guint
__wrap_g_timeout_add_seconds_full (gint prio, guint s, GSourceFunc f, gpointer d, GDestroyNotify n)
{
  return __real_g_timeout_add_seconds_full (prio, s, hop_dispatch, hop_new (f, d, n), hop_free);
}

void
__wrap_g_main_context_invoke (GMainContext *c, GSourceFunc f, gpointer d)
{
  __real_g_main_context_invoke_full (c, G_PRIORITY_DEFAULT, hop_dispatch, hop_new (f, d, NULL), hop_free);
}

void
__wrap_g_main_context_invoke_full (GMainContext *c, gint prio, GSourceFunc f, gpointer d, GDestroyNotify n)
{
  __real_g_main_context_invoke_full (c, prio, hop_dispatch, hop_new (f, d, n), hop_free);
}

/* Only idle and timeout sources call their callback as a GSourceFunc;
 * others (fd, child watch) pass other arguments and are left alone. */
void
__wrap_g_source_set_callback (GSource *s, GSourceFunc f, gpointer d, GDestroyNotify n)
{
  if (s->source_funcs == &g_idle_funcs || s->source_funcs == &g_timeout_funcs)
    __real_g_source_set_callback (s, hop_dispatch, hop_new (f, d, n), hop_free);
  else
    __real_g_source_set_callback (s, f, d, n);
}

/* ---- GTask ----------------------------------------------------------------- */

typedef struct
{
  GAsyncReadyCallback callback;
  gpointer            data;
} ReadyHop;

/* The task's ready callback runs where the task was created; whatever it
 * did to the task and its data is released for the thread that may free
 * them later. */
static void
ready_hop (GObject *source, GAsyncResult *result, gpointer p)
{
  ReadyHop h = *(ReadyHop *) p;

  free (p);
  h.callback (source, result, h.data);
  __tsan_release (result);
  if (G_IS_TASK (result) && g_task_get_task_data (G_TASK (result)) != NULL)
    __tsan_release (g_task_get_task_data (G_TASK (result)));
}

GTask *
__wrap_g_task_new (gpointer src, GCancellable *c, GAsyncReadyCallback cb, gpointer d)
{
  ReadyHop *h;

  if (cb == NULL)
    return __real_g_task_new (src, c, cb, d);
  h = malloc (sizeof *h);
  h->callback = cb;
  h->data = d;
  return __real_g_task_new (src, c, ready_hop, h);
}

/* Task data destructors, by data pointer: GTask passes only the data. */
static pthread_mutex_t destroy_lock = PTHREAD_MUTEX_INITIALIZER;
static GHashTable *destroy_funcs;

static void
destroy_hop (gpointer data)
{
  GDestroyNotify n;

  pthread_mutex_lock (&destroy_lock);
  n = (GDestroyNotify) g_hash_table_lookup (destroy_funcs, data);
  g_hash_table_remove (destroy_funcs, data);
  pthread_mutex_unlock (&destroy_lock);
  __tsan_acquire (data);
  /* NULL only if one pointer were the data of two tasks at once, which
   * Pellucid never does (the first task would have freed it). */
  if (n != NULL)
    n (data);
}

void
__wrap_g_task_set_task_data (GTask *t, gpointer d, GDestroyNotify n)
{
  if (d == NULL || n == NULL)
    {
      __real_g_task_set_task_data (t, d, n);
      return;
    }
  pthread_mutex_lock (&destroy_lock);
  if (destroy_funcs == NULL)
    destroy_funcs = g_hash_table_new (NULL, NULL);
  g_hash_table_insert (destroy_funcs, d, (gpointer) n);
  pthread_mutex_unlock (&destroy_lock);
  __tsan_release (d);
  __real_g_task_set_task_data (t, d, destroy_hop);
}

static void
thread_hop (GTask *task, gpointer source, gpointer data, GCancellable *c)
{
  GTaskThreadFunc f = (GTaskThreadFunc) g_object_get_data (G_OBJECT (task), "tsan-glib-thread-func");

  __tsan_acquire (task);
  if (data != NULL)
    __tsan_acquire (data);
  f (task, source, data, c);
  __tsan_release (task);
  if (data != NULL)
    __tsan_release (data);
  if (source != NULL)
    __tsan_release (source);
}

void
__wrap_g_task_run_in_thread (GTask *t, GTaskThreadFunc f)
{
  g_object_set_data (G_OBJECT (t), "tsan-glib-thread-func", (gpointer) f);
  __tsan_release (t);
  if (g_task_get_task_data (t) != NULL)
    __tsan_release (g_task_get_task_data (t));
  __real_g_task_run_in_thread (t, thread_hop);
}

void
__wrap_g_task_run_in_thread_sync (GTask *t, GTaskThreadFunc f)
{
  g_object_set_data (G_OBJECT (t), "tsan-glib-thread-func", (gpointer) f);
  __tsan_release (t);
  if (g_task_get_task_data (t) != NULL)
    __tsan_release (g_task_get_task_data (t));
  __real_g_task_run_in_thread_sync (t, thread_hop);
  __tsan_acquire (t);
}

void
__wrap_g_task_return_boolean (GTask *t, gboolean r)
{
  __tsan_release (t);
  __real_g_task_return_boolean (t, r);
}

void
__wrap_g_task_return_int (GTask *t, gssize r)
{
  __tsan_release (t);
  __real_g_task_return_int (t, r);
}

void
__wrap_g_task_return_pointer (GTask *t, gpointer r, GDestroyNotify n)
{
  __tsan_release (t);
  __real_g_task_return_pointer (t, r, n);
}

void
__wrap_g_task_return_value (GTask *t, GValue *r)
{
  __tsan_release (t);
  __real_g_task_return_value (t, r);
}

void
__wrap_g_task_return_error (GTask *t, GError *e)
{
  __tsan_release (t);
  __real_g_task_return_error (t, e);
}

void
__wrap_g_task_return_new_error (GTask *t, GQuark q, gint code, const char *fmt, ...)
{
  va_list ap;
  GError *e;

  va_start (ap, fmt);
  e = g_error_new_valist (q, code, fmt, ap);
  va_end (ap);
  __tsan_release (t);
  __real_g_task_return_error (t, e);
}

gboolean
__wrap_g_task_return_error_if_cancelled (GTask *t)
{
  __tsan_release (t);
  return __real_g_task_return_error_if_cancelled (t);
}

gboolean
__wrap_g_task_propagate_boolean (GTask *t, GError **e)
{
  gboolean r = __real_g_task_propagate_boolean (t, e);
  __tsan_acquire (t);
  return r;
}

gssize
__wrap_g_task_propagate_int (GTask *t, GError **e)
{
  gssize r = __real_g_task_propagate_int (t, e);
  __tsan_acquire (t);
  return r;
}

gpointer
__wrap_g_task_propagate_pointer (GTask *t, GError **e)
{
  gpointer r = __real_g_task_propagate_pointer (t, e);
  __tsan_acquire (t);
  return r;
}

gboolean
__wrap_g_task_propagate_value (GTask *t, GValue *v, GError **e)
{
  gboolean r = __real_g_task_propagate_value (t, v, e);
  __tsan_acquire (t);
  return r;
}

gboolean
__wrap_g_task_had_error (GTask *t)
{
  gboolean r = __real_g_task_had_error (t);
  __tsan_acquire (t);
  return r;
}

/* ---- object lifetime -------------------------------------------------------- */

static void
last_reference_dropped (gpointer data, GObject *where_the_object_was)
{
  __tsan_acquire (where_the_object_was);
}

gpointer
__wrap_g_object_new (GType type, const char *first, ...)
{
  va_list ap;
  GObject *object;

  va_start (ap, first);
  object = g_object_new_valist (type, first, ap);
  va_end (ap);
  g_object_weak_ref (object, last_reference_dropped, NULL);
  return object;
}

void
__wrap_g_object_unref (gpointer object)
{
  __tsan_release (object);
  __real_g_object_unref (object);
}
