/* restore-common.h: helpers the restoration tasks share (not a public API).
 *
 * A network needs H and W multiples of 2^(depth−1); an image of another size
 * is padded by reflection (no artificial edge for the network to fit) into a
 * centred window, and the result cropped back.
 */
#pragma once

#include <glib.h>

#include "engine/core/rng.h"

G_BEGIN_DECLS

typedef struct
{
  int   h, w;        /* the image */
  int   wh, ww;      /* the window: multiples of `multiple`, ≥ the image */
  int   oy, ox;      /* image origin inside the window */
  gsize size;        /* wh × ww */
} PlRestoreWindow;

void pl_restore_window_init (PlRestoreWindow *win, int h, int w, int multiple);
/* dst: wh × ww, src: h × w */
void pl_restore_window_pad  (const PlRestoreWindow *win, const float *src, float *dst);
/* dst: h × w, src: wh × ww */
void pl_restore_window_crop (const PlRestoreWindow *win, const float *src, float *dst);

/* dst[i] = z[i] + sigma · N(0, 1) for i < n, drawn from streams seeded by
 * (pl_rng_next of a copy of rng, iteration, chunk), in parallel on the
 * engine's threads; the same for any thread count. */
void pl_restore_perturb     (float *dst, const float *z, gsize n, float sigma,
                             const PlRng *rng, guint64 iteration);

/* n standard-normal floats from rng (Box–Muller, both values of a pair). */
void pl_restore_fill_normal (float *dst, gsize n, float sigma, PlRng *rng);

G_END_DECLS
