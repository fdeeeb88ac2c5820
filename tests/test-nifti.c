/* Reading NIfTI volumes: every datatype, both versions, both byte orders,
 * every file form; scaling; orientation and the matrix rules; 4-D; NaN/Inf;
 * progress and cancellation.  Files are built by tests/nifti-synth.c. */
#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "engine/io/nifti.h"
#include "engine/data/volume.h"
#include "tests/nifti-synth.h"

static const SynthForm all_forms[] = { SYNTH_NII, SYNTH_NII_GZ, SYNTH_PAIR, SYNTH_PAIR_GZ };

static PlVolume *
load_ok (const char *path, gint64 t)
{
  g_autoptr (GError) error = NULL;
  PlVolume *v = pl_volume_load (path, t, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (v);
  return v;
}

typedef struct
{
  int    datatype;
  double values[6];   /* including the type's extremes */
} TypeCase;

static void
test_datatypes (void)
{
  static const TypeCase cases[] = {
    { 2,    { 0, 1, 7, 128, 254, 255 } },
    { 256,  { -128, -1, 0, 1, 100, 127 } },
    { 4,    { -32768, -300, 0, 5, 1000, 32767 } },
    { 512,  { 0, 1, 300, 40000, 65534, 65535 } },
    { 8,    { -2147483648.0, -70000, 0, 3, 123456789, 2147483647.0 } },
    { 768,  { 0, 1, 70000, 3000000000.0, 4294967294.0, 4294967295.0 } },
    { 1024, { -0x1p62, -5, 0, 5, 1e15, 0x1p62 } },
    { 1280, { 0, 1, 5, 1e15, 0x1p62, 0x1p63 } },
    { 16,   { -3.5, -1e-3, 0, 0.25, 1e30, -1e30 } },
    { 64,   { -2.75, 1e-300, 0, 0.1, 1e38, -123456.789 } },
  };
  g_autofree char *dir = synth_tmpdir ();
  int files = 0;

  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    for (int version = 1; version <= 2; version++)
      for (int big = 0; big <= 1; big++)
        for (gsize f = 0; f < G_N_ELEMENTS (all_forms); f++)
          {
            SynthHeader h;
            double values[5 * 4 * 3];
            g_autofree char *base = g_strdup_printf ("dt%d-v%d-%s-%d", cases[c].datatype,
                                                     version, big ? "be" : "le", (int) f);
            g_autofree char *path = NULL;
            g_autoptr (PlVolume) v = NULL;
            double lo = INFINITY, hi = -INFINITY, sum = 0.0;

            synth_header_init (&h, version, cases[c].datatype, 5, 4, 3);
            h.big_endian = big;
            for (gsize i = 0; i < G_N_ELEMENTS (values); i++)
              values[i] = cases[c].values[(i * 7 + i / 5) % 6];
            path = synth_write (dir, base, all_forms[f], &h, values, G_N_ELEMENTS (values));
            v = load_ok (path, 0);
            files++;

            g_assert_cmpint (v->datatype, ==, cases[c].datatype);
            g_assert_cmpint (v->nifti_version, ==, version);
            g_assert_cmpint (v->dim[0], ==, 5);
            g_assert_cmpint (v->dim[1], ==, 4);
            g_assert_cmpint (v->dim[2], ==, 3);
            g_assert_cmpint (v->n_volumes, ==, 1);
            g_assert_cmpint (v->n_nonfinite, ==, 0);
            for (gsize i = 0; i < G_N_ELEMENTS (values); i++)
              {
                float expect = (float) values[i];
                g_assert_cmpfloat (v->data[i], ==, expect);
                lo = MIN (lo, expect);
                hi = MAX (hi, expect);
                sum += expect;
              }
            g_assert_cmpfloat (v->min, ==, (float) lo);
            g_assert_cmpfloat (v->max, ==, (float) hi);
            g_assert_cmpfloat_with_epsilon (v->mean, sum / G_N_ELEMENTS (values),
                                            1e-6 * MAX (1.0, fabs (hi - lo)));
          }
  g_assert_cmpint (files, ==, 10 * 2 * 2 * 4);
  synth_rmtree (dir);
}

static void
test_scaling (void)
{
  static const struct { double slope, inter, expect_slope, expect_inter; } cases[] = {
    { 2.5, -10.0, 2.5, -10.0 },
    { 0.0, 7.0, 1.0, 0.0 },          /* slope 0: no scaling at all */
    { NAN, 3.0, 1.0, 0.0 },          /* a bad slope is ignored */
    { 2.0, NAN, 2.0, 0.0 },          /* a bad intercept counts as 0 */
    { -0.5, 100.0, -0.5, 100.0 },
  };
  g_autofree char *dir = synth_tmpdir ();

  for (int dt = 0; dt < 2; dt++)
    for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
      {
        SynthHeader h;
        double values[24];
        g_autofree char *base = g_strdup_printf ("scl%d-%d", dt, (int) c);
        g_autofree char *path = NULL;
        g_autoptr (PlVolume) v = NULL;

        synth_header_init (&h, 1, dt ? 16 : 4, 4, 3, 2);
        h.scl_slope = cases[c].slope;
        h.scl_inter = cases[c].inter;
        for (int i = 0; i < 24; i++)
          values[i] = dt ? i * 0.5 - 3.0 : i * 3 - 20;
        path = synth_write (dir, base, SYNTH_NII, &h, values, 24);
        v = load_ok (path, 0);
        for (int i = 0; i < 24; i++)
          g_assert_cmpfloat (v->data[i], ==,
                             (float) (values[i] * cases[c].expect_slope + cases[c].expect_inter));
        /* the header's own numbers are reported as stored */
        g_assert_true (isnan (cases[c].slope) ? isnan (v->scl_slope)
                                              : v->scl_slope == (float) cases[c].slope);
      }
  synth_rmtree (dir);
}

typedef struct
{
  const char   *name;
  int           qform_code, sform_code;
  double        srow[3][4];
  double        quatern[3], qoffset[3];
  double        pixdim[4];    /* pixdim[0] is qfac */
  PlXformSource source;
  const char   *code;
  double        expect[3][4];
} OrientCase;

#define S45 0.70710678118654752

static const OrientCase orient_cases[] = {
  { "ras", 0, 2, { { 1.5, 0, 0, -10 }, { 0, 2, 0, -20 }, { 0, 0, 2.5, -30 } },
    { 0 }, { 0 }, { 1, 1.5, 2, 2.5 }, PL_XFORM_SFORM, "RAS",
    { { 1.5, 0, 0, -10 }, { 0, 2, 0, -20 }, { 0, 0, 2.5, -30 } } },
  { "lpi", 1, 1, { { -1, 0, 0, 90 }, { 0, -1, 0, 126 }, { 0, 0, -1, 72 } },
    { 0, 0, 1 }, { 1, 2, 3 }, { 1, 1, 1, 1 }, PL_XFORM_SFORM, "LPI",
    { { -1, 0, 0, 90 }, { 0, -1, 0, 126 }, { 0, 0, -1, 72 } } },
  /* i points to A, j to S, k to L */
  { "asl", 0, 4, { { 0, 0, -1.5, 5 }, { 2, 0, 0, 6 }, { 0, 3, 0, 7 } },
    { 0 }, { 0 }, { 1, 2, 3, 1.5 }, PL_XFORM_SFORM, "ASL",
    { { 0, 0, -1.5, 5 }, { 2, 0, 0, 6 }, { 0, 3, 0, 7 } } },
  /* 20 degrees about z, then 10 about x: still nearest to RAS */
  { "oblique", 0, 3,
    { { 0.9396926, -0.3213938, -0.1166978, 1 }, { 0.3420201, 0.8830222, 0.3213938, 2 },
      { 0, -0.3420201, 0.9396926, 3 } },
    { 0 }, { 0 }, { 1, 1, 1, 1 }, PL_XFORM_SFORM, "RAS",
    { { 0.9396926, -0.3213938, -0.1166978, 1 }, { 0.3420201, 0.8830222, 0.3213938, 2 },
      { 0, -0.3420201, 0.9396926, 3 } } },
  /* qform only, identity rotation with qfac = -1: k points inferior */
  { "qfac", 1, 0, { { 0 } }, { 0, 0, 0 }, { -5, 6, 70 }, { -1, 1, 2, 3 }, PL_XFORM_QFORM, "RAI",
    { { 1, 0, 0, -5 }, { 0, 2, 0, 6 }, { 0, 0, -3, 70 } } },
  /* qform: 90 degrees about z (b = c = 0, d = sin 45): i to A, j to L */
  { "qrot", 2, 0, { { 0 } }, { 0, 0, S45 }, { 1, 2, 3 }, { 1, 2, 3, 4 }, PL_XFORM_QFORM, "ALS",
    { { 0, -3, 0, 1 }, { 2, 0, 0, 2 }, { 0, 0, 4, 3 } } },
  /* no codes: pixdim scaling, a negative voxel size counted by magnitude */
  { "pixdim", 0, 0, { { 9, 9, 9, 9 } }, { 0 }, { 0 }, { 1, 2, -3, 4 }, PL_XFORM_PIXDIM, "RAS",
    { { 2, 0, 0, 0 }, { 0, 3, 0, 0 }, { 0, 0, 4, 0 } } },
  /* sform_code set but the matrix is singular: fall back to the qform */
  { "bad-sform", 1, 2, { { 0 } }, { 0, 0, 0 }, { 4, 5, 6 }, { 1, 1, 1, 1 }, PL_XFORM_QFORM, "RAS",
    { { 1, 0, 0, 4 }, { 0, 1, 0, 5 }, { 0, 0, 1, 6 } } },
};

static void
test_orientations (void)
{
  g_autofree char *dir = synth_tmpdir ();

  for (gsize c = 0; c < G_N_ELEMENTS (orient_cases); c++)
    for (int version = 1; version <= 2; version++)
      {
        const OrientCase *oc = &orient_cases[c];
        SynthHeader h;
        double values[6 * 5 * 4];
        g_autofree char *base = g_strdup_printf ("%s-%d", oc->name, version);
        g_autofree char *path = NULL;
        g_autoptr (PlVolume) v = NULL;
        char code[4];
        double tol = version == 1 ? 1e-5 : 1e-12;

        synth_header_init (&h, version, 4, 6, 5, 4);
        h.qform_code = oc->qform_code;
        h.sform_code = oc->sform_code;
        memcpy (h.srow, oc->srow, sizeof h.srow);
        memcpy (h.quatern, oc->quatern, sizeof h.quatern);
        memcpy (h.qoffset, oc->qoffset, sizeof h.qoffset);
        for (int i = 0; i < 4; i++)
          h.pixdim[i] = oc->pixdim[i];
        for (int k = 0; k < 4; k++)
          for (int j = 0; j < 5; j++)
            for (int i = 0; i < 6; i++)
              values[i + 6 * (j + 5 * k)] = i + 10 * j + 100 * k;
        path = synth_write (dir, base, SYNTH_NII, &h, values, G_N_ELEMENTS (values));
        v = load_ok (path, 0);

        g_test_message ("case %s, NIfTI-%d", oc->name, version);
        g_assert_cmpint (v->xform_source, ==, oc->source);
        for (int r = 0; r < 3; r++)
          for (int col = 0; col < 4; col++)
            g_assert_cmpfloat_with_epsilon (v->vox2world[r][col], oc->expect[r][col], tol);
        g_assert_cmpfloat (v->vox2world[3][3], ==, 1.0);
        pl_volume_orientation_code (v, code);
        g_assert_cmpstr (code, ==, oc->code);
        for (int a = 0; a < 3; a++)
          g_assert_cmpfloat (v->pixdim[a], >, 0.0);
        /* voxel (i, j, k) is data[i + nx (j + ny k)] whatever the orientation */
        g_assert_cmpfloat (v->data[3 + 6 * (2 + 5 * 1)], ==, 3 + 20 + 100);
      }
  synth_rmtree (dir);
}

static void
test_four_d (void)
{
  g_autofree char *dir = synth_tmpdir ();
  enum { NX = 3, NY = 2, NZ = 2, NT = 4, N3 = NX * NY * NZ };

  for (gsize f = 0; f < G_N_ELEMENTS (all_forms); f++)
    {
      SynthHeader h;
      double values[N3 * NT];
      g_autofree char *base = g_strdup_printf ("4d-%d", (int) f);
      g_autofree char *path = NULL;
      g_autoptr (GError) error = NULL;
      PlVolume *bad;

      synth_header_init (&h, 1 + (int) f % 2, 64, NX, NY, NZ);
      h.dim[0] = 4;
      h.dim[4] = NT;
      for (int i = 0; i < N3 * NT; i++)
        values[i] = (i / N3) * 1000 + i % N3 + 0.5;
      path = synth_write (dir, base, all_forms[f], &h, values, G_N_ELEMENTS (values));

      for (int t = NT - 1; t >= 0; t--)
        {
          g_autoptr (PlVolume) v = load_ok (path, t);
          g_assert_cmpint (v->n_volumes, ==, NT);
          g_assert_cmpint (v->volume_index, ==, t);
          for (int i = 0; i < N3; i++)
            g_assert_cmpfloat (v->data[i], ==, t * 1000 + i + 0.5);
        }
      bad = pl_volume_load (path, NT, NULL, &error);
      g_assert_null (bad);
      g_assert_error (error, PL_ERROR, PL_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, base));
      g_clear_error (&error);
      bad = pl_volume_load (path, -1, NULL, &error);
      g_assert_null (bad);
      g_assert_error (error, PL_ERROR, PL_ERROR_INVALID);
    }

  /* dims beyond the 4th multiply into the volume count */
  {
    SynthHeader h;
    double values[2 * 2 * 3];
    g_autofree char *path = NULL;
    g_autoptr (PlVolume) v = NULL;

    synth_header_init (&h, 2, 2, 2, 1, 1);
    h.dim[0] = 5;
    h.dim[2] = h.dim[3] = 1;
    h.dim[4] = 2;
    h.dim[5] = 3;
    for (int i = 0; i < 12; i++)
      values[i] = i;
    path = synth_write (dir, "5d", SYNTH_NII, &h, values, 12);
    v = load_ok (path, 5);
    g_assert_cmpint (v->n_volumes, ==, 6);
    g_assert_cmpfloat (v->data[1], ==, 11);
  }
  synth_rmtree (dir);
}

static void
test_nonfinite (void)
{
  g_autofree char *dir = synth_tmpdir ();
  SynthHeader h;
  double values[8] = { 1, NAN, 2, INFINITY, -INFINITY, 3, 1e300, -4 };
  g_autofree char *path = NULL;
  g_autoptr (PlVolume) v = NULL;
  g_autoptr (PlVolume) d = NULL;
  g_autoptr (PlVolume) s = NULL;

  synth_header_init (&h, 1, 16, 2, 2, 2);
  path = synth_write (dir, "nan32", SYNTH_NII, &h, values, 8);
  v = load_ok (path, 0);
  g_assert_cmpint (v->n_nonfinite, ==, 4);   /* 1e300 is +inf as float32 */
  for (int i = 0; i < 8; i++)
    g_assert_cmpfloat (v->data[i], ==, isfinite ((float) values[i]) ? (float) values[i] : 0.0f);
  g_assert_cmpfloat (v->min, ==, -4.0f);
  g_assert_cmpfloat (v->max, ==, 3.0f);

  /* statistics: loaded non-finite voxels count as the zeros they are
   * stored as; non-finite values put in later are skipped wherever they
   * fall, including after the last multiple of four */
  {
    double odd[27];
    g_autoptr (PlVolume) o = NULL;
    gint64 dim[3] = { 3, 3, 3 };
    g_autoptr (PlVolume) m = pl_volume_new (dim, NULL, NULL);
    double sum = 0.0;

    for (int i = 0; i < 27; i++)
      odd[i] = i * 1.5 - 2.0;
    odd[2] = NAN;
    odd[24] = -50.0;
    odd[26] = -INFINITY;
    synth_header_init (&h, 1, 16, 3, 3, 3);
    g_free (path);
    path = synth_write (dir, "odd", SYNTH_NII, &h, odd, 27);
    o = load_ok (path, 0);
    g_assert_cmpint (o->n_nonfinite, ==, 2);
    for (int i = 0; i < 27; i++)
      sum += isfinite (odd[i]) ? odd[i] : 0.0;
    g_assert_cmpfloat (o->min, ==, -50.0f);
    g_assert_cmpfloat (o->max, ==, 25 * 1.5f - 2.0f);
    g_assert_cmpfloat_with_epsilon (o->mean, sum / 27, 1e-5);

    sum = 0.0;
    for (int i = 0; i < 27; i++)
      {
        m->data[i] = (float) odd[i];
        if (isfinite (odd[i]))
          sum += odd[i];
      }
    m->data[25] = 1000.0f;
    sum += 1000.0 - odd[25];
    pl_volume_update_stats (m);
    g_assert_cmpfloat (m->min, ==, -50.0f);
    g_assert_cmpfloat (m->max, ==, 1000.0f);
    g_assert_cmpfloat_with_epsilon (m->mean, sum / 25, 1e-4);
  }

  /* float64 beyond float32's range becomes non-finite too */
  synth_header_init (&h, 2, 64, 2, 2, 2);
  g_free (path);
  path = synth_write (dir, "nan64", SYNTH_NII_GZ, &h, values, 8);
  d = load_ok (path, 0);
  g_assert_cmpint (d->n_nonfinite, ==, 4);

  /* and so does an integer scaled past it */
  {
    double ints[8] = { 1, 2, 3, 4, 5, 6, 7, 2000000000 };
    synth_header_init (&h, 1, 8, 2, 2, 2);
    h.scl_slope = 1e30f;
    g_free (path);
    path = synth_write (dir, "scaled", SYNTH_NII, &h, ints, 8);
    s = load_ok (path, 0);
    g_assert_cmpint (s->n_nonfinite, ==, 1);
    g_assert_cmpfloat (s->data[7], ==, 0.0f);
    g_assert_cmpfloat (s->data[0], ==, (float) (1.0 * (double) 1e30f));
  }
  synth_rmtree (dir);
}

typedef struct
{
  GArray *fractions;
  int     stop_after;   /* < 0: never */
} ProgressLog;

static gboolean
log_progress (double fraction, const char *message, gpointer user_data)
{
  ProgressLog *log = user_data;
  g_array_append_val (log->fractions, fraction);
  return log->stop_after < 0 || (int) log->fractions->len < log->stop_after;
}

static void
test_progress (void)
{
  g_autofree char *dir = synth_tmpdir ();
  enum { NX = 64, NY = 64, NZ = 96, N = NX * NY * NZ };   /* 1.5 MiB of float32 */
  SynthHeader h;
  g_autofree double *values = g_new (double, 2 * N);

  synth_header_init (&h, 1, 16, NX, NY, NZ);
  h.dim[0] = 4;
  h.dim[4] = 2;
  for (gsize i = 0; i < 2 * N; i++)
    values[i] = (double) (i % 1000);

  for (int gz = 0; gz <= 1; gz++)
    {
      g_autofree char *base = g_strdup_printf ("progress%d", gz);
      g_autofree char *path = synth_write (dir, base, gz ? SYNTH_NII_GZ : SYNTH_NII, &h, values, 2 * N);
      ProgressLog log = { g_array_new (FALSE, FALSE, sizeof (double)), -1 };
      PlProgress progress = { log_progress, &log, NULL };
      g_autoptr (GError) error = NULL;
      g_autoptr (PlVolume) v = pl_volume_load (path, 1, &progress, &error);
      gint cancel = 0;
      PlProgress cancelled = { NULL, NULL, &cancel };

      g_assert_no_error (error);
      g_assert_cmpfloat (v->data[5], ==, (double) ((N + 5) % 1000));
      g_assert_cmpuint (log.fractions->len, >=, 2);
      for (guint i = 1; i < log.fractions->len; i++)
        g_assert_cmpfloat (g_array_index (log.fractions, double, i), >,
                           g_array_index (log.fractions, double, i - 1));
      g_assert_cmpfloat (g_array_index (log.fractions, double, log.fractions->len - 1), ==, 1.0);

      /* stopping from the callback */
      g_array_set_size (log.fractions, 0);
      log.stop_after = 1;
      g_assert_null (pl_volume_load (path, 1, &progress, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_cmpuint (log.fractions->len, ==, 1);
      g_clear_error (&error);

      /* and from the flag */
      g_atomic_int_set (&cancel, 1);
      g_assert_null (pl_volume_load (path, 0, &cancelled, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_array_unref (log.fractions);
    }
  synth_rmtree (dir);
}

/* A gzip stream larger than the first allocation: the output grows. */
static void
test_gzip_growth (void)
{
  g_autofree char *dir = synth_tmpdir ();
  enum { NX = 160, NY = 160, NZ = 200, N = NX * NY * NZ };   /* 5.1 M voxels > 4 Mi */
  SynthHeader h;
  g_autofree double *values = g_new (double, N);
  g_autofree char *path = NULL;
  g_autoptr (PlVolume) v = NULL;

  synth_header_init (&h, 1, 2, NX, NY, NZ);
  for (gsize i = 0; i < N; i++)
    values[i] = (double) ((i / NX) % 251);
  path = synth_write (dir, "big", SYNTH_NII_GZ, &h, values, N);
  v = load_ok (path, 0);
  for (gsize i = 0; i < N; i += 997)
    g_assert_cmpfloat (v->data[i], ==, values[i]);
  g_assert_cmpfloat (v->data[N - 1], ==, values[N - 1]);
  synth_rmtree (dir);
}

static void
test_nifti_info (void)
{
  g_autofree char *dir = synth_tmpdir ();
  SynthHeader h;
  double values[2 * 3 * 4 * 2] = { 0 };
  g_autofree char *path = NULL;
  g_autoptr (PlVolume) v = NULL;
  g_autoptr (PlVolume) synthetic = NULL;
  PlNiftiInfo info;
  gint64 dim[3] = { 2, 2, 2 };

  synth_header_init (&h, 2, 512, 2, 3, 4);
  h.dim[0] = 4;
  h.dim[4] = 2;
  h.pixdim[4] = 2.5;
  h.xyzt_units = 10;
  h.intent_code = 1002;
  h.big_endian = TRUE;
  path = synth_write (dir, "info", SYNTH_PAIR, &h, values, G_N_ELEMENTS (values));
  v = load_ok (path, 1);
  g_assert_true (pl_volume_get_nifti_info (v, &info));
  g_assert_cmpint (info.nifti_version, ==, 2);
  g_assert_cmpint (info.n_dims, ==, 4);
  g_assert_cmpint (info.dim[3], ==, 2);
  g_assert_cmpfloat (info.pixdim[4], ==, 2.5);
  g_assert_cmpint (info.xyzt_units, ==, 10);
  g_assert_cmpint (info.intent_code, ==, 1002);
  g_assert_true (info.pair);
  g_assert_true (info.swapped == (G_BYTE_ORDER != G_BIG_ENDIAN));
  g_assert_cmpstr (pl_nifti_datatype_name (info.datatype), ==, "uint16");
  g_assert_cmpstr (pl_nifti_datatype_name (32), ==, "complex64");
  g_assert_cmpstr (pl_nifti_datatype_name (4242), ==, "unknown");

  synthetic = pl_volume_new (dim, NULL, NULL);
  g_assert_false (pl_volume_get_nifti_info (synthetic, &info));
  synth_rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nifti/read/datatypes", test_datatypes);
  g_test_add_func ("/nifti/read/scaling", test_scaling);
  g_test_add_func ("/nifti/read/orientations", test_orientations);
  g_test_add_func ("/nifti/read/four-d", test_four_d);
  g_test_add_func ("/nifti/read/nonfinite", test_nonfinite);
  g_test_add_func ("/nifti/read/progress", test_progress);
  g_test_add_func ("/nifti/read/gzip-growth", test_gzip_growth);
  g_test_add_func ("/nifti/read/info", test_nifti_info);
  return g_test_run ();
}
