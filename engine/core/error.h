/* error.h: the engine's one error domain.
 *
 * Every engine function that fails sets a GError in PL_ERROR with one of the
 * codes below, and a message that names the file or the argument and the
 * problem.  Cancellation is the exception: a task asked to stop returns
 * G_IO_ERROR_CANCELLED (progress.h), which callers treat as "no result".
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PL_ERROR (pl_error_quark ())

typedef enum
{
  /* files and volumes */
  PL_ERROR_IO,               /* cannot open/read/write */
  PL_ERROR_NOT_NIFTI,        /* no NIfTI-1/2 header */
  PL_ERROR_TRUNCATED,        /* fewer bytes than the header promises */
  PL_ERROR_BAD_DIMS,         /* dim <= 0, too many dims, overflow */
  PL_ERROR_TOO_LARGE,        /* would exceed the memory budget */
  PL_ERROR_UNKNOWN_DATATYPE, /* datatype not supported */
  PL_ERROR_BAD_OFFSET,       /* vox_offset past the end / invalid */
  PL_ERROR_GRID_MISMATCH,    /* label map on another grid */
  PL_ERROR_BAD_LABEL_TABLE,  /* malformed label description file */
  PL_ERROR_INVALID,          /* anything else malformed, or a bad argument */
  /* the tape */
  PL_ERROR_RULE,             /* an operator lacks the chosen backward rule */
  PL_ERROR_SHAPE,            /* seed gradient of the wrong shape */
  PL_ERROR_ARENA,            /* the arena overflowed (see pl_arena_check) */
} PlError;

GQuark pl_error_quark (void);

G_END_DECLS
