/* Shared parts of the side panels.  See pel-panel-kit.h. */
#define G_LOG_DOMAIN "pel-panel-kit"

#include "src/pel-panel-kit.h"

#include <glib/gi18n.h>

void
pel_panel_fix_width (GtkScrolledWindow *scroller)
{
  g_return_if_fail (GTK_IS_SCROLLED_WINDOW (scroller));
  /* EXTERNAL: the scrolled window does not ask for its content's width, so
   * a longer label or a progress text cannot push the side bar wider (it
   * grew 405 -> 440 -> 463 px while training and predicting); the content
   * gets the width there is and wraps. */
  gtk_scrolled_window_set_policy (scroller, GTK_POLICY_EXTERNAL, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_width (scroller, FALSE);
}

/* The format is the caller's, e.g. _("%.2f steps/s"). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static gboolean
rate_to_text (GBinding     *binding,
              const GValue *from,
              GValue       *to,
              gpointer      user_data)
{
  double rate = g_value_get_double (from);
  g_value_take_string (to, rate > 0.0 ? g_strdup_printf (user_data, rate) : g_strdup (""));
  return TRUE;
}
#pragma GCC diagnostic pop

static gboolean
left_to_text (GBinding     *binding,
              const GValue *from,
              GValue       *to,
              gpointer      user_data)
{
  double left = g_value_get_double (from);
  g_autofree char *d = left >= 0.0 ? pel_live_format_duration (left) : NULL;

  /* Translators: time left of a running computation, e.g. "1 min 05 s left" */
  g_value_take_string (to, d ? g_strdup_printf (_("%s left"), d) : g_strdup (""));
  return TRUE;
}

GtkWidget *
pel_run_row_new (PelLiveRun *run,
                 const char *rate_format,
                 const char *stop_action)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *caption = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *bar = gtk_progress_bar_new ();
  GtkWidget *rate = gtk_label_new (NULL);
  GtkWidget *left = gtk_label_new (NULL);

  g_return_val_if_fail (PEL_IS_LIVE_RUN (run), NULL);

  gtk_widget_set_hexpand (bar, TRUE);
  gtk_widget_set_valign (bar, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (top), bar);
  if (stop_action)
    {
      GtkWidget *stop = gtk_button_new_from_icon_name ("process-stop-symbolic");
      gtk_actionable_set_action_name (GTK_ACTIONABLE (stop), stop_action);
      gtk_widget_set_tooltip_text (stop, _("Stop"));
      gtk_widget_add_css_class (stop, "flat");
      gtk_box_append (GTK_BOX (top), stop);
    }
  for (GtkWidget *l = rate; l; l = l == rate ? left : NULL)
    {
      gtk_label_set_xalign (GTK_LABEL (l), 0.0f);
      gtk_label_set_ellipsize (GTK_LABEL (l), PANGO_ELLIPSIZE_END);
      gtk_widget_add_css_class (l, "dim-label");
      gtk_widget_add_css_class (l, "caption");
      gtk_widget_add_css_class (l, "numeric");
      gtk_box_append (GTK_BOX (caption), l);
    }
  gtk_box_append (GTK_BOX (box), top);
  gtk_box_append (GTK_BOX (box), caption);
  gtk_widget_add_css_class (box, "run-row");

  g_object_bind_property (run, "fraction", bar, "fraction", G_BINDING_SYNC_CREATE);
  g_object_bind_property_full (run, "rate", rate, "label", G_BINDING_SYNC_CREATE,
                               rate_to_text, NULL, g_strdup (rate_format), g_free);
  g_object_bind_property_full (run, "time-left", left, "label", G_BINDING_SYNC_CREATE,
                               left_to_text, NULL, NULL, NULL);
  return box;
}

/* ---- status lines --------------------------------------------------------- */

static GtkLabel *
line_for (GtkBox     *box,
          const char *key,
          gboolean    create)
{
  g_autofree char *data_key = g_strconcat ("pel-status-", key, NULL);
  GtkLabel *label = g_object_get_data (G_OBJECT (box), data_key);

  if (label == NULL && create)
    {
      label = GTK_LABEL (gtk_label_new (NULL));
      gtk_label_set_xalign (label, 0.0f);
      gtk_label_set_wrap (label, TRUE);
      gtk_label_set_wrap_mode (label, PANGO_WRAP_WORD_CHAR);
      gtk_widget_add_css_class (GTK_WIDGET (label), "status-line");
      gtk_widget_set_name (GTK_WIDGET (label), key);
      gtk_box_append (box, GTK_WIDGET (label));
      g_object_set_data (G_OBJECT (box), data_key, label);
    }
  return label;
}

void
pel_status_lines_set (GtkBox     *box,
                      const char *key,
                      const char *text,
                      gboolean    error)
{
  GtkLabel *label;

  g_return_if_fail (GTK_IS_BOX (box));
  label = line_for (box, key, text != NULL && *text);
  if (label == NULL)
    return;
  gtk_label_set_text (label, text ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (label), text != NULL && *text);
  if (error)
    gtk_widget_add_css_class (GTK_WIDGET (label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (label), "error");
}

gboolean
pel_status_lines_is_error (GtkBox     *box,
                           const char *key)
{
  GtkLabel *label = line_for (box, key, FALSE);
  return label && gtk_widget_get_visible (GTK_WIDGET (label))
         && gtk_widget_has_css_class (GTK_WIDGET (label), "error");
}

const char *
pel_status_lines_get (GtkBox     *box,
                      const char *key)
{
  GtkLabel *label = line_for (box, key, FALSE);
  return label && gtk_widget_get_visible (GTK_WIDGET (label)) ? gtk_label_get_text (label) : NULL;
}

void
pel_widget_set_tooltip (GtkWidget  *widget,
                        const char *text)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));
  if (g_strcmp0 (gtk_widget_get_tooltip_text (widget), text) != 0)
    gtk_widget_set_tooltip_text (widget, text);
}
