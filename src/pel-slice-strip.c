/* PelSliceStrip: labelled voxels per slice.  See pel-slice-strip.h. */
#define G_LOG_DOMAIN "pel-slice-strip"

#include "src/pel-slice-strip.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

struct _PelSliceStrip
{
  GtkWidget  parent_instance;

  gint64    *counts;
  gint64     n;
  gint64     max_count;
  gint64     current;
  gint64     held_out;
  double    *values;      /* optional per-slice values (NULL: none) */
  double     max_value;
};

G_DEFINE_FINAL_TYPE (PelSliceStrip, pel_slice_strip, GTK_TYPE_WIDGET)

enum
{
  SLICE_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

#define PAD 4.0

gint64
pel_slice_strip_slice_at (PelSliceStrip *self,
                          double         x)
{
  double w = gtk_widget_get_width (GTK_WIDGET (self)) - 2 * PAD;
  gint64 s;

  g_return_val_if_fail (PEL_IS_SLICE_STRIP (self), -1);
  if (self->n <= 0 || w <= 0)
    return -1;
  s = (gint64) floor ((x - PAD) / w * self->n);
  return s >= 0 && s < self->n ? s : -1;
}

gint64
pel_slice_strip_next_labelled (PelSliceStrip *self,
                               gint64         from,
                               int            dir)
{
  g_return_val_if_fail (PEL_IS_SLICE_STRIP (self), -1);
  for (gint64 s = from + dir; s >= 0 && s < self->n; s += dir)
    if (self->counts[s] > 0)
      return s;
  return -1;
}

static void
pel_slice_strip_snapshot (GtkWidget   *widget,
                          GtkSnapshot *snapshot)
{
  PelSliceStrip *self = PEL_SLICE_STRIP (widget);
  double w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  double iw = w - 2 * PAD, ih = h - 2 * PAD, col;
  GdkRGBA fg;
  cairo_t *cr;

  if (self->n <= 0 || iw < 4 || ih < 4)
    return;
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  col = iw / self->n;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));

  /* the track */
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.08);
  cairo_rectangle (cr, PAD, PAD, iw, ih);
  cairo_fill (cr);

  /* per-slice values, as an orange profile behind the labelled columns */
  if (self->values && self->max_value > 0.0)
    {
      cairo_set_source_rgba (cr, 0.93, 0.45, 0.13, 0.55);
      cairo_move_to (cr, PAD, PAD + ih);
      for (gint64 s = 0; s < self->n; s++)
        {
          double bh = self->values[s] / self->max_value * ih;
          cairo_line_to (cr, PAD + s * col, PAD + ih - bh);
          cairo_line_to (cr, PAD + (s + 1) * col, PAD + ih - bh);
        }
      cairo_line_to (cr, PAD + iw, PAD + ih);
      cairo_close_path (cr);
      cairo_fill (cr);
    }

  /* one column per labelled slice, at least a pixel wide */
  for (gint64 s = 0; s < self->n; s++)
    {
      double frac, x0, bw, bh;
      if (self->counts[s] <= 0)
        continue;
      frac = sqrt ((double) self->counts[s] / MAX (self->max_count, 1));
      bh = MAX (3.0, frac * ih);
      x0 = PAD + s * col;
      bw = MAX (col, 1.5);
      if (s == self->held_out)
        cairo_set_source_rgba (cr, 0.96, 0.62, 0.18, 1.0);
      else
        cairo_set_source_rgba (cr, 0.33, 0.63, 1.0, 1.0);
      cairo_rectangle (cr, x0, PAD + ih - bh, bw, bh);
      cairo_fill (cr);
    }

  /* the slice under the cursor */
  if (self->current >= 0 && self->current < self->n)
    {
      double x = PAD + (self->current + 0.5) * col;
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.9);
      cairo_set_line_width (cr, 1.0);
      cairo_move_to (cr, floor (x) + 0.5, PAD);
      cairo_line_to (cr, floor (x) + 0.5, PAD + ih);
      cairo_stroke (cr);
      cairo_move_to (cr, x - 4.0, 0.0);
      cairo_line_to (cr, x + 4.0, 0.0);
      cairo_line_to (cr, x, PAD + 1.0);
      cairo_close_path (cr);
      cairo_fill (cr);
    }
  cairo_destroy (cr);
}

static void
pel_slice_strip_measure (GtkWidget      *widget,
                         GtkOrientation  orientation,
                         int             for_size,
                         int            *minimum,
                         int            *natural,
                         int            *minimum_baseline,
                         int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 100;
      *natural = 300;
    }
  else
    *minimum = *natural = 34;
}

static gboolean
on_query_tooltip (GtkWidget  *widget,
                  int         x,
                  int         y,
                  gboolean    keyboard,
                  GtkTooltip *tooltip)
{
  PelSliceStrip *self = PEL_SLICE_STRIP (widget);
  gint64 s = keyboard ? self->current : pel_slice_strip_slice_at (self, x);
  g_autofree char *text = NULL;

  if (s < 0)
    return FALSE;
  if (self->counts[s] == 0)
    /* Translators: slice numbers count from 1, as the views show them */
    text = g_strdup_printf (_("Slice %" G_GINT64_FORMAT ": not labelled"), s + 1);
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "Slice %" G_GINT64_FORMAT ": %" G_GINT64_FORMAT " labelled voxel%s",
                                         "Slice %" G_GINT64_FORMAT ": %" G_GINT64_FORMAT " labelled voxels%s",
                                         (gulong) self->counts[s]),
                            s + 1, self->counts[s],
                            s == self->held_out ? _(" (held out to measure Dice)") : "");
  if (self->values)
    {
      char *more = g_strdup_printf (_("%s; mean %.4f"), text, self->values[s]);
      g_free (text);
      text = more;
    }
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
on_pressed (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            PelSliceStrip   *self)
{
  gint64 s = pel_slice_strip_slice_at (self, x);

  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (s >= 0)
    g_signal_emit (self, signals[SLICE_ACTIVATED], 0, s);
}

static gboolean
on_key_pressed (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                PelSliceStrip         *self)
{
  int dir = keyval == GDK_KEY_Left || keyval == GDK_KEY_KP_Left ? -1
            : keyval == GDK_KEY_Right || keyval == GDK_KEY_KP_Right ? 1 : 0;
  gint64 s;

  if (dir == 0)
    return FALSE;
  s = pel_slice_strip_next_labelled (self, self->current, dir);
  if (s >= 0)
    g_signal_emit (self, signals[SLICE_ACTIVATED], 0, s);
  return TRUE;
}

static void
pel_slice_strip_finalize (GObject *object)
{
  PelSliceStrip *self = PEL_SLICE_STRIP (object);

  g_free (self->counts);
  g_free (self->values);
  G_OBJECT_CLASS (pel_slice_strip_parent_class)->finalize (object);
}

static void
pel_slice_strip_class_init (PelSliceStripClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = pel_slice_strip_finalize;
  widget_class->snapshot = pel_slice_strip_snapshot;
  widget_class->measure = pel_slice_strip_measure;

  /* A slice was clicked (or chosen with Left/Right): its index. */
  signals[SLICE_ACTIVATED] =
    g_signal_new ("slice-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  gtk_widget_class_set_css_name (widget_class, "slice-strip");
}

static void
pel_slice_strip_init (PelSliceStrip *self)
{
  GtkGesture *click = gtk_gesture_click_new ();
  GtkEventController *key = gtk_event_controller_key_new ();

  self->current = -1;
  self->held_out = -1;
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "pointer");
  g_signal_connect (self, "query-tooltip", G_CALLBACK (on_query_tooltip), NULL);
  g_signal_connect (click, "pressed", G_CALLBACK (on_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  g_signal_connect (key, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), key);
}

GtkWidget *
pel_slice_strip_new (void)
{
  return g_object_new (PEL_TYPE_SLICE_STRIP, NULL);
}

void
pel_slice_strip_set_counts (PelSliceStrip *self,
                            const gint64  *counts,
                            gint64         n)
{
  g_return_if_fail (PEL_IS_SLICE_STRIP (self));
  g_return_if_fail (n >= 0);

  if (n != self->n)
    {
      g_free (self->counts);
      self->counts = g_new0 (gint64, MAX (n, 1));
      self->n = n;
      g_clear_pointer (&self->values, g_free);
    }
  else if (n > 0 && memcmp (self->counts, counts, sizeof (gint64) * n) == 0)
    return;
  if (n > 0)
    memcpy (self->counts, counts, sizeof (gint64) * n);
  self->max_count = 0;
  for (gint64 s = 0; s < n; s++)
    self->max_count = MAX (self->max_count, counts[s]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gint64
pel_slice_strip_get_n (PelSliceStrip *self)
{
  g_return_val_if_fail (PEL_IS_SLICE_STRIP (self), 0);
  return self->n;
}

gint64
pel_slice_strip_get_count (PelSliceStrip *self,
                           gint64         index)
{
  g_return_val_if_fail (PEL_IS_SLICE_STRIP (self), 0);
  return index >= 0 && index < self->n ? self->counts[index] : 0;
}

void
pel_slice_strip_set_current (PelSliceStrip *self,
                             gint64         index)
{
  g_return_if_fail (PEL_IS_SLICE_STRIP (self));
  if (index == self->current)
    return;
  self->current = index;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
pel_slice_strip_set_held_out (PelSliceStrip *self,
                              gint64         index)
{
  g_return_if_fail (PEL_IS_SLICE_STRIP (self));
  if (index == self->held_out)
    return;
  self->held_out = index;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
pel_slice_strip_set_values (PelSliceStrip *self,
                            const double  *values,
                            gint64         n)
{
  g_return_if_fail (PEL_IS_SLICE_STRIP (self));

  g_clear_pointer (&self->values, g_free);
  self->max_value = 0.0;
  if (values != NULL && n == self->n && n > 0)
    {
      self->values = g_memdup2 (values, sizeof (double) * n);
      for (gint64 s = 0; s < n; s++)
        self->max_value = MAX (self->max_value, values[s]);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

double
pel_slice_strip_get_value (PelSliceStrip *self,
                           gint64         index)
{
  g_return_val_if_fail (PEL_IS_SLICE_STRIP (self), 0.0);
  return self->values && index >= 0 && index < self->n ? self->values[index] : 0.0;
}
