/* PelHeatMap: a colormapped float overlay.  See pel-heat-map.h. */
#define G_LOG_DOMAIN "pel-heat-map"

#include "src/pel-heat-map.h"

#include <math.h>
#include <string.h>

#include "src/pel-enums.h"
#include "engine/data/dataset.h"

#include <gio/gio.h>

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

/* The finite range of n values. */
static void
finite_range (const float *d, gsize n, float *lo, float *hi)
{
  float a = INFINITY, b = -INFINITY;
  for (gsize i = 0; i < n; i++)
    if (isfinite (d[i]))
      {
        a = MIN (a, d[i]);
        b = MAX (b, d[i]);
      }
  *lo = a;
  *hi = b;
}

PelHeatMap *
pel_heat_map_new (const char   *name,
                  const gint64  dim[3],
                  float        *data)
{
  PelHeatMap *self;
  gsize n = (gsize) dim[0] * (gsize) dim[1] * (gsize) dim[2];
  float lo, hi;

  g_return_val_if_fail (data != NULL, NULL);

  self = g_object_new (PEL_TYPE_HEAT_MAP, "name", name, NULL);
  memcpy (self->dim, dim, sizeof self->dim);
  self->data = data;
  finite_range (data, n, &lo, &hi);
  if (hi > lo)
    {
      self->min = lo;
      self->max = hi;
    }
  return self;
}

typedef struct
{
  char          *name;
  gint64         dim[3];
  /* one slice (src == NULL) */
  int            axis;
  gint64         index;
  float         *window;    /* ww × wh values of the window */
  int            ox, oy, ww, wh;
  gboolean       absolute;
  /* or a copy of src, kept alive by owner */
  const float   *src;
  gpointer       owner;
  GDestroyNotify owner_free;
  float         *data;      /* the result */
  float          lo, hi;
} SliceJob;

static void
slice_job_free (gpointer p)
{
  SliceJob *j = p;
  g_free (j->name);
  g_free (j->window);
  g_free (j->data);
  if (j->owner_free)
    j->owner_free (j->owner);
  g_free (j);
}


static void
slice_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  SliceJob *j = task_data;
  gsize n = (gsize) j->dim[0] * j->dim[1] * j->dim[2], sh, sw, off;
  float lo = INFINITY, hi = -INFINITY;

  j->data = g_try_new (float, n);
  if (j->data == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "out of memory for the overlay");
      return;
    }
  if (j->src)
    {
      memcpy (j->data, j->src, n * sizeof (float));
      finite_range (j->data, n, &j->lo, &j->hi);
      g_task_return_boolean (task, TRUE);
      return;
    }
  for (gsize k = 0; k < n; k++)
    j->data[k] = NAN;
  pl_slice_strides (j->dim, j->axis, j->index, &sh, &sw, &off);
  for (int y = 0; y < j->wh; y++)
    for (int x = 0; x < j->ww; x++)
      {
        float v = j->window[(gsize) y * j->ww + x];
        if (j->absolute)
          v = fabsf (v);
        j->data[off + (gsize) (j->oy + y) * sh + (gsize) (j->ox + x) * sw] = v;
        if (isfinite (v))
          {
            lo = MIN (lo, v);
            hi = MAX (hi, v);
          }
      }
  j->lo = lo;
  j->hi = hi;
  g_task_return_boolean (task, TRUE);
}

void
pel_heat_map_new_slice_async (const char          *name,
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
                              gpointer             user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  SliceJob *j = g_new0 (SliceJob, 1);

  j->name = g_strdup (name);
  memcpy (j->dim, dim, sizeof j->dim);
  j->axis = axis;
  j->index = index;
  j->ox = ox;
  j->oy = oy;
  j->ww = ww;
  j->wh = wh;
  j->absolute = absolute;
  j->window = g_new (float, (gsize) ww * wh);
  for (int y = 0; y < wh; y++)
    memcpy (j->window + (gsize) y * ww, map + (gsize) (oy + y) * w + ox, ww * sizeof (float));
  g_task_set_task_data (task, j, slice_job_free);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, slice_thread);
}

void
pel_heat_map_new_copy_async (const char          *name,
                             const gint64         dim[3],
                             const float         *data,
                             gpointer             owner,
                             GDestroyNotify       owner_free,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  SliceJob *j = g_new0 (SliceJob, 1);

  j->name = g_strdup (name);
  memcpy (j->dim, dim, sizeof j->dim);
  j->src = data;
  j->owner = owner;
  j->owner_free = owner_free;
  g_task_set_task_data (task, j, slice_job_free);
  g_task_run_in_thread (task, slice_thread);
}

PelHeatMap *
pel_heat_map_new_copy_finish (GAsyncResult  *result,
                              GError       **error)
{
  return pel_heat_map_new_slice_finish (result, error);
}

PelHeatMap *
pel_heat_map_new_slice_finish (GAsyncResult  *result,
                               GError       **error)
{
  SliceJob *j = g_task_get_task_data (G_TASK (result));
  PelHeatMap *self;

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  self = g_object_new (PEL_TYPE_HEAT_MAP, "name", j->name, NULL);
  memcpy (self->dim, j->dim, sizeof self->dim);
  self->data = g_steal_pointer (&j->data);
  if (j->hi > j->lo)
    {
      self->min = j->lo;
      self->max = j->hi;
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
