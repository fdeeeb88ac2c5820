/* Slices, windows, label providers, augmentation parameters. */
#define G_LOG_DOMAIN "pl-dataset"

#include "engine/data/dataset.h"
#include "engine/core/rng.h"

#include <math.h>
#include <string.h>

static void
other_axes (int axis, int *a, int *b)
{
  *a = axis == 0 ? 1 : 0;
  *b = axis == 2 ? 1 : 2;
}

void
pl_slice_dims (const gint64 dim[3], int axis, int *h, int *w)
{
  int a, b;
  other_axes (axis, &a, &b);
  *h = (int) dim[a];
  *w = (int) dim[b];
}

gsize
pl_slice_voxel (const gint64 dim[3], int axis, gint64 index, int y, int x)
{
  gint64 ijk[3];
  int a, b;
  other_axes (axis, &a, &b);
  ijk[axis] = index;
  ijk[a] = y;
  ijk[b] = x;
  return (gsize) (ijk[0] + dim[0] * (ijk[1] + dim[1] * ijk[2]));
}

void
pl_slice_strides (const gint64 dim[3], int axis, gint64 index, gsize *sh, gsize *sw, gsize *off)
{
  gsize stride[3] = { 1, (gsize) dim[0], (gsize) dim[0] * dim[1] };
  int a, b;
  other_axes (axis, &a, &b);
  *sh = stride[a];
  *sw = stride[b];
  *off = stride[axis] * (gsize) index;
}

void
pl_volume_get_slice (const PlVolume *v, int axis, gint64 index, float *dst)
{
  int h, w;
  gsize sh, sw, off;
  pl_slice_dims (v->dim, axis, &h, &w);
  pl_slice_strides (v->dim, axis, index, &sh, &sw, &off);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      dst[(gsize) y * w + x] = v->data[off + y * sh + x * sw];
}

void
pl_labels_get_slice (const PlLabels *l, int axis, gint64 index, guint16 *dst)
{
  int h, w;
  gsize sh, sw, off;
  pl_slice_dims (l->dim, axis, &h, &w);
  pl_slice_strides (l->dim, axis, index, &sh, &sw, &off);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      dst[(gsize) y * w + x] = l->data[off + y * sh + x * sw];
}

void
pl_labels_set_slice (PlLabels *l, int axis, gint64 index, const guint16 *src)
{
  int h, w;
  gsize sh, sw, off;
  pl_slice_dims (l->dim, axis, &h, &w);
  pl_slice_strides (l->dim, axis, index, &sh, &sw, &off);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      l->data[off + y * sh + x * sw] = src[(gsize) y * w + x];
}

int
pl_volume_axial_axis (const PlVolume *volume)
{
  PlOrientation o;
  pl_volume_orientation (volume, &o);
  return o.voxel_axis[2];
}

int
pl_axis_from_name (const PlVolume *volume, const char *name)
{
  PlOrientation o;
  if (!name)
    return -1;
  pl_volume_orientation (volume, &o);
  if (g_ascii_strcasecmp (name, "axial") == 0)
    return o.voxel_axis[2];
  if (g_ascii_strcasecmp (name, "coronal") == 0)
    return o.voxel_axis[1];
  if (g_ascii_strcasecmp (name, "sagittal") == 0)
    return o.voxel_axis[0];
  if (strcmp (name, "i") == 0)
    return 0;
  if (strcmp (name, "j") == 0)
    return 1;
  if (strcmp (name, "k") == 0)
    return 2;
  return -1;
}

void
pl_fit_window (int h, int w, int multiple, PlFit fit, int *wh, int *ww, int *oy, int *ox)
{
  if (fit == PL_FIT_CROP && h >= multiple && w >= multiple)
    {
      *wh = h / multiple * multiple;
      *ww = w / multiple * multiple;
    }
  else
    {
      *wh = (h + multiple - 1) / multiple * multiple;
      *ww = (w + multiple - 1) / multiple * multiple;
    }
  /* Crop: (181 - 176) / 2 = 2, (217 - 208) / 2 = 4, as the peer; pad:
   * negative offsets, the extra row/column at the far end. */
  *oy = (h - *wh) >= 0 ? (h - *wh) / 2 : -((*wh - h) / 2);
  *ox = (w - *ww) >= 0 ? (w - *ww) / 2 : -((*ww - w) / 2);
}

void
pl_window_extract_f32 (const float *src, int h, int w, int oy, int ox, int wh, int ww,
                       float fill, float *dst)
{
  for (int y = 0; y < wh; y++)
    {
      int sy = y + oy;
      for (int x = 0; x < ww; x++)
        {
          int sx = x + ox;
          dst[(gsize) y * ww + x] = (sy >= 0 && sy < h && sx >= 0 && sx < w)
                                    ? src[(gsize) sy * w + sx] : fill;
        }
    }
}

void
pl_window_extract_u16 (const guint16 *src, int h, int w, int oy, int ox, int wh, int ww,
                       guint16 fill, guint16 *dst)
{
  for (int y = 0; y < wh; y++)
    {
      int sy = y + oy;
      for (int x = 0; x < ww; x++)
        {
          int sx = x + ox;
          dst[(gsize) y * ww + x] = (sy >= 0 && sy < h && sx >= 0 && sx < w)
                                    ? src[(gsize) sy * w + sx] : fill;
        }
    }
}

static void
static_count (gpointer user_data, int axis, gint64 *counts)
{
  pl_labels_count_slices (user_data, axis, counts);
}

static void
static_copy (gpointer user_data, int axis, gint64 index, guint16 *dst)
{
  pl_labels_get_slice (user_data, axis, index, dst);
}

void
pl_label_provider_init_static (PlLabelProvider *provider, const PlLabels *labels)
{
  provider->count_slices = static_count;
  provider->copy_slice = static_copy;
  provider->user_data = (gpointer) labels;
}

static void
locked_count (gpointer user_data, int axis, gint64 *counts)
{
  PlLockedLabels *ll = user_data;
  g_mutex_lock (ll->lock);
  pl_labels_count_slices (ll->labels, axis, counts);
  g_mutex_unlock (ll->lock);
}

static void
locked_copy (gpointer user_data, int axis, gint64 index, guint16 *dst)
{
  PlLockedLabels *ll = user_data;
  g_mutex_lock (ll->lock);
  pl_labels_get_slice (ll->labels, axis, index, dst);
  g_mutex_unlock (ll->lock);
}

void
pl_label_provider_init_locked (PlLabelProvider *provider, PlLockedLabels *locked)
{
  provider->count_slices = locked_count;
  provider->copy_slice = locked_copy;
  provider->user_data = locked;
}

/* Normalised coordinates (u along W, v along H): a pixel-space rotation by
 * a is u' = c u − s (H/W) v, v' = s (W/H) u + c v; flips negate u or v. */
void
pl_augment_theta (PlRng *rng, int h, int w, float flip_p, float max_deg, float theta[6])
{
  pl_augment_theta_axes (rng, h, w, flip_p, flip_p, max_deg, theta, NULL);
}

void
pl_augment_theta_axes (PlRng *rng, int h, int w, float flip_h, float flip_w, float max_deg,
                       float theta[6], gboolean flipped[2])
{
  float ang = pl_rng_range (rng, -max_deg, max_deg) * (float) G_PI / 180.0f;
  float fh = pl_rng_uniform (rng) < flip_h ? -1.0f : 1.0f;
  float fw = pl_rng_uniform (rng) < flip_w ? -1.0f : 1.0f;
  float c = cosf (ang), s = sinf (ang);

  if (flipped)
    {
      flipped[0] = fh < 0.0f;
      flipped[1] = fw < 0.0f;
    }
  theta[0] = c * fw;
  theta[1] = -s * ((float) h / w) * fh;
  theta[2] = 0.0f;
  theta[3] = s * ((float) w / h) * fw;
  theta[4] = c * fh;
  theta[5] = 0.0f;
}
