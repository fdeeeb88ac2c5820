/* The case list in a window under a virtual X server: a folder of three
 * images opens as a cohort with thumbnails and states; switching saves the
 * open case's painting beside its image, records its state in the
 * manifest and keeps its undo history, which comes back with the case;
 * Next Case skips reviewed cases; Propose All gives every case not
 * reviewed a model's proposal in the background, with how unsure the
 * model was, and Next Case then goes to the least sure case, at its most
 * uncertain unpainted slice; the Train panel trains
 * across the cases of the cohort. */
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "engine/cases/cohort.h"
#include "engine/nn/model.h"
#include "src/pel-application.h"
#include "src/pel-cases-panel.h"
#include "src/pel-train-panel.h"
#include "src/pel-window.h"
#include "tests/test-sanitizer.h"
#define UI_WAIT_SECONDS 30
#define UI_DRAIN_ROUNDS 50
#include "tests/ui-wait.h"

static PelApplication *app;
static char *tmpdir;

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
  pel_cases_panel_sync_manifest (s.panel);
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
  pel_cases_panel_sync_manifest (s.panel);
  {
    g_autoptr (PlCohort) again = pl_cohort_open_folder (dir, &error);
    g_assert_no_error (error);
    g_assert_cmpint (pl_cohort_lookup (again, "b")->state, ==, PL_CASE_REVIEWED);
    g_assert_cmpint (pl_cohort_lookup (again, "a")->state, ==, PL_CASE_PROPOSED);
    g_assert_cmpint (pl_cohort_lookup (again, "c")->state, ==, PL_CASE_PROPOSED);
    /* with how unsure the model was of each proposal */
    for (guint i = 0; i < 3; i += 2)
      {
        const PlCase *k = pl_cohort_get_case (cohort, i);
        const PlCase *r = pl_cohort_lookup (again, k->name);
        double mean = 0.0;

        g_assert_true (isfinite (k->entropy));
        g_assert_cmpfloat (k->entropy, >, 0.0);
        g_assert_cmpfloat (k->entropy, <=, log (3.0) + 1e-6);   /* 3 classes */
        g_assert_nonnull (k->slice_entropy);
        g_assert_cmpint (k->entropy_axis, ==, 2);
        g_assert_cmpuint (k->slice_entropy->len, ==, 12);
        for (guint z = 0; z < 12; z++)
          mean += g_array_index (k->slice_entropy, double, z) / 12.0;
        g_assert_cmpfloat_with_epsilon (mean, k->entropy, 1e-5);
        g_assert_cmpfloat_with_epsilon (r->entropy, k->entropy, 1e-6);
        g_assert_cmpuint (r->slice_entropy->len, ==, 12);
        g_assert_cmpfloat_with_epsilon (g_array_index (r->slice_entropy, double, 7),
                                        g_array_index (k->slice_entropy, double, 7), 1e-5);
      }
  }

  /* Next Case: the case the model is least sure of, among those not
   * reviewed (c is open; b taken as proposed for a moment) */
  {
    PlCase *a = pl_cohort_get_case (cohort, 0), *b = pl_cohort_get_case (cohort, 1);
    const PlLabels *labels;
    gint64 cursor[3], expected = -1;

    g_assert_cmpint (pel_cases_panel_get_current (s.panel), ==, 2);
    b->state = PL_CASE_PROPOSED;
    b->entropy = a->entropy + 0.1;
    g_assert_cmpint (pel_cases_panel_choose_next (s.panel), ==, 1);
    b->entropy = a->entropy / 2;
    g_assert_cmpint (pel_cases_panel_choose_next (s.panel), ==, 0);
    b->state = PL_CASE_REVIEWED;
    b->entropy = -1.0;

    /* then within a, its most uncertain slice with nothing painted (a's
     * slice 6 is painted) */
    gtk_widget_activate_action (GTK_WIDGET (s.panel), "cases.next", NULL);
    s.index = 0;
    wait_until (switched, &s);
    drain ();
    labels = pel_document_get_labels (doc);
    for (gint64 z = 0; z < 12; z++)
      {
        gboolean painted_here = FALSE;
        for (gsize i = 0; i < 24 * 20 && !painted_here; i++)
          painted_here = labels->data[i + 24 * 20 * z] != 0;
        if (!painted_here && (expected < 0 || g_array_index (a->slice_entropy, double, z)
                                              > g_array_index (a->slice_entropy, double, expected)))
          expected = z;
      }
    g_assert_cmpint (expected, !=, 6);
    pel_document_get_cursor (doc, cursor);
    g_assert_cmpint (cursor[2], ==, expected);
  }

  gtk_window_destroy (GTK_WINDOW (win));
  drain ();
  g_assert_finalize_object (win);
}

static GtkWidget *
find_type (GtkWidget *root,
           GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_type (c, type);
      if (found)
        return found;
    }
  return NULL;
}

static gboolean
training_over (gpointer data)
{
  PelTrainSession *session = data;

  return !pel_train_session_get_running (session) && pel_train_session_get_step (session) > 0;
}

static gboolean
start_training (gpointer data)
{
  PelTrainSession *session = pel_train_panel_get_session (data);

  if (pel_train_session_get_running (session) || pel_train_session_get_step (session) > 0)
    return TRUE;
  gtk_widget_activate_action (data, "train.start", NULL);
  return FALSE;
}

/* Two cases, painted slices in both: the open one's only in its label
 * store (never saved), the other's in its saved segmentation.  Start
 * trains one model whose batches come from both cases, the open one's
 * labels read live. */
static void
test_train_across (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "cohort-train", NULL);
  const char *paths[] = { dir };
  PelWindow *win = pel_window_new (GTK_APPLICATION (app));
  PelDocument *doc = pel_window_get_document (win);
  Switch s = { win, NULL, 0 };
  g_autoptr (PlLabels) painted = NULL;
  g_autoptr (GError) error = NULL;
  GtkWidget *train;
  PelTrainSession *session;
  PelTrainCases *cases;
  PlModel *model;
  guint n_cases = 0;
  gint64 n_slices = 0;
  g_autofree char *a_seg = g_build_filename (dir, "a_seg.nii.gz", NULL);

  g_mkdir_with_parents (dir, 0700);
  for (int c = 0; c < 2; c++)
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
          /* slices 3 and 8 of b: two labels */
          for (gsize i = 0; i < 24 * 20; i++)
            {
              l->data[i + 24 * 20 * 3] = i % 24 < 12 ? 1 : 2;
              l->data[i + 24 * 20 * 8] = i % 24 < 8 ? 1 : 2;
            }
          g_assert_true (pl_labels_save (l, v, seg, &error));
          g_assert_no_error (error);
        }
    }

  g_object_ref (win);
  gtk_window_set_default_size (GTK_WINDOW (win), 1200, 800);
  gtk_window_present (GTK_WINDOW (win));
  s.panel = find_panel (GTK_WIDGET (win));
  train = find_type (GTK_WIDGET (win), PEL_TYPE_TRAIN_PANEL);
  g_assert_nonnull (train);
  session = pel_train_panel_get_session (PEL_TRAIN_PANEL (train));

  pel_window_open_cases (win, paths, 1);
  wait_until (switched, &s);
  drain ();

  /* slice 5 of a, painted and not saved */
  painted = pl_labels_copy (pel_document_get_labels (doc));
  for (gsize i = 0; i < 24 * 20; i++)
    painted->data[i + 24 * 20 * 5] = i % 24 < 10 ? 1 : 2;
  pel_document_apply_labels (doc, "Paint", painted);
  g_assert_false (g_file_test (a_seg, G_FILE_TEST_EXISTS));

  gtk_widget_activate_action (train, "train.preset", "s", "small");
  gtk_widget_activate_action (train, "train.steps", "i", 6);
  /* Start is enabled once the panel has counted the painted slices */
  wait_until (start_training, train);
  wait_until (training_over, session);
  drain ();
  g_assert_null (pel_train_session_get_error (session));

  cases = pel_train_session_get_cases (session);
  g_assert_nonnull (cases);
  g_assert_cmpuint (pel_train_cases_get_n_cases (cases), ==, 2);
  pel_train_cases_get_painted (cases, &n_cases, &n_slices);
  g_assert_cmpuint (n_cases, ==, 2);
  g_assert_cmpint (n_slices, ==, 3);
  /* the provider copied label slices of both cases */
  g_assert_cmpuint (pel_train_cases_get_n_copies (cases, 0), >, 0);
  g_assert_cmpuint (pel_train_cases_get_n_copies (cases, 1), >, 0);
  /* every slice of the open case is in the bank: its live labels are
   * the document's */
  {
    const PlVolume *bank = pel_train_cases_get_volume (cases);
    guint16 slice[24 * 20];
    gint64 z;

    g_assert_cmpint (bank->dim[0], ==, 24);
    g_assert_cmpint (bank->dim[1], ==, 20);
    pel_train_cases_get_provider (cases)->copy_slice (pel_train_cases_get_provider (cases)->user_data, 2,
                                                      pel_train_cases_live_to_bank (cases, 5), slice);
    g_assert_cmpuint (pl_case_bank_get_case (pel_train_cases_get_bank (cases),
                                             pel_train_cases_live_to_bank (cases, 5), &z), ==, 0);
    g_assert_cmpint (z, ==, 5);
    {
      guint16 expected[24 * 20];
      pl_labels_get_slice (painted, 2, 5, expected);
      g_assert_cmpmem (slice, sizeof slice, expected, sizeof expected);
    }
  }
  /* the model knows it was trained per case */
  model = pel_train_session_get_model (session);
  g_assert_nonnull (model);
  g_assert_true (pl_model_is_per_case (model));

  gtk_window_destroy (GTK_WINDOW (win));
  drain ();
  g_assert_finalize_object (win);
}

static gboolean
opening (gpointer data)
{
  return pel_document_get_opening (data);
}

/* A stroke on the axial view's middle, as the mouse would paint it. */
static void
stroke (PelWindow *win,
        double     dy)
{
  PelSliceView *view = pel_viewer_get_view (pel_window_get_viewer (win), PL_VIEW_AXIAL);
  double w = gtk_widget_get_width (GTK_WIDGET (view)), h = gtk_widget_get_height (GTK_WIDGET (view));

  pel_slice_view_stroke_begin (view, w / 2, h / 2 + dy, FALSE);
  pel_slice_view_stroke_update (view, w / 2 + 20, h / 2 + dy);
  pel_slice_view_stroke_end (view);
}

/* Images a.nii.gz, b.nii.gz … of n cases in dir. */
static void
write_cases (const char *dir,
             int         n)
{
  g_mkdir_with_parents (dir, 0700);
  for (int c = 0; c < n; c++)
    {
      g_autoptr (PlVolume) v = make_volume (c);
      g_autoptr (GError) error = NULL;
      g_autofree char *name = g_strdup_printf ("%c.nii.gz", 'a' + c);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_assert_true (pl_volume_save (v, path, &error));
      g_assert_no_error (error);
    }
}

/* s->win shown with the cohort of dir open at its first case. */
static void
open_cohort (Switch     *s,
             const char *dir)
{
  const char *paths[] = { dir };

  g_object_ref (s->win);
  gtk_window_set_default_size (GTK_WINDOW (s->win), 1200, 800);
  gtk_window_present (GTK_WINDOW (s->win));
  s->panel = find_panel (GTK_WIDGET (s->win));
  g_assert_nonnull (s->panel);
  pel_window_open_cases (s->win, paths, 1);
  s->index = 0;
  wait_until (switched, s);
  drain ();
}

/* Painting while the next case loads: the labels on screen are about to
 * be replaced, so the stroke is refused rather than taken and dropped
 * unsaved with them; what was painted before the switch is saved. */
static void
test_paint_while_opening (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "cohort-opening", NULL);
  g_autofree char *a_seg = g_build_filename (dir, "a_seg.nii.gz", NULL);
  PelWindow *win = pel_window_new (GTK_APPLICATION (app));
  PelDocument *doc = pel_window_get_document (win);
  Switch s = { win, NULL, 0 };
  g_autoptr (PlLabels) before = NULL;
  g_autoptr (PlLabels) saved = NULL;
  g_autoptr (GError) error = NULL;

  write_cases (dir, 2);
  open_cohort (&s, dir);

  /* a stroke in case a takes */
  g_assert_false (pel_document_get_dirty (doc));
  stroke (win, 0.0);
  g_assert_true (pel_document_get_dirty (doc));
  before = pl_labels_copy (pel_document_get_labels (doc));
  {
    gsize n = 0;
    for (gsize i = 0; i < pl_labels_n_voxels (before); i++)
      n += before->data[i] != 0;
    g_assert_cmpuint (n, >, 0);
  }

  /* switch to b; while b loads, a stroke changes nothing */
  gtk_widget_activate_action (GTK_WIDGET (s.panel), "cases.go", "u", 1u);
  wait_until (opening, doc);
  g_assert_false (pel_document_get_dirty (doc));   /* a was saved first */
  stroke (win, 60.0);
  g_assert_false (pel_document_get_dirty (doc));
  g_assert_cmpmem (pel_document_get_labels (doc)->data, pl_labels_n_voxels (before) * 2,
                   before->data, pl_labels_n_voxels (before) * 2);
  s.index = 1;
  wait_until (switched, &s);
  drain ();
  g_assert_false (pel_document_get_opening (doc));
  /* b open: painting takes again */
  stroke (win, 60.0);
  g_assert_true (pel_document_get_dirty (doc));

  /* a's file holds what was painted before the switch */
  {
    g_autoptr (PlVolume) a = make_volume (0);
    saved = pl_labels_load (a_seg, a, &error);
    g_assert_no_error (error);
    g_assert_cmpmem (saved->data, pl_labels_n_voxels (saved) * 2, before->data, pl_labels_n_voxels (before) * 2);
  }
  gtk_window_destroy (GTK_WINDOW (win));
  drain ();
  g_assert_finalize_object (win);
}

static void
on_message (PelWindow  *win,
            int         type,
            const char *text,
            GString    *messages)
{
  g_string_append_printf (messages, "%d %s\n", type, text);
}

/* A case whose segmentation cannot be read opens with empty labels; when it
 * is painted and left, the unreadable file is set aside (kept byte for
 * byte as NAME_seg.nii.gz.unreadable), the painting saved under its name,
 * and the user told both names.  A case whose file did load is saved over
 * as before. */
static void
test_unreadable_segmentation_kept (void)
{
  static const char garbage[] = "this is not a NIfTI file, but it is somebody's";
  g_autofree char *dir = g_build_filename (tmpdir, "cohort-unreadable", NULL);
  g_autofree char *a_seg = g_build_filename (dir, "a_seg.nii.gz", NULL);
  g_autofree char *aside = g_build_filename (dir, "a_seg.nii.gz.unreadable", NULL);
  PelWindow *win = pel_window_new (GTK_APPLICATION (app));
  PelDocument *doc = pel_window_get_document (win);
  Switch s = { win, NULL, 0 };
  g_autoptr (PlLabels) painted = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) messages = g_string_new (NULL);
  g_autofree char *kept = NULL;
  gsize kept_len = 0;

  write_cases (dir, 2);
  g_assert_true (g_file_set_contents (a_seg, garbage, -1, NULL));
  g_signal_connect (win, "message-shown", G_CALLBACK (on_message), messages);
  open_cohort (&s, dir);
  g_assert_nonnull (strstr (messages->str, "a_seg.nii.gz"));   /* why it did not load */

  /* paint a and leave it */
  painted = pl_labels_copy (pel_document_get_labels (doc));
  for (gsize i = 0; i < 40; i++)
    painted->data[i + 24 * 20 * 4] = 2;
  pel_document_apply_labels (doc, "Paint", painted);
  go (&s, 1);

  /* the unreadable file kept, the painting under the case's name */
  g_assert_true (g_file_get_contents (aside, &kept, &kept_len, NULL));
  g_assert_cmpstr (kept, ==, garbage);
  {
    g_autoptr (PlVolume) a = make_volume (0);
    g_autoptr (PlLabels) saved = pl_labels_load (a_seg, a, &error);
    g_assert_no_error (error);
    g_assert_cmpmem (saved->data, pl_labels_n_voxels (saved) * 2, painted->data, pl_labels_n_voxels (painted) * 2);
  }
  g_assert_nonnull (strstr (messages->str, "a_seg.nii.gz.unreadable"));

  /* back to a, which now loads; painted again and left: saved over, nothing
   * more set aside */
  go (&s, 0);
  g_assert_cmpmem (pel_document_get_labels (doc)->data, pl_labels_n_voxels (painted) * 2,
                   painted->data, pl_labels_n_voxels (painted) * 2);
  g_clear_pointer (&painted, pl_labels_free);
  painted = pl_labels_copy (pel_document_get_labels (doc));
  painted->data[24 * 20 * 7] = 3;
  pel_document_apply_labels (doc, "Paint", painted);
  go (&s, 1);
  {
    g_autoptr (PlVolume) a = make_volume (0);
    g_autoptr (PlLabels) saved = pl_labels_load (a_seg, a, &error);
    g_autofree char *second = g_build_filename (dir, "a_seg.nii.gz.unreadable-2", NULL);
    g_assert_no_error (error);
    g_assert_cmpuint (saved->data[24 * 20 * 7], ==, 3);
    g_assert_false (g_file_test (second, G_FILE_TEST_EXISTS));
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
  g_test_add_func ("/ui/cases/train-across", test_train_across);
  g_test_add_func ("/ui/cases/paint-while-opening", test_paint_while_opening);
  g_test_add_func ("/ui/cases/unreadable-segmentation-kept", test_unreadable_segmentation_kept);
  status = g_test_run ();

  g_clear_object (&app);
  remove_tree (tmpdir);
  g_free (tmpdir);
  return status;
}
