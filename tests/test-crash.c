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
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "engine/data/labels.h"
#include "engine/data/volume.h"
#include "engine/nn/model.h"
#include "tests/crash-harness.h"
#include "tests/nifti-synth.h"
#include "tests/test-sanitizer.h"

/* Image grid: rows (j, k) for 128 × 80 strokes. */
#define NI 128
#define NJ 128
#define NK 80
#define N_VOXELS ((gsize) NI * NJ * NK)

static char *image_path;
static char *saved_path;
static PlVolume *image;
static gint64 next_row;   /* rows (j, k) are never reused */

typedef enum
{
  KILL_STROKE,
  KILL_SAVE,
  KILL_AUTOSAVE,
  KILL_TRAIN,
  KILL_ANY,
  N_KILL_KINDS
} KillKind;

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

static KillKind
paint_and_kill (CrashApp   *app,
                CrashRound *r,
                int    round_no)
{
  KillKind kind = (KillKind) (round_no % N_KILL_KINDS);
  int n = g_rand_int_range (crash_rng, 1, 5);

  for (int s = 0; s < n; s++)
    {
      crash_paint_stroke (app, r, TRUE);
      crash_pump (app, r, g_rand_int_range (crash_rng, 0, 60));
    }
  if (kind != KILL_SAVE && g_rand_boolean (crash_rng) && !r->save_running)
    {
      /* Painting goes on while the save runs on its worker. */
      crash_app_send (app, "action win.save-to '%s'", saved_path);
      crash_wait_for (app, r, "activated win.save-to");
      crash_paint_stroke (app, r, TRUE);
      crash_wait_save_ended (app, r);
      crash_paint_stroke (app, r, TRUE);
    }

  switch (kind)
    {
    case KILL_STROKE:
      crash_paint_stroke (app, r, FALSE);
      crash_app_send (app, "ping");
      crash_wait_for (app, r, "pong");
      break;
    case KILL_SAVE:
      crash_app_send (app, "action win.save-to '%s'", saved_path);
      crash_wait_for (app, r, "activated win.save-to");
      if (g_rand_boolean (crash_rng))
        crash_paint_stroke (app, r, TRUE);
      crash_sleep_into (r->save_ms);
      break;
    case KILL_AUTOSAVE:
      crash_paint_stroke (app, r, TRUE);
      /* (it may have begun while the stroke's end was awaited: then
       * waiting for another would wait for one that never comes) */
      while (r->autosave_started < r->n_done)
        crash_wait_for (app, r, "autosave-started");
      crash_sleep_into (r->autosave_ms);
      break;
    case KILL_TRAIN:
      /* Two label values at least (consecutive rows), then Start with more
       * steps than the round lasts; sometimes killed while the trainer is
       * being built, mostly once it steps; painting goes on. */
      crash_paint_stroke (app, r, TRUE);
      crash_paint_stroke (app, r, TRUE);
      crash_app_send (app, "watch run:train running");
      crash_app_send (app, "watch run:train done");
      crash_app_send (app, "action train.show");
      crash_app_send (app, "action train.preset 'small'");
      crash_app_send (app, "action train.steps 2000");
      crash_app_send (app, "action train.start");
      crash_wait_for (app, r, "notify run:train running true");
      if (g_rand_int_range (crash_rng, 0, 4) > 0)
        while (r->train_step < 1)
          crash_wait_for (app, r, "notify run:train done");
      if (g_rand_boolean (crash_rng) && !r->save_running)
        {
          crash_app_send (app, "action win.save-to '%s'", saved_path);
          crash_wait_for (app, r, "activated win.save-to");
        }
      for (int s = g_rand_int_range (crash_rng, 0, 3); s > 0; s--)
        crash_paint_stroke (app, r, TRUE);
      crash_pump (app, r, g_rand_int_range (crash_rng, 0, 300));
      g_assert_true (r->training);
      break;
    case KILL_ANY:
    default:
      crash_paint_stroke (app, r, TRUE);
      crash_pump (app, r, g_rand_int_range (crash_rng, 0, 400));
      break;
    }
  crash_app_kill (app);
  /* Everything it said before it died is in the socket. */
  crash_pump (app, r, 1000);

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
             CrashRound *r)
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
  now = crash_load_labels (saved_path, image);
  if (run->saved != NULL && memcmp (now, run->saved, N_VOXELS * sizeof (guint16)) == 0
      && r->save_done < 0)
    return;   /* untouched, or rewritten with what it held */
  if (r->first_save_started < 0)
    g_error ("the saved segmentation changed although nothing was saved");
  m = crash_decode (r, now, &why);
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
         CrashRound *r,
         CrashApp  **app_out)
{
  const char *args[] = { image_path, run->saved ? "-s" : NULL, saved_path, NULL };
  CrashApp *app = crash_app_start (args);
  CrashRound probe;
  g_autofree guint16 *content = NULL;
  g_autofree char *why = NULL;
  int need = MAX (MAX (r->autosave_done, r->save_done), 0);
  int m;

  crash_round_init (&probe, image, &next_row, r->base);
  crash_wait_for (app, &probe, "ready");
  if (probe.offered)
    {
      g_autofree char *path = crash_recovery_labels_path (image_path);
      run->offered++;
      crash_app_send (app, "action win.recovery 'restore'");
      crash_wait_for (app, &probe, "restored");
      content = crash_load_labels (path, image);
    }
  else if (run->saved != NULL)
    content = g_memdup2 (run->saved, N_VOXELS * sizeof (guint16));
  else
    content = g_new0 (guint16, N_VOXELS);

  crash_app_send (app, "labels-sha1");
  crash_wait_for (app, &probe, "labels-sha1");
  {
    g_autofree char *expected = crash_sha1_of (content, N_VOXELS);
    if (g_strcmp0 (probe.sha1, expected) != 0)
      g_error ("after %s, the program holds labels other than %s",
               probe.offered ? "restoring the recovery" : "opening",
               probe.offered ? "the recovery file" : "the saved segmentation");
  }
  /* restored painting is unsaved; a plain opening is not */
  crash_app_send (app, "get document dirty");
  crash_wait_for (app, &probe, "value document dirty");
  g_assert_cmpstr (probe.value, ==, probe.offered ? "value document dirty true" : "value document dirty false");
  m = crash_decode (r, content, &why);
  if (m < 0)
    g_error ("the labels given back are no snapshot of the painting: %s", why);
  if (m < need)
    g_error ("%d strokes were painted before the last completed %s, but only %d came back (%s)",
             need, r->autosave_done >= r->save_done ? "autosave" : "save", m,
             probe.offered ? "recovery restored" : "no recovery offered");
  run->max_lost = MAX (run->max_lost, r->n_done - m);
  crash_round_clear (&probe);
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
  const char *args[] = { image_path, NULL };
  CrashApp *app = crash_app_start (args);
  CrashRound r;

  crash_round_init (&r, image, &next_row, start);
  crash_wait_for (app, &r, "ready");
  g_assert_false (r.offered);
  crash_app_send (app, "action win.brush-diameter 1");
  crash_app_send (app, "set document autosave-interval-ms 150");

  for (int k = 0; k < kills; k++)
    {
      KillKind landed;
      g_autofree guint16 *back = NULL;

      landed = paint_and_kill (app, &r, k);
      run.kills[landed]++;
      if (landed == KILL_TRAIN)
        run.max_train_step = MAX (run.max_train_step, r.train_step);
      run.strokes += r.strokes->len;
      crash_app_free (app);
      check_saved (&run, &r);
      back = restart (&run, &r, &app);
      crash_round_clear (&r);
      crash_round_init (&r, image, &next_row, back);
      crash_app_send (app, "action win.brush-diameter 1");
      crash_app_send (app, "set document autosave-interval-ms 150");
    }

  /* A clean exit at the end, so that leak checkers see the real program. */
  crash_app_quit (app);
  crash_app_free (app);
  crash_round_clear (&r);

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
  g_autofree char *img = g_build_filename (crash_tmpdir, "train-img.nii.gz", NULL);
  g_autofree char *lab = g_build_filename (crash_tmpdir, "train-labels.nii.gz", NULL);
  g_autofree char *out = g_build_filename (crash_tmpdir, "model.safetensors", NULL);
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

      g_usleep ((gulong) (g_rand_double (crash_rng) * full_ms * 1000.0));
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
  crash_rng = g_rand_new_with_seed (seed);
  crash_tmpdir = g_dir_make_tmp ("pellucid-crash-XXXXXX", NULL);
  image_path = g_build_filename (crash_tmpdir, "scan.nii", NULL);
  saved_path = g_build_filename (crash_tmpdir, "labels.nii.gz", NULL);
  image = pl_volume_new (dim, NULL, NULL);
  for (gsize i = 0; i < N_VOXELS; i++)
    image->data[i] = (float) ((i * 7919) % 1000);
  pl_volume_update_stats (image);
  g_assert_true (pl_volume_save (image, image_path, &error));
  {
    /* GTK 4.8 leaks a GDateTime each time its recent-files list is trimmed
     * by age; the final clean exit is checked for leaks, so no age limit. */
    g_autofree char *gtk = g_build_filename (crash_tmpdir, "XDG_CONFIG_HOME", "gtk-4.0", NULL);
    g_autofree char *ini = g_build_filename (gtk, "settings.ini", NULL);
    g_mkdir_with_parents (gtk, 0700);
    g_assert_true (g_file_set_contents (ini, "[Settings]\ngtk-recent-files-max-age=-1\n", -1, NULL));
  }

  g_test_add_func ("/crash/app", test_app);
  g_test_add_func ("/crash/train", test_train);
  status = g_test_run ();

  pl_volume_free (image);
  g_rand_free (crash_rng);
  if (status == 0)
    synth_rmtree (crash_tmpdir);
  g_free (crash_tmpdir);
  return status;
}
