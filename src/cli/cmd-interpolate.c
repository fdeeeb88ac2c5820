/* pellucid-cli interpolate: fill the slices between painted slices.
 *
 *   pellucid-cli interpolate --labels SEG --out SEG [--axis axial]
 *                            [--labels-only 1,2] [--locked 3,4] [--over-all]
 *
 * Shape-based interpolation (engine/data/interpolate.h): for every label,
 * between each two slices along AXIS that hold it, a blend of the two
 * slices' signed distance fields; only unlabelled voxels are written unless
 * --over-all, and locked labels never are.  The label map's own header is the
 * geometry (axis names, spacing, the written file).  Prints JSON: voxels
 * written, labels and slices interpolated. */
#define G_LOG_DOMAIN "pellucid-cli"

#include <stdio.h>
#include <string.h>

#include "engine/data/dataset.h"
#include "engine/data/interpolate.h"
#include "src/cli/cases-common.h"
#include "src/cli/commands.h"

int
pel_cli_interpolate (int argc, char **argv)
{
  g_autofree char *in_path = NULL, *out_path = NULL, *axis_name = NULL, *only_text = NULL, *locked_text = NULL;
  gboolean over_all = FALSE;
  const GOptionEntry entries[] = {
    { "labels", 'l', 0, G_OPTION_ARG_FILENAME, &in_path, "Label map with some slices painted", "SEG" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out_path, "Label map to write (may be SEG)", "SEG" },
    { "axis", 'a', 0, G_OPTION_ARG_STRING, &axis_name, "axial, coronal, sagittal, or voxel axis i, j, k (axial)", "AXIS" },
    { "labels-only", 0, 0, G_OPTION_ARG_STRING, &only_text, "Interpolate only these labels (all)", "1,2" },
    { "locked", 0, 0, G_OPTION_ARG_STRING, &locked_text, "Labels never overwritten", "3,4" },
    { "over-all", 0, 0, G_OPTION_ARG_NONE, &over_all, "Also replace unlocked labels (default: unlabelled voxels only)", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("");
  g_autoptr (GError) error = NULL;
  g_autoptr (PlVolume) ref = NULL;
  g_autoptr (PlLabels) labels = NULL;
  g_autoptr (GArray) only = g_array_new (FALSE, FALSE, sizeof (guint16));
  g_autoptr (GArray) locked = g_array_new (FALSE, FALSE, sizeof (guint16));
  PlInterpolateOptions opt;
  PlInterpolateStats st;
  PlPaintRule rule;
  int axis;
  gint64 t0;

  g_option_context_set_summary (context,
    "Fill the slices between painted slices of each label (distance-field interpolation).");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)
      || (only_text && !pel_cli_parse_label_list (only_text, "--labels-only", only, &error))
      || (locked_text && !pel_cli_parse_label_list (locked_text, "--locked", locked, &error)))
    {
      fprintf (stderr, "pellucid-cli interpolate: %s\n", error->message);
      return 2;
    }
  if (!in_path || !out_path || argc != 1)
    {
      fprintf (stderr, "Usage: pellucid-cli interpolate --labels SEG --out SEG [--axis axial] "
               "[--labels-only 1,2] [--locked 3] [--over-all]\n");
      return 2;
    }
  ref = pl_volume_load (in_path, 0, NULL, &error);
  if (ref)
    labels = pl_labels_load (in_path, ref, &error);
  if (!labels)
    {
      fprintf (stderr, "pellucid-cli interpolate: %s\n", error->message);
      return 1;
    }
  axis = pl_axis_from_name (ref, axis_name ? axis_name : "axial");
  if (axis < 0)
    {
      fprintf (stderr, "pellucid-cli interpolate: unknown axis '%s'\n", axis_name);
      return 2;
    }
  pl_interpolate_options_init (&opt, axis);
  for (int a = 0; a < 3; a++)
    opt.spacing[a] = ref->pixdim[a];
  opt.only = (const guint16 *) only->data;
  opt.n_only = (int) only->len;
  opt.over = over_all ? PL_PAINT_OVER_ALL : PL_PAINT_OVER_UNLABELLED;
  pl_paint_rule_init (&rule, 0, opt.over, 0);
  for (guint i = 0; i < locked->len; i++)
    pl_paint_rule_set_locked (&rule, g_array_index (locked, guint16, i), TRUE);
  opt.locked = rule.locked;

  t0 = g_get_monotonic_time ();
  if (!pl_interpolate_slices (labels, &opt, NULL, &st, &error)
      || !pl_labels_save (labels, ref, out_path, &error))
    {
      fprintf (stderr, "pellucid-cli interpolate: %s\n", error->message);
      return 1;
    }
  {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "out");
    json_builder_add_string_value (b, out_path);
    json_builder_set_member_name (b, "axis");
    json_builder_add_int_value (b, axis);
    json_builder_set_member_name (b, "voxels_written");
    json_builder_add_int_value (b, (gint64) st.n_changed);
    json_builder_set_member_name (b, "labels_interpolated");
    json_builder_add_int_value (b, st.n_labels);
    json_builder_set_member_name (b, "slices_filled");
    json_builder_add_int_value (b, st.n_slices_filled);
    json_builder_set_member_name (b, "wall_s");
    json_builder_add_double_value (b, (g_get_monotonic_time () - t0) * 1e-6);
    json_builder_end_object (b);
    pel_cli_print_json (b);
  }
  return 0;
}
