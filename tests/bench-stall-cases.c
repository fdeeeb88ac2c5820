/* Benchmark: a cohort of 20 cases in the window — the longest main-loop
 * stall of each case switch, and the memory held after visiting them all.
 *
 * The cohort is a folder of 20 links, case00 … case19, to four of the
 * mricron templates on three grids, in turn: ch2.nii.gz and ch2bet.nii.gz
 * (181 × 217 × 181), ch2better.nii.gz (301 × 370 × 316) and
 * inia19-t1-brain.nii.gz (its own grid).  First the window opens a cohort
 * of ch2better.nii.gz alone, the largest case: the resident memory then
 * is "one case".  Then it opens the 20 cases and goes
 * through them in order, painting a stroke on each before leaving it, so
 * that every switch saves the case left (NAME_seg.nii.gz beside its link),
 * keeps its undo history and loads the next; thumbnails are made on a
 * worker meanwhile, as in use.  Each switch's longest stall (stall-meter.h)
 * is measured from the click to the next case on screen plus SETTLE_MS;
 * the resident set (VmRSS) and its peak (VmHWM, /proc/self/status) after
 * the last one are compared with one case's.  The goal: every switch under
 * 50 ms, memory within 2 × one case.
 *   meson test -C build --benchmark --suite ui stall-cases -v
 * Skips (exit 77) when mricron-data is not installed. */
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/cases/cohort.h"
#include "src/pel-application.h"
#include "src/pel-cases-panel.h"
#include "src/pel-window.h"
#include "tests/stall-meter.h"

#define TEMPLATES "/usr/share/mricron/templates/"
#define N_CASES 20
#define GOAL_MS 50.0
#define SETTLE_MS 600

static const char *const sources[] = { "ch2.nii.gz", "ch2bet.nii.gz", "ch2better.nii.gz",
                                       "inia19-t1-brain.nii.gz" };

static PelApplication *app;
static char *tmpdir;
static gboolean with_thumbnails;   /* switch while the thumbnails are made */

typedef struct
{
  PelWindow     *win;
  PelCasesPanel *panel;
  int            index;
} Switch;

/* The case is open: current, its load finished, its image in the window. */
static gboolean
switched (gpointer data)
{
  Switch *s = data;
  PelJob *job = pel_window_get_job (s->win);
  PlCohort *cohort = pel_cases_panel_get_cohort (s->panel);
  const char *path = pel_document_get_volume_path (pel_window_get_document (s->win));

  return cohort != NULL && pel_cases_panel_get_current (s->panel) == s->index
         && job != NULL && !pel_job_get_running (job) && path != NULL
         && g_str_equal (path, pl_cohort_get_case (cohort, (guint) s->index)->image_path);
}

typedef gboolean (*Condition) (gpointer data);

static void
run_until (Condition cond,
           gpointer  data)
{
  gint64 deadline = g_get_monotonic_time () + 300 * G_USEC_PER_SEC;
  gint64 settle = 0;

  for (;;)
    {
      g_main_context_iteration (NULL, TRUE);
      if (settle == 0 && cond (data))
        settle = g_get_monotonic_time () + SETTLE_MS * 1000;
      if (settle != 0 && g_get_monotonic_time () > settle)
        return;
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out");
    }
}

/* kB of a field of /proc/self/status ("VmRSS", "VmHWM"). */
static double
status_mib (const char *field)
{
  g_autofree char *text = NULL;
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &text, NULL, NULL) || (p = strstr (text, field)) == NULL)
    return 0.0;
  return g_ascii_strtod (p + strlen (field) + 1, NULL) / 1024.0;
}

static gboolean
thumbnails_made (gpointer data)
{
  return pel_cases_panel_get_n_thumbnails (data) == N_CASES;
}

static PelCasesPanel *
find_panel (GtkWidget *root)
{
  if (PEL_IS_CASES_PANEL (root))
    return PEL_CASES_PANEL (root);
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      PelCasesPanel *found = find_panel (c);
      if (found)
        return found;
    }
  return NULL;
}

/* A stroke across the middle of the axial view, as the mouse paints it. */
static void
stroke (PelWindow *win,
        double     dy)
{
  PelSliceView *view = pel_viewer_get_view (pel_window_get_viewer (win), PL_VIEW_AXIAL);
  double w = gtk_widget_get_width (GTK_WIDGET (view)), h = gtk_widget_get_height (GTK_WIDGET (view));

  pel_slice_view_stroke_begin (view, w / 2 - 30, h / 2 + dy, FALSE);
  pel_slice_view_stroke_update (view, w / 2 + 30, h / 2 + dy);
  pel_slice_view_stroke_end (view);
}

static char *
make_cohort (const char *name,
             int         n,
             int         first)
{
  char *dir = g_build_filename (tmpdir, name, NULL);

  g_mkdir_with_parents (dir, 0700);
  for (int i = 0; i < n; i++)
    {
      g_autofree char *target = g_strconcat (TEMPLATES, sources[(first + i) % G_N_ELEMENTS (sources)], NULL);
      g_autofree char *file = g_strdup_printf ("case%02d.nii.gz", i);
      g_autofree char *link = g_build_filename (dir, file, NULL);
      if (symlink (target, link) != 0)
        g_error ("%s: cannot link", link);
    }
  return dir;
}

static int
compare_stalls (const void *a, const void *b)
{
  double x = ((const Stall *) a)->ms, y = ((const Stall *) b)->ms;
  return (x > y) - (x < y);
}

static void
bench (void)
{
  g_autofree char *one = make_cohort ("one", 1, 2);
  g_autofree char *cohort = make_cohort ("cohort", N_CASES, 0);
  const char *one_paths[] = { one };
  const char *paths[] = { cohort };
  PelWindow *win = pel_window_new (GTK_APPLICATION (app));
  Switch s = { win, NULL, 0 };
  Stall stalls[N_CASES - 1];
  Meter m = { 0 };
  double rss_one, hwm_one, rss, hwm;
  int over = 0;

  gtk_window_set_default_size (GTK_WINDOW (win), 1400, 900);
  gtk_window_present (GTK_WINDOW (win));
  s.panel = find_panel (GTK_WIDGET (win));
  g_assert (s.panel != NULL);

  /* one case: the largest */
  pel_window_open_cases (win, one_paths, 1);
  run_until (switched, &s);
  rss_one = status_mib ("VmRSS:");
  hwm_one = status_mib ("VmHWM:");

  /* the cohort: every case visited, painted, left; the thumbnails (a
   * worker reading every image once) made first, unless --with-thumbnails */
  pel_window_open_cases (win, paths, 1);
  run_until (switched, &s);
  if (!with_thumbnails)
    {
      gint64 t0 = g_get_monotonic_time ();
      run_until (thumbnails_made, s.panel);
      printf ("  the %d thumbnails made in %.1f s\n", N_CASES, (g_get_monotonic_time () - t0) * 1e-6 - SETTLE_MS * 1e-3);
    }
  for (int i = 1; i < N_CASES; i++)
    {
      stroke (win, 0.0);
      meter_start (&m);
      gtk_widget_activate_action (GTK_WIDGET (s.panel), "cases.go", "u", (guint) i);
      s.index = i;
      run_until (switched, &s);
      stalls[i - 1] = meter_stop (&m);
      over += stalls[i - 1].ms >= GOAL_MS;
      printf ("  switch to case%02d (%s): longest stall %.1f ms (main thread working %.1f ms, "
              "waiting for a CPU %.1f ms), resident %.0f MiB\n", i,
              sources[i % G_N_ELEMENTS (sources)], stalls[i - 1].ms, stalls[i - 1].busy_ms,
              stalls[i - 1].wait_ms, status_mib ("VmRSS:"));
      fflush (stdout);
    }
  rss = status_mib ("VmRSS:");
  hwm = status_mib ("VmHWM:");
  pel_document_discard_recovery (pel_window_get_document (win));
  gtk_window_destroy (GTK_WINDOW (win));

  qsort (stalls, N_CASES - 1, sizeof *stalls, compare_stalls);
  printf ("stall-cases: %d cases (4 templates, 3 grids), window 1400 x 900, %s\n", N_CASES,
          with_thumbnails ? "switching while the thumbnails are made" : "after the thumbnails were made");
  printf ("switching (saving the case left, loading the next): longest stall median %.1f ms, worst "
          "%.1f ms over %d switches, %d at or over %.0f ms (goal: none); worst switch: main thread "
          "working %.1f ms, waiting for a CPU %.1f ms\n",
          stalls[(N_CASES - 1) / 2].ms, stalls[N_CASES - 2].ms, N_CASES - 1, over, GOAL_MS,
          stalls[N_CASES - 2].busy_ms, stalls[N_CASES - 2].wait_ms);
  printf ("memory: one case (ch2better) resident %.0f MiB (peak %.0f MiB); after visiting "
          "all %d, resident %.0f MiB (%.2f x), peak %.0f MiB (%.2f x) (goal: within 2 x)\n",
          rss_one, hwm_one, N_CASES, rss, rss / rss_one, hwm, hwm / hwm_one);
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_remove (child);
    }
  g_rmdir (path);
}

int
main (int argc, char **argv)
{
  static const char *xdg[] = { "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME" };
  g_autoptr (GError) error = NULL;

  with_thumbnails = argc > 1 && g_str_equal (argv[1], "--with-thumbnails");
  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    {
      g_autofree char *path = g_strconcat (TEMPLATES, sources[i], NULL);
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        {
          printf ("stall-cases: %s missing (mricron-data), skipped\n", path);
          return 77;
        }
    }
  tmpdir = g_dir_make_tmp ("pellucid-stall-cases-XXXXXX", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (xdg); i++)
    {
      g_autofree char *dir = g_build_filename (tmpdir, xdg[i], NULL);
      g_setenv (xdg[i], dir, TRUE);
    }
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("GDK_DEBUG", "gl-disable", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);

  g_set_prgname ("pellucid");
  gtk_init ();
  g_set_application_name ("Pellucid");
  app = pel_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_HANDLES_COMMAND_LINE | G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("cannot register the application: %s", error->message);

  bench ();

  g_clear_object (&app);
  remove_tree (tmpdir);
  g_free (tmpdir);
  return 0;
}
