/* Running a list of action activations.  See pel-action-script.h. */
#define G_LOG_DOMAIN "pel-action-script"

#include "src/pel-action-script.h"

#include <string.h>

typedef struct
{
  GtkWidget  *widget;       /* unowned: the script goes with it */
  char      **items;
  char       *default_group;
  guint       next;
  guint       source;
} Script;

static void
script_free (gpointer p)
{
  Script *s = p;
  g_clear_handle_id (&s->source, g_source_remove);
  g_strfreev (s->items);
  g_free (s->default_group);
  g_free (s);
}

void
pel_action_script_insert_group (GtkWidget    *widget,
                                const char   *prefix,
                                GActionGroup *group)
{
  g_autofree char *key = g_strconcat ("pel-action-group-", prefix, NULL);

  g_return_if_fail (GTK_IS_WIDGET (widget));
  gtk_widget_insert_action_group (widget, prefix, group);
  if (group)
    g_object_set_data_full (G_OBJECT (widget), key, g_object_ref (group), g_object_unref);
  else
    g_object_set_data (G_OBJECT (widget), key, NULL);
}

GActionGroup *
pel_action_script_find_group (GtkWidget  *widget,
                              const char *prefix)
{
  g_autofree char *key = g_strconcat ("pel-action-group-", prefix, NULL);

  if (g_str_equal (prefix, "app"))
    return G_ACTION_GROUP (g_application_get_default ());
  if (g_str_equal (prefix, "win"))
    {
      GtkRoot *root = gtk_widget_get_root (widget);
      return G_IS_ACTION_GROUP (root) ? G_ACTION_GROUP (root) : NULL;
    }
  for (GtkWidget *w = widget; w; w = gtk_widget_get_parent (w))
    {
      GActionGroup *group = g_object_get_data (G_OBJECT (w), key);
      if (group)
        return group;
    }
  return NULL;
}

void
pel_action_script_set_run (GActionGroup *group,
                           GObject      *run)
{
  g_return_if_fail (G_IS_ACTION_GROUP (group));
  g_object_set_data_full (G_OBJECT (group), "pel-live-run", run ? g_object_ref (run) : NULL,
                          g_object_unref);
}

GObject *
pel_action_script_get_run (GActionGroup *group)
{
  g_return_val_if_fail (G_IS_ACTION_GROUP (group), NULL);
  return g_object_get_data (G_OBJECT (group), "pel-live-run");
}

static GVariant *
parse_value (const GVariantType *type,
             const char         *value)
{
  if (type == NULL || value == NULL)
    return NULL;
  if (g_variant_type_equal (type, G_VARIANT_TYPE_STRING))
    return g_variant_new_string (value);
  if (g_variant_type_equal (type, G_VARIANT_TYPE_INT32))
    return g_variant_new_int32 ((gint32) g_ascii_strtoll (value, NULL, 10));
  if (g_variant_type_equal (type, G_VARIANT_TYPE_DOUBLE))
    return g_variant_new_double (g_ascii_strtod (value, NULL));
  return g_variant_parse (type, value, NULL, NULL, NULL);
}

/* Runs the next activation once its group is ready; FALSE to wait. */
static gboolean
run_item (Script     *s,
          const char *item)
{
  const char *eq = strchr (item, '=');
  g_autofree char *name = eq ? g_strndup (item, eq - item) : g_strdup (item);
  const char *dot = strchr (name, '.');
  g_autofree char *prefix = dot ? g_strndup (name, dot - name) : g_strdup (s->default_group);
  const char *action = dot ? dot + 1 : name;
  GActionGroup *group = pel_action_script_find_group (s->widget, prefix);
  const GVariantType *type;
  GVariant *parameter = NULL;
  gboolean busy = FALSE;

  if (group == NULL || !g_action_group_has_action (group, action))
    {
      g_warning ("action script: no action “%s.%s”", prefix, action);
      return TRUE;
    }
  if (g_action_group_has_action (group, "busy"))
    {
      g_autoptr (GVariant) state = g_action_group_get_action_state (group, "busy");
      busy = state && g_variant_get_boolean (state);
    }
  if (busy || !g_action_group_get_action_enabled (group, action))
    return FALSE;
  type = g_action_group_get_action_parameter_type (group, action);
  if (type && (parameter = parse_value (type, eq ? eq + 1 : NULL)) == NULL)
    {
      g_warning ("action script: “%s” needs a value of type %.*s", item,
                 (int) g_variant_type_get_string_length (type), g_variant_type_peek_string (type));
      return TRUE;
    }
  /* g_variant_parse gives a full reference, the constructors a floating
   * one: own exactly one either way, and drop it after the activation */
  if (parameter)
    g_variant_take_ref (parameter);
  g_action_group_activate_action (group, action, parameter);
  g_clear_pointer (&parameter, g_variant_unref);
  return TRUE;
}

static gboolean
tick (gpointer user_data)
{
  Script *s = user_data;

  while (s->items[s->next] != NULL)
    {
      const char *item = g_strstrip (s->items[s->next]);
      if (*item && !run_item (s, item))
        return G_SOURCE_CONTINUE;
      s->next++;
      /* the next waits at least one turn: what this one started settles */
      if (s->items[s->next] != NULL)
        return G_SOURCE_CONTINUE;
    }
  s->source = 0;
  g_object_set_data (G_OBJECT (s->widget), "pel-action-script", NULL);
  return G_SOURCE_REMOVE;
}

void
pel_action_script_run (GtkWidget  *widget,
                       const char *script,
                       const char *default_group)
{
  Script *s;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  s = g_new0 (Script, 1);
  s->widget = widget;
  s->items = g_strsplit (script, ",", -1);
  s->default_group = g_strdup (default_group);
  s->source = g_timeout_add (100, tick, s);
  g_object_set_data_full (G_OBJECT (widget), "pel-action-script", s, script_free);
}

void
pel_action_script_cancel (GtkWidget *widget)
{
  g_object_set_data (G_OBJECT (widget), "pel-action-script", NULL);
}

gboolean
pel_action_script_pending (GtkWidget *widget)
{
  return g_object_get_data (G_OBJECT (widget), "pel-action-script") != NULL;
}
