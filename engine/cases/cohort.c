/* Case lists from folders, list files and file arguments; the manifest of
 * case states.  See cohort.h. */
#define G_LOG_DOMAIN "pl-cohort"

#include "engine/cases/cohort.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "engine/core/atomic-file.h"
#include "engine/core/error.h"
#include "engine/core/json-limits.h"
#include "engine/data/dataset.h"

struct _PlCohort
{
  GPtrArray *cases;    /* PlCase */
  char      *root;
};

static const char *const state_names[] = { "untouched", "painted", "proposed", "reviewed" };

/* Longest first, so that .nii.gz is not taken for .gz. */
static const char *const nifti_suffixes[] = { ".nii.gz", ".hdr.gz", ".nii", ".hdr" };

const char *
pl_case_state_to_string (PlCaseState state)
{
  g_return_val_if_fail ((guint) state < G_N_ELEMENTS (state_names), "untouched");
  return state_names[state];
}

int
pl_case_state_from_string (const char *text)
{
  for (guint i = 0; text && i < G_N_ELEMENTS (state_names); i++)
    if (strcmp (text, state_names[i]) == 0)
      return (int) i;
  return -1;
}

static const char *
nifti_suffix (const char *path)
{
  for (guint i = 0; i < G_N_ELEMENTS (nifti_suffixes); i++)
    {
      gsize n = strlen (path), m = strlen (nifti_suffixes[i]);
      if (n > m && g_ascii_strcasecmp (path + n - m, nifti_suffixes[i]) == 0)
        return path + n - m;
    }
  return NULL;
}

gboolean
pl_path_is_nifti (const char *path)
{
  return path != NULL && nifti_suffix (path) != NULL;
}

char *
pl_case_name_from_path (const char *path)
{
  g_autofree char *base = NULL;
  const char *suffix;

  g_return_val_if_fail (path != NULL, NULL);
  base = g_path_get_basename (path);
  suffix = nifti_suffix (base);
  if (suffix == NULL || suffix == base)
    return NULL;
  return g_strndup (base, (gsize) (suffix - base));
}

static void
case_free (gpointer p)
{
  PlCase *c = p;
  g_free (c->name);
  g_free (c->image_path);
  g_free (c->labels_path);
  g_free (c->proposal_path);
  if (c->slice_entropy)
    g_array_unref (c->slice_entropy);
  g_free (c);
}

static PlCohort *
cohort_new (const char *root)
{
  PlCohort *cohort = g_new0 (PlCohort, 1);
  cohort->cases = g_ptr_array_new_with_free_func (case_free);
  cohort->root = g_strdup (root);
  return cohort;
}

PlCohort *
pl_cohort_copy (const PlCohort *cohort)
{
  PlCohort *copy = cohort_new (cohort->root);

  for (guint i = 0; i < cohort->cases->len; i++)
    {
      const PlCase *c = g_ptr_array_index (cohort->cases, i);
      PlCase *d = g_new0 (PlCase, 1);

      *d = *c;
      d->name = g_strdup (c->name);
      d->image_path = g_strdup (c->image_path);
      d->labels_path = g_strdup (c->labels_path);
      d->proposal_path = g_strdup (c->proposal_path);
      if (c->slice_entropy)
        {
          d->slice_entropy = g_array_sized_new (FALSE, FALSE, sizeof (double), c->slice_entropy->len);
          g_array_append_vals (d->slice_entropy, c->slice_entropy->data, c->slice_entropy->len);
        }
      g_ptr_array_add (copy->cases, d);
    }
  return copy;
}

void
pl_cohort_free (PlCohort *cohort)
{
  if (cohort == NULL)
    return;
  g_ptr_array_unref (cohort->cases);
  g_free (cohort->root);
  g_free (cohort);
}

guint
pl_cohort_get_n (const PlCohort *cohort)
{
  return cohort->cases->len;
}

PlCase *
pl_cohort_get_case (PlCohort *cohort,
                    guint     i)
{
  g_return_val_if_fail (i < cohort->cases->len, NULL);
  return g_ptr_array_index (cohort->cases, i);
}

PlCase *
pl_cohort_lookup (PlCohort   *cohort,
                  const char *name)
{
  for (guint i = 0; i < cohort->cases->len; i++)
    {
      PlCase *c = g_ptr_array_index (cohort->cases, i);
      if (strcmp (c->name, name) == 0)
        return c;
    }
  return NULL;
}

const char *
pl_cohort_get_root (const PlCohort *cohort)
{
  return cohort->root;
}

void
pl_cohort_count_states (const PlCohort *cohort,
                        guint           counts[4])
{
  memset (counts, 0, 4 * sizeof (guint));
  for (guint i = 0; i < cohort->cases->len; i++)
    counts[((PlCase *) g_ptr_array_index (cohort->cases, i))->state]++;
}

/* Adds a case; fails when its name is taken. */
static gboolean
add_case (PlCohort    *cohort,
          const char  *name,
          const char  *image,
          const char  *labels,
          gboolean     test,
          GError     **error)
{
  PlCase *other = pl_cohort_lookup (cohort, name);
  PlCase *c;

  if (other)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "%s and %s both give the case name '%s'; case names must be unique",
                   other->image_path, image, name);
      return FALSE;
    }
  c = g_new0 (PlCase, 1);
  c->name = g_strdup (name);
  c->image_path = g_strdup (image);
  c->labels_path = g_strdup (labels);
  c->state = labels ? PL_CASE_PAINTED : PL_CASE_UNTOUCHED;
  c->painted_slices = -1;
  c->entropy = -1.0;
  c->test = test;
  g_ptr_array_add (cohort->cases, c);
  return TRUE;
}

/* The segmentation of image NAME in folder dir by the naming rule, or NULL. */
static char *
find_segmentation (const char *dir,
                   const char *name)
{
  /* (subfolder, suffix) pairs, in order of preference. */
  const char *const rules[][2] = {
    { NULL, "_seg.nii.gz" }, { NULL, "_seg.nii" }, { "labels", ".nii.gz" }, { "labels", ".nii" },
    { "labels", "_seg.nii.gz" }, { "labels", "_seg.nii" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (rules); i++)
    {
      g_autofree char *file = g_strconcat (name, rules[i][1], NULL);
      g_autofree char *path = g_build_filename (dir, rules[i][0] ? rules[i][0] : file,
                                                rules[i][0] ? file : NULL, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&path);
    }
  return NULL;
}

static gboolean
is_segmentation_name (const char *name)
{
  return g_str_has_suffix (name, "_seg");
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Sorted NIfTI file names of a folder (not hidden). */
static GPtrArray *
list_nifti (const char  *dir,
            GError     **error)
{
  g_autoptr (GDir) d = NULL;
  g_autoptr (GError) local = NULL;
  GPtrArray *names;
  const char *entry;

  d = g_dir_open (dir, 0, &local);
  if (!d)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_IO, "%s: cannot list the folder: %s", dir, local->message);
      return NULL;
    }
  names = g_ptr_array_new_with_free_func (g_free);
  while ((entry = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = NULL;
      if (entry[0] == '.' || !pl_path_is_nifti (entry))
        continue;
      path = g_build_filename (dir, entry, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (names, g_strdup (entry));
    }
  g_ptr_array_sort (names, compare_strings);
  return names;
}

static gboolean
open_nnunet (PlCohort    *cohort,
             const char  *dir,
             GError     **error)
{
  const char *const subdirs[2] = { "imagesTr", "imagesTs" };

  for (int s = 0; s < 2; s++)
    {
      g_autofree char *images = g_build_filename (dir, subdirs[s], NULL);
      g_autoptr (GPtrArray) names = NULL;

      if (!g_file_test (images, G_FILE_TEST_IS_DIR))
        continue;
      names = list_nifti (images, error);
      if (!names)
        return FALSE;
      for (guint i = 0; i < names->len; i++)
        {
          const char *file = g_ptr_array_index (names, i);
          g_autofree char *path = g_build_filename (images, file, NULL);
          g_autofree char *stem = pl_case_name_from_path (file);
          g_autofree char *name = NULL, *labels = NULL;
          gsize n = strlen (stem);
          const char *ending = nifti_suffix (file);

          if (n < 6 || stem[n - 5] != '_' || !g_ascii_isdigit (stem[n - 4]) || !g_ascii_isdigit (stem[n - 3])
              || !g_ascii_isdigit (stem[n - 2]) || !g_ascii_isdigit (stem[n - 1]))
            {
              g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                           "%s: an nnU-Net image must be named CASE_0000%s (a 4-digit channel)", path, ending);
              return FALSE;
            }
          if (strcmp (stem + n - 4, "0000") != 0)
            {
              g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                           "%s: channel %s; only single-channel datasets (_0000) are supported",
                           path, stem + n - 4);
              return FALSE;
            }
          name = g_strndup (stem, n - 5);
          if (s == 0)
            {
              g_autofree char *lfile = g_strconcat (name, ending, NULL);
              labels = g_build_filename (dir, "labelsTr", lfile, NULL);
              if (!g_file_test (labels, G_FILE_TEST_IS_REGULAR))
                {
                  g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                               "%s: training image without its label file %s", path, labels);
                  return FALSE;
                }
            }
          if (!add_case (cohort, name, path, labels, s == 1, error))
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
load_manifest_if_present (PlCohort  *cohort,
                          GError   **error)
{
  g_autofree char *path = g_build_filename (cohort->root, PL_COHORT_MANIFEST, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  return pl_cohort_load_manifest (cohort, path, error);
}

static gboolean
check_not_empty (PlCohort    *cohort,
                 const char  *what,
                 GError     **error)
{
  if (cohort->cases->len > 0)
    return TRUE;
  g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
               "%s: no NIfTI images (.nii, .nii.gz, .hdr) found", what);
  return FALSE;
}

PlCohort *
pl_cohort_open_folder (const char  *dir,
                       GError     **error)
{
  g_autoptr (PlCohort) cohort = NULL;
  g_autofree char *tr = NULL, *ts = NULL;

  g_return_val_if_fail (dir != NULL, NULL);

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_IO, "%s: not a folder", dir);
      return NULL;
    }
  cohort = cohort_new (dir);
  tr = g_build_filename (dir, "imagesTr", NULL);
  ts = g_build_filename (dir, "imagesTs", NULL);
  if (g_file_test (tr, G_FILE_TEST_IS_DIR) || g_file_test (ts, G_FILE_TEST_IS_DIR))
    {
      if (!open_nnunet (cohort, dir, error))
        return NULL;
    }
  else
    {
      g_autoptr (GPtrArray) names = list_nifti (dir, error);
      if (!names)
        return NULL;
      for (guint i = 0; i < names->len; i++)
        {
          const char *file = g_ptr_array_index (names, i);
          g_autofree char *name = pl_case_name_from_path (file);
          g_autofree char *path = NULL, *seg = NULL;
          if (is_segmentation_name (name))
            continue;
          path = g_build_filename (dir, file, NULL);
          seg = find_segmentation (dir, name);
          if (!add_case (cohort, name, path, seg, FALSE, error))
            return NULL;
        }
    }
  if (!check_not_empty (cohort, dir, error) || !load_manifest_if_present (cohort, error))
    return NULL;
  return g_steal_pointer (&cohort);
}

static char *
resolve (const char *base_dir,
         const char *path)
{
  if (g_path_is_absolute (path))
    return g_strdup (path);
  return g_build_filename (base_dir, path, NULL);
}

PlCohort *
pl_cohort_open_list (const char  *list_path,
                     GError     **error)
{
  g_autoptr (PlCohort) cohort = NULL;
  g_autoptr (GError) local = NULL;
  g_autofree char *text = NULL, *dir = NULL;
  g_auto (GStrv) lines = NULL;

  g_return_val_if_fail (list_path != NULL, NULL);

  if (!g_file_get_contents (list_path, &text, NULL, &local))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_IO, "%s: cannot read the case list: %s", list_path, local->message);
      return NULL;
    }
  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID, "%s: the case list is not UTF-8 text", list_path);
      return NULL;
    }
  dir = g_path_get_dirname (list_path);
  cohort = cohort_new (dir);
  lines = g_strsplit (text, "\n", -1);
  for (int ln = 0; lines[ln]; ln++)
    {
      char *line = g_strstrip (lines[ln]);
      g_auto (GStrv) fields = NULL;
      g_autofree char *image = NULL, *labels = NULL, *name = NULL;

      if (line[0] == '\0' || line[0] == '#')
        continue;
      fields = g_strsplit (line, "\t", 3);
      if (fields[1] && fields[2])
        {
          g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                       "%s:%d: more than two fields (IMAGE<TAB>SEGMENTATION)", list_path, ln + 1);
          return NULL;
        }
      image = resolve (dir, g_strstrip (fields[0]));
      if (!pl_path_is_nifti (image))
        {
          g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                       "%s:%d: %s is not a NIfTI file name (.nii, .nii.gz, .hdr)", list_path, ln + 1, image);
          return NULL;
        }
      if (!g_file_test (image, G_FILE_TEST_IS_REGULAR))
        {
          g_set_error (error, PL_ERROR, PL_ERROR_IO,
                       "%s:%d: %s does not exist", list_path, ln + 1, image);
          return NULL;
        }
      name = pl_case_name_from_path (image);
      if (fields[1] && *g_strstrip (fields[1]))
        {
          labels = resolve (dir, fields[1]);
          if (!g_file_test (labels, G_FILE_TEST_IS_REGULAR))
            {
              g_set_error (error, PL_ERROR, PL_ERROR_IO,
                           "%s:%d: segmentation %s does not exist", list_path, ln + 1, labels);
              return NULL;
            }
        }
      else
        {
          g_autofree char *idir = g_path_get_dirname (image);
          labels = find_segmentation (idir, name);
        }
      if (!add_case (cohort, name, image, labels, FALSE, error))
        return NULL;
    }
  if (!check_not_empty (cohort, list_path, error) || !load_manifest_if_present (cohort, error))
    return NULL;
  return g_steal_pointer (&cohort);
}

PlCohort *
pl_cohort_open_files (const char *const *paths,
                      int                n_paths,
                      GError           **error)
{
  g_autoptr (PlCohort) cohort = NULL;
  g_autofree char *root = NULL;

  g_return_val_if_fail (paths != NULL && n_paths > 0, NULL);

  root = g_path_get_dirname (paths[0]);
  cohort = cohort_new (root);
  for (int i = 0; i < n_paths; i++)
    {
      g_autofree char *name = NULL, *dir = NULL, *seg = NULL;
      if (!pl_path_is_nifti (paths[i]))
        {
          g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                       "%s: not a NIfTI file name (.nii, .nii.gz, .hdr)", paths[i]);
          return NULL;
        }
      if (!g_file_test (paths[i], G_FILE_TEST_IS_REGULAR))
        {
          g_set_error (error, PL_ERROR, PL_ERROR_IO, "%s: no such file", paths[i]);
          return NULL;
        }
      name = pl_case_name_from_path (paths[i]);
      dir = g_path_get_dirname (paths[i]);
      seg = find_segmentation (dir, name);
      if (!add_case (cohort, name, paths[i], seg, FALSE, error))
        return NULL;
    }
  if (!load_manifest_if_present (cohort, error))
    return NULL;
  return g_steal_pointer (&cohort);
}

PlCohort *
pl_cohort_open (const char *const *paths,
                int                n_paths,
                GError           **error)
{
  g_return_val_if_fail (paths != NULL, NULL);

  if (n_paths < 1)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID, "no cases given (a folder, a list file or images)");
      return NULL;
    }
  for (int i = 0; i < n_paths; i++)
    if (!g_file_test (paths[i], G_FILE_TEST_EXISTS))
      {
        g_set_error (error, PL_ERROR, PL_ERROR_IO, "%s: no such file or folder", paths[i]);
        return NULL;
      }
  if (n_paths == 1 && g_file_test (paths[0], G_FILE_TEST_IS_DIR))
    return pl_cohort_open_folder (paths[0], error);
  if (n_paths == 1 && !pl_path_is_nifti (paths[0]))
    return pl_cohort_open_list (paths[0], error);
  return pl_cohort_open_files (paths, n_paths, error);
}

/* ---- manifest --------------------------------------------------------------- */

static char *
relative_to (const char *root,
             const char *path)
{
  gsize n = strlen (root);
  if (g_str_has_prefix (path, root) && path[n] == G_DIR_SEPARATOR)
    return g_strdup (path + n + 1);
  return g_strdup (path);
}

char *
pl_cohort_manifest_path (const PlCohort *cohort)
{
  return g_build_filename (cohort->root, PL_COHORT_MANIFEST, NULL);
}

char *
pl_cohort_manifest_to_data (const PlCohort *cohort,
                            gsize          *length)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  char *text;
  gsize len;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, "pellucid-cases");
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "cases");
  json_builder_begin_array (b);
  for (guint i = 0; i < cohort->cases->len; i++)
    {
      const PlCase *c = g_ptr_array_index (cohort->cases, i);
      g_autofree char *image = relative_to (cohort->root, c->image_path);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, c->name);
      json_builder_set_member_name (b, "image");
      json_builder_add_string_value (b, image);
      json_builder_set_member_name (b, "state");
      json_builder_add_string_value (b, pl_case_state_to_string (c->state));
      json_builder_set_member_name (b, "painted_slices");
      json_builder_add_int_value (b, c->painted_slices);
      json_builder_set_member_name (b, "proposal");
      if (c->proposal_path)
        {
          g_autofree char *rel = relative_to (cohort->root, c->proposal_path);
          json_builder_add_string_value (b, rel);
        }
      else
        json_builder_add_null_value (b);
      if (c->entropy >= 0.0)
        {
          json_builder_set_member_name (b, "entropy");
          json_builder_add_double_value (b, c->entropy);
        }
      if (c->slice_entropy)
        {
          json_builder_set_member_name (b, "entropy_axis");
          json_builder_add_int_value (b, c->entropy_axis);
          json_builder_set_member_name (b, "slice_entropy");
          json_builder_begin_array (b);
          for (guint s = 0; s < c->slice_entropy->len; s++)
            json_builder_add_double_value (b, g_array_index (c->slice_entropy, double, s));
          json_builder_end_array (b);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, &len);
  text = g_realloc (text, len + 2);
  text[len++] = '\n';
  text[len] = '\0';
  if (length)
    *length = len;
  return text;
}

gboolean
pl_cohort_write_manifest_data (const char  *path,
                               const char  *data,
                               gsize        length,
                               GError     **error)
{
  PlAtomicFile *file = pl_atomic_file_new (path, PL_ERROR, PL_ERROR_IO, error);

  if (!file)
    return FALSE;
  if (!pl_atomic_file_write (file, data, length, error))
    {
      pl_atomic_file_abort (file);
      return FALSE;
    }
  return pl_atomic_file_commit (file, error);
}

gboolean
pl_cohort_save_manifest (const PlCohort  *cohort,
                         const char      *path,
                         GError         **error)
{
  g_autofree char *default_path = NULL;
  g_autofree char *text = NULL;
  gsize len;

  if (path == NULL)
    path = default_path = pl_cohort_manifest_path (cohort);
  text = pl_cohort_manifest_to_data (cohort, &len);
  return pl_cohort_write_manifest_data (path, text, len, error);
}

gboolean
pl_cohort_load_manifest (PlCohort    *cohort,
                         const char  *path,
                         GError     **error)
{
  g_autofree char *default_path = NULL, *text = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  JsonNode *root;
  JsonObject *obj;
  JsonArray *cases;
  gsize len;

  if (path == NULL)
    path = default_path = g_build_filename (cohort->root, PL_COHORT_MANIFEST, NULL);
  if (!g_file_get_contents (path, &text, &len, &local))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_IO, "%s: cannot read the case manifest: %s", path, local->message);
      return FALSE;
    }
  if (len > (16u << 20) || !pl_json_nesting_ok (text, (gssize) len, PL_JSON_MAX_DEPTH)
      || !json_parser_load_from_data (parser, text, (gssize) len, &local))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID, "%s: not a case manifest (%s)", path,
                   local ? local->message : "too large or too deeply nested");
      return FALSE;
    }
  root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root)
      || g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (root), "format", ""),
                    "pellucid-cases") != 0)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID, "%s: not a case manifest (no \"format\": \"pellucid-cases\")", path);
      return FALSE;
    }
  obj = json_node_get_object (root);
  if (!json_object_has_member (obj, "cases") || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (obj, "cases")))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID, "%s: \"cases\" must be an array", path);
      return FALSE;
    }
  cases = json_object_get_array_member (obj, "cases");
  /* Validate everything first: a bad manifest changes nothing. */
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < json_array_get_length (cases); i++)
      {
        JsonNode *node = json_array_get_element (cases, i);
        JsonObject *co;
        const char *name, *state_text, *proposal = NULL;
        int state;
        gint64 painted = -1;
        double entropy = -1.0;
        int axis = 0;
        g_autoptr (GArray) slices = NULL;
        PlCase *c;

        if (!JSON_NODE_HOLDS_OBJECT (node))
          goto bad;
        co = json_node_get_object (node);
        if (!json_object_has_member (co, "name")
            || json_node_get_value_type (json_object_get_member (co, "name")) != G_TYPE_STRING
            || !json_object_has_member (co, "state")
            || json_node_get_value_type (json_object_get_member (co, "state")) != G_TYPE_STRING)
          goto bad;
        name = json_object_get_string_member (co, "name");
        state_text = json_object_get_string_member (co, "state");
        state = pl_case_state_from_string (state_text);
        if (state < 0)
          {
            g_set_error (error, PL_ERROR, PL_ERROR_INVALID, "%s: case %u (%s): unknown state '%s' "
                         "(untouched, painted, proposed, reviewed)", path, i + 1, name, state_text);
            return FALSE;
          }
        if (json_object_has_member (co, "painted_slices"))
          {
            JsonNode *p = json_object_get_member (co, "painted_slices");
            if (json_node_get_value_type (p) != G_TYPE_INT64)
              goto bad;
            painted = json_node_get_int (p);
          }
        if (json_object_has_member (co, "proposal") && !json_object_get_null_member (co, "proposal"))
          {
            JsonNode *p = json_object_get_member (co, "proposal");
            if (json_node_get_value_type (p) != G_TYPE_STRING)
              goto bad;
            proposal = json_node_get_string (p);
          }
        if (json_object_has_member (co, "entropy"))
          {
            GType t = json_node_get_value_type (json_object_get_member (co, "entropy"));
            if (t != G_TYPE_DOUBLE && t != G_TYPE_INT64)
              goto bad;
            entropy = json_object_get_double_member (co, "entropy");
            if (!(entropy >= 0.0))
              goto bad;
          }
        if (json_object_has_member (co, "slice_entropy"))
          {
            JsonNode *p = json_object_get_member (co, "slice_entropy");
            JsonNode *a = json_object_get_member (co, "entropy_axis");
            JsonArray *arr;

            if (!JSON_NODE_HOLDS_ARRAY (p) || a == NULL || json_node_get_value_type (a) != G_TYPE_INT64
                || json_node_get_int (a) < 0 || json_node_get_int (a) > 2)
              goto bad;
            axis = (int) json_node_get_int (a);
            arr = json_node_get_array (p);
            slices = g_array_sized_new (FALSE, FALSE, sizeof (double), json_array_get_length (arr));
            for (guint s = 0; s < json_array_get_length (arr); s++)
              {
                JsonNode *e = json_array_get_element (arr, s);
                double v;
                if (!JSON_NODE_HOLDS_VALUE (e)
                    || (json_node_get_value_type (e) != G_TYPE_DOUBLE && json_node_get_value_type (e) != G_TYPE_INT64))
                  goto bad;
                v = json_node_get_double (e);
                g_array_append_val (slices, v);
              }
          }
        if (pass == 0 || (c = pl_cohort_lookup (cohort, name)) == NULL)
          continue;
        c->entropy = entropy;
        c->entropy_axis = axis;
        if (c->slice_entropy)
          g_array_unref (c->slice_entropy);
        c->slice_entropy = g_steal_pointer (&slices);
        c->state = (PlCaseState) state;
        c->painted_slices = painted;
        g_clear_pointer (&c->proposal_path, g_free);
        if (proposal)
          c->proposal_path = resolve (cohort->root, proposal);
        continue;
      bad:
        g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                     "%s: case %u: needs \"name\" and \"state\" strings, an integer \"painted_slices\" "
                     "and a \"proposal\" path or null", path, i + 1);
        return FALSE;
      }
  return TRUE;
}

/* ---- one case --------------------------------------------------------------- */

gboolean
pl_case_load (const PlCase  *kase,
              PlVolume     **volume,
              PlLabels     **labels,
              GError       **error)
{
  g_autoptr (PlVolume) v = NULL;
  g_autoptr (PlLabels) l = NULL;

  g_return_val_if_fail (kase != NULL && volume != NULL, FALSE);

  v = pl_volume_load (kase->image_path, 0, NULL, error);
  if (!v)
    return FALSE;
  if (labels)
    {
      if (kase->labels_path)
        l = pl_labels_load (kase->labels_path, v, error);
      else
        l = pl_labels_new (v->dim);
      if (!l)
        return FALSE;
      *labels = g_steal_pointer (&l);
    }
  *volume = g_steal_pointer (&v);
  return TRUE;
}

void
pl_case_update_from_labels (PlCase         *kase,
                            const PlLabels *labels,
                            int             axis)
{
  g_autofree gint64 *counts = NULL;
  gint64 painted = 0;

  g_return_if_fail (kase != NULL && labels != NULL && axis >= 0 && axis < 3);

  counts = g_new0 (gint64, labels->dim[axis]);
  pl_labels_count_slices (labels, axis, counts);
  for (gint64 s = 0; s < labels->dim[axis]; s++)
    painted += counts[s] > 0;
  kase->painted_slices = painted;
  if (kase->state == PL_CASE_UNTOUCHED && painted > 0)
    kase->state = PL_CASE_PAINTED;
  else if (kase->state == PL_CASE_PAINTED && painted == 0)
    kase->state = PL_CASE_UNTOUCHED;
}
