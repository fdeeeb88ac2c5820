/* The convolution kernels of conv-impl-body.h for AVX2 + FMA:
 * 8 lanes, 16 vector registers.  Compiled for that target function by
 * function, called only when the CPU has it (conv-kernels.c). */
#define G_LOG_DOMAIN "pl-conv"

#include "engine/kernels/conv-private.h"

#ifdef PL_CONV_X86

#include <immintrin.h>
#include <math.h>
#include <stddef.h>

#include "engine/core/gemm.h"

#if defined(__clang__)
#pragma clang attribute push (__attribute__ ((target ("avx2,fma,prfchw"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target ("avx2,fma,prfchw")
#endif

#define VL 8
#define VF __m256
#define SFX(name) name##_avx2
/* forward tile: 4 output channels × 3 vectors = 12 accumulators of 16 registers */
#define OB_MAX 4
#define PV_MAX 3
/* weight gradients: 3 dy planes × 3 taps (one tap row per pass); 1×1:
 * 4 dy planes × 2 channel blocks; few channels: 1 plane × 9 taps */
#define RED_OB_MAX 3
#define RED_TR 1
#define RED1_OB 4
#define RED1_CV 2
#define REDH_OB 1

static inline VF v_zero (void) { return _mm256_setzero_ps (); }
static inline VF v_set1 (float a) { return _mm256_set1_ps (a); }
static inline VF v_load (const float *p) { return _mm256_loadu_ps (p); }
static inline void v_store (float *p, VF v) { _mm256_storeu_ps (p, v); }
static inline VF v_bcast (const float *p) { return _mm256_broadcast_ss (p); }
static inline VF v_fma (VF a, VF b, VF c) { return _mm256_fmadd_ps (a, b, c); }
static inline VF v_add (VF a, VF b) { return _mm256_add_ps (a, b); }
static inline VF v_mul (VF a, VF b) { return _mm256_mul_ps (a, b); }
static inline VF v_sub (VF a, VF b) { return _mm256_sub_ps (a, b); }
static inline VF v_max (VF a, VF b) { return _mm256_max_ps (a, b); }

static inline float
v_hsum (VF v)
{
  __m128 s = _mm_add_ps (_mm256_castps256_ps128 (v), _mm256_extractf128_ps (v, 1));
  s = _mm_add_ps (s, _mm_movehl_ps (s, s));
  s = _mm_add_ss (s, _mm_movehdup_ps (s));
  return _mm_cvtss_f32 (s);
}

static inline __m256i
lane_mask (int n)
{
  return _mm256_cmpgt_epi32 (_mm256_set1_epi32 (n), _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7));
}

static inline VF
v_load_n (const float *p, int n)
{
  return _mm256_maskload_ps (p, lane_mask (n));
}

static inline void
v_store_n (float *p, VF v, int n)
{
  _mm256_maskstore_ps (p, lane_mask (n), v);
}

/* lo = a0 b0 a1 b1 a2 b2 a3 b3, hi = a4 b4 … a7 b7 */
static inline void
v_interleave (VF a, VF b, VF *lo, VF *hi)
{
  VF l = _mm256_unpacklo_ps (a, b), h = _mm256_unpackhi_ps (a, b);
  *lo = _mm256_permute2f128_ps (l, h, 0x20);
  *hi = _mm256_permute2f128_ps (l, h, 0x31);
}

/* even[j] = s[2j], odd[j] = s[2j + 1], j < 8 */
static inline void
v_deinterleave (const float *s, float *even, float *odd)
{
  VF a = _mm256_loadu_ps (s), b = _mm256_loadu_ps (s + 8);
  VF e = _mm256_shuffle_ps (a, b, _MM_SHUFFLE (2, 0, 2, 0));
  VF o = _mm256_shuffle_ps (a, b, _MM_SHUFFLE (3, 1, 3, 1));
  _mm256_storeu_ps (even, _mm256_castpd_ps (_mm256_permute4x64_pd (_mm256_castps_pd (e), 0xd8)));
  _mm256_storeu_ps (odd, _mm256_castpd_ps (_mm256_permute4x64_pd (_mm256_castps_pd (o), 0xd8)));
}

/* r[l] = column l of the 8 × 8 matrix whose rows were r[0..7] */
static inline void
v_transpose (VF r[8])
{
  VF t[8], u[8];
  for (int i = 0; i < 4; i++)
    {
      t[2 * i] = _mm256_unpacklo_ps (r[2 * i], r[2 * i + 1]);
      t[2 * i + 1] = _mm256_unpackhi_ps (r[2 * i], r[2 * i + 1]);
    }
  for (int i = 0; i < 2; i++)
    {
      u[4 * i + 0] = _mm256_shuffle_ps (t[4 * i], t[4 * i + 2], 0x44);
      u[4 * i + 1] = _mm256_shuffle_ps (t[4 * i], t[4 * i + 2], 0xee);
      u[4 * i + 2] = _mm256_shuffle_ps (t[4 * i + 1], t[4 * i + 3], 0x44);
      u[4 * i + 3] = _mm256_shuffle_ps (t[4 * i + 1], t[4 * i + 3], 0xee);
    }
  for (int k = 0; k < 4; k++)
    {
      r[k] = _mm256_permute2f128_ps (u[k], u[4 + k], 0x20);
      r[k + 4] = _mm256_permute2f128_ps (u[k], u[4 + k], 0x31);
    }
}

/* even[l], odd[l] = lanes 2l, 2l + 1 of a then b (a's lanes first) */
static inline void
v_deinterleave_r (VF a, VF b, VF *even, VF *odd)
{
  VF e = _mm256_shuffle_ps (a, b, _MM_SHUFFLE (2, 0, 2, 0));
  VF o = _mm256_shuffle_ps (a, b, _MM_SHUFFLE (3, 1, 3, 1));
  *even = _mm256_castpd_ps (_mm256_permute4x64_pd (_mm256_castps_pd (e), 0xd8));
  *odd = _mm256_castpd_ps (_mm256_permute4x64_pd (_mm256_castps_pd (o), 0xd8));
}

/* even[l] = s[2l], odd[l] = s[2l + 1], l < 8, as vectors */
static inline void
v_deinterleave_v (const float *s, VF *even, VF *odd)
{
  v_deinterleave_r (_mm256_loadu_ps (s), _mm256_loadu_ps (s + 8), even, odd);
}

/* row[s + l] where 0 ≤ s + l < w, else 0 (s may be negative: lanes outside
 * the row are not read) */
static inline VF
v_load_cols (const float *row, int s, int w)
{
  int lo = MAX (-s, 0), hi = MIN (w - s, 8);
  if (hi <= lo)
    return _mm256_setzero_ps ();
  const __m256i iota = _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7);
  __m256i m = _mm256_and_si256 (_mm256_cmpgt_epi32 (_mm256_set1_epi32 (hi), iota),
                                _mm256_cmpgt_epi32 (iota, _mm256_set1_epi32 (lo - 1)));
  return _mm256_maskload_ps ((const float *) ((const char *) row + (ptrdiff_t) s * (ptrdiff_t) sizeof (float)), m);
}

/* p[l·stride], l < 8 */
static inline VF
v_gather (const float *p, int stride)
{
  const __m256i iota = _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_i32gather_ps (p, _mm256_mullo_epi32 (iota, _mm256_set1_epi32 (stride)), 4);
}

#include "engine/kernels/conv-impl-body.h"

const PlConvImpl pl_conv_impl_avx2 = {
  conv2d_workspace_avx2, conv2d_forward_avx2, conv2d_backward_data_avx2,
  conv2d_backward_weights_avx2, convt_workspace_avx2, convt_forward_avx2,
  convt_backward_data_avx2, convt_backward_weights_avx2,
};

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#endif /* PL_CONV_X86 */
