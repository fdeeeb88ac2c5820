/* Benchmark: one slice view of 512 x 512 pixels with a label overlay, as
 * PelSliceView draws it: the slice layers rendered into the Cairo image
 * surface (pel_render_slice), then that surface painted with a nearest
 * filter into the view's 512 x 512 Cairo target with the crosshair.
 * Prints the median, minimum and maximum of many frames, in ms.
 *   meson test -C build --benchmark --suite ui render-slice -v
 */
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "src/pel-render.h"

enum { FRAMES = 400, WARMUP = 20 };

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static void
report (const char *what, double *ms, int n)
{
  qsort (ms, n, sizeof *ms, compare_doubles);
  printf ("%-44s median %.3f ms  min %.3f  max %.3f  (%d frames)\n", what, ms[n / 2], ms[0], ms[n - 1], n);
}

/* A slice with labels over about half its pixels, three label values. */
static void
make_data (PlVolume *v, PlLabels *l)
{
  const gint64 *d = v->dim;
  for (gint64 k = 0; k < d[2]; k++)
    for (gint64 j = 0; j < d[1]; j++)
      for (gint64 i = 0; i < d[0]; i++)
        {
          gsize idx = i + d[0] * (j + d[1] * k);
          double x = (i - d[0] / 2.0) / d[0], y = (j - d[1] / 2.0) / d[1];
          double r = sqrt (x * x + y * y);
          v->data[idx] = (float) (1000.0 * exp (-4 * r * r) + 50.0 * sin (i * 0.3) * cos (j * 0.2));
          l->data[idx] = r < 0.4 ? (guint16) (1 + (i / 40 + j / 40) % 3) : 0;
        }
  pl_volume_update_stats (v);
}

static void
bench (const char *name, gint64 side, int target, PlView view)
{
  /* the view's slice is side x side; 8 slices along its normal */
  const gint64 dim[3] = { side, view == PL_VIEW_AXIAL ? side : 8, view == PL_VIEW_AXIAL ? 8 : side };
  g_autoptr (PlVolume) v = pl_volume_new (dim, NULL, NULL);
  g_autoptr (PlLabels) l = pl_labels_new (dim);
  g_autoptr (PlLabelTable) table = pl_label_table_new_default ();
  g_autofree guint32 *lut = g_new0 (guint32, 65536);
  g_autofree double *t_layers = g_new0 (double, FRAMES);
  g_autofree double *t_view = g_new0 (double, FRAMES);
  PelRenderParams p = { 0 };
  PlSliceFrame frame;
  cairo_surface_t *slice, *screen;
  double scale;
  char what[128];

  make_data (v, l);
  pel_render_build_label_lut (table, lut);
  pl_slice_frame_init (&frame, v, view);
  slice = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) frame.width, (int) frame.height);
  screen = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, target, target);
  scale = (double) target / frame.width;

  p.volume = v;
  p.frame = &frame;
  p.slice = frame.depth / 2;
  p.window = 1000.0;
  p.level = 500.0;
  p.labels = l->data;
  p.label_lut = lut;
  p.label_opacity = 0.5;

  for (int f = -WARMUP; f < FRAMES; f++)
    {
      gint64 t0 = g_get_monotonic_time (), t1, t2;
      cairo_t *cr;

      /* the window/level changes each frame, as during a right-drag */
      p.level = 500.0 + (f % 50);
      cairo_surface_flush (slice);
      pel_render_slice (&p, (guint32 *) cairo_image_surface_get_data (slice), cairo_image_surface_get_stride (slice));
      cairo_surface_mark_dirty (slice);
      t1 = g_get_monotonic_time ();

      cr = cairo_create (screen);
      cairo_set_source_rgb (cr, 0, 0, 0);
      cairo_paint (cr);
      cairo_save (cr);
      cairo_scale (cr, scale, scale);
      cairo_set_source_surface (cr, slice, 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
      cairo_rectangle (cr, 0, 0, frame.width, frame.height);
      cairo_fill (cr);
      cairo_restore (cr);
      cairo_set_line_width (cr, 1.0);
      cairo_set_source_rgba (cr, 0.35, 0.72, 1.0, 0.85);
      cairo_move_to (cr, 0, target / 2 + 0.5);
      cairo_line_to (cr, target, target / 2 + 0.5);
      cairo_move_to (cr, target / 2 + 0.5, 0);
      cairo_line_to (cr, target / 2 + 0.5, target);
      cairo_stroke (cr);
      cairo_destroy (cr);
      cairo_surface_flush (screen);
      t2 = g_get_monotonic_time ();

      if (f >= 0)
        {
          t_layers[f] = (t1 - t0) / 1000.0;
          t_view[f] = (t2 - t0) / 1000.0;
        }
    }
  g_snprintf (what, sizeof what, "%s: slice layers only", name);
  report (what, t_layers, FRAMES);
  g_snprintf (what, sizeof what, "%s: whole view", name);
  report (what, t_view, FRAMES);
  if (side == target && view == PL_VIEW_AXIAL)
    printf ("goal: median <= 4 ms for the whole view: %s\n", t_view[FRAMES / 2] <= 4.0 ? "met" : "NOT met");

  cairo_surface_destroy (slice);
  cairo_surface_destroy (screen);
}

int
main (void)
{
  printf ("render-slice-512\n");
  bench ("512x512 axial slice -> 512x512 view", 512, 512, PL_VIEW_AXIAL);
  bench ("512x512 coronal slice -> 512x512 view", 512, 512, PL_VIEW_CORONAL);
  bench ("256x256 axial slice zoomed x2 -> 512x512", 256, 512, PL_VIEW_AXIAL);
  return 0;
}
