/* PlVolume in memory: construction, statistics and orientation.  Reading and
 * writing files lives in nifti.c. */
#define G_LOG_DOMAIN "pl-volume"

#include "engine/data/volume.h"
#include "engine/io/nifti-private.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

gsize
pl_volume_n_voxels (const PlVolume *volume)
{
  g_return_val_if_fail (volume != NULL, 0);
  return (gsize) volume->dim[0] * (gsize) volume->dim[1] * (gsize) volume->dim[2];
}

PlVolume *
pl_volume_new (const gint64  dim[3],
               const double  pixdim[3],
               const double  vox2world[4][4])
{
  PlVolume *v;

  g_return_val_if_fail (dim[0] > 0 && dim[1] > 0 && dim[2] > 0, NULL);

  v = g_new0 (PlVolume, 1);
  for (int a = 0; a < 3; a++)
    {
      v->dim[a] = dim[a];
      v->pixdim[a] = pixdim ? fabs (pixdim[a]) : 1.0;
      if (v->pixdim[a] == 0.0)
        v->pixdim[a] = 1.0;
    }
  v->n_volumes = 1;
  if (vox2world)
    memcpy (v->vox2world, vox2world, sizeof v->vox2world);
  else
    {
      for (int a = 0; a < 3; a++)
        v->vox2world[a][a] = v->pixdim[a];
      v->vox2world[3][3] = 1.0;
    }
  v->xform_source = vox2world ? PL_XFORM_SFORM : PL_XFORM_PIXDIM;
  v->sform_code = vox2world ? 2 : 0; /* NIFTI_XFORM_ALIGNED_ANAT */
  v->datatype = 16;                  /* DT_FLOAT32 */
  v->scl_slope = 1.0;
  v->data = g_new0 (float, pl_volume_n_voxels (v));
  return v;
}

PlVolume *
pl_volume_copy (const PlVolume *volume)
{
  PlVolume *v;

  g_return_val_if_fail (volume != NULL, NULL);

  v = g_memdup2 (volume, sizeof *volume);
  v->data = g_memdup2 (volume->data, pl_volume_n_voxels (volume) * sizeof (float));
  v->path = g_strdup (volume->path);
  v->geometry = volume->geometry ? pl_nifti_geometry_copy (volume->geometry) : NULL;
  return v;
}

void
pl_volume_free (PlVolume *volume)
{
  if (volume == NULL)
    return;
  g_free (volume->data);
  g_free (volume->path);
  if (volume->geometry)
    pl_nifti_geometry_free (volume->geometry);
  g_free (volume);
}

/* Four independent accumulators: a single running double sum is one long
 * dependency chain, and this pass runs after every load (35 M voxels for
 * Colin27 at 0.5 mm). */
void
pl_volume_update_stats (PlVolume *volume)
{
  gsize n = pl_volume_n_voxels (volume), count = 0, i = 0;
  const float *d = volume->data;
  float lo[4] = { INFINITY, INFINITY, INFINITY, INFINITY };
  float hi[4] = { -INFINITY, -INFINITY, -INFINITY, -INFINITY };
  double sum[4] = { 0.0, 0.0, 0.0, 0.0 };

  for (; i + 4 <= n; i += 4)
    {
      if (G_LIKELY (isfinite (d[i]) && isfinite (d[i + 1]) && isfinite (d[i + 2])
                    && isfinite (d[i + 3])))
        {
          for (int k = 0; k < 4; k++)
            {
              float x = d[i + k];
              lo[k] = x < lo[k] ? x : lo[k];
              hi[k] = x > hi[k] ? x : hi[k];
              sum[k] += x;
            }
          count += 4;
        }
      else
        for (int k = 0; k < 4; k++)
          if (isfinite (d[i + k]))
            {
              lo[k] = MIN (lo[k], d[i + k]);
              hi[k] = MAX (hi[k], d[i + k]);
              sum[k] += d[i + k];
              count++;
            }
    }
  for (; i < n; i++)
    if (isfinite (d[i]))
      {
        lo[0] = MIN (lo[0], d[i]);
        hi[0] = MAX (hi[0], d[i]);
        sum[0] += d[i];
        count++;
      }

  for (int k = 1; k < 4; k++)
    {
      lo[0] = MIN (lo[0], lo[k]);
      hi[0] = MAX (hi[0], hi[k]);
    }
  if (count == 0)
    lo[0] = hi[0] = 0.0f;
  volume->min = lo[0];
  volume->max = hi[0];
  volume->mean = count ? (float) ((sum[0] + sum[1] + sum[2] + sum[3]) / count) : 0.0f;
}

/* Nearest permutation of the voxel axes onto R, A, S: the permutation and
 * signs that maximise the summed |cosine| between each voxel axis and its
 * world axis (as nifti_mat44_to_orientation does). */
void
pl_volume_orientation (const PlVolume *volume,
                       PlOrientation  *out)
{
  static const int perms[6][3] = {
    { 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 }, { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 },
  };
  double dir[3][3]; /* dir[a][w]: unit direction of voxel axis a, world component w */
  double best = -1.0;

  for (int a = 0; a < 3; a++)
    {
      double len = 0.0;
      for (int w = 0; w < 3; w++)
        len += volume->vox2world[w][a] * volume->vox2world[w][a];
      len = sqrt (len);
      for (int w = 0; w < 3; w++)
        dir[a][w] = len > 0.0 ? volume->vox2world[w][a] / len : (a == w ? 1.0 : 0.0);
    }

  /* perms[p][w] = voxel axis assigned to world axis w */
  for (int p = 0; p < 6; p++)
    {
      double score = 0.0;
      for (int w = 0; w < 3; w++)
        score += fabs (dir[perms[p][w]][w]);
      if (score > best + 1e-12)
        {
          best = score;
          for (int w = 0; w < 3; w++)
            {
              out->voxel_axis[w] = perms[p][w];
              out->sign[w] = dir[perms[p][w]][w] >= 0.0 ? 1 : -1;
            }
        }
    }
}

void
pl_volume_orientation_code (const PlVolume *volume,
                            char            code[4])
{
  static const char pos[3] = { 'R', 'A', 'S' }, neg[3] = { 'L', 'P', 'I' };
  PlOrientation o;

  pl_volume_orientation (volume, &o);
  for (int w = 0; w < 3; w++)
    code[o.voxel_axis[w]] = o.sign[w] > 0 ? pos[w] : neg[w];
  code[3] = '\0';
}

void
pl_volume_histogram (const PlVolume *volume,
                     double          lo,
                     double          hi,
                     guint           n_bins,
                     guint64        *counts)
{
  gsize n;
  double scale;

  g_return_if_fail (volume != NULL && counts != NULL && n_bins > 0);
  memset (counts, 0, n_bins * sizeof *counts);
  if (!(hi > lo))
    return;
  n = pl_volume_n_voxels (volume);
  scale = n_bins / (hi - lo);
  for (gsize i = 0; i < n; i++)
    {
      double x = volume->data[i];
      double b;

      if (!(x >= lo && x <= hi))   /* also drops NaN */
        continue;
      b = (x - lo) * scale;
      counts[b >= n_bins ? n_bins - 1 : (guint) b]++;
    }
}

/* Histogram percentiles: 65536 bins between min and max, linear within a
 * bin; exact to 1/65536 of the range, which is all display needs. */
void
pl_volume_percentiles (const PlVolume *volume,
                       double          lo_percent,
                       double          hi_percent,
                       float          *lo,
                       float          *hi)
{
  enum { BINS = 65536 };
  gsize n = pl_volume_n_voxels (volume), count = 0;
  double vmin = volume->min, vmax = volume->max, scale;
  g_autofree guint64 *hist = NULL;
  double pct[2] = { CLAMP (lo_percent, 0.0, 100.0), CLAMP (hi_percent, 0.0, 100.0) };
  float *outs[2] = { lo, hi };

  if (!(vmax > vmin))
    {
      *lo = (float) vmin;
      *hi = (float) vmax;
      return;
    }
  hist = g_new0 (guint64, BINS);
  scale = BINS / (vmax - vmin);
  for (gsize i = 0; i < n; i++)
    {
      float x = volume->data[i];
      if (!isfinite (x))
        continue;
      long b = (long) ((x - vmin) * scale);
      hist[CLAMP (b, 0, BINS - 1)]++;
      count++;
    }
  for (int q = 0; q < 2; q++)
    {
      double target = pct[q] / 100.0 * count, cum = 0.0;
      int b = 0;
      while (b < BINS - 1 && cum + hist[b] < target)
        cum += hist[b++];
      double frac = hist[b] ? (target - cum) / hist[b] : 0.0;
      *outs[q] = (float) (vmin + (b + CLAMP (frac, 0.0, 1.0)) / scale);
    }
}

/* Loads run on worker threads, so the budget is read and set under a lock. */
G_LOCK_DEFINE_STATIC (memory_budget);
static guint64 memory_budget;

void
pl_volume_set_memory_budget (guint64 bytes)
{
  G_LOCK (memory_budget);
  memory_budget = bytes;
  G_UNLOCK (memory_budget);
}

guint64
pl_volume_get_memory_budget (void)
{
  guint64 budget;

  G_LOCK (memory_budget);
  if (memory_budget == 0)
    {
      long pages = sysconf (_SC_PHYS_PAGES), page = sysconf (_SC_PAGESIZE);
      memory_budget = (pages > 0 && page > 0) ? (guint64) pages * page / 2 : G_GUINT64_CONSTANT (4) << 30;
    }
  budget = memory_budget;
  G_UNLOCK (memory_budget);
  return budget;
}
