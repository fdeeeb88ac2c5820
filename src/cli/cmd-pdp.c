/* pellucid-cli pdp: partial dependence and ICE curves of a model.
 *
 *   pellucid-cli pdp --model M --image I --target VALUE[:REGION.nii.gz]
 *                    [--feature scale|gamma|noise|region] [--values 0.5,0.75,…]
 *                    [--slices FIRST:LAST:STEP] [--output volume|probability]
 *                    [--seed 0] [--out PREFIX]
 *
 * For each value of the feature (global intensity scale, gamma, noise
 * level as a fraction of the intensity range, or the scale of the
 * intensities inside REGION), the class's predicted volume (mm³) or mean
 * probability on each slice (ICE) and their mean (PDP).  Prints JSON;
 * PREFIX.csv has one row per slice and a last row "mean". */
#define G_LOG_DOMAIN "pellucid-cli"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "engine/core/gemm.h"
#include "engine/data/labels.h"
#include "engine/explain/pdp.h"
#include "src/cli/commands.h"

static const struct { const char *name; PlPdpFeature f; const char *values; } features[] = {
  { "scale", PL_PDP_SCALE, "0.5,0.625,0.75,0.875,1,1.125,1.25,1.375,1.5" },
  { "gamma", PL_PDP_GAMMA, "0.5,0.625,0.75,0.875,1,1.25,1.5,1.75,2" },
  { "noise", PL_PDP_NOISE, "0,0.025,0.05,0.075,0.1,0.15,0.2" },
  { "region", PL_PDP_REGION_SCALE, "0.5,0.625,0.75,0.875,1,1.125,1.25,1.375,1.5" },
};

int
pel_cli_pdp (int argc, char **argv)
{
  g_autofree char *image = NULL, *model_path = NULL, *target = NULL, *feature_name = NULL;
  g_autofree char *values_text = NULL, *slices_text = NULL, *output_name = NULL, *out = NULL;
  gint64 seed = 0;
  int threads = 2;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "Model (safetensors)", "M" },
    { "image", 'i', 0, G_OPTION_ARG_FILENAME, &image, "Intensity volume (NIfTI)", "I" },
    { "target", 0, 0, G_OPTION_ARG_STRING, &target, "Label value, with :REGION.nii.gz for --feature region", "T" },
    { "feature", 0, 0, G_OPTION_ARG_STRING, &feature_name, "scale | gamma | noise | region (scale)", "F" },
    { "values", 0, 0, G_OPTION_ARG_STRING, &values_text, "Comma-separated values (a default per feature)", "LIST" },
    { "slices", 0, 0, G_OPTION_ARG_STRING, &slices_text, "FIRST:LAST:STEP along the model's axis (every 10th)", "S" },
    { "output", 0, 0, G_OPTION_ARG_STRING, &output_name, "volume (mm³) or probability (volume)", "O" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed of the noise (0)", "S" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Write PREFIX.csv", "PREFIX" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "Threads (2)", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("");
  g_autoptr (GError) error = NULL;
  g_autoptr (PlModel) model = NULL;
  g_autoptr (PlVolume) volume = NULL;
  g_autoptr (PlLabels) region = NULL;
  g_autoptr (GArray) values = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) slices = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree double *ice = NULL, *pdp = NULL;
  g_autofree guint8 *mask = NULL;
  g_auto (GStrv) items = NULL;
  g_autoptr (GString) csv = g_string_new ("slice");
  g_autoptr (JsonBuilder) json = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL, *value_text = NULL;
  const char *colon;
  int fi = 0, cls;
  gint64 first, last, step = 10, value;
  PlPdpOutput output = PL_PDP_VOLUME;

  g_option_context_set_summary (context, "Partial dependence (PDP) and ICE curves of a class's "
                                         "predicted volume or probability.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || !image || !model_path || !target
      || argc != 1 || threads < 1)
    {
      fprintf (stderr, "Usage: pellucid-cli pdp --model M --image I --target VALUE[:REGION] "
                       "[--feature scale|gamma|noise|region] [--values LIST] [--out PREFIX]\n");
      return 2;
    }
  if (feature_name)
    {
      fi = -1;
      for (gsize i = 0; i < G_N_ELEMENTS (features); i++)
        if (strcmp (features[i].name, feature_name) == 0)
          fi = i;
      if (fi < 0)
        {
          fprintf (stderr, "pellucid-cli pdp: --feature is scale, gamma, noise or region, not '%s'\n", feature_name);
          return 2;
        }
    }
  if (output_name && strcmp (output_name, "probability") == 0)
    output = PL_PDP_PROBABILITY;
  else if (output_name && strcmp (output_name, "volume") != 0)
    {
      fprintf (stderr, "pellucid-cli pdp: --output is volume or probability, not '%s'\n", output_name);
      return 2;
    }
  items = g_strsplit (values_text ? values_text : features[fi].values, ",", -1);
  for (int i = 0; items[i]; i++)
    {
      char *end = NULL;
      double v = g_ascii_strtod (items[i], &end);
      if (end == items[i] || *end)
        {
          fprintf (stderr, "pellucid-cli pdp: '%s' in --values is not a number\n", items[i]);
          return 2;
        }
      g_array_append_val (values, v);
    }
  pl_engine_set_threads (threads);
  model = pl_model_load (model_path, &error);
  if (model)
    volume = pl_volume_load (image, 0, NULL, &error);
  colon = strchr (target, ':');
  if (volume && colon)
    region = pl_labels_load (colon + 1, volume, &error);
  if (!volume || (colon && !region))
    {
      fprintf (stderr, "pellucid-cli pdp: %s\n", error->message);
      return 1;
    }
  value_text = g_strndup (target, colon ? (gsize) (colon - target) : strlen (target));
  value = g_ascii_strtoll (value_text, NULL, 10);
  cls = value >= 0 && value <= 65535 ? pl_model_class_of (model, (guint16) value) : -1;
  if (cls < 0)
    {
      fprintf (stderr, "pellucid-cli pdp: target '%s' is not a label value the model predicts\n", value_text);
      return 1;
    }
  if (features[fi].f == PL_PDP_REGION_SCALE && !region)
    {
      fprintf (stderr, "pellucid-cli pdp: --feature region needs --target VALUE:REGION.nii.gz\n");
      return 2;
    }
  if (region)
    {
      mask = g_new (guint8, pl_labels_n_voxels (region));
      for (gsize i = 0; i < pl_labels_n_voxels (region); i++)
        mask[i] = region->data[i] != 0;
    }
  first = 0;
  last = volume->dim[model->axis] - 1;
  if (slices_text && sscanf (slices_text, "%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT,
                             &first, &last, &step) != 3)
    {
      fprintf (stderr, "pellucid-cli pdp: --slices is FIRST:LAST:STEP\n");
      return 2;
    }
  for (gint64 z = first; z <= last && step > 0; z += step)
    g_array_append_val (slices, z);
  if (slices->len == 0)
    {
      fprintf (stderr, "pellucid-cli pdp: no slices in %s\n", slices_text);
      return 2;
    }
  ice = g_new (double, (gsize) slices->len * values->len);
  pdp = g_new (double, values->len);
  if (!pl_pdp_run (model, volume, model->axis, (gint64 *) slices->data, slices->len, cls, mask,
                   features[fi].f, (double *) values->data, values->len, output, (guint64) seed,
                   ice, pdp, NULL, &error))
    {
      fprintf (stderr, "pellucid-cli pdp: %s\n", error->message);
      return 1;
    }
  for (guint v = 0; v < values->len; v++)
    g_string_append_printf (csv, ",%g", g_array_index (values, double, v));
  g_string_append_c (csv, '\n');
  json_builder_begin_object (json);
  json_builder_set_member_name (json, "feature");
  json_builder_add_string_value (json, features[fi].name);
  json_builder_set_member_name (json, "output");
  json_builder_add_string_value (json, output == PL_PDP_VOLUME ? "volume_mm3" : "mean_probability");
  json_builder_set_member_name (json, "values");
  json_builder_begin_array (json);
  for (guint v = 0; v < values->len; v++)
    json_builder_add_double_value (json, g_array_index (values, double, v));
  json_builder_end_array (json);
  json_builder_set_member_name (json, "pdp");
  json_builder_begin_array (json);
  for (guint v = 0; v < values->len; v++)
    json_builder_add_double_value (json, pdp[v]);
  json_builder_end_array (json);
  json_builder_set_member_name (json, "ice");
  json_builder_begin_array (json);
  for (guint s = 0; s < slices->len; s++)
    {
      g_string_append_printf (csv, "%" G_GINT64_FORMAT, g_array_index (slices, gint64, s));
      json_builder_begin_object (json);
      json_builder_set_member_name (json, "slice");
      json_builder_add_int_value (json, g_array_index (slices, gint64, s));
      json_builder_set_member_name (json, "curve");
      json_builder_begin_array (json);
      for (guint v = 0; v < values->len; v++)
        {
          json_builder_add_double_value (json, ice[(gsize) s * values->len + v]);
          g_string_append_printf (csv, ",%.6g", ice[(gsize) s * values->len + v]);
        }
      json_builder_end_array (json);
      json_builder_end_object (json);
      g_string_append_c (csv, '\n');
    }
  json_builder_end_array (json);
  json_builder_end_object (json);
  g_string_append (csv, "mean");
  for (guint v = 0; v < values->len; v++)
    g_string_append_printf (csv, ",%.6g", pdp[v]);
  g_string_append_c (csv, '\n');
  if (out)
    {
      g_autofree char *path = g_strdup_printf ("%s.csv", out);
      if (!g_file_set_contents (path, csv->str, -1, &error))
        {
          fprintf (stderr, "pellucid-cli pdp: %s\n", error->message);
          return 1;
        }
    }
  root = json_builder_get_root (json);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  printf ("%s\n", text);
  return 0;
}
