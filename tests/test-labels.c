/* Label maps (NIfTI round trip on the reference grid, grid and value
 * checks) and ITK-SNAP label description files. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>

#include "engine/data/labels.h"
#include "tests/nifti-synth.h"

static char *tmpdir;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

static SynthHeader
read_header (const char *path)
{
  g_autoptr (GBytes) bytes = synth_read_file (path);
  SynthHeader h;
  g_assert_true (synth_header_parse (bytes, &h));
  return h;
}

/* A 4-D NIfTI-2 reference with qform and sform, and its parsed header. */
static PlVolume *
make_reference (int version, SynthHeader *stored)
{
  SynthHeader h;
  double values[9 * 8 * 7 * 2];
  g_autofree char *base = g_strdup_printf ("reference%d", version);
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  PlVolume *v;

  synth_header_init (&h, version, 4, 9, 8, 7);
  h.dim[0] = 4;
  h.dim[4] = 2;
  h.pixdim[0] = -1;
  h.pixdim[1] = 1.2;
  h.pixdim[2] = 0.8;
  h.pixdim[3] = 3.0;
  h.xyzt_units = 2 | 16;
  h.qform_code = 2;
  h.sform_code = 1;
  h.quatern[0] = 0.2;
  h.quatern[2] = -0.1;
  h.qoffset[0] = 10;
  h.qoffset[1] = -20;
  h.qoffset[2] = 30.5;
  h.srow[0][0] = -1.2; h.srow[0][3] = 40;
  h.srow[1][1] = 0.8;  h.srow[1][2] = 0.1; h.srow[1][3] = -50;
  h.srow[2][2] = 3.0;  h.srow[2][3] = 60;
  for (gsize i = 0; i < G_N_ELEMENTS (values); i++)
    values[i] = (double) (i % 300);
  path = synth_write (tmpdir, base, SYNTH_NII_GZ, &h, values, G_N_ELEMENTS (values));
  *stored = read_header (path);
  v = pl_volume_load (path, 1, NULL, &error);
  g_assert_no_error (error);
  return v;
}

static void
test_round_trip (void)
{
  static const char *const outs[] = { "seg.nii.gz", "seg.nii", "seg.hdr" };

  for (int version = 1; version <= 2; version++)
    for (int wide = 0; wide <= 1; wide++)
      for (gsize o = 0; o < G_N_ELEMENTS (outs); o++)
        {
          SynthHeader src, saved;
          g_autoptr (PlVolume) ref = make_reference (version, &src);
          g_autoptr (PlLabels) labels = pl_labels_new (ref->dim);
          g_autoptr (PlLabels) back = NULL;
          g_autoptr (GError) error = NULL;
          g_autofree char *out = tmp_path (outs[o]);
          gsize n = pl_labels_n_voxels (labels);
          guint16 top = wide ? 65535 : 255;

          for (gsize i = 0; i < n; i++)
            labels->data[i] = (guint16) ((i * 37) % (wide ? 1000 : 200));
          labels->data[n / 2] = top;

          g_assert_true (pl_labels_save (labels, ref, out, &error));
          g_assert_no_error (error);
          back = pl_labels_load (out, ref, &error);
          g_assert_no_error (error);
          g_assert_cmpmem (back->data, n * 2, labels->data, n * 2);
          g_assert_cmpmem (back->dim, sizeof back->dim, ref->dim, sizeof ref->dim);

          saved = read_header (out);
          g_assert_cmpint (saved.version, ==, version);
          g_assert_cmpint (saved.datatype, ==, wide ? 512 : 2);
          g_assert_cmpint (saved.bitpix, ==, wide ? 16 : 8);
          g_assert_cmpint (saved.intent_code, ==, 1002);   /* NIFTI_INTENT_LABEL */
          g_assert_cmpfloat (saved.scl_slope, ==, 1.0);
          g_assert_cmpfloat (saved.scl_inter, ==, 0.0);
          g_assert_cmpfloat (saved.cal_min, ==, 0.0);
          g_assert_cmpfloat (saved.cal_max, ==, top);
          g_assert_cmpint (saved.dim[0], ==, 3);
          g_assert_cmpint (saved.dim[4], ==, 1);
          for (int i = 0; i < 4; i++)
            g_assert_cmpfloat (saved.pixdim[i], ==, src.pixdim[i]);
          for (int i = 1; i <= 3; i++)
            g_assert_cmpint (saved.dim[i], ==, src.dim[i]);
          g_assert_cmpint (saved.qform_code, ==, src.qform_code);
          g_assert_cmpint (saved.sform_code, ==, src.sform_code);
          g_assert_cmpint (saved.xyzt_units, ==, src.xyzt_units);
          for (int r = 0; r < 3; r++)
            {
              g_assert_cmpfloat (saved.quatern[r], ==, src.quatern[r]);
              g_assert_cmpfloat (saved.qoffset[r], ==, src.qoffset[r]);
              for (int c = 0; c < 4; c++)
                g_assert_cmpfloat (saved.srow[r][c], ==, src.srow[r][c]);
            }
          g_assert_cmpstr (saved.magic, ==, g_str_has_suffix (out, ".hdr")
                                            ? (version == 1 ? "ni1" : "ni2")
                                            : (version == 1 ? "n+1" : "n+2"));
        }
}

/* A reference with no file (pl_volume_new) still gets a usable header. */
static void
test_synthetic_reference (void)
{
  static const double lpi[4][4] = {
    { -2, 0, 0, 10 }, { 0, -2, 0, 20 }, { 0, 0, -2, 30 }, { 0, 0, 0, 1 },
  };
  gint64 dim[3] = { 5, 4, 3 };
  g_autoptr (PlVolume) ref = pl_volume_new (dim, NULL, lpi);
  g_autoptr (PlLabels) labels = pl_labels_new (dim);
  g_autoptr (PlLabels) back = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = tmp_path ("synthetic-seg.nii.gz");

  labels->data[7] = 3;
  g_assert_true (pl_labels_save (labels, ref, out, &error));
  g_assert_no_error (error);
  back = pl_labels_load (out, ref, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->data[7], ==, 3);
}

static void
assert_labels_fail (const char *path, const PlVolume *ref, int code, const char *says)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *base = g_path_get_basename (path);

  g_assert_null (pl_labels_load (path, ref, &error));
  g_assert_error (error, PL_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, base));
  if (says != NULL)
    g_assert_nonnull (strstr (error->message, says));
}

static void
test_grid_mismatch (void)
{
  SynthHeader src;
  g_autoptr (PlVolume) ref = make_reference (1, &src);
  g_autoptr (PlLabels) labels = pl_labels_new (ref->dim);
  g_autoptr (GError) error = NULL;
  g_autofree char *good = tmp_path ("grid.nii");

  g_assert_true (pl_labels_save (labels, ref, good, &error));
  g_assert_no_error (error);

  /* other dims */
  {
    SynthHeader h = read_header (good);
    g_autofree double *zeros = g_new0 (double, 9 * 8 * 6);
    g_autofree char *path = NULL;
    h.dim[3] = 6;
    h.magic[0] = '\0';
    h.vox_offset = -1;
    path = synth_write (tmpdir, "grid-dims", SYNTH_NII, &h, zeros, 9 * 8 * 6);
    assert_labels_fail (path, ref, PL_ERROR_GRID_MISMATCH, "9x8x6");
  }
  /* the same dims, the sform moved by 0.01 mm: refused; by 1e-6 mm: fine */
  for (int tiny = 0; tiny <= 1; tiny++)
    {
      SynthHeader h = read_header (good);
      g_autofree double *zeros = g_new0 (double, 9 * 8 * 7);
      g_autofree char *path = NULL;
      g_autofree char *name = g_strdup_printf ("grid-shift%d", tiny);
      h.srow[1][3] += tiny ? 1e-6 : 0.01;
      h.magic[0] = '\0';
      h.vox_offset = -1;
      path = synth_write (tmpdir, name, SYNTH_NII, &h, zeros, 9 * 8 * 7);
      if (tiny)
        {
          G_GNUC_UNUSED g_autoptr (PlLabels) ok = pl_labels_load (path, ref, &error);
          g_assert_no_error (error);
        }
      else
        assert_labels_fail (path, ref, PL_ERROR_GRID_MISMATCH, "mm");
    }
  /* a 4-D file is not a label map */
  {
    SynthHeader h = read_header (good);
    g_autofree double *zeros = g_new0 (double, 9 * 8 * 7 * 2);
    g_autofree char *path = NULL;
    h.dim[0] = 4;
    h.dim[4] = 2;
    h.magic[0] = '\0';
    h.vox_offset = -1;
    path = synth_write (tmpdir, "grid-4d", SYNTH_NII, &h, zeros, 9 * 8 * 7 * 2);
    assert_labels_fail (path, ref, PL_ERROR_GRID_MISMATCH, "3-D");
  }
  /* saving labels of the wrong size */
  {
    gint64 dim[3] = { 2, 2, 2 };
    g_autoptr (PlLabels) small = pl_labels_new (dim);
    g_autofree char *path = tmp_path ("wrong-size.nii");
    g_assert_false (pl_labels_save (small, ref, path, &error));
    g_assert_error (error, PL_ERROR, PL_ERROR_GRID_MISMATCH);
    g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  }
}

static void
test_bad_values (void)
{
  static const struct { const char *name; int datatype; double bad; double slope; } cases[] = {
    { "fraction", 16, 2.5, 0 },
    { "negative", 4, -1, 0 },
    { "too-big", 8, 70000, 0 },
    { "nan", 64, NAN, 0 },
    { "scaled-fraction", 2, 3, 0.5 },
  };
  gint64 dim[3] = { 3, 3, 3 };
  g_autoptr (PlVolume) ref = pl_volume_new (dim, NULL, NULL);

  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      SynthHeader h;
      double values[27] = { 0 };
      g_autofree char *path = NULL;

      synth_header_init (&h, 1, cases[c].datatype, 3, 3, 3);
      h.scl_slope = cases[c].slope;
      values[1 + 3 * (2 + 3 * 1)] = cases[c].bad;
      path = synth_write (tmpdir, cases[c].name, SYNTH_NII, &h, values, 27);
      assert_labels_fail (path, ref, PL_ERROR_INVALID, "(1, 2, 1)");
    }

  /* whole numbers stored as float, or scaled into range, are fine */
  {
    SynthHeader h;
    double values[27];
    g_autofree char *path = NULL;
    g_autoptr (GError) error = NULL;
    g_autoptr (PlLabels) l = NULL;

    synth_header_init (&h, 2, 16, 3, 3, 3);
    h.scl_slope = 2;
    h.scl_inter = 1;
    for (int i = 0; i < 27; i++)
      values[i] = i * 100;
    path = synth_write (tmpdir, "scaled-ok", SYNTH_NII_GZ, &h, values, 27);
    l = pl_labels_load (path, ref, &error);
    g_assert_no_error (error);
    for (int i = 0; i < 27; i++)
      g_assert_cmpint (l->data[i], ==, i * 200 + 1);
  }
}

/* --------------------------------------------------------------------- */

static PlLabelTable *
load_table_text (const char *name, const char *text, GError **error)
{
  g_autofree char *path = tmp_path (name);
  synth_write_raw (path, FALSE, text, strlen (text));
  return pl_label_table_load (path, error);
}

static void
test_table_round_trip (void)
{
  g_autoptr (PlLabelTable) t = pl_label_table_new_default ();
  g_autoptr (PlLabelTable) back = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = tmp_path ("labels.txt");
  g_autofree char *text = NULL;
  PlLabel extra = { 65535, (char *) "Ventrikel – links (ü)", { 12, 34, 56 }, 0.3f, FALSE, TRUE, TRUE };
  PlLabel quoted = { 300, (char *) "say \"hi\"\nthere\r", { 1, 2, 3 }, 0.0f, TRUE, FALSE, FALSE };

  pl_label_table_set (t, &extra);
  pl_label_table_set (t, &quoted);
  pl_label_table_lookup (t, 2)->alpha = 0.25f;
  pl_label_table_lookup (t, 3)->locked = TRUE;
  pl_label_table_lookup (t, 4)->visible = FALSE;
  pl_label_table_lookup (t, 5)->alpha = 1.0f / 3.0f;
  pl_label_table_remove (t, 6);

  g_assert_true (pl_label_table_save (t, path, &error));
  g_assert_no_error (error);
  back = pl_label_table_load (path, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (pl_label_table_get_n (back), ==, pl_label_table_get_n (t));
  for (guint i = 0; i < pl_label_table_get_n (t); i++)
    {
      PlLabel *a = pl_label_table_get_nth (t, i), *b = pl_label_table_get_nth (back, i);
      g_assert_cmpuint (a->value, ==, b->value);
      g_assert_cmpmem (a->rgb, 3, b->rgb, 3);
      g_assert_cmpfloat (a->alpha, ==, b->alpha);
      g_assert_cmpint (a->visible, ==, b->visible);
      g_assert_cmpint (a->mesh_visible, ==, b->mesh_visible);
      g_assert_cmpint (a->locked, ==, b->locked);
      if (a->value != 300)
        g_assert_cmpstr (a->name, ==, b->name);
    }
  /* the format cannot hold a quote or a line break in a name */
  g_assert_cmpstr (pl_label_table_lookup (back, 300)->name, ==, "say 'hi' there\r");

  /* what ITK-SNAP reads: the data lines have exactly its columns */
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_true (g_regex_match_simple ("^    1   255    0    0        1  1  1    \"Label 1\"$",
                                       text, G_REGEX_MULTILINE, 0));
  g_assert_true (g_regex_match_simple ("^# Pellucid locked labels: 3 65535$",
                                       text, G_REGEX_MULTILINE, 0));
}

/* A file as ITK-SNAP writes it (ColorLabelTable::SaveToFile: setw columns,
 * alpha with two significant digits), plus the liberties people take. */
static void
test_table_itksnap (void)
{
  static const char itksnap[] =
    "################################################\n"
    "# ITK-SnAP Label Description File\n"
    "# File format: \n"
    "# IDX   -R-  -G-  -B-  -A--  VIS MSH  LABEL\n"
    "################################################\n"
    "    0     0    0    0        0  0  0    \"Clear Label\"\n"
    "    1   255    0    0        1  1  1    \"Label 1\"\n"
    "   17   102  205  170     0.45  1  0    \"Hippocampus left\"\n"
    "\r\n"
    "  \t# an indented comment\r\n"
    "  200   186  194  212        1  0  1    \"Deep_R\"   trailing text is ignored\r\n"
    "    1     9    9    9      0.5  1  1    \"Label 1 again\"\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (PlLabelTable) t = load_table_text ("itksnap.txt", itksnap, &error);
  g_autoptr (PlLabelTable) no_clear = NULL;
  PlLabel *l;

  g_assert_no_error (error);
  g_assert_cmpuint (pl_label_table_get_n (t), ==, 4);
  l = pl_label_table_lookup (t, 17);
  g_assert_cmpstr (l->name, ==, "Hippocampus left");
  g_assert_cmpuint (l->rgb[0], ==, 102);
  g_assert_cmpuint (l->rgb[2], ==, 170);
  g_assert_cmpfloat_with_epsilon (l->alpha, 0.45, 1e-6);
  g_assert_true (l->visible);
  g_assert_false (l->mesh_visible);
  g_assert_false (l->locked);
  l = pl_label_table_lookup (t, 200);
  g_assert_cmpstr (l->name, ==, "Deep_R");
  g_assert_false (l->visible);
  /* a value listed twice keeps its last line, as in ITK-SNAP */
  l = pl_label_table_lookup (t, 1);
  g_assert_cmpstr (l->name, ==, "Label 1 again");
  g_assert_cmpuint (l->rgb[0], ==, 9);

  /* without a line for 0, the clear label is there anyway */
  no_clear = load_table_text ("no-clear.txt", "5 1 2 3 1 1 1 \"five\"\n", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pl_label_table_get_n (no_clear), ==, 2);
  g_assert_cmpstr (pl_label_table_lookup (no_clear, 0)->name, ==, "Clear Label");
}

static void
test_table_malformed (void)
{
  static const struct { const char *text; guint line; const char *says; } cases[] = {
    { "# ok\n1 255 0 0 1 1 1 \"a\"\n2 255 0 0 1 1 1 b\n", 3, "quotes" },
    { "1 255 0 0 1 1 1 \"unterminated\n", 1, "closing quote" },
    { "\n\n1 300 0 0 1 1 1 \"a\"\n", 3, "red" },
    { "1 255 0 -1 1 1 1 \"a\"\n", 1, "blue" },
    { "1 255 0 0 1.5 1 1 \"a\"\n", 1, "opacity" },
    { "1 255 0 0 nan 1 1 \"a\"\n", 1, "opacity" },
    { "70000 255 0 0 1 1 1 \"a\"\n", 1, "label value" },
    { "abc 255 0 0 1 1 1 \"a\"\n", 1, "label value" },
    { "1 255 0 0 1 1\n", 1, "mesh" },
    { "1 255 0 0 1 x 1 \"a\"\n", 1, "visibility" },
    { "1 2.5 0 0 1 1 1 \"a\"\n", 1, "blank" },
    { "# comment\n1 2 3\0 4 1 1 \"a\"\n", 0, "binary" },
  };

  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *name = g_strdup_printf ("bad%d.txt", (int) c);
      g_autofree char *path = tmp_path (name);
      gsize len = strlen (cases[c].text);
      PlLabelTable *t;

      if (cases[c].line == 0)   /* the NUL case: write the whole literal */
        len = sizeof "# comment\n1 2 3\0 4 1 1 \"a\"\n" - 1;
      synth_write_raw (path, FALSE, cases[c].text, len);
      t = pl_label_table_load (path, &error);
      g_assert_null (t);
      g_assert_error (error, PL_ERROR, PL_ERROR_BAD_LABEL_TABLE);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, name));
      g_assert_nonnull (strstr (error->message, cases[c].says));
      if (cases[c].line > 0)
        {
          g_autofree char *where = g_strdup_printf ("line %u:", cases[c].line);
          g_assert_nonnull (strstr (error->message, where));
        }
    }

  {
    g_autoptr (GError) error = NULL;
    g_autofree char *missing = tmp_path ("missing.txt");
    g_assert_null (pl_label_table_load (missing, &error));
    g_assert_error (error, PL_ERROR, PL_ERROR_IO);
  }
}

/* Saving a label map or a table over an old one fails half-way (the file
 * size limit makes write() fail with EFBIG): the old file stays as it was
 * and no temporary file is left. */
static void
test_atomic_saves (void)
{
  g_autofree char *dir = synth_tmpdir ();
  g_autofree char *seg = g_build_filename (dir, "seg.nii.gz", NULL);
  g_autofree char *txt = g_build_filename (dir, "labels.txt", NULL);
  gint64 dim[3] = { 64, 64, 32 };
  g_autoptr (PlVolume) ref = pl_volume_new (dim, NULL, NULL);
  g_autoptr (PlLabels) before = pl_labels_new (dim);
  g_autoptr (PlLabels) after = pl_labels_new (dim);
  g_autoptr (PlLabelTable) t = pl_label_table_new_default ();
  g_autoptr (GError) error = NULL;
  g_autofree char *seg_bytes = NULL, *txt_bytes = NULL;
  gsize seg_n, txt_n;
  struct rlimit saved, limit;

  before->data[100] = 1;
  g_assert_true (pl_labels_save (before, ref, seg, &error));
  g_assert_true (pl_label_table_save (t, txt, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (seg, &seg_bytes, &seg_n, NULL));
  g_assert_true (g_file_get_contents (txt, &txt_bytes, &txt_n, NULL));
  for (gsize i = 0; i < pl_labels_n_voxels (after); i++)
    after->data[i] = (guint16) g_test_rand_int_range (0, 300);
  for (int v = 7; v < 60; v++)
    {
      PlLabel l = pl_label_table_next_free (t);
      pl_label_table_set (t, &l);
      g_free (l.name);
    }

  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  signal (SIGXFSZ, SIG_IGN);
  limit = saved;
  limit.rlim_cur = txt_n + 1;
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
  g_assert_false (pl_labels_save (after, ref, seg, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_IO);
  g_clear_error (&error);
  g_assert_false (pl_label_table_save (t, txt, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "labels.txt"));
  g_clear_error (&error);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  signal (SIGXFSZ, SIG_DFL);

  {
    g_autofree char *s = NULL, *x = NULL;
    gsize sn, xn;
    g_assert_true (g_file_get_contents (seg, &s, &sn, NULL));
    g_assert_true (g_file_get_contents (txt, &x, &xn, NULL));
    g_assert_cmpmem (s, sn, seg_bytes, seg_n);
    g_assert_cmpmem (x, xn, txt_bytes, txt_n);
  }
  g_assert_cmpuint (synth_count_files (dir), ==, 2);
  synth_rmtree (dir);
}


/* Labelled voxels per slice along each axis, all at once and one by one. */
static void
test_count_slices (void)
{
  const gint64 dim[3] = { 5, 4, 3 };
  g_autoptr (PlLabels) l = pl_labels_new (dim);
  gint64 counts[5];
  gint64 expect[3][5] = { { 0 } };

  /* voxel (i, j, k) labelled when (i + 2j + 3k) % 4 == 0 */
  for (gint64 k = 0; k < 3; k++)
    for (gint64 j = 0; j < 4; j++)
      for (gint64 i = 0; i < 5; i++)
        if ((i + 2 * j + 3 * k) % 4 == 0)
          {
            l->data[i + 5 * (j + 4 * k)] = (guint16) (1 + k);
            expect[0][i]++;
            expect[1][j]++;
            expect[2][k]++;
          }
  for (int axis = 0; axis < 3; axis++)
    {
      pl_labels_count_slices (l, axis, counts);
      for (gint64 s = 0; s < dim[axis]; s++)
        {
          g_assert_cmpint (counts[s], ==, expect[axis][s]);
          g_assert_cmpint (pl_labels_count_slice (l, axis, s), ==, expect[axis][s]);
        }
    }
}

/* A map holding 1, 2, 4 and 9 (as a four-class file with a gap) lists
 * exactly those, named by value, in colours that all differ. */
static void
test_table_for_values (void)
{
  const gint64 dim[3] = { 6, 5, 4 };
  g_autoptr (PlLabels) l = pl_labels_new (dim);
  g_autofree guint8 *present = g_new0 (guint8, 65536);
  g_autoptr (PlLabelTable) t = NULL;
  static const guint16 values[] = { 1, 2, 4, 9 };

  for (gsize i = 0; i < pl_labels_n_voxels (l); i++)
    l->data[i] = values[i % 4];
  pl_labels_mark_values (l, present);
  t = pl_label_table_new_for_values (present);
  g_assert_cmpuint (pl_label_table_get_n (t), ==, 5);
  g_assert_cmpuint (pl_label_table_get_nth (t, 0)->value, ==, 0);
  for (guint i = 0; i < 4; i++)
    {
      const PlLabel *e = pl_label_table_get_nth (t, i + 1);
      g_autofree char *name = g_strdup_printf ("Label %u", values[i]);

      g_assert_cmpuint (e->value, ==, values[i]);
      g_assert_cmpstr (e->name, ==, name);
      g_assert_true (e->visible);
      g_assert_false (e->locked);
      for (guint j = 1; j < i + 1; j++)
        g_assert_true (memcmp (e->rgb, pl_label_table_get_nth (t, j)->rgb, 3) != 0);
    }
}

/* The background is the value that owns the map's faces: whole maps,
 * sparse ones (painted slices reach the faces with their edges), and no
 * owner when two classes share the edge. */
static void
test_background_value (void)
{
  const gint64 dim[3] = { 6, 5, 4 };
  g_autoptr (PlLabels) l = pl_labels_new (dim);

  g_assert_cmpuint (pl_labels_background_value (l), ==, 0);
  for (gsize i = 0; i < pl_labels_n_voxels (l); i++)
    l->data[i] = 1;
  l->data[2 + 6 * (2 + 5 * 2)] = 3;   /* inside */
  g_assert_cmpuint (pl_labels_background_value (l), ==, 1);
  /* one face voxel of another class does not change it */
  l->data[5 + 6 * (4 + 5 * 3)] = 2;
  g_assert_cmpuint (pl_labels_background_value (l), ==, 1);
  /* half of the faces 2: no clear owner */
  for (gsize i = 0; i < pl_labels_n_voxels (l); i++)
    if ((i % 6) < 3)
      l->data[i] = 2;
  g_assert_cmpuint (pl_labels_background_value (l), ==, 0);
  /* sparse: one painted slice, k = 2, 1 at its edges */
  memset (l->data, 0, pl_labels_n_voxels (l) * sizeof *l->data);
  for (gint64 j = 0; j < 5; j++)
    for (gint64 i = 0; i < 6; i++)
      l->data[i + 6 * (j + 5 * 2)] = (i == 0 || i == 5 || j == 0 || j == 4) ? 1 : 4;
  g_assert_cmpuint (pl_labels_background_value (l), ==, 1);
}

/* Bins over [lo, hi], hi in the last bin, NaN and values outside left out. */
static void
test_volume_histogram (void)
{
  const gint64 dim[3] = { 10, 1, 1 };
  g_autoptr (PlVolume) v = pl_volume_new (dim, NULL, NULL);
  static const float data[10] = { 0, 1, 2, 2.5f, 3, 4, 4, -1, 5, NAN };
  guint64 counts[4];

  memcpy (v->data, data, sizeof data);
  pl_volume_histogram (v, 0.0, 4.0, 4, counts);
  g_assert_cmpuint (counts[0], ==, 1);   /* 0 */
  g_assert_cmpuint (counts[1], ==, 1);   /* 1 */
  g_assert_cmpuint (counts[2], ==, 2);   /* 2, 2.5 */
  g_assert_cmpuint (counts[3], ==, 3);   /* 3, 4, 4 */
  pl_volume_histogram (v, 4.0, 4.0, 4, counts);
  for (int b = 0; b < 4; b++)
    g_assert_cmpuint (counts[b], ==, 0);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  tmpdir = synth_tmpdir ();
  g_test_add_func ("/labels/round-trip", test_round_trip);
  g_test_add_func ("/labels/count-slices", test_count_slices);
  g_test_add_func ("/labels/background-value", test_background_value);
  g_test_add_func ("/labels/table/for-values", test_table_for_values);
  g_test_add_func ("/labels/volume-histogram", test_volume_histogram);
  g_test_add_func ("/labels/synthetic-reference", test_synthetic_reference);
  g_test_add_func ("/labels/grid-mismatch", test_grid_mismatch);
  g_test_add_func ("/labels/bad-values", test_bad_values);
  g_test_add_func ("/labels/table/round-trip", test_table_round_trip);
  g_test_add_func ("/labels/table/itksnap", test_table_itksnap);
  g_test_add_func ("/labels/table/malformed", test_table_malformed);
  g_test_add_func ("/labels/atomic-saves", test_atomic_saves);
  status = g_test_run ();
  synth_rmtree (tmpdir);
  g_free (tmpdir);
  return status;
}
