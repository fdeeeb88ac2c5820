/* pellucid-cli denoise: restore a noisy volume's slices.
 *
 *   pellucid-cli denoise IN OUT --method dip [--reference CLEAN]
 *                        [--slice K | --first A --last B] [--axis axial]
 *                        [--iters 3000] [--patience 1000] [--no-early-stop]
 *                        [--seed 0] [--threads 2]
 *
 * --method n2n|n2c|pair|supervised: a restoration network trained on the
 * volume's slices, with its own options (cmd-denoise-net.c).
 *
 * dip: deep image prior on each slice (engine/restore/dip.h, the defaults
 * of the Restore panel), intensities divided by IN's maximum and multiplied
 * back.  OUT is IN with the processed slices replaced (float32 NIfTI on
 * IN's exact grid).  Prints JSON: per slice where and why the fit stopped;
 * with --reference (used for the figures only, never to fit or stop) the
 * MAE/MSE/NMSE/PSNR/SSIM of IN and of OUT over the processed slices, range
 * = the reference's max − min. */
#define G_LOG_DOMAIN "pellucid-cli"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/core/gemm.h"
#include "engine/data/dataset.h"
#include "engine/restore/compare.h"
#include "engine/restore/dip.h"
#include "src/cli/commands.h"

static void
on_step (const PlDipStep *s, gpointer data)
{
  const gint64 *slice = data;
  if (s->iteration % 100 == 0 || s->state != PL_DIP_RUNNING)
    fprintf (stderr, "slice %" G_GINT64_FORMAT ": iteration %d  loss %.6f  variance %.3g (minimum at %d)%s\n",
             *slice, s->iteration, s->loss, s->variance, s->min_variance_iteration,
             s->state != PL_DIP_RUNNING ? "  stopped" : "");
}

int
pel_cli_denoise (int argc, char **argv)
{
  g_autofree char *method = NULL, *ref_path = NULL, *axis_name = NULL;
  gint64 slice = -1, first = -1, last = -1, seed = 0;
  int threads = 2, iters, patience;
  gboolean no_es = FALSE;
  PlDipSettings dip;
  g_autoptr (GOptionContext) context = g_option_context_new ("IN OUT");
  g_autoptr (GError) error = NULL;
  g_autoptr (PlVolume) noisy = NULL, ref = NULL, out = NULL;
  g_autoptr (GString) json = g_string_new ("{");
  g_autofree float *in_all = NULL, *out_all = NULL, *ref_all = NULL;
  int axis, h, w, n_done = 0;
  float scale;

  /* the restoration networks have their own options (cmd-denoise-net.c) */
  for (int i = 1; i < argc; i++)
    {
      const char *m = NULL;
      if ((g_str_equal (argv[i], "--method") || g_str_equal (argv[i], "-m")) && i + 1 < argc)
        m = argv[i + 1];
      else if (g_str_has_prefix (argv[i], "--method="))
        m = argv[i] + strlen ("--method=");
      if (m && !g_str_equal (m, "dip"))
        return pel_cli_denoise_net (argc, argv);
    }
  pl_dip_settings_init (&dip);
  iters = dip.max_iterations;
  patience = dip.es_patience;
  {
    const GOptionEntry entries[] = {
      { "method", 'm', 0, G_OPTION_ARG_STRING, &method, "dip (deep image prior)", "METHOD" },
      { "reference", 'r', 0, G_OPTION_ARG_FILENAME, &ref_path, "Clean volume, for the figures only", "CLEAN" },
      { "slice", 'k', 0, G_OPTION_ARG_INT64, &slice, "The one slice to restore", "K" },
      { "first", 0, 0, G_OPTION_ARG_INT64, &first, "First slice of a range", "A" },
      { "last", 0, 0, G_OPTION_ARG_INT64, &last, "Last slice of a range", "B" },
      { "axis", 'a', 0, G_OPTION_ARG_STRING, &axis_name, "Slice axis (axial)", "AXIS" },
      { "iters", 'n', 0, G_OPTION_ARG_INT, &iters, "Iteration budget (3000)", "N" },
      { "patience", 0, 0, G_OPTION_ARG_INT, &patience, "ES-WMV patience (1000)", "P" },
      { "no-early-stop", 0, 0, G_OPTION_ARG_NONE, &no_es, "Run the whole budget", NULL },
      { "seed", 's', 0, G_OPTION_ARG_INT64, &seed, "Seed (0)", "SEED" },
      { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "Threads (2)", "T" },
      { NULL }
    };
    g_option_context_set_summary (context, "Restores the slices of a noisy volume; writes OUT on IN's grid.");
    g_option_context_add_main_entries (context, entries, NULL);
    if (!g_option_context_parse (context, &argc, &argv, &error))
      {
        fprintf (stderr, "pellucid-cli denoise: %s\n", error->message);
        return 2;
      }
  }
  if (argc != 3 || threads < 1 || (slice >= 0 && (first >= 0 || last >= 0)))
    {
      fprintf (stderr, "Usage: pellucid-cli denoise IN OUT --method dip [--reference CLEAN] "
                       "[--slice K | --first A --last B]\n");
      return 2;
    }
  if (g_strcmp0 (method ? method : "dip", "dip") != 0)
    {
      fprintf (stderr, "pellucid-cli denoise: unknown method '%s' (available: dip)\n", method);
      return 2;
    }
  dip.max_iterations = iters;
  dip.es_patience = patience;
  dip.early_stop = !no_es;
  dip.seed = (guint64) seed;
  if (!pl_dip_settings_check (&dip, &error))
    {
      fprintf (stderr, "pellucid-cli denoise: %s\n", error->message);
      return 2;
    }
  pl_engine_set_threads (threads);
  noisy = pl_volume_load (argv[1], 0, NULL, &error);
  if (noisy && ref_path)
    ref = pl_volume_load (ref_path, 0, NULL, &error);
  if (!noisy || (ref_path && !ref))
    {
      fprintf (stderr, "pellucid-cli denoise: %s\n", error->message);
      return 1;
    }
  if (ref && memcmp (ref->dim, noisy->dim, sizeof ref->dim) != 0)
    {
      fprintf (stderr, "pellucid-cli denoise: %s is not on the grid of %s\n", ref_path, argv[1]);
      return 1;
    }
  axis = pl_axis_from_name (noisy, axis_name ? axis_name : "axial");
  if (axis < 0)
    {
      fprintf (stderr, "pellucid-cli denoise: unknown axis '%s'\n", axis_name);
      return 2;
    }
  if (slice >= 0)
    first = last = slice;
  if (first < 0)
    first = 0;
  if (last < 0)
    last = noisy->dim[axis] - 1;
  if (first > last || last >= noisy->dim[axis])
    {
      fprintf (stderr, "pellucid-cli denoise: slices %" G_GINT64_FORMAT "…%" G_GINT64_FORMAT
               " are not within 0…%" G_GINT64_FORMAT "\n", first, last, noisy->dim[axis] - 1);
      return 2;
    }
  scale = noisy->max > 0.0f ? noisy->max : 1.0f;
  pl_slice_dims (noisy->dim, axis, &h, &w);
  out = pl_volume_copy (noisy);
  in_all = g_new (float, (gsize) (last - first + 1) * h * w);
  out_all = g_new (float, (gsize) (last - first + 1) * h * w);
  if (ref)
    ref_all = g_new (float, (gsize) (last - first + 1) * h * w);
  g_string_append_printf (json, "\"input\": \"%s\", \"output\": \"%s\", \"method\": \"dip\", \"slices\": [",
                          argv[1], argv[2]);
  for (gint64 k = first; k <= last; k++, n_done++)
    {
      gsize plane = (gsize) h * w, sh, sw, off;
      float *in = in_all + n_done * plane, *res = out_all + n_done * plane;
      float *cl = ref ? ref_all + n_done * plane : NULL;
      g_autoptr (PlDipResult) r = NULL;

      pl_volume_get_slice (noisy, axis, k, in);
      if (cl)
        pl_volume_get_slice (ref, axis, k, cl);
      for (gsize i = 0; i < plane; i++)
        {
          in[i] /= scale;
          if (cl)
            cl[i] /= scale;
        }
      r = pl_dip_denoise (in, cl, h, w, &dip, on_step, &k, NULL, &error);
      if (!r)
        {
          fprintf (stderr, "pellucid-cli denoise: slice %" G_GINT64_FORMAT ": %s\n", k, error->message);
          return 1;
        }
      pl_slice_strides (noisy->dim, axis, k, &sh, &sw, &off);
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          {
            float v = r->output[(gsize) y * w + x];
            res[(gsize) y * w + x] = v;
            out->data[off + y * sh + x * sw] = v * scale;
          }
      g_string_append_printf (json, "%s{\"slice\": %" G_GINT64_FORMAT ", \"iterations\": %d, "
                              "\"chosen_iteration\": %d, \"stop\": \"%s\", \"backtracks\": %d, "
                              "\"final_loss\": %.6g, \"ms_per_iteration\": %.1f}",
                              k > first ? ", " : "", k, r->iterations, r->chosen_iteration,
                              pl_dip_stop_name (r->stop), r->n_backtracks, r->final_loss,
                              r->ms_per_iteration);
    }
  g_string_append (json, "]");
  pl_volume_update_stats (out);
  if (!pl_volume_save (out, argv[2], &error))
    {
      fprintf (stderr, "pellucid-cli denoise: %s\n", error->message);
      return 1;
    }
  if (ref)
    {
      PlCompare a, b;
      g_autofree char *ja = NULL, *jb = NULL;
      double range = (ref->max - ref->min) / scale;
      pl_compare (in_all, ref_all, n_done, h, w, range, &a);
      pl_compare (out_all, ref_all, n_done, h, w, range, &b);
      /* errors in the volume's units: the figures were on intensities / scale */
      a.mae *= scale; b.mae *= scale;
      a.mse *= (double) scale * scale; b.mse *= (double) scale * scale;
      a.range = b.range = ref->max - ref->min;
      ja = pl_compare_to_json (&a);
      jb = pl_compare_to_json (&b);
      g_string_append_printf (json, ", \"input_metrics\": %s, \"metrics\": %s", ja, jb);
    }
  g_string_append (json, "}\n");
  fputs (json->str, stdout);
  return 0;
}
