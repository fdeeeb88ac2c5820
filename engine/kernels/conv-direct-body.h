/* conv-direct-body.h: forward-type direct kernels (see conv-impl-body.h).
 *
 * Convolution forward; backward-data, which is a forward convolution with the
 * weights transposed and flipped; convT forward and backward-data, which are
 * 1×1 convolutions with 4O channels on one side.  Each computes a tile of OB
 * output channels × PV·VL positions of the band layout in registers,
 * broadcasting one weight against PV input vectors per step, and hands the
 * tile to a store routine that writes NCHW rows (or interleaves the 2×2 taps
 * of convT).
 */

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

/* 1×1 kernels with fewer position vectors, for the last tile of a band */
#define FWD1_KERN(OB, PV) \
  static void SFX (fwd1_##OB##_##PV) (const float *xq, gsize ps, int wp, const float *w, \
                                      gsize s_out, gsize s_in, int c_n, float *stage, int tq) \
  { SFX (fwd_body) (OB, PV, 1, 0, xq, ps, wp, w, s_out, s_in, c_n, stage, tq); }
#define FWD1_KERNS(OB) FWD1_KERN (OB, 1) FWD1_KERN (OB, 2)
FWD1_KERNS (1)
FWD1_KERNS (2)
FWD1_KERNS (3)
FWD1_KERNS (4)
#if OB_MAX > 4
FWD1_KERNS (5)
FWD1_KERNS (6)
FWD1_KERNS (7)
FWD1_KERNS (8)
#endif
#define FWD1_ROW(OB) { SFX (fwd1_##OB##_1), SFX (fwd1_##OB##_2), SFX (fwd_##OB##_1_0) }
/* [OB][PV − 1], PV up to PV_MAX = 3 */
static const SFX (FwdKern) SFX (fwd1_kerns)[OB_MAX + 1][3] = {
  { NULL, NULL, NULL }, FWD1_ROW (1), FWD1_ROW (2), FWD1_ROW (3), FWD1_ROW (4),
#if OB_MAX > 4
  FWD1_ROW (5), FWD1_ROW (6), FWD1_ROW (7), FWD1_ROW (8),
#endif
};

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
  int n_bands, o_split, n_parts, n_threads;
  float *ws;
  gsize ws_part;            /* per thread */
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

/* y[2j + v] = (accumulate ? y : 0) + s_v[j] + bias, v = 0, 1, j < len
 * (rows of convT's deep levels are shorter than a vector: masked tails) */
static inline void
SFX (store_row_taps) (float *y, const float *s0, const float *s1, int len, float bias,
                      gboolean accumulate)
{
  VF b = v_set1 (bias);
  for (int j = 0; j < len; j += VL)
    {
      int n = MIN (VL, len - j);
      VF lo, hi;
      VF e = n == VL ? v_load (s0 + j) : v_load_n (s0 + j, n);
      VF o = n == VL ? v_load (s1 + j) : v_load_n (s1 + j, n);
      v_interleave (v_add (e, b), v_add (o, b), &lo, &hi);
      int nl = MIN (2 * n, VL), nh = 2 * n - nl;
      float *yl = y + 2 * j, *yh = yl + VL;
      if (nl == VL)
        v_store (yl, accumulate ? v_add (lo, v_load (yl)) : lo);
      else
        v_store_n (yl, accumulate ? v_add (lo, v_load_n (yl, nl)) : lo, nl);
      if (nh == VL)
        v_store (yh, accumulate ? v_add (hi, v_load (yh)) : hi);
      else if (nh > 0)
        v_store_n (yh, accumulate ? v_add (hi, v_load_n (yh, nh)) : hi, nh);
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

/* Prefetches for writing the output lines of a tile (as fwd_store will
 * write them), so that their reads for ownership overlap the next tile's
 * arithmetic instead of stalling the stores. */
static void
SFX (fwd_prefetch_out) (const SFX (FwdProblem) *pb, const SFX (Band) *bd, int q0, int o0,
                        int ob_n)
{
  const SFX (Geo) *geo = &pb->geo;
  int wp = geo->wp, w = geo->w, h = geo->h;
  int q_end = MIN (q0 + geo->tq, bd->rows * wp);

  if (pb->out_kind != SFX (OUT_PLANES))
    return;
  for (int r = q0 / wp; r * wp < q_end; r++)
    {
      int g = SFX (band_row_global) (geo, bd, r, FALSE);
      if (g < 0)
        continue;
      int qa = MAX (q0, r * wp), qb = MIN (q_end, r * wp + w);
      if (qb <= qa)
        continue;
      int n = g / h, i = g % h, j = qa - r * wp, len = qb - qa;
      for (int ob = 0; ob < ob_n; ob++)
        {
          const char *y = (const char *) (pb->out + (((gsize) n * pb->c_out + o0 + ob) * h + i) * w + j);
          const char *end = y + (gsize) len * sizeof (float);
          for (const char *p = (const char *) ((guintptr) y & ~(guintptr) 63); p < end; p += 64)
            /* as asm: GCC deletes calls of a function whose only
             * effects are prefetches */
            __asm__ volatile ("prefetchw %0" : : "m" (*p));
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
  float *xb = pb->ws + (gsize) pl_conv_slot () * pb->ws_part;
  float *stage = xb + (gsize) pb->c_in * geo->ps;
  int fi = pb->taps == 9 ? (pb->flip ? 1 : 0) : 2;
  int ob_max = pb->out_kind == SFX (OUT_TAPS) ? OB_MAX / 4 * 4 : OB_MAX;
  SFX (Band) bd, next;

  if (band0 < band1)
    SFX (band_init) (geo, &next, (int) ((gint64) band0 * n_rows / pb->n_bands),
                     (int) ((gint64) (band0 + 1) * n_rows / pb->n_bands));
  for (int bi = band0; bi < band1; bi++)
    {
      SFX (Prefetch) pf;
      bd = next;
      if (bi + 1 < band1)
        SFX (band_init) (geo, &next, (int) ((gint64) (bi + 1) * n_rows / pb->n_bands),
                         (int) ((gint64) (bi + 2) * n_rows / pb->n_bands));
      if (bd.rows <= 0)
        continue;
      SFX (fwd_band_fill) (pb, &bd, xb);
      int q_n = bd.rows * geo->wp;
      int n_ob = (oz - oa + ob_max - 1) / ob_max, n_tiles = (q_n + geo->tq - 1) / geo->tq;
      if (bi + 1 < band1)
        SFX (prefetch_init) (&pf, geo, pb->in, pb->in_kind == SFX (IN_TAPS) ? pb->c_in / 4 : pb->c_in,
                             pb->in_kind == SFX (IN_TAPS), next.g0, next.g1);
      else
        SFX (prefetch_init) (&pf, geo, NULL, 0, FALSE, 0, 0);
      int per_call = (int) (SFX (prefetch_lines) (&pf) / (gsize) MAX (n_ob * n_tiles, 1)) + 1;
      /* o-blocks outside: the block's weights stay in L1 while its tiles
       * stream the band from L2 */
      for (int o0 = oa; o0 < oz; o0 += ob_max)
        for (int q0 = 0; q0 < q_n; q0 += geo->tq)
          {
            int ob_n = MIN (ob_max, oz - o0);
            SFX (fwd_kerns)[ob_n][fi] (xb + geo->lead + q0, geo->ps, geo->wp,
                                       pb->w + (gsize) o0 * pb->s_out, pb->s_out, pb->s_in,
                                       pb->c_in, stage, geo->tq);
            if (q0 + geo->tq < q_n)
              SFX (fwd_prefetch_out) (pb, &bd, q0 + geo->tq, o0, ob_n);
            SFX (fwd_store) (pb, &bd, q0, o0, ob_n, stage);
            SFX (prefetch_some) (&pf, per_call);
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
 * grid for `threads` threads; returns the workspace floats it needs. */
static gsize
SFX (fwd_plan) (SFX (FwdProblem) *pb, int n, int h, int w, int pad, int threads)
{
  int n_rows = n * h;
  int tq = PV_MAX * VL;
  int wp = w + pad;
  int rows = SFX (rows_per_band) (pb->c_in, wp, n_rows);
  int n_bands = (n_rows + rows - 1) / rows;
  gsize q_total = (gsize) n_rows * wp;

  SFX (plan_parts) (threads, n_rows, q_total, tq, &n_bands, &pb->n_parts, &pb->o_split);
  pb->n_threads = MAX (threads, 1);
  pb->n_bands = n_bands;
  int max_rows = (n_rows + n_bands - 1) / n_bands;
  SFX (geo_init) (&pb->geo, n, h, w, pad, tq, max_rows);
  /* scratch per thread: the band and a tile's outputs */
  pb->ws_part = (gsize) pb->c_in * pb->geo.ps + (gsize) OB_MAX * tq;
  return pb->ws_part * pb->n_threads + VL;
}

static void
SFX (fwd_run) (SFX (FwdProblem) *pb, float *ws)
{
  /* align the scratch to the vector size */
  pb->ws = (float *) (((guintptr) ws + VL * sizeof (float) - 1) & ~(guintptr) (VL * sizeof (float) - 1));
  pl_conv_parallel (pb->n_parts, pb->n_threads, SFX (fwd_part), pb);
}
