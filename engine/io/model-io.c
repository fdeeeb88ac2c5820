/* PlModel: construction and safetensors save/load (docs/model-format.md). */
#define G_LOG_DOMAIN "pl-model"

#include "engine/nn/model.h"
#include "engine/nn/slice-input.h"
#include "engine/core/json-limits.h"
#include "engine/data/volume.h"

#include <json-glib/json-glib.h>
#include <float.h>
#include <math.h>
#include <string.h>

PlModel *
pl_model_new (PlUnet *unet, int n_classes, const guint16 *values, const char *const *names)
{
  PlModel *m = g_new0 (PlModel, 1);

  m->unet = unet;
  m->n_classes = n_classes;
  m->class_values = g_new0 (guint16, MAX (n_classes, 1));
  m->class_names = g_new0 (char *, n_classes + 1);
  for (int c = 0; c < n_classes; c++)
    {
      m->class_values[c] = values ? values[c] : (guint16) (c + 1);
      m->class_names[c] = g_strdup (names && names[c] ? names[c] : "");
    }
  m->norm_offset = 0.0;
  m->norm_divisor = 1.0;
  m->axis = 2;
  m->context = 1;
  return m;
}

void
pl_model_free (PlModel *model)
{
  if (!model)
    return;
  pl_unet_free (model->unet);
  g_free (model->class_values);
  g_strfreev (model->class_names);
  g_free (model->training);
  g_free (model);
}

void
pl_model_set_training (PlModel *model, const char *json_object)
{
  g_free (model->training);
  model->training = g_strdup (json_object);
}

int
pl_model_class_of (const PlModel *model, guint16 value)
{
  for (int c = 0; c < model->n_classes; c++)
    if (model->class_values[c] == value)
      return c;
  return -1;
}

static const char *const upsample_names[] = { "convtranspose", "bilinear" };
static const char *const output_names[] = { "softmax", "sigmoid", "none" };

static char *
node_to_string (JsonNode *node)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, node);
  return json_generator_to_data (gen, NULL);
}

static char *
architecture_json (const PlUnetConfig *c)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "unet2d");
  json_builder_set_member_name (b, "in_channels");
  json_builder_add_int_value (b, c->in_channels);
  json_builder_set_member_name (b, "out_channels");
  json_builder_add_int_value (b, c->n_classes);
  json_builder_set_member_name (b, "channels");
  json_builder_begin_array (b);
  for (int l = 0; l < c->depth; l++)
    json_builder_add_int_value (b, c->channels[l]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "skip");
  json_builder_add_boolean_value (b, c->skip);
  if (c->skip_channels > 0)
    {
      json_builder_set_member_name (b, "skip_channels");
      json_builder_add_int_value (b, c->skip_channels);
    }
  json_builder_set_member_name (b, "upsample");
  json_builder_add_string_value (b, upsample_names[c->upsample]);
  json_builder_set_member_name (b, "batch_norm");
  json_builder_add_boolean_value (b, c->batch_norm);
  json_builder_set_member_name (b, "bn_eps");
  json_builder_add_double_value (b, c->bn_eps);
  json_builder_set_member_name (b, "dropout_p");
  json_builder_add_double_value (b, c->dropout_p);
  json_builder_set_member_name (b, "dropout_at");
  json_builder_begin_array (b);
  if (c->dropout_at & PL_DROPOUT_ENCODER)
    json_builder_add_string_value (b, "encoder");
  if (c->dropout_at & PL_DROPOUT_BOTTLENECK)
    json_builder_add_string_value (b, "bottleneck");
  if (c->dropout_at & PL_DROPOUT_DECODER)
    json_builder_add_string_value (b, "decoder");
  json_builder_end_array (b);
  json_builder_set_member_name (b, "output");
  json_builder_add_string_value (b, output_names[c->output]);
  if (c->aleatoric)
    {
      /* Written only when set, so other models' files stay as they were. */
      json_builder_set_member_name (b, "aleatoric");
      json_builder_add_boolean_value (b, TRUE);
    }
  if (c->head_scales >= 2)
    {
      /* Likewise: files of plain-headed networks are unchanged. */
      json_builder_set_member_name (b, "head");
      json_builder_add_string_value (b, "fcn");
      json_builder_set_member_name (b, "head_scales");
      json_builder_add_int_value (b, c->head_scales);
    }
  if (c->attention_heads > 0)
    {
      json_builder_set_member_name (b, "attention_heads");
      json_builder_add_int_value (b, c->attention_heads);
    }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return node_to_string (root);
}

static void
add_tensors (PlSafetensorsWriter *w, const PlUnet *u, const char *prefix)
{
  for (guint i = 0; i < pl_unet_n_tensors (u); i++)
    {
      const PlUnetParam *p = pl_unet_tensor_info (u, i);
      gint64 shape[4];
      g_autofree float *buf = g_new (float, p->numel);
      g_autofree char *name = g_strconcat (prefix, p->name, NULL);
      for (int d = 0; d < p->ndim; d++)
        shape[d] = p->shape[d];
      pl_unet_param_export (u, i, buf, FALSE);
      pl_safetensors_writer_add (w, name, p->ndim, shape, buf);
    }
}

/* Member 0 is written as a single model is; members 1 … M−1 follow as
 * "ensemble.<m>.<tensor>" with the "ensemble" metadata entry
 * (docs/model-format.md), so a reader that knows no ensembles loads member
 * 0. */
static GBytes *
model_bytes (PlModel *const *members, int n_members)
{
  const PlModel *model = members[0];
  g_autoptr (PlSafetensorsWriter) w = pl_safetensors_writer_new ();
  const PlUnet *u = model->unet;
  g_autofree char *arch = architecture_json (pl_unet_get_config (u));
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) classes = NULL, norm = NULL, input = NULL;
  g_autofree char *classes_s = NULL, *norm_s = NULL, *input_s = NULL;

  json_builder_begin_array (b);
  for (int c = 0; c < model->n_classes; c++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "value");
      json_builder_add_int_value (b, model->class_values[c]);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, model->class_names[c]);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  classes = json_builder_get_root (b);
  classes_s = node_to_string (classes);

  json_builder_reset (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "offset");
  json_builder_add_double_value (b, model->norm_offset);
  json_builder_set_member_name (b, "divisor");
  json_builder_add_double_value (b, model->norm_divisor);
  json_builder_end_object (b);
  norm = json_builder_get_root (b);
  norm_s = node_to_string (norm);

  json_builder_reset (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "axis");
  json_builder_add_int_value (b, model->axis);
  json_builder_set_member_name (b, "train_size");
  json_builder_begin_array (b);
  json_builder_add_int_value (b, model->train_h);
  json_builder_add_int_value (b, model->train_w);
  json_builder_end_array (b);
  /* written only when used: older readers see the files they know */
  if (model->context > 1)
    {
      json_builder_set_member_name (b, "context");
      json_builder_add_int_value (b, model->context);
    }
  if (model->coords)
    {
      json_builder_set_member_name (b, "coords");
      json_builder_add_string_value (b, "left-right");
    }
  json_builder_end_object (b);
  input = json_builder_get_root (b);
  input_s = node_to_string (input);

  pl_safetensors_writer_set_metadata (w, "format", "pellucid-model");
  pl_safetensors_writer_set_metadata (w, "format_version", G_STRINGIFY (PL_MODEL_FORMAT_VERSION));
  pl_safetensors_writer_set_metadata (w, "architecture", arch);
  pl_safetensors_writer_set_metadata (w, "classes", classes_s);
  pl_safetensors_writer_set_metadata (w, "normalisation", norm_s);
  pl_safetensors_writer_set_metadata (w, "input", input_s);
  if (model->training)
    pl_safetensors_writer_set_metadata (w, "training", model->training);

  add_tensors (w, u, "");
  if (n_members > 1)
    {
      g_autoptr (JsonNode) ens = NULL;
      g_autofree char *ens_s = NULL;
      json_builder_reset (b);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "members");
      json_builder_add_int_value (b, n_members);
      json_builder_set_member_name (b, "training");
      json_builder_begin_array (b);
      for (int m = 0; m < n_members; m++)
        {
          g_autoptr (JsonNode) t = members[m]->training
                                   ? json_from_string (members[m]->training, NULL) : NULL;
          if (t)
            json_builder_add_value (b, g_steal_pointer (&t));
          else
            json_builder_add_null_value (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      ens = json_builder_get_root (b);
      ens_s = node_to_string (ens);
      pl_safetensors_writer_set_metadata (w, "ensemble", ens_s);
      for (int m = 1; m < n_members; m++)
        {
          g_autofree char *prefix = g_strdup_printf ("ensemble.%d.", m);
          add_tensors (w, members[m]->unet, prefix);
        }
    }
  return pl_safetensors_writer_to_bytes (w);
}

GBytes *
pl_model_to_bytes (const PlModel *model)
{
  PlModel *one = (PlModel *) model;
  return model_bytes (&one, 1);
}

static gboolean
write_bytes (GBytes *bytes, const char *path, GError **error)
{
  g_autoptr (GError) err = NULL;
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  if (!g_file_set_contents (path, data, (gssize) len, &err))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_IO, "%s: %s", path, err->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
pl_model_save_ensemble (PlModel *const *members, int n_members, const char *path, GError **error)
{
  g_autoptr (GBytes) bytes = NULL;

  g_return_val_if_fail (n_members >= 1 && n_members <= PL_MODEL_MAX_MEMBERS, FALSE);
  for (int m = 1; m < n_members; m++)
    if (memcmp (pl_unet_get_config (members[m]->unet), pl_unet_get_config (members[0]->unet),
                sizeof (PlUnetConfig)) != 0
        || members[m]->n_classes != members[0]->n_classes
        || members[m]->norm_offset != members[0]->norm_offset
        || members[m]->norm_divisor != members[0]->norm_divisor
        || members[m]->axis != members[0]->axis)
      {
        g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                     "%s: ensemble member %d differs from member 0 in network, classes, "
                     "normalisation or axis", path, m);
        return FALSE;
      }
  bytes = model_bytes (members, n_members);
  return write_bytes (bytes, path, error);
}

gboolean
pl_model_save (const PlModel *model, const char *path, GError **error)
{
  g_autoptr (GBytes) bytes = pl_model_to_bytes (model);
  return write_bytes (bytes, path, error);
}

/* ---- reading ------------------------------------------------------------ */

static gboolean
bad (GError **error, const char *name, const char *what)
{
  g_set_error (error, PL_ERROR, PL_ERROR_INVALID, "%s: %s", name, what);
  return FALSE;
}

static JsonNode *
parse_meta (const PlSafetensors *st, const char *key, const char *name, GError **error)
{
  const char *s = pl_safetensors_metadata (st, key);
  g_autoptr (JsonParser) p = NULL;
  JsonNode *root;

  if (!s)
    {
      g_autofree char *msg = g_strdup_printf ("metadata '%s' is missing", key);
      bad (error, name, msg);
      return NULL;
    }
  p = json_parser_new ();
  if (!pl_json_nesting_ok (s, -1, PL_JSON_MAX_DEPTH)
      || !json_parser_load_from_data (p, s, -1, NULL) || !(root = json_parser_get_root (p)))
    {
      g_autofree char *msg = g_strdup_printf ("metadata '%s' is not valid JSON", key);
      bad (error, name, msg);
      return NULL;
    }
  return json_node_copy (root);
}

static gboolean
get_int (JsonObject *o, const char *key, gint64 lo, gint64 hi, gint64 *out)
{
  JsonNode *n = json_object_get_member (o, key);
  if (!n || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (n);
  return *out >= lo && *out <= hi;
}

static gboolean
get_num (JsonObject *o, const char *key, double *out)
{
  JsonNode *n = json_object_get_member (o, key);
  GType t;
  if (!n || !JSON_NODE_HOLDS_VALUE (n))
    return FALSE;
  t = json_node_get_value_type (n);
  if (t != G_TYPE_INT64 && t != G_TYPE_DOUBLE)
    return FALSE;
  *out = json_node_get_double (n);
  return isfinite (*out);
}

static gboolean
get_bool (JsonObject *o, const char *key, gboolean *out)
{
  JsonNode *n = json_object_get_member (o, key);
  if (!n || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
    return FALSE;
  *out = json_node_get_boolean (n);
  return TRUE;
}

static int
get_enum (JsonObject *o, const char *key, const char *const *names, int n)
{
  JsonNode *v = json_object_get_member (o, key);
  const char *s;
  if (!v || !JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_STRING)
    return -1;
  s = json_node_get_string (v);
  for (int i = 0; i < n; i++)
    if (strcmp (s, names[i]) == 0)
      return i;
  return -1;
}

static gboolean
read_architecture (JsonNode *node, PlUnetConfig *c, const char *name, GError **error)
{
  JsonObject *o;
  JsonNode *chs, *drop;
  gint64 v;
  double d;
  int e;
  g_autoptr (GError) err = NULL;

  memset (c, 0, sizeof *c);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return bad (error, name, "architecture is not an object");
  o = json_node_get_object (node);
  if (get_enum (o, "type", (const char *const[]) { "unet2d" }, 1) != 0)
    return bad (error, name, "architecture type is not 'unet2d'");
  if (!get_int (o, "in_channels", 1, 4096, &v))
    return bad (error, name, "architecture: bad in_channels");
  c->in_channels = (int) v;
  if (!get_int (o, "out_channels", 1, 4096, &v))
    return bad (error, name, "architecture: bad out_channels");
  c->n_classes = (int) v;
  chs = json_object_get_member (o, "channels");
  if (!chs || !JSON_NODE_HOLDS_ARRAY (chs)
      || json_array_get_length (json_node_get_array (chs)) < 1
      || json_array_get_length (json_node_get_array (chs)) > PL_UNET_MAX_DEPTH)
    return bad (error, name, "architecture: bad channels");
  c->depth = json_array_get_length (json_node_get_array (chs));
  for (int l = 0; l < c->depth; l++)
    {
      JsonNode *n = json_array_get_element (json_node_get_array (chs), l);
      if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
        return bad (error, name, "architecture: bad channels");
      v = json_node_get_int (n);
      if (v < 1 || v > 4096)
        return bad (error, name, "architecture: bad channels");
      c->channels[l] = (int) v;
    }
  if (!get_bool (o, "skip", &c->skip) || !get_bool (o, "batch_norm", &c->batch_norm))
    return bad (error, name, "architecture: bad skip or batch_norm");
  if ((e = get_enum (o, "upsample", upsample_names, 2)) < 0)
    return bad (error, name, "architecture: bad upsample");
  c->upsample = e;
  if ((e = get_enum (o, "output", output_names, 3)) < 0)
    return bad (error, name, "architecture: bad output");
  c->output = e;
  /* Both are floats in memory: a double beyond FLT_MAX would become
   * infinity, which the writer cannot put back into JSON. */
  if (!get_num (o, "bn_eps", &d) || fabs (d) > FLT_MAX)
    return bad (error, name, "architecture: bad bn_eps");
  c->bn_eps = (float) d;
  if (!get_num (o, "dropout_p", &d) || fabs (d) > FLT_MAX)
    return bad (error, name, "architecture: bad dropout_p");
  c->dropout_p = (float) d;
  drop = json_object_get_member (o, "dropout_at");
  if (!drop || !JSON_NODE_HOLDS_ARRAY (drop))
    return bad (error, name, "architecture: bad dropout_at");
  for (guint i = 0; i < json_array_get_length (json_node_get_array (drop)); i++)
    {
      static const char *const places[] = { "bottleneck", "decoder", "encoder" };
      JsonNode *n = json_array_get_element (json_node_get_array (drop), i);
      int k = -1;
      if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
        for (int j = 0; j < 3; j++)
          if (strcmp (json_node_get_string (n), places[j]) == 0)
            k = j;
      if (k < 0)
        return bad (error, name, "architecture: bad dropout_at");
      c->dropout_at |= 1u << k;
    }
  if (json_object_has_member (o, "aleatoric") && !get_bool (o, "aleatoric", &c->aleatoric))
    return bad (error, name, "architecture: bad aleatoric");
  /* Both absent in files of plain-headed networks (and older files). */
  if (json_object_has_member (o, "head_scales"))
    {
      if (!get_int (o, "head_scales", 0, PL_UNET_MAX_DEPTH, &v))
        return bad (error, name, "architecture: bad head_scales");
      c->head_scales = (int) v;
    }
  if (json_object_has_member (o, "skip_channels"))
    {
      if (!get_int (o, "skip_channels", 0, 4096, &v))
        return bad (error, name, "architecture: bad skip_channels");
      c->skip_channels = (int) v;
    }
  if (json_object_has_member (o, "attention_heads"))
    {
      if (!get_int (o, "attention_heads", 0, 4096, &v))
        return bad (error, name, "architecture: bad attention_heads");
      c->attention_heads = (int) v;
    }
  if (json_object_has_member (o, "head")
      && get_enum (o, "head", (const char *const[]) { "plain", "fcn" }, 2)
         != (c->head_scales >= 2 ? 1 : 0))
    return bad (error, name, "architecture: bad head (plain, or fcn with head_scales ≥ 2)");
  if (!pl_unet_config_check (c, &err))
    return bad (error, name, err->message);
  return TRUE;
}

static gboolean
import_tensors (PlUnet *unet, const PlSafetensors *st, const char *prefix, const char *name,
                GError **error)
{
  for (guint i = 0; i < pl_unet_n_tensors (unet); i++)
    {
      const PlUnetParam *p = pl_unet_tensor_info (unet, i);
      g_autofree char *tname = g_strconcat (prefix, p->name, NULL);
      const PlSafeTensor *t = pl_safetensors_lookup (st, tname);
      gboolean ok = t && t->ndim == p->ndim;
      for (int d = 0; ok && d < p->ndim; d++)
        ok = t->shape[d] == p->shape[d];
      if (!ok)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                       "%s: tensor '%s' is %s", name, tname, t ? "of the wrong shape" : "missing");
          return FALSE;
        }
      {
        g_autofree float *buf = g_new (float, p->numel);
        pl_safetensors_read_f32 (st, t, buf);
        for (gsize k = 0; k < p->numel; k++)
          if (!isfinite (buf[k]))
            {
              g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                           "%s: tensor '%s' holds NaN or infinite values", name, tname);
              return FALSE;
            }
        pl_unet_param_import (unet, i, buf);
      }
    }
  return TRUE;
}

PlModel *
pl_model_parse (GBytes *bytes, const char *name, GError **error)
{
  g_autoptr (PlSafetensors) st = NULL;
  g_autoptr (JsonNode) arch = NULL, classes = NULL, norm = NULL, input = NULL;
  g_autoptr (PlModel) model = NULL;
  PlUnetConfig cfg;
  const char *fmt;
  JsonArray *ca;
  int n_classes;
  guint64 total = 0;

  if (!name)
    name = "(buffer)";
  st = pl_safetensors_parse (bytes, name, error);
  if (!st)
    return NULL;
  fmt = pl_safetensors_metadata (st, "format");
  if (!fmt || strcmp (fmt, "pellucid-model") != 0)
    return bad (error, name, "not a Pellucid model (metadata 'format' is not 'pellucid-model')"), NULL;
  fmt = pl_safetensors_metadata (st, "format_version");
  if (!fmt || strcmp (fmt, G_STRINGIFY (PL_MODEL_FORMAT_VERSION)) != 0)
    return bad (error, name, "unsupported format_version"), NULL;
  if (!(arch = parse_meta (st, "architecture", name, error))
      || !(classes = parse_meta (st, "classes", name, error))
      || !(norm = parse_meta (st, "normalisation", name, error))
      || !(input = parse_meta (st, "input", name, error)))
    return NULL;
  if (!read_architecture (arch, &cfg, name, error))
    return NULL;

  /* Refuse networks whose parameters the file does not hold before
   * allocating them (each must be in the file anyway), and networks whose
   * parameters and gradients would not fit the memory budget.  Counting the
   * encoder alone, as before, let a file make the reader allocate up to
   * five times the floats it held (3.3 times for unet2d-ref). */
  for (guint i = 0; i < pl_safetensors_n_tensors (st); i++)
    total += pl_safetensors_nth (st, i)->numel;
  {
    guint64 need = pl_unet_config_n_params (&cfg);
    if (need > total)
      return bad (error, name, "the architecture needs more parameters than the file holds"), NULL;
    if (need > pl_volume_get_memory_budget () / (2 * sizeof (float)))
      {
        g_set_error (error, PL_ERROR, PL_ERROR_TOO_LARGE,
                     "%s: the network's %" G_GUINT64_FORMAT " parameters and their gradients "
                     "would exceed the memory budget", name, need);
        return NULL;
      }
  }

  if (!JSON_NODE_HOLDS_ARRAY (classes))
    return bad (error, name, "classes is not an array"), NULL;
  ca = json_node_get_array (classes);
  n_classes = json_array_get_length (ca);
  if (n_classes < 1 || n_classes > 4096
      || (cfg.output == PL_OUTPUT_SOFTMAX && n_classes != cfg.n_classes))
    return bad (error, name, "the class list does not match the network's outputs"), NULL;
  {
    g_autofree guint16 *values = g_new0 (guint16, n_classes);
    g_autofree const char **names = g_new0 (const char *, n_classes + 1);
    for (int c = 0; c < n_classes; c++)
      {
        JsonNode *e = json_array_get_element (ca, c);
        JsonObject *o;
        JsonNode *nm;
        gint64 v;
        if (!JSON_NODE_HOLDS_OBJECT (e) || !get_int (o = json_node_get_object (e), "value", 0, 65535, &v))
          return bad (error, name, "classes: each entry needs a value 0…65535"), NULL;
        values[c] = (guint16) v;
        nm = json_object_get_member (o, "name");
        names[c] = nm && JSON_NODE_HOLDS_VALUE (nm) && json_node_get_value_type (nm) == G_TYPE_STRING
                   ? json_node_get_string (nm) : "";
      }
    model = pl_model_new (pl_unet_new (&cfg, 0), n_classes, values, names);
  }

  if (!JSON_NODE_HOLDS_OBJECT (norm)
      || !get_num (json_node_get_object (norm), "offset", &model->norm_offset)
      || !get_num (json_node_get_object (norm), "divisor", &model->norm_divisor)
      || model->norm_divisor == 0.0)
    return bad (error, name, "normalisation needs a finite offset and a non-zero divisor"), NULL;
  {
    JsonObject *io;
    JsonNode *ts;
    gint64 v;
    if (!JSON_NODE_HOLDS_OBJECT (input) || !get_int (io = json_node_get_object (input), "axis", 0, 2, &v))
      return bad (error, name, "input: axis must be 0, 1 or 2"), NULL;
    model->axis = (int) v;
    ts = json_object_get_member (io, "train_size");
    if (ts && JSON_NODE_HOLDS_ARRAY (ts) && json_array_get_length (json_node_get_array (ts)) == 2)
      {
        model->train_h = (int) CLAMP (json_array_get_int_element (json_node_get_array (ts), 0), 0, 1 << 20);
        model->train_w = (int) CLAMP (json_array_get_int_element (json_node_get_array (ts), 1), 0, 1 << 20);
      }
    if (json_object_has_member (io, "context"))
      {
        if (!get_int (io, "context", 1, PL_MAX_CONTEXT, &v) || v % 2 == 0)
          return bad (error, name, "input: context must be an odd number of slices 1…" G_STRINGIFY (PL_MAX_CONTEXT)), NULL;
        model->context = (int) v;
      }
    if (json_object_has_member (io, "coords"))
      {
        if (get_enum (io, "coords", (const char *const[]) { "left-right" }, 1) != 0)
          return bad (error, name, "input: coords must be \"left-right\""), NULL;
        model->coords = TRUE;
      }
    if (pl_model_input_channels (model) != pl_unet_get_config (model->unet)->in_channels)
      return bad (error, name, "input: context and coords make a different number of channels than the network takes"), NULL;
  }
  pl_model_set_training (model, pl_safetensors_metadata (st, "training"));

  if (!import_tensors (model->unet, st, "", name, error))
    return NULL;
  return g_steal_pointer (&model);
}

PlModel *
pl_model_load (const char *path, GError **error)
{
  g_autoptr (GBytes) bytes = pl_safetensors_read_file (path, error);

  if (bytes == NULL)
    return NULL;
  return pl_model_parse (bytes, path, error);
}

PlModel **
pl_model_parse_ensemble (GBytes *bytes, const char *name, int *n_members, GError **error)
{
  g_autoptr (PlModel) first = NULL;
  g_autoptr (PlSafetensors) st = NULL;
  g_autoptr (JsonNode) ens = NULL;
  g_autoptr (GPtrArray) members = g_ptr_array_new_with_free_func ((GDestroyNotify) pl_model_free);
  JsonObject *eo;
  JsonNode *tr;
  gint64 n;

  if (!name)
    name = "(buffer)";
  *n_members = 0;
  first = pl_model_parse (bytes, name, error);
  if (!first)
    return NULL;
  st = pl_safetensors_parse (bytes, name, error);
  if (!st)
    return NULL;
  if (!pl_safetensors_metadata (st, "ensemble"))
    {
      PlModel **out = g_new0 (PlModel *, 2);
      out[0] = g_steal_pointer (&first);
      *n_members = 1;
      return out;
    }
  if (!(ens = parse_meta (st, "ensemble", name, error)))
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (ens)
      || !get_int (eo = json_node_get_object (ens), "members", 2, PL_MODEL_MAX_MEMBERS, &n))
    return bad (error, name, "ensemble: members must be 2…" G_STRINGIFY (PL_MODEL_MAX_MEMBERS)), NULL;
  tr = json_object_get_member (eo, "training");
  g_ptr_array_add (members, g_steal_pointer (&first));
  for (int m = 1; m < n; m++)
    {
      const PlModel *m0 = g_ptr_array_index (members, 0);
      PlModel *mm = pl_model_new (pl_unet_copy (m0->unet), m0->n_classes, m0->class_values,
                                  (const char *const *) m0->class_names);
      g_autofree char *prefix = g_strdup_printf ("ensemble.%d.", m);
      mm->norm_offset = m0->norm_offset;
      mm->norm_divisor = m0->norm_divisor;
      mm->axis = m0->axis;
      mm->train_h = m0->train_h;
      mm->train_w = m0->train_w;
      mm->context = m0->context;
      mm->coords = m0->coords;
      g_ptr_array_add (members, mm);
      if (!import_tensors (mm->unet, st, prefix, name, error))
        return NULL;
    }
  if (tr && JSON_NODE_HOLDS_ARRAY (tr) && json_array_get_length (json_node_get_array (tr)) == (guint) n)
    for (int m = 0; m < n; m++)
      {
        JsonNode *e = json_array_get_element (json_node_get_array (tr), m);
        if (JSON_NODE_HOLDS_OBJECT (e))
          {
            g_autofree char *t = node_to_string (e);
            pl_model_set_training (g_ptr_array_index (members, m), t);
          }
      }
  *n_members = (int) n;
  g_ptr_array_add (members, NULL);
  g_ptr_array_set_free_func (members, NULL);
  return (PlModel **) g_ptr_array_free (g_steal_pointer (&members), FALSE);
}

PlModel **
pl_model_load_ensemble (const char *path, int *n_members, GError **error)
{
  g_autoptr (GBytes) bytes = pl_safetensors_read_file (path, error);

  *n_members = 0;
  if (bytes == NULL)
    return NULL;
  return pl_model_parse_ensemble (bytes, path, n_members, error);
}

void
pl_model_ensemble_free (PlModel **members)
{
  if (!members)
    return;
  for (int m = 0; members[m]; m++)
    pl_model_free (members[m]);
  g_free (members);
}
