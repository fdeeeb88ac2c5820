/* PlLabels in memory.  Reading and writing label maps lives in nifti.c. */
#define G_LOG_DOMAIN "pl-labels"

#include "engine/data/labels.h"

#include <string.h>

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

guint16
pl_labels_background_value (const PlLabels *labels)
{
  g_autofree guint64 *counts = NULL;
  const gint64 *d;
  guint64 total = 0, best = 0;
  guint16 value = 0;

  g_return_val_if_fail (labels != NULL, 0);
  d = labels->dim;
  counts = g_new0 (guint64, 65536);
  for (gint64 k = 0; k < d[2]; k++)
    for (gint64 j = 0; j < d[1]; j++)
      {
        const guint16 *row = labels->data + (gsize) d[0] * ((gsize) j + (gsize) d[1] * (gsize) k);
        if (k == 0 || k == d[2] - 1 || j == 0 || j == d[1] - 1)
          for (gint64 i = 0; i < d[0]; i++)
            counts[row[i]]++;
        else
          {
            counts[row[0]]++;
            if (d[0] > 1)
              counts[row[d[0] - 1]]++;
          }
      }
  for (guint v = 1; v < 65536; v++)
    {
      total += counts[v];
      if (counts[v] > best)
        {
          best = counts[v];
          value = (guint16) v;
        }
    }
  /* one class clearly owns the edge of the field of view */
  return total > 0 && best * 10 >= total * 9 ? value : 0;
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

void
pl_labels_count_slices (const PlLabels *l, int axis, gint64 *counts)
{
  gint64 n0 = l->dim[0], n1 = l->dim[1], n2 = l->dim[2];
  memset (counts, 0, sizeof (gint64) * l->dim[axis]);
  for (gint64 k = 0; k < n2; k++)
    for (gint64 j = 0; j < n1; j++)
      {
        const guint16 *row = l->data + (gsize) (n0 * (j + n1 * k));
        gint64 c = 0;
        for (gint64 i = 0; i < n0; i++)
          {
            if (axis == 0)
              counts[i] += row[i] != 0;
            else
              c += row[i] != 0;
          }
        if (axis == 1)
          counts[j] += c;
        else if (axis == 2)
          counts[k] += c;
      }
}

gint64
pl_labels_count_slice (const PlLabels *l,
                       int             axis,
                       gint64          s)
{
  const gint64 *d = l->dim;
  gint64 n = 0;

  g_return_val_if_fail (axis >= 0 && axis < 3 && s >= 0 && s < d[axis], 0);
  if (axis == 2)
    {
      const guint16 *p = l->data + (gsize) s * d[0] * d[1];
      for (gsize i = 0; i < (gsize) (d[0] * d[1]); i++)
        n += p[i] != 0;
    }
  else if (axis == 1)
    for (gint64 k = 0; k < d[2]; k++)
      {
        const guint16 *row = l->data + (gsize) d[0] * (s + d[1] * k);
        for (gint64 i = 0; i < d[0]; i++)
          n += row[i] != 0;
      }
  else
    for (gsize v = (gsize) s; v < (gsize) (d[0] * d[1] * d[2]); v += (gsize) d[0])
      n += l->data[v] != 0;
  return n;
}
