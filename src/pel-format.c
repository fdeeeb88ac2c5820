#include "src/pel-format.h"

#include <string.h>

char *
pel_format_count (gint64 n)
{
  g_autofree char *digits = g_strdup_printf ("%" G_GINT64_FORMAT, n);
  GString *s = g_string_new (NULL);
  gsize len = strlen (digits);

  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0 && digits[i - 1] != '-')
        g_string_append (s, "\u2009");
      g_string_append_c (s, digits[i]);
    }
  return g_string_free (s, FALSE);
}
