/* PelDocument's memory: counted volume references for workers, and the
 * large buffers an open replaces or allocates, freed and mapped on threads
 * of their own so that the window never waits for the kernel to return or
 * zero 100 MB.  See pel-document-private.h. */
#define G_LOG_DOMAIN "pel-document"

#include "src/pel-document-private.h"

#include <sys/mman.h>
#include <unistd.h>

PelVolumeRef *
pel_volume_ref_new (PlVolume *volume)
{
  PlVolume **holder = g_atomic_rc_box_new0 (PlVolume *);
  *holder = volume;
  return (PelVolumeRef *) holder;
}

PelVolumeRef *
pel_volume_ref_ref (PelVolumeRef *ref)
{
  return g_atomic_rc_box_acquire (ref);
}

/* Gives a large buffer's pages back in slices of 8 MB before it is freed:
 * each madvise takes the address-space lock only for reading, where the
 * munmap of the whole buffer would hold it for writing as long as it takes
 * to return 100 MB or more, and the window's own page faults (a new image,
 * a new slice surface) would wait for it. */
static void
release_pages (gpointer data,
               gsize    bytes)
{
  const guintptr page = (guintptr) sysconf (_SC_PAGESIZE), chunk = 8u << 20;
  guintptr start = ((guintptr) data + page - 1) & ~(page - 1);
  guintptr end = ((guintptr) data + bytes) & ~(page - 1);

  for (guintptr p = start; p < end; p += chunk)
    madvise ((void *) p, MIN (chunk, end - p), MADV_DONTNEED);
}

static gpointer
free_volume (gpointer data)
{
  PlVolume *v = data;

  release_pages (v->data, pl_volume_n_voxels (v) * sizeof (float));
  pl_volume_free (v);
  return NULL;
}

/* The last reference may be dropped anywhere: by the document through
 * pel_document_free_later(), or later by a worker's task data released on
 * the main thread (the histogram's, a prediction's).  There, returning a
 * large volume's pages to the system would stall the window (12–30 ms for
 * ch2better), so they go on a thread of their own. */
static void
clear_holder (gpointer p)
{
  PlVolume *v = *(PlVolume **) p;

  if (v && pl_volume_n_voxels (v) * sizeof (float) > (16u << 20))
    {
      if (g_main_context_is_owner (g_main_context_default ()))
        g_thread_unref (g_thread_new ("free-volume", free_volume, v));
      else
        free_volume (v);
    }
  else
    pl_volume_free (v);
}

void
pel_volume_ref_unref (PelVolumeRef *ref)
{
  g_atomic_rc_box_release_full (ref, clear_holder);
}

const PlVolume *
pel_volume_ref_get (PelVolumeRef *ref)
{
  return *(PlVolume **) ref;
}

typedef struct
{
  PelVolumeRef *volume;
  PlLabels     *labels;
  PlLabels     *proposal;
  gboolean      on_thread;
} Garbage;

static gpointer
free_garbage (gpointer data)
{
  Garbage *g = data;

  g_clear_pointer (&g->volume, pel_volume_ref_unref);
  for (int i = 0; i < 2; i++)
    {
      PlLabels **l = i == 0 ? &g->labels : &g->proposal;
      if (*l && g->on_thread)
        release_pages ((*l)->data, pl_labels_n_voxels (*l) * sizeof (guint16));
      g_clear_pointer (l, pl_labels_free);
    }
  g_free (g);
  return NULL;
}

/* The previous volume and its maps, when replaced.  Returning a large
 * volume's pages to the system takes about 12 ms for ch2better (140 MB
 * float32 + 70 MB labels), a stall the window would show as it opens the
 * next one; above 16 MB they are freed on a thread of their own. */
void
pel_document_free_later (PelVolumeRef *volume,
                         PlLabels     *labels,
                         PlLabels     *proposal)
{
  Garbage *g = g_new0 (Garbage, 1);
  const PlVolume *v = volume ? pel_volume_ref_get (volume) : NULL;
  const PlLabels *l = labels ? labels : proposal;
  gsize bytes = v ? pl_volume_n_voxels (v) * (sizeof (float) + 2 * sizeof (guint16))
                  : l ? pl_labels_n_voxels (l) * sizeof (guint16) : 0;

  g->volume = volume;
  g->labels = labels;
  g->proposal = proposal;
  if (bytes > 16u << 20)
    {
      g->on_thread = TRUE;
      g_thread_unref (g_thread_new ("free-volume", free_garbage, g));
    }
  else
    free_garbage (g);
}

typedef struct
{
  gpointer start;
  gsize    length;
} Pages;

static gpointer
populate_pages (gpointer data)
{
  Pages *p = data;

#ifdef MADV_POPULATE_WRITE
  /* 2 MB at a time: each call holds the address-space lock (for reading)
   * as long as it runs, and a thread the window starts meanwhile waits for
   * it to map its stack (140 ms once, in one call for 70 MB on a loaded
   * machine) */
  for (gsize done = 0; done < p->length; done += 2u << 20)
    madvise ((guint8 *) p->start + done, MIN ((gsize) 2u << 20, p->length - done), MADV_POPULATE_WRITE);
#endif
  g_free (p);
  return NULL;
}

/* A new label map comes zeroed but unmapped (calloc): its pages are
 * mapped, and zeroed by the kernel, when first written.  Accepting a
 * proposal of a large volume then spent 40 of its 100 ms on the main thread
 * in those page faults.  Above 4 MB they are taken now, on a thread of
 * their own (MADV_POPULATE_WRITE maps the pages without touching what they
 * hold, so painting may go on meanwhile, and a range freed meanwhile only
 * makes the call fail). */
void
pel_document_populate_later (gpointer data,
                             gsize    bytes)
{
#ifdef MADV_POPULATE_WRITE
  gsize page = (gsize) sysconf (_SC_PAGESIZE);
  guintptr start = ((guintptr) data + page - 1) & ~(guintptr) (page - 1);
  guintptr end = ((guintptr) data + bytes) & ~(guintptr) (page - 1);
  Pages *p;

  if (bytes <= 4u << 20 || end <= start)
    return;
  p = g_new (Pages, 1);
  p->start = (gpointer) start;
  p->length = end - start;
  g_thread_unref (g_thread_new ("populate-labels", populate_pages, p));
#endif
}
