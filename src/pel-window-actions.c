/* PelWindow actions and keyboard shortcuts.
 *
 * Single-key shortcuts follow ITK-SNAP (1-4 tools, +/- brush size, < >
 * active label, S/A/D segmentation visibility and opacity, W/Q/E overlay,
 * C centre, X annotations) and are class bindings of the window, handled
 * when the key bubbles up unhandled, so that typing in a text field never
 * triggers them.  Ctrl shortcuts are application accelerators
 * (pel-application.c).
 */
#define G_LOG_DOMAIN "pel-window"

#include "src/pel-window-private.h"

#include <glib/gi18n.h>
#include <math.h>

#include "src/pel-enums.h"
#include "src/pel-histogram.h"
#include "src/pel-settings.h"

/* Named window/level presets, in Hounsfield units for CT (usual reading
 * windows, e.g. Radiopaedia "windowing (CT)"). */
static const struct
{
  const char *id;
  const char *label;
  double      window, level;
} presets[] = {
  { "auto", N_("Auto (1st–99th percentile)"), 0, 0 },
  { "full", N_("Full range"), 0, 0 },
  { "ct-brain", N_("CT brain"), 80, 40 },
  { "ct-soft-tissue", N_("CT soft tissue"), 350, 50 },
  { "ct-abdomen", N_("CT abdomen"), 400, 40 },
  { "ct-lung", N_("CT lung"), 1500, -600 },
  { "ct-bone", N_("CT bone"), 2000, 500 },
};

const char *
pel_window_preset_for_volume (const char     *preset,
                              const PlVolume *volume)
{
  /* CT presets make sense only for Hounsfield units (air is about -1000). */
  return g_str_has_prefix (preset, "ct-") && volume->min > -500.0f ? "auto" : preset;
}

void
pel_window_preset_window_level (const char     *preset,
                                const PlVolume *volume,
                                double          auto_window,
                                double          auto_level,
                                double         *window,
                                double         *level)
{
  if (g_strcmp0 (preset, "full") == 0)
    {
      *window = MAX (volume->max - volume->min, 1e-6);
      *level = (volume->max + volume->min) / 2.0;
      return;
    }
  *window = auto_window;
  *level = auto_level;
  for (guint i = 2; i < G_N_ELEMENTS (presets); i++)
    if (g_strcmp0 (preset, presets[i].id) == 0)
      {
        *window = presets[i].window;
        *level = presets[i].level;
      }
}

void
pel_window_apply_preset (PelWindow  *self,
                         const char *preset)
{
  const PlVolume *volume = pel_document_get_volume (self->document);
  double auto_window, auto_level, window, level;

  if (volume == NULL)
    return;
  pel_document_get_auto_window (self->document, &auto_window, &auto_level);
  pel_window_preset_window_level (preset, volume, auto_window, auto_level, &window, &level);
  pel_document_set_window_level (self->document, window, level);
}

static void
preset_activated (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  PelWindow *self = user_data;
  const char *id = g_variant_get_string (parameter, NULL);

  pel_window_apply_preset (self, id);
  g_object_set (pel_settings_get_default (), "last-preset", id, NULL);
}

static void
open_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  pel_window_choose_image (user_data);
}

/* Ctrl+O, ITK-SNAP's "open segmentation": with no image open there is
 * nothing to put one on, so it opens an image instead, saying so, rather
 * than doing nothing. */
static void
open_segmentation_activated (GSimpleAction *action,
                             GVariant      *parameter,
                             gpointer       user_data)
{
  PelWindow *self = user_data;

  if (pel_window_job_running (self))
    pel_window_show_notice (self, GTK_MESSAGE_INFO, _("Please wait until the current file operation has finished."));
  else if (!pel_document_has_volume (self->document))
    {
      pel_window_show_notice (self, GTK_MESSAGE_INFO,
                              _("A segmentation is drawn on an image: open the image first."));
      pel_window_choose_image (self);
    }
  else
    pel_window_choose_segmentation (self);
}

static void
open_recent_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  g_autoptr (GFile) file = g_file_new_for_uri (g_variant_get_string (parameter, NULL));
  pel_window_open (user_data, file, NULL, NULL);
}

static int
compare_recent (gconstpointer a,
                gconstpointer b)
{
  GDateTime *ma = gtk_recent_info_get_modified ((GtkRecentInfo *) a);
  GDateTime *mb = gtk_recent_info_get_modified ((GtkRecentInfo *) b);
  return -g_date_time_compare (ma, mb);
}

/* The five newest images opened with Pellucid; Ctrl+1..5 open them. */
static GList *
newest_recent (void)
{
  GList *ours = NULL;
  GList *items = gtk_recent_manager_get_items (gtk_recent_manager_get_default ());
  const char *app = g_get_application_name ();

  for (GList *l = items; l; l = l->next)
    if (app && gtk_recent_info_has_application (l->data, app) && gtk_recent_info_exists (l->data))
      ours = g_list_prepend (ours, gtk_recent_info_ref (l->data));
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
  ours = g_list_sort (ours, compare_recent);
  while (g_list_length (ours) > 5)
    {
      GList *last = g_list_last (ours);
      gtk_recent_info_unref (last->data);
      ours = g_list_delete_link (ours, last);
    }
  return ours;
}

void
pel_window_rebuild_recent (PelWindow *self)
{
  GList *items = newest_recent ();

  g_menu_remove_all (self->recent_menu);
  for (GList *l = items; l; l = l->next)
    {
      g_autoptr (GMenuItem) item = g_menu_item_new (gtk_recent_info_get_display_name (l->data), NULL);
      g_menu_item_set_action_and_target (item, "win.open-recent", "s", gtk_recent_info_get_uri (l->data));
      g_menu_append_item (self->recent_menu, item);
    }
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
}

static void
open_recent_nth_activated (GSimpleAction *action,
                           GVariant      *parameter,
                           gpointer       user_data)
{
  GList *items = newest_recent ();
  GList *item = g_list_nth (items, (guint) g_variant_get_int32 (parameter));

  if (item)
    {
      g_autoptr (GFile) file = g_file_new_for_uri (gtk_recent_info_get_uri (item->data));
      pel_window_open (user_data, file, NULL, NULL);
    }
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
}

static void
save_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  PelWindow *self = user_data;

  if (pel_document_get_labels_path (self->document) == NULL)
    pel_window_choose_save_path (self);
  else
    pel_window_save (self, NULL);
}

/* Saves to the file named (a path or a URI) at once, without a dialog:
 * "Save As" for scripts, D-Bus and keyboard macros. */
static void
save_to_activated (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  g_autoptr (GFile) file = g_file_new_for_commandline_arg (g_variant_get_string (parameter, NULL));
  pel_window_save (user_data, file);
}

/* Answers the question "Restore unsaved painting?": 'restore', 'discard'
 * or 'later', as its buttons do. */
static void
recovery_activated (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  const char *answer = g_variant_get_string (parameter, NULL);

  if (!pel_window_answer_recovery (user_data, answer))
    g_warning ("win.recovery: no question to answer with “%s”", answer);
}

static void
save_as_activated (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  pel_window_choose_save_path (user_data);
}

static void
import_labels_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  pel_window_import_labels (user_data);
}

static void
export_labels_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  pel_window_export_labels (user_data);
}

static void
export_volumes_activated (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       user_data)
{
  pel_window_export_volumes (user_data);
}

/* The same to the file named (a path or a URI), without a dialog. */
static void
export_volumes_to_activated (GSimpleAction *action,
                             GVariant      *parameter,
                             gpointer       user_data)
{
  g_autoptr (GFile) file = g_file_new_for_commandline_arg (g_variant_get_string (parameter, NULL));
  pel_window_export_volumes_to (user_data, file);
}

static void
interpolated (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (PelWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  PlInterpolateStats stats;

  gboolean done = pel_document_interpolate_finish (PEL_DOCUMENT (object), result, &stats, &error);

  g_clear_object (&self->interpolating);
  if (self->document == NULL)
    return;   /* the window was closed meanwhile */
  pel_window_update_actions (self);
  if (!done)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        pel_window_show_notice (self, GTK_MESSAGE_WARNING, error->message);
      return;
    }
  if (stats.n_labels == 0)
    pel_window_show_notice (self, GTK_MESSAGE_INFO,
                            _("Nothing to interpolate: paint the label on at least two slices along "
                              "this view's axis, with unpainted slices between them."));
  else
    {
      g_autofree char *voxels = g_strdup_printf ("%" G_GSIZE_FORMAT, stats.n_changed);
      g_autofree char *text =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "Interpolated %d slice: %s voxels filled (Ctrl+Z undoes it).",
                                      "Interpolated %d slices: %s voxels filled (Ctrl+Z undoes it).",
                                      (unsigned long) stats.n_slices_filled),
                         (int) stats.n_slices_filled, voxels);
      pel_window_show_notice (self, GTK_MESSAGE_INFO, text);
    }
}

/* Fills between the painted slices of the active label along the active
 * view's normal, as one undo step (pel_document_interpolate_async). */
static void
interpolate_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  PelWindow *self = user_data;
  PelSliceView *view = pel_viewer_get_active_view (self->viewer);
  const PlSliceFrame *frame = pel_slice_view_get_frame (view);

  if (self->interpolating != NULL || frame == NULL || !pel_document_has_volume (self->document))
    return;
  self->interpolating = g_cancellable_new ();
  pel_window_update_actions (self);
  pel_document_interpolate_async (self->document, frame->axis_n, pel_tools_get_active_label (self->tools),
                                  self->interpolating, interpolated, g_object_ref (self));
}

static void
close_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  gtk_window_close (GTK_WINDOW (user_data));
}

static void
undo_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  PelWindow *self = user_data;
  pel_document_undo (self->document);
}

static void
redo_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  PelWindow *self = user_data;
  pel_document_redo (self->document);
}

static void
brush_size_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  PelWindow *self = user_data;
  pel_tools_set_brush_size (self->tools, pel_tools_get_brush_size (self->tools) + g_variant_get_int32 (parameter));
}

/* < and >: the previous / next label of the table, as ITK-SNAP. */
static void
active_label_activated (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       user_data)
{
  PelWindow *self = user_data;
  PlLabelTable *table = pel_document_get_label_table (self->document);
  guint16 active = pel_tools_get_active_label (self->tools);
  int delta = g_variant_get_int32 (parameter);
  int n = (int) pl_label_table_get_n (table), at = -1;

  if (n < 2)
    return;
  for (int i = 0; i < n; i++)
    if (pl_label_table_get_nth (table, (guint) i)->value == active)
      at = i;
  /* entry 0 is the clear label: cycle over 1..n-1 */
  at = at < 1 ? 1 : 1 + ((at - 1 + delta) % (n - 1) + (n - 1)) % (n - 1);
  pel_tools_set_active_label (self->tools, pl_label_table_get_nth (table, (guint) at)->value);
}

static void
labels_opacity_activated (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       user_data)
{
  PelWindow *self = user_data;
  double opacity = pel_document_get_label_opacity (self->document) + g_variant_get_int32 (parameter) * 0.05;

  g_object_set (self->document, "label-opacity", CLAMP (opacity, 0.0, 1.0), "labels-visible", TRUE, NULL);
}

static void
overlay_visible_activated (GSimpleAction *action,
                           GVariant      *parameter,
                           gpointer       user_data)
{
  PelWindow *self = user_data;
  PelHeatMap *heat = pel_document_get_heat_map (self->document);

  if (heat)
    g_object_set (heat, "visible", !pel_heat_map_get_visible (heat), NULL);
}

static void
overlay_opacity_activated (GSimpleAction *action,
                           GVariant      *parameter,
                           gpointer       user_data)
{
  PelWindow *self = user_data;
  PelHeatMap *heat = pel_document_get_heat_map (self->document);

  if (heat)
    g_object_set (heat, "opacity",
                  CLAMP (pel_heat_map_get_opacity (heat) + g_variant_get_int32 (parameter) * 0.05, 0.0, 1.0),
                  "visible", TRUE, NULL);
}

static void
zoom_fit_activated (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  PelWindow *self = user_data;
  pel_viewer_zoom_to_fit (self->viewer);
}

static void
zoom_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  PelWindow *self = user_data;
  PelSliceView *view = pel_viewer_get_active_view (self->viewer);
  double factor = g_variant_get_int32 (parameter) > 0 ? 1.25 : 0.8;

  pel_slice_view_zoom_at (view, factor, gtk_widget_get_width (GTK_WIDGET (view)) / 2.0,
                          gtk_widget_get_height (GTK_WIDGET (view)) / 2.0);
}

static void
center_activated (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  PelWindow *self = user_data;
  pel_viewer_center_on_cursor (self->viewer);
}

static void
slice_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  PelWindow *self = user_data;
  pel_slice_view_step_slice (pel_viewer_get_active_view (self->viewer), g_variant_get_int32 (parameter));
}

static void
annotations_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  PelWindow *self = user_data;

  if (g_strcmp0 (g_variant_get_string (parameter, NULL), "crosshair") == 0)
    self->crosshair = !self->crosshair;
  else
    {
      self->annotations = !self->annotations;
      self->crosshair = self->annotations;
    }
  pel_viewer_set_annotations (self->viewer, self->crosshair, self->annotations);
}

static void
cancel_job_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  PelWindow *self = user_data;
  if (self->job)
    pel_job_cancel (self->job);
}

static const GActionEntry win_entries[] = {
  { "open", open_activated },
  { "open-segmentation", open_segmentation_activated },
  { "open-recent", open_recent_activated, "s" },
  { "open-recent-nth", open_recent_nth_activated, "i" },
  { "save", save_activated },
  { "save-as", save_as_activated },
  { "save-to", save_to_activated, "s" },
  { "recovery", recovery_activated, "s" },
  { "import-labels", import_labels_activated },
  { "export-labels", export_labels_activated },
  { "export-volumes", export_volumes_activated },
  { "interpolate", interpolate_activated },
  { "export-volumes-to", export_volumes_to_activated, "s" },
  { "close", close_activated },
  { "undo", undo_activated },
  { "redo", redo_activated },
  { "preset", preset_activated, "s" },
  { "brush-size", brush_size_activated, "i" },
  { "active-label", active_label_activated, "i" },
  { "labels-opacity", labels_opacity_activated, "i" },
  { "overlay-visible", overlay_visible_activated },
  { "overlay-opacity", overlay_opacity_activated, "i" },
  { "zoom-fit", zoom_fit_activated },
  { "zoom", zoom_activated, "i" },
  { "center", center_activated },
  { "slice", slice_activated, "i" },
  { "annotations", annotations_activated, "s" },
  { "cancel-job", cancel_job_activated },
};

static void
enable (PelWindow  *self,
        const char *name,
        gboolean    enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);
  if (action)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

void
pel_window_update_actions (PelWindow *self)
{
  gboolean volume = pel_document_has_volume (self->document);
  gboolean busy = pel_window_job_running (self);
  static const char *need_volume[] = {
    "export-labels", "import-labels", "export-volumes", "export-volumes-to", "preset", "brush-size", "active-label",
    "labels-opacity", "overlay-visible", "overlay-opacity", "zoom-fit", "zoom", "center", "slice",
    "annotations",
  };

  for (guint i = 0; i < G_N_ELEMENTS (need_volume); i++)
    enable (self, need_volume[i], volume);
  enable (self, "open", !busy);
  enable (self, "open-recent", !busy);
  enable (self, "open-recent-nth", !busy);
  enable (self, "open-segmentation", TRUE);
  enable (self, "save", volume && !busy);
  enable (self, "save-as", volume && !busy);
  enable (self, "save-to", volume && !busy);
  enable (self, "recovery", self->recovery_dialog != NULL);
  enable (self, "undo", pel_document_can_undo (self->document));
  enable (self, "redo", pel_document_can_redo (self->document));
  enable (self, "cancel-job", busy);
  enable (self, "interpolate", volume && self->interpolating == NULL);
}

static void
update_layout_icon (PelWindow *self)
{
  gtk_menu_button_set_icon_name (self->layout_button,
                                 pel_viewer_get_layout (self->viewer) == PEL_LAYOUT_THREE
                                 ? "pel-layout-three-symbolic" : "pel-layout-one-symbolic");
}

void
pel_window_init_actions (PelWindow *self)
{
  g_autoptr (GPropertyAction) tool = NULL;
  g_autoptr (GPropertyAction) layout = NULL;
  g_autoptr (GPropertyAction) labels_visible = NULL;
  g_autoptr (GPropertyAction) sidebar = NULL;
  g_autoptr (GPropertyAction) paint_label = NULL;
  g_autoptr (GPropertyAction) brush_diameter = NULL;

  g_action_map_add_action_entries (G_ACTION_MAP (self), win_entries, G_N_ELEMENTS (win_entries), self);

  tool = g_property_action_new ("tool", self->tools, "tool");
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (tool));
  layout = g_property_action_new ("layout", self->viewer, "layout");
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (layout));
  labels_visible = g_property_action_new ("labels-visible", self->document, "labels-visible");
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (labels_visible));
  sidebar = g_property_action_new ("sidebar", self->sidebar, "visible");
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (sidebar));
  /* The active label by its value (uint32), and the brush diameter in
   * voxels (int32): what the Labels panel and the brush popover set. */
  paint_label = g_property_action_new ("paint-label", self->tools, "active-label");
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (paint_label));
  brush_diameter = g_property_action_new ("brush-diameter", self->tools, "brush-size");
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (brush_diameter));

  /* The contrast popover: the histogram under window and level, then the
   * presets */
  {
    GtkWidget *histogram = pel_histogram_new (self->document);
    GtkWidget *separator = gtk_widget_get_last_child (GTK_WIDGET (self->contrast_box));

    gtk_widget_set_name (histogram, "contrast-histogram");
    gtk_box_insert_child_after (self->contrast_box, histogram, gtk_widget_get_prev_sibling (separator));
  }
  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    {
      GtkWidget *button = gtk_button_new_with_label (_(presets[i].label));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "win.preset");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", presets[i].id);
      gtk_widget_add_css_class (button, "flat");
      gtk_label_set_xalign (GTK_LABEL (gtk_button_get_child (GTK_BUTTON (button))), 0.0f);
      if (i < 2)
        {
          /* Translators: shortcut hints of the first two presets */
          gtk_widget_set_tooltip_text (button, i == 0 ? _("Ctrl+J") : _("Ctrl+Shift+J"));
        }
      gtk_box_append (self->contrast_box, button);
    }

  g_signal_connect_swapped (self->viewer, "notify::layout", G_CALLBACK (update_layout_icon), self);
  update_layout_icon (self);
  g_signal_connect_swapped (gtk_recent_manager_get_default (), "changed",
                            G_CALLBACK (pel_window_rebuild_recent), self);
  pel_window_rebuild_recent (self);
}

void
pel_window_class_init_actions (GtkWidgetClass *widget_class)
{
  static const struct { guint key; const char *tool; } tools[] = {
    { GDK_KEY_1, "crosshair" }, { GDK_KEY_2, "pan" }, { GDK_KEY_3, "fill" },
    { GDK_KEY_4, "brush" }, { GDK_KEY_5, "eraser" }, { GDK_KEY_6, "measure" },
    { GDK_KEY_KP_1, "crosshair" }, { GDK_KEY_KP_2, "pan" }, { GDK_KEY_KP_3, "fill" },
    { GDK_KEY_KP_4, "brush" }, { GDK_KEY_KP_5, "eraser" }, { GDK_KEY_KP_6, "measure" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (tools); i++)
    gtk_widget_class_add_binding_action (widget_class, tools[i].key, 0, "win.tool", "s", tools[i].tool);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, 0, "win.brush-size", "i", 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, 0, "win.brush-size", "i", 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, 0, "win.brush-size", "i", 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, 0, "win.brush-size", "i", -1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, 0, "win.brush-size", "i", -1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_less, 0, "win.active-label", "i", -1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_greater, 0, "win.active-label", "i", 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, 0, "win.labels-visible", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_a, 0, "win.labels-opacity", "i", -1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, 0, "win.labels-opacity", "i", 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, 0, "win.overlay-visible", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_q, 0, "win.overlay-opacity", "i", -1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, 0, "win.overlay-opacity", "i", 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, 0, "win.center", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_x, 0, "win.annotations", "s", "all");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_X, GDK_SHIFT_MASK, "win.annotations", "s", "crosshair");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Up, 0, "win.slice", "i", 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Down, 0, "win.slice", "i", -1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Up, 0, "win.slice", "i", 5);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Down, 0, "win.slice", "i", -5);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F9, 0, "win.sidebar", NULL);
}
