/* json-limits.h: a check on JSON text from files before json-glib sees it.
 *
 * json-glib 1.6 parses recursively, several C stack frames per nesting
 * level, with no limit of its own: a model file whose header is a few
 * hundred kilobytes of "[" overflows the stack and kills the process.
 * Every reader that hands outside JSON to json-glib calls
 * pl_json_nesting_ok() first and refuses the text when it fails.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Far deeper than any document Pellucid writes (3 levels). */
#define PL_JSON_MAX_DEPTH 64

/* FALSE when arrays and objects nest deeper than max_depth outside string
 * literals.  length < 0: up to the first NUL.  Says nothing about whether
 * the text is otherwise valid JSON. */
gboolean pl_json_nesting_ok (const char *text,
                             gssize      length,
                             guint       max_depth);

G_END_DECLS
