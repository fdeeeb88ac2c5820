/* pellucid-cli export nnunet: the cohort as an nnU-Net v2 raw dataset.
 *
 *   pellucid-cli export nnunet --cases DIR|LIST|IMG… --out DatasetNNN_NAME
 *                      [--names LABELS.txt] [--channel-name MR]
 *                      [--background VALUE] [--no-verify]
 *   pellucid-cli export nnunet --check DIR
 *
 * Cases with painted voxels go to imagesTr/labelsTr, the others to
 * imagesTs; labels are remapped to 0..K−1 (the background value, the lowest
 * by default, to 0) and unpainted voxels of sparsely painted cases get the
 * ignore label K (engine/cases/nnunet.h).  The written folder is then
 * checked as nnU-Net's verify_dataset_integrity would (--no-verify skips
 * it); --check only checks an existing folder.  Prints JSON. */
#define G_LOG_DOMAIN "pellucid-cli"

#include <stdio.h>
#include <string.h>

#include "engine/cases/nnunet.h"
#include "src/cli/cases-common.h"
#include "src/cli/commands.h"

int
pel_cli_export (int argc, char **argv)
{
  g_auto (GStrv) cases = NULL;
  g_autofree char *out = NULL, *names_path = NULL, *channel = NULL, *check = NULL;
  int background = -1;
  gboolean no_verify = FALSE;
  const GOptionEntry entries[] = {
    { "cases", 'c', 0, G_OPTION_ARG_FILENAME_ARRAY, &cases, "A folder, a list file, or images (repeatable)", "DIR|LIST|IMG" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Dataset folder to write (e.g. $nnUNet_raw/Dataset001_Brain)", "DIR" },
    { "names", 'n', 0, G_OPTION_ARG_FILENAME, &names_path, "ITK-SNAP label description file for the label names", "FILE" },
    { "channel-name", 0, 0, G_OPTION_ARG_STRING, &channel, "channel_names[\"0\"] (MR; CT selects nnU-Net's CT normalisation)", "NAME" },
    { "background", 0, 0, G_OPTION_ARG_INT, &background, "Label value exported as nnU-Net's background 0 (the lowest)", "VALUE" },
    { "no-verify", 0, 0, G_OPTION_ARG_NONE, &no_verify, "Do not check the written folder", NULL },
    { "check", 0, 0, G_OPTION_ARG_FILENAME, &check, "Only check an existing raw dataset folder", "DIR" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("nnunet [IMG…]");
  g_autoptr (GError) error = NULL;
  g_autoptr (PlCohort) cohort = NULL;
  g_autoptr (PlLabelTable) names = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  PlNnunetExportOptions opt;
  PlNnunetExport res;
  gint64 t0;

  g_option_context_set_summary (context, "Write the cohort as an nnU-Net v2 raw dataset (imagesTr, labelsTr, imagesTs, dataset.json).");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "pellucid-cli export: %s\n", error->message);
      return 2;
    }
  if (argc < 2 || strcmp (argv[1], "nnunet") != 0 || (!check && (!out || (!cases && argc < 3))))
    {
      fprintf (stderr, "Usage: pellucid-cli export nnunet --cases DIR|LIST|IMG… --out DIR [--names LABELS.txt] "
               "[--channel-name MR] [--background VALUE] [--no-verify]\n"
               "       pellucid-cli export nnunet --check DIR\n");
      return 2;
    }
  if (check)
    {
      if (!pl_nnunet_verify (check, &error))
        {
          fprintf (stderr, "pellucid-cli export: %s\n", error->message);
          return 1;
        }
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "checked");
      json_builder_add_string_value (b, check);
      json_builder_set_member_name (b, "valid");
      json_builder_add_boolean_value (b, TRUE);
      json_builder_end_object (b);
      pel_cli_print_json (b);
      return 0;
    }
  cohort = pel_cli_open_cohort (cases, argc - 1, argv + 1, &error);
  if (cohort && names_path)
    names = pl_label_table_load (names_path, &error);
  if (!cohort || (names_path && !names))
    {
      fprintf (stderr, "pellucid-cli export: %s\n", error->message);
      return 1;
    }
  pl_nnunet_export_options_init (&opt);
  opt.channel_name = channel;
  opt.background = background;
  opt.names = names;
  t0 = g_get_monotonic_time ();
  if (!pl_nnunet_export (cohort, out, &opt, &res, &error)
      || (!no_verify && !pl_nnunet_verify (out, &error)))
    {
      fprintf (stderr, "pellucid-cli export: %s\n", error->message);
      return 1;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "out");
  json_builder_add_string_value (b, out);
  json_builder_set_member_name (b, "training_cases");
  json_builder_add_int_value (b, res.n_training);
  json_builder_set_member_name (b, "test_cases");
  json_builder_add_int_value (b, res.n_test);
  json_builder_set_member_name (b, "label_values");
  json_builder_begin_array (b);
  for (int k = 0; k < res.n_labels; k++)
    json_builder_add_int_value (b, res.label_values[k]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "ignore_label");
  if (res.has_ignore)
    json_builder_add_int_value (b, res.n_labels);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "verified");
  json_builder_add_boolean_value (b, !no_verify);
  json_builder_set_member_name (b, "wall_s");
  json_builder_add_double_value (b, (g_get_monotonic_time () - t0) * 1e-6);
  json_builder_end_object (b);
  pel_cli_print_json (b);
  return 0;
}
