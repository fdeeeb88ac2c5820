/* The method options of pellucid-cli train and bench, built from the
 * engine's parameter table (so the defaults are the Train panel's). */
#define G_LOG_DOMAIN "pellucid-cli"

#include <string.h>

#include "src/cli/method-options.h"

typedef struct
{
  char *name;         /* "alpha" */
  char *option;       /* "alpha" / "unlabelled-batch" */
  char *description;
  char *value;        /* as given, or NULL */
} MethodOption;

static void
method_option_free (gpointer data)
{
  MethodOption *o = data;
  g_free (o->name);
  g_free (o->option);
  g_free (o->description);
  g_free (o->value);
  g_free (o);
}

/* One option per distinct parameter name over all methods. */
static GPtrArray *
method_options (void)
{
  GPtrArray *opts = g_ptr_array_new_with_free_func (method_option_free);
  PlMethodConfig defaults;

  pl_method_config_init (&defaults);
  for (int k = 0; k < PL_METHOD_N_KINDS; k++)
    {
      const PlMethodInfo *m = pl_method_info ((PlMethodKind) k);
      const PlMethodParam *p = m->params;
      for (guint i = 0; i < m->n_params; i++)
        {
          MethodOption *o = NULL;
          g_autofree char *dflt = NULL;
          for (guint j = 0; j < opts->len && !o; j++)
            if (strcmp (((MethodOption *) opts->pdata[j])->name, p[i].name) == 0)
              o = opts->pdata[j];
          dflt = g_strdup_printf ("%s %.*f", m->name, p[i].digits,
                                  pl_method_config_get (&defaults, &p[i]));
          if (o)
            {
              char *d = g_strdup_printf ("%s; %s", o->description, dflt);
              g_free (o->description);
              o->description = d;
              continue;
            }
          o = g_new0 (MethodOption, 1);
          o->name = g_strdup (p[i].name);
          o->option = g_strdelimit (g_strdup (p[i].name), "_", '-');
          o->description = g_strdup_printf ("%s (%s", p[i].help, dflt);
          g_ptr_array_add (opts, o);
        }
    }
  for (guint j = 0; j < opts->len; j++)
    {
      MethodOption *o = opts->pdata[j];
      char *d = g_strconcat (o->description, ")", NULL);
      g_free (o->description);
      o->description = d;
    }
  return opts;
}

/* Applies the options given to the chosen method's config. */
/* Sets the given options on m; one that is not a setting of m->kind is an
 * error unless `skip_others`. */
static gboolean
apply_method_options (GPtrArray *opts, PlMethodConfig *m, gboolean skip_others, GError **error)
{
  for (guint j = 0; j < opts->len; j++)
    {
      MethodOption *o = opts->pdata[j];
      const PlMethodParam *p;
      char *end = NULL;
      double v;
      if (!o->value)
        continue;
      p = pl_method_find_param (m->kind, o->name);
      if (!p && skip_others)
        continue;
      if (!p)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--%s is not a setting of --method %s", o->option,
                       pl_method_kind_name (m->kind));
          return FALSE;
        }
      if (g_ascii_strcasecmp (o->value, "true") == 0)
        v = 1.0;
      else if (g_ascii_strcasecmp (o->value, "false") == 0)
        v = 0.0;
      else
        {
          v = g_ascii_strtod (o->value, &end);
          if (end == o->value || *end)
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "--%s: '%s' is not a number", o->option, o->value);
              return FALSE;
            }
        }
      if (!pl_method_config_set (m, p, v, error))
        return FALSE;
    }
  return TRUE;
}

struct _PelMethodOptions
{
  GPtrArray    *opts;      /* MethodOption */
  GOptionEntry *entries;
  char         *method;
  char         *method_help;
};

PelMethodOptions *
pel_method_options_new (void)
{
  PelMethodOptions *mo = g_new0 (PelMethodOptions, 1);
  mo->opts = method_options ();
  mo->entries = g_new0 (GOptionEntry, mo->opts->len + 1);
  for (guint j = 0; j < mo->opts->len; j++)
    {
      MethodOption *o = mo->opts->pdata[j];
      mo->entries[j] = (GOptionEntry) { o->option, 0, 0, G_OPTION_ARG_STRING, &o->value,
                                        o->description, "VALUE" };
    }
  return mo;
}

void
pel_method_options_free (PelMethodOptions *mo)
{
  if (!mo)
    return;
  g_ptr_array_unref (mo->opts);
  g_free (mo->entries);
  g_free (mo->method);
  g_free (mo->method_help);
  g_free (mo);
}

GOptionEntry
pel_method_options_entry (PelMethodOptions *mo)
{
  g_autofree char *names = pl_method_names (", ", " or ");

  g_free (mo->method_help);
  mo->method_help = g_strdup_printf ("%s (%s); their settings: --help-method", names,
                                     pl_method_kind_name (PL_METHOD_SUPERVISED));
  return (GOptionEntry) { "method", 'm', 0, G_OPTION_ARG_STRING, &mo->method,
                          mo->method_help, "METHOD" };
}

GOptionGroup *
pel_method_options_group (PelMethodOptions *mo)
{
  GOptionGroup *g = g_option_group_new ("method", "Settings of the methods (engine/methods/methods.h; "
                                        "defaults per method in parentheses):",
                                        "Show the methods' settings", NULL, NULL);
  g_option_group_add_entries (g, mo->entries);
  return g;
}

gboolean
pel_method_options_apply (PelMethodOptions *mo, PlMethodConfig *config, GError **error)
{
  pl_method_config_init (config);
  if (mo->method && !pl_method_kind_from_name (mo->method, &config->kind))
    {
      g_autofree char *names = pl_method_names (", ", ", ");
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "unknown method '%s' (%s)", mo->method, names);
      return FALSE;
    }
  return apply_method_options (mo->opts, config, FALSE, error);
}

gboolean
pel_method_options_apply_kinds (PelMethodOptions *mo, const int *kinds, guint n,
                                PlMethodConfig *configs, GError **error)
{
  for (guint j = 0; j < mo->opts->len; j++)
    {
      MethodOption *o = mo->opts->pdata[j];
      gboolean used = FALSE;
      for (guint i = 0; i < n && o->value && !used; i++)
        used = pl_method_find_param ((PlMethodKind) kinds[i], o->name) != NULL;
      if (o->value && !used)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--%s is not a setting of any method run", o->option);
          return FALSE;
        }
    }
  for (guint i = 0; i < n; i++)
    {
      pl_method_config_init (&configs[i]);
      configs[i].kind = (PlMethodKind) kinds[i];
      if (!apply_method_options (mo->opts, &configs[i], TRUE, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
pel_method_options_given (PelMethodOptions *mo)
{
  if (mo->method)
    return TRUE;
  for (guint j = 0; j < mo->opts->len; j++)
    if (((MethodOption *) mo->opts->pdata[j])->value)
      return TRUE;
  return FALSE;
}
