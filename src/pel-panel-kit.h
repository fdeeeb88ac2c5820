/* pel-panel-kit.h: the parts every side panel with a live computation is
 * built from, so that each gets the same stable width, the same progress
 * row and one status line per fact.
 *
 *   pel_panel_fix_width (scroller)      the panel keeps the width the user
 *                                       gave the side bar, whatever text or
 *                                       progress it shows; content wraps
 *   pel_run_row_new (run, fmt, action)  a progress bar bound to a
 *                                       PelLiveRun's `fraction`, a caption
 *                                       bound to `rate` and `time-left`, and
 *                                       a Stop button for an action
 *   pel_status_lines_set (box, key, …)  one label per fact in a box: a new
 *                                       text for a key replaces only that
 *                                       line; NULL hides it
 *
 * A panel's template puts its long content in a GtkScrolledWindow and its
 * main actions (run, apply, save) in a footer under it, so they are always
 * visible; see ui/pel-train-panel.ui, the model for new panels.
 */
#pragma once

#include <gtk/gtk.h>

#include "src/pel-live-run.h"

G_BEGIN_DECLS

void       pel_panel_fix_width  (GtkScrolledWindow *scroller);
/* rate_format: e.g. _("%.2f steps/s"); stop_action: "train.stop" (NULL:
 * no Stop button). */
GtkWidget *pel_run_row_new      (PelLiveRun        *run,
                                 const char        *rate_format,
                                 const char        *stop_action);
void       pel_status_lines_set (GtkBox            *box,
                                 const char        *key,
                                 const char        *text,
                                 gboolean           error);
/* Whether a line is shown as an error. */
gboolean   pel_status_lines_is_error (GtkBox        *box,
                                      const char    *key);
/* The text of one line, or NULL when hidden (tests). */
const char *pel_status_lines_get (GtkBox           *box,
                                  const char       *key);
/* gtk_widget_set_tooltip_text(), skipped when the text is the same: each
 * call on a shown widget asks the display server where the pointer is, a
 * round trip that updates on every cursor move or open need not pay. */
void       pel_widget_set_tooltip (GtkWidget       *widget,
                                   const char      *text);

G_END_DECLS
