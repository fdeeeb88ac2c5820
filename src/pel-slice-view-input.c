/* PelSliceView: gestures, and the paint entry points they call. */
#define G_LOG_DOMAIN "pel-slice-view"

#include "src/pel-slice-view-private.h"

#include <glib/gi18n.h>
#include <math.h>

/* ---- entry points --------------------------------------------------------- */

void
pel_slice_view_set_cursor_at (PelSliceView *self,
                              double        wx,
                              double        wy)
{
  double x, y;
  gint64 ijk[3];

  g_return_if_fail (PEL_IS_SLICE_VIEW (self));
  if (!self->has_frame)
    return;
  pel_slice_view_widget_to_slice (self, wx, wy, &x, &y);
  x = CLAMP (floor (x), 0, self->frame.width - 1);
  y = CLAMP (floor (y), 0, self->frame.height - 1);
  pl_slice_frame_to_voxel (&self->frame, (gint64) x, (gint64) y, pel_slice_view_get_slice (self), ijk);
  pel_document_set_cursor (self->document, ijk);
}

static void
prepare_rule (PelSliceView *self,
              gboolean      erase)
{
  guint16 over_label = 0;
  PelPaintOver over = pel_tools_get_paint_over (self->tools, &over_label);

  if (self->rule == NULL)
    self->rule = g_new0 (PlPaintRule, 1);
  /* The eraser ignores "only unlabelled", which would leave it nothing to do. */
  if (erase && over == PEL_PAINT_OVER_UNLABELLED)
    over = PEL_PAINT_OVER_ALL;
  pel_document_init_rule (self->document, self->rule,
                          erase ? 0 : pel_tools_get_active_label (self->tools),
                          (PlPaintOver) over, over_label);
}

void
pel_slice_view_stroke_begin (PelSliceView *self,
                             double        wx,
                             double        wy,
                             gboolean      erase)
{
  double x, y;

  g_return_if_fail (PEL_IS_SLICE_VIEW (self));
  if (!self->has_frame || self->edit != NULL || pel_document_get_opening (self->document))
    return;

  prepare_rule (self, erase);
  pel_tools_get_brush (self->tools, &self->brush);
  self->erasing = erase;
  self->edit = pel_document_begin_edit (self->document);
  pel_slice_view_widget_to_slice (self, wx, wy, &x, &y);
  pel_document_paint_stamp (self->document, self->edit, &self->frame, pel_slice_view_get_slice (self),
                            &self->brush, self->rule, x, y);
  self->last[0] = x;
  self->last[1] = y;
}

void
pel_slice_view_stroke_update (PelSliceView *self,
                              double        wx,
                              double        wy)
{
  double x, y;

  g_return_if_fail (PEL_IS_SLICE_VIEW (self));
  if (self->edit == NULL)
    return;
  pel_slice_view_widget_to_slice (self, wx, wy, &x, &y);
  /* Joined to the previous event: fast strokes leave no gaps. */
  pel_document_paint_line (self->document, self->edit, &self->frame, pel_slice_view_get_slice (self),
                           &self->brush, self->rule, self->last[0], self->last[1], x, y);
  self->last[0] = x;
  self->last[1] = y;
}

void
pel_slice_view_stroke_end (PelSliceView *self)
{
  g_return_if_fail (PEL_IS_SLICE_VIEW (self));
  if (self->edit == NULL)
    return;
  /* Translators: names of undo steps */
  pel_document_end_edit (self->document, g_steal_pointer (&self->edit),
                         self->erasing ? _("Erase") : _("Paint"));
}

void
pel_slice_view_stroke_cancel (PelSliceView *self)
{
  g_return_if_fail (PEL_IS_SLICE_VIEW (self));
  if (self->edit == NULL)
    return;
  pel_document_cancel_edit (self->document, g_steal_pointer (&self->edit));
}

void
pel_slice_view_fill_at (PelSliceView *self,
                        double        wx,
                        double        wy)
{
  PlEdit *edit;
  double x, y;

  g_return_if_fail (PEL_IS_SLICE_VIEW (self));
  if (!self->has_frame)
    return;
  pel_slice_view_widget_to_slice (self, wx, wy, &x, &y);
  if (x < 0 || y < 0 || x >= self->frame.width || y >= self->frame.height)
    return;
  prepare_rule (self, FALSE);
  edit = pel_document_begin_edit (self->document);
  pel_document_paint_fill (self->document, edit, &self->frame, pel_slice_view_get_slice (self),
                           (gint64) x, (gint64) y, pel_tools_get_fill_tolerance (self->tools), self->rule);
  pel_document_end_edit (self->document, edit, _("Fill"));
}

/* ---- gestures ------------------------------------------------------------- */

static void
primary_begin (GtkGestureDrag *gesture,
               double          x,
               double          y,
               PelSliceView   *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));

  gtk_widget_grab_focus (GTK_WIDGET (self));
  self->drag_start[0] = x;
  self->drag_start[1] = y;
  self->drag_start_centre[0] = self->centre_mm[0];
  self->drag_start_centre[1] = self->centre_mm[1];

  if (state & GDK_SHIFT_MASK)
    {
      self->drag = DRAG_PAN;
      return;
    }
  switch (pel_tools_get_tool (self->tools))
    {
    case PEL_TOOL_CROSSHAIR:
      self->drag = DRAG_CROSSHAIR;
      pel_slice_view_set_cursor_at (self, x, y);
      break;
    case PEL_TOOL_PAN:
      self->drag = DRAG_PAN;
      gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grabbing");
      break;
    case PEL_TOOL_FILL:
      self->drag = DRAG_NONE;
      pel_slice_view_fill_at (self, x, y);
      break;
    case PEL_TOOL_MEASURE:
      self->drag = DRAG_MEASURE;
      pel_slice_view_measure_press (self, x, y);
      break;
    case PEL_TOOL_BRUSH:
    case PEL_TOOL_ERASER:
      self->drag = DRAG_PAINT;
      pel_slice_view_stroke_begin (self, x, y, pel_tools_get_tool (self->tools) == PEL_TOOL_ERASER);
      break;
    default:
      self->drag = DRAG_NONE;
    }
}

static void
pan_to (PelSliceView *self,
        double        dx,
        double        dy)
{
  self->centre_mm[0] = self->drag_start_centre[0] - dx / self->zoom;
  self->centre_mm[1] = self->drag_start_centre[1] - dy / self->zoom;
  self->fit = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
primary_update (GtkGestureDrag *gesture,
                double          dx,
                double          dy,
                PelSliceView   *self)
{
  double x = self->drag_start[0] + dx, y = self->drag_start[1] + dy;

  self->pointer[0] = x;
  self->pointer[1] = y;
  switch (self->drag)
    {
    case DRAG_CROSSHAIR:
      pel_slice_view_set_cursor_at (self, x, y);
      break;
    case DRAG_PAN:
      pan_to (self, dx, dy);
      break;
    case DRAG_PAINT:
      pel_slice_view_stroke_update (self, x, y);
      break;
    case DRAG_MEASURE:
      pel_slice_view_measure_motion (self, x, y);
      break;
    default:
      break;
    }
}

static void
primary_end (GtkGestureDrag *gesture,
             double          dx,
             double          dy,
             PelSliceView   *self)
{
  if (self->drag == DRAG_PAINT)
    pel_slice_view_stroke_end (self);
  if (self->drag == DRAG_MEASURE)
    pel_slice_view_measure_release (self, self->drag_start[0] + dx, self->drag_start[1] + dy);
  if (self->drag == DRAG_PAN && pel_tools_get_tool (self->tools) == PEL_TOOL_PAN)
    gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grab");
  self->drag = DRAG_NONE;
}

static void
primary_cancel (GtkGesture       *gesture,
                GdkEventSequence *sequence,
                PelSliceView     *self)
{
  if (self->drag == DRAG_PAINT)
    pel_slice_view_stroke_cancel (self);
  self->drag = DRAG_NONE;
}

static void
middle_begin (GtkGestureDrag *gesture,
              double          x,
              double          y,
              PelSliceView   *self)
{
  self->drag_start_centre[0] = self->centre_mm[0];
  self->drag_start_centre[1] = self->centre_mm[1];
}

static void
middle_update (GtkGestureDrag *gesture,
               double          dx,
               double          dy,
               PelSliceView   *self)
{
  pan_to (self, dx, dy);
}

static void
contrast_begin (GtkGestureDrag *gesture,
                double          x,
                double          y,
                PelSliceView   *self)
{
  pel_document_get_window_level (self->document, &self->drag_start_window, &self->drag_start_level);
}

/* Right-drag: right widens the window (less contrast), up lowers the level
 * (brighter); both scale with the window so that any intensity range feels
 * the same. */
static void
contrast_update (GtkGestureDrag *gesture,
                 double          dx,
                 double          dy,
                 PelSliceView   *self)
{
  double window = self->drag_start_window * exp (dx * 0.006);
  double level = self->drag_start_level + dy * self->drag_start_window * 0.004;

  pel_document_set_window_level (self->document, window, level);
}

static gboolean
on_scroll (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           PelSliceView             *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));

  if (dy == 0.0)
    return FALSE;
  if (state & GDK_CONTROL_MASK)
    pel_slice_view_zoom_at (self, pow (1.15, -dy), self->pointer[0], self->pointer[1]);
  else
    pel_slice_view_step_slice (self, dy < 0 ? 1 : -1);
  return TRUE;
}

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           PelSliceView             *self)
{
  self->pointer_inside = TRUE;
  self->pointer[0] = x;
  self->pointer[1] = y;
  pel_slice_view_pointer_moved (self);
  if (pel_tools_get_tool (self->tools) == PEL_TOOL_BRUSH || pel_tools_get_tool (self->tools) == PEL_TOOL_ERASER)
    gtk_widget_queue_draw (GTK_WIDGET (self));
  else if (pel_tools_get_tool (self->tools) == PEL_TOOL_MEASURE && self->drag == DRAG_NONE)
    pel_slice_view_measure_motion (self, x, y);   /* the line follows until the second click */
}

static void
on_leave (GtkEventControllerMotion *controller,
          PelSliceView             *self)
{
  self->pointer_inside = FALSE;
  pel_slice_view_pointer_moved (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static GtkGesture *
add_drag (PelSliceView *self,
          guint         button,
          GCallback     begin,
          GCallback     update,
          GCallback     end)
{
  GtkGesture *drag = gtk_gesture_drag_new ();

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), button);
  if (begin)
    g_signal_connect (drag, "drag-begin", begin, self);
  if (update)
    g_signal_connect (drag, "drag-update", update, self);
  if (end)
    g_signal_connect (drag, "drag-end", end, self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
  return drag;
}

void
pel_slice_view_install_input (PelSliceView *self)
{
  GtkEventController *controller;
  GtkGesture *primary;

  primary = add_drag (self, GDK_BUTTON_PRIMARY, G_CALLBACK (primary_begin),
                      G_CALLBACK (primary_update), G_CALLBACK (primary_end));
  g_signal_connect (primary, "cancel", G_CALLBACK (primary_cancel), self);
  add_drag (self, GDK_BUTTON_MIDDLE, G_CALLBACK (middle_begin), G_CALLBACK (middle_update), NULL);
  add_drag (self, GDK_BUTTON_SECONDARY, G_CALLBACK (contrast_begin), G_CALLBACK (contrast_update), NULL);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL
                                                | GTK_EVENT_CONTROLLER_SCROLL_DISCRETE);
  g_signal_connect (controller, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "enter", G_CALLBACK (on_motion), self);
  g_signal_connect (controller, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (controller, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}
