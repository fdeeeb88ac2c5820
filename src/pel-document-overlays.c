/* PelDocument's overlays: a model's proposal and a heat map, drawn over
 * the labels.  See pel-document.h. */
#define G_LOG_DOMAIN "pel-document"

#include "src/pel-document-private.h"

#include <string.h>

#include "engine/data/dataset.h"

/* ---- overlays ------------------------------------------------------------- */

void
pel_document_set_proposal (PelDocument *self,
                           PlLabels    *proposal)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  g_return_if_fail (proposal == NULL || (self->volume != NULL
                    && memcmp (proposal->dim, self->volume->dim, sizeof proposal->dim) == 0));

  {
    /* swapped under the lock (a merge on a worker reads it), freed after */
    PlLabels *old;
    g_mutex_lock (&self->store->lock);
    old = self->store->proposal;
    self->store->proposal = proposal;
    self->store->proposal_serial++;
    g_mutex_unlock (&self->store->lock);
    g_clear_pointer (&old, pl_labels_free);
  }
  pel_document_overlays_changed (self);
}

const PlLabels *
pel_document_get_proposal (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), NULL);
  return self->store->proposal;
}

double
pel_document_get_proposal_opacity (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), 0.0);
  return self->proposal_opacity;
}

gboolean
pel_document_get_proposal_outline (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), FALSE);
  return self->proposal_outline;
}

void
pel_document_set_proposal_slice (PelDocument   *self,
                                 int            axis,
                                 gint64         index,
                                 const guint16 *slice)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  g_return_if_fail (self->volume != NULL);
  g_return_if_fail (axis >= 0 && axis < 3 && index >= 0 && index < self->volume->dim[axis]);
  g_return_if_fail (slice != NULL);

  if (self->store->proposal == NULL)
    {
      PlLabels *fresh = pl_labels_new (self->volume->dim);
      g_mutex_lock (&self->store->lock);
      self->store->proposal = fresh;
      self->store->proposal_serial++;
      g_mutex_unlock (&self->store->lock);
    }
  /* written under the lock: a merge on a worker may be reading it */
  g_mutex_lock (&self->store->lock);
  pl_labels_set_slice (self->store->proposal, axis, index, slice);
  g_mutex_unlock (&self->store->lock);
  pel_document_overlays_changed (self);
}

static void
heat_map_changed (PelHeatMap  *heat_map,
                  PelDocument *self)
{
  pel_document_overlays_changed (self);
}

void
pel_document_set_heat_map (PelDocument *self,
                           PelHeatMap  *heat_map)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  g_return_if_fail (heat_map == NULL || PEL_IS_HEAT_MAP (heat_map));

  if (heat_map == self->heat_map)
    return;
  if (heat_map != NULL)
    {
      gint64 dim[3];
      pel_heat_map_get_dim (heat_map, dim);
      g_return_if_fail (self->volume != NULL && memcmp (dim, self->volume->dim, sizeof dim) == 0);
    }
  if (self->heat_map)
    g_signal_handlers_disconnect_by_data (self->heat_map, self);
  g_set_object (&self->heat_map, heat_map);
  if (heat_map)
    g_signal_connect (heat_map, "changed", G_CALLBACK (heat_map_changed), self);
  pel_document_notify (self, PROP_HEAT_MAP);
  pel_document_overlays_changed (self);
}

PelHeatMap *
pel_document_get_heat_map (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), NULL);
  return self->heat_map;
}
