/* A small persistent thread pool for the convolution kernels.
 *
 * A convolution of unet2d-ref at batch 1 takes 50 µs to 2 ms, so waking
 * threads through the kernel on every call would cost a noticeable share:
 * workers spin for a short while after a job before they sleep on a
 * condition variable.  Work is split by the caller into fixed parts, so which
 * thread runs a part never changes a result.
 */
#define G_LOG_DOMAIN "pl-conv"

#include "engine/conv-private.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause ()
#else
#define cpu_relax() do { } while (0)
#endif

#define POOL_MAX 64
/* iterations of ~40 ns pauses: a worker stays awake ~100 µs after a job */
#define SPIN_ITERS 2500

static GMutex pool_lock;          /* guards the condition variables */
static GCond work_cond;
static GMutex dispatch_lock;      /* one dispatch at a time */
static int n_workers;             /* started, never stopped */
static volatile gint generation;
static volatile gint n_sleepers;
static volatile gint pending;
static PlConvTaskFn job_fn;
static gpointer job_data;
static int job_parts;

typedef struct
{
  int part;
  gint seen;        /* the generation before the worker's first job */
} WorkerStart;

static gpointer
worker_main (gpointer data)
{
  WorkerStart *start = data;
  int part = start->part;
  gint seen = start->seen;

  g_free (start);

  for (;;)
    {
      for (int i = 0; i < SPIN_ITERS && g_atomic_int_get (&generation) == seen; i++)
        cpu_relax ();
      if (g_atomic_int_get (&generation) == seen)
        {
          g_mutex_lock (&pool_lock);
          g_atomic_int_inc (&n_sleepers);
          while (g_atomic_int_get (&generation) == seen)
            g_cond_wait (&work_cond, &pool_lock);
          g_atomic_int_add (&n_sleepers, -1);
          g_mutex_unlock (&pool_lock);
        }
      seen = g_atomic_int_get (&generation);
      if (part < job_parts)
        job_fn (part, job_parts, job_data);
      g_atomic_int_add (&pending, -1);
    }
  return NULL;
}

void
pl_conv_parallel (int n_parts, PlConvTaskFn fn, gpointer data)
{
  if (n_parts > POOL_MAX)
    n_parts = POOL_MAX;
  if (n_parts <= 1 || !g_mutex_trylock (&dispatch_lock))
    {
      for (int p = 0; p < MAX (n_parts, 1); p++)
        fn (p, MAX (n_parts, 1), data);
      return;
    }
  while (n_workers < n_parts - 1)
    {
      WorkerStart *start = g_new (WorkerStart, 1);
      start->part = ++n_workers;
      start->seen = g_atomic_int_get (&generation);
      g_thread_unref (g_thread_new ("pl-conv", worker_main, start));
    }
  job_fn = fn;
  job_data = data;
  job_parts = n_parts;
  g_atomic_int_set (&pending, n_workers);
  g_atomic_int_inc (&generation);
  if (g_atomic_int_get (&n_sleepers) > 0)
    {
      g_mutex_lock (&pool_lock);
      g_cond_broadcast (&work_cond);
      g_mutex_unlock (&pool_lock);
    }
  fn (0, n_parts, data);
  for (int i = 0; g_atomic_int_get (&pending) > 0; i++)
    {
      if (i < SPIN_ITERS)
        cpu_relax ();
      else
        g_thread_yield ();
    }
  g_mutex_unlock (&dispatch_lock);
}
