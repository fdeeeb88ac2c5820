/* pel-slice-view.h: one anatomical view of the document.
 *
 * Draws, in order: the image with the document's window/level, the labels,
 * a proposal, the heat map (all rendered per voxel by pel-render.c and
 * scaled with a nearest filter so that zoom is pixel-exact), then the linked
 * crosshair, the brush outline under the pointer, orientation letters and
 * the slice number.  Display is radiological like ITK-SNAP: the patient's
 * left is on the screen's right in axial and coronal views (paint.h).
 *
 * Input: the tool of PelTools on the primary button (crosshair, pan, fill,
 * brush, eraser); middle or Shift+primary drag pans; secondary drag sets
 * window (horizontal) and level (vertical); the wheel moves the slice and
 * Ctrl+wheel zooms about the pointer.  The gesture handlers call the public
 * entry points below with widget coordinates, which tests call directly.
 */
#pragma once

#include <gtk/gtk.h>

#include "engine/data/volume.h"
#include "src/pel-document.h"
#include "src/pel-tools.h"

G_BEGIN_DECLS

#define PEL_TYPE_SLICE_VIEW (pel_slice_view_get_type ())
G_DECLARE_FINAL_TYPE (PelSliceView, pel_slice_view, PEL, SLICE_VIEW, GtkWidget)

GtkWidget *pel_slice_view_new              (PlView        view,
                                            PelDocument  *document,
                                            PelTools     *tools);
PlView     pel_slice_view_get_view         (PelSliceView *self);
const PlSliceFrame *pel_slice_view_get_frame (PelSliceView *self);
gint64     pel_slice_view_get_slice        (PelSliceView *self);
/* Moves the cursor by `delta` slices (positive: towards R, A or S). */
void       pel_slice_view_step_slice       (PelSliceView *self,
                                            int           delta);
/* Widget coordinates <-> continuous slice-pixel coordinates. */
void       pel_slice_view_widget_to_slice  (PelSliceView *self,
                                            double        wx,
                                            double        wy,
                                            double       *x,
                                            double       *y);
void       pel_slice_view_slice_to_widget  (PelSliceView *self,
                                            double        x,
                                            double        y,
                                            double       *wx,
                                            double       *wy);
/* The voxel under the pointer; FALSE when the pointer is elsewhere.  The
 * ::pointer-changed signal says when it may have changed. */
gboolean   pel_slice_view_get_pointer_voxel (PelSliceView *self,
                                             gint64        ijk[3]);
gboolean   pel_slice_view_has_pointer      (PelSliceView *self);
/* The voxel under widget point (wx, wy); FALSE outside the volume. */
gboolean   pel_slice_view_pick             (PelSliceView *self,
                                            double        wx,
                                            double        wy,
                                            gint64        ijk[3]);
void       pel_slice_view_zoom_to_fit      (PelSliceView *self);
/* Multiplies the zoom, keeping widget point (wx, wy) fixed. */
void       pel_slice_view_zoom_at          (PelSliceView *self,
                                            double        factor,
                                            double        wx,
                                            double        wy);
void       pel_slice_view_center_on_cursor (PelSliceView *self);
double     pel_slice_view_get_zoom         (PelSliceView *self);
void       pel_slice_view_set_annotations  (PelSliceView *self,
                                            gboolean      crosshair,
                                            gboolean      text);

/* Paint entry points used by the gestures (widget coordinates). */
void       pel_slice_view_stroke_begin     (PelSliceView *self,
                                            double        wx,
                                            double        wy,
                                            gboolean      erase);
void       pel_slice_view_stroke_update    (PelSliceView *self,
                                            double        wx,
                                            double        wy);
void       pel_slice_view_stroke_end       (PelSliceView *self);
void       pel_slice_view_stroke_cancel    (PelSliceView *self);
void       pel_slice_view_fill_at          (PelSliceView *self,
                                            double        wx,
                                            double        wy);
void       pel_slice_view_set_cursor_at    (PelSliceView *self,
                                            double        wx,
                                            double        wy);
/* The distance tool (widget coordinates): press, drag or move, release;
 * or two clicks.  The measurement is the "measurement" property: its
 * length in mm, or -1 when there is none. */
void       pel_slice_view_measure_press    (PelSliceView *self,
                                            double        wx,
                                            double        wy);
void       pel_slice_view_measure_motion   (PelSliceView *self,
                                            double        wx,
                                            double        wy);
void       pel_slice_view_measure_release  (PelSliceView *self,
                                            double        wx,
                                            double        wy);
double     pel_slice_view_get_measurement  (PelSliceView *self);
void       pel_slice_view_clear_measurement (PelSliceView *self);
/* Renders the slice layers into the view's backing surface now (the
 * snapshot does this lazily); exposed for the render benchmark and tests. */
void       pel_slice_view_render_layers    (PelSliceView *self);
/* A copy of the slice layers as the view shows them (rendered first when
 * stale), width x height pixels in pel_render_slice()'s layout; for tests. */
guint32   *pel_slice_view_copy_layers      (PelSliceView *self,
                                            gint64       *width,
                                            gint64       *height);
/* How many times the view's first frame of a volume was the image made on
 * the worker that read it (pel_document_offer_slice_images()). */
guint      pel_slice_view_get_n_prepared_frames (PelSliceView *self);
/* Whether the view's picture is up to date (drawn since the last change). */
gboolean   pel_slice_view_is_drawn   (PelSliceView *self);

G_END_DECLS
