/* The test control channel.  See pel-test-control.h. */
#define G_LOG_DOMAIN "pel-test-control"

#include "src/pel-test-control.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/pel-train-panel.h"
#include "src/pel-window.h"

typedef struct
{
  GtkApplication *application;   /* borrowed: lives as long as the process */
  GIOChannel     *channel;
  int             fd;
  guint           watch;
  guint           ready_poll;
  PelSliceView   *stroke_view;   /* view of the stroke in progress */
} Control;

static Control *control;

gboolean
pel_test_control_active (void)
{
  return control != NULL;
}

static void
write_all (const char *line)
{
  gsize n = strlen (line), done = 0;

  while (done < n)
    {
      gssize w = write (control->fd, line + done, n - done);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0 && errno == EAGAIN)
        {
          struct pollfd p = { control->fd, POLLOUT, 0 };
          poll (&p, 1, -1);
          continue;
        }
      if (w <= 0)
        return;   /* the test went away */
      done += (gsize) w;
    }
}

void
pel_test_control_event (const char *format,
                        ...)
{
  va_list ap;
  g_autofree char *text = NULL;
  g_autofree char *line = NULL;

  if (control == NULL)
    return;
  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  line = g_strconcat (text, "\n", NULL);
  write_all (line);
}

static PelWindow *
active_window (void)
{
  for (GList *l = gtk_application_get_windows (control->application); l; l = l->next)
    if (PEL_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

static gboolean
parse_view (const char *name,
            PlView     *view)
{
  if (g_strcmp0 (name, "axial") == 0)
    *view = PL_VIEW_AXIAL;
  else if (g_strcmp0 (name, "coronal") == 0)
    *view = PL_VIEW_CORONAL;
  else if (g_strcmp0 (name, "sagittal") == 0)
    *view = PL_VIEW_SAGITTAL;
  else
    return FALSE;
  return TRUE;
}

/* Moves the view to the voxel's slice and returns the widget point over
 * the voxel's centre. */
static gboolean
voxel_point (PelWindow    *window,
             PelSliceView *view,
             char        **args,
             double       *wx,
             double       *wy)
{
  gint64 ijk[3], x, y, slice;

  for (int a = 0; a < 3; a++)
    {
      if (args[a] == NULL)
        return FALSE;
      ijk[a] = g_ascii_strtoll (args[a], NULL, 10);
    }
  pel_document_set_cursor (pel_window_get_document (window), ijk);
  pl_slice_frame_from_voxel (pel_slice_view_get_frame (view), ijk, &x, &y, &slice);
  pel_slice_view_slice_to_widget (view, x + 0.5, y + 0.5, wx, wy);
  return TRUE;
}

static PelTrainPanel *
find_train_panel (GtkWidget *widget)
{
  if (PEL_IS_TRAIN_PANEL (widget))
    return PEL_TRAIN_PANEL (widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      PelTrainPanel *found = find_train_panel (c);
      if (found)
        return found;
    }
  return NULL;
}

static void
on_training_running (PelTrainSession *session)
{
  gboolean running = pel_train_session_get_running (session);
  const GError *error = pel_train_session_get_error (session);

  if (running)
    pel_test_control_event ("train-started");
  else
    pel_test_control_event ("train-finished %" G_GINT64_FORMAT " %s",
                            pel_train_session_get_step (session), error ? error->message : "ok");
}

static void
on_training_progress (PelTrainSession *session)
{
  pel_test_control_event ("train-step %" G_GINT64_FORMAT, pel_train_session_get_step (session));
}

/* "train STEPS": what a user does in the Train panel, through its scripted
 * actions: shows it, chooses the small preset and STEPS steps, and presses
 * Start once the labels are counted. */
static void
start_training (PelWindow  *window,
                const char *steps)
{
  PelTrainPanel *panel = find_train_panel (GTK_WIDGET (window));
  PelTrainSession *session;
  g_autofree char *actions = NULL;

  if (panel == NULL)
    {
      pel_test_control_event ("error no Train panel");
      return;
    }
  session = pel_train_panel_get_session (panel);
  if (g_object_get_data (G_OBJECT (session), "pel-test-control") == NULL)
    {
      g_object_set_data (G_OBJECT (session), "pel-test-control", GINT_TO_POINTER (1));
      g_signal_connect (session, "notify::running", G_CALLBACK (on_training_running), NULL);
      g_signal_connect (session, "progress", G_CALLBACK (on_training_progress), NULL);
    }
  actions = g_strdup_printf ("show,preset=small,steps=%d,start", atoi (steps));
  pel_train_panel_run_actions (panel, actions);
}

static GtkDialog *
recovery_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) w = g_list_model_get_item (toplevels, i);
      if (GTK_IS_DIALOG (w) && g_object_get_data (w, "pel-recovery") != NULL)
        return GTK_DIALOG (w);
    }
  return NULL;
}

static void
run_command (const char *line)
{
  g_auto (GStrv) argv = g_strsplit (line, " ", -1);
  const char *cmd = argv[0];
  PelWindow *window = active_window ();
  PelDocument *doc = window ? pel_window_get_document (window) : NULL;
  double wx, wy;

  if (g_strcmp0 (cmd, "ping") == 0)
    pel_test_control_event ("pong");
  else if (doc == NULL)
    pel_test_control_event ("error no window for: %s", line);
  else if (g_strcmp0 (cmd, "label") == 0 && argv[1])
    pel_tools_set_active_label (pel_window_get_tools (window), (guint16) atoi (argv[1]));
  else if (g_strcmp0 (cmd, "brush") == 0 && argv[1])
    pel_tools_set_brush_size (pel_window_get_tools (window), atoi (argv[1]));
  else if (g_strcmp0 (cmd, "autosave-interval") == 0 && argv[1])
    pel_document_set_autosave_interval_ms (doc, (guint) atoi (argv[1]));
  else if (g_strcmp0 (cmd, "stroke-begin") == 0 && argv[1])
    {
      PlView v;
      PelSliceView *view;

      if (!parse_view (argv[1], &v))
        {
          pel_test_control_event ("error bad view: %s", line);
          return;
        }
      view = pel_viewer_get_view (pel_window_get_viewer (window), v);
      if (!voxel_point (window, view, argv + 2, &wx, &wy))
        {
          pel_test_control_event ("error bad voxel: %s", line);
          return;
        }
      control->stroke_view = view;
      pel_slice_view_stroke_begin (view, wx, wy, FALSE);
    }
  else if (g_strcmp0 (cmd, "stroke-move") == 0 && control->stroke_view)
    {
      /* The slice stays that of the stroke's start, as under the mouse. */
      gint64 ijk[3], x, y, slice;
      for (int a = 0; a < 3; a++)
        ijk[a] = argv[a + 1] ? g_ascii_strtoll (argv[a + 1], NULL, 10) : 0;
      pl_slice_frame_from_voxel (pel_slice_view_get_frame (control->stroke_view), ijk, &x, &y, &slice);
      pel_slice_view_slice_to_widget (control->stroke_view, x + 0.5, y + 0.5, &wx, &wy);
      pel_slice_view_stroke_update (control->stroke_view, wx, wy);
    }
  else if (g_strcmp0 (cmd, "stroke-end") == 0 && control->stroke_view)
    {
      pel_slice_view_stroke_end (g_steal_pointer (&control->stroke_view));
      pel_test_control_event ("stroke-done %" G_GUINT64_FORMAT, pel_document_get_state_id (doc));
    }
  else if (g_strcmp0 (cmd, "save") == 0 && argv[1])
    {
      g_autoptr (GFile) file = g_file_new_for_path (line + strlen ("save "));
      pel_window_save (window, file);
    }
  else if (g_strcmp0 (cmd, "recovery") == 0 && argv[1])
    {
      GtkDialog *dialog = recovery_dialog ();
      int response = g_strcmp0 (argv[1], "restore") == 0 ? GTK_RESPONSE_ACCEPT
                     : g_strcmp0 (argv[1], "discard") == 0 ? GTK_RESPONSE_REJECT
                     : GTK_RESPONSE_CANCEL;
      if (dialog == NULL)
        pel_test_control_event ("error no recovery question");
      else
        gtk_dialog_response (dialog, response);
    }
  else if (g_strcmp0 (cmd, "labels-sha1") == 0)
    {
      const PlLabels *labels = pel_document_get_labels (doc);
      g_autofree char *sum = NULL;
      if (labels == NULL)
        {
          pel_test_control_event ("labels-sha1 none");
          return;
        }
      sum = g_compute_checksum_for_data (G_CHECKSUM_SHA1, (const guchar *) labels->data,
                                         pl_labels_n_voxels (labels) * sizeof (guint16));
      pel_test_control_event ("labels-sha1 %s", sum);
    }
  else if (g_strcmp0 (cmd, "train") == 0 && argv[1])
    start_training (window, argv[1]);
  else if (g_strcmp0 (cmd, "quit") == 0)
    {
      /* As a crash would, without asking about unsaved work, but with
       * every object released, so that leak checkers see a clean exit. */
      for (GList *l = g_list_copy (gtk_application_get_windows (control->application)); l;
           l = g_list_delete_link (l, l))
        gtk_window_destroy (l->data);
    }
  else
    pel_test_control_event ("error unknown command: %s", line);
}

static gboolean
on_input (GIOChannel   *channel,
          GIOCondition  condition,
          gpointer      data)
{
  for (;;)
    {
      g_autofree char *line = NULL;
      gsize terminator;
      GIOStatus status = g_io_channel_read_line (channel, &line, NULL, &terminator, NULL);

      if (status == G_IO_STATUS_NORMAL)
        {
          line[terminator] = '\0';
          run_command (line);
          continue;
        }
      if (status == G_IO_STATUS_AGAIN)
        return G_SOURCE_CONTINUE;
      /* The test closed its end. */
      control->watch = 0;
      return G_SOURCE_REMOVE;
    }
}

static gboolean
poll_ready (gpointer data)
{
  PelWindow *window = active_window ();
  PelSliceView *axial;
  PelJob *job;

  if (window == NULL)
    {
      control->ready_poll = 0;
      return G_SOURCE_REMOVE;
    }
  axial = pel_viewer_get_view (pel_window_get_viewer (window), PL_VIEW_AXIAL);
  job = pel_window_get_job (window);
  if (!gtk_widget_get_mapped (GTK_WIDGET (axial)) || gtk_widget_get_width (GTK_WIDGET (axial)) < 50
      || (job != NULL && pel_job_get_running (job)))
    return G_SOURCE_CONTINUE;
  control->ready_poll = 0;
  pel_test_control_event ("ready");
  return G_SOURCE_REMOVE;
}

void
pel_test_control_opened (const char *path)
{
  if (control == NULL)
    return;
  pel_test_control_event ("opened %s", path);
  if (control->ready_poll == 0)
    control->ready_poll = g_timeout_add (10, poll_ready, NULL);
}

void
pel_test_control_start (GtkApplication *application)
{
  const char *value = g_getenv ("PELLUCID_TEST_CONTROL");
  char *end = NULL;
  gint64 fd;

  if (value == NULL || control != NULL)
    return;
  fd = g_ascii_strtoll (value, &end, 10);
  if (end == value || *end != '\0' || fd < 0 || fd > G_MAXINT || fcntl (fd, F_GETFD) < 0)
    {
      g_printerr ("PELLUCID_TEST_CONTROL=%s is not an open file descriptor\n", value);
      return;
    }
  control = g_new0 (Control, 1);
  control->application = application;
  control->fd = (int) fd;
  control->channel = g_io_channel_unix_new (control->fd);
  g_io_channel_set_encoding (control->channel, NULL, NULL);
  g_io_channel_set_flags (control->channel, G_IO_FLAG_NONBLOCK, NULL);
  control->watch = g_io_add_watch (control->channel, G_IO_IN | G_IO_HUP | G_IO_ERR, on_input, NULL);
}
