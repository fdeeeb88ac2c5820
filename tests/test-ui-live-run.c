/* PelLiveRun: a toy worker publishing a series, a preview and a status
 * fact; points arrive in order, coalesced, on the main thread; Stop and
 * Continue carry the worker's state; the worker touches no GObject. */
#include <gio/gio.h>
#include <math.h>

#include "src/pel-live-run.h"

static GThread *main_thread;

/* The toy's task data: plain values only, kept across runs. */
typedef struct
{
  int      steps;          /* run until done == steps */
  int      done;           /* carried from one run to the next */
  int      preview_every;
  int      sleep_us;       /* per step */
  gint     finished;       /* atomic: the worker returned */
  GThread *worker;
} Toy;

static gpointer
toy_func (gpointer   data,
          PelLive   *live,
          GError   **error)
{
  Toy *t = data;

  t->worker = g_thread_self ();
  g_assert_true (t->worker != main_thread);
  pel_live_status (live, "phase", "running");
  while (t->done < t->steps && !pel_live_cancelled (live))
    {
      t->done++;
      pel_live_append (live, "loss", t->done, 1.0 / t->done);
      pel_live_progress (live, t->done, t->steps);
      if (t->done % t->preview_every == 0)
        {
          float *image = g_new (float, 6);
          for (int i = 0; i < 6; i++)
            image[i] = (float) t->done;
          pel_live_publish_floats (live, "image", t->done, image, 2, 3);
        }
      if (t->sleep_us)
        g_usleep (t->sleep_us);
    }
  pel_live_status (live, "phase", pel_live_cancelled (live) ? "stopped" : "done");
  g_atomic_int_set (&t->finished, 1);
  /* the state comes back either way: a Continue picks it up */
  return t;
}

typedef struct
{
  guint     n_emissions;
  GArray   *points;        /* every PelLivePoint received */
  guint     n_previews;
  gint64    last_index;
  float     last_value;
  char     *phase;
  gboolean  finished;
  Toy      *result;
  GError   *error;
} Seen;

static void
on_points (PelLiveRun         *run,
           const char         *name,
           const PelLivePoint *points,
           guint               n,
           Seen               *seen)
{
  g_assert_true (g_thread_self () == main_thread);
  g_assert_cmpstr (name, ==, "loss");
  seen->n_emissions++;
  g_array_append_vals (seen->points, points, n);
}

static void
on_preview (PelLiveRun           *run,
            const PelLivePayload *payload,
            Seen                 *seen)
{
  const float *image = payload->data;

  g_assert_true (g_thread_self () == main_thread);
  g_assert_cmpstr (payload->name, ==, "image");
  g_assert_cmpint (payload->kind, ==, PEL_LIVE_FLOATS);
  g_assert_cmpint (payload->shape[1], ==, 2);
  g_assert_cmpint (payload->shape[2], ==, 3);
  /* the newest payload only, never an older one after it */
  g_assert_cmpint (payload->index, >, seen->last_index);
  g_assert_cmpfloat (image[5], ==, (float) payload->index);
  seen->n_previews++;
  seen->last_index = payload->index;
  seen->last_value = image[5];
}

static void
on_status (PelLiveRun *run,
           const char *key,
           const char *text,
           Seen       *seen)
{
  g_assert_true (g_thread_self () == main_thread);
  g_free (seen->phase);
  seen->phase = g_strdup (text);
}

static void
on_notify (PelLiveRun *run,
           GParamSpec *pspec,
           gpointer    data)
{
  g_assert_true (g_thread_self () == main_thread);
}

static void
on_done (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Seen *seen = user_data;

  g_assert_true (g_thread_self () == main_thread);
  g_assert_false (pel_live_run_get_running (PEL_LIVE_RUN (object)));
  seen->result = pel_live_run_finish (PEL_LIVE_RUN (object), result, &seen->error);
  seen->finished = TRUE;
}

static void
connect (PelLiveRun *run,
         Seen       *seen)
{
  seen->points = g_array_new (FALSE, FALSE, sizeof (PelLivePoint));
  seen->last_index = -1;
  g_signal_connect (run, "series-points::loss", G_CALLBACK (on_points), seen);
  g_signal_connect (run, "preview::image", G_CALLBACK (on_preview), seen);
  g_signal_connect (run, "status::phase", G_CALLBACK (on_status), seen);
  g_signal_connect (run, "notify", G_CALLBACK (on_notify), NULL);
}

static void
seen_clear (Seen *seen)
{
  g_array_unref (seen->points);
  g_free (seen->phase);
  g_clear_error (&seen->error);
}

static void
wait_finished (Seen *seen)
{
  while (!seen->finished)
    g_main_context_iteration (NULL, TRUE);
}

/* Points 1..n, in order, each once. */
static void
assert_series (const PelLivePoint *p,
               guint               n)
{
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpfloat (p[i].x, ==, i + 1);
      g_assert_cmpfloat (p[i].y, ==, 1.0 / (i + 1));
    }
}

/* The worker publishes 300 points and 6 previews while the main loop does
 * not run: they come as one emission of every point in order and the newest
 * preview, and no GObject's reference count moved while the worker ran. */
static void
test_coalesced (void)
{
  g_autoptr (PelLiveRun) run = pel_live_run_new ("toy");
  Toy toy = { 300, 0, 50, 0, 0, NULL };
  Seen seen = { 0 };
  guint run_refs, job_refs;
  guint n;

  connect (run, &seen);
  pel_live_run_start (run, toy_func, &toy, NULL, on_done, &seen);
  g_assert_true (pel_live_run_get_running (run));
  run_refs = G_OBJECT (run)->ref_count;
  job_refs = G_OBJECT (pel_live_run_get_job (run))->ref_count;
  while (!g_atomic_int_get (&toy.finished))
    g_usleep (1000);
  /* the worker wrote only its task data and the run's plain channel */
  g_assert_cmpuint (G_OBJECT (run)->ref_count, ==, run_refs);
  g_assert_cmpuint (G_OBJECT (pel_live_run_get_job (run))->ref_count, ==, job_refs);
  g_assert_cmpuint (seen.n_emissions, ==, 0);

  wait_finished (&seen);
  g_assert_no_error (seen.error);
  g_assert_true (seen.result == &toy);
  g_assert_true (toy.worker != main_thread);
  g_assert_cmpuint (seen.n_emissions, ==, 1);
  g_assert_cmpuint (seen.points->len, ==, 300);
  assert_series ((const PelLivePoint *) seen.points->data, seen.points->len);
  g_assert_cmpuint (seen.n_previews, ==, 1);
  g_assert_cmpint (seen.last_index, ==, 300);
  g_assert_cmpstr (seen.phase, ==, "done");

  /* the run keeps every point, the newest payload and status */
  {
    const PelLivePoint *all = pel_live_run_get_series (run, "loss", &n);
    g_assert_cmpuint (n, ==, 300);
    assert_series (all, n);
  }
  g_assert_cmpint (pel_live_run_get_payload (run, "image")->index, ==, 300);
  g_assert_cmpstr (pel_live_run_get_status (run, "phase"), ==, "done");
  g_assert_cmpint (pel_live_run_get_done (run), ==, 300);
  g_assert_cmpint (pel_live_run_get_total (run), ==, 300);
  g_assert_cmpfloat (pel_live_run_get_fraction (run), ==, 1.0);
  g_assert_cmpfloat (pel_live_run_get_time_left (run), ==, -1.0);
  g_assert_true (pel_live_run_get_rate (run) > 0.0);
  seen_clear (&seen);
}

/* Stop, then Continue with the same task data: the steps go on from where
 * they stopped, the series has each step once, in order. */
static void
test_stop_continue (void)
{
  g_autoptr (PelLiveRun) run = pel_live_run_new ("toy");
  Toy toy = { 1000000, 0, 25, 500, 0, NULL };
  Seen seen = { 0 };
  const PelLivePoint *p;
  guint n, emissions;
  int stopped_at;

  connect (run, &seen);
  pel_live_run_start (run, toy_func, &toy, NULL, on_done, &seen);
  while (pel_live_run_get_done (run) < 20)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (pel_live_run_get_running (run));
  g_assert_cmpfloat (pel_live_run_get_time_left (run), >, 0.0);
  pel_live_run_stop (run);
  wait_finished (&seen);
  g_assert_no_error (seen.error);
  g_assert_cmpstr (seen.phase, ==, "stopped");
  stopped_at = toy.done;
  g_assert_cmpint (stopped_at, >=, 20);
  g_assert_cmpint (stopped_at, <, toy.steps);
  g_assert_cmpint (pel_live_run_get_done (run), ==, stopped_at);
  p = pel_live_run_get_series (run, "loss", &n);
  g_assert_cmpuint (n, ==, (guint) stopped_at);
  assert_series (p, n);
  /* fewer emissions than points: coalesced while the main loop was busy or
   * the worker was quick */
  emissions = seen.n_emissions;
  g_assert_cmpuint (emissions, >=, 1);

  /* Continue: 30 more steps on the same state */
  seen.finished = FALSE;
  toy.steps = stopped_at + 30;
  toy.sleep_us = 0;
  g_atomic_int_set (&toy.finished, 0);
  pel_live_run_start (run, toy_func, &toy, NULL, on_done, &seen);
  wait_finished (&seen);
  g_assert_no_error (seen.error);
  g_assert_cmpstr (seen.phase, ==, "done");
  g_assert_cmpint (toy.done, ==, stopped_at + 30);
  g_assert_cmpint (pel_live_run_get_done (run), ==, stopped_at + 30);
  g_assert_cmpfloat (pel_live_run_get_fraction (run), ==, 1.0);
  p = pel_live_run_get_series (run, "loss", &n);
  g_assert_cmpuint (n, ==, (guint) stopped_at + 30);
  assert_series (p, n);
  g_assert_cmpuint (seen.points->len, ==, n);
  assert_series ((const PelLivePoint *) seen.points->data, seen.points->len);

  /* Reset forgets it all */
  pel_live_run_reset (run);
  g_assert_null (pel_live_run_get_series (run, "loss", &n));
  g_assert_cmpuint (n, ==, 0);
  g_assert_null (pel_live_run_get_payload (run, "image"));
  g_assert_cmpint (pel_live_run_get_done (run), ==, 0);
  seen_clear (&seen);
}

/* A run let go of while its worker runs stays alive until the worker ends,
 * then goes. */
static void
test_drop_while_running (void)
{
  PelLiveRun *run = pel_live_run_new ("toy");
  Toy toy = { 1000000, 0, 25, 200, 0, NULL };
  Seen seen = { 0 };

  connect (run, &seen);
  g_object_add_weak_pointer (G_OBJECT (run), (gpointer *) &run);
  pel_live_run_start (run, toy_func, &toy, NULL, on_done, &seen);
  while (pel_live_run_get_done (run) < 5)
    g_main_context_iteration (NULL, TRUE);
  pel_live_run_stop (run);
  g_object_unref (run);
  g_assert_nonnull (run);
  wait_finished (&seen);
  while (run != NULL)
    g_main_context_iteration (NULL, TRUE);
  seen_clear (&seen);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();
  g_test_add_func ("/live-run/coalesced", test_coalesced);
  g_test_add_func ("/live-run/stop-continue", test_stop_continue);
  g_test_add_func ("/live-run/drop-while-running", test_drop_while_running);
  return g_test_run ();
}
