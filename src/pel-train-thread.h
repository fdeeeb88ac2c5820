/* pel-train-thread.h: engine work yields the CPU to the main loop.
 *
 * Training and whole-volume prediction keep every core busy; on a machine
 * with as many busy threads as cores the main loop then waits for a CPU
 * for a hundred milliseconds and more (bench-stall measures it).  A job
 * lowers its worker thread's priority (nice 10; on Linux the nice value is
 * per thread) for its duration, so that the main loop, which sleeps most of
 * the time, is scheduled as soon as it wakes.  Threads the engine starts
 * from a lowered thread (the convolution pool) inherit it.  Restoring the
 * priority afterwards needs the right to raise it (root, or RLIMIT_NICE);
 * without it the pool thread simply stays lowered, which only ever favours
 * the main loop.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The engine's thread count (pl_engine_set_threads) sizes the workspace of
 * a convolution, so it must not change while a job computes one: the main
 * thread counts the engine jobs it starts and changes the count only when
 * none runs.  Returns whether the count is now n. */
void     pel_train_thread_job_started        (void);
void     pel_train_thread_job_finished       (void);
gboolean pel_train_thread_set_engine_threads (int n);

/* Returns the previous nice value of the calling thread. */
int  pel_train_thread_lower_priority   (void);
void pel_train_thread_restore_priority (int previous);

G_END_DECLS
