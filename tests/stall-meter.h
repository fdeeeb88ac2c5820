/* stall-meter.h: the longest main-loop stall of the window during an
 * action, for the stall benchmarks (bench-stall-io.c, bench-stall-cases.c).
 *
 * A G_PRIORITY_HIGH timeout fires every millisecond; the longest gap
 * between two of its ticks is the longest time the main thread could not
 * answer input or draw a frame, split into the main thread's own work and
 * its time runnable but waiting for a CPU (other processes' load). */
#pragma once

#include <glib.h>
#include <stdio.h>
#include <time.h>

/* The longest gap of one run, split into the main thread's own work and
 * its time runnable but waiting for a CPU (the machine's other load). */
typedef struct
{
  double ms, busy_ms, wait_ms;
  double total_busy_ms;   /* the main thread's CPU time over the whole run,
                           * less the meter's */
} Stall;

typedef struct
{
  gint64 last;
  double start_cpu, last_cpu, last_wait;
  double self_ms;     /* the ticks' own CPU time */
  Stall  worst;
  guint  id;
} Meter;

/* CPU time of the calling thread, ms. */
static inline double
thread_cpu_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

/* Time the calling thread spent runnable but waiting for a CPU, ms (Linux
 * /proc/thread-self/schedstat: on-CPU ns, run-queue wait ns, slices); 0
 * elsewhere. */
static inline double
thread_wait_ms (void)
{
  g_autofree char *text = NULL;
  guint64 run, wait;

  if (!g_file_get_contents ("/proc/thread-self/schedstat", &text, NULL, NULL)
      || sscanf (text, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &run, &wait) != 2)
    return 0.0;
  return wait * 1e-6;
}

static inline gboolean
meter_tick (gpointer data)
{
  Meter *m = data;
  gint64 now = g_get_monotonic_time ();
  double cpu = thread_cpu_ms (), wait = thread_wait_ms ();

  if ((now - m->last) / 1000.0 > m->worst.ms)
    {
      m->worst.ms = (now - m->last) / 1000.0;
      m->worst.busy_ms = cpu - m->last_cpu;
      m->worst.wait_ms = wait - m->last_wait;
    }
  m->last = now;
  m->last_cpu = cpu;
  m->last_wait = wait;
  m->self_ms += thread_cpu_ms () - cpu;
  return G_SOURCE_CONTINUE;
}

static inline void
meter_start (Meter *m)
{
  m->last = g_get_monotonic_time ();
  m->last_cpu = m->start_cpu = thread_cpu_ms ();
  m->last_wait = thread_wait_ms ();
  m->worst = (Stall) { 0 };
  m->self_ms = 0.0;
  m->id = g_timeout_add_full (G_PRIORITY_HIGH, 1, meter_tick, m, NULL);
}

static inline Stall
meter_stop (Meter *m)
{
  meter_tick (m);
  g_clear_handle_id (&m->id, g_source_remove);
  /* less the ticks' reading of /proc after their clock */
  m->worst.total_busy_ms = m->last_cpu - m->start_cpu - m->self_ms;
  return m->worst;
}

