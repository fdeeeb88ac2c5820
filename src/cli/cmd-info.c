/* pellucid-cli info FILE [--volume T]: a NIfTI file's header and intensity
 * statistics as JSON on stdout. */
#define G_LOG_DOMAIN "pellucid-cli"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>

#include "engine/io/nifti.h"
#include "engine/data/volume.h"
#include "src/cli/commands.h"

static const char *
xform_name (PlXformSource source)
{
  switch (source)
    {
    case PL_XFORM_SFORM:  return "sform";
    case PL_XFORM_QFORM:  return "qform";
    case PL_XFORM_PIXDIM: return "pixdim";
    default:              return "unknown";
    }
}

/* JSON has no NaN or infinity: such header fields are reported as null. */
static void
add_number (JsonBuilder *b, const char *member, double value)
{
  if (member != NULL)
    json_builder_set_member_name (b, member);
  if (isfinite (value))
    json_builder_add_double_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_int (JsonBuilder *b, const char *member, gint64 value)
{
  json_builder_set_member_name (b, member);
  json_builder_add_int_value (b, value);
}

static JsonNode *
describe (const PlVolume *v, const PlNiftiInfo *info)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *path = g_filename_display_name (v->path);
  char orientation[4];

  pl_volume_orientation_code (v, orientation);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "path");
  json_builder_add_string_value (b, path);
  add_int (b, "nifti_version", info->nifti_version);
  json_builder_set_member_name (b, "dims");
  json_builder_begin_array (b);
  for (int i = 0; i < info->n_dims; i++)
    json_builder_add_int_value (b, info->dim[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "pixdim");
  json_builder_begin_array (b);
  for (int i = 1; i <= info->n_dims; i++)
    add_number (b, NULL, info->pixdim[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "datatype");
  json_builder_add_string_value (b, pl_nifti_datatype_name (info->datatype));
  add_number (b, "scl_slope", v->scl_slope);
  add_number (b, "scl_inter", v->scl_inter);
  add_int (b, "qform_code", v->qform_code);
  add_int (b, "sform_code", v->sform_code);
  json_builder_set_member_name (b, "xform");
  json_builder_add_string_value (b, xform_name (v->xform_source));
  json_builder_set_member_name (b, "vox2world");
  json_builder_begin_array (b);
  for (int r = 0; r < 4; r++)
    {
      json_builder_begin_array (b);
      for (int c = 0; c < 4; c++)
        add_number (b, NULL, v->vox2world[r][c]);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "orientation");
  json_builder_add_string_value (b, orientation);
  add_int (b, "volume", v->volume_index);
  add_int (b, "n_volumes", v->n_volumes);
  add_number (b, "min", v->min);
  add_number (b, "max", v->max);
  add_number (b, "mean", v->mean);
  add_int (b, "nonfinite", v->n_nonfinite);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

int
pel_cli_info (int argc, char **argv)
{
  gint64 volume_index = 0;
  const GOptionEntry entries[] = {
    { "volume", 't', 0, G_OPTION_ARG_INT64, &volume_index,
      "Which volume of a 4-D file (from 0)", "T" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("FILE");
  g_autoptr (GError) error = NULL;
  g_autoptr (PlVolume) volume = NULL;
  g_autoptr (JsonGenerator) gen = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *json = NULL;
  PlNiftiInfo info;

  g_option_context_set_summary (context,
                                "Print a NIfTI file's header, voxel-to-world matrix, orientation\n"
                                "and intensity statistics as JSON.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "pellucid-cli info: %s\n", error->message);
      return 2;
    }
  if (argc != 2)
    {
      fprintf (stderr, "Usage: pellucid-cli info FILE [--volume T]\n");
      return 2;
    }

  volume = pl_volume_load (argv[1], volume_index, NULL, &error);
  if (volume == NULL)
    {
      fprintf (stderr, "pellucid-cli info: %s\n", error->message);
      return 1;
    }
  if (!pl_volume_get_nifti_info (volume, &info))
    g_assert_not_reached ();

  root = describe (volume, &info);
  gen = json_generator_new ();
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, root);
  json = json_generator_to_data (gen, NULL);
  printf ("%s\n", json);
  return 0;
}
