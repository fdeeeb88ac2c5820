/* pel-types.h: enumerations shared by the front end's objects.  GTypes for
 * them are generated into pel-enums.h (glib-mkenums), so they can be
 * GObject properties, GSettings enum keys and stateful actions. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Three views side by side, or one of them large. */
typedef enum
{
  PEL_LAYOUT_THREE,
  PEL_LAYOUT_AXIAL,
  PEL_LAYOUT_CORONAL,
  PEL_LAYOUT_SAGITTAL,
} PelLayout;

/* Main tools, numbered as ITK-SNAP's keys 1-4 where it has one (its 3 is
 * the polygon; ours is the flood fill), eraser on 5, distance on 6. */
typedef enum
{
  PEL_TOOL_CROSSHAIR,
  PEL_TOOL_PAN,
  PEL_TOOL_FILL,
  PEL_TOOL_BRUSH,
  PEL_TOOL_ERASER,
  PEL_TOOL_MEASURE,   /* distance in mm between two points */
} PelTool;

/* Mirrors PlBrushShape. */
typedef enum
{
  PEL_BRUSH_SHAPE_ROUND,
  PEL_BRUSH_SHAPE_SQUARE,
} PelBrushShape;

/* Mirrors PlPaintOver. */
typedef enum
{
  PEL_PAINT_OVER_ALL,
  PEL_PAINT_OVER_UNLABELLED,
  PEL_PAINT_OVER_LABEL,
} PelPaintOver;

G_END_DECLS
