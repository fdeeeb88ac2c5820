/* Faults the sanitizer builds must report, and correct hand-offs through
 * GLib they must not: run by test-canary.c, one mode per process.
 *   canary leak|overflow|ub|race     each must be reported
 *   canary locked                    must run clean under every sanitizer */
#include <gio/gio.h>
#include <string.h>

static int counter;
static GMutex counter_lock;

static gpointer
add_unlocked (gpointer data)
{
  for (int i = 0; i < 1000; i++)
    counter++;
  return NULL;
}

static gpointer
add_locked (gpointer data)
{
  for (int i = 0; i < 1000; i++)
    {
      g_mutex_lock (&counter_lock);
      counter++;
      g_mutex_unlock (&counter_lock);
    }
  return NULL;
}

/* A result written by a worker and read back through GTask and an idle
 * callback, as PelJob and autosave do. */
typedef struct
{
  int      *values;
  gboolean  done;
  GMainLoop *loop;
} Handoff;

static void
fill_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *c)
{
  int *values = g_new (int, 64);

  for (int i = 0; i < 64; i++)
    values[i] = i * i;
  g_task_return_pointer (task, values, g_free);
}

static gboolean
idle_from_worker (gpointer data)
{
  Handoff *h = data;

  h->done = h->values[63] == 63 * 63;
  g_main_loop_quit (h->loop);
  return G_SOURCE_REMOVE;
}

static gpointer
schedule_idle (gpointer data)
{
  Handoff *h = data;

  h->values[63] = 63 * 63;
  g_idle_add (idle_from_worker, h);
  return NULL;
}

static void
task_done (GObject *source, GAsyncResult *result, gpointer data)
{
  Handoff *h = data;

  h->values = g_task_propagate_pointer (G_TASK (result), NULL);
  h->values[63] = 0;
  g_thread_unref (g_thread_new ("idle", schedule_idle, h));
}

static int
run_locked (void)
{
  GThread *a = g_thread_new ("a", add_locked, NULL);
  GThread *b = g_thread_new ("b", add_locked, NULL);
  g_autoptr (GTask) task = NULL;
  Handoff h = { NULL, FALSE, g_main_loop_new (NULL, FALSE) };
  GCond cond;
  GMutex mutex;

  g_thread_join (a);
  g_thread_join (b);
  if (counter != 2000)
    return 1;

  task = g_task_new (NULL, NULL, task_done, &h);
  g_task_run_in_thread (task, fill_in_thread);
  g_main_loop_run (h.loop);
  g_main_loop_unref (h.loop);
  g_free (h.values);

  g_cond_init (&cond);
  g_mutex_init (&mutex);
  g_mutex_lock (&mutex);
  /* A deadline that passes: the wait must time out, not hang. */
  g_cond_wait_until (&cond, &mutex, g_get_monotonic_time () + 1000);
  g_mutex_unlock (&mutex);
  g_mutex_clear (&mutex);
  g_cond_clear (&cond);
  return h.done ? 0 : 1;
}

int
main (int argc, char **argv)
{
  const char *mode = argc > 1 ? argv[1] : "";

  if (strcmp (mode, "leak") == 0)
    {
      volatile char *lost = g_malloc (100);
      lost[0] = 1;
      lost = NULL;
      return 0;
    }
  if (strcmp (mode, "overflow") == 0)
    {
      char *buf = g_malloc (16);
      volatile int i = 16;
      buf[i] = 1;
      g_free (buf);
      return 0;
    }
  if (strcmp (mode, "ub") == 0)
    {
      volatile int big = G_MAXINT;
      return big + 1 > 0 ? 0 : 2;
    }
  if (strcmp (mode, "race") == 0)
    {
      GThread *a = g_thread_new ("a", add_unlocked, NULL);
      GThread *b = g_thread_new ("b", add_unlocked, NULL);
      g_thread_join (a);
      g_thread_join (b);
      return 0;
    }
  if (strcmp (mode, "locked") == 0)
    return run_locked ();
  g_printerr ("usage: canary leak|overflow|ub|race|locked\n");
  return 2;
}
