/* cli-run.h: what the CLI test suites share — a scratch folder and a way to
 * run pellucid-cli and take its exit status and output.  Each suite sets
 * `cli` (the program's path) and `tmpdir` in main(). */
#pragma once

#include <glib.h>
#include <stdarg.h>
#include <sys/wait.h>

static char *tmpdir;
static const char *cli;

/* A path in the scratch folder (free it). */
static G_GNUC_UNUSED char *
tmp (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

/* Runs the CLI with the arguments up to NULL; returns its exit status (−1
 * when it did not exit), with stdout and stderr in out and err. */
static G_GNUC_UNUSED G_GNUC_NULL_TERMINATED int
run (char **out, char **err, ...)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  va_list ap;
  int status;
  const char *a;

  g_ptr_array_add (args, (char *) cli);
  va_start (ap, err);
  while ((a = va_arg (ap, const char *)))
    g_ptr_array_add (args, (char *) a);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) args->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               out, err, &status, &error));
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}
