/* pellucid-cli measure: volume of each label.
 *
 *   pellucid-cli measure --labels SEG [--names LABELS.txt] [--csv FILE]
 *
 * Voxels and millilitres per non-zero label value of SEG (its own header
 * gives the voxel volume, engine/data/measure.h), as JSON on stdout; --csv
 * also writes value,name,voxels,ml.  --names reads label names from an
 * ITK-SNAP label description file. */
#define G_LOG_DOMAIN "pellucid-cli"

#include <stdio.h>

#include "engine/data/measure.h"
#include "src/cli/cases-common.h"
#include "src/cli/commands.h"

int
pel_cli_measure (int argc, char **argv)
{
  g_autofree char *seg_path = NULL, *csv_path = NULL, *names_path = NULL;
  const GOptionEntry entries[] = {
    { "labels", 'l', 0, G_OPTION_ARG_FILENAME, &seg_path, "Label map", "SEG" },
    { "names", 'n', 0, G_OPTION_ARG_FILENAME, &names_path, "ITK-SNAP label description file for the names", "FILE" },
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &csv_path, "Also write the table as CSV", "FILE" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("");
  g_autoptr (GError) error = NULL;
  g_autoptr (PlVolume) ref = NULL;
  g_autoptr (PlLabels) labels = NULL;
  g_autoptr (PlLabelTable) table = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree PlLabelMeasure *m = NULL;
  guint n = 0;

  g_option_context_set_summary (context, "Voxels and mL of every label of SEG, as JSON (and CSV).");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "pellucid-cli measure: %s\n", error->message);
      return 2;
    }
  if (!seg_path || argc != 1)
    {
      fprintf (stderr, "Usage: pellucid-cli measure --labels SEG [--names LABELS.txt] [--csv FILE]\n");
      return 2;
    }
  ref = pl_volume_load (seg_path, 0, NULL, &error);
  if (ref)
    labels = pl_labels_load (seg_path, ref, &error);
  if (labels && names_path)
    table = pl_label_table_load (names_path, &error);
  if (!labels || (names_path && !table))
    {
      fprintf (stderr, "pellucid-cli measure: %s\n", error->message);
      return 1;
    }
  m = pl_labels_measure (labels, ref, &n);
  if (csv_path && !pl_labels_measure_save_csv (m, n, table, csv_path, &error))
    {
      fprintf (stderr, "pellucid-cli measure: %s\n", error->message);
      return 1;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "voxel_mm3");
  json_builder_add_double_value (b, pl_volume_voxel_mm3 (ref));
  json_builder_set_member_name (b, "labels");
  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++)
    {
      PlLabel *label = table ? pl_label_table_lookup (table, m[i].value) : NULL;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "value");
      json_builder_add_int_value (b, m[i].value);
      json_builder_set_member_name (b, "name");
      if (label && label->name)
        json_builder_add_string_value (b, label->name);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "voxels");
      json_builder_add_int_value (b, m[i].voxels);
      json_builder_set_member_name (b, "ml");
      json_builder_add_double_value (b, m[i].ml);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  pel_cli_print_json (b);
  return 0;
}
