/* Slice-view geometry and label painting: brush stamps, joined strokes and
 * 2-D flood fill, each reporting its changes to a PlEdit.  See paint.h. */
#define G_LOG_DOMAIN "pl-paint"

#include "engine/data/paint.h"

#include "engine/data/dataset.h"

#include <math.h>
#include <string.h>

/* Screen x, screen y and normal of each view as world axes (0 = R, 1 = A,
 * 2 = S), with the world direction screen coordinates grow towards. */
static const struct
{
  int  wx, dx, wy, dy, wn;
  char left, right, top, bottom;
} view_axes[3] = {
  [PL_VIEW_SAGITTAL] = { 1, -1, 2, -1, 0, 'A', 'P', 'S', 'I' },
  [PL_VIEW_CORONAL]  = { 0, -1, 2, -1, 1, 'R', 'L', 'S', 'I' },
  [PL_VIEW_AXIAL]    = { 0, -1, 1, -1, 2, 'R', 'L', 'A', 'P' },
};

static double
axis_spacing (const PlVolume *volume,
              int             axis)
{
  double len = 0.0;

  for (int w = 0; w < 3; w++)
    len += volume->vox2world[w][axis] * volume->vox2world[w][axis];
  len = sqrt (len);
  return len > 0.0 ? len : volume->pixdim[axis];
}

void
pl_slice_frame_init (PlSliceFrame   *frame,
                     const PlVolume *volume,
                     PlView          view)
{
  PlOrientation o;

  g_return_if_fail (view <= PL_VIEW_AXIAL);

  pl_volume_orientation (volume, &o);
  memset (frame, 0, sizeof *frame);
  frame->view = view;
  frame->axis_x = o.voxel_axis[view_axes[view].wx];
  frame->axis_y = o.voxel_axis[view_axes[view].wy];
  frame->axis_n = o.voxel_axis[view_axes[view].wn];
  frame->flip_x = o.sign[view_axes[view].wx] * view_axes[view].dx < 0;
  frame->flip_y = o.sign[view_axes[view].wy] * view_axes[view].dy < 0;
  frame->width = volume->dim[frame->axis_x];
  frame->height = volume->dim[frame->axis_y];
  frame->depth = volume->dim[frame->axis_n];
  frame->spacing_x = axis_spacing (volume, frame->axis_x);
  frame->spacing_y = axis_spacing (volume, frame->axis_y);
  frame->next_slice = o.sign[view_axes[view].wn];
  frame->left = view_axes[view].left;
  frame->right = view_axes[view].right;
  frame->top = view_axes[view].top;
  frame->bottom = view_axes[view].bottom;
}

void
pl_slice_frame_to_voxel (const PlSliceFrame *frame,
                         gint64              x,
                         gint64              y,
                         gint64              slice,
                         gint64              ijk[3])
{
  ijk[frame->axis_x] = frame->flip_x ? frame->width - 1 - x : x;
  ijk[frame->axis_y] = frame->flip_y ? frame->height - 1 - y : y;
  ijk[frame->axis_n] = slice;
}

void
pl_slice_frame_from_voxel (const PlSliceFrame *frame,
                           const gint64        ijk[3],
                           gint64             *x,
                           gint64             *y,
                           gint64             *slice)
{
  gint64 u = ijk[frame->axis_x], v = ijk[frame->axis_y];

  if (x)
    *x = frame->flip_x ? frame->width - 1 - u : u;
  if (y)
    *y = frame->flip_y ? frame->height - 1 - v : v;
  if (slice)
    *slice = ijk[frame->axis_n];
}

gboolean
pl_slice_frame_contains (const PlSliceFrame *frame,
                         gint64              x,
                         gint64              y)
{
  return x >= 0 && y >= 0 && x < frame->width && y < frame->height;
}

/* ---- rules ---------------------------------------------------------------- */

void
pl_paint_rule_init (PlPaintRule *rule,
                    guint16      value,
                    PlPaintOver  over,
                    guint16      over_label)
{
  memset (rule, 0, sizeof *rule);
  rule->value = value;
  rule->over = over;
  rule->over_label = over_label;
}

void
pl_paint_rule_set_locked (PlPaintRule *rule,
                          guint16      label,
                          gboolean     locked)
{
  if (locked)
    rule->locked[label >> 3] |= (guint8) (1u << (label & 7));
  else
    rule->locked[label >> 3] &= (guint8) ~(1u << (label & 7));
}

gboolean
pl_paint_rule_allows (const PlPaintRule *rule,
                      guint16            current)
{
  if (rule->locked[current >> 3] & (1u << (current & 7)))
    return FALSE;
  switch (rule->over)
    {
    case PL_PAINT_OVER_ALL:
      return TRUE;
    case PL_PAINT_OVER_UNLABELLED:
      return current == 0;
    case PL_PAINT_OVER_LABEL:
      return current == rule->over_label;
    default:
      return FALSE;
    }
}

/* ---- brush ---------------------------------------------------------------- */

static gboolean
brush_is_odd (const PlBrush *brush)
{
  return (MAX (brush->size, 1) & 1) != 0;
}

void
pl_brush_snap (const PlBrush *brush,
               double         x,
               double         y,
               double        *cx,
               double        *cy)
{
  if (brush_is_odd (brush))
    {
      *cx = floor (x) + 0.5;
      *cy = floor (y) + 0.5;
    }
  else
    {
      *cx = floor (x + 0.5);
      *cy = floor (y + 0.5);
    }
}

gboolean
pl_brush_covers (const PlBrush *brush,
                 double         cx,
                 double         cy,
                 gint64         u,
                 gint64         v,
                 gint64         dn)
{
  double r = MAX (brush->size, 1) / 2.0;
  double du = u + 0.5 - cx, dv = v + 0.5 - cy;

  if (dn != 0 && !brush->solid)
    return FALSE;
  if (brush->shape == PL_BRUSH_SQUARE)
    return fabs (du) < r && fabs (dv) < r && (double) ABS (dn) < r;
  return du * du + dv * dv + (double) (dn * dn) <= r * r;
}

static inline gsize
voxel_index (const PlLabels *labels,
             const gint64    ijk[3])
{
  return (gsize) ijk[0] + (gsize) labels->dim[0] * ((gsize) ijk[1] + (gsize) labels->dim[1] * (gsize) ijk[2]);
}

static inline gboolean
set_voxel (PlLabels          *labels,
           gsize              index,
           const PlPaintRule *rule,
           PlEdit            *edit)
{
  guint16 cur = labels->data[index];

  if (cur == rule->value || !pl_paint_rule_allows (rule, cur))
    return FALSE;
  labels->data[index] = rule->value;
  if (edit)
    pl_edit_record (edit, index, cur, rule->value);
  return TRUE;
}

static gsize
stamp_at (PlLabels           *labels,
          const PlSliceFrame *frame,
          gint64              slice,
          const PlBrush      *brush,
          const PlPaintRule  *rule,
          double              cx,
          double              cy,
          PlEdit             *edit)
{
  double r = MAX (brush->size, 1) / 2.0;
  gint64 u0 = MAX ((gint64) floor (cx - r), 0);
  gint64 u1 = MIN ((gint64) ceil (cx + r), frame->width - 1);
  gint64 v0 = MAX ((gint64) floor (cy - r), 0);
  gint64 v1 = MIN ((gint64) ceil (cy + r), frame->height - 1);
  gint64 reach = brush->solid ? (gint64) floor (r) : 0;
  gsize changed = 0;

  for (gint64 dn = -reach; dn <= reach; dn++)
    {
      gint64 n = slice + dn;
      if (n < 0 || n >= frame->depth)
        continue;
      for (gint64 v = v0; v <= v1; v++)
        for (gint64 u = u0; u <= u1; u++)
          {
            gint64 ijk[3];
            if (!pl_brush_covers (brush, cx, cy, u, v, dn))
              continue;
            pl_slice_frame_to_voxel (frame, u, v, n, ijk);
            changed += set_voxel (labels, voxel_index (labels, ijk), rule, edit);
          }
    }
  return changed;
}

gsize
pl_paint_stamp (PlLabels           *labels,
                const PlSliceFrame *frame,
                gint64              slice,
                const PlBrush      *brush,
                const PlPaintRule  *rule,
                double              x,
                double              y,
                PlEdit             *edit)
{
  double cx, cy;

  g_return_val_if_fail (labels != NULL && frame != NULL && brush != NULL && rule != NULL, 0);
  g_return_val_if_fail (slice >= 0 && slice < frame->depth, 0);

  pl_brush_snap (brush, x, y, &cx, &cy);
  return stamp_at (labels, frame, slice, brush, rule, cx, cy, edit);
}

gsize
pl_paint_line (PlLabels           *labels,
               const PlSliceFrame *frame,
               gint64              slice,
               const PlBrush      *brush,
               const PlPaintRule  *rule,
               double              x0,
               double              y0,
               double              x1,
               double              y1,
               PlEdit             *edit)
{
  double cx0, cy0, cx1, cy1, offset;
  gint64 gx, gy, gx1, gy1, dx, dy, sx, sy, err;
  gsize changed = 0;

  g_return_val_if_fail (labels != NULL && frame != NULL && brush != NULL && rule != NULL, 0);
  g_return_val_if_fail (slice >= 0 && slice < frame->depth, 0);

  /* Walk the lattice of snapped centres (voxel centres or corners). */
  offset = brush_is_odd (brush) ? 0.5 : 0.0;
  pl_brush_snap (brush, x0, y0, &cx0, &cy0);
  pl_brush_snap (brush, x1, y1, &cx1, &cy1);
  gx = (gint64) floor (cx0 - offset);
  gy = (gint64) floor (cy0 - offset);
  gx1 = (gint64) floor (cx1 - offset);
  gy1 = (gint64) floor (cy1 - offset);
  dx = ABS (gx1 - gx);
  dy = -ABS (gy1 - gy);
  sx = gx < gx1 ? 1 : -1;
  sy = gy < gy1 ? 1 : -1;
  err = dx + dy;

  while (gx != gx1 || gy != gy1)
    {
      gint64 e2 = 2 * err;
      if (e2 >= dy)
        {
          err += dy;
          gx += sx;
        }
      if (e2 <= dx)
        {
          err += dx;
          gy += sy;
        }
      changed += stamp_at (labels, frame, slice, brush, rule, gx + offset, gy + offset, edit);
    }
  return changed;
}

/* ---- fill ----------------------------------------------------------------- */

gsize
pl_paint_fill (PlLabels           *labels,
               const PlVolume     *volume,
               const PlSliceFrame *frame,
               gint64              slice,
               gint64              x,
               gint64              y,
               double              tolerance,
               const PlPaintRule  *rule,
               PlEdit             *edit)
{
  g_autofree guint8 *seen = NULL;
  g_autoptr (GArray) stack = NULL;
  gint64 ijk[3];
  gsize seed, changed = 0;
  guint16 seed_label;
  double seed_value;

  g_return_val_if_fail (labels != NULL && volume != NULL && frame != NULL && rule != NULL, 0);
  g_return_val_if_fail (slice >= 0 && slice < frame->depth, 0);

  if (!pl_slice_frame_contains (frame, x, y))
    return 0;
  pl_slice_frame_to_voxel (frame, x, y, slice, ijk);
  seed = voxel_index (labels, ijk);
  seed_label = labels->data[seed];
  seed_value = volume->data[seed];
  if (seed_label == rule->value || !pl_paint_rule_allows (rule, seed_label))
    return 0;

  seen = g_new0 (guint8, (gsize) frame->width * (gsize) frame->height);
  stack = g_array_new (FALSE, FALSE, sizeof (gint64) * 2);
  g_array_append_val (stack, ((gint64[2]) { x, y }));
  seen[(gsize) y * frame->width + x] = 1;

  while (stack->len > 0)
    {
      static const int step[4][2] = { { 1, 0 }, { -1, 0 }, { 0, 1 }, { 0, -1 } };
      gint64 *p = &g_array_index (stack, gint64, 2 * (stack->len - 1));
      gint64 px = p[0], py = p[1];
      gsize index;

      g_array_set_size (stack, stack->len - 1);
      pl_slice_frame_to_voxel (frame, px, py, slice, ijk);
      index = voxel_index (labels, ijk);
      changed += set_voxel (labels, index, rule, edit);

      for (int s = 0; s < 4; s++)
        {
          gint64 qx = px + step[s][0], qy = py + step[s][1];
          gsize qi;
          if (!pl_slice_frame_contains (frame, qx, qy) || seen[(gsize) qy * frame->width + qx])
            continue;
          pl_slice_frame_to_voxel (frame, qx, qy, slice, ijk);
          qi = voxel_index (labels, ijk);
          if (labels->data[qi] != seed_label)
            continue;
          if (tolerance >= 0.0 && !(fabs ((double) volume->data[qi] - seed_value) <= tolerance))
            continue;
          seen[(gsize) qy * frame->width + qx] = 1;
          g_array_append_val (stack, ((gint64[2]) { qx, qy }));
        }
    }
  return changed;
}

/* ---- merging a proposal --------------------------------------------------- */

static inline gboolean
rule_locks (const PlPaintRule *rule,
            guint16            v)
{
  return (rule->locked[v >> 3] & (1u << (v & 7))) != 0;
}

gsize
pl_paint_merge (const PlLabels    *labels,
                const PlLabels    *proposal,
                const PlPaintRule *rule,
                PlMergeScope       scope,
                int                axis,
                gint64             slice,
                guint16            value,
                guint16           *out)
{
  g_autofree guint8 *take = NULL;
  const guint16 *cur, *prop;
  gsize n = 0;

  g_return_val_if_fail (labels != NULL && proposal != NULL && rule != NULL, 0);
  if (memcmp (labels->dim, proposal->dim, sizeof (gint64) * 3) != 0 || rule_locks (rule, 0))
    return 0;
  /* take[p]: whether a proposed value p may be written (not 0, not locked,
   * the chosen class), so the loop over voxels is a lookup */
  take = g_new0 (guint8, 65536);
  for (guint p = 1; p < 65536; p++)
    take[p] = !rule_locks (rule, (guint16) p) && (scope != PL_MERGE_CLASS || p == value);
  cur = labels->data;
  prop = proposal->data;

#define VISIT(v)                                                         \
  G_STMT_START {                                                         \
    gsize v_ = (v);                                                      \
    if (cur[v_] == 0 && take[prop[v_]])                                  \
      {                                                                  \
        if (out)                                                         \
          out[v_] = prop[v_];                                            \
        n++;                                                             \
      }                                                                  \
  } G_STMT_END

  if (scope == PL_MERGE_SLICE)
    {
      int h, w;
      gsize sh, sw, off;

      g_return_val_if_fail (axis >= 0 && axis < 3, 0);
      if (slice < 0 || slice >= labels->dim[axis])
        return 0;
      pl_slice_dims (labels->dim, axis, &h, &w);
      pl_slice_strides (labels->dim, axis, slice, &sh, &sw, &off);
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          VISIT (off + y * sh + x * sw);
    }
  else
    {
      gsize total = pl_labels_n_voxels (labels);
      for (gsize v = 0; v < total; v++)
        VISIT (v);
    }
#undef VISIT
  return n;
}

static gsize
merge_into_edit (PlLabels          *labels,
                 const PlLabels    *proposal,
                 const PlPaintRule *rule,
                 PlMergeScope       scope,
                 int                axis,
                 gint64             slice,
                 guint16            value,
                 gsize              begin,
                 gsize              end,
                 PlEdit            *edit,
                 gboolean           write)
{
  enum { BLOCK = 1 << 15 };
  g_autofree guint8 *take = NULL;
  g_autofree guint16 *after = NULL;
  guint16 *cur;
  const guint16 *prop;
  gsize n = 0;

  g_return_val_if_fail (labels != NULL && proposal != NULL && rule != NULL && edit != NULL, 0);
  if (memcmp (labels->dim, proposal->dim, sizeof (gint64) * 3) != 0 || rule_locks (rule, 0))
    return 0;
  cur = labels->data;
  prop = proposal->data;
  take = g_new0 (guint8, 65536);
  for (guint p = 1; p < 65536; p++)
    take[p] = !rule_locks (rule, (guint16) p) && (scope != PL_MERGE_CLASS || p == value);

  if (scope == PL_MERGE_SLICE)
    {
      int h, w;
      gsize sh, sw, off;

      g_return_val_if_fail (axis >= 0 && axis < 3, 0);
      if (begin != 0 || slice < 0 || slice >= labels->dim[axis])
        return 0;
      pl_slice_dims (labels->dim, axis, &h, &w);
      pl_slice_strides (labels->dim, axis, slice, &sh, &sw, &off);
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          {
            gsize v = off + y * sh + x * sw;
            if (cur[v] == 0 && take[prop[v]])
              {
                if (write)
                  cur[v] = prop[v];
                pl_edit_record (edit, v, 0, prop[v]);
                n++;
              }
          }
      return n;
    }

  end = MIN (end, pl_labels_n_voxels (labels));
  after = g_new (guint16, BLOCK);
  for (gsize b = begin; b < end; b += BLOCK)
    {
      gsize e = MIN (b + BLOCK, end), filled = 0, v = b;
      memcpy (after, cur + b, (e - b) * sizeof (guint16));
      /* most of a proposal is background: four voxels a word while the
       * proposal is 0 */
      while (v < e)
        {
          guint64 word;
          if (v + 4 <= e)
            {
              memcpy (&word, prop + v, sizeof word);
              if (word == 0)
                {
                  v += 4;
                  continue;
                }
            }
          for (gsize stop = MIN (v + 4, e); v < stop; v++)
            if (cur[v] == 0 && take[prop[v]])
              {
                after[v - b] = prop[v];
                filled++;
              }
        }
      if (filled)
        {
          if (write)
            pl_edit_apply_diff_range (edit, cur, after, b, e);
          else
            pl_edit_record_diff_range (edit, cur, after, b, e);
          n += filled;
        }
    }
  return n;
}

gsize
pl_paint_merge_apply (PlLabels          *labels,
                      const PlLabels    *proposal,
                      const PlPaintRule *rule,
                      PlMergeScope       scope,
                      int                axis,
                      gint64             slice,
                      guint16            value,
                      gsize              begin,
                      gsize              end,
                      PlEdit            *edit)
{
  return merge_into_edit (labels, proposal, rule, scope, axis, slice, value, begin, end, edit, TRUE);
}

gsize
pl_paint_merge_plan (const PlLabels    *labels,
                     const PlLabels    *proposal,
                     const PlPaintRule *rule,
                     PlMergeScope       scope,
                     int                axis,
                     gint64             slice,
                     guint16            value,
                     gsize              begin,
                     gsize              end,
                     PlEdit            *edit)
{
  return merge_into_edit ((PlLabels *) labels, proposal, rule, scope, axis, slice, value, begin, end, edit,
                          FALSE);
}
