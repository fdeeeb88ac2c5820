/* Quality figures against a reference (compare.h). */
#define G_LOG_DOMAIN "pl-restore"

#include "engine/restore/compare.h"
#include "engine/data/metrics.h"

#include <math.h>

void
pl_compare (const float *x, const float *ref, int n_planes, int h, int w, double range,
            PlCompare *out)
{
  gsize n = (gsize) n_planes * h * w;
  double sa = 0.0, s2 = 0.0;

  if (range <= 0.0)
    {
      float lo = INFINITY, hi = -INFINITY;
      for (gsize i = 0; i < n; i++)
        {
          lo = MIN (lo, ref[i]);
          hi = MAX (hi, ref[i]);
        }
      range = n ? hi - lo : 1.0;
      if (!(range > 0.0))
        range = 1.0;
    }
  for (gsize i = 0; i < n; i++)
    {
      double d = (double) x[i] - ref[i];
      sa += fabs (d);
      s2 += d * d;
    }
  out->range = range;
  out->mae = n ? sa / n : NAN;
  out->mse = n ? s2 / n : NAN;
  out->nmse = pl_nmse (x, ref, n);
  out->psnr = pl_psnr (x, ref, n, range);
  out->ssim = h >= 11 && w >= 11 && n_planes > 0 ? pl_ssim_value (x, ref, n_planes, h, w, (float) range)
                                                  : NAN;
}

static void
num (GString *s, const char *key, double v, gboolean last)
{
  if (isfinite (v))
    g_string_append_printf (s, "\"%s\": %.6g%s", key, v, last ? "" : ", ");
  else
    g_string_append_printf (s, "\"%s\": null%s", key, last ? "" : ", ");
}

char *
pl_compare_to_json (const PlCompare *c)
{
  GString *s = g_string_new ("{");
  num (s, "mae", c->mae, FALSE);
  num (s, "mse", c->mse, FALSE);
  num (s, "nmse", c->nmse, FALSE);
  num (s, "psnr", c->psnr, FALSE);
  num (s, "ssim", c->ssim, FALSE);
  num (s, "range", c->range, TRUE);
  g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}
