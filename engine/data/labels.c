/* PlLabels in memory.  Reading and writing label maps lives in nifti.c. */
#define G_LOG_DOMAIN "pl-labels"

#include "engine/data/labels.h"

gsize
pl_labels_n_voxels (const PlLabels *labels)
{
  g_return_val_if_fail (labels != NULL, 0);
  return (gsize) labels->dim[0] * (gsize) labels->dim[1] * (gsize) labels->dim[2];
}

void
pl_labels_mark_values (const PlLabels *labels,
                       guint8         *present)
{
  gsize n = pl_labels_n_voxels (labels);
  guint16 last;

  if (n == 0)
    return;
  /* maps are mostly long stretches of one value */
  last = labels->data[0];
  present[last] = 1;
  for (gsize i = 1; i < n; i++)
    if (labels->data[i] != last)
      {
        last = labels->data[i];
        present[last] = 1;
      }
}

PlLabels *
pl_labels_new (const gint64 dim[3])
{
  PlLabels *l;

  g_return_val_if_fail (dim[0] > 0 && dim[1] > 0 && dim[2] > 0, NULL);

  l = g_new0 (PlLabels, 1);
  for (int a = 0; a < 3; a++)
    l->dim[a] = dim[a];
  l->data = g_new0 (guint16, pl_labels_n_voxels (l));
  return l;
}

PlLabels *
pl_labels_copy (const PlLabels *labels)
{
  PlLabels *l;

  g_return_val_if_fail (labels != NULL, NULL);

  l = g_memdup2 (labels, sizeof *labels);
  l->data = g_memdup2 (labels->data, pl_labels_n_voxels (labels) * sizeof (guint16));
  return l;
}

void
pl_labels_free (PlLabels *labels)
{
  if (labels == NULL)
    return;
  g_free (labels->data);
  g_free (labels);
}
