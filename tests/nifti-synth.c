/* Test helper: NIfTI files built byte by byte (see nifti-synth.h). */
#include "tests/nifti-synth.h"

#include <glib/gstdio.h>
#include <string.h>
#include <zlib.h>

typedef enum { T_I16, T_I32, T_I64, T_F32, T_F64, T_U8 } FieldType;

typedef struct
{
  FieldType t1;
  int       o1;   /* offset in a NIfTI-1 header */
  FieldType t2;
  int       o2;   /* offset in a NIfTI-2 header */
} Field;

/* nifti1.h and nifti2.h, "offset" columns */
static const Field F_DIM        = { T_I16, 40,  T_I64, 16 };   /* [8] */
static const Field F_PIXDIM     = { T_F32, 76,  T_F64, 104 };  /* [8] */
static const Field F_DATATYPE   = { T_I16, 70,  T_I16, 12 };
static const Field F_BITPIX     = { T_I16, 72,  T_I16, 14 };
static const Field F_VOX_OFFSET = { T_F32, 108, T_I64, 168 };
static const Field F_SCL_SLOPE  = { T_F32, 112, T_F64, 176 };
static const Field F_SCL_INTER  = { T_F32, 116, T_F64, 184 };
static const Field F_CAL_MAX    = { T_F32, 124, T_F64, 192 };
static const Field F_CAL_MIN    = { T_F32, 128, T_F64, 200 };
static const Field F_QFORM_CODE = { T_I16, 252, T_I32, 344 };
static const Field F_SFORM_CODE = { T_I16, 254, T_I32, 348 };
static const Field F_QUATERN    = { T_F32, 256, T_F64, 352 };  /* [3] */
static const Field F_QOFFSET    = { T_F32, 268, T_F64, 376 };  /* [3] */
static const Field F_SROW       = { T_F32, 280, T_F64, 400 };  /* [3][4] */
static const Field F_INTENT     = { T_I16, 68,  T_I32, 504 };
static const Field F_XYZT_UNITS = { T_U8,  123, T_I32, 500 };

static gsize
type_size (FieldType t)
{
  static const gsize sizes[] = { 2, 4, 8, 4, 8, 1 };
  return sizes[t];
}

static void
put_bytes (guint8 *p, const void *v, gsize n, gboolean big)
{
  const guint8 *s = v;
  gboolean swap = big != (G_BYTE_ORDER == G_BIG_ENDIAN);
  for (gsize i = 0; i < n; i++)
    p[i] = s[swap ? n - 1 - i : i];
}

static void
get_bytes (const guint8 *p, void *v, gsize n, gboolean big)
{
  guint8 *d = v;
  gboolean swap = big != (G_BYTE_ORDER == G_BIG_ENDIAN);
  for (gsize i = 0; i < n; i++)
    d[swap ? n - 1 - i : i] = p[i];
}

static void
put (guint8 *hdr, const SynthHeader *h, const Field *f, int index, double v)
{
  FieldType t = h->version == 1 ? f->t1 : f->t2;
  gsize off = (gsize) (h->version == 1 ? f->o1 : f->o2) + index * type_size (t);

  switch (t)
    {
    case T_I16:
      {
        gint16 x = (gint16) v;
        put_bytes (hdr + off, &x, 2, h->big_endian);
      }
      break;
    case T_I32:
      {
        gint32 x = (gint32) v;
        put_bytes (hdr + off, &x, 4, h->big_endian);
      }
      break;
    case T_I64:
      {
        gint64 x = (gint64) v;
        put_bytes (hdr + off, &x, 8, h->big_endian);
      }
      break;
    case T_F32:
      {
        float x = (float) v;
        put_bytes (hdr + off, &x, 4, h->big_endian);
      }
      break;
    case T_F64:
      put_bytes (hdr + off, &v, 8, h->big_endian);
      break;
    case T_U8:
      hdr[off] = (guint8) v;
      break;
    }
}

static double
get (const guint8 *hdr, const SynthHeader *h, const Field *f, int index)
{
  FieldType t = h->version == 1 ? f->t1 : f->t2;
  gsize off = (gsize) (h->version == 1 ? f->o1 : f->o2) + index * type_size (t);
  gint16 i16;
  gint32 i32;
  gint64 i64;
  float f32;
  double f64;

  switch (t)
    {
    case T_I16: get_bytes (hdr + off, &i16, 2, h->big_endian); return i16;
    case T_I32: get_bytes (hdr + off, &i32, 4, h->big_endian); return i32;
    case T_I64: get_bytes (hdr + off, &i64, 8, h->big_endian); return (double) i64;
    case T_F32: get_bytes (hdr + off, &f32, 4, h->big_endian); return f32;
    case T_F64: get_bytes (hdr + off, &f64, 8, h->big_endian); return f64;
    case T_U8:  return hdr[off];
    }
  return 0.0;
}

gsize
synth_datatype_size (int datatype)
{
  switch (datatype)
    {
    case 2: case 256: return 1;
    case 4: case 512: return 2;
    case 8: case 768: case 16: return 4;
    case 1024: case 1280: case 64: case 32: return 8;
    case 128: return 3;
    case 2304: return 4;
    case 1792: return 16;
    default: return 1;
    }
}

void
synth_header_init (SynthHeader *h,
                   int          version,
                   int          datatype,
                   gint64       nx,
                   gint64       ny,
                   gint64       nz)
{
  memset (h, 0, sizeof *h);
  h->version = version;
  h->datatype = datatype;
  h->dim[0] = 3;
  h->dim[1] = nx;
  h->dim[2] = ny;
  h->dim[3] = nz;
  for (int i = 4; i < 8; i++)
    h->dim[i] = 1;
  for (int i = 0; i < 8; i++)
    h->pixdim[i] = 1.0;
  h->vox_offset = -1.0;
  h->xyzt_units = 2;   /* NIFTI_UNITS_MM */
}

GBytes *
synth_header_bytes (const SynthHeader *h,
                    gboolean           pair)
{
  gsize size = h->version == 1 ? 348 : 540;
  guint8 *hdr = g_malloc0 (size + 4);
  gint32 sizeof_hdr = h->sizeof_hdr ? h->sizeof_hdr : (gint32) size;
  double vox_offset = h->vox_offset >= 0 || h->vox_offset < -1.0 ? h->vox_offset
                      : pair ? 0.0 : (double) (size + 4);
  char magic[8] = { 0 };

  put_bytes (hdr, &sizeof_hdr, 4, h->big_endian);
  if (h->magic[0])
    memcpy (magic, h->magic, strlen (h->magic));
  else if (h->version == 1)
    memcpy (magic, pair ? "ni1" : "n+1", 3);
  else
    memcpy (magic, pair ? "ni2\0\r\n\032\n" : "n+2\0\r\n\032\n", 8);
  memcpy (hdr + (h->version == 1 ? 344 : 4), magic, h->version == 1 ? 4 : 8);

  for (int i = 0; i < 8; i++)
    {
      put (hdr, h, &F_DIM, i, (double) h->dim[i]);
      put (hdr, h, &F_PIXDIM, i, h->pixdim[i]);
    }
  put (hdr, h, &F_DATATYPE, 0, h->datatype);
  put (hdr, h, &F_BITPIX, 0, h->bitpix ? h->bitpix : 8 * (int) synth_datatype_size (h->datatype));
  put (hdr, h, &F_VOX_OFFSET, 0, vox_offset);
  put (hdr, h, &F_SCL_SLOPE, 0, h->scl_slope);
  put (hdr, h, &F_SCL_INTER, 0, h->scl_inter);
  put (hdr, h, &F_CAL_MIN, 0, h->cal_min);
  put (hdr, h, &F_CAL_MAX, 0, h->cal_max);
  put (hdr, h, &F_QFORM_CODE, 0, h->qform_code);
  put (hdr, h, &F_SFORM_CODE, 0, h->sform_code);
  for (int i = 0; i < 3; i++)
    {
      put (hdr, h, &F_QUATERN, i, h->quatern[i]);
      put (hdr, h, &F_QOFFSET, i, h->qoffset[i]);
      for (int c = 0; c < 4; c++)
        put (hdr, h, &F_SROW, 4 * i + c, h->srow[i][c]);
    }
  put (hdr, h, &F_INTENT, 0, h->intent_code);
  put (hdr, h, &F_XYZT_UNITS, 0, h->xyzt_units);
  return g_bytes_new_take (hdr, size + 4);
}

gboolean
synth_header_parse (GBytes      *bytes,
                    SynthHeader *h)
{
  gsize n;
  const guint8 *p = g_bytes_get_data (bytes, &n);
  gint32 size;

  memset (h, 0, sizeof *h);
  if (n < 4)
    return FALSE;
  for (int big = 0; big < 2; big++)
    {
      get_bytes (p, &size, 4, big);
      if ((size == 348 || size == 540) && n >= (gsize) size)
        {
          h->big_endian = big;
          h->version = size == 348 ? 1 : 2;
          break;
        }
    }
  if (h->version == 0)
    return FALSE;
  memcpy (h->magic, p + (h->version == 1 ? 344 : 4), 4);
  for (int i = 0; i < 8; i++)
    {
      h->dim[i] = (gint64) get (p, h, &F_DIM, i);
      h->pixdim[i] = get (p, h, &F_PIXDIM, i);
    }
  h->datatype = (int) get (p, h, &F_DATATYPE, 0);
  h->bitpix = (int) get (p, h, &F_BITPIX, 0);
  h->vox_offset = get (p, h, &F_VOX_OFFSET, 0);
  h->scl_slope = get (p, h, &F_SCL_SLOPE, 0);
  h->scl_inter = get (p, h, &F_SCL_INTER, 0);
  h->cal_min = get (p, h, &F_CAL_MIN, 0);
  h->cal_max = get (p, h, &F_CAL_MAX, 0);
  h->qform_code = (int) get (p, h, &F_QFORM_CODE, 0);
  h->sform_code = (int) get (p, h, &F_SFORM_CODE, 0);
  for (int i = 0; i < 3; i++)
    {
      h->quatern[i] = get (p, h, &F_QUATERN, i);
      h->qoffset[i] = get (p, h, &F_QOFFSET, i);
      for (int c = 0; c < 4; c++)
        h->srow[i][c] = get (p, h, &F_SROW, 4 * i + c);
    }
  h->intent_code = (int) get (p, h, &F_INTENT, 0);
  h->xyzt_units = (int) get (p, h, &F_XYZT_UNITS, 0);
  h->sizeof_hdr = size;
  return TRUE;
}

GBytes *
synth_data_bytes (const SynthHeader *h,
                  const double      *values,
                  gsize              n)
{
  gsize es = synth_datatype_size (h->datatype);
  guint8 *out = g_malloc0 (n * es + 1);

  for (gsize i = 0; i < n; i++)
    {
      double v = values[i];
      union { gint8 i8; guint8 u8; gint16 i16; guint16 u16; gint32 i32; guint32 u32;
              gint64 i64; guint64 u64; float f32; double f64; } u;
/* integers wrap like C's integer conversions, without float-to-int UB */
#define WRAP(T) (v < 0 ? (T) (gint64) v : (T) (guint64) v)
      switch (h->datatype)
        {
        case 2:    u.u8 = WRAP (guint8); break;
        case 256:  u.i8 = WRAP (gint8); break;
        case 4:    u.i16 = WRAP (gint16); break;
        case 512:  u.u16 = WRAP (guint16); break;
        case 8:    u.i32 = WRAP (gint32); break;
        case 768:  u.u32 = WRAP (guint32); break;
        case 1024: u.i64 = WRAP (gint64); break;
        case 1280: u.u64 = WRAP (guint64); break;
        case 16:   u.f32 = (float) v; break;
        case 64:   u.f64 = v; break;
        default:   memset (&u, 0, sizeof u); break;
        }
#undef WRAP
      put_bytes (out + i * es, &u, MIN (es, sizeof u), h->big_endian);
    }
  return g_bytes_new_take (out, n * es);
}

void
synth_write_raw (const char *path,
                 gboolean    gz,
                 const void *data,
                 gsize       n)
{
  if (!gz)
    {
      g_autoptr (GError) error = NULL;
      g_file_set_contents (path, data, (gssize) n, &error);
      g_assert_no_error (error);
      return;
    }
  {
    gzFile f = gzopen (path, "wb6");
    g_assert_nonnull (f);
    if (n > 0)
      g_assert_cmpint (gzwrite (f, data, (unsigned) n), ==, (int) n);
    g_assert_cmpint (gzclose (f), ==, Z_OK);
  }
}

char *
synth_write (const char        *dir,
             const char        *base,
             SynthForm          form,
             const SynthHeader *h,
             const double      *values,
             gsize              n)
{
  gboolean pair = form == SYNTH_PAIR || form == SYNTH_PAIR_GZ;
  gboolean gz = form == SYNTH_NII_GZ || form == SYNTH_PAIR_GZ;
  g_autoptr (GBytes) head = synth_header_bytes (h, pair);
  g_autoptr (GBytes) data = synth_data_bytes (h, values, n);
  const char *ext = form == SYNTH_NII ? ".nii" : form == SYNTH_NII_GZ ? ".nii.gz"
                    : form == SYNTH_PAIR ? ".hdr" : ".hdr.gz";
  g_autofree char *name = g_strconcat (base, ext, NULL);
  char *path = g_build_filename (dir, name, NULL);

  if (pair)
    {
      g_autofree char *img_name = g_strconcat (base, gz ? ".img.gz" : ".img", NULL);
      g_autofree char *img = g_build_filename (dir, img_name, NULL);
      synth_write_raw (path, gz, g_bytes_get_data (head, NULL), g_bytes_get_size (head));
      synth_write_raw (img, gz, g_bytes_get_data (data, NULL), g_bytes_get_size (data));
    }
  else
    {
      g_autoptr (GByteArray) all = g_byte_array_new ();
      gsize hn = g_bytes_get_size (head);
      g_byte_array_append (all, g_bytes_get_data (head, NULL), (guint) hn);
      /* honour an explicit vox_offset beyond the header by padding */
      if (h->vox_offset >= (double) (hn - 4))
        g_byte_array_set_size (all, (guint) h->vox_offset);
      g_byte_array_append (all, g_bytes_get_data (data, NULL), (guint) g_bytes_get_size (data));
      synth_write_raw (path, gz, all->data, all->len);
    }
  return path;
}

GBytes *
synth_read_file (const char *path)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  gzFile f = gzopen (path, "rb");   /* reads plain files unchanged */
  guint8 buf[65536];
  int got;

  g_assert_nonnull (f);
  while ((got = gzread (f, buf, sizeof buf)) > 0)
    g_byte_array_append (out, buf, (guint) got);
  g_assert_cmpint (got, ==, 0);
  gzclose (f);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

char *
synth_tmpdir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("pellucid-test-XXXXXX", &error);
  g_assert_no_error (error);
  return dir;
}

void
synth_rmtree (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      if (g_file_test (p, G_FILE_TEST_IS_DIR))
        synth_rmtree (p);
      else
        g_unlink (p);
    }
  g_rmdir (dir);
}

guint
synth_count_files (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (d);
  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}
