/* pel-tools.h: the painting state every view shares.
 *
 * One PelTools per window: the active tool, the brush, the active label and
 * the paint-over rule.  Views read it when a gesture starts; the header bar,
 * the labels panel and the keyboard shortcuts change it through its
 * properties (tool, brush-shape, brush-size, brush-3d, active-label,
 * paint-over, paint-over-label, fill-tolerance).
 */
#pragma once

#include <glib-object.h>

#include "engine/data/paint.h"
#include "src/pel-types.h"

G_BEGIN_DECLS

#define PEL_TYPE_TOOLS (pel_tools_get_type ())
G_DECLARE_FINAL_TYPE (PelTools, pel_tools, PEL, TOOLS, GObject)

PelTools     *pel_tools_new                (void);
PelTool       pel_tools_get_tool           (PelTools     *self);
void          pel_tools_set_tool           (PelTools     *self,
                                            PelTool       tool);
guint16       pel_tools_get_active_label   (PelTools     *self);
void          pel_tools_set_active_label   (PelTools     *self,
                                            guint16       value);
int           pel_tools_get_brush_size     (PelTools     *self);
void          pel_tools_set_brush_size     (PelTools     *self,
                                            int           size);
double        pel_tools_get_fill_tolerance (PelTools     *self);
void          pel_tools_get_brush          (PelTools     *self,
                                            PlBrush      *brush);
PelPaintOver  pel_tools_get_paint_over     (PelTools     *self,
                                            guint16      *over_label);

G_END_DECLS
