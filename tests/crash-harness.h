/* crash-harness.h: what the kill tests (test-crash.c, test-crash-cases.c)
 * share: the real program under test, driven through its test control
 * channel (src/pel-test-control.h), and what a test knows of the painting
 * it sent, to decide whether a label map is a snapshot of it.
 *
 * Each stroke is a line along voxel axis i on a row (j, k) that no other
 * stroke of the same image touches, painted with a brush of one voxel, so
 * any label map decodes into "strokes 1..m complete, stroke m+1 possibly
 * begun (a snapshot taken while it was being painted), nothing after". */
#pragma once

#include <gio/gio.h>

#include "engine/data/volume.h"

G_BEGIN_DECLS

/* Set by each test's main: the folder the program's XDG folders go in,
 * and the random source of strokes and moments. */
extern char  *crash_tmpdir;
extern GRand *crash_rng;

/* ---- the program under test -------------------------------------------- */

typedef struct
{
  GSubprocess *process;
  int          fd;          /* our end of the control socket */
  GString     *pending;     /* bytes read, not yet a whole line */
  gboolean     eof;
} CrashApp;

/* Starts PELLUCID_APP with these arguments (NULL-terminated), its XDG
 * folders in crash_tmpdir, no session bus, the control channel on fd 3. */
CrashApp *crash_app_start (const char *const *args);
void      crash_app_send  (CrashApp   *app,
                           const char *format,
                           ...) G_GNUC_PRINTF (2, 3);
/* The next event line, waiting up to timeout_ms (< 0: forever); NULL on
 * timeout or when the program closed the channel (app->eof). */
char     *crash_app_next  (CrashApp *app,
                           int       timeout_ms);
/* SIGKILL, and the check that the signal is what ended it. */
void      crash_app_kill  (CrashApp *app);
/* "quit", and the check of a clean exit (leak checkers see the program). */
void      crash_app_quit  (CrashApp *app);
void      crash_app_free  (CrashApp *app);
/* Every thread's stack, from gdb if it is installed, for the log. */
void      crash_app_dump_stacks (CrashApp *app);

/* ---- what the test knows of the painting of one image ------------------- */

typedef struct
{
  gint64  i0, i1, j, k;   /* voxels (i0..i1, j, k), painted from i0 */
  guint16 label;
} CrashStroke;

typedef struct
{
  const PlVolume *image;  /* its grid */
  gint64  *next_row;      /* rows (j, k) of this image are never reused */
  guint16 *base;          /* the label map this round started from */
  GArray  *strokes;       /* CrashStroke, in the order painted */
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
} CrashRound;

void     crash_round_init  (CrashRound     *r,
                            const PlVolume *image,
                            gint64         *next_row,
                            const guint16  *base);
void     crash_round_clear (CrashRound *r);
gsize    crash_round_n_voxels (const CrashRound *r);

/* Updates the round from one event of the program. */
void     crash_handle_event (CrashRound *r,
                             const char *line);
/* What the waiting functions below call with every event: by default
 * crash_handle_event; a test with several rounds at once routes them. */
typedef void (*CrashEventFunc) (CrashRound *r,
                                const char *line);
extern CrashEventFunc crash_event_func;
/* Handles events (crash_handle_event) until one starts with prefix. */
void     crash_wait_for     (CrashApp   *app,
                             CrashRound *r,
                             const char *prefix);
/* Handles events until the save in progress has ended.  Not "until the
 * next 'saved'": that event may already have been handled while waiting
 * for another one (a stroke's 'stroke-done' can come after it). */
void     crash_wait_save_ended (CrashApp   *app,
                                CrashRound *r);
/* Handles what has arrived, for up to ms milliseconds. */
void     crash_pump         (CrashApp   *app,
                             CrashRound *r,
                             int         ms);
/* Paints a new stroke on the axial view (label 1..7 by its row); with
 * finish, ends it and waits for its stroke-done. */
void     crash_paint_stroke (CrashApp   *app,
                             CrashRound *r,
                             gboolean    finish);
/* Whether labels is a snapshot of round r: the base everywhere but on
 * this round's strokes, strokes 1..m complete, stroke m+1 a begun prefix
 * or absent, later ones absent.  Returns m, or -1 with a reason. */
int      crash_decode       (const CrashRound *r,
                             const guint16    *labels,
                             char            **why);

/* The label map of a file on image's grid; a test failure naming the file
 * when it does not load. */
guint16 *crash_load_labels  (const char     *path,
                             const PlVolume *image);
char    *crash_sha1_of      (const guint16 *labels,
                             gsize          n_voxels);
/* The recovery label map the program would restore for an image, named
 * by the canonical path's SHA-1 in the program's state folder. */
char    *crash_recovery_labels_path (const char *image_path);
/* Sleeps a random part of the expected duration of what is running. */
void     crash_sleep_into   (double expected_ms);

G_END_DECLS
