/* PelHistogram: intensity histogram with the display window.  See the
 * header. */
#define G_LOG_DOMAIN "pel-histogram"

#include "src/pel-histogram.h"

#include <glib/gi18n.h>
#include <math.h>

#include "src/pel-job.h"

#define N_BINS 128

struct _PelHistogram
{
  GtkWidget     parent_instance;

  /* Owned */
  PelDocument  *document;
  GCancellable *counting;
  guint64      *counts;      /* N_BINS, or NULL */
  double        lo, hi;
};

G_DEFINE_FINAL_TYPE (PelHistogram, pel_histogram, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_READY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* One count of the bins.  Made and freed on the main thread; the worker
 * fills counts and hands it back with an idle, touching nothing after
 * that, so that the volume's last reference (the user may have opened
 * another meanwhile) is never dropped on the low-priority thread. */
typedef struct
{
  PelHistogram  *self;
  GCancellable  *cancellable;
  PelVolumeRef  *volume;
  double         lo, hi;
  guint64       *counts;
  GMainContext  *context;
} Count;

static void
count_free (gpointer p)
{
  Count *c = p;
  g_object_unref (c->self);
  g_object_unref (c->cancellable);
  pel_volume_ref_unref (c->volume);
  g_free (c->counts);
  g_main_context_unref (c->context);
  g_free (c);
}

static gboolean
counted (gpointer data)
{
  Count *c = data;
  PelHistogram *self = c->self;

  if (g_cancellable_is_cancelled (c->cancellable))
    return G_SOURCE_REMOVE;
  g_free (self->counts);
  self->counts = g_steal_pointer (&c->counts);
  self->lo = c->lo;
  self->hi = c->hi;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READY]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return G_SOURCE_REMOVE;
}

/* The background thread (pel_thread_start_background()): a newly opened
 * volume's first frame is being drawn meanwhile. */
static gpointer
count_thread (gpointer data)
{
  Count *c = data;
  GMainContext *context = c->context;
  GSource *source;

  if (!g_cancellable_is_cancelled (c->cancellable))
    {
      c->counts = g_new (guint64, N_BINS);
      pl_volume_histogram (pel_volume_ref_get (c->volume), c->lo, c->hi, N_BINS, c->counts);
    }
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_LOW);
  g_source_set_callback (source, counted, c, count_free);
  g_source_attach (source, context);   /* c is not ours from here on */
  g_source_unref (source);
  return NULL;
}

static void
on_volume_changed (PelHistogram *self)
{
  PelVolumeRef *ref = pel_document_ref_volume (self->document);
  Count *c;

  if (self->counting)
    g_cancellable_cancel (self->counting);
  g_clear_object (&self->counting);
  g_clear_pointer (&self->counts, g_free);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READY]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (ref == NULL)
    return;
  self->counting = g_cancellable_new ();
  c = g_new0 (Count, 1);
  c->self = g_object_ref (self);
  c->cancellable = g_object_ref (self->counting);
  c->volume = ref;
  c->lo = pel_volume_ref_get (ref)->min;
  c->hi = pel_volume_ref_get (ref)->max;
  if (!(c->hi > c->lo))
    c->hi = c->lo + 1.0;
  c->context = g_main_context_ref_thread_default ();
  pel_thread_start_background (count_thread, c);
}

static void
pel_histogram_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  PelHistogram *self = PEL_HISTOGRAM (widget);
  double w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  double window, level, top = 0.0, x0, x1;
  GdkRGBA fg;
  cairo_t *cr;

  if (w < 2 || h < 2)
    return;
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.08);
  cairo_rectangle (cr, 0, 0, w, h);
  cairo_fill (cr);

  if (self->counts)
    {
      /* scaled to the second-highest bin: the highest is usually the
       * background (air, zeros), which would flatten every tissue peak;
       * it is clipped at the top */
      double first = 0.0;
      for (guint b = 0; b < N_BINS; b++)
        {
          double c = (double) self->counts[b];
          if (c > first)
            {
              top = first;
              first = c;
            }
          else if (c > top)
            top = c;
        }
      if (top <= 0.0)
        top = first;
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.7);
      for (guint b = 0; b < N_BINS && top > 0; b++)
        {
          double bh = (h - 2) * MIN ((double) self->counts[b] / (top * 1.05), 1.0);
          cairo_rectangle (cr, w * b / N_BINS, h - bh, w / N_BINS + 0.5, bh);
        }
      cairo_fill (cr);

      /* the window: what maps from black to white */
      pel_document_get_window_level (self->document, &window, &level);
      x0 = w * ((level - window / 2.0) - self->lo) / (self->hi - self->lo);
      x1 = w * ((level + window / 2.0) - self->lo) / (self->hi - self->lo);
      x0 = CLAMP (x0, -1.0, w + 1.0);
      x1 = CLAMP (x1, -1.0, w + 1.0);
      cairo_set_source_rgba (cr, 0.35, 0.72, 1.0, 0.25);
      cairo_rectangle (cr, x0, 0, MAX (x1 - x0, 1.0), h);
      cairo_fill (cr);
      cairo_set_source_rgba (cr, 0.35, 0.72, 1.0, 0.9);
      cairo_set_line_width (cr, 1.0);
      cairo_move_to (cr, floor (x0) + 0.5, 0);
      cairo_line_to (cr, floor (x0) + 0.5, h);
      cairo_move_to (cr, floor (x1) + 0.5, 0);
      cairo_line_to (cr, floor (x1) + 0.5, h);
      cairo_stroke (cr);
    }
  cairo_destroy (cr);
}

static void
pel_histogram_measure (GtkWidget      *widget,
                       GtkOrientation  orientation,
                       int             for_size,
                       int            *minimum,
                       int            *natural,
                       int            *minimum_baseline,
                       int            *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 160 : 60;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 220 : 72;
}

static void
pel_histogram_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  PelHistogram *self = PEL_HISTOGRAM (object);

  switch (prop_id)
    {
    case PROP_READY: g_value_set_boolean (value, self->counts != NULL); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pel_histogram_dispose (GObject *object)
{
  PelHistogram *self = PEL_HISTOGRAM (object);

  if (self->counting)
    g_cancellable_cancel (self->counting);
  g_clear_object (&self->counting);
  if (self->document)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_clear_object (&self->document);
  g_clear_pointer (&self->counts, g_free);
  G_OBJECT_CLASS (pel_histogram_parent_class)->dispose (object);
}

static void
pel_histogram_class_init (PelHistogramClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pel_histogram_dispose;
  object_class->get_property = pel_histogram_get_property;
  widget_class->snapshot = pel_histogram_snapshot;
  widget_class->measure = pel_histogram_measure;

  /* Whether the current volume's bins are counted. */
  properties[PROP_READY] = g_param_spec_boolean ("ready", NULL, NULL, FALSE,
                                                 G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  gtk_widget_class_set_css_name (widget_class, "histogram");
}

static void
pel_histogram_init (PelHistogram *self)
{
  gtk_widget_set_tooltip_text (GTK_WIDGET (self),
                               _("Intensity histogram (the tallest bar, usually the background, is cut off); the blue band is the window"));
}

GtkWidget *
pel_histogram_new (PelDocument *document)
{
  PelHistogram *self = g_object_new (PEL_TYPE_HISTOGRAM, NULL);

  self->document = g_object_ref (document);
  g_signal_connect_swapped (document, "volume-changed", G_CALLBACK (on_volume_changed), self);
  g_signal_connect_swapped (document, "notify::window", G_CALLBACK (gtk_widget_queue_draw), self);
  g_signal_connect_swapped (document, "notify::level", G_CALLBACK (gtk_widget_queue_draw), self);
  on_volume_changed (self);
  return GTK_WIDGET (self);
}

const guint64 *
pel_histogram_get_counts (PelHistogram *self,
                          guint        *n_bins,
                          double       *lo,
                          double       *hi)
{
  g_return_val_if_fail (PEL_IS_HISTOGRAM (self), NULL);
  if (n_bins)
    *n_bins = N_BINS;
  if (lo)
    *lo = self->lo;
  if (hi)
    *hi = self->hi;
  return self->counts;
}
