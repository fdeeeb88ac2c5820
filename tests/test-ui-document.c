/* PelDocument without a window: what the Train panel relies on (snapshots,
 * per-slice generations, an undoable bulk change), the dirty state, the
 * label table, overlays and recovery files. */
#include <glib/gstdio.h>
#include <string.h>
#include <utime.h>

#include "src/pel-document.h"
#include "src/pel-recovery.h"
#include "src/pel-train-provider.h"
#include "tests/test-sanitizer.h"

static const gint64 dim[3] = { 12, 10, 8 };

static PelDocument *
new_document (void)
{
  PelDocument *doc = pel_document_new ();
  PlVolume *v = pl_volume_new (dim, NULL, NULL);

  for (gsize i = 0; i < pl_volume_n_voxels (v); i++)
    v->data[i] = (float) (i % 97);
  pl_volume_update_stats (v);
  pel_document_set_volume (doc, v);
  return doc;
}

static void
count_signal (gpointer data)
{
  (*(int *) data)++;
}

static void
test_bulk_change_is_one_step (void)
{
  g_autoptr (PelDocument) doc = new_document ();
  g_autoptr (PlLabels) proposal = pl_labels_new (dim);
  gsize n = pl_labels_n_voxels (proposal), changed;
  int emitted = 0;

  for (gsize i = 0; i < n; i++)
    proposal->data[i] = (guint16) (i % 3 == 0 ? 2 : 0);
  g_signal_connect_swapped (doc, "labels-changed", G_CALLBACK (count_signal), &emitted);

  changed = pel_document_apply_labels (doc, "Accept proposal", proposal);
  g_assert_cmpuint (changed, ==, (n + 2) / 3);
  g_assert_cmpint (emitted, ==, 1);
  g_assert_cmpmem (pel_document_get_labels (doc)->data, n * 2, proposal->data, n * 2);
  g_assert_true (pel_document_get_dirty (doc));
  g_assert_cmpstr (pl_undo_get_undo_name (pel_document_get_undo (doc)), ==, "Accept proposal");

  g_assert_true (pel_document_undo (doc));
  for (gsize i = 0; i < n; i++)
    g_assert_cmpuint (pel_document_get_labels (doc)->data[i], ==, 0);
  g_assert_false (pel_document_get_dirty (doc));
  g_assert_true (pel_document_redo (doc));
  g_assert_cmpmem (pel_document_get_labels (doc)->data, n * 2, proposal->data, n * 2);

  /* the same labels again change nothing and make no step */
  g_assert_cmpuint (pel_document_apply_labels (doc, "Again", proposal), ==, 0);
  g_assert_cmpstr (pl_undo_get_undo_name (pel_document_get_undo (doc)), ==, "Accept proposal");
}

static void
test_snapshots_and_generations (void)
{
  g_autoptr (PelDocument) doc = new_document ();
  g_autoptr (PlLabels) before = NULL;
  PlSliceFrame frame;
  PlBrush brush = { PL_BRUSH_SQUARE, 1, FALSE };
  PlPaintRule rule;
  PlEdit *edit;
  guint64 g0, g_k[8], gen;

  before = pel_document_snapshot_labels (doc, &g0);
  for (gint64 k = 0; k < dim[2]; k++)
    g_k[k] = pel_document_get_slice_generation (doc, 2, k);

  /* one voxel on axial slice k = 5 at i = 3, j = 4 (RAS: x = 11 - i, y = 9 - j) */
  pl_slice_frame_init (&frame, pel_document_get_volume (doc), PL_VIEW_AXIAL);
  pel_document_init_rule (doc, &rule, 4, PL_PAINT_OVER_ALL, 0);
  edit = pel_document_begin_edit (doc);
  g_assert_cmpuint (pel_document_paint_stamp (doc, edit, &frame, 5, &brush, &rule, 8.5, 5.5), ==, 1);
  pel_document_end_edit (doc, edit, "Paint");
  g_assert_cmpuint (pel_document_get_labels (doc)->data[3 + 12 * (4 + 10 * 5)], ==, 4);

  g_assert_cmpuint (pel_document_get_generation (doc), >, g0);
  for (gint64 k = 0; k < dim[2]; k++)
    {
      gen = pel_document_get_slice_generation (doc, 2, k);
      if (k == 5)
        g_assert_cmpuint (gen, >, g_k[k]);
      else
        g_assert_cmpuint (gen, ==, g_k[k]);
    }
  g_assert_cmpuint (pel_document_get_slice_generation (doc, 0, 3), >, pel_document_get_slice_generation (doc, 0, 2));

  /* slice copies along each axis match the label map */
  for (int axis = 0; axis < 3; axis++)
    {
      int a = axis == 0 ? 1 : 0, b = axis == 2 ? 1 : 2;
      g_autofree guint16 *out = g_new0 (guint16, dim[a] * dim[b]);
      gint64 index = axis == 0 ? 3 : axis == 1 ? 4 : 5;

      pel_document_copy_label_slice (doc, axis, index, out);
      for (gint64 v = 0; v < dim[b]; v++)
        for (gint64 u = 0; u < dim[a]; u++)
          {
            gint64 ijk[3];
            ijk[axis] = index;
            ijk[a] = u;
            ijk[b] = v;
            g_assert_cmpuint (out[u + dim[a] * v], ==, pel_document_get_label_at (doc, ijk));
          }
    }

  /* the old snapshot is a copy: untouched by the painting */
  for (gsize i = 0; i < pl_labels_n_voxels (before); i++)
    g_assert_cmpuint (before->data[i], ==, 0);
}

/* A worker copying slices while the main thread paints never sees a torn
 * slice: each copy is one consistent state. */
typedef struct
{
  PelDocument *doc;
  gint         stop;
  int          copies;
} Reader;

static gpointer
reader_thread (gpointer data)
{
  Reader *r = data;
  g_autofree guint16 *out = g_new0 (guint16, dim[0] * dim[1]);

  while (!g_atomic_int_get (&r->stop))
    {
      guint16 first;
      pel_document_copy_label_slice (r->doc, 2, 2, out);
      first = out[0];
      for (gint64 i = 1; i < dim[0] * dim[1]; i++)
        g_assert_cmpuint (out[i], ==, first);
      g_atomic_int_inc (&r->copies);
    }
  return NULL;
}

static void
test_concurrent_copies (void)
{
  g_autoptr (PelDocument) doc = new_document ();
  Reader r = { doc, 0, 0 };
  GThread *thread = g_thread_new ("reader", reader_thread, &r);
  g_autoptr (PlLabels) next = pl_labels_new (dim);

  gint64 deadline = g_get_monotonic_time () + 30 * TEST_TIME_SCALE * G_USEC_PER_SEC;
  int round;

  /* Whole axial slice 2 flips between values, one bulk change at a time,
   * until the reader has copied it often enough: on a loaded machine the
   * reader may not run at all during the first 300 changes. */
  for (round = 1; round <= 300 || g_atomic_int_get (&r.copies) < 100; round++)
    {
      for (gint64 i = 0; i < dim[0] * dim[1]; i++)
        next->data[2 * dim[0] * dim[1] + i] = (guint16) (round % 5);
      pel_document_apply_labels (doc, "Round", next);
      if (g_get_monotonic_time () > deadline)
        break;
    }
  g_atomic_int_set (&r.stop, 1);
  g_thread_join (thread);
  g_test_message ("%d slice copies during %d changes", r.copies, round - 1);
  g_assert_cmpint (r.copies, >=, 100);
}

static void
test_dirty_and_saved_state (void)
{
  g_autoptr (PelDocument) doc = new_document ();
  g_autoptr (PlLabels) a = pl_labels_new (dim);
  guint64 saved;

  a->data[0] = 1;
  pel_document_apply_labels (doc, "A", a);
  saved = pel_document_get_state_id (doc);
  pel_document_mark_saved (doc, saved, "/nowhere/a.nii.gz");
  g_assert_false (pel_document_get_dirty (doc));
  a->data[1] = 1;
  pel_document_apply_labels (doc, "B", a);
  g_assert_true (pel_document_get_dirty (doc));
  pel_document_undo (doc);
  g_assert_false (pel_document_get_dirty (doc));   /* back to what was saved */
  pel_document_undo (doc);
  g_assert_true (pel_document_get_dirty (doc));
  pel_document_redo (doc);
  g_assert_false (pel_document_get_dirty (doc));
  g_assert_cmpstr (pel_document_get_labels_path (doc), ==, "/nowhere/a.nii.gz");

  /* loading labels from a file is clean; restoring recovered ones is not */
  pel_document_load_labels (doc, pl_labels_new (dim), "/nowhere/b.nii.gz");
  g_assert_false (pel_document_get_dirty (doc));
  g_assert_false (pel_document_can_undo (doc));
  pel_document_restore_labels (doc, pl_labels_new (dim), NULL);
  g_assert_true (pel_document_get_dirty (doc));
}

static void
test_label_table (void)
{
  g_autoptr (PelDocument) doc = new_document ();
  g_autoptr (PlLabels) l = pl_labels_new (dim);
  PlLabelTable *table;
  PlLabel *entry;
  int changed = 0;

  /* values the table lacks get an entry */
  l->data[0] = 42;
  l->data[1] = 3;
  pel_document_load_labels (doc, g_steal_pointer (&l), NULL);
  table = pel_document_get_label_table (doc);
  entry = pl_label_table_lookup (table, 42);
  g_assert_nonnull (entry);
  g_assert_true (entry->visible);
  g_assert_cmpuint (pel_document_get_label_lut (doc)[42] >> 24, ==, 255);

  /* the same when the values were found off the main thread (a loader's
   * worker), and for the values a bulk change writes */
  {
    g_autoptr (PlLabels) marked = pl_labels_new (dim);
    g_autoptr (PlLabels) bulk = NULL;
    g_autofree guint8 *present = g_new0 (guint8, 65536);

    marked->data[0] = 42;
    marked->data[1] = 3;
    marked->data[5] = 77;
    pl_labels_mark_values (marked, present);
    g_assert_true (present[0] && present[3] && present[42] && present[77]);
    g_assert_false (present[1] || present[2]);
    pel_document_load_labels_with_values (doc, g_steal_pointer (&marked), NULL, present);
    g_assert_nonnull (pl_label_table_lookup (table, 77));
    bulk = pl_labels_copy (pel_document_get_labels (doc));
    bulk->data[7] = 99;
    g_assert_null (pl_label_table_lookup (table, 99));
    g_assert_cmpuint (pel_document_apply_labels (doc, "Accept proposal", bulk), ==, 1);
    g_assert_nonnull (pl_label_table_lookup (table, 99));
    g_assert_cmpuint (pel_document_get_labels (doc)->data[7], ==, 99);
    entry = pl_label_table_lookup (table, 42);   /* the table grew */
  }

  /* hiding a label makes its colour transparent */
  g_signal_connect_swapped (doc, "table-changed", G_CALLBACK (count_signal), &changed);
  {
    PlLabel copy = *entry;
    copy.visible = FALSE;
    pel_document_set_label (doc, &copy);
  }
  g_assert_cmpint (changed, ==, 1);
  g_assert_cmpuint (pel_document_get_label_lut (doc)[42] >> 24, ==, 0);

  /* a left/right pair set by the user */
  pel_document_set_label_partner (doc, 3, 42);
  g_assert_cmpint (changed, ==, 2);
  g_assert_cmpint (pl_label_table_mirror_value (table, 42), ==, 3);
  pel_document_set_label_partner (doc, 3, 0);
  g_assert_cmpint (changed, ==, 3);
  g_assert_cmpint (pl_label_table_get_partner (table, 42), ==, 0);

  /* locked labels go into the paint rule */
  {
    PlLabel copy = *pl_label_table_lookup (table, 3);
    PlPaintRule rule;
    copy.locked = TRUE;
    pel_document_set_label (doc, &copy);
    pel_document_init_rule (doc, &rule, 5, PL_PAINT_OVER_ALL, 0);
    g_assert_false (pl_paint_rule_allows (&rule, 3));
    g_assert_true (pl_paint_rule_allows (&rule, 42));
  }

  /* removing a label clears its voxels and the entry as one undoable
   * step */
  pel_document_remove_label (doc, 42);
  g_assert_null (pl_label_table_lookup (table, 42));
  g_assert_cmpuint (pel_document_get_labels (doc)->data[0], ==, 0);
  pel_document_undo (doc);
  g_assert_cmpuint (pel_document_get_labels (doc)->data[0], ==, 42);
  g_assert_nonnull (pl_label_table_lookup (table, 42));
  g_assert_true (pel_document_get_label_table (doc) == table);
  pel_document_redo (doc);
  g_assert_null (pl_label_table_lookup (table, 42));
  g_assert_cmpuint (pel_document_get_labels (doc)->data[0], ==, 0);
}

/* Adding, renaming and recolouring are undo steps, each undone exactly;
 * showing and locking are not steps. */
static void
test_table_undo (void)
{
  g_autoptr (PelDocument) doc = new_document ();
  PlLabelTable *table = pel_document_get_label_table (doc);
  PlLabel l = pl_label_table_next_free (table);
  PlLabel copy;
  guint n_undo;
  guint16 v = l.value;
  g_autofree char *first = g_strdup (pl_label_table_lookup (table, 1)->name);
  guint8 rgb[3];

  pel_document_set_label (doc, &l);
  g_free (l.name);
  g_assert_nonnull (pl_label_table_lookup (table, v));
  g_assert_cmpstr (pl_undo_get_undo_name (pel_document_get_undo (doc)), ==, "Add “Label 7”");
  g_assert_true (pel_document_get_dirty (doc));

  copy = *pl_label_table_lookup (table, 1);
  copy.name = (char *) "Background";
  pel_document_set_label (doc, &copy);
  g_assert_cmpstr (pl_label_table_lookup (table, 1)->name, ==, "Background");
  g_assert_cmpstr (pl_undo_get_undo_name (pel_document_get_undo (doc)), ==, "Rename “Label 1”");

  copy = *pl_label_table_lookup (table, 1);
  memcpy (rgb, copy.rgb, 3);
  copy.rgb[0] ^= 0x80;
  pel_document_set_label (doc, &copy);
  g_assert_cmpuint (pel_document_get_label_lut (doc)[1] >> 16 & 0xff, ==, (guint) (rgb[0] ^ 0x80));

  n_undo = pl_undo_get_n_undo (pel_document_get_undo (doc));
  copy = *pl_label_table_lookup (table, 1);
  copy.visible = FALSE;
  copy.locked = TRUE;
  pel_document_set_label (doc, &copy);
  g_assert_cmpuint (pl_undo_get_n_undo (pel_document_get_undo (doc)), ==, n_undo);

  /* the recolour is undone (visibility and lock are kept with it: the
   * step's table is the one before it) */
  g_assert_true (pel_document_undo (doc));
  g_assert_cmpmem (pl_label_table_lookup (table, 1)->rgb, 3, rgb, 3);
  g_assert_true (pel_document_undo (doc));
  g_assert_cmpstr (pl_label_table_lookup (table, 1)->name, ==, first);
  g_assert_true (pel_document_undo (doc));
  g_assert_null (pl_label_table_lookup (table, v));
  g_assert_false (pel_document_get_dirty (doc));
  g_assert_true (pel_document_redo (doc));
  g_assert_true (pel_document_redo (doc));
  g_assert_nonnull (pl_label_table_lookup (table, v));
  g_assert_cmpstr (pl_label_table_lookup (table, 1)->name, ==, "Background");
  g_assert_true (pel_document_get_label_table (doc) == table);
}

static void
test_overlays (void)
{
  g_autoptr (PelDocument) doc = new_document ();
  g_autoptr (PelHeatMap) heat = NULL;
  gsize n = (gsize) dim[0] * dim[1] * dim[2];
  float *data = g_new (float, n);
  int emitted = 0;
  double lo, hi;

  for (gsize i = 0; i < n; i++)
    data[i] = (float) i / n;
  heat = pel_heat_map_new ("entropy", dim, data);
  pel_heat_map_get_range (heat, &lo, &hi);
  g_assert_cmpfloat (lo, ==, 0.0);
  g_assert_cmpfloat (hi, ==, (float) (n - 1) / n);

  g_signal_connect_swapped (doc, "overlays-changed", G_CALLBACK (count_signal), &emitted);
  pel_document_set_heat_map (doc, heat);
  g_assert_true (pel_document_get_heat_map (doc) == heat);
  g_object_set (heat, "opacity", 0.3, NULL);
  pel_document_set_proposal (doc, pl_labels_new (dim));
  g_assert_nonnull (pel_document_get_proposal (doc));
  g_assert_cmpint (emitted, ==, 3);

  /* a new volume drops the overlays */
  pel_document_set_volume (doc, pl_volume_new (dim, NULL, NULL));
  g_assert_null (pel_document_get_heat_map (doc));
  g_assert_null (pel_document_get_proposal (doc));
}

static void
test_recovery_files (void)
{
  g_autofree char *dir = g_dir_make_tmp ("pellucid-recovery-XXXXXX", NULL);
  g_autofree char *volume_path = g_build_filename (dir, "scan.nii.gz", NULL);
  g_autofree char *saved = g_build_filename (dir, "saved.nii.gz", NULL);
  g_autoptr (PlVolume) v = pl_volume_new (dim, NULL, NULL);
  g_autoptr (PlLabels) l = pl_labels_new (dim);
  g_autoptr (PlLabelTable) t = pl_label_table_new_default ();
  g_autoptr (GError) error = NULL;
  g_autoptr (PelRecovery) rec = NULL;
  g_autoptr (PlLabels) back = NULL;

  l->data[17] = 5;
  g_assert_true (pl_volume_save (v, volume_path, &error));
  g_assert_true (pel_recovery_write (dir, volume_path, NULL, v, l, t, g_get_real_time (), &error));
  g_assert_no_error (error);
  rec = pel_recovery_find (dir, volume_path);
  g_assert_nonnull (rec);
  back = pl_labels_load (rec->labels_file, v, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->data[17], ==, 5);
  g_assert_true (g_file_test (rec->table_file, G_FILE_TEST_EXISTS));
  g_clear_pointer (&rec, pel_recovery_free);

  /* A recovery written after the segmentation was saved, even within the
   * same second, is offered; once the segmentation is saved again it is
   * stale; if the saved file is gone, the recovery is the only copy. */
  g_assert_true (pl_labels_save (l, v, saved, &error));
  g_assert_true (pel_recovery_write (dir, volume_path, saved, v, l, t, g_get_real_time (), &error));
  rec = pel_recovery_find (dir, volume_path);
  g_assert_nonnull (rec);
  g_assert_cmpstr (rec->labels_path, ==, saved);
  g_clear_pointer (&rec, pel_recovery_free);
  g_assert_true (pl_labels_save (l, v, saved, &error));
  g_assert_null (pel_recovery_find (dir, volume_path));
  g_assert_cmpint (g_remove (saved), ==, 0);
  rec = pel_recovery_find (dir, volume_path);
  g_assert_nonnull (rec);
  g_clear_pointer (&rec, pel_recovery_free);

  /* a segmentation saved after the recovery was written makes it stale */
  g_assert_true (pel_recovery_write (dir, volume_path, saved, v, l, t, g_get_real_time (), &error));
  g_assert_true (pl_labels_save (l, v, saved, &error));
  {
    struct utimbuf times = { 0 };
    GStatBuf st;
    g_stat (saved, &st);
    times.actime = times.modtime = st.st_mtime + 5;
    g_utime (saved, &times);
  }
  g_assert_null (pel_recovery_find (dir, volume_path));

  /* another volume has no recovery; discarding removes all files */
  g_assert_null (pel_recovery_find (dir, saved));
  pel_recovery_discard (dir, volume_path);
  {
    g_autofree char *key = pel_recovery_key (volume_path);
    g_autofree char *json = g_strconcat (dir, "/", key, ".json", NULL);
    g_autofree char *nii = g_strconcat (dir, "/", key, ".nii.gz", NULL);
    g_assert_false (g_file_test (json, G_FILE_TEST_EXISTS));
    g_assert_false (g_file_test (nii, G_FILE_TEST_EXISTS));
  }
  g_remove (saved);
  g_remove (volume_path);
  g_rmdir (dir);
}


static gboolean
note_done (gpointer data)
{
  (*(int *) data)++;
  return G_SOURCE_REMOVE;
}

static void
expect_counts (PelDocument          *doc,
               const PelSliceCounts *c)
{
  const PlLabels *labels = pel_document_get_labels (doc);
  g_autofree gint64 *want = g_new0 (gint64, labels->dim[c->axis]);

  pl_labels_count_slices (labels, c->axis, want);
  g_assert_cmpmem (c->counts, c->n * sizeof (gint64), want, c->n * sizeof (gint64));
}

/* Recounting a whole map (a new one, an Accept of the volume) goes to a
 * worker on the main thread; a few changed slices are counted at once. */
static void
test_slice_counts_async (void)
{
  static const gint64 big[3] = { 256, 128, 72 };   /* over the inline budget */
  g_autoptr (PelDocument) doc = pel_document_new ();
  g_autoptr (PlLabels) labels = pl_labels_new (big);
  PlVolume *v = pl_volume_new (big, NULL, NULL);
  PelSliceCounts c[2];
  int done[2] = { 0, 0 };

  g_assert_cmpint (pl_labels_n_voxels (labels), >, PEL_SLICE_COUNTS_INLINE_VOXELS);
  pl_volume_update_stats (v);
  pel_document_set_volume (doc, v);
  for (gsize i = 0; i < pl_labels_n_voxels (labels); i++)
    labels->data[i] = (guint16) ((i * 2654435761u >> 7) % 5 == 0 ? 1 + i % 3 : 0);
  pel_document_apply_labels (doc, "Accept", labels);

  for (int k = 0; k < 2; k++)
    {
      pel_slice_counts_init (&c[k], k == 0 ? 2 : 0, big[k == 0 ? 2 : 0]);
      g_assert_false (pel_slice_counts_refresh_async (&c[k], doc, note_done, &done[k]));
      /* asked again while counting: still pending, one done() */
      g_assert_false (pel_slice_counts_refresh_async (&c[k], doc, note_done, &done[k]));
    }
  while (done[0] == 0 || done[1] == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (done[0], ==, 1);
  g_assert_cmpint (done[1], ==, 1);
  for (int k = 0; k < 2; k++)
    {
      g_assert_true (c[k].valid);
      expect_counts (doc, &c[k]);
    }

  /* one slice changes: counted at once, the same as a full count */
  labels->data[5] = labels->data[5] ? 0 : 2;
  pel_document_apply_labels (doc, "One voxel", labels);
  for (int k = 0; k < 2; k++)
    {
      g_assert_true (pel_slice_counts_refresh_async (&c[k], doc, note_done, &done[k]));
      expect_counts (doc, &c[k]);
    }

  /* cleared while its worker counts: done() never comes */
  memset (labels->data, 0, pl_labels_n_voxels (labels) * sizeof (guint16));
  pel_document_apply_labels (doc, "Clear", labels);
  g_assert_false (pel_slice_counts_refresh_async (&c[0], doc, note_done, &done[0]));
  pel_slice_counts_clear (&c[0]);
  pel_slice_counts_clear (&c[1]);
  for (int i = 0; i < 200; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_cmpint (done[0], ==, 1);
}

/* Workers hold the label store, not the document: it outlives it. */
static void
test_label_store_outlives_document (void)
{
  PelDocument *doc = new_document ();
  g_autoptr (PlLabels) proposal = pl_labels_new (dim);
  g_autoptr (PelVolumeRef) volume = pel_document_ref_volume (doc);
  g_autoptr (PelLabelStore) store = pel_document_ref_label_store (doc);
  g_autoptr (PlLabels) copy = NULL;

  proposal->data[7] = 3;
  pel_document_apply_labels (doc, "Accept", proposal);
  copy = pel_label_store_copy (store, volume, dim, NULL);
  g_assert_nonnull (copy);
  g_assert_cmpuint (copy->data[7], ==, 3);
  g_clear_pointer (&copy, pl_labels_free);
  g_object_unref (doc);
  /* the document is gone: its map is no longer that volume's */
  g_assert_null (pel_label_store_copy (store, volume, dim, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/document/bulk-change-is-one-step", test_bulk_change_is_one_step);
  g_test_add_func ("/ui/document/snapshots-and-generations", test_snapshots_and_generations);
  g_test_add_func ("/ui/document/concurrent-copies", test_concurrent_copies);
  g_test_add_func ("/ui/document/dirty-and-saved-state", test_dirty_and_saved_state);
  g_test_add_func ("/ui/document/label-table", test_label_table);
  g_test_add_func ("/ui/document/table-undo", test_table_undo);
  g_test_add_func ("/ui/document/overlays", test_overlays);
  g_test_add_func ("/ui/document/recovery-files", test_recovery_files);
  g_test_add_func ("/ui/document/slice-counts-async", test_slice_counts_async);
  g_test_add_func ("/ui/document/label-store-outlives-document", test_label_store_outlives_document);
  return g_test_run ();
}
