/* Shared by the explanation commands: problem loading and method lists. */
#define G_LOG_DOMAIN "pellucid-cli"

#include "src/cli/explain-options.h"
#include "engine/data/dataset.h"
#include "engine/data/labels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static gboolean
parse_int (const char *s, gint64 *v)
{
  char *end = NULL;
  *v = g_ascii_strtoll (s, &end, 10);
  return end != s && *end == '\0';
}

gboolean
pel_explain_problem_load (PelExplainProblem *p, const char *model_path, const char *image_path,
                          const char *axis_name, gint64 slice, const char *target, GError **error)
{
  g_autofree char *value_text = NULL;
  const char *mask_path = NULL, *at = NULL;
  g_autofree guint8 *mask = NULL;
  PlExplainTarget t = { 0 };
  gint64 value;

  memset (p, 0, sizeof *p);
  p->model = pl_model_load (model_path, error);
  if (!p->model)
    return FALSE;
  p->volume = pl_volume_load (image_path, 0, NULL, error);
  if (!p->volume)
    return FALSE;
  p->axis = axis_name ? pl_axis_from_name (p->volume, axis_name) : p->model->axis;
  if (p->axis < 0)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID, "unknown axis '%s'", axis_name);
      return FALSE;
    }
  pl_slice_dims (p->volume->dim, p->axis, &p->slice_h, &p->slice_w);
  p->slice = slice < 0 ? p->volume->dim[p->axis] / 2 : slice;

  /* VALUE[:MASK | @Y,X] */
  mask_path = strchr (target, ':');
  at = strchr (target, '@');
  value_text = g_strndup (target, mask_path ? (gsize) (mask_path - target)
                                            : at ? (gsize) (at - target) : strlen (target));
  if (!parse_int (value_text, &value) || value < 0 || value > 65535
      || (t.cls = pl_model_class_of (p->model, (guint16) value)) < 0)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "target '%s': '%s' is not a label value the model predicts", target, value_text);
      return FALSE;
    }
  if (mask_path)
    {
      g_autoptr (PlLabels) labels = pl_labels_load (mask_path + 1, p->volume, error);
      g_autofree guint16 *s = NULL;
      if (!labels)
        return FALSE;
      s = g_new (guint16, (gsize) p->slice_h * p->slice_w);
      pl_labels_get_slice (labels, p->axis, CLAMP (p->slice, 0, p->volume->dim[p->axis] - 1), s);
      mask = g_new (guint8, (gsize) p->slice_h * p->slice_w);
      for (gsize i = 0; i < (gsize) p->slice_h * p->slice_w; i++)
        mask[i] = s[i] != 0;
      t.region = PL_EXPLAIN_REGION_MASK;
      t.mask = mask;
    }
  else if (at)
    {
      if (sscanf (at + 1, "%d,%d", &t.y, &t.x) != 2)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                       "target '%s': a pixel is VALUE@Y,X", target);
          return FALSE;
        }
      t.region = PL_EXPLAIN_REGION_PIXEL;
    }
  else
    t.region = PL_EXPLAIN_REGION_PREDICTED;
  p->ex = pl_explainer_new_from_volume (p->model, p->volume, p->axis, p->slice, &t, error);
  return p->ex != NULL;
}

void
pel_explain_problem_clear (PelExplainProblem *p)
{
  g_clear_pointer (&p->ex, pl_explainer_free);
  g_clear_pointer (&p->volume, pl_volume_free);
  g_clear_pointer (&p->model, pl_model_free);
}

gboolean
pel_explain_parse_methods (const char *list, char **settings, GPtrArray *methods, GArray *params,
                           GError **error)
{
  g_auto (GStrv) names = g_strsplit (list, ",", -1);

  for (int i = 0; names[i]; i++)
    {
      const PlExplainMethod *m = pl_explain_method_find (g_strstrip (names[i]));
      double block[PL_EXPLAIN_MAX_PARAMS] = { 0 };
      gsize plen;
      g_autoptr (GString) mine = g_string_new (NULL);

      if (!m)
        {
          guint n;
          const PlExplainMethod *all = pl_explain_methods (&n);
          g_autoptr (GString) known = g_string_new (NULL);
          for (guint k = 0; k < n; k++)
            g_string_append_printf (known, "%s%s", k ? ", " : "", all[k].name);
          g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                       "unknown method '%s' (known: %s)", names[i], known->str);
          return FALSE;
        }
      plen = strlen (m->name);
      for (int k = 0; settings && settings[k]; k++)
        if (strncmp (settings[k], m->name, plen) == 0 && settings[k][plen] == '.')
          g_string_append_printf (mine, "%s%s", mine->len ? "," : "", settings[k] + plen + 1);
      if (!pl_explain_method_parse (m, mine->str, block, error))
        return FALSE;
      g_ptr_array_add (methods, (gpointer) m);
      g_array_append_vals (params, block, PL_EXPLAIN_MAX_PARAMS);
    }
  return TRUE;
}
