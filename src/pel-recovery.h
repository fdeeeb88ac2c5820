/* pel-recovery.h: recovery files, so that a crash never loses painted work.
 *
 * While a segmentation has unsaved changes, autosave writes, for the volume
 * at VOLUME (its absolute path hashed with SHA-1 into KEY):
 *
 *   DIR/KEY.nii.gz   the label map (pl_labels_save: temporary file + rename)
 *   DIR/KEY.txt      the label table (ITK-SNAP label description)
 *   DIR/KEY.json     {"volume": VOLUME, "labels": saved path or null,
 *                     "time": unix seconds, "snapshot_us": unix µs,
 *                     "labels_file": "DEV:INODE:SIZE:MTIME" of the saved
 *                     file when the labels were copied, or null}
 *
 * the JSON last and atomically, so that its presence means the other two are
 * complete.  DIR defaults to $XDG_STATE_HOME/pellucid/recovery.  When the
 * volume is opened again, pel_recovery_find() returns the recovery unless
 * the segmentation at "labels" has been replaced since the labels were
 * copied (every save renames a new file into place, so its identity
 * changes even within one clock tick; comparing times failed for saves in
 * the same second as an autosave).  Writers call pel_recovery_write() with
 * the document's writers lock held from their copy of the labels, so that
 * no save replaces the file in between (pel_document_lock_writers()).
 * No GTK here: autosave calls these from a worker thread.
 */
#pragma once

#include <glib.h>

#include "engine/data/labels.h"

G_BEGIN_DECLS

typedef struct
{
  char   *volume_path;
  char   *labels_path;    /* where the user saved last, or NULL */
  gint64  time;           /* unix seconds when the labels were copied */
  gint64  snapshot_us;    /* the same in microseconds */
  char   *labels_file;    /* the recovered label map */
  char   *table_file;     /* the recovered label table (may be missing) */
} PelRecovery;

char        *pel_recovery_default_dir (void);
char        *pel_recovery_key         (const char        *volume_path);
/* snapshot_us: g_get_real_time() when `labels` were copied. */
gboolean     pel_recovery_write       (const char        *dir,
                                       const char        *volume_path,
                                       const char        *labels_path,
                                       const PlVolume    *reference,
                                       const PlLabels    *labels,
                                       const PlLabelTable *table,
                                       gint64             snapshot_us,
                                       GError           **error);
/* NULL when there is nothing newer than the saved segmentation. */
PelRecovery *pel_recovery_find        (const char        *dir,
                                       const char        *volume_path);
void         pel_recovery_discard     (const char        *dir,
                                       const char        *volume_path);
void         pel_recovery_free        (PelRecovery       *recovery);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PelRecovery, pel_recovery_free)

G_END_DECLS
