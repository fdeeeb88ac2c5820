/* The method table (the entries are in method-NAME.c, with their
 * parameters' defaults and sources), the parameters' access and checks,
 * their JSON and command-line forms. */
#define G_LOG_DOMAIN "pl-methods"

#include "engine/methods/methods.h"
#include "engine/methods/method-private.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

/* The method table, indexed by PlMethodKind with designated initializers so
 * that an entry cannot sit at another method's index; the static assertion
 * catches a missing last one, pl_method_info's check any other. */
static const PlMethodInfo *const method_table[] = {
  [PL_METHOD_SUPERVISED] = &pl_method_supervised,
  [PL_METHOD_SELF_TRAINING] = &pl_method_self_training,
  [PL_METHOD_MEAN_TEACHER] = &pl_method_mean_teacher,
  [PL_METHOD_CONSISTENCY] = &pl_method_consistency,
  [PL_METHOD_COMPACTNESS] = &pl_method_compactness,
};

G_STATIC_ASSERT (G_N_ELEMENTS (method_table) == PL_METHOD_N_KINDS);

const PlMethodInfo *
pl_method_info (PlMethodKind kind)
{
  g_return_val_if_fail ((guint) kind < PL_METHOD_N_KINDS, NULL);
  g_assert (method_table[kind] != NULL && method_table[kind]->kind == kind);
  return method_table[kind];
}

const PlMethodInfo *
pl_method_info_by_name (const char *name)
{
  for (int k = 0; name && k < PL_METHOD_N_KINDS; k++)
    if (strcmp (name, pl_method_info ((PlMethodKind) k)->name) == 0)
      return method_table[k];
  return NULL;
}

char *
pl_method_names (const char *sep, const char *last)
{
  GString *s = g_string_new (NULL);
  for (int k = 0; k < PL_METHOD_N_KINDS; k++)
    {
      if (k > 0)
        g_string_append (s, k == PL_METHOD_N_KINDS - 1 ? last : sep);
      g_string_append (s, pl_method_info ((PlMethodKind) k)->name);
    }
  return g_string_free (s, FALSE);
}

void
pl_method_config_init (PlMethodConfig *c)
{
  memset (c, 0, sizeof *c);
  for (int k = 0; k < PL_METHOD_N_KINDS; k++)
    {
      const PlMethodInfo *m = pl_method_info ((PlMethodKind) k);
      for (guint i = 0; i < m->n_params; i++)
        {
          gboolean ok = pl_method_config_set (c, &m->params[i], m->params[i].default_value, NULL);
          g_assert (ok);   /* a default outside its own range */
        }
    }
  c->kind = PL_METHOD_SUPERVISED;
}

const char *
pl_method_kind_name (PlMethodKind kind)
{
  const PlMethodInfo *m = pl_method_info (kind);
  return m ? m->name : NULL;
}

const char *
pl_method_kind_title (PlMethodKind kind)
{
  const PlMethodInfo *m = pl_method_info (kind);
  return m ? m->title : NULL;
}

const char *
pl_method_kind_summary (PlMethodKind kind)
{
  const PlMethodInfo *m = pl_method_info (kind);
  return m ? m->summary : NULL;
}

gboolean
pl_method_kind_from_name (const char *name, PlMethodKind *kind)
{
  const PlMethodInfo *m = pl_method_info_by_name (name);
  if (m)
    *kind = m->kind;
  return m != NULL;
}

const PlMethodParam *
pl_method_params (PlMethodKind kind, guint *n)
{
  const PlMethodInfo *m = pl_method_info (kind);
  *n = m ? m->n_params : 0;
  return m && m->n_params ? m->params : NULL;
}

const PlMethodParam *
pl_method_find_param (PlMethodKind kind, const char *name)
{
  guint n;
  const PlMethodParam *p = pl_method_params (kind, &n);
  for (guint i = 0; i < n; i++)
    if (strcmp (p[i].name, name) == 0)
      return &p[i];
  return NULL;
}

double
pl_method_config_get (const PlMethodConfig *c, const PlMethodParam *p)
{
  const char *at = (const char *) c + p->offset;
  switch (p->type)
    {
    case PL_METHOD_PARAM_INT:
      return *(const int *) at;
    case PL_METHOD_PARAM_BOOL:
      return *(const gboolean *) at ? 1.0 : 0.0;
    case PL_METHOD_PARAM_FLOAT:
    default:
      return *(const float *) at;
    }
}

gboolean
pl_method_config_set (PlMethodConfig *c, const PlMethodParam *p, double value, GError **error)
{
  char *at = (char *) c + p->offset;

  if (!isfinite (value) || value < p->min || value > p->max
      || (p->type != PL_METHOD_PARAM_FLOAT && value != floor (value)))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "%s must be %s in %g…%g (got %g)", p->name,
                   p->type == PL_METHOD_PARAM_FLOAT ? "a number" : "an integer",
                   p->min, p->max, value);
      return FALSE;
    }
  switch (p->type)
    {
    case PL_METHOD_PARAM_INT:
      *(int *) at = (int) value;
      break;
    case PL_METHOD_PARAM_BOOL:
      *(gboolean *) at = value != 0.0;
      break;
    case PL_METHOD_PARAM_FLOAT:
    default:
      *(float *) at = (float) value;
      break;
    }
  return TRUE;
}

gboolean
pl_method_config_check (const PlMethodConfig *c, GError **error)
{
  guint n;
  const PlMethodParam *p;

  if ((guint) c->kind >= PL_METHOD_N_KINDS)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "unknown method %d", c->kind);
      return FALSE;
    }
  p = pl_method_params (c->kind, &n);
  for (guint i = 0; i < n; i++)
    {
      PlMethodConfig tmp = *c;
      if (!pl_method_config_set (&tmp, &p[i], pl_method_config_get (c, &p[i]), error))
        return FALSE;
    }
  return TRUE;
}

/* The shortest %g form that reads back as the same float (0.9f as "0.9",
 * not "0.899999976"), so the text reproduces the setting exactly. */
static void
append_float (GString *s, float v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  for (int digits = 6; digits <= 9; digits++)
    {
      char fmt[8];
      g_snprintf (fmt, sizeof fmt, "%%.%dg", digits);
      g_ascii_formatd (buf, sizeof buf, fmt, v);
      if ((float) g_ascii_strtod (buf, NULL) == v)
        break;
    }
  g_string_append (s, buf);
}

static void
append_value (GString *s, const PlMethodConfig *c, const PlMethodParam *p)
{
  double v = pl_method_config_get (c, p);
  if (p->type == PL_METHOD_PARAM_BOOL)
    g_string_append (s, v != 0.0 ? "true" : "false");
  else if (p->type == PL_METHOD_PARAM_INT)
    g_string_append_printf (s, "%d", (int) v);
  else
    append_float (s, (float) v);
}

/* {"alpha":0.99,…}: the parameters of config->kind only. */
char *
pl_method_settings_json (const PlMethodConfig *c)
{
  GString *s = g_string_new ("{");
  guint n;
  const PlMethodParam *p = pl_method_params (c->kind, &n);
  for (guint i = 0; i < n; i++)
    {
      g_string_append_printf (s, "%s\"%s\":", i ? "," : "", p[i].name);
      append_value (s, c, &p[i]);
    }
  g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}

char *
pl_method_config_to_json (const PlMethodConfig *c)
{
  g_autofree char *settings = pl_method_settings_json (c);
  g_return_val_if_fail ((guint) c->kind < PL_METHOD_N_KINDS, NULL);
  /* settings is "{…}": splice its members after the method's name. */
  return g_strdup_printf ("{\"method\":\"%s\"%s%s", pl_method_kind_name (c->kind),
                          strlen (settings) > 2 ? "," : "", settings + 1);
}

static gboolean
read_params (PlMethodConfig *c, JsonObject *o, GError **error)
{
  guint n;
  const PlMethodParam *p = pl_method_params (c->kind, &n);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *v = json_object_get_member (o, p[i].name);
      GType t;
      if (!v)
        continue;
      t = JSON_NODE_HOLDS_VALUE (v) ? json_node_get_value_type (v) : G_TYPE_INVALID;
      if (t == G_TYPE_BOOLEAN)
        {
          if (!pl_method_config_set (c, &p[i], json_node_get_boolean (v) ? 1.0 : 0.0, error))
            return FALSE;
        }
      else if (t == G_TYPE_INT64 || t == G_TYPE_DOUBLE)
        {
          if (!pl_method_config_set (c, &p[i], json_node_get_double (v), error))
            return FALSE;
        }
      else
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "%s must be a number", p[i].name);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
pl_method_config_from_json (PlMethodConfig *config, const char *json, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  PlMethodConfig c = *config;
  JsonObject *o, *settings;
  JsonNode *node;
  const char *name;

  if (!json_parser_load_from_data (parser, json, -1, error))
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "method settings must be a JSON object");
      return FALSE;
    }
  o = json_node_get_object (json_parser_get_root (parser));
  node = json_object_get_member (o, "method");
  name = node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
         ? json_node_get_string (node) : NULL;
  if (!name || !pl_method_kind_from_name (name, &c.kind))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "unknown method '%s'", name ? name : "(none)");
      return FALSE;
    }
  /* A model's training metadata holds them under "method_settings". */
  node = json_object_get_member (o, "method_settings");
  if (node && !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "method_settings must be a JSON object");
      return FALSE;
    }
  settings = node ? json_node_get_object (node) : o;
  if (!read_params (&c, settings, error))
    return FALSE;
  *config = c;
  return TRUE;
}

char *
pl_method_config_to_args (const PlMethodConfig *c)
{
  GString *s = g_string_new ("--method ");
  guint n;
  const PlMethodParam *p = pl_method_params (c->kind, &n);

  g_string_append (s, pl_method_kind_name (c->kind));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *opt = g_strdup (p[i].name);
      g_strdelimit (opt, "_", '-');
      g_string_append_printf (s, " --%s ", opt);
      if (p[i].type == PL_METHOD_PARAM_BOOL)
        g_string_append (s, pl_method_config_get (c, &p[i]) != 0.0 ? "1" : "0");
      else
        append_value (s, c, &p[i]);
    }
  return g_string_free (s, FALSE);
}
