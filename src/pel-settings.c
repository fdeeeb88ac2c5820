/* PelSettings: GSettings keys as bindable properties.  See pel-settings.h. */
#define G_LOG_DOMAIN "pel-settings"

#include "src/pel-config.h"
#include "src/pel-settings.h"

#include <gio/gio.h>

#include "src/pel-enums.h"
#include "src/pel-types.h"

#define SCHEMA_ID "io.pellucid.Pellucid"

struct _PelSettings
{
  GObject    parent_instance;
  GSettings *settings;   /* NULL when the schema was not found */

  int        window_width;
  int        window_height;
  gboolean   window_maximized;
  PelLayout  layout;
  char      *last_preset;
  char      *last_save_folder;
  int        brush_size;
  PelBrushShape brush_shape;
  double     label_opacity;
  guint      autosave_interval;
  guint      undo_budget;
};

G_DEFINE_FINAL_TYPE (PelSettings, pel_settings, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_WINDOW_WIDTH,
  PROP_WINDOW_HEIGHT,
  PROP_WINDOW_MAXIMIZED,
  PROP_LAYOUT,
  PROP_LAST_PRESET,
  PROP_LAST_SAVE_FOLDER,
  PROP_BRUSH_SIZE,
  PROP_BRUSH_SHAPE,
  PROP_LABEL_OPACITY,
  PROP_AUTOSAVE_INTERVAL,
  PROP_UNDO_BUDGET,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
pel_settings_finalize (GObject *object)
{
  PelSettings *self = PEL_SETTINGS (object);

  g_clear_object (&self->settings);
  g_free (self->last_preset);
  g_free (self->last_save_folder);
  G_OBJECT_CLASS (pel_settings_parent_class)->finalize (object);
}

static void
pel_settings_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  PelSettings *self = PEL_SETTINGS (object);

  switch (prop_id)
    {
    case PROP_WINDOW_WIDTH: g_value_set_int (value, self->window_width); break;
    case PROP_WINDOW_HEIGHT: g_value_set_int (value, self->window_height); break;
    case PROP_WINDOW_MAXIMIZED: g_value_set_boolean (value, self->window_maximized); break;
    case PROP_LAYOUT: g_value_set_enum (value, self->layout); break;
    case PROP_LAST_PRESET: g_value_set_string (value, self->last_preset); break;
    case PROP_LAST_SAVE_FOLDER: g_value_set_string (value, self->last_save_folder); break;
    case PROP_BRUSH_SIZE: g_value_set_int (value, self->brush_size); break;
    case PROP_BRUSH_SHAPE: g_value_set_enum (value, self->brush_shape); break;
    case PROP_LABEL_OPACITY: g_value_set_double (value, self->label_opacity); break;
    case PROP_AUTOSAVE_INTERVAL: g_value_set_uint (value, self->autosave_interval); break;
    case PROP_UNDO_BUDGET: g_value_set_uint (value, self->undo_budget); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pel_settings_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  PelSettings *self = PEL_SETTINGS (object);

  switch (prop_id)
    {
    case PROP_WINDOW_WIDTH: self->window_width = g_value_get_int (value); break;
    case PROP_WINDOW_HEIGHT: self->window_height = g_value_get_int (value); break;
    case PROP_WINDOW_MAXIMIZED: self->window_maximized = g_value_get_boolean (value); break;
    case PROP_LAYOUT: self->layout = g_value_get_enum (value); break;
    case PROP_LAST_PRESET:
      g_free (self->last_preset);
      self->last_preset = g_value_dup_string (value);
      break;
    case PROP_LAST_SAVE_FOLDER:
      g_free (self->last_save_folder);
      self->last_save_folder = g_value_dup_string (value);
      break;
    case PROP_BRUSH_SIZE: self->brush_size = g_value_get_int (value); break;
    case PROP_BRUSH_SHAPE: self->brush_shape = g_value_get_enum (value); break;
    case PROP_LABEL_OPACITY: self->label_opacity = g_value_get_double (value); break;
    case PROP_AUTOSAVE_INTERVAL: self->autosave_interval = g_value_get_uint (value); break;
    case PROP_UNDO_BUDGET: self->undo_budget = g_value_get_uint (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pel_settings_class_init (PelSettingsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = pel_settings_finalize;
  object_class->get_property = pel_settings_get_property;
  object_class->set_property = pel_settings_set_property;

  properties[PROP_WINDOW_WIDTH] = g_param_spec_int ("window-width", NULL, NULL, 200, G_MAXINT, 1400, flags);
  properties[PROP_WINDOW_HEIGHT] = g_param_spec_int ("window-height", NULL, NULL, 200, G_MAXINT, 900, flags);
  properties[PROP_WINDOW_MAXIMIZED] = g_param_spec_boolean ("window-maximized", NULL, NULL, FALSE, flags);
  properties[PROP_LAYOUT] = g_param_spec_enum ("layout", NULL, NULL, PEL_TYPE_LAYOUT, PEL_LAYOUT_THREE, flags);
  properties[PROP_LAST_PRESET] = g_param_spec_string ("last-preset", NULL, NULL, "auto", flags);
  properties[PROP_LAST_SAVE_FOLDER] = g_param_spec_string ("last-save-folder", NULL, NULL, "", flags);
  properties[PROP_BRUSH_SIZE] = g_param_spec_int ("brush-size", NULL, NULL, 1, 99, 5, flags);
  properties[PROP_BRUSH_SHAPE] = g_param_spec_enum ("brush-shape", NULL, NULL, PEL_TYPE_BRUSH_SHAPE,
                                                    PEL_BRUSH_SHAPE_ROUND, flags);
  properties[PROP_LABEL_OPACITY] = g_param_spec_double ("label-opacity", NULL, NULL, 0.0, 1.0, 0.5, flags);
  properties[PROP_AUTOSAVE_INTERVAL] = g_param_spec_uint ("autosave-interval", NULL, NULL, 0, 3600, 60, flags);
  properties[PROP_UNDO_BUDGET] = g_param_spec_uint ("undo-budget", NULL, NULL, 1, 16384, 256, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

/* The installed schema, else the one compiled into the build tree. */
static GSettingsSchema *
lookup_schema (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  GSettingsSchema *schema = source ? g_settings_schema_source_lookup (source, SCHEMA_ID, TRUE) : NULL;

  if (schema == NULL && g_file_test (PEL_BUILD_SCHEMA_DIR "/gschemas.compiled", G_FILE_TEST_EXISTS))
    {
      g_autoptr (GSettingsSchemaSource) build = NULL;
      build = g_settings_schema_source_new_from_directory (PEL_BUILD_SCHEMA_DIR, source, FALSE, NULL);
      if (build)
        schema = g_settings_schema_source_lookup (build, SCHEMA_ID, FALSE);
    }
  return schema;
}

static void
pel_settings_init (PelSettings *self)
{
  g_autoptr (GSettingsSchema) schema = lookup_schema ();

  self->window_width = 1400;
  self->window_height = 900;
  self->last_preset = g_strdup ("auto");
  self->last_save_folder = g_strdup ("");
  self->brush_size = 5;
  self->label_opacity = 0.5;
  self->autosave_interval = 60;
  self->undo_budget = 256;

  if (schema == NULL)
    {
      g_message ("Schema %s not found; settings will not be saved", SCHEMA_ID);
      return;
    }
  self->settings = g_settings_new_full (schema, NULL, NULL);
  for (guint p = 1; p < N_PROPS; p++)
    g_settings_bind (self->settings, properties[p]->name, self, properties[p]->name, G_SETTINGS_BIND_DEFAULT);
}

PelSettings *
pel_settings_get_default (void)
{
  static PelSettings *instance;

  if (instance == NULL)
    {
      instance = g_object_new (PEL_TYPE_SETTINGS, NULL);
      g_object_add_weak_pointer (G_OBJECT (instance), (gpointer *) &instance);
    }
  return instance;
}

gboolean
pel_settings_is_persistent (PelSettings *self)
{
  g_return_val_if_fail (PEL_IS_SETTINGS (self), FALSE);
  return self->settings != NULL;
}
