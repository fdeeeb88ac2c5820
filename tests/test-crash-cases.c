/* No painted label of any case is lost when Pellucid is killed while it
 * works through a cohort.
 *
 * /crash/cases: starts the real program (PELLUCID_APP) on a folder of three
 * synthetic cases on different grids, paints strokes on the open case
 * through the test control channel (crash-harness.h), switches cases
 * (cases.go: the case left is saved to its NAME_seg.nii.gz, the next one
 * loads), proposes every case with a small model (cases.propose-with), and
 * kills it with SIGKILL at a random moment: while the case left is being
 * saved, while the next one loads, just after it arrived (painting and
 * autosaving), or while Propose All runs (painting and switching go on
 * meanwhile).  Before starting it again on the folder it checks that every
 * case's saved segmentation loads and is a snapshot of that case's painting
 * (or untouched this round); then it visits every case (accepting the
 * recovery the program offers) and checks that the labels the program holds
 * for it are a snapshot of its painting with every stroke up to its last
 * completed save or autosave.  Rounds chain: what the program gave back is
 * the next round's starting point.
 *
 * /crash/cases-bad-file: a cohort where one case's segmentation is not
 * NIfTI and another's image is cut short opens; a message names both
 * cases and their files, opening either says why it fails, and the bad
 * segmentation is left as it was.
 *
 * PELLUCID_CRASH_CASE_KILLS (default 24) and PELLUCID_CRASH_SEED choose how
 * many kills and which random moments; the seed is printed. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/data/labels.h"
#include "engine/data/volume.h"
#include "tests/crash-harness.h"
#include "tests/nifti-synth.h"
#include "tests/test-sanitizer.h"

#define N_CASES 3

static const gint64 grids[N_CASES][3] = { { 96, 64, 24 }, { 80, 64, 20 }, { 64, 80, 16 } };

typedef struct
{
  char      *name;
  char      *image_path;
  char      *seg_path;        /* NAME_seg.nii.gz: where switching saves it */
  PlVolume  *image;
  gint64     next_row;
  CrashRound r;
  guint16   *saved;           /* the segmentation file when the round began */
} Case;

typedef enum
{
  KILL_SWITCH_SAVE,   /* the case left is being saved */
  KILL_SWITCH_LOAD,   /* the next case is loading */
  KILL_ARRIVED,       /* painting the case just opened, autosaving */
  KILL_PROPOSE,       /* Propose All runs */
  KILL_ELSEWHERE,
  N_KILL_KINDS
} KillKind;

static Case cases[N_CASES];
static char *cohort_dir;
static char *model_path;

/* What the program said, routed to the case it concerns. */
static struct
{
  int        open;          /* the case in the window ("opened PATH"), -1 */
  int        autosaving;    /* the case whose autosave runs */
  gboolean   ready;
  gboolean   dirty;         /* the open case has unsaved painting */
  gboolean   switching;     /* cases.go sent, the next case not there yet */
  gboolean   proposing;     /* the Propose All run runs */
  gboolean   offered, restored;
  gboolean   autosave_begun;  /* an autosave started since the last stroke */
  gboolean   messages_fatal;
  char      *sha1;
  GPtrArray *messages;      /* "KIND TEXT" */
  gint64     t_go;
  double     load_ms;       /* from cases.go to "ready", the last switch */
} ev;

static int
case_of_path (const char *path,
              gboolean    seg)
{
  g_autofree char *a = g_canonicalize_filename (path, NULL);

  for (int c = 0; c < N_CASES; c++)
    {
      g_autofree char *b = g_canonicalize_filename (seg ? cases[c].seg_path : cases[c].image_path, NULL);
      if (g_strcmp0 (a, b) == 0)
        return c;
    }
  return -1;
}

static void
route_event (CrashRound *unused,
             const char *line)
{
  if (g_str_has_prefix (line, "stroke-done"))
    {
      g_assert_cmpint (ev.open, >=, 0);
      crash_handle_event (&cases[ev.open].r, line);
      ev.dirty = TRUE;
      ev.autosave_begun = FALSE;
    }
  else if (g_str_has_prefix (line, "autosave-started"))
    {
      g_assert_cmpint (ev.open, >=, 0);
      ev.autosaving = ev.open;
      ev.autosave_begun = TRUE;
      crash_handle_event (&cases[ev.open].r, line);
    }
  else if (g_str_has_prefix (line, "autosaved ") || g_str_has_prefix (line, "autosave-failed"))
    {
      g_assert_cmpint (ev.autosaving, >=, 0);
      crash_handle_event (&cases[ev.autosaving].r, line);
    }
  else if (g_str_has_prefix (line, "saved "))
    {
      /* "saved STATE PATH" */
      const char *path = strchr (line + strlen ("saved "), ' ');
      int c = path ? case_of_path (path + 1, TRUE) : -1;

      if (c < 0)
        g_error ("a save to a file of no case: %s", line);
      crash_handle_event (&cases[c].r, line);
      if (c == ev.open)
        ev.dirty = FALSE;
    }
  else if (g_str_has_prefix (line, "opened "))
    {
      ev.open = case_of_path (line + strlen ("opened "), FALSE);
      if (ev.messages_fatal)
        g_assert_cmpint (ev.open, >=, 0);
      ev.ready = ev.dirty = ev.switching = FALSE;
      ev.offered = ev.restored = FALSE;
    }
  else if (g_str_has_prefix (line, "ready"))
    {
      ev.ready = TRUE;
      if (ev.t_go > 0)
        ev.load_ms = (g_get_monotonic_time () - ev.t_go) / 1000.0;
      ev.t_go = 0;
    }
  else if (g_str_has_prefix (line, "recovery-offered"))
    ev.offered = TRUE;
  else if (g_str_has_prefix (line, "restored"))
    {
      ev.restored = TRUE;
      ev.dirty = TRUE;
    }
  else if (g_str_has_prefix (line, "labels-sha1 "))
    {
      g_free (ev.sha1);
      ev.sha1 = g_strdup (line + strlen ("labels-sha1 "));
    }
  else if (g_str_has_prefix (line, "notify run:cases running "))
    ev.proposing = g_str_has_suffix (line, " true");
  else if (g_str_has_prefix (line, "message "))
    {
      g_ptr_array_add (ev.messages, g_strdup (line + strlen ("message ")));
      if (ev.messages_fatal && g_str_has_prefix (line, "message error"))
        g_error ("the program showed an error: %s", line);
    }
  else if (g_str_has_prefix (line, "error"))
    g_error ("the program said: %s", line);
}

/* cases.go: the open case, dirty, is saved first (a save of the labels it
 * holds now, all strokes being done). */
static void
go (CrashApp *app,
    int       c)
{
  if (ev.dirty)
    {
      CrashRound *r = &cases[ev.open].r;
      r->save_started = r->n_done;
      if (r->first_save_started < 0)
        r->first_save_started = r->n_done;
      r->save_running = TRUE;
      r->t_save = g_get_monotonic_time ();
    }
  ev.switching = TRUE;
  ev.t_go = g_get_monotonic_time ();
  crash_app_send (app, "action cases.go %d", c);
  crash_wait_for (app, NULL, "activated cases.go");
}

/* Handles events until case c is open and the window ready. */
static void
wait_open (CrashApp *app,
           int       c)
{
  while (!(ev.open == c && ev.ready))
    crash_wait_for (app, NULL, "ready");
}

static CrashApp *
start (void)
{
  const char *args[] = { cohort_dir, NULL };
  CrashApp *app = crash_app_start (args);

  ev.open = ev.autosaving = -1;
  ev.ready = ev.dirty = ev.switching = ev.proposing = FALSE;
  ev.t_go = 0;
  crash_wait_for (app, NULL, "ready");
  crash_app_send (app, "action win.brush-diameter 1");
  crash_app_send (app, "set document autosave-interval-ms 150");
  crash_app_send (app, "watch run:cases running");
  crash_wait_for (app, NULL, "watching run:cases");
  return app;
}

static void
paint (CrashApp *app,
       int       n)
{
  for (int s = 0; s < n; s++)
    {
      crash_paint_stroke (app, &cases[ev.open].r, TRUE);
      crash_pump (app, NULL, g_rand_int_range (crash_rng, 0, 40));
    }
}

static KillKind
paint_and_kill (CrashApp *app,
                int       round_no)
{
  KillKind kind = (KillKind) (round_no % (N_KILL_KINDS - 1));
  int from = ev.open;
  int to = (from + g_rand_int_range (crash_rng, 1, N_CASES)) % N_CASES;

  paint (app, g_rand_int_range (crash_rng, 1, 4));
  switch (kind)
    {
    case KILL_SWITCH_SAVE:
      go (app, to);
      crash_sleep_into (cases[from].r.save_ms);
      break;
    case KILL_SWITCH_LOAD:
      go (app, to);
      crash_wait_save_ended (app, &cases[from].r);
      crash_sleep_into (MAX (ev.load_ms - cases[from].r.save_ms, 10.0));
      break;
    case KILL_ARRIVED:
      go (app, to);
      wait_open (app, to);
      paint (app, g_rand_int_range (crash_rng, 1, 3));
      if (g_rand_boolean (crash_rng))
        {
          /* (it may have begun while the stroke's end was awaited) */
          while (!ev.autosave_begun)
            crash_wait_for (app, NULL, "autosave-started");
          crash_sleep_into (cases[to].r.autosave_ms);
        }
      else
        crash_pump (app, NULL, g_rand_int_range (crash_rng, 0, 300));
      break;
    case KILL_PROPOSE:
    default:
      crash_app_send (app, "action cases.propose-with '%s'", model_path);
      crash_wait_for (app, NULL, "notify run:cases running true");
      if (g_rand_boolean (crash_rng))
        {
          /* painting and switching go on while it proposes */
          go (app, to);
          wait_open (app, to);
          paint (app, 1);
        }
      crash_pump (app, NULL, g_rand_int_range (crash_rng, 0, 300));
      break;
    }
  {
    gboolean proposing = ev.proposing;
    crash_app_kill (app);
    crash_pump (app, NULL, 1000);   /* everything it said before it died */
    if (proposing || ev.proposing)
      return KILL_PROPOSE;
  }
  if (ev.open >= 0 && cases[ev.open].r.save_running)
    return KILL_SWITCH_SAVE;
  for (int c = 0; c < N_CASES; c++)
    if (cases[c].r.save_running)
      return KILL_SWITCH_SAVE;
  if (ev.switching)
    return KILL_SWITCH_LOAD;
  if (kind == KILL_ARRIVED)
    return KILL_ARRIVED;
  return KILL_ELSEWHERE;
}

/* Each case's segmentation file after a kill: it loads, and it is the
 * one the round began with or a snapshot a save of this round took. */
static void
check_saved (Case *k)
{
  g_autofree guint16 *now = NULL;
  g_autofree char *why = NULL;
  gsize n = pl_volume_n_voxels (k->image);
  int m;

  if (!g_file_test (k->seg_path, G_FILE_TEST_EXISTS))
    {
      g_assert_null (k->saved);
      g_assert_cmpint (k->r.save_done, <, 0);
      return;
    }
  now = crash_load_labels (k->seg_path, k->image);
  if (k->saved != NULL && memcmp (now, k->saved, n * sizeof (guint16)) == 0 && k->r.save_done < 0)
    return;
  if (k->r.first_save_started < 0)
    g_error ("%s: its segmentation changed although it was not saved", k->name);
  m = crash_decode (&k->r, now, &why);
  if (m < 0)
    g_error ("%s: its segmentation is no snapshot of its painting: %s", k->name, why);
  if (m < MAX (k->r.save_done, k->r.first_save_started) || m > k->r.n_done)
    g_error ("%s: its segmentation holds %d strokes; %d were painted when its first save of this "
             "round was asked for, %d when the last completed one was", k->name, m,
             k->r.first_save_started, k->r.save_done);
}

/* Started again: visits every case, the open one first, and checks what
 * the program gives back.  Returns the new starting points. */
static CrashApp *
restart_and_visit (guint16 **back,
                   int      *offered,
                   int      *max_lost)
{
  CrashApp *app = start ();
  int order[N_CASES];

  order[0] = ev.open;
  for (int c = 0, n = 1; c < N_CASES; c++)
    if (c != ev.open)
      order[n++] = c;
  for (int v = 0; v < N_CASES; v++)
    {
      int c = order[v];
      Case *k = &cases[c];
      gsize n = pl_volume_n_voxels (k->image);
      int need = MAX (MAX (k->r.autosave_done, k->r.save_done), 0);
      g_autofree char *why = NULL;
      g_autofree char *expected = NULL;
      int m;

      if (c != ev.open)
        {
          go (app, c);
          wait_open (app, c);
        }
      if (ev.offered)
        {
          g_autofree char *path = crash_recovery_labels_path (k->image_path);
          (*offered)++;
          crash_app_send (app, "action win.recovery 'restore'");
          crash_wait_for (app, NULL, "restored");
          back[c] = crash_load_labels (path, k->image);
        }
      else if (g_file_test (k->seg_path, G_FILE_TEST_EXISTS))
        back[c] = crash_load_labels (k->seg_path, k->image);
      else
        back[c] = g_new0 (guint16, n);
      crash_app_send (app, "labels-sha1");
      crash_wait_for (app, NULL, "labels-sha1");
      expected = crash_sha1_of (back[c], n);
      if (g_strcmp0 (ev.sha1, expected) != 0)
        g_error ("%s: after %s, the program holds labels other than %s", k->name,
                 ev.offered ? "restoring the recovery" : "opening",
                 ev.offered ? "the recovery file" : "the saved segmentation");
      m = crash_decode (&k->r, back[c], &why);
      if (m < 0)
        g_error ("%s: the labels given back are no snapshot of its painting: %s", k->name, why);
      if (m < need)
        g_error ("%s: %d strokes were painted before its last completed %s, but only %d came back (%s)",
                 k->name, need, k->r.autosave_done >= k->r.save_done ? "autosave" : "save", m,
                 ev.offered ? "recovery restored" : "no recovery offered");
      *max_lost = MAX (*max_lost, k->r.n_done - m);
    }
  return app;
}

static void
begin_rounds (guint16 **base)
{
  for (int c = 0; c < N_CASES; c++)
    {
      Case *k = &cases[c];
      g_clear_pointer (&k->saved, g_free);
      if (g_file_test (k->seg_path, G_FILE_TEST_EXISTS))
        k->saved = crash_load_labels (k->seg_path, k->image);
      crash_round_init (&k->r, k->image, &k->next_row, base[c]);
    }
}

static int
n_kills (void)
{
  const char *s = g_getenv ("PELLUCID_CRASH_CASE_KILLS");
  return s ? atoi (s) : TEST_SIZE (24, 8);
}

static void
test_cases (void)
{
  int kills = n_kills (), kinds[N_KILL_KINDS] = { 0 }, offered = 0, max_lost = 0, strokes = 0;
  guint16 *base[N_CASES];
  CrashApp *app;

  for (int c = 0; c < N_CASES; c++)
    base[c] = g_new0 (guint16, pl_volume_n_voxels (cases[c].image));
  begin_rounds (base);
  for (int c = 0; c < N_CASES; c++)
    g_clear_pointer (&base[c], g_free);
  ev.messages_fatal = TRUE;
  app = start ();
  /* the first case not reviewed opens */
  g_assert_cmpint (ev.open, ==, 0);

  for (int k = 0; k < kills; k++)
    {
      KillKind landed = paint_and_kill (app, k);

      kinds[landed]++;
      crash_app_free (app);
      for (int c = 0; c < N_CASES; c++)
        {
          strokes += cases[c].r.strokes->len;
          check_saved (&cases[c]);
        }
      app = restart_and_visit (base, &offered, &max_lost);
      for (int c = 0; c < N_CASES; c++)
        crash_round_clear (&cases[c].r);
      begin_rounds (base);
      for (int c = 0; c < N_CASES; c++)
        g_clear_pointer (&base[c], g_free);
    }
  crash_app_quit (app);
  crash_app_free (app);
  for (int c = 0; c < N_CASES; c++)
    crash_round_clear (&cases[c].r);
  g_test_message ("%d kills (%d while the case left was being saved, %d while the next one loaded, "
                  "%d after it arrived, %d during Propose All, %d elsewhere), %d strokes on %d cases, "
                  "recovery offered and restored %d times, at most %d strokes of a case painted "
                  "after its last autosave or save", kills, kinds[KILL_SWITCH_SAVE],
                  kinds[KILL_SWITCH_LOAD], kinds[KILL_ARRIVED], kinds[KILL_PROPOSE],
                  kinds[KILL_ELSEWHERE], strokes, N_CASES, offered, max_lost);
}

/* ---- a cohort with bad files ---------------------------------------------- */

static gboolean
message_names (const char *kind,
               const char *a,
               const char *b)
{
  for (guint i = 0; i < ev.messages->len; i++)
    {
      const char *m = g_ptr_array_index (ev.messages, i);
      if (g_str_has_prefix (m, kind) && strstr (m, a) && (b == NULL || strstr (m, b)))
        return TRUE;
    }
  return FALSE;
}

static void
wait_message (CrashApp   *app,
              const char *kind,
              const char *a,
              const char *b)
{
  while (!message_names (kind, a, b))
    crash_wait_for (app, NULL, "message ");
}

static void
wait_ready (CrashApp *app)
{
  while (!ev.ready)
    crash_wait_for (app, NULL, "ready");
}

static void
test_bad_file (void)
{
  g_autofree char *dir = g_build_filename (crash_tmpdir, "bad-cohort", NULL);
  const char *names[] = { "a-good", "b-bad-seg", "c-cut-image" };
  g_autofree char *seg = g_build_filename (dir, "b-bad-seg_seg.nii.gz", NULL);
  g_autofree char *cut = g_build_filename (dir, "c-cut-image.nii", NULL);
  const char *garbage = "this is no NIfTI file\n";
  const char *args[] = { dir, NULL };
  g_autofree char *contents = NULL;
  gsize len;
  CrashApp *app;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *file = g_strconcat (names[i], ".nii", NULL);
      g_autofree char *path = g_build_filename (dir, file, NULL);
      g_assert_true (pl_volume_save (cases[i].image, path, NULL));
    }
  g_assert_true (g_file_set_contents (seg, garbage, -1, NULL));
  {
    /* half its voxels are missing */
    g_autofree char *whole = NULL;
    gsize n;
    g_assert_true (g_file_get_contents (cut, &whole, &n, NULL));
    g_assert_true (g_file_set_contents (cut, whole, (gssize) (n / 2), NULL));
  }

  ev.messages_fatal = FALSE;
  g_ptr_array_set_size (ev.messages, 0);
  ev.open = ev.autosaving = -1;
  ev.ready = FALSE;
  app = crash_app_start (args);
  /* the cohort opens on its first case; the list names both bad ones */
  wait_message (app, "warning", "b-bad-seg (", "b-bad-seg_seg.nii.gz");
  wait_message (app, "warning", "c-cut-image (", "c-cut-image.nii");
  g_test_message ("the cohort's message: %s", (const char *) g_ptr_array_index (ev.messages, ev.messages->len - 1));
  wait_ready (app);
  /* opening each one says why it fails */
  crash_app_send (app, "action cases.go 1");
  wait_message (app, "error", "b-bad-seg_seg.nii.gz", NULL);
  wait_ready (app);
  crash_app_send (app, "action cases.go 2");
  wait_message (app, "error", "c-cut-image.nii", NULL);
  crash_app_quit (app);
  crash_app_free (app);
  /* nothing was written over the bad segmentation */
  g_assert_true (g_file_get_contents (seg, &contents, &len, NULL));
  g_assert_cmpstr (contents, ==, garbage);
}

/* ---- the cohort ------------------------------------------------------------ */

static void
make_cohort (void)
{
  g_autofree char *labels_path = g_build_filename (crash_tmpdir, "model-labels.nii.gz", NULL);
  g_autoptr (PlLabels) l = NULL;
  g_autoptr (GError) error = NULL;

  cohort_dir = g_build_filename (crash_tmpdir, "cohort", NULL);
  g_assert_cmpint (g_mkdir_with_parents (cohort_dir, 0700), ==, 0);
  for (int c = 0; c < N_CASES; c++)
    {
      Case *k = &cases[c];
      g_autofree char *file = NULL;
      g_autofree char *seg = NULL;

      k->name = g_strdup_printf ("case%d", c);
      file = g_strconcat (k->name, ".nii", NULL);
      seg = g_strconcat (k->name, "_seg.nii.gz", NULL);
      k->image_path = g_build_filename (cohort_dir, file, NULL);
      k->seg_path = g_build_filename (cohort_dir, seg, NULL);
      k->image = pl_volume_new (grids[c], NULL, NULL);
      for (gsize i = 0; i < pl_volume_n_voxels (k->image); i++)
        k->image->data[i] = (float) ((i * (7919 + 104 * c)) % 1000);
      pl_volume_update_stats (k->image);
      g_assert_true (pl_volume_save (k->image, k->image_path, &error));
    }

  /* a small model for Propose All, from two painted slices of case0 */
  l = pl_labels_new (grids[0]);
  for (gsize i = 0; i < pl_labels_n_voxels (l); i++)
    {
      gint64 z = (gint64) (i / (gsize) (grids[0][0] * grids[0][1]));
      if (z == 4 || z == 12)
        l->data[i] = cases[0].image->data[i] > 500.0f ? 2 : 1;
    }
  g_assert_true (pl_labels_save (l, cases[0].image, labels_path, &error));
  model_path = g_build_filename (crash_tmpdir, "model.safetensors", NULL);
  {
    g_autoptr (GSubprocess) p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                                  &error, g_getenv ("PELLUCID_CLI"), "train", "--image",
                                                  cases[0].image_path, "--labels", labels_path, "--out", model_path,
                                                  "--preset", "small", "--steps", "2", "--batch", "2",
                                                  "--threads", "1", NULL);
    g_assert_no_error (error);
    g_assert_true (g_subprocess_wait_check (p, NULL, &error));
    g_assert_no_error (error);
  }
}

int
main (int argc, char **argv)
{
  const char *seed_env = g_getenv ("PELLUCID_CRASH_SEED");
  guint32 seed = seed_env ? (guint32) g_ascii_strtoull (seed_env, NULL, 10) : g_random_int ();
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_message ("PELLUCID_CRASH_SEED=%u", seed);
  crash_rng = g_rand_new_with_seed (seed);
  crash_tmpdir = g_dir_make_tmp ("pellucid-crash-cases-XXXXXX", NULL);
  crash_event_func = route_event;
  ev.messages = g_ptr_array_new_with_free_func (g_free);
  {
    /* GTK 4.8 leaks a GDateTime each time its recent-files list is trimmed
     * by age; the final clean exit is checked for leaks, so no age limit. */
    g_autofree char *gtk = g_build_filename (crash_tmpdir, "XDG_CONFIG_HOME", "gtk-4.0", NULL);
    g_autofree char *ini = g_build_filename (gtk, "settings.ini", NULL);
    g_mkdir_with_parents (gtk, 0700);
    g_assert_true (g_file_set_contents (ini, "[Settings]\ngtk-recent-files-max-age=-1\n", -1, NULL));
  }
  make_cohort ();

  g_test_add_func ("/crash/cases", test_cases);
  g_test_add_func ("/crash/cases-bad-file", test_bad_file);
  status = g_test_run ();

  for (int c = 0; c < N_CASES; c++)
    {
      g_free (cases[c].name);
      g_free (cases[c].image_path);
      g_free (cases[c].seg_path);
      g_free (cases[c].saved);
      pl_volume_free (cases[c].image);
    }
  g_ptr_array_unref (ev.messages);
  g_free (ev.sha1);
  g_free (model_path);
  g_free (cohort_dir);
  g_rand_free (crash_rng);
  if (status == 0)
    synth_rmtree (crash_tmpdir);
  g_free (crash_tmpdir);
  return status;
}
