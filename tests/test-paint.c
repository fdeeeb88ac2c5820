/* Painting geometry: view frames in several stored orientations, strokes,
 * brush shapes, flood fill, paint-over modes and locks. */
#include <string.h>

#include "engine/data/paint.h"

/* A volume whose voxel axes point along the given world axes:
 * axis a moves towards world axis world[a] with sign sign[a]. */
static PlVolume *
oriented_volume (const gint64 dim[3],
                 const int    world[3],
                 const int    sign[3])
{
  double m[4][4] = { { 0 } };

  for (int a = 0; a < 3; a++)
    m[world[a]][a] = sign[a] * (1.0 + 0.5 * a);   /* anisotropic: 1, 1.5, 2 mm */
  m[3][3] = 1.0;
  return pl_volume_new (dim, NULL, m);
}

static const gint64 dim[3] = { 12, 10, 8 };

static void
test_frame_ras (void)
{
  static const int world[3] = { 0, 1, 2 }, sign[3] = { 1, 1, 1 };
  g_autoptr (PlVolume) v = oriented_volume (dim, world, sign);
  PlSliceFrame f;

  /* Axial, radiological: screen left is patient right, i.e. the largest i. */
  pl_slice_frame_init (&f, v, PL_VIEW_AXIAL);
  g_assert_cmpint (f.axis_x, ==, 0);
  g_assert_true (f.flip_x);
  g_assert_cmpint (f.axis_y, ==, 1);
  g_assert_true (f.flip_y);          /* anterior (largest j) at the top */
  g_assert_cmpint (f.axis_n, ==, 2);
  g_assert_cmpint (f.next_slice, ==, 1);
  g_assert_cmpint (f.width, ==, 12);
  g_assert_cmpint (f.height, ==, 10);
  g_assert_cmpfloat_with_epsilon (f.spacing_x, 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (f.spacing_y, 1.5, 1e-12);
  g_assert_cmpint (f.left, ==, 'R');
  g_assert_cmpint (f.right, ==, 'L');
  g_assert_cmpint (f.top, ==, 'A');
  g_assert_cmpint (f.bottom, ==, 'P');

  pl_slice_frame_init (&f, v, PL_VIEW_CORONAL);
  g_assert_cmpint (f.axis_x, ==, 0);
  g_assert_true (f.flip_x);
  g_assert_cmpint (f.axis_y, ==, 2);
  g_assert_true (f.flip_y);          /* superior (largest k) at the top */
  g_assert_cmpint (f.axis_n, ==, 1);
  g_assert_cmpint (f.top, ==, 'S');

  /* Sagittal: anterior on the left, as ITK-SNAP shows it. */
  pl_slice_frame_init (&f, v, PL_VIEW_SAGITTAL);
  g_assert_cmpint (f.axis_x, ==, 1);
  g_assert_true (f.flip_x);
  g_assert_cmpint (f.axis_y, ==, 2);
  g_assert_true (f.flip_y);
  g_assert_cmpint (f.axis_n, ==, 0);
  g_assert_cmpint (f.left, ==, 'A');
}

static void
test_frame_lpi_and_permuted (void)
{
  static const int lpi_world[3] = { 0, 1, 2 }, lpi_sign[3] = { -1, -1, -1 };
  /* "ASL": i -> anterior, j -> superior, k -> left */
  static const int asl_world[3] = { 1, 2, 0 }, asl_sign[3] = { 1, 1, -1 };
  g_autoptr (PlVolume) lpi = oriented_volume (dim, lpi_world, lpi_sign);
  g_autoptr (PlVolume) asl = oriented_volume (dim, asl_world, asl_sign);
  PlSliceFrame f;
  char code[4];

  pl_volume_orientation_code (asl, code);
  g_assert_cmpstr (code, ==, "ASL");

  pl_slice_frame_init (&f, lpi, PL_VIEW_AXIAL);
  g_assert_cmpint (f.axis_x, ==, 0);
  g_assert_false (f.flip_x);         /* i already grows towards the left */
  g_assert_false (f.flip_y);         /* j grows towards posterior */
  g_assert_cmpint (f.next_slice, ==, -1);

  pl_slice_frame_init (&f, asl, PL_VIEW_AXIAL);
  g_assert_cmpint (f.axis_x, ==, 2);
  g_assert_false (f.flip_x);
  g_assert_cmpint (f.axis_y, ==, 0);
  g_assert_true (f.flip_y);
  g_assert_cmpint (f.axis_n, ==, 1);
  g_assert_cmpint (f.next_slice, ==, 1);
  g_assert_cmpint (f.width, ==, dim[2]);
  g_assert_cmpfloat_with_epsilon (f.spacing_x, 2.0, 1e-12);

  pl_slice_frame_init (&f, asl, PL_VIEW_SAGITTAL);
  g_assert_cmpint (f.axis_x, ==, 0);
  g_assert_true (f.flip_x);          /* screen x runs A -> P, i runs P -> A */
  g_assert_cmpint (f.axis_y, ==, 1);
  g_assert_true (f.flip_y);
  g_assert_cmpint (f.axis_n, ==, 2);
  g_assert_cmpint (f.next_slice, ==, -1);   /* towards R is decreasing k */
}

static void
test_frame_round_trip (void)
{
  static const int world[3] = { 2, 0, 1 }, sign[3] = { -1, 1, -1 };
  g_autoptr (PlVolume) v = oriented_volume (dim, world, sign);

  for (PlView view = PL_VIEW_SAGITTAL; view <= PL_VIEW_AXIAL; view++)
    {
      PlSliceFrame f;
      pl_slice_frame_init (&f, v, view);
      for (gint64 y = 0; y < f.height; y++)
        for (gint64 x = 0; x < f.width; x++)
          {
            gint64 ijk[3], bx, by, bs;
            pl_slice_frame_to_voxel (&f, x, y, 3, ijk);
            for (int a = 0; a < 3; a++)
              g_assert_true (ijk[a] >= 0 && ijk[a] < dim[a]);
            pl_slice_frame_from_voxel (&f, ijk, &bx, &by, &bs);
            g_assert_cmpint (bx, ==, x);
            g_assert_cmpint (by, ==, y);
            g_assert_cmpint (bs, ==, 3);
          }
    }
}

/* Expected voxel of slice pixel (x, y) on `slice`, worked out by hand from
 * the radiological convention for each case below. */
typedef void (*ExpectFunc) (gint64 x, gint64 y, gint64 slice, gint64 ijk[3]);

static void
expect_ras_axial (gint64 x, gint64 y, gint64 s, gint64 ijk[3])
{
  ijk[0] = dim[0] - 1 - x; ijk[1] = dim[1] - 1 - y; ijk[2] = s;
}

static void
expect_ras_coronal (gint64 x, gint64 y, gint64 s, gint64 ijk[3])
{
  ijk[0] = dim[0] - 1 - x; ijk[1] = s; ijk[2] = dim[2] - 1 - y;
}

static void
expect_ras_sagittal (gint64 x, gint64 y, gint64 s, gint64 ijk[3])
{
  ijk[0] = s; ijk[1] = dim[1] - 1 - x; ijk[2] = dim[2] - 1 - y;
}

/* ASL: i -> A, j -> S, k -> L.  Axial: screen x towards L is k growing;
 * screen y towards P is i falling. */
static void
expect_asl_axial (gint64 x, gint64 y, gint64 s, gint64 ijk[3])
{
  ijk[0] = dim[0] - 1 - y; ijk[1] = s; ijk[2] = x;
}

static void
expect_asl_coronal (gint64 x, gint64 y, gint64 s, gint64 ijk[3])
{
  ijk[0] = s; ijk[1] = dim[1] - 1 - y; ijk[2] = x;
}

static void
expect_asl_sagittal (gint64 x, gint64 y, gint64 s, gint64 ijk[3])
{
  ijk[0] = dim[0] - 1 - x; ijk[1] = dim[1] - 1 - y; ijk[2] = s;
}

static gsize
index_of (const gint64 ijk[3])
{
  return (gsize) ijk[0] + dim[0] * ((gsize) ijk[1] + dim[1] * (gsize) ijk[2]);
}

/* Paints a size-1 stroke through the given pixel-centre points and checks
 * that exactly the listed pixels, mapped through `expect`, are labelled. */
static void
check_stroke (const PlVolume *v,
              PlView          view,
              ExpectFunc      expect,
              const double    pts[][2],
              guint           n_pts,
              const gint64    want[][2],
              guint           n_want)
{
  g_autoptr (PlLabels) labels = pl_labels_new (v->dim);
  g_autoptr (PlEdit) edit = pl_edit_new (v->dim);
  g_autofree guint8 *expected = g_new0 (guint8, pl_labels_n_voxels (labels));
  PlSliceFrame f;
  PlBrush brush = { PL_BRUSH_ROUND, 1, FALSE };
  PlPaintRule rule;
  gsize changed;
  const gint64 slice = 2;

  pl_slice_frame_init (&f, v, view);
  pl_paint_rule_init (&rule, 7, PL_PAINT_OVER_ALL, 0);
  changed = pl_paint_stamp (labels, &f, slice, &brush, &rule, pts[0][0], pts[0][1], edit);
  for (guint p = 1; p < n_pts; p++)
    changed += pl_paint_line (labels, &f, slice, &brush, &rule,
                              pts[p - 1][0], pts[p - 1][1], pts[p][0], pts[p][1], edit);

  for (guint w = 0; w < n_want; w++)
    {
      gint64 ijk[3];
      expect (want[w][0], want[w][1], slice, ijk);
      expected[index_of (ijk)] = 1;
    }
  for (gsize i = 0; i < pl_labels_n_voxels (labels); i++)
    g_assert_cmpuint (labels->data[i], ==, expected[i] ? 7 : 0);
  g_assert_cmpuint (changed, ==, n_want);
  g_assert_cmpuint (pl_edit_get_n (edit), ==, n_want);
}

static void
test_stroke_each_view (void)
{
  static const int ras_w[3] = { 0, 1, 2 }, ras_s[3] = { 1, 1, 1 };
  static const int asl_w[3] = { 1, 2, 0 }, asl_s[3] = { 1, 1, -1 };
  g_autoptr (PlVolume) ras = oriented_volume (dim, ras_w, ras_s);
  g_autoptr (PlVolume) asl = oriented_volume (dim, asl_w, asl_s);
  /* Horizontal then 45-degree diagonal, given as sub-pixel pointer
   * positions far apart (a fast stroke: two events for 6 pixels). */
  static const double pts[][2] = { { 1.2, 1.7 }, { 5.9, 1.1 }, { 7.5, 3.5 } };
  static const gint64 want[][2] = {
    { 1, 1 }, { 2, 1 }, { 3, 1 }, { 4, 1 }, { 5, 1 }, { 6, 2 }, { 7, 3 },
  };
  struct { const PlVolume *v; PlView view; ExpectFunc f; } cases[] = {
    { ras, PL_VIEW_AXIAL, expect_ras_axial },
    { ras, PL_VIEW_CORONAL, expect_ras_coronal },
    { ras, PL_VIEW_SAGITTAL, expect_ras_sagittal },
    { asl, PL_VIEW_AXIAL, expect_asl_axial },
    { asl, PL_VIEW_CORONAL, expect_asl_coronal },
    { asl, PL_VIEW_SAGITTAL, expect_asl_sagittal },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    check_stroke (cases[c].v, cases[c].view, cases[c].f,
                  pts, G_N_ELEMENTS (pts), want, G_N_ELEMENTS (want));
}

/* Size of the 8-connected component of non-zero pixels containing seed. */
static gsize
count_connected8 (const guint16 *data, gint64 w, gsize seed)
{
  g_autofree guint8 *seen = g_new0 (guint8, w * w);
  g_autoptr (GArray) stack = g_array_new (FALSE, FALSE, sizeof (gsize));
  gsize n = 0;

  g_array_append_val (stack, seed);
  seen[seed] = 1;
  while (stack->len > 0)
    {
      gsize p = g_array_index (stack, gsize, stack->len - 1);
      gint64 x = p % w, y = p / w;
      g_array_set_size (stack, stack->len - 1);
      n++;
      for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++)
          {
            gsize q;
            if (x + dx < 0 || x + dx >= w || y + dy < 0 || y + dy >= w)
              continue;
            q = (x + dx) + w * (y + dy);
            if (data[q] && !seen[q])
              {
                seen[q] = 1;
                g_array_append_val (stack, q);
              }
          }
    }
  return n;
}

/* Any stroke: 8-connected, covers both ends, one pixel per major step. */
static void
test_stroke_connected (void)
{
  static const gint64 big[3] = { 64, 64, 1 };
  g_autoptr (PlVolume) v = pl_volume_new (big, NULL, NULL);
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  PlSliceFrame f;
  PlBrush brush = { PL_BRUSH_ROUND, 1, FALSE };
  PlPaintRule rule;

  pl_slice_frame_init (&f, v, PL_VIEW_AXIAL);
  pl_paint_rule_init (&rule, 1, PL_PAINT_OVER_ALL, 0);
  for (int trial = 0; trial < 200; trial++)
    {
      g_autoptr (PlLabels) labels = pl_labels_new (big);
      double x0 = g_rand_double_range (rand, 0, 64), y0 = g_rand_double_range (rand, 0, 64);
      double x1 = g_rand_double_range (rand, 0, 64), y1 = g_rand_double_range (rand, 0, 64);
      gint64 ax = (gint64) x0, ay = (gint64) y0, bx = (gint64) x1, by = (gint64) y1;
      gsize n;
      gint64 ijk[3];

      n = pl_paint_stamp (labels, &f, 0, &brush, &rule, x0, y0, NULL);
      n += pl_paint_line (labels, &f, 0, &brush, &rule, x0, y0, x1, y1, NULL);
      g_assert_cmpuint (n, ==, MAX (ABS (bx - ax), ABS (by - ay)) + 1);
      pl_slice_frame_to_voxel (&f, ax, ay, 0, ijk);
      g_assert_cmpuint (labels->data[ijk[0] + 64 * ijk[1]], ==, 1);
      pl_slice_frame_to_voxel (&f, bx, by, 0, ijk);
      g_assert_cmpuint (labels->data[ijk[0] + 64 * ijk[1]], ==, 1);
      g_assert_cmpuint (count_connected8 (labels->data, 64, ijk[0] + 64 * ijk[1]), ==, n);
    }
}

static gsize
count_label (const PlLabels *labels, guint16 value)
{
  gsize n = 0;
  for (gsize i = 0; i < pl_labels_n_voxels (labels); i++)
    n += labels->data[i] == value;
  return n;
}

static void
test_brush_shapes (void)
{
  static const gint64 cube[3] = { 21, 21, 21 };
  g_autoptr (PlVolume) v = pl_volume_new (cube, NULL, NULL);
  PlSliceFrame f;
  PlPaintRule rule;
  struct { PlBrushShape shape; int size; gboolean solid; gsize n; } cases[] = {
    { PL_BRUSH_ROUND, 1, FALSE, 1 },
    { PL_BRUSH_ROUND, 2, FALSE, 4 },
    { PL_BRUSH_ROUND, 3, FALSE, 9 },
    { PL_BRUSH_ROUND, 4, FALSE, 12 },     /* 4x4 without its corners */
    { PL_BRUSH_ROUND, 5, FALSE, 21 },     /* 5x5 without its corners */
    { PL_BRUSH_SQUARE, 4, FALSE, 16 },
    { PL_BRUSH_SQUARE, 5, FALSE, 25 },
    { PL_BRUSH_ROUND, 3, TRUE, 9 + 5 + 5 },
    { PL_BRUSH_SQUARE, 3, TRUE, 27 },
    { PL_BRUSH_SQUARE, 5, TRUE, 125 },
  };

  pl_slice_frame_init (&f, v, PL_VIEW_CORONAL);
  pl_paint_rule_init (&rule, 3, PL_PAINT_OVER_ALL, 0);
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr (PlLabels) labels = pl_labels_new (cube);
      PlBrush brush = { cases[c].shape, cases[c].size, cases[c].solid };
      gsize n = pl_paint_stamp (labels, &f, 10, &brush, &rule, 10.3, 10.6, NULL);
      g_assert_cmpuint (n, ==, cases[c].n);
      g_assert_cmpuint (count_label (labels, 3), ==, cases[c].n);
    }

  /* Clipped at the volume's corner: a 5x5 square at pixel (0, 0) keeps 3x3. */
  {
    g_autoptr (PlLabels) labels = pl_labels_new (cube);
    PlBrush brush = { PL_BRUSH_SQUARE, 5, FALSE };
    g_assert_cmpuint (pl_paint_stamp (labels, &f, 0, &brush, &rule, 0.5, 0.5, NULL), ==, 9);
  }
  /* Snapping: even sizes centre on the nearest voxel corner. */
  {
    PlBrush brush = { PL_BRUSH_ROUND, 2, FALSE };
    double cx, cy;
    pl_brush_snap (&brush, 3.7, 3.2, &cx, &cy);
    g_assert_cmpfloat (cx, ==, 4.0);
    g_assert_cmpfloat (cy, ==, 3.0);
    brush.size = 3;
    pl_brush_snap (&brush, 3.7, 3.2, &cx, &cy);
    g_assert_cmpfloat (cx, ==, 3.5);
    g_assert_cmpfloat (cy, ==, 3.5);
  }
}

static void
test_fill_tolerance (void)
{
  static const gint64 d[3] = { 16, 12, 3 };
  g_autoptr (PlVolume) v = pl_volume_new (d, NULL, NULL);
  g_autoptr (PlLabels) labels = pl_labels_new (d);
  g_autoptr (GRand) rand = g_rand_new_with_seed (3);
  PlSliceFrame f;
  PlPaintRule rule;
  gsize n;

  /* Slice pixel x < 6: 100 +- 5; x >= 6: 200 +- 5 (axial, slice 1). */
  pl_slice_frame_init (&f, v, PL_VIEW_AXIAL);
  for (gint64 s = 0; s < 3; s++)
    for (gint64 y = 0; y < f.height; y++)
      for (gint64 x = 0; x < f.width; x++)
        {
          gint64 ijk[3];
          pl_slice_frame_to_voxel (&f, x, y, s, ijk);
          v->data[ijk[0] + d[0] * (ijk[1] + d[1] * ijk[2])] =
            (x < 6 ? 100.0f : 200.0f) + (float) g_rand_double_range (rand, -5, 5);
        }

  pl_paint_rule_init (&rule, 2, PL_PAINT_OVER_ALL, 0);
  n = pl_paint_fill (labels, v, &f, 1, 2, 3, 12.0, &rule, NULL);
  g_assert_cmpuint (n, ==, 6 * 12);
  for (gint64 y = 0; y < f.height; y++)
    for (gint64 x = 0; x < f.width; x++)
      {
        gint64 ijk[3];
        pl_slice_frame_to_voxel (&f, x, y, 1, ijk);
        g_assert_cmpuint (labels->data[ijk[0] + d[0] * (ijk[1] + d[1] * ijk[2])], ==, x < 6 ? 2 : 0);
      }
  /* Other slices untouched: the fill is 2-D. */
  g_assert_cmpuint (count_label (labels, 2), ==, 6 * 12);

  /* A wide tolerance spreads over the unlabelled rest of the slice only:
   * the region is bounded by the seed's label. */
  pl_paint_rule_init (&rule, 4, PL_PAINT_OVER_ALL, 0);
  n = pl_paint_fill (labels, v, &f, 1, 10, 3, 1000.0, &rule, NULL);
  g_assert_cmpuint (n, ==, 10 * 12);
  g_assert_cmpuint (count_label (labels, 2), ==, 6 * 12);
}

static void
test_fill_inside_outline (void)
{
  static const gint64 d[3] = { 10, 10, 1 };
  g_autoptr (PlVolume) v = pl_volume_new (d, NULL, NULL);
  g_autoptr (PlLabels) labels = pl_labels_new (d);
  PlSliceFrame f;
  PlPaintRule rule;

  /* A square ring of label 5 from pixel 2 to 7; fill its inside with 6. */
  pl_slice_frame_init (&f, v, PL_VIEW_AXIAL);
  for (gint64 y = 2; y <= 7; y++)
    for (gint64 x = 2; x <= 7; x++)
      if (x == 2 || x == 7 || y == 2 || y == 7)
        {
          gint64 ijk[3];
          pl_slice_frame_to_voxel (&f, x, y, 0, ijk);
          labels->data[ijk[0] + 10 * ijk[1]] = 5;
        }
  pl_paint_rule_init (&rule, 6, PL_PAINT_OVER_ALL, 0);
  g_assert_cmpuint (pl_paint_fill (labels, v, &f, 0, 4, 4, -1.0, &rule, NULL), ==, 16);
  g_assert_cmpuint (count_label (labels, 5), ==, 20);
  g_assert_cmpuint (count_label (labels, 0), ==, 100 - 36);
  /* Outside the ring the 4-connected background reaches every border pixel. */
  g_assert_cmpuint (pl_paint_fill (labels, v, &f, 0, 0, 0, -1.0, &rule, NULL), ==, 64);
}

static void
test_paint_over_and_locks (void)
{
  static const gint64 d[3] = { 9, 1, 1 };
  g_autoptr (PlVolume) v = pl_volume_new (d, NULL, NULL);
  static const guint16 start[9] = { 0, 1, 2, 3, 0, 1, 2, 3, 0 };
  PlSliceFrame f;
  PlBrush brush = { PL_BRUSH_SQUARE, 9, FALSE };
  struct { PlPaintOver over; guint16 over_label; guint16 value; guint16 lock; guint16 want[9]; } cases[] = {
    { PL_PAINT_OVER_ALL, 0, 5, 0xffff, { 5, 5, 5, 5, 5, 5, 5, 5, 5 } },
    { PL_PAINT_OVER_ALL, 0, 5, 2, { 5, 5, 2, 5, 5, 5, 2, 5, 5 } },
    { PL_PAINT_OVER_UNLABELLED, 0, 5, 0xffff, { 5, 1, 2, 3, 5, 1, 2, 3, 5 } },
    { PL_PAINT_OVER_LABEL, 3, 5, 0xffff, { 0, 1, 2, 5, 0, 1, 2, 5, 0 } },
    { PL_PAINT_OVER_LABEL, 3, 5, 3, { 0, 1, 2, 3, 0, 1, 2, 3, 0 } },
    /* the eraser writes 0 under the same rules */
    { PL_PAINT_OVER_ALL, 0, 0, 1, { 0, 1, 0, 0, 0, 1, 0, 0, 0 } },
    { PL_PAINT_OVER_LABEL, 2, 0, 0xffff, { 0, 1, 0, 3, 0, 1, 0, 3, 0 } },
    /* locking the clear label protects unlabelled voxels */
    { PL_PAINT_OVER_ALL, 0, 4, 0, { 0, 4, 4, 4, 0, 4, 4, 4, 0 } },
  };

  pl_slice_frame_init (&f, v, PL_VIEW_CORONAL);
  g_assert_cmpint (f.width, ==, 9);
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr (PlLabels) labels = pl_labels_new (d);
      g_autoptr (PlEdit) edit = pl_edit_new (d);
      PlPaintRule rule;
      gsize expect_changed = 0;

      memcpy (labels->data, start, sizeof start);
      pl_paint_rule_init (&rule, cases[c].value, cases[c].over, cases[c].over_label);
      if (cases[c].lock != 0xffff)
        pl_paint_rule_set_locked (&rule, cases[c].lock, TRUE);
      /* screen x runs R -> L, i.e. i falling: centre pixel 4 is i = 4 */
      pl_paint_stamp (labels, &f, 0, &brush, &rule, 4.5, 0.5, edit);
      for (int i = 0; i < 9; i++)
        {
          g_assert_cmpuint (labels->data[i], ==, cases[c].want[i]);
          expect_changed += start[i] != cases[c].want[i];
        }
      g_assert_cmpuint (pl_edit_get_n (edit), ==, expect_changed);
      pl_edit_revert (edit, labels->data);
      g_assert_cmpmem (labels->data, sizeof start, start, sizeof start);
    }
}


/* Merging a proposal: only unlabelled voxels are filled, locked values are
 * never written, a locked 0 keeps everything; per slice, class and all. */
static void
test_merge_proposal (void)
{
  const gint64 dim[3] = { 4, 3, 2 };
  g_autoptr (PlLabels) labels = pl_labels_new (dim);
  g_autoptr (PlLabels) proposal = pl_labels_new (dim);
  g_autoptr (PlLabels) out = NULL;
  g_autofree PlPaintRule *rule = g_new (PlPaintRule, 1);
  gsize n = pl_labels_n_voxels (labels);
  gsize filled;

  /* proposal: 1 on the left half, 2 on the right, 0 on the last column */
  for (gsize v = 0; v < n; v++)
    proposal->data[v] = v % 4 == 3 ? 0 : v % 4 < 2 ? 1 : 2;
  labels->data[0] = 3;     /* painted: kept */
  labels->data[6] = 2;     /* painted as the proposal says: kept, not counted */
  pl_paint_rule_init (rule, 0, PL_PAINT_OVER_UNLABELLED, 0);

  /* all: every unlabelled voxel with a non-zero proposal */
  out = pl_labels_copy (labels);
  filled = pl_paint_merge (labels, proposal, rule, PL_MERGE_ALL, 0, 0, 0, out->data);
  g_assert_cmpuint (filled, ==, 18 - 2);
  g_assert_cmpuint (out->data[0], ==, 3);
  g_assert_cmpuint (out->data[6], ==, 2);
  g_assert_cmpuint (out->data[1], ==, 1);
  g_assert_cmpuint (out->data[2], ==, 2);
  g_assert_cmpuint (out->data[3], ==, 0);
  /* counting only gives the same number and writes nothing */
  g_assert_cmpuint (pl_paint_merge (labels, proposal, rule, PL_MERGE_ALL, 0, 0, 0, NULL), ==, filled);
  g_assert_cmpuint (labels->data[1], ==, 0);

  /* one class */
  g_assert_cmpuint (pl_paint_merge (labels, proposal, rule, PL_MERGE_CLASS, 0, 0, 2, NULL), ==, 6 - 1);

  /* one slice along z (12 voxels, 9 proposed, 2 painted) and along x */
  g_assert_cmpuint (pl_paint_merge (labels, proposal, rule, PL_MERGE_SLICE, 2, 0, 0, NULL), ==, 9 - 2);
  g_assert_cmpuint (pl_paint_merge (labels, proposal, rule, PL_MERGE_SLICE, 0, 1, 0, NULL), ==, 6);
  g_assert_cmpuint (pl_paint_merge (labels, proposal, rule, PL_MERGE_SLICE, 0, 3, 0, NULL), ==, 0);
  g_assert_cmpuint (pl_paint_merge (labels, proposal, rule, PL_MERGE_SLICE, 2, 5, 0, NULL), ==, 0);

  /* a locked class is not added; a locked 0 keeps every voxel */
  pl_paint_rule_set_locked (rule, 2, TRUE);
  g_assert_cmpuint (pl_paint_merge (labels, proposal, rule, PL_MERGE_ALL, 0, 0, 0, NULL), ==, 12 - 1);
  pl_paint_rule_set_locked (rule, 0, TRUE);
  g_assert_cmpuint (pl_paint_merge (labels, proposal, rule, PL_MERGE_ALL, 0, 0, 0, NULL), ==, 0);

  /* another grid: nothing */
  {
    const gint64 other[3] = { 4, 3, 3 };
    g_autoptr (PlLabels) big = pl_labels_new (other);
    pl_paint_rule_set_locked (rule, 0, FALSE);
    g_assert_cmpuint (pl_paint_merge (labels, big, rule, PL_MERGE_ALL, 0, 0, 0, NULL), ==, 0);
  }
}


/* Merging in place (pl_paint_merge_apply) gives the map pl_paint_merge
 * writes, in one range or several, for every scope, and its edit undoes
 * to the map before. */
static void
test_merge_apply_in_place (void)
{
  const gint64 dim[3] = { 47, 41, 23 };   /* over one block of the merge */
  g_autoptr (PlLabels) labels = pl_labels_new (dim);
  g_autoptr (PlLabels) proposal = pl_labels_new (dim);
  g_autofree PlPaintRule *rule = g_new (PlPaintRule, 1);
  gsize n = pl_labels_n_voxels (labels);
  GRand *rng = g_rand_new_with_seed (7);
  const struct { PlMergeScope scope; int axis; gint64 slice; guint16 value; } cases[] = {
    { PL_MERGE_ALL, 0, 0, 0 }, { PL_MERGE_CLASS, 0, 0, 2 },
    { PL_MERGE_SLICE, 0, 11, 0 }, { PL_MERGE_SLICE, 1, 3, 0 }, { PL_MERGE_SLICE, 2, 22, 0 },
  };

  g_assert_cmpuint (n, >, 1 << 15);
  for (gsize v = 0; v < n; v++)
    {
      /* runs of equal values, as a segmentation has, and painted spots */
      proposal->data[v] = (guint16) ((v / 97) % 4);
      labels->data[v] = g_rand_int_range (rng, 0, 10) == 0 ? (guint16) g_rand_int_range (rng, 1, 4) : 0;
    }
  pl_paint_rule_init (rule, 0, PL_PAINT_OVER_UNLABELLED, 0);
  pl_paint_rule_set_locked (rule, 3, TRUE);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    for (int parts = 1; parts <= 3; parts++)
      {
        g_autoptr (PlLabels) want = pl_labels_copy (labels);
        g_autoptr (PlLabels) got = pl_labels_copy (labels);
        PlEdit *edit = pl_edit_new (dim);
        gsize expected, filled = 0;

        expected = pl_paint_merge (labels, proposal, rule, cases[c].scope, cases[c].axis, cases[c].slice,
                                   cases[c].value, want->data);
        for (int k = 0; k < parts; k++)
          filled += pl_paint_merge_apply (got, proposal, rule, cases[c].scope, cases[c].axis, cases[c].slice,
                                          cases[c].value, n * k / parts, n * (k + 1) / parts, edit);
        g_assert_cmpuint (expected, >, 0);
        g_assert_cmpuint (filled, ==, expected);
        g_assert_cmpuint (pl_edit_get_n (edit), ==, expected);
        g_assert_cmpmem (got->data, n * 2, want->data, n * 2);
        pl_edit_revert (edit, got->data);
        g_assert_cmpmem (got->data, n * 2, labels->data, n * 2);
        pl_edit_free (edit);

        /* planned (nothing written), then carried out after a stroke
         * painted some voxels meanwhile: those keep the stroke */
        {
          g_autoptr (PlLabels) painted = pl_labels_copy (labels);
          PlEdit *plan = pl_edit_new (dim), *applied = pl_edit_new (dim);
          gsize planned = 0, stroked = 0;

          for (int k = 0; k < parts; k++)
            planned += pl_paint_merge_plan (labels, proposal, rule, cases[c].scope, cases[c].axis,
                                            cases[c].slice, cases[c].value, n * k / parts, n * (k + 1) / parts,
                                            plan);
          g_assert_cmpuint (planned, ==, expected);
          g_assert_cmpmem (got->data, n * 2, labels->data, n * 2);   /* untouched */
          for (gsize v = 0; v < n; v += 53)
            if (want->data[v] != labels->data[v])
              {
                painted->data[v] = want->data[v] = 5;
                stroked++;
              }
          g_assert_cmpuint (stroked, >, 0);
          {
            g_autoptr (PlLabels) before = pl_labels_copy (painted);
            g_assert_cmpuint (pl_edit_apply_planned (applied, painted->data, plan), ==, expected - stroked);
            g_assert_cmpmem (painted->data, n * 2, want->data, n * 2);
            g_assert_cmpuint (pl_edit_get_n (applied), ==, expected - stroked);
            pl_edit_revert (applied, painted->data);
            g_assert_cmpmem (painted->data, n * 2, before->data, n * 2);
          }
          pl_edit_free (plan);
          pl_edit_free (applied);
        }
      }
  g_rand_free (rng);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/paint/frame/ras", test_frame_ras);
  g_test_add_func ("/paint/frame/lpi-and-permuted", test_frame_lpi_and_permuted);
  g_test_add_func ("/paint/frame/round-trip", test_frame_round_trip);
  g_test_add_func ("/paint/stroke/each-view", test_stroke_each_view);
  g_test_add_func ("/paint/stroke/connected", test_stroke_connected);
  g_test_add_func ("/paint/brush/shapes", test_brush_shapes);
  g_test_add_func ("/paint/fill/tolerance", test_fill_tolerance);
  g_test_add_func ("/paint/fill/inside-outline", test_fill_inside_outline);
  g_test_add_func ("/paint/paint-over-and-locks", test_paint_over_and_locks);
  g_test_add_func ("/paint/merge-proposal", test_merge_proposal);
  g_test_add_func ("/paint/merge-apply-in-place", test_merge_apply_in_place);
  return g_test_run ();
}
