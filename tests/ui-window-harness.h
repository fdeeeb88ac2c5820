/* What the window suites share (test-ui.c, test-ui-annotator.c): one
 * application registered once, a fresh folder for everything the program
 * writes, and the helpers that wait for the window.  Include once, in the
 * test program's single source file. */
#pragma once

#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "src/pel-application.h"
#include "src/pel-window.h"
#include "tests/test-sanitizer.h"
#define UI_WAIT_SECONDS 20
#define UI_DRAIN_ROUNDS 50
#include "tests/ui-wait.h"

static PelApplication *app;
static char *tmpdir;

G_GNUC_UNUSED static gboolean
job_finished (gpointer data)
{
  PelJob *job = pel_window_get_job (data);
  return job != NULL && !pel_job_get_running (job);
}

G_GNUC_UNUSED static gboolean
views_allocated (gpointer data)
{
  PelSliceView *axial = pel_viewer_get_view (pel_window_get_viewer (data), PL_VIEW_AXIAL);
  return gtk_widget_get_mapped (GTK_WIDGET (axial)) && gtk_widget_get_width (GTK_WIDGET (axial)) > 50;
}

/* LPS: i towards the patient's left, j posterior, k superior;
 * 1 x 1.25 x 2 mm. */
G_GNUC_UNUSED static PlVolume *
make_volume (void)
{
  static const gint64 dim[3] = { 40, 32, 20 };
  double m[4][4] = { { -1, 0, 0, 20 }, { 0, -1.25, 0, 20 }, { 0, 0, 2, -20 }, { 0, 0, 0, 1 } };
  PlVolume *v = pl_volume_new (dim, NULL, m);

  for (gint64 k = 0; k < dim[2]; k++)
    for (gint64 j = 0; j < dim[1]; j++)
      for (gint64 i = 0; i < dim[0]; i++)
        v->data[i + dim[0] * (j + dim[1] * k)] = (float) ((i * 7 + j * 3 + k * 11) % 200);
  pl_volume_update_stats (v);
  return v;
}

G_GNUC_UNUSED static PelWindow *
new_window (void)
{
  PelWindow *win = pel_window_new (GTK_APPLICATION (app));

  g_object_ref (win);   /* for g_assert_finalize_object */
  gtk_window_set_default_size (GTK_WINDOW (win), 1200, 800);
  gtk_window_present (GTK_WINDOW (win));
  return win;
}

G_GNUC_UNUSED static void
close_window (PelWindow *win)
{
  gtk_window_destroy (GTK_WINDOW (win));
  drain ();
  g_assert_finalize_object (win);
}

static void
harness_remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        harness_remove_tree (child);
      else
        g_remove (child);
    }
  g_rmdir (path);
}

/* Everything the program writes goes to a fresh folder (tmpdir, made from
 * the mkdtemp template); GTK and the application are set up for tests. */
static void
harness_init (int        *argc,
              char     ***argv,
              const char *template)
{
  g_autoptr (GError) error = NULL;
  static const char *xdg[] = { "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME" };

  tmpdir = g_dir_make_tmp (template, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (xdg); i++)
    {
      g_autofree char *dir = g_build_filename (tmpdir, xdg[i], NULL);
      g_setenv (xdg[i], dir, TRUE);
    }
  /* GTK 4.8's recent manager leaks a GDateTime whenever it trims the list
   * to gtk-recent-files-max-age (gtkrecentmanager.c, clamp_to_age inlined
   * in real_changed), which LeakSanitizer would report: no age limit here. */
  {
    g_autofree char *gtk_config = g_build_filename (tmpdir, "XDG_CONFIG_HOME", "gtk-4.0", NULL);
    g_autofree char *ini = g_build_filename (gtk_config, "settings.ini", NULL);
    g_mkdir_with_parents (gtk_config, 0700);
    g_file_set_contents (ini, "[Settings]\ngtk-recent-files-max-age=-1\n", -1, NULL);
  }
  /* Software rendering only: no GL driver to probe under Xvfb. */
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("GDK_DEBUG", "gl-disable", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);

  gtk_test_init (argc, argv, NULL);
  g_set_application_name ("Pellucid");
  app = pel_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_HANDLES_COMMAND_LINE | G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("cannot register the application: %s", error->message);
}

static void
harness_finish (void)
{
  g_clear_object (&app);
  harness_remove_tree (tmpdir);
  g_free (tmpdir);
}
