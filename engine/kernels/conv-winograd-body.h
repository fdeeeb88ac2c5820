/* conv-winograd-body.h: 3×3 convolutions as Winograd F(2×2, 3×3), written
 * once over a vector width; included by conv-impl-body.h.
 *
 * Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", CVPR
 * 2016, eq. (8): each 2×2 output tile is Y = Aᵀ [Σ_c U(o, c) ⊙ V(c)] A with
 * U = G g Gᵀ (the 3×3 weights, 4×4 after transform) and V = Bᵀ d B (the
 * 4×4 input patch at rows 2i−1 … 2i+2, columns 2j−1 … 2j+2).  The sum over c
 * is 16 independent products (O × C)(C × tiles), one per element ξ of the
 * 4×4 transform domain: 16 multiplications per 4 outputs instead of 36.
 * They run on the forward tile kernel (1×1, tiles in place of positions).
 *
 *   Bᵀ = | 1  0 −1  0 |   G = | 1    0    0  |   Aᵀ = | 1  1  1  0 |
 *        | 0  1  1  0 |       | ½    ½    ½  |        | 0  1 −1 −1 |
 *        | 0 −1  1  0 |       | ½   −½    ½  |
 *        | 0  1  0 −1 |       | 0    0    1  |
 *
 * Output (2i, 2j) uses only the patch rows and columns 0..2 (Aᵀ's first row
 * ends in 0), so patch elements past the bottom or right edge of an odd-sized
 * image reach only outputs that are dropped.  The input-gradient pass is the
 * same computation with the weights transposed and flipped.
 */

/* U[ξ][m][k] = (G g Gᵀ)[ξ] with g = the 3×3 weights from input channel k to
 * output channel m: w[m][k] (forward) or w[k][m] flipped (input gradient). */
typedef struct
{
  const float *w;
  int m_n, k_n;
  gboolean flip;
  float *u;
} SFX (WinoWeights);

/* t = G g, U = t Gᵀ for one pair (scalar: channel tails) */
static inline void
SFX (wino_weight_one) (const float g[3][3], float *dst, gsize plane)
{
  float t[4][3];
  for (int v = 0; v < 3; v++)
    {
      t[0][v] = g[0][v];
      t[1][v] = 0.5f * (g[0][v] + g[1][v] + g[2][v]);
      t[2][v] = 0.5f * (g[0][v] - g[1][v] + g[2][v]);
      t[3][v] = g[2][v];
    }
  for (int a = 0; a < 4; a++)
    {
      dst[(gsize) (a * 4 + 0) * plane] = t[a][0];
      dst[(gsize) (a * 4 + 1) * plane] = 0.5f * (t[a][0] + t[a][1] + t[a][2]);
      dst[(gsize) (a * 4 + 2) * plane] = 0.5f * (t[a][0] - t[a][1] + t[a][2]);
      dst[(gsize) (a * 4 + 3) * plane] = t[a][2];
    }
}

static void
SFX (wino_weights_part) (int part, int n_parts, gpointer data)
{
  const SFX (WinoWeights) *ww = data;
  int m0 = (int) ((gint64) part * ww->m_n / n_parts);
  int m1 = (int) ((gint64) (part + 1) * ww->m_n / n_parts);
  gsize plane = (gsize) ww->m_n * ww->k_n;
  /* consecutive k: 9 floats apart (w[m][k]) or m_n·9 (w[k][m]) */
  int k_stride = ww->flip ? ww->m_n * 9 : 9;
  VF half = v_set1 (0.5f);

  for (int m = m0; m < m1; m++)
    {
      int k = 0;
      for (; k + VL <= ww->k_n; k += VL)
        {
          const float *src = ww->flip ? ww->w + ((gsize) k * ww->m_n + m) * 9
                                      : ww->w + ((gsize) m * ww->k_n + k) * 9;
          VF g[3][3], t[4][3];
          for (int u = 0; u < 3; u++)
            for (int v = 0; v < 3; v++)
              g[u][v] = v_gather (src + (ww->flip ? (2 - u) * 3 + (2 - v) : u * 3 + v), k_stride);
          for (int v = 0; v < 3; v++)
            {
              t[0][v] = g[0][v];
              t[1][v] = v_mul (half, v_add (v_add (g[0][v], g[1][v]), g[2][v]));
              t[2][v] = v_mul (half, v_add (v_sub (g[0][v], g[1][v]), g[2][v]));
              t[3][v] = g[2][v];
            }
          float *dst = ww->u + (gsize) m * ww->k_n + k;
          for (int a = 0; a < 4; a++)
            {
              v_store (dst + (gsize) (a * 4 + 0) * plane, t[a][0]);
              v_store (dst + (gsize) (a * 4 + 1) * plane,
                       v_mul (half, v_add (v_add (t[a][0], t[a][1]), t[a][2])));
              v_store (dst + (gsize) (a * 4 + 2) * plane,
                       v_mul (half, v_add (v_sub (t[a][0], t[a][1]), t[a][2])));
              v_store (dst + (gsize) (a * 4 + 3) * plane, t[a][2]);
            }
        }
      for (; k < ww->k_n; k++)
        {
          float g[3][3];
          const float *src = ww->flip ? ww->w + ((gsize) k * ww->m_n + m) * 9
                                      : ww->w + ((gsize) m * ww->k_n + k) * 9;
          for (int u = 0; u < 3; u++)
            for (int v = 0; v < 3; v++)
              g[u][v] = ww->flip ? src[(2 - u) * 3 + (2 - v)] : src[u * 3 + v];
          SFX (wino_weight_one) (g, ww->u + (gsize) m * ww->k_n + k, plane);
        }
    }
}

typedef struct
{
  SFX (Geo) geo;            /* the image grid (n, h, w) */
  const float *in;          /* (N, c_in, h, w), read in place */
  int c_in;
  float *u;                 /* U[16][c_out][c_in], in the workspace */
  float *out;               /* (N, c_out, h, w) */
  int c_out;
  const float *bias;
  gboolean accumulate, relu;
  int th, tw;               /* tile rows per image, tiles per row */
  int n_bands, o_split, n_parts, n_threads;
  int max_trows;            /* tile rows in the largest band */
  gsize vps;                /* stride of a transformed plane (tiles) */
  float *ws;
  gsize ws_part, u_n;
} SFX (WinoProblem);

/* Patch row a of VL tiles from tj0: d[b][l] = column 2·(tj0 + l) − 1 + b
 * of the row, read in place (p = row + 2·tj0 − 1, all 2·VL + 2 columns
 * inside it) */
static inline __attribute__ ((always_inline)) void
SFX (wino_row_in) (const float *p, VF d[4])
{
  v_deinterleave_v (p, &d[0], &d[1]);
  v_deinterleave_v (p + 2, &d[2], &d[3]);
}

/* The same at the image's edges: columns outside [0, w) are zero (a row
 * outside the image is NULL).  Masked loads, not a padded copy: a copy read
 * back in vectors stalled on store forwarding. */
static inline __attribute__ ((always_inline)) void
SFX (wino_row_edge) (const float *row, int col0, int w, VF d[4])
{
  if (!row)
    {
      d[0] = d[1] = d[2] = d[3] = v_zero ();
      return;
    }
  v_deinterleave_r (v_load_cols (row, col0, w), v_load_cols (row, col0 + VL, w), &d[0], &d[1]);
  v_deinterleave_r (v_load_cols (row, col0 + 2, w), v_load_cols (row, col0 + 2 + VL, w),
                    &d[2], &d[3]);
}

/* d[a][b] = patch element (a, b) of VL tiles (from wino_row_*); writes
 * V[ξ][c][t0 + j], j < n ≤ VL.  Fully unrolled and inlined so that the
 * 4 × 4 patch stays in registers (a loop over it kept it on the stack: a
 * load and a store per element). */
static inline __attribute__ ((always_inline)) void
SFX (wino_input_tiles) (VF d[4][4], int n, float *vc, gsize vplane)
{
#pragma GCC unroll 4
  for (int b = 0; b < 4; b++)
    {
      VF r0 = v_sub (d[0][b], d[2][b]), r1 = v_add (d[1][b], d[2][b]);
      VF r2 = v_sub (d[2][b], d[1][b]), r3 = v_sub (d[1][b], d[3][b]);
      d[0][b] = r0;
      d[1][b] = r1;
      d[2][b] = r2;
      d[3][b] = r3;
    }
#pragma GCC unroll 4
  for (int a = 0; a < 4; a++)
    {
      VF v0 = v_sub (d[a][0], d[a][2]), v1 = v_add (d[a][1], d[a][2]);
      VF v2 = v_sub (d[a][2], d[a][1]), v3 = v_sub (d[a][1], d[a][3]);
      float *dst = vc + (gsize) (a * 4) * vplane;
      if (n == VL)
        {
          v_store (dst, v0);
          v_store (dst + vplane, v1);
          v_store (dst + 2 * vplane, v2);
          v_store (dst + 3 * vplane, v3);
        }
      else
        {
          v_store_n (dst, v0, n);
          v_store_n (dst + vplane, v1, n);
          v_store_n (dst + 2 * vplane, v2, n);
          v_store_n (dst + 3 * vplane, v3, n);
        }
    }
}

/* y[2l] = e[l], y[2l + 1] = o[l] for the first n floats of y, then
 * accumulate and ReLU as the forward store does */
static inline void
SFX (wino_store_row) (float *y, const float *e, const float *o, int n, gboolean accumulate,
                      gboolean relu)
{
  VF lo = v_set1 (relu ? 0.0f : -INFINITY);
  for (int f = 0; f < n; f += 2 * VL)
    {
      VF a, b;
      int left = n - f;
      v_interleave (v_load (e + f / 2), v_load (o + f / 2), &a, &b);
      if (left >= 2 * VL)
        {
          if (accumulate)
            {
              a = v_add (a, v_load (y + f));
              b = v_add (b, v_load (y + f + VL));
            }
          v_store (y + f, v_max (lo, a));
          v_store (y + f + VL, v_max (lo, b));
          continue;
        }
      int na = MIN (left, VL), nb = left - na;
      if (accumulate)
        a = v_add (a, v_load_n (y + f, na));
      v_store_n (y + f, v_max (lo, a), na);
      if (nb > 0)
        {
          if (accumulate)
            b = v_add (b, v_load_n (y + f + VL, nb));
          v_store_n (y + f + VL, v_max (lo, b), nb);
        }
    }
}

/* Output transform of the tile block [t0, t0 + tq) × output channels
 * [o0, o0 + ob_n) of band tile rows from G0, from stage[ξ][ob][tq], and the
 * store into (N, c_out, h, w). */
static void
SFX (wino_output) (const SFX (WinoProblem) *pb, int G0, int t_n, int t0, int o0, int ob_n,
                   const float *stage, int tq)
{
  const SFX (Geo) *geo = &pb->geo;
  int h = geo->h, w = geo->w, tw = pb->tw;
  float tmp[4][2 * VL];   /* rows read VL floats from any lane */

  for (int ob = 0; ob < ob_n; ob++)
    {
      int o = o0 + ob;
      VF bias = v_set1 (pb->bias ? pb->bias[o] : 0.0f);
      for (int p = 0; p * VL < tq && t0 + p * VL < t_n; p++)
        {
          VF m[16], s[2][4];
#pragma GCC unroll 16
          for (int x = 0; x < 16; x++)
            m[x] = v_load (stage + ((gsize) x * OB_MAX + ob) * tq + p * VL);
#pragma GCC unroll 4
          for (int b = 0; b < 4; b++)
            {
              s[0][b] = v_add (v_add (m[b], m[4 + b]), m[8 + b]);
              s[1][b] = v_sub (v_sub (m[4 + b], m[8 + b]), m[12 + b]);
            }
#pragma GCC unroll 2
          for (int a = 0; a < 2; a++)
            {
              v_store (tmp[2 * a], v_add (v_add (v_add (s[a][0], s[a][1]), s[a][2]), bias));
              v_store (tmp[2 * a + 1], v_add (v_sub (v_sub (s[a][1], s[a][2]), s[a][3]), bias));
            }
          /* tiles [ta, tb) of this vector, split by tile rows */
          int ta = t0 + p * VL, tb = MIN (ta + VL, t_n);
          for (int t = ta; t < tb;)
            {
              int k = t / tw, tj = t % tw, len = MIN (tb - t, tw - tj);
              int G = G0 + k, n = G / pb->th, ti = G % pb->th;
              int n_out = MIN (2 * (tj + len), w) - 2 * tj;
              int l = t - ta;
              for (int a = 0; a < 2 && 2 * ti + a < h; a++)
                {
                  float *y = pb->out + (((gsize) n * pb->c_out + o) * h + 2 * ti + a) * w + 2 * tj;
                  SFX (wino_store_row) (y, tmp[2 * a] + l, tmp[2 * a + 1] + l, n_out,
                                        pb->accumulate, pb->relu);
                }
              t += len;
            }
        }
    }
}

/* Prefetch for writing the output lines of tiles [t0, t1) of band tile rows
 * from G0, channels [o0, o0 + ob_n) (see fwd_prefetch_out). */
static void
SFX (wino_prefetch_out) (const SFX (WinoProblem) *pb, int G0, int t0, int t1, int o0, int ob_n)
{
  const SFX (Geo) *geo = &pb->geo;
  int h = geo->h, w = geo->w, tw = pb->tw;

  for (int t = t0; t < t1;)
    {
      int k = t / tw, tj = t % tw, len = MIN (t1 - t, tw - tj);
      int G = G0 + k, n = G / pb->th, ti = G % pb->th;
      int n_out = MIN (2 * (tj + len), w) - 2 * tj;
      for (int ob = 0; ob < ob_n; ob++)
        for (int a = 0; a < 2 && 2 * ti + a < h; a++)
          {
            const char *y = (const char *) (pb->out + (((gsize) n * pb->c_out + o0 + ob) * h
                                                       + 2 * ti + a) * w + 2 * tj);
            const char *end = y + (gsize) n_out * sizeof (float);
            for (const char *p = (const char *) ((guintptr) y & ~(guintptr) 63); p < end; p += 64)
              __asm__ volatile ("prefetchw %0" : : "m" (*p));
          }
      t += len;
    }
}

static void
SFX (wino_part) (int part, int n_parts, gpointer data)
{
  const SFX (WinoProblem) *pb = data;
  const SFX (Geo) *geo = &pb->geo;
  int h = geo->h, w = geo->w, tw = pb->tw;
  int n_trows = geo->n * pb->th;
  int o_part = part % pb->o_split, b_part = part / pb->o_split;
  int b_parts = pb->n_parts / pb->o_split;
  int band0 = (int) ((gint64) b_part * pb->n_bands / b_parts);
  int band1 = (int) ((gint64) (b_part + 1) * pb->n_bands / b_parts);
  int oa = (int) ((gint64) o_part * pb->c_out / pb->o_split);
  int oz = (int) ((gint64) (o_part + 1) * pb->c_out / pb->o_split);
  int tq = PV_MAX * VL;
  float *vb = pb->ws + pb->u_n + (gsize) pl_conv_slot () * pb->ws_part;
  float *stage = vb + (gsize) 16 * pb->c_in * pb->vps;
  gsize vplane = (gsize) pb->c_in * pb->vps;    /* between ξ */
  gsize hw = (gsize) h * w;

  for (int bi = band0; bi < band1; bi++)
    {
      int G0 = (int) ((gint64) bi * n_trows / pb->n_bands);
      int G1 = (int) ((gint64) (bi + 1) * n_trows / pb->n_bands);
      if (G1 <= G0)
        continue;
      int t_n = (G1 - G0) * tw;
      for (int c = 0; c < pb->c_in; c++)
        {
          float *vc = vb + (gsize) c * pb->vps;
          for (int k = 0; k < G1 - G0; k++)
            {
              int G = G0 + k, n = G / pb->th, ti = G % pb->th;
              const float *plane = pb->in + ((gsize) n * pb->c_in + c) * hw;
              const float *row[4];
              gboolean rows_in = TRUE;
              for (int a = 0; a < 4; a++)
                {
                  int r = 2 * ti - 1 + a;
                  row[a] = r >= 0 && r < h ? plane + (gsize) r * w : NULL;
                  rows_in = rows_in && row[a];
                }
              for (int tj0 = 0; tj0 < tw; tj0 += VL)
                {
                  int col0 = 2 * tj0 - 1, nt = MIN (VL, tw - tj0);
                  float *dst = vc + (gsize) k * tw + tj0;
                  VF d[4][4];
                  if (rows_in && col0 >= 0 && col0 + 2 * VL + 2 <= w)
                    {
#pragma GCC unroll 4
                      for (int a = 0; a < 4; a++)
                        SFX (wino_row_in) (row[a] + col0, d[a]);
                      SFX (wino_input_tiles) (d, VL, dst, vplane);
                      continue;
                    }
#pragma GCC unroll 4
                  for (int a = 0; a < 4; a++)
                    SFX (wino_row_edge) (row[a], col0, w, d[a]);
                  SFX (wino_input_tiles) (d, nt, dst, vplane);
                }
            }
          /* the last tile vector's lanes past the band: finite */
          gsize t_end = ((gsize) t_n + VL - 1) / VL * VL;
          for (int x = 0; x < 16; x++)
            memset (vc + (gsize) x * vplane + t_n, 0, (t_end - t_n) * sizeof (float));
        }

      /* No software prefetch of the next band's input: the transforms read
       * it row after row, which the hardware prefetcher follows; prefetching
       * it here cost 5–8 % of the pass (bench-conv --net dip --algo
       * winograd, one thread's CPU time). */
      for (int o0 = oa; o0 < oz; o0 += OB_MAX)
        {
          int ob_n = MIN (OB_MAX, oz - o0);
          for (int t0 = 0; t0 < t_n; t0 += tq)
            {
              SFX (wino_prefetch_out) (pb, G0, t0, MIN (t0 + tq, t_n), o0, ob_n);
              int pv = MIN (PV_MAX, (t_n - t0 + VL - 1) / VL);
              for (int x = 0; x < 16; x++)
                SFX (fwd1_kerns)[ob_n][pv - 1] (vb + (gsize) x * vplane + t0, pb->vps, 0,
                                          pb->u + ((gsize) x * pb->c_out + o0) * pb->c_in,
                                          pb->c_in, 1, pb->c_in,
                                          stage + (gsize) x * OB_MAX * tq, tq);
              SFX (wino_output) (pb, G0, t_n, t0, o0, ob_n, stage, tq);
            }
        }
    }
}

/* Transformed planes per band: V is 16·c_in planes of the band's tiles. */
#define WINO_BAND_FLOATS (160 * 1024)

static gsize
SFX (wino_plan) (SFX (WinoProblem) *pb, int n, int h, int w, int threads)
{
  int tq = PV_MAX * VL;

  pb->th = (h + 1) / 2;
  pb->tw = (w + 1) / 2;
  int n_trows = n * pb->th;
  int trows = (int) (WINO_BAND_FLOATS / ((gsize) 16 * MAX (pb->c_in, 1) * pb->tw));
  trows = MAX (trows, (tq + pb->tw - 1) / pb->tw);
  trows = CLAMP (trows, 1, n_trows);
  int n_bands = (n_trows + trows - 1) / trows;
  gsize t_total = (gsize) n_trows * pb->tw;

  SFX (plan_parts) (threads, n_trows, t_total, tq, &n_bands, &pb->n_parts, &pb->o_split);
  pb->n_threads = MAX (threads, 1);
  pb->n_bands = n_bands;
  pb->max_trows = (n_trows + n_bands - 1) / n_bands;
  /* image rows of a band: two per tile row, plus one when it starts at an
   * odd-sized image's end; geo_init adds the separators */
  SFX (geo_init) (&pb->geo, n, h, w, 1, 3 * VL, 2 * pb->max_trows + 1);
  pb->vps = ((gsize) pb->max_trows * pb->tw + tq + VL - 1) / VL * VL;
  pb->u_n = ((gsize) 16 * pb->c_out * pb->c_in + VL - 1) / VL * VL;
  /* U, then per thread: V and the 16 transform-domain tiles */
  pb->ws_part = (gsize) 16 * pb->c_in * pb->vps + (gsize) 16 * OB_MAX * tq;
  return pb->u_n + pb->ws_part * pb->n_threads + VL;
}

static void
SFX (wino_run) (SFX (WinoProblem) *pb, const float *w, gboolean flip, float *ws)
{
  SFX (WinoWeights) ww = { w, pb->c_out, pb->c_in, flip, NULL };

  pb->ws = (float *) (((guintptr) ws + VL * sizeof (float) - 1) & ~(guintptr) (VL * sizeof (float) - 1));
  pb->u = pb->ws;
  ww.u = pb->u;
  pl_conv_parallel (pb->n_threads, pb->n_threads, SFX (wino_weights_part), &ww);
  pl_conv_parallel (pb->n_parts, pb->n_threads, SFX (wino_part), pb);
}

/* Whether a 3×3 convolution with these channels and grid runs as Winograd.
 * The transform-domain products have K = c_in and the transforms cost
 * ∝ c_in + c_out per tile, the weight transform ∝ c_in·c_out per call:
 * measured on the layers of unet2d-ref and dip-ref (bench-conv --algo, one
 * thread's CPU time), Winograd is faster from 32 channels on both sides and
 * 512 positions in the batch, unless the output has fewer channels than the
 * input on a grid under 512 (unet2d-ref's enc4a input gradient, 256 → 128
 * on 11 × 13: 7.9 ms against 5.9 direct).  Since the transforms read their
 * input in place, fewer channels out than in pays on larger grids (dip-ref's
 * dec0a forward, 64 → 32 on 176 × 208: 8.2 against 10.1 ms; unet2d-ref's
 * dec1a forward, 64 → 32 on 88 × 104: 18.4 against 20.0 ms; their enc1a
 * and enc2a input gradients even). */
static gboolean
SFX (wino_use) (int c_in, int c_out, int n, int h, int w)
{
  switch (pl_conv_get_algo ())
    {
    case PL_CONV_ALGO_DIRECT:
      return FALSE;
    case PL_CONV_ALGO_WINOGRAD:
      return TRUE;
    default:
      return c_in >= WINO_MIN_C && c_out >= WINO_MIN_C && (gsize) n * h * w >= WINO_MIN_POSITIONS
             && (c_out >= c_in || h * w >= WINO_MIN_POSITIONS);
    }
}

/* ---------------------------------------------------------------------- */
/* Weight gradient                                                        */

/* With M = Σ_c U(o, c) ⊙ V(c) and Y = Aᵀ M A, the gradient of a tile's M is
 * dM = A dY Aᵀ, so dU(o, c) = Σ_tiles dM(o) ⊙ V(c) and dg = Gᵀ dU G: 16
 * reductions over tiles (O × tiles)(tiles × C) instead of 9 over 4·tiles.
 * V is built channel-blocked (VL channels per vector, from the blocked
 * band of the direct weight gradient) so that dU(o, c..c+VL−1) accumulates
 * as broadcast(dM(o, t)) · V(t) on the 1×1 reduction kernel. */

typedef struct
{
  SFX (Geo) geo;            /* channel-blocked padded band of x */
  const float *x, *dy;      /* (N, C, h, w), (N, O, h, w) */
  int c, o;
  float *dw, *db;
  int th, tw;
  gsize cp;                 /* C rounded up to VL */
  gsize vps;                /* tiles per transformed plane, padded */
  int n_bands, n_parts, max_trows;
  float *ws;
  gsize ws_part, part_off;  /* per part: band, V, dM, then dU partial and db */
} SFX (WinoRed);

/* dM[ξ][o][t0 + l] for the VL tiles from tj0 of one tile row, from the two
 * dy rows (zero past the image): a/b = row 2ti even/odd columns, c/d = row
 * 2ti + 1. */
static inline __attribute__ ((always_inline)) void
SFX (wino_dm_tiles) (VF a, VF b, VF c, VF d, int n, float *dm, gsize plane)
{
  /* P = A dY: rows (a, b), (a + c, b + d), (a − c, b − d), (−c, −d) */
  VF px[4] = { a, v_add (a, c), v_sub (a, c), v_sub (v_zero (), c) };
  VF py[4] = { b, v_add (b, d), v_sub (b, d), v_sub (v_zero (), d) };

#pragma GCC unroll 4
  for (int i = 0; i < 4; i++)
    {
      /* dM row i = P_i Aᵀ = (x, x + y, x − y, −y) */
      VF r[4] = { px[i], v_add (px[i], py[i]), v_sub (px[i], py[i]), v_sub (v_zero (), py[i]) };
#pragma GCC unroll 4
      for (int j = 0; j < 4; j++)
        {
          float *dst = dm + (gsize) (i * 4 + j) * plane;
          if (n == VL)
            v_store (dst, r[j]);
          else
            v_store_n (dst, r[j], n);
        }
    }
}

static void
SFX (wino_red_part) (int part, int n_parts, gpointer data)
{
  const SFX (WinoRed) *pb = data;
  const SFX (Geo) *geo = &pb->geo;
  int h = geo->h, w = geo->w, wp = geo->wp, tw = pb->tw;
  int n_trows = geo->n * pb->th;
  int band0 = (int) ((gint64) part * pb->n_bands / n_parts);
  int band1 = (int) ((gint64) (part + 1) * pb->n_bands / n_parts);
  int n_cb = (int) (pb->cp / VL);
  float *base = pb->ws + (gsize) part * pb->ws_part;
  float *xb = base;                                          /* n_cb blocks of ps·VL */
  float *vb = xb + (gsize) n_cb * geo->ps * VL;              /* [ξ][cb][vps][VL] */
  float *dmb = vb + (gsize) 16 * n_cb * pb->vps * VL;        /* [ξ][o][vps] */
  float *dup = base + pb->part_off;                          /* [ξ][o][cp] */
  double *dbp = (double *) (dup + (gsize) 16 * pb->o * pb->cp);
  gsize vblk = pb->vps * VL;                                 /* between c-blocks */
  gsize vxi = (gsize) n_cb * vblk;                           /* between ξ */
  gsize dmxi = (gsize) pb->o * pb->vps;

  memset (dup, 0, (gsize) 16 * pb->o * pb->cp * sizeof (float));
  memset (dbp, 0, (gsize) pb->o * sizeof (double));
  for (int bi = band0; bi < band1; bi++)
    {
      int G0 = (int) ((gint64) bi * n_trows / pb->n_bands);
      int G1 = (int) ((gint64) (bi + 1) * n_trows / pb->n_bands);
      if (G1 <= G0)
        continue;
      int n0 = G0 / pb->th, nl = (G1 - 1) / pb->th, til = (G1 - 1) % pb->th;
      int g0 = n0 * h + 2 * (G0 % pb->th), g1 = nl * h + MIN (2 * til + 2, h);
      int t_n = (G1 - G0) * tw;
      SFX (Band) bd;
      SFX (band_init) (geo, &bd, g0, g1);
      if (pb->db)
        {
          SFX (RedProblem) rp = { .geo = *geo, .a_src = pb->dy, .a_n = pb->o,
                                  .a_kind = SFX (IN_PLANES) };
          SFX (red_bias) (&rp, &bd, dbp);
        }

      /* V from the channel-blocked band: each patch element is a vector of
       * VL channels */
      SFX (band_fill_blocked) (geo, &bd, pb->x, pb->c, (gsize) pb->c * h * w, xb);
      for (int cb = 0; cb < n_cb; cb++)
        {
          const float *x0 = xb + (gsize) cb * geo->ps * VL + (gsize) geo->lead * VL;
          for (int k = 0; k < G1 - G0; k++)
            {
              int G = G0 + k, n = G / pb->th, ti = G % pb->th;
              int r0 = (n * h + 2 * ti - g0) + (n - n0);
              for (int tj = 0; tj < tw; tj++)
                {
                  const float *p = x0 + ((ptrdiff_t) (r0 - 1) * wp + 2 * tj - 1) * VL;
                  VF d[4][4];
#pragma GCC unroll 4
                  for (int a = 0; a < 4; a++)
#pragma GCC unroll 4
                    for (int b = 0; b < 4; b++)
                      d[a][b] = v_load (p + ((ptrdiff_t) a * wp + b) * VL);
#pragma GCC unroll 4
                  for (int b = 0; b < 4; b++)
                    {
                      VF r0v = v_sub (d[0][b], d[2][b]), r1v = v_add (d[1][b], d[2][b]);
                      VF r2v = v_sub (d[2][b], d[1][b]), r3v = v_sub (d[1][b], d[3][b]);
                      d[0][b] = r0v;
                      d[1][b] = r1v;
                      d[2][b] = r2v;
                      d[3][b] = r3v;
                    }
                  float *dst = vb + (gsize) cb * vblk + ((gsize) k * tw + tj) * VL;
#pragma GCC unroll 4
                  for (int a = 0; a < 4; a++)
                    {
                      v_store (dst + (gsize) (a * 4 + 0) * vxi, v_sub (d[a][0], d[a][2]));
                      v_store (dst + (gsize) (a * 4 + 1) * vxi, v_add (d[a][1], d[a][2]));
                      v_store (dst + (gsize) (a * 4 + 2) * vxi, v_sub (d[a][2], d[a][1]));
                      v_store (dst + (gsize) (a * 4 + 3) * vxi, v_sub (d[a][1], d[a][3]));
                    }
                }
            }
        }

      /* dM from dy's rows 2ti, 2ti + 1, read in place (zeros past the
       * image: masked loads in the last vector, a zero row past the end) */
      for (int o = 0; o < pb->o; o++)
        for (int k = 0; k < G1 - G0; k++)
          {
            int G = G0 + k, n = G / pb->th, ti = G % pb->th;
            const float *r0 = pb->dy + (((gsize) n * pb->o + o) * h + 2 * ti) * w;
            const float *r1 = 2 * ti + 1 < h ? r0 + w : NULL;
            for (int tj0 = 0; tj0 < tw; tj0 += VL)
              {
                VF a, b, c = v_zero (), d = v_zero ();
                int col = 2 * tj0;
                if (col + 2 * VL <= w)
                  {
                    v_deinterleave_v (r0 + col, &a, &b);
                    if (r1)
                      v_deinterleave_v (r1 + col, &c, &d);
                  }
                else
                  {
                    v_deinterleave_r (v_load_cols (r0, col, w), v_load_cols (r0, col + VL, w), &a, &b);
                    if (r1)
                      v_deinterleave_r (v_load_cols (r1, col, w), v_load_cols (r1, col + VL, w),
                                        &c, &d);
                  }
                SFX (wino_dm_tiles) (a, b, c, d, MIN (VL, tw - tj0),
                                     dmb + (gsize) o * pb->vps + (gsize) k * tw + tj0, dmxi);
              }
          }

      /* dU[ξ][o][c..] += Σ_t dM[ξ][o][t] · V[ξ][c..][t] */
      for (int x = 0; x < 16; x++)
        for (int cb = 0; cb < n_cb; cb += RED1_CV)
          for (int o0 = 0; o0 < pb->o; o0 += RED1_OB)
            {
              int ob = MIN (RED1_OB, pb->o - o0), cv = MIN (RED1_CV, n_cb - cb);
              gsize aoff[RED1_OB];
              SFX (Seg) seg = { dmb + (gsize) x * dmxi, 0 };
              for (int k = 0; k < ob; k++)
                aoff[k] = (gsize) (o0 + k) * pb->vps;
              SFX (redb1_kerns)[ob][cv] (&seg, 1, t_n, aoff, 1, vb + (gsize) x * vxi + cb * vblk,
                                         vblk, dup + ((gsize) x * pb->o + o0) * pb->cp + cb * VL,
                                         pb->cp);
            }
    }
}

/* dw[o][c] += Gᵀ (Σ_part dU[ξ][o][c]) G, split over o */
static void
SFX (wino_red_sum) (int part, int n_parts, gpointer data)
{
  const SFX (WinoRed) *pb = data;
  int o0 = (int) ((gint64) part * pb->o / n_parts), o1 = (int) ((gint64) (part + 1) * pb->o / n_parts);
  gsize xi = (gsize) pb->o * pb->cp;

  for (int o = o0; o < o1; o++)
    for (int c = 0; c < pb->c; c++)
      {
        float u[16], r[3][4];
        for (int x = 0; x < 16; x++)
          {
            float s = 0.0f;
            for (int p = 0; p < pb->n_parts; p++)
              s += (pb->ws + (gsize) p * pb->ws_part + pb->part_off)[(gsize) x * xi
                                                                    + (gsize) o * pb->cp + c];
            u[x] = s;
          }
        /* R = Gᵀ dU */
        for (int j = 0; j < 4; j++)
          {
            r[0][j] = u[j] + 0.5f * (u[4 + j] + u[8 + j]);
            r[1][j] = 0.5f * (u[4 + j] - u[8 + j]);
            r[2][j] = 0.5f * (u[4 + j] + u[8 + j]) + u[12 + j];
          }
        /* dg = R G */
        float *dw = pb->dw + ((gsize) o * pb->c + c) * 9;
        for (int i = 0; i < 3; i++)
          {
            dw[i * 3 + 0] += r[i][0] + 0.5f * (r[i][1] + r[i][2]);
            dw[i * 3 + 1] += 0.5f * (r[i][1] - r[i][2]);
            dw[i * 3 + 2] += 0.5f * (r[i][1] + r[i][2]) + r[i][3];
          }
      }
  if (part == 0 && pb->db)
    for (int o = 0; o < pb->o; o++)
      {
        double s = 0.0;
        for (int p = 0; p < pb->n_parts; p++)
          s += ((const double *) (pb->ws + (gsize) p * pb->ws_part + pb->part_off
                                  + (gsize) 16 * pb->o * pb->cp))[o];
        pb->db[o] += (float) s;
      }
}

/* Transformed planes of one band (V and dM) near this many floats */
#define WINO_RED_BAND_FLOATS (192 * 1024)

static gsize
SFX (wino_red_plan) (SFX (WinoRed) *pb, int n, int h, int w, int threads)
{
  pb->th = (h + 1) / 2;
  pb->tw = (w + 1) / 2;
  pb->cp = (gsize) (pb->c + VL - 1) / VL * VL;
  int n_trows = n * pb->th;
  int trows = (int) (WINO_RED_BAND_FLOATS / ((gsize) 16 * (pb->cp + pb->o) * pb->tw));
  trows = CLAMP (trows, 1, n_trows);
  int n_bands = (n_trows + trows - 1) / trows;

  pb->n_parts = MAX (threads, 1);
  n_bands = (n_bands + pb->n_parts - 1) / pb->n_parts * pb->n_parts;
  n_bands = MIN (n_bands, n_trows);
  pb->n_bands = n_bands;
  if (pb->n_parts > n_bands)
    pb->n_parts = n_bands;
  pb->max_trows = (n_trows + n_bands - 1) / n_bands;
  SFX (geo_init) (&pb->geo, n, h, w, 1, 3 * VL, 2 * pb->max_trows + 1);
  pb->vps = ((gsize) pb->max_trows * pb->tw + VL - 1) / VL * VL;
  gsize n_cb = pb->cp / VL;
  pb->part_off = n_cb * pb->geo.ps * VL + (gsize) 16 * n_cb * pb->vps * VL
                 + (gsize) 16 * pb->o * pb->vps;
  pb->part_off = (pb->part_off + VL - 1) / VL * VL;
  pb->ws_part = pb->part_off + (gsize) 16 * pb->o * pb->cp + 2 * (gsize) pb->o;
  pb->ws_part = (pb->ws_part + VL - 1) / VL * VL;
  return pb->ws_part * MAX (threads, 1) + VL;
}

static void
SFX (wino_red_run) (SFX (WinoRed) *pb, float *ws)
{
  pb->ws = (float *) (((guintptr) ws + VL * sizeof (float) - 1) & ~(guintptr) (VL * sizeof (float) - 1));
  pl_conv_parallel (pb->n_parts, pb->n_parts, SFX (wino_red_part), pb);
  pl_conv_parallel (pb->n_parts, pb->n_parts, SFX (wino_red_sum), pb);
}

/* Whether the weight gradient runs as Winograd.  Its cost has a part ∝ C·O
 * per call (the 16 partial dU planes per thread, and their transform); on
 * the layers of unet2d-ref (batch 8) and dip-ref (batch 1) it pays from 32
 * channels in and out on a grid of 512 (bench-conv, one thread's CPU time
 * and two threads' fastest wall time: 3–8 % on the 32-channel layers of
 * unet2d-ref, 20–25 % on dip-ref's 32-channel layers and its 22 × 26 grid;
 * not on 11 × 13 with one thread). */
static gboolean
SFX (wino_red_use) (int c, int o, int n, int h, int w)
{
  switch (pl_conv_get_algo ())
    {
    case PL_CONV_ALGO_DIRECT:
      return FALSE;
    case PL_CONV_ALGO_WINOGRAD:
      return TRUE;
    default:
      return c >= WINO_MIN_C && o >= WINO_MIN_C && h * w >= WINO_MIN_POSITIONS;
    }
}
