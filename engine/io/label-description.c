/* ITK-SNAP label description files: pl_label_table_load() and
 * pl_label_table_save().
 *
 * The format, as ITK-SNAP's ColorLabelTable reads and writes it: lines
 * starting with '#' are comments, blank lines are skipped, and every other
 * line is
 *
 *     IDX  R  G  B  A  VIS  MSH  "LABEL"
 *
 * with IDX the label value, R G B in 0..255, A the opacity in 0..1, VIS and
 * MSH 0/1 flags (visible in slices / in 3-D) and the name in double quotes
 * (no escapes; ITK-SNAP reads up to the next quote).
 *
 * Locks are not part of the format.  They are kept in a comment line,
 * "# Pellucid locked labels: 3 5", which ITK-SNAP skips like any comment and
 * we read back.  Left/right pairs the user set (labels.h) likewise:
 * "# Pellucid side pairs: 1-2 41-42". */
#define G_LOG_DOMAIN "pl-label-table"

#include "engine/core/atomic-file.h"
#include "engine/data/labels.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILE_BYTES (16u << 20)
#define LOCK_TAG "Pellucid locked labels:"
#define PAIR_TAG "Pellucid side pairs:"

typedef struct
{
  const char *name;   /* file, for messages */
  guint       line;
} Where;

static gboolean
syntax_error (const Where *w, GError **error, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
syntax_error (const Where *w, GError **error, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, PL_ERROR, PL_ERROR_BAD_LABEL_TABLE,
               "%s: line %u: %s", w->name, w->line, msg);
  return FALSE;
}

static const char *
skip_space (const char *p)
{
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

/* A whole number in [lo, hi] followed by a blank or the end of the line
 * (where the next field then reports itself missing). */
static gboolean
parse_int (const char **p, gint64 lo, gint64 hi, const char *what,
           gint64 *out, const Where *w, GError **error)
{
  const char *s = skip_space (*p);
  char *end = NULL;
  gint64 v;

  if (!g_ascii_isdigit (*s) && !((*s == '-' || *s == '+') && g_ascii_isdigit (s[1])))
    return syntax_error (w, error, "expected %s", what);
  errno = 0;
  v = g_ascii_strtoll (s, &end, 10);
  if (errno != 0 || v < lo || v > hi)
    return syntax_error (w, error, "%s must be %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
                         what, lo, hi);
  if (*end != ' ' && *end != '\t' && *end != '\0')
    return syntax_error (w, error, "expected a blank after %s", what);
  *out = v;
  *p = end;
  return TRUE;
}

static gboolean
parse_alpha (const char **p, double *out, const Where *w, GError **error)
{
  const char *s = skip_space (*p);
  char *end = NULL;
  double v;

  if (!g_ascii_isdigit (*s) && *s != '.' && *s != '-' && *s != '+')
    return syntax_error (w, error, "expected the opacity");
  v = g_ascii_strtod (s, &end);
  if (end == s || (*end != ' ' && *end != '\t' && *end != '\0'))
    return syntax_error (w, error, "expected the opacity, a number from 0 to 1");
  if (!(v >= 0.0 && v <= 1.0))
    return syntax_error (w, error, "opacity must be from 0 to 1");
  *out = v;
  *p = end;
  return TRUE;
}

static gboolean
parse_entry (const char *line, PlLabel *out, const Where *w, GError **error)
{
  const char *p = line, *name, *close;
  gint64 idx, rgb[3], vis, mesh;
  double alpha = 0.0;
  static const char *const channel[3] = { "red", "green", "blue" };

  if (!parse_int (&p, 0, G_MAXUINT16, "the label value", &idx, w, error))
    return FALSE;
  for (int c = 0; c < 3; c++)
    if (!parse_int (&p, 0, 255, channel[c], &rgb[c], w, error))
      return FALSE;
  if (!parse_alpha (&p, &alpha, w, error)
      || !parse_int (&p, G_MININT32, G_MAXINT32, "the visibility flag", &vis, w, error)
      || !parse_int (&p, G_MININT32, G_MAXINT32, "the mesh flag", &mesh, w, error))
    return FALSE;

  p = skip_space (p);
  if (*p != '"')
    return syntax_error (w, error, "expected the label name in double quotes");
  name = p + 1;
  close = strchr (name, '"');
  if (close == NULL)
    return syntax_error (w, error, "the label name has no closing quote");

  out->value = (guint16) idx;
  for (int c = 0; c < 3; c++)
    out->rgb[c] = (guint8) rgb[c];
  out->alpha = (float) alpha;
  out->visible = vis != 0;
  out->mesh_visible = mesh != 0;
  out->locked = FALSE;
  out->name = g_utf8_make_valid (name, close - name);
  return TRUE;
}

/* "# Pellucid locked labels: 3 5": values that do not parse are ignored,
 * as a comment deserves. */
static void
parse_locks (const char *comment, GArray *locked)
{
  g_auto (GStrv) tokens = g_strsplit_set (comment, " \t", -1);

  for (int i = 0; tokens[i] != NULL; i++)
    {
      guint64 v;
      if (*tokens[i] != '\0'
          && g_ascii_string_to_unsigned (tokens[i], 10, 0, G_MAXUINT16, &v, NULL))
        {
          guint16 value = (guint16) v;
          g_array_append_val (locked, value);
        }
    }
}

/* "# Pellucid side pairs: 1-2 41-42", as values two by two. */
static void
parse_pairs (const char *comment, GArray *pairs)
{
  g_auto (GStrv) tokens = g_strsplit_set (comment, " \t", -1);

  for (int i = 0; tokens[i] != NULL; i++)
    {
      g_auto (GStrv) ab = g_strsplit (tokens[i], "-", 3);
      guint64 a, b;
      if (g_strv_length (ab) == 2
          && g_ascii_string_to_unsigned (ab[0], 10, 1, G_MAXUINT16, &a, NULL)
          && g_ascii_string_to_unsigned (ab[1], 10, 1, G_MAXUINT16, &b, NULL) && a != b)
        {
          guint16 v[2] = { (guint16) a, (guint16) b };
          g_array_append_vals (pairs, v, 2);
        }
    }
}

static int
compare_by_value (gconstpointer a, gconstpointer b)
{
  const PlLabel *x = a, *y = b;
  return (int) x->value - (int) y->value;
}

static PlLabelTable *
parse_text (char *text, gsize len, const char *name, GError **error)
{
  g_autoptr (GArray) entries = g_array_new (FALSE, TRUE, sizeof (PlLabel));
  g_autoptr (GArray) locked = g_array_new (FALSE, FALSE, sizeof (guint16));
  g_autoptr (GArray) pairs = g_array_new (FALSE, FALSE, sizeof (guint16));
  g_autoptr (PlLabelTable) table = pl_label_table_new_empty ();
  Where w = { name, 0 };
  char *line = text, *end = text + len;
  gboolean ok = TRUE;

  if (memchr (text, '\0', len) != NULL)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_BAD_LABEL_TABLE,
                   "%s: not a label description (binary data)", name);
      return NULL;
    }

  while (ok && line < end)
    {
      char *nl = memchr (line, '\n', end - line), *next;
      const char *p;

      next = nl ? nl + 1 : end;
      if (nl)
        *nl = '\0';
      if (nl > line && nl[-1] == '\r')
        nl[-1] = '\0';
      w.line++;

      p = skip_space (line);
      if (*p == '#')
        {
          const char *tag = strstr (p, LOCK_TAG);
          if (tag != NULL && skip_space (p + 1) == tag)
            parse_locks (tag + strlen (LOCK_TAG), locked);
          tag = strstr (p, PAIR_TAG);
          if (tag != NULL && skip_space (p + 1) == tag)
            parse_pairs (tag + strlen (PAIR_TAG), pairs);
        }
      else if (*p != '\0')
        {
          PlLabel entry = { 0 };
          ok = parse_entry (p, &entry, &w, error);
          if (ok)
            g_array_append_val (entries, entry);
        }
      line = next;
    }

  /* Sorted, so that the table is built by appending; a value listed twice
   * keeps its last line, as in ITK-SNAP. */
  g_array_sort (entries, compare_by_value);   /* stable: equal values keep file order */
  for (guint i = 0; i < entries->len; i++)
    {
      PlLabel *e = &g_array_index (entries, PlLabel, i);
      if (ok && (i + 1 == entries->len
                 || g_array_index (entries, PlLabel, i + 1).value != e->value))
        pl_label_table_set (table, e);
      g_free (e->name);
    }
  if (!ok)
    return NULL;

  if (pl_label_table_lookup (table, 0) == NULL)
    {
      PlLabel clear = { 0, (char *) "Clear Label", { 0, 0, 0 }, 0.0f, FALSE, FALSE, FALSE };
      pl_label_table_set (table, &clear);
    }
  for (guint i = 0; i < locked->len; i++)
    {
      PlLabel *l = pl_label_table_lookup (table, g_array_index (locked, guint16, i));
      if (l != NULL)
        l->locked = TRUE;
    }
  for (guint i = 0; i + 1 < pairs->len; i += 2)
    {
      guint16 a = g_array_index (pairs, guint16, i), b = g_array_index (pairs, guint16, i + 1);
      if (pl_label_table_lookup (table, a) && pl_label_table_lookup (table, b))
        pl_label_table_set_partner (table, a, b);
    }
  return g_steal_pointer (&table);
}

PlLabelTable *
pl_label_table_load (const char *path,
                     GError    **error)
{
  g_autofree char *name = NULL, *text = NULL;
  struct stat st;
  gsize len = 0;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);

  name = g_filename_display_name (path);
  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, PL_ERROR, PL_ERROR_IO,
                   "%s: cannot open: %s", name, g_strerror (saved));
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, PL_ERROR, PL_ERROR_IO, "%s: not a regular file", name);
      return NULL;
    }
  if ((guint64) st.st_size > MAX_FILE_BYTES)
    {
      close (fd);
      g_set_error (error, PL_ERROR, PL_ERROR_BAD_LABEL_TABLE,
                   "%s: %" G_GUINT64_FORMAT " bytes is too large for a label description",
                   name, (guint64) st.st_size);
      return NULL;
    }

  text = g_malloc ((gsize) st.st_size + 1);
  while (len < (gsize) st.st_size)
    {
      gssize got = read (fd, text + len, (gsize) st.st_size - len);
      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        {
          int saved = errno;
          close (fd);
          g_set_error (error, PL_ERROR, PL_ERROR_IO,
                       "%s: read error: %s", name, g_strerror (saved));
          return NULL;
        }
      if (got == 0)
        break;
      len += (gsize) got;
    }
  close (fd);
  text[len] = '\0';
  return parse_text (text, len, name, error);
}

/* The shortest decimal that reads back as the same float. */
static void
format_alpha (float alpha, char buf[G_ASCII_DTOSTR_BUF_SIZE])
{
  for (int digits = 1; digits <= 9; digits++)
    {
      char fmt[8];
      g_snprintf (fmt, sizeof fmt, "%%.%dg", digits);
      g_ascii_formatd (buf, G_ASCII_DTOSTR_BUF_SIZE, fmt, alpha);
      if ((float) g_ascii_strtod (buf, NULL) == alpha)
        return;
    }
}

gboolean
pl_label_table_save (const PlLabelTable *table,
                     const char         *path,
                     GError            **error)
{
  g_autoptr (GString) out = g_string_new (NULL);
  gboolean any_locked = FALSE;
  PlAtomicFile *file;
  guint n;

  g_return_val_if_fail (table != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  /* ITK-SNAP's own header, so that its users recognise the file. */
  g_string_append (out,
                   "################################################\n"
                   "# ITK-SnAP Label Description File\n"
                   "# File format: \n"
                   "# IDX   -R-  -G-  -B-  -A--  VIS MSH  LABEL\n"
                   "# Fields: \n"
                   "#    IDX:   Zero-based index \n"
                   "#    -R-:   Red color component (0..255)\n"
                   "#    -G-:   Green color component (0..255)\n"
                   "#    -B-:   Blue color component (0..255)\n"
                   "#    -A-:   Label transparency (0.00 .. 1.00)\n"
                   "#    VIS:   Label visibility (0 or 1)\n"
                   "#    IDX:   Label mesh visibility (0 or 1)\n"
                   "#  LABEL:   Label description \n"
                   "################################################\n");

  n = pl_label_table_get_n (table);
  for (guint i = 0; i < n; i++)
    if (pl_label_table_get_nth ((PlLabelTable *) table, i)->locked)
      {
        if (!any_locked)
          g_string_append (out, "# " LOCK_TAG);
        any_locked = TRUE;
        g_string_append_printf (out, " %u", pl_label_table_get_nth ((PlLabelTable *) table, i)->value);
      }
  if (any_locked)
    g_string_append_c (out, '\n');
  {
    gboolean any_pair = FALSE;
    for (guint i = 0; i < n; i++)
      {
        guint16 a = pl_label_table_get_nth ((PlLabelTable *) table, i)->value;
        guint16 b = pl_label_table_get_user_partner (table, a);
        if (b > a)
          {
            g_string_append_printf (out, "%s %u-%u", any_pair ? "" : "# " PAIR_TAG, a, b);
            any_pair = TRUE;
          }
      }
    if (any_pair)
      g_string_append_c (out, '\n');
  }

  for (guint i = 0; i < n; i++)
    {
      const PlLabel *l = pl_label_table_get_nth ((PlLabelTable *) table, i);
      char alpha[G_ASCII_DTOSTR_BUF_SIZE];
      g_autofree char *label = g_strdup (l->name ? l->name : "");

      /* The format has no escapes: a quote would end the name early and a
       * line feed would end the line. */
      for (char *c = label; *c; c++)
        if (*c == '"')
          *c = '\'';
        else if (*c == '\n')
          *c = ' ';
      format_alpha (l->alpha, alpha);
      g_string_append_printf (out, "  %3u   %3u  %3u  %3u  %7s  %d  %d    \"%s\"\n",
                              l->value, l->rgb[0], l->rgb[1], l->rgb[2], alpha,
                              l->visible ? 1 : 0, l->mesh_visible ? 1 : 0, label);
    }

  file = pl_atomic_file_new (path, PL_ERROR, PL_ERROR_IO, error);
  if (file == NULL)
    return FALSE;
  if (!pl_atomic_file_write (file, out->str, out->len, error))
    {
      pl_atomic_file_abort (file);
      return FALSE;
    }
  return pl_atomic_file_commit (file, error);
}
