#include <gio/gio.h>

#include "engine/core/progress.h"

static gboolean
stop_after_two (double fraction, const char *message, gpointer user_data)
{
  int *calls = user_data;
  return ++*calls < 2;
}

static void
test_progress_func_stops (void)
{
  int calls = 0;
  PlProgress p = { stop_after_two, &calls, NULL };

  g_assert_true (pl_progress_report (&p, 0.1, "a"));
  g_assert_false (pl_progress_report (&p, 0.2, "b"));
  g_assert_cmpint (calls, ==, 2);
  g_assert_true (pl_progress_report (NULL, 0.5, NULL));
}

static void
test_progress_cancel_flag (void)
{
  gint cancel = 0;
  PlProgress p = { NULL, NULL, &cancel };
  g_autoptr (GError) error = NULL;

  g_assert_false (pl_progress_cancelled (&p));
  g_assert_true (pl_progress_report (&p, 0.0, NULL));
  g_atomic_int_set (&cancel, 1);
  g_assert_true (pl_progress_cancelled (&p));
  g_assert_false (pl_progress_report (&p, 0.0, NULL));
  g_assert_false (pl_progress_set_cancelled_error (&error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/progress/func-stops", test_progress_func_stops);
  g_test_add_func ("/progress/cancel-flag", test_progress_cancel_flag);
  return g_test_run ();
}
