/* libFuzzer target: the NIfTI reader on gzip streams.  The input is the
 * uncompressed file; it is compressed here (pairs into .hdr.gz/.img.gz),
 * so that mutations reach the header and voxel checks behind inflate
 * rather than dying in it.  An input whose last byte is odd also has its
 * compressed stream cut short, at a point that byte chooses. */
#include <zlib.h>

#include "fuzz/fuzz-nifti-common.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_setup ();
  return 0;
}

static void
write_gz (const char *path, const uint8_t *data, size_t n, int cut)
{
  z_stream z = { 0 };
  uLong bound;
  g_autofree uint8_t *out = NULL;
  size_t len;

  /* windowBits 16 + 15: a gzip wrapper */
  if (deflateInit2 (&z, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    abort ();
  bound = deflateBound (&z, n);
  out = g_malloc (bound);
  z.next_in = (Bytef *) data;
  z.avail_in = (uInt) n;
  z.next_out = out;
  z.avail_out = (uInt) bound;
  if (deflate (&z, Z_FINISH) != Z_STREAM_END)
    abort ();
  len = z.total_out;
  deflateEnd (&z);
  if (cut >= 0)
    len = len * (size_t) cut / 128;
  fuzz_write (path, out, len);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  gboolean pair;
  size_t hsize = fuzz_nifti_header_size (data, size, &pair);
  int cut = (size > 0 && (data[size - 1] & 1)) ? data[size - 1] >> 1 : -1;

  if (hsize > 0 && pair)
    {
      g_autofree char *hdr = fuzz_path (FUZZ_STEM ".hdr.gz");
      g_autofree char *img = fuzz_path (FUZZ_STEM ".img.gz");
      write_gz (hdr, data, hsize, -1);
      write_gz (img, data + hsize, size - hsize, cut);
      fuzz_exercise_nifti (hdr);
      g_unlink (hdr);
      g_unlink (img);
    }
  else
    {
      g_autofree char *nii = fuzz_path (FUZZ_STEM ".nii.gz");
      write_gz (nii, data, size, cut);
      fuzz_exercise_nifti (nii);
      g_unlink (nii);
    }
  return 0;
}
