/* pel-label-store.h: the label map that painting writes and workers read.
 *
 * A PelLabelStore is a plain reference-counted struct (no GObject) holding
 * the document's label map, the proposal, the generation of every slice,
 * and the lock that guards them.  The main thread writes labels under the lock (all
 * writes go through PelDocument); worker threads — training, saving,
 * autosaving, counting — hold a reference to the store, never to the
 * document, and read under the lock.  The document keeps one store for its
 * whole life and swaps the map inside it when another volume is opened:
 * `owner` names the volume (a PelVolumeRef) the map belongs to, compared by
 * identity only, so a worker can tell that the map it was given is gone.
 *
 *   PelLabelStore *store = pel_document_ref_label_store (document);
 *   …on a worker:
 *   pel_label_store_read (store, func, data);      // func runs under the lock
 *   …
 *   pel_label_store_unref (store);                  // any thread
 */
#pragma once

#include <glib.h>

#include "engine/data/labels.h"

G_BEGIN_DECLS

typedef struct
{
  GMutex         lock;       /* guards the fields below */
  GMutex         writers;    /* pel_label_store_lock_writers() */
  gconstpointer  owner;      /* the PelVolumeRef of the map; identity only */
  PlLabels      *labels;     /* NULL when no volume is open */
  PlLabels      *proposal;   /* a model's proposal, or NULL */
  guint64        proposal_serial;   /* bumped whenever the proposal is replaced */
  guint64        generation; /* bumped by every change */
  guint64       *slice_generation[3];   /* per voxel axis, dim[a] entries */
} PelLabelStore;

PelLabelStore *pel_label_store_new           (void);
PelLabelStore *pel_label_store_ref           (PelLabelStore *store);
void           pel_label_store_unref         (PelLabelStore *store);

/* Calls func with the map (NULL when no volume is open) and the generation
 * of every slice along each voxel axis, under the lock, so a worker reads
 * several slices consistently.  Keep func short. */
typedef void (*PelLabelsReadFunc)            (const PlLabels       *labels,
                                              const guint64 *const  generations[3],
                                              gpointer              user_data);
void           pel_label_store_read          (PelLabelStore        *store,
                                              PelLabelsReadFunc     func,
                                              gpointer              user_data);

/* A copy of the map if it still belongs to `owner`, else NULL; *when_us
 * (may be NULL) is g_get_real_time() at the copy.  The copy's memory is
 * allocated and touched before the lock is taken, so painting meanwhile
 * waits for the memcpy only. */
PlLabels      *pel_label_store_copy          (PelLabelStore        *store,
                                              gconstpointer         owner,
                                              const gint64          dim[3],
                                              gint64               *when_us);

/* Held by a save or an autosave from its copy of the labels until its file
 * is in place, so that neither copies while the other is between its copy
 * and its rename (pel-recovery.h). */
void           pel_label_store_lock_writers  (PelLabelStore        *store);
void           pel_label_store_unlock_writers (PelLabelStore       *store);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PelLabelStore, pel_label_store_unref)

G_END_DECLS
