/* pel-render.h: one slice of a volume and its overlays into 32-bit pixels.
 *
 * The slice views draw in layers: image (window/level grey), labels,
 * proposal, heat map, then crosshair and cursor as vectors on top.  This
 * module does the per-pixel layers into a buffer in Cairo's ARGB32 layout
 * (native-endian 0xAARRGGBB, opaque), one pixel per voxel of the slice, so
 * that the view scales it with a nearest filter for pixel-exact zoom.  It
 * has no GTK dependency so that tests and the render benchmark can call it.
 */
#pragma once

#include <glib.h>

#include "engine/data/labels.h"
#include "engine/data/paint.h"

G_BEGIN_DECLS

typedef enum
{
  PEL_COLORMAP_HOT,
  PEL_COLORMAP_VIRIDIS,
  PEL_COLORMAP_INFERNO,
  PEL_COLORMAP_COOLWARM,
  PEL_COLORMAP_GRAY,
} PelColormap;

typedef struct
{
  const PlVolume     *volume;
  const PlSliceFrame *frame;
  gint64              slice;
  double              window;           /* intensity width, > 0 */
  double              level;            /* intensity centre */

  const guint16      *labels;           /* NULL: no label layer */
  const guint32      *label_lut;        /* 65536 x 0xAARRGGBB, A = label alpha */
  double              label_opacity;    /* 0..1, multiplies A */

  /* A model's proposal, drawn with label_lut only where the labels (when
   * given) hold 0, so that it never hides what was painted. */
  const guint16      *proposal;         /* NULL: none */
  double              proposal_opacity;
  gboolean            proposal_outline; /* only its regions' border pixels,
                                           at twice the opacity */

  const float        *heat;             /* NULL: none; one float per voxel */
  double              heat_lo, heat_hi; /* values <= heat_lo are transparent */
  double              heat_opacity;
  PelColormap         heat_colormap;
} PelRenderParams;

/* pixels: frame->height rows of frame->width pixels, stride in bytes. */
void          pel_render_slice          (const PelRenderParams *params,
                                         guint32               *pixels,
                                         int                    stride);
/* Colours of every label value: table entries with their alpha (0 when
 * hidden), values absent from the table a distinct hue so that they still
 * show, value 0 transparent. */
void          pel_render_build_label_lut (PlLabelTable         *table,
                                          guint32               lut[65536]);
/* 256 RGB triples. */
const guint8 *pel_colormap_get_lut      (PelColormap            colormap);

/* One view's slice of a volume rendered with window/level and no overlays,
 * in pel_render_slice()'s layout (stride width * 4): what a slice view
 * shows of a newly opened volume, whose label map is still empty.  Made on
 * the worker that read the volume, so that the window's first frame of it
 * does not gather the slices on the main thread. */
typedef struct
{
  const PlVolume *volume;    /* identity only: the image is of this volume */
  PlView          view;
  gint64          slice;
  double          window, level;
  gint64          width, height;
  guint32        *pixels;
} PelSliceImage;

/* Any thread; volume is only read. */
PelSliceImage *pel_slice_image_new      (const PlVolume        *volume,
                                         PlView                 view,
                                         gint64                 slice,
                                         double                 window,
                                         double                 level);
void          pel_slice_image_free      (PelSliceImage         *image);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PelSliceImage, pel_slice_image_free)

G_END_DECLS
