/* The cohort commands end to end: the built pellucid-cli (PELLUCID_CLI) on a
 * small synthetic cohort — interpolate, measure, cases, export nnunet (and
 * its check), import nnunet, train --cases and predict --cases. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/wait.h>

#include "engine/cases/cohort.h"
#include "engine/cases/nnunet.h"
#include "engine/data/dataset.h"
#include "engine/data/labels.h"

static char *tmpdir;
static const gint64 dim[3] = { 24, 20, 12 };

typedef struct
{
  int         status;
  char       *out;
  char       *err;
  JsonParser *json;
} Run;

static void
run_clear (Run *r)
{
  g_free (r->out);
  g_free (r->err);
  g_clear_object (&r->json);
}

static Run
run_cli (const char *first, ...)
{
  const char *cli = g_getenv ("PELLUCID_CLI");
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  Run r = { 0 };
  int wait_status = 0;
  va_list ap;

  g_assert_nonnull (cli);
  g_ptr_array_add (argv, (char *) cli);
  va_start (ap, first);
  for (const char *a = first; a; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (tmpdir, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &r.out, &r.err, &wait_status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  r.status = WEXITSTATUS (wait_status);
  if (r.status != 0)
    g_test_message ("stderr: %s", r.err);
  r.json = json_parser_new ();
  if (r.status == 0 && !json_parser_load_from_data (r.json, r.out, -1, NULL))
    g_clear_object (&r.json);
  return r;
}

static JsonObject *
root (Run *r)
{
  g_assert_nonnull (r->json);
  return json_node_get_object (json_parser_get_root (r->json));
}

/* Case NAME: a bright ellipsoid (label 2) in a box (label 1); painted on
 * the given axial slices when n_slices > 0. */
static void
write_case (const char *name, double shift, const gint64 *slices, int n_slices)
{
  const double pixdim[3] = { 1.0, 1.0, 2.0 };
  g_autoptr (PlVolume) v = pl_volume_new (dim, pixdim, NULL);
  g_autoptr (PlLabels) truth = pl_labels_new (dim);
  g_autoptr (PlLabels) sparse = pl_labels_new (dim);
  g_autofree char *img = g_strdup_printf ("%s/cohort/%s.nii.gz", tmpdir, name);
  g_autofree char *seg = g_strdup_printf ("%s/cohort/%s_seg.nii.gz", tmpdir, name);
  g_autofree guint16 *buf = g_new (guint16, dim[0] * dim[1]);

  for (gint64 k = 0; k < dim[2]; k++)
    for (gint64 j = 0; j < dim[1]; j++)
      for (gint64 i = 0; i < dim[0]; i++)
        {
          double x = (i - 12 - shift) / 7.0, y = (j - 10) / 6.0, z = (k - 6) / 5.0;
          gsize idx = i + dim[0] * (j + dim[1] * k);
          gboolean in = x * x + y * y + z * z <= 1.0;
          v->data[idx] = in ? 90.0f + (float) (idx % 7) : 20.0f + (float) (idx % 5);
          truth->data[idx] = in ? 2 : 1;
        }
  pl_volume_update_stats (v);
  g_assert_true (pl_volume_save (v, img, NULL));
  for (int s = 0; s < n_slices; s++)
    {
      pl_labels_get_slice (truth, 2, slices[s], buf);
      pl_labels_set_slice (sparse, 2, slices[s], buf);
    }
  if (n_slices > 0)
    g_assert_true (pl_labels_save (sparse, v, seg, NULL));
}

static void
test_interpolate_measure (void)
{
  g_autofree char *seg = g_build_filename (tmpdir, "cohort", "a_seg.nii.gz", NULL);
  g_autofree char *out = g_build_filename (tmpdir, "a_interp.nii.gz", NULL);
  g_autofree char *csv = g_build_filename (tmpdir, "volumes.csv", NULL);
  g_autofree char *text = NULL;
  Run r;

  r = run_cli ("interpolate", "--labels", seg, "--out", out, "--axis", "axial", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpint (json_object_get_int_member (root (&r), "labels_interpolated"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (root (&r), "voxels_written"), >, 0);
  run_clear (&r);
  {
    g_autoptr (PlLabels) l = pl_labels_load (out, NULL, NULL);
    g_assert_nonnull (l);
    /* Slices 4..7 lie between the painted 3 and 8: filled. */
    g_assert_cmpuint (l->data[12 + 24 * (10 + 20 * 5)], ==, 2);
    g_assert_cmpuint (l->data[0 + 24 * (0 + 20 * 5)], ==, 1);
  }
  r = run_cli ("interpolate", "--labels", seg, "--out", out, "--labels-only", "2,x", NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "--labels-only"));
  run_clear (&r);

  r = run_cli ("measure", "--labels", seg, "--csv", csv, NULL);
  g_assert_cmpint (r.status, ==, 0);
  {
    JsonArray *a = json_object_get_array_member (root (&r), "labels");
    JsonObject *l1 = json_array_get_object_element (a, 0);
    gint64 vox = json_object_get_int_member (l1, "voxels");
    g_assert_cmpuint (json_array_get_length (a), ==, 2);
    g_assert_cmpfloat (json_object_get_double_member (root (&r), "voxel_mm3"), ==, 2.0);
    g_assert_cmpfloat_with_epsilon (json_object_get_double_member (l1, "ml"), vox * 2.0 / 1000.0, 1e-9);
  }
  run_clear (&r);
  g_assert_true (g_file_get_contents (csv, &text, NULL, NULL));
  g_assert_true (g_str_has_prefix (text, "value,name,voxels,ml\n1,,"));

  r = run_cli ("measure", "--labels", "missing.nii.gz", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "missing.nii.gz"));
  run_clear (&r);
}

static void
test_cases_export_import (void)
{
  g_autofree char *cohort = g_build_filename (tmpdir, "cohort", NULL);
  g_autofree char *ds = g_build_filename (tmpdir, "Dataset001_Phantom", NULL);
  g_autofree char *json = g_build_filename (ds, "dataset.json", NULL);
  g_autofree char *preds = g_build_filename (tmpdir, "preds", NULL);
  Run r;

  r = run_cli ("cases", "--cases", cohort, "--scan", NULL);
  g_assert_cmpint (r.status, ==, 0);
  {
    JsonObject *states = json_object_get_object_member (root (&r), "states");
    JsonArray *cases = json_object_get_array_member (root (&r), "cases");
    g_assert_cmpint (json_object_get_int_member (states, "painted"), ==, 2);
    g_assert_cmpint (json_object_get_int_member (states, "untouched"), ==, 2);
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (cases, 0), "painted_slices"), ==, 2);
  }
  run_clear (&r);

  r = run_cli ("export", "nnunet", "--cases", cohort, "--out", ds, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpint (json_object_get_int_member (root (&r), "training_cases"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (root (&r), "test_cases"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (root (&r), "ignore_label"), ==, 2);
  g_assert_true (json_object_get_boolean_member (root (&r), "verified"));
  run_clear (&r);
  r = run_cli ("export", "nnunet", "--check", ds, NULL);
  g_assert_cmpint (r.status, ==, 0);
  run_clear (&r);
  g_assert_true (g_file_set_contents (json, "{\"labels\": {\"background\": 0}}", -1, NULL));
  r = run_cli ("export", "nnunet", "--check", ds, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "dataset.json"));
  run_clear (&r);
  r = run_cli ("export", "nnunet", "--cases", cohort, "--out", ds, NULL);
  g_assert_cmpint (r.status, ==, 0);
  run_clear (&r);

  /* Predictions as nnU-Net writes them: 0/1 on each case's grid. */
  g_mkdir_with_parents (preds, 0755);
  for (int i = 0; i < 2; i++)
    {
      const char *name = i == 0 ? "c" : "d";
      g_autofree char *img = g_strdup_printf ("%s/%s.nii.gz", cohort, name);
      g_autofree char *p = g_strdup_printf ("%s/%s.nii.gz", preds, name);
      g_autoptr (PlVolume) v = pl_volume_load (img, 0, NULL, NULL);
      g_autoptr (PlLabels) l = pl_labels_new (v->dim);
      for (gsize j = 0; j < pl_labels_n_voxels (l); j++)
        l->data[j] = v->data[j] > 60.0f;
      g_assert_true (pl_labels_save (l, v, p, NULL));
    }
  r = run_cli ("import", "nnunet", "--cases", cohort, "--predictions", preds, "--dataset", json, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpint (json_object_get_int_member (root (&r), "imported"), ==, 2);
  run_clear (&r);
  {
    g_autoptr (PlCohort) c = pl_cohort_open_folder (cohort, NULL);
    PlCase *k = pl_cohort_lookup (c, "c");
    g_autoptr (PlLabels) l = NULL;
    g_assert_cmpint (k->state, ==, PL_CASE_PROPOSED);
    l = pl_labels_load (k->proposal_path, NULL, NULL);
    g_assert_cmpuint (l->data[12 + 24 * (10 + 20 * 6)], ==, 2);
    g_assert_cmpuint (l->data[0], ==, 1);
  }
}

static void
test_train_predict_cases (void)
{
  g_autofree char *cohort = g_build_filename (tmpdir, "cohort", NULL);
  g_autofree char *model = g_build_filename (tmpdir, "cases.safetensors", NULL);
  g_autofree char *props = g_build_filename (tmpdir, "props", NULL);
  Run r;

  r = run_cli ("train", "--cases", cohort, "--out", model, "--preset", "small", "--steps", "2",
               "--batch", "2", "--unlabelled-per-case", "2", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpint (json_object_get_int_member (root (&r), "cases_painted"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (root (&r), "painted_slices"), ==, 4);
  g_assert_cmpint (json_object_get_int_member (root (&r), "bank_slices"), ==, 4 + 4 * 2);
  run_clear (&r);
  r = run_cli ("predict", "--cases", cohort, "--model", model, "--out", props, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root (&r), "cases")), ==, 4);
  g_assert_true (json_object_get_boolean_member (root (&r), "per_case_normalisation"));
  g_assert_nonnull (strstr (r.err, "case 4/4 d"));
  run_clear (&r);
  {
    g_autofree char *p = g_build_filename (props, "b.nii.gz", NULL);
    g_autoptr (PlLabels) l = pl_labels_load (p, NULL, NULL);
    g_assert_nonnull (l);
    g_assert_cmpint (l->dim[2], ==, dim[2]);
  }
  r = run_cli ("train", "--cases", "/nonexistent/cohort", "--out", model, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "/nonexistent/cohort"));
  run_clear (&r);
}

int
main (int argc, char **argv)
{
  const gint64 sa[2] = { 3, 8 }, sb[2] = { 4, 7 };
  int status;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("pl-cli-cases-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);
  {
    g_autofree char *c = g_build_filename (tmpdir, "cohort", NULL);
    g_mkdir (c, 0755);
  }
  write_case ("a", 0, sa, 2);
  write_case ("b", 1, sb, 2);
  write_case ("c", -1, NULL, 0);
  write_case ("d", 2, NULL, 0);
  g_test_add_func ("/cli-cases/interpolate-measure", test_interpolate_measure);
  g_test_add_func ("/cli-cases/cases-export-import", test_cases_export_import);
  g_test_add_func ("/cli-cases/train-predict-cases", test_train_predict_cases);
  status = g_test_run ();
  if (status == 0)
    {
      g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmpdir);
      (void) !system (cmd);
    }
  g_free (tmpdir);
  return status;
}
