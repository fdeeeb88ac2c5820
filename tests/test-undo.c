/* Undo/redo exactness over random edit sequences, compact deltas, state ids
 * and the memory budget. */
#include <string.h>

#include "engine/data/paint.h"
#include "engine/data/undo.h"

static const gint64 dim[3] = { 24, 20, 16 };

/* One random edit: brush strokes in a random view, a fill, scattered
 * single-voxel changes recorded in random order (some voxels twice), or a
 * bulk diff.  Returns it unpushed; labels already hold its result. */
static PlEdit *
random_edit (PlLabels       *labels,
             const PlVolume *volume,
             GRand          *rand)
{
  PlEdit *edit = pl_edit_new (dim);
  PlSliceFrame frame;
  PlPaintRule rule;
  int kind = g_rand_int_range (rand, 0, 5);

  pl_slice_frame_init (&frame, volume, (PlView) g_rand_int_range (rand, 0, 3));
  pl_paint_rule_init (&rule, (guint16) g_rand_int_range (rand, 0, 5),
                      (PlPaintOver) g_rand_int_range (rand, 0, 3),
                      (guint16) g_rand_int_range (rand, 0, 5));
  if (kind == 0)
    {
      PlBrush brush = { (PlBrushShape) g_rand_int_range (rand, 0, 2),
                        g_rand_int_range (rand, 1, 7), g_rand_boolean (rand) };
      gint64 slice = g_rand_int_range (rand, 0, (gint32) frame.depth);
      double x = g_rand_double_range (rand, 0, frame.width), y = g_rand_double_range (rand, 0, frame.height);
      pl_paint_stamp (labels, &frame, slice, &brush, &rule, x, y, edit);
      for (int k = 0; k < 4; k++)
        {
          double nx = g_rand_double_range (rand, 0, frame.width), ny = g_rand_double_range (rand, 0, frame.height);
          pl_paint_line (labels, &frame, slice, &brush, &rule, x, y, nx, ny, edit);
          x = nx;
          y = ny;
        }
    }
  else if (kind == 1)
    {
      gint64 slice = g_rand_int_range (rand, 0, (gint32) frame.depth);
      pl_paint_fill (labels, volume, &frame, slice,
                     g_rand_int_range (rand, 0, (gint32) frame.width),
                     g_rand_int_range (rand, 0, (gint32) frame.height),
                     g_rand_double_range (rand, -1, 40), &rule, edit);
    }
  else if (kind == 2)
    {
      gsize n = pl_labels_n_voxels (labels);
      for (int k = 0; k < 300; k++)
        {
          /* a small index range so that some voxels change twice */
          gsize i = g_rand_int_range (rand, 0, 400) * (n / 400);
          guint16 nv = (guint16) g_rand_int_range (rand, 0, 6);
          guint16 old = labels->data[i];
          labels->data[i] = nv;
          pl_edit_record (edit, i, old, nv);
        }
    }
  else if (kind == 4)
    {
      /* a bulk change applied in place by the edit itself */
      gsize n = pl_labels_n_voxels (labels);
      g_autofree guint16 *target = g_memdup2 (labels->data, n * sizeof (guint16));
      gsize a = g_rand_int_range (rand, 0, (gint32) n), b = g_rand_int_range (rand, 0, (gint32) n);
      guint16 v = (guint16) g_rand_int_range (rand, 0, 6);
      for (gsize i = MIN (a, b); i < MAX (a, b); i++)
        target[i] = (i % 11 < 3) ? target[i] : (guint16) (v + (i / 37) % 2);
      pl_edit_apply_diff (edit, labels->data, target, n);
      g_assert_cmpmem (labels->data, n * 2, target, n * 2);
    }
  else
    {
      gsize n = pl_labels_n_voxels (labels);
      g_autofree guint16 *before = g_memdup2 (labels->data, n * sizeof (guint16));
      gsize a = g_rand_int_range (rand, 0, (gint32) n), b = g_rand_int_range (rand, 0, (gint32) n);
      guint16 v = (guint16) g_rand_int_range (rand, 0, 60000);
      for (gsize i = MIN (a, b); i < MAX (a, b); i++)
        labels->data[i] = (i % 7 == 0) ? labels->data[i] : v;
      pl_edit_record_diff (edit, before, labels->data, n);
    }
  return edit;
}

static void
test_random_sequences (void)
{
  g_autoptr (PlVolume) volume = pl_volume_new (dim, NULL, NULL);
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);
  gsize n = pl_volume_n_voxels (volume);

  for (gsize i = 0; i < n; i++)
    volume->data[i] = (float) g_rand_double_range (rand, 0, 100);

  for (int trial = 0; trial < 20; trial++)
    {
      g_autoptr (PlLabels) labels = pl_labels_new (dim);
      g_autoptr (PlUndo) undo = pl_undo_new (G_MAXSIZE);
      g_autoptr (GPtrArray) states = g_ptr_array_new_with_free_func (g_free);
      g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint64));
      int n_steps = g_rand_int_range (rand, 5, 30);

      /* start from a non-trivial label map */
      for (gsize i = 0; i < n; i++)
        labels->data[i] = (guint16) (g_rand_int_range (rand, 0, 8) == 0 ? g_rand_int_range (rand, 1, 4) : 0);
      g_ptr_array_add (states, g_memdup2 (labels->data, n * 2));
      {
        guint64 id = pl_undo_get_state_id (undo);
        g_array_append_val (ids, id);
      }

      for (int s = 0; s < n_steps; s++)
        {
          PlEdit *edit = random_edit (labels, volume, rand);
          gboolean changed = memcmp (labels->data, g_ptr_array_index (states, states->len - 1), n * 2) != 0;
          g_assert_cmpint (pl_undo_push (undo, "step", edit), ==, changed);
          if (changed)
            {
              guint64 id = pl_undo_get_state_id (undo);
              g_ptr_array_add (states, g_memdup2 (labels->data, n * 2));
              g_array_append_val (ids, id);
            }
        }
      g_assert_cmpuint (pl_undo_get_n_undo (undo), ==, states->len - 1);

      /* undo all: every intermediate state, then the original bytes */
      for (guint s = states->len - 1; s > 0; s--)
        {
          PlBox box;
          g_assert_true (pl_undo_undo (undo, labels->data, &box));
          g_assert_cmpmem (labels->data, n * 2, g_ptr_array_index (states, s - 1), n * 2);
          g_assert_cmpuint (pl_undo_get_state_id (undo), ==, g_array_index (ids, guint64, s - 1));
          g_assert_false (pl_box_is_empty (&box));
        }
      g_assert_false (pl_undo_undo (undo, labels->data, NULL));
      /* redo all: the final bytes */
      for (guint s = 1; s < states->len; s++)
        {
          g_assert_true (pl_undo_redo (undo, labels->data, NULL));
          g_assert_cmpmem (labels->data, n * 2, g_ptr_array_index (states, s), n * 2);
          g_assert_cmpuint (pl_undo_get_state_id (undo), ==, g_array_index (ids, guint64, s));
        }
      g_assert_false (pl_undo_can_redo (undo));
      g_assert_cmpuint (pl_undo_get_n_dropped (undo), ==, 0);
    }
}

/* The box an undo reports covers every voxel it changed. */
static void
test_box_covers_changes (void)
{
  g_autoptr (PlVolume) volume = pl_volume_new (dim, NULL, NULL);
  g_autoptr (PlLabels) labels = pl_labels_new (dim);
  g_autoptr (PlUndo) undo = pl_undo_new (G_MAXSIZE);
  g_autoptr (GRand) rand = g_rand_new_with_seed (5);
  gsize n = pl_labels_n_voxels (labels);

  for (int s = 0; s < 40; s++)
    {
      g_autofree guint16 *before = g_memdup2 (labels->data, n * 2);
      PlEdit *edit = random_edit (labels, volume, rand);
      g_autofree guint16 *after = g_memdup2 (labels->data, n * 2);
      PlBox box;

      if (!pl_undo_push (undo, "s", edit))
        continue;
      g_assert_true (pl_undo_undo (undo, labels->data, &box));
      for (gsize i = 0; i < n; i++)
        if (before[i] != after[i])
          {
            gint64 p[3] = { i % dim[0], (i / dim[0]) % dim[1], i / (dim[0] * dim[1]) };
            for (int a = 0; a < 3; a++)
              g_assert_true (p[a] >= box.lo[a] && p[a] <= box.hi[a]);
          }
      g_assert_true (pl_undo_redo (undo, labels->data, NULL));
    }
}

static void
test_names_and_redo_cleared (void)
{
  g_autoptr (PlLabels) labels = pl_labels_new (dim);
  g_autoptr (PlUndo) undo = pl_undo_new (1 << 20);
  PlEdit *edit;

  g_assert_null (pl_undo_get_undo_name (undo));
  edit = pl_edit_new (dim);
  labels->data[5] = 2;
  pl_edit_record (edit, 5, 0, 2);
  g_assert_true (pl_undo_push (undo, "Paint", edit));
  edit = pl_edit_new (dim);
  labels->data[6] = 3;
  pl_edit_record (edit, 6, 0, 3);
  g_assert_true (pl_undo_push (undo, "Fill", edit));
  g_assert_cmpstr (pl_undo_get_undo_name (undo), ==, "Fill");
  g_assert_true (pl_undo_undo (undo, labels->data, NULL));
  g_assert_cmpstr (pl_undo_get_undo_name (undo), ==, "Paint");
  g_assert_cmpstr (pl_undo_get_redo_name (undo), ==, "Fill");
  g_assert_cmpuint (labels->data[6], ==, 0);

  /* a new step discards what could be redone */
  edit = pl_edit_new (dim);
  labels->data[7] = 1;
  pl_edit_record (edit, 7, 0, 1);
  g_assert_true (pl_undo_push (undo, "Erase", edit));
  g_assert_false (pl_undo_can_redo (undo));

  /* an edit that changes a voxel and changes it back is no step */
  edit = pl_edit_new (dim);
  pl_edit_record (edit, 9, 0, 4);
  pl_edit_record (edit, 9, 4, 0);
  g_assert_false (pl_undo_push (undo, "Nothing", edit));
  g_assert_cmpstr (pl_undo_get_undo_name (undo), ==, "Erase");
}

/* A bulk change of one whole label region costs a few bytes per run, not
 * per voxel. */
static void
test_compact (void)
{
  static const gint64 big[3] = { 128, 128, 64 };
  g_autoptr (PlLabels) labels = pl_labels_new (big);
  g_autoptr (PlUndo) undo = pl_undo_new (G_MAXSIZE);
  gsize n = pl_labels_n_voxels (labels);
  g_autofree guint16 *before = g_memdup2 (labels->data, n * 2);
  PlEdit *edit = pl_edit_new (big);
  gsize changed = 0;

  /* a ball of radius 40 voxels */
  for (gint64 k = 0; k < big[2]; k++)
    for (gint64 j = 0; j < big[1]; j++)
      for (gint64 i = 0; i < big[0]; i++)
        {
          double r2 = (i - 64.0) * (i - 64.0) + (j - 64.0) * (j - 64.0) + (k - 32.0) * (k - 32.0);
          if (r2 < 40.0 * 40.0)
            {
              labels->data[i + big[0] * (j + big[1] * k)] = 3;
              changed++;
            }
        }
  pl_edit_record_diff (edit, before, labels->data, n);
  g_assert_cmpuint (pl_edit_get_n (edit), ==, changed);
  g_assert_true (pl_undo_push (undo, "Accept proposal", edit));
  /* one run per row of the ball: about 4 bytes per row */
  g_test_message ("ball: %zu voxels changed, %zu bytes of history", changed, pl_undo_get_bytes (undo));
  g_assert_cmpuint (pl_undo_get_bytes (undo), <, changed / 10);
  g_assert_true (pl_undo_undo (undo, labels->data, NULL));
  g_assert_cmpmem (labels->data, n * 2, before, n * 2);
}

/* pl_edit_apply_diff() is pl_edit_record_diff() and a copy in one pass:
 * the same edit (changes, box, undo step), the map equal to the target,
 * and the edit's new values marked. */
static void
test_apply_diff (void)
{
  static const gint64 d[3] = { 37, 29, 23 };
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  gsize n = (gsize) d[0] * d[1] * d[2];

  for (int trial = 0; trial < 30; trial++)
    {
      g_autofree guint16 *before = g_new0 (guint16, n);
      g_autofree guint16 *target = NULL;
      g_autofree guint16 *applied = NULL;
      g_autofree guint8 *present = g_new0 (guint8, 65536);
      g_autoptr (PlUndo) u1 = pl_undo_new (G_MAXSIZE);
      g_autoptr (PlUndo) u2 = pl_undo_new (G_MAXSIZE);
      PlEdit *e1 = pl_edit_new (d), *e2 = pl_edit_new (d);
      PlBox b1, b2;

      /* runs of every length, some across the 4- and 32-voxel blocks */
      for (gsize i = 0; i < n;)
        {
          gsize len = g_rand_int_range (rand, 1, trial % 3 == 0 ? 6 : 90);
          guint16 v = (guint16) (g_rand_int_range (rand, 0, 4) == 0 ? g_rand_int_range (rand, 1, 5) : 0);
          for (gsize t = i; t < MIN (n, i + len); t++)
            before[t] = v;
          i += len;
        }
      target = g_memdup2 (before, n * 2);
      for (gsize i = 0; i < n;)
        {
          gsize len = g_rand_int_range (rand, 1, 70);
          if (g_rand_boolean (rand))
            {
              guint16 v = (guint16) g_rand_int_range (rand, 0, 9);
              for (gsize t = i; t < MIN (n, i + len); t++)
                target[t] = (t % 13 == 0) ? target[t] : v;
            }
          i += len;
        }
      applied = g_memdup2 (before, n * 2);

      pl_edit_record_diff (e1, before, target, n);
      pl_edit_apply_diff (e2, applied, target, n);
      g_assert_cmpmem (applied, n * 2, target, n * 2);
      g_assert_cmpuint (pl_edit_get_n (e1), ==, pl_edit_get_n (e2));
      pl_edit_get_box (e1, &b1);
      pl_edit_get_box (e2, &b2);
      g_assert_cmpmem (&b1, sizeof b1, &b2, sizeof b2);

      pl_edit_mark_new_values (e2, present);
      {
        g_autofree guint8 *written = g_new0 (guint8, 65536);
        for (gsize i = 0; i < n; i++)
          if (before[i] != target[i])
            written[target[i]] = 1;
        g_assert_cmpmem (present, 65536, written, 65536);
      }

      g_assert_cmpint (pl_undo_push (u1, "a", e1), ==, pl_undo_push (u2, "a", e2));
      g_assert_cmpuint (pl_undo_get_bytes (u1), ==, pl_undo_get_bytes (u2));
      if (pl_undo_can_undo (u2))
        {
          g_assert_true (pl_undo_undo (u2, applied, NULL));
          g_assert_cmpmem (applied, n * 2, before, n * 2);
          g_assert_true (pl_undo_redo (u2, applied, NULL));
          g_assert_cmpmem (applied, n * 2, target, n * 2);
        }
    }
}

/* A merge planned on a worker: its step encoded there and pushed later
 * equals the step pl_undo_push() makes of the applied edit; the plan is
 * written only while every voxel still holds its planned old value. */
static void
test_planned_step (void)
{
  static const gint64 d[3] = { 31, 17, 11 };
  g_autoptr (GRand) rand = g_rand_new_with_seed (11);
  gsize n = (gsize) d[0] * d[1] * d[2];

  for (int trial = 0; trial < 20; trial++)
    {
      g_autofree guint16 *before = g_new0 (guint16, n);
      g_autofree guint16 *target = g_new0 (guint16, n);
      g_autofree guint16 *data = NULL;
      g_autoptr (PlUndo) planned_history = pl_undo_new (G_MAXSIZE);
      g_autoptr (PlUndo) pushed_history = pl_undo_new (G_MAXSIZE);
      PlEdit *plan = pl_edit_new (d);
      PlEdit *applied = pl_edit_new (d);
      PlUndoStep *step;
      gsize k;

      for (gsize i = 0; i < n; i++)
        {
          before[i] = (guint16) (g_rand_int_range (rand, 0, 3) == 0 ? g_rand_int_range (rand, 1, 4) : 0);
          target[i] = (guint16) (g_rand_int_range (rand, 0, 5) == 0 ? before[i] : g_rand_int_range (rand, 0, 6));
        }
      data = g_memdup2 (before, n * 2);
      pl_edit_record_diff_range (plan, data, target, 0, n);
      step = pl_undo_step_encode ("Merge", plan);
      g_assert_nonnull (step);

      /* a voxel the plan changes is painted meanwhile: nothing is written */
      for (k = 0; k < n && before[k] == target[k]; k++)
        ;
      g_assert_cmpuint (k, <, n);
      data[k] = 60000;
      g_assert_false (pl_edit_write_if_intact (data, plan));
      data[k] = before[k];
      g_assert_cmpmem (data, n * 2, before, n * 2);

      /* untouched: written as planned, the same step as pushing the edit */
      g_assert_true (pl_edit_write_if_intact (data, plan));
      g_assert_cmpmem (data, n * 2, target, n * 2);
      {
        g_autofree guint16 *copy = g_memdup2 (before, n * 2);
        g_assert_cmpuint (pl_edit_apply_planned (applied, copy, plan), ==, pl_edit_get_n (plan));
        g_assert_cmpmem (copy, n * 2, target, n * 2);
      }
      g_assert_true (pl_undo_push_step (planned_history, step));
      g_assert_true (pl_undo_push (pushed_history, "Merge", applied));
      g_assert_cmpuint (pl_undo_get_bytes (planned_history), ==, pl_undo_get_bytes (pushed_history));
      g_assert_cmpstr (pl_undo_get_undo_name (planned_history), ==, "Merge");
      g_assert_true (pl_undo_undo (planned_history, data, NULL));
      g_assert_cmpmem (data, n * 2, before, n * 2);
      g_assert_true (pl_undo_redo (planned_history, data, NULL));
      g_assert_cmpmem (data, n * 2, target, n * 2);
      pl_edit_free (plan);
    }
  /* an edit that changes nothing encodes to no step */
  {
    PlEdit *empty = pl_edit_new (d);
    g_autoptr (PlUndo) history = pl_undo_new (G_MAXSIZE);
    g_assert_null (pl_undo_step_encode ("Nothing", empty));
    g_assert_false (pl_undo_push_step (history, NULL));
    pl_edit_free (empty);
  }
}

static void
test_budget (void)
{
  g_autoptr (PlLabels) labels = pl_labels_new (dim);
  g_autoptr (PlUndo) undo = pl_undo_new (G_MAXSIZE);
  g_autoptr (GPtrArray) states = g_ptr_array_new_with_free_func (g_free);
  gsize n = pl_labels_n_voxels (labels), one_step = 0;
  const int n_steps = 50;

  g_ptr_array_add (states, g_memdup2 (labels->data, n * 2));
  /* Steps of equal size: every 3rd voxel of a 600-voxel span set to s+1. */
  for (int s = 0; s < n_steps; s++)
    {
      PlEdit *edit = pl_edit_new (dim);
      for (gsize i = (gsize) s * 100; i < (gsize) s * 100 + 600 && i < n; i += 3)
        {
          guint16 old = labels->data[i];
          labels->data[i] = (guint16) (s + 1);
          pl_edit_record (edit, i, old, labels->data[i]);
        }
      g_assert_true (pl_undo_push (undo, "step", edit));
      g_ptr_array_add (states, g_memdup2 (labels->data, n * 2));
      if (s == 0)
        one_step = pl_undo_get_bytes (undo);
    }
  g_assert_cmpuint (pl_undo_get_n_undo (undo), ==, n_steps);

  /* Shrink the budget to ten steps: the oldest forty go, and are counted. */
  pl_undo_set_budget (undo, 10 * one_step + one_step / 2);
  g_assert_cmpuint (pl_undo_get_bytes (undo), <=, pl_undo_get_budget (undo));
  g_assert_cmpuint (pl_undo_get_n_undo (undo), ==, 10);
  g_assert_cmpuint (pl_undo_get_n_dropped (undo), ==, n_steps - 10);

  /* Undoing what is left reaches the state after step 40 exactly. */
  while (pl_undo_undo (undo, labels->data, NULL))
    ;
  g_assert_cmpmem (labels->data, n * 2, g_ptr_array_index (states, n_steps - 10), n * 2);
  while (pl_undo_redo (undo, labels->data, NULL))
    ;
  g_assert_cmpmem (labels->data, n * 2, g_ptr_array_index (states, n_steps), n * 2);

  /* Pushing under the budget drops one old step per new step. */
  {
    guint dropped = pl_undo_get_n_dropped (undo);
    PlEdit *edit = pl_edit_new (dim);
    for (gsize i = 0; i < 600; i += 3)
      {
        guint16 old = labels->data[i];
        labels->data[i] = 99;
        pl_edit_record (edit, i, old, 99);
      }
    g_assert_true (pl_undo_push (undo, "one more", edit));
    g_assert_cmpuint (pl_undo_get_n_undo (undo), ==, 10);
    g_assert_cmpuint (pl_undo_get_n_dropped (undo), ==, dropped + 1);
  }

  /* A step larger than the whole budget is applied but cannot be undone. */
  {
    guint64 id = pl_undo_get_state_id (undo);
    PlEdit *edit = pl_edit_new (dim);
    g_autoptr (GRand) rand = g_rand_new_with_seed (1);
    for (gsize i = 0; i < n; i++)
      {
        guint16 old = labels->data[i], nv = (guint16) g_rand_int_range (rand, 200, 60000);
        labels->data[i] = nv;
        pl_edit_record (edit, i, old, nv);
      }
    g_assert_true (pl_undo_push (undo, "huge", edit));
    g_assert_false (pl_undo_can_undo (undo));
    g_assert_cmpuint (pl_undo_get_bytes (undo), ==, 0);
    g_assert_cmpuint (pl_undo_get_state_id (undo), !=, id);
  }
}

/* A step may carry a label-table change, alone (a rename) or with voxels
 * (removing a label): undo hands back the table before, redo the one
 * after, and steps without one hand back NULL. */
static void
test_table_steps (void)
{
  g_autoptr (PlUndo) undo = pl_undo_new (1 << 20);
  g_autoptr (PlLabels) labels = pl_labels_new (dim);
  g_autoptr (PlLabelTable) t0 = pl_label_table_new_default ();
  g_autoptr (PlLabelTable) t1 = pl_label_table_copy (t0);
  g_autoptr (PlLabelTable) t2 = NULL;
  const PlLabelTable *table = (const PlLabelTable *) 1;
  PlLabel renamed = *pl_label_table_lookup (t1, 2);
  PlEdit *edit;
  PlBox box;
  guint64 id0;

  renamed.name = (char *) "Grey matter";
  pl_label_table_set (t1, &renamed);
  t2 = pl_label_table_copy (t1);
  pl_label_table_remove (t2, 3);
  id0 = pl_undo_get_state_id (undo);

  /* a table alone is a step */
  edit = pl_edit_new (dim);
  pl_edit_set_tables (edit, t0, t1);
  g_assert_true (pl_undo_push (undo, "Rename", edit));
  g_assert_cmpuint (pl_undo_get_state_id (undo), !=, id0);
  g_assert_cmpuint (pl_undo_get_bytes (undo), >, 0);

  /* voxels and a table together */
  edit = pl_edit_new (dim);
  labels->data[5] = 0;
  pl_edit_record (edit, 5, 3, 0);
  pl_edit_set_tables (edit, t1, t2);
  g_assert_true (pl_undo_push (undo, "Remove", edit));

  /* a plain step */
  edit = pl_edit_new (dim);
  labels->data[7] = 1;
  pl_edit_record (edit, 7, 0, 1);
  g_assert_true (pl_undo_push (undo, "Paint", edit));

  g_assert_true (pl_undo_undo_full (undo, labels->data, &box, &table));
  g_assert_null (table);
  g_assert_cmpuint (labels->data[7], ==, 0);
  g_assert_true (pl_undo_undo_full (undo, labels->data, &box, &table));
  g_assert_nonnull (table);
  g_assert_cmpuint (labels->data[5], ==, 3);
  g_assert_nonnull (pl_label_table_lookup ((PlLabelTable *) table, 3));
  g_assert_cmpstr (pl_label_table_lookup ((PlLabelTable *) table, 2)->name, ==, "Grey matter");
  g_assert_true (pl_undo_undo_full (undo, labels->data, &box, &table));
  g_assert_true (pl_box_is_empty (&box));
  g_assert_cmpstr (pl_label_table_lookup ((PlLabelTable *) table, 2)->name, ==,
                   pl_label_table_lookup (t0, 2)->name);
  g_assert_cmpuint (pl_undo_get_state_id (undo), ==, id0);

  g_assert_true (pl_undo_redo_full (undo, labels->data, &box, &table));
  g_assert_cmpstr (pl_label_table_lookup ((PlLabelTable *) table, 2)->name, ==, "Grey matter");
  g_assert_true (pl_undo_redo_full (undo, labels->data, &box, &table));
  g_assert_null (pl_label_table_lookup ((PlLabelTable *) table, 3));
  g_assert_cmpuint (labels->data[5], ==, 0);

  /* an edit with neither voxels nor a table is still no step */
  g_assert_false (pl_undo_push (undo, "Nothing", pl_edit_new (dim)));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/undo/random-sequences", test_random_sequences);
  g_test_add_func ("/undo/box-covers-changes", test_box_covers_changes);
  g_test_add_func ("/undo/names-and-redo-cleared", test_names_and_redo_cleared);
  g_test_add_func ("/undo/compact", test_compact);
  g_test_add_func ("/undo/apply-diff", test_apply_diff);
  g_test_add_func ("/undo/planned-step", test_planned_step);
  g_test_add_func ("/undo/budget", test_budget);
  g_test_add_func ("/undo/table-steps", test_table_steps);
  return g_test_run ();
}
