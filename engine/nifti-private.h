/* Private to the engine: the source header a PlVolume came from, kept so that
 * label maps and derived volumes are written on exactly the same grid. */
#pragma once

#include "engine/volume.h"

G_BEGIN_DECLS

PlNiftiGeometry *pl_nifti_geometry_copy (const PlNiftiGeometry *geometry);
void             pl_nifti_geometry_free (PlNiftiGeometry       *geometry);

G_END_DECLS
