/* pel-application.h: the GtkApplication (io.pellucid.Pellucid).
 *
 *   pellucid [IMAGE] [-s SEGMENTATION] [-l LABEL-DESCRIPTION]
 *
 * Application actions (quit, about, new-window, help(s)), the keyboard accelerators
 * with Ctrl, the dark style a viewer wants, and opening files given on the
 * command line in a window.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PEL_TYPE_APPLICATION (pel_application_get_type ())
G_DECLARE_FINAL_TYPE (PelApplication, pel_application, PEL, APPLICATION, GtkApplication)

PelApplication *pel_application_new      (void);
/* The path of a document the Help menu opens (app.help): "README" or a
 * page of docs/ by its name ("methods", "cases", …), looked up in
 * $PELLUCID_DOCDIR, the installed documentation, then the source tree;
 * NULL when none has it. */
char           *pel_application_find_doc (const char *name);

G_END_DECLS
