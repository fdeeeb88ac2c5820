/* libFuzzer target: the NIfTI reader on the bytes as they are.  Input
 * whose magic says "pair" is split into .hdr and .img; gzip input is found
 * by its content, as for any file. */
#include "fuzz/fuzz-nifti-common.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_setup ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  gboolean pair;
  size_t hsize = fuzz_nifti_header_size (data, size, &pair);

  if (hsize > 0 && pair)
    {
      g_autofree char *hdr = fuzz_path (FUZZ_STEM ".hdr");
      g_autofree char *img = fuzz_path (FUZZ_STEM ".img");
      fuzz_write (hdr, data, hsize);
      fuzz_write (img, data + hsize, size - hsize);
      fuzz_exercise_nifti (hdr);
      g_unlink (hdr);
      g_unlink (img);
    }
  else
    {
      g_autofree char *nii = fuzz_path (FUZZ_STEM ".nii");
      fuzz_write (nii, data, size);
      fuzz_exercise_nifti (nii);
      g_unlink (nii);
    }
  return 0;
}
