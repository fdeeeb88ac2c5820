/* nifti.h: what a volume's NIfTI file said, beyond what PlVolume keeps.
 *
 * PlVolume carries the fields every caller needs (dims i, j, k, spacing, the
 * matrix used, the codes).  Tools that report on a file (pellucid-cli info)
 * also want the full dim/pixdim arrays, units and intent: ask for them with
 * pl_volume_get_nifti_info() on a volume that came from pl_volume_load().
 * Loading and saving themselves are declared in volume.h and labels.h.
 */
#pragma once

#include <glib.h>

#include "engine/data/volume.h"

G_BEGIN_DECLS

typedef struct
{
  int     nifti_version;  /* 1 or 2 */
  int     n_dims;         /* dim[0] of the file, 1..7 */
  gint64  dim[7];         /* dim[1..n_dims]; 1 beyond */
  double  pixdim[8];      /* pixdim[0..7] as stored (pixdim[0] is qfac) */
  int     datatype;       /* NIfTI datatype code */
  int     intent_code;
  int     xyzt_units;
  gboolean pair;          /* .hdr/.img rather than one .nii */
  gboolean swapped;       /* stored in the other byte order */
  char    descrip[81];
} PlNiftiInfo;

/* FALSE (and *info untouched) for volumes that did not come from a file. */
gboolean     pl_volume_get_nifti_info (const PlVolume *volume,
                                       PlNiftiInfo    *info);
/* "uint8", "int16", "float32", "complex64", "rgb24"…; "unknown" otherwise. */
const char  *pl_nifti_datatype_name   (int             datatype);

G_END_DECLS
