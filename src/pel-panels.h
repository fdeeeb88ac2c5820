/* pel-panels.h: the side panels of the main window.
 *
 * Adding a panel is its own file(s) plus one line in the table in
 * pel-panels.c: a page name, a title, an icon and a constructor taking the
 * window's document and tools.  The window builds every panel in order into
 * its side GtkStack.
 */
#pragma once

#include <gtk/gtk.h>

#include "src/pel-document.h"
#include "src/pel-tools.h"

G_BEGIN_DECLS

typedef struct
{
  const char *name;        /* GtkStack page name */
  const char *title;       /* N_() marked; translated when shown */
  const char *icon_name;
  GtkWidget *(*create) (PelDocument *document,
                        PelTools    *tools);
} PelPanelInfo;

const PelPanelInfo *pel_panels_get (guint *n_panels);

G_END_DECLS
