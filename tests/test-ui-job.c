/* PelJob: results on the main thread, progress coalesced into few
 * notifications, time left, cancellation. */
#include <gio/gio.h>

#include "src/pel-job.h"

static GThread *main_thread;

typedef struct
{
  int      n_reports;
  gboolean wait_for_cancel;
  gint     started;
  gint     finished;
} Work;

static gpointer
busy_func (gpointer          data,
           const PlProgress *progress,
           GError          **error)
{
  Work *w = data;

  g_assert_true (g_thread_self () != main_thread);
  g_atomic_int_set (&w->started, 1);
  for (int i = 1; i <= w->n_reports || w->wait_for_cancel; i++)
    {
      double f = w->wait_for_cancel ? -1.0 : (double) i / w->n_reports;
      if (!pl_progress_report (progress, f, i % 1000 == 0 ? "working" : NULL))
        return pl_progress_set_cancelled_error (error), NULL;
      if (w->wait_for_cancel)
        g_usleep (1000);
    }
  g_atomic_int_set (&w->finished, 1);
  return g_strdup ("done");
}

typedef struct
{
  GMainLoop *loop;
  char      *result;
  GError    *error;
  gboolean   done;
} Outcome;

static void
finished (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Outcome *o = user_data;

  /* handed back on the thread that started the job */
  g_assert_true (g_thread_self () == main_thread);
  g_assert_false (pel_job_get_running (PEL_JOB (object)));
  o->result = pel_job_run_finish (PEL_JOB (object), result, &o->error);
  o->done = TRUE;
  g_main_loop_quit (o->loop);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              int        *count)
{
  (*count)++;
}

static void
test_coalesced_progress (void)
{
  g_autoptr (PelJob) job = pel_job_new ("busy");
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Work w = { 200000, FALSE, 0, 0 };
  Outcome o = { loop, NULL, NULL, FALSE };
  int n_fraction = 0;

  g_signal_connect (job, "notify::fraction", G_CALLBACK (count_notify), &n_fraction);
  pel_job_run_async (job, busy_func, &w, NULL, g_free, NULL, finished, &o);
  g_assert_true (pel_job_get_running (job));
  /* The main loop is busy elsewhere while the worker reports 200000
   * times: at most one idle is pending, so one notification follows the
   * one that started the job. */
  while (!g_atomic_int_get (&w.finished))
    g_usleep (1000);
  g_main_loop_run (loop);

  g_assert_no_error (o.error);
  g_assert_cmpstr (o.result, ==, "done");
  g_free (o.result);
  g_test_message ("%d fraction notifications for %d reports", n_fraction, w.n_reports);
  g_assert_cmpint (n_fraction, ==, 2);
  g_assert_cmpfloat (pel_job_get_fraction (job), ==, 1.0);
  g_assert_cmpstr (pel_job_get_message (job), ==, "working");
}

static gboolean
cancel_soon (gpointer data)
{
  pel_job_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel (void)
{
  g_autoptr (PelJob) job = pel_job_new ("endless");
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Work w = { 0, TRUE, 0, 0 };
  Outcome o = { loop, NULL, NULL, FALSE };

  pel_job_run_async (job, busy_func, &w, NULL, g_free, NULL, finished, &o);
  g_timeout_add (50, cancel_soon, job);
  g_main_loop_run (loop);
  g_assert_null (o.result);
  g_assert_error (o.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&o.error);
  g_assert_false (pel_job_get_running (job));

  /* a cancellable passed in stops it too, and the job can run again */
  {
    g_autoptr (GCancellable) cancellable = g_cancellable_new ();
    Work w2 = { 0, TRUE, 0, 0 };
    o.done = FALSE;
    pel_job_run_async (job, busy_func, &w2, NULL, g_free, cancellable, finished, &o);
    while (!g_atomic_int_get (&w2.started))
      g_usleep (1000);
    g_cancellable_cancel (cancellable);
    g_main_loop_run (loop);
    g_assert_error (o.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&o.error);
  }
}

static gpointer
slow_func (gpointer          data,
           const PlProgress *progress,
           GError          **error)
{
  for (int i = 1; i <= 40; i++)
    {
      pl_progress_report (progress, i / 40.0, NULL);
      g_usleep (25000);
    }
  return g_strdup ("slow");
}

static void
test_time_left (void)
{
  g_autoptr (PelJob) job = pel_job_new ("slow");
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Outcome o = { loop, NULL, NULL, FALSE };
  double seen = -1.0, expected = -1.0;
  gint64 start = g_get_monotonic_time ();

  pel_job_run_async (job, slow_func, NULL, NULL, g_free, NULL, finished, &o);
  /* Once half is done, the estimate is about as long again as what has
   * passed (linear extrapolation; checked against the elapsed time here so
   * that a loaded machine does not matter). */
  while (!o.done)
    {
      double f;
      g_main_context_iteration (NULL, TRUE);
      f = pel_job_get_fraction (job);
      if (seen < 0 && f >= 0.5 && pel_job_get_time_left (job) > 0)
        {
          seen = pel_job_get_time_left (job);
          expected = (g_get_monotonic_time () - start) / 1e6 * (1.0 - f) / f;
        }
    }
  g_assert_cmpstr (o.result, ==, "slow");
  g_free (o.result);
  g_test_message ("time left at half way: %.2f s (elapsed-based %.2f s)", seen, expected);
  g_assert_cmpfloat (seen, >, 0.0);
  g_assert_cmpfloat (seen, >, 0.5 * expected);
  g_assert_cmpfloat (seen, <, 1.5 * expected + 0.05);
  g_assert_cmpfloat (pel_job_get_time_left (job), <, seen);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();
  g_test_add_func ("/ui/job/coalesced-progress", test_coalesced_progress);
  g_test_add_func ("/ui/job/cancel", test_cancel);
  g_test_add_func ("/ui/job/time-left", test_time_left);
  return g_test_run ();
}
