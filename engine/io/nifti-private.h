/* Private to the engine: NIfTI headers as the reader and writer see them.
 *
 * A file's header (NIfTI-1 or NIfTI-2, either byte order) is decoded into a
 * PlNiftiHeader: every field widened to the NIfTI-2 types and in host byte
 * order, plus what was learnt while checking it.  PlVolume keeps one as its
 * PlNiftiGeometry so that label maps and derived volumes are written on
 * exactly the same grid.
 *
 * Headers are parsed here rather than by nifticlib's nifti_image_read():
 * that function prints to stderr on bad input (LNI_FERR is unconditional),
 * loops on an unchecked NIfTI-2 dim[0] (nifti_clib PR #197) and callocs
 * whatever the dims ask for before reading a byte (PR #196).  nifticlib still
 * provides the header structs, the constants and the quaternion algebra.
 */
#pragma once

/* <dirent.h> declares DT_UNKNOWN in an enum that nifti1.h's macro of the
 * same name would break if the system header came second. */
#include <dirent.h>
#include <nifti2_io.h>

#include "engine/data/volume.h"

G_BEGIN_DECLS

#define PL_NIFTI1_HEADER_SIZE 348
#define PL_NIFTI2_HEADER_SIZE 540

typedef struct
{
  nifti_2_header h;          /* widened to NIfTI-2 types, host byte order */
  int            version;    /* 1 or 2 */
  gboolean       swapped;    /* the file is in the other byte order */
  gboolean       pair;       /* magic ni1/ni2: voxels live in a .img file */

  /* Filled in by pl_nifti_header_check() */
  int            n_dims;     /* dim[0], 1..7 */
  gint64         dim[8];     /* dim[1..7]; 1 beyond n_dims */
  gsize          elem_size;  /* bytes per voxel value */
  guint64        voxels_per_volume;  /* dim[1] * dim[2] * dim[3] */
  guint64        n_volumes;          /* dim[4] * ... * dim[7] */
  guint64        bytes_per_volume;
  guint64        vox_offset;
} PlNiftiHeader;

struct _PlNiftiGeometry
{
  PlNiftiHeader header;
};

PlNiftiGeometry *pl_nifti_geometry_copy  (const PlNiftiGeometry *geometry);
void             pl_nifti_geometry_free  (PlNiftiGeometry       *geometry);
PlNiftiGeometry *pl_nifti_geometry_new   (const PlNiftiHeader   *header);

/* Bytes per value and a short name ("uint8", "float32", "complex64"...) of a
 * NIfTI datatype code.  Returns FALSE for codes the reader cannot load; *name
 * is still set for codes the standard defines, NULL for unknown ones. */
gboolean  pl_nifti_datatype_info   (int                  datatype,
                                    gsize               *size,
                                    const char         **name);

/* Decodes a header from its first bytes: n is how many bytes are available
 * (at least 4; the function says how many it needs via *needed when n is
 * short, returning FALSE without an error).  The name is used in messages. */
gboolean  pl_nifti_header_decode   (const guint8        *bytes,
                                    gsize                n,
                                    gsize               *needed,
                                    const char          *name,
                                    PlNiftiHeader       *out,
                                    GError             **error);
/* Checks dims, datatype and vox_offset for sense and overflow and fills the
 * derived fields. */
gboolean  pl_nifti_header_check    (PlNiftiHeader       *header,
                                    const char          *name,
                                    GError             **error);
/* The voxel-to-world matrix by the standard's rules: sform when sform_code
 * > 0, else qform when qform_code > 0 (with qfac), else pixdim scaling.  A
 * sform or qform whose numbers are not finite or whose matrix is singular is
 * skipped for the next rule. */
PlXformSource pl_nifti_header_xform (const PlNiftiHeader *header,
                                     double               m[4][4]);
/* Voxel sizes for PlVolume.pixdim: |pixdim[1..3]|, or the column lengths of
 * m where the header's are zero or not finite. */
void      pl_nifti_header_voxel_size (const PlNiftiHeader *header,
                                      const double         m[4][4],
                                      double               size[3]);
/* Host byte order, as NIfTI-1 when header->version is 1 (the caller checks
 * that the values fit), else NIfTI-2.  Returns the number of bytes. */
gsize     pl_nifti_header_encode   (const PlNiftiHeader *header,
                                    guint8               out[PL_NIFTI2_HEADER_SIZE]);
/* TRUE if every field a NIfTI-1 header narrows (dims, offsets, codes) fits. */
gboolean  pl_nifti_header_fits_nifti1 (const PlNiftiHeader *header);

/* A header describing a synthetic volume's grid from its dims and
 * vox2world: sform and qform with code (sform_code > 0 ? it : aligned
 * anatomy), or neither when the matrix is plain pixdim scaling. */
void      pl_nifti_header_from_volume (const PlVolume *volume,
                                       PlNiftiHeader  *out);

/* The grid a label map is checked against: a file's dims and matrix must
 * match within tolerance_mm at every corner of the grid. */
gboolean  pl_nifti_same_grid       (const gint64         dim_a[3],
                                    const double         m_a[4][4],
                                    const gint64         dim_b[3],
                                    const double         m_b[4][4],
                                    double               tolerance_mm,
                                    double              *max_distance);

/* Reading (nifti-read.c): an open file whose header has been checked, from
 * which single 3-D volumes are streamed chunk by chunk into a sink. */
typedef struct _PlNiftiSource PlNiftiSource;

/* raw: n values of the file's datatype in host byte order, the first being
 * value number `first` of the volume. */
typedef gboolean (*PlNiftiSink) (gpointer     data,
                                 const void  *raw,
                                 gsize        first,
                                 gsize        n,
                                 GError     **error);

PlNiftiSource       *pl_nifti_source_open        (const char          *path,
                                                  GError             **error);
void                 pl_nifti_source_free        (PlNiftiSource       *src);
const PlNiftiHeader *pl_nifti_source_header      (const PlNiftiSource *src);
const char          *pl_nifti_source_name        (const PlNiftiSource *src);
/* TRUE when the file's size already proves it holds the voxels (not gzip). */
gboolean             pl_nifti_source_size_proven (const PlNiftiSource *src);
gboolean             pl_nifti_source_read_volume (PlNiftiSource       *src,
                                                  guint64              t,
                                                  PlNiftiSink          sink,
                                                  gpointer             sink_data,
                                                  const PlProgress    *progress,
                                                  GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlNiftiSource, pl_nifti_source_free)

/* An output array of one volume's values, never beyond the memory budget:
 * allocated whole at the first chunk when the file has proven its size
 * (plain files), grown with the data otherwise (gzip). */
typedef struct
{
  gpointer    data;
  gsize       capacity;   /* elements allocated */
  gsize       total;      /* elements of a full volume */
  gsize       elem_size;
  gboolean    proven;
  const char *name;       /* for messages */
} PlGrowBuffer;

gboolean  pl_grow_buffer_init      (PlGrowBuffer        *b,
                                    const PlNiftiSource *src,
                                    gsize                elem_size,
                                    GError             **error);
gboolean  pl_grow_buffer_reserve   (PlGrowBuffer        *b,
                                    gsize                n_elems,
                                    GError             **error);

G_END_DECLS
