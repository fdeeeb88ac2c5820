/* conv-wgrad-body.h: direct weight-gradient kernels (see conv-impl-body.h).
 *
 * Each thread accumulates its bands into a partial gradient; the partials are
 * summed in thread order, so results are identical for a given thread count.
 */

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
      /* no software prefetch of the next band here: measured, the hardware
       * prefetchers serve the transposing fill's sequential row streams as
       * well or better */
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
              /* blocks of nearly equal size (16 = 3+3+3+3+2+2, not 5×3 + 1:
               * a block of one loads as often as it multiplies) */
              int n_ab = (pb->a_n + RED_OB_MAX - 1) / RED_OB_MAX;
              for (int cb = 0; cb < n_cb; cb++)
                for (int ab = 0; ab < n_ab; ab++)
                  {
                    int a = (int) ((gint64) ab * pb->a_n / n_ab);
                    int ob = (int) ((gint64) (ab + 1) * pb->a_n / n_ab) - a;
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

  if (!pb->blocked)
    {
      for (int p = 0; p < pb->n_parts; p++)
        {
          const float *dwp = pb->ws + (gsize) p * pb->ws_part + pb->part_off;
          for (int a = a0; a < a1; a++)
            for (int b = 0; b < pb->b_n; b++)
              for (int t = 0; t < t_n; t++)
                pb->dw[a * pb->s_a + b * pb->s_b + t] += dwp[a * pb->s_a + b * pb->s_b + t];
        }
    }
  else
    {
      /* The partials hold dW(a, t, b) with b contiguous, dw has (a, b, t) or
       * (b, a): 16 × 16 blocks, so that reads and writes both stay within a
       * few cache lines (convT's dw rows are 4·O floats apart). */
      for (int ab = a0; ab < a1; ab += 16)
        for (int bb = 0; bb < pb->b_n; bb += 16)
          for (int t = 0; t < t_n; t++)
            {
              float blk[16][16];
              int na = MIN (16, a1 - ab), nb = MIN (16, pb->b_n - bb);
              for (int a = 0; a < na; a++)
                {
                  gsize off = ((gsize) (ab + a) * t_n + t) * pb->cp + bb;
                  for (int b = 0; b < nb; b++)
                    blk[a][b] = 0.0f;
                  for (int p = 0; p < pb->n_parts; p++)
                    {
                      const float *dwp = pb->ws + (gsize) p * pb->ws_part + pb->part_off + off;
                      for (int b = 0; b < nb; b++)
                        blk[a][b] += dwp[b];
                    }
                }
              for (int a = 0; a < na; a++)
                for (int b = 0; b < nb; b++)
                  pb->dw[(gsize) (ab + a) * pb->s_a + (gsize) (bb + b) * pb->s_b + t] += blk[a][b];
            }
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
  pl_conv_parallel (pb->n_parts, pb->n_parts, SFX (red_part), pb);
  pl_conv_parallel (pb->n_parts, pb->n_parts, SFX (red_sum_part), pb);
}
