/* pellucid-cli tcav: is a painted concept important for a class?
 *
 *   pellucid-cli tcav --model M --image I --concepts LABELS.nii.gz --concept V
 *                     --target VALUE [--layer bottleneck|decoder] [--random 10]
 *                     [--examples 500] [--slices FIRST:LAST:STEP] [--seed 0]
 *
 * The concept is the voxels of label V (on any slices) of LABELS; the
 * target the class with label value VALUE, explained on the evaluation
 * slices (every 10th by default) through its predicted region.  Prints the
 * TCAV score against ≥ 10 random counterexample sets, the random-vs-random
 * scores, Welch's two-sided t-test between them and the CAVs' accuracy, as
 * JSON (engine/explain/tcav.h). */
#define G_LOG_DOMAIN "pellucid-cli"

#include <stdio.h>
#include <string.h>

#include "engine/core/gemm.h"
#include "engine/explain/tcav.h"
#include "src/cli/commands.h"

int
pel_cli_tcav (int argc, char **argv)
{
  g_autofree char *image = NULL, *model_path = NULL, *concepts_path = NULL, *layer = NULL;
  g_autofree char *slices_text = NULL;
  gint64 concept = -1, target = -1, seed = 0, first, last, step = 10;
  int n_random = 10, examples = 500, threads = 2, cls;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "Model (safetensors)", "M" },
    { "image", 'i', 0, G_OPTION_ARG_FILENAME, &image, "Intensity volume (NIfTI)", "I" },
    { "concepts", 0, 0, G_OPTION_ARG_FILENAME, &concepts_path, "Label map holding the concept", "LABELS" },
    { "concept", 0, 0, G_OPTION_ARG_INT64, &concept, "The concept's label value", "V" },
    { "target", 0, 0, G_OPTION_ARG_INT64, &target, "Label value of the class explained", "VALUE" },
    { "layer", 0, 0, G_OPTION_ARG_STRING, &layer, "bottleneck or decoder (the last decoder level) (bottleneck)", "L" },
    { "random", 0, 0, G_OPTION_ARG_INT, &n_random, "Random counterexample sets, ≥ 10 (10)", "N" },
    { "examples", 0, 0, G_OPTION_ARG_INT, &examples, "Examples per set (500)", "N" },
    { "slices", 0, 0, G_OPTION_ARG_STRING, &slices_text, "Evaluation slices FIRST:LAST:STEP (every 10th)", "S" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed (0)", "S" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "Threads (2)", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("");
  g_autoptr (GError) error = NULL;
  g_autoptr (PlModel) model = NULL;
  g_autoptr (PlVolume) volume = NULL;
  g_autoptr (PlLabels) labels = NULL;
  g_autoptr (GArray) slices = g_array_new (FALSE, FALSE, sizeof (gint64));
  PlTcavConfig cfg = { PL_UNET_AT_BOTTLENECK, 0, 0, 0, 0 };
  PlTcavResult r;

  g_option_context_set_summary (context, "TCAV: the sensitivity of a class's score to a painted concept, "
                                         "tested against random concepts.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || !image || !model_path
      || !concepts_path || concept < 0 || concept > 65535 || target < 0 || target > 65535
      || argc != 1 || threads < 1)
    {
      fprintf (stderr, "Usage: pellucid-cli tcav --model M --image I --concepts LABELS --concept V "
                       "--target VALUE [--layer bottleneck|decoder] [--random 10]\n");
      return 2;
    }
  if (layer && strcmp (layer, "decoder") == 0)
    cfg.layer = PL_UNET_AT_FEATURES;
  else if (layer && strcmp (layer, "bottleneck") != 0)
    {
      fprintf (stderr, "pellucid-cli tcav: --layer is bottleneck or decoder, not '%s'\n", layer);
      return 2;
    }
  pl_engine_set_threads (threads);
  model = pl_model_load (model_path, &error);
  if (model)
    volume = pl_volume_load (image, 0, NULL, &error);
  if (volume)
    labels = pl_labels_load (concepts_path, volume, &error);
  if (!labels)
    {
      fprintf (stderr, "pellucid-cli tcav: %s\n", error->message);
      return 1;
    }
  cls = pl_model_class_of (model, (guint16) target);
  if (cls < 0)
    {
      fprintf (stderr, "pellucid-cli tcav: %" G_GINT64_FORMAT " is not a label value the model predicts\n", target);
      return 1;
    }
  first = 0;
  last = volume->dim[model->axis] - 1;
  if (slices_text && sscanf (slices_text, "%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT,
                             &first, &last, &step) != 3)
    {
      fprintf (stderr, "pellucid-cli tcav: --slices is FIRST:LAST:STEP\n");
      return 2;
    }
  for (gint64 z = MAX (first, 0); z <= MIN (last, volume->dim[model->axis] - 1) && step > 0; z += step)
    g_array_append_val (slices, z);
  cfg.cls = cls;
  cfg.n_random = n_random;
  cfg.max_examples = examples;
  cfg.seed = (guint64) seed;
  if (!pl_tcav_run (model, volume, model->axis, labels, (guint16) concept, (gint64 *) slices->data,
                    slices->len, &cfg, &r, NULL, &error))
    {
      fprintf (stderr, "pellucid-cli tcav: %s\n", error->message);
      return 1;
    }
  printf ("{\n  \"concept\" : %" G_GINT64_FORMAT ",\n  \"target\" : %" G_GINT64_FORMAT ",\n"
          "  \"layer\" : \"%s\",\n  \"tcav_score\" : %.6g,\n  \"tcav_sd\" : %.6g,\n"
          "  \"random_score\" : %.6g,\n  \"random_sd\" : %.6g,\n  \"t\" : %.6g,\n  \"df\" : %.6g,\n"
          "  \"p\" : %.6g,\n  \"significant\" : %s,\n  \"cav_accuracy\" : %.6g,\n"
          "  \"examples\" : %d,\n  \"slices\" : %d,\n  \"random_sets\" : %d\n}\n",
          concept, target, cfg.layer == PL_UNET_AT_FEATURES ? "decoder" : "bottleneck", r.score,
          r.score_sd, r.random_score, r.random_sd, r.t, r.df, r.p, r.p < 0.05 ? "true" : "false",
          r.cav_accuracy, r.n_examples, r.n_slices, n_random);
  return 0;
}
