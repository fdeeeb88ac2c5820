/* Sanity checks (Adebayo et al. 2018) and faithfulness curves (Petsiuk et
 * al. 2018). */
#define G_LOG_DOMAIN "pl-explain"

#include "engine/explain/sanity.h"
#include "engine/explain/explain-private.h"
#include "engine/core/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

char **
pl_sanity_layers (const PlUnet *unet)
{
  const PlUnetConfig *c = pl_unet_get_config (unet);
  GPtrArray *a = g_ptr_array_new ();

  g_ptr_array_add (a, g_strdup ("head"));
  for (int L = 2; L <= c->head_scales; L++)
    g_ptr_array_add (a, g_strdup_printf ("head_fcn.%d", L));
  for (int j = c->depth - 2; j >= 0; j--)
    {
      g_ptr_array_add (a, g_strdup_printf ("dec.%d.1", j));
      g_ptr_array_add (a, g_strdup_printf ("dec.%d.0", j));
      if (c->upsample == PL_UPSAMPLE_CONVT)
        g_ptr_array_add (a, g_strdup_printf ("up.%d", j));
    }
  if (c->attention_heads > 0)
    {
      g_ptr_array_add (a, g_strdup ("attn.o"));
      g_ptr_array_add (a, g_strdup ("attn.v"));
      g_ptr_array_add (a, g_strdup ("attn.k"));
      g_ptr_array_add (a, g_strdup ("attn.q"));
    }
  for (int l = c->depth - 1; l >= 0; l--)
    {
      g_ptr_array_add (a, g_strdup_printf ("enc.%d.1", l));
      g_ptr_array_add (a, g_strdup_printf ("enc.%d.0", l));
    }
  g_ptr_array_add (a, NULL);
  return (char **) g_ptr_array_free (a, FALSE);
}

gboolean
pl_sanity_randomise (PlUnet *unet, const char *layer, guint64 seed)
{
  g_autofree char *wn = g_strdup_printf ("%s.weight", layer);
  g_autofree char *bn = g_strdup_printf ("%s.bias", layer);
  gboolean found = FALSE;
  PlRng rng;

  pl_rng_init (&rng, seed);
  for (guint i = 0; i < pl_unet_n_tensors (unet); i++)
    {
      const PlUnetParam *p = pl_unet_tensor_info (unet, i);
      g_autofree float *v = NULL;
      if (strcmp (p->name, wn) == 0)
        {
          gboolean transposed = g_str_has_prefix (layer, "up.");
          int fan_in = transposed ? p->shape[0] : p->shape[1] * p->shape[2] * p->shape[3];
          float b = (float) sqrt (6.0 / fan_in);
          v = g_new (float, p->numel);
          for (gsize k = 0; k < p->numel; k++)
            v[k] = pl_rng_range (&rng, -b, b);
          found = TRUE;
        }
      else if (strcmp (p->name, bn) == 0)
        v = g_new0 (float, p->numel);
      if (v)
        pl_unet_param_import (unet, i, v);
    }
  return found;
}

/* ---- similarity ------------------------------------------------------- */

typedef struct
{
  float v;
  guint i;
} Item;

static int
cmp_item (const void *a, const void *b)
{
  float x = ((const Item *) a)->v, y = ((const Item *) b)->v;
  return x < y ? -1 : x > y;
}

/* Ranks 1…n, ties averaged. */
static void
ranks (const float *v, gsize n, gboolean absolute, double *r)
{
  g_autofree Item *it = g_new (Item, n);
  for (gsize i = 0; i < n; i++)
    it[i] = (Item) { absolute ? fabsf (v[i]) : v[i], (guint) i };
  qsort (it, n, sizeof *it, cmp_item);
  for (gsize i = 0; i < n;)
    {
      gsize j = i;
      while (j + 1 < n && it[j + 1].v == it[i].v)
        j++;
      for (gsize k = i; k <= j; k++)
        r[it[k].i] = 0.5 * (i + j) + 1.0;
      i = j + 1;
    }
}

static double
pearson (const double *a, const double *b, gsize n)
{
  double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
  for (gsize i = 0; i < n; i++)
    {
      ma += a[i];
      mb += b[i];
    }
  ma /= n;
  mb /= n;
  for (gsize i = 0; i < n; i++)
    {
      sab += (a[i] - ma) * (b[i] - mb);
      saa += (a[i] - ma) * (a[i] - ma);
      sbb += (b[i] - mb) * (b[i] - mb);
    }
  return saa > 0 && sbb > 0 ? sab / sqrt (saa * sbb) : 0.0;
}

static double
spearman (const float *a, const float *b, gsize n, gboolean absolute)
{
  g_autofree double *ra = g_new (double, n), *rb = g_new (double, n);
  ranks (a, n, absolute, ra);
  ranks (b, n, absolute, rb);
  return pearson (ra, rb, n);
}

double
pl_spearman (const float *a, const float *b, gsize n)
{
  return spearman (a, b, n, FALSE);
}

/* Wang et al. 2004 with 7×7 uniform windows (as scikit-image's default),
 * C1 = (0.01)², C2 = (0.03)² for maps scaled to [0, 1] by their min and max. */
static double
ssim (const float *a, const float *b, int h, int w)
{
  const int r = 3;
  gsize n = (gsize) h * w;
  g_autofree double *x = g_new (double, n), *y = g_new (double, n);
  const float *src[2] = { a, b };
  double *dst[2] = { x, y }, total = 0.0, c1 = 1e-4, c2 = 9e-4;
  long count = 0;

  for (int k = 0; k < 2; k++)
    {
      float lo = src[k][0], hi = src[k][0];
      for (gsize i = 1; i < n; i++)
        {
          lo = MIN (lo, src[k][i]);
          hi = MAX (hi, src[k][i]);
        }
      for (gsize i = 0; i < n; i++)
        dst[k][i] = hi > lo ? (src[k][i] - lo) / (double) (hi - lo) : 0.0;
    }
  for (int cy = r; cy < h - r; cy++)
    for (int cx = r; cx < w - r; cx++)
      {
        double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, m = (2 * r + 1) * (2 * r + 1);
        double mx, my, vx, vy, cxy;
        for (int yy = cy - r; yy <= cy + r; yy++)
          for (int xx = cx - r; xx <= cx + r; xx++)
            {
              double p = x[(gsize) yy * w + xx], q = y[(gsize) yy * w + xx];
              sx += p;
              sy += q;
              sxx += p * p;
              syy += q * q;
              sxy += p * q;
            }
        mx = sx / m;
        my = sy / m;
        /* Sample (co)variances, as scikit-image. */
        vx = (sxx - m * mx * mx) / (m - 1);
        vy = (syy - m * my * my) / (m - 1);
        cxy = (sxy - m * mx * my) / (m - 1);
        total += ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
        count++;
      }
  return count ? total / count : 1.0;
}

/* Dalal & Triggs 2005 without block normalisation: per 8×8 cell a 9-bin
 * histogram of unsigned gradient orientation weighted by magnitude. */
static double *
hog (const float *v, int h, int w, gsize *len)
{
  int cy = h / 8, cx = w / 8;
  double *f = g_new0 (double, (gsize) cy * cx * 9);
  for (int y = 1; y < cy * 8 - 1 && y < h - 1; y++)
    for (int x = 1; x < cx * 8 - 1 && x < w - 1; x++)
      {
        double gx = v[(gsize) y * w + x + 1] - v[(gsize) y * w + x - 1];
        double gy = v[(gsize) (y + 1) * w + x] - v[(gsize) (y - 1) * w + x];
        double mag = sqrt (gx * gx + gy * gy), ang = atan2 (gy, gx);
        int bin;
        if (ang < 0)
          ang += G_PI;
        bin = MIN ((int) (ang / G_PI * 9.0), 8);
        f[((gsize) (y / 8) * cx + x / 8) * 9 + bin] += mag;
      }
  *len = (gsize) cy * cx * 9;
  return f;
}

void
pl_map_similarity (const float *a, const float *b, int h, int w, PlSimilarity *s)
{
  gsize n = (gsize) h * w, la, lb;
  g_autofree double *ha = hog (a, h, w, &la), *hb = hog (b, h, w, &lb);

  s->spearman = spearman (a, b, n, FALSE);
  s->spearman_abs = spearman (a, b, n, TRUE);
  s->ssim = ssim (a, b, h, w);
  s->hog = pearson (ha, hb, la);
}

/* ---- faithfulness ----------------------------------------------------- */

double
pl_explain_faithfulness (PlExplainer *ex, const float *map, int steps, float fill,
                         gboolean insertion, double *curve)
{
  gsize hw = (gsize) ex->h * ex->w, nx = (gsize) ex->c * hw;
  g_autofree Item *order = g_new (Item, hw);
  g_autofree float *cur = g_new (float, nx);
  g_autofree float *batch = g_new (float, 8 * nx);
  g_autofree double *s = g_new (double, steps + 1);
  double base = pl_explainer_score (ex), area = 0.0;
  int done = 0;

  /* Largest first: sort by −value. */
  for (gsize i = 0; i < hw; i++)
    order[i] = (Item) { -map[i], (guint) i };
  qsort (order, hw, sizeof *order, cmp_item);
  for (gsize i = 0; i < nx; i++)
    cur[i] = insertion ? fill : ex->x[i];
  for (int k = 0; k <= steps;)
    {
      int n = 0;
      for (; n < 8 && k <= steps; n++, k++)
        {
          gsize upto = hw * k / steps;
          for (gsize r = hw * MAX (k - 1, 0) / steps; r < upto && k > 0; r++)
            for (int c = 0; c < ex->c; c++)
              {
                gsize i = (gsize) c * hw + order[r].i;
                cur[i] = insertion ? ex->x[i] : fill;
              }
          memcpy (batch + n * nx, cur, nx * sizeof (float));
        }
      pl_explainer_scores (ex, batch, n, s + done);
      done += n;
    }
  for (int k = 0; k <= steps; k++)
    {
      double v = base != 0.0 ? s[k] / base : s[k];
      if (curve)
        curve[k] = v;
      s[k] = v;
    }
  for (int k = 0; k < steps; k++)
    area += 0.5 * (s[k] + s[k + 1]) / steps;
  return area;
}

/* ---- the run ---------------------------------------------------------- */

gboolean
pl_sanity_run (PlExplainer *ex, PlUnet *unet, const PlExplainMethod *const *methods,
               const double *const *params, guint n_methods, PlSanityMode mode,
               const int *stages, int n_stages, guint64 seed, PlSanityPublish publish,
               gpointer user_data, const PlProgress *progress, GError **error)
{
  g_auto (GStrv) layers = pl_sanity_layers (unet);
  int n_layers = g_strv_length (layers);
  gsize hw = (gsize) ex->h * ex->w;
  g_autofree float *trained = g_new (float, hw * n_methods);
  g_autofree float *map = g_new (float, hw);
  g_autofree int *all = NULL;
  double total;
  guint done = 0;

  if (!stages)
    {
      all = g_new (int, n_layers);
      for (int k = 0; k < n_layers; k++)
        all[k] = k + 1;
      stages = all;
      n_stages = n_layers;
    }
  total = (double) (n_stages + 1) * n_methods;
  for (guint m = 0; m < n_methods; m++)
    {
      PlSanityResult r = { methods[m], m, 0, 0, NULL, trained + m * hw, ex->h, ex->w,
                           { 1.0, 1.0, 1.0, 1.0 } };
      if (!pl_progress_report (progress, done++ / total, methods[m]->label))
        return pl_progress_set_cancelled_error (error);
      if (!pl_explain_compute (ex, methods[m], params ? params[m] : NULL, trained + m * hw,
                               NULL, NULL, error))
        return FALSE;
      if (publish)
        publish (&r, user_data);
    }
  for (int s = 0; s < n_stages; s++)
    {
      int k = stages[s];
      g_autoptr (PlUnet) copy = NULL;
      g_autoptr (PlExplainer) rex = NULL;

      if (k < 1 || k > n_layers)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                       "sanity stage %d: the network has layers 1…%d", k, n_layers);
          return FALSE;
        }
      copy = pl_unet_copy (unet);
      /* Layer i always gets the same new weights (seed + i), so cascade
       * stage k and independent stage k share layer k's weights. */
      if (mode == PL_SANITY_CASCADE)
        for (int i = 0; i < k; i++)
          pl_sanity_randomise (copy, layers[i], seed + i);
      else
        pl_sanity_randomise (copy, layers[k - 1], seed + k - 1);
      rex = pl_explainer_new_like (ex, copy);
      for (guint m = 0; m < n_methods; m++)
        {
          PlSanityResult r = { methods[m], m, s + 1, mode == PL_SANITY_CASCADE ? k : 1,
                               layers[k - 1], map, ex->h, ex->w, { 0 } };
          if (!pl_progress_report (progress, done++ / total, methods[m]->label))
            return pl_progress_set_cancelled_error (error);
          if (!pl_explain_compute (rex, methods[m], params ? params[m] : NULL, map, NULL, NULL,
                                   error))
            return FALSE;
          pl_map_similarity (trained + m * hw, map, ex->h, ex->w, &r.sim);
          if (publish)
            publish (&r, user_data);
        }
    }
  pl_progress_report (progress, 1.0, NULL);
  return TRUE;
}
