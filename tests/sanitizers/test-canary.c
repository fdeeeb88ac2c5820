/* The sanitizer builds catch what they should and nothing else: each fault
 * of canary.c must be reported with its sanitizer's message and a failing
 * exit status, and the correctly synchronised mode must run clean.  This
 * guards the wiring (flags, options, suppressions, tsan-glib.c) that every
 * other suite relies on.  The canary is found through PELLUCID_CANARY;
 * PELLUCID_SANITIZE says which sanitizers this build has. */
#include <glib.h>
#include <string.h>

typedef struct
{
  const char *mode;
  const char *sanitizer;   /* must be in PELLUCID_SANITIZE */
  const char *report;      /* expected on stderr; NULL: must run clean */
} Case;

static const Case cases[] = {
  { "leak", "address", "ERROR: LeakSanitizer: detected memory leaks" },
  { "overflow", "address", "ERROR: AddressSanitizer: heap-buffer-overflow" },
  { "ub", "undefined", "runtime error: signed integer overflow" },
  { "race", "thread", "WARNING: ThreadSanitizer: data race" },
  { "locked", NULL, NULL },
};

static void
run_case (gconstpointer data)
{
  const Case *c = data;
  const char *canary = g_getenv ("PELLUCID_CANARY");
  const char *argv[] = { canary, c->mode, NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;
  int wait_status;

  g_assert_nonnull (canary);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &out, &err, &wait_status, &error);
  g_assert_no_error (error);
  if (c->report != NULL)
    {
      g_assert_false (g_spawn_check_wait_status (wait_status, NULL));
      if (strstr (err, c->report) == NULL)
        g_error ("canary %s: expected \"%s\" on stderr, got:\n%s", c->mode, c->report, err);
    }
  else
    {
      if (!g_spawn_check_wait_status (wait_status, NULL) || strstr (err, "Sanitizer") != NULL
          || strstr (err, "runtime error") != NULL)
        g_error ("canary %s must run clean, got:\n%s", c->mode, err);
    }
}

int
main (int argc, char **argv)
{
  const char *sanitize = g_getenv ("PELLUCID_SANITIZE");

  g_test_init (&argc, &argv, NULL);
  g_assert_nonnull (sanitize);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    if (cases[i].sanitizer == NULL || strstr (sanitize, cases[i].sanitizer) != NULL)
      {
        g_autofree char *path = g_strdup_printf ("/sanitizers/canary/%s", cases[i].mode);
        g_test_add_data_func (path, &cases[i], run_case);
      }
  return g_test_run ();
}
