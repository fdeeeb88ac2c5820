/* Slice rendering: window/level, label, proposal and heat-map layers. */
#define G_LOG_DOMAIN "pel-render"

#include "src/pel-render.h"

#include <math.h>
#include <string.h>

/* Strides of the slice in voxel-index space: pixel (x, y) of the slice is
 * voxel index origin + x * step_x + y * step_y. */
static void
slice_strides (const PelRenderParams *p,
               gint64                *origin,
               gint64                *step_x,
               gint64                *step_y)
{
  const gint64 *dim = p->volume->dim;
  const PlSliceFrame *f = p->frame;
  gint64 stride[3] = { 1, dim[0], dim[0] * dim[1] };

  *step_x = f->flip_x ? -stride[f->axis_x] : stride[f->axis_x];
  *step_y = f->flip_y ? -stride[f->axis_y] : stride[f->axis_y];
  *origin = p->slice * stride[f->axis_n]
            + (f->flip_x ? (f->width - 1) * stride[f->axis_x] : 0)
            + (f->flip_y ? (f->height - 1) * stride[f->axis_y] : 0);
}

static inline guint32
blend (guint32 rgb,
       guint32 colour,
       guint   a)   /* 0..256 */
{
  guint r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
  guint cr = (colour >> 16) & 0xff, cg = (colour >> 8) & 0xff, cb = colour & 0xff;

  r = (r * (256 - a) + cr * a) >> 8;
  g = (g * (256 - a) + cg * a) >> 8;
  b = (b * (256 - a) + cb * a) >> 8;
  return (r << 16) | (g << 8) | b;
}

/* The proposal as shown: hidden where a label is painted. */
static inline guint16
shown_proposal (const PelRenderParams *p,
                const guint16         *proposal,
                gint64                 index)
{
  return p->labels && p->labels[index] ? 0 : proposal[index];
}

/* Whether slice pixel (x, y) at voxel `index` lies on the border of its
 * shown proposal region: a 4-neighbour in the slice shows another value or
 * lies outside the slice. */
static gboolean
proposal_border (const PelRenderParams *p,
                 const guint16         *proposal,
                 gint64                 index,
                 gint64                 x,
                 gint64                 y,
                 gint64                 sx,
                 gint64                 sy)
{
  guint16 v = proposal[index];

  if (x == 0 || y == 0 || x == p->frame->width - 1 || y == p->frame->height - 1)
    return TRUE;
  return shown_proposal (p, proposal, index - sx) != v || shown_proposal (p, proposal, index + sx) != v
         || shown_proposal (p, proposal, index - sy) != v || shown_proposal (p, proposal, index + sy) != v;
}

void
pel_render_slice (const PelRenderParams *p,
                  guint32               *pixels,
                  int                    stride)
{
  const PlSliceFrame *f = p->frame;
  const float *data = p->volume->data;
  gint64 origin, sx, sy;
  float lo = (float) (p->level - p->window / 2.0);
  float scale = (float) (255.0 / MAX (p->window, 1e-12));
  guint label_a = (guint) lround (CLAMP (p->label_opacity, 0.0, 1.0) * 256.0);
  /* an outline is a thin line: twice the opacity of a fill reads the same */
  guint proposal_a = (guint) lround (CLAMP (p->proposal_opacity * (p->proposal_outline ? 2.0 : 1.0), 0.0, 1.0) * 256.0);
  guint heat_a = (guint) lround (CLAMP (p->heat_opacity, 0.0, 1.0) * 256.0);
  const guint8 *cmap = p->heat ? pel_colormap_get_lut (p->heat_colormap) : NULL;
  float heat_lo = (float) p->heat_lo;
  float heat_scale = (float) (255.0 / MAX (p->heat_hi - p->heat_lo, 1e-12));
  const guint16 *labels = label_a > 0 ? p->labels : NULL;
  const guint16 *proposal = proposal_a > 0 ? p->proposal : NULL;
  const float *heat = heat_a > 0 ? p->heat : NULL;

  slice_strides (p, &origin, &sx, &sy);
  for (gint64 y = 0; y < f->height; y++)
    {
      guint32 *row = (guint32 *) ((guint8 *) pixels + y * (gsize) stride);
      gint64 index = origin + y * sy;

      /* Image layer for the whole row first: the common, fast path. */
      for (gint64 x = 0; x < f->width; x++, index += sx)
        {
          float g = (data[index] - lo) * scale + 0.5f;
          guint v = g <= 0.0f ? 0 : g >= 255.0f ? 255 : (guint) g;
          row[x] = (v << 16) | (v << 8) | v;
        }

      if (labels || proposal || heat)
        {
          index = origin + y * sy;
          for (gint64 x = 0; x < f->width; x++, index += sx)
            {
              guint32 rgb = row[x];
              if (labels && labels[index])
                {
                  guint32 c = p->label_lut[labels[index]];
                  rgb = blend (rgb, c, ((c >> 24) * label_a + 127) / 255);
                }
              if (proposal && proposal[index] && !(p->labels && p->labels[index])
                  && (!p->proposal_outline || proposal_border (p, proposal, index, x, y, sx, sy)))
                {
                  guint32 c = p->label_lut[proposal[index]];
                  rgb = blend (rgb, c, ((c >> 24) * proposal_a + 127) / 255);
                }
              if (heat)
                {
                  float t = (heat[index] - heat_lo) * heat_scale;
                  if (t > 0.0f)
                    {
                      guint ti = t >= 255.0f ? 255 : (guint) t;
                      guint32 c = ((guint32) cmap[3 * ti] << 16) | ((guint32) cmap[3 * ti + 1] << 8) | cmap[3 * ti + 2];
                      rgb = blend (rgb, c, heat_a);
                    }
                }
              row[x] = rgb;
            }
        }

      for (gint64 x = 0; x < f->width; x++)
        row[x] |= 0xff000000u;
    }
}

PelSliceImage *
pel_slice_image_new (const PlVolume *volume,
                     PlView          view,
                     gint64          slice,
                     double          window,
                     double          level)
{
  PelSliceImage *image;
  PlSliceFrame frame;
  PelRenderParams p = { 0 };

  g_return_val_if_fail (volume != NULL, NULL);

  pl_slice_frame_init (&frame, volume, view);
  g_return_val_if_fail (slice >= 0 && slice < frame.depth, NULL);
  image = g_new0 (PelSliceImage, 1);
  image->volume = volume;
  image->view = view;
  image->slice = slice;
  image->window = window;
  image->level = level;
  image->width = frame.width;
  image->height = frame.height;
  image->pixels = g_new (guint32, frame.width * frame.height);
  p.volume = volume;
  p.frame = &frame;
  p.slice = slice;
  p.window = window;
  p.level = level;
  pel_render_slice (&p, image->pixels, (int) (frame.width * sizeof (guint32)));
  return image;
}

void
pel_slice_image_free (PelSliceImage *image)
{
  if (image == NULL)
    return;
  g_free (image->pixels);
  g_free (image);
}

/* HSV with full saturation and value, h in [0, 1). */
static guint32
hue_colour (double h)
{
  double r = fabs (h * 6.0 - 3.0) - 1.0;
  double g = 2.0 - fabs (h * 6.0 - 2.0);
  double b = 2.0 - fabs (h * 6.0 - 4.0);
  guint ri = (guint) lround (CLAMP (r, 0.0, 1.0) * 255.0);
  guint gi = (guint) lround (CLAMP (g, 0.0, 1.0) * 255.0);
  guint bi = (guint) lround (CLAMP (b, 0.0, 1.0) * 255.0);
  return (ri << 16) | (gi << 8) | bi;
}

void
pel_render_build_label_lut (PlLabelTable *table,
                            guint32       lut[65536])
{
  static guint32 *hues;

  /* Golden-ratio hues: neighbouring values get clearly different colours.
   * Made once (the table changes on every open and label edit). */
  if (g_once_init_enter (&hues))
    {
      guint32 *h = g_new (guint32, 65536);
      h[0] = 0;
      for (guint v = 1; v < 65536; v++)
        h[v] = 0xff000000u | hue_colour (fmod (v * 0.6180339887498949, 1.0));
      g_once_init_leave (&hues, h);
    }
  memcpy (lut, hues, 65536 * sizeof (guint32));
  if (table == NULL)
    return;
  for (guint i = 0; i < pl_label_table_get_n (table); i++)
    {
      const PlLabel *l = pl_label_table_get_nth (table, i);
      guint a = l->visible ? (guint) lround (CLAMP (l->alpha, 0.0f, 1.0f) * 255.0) : 0;
      if (l->value == 0)
        continue;
      lut[l->value] = ((guint32) a << 24) | ((guint32) l->rgb[0] << 16) | ((guint32) l->rgb[1] << 8) | l->rgb[2];
    }
}

/* Colormaps as a few control points, linearly interpolated to 256 entries.
 * Viridis and inferno: matplotlib's perceptually uniform maps (van der Walt
 * and Smith, 2015), sampled at 9 points; coolwarm: Moreland (2009). */
typedef struct
{
  guint n;
  guint8 rgb[9][3];
} Stops;

static const Stops stops[] = {
  [PEL_COLORMAP_HOT] = { 4, { { 0, 0, 0 }, { 230, 0, 0 }, { 255, 210, 0 }, { 255, 255, 255 } } },
  [PEL_COLORMAP_VIRIDIS] = { 9, { { 68, 1, 84 }, { 71, 44, 122 }, { 59, 81, 139 }, { 44, 113, 142 },
                                  { 33, 144, 141 }, { 39, 173, 129 }, { 92, 200, 99 }, { 170, 220, 50 },
                                  { 253, 231, 37 } } },
  [PEL_COLORMAP_INFERNO] = { 9, { { 0, 0, 4 }, { 31, 12, 72 }, { 85, 15, 109 }, { 136, 34, 106 },
                                  { 186, 54, 85 }, { 227, 89, 51 }, { 249, 140, 10 }, { 249, 201, 50 },
                                  { 252, 255, 164 } } },
  [PEL_COLORMAP_COOLWARM] = { 5, { { 59, 76, 192 }, { 141, 176, 254 }, { 221, 221, 221 },
                                   { 244, 154, 123 }, { 180, 4, 38 } } },
  [PEL_COLORMAP_GRAY] = { 2, { { 0, 0, 0 }, { 255, 255, 255 } } },
};

const guint8 *
pel_colormap_get_lut (PelColormap colormap)
{
  static guint8 luts[G_N_ELEMENTS (stops)][256 * 3];
  static gsize initialised = 0;

  g_return_val_if_fail ((guint) colormap < G_N_ELEMENTS (stops), NULL);

  if (g_once_init_enter (&initialised))
    {
      for (guint m = 0; m < G_N_ELEMENTS (stops); m++)
        for (guint i = 0; i < 256; i++)
          {
            double t = i / 255.0 * (stops[m].n - 1);
            guint s = MIN ((guint) t, stops[m].n - 2);
            double w = t - s;
            for (int c = 0; c < 3; c++)
              luts[m][3 * i + c] = (guint8) lround (stops[m].rgb[s][c] * (1.0 - w) + stops[m].rgb[s + 1][c] * w);
          }
      g_once_init_leave (&initialised, 1);
    }
  return luts[colormap];
}
