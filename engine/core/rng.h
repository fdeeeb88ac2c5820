/* rng.h: the engine's seeded generator (xoshiro256**, Blackman & Vigna 2018).
 *
 * Ours rather than GRand so that a seed gives the same numbers on every GLib
 * version: training, dropout masks, augmentation and initialisation draw from
 * it, and the same seed and thread count give bitwise-identical results.
 * The state is seeded from a 64-bit seed with splitmix64.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _PlRng
{
  guint64 s[4];
} PlRng;

void    pl_rng_init     (PlRng *rng, guint64 seed);
guint64 pl_rng_next     (PlRng *rng);
/* [0, 1) with 24 random bits (float) or 53 (double) */
float   pl_rng_uniform  (PlRng *rng);
double  pl_rng_uniform_double (PlRng *rng);
/* [lo, hi) */
float   pl_rng_range    (PlRng *rng, float lo, float hi);
/* 0..n-1 without modulo bias */
guint32 pl_rng_below    (PlRng *rng, guint32 n);
/* Standard normal (Box–Muller, one value per call). */
double  pl_rng_normal   (PlRng *rng);
/* An independent stream for a sub-task (jump-free: seeded from this one). */
void    pl_rng_split    (PlRng *rng, PlRng *child);

G_END_DECLS
