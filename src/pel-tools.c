/* PelTools: shared painting state.  See pel-tools.h. */
#define G_LOG_DOMAIN "pel-tools"

#include "src/pel-tools.h"

#include "src/pel-enums.h"

struct _PelTools
{
  GObject       parent_instance;
  PelTool       tool;
  PelBrushShape brush_shape;
  int           brush_size;
  gboolean      brush_3d;
  guint         active_label;
  PelPaintOver  paint_over;
  guint         paint_over_label;
  double        fill_tolerance;
};

G_DEFINE_FINAL_TYPE (PelTools, pel_tools, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_TOOL,
  PROP_BRUSH_SHAPE,
  PROP_BRUSH_SIZE,
  PROP_BRUSH_3D,
  PROP_ACTIVE_LABEL,
  PROP_PAINT_OVER,
  PROP_PAINT_OVER_LABEL,
  PROP_FILL_TOLERANCE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
pel_tools_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  PelTools *self = PEL_TOOLS (object);

  switch (prop_id)
    {
    case PROP_TOOL: g_value_set_enum (value, self->tool); break;
    case PROP_BRUSH_SHAPE: g_value_set_enum (value, self->brush_shape); break;
    case PROP_BRUSH_SIZE: g_value_set_int (value, self->brush_size); break;
    case PROP_BRUSH_3D: g_value_set_boolean (value, self->brush_3d); break;
    case PROP_ACTIVE_LABEL: g_value_set_uint (value, self->active_label); break;
    case PROP_PAINT_OVER: g_value_set_enum (value, self->paint_over); break;
    case PROP_PAINT_OVER_LABEL: g_value_set_uint (value, self->paint_over_label); break;
    case PROP_FILL_TOLERANCE: g_value_set_double (value, self->fill_tolerance); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Stores a value and notifies only on change (EXPLICIT_NOTIFY). */
#define SET_AND_NOTIFY(field, expr, prop)                                   \
  G_STMT_START {                                                            \
    __typeof__ (self->field) v_ = (expr);                                   \
    if (self->field != v_)                                                  \
      {                                                                     \
        self->field = v_;                                                   \
        g_object_notify_by_pspec (object, properties[prop]);                \
      }                                                                     \
  } G_STMT_END

static void
pel_tools_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  PelTools *self = PEL_TOOLS (object);

  switch (prop_id)
    {
    case PROP_TOOL: SET_AND_NOTIFY (tool, g_value_get_enum (value), PROP_TOOL); break;
    case PROP_BRUSH_SHAPE: SET_AND_NOTIFY (brush_shape, g_value_get_enum (value), PROP_BRUSH_SHAPE); break;
    case PROP_BRUSH_SIZE: SET_AND_NOTIFY (brush_size, g_value_get_int (value), PROP_BRUSH_SIZE); break;
    case PROP_BRUSH_3D: SET_AND_NOTIFY (brush_3d, g_value_get_boolean (value), PROP_BRUSH_3D); break;
    case PROP_ACTIVE_LABEL: SET_AND_NOTIFY (active_label, g_value_get_uint (value), PROP_ACTIVE_LABEL); break;
    case PROP_PAINT_OVER: SET_AND_NOTIFY (paint_over, g_value_get_enum (value), PROP_PAINT_OVER); break;
    case PROP_PAINT_OVER_LABEL:
      SET_AND_NOTIFY (paint_over_label, g_value_get_uint (value), PROP_PAINT_OVER_LABEL);
      break;
    case PROP_FILL_TOLERANCE:
      SET_AND_NOTIFY (fill_tolerance, g_value_get_double (value), PROP_FILL_TOLERANCE);
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pel_tools_class_init (PelToolsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = pel_tools_get_property;
  object_class->set_property = pel_tools_set_property;

  properties[PROP_TOOL] = g_param_spec_enum ("tool", NULL, NULL, PEL_TYPE_TOOL, PEL_TOOL_CROSSHAIR, flags);
  properties[PROP_BRUSH_SHAPE] = g_param_spec_enum ("brush-shape", NULL, NULL, PEL_TYPE_BRUSH_SHAPE,
                                                    PEL_BRUSH_SHAPE_ROUND, flags);
  properties[PROP_BRUSH_SIZE] = g_param_spec_int ("brush-size", NULL, NULL, 1, 99, 5, flags);
  properties[PROP_BRUSH_3D] = g_param_spec_boolean ("brush-3d", NULL, NULL, FALSE, flags);
  properties[PROP_ACTIVE_LABEL] = g_param_spec_uint ("active-label", NULL, NULL, 0, G_MAXUINT16, 1, flags);
  properties[PROP_PAINT_OVER] = g_param_spec_enum ("paint-over", NULL, NULL, PEL_TYPE_PAINT_OVER,
                                                   PEL_PAINT_OVER_ALL, flags);
  properties[PROP_PAINT_OVER_LABEL] = g_param_spec_uint ("paint-over-label", NULL, NULL, 0, G_MAXUINT16, 0, flags);
  /* Intensity units; < 0 ignores intensity (the fill follows labels only). */
  properties[PROP_FILL_TOLERANCE] = g_param_spec_double ("fill-tolerance", NULL, NULL, -1.0, G_MAXDOUBLE, 20.0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pel_tools_init (PelTools *self)
{
  self->brush_size = 5;
  self->active_label = 1;
  self->fill_tolerance = 20.0;
}

PelTools *
pel_tools_new (void)
{
  return g_object_new (PEL_TYPE_TOOLS, NULL);
}

PelTool
pel_tools_get_tool (PelTools *self)
{
  g_return_val_if_fail (PEL_IS_TOOLS (self), PEL_TOOL_CROSSHAIR);
  return self->tool;
}

void
pel_tools_set_tool (PelTools *self,
                    PelTool   tool)
{
  g_return_if_fail (PEL_IS_TOOLS (self));
  g_object_set (self, "tool", tool, NULL);
}

guint16
pel_tools_get_active_label (PelTools *self)
{
  g_return_val_if_fail (PEL_IS_TOOLS (self), 0);
  return (guint16) self->active_label;
}

void
pel_tools_set_active_label (PelTools *self,
                            guint16   value)
{
  g_return_if_fail (PEL_IS_TOOLS (self));
  g_object_set (self, "active-label", (guint) value, NULL);
}

int
pel_tools_get_brush_size (PelTools *self)
{
  g_return_val_if_fail (PEL_IS_TOOLS (self), 1);
  return self->brush_size;
}

void
pel_tools_set_brush_size (PelTools *self,
                          int       size)
{
  g_return_if_fail (PEL_IS_TOOLS (self));
  g_object_set (self, "brush-size", CLAMP (size, 1, 99), NULL);
}

double
pel_tools_get_fill_tolerance (PelTools *self)
{
  g_return_val_if_fail (PEL_IS_TOOLS (self), 0.0);
  return self->fill_tolerance;
}

void
pel_tools_get_brush (PelTools *self,
                     PlBrush  *brush)
{
  g_return_if_fail (PEL_IS_TOOLS (self));
  brush->shape = self->brush_shape == PEL_BRUSH_SHAPE_SQUARE ? PL_BRUSH_SQUARE : PL_BRUSH_ROUND;
  brush->size = self->brush_size;
  brush->solid = self->brush_3d;
}

PelPaintOver
pel_tools_get_paint_over (PelTools *self,
                          guint16  *over_label)
{
  g_return_val_if_fail (PEL_IS_TOOLS (self), PEL_PAINT_OVER_ALL);
  if (over_label)
    *over_label = (guint16) self->paint_over_label;
  return self->paint_over;
}
