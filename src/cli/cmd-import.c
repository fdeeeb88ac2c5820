/* pellucid-cli import nnunet: nnU-Net predictions back as proposals.
 *
 *   pellucid-cli import nnunet --cases DIR|LIST|IMG… --predictions DIR
 *                      [--dataset DatasetNNN/dataset.json] [--proposals DIR]
 *
 * Each case NAME with a prediction DIR/NAME.nii.gz (nnUNetv2_predict's
 * output) gets it as a proposal in Pellucid's label values (the mapping
 * recorded in dataset.json by export nnunet), written to PROPOSALS/NAME.nii.gz
 * (default: the cohort folder's proposals/); the case becomes "proposed"
 * and the manifest beside the cohort is updated.  Prints JSON. */
#define G_LOG_DOMAIN "pellucid-cli"

#include <stdio.h>
#include <string.h>

#include "engine/cases/nnunet.h"
#include "src/cli/cases-common.h"
#include "src/cli/commands.h"

int
pel_cli_import (int argc, char **argv)
{
  g_auto (GStrv) cases = NULL;
  g_autofree char *preds = NULL, *dataset = NULL, *proposals = NULL;
  const GOptionEntry entries[] = {
    { "cases", 'c', 0, G_OPTION_ARG_FILENAME_ARRAY, &cases, "A folder, a list file, or images (repeatable)", "DIR|LIST|IMG" },
    { "predictions", 'p', 0, G_OPTION_ARG_FILENAME, &preds, "nnUNetv2_predict's output folder", "DIR" },
    { "dataset", 'd', 0, G_OPTION_ARG_FILENAME, &dataset, "dataset.json written by export nnunet (label mapping)", "FILE" },
    { "proposals", 0, 0, G_OPTION_ARG_FILENAME, &proposals, "Folder for the proposals (COHORT/proposals)", "DIR" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("nnunet [IMG…]");
  g_autoptr (GError) error = NULL;
  g_autoptr (PlCohort) cohort = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  guint n = 0;

  g_option_context_set_summary (context, "Import an nnU-Net prediction folder as proposals of the cohort's cases.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "pellucid-cli import: %s\n", error->message);
      return 2;
    }
  if (argc < 2 || strcmp (argv[1], "nnunet") != 0 || !preds || (!cases && argc < 3))
    {
      fprintf (stderr, "Usage: pellucid-cli import nnunet --cases DIR|LIST|IMG… --predictions DIR "
               "[--dataset dataset.json] [--proposals DIR]\n");
      return 2;
    }
  cohort = pel_cli_open_cohort (cases, argc - 1, argv + 1, &error);
  if (!cohort || !pl_nnunet_import (cohort, preds, dataset, proposals, &n, &error)
      || !pl_cohort_save_manifest (cohort, NULL, &error))
    {
      fprintf (stderr, "pellucid-cli import: %s\n", error->message);
      return 1;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "imported");
  json_builder_add_int_value (b, n);
  json_builder_set_member_name (b, "cases");
  json_builder_begin_array (b);
  for (guint i = 0; i < pl_cohort_get_n (cohort); i++)
    {
      PlCase *c = pl_cohort_get_case (cohort, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, c->name);
      json_builder_set_member_name (b, "state");
      json_builder_add_string_value (b, pl_case_state_to_string (c->state));
      json_builder_set_member_name (b, "proposal");
      if (c->proposal_path)
        json_builder_add_string_value (b, c->proposal_path);
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  pel_cli_print_json (b);
  return 0;
}
