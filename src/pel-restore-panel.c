/* pel-restore-panel.c: the Restore side panel (see pel-restore-panel.h). */
#define G_LOG_DOMAIN "pel-restore-panel"

#include "src/pel-restore-panel-private.h"

#include <glib/gi18n.h>
#include <string.h>

#include "src/pel-action-script.h"
#include "src/pel-panel-kit.h"
#include "src/pel-plot.h"

G_DEFINE_FINAL_TYPE (PelRestorePanel, pel_restore_panel, GTK_TYPE_WIDGET)

/* ---- status --------------------------------------------------------------- */

void
pel_restore_panel_set_status (PelRestorePanel *self,
                              const char      *key,
                              const char      *text,
                              gboolean         error)
{
  pel_status_lines_set (self->status_box, key, text, error);
}

void
pel_restore_panel_set_busy (PelRestorePanel *self)
{
  gboolean busy = pel_live_run_get_running (self->run) || pel_live_run_get_running (self->io_run);
  gboolean has_volume = pel_document_has_volume (self->document);
  GActionMap *map = G_ACTION_MAP (self->actions);

#define ENABLE(name, on) \
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (map, name)), (on))
  ENABLE ("degrade", !busy && has_volume);
  ENABLE ("revert", !busy && self->clean != NULL);
  ENABLE ("start", !busy && has_volume);
  ENABLE ("stop", pel_live_run_get_running (self->run));
  ENABLE ("keep", !busy && self->result != NULL);
  ENABLE ("save", !busy && self->result != NULL);
  ENABLE ("save-dialog", !busy && self->result != NULL);
  ENABLE ("model", !busy);
  ENABLE ("second", !busy && has_volume);
  ENABLE ("second-dialog", !busy && has_volume);
  ENABLE ("point", self->shown[0] != NULL);
  ENABLE ("model-dialog", !busy);
  ENABLE ("export-csv", self->rows->len > 0);
  ENABLE ("export-csv-dialog", self->rows->len > 0);
  ENABLE ("export-png", self->shown[0] != NULL);
  ENABLE ("export-png-dialog", self->shown[0] != NULL);
#undef ENABLE
  g_simple_action_set_state (G_SIMPLE_ACTION (g_action_map_lookup_action (map, "busy")),
                             g_variant_new_boolean (busy));
}

/* ---- panel actions -------------------------------------------------------- */

static void
act_show (GSimpleAction *action,
          GVariant      *param,
          gpointer       user_data)
{
  GtkWidget *panel = user_data;
  GtkWidget *parent = gtk_widget_get_parent (panel);

  if (GTK_IS_STACK (parent))
    gtk_stack_set_visible_child (GTK_STACK (parent), panel);
}

/* Scrolls to the place named; TRUE when it could be found (a widget not
 * laid out yet cannot). */
static gboolean
scroll_to (PelRestorePanel *self,
           const char      *where)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->scroller);
  GtkWidget *target = g_str_equal (where, "compare") ? GTK_WIDGET (self->compare_box)
                      : g_str_equal (where, "ct")    ? GTK_WIDGET (self->loss_plot)
                                                     : GTK_WIDGET (self->dip_heading);
  graphene_point_t p;

  if (g_str_equal (where, "top"))
    {
      gtk_adjustment_set_value (adj, 0.0);
      return TRUE;
    }
  if (!gtk_widget_get_visible (target) || gtk_widget_get_height (target) <= 0
      || !gtk_widget_compute_point (target, gtk_scrolled_window_get_child (self->scroller),
                                    &GRAPHENE_POINT_INIT (0.0f, 0.0f), &p))
    return FALSE;
  gtk_adjustment_set_value (adj, p.y - 6.0);
  return TRUE;
}

/* A place that was just built (the comparison after a fit) is scrolled to
 * once it has been laid out, a frame or a few later. */
static gboolean
scroll_later (GtkWidget     *widget,
              GdkFrameClock *clock,
              gpointer       user_data)
{
  PelRestorePanel *self = PEL_RESTORE_PANEL (widget);
  const char *where = user_data;
  int tries = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (self), "scroll-tries")) + 1;

  g_object_set_data (G_OBJECT (self), "scroll-tries", GINT_TO_POINTER (tries));
  if (scroll_to (self, where) || tries > 60)
    {
      g_object_set_data (G_OBJECT (self), "scroll-tries", NULL);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* "top", "results" (the fit's settings, output and plots), "ct" (the
 * plots, then CT's pictures) or "compare" (the comparison view). */
static void
act_scroll (GSimpleAction *action,
            GVariant      *param,
            gpointer       user_data)
{
  PelRestorePanel *self = user_data;
  const char *where = g_variant_get_string (param, NULL);

  if (!scroll_to (self, where))
    gtk_widget_add_tick_callback (GTK_WIDGET (self), scroll_later,
                                  (gpointer) g_intern_string (where), NULL);
}

static const GActionEntry action_entries[] = {
  { "show", act_show, NULL, NULL, NULL, { 0 } },
  { "scroll", act_scroll, "s", NULL, NULL, { 0 } },
  /* state only: TRUE while a fit or a volume operation runs */
  { "busy", NULL, NULL, "false", NULL, { 0 } },
};


/* ---- document ------------------------------------------------------------- */

static void
on_volume_changed (PelRestorePanel *self)
{
  const PlVolume *v = pel_document_get_volume (self->document);

  if (self->syncing)
    return;
  /* another volume was opened: the kept original is not its reference */
  if (self->clean && (v == NULL || memcmp (v->dim, pel_volume_ref_get (self->clean)->dim, sizeof v->dim) != 0))
    g_clear_pointer (&self->clean, pel_volume_ref_unref);
  else if (self->clean && v && pel_document_get_volume_path (self->document)
           && g_strcmp0 (pel_document_get_volume_path (self->document), pel_volume_ref_get (self->clean)->path) != 0)
    g_clear_pointer (&self->clean, pel_volume_ref_unref);
  if (self->clean == NULL)
    pel_restore_panel_clear_rows (self);
  /* the second acquisition stays only on the same grid */
  if (self->second && (v == NULL || !pel_restore_same_grid (pel_volume_ref_get (self->second), v, "", NULL)))
    {
      g_clear_pointer (&self->second, pel_volume_ref_unref);
      gtk_label_set_text (self->second_label, _("Second acquisition: none opened"));
    }
  pel_restore_panel_set_busy (self);
}

/* The comparison follows the viewer's cursor and window. */
static void
on_view_changed (PelRestorePanel *self)
{
  pel_restore_panel_refresh_compare (self);
  pel_restore_panel_refresh_ct (self);
}

/* ---- life cycle ----------------------------------------------------------- */

/* Out of its window (closed): a fit stops; its callback holds the panel
 * until the worker has seen the request. */
static void
pel_restore_panel_unroot (GtkWidget *widget)
{
  PelRestorePanel *self = PEL_RESTORE_PANEL (widget);

  if (self->run)
    pel_live_run_stop (self->run);
  GTK_WIDGET_CLASS (pel_restore_panel_parent_class)->unroot (widget);
}

static void
pel_restore_panel_dispose (GObject *object)
{
  PelRestorePanel *self = PEL_RESTORE_PANEL (object);
  GtkWidget *child;

  pel_action_script_cancel (GTK_WIDGET (self));
  if (self->document)
    g_signal_handlers_disconnect_by_data (self->document, self);
  if (self->run)
    {
      g_signal_handlers_disconnect_by_data (self->run, self);
      pel_live_run_stop (self->run);
    }
  if (self->io_run)
    g_signal_handlers_disconnect_by_data (self->io_run, self);
  g_clear_object (&self->actions);
  gtk_widget_dispose_template (GTK_WIDGET (self), PEL_TYPE_RESTORE_PANEL);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  /* a running worker holds its run (and the panel, through the callback)
   * until it ends */
  g_clear_object (&self->run);
  g_clear_object (&self->io_run);
  g_clear_pointer (&self->clean, pel_volume_ref_unref);
  g_clear_pointer (&self->second, pel_volume_ref_unref);
  g_clear_object (&self->document);
  g_clear_object (&self->tools);
  G_OBJECT_CLASS (pel_restore_panel_parent_class)->dispose (object);
}

static void
pel_restore_panel_finalize (GObject *object)
{
  PelRestorePanel *self = PEL_RESTORE_PANEL (object);

  g_clear_pointer (&self->result, pl_dip_result_free);
  g_clear_pointer (&self->result_volume, pel_volume_ref_unref);
  g_clear_pointer (&self->rows, g_array_unref);
  for (int k = 0; k < 4; k++)
    {
      g_clear_pointer (&self->shown[k], g_free);
      g_clear_pointer (&self->ct_shown[k], g_free);
    }
  g_clear_pointer (&self->input_title, g_free);
  g_clear_pointer (&self->feature_model, pl_model_free);
  g_clear_pointer (&self->feature_path, g_free);
  G_OBJECT_CLASS (pel_restore_panel_parent_class)->finalize (object);
}

static void
pel_restore_panel_class_init (PelRestorePanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pel_restore_panel_dispose;
  object_class->finalize = pel_restore_panel_finalize;
  g_type_ensure (PEL_TYPE_PLOT);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/pellucid/Pellucid/ui/pel-restore-panel.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, PelRestorePanel, name)
  CHILD (scroller);
  CHILD (kind_dropdown);
  CHILD (level_spin);
  CHILD (seed_spin);
  CHILD (degrade_label);
  CHILD (dip_heading);
  CHILD (iterations_spin);
  CHILD (early_check);
  CHILD (patience_spin);
  CHILD (run_row_box);
  CHILD (status_box);
  CHILD (output_label);
  CHILD (output_picture);
  CHILD (loss_plot);
  CHILD (psnr_plot);
  CHILD (compare_box);
  CHILD (method_dropdown);
  CHILD (loss_dropdown);
  CHILD (residual_check);
  CHILD (steps_spin);
  CHILD (model_label);
  CHILD (net_box);
  CHILD (dip_box);
  CHILD (axis_dropdown);
  CHILD (range_check);
  CHILD (first_spin);
  CHILD (last_spin);
  CHILD (second_box);
  CHILD (second_label);
  CHILD (net_note);
  CHILD (range_box);
  CHILD (ct_box);
  CHILD (angles_spin);
  CHILD (ct_noise_spin);
  CHILD (gamma_spin);
  CHILD (ct_view);
#undef CHILD
  widget_class->unroot = pel_restore_panel_unroot;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "restore-panel");
}

static void
pel_restore_panel_init (PelRestorePanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);
  pel_panel_fix_width (self->scroller);
}

GtkWidget *
pel_restore_panel_new (PelDocument *document,
                       PelTools    *tools)
{
  PelRestorePanel *self;
  const char *script;

  g_return_val_if_fail (PEL_IS_DOCUMENT (document), NULL);
  self = g_object_new (PEL_TYPE_RESTORE_PANEL, NULL);
  self->document = g_object_ref (document);
  self->tools = g_object_ref (tools);
  self->actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), action_entries,
                                   G_N_ELEMENTS (action_entries), self);
  pel_restore_panel_init_export (self);
  pel_restore_panel_init_run (self);
  pel_restore_panel_init_io (self);
  pel_restore_panel_init_ct (self);
  pel_restore_panel_init_net (self);
  pel_action_script_insert_group (GTK_WIDGET (self), "restore", G_ACTION_GROUP (self->actions));
  g_signal_connect_swapped (document, "volume-changed", G_CALLBACK (on_volume_changed), self);
  g_signal_connect_swapped (document, "cursor-changed", G_CALLBACK (on_view_changed), self);
  g_signal_connect_swapped (document, "notify::window", G_CALLBACK (on_view_changed), self);
  g_signal_connect_swapped (document, "notify::level", G_CALLBACK (on_view_changed), self);
  pel_restore_panel_set_busy (self);

  script = g_getenv ("PELLUCID_RESTORE_ACTIONS");
  if (script && *script)
    pel_action_script_run (GTK_WIDGET (self), script, "restore");
  return GTK_WIDGET (self);
}

PelLiveRun *
pel_restore_panel_get_run (PelRestorePanel *self)
{
  g_return_val_if_fail (PEL_IS_RESTORE_PANEL (self), NULL);
  return self->run;
}

PelLiveRun *
pel_restore_panel_get_io_run (PelRestorePanel *self)
{
  g_return_val_if_fail (PEL_IS_RESTORE_PANEL (self), NULL);
  return self->io_run;
}

const PlDipResult *
pel_restore_panel_get_result (PelRestorePanel *self)
{
  g_return_val_if_fail (PEL_IS_RESTORE_PANEL (self), NULL);
  return self->result;
}

const PlVolume *
pel_restore_panel_get_reference (PelRestorePanel *self)
{
  g_return_val_if_fail (PEL_IS_RESTORE_PANEL (self), NULL);
  return self->clean ? pel_volume_ref_get (self->clean) : NULL;
}

const char *
pel_restore_panel_get_status (PelRestorePanel *self,
                              const char      *key)
{
  g_return_val_if_fail (PEL_IS_RESTORE_PANEL (self), NULL);
  return pel_status_lines_get (self->status_box, key);
}

GdkPaintable *
pel_restore_panel_get_ct_picture (PelRestorePanel *self,
                                  int              k)
{
  g_return_val_if_fail (PEL_IS_RESTORE_PANEL (self), NULL);
  g_return_val_if_fail (k >= 0 && k < 4, NULL);
  return self->ct_pics[k] ? gtk_picture_get_paintable (self->ct_pics[k]) : NULL;
}

GdkPaintable *
pel_restore_panel_get_compare_picture (PelRestorePanel *self,
                                       int              k)
{
  g_return_val_if_fail (PEL_IS_RESTORE_PANEL (self), NULL);
  g_return_val_if_fail (k >= 0 && k < 4, NULL);
  return self->compare_pics[k] ? gtk_picture_get_paintable (self->compare_pics[k]) : NULL;
}

const PlVolume *
pel_restore_panel_get_second (PelRestorePanel *self)
{
  g_return_val_if_fail (PEL_IS_RESTORE_PANEL (self), NULL);
  return self->second ? pel_volume_ref_get (self->second) : NULL;
}

gboolean
pel_restore_panel_get_compare (PelRestorePanel *self,
                               PlCompare       *noisy,
                               PlCompare       *restored)
{
  g_return_val_if_fail (PEL_IS_RESTORE_PANEL (self), FALSE);
  if (!self->has_compare)
    return FALSE;
  *noisy = self->compare[0];
  *restored = self->compare[1];
  return TRUE;
}
guint
pel_restore_panel_get_n_rows (PelRestorePanel *self)
{
  g_return_val_if_fail (PEL_IS_RESTORE_PANEL (self), 0);
  return self->rows->len;
}

gboolean
pel_restore_panel_get_row (PelRestorePanel *self,
                           guint            i,
                           const char     **name,
                           PlCompare       *figures)
{
  const PelRestoreRow *row;

  g_return_val_if_fail (PEL_IS_RESTORE_PANEL (self), FALSE);
  if (i >= self->rows->len)
    return FALSE;
  row = &g_array_index (self->rows, PelRestoreRow, i);
  if (name)
    *name = row->name;
  if (figures)
    *figures = row->c;
  return TRUE;
}

const PlVolume *
pel_restore_panel_get_result_volume (PelRestorePanel *self)
{
  g_return_val_if_fail (PEL_IS_RESTORE_PANEL (self), NULL);
  return self->result_volume ? pel_volume_ref_get (self->result_volume) : NULL;
}
