/* slice-input.h: what a model sees of one slice.
 *
 * Channels, in order: with context C (odd, 1 … PL_MAX_CONTEXT) the slices
 * index − C/2 … index + C/2 along the model's axis (2.5-D input: the
 * neighbours above and below give the network some of the third
 * dimension), a neighbour beyond either end of the volume repeating the
 * end slice; each normalised as pl_model_normalise and cut to the window
 * (oy, ox, wh, ww) as pl_window_extract_f32 (zero outside).  Then, with
 * coords, the left–right position: −1 at the patient's left edge of the
 * volume to +1 at its right edge (the voxel axis nearest R–L in the
 * header), continued linearly into padding; along that axis the slices
 * carry their own position.  Flips and rotations move the image channels
 * with the anatomy but not the position channel, which stays in the
 * network's frame: a side that a flip moved is then seen where it now
 * lies, as the swapped labels say.
 */
#pragma once

#include "engine/data/volume.h"
#include "engine/nn/model.h"

G_BEGIN_DECLS

#define PL_MAX_CONTEXT 9

/* context + (coords ? 1 : 0). */
int      pl_model_input_channels   (const PlModel  *model);
/* Whether context is a valid choice; error names the problem. */
gboolean pl_slice_input_check      (int             context,
                                    GError        **error);
/* dst (context, wh, ww): the image channels of slice `index`; slice:
 * scratch of h·w floats. */
void     pl_model_slice_images     (const PlModel  *model,
                                    const PlVolume *volume,
                                    gint64          index,
                                    int             oy,
                                    int             ox,
                                    int             wh,
                                    int             ww,
                                    float          *slice,
                                    float          *dst);
/* dst (wh, ww): the left–right position channel of slice `index` along
 * `axis`. */
void     pl_slice_side_coords      (const PlVolume *volume,
                                    int             axis,
                                    gint64          index,
                                    int             oy,
                                    int             ox,
                                    int             wh,
                                    int             ww,
                                    float          *dst);
/* dst (pl_model_input_channels, wh, ww): every channel. */
void     pl_model_slice_input      (const PlModel  *model,
                                    const PlVolume *volume,
                                    gint64          index,
                                    int             oy,
                                    int             ox,
                                    int             wh,
                                    int             ww,
                                    float          *slice,
                                    float          *dst);

G_END_DECLS
