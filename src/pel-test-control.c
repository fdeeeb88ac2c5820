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

#include "src/pel-action-script.h"
#include "src/pel-window.h"

typedef struct
{
  GtkApplication *application;   /* borrowed: lives as long as the process */
  GIOChannel     *channel;
  int             fd;
  guint           watch;
  guint           ready_poll;
  guint           retry;         /* the queue waits for a disabled action */
  GQueue          commands;      /* lines not run yet */
  PelSliceView   *stroke_view;   /* view of the stroke in progress */
} Control;

static Control *control;

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

static void event (const char *format,
                   ...) G_GNUC_PRINTF (1, 2);

static void
event (const char *format,
       ...)
{
  va_list ap;
  g_autofree char *text = NULL;
  g_autofree char *line = NULL;

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

static guint64
state_of (PelDocument *doc)
{
  return doc ? pel_document_get_state_id (doc) : 0;
}

/* ---- what the program shows ----------------------------------------------- */

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
  event ("ready");
  return G_SOURCE_REMOVE;
}

static void
on_volume_changed (PelDocument *doc)
{
  const char *path = pel_document_get_volume_path (doc);

  if (path == NULL)
    return;
  event ("opened %s", path);
  if (control->ready_poll == 0)
    control->ready_poll = g_timeout_add (10, poll_ready, NULL);
}

static void
on_autosave_started (PelDocument *doc,
                     guint64      state)
{
  event ("autosave-started %" G_GUINT64_FORMAT, state);
}

static void
on_autosaved (PelDocument *doc,
              guint64      state)
{
  event ("autosaved %" G_GUINT64_FORMAT, state);
}

static void
on_autosave_failed (PelDocument *doc,
                    const char  *message)
{
  event ("autosave-failed %s", message);
}

static void
on_saved (PelDocument *doc,
          guint64      state,
          const char  *path)
{
  event ("saved %" G_GUINT64_FORMAT " %s", state, path);
}

static void
on_restored (PelDocument *doc,
             const char  *path)
{
  event ("restored %" G_GUINT64_FORMAT, pel_document_get_state_id (doc));
}

static void
on_recovery_time (PelWindow *window)
{
  gint64 time;

  g_object_get (window, "recovery-time", &time, NULL);
  if (time > 0)
    event ("recovery-offered %" G_GINT64_FORMAT, time);
}

static gboolean
job_ended (gpointer data)
{
  event ("job-ended");
  return G_SOURCE_REMOVE;
}

/* win.cancel-job is enabled exactly while the window's file job runs. */
static void
on_cancel_job_enabled (GActionGroup *group,
                       const char   *name,
                       gboolean      enabled)
{
  if (enabled)
    event ("job-started");
  else
    /* After the job's callback, which PelJob calls in the same dispatch,
     * just after the job stopped running; before any further command. */
    g_idle_add_full (G_PRIORITY_HIGH, job_ended, NULL, NULL);
}

/* "message error|warning|info|question|other TEXT", on one line. */
static void
on_message_shown (PelWindow  *window,
                  int         type,
                  const char *text)
{
  static const char *const kinds[] = { "info", "warning", "question", "error", "other" };
  g_autofree char *line = g_strdup (text ? text : "");

  g_strdelimit (line, "\n\r", ' ');
  event ("message %s %s", type >= 0 && type < (int) G_N_ELEMENTS (kinds) ? kinds[type] : "other", line);
}

static void
on_window_added (GtkApplication *application,
                 GtkWindow      *window)
{
  PelDocument *doc;

  if (!PEL_IS_WINDOW (window))
    return;
  doc = pel_window_get_document (PEL_WINDOW (window));
  g_signal_connect (doc, "volume-changed", G_CALLBACK (on_volume_changed), NULL);
  g_signal_connect (doc, "autosave-started", G_CALLBACK (on_autosave_started), NULL);
  g_signal_connect (doc, "autosaved", G_CALLBACK (on_autosaved), NULL);
  g_signal_connect (doc, "autosave-failed", G_CALLBACK (on_autosave_failed), NULL);
  g_signal_connect (doc, "saved", G_CALLBACK (on_saved), NULL);
  g_signal_connect (doc, "restored", G_CALLBACK (on_restored), NULL);
  g_signal_connect (window, "notify::recovery-time", G_CALLBACK (on_recovery_time), NULL);
  g_signal_connect (window, "message-shown", G_CALLBACK (on_message_shown), NULL);
  g_signal_connect (window, "action-enabled-changed::cancel-job", G_CALLBACK (on_cancel_job_enabled), NULL);
}

/* ---- actions and properties ----------------------------------------------- */

/* The GActionGroup of a name: "win." and "app.", or a group registered
 * on the window with pel_action_script_insert_group() ("train.");
 * NULL for other groups (reached through the window's muxer only). */
static GActionGroup *
group_of (PelWindow   *window,
          const char  *name,
          const char **unprefixed)
{
  const char *dot = strchr (name, '.');

  if (dot != NULL && window != NULL && !g_str_has_prefix (name, "app.") && !g_str_has_prefix (name, "win."))
    {
      g_autofree char *prefix = g_strndup (name, dot - name);
      GActionGroup *group = pel_action_script_find_group (GTK_WIDGET (window), prefix);
      if (group != NULL)
        {
          *unprefixed = dot + 1;
          return group;
        }
    }
  if (g_str_has_prefix (name, "win.") && window != NULL)
    {
      *unprefixed = name + 4;
      return G_ACTION_GROUP (window);
    }
  if (g_str_has_prefix (name, "app."))
    {
      *unprefixed = name + 4;
      return G_ACTION_GROUP (control->application);
    }
  *unprefixed = name;
  return NULL;
}

/* "action NAME [PARAMETER]": FALSE when the action is disabled now (the
 * command is tried again later). */
static gboolean
run_action (PelWindow  *window,
            const char *name,
            const char *text)
{
  const char *unprefixed;
  GActionGroup *group = group_of (window, name, &unprefixed);
  const GVariantType *type = NULL;
  g_autoptr (GVariant) parameter = NULL;
  g_autoptr (GError) error = NULL;

  if (group != NULL)
    {
      if (!g_action_group_has_action (group, unprefixed))
        {
          event ("error no action %s", name);
          return TRUE;
        }
      if (!g_action_group_get_action_enabled (group, unprefixed))
        return FALSE;
      type = g_action_group_get_action_parameter_type (group, unprefixed);
      if ((type == NULL) != (text == NULL))
        {
          event ("error %s %s", name, type ? "needs a parameter" : "takes no parameter");
          return TRUE;
        }
    }
  if (text != NULL)
    {
      parameter = g_variant_parse (type, text, NULL, NULL, &error);
      if (parameter == NULL)
        {
          event ("error %s: bad parameter: %s", name, error->message);
          return TRUE;
        }
    }
  if (group != NULL)
    g_action_group_activate_action (group, unprefixed, parameter);
  else if (window == NULL
           || !gtk_widget_activate_action_variant (GTK_WIDGET (window), name, parameter))
    {
      event ("error no action %s", name);
      return TRUE;
    }
  event ("activated %s %" G_GUINT64_FORMAT, name,
         state_of (window ? pel_window_get_document (window) : NULL));
  return TRUE;
}

static GObject *
object_named (PelWindow  *window,
              const char *name)
{
  if (g_strcmp0 (name, "application") == 0)
    return G_OBJECT (control->application);
  if (window == NULL)
    return NULL;
  if (g_strcmp0 (name, "window") == 0)
    return G_OBJECT (window);
  if (g_strcmp0 (name, "document") == 0)
    return G_OBJECT (pel_window_get_document (window));
  if (g_strcmp0 (name, "tools") == 0)
    return G_OBJECT (pel_window_get_tools (window));
  if (g_strcmp0 (name, "viewer") == 0)
    return G_OBJECT (pel_window_get_viewer (window));
  if (g_strcmp0 (name, "job") == 0)
    return (GObject *) pel_window_get_job (window);
  /* "run:GROUP": the live run behind an action group ("run:train") */
  if (g_str_has_prefix (name, "run:"))
    {
      GActionGroup *group = pel_action_script_find_group (GTK_WIDGET (window), name + 4);
      return group ? pel_action_script_get_run (group) : NULL;
    }
  return NULL;
}

static char *
value_text (const GValue *value)
{
  if (G_VALUE_HOLDS_BOOLEAN (value))
    return g_strdup (g_value_get_boolean (value) ? "true" : "false");
  if (G_VALUE_HOLDS_STRING (value))
    return g_strdup (g_value_get_string (value) ? g_value_get_string (value) : "");
  if (G_VALUE_HOLDS_ENUM (value))
    {
      g_autoptr (GEnumClass) klass = g_type_class_ref (G_VALUE_TYPE (value));
      GEnumValue *e = g_enum_get_value (klass, g_value_get_enum (value));
      return g_strdup (e ? e->value_nick : "?");
    }
  if (G_VALUE_HOLDS_DOUBLE (value))
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      return g_strdup (g_ascii_dtostr (buf, sizeof buf, g_value_get_double (value)));
    }
  return g_strdup_value_contents (value);
}

static gboolean
value_parse (GValue     *value,
             const char *text)
{
  char *end = NULL;
  GType type = G_VALUE_TYPE (value);

  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_BOOLEAN:
      if (g_strcmp0 (text, "true") != 0 && g_strcmp0 (text, "false") != 0)
        return FALSE;
      g_value_set_boolean (value, g_strcmp0 (text, "true") == 0);
      return TRUE;
    case G_TYPE_STRING:
      g_value_set_string (value, text);
      return TRUE;
    case G_TYPE_INT:
      g_value_set_int (value, (int) g_ascii_strtoll (text, &end, 10));
      break;
    case G_TYPE_UINT:
      g_value_set_uint (value, (guint) g_ascii_strtoull (text, &end, 10));
      break;
    case G_TYPE_INT64:
      g_value_set_int64 (value, g_ascii_strtoll (text, &end, 10));
      break;
    case G_TYPE_UINT64:
      g_value_set_uint64 (value, g_ascii_strtoull (text, &end, 10));
      break;
    case G_TYPE_DOUBLE:
      g_value_set_double (value, g_ascii_strtod (text, &end));
      break;
    case G_TYPE_ENUM:
      {
        g_autoptr (GEnumClass) klass = g_type_class_ref (type);
        GEnumValue *e = g_enum_get_value_by_nick (klass, text);
        if (e == NULL)
          return FALSE;
        g_value_set_enum (value, e->value);
        return TRUE;
      }
    default:
      return FALSE;
    }
  return end != text && *end == '\0';
}

/* "get OBJECT PROPERTY" and "set OBJECT PROPERTY VALUE". */
static void
run_property (PelWindow  *window,
              gboolean    set,
              char      **args)
{
  GObject *object = args[0] ? object_named (window, args[0]) : NULL;
  GParamSpec *pspec;
  g_auto (GValue) value = G_VALUE_INIT;

  if (object == NULL || args[1] == NULL || (set && args[2] == NULL))
    {
      event ("error no such object or property: %s %s", args[0] ? args[0] : "", args[0] && args[1] ? args[1] : "");
      return;
    }
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (object), args[1]);
  if (pspec == NULL || !(pspec->flags & (set ? G_PARAM_WRITABLE : G_PARAM_READABLE)))
    {
      event ("error %s has no %s property %s", args[0], set ? "writable" : "readable", args[1]);
      return;
    }
  g_value_init (&value, pspec->value_type);
  if (set)
    {
      if (!value_parse (&value, args[2]))
        {
          event ("error %s.%s: bad value %s", args[0], args[1], args[2]);
          return;
        }
      g_object_set_property (object, args[1], &value);
    }
  else
    {
      g_autofree char *text = NULL;
      g_object_get_property (object, args[1], &value);
      text = value_text (&value);
      event ("value %s %s %s", args[0], args[1], text);
    }
}

/* ---- gestures --------------------------------------------------------------- */

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

static void
stroke_begin (PelWindow  *window,
              char      **args,
              const char *line)
{
  PlView v;
  PelSliceView *view;
  double wx, wy;

  if (!parse_view (args[0], &v))
    {
      event ("error bad view: %s", line);
      return;
    }
  view = pel_viewer_get_view (pel_window_get_viewer (window), v);
  if (!voxel_point (window, view, args + 1, &wx, &wy))
    {
      event ("error bad voxel: %s", line);
      return;
    }
  control->stroke_view = view;
  pel_slice_view_stroke_begin (view, wx, wy, FALSE);
}

static void
stroke_move (char **args)
{
  /* The slice stays that of the stroke's start, as under the mouse. */
  gint64 ijk[3], x, y, slice;
  double wx, wy;

  for (int a = 0; a < 3; a++)
    ijk[a] = args[a] ? g_ascii_strtoll (args[a], NULL, 10) : 0;
  pl_slice_frame_from_voxel (pel_slice_view_get_frame (control->stroke_view), ijk, &x, &y, &slice);
  pel_slice_view_slice_to_widget (control->stroke_view, x + 0.5, y + 0.5, &wx, &wy);
  pel_slice_view_stroke_update (control->stroke_view, wx, wy);
}

/* ---- watching properties ---------------------------------------------------- */

typedef struct
{
  char *object;
  char *property;
} Watch;

static void
watch_free (gpointer data,
            GClosure *closure)
{
  Watch *w = data;
  g_free (w->object);
  g_free (w->property);
  g_free (w);
}

static void
on_watched (GObject    *object,
            GParamSpec *pspec,
            gpointer    data)
{
  Watch *w = data;
  g_auto (GValue) value = G_VALUE_INIT;
  g_autofree char *text = NULL;

  g_value_init (&value, pspec->value_type);
  g_object_get_property (object, pspec->name, &value);
  text = value_text (&value);
  event ("notify %s %s %s", w->object, w->property, text);
}

/* "watch OBJECT PROPERTY": a `notify OBJECT PROPERTY VALUE` line every time
 * the property changes, until the object goes. */
static void
run_watch (PelWindow  *window,
           char      **args)
{
  GObject *object = args[0] ? object_named (window, args[0]) : NULL;
  g_autofree char *signal = NULL;
  GParamSpec *pspec;
  Watch *w;

  if (object == NULL || args[1] == NULL
      || (pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (object), args[1])) == NULL
      || !(pspec->flags & G_PARAM_READABLE))
    {
      event ("error cannot watch %s %s", args[0] ? args[0] : "", args[0] && args[1] ? args[1] : "");
      return;
    }
  w = g_new0 (Watch, 1);
  w->object = g_strdup (args[0]);
  w->property = g_strdup (args[1]);
  signal = g_strconcat ("notify::", args[1], NULL);
  g_signal_connect_data (object, signal, G_CALLBACK (on_watched), w, watch_free, 0);
  event ("watching %s %s", args[0], args[1]);
}

/* ---- commands --------------------------------------------------------------- */

/* Runs one command line; FALSE when it must wait (a disabled action). */
static gboolean
run_command (const char *line)
{
  g_auto (GStrv) argv = g_strsplit (line, " ", -1);
  const char *cmd = argv[0];
  PelWindow *window = active_window ();
  PelDocument *doc = window ? pel_window_get_document (window) : NULL;

  if (g_strcmp0 (cmd, "ping") == 0)
    event ("pong");
  else if (g_strcmp0 (cmd, "action") == 0 && argv[1])
    {
      /* the parameter is the rest of the line: GVariant text may hold spaces */
      const char *text = line + strlen ("action ") + strlen (argv[1]);
      while (*text == ' ')
        text++;
      return run_action (window, argv[1], *text ? text : NULL);
    }
  else if (g_strcmp0 (cmd, "get") == 0 || g_strcmp0 (cmd, "set") == 0)
    {
      if (g_strcmp0 (cmd, "set") == 0 && argv[1] && argv[2] && argv[3])
        {
          /* the value is the rest of the line */
          g_autofree char *rest = g_strdup (line + strlen ("set ") + strlen (argv[1]) + 1 + strlen (argv[2]) + 1);
          char *args[] = { argv[1], argv[2], rest, NULL };
          run_property (window, TRUE, args);
        }
      else
        run_property (window, g_strcmp0 (cmd, "set") == 0, argv + 1);
    }
  else if (g_strcmp0 (cmd, "quit") == 0)
    {
      /* As a crash would, without asking about unsaved work, but with
       * every object released, so that leak checkers see a clean exit. */
      for (GList *l = g_list_copy (gtk_application_get_windows (control->application)); l;
           l = g_list_delete_link (l, l))
        gtk_window_destroy (l->data);
    }
  else if (doc == NULL)
    event ("error no window for: %s", line);
  else if (g_strcmp0 (cmd, "stroke-begin") == 0 && argv[1])
    stroke_begin (window, argv + 1, line);
  else if (g_strcmp0 (cmd, "stroke-move") == 0 && control->stroke_view)
    stroke_move (argv + 1);
  else if (g_strcmp0 (cmd, "stroke-end") == 0 && control->stroke_view)
    {
      pel_slice_view_stroke_end (g_steal_pointer (&control->stroke_view));
      event ("stroke-done %" G_GUINT64_FORMAT, pel_document_get_state_id (doc));
    }
  else if (g_strcmp0 (cmd, "labels-sha1") == 0)
    {
      const PlLabels *labels = pel_document_get_labels (doc);
      g_autofree char *sum = NULL;
      if (labels == NULL)
        {
          event ("labels-sha1 none");
          return TRUE;
        }
      sum = g_compute_checksum_for_data (G_CHECKSUM_SHA1, (const guchar *) labels->data,
                                         pl_labels_n_voxels (labels) * sizeof (guint16));
      event ("labels-sha1 %s", sum);
    }
  else if (g_strcmp0 (cmd, "watch") == 0)
    run_watch (window, argv + 1);
  else
    event ("error unknown command: %s", line);
  return TRUE;
}

static gboolean retry_queue (gpointer data);

static void
run_queue (void)
{
  char *line;

  if (control->retry != 0)
    return;   /* waiting for an action */
  while ((line = g_queue_peek_head (&control->commands)) != NULL)
    {
      if (!run_command (line))
        {
          control->retry = g_timeout_add (20, retry_queue, NULL);
          return;
        }
      g_free (g_queue_pop_head (&control->commands));
    }
}

static gboolean
retry_queue (gpointer data)
{
  control->retry = 0;
  run_queue ();
  return G_SOURCE_REMOVE;
}

static gboolean
on_input (GIOChannel   *channel,
          GIOCondition  condition,
          gpointer      data)
{
  for (;;)
    {
      char *line = NULL;
      gsize terminator;
      GIOStatus status = g_io_channel_read_line (channel, &line, NULL, &terminator, NULL);

      if (status == G_IO_STATUS_NORMAL)
        {
          line[terminator] = '\0';
          g_queue_push_tail (&control->commands, line);
          run_queue ();
          continue;
        }
      g_free (line);
      if (status == G_IO_STATUS_AGAIN)
        return G_SOURCE_CONTINUE;
      /* The test closed its end. */
      control->watch = 0;
      return G_SOURCE_REMOVE;
    }
}

static void
on_startup (GApplication *application)
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
  control->application = GTK_APPLICATION (application);
  control->fd = (int) fd;
  g_queue_init (&control->commands);
  control->channel = g_io_channel_unix_new (control->fd);
  g_io_channel_set_encoding (control->channel, NULL, NULL);
  g_io_channel_set_flags (control->channel, G_IO_FLAG_NONBLOCK, NULL);
  control->watch = g_io_add_watch (control->channel, G_IO_IN | G_IO_HUP | G_IO_ERR, on_input, NULL);
  g_signal_connect (application, "window-added", G_CALLBACK (on_window_added), NULL);
}

void
pel_test_control_attach (GtkApplication *application)
{
  if (g_getenv ("PELLUCID_TEST_CONTROL") != NULL)
    g_signal_connect_after (application, "startup", G_CALLBACK (on_startup), NULL);
}
