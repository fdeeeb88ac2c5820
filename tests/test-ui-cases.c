/* The case list in a window under a virtual X server: a folder of three
 * images opens as a cohort with thumbnails and states; switching saves the
 * open case's painting beside its image, records its state in the
 * manifest and keeps its undo history, which comes back with the case;
 * Next Case skips reviewed cases; Propose All gives every case not
 * reviewed a model's proposal in the background. */
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <string.h>

#include "engine/cases/cohort.h"
#include "engine/nn/model.h"
#include "src/pel-application.h"
#include "src/pel-cases-panel.h"
#include "src/pel-window.h"
#include "tests/test-sanitizer.h"

static PelApplication *app;
static char *tmpdir;

typedef gboolean (*Condition) (gpointer data);

static void
wait_until (Condition cond,
            gpointer  data)
{
  gint64 deadline = g_get_monotonic_time () + 30 * TEST_TIME_SCALE * G_USEC_PER_SEC;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting");
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
}

static void
drain (void)
{
  for (int i = 0; i < 50; i++)
    while (g_main_context_iteration (NULL, FALSE))
      ;
}

static PlVolume *
make_volume (int seed)
{
  static const gint64 dim[3] = { 24, 20, 12 };
  PlVolume *v = pl_volume_new (dim, NULL, NULL);

  for (gsize i = 0; i < pl_volume_n_voxels (v); i++)
    v->data[i] = (float) ((i * (7 + seed)) % 97);
  pl_volume_update_stats (v);
  return v;
}

typedef struct
{
  PelWindow     *win;
  PelCasesPanel *panel;
  int            index;
} Switch;

/* The case is open: current, its load finished, its image in the
 * document. */
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

static gboolean
thumbnails_made (gpointer data)
{
  return pel_cases_panel_get_n_thumbnails (data) == 3;
}

static gboolean
all_proposed (gpointer data)
{
  PlCohort *cohort = data;

  for (guint i = 0; i < pl_cohort_get_n (cohort); i++)
    if (pl_cohort_get_case (cohort, i)->state != PL_CASE_REVIEWED
        && pl_cohort_get_case (cohort, i)->state != PL_CASE_PROPOSED)
      return FALSE;
  return TRUE;
}

static gboolean
proposal_shown (gpointer data)
{
  return pel_document_get_proposal (data) != NULL;
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

static void
go (Switch *s,
    int     index)
{
  gtk_widget_activate_action (GTK_WIDGET (s->panel), "cases.go", "u", (guint) index);
  s->index = index;
  wait_until (switched, s);
  drain ();
}

static void
test_switch_cases (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "cohort", NULL);
  g_autofree char *a_seg = g_build_filename (dir, "a_seg.nii.gz", NULL);
  g_autofree char *manifest = g_build_filename (dir, PL_COHORT_MANIFEST, NULL);
  const char *paths[] = { dir };
  PelWindow *win = pel_window_new (GTK_APPLICATION (app));
  PelDocument *doc = pel_window_get_document (win);
  Switch s = { win, NULL, 0 };
  g_autoptr (PlLabels) painted = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *json = NULL;
  PlCohort *cohort;

  g_mkdir_with_parents (dir, 0700);
  for (int c = 0; c < 3; c++)
    {
      g_autoptr (PlVolume) v = make_volume (c);
      g_autofree char *name = g_strdup_printf ("%c.nii.gz", 'a' + c);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_assert_true (pl_volume_save (v, path, &error));
      g_assert_no_error (error);
      if (c == 1)
        {
          g_autoptr (PlLabels) l = pl_labels_new (v->dim);
          g_autofree char *seg = g_build_filename (dir, "b_seg.nii.gz", NULL);
          l->data[5] = 2;
          g_assert_true (pl_labels_save (l, v, seg, &error));
        }
    }

  g_object_ref (win);
  gtk_window_set_default_size (GTK_WINDOW (win), 1200, 800);
  gtk_window_present (GTK_WINDOW (win));
  s.panel = find_panel (GTK_WIDGET (win));
  g_assert_nonnull (s.panel);

  pel_window_open_cases (win, paths, 1);
  cohort = pel_cases_panel_get_cohort (s.panel);
  g_assert_nonnull (cohort);
  g_assert_cmpuint (pl_cohort_get_n (cohort), ==, 3);
  g_assert_cmpint (pl_cohort_get_case (cohort, 1)->state, ==, PL_CASE_PAINTED);
  wait_until (switched, &s);
  wait_until (thumbnails_made, s.panel);
  /* b's painted slices, counted with its thumbnail */
  g_assert_cmpint (pl_cohort_get_case (cohort, 1)->painted_slices, ==, 1);

  /* paint in case a, then open b: a is saved beside its image */
  painted = pl_labels_copy (pel_document_get_labels (doc));
  for (gsize i = 0; i < 40; i++)
    painted->data[i + 24 * 20 * 6] = 3;
  pel_document_apply_labels (doc, "Paint", painted);
  g_assert_true (pel_document_get_dirty (doc));
  go (&s, 1);
  g_assert_true (g_file_test (a_seg, G_FILE_TEST_EXISTS));
  g_assert_cmpint (pl_cohort_get_case (cohort, 0)->state, ==, PL_CASE_PAINTED);
  g_assert_cmpint (pl_cohort_get_case (cohort, 0)->painted_slices, ==, 1);
  g_assert_true (g_file_get_contents (manifest, &json, NULL, NULL));
  g_assert_nonnull (strstr (json, "\"a\""));
  g_assert_cmpuint (pel_document_get_labels (doc)->data[5], ==, 2);   /* b's own labels */
  g_assert_false (pel_document_can_undo (doc));

  /* back to a: its labels from the file, its history with them */
  go (&s, 0);
  g_assert_cmpmem (pel_document_get_labels (doc)->data, pl_labels_n_voxels (painted) * 2,
                   painted->data, pl_labels_n_voxels (painted) * 2);
  g_assert_false (pel_document_get_dirty (doc));
  g_assert_true (pel_document_can_undo (doc));
  g_assert_true (pel_document_undo (doc));
  g_assert_cmpuint (pel_document_get_labels (doc)->data[24 * 20 * 6], ==, 0);
  g_assert_true (pel_document_get_dirty (doc));
  g_assert_true (pel_document_redo (doc));
  g_assert_false (pel_document_get_dirty (doc));

  /* b reviewed: Next Case from a goes to c */
  go (&s, 1);
  gtk_widget_activate_action (GTK_WIDGET (s.panel), "cases.reviewed", NULL);
  g_assert_cmpint (pl_cohort_get_case (cohort, 1)->state, ==, PL_CASE_REVIEWED);
  go (&s, 0);
  gtk_widget_activate_action (GTK_WIDGET (s.panel), "cases.next", NULL);
  s.index = 2;
  wait_until (switched, &s);
  drain ();

  /* Propose All with a (small, untrained) model: every case not reviewed
   * gets a proposal file and the state "proposed"; the open one shows it */
  {
    g_autofree char *model_path = g_build_filename (tmpdir, "model.safetensors", NULL);
    static const guint16 values[] = { 0, 2, 3 };
    PlUnetConfig c = { 0 };
    PlModel *model;

    c.in_channels = 1;
    c.n_classes = 3;
    c.depth = 2;
    c.channels[0] = 4;
    c.channels[1] = 8;
    c.skip = TRUE;
    c.upsample = PL_UPSAMPLE_CONVT;
    c.bn_eps = 1e-5f;
    c.output = PL_OUTPUT_SOFTMAX;
    model = pl_model_new (pl_unet_new (&c, 7), 3, values, NULL);
    model->norm_divisor = 100.0;
    model->axis = 2;
    g_assert_true (pl_model_save (model, model_path, &error));
    g_assert_no_error (error);
    pl_model_free (model);

    gtk_widget_activate_action (GTK_WIDGET (s.panel), "cases.propose-with", "s", model_path);
    wait_until (all_proposed, cohort);
    wait_until (proposal_shown, doc);
    for (guint i = 0; i < 3; i++)
      if (i != 1)
        g_assert_true (g_file_test (pl_cohort_get_case (cohort, i)->proposal_path, G_FILE_TEST_EXISTS));
    g_assert_cmpint (pl_cohort_get_case (cohort, 1)->state, ==, PL_CASE_REVIEWED);
  }

  /* the states are on disk: a cohort opened again reads them */
  {
    g_autoptr (PlCohort) again = pl_cohort_open_folder (dir, &error);
    g_assert_no_error (error);
    g_assert_cmpint (pl_cohort_lookup (again, "b")->state, ==, PL_CASE_REVIEWED);
    g_assert_cmpint (pl_cohort_lookup (again, "a")->state, ==, PL_CASE_PROPOSED);
    g_assert_cmpint (pl_cohort_lookup (again, "c")->state, ==, PL_CASE_PROPOSED);
  }

  gtk_window_destroy (GTK_WINDOW (win));
  drain ();
  g_assert_finalize_object (win);
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_remove (child);
    }
  g_rmdir (path);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int status;
  static const char *xdg[] = { "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME" };

  tmpdir = g_dir_make_tmp ("pellucid-cases-ui-XXXXXX", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (xdg); i++)
    {
      g_autofree char *d = g_build_filename (tmpdir, xdg[i], NULL);
      g_setenv (xdg[i], d, TRUE);
    }
  {
    g_autofree char *gtk_config = g_build_filename (tmpdir, "XDG_CONFIG_HOME", "gtk-4.0", NULL);
    g_autofree char *ini = g_build_filename (gtk_config, "settings.ini", NULL);
    g_mkdir_with_parents (gtk_config, 0700);
    g_file_set_contents (ini, "[Settings]\ngtk-recent-files-max-age=-1\n", -1, NULL);
  }
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("GDK_DEBUG", "gl-disable", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);

  gtk_test_init (&argc, &argv, NULL);
  g_set_application_name ("Pellucid");
  app = pel_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_HANDLES_COMMAND_LINE | G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("cannot register the application: %s", error->message);

  g_test_add_func ("/ui/cases/switch-cases", test_switch_cases);
  status = g_test_run ();

  g_clear_object (&app);
  remove_tree (tmpdir);
  g_free (tmpdir);
  return status;
}
