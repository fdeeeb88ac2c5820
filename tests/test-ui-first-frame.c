/* The first frame of a newly opened image: the worker that reads the file
 * renders the three views' slices (pel_slice_image_new()), the views show
 * them as they are, and they equal the main thread's rendering pixel for
 * pixel — with the automatic window, with another contrast preset, and
 * not at all when a segmentation opened with the image is drawn over it. */
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <string.h>

#include "src/pel-application.h"
#include "src/pel-settings.h"
#include "src/pel-window.h"
#include "tests/test-sanitizer.h"
#include "tests/ui-window-harness.h"

static const PlView views[] = { PL_VIEW_AXIAL, PL_VIEW_CORONAL, PL_VIEW_SAGITTAL };

/* Odd sizes on every axis, so that the three slices differ in shape and
 * the centre slice is not a power of two; RAS (the axial view flips). */
static char *
write_volume (void)
{
  static const gint64 dim[3] = { 37, 29, 23 };
  double m[4][4] = { { 1, 0, 0, -18 }, { 0, 1.5, 0, -20 }, { 0, 0, 2, -22 }, { 0, 0, 0, 1 } };
  g_autoptr (PlVolume) v = pl_volume_new (dim, NULL, m);
  g_autoptr (GError) error = NULL;
  char *path = g_build_filename (tmpdir, "first-frame.nii.gz", NULL);

  for (gint64 k = 0; k < dim[2]; k++)
    for (gint64 j = 0; j < dim[1]; j++)
      for (gint64 i = 0; i < dim[0]; i++)
        v->data[i + dim[0] * (j + dim[1] * k)] = (float) ((i * 13 + j * 7 + k * 29) % 251) - 40.0f;
  pl_volume_update_stats (v);
  if (!pl_volume_save (v, path, &error))
    g_error ("%s", error->message);
  return path;
}

/* The volume shown before the open that is awaited. */
static const PlVolume *previous_volume;

static gboolean
views_drawn (gpointer data)
{
  PelViewer *viewer = pel_window_get_viewer (data);

  /* the open may start from an idle: the previous job counts for nothing */
  if (pel_document_get_volume (pel_window_get_document (data)) == previous_volume || !job_finished (data))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      PelSliceView *view = pel_viewer_get_view (viewer, views[i]);
      if (gtk_widget_get_width (GTK_WIDGET (view)) < 50 || !gtk_widget_get_mapped (GTK_WIDGET (view))
          || !pel_slice_view_is_drawn (view))
        return FALSE;
    }
  return TRUE;
}

/* Opens path (with seg when given) and waits until the views have drawn. */
static void
open_and_draw (PelWindow  *win,
               const char *path,
               const char *seg)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFile) seg_file = seg ? g_file_new_for_path (seg) : NULL;

  previous_volume = pel_document_get_volume (pel_window_get_document (win));
  pel_window_open (win, file, seg_file, NULL);
  wait_until (views_drawn, win);
  drain ();
}

/* What each view shows now equals what the main thread renders for it. */
static void
assert_views_match_main_thread (PelWindow *win)
{
  PelViewer *viewer = pel_window_get_viewer (win);

  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      PelSliceView *view = pel_viewer_get_view (viewer, views[i]);
      const PlSliceFrame *frame = pel_slice_view_get_frame (view);
      gint64 w, h, w2, h2;
      g_autofree guint32 *shown = pel_slice_view_copy_layers (view, &w, &h);
      g_autofree guint32 *again = NULL;
      gsize distinct = 0;

      g_assert_nonnull (shown);
      g_assert_cmpint (w, ==, frame->width);
      g_assert_cmpint (h, ==, frame->height);
      pel_slice_view_render_layers (view);
      again = pel_slice_view_copy_layers (view, &w2, &h2);
      g_assert_cmpint (w2, ==, w);
      g_assert_cmpint (h2, ==, h);
      g_assert_cmpmem (shown, w * h * sizeof (guint32), again, w2 * h2 * sizeof (guint32));
      /* not a blank slice: the pattern's many grey levels show */
      {
        gboolean seen[256] = { FALSE };
        for (gint64 p = 0; p < w * h; p++)
          seen[(shown[p] >> 8) & 0xff] = TRUE;
        for (guint g = 0; g < 256; g++)
          distinct += seen[g];
      }
      g_assert_cmpuint (distinct, >, 64);
    }
}

static void
test_worker_frame_matches (void)
{
  g_autofree char *path = write_volume ();
  PelWindow *win = new_window ();
  PelViewer *viewer = pel_window_get_viewer (win);
  double window, level;

  g_object_set (pel_settings_get_default (), "last-preset", "auto", NULL);
  open_and_draw (win, path, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    g_assert_cmpuint (pel_slice_view_get_n_prepared_frames (pel_viewer_get_view (viewer, views[i])), ==, 1);
  assert_views_match_main_thread (win);

  /* another preset: the worker renders with its window/level */
  g_object_set (pel_settings_get_default (), "last-preset", "full", NULL);
  open_and_draw (win, path, NULL);
  pel_document_get_window_level (pel_window_get_document (win), &window, &level);
  {
    const PlVolume *v = pel_document_get_volume (pel_window_get_document (win));
    g_assert_cmpfloat (window, ==, (double) (v->max - v->min));
  }
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    g_assert_cmpuint (pel_slice_view_get_n_prepared_frames (pel_viewer_get_view (viewer, views[i])), ==, 2);
  assert_views_match_main_thread (win);
  g_object_set (pel_settings_get_default (), "last-preset", "auto", NULL);

  /* after the first frame the views render on the main thread as before */
  pel_document_set_window_level (pel_window_get_document (win), 100.0, 20.0);
  drain ();
  assert_views_match_main_thread (win);
  close_window (win);
}

static void
test_labels_drawn_over (void)
{
  g_autofree char *path = write_volume ();
  g_autofree char *seg = g_build_filename (tmpdir, "first-frame-seg.nii.gz", NULL);
  PelWindow *win = new_window ();
  PelViewer *viewer = pel_window_get_viewer (win);
  g_autoptr (PlVolume) v = pl_volume_load (path, 0, NULL, NULL);
  g_autoptr (PlLabels) l = pl_labels_new (v->dim);
  g_autoptr (GError) error = NULL;

  /* a block of label 2 through the centre, seen in every view */
  for (gint64 k = 5; k < 18; k++)
    for (gint64 j = 5; j < 24; j++)
      for (gint64 i = 5; i < 30; i++)
        l->data[i + v->dim[0] * (j + v->dim[1] * k)] = 2;
  if (!pl_labels_save (l, v, seg, &error))
    g_error ("%s", error->message);

  /* the labels change the slices the worker rendered: none is shown */
  open_and_draw (win, path, seg);
  g_assert_nonnull (pel_document_get_labels_path (pel_window_get_document (win)));
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    g_assert_cmpuint (pel_slice_view_get_n_prepared_frames (pel_viewer_get_view (viewer, views[i])), ==, 0);
  assert_views_match_main_thread (win);
  close_window (win);
}

int
main (int argc, char **argv)
{
  int status;

  harness_init (&argc, &argv, "pellucid-first-frame-XXXXXX");
  g_test_add_func ("/ui/first-frame/worker-frame-matches", test_worker_frame_matches);
  g_test_add_func ("/ui/first-frame/labels-drawn-over", test_labels_drawn_over);
  status = g_test_run ();
  harness_finish ();
  return status;
}
