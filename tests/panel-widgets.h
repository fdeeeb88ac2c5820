/* Finding a panel's widgets by what the user sees, for the window and
 * panel suites and benchmarks: a button by its label, a status line by its
 * key.  Include once, in the program's single source file. */
#pragma once

#include <gtk/gtk.h>

/* The first button under root whose label starts with label_prefix. */
G_GNUC_UNUSED static GtkWidget *
find_button (GtkWidget  *root,
             const char *label_prefix)
{
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found;
      if (GTK_IS_BUTTON (c) && gtk_button_get_label (GTK_BUTTON (c))
          && g_str_has_prefix (gtk_button_get_label (GTK_BUTTON (c)), label_prefix))
        return c;
      if ((found = find_button (c, label_prefix)) != NULL)
        return found;
    }
  return NULL;
}

/* Clicks that button, which must be there and sensitive. */
G_GNUC_UNUSED static void
click (GtkWidget  *root,
       const char *label_prefix)
{
  GtkWidget *button = find_button (root, label_prefix);

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

/* The text of status line `key`, or NULL when it is hidden. */
G_GNUC_UNUSED static const char *
status_line (GtkWidget  *root,
             const char *key)
{
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      const char *found;
      if (GTK_IS_LABEL (c) && gtk_widget_has_css_class (c, "status-line")
          && g_str_equal (gtk_widget_get_name (c), key))
        return gtk_widget_get_visible (c) ? gtk_label_get_text (GTK_LABEL (c)) : NULL;
      if ((found = status_line (c, key)) != NULL)
        return found;
    }
  return NULL;
}
