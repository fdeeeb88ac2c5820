/* pl_volume_load() and pl_labels_load(): one 3-D volume of a NIfTI file as
 * float32 intensities, or as a uint16 label map on a reference grid. */
#define G_LOG_DOMAIN "pl-nifti"

#include "engine/data/labels.h"
#include "engine/io/nifti-private.h"

#include <math.h>
#include <string.h>

typedef struct
{
  gboolean scaled;   /* apply slope/inter; FALSE for the identity */
  double   slope;
  double   inter;
} Scaling;

/* NIfTI-1 §scl_slope: "if scl_slope is 0, no scaling"; nifticlib also
 * ignores a non-finite slope and treats a non-finite intercept as 0. */
static Scaling
header_scaling (const PlNiftiHeader *hdr)
{
  Scaling s = { FALSE, 1.0, 0.0 };
  double slope = hdr->h.scl_slope, inter = hdr->h.scl_inter;

  if (isfinite (slope) && slope != 0.0)
    {
      s.slope = slope;
      s.inter = isfinite (inter) ? inter : 0.0;
      s.scaled = !(s.slope == 1.0 && s.inter == 0.0);
    }
  return s;
}

/* -------------------------------------------------------------------------
 * Volumes */

typedef struct
{
  PlGrowBuffer buf;      /* float */
  int          datatype;
  Scaling      scl;
  guint64      n_nonfinite;
} FloatSink;

/* Integers without scaling are always finite; everything else is checked,
 * since a double or a scaled value can overflow float. */
#define CONVERT_INT(T)                                                    \
  {                                                                       \
    const T *s = raw;                                                     \
    if (!scl->scaled)                                                     \
      for (gsize i = 0; i < n; i++)                                       \
        out[i] = (float) s[i];                                            \
    else                                                                  \
      for (gsize i = 0; i < n; i++)                                       \
        {                                                                 \
          float v = (float) ((double) s[i] * scl->slope + scl->inter);    \
          if (!isfinite (v))                                              \
            {                                                             \
              v = 0.0f;                                                   \
              bad++;                                                      \
            }                                                             \
          out[i] = v;                                                     \
        }                                                                 \
  }                                                                       \
  break

#define CONVERT_REAL(T)                                                   \
  {                                                                       \
    const T *s = raw;                                                     \
    for (gsize i = 0; i < n; i++)                                         \
      {                                                                   \
        float v = scl->scaled ? (float) ((double) s[i] * scl->slope + scl->inter) \
                              : (float) s[i];                             \
        if (!isfinite (v))                                                \
          {                                                               \
            v = 0.0f;                                                     \
            bad++;                                                        \
          }                                                               \
        out[i] = v;                                                       \
      }                                                                   \
  }                                                                       \
  break

static guint64
convert_to_float (const void    *raw,
                  int            datatype,
                  gsize          n,
                  const Scaling *scl,
                  float         *out)
{
  guint64 bad = 0;

  switch (datatype)
    {
    case NIFTI_TYPE_UINT8:   CONVERT_INT (guint8);
    case NIFTI_TYPE_INT8:    CONVERT_INT (gint8);
    case NIFTI_TYPE_INT16:   CONVERT_INT (gint16);
    case NIFTI_TYPE_UINT16:  CONVERT_INT (guint16);
    case NIFTI_TYPE_INT32:   CONVERT_INT (gint32);
    case NIFTI_TYPE_UINT32:  CONVERT_INT (guint32);
    case NIFTI_TYPE_INT64:   CONVERT_INT (gint64);
    case NIFTI_TYPE_UINT64:  CONVERT_INT (guint64);
    case NIFTI_TYPE_FLOAT32: CONVERT_REAL (float);
    case NIFTI_TYPE_FLOAT64: CONVERT_REAL (double);
    default:
      g_assert_not_reached ();
    }
  return bad;
}

static gboolean
float_sink (gpointer    data,
            const void *raw,
            gsize       first,
            gsize       n,
            GError    **error)
{
  FloatSink *s = data;

  if (!pl_grow_buffer_reserve (&s->buf, first + n, error))
    return FALSE;
  s->n_nonfinite += convert_to_float (raw, s->datatype, n, &s->scl,
                                      (float *) s->buf.data + first);
  return TRUE;
}

PlVolume *
pl_volume_load (const char       *path,
                gint64            volume_index,
                const PlProgress *progress,
                GError          **error)
{
  g_autoptr (PlNiftiSource) src = NULL;
  const PlNiftiHeader *hdr;
  FloatSink sink = { { 0 } };
  PlVolume *v;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  src = pl_nifti_source_open (path, error);
  if (src == NULL)
    return NULL;
  hdr = pl_nifti_source_header (src);
  if (volume_index < 0 || (guint64) volume_index >= hdr->n_volumes)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "%s: volume %" G_GINT64_FORMAT " requested but the file has %" G_GUINT64_FORMAT
                   " (0 to %" G_GUINT64_FORMAT ")", pl_nifti_source_name (src),
                   volume_index, hdr->n_volumes, hdr->n_volumes - 1);
      return NULL;
    }

  sink.datatype = hdr->h.datatype;
  sink.scl = header_scaling (hdr);
  if (!pl_grow_buffer_init (&sink.buf, src, sizeof (float), error)
      || !pl_nifti_source_read_volume (src, (guint64) volume_index, float_sink, &sink,
                                       progress, error))
    {
      g_free (sink.buf.data);
      return NULL;
    }

  v = g_new0 (PlVolume, 1);
  for (int a = 0; a < 3; a++)
    v->dim[a] = hdr->dim[a + 1];
  v->n_volumes = (gint64) hdr->n_volumes;
  v->volume_index = volume_index;
  v->xform_source = pl_nifti_header_xform (hdr, v->vox2world);
  pl_nifti_header_voxel_size (hdr, v->vox2world, v->pixdim);
  v->qform_code = hdr->h.qform_code;
  v->sform_code = hdr->h.sform_code;
  v->datatype = hdr->h.datatype;
  v->nifti_version = hdr->version;
  v->scl_slope = hdr->h.scl_slope;
  v->scl_inter = hdr->h.scl_inter;
  v->data = sink.buf.data;
  v->n_nonfinite = (gint64) sink.n_nonfinite;
  v->path = g_strdup (path);
  v->geometry = pl_nifti_geometry_new (hdr);
  pl_volume_update_stats (v);
  return v;
}

/* -------------------------------------------------------------------------
 * Label maps */

typedef struct
{
  PlGrowBuffer buf;      /* guint16 */
  int          datatype;
  Scaling      scl;
  gint64       dim[3];
  const char  *name;
} LabelSink;

/* Every value must be a whole number in 0..65535 once scaled; the first
 * that is not is reported with its voxel. */
#define CHECK_LABELS(T)                                                   \
  {                                                                       \
    const T *src = raw;                                                   \
    for (i = 0; i < n; i++)                                               \
      {                                                                   \
        x = s->scl.scaled ? (double) src[i] * s->scl.slope + s->scl.inter \
                          : (double) src[i];                              \
        if (!(x >= 0.0 && x <= 65535.0 && x == floor (x)))                \
          break;                                                          \
        out[i] = (guint16) x;                                             \
      }                                                                   \
  }                                                                       \
  break

static gboolean
label_sink (gpointer    data,
            const void *raw,
            gsize       first,
            gsize       n,
            GError    **error)
{
  LabelSink *s = data;
  guint16 *out;
  gsize i = 0;
  double x = 0.0;

  if (!pl_grow_buffer_reserve (&s->buf, first + n, error))
    return FALSE;
  out = (guint16 *) s->buf.data + first;
  switch (s->datatype)
    {
    case NIFTI_TYPE_UINT8:   CHECK_LABELS (guint8);
    case NIFTI_TYPE_INT8:    CHECK_LABELS (gint8);
    case NIFTI_TYPE_INT16:   CHECK_LABELS (gint16);
    case NIFTI_TYPE_UINT16:  CHECK_LABELS (guint16);
    case NIFTI_TYPE_INT32:   CHECK_LABELS (gint32);
    case NIFTI_TYPE_UINT32:  CHECK_LABELS (guint32);
    case NIFTI_TYPE_INT64:   CHECK_LABELS (gint64);
    case NIFTI_TYPE_UINT64:  CHECK_LABELS (guint64);
    case NIFTI_TYPE_FLOAT32: CHECK_LABELS (float);
    case NIFTI_TYPE_FLOAT64: CHECK_LABELS (double);
    default:
      g_assert_not_reached ();
    }
  if (i < n)
    {
      gsize at = first + i;
      gsize vi = at % (gsize) s->dim[0];
      gsize vj = at / (gsize) s->dim[0] % (gsize) s->dim[1];
      gsize vk = at / ((gsize) s->dim[0] * (gsize) s->dim[1]);
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "%s: voxel (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT
                   ") has value %g; label values must be whole numbers from 0 to 65535",
                   s->name, vi, vj, vk, x);
      return FALSE;
    }
  return TRUE;
}

PlLabels *
pl_labels_load (const char      *path,
                const PlVolume  *reference,
                GError         **error)
{
  g_autoptr (PlNiftiSource) src = NULL;
  const PlNiftiHeader *hdr;
  LabelSink sink = { { 0 } };
  PlLabels *labels;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  src = pl_nifti_source_open (path, error);
  if (src == NULL)
    return NULL;
  hdr = pl_nifti_source_header (src);
  for (int a = 0; a < 3; a++)
    sink.dim[a] = hdr->dim[a + 1];
  sink.name = pl_nifti_source_name (src);

  if (hdr->n_volumes != 1)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_GRID_MISMATCH,
                   "%s: a label map must be one 3-D volume, this file has %" G_GUINT64_FORMAT " volumes",
                   sink.name, hdr->n_volumes);
      return NULL;
    }
  if (reference != NULL)
    {
      double m[4][4], dist;
      pl_nifti_header_xform (hdr, m);
      if (!pl_nifti_same_grid (sink.dim, m, reference->dim, reference->vox2world, 1e-4, &dist))
        {
          if (memcmp (sink.dim, reference->dim, sizeof sink.dim) != 0)
            g_set_error (error, PL_ERROR, PL_ERROR_GRID_MISMATCH,
                         "%s: the label map is %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT "x%"
                         G_GINT64_FORMAT " voxels but the image is %" G_GINT64_FORMAT "x%"
                         G_GINT64_FORMAT "x%" G_GINT64_FORMAT, sink.name,
                         sink.dim[0], sink.dim[1], sink.dim[2],
                         reference->dim[0], reference->dim[1], reference->dim[2]);
          else
            g_set_error (error, PL_ERROR, PL_ERROR_GRID_MISMATCH,
                         "%s: the label map lies on another grid than the image "
                         "(voxels up to %.3g mm apart)", sink.name, dist);
          return NULL;
        }
    }

  sink.datatype = hdr->h.datatype;
  sink.scl = header_scaling (hdr);
  if (!pl_grow_buffer_init (&sink.buf, src, sizeof (guint16), error)
      || !pl_nifti_source_read_volume (src, 0, label_sink, &sink, NULL, error))
    {
      g_free (sink.buf.data);
      return NULL;
    }

  labels = g_new0 (PlLabels, 1);
  memcpy (labels->dim, sink.dim, sizeof labels->dim);
  labels->data = sink.buf.data;
  return labels;
}
