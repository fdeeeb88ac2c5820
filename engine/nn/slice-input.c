/* The input channels of a slice: neighbours and position.  See
 * slice-input.h. */
#define G_LOG_DOMAIN "pl-slice-input"

#include "engine/nn/slice-input.h"

#include "engine/core/error.h"
#include "engine/data/dataset.h"
#include "engine/nn/infer.h"

int
pl_model_input_channels (const PlModel *model)
{
  return MAX (model->context, 1) + (model->coords ? 1 : 0);
}

gboolean
pl_slice_input_check (int       context,
                      GError  **error)
{
  if (context < 1 || context > PL_MAX_CONTEXT || context % 2 == 0)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "context must be an odd number of slices 1…%d (got %d)", PL_MAX_CONTEXT, context);
      return FALSE;
    }
  return TRUE;
}

void
pl_model_slice_images (const PlModel  *model,
                       const PlVolume *volume,
                       gint64          index,
                       int             oy,
                       int             ox,
                       int             wh,
                       int             ww,
                       float          *slice,
                       float          *dst)
{
  int h, w, context = MAX (model->context, 1);
  gint64 n = volume->dim[model->axis];

  pl_slice_dims (volume->dim, model->axis, &h, &w);
  for (int j = 0; j < context; j++)
    {
      gint64 z = CLAMP (index + j - context / 2, 0, n - 1);
      pl_volume_get_slice (volume, model->axis, z, slice);
      pl_model_normalise (model, slice, (gsize) h * w, slice);
      pl_window_extract_f32 (slice, h, w, oy, ox, wh, ww, 0.0f, dst + (gsize) j * wh * ww);
    }
}

void
pl_slice_side_coords (const PlVolume *volume,
                      int             axis,
                      gint64          index,
                      int             oy,
                      int             ox,
                      int             wh,
                      int             ww,
                      float          *dst)
{
  PlOrientation o;
  int lr, a = axis == 0 ? 1 : 0;
  double n, sign;

  pl_volume_orientation (volume, &o);
  lr = o.voxel_axis[0];
  n = (double) volume->dim[lr];
  sign = o.sign[0] >= 0 ? 1.0 : -1.0;
  /* voxel centre i of n: (2 i + 1) / n − 1 in (−1, 1), towards R when the
   * index increases towards R */
#define POS(i) ((float) (sign * ((2.0 * (double) (i) + 1.0) / n - 1.0)))
  for (int y = 0; y < wh; y++)
    for (int x = 0; x < ww; x++)
      dst[(gsize) y * ww + x] = lr == axis ? POS (index) : lr == a ? POS (y + oy) : POS (x + ox);
#undef POS
}

void
pl_model_slice_input (const PlModel  *model,
                      const PlVolume *volume,
                      gint64          index,
                      int             oy,
                      int             ox,
                      int             wh,
                      int             ww,
                      float          *slice,
                      float          *dst)
{
  int context = MAX (model->context, 1);

  pl_model_slice_images (model, volume, index, oy, ox, wh, ww, slice, dst);
  if (model->coords)
    pl_slice_side_coords (volume, model->axis, index, oy, ox, wh, ww, dst + (gsize) context * wh * ww);
}
