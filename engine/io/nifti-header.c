/* NIfTI-1 and NIfTI-2 headers: decoding from bytes in either byte order,
 * checking, the voxel-to-world matrix, and encoding for writing.
 *
 * Field offsets are those of the standard (nifti1.h, nifti2.h); fields are
 * read one by one with memcpy so that neither struct packing nor alignment of
 * the input matters. */
#define G_LOG_DOMAIN "pl-nifti"

#include "engine/io/nifti-private.h"

#include <math.h>
#include <string.h>

G_STATIC_ASSERT (sizeof (nifti_1_header) == PL_NIFTI1_HEADER_SIZE);
G_STATIC_ASSERT (sizeof (nifti_2_header) == PL_NIFTI2_HEADER_SIZE);

typedef struct
{
  const guint8 *p;
  gboolean      swap;
} Reader;

static gint16
rd_i16 (const Reader *r, gsize off)
{
  guint16 v;
  memcpy (&v, r->p + off, 2);
  return (gint16) (r->swap ? GUINT16_SWAP_LE_BE (v) : v);
}

static gint32
rd_i32 (const Reader *r, gsize off)
{
  guint32 v;
  memcpy (&v, r->p + off, 4);
  return (gint32) (r->swap ? GUINT32_SWAP_LE_BE (v) : v);
}

static gint64
rd_i64 (const Reader *r, gsize off)
{
  guint64 v;
  memcpy (&v, r->p + off, 8);
  return (gint64) (r->swap ? GUINT64_SWAP_LE_BE (v) : v);
}

static double
rd_f32 (const Reader *r, gsize off)
{
  guint32 v;
  float f;
  memcpy (&v, r->p + off, 4);
  if (r->swap)
    v = GUINT32_SWAP_LE_BE (v);
  memcpy (&f, &v, 4);
  return f;
}

static double
rd_f64 (const Reader *r, gsize off)
{
  guint64 v;
  double d;
  memcpy (&v, r->p + off, 8);
  if (r->swap)
    v = GUINT64_SWAP_LE_BE (v);
  memcpy (&d, &v, 8);
  return d;
}

static void
decode_nifti1 (const Reader *r, nifti_2_header *h)
{
  h->sizeof_hdr = PL_NIFTI1_HEADER_SIZE;
  memcpy (h->magic, r->p + 344, 4);
  h->dim_info = (char) r->p[39];
  for (int i = 0; i < 8; i++)
    h->dim[i] = rd_i16 (r, 40 + 2 * i);
  h->intent_p1 = rd_f32 (r, 56);
  h->intent_p2 = rd_f32 (r, 60);
  h->intent_p3 = rd_f32 (r, 64);
  h->intent_code = rd_i16 (r, 68);
  h->datatype = rd_i16 (r, 70);
  h->bitpix = rd_i16 (r, 72);
  h->slice_start = rd_i16 (r, 74);
  for (int i = 0; i < 8; i++)
    h->pixdim[i] = rd_f32 (r, 76 + 4 * i);
  /* vox_offset (a float at 108) is checked and stored by the caller */
  h->scl_slope = rd_f32 (r, 112);
  h->scl_inter = rd_f32 (r, 116);
  h->slice_end = rd_i16 (r, 120);
  h->slice_code = r->p[122];
  h->xyzt_units = r->p[123];
  h->cal_max = rd_f32 (r, 124);
  h->cal_min = rd_f32 (r, 128);
  h->slice_duration = rd_f32 (r, 132);
  h->toffset = rd_f32 (r, 136);
  memcpy (h->descrip, r->p + 148, 80);
  memcpy (h->aux_file, r->p + 228, 24);
  h->qform_code = rd_i16 (r, 252);
  h->sform_code = rd_i16 (r, 254);
  h->quatern_b = rd_f32 (r, 256);
  h->quatern_c = rd_f32 (r, 260);
  h->quatern_d = rd_f32 (r, 264);
  h->qoffset_x = rd_f32 (r, 268);
  h->qoffset_y = rd_f32 (r, 272);
  h->qoffset_z = rd_f32 (r, 276);
  for (int i = 0; i < 4; i++)
    {
      h->srow_x[i] = rd_f32 (r, 280 + 4 * i);
      h->srow_y[i] = rd_f32 (r, 296 + 4 * i);
      h->srow_z[i] = rd_f32 (r, 312 + 4 * i);
    }
  memcpy (h->intent_name, r->p + 328, 16);
}

static void
decode_nifti2 (const Reader *r, nifti_2_header *h)
{
  h->sizeof_hdr = PL_NIFTI2_HEADER_SIZE;
  memcpy (h->magic, r->p + 4, 8);
  h->datatype = rd_i16 (r, 12);
  h->bitpix = rd_i16 (r, 14);
  for (int i = 0; i < 8; i++)
    h->dim[i] = rd_i64 (r, 16 + 8 * i);
  h->intent_p1 = rd_f64 (r, 80);
  h->intent_p2 = rd_f64 (r, 88);
  h->intent_p3 = rd_f64 (r, 96);
  for (int i = 0; i < 8; i++)
    h->pixdim[i] = rd_f64 (r, 104 + 8 * i);
  h->vox_offset = rd_i64 (r, 168);
  h->scl_slope = rd_f64 (r, 176);
  h->scl_inter = rd_f64 (r, 184);
  h->cal_max = rd_f64 (r, 192);
  h->cal_min = rd_f64 (r, 200);
  h->slice_duration = rd_f64 (r, 208);
  h->toffset = rd_f64 (r, 216);
  h->slice_start = rd_i64 (r, 224);
  h->slice_end = rd_i64 (r, 232);
  memcpy (h->descrip, r->p + 240, 80);
  memcpy (h->aux_file, r->p + 320, 24);
  h->qform_code = rd_i32 (r, 344);
  h->sform_code = rd_i32 (r, 348);
  h->quatern_b = rd_f64 (r, 352);
  h->quatern_c = rd_f64 (r, 360);
  h->quatern_d = rd_f64 (r, 368);
  h->qoffset_x = rd_f64 (r, 376);
  h->qoffset_y = rd_f64 (r, 384);
  h->qoffset_z = rd_f64 (r, 392);
  for (int i = 0; i < 4; i++)
    {
      h->srow_x[i] = rd_f64 (r, 400 + 8 * i);
      h->srow_y[i] = rd_f64 (r, 432 + 8 * i);
      h->srow_z[i] = rd_f64 (r, 464 + 8 * i);
    }
  h->slice_code = rd_i32 (r, 496);
  h->xyzt_units = rd_i32 (r, 500);
  h->intent_code = rd_i32 (r, 504);
  memcpy (h->intent_name, r->p + 508, 16);
  h->dim_info = (char) r->p[524];
  memcpy (h->unused_str, r->p + 525, 15);
}

gboolean
pl_nifti_header_decode (const guint8  *bytes,
                        gsize          n,
                        gsize         *needed,
                        const char    *name,
                        PlNiftiHeader *out,
                        GError       **error)
{
  guint32 first;
  gsize size;
  Reader r = { bytes, FALSE };

  *needed = 0;
  if (n < 4)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_NOT_NIFTI,
                   "%s: not a NIfTI file (only %" G_GSIZE_FORMAT " bytes long)", name, n);
      return FALSE;
    }

  memcpy (&first, bytes, 4);
  if (first == PL_NIFTI1_HEADER_SIZE || first == PL_NIFTI2_HEADER_SIZE)
    size = first;
  else if (GUINT32_SWAP_LE_BE (first) == PL_NIFTI1_HEADER_SIZE
           || GUINT32_SWAP_LE_BE (first) == PL_NIFTI2_HEADER_SIZE)
    {
      size = GUINT32_SWAP_LE_BE (first);
      r.swap = TRUE;
    }
  else
    {
      g_set_error (error, PL_ERROR, PL_ERROR_NOT_NIFTI,
                   "%s: not a NIfTI file (header size field is %u, expected 348 or 540)",
                   name, first);
      return FALSE;
    }

  if (n < size)
    {
      *needed = size;
      return FALSE;
    }

  memset (out, 0, sizeof *out);
  out->swapped = r.swap;
  if (size == PL_NIFTI1_HEADER_SIZE)
    {
      const guint8 *magic = bytes + 344;
      double off;

      if (memcmp (magic, "n+1", 4) != 0 && memcmp (magic, "ni1", 4) != 0)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_NOT_NIFTI,
                       "%s: not a NIfTI-1 file (no n+1 or ni1 magic; "
                       "ANALYZE 7.5 files are not supported)", name);
          return FALSE;
        }
      out->version = 1;
      out->pair = magic[1] == 'i';
      decode_nifti1 (&r, &out->h);

      /* NIfTI-1 stores vox_offset as a float: only whole, non-negative,
       * exactly representable byte counts make sense. */
      off = rd_f32 (&r, 108);
      if (!isfinite (off) || off < 0.0 || off != floor (off) || off > 0x1p53)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_BAD_OFFSET,
                       "%s: vox_offset %g is not a valid byte offset", name, off);
          return FALSE;
        }
      out->h.vox_offset = (gint64) off;
    }
  else
    {
      const guint8 *magic = bytes + 4;

      if (memcmp (magic, "n+2", 4) != 0 && memcmp (magic, "ni2", 4) != 0)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_NOT_NIFTI,
                       "%s: not a NIfTI-2 file (no n+2 or ni2 magic)", name);
          return FALSE;
        }
      out->version = 2;
      out->pair = magic[1] == 'i';
      decode_nifti2 (&r, &out->h);
    }
  return TRUE;
}

gboolean
pl_nifti_header_check (PlNiftiHeader *hdr,
                       const char    *name,
                       GError       **error)
{
  const nifti_2_header *h = &hdr->h;
  const char *type_name = NULL;
  guint64 total, end;

  if (h->dim[0] < 1 || h->dim[0] > 7)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_BAD_DIMS,
                   "%s: dim[0] is %" G_GINT64_FORMAT "; the number of dimensions must be 1 to 7",
                   name, (gint64) h->dim[0]);
      return FALSE;
    }
  hdr->n_dims = (int) h->dim[0];
  hdr->dim[0] = hdr->n_dims;
  for (int i = 1; i < 8; i++)
    {
      if (i <= hdr->n_dims && h->dim[i] < 1)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_BAD_DIMS,
                       "%s: dim[%d] is %" G_GINT64_FORMAT "; dimensions must be at least 1",
                       name, i, (gint64) h->dim[i]);
          return FALSE;
        }
      hdr->dim[i] = i <= hdr->n_dims ? h->dim[i] : 1;
    }

  if (!pl_nifti_datatype_info (h->datatype, &hdr->elem_size, &type_name))
    {
      if (type_name != NULL)
        g_set_error (error, PL_ERROR, PL_ERROR_UNKNOWN_DATATYPE,
                     "%s: unsupported datatype %s (code %d); only integer and "
                     "real scalar voxels can be loaded", name, type_name, h->datatype);
      else
        g_set_error (error, PL_ERROR, PL_ERROR_UNKNOWN_DATATYPE,
                     "%s: unknown datatype code %d", name, h->datatype);
      return FALSE;
    }

  hdr->voxels_per_volume = 1;
  hdr->n_volumes = 1;
  for (int i = 1; i < 8; i++)
    {
      guint64 *acc = i <= 3 ? &hdr->voxels_per_volume : &hdr->n_volumes;
      if (!g_uint64_checked_mul (acc, *acc, (guint64) hdr->dim[i]))
        goto overflow;
    }
  if (!g_uint64_checked_mul (&hdr->bytes_per_volume, hdr->voxels_per_volume, hdr->elem_size)
      || !g_uint64_checked_mul (&total, hdr->bytes_per_volume, hdr->n_volumes)
      /* Keep every offset below 2^62 so that off_t and gint64 arithmetic on
       * them can never overflow. */
      || total > G_GUINT64_CONSTANT (1) << 62)
    goto overflow;

  if (h->vox_offset < 0)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_BAD_OFFSET,
                   "%s: vox_offset %" G_GINT64_FORMAT " is negative", name, (gint64) h->vox_offset);
      return FALSE;
    }
  hdr->vox_offset = (guint64) h->vox_offset;
  if (!hdr->pair && hdr->vox_offset < (guint64) h->sizeof_hdr)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_BAD_OFFSET,
                   "%s: vox_offset %" G_GUINT64_FORMAT " lies inside the %d-byte header",
                   name, hdr->vox_offset, h->sizeof_hdr);
      return FALSE;
    }
  if (hdr->vox_offset > G_GUINT64_CONSTANT (1) << 62
      || !g_uint64_checked_add (&end, hdr->vox_offset, total))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_BAD_OFFSET,
                   "%s: vox_offset %" G_GUINT64_FORMAT " is impossibly large",
                   name, hdr->vox_offset);
      return FALSE;
    }
  return TRUE;

overflow:
  g_set_error (error, PL_ERROR, PL_ERROR_BAD_DIMS,
               "%s: dimensions %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
               "x%" G_GINT64_FORMAT "… describe more data than any file can hold",
               name, hdr->dim[1], hdr->dim[2], hdr->dim[3], hdr->dim[4]);
  return FALSE;
}

static gboolean
all_finite (const double *v, int n)
{
  for (int i = 0; i < n; i++)
    if (!isfinite (v[i]))
      return FALSE;
  return TRUE;
}

static double
det3 (const double m[4][4])
{
  return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
       - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
       + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

/* Usable as a voxel-to-world matrix: finite, and no voxel axis collapses. */
static gboolean
matrix_ok (const double m[4][4])
{
  double d;

  for (int r = 0; r < 3; r++)
    if (!all_finite (m[r], 4))
      return FALSE;
  d = det3 (m);
  return isfinite (d) && fabs (d) > 1e-12;
}

static double
size_or_one (double v)
{
  return (isfinite (v) && v != 0.0) ? fabs (v) : 1.0;
}

PlXformSource
pl_nifti_header_xform (const PlNiftiHeader *header,
                       double               m[4][4])
{
  const nifti_2_header *h = &header->h;

  memset (m, 0, 16 * sizeof (double));
  m[3][3] = 1.0;

  if (h->sform_code > 0)
    {
      for (int c = 0; c < 4; c++)
        {
          m[0][c] = h->srow_x[c];
          m[1][c] = h->srow_y[c];
          m[2][c] = h->srow_z[c];
        }
      if (matrix_ok (m))
        return PL_XFORM_SFORM;
    }

  if (h->qform_code > 0)
    {
      double q[6] = { h->quatern_b, h->quatern_c, h->quatern_d,
                      h->qoffset_x, h->qoffset_y, h->qoffset_z };
      if (all_finite (q, 6) && all_finite (h->pixdim, 4))
        {
          /* qfac is the sign of pixdim[0]; nifticlib replaces voxel sizes
           * <= 0 by 1 and normalises b, c, d when b²+c²+d² > 1 (nifti1.h,
           * "METHOD 2"). */
          double qfac = h->pixdim[0] < 0.0 ? -1.0 : 1.0;
          nifti_dmat44 R = nifti_quatern_to_dmat44 (q[0], q[1], q[2], q[3], q[4], q[5],
                                                    h->pixdim[1], h->pixdim[2], h->pixdim[3],
                                                    qfac);
          for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++)
              m[r][c] = R.m[r][c];
          if (matrix_ok (m))
            return PL_XFORM_QFORM;
        }
    }

  memset (m, 0, 16 * sizeof (double));
  for (int a = 0; a < 3; a++)
    m[a][a] = size_or_one (h->pixdim[a + 1]);
  m[3][3] = 1.0;
  return PL_XFORM_PIXDIM;
}

void
pl_nifti_header_voxel_size (const PlNiftiHeader *header,
                            const double         m[4][4],
                            double               size[3])
{
  for (int a = 0; a < 3; a++)
    {
      double p = header->h.pixdim[a + 1];
      if (isfinite (p) && p != 0.0)
        size[a] = fabs (p);
      else
        {
          double len = sqrt (m[0][a] * m[0][a] + m[1][a] * m[1][a] + m[2][a] * m[2][a]);
          size[a] = (isfinite (len) && len > 0.0) ? len : 1.0;
        }
    }
}

typedef struct
{
  guint8 *p;
} Writer;

static void
wr_i16 (Writer *w, gsize off, gint64 v)
{
  gint16 x = (gint16) v;
  memcpy (w->p + off, &x, 2);
}

static void
wr_i32 (Writer *w, gsize off, gint64 v)
{
  gint32 x = (gint32) v;
  memcpy (w->p + off, &x, 4);
}

static void
wr_i64 (Writer *w, gsize off, gint64 v)
{
  memcpy (w->p + off, &v, 8);
}

static void
wr_f32 (Writer *w, gsize off, double v)
{
  float x = (float) v;
  memcpy (w->p + off, &x, 4);
}

static void
wr_f64 (Writer *w, gsize off, double v)
{
  memcpy (w->p + off, &v, 8);
}

gboolean
pl_nifti_header_fits_nifti1 (const PlNiftiHeader *header)
{
  const nifti_2_header *h = &header->h;

  for (int i = 0; i < 8; i++)
    if (h->dim[i] < G_MININT16 || h->dim[i] > G_MAXINT16)
      return FALSE;
  return h->slice_start >= G_MININT16 && h->slice_start <= G_MAXINT16
         && h->slice_end >= G_MININT16 && h->slice_end <= G_MAXINT16
         && h->intent_code >= G_MININT16 && h->intent_code <= G_MAXINT16
         && h->qform_code >= G_MININT16 && h->qform_code <= G_MAXINT16
         && h->sform_code >= G_MININT16 && h->sform_code <= G_MAXINT16
         && h->slice_code >= 0 && h->slice_code <= 255
         && h->xyzt_units >= 0 && h->xyzt_units <= 255
         && h->vox_offset >= 0 && h->vox_offset <= (1 << 24);
}

gsize
pl_nifti_header_encode (const PlNiftiHeader *header,
                        guint8               out[PL_NIFTI2_HEADER_SIZE])
{
  const nifti_2_header *h = &header->h;
  Writer w = { out };

  memset (out, 0, PL_NIFTI2_HEADER_SIZE);
  if (header->version == 1)
    {
      wr_i32 (&w, 0, PL_NIFTI1_HEADER_SIZE);
      out[39] = (guint8) h->dim_info;
      for (int i = 0; i < 8; i++)
        wr_i16 (&w, 40 + 2 * i, h->dim[i]);
      wr_f32 (&w, 56, h->intent_p1);
      wr_f32 (&w, 60, h->intent_p2);
      wr_f32 (&w, 64, h->intent_p3);
      wr_i16 (&w, 68, h->intent_code);
      wr_i16 (&w, 70, h->datatype);
      wr_i16 (&w, 72, h->bitpix);
      wr_i16 (&w, 74, h->slice_start);
      for (int i = 0; i < 8; i++)
        wr_f32 (&w, 76 + 4 * i, h->pixdim[i]);
      wr_f32 (&w, 108, (double) h->vox_offset);
      wr_f32 (&w, 112, h->scl_slope);
      wr_f32 (&w, 116, h->scl_inter);
      wr_i16 (&w, 120, h->slice_end);
      out[122] = (guint8) h->slice_code;
      out[123] = (guint8) h->xyzt_units;
      wr_f32 (&w, 124, h->cal_max);
      wr_f32 (&w, 128, h->cal_min);
      wr_f32 (&w, 132, h->slice_duration);
      wr_f32 (&w, 136, h->toffset);
      memcpy (out + 148, h->descrip, 80);
      memcpy (out + 228, h->aux_file, 24);
      wr_i16 (&w, 252, h->qform_code);
      wr_i16 (&w, 254, h->sform_code);
      wr_f32 (&w, 256, h->quatern_b);
      wr_f32 (&w, 260, h->quatern_c);
      wr_f32 (&w, 264, h->quatern_d);
      wr_f32 (&w, 268, h->qoffset_x);
      wr_f32 (&w, 272, h->qoffset_y);
      wr_f32 (&w, 276, h->qoffset_z);
      for (int i = 0; i < 4; i++)
        {
          wr_f32 (&w, 280 + 4 * i, h->srow_x[i]);
          wr_f32 (&w, 296 + 4 * i, h->srow_y[i]);
          wr_f32 (&w, 312 + 4 * i, h->srow_z[i]);
        }
      memcpy (out + 328, h->intent_name, 16);
      memcpy (out + 344, header->pair ? "ni1" : "n+1", 4);
      return PL_NIFTI1_HEADER_SIZE;
    }

  wr_i32 (&w, 0, PL_NIFTI2_HEADER_SIZE);
  memcpy (out + 4, header->pair ? "ni2\0\r\n\032\n" : "n+2\0\r\n\032\n", 8);
  wr_i16 (&w, 12, h->datatype);
  wr_i16 (&w, 14, h->bitpix);
  for (int i = 0; i < 8; i++)
    wr_i64 (&w, 16 + 8 * i, h->dim[i]);
  wr_f64 (&w, 80, h->intent_p1);
  wr_f64 (&w, 88, h->intent_p2);
  wr_f64 (&w, 96, h->intent_p3);
  for (int i = 0; i < 8; i++)
    wr_f64 (&w, 104 + 8 * i, h->pixdim[i]);
  wr_i64 (&w, 168, h->vox_offset);
  wr_f64 (&w, 176, h->scl_slope);
  wr_f64 (&w, 184, h->scl_inter);
  wr_f64 (&w, 192, h->cal_max);
  wr_f64 (&w, 200, h->cal_min);
  wr_f64 (&w, 208, h->slice_duration);
  wr_f64 (&w, 216, h->toffset);
  wr_i64 (&w, 224, h->slice_start);
  wr_i64 (&w, 232, h->slice_end);
  memcpy (out + 240, h->descrip, 80);
  memcpy (out + 320, h->aux_file, 24);
  wr_i32 (&w, 344, h->qform_code);
  wr_i32 (&w, 348, h->sform_code);
  wr_f64 (&w, 352, h->quatern_b);
  wr_f64 (&w, 360, h->quatern_c);
  wr_f64 (&w, 368, h->quatern_d);
  wr_f64 (&w, 376, h->qoffset_x);
  wr_f64 (&w, 384, h->qoffset_y);
  wr_f64 (&w, 392, h->qoffset_z);
  for (int i = 0; i < 4; i++)
    {
      wr_f64 (&w, 400 + 8 * i, h->srow_x[i]);
      wr_f64 (&w, 432 + 8 * i, h->srow_y[i]);
      wr_f64 (&w, 464 + 8 * i, h->srow_z[i]);
    }
  wr_i32 (&w, 496, h->slice_code);
  wr_i32 (&w, 500, h->xyzt_units);
  wr_i32 (&w, 504, h->intent_code);
  memcpy (out + 508, h->intent_name, 16);
  out[524] = (guint8) h->dim_info;
  return PL_NIFTI2_HEADER_SIZE;
}

static gboolean
is_pixdim_scaling (const double m[4][4])
{
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 4; c++)
      if ((r == c) != (m[r][c] != 0.0) || (r == c && m[r][c] < 0.0))
        return FALSE;
  return TRUE;
}

void
pl_nifti_header_from_volume (const PlVolume *volume,
                             PlNiftiHeader  *out)
{
  nifti_2_header *h = &out->h;
  int code;

  memset (out, 0, sizeof *out);
  h->dim[0] = 3;
  for (int a = 0; a < 3; a++)
    h->dim[a + 1] = volume->dim[a];
  for (int i = 4; i < 8; i++)
    h->dim[i] = 1;
  h->pixdim[0] = 1.0;
  for (int a = 0; a < 3; a++)
    {
      const double (*m)[4] = volume->vox2world;
      double len = sqrt (m[0][a] * m[0][a] + m[1][a] * m[1][a] + m[2][a] * m[2][a]);
      h->pixdim[a + 1] = len > 0.0 ? len : volume->pixdim[a];
    }
  for (int i = 4; i < 8; i++)
    h->pixdim[i] = 1.0;
  h->xyzt_units = NIFTI_UNITS_MM;
  h->scl_slope = 1.0;
  g_strlcpy (h->descrip, "Pellucid", sizeof h->descrip);

  if (!(volume->xform_source == PL_XFORM_PIXDIM && is_pixdim_scaling (volume->vox2world)))
    {
      nifti_dmat44 R;
      double dx, dy, dz;

      code = volume->sform_code > 0 ? volume->sform_code
             : volume->qform_code > 0 ? volume->qform_code : NIFTI_XFORM_ALIGNED_ANAT;
      h->sform_code = code;
      h->qform_code = code;
      for (int c = 0; c < 4; c++)
        {
          h->srow_x[c] = volume->vox2world[0][c];
          h->srow_y[c] = volume->vox2world[1][c];
          h->srow_z[c] = volume->vox2world[2][c];
        }
      for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++)
          R.m[r][c] = volume->vox2world[r][c];
      nifti_dmat44_to_quatern (R, &h->quatern_b, &h->quatern_c, &h->quatern_d,
                               &h->qoffset_x, &h->qoffset_y, &h->qoffset_z,
                               &dx, &dy, &dz, &h->pixdim[0]);
    }

  out->version = 1;
  if (!pl_nifti_header_fits_nifti1 (out))
    out->version = 2;
}

gboolean
pl_nifti_same_grid (const gint64  dim_a[3],
                    const double  m_a[4][4],
                    const gint64  dim_b[3],
                    const double  m_b[4][4],
                    double        tolerance_mm,
                    double       *max_distance)
{
  double worst = 0.0;

  *max_distance = 0.0;
  for (int a = 0; a < 3; a++)
    if (dim_a[a] != dim_b[a])
      return FALSE;

  /* The matrices are affine, so the largest displacement over the grid is
   * reached at one of its eight corners. */
  for (int corner = 0; corner < 8; corner++)
    {
      double ijk[4] = { (corner & 1) ? dim_a[0] - 1 : 0,
                        (corner & 2) ? dim_a[1] - 1 : 0,
                        (corner & 4) ? dim_a[2] - 1 : 0, 1.0 };
      double d2 = 0.0;
      for (int r = 0; r < 3; r++)
        {
          double pa = 0.0, pb = 0.0;
          for (int c = 0; c < 4; c++)
            {
              pa += m_a[r][c] * ijk[c];
              pb += m_b[r][c] * ijk[c];
            }
          d2 += (pa - pb) * (pa - pb);
        }
      worst = MAX (worst, sqrt (d2));
    }
  *max_distance = worst;
  return worst <= tolerance_mm;
}
