/* The convolution kernels of conv-impl-body.h for AVX-512F:
 * 16 lanes, 32 vector registers.  Compiled for that target function by
 * function, called only when the CPU has it (conv-kernels.c). */
#define G_LOG_DOMAIN "pl-conv"

#include "engine/kernels/conv-private.h"

#ifdef PL_CONV_X86

/* GCC 12's AVX-512 intrinsics initialise their "undefined" operands from
 * themselves and warn (GCC bug 105593); nothing of ours is uninitialised. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <immintrin.h>
#include <math.h>
#include <stddef.h>

#include "engine/core/gemm.h"

#if defined(__clang__)
#pragma clang attribute push (__attribute__ ((target ("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma,prfchw"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target ("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma,prfchw")
#endif

#define VL 16
#define VF __m512
#define SFX(name) name##_avx512
/* forward tile: OB_MAX output channels × PV_MAX vectors of positions */
#define OB_MAX 8
#define PV_MAX 3
/* weight gradients, channel-blocked: 3 dy planes × 9 taps (3 tap rows at
 * once); 1×1: 6 dy planes × 4 channel blocks; few channels: 3 planes */
#define RED_OB_MAX 3
#define RED_TR 3
#define RED1_OB 6
#define RED1_CV 4
#define REDH_OB 3

static inline VF v_zero (void) { return _mm512_setzero_ps (); }
static inline VF v_set1 (float a) { return _mm512_set1_ps (a); }
static inline VF v_load (const float *p) { return _mm512_loadu_ps (p); }
static inline void v_store (float *p, VF v) { _mm512_storeu_ps (p, v); }
static inline VF v_bcast (const float *p) { return _mm512_set1_ps (*p); }
static inline VF v_fma (VF a, VF b, VF c) { return _mm512_fmadd_ps (a, b, c); }
static inline VF v_add (VF a, VF b) { return _mm512_add_ps (a, b); }
static inline VF v_mul (VF a, VF b) { return _mm512_mul_ps (a, b); }
static inline VF v_sub (VF a, VF b) { return _mm512_sub_ps (a, b); }
static inline VF v_max (VF a, VF b) { return _mm512_max_ps (a, b); }
static inline float v_hsum (VF v) { return _mm512_reduce_add_ps (v); }

static inline VF
v_load_n (const float *p, int n)
{
  return _mm512_maskz_loadu_ps ((__mmask16) ((1u << n) - 1), p);
}

static inline void
v_store_n (float *p, VF v, int n)
{
  _mm512_mask_storeu_ps (p, (__mmask16) ((1u << n) - 1), v);
}

/* lo = a0 b0 a1 b1 … a7 b7, hi = a8 b8 … a15 b15 */
static inline void
v_interleave (VF a, VF b, VF *lo, VF *hi)
{
  const __m512i il = _mm512_setr_epi32 (0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i ih = _mm512_setr_epi32 (8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  *lo = _mm512_permutex2var_ps (a, il, b);
  *hi = _mm512_permutex2var_ps (a, ih, b);
}

/* even[j] = s[2j], odd[j] = s[2j + 1], j < 16 */
static inline void
v_deinterleave (const float *s, float *even, float *odd)
{
  const __m512i ie = _mm512_setr_epi32 (0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i io = _mm512_setr_epi32 (1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  VF a = _mm512_loadu_ps (s), b = _mm512_loadu_ps (s + 16);
  _mm512_storeu_ps (even, _mm512_permutex2var_ps (a, ie, b));
  _mm512_storeu_ps (odd, _mm512_permutex2var_ps (a, io, b));
}

/* r[l] = column l of the 16 × 16 matrix whose rows were r[0..15] */
static inline void
v_transpose (VF r[16])
{
  VF t[16], u[16];
  for (int i = 0; i < 8; i++)
    {
      t[2 * i] = _mm512_unpacklo_ps (r[2 * i], r[2 * i + 1]);
      t[2 * i + 1] = _mm512_unpackhi_ps (r[2 * i], r[2 * i + 1]);
    }
  /* u[4i + k], 128-bit lane L: column 4L + k of rows 4i .. 4i + 3 */
  for (int i = 0; i < 4; i++)
    {
      u[4 * i + 0] = _mm512_shuffle_ps (t[4 * i], t[4 * i + 2], 0x44);
      u[4 * i + 1] = _mm512_shuffle_ps (t[4 * i], t[4 * i + 2], 0xee);
      u[4 * i + 2] = _mm512_shuffle_ps (t[4 * i + 1], t[4 * i + 3], 0x44);
      u[4 * i + 3] = _mm512_shuffle_ps (t[4 * i + 1], t[4 * i + 3], 0xee);
    }
  for (int k = 0; k < 4; k++)
    {
      VF a = _mm512_shuffle_f32x4 (u[k], u[4 + k], 0x88);
      VF b = _mm512_shuffle_f32x4 (u[k], u[4 + k], 0xdd);
      VF c = _mm512_shuffle_f32x4 (u[8 + k], u[12 + k], 0x88);
      VF d = _mm512_shuffle_f32x4 (u[8 + k], u[12 + k], 0xdd);
      r[k] = _mm512_shuffle_f32x4 (a, c, 0x88);
      r[k + 8] = _mm512_shuffle_f32x4 (a, c, 0xdd);
      r[k + 4] = _mm512_shuffle_f32x4 (b, d, 0x88);
      r[k + 12] = _mm512_shuffle_f32x4 (b, d, 0xdd);
    }
}

/* even[l], odd[l] = lanes 2l, 2l + 1 of a then b (a's lanes first) */
static inline void
v_deinterleave_r (VF a, VF b, VF *even, VF *odd)
{
  const __m512i ie = _mm512_setr_epi32 (0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i io = _mm512_setr_epi32 (1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  *even = _mm512_permutex2var_ps (a, ie, b);
  *odd = _mm512_permutex2var_ps (a, io, b);
}

/* even[l] = s[2l], odd[l] = s[2l + 1], l < 16, as vectors */
static inline void
v_deinterleave_v (const float *s, VF *even, VF *odd)
{
  v_deinterleave_r (_mm512_loadu_ps (s), _mm512_loadu_ps (s + 16), even, odd);
}

/* row[s + l] where 0 ≤ s + l < w, else 0 (s may be negative: lanes outside
 * the row are not read) */
static inline VF
v_load_cols (const float *row, int s, int w)
{
  int lo = MAX (-s, 0), hi = MIN (w - s, 16);
  if (hi <= lo)
    return _mm512_setzero_ps ();
  __mmask16 m = (__mmask16) ((0xffffu >> (16 - hi)) & (0xffffu << lo));
  return _mm512_maskz_loadu_ps (m, (const char *) row + (ptrdiff_t) s * (ptrdiff_t) sizeof (float));
}

/* p[l·stride], l < 16 */
static inline VF
v_gather (const float *p, int stride)
{
  const __m512i iota = _mm512_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  return _mm512_i32gather_ps (_mm512_mullo_epi32 (iota, _mm512_set1_epi32 (stride)), p, 4);
}

#include "engine/kernels/conv-impl-body.h"

const PlConvImpl pl_conv_impl_avx512 = {
  conv2d_workspace_avx512, conv2d_forward_avx512, conv2d_backward_data_avx512,
  conv2d_backward_weights_avx512, convt_workspace_avx512, convt_forward_avx512,
  convt_backward_data_avx512, convt_backward_weights_avx512,
};

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#endif /* PL_CONV_X86 */
