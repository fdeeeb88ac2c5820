/* PelLabelsPanel: the label table and painting settings.  See the header. */
#define G_LOG_DOMAIN "pel-labels-panel"

#include "src/pel-labels-panel.h"

#include <glib/gi18n.h>

#include "src/pel-label-row.h"

struct _PelLabelsPanel
{
  GtkWidget       parent_instance;

  /* Template widgets */
  GtkWidget      *scroller;
  GtkListBox     *list;
  GtkButton      *remove_button;
  GtkDropDown    *paint_over;
  GtkDropDown    *side_pair;
  GtkLabel       *side_caption;
  GtkAdjustment  *opacity_adjustment;
  GtkCheckButton *show_labels;
  GtkToggleButton *round_button;
  GtkToggleButton *square_button;
  GtkSpinButton  *brush_size;
  GtkCheckButton *brush_3d;
  GtkAdjustment  *tolerance_adjustment;

  /* Owned */
  PelDocument    *document;
  PelTools       *tools;
  GArray         *over_values;      /* guint16 per paint-over entry from 2 on */
  GArray         *side_values;      /* guint16 per other-side entry from 1 on */
  guint           count_source;
  GCancellable   *counting;         /* the count in progress */
  gboolean        syncing;
};

G_DEFINE_FINAL_TYPE (PelLabelsPanel, pel_labels_panel, GTK_TYPE_WIDGET)

static PelLabelRow *
find_row (PelLabelsPanel *self,
          guint16         value)
{
  for (GtkWidget *w = gtk_widget_get_first_child (GTK_WIDGET (self->list)); w; w = gtk_widget_get_next_sibling (w))
    if (PEL_IS_LABEL_ROW (w) && pel_label_row_get_value (PEL_LABEL_ROW (w)) == value)
      return PEL_LABEL_ROW (w);
  return NULL;
}

static const char *
label_name (PlLabelTable *table,
            guint16       value)
{
  const PlLabel *l = pl_label_table_lookup (table, value);
  return l && l->name ? l->name : "";
}

/* The other side of the active label: "By name" or a label of the table,
 * and what training does with it when it mirrors a slice. */
static void
rebuild_side_pair (PelLabelsPanel *self)
{
  PlLabelTable *table = pel_document_get_label_table (self->document);
  guint16 active = pel_tools_get_active_label (self->tools);
  gboolean known = active != 0 && pl_label_table_lookup (table, active) != NULL;
  guint16 user = known ? pl_label_table_get_user_partner (table, active) : 0;
  guint16 partner = known ? pl_label_table_get_partner (table, active) : 0;
  g_autoptr (GtkStringList) model = gtk_string_list_new (NULL);
  g_autofree char *by_name = NULL, *caption = NULL;
  guint selected = 0;

  g_array_set_size (self->side_values, 0);
  if (partner && !user)
    /* Translators: the other-side choice that follows the names; %s is the label found */
    by_name = g_strdup_printf (_("By name: “%s”"), label_name (table, partner));
  else
    by_name = g_strdup (_("By name"));
  gtk_string_list_append (model, by_name);
  for (guint i = 0; known && i < pl_label_table_get_n (table); i++)
    {
      const PlLabel *l = pl_label_table_get_nth (table, i);
      if (l->value == 0 || l->value == active)
        continue;
      gtk_string_list_append (model, l->name);
      g_array_append_val (self->side_values, l->value);
      if (l->value == user)
        selected = self->side_values->len;
    }
  if (!known)
    caption = g_strdup ("");
  else if (partner)
    caption = g_strdup_printf (_("Training swaps it with “%s” in mirrored slices."), label_name (table, partner));
  else if (pl_label_table_mirror_value (table, active) == 0)
    caption = g_strdup (_("Its name says a side but no label matches it on the other side: "
                          "training does not mirror slices left to right. Choose its other side."));
  else
    caption = g_strdup (_("No side: mirrored slices keep it."));
  self->syncing = TRUE;
  gtk_drop_down_set_model (self->side_pair, G_LIST_MODEL (model));
  gtk_drop_down_set_selected (self->side_pair, selected);
  self->syncing = FALSE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->side_pair), known);
  gtk_label_set_text (self->side_caption, caption);
}

static void
on_side_pair_selected (PelLabelsPanel *self)
{
  guint selected = gtk_drop_down_get_selected (self->side_pair);
  guint16 active = pel_tools_get_active_label (self->tools);

  if (self->syncing || selected == GTK_INVALID_LIST_POSITION || active == 0)
    return;
  if (selected == 0)
    pel_document_set_label_partner (self->document, active, 0);
  else if (selected - 1 < self->side_values->len)
    pel_document_set_label_partner (self->document, active,
                                    g_array_index (self->side_values, guint16, selected - 1));
}

static void
select_active (PelLabelsPanel *self)
{
  PelLabelRow *row = find_row (self, pel_tools_get_active_label (self->tools));

  self->syncing = TRUE;
  gtk_list_box_select_row (self->list, row ? GTK_LIST_BOX_ROW (row) : NULL);
  self->syncing = FALSE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->remove_button), row != NULL);
  rebuild_side_pair (self);
}

static void
counted (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr (PelLabelsPanel) self = user_data;
  g_autofree guint64 *counts = pel_document_count_labels_finish (PEL_DOCUMENT (object), result, NULL);

  if (counts == NULL || self->list == NULL)
    return;   /* superseded, or the panel is gone */
  for (GtkWidget *w = gtk_widget_get_first_child (GTK_WIDGET (self->list)); w; w = gtk_widget_get_next_sibling (w))
    if (PEL_IS_LABEL_ROW (w))
      pel_label_row_set_count (PEL_LABEL_ROW (w), counts[pel_label_row_get_value (PEL_LABEL_ROW (w))]);
}

/* Counting runs on a worker (pel_document_count_labels_async). */
static gboolean
update_counts (gpointer user_data)
{
  PelLabelsPanel *self = user_data;

  self->count_source = 0;
  if (self->counting)
    g_cancellable_cancel (self->counting);
  g_clear_object (&self->counting);
  self->counting = g_cancellable_new ();
  pel_document_count_labels_async (self->document, self->counting, counted, g_object_ref (self));
  return G_SOURCE_REMOVE;
}

/* Counting scans the whole label map: done once painting pauses. */
static void
schedule_counts (PelLabelsPanel *self)
{
  g_clear_handle_id (&self->count_source, g_source_remove);
  self->count_source = g_timeout_add (400, update_counts, self);
}

static void
rebuild_paint_over (PelLabelsPanel *self)
{
  PlLabelTable *table = pel_document_get_label_table (self->document);
  g_autoptr (GtkStringList) model = gtk_string_list_new (NULL);
  guint16 over_label = 0;
  PelPaintOver over = pel_tools_get_paint_over (self->tools, &over_label);
  guint selected = over == PEL_PAINT_OVER_UNLABELLED ? 1 : 0;

  gtk_string_list_append (model, _("All labels"));
  gtk_string_list_append (model, _("Unlabelled voxels"));
  g_array_set_size (self->over_values, 0);
  for (guint i = 0; i < pl_label_table_get_n (table); i++)
    {
      const PlLabel *l = pl_label_table_get_nth (table, i);
      g_autofree char *text = NULL;
      if (l->value == 0)
        continue;
      /* Translators: a paint-over choice, %s is a label name */
      text = g_strdup_printf (_("Only “%s”"), l->name);
      gtk_string_list_append (model, text);
      g_array_append_val (self->over_values, l->value);
      if (over == PEL_PAINT_OVER_LABEL && l->value == over_label)
        selected = self->over_values->len + 1;
    }
  self->syncing = TRUE;
  gtk_drop_down_set_model (self->paint_over, G_LIST_MODEL (model));
  gtk_drop_down_set_selected (self->paint_over, selected);
  self->syncing = FALSE;
}

static void
rebuild_rows (PelLabelsPanel *self)
{
  PlLabelTable *table = pel_document_get_label_table (self->document);
  GtkWidget *child;
  gboolean same = TRUE;
  guint n_rows = 0;

  /* Same values as before: update in place, so that an entry being
   * renamed keeps its focus. */
  for (child = gtk_widget_get_first_child (GTK_WIDGET (self->list)); child; child = gtk_widget_get_next_sibling (child))
    n_rows++;
  if (n_rows + 1 != pl_label_table_get_n (table) || pl_label_table_lookup (table, 0) == NULL)
    same = FALSE;
  for (guint i = 0, r = 0; same && i < pl_label_table_get_n (table); i++)
    {
      const PlLabel *l = pl_label_table_get_nth (table, i);
      if (l->value == 0)
        continue;
      child = GTK_WIDGET (gtk_list_box_get_row_at_index (self->list, r++));
      same = child && pel_label_row_get_value (PEL_LABEL_ROW (child)) == l->value;
    }

  if (same)
    {
      for (child = gtk_widget_get_first_child (GTK_WIDGET (self->list)); child; child = gtk_widget_get_next_sibling (child))
        pel_label_row_update (PEL_LABEL_ROW (child));
    }
  else
    {
      while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
        gtk_list_box_remove (self->list, child);
      for (guint i = 0; i < pl_label_table_get_n (table); i++)
        {
          const PlLabel *l = pl_label_table_get_nth (table, i);
          if (l->value != 0)
            gtk_list_box_append (self->list, pel_label_row_new (self->document, l->value));
        }
      schedule_counts (self);
    }
  select_active (self);
  rebuild_paint_over (self);
}

static void
on_row_selected (PelLabelsPanel *self,
                 GtkListBoxRow  *row)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->remove_button), row != NULL);
  if (row && !self->syncing)
    pel_tools_set_active_label (self->tools, pel_label_row_get_value (PEL_LABEL_ROW (row)));
}

static void
on_add_clicked (PelLabelsPanel *self)
{
  PlLabel l = pl_label_table_next_free (pel_document_get_label_table (self->document));

  pel_document_set_label (self->document, &l);
  pel_tools_set_active_label (self->tools, l.value);
  g_free (l.name);
}

static void
on_remove_response (GtkDialog      *dialog,
                    int             response,
                    PelLabelsPanel *self)
{
  guint16 value = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (dialog), "value"));

  gtk_window_destroy (GTK_WINDOW (dialog));
  if (response == GTK_RESPONSE_ACCEPT)
    pel_document_remove_label (self->document, value);
}

static void
on_remove_clicked (PelLabelsPanel *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->list);
  g_autofree guint64 *counts = NULL;
  g_autofree char *number = NULL;
  PlLabel *l;
  guint16 value;
  GtkWidget *dialog;

  if (row == NULL)
    return;
  value = pel_label_row_get_value (PEL_LABEL_ROW (row));
  l = pl_label_table_lookup (pel_document_get_label_table (self->document), value);
  counts = g_new0 (guint64, value + 1);
  pel_document_count_labels (self->document, counts, value + 1);
  if (counts[value] == 0)
    {
      pel_document_remove_label (self->document, value);
      return;
    }
  dialog = gtk_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                   GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
                                   _("Remove “%s”?"), l ? l->name : "");
  number = g_strdup_printf ("%" G_GUINT64_FORMAT, counts[value]);
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog),
                                            g_dngettext (GETTEXT_PACKAGE,
                                                         "%s voxel holds this label; it will be cleared. You can undo this.",
                                                         "%s voxels hold this label; they will be cleared. You can undo this.",
                                                         (unsigned long) MIN (counts[value], G_MAXULONG)),
                                            number);
  gtk_dialog_add_buttons (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL,
                          _("_Remove"), GTK_RESPONSE_ACCEPT, NULL);
  g_object_set_data (G_OBJECT (dialog), "value", GUINT_TO_POINTER (value));
  g_signal_connect (dialog, "response", G_CALLBACK (on_remove_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_paint_over_selected (PelLabelsPanel *self)
{
  guint selected = gtk_drop_down_get_selected (self->paint_over);

  if (self->syncing || selected == GTK_INVALID_LIST_POSITION)
    return;
  if (selected < 2)
    g_object_set (self->tools, "paint-over", selected == 0 ? PEL_PAINT_OVER_ALL : PEL_PAINT_OVER_UNLABELLED, NULL);
  else if (selected - 2 < self->over_values->len)
    g_object_set (self->tools,
                  "paint-over", PEL_PAINT_OVER_LABEL,
                  "paint-over-label", (guint) g_array_index (self->over_values, guint16, selected - 2),
                  NULL);
}

static void
on_shape_toggled (PelLabelsPanel *self)
{
  if (!self->syncing)
    g_object_set (self->tools, "brush-shape",
                  gtk_toggle_button_get_active (self->round_button) ? PEL_BRUSH_SHAPE_ROUND : PEL_BRUSH_SHAPE_SQUARE,
                  NULL);
}

static void
on_tools_notify (PelLabelsPanel *self,
                 GParamSpec     *pspec)
{
  if (g_str_equal (pspec->name, "active-label"))
    select_active (self);
  else if (g_str_equal (pspec->name, "brush-shape"))
    {
      PlBrush brush;
      pel_tools_get_brush (self->tools, &brush);
      self->syncing = TRUE;
      gtk_toggle_button_set_active (brush.shape == PL_BRUSH_ROUND ? self->round_button : self->square_button, TRUE);
      self->syncing = FALSE;
    }
  else if (g_str_has_prefix (pspec->name, "paint-over"))
    rebuild_paint_over (self);
}

static void
on_volume_changed (PelLabelsPanel *self)
{
  const PlVolume *volume = pel_document_get_volume (self->document);

  if (volume)
    gtk_adjustment_set_upper (self->tolerance_adjustment, MAX (volume->max - volume->min, 1.0f));
  schedule_counts (self);
}

static void
pel_labels_panel_dispose (GObject *object)
{
  PelLabelsPanel *self = PEL_LABELS_PANEL (object);

  g_clear_handle_id (&self->count_source, g_source_remove);
  if (self->counting)
    g_cancellable_cancel (self->counting);
  g_clear_object (&self->counting);
  if (self->document)
    g_signal_handlers_disconnect_by_data (self->document, self);
  if (self->tools)
    g_signal_handlers_disconnect_by_data (self->tools, self);
  /* Removing the rows would report a selection change to a half-gone panel. */
  if (self->list)
    g_signal_handlers_disconnect_by_data (self->list, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), PEL_TYPE_LABELS_PANEL);
  g_clear_object (&self->document);
  g_clear_object (&self->tools);
  g_clear_pointer (&self->over_values, g_array_unref);
  g_clear_pointer (&self->side_values, g_array_unref);
  G_OBJECT_CLASS (pel_labels_panel_parent_class)->dispose (object);
}

static void
pel_labels_panel_class_init (PelLabelsPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pel_labels_panel_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/pellucid/Pellucid/ui/pel-labels-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, PelLabelsPanel, scroller);
  gtk_widget_class_bind_template_child (widget_class, PelLabelsPanel, list);
  gtk_widget_class_bind_template_child (widget_class, PelLabelsPanel, remove_button);
  gtk_widget_class_bind_template_child (widget_class, PelLabelsPanel, paint_over);
  gtk_widget_class_bind_template_child (widget_class, PelLabelsPanel, side_pair);
  gtk_widget_class_bind_template_child (widget_class, PelLabelsPanel, side_caption);
  gtk_widget_class_bind_template_child (widget_class, PelLabelsPanel, opacity_adjustment);
  gtk_widget_class_bind_template_child (widget_class, PelLabelsPanel, show_labels);
  gtk_widget_class_bind_template_child (widget_class, PelLabelsPanel, round_button);
  gtk_widget_class_bind_template_child (widget_class, PelLabelsPanel, square_button);
  gtk_widget_class_bind_template_child (widget_class, PelLabelsPanel, brush_size);
  gtk_widget_class_bind_template_child (widget_class, PelLabelsPanel, brush_3d);
  gtk_widget_class_bind_template_child (widget_class, PelLabelsPanel, tolerance_adjustment);
  gtk_widget_class_bind_template_callback (widget_class, on_row_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_add_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_remove_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_paint_over_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_side_pair_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_shape_toggled);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "labels-panel");
}

static void
pel_labels_panel_init (PelLabelsPanel *self)
{
  self->over_values = g_array_new (FALSE, FALSE, sizeof (guint16));
  self->side_values = g_array_new (FALSE, FALSE, sizeof (guint16));
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
pel_labels_panel_new (PelDocument *document,
                      PelTools    *tools)
{
  PelLabelsPanel *self = g_object_new (PEL_TYPE_LABELS_PANEL, NULL);
  PlBrush brush;

  self->document = g_object_ref (document);
  self->tools = g_object_ref (tools);

  g_object_bind_property (document, "label-opacity", self->opacity_adjustment, "value",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (document, "labels-visible", self->show_labels, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (tools, "brush-size", gtk_spin_button_get_adjustment (self->brush_size), "value",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (tools, "brush-3d", self->brush_3d, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (tools, "fill-tolerance", self->tolerance_adjustment, "value",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  pel_tools_get_brush (tools, &brush);
  gtk_toggle_button_set_active (brush.shape == PL_BRUSH_ROUND ? self->round_button : self->square_button, TRUE);

  g_signal_connect_swapped (document, "table-changed", G_CALLBACK (rebuild_rows), self);
  g_signal_connect_swapped (document, "labels-changed", G_CALLBACK (schedule_counts), self);
  g_signal_connect_swapped (document, "volume-changed", G_CALLBACK (on_volume_changed), self);
  g_signal_connect_swapped (tools, "notify", G_CALLBACK (on_tools_notify), self);
  rebuild_rows (self);
  on_volume_changed (self);
  return GTK_WIDGET (self);
}
