/* Private to the engine: replacing a file atomically.
 *
 * pl_atomic_file_new() creates a temporary file next to the target; write to
 * it, then pl_atomic_file_commit() fsyncs it, renames it over the target and
 * fsyncs the folder, so that after a crash the target is either the old file
 * or the complete new one.  On any failure, or with pl_atomic_file_abort(),
 * the temporary file is removed and the target is untouched.  Both free the
 * PlAtomicFile.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _PlAtomicFile PlAtomicFile;

/* Errors are reported in `domain` with `io_code`, naming `path`. */
PlAtomicFile *pl_atomic_file_new    (const char    *path,
                                     GQuark         domain,
                                     int            io_code,
                                     GError       **error);
int           pl_atomic_file_get_fd (PlAtomicFile  *file);
const char   *pl_atomic_file_get_name (PlAtomicFile *file);
gboolean      pl_atomic_file_write  (PlAtomicFile  *file,
                                     const void    *data,
                                     gsize          n,
                                     GError       **error);
/* fsync and close the temporary file; commit does this itself if needed. */
gboolean      pl_atomic_file_sync   (PlAtomicFile  *file,
                                     GError       **error);
gboolean      pl_atomic_file_commit (PlAtomicFile  *file,
                                     GError       **error);
void          pl_atomic_file_abort  (PlAtomicFile  *file);

G_END_DECLS
