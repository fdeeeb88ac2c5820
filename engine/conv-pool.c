/* A small persistent thread pool for the convolution kernels.
 *
 * The caller splits a job into fixed parts; the calling thread and the
 * workers claim parts from one atomic word until none are left, so a worker
 * that the system has not scheduled yet delays nothing (the caller runs its
 * parts), and which thread runs a part never changes a result.  A
 * convolution of unet2d-ref at batch 1 takes 50 µs to 2 ms, so workers spin
 * for a short while after a job before they sleep on a condition variable.
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
/* pauses of ~15 ns on current x86: a worker stays awake ~50 µs after a job */
#define SPIN_ITERS 4000

/* The claim word: generation (bits 40-63), part count (32-39), next part
 * (0-31).  A part is claimed by advancing the next-part field with a
 * compare-and-swap that fails if a new job was published in between. */
#define CLAIM_GEN(w)   ((w) >> 40)
#define CLAIM_PARTS(w) ((int) (((w) >> 32) & 0xff))
#define CLAIM_NEXT(w)  ((int) ((w) & 0xffffffffu))

static guint64 claim;             /* atomic */
static gint done;                 /* parts of the current job finished, atomic */
static PlConvTaskFn job_fn;       /* written before the job's claim word */
static gpointer job_data;

static GMutex pool_lock;
static GCond work_cond;
static gint busy;                 /* a job is being dispatched: one at a time, atomic */
static int n_workers;             /* started, never stopped */
static gint n_sleepers;           /* atomic */

static inline guint64
claim_load (void)
{
  return __atomic_load_n (&claim, __ATOMIC_SEQ_CST);
}

/* Runs parts of the job published in claim word w until none are left. */
static void
run_parts (guint64 w)
{
  for (;;)
    {
      int n = CLAIM_PARTS (w), next = CLAIM_NEXT (w);
      if (next >= n)
        return;
      if (__atomic_compare_exchange_n (&claim, &w, w + 1, FALSE, __ATOMIC_SEQ_CST,
                                       __ATOMIC_SEQ_CST))
        {
          job_fn (next, n, job_data);
          g_atomic_int_inc (&done);
          w = w + 1;
        }
      /* on failure w holds the current word: another part, or a new job */
    }
}

static gpointer
worker_main (gpointer data)
{
  guint64 seen_gen = GPOINTER_TO_SIZE (data);

  for (;;)
    {
      guint64 w = claim_load ();
      for (int i = 0; i < SPIN_ITERS && CLAIM_GEN (w) == seen_gen; i++)
        {
          cpu_relax ();
          w = claim_load ();
        }
      if (CLAIM_GEN (w) == seen_gen)
        {
          g_mutex_lock (&pool_lock);
          g_atomic_int_inc (&n_sleepers);
          while (CLAIM_GEN (w = claim_load ()) == seen_gen)
            g_cond_wait (&work_cond, &pool_lock);
          g_atomic_int_add (&n_sleepers, -1);
          g_mutex_unlock (&pool_lock);
        }
      seen_gen = CLAIM_GEN (w);
      run_parts (w);
    }
  return NULL;
}

void
pl_conv_parallel (int n_parts, PlConvTaskFn fn, gpointer data)
{
  n_parts = CLAMP (n_parts, 1, POOL_MAX);
  if (n_parts == 1 || !g_atomic_int_compare_and_exchange (&busy, 0, 1))
    {
      for (int p = 0; p < n_parts; p++)
        fn (p, n_parts, data);
      return;
    }
  guint64 gen = CLAIM_GEN (claim_load ()) + 1;
  while (n_workers < n_parts - 1)
    {
      n_workers++;
      g_thread_unref (g_thread_new ("pl-conv", worker_main, GSIZE_TO_POINTER (gen - 1)));
    }
  job_fn = fn;
  job_data = data;
  g_atomic_int_set (&done, 0);
  __atomic_store_n (&claim, (gen << 40) | ((guint64) n_parts << 32), __ATOMIC_SEQ_CST);
  if (g_atomic_int_get (&n_sleepers) > 0)
    {
      g_mutex_lock (&pool_lock);
      g_cond_broadcast (&work_cond);
      g_mutex_unlock (&pool_lock);
    }
  run_parts (claim_load ());
  /* only parts a running worker claimed are left */
  for (int i = 0; g_atomic_int_get (&done) < n_parts; i++)
    {
      if (i < SPIN_ITERS)
        cpu_relax ();
      else
        g_thread_yield ();
    }
  g_atomic_int_set (&busy, 0);
}
