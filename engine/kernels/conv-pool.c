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

#include "engine/kernels/conv-private.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause ()
#else
#define cpu_relax() do { } while (0)
#endif

#ifdef __linux__
#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#define POOL_MAX PL_CONV_MAX_PARTS
/* pauses of ~15 ns on current x86: a worker stays awake ~50 µs after a job */
#define SPIN_ITERS 4000

/* The claim word: generation (bits 40-63), threads allowed (32-39), part
 * count (24-31), next part (0-23).  A part is claimed by advancing the
 * next-part field with a compare-and-swap that fails if a new job was
 * published in between. */
#define CLAIM_GEN(w)     ((w) >> 40)
#define CLAIM_THREADS(w) ((int) (((w) >> 32) & 0xff))
#define CLAIM_PARTS(w)   ((int) (((w) >> 24) & 0xff))
#define CLAIM_NEXT(w)    ((int) ((w) & 0xffffff))

static __thread int thread_slot;  /* 0 on callers, 1.. on workers */

static guint64 claim;             /* atomic */
static gint done;                 /* parts of the current job finished, atomic */
static PlConvTaskFn job_fn;       /* written before the job's claim word */
static gpointer job_data;

static GMutex pool_lock;
static GCond work_cond;
static gint busy;                 /* a job is being dispatched: one at a time, atomic */
static int n_workers;             /* started, never stopped */
static gint job_nice;             /* the caller's nice value, atomic */
static gint n_sleepers;           /* atomic */

static inline guint64
claim_load (void)
{
  return __atomic_load_n (&claim, __ATOMIC_SEQ_CST);
}

int
pl_conv_slot (void)
{
  return thread_slot;
}

/* Runs parts of the job published in claim word w until none are left. */
static void
run_parts (guint64 w)
{
  for (;;)
    {
      int n = CLAIM_PARTS (w), next = CLAIM_NEXT (w);
      if (next >= n || thread_slot >= CLAIM_THREADS (w))
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

/* Workers take the scheduling priority of the thread that hands them the
 * job.  A worker inherits the nice value of the thread that started it, so
 * without this, workers first started by a background (niced) training run
 * would serve every later caller at that low priority: Predict Volume in the
 * window ran 2-4x slower than pellucid-cli predict on a busy machine. */
static int
thread_nice (void)
{
#ifdef __linux__
  int nice;
  errno = 0;
  nice = getpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid));
  return errno == 0 ? nice : 0;
#else
  return 0;
#endif
}

static void
follow_nice (int *mine)
{
#ifdef __linux__
  int want = g_atomic_int_get (&job_nice);
  if (want != *mine)
    {
      /* raising a priority may be refused without the right to: then the
       * worker stays where it is, and tries again at the next change */
      if (setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), want) == 0)
        *mine = want;
    }
#endif
}

typedef struct
{
  int slot;
  guint64 seen_gen;       /* the generation before the worker's first job */
} WorkerStart;

static gpointer
worker_main (gpointer data)
{
  WorkerStart *start = data;
  guint64 seen_gen = start->seen_gen;
  int nice = thread_nice ();

  thread_slot = start->slot;
  g_free (start);

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
      follow_nice (&nice);
      run_parts (w);
    }
  return NULL;
}

void
pl_conv_parallel (int n_parts, int n_threads, PlConvTaskFn fn, gpointer data)
{
  g_return_if_fail (n_parts >= 1 && n_parts <= POOL_MAX);
  n_threads = CLAMP (n_threads, 1, MIN (n_parts, POOL_MAX));
  if (n_threads == 1 || !g_atomic_int_compare_and_exchange (&busy, 0, 1))
    {
      /* on this thread alone; it uses slot 0 whatever it is */
      int keep = thread_slot;
      thread_slot = 0;
      for (int p = 0; p < n_parts; p++)
        fn (p, n_parts, data);
      thread_slot = keep;
      return;
    }
  guint64 gen = CLAIM_GEN (claim_load ()) + 1;
  while (n_workers < n_threads - 1)
    {
      WorkerStart *start = g_new (WorkerStart, 1);
      start->slot = ++n_workers;
      start->seen_gen = gen - 1;
      g_thread_unref (g_thread_new ("pl-conv", worker_main, start));
    }
  job_fn = fn;
  job_data = data;
  g_atomic_int_set (&job_nice, thread_nice ());
  g_atomic_int_set (&done, 0);
  __atomic_store_n (&claim, (gen << 40) | ((guint64) n_threads << 32) | ((guint64) n_parts << 24),
                    __ATOMIC_SEQ_CST);
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
