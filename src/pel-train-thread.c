/* Lower priority for engine jobs.  See pel-train-thread.h. */
#define G_LOG_DOMAIN "pel-train"

#include "src/pel-train-thread.h"

#include <errno.h>

#include "engine/core/gemm.h"

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* Background work, as desktop indexers and compilers run it. */
#define BACKGROUND_NICE 10

int
pel_train_thread_lower_priority (void)
{
#ifdef __linux__
  id_t tid = (id_t) syscall (SYS_gettid);
  int previous;

  errno = 0;
  previous = getpriority (PRIO_PROCESS, tid);
  if (errno != 0)
    return 0;
  if (previous < BACKGROUND_NICE)
    setpriority (PRIO_PROCESS, tid, BACKGROUND_NICE);
  return previous;
#else
  return 0;
#endif
}

void
pel_train_thread_restore_priority (int previous)
{
#ifdef __linux__
  /* may fail without the right to raise a priority: then it stays low */
  setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), previous);
#endif
}

static guint n_jobs;   /* main thread only */

void
pel_train_thread_job_started (void)
{
  n_jobs++;
}

void
pel_train_thread_job_finished (void)
{
  g_return_if_fail (n_jobs > 0);
  n_jobs--;
}

gboolean
pel_train_thread_set_engine_threads (int n)
{
  if (pl_engine_get_threads () == n)
    return TRUE;
  if (n_jobs > 0)
    return FALSE;
  pl_engine_set_threads (n);
  return TRUE;
}
