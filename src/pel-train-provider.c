/* PelTrainProvider: the document's labels for a trainer.  See the header. */
#define G_LOG_DOMAIN "pel-train"

#include "src/pel-train-provider.h"

#include <string.h>

/* ---- per-slice counts ----------------------------------------------------- */

void
pel_slice_counts_init (PelSliceCounts *c,
                       int             axis,
                       gint64          n)
{
  g_return_if_fail (axis >= 0 && axis < 3 && n >= 0);
  c->axis = axis;
  c->n = n;
  c->counts = g_new0 (gint64, MAX (n, 1));
  c->generations = g_new0 (guint64, MAX (n, 1));
  c->valid = FALSE;
  c->pending = NULL;
}

typedef struct
{
  PelSliceCounts *counts;      /* NULL once cleared: the result is dropped */
  GSourceFunc     done;
  gpointer        user_data;
  PelLabelStore  *store;
  int             axis;
  gint64          n;
  gint64          n_stale;
  gint64         *stale;       /* slice indices to count */
  gint64         *result;      /* their counts */
  guint64        *result_gen;  /* and the generation each was counted at */
  gboolean        complete;    /* every slice was counted */
  GMainContext   *context;     /* where done() runs */
} PendingCount;

static void
pending_free (PendingCount *p)
{
  g_clear_pointer (&p->context, g_main_context_unref);
  pel_label_store_unref (p->store);
  g_free (p->stale);
  g_free (p->result);
  g_free (p->result_gen);
  g_free (p);
}

void
pel_slice_counts_clear (PelSliceCounts *c)
{
  if (c->pending)
    {
      ((PendingCount *) c->pending)->counts = NULL;
      c->pending = NULL;
    }
  g_clear_pointer (&c->counts, g_free);
  g_clear_pointer (&c->generations, g_free);
  c->n = 0;
  c->valid = FALSE;
}

gint64
pel_slice_counts_update (PelSliceCounts       *c,
                         const PlLabels       *labels,
                         const guint64 *const  generations[3])
{
  const guint64 *gen;
  gint64 recounted = 0;

  if (labels == NULL || generations[c->axis] == NULL || labels->dim[c->axis] != c->n)
    {
      memset (c->counts, 0, sizeof (gint64) * MAX (c->n, 1));
      c->valid = FALSE;
      return 0;
    }
  gen = generations[c->axis];
  /* Generation 0 is a slice never painted since the map was loaded, so the
   * first pass counts everything. */
  if (!c->valid)
    {
      pl_labels_count_slices (labels, c->axis, c->counts);
      memcpy (c->generations, gen, sizeof (guint64) * c->n);
      c->valid = TRUE;
      return c->n;
    }
  for (gint64 s = 0; s < c->n; s++)
    if (gen[s] != c->generations[s])
      {
        c->counts[s] = pl_labels_count_slice (labels, c->axis, s);
        c->generations[s] = gen[s];
        recounted++;
      }
  return recounted;
}

typedef struct
{
  PelSliceCounts *counts;
  gint64          recounted;
} RefreshData;

static void
refresh_locked (const PlLabels       *labels,
                const guint64 *const  generations[3],
                gpointer              user_data)
{
  RefreshData *d = user_data;
  d->recounted = pel_slice_counts_update (d->counts, labels, generations);
}

gint64
pel_slice_counts_refresh (PelSliceCounts *c,
                          PelDocument    *document)
{
  RefreshData d = { c, 0 };

  pel_document_read_labels (document, refresh_locked, &d);
  return d.recounted;
}

typedef struct
{
  PelSliceCounts *counts;
  PendingCount   *pending;     /* filled with the stale slices */
  gint64          plane;       /* voxels per slice */
} StaleData;

static void
find_stale_locked (const PlLabels       *labels,
                   const guint64 *const  generations[3],
                   gpointer              user_data)
{
  StaleData *d = user_data;
  PelSliceCounts *c = d->counts;
  PendingCount *p = d->pending;
  int h, w;

  if (labels == NULL || generations[c->axis] == NULL || labels->dim[c->axis] != c->n)
    return;
  pl_slice_dims (labels->dim, c->axis, &h, &w);
  d->plane = (gint64) h * w;
  p->stale = g_new (gint64, MAX (c->n, 1));
  for (gint64 s = 0; s < c->n; s++)
    if (!c->valid || generations[c->axis][s] != c->generations[s])
      p->stale[p->n_stale++] = s;
}

typedef struct
{
  PendingCount *p;
  gint64        k;
} SliceData;

static void
count_one_locked (const PlLabels       *labels,
                  const guint64 *const  generations[3],
                  gpointer              user_data)
{
  SliceData *d = user_data;
  PendingCount *p = d->p;
  gint64 s = p->stale[d->k];

  if (labels == NULL || generations[p->axis] == NULL || labels->dim[p->axis] != p->n)
    {
      d->k = -1;   /* another map: give up */
      return;
    }
  p->result[d->k] = pl_labels_count_slice (labels, p->axis, s);
  p->result_gen[d->k] = generations[p->axis][s];
}

static gboolean
count_done (gpointer data)
{
  PendingCount *p = data;
  PelSliceCounts *c = p->counts;

  if (c == NULL || c->pending != p)
    return G_SOURCE_REMOVE;   /* cleared meanwhile */
  c->pending = NULL;
  if (p->complete && c->axis == p->axis && c->n == p->n)
    {
      gboolean was_valid = c->valid;
      for (gint64 k = 0; k < p->n_stale; k++)
        {
          c->counts[p->stale[k]] = p->result[k];
          c->generations[p->stale[k]] = p->result_gen[k];
        }
      /* an invalid cache was counted whole */
      c->valid = was_valid || p->n_stale == c->n;
    }
  if (p->done)
    p->done (p->user_data);
  return G_SOURCE_REMOVE;
}

/* A thread of its own, at the main thread's priority: it takes the store's
 * lock a slice at a time, and a lowered priority let a loaded machine
 * preempt it while holding it (stall-io, opening ch2better at a load
 * average of 14: median stall 144 ms at normal priority, 1563 ms niced). */
static gpointer
count_thread (gpointer data)
{
  PendingCount *p = data;

  p->result = g_new (gint64, MAX (p->n_stale, 1));
  p->result_gen = g_new (guint64, MAX (p->n_stale, 1));
  p->complete = TRUE;
  for (gint64 k = 0; k < p->n_stale; k++)
    {
      /* the lock for one slice at a time: painting waits a slice at most */
      SliceData d = { p, k };
      pel_label_store_read (p->store, count_one_locked, &d);
      if (d.k < 0)
        {
          p->complete = FALSE;
          break;
        }
    }
  {
    /* an idle, never g_main_context_invoke: that would run count_done here,
     * on this thread, whenever the main context happens to be free */
    GMainContext *context = g_main_context_ref (p->context);   /* p is not ours once handed over */
    GSource *source = g_idle_source_new ();
    g_source_set_priority (source, G_PRIORITY_DEFAULT);
    g_source_set_callback (source, count_done, p, (GDestroyNotify) pending_free);
    g_source_attach (source, context);
    g_source_unref (source);
    g_main_context_unref (context);
  }
  return NULL;
}

gboolean
pel_slice_counts_refresh_async (PelSliceCounts *c,
                                PelDocument    *document,
                                GSourceFunc     done,
                                gpointer        user_data)
{
  PendingCount *p;
  StaleData d;

  g_return_val_if_fail (c != NULL && PEL_IS_DOCUMENT (document), FALSE);

  if (c->pending)
    return FALSE;   /* its done() will ask again */
  p = g_new0 (PendingCount, 1);
  d.counts = c;
  d.pending = p;
  d.plane = 0;
  pel_document_read_labels (document, find_stale_locked, &d);
  if (p->n_stale * d.plane <= PEL_SLICE_COUNTS_INLINE_VOXELS)
    {
      pending_free (p);
      pel_slice_counts_refresh (c, document);
      return TRUE;
    }
  p->counts = c;
  p->done = done;
  p->user_data = user_data;
  p->store = pel_document_ref_label_store (document);
  p->axis = c->axis;
  p->n = c->n;
  p->context = g_main_context_ref_thread_default ();
  c->pending = p;
  g_thread_unref (g_thread_new ("count-slices", count_thread, p));
  return FALSE;
}

/* ---- provider ------------------------------------------------------------- */

struct _PelTrainProvider
{
  PlLabelProvider       iface;
  PelLabelStore        *store;
  gint64                dim[3];

  /* Guards the count caches, which only the training thread uses, and the
   * observer. */
  GMutex                mutex;
  PelSliceCounts        counts[3];
  PelTrainCopyObserver  observer;
  gpointer              observer_data;
  gsize                 n_copies;       /* atomic */
};

static gboolean
same_grid (const PelTrainProvider *p,
           const PlLabels         *labels)
{
  return labels != NULL && memcmp (labels->dim, p->dim, sizeof p->dim) == 0;
}

typedef struct
{
  PelTrainProvider *provider;
  PelSliceCounts   *counts;
} CountData;

static void
count_locked (const PlLabels       *labels,
              const guint64 *const  generations[3],
              gpointer              user_data)
{
  CountData *d = user_data;

  if (same_grid (d->provider, labels))
    pel_slice_counts_update (d->counts, labels, generations);
  else
    {
      memset (d->counts->counts, 0, sizeof (gint64) * MAX (d->counts->n, 1));
      d->counts->valid = FALSE;
    }
}

static void
provider_count (gpointer  user_data,
                int       axis,
                gint64   *counts)
{
  PelTrainProvider *p = user_data;
  CountData d = { p, &p->counts[axis] };

  g_mutex_lock (&p->mutex);
  if (p->counts[axis].counts == NULL)
    pel_slice_counts_init (&p->counts[axis], axis, p->dim[axis]);
  pel_label_store_read (p->store, count_locked, &d);
  memcpy (counts, p->counts[axis].counts, sizeof (gint64) * p->dim[axis]);
  g_mutex_unlock (&p->mutex);
}

typedef struct
{
  PelTrainProvider *provider;
  int               axis;
  gint64            index;
  guint16          *dst;
  guint64           generation;
} CopyData;

static void
copy_locked (const PlLabels       *labels,
             const guint64 *const  generations[3],
             gpointer              user_data)
{
  CopyData *d = user_data;
  int h, w;

  if (!same_grid (d->provider, labels))
    {
      pl_slice_dims (d->provider->dim, d->axis, &h, &w);
      memset (d->dst, 0, sizeof (guint16) * h * w);
      return;
    }
  pl_labels_get_slice (labels, d->axis, d->index, d->dst);
  d->generation = generations[d->axis][d->index];
}

static void
provider_copy (gpointer  user_data,
               int       axis,
               gint64    index,
               guint16  *dst)
{
  PelTrainProvider *p = user_data;
  CopyData d = { p, axis, index, dst, 0 };

  pel_label_store_read (p->store, copy_locked, &d);
  g_atomic_pointer_add (&p->n_copies, 1);
  g_mutex_lock (&p->mutex);
  if (p->observer)
    p->observer (axis, index, d.generation, dst, p->observer_data);
  g_mutex_unlock (&p->mutex);
}

PelTrainProvider *
pel_train_provider_new (PelLabelStore *store,
                        const gint64   dim[3])
{
  PelTrainProvider *p;

  g_return_val_if_fail (store != NULL, NULL);

  p = g_new0 (PelTrainProvider, 1);
  p->store = pel_label_store_ref (store);
  memcpy (p->dim, dim, sizeof p->dim);
  g_mutex_init (&p->mutex);
  p->iface.count_slices = provider_count;
  p->iface.copy_slice = provider_copy;
  p->iface.user_data = p;
  return p;
}

void
pel_train_provider_free (PelTrainProvider *p)
{
  if (p == NULL)
    return;
  for (int a = 0; a < 3; a++)
    pel_slice_counts_clear (&p->counts[a]);
  g_mutex_clear (&p->mutex);
  g_clear_pointer (&p->store, pel_label_store_unref);
  g_free (p);
}

const PlLabelProvider *
pel_train_provider_get (PelTrainProvider *p)
{
  g_return_val_if_fail (p != NULL, NULL);
  return &p->iface;
}

guint64
pel_train_provider_get_n_copies (PelTrainProvider *p)
{
  g_return_val_if_fail (p != NULL, 0);
  return (guint64) g_atomic_pointer_get (&p->n_copies);
}

void
pel_train_provider_set_observer (PelTrainProvider     *p,
                                 PelTrainCopyObserver  observer,
                                 gpointer              user_data)
{
  g_return_if_fail (p != NULL);
  g_mutex_lock (&p->mutex);
  p->observer = observer;
  p->observer_data = user_data;
  g_mutex_unlock (&p->mutex);
}
