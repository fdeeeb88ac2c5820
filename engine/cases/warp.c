/* Synthetic cases: random smooth deformations, bias, noise.  See warp.h. */
#define G_LOG_DOMAIN "pl-warp"

#include "engine/cases/warp.h"

#include <math.h>
#include <string.h>

#include "engine/core/rng.h"

typedef struct
{
  double f[3];       /* periods across the volume along i, j, k */
  double phase;
  double amp;
} Wave;

void
pl_warp_options_init (PlWarpOptions *options)
{
  options->warp = 4.0;
  options->n_waves = 4;
  options->bias = 0.2;
  options->scale = 0.15;
  options->noise = 0.03;
}

static void
draw_waves (PlRng *rng, Wave *w, int n, double amp)
{
  for (int m = 0; m < n; m++)
    {
      do
        for (int a = 0; a < 3; a++)
          w[m].f[a] = (double) pl_rng_below (rng, 3);   /* 0, 1 or 2 periods */
      while (w[m].f[0] + w[m].f[1] + w[m].f[2] == 0);
      w[m].phase = 2 * G_PI * pl_rng_uniform_double (rng);
      w[m].amp = amp * pl_rng_normal (rng) / sqrt ((double) n);
    }
}

/* Sum of waves at voxel (i, j, k) with the angles per axis precomputed:
 * sin(θ_i + θ_j + θ_k + φ) from tables of the three angles. */
static inline double
waves_at (const Wave *w, int n, const double *ti, const double *tj, const double *tk,
          gint64 i, gint64 j, gint64 k)
{
  double s = 0.0;
  for (int m = 0; m < n; m++)
    s += w[m].amp * sin (ti[i * n + m] + tj[j * n + m] + tk[k * n + m] + w[m].phase);
  return s;
}

/* Angle tables: t_a[x·n + m] = 2π f_a x / dim_a for each wave m. */
static double *
angle_table (const Wave *w, int n, int axis, gint64 size)
{
  double *t = g_new (double, (gsize) size * n);
  for (gint64 x = 0; x < size; x++)
    for (int m = 0; m < n; m++)
      t[x * n + m] = 2 * G_PI * w[m].f[axis] * (double) x / (double) size;
  return t;
}

static inline float
sample_trilinear (const PlVolume *v, double x, double y, double z)
{
  const gint64 *d = v->dim;
  double fx, fy, fz;
  gint64 x0, y0, z0, x1, y1, z1;
  float r = 0.0f;

  x = CLAMP (x, 0.0, (double) (d[0] - 1));
  y = CLAMP (y, 0.0, (double) (d[1] - 1));
  z = CLAMP (z, 0.0, (double) (d[2] - 1));
  x0 = (gint64) x; y0 = (gint64) y; z0 = (gint64) z;
  x1 = MIN (x0 + 1, d[0] - 1); y1 = MIN (y0 + 1, d[1] - 1); z1 = MIN (z0 + 1, d[2] - 1);
  fx = x - x0; fy = y - y0; fz = z - z0;
#define AT(a, b, c) v->data[(a) + d[0] * ((b) + d[1] * (c))]
  r = (float) ((1 - fz) * ((1 - fy) * ((1 - fx) * AT (x0, y0, z0) + fx * AT (x1, y0, z0))
                           + fy * ((1 - fx) * AT (x0, y1, z0) + fx * AT (x1, y1, z0)))
               + fz * ((1 - fy) * ((1 - fx) * AT (x0, y0, z1) + fx * AT (x1, y0, z1))
                       + fy * ((1 - fx) * AT (x0, y1, z1) + fx * AT (x1, y1, z1))));
#undef AT
  return r;
}

PlVolume *
pl_warp_case (const PlVolume       *image,
              const PlLabels       *labels,
              guint64               seed,
              const PlWarpOptions  *options,
              PlLabels            **labels_out)
{
  PlWarpOptions defaults;
  PlRng rng;
  int n;
  Wave *waves[4];
  double *tab[4][3];
  PlVolume *out;
  PlLabels *lout = NULL;
  const gint64 *d = image->dim;
  float lo, hi;
  double gain, sigma;

  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (labels == NULL || memcmp (labels->dim, image->dim, sizeof labels->dim) == 0, NULL);
  if (options == NULL)
    {
      pl_warp_options_init (&defaults);
      options = &defaults;
    }
  n = MAX (options->n_waves, 1);
  pl_rng_init (&rng, seed ^ G_GUINT64_CONSTANT (0x77a4b0c5e1d2f3a9));
  /* waves[0..2]: displacement along i, j, k; waves[3]: log bias. */
  for (int c = 0; c < 4; c++)
    {
      waves[c] = g_new (Wave, n);
      draw_waves (&rng, waves[c], n, c < 3 ? options->warp : options->bias);
      for (int a = 0; a < 3; a++)
        tab[c][a] = angle_table (waves[c], n, a, d[a]);
    }
  gain = 1.0 + options->scale * (2.0 * pl_rng_uniform_double (&rng) - 1.0);
  pl_volume_percentiles (image, 0.5, 99.5, &lo, &hi);
  sigma = options->noise * hi;

  out = pl_volume_copy (image);
  if (labels && labels_out)
    lout = pl_labels_new (labels->dim);
  for (gint64 k = 0; k < d[2]; k++)
    for (gint64 j = 0; j < d[1]; j++)
      for (gint64 i = 0; i < d[0]; i++)
        {
          gsize idx = (gsize) (i + d[0] * (j + d[1] * k));
          double x = i + waves_at (waves[0], n, tab[0][0], tab[0][1], tab[0][2], i, j, k);
          double y = j + waves_at (waves[1], n, tab[1][0], tab[1][1], tab[1][2], i, j, k);
          double z = k + waves_at (waves[2], n, tab[2][0], tab[2][1], tab[2][2], i, j, k);
          double b = exp (waves_at (waves[3], n, tab[3][0], tab[3][1], tab[3][2], i, j, k));
          out->data[idx] = (float) (sample_trilinear (image, x, y, z) * b * gain);
          if (lout)
            {
              gint64 xi = CLAMP ((gint64) floor (x + 0.5), 0, d[0] - 1);
              gint64 yi = CLAMP ((gint64) floor (y + 0.5), 0, d[1] - 1);
              gint64 zi = CLAMP ((gint64) floor (z + 0.5), 0, d[2] - 1);
              lout->data[idx] = labels->data[xi + d[0] * (yi + d[1] * zi)];
            }
        }
  /* Rician noise, in voxel order from its own stream. */
  if (sigma > 0.0)
    for (gsize i = 0; i < pl_volume_n_voxels (out); i++)
      {
        double re = out->data[i] + sigma * pl_rng_normal (&rng), im = sigma * pl_rng_normal (&rng);
        out->data[i] = (float) sqrt (re * re + im * im);
      }
  pl_volume_update_stats (out);
  for (int c = 0; c < 4; c++)
    {
      for (int a = 0; a < 3; a++)
        g_free (tab[c][a]);
      g_free (waves[c]);
    }
  if (labels_out)
    *labels_out = lout;
  return out;
}
