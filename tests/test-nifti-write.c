/* Writing float32 volumes: the source header's geometry is kept exactly,
 * synthetic volumes get a sensible one, and saving is atomic. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/data/volume.h"
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

/* An oblique source with different qform and sform, units in mm and s. */
static void
oblique_source (SynthHeader *h, int version, gboolean big)
{
  synth_header_init (h, version, 4, 7, 6, 5);
  h->big_endian = big;
  h->dim[0] = 4;
  h->dim[4] = 2;
  h->pixdim[0] = -1.0;
  h->pixdim[1] = 0.9;
  h->pixdim[2] = 1.1;
  h->pixdim[3] = 2.5;
  h->pixdim[4] = 3.0;
  h->xyzt_units = 2 | 8;
  h->qform_code = 1;
  h->sform_code = 3;
  h->quatern[0] = 0.1;
  h->quatern[1] = -0.2;
  h->quatern[2] = 0.3;
  h->qoffset[0] = -12.5;
  h->qoffset[1] = 7.25;
  h->qoffset[2] = 30.0;
  {
    static const double srow[3][4] = {
      { 0.85, -0.2, 0.1, -12.5 }, { 0.25, 1.05, -0.3, 7.25 }, { -0.05, 0.3, 2.4, 30 },
    };
    memcpy (h->srow, srow, sizeof srow);
  }
  h->scl_slope = 0.5;
  h->scl_inter = 1.0;
}

static void
assert_same_geometry (const SynthHeader *a, const SynthHeader *b)
{
  g_assert_cmpint (a->version, ==, b->version);
  for (int i = 1; i <= 3; i++)
    {
      g_assert_cmpint (a->dim[i], ==, b->dim[i]);
      g_assert_cmpfloat (a->pixdim[i], ==, b->pixdim[i]);
    }
  g_assert_cmpfloat (a->pixdim[0], ==, b->pixdim[0]);
  g_assert_cmpint (a->qform_code, ==, b->qform_code);
  g_assert_cmpint (a->sform_code, ==, b->sform_code);
  for (int i = 0; i < 3; i++)
    {
      g_assert_cmpfloat (a->quatern[i], ==, b->quatern[i]);
      g_assert_cmpfloat (a->qoffset[i], ==, b->qoffset[i]);
      for (int c = 0; c < 4; c++)
        g_assert_cmpfloat (a->srow[i][c], ==, b->srow[i][c]);
    }
  g_assert_cmpint (a->xyzt_units, ==, b->xyzt_units);
}

static void
test_round_trip (void)
{
  static const char *const outs[] = { "out.nii", "out.nii.gz", "out.hdr", "out.img.gz" };
  enum { N3 = 7 * 6 * 5 };

  for (int version = 1; version <= 2; version++)
    for (int big = 0; big <= 1; big++)
      {
        SynthHeader src;
        double values[2 * N3];
        g_autofree char *base = g_strdup_printf ("src%d%d", version, big);
        g_autofree char *path = NULL;
        g_autoptr (PlVolume) v = NULL;
        g_autoptr (GError) error = NULL;

        oblique_source (&src, version, big);
        for (int i = 0; i < 2 * N3; i++)
          values[i] = i % 97 - 40;
        path = synth_write (tmpdir, base, big ? SYNTH_NII_GZ : SYNTH_NII, &src, values, 2 * N3);
        v = pl_volume_load (path, 1, NULL, &error);
        g_assert_no_error (error);
        src = read_header (path);   /* as stored: float fields for NIfTI-1 */
        /* derived data, including values no integer type holds */
        for (int i = 0; i < N3; i++)
          v->data[i] = v->data[i] * 0.37f + (float) i / 7.0f;
        pl_volume_update_stats (v);

        for (gsize o = 0; o < G_N_ELEMENTS (outs); o++)
          {
            g_autofree char *out = tmp_path (outs[o]);
            g_autoptr (PlVolume) back = NULL;
            g_autofree char *hdr_path = NULL;
            SynthHeader saved;

            g_assert_true (pl_volume_save (v, out, &error));
            g_assert_no_error (error);
            back = pl_volume_load (out, 0, NULL, &error);
            g_assert_no_error (error);
            g_assert_cmpmem (back->data, N3 * sizeof (float), v->data, N3 * sizeof (float));
            g_assert_cmpmem (back->vox2world, sizeof back->vox2world,
                             v->vox2world, sizeof v->vox2world);
            g_assert_cmpint (back->xform_source, ==, PL_XFORM_SFORM);
            g_assert_cmpint (back->datatype, ==, 16);
            g_assert_cmpint (back->n_volumes, ==, 1);
            g_assert_cmpfloat (back->min, ==, v->min);
            g_assert_cmpfloat (back->max, ==, v->max);

            hdr_path = g_str_has_suffix (out, ".img.gz") ? tmp_path ("out.hdr.gz") : g_strdup (out);
            saved = read_header (hdr_path);
            assert_same_geometry (&saved, &src);
            g_assert_cmpint (saved.dim[0], ==, 3);
            g_assert_cmpint (saved.dim[4], ==, 1);
            g_assert_cmpint (saved.datatype, ==, 16);
            g_assert_cmpint (saved.bitpix, ==, 32);
            g_assert_cmpfloat (saved.scl_slope, ==, 1.0);
            g_assert_cmpfloat (saved.scl_inter, ==, 0.0);
            g_assert_cmpfloat (saved.cal_min, ==, v->min);
            g_assert_cmpfloat (saved.cal_max, ==, v->max);
            g_assert_false (saved.big_endian != (G_BYTE_ORDER == G_BIG_ENDIAN));
          }
      }
}

/* Volumes that never came from a file: the header comes from vox2world. */
static void
test_synthetic (void)
{
  static const double asl[4][4] = {
    { 0.1, 0.05, -1.5, 5 }, { 2, 0, 0.2, 6 }, { 0, 3, 0, 7 }, { 0, 0, 0, 1 },
  };
  gint64 dim[3] = { 4, 3, 2 };
  double pixdim[3] = { 2, 3, 4 };
  g_autoptr (PlVolume) oblique = pl_volume_new (dim, NULL, asl);
  g_autoptr (PlVolume) plain = pl_volume_new (dim, pixdim, NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *a = tmp_path ("synthetic-asl.nii");
  g_autofree char *b = tmp_path ("synthetic-plain.nii.gz");
  g_autoptr (PlVolume) ra = NULL;
  g_autoptr (PlVolume) rb = NULL;
  char code[4];
  SynthHeader h;

  for (int i = 0; i < 24; i++)
    oblique->data[i] = plain->data[i] = (float) i - 3.5f;

  g_assert_true (pl_volume_save (oblique, a, &error));
  g_assert_no_error (error);
  ra = pl_volume_load (a, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ra->xform_source, ==, PL_XFORM_SFORM);
  for (int r = 0; r < 4; r++)
    for (int c = 0; c < 4; c++)
      g_assert_cmpfloat_with_epsilon (ra->vox2world[r][c], asl[r][c], 1e-6);
  pl_volume_orientation_code (ra, code);
  g_assert_cmpstr (code, ==, "ASL");
  g_assert_cmpmem (ra->data, 24 * sizeof (float), oblique->data, 24 * sizeof (float));
  h = read_header (a);
  g_assert_cmpint (h.version, ==, 1);
  g_assert_cmpint (h.sform_code, ==, 2);
  g_assert_cmpint (h.qform_code, ==, 2);
  g_assert_cmpint (h.xyzt_units, ==, 2);
  /* the qform is the nearest rigid matrix: same orientation */
  {
    g_autoptr (PlVolume) q = NULL;
    SynthHeader qonly = h;
    double zero[24] = { 0 };
    g_autofree char *qpath = NULL;
    qonly.sform_code = 0;
    qpath = synth_write (tmpdir, "qonly", SYNTH_NII, &qonly, zero, 24);
    q = pl_volume_load (qpath, 0, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (q->xform_source, ==, PL_XFORM_QFORM);
    pl_volume_orientation_code (q, code);
    g_assert_cmpstr (code, ==, "ASL");
  }

  g_assert_true (pl_volume_save (plain, b, &error));
  g_assert_no_error (error);
  rb = pl_volume_load (b, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rb->xform_source, ==, PL_XFORM_PIXDIM);
  g_assert_cmpmem (rb->vox2world, sizeof rb->vox2world, plain->vox2world, sizeof plain->vox2world);
  h = read_header (b);
  g_assert_cmpint (h.qform_code, ==, 0);
  g_assert_cmpint (h.sform_code, ==, 0);
  g_assert_cmpfloat (h.pixdim[3], ==, 4.0);
}

/* Nothing of a failed save may be left, and the old file stays. */
static void
assert_untouched (const char *path, GBytes *before, guint n_files)
{
  g_autoptr (GBytes) now = NULL;
  g_autofree char *contents = NULL;
  gsize n;

  g_assert_true (g_file_get_contents (path, &contents, &n, NULL));
  now = g_bytes_new_take (g_steal_pointer (&contents), n);
  g_assert_true (g_bytes_equal (now, before));
  g_assert_cmpuint (synth_count_files (tmpdir), ==, n_files);
}

static void
test_atomic (void)
{
  gint64 dim[3] = { 64, 64, 64 };
  g_autoptr (PlVolume) small = NULL;
  g_autoptr (PlVolume) big = pl_volume_new (dim, NULL, NULL);
  g_autofree char *target = tmp_path ("atomic.nii");
  g_autofree char *target_gz = tmp_path ("atomic.nii.gz");
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) before = NULL;
  g_autoptr (GBytes) before_gz = NULL;
  guint n_files;
  struct rlimit saved, limit;
  gint64 sdim[3] = { 2, 2, 2 };

  small = pl_volume_new (sdim, NULL, NULL);
  small->data[3] = 42.0f;
  g_assert_true (pl_volume_save (small, target, &error));
  g_assert_true (pl_volume_save (small, target_gz, &error));
  g_assert_no_error (error);
  before = synth_read_file (target);
  {
    g_autofree char *c = NULL;
    gsize n;
    g_assert_true (g_file_get_contents (target_gz, &c, &n, NULL));
    before_gz = g_bytes_new_take (g_steal_pointer (&c), n);
  }
  n_files = synth_count_files (tmpdir);

  /* A write that fails half-way: the file size limit makes write() return
   * EFBIG once 64 KiB are out (root can write anywhere, so a read-only
   * folder would prove nothing when the tests run as root). */
  for (gsize i = 0; i < pl_volume_n_voxels (big); i++)
    big->data[i] = (float) g_test_rand_double ();
  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  signal (SIGXFSZ, SIG_IGN);
  limit = saved;
  limit.rlim_cur = 64 * 1024;
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
  g_assert_false (pl_volume_save (big, target, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "atomic.nii"));
  g_clear_error (&error);
  g_assert_false (pl_volume_save (big, target_gz, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_IO);
  g_clear_error (&error);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  signal (SIGXFSZ, SIG_DFL);
  assert_untouched (target, before, n_files);
  assert_untouched (target_gz, before_gz, n_files);

  /* a folder that does not exist */
  {
    g_autofree char *nowhere = tmp_path ("no-such-folder/x.nii");
    g_assert_false (pl_volume_save (small, nowhere, &error));
    g_assert_error (error, PL_ERROR, PL_ERROR_IO);
    g_assert_nonnull (strstr (error->message, "x.nii"));
    g_clear_error (&error);
  }

  /* a read-only folder, when that means something */
  if (geteuid () != 0)
    {
      g_assert_cmpint (g_chmod (tmpdir, 0555), ==, 0);
      g_assert_false (pl_volume_save (big, target, &error));
      g_assert_error (error, PL_ERROR, PL_ERROR_IO);
      g_clear_error (&error);
      g_assert_cmpint (g_chmod (tmpdir, 0755), ==, 0);
      assert_untouched (target, before, n_files);
    }

  /* an unknown extension is refused before anything is written */
  {
    g_autofree char *odd = tmp_path ("volume.png");
    g_assert_false (pl_volume_save (small, odd, &error));
    g_assert_error (error, PL_ERROR, PL_ERROR_INVALID);
    g_clear_error (&error);
    g_assert_cmpuint (synth_count_files (tmpdir), ==, n_files);
  }

  /* saving through a symbolic link replaces the file it points to */
  {
    g_autofree char *link = tmp_path ("link.nii");
    g_autoptr (PlVolume) back = NULL;
    struct stat st;
    small->data[3] = 7.0f;
    g_assert_cmpint (symlink ("atomic.nii", link), ==, 0);
    g_assert_true (pl_volume_save (small, link, &error));
    g_assert_no_error (error);
    g_assert_cmpint (g_lstat (link, &st), ==, 0);
    g_assert_true (S_ISLNK (st.st_mode));
    back = pl_volume_load (target, 0, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpfloat (back->data[3], ==, 7.0f);
    g_unlink (link);
  }

  /* and a successful save replaces the file, leaving no temporary behind */
  g_assert_true (pl_volume_save (big, target, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (synth_count_files (tmpdir), ==, n_files);
  {
    g_autoptr (PlVolume) back = pl_volume_load (target, 0, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpmem (back->data, pl_volume_n_voxels (big) * sizeof (float),
                     big->data, pl_volume_n_voxels (big) * sizeof (float));
  }
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  tmpdir = synth_tmpdir ();
  g_test_add_func ("/nifti/write/round-trip", test_round_trip);
  g_test_add_func ("/nifti/write/synthetic", test_synthetic);
  g_test_add_func ("/nifti/write/atomic", test_atomic);
  status = g_test_run ();
  synth_rmtree (tmpdir);
  g_free (tmpdir);
  return status;
}
