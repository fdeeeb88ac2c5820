/* Shared by the libFuzzer targets: a private folder for the files each
 * input is written to, and the settings every target runs with. */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine/data/volume.h"

static char *fuzz_dir;

static void
fuzz_cleanup (void)
{
  g_autoptr (GDir) d = fuzz_dir ? g_dir_open (fuzz_dir, 0, NULL) : NULL;
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (fuzz_dir, name, NULL);
      g_unlink (p);
    }
  if (fuzz_dir != NULL)
    g_rmdir (fuzz_dir);
}

/* A GLib warning or critical means a precondition was broken: a bug. */
static void
fuzz_setup (void)
{
  const char *base = g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm" : g_get_tmp_dir ();
  g_autofree char *tmpl = g_build_filename (base, "pellucid-fuzz-XXXXXX", NULL);

  g_log_set_always_fatal (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);
  fuzz_dir = g_mkdtemp (g_steal_pointer (&tmpl));
  if (fuzz_dir == NULL)
    abort ();
  atexit (fuzz_cleanup);
  /* Large enough that the budget never hides an allocation the file has
   * not earned; -malloc_limit_mb in scripts/fuzz catches those. */
  pl_volume_set_memory_budget (G_GUINT64_CONSTANT (1) << 30);
}

static inline char *
fuzz_path (const char *name)
{
  return g_build_filename (fuzz_dir, name, NULL);
}

static inline void
fuzz_write (const char *path, const void *data, size_t n)
{
  if (!g_file_set_contents (path, data, (gssize) n, NULL))
    abort ();
}
