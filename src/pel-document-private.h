/* Shared by pel-document.c and pel-document-autosave.c only. */
#pragma once

#include "src/pel-document.h"

G_BEGIN_DECLS

struct _PelDocument
{
  GObject        parent_instance;

  /* Owned state */
  PelVolumeRef  *volume_ref;
  PlVolume      *volume;           /* borrowed from volume_ref */
  PlLabels      *labels;
  PlLabelTable  *table;
  PlUndo        *undo;
  guint32       *label_lut;        /* 65536 colours */
  PlLabels      *proposal;
  PelHeatMap    *heat_map;
  char          *labels_path;
  char          *recovery_dir;

  /* Labels are written on the main thread under this lock; workers copy
   * under it.  Generations are guarded by it too. */
  GMutex         lock;
  guint64        generation;
  guint64       *slice_generation[3];   /* per voxel axis, dim[a] entries */

  guint64        saved_state_id;
  gboolean       dirty;
  guint          n_dropped;

  gint64         cursor[3];
  double         window, level;
  double         auto_window, auto_level;
  double         label_opacity;
  gboolean       labels_visible;
  double         proposal_opacity;

  /* Autosave */
  guint          autosave_interval;  /* seconds, 0 = off */
  guint          autosave_source;
  guint64        autosaved_state_id;
  gboolean       autosave_running;
  GCancellable  *autosave_cancellable;
};

void pel_document_reschedule_autosave (PelDocument *self);
void pel_document_stop_autosave       (PelDocument *self);

G_END_DECLS
