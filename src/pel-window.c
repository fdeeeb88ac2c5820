/* PelWindow: layout, title, status bar and panels.  Actions are in
 * pel-window-actions.c, files and jobs in pel-window-files.c. */
#define G_LOG_DOMAIN "pel-window"

#include "src/pel-window-private.h"

#include <glib/gi18n.h>
#include <math.h>

#include "src/pel-panel-kit.h"
#include "src/pel-panels.h"
#include "src/pel-settings.h"
#include "src/pel-train-panel.h"

G_DEFINE_FINAL_TYPE (PelWindow, pel_window, GTK_TYPE_APPLICATION_WINDOW)

enum
{
  PROP_0,
  PROP_RECOVERY_TIME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  MESSAGE_SHOWN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- title and status ----------------------------------------------------- */

static void
update_title (PelWindow *self)
{
  const char *volume = pel_document_get_volume_path (self->document);
  const char *labels = pel_document_get_labels_path (self->document);
  gboolean dirty = pel_document_get_dirty (self->document);
  g_autofree char *vname = volume ? g_path_get_basename (volume) : NULL;
  g_autofree char *lname = labels ? g_path_get_basename (labels) : NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *title = NULL;

  if (!pel_document_has_volume (self->document))
    {
      gtk_label_set_text (self->title_label, "Pellucid");
      gtk_widget_set_visible (GTK_WIDGET (self->subtitle_label), FALSE);
      gtk_window_set_title (GTK_WINDOW (self), "Pellucid");
      return;
    }
  if (vname == NULL)
    vname = g_strdup (_("Untitled volume"));
  gtk_label_set_text (self->title_label, vname);
  /* Translators: the segmentation's file name, with a mark when unsaved */
  subtitle = g_strdup_printf ("%s%s", dirty ? "• " : "", lname ? lname : _("New segmentation"));
  gtk_label_set_text (self->subtitle_label, subtitle);
  gtk_widget_set_visible (GTK_WIDGET (self->subtitle_label), TRUE);
  title = g_strdup_printf ("%s%s — Pellucid", dirty ? "• " : "", vname);
  gtk_window_set_title (GTK_WINDOW (self), title);
}

static char *
format_number (double v)
{
  if (!isfinite (v))
    return g_strdup ("—");
  if (fabs (v) >= 1e5 || (fabs (v) < 1e-3 && v != 0.0))
    return g_strdup_printf ("%.4g", v);
  if (v == floor (v))
    return g_strdup_printf ("%.0f", v);
  return g_strdup_printf ("%.4g", v);
}

/* Voxel index, world mm, intensity and label under the pointer, or at the
 * cursor when the pointer is not over the image. */
static void
update_status (PelWindow *self)
{
  const PlVolume *volume = pel_document_get_volume (self->document);
  gint64 ijk[3];
  gboolean pointer;
  double world[3];
  guint16 label;
  PlLabel *entry;
  g_autofree char *voxel = NULL, *mm = NULL, *value = NULL, *name = NULL;

  if (volume == NULL)
    {
      gtk_label_set_text (self->where_label, "");
      gtk_label_set_text (self->voxel_label, "");
      gtk_label_set_text (self->world_label, "");
      gtk_label_set_text (self->value_label, "");
      gtk_label_set_text (self->label_label, "");
      return;
    }
  pointer = pel_viewer_get_pointer_voxel (self->viewer, ijk);
  if (!pointer)
    pel_document_get_cursor (self->document, ijk);
  for (int w = 0; w < 3; w++)
    world[w] = volume->vox2world[w][0] * ijk[0] + volume->vox2world[w][1] * ijk[1]
               + volume->vox2world[w][2] * ijk[2] + volume->vox2world[w][3];
  label = pel_document_get_label_at (self->document, ijk);
  entry = pl_label_table_lookup (pel_document_get_label_table (self->document), label);

  gtk_label_set_text (self->where_label, pointer ? _("Pointer") : _("Cursor"));
  voxel = g_strdup_printf ("[%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "]",
                           ijk[0], ijk[1], ijk[2]);
  gtk_label_set_text (self->voxel_label, voxel);
  /* Translators: world coordinates in millimetres */
  mm = g_strdup_printf (_("(%.1f, %.1f, %.1f) mm"), world[0], world[1], world[2]);
  gtk_label_set_text (self->world_label, mm);
  value = format_number (pel_document_get_intensity_at (self->document, ijk));
  gtk_label_set_text (self->value_label, value);
  if (label == 0)
    name = g_strdup (_("No label"));
  else
    name = g_strdup_printf ("%u %s", label, entry ? entry->name : "");
  gtk_label_set_text (self->label_label, name);
}

static void
update_contrast_label (PelWindow *self)
{
  double window, level;
  g_autofree char *w = NULL, *l = NULL, *text = NULL;

  if (!pel_document_has_volume (self->document))
    {
      gtk_label_set_text (self->contrast_label, "");
      return;
    }
  pel_document_get_window_level (self->document, &window, &level);
  w = format_number (window);
  l = format_number (level);
  /* Translators: W is the window width, L the level (centre) */
  text = g_strdup_printf (_("W %s  L %s"), w, l);
  gtk_label_set_text (self->contrast_label, text);
}

static void
on_volume_changed (PelWindow *self)
{
  const PlVolume *volume = pel_document_get_volume (self->document);

  gtk_stack_set_visible_child_name (self->main_stack, volume ? "viewer" : "empty");
  if (volume)
    {
      /* Spin steps scaled to the intensity range. */
      double range = MAX (volume->max - volume->min, 1e-3);
      double step = pow (10.0, floor (log10 (range / 100.0)));
      gtk_adjustment_set_step_increment (self->window_adjustment, step);
      gtk_adjustment_set_step_increment (self->level_adjustment, step);
      gtk_adjustment_set_page_increment (self->window_adjustment, step * 10);
      gtk_adjustment_set_page_increment (self->level_adjustment, step * 10);
    }
  self->shown_dropped = 0;
  update_title (self);
  update_status (self);
  update_contrast_label (self);
  pel_window_update_actions (self);
}

static void
on_dropped_changed (PelWindow *self)
{
  guint dropped = pl_undo_get_n_dropped (pel_document_get_undo (self->document));
  g_autofree char *text = NULL;

  if (dropped <= self->shown_dropped)
    return;
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "The oldest undo step was dropped to keep the history within its memory budget.",
                                       "The %u oldest undo steps were dropped to keep the history within its memory budget.",
                                       dropped),
                          dropped);
  self->shown_dropped = dropped;
  pel_window_show_notice (self, GTK_MESSAGE_INFO, text);
}

static void
on_history_changed (PelWindow *self)
{
  g_autofree char *undo_tip = NULL, *redo_tip = NULL;
  g_autofree char *undo_name = NULL, *redo_name = NULL;

  g_object_get (self->document, "undo-name", &undo_name, "redo-name", &redo_name, NULL);
  /* Translators: tooltips; %s is the name of the step, e.g. "Paint" */
  undo_tip = undo_name ? g_strdup_printf (_("Undo %s (Ctrl+Z)"), undo_name) : g_strdup (_("Undo (Ctrl+Z)"));
  redo_tip = redo_name ? g_strdup_printf (_("Redo %s (Ctrl+Shift+Z)"), redo_name) : g_strdup (_("Redo (Ctrl+Shift+Z)"));
  pel_widget_set_tooltip (self->undo_button, undo_tip);
  pel_widget_set_tooltip (self->redo_button, redo_tip);
  update_title (self);
  pel_window_update_actions (self);
}

void
pel_window_show_notice (PelWindow      *self,
                        GtkMessageType  type,
                        const char     *message)
{
  g_return_if_fail (PEL_IS_WINDOW (self));
  gtk_info_bar_set_message_type (self->info_bar, type);
  gtk_label_set_text (self->info_label, message);
  gtk_info_bar_set_revealed (self->info_bar, TRUE);
  pel_window_emit_message (self, type, message);
}

void
pel_window_emit_message (PelWindow      *self,
                         GtkMessageType  type,
                         const char     *message)
{
  g_signal_emit (self, signals[MESSAGE_SHOWN], 0, (int) type, message);
}

const char *
pel_window_get_notice (PelWindow *self)
{
  g_return_val_if_fail (PEL_IS_WINDOW (self), NULL);
  if (!gtk_info_bar_get_revealed (self->info_bar))
    return NULL;
  return gtk_label_get_text (self->info_label);
}

static void
on_info_bar_response (PelWindow *self,
                      int        response)
{
  gtk_info_bar_set_revealed (self->info_bar, FALSE);
}

static void
on_job_cancel_clicked (PelWindow *self)
{
  if (self->job)
    pel_job_cancel (self->job);
}

/* ---- panels --------------------------------------------------------------- */

static void
add_panels (PelWindow *self)
{
  guint n;
  const PelPanelInfo *info = pel_panels_get (&n);

  for (guint i = 0; i < n; i++)
    {
      GtkWidget *panel = info[i].create (self->document, self->tools);
      GtkStackPage *page = gtk_stack_add_titled (self->side_stack, panel, info[i].name, _(info[i].title));
      gtk_stack_page_set_icon_name (page, info[i].icon_name);
    }
  {
    GtkWidget *train = gtk_stack_get_child_by_name (self->side_stack, "train");
    GtkWidget *cases = gtk_stack_get_child_by_name (self->side_stack, "cases");

    if (train && cases)
      pel_train_panel_set_cases_panel (PEL_TRAIN_PANEL (train), cases);
  }
  /* A single panel needs no switcher. */
  gtk_widget_set_visible (gtk_widget_get_prev_sibling (GTK_WIDGET (self->side_stack)), n > 1);
}

/* ---- lifecycle ------------------------------------------------------------ */

static gboolean
pel_window_close_request (GtkWindow *window)
{
  PelWindow *self = PEL_WINDOW (window);
  PelSettings *settings = pel_settings_get_default ();
  int width, height;

  if (!pel_window_confirm_close (self))
    return TRUE;   /* a dialog asks first; it closes the window itself */

  gtk_window_get_default_size (window, &width, &height);
  g_object_set (settings,
                "window-maximized", gtk_window_is_maximized (window),
                NULL);
  if (!gtk_window_is_maximized (window) && width > 0 && height > 0)
    g_object_set (settings, "window-width", width, "window-height", height, NULL);
  if (self->job)
    pel_job_cancel (self->job);
  return GTK_WINDOW_CLASS (pel_window_parent_class)->close_request (window);
}

static void
pel_window_dispose (GObject *object)
{
  PelWindow *self = PEL_WINDOW (object);

  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->interpolating)
    g_cancellable_cancel (self->interpolating);
  if (self->bindings)
    {
      for (guint i = 0; i < self->bindings->len; i++)
        g_binding_unbind (g_ptr_array_index (self->bindings, i));
      g_clear_pointer (&self->bindings, g_ptr_array_unref);
    }
  if (self->document)
    g_signal_handlers_disconnect_by_data (self->document, self);
  if (self->job)
    g_signal_handlers_disconnect_by_data (self->job, self);
  g_signal_handlers_disconnect_by_data (gtk_recent_manager_get_default (), self);
  /* No gtk_widget_dispose_template() here: it would unparent the window's
   * child behind GtkWindow's back, and GtkWindow's own dispose then
   * unparents it a second time.  GtkWindow tears its children down. */
  g_clear_object (&self->job);
  g_clear_object (&self->tools);
  g_clear_object (&self->document);
  G_OBJECT_CLASS (pel_window_parent_class)->dispose (object);
}

static void
pel_window_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  PelWindow *self = PEL_WINDOW (object);

  switch (prop_id)
    {
    case PROP_RECOVERY_TIME: g_value_set_int64 (value, self->recovery_time); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

void
pel_window_set_recovery_question (PelWindow *self,
                                  GtkDialog *dialog,
                                  gint64     time)
{
  self->recovery_dialog = dialog;
  self->recovery_time = dialog ? time : 0;
  pel_window_update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECOVERY_TIME]);
}

static void
pel_window_class_init (PelWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = pel_window_dispose;
  object_class->get_property = pel_window_get_property;
  window_class->close_request = pel_window_close_request;

  /* While the question "Restore unsaved painting?" is shown: when the
   * recovery copy it offers was written (Unix time); 0 otherwise.  The
   * win.recovery action answers it. */
  properties[PROP_RECOVERY_TIME] =
    g_param_spec_int64 ("recovery-time", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  /* A message was put in front of the user: a notice in the info bar or
   * an error dialog (its GtkMessageType, its whole text). */
  signals[MESSAGE_SHOWN] =
    g_signal_new ("message-shown", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/pellucid/Pellucid/ui/pel-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PelWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, PelWindow, title_label);
  gtk_widget_class_bind_template_child (widget_class, PelWindow, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, PelWindow, layout_button);
  gtk_widget_class_bind_template_child (widget_class, PelWindow, contrast_box);
  gtk_widget_class_bind_template_child (widget_class, PelWindow, contrast_popover);
  gtk_widget_class_bind_template_child (widget_class, PelWindow, window_adjustment);
  gtk_widget_class_bind_template_child (widget_class, PelWindow, level_adjustment);
  gtk_widget_class_bind_template_child (widget_class, PelWindow, undo_button);
  gtk_widget_class_bind_template_child (widget_class, PelWindow, redo_button);
  gtk_widget_class_bind_template_child (widget_class, PelWindow, info_bar);
  gtk_widget_class_bind_template_child (widget_class, PelWindow, info_label);
  gtk_widget_class_bind_template_child (widget_class, PelWindow, paned);
  gtk_widget_class_bind_template_child (widget_class, PelWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, PelWindow, side_stack);
  gtk_widget_class_bind_template_child (widget_class, PelWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, PelWindow, viewer_box);
  gtk_widget_class_bind_template_child (widget_class, PelWindow, where_label);
  gtk_widget_class_bind_template_child (widget_class, PelWindow, voxel_label);
  gtk_widget_class_bind_template_child (widget_class, PelWindow, world_label);
  gtk_widget_class_bind_template_child (widget_class, PelWindow, value_label);
  gtk_widget_class_bind_template_child (widget_class, PelWindow, label_label);
  gtk_widget_class_bind_template_child (widget_class, PelWindow, job_box);
  gtk_widget_class_bind_template_child (widget_class, PelWindow, job_label);
  gtk_widget_class_bind_template_child (widget_class, PelWindow, job_progress);
  gtk_widget_class_bind_template_child (widget_class, PelWindow, contrast_label);
  gtk_widget_class_bind_template_child (widget_class, PelWindow, recent_menu);
  gtk_widget_class_bind_template_callback (widget_class, on_info_bar_response);
  gtk_widget_class_bind_template_callback (widget_class, on_job_cancel_clicked);

  pel_window_class_init_actions (widget_class);
}

static void
bind (PelWindow     *self,
      gpointer       source,
      const char    *source_property,
      gpointer       target,
      const char    *target_property,
      GBindingFlags  flags)
{
  g_ptr_array_add (self->bindings, g_object_bind_property (source, source_property, target, target_property, flags));
}

/* The label painting starts with is never the loaded map's background
 * (a stray stroke would teach a model that the structure under it is
 * background) and always one the table lists.  The user may still pick
 * the background in the Labels panel: only a newly loaded map, or the
 * active entry's removal, moves it. */
static void
choose_active_label (PelWindow *self,
                     gboolean   loaded)
{
  PlLabelTable *table = pel_document_get_label_table (self->document);
  guint16 active = pel_tools_get_active_label (self->tools);
  guint16 background = pel_document_get_background_label (self->document);

  if (active != 0 && pl_label_table_lookup (table, active) != NULL && !(loaded && active == background))
    return;
  for (guint i = 0; i < pl_label_table_get_n (table); i++)
    {
      guint16 v = pl_label_table_get_nth (table, i)->value;
      if (v != 0 && v != background)
        {
          pel_tools_set_active_label (self->tools, v);
          return;
        }
    }
}

static void
on_table_changed (PelWindow *self)
{
  choose_active_label (self, FALSE);
  update_status (self);
}

static void
on_background_changed (PelWindow *self)
{
  choose_active_label (self, TRUE);
}

static void
keep_setting (PelWindow  *self,
              gpointer    target,
              const char *property)
{
  GValue value = G_VALUE_INIT;
  PelSettings *settings = pel_settings_get_default ();

  g_value_init (&value, G_PARAM_SPEC_VALUE_TYPE (g_object_class_find_property (G_OBJECT_GET_CLASS (settings), property)));
  g_object_get_property (G_OBJECT (settings), property, &value);
  g_object_set_property (target, property, &value);
  g_value_unset (&value);
  bind (self, target, property, settings, property, G_BINDING_DEFAULT);
}

static void
pel_window_init (PelWindow *self)
{
  PelSettings *settings = pel_settings_get_default ();
  int width, height;
  gboolean maximized;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->bindings = g_ptr_array_new ();
  self->cancellable = g_cancellable_new ();
  self->document = pel_document_new ();
  self->tools = pel_tools_new ();
  self->annotations = TRUE;
  self->crosshair = TRUE;

  self->viewer = PEL_VIEWER (pel_viewer_new (self->document, self->tools));
  gtk_widget_set_vexpand (GTK_WIDGET (self->viewer), TRUE);
  gtk_box_append (self->viewer_box, GTK_WIDGET (self->viewer));
  add_panels (self);

  /* Window size: restored now, stored on close. */
  g_object_get (settings, "window-width", &width, "window-height", &height,
                "window-maximized", &maximized, NULL);
  gtk_window_set_default_size (GTK_WINDOW (self), width, height);
  if (maximized)
    gtk_window_maximize (GTK_WINDOW (self));
  /* Restored from the settings, then stored as they change; the window's
   * own objects stay the source of truth, so that a settings backend that
   * cannot write (no session bus for dconf) never undoes what the user did. */
  keep_setting (self, self->viewer, "layout");
  keep_setting (self, self->tools, "brush-size");
  keep_setting (self, self->tools, "brush-shape");
  keep_setting (self, self->document, "label-opacity");
  bind (self, settings, "autosave-interval", self->document, "autosave-interval", G_BINDING_SYNC_CREATE);
  bind (self, self->document, "window", self->window_adjustment, "value",
        G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  bind (self, self->document, "level", self->level_adjustment, "value",
        G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  {
    guint mb;
    g_object_get (settings, "undo-budget", &mb, NULL);
    pel_document_set_undo_budget (self->document, (gsize) mb << 20);
  }

  g_signal_connect_swapped (self->document, "volume-changed", G_CALLBACK (on_volume_changed), self);
  g_signal_connect_swapped (self->document, "cursor-changed", G_CALLBACK (update_status), self);
  g_signal_connect_swapped (self->document, "labels-changed", G_CALLBACK (update_status), self);
  g_signal_connect_swapped (self->document, "table-changed", G_CALLBACK (on_table_changed), self);
  g_signal_connect_swapped (self->document, "notify::background-label", G_CALLBACK (on_background_changed), self);
  g_signal_connect_swapped (self->document, "notify::dirty", G_CALLBACK (update_title), self);
  g_signal_connect_swapped (self->document, "notify::labels-path", G_CALLBACK (update_title), self);
  g_signal_connect_swapped (self->document, "notify::can-undo", G_CALLBACK (on_history_changed), self);
  g_signal_connect_swapped (self->document, "notify::can-redo", G_CALLBACK (on_history_changed), self);
  g_signal_connect_swapped (self->document, "notify::n-dropped", G_CALLBACK (on_dropped_changed), self);
  g_signal_connect_swapped (self->document, "notify::window", G_CALLBACK (update_contrast_label), self);
  g_signal_connect_swapped (self->document, "notify::level", G_CALLBACK (update_contrast_label), self);
  g_signal_connect_swapped (self->viewer, "pointer-changed", G_CALLBACK (update_status), self);

  pel_window_init_actions (self);
  pel_window_init_files (self);
  on_volume_changed (self);
  on_history_changed (self);
}

PelWindow *
pel_window_new (GtkApplication *application)
{
  return g_object_new (PEL_TYPE_WINDOW, "application", application, NULL);
}

PelDocument *
pel_window_get_document (PelWindow *self)
{
  g_return_val_if_fail (PEL_IS_WINDOW (self), NULL);
  return self->document;
}

PelTools *
pel_window_get_tools (PelWindow *self)
{
  g_return_val_if_fail (PEL_IS_WINDOW (self), NULL);
  return self->tools;
}

PelViewer *
pel_window_get_viewer (PelWindow *self)
{
  g_return_val_if_fail (PEL_IS_WINDOW (self), NULL);
  return self->viewer;
}

PelJob *
pel_window_get_job (PelWindow *self)
{
  g_return_val_if_fail (PEL_IS_WINDOW (self), NULL);
  return self->job;
}

void
pel_window_open_cases (PelWindow         *self,
                       const char *const *paths,
                       int                n_paths)
{
  GtkWidget *panel;

  g_return_if_fail (PEL_IS_WINDOW (self));
  panel = gtk_stack_get_child_by_name (self->side_stack, "cases");
  g_return_if_fail (panel != NULL);
  gtk_widget_activate_action_variant (panel, "cases.open-paths", g_variant_new_strv (paths, n_paths));
}
