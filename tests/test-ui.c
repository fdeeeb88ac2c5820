/* The main window under a virtual X server: open, paint through the view's
 * gesture entry points, undo, save and read back; bad files; recovery after
 * a crash; actions behind the keyboard shortcuts. */
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "src/pel-application.h"
#include "src/pel-recovery.h"
#include "src/pel-window.h"
#include "tests/test-sanitizer.h"
#include "tests/ui-window-harness.h"

static GtkMessageDialog *
find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) w = g_list_model_get_item (toplevels, i);
      if (GTK_IS_MESSAGE_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return GTK_MESSAGE_DIALOG (w);
    }
  return NULL;
}

static gboolean
dialog_shown (gpointer data)
{
  return find_dialog () != NULL;
}

static char *
dialog_text (GtkMessageDialog *dialog)
{
  g_autofree char *text = NULL, *secondary = NULL;
  g_object_get (dialog, "text", &text, "secondary-text", &secondary, NULL);
  return g_strconcat (text, "\n", secondary, NULL);
}

static void
paint_stroke (PelSliceView *view,
              double        x0,
              double        y0,
              double        x1,
              double        y1)
{
  double wx0, wy0, wx1, wy1;

  /* slice pixel centres to widget coordinates, as a pointer would give */
  pel_slice_view_slice_to_widget (view, x0 + 0.5, y0 + 0.5, &wx0, &wy0);
  pel_slice_view_slice_to_widget (view, x1 + 0.5, y1 + 0.5, &wx1, &wy1);
  pel_slice_view_stroke_begin (view, wx0, wy0, FALSE);
  pel_slice_view_stroke_update (view, wx1, wy1);   /* one fast event */
  pel_slice_view_stroke_end (view);
}

static gsize
count_value (const PlLabels *labels,
             guint16         value)
{
  gsize n = 0;
  for (gsize i = 0; i < pl_labels_n_voxels (labels); i++)
    n += labels->data[i] == value;
  return n;
}

/* ---- tests ---------------------------------------------------------------- */

static void
test_paint_undo_save (void)
{
  PelWindow *win = new_window ();
  PelDocument *doc = pel_window_get_document (win);
  PelTools *tools = pel_window_get_tools (win);
  PelSliceView *axial = pel_viewer_get_view (pel_window_get_viewer (win), PL_VIEW_AXIAL);
  const PlLabels *labels;
  g_autofree char *path = g_build_filename (tmpdir, "painted.nii.gz", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (PlLabels) back = NULL;
  g_autoptr (GError) error = NULL;
  gint64 cursor[3];

  pel_document_set_volume (doc, make_volume ());
  wait_until (views_allocated, win);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (axial)));

  gtk_widget_activate_action (GTK_WIDGET (win), "win.tool", "s", "brush");
  g_assert_cmpint (pel_tools_get_tool (tools), ==, PEL_TOOL_BRUSH);
  g_object_set (tools, "brush-size", 1, "active-label", 3u, NULL);

  paint_stroke (axial, 4, 6, 19, 6);
  labels = pel_document_get_labels (doc);
  pel_document_get_cursor (doc, cursor);
  /* LPS in the radiological axial view: screen x runs R -> L, which is i
   * growing; screen y runs A -> P, which is j growing. */
  g_assert_cmpuint (count_value (labels, 3), ==, 16);
  for (gint64 i = 4; i <= 19; i++)
    g_assert_cmpuint (labels->data[i + 40 * (6 + 32 * cursor[2])], ==, 3);
  g_assert_true (pel_document_get_dirty (doc));
  g_assert_true (pel_document_can_undo (doc));
  g_assert_true (g_str_has_prefix (gtk_window_get_title (GTK_WINDOW (win)), "•"));

  gtk_widget_activate_action (GTK_WIDGET (win), "win.undo", NULL);
  g_assert_cmpuint (count_value (labels, 0), ==, pl_labels_n_voxels (labels));
  g_assert_false (pel_document_get_dirty (doc));
  gtk_widget_activate_action (GTK_WIDGET (win), "win.redo", NULL);
  g_assert_cmpuint (count_value (labels, 3), ==, 16);

  pel_window_save (win, file);
  wait_until (job_finished, win);
  g_assert_false (pel_document_get_dirty (doc));
  g_assert_cmpstr (pel_document_get_labels_path (doc), ==, path);
  back = pl_labels_load (path, pel_document_get_volume (doc), &error);
  g_assert_no_error (error);
  g_assert_cmpmem (back->data, pl_labels_n_voxels (back) * 2, labels->data, pl_labels_n_voxels (labels) * 2);

  /* Painting again makes it dirty; closing asks, Discard closes. */
  paint_stroke (axial, 2, 2, 2, 12);
  g_assert_true (pel_document_get_dirty (doc));
  gtk_window_close (GTK_WINDOW (win));
  wait_until (dialog_shown, NULL);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (win)));
  gtk_dialog_response (GTK_DIALOG (find_dialog ()), GTK_RESPONSE_REJECT);
  drain ();
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (win)));
  g_assert_finalize_object (win);
}

static void
test_bad_file_keeps_document (void)
{
  PelWindow *win = new_window ();
  PelDocument *doc = pel_window_get_document (win);
  g_autofree char *path = g_build_filename (tmpdir, "not-a-volume.nii", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  const PlVolume *before;
  GtkMessageDialog *dialog;
  g_autofree char *text = NULL;

  pel_document_set_volume (doc, make_volume ());
  before = pel_document_get_volume (doc);
  g_assert_true (g_file_set_contents (path, "this is not a NIfTI header at all", -1, NULL));

  pel_window_open (win, file, NULL, NULL);
  wait_until (job_finished, win);
  wait_until (dialog_shown, NULL);
  dialog = find_dialog ();
  text = dialog_text (dialog);
  g_test_message ("error shown: %s", text);
  g_assert_nonnull (strstr (text, "not-a-volume.nii"));
  g_assert_true (pel_document_get_volume (doc) == before);
  gtk_window_destroy (GTK_WINDOW (dialog));
  close_window (win);
}

static void
test_segmentation_on_another_grid (void)
{
  PelWindow *win = new_window ();
  PelDocument *doc = pel_window_get_document (win);
  g_autofree char *path = g_build_filename (tmpdir, "other-grid.nii.gz", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  static const gint64 other_dim[3] = { 40, 32, 19 };
  g_autoptr (PlVolume) other = pl_volume_new (other_dim, NULL, NULL);
  g_autoptr (PlLabels) other_labels = pl_labels_new (other_dim);
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  GtkMessageDialog *dialog;

  pel_document_set_volume (doc, make_volume ());
  g_assert_true (pl_labels_save (other_labels, other, path, &error));
  g_assert_no_error (error);

  pel_window_open_segmentation (win, file);
  wait_until (job_finished, win);
  wait_until (dialog_shown, NULL);
  dialog = find_dialog ();
  text = dialog_text (dialog);
  g_test_message ("error shown: %s", text);
  g_assert_nonnull (strstr (text, "other-grid.nii.gz"));
  g_assert_null (pel_document_get_labels_path (doc));
  g_assert_false (pel_document_get_dirty (doc));
  gtk_window_destroy (GTK_WINDOW (dialog));
  close_window (win);
}

static void
test_open_file_with_nan (void)
{
  PelWindow *win = new_window ();
  PelDocument *doc = pel_window_get_document (win);
  g_autofree char *path = g_build_filename (tmpdir, "nan.nii.gz", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (PlVolume) v = make_volume ();
  g_autoptr (GError) error = NULL;
  const char *notice;

  v->data[5] = NAN;
  v->data[77] = INFINITY;
  g_assert_true (pl_volume_save (v, path, &error));
  g_assert_no_error (error);

  pel_window_open (win, file, NULL, NULL);
  wait_until (job_finished, win);
  g_assert_true (pel_document_has_volume (doc));
  g_assert_cmpstr (pel_document_get_volume_path (doc), ==, path);
  g_assert_cmpint (pel_document_get_volume (doc)->n_nonfinite, ==, 2);
  notice = pel_window_get_notice (win);
  g_assert_nonnull (notice);
  g_assert_nonnull (strstr (notice, "not"));
  g_assert_nonnull (strstr (gtk_window_get_title (GTK_WINDOW (win)), "nan.nii.gz"));
  close_window (win);
}

static void
autosaved (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr (GError) error = NULL;

  g_assert_true (pel_document_autosave_finish (PEL_DOCUMENT (object), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static void
on_restored (PelDocument *doc,
             const char  *path,
             int         *count)
{
  (*count)++;
}

typedef struct
{
  int     autosave_started, autosaved, saved;
  guint64 autosave_started_state, autosaved_state, saved_state;
  char   *saved_path;
} Persisted;

static void
on_autosave_started (PelDocument *doc,
                     guint64      state,
                     Persisted   *p)
{
  p->autosave_started++;
  p->autosave_started_state = state;
}

static void
on_autosaved (PelDocument *doc,
              guint64      state,
              Persisted   *p)
{
  p->autosaved++;
  p->autosaved_state = state;
}

static void
on_saved (PelDocument *doc,
          guint64      state,
          const char  *path,
          Persisted   *p)
{
  p->saved++;
  p->saved_state = state;
  g_free (p->saved_path);
  p->saved_path = g_strdup (path);
}

static gboolean
autosaved_once (gpointer data)
{
  return ((Persisted *) data)->autosaved > 0;
}

static gboolean
saved_once (gpointer data)
{
  return ((Persisted *) data)->saved > 0;
}

/* What the test control channel and scripts use: win.paint-label and
 * win.brush-diameter set the tools, win.save-to saves without a dialog,
 * and the document says when its autosave and save hold which state. */
static void
test_persistence_signals (void)
{
  PelWindow *win = new_window ();
  PelDocument *doc = pel_window_get_document (win);
  PelTools *tools = pel_window_get_tools (win);
  g_autofree char *path = g_build_filename (tmpdir, "signals.nii.gz", NULL);
  g_autofree char *out = g_build_filename (tmpdir, "signals-labels.nii.gz", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (PlVolume) v = make_volume ();
  g_autoptr (GError) error = NULL;
  g_autoptr (PlLabels) back = NULL;
  Persisted p = { 0 };
  guint64 state;

  g_assert_true (pl_volume_save (v, path, &error));
  pel_window_open (win, file, NULL, NULL);
  wait_until (job_finished, win);
  wait_until (views_allocated, win);
  g_signal_connect (doc, "autosave-started", G_CALLBACK (on_autosave_started), &p);
  g_signal_connect (doc, "autosaved", G_CALLBACK (on_autosaved), &p);
  g_signal_connect (doc, "saved", G_CALLBACK (on_saved), &p);

  gtk_widget_activate_action (GTK_WIDGET (win), "win.tool", "s", "brush");
  gtk_widget_activate_action (GTK_WIDGET (win), "win.paint-label", "u", 4u);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.brush-diameter", "i", 2);
  g_assert_cmpuint (pel_tools_get_active_label (tools), ==, 4);
  g_assert_cmpint (pel_tools_get_brush_size (tools), ==, 2);

  g_object_set (doc, "autosave-interval-ms", 30u, NULL);
  paint_stroke (pel_viewer_get_view (pel_window_get_viewer (win), PL_VIEW_AXIAL), 4, 4, 20, 12);
  g_object_get (doc, "state-id", &state, NULL);
  g_assert_cmpuint (state, ==, pel_document_get_state_id (doc));
  g_assert_cmpuint (state, >, 0);
  wait_until (autosaved_once, &p);
  g_assert_cmpint (p.autosave_started, >=, 1);
  g_assert_cmpuint (p.autosave_started_state, ==, state);
  g_assert_cmpuint (p.autosaved_state, ==, state);
  g_object_set (doc, "autosave-interval-ms", 0u, NULL);

  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "save-to"));
  g_action_group_activate_action (G_ACTION_GROUP (win), "save-to", g_variant_new_string (out));
  wait_until (saved_once, &p);
  wait_until (job_finished, win);
  g_assert_cmpuint (p.saved_state, ==, state);
  g_assert_cmpstr (p.saved_path, ==, out);
  g_assert_false (pel_document_get_dirty (doc));
  back = pl_labels_load (out, v, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_value (back, 4), ==, count_value (pel_document_get_labels (doc), 4));
  g_assert_cmpuint (count_value (back, 4), >, 10);

  g_signal_handlers_disconnect_by_data (doc, &p);
  g_free (p.saved_path);
  pel_document_discard_recovery (doc);
  close_window (win);
}

static void
test_recovery_after_crash (void)
{
  PelWindow *win = new_window ();
  PelDocument *doc = pel_window_get_document (win);
  g_autofree char *path = g_build_filename (tmpdir, "scan.nii.gz", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (PlVolume) v = make_volume ();
  g_autoptr (GError) error = NULL;
  g_autoptr (PlLabels) painted = NULL;
  g_autoptr (PelRecovery) recovery = NULL;
  g_autofree char *recovery_dir = NULL;
  PelSliceView *axial;
  gboolean done = FALSE;
  gint64 offered = -1;
  int restored = 0;

  g_assert_true (pl_volume_save (v, path, &error));
  pel_window_open (win, file, NULL, NULL);
  wait_until (job_finished, win);
  wait_until (views_allocated, win);
  axial = pel_viewer_get_view (pel_window_get_viewer (win), PL_VIEW_AXIAL);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.tool", "s", "brush");
  g_object_set (pel_window_get_tools (win), "brush-size", 3, "active-label", 2u, NULL);
  paint_stroke (axial, 5, 5, 25, 20);
  painted = pel_document_snapshot_labels (doc, NULL);
  g_assert_cmpuint (count_value (painted, 2), >, 40);

  pel_document_autosave_async (doc, NULL, autosaved, &done);
  wait_until (flag_set, &done);
  recovery = pel_recovery_find (pel_document_get_recovery_dir (doc), path);
  g_assert_nonnull (recovery);
  g_assert_null (recovery->labels_path);

  /* "Crash": the window goes without asking, the recovery file stays. */
  close_window (win);

  win = new_window ();
  doc = pel_window_get_document (win);
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "recovery"));
  g_signal_connect (doc, "restored", G_CALLBACK (on_restored), &restored);
  pel_window_open (win, file, NULL, NULL);
  wait_until (job_finished, win);
  wait_until (dialog_shown, NULL);
  /* The question shows in the window's recovery-time property and is
   * answered through the win.recovery action, as its Restore button. */
  g_object_get (win, "recovery-time", &offered, NULL);
  g_assert_cmpint (offered, ==, recovery->time);
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "recovery"));
  g_action_group_activate_action (G_ACTION_GROUP (win), "recovery", g_variant_new_string ("restore"));
  g_assert_null (find_dialog ());
  g_object_get (win, "recovery-time", &offered, NULL);
  g_assert_cmpint (offered, ==, 0);
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "recovery"));
  wait_until (job_finished, win);
  drain ();
  g_assert_cmpint (restored, ==, 1);
  g_assert_cmpmem (pel_document_get_labels (doc)->data, pl_labels_n_voxels (painted) * 2,
                   painted->data, pl_labels_n_voxels (painted) * 2);
  g_assert_true (pel_document_get_dirty (doc));

  /* Closing with Discard removes the recovery files for good. */
  gtk_window_close (GTK_WINDOW (win));
  wait_until (dialog_shown, NULL);
  gtk_dialog_response (GTK_DIALOG (find_dialog ()), GTK_RESPONSE_REJECT);
  drain ();
  g_assert_finalize_object (win);
  g_clear_pointer (&recovery, pel_recovery_free);
  recovery_dir = pel_recovery_default_dir ();
  recovery = pel_recovery_find (recovery_dir, path);
  g_assert_null (recovery);
}

/* A recovery copied before a save is superseded by the saved file, even
 * when painting goes on during the save (the document stays dirty) and the
 * recovery knows no saved file (autosaved before the first save) or
 * another one (Save As): offering it on the next start would give back
 * less than the segmentation that was saved. */
static void
test_save_supersedes_recovery (void)
{
  PelWindow *win = new_window ();
  PelDocument *doc = pel_window_get_document (win);
  g_autofree char *path = g_build_filename (tmpdir, "superseded.nii.gz", NULL);
  g_autofree char *first = g_build_filename (tmpdir, "superseded-1.nii.gz", NULL);
  g_autofree char *second = g_build_filename (tmpdir, "superseded-2.nii.gz", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFile) first_file = g_file_new_for_path (first);
  g_autoptr (GFile) second_file = g_file_new_for_path (second);
  g_autoptr (PlVolume) v = make_volume ();
  g_autoptr (GError) error = NULL;
  PelSliceView *axial;
  PelRecovery *recovery;
  gboolean done = FALSE;

  g_assert_true (pl_volume_save (v, path, &error));
  pel_window_open (win, file, NULL, NULL);
  wait_until (job_finished, win);
  wait_until (views_allocated, win);
  axial = pel_viewer_get_view (pel_window_get_viewer (win), PL_VIEW_AXIAL);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.tool", "s", "brush");
  g_object_set (pel_window_get_tools (win), "brush-size", 1, "active-label", 2u, NULL);

  for (int round = 0; round < 2; round++)
    {
      /* round 0: never saved yet; round 1: saved as `first`, saved as
       * `second` */
      paint_stroke (axial, 2, 2 + round, 20, 2 + round);
      done = FALSE;
      pel_document_autosave_async (doc, NULL, autosaved, &done);
      wait_until (flag_set, &done);
      recovery = pel_recovery_find (pel_document_get_recovery_dir (doc), path);
      g_assert_nonnull (recovery);
      g_assert_cmpstr (recovery->labels_path, ==, round == 0 ? NULL : first);
      pel_recovery_free (recovery);

      paint_stroke (axial, 2, 10 + round, 20, 10 + round);
      pel_window_save (win, round == 0 ? first_file : second_file);
      paint_stroke (axial, 2, 20 + round, 20, 20 + round);
      wait_until (job_finished, win);
      g_assert_true (pel_document_get_dirty (doc));
      g_assert_null (pel_recovery_find (pel_document_get_recovery_dir (doc), path));
    }
  pel_document_discard_recovery (doc);
  close_window (win);
}

static void
test_actions (void)
{
  PelWindow *win = new_window ();
  PelDocument *doc = pel_window_get_document (win);
  PelTools *tools = pel_window_get_tools (win);
  PelViewer *viewer = pel_window_get_viewer (win);
  PelSliceView *axial = pel_viewer_get_view (viewer, PL_VIEW_AXIAL);
  double window, level, wx, wy;
  gint64 before[3], after[3];
  int size;

  pel_document_set_volume (doc, make_volume ());
  wait_until (views_allocated, win);

  /* 1-5 tools, +/- brush size, < > active label */
  gtk_widget_activate_action (GTK_WIDGET (win), "win.tool", "s", "fill");
  g_assert_cmpint (pel_tools_get_tool (tools), ==, PEL_TOOL_FILL);
  size = pel_tools_get_brush_size (tools);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.brush-size", "i", 1);
  g_assert_cmpint (pel_tools_get_brush_size (tools), ==, size + 1);
  pel_tools_set_active_label (tools, 1);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.active-label", "i", 1);
  g_assert_cmpuint (pel_tools_get_active_label (tools), ==, 2);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.active-label", "i", -2);
  g_assert_cmpuint (pel_tools_get_active_label (tools), ==, 6);   /* wraps over 1..6 */

  /* S toggles the segmentation, D raises its opacity */
  g_assert_true (pel_document_get_labels_visible (doc));
  gtk_widget_activate_action (GTK_WIDGET (win), "win.labels-visible", NULL);
  g_assert_false (pel_document_get_labels_visible (doc));
  gtk_widget_activate_action (GTK_WIDGET (win), "win.labels-opacity", "i", 1);
  g_assert_true (pel_document_get_labels_visible (doc));

  /* presets */
  gtk_widget_activate_action (GTK_WIDGET (win), "win.preset", "s", "ct-bone");
  pel_document_get_window_level (doc, &window, &level);
  g_assert_cmpfloat (window, ==, 2000);
  g_assert_cmpfloat (level, ==, 500);

  /* slice scrolling moves the cursor along the view's normal */
  pel_document_get_cursor (doc, before);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.slice", "i", 3);
  pel_document_get_cursor (doc, after);
  g_assert_cmpint (after[2] - before[2], ==, 3);

  /* fill: the whole slice of the synthetic image is within 1000 */
  g_object_set (tools, "fill-tolerance", 1000.0, "active-label", 4u, NULL);
  pel_slice_view_slice_to_widget (axial, 10.5, 10.5, &wx, &wy);
  pel_slice_view_fill_at (axial, wx, wy);
  g_assert_cmpuint (count_value (pel_document_get_labels (doc), 4), ==, 40 * 32);
  g_assert_cmpstr (pel_document_get_undo (doc) ? pl_undo_get_undo_name (pel_document_get_undo (doc)) : NULL, ==, "Fill");

  /* layout: one large view */
  gtk_widget_activate_action (GTK_WIDGET (win), "win.layout", "s", "coronal");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (axial)));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (pel_viewer_get_view (viewer, PL_VIEW_CORONAL))));
  gtk_widget_activate_action (GTK_WIDGET (win), "win.layout", "s", "three");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (axial)));

  /* crosshair tool: clicking moves the linked cursor */
  pel_slice_view_slice_to_widget (axial, 7.5, 9.5, &wx, &wy);
  pel_slice_view_set_cursor_at (axial, wx, wy);
  pel_document_get_cursor (doc, after);
  g_assert_cmpint (after[0], ==, 7);
  g_assert_cmpint (after[1], ==, 9);

  /* zoom about the pointer keeps the point under it */
  {
    double x0, y0, x1, y1;
    pel_slice_view_widget_to_slice (axial, 100, 80, &x0, &y0);
    pel_slice_view_zoom_at (axial, 2.0, 100, 80);
    pel_slice_view_widget_to_slice (axial, 100, 80, &x1, &y1);
    g_assert_cmpfloat_with_epsilon (x0, x1, 1e-9);
    g_assert_cmpfloat_with_epsilon (y0, y1, 1e-9);
  }

  gtk_widget_activate_action (GTK_WIDGET (win), "win.undo", NULL);
  drain ();
  close_window (win);
}

static void
test_undo_budget_notice (void)
{
  PelWindow *win = new_window ();
  PelDocument *doc = pel_window_get_document (win);
  PelSliceView *axial;
  const char *notice;

  pel_document_set_volume (doc, make_volume ());
  wait_until (views_allocated, win);
  axial = pel_viewer_get_view (pel_window_get_viewer (win), PL_VIEW_AXIAL);
  pel_document_set_undo_budget (doc, 600);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.tool", "s", "brush");
  g_object_set (pel_window_get_tools (win), "brush-size", 3, NULL);
  for (int s = 0; s < 20; s++)
    {
      pel_tools_set_active_label (pel_window_get_tools (win), (guint16) (1 + s % 6));
      paint_stroke (axial, 1, 1 + s, 35, 1 + s);
    }
  g_assert_cmpuint (pl_undo_get_bytes (pel_document_get_undo (doc)), <=, 600);
  g_assert_cmpuint (pl_undo_get_n_dropped (pel_document_get_undo (doc)), >, 0);
  notice = pel_window_get_notice (win);
  g_assert_nonnull (notice);
  g_assert_nonnull (strstr (notice, "dropped"));
  close_window (win);
}

/* ---- main ----------------------------------------------------------------- */

int
main (int argc, char **argv)
{
  int status;

  harness_init (&argc, &argv, "pellucid-ui-XXXXXX");

  g_test_add_func ("/ui/window/paint-undo-save", test_paint_undo_save);
  g_test_add_func ("/ui/window/bad-file-keeps-document", test_bad_file_keeps_document);
  g_test_add_func ("/ui/window/segmentation-on-another-grid", test_segmentation_on_another_grid);
  g_test_add_func ("/ui/window/open-file-with-nan", test_open_file_with_nan);
  g_test_add_func ("/ui/window/recovery-after-crash", test_recovery_after_crash);
  g_test_add_func ("/ui/window/save-supersedes-recovery", test_save_supersedes_recovery);
  g_test_add_func ("/ui/window/persistence-signals", test_persistence_signals);
  g_test_add_func ("/ui/window/actions", test_actions);
  g_test_add_func ("/ui/window/undo-budget-notice", test_undo_budget_notice);
  status = g_test_run ();
  harness_finish ();
  return status;
}
