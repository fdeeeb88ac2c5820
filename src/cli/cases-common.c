/* Helpers of the cohort commands.  See cases-common.h. */
#define G_LOG_DOMAIN "pellucid-cli"

#include "src/cli/cases-common.h"

#include <stdio.h>

gboolean
pel_cli_parse_label_list (const char  *text,
                          const char  *option,
                          GArray      *out,
                          GError     **error)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  for (int i = 0; parts[i]; i++)
    {
      char *end = NULL;
      const char *p = g_strstrip (parts[i]);
      gint64 v = g_ascii_strtoll (p, &end, 10);
      guint16 u;
      if (*p == '\0' || *end != '\0' || v < 0 || v > 65535)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "%s: '%s' is not a label value (0–65535)", option, p);
          return FALSE;
        }
      u = (guint16) v;
      g_array_append_val (out, u);
    }
  return TRUE;
}

void
pel_cli_print_json (JsonBuilder *builder)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  printf ("%s\n", text);
}

PlCohort *
pel_cli_open_cohort (char   **cases,
                     int      argc,
                     char   **argv,
                     GError **error)
{
  g_autoptr (GPtrArray) paths = g_ptr_array_new ();

  for (int i = 0; cases && cases[i]; i++)
    g_ptr_array_add (paths, cases[i]);
  for (int i = 1; i < argc; i++)
    g_ptr_array_add (paths, argv[i]);
  return pl_cohort_open ((const char *const *) paths->pdata, (int) paths->len, error);
}

gboolean
pel_cli_has_cases (int    argc,
                   char **argv)
{
  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--cases") || g_str_has_prefix (argv[i], "--cases="))
      return TRUE;
  return FALSE;
}
