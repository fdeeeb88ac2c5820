/* nnU-Net v2 raw datasets: export of a cohort, import of predictions, and
 * the dataset checks of verify_dataset_integrity.  See nnunet.h. */
#define G_LOG_DOMAIN "pl-nnunet"

#include "engine/cases/nnunet.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/atomic-file.h"
#include "engine/core/error.h"
#include "engine/core/json-limits.h"

#define FILE_ENDING ".nii.gz"

void
pl_nnunet_export_options_init (PlNnunetExportOptions *options)
{
  memset (options, 0, sizeof *options);
  options->background = -1;
}

static gboolean
make_dir (const char  *path,
          GError     **error)
{
  if (g_mkdir_with_parents (path, 0755) != 0)
    {
      int e = errno;
      g_set_error (error, PL_ERROR, PL_ERROR_IO, "%s: cannot create the folder: %s", path, g_strerror (e));
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_text_atomic (const char  *path,
                   const char  *text,
                   gsize        len,
                   GError     **error)
{
  PlAtomicFile *file = pl_atomic_file_new (path, PL_ERROR, PL_ERROR_IO, error);
  if (!file)
    return FALSE;
  if (!pl_atomic_file_write (file, text, len, error))
    {
      pl_atomic_file_abort (file);
      return FALSE;
    }
  return pl_atomic_file_commit (file, error);
}

/* The image as nnU-Net's channel 0: the file itself when it is a 3-D
 * .nii.gz, else float32 .nii.gz from its header. */
static gboolean
write_image (const PlVolume  *volume,
             const char      *source,
             const char      *dest,
             GError         **error)
{
  if (g_str_has_suffix (source, FILE_ENDING) && volume->n_volumes == 1)
    {
      g_autoptr (GFile) from = g_file_new_for_path (source);
      g_autoptr (GFile) to = g_file_new_for_path (dest);
      g_autoptr (GError) local = NULL;
      if (!g_file_copy (from, to, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &local))
        {
          g_set_error (error, PL_ERROR, PL_ERROR_IO, "%s: cannot copy to %s: %s", source, dest, local->message);
          return FALSE;
        }
      return TRUE;
    }
  return pl_volume_save (volume, dest, error);
}

static gboolean
case_has_training_labels (const PlCase  *c,
                          guint8        *present,
                          gboolean      *any_unpainted,
                          GError       **error)
{
  g_autoptr (PlLabels) labels = NULL;
  gsize n;
  gboolean painted = FALSE, unpainted = FALSE;

  if (c->labels_path == NULL)
    return FALSE;
  labels = pl_labels_load (c->labels_path, NULL, error);
  if (!labels)
    return FALSE;
  n = pl_labels_n_voxels (labels);
  for (gsize i = 0; i < n; i++)
    {
      guint16 v = labels->data[i];
      if (v)
        {
          painted = TRUE;
          present[v] = 1;
        }
      else
        unpainted = TRUE;
    }
  if (painted && unpainted)
    *any_unpainted = TRUE;
  return painted;
}

gboolean
pl_nnunet_export (PlCohort                    *cohort,
                  const char                  *out_dir,
                  const PlNnunetExportOptions *options,
                  PlNnunetExport              *result,
                  GError                     **error)
{
  PlNnunetExportOptions defaults;
  PlNnunetExport res = { 0 };
  g_autofree guint8 *present = g_new0 (guint8, 65536);
  g_autofree guint8 *training = NULL;
  g_autofree guint16 *lut = g_new0 (guint16, 65536);
  g_autofree char *images_tr = NULL, *labels_tr = NULL, *images_ts = NULL, *json_path = NULL;
  guint n = pl_cohort_get_n (cohort);
  int background;

  g_return_val_if_fail (cohort != NULL && out_dir != NULL, FALSE);
  if (options == NULL)
    {
      pl_nnunet_export_options_init (&defaults);
      options = &defaults;
    }

  /* Pass 1: which cases train, which values they hold. */
  training = g_new0 (guint8, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GError) local = NULL;
      const PlCase *c = pl_cohort_get_case (cohort, i);
      training[i] = case_has_training_labels (c, present, &res.has_ignore, &local);
      if (local)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      res.n_training += training[i];
    }
  if (res.n_training == 0)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "%s: no case has painted voxels: nothing for nnU-Net to train on",
                   pl_cohort_get_root (cohort));
      return FALSE;
    }
  background = options->background;
  if (background > 65535 || background == 0)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "background label %d: must be a painted label value (1–65535)", background);
      return FALSE;
    }
  if (background < 0)
    for (int v = 1; v < 65536 && background < 0; v++)
      if (present[v])
        background = v;
  res.label_values[0] = (guint16) background;
  res.n_labels = 1;
  for (int v = 1; v < 65536; v++)
    if (present[v] && v != background)
      {
        if (res.n_labels >= (int) G_N_ELEMENTS (res.label_values) - 1)
          {
            g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                         "%s: more than %d label values in the segmentations; nnU-Net export takes at most %d",
                         pl_cohort_get_root (cohort), (int) G_N_ELEMENTS (res.label_values) - 1,
                         (int) G_N_ELEMENTS (res.label_values) - 1);
            return FALSE;
          }
        res.label_values[res.n_labels++] = (guint16) v;
      }
  for (int k = 0; k < res.n_labels; k++)
    lut[res.label_values[k]] = (guint16) k;
  lut[0] = res.has_ignore ? (guint16) res.n_labels : 0;

  images_tr = g_build_filename (out_dir, "imagesTr", NULL);
  labels_tr = g_build_filename (out_dir, "labelsTr", NULL);
  images_ts = g_build_filename (out_dir, "imagesTs", NULL);
  if (!make_dir (images_tr, error) || !make_dir (labels_tr, error) || !make_dir (images_ts, error))
    return FALSE;

  /* Pass 2: one case at a time in memory. */
  for (guint i = 0; i < n; i++)
    {
      const PlCase *c = pl_cohort_get_case (cohort, i);
      g_autoptr (PlVolume) volume = NULL;
      g_autoptr (PlLabels) labels = NULL;
      g_autofree char *image_file = g_strconcat (c->name, "_0000" FILE_ENDING, NULL);
      g_autofree char *image_dest = NULL;

      if (!pl_case_load (c, &volume, training[i] ? &labels : NULL, error))
        return FALSE;
      image_dest = g_build_filename (training[i] ? images_tr : images_ts, image_file, NULL);
      /* A case that moved between training and test since an earlier export
       * must not stay in the other folder (numTraining would be wrong). */
      {
        g_autofree char *label_file = g_strconcat (c->name, FILE_ENDING, NULL);
        g_autofree char *other = g_build_filename (training[i] ? images_ts : images_tr, image_file, NULL);
        g_autofree char *stale_label = g_build_filename (labels_tr, label_file, NULL);
        g_unlink (other);
        if (!training[i])
          g_unlink (stale_label);
      }
      if (!write_image (volume, c->image_path, image_dest, error))
        return FALSE;
      if (training[i])
        {
          g_autofree char *label_file = g_strconcat (c->name, FILE_ENDING, NULL);
          g_autofree char *label_dest = g_build_filename (labels_tr, label_file, NULL);
          gsize nv = pl_labels_n_voxels (labels);
          for (gsize j = 0; j < nv; j++)
            labels->data[j] = lut[labels->data[j]];
          if (!pl_labels_save (labels, volume, label_dest, error))
            return FALSE;
        }
      else
        res.n_test++;
      if (!pl_progress_report (options->progress, (double) (i + 1) / n, c->name))
        return pl_progress_set_cancelled_error (error);
    }

  /* dataset.json */
  {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonGenerator) gen = json_generator_new ();
    g_autoptr (JsonNode) root = NULL;
    g_autoptr (GHashTable) used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    g_autofree char *text = NULL, *base = g_path_get_basename (out_dir);
    gsize len;

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "name");
    json_builder_add_string_value (b, options->dataset_name ? options->dataset_name : base);
    json_builder_set_member_name (b, "channel_names");
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "0");
    json_builder_add_string_value (b, options->channel_name ? options->channel_name : "MR");
    json_builder_end_object (b);
    json_builder_set_member_name (b, "labels");
    json_builder_begin_object (b);
    g_hash_table_add (used, g_strdup ("background"));
    g_hash_table_add (used, g_strdup ("ignore"));
    json_builder_set_member_name (b, "background");
    json_builder_add_int_value (b, 0);
    for (int k = 1; k < res.n_labels; k++)
      {
        PlLabel *label = options->names ? pl_label_table_lookup (options->names, res.label_values[k]) : NULL;
        g_autofree char *name = NULL;
        if (label && label->name && *label->name && !g_hash_table_contains (used, label->name))
          name = g_strdup (label->name);
        else
          name = g_strdup_printf ("label_%u", res.label_values[k]);
        g_hash_table_add (used, g_strdup (name));
        json_builder_set_member_name (b, name);
        json_builder_add_int_value (b, k);
      }
    if (res.has_ignore)
      {
        json_builder_set_member_name (b, "ignore");
        json_builder_add_int_value (b, res.n_labels);
      }
    json_builder_end_object (b);
    json_builder_set_member_name (b, "numTraining");
    json_builder_add_int_value (b, res.n_training);
    json_builder_set_member_name (b, "file_ending");
    json_builder_add_string_value (b, FILE_ENDING);
    json_builder_set_member_name (b, "pellucid");
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "label_values");
    json_builder_begin_array (b);
    for (int k = 0; k < res.n_labels; k++)
      json_builder_add_int_value (b, res.label_values[k]);
    json_builder_end_array (b);
    json_builder_set_member_name (b, "unpainted");
    json_builder_add_string_value (b, res.has_ignore ? "ignore" : "none");
    json_builder_end_object (b);
    json_builder_end_object (b);
    root = json_builder_get_root (b);
    json_generator_set_pretty (gen, TRUE);
    json_generator_set_root (gen, root);
    text = json_generator_to_data (gen, &len);
    json_path = g_build_filename (out_dir, "dataset.json", NULL);
    if (!write_text_atomic (json_path, text, len, error))
      return FALSE;
  }
  if (result)
    *result = res;
  return TRUE;
}

/* ---- reading dataset.json ----------------------------------------------------- */

static JsonParser *
load_json (const char  *path,
           GError     **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  g_autofree char *text = NULL;
  gsize len;

  if (!g_file_get_contents (path, &text, &len, &local))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_IO, "%s: cannot read: %s", path, local->message);
      return NULL;
    }
  if (len > (16u << 20) || !pl_json_nesting_ok (text, (gssize) len, PL_JSON_MAX_DEPTH)
      || !json_parser_load_from_data (parser, text, (gssize) len, &local)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID, "%s: not a JSON object%s%s", path,
                   local ? ": " : "", local ? local->message : "");
      return NULL;
    }
  return g_steal_pointer (&parser);
}

static gboolean
member_is (JsonObject *o,
           const char *name,
           GType       type)
{
  JsonNode *n = json_object_get_member (o, name);
  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == type;
}

/* ---- import ------------------------------------------------------------------- */

gboolean
pl_nnunet_import (PlCohort    *cohort,
                  const char  *pred_dir,
                  const char  *dataset_json,
                  const char  *proposals_dir,
                  guint       *n_imported,
                  GError     **error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autofree guint16 *values = g_new0 (guint16, 65536);
  g_autofree char *default_dir = NULL;
  const char *ending = FILE_ENDING;
  int n_values = -1;
  guint count = 0;

  g_return_val_if_fail (cohort != NULL && pred_dir != NULL, FALSE);

  if (!g_file_test (pred_dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_IO, "%s: not a folder", pred_dir);
      return FALSE;
    }
  for (int k = 0; k < 65535; k++)
    values[k] = (guint16) (k + 1);
  if (dataset_json)
    {
      JsonObject *o;
      parser = load_json (dataset_json, error);
      if (!parser)
        return FALSE;
      o = json_node_get_object (json_parser_get_root (parser));
      if (member_is (o, "file_ending", G_TYPE_STRING))
        ending = json_object_get_string_member (o, "file_ending");
      if (json_object_has_member (o, "pellucid"))
        {
          JsonNode *p = json_object_get_member (o, "pellucid");
          JsonNode *lv = JSON_NODE_HOLDS_OBJECT (p)
                         ? json_object_get_member (json_node_get_object (p), "label_values") : NULL;
          JsonArray *a;
          if (!lv || !JSON_NODE_HOLDS_ARRAY (lv))
            {
              g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                           "%s: \"pellucid\" needs a \"label_values\" array", dataset_json);
              return FALSE;
            }
          a = json_node_get_array (lv);
          n_values = (int) json_array_get_length (a);
          for (int k = 0; k < n_values; k++)
            {
              JsonNode *e = json_array_get_element (a, k);
              gint64 v = JSON_NODE_HOLDS_VALUE (e) && json_node_get_value_type (e) == G_TYPE_INT64
                         ? json_node_get_int (e) : -1;
              if (v < 1 || v > 65535)
                {
                  g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                               "%s: label_values[%d] is not a label value 1–65535", dataset_json, k);
                  return FALSE;
                }
              values[k] = (guint16) v;
            }
        }
    }
  if (proposals_dir == NULL)
    proposals_dir = default_dir = g_build_filename (pl_cohort_get_root (cohort), "proposals", NULL);
  if (!make_dir (proposals_dir, error))
    return FALSE;

  for (guint i = 0; i < pl_cohort_get_n (cohort); i++)
    {
      PlCase *c = pl_cohort_get_case (cohort, i);
      g_autofree char *file = g_strconcat (c->name, ending, NULL);
      g_autofree char *pred = g_build_filename (pred_dir, file, NULL);
      g_autofree char *out_file = g_strconcat (c->name, ".nii.gz", NULL);
      g_autofree char *out = NULL;
      g_autoptr (PlVolume) volume = NULL;
      g_autoptr (PlLabels) labels = NULL;
      gsize nv;

      if (!g_file_test (pred, G_FILE_TEST_IS_REGULAR))
        continue;
      volume = pl_volume_load (c->image_path, 0, NULL, error);
      if (!volume)
        return FALSE;
      labels = pl_labels_load (pred, volume, error);
      if (!labels)
        return FALSE;
      nv = pl_labels_n_voxels (labels);
      for (gsize j = 0; j < nv; j++)
        {
          guint16 k = labels->data[j];
          if (n_values >= 0 && k >= n_values)
            {
              g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                           "%s: value %u at voxel %" G_GSIZE_FORMAT " is not a label of the dataset (0–%d)",
                           pred, k, j, n_values - 1);
              return FALSE;
            }
          if (k == 65535)
            {
              g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                           "%s: value 65535 at voxel %" G_GSIZE_FORMAT " has no Pellucid label", pred, j);
              return FALSE;
            }
          labels->data[j] = values[k];
        }
      out = g_build_filename (proposals_dir, out_file, NULL);
      if (!pl_labels_save (labels, volume, out, error))
        return FALSE;
      g_free (c->proposal_path);
      c->proposal_path = g_steal_pointer (&out);
      c->state = PL_CASE_PROPOSED;
      count++;
    }
  if (n_imported)
    *n_imported = count;
  return TRUE;
}

/* ---- verification ------------------------------------------------------------- */

static gboolean
invalid (GError    **error,
         const char *format,
         ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError    **error,
         const char *format,
         ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, PL_ERROR, PL_ERROR_INVALID, message);
  return FALSE;
}

/* numpy.allclose(a, b): |a − b| ≤ atol + rtol·|b|. */
static gboolean
allclose (const double *a,
          const double *b,
          int           n)
{
  for (int i = 0; i < n; i++)
    if (!(fabs (a[i] - b[i]) <= 1e-8 + 1e-5 * fabs (b[i])))
      return FALSE;
  return TRUE;
}

/* "ID_XXXX" + ending: the identifier and the channel, or FALSE. */
static gboolean
split_channel_name (const char *file,
                    const char *ending,
                    char      **id,
                    int        *channel)
{
  gsize n = strlen (file), m = strlen (ending);
  const char *s;

  if (n < m + 6 || strcmp (file + n - m, ending) != 0)
    return FALSE;
  s = file + n - m - 5;
  if (s[0] != '_')
    return FALSE;
  for (int i = 1; i <= 4; i++)
    if (!g_ascii_isdigit (s[i]))
      return FALSE;
  *id = g_strndup (file, (gsize) (s - file));
  *channel = atoi (s + 1);
  return TRUE;
}

/* Files of dir ending in `ending`, grouped: id -> GArray of channels. */
static GHashTable *
scan_images (const char  *dir,
             const char  *ending,
             GError     **error)
{
  g_autoptr (GDir) d = NULL;
  g_autoptr (GError) local = NULL;
  g_autoptr (GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                      (GDestroyNotify) g_array_unref);
  const char *entry;

  d = g_dir_open (dir, 0, &local);
  if (!d)
    {
      invalid (error, "%s: cannot list the folder: %s", dir, local->message);
      return NULL;
    }
  while ((entry = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *id = NULL;
      int channel;
      GArray *channels;
      if (!g_str_has_suffix (entry, ending))
        continue;
      if (!split_channel_name (entry, ending, &id, &channel))
        {
          invalid (error, "%s/%s: image files must be named CASE_XXXX%s (a 4-digit channel index)",
                   dir, entry, ending);
          return NULL;
        }
      channels = g_hash_table_lookup (ids, id);
      if (!channels)
        {
          channels = g_array_new (FALSE, FALSE, sizeof (int));
          g_hash_table_insert (ids, g_strdup (id), channels);
        }
      g_array_append_val (channels, channel);
    }
  return g_steal_pointer (&ids);
}

static gboolean
check_labels_dict (JsonObject  *labels,
                   const char  *json_path,
                   guint8      *allowed,
                   GError     **error)
{
  g_autoptr (GList) members = json_object_get_members (labels);
  g_autoptr (GArray) values = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 ignore = -1, max = -1;

  if (!member_is (labels, "background", G_TYPE_INT64) || json_object_get_int_member (labels, "background") != 0)
    return invalid (error, "%s: \"labels\" must declare \"background\": 0", json_path);
  for (GList *l = members; l; l = l->next)
    {
      const char *name = l->data;
      gint64 v;
      if (!member_is (labels, name, G_TYPE_INT64))
        return invalid (error, "%s: label \"%s\" is not an integer (region-based labels are not checked here)",
                        json_path, name);
      v = json_object_get_int_member (labels, name);
      if (v < 0 || v > 65535)
        return invalid (error, "%s: label \"%s\" = %" G_GINT64_FORMAT " is out of range", json_path, name, v);
      if (strcmp (name, "ignore") == 0)
        {
          ignore = v;
          continue;
        }
      g_array_append_val (values, v);
      max = MAX (max, v);
    }
  if (ignore >= 0 && ignore != max + 1)
    return invalid (error, "%s: the ignore label (%" G_GINT64_FORMAT ") must be the highest label value, "
                    "one above the others (%" G_GINT64_FORMAT ")", json_path, ignore, max + 1);
  memset (allowed, 0, 65536);
  for (guint i = 0; i < values->len; i++)
    allowed[g_array_index (values, gint64, i)] = 1;
  if (ignore >= 0)
    allowed[ignore] = 1;
  for (gint64 v = 0; v <= MAX (max, ignore); v++)
    if (!allowed[v])
      return invalid (error, "%s: labels must be consecutive from 0 (0, 1, 2, …); %" G_GINT64_FORMAT
                      " is missing", json_path, v);
  return TRUE;
}

static gboolean
check_case (const char   *images_dir,
            const char   *label_path,
            const char   *id,
            const char   *ending,
            int           n_channels,
            const guint8 *allowed,
            GError      **error)
{
  g_autoptr (PlVolume) seg = NULL;
  gsize n;

  seg = pl_volume_load (label_path, 0, NULL, error);
  if (!seg)
    return FALSE;
  if (seg->n_volumes != 1)
    return invalid (error, "%s: a label file must be 3-D (it holds %" G_GINT64_FORMAT " volumes)",
                    label_path, seg->n_volumes);
  if (seg->n_nonfinite > 0)
    return invalid (error, "%s: segmentation contains NaN or infinite values", label_path);
  n = pl_volume_n_voxels (seg);
  for (gsize i = 0; i < n; i++)
    {
      float v = seg->data[i];
      if (v != floorf (v) || v < 0 || v > 65535 || !allowed[(int) v])
        return invalid (error, "%s: unexpected label %g at voxel %" G_GSIZE_FORMAT
                        " (not in dataset.json \"labels\")", label_path, v, i);
    }
  for (int ch = 0; ch < n_channels; ch++)
    {
      g_autofree char *file = g_strdup_printf ("%s_%04d%s", id, ch, ending);
      g_autofree char *path = g_build_filename (images_dir, file, NULL);
      g_autoptr (PlVolume) image = pl_volume_load (path, 0, NULL, error);
      if (!image)
        return FALSE;
      if (image->n_volumes != 1)
        return invalid (error, "%s: each channel must be its own 3-D file", path);
      if (image->n_nonfinite > 0)
        return invalid (error, "%s: image contains %" G_GINT64_FORMAT " NaN or infinite values",
                        path, image->n_nonfinite);
      for (int a = 0; a < 3; a++)
        if (image->dim[a] != seg->dim[a])
          return invalid (error, "%s: shape %" G_GINT64_FORMAT "×%" G_GINT64_FORMAT "×%" G_GINT64_FORMAT
                          " differs from the image's %" G_GINT64_FORMAT "×%" G_GINT64_FORMAT "×%" G_GINT64_FORMAT
                          " (%s)", label_path, seg->dim[0], seg->dim[1], seg->dim[2],
                          image->dim[0], image->dim[1], image->dim[2], path);
      if (!allclose (seg->pixdim, image->pixdim, 3))
        return invalid (error, "%s: spacing %g×%g×%g differs from the image's %g×%g×%g (%s)", label_path,
                        seg->pixdim[0], seg->pixdim[1], seg->pixdim[2],
                        image->pixdim[0], image->pixdim[1], image->pixdim[2], path);
      for (int r = 0; r < 3; r++)
        {
          if (!allclose (&seg->vox2world[r][3], &image->vox2world[r][3], 1))
            return invalid (error, "%s: origin differs from the image's (%s)", label_path, path);
          if (!allclose (seg->vox2world[r], image->vox2world[r], 3))
            return invalid (error, "%s: direction (voxel-to-world matrix) differs from the image's (%s)",
                            label_path, path);
        }
    }
  return TRUE;
}

gboolean
pl_nnunet_verify (const char  *dataset_dir,
                  GError     **error)
{
  g_autofree char *json_path = g_build_filename (dataset_dir, "dataset.json", NULL);
  g_autofree char *images_tr = g_build_filename (dataset_dir, "imagesTr", NULL);
  g_autofree char *labels_tr = g_build_filename (dataset_dir, "labelsTr", NULL);
  g_autofree char *images_ts = g_build_filename (dataset_dir, "imagesTs", NULL);
  g_autofree guint8 *allowed = g_new0 (guint8, 65536);
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GHashTable) ids = NULL;
  g_autoptr (GList) keys = NULL;
  const char *required[] = { "labels", "channel_names", "numTraining", "file_ending" };
  JsonObject *o;
  const char *ending;
  gint64 num_training;
  int n_channels;

  if (!g_file_test (json_path, G_FILE_TEST_IS_REGULAR))
    return invalid (error, "%s: there needs to be a dataset.json", dataset_dir);
  parser = load_json (json_path, error);
  if (!parser)
    return FALSE;
  o = json_node_get_object (json_parser_get_root (parser));
  for (guint i = 0; i < G_N_ELEMENTS (required); i++)
    if (!json_object_has_member (o, required[i]))
      return invalid (error, "%s: required key \"%s\" is missing", json_path, required[i]);
  if (!g_file_test (images_tr, G_FILE_TEST_IS_DIR) || !g_file_test (labels_tr, G_FILE_TEST_IS_DIR))
    return invalid (error, "%s: there need to be imagesTr and labelsTr folders", dataset_dir);
  if (!JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "channel_names"))
      || json_object_get_size (json_object_get_object_member (o, "channel_names")) == 0)
    return invalid (error, "%s: \"channel_names\" must be a non-empty object", json_path);
  if (!member_is (o, "numTraining", G_TYPE_INT64))
    return invalid (error, "%s: \"numTraining\" must be an integer", json_path);
  if (!member_is (o, "file_ending", G_TYPE_STRING))
    return invalid (error, "%s: \"file_ending\" must be a string", json_path);
  if (!JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "labels")))
    return invalid (error, "%s: \"labels\" must be an object", json_path);
  n_channels = (int) json_object_get_size (json_object_get_object_member (o, "channel_names"));
  num_training = json_object_get_int_member (o, "numTraining");
  ending = json_object_get_string_member (o, "file_ending");
  if (!check_labels_dict (json_object_get_object_member (o, "labels"), json_path, allowed, error))
    return FALSE;

  ids = scan_images (images_tr, ending, error);
  if (!ids)
    return FALSE;
  if ((gint64) g_hash_table_size (ids) != num_training)
    return invalid (error, "%s: numTraining is %" G_GINT64_FORMAT " but imagesTr holds %u cases",
                    json_path, num_training, g_hash_table_size (ids));
  keys = g_hash_table_get_keys (ids);
  keys = g_list_sort (keys, (GCompareFunc) strcmp);
  for (GList *l = keys; l; l = l->next)
    {
      const char *id = l->data;
      GArray *channels = g_hash_table_lookup (ids, id);
      g_autofree char *label_file = g_strconcat (id, ending, NULL);
      g_autofree char *label_path = g_build_filename (labels_tr, label_file, NULL);
      if ((int) channels->len != n_channels)
        return invalid (error, "%s/%s_XXXX%s: %u channel files, dataset.json names %d", images_tr, id,
                        ending, channels->len, n_channels);
      for (guint c = 0; c < channels->len; c++)
        if (g_array_index (channels, int, c) >= n_channels)
          return invalid (error, "%s/%s_%04d%s: channel index beyond channel_names (0–%d)", images_tr, id,
                          g_array_index (channels, int, c), ending, n_channels - 1);
      if (!g_file_test (label_path, G_FILE_TEST_IS_REGULAR))
        return invalid (error, "%s: missing: every training case needs a label file in labelsTr", label_path);
      if (!check_case (images_tr, label_path, id, ending, n_channels, allowed, error))
        return FALSE;
    }
  if (g_file_test (images_ts, G_FILE_TEST_IS_DIR))
    {
      g_autoptr (GHashTable) ts = scan_images (images_ts, ending, error);
      if (!ts)
        return FALSE;
    }
  return TRUE;
}
