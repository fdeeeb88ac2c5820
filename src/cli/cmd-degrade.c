/* pellucid-cli degrade: corrupt a volume for restoration experiments.
 *
 *   pellucid-cli degrade IN OUT [--noise gaussian|rician|poisson|downsample]
 *                        [--level 0.098] [--factor 2] [--scale S] [--seed 0]
 *                        [--slice K] [--axis axial]
 *
 * Writes OUT (float32 NIfTI on IN's exact grid) and prints JSON: the
 * settings and the degraded volume's MAE/MSE/NMSE/PSNR/SSIM against IN (the
 * clean reference), over the degraded planes.  Levels are fractions of the
 * scale (the volume's maximum unless --scale): see engine/restore/degrade.h. */
#define G_LOG_DOMAIN "pellucid-cli"

#include <stdio.h>
#include <string.h>

#include "engine/data/dataset.h"
#include "engine/restore/compare.h"
#include "engine/restore/degrade.h"
#include "src/cli/commands.h"

int
pel_cli_degrade (int argc, char **argv)
{
  g_autofree char *noise = NULL, *axis_name = NULL;
  PlDegradeSettings s;
  gint64 seed = 0, slice = -1;
  double level, scale = 0.0;
  int factor;
  g_autoptr (GOptionContext) context = g_option_context_new ("IN OUT");
  g_autoptr (GError) error = NULL;
  g_autoptr (PlVolume) clean = NULL, out = NULL;
  g_autofree float *a = NULL, *b = NULL;
  g_autofree char *metrics = NULL;
  PlCompare cmp;
  int kind, h, w, n_planes;

  pl_degrade_settings_init (&s);
  level = s.level;
  factor = s.factor;
  {
    const GOptionEntry entries[] = {
      { "noise", 'n', 0, G_OPTION_ARG_STRING, &noise,
        "gaussian (default), rician, poisson or downsample", "KIND" },
      { "level", 'l', 0, G_OPTION_ARG_DOUBLE, &level,
        "Noise σ as a fraction of the scale (25/255)", "L" },
      { "factor", 'f', 0, G_OPTION_ARG_INT, &factor, "Downsampling factor, 2 or 4 (2)", "F" },
      { "scale", 0, 0, G_OPTION_ARG_DOUBLE, &scale, "Intensity scale (the volume's maximum)", "S" },
      { "seed", 's', 0, G_OPTION_ARG_INT64, &seed, "Seed (0)", "SEED" },
      { "slice", 'k', 0, G_OPTION_ARG_INT64, &slice, "Degrade only this slice (all)", "K" },
      { "axis", 'a', 0, G_OPTION_ARG_STRING, &axis_name, "Slice axis (axial)", "AXIS" },
      { NULL }
    };
    g_option_context_set_summary (context, "Adds noise or lowers the resolution of IN; writes OUT on the same grid.");
    g_option_context_add_main_entries (context, entries, NULL);
    if (!g_option_context_parse (context, &argc, &argv, &error))
      {
        fprintf (stderr, "pellucid-cli degrade: %s\n", error->message);
        return 2;
      }
  }
  if (argc != 3)
    {
      fprintf (stderr, "Usage: pellucid-cli degrade IN OUT [--noise KIND] [--level L] [--factor F] "
                       "[--seed S] [--slice K]\n");
      return 2;
    }
  kind = pl_degrade_kind_from_name (noise ? noise : "gaussian");
  if (kind < 0)
    {
      fprintf (stderr, "pellucid-cli degrade: unknown noise '%s' (gaussian, rician, poisson, downsample)\n",
               noise);
      return 2;
    }
  s.kind = kind;
  s.level = level;
  s.factor = factor;
  s.scale = scale;
  s.seed = (guint64) seed;
  s.slice = slice;
  clean = pl_volume_load (argv[1], 0, NULL, &error);
  if (!clean)
    {
      fprintf (stderr, "pellucid-cli degrade: %s\n", error->message);
      return 1;
    }
  s.axis = pl_axis_from_name (clean, axis_name ? axis_name : "axial");
  if (s.axis < 0)
    {
      fprintf (stderr, "pellucid-cli degrade: unknown axis '%s'\n", axis_name);
      return 2;
    }
  out = pl_degrade_volume (clean, &s, &error);
  if (!out || !pl_volume_save (out, argv[2], &error))
    {
      fprintf (stderr, "pellucid-cli degrade: %s\n", error->message);
      return 1;
    }
  pl_slice_dims (clean->dim, s.axis, &h, &w);
  n_planes = slice >= 0 ? 1 : (int) clean->dim[s.axis];
  a = g_new (float, (gsize) n_planes * h * w);
  b = g_new (float, (gsize) n_planes * h * w);
  for (int p = 0; p < n_planes; p++)
    {
      gint64 k = slice >= 0 ? slice : p;
      pl_volume_get_slice (out, s.axis, k, a + (gsize) p * h * w);
      pl_volume_get_slice (clean, s.axis, k, b + (gsize) p * h * w);
    }
  /* PSNR over the volume's range, as the literature's σ = 25/255 on [0, 1] */
  pl_compare (a, b, n_planes, h, w, clean->max - clean->min, &cmp);
  metrics = pl_compare_to_json (&cmp);
  printf ("{\"input\": \"%s\", \"output\": \"%s\", \"noise\": \"%s\", \"level\": %g, \"factor\": %d, "
          "\"seed\": %" G_GINT64_FORMAT ", \"slice\": %" G_GINT64_FORMAT ", \"metrics\": %s}\n",
          argv[1], argv[2], pl_degrade_kind_name (s.kind), s.level, s.factor, seed, slice, metrics);
  return 0;
}
