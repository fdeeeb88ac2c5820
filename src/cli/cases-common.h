/* cases-common.h: helpers shared by the cohort commands of pellucid-cli
 * (interpolate, measure, export, import, the cases benchmarks). */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* "1,2,5" -> label values appended to out (guint16); a G_OPTION_ERROR
 * naming the option for anything that is not 0..65535. */
gboolean pel_cli_parse_label_list (const char  *text,
                                   const char  *option,
                                   GArray      *out,
                                   GError     **error);
/* Prints the builder's root, pretty, to stdout, and a newline. */
void     pel_cli_print_json       (JsonBuilder *builder);

G_END_DECLS

#include "engine/cases/cohort.h"

G_BEGIN_DECLS

/* The cohort named by --cases (repeatable: one folder, one list file, or
 * image files) plus any remaining arguments after argv[0] (image files). */
PlCohort *pel_cli_open_cohort     (char       **cases,
                                   int          argc,
                                   char       **argv,
                                   GError     **error);
/* Whether argv holds a --cases option (the train/predict dispatch). */
gboolean  pel_cli_has_cases       (int          argc,
                                   char       **argv);

G_END_DECLS
