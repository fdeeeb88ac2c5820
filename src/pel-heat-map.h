/* pel-heat-map.h: a float overlay on the volume's grid (probability,
 * entropy, variance, saliency) drawn with a colormap over the labels.
 *
 * The document holds at most one (pel_document_set_heat_map()); views draw
 * it after the label and proposal layers.  Values at or below `min` are
 * transparent, values at `max` take the colormap's last colour; `opacity`
 * and `visible` are properties a panel binds its controls to.
 */
#pragma once

#include <glib-object.h>

#include "src/pel-render.h"

G_BEGIN_DECLS

#define PEL_TYPE_HEAT_MAP (pel_heat_map_get_type ())
G_DECLARE_FINAL_TYPE (PelHeatMap, pel_heat_map, PEL, HEAT_MAP, GObject)

/* data: dim[0]*dim[1]*dim[2] floats, i fastest (transfer full, g_free). */
PelHeatMap   *pel_heat_map_new          (const char   *name,
                                         const gint64  dim[3],
                                         float        *data);
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
