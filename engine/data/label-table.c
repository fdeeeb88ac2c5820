/* PlLabelTable: the label values a segmentation uses, with their looks.
 * Reading and writing ITK-SNAP label description files lives in
 * label-description.c. */
#define G_LOG_DOMAIN "pl-label-table"

#include "engine/data/labels.h"

#include <math.h>
#include <string.h>

struct _PlLabelTable
{
  GArray     *labels;   /* PlLabel, sorted by value, each owning its name */
  GHashTable *partners; /* value → value of the pair the user set, both ways */
};

/* ITK-SNAP's first six colours, then a palette of distinct hues. */
static const guint8 palette[][3] = {
  { 255, 0, 0 },     { 0, 255, 0 },     { 0, 0, 255 },     { 255, 255, 0 },
  { 0, 255, 255 },   { 255, 0, 255 },   { 255, 239, 213 }, { 0, 0, 205 },
  { 205, 133, 63 },  { 210, 180, 140 }, { 102, 205, 170 }, { 0, 0, 128 },
  { 0, 139, 139 },   { 46, 139, 87 },   { 255, 228, 225 }, { 106, 90, 205 },
  { 221, 160, 221 }, { 233, 150, 122 }, { 165, 42, 42 },   { 255, 250, 250 },
  { 147, 112, 219 }, { 218, 112, 214 }, { 75, 0, 130 },    { 255, 182, 193 },
};

static void
clear_label (gpointer p)
{
  PlLabel *label = p;
  g_clear_pointer (&label->name, g_free);
}

PlLabelTable *
pl_label_table_new_empty (void)
{
  PlLabelTable *t = g_new0 (PlLabelTable, 1);
  t->labels = g_array_new (FALSE, TRUE, sizeof (PlLabel));
  g_array_set_clear_func (t->labels, clear_label);
  t->partners = g_hash_table_new (NULL, NULL);
  return t;
}

PlLabelTable *
pl_label_table_new_default (void)
{
  PlLabelTable *t = pl_label_table_new_empty ();
  PlLabel clear = { 0, (char *) "Clear Label", { 0, 0, 0 }, 0.0f, FALSE, FALSE, FALSE };

  pl_label_table_set (t, &clear);
  for (guint16 v = 1; v <= 6; v++)
    {
      PlLabel l = pl_label_table_next_free (t);
      pl_label_table_set (t, &l);
      g_free (l.name);
    }
  return t;
}

PlLabelTable *
pl_label_table_new_for_values (const guint8 *present)
{
  PlLabelTable *t = pl_label_table_new_empty ();
  PlLabel clear = { 0, (char *) "Clear Label", { 0, 0, 0 }, 0.0f, FALSE, FALSE, FALSE };
  guint rank = 0;

  g_return_val_if_fail (present != NULL, t);
  pl_label_table_set (t, &clear);
  for (guint v = 1; v < 65536; v++)
    if (present[v])
      {
        g_autofree char *name = g_strdup_printf ("Label %u", v);
        PlLabel l = { (guint16) v, name, { 0, 0, 0 }, 1.0f, TRUE, TRUE, FALSE };

        memcpy (l.rgb, palette[rank++ % G_N_ELEMENTS (palette)], 3);
        pl_label_table_set (t, &l);
      }
  return t;
}

PlLabelTable *
pl_label_table_copy (const PlLabelTable *table)
{
  PlLabelTable *t = pl_label_table_new_empty ();
  for (guint i = 0; i < table->labels->len; i++)
    pl_label_table_set (t, &g_array_index (table->labels, PlLabel, i));
  {
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init (&it, table->partners);
    while (g_hash_table_iter_next (&it, &k, &v))
      g_hash_table_insert (t->partners, k, v);
  }
  return t;
}

void
pl_label_table_free (PlLabelTable *table)
{
  if (table == NULL)
    return;
  g_array_unref (table->labels);
  g_hash_table_unref (table->partners);
  g_free (table);
}

guint
pl_label_table_get_n (const PlLabelTable *table)
{
  return table->labels->len;
}

PlLabel *
pl_label_table_get_nth (PlLabelTable *table,
                        guint         i)
{
  g_return_val_if_fail (i < table->labels->len, NULL);
  return &g_array_index (table->labels, PlLabel, i);
}

/* Index of the first entry with value >= v. */
static guint
lower_bound (const PlLabelTable *table, guint16 v)
{
  guint lo = 0, hi = table->labels->len;
  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      if (g_array_index (table->labels, PlLabel, mid).value < v)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

PlLabel *
pl_label_table_lookup (PlLabelTable *table,
                       guint16       value)
{
  guint i = lower_bound (table, value);
  if (i < table->labels->len && g_array_index (table->labels, PlLabel, i).value == value)
    return &g_array_index (table->labels, PlLabel, i);
  return NULL;
}

void
pl_label_table_set (PlLabelTable  *table,
                    const PlLabel *label)
{
  guint i = lower_bound (table, label->value);
  PlLabel copy = *label;

  copy.name = g_strdup (label->name ? label->name : "");
  /* CLAMP lets NaN through, and "nan" would not load back */
  copy.alpha = isnan (copy.alpha) ? 1.0f : CLAMP (copy.alpha, 0.0f, 1.0f);
  if (i < table->labels->len && g_array_index (table->labels, PlLabel, i).value == label->value)
    {
      PlLabel *old = &g_array_index (table->labels, PlLabel, i);
      g_free (old->name);
      *old = copy;
    }
  else
    g_array_insert_val (table->labels, i, copy);
}

gboolean
pl_label_table_remove (PlLabelTable *table,
                       guint16       value)
{
  guint i = lower_bound (table, value);
  if (i < table->labels->len && g_array_index (table->labels, PlLabel, i).value == value)
    {
      g_array_remove_index (table->labels, i);
      if (value != 0)
        pl_label_table_set_partner (table, value, 0);
      return TRUE;
    }
  return FALSE;
}

PlLabel
pl_label_table_next_free (const PlLabelTable *table)
{
  PlLabel l = { 0 };
  guint16 v = 1;

  while (v < G_MAXUINT16 && pl_label_table_lookup ((PlLabelTable *) table, v) != NULL)
    v++;
  l.value = v;
  l.name = g_strdup_printf ("Label %u", v);
  memcpy (l.rgb, palette[(v - 1) % G_N_ELEMENTS (palette)], 3);
  l.alpha = 1.0f;
  l.visible = TRUE;
  l.mesh_visible = TRUE;
  return l;
}

void
pl_label_table_set_partner (PlLabelTable *table,
                            guint16       a,
                            guint16       b)
{
  guint16 old_a = pl_label_table_get_user_partner (table, a);
  guint16 old_b = b ? pl_label_table_get_user_partner (table, b) : 0;

  g_return_if_fail (b == 0 || a != b);
  if (old_a)
    {
      g_hash_table_remove (table->partners, GUINT_TO_POINTER (old_a));
      g_hash_table_remove (table->partners, GUINT_TO_POINTER (a));
    }
  if (old_b)
    {
      g_hash_table_remove (table->partners, GUINT_TO_POINTER (old_b));
      g_hash_table_remove (table->partners, GUINT_TO_POINTER (b));
    }
  if (a && b)
    {
      g_hash_table_insert (table->partners, GUINT_TO_POINTER (a), GUINT_TO_POINTER (b));
      g_hash_table_insert (table->partners, GUINT_TO_POINTER (b), GUINT_TO_POINTER (a));
    }
}

guint16
pl_label_table_get_user_partner (const PlLabelTable *table,
                                 guint16             value)
{
  return (guint16) GPOINTER_TO_UINT (g_hash_table_lookup (table->partners, GUINT_TO_POINTER (value)));
}
