/* Atomic replacement of a file: temporary file in the same folder, fsync,
 * rename, fsync of the folder (see atomic-file.h). */
#define G_LOG_DOMAIN "pl-atomic-file"

#include "engine/core/atomic-file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

struct _PlAtomicFile
{
  char   *path;      /* the target */
  char   *tmp_path;
  char   *name;      /* display name of the target, for messages */
  int     fd;        /* -1 once synced and closed */
  GQuark  domain;
  int     code;
};

static void
set_errno_error (PlAtomicFile *f, GError **error, const char *what, int saved)
{
  g_set_error (error, f->domain, f->code, "%s: %s: %s", f->name, what, g_strerror (saved));
}

PlAtomicFile *
pl_atomic_file_new (const char *path,
                    GQuark      domain,
                    int         io_code,
                    GError    **error)
{
  PlAtomicFile *f = g_new0 (PlAtomicFile, 1);
  g_autofree char *real = NULL, *dir = NULL, *base = NULL, *tmpl_name = NULL;
  struct stat st;

  /* Replacing a symbolic link would cut it: replace what it points to. */
  if (g_lstat (path, &st) == 0 && S_ISLNK (st.st_mode))
    real = realpath (path, NULL);
  f->path = g_strdup (real ? real : path);
  f->name = g_filename_display_name (path);
  dir = g_path_get_dirname (f->path);
  base = g_path_get_basename (f->path);
  tmpl_name = g_strdup_printf (".%s-XXXXXX.part", base);
  f->domain = domain;
  f->code = io_code;
  f->tmp_path = g_build_filename (dir, tmpl_name, NULL);
  /* 0666: the kernel applies the umask, as for any new file. */
  f->fd = g_mkstemp_full (f->tmp_path, O_RDWR | O_CLOEXEC, 0666);
  if (f->fd < 0)
    {
      set_errno_error (f, error, "cannot create a temporary file in its folder", errno);
      g_clear_pointer (&f->tmp_path, g_free);
      pl_atomic_file_abort (f);
      return NULL;
    }
  /* Replacing a file keeps its permissions. */
  if (g_stat (f->path, &st) == 0 && S_ISREG (st.st_mode))
    (void) fchmod (f->fd, st.st_mode & 07777);
  return f;
}

int
pl_atomic_file_get_fd (PlAtomicFile *file)
{
  return file->fd;
}

const char *
pl_atomic_file_get_name (PlAtomicFile *file)
{
  return file->name;
}

gboolean
pl_atomic_file_write (PlAtomicFile *f,
                      const void   *data,
                      gsize         n,
                      GError      **error)
{
  const guint8 *p = data;

  while (n > 0)
    {
      gssize w = write (f->fd, p, n);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        {
          set_errno_error (f, error, "cannot write", w < 0 ? errno : ENOSPC);
          return FALSE;
        }
      p += w;
      n -= (gsize) w;
    }
  return TRUE;
}

gboolean
pl_atomic_file_sync (PlAtomicFile *f,
                     GError      **error)
{
  int fd = f->fd;

  if (fd < 0)
    return TRUE;
  f->fd = -1;
  if (fsync (fd) != 0)
    {
      set_errno_error (f, error, "cannot flush to disk", errno);
      close (fd);
      return FALSE;
    }
  if (close (fd) != 0)
    {
      set_errno_error (f, error, "cannot write", errno);
      return FALSE;
    }
  return TRUE;
}

gboolean
pl_atomic_file_commit (PlAtomicFile *f,
                       GError      **error)
{
  g_autofree char *dir = NULL;
  int dfd;

  if (!pl_atomic_file_sync (f, error))
    {
      pl_atomic_file_abort (f);
      return FALSE;
    }
  if (g_rename (f->tmp_path, f->path) != 0)
    {
      set_errno_error (f, error, "cannot replace", errno);
      pl_atomic_file_abort (f);
      return FALSE;
    }
  g_clear_pointer (&f->tmp_path, g_free);

  /* Make the rename itself durable.  Some file systems refuse fsync on a
   * folder; the new file is in place either way, so that is not an error. */
  dir = g_path_get_dirname (f->path);
  dfd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (dfd >= 0)
    {
      (void) fsync (dfd);
      close (dfd);
    }
  pl_atomic_file_abort (f);
  return TRUE;
}

void
pl_atomic_file_abort (PlAtomicFile *f)
{
  if (f == NULL)
    return;
  if (f->fd >= 0)
    close (f->fd);
  if (f->tmp_path != NULL)
    (void) g_unlink (f->tmp_path);
  g_free (f->tmp_path);
  g_free (f->path);
  g_free (f->name);
  g_free (f);
}
