/* volume.h: a scalar 3-D image in memory, with the geometry of its file.
 *
 * A PlVolume holds float32 intensities (scl_slope/scl_inter applied), the
 * voxel-to-world matrix chosen by the NIfTI rules (sform when sform_code > 0,
 * else qform when qform_code > 0, else pixdim scaling) and an opaque copy of
 * the source header so that label maps can be written on exactly the same
 * grid.  World coordinates are NIfTI's RAS+ millimetres.
 *
 * Load with pl_volume_load() (any NIfTI-1/NIfTI-2 file: .nii, .nii.gz,
 * .hdr/.img), make synthetic ones with pl_volume_new() for tests, free with
 * pl_volume_free().  Errors come back as PL_ERROR with a message that
 * names the file and the problem; nothing here aborts on bad input.
 */
#pragma once

#include <glib.h>

#include "engine/core/error.h"
#include "engine/core/progress.h"

G_BEGIN_DECLS

typedef enum
{
  PL_XFORM_SFORM,
  PL_XFORM_QFORM,
  PL_XFORM_PIXDIM,
} PlXformSource;

/* The three anatomical views.  Each is the plane normal to one world axis:
 * sagittal ⟂ x (L→R), coronal ⟂ y (P→A), axial ⟂ z (I→S). */
typedef enum
{
  PL_VIEW_SAGITTAL = 0,
  PL_VIEW_CORONAL  = 1,
  PL_VIEW_AXIAL    = 2,
} PlView;

/* How the voxel axes map onto the world (RAS+) axes, to the nearest
 * permutation: world axis w (0 = R, 1 = A, 2 = S) is voxel axis
 * voxel_axis[w], and increasing that voxel index moves towards R/A/S when
 * sign[w] = +1, away from it when -1.  Oblique volumes are shown in the voxel
 * planes closest to the anatomical ones, as ITK-SNAP does. */
typedef struct
{
  int voxel_axis[3];
  int sign[3];
} PlOrientation;

typedef struct _PlNiftiGeometry PlNiftiGeometry;   /* private to the NIfTI code */

typedef struct
{
  gint64            dim[3];         /* voxels along i, j, k */
  gint64            n_volumes;      /* 4th dimension in the file (1 for 3-D) */
  gint64            volume_index;   /* which of them is loaded */
  double            pixdim[3];      /* voxel size in mm (positive) */
  double            vox2world[4][4];/* (i, j, k, 1) -> RAS+ mm */
  PlXformSource     xform_source;
  int               qform_code;
  int               sform_code;
  int               datatype;       /* NIfTI datatype code of the source */
  int               nifti_version;  /* 1 or 2; 0 for synthetic volumes */
  double            scl_slope;      /* as stored (0 means "not used") */
  double            scl_inter;
  float            *data;           /* dim[0]*dim[1]*dim[2], i fastest */
  float             min, max, mean; /* over the finite voxels of data (a
                                     * file's NaN/Inf are stored, and so
                                     * counted, as 0) */
  gint64            n_nonfinite;    /* NaN/Inf voxels in the file, stored as 0 */
  char             *path;           /* NULL for synthetic volumes */
  PlNiftiGeometry  *geometry;       /* source header, for writing label maps */
} PlVolume;


/* volume_index: which 3-D volume of a 4-D file to load (0 for 3-D files;
 * dims 5-7 count as more volumes).  Reports progress while reading and
 * stops with G_IO_ERROR_CANCELLED when asked.  NaN/Inf voxels load as 0
 * and are counted in n_nonfinite. */
PlVolume  *pl_volume_load            (const char       *path,
                                      gint64            volume_index,
                                      const PlProgress *progress,
                                      GError          **error);
/* A zero-filled volume with the given size, spacing and voxel-to-world
 * matrix (NULL: diagonal pixdim, i.e. RAS).  Used by tests and tasks. */
PlVolume  *pl_volume_new             (const gint64      dim[3],
                                      const double      pixdim[3],
                                      const double      vox2world[4][4]);
PlVolume  *pl_volume_copy            (const PlVolume   *volume);
void       pl_volume_free            (PlVolume         *volume);

/* Writes float32 NIfTI: the source file's header when there is one (dims,
 * pixdim, qform and sform with their codes, units, NIfTI version kept),
 * else one made from vox2world.  The form follows the name (.nii, .nii.gz,
 * .hdr/.img).  Atomic: a temporary file in the same folder, fsync, rename,
 * fsync of the folder; on failure the old file is untouched. */
gboolean   pl_volume_save            (const PlVolume   *volume,
                                      const char       *path,
                                      GError          **error);

gsize      pl_volume_n_voxels        (const PlVolume   *volume);
void       pl_volume_update_stats    (PlVolume         *volume);
void       pl_volume_orientation     (const PlVolume   *volume,
                                      PlOrientation    *out);
/* Three letters naming where each voxel axis points, e.g. "RAS", "LPI". */
void       pl_volume_orientation_code(const PlVolume   *volume,
                                      char              code[4]);
/* Intensity percentiles (0..100) over the finite voxels. */
void       pl_volume_percentiles     (const PlVolume   *volume,
                                      double            lo_percent,
                                      double            hi_percent,
                                      float            *lo,
                                      float            *hi);
/* Counts of the finite voxels in n_bins equal bins over [lo, hi) (the last
 * bin includes hi); voxels outside the range are not counted.  counts:
 * (n_bins), overwritten.  For the contrast popover's histogram. */
void       pl_volume_histogram       (const PlVolume   *volume,
                                      double            lo,
                                      double            hi,
                                      guint             n_bins,
                                      guint64          *counts);
/* The largest allocation a header may ask for before the file proves it has
 * that much data; default: half of physical memory. */
void       pl_volume_set_memory_budget (guint64 bytes);
guint64    pl_volume_get_memory_budget (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlVolume, pl_volume_free)

G_END_DECLS
