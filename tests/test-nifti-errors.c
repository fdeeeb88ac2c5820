/* Bad NIfTI input: every kind gets its PL_ERROR code and a message
 * naming the file; nothing is returned.  Broken bytes are crafted here. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/data/volume.h"
#include "tests/nifti-synth.h"

static char *tmpdir;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

static void
assert_load_fails (const char *path, gint64 t, int code)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *base = g_path_get_basename (path);
  PlVolume *v = pl_volume_load (path, t, NULL, &error);

  g_assert_null (v);
  g_assert_error (error, PL_ERROR, code);
  g_test_message ("%s", error->message);
  /* the message names the file (for pairs: either half) */
  if (strstr (error->message, base) == NULL)
    {
      g_autofree char *stem = g_strndup (base, strcspn (base, "."));
      g_assert_nonnull (strstr (error->message, stem));
    }
}

/* A valid file's bytes, uncompressed. */
static GBytes *
valid_bytes (int version, int datatype, gint64 nx, gint64 ny, gint64 nz, SynthHeader *h)
{
  g_autoptr (GBytes) head = NULL, data = NULL;
  g_autofree double *values = g_new0 (double, nx * ny * nz);
  GByteArray *all = g_byte_array_new ();

  synth_header_init (h, version, datatype, nx, ny, nz);
  head = synth_header_bytes (h, FALSE);
  data = synth_data_bytes (h, values, nx * ny * nz);
  g_byte_array_append (all, g_bytes_get_data (head, NULL), g_bytes_get_size (head));
  g_byte_array_append (all, g_bytes_get_data (data, NULL), g_bytes_get_size (data));
  return g_byte_array_free_to_bytes (all);
}

static void
write_prefix (const char *name, GBytes *bytes, gsize n, gboolean gz, char **path)
{
  *path = tmp_path (name);
  synth_write_raw (*path, gz, g_bytes_get_data (bytes, NULL), MIN (n, g_bytes_get_size (bytes)));
}

static void
test_truncated (void)
{
  for (int version = 1; version <= 2; version++)
    for (int gz = 0; gz <= 1; gz++)
      {
        SynthHeader h;
        g_autoptr (GBytes) bytes = valid_bytes (version, 4, 10, 10, 10, &h);
        gsize n = g_bytes_get_size (bytes);
        g_autofree char *a = NULL, *b = NULL, *c = NULL;
        g_autofree char *na = g_strdup_printf ("head%d%d.nii%s", version, gz, gz ? ".gz" : "");
        g_autofree char *nb = g_strdup_printf ("data%d%d.nii%s", version, gz, gz ? ".gz" : "");
        g_autofree char *nc = g_strdup_printf ("one%d%d.nii%s", version, gz, gz ? ".gz" : "");

        write_prefix (na, bytes, version == 1 ? 200 : 500, gz, &a);
        assert_load_fails (a, 0, PL_ERROR_TRUNCATED);
        write_prefix (nb, bytes, n - 1, gz, &b);
        assert_load_fails (b, 0, PL_ERROR_TRUNCATED);
        write_prefix (nc, bytes, (version == 1 ? 352 : 544) + 1000, gz, &c);
        assert_load_fails (c, 0, PL_ERROR_TRUNCATED);
      }

  /* a short .img next to a good .hdr */
  {
    SynthHeader h;
    double values[8] = { 0 };
    g_autofree char *hdr = NULL, *img = tmp_path ("pair.img");
    synth_header_init (&h, 1, 16, 2, 2, 2);
    hdr = synth_write (tmpdir, "pair", SYNTH_PAIR, &h, values, 8);
    synth_write_raw (img, FALSE, values, 20);
    assert_load_fails (hdr, 0, PL_ERROR_TRUNCATED);
  }
}

static void
set_i16 (guint8 *p, gsize off, gint16 v)
{
  memcpy (p + off, &v, 2);
}

static void
set_i64 (guint8 *p, gsize off, gint64 v)
{
  memcpy (p + off, &v, 8);
}

static void
set_f32 (guint8 *p, gsize off, float v)
{
  memcpy (p + off, &v, 4);
}

/* Writes a valid little-endian file with some header bytes changed. */
typedef void (*Patch) (guint8 *bytes);

static char *
patched (const char *name, int version, int datatype, Patch patch, gboolean gz)
{
  SynthHeader h;
  g_autoptr (GBytes) bytes = NULL;
  g_autofree guint8 *copy = NULL;
  char *path = tmp_path (name);
  gsize n;

  g_assert_true (G_BYTE_ORDER == G_LITTLE_ENDIAN);
  bytes = valid_bytes (version, datatype, 4, 4, 4, &h);
  copy = g_bytes_unref_to_data (g_steal_pointer (&bytes), &n);
  patch (copy);
  synth_write_raw (path, gz, copy, n);
  return path;
}

static void p1_dim2_zero (guint8 *b)      { set_i16 (b, 40 + 2 * 2, 0); }
static void p1_dim3_negative (guint8 *b)  { set_i16 (b, 40 + 2 * 3, -5); }
static void p1_dim0_zero (guint8 *b)      { set_i16 (b, 40, 0); }
static void p1_dim0_eight (guint8 *b)     { set_i16 (b, 40, 8); }
static void p2_dim0_huge (guint8 *b)      { set_i64 (b, 16, 200); }
static void p2_dim0_negative (guint8 *b)  { set_i64 (b, 16, -3); }
static void p2_dims_overflow (guint8 *b)
{
  for (int i = 1; i <= 3; i++)
    set_i64 (b, 16 + 8 * i, G_GINT64_CONSTANT (1) << 40);
}
static void p2_dims_overflow_t (guint8 *b)
{
  set_i64 (b, 16, 5);
  for (int i = 4; i <= 5; i++)
    set_i64 (b, 16 + 8 * i, G_GINT64_CONSTANT (1) << 33);
}
/* 2^50 voxels: no overflow, but far beyond any memory budget */
static void p2_dims_huge (guint8 *b)
{
  set_i64 (b, 16 + 8, G_GINT64_CONSTANT (1) << 20);
  set_i64 (b, 16 + 16, G_GINT64_CONSTANT (1) << 20);
  set_i64 (b, 16 + 24, G_GINT64_CONSTANT (1) << 10);
}
static void p1_dt_unknown (guint8 *b)     { set_i16 (b, 70, 9999); }
static void p1_dt_complex (guint8 *b)     { set_i16 (b, 70, 32); }
static void p1_dt_rgb (guint8 *b)         { set_i16 (b, 70, 128); }
static void p2_dt_binary (guint8 *b)      { set_i16 (b, 12, 1); }
static void p1_off_past_end (guint8 *b)   { set_f32 (b, 108, 1e6f); }
static void p1_off_negative (guint8 *b)   { set_f32 (b, 108, -352.0f); }
static void p1_off_fraction (guint8 *b)   { set_f32 (b, 108, 352.5f); }
static void p1_off_nan (guint8 *b)        { set_f32 (b, 108, NAN); }
static void p1_off_in_header (guint8 *b)  { set_f32 (b, 108, 100.0f); }
static void p2_off_negative (guint8 *b)   { set_i64 (b, 168, -8); }
static void p2_off_past_end (guint8 *b)   { set_i64 (b, 168, 100000); }
static void p2_off_huge (guint8 *b)       { set_i64 (b, 168, G_MAXINT64 - 10); }
static void p1_magic_bad (guint8 *b)      { memcpy (b + 344, "abc", 4); }
static void p1_analyze (guint8 *b)        { memset (b + 344, 0, 4); }
static void p2_magic_bad (guint8 *b)      { memcpy (b + 4, "n+1", 4); }
static void p1_sizeof_bad (guint8 *b)     { guint32 v = 349; memcpy (b, &v, 4); }

typedef struct
{
  const char *name;
  int         version;
  int         datatype;
  Patch       patch;
  int         code;
  const char *says;   /* a word the message must contain */
} PatchCase;

static const PatchCase patch_cases[] = {
  { "dim2-zero",       1, 2, p1_dim2_zero,      PL_ERROR_BAD_DIMS, "dim[2]" },
  { "dim3-negative",   1, 2, p1_dim3_negative,  PL_ERROR_BAD_DIMS, "dim[3]" },
  { "dim0-zero",       1, 2, p1_dim0_zero,      PL_ERROR_BAD_DIMS, "dim[0]" },
  { "dim0-eight",      1, 2, p1_dim0_eight,     PL_ERROR_BAD_DIMS, "dim[0]" },
  { "n2-dim0-200",     2, 2, p2_dim0_huge,      PL_ERROR_BAD_DIMS, "dim[0]" },
  { "n2-dim0-neg",     2, 2, p2_dim0_negative,  PL_ERROR_BAD_DIMS, "dim[0]" },
  { "n2-overflow",     2, 16, p2_dims_overflow, PL_ERROR_BAD_DIMS, "dimensions" },
  { "n2-overflow-t",   2, 16, p2_dims_overflow_t, PL_ERROR_BAD_DIMS, "dimensions" },
  { "n2-huge",         2, 2, p2_dims_huge,      PL_ERROR_TOO_LARGE, "budget" },
  { "dt-unknown",      1, 2, p1_dt_unknown,     PL_ERROR_UNKNOWN_DATATYPE, "9999" },
  { "dt-complex",      1, 2, p1_dt_complex,     PL_ERROR_UNKNOWN_DATATYPE, "complex64" },
  { "dt-rgb",          1, 2, p1_dt_rgb,         PL_ERROR_UNKNOWN_DATATYPE, "rgb24" },
  { "n2-dt-binary",    2, 2, p2_dt_binary,      PL_ERROR_UNKNOWN_DATATYPE, "binary" },
  { "off-past-end",    1, 2, p1_off_past_end,   PL_ERROR_BAD_OFFSET, "past the end" },
  { "off-negative",    1, 2, p1_off_negative,   PL_ERROR_BAD_OFFSET, "vox_offset" },
  { "off-fraction",    1, 2, p1_off_fraction,   PL_ERROR_BAD_OFFSET, "vox_offset" },
  { "off-nan",         1, 2, p1_off_nan,        PL_ERROR_BAD_OFFSET, "vox_offset" },
  { "off-in-header",   1, 2, p1_off_in_header,  PL_ERROR_BAD_OFFSET, "inside" },
  { "n2-off-negative", 2, 2, p2_off_negative,   PL_ERROR_BAD_OFFSET, "negative" },
  { "n2-off-past-end", 2, 2, p2_off_past_end,   PL_ERROR_BAD_OFFSET, "past the end" },
  { "n2-off-huge",     2, 2, p2_off_huge,       PL_ERROR_BAD_OFFSET, "vox_offset" },
  { "magic",           1, 2, p1_magic_bad,      PL_ERROR_NOT_NIFTI, "magic" },
  { "analyze",         1, 2, p1_analyze,        PL_ERROR_NOT_NIFTI, "ANALYZE" },
  { "n2-magic",        2, 2, p2_magic_bad,      PL_ERROR_NOT_NIFTI, "magic" },
  { "sizeof-hdr",      1, 2, p1_sizeof_bad,     PL_ERROR_NOT_NIFTI, "348" },
};

static void
test_bad_headers (void)
{
  for (gsize c = 0; c < G_N_ELEMENTS (patch_cases); c++)
    for (int gz = 0; gz <= 1; gz++)
      {
        const PatchCase *pc = &patch_cases[c];
        g_autofree char *name = g_strdup_printf ("%s.nii%s", pc->name, gz ? ".gz" : "");
        g_autofree char *path = patched (name, pc->version, pc->datatype, pc->patch, gz);
        g_autoptr (GError) error = NULL;

        g_test_message ("case %s", name);
        assert_load_fails (path, 0, pc->code);
        g_assert_null (pl_volume_load (path, 0, NULL, &error));
        g_assert_nonnull (strstr (error->message, pc->says));
      }
}

static void
test_not_nifti (void)
{
  static const char text[] = "Hello, this is a text file and not an image at all.\n";
  g_autofree char *txt = tmp_path ("notes.nii");
  g_autofree char *empty = tmp_path ("empty.nii");
  g_autofree char *tiny = tmp_path ("tiny.nii.gz");
  g_autofree char *missing = tmp_path ("missing.nii");
  g_autofree char *lonely = tmp_path ("lonely.hdr");
  g_autofree char *noheader = tmp_path ("noheader.img");
  g_autofree char *corrupt = tmp_path ("corrupt.nii.gz");

  synth_write_raw (txt, FALSE, text, sizeof text - 1);
  assert_load_fails (txt, 0, PL_ERROR_NOT_NIFTI);
  synth_write_raw (empty, FALSE, "", 0);
  assert_load_fails (empty, 0, PL_ERROR_NOT_NIFTI);
  synth_write_raw (tiny, TRUE, "ab", 2);
  assert_load_fails (tiny, 0, PL_ERROR_NOT_NIFTI);
  assert_load_fails (missing, 0, PL_ERROR_IO);
  assert_load_fails (tmpdir, 0, PL_ERROR_IO);
  /* a FIFO with no writer: refused at once, not waited on */
  {
    g_autofree char *fifo = tmp_path ("fifo.nii");
    g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
    assert_load_fails (fifo, 0, PL_ERROR_IO);
  }

  /* a pair header whose .img is missing, and an .img without a .hdr */
  {
    SynthHeader h;
    g_autoptr (GBytes) head = NULL;
    synth_header_init (&h, 1, 2, 2, 2, 2);
    head = synth_header_bytes (&h, TRUE);
    synth_write_raw (lonely, FALSE, g_bytes_get_data (head, NULL), g_bytes_get_size (head));
    assert_load_fails (lonely, 0, PL_ERROR_IO);
    synth_write_raw (noheader, FALSE, "12345678", 8);
    assert_load_fails (noheader, 0, PL_ERROR_IO);
  }

  /* a gzip stream with damaged deflate data */
  {
    SynthHeader h;
    g_autoptr (GBytes) bytes = valid_bytes (1, 16, 20, 20, 20, &h);
    g_autofree char *plain = tmp_path ("corrupt-src.nii.gz");
    g_autoptr (GBytes) packed = NULL;
    g_autofree guint8 *raw = NULL;
    gsize n;
    g_autoptr (GError) error = NULL;

    synth_write_raw (plain, TRUE, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
    g_file_get_contents (plain, (char **) &raw, &n, &error);
    g_assert_no_error (error);
    for (gsize i = 12; i < n - 8; i += 7)
      raw[i] ^= 0x5a;
    synth_write_raw (corrupt, FALSE, raw, n);
    g_assert_null (pl_volume_load (corrupt, 0, NULL, &error));
    g_assert_true (g_error_matches (error, PL_ERROR, PL_ERROR_INVALID)
                   || g_error_matches (error, PL_ERROR, PL_ERROR_TRUNCATED)
                   || g_error_matches (error, PL_ERROR, PL_ERROR_NOT_NIFTI));
    g_assert_nonnull (strstr (error->message, "corrupt.nii.gz"));
  }
}

/* A header may not make the reader allocate past the memory budget, and the
 * budget is honoured whatever the form. */
static void
test_memory_budget (void)
{
  guint64 saved = pl_volume_get_memory_budget ();
  SynthHeader h;
  g_autofree double *values = g_new0 (double, 64 * 64 * 64);

  synth_header_init (&h, 1, 2, 64, 64, 64);   /* 1 MiB as float32 */
  for (gsize f = 0; f < 2; f++)
    {
      g_autofree char *path = synth_write (tmpdir, f ? "budget-gz" : "budget",
                                           f ? SYNTH_NII_GZ : SYNTH_NII, &h, values, 64 * 64 * 64);
      g_autoptr (PlVolume) fits = NULL;
      g_autoptr (GError) error = NULL;

      pl_volume_set_memory_budget (64 * 64 * 64 * 4 - 1);
      assert_load_fails (path, 0, PL_ERROR_TOO_LARGE);
      pl_volume_set_memory_budget (64 * 64 * 64 * 4);
      fits = pl_volume_load (path, 0, NULL, &error);
      g_assert_no_error (error);
    }
  pl_volume_set_memory_budget (saved);

  /* gzip data that claim 40 M voxels but hold a few: truncated, found
   * after reading what there is */
  {
    g_autofree char *path = NULL;
    synth_header_init (&h, 2, 16, 1000, 1000, 40);
    path = synth_write (tmpdir, "claims", SYNTH_NII_GZ, &h, values, 1000);
    assert_load_fails (path, 0, PL_ERROR_TRUNCATED);
  }
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  tmpdir = synth_tmpdir ();
  g_test_add_func ("/nifti/errors/truncated", test_truncated);
  g_test_add_func ("/nifti/errors/bad-headers", test_bad_headers);
  g_test_add_func ("/nifti/errors/not-nifti", test_not_nifti);
  g_test_add_func ("/nifti/errors/memory-budget", test_memory_budget);
  status = g_test_run ();
  synth_rmtree (tmpdir);
  g_free (tmpdir);
  return status;
}
