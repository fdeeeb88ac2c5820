/* Label volumes in voxels and millilitres.  See measure.h. */
#define G_LOG_DOMAIN "pl-measure"

#include "engine/data/measure.h"

#include <math.h>
#include <string.h>

#include "engine/core/atomic-file.h"
#include "engine/core/error.h"

double
pl_volume_voxel_mm3 (const PlVolume *reference)
{
  const double (*m)[4] = reference->vox2world;
  double det;

  g_return_val_if_fail (reference != NULL, 0.0);

  det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
      - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
      + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  det = fabs (det);
  if (!(det > 0.0) || !isfinite (det))
    det = reference->pixdim[0] * reference->pixdim[1] * reference->pixdim[2];
  return det;
}

PlLabelMeasure *
pl_labels_measure (const PlLabels *labels,
                   const PlVolume *reference,
                   guint          *n_out)
{
  g_autofree gint64 *count = NULL;
  GArray *out;
  gsize n;
  double ml;
  guint len;

  g_return_val_if_fail (labels != NULL && reference != NULL && n_out != NULL, NULL);

  count = g_new0 (gint64, 65536);
  n = pl_labels_n_voxels (labels);
  for (gsize i = 0; i < n; i++)
    count[labels->data[i]]++;
  ml = pl_volume_voxel_mm3 (reference) / 1000.0;
  out = g_array_new (FALSE, FALSE, sizeof (PlLabelMeasure));
  for (guint v = 1; v < 65536; v++)
    if (count[v] > 0)
      {
        PlLabelMeasure m = { (guint16) v, count[v], count[v] * ml };
        g_array_append_val (out, m);
      }
  len = out->len;
  *n_out = len;
  return (PlLabelMeasure *) g_array_free (out, FALSE);
}

static void
append_csv_field (GString    *out,
                  const char *text)
{
  if (strpbrk (text, ",\"\r\n") == NULL)
    {
      g_string_append (out, text);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = text; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

gboolean
pl_labels_measure_save_csv (const PlLabelMeasure *measures,
                            guint                 n,
                            PlLabelTable         *table,
                            const char           *path,
                            GError              **error)
{
  g_autoptr (GString) out = g_string_new ("value,name,voxels,ml\n");
  PlAtomicFile *file;

  g_return_val_if_fail (path != NULL, FALSE);

  for (guint i = 0; i < n; i++)
    {
      PlLabel *label = table ? pl_label_table_lookup (table, measures[i].value) : NULL;
      char ml[G_ASCII_DTOSTR_BUF_SIZE];
      g_string_append_printf (out, "%u,", measures[i].value);
      append_csv_field (out, label && label->name ? label->name : "");
      g_ascii_formatd (ml, sizeof ml, "%.4f", measures[i].ml);
      g_string_append_printf (out, ",%" G_GINT64_FORMAT ",%s\n", measures[i].voxels, ml);
    }
  file = pl_atomic_file_new (path, PL_ERROR, PL_ERROR_IO, error);
  if (!file)
    return FALSE;
  if (!pl_atomic_file_write (file, out->str, out->len, error))
    {
      pl_atomic_file_abort (file);
      return FALSE;
    }
  return pl_atomic_file_commit (file, error);
}
