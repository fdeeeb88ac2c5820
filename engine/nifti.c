/* NIfTI-1 / NIfTI-2 reading and writing on top of nifticlib's nifti2 library. */
#define G_LOG_DOMAIN "pl-nifti"

#include "engine/nifti-private.h"

#include <nifti2_io.h>

struct _PlNiftiGeometry
{
  nifti_image *header;   /* header fields only: data is always NULL */
};

PlNiftiGeometry *
pl_nifti_geometry_copy (const PlNiftiGeometry *geometry)
{
  PlNiftiGeometry *copy = g_new0 (PlNiftiGeometry, 1);
  copy->header = nifti_copy_nim_info (geometry->header);
  return copy;
}

void
pl_nifti_geometry_free (PlNiftiGeometry *geometry)
{
  if (geometry == NULL)
    return;
  nifti_image_free (geometry->header);
  g_free (geometry);
}
