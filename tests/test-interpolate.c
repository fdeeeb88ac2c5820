/* Slice interpolation: the distance transform against brute force, exact
 * and near-exact shapes, a two-label phantom with every 4th slice kept,
 * locked labels, the label filter, one undo step that restores exactly. */
#include <math.h>
#include <string.h>

#include "engine/core/error.h"
#include "engine/data/interpolate.h"
#include "engine/data/metrics.h"

static void
test_edt_brute_force (void)
{
  const int h = 13, w = 17;
  const double sy = 1.5, sx = 0.75;
  GRand *rand = g_rand_new_with_seed (3);
  float *f = g_new (float, h * w);
  gboolean *feat = g_new (gboolean, h * w);

  for (int i = 0; i < h * w; i++)
    {
      feat[i] = g_rand_int_range (rand, 0, 9) == 0;
      f[i] = feat[i] ? 0.0f : 1e20f;
    }
  feat[5 * w + 6] = TRUE;
  f[5 * w + 6] = 0.0f;
  pl_edt_2d (f, h, w, sy, sx);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        double best = G_MAXDOUBLE;
        for (int q = 0; q < h * w; q++)
          if (feat[q])
            {
              double dy = (y - q / w) * sy, dx = (x - q % w) * sx;
              best = MIN (best, dy * dy + dx * dx);
            }
        g_assert_cmpfloat_with_epsilon (f[y * w + x], best, 1e-4 * (1 + best));
      }
  g_free (f);
  g_free (feat);
  g_rand_free (rand);
}

static void
paint_disc (PlLabels *l, gint64 k, double cx, double cy, double r, guint16 v)
{
  for (gint64 j = 0; j < l->dim[1]; j++)
    for (gint64 i = 0; i < l->dim[0]; i++)
      if ((i - cx) * (i - cx) + (j - cy) * (j - cy) <= r * r)
        l->data[i + l->dim[0] * (j + l->dim[1] * k)] = v;
}

/* Dice of label v between two maps over slice k only. */
static double
slice_dice (const PlLabels *a, const PlLabels *b, gint64 k, guint16 v)
{
  gsize plane = (gsize) a->dim[0] * a->dim[1];
  double d;
  pl_dice_per_value (a->data + k * plane, b->data + k * plane, plane, NULL, &v, 1, &d);
  return d;
}

static void
test_identical_and_growing_discs (void)
{
  const gint64 dim[3] = { 32, 30, 12 };
  g_autoptr (PlLabels) l = pl_labels_new (dim);
  g_autoptr (PlLabels) truth = pl_labels_new (dim);
  PlInterpolateOptions opt;
  PlInterpolateStats st;
  g_autoptr (GError) error = NULL;

  /* The same disc on slices 1 and 5: every slice between is that disc. */
  paint_disc (l, 1, 10, 12, 5.5, 1);
  paint_disc (l, 5, 10, 12, 5.5, 1);
  /* Concentric discs of radius 3 and 9 on slices 6 and 11: radius grows
   * linearly between them. */
  paint_disc (l, 6, 20, 15, 3, 2);
  paint_disc (l, 11, 20, 15, 9, 2);
  for (gint64 k = 1; k <= 5; k++)
    paint_disc (truth, k, 10, 12, 5.5, 1);
  for (gint64 k = 6; k <= 11; k++)
    paint_disc (truth, k, 20, 15, 3 + 6.0 * (k - 6) / 5.0, 2);

  pl_interpolate_options_init (&opt, 2);
  g_assert_true (pl_interpolate_slices (l, &opt, NULL, &st, &error));
  g_assert_no_error (error);
  g_assert_cmpint (st.n_labels, ==, 2);
  g_assert_cmpint (st.n_slices_filled, ==, 3 + 4);
  for (gint64 k = 2; k <= 4; k++)
    g_assert_cmpfloat (slice_dice (l, truth, k, 1), ==, 1.0);
  for (gint64 k = 7; k <= 10; k++)
    g_assert_cmpfloat (slice_dice (l, truth, k, 2), >=, 0.93);
  /* Outside the key slices nothing appears. */
  g_assert_cmpint (l->data[10 + 32 * (12 + 30 * 0)], ==, 0);
}

/* An ellipsoid (1) and a tilted box (2) in a 40×36×33 volume. */
static PlLabels *
make_phantom (void)
{
  const gint64 dim[3] = { 40, 36, 33 };
  PlLabels *l = pl_labels_new (dim);
  for (gint64 k = 0; k < dim[2]; k++)
    for (gint64 j = 0; j < dim[1]; j++)
      for (gint64 i = 0; i < dim[0]; i++)
        {
          double x = (i - 15.0) / 10.0, y = (j - 18.0) / 12.0, z = (k - 16.0) / 14.0;
          gsize idx = i + dim[0] * (j + dim[1] * k);
          if (x * x + y * y + z * z <= 1.0)
            l->data[idx] = 1;
          else if (i >= 28 + k / 6 && i <= 36 && j >= 6 && j <= 26 - k / 4 && k >= 4 && k <= 29)
            l->data[idx] = 2;
        }
  return l;
}

/* Keeps slices k ≡ 0 (mod every) along axis 2 (plus the last one). */
static PlLabels *
keep_every (const PlLabels *truth, int every)
{
  PlLabels *l = pl_labels_copy (truth);
  gsize plane = (gsize) l->dim[0] * l->dim[1];
  for (gint64 k = 0; k < l->dim[2]; k++)
    if (k % every != 0 && k != l->dim[2] - 1)
      memset (l->data + k * plane, 0, plane * sizeof (guint16));
  return l;
}

static void
test_phantom_dice_and_undo (void)
{
  g_autoptr (PlLabels) truth = make_phantom ();
  g_autoptr (PlLabels) sparse = keep_every (truth, 4);
  g_autoptr (PlLabels) l = pl_labels_copy (sparse);
  g_autoptr (PlUndo) undo = pl_undo_new (64 << 20);
  g_autoptr (PlLabels) after = NULL;
  PlEdit *edit = pl_edit_new (l->dim);
  PlInterpolateOptions opt;
  PlInterpolateStats st;
  gsize n = pl_labels_n_voxels (l), changed = 0;
  const guint16 values[2] = { 1, 2 };
  double dice[2];
  g_autofree guint8 *skip = g_new0 (guint8, n);
  gsize plane = (gsize) l->dim[0] * l->dim[1];

  pl_interpolate_options_init (&opt, 2);
  g_assert_true (pl_interpolate_slices (l, &opt, edit, &st, NULL));
  g_assert_cmpuint (pl_edit_get_n (edit), ==, st.n_changed);
  for (gsize i = 0; i < n; i++)
    {
      if (l->data[i] != sparse->data[i])
        {
          g_assert_cmpint (sparse->data[i], ==, 0);   /* only unlabelled voxels */
          changed++;
        }
    }
  g_assert_cmpuint (changed, ==, st.n_changed);
  /* Dice over the interpolated slices only. */
  for (gint64 k = 0; k < l->dim[2]; k++)
    if (k % 4 == 0 || k == l->dim[2] - 1)
      memset (skip + k * plane, 1, plane);
  pl_dice_per_value (l->data, truth->data, n, skip, values, 2, dice);
  g_test_message ("phantom, every 4th slice: Dice %.4f %.4f", dice[0], dice[1]);
  g_assert_cmpfloat (dice[0], >=, 0.95);
  g_assert_cmpfloat (dice[1], >=, 0.93);

  /* One undo step restores the painted slices exactly; redo the result. */
  after = pl_labels_copy (l);
  g_assert_true (pl_undo_push (undo, "Interpolate", edit));
  g_assert_cmpuint (pl_undo_get_n_undo (undo), ==, 1);
  g_assert_true (pl_undo_undo (undo, l->data, NULL));
  g_assert_cmpmem (l->data, n * 2, sparse->data, n * 2);
  g_assert_false (pl_undo_can_undo (undo));
  g_assert_true (pl_undo_redo (undo, l->data, NULL));
  g_assert_cmpmem (l->data, n * 2, after->data, n * 2);

  /* A second run finds nothing left to fill. */
  g_assert_true (pl_interpolate_slices (l, &opt, NULL, &st, NULL));
  g_assert_cmpuint (st.n_changed, ==, 0);
}

static void
test_locked_and_filter (void)
{
  const gint64 dim[3] = { 24, 24, 9 };
  g_autoptr (PlLabels) l = pl_labels_new (dim);
  g_autoptr (PlLabels) base = NULL;
  PlInterpolateOptions opt;
  PlInterpolateStats st;
  PlPaintRule rule;
  gsize at = 12 + 24 * (12 + 24 * 4);   /* centre of slice 4 */

  paint_disc (l, 0, 12, 12, 6, 1);
  paint_disc (l, 8, 12, 12, 6, 1);
  paint_disc (l, 0, 3, 3, 2, 2);
  paint_disc (l, 8, 3, 3, 2, 2);
  paint_disc (l, 4, 12, 12, 2, 3);    /* another label in the middle slice */
  base = pl_labels_copy (l);

  /* Only label 2: label 1 stays on its key slices. */
  pl_interpolate_options_init (&opt, 2);
  {
    const guint16 only[1] = { 2 };
    opt.only = only;
    opt.n_only = 1;
    g_assert_true (pl_interpolate_slices (l, &opt, NULL, &st, NULL));
    g_assert_cmpint (st.n_labels, ==, 1);
    g_assert_cmpint (l->data[3 + 24 * (3 + 24 * 4)], ==, 2);
    g_assert_cmpint (l->data[12 + 24 * (7 + 24 * 4)], ==, 0);
  }

  /* Paint over all: label 3 (unlocked) is replaced by 1 ... */
  memcpy (l->data, base->data, pl_labels_n_voxels (l) * 2);
  pl_interpolate_options_init (&opt, 2);
  opt.over = PL_PAINT_OVER_ALL;
  g_assert_true (pl_interpolate_slices (l, &opt, NULL, &st, NULL));
  g_assert_cmpint (l->data[at], ==, 1);

  /* ... but a locked label never is, and neither in the default mode. */
  memcpy (l->data, base->data, pl_labels_n_voxels (l) * 2);
  pl_paint_rule_init (&rule, 1, PL_PAINT_OVER_ALL, 0);
  pl_paint_rule_set_locked (&rule, 3, TRUE);
  opt.locked = rule.locked;
  g_assert_true (pl_interpolate_slices (l, &opt, NULL, &st, NULL));
  g_assert_cmpint (l->data[at], ==, 3);
  g_assert_cmpint (l->data[12 + 24 * (7 + 24 * 4)], ==, 1);
  memcpy (l->data, base->data, pl_labels_n_voxels (l) * 2);
  pl_interpolate_options_init (&opt, 2);
  g_assert_true (pl_interpolate_slices (l, &opt, NULL, &st, NULL));
  g_assert_cmpint (l->data[at], ==, 3);

  /* Locking label 0 (clear) forbids every change. */
  memcpy (l->data, base->data, pl_labels_n_voxels (l) * 2);
  pl_paint_rule_set_locked (&rule, 0, TRUE);
  opt.locked = rule.locked;
  g_assert_true (pl_interpolate_slices (l, &opt, NULL, &st, NULL));
  g_assert_cmpuint (st.n_changed, ==, 0);
  g_assert_cmpmem (l->data, pl_labels_n_voxels (l) * 2, base->data, pl_labels_n_voxels (l) * 2);

  /* Along another axis: key slices i = 0 and 8 of a bar along i. */
  {
    const gint64 d2[3] = { 9, 10, 10 };
    g_autoptr (PlLabels) m = pl_labels_new (d2);
    for (gint64 k = 3; k <= 6; k++)
      for (gint64 j = 2; j <= 5; j++)
        {
          m->data[0 + 9 * (j + 10 * k)] = 5;
          m->data[8 + 9 * (j + 10 * k)] = 5;
        }
    pl_interpolate_options_init (&opt, 0);
    g_assert_true (pl_interpolate_slices (m, &opt, NULL, &st, NULL));
    g_assert_cmpuint (st.n_changed, ==, 7 * 16);
    g_assert_cmpint (m->data[4 + 9 * (3 + 10 * 5)], ==, 5);
  }
}

static void
test_bad_arguments (void)
{
  const gint64 dim[3] = { 8, 8, 8 };
  g_autoptr (PlLabels) l = pl_labels_new (dim);
  PlInterpolateOptions opt;
  g_autoptr (GError) error = NULL;
  const guint16 only[2] = { 1, 0 };

  pl_interpolate_options_init (&opt, 3);
  g_assert_false (pl_interpolate_slices (l, &opt, NULL, NULL, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID);
  g_clear_error (&error);
  pl_interpolate_options_init (&opt, 1);
  opt.only = only;
  opt.n_only = 2;
  g_assert_false (pl_interpolate_slices (l, &opt, NULL, NULL, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "label 0"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/interpolate/edt-brute-force", test_edt_brute_force);
  g_test_add_func ("/interpolate/discs", test_identical_and_growing_discs);
  g_test_add_func ("/interpolate/phantom-dice-undo", test_phantom_dice_and_undo);
  g_test_add_func ("/interpolate/locked-and-filter", test_locked_and_filter);
  g_test_add_func ("/interpolate/bad-arguments", test_bad_arguments);
  return g_test_run ();
}
