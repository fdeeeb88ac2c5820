/* pellucid-cli predict: apply a model to a volume.
 *
 *   pellucid-cli predict --image IMG --model MODEL --out SEG
 *                        [--probabilities PROB] [--mc-passes T] [--threads 2]
 *                        [--border nearest|window]
 *
 * SEG is a label map on IMG's exact grid (the model's class label values).
 * PROB: one float32 NIfTI per class on the same grid, named PROB with
 * "_label<VALUE>" inserted before the extension (prob.nii.gz →
 * prob_label2.nii.gz, …).  With --mc-passes, dropout stays on and the label
 * map is the argmax of the mean over T passes; PROB then holds the means and
 * "_entropy" the predictive entropy (nats).  For a model with an aleatoric
 * head the probabilities of each pass are the mean over 10 logit draws
 * (pl_model_probabilities in infer.h).  --border: how the pixels outside
 * the model's trained crop are predicted (PlBorder in model.h). */
#define G_LOG_DOMAIN "pellucid-cli"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "engine/core/gemm.h"
#include "engine/nn/infer.h"
#include "engine/data/labels.h"
#include "src/cli/cases-common.h"
#include "src/cli/commands.h"
#include "src/cli/uncertainty-options.h"

static char *
with_suffix (const char *path, const char *suffix)
{
  static const char *const exts[] = { ".nii.gz", ".nii", ".hdr", NULL };
  for (int i = 0; exts[i]; i++)
    if (g_str_has_suffix (path, exts[i]))
      {
        gsize stem = strlen (path) - strlen (exts[i]);
        return g_strdup_printf ("%.*s%s%s", (int) stem, path, suffix, exts[i]);
      }
  return g_strdup_printf ("%s%s.nii.gz", path, suffix);
}

static gboolean
save_map (const PlVolume *ref, const float *data, const char *path, GError **error)
{
  g_autoptr (PlVolume) v = pl_volume_copy (ref);
  memcpy (v->data, data, pl_volume_n_voxels (ref) * sizeof (float));
  v->scl_slope = 1.0;
  v->scl_inter = 0.0;
  pl_volume_update_stats (v);
  return pl_volume_save (v, path, error);
}

int
pel_cli_predict (int argc, char **argv)
{
  g_autofree char *image = NULL, *model_path = NULL, *out = NULL, *prob = NULL, *border_name = NULL;
  PlBorder border = PL_BORDER_NEAREST;
  int threads = 2, batch = 8, passes = 0;
  gint64 seed = 0;
  const GOptionEntry entries[] = {
    { "image", 'i', 0, G_OPTION_ARG_FILENAME, &image, "Intensity volume (NIfTI)", "IMG" },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "Model (safetensors) from 'train'", "MODEL" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Label map to write", "SEG" },
    { "probabilities", 'p', 0, G_OPTION_ARG_FILENAME, &prob,
      "Also write per-class probability maps PROB_label<VALUE>.nii.gz", "PROB" },
    { "mc-passes", 0, 0, G_OPTION_ARG_INT, &passes, "MC dropout with T stochastic passes (0: off)", "T" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed of the MC dropout masks (0)", "S" },
    { "batch", 'b', 0, G_OPTION_ARG_INT, &batch, "Slices per batch (8)", "B" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "Threads (2)", "T" },
    { "border", 0, 0, G_OPTION_ARG_STRING, &border_name,
      "Pixels outside the trained crop: nearest (the crop's nearest pixel, default) or window "
      "(a second, zero-padded network run)", "nearest|window" },
    { NULL }
  };
  g_autoptr (PelUncertaintyOptions) uopts = pel_uncertainty_options_new ();
  g_autoptr (GOptionContext) context = g_option_context_new ("");
  g_autoptr (GError) error = NULL;
  g_autoptr (PlVolume) volume = NULL;
  g_autoptr (PlModel) model = NULL;
  g_autoptr (PlLabels) labels = NULL;
  g_autofree float *probs = NULL, *entropy = NULL;
  gint64 t0;
  int K;
  gsize nv;
  gboolean ok;

  if (pel_cli_has_cases (argc, argv))
    return pel_cli_predict_cases (argc, argv);
  g_option_context_set_summary (context, "Segment a volume with a trained model; the label map is "
                                         "written on the image's exact grid.");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, pel_uncertainty_options_predict_group (uopts));
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "pellucid-cli predict: %s\n", error->message);
      return 2;
    }
  if (!image || !model_path || !out || argc != 1)
    {
      fprintf (stderr, "Usage: pellucid-cli predict --image IMG --model MODEL --out SEG [--probabilities PROB]\n");
      return 2;
    }
  if (threads < 1 || batch < 1 || passes < 0)
    {
      fprintf (stderr, "pellucid-cli predict: --threads and --batch must be ≥ 1, --mc-passes ≥ 0\n");
      return 2;
    }
  if (border_name && strcmp (border_name, "window") == 0)
    border = PL_BORDER_WINDOW;
  else if (border_name && strcmp (border_name, "nearest") != 0)
    {
      fprintf (stderr, "pellucid-cli predict: unknown --border '%s' (nearest, window)\n", border_name);
      return 2;
    }
  pl_engine_set_threads (threads);
  if (pel_uncertainty_options_predict_given (uopts))
    return pel_uncertainty_predict (uopts, image, model_path, out, prob, passes, seed, batch, border);
  model = pl_model_load (model_path, &error);
  if (model)
    model->border = border;
  if (model)
    volume = pl_volume_load (image, 0, NULL, &error);
  if (!volume)
    {
      fprintf (stderr, "pellucid-cli predict: %s\n", error->message);
      return 1;
    }
  K = pl_model_n_outputs (model);
  nv = pl_volume_n_voxels (volume);
  labels = pl_labels_new (volume->dim);
  if (prob)
    probs = g_try_new (float, (gsize) K * nv);
  if (prob && !probs)
    {
      fprintf (stderr, "pellucid-cli predict: not enough memory for %d probability maps\n", K);
      return 1;
    }
  t0 = g_get_monotonic_time ();
  if (passes > 0)
    {
      if (prob)
        entropy = g_new (float, nv);
      ok = pl_model_predict_volume_mc (model, volume, batch, passes, (guint64) seed, probs, NULL,
                                       entropy, labels, NULL, &error);
    }
  else
    ok = pl_model_predict_volume (model, volume, batch, probs, labels, NULL, &error);
  if (!ok)
    {
      fprintf (stderr, "pellucid-cli predict: %s: %s\n", image, error->message);
      return 1;
    }
  if (!pl_labels_save (labels, volume, out, &error))
    {
      fprintf (stderr, "pellucid-cli predict: %s\n", error->message);
      return 1;
    }
  if (prob)
    for (int c = 0; c < K; c++)
      {
        g_autofree char *suffix = g_strdup_printf ("_label%u", model->class_values[MIN (c, model->n_classes - 1)]);
        g_autofree char *path = with_suffix (prob, suffix);
        if (!save_map (volume, probs + (gsize) c * nv, path, &error))
          {
            fprintf (stderr, "pellucid-cli predict: %s\n", error->message);
            return 1;
          }
      }
  if (entropy)
    {
      g_autofree char *path = with_suffix (prob, "_entropy");
      if (!save_map (volume, entropy, path, &error))
        {
          fprintf (stderr, "pellucid-cli predict: %s\n", error->message);
          return 1;
        }
    }
  {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonGenerator) gen = json_generator_new ();
    g_autoptr (JsonNode) root = NULL;
    g_autofree char *json = NULL;
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "out");
    json_builder_add_string_value (b, out);
    json_builder_set_member_name (b, "seconds");
    json_builder_add_double_value (b, (g_get_monotonic_time () - t0) * 1e-6);
    json_builder_set_member_name (b, "mc_passes");
    json_builder_add_int_value (b, passes);
    json_builder_end_object (b);
    root = json_builder_get_root (b);
    json_generator_set_root (gen, root);
    json = json_generator_to_data (gen, NULL);
    printf ("%s\n", json);
  }
  return 0;
}
