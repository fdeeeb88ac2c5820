/* Writing NIfTI: pl_volume_save() (float32) and pl_labels_save() (uint8 or
 * uint16, intent "label"), on the source file's exact header.
 *
 * The header is the one the reference volume was read with (dims, pixdim,
 * qform and sform with their codes and quaternion, units, NIfTI version all
 * kept), changed only where the data differ: datatype, dims beyond 3-D,
 * scaling, cal_min/cal_max, intent, vox_offset, extensions (dropped).
 * Volumes without a file get a header made from their vox2world.  Files are
 * written in host byte order, streamed in 1 MiB chunks, and replaced
 * atomically (atomic-file.h). */
#define G_LOG_DOMAIN "pl-nifti"

#include "engine/core/atomic-file.h"
#include "engine/data/labels.h"
#include "engine/io/nifti-private.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define CHUNK_ELEMS (1u << 18)

/* Fills out[0..n) with values first..first+n of the volume in the output
 * datatype. */
typedef void (*FillFunc) (gconstpointer data, gsize first, gsize n, guint8 *out);

typedef struct
{
  PlAtomicFile *file;
  gzFile        gz;     /* non-NULL: compressing */
} OutStream;

static gboolean
out_open (OutStream  *s,
          const char *path,
          int         gz_level,
          GError    **error)
{
  s->gz = NULL;
  s->file = pl_atomic_file_new (path, PL_ERROR, PL_ERROR_IO, error);
  if (s->file == NULL)
    return FALSE;
  if (gz_level > 0)
    {
      char mode[4] = { 'w', 'b', (char) ('0' + gz_level), '\0' };
      int fd = dup (pl_atomic_file_get_fd (s->file));

      /* gzclose() closes its descriptor; the original stays for fsync. */
      s->gz = fd >= 0 ? gzdopen (fd, mode) : NULL;
      if (s->gz == NULL)
        {
          if (fd >= 0)
            close (fd);
          g_set_error (error, PL_ERROR, PL_ERROR_IO,
                       "%s: cannot start compressing", pl_atomic_file_get_name (s->file));
          pl_atomic_file_abort (s->file);
          s->file = NULL;
          return FALSE;
        }
    }
  return TRUE;
}

static void
set_gz_error (OutStream *s, int zerr, const char *msg, GError **error)
{
  if (zerr == Z_ERRNO)
    g_set_error (error, PL_ERROR, PL_ERROR_IO, "%s: cannot write: %s",
                 pl_atomic_file_get_name (s->file), g_strerror (errno));
  else
    g_set_error (error, PL_ERROR, PL_ERROR_IO, "%s: compression failed: %s",
                 pl_atomic_file_get_name (s->file), msg ? msg : "unknown error");
}

static gboolean
out_write (OutStream  *s,
           const void *data,
           gsize       n,
           GError    **error)
{
  if (s->gz == NULL)
    return pl_atomic_file_write (s->file, data, n, error);
  while (n > 0)
    {
      unsigned part = (unsigned) MIN (n, (gsize) 1 << 30);
      if (gzwrite (s->gz, data, part) != (int) part)
        {
          int zerr;
          const char *msg = gzerror (s->gz, &zerr);
          set_gz_error (s, zerr, msg, error);
          return FALSE;
        }
      data = (const guint8 *) data + part;
      n -= part;
    }
  return TRUE;
}

static void
out_abort (OutStream *s)
{
  if (s->gz != NULL)
    gzclose (s->gz);
  s->gz = NULL;
  pl_atomic_file_abort (s->file);
  s->file = NULL;
}

/* Flushes compression and fsyncs; the file is then ready to be renamed. */
static gboolean
out_finish (OutStream *s,
            GError   **error)
{
  if (s->gz != NULL)
    {
      int zerr = gzclose (s->gz);
      s->gz = NULL;
      if (zerr != Z_OK)
        {
          set_gz_error (s, zerr, NULL, error);
          return FALSE;
        }
    }
  return pl_atomic_file_sync (s->file, error);
}

typedef struct
{
  char    *hdr_path;   /* where the header goes */
  char    *img_path;   /* NULL for a single .nii */
  gboolean gz;
} OutputForm;

static void
output_form_clear (OutputForm *f)
{
  g_clear_pointer (&f->hdr_path, g_free);
  g_clear_pointer (&f->img_path, g_free);
}

static gboolean
has_suffix (const char *path, const char *suffix)
{
  gsize n = strlen (path), m = strlen (suffix);
  return n > m && g_ascii_strcasecmp (path + n - m, suffix) == 0;
}

static gboolean
output_form (const char *path,
             OutputForm *form,
             GError    **error)
{
  static const struct { const char *ext; gboolean pair, gz; } forms[] = {
    { ".nii.gz", FALSE, TRUE }, { ".hdr.gz", TRUE, TRUE }, { ".img.gz", TRUE, TRUE },
    { ".nii", FALSE, FALSE },   { ".hdr", TRUE, FALSE },   { ".img", TRUE, FALSE },
  };

  memset (form, 0, sizeof *form);
  for (gsize i = 0; i < G_N_ELEMENTS (forms); i++)
    if (has_suffix (path, forms[i].ext))
      {
        g_autofree char *base = g_strndup (path, strlen (path) - strlen (forms[i].ext));
        form->gz = forms[i].gz;
        if (!forms[i].pair)
          form->hdr_path = g_strdup (path);
        else
          {
            form->hdr_path = g_strconcat (base, forms[i].gz ? ".hdr.gz" : ".hdr", NULL);
            form->img_path = g_strconcat (base, forms[i].gz ? ".img.gz" : ".img", NULL);
          }
        return TRUE;
      }

  {
    g_autofree char *name = g_filename_display_name (path);
    g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                 "%s: unknown file type; NIfTI files end in .nii, .nii.gz or .hdr", name);
  }
  return FALSE;
}

static gboolean
write_values (OutStream    *s,
              gconstpointer data,
              gsize         n,
              gsize         elem,
              FillFunc      fill,
              GError      **error)
{
  g_autofree guint8 *buf = g_malloc ((gsize) CHUNK_ELEMS * elem);

  for (gsize first = 0; first < n; first += CHUNK_ELEMS)
    {
      gsize m = MIN ((gsize) CHUNK_ELEMS, n - first);
      fill (data, first, m, buf);
      if (!out_write (s, buf, m * elem, error))
        return FALSE;
    }
  return TRUE;
}

/* Writes header (and data, for a single file) to form, atomically. */
static gboolean
write_nifti (const char    *path,
             PlNiftiHeader *hdr,
             gconstpointer  data,
             gsize          n,
             FillFunc       fill,
             int            gz_level,
             GError       **error)
{
  OutputForm form;
  OutStream head = { 0 }, img = { 0 };
  guint8 bytes[PL_NIFTI2_HEADER_SIZE + 4];
  gsize elem, hsize;
  gboolean ok = FALSE;

  if (!output_form (path, &form, error))
    return FALSE;
  pl_nifti_datatype_info (hdr->h.datatype, &elem, NULL);
  if (hdr->version == 1 && !pl_nifti_header_fits_nifti1 (hdr))
    hdr->version = 2;
  hdr->pair = form.img_path != NULL;
  hsize = hdr->version == 1 ? PL_NIFTI1_HEADER_SIZE : PL_NIFTI2_HEADER_SIZE;
  /* After the header: a 4-byte extender, all zero (no extensions). */
  hdr->h.vox_offset = hdr->pair ? 0 : (gint64) (hsize + 4);
  pl_nifti_header_encode (hdr, bytes);
  memset (bytes + hsize, 0, 4);

  if (!out_open (&head, form.hdr_path, form.gz ? gz_level : 0, error)
      || !out_write (&head, bytes, hsize + 4, error))
    goto out;
  if (hdr->pair)
    {
      if (!out_open (&img, form.img_path, form.gz ? gz_level : 0, error)
          || !write_values (&img, data, n, elem, fill, error)
          || !out_finish (&img, error))
        goto out;
    }
  else if (!write_values (&head, data, n, elem, fill, error))
    goto out;
  if (!out_finish (&head, error))
    goto out;

  /* Both halves of a pair are complete on disk before either replaces its
   * target; the image goes first so that a header never describes data
   * that are not there yet. */
  if (img.file != NULL)
    {
      PlAtomicFile *f = g_steal_pointer (&img.file);
      if (!pl_atomic_file_commit (f, error))
        goto out;
    }
  {
    PlAtomicFile *f = g_steal_pointer (&head.file);
    ok = pl_atomic_file_commit (f, error);
  }

out:
  if (img.file != NULL)
    out_abort (&img);
  if (head.file != NULL)
    out_abort (&head);
  output_form_clear (&form);
  return ok;
}

/* The header a file on the reference's grid starts from. */
static void
reference_header (const PlVolume *reference,
                  PlNiftiHeader  *hdr)
{
  if (reference->geometry != NULL
      && reference->geometry->header.dim[1] == reference->dim[0]
      && reference->geometry->header.dim[2] == reference->dim[1]
      && reference->geometry->header.dim[3] == reference->dim[2])
    *hdr = reference->geometry->header;
  else
    pl_nifti_header_from_volume (reference, hdr);
}

static void
set_data_fields (PlNiftiHeader *hdr,
                 const gint64   dim[3],
                 int            datatype,
                 int            bitpix,
                 double         cal_min,
                 double         cal_max,
                 int            intent)
{
  nifti_2_header *h = &hdr->h;

  h->datatype = (gint16) datatype;
  h->bitpix = (gint16) bitpix;
  h->dim[0] = 3;
  for (int a = 0; a < 3; a++)
    h->dim[a + 1] = dim[a];
  for (int i = 4; i < 8; i++)
    h->dim[i] = 1;
  h->scl_slope = 1.0;
  h->scl_inter = 0.0;
  h->cal_min = cal_min;
  h->cal_max = cal_max;
  h->intent_code = intent;
  h->intent_p1 = h->intent_p2 = h->intent_p3 = 0.0;
  memset (h->intent_name, 0, sizeof h->intent_name);
}

static void
fill_float (gconstpointer data, gsize first, gsize n, guint8 *out)
{
  memcpy (out, (const float *) data + first, n * sizeof (float));
}

gboolean
pl_volume_save (const PlVolume *volume,
                const char     *path,
                GError        **error)
{
  PlNiftiHeader hdr;
  gsize n;
  float lo = INFINITY, hi = -INFINITY;

  g_return_val_if_fail (volume != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  n = pl_volume_n_voxels (volume);
  for (gsize i = 0; i < n; i++)
    if (isfinite (volume->data[i]))
      {
        lo = MIN (lo, volume->data[i]);
        hi = MAX (hi, volume->data[i]);
      }
  if (lo > hi)
    lo = hi = 0.0f;

  reference_header (volume, &hdr);
  set_data_fields (&hdr, volume->dim, NIFTI_TYPE_FLOAT32, 32, lo, hi, NIFTI_INTENT_NONE);
  /* Float volumes rarely compress well; level 1 costs a fraction of the
   * default's time for nearly the same size. */
  return write_nifti (path, &hdr, volume->data, n, fill_float, 1, error);
}

static void
fill_u8 (gconstpointer data, gsize first, gsize n, guint8 *out)
{
  const guint16 *src = (const guint16 *) data + first;
  for (gsize i = 0; i < n; i++)
    out[i] = (guint8) src[i];
}

static void
fill_u16 (gconstpointer data, gsize first, gsize n, guint8 *out)
{
  memcpy (out, (const guint16 *) data + first, n * sizeof (guint16));
}

gboolean
pl_labels_save (const PlLabels *labels,
                const PlVolume *reference,
                const char     *path,
                GError        **error)
{
  PlNiftiHeader hdr;
  gsize n;
  guint16 hi = 0;

  g_return_val_if_fail (labels != NULL, FALSE);
  g_return_val_if_fail (reference != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (memcmp (labels->dim, reference->dim, sizeof labels->dim) != 0)
    {
      g_autofree char *name = g_filename_display_name (path);
      g_set_error (error, PL_ERROR, PL_ERROR_GRID_MISMATCH,
                   "%s: the label map is %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
                   " voxels but the image is %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT,
                   name, labels->dim[0], labels->dim[1], labels->dim[2],
                   reference->dim[0], reference->dim[1], reference->dim[2]);
      return FALSE;
    }

  n = pl_labels_n_voxels (labels);
  for (gsize i = 0; i < n; i++)
    hi = MAX (hi, labels->data[i]);

  reference_header (reference, &hdr);
  if (hi <= G_MAXUINT8)
    {
      set_data_fields (&hdr, labels->dim, NIFTI_TYPE_UINT8, 8, 0.0, hi, NIFTI_INTENT_LABEL);
      return write_nifti (path, &hdr, labels->data, n, fill_u8, 6, error);
    }
  set_data_fields (&hdr, labels->dim, NIFTI_TYPE_UINT16, 16, 0.0, hi, NIFTI_INTENT_LABEL);
  return write_nifti (path, &hdr, labels->data, n, fill_u16, 6, error);
}
