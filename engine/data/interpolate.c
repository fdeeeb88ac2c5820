/* Shape-based interpolation between painted slices.  See interpolate.h. */
#define G_LOG_DOMAIN "pl-interpolate"

#include "engine/data/interpolate.h"

#include <math.h>
#include <string.h>

#include "engine/core/error.h"
#include "engine/data/dataset.h"

/* "Far": larger than any squared distance on a slice, small enough that sums
 * of it with squared pixel distances stay finite in double precision. */
#define FAR 1e20

void
pl_interpolate_options_init (PlInterpolateOptions *options,
                             int                   axis)
{
  memset (options, 0, sizeof *options);
  options->axis = axis;
  options->over = PL_PAINT_OVER_UNLABELLED;
}

/* ---- distance transform ----------------------------------------------------- */

/* d[q] = min_p s2·(q − p)² + f[p]: the lower envelope of parabolas rooted at
 * every p (v: their roots, z: the boundaries between them, n + 1 entries). */
static void
edt_1d (const double *f,
        int           n,
        double        s2,
        double       *d,
        int          *v,
        double       *z)
{
  int k = 0;

  v[0] = 0;
  z[0] = -HUGE_VAL;
  z[1] = HUGE_VAL;
  for (int q = 1; q < n; q++)
    {
      double s;
      for (;;)
        {
          int p = v[k];
          s = ((f[q] + s2 * q * q) - (f[p] + s2 * p * p)) / (2.0 * s2 * (q - p));
          if (k > 0 && s <= z[k])
            {
              k--;
              continue;
            }
          break;
        }
      k++;
      v[k] = q;
      z[k] = s;
      z[k + 1] = HUGE_VAL;
    }
  k = 0;
  for (int q = 0; q < n; q++)
    {
      while (z[k + 1] < q)
        k++;
      d[q] = s2 * (double) (q - v[k]) * (q - v[k]) + f[v[k]];
    }
}

void
pl_edt_2d (float  *f,
           int     h,
           int     w,
           double  sy,
           double  sx)
{
  int n;
  double *g, *d, *z;
  int *v;

  g_return_if_fail (f != NULL && h > 0 && w > 0);

  n = MAX (h, w);
  g = g_new (double, n);
  d = g_new (double, n);
  z = g_new (double, n + 1);
  v = g_new (int, n);

  for (int x = 0; x < w; x++)
    {
      for (int y = 0; y < h; y++)
        g[y] = f[(gsize) y * w + x];
      edt_1d (g, h, sy * sy, d, v, z);
      for (int y = 0; y < h; y++)
        f[(gsize) y * w + x] = (float) MIN (d[y], FAR);
    }
  for (int y = 0; y < h; y++)
    {
      float *row = f + (gsize) y * w;
      for (int x = 0; x < w; x++)
        g[x] = row[x];
      edt_1d (g, w, sx * sx, d, v, z);
      for (int x = 0; x < w; x++)
        row[x] = (float) MIN (d[x], FAR);
    }
  g_free (g);
  g_free (d);
  g_free (z);
  g_free (v);
}

/* ---- signed distance of one label on one slice ------------------------------ */

typedef struct
{
  int      h, w;
  double   sy, sx;
  guint16 *slice;    /* (h, w) scratch */
  float   *tmp;      /* (h, w) scratch */
} Scratch;

/* out (h, w): negative inside `value`, positive outside, in mm, with the
 * boundary half a pixel from the centres on either side of it. */
static void
signed_distance (const PlLabels *labels,
                 int             axis,
                 gint64          index,
                 guint16         value,
                 Scratch        *s,
                 float          *out)
{
  gsize n = (gsize) s->h * s->w;
  double half = 0.5 * MIN (s->sy, s->sx);
  double cap = sqrt (s->h * s->sy * s->h * s->sy + s->w * s->sx * s->w * s->sx);

  pl_labels_get_slice (labels, axis, index, s->slice);
  for (gsize i = 0; i < n; i++)
    {
      gboolean inside = s->slice[i] == value;
      out[i] = inside ? 0.0f : (float) FAR;
      s->tmp[i] = inside ? (float) FAR : 0.0f;
    }
  pl_edt_2d (out, s->h, s->w, s->sy, s->sx);
  pl_edt_2d (s->tmp, s->h, s->w, s->sy, s->sx);
  for (gsize i = 0; i < n; i++)
    {
      if (s->slice[i] == value)
        out[i] = (float) -(MIN (sqrt (s->tmp[i]), cap) - half);
      else
        out[i] = (float) (MIN (sqrt (out[i]), cap) - half);
    }
}

/* ---- interpolation ---------------------------------------------------------- */

typedef struct
{
  guint16  value;
  GArray  *keys;          /* gint64 slices holding the label, increasing */
  guint    pos;           /* keys[pos] <= t < keys[pos + 1] */
  float   *sdf[2];        /* distance fields of keys[pos], keys[pos + 1] */
  gint64   loaded[2];     /* which slice each holds, −1: none */
} Track;

static void
track_free (gpointer p)
{
  Track *tr = p;
  g_array_unref (tr->keys);
  g_free (tr->sdf[0]);
  g_free (tr->sdf[1]);
  g_free (tr);
}

static void
ensure_loaded (Track          *tr,
               const PlLabels *labels,
               int             axis,
               Scratch        *s)
{
  gint64 k0 = g_array_index (tr->keys, gint64, tr->pos);
  gint64 k1 = g_array_index (tr->keys, gint64, tr->pos + 1);

  if (tr->sdf[0] == NULL)
    {
      tr->sdf[0] = g_new (float, (gsize) s->h * s->w);
      tr->sdf[1] = g_new (float, (gsize) s->h * s->w);
    }
  if (tr->loaded[0] != k0 && tr->loaded[1] == k0)
    {
      float *t = tr->sdf[0];
      tr->sdf[0] = tr->sdf[1];
      tr->sdf[1] = t;
      tr->loaded[0] = k0;
      tr->loaded[1] = -1;
    }
  if (tr->loaded[0] != k0)
    {
      signed_distance (labels, axis, k0, tr->value, s, tr->sdf[0]);
      tr->loaded[0] = k0;
    }
  if (tr->loaded[1] != k1)
    {
      signed_distance (labels, axis, k1, tr->value, s, tr->sdf[1]);
      tr->loaded[1] = k1;
    }
}

static int
compare_tracks (gconstpointer a,
                gconstpointer b)
{
  const Track *x = *(const Track *const *) a, *y = *(const Track *const *) b;
  return (int) x->value - (int) y->value;
}

static inline gboolean
is_locked (const guint8 *locked,
           guint16       value)
{
  return locked && (locked[value >> 3] & (1u << (value & 7)));
}

gboolean
pl_interpolate_slices (PlLabels                   *labels,
                       const PlInterpolateOptions *options,
                       PlEdit                     *edit,
                       PlInterpolateStats         *stats,
                       GError                    **error)
{
  int axis, h, w, a, b;
  gint64 depth;
  gsize sh, sw, off, n;
  g_autofree int *track_of = NULL;
  g_autofree guint8 *wanted = NULL;
  g_autoptr (GPtrArray) tracks = NULL;
  g_autofree float *best_d = NULL;
  g_autofree guint16 *best_l = NULL;
  Scratch s;
  PlInterpolateStats st = { 0 };

  g_return_val_if_fail (labels != NULL && options != NULL, FALSE);

  axis = options->axis;
  if (axis < 0 || axis > 2)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "interpolation axis %d is not a voxel axis (0, 1 or 2)", axis);
      return FALSE;
    }
  wanted = g_new0 (guint8, 65536);
  if (options->only && options->n_only > 0)
    {
      for (int i = 0; i < options->n_only; i++)
        {
          if (options->only[i] == 0)
            {
              g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                           "label 0 (unlabelled) cannot be interpolated");
              return FALSE;
            }
          wanted[options->only[i]] = 1;
        }
    }
  else
    memset (wanted + 1, 1, 65535);

  depth = labels->dim[axis];
  pl_slice_dims (labels->dim, axis, &h, &w);
  a = axis == 0 ? 1 : 0;
  b = axis == 2 ? 1 : 2;
  s.h = h;
  s.w = w;
  s.sy = options->spacing[a] > 0 ? options->spacing[a] : 1.0;
  s.sx = options->spacing[b] > 0 ? options->spacing[b] : 1.0;
  n = (gsize) h * w;

  /* Key slices of every wanted label present, in increasing slice order. */
  track_of = g_new (int, 65536);
  memset (track_of, 0xff, 65536 * sizeof (int));
  tracks = g_ptr_array_new_with_free_func (track_free);
  for (gint64 t = 0; t < depth; t++)
    {
      pl_slice_strides (labels->dim, axis, t, &sh, &sw, &off);
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          {
            guint16 v = labels->data[off + y * sh + x * sw];
            Track *tr;
            if (!wanted[v])
              continue;
            if (track_of[v] < 0)
              {
                tr = g_new0 (Track, 1);
                tr->value = v;
                tr->keys = g_array_new (FALSE, FALSE, sizeof (gint64));
                tr->loaded[0] = tr->loaded[1] = -1;
                track_of[v] = (int) tracks->len;
                g_ptr_array_add (tracks, tr);
              }
            tr = g_ptr_array_index (tracks, track_of[v]);
            if (tr->keys->len == 0 || g_array_index (tr->keys, gint64, tr->keys->len - 1) != t)
              g_array_append_val (tr->keys, t);
          }
    }
  /* Lower values first, so that ties go to them (strict < below). */
  g_ptr_array_sort (tracks, compare_tracks);

  s.slice = g_new (guint16, n);
  s.tmp = g_new (float, n);
  best_d = g_new (float, n);
  best_l = g_new (guint16, n);
  {
    g_autofree guint8 *used = g_new0 (guint8, tracks->len);

    for (gint64 t = 0; t < depth; t++)
      {
        gboolean any = FALSE;

        for (guint li = 0; li < tracks->len; li++)
          {
            Track *tr = g_ptr_array_index (tracks, li);
            const gint64 *keys = (const gint64 *) tr->keys->data;
            guint nk = tr->keys->len;
            gint64 k0, k1;
            float wt;

            if (nk < 2 || t < keys[0] || t >= keys[nk - 1])
              continue;
            while (keys[tr->pos + 1] <= t)
              tr->pos++;
            k0 = keys[tr->pos];
            k1 = keys[tr->pos + 1];
            if (k1 - k0 < 2)
              continue;
            /* Loaded before slice t is written: the fields always come from
             * the slices as painted, even when t itself is a key slice. */
            ensure_loaded (tr, labels, axis, &s);
            if (k0 == t)
              continue;
            if (!any)
              {
                for (gsize i = 0; i < n; i++)
                  {
                    best_d[i] = 0.0f;
                    best_l[i] = 0;
                  }
                any = TRUE;
              }
            wt = (float) (t - k0) / (float) (k1 - k0);
            for (gsize i = 0; i < n; i++)
              {
                float d = (1.0f - wt) * tr->sdf[0][i] + wt * tr->sdf[1][i];
                if (d < best_d[i])
                  {
                    best_d[i] = d;
                    best_l[i] = tr->value;
                  }
              }
            used[li] = 1;
            st.n_slices_filled++;
          }
        if (!any)
          continue;
        pl_slice_strides (labels->dim, axis, t, &sh, &sw, &off);
        for (int y = 0; y < h; y++)
          for (int x = 0; x < w; x++)
            {
              guint16 v = best_l[(gsize) y * w + x];
              gsize i = off + y * sh + x * sw;
              guint16 c = labels->data[i];
              if (v == 0 || c == v)
                continue;
              if (c != 0 && options->over != PL_PAINT_OVER_ALL)
                continue;
              if (is_locked (options->locked, c))
                continue;
              labels->data[i] = v;
              if (edit)
                pl_edit_record (edit, i, c, v);
              st.n_changed++;
            }
      }
    for (guint li = 0; li < tracks->len; li++)
      st.n_labels += used[li];
  }
  g_free (s.slice);
  g_free (s.tmp);
  if (stats)
    *stats = st;
  return TRUE;
}
