/* Benchmark: loading Colin27 at 0.5 mm (ch2better.nii.gz, 301x370x316
 * uint8, gzip) from Debian's mricron-data.  Prints each run's wall time,
 * the median, and the peak resident memory (getrusage ru_maxrss) against the
 * size of the float32 volume.  Goals: median < 1 s, peak < 2.5x.
 *
 *   bench-load [--nifticlib] [FILE] [RUNS]     exit 77 (skip) if FILE is absent
 *
 * --nifticlib times the peer instead, in its own process so that the peak
 * memory is its own: nifticlib's nifti_image_read (path, 1) followed by the
 * same conversion to float32 (what a program built on nifticlib does). */
#include <dirent.h>      /* before nifti1.h, which defines DT_UNKNOWN */
#include <nifti2_io.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "engine/data/volume.h"

#define DEFAULT_FILE "/usr/share/mricron/templates/ch2better.nii.gz"

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* The peer: returns the number of voxels, 0 on failure. */
static gsize
load_with_nifticlib (const char *path, double *mean)
{
  nifti_image *nim = nifti_image_read (path, 1);
  g_autofree float *f = NULL;
  double sum = 0.0;

  if (nim == NULL || nim->datatype != DT_UINT8)
    {
      nifti_image_free (nim);
      return 0;
    }
  f = g_new (float, nim->nvox);
  for (gint64 i = 0; i < nim->nvox; i++)
    sum += f[i] = ((const guint8 *) nim->data)[i];
  *mean = sum / nim->nvox;
  {
    gsize n = (gsize) nim->nvox;
    nifti_image_free (nim);
    return n;
  }
}

int
main (int argc, char **argv)
{
  gboolean peer = argc > 1 && g_strcmp0 (argv[1], "--nifticlib") == 0;
  const char *path = argc > 1 + peer ? argv[1 + peer] : DEFAULT_FILE;
  int runs = argc > 2 + peer ? atoi (argv[2 + peer]) : 5;
  g_autofree double *times = NULL;
  struct rusage usage;
  double float_bytes = 0.0, peak;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      printf ("SKIP: %s is absent (apt-get install mricron-data)\n", path);
      return 77;
    }
  runs = CLAMP (runs, 1, 100);
  times = g_new (double, runs);

  for (int r = 0; r < runs; r++)
    {
      g_autoptr (GError) error = NULL;
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr (PlVolume) v = NULL;

      if (peer)
        {
          double mean = 0.0;
          gsize n = load_with_nifticlib (path, &mean);
          times[r] = (g_get_monotonic_time () - t0) / 1e6;
          if (n == 0)
            {
              fprintf (stderr, "bench-load: nifticlib could not load %s as uint8\n", path);
              return 1;
            }
          float_bytes = (double) n * sizeof (float);
          printf ("run %d (nifticlib): %.3f s  (mean %.3f)\n", r + 1, times[r], mean);
          continue;
        }
      v = pl_volume_load (path, 0, NULL, &error);
      times[r] = (g_get_monotonic_time () - t0) / 1e6;
      if (v == NULL)
        {
          fprintf (stderr, "bench-load: %s\n", error->message);
          return 1;
        }
      float_bytes = (double) pl_volume_n_voxels (v) * sizeof (float);
      printf ("run %d: %.3f s  (%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
              ", mean %.3f)\n", r + 1, times[r], v->dim[0], v->dim[1], v->dim[2], v->mean);
    }

  qsort (times, runs, sizeof *times, compare_double);
  getrusage (RUSAGE_SELF, &usage);
  peak = usage.ru_maxrss * 1024.0;   /* ru_maxrss is in KiB on Linux */
  printf ("load %s%s: median %.3f s over %d runs (min %.3f, max %.3f)\n",
          path, peer ? " with nifticlib" : "", times[runs / 2], runs, times[0], times[runs - 1]);
  printf ("peak RSS %.1f MiB = %.2fx the float32 volume (%.1f MiB)\n",
          peak / 1048576.0, peak / float_bytes, float_bytes / 1048576.0);
  return 0;
}
