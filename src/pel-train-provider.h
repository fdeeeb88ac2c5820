/* pel-train-provider.h: where training gets its labels from in the window.
 *
 * A PelTrainProvider is the engine's PlLabelProvider (engine/data/dataset.h) over
 * the label store of a document that the user keeps painting
 * (pel-label-store.h; the training thread never sees the PelDocument):
 * every call runs under the store's lock, so a batch sees the
 * labels as they are at that moment and never a half-written stroke.
 * Counting labelled voxels per slice is cached by slice generation: only the
 * slices painted since the previous call are counted again, so the lock is
 * held for microseconds per step instead of a scan of the whole volume.
 *
 * An observer, if set, is told of every slice copied (on the training
 * thread), which is how tests see that a stroke reaches the next batch.
 *
 * PelSliceCounts is the cache itself, also used on the main thread by the
 * Train panel's slice strip.
 *
 *   store = pel_document_ref_label_store (document);
 *   provider = pel_train_provider_new (store, volume->dim);
 *   trainer = pl_trainer_new (&config, volume,
 *                             pel_train_provider_get (provider), &error);
 *   …
 *   pl_trainer_free (trainer);
 *   pel_train_provider_free (provider);   // on the main thread
 */
#pragma once

#include "engine/data/dataset.h"
#include "src/pel-document.h"

G_BEGIN_DECLS

/* Labelled voxels of every slice along one voxel axis, recounted per slice
 * when its generation changes. */
typedef struct
{
  int       axis;
  gint64    n;              /* slices along axis */
  gint64   *counts;         /* n entries */
  guint64  *generations;    /* generation each count was taken at */
  gboolean  valid;          /* counts describe the current label map */
  gpointer  pending;        /* a count on a worker (private) */
} PelSliceCounts;

void     pel_slice_counts_init    (PelSliceCounts       *counts,
                                   int                   axis,
                                   gint64                n);
void     pel_slice_counts_clear   (PelSliceCounts       *counts);
/* Brings the counts up to date; call with the document's lock held (from a
 * PelLabelsReadFunc) or on the main thread with the document's labels and
 * generations.  Returns the number of slices recounted. */
gint64   pel_slice_counts_update  (PelSliceCounts       *counts,
                                   const PlLabels       *labels,
                                   const guint64 *const  generations[3]);
/* Recounts slices of the document's label map that changed (main thread or
 * any thread: takes the lock). */
gint64   pel_slice_counts_refresh (PelSliceCounts       *counts,
                                   PelDocument          *document);
/* The same for the main thread, which must not stall: slices that changed
 * are recounted here when they are few; when they are many (a new or
 * opened map, an Accept of the whole volume: more than
 * PEL_SLICE_COUNTS_INLINE_VOXELS voxels to count) they are counted on a
 * worker, slice by slice under the store's lock so painting goes on, and
 * `done` is called on the main thread once their counts are in (never after
 * pel_slice_counts_clear()); call refresh again from it.  Returns TRUE when
 * the counts are current now. */
#define PEL_SLICE_COUNTS_INLINE_VOXELS (1 << 21)
gboolean pel_slice_counts_refresh_async (PelSliceCounts *counts,
                                         PelDocument    *document,
                                         GSourceFunc     done,
                                         gpointer        user_data);

typedef struct _PelTrainProvider PelTrainProvider;

/* Called on the training thread after each slice copy: slice `index` along
 * `axis` as it was at `generation`, in dataset.h's slice layout. */
typedef void (*PelTrainCopyObserver) (int             axis,
                                      gint64          index,
                                      guint64         generation,
                                      const guint16  *slice,
                                      gpointer        user_data);

/* dim: the grid the trainer was made for; if the document's labels move to
 * another grid (another volume is opened), the provider reports no labels. */
PelTrainProvider      *pel_train_provider_new          (PelLabelStore        *store,
                                                        const gint64          dim[3]);
/* Any thread (drops the store reference). */
void                   pel_train_provider_free         (PelTrainProvider     *provider);
const PlLabelProvider *pel_train_provider_get          (PelTrainProvider     *provider);
/* Slices copied so far (any thread). */
guint64                pel_train_provider_get_n_copies (PelTrainProvider     *provider);
void                   pel_train_provider_set_observer (PelTrainProvider     *provider,
                                                        PelTrainCopyObserver  observer,
                                                        gpointer              user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PelTrainProvider, pel_train_provider_free)

G_END_DECLS
