/* Writes the seed corpus of the fuzz targets: small valid and broken NIfTI
 * files (uncompressed, in fuzz/corpus/nifti and nifti-gz; a gzip one for
 * the plain target's content sniffing), label descriptions, and model files
 * (safetensors written by the engine, then damaged one way each).
 *
 *   make-corpus FUZZ_DIR      (normally scripts/fuzz --corpus) */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <zlib.h>

#include "engine/nn/model.h"
#include "tests/nifti-synth.h"

static const char *root;

static void
put (const char *target, const char *name, const void *data, gsize n)
{
  g_autofree char *dir = g_build_filename (root, "corpus", target, NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;

  g_mkdir_with_parents (dir, 0755);
  if (!g_file_set_contents (path, data, (gssize) n, &error))
    g_error ("%s", error->message);
}

/* The whole single-file image (header, extender or extension, data). */
static GBytes *
nifti_bytes (const SynthHeader *h, const double *values, gsize n, gboolean pair,
             const guint8 *extension, gsize ext_len)
{
  g_autoptr (GBytes) head = synth_header_bytes (h, pair);
  g_autoptr (GBytes) data = synth_data_bytes (h, values, n);
  GByteArray *all = g_byte_array_new ();
  gsize hn = g_bytes_get_size (head);

  /* a pair's header file is the bare header: the .img starts with voxels */
  g_byte_array_append (all, g_bytes_get_data (head, NULL), pair ? hn - 4 : hn);
  if (extension != NULL)
    {
      all->data[hn - 4] = 1;   /* extender: extensions follow */
      g_byte_array_append (all, extension, ext_len);
    }
  g_byte_array_append (all, g_bytes_get_data (data, NULL), g_bytes_get_size (data));
  return g_byte_array_free_to_bytes (all);
}

/* Takes the bytes. */
static void
put_nifti (const char *name, GBytes *bytes)
{
  put ("nifti", name, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  put ("nifti-gz", name, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_bytes_unref (bytes);
}

static void
nifti_seeds (void)
{
  SynthHeader h;
  double v[64];

  for (int i = 0; i < 64; i++)
    v[i] = (i * 37) % 61 - 20;

  synth_header_init (&h, 1, 2, 4, 4, 4);
  h.sform_code = 1;
  h.srow[0][0] = 1; h.srow[1][1] = 1; h.srow[2][2] = 1;
  h.srow[0][3] = -2; h.srow[1][3] = -2; h.srow[2][3] = -2;
  {
    g_autoptr (GBytes) b = nifti_bytes (&h, v, 64, FALSE, NULL, 0);
    gsize n;
    const guint8 *p = g_bytes_get_data (b, &n);
    gzFile f;
    g_autofree char *tmp = g_build_filename (g_get_tmp_dir (), "pellucid-seed.nii.gz", NULL);
    g_autofree char *gz = NULL;
    gsize gzn;

    put_nifti ("n1-uint8-sform", g_bytes_ref (b));
    /* broken variants of the same file */
    put_nifti ("n1-truncated-header", g_bytes_new_static (p, 200));
    put_nifti ("n1-truncated-data", g_bytes_new_static (p, n - 9));
    /* gzip content for the plain target's sniffing */
    f = gzopen (tmp, "wb9");
    gzwrite (f, p, (unsigned) n);
    gzclose (f);
    g_file_get_contents (tmp, &gz, &gzn, NULL);
    put ("nifti", "n1-uint8-gzip", gz, gzn);
    g_unlink (tmp);
  }

  synth_header_init (&h, 1, 4, 3, 3, 3);
  h.big_endian = TRUE;
  h.qform_code = 1;
  h.quatern[2] = 0.5;
  h.qoffset[0] = 10;
  h.pixdim[0] = -1;
  h.pixdim[1] = 0.5;
  h.scl_slope = 2;
  h.scl_inter = -3;
  put_nifti ("n1-int16-be-qform", nifti_bytes (&h, v, 27, FALSE, NULL, 0));

  synth_header_init (&h, 2, 16, 2, 2, 2);
  h.dim[0] = 4;
  h.dim[4] = 3;
  {
    double f[24];
    for (int i = 0; i < 24; i++)
      f[i] = i == 5 ? NAN : i == 9 ? INFINITY : i * 0.25;
    put_nifti ("n2-float32-4d-nan", nifti_bytes (&h, f, 24, FALSE, NULL, 0));
  }

  synth_header_init (&h, 2, 64, 3, 2, 2);
  h.big_endian = TRUE;
  h.sform_code = 2;
  h.qform_code = 2;
  h.srow[0][1] = 1; h.srow[1][2] = 1; h.srow[2][0] = -1;
  h.quatern[0] = 0.5; h.quatern[1] = 0.5; h.quatern[2] = 0.5;
  put_nifti ("n2-float64-be-asl", nifti_bytes (&h, v, 12, FALSE, NULL, 0));

  synth_header_init (&h, 1, 512, 3, 3, 2);
  put_nifti ("n1-pair-uint16", nifti_bytes (&h, v, 18, TRUE, NULL, 0));

  synth_header_init (&h, 2, 256, 2, 3, 2);
  h.big_endian = TRUE;
  put_nifti ("n2-pair-int8-be", nifti_bytes (&h, v, 12, TRUE, NULL, 0));

  synth_header_init (&h, 1, 2, 4, 4, 2);
  h.intent_code = 1002;
  {
    double l[32];
    for (int i = 0; i < 32; i++)
      l[i] = i % 5;
    put_nifti ("n1-labels-uint8", nifti_bytes (&h, l, 32, FALSE, NULL, 0));
  }

  /* one 16-byte extension: esize 16, ecode 4 (AFNI), 8 bytes of content */
  {
    static const guint8 ext[16] = { 16, 0, 0, 0, 4, 0, 0, 0, '<', '?', 'x', 'm', 'l', ' ', '/', '>' };
    synth_header_init (&h, 1, 8, 2, 2, 2);
    h.vox_offset = 368;
    put_nifti ("n1-extension-int32", nifti_bytes (&h, v, 8, FALSE, ext, sizeof ext));
  }

  synth_header_init (&h, 1, 768, 5, 3, 1);
  h.dim[0] = 2;
  put_nifti ("n1-2d-uint32", nifti_bytes (&h, v + 20, 15, FALSE, NULL, 0));

  synth_header_init (&h, 2, 1024, 2, 2, 1);
  put_nifti ("n2-int64", nifti_bytes (&h, v, 4, FALSE, NULL, 0));
  synth_header_init (&h, 2, 1280, 2, 1, 2);
  put_nifti ("n2-uint64", nifti_bytes (&h, v + 30, 4, FALSE, NULL, 0));

  /* broken headers */
  synth_header_init (&h, 1, 32, 2, 2, 2);
  put_nifti ("n1-complex", nifti_bytes (&h, v, 16, FALSE, NULL, 0));
  synth_header_init (&h, 1, 2, 2, 0, 2);
  put_nifti ("n1-dim-zero", nifti_bytes (&h, v, 0, FALSE, NULL, 0));
  synth_header_init (&h, 2, 2, 2, 2, 2);
  h.vox_offset = 100000;
  put_nifti ("n2-offset-past-end", synth_header_bytes (&h, FALSE));
  synth_header_init (&h, 1, 2, 2, 2, 2);
  strcpy (h.magic, "n+9");
  put_nifti ("n1-bad-magic", nifti_bytes (&h, v, 8, FALSE, NULL, 0));
}

static void
label_seeds (void)
{
  static const char itksnap[] =
    "################################################\n"
    "# ITK-SnAP Label Description File\n"
    "# File format: \n"
    "# IDX   -R-  -G-  -B-  -A--  VIS MSH  LABEL\n"
    "################################################\n"
    "# Pellucid locked labels: 2 17\n"
    "    0     0    0    0        0  0  0    \"Clear Label\"\n"
    "    1   255    0    0        1  1  1    \"Label 1\"\n"
    "    2     0  255    0      0.5  1  0    \"Left hippocampus\"\n"
    "   17   102  205  170     0.45  0  1    \"Ventrikel \xc3\xbc\"\n"
    "65535     1    2    3        1  1  1    \"last\"\n";
  static const char crlf[] =
    "# comment\r\n\r\n  1 10 20 30 1 1 1 \"a\"  trailing\r\n\t# indented\r\n2 1 1 1 0 0 0 \"\"\r\n";
  static const char broken[] =
    "1 255 0 0 1 1 1 \"ok\"\n2 300 0 0 1 1 1 \"red too large\"\n";
  static const char unterminated[] = "7 1 2 3 0.25 1 1 \"no end\n";

  put ("label-description", "itksnap", itksnap, sizeof itksnap - 1);
  put ("label-description", "crlf", crlf, sizeof crlf - 1);
  put ("label-description", "broken", broken, sizeof broken - 1);
  put ("label-description", "unterminated", unterminated, sizeof unterminated - 1);
}

/* ---- models ------------------------------------------------------------- */

static GBytes *
tiny_model (gboolean variant)
{
  PlUnetConfig c = { 0 };
  static const guint16 values[] = { 1, 2, 7 };
  static const char *const names[] = { "background", "grey matter", "" };
  g_autoptr (PlModel) model = NULL;

  c.in_channels = 1;
  c.n_classes = variant ? 1 : 3;
  c.depth = 2;
  c.channels[0] = 2;
  c.channels[1] = 4;
  c.skip = !variant;
  c.upsample = variant ? PL_UPSAMPLE_BILINEAR : PL_UPSAMPLE_CONVT;
  c.batch_norm = variant;
  c.bn_eps = 1e-5f;
  c.dropout_p = variant ? 0.0f : 0.25f;
  c.dropout_at = variant ? 0 : PL_DROPOUT_BOTTLENECK | PL_DROPOUT_DECODER;
  c.output = variant ? PL_OUTPUT_SIGMOID : PL_OUTPUT_SOFTMAX;
  model = pl_model_new (pl_unet_new (&c, 7), c.n_classes, values, names);
  model->norm_offset = variant ? -3.5 : 0.0;
  model->norm_divisor = variant ? 1000.0 : 254.0;
  model->axis = variant ? 0 : 2;
  model->train_h = 176;
  model->train_w = 208;
  if (!variant)
    pl_model_set_training (model, "{\"method\": \"supervised\", \"steps\": 600, \"seed\": 0}");
  return pl_model_to_bytes (model);
}

/* The header JSON of a safetensors file, and where its data starts. */
static char *
st_header (GBytes *bytes, gsize *data_start)
{
  const guint8 *p = g_bytes_get_data (bytes, NULL);
  guint64 n = 0;

  for (int i = 7; i >= 0; i--)
    n = (n << 8) | p[i];
  *data_start = 8 + (gsize) n;
  return g_strndup ((const char *) p + 8, (gsize) n);
}

/* A safetensors file from a header and a data section. */
static void
put_st (const char *name, const char *header, const guint8 *data, gsize n)
{
  GByteArray *all = g_byte_array_new ();
  guint64 len = strlen (header);
  guint8 le[8];

  for (int i = 0; i < 8; i++)
    le[i] = (guint8) (len >> (8 * i));
  g_byte_array_append (all, le, 8);
  g_byte_array_append (all, (const guint8 *) header, (guint) len);
  g_byte_array_append (all, data, (guint) n);
  put ("model", name, all->data, all->len);
  g_byte_array_unref (all);
}

/* The header with the first occurrence of `from` replaced by `to`. */
static char *
edit (const char *header, const char *from, const char *to)
{
  const char *at = strstr (header, from);

  if (at == NULL)
    g_error ("make-corpus: '%s' is not in the model header", from);
  return g_strdup_printf ("%.*s%s%s", (int) (at - header), header, to, at + strlen (from));
}

static void
model_seeds (void)
{
  g_autoptr (GBytes) a = tiny_model (FALSE);
  g_autoptr (GBytes) b = tiny_model (TRUE);
  gsize start, size = g_bytes_get_size (a);
  const guint8 *p = g_bytes_get_data (a, NULL);
  g_autofree char *h = st_header (a, &start);
  const guint8 *data = p + start;
  gsize n = size - start;
  guint8 bad_len[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, '{', '}' };
  g_autofree guint8 *nan = g_memdup2 (data, n);
  const float qnan = NAN;

  put ("model", "softmax-skip-convt", p, size);
  put ("model", "sigmoid-bn-bilinear", g_bytes_get_data (b, NULL), g_bytes_get_size (b));

  /* the container */
  put ("model", "truncated-data", p, size - 10);
  put ("model", "truncated-header", p, start - 20);
  put ("model", "header-length-huge", bad_len, sizeof bad_len);
  put_st ("empty-object", "{}", NULL, 0);
  put_st ("not-json", "{\"enc.0.0.weight\": [", data, n);
  put_st ("not-object", "[1, 2, 3]", NULL, 0);
  {
    g_autofree char *e = edit (h, "\"F32\"", "\"F16\"");
    put_st ("dtype-f16", e, data, n);
  }
  {
    g_autofree char *e = edit (h, "\"shape\":[", "\"shape\":[4294967296,4294967296,");
    put_st ("shape-overflow", e, data, n);
  }
  {
    g_autofree char *e = edit (h, "\"data_offsets\":[0,", "\"data_offsets\":[4,");
    put_st ("offsets-shifted", e, data, n);
  }
  {
    g_autofree char *e = edit (h, "\"data_offsets\":[", "\"data_offsets\":[18446744073709551612,");
    put_st ("offsets-huge", e, data, n);
  }
  put_st ("trailing-bytes", h, p + start - 4, n + 4);

  /* the metadata */
  {
    g_autofree char *e = edit (h, "pellucid-model", "other-model");
    put_st ("wrong-format", e, data, n);
  }
  {
    g_autofree char *e = edit (h, "\\\"channels\\\":[2,4]", "\\\"channels\\\":[4096,4096,4096,4096,4096,4096,4096,4096]");
    put_st ("architecture-too-big", e, data, n);
  }
  {
    g_autofree char *e = edit (h, "\\\"divisor\\\":254", "\\\"divisor\\\":0");
    put_st ("divisor-zero", e, data, n);
  }
  {
    g_autofree char *e = edit (h, "\\\"value\\\":7", "\\\"value\\\":70000");
    put_st ("class-value-too-big", e, data, n);
  }
  memcpy (nan + n - 4, &qnan, 4);
  put_st ("weights-nan", h, nan, n);
}

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      g_printerr ("usage: make-corpus FUZZ_DIR\n");
      return 2;
    }
  root = argv[1];
  nifti_seeds ();
  label_seeds ();
  model_seeds ();
  return 0;
}
