/* pel-settings.h: the application's GSettings as a GObject.
 *
 * Every key of io.pellucid.Pellucid is a property of the same name, bound
 * to the key with g_settings_bind(), so that windows and panels bind their
 * own properties to these with g_object_bind_property() and never talk to
 * GSettings themselves.  When the schema is not installed (running from the
 * build tree) it is looked up in the build's data folder; failing that the
 * properties keep their defaults and nothing is stored.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define PEL_TYPE_SETTINGS (pel_settings_get_type ())
G_DECLARE_FINAL_TYPE (PelSettings, pel_settings, PEL, SETTINGS, GObject)

PelSettings *pel_settings_get_default (void);
/* Whether values are persisted (the schema was found). */
gboolean     pel_settings_is_persistent (PelSettings *self);

G_END_DECLS
