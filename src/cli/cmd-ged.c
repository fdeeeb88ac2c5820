/* pellucid-cli ged: generalised energy distance between a model's samples
 * and several raters' segmentations of one image.
 *
 *   pellucid-cli ged --samples S1 --samples S2 … --raters Y1 --raters Y2 …
 *                    [--labels 2,3,4] [--disagreement OUT]
 *
 * D²_GED = 2 E[d(S,Y)] − E[d(S,S′)] − E[d(Y,Y′)], d = 1 − IoU averaged over
 * the label values (every non-zero value present by default); two empty
 * masks have IoU 1 (engine/uncertainty/raters.h).  Samples come from
 * predict --uncertainty … --maps PREFIX --keep-samples K.  --disagreement
 * writes the raters' disagreement map (fraction not in the majority). */
#define G_LOG_DOMAIN "pellucid-cli"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "engine/data/labels.h"
#include "engine/uncertainty/raters.h"
#include "src/cli/commands.h"

static GPtrArray *
load_all (char **paths, const PlVolume *ref, GError **error)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) pl_labels_free);
  for (int i = 0; paths && paths[i]; i++)
    {
      PlLabels *l = pl_labels_load (paths[i], ref, error);
      if (!l)
        return NULL;
      g_ptr_array_add (out, l);
    }
  return g_steal_pointer (&out);
}

int
pel_cli_ged (int argc, char **argv)
{
  g_auto (GStrv) samples = NULL, raters = NULL;
  g_autofree char *labels_s = NULL, *disagree = NULL;
  const GOptionEntry entries[] = {
    { "samples", 's', 0, G_OPTION_ARG_FILENAME_ARRAY, &samples, "A sample segmentation (repeat)", "SEG" },
    { "raters", 'r', 0, G_OPTION_ARG_FILENAME_ARRAY, &raters, "A rater's segmentation (repeat)", "SEG" },
    { "labels", 'l', 0, G_OPTION_ARG_STRING, &labels_s, "Label values compared (all non-zero)", "V,V,…" },
    { "disagreement", 'd', 0, G_OPTION_ARG_FILENAME, &disagree, "Write the raters' disagreement map", "OUT" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("");
  g_autoptr (GError) error = NULL;
  g_autoptr (PlVolume) ref = NULL;
  g_autoptr (GPtrArray) S = NULL, Y = NULL;
  g_autofree guint16 *values = g_new (guint16, 65536);
  g_autofree const guint16 **sp = NULL, **yp = NULL;
  int n_values = 0;
  gsize nv;
  PlGed g;

  g_option_context_set_summary (context, "Generalised energy distance (d = 1 − IoU) between samples and "
                                         "raters, as JSON.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "pellucid-cli ged: %s\n", error->message);
      return 2;
    }
  if (!samples || !raters || argc != 1)
    {
      fprintf (stderr, "Usage: pellucid-cli ged --samples SEG … --raters SEG … [--labels V,V] [--disagreement OUT]\n");
      return 2;
    }
  ref = pl_volume_load (raters[0], 0, NULL, &error);
  if (ref)
    Y = load_all (raters, ref, &error);
  if (Y)
    S = load_all (samples, ref, &error);
  if (!S)
    {
      fprintf (stderr, "pellucid-cli ged: %s\n", error->message);
      return 1;
    }
  nv = pl_volume_n_voxels (ref);
  if (labels_s)
    {
      g_auto (GStrv) parts = g_strsplit (labels_s, ",", -1);
      for (int i = 0; parts[i] && n_values < 65535; i++)
        {
          char *end;
          gint64 v = g_ascii_strtoll (parts[i], &end, 10);
          if (end == parts[i] || *end || v < 1 || v > 65535)
            {
              fprintf (stderr, "pellucid-cli ged: --labels: '%s' is not a label value 1…65535\n", parts[i]);
              return 2;
            }
          values[n_values++] = (guint16) v;
        }
    }
  else
    {
      g_autofree guint8 *seen = g_new0 (guint8, 65536);
      for (guint k = 0; k < S->len + Y->len; k++)
        {
          const PlLabels *l = g_ptr_array_index (k < S->len ? S : Y, k < S->len ? k : k - S->len);
          for (gsize i = 0; i < nv; i++)
            seen[l->data[i]] = 1;
        }
      for (int v = 1; v < 65536; v++)
        if (seen[v])
          values[n_values++] = (guint16) v;
    }
  if (n_values == 0)
    {
      fprintf (stderr, "pellucid-cli ged: no label values to compare (all maps are empty)\n");
      return 1;
    }
  sp = g_new (const guint16 *, S->len);
  yp = g_new (const guint16 *, Y->len);
  for (guint k = 0; k < S->len; k++)
    sp[k] = ((PlLabels *) g_ptr_array_index (S, k))->data;
  for (guint k = 0; k < Y->len; k++)
    yp[k] = ((PlLabels *) g_ptr_array_index (Y, k))->data;
  pl_ged (sp, S->len, yp, Y->len, nv, values, n_values, &g);
  if (disagree)
    {
      g_autoptr (PlVolume) v = pl_volume_copy (ref);
      g_autofree float *d = g_new (float, nv);
      pl_rater_disagreement (yp, Y->len, nv, d);
      memcpy (v->data, d, nv * sizeof (float));
      v->scl_slope = 1.0;
      v->scl_inter = 0.0;
      pl_volume_update_stats (v);
      if (!pl_volume_save (v, disagree, &error))
        {
          fprintf (stderr, "pellucid-cli ged: %s\n", error->message);
          return 1;
        }
    }
  {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonGenerator) gen = json_generator_new ();
    g_autoptr (JsonNode) root = NULL;
    g_autofree char *json = NULL;
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "ged2");
    json_builder_add_double_value (b, g.ged2);
    json_builder_set_member_name (b, "d_sample_rater");
    json_builder_add_double_value (b, g.d_sy);
    json_builder_set_member_name (b, "d_sample_sample");
    json_builder_add_double_value (b, g.d_ss);
    json_builder_set_member_name (b, "d_rater_rater");
    json_builder_add_double_value (b, g.d_yy);
    json_builder_set_member_name (b, "samples");
    json_builder_add_int_value (b, S->len);
    json_builder_set_member_name (b, "raters");
    json_builder_add_int_value (b, Y->len);
    json_builder_set_member_name (b, "labels");
    json_builder_begin_array (b);
    for (int k = 0; k < n_values; k++)
      json_builder_add_int_value (b, values[k]);
    json_builder_end_array (b);
    json_builder_end_object (b);
    root = json_builder_get_root (b);
    json_generator_set_pretty (gen, TRUE);
    json_generator_set_root (gen, root);
    json = json_generator_to_data (gen, NULL);
    printf ("%s\n", json);
  }
  return 0;
}
