/* pel-label-row.h: one entry of the label table in the labels panel:
 * colour, value, editable name, visibility and lock. */
#pragma once

#include <gtk/gtk.h>

#include "src/pel-document.h"

G_BEGIN_DECLS

#define PEL_TYPE_LABEL_ROW (pel_label_row_get_type ())
G_DECLARE_FINAL_TYPE (PelLabelRow, pel_label_row, PEL, LABEL_ROW, GtkListBoxRow)

GtkWidget *pel_label_row_new       (PelDocument *document,
                                    guint16      value);
guint16    pel_label_row_get_value (PelLabelRow *self);
/* Refreshes the widgets from the document's table entry. */
void       pel_label_row_update    (PelLabelRow *self);
/* Replaces the name by an entry (also on double-click); Enter keeps it. */
void       pel_label_row_start_editing (PelLabelRow *self);
/* Shows the number of voxels holding the label. */
void       pel_label_row_set_count (PelLabelRow *self,
                                    guint64      count);
/* The voxels shown (0 until counted). */
guint64    pel_label_row_get_count (PelLabelRow *self);

G_END_DECLS
