/* Label-map edits: the boxes they touch, recording voxel changes and
 * whole-map differences, applying planned changes where voxels are
 * intact, and the normal form the undo history encodes.  See undo.h. */
#define G_LOG_DOMAIN "pl-edit"

#include "engine/data/edit-private.h"

#include <stdlib.h>
#include <string.h>

/* ---- boxes ---------------------------------------------------------------- */

void
pl_box_clear (PlBox *box)
{
  for (int a = 0; a < 3; a++)
    {
      box->lo[a] = G_MAXINT64;
      box->hi[a] = G_MININT64;
    }
}

gboolean
pl_box_is_empty (const PlBox *box)
{
  return box->lo[0] > box->hi[0];
}

void
pl_box_add_index (PlBox        *box,
                  const gint64  dim[3],
                  gsize         index)
{
  gint64 p[3];

  p[0] = (gint64) (index % (gsize) dim[0]);
  p[1] = (gint64) ((index / (gsize) dim[0]) % (gsize) dim[1]);
  p[2] = (gint64) (index / ((gsize) dim[0] * (gsize) dim[1]));
  for (int a = 0; a < 3; a++)
    {
      box->lo[a] = MIN (box->lo[a], p[a]);
      box->hi[a] = MAX (box->hi[a], p[a]);
    }
}

void
pl_box_union (PlBox       *box,
              const PlBox *other)
{
  if (pl_box_is_empty (other))
    return;
  for (int a = 0; a < 3; a++)
    {
      box->lo[a] = MIN (box->lo[a], other->lo[a]);
      box->hi[a] = MAX (box->hi[a], other->hi[a]);
    }
}

/* ---- recording ------------------------------------------------------------ */

PlEdit *
pl_edit_new (const gint64 dim[3])
{
  PlEdit *edit = g_new0 (PlEdit, 1);

  memcpy (edit->dim, dim, sizeof edit->dim);
  edit->changes = g_array_new (FALSE, FALSE, sizeof (Change));
  edit->runs = g_array_new (FALSE, FALSE, sizeof (Run));
  edit->runs_sorted = TRUE;
  pl_box_clear (&edit->box);
  return edit;
}

void
pl_edit_free (PlEdit *edit)
{
  if (edit == NULL)
    return;
  g_array_unref (edit->changes);
  g_array_unref (edit->runs);
  pl_label_table_free (edit->table_before);
  pl_label_table_free (edit->table_after);
  g_free (edit);
}

void
pl_edit_set_tables (PlEdit             *edit,
                    const PlLabelTable *before,
                    const PlLabelTable *after)
{
  g_return_if_fail (edit != NULL && before != NULL && after != NULL);
  pl_label_table_free (edit->table_before);
  pl_label_table_free (edit->table_after);
  edit->table_before = pl_label_table_copy (before);
  edit->table_after = pl_label_table_copy (after);
}

void
pl_edit_record (PlEdit  *edit,
                gsize    index,
                guint16  old_value,
                guint16  new_value)
{
  Change c = { index, (guint32) edit->changes->len, old_value, new_value };

  g_array_append_val (edit->changes, c);
  pl_box_add_index (&edit->box, edit->dim, index);
  edit->n++;
}

static void
append_run (GArray  *runs,
            guint64  index,
            guint16  old_value,
            guint16  new_value)
{
  if (runs->len > 0)
    {
      Run *last = &g_array_index (runs, Run, runs->len - 1);
      if (last->start + last->length == index && last->old_value == old_value
          && last->new_value == new_value)
        {
          last->length++;
          return;
        }
    }
  Run r = { index, 1, old_value, new_value };
  g_array_append_val (runs, r);
}

/* Runs of voxels where data and after differ, appended in index order;
 * with `write`, data takes the new values.  Equal stretches are skipped a
 * block at a time (memcmp is vectorised), so the pass is one read of both
 * maps. */
/* Widens the box by the indices first..last: the box of a set of indices
 * is the box of its slabs, a cheap bound from the first and last index
 * plus full rows/planes in between. */
static void
extend_box (PlEdit *edit,
            gsize   first,
            gsize   last)
{
  gsize plane = (gsize) edit->dim[0] * (gsize) edit->dim[1];
  gsize k0 = first / plane, k1 = last / plane;
  PlBox b;

  pl_box_clear (&b);
  pl_box_add_index (&b, edit->dim, first);
  pl_box_add_index (&b, edit->dim, last);
  if (k1 > k0 || (last / (gsize) edit->dim[0]) > (first / (gsize) edit->dim[0]))
    {
      b.lo[0] = 0;
      b.hi[0] = edit->dim[0] - 1;
    }
  if (k1 > k0)
    {
      b.lo[1] = 0;
      b.hi[1] = edit->dim[1] - 1;
    }
  pl_box_union (&edit->box, &b);
}

/* Voxels [begin, end) of data against after[0 .. end - begin). */
static void
diff_runs (PlEdit        *edit,
           guint16       *data_all,
           const guint16 *after,
           gsize          begin,
           gsize          end,
           gboolean       write)
{
  const gsize block = 32;
  guint16 *data = data_all + begin;
  gsize n = end - begin;
  gsize first = G_MAXSIZE, last = 0, i = 0;

  if (edit->runs->len > 0 && begin < edit->runs_end)
    edit->runs_sorted = FALSE;   /* this diff may overlap an earlier one */
  while (i < n)
    {
      gsize start;
      guint16 old_value, new_value;

      while (i + block <= n && memcmp (data + i, after + i, block * sizeof (guint16)) == 0)
        i += block;
      while (i < n && data[i] == after[i])
        i++;
      if (i >= n)
        break;
      start = i;
      old_value = data[i];
      new_value = after[i];
      {
        /* four voxels a word while the run goes on */
        const guint64 four_old = old_value * G_GUINT64_CONSTANT (0x0001000100010001);
        const guint64 four_new = new_value * G_GUINT64_CONSTANT (0x0001000100010001);
        guint64 wd, wa;
        i++;
        while (i + 4 <= n)
          {
            memcpy (&wd, data + i, sizeof wd);
            memcpy (&wa, after + i, sizeof wa);
            if (wd != four_old || wa != four_new)
              break;
            i += 4;
          }
      }
      while (i < n && data[i] == old_value && after[i] == new_value)
        i++;
      if (write)
        memcpy (data + start, after + start, (i - start) * sizeof (guint16));
      if (edit->runs->len > 0)
        {
          Run *prev = &g_array_index (edit->runs, Run, edit->runs->len - 1);
          if (prev->start + prev->length == begin + start && prev->old_value == old_value
              && prev->new_value == new_value)
            prev->length += i - start;
          else
            {
              Run r = { begin + start, i - start, old_value, new_value };
              g_array_append_val (edit->runs, r);
            }
        }
      else
        {
          Run r = { begin + start, i - start, old_value, new_value };
          g_array_append_val (edit->runs, r);
        }
      if (first == G_MAXSIZE)
        first = start;
      last = i - 1;
      edit->n += i - start;
    }
  if (first != G_MAXSIZE)
    {
      extend_box (edit, first + begin, last + begin);
      edit->runs_end = last + begin + 1;
    }
}

void
pl_edit_record_diff (PlEdit        *edit,
                     const guint16 *before,
                     const guint16 *after,
                     gsize          n)
{
  diff_runs (edit, (guint16 *) before, after, 0, n, FALSE);
}

void
pl_edit_apply_diff (PlEdit        *edit,
                    guint16       *data,
                    const guint16 *after,
                    gsize          n)
{
  diff_runs (edit, data, after, 0, n, TRUE);
}

void
pl_edit_record_diff_range (PlEdit        *edit,
                           const guint16 *data,
                           const guint16 *after,
                           gsize          begin,
                           gsize          end)
{
  g_return_if_fail (begin <= end);
  diff_runs (edit, (guint16 *) data, after, begin, end, FALSE);
}

/* Appends the run [start, start + length) old -> new to edit's runs, which
 * must stay in index order, and widens its box. */
/* Appends the run [start, start + length) old -> new to edit's runs (the
 * caller widens the box). */
static void
edit_add_run (PlEdit  *edit,
              guint64  start,
              guint64  length,
              guint16  old_value,
              guint16  new_value)
{
  Run *prev = edit->runs->len ? &g_array_index (edit->runs, Run, edit->runs->len - 1) : NULL;

  if (prev && prev->start + prev->length == start && prev->old_value == old_value
      && prev->new_value == new_value)
    prev->length += length;
  else
    {
      Run r = { start, length, old_value, new_value };
      if (start < edit->runs_end)
        edit->runs_sorted = FALSE;
      g_array_append_val (edit->runs, r);
    }
  edit->n += length;
  edit->runs_end = MAX (edit->runs_end, start + length);
}

gboolean
pl_edit_write_if_intact (guint16      *data,
                         const PlEdit *planned)
{
  gboolean intact = TRUE;

  g_return_val_if_fail (data != NULL && planned != NULL, FALSE);

  for (guint i = 0; intact && i < planned->runs->len; i++)
    {
      const Run *r = &g_array_index (planned->runs, Run, i);
      const guint16 *d = data + r->start;
      for (guint64 t = 0; t < r->length; t++)
        intact &= d[t] == r->old_value;
    }
  /* single changes may touch a voxel twice: only plain runs are checked */
  if (!intact || planned->changes->len > 0)
    return FALSE;
  for (guint i = 0; i < planned->runs->len; i++)
    {
      const Run *r = &g_array_index (planned->runs, Run, i);
      guint16 *d = data + r->start;
      for (guint64 t = 0; t < r->length; t++)
        d[t] = r->new_value;
    }
  return TRUE;
}

gsize
pl_edit_apply_planned (PlEdit        *applied,
                       guint16       *data,
                       const PlEdit  *planned)
{
  gsize n = 0, first = G_MAXSIZE, last = 0;

  g_return_val_if_fail (applied != NULL && data != NULL && planned != NULL, 0);

  /* The common case: nothing changed since the plan, and the applied edit
   * is the plan's runs as they are (one copy, no per-run bookkeeping). */
  if (applied->runs->len == 0 && applied->changes->len == 0 && pl_edit_write_if_intact (data, planned))
    {
      g_array_append_vals (applied->runs, planned->runs->data, planned->runs->len);
      applied->runs_end = planned->runs_end;
      applied->runs_sorted = planned->runs_sorted;
      applied->n = planned->n;
      applied->box = planned->box;
      return planned->n;
    }

  for (guint i = 0; i < planned->runs->len; i++)
    {
      const Run *r = &g_array_index (planned->runs, Run, i);
      guint64 t = 0;

      while (t < r->length)
        {
          guint64 s;
          /* voxels changed since the plan are left as they are */
          while (t < r->length && data[r->start + t] != r->old_value)
            t++;
          s = t;
          while (t < r->length && data[r->start + t] == r->old_value)
            data[r->start + t++] = r->new_value;
          if (t > s)
            {
              edit_add_run (applied, r->start + s, t - s, r->old_value, r->new_value);
              first = MIN (first, r->start + s);
              last = MAX (last, r->start + t - 1);
              n += t - s;
            }
        }
    }
  if (first != G_MAXSIZE)
    extend_box (applied, first, last);
  for (guint i = 0; i < planned->changes->len; i++)
    {
      const Change *c = &g_array_index (planned->changes, Change, i);
      if (data[c->index] == c->old_value)
        {
          data[c->index] = c->new_value;
          pl_edit_record (applied, c->index, c->old_value, c->new_value);
          n++;
        }
    }
  return n;
}

void
pl_edit_apply_diff_range (PlEdit        *edit,
                          guint16       *data,
                          const guint16 *after,
                          gsize          begin,
                          gsize          end)
{
  g_return_if_fail (begin <= end);
  diff_runs (edit, data, after, begin, end, TRUE);
}

void
pl_edit_mark_new_values (const PlEdit *edit,
                         guint8       *present)
{
  for (guint i = 0; i < edit->runs->len; i++)
    present[g_array_index (edit->runs, Run, i).new_value] = 1;
  for (guint i = 0; i < edit->changes->len; i++)
    present[g_array_index (edit->changes, Change, i).new_value] = 1;
}

gsize
pl_edit_get_n (const PlEdit *edit)
{
  return edit->n;
}

void
pl_edit_get_box (const PlEdit *edit,
                 PlBox        *box)
{
  *box = edit->box;
}

void
pl_edit_revert (const PlEdit *edit,
                guint16      *data)
{
  for (guint i = edit->changes->len; i-- > 0;)
    {
      const Change *c = &g_array_index (edit->changes, Change, i);
      data[c->index] = c->old_value;
    }
  for (guint i = edit->runs->len; i-- > 0;)
    {
      const Run *r = &g_array_index (edit->runs, Run, i);
      for (guint64 t = 0; t < r->length; t++)
        data[r->start + t] = r->old_value;
    }
}

static int
compare_changes (const void *a,
                 const void *b)
{
  const Change *x = a, *y = b;
  if (x->index != y->index)
    return x->index < y->index ? -1 : 1;
  return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

/* The normal form of an edit (edit-private.h). */
GArray *
pl_edit_to_runs (PlEdit *edit)
{
  GArray *runs;
  GArray *changes = edit->changes;

  if (changes->len == 0 && edit->runs_sorted)
    return g_array_ref (edit->runs);

  /* Slow path: expand diff runs into single changes (recorded before any
   * pl_edit_record() change, so they take the earlier sequence numbers). */
  if (edit->runs->len > 0)
    {
      GArray *all = g_array_new (FALSE, FALSE, sizeof (Change));
      guint32 seq = 0;
      for (guint i = 0; i < edit->runs->len; i++)
        {
          const Run *r = &g_array_index (edit->runs, Run, i);
          for (guint64 t = 0; t < r->length; t++)
            {
              Change c = { r->start + t, seq++, r->old_value, r->new_value };
              g_array_append_val (all, c);
            }
        }
      for (guint i = 0; i < changes->len; i++)
        {
          Change c = g_array_index (changes, Change, i);
          c.seq = seq++;
          g_array_append_val (all, c);
        }
      changes = all;
    }
  else
    changes = g_array_ref (changes);

  qsort (changes->data, changes->len, sizeof (Change), compare_changes);
  runs = g_array_new (FALSE, FALSE, sizeof (Run));
  for (guint i = 0; i < changes->len;)
    {
      const Change *first = &g_array_index (changes, Change, i);
      guint j = i;
      while (j + 1 < changes->len && g_array_index (changes, Change, j + 1).index == first->index)
        j++;
      guint16 new_value = g_array_index (changes, Change, j).new_value;
      if (first->old_value != new_value)
        append_run (runs, first->index, first->old_value, new_value);
      i = j + 1;
    }
  g_array_unref (changes);
  return runs;
}
