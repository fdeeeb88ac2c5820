/* PelLabelStore: the label map shared by painting and workers.  See the
 * header. */
#define G_LOG_DOMAIN "pel-document"

#include "src/pel-label-store.h"

#include <string.h>

PelLabelStore *
pel_label_store_new (void)
{
  PelLabelStore *store = g_atomic_rc_box_new0 (PelLabelStore);

  g_mutex_init (&store->lock);
  g_mutex_init (&store->writers);
  return store;
}

PelLabelStore *
pel_label_store_ref (PelLabelStore *store)
{
  g_return_val_if_fail (store != NULL, NULL);
  return g_atomic_rc_box_acquire (store);
}

static void
clear_store (gpointer data)
{
  PelLabelStore *store = data;

  g_clear_pointer (&store->labels, pl_labels_free);
  g_clear_pointer (&store->proposal, pl_labels_free);
  for (int a = 0; a < 3; a++)
    g_clear_pointer (&store->slice_generation[a], g_free);
  g_mutex_clear (&store->lock);
  g_mutex_clear (&store->writers);
}

void
pel_label_store_unref (PelLabelStore *store)
{
  if (store != NULL)
    g_atomic_rc_box_release_full (store, clear_store);
}

void
pel_label_store_read (PelLabelStore     *store,
                      PelLabelsReadFunc  func,
                      gpointer           user_data)
{
  const guint64 *generations[3];

  g_return_if_fail (store != NULL);
  g_return_if_fail (func != NULL);

  g_mutex_lock (&store->lock);
  for (int a = 0; a < 3; a++)
    generations[a] = store->slice_generation[a];
  func (store->labels, generations, user_data);
  g_mutex_unlock (&store->lock);
}

PlLabels *
pel_label_store_copy (PelLabelStore *store,
                      gconstpointer  owner,
                      const gint64   dim[3],
                      gint64        *when_us)
{
  g_autoptr (PlLabels) copy = NULL;
  gsize bytes;

  g_return_val_if_fail (store != NULL, NULL);

  /* A fresh block of this size is mmapped: touching it page by page under
   * the lock would cost several times the copy itself. */
  copy = g_new0 (PlLabels, 1);
  memcpy (copy->dim, dim, sizeof copy->dim);
  bytes = pl_labels_n_voxels (copy) * sizeof (guint16);
  copy->data = g_malloc (bytes);
  memset (copy->data, 0, bytes);

  g_mutex_lock (&store->lock);
  if (store->owner != owner || store->labels == NULL
      || memcmp (store->labels->dim, dim, sizeof copy->dim) != 0)
    {
      g_mutex_unlock (&store->lock);
      return NULL;
    }
  memcpy (copy->data, store->labels->data, bytes);
  if (when_us)
    *when_us = g_get_real_time ();
  g_mutex_unlock (&store->lock);
  return g_steal_pointer (&copy);
}

void
pel_label_store_lock_writers (PelLabelStore *store)
{
  g_return_if_fail (store != NULL);
  g_mutex_lock (&store->writers);
}

void
pel_label_store_unlock_writers (PelLabelStore *store)
{
  g_return_if_fail (store != NULL);
  g_mutex_unlock (&store->writers);
}
