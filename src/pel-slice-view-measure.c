/* PelSliceView: the distance tool.  A press and a release at two points (or
 * one drag between them) measure the distance in millimetres in the view's
 * slice plane; the line and its length stay drawn on that slice until the
 * next measurement.  Points are slice-pixel coordinates, so the line
 * follows zoom and pan; the length uses the voxel spacing along the view's
 * two axes (voxel grids are taken as orthogonal, as everywhere else in the
 * view). */
#define G_LOG_DOMAIN "pel-slice-view"

#include "src/pel-slice-view-private.h"

#include <glib/gi18n.h>
#include <math.h>

/* A press and release closer than this (widget pixels) is a click: the
 * second click ends the line. */
#define CLICK_SLOP 4.0

static void
to_slice (PelSliceView *self,
          double        wx,
          double        wy,
          double        p[2])
{
  pel_slice_view_widget_to_slice (self, wx, wy, &p[0], &p[1]);
}

void
pel_slice_view_measure_press (PelSliceView *self,
                              double        wx,
                              double        wy)
{
  g_return_if_fail (PEL_IS_SLICE_VIEW (self));
  if (!self->has_frame)
    return;
  if (self->measure_state == PEL_MEASURE_PENDING && self->measure_slice == pel_slice_view_get_slice (self))
    {
      /* the second click */
      to_slice (self, wx, wy, self->measure_b);
      self->measure_state = PEL_MEASURE_CLOSING;
    }
  else
    {
      to_slice (self, wx, wy, self->measure_a);
      self->measure_b[0] = self->measure_a[0];
      self->measure_b[1] = self->measure_a[1];
      self->measure_slice = pel_slice_view_get_slice (self);
      self->measure_press[0] = wx;
      self->measure_press[1] = wy;
      self->measure_state = PEL_MEASURE_DRAGGING;
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
pel_slice_view_measure_motion (PelSliceView *self,
                               double        wx,
                               double        wy)
{
  g_return_if_fail (PEL_IS_SLICE_VIEW (self));
  if (self->measure_state != PEL_MEASURE_DRAGGING && self->measure_state != PEL_MEASURE_PENDING)
    return;
  to_slice (self, wx, wy, self->measure_b);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
pel_slice_view_measure_release (PelSliceView *self,
                                double        wx,
                                double        wy)
{
  g_return_if_fail (PEL_IS_SLICE_VIEW (self));
  switch (self->measure_state)
    {
    case PEL_MEASURE_DRAGGING:
      if (hypot (wx - self->measure_press[0], wy - self->measure_press[1]) < CLICK_SLOP)
        self->measure_state = PEL_MEASURE_PENDING;   /* wait for the second click */
      else
        {
          to_slice (self, wx, wy, self->measure_b);
          self->measure_state = PEL_MEASURE_DONE;
        }
      break;
    case PEL_MEASURE_CLOSING:
      to_slice (self, wx, wy, self->measure_b);
      self->measure_state = PEL_MEASURE_DONE;
      break;
    default:
      break;
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (self->measure_state == PEL_MEASURE_DONE)
    g_object_notify (G_OBJECT (self), "measurement");
}

void
pel_slice_view_clear_measurement (PelSliceView *self)
{
  g_return_if_fail (PEL_IS_SLICE_VIEW (self));
  if (self->measure_state == PEL_MEASURE_NONE)
    return;
  self->measure_state = PEL_MEASURE_NONE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify (G_OBJECT (self), "measurement");
}

double
pel_slice_view_get_measurement (PelSliceView *self)
{
  g_return_val_if_fail (PEL_IS_SLICE_VIEW (self), -1.0);
  if (self->measure_state == PEL_MEASURE_NONE || !self->has_frame)
    return -1.0;
  return hypot ((self->measure_b[0] - self->measure_a[0]) * self->frame.spacing_x,
                (self->measure_b[1] - self->measure_a[1]) * self->frame.spacing_y);
}

/* Shown only on the slice it was made on. */
static gboolean
visible (PelSliceView *self)
{
  return self->measure_state != PEL_MEASURE_NONE && self->has_frame
         && self->measure_slice == pel_slice_view_get_slice (self);
}

void
pel_slice_view_draw_measurement (PelSliceView *self,
                                 cairo_t      *cr)
{
  double ax, ay, bx, by, len, nx, ny;

  if (!visible (self))
    return;
  pel_slice_view_slice_to_widget (self, self->measure_a[0], self->measure_a[1], &ax, &ay);
  pel_slice_view_slice_to_widget (self, self->measure_b[0], self->measure_b[1], &bx, &by);
  len = hypot (bx - ax, by - ay);
  /* end ticks across the line */
  nx = len > 0 ? -(by - ay) / len * 5.0 : 0.0;
  ny = len > 0 ? (bx - ax) / len * 5.0 : 5.0;

  cairo_save (cr);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  for (int pass = 0; pass < 2; pass++)
    {
      if (pass == 0)
        {
          cairo_set_source_rgba (cr, 0, 0, 0, 0.7);
          cairo_set_line_width (cr, 3.5);
        }
      else
        {
          cairo_set_source_rgba (cr, 1.0, 0.85, 0.2, 1.0);
          cairo_set_line_width (cr, 1.5);
        }
      cairo_move_to (cr, ax, ay);
      cairo_line_to (cr, bx, by);
      cairo_move_to (cr, ax - nx, ay - ny);
      cairo_line_to (cr, ax + nx, ay + ny);
      cairo_move_to (cr, bx - nx, by - ny);
      cairo_line_to (cr, bx + nx, by + ny);
      cairo_stroke (cr);
    }
  cairo_restore (cr);
}

char *
pel_slice_view_measurement_text (PelSliceView *self,
                                 double       *x,
                                 double       *y)
{
  double ax, ay, bx, by;

  if (!visible (self))
    return NULL;
  pel_slice_view_slice_to_widget (self, self->measure_a[0], self->measure_a[1], &ax, &ay);
  pel_slice_view_slice_to_widget (self, self->measure_b[0], self->measure_b[1], &bx, &by);
  *x = (ax + bx) / 2.0 + 8.0;
  *y = (ay + by) / 2.0 - 8.0;
  /* Translators: a measured distance in millimetres */
  return g_strdup_printf (_("%.1f mm"), pel_slice_view_get_measurement (self));
}
