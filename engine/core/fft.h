/* fft.h: a small radix-2 complex FFT and real, even row filters built on it
 * (filtered back projection and the CT data term, engine/restore/ct.c,
 * engine/ops/radon.c). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* In place, n a power of 2; sign −1 forward, +1 inverse (unnormalised). */
void pl_fft          (double *re, double *im, int n, int sign);

/* Convolves each of `rows` rows of `n` floats with the filter whose DFT on
 * P ≥ 2n points is `response` (real and even: response[k] = response[P−k]),
 * the row zero-padded to P and cut back to n.  As a linear map of a row
 * this is its own transpose, so the same call applies the adjoint.
 * in and out may be the same. */
void pl_filter_rows  (const float  *in,
                      float        *out,
                      int           rows,
                      int           n,
                      const double *response,
                      int           P);

G_END_DECLS
