/* PelLabelRow: one label table entry.  See pel-label-row.h. */
#define G_LOG_DOMAIN "pel-label-row"

#include "src/pel-label-row.h"
#include "src/pel-format.h"
#include "engine/data/measure.h"

#include <glib/gi18n.h>
#include <math.h>

struct _PelLabelRow
{
  GtkListBoxRow     parent_instance;

  /* Template widgets */
  GtkColorButton   *colour;
  GtkLabel         *value;
  GtkStack         *name_stack;
  GtkLabel         *name;
  GtkEntry         *name_entry;
  GtkLabel         *count;
  GtkToggleButton  *visible;
  GtkToggleButton  *locked;

  /* Owned */
  PelDocument      *document;
  guint16           label;
  guint64           n_voxels;
  gboolean          updating;
};

G_DEFINE_FINAL_TYPE (PelLabelRow, pel_label_row, GTK_TYPE_LIST_BOX_ROW)

/* Applies a change to a copy of the entry. */
static void
commit (PelLabelRow *self,
        void       (*change) (PelLabelRow *, PlLabel *))
{
  PlLabel *entry = pl_label_table_lookup (pel_document_get_label_table (self->document), self->label);
  PlLabel copy;
  g_autofree char *name = NULL;

  if (entry == NULL || self->updating)
    return;
  copy = *entry;
  copy.name = name = g_strdup (entry->name);
  change (self, &copy);
  if (copy.name != name)
    {
      g_free (name);
      name = copy.name;
    }
  pel_document_set_label (self->document, &copy);
}

static void
change_colour (PelLabelRow *self,
               PlLabel     *l)
{
  GdkRGBA rgba;

  gtk_color_chooser_get_rgba (GTK_COLOR_CHOOSER (self->colour), &rgba);
  l->rgb[0] = (guint8) lround (CLAMP (rgba.red, 0.0, 1.0) * 255);
  l->rgb[1] = (guint8) lround (CLAMP (rgba.green, 0.0, 1.0) * 255);
  l->rgb[2] = (guint8) lround (CLAMP (rgba.blue, 0.0, 1.0) * 255);
}

static void
on_colour_set (PelLabelRow *self)
{
  commit (self, change_colour);
}

static void
change_name (PelLabelRow *self,
             PlLabel     *l)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->name_entry));

  if (text && *text && g_strcmp0 (text, l->name) != 0)
    l->name = g_strdup (text);
}

static gboolean
editing (PelLabelRow *self)
{
  return gtk_stack_get_visible_child (self->name_stack) == GTK_WIDGET (self->name_entry);
}

static void
stop_editing (PelLabelRow *self)
{
  gtk_stack_set_visible_child (self->name_stack, GTK_WIDGET (self->name));
  gtk_widget_grab_focus (GTK_WIDGET (self));
}

static void
on_name_activate (PelLabelRow *self)
{
  if (!editing (self))
    return;
  stop_editing (self);
  commit (self, change_name);
}

static gboolean
on_name_key_pressed (PelLabelRow     *self,
                     guint            keyval,
                     guint            keycode,
                     GdkModifierType  state)
{
  if (keyval != GDK_KEY_Escape)
    return FALSE;
  stop_editing (self);
  return TRUE;
}

void
pel_label_row_start_editing (PelLabelRow *self)
{
  g_return_if_fail (PEL_IS_LABEL_ROW (self));
  gtk_editable_set_text (GTK_EDITABLE (self->name_entry), gtk_label_get_text (self->name));
  gtk_stack_set_visible_child (self->name_stack, GTK_WIDGET (self->name_entry));
  gtk_widget_grab_focus (GTK_WIDGET (self->name_entry));
}

static void
on_pressed (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            PelLabelRow     *self)
{
  if (n_press == 2 && !editing (self))
    pel_label_row_start_editing (self);
}

static void
change_flags (PelLabelRow *self,
              PlLabel     *l)
{
  l->visible = gtk_toggle_button_get_active (self->visible);
  l->locked = gtk_toggle_button_get_active (self->locked);
}

static void
on_flags_toggled (PelLabelRow *self)
{
  gtk_button_set_icon_name (GTK_BUTTON (self->visible),
                            gtk_toggle_button_get_active (self->visible)
                            ? "view-reveal-symbolic" : "view-conceal-symbolic");
  commit (self, change_flags);
}

static void
pel_label_row_dispose (GObject *object)
{
  PelLabelRow *self = PEL_LABEL_ROW (object);

  g_clear_object (&self->document);
  gtk_widget_dispose_template (GTK_WIDGET (self), PEL_TYPE_LABEL_ROW);
  G_OBJECT_CLASS (pel_label_row_parent_class)->dispose (object);
}

static void
pel_label_row_class_init (PelLabelRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pel_label_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/pellucid/Pellucid/ui/pel-label-row.ui");
  gtk_widget_class_bind_template_child (widget_class, PelLabelRow, colour);
  gtk_widget_class_bind_template_child (widget_class, PelLabelRow, value);
  gtk_widget_class_bind_template_child (widget_class, PelLabelRow, name_stack);
  gtk_widget_class_bind_template_child (widget_class, PelLabelRow, name);
  gtk_widget_class_bind_template_child (widget_class, PelLabelRow, name_entry);
  gtk_widget_class_bind_template_child (widget_class, PelLabelRow, count);
  gtk_widget_class_bind_template_child (widget_class, PelLabelRow, visible);
  gtk_widget_class_bind_template_child (widget_class, PelLabelRow, locked);
  gtk_widget_class_bind_template_callback (widget_class, on_colour_set);
  gtk_widget_class_bind_template_callback (widget_class, on_name_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_name_key_pressed);
  gtk_widget_class_bind_template_callback (widget_class, on_flags_toggled);
}

static void
pel_label_row_init (PelLabelRow *self)
{
  GtkGesture *click = gtk_gesture_click_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (click, "pressed", G_CALLBACK (on_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->name_stack), GTK_EVENT_CONTROLLER (click));
}

GtkWidget *
pel_label_row_new (PelDocument *document,
                   guint16      value)
{
  PelLabelRow *self = g_object_new (PEL_TYPE_LABEL_ROW, NULL);

  self->document = g_object_ref (document);
  self->label = value;
  pel_label_row_update (self);
  return GTK_WIDGET (self);
}

guint16
pel_label_row_get_value (PelLabelRow *self)
{
  g_return_val_if_fail (PEL_IS_LABEL_ROW (self), 0);
  return self->label;
}

void
pel_label_row_update (PelLabelRow *self)
{
  PlLabel *l;
  GdkRGBA rgba;
  g_autofree char *value = NULL;

  g_return_if_fail (PEL_IS_LABEL_ROW (self));
  l = pl_label_table_lookup (pel_document_get_label_table (self->document), self->label);
  if (l == NULL)
    return;

  self->updating = TRUE;
  rgba = (GdkRGBA) { l->rgb[0] / 255.0f, l->rgb[1] / 255.0f, l->rgb[2] / 255.0f, 1.0f };
  gtk_color_chooser_set_rgba (GTK_COLOR_CHOOSER (self->colour), &rgba);
  value = g_strdup_printf ("%u", l->value);
  gtk_label_set_text (self->value, value);
  gtk_label_set_text (self->name, l->name);
  gtk_toggle_button_set_active (self->visible, l->visible);
  gtk_button_set_icon_name (GTK_BUTTON (self->visible), l->visible ? "view-reveal-symbolic" : "view-conceal-symbolic");
  gtk_toggle_button_set_active (self->locked, l->locked);
  self->updating = FALSE;
}

void
pel_label_row_set_count (PelLabelRow *self,
                         guint64      count)
{
  g_autofree char *text = NULL;
  const PlVolume *volume;

  g_return_if_fail (PEL_IS_LABEL_ROW (self));
  self->n_voxels = count;
  volume = pel_document_get_volume (self->document);
  if (count == 0 || volume == NULL)
    text = g_strdup ("");
  else
    {
      g_autofree char *voxels = pel_format_count ((gint64) count);
      double ml = (double) count * pl_volume_voxel_mm3 (volume) / 1000.0;

      /* Translators: a label's size, voxels then millilitres */
      text = g_strdup_printf (_("%s vx\n%.*f mL"), voxels, ml < 10 ? 2 : ml < 1000 ? 1 : 0, ml);
    }
  gtk_label_set_text (self->count, text);
}

guint64
pel_label_row_get_count (PelLabelRow *self)
{
  g_return_val_if_fail (PEL_IS_LABEL_ROW (self), 0);
  return self->n_voxels;
}
