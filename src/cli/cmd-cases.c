/* pellucid-cli cases: list a cohort and its cases' states.
 *
 *   pellucid-cli cases --cases DIR|LIST|IMG… [--scan] [--set NAME=STATE]…
 *
 * Prints each case's name, image, segmentation (by the naming rules of
 * engine/cases/cohort.h), proposal, state and painted slices as JSON.
 * --scan loads each segmentation (one at a time) to count its painted axial
 * slices; --set changes a state (untouched, painted, proposed, reviewed).
 * With --scan or --set the manifest beside the cohort is written. */
#define G_LOG_DOMAIN "pellucid-cli"

#include <stdio.h>
#include <string.h>

#include "engine/data/dataset.h"
#include "src/cli/cases-common.h"
#include "src/cli/commands.h"

int
pel_cli_cases (int argc, char **argv)
{
  g_auto (GStrv) cases = NULL, sets = NULL;
  gboolean scan = FALSE;
  const GOptionEntry entries[] = {
    { "cases", 'c', 0, G_OPTION_ARG_FILENAME_ARRAY, &cases, "A folder, a list file, or images (repeatable)", "DIR|LIST|IMG" },
    { "scan", 0, 0, G_OPTION_ARG_NONE, &scan, "Count each case's painted axial slices", NULL },
    { "set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets, "Set a case's state (repeatable)", "NAME=STATE" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("[IMG…]");
  g_autoptr (GError) error = NULL;
  g_autoptr (PlCohort) cohort = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  guint counts[4];

  g_option_context_set_summary (context, "List the cases of a cohort with their segmentations and states.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "pellucid-cli cases: %s\n", error->message);
      return 2;
    }
  if (!cases && argc < 2)
    {
      fprintf (stderr, "Usage: pellucid-cli cases --cases DIR|LIST|IMG… [--scan] [--set NAME=STATE]\n");
      return 2;
    }
  cohort = pel_cli_open_cohort (cases, argc, argv, &error);
  if (!cohort)
    {
      fprintf (stderr, "pellucid-cli cases: %s\n", error->message);
      return 1;
    }
  for (guint i = 0; scan && i < pl_cohort_get_n (cohort); i++)
    {
      PlCase *c = pl_cohort_get_case (cohort, i);
      g_autoptr (PlVolume) v = NULL;
      g_autoptr (PlLabels) l = NULL;
      if (!c->labels_path)
        {
          c->painted_slices = 0;
          continue;
        }
      if (!pl_case_load (c, &v, &l, &error))
        {
          fprintf (stderr, "pellucid-cli cases: %s\n", error->message);
          return 1;
        }
      pl_case_update_from_labels (c, l, pl_volume_axial_axis (v));
    }
  for (int i = 0; sets && sets[i]; i++)
    {
      g_auto (GStrv) kv = g_strsplit (sets[i], "=", 2);
      PlCase *c = kv[1] ? pl_cohort_lookup (cohort, kv[0]) : NULL;
      int state = kv[1] ? pl_case_state_from_string (kv[1]) : -1;
      if (!c || state < 0)
        {
          fprintf (stderr, "pellucid-cli cases: --set %s: %s\n", sets[i],
                   !kv[1] ? "expected NAME=STATE" : !c ? "no such case" :
                   "unknown state (untouched, painted, proposed, reviewed)");
          return 2;
        }
      c->state = (PlCaseState) state;
    }
  if ((scan || sets) && !pl_cohort_save_manifest (cohort, NULL, &error))
    {
      fprintf (stderr, "pellucid-cli cases: %s\n", error->message);
      return 1;
    }
  pl_cohort_count_states (cohort, counts);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "root");
  json_builder_add_string_value (b, pl_cohort_get_root (cohort));
  json_builder_set_member_name (b, "states");
  json_builder_begin_object (b);
  for (int s = 0; s < 4; s++)
    {
      json_builder_set_member_name (b, pl_case_state_to_string ((PlCaseState) s));
      json_builder_add_int_value (b, counts[s]);
    }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "cases");
  json_builder_begin_array (b);
  for (guint i = 0; i < pl_cohort_get_n (cohort); i++)
    {
      PlCase *c = pl_cohort_get_case (cohort, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, c->name);
      json_builder_set_member_name (b, "image");
      json_builder_add_string_value (b, c->image_path);
      json_builder_set_member_name (b, "labels");
      if (c->labels_path)
        json_builder_add_string_value (b, c->labels_path);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "proposal");
      if (c->proposal_path)
        json_builder_add_string_value (b, c->proposal_path);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "state");
      json_builder_add_string_value (b, pl_case_state_to_string (c->state));
      json_builder_set_member_name (b, "painted_slices");
      json_builder_add_int_value (b, c->painted_slices);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  pel_cli_print_json (b);
  return 0;
}
