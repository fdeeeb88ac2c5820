/* Recovery files: write, find, discard.  See pel-recovery.h. */
#define G_LOG_DOMAIN "pel-recovery"

#include "src/pel-recovery.h"

#include "engine/core/json-limits.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

char *
pel_recovery_default_dir (void)
{
  return g_build_filename (g_get_user_state_dir (), "pellucid", "recovery", NULL);
}

char *
pel_recovery_key (const char *volume_path)
{
  g_autofree char *canonical = g_canonicalize_filename (volume_path, NULL);
  return g_compute_checksum_for_string (G_CHECKSUM_SHA1, canonical, -1);
}

static char *
recovery_file (const char *dir,
               const char *volume_path,
               const char *suffix)
{
  g_autofree char *key = pel_recovery_key (volume_path);
  g_autofree char *name = g_strconcat (key, suffix, NULL);
  return g_build_filename (dir, name, NULL);
}

/* Which file is at path now (device, inode, size, modification time), or
 * NULL when there is none.  A save replaces the file by rename, so every
 * save gives a new identity, even within one clock tick. */
static char *
file_identity (const char *path)
{
  struct stat st;

  if (path == NULL || stat (path, &st) != 0)
    return NULL;
  return g_strdup_printf ("%ju:%ju:%jd:%jd.%09ld", (uintmax_t) st.st_dev, (uintmax_t) st.st_ino,
                          (intmax_t) st.st_size, (intmax_t) st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

gboolean
pel_recovery_write (const char         *dir,
                    const char         *volume_path,
                    const char         *labels_path,
                    const PlVolume     *reference,
                    const PlLabels     *labels,
                    const PlLabelTable *table,
                    gint64              snapshot_us,
                    GError            **error)
{
  g_autofree char *nii = recovery_file (dir, volume_path, ".nii.gz");
  g_autofree char *txt = recovery_file (dir, volume_path, ".txt");
  g_autofree char *json = recovery_file (dir, volume_path, ".json");
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;
  g_autofree char *canonical = g_canonicalize_filename (volume_path, NULL);
  g_autofree char *saved_id = file_identity (labels_path);

  g_return_val_if_fail (dir != NULL && volume_path != NULL, FALSE);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "Cannot create the recovery folder %s: %s", dir, g_strerror (saved));
      return FALSE;
    }
  if (!pl_labels_save (labels, reference, nii, error))
    return FALSE;
  if (table != NULL && !pl_label_table_save (table, txt, error))
    return FALSE;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "volume");
  json_builder_add_string_value (builder, canonical);
  json_builder_set_member_name (builder, "labels");
  if (labels_path)
    json_builder_add_string_value (builder, labels_path);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "time");
  json_builder_add_int_value (builder, snapshot_us / G_USEC_PER_SEC);
  json_builder_set_member_name (builder, "snapshot_us");
  json_builder_add_int_value (builder, snapshot_us);
  json_builder_set_member_name (builder, "labels_file");
  if (saved_id)
    json_builder_add_string_value (builder, saved_id);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = json_to_string (root, TRUE);
  /* g_file_set_contents writes a temporary file and renames it. */
  return g_file_set_contents (json, text, -1, error);
}

/* Whether the segmentation saved at labels_path is newer than the
 * recovery: it was replaced since the recovery recorded it.  A saved file
 * that has gone leaves the recovery as the only copy. */
static gboolean
saved_since (JsonObject *obj,
             const char *labels_path,
             gint64      time)
{
  g_autofree char *now = file_identity (labels_path);
  struct stat st;

  if (labels_path == NULL || now == NULL)
    return FALSE;
  if (json_object_has_member (obj, "labels_file"))
    {
      JsonNode *recorded = json_object_get_member (obj, "labels_file");
      return JSON_NODE_HOLDS_NULL (recorded)
             || !JSON_NODE_HOLDS_VALUE (recorded)
             || json_node_get_value_type (recorded) != G_TYPE_STRING
             || strcmp (json_node_get_string (recorded), now) != 0;
    }
  /* Written before labels_file existed: by the second, as then. */
  return stat (labels_path, &st) == 0 && (gint64) st.st_mtime >= time;
}

PelRecovery *
pel_recovery_find (const char *dir,
                   const char *volume_path)
{
  g_autofree char *json = recovery_file (dir, volume_path, ".json");
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (PelRecovery) rec = NULL;
  g_autofree char *canonical = g_canonicalize_filename (volume_path, NULL);
  g_autofree char *text = NULL;
  gsize length;
  JsonObject *obj;
  JsonNode *root;

  /* Ours is a few hundred bytes; anything else is not a recovery file and
   * must not crash the opening of an image. */
  if (!g_file_get_contents (json, &text, &length, NULL) || length > 64 * 1024
      || !pl_json_nesting_ok (text, (gssize) length, PL_JSON_MAX_DEPTH)
      || !json_parser_load_from_data (parser, text, (gssize) length, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  obj = json_node_get_object (root);
  if (g_strcmp0 (json_object_get_string_member_with_default (obj, "volume", ""), canonical) != 0)
    return NULL;   /* a SHA-1 collision, or a hand-edited file */

  rec = g_new0 (PelRecovery, 1);
  rec->volume_path = g_strdup (canonical);
  if (json_object_has_member (obj, "labels") && !json_object_get_null_member (obj, "labels"))
    rec->labels_path = g_strdup (json_object_get_string_member_with_default (obj, "labels", NULL));
  rec->time = json_object_get_int_member_with_default (obj, "time", 0);
  rec->snapshot_us = json_object_get_int_member_with_default (obj, "snapshot_us",
                                                              rec->time * G_USEC_PER_SEC);
  rec->labels_file = recovery_file (dir, volume_path, ".nii.gz");
  rec->table_file = recovery_file (dir, volume_path, ".txt");
  if (!g_file_test (rec->labels_file, G_FILE_TEST_EXISTS))
    return NULL;
  if (saved_since (obj, rec->labels_path, rec->time))
    return NULL;
  return g_steal_pointer (&rec);
}

void
pel_recovery_discard (const char *dir,
                      const char *volume_path)
{
  static const char *suffixes[] = { ".json", ".nii.gz", ".txt" };

  /* JSON first: without it the rest is never offered. */
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = recovery_file (dir, volume_path, suffixes[i]);
      g_remove (path);
    }
}

void
pel_recovery_free (PelRecovery *recovery)
{
  if (recovery == NULL)
    return;
  g_free (recovery->volume_path);
  g_free (recovery->labels_path);
  g_free (recovery->labels_file);
  g_free (recovery->table_file);
  g_free (recovery);
}
