/* conv-band-body.h: the padded band layout the direct and Winograd
 * kernels read their inputs from, written once over a vector width (see
 * conv-impl-body.h).
 *
 * The input planes of a group of image rows (a "band") are copied into a
 * padded scratch layout in which every row is W + 1 floats long (the extra
 * float is zero and serves as the right pad of its row and the left pad of
 * the next), images in the band are separated by one zero row that serves as
 * the bottom pad of one image and the top pad of the next, and a zero row
 * sits above and below the band.  A 3×3 tap (u, v) of flattened position q
 * is then position q + (u-1)(W+1) + (v-1) in the same plane, for every q, so
 * the kernels run over long contiguous vectors (positions of the zero column
 * and rows are computed and dropped).  1×1 and transposed convolutions use
 * rows of W floats and no padding.  The weight gradients read a
 * channel-blocked variant (VL channels interleaved per position).
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

/* Prefetches the input rows of the next band into L2, a few cache lines at
 * a time between tiles of the current band, so that filling it does not
 * wait for memory.  Rows are visited plane by plane. */
typedef struct
{
  const float *src;       /* NCHW tensor, or NULL when done */
  gsize img_stride, plane_stride;
  int row_stride, h, planes;
  int g_first, n_r;       /* global rows [g_first, g_first + n_r) */
  int c, r, line, n_line;
} SFX (Prefetch);

/* Rows [g0 - pad, g1 + pad) of `planes` planes; taps: a convT output
 * gradient, whose input-grid row g is two rows of 2w floats. */
static void
SFX (prefetch_init) (SFX (Prefetch) *pf, const SFX (Geo) *geo, const float *src, int planes,
                     gboolean taps, int g0, int g1)
{
  int n_rows = geo->n * geo->h;
  gsize hw = (gsize) geo->h * geo->w;
  int row_len = taps ? 4 * geo->w : geo->w;

  memset (pf, 0, sizeof *pf);
  if (!src || g1 <= g0)
    return;
  pf->src = src;
  pf->plane_stride = taps ? 4 * hw : hw;
  pf->img_stride = (gsize) planes * pf->plane_stride;
  pf->row_stride = row_len;
  pf->h = geo->h;
  pf->planes = planes;
  pf->g_first = MAX (g0 - geo->pad, 0);
  pf->n_r = MIN (g1 + geo->pad, n_rows) - pf->g_first;
  pf->n_line = (int) ((row_len * sizeof (float) + 63) / 64) + 1;
}

static inline gsize
SFX (prefetch_lines) (const SFX (Prefetch) *pf)
{
  return pf->src ? (gsize) pf->planes * pf->n_r * pf->n_line : 0;
}

static inline void
SFX (prefetch_some) (SFX (Prefetch) *pf, int count)
{
  if (!pf->src)
    return;
  for (; count > 0; count--)
    {
      int g = pf->g_first + pf->r;
      const float *row = pf->src + (gsize) (g / pf->h) * pf->img_stride
                         + (gsize) pf->c * pf->plane_stride + (gsize) (g % pf->h) * pf->row_stride;
      __builtin_prefetch ((const char *) row + (gsize) pf->line * 64, 0, 2);
      if (++pf->line < pf->n_line)
        continue;
      pf->line = 0;
      if (++pf->r < pf->n_r)
        continue;
      pf->r = 0;
      if (++pf->c >= pf->planes)
        {
          pf->src = NULL;
          return;
        }
    }
}

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

/* Parts per thread for the forward-type passes, whose results do not depend
 * on the partition: a thread that the system deschedules leaves work the
 * others can claim. */
#define PARTS_PER_THREAD 4

/* Splits n_units band units (rows or tile rows, q_total positions) over
 * `threads`: either by bands (*n_bands of them, *n_parts parts, a multiple
 * of threads) or, when there are too few positions to give every thread
 * several tiles (deep levels at batch 1), by output channels (*o_split =
 * *n_parts = threads, every part on all bands). */
static void
SFX (plan_parts) (int threads, int n_units, gsize q_total, int tq, int *n_bands, int *n_parts,
                  int *o_split)
{
  int nb = *n_bands;

  threads = MAX (threads, 1);
  *o_split = 1;
  *n_parts = 1;
  if (threads > 1 && (q_total < (gsize) threads * 4 * tq || MIN (nb, n_units) < threads))
    {
      *o_split = threads;
      *n_parts = threads;
    }
  else if (threads > 1)
    {
      int k = CLAMP (nb / threads, 1, MIN (PARTS_PER_THREAD, PL_CONV_MAX_PARTS / threads));
      *n_parts = threads * k;
      nb = (nb + *n_parts - 1) / *n_parts * *n_parts;
    }
  *n_bands = MIN (nb, n_units);
}
