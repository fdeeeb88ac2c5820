/* The side panels, in the order they appear.  See pel-panels.h. */
#define G_LOG_DOMAIN "pel-panels"

#include "src/pel-panels.h"

#include <glib/gi18n.h>

/* One line per panel: page name, title, icon, constructor.  The
 * constructor's prototype is declared from this list too, so a new panel
 * needs no other edit here. */
#define PEL_PANEL_LIST(X)                                                    \
  X ("labels", N_("Labels"), "pel-labels-symbolic", pel_labels_panel_new) \
  X ("cases", N_("Cases"), "view-list-symbolic", pel_cases_panel_new) \
  X ("train", N_("Train"), "pel-train-symbolic", pel_train_panel_new) \
  X ("restore", N_("Restore"), "image-x-generic-symbolic", pel_restore_panel_new) \
  X ("uncertainty", N_("Uncertainty"), "dialog-question-symbolic", pel_uncertainty_panel_new) \
  X ("explain", N_("Explain"), "system-search-symbolic", pel_explain_panel_new)

#define DECLARE(name, title, icon, create) GtkWidget *create (PelDocument *, PelTools *);
#define ENTRY(name, title, icon, create) { name, title, icon, create },

PEL_PANEL_LIST (DECLARE)

static const PelPanelInfo panels[] = {
  PEL_PANEL_LIST (ENTRY)
};

const PelPanelInfo *
pel_panels_get (guint *n_panels)
{
  *n_panels = G_N_ELEMENTS (panels);
  return panels;
}
