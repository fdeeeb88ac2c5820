/* Cohorts: naming rules (NAME_seg, labels/, nnU-Net layout), list files,
 * file arguments, errors that name the file, the manifest of case states;
 * nnU-Net export checked by the verify_dataset_integrity checks (and those
 * checks against broken datasets), import of predictions as proposals. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "engine/cases/cohort.h"
#include "engine/cases/nnunet.h"
#include "engine/core/error.h"
#include "engine/data/dataset.h"

static const gint64 dim[3] = { 12, 10, 8 };

static PlVolume *
make_volume (double sx, double ox)
{
  const double pixdim[3] = { sx, 1.0, 2.0 };
  double v2w[4][4] = { { sx, 0, 0, ox }, { 0, 1.0, 0, -5 }, { 0, 0, 2.0, 3 }, { 0, 0, 0, 1 } };
  PlVolume *v = pl_volume_new (dim, pixdim, v2w);
  for (gsize i = 0; i < pl_volume_n_voxels (v); i++)
    v->data[i] = (float) (i % 17);
  pl_volume_update_stats (v);
  return v;
}

static char *
write_image (const char *dir, const char *rel, double sx, double ox)
{
  g_autoptr (PlVolume) v = make_volume (sx, ox);
  g_autoptr (GError) error = NULL;
  char *path = g_build_filename (dir, rel, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_mkdir_with_parents (parent, 0755);
  g_assert_true (pl_volume_save (v, path, &error));
  g_assert_no_error (error);
  return path;
}

/* kind 0: sparse (values 2 and 5 on slices 2 and 5), 1: every voxel 2/5/7,
 * 2: as 1 with the value `extra` on one voxel, 3: every voxel 0/1/2 (as
 * exported to nnU-Net). */
static char *
write_seg (const char *dir, const char *rel, int kind, guint16 extra, double sx, double ox)
{
  g_autoptr (PlVolume) ref = make_volume (sx, ox);
  g_autoptr (PlLabels) l = pl_labels_new (dim);
  g_autoptr (GError) error = NULL;
  char *path = g_build_filename (dir, rel, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  gsize plane = (gsize) dim[0] * dim[1];

  g_mkdir_with_parents (parent, 0755);
  for (gsize i = 0; i < pl_labels_n_voxels (l); i++)
    {
      gsize k = i / plane, x = i % (gsize) dim[0];
      if (kind == 0)
        l->data[i] = (k == 2 || k == 5) ? (x < 6 ? 2 : 5) : 0;
      else if (kind == 3)
        l->data[i] = (guint16) (x / 4);
      else
        l->data[i] = x < 4 ? 2 : x < 8 ? 5 : 7;
    }
  if (kind == 2)
    l->data[7] = extra;
  g_assert_true (pl_labels_save (l, ref, path, &error));
  g_assert_no_error (error);
  return path;
}

static void
touch (const char *dir, const char *rel, const char *text)
{
  g_autofree char *path = g_build_filename (dir, rel, NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static void
rm_rf (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
      const char *e;
      while (d && (e = g_dir_read_name (d)))
        {
          g_autofree char *p = g_build_filename (path, e, NULL);
          rm_rf (p);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

static char *
new_dir (const char *name)
{
  char *dir = g_dir_make_tmp (name, NULL);
  g_assert_nonnull (dir);
  return dir;
}

static void
assert_error_mentions (GError *error, const char *a, const char *b)
{
  g_assert_nonnull (error);
  g_test_message ("error: %s", error->message);
  g_assert_true (error->domain == PL_ERROR);
  g_assert_nonnull (strstr (error->message, a));
  if (b)
    g_assert_nonnull (strstr (error->message, b));
}

static void
test_folder_rules (void)
{
  g_autofree char *dir = new_dir ("pl-cases-XXXXXX");
  g_autoptr (PlCohort) cohort = NULL;
  g_autoptr (GError) error = NULL;
  G_GNUC_UNUSED g_autofree char *a = write_image (dir, "a.nii.gz", 1, 0);
  g_autofree char *aseg = write_seg (dir, "a_seg.nii.gz", 0, 0, 1, 0);
  g_autofree char *b = write_image (dir, "b.nii", 1, 0);
  g_autofree char *bseg = write_seg (dir, "labels/b.nii.gz", 1, 0, 1, 0);
  G_GNUC_UNUSED g_autofree char *c = write_image (dir, "c.nii.gz", 1, 0);
  PlCase *k;
  guint counts[4];

  touch (dir, "notes.txt", "not an image");
  cohort = pl_cohort_open_folder (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pl_cohort_get_n (cohort), ==, 3);
  k = pl_cohort_get_case (cohort, 0);
  g_assert_cmpstr (k->name, ==, "a");
  g_assert_cmpstr (k->labels_path, ==, aseg);
  g_assert_cmpint (k->state, ==, PL_CASE_PAINTED);
  k = pl_cohort_lookup (cohort, "b");
  g_assert_cmpstr (k->image_path, ==, b);
  g_assert_cmpstr (k->labels_path, ==, bseg);
  k = pl_cohort_lookup (cohort, "c");
  g_assert_null (k->labels_path);
  g_assert_cmpint (k->state, ==, PL_CASE_UNTOUCHED);
  pl_cohort_count_states (cohort, counts);
  g_assert_cmpuint (counts[PL_CASE_PAINTED], ==, 2);
  g_assert_cmpuint (counts[PL_CASE_UNTOUCHED], ==, 1);

  /* Loading one case: the labels on its grid, or an empty map. */
  {
    g_autoptr (PlVolume) v = NULL;
    g_autoptr (PlLabels) l = NULL;
    g_assert_true (pl_case_load (pl_cohort_get_case (cohort, 0), &v, &l, &error));
    g_assert_no_error (error);
    pl_case_update_from_labels (pl_cohort_get_case (cohort, 0), l, 2);
    g_assert_cmpint (pl_cohort_get_case (cohort, 0)->painted_slices, ==, 2);
    g_clear_pointer (&v, pl_volume_free);
    g_clear_pointer (&l, pl_labels_free);
    g_assert_true (pl_case_load (k, &v, &l, &error));
    g_assert_cmpuint (l->data[0], ==, 0);
    l->data[3] = 4;
    pl_case_update_from_labels (k, l, 2);
    g_assert_cmpint (k->state, ==, PL_CASE_PAINTED);
    g_assert_cmpint (k->painted_slices, ==, 1);
  }

  /* The manifest keeps states across openings. */
  pl_cohort_lookup (cohort, "b")->state = PL_CASE_REVIEWED;
  g_assert_true (pl_cohort_save_manifest (cohort, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&cohort, pl_cohort_free);
  {
    const char *args[1] = { dir };
    cohort = pl_cohort_open (args, 1, &error);
  }
  g_assert_no_error (error);
  g_assert_cmpint (pl_cohort_lookup (cohort, "b")->state, ==, PL_CASE_REVIEWED);
  g_assert_cmpint (pl_cohort_lookup (cohort, "c")->state, ==, PL_CASE_PAINTED);
  g_assert_cmpint (pl_cohort_lookup (cohort, "c")->painted_slices, ==, 1);
  g_clear_pointer (&cohort, pl_cohort_free);

  /* A bad manifest is reported by name, and changes nothing. */
  touch (dir, PL_COHORT_MANIFEST,
         "{\"format\": \"pellucid-cases\", \"cases\": [{\"name\": \"a\", \"state\": \"done\"}]}");
  cohort = pl_cohort_open_folder (dir, &error);
  g_assert_null (cohort);
  assert_error_mentions (error, PL_COHORT_MANIFEST, "'done'");
  g_clear_error (&error);
  touch (dir, PL_COHORT_MANIFEST, "[[[");
  cohort = pl_cohort_open_folder (dir, &error);
  g_assert_null (cohort);
  assert_error_mentions (error, PL_COHORT_MANIFEST, NULL);
  g_clear_error (&error);
  {
    g_autofree char *manifest = g_build_filename (dir, PL_COHORT_MANIFEST, NULL);
    g_unlink (manifest);
  }

  /* Two files giving one name. */
  {
    G_GNUC_UNUSED g_autofree char *dup = write_image (dir, "a.nii", 1, 0);
    cohort = pl_cohort_open_folder (dir, &error);
    g_assert_null (cohort);
    assert_error_mentions (error, "a.nii", "unique");
    g_clear_error (&error);
  }
  rm_rf (dir);

  /* An empty folder, a missing path. */
  {
    g_autofree char *empty = new_dir ("pl-cases-XXXXXX");
    const char *args[1] = { "/nonexistent/cases" };
    cohort = pl_cohort_open_folder (empty, &error);
    assert_error_mentions (error, empty, "no NIfTI images");
    g_clear_error (&error);
    cohort = pl_cohort_open (args, 1, &error);
    assert_error_mentions (error, "/nonexistent/cases", "no such file");
    g_clear_error (&error);
    rm_rf (empty);
  }
}

static void
test_nnunet_layout (void)
{
  g_autofree char *dir = new_dir ("pl-cases-XXXXXX");
  g_autoptr (PlCohort) cohort = NULL;
  g_autoptr (GError) error = NULL;
  G_GNUC_UNUSED g_autofree char *x = write_image (dir, "imagesTr/x_0000.nii.gz", 1, 0);
  g_autofree char *xl = write_seg (dir, "labelsTr/x.nii.gz", 1, 0, 1, 0);
  G_GNUC_UNUSED g_autofree char *y = write_image (dir, "imagesTs/y_0000.nii.gz", 1, 0);

  cohort = pl_cohort_open_folder (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pl_cohort_get_n (cohort), ==, 2);
  g_assert_cmpstr (pl_cohort_get_case (cohort, 0)->name, ==, "x");
  g_assert_cmpstr (pl_cohort_get_case (cohort, 0)->labels_path, ==, xl);
  g_assert_cmpstr (pl_cohort_get_case (cohort, 1)->name, ==, "y");
  g_assert_true (pl_cohort_get_case (cohort, 1)->test);
  g_assert_null (pl_cohort_get_case (cohort, 1)->labels_path);
  g_clear_pointer (&cohort, pl_cohort_free);

  {
    g_autofree char *z = write_image (dir, "imagesTr/z_0000.nii.gz", 1, 0);
    cohort = pl_cohort_open_folder (dir, &error);
    assert_error_mentions (error, "z_0000.nii.gz", "labelsTr");
    g_clear_error (&error);
    g_unlink (z);
  }
  {
    g_autofree char *z = write_image (dir, "imagesTr/x_0001.nii.gz", 1, 0);
    cohort = pl_cohort_open_folder (dir, &error);
    assert_error_mentions (error, "x_0001.nii.gz", "channel");
    g_clear_error (&error);
    g_unlink (z);
  }
  {
    g_autofree char *z = write_image (dir, "imagesTs/plain.nii.gz", 1, 0);
    cohort = pl_cohort_open_folder (dir, &error);
    assert_error_mentions (error, "plain.nii.gz", "CASE_0000");
    g_clear_error (&error);
    g_unlink (z);
  }
  rm_rf (dir);
}

static void
test_list_and_files (void)
{
  g_autofree char *dir = new_dir ("pl-cases-XXXXXX");
  g_autoptr (PlCohort) cohort = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *p = write_image (dir, "img/p.nii.gz", 1, 0);
  g_autofree char *pseg = write_seg (dir, "img/p_seg.nii.gz", 0, 0, 1, 0);
  g_autofree char *q = write_image (dir, "img/q.nii.gz", 1, 0);
  g_autofree char *qseg = write_seg (dir, "other/q-mask.nii.gz", 1, 0, 1, 0);
  g_autofree char *list = g_build_filename (dir, "cases.txt", NULL);

  touch (dir, "cases.txt", "# two cases\nimg/p.nii.gz\n\nimg/q.nii.gz\tother/q-mask.nii.gz\n");
  {
    const char *args[1] = { list };
    cohort = pl_cohort_open (args, 1, &error);
  }
  g_assert_no_error (error);
  g_assert_cmpuint (pl_cohort_get_n (cohort), ==, 2);
  g_assert_cmpstr (pl_cohort_get_case (cohort, 0)->labels_path, ==, pseg);
  g_assert_cmpstr (pl_cohort_get_case (cohort, 1)->labels_path, ==, qseg);
  g_assert_cmpstr (pl_cohort_get_root (cohort), ==, dir);
  g_clear_pointer (&cohort, pl_cohort_free);

  touch (dir, "cases.txt", "img/p.nii.gz\nimg/missing.nii.gz\n");
  cohort = pl_cohort_open_list (list, &error);
  assert_error_mentions (error, "cases.txt:2", "missing.nii.gz");
  g_clear_error (&error);
  touch (dir, "cases.txt", "img/p.png\n");
  cohort = pl_cohort_open_list (list, &error);
  assert_error_mentions (error, "cases.txt:1", "not a NIfTI");
  g_clear_error (&error);
  touch (dir, "cases.txt", "img/p.nii.gz\tnope.nii.gz\n");
  cohort = pl_cohort_open_list (list, &error);
  assert_error_mentions (error, "cases.txt:1", "nope.nii.gz");
  g_clear_error (&error);

  {
    const char *args[2] = { p, q };
    cohort = pl_cohort_open (args, 2, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (pl_cohort_get_n (cohort), ==, 2);
    g_assert_cmpstr (pl_cohort_get_case (cohort, 0)->labels_path, ==, pseg);
    g_assert_null (pl_cohort_get_case (cohort, 1)->labels_path);
  }
  rm_rf (dir);
}

/* A cohort of three: sparse (a), fully labelled (b), unlabelled (c). */
static PlCohort *
make_cohort (const char *dir)
{
  g_autoptr (GError) error = NULL;
  g_free (write_image (dir, "a.nii.gz", 1.5, 10));
  g_free (write_seg (dir, "a_seg.nii.gz", 0, 0, 1.5, 10));
  g_free (write_image (dir, "b.nii", 1.5, 10));
  g_free (write_seg (dir, "labels/b.nii.gz", 1, 0, 1.5, 10));
  g_free (write_image (dir, "c.nii.gz", 1.5, 10));
  PlCohort *cohort = pl_cohort_open_folder (dir, &error);
  g_assert_no_error (error);
  return cohort;
}

static void
export_to (PlCohort *cohort, const char *out)
{
  g_autoptr (GError) error = NULL;
  PlNnunetExport res;
  rm_rf (out);
  g_assert_true (pl_nnunet_export (cohort, out, NULL, &res, &error));
  g_assert_no_error (error);
}

static void
expect_verify_error (const char *out, const char *a, const char *b)
{
  g_autoptr (GError) error = NULL;
  g_assert_false (pl_nnunet_verify (out, &error));
  assert_error_mentions (error, a, b);
}

static const char *good_json =
  "{\"channel_names\": {\"0\": \"MR\"}, \"labels\": {\"background\": 0, \"label_5\": 1, \"label_7\": 2, "
  "\"ignore\": 3}, \"numTraining\": 2, \"file_ending\": \".nii.gz\"}";

static void
test_nnunet_export_verify (void)
{
  g_autofree char *dir = new_dir ("pl-cases-XXXXXX");
  g_autofree char *out = g_build_filename (dir, "Dataset001_Test", NULL);
  g_autofree char *json_path = g_build_filename (out, "dataset.json", NULL);
  g_autoptr (PlCohort) cohort = make_cohort (dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  PlNnunetExport res;
  JsonObject *o, *labels;

  g_assert_true (pl_nnunet_export (cohort, out, NULL, &res, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (res.n_training, ==, 2);
  g_assert_cmpuint (res.n_test, ==, 1);
  g_assert_cmpint (res.n_labels, ==, 3);
  g_assert_true (res.has_ignore);
  g_assert_cmpuint (res.label_values[0], ==, 2);
  g_assert_cmpuint (res.label_values[2], ==, 7);

  g_assert_true (json_parser_load_from_file (parser, json_path, NULL));
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (o, "numTraining"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (o, "file_ending"), ==, ".nii.gz");
  labels = json_object_get_object_member (o, "labels");
  g_assert_cmpint (json_object_get_int_member (labels, "background"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (labels, "label_5"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (labels, "ignore"), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "channel_names"), "0"), ==, "MR");

  /* The remapped labels: 0 (unpainted) -> ignore, 2 -> 0, 5 -> 1. */
  {
    g_autofree char *ap = g_build_filename (out, "labelsTr", "a.nii.gz", NULL);
    g_autofree char *ip = g_build_filename (out, "imagesTr", "a_0000.nii.gz", NULL);
    g_autofree char *cp = g_build_filename (out, "imagesTs", "c_0000.nii.gz", NULL);
    g_autofree char *bp = g_build_filename (out, "imagesTr", "b_0000.nii.gz", NULL);
    g_autoptr (PlVolume) img = pl_volume_load (ip, 0, NULL, &error);
    g_autoptr (PlLabels) l = pl_labels_load (ap, img, &error);
    gsize plane = (gsize) dim[0] * dim[1];
    g_assert_no_error (error);
    g_assert_cmpuint (l->data[0], ==, 3);
    g_assert_cmpuint (l->data[2 * plane + 1], ==, 0);
    g_assert_cmpuint (l->data[2 * plane + 9], ==, 1);
    g_assert_true (g_file_test (cp, G_FILE_TEST_IS_REGULAR));
    g_assert_true (g_file_test (bp, G_FILE_TEST_IS_REGULAR));   /* b.nii rewritten as .nii.gz */
  }

  g_assert_true (pl_nnunet_verify (out, &error));
  g_assert_no_error (error);

  /* Each check of verify_dataset_integrity catches its problem. */
  touch (out, "dataset.json", "{\"channel_names\": {\"0\": \"MR\"}, \"labels\": {\"background\": 0}, \"numTraining\": 2}");
  expect_verify_error (out, "dataset.json", "file_ending");
  touch (out, "dataset.json",
         "{\"channel_names\": {\"0\": \"MR\"}, \"labels\": {\"background\": 0, \"label_5\": 1, \"label_7\": 2, "
         "\"ignore\": 3}, \"numTraining\": 3, \"file_ending\": \".nii.gz\"}");
  expect_verify_error (out, "numTraining", "2 cases");
  touch (out, "dataset.json",
         "{\"channel_names\": {\"0\": \"MR\"}, \"labels\": {\"background\": 0, \"label_5\": 1, \"label_7\": 3, "
         "\"ignore\": 4}, \"numTraining\": 2, \"file_ending\": \".nii.gz\"}");
  expect_verify_error (out, "consecutive", "2 is missing");
  touch (out, "dataset.json",
         "{\"channel_names\": {\"0\": \"MR\"}, \"labels\": {\"background\": 0, \"label_5\": 1, \"label_7\": 2, "
         "\"ignore\": 1}, \"numTraining\": 2, \"file_ending\": \".nii.gz\"}");
  expect_verify_error (out, "ignore", "highest");
  touch (out, "dataset.json",
         "{\"channel_names\": {\"0\": \"MR\"}, \"labels\": {\"background\": 0, \"label_5\": 1, \"label_7\": 2}, "
         "\"numTraining\": 2, \"file_ending\": \".nii.gz\"}");
  expect_verify_error (out, "a.nii.gz", "unexpected label 3");
  touch (out, "dataset.json",
         "{\"channel_names\": {\"0\": \"MR\", \"1\": \"CT\"}, \"labels\": {\"background\": 0, \"label_5\": 1, "
         "\"label_7\": 2, \"ignore\": 3}, \"numTraining\": 2, \"file_ending\": \".nii.gz\"}");
  expect_verify_error (out, "channel", NULL);
  touch (out, "dataset.json", good_json);
  g_assert_true (pl_nnunet_verify (out, NULL));

  /* Geometry: spacing, origin, shape. */
  g_free (write_seg (out, "labelsTr/b.nii.gz", 3, 0, 1.25, 10));
  expect_verify_error (out, "labelsTr/b.nii.gz", "spacing");
  g_free (write_seg (out, "labelsTr/b.nii.gz", 3, 0, 1.5, 10.5));
  expect_verify_error (out, "labelsTr/b.nii.gz", "origin");
  {
    const gint64 d2[3] = { 12, 10, 7 };
    const double pixdim[3] = { 1.5, 1.0, 2.0 };
    double v2w[4][4] = { { 1.5, 0, 0, 10 }, { 0, 1.0, 0, -5 }, { 0, 0, 2.0, 3 }, { 0, 0, 0, 1 } };
    g_autoptr (PlVolume) ref = pl_volume_new (d2, pixdim, v2w);
    g_autoptr (PlLabels) l = pl_labels_new (d2);
    g_autofree char *p = g_build_filename (out, "labelsTr", "b.nii.gz", NULL);
    g_assert_true (pl_labels_save (l, ref, p, NULL));
    expect_verify_error (out, "labelsTr/b.nii.gz", "shape");
  }
  g_free (write_seg (out, "labelsTr/b.nii.gz", 3, 0, 1.5, 10));
  g_assert_true (pl_nnunet_verify (out, NULL));
  g_free (write_seg (out, "labelsTr/b.nii.gz", 2, 9, 1.5, 10));
  expect_verify_error (out, "labelsTr/b.nii.gz", "unexpected label");

  /* Naming: a missing label file, an image without its channel suffix. */
  export_to (cohort, out);
  {
    g_autofree char *p = g_build_filename (out, "labelsTr", "b.nii.gz", NULL);
    g_unlink (p);
    expect_verify_error (out, "labelsTr/b.nii.gz", "missing");
  }
  export_to (cohort, out);
  g_free (write_image (out, "imagesTr/stray.nii.gz", 1.5, 10));
  expect_verify_error (out, "stray.nii.gz", "4-digit channel");
  export_to (cohort, out);
  g_assert_true (pl_nnunet_verify (out, NULL));

  /* Case c painted since: exported again over the old folder, it moves
   * from imagesTs to imagesTr and the folder stays valid. */
  g_free (write_seg (dir, "c_seg.nii.gz", 0, 0, 1.5, 10));
  g_clear_pointer (&cohort, pl_cohort_free);
  cohort = pl_cohort_open_folder (dir, &error);
  g_assert_no_error (error);
  g_assert_true (pl_nnunet_export (cohort, out, NULL, &res, &error));
  g_assert_cmpuint (res.n_training, ==, 3);
  g_assert_true (pl_nnunet_verify (out, &error));
  g_assert_no_error (error);
  {
    g_autofree char *old = g_build_filename (out, "imagesTs", "c_0000.nii.gz", NULL);
    g_assert_false (g_file_test (old, G_FILE_TEST_EXISTS));
  }
  rm_rf (dir);
}

static void
test_nnunet_import (void)
{
  g_autofree char *dir = new_dir ("pl-cases-XXXXXX");
  g_autofree char *out = g_build_filename (dir, "Dataset002_Test", NULL);
  g_autofree char *json_path = g_build_filename (out, "dataset.json", NULL);
  g_autofree char *preds = g_build_filename (dir, "preds", NULL);
  g_autoptr (PlCohort) cohort = make_cohort (dir);
  g_autoptr (GError) error = NULL;
  guint n = 0;

  export_to (cohort, out);
  /* Predictions: nnU-Net labels 0, 1, 2 along i for a and c. */
  {
    g_autoptr (PlVolume) ref = make_volume (1.5, 10);
    g_autoptr (PlLabels) l = pl_labels_new (dim);
    g_autofree char *pa = g_build_filename (preds, "a.nii.gz", NULL);
    g_autofree char *pc = g_build_filename (preds, "c.nii.gz", NULL);
    g_mkdir_with_parents (preds, 0755);
    for (gsize i = 0; i < pl_labels_n_voxels (l); i++)
      l->data[i] = (guint16) ((i % (gsize) dim[0]) / 4);
    g_assert_true (pl_labels_save (l, ref, pa, NULL));
    g_assert_true (pl_labels_save (l, ref, pc, NULL));
  }
  g_assert_true (pl_nnunet_import (cohort, preds, json_path, NULL, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 2);
  {
    PlCase *c = pl_cohort_lookup (cohort, "c");
    g_autoptr (PlVolume) v = NULL;
    g_autoptr (PlLabels) p = NULL;
    g_assert_cmpint (c->state, ==, PL_CASE_PROPOSED);
    g_assert_nonnull (c->proposal_path);
    g_assert_cmpint (pl_cohort_lookup (cohort, "b")->state, ==, PL_CASE_PAINTED);
    v = pl_volume_load (c->image_path, 0, NULL, NULL);
    p = pl_labels_load (c->proposal_path, v, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (p->data[0], ==, 2);
    g_assert_cmpuint (p->data[5], ==, 5);
    g_assert_cmpuint (p->data[11], ==, 7);
  }
  /* The states survive in the manifest. */
  g_assert_true (pl_cohort_save_manifest (cohort, NULL, &error));
  g_clear_pointer (&cohort, pl_cohort_free);
  cohort = pl_cohort_open_folder (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pl_cohort_lookup (cohort, "a")->state, ==, PL_CASE_PROPOSED);
  g_assert_nonnull (strstr (pl_cohort_lookup (cohort, "a")->proposal_path, "proposals"));

  /* A value beyond the dataset's labels, a prediction on another grid. */
  g_free (write_seg (preds, "a.nii.gz", 2, 3, 1.5, 10));
  g_assert_false (pl_nnunet_import (cohort, preds, json_path, NULL, &n, &error));
  assert_error_mentions (error, "preds/a.nii.gz", "not a label of the dataset");
  g_clear_error (&error);
  g_free (write_seg (preds, "a.nii.gz", 1, 0, 1.0, 10));
  g_assert_false (pl_nnunet_import (cohort, preds, json_path, NULL, &n, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_GRID_MISMATCH);
  g_clear_error (&error);

  /* Nothing to train on. */
  {
    g_autofree char *d2 = new_dir ("pl-cases-XXXXXX");
    g_autofree char *o2 = g_build_filename (d2, "out", NULL);
    g_autoptr (PlCohort) c2 = NULL;
    g_free (write_image (d2, "u.nii.gz", 1, 0));
    c2 = pl_cohort_open_folder (d2, &error);
    g_assert_no_error (error);
    g_assert_false (pl_nnunet_export (c2, o2, NULL, NULL, &error));
    assert_error_mentions (error, d2, "no case has painted voxels");
    g_clear_error (&error);
    rm_rf (d2);
  }
  rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cases/folder-rules", test_folder_rules);
  g_test_add_func ("/cases/nnunet-layout", test_nnunet_layout);
  g_test_add_func ("/cases/list-and-files", test_list_and_files);
  g_test_add_func ("/cases/nnunet-export-verify", test_nnunet_export_verify);
  g_test_add_func ("/cases/nnunet-import", test_nnunet_import);
  return g_test_run ();
}
