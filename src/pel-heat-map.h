/* pel-heat-map.h: a float overlay on the volume's grid (probability,
 * entropy, variance, saliency) drawn with a colormap over the labels.
 *
 * The document holds at most one (pel_document_set_heat_map()); views draw
 * it after the label and proposal layers.  Values at or below `min` are
 * transparent, values at `max` take the colormap's last colour; `opacity`
 * and `visible` are properties a panel binds its controls to.
 */
#pragma once

#include <gio/gio.h>

#include "src/pel-render.h"

G_BEGIN_DECLS

#define PEL_TYPE_HEAT_MAP (pel_heat_map_get_type ())
G_DECLARE_FINAL_TYPE (PelHeatMap, pel_heat_map, PEL, HEAT_MAP, GObject)

/* data: dim[0]*dim[1]*dim[2] floats, i fastest (transfer full, g_free). */
PelHeatMap   *pel_heat_map_new          (const char   *name,
                                         const gint64  dim[3],
                                         float        *data);
/* A heat map that is NaN (transparent) except on one slice: slice `index`
 * along voxel axis `axis` takes the window (ox, oy, ww, wh) of the slice
 * map `map` (w values a row, as pl_slice_strides() lays the slice out;
 * |value| when `absolute`).  The volume-sized array is filled and scanned
 * on a thread (it is tens of MB); the callback runs on the main thread. */
void          pel_heat_map_new_slice_async  (const char          *name,
                                             const gint64         dim[3],
                                             int                  axis,
                                             gint64               index,
                                             const float         *map,
                                             int                  w,
                                             int                  ox,
                                             int                  oy,
                                             int                  ww,
                                             int                  wh,
                                             gboolean             absolute,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
PelHeatMap   *pel_heat_map_new_slice_finish (GAsyncResult        *result,
                                             GError             **error);
/* A heat map holding a copy of data (dim[0]*dim[1]*dim[2] floats), made
 * on a thread; owner (released with owner_free when done, on either
 * thread) keeps data alive meanwhile. */
void          pel_heat_map_new_copy_async   (const char          *name,
                                             const gint64         dim[3],
                                             const float         *data,
                                             gpointer             owner,
                                             GDestroyNotify       owner_free,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
PelHeatMap   *pel_heat_map_new_copy_finish  (GAsyncResult        *result,
                                             GError             **error);
const char   *pel_heat_map_get_name     (PelHeatMap   *self);
const float  *pel_heat_map_get_data     (PelHeatMap   *self);
void          pel_heat_map_get_dim      (PelHeatMap   *self,
                                         gint64        dim[3]);
PelColormap   pel_heat_map_get_colormap (PelHeatMap   *self);
void          pel_heat_map_get_range    (PelHeatMap   *self,
                                         double       *min,
                                         double       *max);
double        pel_heat_map_get_opacity  (PelHeatMap   *self);
gboolean      pel_heat_map_get_visible  (PelHeatMap   *self);
/* Call after changing the data in place: views redraw. */
void          pel_heat_map_data_changed (PelHeatMap   *self);

G_END_DECLS
