/* The annotator's tools and what a new user meets first, in a window under
 * a virtual X server: a segmentation opened without a label file lists
 * exactly its values with voxel counts, and painting does not start with
 * its background; Save proposes a writable folder, not the image's; Ctrl+O
 * with nothing open opens an image; the contrast popover's histogram; the
 * distance tool; the Help menu's documents; label volumes as CSV. */
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "src/pel-application.h"
#include "src/pel-histogram.h"
#include "src/pel-label-row.h"
#include "src/pel-settings.h"
#include "src/pel-window.h"
#include "tests/test-sanitizer.h"
#include "tests/ui-window-harness.h"

static GtkWidget *
find_widget (GtkWidget *root,
             GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  if (GTK_IS_MENU_BUTTON (root) && gtk_menu_button_get_popover (GTK_MENU_BUTTON (root)))
    {
      GtkWidget *found = find_widget (GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (root))), type);
      if (found)
        return found;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_widget (c, type);
      if (found)
        return found;
    }
  return NULL;
}

static void
collect_rows (GtkWidget *root,
              GPtrArray *rows)
{
  if (PEL_IS_LABEL_ROW (root))
    g_ptr_array_add (rows, root);
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    collect_rows (c, rows);
}

typedef struct
{
  PelWindow *win;
  guint64    expect[5];
} RowsCheck;

static gboolean
rows_counted (gpointer data)
{
  RowsCheck *check = data;
  g_autoptr (GPtrArray) rows = g_ptr_array_new ();

  collect_rows (GTK_WIDGET (check->win), rows);
  if (rows->len != 4)
    return FALSE;
  for (guint i = 0; i < rows->len; i++)
    {
      PelLabelRow *row = rows->pdata[i];
      if (pel_label_row_get_count (row) != check->expect[pel_label_row_get_value (row)])
        return FALSE;
    }
  return TRUE;
}

/* A four-class map on make_volume()'s grid, every voxel labelled, 1 all
 * around (the "outside" class of colin27-4class). */
static char *
write_four_class (const char *name,
                  guint64     counts[5])
{
  g_autoptr (PlVolume) v = make_volume ();
  g_autoptr (PlLabels) l = pl_labels_new (v->dim);
  g_autoptr (GError) error = NULL;
  char *path = g_build_filename (tmpdir, name, NULL);

  memset (counts, 0, 5 * sizeof *counts);
  for (gint64 k = 0; k < v->dim[2]; k++)
    for (gint64 j = 0; j < v->dim[1]; j++)
      for (gint64 i = 0; i < v->dim[0]; i++)
        {
          guint16 value = 1;
          if (i > 4 && i < 35 && j > 4 && j < 27 && k > 2 && k < 17)
            value = (guint16) (2 + (i + j) % 3);
          l->data[i + v->dim[0] * (j + v->dim[1] * k)] = value;
          counts[value]++;
        }
  g_assert_true (pl_labels_save (l, v, path, &error));
  g_assert_no_error (error);
  return path;
}

/* ---- tests ---------------------------------------------------------------- */

/* Opened without a label file, a four-class map lists labels 1-4 (not six
 * generic rows), each in its own colour with its voxel count, and the
 * active label is not the background. */
static void
test_segmentation_without_table (void)
{
  PelWindow *win = new_window ();
  PelDocument *doc = pel_window_get_document (win);
  PelTools *tools = pel_window_get_tools (win);
  g_autofree char *image = g_build_filename (tmpdir, "four.nii.gz", NULL);
  g_autofree char *seg = NULL;
  g_autoptr (PlVolume) v = make_volume ();
  g_autoptr (GFile) image_file = g_file_new_for_path (image);
  g_autoptr (GFile) seg_file = NULL;
  g_autoptr (GError) error = NULL;
  PlLabelTable *table;
  RowsCheck check = { win, { 0 } };

  g_assert_true (pl_volume_save (v, image, &error));
  g_assert_no_error (error);
  seg = write_four_class ("four_seg.nii.gz", check.expect);
  seg_file = g_file_new_for_path (seg);
  g_assert_cmpuint (pel_tools_get_active_label (tools), ==, 1);

  pel_window_open (win, image_file, seg_file, NULL);
  wait_until (job_finished, win);
  drain ();
  table = pel_document_get_label_table (doc);
  g_assert_cmpuint (pl_label_table_get_n (table), ==, 5);   /* clear + 1..4 */
  for (guint v_ = 1; v_ <= 4; v_++)
    {
      const PlLabel *l = pl_label_table_lookup (table, (guint16) v_);
      g_autofree char *name = g_strdup_printf ("Label %u", v_);
      g_assert_nonnull (l);
      g_assert_cmpstr (l->name, ==, name);
      for (guint w = 1; w < v_; w++)
        g_assert_true (memcmp (l->rgb, pl_label_table_lookup (table, (guint16) w)->rgb, 3) != 0);
    }
  g_assert_cmpuint (pel_document_get_background_label (doc), ==, 1);
  g_assert_cmpuint (pel_tools_get_active_label (tools), ==, 2);
  wait_until (rows_counted, &check);

  /* < and > still reach the background on purpose */
  gtk_widget_activate_action (GTK_WIDGET (win), "win.active-label", "i", -1);
  g_assert_cmpuint (pel_tools_get_active_label (tools), ==, 1);

  /* A new image without a map gets the six rows to paint with again. */
  pel_document_set_volume (doc, make_volume ());
  g_assert_cmpuint (pl_label_table_get_n (pel_document_get_label_table (doc)), ==, 7);
  g_assert_cmpuint (pel_document_get_background_label (doc), ==, 0);
  close_window (win);
}

/* A table the user edited is kept when a map is opened: values it lacks
 * are added, nothing is dropped. */
static void
test_edited_table_kept (void)
{
  PelWindow *win = new_window ();
  PelDocument *doc = pel_window_get_document (win);
  g_autofree char *seg = NULL;
  g_autoptr (GFile) seg_file = NULL;
  guint64 counts[5];
  PlLabel l = pl_label_table_next_free (pel_document_get_label_table (doc));

  pel_document_set_volume (doc, make_volume ());
  g_free (l.name);
  l.value = 9;
  l.name = (char *) "Tumour";
  pel_document_set_label (doc, &l);
  seg = write_four_class ("four_seg2.nii.gz", counts);
  /* adding a label is an undo step: as if saved, so that opening asks
   * nothing */
  pel_document_mark_saved (doc, pel_document_get_state_id (doc), seg);
  seg_file = g_file_new_for_path (seg);
  pel_window_open_segmentation (win, seg_file);
  wait_until (job_finished, win);
  drain ();
  g_assert_nonnull (pl_label_table_lookup (pel_document_get_label_table (doc), 9));
  g_assert_nonnull (pl_label_table_lookup (pel_document_get_label_table (doc), 6));
  g_assert_nonnull (pl_label_table_lookup (pel_document_get_label_table (doc), 4));
  close_window (win);
}

/* Save proposes the folder written last, else the documents folder (or
 * home), never the image's folder. */
static void
test_save_folder (void)
{
  PelWindow *win = new_window ();
  PelDocument *doc = pel_window_get_document (win);
  g_autofree char *image_dir = g_build_filename (tmpdir, "read-only-images", NULL);
  g_autofree char *image = g_build_filename (image_dir, "scan.nii.gz", NULL);
  g_autofree char *out_dir = g_build_filename (tmpdir, "my-work", NULL);
  g_autofree char *out = g_build_filename (out_dir, "scan-labels.nii.gz", NULL);
  g_autofree char *folder = NULL;
  g_autoptr (PlVolume) v = make_volume ();
  g_autoptr (GFile) image_file = g_file_new_for_path (image);
  g_autoptr (GError) error = NULL;
  const char *documents = g_get_user_special_dir (G_USER_DIRECTORY_DOCUMENTS);

  g_object_set (pel_settings_get_default (), "last-save-folder", "", NULL);
  g_mkdir_with_parents (image_dir, 0700);
  g_mkdir_with_parents (out_dir, 0700);
  g_assert_true (pl_volume_save (v, image, &error));
  g_assert_no_error (error);
  pel_window_open (win, image_file, NULL, NULL);
  wait_until (job_finished, win);
  drain ();

  folder = pel_window_get_save_folder (win);
  g_assert_cmpstr (folder, !=, image_dir);
  if (documents && g_file_test (documents, G_FILE_TEST_IS_DIR))
    g_assert_cmpstr (folder, ==, documents);
  else
    g_assert_cmpstr (folder, ==, g_get_home_dir ());
  g_clear_pointer (&folder, g_free);

  gtk_widget_activate_action (GTK_WIDGET (win), "win.save-to", "s", out);
  wait_until (job_finished, win);
  drain ();
  g_assert_false (pel_document_get_dirty (doc));
  folder = pel_window_get_save_folder (win);
  g_assert_cmpstr (folder, ==, out_dir);
  g_clear_pointer (&folder, g_free);

  /* a folder since removed is not proposed */
  g_remove (out);
  g_rmdir (out_dir);
  folder = pel_window_get_save_folder (win);
  g_assert_cmpstr (folder, !=, out_dir);
  close_window (win);
}

static gboolean
chooser_shown (gpointer data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) w = g_list_model_get_item (toplevels, i);
      if (GTK_IS_FILE_CHOOSER (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return TRUE;
    }
  return FALSE;
}

static void
close_choosers (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = g_list_model_get_n_items (toplevels); i-- > 0;)
    {
      g_autoptr (GObject) w = g_list_model_get_item (toplevels, i);
      if (GTK_IS_DIALOG (w) && GTK_IS_FILE_CHOOSER (w))
        gtk_dialog_response (GTK_DIALOG (w), GTK_RESPONSE_CANCEL);
    }
  drain ();
}

/* Ctrl+O (open segmentation) with no image says why and opens an image. */
static void
test_ctrl_o_without_image (void)
{
  PelWindow *win;
  const char *notice;

#ifdef TEST_UNDER_SANITIZER
  /* GTK's file chooser starts libcloudproviders for its sidebar, which
   * keeps what it allocates for the life of the process; the fast
   * unwinder stops in GLib, so no suppression can name it. */
  g_test_skip ("the file chooser's sidebar leaks by design under LeakSanitizer");
  return;
#endif
  win = new_window ();
  drain ();
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "open-segmentation"));
  gtk_widget_activate_action (GTK_WIDGET (win), "win.open-segmentation", NULL);
  notice = pel_window_get_notice (win);
  g_assert_nonnull (notice);
  g_assert_nonnull (strstr (notice, "open the image first"));
  wait_until (chooser_shown, NULL);
  close_choosers ();
  close_window (win);
}

static gboolean
histogram_ready (gpointer data)
{
  gboolean ready;
  g_object_get (data, "ready", &ready, NULL);
  return ready;
}

/* The contrast popover holds the image's histogram: every voxel counted
 * once, over the image's range. */
static void
test_histogram (void)
{
  PelWindow *win = new_window ();
  PelDocument *doc = pel_window_get_document (win);
  PelHistogram *histogram = PEL_HISTOGRAM (find_widget (GTK_WIDGET (win), PEL_TYPE_HISTOGRAM));
  const guint64 *counts;
  guint n_bins;
  double lo, hi;
  guint64 total = 0;

  g_assert_nonnull (histogram);
  g_assert_null (pel_histogram_get_counts (histogram, NULL, NULL, NULL));
  pel_document_set_volume (doc, make_volume ());
  wait_until (histogram_ready, histogram);
  counts = pel_histogram_get_counts (histogram, &n_bins, &lo, &hi);
  g_assert_nonnull (counts);
  g_assert_cmpfloat (lo, ==, pel_document_get_volume (doc)->min);
  g_assert_cmpfloat (hi, ==, pel_document_get_volume (doc)->max);
  for (guint b = 0; b < n_bins; b++)
    total += counts[b];
  g_assert_cmpuint (total, ==, pl_volume_n_voxels (pel_document_get_volume (doc)));
  close_window (win);
}

/* The distance tool: a drag, then two clicks, each in mm from the voxel
 * spacing of the view's axes. */
static void
test_distance (void)
{
  PelWindow *win = new_window ();
  PelDocument *doc = pel_window_get_document (win);
  PelSliceView *axial = pel_viewer_get_view (pel_window_get_viewer (win), PL_VIEW_AXIAL);
  const PlSliceFrame *frame;
  double ax, ay, bx, by, expect;

  pel_document_set_volume (doc, make_volume ());
  wait_until (views_allocated, win);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.tool", "s", "measure");
  g_assert_cmpint (pel_tools_get_tool (pel_window_get_tools (win)), ==, PEL_TOOL_MEASURE);
  g_assert_cmpfloat (pel_slice_view_get_measurement (axial), ==, -1.0);
  frame = pel_slice_view_get_frame (axial);
  expect = hypot (12 * frame->spacing_x, 16 * frame->spacing_y);

  pel_slice_view_slice_to_widget (axial, 5, 5, &ax, &ay);
  pel_slice_view_slice_to_widget (axial, 17, 21, &bx, &by);
  pel_slice_view_measure_press (axial, ax, ay);
  pel_slice_view_measure_motion (axial, (ax + bx) / 2, (ay + by) / 2);
  pel_slice_view_measure_release (axial, bx, by);
  g_assert_cmpfloat_with_epsilon (pel_slice_view_get_measurement (axial), expect, 1e-9);

  /* two clicks, the line following the pointer in between */
  pel_slice_view_measure_press (axial, bx, by);
  pel_slice_view_measure_release (axial, bx + 1, by);
  pel_slice_view_measure_motion (axial, ax + 30, ay);
  pel_slice_view_measure_press (axial, ax, ay);
  pel_slice_view_measure_release (axial, ax, ay);
  g_assert_cmpfloat_with_epsilon (pel_slice_view_get_measurement (axial), expect, 1e-9);
  /* drawn: the snapshot runs with the line and its label */
  gtk_widget_queue_draw (GTK_WIDGET (axial));
  drain ();

  /* a new image clears it */
  pel_document_set_volume (doc, make_volume ());
  g_assert_cmpfloat (pel_slice_view_get_measurement (axial), ==, -1.0);
  close_window (win);
}

/* Every document of the Help menu is found (the source tree's when not
 * installed), and nothing outside the documentation can be named. */
static void
test_help_documents (void)
{
  static const char *names[] = { "README", "methods", "cases", "uncertainty", "explanations", "restoration" };

  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "help"));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = pel_application_find_doc (names[i]);
      g_autofree char *text = NULL;

      g_assert_nonnull (path);
      g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
      g_assert_cmpuint (strlen (text), >, 100);
    }
  g_assert_null (pel_application_find_doc ("../README"));
  g_assert_null (pel_application_find_doc ("no-such-page"));
}

/* Every label's voxels and mL as CSV, from the window's action. */
static void
test_export_volumes (void)
{
  PelWindow *win = new_window ();
  PelDocument *doc = pel_window_get_document (win);
  g_autofree char *seg = NULL;
  g_autofree char *csv = g_build_filename (tmpdir, "volumes.csv", NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  guint64 counts[5];
  PlLabel renamed;

  pel_document_set_volume (doc, make_volume ());
  seg = write_four_class ("four_seg3.nii.gz", counts);
  {
    g_autoptr (GFile) seg_file = g_file_new_for_path (seg);
    pel_window_open_segmentation (win, seg_file);
  }
  wait_until (job_finished, win);
  drain ();
  renamed = *pl_label_table_lookup (pel_document_get_label_table (doc), 3);
  renamed.name = (char *) "Grey, matter";
  pel_document_set_label (doc, &renamed);

  gtk_widget_activate_action (GTK_WIDGET (win), "win.export-volumes-to", "s", csv);
  wait_until (job_finished, win);
  drain ();
  g_assert_true (g_file_get_contents (csv, &text, NULL, NULL));
  g_test_message ("%s", text);
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "value,name,voxels,ml");
  for (guint v = 1; v <= 4; v++)
    {
      /* 1 x 1.25 x 2 mm = 2.5 mm³ a voxel */
      g_autofree char *name = v == 3 ? g_strdup ("\"Grey, matter\"") : g_strdup_printf ("Label %u", v);
      g_autofree char *prefix = g_strdup_printf ("%u,%s,%" G_GUINT64_FORMAT ",", v, name, counts[v]);
      g_assert_true (g_str_has_prefix (lines[v], prefix));
      g_assert_cmpfloat_with_epsilon (g_ascii_strtod (lines[v] + strlen (prefix), NULL),
                                      counts[v] * 2.5 / 1000.0, 1e-3);
    }
  close_window (win);
}

static gboolean
interpolation_done (gpointer data)
{
  return g_action_group_get_action_enabled (G_ACTION_GROUP (data), "interpolate");
}

/* A disc of label `value` on axial slice k (centre (cx, cy), radius r). */
static void
paint_disc (PlLabels *l,
            gint64    k,
            double    cx,
            double    cy,
            double    r,
            guint16   value)
{
  for (gint64 j = 0; j < l->dim[1]; j++)
    for (gint64 i = 0; i < l->dim[0]; i++)
      if ((i - cx) * (i - cx) + (j - cy) * (j - cy) <= r * r)
        l->data[i + l->dim[0] * (j + l->dim[1] * k)] = value;
}

/* Fill Between Slices: label 2 painted on axial slices 4 and 12 fills 5-11
 * along the axial view's axis, as one undo step; voxels of a locked label
 * and of other labels stay; a second label is left alone; undo restores
 * the map exactly. */
static void
test_interpolate (void)
{
  PelWindow *win = new_window ();
  PelDocument *doc = pel_window_get_document (win);
  g_autoptr (PlLabels) start = NULL;
  g_autoptr (PlLabels) painted = NULL;
  const PlLabels *labels;
  const gint64 *dim;
  PlLabel locked;
  guint n_undo;

  pel_document_set_volume (doc, make_volume ());
  wait_until (views_allocated, win);
  dim = pel_document_get_volume (doc)->dim;
  painted = pl_labels_new (dim);
  paint_disc (painted, 4, 20, 16, 6, 2);
  paint_disc (painted, 12, 20, 16, 6, 2);
  paint_disc (painted, 8, 20, 16, 2, 3);    /* locked, in the way */
  paint_disc (painted, 4, 6, 6, 2, 5);      /* another label: not asked */
  paint_disc (painted, 12, 6, 6, 2, 5);
  painted->data[23 + dim[0] * (16 + dim[1] * 6)] = 4;   /* painted, not locked */
  pel_document_apply_labels (doc, "Paint", painted);
  locked = *pl_label_table_lookup (pel_document_get_label_table (doc), 3);
  locked.locked = TRUE;
  pel_document_set_label (doc, &locked);
  start = pl_labels_copy (pel_document_get_labels (doc));
  n_undo = pl_undo_get_n_undo (pel_document_get_undo (doc));

  g_assert_true (pel_viewer_get_active_view (pel_window_get_viewer (win)) == pel_viewer_get_view (pel_window_get_viewer (win), PL_VIEW_AXIAL));
  g_object_set (pel_window_get_tools (win), "active-label", 2u, NULL);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.interpolate", NULL);
  wait_until (interpolation_done, win);
  drain ();
  g_assert_cmpuint (pl_undo_get_n_undo (pel_document_get_undo (doc)), ==, n_undo + 1);
  g_assert_cmpstr (pl_undo_get_undo_name (pel_document_get_undo (doc)), ==, "Interpolate “Label 2”");
  g_assert_nonnull (strstr (pel_window_get_notice (win), "Interpolated 7 slices"));

  labels = pel_document_get_labels (doc);
  for (gint64 k = 5; k <= 11; k++)
    {
      gsize i = 20 + dim[0] * (16 + dim[1] * k);
      if (k == 8)
        g_assert_cmpuint (labels->data[i], ==, 3);   /* locked */
      else if (k == 6)
        g_assert_cmpuint (labels->data[i + 3], ==, 4);   /* painted before */
      else
        g_assert_cmpuint (labels->data[i], ==, 2);
      g_assert_cmpuint (labels->data[6 + dim[0] * (6 + dim[1] * k)], ==, 0);   /* label 5 not asked */
      g_assert_cmpuint (labels->data[0 + dim[0] * (0 + dim[1] * k)], ==, 0);   /* outside the discs */
    }
  g_assert_cmpuint (labels->data[20 + dim[0] * (16 + dim[1] * 6)], ==, 2);
  for (gsize i = 0; i < pl_labels_n_voxels (labels); i++)
    if (labels->data[i] != start->data[i])
      g_assert_cmpuint (start->data[i], ==, 0);   /* only unlabelled voxels were written */

  g_assert_true (pel_document_undo (doc));
  g_assert_cmpmem (pel_document_get_labels (doc)->data, pl_labels_n_voxels (start) * 2,
                   start->data, pl_labels_n_voxels (start) * 2);

  /* one painted slice only: nothing to fill, and it says so */
  g_object_set (pel_window_get_tools (win), "active-label", 4u, NULL);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.interpolate", NULL);
  wait_until (interpolation_done, win);
  drain ();
  g_assert_nonnull (strstr (pel_window_get_notice (win), "Nothing to interpolate"));
  g_assert_cmpmem (pel_document_get_labels (doc)->data, pl_labels_n_voxels (start) * 2,
                   start->data, pl_labels_n_voxels (start) * 2);
  close_window (win);
}

/* ---- main ----------------------------------------------------------------- */

int
main (int argc, char **argv)
{
  int status;

  /* file choosers as GTK dialogs, not through a portal */
  g_setenv ("GTK_USE_PORTAL", "0", TRUE);
  harness_init (&argc, &argv, "pellucid-annotator-XXXXXX");

  g_test_add_func ("/ui/annotator/segmentation-without-table", test_segmentation_without_table);
  g_test_add_func ("/ui/annotator/edited-table-kept", test_edited_table_kept);
  g_test_add_func ("/ui/annotator/save-folder", test_save_folder);
  g_test_add_func ("/ui/annotator/ctrl-o-without-image", test_ctrl_o_without_image);
  g_test_add_func ("/ui/annotator/histogram", test_histogram);
  g_test_add_func ("/ui/annotator/distance", test_distance);
  g_test_add_func ("/ui/annotator/help-documents", test_help_documents);
  g_test_add_func ("/ui/annotator/export-volumes", test_export_volumes);
  g_test_add_func ("/ui/annotator/interpolate", test_interpolate);
  status = g_test_run ();
  harness_finish ();
  return status;
}
