/* bench-stall-restore: how long the main loop stalls while the Restore
 * panel fits or trains.
 *
 * The real window (under Xvfb, software rendering) opens Colin27, the
 * Restore panel adds Gaussian noise (σ = 25/255 of the maximum) keeping the
 * original, then:
 *
 *   idle      the window alone
 *   dip       a deep image prior on the axial slice on screen (live loss,
 *             PSNR, the averaged output every 10 iterations) while the
 *             user moves to another slice every 1.5 s and changes the
 *             window every 2 s
 *   n2n       the same with Noise2Noise training on every axial slice
 *             (loss every step, the slice on screen restored every 10)
 *   ct        the same with CT of the slice on screen for twice as long:
 *             the scan, both back projections, then deep image prior + TV
 *             live, its warm start and its fit to the sinogram (the
 *             pictures of the sinogram and reconstructions, the plots)
 *
 * A G_PRIORITY_HIGH timeout every 5 ms records the gap since its previous
 * run; each phase reports its worst gap, 99th percentile and count over
 * 50 ms, with the main thread's own work and its wait for a CPU during the
 * worst gaps (as bench-stall does for the Train panel).
 *
 *   meson test -C build --benchmark --suite ui stall-restore -v
 *   build/tests/bench-stall-restore [--seconds 20]
 */
#include <gtk/gtk.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "src/pel-application.h"
#include "src/pel-restore-panel.h"
#include "src/pel-window.h"
#include "tests/stall-phases.h"

#define IMAGE "/usr/share/mricron/templates/ch2.nii.gz"

static int seconds = 20;

static const char *last_event = "start";

static void
run_for (double s)
{
  gint64 end = g_get_monotonic_time () + (gint64) (s * G_USEC_PER_SEC);
  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
}

typedef gboolean (*Condition) (gpointer data);

static void
run_until (Condition cond,
           gpointer  data,
           double    timeout_s)
{
  gint64 end = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);
  while (!cond (data))
    {
      if (g_get_monotonic_time () > end)
        g_error ("timed out after %s", last_event);
      g_main_context_iteration (NULL, TRUE);
    }
}

static gboolean
loaded (gpointer data)
{
  PelWindow *win = data;
  PelJob *job = pel_window_get_job (win);
  return (job == NULL || !pel_job_get_running (job)) && pel_document_has_volume (pel_window_get_document (win));
}

static gboolean
idle_run (gpointer data)
{
  return !pel_live_run_get_running (data);
}

static PelRestorePanel *
find_panel (GtkWidget *w)
{
  if (PEL_IS_RESTORE_PANEL (w))
    return PEL_RESTORE_PANEL (w);
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    {
      PelRestorePanel *p = find_panel (c);
      if (p)
        return p;
    }
  return NULL;
}

/* Another axial slice: the views redraw (the fit keeps its slice). */
static gboolean
move_slice (gpointer data)
{
  PelDocument *doc = data;
  gint64 c[3];

  pel_document_get_cursor (doc, c);
  c[2] = 40 + (c[2] + 17 - 40) % 100;
  pel_document_set_cursor (doc, c);
  stall_event (last_event = "cursor moved");
  return G_SOURCE_CONTINUE;
}

/* A narrower or wider window: views and pictures redraw. */
static gboolean
change_window (gpointer data)
{
  PelDocument *doc = data;
  static int k;
  double w, l;

  pel_document_get_window_level (doc, &w, &l);
  pel_document_set_window_level (doc, (k++ % 2) ? w * 1.25 : w * 0.8, l);
  stall_event (last_event = "window changed");
  return G_SOURCE_CONTINUE;
}

static void
live_phase (PelRestorePanel *panel,
            PelDocument     *doc,
            const char      *name,
            const char      *series,
            int              phase_seconds)
{
  PelLiveRun *run = pel_restore_panel_get_run (panel);
  guint s1, s2;
  guint n = 0;

  stall_begin_phase ();
  stall_event (last_event = "Start");
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.start", NULL);
  s1 = g_timeout_add (1500, move_slice, doc);
  s2 = g_timeout_add (2000, change_window, doc);
  run_for (phase_seconds);
  stall_end_phase ("stall-restore", name);
  pel_live_run_get_series (run, series, &n);
  printf ("  %u iterations/steps in %d s\n", n, phase_seconds);
  g_source_remove (s1);
  g_source_remove (s2);
  stall_event (last_event = "Stop");
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.stop", NULL);
  run_until (idle_run, run, 300);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) image = NULL;
  g_autofree char *tmpdir = NULL;
  const GOptionEntry entries[] = {
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "Seconds of each live phase (20)", "S" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("");
  static const char *xdg[] = { "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME" };
  PelApplication *app;
  PelWindow *win;
  PelRestorePanel *panel;
  PelDocument *doc;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "bench-stall-restore: %s\n", error->message);
      return 2;
    }
  if (!g_file_test (IMAGE, G_FILE_TEST_EXISTS))
    {
      printf ("bench-stall-restore: needs %s (mricron-data); skipped\n", IMAGE);
      return 77;
    }
  tmpdir = g_dir_make_tmp ("pellucid-stall-XXXXXX", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (xdg); i++)
    {
      g_autofree char *dir = g_build_filename (tmpdir, xdg[i], NULL);
      g_setenv (xdg[i], dir, TRUE);
    }
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("GDK_DEBUG", "gl-disable", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  gtk_init ();
  app = pel_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_HANDLES_COMMAND_LINE | G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("cannot register the application: %s", error->message);

  win = pel_window_new (GTK_APPLICATION (app));
  gtk_window_set_default_size (GTK_WINDOW (win), 1600, 1000);
  gtk_window_present (GTK_WINDOW (win));
  image = g_file_new_for_path (IMAGE);
  pel_window_open (win, image, NULL, NULL);
  run_until (loaded, win, 60);
  doc = pel_window_get_document (win);
  panel = find_panel (GTK_WIDGET (win));
  g_assert (panel != NULL);
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.show", NULL);
  run_for (1.0);

  g_timeout_add_full (G_PRIORITY_HIGH, TICK_MS, stall_tick, NULL, NULL);

  stall_begin_phase ();
  run_for (5.0);
  stall_end_phase ("stall-restore", "idle");

  /* noise with the original kept (not timed: a volume operation); its
   * new volume is drawn before the next phase begins — else that redraw
   * (the three views and the histogram, about 35 ms of main-thread work)
   * lands in the first frame after the deep image prior's Start */
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.degrade", NULL);
  run_until (idle_run, pel_restore_panel_get_io_run (panel), 120);
  run_for (1.0);

  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.method", "s", "dip");
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.iterations", "i", 100000);
  live_phase (panel, doc, "dip", "loss", seconds);

  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.method", "s", "n2n");
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.steps", "i", 100000);
  live_phase (panel, doc, "n2n", "loss", seconds);

  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.method", "s", "ct");
  gtk_widget_activate_action (GTK_WIDGET (panel), "restore.iterations", "i", 100000);
  /* twice as long: the scan, the warm start and then the sinogram fit */
  live_phase (panel, doc, "ct", "psnr", 2 * seconds);

  printf ("stall-restore: worst gap of all phases %.1f ms\n", worst_overall);
  gtk_window_destroy (GTK_WINDOW (win));
  run_for (0.5);
  g_clear_object (&app);
  return 0;
}
