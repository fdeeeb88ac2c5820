/* paint.h: the geometry of slice views and of painting labels into them.
 *
 * A PlSliceFrame says how one anatomical view (axial, coronal, sagittal)
 * shows a volume on screen: which voxel axis runs along screen x, which along
 * screen y, which is the slice normal, and whether screen coordinates grow as
 * voxel indices fall.  It follows the radiological convention of ITK-SNAP:
 *
 *   axial     screen x: patient right -> left, screen y: anterior -> posterior
 *   coronal   screen x: patient right -> left, screen y: superior -> inferior
 *   sagittal  screen x: anterior -> posterior, screen y: superior -> inferior
 *
 * so the patient's left is on the screen's right in axial and coronal views,
 * for any stored orientation (pl_volume_orientation() picks the voxel axes).
 * "Slice pixel" coordinates (x, y) are continuous: pixel (u, v) covers
 * [u, u+1) x [v, v+1), in units of voxels, before any zoom.
 *
 * The painting functions change a PlLabels in place under a PlPaintRule
 * (value to write, paint-over mode, locked labels) and report every changed
 * voxel to a PlEdit (undo.h), so each gesture becomes one undo step.  They
 * return the number of voxels changed.  Strokes are joined: pl_paint_line()
 * stamps the brush at every grid position between two pointer positions.
 *
 * pl_paint_merge() merges a model's proposal into the labels: only
 * unlabelled voxels take a proposed value, and never a locked one; when 0
 * (unlabelled) is locked, nothing changes.
 */
#pragma once

#include <glib.h>

#include "engine/data/labels.h"
#include "engine/data/undo.h"
#include "engine/data/volume.h"

G_BEGIN_DECLS

typedef struct
{
  PlView   view;
  int      axis_x;       /* voxel axis along screen x */
  int      axis_y;       /* voxel axis along screen y */
  int      axis_n;       /* voxel axis normal to the slice */
  gboolean flip_x;       /* screen x grows as the voxel index falls */
  gboolean flip_y;
  gint64   width;        /* voxels along screen x */
  gint64   height;       /* voxels along screen y */
  gint64   depth;        /* slices along the normal */
  double   spacing_x;    /* mm per slice pixel along screen x */
  double   spacing_y;
  int      next_slice;   /* +1 or -1: the voxel step towards R, A or S */
  char     left, right, top, bottom;   /* orientation letters at the edges */
} PlSliceFrame;

void     pl_slice_frame_init     (PlSliceFrame       *frame,
                                  const PlVolume     *volume,
                                  PlView              view);
/* Integer slice pixel (x, y) on slice `slice` (voxel index along axis_n). */
void     pl_slice_frame_to_voxel (const PlSliceFrame *frame,
                                  gint64              x,
                                  gint64              y,
                                  gint64              slice,
                                  gint64              ijk[3]);
void     pl_slice_frame_from_voxel (const PlSliceFrame *frame,
                                    const gint64        ijk[3],
                                    gint64             *x,
                                    gint64             *y,
                                    gint64             *slice);
gboolean pl_slice_frame_contains (const PlSliceFrame *frame,
                                  gint64              x,
                                  gint64              y);

typedef enum
{
  PL_BRUSH_ROUND,
  PL_BRUSH_SQUARE,
} PlBrushShape;

typedef struct
{
  PlBrushShape shape;
  int          size;     /* diameter or side, in voxels (>= 1) */
  gboolean     solid;    /* 3-D: a ball (round) or cube (square) across slices */
} PlBrush;

/* ITK-SNAP's "paint over" choices. */
typedef enum
{
  PL_PAINT_OVER_ALL,         /* any label that is not locked */
  PL_PAINT_OVER_UNLABELLED,  /* only voxels with label 0 */
  PL_PAINT_OVER_LABEL,       /* only voxels with over_label */
} PlPaintOver;

typedef struct
{
  guint16     value;         /* label written; 0 erases */
  PlPaintOver over;
  guint16     over_label;
  guint8      locked[65536 / 8];   /* bit v: label v is never overwritten */
} PlPaintRule;

void     pl_paint_rule_init      (PlPaintRule        *rule,
                                  guint16             value,
                                  PlPaintOver         over,
                                  guint16             over_label);
void     pl_paint_rule_set_locked (PlPaintRule       *rule,
                                   guint16            label,
                                   gboolean           locked);
/* Whether a voxel holding `current` may be changed to rule->value. */
gboolean pl_paint_rule_allows    (const PlPaintRule  *rule,
                                  guint16             current);

/* The grid position the brush centre snaps to for a pointer at (x, y):
 * a voxel centre for odd sizes, a voxel corner for even sizes. */
void     pl_brush_snap           (const PlBrush      *brush,
                                  double              x,
                                  double              y,
                                  double             *cx,
                                  double             *cy);
/* Whether slice pixel (u, v) lies under a brush centred at the snapped
 * position (cx, cy); dn is the slice offset for solid brushes (0 in 2-D). */
gboolean pl_brush_covers         (const PlBrush      *brush,
                                  double              cx,
                                  double              cy,
                                  gint64              u,
                                  gint64              v,
                                  gint64              dn);

gsize    pl_paint_stamp          (PlLabels           *labels,
                                  const PlSliceFrame *frame,
                                  gint64              slice,
                                  const PlBrush      *brush,
                                  const PlPaintRule  *rule,
                                  double              x,
                                  double              y,
                                  PlEdit             *edit);
/* Stamps at every snapped grid position from (x0, y0) to (x1, y1), the first
 * excluded (it was stamped by the previous call), Bresenham-connected so a
 * fast stroke leaves no gaps. */
gsize    pl_paint_line           (PlLabels           *labels,
                                  const PlSliceFrame *frame,
                                  gint64              slice,
                                  const PlBrush      *brush,
                                  const PlPaintRule  *rule,
                                  double              x0,
                                  double              y0,
                                  double              x1,
                                  double              y1,
                                  PlEdit             *edit);
/* 2-D flood fill from slice pixel (x, y): the 4-connected region of pixels
 * whose label equals the seed's and whose intensity is within `tolerance`
 * of the seed's intensity (tolerance < 0: intensity is ignored).  Pixels the
 * rule does not allow to change stop the region too. */
gsize    pl_paint_fill           (PlLabels           *labels,
                                  const PlVolume     *volume,
                                  const PlSliceFrame *frame,
                                  gint64              slice,
                                  gint64              x,
                                  gint64              y,
                                  double              tolerance,
                                  const PlPaintRule  *rule,
                                  PlEdit             *edit);

typedef enum
{
  PL_MERGE_SLICE,    /* slice `slice` along `axis` */
  PL_MERGE_ALL,      /* every voxel */
  PL_MERGE_CLASS,    /* every voxel proposed as `value` */
} PlMergeScope;

/* The voxels of `labels` in scope that are 0 where `proposal` (same grid)
 * holds a value that is neither 0 nor locked in rule (only its `locked`
 * bits are read): writes the proposed value into out[v] when out is not
 * NULL (labels->data itself, or a copy of it) and counts them.  Returns 0
 * for grids that differ or a slice out of range. */
gsize    pl_paint_merge          (const PlLabels     *labels,
                                  const PlLabels     *proposal,
                                  const PlPaintRule  *rule,
                                  PlMergeScope        scope,
                                  int                 axis,
                                  gint64              slice,
                                  guint16             value,
                                  guint16            *out);
/* The same merge written into labels in place and recorded in edit (one
 * undo step), for voxels [begin, end) of the map (PL_MERGE_ALL and
 * PL_MERGE_CLASS; PL_MERGE_SLICE takes the whole slice when begin is 0 and
 * nothing otherwise): one read of both maps a block at a time, writing only
 * the voxels filled — no copy of the map.  A caller may go through the map
 * in consecutive ranges (a lock held per range).  Returns the voxels
 * filled. */
gsize    pl_paint_merge_apply    (PlLabels           *labels,
                                  const PlLabels     *proposal,
                                  const PlPaintRule  *rule,
                                  PlMergeScope        scope,
                                  int                 axis,
                                  gint64              slice,
                                  guint16             value,
                                  gsize               begin,
                                  gsize               end,
                                  PlEdit             *edit);
/* The same without writing: the edit is a plan for pl_edit_apply_planned()
 * (a worker plans under a lock held per range; the main thread applies). */
gsize    pl_paint_merge_plan     (const PlLabels     *labels,
                                  const PlLabels     *proposal,
                                  const PlPaintRule  *rule,
                                  PlMergeScope        scope,
                                  int                 axis,
                                  gint64              slice,
                                  guint16             value,
                                  gsize               begin,
                                  gsize               end,
                                  PlEdit             *edit);

G_END_DECLS
