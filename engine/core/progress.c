#define G_LOG_DOMAIN "pl-progress"

#include "engine/core/progress.h"

#include <gio/gio.h>

gboolean
pl_progress_cancelled (const PlProgress *progress)
{
  return progress != NULL && progress->cancel != NULL
         && g_atomic_int_get (progress->cancel) != 0;
}

gboolean
pl_progress_report (const PlProgress *progress,
                    double            fraction,
                    const char       *message)
{
  if (progress == NULL)
    return TRUE;
  if (pl_progress_cancelled (progress))
    return FALSE;
  if (progress->func != NULL && !progress->func (fraction, message, progress->user_data))
    return FALSE;
  return !pl_progress_cancelled (progress);
}

gboolean
pl_progress_set_cancelled_error (GError **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
  return FALSE;
}
