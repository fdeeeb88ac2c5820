/* Benchmark: loading Colin27 at 0.5 mm (ch2better.nii.gz, 301x370x316
 * uint8, gzip) from Debian's mricron-data.  Prints each run's wall time,
 * the median, and the peak resident memory (getrusage ru_maxrss) against the
 * size of the float32 volume.  Goals: median < 1 s, peak < 2.5x.
 *
 *   bench-load [FILE] [RUNS]     exit 77 (skip) if FILE is absent */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "engine/volume.h"

#define DEFAULT_FILE "/usr/share/mricron/templates/ch2better.nii.gz"

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

int
main (int argc, char **argv)
{
  const char *path = argc > 1 ? argv[1] : DEFAULT_FILE;
  int runs = argc > 2 ? atoi (argv[2]) : 5;
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
      g_autoptr (PlVolume) v = pl_volume_load (path, 0, NULL, &error);

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
  printf ("load %s: median %.3f s over %d runs (min %.3f, max %.3f)\n",
          path, times[runs / 2], runs, times[0], times[runs - 1]);
  printf ("peak RSS %.1f MiB = %.2fx the float32 volume (%.1f MiB)\n",
          peak / 1048576.0, peak / float_bytes, float_bytes / 1048576.0);
  return 0;
}
