/* crash-harness.c: see crash-harness.h. */
#include "tests/crash-harness.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/data/labels.h"
#include "tests/test-sanitizer.h"

char  *crash_tmpdir;
GRand *crash_rng;

/* ---- the program under test ------------------------------------------------ */

void
crash_app_send (CrashApp   *app,
                const char *format,
                ...)
{
  va_list ap;
  g_autofree char *text = NULL;
  g_autofree char *line = NULL;
  gsize done = 0, n;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  line = g_strconcat (text, "\n", NULL);
  n = strlen (line);
  while (done < n)
    {
      gssize w = send (app->fd, line + done, n - done, MSG_NOSIGNAL);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        return;   /* it died; the caller finds out on reading */
      done += (gsize) w;
    }
}

char *
crash_app_next (CrashApp *app,
                int       timeout_ms)
{
  gint64 deadline = timeout_ms < 0 ? -1 : g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      char *nl = memchr (app->pending->str, '\n', app->pending->len);
      char buf[4096];
      struct pollfd p = { app->fd, POLLIN, 0 };
      int wait_ms;
      gssize got;

      if (nl != NULL)
        {
          char *line = g_strndup (app->pending->str, nl - app->pending->str);
          g_string_erase (app->pending, 0, nl - app->pending->str + 1);
          return line;
        }
      if (app->eof)
        return NULL;
      wait_ms = deadline < 0 ? -1 : (int) MAX (0, (deadline - g_get_monotonic_time ()) / 1000);
      if (poll (&p, 1, wait_ms) == 0)
        return NULL;
      got = read (app->fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0)
        app->eof = TRUE;
      else
        g_string_append_len (app->pending, buf, got);
    }
}

CrashApp *
crash_app_start (const char *const *args)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  CrashApp *app = g_new0 (CrashApp, 1);
  int sv[2];
  static const char *const xdg[] = { "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME",
                                     "XDG_CACHE_HOME" };

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
  app->fd = sv[0];
  app->pending = g_string_new (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (xdg); i++)
    {
      g_autofree char *dir = g_build_filename (crash_tmpdir, xdg[i], NULL);
      g_subprocess_launcher_setenv (launcher, xdg[i], dir, TRUE);
    }
  g_subprocess_launcher_setenv (launcher, "PELLUCID_TEST_CONTROL", "3", TRUE);
  /* No session bus: every start is a new primary instance at once, never a
   * remote of the one just killed whose name the bus has not dropped yet. */
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", "disabled:", TRUE);
  g_subprocess_launcher_setenv (launcher, "GSK_RENDERER", "cairo", TRUE);
  g_subprocess_launcher_setenv (launcher, "GDK_DEBUG", "gl-disable", TRUE);
  g_subprocess_launcher_setenv (launcher, "GTK_A11Y", "none", TRUE);
  g_subprocess_launcher_setenv (launcher, "NO_AT_BRIDGE", "1", TRUE);
  g_subprocess_launcher_take_fd (launcher, sv[1], 3);

  g_ptr_array_add (argv, (char *) g_getenv ("PELLUCID_APP"));
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  app->process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  return app;
}

void
crash_app_kill (CrashApp *app)
{
  g_subprocess_send_signal (app->process, SIGKILL);
  g_subprocess_wait (app->process, NULL, NULL);
  g_assert_true (g_subprocess_get_if_signaled (app->process));
  g_assert_cmpint (g_subprocess_get_term_sig (app->process), ==, SIGKILL);
}

void
crash_app_quit (CrashApp *app)
{
  crash_app_send (app, "quit");
  g_assert_true (g_subprocess_wait (app->process, NULL, NULL));
  g_assert_true (g_subprocess_get_if_exited (app->process));
  g_assert_cmpint (g_subprocess_get_exit_status (app->process), ==, 0);
}

void
crash_app_free (CrashApp *app)
{
  close (app->fd);
  g_string_free (app->pending, TRUE);
  g_object_unref (app->process);
  g_free (app);
}

/* ---- what the test knows of the painting ----------------------------------- */

gsize
crash_round_n_voxels (const CrashRound *r)
{
  return pl_volume_n_voxels (r->image);
}

void
crash_round_init (CrashRound     *r,
                  const PlVolume *image,
                  gint64         *next_row,
                  const guint16  *base)
{
  memset (r, 0, sizeof *r);
  r->image = image;
  r->next_row = next_row;
  r->base = g_memdup2 (base, pl_volume_n_voxels (image) * sizeof (guint16));
  r->strokes = g_array_new (FALSE, FALSE, sizeof (CrashStroke));
  r->autosave_started = r->autosave_done = -1;
  r->save_started = r->save_done = r->first_save_started = -1;
  r->autosave_ms = 20.0;
  r->save_ms = 20.0;
}

void
crash_round_clear (CrashRound *r)
{
  g_free (r->base);
  g_array_unref (r->strokes);
  g_free (r->sha1);
  g_free (r->value);
}

CrashEventFunc crash_event_func = crash_handle_event;

void
crash_handle_event (CrashRound *r,
                    const char *line)
{
  gint64 now = g_get_monotonic_time ();

  if (g_str_has_prefix (line, "stroke-done"))
    {
      r->n_done++;
      r->in_stroke = FALSE;
    }
  else if (g_str_has_prefix (line, "autosave-started"))
    {
      r->autosave_started = r->n_done;
      r->autosave_running = TRUE;
      r->t_autosave = now;
    }
  else if (g_str_has_prefix (line, "autosaved "))
    {
      r->autosave_done = r->autosave_started;
      r->autosave_running = FALSE;
      r->autosave_ms = (now - r->t_autosave) / 1000.0;
    }
  else if (g_str_has_prefix (line, "autosave-failed"))
    g_error ("autosave failed");
  else if (g_str_has_prefix (line, "activated win.save-to "))
    {
      r->save_started = r->n_done;
      if (r->first_save_started < 0)
        r->first_save_started = r->n_done;
      r->save_running = TRUE;
      r->t_save = now;
    }
  else if (g_str_has_prefix (line, "saved "))
    {
      r->save_done = r->save_started;
      r->save_running = FALSE;
      r->save_ms = (now - r->t_save) / 1000.0;
    }
  else if (g_str_has_prefix (line, "job-ended") && r->save_running)
    g_error ("the save ended without saving");   /* "saved" comes before "job-ended" */
  else if (g_str_has_prefix (line, "recovery-offered"))
    r->offered = TRUE;
  else if (g_str_has_prefix (line, "restored"))
    r->restored = TRUE;
  else if (g_str_has_prefix (line, "ready"))
    r->ready = TRUE;
  /* the Train panel's live run, watched: running true/false, done N */
  else if (g_str_has_prefix (line, "notify run:train running "))
    r->training = g_str_has_suffix (line, " true");
  else if (g_str_has_prefix (line, "notify run:train done "))
    r->train_step = g_ascii_strtoll (line + strlen ("notify run:train done "), NULL, 10);
  else if (g_str_has_prefix (line, "value "))
    {
      g_free (r->value);
      r->value = g_strdup (line);
    }
  else if (g_str_has_prefix (line, "labels-sha1 "))
    {
      g_free (r->sha1);
      r->sha1 = g_strdup (line + strlen ("labels-sha1 "));
    }
  else if (g_str_has_prefix (line, "error"))
    g_error ("the program said: %s", line);
}

void
crash_app_dump_stacks (CrashApp *app)
{
  const char *pid = g_subprocess_get_identifier (app->process);
  g_autofree char *gdb = g_find_program_in_path ("gdb");
  g_autofree char *out = NULL;

  if (pid == NULL || gdb == NULL)
    return;
  {
    const char *argv[] = { gdb, "-p", pid, "-batch", "-nx", "-ex", "thread apply all bt", NULL };
    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                  NULL, NULL, NULL);
  }
  g_printerr ("the program's threads:\n%s\n", out ? out : "(gdb gave nothing)");
}

void
crash_wait_for (CrashApp   *app,
                CrashRound *r,
                const char *prefix)
{
  for (;;)
    {
      g_autofree char *line = crash_app_next (app, 60000 * TEST_TIME_SCALE);
      if (line == NULL && !app->eof)
        crash_app_dump_stacks (app);
      if (line == NULL)
        g_error ("no '%s' from the program (%s)", prefix, app->eof ? "it exited" : "timed out");
      crash_event_func (r, line);
      if (g_str_has_prefix (line, prefix))
        return;
    }
}

void
crash_wait_save_ended (CrashApp   *app,
                       CrashRound *r)
{
  while (r->save_running)
    {
      g_autofree char *line = crash_app_next (app, 60000 * TEST_TIME_SCALE);
      if (line == NULL && !app->eof)
        crash_app_dump_stacks (app);
      if (line == NULL)
        g_error ("the save did not end (%s)", app->eof ? "the program exited" : "timed out");
      crash_event_func (r, line);
    }
}

void
crash_pump (CrashApp   *app,
            CrashRound *r,
            int         ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * 1000;

  for (;;)
    {
      gint64 left = (until - g_get_monotonic_time ()) / 1000;
      g_autofree char *line = crash_app_next (app, (int) MAX (0, left));
      if (line == NULL)
        return;
      crash_event_func (r, line);
    }
}

void
crash_paint_stroke (CrashApp   *app,
                    CrashRound *r,
                    gboolean    finish)
{
  const gint64 ni = r->image->dim[0], nj = r->image->dim[1], nk = r->image->dim[2];
  CrashStroke s;
  gint64 row = (*r->next_row)++;

  g_assert_cmpint (row, <, nj * nk);
  s.j = row % nj;
  s.k = row / nj;
  s.i0 = g_rand_int_range (crash_rng, 2, ni / 2);
  s.i1 = s.i0 + g_rand_int_range (crash_rng, 8, ni / 2 - 2);
  s.label = (guint16) (1 + row % 7);
  g_array_append_val (r->strokes, s);
  r->in_stroke = TRUE;
  crash_app_send (app, "action win.paint-label %u", s.label);
  crash_app_send (app, "stroke-begin axial %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT,
                  s.i0, s.j, s.k);
  /* fast and slow motion events: the line between them is filled */
  for (gint64 i = s.i0; i < s.i1;)
    {
      gint64 step = g_rand_int_range (crash_rng, 1, 12);
      i = MIN (s.i1, i + step);
      crash_app_send (app, "stroke-move %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT,
                      i, s.j, s.k);
    }
  if (finish)
    {
      crash_app_send (app, "stroke-end");
      crash_wait_for (app, r, "stroke-done");
    }
}

/* ---- decoding a label map ------------------------------------------------------ */

int
crash_decode (const CrashRound *r,
              const guint16    *labels,
              char            **why)
{
  const gint64 ni = r->image->dim[0], nj = r->image->dim[1];
  const gsize n_voxels = crash_round_n_voxels (r);
  g_autofree guint8 *on_stroke = g_new0 (guint8, n_voxels);
  int m = 0;
  gboolean ended = FALSE;

  for (guint s = 0; s < r->strokes->len; s++)
    {
      const CrashStroke *st = &g_array_index (r->strokes, CrashStroke, s);
      gsize row = (gsize) ni * (st->j + (gsize) nj * st->k);
      gint64 present = 0;

      for (gint64 i = st->i0; i <= st->i1; i++)
        on_stroke[row + i] = 1;
      while (st->i0 + present <= st->i1 && labels[row + st->i0 + present] == st->label)
        present++;
      for (gint64 i = st->i0 + present; i <= st->i1; i++)
        if (labels[row + i] != 0)
          {
            *why = g_strdup_printf ("stroke %u is torn at voxel (%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                                    ", %" G_GINT64_FORMAT ")", s + 1, i, st->j, st->k);
            return -1;
          }
      if (ended && present > 0)
        {
          *why = g_strdup_printf ("stroke %u is there but an earlier one is not", s + 1);
          return -1;
        }
      if (present == st->i1 - st->i0 + 1)
        m++;
      else
        ended = TRUE;   /* absent, or begun when the snapshot was taken */
    }
  for (gsize v = 0; v < n_voxels; v++)
    if (!on_stroke[v] && labels[v] != r->base[v])
      {
        *why = g_strdup_printf ("voxel %" G_GSIZE_FORMAT " holds %u where the painting has %u",
                                v, labels[v], r->base[v]);
        return -1;
      }
  return m;
}

guint16 *
crash_load_labels (const char     *path,
                   const PlVolume *image)
{
  g_autoptr (GError) error = NULL;
  PlLabels *labels = pl_labels_load (path, image, &error);
  guint16 *data;

  if (labels == NULL)
    g_error ("%s does not load: %s", path, error->message);
  data = g_steal_pointer (&labels->data);
  pl_labels_free (labels);
  return data;
}

char *
crash_sha1_of (const guint16 *labels,
               gsize          n_voxels)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA1, (const guchar *) labels,
                                      n_voxels * sizeof (guint16));
}

char *
crash_recovery_labels_path (const char *image_path)
{
  g_autofree char *canonical = g_canonicalize_filename (image_path, NULL);
  g_autofree char *key = g_compute_checksum_for_string (G_CHECKSUM_SHA1, canonical, -1);
  g_autofree char *name = g_strconcat (key, ".nii.gz", NULL);
  return g_build_filename (crash_tmpdir, "XDG_STATE_HOME", "pellucid", "recovery", name, NULL);
}

void
crash_sleep_into (double expected_ms)
{
  g_usleep ((gulong) (g_rand_double (crash_rng) * expected_ms * 1000.0));
}
