/* conv-private.h: what the convolution kernel files share; not an API.
 *
 * conv-kernels.c dispatches each public kernel to a PlConvImpl: the direct
 * kernels of conv-impl-body.h compiled for AVX-512 (conv-avx512.c) or
 * AVX2 + FMA (conv-avx2.c), or its own im2col + pl_gemm() path.  The direct
 * kernels split work over the engine's threads with pl_conv_parallel().
 */
#pragma once

#include <glib.h>

#include "engine/kernels/conv-kernels.h"
#include "engine/core/gemm.h"

G_BEGIN_DECLS

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PL_CONV_X86 1
#endif

/* Runs fn (part, n_parts, data) for every part in [0, n_parts) on at most
 * n_threads threads: the caller and workers of a persistent pool claim parts
 * until none are left.  The partition is the caller's, so results do not
 * depend on scheduling.  During a part, pl_conv_slot() is the running
 * thread's index in [0, n_threads), for per-thread scratch.  If another
 * thread is using the pool, the parts run one after another on the caller.
 * n_parts ≤ 64. */
typedef void (*PlConvTaskFn) (int part, int n_parts, gpointer data);

void pl_conv_parallel (int n_parts, int n_threads, PlConvTaskFn fn, gpointer data);
int  pl_conv_slot     (void);

/* Threads the kernels use: pl_engine_get_threads(), at most 16 (so that up
 * to 4 parts per thread stay within the pool's 64 parts). */
#define PL_CONV_MAX_THREADS 16
#define PL_CONV_MAX_PARTS   64

static inline int
pl_conv_threads (void)
{
  return CLAMP (pl_engine_get_threads (), 1, PL_CONV_MAX_THREADS);
}

typedef struct
{
  gsize (*conv2d_workspace)  (const PlConvShape *s, int threads);
  void  (*conv2d_forward)    (const PlConvShape *s, const float *x, const float *w,
                              const float *b, float *y, gboolean accumulate, gboolean relu,
                              float *ws);
  void  (*conv2d_backward_data)    (const PlConvShape *s, const float *dy, const float *w,
                                    float *dx, gboolean accumulate, float *ws);
  void  (*conv2d_backward_weights) (const PlConvShape *s, const float *x, const float *dy,
                                    float *dw, float *db, float *ws);
  gsize (*convt_workspace)   (const PlConvShape *s, int threads);
  void  (*convt_forward)     (const PlConvShape *s, const float *x, const float *w,
                              const float *b, float *y, gboolean accumulate, float *ws);
  void  (*convt_backward_data)    (const PlConvShape *s, const float *dy, const float *w,
                                   float *dx, float *ws);
  void  (*convt_backward_weights) (const PlConvShape *s, const float *x, const float *dy,
                                   float *dw, float *db, float *ws);
} PlConvImpl;

#ifdef PL_CONV_X86
extern const PlConvImpl pl_conv_impl_avx512;
extern const PlConvImpl pl_conv_impl_avx2;
#endif

G_END_DECLS
