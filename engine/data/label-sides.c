/* Left and right in a label table: which labels are sided, which are pairs,
 * what a label becomes in a mirror image.  See labels.h. */
#define G_LOG_DOMAIN "pl-label-table"

#include "engine/data/labels.h"

#include <string.h>

static PlSide
word_side (const char *w)
{
  static const char *const left[] = { "left", "l", "lh", "links", "gauche" };
  static const char *const right[] = { "right", "r", "rh", "rechts", "droite" };

  for (guint i = 0; i < G_N_ELEMENTS (left); i++)
    if (strcmp (w, left[i]) == 0)
      return PL_SIDE_LEFT;
  for (guint i = 0; i < G_N_ELEMENTS (right); i++)
    if (strcmp (w, right[i]) == 0)
      return PL_SIDE_RIGHT;
  return PL_SIDE_NONE;
}

/* Words of a name, lower case: split at anything not a letter or digit and
 * before a capital that follows a small letter ("LeftHippocampus"). */
static GPtrArray *
split_words (const char *name)
{
  GPtrArray *words = g_ptr_array_new_with_free_func (g_free);
  GString *w = g_string_new (NULL);
  gunichar prev = 0;

  for (const char *p = name; p && *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      gboolean word_char = g_unichar_isalnum (c);

      if (!word_char || (g_unichar_isupper (c) && g_unichar_islower (prev)))
        {
          if (w->len > 0)
            g_ptr_array_add (words, g_utf8_strdown (w->str, -1));
          g_string_truncate (w, 0);
        }
      if (word_char)
        g_string_append_unichar (w, c);
      prev = c;
    }
  if (w->len > 0)
    g_ptr_array_add (words, g_utf8_strdown (w->str, -1));
  g_string_free (w, TRUE);
  return words;
}

PlSide
pl_label_name_side (const char  *name,
                    char       **base)
{
  g_autoptr (GPtrArray) words = split_words (name);
  PlSide side = PL_SIDE_NONE;
  int n_sides = 0;
  GString *rest = g_string_new (NULL);

  for (guint i = 0; i < words->len; i++)
    {
      PlSide s = word_side (g_ptr_array_index (words, i));
      if (s != PL_SIDE_NONE)
        {
          side = s;
          n_sides++;
          continue;
        }
      if (rest->len > 0)
        g_string_append_c (rest, ' ');
      g_string_append (rest, g_ptr_array_index (words, i));
    }
  /* "L/R border" says no side */
  if (n_sides != 1)
    side = PL_SIDE_NONE;
  if (base)
    *base = g_string_free (rest, FALSE);
  else
    g_string_free (rest, TRUE);
  return side;
}

guint16
pl_label_table_get_partner (const PlLabelTable *table,
                            guint16             value)
{
  PlLabelTable *t = (PlLabelTable *) table;
  guint16 user = pl_label_table_get_user_partner (table, value);
  const PlLabel *label;
  g_autofree char *base = NULL;
  PlSide side;
  guint16 found = 0;
  int n_found = 0;

  if (user)
    return user;
  label = pl_label_table_lookup (t, value);
  if (label == NULL || value == 0)
    return 0;
  side = pl_label_name_side (label->name, &base);
  if (side == PL_SIDE_NONE)
    return 0;
  for (guint i = 0; i < pl_label_table_get_n (table); i++)
    {
      const PlLabel *o = pl_label_table_get_nth (t, i);
      g_autofree char *obase = NULL;
      PlSide oside;

      if (o->value == 0 || o->value == value)
        continue;
      oside = pl_label_name_side (o->name, &obase);
      if (oside != PL_SIDE_NONE && oside != side && strcmp (obase, base) == 0)
        {
          found = o->value;
          n_found++;
        }
    }
  /* the user's pair of the other label takes it */
  if (n_found != 1 || pl_label_table_get_user_partner (table, found) != 0)
    return 0;
  return found;
}

guint16
pl_label_table_mirror_value (const PlLabelTable *table,
                             guint16             value)
{
  guint16 partner = pl_label_table_get_partner (table, value);
  const PlLabel *label;

  if (partner)
    return partner;
  label = pl_label_table_lookup ((PlLabelTable *) table, value);
  if (label && value != 0 && pl_label_name_side (label->name, NULL) != PL_SIDE_NONE)
    return 0;
  return value;
}
