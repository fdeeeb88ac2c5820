/* What the NIfTI targets do with a file once it is written: load it as a
 * volume (first and last 3-D volume) and as a label map, and when that
 * works, save it and check that reading back gives the same voxels and
 * geometry.  A load may fail, but only with a PL_ERROR naming the
 * file. */
#pragma once

#include <string.h>

#include "engine/data/labels.h"
#include "fuzz/fuzz-common.h"

#define FUZZ_STEM "fuzzinput"

/* Where a NIfTI header of these bytes would end, and whether its magic
 * says the voxels live in a separate .img (0 when it is not NIfTI). */
static size_t
fuzz_nifti_header_size (const uint8_t *data, size_t size, gboolean *pair)
{
  uint32_t first, swapped;
  size_t hsize;

  *pair = FALSE;
  if (size < 4)
    return 0;
  memcpy (&first, data, 4);
  swapped = GUINT32_SWAP_LE_BE (first);
  hsize = (first == 348 || swapped == 348) ? 348 : (first == 540 || swapped == 540) ? 540 : 0;
  if (hsize == 0 || size < hsize)
    return 0;
  *pair = data[hsize == 348 ? 345 : 5] == 'i';
  return hsize;
}

static void
fuzz_check_error (GError *error)
{
  if (error == NULL || error->domain != PL_ERROR
      || strstr (error->message, FUZZ_STEM) == NULL)
    abort ();
}

static void
fuzz_check_same_volume (const PlVolume *a, const PlVolume *b)
{
  if (memcmp (a->dim, b->dim, sizeof a->dim) != 0
      || memcmp (a->vox2world, b->vox2world, sizeof a->vox2world) != 0
      || a->xform_source != b->xform_source
      || memcmp (a->data, b->data, pl_volume_n_voxels (a) * sizeof (float)) != 0)
    abort ();
}

static void
fuzz_exercise_nifti (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PlVolume) v = pl_volume_load (path, 0, NULL, &error);
  g_autoptr (PlVolume) back = NULL;
  g_autoptr (PlLabels) labels = NULL;
  g_autofree char *out = fuzz_path ("saved.nii");
  g_autofree char *out_labels = fuzz_path ("saved-labels.nii.gz");

  if (v == NULL)
    {
      fuzz_check_error (error);
      return;
    }
  if (v->n_volumes > 1)
    {
      g_autoptr (PlVolume) last = pl_volume_load (path, v->n_volumes - 1, NULL, &error);
      if (last == NULL)
        fuzz_check_error (error);
      g_clear_error (&error);
    }

  if (!pl_volume_save (v, out, &error))
    abort ();
  back = pl_volume_load (out, 0, NULL, &error);
  if (back == NULL)
    abort ();
  fuzz_check_same_volume (v, back);

  labels = pl_labels_load (path, v, &error);
  if (labels == NULL)
    {
      fuzz_check_error (error);
      if (error->code != PL_ERROR_INVALID && error->code != PL_ERROR_GRID_MISMATCH)
        abort ();
      return;
    }
  if (!pl_labels_save (labels, v, out_labels, &error))
    abort ();
  {
    g_autoptr (PlLabels) again = pl_labels_load (out_labels, v, &error);
    if (again == NULL
        || memcmp (again->data, labels->data, pl_labels_n_voxels (labels) * sizeof (guint16)) != 0)
      abort ();
  }
}
