/* Slice rendering: window/level, the radiological orientation on screen for
 * stored orientations, and the label, proposal and heat-map layers. */
#include <string.h>

#include "src/pel-render.h"

static PlVolume *
volume_with (const gint64 dim[3],
             double       sign_i,
             double       sign_j,
             double       sign_k)
{
  double m[4][4] = { { sign_i, 0, 0, 0 }, { 0, sign_j, 0, 0 }, { 0, 0, sign_k, 0 }, { 0, 0, 0, 1 } };
  return pl_volume_new (dim, NULL, m);
}

static guint32 *
render (const PelRenderParams *p)
{
  guint32 *px = g_new0 (guint32, p->frame->width * p->frame->height);
  pel_render_slice (p, px, (int) (p->frame->width * 4));
  return px;
}

static guint
red (guint32 c)
{
  return (c >> 16) & 0xff;
}

static void
test_window_level (void)
{
  static const gint64 dim[3] = { 3, 1, 1 };
  g_autoptr (PlVolume) v = volume_with (dim, 1, 1, 1);
  PlSliceFrame f;
  PelRenderParams p = { 0 };
  g_autofree guint32 *px = NULL;

  /* axial, radiological: screen x runs R -> L, so voxel i=2 is on the left */
  v->data[0] = 0.0f;
  v->data[1] = 50.0f;
  v->data[2] = 100.0f;
  pl_slice_frame_init (&f, v, PL_VIEW_AXIAL);
  p.volume = v;
  p.frame = &f;
  p.window = 100.0;
  p.level = 50.0;
  px = render (&p);
  g_assert_cmphex (px[0], ==, 0xffffffff);
  g_assert_cmphex (px[1], ==, 0xff808080);
  g_assert_cmphex (px[2], ==, 0xff000000);

  /* values outside the window clip */
  p.window = 20.0;
  p.level = 50.0;
  g_free (px);
  px = render (&p);
  g_assert_cmphex (px[0], ==, 0xffffffff);
  g_assert_cmphex (px[2], ==, 0xff000000);
}

/* One bright voxel at the patient's left-anterior-superior corner must be
 * drawn on the screen's right (axial, coronal) and top, whatever the
 * stored orientation. */
static void
test_radiological (void)
{
  static const gint64 dim[3] = { 5, 4, 3 };
  struct { double si, sj, sk; gint64 i, j, k; } cases[] = {
    { 1, 1, 1, 0, 3, 2 },      /* RAS: left is i = 0, anterior j = 3, superior k = 2 */
    { -1, -1, -1, 4, 0, 0 },   /* LPI: left is i = 4, anterior j = 0, superior k = 0 */
    { -1, 1, -1, 4, 3, 0 },    /* LAI */
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr (PlVolume) v = volume_with (dim, cases[c].si, cases[c].sj, cases[c].sk);
      PelRenderParams p = { 0 };
      PlSliceFrame f;

      v->data[cases[c].i + dim[0] * (cases[c].j + dim[1] * cases[c].k)] = 100.0f;
      p.volume = v;
      p.frame = &f;
      p.window = 100.0;
      p.level = 50.0;

      for (PlView view = PL_VIEW_CORONAL; view <= PL_VIEW_AXIAL; view++)
        {
          g_autofree guint32 *px = NULL;
          gint64 ijk[3] = { cases[c].i, cases[c].j, cases[c].k };

          pl_slice_frame_init (&f, v, view);
          pl_slice_frame_from_voxel (&f, ijk, NULL, NULL, &p.slice);
          px = render (&p);
          /* top-right pixel is the bright one */
          for (gint64 y = 0; y < f.height; y++)
            for (gint64 x = 0; x < f.width; x++)
              g_assert_cmpuint (red (px[y * f.width + x]), ==, (x == f.width - 1 && y == 0) ? 255 : 0);
        }
    }
}

static void
test_label_layers (void)
{
  static const gint64 dim[3] = { 4, 1, 1 };
  g_autoptr (PlVolume) v = volume_with (dim, 1, 1, 1);
  g_autoptr (PlLabelTable) table = pl_label_table_new_empty ();
  g_autofree guint32 *lut = g_new0 (guint32, 65536);
  g_autofree guint32 *px = NULL;
  guint16 labels[4] = { 0, 2, 3, 77 };
  PlLabel red_label = { 2, (char *) "red", { 255, 0, 0 }, 1.0f, TRUE, TRUE, FALSE };
  PlLabel hidden = { 3, (char *) "hidden", { 0, 255, 0 }, 1.0f, FALSE, TRUE, FALSE };
  PelRenderParams p = { 0 };
  PlSliceFrame f;

  for (int i = 0; i < 4; i++)
    v->data[i] = 100.0f;
  pl_label_table_set (table, &red_label);
  pl_label_table_set (table, &hidden);
  pel_render_build_label_lut (table, lut);
  g_assert_cmphex (lut[0], ==, 0);
  g_assert_cmpuint (lut[3] >> 24, ==, 0);           /* hidden: transparent */
  g_assert_cmpuint (lut[77] >> 24, ==, 255);        /* not in the table: still shown */

  pl_slice_frame_init (&f, v, PL_VIEW_AXIAL);
  p.volume = v;
  p.frame = &f;
  p.window = 255.0;
  p.level = 127.5;          /* intensity 100 -> grey 100 */
  p.labels = labels;
  p.label_lut = lut;
  p.label_opacity = 1.0;
  px = render (&p);
  /* screen x = 3 - i */
  g_assert_cmphex (px[3], ==, 0xff646464);   /* label 0: the image */
  g_assert_cmphex (px[2], ==, 0xffff0000);   /* label 2, opaque */
  g_assert_cmphex (px[1], ==, 0xff646464);   /* label 3 hidden */
  g_assert_cmphex (px[0] & 0xffffff, !=, 0x646464);

  /* half opacity: halfway between grey 100 and red */
  p.label_opacity = 0.5;
  g_free (px);
  px = render (&p);
  g_assert_cmpint (abs ((int) red (px[2]) - (100 + 255) / 2), <=, 1);
  g_assert_cmpint (abs ((int) ((px[2] >> 8) & 0xff) - 50), <=, 1);

  /* a proposal is drawn over the labels with its own opacity */
  {
    guint16 proposal[4] = { 2, 0, 0, 0 };
    p.labels = NULL;
    p.proposal = proposal;
    p.proposal_opacity = 1.0;
    g_free (px);
    px = render (&p);
    g_assert_cmphex (px[3], ==, 0xffff0000);
    g_assert_cmphex (px[2], ==, 0xff646464);
  }

  /* heat map: at or below min transparent, max is the colormap's end */
  {
    float heat[4] = { 0.0f, 0.5f, 1.0f, -1.0f };
    const guint8 *hot = pel_colormap_get_lut (PEL_COLORMAP_HOT);
    p.proposal = NULL;
    p.heat = heat;
    p.heat_lo = 0.0;
    p.heat_hi = 1.0;
    p.heat_opacity = 1.0;
    p.heat_colormap = PEL_COLORMAP_HOT;
    g_free (px);
    px = render (&p);
    g_assert_cmphex (px[3], ==, 0xff646464);   /* i = 0: value 0 */
    g_assert_cmphex (px[0], ==, 0xff646464);   /* i = 3: value -1 */
    g_assert_cmphex (px[1] & 0xffffff, ==, ((guint32) hot[765] << 16) | ((guint32) hot[766] << 8) | hot[767]);
  }
}

static void
test_colormaps (void)
{
  const guint8 *gray = pel_colormap_get_lut (PEL_COLORMAP_GRAY);
  const guint8 *viridis = pel_colormap_get_lut (PEL_COLORMAP_VIRIDIS);

  for (int i = 0; i < 256; i++)
    g_assert_cmpuint (gray[3 * i], ==, i);
  /* matplotlib's viridis ends: #440154 and #fde725 */
  g_assert_cmpuint (viridis[0], ==, 0x44);
  g_assert_cmpuint (viridis[2], ==, 0x54);
  g_assert_cmpuint (viridis[765], ==, 0xfd);
  g_assert_cmpuint (viridis[767], ==, 0x25);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/render/window-level", test_window_level);
  g_test_add_func ("/ui/render/radiological", test_radiological);
  g_test_add_func ("/ui/render/label-layers", test_label_layers);
  g_test_add_func ("/ui/render/colormaps", test_colormaps);
  return g_test_run ();
}
