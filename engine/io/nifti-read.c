/* Reading NIfTI volumes and label maps: .nii, .nii.gz, .hdr/.img(.gz).
 *
 * The header is decoded and checked (nifti-header.c) before anything is
 * allocated; the voxels of one 3-D volume are then streamed through a 1 MiB
 * buffer, byte-swapped and converted chunk by chunk, with progress and
 * cancellation between chunks.  A plain file must prove its size (fstat)
 * before the output is allocated; a gzip stream cannot, so its output grows
 * as data actually arrives.  Either way nothing larger than the memory
 * budget is ever requested.
 *
 * zlib is used directly rather than through znzlib: znzread() turns
 * gzread()'s -1 into SIZE_MAX and truncates sizes to int, and gives no
 * error text. */
#define G_LOG_DOMAIN "pl-nifti"

#include "engine/io/nifti-private.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define CHUNK_BYTES (1u << 20)

typedef struct
{
  char   *name;    /* for messages */
  int     fd;
  gzFile  gz;      /* non-NULL: gzip stream over fd */
  guint64 size;    /* bytes on disk */
  guint64 pos;     /* uncompressed bytes consumed */
} InFile;

static void
infile_close (InFile *f)
{
  if (f->gz != NULL)
    gzclose (f->gz);          /* closes fd too */
  else if (f->fd >= 0)
    close (f->fd);
  f->gz = NULL;
  f->fd = -1;
  g_clear_pointer (&f->name, g_free);
}

static gboolean
infile_open (InFile     *f,
             const char *path,
             GError    **error)
{
  struct stat st;
  guint8 magic[2];
  int saved;

  f->name = g_filename_display_name (path);
  f->gz = NULL;
  f->pos = 0;
  /* O_NONBLOCK so that opening a FIFO cannot hang; cleared below. */
  f->fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
  if (f->fd < 0)
    {
      saved = errno;
      g_set_error (error, PL_ERROR, PL_ERROR_IO,
                   "%s: cannot open: %s", f->name, g_strerror (saved));
      return FALSE;
    }
  if (fstat (f->fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_IO,
                   "%s: not a regular file", f->name);
      return FALSE;
    }
  fcntl (f->fd, F_SETFL, fcntl (f->fd, F_GETFL) & ~O_NONBLOCK);
  f->size = (guint64) st.st_size;

  /* Compression is recognised by content, not by name. */
  if (pread (f->fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
    {
      f->gz = gzdopen (f->fd, "rb");
      if (f->gz == NULL)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_IO,
                       "%s: cannot start decompressing", f->name);
          return FALSE;
        }
      gzbuffer (f->gz, 256 * 1024);
    }
  return TRUE;
}

/* Reads up to n bytes; returns how many (short only at the end of the data)
 * or -1 with error set. */
static gssize
infile_read (InFile  *f,
             void    *buf,
             gsize    n,
             GError **error)
{
  gsize done = 0;

  g_assert (n <= G_MAXINT);
  while (done < n)
    {
      gssize got;
      if (f->gz != NULL)
        {
          got = gzread (f->gz, (guint8 *) buf + done, (unsigned) (n - done));
          if (got < 0)
            {
              int zerr;
              const char *msg = gzerror (f->gz, &zerr);
              if (zerr == Z_BUF_ERROR)   /* stream cut short: truncation */
                break;
              g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                           "%s: corrupt compressed data (%s)", f->name, msg);
              return -1;
            }
        }
      else
        {
          got = read (f->fd, (guint8 *) buf + done, n - done);
          if (got < 0 && errno == EINTR)
            continue;
          if (got < 0)
            {
              int saved = errno;
              g_set_error (error, PL_ERROR, PL_ERROR_IO,
                           "%s: read error: %s", f->name, g_strerror (saved));
              return -1;
            }
        }
      if (got == 0)
        break;
      done += (gsize) got;
    }
  f->pos += done;
  return (gssize) done;
}

struct _PlNiftiSource
{
  PlNiftiHeader hdr;
  InFile        head;
  InFile        data_file;   /* used only for .hdr/.img pairs */
  InFile       *data;        /* &head or &data_file */
  char         *path;
};

static gboolean
has_suffix (const char *path, const char *suffix)
{
  gsize n = strlen (path), m = strlen (suffix);
  return n >= m && g_ascii_strcasecmp (path + n - m, suffix) == 0;
}

/* path without its NIfTI extension, and which one it was */
static char *
split_ext (const char *path, const char **ext)
{
  static const char *const exts[] = { ".nii.gz", ".hdr.gz", ".img.gz", ".nii", ".hdr", ".img" };
  for (gsize i = 0; i < G_N_ELEMENTS (exts); i++)
    if (has_suffix (path, exts[i]))
      {
        *ext = exts[i];
        return g_strndup (path, strlen (path) - strlen (exts[i]));
      }
  *ext = "";
  return g_strdup (path);
}

/* The first of base+a, base+b that exists, or NULL. */
static char *
sibling (const char *base, const char *a, const char *b)
{
  const char *cands[2] = { a, b };
  for (int i = 0; i < 2; i++)
    {
      char *p = g_strconcat (base, cands[i], NULL);
      if (g_file_test (p, G_FILE_TEST_EXISTS))
        return p;
      g_free (p);
    }
  return NULL;
}

void
pl_nifti_source_free (PlNiftiSource *src)
{
  if (src == NULL)
    return;
  infile_close (&src->head);
  infile_close (&src->data_file);
  g_free (src->path);
  g_free (src);
}

PlNiftiSource *
pl_nifti_source_open (const char *path,
                      GError    **error)
{
  g_autoptr (PlNiftiSource) src = g_new0 (PlNiftiSource, 1);
  g_autofree char *base = NULL, *header_path = NULL, *img_path = NULL;
  const char *ext;
  guint8 buf[PL_NIFTI2_HEADER_SIZE];
  gsize needed = 0;
  gssize got;

  src->head.fd = src->data_file.fd = -1;
  src->path = g_strdup (path);
  base = split_ext (path, &ext);

  /* Given the .img of a pair, find its header, preferring the same
   * compression; the voxels are then read from the file named. */
  if (g_str_has_prefix (ext, ".img"))
    {
      gboolean gz = g_str_has_suffix (ext, ".gz");
      header_path = gz ? sibling (base, ".hdr.gz", ".hdr") : sibling (base, ".hdr", ".hdr.gz");
      if (header_path == NULL)
        {
          g_autofree char *name = g_filename_display_name (path);
          g_set_error (error, PL_ERROR, PL_ERROR_IO,
                       "%s: no matching .hdr file next to it", name);
          return NULL;
        }
      img_path = g_strdup (path);
    }
  else
    header_path = g_strdup (path);

  if (!infile_open (&src->head, header_path, error))
    return NULL;

  got = infile_read (&src->head, buf, 4, error);
  if (got < 0)
    return NULL;
  if (!pl_nifti_header_decode (buf, (gsize) got, &needed, src->head.name, &src->hdr, error))
    {
      if (needed == 0)
        return NULL;
      got = infile_read (&src->head, buf + 4, needed - 4, error);
      if (got < 0)
        return NULL;
      if ((gsize) got + 4 < needed)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_TRUNCATED,
                       "%s: header is truncated (%" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes)",
                       src->head.name, (gsize) got + 4, needed);
          return NULL;
        }
      if (!pl_nifti_header_decode (buf, needed, &needed, src->head.name, &src->hdr, error))
        return NULL;
    }
  if (!pl_nifti_header_check (&src->hdr, src->head.name, error))
    return NULL;

  if (!src->hdr.pair)
    {
      src->data = &src->head;
      return g_steal_pointer (&src);
    }

  if (img_path == NULL)
    {
      g_autofree char *hbase = NULL;
      const char *hext;

      hbase = split_ext (header_path, &hext);
      img_path = has_suffix (hext, ".gz") ? sibling (hbase, ".img.gz", ".img")
                                          : sibling (hbase, ".img", ".img.gz");
    }
  if (img_path == NULL)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_IO,
                   "%s: the header says the voxels are in a separate .img file, "
                   "but there is none next to it", src->head.name);
      return NULL;
    }
  if (!infile_open (&src->data_file, img_path, error))
    return NULL;
  src->data = &src->data_file;
  return g_steal_pointer (&src);
}

const PlNiftiHeader *
pl_nifti_source_header (const PlNiftiSource *src)
{
  return &src->hdr;
}

/* Positions the data file at the start of volume t; the bytes of that
 * volume are then guaranteed (plain file) or merely expected (gzip).
 * *skipped: bytes decompressed and discarded on the way. */
static gboolean
seek_volume (PlNiftiSource    *src,
             guint64           t,
             guint64          *skipped,
             const PlProgress *progress,
             GError          **error)
{
  InFile *f = src->data;
  const PlNiftiHeader *hdr = &src->hdr;
  guint64 start = hdr->vox_offset + t * hdr->bytes_per_volume;   /* no overflow: checked */
  guint64 end = start + hdr->bytes_per_volume;

  *skipped = 0;
  if (f->gz == NULL)
    {
      if (hdr->vox_offset > f->size)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_BAD_OFFSET,
                       "%s: vox_offset %" G_GUINT64_FORMAT " is past the end of the file (%"
                       G_GUINT64_FORMAT " bytes)", f->name, hdr->vox_offset, f->size);
          return FALSE;
        }
      if (end > f->size)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_TRUNCATED,
                       "%s: voxel data is truncated: volume %" G_GUINT64_FORMAT " needs bytes %"
                       G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT " but the file has %" G_GUINT64_FORMAT,
                       f->name, t, start, end, f->size);
          return FALSE;
        }
      if (lseek (f->fd, (off_t) start, SEEK_SET) != (off_t) start)
        {
          int saved = errno;
          g_set_error (error, PL_ERROR, PL_ERROR_IO,
                       "%s: cannot seek: %s", f->name, g_strerror (saved));
          return FALSE;
        }
      f->pos = start;
      return TRUE;
    }

  /* gzip: decompress and discard up to the start, which also proves that
   * the stream is as long as vox_offset says. */
  if (f->pos < start)
    {
      g_autofree guint8 *scratch = g_malloc (CHUNK_BYTES);
      guint64 from = f->pos;

      while (f->pos < start)
        {
          gsize want = (gsize) MIN ((guint64) CHUNK_BYTES, start - f->pos);
          gssize got = infile_read (f, scratch, want, error);
          if (got < 0)
            return FALSE;
          if ((gsize) got < want)
            {
              if (f->pos < hdr->vox_offset)
                g_set_error (error, PL_ERROR, PL_ERROR_BAD_OFFSET,
                             "%s: vox_offset %" G_GUINT64_FORMAT " is past the end of the "
                             "data (%" G_GUINT64_FORMAT " bytes uncompressed)",
                             f->name, hdr->vox_offset, f->pos);
              else
                g_set_error (error, PL_ERROR, PL_ERROR_TRUNCATED,
                             "%s: voxel data is truncated: volume %" G_GUINT64_FORMAT
                             " would start at byte %" G_GUINT64_FORMAT " but the data ends at %"
                             G_GUINT64_FORMAT, f->name, t, start, f->pos);
              return FALSE;
            }
          *skipped = f->pos - from;
          if (!pl_progress_report (progress, (f->pos - from) / (double) (end - from), NULL))
            return pl_progress_set_cancelled_error (error);
        }
    }
  return TRUE;
}

static void
swap_in_place (guint8 *p, gsize n, gsize elem)
{
  switch (elem)
    {
    case 2:
      for (gsize i = 0; i < n; i++)
        {
          guint16 v;
          memcpy (&v, p + 2 * i, 2);
          v = GUINT16_SWAP_LE_BE (v);
          memcpy (p + 2 * i, &v, 2);
        }
      break;
    case 4:
      for (gsize i = 0; i < n; i++)
        {
          guint32 v;
          memcpy (&v, p + 4 * i, 4);
          v = GUINT32_SWAP_LE_BE (v);
          memcpy (p + 4 * i, &v, 4);
        }
      break;
    case 8:
      for (gsize i = 0; i < n; i++)
        {
          guint64 v;
          memcpy (&v, p + 8 * i, 8);
          v = GUINT64_SWAP_LE_BE (v);
          memcpy (p + 8 * i, &v, 8);
        }
      break;
    default:
      break;
    }
}

gboolean
pl_nifti_source_read_volume (PlNiftiSource    *src,
                             guint64           t,
                             PlNiftiSink       sink,
                             gpointer          sink_data,
                             const PlProgress *progress,
                             GError          **error)
{
  const PlNiftiHeader *hdr = &src->hdr;
  InFile *f = src->data;
  gsize elem = hdr->elem_size;
  gsize chunk = CHUNK_BYTES - CHUNK_BYTES % elem;
  g_autofree guint8 *raw = NULL;
  guint64 done = 0, total = hdr->bytes_per_volume, skipped = 0;

  if (t >= hdr->n_volumes)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "%s: volume %" G_GUINT64_FORMAT " requested but the file has %"
                   G_GUINT64_FORMAT " (0 to %" G_GUINT64_FORMAT ")",
                   src->head.name, t, hdr->n_volumes, hdr->n_volumes - 1);
      return FALSE;
    }
  if (!seek_volume (src, t, &skipped, progress, error))
    return FALSE;

  raw = g_malloc (MIN ((guint64) chunk, total));
  while (done < total)
    {
      gsize want = (gsize) MIN ((guint64) chunk, total - done);
      gssize got = infile_read (f, raw, want, error);
      if (got < 0)
        return FALSE;
      if ((gsize) got < want)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_TRUNCATED,
                       "%s: voxel data is truncated: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                       " bytes of volume %" G_GUINT64_FORMAT " present",
                       f->name, done + (guint64) got, total, t);
          return FALSE;
        }
      if (hdr->swapped)
        swap_in_place (raw, want / elem, elem);
      if (!sink (sink_data, raw, done / elem, want / elem, error))
        return FALSE;
      done += want;
      if (!pl_progress_report (progress, (skipped + done) / (double) (skipped + total), NULL))
        return pl_progress_set_cancelled_error (error);
    }
  return TRUE;
}

gboolean
pl_nifti_source_size_proven (const PlNiftiSource *src)
{
  return src->data->gz == NULL;
}

const char *
pl_nifti_source_name (const PlNiftiSource *src)
{
  return src->head.name;
}

gboolean
pl_grow_buffer_reserve (PlGrowBuffer *b,
                        gsize         n_elems,
                        GError      **error)
{
  gsize cap;
  gpointer p;

  if (n_elems <= b->capacity)
    return TRUE;
  g_assert (n_elems <= b->total);
  if (b->proven)
    cap = b->total;
  else
    {
      /* Doubling from 4 Mi elements: large glibc blocks are mmapped, so
       * each realloc is an mremap rather than a copy. */
      cap = MAX (b->capacity, (gsize) 1 << 22);
      while (cap < n_elems)
        cap = cap > G_MAXSIZE / 2 ? G_MAXSIZE : cap * 2;
      cap = MIN (cap, b->total);
    }
  p = g_try_realloc (b->data, cap * b->elem_size);
  if (p == NULL)
    {
      g_autofree char *size = g_format_size ((guint64) cap * b->elem_size);
      g_set_error (error, PL_ERROR, PL_ERROR_TOO_LARGE,
                   "%s: out of memory allocating %s", b->name, size);
      return FALSE;
    }
  b->data = p;
  b->capacity = cap;
  return TRUE;
}

gboolean
pl_grow_buffer_init (PlGrowBuffer        *b,
                     const PlNiftiSource *src,
                     gsize                elem_size,
                     GError             **error)
{
  const PlNiftiHeader *hdr = pl_nifti_source_header (src);
  guint64 bytes;

  memset (b, 0, sizeof *b);
  b->elem_size = elem_size;
  b->total = hdr->voxels_per_volume;
  b->name = pl_nifti_source_name (src);
  /* Sinks reserve only once pl_nifti_source_read_volume() has positioned
   * the file, which for a plain file checks its size: from then on the
   * whole volume may be allocated at once. */
  b->proven = pl_nifti_source_size_proven (src);
  if (!g_uint64_checked_mul (&bytes, hdr->voxels_per_volume, elem_size)
      || bytes > pl_volume_get_memory_budget ())
    {
      g_autofree char *need = g_format_size (bytes);
      g_autofree char *budget = g_format_size (pl_volume_get_memory_budget ());
      g_set_error (error, PL_ERROR, PL_ERROR_TOO_LARGE,
                   "%s: a volume of %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
                   " voxels needs %s of memory, more than the budget of %s",
                   b->name, hdr->dim[1], hdr->dim[2], hdr->dim[3], need, budget);
      return FALSE;
    }
  return TRUE;
}
