/* PelSliceView: geometry and drawing.  Input is in pel-slice-view-input.c. */
#define G_LOG_DOMAIN "pel-slice-view"

#include "src/pel-slice-view-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "src/pel-render.h"

G_DEFINE_FINAL_TYPE (PelSliceView, pel_slice_view, GTK_TYPE_WIDGET)

enum
{
  POINTER_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

enum
{
  PROP_0,
  PROP_MEASUREMENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
pel_slice_view_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_MEASUREMENT: g_value_set_double (value, pel_slice_view_get_measurement (PEL_SLICE_VIEW (object))); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static const char *view_names[] = {
  [PL_VIEW_SAGITTAL] = N_("Sagittal"),
  [PL_VIEW_CORONAL] = N_("Coronal"),
  [PL_VIEW_AXIAL] = N_("Axial"),
};

/* ---- geometry ------------------------------------------------------------- */

static void
origin_and_scale (PelSliceView *self,
                  double       *ox,
                  double       *oy,
                  double       *sx,
                  double       *sy)
{
  double w = gtk_widget_get_width (GTK_WIDGET (self));
  double h = gtk_widget_get_height (GTK_WIDGET (self));

  *sx = self->zoom * self->frame.spacing_x;
  *sy = self->zoom * self->frame.spacing_y;
  *ox = w / 2.0 - self->centre_mm[0] * self->zoom;
  *oy = h / 2.0 - self->centre_mm[1] * self->zoom;
}

void
pel_slice_view_widget_to_slice (PelSliceView *self,
                                double        wx,
                                double        wy,
                                double       *x,
                                double       *y)
{
  double ox, oy, sx, sy;

  g_return_if_fail (PEL_IS_SLICE_VIEW (self));
  origin_and_scale (self, &ox, &oy, &sx, &sy);
  *x = (wx - ox) / sx;
  *y = (wy - oy) / sy;
}

void
pel_slice_view_slice_to_widget (PelSliceView *self,
                                double        x,
                                double        y,
                                double       *wx,
                                double       *wy)
{
  double ox, oy, sx, sy;

  g_return_if_fail (PEL_IS_SLICE_VIEW (self));
  origin_and_scale (self, &ox, &oy, &sx, &sy);
  *wx = ox + x * sx;
  *wy = oy + y * sy;
}

gint64
pel_slice_view_get_slice (PelSliceView *self)
{
  gint64 c[3];

  g_return_val_if_fail (PEL_IS_SLICE_VIEW (self), 0);
  if (!self->has_frame)
    return 0;
  pel_document_get_cursor (self->document, c);
  return c[self->frame.axis_n];
}

gboolean
pel_slice_view_pick (PelSliceView *self,
                     double        wx,
                     double        wy,
                     gint64        ijk[3])
{
  double x, y;

  g_return_val_if_fail (PEL_IS_SLICE_VIEW (self), FALSE);
  if (!self->has_frame)
    return FALSE;
  pel_slice_view_widget_to_slice (self, wx, wy, &x, &y);
  if (x < 0 || y < 0 || x >= self->frame.width || y >= self->frame.height)
    return FALSE;
  pl_slice_frame_to_voxel (&self->frame, (gint64) x, (gint64) y, pel_slice_view_get_slice (self), ijk);
  return TRUE;
}

void
pel_slice_view_zoom_to_fit (PelSliceView *self)
{
  double w = gtk_widget_get_width (GTK_WIDGET (self));
  double h = gtk_widget_get_height (GTK_WIDGET (self));
  double mm_w, mm_h;

  g_return_if_fail (PEL_IS_SLICE_VIEW (self));
  self->fit = TRUE;
  if (!self->has_frame)
    return;
  mm_w = self->frame.width * self->frame.spacing_x;
  mm_h = self->frame.height * self->frame.spacing_y;
  self->centre_mm[0] = mm_w / 2.0;
  self->centre_mm[1] = mm_h / 2.0;
  if (w > 1 && h > 1)
    self->zoom = MIN (w / mm_w, h / mm_h) * 0.94;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
pel_slice_view_zoom_at (PelSliceView *self,
                        double        factor,
                        double        wx,
                        double        wy)
{
  double w = gtk_widget_get_width (GTK_WIDGET (self));
  double h = gtk_widget_get_height (GTK_WIDGET (self));
  double mx, my, zoom;

  g_return_if_fail (PEL_IS_SLICE_VIEW (self));
  if (!self->has_frame)
    return;
  zoom = CLAMP (self->zoom * factor, 0.05, 200.0);
  /* the mm point under (wx, wy) stays under it */
  mx = self->centre_mm[0] + (wx - w / 2.0) / self->zoom;
  my = self->centre_mm[1] + (wy - h / 2.0) / self->zoom;
  self->centre_mm[0] = mx - (wx - w / 2.0) / zoom;
  self->centre_mm[1] = my - (wy - h / 2.0) / zoom;
  self->zoom = zoom;
  self->fit = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
pel_slice_view_center_on_cursor (PelSliceView *self)
{
  gint64 c[3], x, y;

  g_return_if_fail (PEL_IS_SLICE_VIEW (self));
  if (!self->has_frame)
    return;
  pel_document_get_cursor (self->document, c);
  pl_slice_frame_from_voxel (&self->frame, c, &x, &y, NULL);
  self->centre_mm[0] = (x + 0.5) * self->frame.spacing_x;
  self->centre_mm[1] = (y + 0.5) * self->frame.spacing_y;
  self->fit = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

double
pel_slice_view_get_zoom (PelSliceView *self)
{
  g_return_val_if_fail (PEL_IS_SLICE_VIEW (self), 1.0);
  return self->zoom;
}

void
pel_slice_view_step_slice (PelSliceView *self,
                           int           delta)
{
  gint64 c[3];

  g_return_if_fail (PEL_IS_SLICE_VIEW (self));
  if (!self->has_frame)
    return;
  pel_document_get_cursor (self->document, c);
  c[self->frame.axis_n] += (gint64) delta * self->frame.next_slice;
  pel_document_set_cursor (self->document, c);
}

PlView
pel_slice_view_get_view (PelSliceView *self)
{
  g_return_val_if_fail (PEL_IS_SLICE_VIEW (self), PL_VIEW_AXIAL);
  return self->view;
}

const PlSliceFrame *
pel_slice_view_get_frame (PelSliceView *self)
{
  g_return_val_if_fail (PEL_IS_SLICE_VIEW (self), NULL);
  return self->has_frame ? &self->frame : NULL;
}

gboolean
pel_slice_view_get_pointer_voxel (PelSliceView *self,
                                  gint64        ijk[3])
{
  g_return_val_if_fail (PEL_IS_SLICE_VIEW (self), FALSE);
  return self->pointer_inside && pel_slice_view_pick (self, self->pointer[0], self->pointer[1], ijk);
}

gboolean
pel_slice_view_has_pointer (PelSliceView *self)
{
  g_return_val_if_fail (PEL_IS_SLICE_VIEW (self), FALSE);
  return self->pointer_inside;
}

void
pel_slice_view_pointer_moved (PelSliceView *self)
{
  g_signal_emit (self, signals[POINTER_CHANGED], 0);
}

guint32 *
pel_slice_view_copy_layers (PelSliceView *self,
                            gint64       *width,
                            gint64       *height)
{
  guint32 *pixels;
  int stride;

  g_return_val_if_fail (PEL_IS_SLICE_VIEW (self), NULL);
  if (self->surface == NULL || self->surface_stale)
    pel_slice_view_render_layers (self);
  if (self->surface == NULL)
    return NULL;
  cairo_surface_flush (self->surface);
  *width = cairo_image_surface_get_width (self->surface);
  *height = cairo_image_surface_get_height (self->surface);
  stride = cairo_image_surface_get_stride (self->surface);
  pixels = g_new (guint32, *width * *height);
  for (gint64 y = 0; y < *height; y++)
    memcpy (pixels + y * *width, cairo_image_surface_get_data (self->surface) + y * stride,
            *width * sizeof (guint32));
  return pixels;
}

guint
pel_slice_view_get_n_prepared_frames (PelSliceView *self)
{
  g_return_val_if_fail (PEL_IS_SLICE_VIEW (self), 0);
  return self->n_adopted;
}

gboolean
pel_slice_view_is_drawn (PelSliceView *self)
{
  g_return_val_if_fail (PEL_IS_SLICE_VIEW (self), FALSE);
  return self->surface != NULL && !self->surface_stale;
}

void
pel_slice_view_set_annotations (PelSliceView *self,
                                gboolean      crosshair,
                                gboolean      text)
{
  g_return_if_fail (PEL_IS_SLICE_VIEW (self));
  self->show_crosshair = crosshair;
  self->show_text = text;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ---- layers --------------------------------------------------------------- */

static cairo_user_data_key_t image_key;

/* The first frame of a newly opened volume, rendered on the worker that
 * read it (pel_document_offer_slice_images()): its pixels become the
 * surface, later frames render into it as usual. */
static gboolean
adopt_slice_image (PelSliceView *self,
                   gint64        slice)
{
  PelSliceImage *image = pel_document_take_slice_image (self->document, self->view, slice);

  if (image == NULL)
    return FALSE;
  if (image->width != self->frame.width || image->height != self->frame.height)
    {
      pel_slice_image_free (image);
      return FALSE;
    }
  self->surface = cairo_image_surface_create_for_data ((unsigned char *) image->pixels, CAIRO_FORMAT_ARGB32,
                                                       (int) image->width, (int) image->height,
                                                       (int) (image->width * sizeof (guint32)));
  if (cairo_surface_status (self->surface) != CAIRO_STATUS_SUCCESS
      || cairo_surface_set_user_data (self->surface, &image_key, image,
                                      (cairo_destroy_func_t) pel_slice_image_free) != CAIRO_STATUS_SUCCESS)
    {
      g_clear_pointer (&self->surface, cairo_surface_destroy);
      pel_slice_image_free (image);
      return FALSE;
    }
  self->surface_stale = FALSE;
  self->n_adopted++;
  return TRUE;
}

void
pel_slice_view_render_layers (PelSliceView *self)
{
  const PlVolume *volume = pel_document_get_volume (self->document);
  PelHeatMap *heat = pel_document_get_heat_map (self->document);
  PelRenderParams p = { 0 };

  g_return_if_fail (PEL_IS_SLICE_VIEW (self));
  if (!self->has_frame || volume == NULL)
    return;

  p.slice = pel_slice_view_get_slice (self);
  if (self->surface == NULL && adopt_slice_image (self, p.slice))
    return;
  if (self->surface == NULL
      || cairo_image_surface_get_width (self->surface) != self->frame.width
      || cairo_image_surface_get_height (self->surface) != self->frame.height)
    {
      g_clear_pointer (&self->surface, cairo_surface_destroy);
      self->surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) self->frame.width,
                                                  (int) self->frame.height);
    }

  p.volume = volume;
  p.frame = &self->frame;
  pel_document_get_window_level (self->document, &p.window, &p.level);
  if (pel_document_get_labels_visible (self->document))
    {
      p.labels = pel_document_get_labels (self->document)->data;
      p.label_opacity = pel_document_get_label_opacity (self->document);
      if (pel_document_get_proposal (self->document))
        {
          p.proposal = pel_document_get_proposal (self->document)->data;
          p.proposal_opacity = pel_document_get_proposal_opacity (self->document);
          p.proposal_outline = pel_document_get_proposal_outline (self->document);
        }
    }
  p.label_lut = pel_document_get_label_lut (self->document);
  if (heat && pel_heat_map_get_visible (heat))
    {
      p.heat = pel_heat_map_get_data (heat);
      pel_heat_map_get_range (heat, &p.heat_lo, &p.heat_hi);
      p.heat_opacity = pel_heat_map_get_opacity (heat);
      p.heat_colormap = pel_heat_map_get_colormap (heat);
    }

  cairo_surface_flush (self->surface);
  pel_render_slice (&p, (guint32 *) cairo_image_surface_get_data (self->surface),
                    cairo_image_surface_get_stride (self->surface));
  cairo_surface_mark_dirty (self->surface);
  self->surface_stale = FALSE;
}

static void
invalidate (PelSliceView *self)
{
  self->surface_stale = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Outline of the pixels a brush at the pointer would cover. */
static void
draw_brush_outline (PelSliceView *self,
                    cairo_t      *cr,
                    double        ox,
                    double        oy,
                    double        sx,
                    double        sy)
{
  PlBrush brush;
  double x, y, cx, cy;
  int r;

  pel_tools_get_brush (self->tools, &brush);
  pel_slice_view_widget_to_slice (self, self->pointer[0], self->pointer[1], &x, &y);
  pl_brush_snap (&brush, x, y, &cx, &cy);
  r = brush.size / 2 + 1;

  cairo_new_path (cr);
  for (gint64 v = (gint64) floor (cy) - r; v <= (gint64) floor (cy) + r; v++)
    for (gint64 u = (gint64) floor (cx) - r; u <= (gint64) floor (cx) + r; u++)
      {
        if (!pl_brush_covers (&brush, cx, cy, u, v, 0))
          continue;
        /* an edge wherever the neighbour is not covered */
        if (!pl_brush_covers (&brush, cx, cy, u - 1, v, 0))
          {
            cairo_move_to (cr, ox + u * sx, oy + v * sy);
            cairo_line_to (cr, ox + u * sx, oy + (v + 1) * sy);
          }
        if (!pl_brush_covers (&brush, cx, cy, u + 1, v, 0))
          {
            cairo_move_to (cr, ox + (u + 1) * sx, oy + v * sy);
            cairo_line_to (cr, ox + (u + 1) * sx, oy + (v + 1) * sy);
          }
        if (!pl_brush_covers (&brush, cx, cy, u, v - 1, 0))
          {
            cairo_move_to (cr, ox + u * sx, oy + v * sy);
            cairo_line_to (cr, ox + (u + 1) * sx, oy + v * sy);
          }
        if (!pl_brush_covers (&brush, cx, cy, u, v + 1, 0))
          {
            cairo_move_to (cr, ox + u * sx, oy + (v + 1) * sy);
            cairo_line_to (cr, ox + (u + 1) * sx, oy + (v + 1) * sy);
          }
      }
  cairo_set_line_width (cr, 1.0);
  cairo_set_source_rgba (cr, 1.0, 1.0, 0.4, 0.9);
  cairo_stroke (cr);
}

static void
draw_crosshair (PelSliceView *self,
                cairo_t      *cr,
                double        ox,
                double        oy,
                double        sx,
                double        sy)
{
  gint64 c[3], x, y;
  double wx, wy, x0 = ox, x1 = ox + self->frame.width * sx, y0 = oy, y1 = oy + self->frame.height * sy;
  const double gap = 6.0;

  pel_document_get_cursor (self->document, c);
  pl_slice_frame_from_voxel (&self->frame, c, &x, &y, NULL);
  wx = floor (ox + (x + 0.5) * sx) + 0.5;
  wy = floor (oy + (y + 0.5) * sy) + 0.5;

  cairo_set_line_width (cr, 1.0);
  cairo_set_source_rgba (cr, 0.35, 0.72, 1.0, 0.85);
  cairo_move_to (cr, x0, wy);
  cairo_line_to (cr, wx - gap, wy);
  cairo_move_to (cr, wx + gap, wy);
  cairo_line_to (cr, x1, wy);
  cairo_move_to (cr, wx, y0);
  cairo_line_to (cr, wx, wy - gap);
  cairo_move_to (cr, wx, wy + gap);
  cairo_line_to (cr, wx, y1);
  cairo_stroke (cr);
}

static void
append_text (PelSliceView *self,
             GtkSnapshot  *snapshot,
             const char   *text,
             double        x,
             double        y,
             double        align_x,
             double        align_y,
             gboolean      bold)
{
  g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  GdkRGBA shadow = { 0, 0, 0, 0.8 }, fg = { 0.92, 0.93, 0.95, 0.95 };
  int w, h;

  if (bold)
    {
      g_autofree char *markup = g_markup_printf_escaped ("<b>%s</b>", text);
      pango_layout_set_markup (layout, markup, -1);
    }
  else
    pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  x = round (x - align_x * w);
  y = round (y - align_y * h);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x + 1, y + 1));
  gtk_snapshot_append_layout (snapshot, layout, &shadow);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (-1, -1));
  gtk_snapshot_append_layout (snapshot, layout, &fg);
  gtk_snapshot_restore (snapshot);
}

static void
pel_slice_view_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  PelSliceView *self = PEL_SLICE_VIEW (widget);
  double w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  double ox, oy, sx, sy;
  PelTool tool;
  cairo_t *cr;

  if (!self->has_frame || w < 2 || h < 2)
    return;
  if (self->surface == NULL || self->surface_stale)
    pel_slice_view_render_layers (self);

  origin_and_scale (self, &ox, &oy, &sx, &sy);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));

  /* image, labels, proposal, heat map: one nearest-filtered surface */
  cairo_save (cr);
  cairo_translate (cr, ox, oy);
  cairo_scale (cr, sx, sy);
  cairo_set_source_surface (cr, self->surface, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_rectangle (cr, 0, 0, self->frame.width, self->frame.height);
  cairo_fill (cr);
  cairo_restore (cr);

  if (self->show_crosshair)
    draw_crosshair (self, cr, ox, oy, sx, sy);
  tool = pel_tools_get_tool (self->tools);
  if (self->pointer_inside && (tool == PEL_TOOL_BRUSH || tool == PEL_TOOL_ERASER))
    draw_brush_outline (self, cr, ox, oy, sx, sy);
  pel_slice_view_draw_measurement (self, cr);
  cairo_destroy (cr);

  {
    double tx, ty;
    g_autofree char *length = pel_slice_view_measurement_text (self, &tx, &ty);
    if (length)
      append_text (self, snapshot, length, tx, ty, 0.0, 1.0, TRUE);
  }

  if (self->show_text)
    {
      char letter[2] = { 0 };
      g_autofree char *title = NULL;

      letter[0] = self->frame.left;
      append_text (self, snapshot, letter, 8, h / 2, 0.0, 0.5, TRUE);
      letter[0] = self->frame.right;
      append_text (self, snapshot, letter, w - 8, h / 2, 1.0, 0.5, TRUE);
      letter[0] = self->frame.top;
      append_text (self, snapshot, letter, w / 2, 6, 0.5, 0.0, TRUE);
      letter[0] = self->frame.bottom;
      append_text (self, snapshot, letter, w / 2, h - 6, 0.5, 1.0, TRUE);
      /* Translators: view name, then slice number of total, e.g. "Axial 91/181" */
      title = g_strdup_printf (_("%s %d/%d"), _(view_names[self->view]),
                               (int) pel_slice_view_get_slice (self) + 1, (int) self->frame.depth);
      append_text (self, snapshot, title, 10, 8, 0.0, 0.0, FALSE);
    }
}

static void
pel_slice_view_size_allocate (GtkWidget *widget,
                              int        width,
                              int        height,
                              int        baseline)
{
  PelSliceView *self = PEL_SLICE_VIEW (widget);

  if (self->fit)
    pel_slice_view_zoom_to_fit (self);
}

static void
pel_slice_view_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  *minimum = 64;
  *natural = 320;
}

/* ---- document ------------------------------------------------------------- */

static void
on_volume_changed (PelDocument  *document,
                   PelSliceView *self)
{
  const PlVolume *volume = pel_document_get_volume (document);

  pel_slice_view_clear_measurement (self);
  self->has_frame = volume != NULL;
  if (volume)
    pl_slice_frame_init (&self->frame, volume, self->view);
  g_clear_pointer (&self->surface, cairo_surface_destroy);
  pel_slice_view_zoom_to_fit (self);
  invalidate (self);
}

static void
on_labels_changed (PelDocument  *document,
                   const PlBox  *box,
                   PelSliceView *self)
{
  gint64 slice = pel_slice_view_get_slice (self);

  if (self->has_frame && slice >= box->lo[self->frame.axis_n] && slice <= box->hi[self->frame.axis_n])
    invalidate (self);
}

static void
on_cursor_changed (PelDocument  *document,
                   PelSliceView *self)
{
  /* The slice may have changed; the crosshair moved in any case. */
  invalidate (self);
  if (self->pointer_inside)
    pel_slice_view_pointer_moved (self);
}

static void
on_display_changed (PelSliceView *self)
{
  invalidate (self);
}

static void
on_tools_changed (PelSliceView *self)
{
  static const char *cursors[] = {
    [PEL_TOOL_CROSSHAIR] = "crosshair",
    [PEL_TOOL_PAN] = "grab",
    [PEL_TOOL_FILL] = "cell",
    [PEL_TOOL_BRUSH] = "default",
    [PEL_TOOL_ERASER] = "default",
    [PEL_TOOL_MEASURE] = "crosshair",
  };
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), cursors[pel_tools_get_tool (self->tools)]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
pel_slice_view_dispose (GObject *object)
{
  PelSliceView *self = PEL_SLICE_VIEW (object);

  if (self->edit)
    pel_slice_view_stroke_cancel (self);
  if (self->document)
    g_signal_handlers_disconnect_by_data (self->document, self);
  if (self->tools)
    g_signal_handlers_disconnect_by_data (self->tools, self);
  g_clear_object (&self->document);
  g_clear_object (&self->tools);
  g_clear_pointer (&self->surface, cairo_surface_destroy);
  g_clear_pointer (&self->rule, g_free);
  G_OBJECT_CLASS (pel_slice_view_parent_class)->dispose (object);
}

static void
pel_slice_view_class_init (PelSliceViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pel_slice_view_dispose;
  object_class->get_property = pel_slice_view_get_property;
  widget_class->snapshot = pel_slice_view_snapshot;
  widget_class->size_allocate = pel_slice_view_size_allocate;
  widget_class->measure = pel_slice_view_measure;

  /* The voxel under the pointer changed (pel_slice_view_get_pointer_voxel). */
  signals[POINTER_CHANGED] =
    g_signal_new ("pointer-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /* The distance tool's length in mm, -1 when there is none. */
  properties[PROP_MEASUREMENT] = g_param_spec_double ("measurement", NULL, NULL, -1.0, G_MAXDOUBLE, -1.0,
                                                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "slice-view");
}

static void
pel_slice_view_init (PelSliceView *self)
{
  self->zoom = 1.0;
  self->fit = TRUE;
  self->show_crosshair = TRUE;
  self->show_text = TRUE;
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  pel_slice_view_install_input (self);
}

GtkWidget *
pel_slice_view_new (PlView       view,
                    PelDocument *document,
                    PelTools    *tools)
{
  PelSliceView *self;

  g_return_val_if_fail (PEL_IS_DOCUMENT (document), NULL);
  g_return_val_if_fail (PEL_IS_TOOLS (tools), NULL);

  self = g_object_new (PEL_TYPE_SLICE_VIEW, NULL);
  self->view = view;
  self->document = g_object_ref (document);
  self->tools = g_object_ref (tools);
  gtk_widget_add_css_class (GTK_WIDGET (self), view == PL_VIEW_AXIAL ? "axial"
                            : view == PL_VIEW_CORONAL ? "coronal" : "sagittal");

  g_signal_connect (document, "volume-changed", G_CALLBACK (on_volume_changed), self);
  g_signal_connect (document, "labels-changed", G_CALLBACK (on_labels_changed), self);
  g_signal_connect (document, "cursor-changed", G_CALLBACK (on_cursor_changed), self);
  g_signal_connect_swapped (document, "table-changed", G_CALLBACK (on_display_changed), self);
  g_signal_connect_swapped (document, "overlays-changed", G_CALLBACK (on_display_changed), self);
  g_signal_connect_swapped (document, "notify::window", G_CALLBACK (on_display_changed), self);
  g_signal_connect_swapped (document, "notify::level", G_CALLBACK (on_display_changed), self);
  g_signal_connect_swapped (document, "notify::label-opacity", G_CALLBACK (on_display_changed), self);
  g_signal_connect_swapped (document, "notify::labels-visible", G_CALLBACK (on_display_changed), self);
  g_signal_connect_swapped (document, "notify::proposal-opacity", G_CALLBACK (on_display_changed), self);
  g_signal_connect_swapped (document, "notify::proposal-outline", G_CALLBACK (on_display_changed), self);
  g_signal_connect_swapped (tools, "notify", G_CALLBACK (on_tools_changed), self);
  on_tools_changed (self);
  if (pel_document_has_volume (document))
    on_volume_changed (document, self);
  return GTK_WIDGET (self);
}
