/* progress.h: how a long engine task reports progress and learns it must stop.
 *
 * Every long engine function (loading, training, inference, denoising,
 * saliency) takes a `const PlProgress *` (NULL allowed).  It calls
 * pl_progress_report() now and then from whatever thread it runs on and checks
 * the return value: FALSE means the caller asked to stop, and the task returns
 * promptly with a G_IO_ERROR_CANCELLED error, leaving its inputs untouched.
 * The engine never knows about widgets or main loops; the front end (PelJob)
 * turns these calls into coalesced property notifications on the main thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* fraction: 0..1, or < 0 when unknown; message: short, translatable by the
 * caller, may be NULL.  Returns FALSE to ask the task to stop. */
typedef gboolean (*PlProgressFunc) (double      fraction,
                                    const char *message,
                                    gpointer    user_data);

typedef struct
{
  PlProgressFunc func;
  gpointer       user_data;
  const gint    *cancel;      /* optional: non-zero (read atomically) = stop */
} PlProgress;

gboolean pl_progress_report    (const PlProgress *progress,
                                double            fraction,
                                const char       *message);
gboolean pl_progress_cancelled (const PlProgress *progress);

/* Sets a G_IO_ERROR_CANCELLED error and returns FALSE, for `return` chains. */
gboolean pl_progress_set_cancelled_error (GError **error);

G_END_DECLS
