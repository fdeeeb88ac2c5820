/* pellucid-cli bench saliency-ref: the saliency-ref workload of
 * reference-workloads.md, beside ../shared/peers/torch_saliency_ref.py.
 *
 *   pellucid-cli bench saliency-ref [--model M] [--slice 90] [--threads 2]
 *                                   [--only METHOD] [--occlusion-whole]
 *
 * On colin27's axial slice 90 in the trainer's centre crop (176×208), the
 * target the sum of the class-1 logits over the predicted class-1 region
 * (the class with label value 1 of M, or output 1 of an untrained unet2d-ref
 * with the peer's /max normalisation when M is not given): one line per map,
 * `<method>_ms: N`, the median of 5 runs (occlusion: 3) after one warm-up,
 * each including its forward pass(es).  Maps as the peer's: gradient,
 * gradient × input, guided backpropagation, Grad-CAM on the bottleneck,
 * LRP-ε (ε = 1e-6), LRP-z⁺ (α = 1, β = 0; zᴮ on the first layer) and
 * occlusion (patch 16, stride 8, fill 0).  --only: that line alone;
 * --occlusion-whole adds `occlusion_whole_ms`, the same occlusion map from
 * whole forwards in batches (what the patch-local recomputation saves). */
#define G_LOG_DOMAIN "pellucid-cli"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/gemm.h"
#include "engine/explain/explain.h"
#include "src/cli/commands.h"

#define COLIN "/usr/share/mricron/templates/ch2.nii.gz"

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

int
pel_cli_bench_saliency (int argc, char **argv)
{
  g_autofree char *model_path = NULL;
  gint64 slice = 90;
  int threads = 2;
  g_autofree char *only = NULL;
  gboolean whole = FALSE;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "Trained model (untrained unet2d-ref)", "M" },
    { "slice", 'z', 0, G_OPTION_ARG_INT64, &slice, "Axial slice (90)", "Z" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "Threads (2)", "N" },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only, "Only this map (e.g. occlusion)", "METHOD" },
    { "occlusion-whole", 0, 0, G_OPTION_ARG_NONE, &whole,
      "Also occlusion from whole forwards (occlusion_whole_ms)", NULL },
    { NULL }
  };
  static const struct { const char *out, *method, *settings; int reps; } maps[] = {
    { "gradient", "grad", NULL, 5 },
    { "gradient_x_input", "gradxinput", NULL, 5 },
    { "guided", "guided", NULL, 5 },
    { "gradcam", "gradcam", "layer=0", 5 },
    { "lrp_eps", "lrp-eps", "epsilon=1e-6,zb=0", 5 },
    { "lrp_ab", "lrp-ab", "alpha=1,beta=0,zb=1", 5 },
    { "occlusion", "occlusion", "patch=16,stride=8,fill=0", 3 },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("saliency-ref");
  g_autoptr (GError) error = NULL;
  g_autoptr (PlModel) model = NULL;
  g_autoptr (PlVolume) volume = NULL;
  g_autoptr (PlExplainer) ex = NULL;
  g_autofree float *map = NULL;
  PlExplainTarget target = { 1, PL_EXPLAIN_REGION_PREDICTED, 0, 0, NULL };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2 || threads < 1)
    {
      fprintf (stderr, "Usage: pellucid-cli bench saliency-ref [--model M] [--slice Z] [--threads N]"
               " [--only METHOD] [--occlusion-whole]\n");
      return 2;
    }
  pl_engine_set_threads (threads);
  volume = pl_volume_load (COLIN, 0, NULL, &error);
  if (volume && model_path)
    model = pl_model_load (model_path, &error);
  else if (volume)
    {
      PlUnetConfig cfg;
      pl_unet_config_ref (&cfg);
      model = pl_model_new (pl_unet_new (&cfg, 0), cfg.n_classes, NULL, NULL);
      model->norm_offset = 0.0;
      model->norm_divisor = volume->max;
      model->axis = 2;
    }
  if (!model)
    {
      fprintf (stderr, "pellucid-cli bench saliency-ref: %s\n", error->message);
      return 1;
    }
  if (model_path)
    target.cls = MAX (pl_model_class_of (model, 1), 0);
  ex = pl_explainer_new_from_volume (model, volume, model->axis, slice, &target, &error);
  if (!ex)
    {
      fprintf (stderr, "pellucid-cli bench saliency-ref: %s\n", error->message);
      return 1;
    }
  printf ("workload: saliency-ref\nmodel: %s\nwindow: %d x %d, region: %zu pixels, score %.6g\n",
          model_path ? model_path : "UNTRAINED unet2d-ref (seed 0)", pl_explainer_get_height (ex),
          pl_explainer_get_width (ex), (size_t) pl_explainer_region_size (ex),
          pl_explainer_score (ex));
  map = g_new (float, (gsize) pl_explainer_get_height (ex) * pl_explainer_get_width (ex));
  for (gsize k = 0; k < G_N_ELEMENTS (maps); k++)
    {
      const PlExplainMethod *m = pl_explain_method_find (maps[k].method);
      double params[PL_EXPLAIN_MAX_PARAMS], t[8];
      PlExplainInfo info;

      g_assert (m != NULL);
      if (only && strcmp (only, maps[k].out) != 0 && strcmp (only, maps[k].method) != 0)
        continue;
      if (!pl_explain_method_parse (m, maps[k].settings, params, &error))
        g_error ("%s", error->message);
      for (int r = -1; r < maps[k].reps; r++)
        {
          gint64 t0 = g_get_monotonic_time ();
          if (!pl_explain_compute (ex, m, params, map, &info, NULL, &error))
            {
              fprintf (stderr, "pellucid-cli bench saliency-ref: %s\n", error->message);
              return 1;
            }
          if (r >= 0)
            t[r] = (g_get_monotonic_time () - t0) * 1e-3;
        }
      qsort (t, maps[k].reps, sizeof *t, cmp_double);
      printf ("%s_ms: %.1f\n", maps[k].out, t[maps[k].reps / 2]);
      fflush (stdout);
      if (whole && strcmp (maps[k].method, "occlusion") == 0)
        {
          for (int r = 0; r < maps[k].reps; r++)
            {
              gint64 t0 = g_get_monotonic_time ();
              if (!pl_explain_occlusion_map (ex, (int) params[0], (int) params[1],
                                             (float) params[2], FALSE, map, NULL, &error))
                {
                  fprintf (stderr, "pellucid-cli bench saliency-ref: %s\n", error->message);
                  return 1;
                }
              t[r] = (g_get_monotonic_time () - t0) * 1e-3;
            }
          qsort (t, maps[k].reps, sizeof *t, cmp_double);
          printf ("occlusion_whole_ms: %.1f\n", t[maps[k].reps / 2]);
          fflush (stdout);
        }
    }
  return 0;
}
