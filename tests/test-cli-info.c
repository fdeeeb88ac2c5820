/* pellucid-cli info, end to end: the built binary (PELLUCID_CLI) on
 * synthetic files, its JSON parsed back. */
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>

#include "tests/nifti-synth.h"

static char *tmpdir;

typedef struct
{
  int   status;     /* exit status */
  char *out;
  char *err;
} Run;

static void
run_clear (Run *r)
{
  g_free (r->out);
  g_free (r->err);
}

static Run
run_cli (const char *const *args)
{
  const char *cli = g_getenv ("PELLUCID_CLI");
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  Run r = { 0 };
  int wait_status = 0;

  g_assert_nonnull (cli);
  g_ptr_array_add (argv, (char *) cli);
  g_ptr_array_add (argv, (char *) "info");
  for (int i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &r.out, &r.err, &wait_status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  r.status = WEXITSTATUS (wait_status);
  return r;
}

static double
member_double (JsonObject *o, const char *name)
{
  return json_node_get_double (json_object_get_member (o, name));
}

static void
test_info_lpi (void)
{
  SynthHeader h;
  enum { NX = 4, NY = 3, NZ = 2, NT = 3, N3 = NX * NY * NZ };
  double values[N3 * NT];
  g_autofree char *path = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *o;
  JsonArray *dims, *m;
  Run r;

  synth_header_init (&h, 2, 4, NX, NY, NZ);
  h.dim[0] = 4;
  h.dim[4] = NT;
  h.pixdim[1] = 1.5;
  h.pixdim[2] = 2;
  h.pixdim[3] = 2.5;
  h.pixdim[4] = 0.75;
  h.sform_code = 4;
  h.qform_code = 1;
  h.srow[0][0] = -1.5; h.srow[0][3] = 10;
  h.srow[1][1] = -2;   h.srow[1][3] = 20;
  h.srow[2][2] = -2.5; h.srow[2][3] = 30;
  h.scl_slope = 0.5;
  h.scl_inter = -1;
  for (int i = 0; i < N3 * NT; i++)
    values[i] = (i / N3) * 100 + i % N3;   /* volume t holds 100 t .. 100 t + 23 */
  path = synth_write (tmpdir, "lpi", SYNTH_NII_GZ, &h, values, G_N_ELEMENTS (values));

  {
    const char *args[] = { path, "--volume", "2", NULL };
    r = run_cli (args);
  }
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.err, ==, "");
  json_parser_load_from_data (parser, r.out, -1, &error);
  g_assert_no_error (error);
  o = json_node_get_object (json_parser_get_root (parser));

  g_assert_cmpstr (json_object_get_string_member (o, "path"), ==, path);
  g_assert_cmpint (json_object_get_int_member (o, "nifti_version"), ==, 2);
  dims = json_object_get_array_member (o, "dims");
  g_assert_cmpuint (json_array_get_length (dims), ==, 4);
  g_assert_cmpint (json_array_get_int_element (dims, 0), ==, NX);
  g_assert_cmpint (json_array_get_int_element (dims, 3), ==, NT);
  g_assert_cmpfloat (json_array_get_double_element (json_object_get_array_member (o, "pixdim"), 3),
                     ==, 0.75);
  g_assert_cmpstr (json_object_get_string_member (o, "datatype"), ==, "int16");
  g_assert_cmpfloat (member_double (o, "scl_slope"), ==, 0.5);
  g_assert_cmpfloat (member_double (o, "scl_inter"), ==, -1);
  g_assert_cmpint (json_object_get_int_member (o, "qform_code"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (o, "sform_code"), ==, 4);
  g_assert_cmpstr (json_object_get_string_member (o, "xform"), ==, "sform");
  g_assert_cmpstr (json_object_get_string_member (o, "orientation"), ==, "LPI");
  m = json_object_get_array_member (o, "vox2world");
  g_assert_cmpuint (json_array_get_length (m), ==, 4);
  for (int row = 0; row < 4; row++)
    for (int col = 0; col < 4; col++)
      {
        double expect = row == 3 ? (col == 3) : col == 3 ? h.srow[row][3] : h.srow[row][col];
        g_assert_cmpfloat (json_array_get_double_element (json_array_get_array_element (m, row), col),
                           ==, expect);
      }
  g_assert_cmpint (json_object_get_int_member (o, "volume"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (o, "n_volumes"), ==, NT);
  /* volume 2: raw 200..223, scaled by 0.5 and -1 */
  g_assert_cmpfloat (member_double (o, "min"), ==, 99);
  g_assert_cmpfloat (member_double (o, "max"), ==, 110.5);
  g_assert_cmpfloat_with_epsilon (member_double (o, "mean"), 104.75, 1e-5);
  g_assert_cmpint (json_object_get_int_member (o, "nonfinite"), ==, 0);
  run_clear (&r);
}

static void
test_info_nonfinite (void)
{
  SynthHeader h;
  double values[8] = { 1, NAN, 3, INFINITY, 5, 6, 7, 8 };
  g_autofree char *path = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *o;
  Run r;

  synth_header_init (&h, 1, 16, 2, 2, 2);
  h.scl_slope = NAN;   /* reported as null: JSON has no NaN */
  path = synth_write (tmpdir, "nan", SYNTH_PAIR, &h, values, 8);
  {
    const char *args[] = { path, NULL };
    r = run_cli (args);
  }
  g_assert_cmpint (r.status, ==, 0);
  json_parser_load_from_data (parser, r.out, -1, &error);
  g_assert_no_error (error);
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (o, "nonfinite"), ==, 2);
  g_assert_true (json_object_get_null_member (o, "scl_slope"));
  g_assert_cmpstr (json_object_get_string_member (o, "xform"), ==, "pixdim");
  g_assert_cmpstr (json_object_get_string_member (o, "orientation"), ==, "RAS");
  g_assert_cmpfloat (member_double (o, "max"), ==, 8);
  run_clear (&r);
}

static void
test_info_errors (void)
{
  g_autofree char *bad = g_build_filename (tmpdir, "broken.nii", NULL);
  static const char junk[] = "this is not an image, just some words in a file";
  Run r;

  synth_write_raw (bad, FALSE, junk, sizeof junk);
  {
    const char *args[] = { bad, NULL };
    r = run_cli (args);
  }
  g_assert_cmpint (r.status, ==, 1);
  g_assert_cmpstr (r.out, ==, "");
  g_assert_nonnull (strstr (r.err, "broken.nii"));
  g_assert_nonnull (strstr (r.err, "not a NIfTI file"));
  run_clear (&r);

  /* a volume the file does not have */
  {
    SynthHeader h;
    double values[8] = { 0 };
    g_autofree char *path = NULL;
    const char *args[3] = { NULL, "--volume=1", NULL };
    synth_header_init (&h, 1, 2, 2, 2, 2);
    path = synth_write (tmpdir, "three-d", SYNTH_NII, &h, values, 8);
    args[0] = path;
    r = run_cli (args);
    g_assert_cmpint (r.status, ==, 1);
    g_assert_nonnull (strstr (r.err, "three-d.nii"));
    run_clear (&r);
  }

  /* usage errors */
  {
    const char *args[] = { NULL };
    r = run_cli (args);
    g_assert_cmpint (r.status, !=, 0);
    g_assert_cmpstr (r.out, ==, "");
    g_assert_nonnull (strstr (r.err, "Usage"));
    run_clear (&r);
  }
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  tmpdir = synth_tmpdir ();
  g_test_add_func ("/cli/info/lpi", test_info_lpi);
  g_test_add_func ("/cli/info/nonfinite", test_info_nonfinite);
  g_test_add_func ("/cli/info/errors", test_info_errors);
  status = g_test_run ();
  synth_rmtree (tmpdir);
  g_free (tmpdir);
  return status;
}
