/* Proposals: accepting a slice, everything or one class fills only
 * unlabelled voxels, never a locked label, as one named undo step that
 * undoes exactly; the proposal layer is hidden under painted labels and
 * drawn as a fill or an outline; the training provider's per-slice counts
 * follow painting slice by slice. */
#include <string.h>

#include "engine/data/dataset.h"
#include "src/pel-proposal.h"
#include "src/pel-render.h"
#include "src/pel-train-provider.h"

#define NX 6
#define NY 5
#define NZ 4

static gsize
idx (gint64 i, gint64 j, gint64 k)
{
  return (gsize) (i + NX * (j + NY * k));
}

/* Painted: label 1 on the whole of slice k = 0 row j = 0; label 3 (to be
 * locked) at a few voxels.  Proposed: 2 on the left half (i < 3), 3 on the
 * right half, everywhere. */
static PelDocument *
make_document (void)
{
  static const gint64 dim[3] = { NX, NY, NZ };
  PelDocument *doc = pel_document_new ();
  PlLabels *labels, *proposal;

  pel_document_set_volume (doc, pl_volume_new (dim, NULL, NULL));
  labels = pl_labels_new (dim);
  proposal = pl_labels_new (dim);
  for (gint64 k = 0; k < NZ; k++)
    for (gint64 i = 0; i < NX; i++)
      labels->data[idx (i, 0, k)] = 1;
  labels->data[idx (1, 2, 1)] = 3;
  labels->data[idx (4, 3, 2)] = 3;
  for (gint64 k = 0; k < NZ; k++)
    for (gint64 j = 0; j < NY; j++)
      for (gint64 i = 0; i < NX; i++)
        proposal->data[idx (i, j, k)] = i < 3 ? 2 : 3;
  pel_document_load_labels (doc, labels, NULL);
  pel_document_set_proposal (doc, proposal);
  return doc;
}

static void
lock_label (PelDocument *doc,
            guint16      value,
            gboolean     locked)
{
  PlLabel *l = pl_label_table_lookup (pel_document_get_label_table (doc), value);
  PlLabel copy;

  g_assert_nonnull (l);
  copy = *l;
  copy.locked = locked;
  pel_document_set_label (doc, &copy);
}

/* Every voxel painted before is unchanged; every unlabelled voxel is either
 * still 0 or holds the proposal's value; returns the voxels filled. */
static gsize
check_only_unlabelled (PelDocument    *doc,
                       const PlLabels *before)
{
  const PlLabels *now = pel_document_get_labels (doc);
  const PlLabels *proposal = pel_document_get_proposal (doc);
  gsize n = pl_labels_n_voxels (now), filled = 0;

  for (gsize v = 0; v < n; v++)
    {
      if (before->data[v] != 0)
        g_assert_cmpuint (now->data[v], ==, before->data[v]);
      else if (now->data[v] != 0)
        {
          g_assert_cmpuint (now->data[v], ==, proposal->data[v]);
          filled++;
        }
    }
  return filled;
}

static void
assert_undo_restores (PelDocument    *doc,
                      const PlLabels *before,
                      const char     *step_name)
{
  gsize n = pl_labels_n_voxels (before);

  g_assert_cmpstr (pl_undo_get_undo_name (pel_document_get_undo (doc)), ==, step_name);
  g_assert_true (pel_document_undo (doc));
  g_assert_cmpmem (pel_document_get_labels (doc)->data, n * 2, before->data, n * 2);
  /* and redo brings the acceptance back */
  g_assert_true (pel_document_redo (doc));
  g_assert_true (pel_document_undo (doc));
  g_assert_cmpmem (pel_document_get_labels (doc)->data, n * 2, before->data, n * 2);
}

static void
test_accept_slice (void)
{
  g_autoptr (PelDocument) doc = make_document ();
  g_autoptr (PlLabels) before = pel_document_snapshot_labels (doc, NULL);
  gsize n, counted;

  /* axial slice k = 1: 30 voxels, 6 painted 1, one painted 3 */
  counted = pel_proposal_count (doc, PEL_ACCEPT_SLICE, 2, 1, 0);
  n = pel_proposal_accept (doc, PEL_ACCEPT_SLICE, 2, 1, 0);
  g_assert_cmpuint (n, ==, NX * NY - NX - 1);
  g_assert_cmpuint (counted, ==, n);
  g_assert_cmpuint (check_only_unlabelled (doc, before), ==, n);
  /* nothing outside the slice */
  for (gint64 k = 0; k < NZ; k++)
    if (k != 1)
      for (gint64 j = 1; j < NY; j++)
        for (gint64 i = 0; i < NX; i++)
          if (before->data[idx (i, j, k)] == 0)
            g_assert_cmpuint (pel_document_get_labels (doc)->data[idx (i, j, k)], ==, 0);
  assert_undo_restores (doc, before, "Accept proposal (slice 2)");

  /* a slice along another axis: sagittal i = 4 */
  n = pel_proposal_accept (doc, PEL_ACCEPT_SLICE, 0, 4, 0);
  g_assert_cmpuint (n, ==, NY * NZ - NZ - 1);
  g_assert_cmpuint (check_only_unlabelled (doc, before), ==, n);
  g_assert_cmpuint (pel_document_get_labels (doc)->data[idx (4, 1, 0)], ==, 3);
  assert_undo_restores (doc, before, "Accept proposal (slice 5)");

  /* accepting the same slice twice: nothing left, no undo step */
  g_assert_cmpuint (pel_proposal_accept (doc, PEL_ACCEPT_SLICE, 2, 1, 0), >, 0);
  g_assert_cmpuint (pel_proposal_accept (doc, PEL_ACCEPT_SLICE, 2, 1, 0), ==, 0);
  g_assert_cmpstr (pl_undo_get_undo_name (pel_document_get_undo (doc)), ==, "Accept proposal (slice 2)");
}

static void
test_accept_all_and_class (void)
{
  g_autoptr (PelDocument) doc = make_document ();
  g_autoptr (PlLabels) before = pel_document_snapshot_labels (doc, NULL);
  gsize total = NX * NY * NZ, painted = NX * NZ + 2, n;

  n = pel_proposal_accept (doc, PEL_ACCEPT_ALL, 0, 0, 0);
  g_assert_cmpuint (n, ==, total - painted);
  g_assert_cmpuint (check_only_unlabelled (doc, before), ==, n);
  assert_undo_restores (doc, before, "Accept proposal (all slices)");

  /* one class: only voxels proposed as 2 */
  n = pel_proposal_accept (doc, PEL_ACCEPT_CLASS, 0, 0, 2);
  g_assert_cmpuint (n, ==, 3 * (NY - 1) * NZ - 1);
  g_assert_cmpuint (check_only_unlabelled (doc, before), ==, n);
  for (gsize v = 0; v < total; v++)
    if (before->data[v] == 0)
      g_assert_cmpuint (pel_document_get_labels (doc)->data[v], !=, 3);
  assert_undo_restores (doc, before, "Accept proposal (“Label 2”)");
}


typedef struct
{
  gboolean done;
  gssize   n;
  GError  *error;
} AcceptWait;

static void
accepted (GObject      *object,
          GAsyncResult *result,
          gpointer      data)
{
  AcceptWait *w = data;
  w->n = pel_proposal_accept_finish (PEL_DOCUMENT (object), result, &w->error);
  w->done = TRUE;
}

static void
wait_accepted (AcceptWait *w)
{
  while (!w->done)
    g_main_context_iteration (NULL, TRUE);
}

/* Accepting with the map read on a worker: the same result as on the main
 * thread; a voxel painted while the worker reads keeps its paint (whether
 * the worker saw it or not), and the undo step restores the map as it was
 * just before the merge was applied; another volume meanwhile cancels it. */
static void
test_accept_async (void)
{
  g_autoptr (PelDocument) doc = make_document ();
  g_autoptr (PelDocument) sync = make_document ();
  g_autoptr (PlLabels) stroked = NULL;
  gsize total = NX * NY * NZ, painted = NX * NZ + 2;
  AcceptWait w = { 0 };

  g_assert_cmpuint (pel_proposal_accept (sync, PEL_ACCEPT_ALL, 0, 0, 0), ==, total - painted);
  pel_proposal_accept_async (doc, PEL_ACCEPT_ALL, 0, 0, 0, NULL, accepted, &w);
  /* a stroke on an unlabelled voxel the proposal would fill */
  stroked = pel_document_snapshot_labels (doc, NULL);
  stroked->data[idx (2, 3, 1)] = 5;
  g_assert_cmpuint (pel_document_apply_labels (doc, "Paint", stroked), ==, 1);
  wait_accepted (&w);
  g_assert_no_error (w.error);
  g_assert_cmpint (w.n, ==, total - painted - 1);
  g_assert_cmpuint (pel_document_get_labels (doc)->data[idx (2, 3, 1)], ==, 5);
  for (gsize v = 0; v < total; v++)
    if (v != idx (2, 3, 1))
      g_assert_cmpuint (pel_document_get_labels (doc)->data[v], ==, pel_document_get_labels (sync)->data[v]);
  assert_undo_restores (doc, stroked, "Accept proposal (all slices)");
  g_assert_true (pel_document_undo (doc));   /* the stroke */

  /* another volume before the worker is back: nothing is merged */
  w = (AcceptWait) { 0 };
  pel_proposal_accept_async (doc, PEL_ACCEPT_SLICE, 2, 1, 0, NULL, accepted, &w);
  {
    static const gint64 dim[3] = { NX, NY, NZ };
    pel_document_set_volume (doc, pl_volume_new (dim, NULL, NULL));
  }
  wait_accepted (&w);
  g_assert_error (w.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (w.n, ==, -1);
  g_clear_error (&w.error);
  for (gsize v = 0; v < total; v++)
    g_assert_cmpuint (pel_document_get_labels (doc)->data[v], ==, 0);
}

static void
test_locks (void)
{
  g_autoptr (PelDocument) doc = make_document ();
  g_autoptr (PlLabels) before = pel_document_snapshot_labels (doc, NULL);
  gsize n;

  /* A locked class is finished: the proposal does not add to it. */
  lock_label (doc, 3, TRUE);
  n = pel_proposal_accept (doc, PEL_ACCEPT_ALL, 0, 0, 0);
  g_assert_cmpuint (n, ==, 3 * (NY - 1) * NZ - 1);
  g_assert_cmpuint (check_only_unlabelled (doc, before), ==, n);
  for (gsize v = 0; v < pl_labels_n_voxels (before); v++)
    if (before->data[v] == 0)
      g_assert_cmpuint (pel_document_get_labels (doc)->data[v], !=, 3);
  g_assert_cmpuint (pel_proposal_accept (doc, PEL_ACCEPT_CLASS, 0, 0, 3), ==, 0);
  assert_undo_restores (doc, before, "Accept proposal (all slices)");
  lock_label (doc, 3, FALSE);

  /* Locking "unlabelled" (value 0) protects every empty voxel. */
  {
    PlLabel *clear = pl_label_table_lookup (pel_document_get_label_table (doc), 0);
    PlLabel copy = *clear;
    copy.locked = TRUE;
    pel_document_set_label (doc, &copy);
  }
  g_assert_cmpuint (pel_proposal_count (doc, PEL_ACCEPT_ALL, 0, 0, 0), ==, 0);
  g_assert_cmpuint (pel_proposal_accept (doc, PEL_ACCEPT_ALL, 0, 0, 0), ==, 0);
  g_assert_cmpmem (pel_document_get_labels (doc)->data, pl_labels_n_voxels (before) * 2,
                   before->data, pl_labels_n_voxels (before) * 2);

  /* without a proposal there is nothing to accept */
  pel_document_set_proposal (doc, NULL);
  g_assert_cmpuint (pel_proposal_accept (doc, PEL_ACCEPT_ALL, 0, 0, 0), ==, 0);
}

/* ---- drawing -------------------------------------------------------------- */

static void
test_render (void)
{
  static const gint64 dim[3] = { 5, 5, 1 };
  g_autoptr (PlVolume) v = pl_volume_new (dim, NULL, NULL);
  guint16 labels[25] = { 0 }, proposal[25];
  guint32 lut[65536] = { 0 };
  guint32 px[25];
  PlSliceFrame f;
  PelRenderParams p = { 0 };

  /* grey 0 image; the proposal is value 2 (pure red) everywhere but a
   * painted label 1 (pure green) at voxel (2, 2) */
  for (int i = 0; i < 25; i++)
    proposal[i] = 2;
  labels[2 + 5 * 2] = 1;
  lut[1] = 0xff00ff00u;
  lut[2] = 0xffff0000u;
  pl_slice_frame_init (&f, v, PL_VIEW_AXIAL);
  p.volume = v;
  p.frame = &f;
  p.window = 1.0;
  p.level = 0.5;
  p.labels = labels;
  p.label_lut = lut;
  p.label_opacity = 1.0;
  p.proposal = proposal;
  p.proposal_opacity = 1.0;

  /* fill: red everywhere, the painted voxel stays green */
  pel_render_slice (&p, px, 5 * 4);
  for (int i = 0; i < 25; i++)
    g_assert_cmphex (px[i], ==, i == 12 ? 0xff00ff00u : 0xffff0000u);

  /* outline: the border of the slice and the ring around the painted
   * voxel; the inside between them shows the image */
  p.proposal_outline = TRUE;
  pel_render_slice (&p, px, 5 * 4);
  for (int y = 0; y < 5; y++)
    for (int x = 0; x < 5; x++)
      {
        gboolean edge = x == 0 || y == 0 || x == 4 || y == 4;
        gboolean ring = abs (x - 2) + abs (y - 2) == 1;
        guint32 want = x == 2 && y == 2 ? 0xff00ff00u : edge || ring ? 0xffff0000u : 0xff000000u;
        g_assert_cmphex (px[y * 5 + x], ==, want);
      }

  /* with no labels given, the proposal shows everywhere */
  p.labels = NULL;
  p.proposal_outline = FALSE;
  pel_render_slice (&p, px, 5 * 4);
  g_assert_cmphex (px[12], ==, 0xffff0000u);
}

/* ---- per-slice counts ----------------------------------------------------- */

static void
test_slice_counts (void)
{
  g_autoptr (PelDocument) doc = make_document ();
  PelSliceCounts c;
  PlSliceFrame frame;
  PlBrush brush = { PL_BRUSH_SQUARE, 1, FALSE };
  PlPaintRule rule;
  PlEdit *edit;

  pel_slice_counts_init (&c, 2, NZ);
  /* the first call counts every slice */
  g_assert_cmpint (pel_slice_counts_refresh (&c, doc), ==, NZ);
  g_assert_cmpint (c.counts[0], ==, NX);
  g_assert_cmpint (c.counts[1], ==, NX + 1);
  g_assert_cmpint (c.counts[3], ==, NX);
  /* nothing painted: nothing recounted */
  g_assert_cmpint (pel_slice_counts_refresh (&c, doc), ==, 0);

  /* one voxel on slice 3: only that slice is counted again */
  pl_slice_frame_init (&frame, pel_document_get_volume (doc), PL_VIEW_AXIAL);
  pel_document_init_rule (doc, &rule, 4, PL_PAINT_OVER_ALL, 0);
  edit = pel_document_begin_edit (doc);
  g_assert_cmpuint (pel_document_paint_stamp (doc, edit, &frame, 3, &brush, &rule, 2.5, 2.5), ==, 1);
  pel_document_end_edit (doc, edit, "Paint");
  g_assert_cmpint (pel_slice_counts_refresh (&c, doc), ==, 1);
  g_assert_cmpint (c.counts[3], ==, NX + 1);

  /* undo is a change too */
  g_assert_true (pel_document_undo (doc));
  g_assert_cmpint (pel_slice_counts_refresh (&c, doc), ==, 1);
  g_assert_cmpint (c.counts[3], ==, NX);
  pel_slice_counts_clear (&c);

  /* along i: every slice i holds one row of slice j = 0 across k */
  pel_slice_counts_init (&c, 0, NX);
  pel_slice_counts_refresh (&c, doc);
  g_assert_cmpint (c.counts[0], ==, NZ);
  g_assert_cmpint (c.counts[1], ==, NZ + 1);
  g_assert_cmpint (c.counts[4], ==, NZ + 1);
  pel_slice_counts_clear (&c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/proposal/accept-slice", test_accept_slice);
  g_test_add_func ("/proposal/accept-all-and-class", test_accept_all_and_class);
  g_test_add_func ("/proposal/locks", test_locks);
  g_test_add_func ("/proposal/accept-async", test_accept_async);
  g_test_add_func ("/proposal/render", test_render);
  g_test_add_func ("/proposal/slice-counts", test_slice_counts);
  return g_test_run ();
}
