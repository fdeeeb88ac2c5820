/* Undo history of label-map edits: compaction of an edit (edit.c) into
 * run-length varint deltas, and the bounded undo/redo stacks.  See undo.h. */
#define G_LOG_DOMAIN "pl-undo"

#include "engine/data/edit-private.h"

#include <string.h>

/* ---- encoding ------------------------------------------------------------- */

/* Writes v at p (at most 10 bytes); returns the byte after it. */
static guint8 *
put_varint (guint8  *p,
            guint64  v)
{
  do
    {
      *p++ = (guint8) ((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
      v >>= 7;
    }
  while (v != 0);
  return p;
}

static guint64
get_varint (const guint8 **p)
{
  guint64 v = 0;
  int shift = 0;
  guint8 b;

  do
    {
      b = *(*p)++;
      v |= (guint64) (b & 0x7f) << shift;
      shift += 7;
    }
  while (b & 0x80);
  return v;
}

typedef struct _PlUndoStep Step;
struct _PlUndoStep
{
  char    *name;
  guint8  *data;     /* runs: varint gap, length, old, new */
  gsize    size;
  PlBox    box;
  guint64  id_before;
  guint64  id_after;
  PlLabelTable *table_before;   /* NULL unless the step changed the table */
  PlLabelTable *table_after;
};

static gsize
table_bytes (PlLabelTable *table)
{
  gsize bytes = 0;

  if (table == NULL)
    return 0;
  for (guint i = 0; i < pl_label_table_get_n (table); i++)
    bytes += sizeof (PlLabel) + strlen (pl_label_table_get_nth (table, i)->name) + 1;
  return bytes;
}

static gsize
step_bytes (const Step *step)
{
  return sizeof (Step) + step->size + strlen (step->name) + 1
         + table_bytes (step->table_before) + table_bytes (step->table_after);
}

static void
step_free (gpointer p)
{
  Step *step = p;
  g_free (step->name);
  g_free (step->data);
  pl_label_table_free (step->table_before);
  pl_label_table_free (step->table_after);
  g_free (step);
}

static void
step_apply (const Step *step,
            guint16    *data,
            gboolean    forward)
{
  const guint8 *p = step->data, *end;
  guint64 pos = 0;

  if (p == NULL)
    return;   /* a step that changed the label table only */
  end = p + step->size;

  while (p < end)
    {
      guint64 start = pos + get_varint (&p);
      guint64 length = get_varint (&p);
      guint16 old_value = (guint16) get_varint (&p);
      guint16 new_value = (guint16) get_varint (&p);
      guint16 v = forward ? new_value : old_value;
      for (guint64 t = 0; t < length; t++)
        data[start + t] = v;
      pos = start + length;
    }
}

/* ---- history -------------------------------------------------------------- */

struct _PlUndo
{
  GPtrArray *undo;     /* Step, oldest first */
  GPtrArray *redo;     /* Step, the next one to redo last */
  gsize      budget;
  gsize      bytes;
  guint      n_dropped;
  guint64    serial;
  guint64    state_id;
};

PlUndo *
pl_undo_new (gsize budget_bytes)
{
  PlUndo *undo = g_new0 (PlUndo, 1);

  undo->undo = g_ptr_array_new_with_free_func (step_free);
  undo->redo = g_ptr_array_new_with_free_func (step_free);
  undo->budget = budget_bytes;
  return undo;
}

void
pl_undo_free (PlUndo *undo)
{
  if (undo == NULL)
    return;
  g_ptr_array_unref (undo->undo);
  g_ptr_array_unref (undo->redo);
  g_free (undo);
}

static void
recount (PlUndo *undo)
{
  undo->bytes = 0;
  for (guint i = 0; i < undo->undo->len; i++)
    undo->bytes += step_bytes (g_ptr_array_index (undo->undo, i));
  for (guint i = 0; i < undo->redo->len; i++)
    undo->bytes += step_bytes (g_ptr_array_index (undo->redo, i));
}

static void
enforce_budget (PlUndo *undo)
{
  /* Redo steps go first: they are the least likely to be wanted. */
  while (undo->bytes > undo->budget && undo->redo->len > 0)
    {
      undo->bytes -= step_bytes (g_ptr_array_index (undo->redo, 0));
      g_ptr_array_remove_index (undo->redo, 0);
      undo->n_dropped++;
    }
  while (undo->bytes > undo->budget && undo->undo->len > 0)
    {
      undo->bytes -= step_bytes (g_ptr_array_index (undo->undo, 0));
      g_ptr_array_remove_index (undo->undo, 0);
      undo->n_dropped++;
    }
}

void
pl_undo_set_budget (PlUndo *undo,
                    gsize   budget_bytes)
{
  undo->budget = budget_bytes;
  enforce_budget (undo);
}

gsize
pl_undo_get_budget (const PlUndo *undo)
{
  return undo->budget;
}

/* The voxel changes of edit as a step's varints; NULL when it changes
 * none.  Reads edit only. */
static Step *
step_encode (const char   *name,
             const PlEdit *edit)
{
  g_autoptr (GArray) runs = pl_edit_to_runs ((PlEdit *) edit);
  guint8 *bytes, *p;
  guint64 pos = 0;
  Step *step;

  if (runs->len == 0)
    return NULL;
  /* Four varints a run: at most 10 + 10 + 3 + 3 bytes; pages of the
   * bound that are never written are never touched, and the block shrinks
   * to its size at the end. */
  bytes = p = g_malloc ((gsize) runs->len * 26 + 1);
  step = g_new0 (Step, 1);
  for (guint i = 0; i < runs->len; i++)
    {
      const Run *r = &g_array_index (runs, Run, i);
      p = put_varint (p, r->start - pos);
      p = put_varint (p, r->length);
      p = put_varint (p, r->old_value);
      p = put_varint (p, r->new_value);
      pos = r->start + r->length;
    }
  step->box = edit->box;
  step->name = g_strdup (name ? name : "");
  step->size = (gsize) (p - bytes);
  step->data = g_realloc (bytes, step->size);
  return step;
}

PlUndoStep *
pl_undo_step_encode (const char   *name,
                     const PlEdit *edit)
{
  g_return_val_if_fail (edit != NULL, NULL);
  g_return_val_if_fail (edit->table_before == NULL, NULL);
  return step_encode (name, edit);
}

void
pl_undo_step_free (PlUndoStep *step)
{
  if (step != NULL)
    step_free (step);
}

gboolean
pl_undo_push_step (PlUndo     *undo,
                   PlUndoStep *step)
{
  g_return_val_if_fail (undo != NULL, FALSE);

  if (step == NULL)
    return FALSE;
  step->id_before = undo->state_id;
  step->id_after = ++undo->serial;
  undo->state_id = step->id_after;

  g_ptr_array_set_size (undo->redo, 0);
  g_ptr_array_add (undo->undo, step);
  recount (undo);
  enforce_budget (undo);
  return TRUE;
}

gboolean
pl_undo_push (PlUndo     *undo,
              const char *name,
              PlEdit     *edit)
{
  Step *step;

  g_return_val_if_fail (undo != NULL && edit != NULL, FALSE);

  step = step_encode (name, edit);
  if (step == NULL && edit->table_before != NULL)
    {
      /* a table change alone */
      step = g_new0 (Step, 1);
      step->name = g_strdup (name ? name : "");
      step->box = edit->box;
    }
  if (step != NULL)
    {
      step->table_before = g_steal_pointer (&edit->table_before);
      step->table_after = g_steal_pointer (&edit->table_after);
    }
  pl_edit_free (edit);
  return pl_undo_push_step (undo, step);
}

gboolean
pl_undo_undo_full (PlUndo              *undo,
                   guint16             *data,
                   PlBox               *box,
                   const PlLabelTable **table)
{
  Step *step;

  if (undo->undo->len == 0)
    return FALSE;
  step = g_ptr_array_steal_index (undo->undo, undo->undo->len - 1);
  step_apply (step, data, FALSE);
  if (box)
    *box = step->box;
  if (table)
    *table = step->table_before;
  undo->state_id = step->id_before;
  g_ptr_array_add (undo->redo, step);
  return TRUE;
}

gboolean
pl_undo_redo_full (PlUndo              *undo,
                   guint16             *data,
                   PlBox               *box,
                   const PlLabelTable **table)
{
  Step *step;

  if (undo->redo->len == 0)
    return FALSE;
  step = g_ptr_array_steal_index (undo->redo, undo->redo->len - 1);
  step_apply (step, data, TRUE);
  if (box)
    *box = step->box;
  if (table)
    *table = step->table_after;
  undo->state_id = step->id_after;
  g_ptr_array_add (undo->undo, step);
  return TRUE;
}

gboolean
pl_undo_undo (PlUndo  *undo,
              guint16 *data,
              PlBox   *box)
{
  return pl_undo_undo_full (undo, data, box, NULL);
}

gboolean
pl_undo_redo (PlUndo  *undo,
              guint16 *data,
              PlBox   *box)
{
  return pl_undo_redo_full (undo, data, box, NULL);
}

gboolean
pl_undo_can_undo (const PlUndo *undo)
{
  return undo->undo->len > 0;
}

gboolean
pl_undo_can_redo (const PlUndo *undo)
{
  return undo->redo->len > 0;
}

const char *
pl_undo_get_undo_name (const PlUndo *undo)
{
  if (undo->undo->len == 0)
    return NULL;
  return ((Step *) g_ptr_array_index (undo->undo, undo->undo->len - 1))->name;
}

const char *
pl_undo_get_redo_name (const PlUndo *undo)
{
  if (undo->redo->len == 0)
    return NULL;
  return ((Step *) g_ptr_array_index (undo->redo, undo->redo->len - 1))->name;
}

guint
pl_undo_get_n_undo (const PlUndo *undo)
{
  return undo->undo->len;
}

guint
pl_undo_get_n_redo (const PlUndo *undo)
{
  return undo->redo->len;
}

gsize
pl_undo_get_bytes (const PlUndo *undo)
{
  return undo->bytes;
}

guint
pl_undo_get_n_dropped (const PlUndo *undo)
{
  return undo->n_dropped;
}

guint64
pl_undo_get_state_id (const PlUndo *undo)
{
  return undo->state_id;
}

void
pl_undo_clear (PlUndo *undo)
{
  g_ptr_array_set_size (undo->undo, 0);
  g_ptr_array_set_size (undo->redo, 0);
  undo->bytes = 0;
  undo->state_id = ++undo->serial;
}
