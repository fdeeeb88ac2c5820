/* Bilinear ×2 upsampling and affine resampling (PyTorch's affine_grid +
 * grid_sample, align_corners = FALSE, zero padding). */
#define G_LOG_DOMAIN "pl-resample"

#include "engine/ops/ops.h"
#include "engine/ops/op-private.h"
#include "engine/ops/op-vec.h"
#include "engine/kernels/conv-private.h"

#include <math.h>
#include <string.h>

/* One axis of ×2 bilinear upsampling with align_corners = FALSE: output o
 * samples source s = (o + 0.5) / 2 - 0.5, clamped at 0 (as PyTorch's
 * upsample_bilinear2d). */
static void
upsample_axis (int n_in, int o, int *i0, int *i1, float *l1)
{
  float s = (o + 0.5f) * 0.5f - 0.5f;
  int a;

  if (s < 0.0f)
    s = 0.0f;
  a = (int) s;
  *i0 = a;
  *i1 = a + 1 < n_in ? a + 1 : a;
  *l1 = s - a;
}

/* Taps of every output row or column, computed once per call. */
typedef struct
{
  int   *i0, *i1;
  float *t;
} Axis;

static void
axis_taps (PlTape *tape, int n_in, Axis *a)
{
  int n = 2 * n_in;
  a->i0 = pl_tape_alloc (tape, n * sizeof (int));
  a->i1 = pl_tape_alloc (tape, n * sizeof (int));
  a->t = pl_tape_alloc (tape, n * sizeof (float));
  for (int o = 0; o < n; o++)
    upsample_axis (n_in, o, &a->i0[o], &a->i1[o], &a->t[o]);
}

/* Each output row blends two rows of the input interpolated along x first
 * (the same products and sums, in the same order, as blending four pixels:
 * the values are those of the direct formula), so the horizontal taps run
 * once per input row instead of once per output row.  `scratch`: one
 * input-height × output-width plane per thread. */
typedef struct
{
  const PlTensor *x, *y;
  float          *dx;
  gboolean        fresh;    /* dx holds nothing yet: each part zeroes its planes */
  Axis            rows, cols;
  gsize           planes;
  float          *scratch;
} UpJob;

static void
plane_range (int part, int n_parts, gsize planes, gsize *lo, gsize *hi)
{
  *lo = planes * part / n_parts;
  *hi = planes * (part + 1) / n_parts;
}

/* dst = wa a + wb b over n floats */
static void
blend (float *dst, const float *a, const float *b, float wa, float wb, int n)
{
  PlVec4 va = pl_vec4_set1 (wa), vb = pl_vec4_set1 (wb);
  int k = 0;
  for (; k + 4 <= n; k += 4)
    pl_vec4_store (dst + k, va * pl_vec4_load (a + k) + vb * pl_vec4_load (b + k));
  for (; k < n; k++)
    dst[k] = wa * a[k] + wb * b[k];
}

static void
upsample_part (int part, int n_parts, gpointer data)
{
  UpJob *j = data;
  const PlTensor *x = j->x;
  int oh = j->y->h, ow = j->y->w;
  float *hrows = j->scratch + (gsize) pl_conv_slot () * x->h * ow;
  gsize lo, hi;

  plane_range (part, n_parts, j->planes, &lo, &hi);
  for (gsize p = lo; p < hi; p++)
    {
      const float *xp = x->data + p * x->h * x->w;
      float *yp = j->y->data + p * oh * ow;
      for (int r = 0; r < x->h; r++)
        {
          const float *a = xp + (gsize) r * x->w;
          float *hr = hrows + (gsize) r * ow;
          for (int jj = 0; jj < ow; jj++)
            {
              float lc = j->cols.t[jj];
              hr[jj] = (1.0f - lc) * a[j->cols.i0[jj]] + lc * a[j->cols.i1[jj]];
            }
        }
      for (int i = 0; i < oh; i++)
        {
          float lr = j->rows.t[i];
          blend (yp + (gsize) i * ow, hrows + (gsize) j->rows.i0[i] * ow,
                 hrows + (gsize) j->rows.i1[i] * ow, 1.0f - lr, lr, ow);
        }
    }
}

static int
up_parts (gsize planes)
{
  return (int) MIN (planes, (gsize) PL_CONV_MAX_PARTS);
}

PlTensor *
pl_upsample2x (PlTape *tape, PlTensor *x)
{
  UpJob j = { 0 };
  PlTensor *y;

  g_return_val_if_fail (x != NULL, NULL);
  j.planes = (gsize) x->n * x->c;
  y = pl_tape_tensor (tape, x->n, x->c, 2 * x->h, 2 * x->w);
  j.x = x;
  j.y = y;
  axis_taps (tape, x->h, &j.rows);
  axis_taps (tape, x->w, &j.cols);
  j.scratch = pl_tape_scratch (tape, (gsize) pl_conv_threads () * x->h * y->w);
  pl_conv_parallel (up_parts (j.planes), pl_conv_threads (), upsample_part, &j);
  pl_tape_scratch_done (tape);
  pl_tape_record (tape, PL_OP_UPSAMPLE2X, y, 1, &x);
  return y;
}

/* Each output pixel's four terms in output order, as PyTorch's
 * upsample_bilinear2d_backward adds them: the same rounding (a conv bias
 * before batch norm has a zero true gradient, which both hold as rounding
 * noise that the fixtures compare).  Within one output row, input column
 * k (2 ≤ k < W − 2) receives exactly the terms of output columns 2k − 1 …
 * 2k + 2, in that order, so four such columns run as one vector; the
 * columns at the edges take the scalar loop, restricted to them. */
static void
scatter_row_scalar (float *dst, const float *g, const Axis *cols, float wr, int jj0, int jj1,
                    int k_lo, int k_hi)
{
  for (int jj = jj0; jj < jj1; jj++)
    {
      int c0 = cols->i0[jj], c1 = cols->i1[jj];
      float lc = cols->t[jj], v = g[jj];
      if (c0 >= k_lo && c0 < k_hi)
        dst[c0] += wr * (1.0f - lc) * v;
      if (c1 >= k_lo && c1 < k_hi)
        dst[c1] += wr * lc * v;
    }
}

/* dst (one input row of width w) += the row's terms of output row g
 * weighted by wr */
static void
scatter_row (float *dst, const float *g, const Axis *cols, float wr, int w)
{
  int k = 2, k_end = w - 2;

  if (w < 8)
    {
      scatter_row_scalar (dst, g, cols, wr, 0, 2 * w, 0, w);
      return;
    }
  /* columns 0, 1 from output columns 0 … 5 */
  scatter_row_scalar (dst, g, cols, wr, 0, 6, 0, 2);
  {
    /* interior: odd output columns have weight t[1], even ones t[2] */
    float w1 = wr * cols->t[1], w2 = wr * cols->t[2];
    float w3 = wr * (1.0f - cols->t[1]), w4 = wr * (1.0f - cols->t[2]);
    PlVec4 v1 = pl_vec4_set1 (w1), v2 = pl_vec4_set1 (w2);
    PlVec4 v3 = pl_vec4_set1 (w3), v4 = pl_vec4_set1 (w4);
    for (; k + 4 <= k_end; k += 4)
      {
        const float *p = g + 2 * k;
        PlVec4 a0 = pl_vec4_load (p - 2), a1 = pl_vec4_load (p + 2);
        PlVec4 b0 = pl_vec4_load (p), b1 = pl_vec4_load (p + 4);
        PlVec4 c1 = pl_vec4_load (p + 6);
        PlVec4 t1 = __builtin_shufflevector (a0, a1, 1, 3, 5, 7);   /* g[2k − 1 + 2l] */
        PlVec4 t2 = __builtin_shufflevector (b0, b1, 0, 2, 4, 6);   /* g[2k + 2l] */
        PlVec4 t3 = __builtin_shufflevector (b0, b1, 1, 3, 5, 7);   /* g[2k + 1 + 2l] */
        PlVec4 t4 = __builtin_shufflevector (a1, c1, 0, 2, 4, 6);   /* g[2k + 2 + 2l] */
        PlVec4 d = pl_vec4_load (dst + k);
        d = d + v1 * t1;
        d = d + v2 * t2;
        d = d + v3 * t3;
        d = d + v4 * t4;
        pl_vec4_store (dst + k, d);
      }
    for (; k < k_end; k++)
      {
        dst[k] += w1 * g[2 * k - 1];
        dst[k] += w2 * g[2 * k];
        dst[k] += w3 * g[2 * k + 1];
        dst[k] += w4 * g[2 * k + 2];
      }
  }
  /* columns w − 2, w − 1 from output columns 2w − 6 … 2w − 1 */
  scatter_row_scalar (dst, g, cols, wr, 2 * w - 6, 2 * w, w - 2, w);
}

static void
upsample_backward_part (int part, int n_parts, gpointer data)
{
  UpJob *j = data;
  const PlTensor *x = j->x, *y = j->y;
  gsize lo, hi;

  plane_range (part, n_parts, j->planes, &lo, &hi);
  for (gsize p = lo; p < hi; p++)
    {
      float *dxp = j->dx + p * x->h * x->w;
      const float *dyp = y->grad + p * y->h * y->w;
      if (j->fresh)
        memset (dxp, 0, (gsize) x->h * x->w * sizeof (float));
      for (int i = 0; i < y->h; i++)
        {
          float *a = dxp + (gsize) j->rows.i0[i] * x->w, *b = dxp + (gsize) j->rows.i1[i] * x->w;
          float lr = j->rows.t[i];
          const float *g = dyp + (gsize) i * y->w;
          if (a != b)
            {
              /* two rows: each element's terms keep their order */
              scatter_row (a, g, &j->cols, 1.0f - lr, x->w);
              scatter_row (b, g, &j->cols, lr, x->w);
              continue;
            }
          for (int jj = 0; jj < y->w; jj++)
            {
              int c0 = j->cols.i0[jj], c1 = j->cols.i1[jj];
              float lc = j->cols.t[jj], v = g[jj];
              a[c0] += (1.0f - lr) * (1.0f - lc) * v;
              a[c1] += (1.0f - lr) * lc * v;
              b[c0] += lr * (1.0f - lc) * v;
              b[c1] += lr * lc * v;
            }
        }
    }
}

void
pl_upsample2x_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  UpJob j = { 0 };

  j.x = node->in[0];
  j.y = node->out;
  j.planes = (gsize) j.x->n * j.x->c;
  j.dx = pl_tape_grad_for_write (tape, node->in[0], &j.fresh);
  if (!j.dx)
    return;
  axis_taps (tape, j.x->h, &j.rows);
  axis_taps (tape, j.x->w, &j.cols);
  pl_conv_parallel (up_parts (j.planes), pl_conv_threads (), upsample_backward_part, &j);
}

/* Source pixel coordinates of output pixel (i, j) of image n:
 * normalised output coords u = (2j + 1)/W - 1, v = (2i + 1)/H - 1;
 * (gx, gy) = theta · (u, v, 1); unnormalised ix = ((gx + 1) W - 1) / 2. */
static inline void
source_coords (const float *th, int h, int w, int i, int j, float *ix, float *iy)
{
  float u = (2.0f * j + 1.0f) / w - 1.0f;
  float v = (2.0f * i + 1.0f) / h - 1.0f;
  float gx = th[0] * u + th[1] * v + th[2];
  float gy = th[3] * u + th[4] * v + th[5];
  *ix = ((gx + 1.0f) * w - 1.0f) * 0.5f;
  *iy = ((gy + 1.0f) * h - 1.0f) * 0.5f;
}

/* Bilinear taps: (y0, x0) and weights for the four neighbours; taps outside
 * the image have weight 0 (zero padding). */
typedef struct
{
  int   idx[4];
  float wt[4];
} Taps;

static inline void
bilinear_taps (int h, int w, float ix, float iy, Taps *t)
{
  float fx = floorf (ix), fy = floorf (iy);
  int x0 = (int) fx, y0 = (int) fy;
  float ax = ix - fx, ay = iy - fy;
  int xs[4] = { x0, x0 + 1, x0, x0 + 1 };
  int ys[4] = { y0, y0, y0 + 1, y0 + 1 };
  float ws[4] = { (1 - ax) * (1 - ay), ax * (1 - ay), (1 - ax) * ay, ax * ay };

  for (int k = 0; k < 4; k++)
    {
      gboolean in = xs[k] >= 0 && xs[k] < w && ys[k] >= 0 && ys[k] < h;
      t->idx[k] = in ? ys[k] * w + xs[k] : 0;
      t->wt[k] = in ? ws[k] : 0.0f;
    }
}

static inline int
nearest_index (int h, int w, float ix, float iy)
{
  int x = (int) nearbyintf (ix), y = (int) nearbyintf (iy);
  if (!(ix > -1e9f && ix < 1e9f && iy > -1e9f && iy < 1e9f))
    return -1;
  return (x >= 0 && x < w && y >= 0 && y < h) ? y * w + x : -1;
}

PlTensor *
pl_resample (PlTape *tape, PlTensor *x, const float *theta, PlInterp interp)
{
  PlTensor *y;
  PlNode *node;
  int h, w;

  g_return_val_if_fail (x && theta, NULL);
  h = x->h;
  w = x->w;
  y = pl_tape_tensor (tape, x->n, x->c, h, w);
  for (int n = 0; n < x->n; n++)
    {
      const float *th = theta + 6 * n;
      for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++)
          {
            float ix, iy;
            gsize o = (gsize) i * w + j;
            source_coords (th, h, w, i, j, &ix, &iy);
            if (interp == PL_INTERP_NEAREST)
              {
                int k = nearest_index (h, w, ix, iy);
                for (int c = 0; c < x->c; c++)
                  {
                    gsize pl = ((gsize) n * x->c + c) * h * w;
                    y->data[pl + o] = k >= 0 ? x->data[pl + k] : 0.0f;
                  }
              }
            else
              {
                Taps t;
                bilinear_taps (h, w, ix, iy, &t);
                for (int c = 0; c < x->c; c++)
                  {
                    const float *xp = x->data + ((gsize) n * x->c + c) * h * w;
                    y->data[((gsize) n * x->c + c) * h * w + o] =
                      t.wt[0] * xp[t.idx[0]] + t.wt[1] * xp[t.idx[1]]
                      + t.wt[2] * xp[t.idx[2]] + t.wt[3] * xp[t.idx[3]];
                  }
              }
          }
    }
  node = pl_tape_record (tape, PL_OP_RESAMPLE, y, 1, &x);
  if (node)
    {
      float *th = pl_tape_alloc (tape, 6 * sizeof (float) * x->n);
      memcpy (th, theta, 6 * sizeof (float) * x->n);
      node->saved = th;
      node->iarg[0] = interp;
    }
  return y;
}

void
pl_resample_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *x = node->in[0], *y = node->out;
  float *dx = pl_tape_grad (tape, x);
  const float *theta = node->saved;
  int h = x->h, w = x->w;

  for (int n = 0; n < x->n; n++)
    {
      const float *th = theta + 6 * n;
      for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++)
          {
            float ix, iy;
            gsize o = (gsize) i * w + j;
            source_coords (th, h, w, i, j, &ix, &iy);
            if (node->iarg[0] == PL_INTERP_NEAREST)
              {
                int k = nearest_index (h, w, ix, iy);
                if (k < 0)
                  continue;
                for (int c = 0; c < x->c; c++)
                  {
                    gsize pl = ((gsize) n * x->c + c) * h * w;
                    dx[pl + k] += y->grad[pl + o];
                  }
              }
            else
              {
                Taps t;
                bilinear_taps (h, w, ix, iy, &t);
                for (int c = 0; c < x->c; c++)
                  {
                    gsize pl = ((gsize) n * x->c + c) * h * w;
                    float g = y->grad[pl + o];
                    for (int k = 0; k < 4; k++)
                      dx[pl + t.idx[k]] += t.wt[k] * g;
                  }
              }
          }
    }
}

void
pl_resample_labels (const gint32 *in, gint32 *out, int n, int h, int w,
                    const float *theta, gint32 fill)
{
  for (int b = 0; b < n; b++)
    for (int i = 0; i < h; i++)
      for (int j = 0; j < w; j++)
        {
          float ix, iy;
          int k;
          source_coords (theta + 6 * b, h, w, i, j, &ix, &iy);
          k = nearest_index (h, w, ix, iy);
          out[((gsize) b * h + i) * w + j] = k >= 0 ? in[(gsize) b * h * w + k] : fill;
        }
}
