/* PelViewer: layout of the three slice views.  See pel-viewer.h. */
#define G_LOG_DOMAIN "pel-viewer"

#include "src/pel-viewer.h"

#include "src/pel-enums.h"

struct _PelViewer
{
  GtkWidget     parent_instance;
  GtkWidget    *box;
  PelSliceView *views[3];     /* indexed by PlView */
  PlView        active;
  PlView        pointer_view; /* -1: none */
  PelLayout     layout;
};

G_DEFINE_FINAL_TYPE (PelViewer, pel_viewer, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_LAYOUT,
  N_PROPS
};

enum
{
  POINTER_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Display order left to right, as ITK-SNAP: axial, sagittal, coronal. */
static const PlView order[3] = { PL_VIEW_AXIAL, PL_VIEW_SAGITTAL, PL_VIEW_CORONAL };

static void
apply_layout (PelViewer *self)
{
  for (int i = 0; i < 3; i++)
    {
      PlView v = order[i];
      gboolean visible = self->layout == PEL_LAYOUT_THREE
                         || (self->layout == PEL_LAYOUT_AXIAL && v == PL_VIEW_AXIAL)
                         || (self->layout == PEL_LAYOUT_CORONAL && v == PL_VIEW_CORONAL)
                         || (self->layout == PEL_LAYOUT_SAGITTAL && v == PL_VIEW_SAGITTAL);
      gtk_widget_set_visible (GTK_WIDGET (self->views[v]), visible);
      if (visible && self->layout != PEL_LAYOUT_THREE)
        self->active = v;
    }
}

static void
on_view_pointer_changed (PelSliceView *view,
                         PelViewer    *self)
{
  if (pel_slice_view_has_pointer (view))
    {
      self->active = pel_slice_view_get_view (view);
      self->pointer_view = self->active;
    }
  else if (self->pointer_view == pel_slice_view_get_view (view))
    self->pointer_view = (PlView) -1;
  g_signal_emit (self, signals[POINTER_CHANGED], 0);
}

static void
pel_viewer_dispose (GObject *object)
{
  PelViewer *self = PEL_VIEWER (object);

  g_clear_pointer (&self->box, gtk_widget_unparent);
  G_OBJECT_CLASS (pel_viewer_parent_class)->dispose (object);
}

static void
pel_viewer_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  PelViewer *self = PEL_VIEWER (object);

  switch (prop_id)
    {
    case PROP_LAYOUT:
      g_value_set_enum (value, self->layout);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pel_viewer_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  PelViewer *self = PEL_VIEWER (object);

  switch (prop_id)
    {
    case PROP_LAYOUT:
      pel_viewer_set_layout (self, g_value_get_enum (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pel_viewer_class_init (PelViewerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pel_viewer_dispose;
  object_class->get_property = pel_viewer_get_property;
  object_class->set_property = pel_viewer_set_property;

  properties[PROP_LAYOUT] =
    g_param_spec_enum ("layout", NULL, NULL, PEL_TYPE_LAYOUT, PEL_LAYOUT_THREE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[POINTER_CHANGED] =
    g_signal_new ("pointer-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "viewer");
}

static void
pel_viewer_init (PelViewer *self)
{
  self->active = PL_VIEW_AXIAL;
  self->pointer_view = (PlView) -1;
}

GtkWidget *
pel_viewer_new (PelDocument *document,
                PelTools    *tools)
{
  PelViewer *self = g_object_new (PEL_TYPE_VIEWER, NULL);

  self->box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 2);
  gtk_box_set_homogeneous (GTK_BOX (self->box), TRUE);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  for (int i = 0; i < 3; i++)
    {
      PlView v = order[i];
      self->views[v] = PEL_SLICE_VIEW (pel_slice_view_new (v, document, tools));
      gtk_widget_set_hexpand (GTK_WIDGET (self->views[v]), TRUE);
      gtk_widget_set_vexpand (GTK_WIDGET (self->views[v]), TRUE);
      g_signal_connect (self->views[v], "pointer-changed", G_CALLBACK (on_view_pointer_changed), self);
      gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->views[v]));
    }
  apply_layout (self);
  return GTK_WIDGET (self);
}

PelLayout
pel_viewer_get_layout (PelViewer *self)
{
  g_return_val_if_fail (PEL_IS_VIEWER (self), PEL_LAYOUT_THREE);
  return self->layout;
}

void
pel_viewer_set_layout (PelViewer *self,
                       PelLayout  layout)
{
  g_return_if_fail (PEL_IS_VIEWER (self));
  if (self->layout == layout)
    return;
  self->layout = layout;
  apply_layout (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAYOUT]);
}

PelSliceView *
pel_viewer_get_view (PelViewer *self,
                     PlView     view)
{
  g_return_val_if_fail (PEL_IS_VIEWER (self), NULL);
  g_return_val_if_fail (view <= PL_VIEW_AXIAL, NULL);
  return self->views[view];
}

PelSliceView *
pel_viewer_get_active_view (PelViewer *self)
{
  g_return_val_if_fail (PEL_IS_VIEWER (self), NULL);
  return self->views[self->active];
}

gboolean
pel_viewer_get_pointer_voxel (PelViewer *self,
                              gint64     ijk[3])
{
  g_return_val_if_fail (PEL_IS_VIEWER (self), FALSE);
  if ((int) self->pointer_view < 0)
    return FALSE;
  return pel_slice_view_get_pointer_voxel (self->views[self->pointer_view], ijk);
}

void
pel_viewer_zoom_to_fit (PelViewer *self)
{
  g_return_if_fail (PEL_IS_VIEWER (self));
  for (int v = 0; v < 3; v++)
    pel_slice_view_zoom_to_fit (self->views[v]);
}

void
pel_viewer_center_on_cursor (PelViewer *self)
{
  g_return_if_fail (PEL_IS_VIEWER (self));
  for (int v = 0; v < 3; v++)
    pel_slice_view_center_on_cursor (self->views[v]);
}

void
pel_viewer_set_annotations (PelViewer *self,
                            gboolean   crosshair,
                            gboolean   text)
{
  g_return_if_fail (PEL_IS_VIEWER (self));
  for (int v = 0; v < 3; v++)
    pel_slice_view_set_annotations (self->views[v], crosshair, text);
}
