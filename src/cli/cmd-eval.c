/* pellucid-cli eval: Dice of a segmentation against a reference.
 *
 *   pellucid-cli eval --pred SEG --truth LAB [--exclude-slices-of SPARSE
 *                     --axis axial] [--background 1]
 *
 * Counts voxels in 3-D over the evaluated slices: every slice along AXIS in
 * which LAB holds a value other than 0 and the background (for colin27: the
 * brain-containing slices), minus the slices in which SPARSE has labelled
 * voxels (the training slices).  Without --exclude-slices-of and without
 * --background every voxel counts.  Prints JSON: Dice per label value of
 * LAB, and their mean over the non-background values.  --background names
 * the label outside the object (for colin27-4class: 1, outside the brain). */
#define G_LOG_DOMAIN "pellucid-cli"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/data/dataset.h"
#include "engine/data/labels.h"
#include "engine/data/metrics.h"
#include "src/cli/commands.h"
#include "src/cli/uncertainty-options.h"

int
pel_cli_eval (int argc, char **argv)
{
  g_autofree char *pred_path = NULL, *truth_path = NULL, *sparse_path = NULL, *axis_name = NULL;
  int background = -1;
  const GOptionEntry entries[] = {
    { "pred", 'p', 0, G_OPTION_ARG_FILENAME, &pred_path, "Segmentation to score", "SEG" },
    { "truth", 't', 0, G_OPTION_ARG_FILENAME, &truth_path, "Reference label map", "LAB" },
    { "exclude-slices-of", 'x', 0, G_OPTION_ARG_FILENAME, &sparse_path,
      "Leave out the slices in which this label map has labels", "SPARSE" },
    { "axis", 'a', 0, G_OPTION_ARG_STRING, &axis_name, "Slice axis (axial)", "AXIS" },
    { "background", 0, 0, G_OPTION_ARG_INT, &background,
      "Label outside the object: left out of the mean, and slices holding only it are skipped", "VALUE" },
    { NULL }
  };
  g_autoptr (PelUncertaintyOptions) uopts = pel_uncertainty_options_new ();
  g_autoptr (GOptionContext) context = g_option_context_new ("");
  g_autoptr (GError) error = NULL;
  g_autoptr (PlVolume) ref = NULL;
  g_autoptr (PlLabels) pred = NULL, truth = NULL, sparse = NULL;
  g_autofree guint8 *skip = NULL;
  g_autofree gint64 *sparse_counts = NULL;
  g_autofree guint16 *values = NULL;
  g_autofree double *dice = NULL;
  g_autoptr (GArray) used = g_array_new (FALSE, FALSE, sizeof (gint64));
  gsize nv;
  int axis, n_values = 0, n_mean = 0;
  double mean = 0.0;

  g_option_context_set_summary (context, "Dice per label value of SEG against LAB, as JSON.");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, pel_uncertainty_options_eval_group (uopts));
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "pellucid-cli eval: %s\n", error->message);
      return 2;
    }
  if (!pred_path || !truth_path || argc != 1 || background > 65535)
    {
      fprintf (stderr, "Usage: pellucid-cli eval --pred SEG --truth LAB [--exclude-slices-of SPARSE --axis axial] [--background 1]\n");
      return 2;
    }
  ref = pl_volume_load (truth_path, 0, NULL, &error);
  if (ref)
    truth = pl_labels_load (truth_path, ref, &error);
  if (truth)
    pred = pl_labels_load (pred_path, ref, &error);
  if (pred && sparse_path)
    sparse = pl_labels_load (sparse_path, ref, &error);
  if (!pred || (sparse_path && !sparse))
    {
      fprintf (stderr, "pellucid-cli eval: %s\n", error->message);
      return 1;
    }
  axis = pl_axis_from_name (ref, axis_name ? axis_name : "axial");
  if (axis < 0)
    {
      fprintf (stderr, "pellucid-cli eval: unknown axis '%s'\n", axis_name);
      return 2;
    }

  nv = pl_labels_n_voxels (truth);
  skip = g_new0 (guint8, nv);
  if (sparse)
    {
      sparse_counts = g_new0 (gint64, ref->dim[axis]);
      pl_labels_count_slices (sparse, axis, sparse_counts);
    }
  {
    int h, w;
    g_autofree guint16 *sl = NULL;
    pl_slice_dims (ref->dim, axis, &h, &w);
    sl = g_new (guint16, (gsize) h * w);
    for (gint64 z = 0; z < ref->dim[axis]; z++)
      {
        gboolean keep = !(sparse_counts && sparse_counts[z] > 0);
        if (keep && background >= 0)
          {
            gboolean object = FALSE;
            pl_labels_get_slice (truth, axis, z, sl);
            for (gsize i = 0; i < (gsize) h * w && !object; i++)
              object = sl[i] != 0 && sl[i] != background;
            keep = object;
          }
        if (keep)
          g_array_append_val (used, z);
        else
          for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
              skip[pl_slice_voxel (ref->dim, axis, z, y, x)] = 1;
      }
  }
  {
    g_autofree guint8 *present = g_new0 (guint8, 65536);
    for (gsize i = 0; i < nv; i++)
      if (!skip[i])
        present[truth->data[i]] = 1;
    values = g_new (guint16, 65536);
    for (int v = 1; v < 65536; v++)
      if (present[v])
        values[n_values++] = (guint16) v;
  }
  dice = g_new (double, MAX (n_values, 1));
  pl_dice_per_value (pred->data, truth->data, nv, skip, values, n_values, dice);

  {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonGenerator) gen = json_generator_new ();
    g_autoptr (JsonNode) root = NULL;
    g_autofree char *json = NULL;
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "dice");
    json_builder_begin_object (b);
    for (int k = 0; k < n_values; k++)
      {
        char key[8];
        g_snprintf (key, sizeof key, "%u", values[k]);
        json_builder_set_member_name (b, key);
        if (isnan (dice[k]))
          json_builder_add_null_value (b);
        else
          json_builder_add_double_value (b, dice[k]);
        if (values[k] != background && !isnan (dice[k]))
          {
            mean += dice[k];
            n_mean++;
          }
      }
    json_builder_end_object (b);
    json_builder_set_member_name (b, "mean");
    if (n_mean)
      json_builder_add_double_value (b, mean / n_mean);
    else
      json_builder_add_null_value (b);
    json_builder_set_member_name (b, "mean_over");
    json_builder_begin_array (b);
    for (int k = 0; k < n_values; k++)
      if (values[k] != background && !isnan (dice[k]))
        json_builder_add_int_value (b, values[k]);
    json_builder_end_array (b);
    json_builder_set_member_name (b, "background");
    if (background >= 0)
      json_builder_add_int_value (b, background);
    else
      json_builder_add_null_value (b);
    json_builder_set_member_name (b, "axis");
    json_builder_add_int_value (b, axis);
    json_builder_set_member_name (b, "n_slices");
    json_builder_add_int_value (b, used->len);
    if (pel_uncertainty_options_eval_given (uopts)
        && !pel_uncertainty_eval (uopts, ref, truth, pred, skip, axis, values, n_values, background, b, &error))
      {
        fprintf (stderr, "pellucid-cli eval: %s\n", error->message);
        return 1;
      }
    json_builder_end_object (b);
    root = json_builder_get_root (b);
    json_generator_set_pretty (gen, TRUE);
    json_generator_set_root (gen, root);
    json = json_generator_to_data (gen, NULL);
    printf ("%s\n", json);
  }
  return 0;
}
