/* pel-viewer.h: the three slice views, side by side or one of them large.
 *
 * The `layout` property (PelLayout) picks the arrangement; the active view
 * is the one the pointer was last over, and keyboard slice scrolling acts
 * on it.  ::pointer-changed is re-emitted from whichever view has the
 * pointer, for the status bar.
 */
#pragma once

#include <gtk/gtk.h>

#include "src/pel-document.h"
#include "src/pel-slice-view.h"
#include "src/pel-tools.h"
#include "src/pel-types.h"

G_BEGIN_DECLS

#define PEL_TYPE_VIEWER (pel_viewer_get_type ())
G_DECLARE_FINAL_TYPE (PelViewer, pel_viewer, PEL, VIEWER, GtkWidget)

GtkWidget    *pel_viewer_new             (PelDocument *document,
                                          PelTools    *tools);
PelLayout     pel_viewer_get_layout      (PelViewer   *self);
void          pel_viewer_set_layout      (PelViewer   *self,
                                          PelLayout    layout);
PelSliceView *pel_viewer_get_view        (PelViewer   *self,
                                          PlView       view);
PelSliceView *pel_viewer_get_active_view (PelViewer   *self);
/* The voxel under the pointer in whichever view has it. */
gboolean      pel_viewer_get_pointer_voxel (PelViewer *self,
                                            gint64     ijk[3]);
void          pel_viewer_zoom_to_fit     (PelViewer   *self);
void          pel_viewer_center_on_cursor (PelViewer  *self);
void          pel_viewer_set_annotations (PelViewer   *self,
                                          gboolean     crosshair,
                                          gboolean     text);

G_END_DECLS
