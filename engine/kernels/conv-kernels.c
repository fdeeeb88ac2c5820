/* Convolution kernels: dispatch to the direct kernels of the best vector
 * path the CPU has (conv-impl-body.h), or the generic path kept here:
 * im2col + one GEMM per image through pl_gemm(). */
#define G_LOG_DOMAIN "pl-conv"

#include "engine/kernels/conv-kernels.h"

#include <string.h>

#include "engine/kernels/conv-private.h"
#include "engine/core/gemm.h"

/* col: (C*k*k, H*W) for one image x: (C, H, W) */
static void
im2col (const PlConvShape *s, const float *x, float *col)
{
  int pad = s->k / 2, hw = s->h * s->w;

  for (int c = 0; c < s->c; c++)
    for (int u = 0; u < s->k; u++)
      for (int v = 0; v < s->k; v++)
        {
          float *row = col + ((gsize) (c * s->k + u) * s->k + v) * hw;
          const float *xc = x + (gsize) c * hw;
          for (int i = 0; i < s->h; i++)
            {
              int ii = i + u - pad;
              float *r = row + (gsize) i * s->w;
              if (ii < 0 || ii >= s->h)
                {
                  memset (r, 0, sizeof (float) * s->w);
                  continue;
                }
              for (int j = 0; j < s->w; j++)
                {
                  int jj = j + v - pad;
                  r[j] = (jj >= 0 && jj < s->w) ? xc[(gsize) ii * s->w + jj] : 0.0f;
                }
            }
        }
}

/* dx: (C, H, W) += col2im (col: (C*k*k, H*W)) */
static void
col2im_add (const PlConvShape *s, const float *col, float *dx)
{
  int pad = s->k / 2, hw = s->h * s->w;

  for (int c = 0; c < s->c; c++)
    for (int u = 0; u < s->k; u++)
      for (int v = 0; v < s->k; v++)
        {
          const float *row = col + ((gsize) (c * s->k + u) * s->k + v) * hw;
          float *dxc = dx + (gsize) c * hw;
          for (int i = 0; i < s->h; i++)
            {
              int ii = i + u - pad;
              if (ii < 0 || ii >= s->h)
                continue;
              const float *r = row + (gsize) i * s->w;
              for (int j = 0; j < s->w; j++)
                {
                  int jj = j + v - pad;
                  if (jj >= 0 && jj < s->w)
                    dxc[(gsize) ii * s->w + jj] += r[j];
                }
            }
        }
}

static gsize
generic_conv2d_workspace_floats (const PlConvShape *s)
{
  return s->k == 1 ? 0 : (gsize) s->c * s->k * s->k * s->h * s->w;
}

static void
generic_conv2d_forward (const PlConvShape *s, const float *x, const float *w,
                   const float *b, float *y, gboolean accumulate, float *ws)
{
  int hw = s->h * s->w, kk = s->c * s->k * s->k;

  for (int n = 0; n < s->n; n++)
    {
      const float *xn = x + (gsize) n * s->c * hw;
      float *yn = y + (gsize) n * s->o * hw;
      const float *col = xn;
      if (s->k != 1)
        {
          im2col (s, xn, ws);
          col = ws;
        }
      pl_gemm (FALSE, FALSE, s->o, hw, kk, 1.0f, w, kk, col, hw,
               accumulate ? 1.0f : 0.0f, yn, hw);
      if (b)
        for (int o = 0; o < s->o; o++)
          for (int p = 0; p < hw; p++)
            yn[(gsize) o * hw + p] += b[o];
    }
}

static void
generic_conv2d_backward_data (const PlConvShape *s, const float *dy, const float *w,
                         float *dx, float *ws)
{
  int hw = s->h * s->w, kk = s->c * s->k * s->k;

  for (int n = 0; n < s->n; n++)
    {
      const float *dyn = dy + (gsize) n * s->o * hw;
      float *dxn = dx + (gsize) n * s->c * hw;
      if (s->k == 1)
        {
          pl_gemm (TRUE, FALSE, kk, hw, s->o, 1.0f, w, kk, dyn, hw, 1.0f, dxn, hw);
          continue;
        }
      pl_gemm (TRUE, FALSE, kk, hw, s->o, 1.0f, w, kk, dyn, hw, 0.0f, ws, hw);
      col2im_add (s, ws, dxn);
    }
}

static void
generic_conv2d_backward_weights (const PlConvShape *s, const float *x, const float *dy,
                            float *dw, float *db, float *ws)
{
  int hw = s->h * s->w, kk = s->c * s->k * s->k;

  for (int n = 0; n < s->n; n++)
    {
      const float *xn = x + (gsize) n * s->c * hw;
      const float *dyn = dy + (gsize) n * s->o * hw;
      const float *col = xn;
      if (s->k != 1)
        {
          im2col (s, xn, ws);
          col = ws;
        }
      pl_gemm (FALSE, TRUE, s->o, kk, hw, 1.0f, dyn, hw, col, hw, 1.0f, dw, kk);
      if (db)
        for (int o = 0; o < s->o; o++)
          {
            const float *r = dyn + (gsize) o * hw;
            float acc = 0.0f;
            for (int p = 0; p < hw; p++)
              acc += r[p];
            db[o] += acc;
          }
    }
}

static gsize
generic_convt2x2_workspace_floats (const PlConvShape *s)
{
  return (gsize) s->o * 4 * s->h * s->w;
}

/* ws: (O*4, H*W) with row (o*4 + u*2 + v) holding the tap (u, v) of channel o */
static void
generic_convt2x2_forward (const PlConvShape *s, const float *x, const float *w,
                     const float *b, float *y, gboolean accumulate, float *ws)
{
  int hw = s->h * s->w, o4 = s->o * 4, ow = 2 * s->w;

  for (int n = 0; n < s->n; n++)
    {
      const float *xn = x + (gsize) n * s->c * hw;
      float *yn = y + (gsize) n * s->o * 4 * hw;
      pl_gemm (TRUE, FALSE, o4, hw, s->c, 1.0f, w, o4, xn, hw, 0.0f, ws, hw);
      for (int o = 0; o < s->o; o++)
        for (int u = 0; u < 2; u++)
          for (int v = 0; v < 2; v++)
            {
              const float *t = ws + (gsize) (o * 4 + u * 2 + v) * hw;
              float bias = b ? b[o] : 0.0f;
              for (int i = 0; i < s->h; i++)
                for (int j = 0; j < s->w; j++)
                  {
                    float *out = &yn[((gsize) o * 2 * s->h + 2 * i + u) * ow + 2 * j + v];
                    float val = t[(gsize) i * s->w + j] + bias;
                    *out = accumulate ? *out + val : val;
                  }
            }
    }
}

static void
gather_taps (const PlConvShape *s, const float *dyn, float *ws)
{
  int hw = s->h * s->w, ow = 2 * s->w;

  for (int o = 0; o < s->o; o++)
    for (int u = 0; u < 2; u++)
      for (int v = 0; v < 2; v++)
        {
          float *t = ws + (gsize) (o * 4 + u * 2 + v) * hw;
          for (int i = 0; i < s->h; i++)
            for (int j = 0; j < s->w; j++)
              t[(gsize) i * s->w + j] = dyn[((gsize) o * 2 * s->h + 2 * i + u) * ow + 2 * j + v];
        }
}

static void
generic_convt2x2_backward_data (const PlConvShape *s, const float *dy, const float *w,
                           float *dx, float *ws)
{
  int hw = s->h * s->w, o4 = s->o * 4;

  for (int n = 0; n < s->n; n++)
    {
      gather_taps (s, dy + (gsize) n * o4 * hw, ws);
      pl_gemm (FALSE, FALSE, s->c, hw, o4, 1.0f, w, o4, ws, hw, 1.0f,
               dx + (gsize) n * s->c * hw, hw);
    }
}

static void
generic_convt2x2_backward_weights (const PlConvShape *s, const float *x, const float *dy,
                              float *dw, float *db, float *ws)
{
  int hw = s->h * s->w, o4 = s->o * 4;

  for (int n = 0; n < s->n; n++)
    {
      gather_taps (s, dy + (gsize) n * o4 * hw, ws);
      pl_gemm (FALSE, TRUE, s->c, o4, hw, 1.0f, x + (gsize) n * s->c * hw, hw, ws, hw,
               1.0f, dw, o4);
      if (db)
        for (int o = 0; o < s->o; o++)
          {
            float acc = 0.0f;
            for (int t = 0; t < 4 * hw; t++)
              acc += ws[(gsize) o * 4 * hw + t];
            db[o] += acc;
          }
    }
}


/* ---------------------------------------------------------------------- */
/* Path selection                                                         */

static const char *const isa_names[] = { "generic", "avx2", "avx512" };
static gint isa_current = -1;   /* PlConvIsa once chosen */

gboolean
pl_conv_isa_supported (PlConvIsa isa)
{
  switch (isa)
    {
    case PL_CONV_ISA_GENERIC:
      return TRUE;
#ifdef PL_CONV_X86
    case PL_CONV_ISA_AVX2:
      __builtin_cpu_init ();
      return __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma");
    case PL_CONV_ISA_AVX512:
      __builtin_cpu_init ();
      return __builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx512dq")
             && __builtin_cpu_supports ("avx512vl") && __builtin_cpu_supports ("avx512bw")
             && __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma");
#endif
    default:
      return FALSE;
    }
}

static PlConvIsa
isa_best (void)
{
  if (pl_conv_isa_supported (PL_CONV_ISA_AVX512))
    return PL_CONV_ISA_AVX512;
  if (pl_conv_isa_supported (PL_CONV_ISA_AVX2))
    return PL_CONV_ISA_AVX2;
  return PL_CONV_ISA_GENERIC;
}

const char *
pl_conv_isa_name (PlConvIsa isa)
{
  return (guint) isa < G_N_ELEMENTS (isa_names) ? isa_names[isa] : "unknown";
}

gboolean
pl_conv_set_isa (PlConvIsa isa)
{
  if (!pl_conv_isa_supported (isa))
    return FALSE;
  g_atomic_int_set (&isa_current, isa);
  return TRUE;
}

gboolean
pl_conv_set_isa_by_name (const char *name)
{
  g_return_val_if_fail (name != NULL, FALSE);
  if (g_str_equal (name, "auto"))
    return pl_conv_set_isa (isa_best ());
  for (guint i = 0; i < G_N_ELEMENTS (isa_names); i++)
    if (g_str_equal (name, isa_names[i]))
      return pl_conv_set_isa ((PlConvIsa) i);
  return FALSE;
}

PlConvIsa
pl_conv_get_isa (void)
{
  gint isa = g_atomic_int_get (&isa_current);
  if (isa < 0)
    {
      const char *env = g_getenv ("PELLUCID_CONV_ISA");
      if (!env || !pl_conv_set_isa_by_name (env))
        {
          if (env)
            g_message ("PELLUCID_CONV_ISA=%s is unknown or not supported here; using %s",
                       env, pl_conv_isa_name (isa_best ()));
          pl_conv_set_isa (isa_best ());
        }
      isa = g_atomic_int_get (&isa_current);
    }
  return (PlConvIsa) isa;
}

static gint algo_current = PL_CONV_ALGO_AUTO;

PlConvAlgo
pl_conv_get_algo (void)
{
  return (PlConvAlgo) g_atomic_int_get (&algo_current);
}

void
pl_conv_set_algo (PlConvAlgo algo)
{
  g_return_if_fail (algo >= PL_CONV_ALGO_AUTO && algo <= PL_CONV_ALGO_WINOGRAD);
  g_atomic_int_set (&algo_current, algo);
}

static const PlConvImpl *
current_impl (void)
{
  switch (pl_conv_get_isa ())
    {
#ifdef PL_CONV_X86
    case PL_CONV_ISA_AVX512:
      return &pl_conv_impl_avx512;
    case PL_CONV_ISA_AVX2:
      return &pl_conv_impl_avx2;
#endif
    default:
      return NULL;
    }
}

/* ---------------------------------------------------------------------- */
/* The public kernels                                                     */

gsize
pl_conv2d_workspace_floats (const PlConvShape *s)
{
  const PlConvImpl *impl = current_impl ();
  return impl ? impl->conv2d_workspace (s, pl_conv_threads ())
              : generic_conv2d_workspace_floats (s);
}

void
pl_conv2d_forward (const PlConvShape *s, const float *x, const float *w,
                   const float *b, float *y, gboolean accumulate, float *ws)
{
  const PlConvImpl *impl = current_impl ();
  if (impl)
    impl->conv2d_forward (s, x, w, b, y, accumulate, FALSE, ws);
  else
    generic_conv2d_forward (s, x, w, b, y, accumulate, ws);
}

void
pl_conv2d_forward_relu (const PlConvShape *s, const float *x, const float *w,
                        const float *b, float *y, gboolean accumulate, float *ws)
{
  const PlConvImpl *impl = current_impl ();
  if (impl)
    {
      impl->conv2d_forward (s, x, w, b, y, accumulate, TRUE, ws);
      return;
    }
  generic_conv2d_forward (s, x, w, b, y, accumulate, ws);
  gsize n = (gsize) s->n * s->o * s->h * s->w;
  for (gsize i = 0; i < n; i++)
    y[i] = y[i] < 0.0f ? 0.0f : y[i];     /* NaN stays NaN */
}

void
pl_conv2d_backward_data (const PlConvShape *s, const float *dy, const float *w,
                         float *dx, float *ws)
{
  const PlConvImpl *impl = current_impl ();
  if (impl)
    impl->conv2d_backward_data (s, dy, w, dx, TRUE, ws);
  else
    generic_conv2d_backward_data (s, dy, w, dx, ws);
}

void
pl_conv2d_backward_data_write (const PlConvShape *s, const float *dy, const float *w,
                               float *dx, float *ws)
{
  const PlConvImpl *impl = current_impl ();
  if (impl)
    {
      impl->conv2d_backward_data (s, dy, w, dx, FALSE, ws);
      return;
    }
  memset (dx, 0, (gsize) s->n * s->c * s->h * s->w * sizeof (float));
  generic_conv2d_backward_data (s, dy, w, dx, ws);
}

void
pl_conv2d_backward_weights (const PlConvShape *s, const float *x, const float *dy,
                            float *dw, float *db, float *ws)
{
  const PlConvImpl *impl = current_impl ();
  if (impl)
    impl->conv2d_backward_weights (s, x, dy, dw, db, ws);
  else
    generic_conv2d_backward_weights (s, x, dy, dw, db, ws);
}

gsize
pl_convt2x2_workspace_floats (const PlConvShape *s)
{
  const PlConvImpl *impl = current_impl ();
  return impl ? impl->convt_workspace (s, pl_conv_threads ())
              : generic_convt2x2_workspace_floats (s);
}

void
pl_convt2x2_forward (const PlConvShape *s, const float *x, const float *w,
                     const float *b, float *y, gboolean accumulate, float *ws)
{
  const PlConvImpl *impl = current_impl ();
  if (impl)
    impl->convt_forward (s, x, w, b, y, accumulate, ws);
  else
    generic_convt2x2_forward (s, x, w, b, y, accumulate, ws);
}

void
pl_convt2x2_backward_data (const PlConvShape *s, const float *dy, const float *w,
                           float *dx, float *ws)
{
  const PlConvImpl *impl = current_impl ();
  if (impl)
    impl->convt_backward_data (s, dy, w, dx, ws);
  else
    generic_convt2x2_backward_data (s, dy, w, dx, ws);
}

void
pl_convt2x2_backward_weights (const PlConvShape *s, const float *x, const float *dy,
                              float *dw, float *db, float *ws)
{
  const PlConvImpl *impl = current_impl ();
  if (impl)
    impl->convt_backward_weights (s, x, dy, dw, db, ws);
  else
    generic_convt2x2_backward_weights (s, x, dy, dw, db, ws);
}
