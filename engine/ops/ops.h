/* ops.h: the operators, each a forward that records itself on the tape and a
 * backward (in the same file) that the tape calls.
 *
 * Every function allocates its output from the tape's arena and returns it;
 * shapes are checked with g_return_val_if_fail (a wrong shape is a programmer
 * error, not bad input).  Families and files:
 *
 *   conv.c        conv2d (k 1 or 3, zero padding k/2, bias), conv2d over a
 *                 channel concatenation of two inputs, convT 2×2 stride 2
 *   pool.c        max-pool 2×2
 *   resample.c    bilinear ×2 upsampling, affine resampling of a batch
 *   activation.c  ReLU (guided / deconvnet rules), LeakyReLU, sigmoid
 *   softmax.c     softmax over channels
 *   dropout.c     channel dropout
 *   norm.c        batch normalisation (batch statistics)
 *   arith.c       concat, add, mul, a·x+b, sum, mean
 *   transform.c   flips, 90° rotations
 *   radon.c       parallel-beam Radon transform (backward: its adjoint)
 *   crop.c        a window of an image batch
 *   attention.c   multi-head self-attention over positions, layer norm over
 *                 channels, 2-D sinusoidal position encoding
 *   loss-*.c      losses (loss.h)
 */
#pragma once

#include <glib.h>

#include "engine/core/rng.h"
#include "engine/ops/tape.h"

G_BEGIN_DECLS

/* x: (N, C, H, W)  w: (O, C, k, k)  b: (1, O, 1, 1) or NULL  → (N, O, H, W) */
PlTensor *pl_conv2d        (PlTape *tape, PlTensor *x, PlTensor *w, PlTensor *b);
/* The convolution of concat(xa, xb) along channels with the weight split as
 * wa: (O, Ca, k, k), wb: (O, Cb, k, k); computed as two accumulated
 * convolutions, never materialising the concatenation.  `xb_part` may hold
 * conv(xb, wb) + b precomputed (same shape as the output) to skip that half
 * (MC dropout: the skip half is the same in every pass); NULL otherwise. */
PlTensor *pl_conv2d_pair   (PlTape *tape, PlTensor *xa, PlTensor *xb,
                            PlTensor *wa, PlTensor *wb, PlTensor *b,
                            const PlTensor *xb_part);
/* relu (conv) in one pass over the output (the kernel's fused store); on the
 * tape a conv node and an in-place ReLU node, so ReLU rules still apply. */
PlTensor *pl_conv2d_relu   (PlTape *tape, PlTensor *x, PlTensor *w, PlTensor *b);
PlTensor *pl_conv2d_pair_relu (PlTape *tape, PlTensor *xa, PlTensor *xb,
                               PlTensor *wa, PlTensor *wb, PlTensor *b,
                               const PlTensor *xb_part);
/* x: (N, C, H, W)  w: (C, O, 2, 2)  b: (1, O, 1, 1) → (N, O, 2H, 2W) */
PlTensor *pl_convt2x2      (PlTape *tape, PlTensor *x, PlTensor *w, PlTensor *b);

/* (N, C, H, W) → (N, C, H/2, W/2); H and W even. */
PlTensor *pl_maxpool2x2    (PlTape *tape, PlTensor *x);
/* (N, C, H, W) → (N, C, 2H, 2W), bilinear, align_corners = FALSE. */
PlTensor *pl_upsample2x    (PlTape *tape, PlTensor *x);

typedef enum
{
  PL_INTERP_BILINEAR,
  PL_INTERP_NEAREST,
} PlInterp;

/* PyTorch's affine_grid + grid_sample with align_corners = FALSE and zero
 * padding: theta (N, 2, 3) maps normalised output coordinates (u along W,
 * v along H, in [-1, 1] at the pixel edges) to input ones.  x: (N, C, H, W)
 * → (N, C, H, W).  Backward with respect to x (not theta). */
PlTensor *pl_resample      (PlTape *tape, PlTensor *x, const float *theta,
                            PlInterp interp);
/* Nearest resampling of label images (N, H, W) with the same convention;
 * outside the input: `fill`. */
void      pl_resample_labels (const gint32 *in, gint32 *out, int n, int h, int w,
                              const float *theta, gint32 fill);

/* inplace: the output shares x's memory (x must have no other consumer);
 * the backward only needs the output's sign. */
PlTensor *pl_relu          (PlTape *tape, PlTensor *x, gboolean inplace);
PlTensor *pl_leaky_relu    (PlTape *tape, PlTensor *x, float slope);
PlTensor *pl_sigmoid       (PlTape *tape, PlTensor *x);
/* Softmax over C for each (n, h, w). */
PlTensor *pl_softmax       (PlTape *tape, PlTensor *x);

/* Channel dropout (Dropout2d): each (n, c) plane is zeroed with
 * probability p, kept ones scaled by 1/(1-p).  rng NULL or p = 0: identity
 * (returns x).  The mask comes from rng, so a seeded rng repeats it. */
PlTensor *pl_dropout_channels (PlTape *tape, PlTensor *x, float p, PlRng *rng);
/* The same mask, applied to x itself when the tape records no gradient
 * (inference; x must not be used unscaled afterwards), over the engine's
 * threads; with gradients on, pl_dropout_channels. */
PlTensor *pl_dropout_channels_inplace (PlTape *tape, PlTensor *x, float p, PlRng *rng);

/* Batch normalisation with the batch's statistics (biased variance):
 * y = gamma (x - mean_c) / sqrt(var_c + eps) + beta; gamma, beta: (1, C, 1, 1). */
PlTensor *pl_batchnorm     (PlTape *tape, PlTensor *x, PlTensor *gamma,
                            PlTensor *beta, float eps);
/* pl_relu (pl_batchnorm (x), TRUE) in one pass over the data, forward and
 * backward; the same values and the same two tape nodes (so that the ReLU's
 * backward rules still apply). */
PlTensor *pl_batchnorm_relu (PlTape *tape, PlTensor *x, PlTensor *gamma,
                             PlTensor *beta, float eps);

/* (N, Ca, H, W) ⊕ (N, Cb, H, W) → (N, Ca+Cb, H, W) */
PlTensor *pl_concat        (PlTape *tape, PlTensor *a, PlTensor *b);
PlTensor *pl_add           (PlTape *tape, PlTensor *a, PlTensor *b);
PlTensor *pl_mul           (PlTape *tape, PlTensor *a, PlTensor *b);
/* a·x + b elementwise with scalars a, b. */
PlTensor *pl_affine_scalar (PlTape *tape, PlTensor *x, float a, float b);
/* → (1, 1, 1, 1) */
PlTensor *pl_sum           (PlTape *tape, PlTensor *x);
PlTensor *pl_mean          (PlTape *tape, PlTensor *x);

/* Flip along H and/or W. */
PlTensor *pl_flip          (PlTape *tape, PlTensor *x, gboolean flip_h, gboolean flip_w);
/* k quarter turns in the (H, W) plane, as torch.rot90 (x, k, dims=(2, 3)). */
PlTensor *pl_rot90         (PlTape *tape, PlTensor *x, int k);

/* (N, C, H, W) → (N, C, h, w): rows oy…oy+h−1, columns ox…ox+w−1. */
PlTensor *pl_crop          (PlTape *tape, PlTensor *x, int oy, int ox, int h, int w);

/* Parallel-beam Radon transform (radon.c): x (N, 1, H, W) → sinogram
 * (N, 1, n_angles, n_det), angles a·π/n_angles, unit detector spacing,
 * line sums sampled at unit steps with bilinear interpolation.  Its backward
 * is the exact adjoint.  The image-level functions compute A x and add
 * Aᵀ y (for filtered back projection) without a tape. */
PlTensor *pl_radon         (PlTape *tape, PlTensor *x, int n_angles, int n_det);
void      pl_radon_forward_image (const float *img, int h, int w, int n_angles, int n_det,
                                  float *sino);
/* img += Aᵀ sino */
void      pl_radon_adjoint_image (const float *sino, int h, int w, int n_angles, int n_det,
                                  float *img);
/* Samples per ray: ⌈√2 · max (H, W)⌉ + 1 rounded up to even, so every ray
 * crosses the image and the samples sit at half-integer steps from its centre. */
int       pl_radon_ray_samples   (int h, int w);
/* x (N, C, H, W) → each row of W values filtered by pl_filter_rows
 * (engine/core/fft.h) with the real, even `response` on P ≥ 2W points,
 * which must stay valid until the tape is reset.  Linear and its own
 * adjoint, so the backward filters the gradient the same way (radon.c). */
PlTensor *pl_row_filter          (PlTape *tape, PlTensor *x, const double *response, int P);

/* Multi-head scaled dot-product attention (Vaswani et al. 2017) over the
 * P = H·W positions of each image: q, k, v (N, C, H, W), C a multiple of
 * heads, head h the channels h·d … (h+1)·d − 1 (d = C / heads);
 * out[:, i] = Σ_j softmax_j (q_i·k_j / √d) v_j per head → (N, C, H, W).
 * Keeps the N·heads·P² attention weights on the tape. */
PlTensor *pl_attention     (PlTape *tape, PlTensor *q, PlTensor *k, PlTensor *v, int heads);
/* Layer normalisation over channels at each (n, h, w) (biased variance):
 * y = gamma (x − mean) / sqrt (var + eps) + beta; gamma, beta: (1, C, 1, 1). */
PlTensor *pl_layer_norm    (PlTape *tape, PlTensor *x, PlTensor *gamma,
                            PlTensor *beta, float eps);
/* Fixed 2-D sinusoidal position encoding pe (c, h, w): channels 0 … c/2 − 1
 * encode the row y, the others the column x, each group as Vaswani et al.'s
 * 1-D code: channel 2i sin (t · 10000^(−2i/g)), channel 2i + 1 the cosine
 * (t the row or column, g the group's channel count). */
void      pl_position_encoding_2d (float *pe, int c, int h, int w);

G_END_DECLS
