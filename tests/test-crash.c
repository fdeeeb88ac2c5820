/* No painted label is lost when Pellucid is killed.
 *
 * /crash/app: starts the real program (PELLUCID_APP) on a synthetic image,
 * paints strokes through its test control channel (pel-test-control.h,
 * the entry points the mouse gestures use; the label and brush through the
 * window's actions), saves now and then (win.save-to), autosaves every
 * 150 ms (the document's autosave-interval-ms), and kills it with SIGKILL at a random moment: in the middle
 * of a stroke, of a save, of an autosave, while the Train panel trains a
 * network on the painting (painting and autosaving go on meanwhile), or
 * anywhere.  Then, before
 * starting it again on the same image (and segmentation, when one was
 * saved), it checks:
 *
 *   - the saved segmentation is intact: it loads, and it holds exactly the
 *     labels of a snapshot that a save started (the last completed one or a
 *     later one), nothing torn, nothing foreign;
 *   - the program, started again, gives back every stroke up to the last
 *     completed autosave or save: when that is an autosave it must offer the
 *     recovery (the test accepts it), and the label map it then holds
 *     (labels-sha1) is a snapshot of the painting that contains them all.
 *
 * Each stroke is a line along voxel axis i on a row (j, k) that no other
 * stroke touches, with a brush of one voxel, so any label map decodes into
 * "strokes 1..m complete, stroke m+1 possibly begun (a snapshot taken while
 * it was being painted), nothing after".  Rounds chain: what the program
 * restored is the next round's starting point.
 *
 * /crash/train: kills pellucid-cli train (PELLUCID_CLI) at random moments;
 * the model file of an earlier complete run is never damaged.
 *
 * PELLUCID_CRASH_KILLS (default 50), PELLUCID_CRASH_TRAIN_KILLS (default
 * an eighth of that, at least 4) and PELLUCID_CRASH_SEED choose how many
 * kills and which random moments; the seed is printed, to replay a run. */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/data/labels.h"
#include "engine/nn/model.h"
#include "engine/data/volume.h"
#include "tests/nifti-synth.h"
#include "tests/test-sanitizer.h"

/* Image grid: rows (j, k) for 128 × 80 strokes. */
#define NI 128
#define NJ 128
#define NK 80
#define N_VOXELS ((gsize) NI * NJ * NK)

static char *tmpdir;
static char *image_path;
static char *saved_path;
static PlVolume *image;
static GRand *rng;

typedef enum
{
  KILL_STROKE,
  KILL_SAVE,
  KILL_AUTOSAVE,
  KILL_TRAIN,
  KILL_ANY,
  N_KILL_KINDS
} KillKind;

/* ---- the program under test ------------------------------------------------ */

typedef struct
{
  GSubprocess *process;
  int          fd;          /* our end of the control socket */
  GString     *pending;     /* bytes read, not yet a whole line */
  gboolean     eof;
} App;

static void
app_send (App        *app,
          const char *format,
          ...) G_GNUC_PRINTF (2, 3);

static void
app_send (App        *app,
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

/* The next event line, waiting up to timeout_ms (< 0: forever); NULL on
 * timeout or when the program closed the channel (app->eof). */
static char *
app_next (App *app,
          int  timeout_ms)
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

static App *
app_start (gboolean with_segmentation)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  App *app = g_new0 (App, 1);
  int sv[2];
  static const char *const xdg[] = { "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME",
                                     "XDG_CACHE_HOME" };

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
  app->fd = sv[0];
  app->pending = g_string_new (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (xdg); i++)
    {
      g_autofree char *dir = g_build_filename (tmpdir, xdg[i], NULL);
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
  g_ptr_array_add (argv, image_path);
  if (with_segmentation)
    {
      g_ptr_array_add (argv, "-s");
      g_ptr_array_add (argv, saved_path);
    }
  g_ptr_array_add (argv, NULL);
  app->process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  return app;
}

static void
app_free (App *app)
{
  close (app->fd);
  g_string_free (app->pending, TRUE);
  g_object_unref (app->process);
  g_free (app);
}

/* ---- what the test knows of the painting ----------------------------------- */

typedef struct
{
  gint64  i0, i1, j, k;   /* voxels (i0..i1, j, k), painted from i0 */
  guint16 label;
} Stroke;

typedef struct
{
  guint16 *base;          /* the label map this round started from */
  GArray  *strokes;       /* Stroke, in the order painted */
  int      n_done;        /* strokes acknowledged (stroke-done) */
  gboolean in_stroke;     /* stroke-begin sent, stroke-end not */

  /* Counts of strokes done when each snapshot was taken (-1: none). */
  int      autosave_started, autosave_done;
  gboolean autosave_running;
  int      save_started, save_done;
  int      first_save_started;    /* the first this round */
  gboolean save_running;
  gint64   t_autosave, t_save;    /* µs when the running one started */
  double   autosave_ms, save_ms;  /* how long the last ones took */
  gboolean offered, restored, ready;
  gboolean training;              /* the Train panel's run is running */
  char    *value;                 /* of the last "value OBJECT PROPERTY VALUE" */
  gint64   train_step;            /* steps done, as its run last said */
  char    *sha1;
} Round;

static gint64 next_row;   /* rows (j, k) are never reused */

static void
round_init (Round         *r,
            const guint16 *base)
{
  memset (r, 0, sizeof *r);
  r->base = g_memdup2 (base, N_VOXELS * sizeof (guint16));
  r->strokes = g_array_new (FALSE, FALSE, sizeof (Stroke));
  r->autosave_started = r->autosave_done = -1;
  r->save_started = r->save_done = r->first_save_started = -1;
  r->autosave_ms = 20.0;
  r->save_ms = 20.0;
}

static void
round_clear (Round *r)
{
  g_free (r->base);
  g_array_unref (r->strokes);
  g_free (r->sha1);
  g_free (r->value);
}

/* Updates the model from one event of the program. */
static void
handle_event (Round      *r,
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

/* When the program stops answering: every thread's stack, from gdb if it
 * is installed, for the log. */
static void
dump_stacks (App *app)
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

/* Handles events until one starts with `prefix`. */
static void
wait_for (App        *app,
          Round      *r,
          const char *prefix)
{
  for (;;)
    {
      g_autofree char *line = app_next (app, 60000 * TEST_TIME_SCALE);
      if (line == NULL && !app->eof)
        dump_stacks (app);
      if (line == NULL)
        g_error ("no '%s' from the program (%s)", prefix, app->eof ? "it exited" : "timed out");
      handle_event (r, line);
      if (g_str_has_prefix (line, prefix))
        return;
    }
}

/* Handles events until the save in progress has ended.  Not "until the
 * next 'saved'": that event may already have been handled while waiting
 * for another one (a stroke's 'stroke-done' can come after it). */
static void
wait_save_ended (App   *app,
                 Round *r)
{
  while (r->save_running)
    {
      g_autofree char *line = app_next (app, 60000 * TEST_TIME_SCALE);
      if (line == NULL && !app->eof)
        dump_stacks (app);
      if (line == NULL)
        g_error ("the save did not end (%s)", app->eof ? "the program exited" : "timed out");
      handle_event (r, line);
    }
}

/* Handles what has arrived, for up to ms milliseconds. */
static void
pump (App   *app,
      Round *r,
      int    ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * 1000;

  for (;;)
    {
      gint64 left = (until - g_get_monotonic_time ()) / 1000;
      g_autofree char *line = app_next (app, (int) MAX (0, left));
      if (line == NULL)
        return;
      handle_event (r, line);
    }
}

static void
paint_stroke (App     *app,
              Round   *r,
              gboolean finish)
{
  Stroke s;
  gint64 row = next_row++;

  g_assert_cmpint (row, <, (gint64) NJ * NK);
  s.j = row % NJ;
  s.k = row / NJ;
  s.i0 = g_rand_int_range (rng, 2, NI / 2);
  s.i1 = s.i0 + g_rand_int_range (rng, 8, NI / 2 - 2);
  s.label = (guint16) (1 + row % 7);
  g_array_append_val (r->strokes, s);
  r->in_stroke = TRUE;
  app_send (app, "action win.paint-label %u", s.label);
  app_send (app, "stroke-begin axial %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT,
            s.i0, s.j, s.k);
  /* fast and slow motion events: the line between them is filled */
  for (gint64 i = s.i0; i < s.i1;)
    {
      gint64 step = g_rand_int_range (rng, 1, 12);
      i = MIN (s.i1, i + step);
      app_send (app, "stroke-move %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT,
                i, s.j, s.k);
    }
  if (finish)
    {
      app_send (app, "stroke-end");
      wait_for (app, r, "stroke-done");
    }
}

/* ---- decoding a label map ------------------------------------------------------ */

/* Whether `labels` is a snapshot of round r: the base everywhere but on
 * this round's strokes, strokes 1..m complete, stroke m+1 a begun prefix
 * or absent, later ones absent.  Returns m, or -1 with a reason. */
static int
decode (const Round   *r,
        const guint16 *labels,
        char         **why)
{
  g_autofree guint8 *on_stroke = g_new0 (guint8, N_VOXELS);
  int m = 0;
  gboolean ended = FALSE;

  for (guint s = 0; s < r->strokes->len; s++)
    {
      const Stroke *st = &g_array_index (r->strokes, Stroke, s);
      gsize row = (gsize) NI * (st->j + (gsize) NJ * st->k);
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
  for (gsize v = 0; v < N_VOXELS; v++)
    if (!on_stroke[v] && labels[v] != r->base[v])
      {
        *why = g_strdup_printf ("voxel %" G_GSIZE_FORMAT " holds %u where the painting has %u",
                                v, labels[v], r->base[v]);
        return -1;
      }
  return m;
}

static guint16 *
load_labels (const char *path)
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

static char *
sha1_of (const guint16 *labels)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA1, (const guchar *) labels,
                                      N_VOXELS * sizeof (guint16));
}

/* The recovery label map the program would restore, or NULL. */
static char *
recovery_labels_path (void)
{
  g_autofree char *canonical = g_canonicalize_filename (image_path, NULL);
  g_autofree char *key = g_compute_checksum_for_string (G_CHECKSUM_SHA1, canonical, -1);
  g_autofree char *name = g_strconcat (key, ".nii.gz", NULL);
  return g_build_filename (tmpdir, "XDG_STATE_HOME", "pellucid", "recovery", name, NULL);
}

/* ---- the rounds ------------------------------------------------------------------ */

typedef struct
{
  guint16 *saved;          /* content of saved_path, NULL while there is none */
  int      kills[N_KILL_KINDS];
  int      kills_training;  /* of them, while the Train panel trained */
  gint64   max_train_step;  /* the furthest training got before a kill */
  int      offered;
  int      strokes;
  int      max_lost;       /* strokes painted after the last persisted snapshot */
} Run;

/* Sleeps a random part of the expected duration of what is running. */
static void
sleep_into (double expected_ms)
{
  g_usleep ((gulong) (g_rand_double (rng) * expected_ms * 1000.0));
}

static KillKind
paint_and_kill (App   *app,
                Round *r,
                int    round_no)
{
  KillKind kind = (KillKind) (round_no % N_KILL_KINDS);
  int n = g_rand_int_range (rng, 1, 5);

  for (int s = 0; s < n; s++)
    {
      paint_stroke (app, r, TRUE);
      pump (app, r, g_rand_int_range (rng, 0, 60));
    }
  if (kind != KILL_SAVE && g_rand_boolean (rng) && !r->save_running)
    {
      /* Painting goes on while the save runs on its worker. */
      app_send (app, "action win.save-to '%s'", saved_path);
      wait_for (app, r, "activated win.save-to");
      paint_stroke (app, r, TRUE);
      wait_save_ended (app, r);
      paint_stroke (app, r, TRUE);
    }

  switch (kind)
    {
    case KILL_STROKE:
      paint_stroke (app, r, FALSE);
      app_send (app, "ping");
      wait_for (app, r, "pong");
      break;
    case KILL_SAVE:
      app_send (app, "action win.save-to '%s'", saved_path);
      wait_for (app, r, "activated win.save-to");
      if (g_rand_boolean (rng))
        paint_stroke (app, r, TRUE);
      sleep_into (r->save_ms);
      break;
    case KILL_AUTOSAVE:
      paint_stroke (app, r, TRUE);
      wait_for (app, r, "autosave-started");
      sleep_into (r->autosave_ms);
      break;
    case KILL_TRAIN:
      /* Two label values at least (consecutive rows), then Start with more
       * steps than the round lasts; sometimes killed while the trainer is
       * being built, mostly once it steps; painting goes on. */
      paint_stroke (app, r, TRUE);
      paint_stroke (app, r, TRUE);
      app_send (app, "watch run:train running");
      app_send (app, "watch run:train done");
      app_send (app, "action train.show");
      app_send (app, "action train.preset 'small'");
      app_send (app, "action train.steps 2000");
      app_send (app, "action train.start");
      wait_for (app, r, "notify run:train running true");
      if (g_rand_int_range (rng, 0, 4) > 0)
        while (r->train_step < 1)
          wait_for (app, r, "notify run:train done");
      if (g_rand_boolean (rng) && !r->save_running)
        {
          app_send (app, "action win.save-to '%s'", saved_path);
          wait_for (app, r, "activated win.save-to");
        }
      for (int s = g_rand_int_range (rng, 0, 3); s > 0; s--)
        paint_stroke (app, r, TRUE);
      pump (app, r, g_rand_int_range (rng, 0, 300));
      g_assert_true (r->training);
      break;
    case KILL_ANY:
    default:
      paint_stroke (app, r, TRUE);
      pump (app, r, g_rand_int_range (rng, 0, 400));
      break;
    }
  g_subprocess_send_signal (app->process, SIGKILL);
  g_subprocess_wait (app->process, NULL, NULL);
  /* Everything it said before it died is in the socket. */
  pump (app, r, 1000);
  g_assert_true (g_subprocess_get_if_signaled (app->process));
  g_assert_cmpint (g_subprocess_get_term_sig (app->process), ==, SIGKILL);

  /* Where the kill actually landed. */
  if (r->training)
    return KILL_TRAIN;
  if (r->save_running)
    return KILL_SAVE;
  if (r->autosave_running)
    return KILL_AUTOSAVE;
  if (r->in_stroke)
    return KILL_STROKE;
  return KILL_ANY;
}

/* The saved segmentation after a kill: intact, and a snapshot some save of
 * this round took, or untouched. */
static void
check_saved (Run   *run,
             Round *r)
{
  g_autofree guint16 *now = NULL;
  g_autofree char *why = NULL;
  int m;

  if (!g_file_test (saved_path, G_FILE_TEST_EXISTS))
    {
      g_assert_null (run->saved);
      g_assert_cmpint (r->save_done, <, 0);
      return;
    }
  now = load_labels (saved_path);
  if (run->saved != NULL && memcmp (now, run->saved, N_VOXELS * sizeof (guint16)) == 0
      && r->save_done < 0)
    return;   /* untouched, or rewritten with what it held */
  if (r->first_save_started < 0)
    g_error ("the saved segmentation changed although nothing was saved");
  m = decode (r, now, &why);
  if (m < 0)
    g_error ("the saved segmentation is no snapshot of the painting: %s", why);
  /* A save copies the labels on its worker, after it was asked for: what
   * was painted by then may be in too. */
  if (m < MAX (r->save_done, r->first_save_started) || m > r->n_done)
    g_error ("the saved segmentation holds %d strokes; %d were painted when the first save "
             "of this round was asked for, %d when the last completed one was",
             m, r->first_save_started, r->save_done);
  g_free (run->saved);
  run->saved = g_steal_pointer (&now);
}

/* Starts the program again: it must give back every stroke up to the last
 * completed save or autosave.  Returns what it holds, for the next round. */
static guint16 *
restart (Run   *run,
         Round *r,
         App  **app_out)
{
  App *app = app_start (run->saved != NULL);
  Round probe;
  g_autofree guint16 *content = NULL;
  g_autofree char *why = NULL;
  int need = MAX (MAX (r->autosave_done, r->save_done), 0);
  int m;

  round_init (&probe, r->base);
  wait_for (app, &probe, "ready");
  if (probe.offered)
    {
      g_autofree char *path = recovery_labels_path ();
      run->offered++;
      app_send (app, "action win.recovery 'restore'");
      wait_for (app, &probe, "restored");
      content = load_labels (path);
    }
  else if (run->saved != NULL)
    content = g_memdup2 (run->saved, N_VOXELS * sizeof (guint16));
  else
    content = g_new0 (guint16, N_VOXELS);

  app_send (app, "labels-sha1");
  wait_for (app, &probe, "labels-sha1");
  {
    g_autofree char *expected = sha1_of (content);
    if (g_strcmp0 (probe.sha1, expected) != 0)
      g_error ("after %s, the program holds labels other than %s",
               probe.offered ? "restoring the recovery" : "opening",
               probe.offered ? "the recovery file" : "the saved segmentation");
  }
  /* restored painting is unsaved; a plain opening is not */
  app_send (app, "get document dirty");
  wait_for (app, &probe, "value document dirty");
  g_assert_cmpstr (probe.value, ==, probe.offered ? "value document dirty true" : "value document dirty false");
  m = decode (r, content, &why);
  if (m < 0)
    g_error ("the labels given back are no snapshot of the painting: %s", why);
  if (m < need)
    g_error ("%d strokes were painted before the last completed %s, but only %d came back (%s)",
             need, r->autosave_done >= r->save_done ? "autosave" : "save", m,
             probe.offered ? "recovery restored" : "no recovery offered");
  run->max_lost = MAX (run->max_lost, r->n_done - m);
  round_clear (&probe);
  *app_out = app;
  return g_steal_pointer (&content);
}

static int
n_kills (void)
{
  const char *s = g_getenv ("PELLUCID_CRASH_KILLS");
  return s ? atoi (s) : 50;
}

static void
test_app (void)
{
  Run run = { 0 };
  g_autofree guint16 *start = g_new0 (guint16, N_VOXELS);
  int kills = n_kills ();
  App *app = app_start (FALSE);
  Round r;

  round_init (&r, start);
  wait_for (app, &r, "ready");
  g_assert_false (r.offered);
  app_send (app, "action win.brush-diameter 1");
  app_send (app, "set document autosave-interval-ms 150");

  for (int k = 0; k < kills; k++)
    {
      KillKind landed;
      g_autofree guint16 *back = NULL;

      landed = paint_and_kill (app, &r, k);
      run.kills[landed]++;
      if (landed == KILL_TRAIN)
        run.max_train_step = MAX (run.max_train_step, r.train_step);
      run.strokes += r.strokes->len;
      app_free (app);
      check_saved (&run, &r);
      back = restart (&run, &r, &app);
      round_clear (&r);
      round_init (&r, back);
      app_send (app, "action win.brush-diameter 1");
      app_send (app, "set document autosave-interval-ms 150");
    }

  /* A clean exit at the end, so that leak checkers see the real program. */
  app_send (app, "quit");
  g_assert_true (g_subprocess_wait (app->process, NULL, NULL));
  g_assert_true (g_subprocess_get_if_exited (app->process));
  g_assert_cmpint (g_subprocess_get_exit_status (app->process), ==, 0);
  app_free (app);
  round_clear (&r);

  g_test_message ("%d kills (%d while training, up to step %" G_GINT64_FORMAT "; %d mid-stroke, "
                  "%d mid-save, %d mid-autosave, %d elsewhere), %d strokes, recovery offered "
                  "and restored %d times, at most %d strokes painted after the last autosave "
                  "or save", kills, run.kills[KILL_TRAIN], run.max_train_step,
                  run.kills[KILL_STROKE], run.kills[KILL_SAVE], run.kills[KILL_AUTOSAVE],
                  run.kills[KILL_ANY], run.strokes, run.offered, run.max_lost);
  g_free (run.saved);
}

/* ---- training ---------------------------------------------------------------- */

static GSubprocess *
train (const char *img,
       const char *lab,
       const char *out)
{
  g_autoptr (GError) error = NULL;
  GSubprocess *p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, g_getenv ("PELLUCID_CLI"), "train", "--image", img,
                                     "--labels", lab, "--out", out, "--steps", "30", "--batch", "2",
                                     "--threads", "1", "--seed", "3", NULL);
  g_assert_no_error (error);
  return p;
}

static void
test_train (void)
{
  const gint64 dim[3] = { 32, 32, 6 };
  g_autoptr (PlVolume) v = pl_volume_new (dim, NULL, NULL);
  g_autoptr (PlLabels) l = pl_labels_new (dim);
  g_autofree char *img = g_build_filename (tmpdir, "train-img.nii.gz", NULL);
  g_autofree char *lab = g_build_filename (tmpdir, "train-labels.nii.gz", NULL);
  g_autofree char *out = g_build_filename (tmpdir, "model.safetensors", NULL);
  g_autofree char *first = NULL;
  g_autoptr (GError) error = NULL;
  gsize first_len;
  gint64 t0;
  double full_ms;
  const char *train_kills = g_getenv ("PELLUCID_CRASH_TRAIN_KILLS");
  int kills = train_kills ? atoi (train_kills) : MAX (4, n_kills () / 8), mid = 0;

  if (kills <= 0)
    {
      g_test_skip ("PELLUCID_CRASH_TRAIN_KILLS=0");
      return;
    }
  for (gsize i = 0; i < pl_volume_n_voxels (v); i++)
    {
      gint64 x = i % 32, y = i / 32 % 32, z = i / 1024;
      gboolean inside = (x - 16) * (x - 16) + (y - 16) * (y - 16) < 64;
      v->data[i] = inside ? 200.0f : 20.0f;
      if (z == 1 || z == 4)
        l->data[i] = inside ? 2 : 1;
    }
  pl_volume_update_stats (v);
  g_assert_true (pl_volume_save (v, img, &error));
  g_assert_true (pl_labels_save (l, v, lab, &error));

  /* One run to the end: the model every later run would write too. */
  t0 = g_get_monotonic_time ();
  {
    g_autoptr (GSubprocess) p = train (img, lab, out);
    g_assert_true (g_subprocess_wait_check (p, NULL, &error));
    g_assert_no_error (error);
  }
  full_ms = (g_get_monotonic_time () - t0) / 1000.0;
  g_assert_true (g_file_get_contents (out, &first, &first_len, &error));

  for (int k = 0; k < kills; k++)
    {
      g_autoptr (GSubprocess) p = train (img, lab, out);
      g_autofree char *now = NULL;
      g_autoptr (PlModel) model = NULL;
      gsize len;

      g_usleep ((gulong) (g_rand_double (rng) * full_ms * 1000.0));
      g_subprocess_send_signal (p, SIGKILL);
      g_subprocess_wait (p, NULL, NULL);
      /* killed by us, or finished cleanly: nothing else */
      if (g_subprocess_get_if_signaled (p))
        {
          g_assert_cmpint (g_subprocess_get_term_sig (p), ==, SIGKILL);
          mid++;
        }
      else
        g_assert_cmpint (g_subprocess_get_exit_status (p), ==, 0);
      g_assert_true (g_file_get_contents (out, &now, &len, &error));
      g_assert_cmpmem (now, len, first, first_len);
      model = pl_model_load (out, &error);
      g_assert_no_error (error);
    }
  g_test_message ("pellucid-cli train: %d kills, %d during the run; the model file was "
                  "intact every time", kills, mid);
}

int
main (int argc, char **argv)
{
  const char *seed_env = g_getenv ("PELLUCID_CRASH_SEED");
  guint32 seed = seed_env ? (guint32) g_ascii_strtoull (seed_env, NULL, 10) : g_random_int ();
  const gint64 dim[3] = { NI, NJ, NK };
  g_autoptr (GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_message ("PELLUCID_CRASH_SEED=%u", seed);
  rng = g_rand_new_with_seed (seed);
  tmpdir = g_dir_make_tmp ("pellucid-crash-XXXXXX", NULL);
  image_path = g_build_filename (tmpdir, "scan.nii", NULL);
  saved_path = g_build_filename (tmpdir, "labels.nii.gz", NULL);
  image = pl_volume_new (dim, NULL, NULL);
  for (gsize i = 0; i < N_VOXELS; i++)
    image->data[i] = (float) ((i * 7919) % 1000);
  pl_volume_update_stats (image);
  g_assert_true (pl_volume_save (image, image_path, &error));
  {
    /* GTK 4.8 leaks a GDateTime each time its recent-files list is trimmed
     * by age; the final clean exit is checked for leaks, so no age limit. */
    g_autofree char *gtk = g_build_filename (tmpdir, "XDG_CONFIG_HOME", "gtk-4.0", NULL);
    g_autofree char *ini = g_build_filename (gtk, "settings.ini", NULL);
    g_mkdir_with_parents (gtk, 0700);
    g_assert_true (g_file_set_contents (ini, "[Settings]\ngtk-recent-files-max-age=-1\n", -1, NULL));
  }

  g_test_add_func ("/crash/app", test_app);
  g_test_add_func ("/crash/train", test_train);
  status = g_test_run ();

  pl_volume_free (image);
  g_rand_free (rng);
  if (status == 0)
    synth_rmtree (tmpdir);
  g_free (tmpdir);
  return status;
}
