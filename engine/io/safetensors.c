/* safetensors container: hostile-input parser and writer. */
#define G_LOG_DOMAIN "pl-safetensors"

#include "engine/io/safetensors.h"
#include "engine/core/json-limits.h"
#include "engine/data/volume.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct _PlSafetensors
{
  GBytes     *bytes;
  GArray     *tensors;     /* PlSafeTensor */
  GHashTable *by_name;     /* name → index + 1 */
  GHashTable *metadata;    /* string → string */
};

static void
tensor_clear (gpointer p)
{
  g_free (((PlSafeTensor *) p)->name);
}

void
pl_safetensors_free (PlSafetensors *st)
{
  if (!st)
    return;
  g_bytes_unref (st->bytes);
  g_array_unref (st->tensors);
  g_hash_table_unref (st->by_name);
  g_hash_table_unref (st->metadata);
  g_free (st);
}

static gboolean
fail (GError **error, int code, const char *name, const char *fmt, ...) G_GNUC_PRINTF (4, 5);

static gboolean
fail (GError **error, int code, const char *name, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, PL_ERROR, code, "%s: %s", name, msg);
  return FALSE;
}

static gboolean
get_uint (JsonNode *node, guint64 *out)
{
  gint64 v;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  v = json_node_get_int (node);
  if (v < 0)
    return FALSE;
  *out = (guint64) v;
  return TRUE;
}

static int
cmp_offset (gconstpointer a, gconstpointer b)
{
  const PlSafeTensor *x = a, *y = b;
  return x->offset < y->offset ? -1 : x->offset > y->offset ? 1 : 0;
}

PlSafetensors *
pl_safetensors_parse (GBytes *bytes, const char *name, GError **error)
{
  gsize size;
  const guint8 *buf = g_bytes_get_data (bytes, &size);
  guint64 hlen = 0;
  gsize data_start, data_size;
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) jerr = NULL;
  g_autoptr (GArray) tensors = NULL;
  g_autoptr (GHashTable) metadata = NULL;
  g_autoptr (GList) members = NULL;
  JsonNode *root;
  JsonObject *obj;
  PlSafetensors *st;

  if (!name)
    name = "(buffer)";
  if (size < 8)
    {
      fail (error, PL_ERROR_TRUNCATED, name, "%" G_GSIZE_FORMAT " bytes is too short for a safetensors file", size);
      return NULL;
    }
  for (int i = 7; i >= 0; i--)
    hlen = (hlen << 8) | buf[i];
  if (hlen > size - 8)
    {
      fail (error, PL_ERROR_TRUNCATED, name, "header of %" G_GUINT64_FORMAT
            " bytes runs past the end of the file (%" G_GSIZE_FORMAT " bytes)", hlen, size);
      return NULL;
    }
  if (hlen < 2 || hlen > PL_SAFETENSORS_MAX_HEADER)
    {
      fail (error, PL_ERROR_INVALID, name, "implausible header length %" G_GUINT64_FORMAT, hlen);
      return NULL;
    }
  if (!g_utf8_validate ((const char *) buf + 8, (gssize) hlen, NULL))
    {
      fail (error, PL_ERROR_INVALID, name, "header is not UTF-8");
      return NULL;
    }
  if (memchr (buf + 8, '\0', hlen))
    {
      fail (error, PL_ERROR_INVALID, name, "header contains a NUL byte");
      return NULL;
    }
  if (!pl_json_nesting_ok ((const char *) buf + 8, (gssize) hlen, PL_JSON_MAX_DEPTH))
    {
      fail (error, PL_ERROR_INVALID, name, "header nests deeper than %d levels",
            PL_JSON_MAX_DEPTH);
      return NULL;
    }
  data_start = 8 + (gsize) hlen;
  data_size = size - data_start;

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, (const char *) buf + 8, (gssize) hlen, &jerr))
    {
      fail (error, PL_ERROR_INVALID, name, "header is not valid JSON: %s", jerr->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    {
      fail (error, PL_ERROR_INVALID, name, "header is not a JSON object");
      return NULL;
    }
  obj = json_node_get_object (root);
  tensors = g_array_new (FALSE, TRUE, sizeof (PlSafeTensor));
  g_array_set_clear_func (tensors, tensor_clear);
  metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  members = json_object_get_members (obj);

  for (GList *l = members; l; l = l->next)
    {
      const char *key = l->data;
      JsonNode *node = json_object_get_member (obj, key);
      JsonObject *t;
      JsonArray *shape, *offs;
      const char *dtype;
      PlSafeTensor info = { 0 };
      guint64 numel = 1, begin, end, nbytes;

      if (strcmp (key, "__metadata__") == 0)
        {
          JsonObject *m;
          g_autoptr (GList) mk = NULL;
          if (!JSON_NODE_HOLDS_OBJECT (node))
            {
              fail (error, PL_ERROR_INVALID, name, "__metadata__ is not an object");
              return NULL;
            }
          m = json_node_get_object (node);
          mk = json_object_get_members (m);
          for (GList *k = mk; k; k = k->next)
            {
              JsonNode *v = json_object_get_member (m, k->data);
              if (!JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_STRING)
                {
                  fail (error, PL_ERROR_INVALID, name, "metadata '%s' is not a string",
                        (const char *) k->data);
                  return NULL;
                }
              g_hash_table_replace (metadata, g_strdup (k->data), g_strdup (json_node_get_string (v)));
            }
          continue;
        }
      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          fail (error, PL_ERROR_INVALID, name, "tensor '%s' is not an object", key);
          return NULL;
        }
      t = json_node_get_object (node);
      if (!json_object_has_member (t, "dtype") || !json_object_has_member (t, "shape")
          || !json_object_has_member (t, "data_offsets"))
        {
          fail (error, PL_ERROR_INVALID, name, "tensor '%s' lacks dtype, shape or data_offsets", key);
          return NULL;
        }
      {
        JsonNode *dn = json_object_get_member (t, "dtype");
        JsonNode *sn = json_object_get_member (t, "shape");
        JsonNode *on = json_object_get_member (t, "data_offsets");
        if (!JSON_NODE_HOLDS_VALUE (dn) || json_node_get_value_type (dn) != G_TYPE_STRING
            || !JSON_NODE_HOLDS_ARRAY (sn) || !JSON_NODE_HOLDS_ARRAY (on))
          {
            fail (error, PL_ERROR_INVALID, name, "tensor '%s' has malformed fields", key);
            return NULL;
          }
        dtype = json_node_get_string (dn);
        shape = json_node_get_array (sn);
        offs = json_node_get_array (on);
      }
      if (strcmp (dtype, "F32") != 0)
        {
          fail (error, PL_ERROR_UNKNOWN_DATATYPE, name,
                "tensor '%s' has dtype '%s'; only F32 is supported", key, dtype);
          return NULL;
        }
      if (json_array_get_length (shape) > PL_SAFETENSORS_MAX_DIMS)
        {
          fail (error, PL_ERROR_BAD_DIMS, name, "tensor '%s' has more than %d dimensions",
                key, PL_SAFETENSORS_MAX_DIMS);
          return NULL;
        }
      info.ndim = json_array_get_length (shape);
      for (int d = 0; d < info.ndim; d++)
        {
          guint64 v;
          if (!get_uint (json_array_get_element (shape, d), &v) || v > G_MAXINT32
              || !g_uint64_checked_mul (&numel, numel, v))
            {
              fail (error, PL_ERROR_BAD_DIMS, name, "tensor '%s' has an invalid shape", key);
              return NULL;
            }
          info.shape[d] = (gint64) v;
        }
      if (json_array_get_length (offs) != 2
          || !get_uint (json_array_get_element (offs, 0), &begin)
          || !get_uint (json_array_get_element (offs, 1), &end) || begin > end)
        {
          fail (error, PL_ERROR_BAD_OFFSET, name, "tensor '%s' has invalid data_offsets", key);
          return NULL;
        }
      if (end > data_size)
        {
          fail (error, PL_ERROR_TRUNCATED, name, "tensor '%s' ends at byte %" G_GUINT64_FORMAT
                " of a %" G_GSIZE_FORMAT "-byte data section", key, end, data_size);
          return NULL;
        }
      if (!g_uint64_checked_mul (&nbytes, numel, 4) || nbytes != end - begin)
        {
          fail (error, PL_ERROR_BAD_DIMS, name, "tensor '%s': shape needs %" G_GUINT64_FORMAT
                " elements but the offsets hold %" G_GUINT64_FORMAT " bytes", key, numel, end - begin);
          return NULL;
        }
      info.name = g_strdup (key);
      info.numel = (gsize) numel;
      info.offset = data_start + (gsize) begin;
      g_array_append_val (tensors, info);
    }

  /* Offsets sorted must tile the data section exactly. */
  {
    g_autoptr (GArray) sorted = g_array_sized_new (FALSE, FALSE, sizeof (PlSafeTensor), tensors->len);
    gsize pos = data_start;
    g_array_append_vals (sorted, tensors->data, tensors->len);
    g_array_sort (sorted, cmp_offset);
    for (guint i = 0; i < sorted->len; i++)
      {
        const PlSafeTensor *t = &g_array_index (sorted, PlSafeTensor, i);
        if (t->offset != pos)
          {
            fail (error, PL_ERROR_BAD_OFFSET, name,
                  "tensor '%s' %s the previous one", t->name,
                  t->offset < pos ? "overlaps" : "leaves a gap after");
            return NULL;
          }
        pos += t->numel * 4;
      }
    if (pos != size)
      {
        fail (error, PL_ERROR_BAD_OFFSET, name,
              "%" G_GSIZE_FORMAT " bytes after the last tensor", size - pos);
        return NULL;
      }
  }

  st = g_new0 (PlSafetensors, 1);
  st->bytes = g_bytes_ref (bytes);
  st->tensors = g_steal_pointer (&tensors);
  st->metadata = g_steal_pointer (&metadata);
  st->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < st->tensors->len; i++)
    g_hash_table_insert (st->by_name, g_array_index (st->tensors, PlSafeTensor, i).name,
                         GUINT_TO_POINTER (i + 1));
  return st;
}

GBytes *
pl_safetensors_read_file (const char *path, GError **error)
{
  g_autofree char *name = g_filename_display_name (path);
  g_autofree guint8 *data = NULL;
  struct stat st;
  gsize len = 0, size;
  int fd, saved;

  /* O_NONBLOCK: opening a FIFO must not wait for a writer (g_file_get_contents
   * did, forever); only regular files are read. */
  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
  if (fd < 0)
    {
      saved = errno;
      g_set_error (error, PL_ERROR, PL_ERROR_IO, "%s: cannot open: %s", name, g_strerror (saved));
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, PL_ERROR, PL_ERROR_IO, "%s: not a regular file", name);
      return NULL;
    }
  if ((guint64) st.st_size > pl_volume_get_memory_budget ())
    {
      g_autofree char *have = g_format_size ((guint64) st.st_size);
      g_autofree char *budget = g_format_size (pl_volume_get_memory_budget ());
      close (fd);
      g_set_error (error, PL_ERROR, PL_ERROR_TOO_LARGE,
                   "%s: the file is %s, more than the memory budget of %s", name, have, budget);
      return NULL;
    }
  fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) & ~O_NONBLOCK);
  size = (gsize) st.st_size;
  data = g_try_malloc (MAX (size, 1));
  if (data == NULL)
    {
      close (fd);
      g_set_error (error, PL_ERROR, PL_ERROR_TOO_LARGE, "%s: out of memory", name);
      return NULL;
    }
  while (len < size)
    {
      gssize got = read (fd, data + len, size - len);
      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        {
          saved = errno;
          close (fd);
          g_set_error (error, PL_ERROR, PL_ERROR_IO, "%s: read error: %s", name, g_strerror (saved));
          return NULL;
        }
      if (got == 0)
        break;   /* shrank meanwhile: the parser finds it truncated */
      len += (gsize) got;
    }
  close (fd);
  return g_bytes_new_take (g_steal_pointer (&data), len);
}

PlSafetensors *
pl_safetensors_load (const char *path, GError **error)
{
  g_autoptr (GBytes) bytes = pl_safetensors_read_file (path, error);

  if (bytes == NULL)
    return NULL;
  return pl_safetensors_parse (bytes, path, error);
}

guint
pl_safetensors_n_tensors (const PlSafetensors *st)
{
  return st->tensors->len;
}

const PlSafeTensor *
pl_safetensors_nth (const PlSafetensors *st, guint i)
{
  g_return_val_if_fail (i < st->tensors->len, NULL);
  return &g_array_index (st->tensors, PlSafeTensor, i);
}

const PlSafeTensor *
pl_safetensors_lookup (const PlSafetensors *st, const char *name)
{
  guint i = GPOINTER_TO_UINT (g_hash_table_lookup (st->by_name, name));
  return i ? &g_array_index (st->tensors, PlSafeTensor, i - 1) : NULL;
}

void
pl_safetensors_read_f32 (const PlSafetensors *st, const PlSafeTensor *t, float *dst)
{
  const guint8 *p = (const guint8 *) g_bytes_get_data (st->bytes, NULL) + t->offset;
  memcpy (dst, p, t->numel * 4);
#if G_BYTE_ORDER == G_BIG_ENDIAN
  for (gsize i = 0; i < t->numel; i++)
    {
      guint32 v;
      memcpy (&v, dst + i, 4);
      v = GUINT32_SWAP_LE_BE (v);
      memcpy (dst + i, &v, 4);
    }
#endif
}

const char *
pl_safetensors_metadata (const PlSafetensors *st, const char *key)
{
  return g_hash_table_lookup (st->metadata, key);
}

/* ---- writer ------------------------------------------------------------ */

typedef struct
{
  char   *name;
  int     ndim;
  gint64  shape[PL_SAFETENSORS_MAX_DIMS];
  float  *data;
  gsize   numel;
} WTensor;

struct _PlSafetensorsWriter
{
  GArray     *tensors;
  GHashTable *metadata;
  GPtrArray  *meta_order;
};

static void
wtensor_clear (gpointer p)
{
  WTensor *t = p;
  g_free (t->name);
  g_free (t->data);
}

PlSafetensorsWriter *
pl_safetensors_writer_new (void)
{
  PlSafetensorsWriter *w = g_new0 (PlSafetensorsWriter, 1);
  w->tensors = g_array_new (FALSE, TRUE, sizeof (WTensor));
  g_array_set_clear_func (w->tensors, wtensor_clear);
  w->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  w->meta_order = g_ptr_array_new_with_free_func (g_free);
  return w;
}

void
pl_safetensors_writer_free (PlSafetensorsWriter *w)
{
  if (!w)
    return;
  g_array_unref (w->tensors);
  g_hash_table_unref (w->metadata);
  g_ptr_array_unref (w->meta_order);
  g_free (w);
}

void
pl_safetensors_writer_add (PlSafetensorsWriter *w, const char *name, int ndim,
                           const gint64 *shape, const float *data)
{
  WTensor t = { 0 };

  g_return_if_fail (ndim >= 0 && ndim <= PL_SAFETENSORS_MAX_DIMS);
  t.name = g_strdup (name);
  t.ndim = ndim;
  t.numel = 1;
  for (int d = 0; d < ndim; d++)
    {
      t.shape[d] = shape[d];
      t.numel *= (gsize) shape[d];
    }
  t.data = g_memdup2 (data, t.numel * sizeof (float));
  g_array_append_val (w->tensors, t);
}

void
pl_safetensors_writer_set_metadata (PlSafetensorsWriter *w, const char *key, const char *value)
{
  if (!g_hash_table_contains (w->metadata, key))
    g_ptr_array_add (w->meta_order, g_strdup (key));
  g_hash_table_replace (w->metadata, g_strdup (key), g_strdup (value));
}

GBytes *
pl_safetensors_writer_to_bytes (PlSafetensorsWriter *w)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *header = NULL;
  gsize hlen, pad, off = 0, total;
  GByteArray *out;
  guint8 len8[8];

  json_builder_begin_object (b);
  if (w->meta_order->len)
    {
      json_builder_set_member_name (b, "__metadata__");
      json_builder_begin_object (b);
      for (guint i = 0; i < w->meta_order->len; i++)
        {
          const char *k = w->meta_order->pdata[i];
          json_builder_set_member_name (b, k);
          json_builder_add_string_value (b, g_hash_table_lookup (w->metadata, k));
        }
      json_builder_end_object (b);
    }
  for (guint i = 0; i < w->tensors->len; i++)
    {
      WTensor *t = &g_array_index (w->tensors, WTensor, i);
      json_builder_set_member_name (b, t->name);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "dtype");
      json_builder_add_string_value (b, "F32");
      json_builder_set_member_name (b, "shape");
      json_builder_begin_array (b);
      for (int d = 0; d < t->ndim; d++)
        json_builder_add_int_value (b, t->shape[d]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "data_offsets");
      json_builder_begin_array (b);
      json_builder_add_int_value (b, (gint64) off);
      json_builder_add_int_value (b, (gint64) (off + t->numel * 4));
      json_builder_end_array (b);
      json_builder_end_object (b);
      off += t->numel * 4;
    }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  header = json_generator_to_data (gen, &hlen);
  /* Pad the header with spaces so the data starts 8-byte aligned. */
  pad = (8 - (8 + hlen) % 8) % 8;
  total = 8 + hlen + pad + off;
  out = g_byte_array_sized_new (total);
  for (int i = 0; i < 8; i++)
    len8[i] = (guint8) (((guint64) (hlen + pad)) >> (8 * i));
  g_byte_array_append (out, len8, 8);
  g_byte_array_append (out, (const guint8 *) header, hlen);
  for (gsize i = 0; i < pad; i++)
    g_byte_array_append (out, (const guint8 *) " ", 1);
  for (guint i = 0; i < w->tensors->len; i++)
    {
      WTensor *t = &g_array_index (w->tensors, WTensor, i);
#if G_BYTE_ORDER == G_BIG_ENDIAN
      for (gsize k = 0; k < t->numel; k++)
        {
          guint32 v;
          memcpy (&v, t->data + k, 4);
          v = GUINT32_SWAP_LE_BE (v);
          g_byte_array_append (out, (const guint8 *) &v, 4);
        }
#else
      g_byte_array_append (out, (const guint8 *) t->data, t->numel * 4);
#endif
    }
  return g_byte_array_free_to_bytes (out);
}

gboolean
pl_safetensors_writer_save (PlSafetensorsWriter *w, const char *path, GError **error)
{
  g_autoptr (GBytes) bytes = pl_safetensors_writer_to_bytes (w);
  g_autoptr (GError) err = NULL;
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  /* g_file_set_contents writes a temporary file and renames it. */
  if (!g_file_set_contents (path, data, (gssize) len, &err))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_IO, "%s: %s", path, err->message);
      return FALSE;
    }
  return TRUE;
}
