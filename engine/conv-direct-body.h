/* conv-direct-body.h: direct convolution kernels, written once over a vector
 * width.  Not a header: conv-avx512.c and conv-avx2.c include it after
 * defining the vector layer (VL lanes of VF, v_* operations, SFX() naming,
 * tile sizes).
 *
 * Layout.  The input planes of a group of image rows (a "band") are copied
 * into a padded scratch layout in which every row is W + 1 floats long (the
 * extra float is zero and serves as the right pad of its row and the left pad
 * of the next), images in the band are separated by one zero row that serves
 * as the bottom pad of one image and the top pad of the next, and a zero row
 * sits above and below the band.  A 3×3 tap (u, v) of flattened position q
 * is then position q + (u-1)(W+1) + (v-1) in the same plane, for every q, so
 * the kernels run over long contiguous vectors (positions of the zero column
 * and rows are computed and dropped).  1×1 and transposed convolutions use
 * rows of W floats and no padding.
 *
 * Forward-type kernels (conv forward; backward-data, which is a forward
 * convolution with the weights transposed and flipped; convT forward and
 * backward-data, which are 1×1 convolutions with 4O channels on one side)
 * compute a tile of OB output channels × PV·VL positions in registers,
 * broadcasting one weight against PV input vectors per step, and hand the
 * tile to a store routine that writes NCHW rows (or interleaves the 2×2 taps
 * of convT).  Reduction kernels (the weight gradients) accumulate
 * dy(o, q) · x(c, q + tap) over all positions of a band in registers and
 * add the horizontal sums to a per-thread partial gradient; partials are
 * summed in thread order, so results are identical for a given thread count.
 */

#include <string.h>

/* ---------------------------------------------------------------------- */
/* Band geometry                                                          */

typedef struct
{
  int n, h, w;       /* images and rows × columns of the grid the band lives on */
  int pad;           /* 1: 3×3 taps with zero padding; 0: no spatial taps */
  int wp;            /* row length in the band: w + pad */
  int lead;          /* floats before position 0 of a plane */
  int tq;            /* positions per tile (forward) or 0 */
  int max_rows;      /* most grid rows in one band */
  gsize ps;          /* plane stride in floats */
} SFX (Geo);

typedef struct
{
  int g0, g1;        /* global rows [g0, g1) of the grid, g = n·h + i */
  int rows;          /* band rows, separator rows included */
} SFX (Band);

static int
SFX (band_rows) (const SFX (Geo) *geo, int g0, int g1)
{
  if (!geo->pad || g1 <= g0)
    return g1 - g0;
  /* one separator row per image boundary crossed inside the band */
  return g1 - g0 + (g1 - 1) / geo->h - g0 / geo->h;
}

static void
SFX (geo_init) (SFX (Geo) *geo, int n, int h, int w, int pad, int tq, int max_rows)
{
  geo->n = n;
  geo->h = h;
  geo->w = w;
  geo->pad = pad;
  geo->wp = w + pad;
  geo->tq = tq;
  geo->max_rows = max_rows;
  geo->lead = pad ? (geo->wp + 1 + VL - 1) / VL * VL : 0;
  /* band rows including separators, bounded by max_rows + separators */
  int max_band_rows = max_rows + (pad ? max_rows / h + 1 : 0);
  gsize q = (gsize) max_band_rows * geo->wp;
  gsize ps = geo->lead + q + (gsize) MAX (tq, VL) + (gsize) geo->wp + 1 + VL;
  ps = (ps + VL - 1) / VL * VL;
  if (ps % 1024 == 0)
    ps += VL;           /* planes a multiple of 4 KiB apart alias in L1 */
  geo->ps = ps;
}

static void
SFX (band_init) (const SFX (Geo) *geo, SFX (Band) *bd, int g0, int g1)
{
  bd->g0 = g0;
  bd->g1 = g1;
  bd->rows = SFX (band_rows) (geo, g0, g1);
}

/* Global row held by band row r (r may be -1 or rows, the halo rows), or -1
 * for a zero row.  halo: whether the halo rows carry the neighbouring image
 * rows (inputs of 3×3 taps) or are zero (gradients, outputs). */
static int
SFX (band_row_global) (const SFX (Geo) *geo, const SFX (Band) *bd, int r, gboolean halo)
{
  int h = geo->h;

  if (!geo->pad)
    return r >= 0 && r < bd->rows ? bd->g0 + r : -1;
  if (r < 0)
    return halo && bd->g0 % h != 0 ? bd->g0 - 1 : -1;
  if (r >= bd->rows)
    return halo && bd->g1 % h != 0 && r == bd->rows ? bd->g1 : -1;
  int first = h - bd->g0 % h;      /* rows of the first image */
  if (r < first)
    return bd->g0 + r;
  if (r == first)
    return -1;
  int rr = r - first - 1;
  int blk = rr / (h + 1), rem = rr % (h + 1);
  if (rem == h)
    return -1;
  int g = (bd->g0 / h + 1 + blk) * h + rem;
  return g < bd->g1 ? g : -1;
}

/* Copies n_planes planes of an NCHW tensor (plane c of image n at
 * src + n·img_stride + c·h·w) into the band layout at dst. */
static void
SFX (band_fill) (const SFX (Geo) *geo, const SFX (Band) *bd, const float *src, int n_planes,
                 gsize img_stride, gboolean halo, float *dst)
{
  int w = geo->w, wp = geo->wp, pad = geo->pad;
  gsize hw = (gsize) geo->h * w;
  gsize first = (gsize) geo->lead - (gsize) pad * wp;
  gsize end = (gsize) geo->lead + (gsize) (bd->rows + pad) * wp;

  for (int c = 0; c < n_planes; c++)
    {
      float *p = dst + (gsize) c * geo->ps;
      memset (p, 0, first * sizeof (float));
      for (int r = -pad; r < bd->rows + pad; r++)
        {
          float *row = p + geo->lead + (gssize) r * wp;   /* r = -pad: the row above */
          int g = SFX (band_row_global) (geo, bd, r, halo);
          if (g < 0)
            {
              memset (row, 0, wp * sizeof (float));
              continue;
            }
          int n = g / geo->h, i = g % geo->h;
          memcpy (row, src + (gsize) n * img_stride + (gsize) c * hw + (gsize) i * w,
                  w * sizeof (float));
          if (pad)
            row[w] = 0.0f;
        }
      memset (p + end, 0, (geo->ps - end) * sizeof (float));
    }
}

/* The 2×2 taps of a transposed convolution's output gradient, gathered into
 * 4·n_out planes on the input grid: plane o·4 + u·2 + v holds
 * dy(n, o, 2i + u, 2j + v) at (i, j). */
static void
SFX (band_fill_taps) (const SFX (Geo) *geo, const SFX (Band) *bd, const float *dy, int n_out,
                      float *dst)
{
  int w = geo->w, h = geo->h;
  gsize end = (gsize) bd->rows * w;

  for (int o = 0; o < n_out; o++)
    {
      for (int r = 0; r < bd->rows; r++)
        {
          int g = bd->g0 + r, n = g / h, i = g % h;
          for (int u = 0; u < 2; u++)
            {
              const float *s = dy + (((gsize) n * n_out + o) * 2 * h + 2 * i + u) * 2 * w;
              float *d0 = dst + (gsize) (o * 4 + u * 2) * geo->ps + (gsize) r * w;
              float *d1 = d0 + geo->ps;
              int j = 0;
              for (; j + VL <= w; j += VL)
                v_deinterleave (s + 2 * j, d0 + j, d1 + j);
              for (; j < w; j++)
                {
                  d0[j] = s[2 * j];
                  d1[j] = s[2 * j + 1];
                }
            }
        }
      for (int t = 0; t < 4; t++)
        {
          float *p = dst + (gsize) (o * 4 + t) * geo->ps;
          memset (p + end, 0, (geo->ps - end) * sizeof (float));
        }
    }
}

/* ---------------------------------------------------------------------- */
/* Forward-type tile kernels                                              */

/* stage[ob·tq + q] = Σ_c Σ_t W(ob, c, t) · x(c, q + tap t), for OB output
 * channels and PV·VL positions starting at xq (position q0 of plane 0).
 * W(ob, c, t) = w[ob·s_out + c·s_in + t] (or 8 - t when FLIP). */
static inline __attribute__ ((always_inline)) void
SFX (fwd_body) (const int OB, const int PV, const int T, const int FLIP,
                const float *restrict xq, gsize ps, int wp, const float *restrict w,
                gsize s_out, gsize s_in, int c_n, float *restrict stage, int tq)
{
  VF acc[OB_MAX][PV_MAX];
  const float *wo[OB_MAX];

#pragma GCC unroll 16
  for (int ob = 0; ob < OB; ob++)
    {
      wo[ob] = w + (gsize) ob * s_out;
#pragma GCC unroll 16
      for (int p = 0; p < PV; p++)
        acc[ob][p] = v_zero ();
    }
  for (int c = 0; c < c_n; c++)
    {
      const float *xc = xq + (gsize) c * ps;
      gsize wc = (gsize) c * s_in;
      if (T == 9)
        {
#pragma GCC unroll 3
          for (int u = 0; u < 3; u++)
            {
              const float *xr = xc + (ptrdiff_t) (u - 1) * wp;
#pragma GCC unroll 3
              for (int v = 0; v < 3; v++)
                {
                  int t = FLIP ? 8 - (u * 3 + v) : u * 3 + v;
                  VF xv[PV_MAX];
#pragma GCC unroll 16
                  for (int p = 0; p < PV; p++)
                    xv[p] = v_load (xr + (v - 1) + p * VL);
#pragma GCC unroll 16
                  for (int ob = 0; ob < OB; ob++)
                    {
                      VF wv = v_bcast (wo[ob] + wc + t);
#pragma GCC unroll 16
                      for (int p = 0; p < PV; p++)
                        acc[ob][p] = v_fma (wv, xv[p], acc[ob][p]);
                    }
                }
            }
        }
      else
        {
          VF xv[PV_MAX];
#pragma GCC unroll 16
          for (int p = 0; p < PV; p++)
            xv[p] = v_load (xc + p * VL);
#pragma GCC unroll 16
          for (int ob = 0; ob < OB; ob++)
            {
              VF wv = v_bcast (wo[ob] + wc);
#pragma GCC unroll 16
              for (int p = 0; p < PV; p++)
                acc[ob][p] = v_fma (wv, xv[p], acc[ob][p]);
            }
        }
    }
#pragma GCC unroll 16
  for (int ob = 0; ob < OB; ob++)
#pragma GCC unroll 16
    for (int p = 0; p < PV; p++)
      v_store (stage + (gsize) ob * tq + p * VL, acc[ob][p]);
}

typedef void (*SFX (FwdKern)) (const float *xq, gsize ps, int wp, const float *w, gsize s_out,
                               gsize s_in, int c_n, float *stage, int tq);

#define FWD_KERN(OB, T, F) \
  static void SFX (fwd_##OB##_##T##_##F) (const float *xq, gsize ps, int wp, const float *w, \
                                          gsize s_out, gsize s_in, int c_n, float *stage, int tq) \
  { SFX (fwd_body) (OB, PV_MAX, T, F, xq, ps, wp, w, s_out, s_in, c_n, stage, tq); }
#define FWD_KERNS(OB) FWD_KERN (OB, 9, 0) FWD_KERN (OB, 9, 1) FWD_KERN (OB, 1, 0)

FWD_KERNS (1)
FWD_KERNS (2)
FWD_KERNS (3)
FWD_KERNS (4)
#if OB_MAX > 4
FWD_KERNS (5)
FWD_KERNS (6)
FWD_KERNS (7)
FWD_KERNS (8)
#endif

#define FWD_ROW(OB) { SFX (fwd_##OB##_9_0), SFX (fwd_##OB##_9_1), SFX (fwd_##OB##_1_0) }
static const SFX (FwdKern) SFX (fwd_kerns)[OB_MAX + 1][3] = {
  { NULL, NULL, NULL }, FWD_ROW (1), FWD_ROW (2), FWD_ROW (3), FWD_ROW (4),
#if OB_MAX > 4
  FWD_ROW (5), FWD_ROW (6), FWD_ROW (7), FWD_ROW (8),
#endif
};

/* ---------------------------------------------------------------------- */
/* Forward-type problems                                                  */

typedef enum { SFX (IN_PLANES), SFX (IN_TAPS) } SFX (InKind);
typedef enum { SFX (OUT_PLANES), SFX (OUT_TAPS) } SFX (OutKind);

typedef struct
{
  SFX (Geo) geo;
  /* input: IN_PLANES: (N, c_in, h, w); IN_TAPS: convT output gradient
   * (N, c_in/4, 2h, 2w) gathered into c_in tap planes */
  const float *in;
  int c_in;
  SFX (InKind) in_kind;
  /* weights W(o, c, t) = w[o·s_out + c·s_in + t'] */
  const float *w;
  gsize s_out, s_in;
  int taps, flip;
  /* output: OUT_PLANES: (N, c_out, h, w); OUT_TAPS: convT output
   * (N, c_out/4, 2h, 2w) from c_out tap channels */
  float *out;
  int c_out;
  SFX (OutKind) out_kind;
  const float *bias;        /* per output plane (OUT_PLANES) or per o (OUT_TAPS) */
  gboolean accumulate, relu;
  /* partition: n_bands bands of rows; each part takes a range of bands and,
   * when o_split > 1, a share of the output channels */
  int n_bands, o_split, n_parts;
  float *ws;
  gsize ws_part;
} SFX (FwdProblem);

/* y = act ((accumulate ? y : 0) + s + bias) over len floats, act = ReLU or
 * identity; max (lo, v) returns v when v is NaN, so NaN propagates */
static inline void
SFX (store_row) (float *y, const float *s, int len, float bias, gboolean accumulate,
                 gboolean relu)
{
  VF b = v_set1 (bias), lo = v_set1 (relu ? 0.0f : -INFINITY);
  int j = 0;
  if (accumulate)
    {
      for (; j + VL <= len; j += VL)
        v_store (y + j, v_max (lo, v_add (v_add (v_load (y + j), v_load (s + j)), b)));
      if (j < len)
        v_store_n (y + j, v_max (lo, v_add (v_add (v_load_n (y + j, len - j),
                                                   v_load_n (s + j, len - j)), b)), len - j);
    }
  else
    {
      for (; j + VL <= len; j += VL)
        v_store (y + j, v_max (lo, v_add (v_load (s + j), b)));
      if (j < len)
        v_store_n (y + j, v_max (lo, v_add (v_load_n (s + j, len - j), b)), len - j);
    }
}

/* y[2j + v] = (accumulate ? y : 0) + s_v[j] + bias, v = 0, 1, j < len */
static inline void
SFX (store_row_taps) (float *y, const float *s0, const float *s1, int len, float bias,
                      gboolean accumulate)
{
  VF b = v_set1 (bias);
  int j = 0;
  for (; j + VL <= len; j += VL)
    {
      VF lo, hi;
      v_interleave (v_add (v_load (s0 + j), b), v_add (v_load (s1 + j), b), &lo, &hi);
      if (accumulate)
        {
          lo = v_add (lo, v_load (y + 2 * j));
          hi = v_add (hi, v_load (y + 2 * j + VL));
        }
      v_store (y + 2 * j, lo);
      v_store (y + 2 * j + VL, hi);
    }
  for (; j < len; j++)
    {
      float a = s0[j] + bias, c = s1[j] + bias;
      y[2 * j] = accumulate ? y[2 * j] + a : a;
      y[2 * j + 1] = accumulate ? y[2 * j + 1] + c : c;
    }
}

/* Writes the tile of output channels [o0, o0 + ob_n) × positions
 * [q0, q0 + tq) of band bd from stage into the output tensor. */
static void
SFX (fwd_store) (const SFX (FwdProblem) *pb, const SFX (Band) *bd, int q0, int o0, int ob_n,
                 const float *stage)
{
  const SFX (Geo) *geo = &pb->geo;
  int wp = geo->wp, w = geo->w, h = geo->h, tq = geo->tq;
  int q_end = MIN (q0 + tq, bd->rows * wp);

  for (int r = q0 / wp; r * wp < q_end; r++)
    {
      int g = SFX (band_row_global) (geo, bd, r, FALSE);
      if (g < 0)
        continue;
      int qa = MAX (q0, r * wp), qb = MIN (q_end, r * wp + w);
      if (qb <= qa)
        continue;
      int n = g / h, i = g % h, j = qa - r * wp, len = qb - qa;
      const float *s = stage + (qa - q0);
      if (pb->out_kind == SFX (OUT_PLANES))
        {
          for (int ob = 0; ob < ob_n; ob++)
            {
              int o = o0 + ob;
              float *y = pb->out + (((gsize) n * pb->c_out + o) * h + i) * w + j;
              SFX (store_row) (y, s + (gsize) ob * tq, len, pb->bias ? pb->bias[o] : 0.0f,
                               pb->accumulate, pb->relu);
            }
        }
      else
        {
          int n_o = pb->c_out / 4;
          for (int ob = 0; ob < ob_n; ob += 4)
            {
              int o = (o0 + ob) / 4;
              for (int u = 0; u < 2; u++)
                {
                  float *y = pb->out + (((gsize) n * n_o + o) * 2 * h + 2 * i + u) * 2 * w + 2 * j;
                  SFX (store_row_taps) (y, s + (gsize) (ob + u * 2) * tq,
                                        s + (gsize) (ob + u * 2 + 1) * tq, len,
                                        pb->bias ? pb->bias[o] : 0.0f, pb->accumulate);
                }
            }
        }
    }
}

static void
SFX (fwd_band_fill) (const SFX (FwdProblem) *pb, const SFX (Band) *bd, float *xb)
{
  const SFX (Geo) *geo = &pb->geo;
  if (pb->in_kind == SFX (IN_PLANES))
    SFX (band_fill) (geo, bd, pb->in, pb->c_in, (gsize) pb->c_in * geo->h * geo->w, TRUE, xb);
  else
    SFX (band_fill_taps) (geo, bd, pb->in, pb->c_in / 4, xb);
}

static void
SFX (fwd_part) (int part, int n_parts, gpointer data)
{
  const SFX (FwdProblem) *pb = data;
  const SFX (Geo) *geo = &pb->geo;
  int n_rows = geo->n * geo->h;
  int o_part = part % pb->o_split, b_part = part / pb->o_split;
  int b_parts = pb->n_parts / pb->o_split;
  int band0 = (int) ((gint64) b_part * pb->n_bands / b_parts);
  int band1 = (int) ((gint64) (b_part + 1) * pb->n_bands / b_parts);
  /* output channels in whole tiles of OB (whole o's for OUT_TAPS) */
  int unit = pb->out_kind == SFX (OUT_TAPS) ? 4 : 1;
  int n_units = pb->c_out / unit;
  int oa = (int) ((gint64) o_part * n_units / pb->o_split) * unit;
  int oz = (int) ((gint64) (o_part + 1) * n_units / pb->o_split) * unit;
  float *xb = pb->ws + (gsize) part * pb->ws_part;
  float *stage = xb + (gsize) pb->c_in * geo->ps;
  int fi = pb->taps == 9 ? (pb->flip ? 1 : 0) : 2;
  int ob_max = pb->out_kind == SFX (OUT_TAPS) ? OB_MAX / 4 * 4 : OB_MAX;

  for (int bi = band0; bi < band1; bi++)
    {
      SFX (Band) bd;
      SFX (band_init) (geo, &bd, (int) ((gint64) bi * n_rows / pb->n_bands),
                       (int) ((gint64) (bi + 1) * n_rows / pb->n_bands));
      if (bd.rows <= 0)
        continue;
      SFX (fwd_band_fill) (pb, &bd, xb);
      int q_n = bd.rows * geo->wp;
      /* o-blocks outside: the block's weights stay in L1 while its tiles
       * stream the band from L2 */
      for (int o0 = oa; o0 < oz; o0 += ob_max)
        for (int q0 = 0; q0 < q_n; q0 += geo->tq)
          {
            int ob_n = MIN (ob_max, oz - o0);
            SFX (fwd_kerns)[ob_n][fi] (xb + geo->lead + q0, geo->ps, geo->wp,
                                       pb->w + (gsize) o0 * pb->s_out, pb->s_out, pb->s_in,
                                       pb->c_in, stage, geo->tq);
            SFX (fwd_store) (pb, &bd, q0, o0, ob_n, stage);
          }
    }
}

/* Band rows so that one band's input planes stay near BAND_FLOATS floats. */
#define BAND_FLOATS (64 * 1024)

static int
SFX (rows_per_band) (int c, int wp, int n_rows)
{
  int rows = (int) (BAND_FLOATS / ((gsize) MAX (c, 1) * wp));
  return CLAMP (rows, 1, MAX (n_rows, 1));
}

/* Fills in geometry and partition of a forward-type problem on an n × h × w
 * grid for `threads` parts; returns the workspace floats it needs. */
static gsize
SFX (fwd_plan) (SFX (FwdProblem) *pb, int n, int h, int w, int pad, int threads)
{
  int n_rows = n * h;
  int tq = PV_MAX * VL;
  int wp = w + pad;
  int rows = SFX (rows_per_band) (pb->c_in, wp, n_rows);
  int n_bands = (n_rows + rows - 1) / rows;
  gsize q_total = (gsize) n_rows * wp;

  pb->n_parts = MAX (threads, 1);
  pb->o_split = 1;
  /* Too few positions to give every thread several tiles: split the output
   * channels instead (deep levels at batch 1). */
  if (pb->n_parts > 1 && q_total < (gsize) pb->n_parts * 4 * tq)
    pb->o_split = pb->n_parts;
  if (pb->o_split == 1 && n_bands % pb->n_parts != 0)
    n_bands = (n_bands + pb->n_parts - 1) / pb->n_parts * pb->n_parts;
  n_bands = MIN (n_bands, n_rows);
  if (pb->o_split == 1 && n_bands < pb->n_parts)
    pb->o_split = pb->n_parts;
  pb->n_bands = n_bands;
  int max_rows = (n_rows + n_bands - 1) / n_bands;
  SFX (geo_init) (&pb->geo, n, h, w, pad, tq, max_rows);
  pb->ws_part = (gsize) pb->c_in * pb->geo.ps + (gsize) OB_MAX * tq;
  return pb->ws_part * pb->n_parts + VL;
}

static void
SFX (fwd_run) (SFX (FwdProblem) *pb, float *ws)
{
  /* align the scratch to the vector size */
  pb->ws = (float *) (((guintptr) ws + VL * sizeof (float) - 1) & ~(guintptr) (VL * sizeof (float) - 1));
  pl_conv_parallel (pb->n_parts, SFX (fwd_part), pb);
}

/* ---------------------------------------------------------------------- */
/* Weight gradients                                                       */

/* Two schemes.  With at least VL input channels the input band is stored
 * channel-blocked (VL channels interleaved per position, a transpose of
 * NCHW), so that dW(a, c..c+VL-1, t) is a vector accumulated as
 * broadcast(dy(a, q)) · xblock(q + tap t) over all positions of a band: no
 * horizontal sums, and dy is read in place (every position of a row segment
 * is an output position).  With fewer input channels (the first layer) the
 * vectors run over positions instead and are summed horizontally once per
 * band. */

/* Block k of a channel-blocked band holds channels [k·VL, k·VL + VL):
 * element (q, l) at dst + k·ps·VL + (lead + q)·VL + l; missing channels are
 * zero. */
static void
SFX (band_fill_blocked) (const SFX (Geo) *geo, const SFX (Band) *bd, const float *src,
                         int n_planes, gsize img_stride, float *dst)
{
  int w = geo->w, wp = geo->wp, pad = geo->pad;
  gsize hw = (gsize) geo->h * w;
  int n_blk = (n_planes + VL - 1) / VL;
  gsize first = (gsize) geo->lead - (gsize) pad * wp;
  gsize end = (gsize) geo->lead + (gsize) (bd->rows + pad) * wp;

  for (int k = 0; k < n_blk; k++)
    {
      float *blk = dst + (gsize) k * geo->ps * VL;
      int c0 = k * VL, nc = MIN (VL, n_planes - c0);
      memset (blk, 0, first * VL * sizeof (float));
      for (int r = -pad; r < bd->rows + pad; r++)
        {
          float *row = blk + ((gsize) geo->lead + (ptrdiff_t) r * wp) * VL;
          int g = SFX (band_row_global) (geo, bd, r, TRUE);
          if (g < 0)
            {
              memset (row, 0, (gsize) wp * VL * sizeof (float));
              continue;
            }
          int n = g / geo->h, i = g % geo->h;
          const float *sp = src + (gsize) n * img_stride + (gsize) c0 * hw + (gsize) i * w;
          int j = 0;
          for (; j + VL <= w; j += VL)
            {
              VF t[VL];
              for (int l = 0; l < VL; l++)
                t[l] = l < nc ? v_load (sp + (gsize) l * hw + j) : v_zero ();
              v_transpose (t);
              for (int l = 0; l < VL; l++)
                v_store (row + (gsize) (j + l) * VL, t[l]);
            }
          for (; j < w; j++)
            for (int l = 0; l < VL; l++)
              row[(gsize) j * VL + l] = l < nc ? sp[(gsize) l * hw + j] : 0.0f;
          if (pad)
            memset (row + (gsize) w * VL, 0, VL * sizeof (float));
        }
      memset (blk + end * VL, 0, (geo->ps - end) * VL * sizeof (float));
    }
}

/* One row segment of output positions: dy of a = 0 at row base + aoff(a),
 * len positions `astep` apart, and the band position of its first one. */
typedef struct
{
  const float *a;
  int q;
} SFX (Seg);

/* 3×3: part[(k·9 + t)·cp] (a vector over VL channels) += Σ_seg Σ_j
 * dy(a0 + k, seg, j) · xblock(q_seg + j + tap t) for k < OB and the taps of
 * TR tap rows from u0. */
static inline __attribute__ ((always_inline)) void
SFX (redb9_body) (const int OB, const int TR, const SFX (Seg) *seg, int n_seg, int len,
                  const gsize *aoff, int astep, const float *restrict xb, int wp, int u0,
                  float *restrict part, gsize cp)
{
  VF acc[RED_OB_MAX][9];
  const int NT = TR * 3;

#pragma GCC unroll 16
  for (int k = 0; k < OB; k++)
#pragma GCC unroll 9
    for (int t = 0; t < NT; t++)
      acc[k][t] = v_zero ();
  for (int si = 0; si < n_seg; si++)
    {
      const float *ap[RED_OB_MAX];
#pragma GCC unroll 16
      for (int k = 0; k < OB; k++)
        ap[k] = seg[si].a + aoff[k];
      const float *bp = xb + (ptrdiff_t) (seg[si].q + (u0 - 1) * wp - 1) * VL;
      for (int j = 0; j < len; j++)
        {
          VF av[RED_OB_MAX];
#pragma GCC unroll 16
          for (int k = 0; k < OB; k++)
            av[k] = v_set1 (ap[k][(gsize) j * astep]);
#pragma GCC unroll 3
          for (int uu = 0; uu < TR; uu++)
#pragma GCC unroll 3
            for (int v = 0; v < 3; v++)
              {
                VF bv = v_load (bp + ((ptrdiff_t) uu * wp + v + j) * VL);
#pragma GCC unroll 16
                for (int k = 0; k < OB; k++)
                  acc[k][uu * 3 + v] = v_fma (av[k], bv, acc[k][uu * 3 + v]);
              }
        }
    }
#pragma GCC unroll 16
  for (int k = 0; k < OB; k++)
#pragma GCC unroll 9
    for (int t = 0; t < NT; t++)
      {
        float *pp = part + ((gsize) k * 9 + u0 * 3 + t) * cp;
        v_store (pp, v_add (v_load (pp), acc[k][t]));
      }
}

/* 1×1: part[k·cp + cv·VL] += Σ_seg Σ_j dy(a0 + k, seg, j) · xblock_cv(q_seg + j) */
static inline __attribute__ ((always_inline)) void
SFX (redb1_body) (const int OB, const int CV, const SFX (Seg) *seg, int n_seg, int len,
                  const gsize *aoff, int astep, const float *restrict xb, gsize blk,
                  float *restrict part, gsize cp)
{
  VF acc[6][4];   /* the largest block instantiated below */

#pragma GCC unroll 16
  for (int k = 0; k < OB; k++)
#pragma GCC unroll 16
    for (int cv = 0; cv < CV; cv++)
      acc[k][cv] = v_zero ();
  for (int si = 0; si < n_seg; si++)
    {
      const float *ap[6];
#pragma GCC unroll 16
      for (int k = 0; k < OB; k++)
        ap[k] = seg[si].a + aoff[k];
      const float *bp = xb + (gsize) seg[si].q * VL;
      for (int j = 0; j < len; j++)
        {
          VF av[6];
#pragma GCC unroll 16
          for (int k = 0; k < OB; k++)
            av[k] = v_set1 (ap[k][(gsize) j * astep]);
#pragma GCC unroll 16
          for (int cv = 0; cv < CV; cv++)
            {
              VF bv = v_load (bp + (gsize) cv * blk + (gsize) j * VL);
#pragma GCC unroll 16
              for (int k = 0; k < OB; k++)
                acc[k][cv] = v_fma (av[k], bv, acc[k][cv]);
            }
        }
    }
#pragma GCC unroll 16
  for (int k = 0; k < OB; k++)
#pragma GCC unroll 16
    for (int cv = 0; cv < CV; cv++)
      {
        float *pp = part + (gsize) k * cp + (gsize) cv * VL;
        v_store (pp, v_add (v_load (pp), acc[k][cv]));
      }
}

typedef void (*SFX (Redb9Kern)) (const SFX (Seg) *seg, int n_seg, int len, const gsize *aoff,
                                 int astep, const float *xb, int wp, int u0, float *part, gsize cp);
typedef void (*SFX (Redb1Kern)) (const SFX (Seg) *seg, int n_seg, int len, const gsize *aoff,
                                 int astep, const float *xb, gsize blk, float *part, gsize cp);

#define REDB9_KERN(OB) \
  static void SFX (redb9_##OB) (const SFX (Seg) *seg, int n_seg, int len, const gsize *aoff, \
                                int astep, const float *xb, int wp, int u0, float *part, gsize cp) \
  { SFX (redb9_body) (OB, RED_TR, seg, n_seg, len, aoff, astep, xb, wp, u0, part, cp); }
REDB9_KERN (1)
REDB9_KERN (2)
REDB9_KERN (3)
static const SFX (Redb9Kern) SFX (redb9_kerns)[4] = {
  NULL, SFX (redb9_1), SFX (redb9_2), SFX (redb9_3),
};

#define REDB1_KERN(OB, CV) \
  static void SFX (redb1_##OB##_##CV) (const SFX (Seg) *seg, int n_seg, int len, \
                                       const gsize *aoff, int astep, const float *xb, gsize blk, \
                                       float *part, gsize cp) \
  { SFX (redb1_body) (OB, CV, seg, n_seg, len, aoff, astep, xb, blk, part, cp); }
#define REDB1_ROW(OB) REDB1_KERN (OB, 1) REDB1_KERN (OB, 2) REDB1_KERN (OB, 3) REDB1_KERN (OB, 4)
#define REDB1_ENTRY(OB) { NULL, SFX (redb1_##OB##_1), SFX (redb1_##OB##_2), SFX (redb1_##OB##_3), \
                          SFX (redb1_##OB##_4) }
REDB1_ROW (1)
REDB1_ROW (2)
REDB1_ROW (3)
REDB1_ROW (4)
#if RED1_OB > 4
REDB1_ROW (5)
REDB1_ROW (6)
#endif
static const SFX (Redb1Kern) SFX (redb1_kerns)[RED1_OB + 1][5] = {
  { NULL }, REDB1_ENTRY (1), REDB1_ENTRY (2), REDB1_ENTRY (3), REDB1_ENTRY (4),
#if RED1_OB > 4
  REDB1_ENTRY (5), REDB1_ENTRY (6),
#endif
};

/* Few input channels: part[k·s_a + t] += Σ_q A(k, q) · B(q + tap t) over nv
 * vectors of positions of a zero-padded dy band (aq) and one input plane (bq). */
static inline __attribute__ ((always_inline)) void
SFX (redh_body) (const int OB, const int T, const float *restrict aq, gsize ps,
                 const float *restrict bq, int wp, int nv, float *restrict part, gsize s_a)
{
  VF acc[REDH_OB][9];

#pragma GCC unroll 16
  for (int k = 0; k < OB; k++)
#pragma GCC unroll 9
    for (int t = 0; t < T; t++)
      acc[k][t] = v_zero ();
  for (int q = 0; q < nv * VL; q += VL)
    {
      VF av[REDH_OB];
#pragma GCC unroll 16
      for (int k = 0; k < OB; k++)
        av[k] = v_load (aq + (gsize) k * ps + q);
#pragma GCC unroll 9
      for (int t = 0; t < T; t++)
        {
          VF bv = T == 9 ? v_load (bq + q + (ptrdiff_t) (t / 3 - 1) * wp + (t % 3 - 1))
                         : v_load (bq + q);
#pragma GCC unroll 16
          for (int k = 0; k < OB; k++)
            acc[k][t] = v_fma (av[k], bv, acc[k][t]);
        }
    }
#pragma GCC unroll 16
  for (int k = 0; k < OB; k++)
#pragma GCC unroll 9
    for (int t = 0; t < T; t++)
      part[(gsize) k * s_a + t] += v_hsum (acc[k][t]);
}

typedef void (*SFX (RedhKern)) (const float *aq, gsize ps, const float *bq, int wp, int nv,
                                float *part, gsize s_a);
#define REDH_KERN(OB, T) \
  static void SFX (redh_##OB##_##T) (const float *aq, gsize ps, const float *bq, int wp, int nv, \
                                     float *part, gsize s_a) \
  { SFX (redh_body) (OB, T, aq, ps, bq, wp, nv, part, s_a); }
REDH_KERN (1, 9)
REDH_KERN (1, 1)
#if REDH_OB > 1
REDH_KERN (2, 9)
REDH_KERN (2, 1)
REDH_KERN (3, 9)
REDH_KERN (3, 1)
#endif
static const SFX (RedhKern) SFX (redh_kerns)[REDH_OB + 1][2] = {
  { NULL, NULL }, { SFX (redh_1_9), SFX (redh_1_1) },
#if REDH_OB > 1
  { SFX (redh_2_9), SFX (redh_2_1) }, { SFX (redh_3_9), SFX (redh_3_1) },
#endif
};

typedef struct
{
  SFX (Geo) geo;
  /* A: the output gradient, a_n planes: IN_PLANES (N, a_n, h, w); IN_TAPS
   * a convT output gradient (N, a_n/4, 2h, 2w) read as a_n tap planes */
  const float *a_src;
  int a_n;
  SFX (InKind) a_kind;
  /* B: the input x (N, b_n, h, w) */
  const float *b_src;
  int b_n;
  int taps;
  gboolean blocked;     /* channel-blocked scheme (b_n >= VL) */
  /* dW(a, b, t) at dw[a·s_a + b·s_b + t]; db[a / a_per_bias] += Σ A(a) */
  float *dw, *db;
  gsize s_a, s_b;
  int a_per_bias;
  gsize cp;             /* blocked: partial row length, b_n rounded up to VL */
  gsize part_n;         /* floats of one part's partial dW */
  int n_bands, n_parts;
  float *ws;
  gsize ws_part, part_off;
} SFX (RedProblem);

/* Offset of tap plane a (of a_n) from the dy row base of a segment. */
static inline gsize
SFX (a_offset) (const SFX (RedProblem) *pb, int a)
{
  const SFX (Geo) *geo = &pb->geo;
  if (pb->a_kind == SFX (IN_PLANES))
    return (gsize) a * geo->h * geo->w;
  int o = a / 4, u = (a / 2) % 2, v = a % 2;
  return (gsize) o * 4 * geo->h * geo->w + (gsize) u * 2 * geo->w + v;
}

/* Σ dy of every output-gradient plane over the band's rows, into dbp (double). */
static void
SFX (red_bias) (const SFX (RedProblem) *pb, const SFX (Band) *bd, double *dbp)
{
  const SFX (Geo) *geo = &pb->geo;
  int h = geo->h, w = geo->w;
  gboolean taps = pb->a_kind == SFX (IN_TAPS);
  int n_o = taps ? pb->a_n / 4 : pb->a_n;
  int len = taps ? 4 * w : w;     /* two output rows of 2w per input row */

  for (int g = bd->g0; g < bd->g1; g++)
    {
      int n = g / h, i = g % h;
      for (int o = 0; o < n_o; o++)
        {
          const float *p = taps ? pb->a_src + (((gsize) n * n_o + o) * 2 * h + 2 * i) * 2 * w
                                : pb->a_src + (((gsize) n * n_o + o) * h + i) * w;
          VF acc = v_zero ();
          int j = 0;
          for (; j + VL <= len; j += VL)
            acc = v_add (acc, v_load (p + j));
          if (j < len)
            acc = v_add (acc, v_load_n (p + j, len - j));
          dbp[o] += v_hsum (acc);
        }
    }
}

static void
SFX (red_part) (int part, int n_parts, gpointer data)
{
  const SFX (RedProblem) *pb = data;
  const SFX (Geo) *geo = &pb->geo;
  int n_rows = geo->n * geo->h, h = geo->h, w = geo->w;
  int band0 = (int) ((gint64) part * pb->n_bands / n_parts);
  int band1 = (int) ((gint64) (part + 1) * pb->n_bands / n_parts);
  float *base = pb->ws + (gsize) part * pb->ws_part;
  float *dwp = base + pb->part_off;
  double *dbp = (double *) (dwp + pb->part_n);
  int n_bias = pb->a_n / pb->a_per_bias;

  memset (dwp, 0, pb->part_n * sizeof (float));
  memset (dbp, 0, (gsize) n_bias * sizeof (double));
  for (int bi = band0; bi < band1; bi++)
    {
      SFX (Band) bd;
      SFX (band_init) (geo, &bd, (int) ((gint64) bi * n_rows / pb->n_bands),
                       (int) ((gint64) (bi + 1) * n_rows / pb->n_bands));
      if (bd.rows <= 0)
        continue;
      if (pb->db)
        SFX (red_bias) (pb, &bd, dbp);
      gsize img_b = (gsize) pb->b_n * h * w;
      if (pb->blocked)
        {
          float *xb = base;
          SFX (Seg) *seg = (SFX (Seg) *) (xb + (gsize) (pb->cp / VL) * geo->ps * VL);
          int n_seg = 0;
          SFX (band_fill_blocked) (geo, &bd, pb->b_src, pb->b_n, img_b, xb);
          for (int r = 0; r < bd.rows; r++)
            {
              int g = SFX (band_row_global) (geo, &bd, r, FALSE);
              if (g < 0)
                continue;
              int n = g / h, i = g % h;
              /* dy row i of image n, plane 0 (IN_TAPS: output rows 2i, 2i + 1) */
              seg[n_seg].a = pb->a_src + (gsize) n * pb->a_n * h * w
                             + (gsize) (pb->a_kind == SFX (IN_PLANES) ? i : 4 * i) * w;
              seg[n_seg].q = r * geo->wp;
              n_seg++;
            }
          int astep = pb->a_kind == SFX (IN_PLANES) ? 1 : 2;
          gsize blk = geo->ps * VL;
          const float *x0 = xb + (gsize) geo->lead * VL;
          int n_cb = (int) (pb->cp / VL);
          if (pb->taps == 9)
            {
              for (int cb = 0; cb < n_cb; cb++)
                for (int a = 0; a < pb->a_n; a += RED_OB_MAX)
                  {
                    int ob = MIN (RED_OB_MAX, pb->a_n - a);
                    gsize aoff[RED_OB_MAX];
                    for (int k = 0; k < ob; k++)
                      aoff[k] = SFX (a_offset) (pb, a + k);
                    for (int u0 = 0; u0 < 3; u0 += RED_TR)
                      SFX (redb9_kerns)[ob] (seg, n_seg, w, aoff, astep, x0 + cb * blk, geo->wp,
                                             u0, dwp + (gsize) a * 9 * pb->cp + cb * VL, pb->cp);
                  }
            }
          else
            {
              for (int cb = 0; cb < n_cb; cb += RED1_CV)
                for (int a = 0; a < pb->a_n; a += RED1_OB)
                  {
                    int ob = MIN (RED1_OB, pb->a_n - a), cv = MIN (RED1_CV, n_cb - cb);
                    gsize aoff[RED1_OB];
                    for (int k = 0; k < ob; k++)
                      aoff[k] = SFX (a_offset) (pb, a + k);
                    SFX (redb1_kerns)[ob][cv] (seg, n_seg, w, aoff, astep, x0 + cb * blk, blk,
                                               dwp + (gsize) a * pb->cp + cb * VL, pb->cp);
                  }
            }
        }
      else
        {
          float *ab = base;
          float *bb = ab + (gsize) pb->a_n * geo->ps;
          if (pb->a_kind == SFX (IN_PLANES))
            SFX (band_fill) (geo, &bd, pb->a_src, pb->a_n, (gsize) pb->a_n * h * w, FALSE, ab);
          else
            SFX (band_fill_taps) (geo, &bd, pb->a_src, pb->a_n / 4, ab);
          SFX (band_fill) (geo, &bd, pb->b_src, pb->b_n, img_b, TRUE, bb);
          int nv = (bd.rows * geo->wp + VL - 1) / VL;
          const float *a0 = ab + geo->lead, *b0 = bb + geo->lead;
          int ti = pb->taps == 9 ? 0 : 1;
          for (int a = 0; a < pb->a_n; a += REDH_OB)
            {
              int ob = MIN (REDH_OB, pb->a_n - a);
              for (int b = 0; b < pb->b_n; b++)
                SFX (redh_kerns)[ob][ti] (a0 + (gsize) a * geo->ps, geo->ps,
                                          b0 + (gsize) b * geo->ps, geo->wp, nv,
                                          dwp + a * pb->s_a + b * pb->s_b, pb->s_a);
            }
        }
    }
}

/* dw += Σ_part partial (in part order), split over the a planes */
static void
SFX (red_sum_part) (int part, int n_parts, gpointer data)
{
  const SFX (RedProblem) *pb = data;
  int a0 = (int) ((gint64) pb->a_n * part / n_parts);
  int a1 = (int) ((gint64) pb->a_n * (part + 1) / n_parts);
  int t_n = pb->taps;

  for (int p = 0; p < pb->n_parts; p++)
    {
      const float *dwp = pb->ws + (gsize) p * pb->ws_part + pb->part_off;
      for (int a = a0; a < a1; a++)
        for (int b = 0; b < pb->b_n; b++)
          for (int t = 0; t < t_n; t++)
            pb->dw[a * pb->s_a + b * pb->s_b + t] +=
              pb->blocked ? dwp[((gsize) a * t_n + t) * pb->cp + b]
                          : dwp[a * pb->s_a + b * pb->s_b + t];
    }
  if (part == 0 && pb->db)
    {
      int n_bias = pb->a_n / pb->a_per_bias;
      for (int o = 0; o < n_bias; o++)
        {
          double s = 0.0;
          for (int p = 0; p < pb->n_parts; p++)
            s += ((const double *) (pb->ws + (gsize) p * pb->ws_part + pb->part_off
                                    + pb->part_n))[o];
          pb->db[o] += (float) s;
        }
    }
}

static gsize
SFX (red_plan) (SFX (RedProblem) *pb, int n, int h, int w, int pad, int threads)
{
  int n_rows = n * h;
  int wp = w + pad;

  pb->blocked = pb->b_n >= VL;
  pb->cp = (gsize) (pb->b_n + VL - 1) / VL * VL;
  int band_planes = pb->blocked ? (int) pb->cp : pb->a_n + pb->b_n;
  int rows = SFX (rows_per_band) (band_planes, wp, n_rows);
  int n_bands = (n_rows + rows - 1) / rows;

  pb->n_parts = MAX (threads, 1);
  n_bands = (n_bands + pb->n_parts - 1) / pb->n_parts * pb->n_parts;
  n_bands = MIN (n_bands, n_rows);
  pb->n_bands = n_bands;
  if (pb->n_parts > n_bands)
    pb->n_parts = n_bands;
  int max_rows = (n_rows + n_bands - 1) / n_bands;
  SFX (geo_init) (&pb->geo, n, h, w, pad, 0, max_rows);
  pb->part_n = pb->blocked ? (gsize) pb->a_n * pb->taps * pb->cp
                           : (gsize) pb->a_n * pb->b_n * pb->taps;
  pb->part_n += pb->part_n & 1;     /* the double partial db follows */
  if (pb->blocked)
    {
      /* band, then one Seg per band row (two floats' worth each is not
       * enough on 64-bit: count four) */
      gsize band = pb->cp * pb->geo.ps;
      int band_rows = max_rows + (pad ? max_rows / h + 1 : 0);
      pb->part_off = band + (gsize) band_rows * 4;
    }
  else
    pb->part_off = (gsize) (pb->a_n + pb->b_n) * pb->geo.ps;
  pb->part_off = (pb->part_off + VL - 1) / VL * VL;
  pb->ws_part = pb->part_off + pb->part_n + 2 * (gsize) pb->a_n;
  pb->ws_part = (pb->ws_part + VL - 1) / VL * VL;
  return pb->ws_part * MAX (threads, 1) + VL;
}

static void
SFX (red_run) (SFX (RedProblem) *pb, float *ws)
{
  pb->ws = (float *) (((guintptr) ws + VL * sizeof (float) - 1) & ~(guintptr) (VL * sizeof (float) - 1));
  pl_conv_parallel (pb->n_parts, SFX (red_part), pb);
  pl_conv_parallel (pb->n_parts, SFX (red_sum_part), pb);
}

/* ---------------------------------------------------------------------- */
/* The public kernels                                                     */

static void
SFX (conv2d_fwd_problem) (SFX (FwdProblem) *pb, const PlConvShape *s, gboolean backward)
{
  memset (pb, 0, sizeof *pb);
  int kk = s->k * s->k;
  pb->c_in = backward ? s->o : s->c;
  pb->c_out = backward ? s->c : s->o;
  pb->in_kind = SFX (IN_PLANES);
  pb->out_kind = SFX (OUT_PLANES);
  pb->s_out = backward ? (gsize) kk : (gsize) s->c * kk;
  pb->s_in = backward ? (gsize) s->c * kk : (gsize) kk;
  pb->taps = kk;
  pb->flip = backward;
  SFX (fwd_plan) (pb, s->n, s->h, s->w, s->k / 2, pl_engine_get_threads ());
}

static void
SFX (conv2d_red_problem) (SFX (RedProblem) *pb, const PlConvShape *s)
{
  memset (pb, 0, sizeof *pb);
  int kk = s->k * s->k;
  pb->a_n = s->o;
  pb->a_kind = SFX (IN_PLANES);
  pb->b_n = s->c;
  pb->taps = kk;
  pb->s_a = (gsize) s->c * kk;
  pb->s_b = kk;
  pb->a_per_bias = 1;
  SFX (red_plan) (pb, s->n, s->h, s->w, s->k / 2, pl_engine_get_threads ());
}

static gsize
SFX (conv2d_workspace) (const PlConvShape *s, int threads)
{
  SFX (FwdProblem) f, b;
  SFX (RedProblem) r;
  memset (&f, 0, sizeof f);
  memset (&b, 0, sizeof b);
  memset (&r, 0, sizeof r);
  int kk = s->k * s->k;
  f.c_in = s->c;
  b.c_in = s->o;
  r.a_n = s->o;
  r.b_n = s->c;
  r.taps = kk;
  gsize nf = SFX (fwd_plan) (&f, s->n, s->h, s->w, s->k / 2, threads);
  gsize nb = SFX (fwd_plan) (&b, s->n, s->h, s->w, s->k / 2, threads);
  gsize nr = SFX (red_plan) (&r, s->n, s->h, s->w, s->k / 2, threads);
  return MAX (nf, MAX (nb, nr));
}

static void
SFX (conv2d_forward) (const PlConvShape *s, const float *x, const float *w, const float *b,
                      float *y, gboolean accumulate, gboolean relu, float *ws)
{
  SFX (FwdProblem) pb;
  SFX (conv2d_fwd_problem) (&pb, s, FALSE);
  pb.in = x;
  pb.w = w;
  pb.out = y;
  pb.bias = b;
  pb.accumulate = accumulate;
  pb.relu = relu;
  SFX (fwd_run) (&pb, ws);
}

static void
SFX (conv2d_backward_data) (const PlConvShape *s, const float *dy, const float *w, float *dx,
                            float *ws)
{
  SFX (FwdProblem) pb;
  SFX (conv2d_fwd_problem) (&pb, s, TRUE);
  pb.in = dy;
  pb.w = w;
  pb.out = dx;
  pb.accumulate = TRUE;
  SFX (fwd_run) (&pb, ws);
}

static void
SFX (conv2d_backward_weights) (const PlConvShape *s, const float *x, const float *dy, float *dw,
                               float *db, float *ws)
{
  SFX (RedProblem) pb;
  SFX (conv2d_red_problem) (&pb, s);
  pb.a_src = dy;
  pb.b_src = x;
  pb.dw = dw;
  pb.db = db;
  SFX (red_run) (&pb, ws);
}

/* convT 2×2 s2 as a 1×1 convolution on the input grid with 4·O tap
 * channels m = o·4 + u·2 + v: W(m, c) = w[c·4O + m] */
static void
SFX (convt_fwd_problem) (SFX (FwdProblem) *pb, const PlConvShape *s, gboolean backward)
{
  memset (pb, 0, sizeof *pb);
  int o4 = 4 * s->o;
  pb->c_in = backward ? o4 : s->c;
  pb->c_out = backward ? s->c : o4;
  pb->in_kind = backward ? SFX (IN_TAPS) : SFX (IN_PLANES);
  pb->out_kind = backward ? SFX (OUT_PLANES) : SFX (OUT_TAPS);
  pb->s_out = backward ? (gsize) o4 : 1;
  pb->s_in = backward ? 1 : (gsize) o4;
  pb->taps = 1;
  SFX (fwd_plan) (pb, s->n, s->h, s->w, 0, pl_engine_get_threads ());
}

static void
SFX (convt_red_problem) (SFX (RedProblem) *pb, const PlConvShape *s)
{
  memset (pb, 0, sizeof *pb);
  int o4 = 4 * s->o;
  pb->a_n = o4;
  pb->a_kind = SFX (IN_TAPS);
  pb->b_n = s->c;
  pb->taps = 1;
  pb->s_a = 1;
  pb->s_b = o4;
  pb->a_per_bias = 4;
  SFX (red_plan) (pb, s->n, s->h, s->w, 0, pl_engine_get_threads ());
}

static gsize
SFX (convt_workspace) (const PlConvShape *s, int threads)
{
  SFX (FwdProblem) f, b;
  SFX (RedProblem) r;
  memset (&f, 0, sizeof f);
  memset (&b, 0, sizeof b);
  memset (&r, 0, sizeof r);
  f.c_in = s->c;
  b.c_in = 4 * s->o;
  r.a_n = 4 * s->o;
  r.b_n = s->c;
  r.taps = 1;
  gsize nf = SFX (fwd_plan) (&f, s->n, s->h, s->w, 0, threads);
  gsize nb = SFX (fwd_plan) (&b, s->n, s->h, s->w, 0, threads);
  gsize nr = SFX (red_plan) (&r, s->n, s->h, s->w, 0, threads);
  return MAX (nf, MAX (nb, nr));
}

static void
SFX (convt_forward) (const PlConvShape *s, const float *x, const float *w, const float *b,
                     float *y, gboolean accumulate, float *ws)
{
  SFX (FwdProblem) pb;
  SFX (convt_fwd_problem) (&pb, s, FALSE);
  pb.in = x;
  pb.w = w;
  pb.out = y;
  pb.bias = b;
  pb.accumulate = accumulate;
  SFX (fwd_run) (&pb, ws);
}

static void
SFX (convt_backward_data) (const PlConvShape *s, const float *dy, const float *w, float *dx,
                           float *ws)
{
  SFX (FwdProblem) pb;
  SFX (convt_fwd_problem) (&pb, s, TRUE);
  pb.in = dy;
  pb.w = w;
  pb.out = dx;
  pb.accumulate = TRUE;
  SFX (fwd_run) (&pb, ws);
}

static void
SFX (convt_backward_weights) (const PlConvShape *s, const float *x, const float *dy, float *dw,
                              float *db, float *ws)
{
  SFX (RedProblem) pb;
  SFX (convt_red_problem) (&pb, s);
  pb.a_src = dy;
  pb.b_src = x;
  pb.dw = dw;
  pb.db = db;
  SFX (red_run) (&pb, ws);
}
