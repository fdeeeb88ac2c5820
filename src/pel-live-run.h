/* pel-live-run.h: a long computation on a worker thread that the user
 * watches live — the machinery every panel's run is built on.
 *
 * A PelLiveRun runs a PelLiveFunc on a PelJob's thread.  The function gets
 * its task data and a PelLive handle, a plain struct (never a GObject):
 * through it the worker reports how far it is (units done of a total: steps,
 * slices), appends points to named series ("loss", "dice", "psnr", …),
 * publishes preview payloads (a float slice or map with its shape, a label
 * slice or volume, any boxed data with its free function; the newest of each
 * name wins) and status facts (one text per key).  Everything is written
 * under the run's own mutex and coalesced into the one low-priority idle of
 * the PelJob, which on the main thread turns it into:
 *
 *   properties  running, fraction, time-left (s, −1 unknown), rate (units
 *               per second over the last steps), done, total, message
 *   signals     ::series-points (name, points, n) — the new points of one
 *               series, in order; detailed by series name
 *               ::preview (payload) — the newest payload of a name;
 *               detailed by name
 *               ::status (key, text) — a status fact changed; detailed
 *               ::finished (error or NULL) — the run ended (NULL: it ended
 *               well or was stopped)
 *
 * Stop asks the worker to stop (pel_live_cancelled() turns TRUE, and the
 * PlProgress handed to the engine says so).  Continue is another start with
 * the same task data: the caller keeps it across runs (a trainer with its
 * step count and optimiser state), and series and `done` carry on;
 * pel_live_run_reset() clears them for a fresh start.
 *
 *   run = pel_live_run_new (_("Denoising"));
 *   g_object_bind_property (run, "fraction", bar, "fraction", G_BINDING_DEFAULT);
 *   g_signal_connect (run, "series-points::psnr", G_CALLBACK (on_psnr), self);
 *   g_signal_connect (run, "preview::image", G_CALLBACK (on_image), self);
 *   pel_live_run_start (run, denoise_func, task, NULL, on_done, self);
 *
 *   static gpointer
 *   denoise_func (gpointer data, PelLive *live, GError **error)
 *   {
 *     Task *t = data;
 *     for (int i = t->done; i < t->steps && !pel_live_cancelled (live); i++)
 *       {
 *         … one step …
 *         pel_live_progress (live, i + 1, t->steps);
 *         pel_live_append (live, "psnr", i + 1, psnr);
 *         if (i % 50 == 0)
 *           pel_live_publish_floats (live, "image", -1, copy, h, w);
 *       }
 *     return t;   // NULL with error set on failure
 *   }
 */
#pragma once

#include <gio/gio.h>

#include "engine/core/progress.h"
#include "src/pel-job.h"

G_BEGIN_DECLS

typedef struct
{
  double x;      /* step, iteration, slice: whatever the series counts in */
  double y;
} PelLivePoint;

typedef enum
{
  PEL_LIVE_FLOATS,   /* float data[shape[0] * shape[1] * shape[2]] */
  PEL_LIVE_LABELS,   /* guint16 data[…] */
  PEL_LIVE_BOXED,    /* anything, freed with its free function */
} PelLiveKind;

/* A published payload, owned by the run; valid during the ::preview
 * emission (take a reference with pel_live_payload_steal_data() or copy). */
typedef struct
{
  const char     *name;
  PelLiveKind     kind;
  gint64          shape[3];   /* slowest first: (depth, height, width); 1 for unused */
  gint64          index;      /* which slice or item it shows; −1 none */
  gpointer        data;
  GDestroyNotify  free_func;
} PelLivePayload;

/* The worker's handle: plain data, valid during the PelLiveFunc call. */
typedef struct _PelLive PelLive;

/* Runs on the worker thread.  Returns the result (freed with result_free if
 * nobody takes it) or NULL with error set. */
typedef gpointer (*PelLiveFunc) (gpointer   task_data,
                                 PelLive   *live,
                                 GError   **error);

#define PEL_TYPE_LIVE_RUN (pel_live_run_get_type ())
G_DECLARE_FINAL_TYPE (PelLiveRun, pel_live_run, PEL, LIVE_RUN, GObject)

/* ---- main thread ---- */

PelLiveRun         *pel_live_run_new          (const char          *title);
PelJob             *pel_live_run_get_job      (PelLiveRun          *self);
/* task_data is the caller's: it is not freed, so a Continue can pass it
 * again.  The callback gets the result with pel_live_run_finish(). */
void                pel_live_run_start        (PelLiveRun          *self,
                                               PelLiveFunc          func,
                                               gpointer             task_data,
                                               GDestroyNotify       result_free,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gpointer            pel_live_run_finish       (PelLiveRun          *self,
                                               GAsyncResult        *result,
                                               GError             **error);
void                pel_live_run_stop         (PelLiveRun          *self);
/* Forgets series, payloads, status and `done` (not while running). */
void                pel_live_run_reset        (PelLiveRun          *self);

gboolean            pel_live_run_get_running  (PelLiveRun          *self);
double              pel_live_run_get_fraction (PelLiveRun          *self);
double              pel_live_run_get_time_left (PelLiveRun         *self);
double              pel_live_run_get_rate     (PelLiveRun          *self);
gint64              pel_live_run_get_done     (PelLiveRun          *self);
gint64              pel_live_run_get_total    (PelLiveRun          *self);
const char         *pel_live_run_get_message  (PelLiveRun          *self);
/* Every point of a series so far (NULL, n = 0 when none). */
const PelLivePoint *pel_live_run_get_series   (PelLiveRun          *self,
                                               const char          *name,
                                               guint               *n);
/* The newest payload of a name, or NULL. */
const PelLivePayload *pel_live_run_get_payload (PelLiveRun         *self,
                                                const char         *name);
/* Takes the data out of a payload (the run no longer frees it). */
gpointer            pel_live_payload_steal_data (const PelLivePayload *payload);
const char         *pel_live_run_get_status   (PelLiveRun          *self,
                                               const char          *key);

/* "12 s", "3 min 05 s", "1 h 02 min": for labels bound to time-left. */
char               *pel_live_format_duration  (double               seconds);

/* ---- worker thread (through the handle only) ---- */

/* For the engine: fraction and message reports, and its stop request. */
const PlProgress   *pel_live_get_progress     (PelLive             *live);
gboolean            pel_live_cancelled        (PelLive             *live);
/* `done` of `total` units (steps, slices): fraction, rate and time left. */
void                pel_live_progress         (PelLive             *live,
                                               gint64               done,
                                               gint64               total);
void                pel_live_message          (PelLive             *live,
                                               const char          *message);
void                pel_live_append           (PelLive             *live,
                                               const char          *series,
                                               double               x,
                                               double               y);
/* Takes ownership of data. */
void                pel_live_publish          (PelLive             *live,
                                               const char          *name,
                                               PelLiveKind          kind,
                                               const gint64         shape[3],
                                               gint64               index,
                                               gpointer             data,
                                               GDestroyNotify       free_func);
void                pel_live_publish_floats   (PelLive             *live,
                                               const char          *name,
                                               gint64               index,
                                               float               *data,
                                               gint64               height,
                                               gint64               width);
void                pel_live_publish_labels   (PelLive             *live,
                                               const char          *name,
                                               gint64               index,
                                               guint16             *data,
                                               gint64               height,
                                               gint64               width);
void                pel_live_publish_boxed    (PelLive             *live,
                                               const char          *name,
                                               gpointer             data,
                                               GDestroyNotify       free_func);
/* NULL clears the fact. */
void                pel_live_status           (PelLive             *live,
                                               const char          *key,
                                               const char          *text);

G_END_DECLS
