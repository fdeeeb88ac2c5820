/* pel-labels-panel.h: the Labels side panel: the label table (add, remove,
 * rename, recolour, show/hide, lock; ITK-SNAP label descriptions), the
 * active label, paint-over mode, opacity, brush and fill settings. */
#pragma once

#include <gtk/gtk.h>

#include "src/pel-document.h"
#include "src/pel-tools.h"

G_BEGIN_DECLS

#define PEL_TYPE_LABELS_PANEL (pel_labels_panel_get_type ())
G_DECLARE_FINAL_TYPE (PelLabelsPanel, pel_labels_panel, PEL, LABELS_PANEL, GtkWidget)

GtkWidget *pel_labels_panel_new (PelDocument *document,
                                 PelTools    *tools);

G_END_DECLS
