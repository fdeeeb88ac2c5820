/* PelPlot: line plots and scatters with axes, ticks and units.  See pel-plot.h. */
#define G_LOG_DOMAIN "pel-plot"

#include "src/pel-plot.h"

#include <math.h>
#include <pango/pangocairo.h>

typedef struct
{
  char    *name;
  GdkRGBA  colour;
  double   width;
  gboolean points;        /* dots, no line (a scatter) */
  GArray  *x, *y;         /* doubles */
} Series;

struct _PelPlot
{
  GtkWidget  parent_instance;

  char      *x_label;
  char      *y_label;
  char      *placeholder;
  double     y_lo, y_hi;  /* fixed when y_lo < y_hi */
  double     x_extent;
  GPtrArray *series;      /* Series */
  double     x_max, y_max;
};

G_DEFINE_FINAL_TYPE (PelPlot, pel_plot, GTK_TYPE_WIDGET)

static void
series_free (gpointer p)
{
  Series *s = p;
  g_free (s->name);
  g_array_unref (s->x);
  g_array_unref (s->y);
  g_free (s);
}

guint
pel_plot_nice_ticks (double  lo,
                     double  hi,
                     guint   max_ticks,
                     double *ticks)
{
  double range = hi - lo, step, mag, first;
  static const double mult[] = { 1.0, 2.0, 5.0, 10.0 };
  guint n = 0;

  if (!(range > 0.0) || !isfinite (range) || max_ticks < 2)
    {
      if (max_ticks > 0 && isfinite (lo))
        ticks[n++] = lo;
      return n;
    }
  mag = pow (10.0, floor (log10 (range / (max_ticks - 1))));
  step = mag * 10.0;
  for (guint i = 0; i < G_N_ELEMENTS (mult); i++)
    if (floor (hi / (mag * mult[i])) - ceil (lo / (mag * mult[i])) + 1 <= max_ticks)
      {
        step = mag * mult[i];
        break;
      }
  first = ceil (lo / step - 1e-9) * step;
  for (double t = first; t <= hi + step * 1e-9 && n < max_ticks; t = first + n * step)
    ticks[n++] = fabs (t) < step * 1e-9 ? 0.0 : t;
  return n;
}

/* Text for a tick at v when ticks are `step` apart. */
static char *
tick_text (double v,
           double step)
{
  int decimals = step >= 1.0 ? 0 : (int) ceil (-log10 (step) - 1e-9);

  if (fabs (v) >= 1e5)
    return g_strdup_printf ("%.0e", v);
  if (step >= 1000.0 && fmod (v, 1000.0) == 0.0)
    return g_strdup_printf ("%.0fk", v / 1000.0);
  return g_strdup_printf ("%.*f", CLAMP (decimals, 0, 6), v);
}

static PangoLayout *
make_layout (PelPlot    *self,
             const char *text,
             double      scale)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);

  if (scale != 1.0)
    {
      PangoFontDescription *desc = pango_font_description_copy (
          pango_context_get_font_description (pango_layout_get_context (layout)));
      pango_font_description_set_size (desc, (int) (pango_font_description_get_size (desc) * scale));
      pango_layout_set_font_description (layout, desc);
      pango_font_description_free (desc);
    }
  return layout;
}

static void
show_text (PelPlot    *self,
           cairo_t    *cr,
           const char *text,
           double      x,
           double      y,
           double      align_x,
           double      align_y,
           double      scale)
{
  g_autoptr (PangoLayout) layout = make_layout (self, text, scale);
  int w, h;

  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, round (x - align_x * w), round (y - align_y * h));
  pango_cairo_show_layout (cr, layout);
}

static void
text_size (PelPlot    *self,
           const char *text,
           double      scale,
           int        *w,
           int        *h)
{
  g_autoptr (PangoLayout) layout = make_layout (self, text, scale);
  pango_layout_get_pixel_size (layout, w, h);
}

static void
y_limits (PelPlot *self,
          double  *lo,
          double  *hi)
{
  if (self->y_lo < self->y_hi)
    {
      *lo = self->y_lo;
      *hi = self->y_hi;
      return;
    }
  *lo = 0.0;
  *hi = self->y_max > 0.0 ? self->y_max : 1.0;
  {
    /* round the top up to the next tick */
    double ticks[8];
    guint n = pel_plot_nice_ticks (*lo, *hi, 5, ticks);
    if (n >= 2)
      {
        double step = ticks[1] - ticks[0];
        *hi = ceil (*hi / step - 1e-9) * step;
      }
  }
}

/* Draws one series; when it has more points than the plot has columns,
 * each column's min–max span instead of every segment. */
static void
draw_series (cairo_t      *cr,
             const Series *s,
             double        px,
             double        py,
             double        pw,
             double        ph,
             double        x_hi,
             double        y_lo,
             double        y_hi)
{
  const double *x = (const double *) s->x->data, *y = (const double *) s->y->data;
  guint n = s->x->len;
  double sx = pw / x_hi, sy = ph / (y_hi - y_lo);

#define PX(v) (px + (v) * sx)
#define PY(v) (py + ph - (CLAMP ((v), y_lo, y_hi) - y_lo) * sy)

  if (n == 0)
    return;
  cairo_set_source_rgba (cr, s->colour.red, s->colour.green, s->colour.blue, s->colour.alpha);
  cairo_set_line_width (cr, s->width);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  if (s->points)
    {
      for (guint i = 0; i < n; i++)
        if (isfinite (x[i]) && isfinite (y[i]))
          {
            cairo_new_sub_path (cr);
            cairo_arc (cr, PX (x[i]), PY (y[i]), s->width + 1.5, 0, 2 * G_PI);
          }
      cairo_fill (cr);
      return;
    }
  if (n == 1 || !isfinite (y[0]))
    {
      if (isfinite (y[0]))
        {
          cairo_arc (cr, PX (x[0]), PY (y[0]), s->width + 1.0, 0, 2 * G_PI);
          cairo_fill (cr);
        }
      if (n == 1)
        return;
    }
  if (n <= 2 * (guint) pw)
    {
      gboolean pen = FALSE;
      for (guint i = 0; i < n; i++)
        {
          if (!isfinite (y[i]))
            {
              pen = FALSE;
              continue;
            }
          if (pen)
            cairo_line_to (cr, PX (x[i]), PY (y[i]));
          else
            cairo_move_to (cr, PX (x[i]), PY (y[i]));
          pen = TRUE;
        }
      cairo_stroke (cr);
      return;
    }
  {
    guint i = 0;
    gboolean pen = FALSE;
    while (i < n)
      {
        int col = (int) floor (PX (x[i]));
        double lo = G_MAXDOUBLE, hi = -G_MAXDOUBLE, last = NAN;
        for (; i < n && (int) floor (PX (x[i])) == col; i++)
          if (isfinite (y[i]))
            {
              lo = MIN (lo, y[i]);
              hi = MAX (hi, y[i]);
              last = y[i];
            }
        if (!isfinite (last))
          continue;
        if (pen)
          cairo_line_to (cr, col + 0.5, PY (hi));
        else
          cairo_move_to (cr, col + 0.5, PY (hi));
        cairo_line_to (cr, col + 0.5, PY (lo));
        cairo_line_to (cr, col + 0.5, PY (last));
        pen = TRUE;
      }
    cairo_stroke (cr);
  }
#undef PX
#undef PY
}

#define SWATCH 10.0

/* Lays out (and with cr, draws) the legend: entries flow from first_x on
 * the top row, then wrap onto rows below starting at the left edge.
 * Returns the number of rows (0: no entry). */
static int
legend_layout (PelPlot       *self,
               double         w,
               double         first_x,
               int            th,
               cairo_t       *cr,
               const GdkRGBA *fg)
{
  double x = first_x, y = 2.0;
  int rows = 0;

  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);
      int tw, h;
      double ew;

      if (s->name == NULL || s->x->len == 0)
        continue;
      text_size (self, s->name, 0.8, &tw, &h);
      ew = SWATCH + 4.0 + tw;
      if (rows == 0)
        rows = 1;
      else if (x + ew > w - 2.0)
        {
          x = 2.0;
          y += th + 4.0;
          rows++;
        }
      if (rows == 1 && x + ew > w - 2.0 && x > 2.0)
        {
          /* the first entry does not fit beside the unit */
          x = 2.0;
          y += th + 4.0;
          rows++;
        }
      if (cr)
        {
          cairo_set_source_rgba (cr, s->colour.red, s->colour.green, s->colour.blue, 1.0);
          cairo_rectangle (cr, x, y + th / 2.0 - 1.5, SWATCH, 3.0);
          cairo_fill (cr);
          cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.75);
          show_text (self, cr, s->name, x + SWATCH + 4.0, y, 0.0, 0.0, 0.8);
        }
      x += ew + 12.0;
    }
  return rows;
}

static void
pel_plot_snapshot (GtkWidget   *widget,
                   GtkSnapshot *snapshot)
{
  PelPlot *self = PEL_PLOT (widget);
  double w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  GdkRGBA fg;
  double x_hi, y_lo, y_hi, xt[12], yt[8];
  guint nx, ny, n_points = 0;
  int tw, th, left = 0;
  int legend_rows;
  double px, py, pw, ph;
  cairo_t *cr;

  if (w < 40 || h < 40)
    return;
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);

  x_hi = MAX (self->x_extent, self->x_max);
  if (!(x_hi > 0.0))
    x_hi = 1.0;
  y_limits (self, &y_lo, &y_hi);
  for (guint i = 0; i < self->series->len; i++)
    n_points += ((Series *) g_ptr_array_index (self->series, i))->x->len;

  /* Margins: y tick labels on the left, x ticks and the x unit below, the
   * y unit above, and the legend beside it or, when it does not fit, on a
   * row of its own. */
  ny = pel_plot_nice_ticks (y_lo, y_hi, 5, yt);
  for (guint i = 0; i < ny; i++)
    {
      g_autofree char *t = tick_text (yt[i], ny > 1 ? yt[1] - yt[0] : 1.0);
      text_size (self, t, 0.8, &tw, &th);
      left = MAX (left, tw);
    }
  text_size (self, "0", 0.8, &tw, &th);
  {
    int yw = 0, h_;
    if (self->y_label)
      text_size (self, self->y_label, 0.8, &yw, &h_);
    legend_rows = legend_layout (self, w, yw + 16.0, th, NULL, &fg);
  }
  px = left + 8.0;
  py = th * MAX (legend_rows, 1) + 4.0 * MAX (legend_rows - 1, 0) + 10.0;
  pw = w - px - 10.0;
  ph = h - py - 2.0 * th - 8.0;
  if (pw < 20 || ph < 20)
    return;
  nx = pel_plot_nice_ticks (0.0, x_hi, MAX (2, MIN (8, (guint) (pw / 55.0))), xt);

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));

  /* frame and grid */
  cairo_set_line_width (cr, 1.0);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.10);
  for (guint i = 0; i < ny; i++)
    {
      double y = floor (py + ph - (yt[i] - y_lo) / (y_hi - y_lo) * ph) + 0.5;
      cairo_move_to (cr, px, y);
      cairo_line_to (cr, px + pw, y);
    }
  for (guint i = 0; i < nx; i++)
    {
      double x = floor (px + xt[i] / x_hi * pw) + 0.5;
      cairo_move_to (cr, x, py);
      cairo_line_to (cr, x, py + ph);
    }
  cairo_stroke (cr);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.45);
  cairo_move_to (cr, floor (px) + 0.5, py);
  cairo_line_to (cr, floor (px) + 0.5, floor (py + ph) + 0.5);
  cairo_line_to (cr, px + pw, floor (py + ph) + 0.5);
  cairo_stroke (cr);

  /* tick labels and units */
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.75);
  for (guint i = 0; i < ny; i++)
    {
      g_autofree char *t = tick_text (yt[i], ny > 1 ? yt[1] - yt[0] : 1.0);
      show_text (self, cr, t, px - 4.0, py + ph - (yt[i] - y_lo) / (y_hi - y_lo) * ph, 1.0, 0.5, 0.8);
    }
  for (guint i = 0; i < nx; i++)
    {
      g_autofree char *t = tick_text (xt[i], nx > 1 ? xt[1] - xt[0] : 1.0);
      double x = px + xt[i] / x_hi * pw;
      int lw, lh;
      text_size (self, t, 0.8, &lw, &lh);
      /* the first label starts at the axis, none runs off the right edge */
      show_text (self, cr, t, i == 0 ? x : MIN (x, w - 2.0 - lw / 2.0), py + ph + 3.0, i == 0 ? 0.0 : 0.5, 0.0, 0.8);
    }
  if (self->x_label)
    show_text (self, cr, self->x_label, px + pw, h - 2.0, 1.0, 1.0, 0.8);
  if (self->y_label)
    show_text (self, cr, self->y_label, 2.0, 2.0, 0.0, 0.0, 0.8);

  /* legend after the y unit, wrapping */
  {
    int yw = 0, h_;
    if (self->y_label)
      text_size (self, self->y_label, 0.8, &yw, &h_);
    legend_layout (self, w, yw + 16.0, th, cr, &fg);
  }

  /* data, clipped to the plot area */
  cairo_save (cr);
  cairo_rectangle (cr, px, py - 2.0, pw + 2.0, ph + 3.0);
  cairo_clip (cr);
  for (guint i = 0; i < self->series->len; i++)
    draw_series (cr, g_ptr_array_index (self->series, i), px, py, pw, ph, x_hi, y_lo, y_hi);
  cairo_restore (cr);

  if (n_points == 0 && self->placeholder && pw > 8.0)
    {
      /* wrapped to the plot area and clipped to it: never over the axes */
      g_autoptr (PangoLayout) layout = make_layout (self, self->placeholder, 0.9);
      int lw, lh;

      pango_layout_set_width (layout, (int) ((pw - 8.0) * PANGO_SCALE));
      pango_layout_set_wrap (layout, PANGO_WRAP_WORD);
      pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
      pango_layout_get_pixel_size (layout, &lw, &lh);
      cairo_save (cr);
      cairo_rectangle (cr, px, py, pw, ph);
      cairo_clip (cr);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.55);
      cairo_move_to (cr, round (px + (pw - lw) / 2.0), round (py + (ph - lh) / 2.0));
      pango_cairo_show_layout (cr, layout);
      cairo_restore (cr);
    }
  cairo_destroy (cr);
}

static void
pel_plot_measure (GtkWidget      *widget,
                  GtkOrientation  orientation,
                  int             for_size,
                  int            *minimum,
                  int            *natural,
                  int            *minimum_baseline,
                  int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 160;
      *natural = 320;
    }
  else
    {
      *minimum = 140;
      *natural = 190;
    }
}

static void
pel_plot_finalize (GObject *object)
{
  PelPlot *self = PEL_PLOT (object);

  g_free (self->x_label);
  g_free (self->y_label);
  g_free (self->placeholder);
  g_ptr_array_unref (self->series);
  G_OBJECT_CLASS (pel_plot_parent_class)->finalize (object);
}

static void
pel_plot_class_init (PelPlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = pel_plot_finalize;
  widget_class->snapshot = pel_plot_snapshot;
  widget_class->measure = pel_plot_measure;
  gtk_widget_class_set_css_name (widget_class, "plot");
}

static void
pel_plot_init (PelPlot *self)
{
  self->series = g_ptr_array_new_with_free_func (series_free);
}

GtkWidget *
pel_plot_new (const char *x_label,
              const char *y_label)
{
  PelPlot *self = g_object_new (PEL_TYPE_PLOT, NULL);

  pel_plot_set_labels (self, x_label, y_label);
  return GTK_WIDGET (self);
}

void
pel_plot_set_labels (PelPlot    *self,
                     const char *x_label,
                     const char *y_label)
{
  g_return_if_fail (PEL_IS_PLOT (self));
  g_free (self->x_label);
  g_free (self->y_label);
  self->x_label = g_strdup (x_label);
  self->y_label = g_strdup (y_label);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
pel_plot_set_y_range (PelPlot *self,
                      double   lo,
                      double   hi)
{
  g_return_if_fail (PEL_IS_PLOT (self));
  self->y_lo = lo;
  self->y_hi = hi;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
pel_plot_set_x_extent (PelPlot *self,
                       double   extent)
{
  g_return_if_fail (PEL_IS_PLOT (self));
  if (extent == self->x_extent)
    return;
  self->x_extent = extent;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
pel_plot_add_series (PelPlot       *self,
                     const char    *name,
                     const GdkRGBA *colour,
                     double         width)
{
  Series *s;

  g_return_val_if_fail (PEL_IS_PLOT (self), 0);
  s = g_new0 (Series, 1);
  s->name = g_strdup (name);
  s->colour = *colour;
  s->width = width;
  s->x = g_array_new (FALSE, FALSE, sizeof (double));
  s->y = g_array_new (FALSE, FALSE, sizeof (double));
  g_ptr_array_add (self->series, s);
  return self->series->len - 1;
}

void
pel_plot_set_series_points (PelPlot *self,
                            guint    series,
                            gboolean points)
{
  g_return_if_fail (PEL_IS_PLOT (self));
  g_return_if_fail (series < self->series->len);
  ((Series *) g_ptr_array_index (self->series, series))->points = points;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
pel_plot_append (PelPlot *self,
                 guint    series,
                 double   x,
                 double   y)
{
  Series *s;

  g_return_if_fail (PEL_IS_PLOT (self));
  g_return_if_fail (series < self->series->len);
  s = g_ptr_array_index (self->series, series);
  g_array_append_val (s->x, x);
  g_array_append_val (s->y, y);
  if (isfinite (x))
    self->x_max = MAX (self->x_max, x);
  if (isfinite (y))
    self->y_max = MAX (self->y_max, y);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
pel_plot_get_n_points (PelPlot *self,
                       guint    series)
{
  g_return_val_if_fail (PEL_IS_PLOT (self), 0);
  g_return_val_if_fail (series < self->series->len, 0);
  return ((Series *) g_ptr_array_index (self->series, series))->x->len;
}

void
pel_plot_clear (PelPlot *self)
{
  g_return_if_fail (PEL_IS_PLOT (self));
  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);
      g_array_set_size (s->x, 0);
      g_array_set_size (s->y, 0);
    }
  self->x_max = 0.0;
  self->y_max = 0.0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
pel_plot_remove_series (PelPlot *self)
{
  g_return_if_fail (PEL_IS_PLOT (self));
  g_ptr_array_set_size (self->series, 0);
  pel_plot_clear (self);
}

void
pel_plot_set_placeholder (PelPlot    *self,
                          const char *text)
{
  g_return_if_fail (PEL_IS_PLOT (self));
  g_free (self->placeholder);
  self->placeholder = g_strdup (text);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
