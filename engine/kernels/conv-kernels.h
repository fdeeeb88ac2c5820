/* conv-kernels.h: the convolution kernels under the conv operators.
 *
 * These are the raw loops the tape's conv operators call; they know nothing
 * of tensors or tapes.  Each has a fast version (used everywhere) and a
 * `_ref` version (plain loops, double accumulation) that tests compare
 * against.  Layouts follow PyTorch so that weights and fixtures match:
 *
 *   conv2d      x: (N, C, H, W)  w: (O, C, k, k)  b: (O)  y: (N, O, H, W)
 *               stride 1, zero padding k/2, k = 1 or 3
 *   convT 2×2   x: (N, C, H, W)  w: (C, O, 2, 2)  b: (O)  y: (N, O, 2H, 2W)
 *               stride 2 (every output pixel sees exactly one tap)
 *
 * Forward writes y (or adds into it when `accumulate` is TRUE, which lets a
 * convolution over concatenated inputs be computed as a sum of two).
 * pl_conv2d_forward_relu() is the same followed by y = max (y, 0) in the
 * same pass over y (after the accumulation); ReLU's backward needs only its
 * output, so the pre-activation need not exist.  Backward kernels ADD into
 * dx, dw and db (db may be NULL), except pl_conv2d_backward_data_write.  `ws` is scratch memory of at
 * least pl_conv2d_workspace_floats() floats (any alignment), owned by the
 * caller (the step's arena), so that no kernel allocates.
 *
 * The kernels run on pl_engine_set_threads() threads (a pool of their own,
 * not OpenBLAS's, on the AVX2 and AVX-512 paths).  Results are identical for
 * the same inputs, path, algorithm and thread count; forward and
 * input-gradient results do not depend on the thread count at all, weight and
 * bias gradients do (per-thread partial sums, added in thread order).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  int n, c, h, w;   /* input (N, C, H, W) */
  int o;            /* output channels */
  int k;            /* kernel size: 1 or 3 for conv2d, 2 for convT */
} PlConvShape;

gsize pl_conv2d_workspace_floats  (const PlConvShape *s);
void  pl_conv2d_forward           (const PlConvShape *s, const float *x, const float *w,
                                   const float *b, float *y, gboolean accumulate, float *ws);
void  pl_conv2d_forward_relu      (const PlConvShape *s, const float *x, const float *w,
                                   const float *b, float *y, gboolean accumulate, float *ws);
void  pl_conv2d_backward_data     (const PlConvShape *s, const float *dy, const float *w,
                                   float *dx, float *ws);
void  pl_conv2d_backward_weights  (const PlConvShape *s, const float *x, const float *dy,
                                   float *dw, float *db, float *ws);
/* pl_conv2d_backward_data into a dx that holds nothing yet: writes (=)
 * instead of adding, so the caller need not zero it. */
void  pl_conv2d_backward_data_write (const PlConvShape *s, const float *dy, const float *w,
                                     float *dx, float *ws);

gsize pl_convt2x2_workspace_floats (const PlConvShape *s);
void  pl_convt2x2_forward          (const PlConvShape *s, const float *x, const float *w,
                                    const float *b, float *y, gboolean accumulate, float *ws);
void  pl_convt2x2_backward_data    (const PlConvShape *s, const float *dy, const float *w,
                                    float *dx, float *ws);
void  pl_convt2x2_backward_weights (const PlConvShape *s, const float *x, const float *dy,
                                    float *dw, float *db, float *ws);

/* Kernel paths.  The fastest one the CPU supports is chosen on first use
 * (or from the environment variable PELLUCID_CONV_ISA = generic | avx2 |
 * avx512); tests and benchmarks force each in turn.  GENERIC is im2col +
 * pl_gemm() and runs anywhere.  The workspace size depends on the path and
 * on pl_engine_set_threads(): query it after setting both.  Not thread-safe:
 * set the path before convolutions run. */
typedef enum
{
  PL_CONV_ISA_GENERIC,
  PL_CONV_ISA_AVX2,
  PL_CONV_ISA_AVX512,
} PlConvIsa;

PlConvIsa    pl_conv_get_isa          (void);
gboolean     pl_conv_set_isa          (PlConvIsa isa);
gboolean     pl_conv_set_isa_by_name  (const char *name);
const char  *pl_conv_isa_name         (PlConvIsa isa);
gboolean     pl_conv_isa_supported    (PlConvIsa isa);

/* Algorithm for 3×3 convolutions on the AVX2 and AVX-512 paths: AUTO (the
 * default) uses Winograd F(2×2, 3×3) where it measured faster on unet2d-ref
 * (forward and input gradient: at least 32 channels in and out, 512
 * positions in the batch, and no fewer channels out than in unless the grid
 * has 512 positions or more; weight gradient: at least 32
 * channels in and out and a grid of 512; unet2d-ref and dip-ref), direct
 * loops otherwise; tests and benchmarks force either.  Winograd results
 * differ from direct ones by rounding only.
 * Set it before querying workspace sizes; not thread-safe. */
typedef enum
{
  PL_CONV_ALGO_AUTO,
  PL_CONV_ALGO_DIRECT,
  PL_CONV_ALGO_WINOGRAD,
} PlConvAlgo;

PlConvAlgo   pl_conv_get_algo         (void);
void         pl_conv_set_algo         (PlConvAlgo algo);

/* Reference loops: same contracts, no workspace. */
void  pl_conv2d_forward_ref           (const PlConvShape *s, const float *x, const float *w,
                                       const float *b, float *y, gboolean accumulate);
void  pl_conv2d_backward_data_ref     (const PlConvShape *s, const float *dy, const float *w,
                                       float *dx);
void  pl_conv2d_backward_weights_ref  (const PlConvShape *s, const float *x, const float *dy,
                                       float *dw, float *db);
void  pl_convt2x2_forward_ref         (const PlConvShape *s, const float *x, const float *w,
                                       const float *b, float *y, gboolean accumulate);
void  pl_convt2x2_backward_data_ref   (const PlConvShape *s, const float *dy, const float *w,
                                       float *dx);
void  pl_convt2x2_backward_weights_ref(const PlConvShape *s, const float *x, const float *dy,
                                       float *dw, float *db);

G_END_DECLS
