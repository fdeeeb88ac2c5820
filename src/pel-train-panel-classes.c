/* PelTrainPanel: the painted classes and the strip of labelled slices
 * (counted on workers as painting pauses), and following the cursor.
 * See pel-train-panel-private.h. */
#define G_LOG_DOMAIN "pel-train-panel"

#include "src/pel-train-panel-private.h"

#include <glib/gi18n.h>

/* The class totals, from a count of the whole label map. */
static void
rebuild_classes (PelTrainPanel  *self,
                 const guint64  *counts)
{
  PlLabelTable *table = pel_document_get_label_table (self->document);
  const guint32 *lut = pel_document_get_label_lut (self->document);
  GtkWidget *child;
  guint n = 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->classes_box))) != NULL)
    gtk_flow_box_remove (self->classes_box, child);
  for (guint v = 1; counts != NULL && v < 65536; v++)
    {
      PlLabel *l;
      g_autofree char *markup = NULL, *count = NULL, *tip = NULL;
      GtkWidget *label;

      if (counts[v] == 0)
        continue;
      l = pl_label_table_lookup (table, (guint16) v);
      count = pel_format_count ((gint64) counts[v]);
      markup = g_markup_printf_escaped ("<span foreground=\"#%06x\">●</span> %s <span alpha=\"60%%\">%s</span>",
                                        lut[v] & 0xffffff, l ? l->name : "?", count);
      label = gtk_label_new (NULL);
      gtk_label_set_markup (GTK_LABEL (label), markup);
      gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
      tip = g_strdup_printf (_("Label %u: %s voxels painted"), v, count);
      gtk_widget_set_tooltip_text (label, tip);
      gtk_flow_box_append (self->classes_box, label);
      n++;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->classes_hint), n < 2);
}

static void
classes_counted (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (PelTrainPanel) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree guint64 *counts = pel_document_count_labels_finish (PEL_DOCUMENT (object), result, &error);

  if (self->document == NULL)
    return;   /* disposed meanwhile */
  if (counts == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      && pel_document_has_volume (self->document))
    return;   /* superseded by a newer count */
  rebuild_classes (self, counts);
  pel_train_panel_rebuild_accept_classes (self);
}

/* The count scans the whole label map (35 M voxels for Colin27 at 0.5 mm:
 * 45 ms, which stalled the window after every opening and whenever
 * painting paused), so it runs on a worker, as the Labels panel's does. */
static gboolean
classes_timeout (gpointer user_data)
{
  PelTrainPanel *self = user_data;

  self->classes_source = 0;
  if (self->classes_counting)
    g_cancellable_cancel (self->classes_counting);
  g_clear_object (&self->classes_counting);
  self->classes_counting = g_cancellable_new ();
  pel_document_count_labels_async (self->document, self->classes_counting, classes_counted,
                                   g_object_ref (self));
  return G_SOURCE_REMOVE;
}

static gboolean
strip_counted (gpointer user_data)
{
  pel_train_panel_update_strip (user_data);
  return G_SOURCE_REMOVE;
}

void
pel_train_panel_update_strip (PelTrainPanel *self)
{
  const PlVolume *volume = pel_document_get_volume (self->document);
  gint64 labelled = 0, voxels = 0, cursor[3];
  g_autofree char *text = NULL, *count = NULL, *axis_title = NULL;

  if (volume == NULL)
    {
      pel_slice_strip_set_counts (self->strip, NULL, 0);
      gtk_label_set_text (self->strip_label, "");
      return;
    }
  if (self->counts.counts == NULL || self->counts.axis != self->settings.axis
      || self->counts.n != volume->dim[self->settings.axis])
    {
      pel_slice_counts_clear (&self->counts);
      pel_slice_counts_init (&self->counts, self->settings.axis, volume->dim[self->settings.axis]);
    }
  /* a whole new map is counted on a worker; strip_counted comes back */
  pel_slice_counts_refresh_async (&self->counts, self->document, strip_counted, self);
  pel_slice_strip_set_counts (self->strip, self->counts.counts, self->counts.n);
  pel_document_get_cursor (self->document, cursor);
  pel_slice_strip_set_current (self->strip, cursor[self->settings.axis]);
  {
    const PelTrainSettings *run = pel_train_session_get_settings (self->session);
    pel_slice_strip_set_held_out (self->strip, run && run->axis == self->settings.axis
                                  ? pel_train_session_get_holdout_slice (self->session) : -1);
  }
  for (gint64 s = 0; s < self->counts.n; s++)
    if (self->counts.counts[s] > 0)
      {
        labelled++;
        voxels += self->counts.counts[s];
      }
  count = pel_format_count (voxels);
  if (gtk_drop_down_get_selected_item (self->axis_dropdown))
    axis_title = g_utf8_strdown (gtk_string_object_get_string (GTK_STRING_OBJECT (
        gtk_drop_down_get_selected_item (self->axis_dropdown))), -1);
  /* Translators: e.g. "5 of 181 axial slices labelled, 123 456 voxels" */
  text = g_strdup_printf (_("%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " %s slices labelled, %s voxels"),
                          labelled, self->counts.n, axis_title ? axis_title : "", count);
  gtk_label_set_text (self->strip_label, text);
  /* Start needs a labelled slice; the ready line says how many */
  pel_train_panel_update_buttons (self);
  pel_train_panel_update_status (self);
}

static gboolean
counts_timeout (gpointer user_data)
{
  PelTrainPanel *self = user_data;

  self->counts_source = 0;
  pel_train_panel_update_strip (self);
  return G_SOURCE_REMOVE;
}

static void
on_labels_changed (PelTrainPanel *self)
{
  /* Painting changes a few slices: the strip recounts only those, soon;
   * the class totals scan the map, once painting pauses. */
  if (self->counts_source == 0)
    self->counts_source = g_timeout_add (150, counts_timeout, self);
  g_clear_handle_id (&self->classes_source, g_source_remove);
  self->classes_source = g_timeout_add (500, classes_timeout, self);
  /* "Accepted …" tells of one undo step: gone once it is undone */
  if (self->accept_step
      && g_strcmp0 (pl_undo_get_undo_name (pel_document_get_undo (self->document)), self->accept_step) != 0)
    {
      g_clear_pointer (&self->accept_step, g_free);
      pel_train_panel_set_line (self, "accept", NULL, FALSE);
    }
}

void
pel_train_panel_recount_classes (PelTrainPanel *self)
{
  g_clear_handle_id (&self->classes_source, g_source_remove);
  self->classes_source = g_timeout_add (50, classes_timeout, self);
}

static void
on_cursor_changed (PelTrainPanel *self)
{
  const PelTrainSettings *run = pel_train_session_get_settings (self->session);
  gint64 c[3];

  if (!pel_document_has_volume (self->document))
    return;
  pel_document_get_cursor (self->document, c);
  pel_slice_strip_set_current (self->strip, c[self->settings.axis]);
  pel_train_session_set_preview_slice (self->session, c[run ? run->axis : self->settings.axis]);
  pel_train_panel_update_buttons (self);
}

static void
on_slice_activated (PelTrainPanel *self,
                    gint64         index)
{
  gint64 c[3];

  pel_document_get_cursor (self->document, c);
  c[self->settings.axis] = index;
  pel_document_set_cursor (self->document, c);
}
void
pel_train_panel_connect_classes (PelTrainPanel *self)
{
  g_signal_connect_swapped (self->document, "labels-changed", G_CALLBACK (on_labels_changed), self);
  g_signal_connect_swapped (self->document, "table-changed", G_CALLBACK (pel_train_panel_recount_classes), self);
  g_signal_connect_swapped (self->document, "cursor-changed", G_CALLBACK (on_cursor_changed), self);
}

void
pel_train_panel_dispose_classes (PelTrainPanel *self)
{
  g_clear_handle_id (&self->counts_source, g_source_remove);
  g_clear_handle_id (&self->classes_source, g_source_remove);
  if (self->classes_counting)
    g_cancellable_cancel (self->classes_counting);
  g_clear_object (&self->classes_counting);
}

void
pel_train_panel_bind_classes_callbacks (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback (widget_class, on_slice_activated);
}
