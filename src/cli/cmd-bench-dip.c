/* pellucid-cli bench dip-ref: deep image prior denoising of colin27's axial
 * slice 90 (reference-workloads.md, dip-ref).
 *
 *   pellucid-cli bench dip-ref [--iters 2000] [--patience P] [--slice 90]
 *                              [--seed 0] [--threads 2] [--trace FILE.csv]
 *
 * The slice is centre-cropped to 176×208 and divided by the volume's
 * maximum, as ../shared/peers/torch_dip_ref.py does; Gaussian noise σ =
 * 25/255 from our generator (pl_degrade_plane, seed).  The run goes the
 * whole budget (so the PSNR at 500/1000/1500/2000 can be printed) while
 * ES-WMV is followed alongside: the iteration where it would have stopped,
 * the iterate it chose (minimum window variance) and that iterate's
 * averaged output's PSNR/SSIM; and so is its variant on the averaged
 * outputs' variance (es_on_average).  dip_iter_ms: median wall time of one
 * iteration (perturbation, forward, loss, backward, Adam; metrics
 * excluded).  The clean slice is used for the figures only.  --trace writes
 * every iteration (loss against the noisy slice, PSNR of the output and of
 * the averaged output, ES-WMV window variance of the outputs and of the
 * averaged outputs, backtracked) as CSV, so that
 * stopping rules can be compared on whole runs. */
#define G_LOG_DOMAIN "pellucid-cli"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/core/gemm.h"
#include "engine/data/dataset.h"
#include "engine/data/metrics.h"
#include "engine/restore/degrade.h"
#include "engine/restore/dip.h"
#include "src/cli/commands.h"

#define COLIN "/usr/share/mricron/templates/ch2.nii.gz"

typedef struct
{
  GArray  *ms;
  int      patience;
  int      stop_at;          /* iteration where ES-WMV fires; 0: not yet */
  int      chosen;
  double   chosen_psnr_avg, chosen_psnr_raw;
  float   *chosen_avg;       /* averaged output at the current variance minimum */
  const float *clean;
  int      h, w;
  FILE    *trace;            /* --trace: one CSV row per iteration */
  /* the variant following the averaged outputs' variance, alongside */
  double   alt_min;
  int      alt_chosen, alt_stop_at;
  double   alt_psnr_avg;
} Follow;

static int
cmp_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static void
on_step (const PlDipStep *s, gpointer data)
{
  Follow *f = data;
  gsize n = (gsize) s->h * s->w;

  g_array_append_val (f->ms, s->iteration_ms);
  if (f->trace)
    fprintf (f->trace, "%d,%.8g,%.4f,%.4f,%.6g,%.6g,%d\n", s->iteration, s->loss, s->psnr,
             s->psnr_average, s->variance_raw, s->variance_average, s->backtracked);
  if (f->stop_at == 0 && s->min_variance_iteration == s->iteration)
    {
      memcpy (f->chosen_avg, s->average, n * sizeof (float));
      f->chosen = s->iteration;
      f->chosen_psnr_avg = s->psnr_average;
      f->chosen_psnr_raw = s->psnr;
    }
  if (f->stop_at == 0 && s->min_variance_iteration > 0 && s->since_min >= f->patience)
    f->stop_at = s->iteration;
  if (f->alt_stop_at == 0 && !isnan (s->variance_average) && !s->backtracked
      && s->variance_average < f->alt_min)
    {
      f->alt_min = s->variance_average;
      f->alt_chosen = s->iteration;
      f->alt_psnr_avg = s->psnr_average;
    }
  if (f->alt_stop_at == 0 && f->alt_chosen > 0 && s->iteration - f->alt_chosen >= f->patience)
    f->alt_stop_at = s->iteration;
  if (s->iteration % 500 == 0)
    {
      double ss = pl_ssim_value (s->output, f->clean, 1, s->h, s->w, 1.0f);
      printf ("iter %5d: PSNR %.2f dB  SSIM %.4f  (averaged %.2f dB)  loss %.6f  "
              "var %.3g (min at %d)  backtracks %d\n",
              s->iteration, s->psnr, ss, s->psnr_average, s->loss, s->variance,
              s->min_variance_iteration, s->n_backtracks);
      fflush (stdout);
    }
  else if (s->iteration % 100 == 0)
    {
      g_autoptr (GArray) c = g_array_copy (f->ms);
      g_array_sort (c, cmp_double);
      printf ("  iter %5d: PSNR %.2f dB (averaged %.2f)  var %.3g (min at %d)  median iter %.0f ms\n",
              s->iteration, s->psnr, s->psnr_average, s->variance, s->min_variance_iteration,
              g_array_index (c, double, c->len / 2));
      fflush (stdout);
    }
}

static int
cmp_float (const void *a, const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return x < y ? -1 : x > y;
}

/* Donoho's noise estimate: the median absolute finest-scale diagonal Haar
 * coefficient over 0.6745. */
static double
sigma_mad (const float *x, int h, int w)
{
  gsize n = (gsize) (h / 2) * (w / 2), k = 0;
  g_autofree float *d = g_new (float, MAX (n, 1));

  for (int i = 0; i + 1 < h; i += 2)
    for (int j = 0; j + 1 < w; j += 2)
      d[k++] = fabsf (x[(gsize) i * w + j] - x[(gsize) i * w + j + 1] - x[(gsize) (i + 1) * w + j]
                      + x[(gsize) (i + 1) * w + j + 1]) / 2.0f;
  qsort (d, k, sizeof (float), cmp_float);
  return k ? d[k / 2] / 0.6745 : NAN;
}

int
pel_cli_bench_dip (int argc, char **argv)
{
  int threads = 2, iters = 2000, slice = 90, seed = 0, patience = -1;
  g_autofree char *trace = NULL;
  const GOptionEntry entries[] = {
    { "iters", 'n', 0, G_OPTION_ARG_INT, &iters, "Iterations (2000)", "N" },
    { "patience", 0, 0, G_OPTION_ARG_INT, &patience, "ES-WMV patience (the default of denoise)", "P" },
    { "slice", 0, 0, G_OPTION_ARG_INT, &slice, "Axial slice (90)", "Z" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "Seed (0)", "S" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "Threads (2)", "T" },
    { "trace", 0, 0, G_OPTION_ARG_FILENAME, &trace, "Write every iteration's figures as CSV", "FILE" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("dip-ref");
  g_autoptr (GError) error = NULL;
  g_autoptr (PlVolume) vol = NULL;
  g_autoptr (PlDipResult) r = NULL;
  g_autofree float *sl = NULL, *clean = NULL, *noisy = NULL;
  PlDegradeSettings ds;
  PlDipSettings dip;
  Follow f = { 0 };
  int axis, h, w, wh, ww, oy, ox;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "pellucid-cli bench dip-ref: %s\n", error->message);
      return 2;
    }
  if (threads < 1 || iters < 1)
    {
      fprintf (stderr, "pellucid-cli bench dip-ref: bad --threads or --iters\n");
      return 2;
    }
  pl_engine_set_threads (threads);
  vol = pl_volume_load (COLIN, 0, NULL, &error);
  if (!vol)
    {
      fprintf (stderr, "pellucid-cli bench: %s (install mricron-data)\n", error->message);
      return 1;
    }
  axis = pl_volume_axial_axis (vol);
  pl_slice_dims (vol->dim, axis, &h, &w);
  if (slice < 0 || slice >= vol->dim[axis])
    {
      fprintf (stderr, "pellucid-cli bench dip-ref: no slice %d\n", slice);
      return 2;
    }
  pl_fit_window (h, w, 16, PL_FIT_CROP, &wh, &ww, &oy, &ox);
  sl = g_new (float, (gsize) h * w);
  clean = g_new (float, (gsize) wh * ww);
  pl_volume_get_slice (vol, axis, slice, sl);
  for (gsize i = 0; i < (gsize) h * w; i++)
    sl[i] /= vol->max;
  pl_window_extract_f32 (sl, h, w, oy, ox, wh, ww, 0.0f, clean);
  noisy = g_memdup2 (clean, (gsize) wh * ww * sizeof (float));
  pl_degrade_settings_init (&ds);
  ds.scale = 1.0;
  ds.seed = seed;
  pl_degrade_plane (noisy, ww, wh, slice, &ds);

  pl_dip_settings_init (&dip);
  dip.max_iterations = iters;
  dip.seed = seed;
  dip.early_stop = FALSE;
  dip.metrics_every = 0;
  if (patience > 0)
    dip.es_patience = patience;
  f.patience = dip.es_patience;
  f.chosen_avg = g_new (float, (gsize) wh * ww);
  f.alt_min = INFINITY;
  f.ms = g_array_new (FALSE, FALSE, sizeof (double));
  f.clean = clean;
  f.h = wh;
  f.w = ww;

  if (trace)
    {
      f.trace = fopen (trace, "w");
      if (!f.trace)
        {
          fprintf (stderr, "pellucid-cli bench dip-ref: %s: %s\n", trace, g_strerror (errno));
          g_free (f.chosen_avg);
          g_array_unref (f.ms);
          return 1;
        }
      fprintf (f.trace, "iteration,loss,psnr,psnr_average,variance,variance_average,backtracked\n");
    }
  printf ("workload: dip-ref  slice z=%d %dx%d  iters=%d  threads=%d  ES-WMV window %d patience %d\n",
          slice, wh, ww, iters, threads, dip.es_window, dip.es_patience);
  printf ("noisy input: PSNR %.2f dB  SSIM %.4f  noise σ %.5f, estimated from it %.5f\n",
          pl_psnr (noisy, clean, (gsize) wh * ww, 1.0), pl_ssim_value (noisy, clean, 1, wh, ww, 1.0f),
          ds.level, sigma_mad (noisy, wh, ww));
  fflush (stdout);
  r = pl_dip_denoise (noisy, clean, wh, ww, &dip, on_step, &f, NULL, &error);
  if (f.trace && fclose (f.trace) != 0 && r)
    fprintf (stderr, "pellucid-cli bench dip-ref: %s: %s\n", trace, g_strerror (errno));
  if (!r)
    {
      fprintf (stderr, "pellucid-cli bench dip-ref: %s\n", error->message);
      g_free (f.chosen_avg);
      g_array_unref (f.ms);
      return 1;
    }
  printf ("dip_iter_ms: %.1f  (median over %d iterations)\n", r->ms_per_iteration, r->iterations);
  printf ("best PSNR iteration %d: PSNR %.2f dB;  best averaged output at %d: %.2f dB  "
          "(oracle, uses the clean slice)\n",
          r->best_psnr_iteration, r->best_psnr, r->best_psnr_average_iteration, r->best_psnr_average);
  if (f.chosen > 0)
    printf ("ES-WMV: %s at iteration %d; chosen iterate %d: averaged output PSNR %.2f dB  SSIM %.4f  "
            "(raw output %.2f dB)\n",
            f.stop_at ? "stopped" : "not triggered within the budget", f.stop_at ? f.stop_at : iters,
            f.chosen, f.chosen_psnr_avg, pl_ssim_value (f.chosen_avg, clean, 1, wh, ww, 1.0f),
            f.chosen_psnr_raw);
  if (f.alt_chosen > 0)
    printf ("ES-WMV on the averaged outputs' variance (es_on_average): %s at iteration %d; chosen iterate %d: "
            "averaged output PSNR %.2f dB\n",
            f.alt_stop_at ? "stopped" : "not triggered within the budget", f.alt_stop_at ? f.alt_stop_at : iters,
            f.alt_chosen, f.alt_psnr_avg);
  printf ("backtracks: %d;  total %.0f s\n", r->n_backtracks, r->seconds);
  printf ("RESULT_JSON {\"workload\":\"dip-ref\",\"dip_iter_ms\":%.2f,\"best_psnr\":%.3f,"
          "\"best_iteration\":%d,\"es_stop\":%d,\"es_chosen\":%d,\"es_psnr\":%.3f}\n",
          r->ms_per_iteration, r->best_psnr, r->best_psnr_iteration, f.stop_at, f.chosen,
          f.chosen_psnr_avg);
  g_free (f.chosen_avg);
  g_array_unref (f.ms);
  return 0;
}
