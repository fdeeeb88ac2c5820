/* pellucid-cli sanity: model-parameter randomisation checks (Adebayo et al.
 * 2018) and deletion/insertion faithfulness of explanation methods.
 *
 *   pellucid-cli sanity --model M --image I [--slice Z] --target VALUE[:REGION]
 *                       --method grad,gradcam,guided,… [--set …]
 *                       [--mode cascade|independent] [--stages 1,2,4,8,16,23]
 *                       [--seed 1] [--threshold 0.5] [--out PREFIX]
 *
 * Prints JSON: per stage (layers randomised) and method the Spearman rank
 * correlation with the trained model's map (values, absolute values), SSIM
 * and HOG correlation; per method the deletion and insertion areas and the
 * verdict.  A method passes when, with every layer randomised (the last
 * cascade stage), its maps keep a Spearman correlation of their values
 * below the threshold with the trained ones: below 0.5, less than half of
 * the rank order of the map as it is shown (signed maps with their signs)
 * survives the loss of every learnt weight.  The correlation of absolute
 * values is reported beside it (docs/explanations.md says why the verdict
 * is not based on it).  PREFIX.csv holds the table, one row per stage and
 * method; PREFIX.json the JSON. */
#define G_LOG_DOMAIN "pellucid-cli"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/gemm.h"
#include "engine/explain/sanity.h"
#include "src/cli/commands.h"
#include "src/cli/explain-options.h"

typedef struct
{
  GString    *csv;
  JsonBuilder *json;
  double     *last;      /* per method: ρ of the values at the last stage */
  double     *last_abs;  /* … of the absolute values */
  float      *trained;   /* per method map (faithfulness) */
  gsize       hw;
} Table;

static void
on_result (const PlSanityResult *r, gpointer user_data)
{
  Table *t = user_data;
  double v = r->sim.spearman;

  if (r->stage == 0)
    {
      memcpy (t->trained + r->method_index * t->hw, r->map, t->hw * sizeof (float));
      return;
    }
  fprintf (stderr, "stage %2d (%2d layers, %-8s) %-15s rho %.3f |rho| %.3f ssim %.3f hog %.3f\n",
           r->stage, r->n_randomised, r->layer, r->method->name, r->sim.spearman,
           r->sim.spearman_abs, r->sim.ssim, r->sim.hog);
  g_string_append_printf (t->csv, "%d,%d,%s,%s,%.6f,%.6f,%.6f,%.6f\n", r->stage, r->n_randomised,
                          r->layer, r->method->name, r->sim.spearman, r->sim.spearman_abs,
                          r->sim.ssim, r->sim.hog);
  json_builder_begin_object (t->json);
  json_builder_set_member_name (t->json, "stage");
  json_builder_add_int_value (t->json, r->stage);
  json_builder_set_member_name (t->json, "randomised");
  json_builder_add_int_value (t->json, r->n_randomised);
  json_builder_set_member_name (t->json, "layer");
  json_builder_add_string_value (t->json, r->layer);
  json_builder_set_member_name (t->json, "method");
  json_builder_add_string_value (t->json, r->method->name);
  json_builder_set_member_name (t->json, "spearman");
  json_builder_add_double_value (t->json, r->sim.spearman);
  json_builder_set_member_name (t->json, "spearman_abs");
  json_builder_add_double_value (t->json, r->sim.spearman_abs);
  json_builder_set_member_name (t->json, "ssim");
  json_builder_add_double_value (t->json, r->sim.ssim);
  json_builder_set_member_name (t->json, "hog");
  json_builder_add_double_value (t->json, r->sim.hog);
  json_builder_end_object (t->json);
  t->last[r->method_index] = v;
  t->last_abs[r->method_index] = r->sim.spearman_abs;
}

static gboolean
parse_stages (const char *text, GArray *out)
{
  g_auto (GStrv) items = g_strsplit (text, ",", -1);
  for (int i = 0; items[i]; i++)
    {
      char *end = NULL;
      gint64 v = g_ascii_strtoll (items[i], &end, 10);
      if (end == items[i] || *end || v < 1 || v > 10000)
        return FALSE;
      g_array_append_val (out, (int) { v });
    }
  return out->len > 0;
}

int
pel_cli_sanity (int argc, char **argv)
{
  g_autofree char *image = NULL, *model_path = NULL, *out = NULL, *target = NULL, *list = NULL;
  g_autofree char *axis = NULL, *mode_name = NULL, *stages_text = NULL;
  g_auto (GStrv) settings = NULL;
  gint64 slice = -1, seed = 1;
  int threads = 2, steps = 16;
  double threshold = 0.5;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "Model (safetensors)", "M" },
    { "image", 'i', 0, G_OPTION_ARG_FILENAME, &image, "Intensity volume (NIfTI)", "I" },
    { "slice", 'z', 0, G_OPTION_ARG_INT64, &slice, "Slice index along the axis (middle)", "Z" },
    { "axis", 0, 0, G_OPTION_ARG_STRING, &axis, "axial | coronal | sagittal | i | j | k (the model's)", "A" },
    { "target", 0, 0, G_OPTION_ARG_STRING, &target, "Label value, optionally :REGION.nii.gz or @Y,X", "T" },
    { "method", 0, 0, G_OPTION_ARG_STRING, &list, "Comma-separated methods", "LIST" },
    { "set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &settings, "A method's setting, e.g. occlusion.patch=8", "M.K=V" },
    { "mode", 0, 0, G_OPTION_ARG_STRING, &mode_name, "cascade (from the head down) or independent", "MODE" },
    { "stages", 0, 0, G_OPTION_ARG_STRING, &stages_text, "Layers randomised per stage, e.g. 1,2,4,8,16,23 (all)", "LIST" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed of the new weights (1)", "S" },
    { "threshold", 0, 0, G_OPTION_ARG_DOUBLE, &threshold, "Pass below this Spearman rho (0.5)", "R" },
    { "faithfulness-steps", 0, 0, G_OPTION_ARG_INT, &steps, "Deletion/insertion steps (16; 0: skip)", "N" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Write PREFIX.json and PREFIX.csv", "PREFIX" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "Threads (2)", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) methods = g_ptr_array_new ();
  g_autoptr (GArray) params = g_array_new (FALSE, TRUE, sizeof (double));
  g_autoptr (GArray) stages = g_array_new (FALSE, FALSE, sizeof (int));
  g_autofree const double **pp = NULL;
  g_autoptr (JsonBuilder) json = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;
  g_autofree double *last = NULL, *last_abs = NULL;
  g_autofree float *trained = NULL;
  PelExplainProblem p = { 0 };
  PlSanityMode mode = PL_SANITY_CASCADE;
  Table table = { 0 };
  int status = 1;

  g_option_context_set_summary (context, "Sanity checks of explanation maps: cascading or independent "
                                         "randomisation of the layers, deletion and insertion.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "pellucid-cli sanity: %s\n", error->message);
      return 2;
    }
  if (mode_name && strcmp (mode_name, "independent") == 0)
    mode = PL_SANITY_INDEPENDENT;
  else if (mode_name && strcmp (mode_name, "cascade") != 0)
    {
      fprintf (stderr, "pellucid-cli sanity: --mode is cascade or independent, not '%s'\n", mode_name);
      return 2;
    }
  if (stages_text && !parse_stages (stages_text, stages))
    {
      fprintf (stderr, "pellucid-cli sanity: --stages is a list of layer counts ≥ 1, not '%s'\n", stages_text);
      return 2;
    }
  if (!image || !model_path || !target || !list || argc != 1 || threads < 1 || steps < 0)
    {
      fprintf (stderr, "Usage: pellucid-cli sanity --model M --image I [--slice Z] --target VALUE[:REGION] "
                       "--method LIST [--mode cascade|independent] [--out PREFIX]\n");
      return 2;
    }
  pl_engine_set_threads (threads);
  if (!pel_explain_parse_methods (list, settings, methods, params, &error)
      || !pel_explain_problem_load (&p, model_path, image, axis, slice, target, &error))
    {
      fprintf (stderr, "pellucid-cli sanity: %s\n", error->message);
      pel_explain_problem_clear (&p);
      return 1;
    }
  pp = g_new (const double *, methods->len);
  for (guint i = 0; i < methods->len; i++)
    pp[i] = &g_array_index (params, double, i * PL_EXPLAIN_MAX_PARAMS);
  table.hw = (gsize) pl_explainer_get_height (p.ex) * pl_explainer_get_width (p.ex);
  table.csv = g_string_new ("stage,randomised,layer,method,spearman,spearman_abs,ssim,hog\n");
  table.json = json;
  table.last = last = g_new0 (double, methods->len);
  table.last_abs = last_abs = g_new0 (double, methods->len);
  table.trained = trained = g_new (float, table.hw * methods->len);

  json_builder_begin_object (json);
  json_builder_set_member_name (json, "model");
  json_builder_add_string_value (json, model_path);
  json_builder_set_member_name (json, "slice");
  json_builder_add_int_value (json, p.slice);
  json_builder_set_member_name (json, "target");
  json_builder_add_string_value (json, target);
  json_builder_set_member_name (json, "score");
  json_builder_add_double_value (json, pl_explainer_score (p.ex));
  json_builder_set_member_name (json, "mode");
  json_builder_add_string_value (json, mode == PL_SANITY_CASCADE ? "cascade" : "independent");
  json_builder_set_member_name (json, "layers");
  json_builder_begin_array (json);
  {
    g_auto (GStrv) layers = pl_sanity_layers (p.model->unet);
    for (int i = 0; layers[i]; i++)
      json_builder_add_string_value (json, layers[i]);
  }
  json_builder_end_array (json);
  json_builder_set_member_name (json, "table");
  json_builder_begin_array (json);
  if (!pl_sanity_run (p.ex, p.model->unet, (const PlExplainMethod *const *) methods->pdata, pp,
                      methods->len, mode, stages->len ? (int *) stages->data : NULL, stages->len,
                      (guint64) seed, on_result, &table, NULL, &error))
    {
      fprintf (stderr, "pellucid-cli sanity: %s\n", error->message);
      goto out;
    }
  json_builder_end_array (json);
  json_builder_set_member_name (json, "threshold");
  json_builder_add_double_value (json, threshold);
  json_builder_set_member_name (json, "methods");
  json_builder_begin_array (json);
  for (guint m = 0; m < methods->len; m++)
    {
      const PlExplainMethod *me = g_ptr_array_index (methods, m);
      json_builder_begin_object (json);
      json_builder_set_member_name (json, "method");
      json_builder_add_string_value (json, me->name);
      json_builder_set_member_name (json, "rho_last_stage");
      json_builder_add_double_value (json, last[m]);
      json_builder_set_member_name (json, "rho_abs_last_stage");
      json_builder_add_double_value (json, last_abs[m]);
      if (mode == PL_SANITY_CASCADE)
        {
          json_builder_set_member_name (json, "verdict");
          json_builder_add_string_value (json, last[m] < threshold ? "pass" : "fail");
        }
      if (steps > 0)
        {
          double del = pl_explain_faithfulness (p.ex, trained + m * table.hw, steps, 0.0f, FALSE, NULL);
          double ins = pl_explain_faithfulness (p.ex, trained + m * table.hw, steps, 0.0f, TRUE, NULL);
          json_builder_set_member_name (json, "deletion_auc");
          json_builder_add_double_value (json, del);
          json_builder_set_member_name (json, "insertion_auc");
          json_builder_add_double_value (json, ins);
          fprintf (stderr, "%-15s deletion %.3f insertion %.3f\n", me->name, del, ins);
        }
      json_builder_end_object (json);
    }
  json_builder_end_array (json);
  json_builder_end_object (json);
  root = json_builder_get_root (json);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  if (out)
    {
      g_autofree char *jp = g_strdup_printf ("%s.json", out), *cp = g_strdup_printf ("%s.csv", out);
      if (!g_file_set_contents (jp, text, -1, &error) || !g_file_set_contents (cp, table.csv->str, -1, &error))
        {
          fprintf (stderr, "pellucid-cli sanity: %s\n", error->message);
          goto out;
        }
    }
  printf ("%s\n", text);
  status = 0;
out:
  g_string_free (table.csv, TRUE);
  pel_explain_problem_clear (&p);
  return status;
}
