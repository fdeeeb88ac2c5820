/* stall-phases.h: the main loop's gaps through the phases of a stall
 * benchmark (bench-stall.c, bench-stall-restore.c).
 *
 * A G_PRIORITY_HIGH timeout every TICK_MS (stall_tick) records the gap
 * since its previous run, with the main thread's CPU time and its wait for
 * a CPU during it; stall_event() marks what the benchmark just did.  Each
 * phase (stall_begin_phase … stall_end_phase) prints its worst gap, 99th
 * percentile and count over 50 ms, and its worst gaps with the last event
 * before each. */
#pragma once

#include <math.h>
#include <stdio.h>

#include "tests/stall-meter.h"

#define TICK_MS 5

typedef struct
{
  gint64  t;       /* µs since the phase began */
  double  gap_ms;
  double  busy_ms; /* CPU time of the main thread during the gap */
  double  wait_ms; /* time it was runnable but waited for a CPU */
} Gap;

typedef struct
{
  gint64      t;
  const char *what;
} Event;

static GArray *gaps;        /* Gap, this phase */
static GArray *events;      /* Event */
static gint64 last_tick;
static double last_cpu;
static double last_wait;
static gint64 phase_start;
static double worst_overall;

static inline gboolean
stall_tick (gpointer data)
{
  gint64 now = g_get_monotonic_time ();
  double cpu = thread_cpu_ms (), wait = thread_wait_ms ();

  if (last_tick != 0 && gaps)
    {
      Gap g = { now - phase_start, (now - last_tick) / 1000.0, cpu - last_cpu, wait - last_wait };
      g_array_append_val (gaps, g);
    }
  last_tick = now;
  last_cpu = cpu;
  last_wait = wait;
  return G_SOURCE_CONTINUE;
}

static inline void
stall_event (const char *what)
{
  Event e = { g_get_monotonic_time () - phase_start, what };
  if (events)
    g_array_append_val (events, e);
}

static inline void
stall_begin_phase (void)
{
  g_clear_pointer (&gaps, g_array_unref);
  g_clear_pointer (&events, g_array_unref);
  gaps = g_array_new (FALSE, FALSE, sizeof (Gap));
  events = g_array_new (FALSE, FALSE, sizeof (Event));
  phase_start = g_get_monotonic_time ();
  last_tick = 0;
}

static inline int
stall_by_gap (gconstpointer a,
              gconstpointer b)
{
  double x = ((const Gap *) a)->gap_ms, y = ((const Gap *) b)->gap_ms;
  return x < y ? 1 : x > y ? -1 : 0;
}

/* prefix: e.g. "stall/ref" or "stall-restore". */
static inline void
stall_end_phase (const char *prefix,
                 const char *name)
{
  g_autoptr (GArray) sorted = g_array_copy (gaps);
  guint n = sorted->len, over = 0;
  double p99, busy = 0.0, blocked = 0.0;

  g_array_sort (sorted, stall_by_gap);
  for (guint i = 0; i < n; i++)
    {
      const Gap *g = &g_array_index (sorted, Gap, i);
      over += g->gap_ms > 50.0;
      busy = MAX (busy, g->busy_ms);
      blocked = MAX (blocked, g->gap_ms - TICK_MS - g->busy_ms - g->wait_ms);
    }
  p99 = n ? g_array_index (sorted, Gap, n / 100).gap_ms : NAN;
  printf ("%s/%s: %.1f s, %u ticks of %d ms, worst gap %.1f ms, p99 %.1f ms, gaps > 50 ms: %u; "
          "longest run of main-thread work %.1f ms, longest block %.1f ms\n",
          prefix, name, (g_get_monotonic_time () - phase_start) * 1e-6, n, TICK_MS,
          n ? g_array_index (sorted, Gap, 0).gap_ms : NAN, p99, over, busy, blocked);
  for (guint i = 0; i < MIN (n, 4); i++)
    {
      const Gap *g = &g_array_index (sorted, Gap, i);
      const char *before = "start";
      gint64 when = 0;
      for (guint e = 0; e < events->len; e++)
        if (g_array_index (events, Event, e).t <= g->t)
          {
            before = g_array_index (events, Event, e).what;
            when = g_array_index (events, Event, e).t;
          }
      printf ("  %.1f ms (main thread running %.1f ms, waiting for a CPU %.1f ms, blocked %.1f ms)"
              " ending at %.2f s, %.0f ms after: %s\n",
              g->gap_ms, g->busy_ms, g->wait_ms, MAX (g->gap_ms - TICK_MS - g->busy_ms - g->wait_ms, 0.0),
              g->t * 1e-6, (g->t - when) / 1000.0, before);
    }
  if (n)
    worst_overall = MAX (worst_overall, g_array_index (sorted, Gap, 0).gap_ms);
  fflush (stdout);
}
