/* Shared by pel-slice-view.c (drawing) and pel-slice-view-input.c only. */
#pragma once

#include "src/pel-slice-view.h"

G_BEGIN_DECLS

typedef enum
{
  DRAG_NONE,
  DRAG_CROSSHAIR,
  DRAG_PAN,
  DRAG_PAINT,
  DRAG_CONTRAST,
  DRAG_MEASURE,
} DragMode;

typedef enum
{
  PEL_MEASURE_NONE,
  PEL_MEASURE_DRAGGING,   /* pressed: a drag draws the line */
  PEL_MEASURE_PENDING,    /* clicked once: waiting for the second click */
  PEL_MEASURE_CLOSING,    /* second press, until its release */
  PEL_MEASURE_DONE,
} MeasureState;

struct _PelSliceView
{
  GtkWidget        parent_instance;

  /* Borrowed-by-signal, owned references */
  PelDocument     *document;
  PelTools        *tools;

  PlView           view;
  PlSliceFrame     frame;
  gboolean         has_frame;

  /* Backing store: one pixel per slice voxel, re-rendered when stale. */
  cairo_surface_t *surface;
  gboolean         surface_stale;
  guint            n_adopted;        /* first frames made on a worker */

  /* Mapping: widget = centre of widget + (slice mm - centre_mm) * zoom. */
  double           zoom;             /* widget pixels per mm */
  double           centre_mm[2];     /* slice-plane point at the widget centre */
  gboolean         fit;              /* refit on resize until the user zooms */

  /* Pointer */
  gboolean         pointer_inside;
  double           pointer[2];

  /* Gesture state */
  DragMode         drag;
  double           drag_start[2];
  double           drag_start_centre[2];
  double           drag_start_window, drag_start_level;
  PlEdit          *edit;
  gboolean         erasing;
  double           last[2];          /* slice-pixel position of the last stamp */
  PlPaintRule     *rule;
  PlBrush          brush;

  /* The distance tool (pel-slice-view-measure.c), in slice pixels */
  MeasureState     measure_state;
  double           measure_a[2], measure_b[2];
  double           measure_press[2]; /* widget point of the first press */
  gint64           measure_slice;

  gboolean         show_crosshair;
  gboolean         show_text;
};

void pel_slice_view_install_input (PelSliceView *self);
/* pel-slice-view-measure.c */
void  pel_slice_view_draw_measurement (PelSliceView *self,
                                       cairo_t      *cr);
/* The length as text and where to put it, or NULL when none is shown. */
char *pel_slice_view_measurement_text (PelSliceView *self,
                                       double       *x,
                                       double       *y);
void pel_slice_view_pointer_moved (PelSliceView *self);

G_END_DECLS
