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

typedef struct
{
  PelVolumeRef *volume;
  double        lo, hi;
} CountData;

static void
count_data_free (gpointer p)
{
  CountData *d = p;
  pel_volume_ref_unref (d->volume);
  g_free (d);
}

/* Worker thread, at a lower priority than the window's (it starts with a
 * newly opened volume, whose first frame is being drawn). */
static gpointer
count_thread (gpointer data)
{
  g_autoptr (GTask) task = data;
  CountData *d = g_task_get_task_data (task);
  guint64 *counts = g_new (guint64, N_BINS);

  pl_volume_histogram (pel_volume_ref_get (d->volume), d->lo, d->hi, N_BINS, counts);
  g_task_return_pointer (task, counts, g_free);
  return NULL;
}

static void
counted (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr (PelHistogram) self = user_data;
  guint64 *counts = g_task_propagate_pointer (G_TASK (result), NULL);
  CountData *d = g_task_get_task_data (G_TASK (result));

  if (counts == NULL || g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    {
      g_free (counts);
      return;
    }
  g_free (self->counts);
  self->counts = counts;
  self->lo = d->lo;
  self->hi = d->hi;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READY]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_volume_changed (PelHistogram *self)
{
  PelVolumeRef *ref = pel_document_ref_volume (self->document);
  g_autoptr (GTask) task = NULL;
  CountData *d;

  if (self->counting)
    g_cancellable_cancel (self->counting);
  g_clear_object (&self->counting);
  g_clear_pointer (&self->counts, g_free);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READY]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (ref == NULL)
    return;
  d = g_new (CountData, 1);
  d->volume = ref;
  d->lo = pel_volume_ref_get (ref)->min;
  d->hi = pel_volume_ref_get (ref)->max;
  if (!(d->hi > d->lo))
    d->hi = d->lo + 1.0;
  self->counting = g_cancellable_new ();
  /* no source object: the worker may drop the task's last reference */
  task = g_task_new (NULL, self->counting, counted, g_object_ref (self));
  g_task_set_task_data (task, d, count_data_free);
  g_task_set_priority (task, G_PRIORITY_LOW);
  pel_thread_start_background ("histogram", count_thread, g_steal_pointer (&task));
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
