/* pel-job.h: a long task on a worker thread, observable from the main loop.
 *
 * A PelJob runs a PelJobFunc in a GTask thread.  The function gets a
 * PlProgress to hand to the engine; each report is written under a mutex and
 * at most one low-priority idle is pending to turn the newest value into
 * notifications of `fraction`, `message` and `time-left` on the main thread
 * (Sysprof's way: the main loop never floods).  The function sees only its
 * task data and the PlProgress (whose state is a plain struct, never the
 * job object) and must never touch a widget; its result comes back through
 * pel_job_run_finish() in the callback, on the thread that started the job.
 *
 *   job = pel_job_new (_("Loading"));
 *   g_object_bind_property (job, "fraction", bar, "fraction", G_BINDING_DEFAULT);
 *   pel_job_run_async (job, load_func, g_strdup (path), g_free, NULL, done, self);
 */
#pragma once

#include <gio/gio.h>

#include "engine/core/progress.h"

G_BEGIN_DECLS

#define PEL_TYPE_JOB (pel_job_get_type ())
G_DECLARE_FINAL_TYPE (PelJob, pel_job, PEL, JOB, GObject)

/* Runs on the worker thread.  Returns the result (freed with
 * result_free if nobody takes it) or NULL with error set. */
typedef gpointer (*PelJobFunc) (gpointer          task_data,
                                const PlProgress *progress,
                                GError          **error);

PelJob     *pel_job_new           (const char          *title);
const char *pel_job_get_title     (PelJob              *self);
double      pel_job_get_fraction  (PelJob              *self);
const char *pel_job_get_message   (PelJob              *self);
/* Seconds, or < 0 when not known yet. */
double      pel_job_get_time_left (PelJob              *self);
gboolean    pel_job_get_running   (PelJob              *self);
void        pel_job_run_async     (PelJob              *self,
                                   PelJobFunc           func,
                                   gpointer             task_data,
                                   GDestroyNotify       task_data_free,
                                   GDestroyNotify       result_free,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data);
/* Transfer full; NULL with error (G_IO_ERROR_CANCELLED when cancelled). */
gpointer    pel_job_run_finish    (PelJob              *self,
                                   GAsyncResult        *result,
                                   GError             **error);
void        pel_job_cancel        (PelJob              *self);

/* For PelLiveRun: called on the main thread from the job's one idle, after
 * its own notifications, and once more when a run ends (before the
 * callback).  A worker wakes that idle with pl_progress_report (progress,
 * NAN, NULL), which keeps the fraction. */
typedef void (*PelJobFlushFunc) (gpointer user_data);
void        pel_job_set_flush_func (PelJob              *self,
                                    PelJobFlushFunc      func,
                                    gpointer             user_data);

/* Runs func (data) on the one background thread, whose scheduling
 * priority is below the window's (Linux: its nice value 10 above the
 * process's), for computations that an open starts and nobody waits for
 * at once (the intensity histogram): on two cores they would otherwise
 * take half the main thread's CPU while it draws the new image.  Only for
 * work that holds no lock the main thread takes: a thread preempted while
 * holding one would make the window wait on it (priority inversion).
 * Tasks run one at a time, in order; func's return value is ignored. */
void        pel_thread_start_background (GThreadFunc   func,
                                         gpointer      data);

G_END_DECLS
