/* NIfTI support shared by the reader and the writer: datatypes, the
 * geometry a PlVolume keeps, and what pl_volume_get_nifti_info() reports. */
#define G_LOG_DOMAIN "pl-nifti"

#include "engine/io/nifti.h"
#include "engine/io/nifti-private.h"

#include <string.h>

typedef struct
{
  int         code;
  gsize       size;      /* bytes per value */
  gboolean    loadable;  /* a real scalar we convert to float */
  const char *name;
} DatatypeInfo;

static const DatatypeInfo datatypes[] = {
  { NIFTI_TYPE_UINT8,       1, TRUE,  "uint8" },
  { NIFTI_TYPE_INT8,        1, TRUE,  "int8" },
  { NIFTI_TYPE_INT16,       2, TRUE,  "int16" },
  { NIFTI_TYPE_UINT16,      2, TRUE,  "uint16" },
  { NIFTI_TYPE_INT32,       4, TRUE,  "int32" },
  { NIFTI_TYPE_UINT32,      4, TRUE,  "uint32" },
  { NIFTI_TYPE_INT64,       8, TRUE,  "int64" },
  { NIFTI_TYPE_UINT64,      8, TRUE,  "uint64" },
  { NIFTI_TYPE_FLOAT32,     4, TRUE,  "float32" },
  { NIFTI_TYPE_FLOAT64,     8, TRUE,  "float64" },
  { DT_BINARY,              0, FALSE, "binary" },
  { NIFTI_TYPE_COMPLEX64,   8, FALSE, "complex64" },
  { NIFTI_TYPE_COMPLEX128, 16, FALSE, "complex128" },
  { NIFTI_TYPE_COMPLEX256, 32, FALSE, "complex256" },
  { NIFTI_TYPE_FLOAT128,   16, FALSE, "float128" },
  { NIFTI_TYPE_RGB24,       3, FALSE, "rgb24" },
  { NIFTI_TYPE_RGBA32,      4, FALSE, "rgba32" },
};

gboolean
pl_nifti_datatype_info (int          datatype,
                        gsize       *size,
                        const char **name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (datatypes); i++)
    if (datatypes[i].code == datatype)
      {
        if (size)
          *size = datatypes[i].size;
        if (name)
          *name = datatypes[i].name;
        return datatypes[i].loadable;
      }
  if (size)
    *size = 0;
  if (name)
    *name = NULL;
  return FALSE;
}

const char *
pl_nifti_datatype_name (int datatype)
{
  const char *name = NULL;
  pl_nifti_datatype_info (datatype, NULL, &name);
  return name ? name : "unknown";
}

PlNiftiGeometry *
pl_nifti_geometry_new (const PlNiftiHeader *header)
{
  PlNiftiGeometry *geometry = g_new0 (PlNiftiGeometry, 1);
  geometry->header = *header;
  return geometry;
}

PlNiftiGeometry *
pl_nifti_geometry_copy (const PlNiftiGeometry *geometry)
{
  return g_memdup2 (geometry, sizeof *geometry);
}

void
pl_nifti_geometry_free (PlNiftiGeometry *geometry)
{
  g_free (geometry);
}

gboolean
pl_volume_get_nifti_info (const PlVolume *volume,
                          PlNiftiInfo    *info)
{
  const PlNiftiHeader *hdr;

  g_return_val_if_fail (volume != NULL, FALSE);
  g_return_val_if_fail (info != NULL, FALSE);

  if (volume->geometry == NULL)
    return FALSE;
  hdr = &volume->geometry->header;
  memset (info, 0, sizeof *info);
  info->nifti_version = hdr->version;
  info->n_dims = hdr->n_dims;
  for (int i = 0; i < 7; i++)
    info->dim[i] = hdr->dim[i + 1];
  for (int i = 0; i < 8; i++)
    info->pixdim[i] = hdr->h.pixdim[i];
  info->datatype = hdr->h.datatype;
  info->intent_code = hdr->h.intent_code;
  info->xyzt_units = hdr->h.xyzt_units;
  info->pair = hdr->pair;
  info->swapped = hdr->swapped;
  memcpy (info->descrip, hdr->h.descrip, 80);
  info->descrip[80] = '\0';
  return TRUE;
}
