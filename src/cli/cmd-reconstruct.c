/* pellucid-cli reconstruct: simulated parallel-beam CT of one slice.
 *
 *   pellucid-cli reconstruct IN OUT --method fbp|dip-tv [--filter ramp|hann]
 *                            [--slice K] [--axis axial] [--angles 60]
 *                            [--noise 0.01] [--seed 0] [--threads 2]
 *                            [--iters 3000] [--gamma 1e-3] [--lr 1e-3]
 *                            [--patience 1000] [--warm 200] [--no-skips] [--skip-channels N]
 *                            [--input-noise 0] [--data-term plain|ramp|hann]
 *                            [--trace FILE.csv]
 *
 * As ../shared/peers/radon_anchor.py: the slice divided by its maximum,
 * zero-padded into the centred n × n square, n = ⌈√2 · max (H, W)⌉ (so
 * every ray sees the whole slice), projected at `angles` angles over 180°
 * with n detectors (engine/ops/radon.c), Gaussian noise of σ = noise × the
 * sinogram's maximum added (engine/restore/ct.h), reconstructed by filtered
 * back projection or by deep image prior + TV (pl_ct_dip_tv on the slice's
 * grid, pl_ct_geometry; the iterate chosen by ES-WMV, the clean slice used
 * only for the figures), clipped to [0, 1].  OUT is IN with the slice replaced by
 * the reconstruction (times the slice's maximum), on IN's exact grid.
 * Prints JSON: MAE/MSE/NMSE/PSNR/SSIM of the reconstruction against the
 * slice over the H × W slice (range 1). */
#define G_LOG_DOMAIN "pellucid-cli"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/core/gemm.h"
#include "engine/data/dataset.h"
#include "engine/restore/compare.h"
#include "engine/restore/ct.h"
#include "src/cli/commands.h"

static void
on_step (const PlDipStep *s, gpointer data)
{
  FILE *trace = data;

  if (trace)
    fprintf (trace, "%d,%.8g,%.4f,%.4f,%.6g\n", s->iteration, s->loss, s->psnr, s->psnr_average, s->variance);
  if (s->iteration % 100 == 0)
    fprintf (stderr, "dip-tv: iteration %d  loss %.6g  PSNR %.2f dB (averaged %.2f)  variance %.3g (minimum at %d)\n",
             s->iteration, s->loss, s->psnr, s->psnr_average, s->variance, s->min_variance_iteration);
}

int
pel_cli_reconstruct (int argc, char **argv)
{
  g_autofree char *method = NULL, *filter_name = NULL, *axis_name = NULL, *term_name = NULL;
  g_autofree char *trace_name = NULL;
  gint64 slice = -1, seed = 0;
  int angles = 60, threads = 2, axis, h, w, n, oy, ox, filter, term;
  double noise = 0.01;
  PlCtDipSettings dip;
  PlCtGeometry geo;
  int iters, patience, warm, skip_channels;
  double gamma, lr, input_noise;
  gboolean skips;
  gboolean use_dip;
  g_autoptr (GOptionContext) context = g_option_context_new ("IN OUT");
  g_autoptr (GError) error = NULL;
  g_autoptr (PlVolume) vol = NULL, out = NULL;
  g_autofree float *sl = NULL, *img = NULL, *y = NULL, *rec = NULL, *crop = NULL;
  g_autofree char *metrics = NULL;
  PlCompare cmp;
  float mx = 0.0f;
  gint64 t0;

  pl_ct_dip_settings_init (&dip);
  iters = dip.dip.max_iterations;
  patience = dip.dip.es_patience;
  gamma = dip.gamma;
  lr = dip.dip.lr;
  input_noise = dip.dip.input_noise;
  warm = dip.dip.warm_iterations;
  skips = dip.dip.skip;
  skip_channels = dip.dip.skip_channels;
  {
    const GOptionEntry entries[] = {
      { "method", 'm', 0, G_OPTION_ARG_STRING, &method, "fbp (filtered back projection) or dip-tv", "METHOD" },
      { "iters", 'n', 0, G_OPTION_ARG_INT, &iters, "dip-tv: iteration budget (3000)", "N" },
      { "patience", 0, 0, G_OPTION_ARG_INT, &patience, "dip-tv: ES-WMV patience (1000)", "P" },
      { "gamma", 0, 0, G_OPTION_ARG_DOUBLE, &gamma, "dip-tv: TV weight (1e-3)", "G" },
      { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &lr, "dip-tv: Adam learning rate (1e-3)", "LR" },
      { "input-noise", 0, 0, G_OPTION_ARG_DOUBLE, &input_noise, "dip-tv: σ of the input's perturbation each iteration (0)", "S" },
      { "trace", 0, 0, G_OPTION_ARG_FILENAME, &trace_name, "dip-tv: every iteration's loss, PSNR, averaged PSNR and window variance as CSV", "FILE" },
      { "warm", 0, 0, G_OPTION_ARG_INT, &warm, "dip-tv: iterations fitting the network to FBP Hann first (200; at most half the budget)", "N" },
      { "no-skips", 0, G_OPTION_FLAG_REVERSE, G_OPTION_ARG_NONE, &skips, "dip-tv: dip-ref's network without skip connections", NULL },
      { "skip-channels", 0, 0, G_OPTION_ARG_INT, &skip_channels, "dip-tv: narrow each skip to N channels by a 1×1 convolution (0: whole)", "N" },
      { "data-term", 0, 0, G_OPTION_ARG_STRING, &term_name, "dip-tv: plain ‖Ax − y‖², or weighted by the ramp filter (ramp) or the ramp times a Hann window (hann)", "TERM" },
      { "filter", 'f', 0, G_OPTION_ARG_STRING, &filter_name, "FBP filter: ramp (default) or hann", "F" },
      { "slice", 'k', 0, G_OPTION_ARG_INT64, &slice, "Slice (the middle one)", "K" },
      { "axis", 'a', 0, G_OPTION_ARG_STRING, &axis_name, "Slice axis (axial)", "AXIS" },
      { "angles", 0, 0, G_OPTION_ARG_INT, &angles, "Projection angles over 180° (60)", "N" },
      { "noise", 0, 0, G_OPTION_ARG_DOUBLE, &noise, "Noise σ as a fraction of the sinogram maximum (0.01)", "S" },
      { "seed", 's', 0, G_OPTION_ARG_INT64, &seed, "Seed (0)", "SEED" },
      { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "Threads (2)", "T" },
      { NULL }
    };
    g_option_context_set_summary (context, "Simulates a CT scan of one slice of IN and reconstructs it.");
    g_option_context_add_main_entries (context, entries, NULL);
    if (!g_option_context_parse (context, &argc, &argv, &error))
      {
        fprintf (stderr, "pellucid-cli reconstruct: %s\n", error->message);
        return 2;
      }
  }
  if (argc != 3 || threads < 1 || angles < 1 || angles > 10000 || !(noise >= 0.0 && noise < 100.0))
    {
      fprintf (stderr, "Usage: pellucid-cli reconstruct IN OUT --method fbp [--filter ramp|hann] "
                       "[--slice K] [--angles 60] [--noise 0.01]\n");
      return 2;
    }
  use_dip = g_strcmp0 (method, "dip-tv") == 0;
  if (!use_dip && g_strcmp0 (method ? method : "fbp", "fbp") != 0)
    {
      fprintf (stderr, "pellucid-cli reconstruct: unknown method '%s' (fbp, dip-tv)\n", method);
      return 2;
    }
  dip.dip.max_iterations = iters;
  dip.dip.es_patience = patience;
  dip.dip.lr = (float) lr;
  dip.dip.input_noise = (float) input_noise;
  dip.dip.skip = skips;
  dip.dip.skip_channels = skip_channels;
  dip.dip.warm_iterations = warm;
  /* a budget shorter than the warm start gets a shorter one, as pl_ct_dip_tv does */
  dip.dip.warm_iterations = pl_ct_dip_warm_iterations (&dip);
  dip.gamma = gamma;
  if (!pl_dip_settings_check (&dip.dip, &error) || !(gamma >= 0.0))
    {
      fprintf (stderr, "pellucid-cli reconstruct: %s\n", error ? error->message : "the TV weight must be ≥ 0");
      return 2;
    }
  term = pl_ct_data_term_from_name (term_name ? term_name : pl_ct_data_term_name (dip.data_term));
  if (term < 0)
    {
      fprintf (stderr, "pellucid-cli reconstruct: unknown data term '%s' (plain, ramp, hann)\n", term_name);
      return 2;
    }
  dip.data_term = (PlCtDataTerm) term;
  filter = pl_ct_filter_from_name (filter_name ? filter_name : "ramp");
  if (filter < 0)
    {
      fprintf (stderr, "pellucid-cli reconstruct: unknown filter '%s' (ramp, hann)\n", filter_name);
      return 2;
    }
  pl_engine_set_threads (threads);
  vol = pl_volume_load (argv[1], 0, NULL, &error);
  if (!vol)
    {
      fprintf (stderr, "pellucid-cli reconstruct: %s\n", error->message);
      return 1;
    }
  axis = pl_axis_from_name (vol, axis_name ? axis_name : "axial");
  if (axis < 0)
    {
      fprintf (stderr, "pellucid-cli reconstruct: unknown axis '%s'\n", axis_name);
      return 2;
    }
  if (slice < 0)
    slice = vol->dim[axis] / 2;
  if (slice >= vol->dim[axis])
    {
      fprintf (stderr, "pellucid-cli reconstruct: slice %" G_GINT64_FORMAT " is not within 0…%"
               G_GINT64_FORMAT "\n", slice, vol->dim[axis] - 1);
      return 2;
    }
  pl_slice_dims (vol->dim, axis, &h, &w);
  if (!pl_ct_geometry (h, w, &geo))
    {
      fprintf (stderr, "pellucid-cli reconstruct: %s: slices of %d × %d are too large\n", argv[1], h, w);
      return 1;
    }
  n = geo.n;
  sl = g_new (float, (gsize) h * w);
  pl_volume_get_slice (vol, axis, slice, sl);
  for (gsize i = 0; i < (gsize) h * w; i++)
    mx = MAX (mx, sl[i]);
  if (!(mx > 0.0f))
    {
      fprintf (stderr, "pellucid-cli reconstruct: %s: slice %" G_GINT64_FORMAT " is empty\n", argv[1], slice);
      return 1;
    }
  for (gsize i = 0; i < (gsize) h * w; i++)
    sl[i] /= mx;
  oy = geo.oy;
  ox = geo.ox;
  img = g_new0 (float, (gsize) n * n);
  pl_window_extract_f32 (sl, h, w, -oy, -ox, n, n, 0.0f, img);
  y = g_new (float, (gsize) angles * n);
  rec = g_new (float, (gsize) n * n);
  crop = g_new (float, (gsize) h * w);
  pl_ct_measure (img, n, n, angles, n, noise, (guint64) seed, y);
  t0 = g_get_monotonic_time ();
  if (use_dip)
    {
      /* on the slice's grid (pl_ct_geometry); the rays outside it cross zeros */
      int dh = geo.dh, dw = geo.dw, doy = geo.doy, dox = geo.dox;
      g_autofree float *ref = g_new (float, (gsize) dh * dw);
      g_autoptr (PlDipResult) r = NULL;

      FILE *trace = NULL;

      if (trace_name)
        {
          trace = fopen (trace_name, "w");
          if (!trace)
            {
              fprintf (stderr, "pellucid-cli reconstruct: %s: %s\n", trace_name, g_strerror (errno));
              return 1;
            }
          fprintf (trace, "iteration,loss,psnr,psnr_average,variance\n");
        }
      pl_window_extract_f32 (img, n, n, doy, dox, dh, dw, 0.0f, ref);
      r = pl_ct_dip_tv (y, angles, n, dh, dw, ref, &dip, on_step, trace, NULL, &error);
      if (trace && fclose (trace) != 0)
        fprintf (stderr, "pellucid-cli reconstruct: %s: %s\n", trace_name, g_strerror (errno));
      if (!r)
        {
          fprintf (stderr, "pellucid-cli reconstruct: %s\n", error->message);
          return 1;
        }
      memset (rec, 0, (gsize) n * n * sizeof (float));
      pl_window_extract_f32 (r->output, dh, dw, -doy, -dox, n, n, 0.0f, rec);
      fprintf (stderr, "dip-tv: %s after %d iterations, chosen iterate %d\n",
               pl_dip_stop_name (r->stop), r->iterations, r->chosen_iteration);
    }
  else
    pl_ct_fbp (y, angles, n, filter, n, n, rec);
  t0 = g_get_monotonic_time () - t0;
  for (gsize i = 0; i < (gsize) n * n; i++)
    rec[i] = CLAMP (rec[i], 0.0f, 1.0f);
  pl_window_extract_f32 (rec, n, n, oy, ox, h, w, 0.0f, crop);
  pl_compare (crop, sl, 1, h, w, 1.0, &cmp);
  metrics = pl_compare_to_json (&cmp);

  out = pl_volume_copy (vol);
  {
    gsize sh, sw, off;
    pl_slice_strides (vol->dim, axis, slice, &sh, &sw, &off);
    for (int i = 0; i < h; i++)
      for (int j = 0; j < w; j++)
        out->data[off + i * sh + j * sw] = crop[(gsize) i * w + j] * mx;
  }
  pl_volume_update_stats (out);
  if (!pl_volume_save (out, argv[2], &error))
    {
      fprintf (stderr, "pellucid-cli reconstruct: %s\n", error->message);
      return 1;
    }
  printf ("{\"input\": \"%s\", \"output\": \"%s\", \"method\": \"%s\", \"filter\": \"%s\", "
          "\"slice\": %" G_GINT64_FORMAT ", \"angles\": %d, \"detectors\": %d, \"noise\": %g, "
          "\"seed\": %" G_GINT64_FORMAT ", \"reconstruction_ms\": %.1f, \"metrics\": %s}\n",
          argv[1], argv[2], use_dip ? "dip-tv" : "fbp", use_dip ? "none" : pl_ct_filter_name (filter), slice, angles, n, noise, seed, t0 * 1e-3, metrics);
  return 0;
}
