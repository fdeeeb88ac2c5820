/* pellucid-cli bench interpolate-colin27: slice interpolation on Colin27.
 *
 *   pellucid-cli bench interpolate-colin27 [--truth LAB] [--every 10]
 *                                          [--axis axial]
 *
 * Keeps every EVERY-th axial slice (z ≡ 0 mod EVERY) of colin27-4class.nii.gz
 * (DATA/…, DATA = $PELLUCID_DATA or ../shared/data), clears the others,
 * interpolates them (engine/data/interpolate.h, unlabelled voxels only) and
 * reports the Dice of labels 1–4 in 3-D over the cleared slices, their mean
 * over 2–4 (the brain classes), the same for the baseline that copies the
 * nearest kept slice, the wall time, the undo step's size, and whether
 * undoing it restores the sparse map exactly.  Ends with a RESULT_JSON line. */
#define G_LOG_DOMAIN "pellucid-cli"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/data/dataset.h"
#include "engine/data/interpolate.h"
#include "engine/data/metrics.h"
#include "src/cli/cases-common.h"
#include "src/cli/commands.h"

#define N_VALUES 4

static void
dice_over (const PlLabels *pred, const PlLabels *truth, const guint8 *skip, double *dice)
{
  static const guint16 values[N_VALUES] = { 1, 2, 3, 4 };
  pl_dice_per_value (pred->data, truth->data, pl_labels_n_voxels (truth), skip, values, N_VALUES, dice);
}

static void
add_dice (JsonBuilder *b, const char *name, const double *dice)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  for (int c = 0; c < N_VALUES; c++)
    {
      char key[16];
      g_snprintf (key, sizeof key, "%d", c + 1);
      json_builder_set_member_name (b, key);
      json_builder_add_double_value (b, dice[c]);
    }
  json_builder_set_member_name (b, "mean_2_4");
  json_builder_add_double_value (b, (dice[1] + dice[2] + dice[3]) / 3.0);
  json_builder_end_object (b);
}

int
pel_cli_bench_interpolate (int argc, char **argv)
{
  g_autofree char *truth_path = NULL, *axis_name = NULL;
  int every = 10;
  const GOptionEntry entries[] = {
    { "truth", 0, 0, G_OPTION_ARG_FILENAME, &truth_path, "Every voxel labelled (DATA/colin27-4class.nii.gz)", "LAB" },
    { "every", 0, 0, G_OPTION_ARG_INT, &every, "Keep every N-th slice (10)", "N" },
    { "axis", 'a', 0, G_OPTION_ARG_STRING, &axis_name, "Slice axis (axial)", "AXIS" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("interpolate-colin27");
  g_autoptr (GError) error = NULL;
  g_autoptr (PlVolume) ref = NULL;
  g_autoptr (PlLabels) truth = NULL, sparse = NULL, interp = NULL, nearest = NULL;
  g_autoptr (PlUndo) undo = pl_undo_new ((gsize) 1 << 30);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *line = NULL;
  g_autofree guint8 *skip = NULL;
  g_autofree guint16 *slice = NULL;
  PlInterpolateOptions opt;
  PlInterpolateStats st;
  PlEdit *edit;
  double dice_i[N_VALUES], dice_n[N_VALUES], wall;
  gboolean exact;
  gsize n, sh, sw, off;
  gint64 depth, n_cleared = 0;
  int axis, h, w;

  g_option_context_set_summary (context, "Dice of distance-field slice interpolation on colin27-4class.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "pellucid-cli bench: %s\n", error->message);
      return 2;
    }
  if (argc != 2 || every < 2)
    {
      fprintf (stderr, "Usage: pellucid-cli bench interpolate-colin27 [--truth LAB] [--every N ≥ 2] [--axis axial]\n");
      return 2;
    }
  if (!truth_path)
    {
      const char *dir = g_getenv ("PELLUCID_DATA");
      truth_path = g_build_filename (dir && *dir ? dir : "../shared/data", "colin27-4class.nii.gz", NULL);
    }
  ref = pl_volume_load (truth_path, 0, NULL, &error);
  if (ref)
    truth = pl_labels_load (truth_path, ref, &error);
  if (!truth)
    {
      fprintf (stderr, "pellucid-cli bench: %s\n", error->message);
      return 1;
    }
  axis = pl_axis_from_name (ref, axis_name ? axis_name : "axial");
  if (axis < 0)
    {
      fprintf (stderr, "pellucid-cli bench: unknown axis '%s'\n", axis_name);
      return 2;
    }

  /* Sparse map: slices z ≡ 0 (mod every) kept; skip marks the kept ones. */
  n = pl_labels_n_voxels (truth);
  depth = truth->dim[axis];
  pl_slice_dims (truth->dim, axis, &h, &w);
  sparse = pl_labels_copy (truth);
  nearest = pl_labels_copy (truth);
  skip = g_new0 (guint8, n);
  slice = g_new (guint16, (gsize) h * w);
  for (gint64 t = 0; t < depth; t++)
    {
      gint64 near = MIN ((t + every / 2) / every * every, (depth - 1) / every * every);
      pl_slice_strides (truth->dim, axis, t, &sh, &sw, &off);
      if (t % every == 0)
        {
          for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
              skip[off + y * sh + x * sw] = 1;
          continue;
        }
      n_cleared++;
      memset (slice, 0, (gsize) h * w * sizeof *slice);
      pl_labels_set_slice (sparse, axis, t, slice);
      pl_labels_get_slice (truth, axis, near, slice);
      pl_labels_set_slice (nearest, axis, t, slice);
    }

  interp = pl_labels_copy (sparse);
  pl_interpolate_options_init (&opt, axis);
  for (int a = 0; a < 3; a++)
    opt.spacing[a] = ref->pixdim[a];
  edit = pl_edit_new (interp->dim);
  {
    gint64 t0 = g_get_monotonic_time ();
    if (!pl_interpolate_slices (interp, &opt, edit, &st, &error))
      {
        fprintf (stderr, "pellucid-cli bench: %s\n", error->message);
        pl_edit_free (edit);
        return 1;
      }
    wall = (g_get_monotonic_time () - t0) * 1e-6;
  }
  dice_over (interp, truth, skip, dice_i);
  dice_over (nearest, truth, skip, dice_n);
  {
    g_autoptr (PlLabels) work = pl_labels_copy (interp);
    pl_undo_push (undo, "Interpolate slices", edit);
    pl_undo_undo (undo, work->data, NULL);
    exact = memcmp (work->data, sparse->data, n * sizeof (guint16)) == 0;
    pl_undo_redo (undo, work->data, NULL);
    exact = exact && memcmp (work->data, interp->data, n * sizeof (guint16)) == 0;
  }

  printf ("interpolate-colin27: every %d-th slice along axis %d kept, %" G_GINT64_FORMAT " slices interpolated\n",
          every, axis, n_cleared);
  printf ("  distance-field interpolation  Dice 1..4: %.4f %.4f %.4f %.4f  mean(2-4) %.4f  %.2f s\n",
          dice_i[0], dice_i[1], dice_i[2], dice_i[3], (dice_i[1] + dice_i[2] + dice_i[3]) / 3, wall);
  printf ("  nearest kept slice (baseline) Dice 1..4: %.4f %.4f %.4f %.4f  mean(2-4) %.4f\n",
          dice_n[0], dice_n[1], dice_n[2], dice_n[3], (dice_n[1] + dice_n[2] + dice_n[3]) / 3);
  printf ("  undo step %" G_GSIZE_FORMAT " bytes for %" G_GSIZE_FORMAT " voxels; undo/redo exact: %s\n",
          pl_undo_get_bytes (undo), st.n_changed, exact ? "yes" : "NO");

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "workload");
  json_builder_add_string_value (b, "interpolate-colin27");
  json_builder_set_member_name (b, "every");
  json_builder_add_int_value (b, every);
  json_builder_set_member_name (b, "slices_interpolated");
  json_builder_add_int_value (b, n_cleared);
  add_dice (b, "dice", dice_i);
  add_dice (b, "dice_nearest_slice", dice_n);
  json_builder_set_member_name (b, "wall_s");
  json_builder_add_double_value (b, wall);
  json_builder_set_member_name (b, "voxels_written");
  json_builder_add_int_value (b, (gint64) st.n_changed);
  json_builder_set_member_name (b, "undo_bytes");
  json_builder_add_int_value (b, (gint64) pl_undo_get_bytes (undo));
  json_builder_set_member_name (b, "undo_exact");
  json_builder_add_boolean_value (b, exact);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  line = json_generator_to_data (gen, NULL);
  printf ("RESULT_JSON %s\n", line);
  return exact ? 0 : 1;
}
