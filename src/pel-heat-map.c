/* PelHeatMap: a colormapped float overlay.  See pel-heat-map.h. */
#define G_LOG_DOMAIN "pel-heat-map"

#include "src/pel-heat-map.h"

#include <math.h>
#include <string.h>

#include "src/pel-enums.h"

struct _PelHeatMap
{
  GObject      parent_instance;
  char        *name;
  gint64       dim[3];
  float       *data;
  PelColormap  colormap;
  double       min, max;
  double       opacity;
  gboolean     visible;
};

G_DEFINE_FINAL_TYPE (PelHeatMap, pel_heat_map, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_NAME,
  PROP_COLORMAP,
  PROP_MIN,
  PROP_MAX,
  PROP_OPACITY,
  PROP_VISIBLE,
  N_PROPS
};

enum
{
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
pel_heat_map_finalize (GObject *object)
{
  PelHeatMap *self = PEL_HEAT_MAP (object);

  g_free (self->name);
  g_free (self->data);
  G_OBJECT_CLASS (pel_heat_map_parent_class)->finalize (object);
}

static void
pel_heat_map_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  PelHeatMap *self = PEL_HEAT_MAP (object);

  switch (prop_id)
    {
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_COLORMAP: g_value_set_enum (value, self->colormap); break;
    case PROP_MIN: g_value_set_double (value, self->min); break;
    case PROP_MAX: g_value_set_double (value, self->max); break;
    case PROP_OPACITY: g_value_set_double (value, self->opacity); break;
    case PROP_VISIBLE: g_value_set_boolean (value, self->visible); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pel_heat_map_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  PelHeatMap *self = PEL_HEAT_MAP (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_free (self->name);
      self->name = g_value_dup_string (value);
      break;
    case PROP_COLORMAP: self->colormap = g_value_get_enum (value); break;
    case PROP_MIN: self->min = g_value_get_double (value); break;
    case PROP_MAX: self->max = g_value_get_double (value); break;
    case PROP_OPACITY: self->opacity = g_value_get_double (value); break;
    case PROP_VISIBLE: self->visible = g_value_get_boolean (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  if (prop_id != PROP_NAME)
    g_signal_emit (self, signals[CHANGED], 0);
}

static void
pel_heat_map_class_init (PelHeatMapClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = pel_heat_map_finalize;
  object_class->get_property = pel_heat_map_get_property;
  object_class->set_property = pel_heat_map_set_property;

  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_COLORMAP] = g_param_spec_enum ("colormap", NULL, NULL, PEL_TYPE_COLORMAP, PEL_COLORMAP_HOT, flags);
  properties[PROP_MIN] = g_param_spec_double ("min", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.0, flags);
  properties[PROP_MAX] = g_param_spec_double ("max", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 1.0, flags);
  properties[PROP_OPACITY] = g_param_spec_double ("opacity", NULL, NULL, 0.0, 1.0, 0.6, flags);
  properties[PROP_VISIBLE] = g_param_spec_boolean ("visible", NULL, NULL, TRUE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Anything that changes the picture: data, range, colormap, opacity. */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
pel_heat_map_init (PelHeatMap *self)
{
  self->max = 1.0;
  self->opacity = 0.6;
  self->visible = TRUE;
}

PelHeatMap *
pel_heat_map_new (const char   *name,
                  const gint64  dim[3],
                  float        *data)
{
  PelHeatMap *self;
  gsize n = (gsize) dim[0] * (gsize) dim[1] * (gsize) dim[2];
  float lo = INFINITY, hi = -INFINITY;

  g_return_val_if_fail (data != NULL, NULL);

  self = g_object_new (PEL_TYPE_HEAT_MAP, "name", name, NULL);
  memcpy (self->dim, dim, sizeof self->dim);
  self->data = data;
  for (gsize i = 0; i < n; i++)
    if (isfinite (data[i]))
      {
        lo = MIN (lo, data[i]);
        hi = MAX (hi, data[i]);
      }
  if (hi > lo)
    {
      self->min = lo;
      self->max = hi;
    }
  return self;
}

const char *
pel_heat_map_get_name (PelHeatMap *self)
{
  g_return_val_if_fail (PEL_IS_HEAT_MAP (self), NULL);
  return self->name;
}

const float *
pel_heat_map_get_data (PelHeatMap *self)
{
  g_return_val_if_fail (PEL_IS_HEAT_MAP (self), NULL);
  return self->data;
}

void
pel_heat_map_get_dim (PelHeatMap *self,
                      gint64      dim[3])
{
  g_return_if_fail (PEL_IS_HEAT_MAP (self));
  memcpy (dim, self->dim, sizeof self->dim);
}

PelColormap
pel_heat_map_get_colormap (PelHeatMap *self)
{
  g_return_val_if_fail (PEL_IS_HEAT_MAP (self), PEL_COLORMAP_HOT);
  return self->colormap;
}

void
pel_heat_map_get_range (PelHeatMap *self,
                        double     *min,
                        double     *max)
{
  g_return_if_fail (PEL_IS_HEAT_MAP (self));
  *min = self->min;
  *max = self->max;
}

double
pel_heat_map_get_opacity (PelHeatMap *self)
{
  g_return_val_if_fail (PEL_IS_HEAT_MAP (self), 0.0);
  return self->opacity;
}

gboolean
pel_heat_map_get_visible (PelHeatMap *self)
{
  g_return_val_if_fail (PEL_IS_HEAT_MAP (self), FALSE);
  return self->visible;
}

void
pel_heat_map_data_changed (PelHeatMap *self)
{
  g_return_if_fail (PEL_IS_HEAT_MAP (self));
  g_signal_emit (self, signals[CHANGED], 0);
}
