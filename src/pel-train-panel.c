/* PelTrainPanel: training and its plots, the command line, lifecycle.
 * The classes and the slice strip are in pel-train-panel-classes.c; the
 * network, method and optimiser settings in pel-train-panel-settings.c;
 * proposals, model files and scripted actions in pel-train-panel-model.c.
 * See pel-train-panel.h. */
#define G_LOG_DOMAIN "pel-train-panel"

#include "src/pel-train-panel-private.h"

#include "src/pel-action-script.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

G_DEFINE_FINAL_TYPE (PelTrainPanel, pel_train_panel, GTK_TYPE_WIDGET)

/* Anatomical order of the axis drop-down. */
static const char *axis_names[] = { "axial", "coronal", "sagittal" };

/* ---- helpers -------------------------------------------------------------- */

int
pel_train_panel_voxel_axis (PelTrainPanel *self,
                            guint          index)
{
  const PlVolume *volume = pel_document_get_volume (self->document);
  int axis = volume ? pl_axis_from_name (volume, axis_names[MIN (index, 2)]) : -1;
  return axis >= 0 ? axis : 2 - (int) MIN (index, 2);
}

int
pel_train_panel_axis_index (PelTrainPanel *self,
                            int            voxel_axis)
{
  for (guint i = 0; i < G_N_ELEMENTS (axis_names); i++)
    if (pel_train_panel_voxel_axis (self, i) == voxel_axis)
      return (int) i;
  return 0;
}

static const char *
preset_title (const char *name)
{
  if (g_strcmp0 (name, "ref") == 0)
    return _("Reference UNet");
  if (g_strcmp0 (name, "small") == 0)
    return _("Small UNet (faster)");
  return name;
}

void
pel_train_panel_set_line (PelTrainPanel *self,
                          const char    *key,
                          const char    *text,
                          gboolean       error)
{
  pel_status_lines_set (self->status_box, key, text, error);
}

void
pel_train_panel_set_status (PelTrainPanel *self,
                            const char    *text,
                            gboolean       error)
{
  pel_status_lines_set (self->status_box, "train", text, error);
}

/* ---- training ------------------------------------------------------------- */

void
pel_train_panel_update_buttons (PelTrainPanel *self)
{
  gboolean volume = pel_document_has_volume (self->document);
  gboolean running = pel_train_session_get_running (self->session);
  gboolean trainer = pel_train_session_has_trainer (self->session);
  const PelTrainSettings *run = pel_train_session_get_settings (self->session);
  gboolean compatible = run && pel_train_settings_compatible (run, &self->settings);
  gboolean predicting = pel_job_get_running (self->predict_job);
  gboolean proposal = pel_document_get_proposal (self->document) != NULL;
  gboolean model = pel_train_panel_get_model (self) != NULL;
  g_autofree char *tip = NULL;

  pel_train_panel_enable (self, "start", volume && !running && pel_train_panel_any_labelled (self));
  pel_train_panel_enable (self, "stop", running);
  pel_train_panel_enable (self, "continue", trainer && !running && compatible);
  pel_train_panel_update_quality (self, volume && pel_train_panel_any_labelled (self));
  if (!trainer)
    tip = g_strdup (_("Train more steps on the current network (after a Start)"));
  else if (!compatible)
    tip = g_strdup (_("The network, its options, axis, batch, seed, learning rate, threads or method changed: Start trains anew with them"));
  else
    tip = g_strdup_printf (_("Train %d more steps from step %" G_GINT64_FORMAT ", weights and optimiser state kept"),
                           self->settings.steps, pel_train_session_get_step (self->session));
  pel_widget_set_tooltip (GTK_WIDGET (self->continue_button), tip);

  pel_train_panel_enable (self, "predict", volume && !predicting && model);
  pel_train_panel_enable (self, "predict-stop", predicting);
  pel_train_panel_enable (self, "clear-proposal", proposal && !predicting);
  pel_train_panel_enable (self, "accept-slice", proposal && !self->accepting);
  pel_train_panel_enable (self, "accept-all", proposal && !self->accepting);
  pel_train_panel_enable (self, "accept-class", proposal && !self->accepting);
  gtk_widget_set_sensitive (GTK_WIDGET (self->accept_class_button), proposal && !self->accepting);
  pel_train_panel_enable (self, "save-model", pel_train_session_get_model (self->session) != NULL && !self->action_busy);
  pel_train_panel_enable (self, "save", pel_train_session_get_model (self->session) != NULL && !self->action_busy);
  pel_train_panel_enable (self, "load", !self->action_busy);
  pel_train_panel_update_pretrain (self);
  g_simple_action_set_state (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self->actions), "busy")),
                             g_variant_new_boolean (running || predicting || self->action_busy
                                                    || self->accepting || pel_train_panel_estimating (self)
                                                    || pel_train_panel_pretrain_busy (self)));
  if (proposal && volume)
    {
      gint64 c[3];
      g_autofree char *label = NULL;
      pel_document_get_cursor (self->document, c);
      /* Translators: slices count from 1 as the views show them */
      label = g_strdup_printf (_("Accept _Slice %" G_GINT64_FORMAT), c[self->proposal_axis] + 1);
      gtk_label_set_text_with_mnemonic (self->accept_slice_label, label);
    }
  else
    gtk_label_set_text_with_mnemonic (self->accept_slice_label, _("Accept _Slice"));
}

/* The training line: where the run is, its last loss and Dice.  Rate and
 * time left are in the progress row, bound to the run. */
void
pel_train_panel_update_status (PelTrainPanel *self)
{
  PelLiveRun *run = pel_train_session_get_run (self->session);
  gint64 step = pel_train_session_get_step (self->session);
  gint64 target = pel_train_session_get_target_step (self->session);
  gboolean running = pel_train_session_get_running (self->session);
  const GError *error = pel_train_session_get_error (self->session);
  const PelLivePoint *loss, *dice;
  guint n_loss, n_dice;
  GString *s;

  if (error && !running)
    {
      g_autofree char *text = g_strdup_printf (_("Training stopped: %s"), error->message);
      pel_train_panel_set_status (self, text, TRUE);
      return;
    }
  if (!running && !pel_train_session_has_trainer (self->session))
    {
      gint64 n = 0;
      g_autofree char *text = NULL;

      for (gint64 i = 0; self->counts.counts && i < self->counts.n; i++)
        n += self->counts.counts[i] > 0;
      if (!pel_document_has_volume (self->document))
        text = g_strdup (_("Open a volume to train on it."));
      else if ((text = pel_train_panel_cases_ready_text (self, n)) != NULL)
        ;
      else if (n == 0)
        text = g_strdup (_("Ready: paint a few slices, then Start."));
      else
        text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "Ready: Start trains on the %" G_GINT64_FORMAT " labelled slice.",
                                             "Ready: Start trains on the %" G_GINT64_FORMAT " labelled slices.",
                                             (gulong) n), n);
      pel_train_panel_set_status (self, text, FALSE);
      pel_train_panel_set_line (self, "method", NULL, FALSE);
      return;
    }

  loss = pel_live_run_get_series (run, "loss", &n_loss);
  dice = pel_live_run_get_series (run, "dice", &n_dice);
  s = g_string_new (NULL);
  if (running && step == 0)
    g_string_append (s, _("Building the network…"));
  else if (running)
    g_string_append_printf (s, _("Step %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT), step, target);
  else
    g_string_append_printf (s, _("Stopped at step %" G_GINT64_FORMAT), step);
  if (n_loss > 0 && isfinite (loss[n_loss - 1].y))
    g_string_append_printf (s, _(" · loss %.3f"), loss[n_loss - 1].y);
  if (n_dice > 0 && isfinite (dice[n_dice - 1].y))
    g_string_append_printf (s, _(" · held-out Dice %.3f"), dice[n_dice - 1].y);
  pel_train_panel_set_status (self, s->str, FALSE);
  g_string_free (s, TRUE);
  pel_train_panel_set_line (self, "method", pel_live_run_get_status (run, "method"), FALSE);
}

static void
reset_plots (PelTrainPanel *self)
{
  GdkRGBA raw = { 0.55, 0.75, 1.0, 0.35 }, smooth = { 0.40, 0.68, 1.0, 1.0 };
  GdkRGBA mean = { 0.95, 0.95, 0.95, 1.0 };

  pel_plot_remove_series (self->loss_plot);
  self->loss_series = pel_plot_add_series (self->loss_plot, NULL, &raw, 1.0);
  self->loss_smooth_series = pel_plot_add_series (self->loss_plot, _("smoothed"), &smooth, 2.0);
  pel_plot_remove_series (self->dice_plot);
  self->dice_mean_series = pel_plot_add_series (self->dice_plot, _("mean"), &mean, 2.0);
  self->dice_class_series = self->dice_mean_series + 1;
  self->dice_n_classes = 0;
  self->n_losses_plotted = 0;
  pel_train_panel_set_line (self, "holdout", NULL, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->dice_plot), pel_train_session_get_holdout_slice (self->session) >= 0);
}

/* One series per class, in the class's colour as the class list shows it
 * (no legend). */
static void
add_class_series (PelTrainPanel *self)
{
  int n_classes;
  const guint16 *classes = pel_train_session_get_classes (self->session, &n_classes);
  const guint32 *lut = pel_document_get_label_lut (self->document);

  for (int c = 0; c < n_classes; c++)
    {
      guint32 rgb = lut[classes[c]];
      GdkRGBA colour = { ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0,
                         (rgb & 0xff) / 255.0, 0.8 };
      pel_plot_add_series (self->dice_plot, NULL, &colour, 1.0);
    }
  self->dice_n_classes = n_classes;
}

/* New points of one of the run's series: straight into the plots. */
static void
on_series_points (PelTrainPanel      *self,
                  const char         *name,
                  const PelLivePoint *points,
                  guint               n)
{
  if (g_str_equal (name, "loss"))
    {
      for (guint i = 0; i < n; i++)
        {
          /* exponential moving average, 0.9 of the past: a curve through noise */
          self->loss_smooth = self->n_losses_plotted++ == 0 ? points[i].y
                              : 0.9 * self->loss_smooth + 0.1 * points[i].y;
          pel_plot_append (self->loss_plot, self->loss_series, points[i].x, points[i].y);
          pel_plot_append (self->loss_plot, self->loss_smooth_series, points[i].x, self->loss_smooth);
        }
      pel_train_panel_update_status (self);
    }
  else if (g_str_equal (name, "dice"))
    {
      for (guint i = 0; i < n; i++)
        pel_plot_append (self->dice_plot, self->dice_mean_series, points[i].x, points[i].y);
      gtk_widget_set_visible (GTK_WIDGET (self->dice_plot), TRUE);
    }
  else if (g_str_has_prefix (name, "dice:"))
    {
      int c = atoi (name + 5);
      if (self->dice_n_classes == 0)
        add_class_series (self);
      if (c < self->dice_n_classes)
        for (guint i = 0; i < n; i++)
          pel_plot_append (self->dice_plot, self->dice_class_series + c, points[i].x, points[i].y);
    }
}

static void
on_run_preview (PelTrainPanel        *self,
                const PelLivePayload *payload)
{
  if (g_str_equal (payload->name, "model") && self->model_source != PEL_MODEL_LOADED)
    {
      gboolean first = self->model_source == PEL_MODEL_NONE;
      self->model_source = PEL_MODEL_TRAINED;
      if (first)
        pel_train_panel_model_changed (self);
      pel_train_panel_update_buttons (self);
      pel_train_panel_update_command (self);
    }
}

static void
on_run_status (PelTrainPanel *self,
               const char    *key,
               const char    *text)
{
  if (g_str_equal (key, "method") || g_str_equal (key, "holdout") || g_str_equal (key, "cases"))
    pel_train_panel_set_line (self, key, text, FALSE);
}

static void
on_session_preview (PelTrainPanel *self,
                    gint64         index)
{
  const PelTrainSettings *run = pel_train_session_get_settings (self->session);

  if (run)
    self->proposal_axis = run->axis;
  self->proposal_is_volume = FALSE;
  pel_train_panel_update_proposal_label (self);
  pel_train_panel_update_buttons (self);
}

static void
on_session_finished (PelTrainPanel *self,
                     const GError  *error)
{
  const PelTrainSettings *run = pel_train_session_get_settings (self->session);
  double rate = pel_live_run_get_rate (pel_train_session_get_run (self->session));

  if (run && rate > 0.0)
    {
      g_hash_table_replace (self->preset_rates, g_strdup (run->preset), g_memdup2 (&rate, sizeof rate));
      pel_train_panel_update_preset_info (self);
    }
  if (pel_train_session_get_model (self->session))
    {
      self->model_source = PEL_MODEL_TRAINED;
      pel_train_panel_model_changed (self);
    }
  pel_train_panel_update_status (self);
  pel_train_panel_update_strip (self);
  pel_train_panel_update_buttons (self);
  pel_train_panel_update_command (self);
}

static void
on_session_notify (PelTrainPanel *self,
                   GParamSpec    *pspec)
{
  if (g_str_equal (pspec->name, "holdout-slice"))
    pel_train_panel_update_strip (self);
  if (g_str_equal (pspec->name, "target-step"))
    {
      gint64 target = pel_train_session_get_target_step (self->session);
      pel_plot_set_x_extent (self->loss_plot, (double) target);
      pel_plot_set_x_extent (self->dice_plot, (double) target);
    }
  if (g_str_equal (pspec->name, "step"))
    return;   /* the loss points that come with it update the line */
  pel_train_panel_update_status (self);
  pel_train_panel_update_buttons (self);
}

void
pel_train_panel_start (PelTrainPanel *self)
{
  g_autoptr (GError) error = NULL;
  gint64 c[3];

  pel_document_get_cursor (self->document, c);
  pel_train_session_set_preview_slice (self->session, c[self->settings.axis]);
  pel_train_panel_prepare_cases (self);
  if (!pel_train_panel_prepare_init (self, &error)
      || !pel_train_session_start (self->session, &self->settings, &error))
    {
      pel_train_panel_set_status (self, error->message, TRUE);
      return;
    }
  reset_plots (self);
  if (self->model_source == PEL_MODEL_TRAINED)
    self->model_source = PEL_MODEL_NONE;
  pel_train_panel_update_status (self);
  pel_train_panel_update_buttons (self);
}

void
pel_train_panel_continue (PelTrainPanel *self)
{
  g_autoptr (GError) error = NULL;

  if (!pel_train_session_continue (self->session, self->settings.steps, &self->settings.method, &error))
    pel_train_panel_set_status (self, error->message, TRUE);
  pel_train_panel_update_status (self);
  pel_train_panel_update_buttons (self);
}

/* ---- command line --------------------------------------------------------- */

void
pel_train_panel_update_command (PelTrainPanel *self)
{
  const PlVolume *volume = pel_document_get_volume (self->document);
  const PelTrainSettings *run = pel_train_session_get_settings (self->session);
  gboolean trained = run && pel_train_session_has_trainer (self->session);
  const PelTrainSettings *s = trained ? run : &self->settings;
  gint64 steps = trained ? pel_train_session_get_target_step (self->session) : self->settings.steps;
  gint64 holdout = trained ? pel_train_session_get_holdout_slice (self->session) : -1;
  const char *labels = pel_document_get_labels_path (self->document);
  GString *note = g_string_new (NULL);

  if (!trained && self->settings.holdout)
    {
      /* the slice Start would hold out */
      gint64 n = 0;
      for (gint64 i = 0; self->counts.counts && i < self->counts.n; i++)
        n += self->counts.counts[i] > 0;
      if (n >= 2)
        for (gint64 i = 0, k = 0; i < self->counts.n; i++)
          if (self->counts.counts[i] > 0 && k++ == n / 2)
            holdout = i;
    }
  g_free (self->command);
  self->command = pel_train_settings_command_line (s, volume, pel_document_get_volume_path (self->document),
                                                   labels, steps, holdout);
  gtk_label_set_text (self->command_label, self->command);

  if (labels == NULL)
    g_string_append (note, _("Save the segmentation first (Ctrl+S): the command reads the labels from that file. "));
  else if (pel_document_get_dirty (self->document))
    g_string_append (note, _("The segmentation has unsaved changes: save it so the command reads the same labels. "));
  if (trained)
    g_string_append (note, _("Labels painted while training ran change the batches, so a rerun matches only if they did not change. "));
  if (s->init)
    {
      g_autofree char *pretrain = pel_train_panel_pretrain_command (self);
      if (pretrain)
        g_string_append_printf (note, _("The encoder was pre-trained here and written to the cache; this pre-trains "
                                        "it again: %s"), pretrain);
    }
  gtk_label_set_text (self->command_note, note->str);
  gtk_widget_set_visible (GTK_WIDGET (self->command_note), note->len > 0);
  g_string_free (note, TRUE);
}

static void
on_copy_clicked (PelTrainPanel *self)
{
  if (self->command)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), self->command);
}

/* ---- document ------------------------------------------------------------- */

static void
on_volume_changed (PelTrainPanel *self)
{
  const PlVolume *volume = pel_document_get_volume (self->document);
  PelTrainSettings fresh;

  /* Defaults for the new volume, keeping what the user chose. */
  pel_train_settings_init (&fresh, volume);
  self->settings.axis = volume ? pel_train_panel_voxel_axis (self, gtk_drop_down_get_selected (self->axis_dropdown)) : fresh.axis;
  pel_train_settings_clear (&fresh);
  pel_slice_counts_clear (&self->counts);
  reset_plots (self);
  pel_train_panel_pretrain_volume_changed (self);
  self->proposal_is_volume = FALSE;
  pel_train_panel_update_strip (self);
  pel_train_panel_recount_classes (self);
  pel_train_panel_update_status (self);
  pel_train_panel_update_proposal_label (self);
  pel_train_panel_update_buttons (self);
  pel_train_panel_update_command (self);
}

static void
on_overlays_changed (PelTrainPanel *self)
{
  pel_train_panel_update_buttons (self);
  if (pel_document_get_proposal (self->document) == NULL)
    {
      self->proposal_is_volume = FALSE;
      pel_train_panel_update_proposal_label (self);
    }
}

/* ---- lifecycle ------------------------------------------------------------ */

/* The "train" actions are on the window too, so that anything holding the
 * window (menus, shortcuts, the test control) activates them by name. */
static void
pel_train_panel_root (GtkWidget *widget)
{
  PelTrainPanel *self = PEL_TRAIN_PANEL (widget);

  GTK_WIDGET_CLASS (pel_train_panel_parent_class)->root (widget);
  pel_action_script_insert_group (GTK_WIDGET (gtk_widget_get_root (widget)), "train",
                                  G_ACTION_GROUP (self->actions));
  g_object_set_data (G_OBJECT (gtk_widget_get_root (widget)), "pel-train-panel", self);
}

static void
pel_train_panel_unroot (GtkWidget *widget)
{
  GtkRoot *root = gtk_widget_get_root (widget);

  if (root && g_object_get_data (G_OBJECT (root), "pel-train-panel") == widget)
    {
      pel_action_script_insert_group (GTK_WIDGET (root), "train", NULL);
      g_object_set_data (G_OBJECT (root), "pel-train-panel", NULL);
    }
  GTK_WIDGET_CLASS (pel_train_panel_parent_class)->unroot (widget);
}

static void
pel_train_panel_dispose (GObject *object)
{
  PelTrainPanel *self = PEL_TRAIN_PANEL (object);

  pel_train_panel_dispose_classes (self);
  if (self->cases_panel)
    g_object_remove_weak_pointer (G_OBJECT (self->cases_panel), (gpointer *) &self->cases_panel);
  self->cases_panel = NULL;
  if (self->bindings)
    {
      for (guint i = 0; i < self->bindings->len; i++)
        g_binding_unbind (g_ptr_array_index (self->bindings, i));
      g_clear_pointer (&self->bindings, g_ptr_array_unref);
    }
  if (self->document)
    g_signal_handlers_disconnect_by_data (self->document, self);
  if (self->session)
    {
      g_signal_handlers_disconnect_by_data (pel_train_session_get_run (self->session), self);
      g_signal_handlers_disconnect_by_data (self->session, self);
      /* A running job keeps the session until its step ends. */
      pel_train_session_stop (self->session);
    }
  pel_train_panel_dispose_model (self);
  pel_train_panel_dispose_quality (self);
  pel_train_panel_dispose_pretrain (self);
  g_clear_object (&self->actions);
  g_clear_pointer (&self->accept_step, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), PEL_TYPE_TRAIN_PANEL);
  {
    GtkWidget *child;
    /* the separator and the footer, which no field names */
    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
      gtk_widget_unparent (child);
  }
  g_clear_object (&self->session);
  g_clear_object (&self->document);
  g_clear_object (&self->tools);
  G_OBJECT_CLASS (pel_train_panel_parent_class)->dispose (object);
}

static void
pel_train_panel_finalize (GObject *object)
{
  PelTrainPanel *self = PEL_TRAIN_PANEL (object);

  pel_train_settings_clear (&self->settings);
  pel_slice_counts_clear (&self->counts);
  g_hash_table_unref (self->preset_rates);
  g_free (self->command);
  G_OBJECT_CLASS (pel_train_panel_parent_class)->finalize (object);
}

static void
pel_train_panel_class_init (PelTrainPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pel_train_panel_dispose;
  object_class->finalize = pel_train_panel_finalize;

  g_type_ensure (PEL_TYPE_PLOT);
  g_type_ensure (PEL_TYPE_SLICE_STRIP);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/pellucid/Pellucid/ui/pel-train-panel.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, PelTrainPanel, name)
  CHILD (scroller);
  CHILD (classes_box);
  CHILD (classes_hint);
  CHILD (axis_dropdown);
  CHILD (strip);
  CHILD (strip_label);
  CHILD (preset_dropdown);
  CHILD (preset_info);
  CHILD (network_expander);
  CHILD (head_dropdown);
  CHILD (attention_dropdown);
  CHILD (context_dropdown);
  CHILD (coords_check);
  CHILD (method_dropdown);
  CHILD (steps_spin);
  CHILD (method_expander);
  CHILD (method_summary);
  CHILD (params_grid);
  CHILD (batch_spin);
  CHILD (lr_spin);
  CHILD (rampdown_spin);
  CHILD (optimiser_expander);
  CHILD (seed_spin);
  CHILD (threads_spin);
  CHILD (holdout_check);
  CHILD (start_button);
  CHILD (continue_button);
  CHILD (run_row_box);
  CHILD (quality_row_box);
  CHILD (status_box);
  CHILD (loss_plot);
  CHILD (dice_plot);
  CHILD (proposal_heading);
  CHILD (predict_button);
  CHILD (predict_stop_button);
  CHILD (clear_button);
  CHILD (predict_bar);
  CHILD (proposal_label);
  CHILD (fill_button);
  CHILD (outline_button);
  CHILD (proposal_opacity);
  CHILD (accept_slice_button);
  CHILD (accept_slice_label);
  CHILD (accept_all_button);
  CHILD (accept_class_button);
  CHILD (accept_class_popover);
  CHILD (accept_class_box);
  CHILD (save_model_button);
  CHILD (model_label);
  CHILD (command_label);
  CHILD (command_note);
#undef CHILD
  pel_train_panel_bind_classes_callbacks (widget_class);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_clicked);
  pel_train_panel_bind_settings_callbacks (widget_class);

  widget_class->root = pel_train_panel_root;
  widget_class->unroot = pel_train_panel_unroot;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "train-panel");
}

static void
pel_train_panel_init (PelTrainPanel *self)
{
  g_autoptr (GtkStringList) presets = gtk_string_list_new (NULL);
  g_autoptr (GtkStringList) methods = gtk_string_list_new (NULL);
  guint n;
  const PlUnetPreset *p = pl_unet_presets (&n);

  self->syncing = TRUE;
  self->preset_rates = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);
  pel_panel_fix_width (GTK_SCROLLED_WINDOW (self->scroller));
  {
    /* a path in the command breaks anywhere, without a hyphen */
    PangoAttrList *attrs = pango_attr_list_new ();
    pango_attr_list_insert (attrs, pango_attr_insert_hyphens_new (FALSE));
    gtk_label_set_attributes (self->command_label, attrs);
    pango_attr_list_unref (attrs);
  }
  self->bindings = g_ptr_array_new ();
  for (guint i = 0; i < n; i++)
    gtk_string_list_append (presets, preset_title (p[i].name));
  gtk_drop_down_set_model (self->preset_dropdown, G_LIST_MODEL (presets));
  for (int k = 0; k < PL_METHOD_N_KINDS; k++)
    gtk_string_list_append (methods, pl_method_kind_title ((PlMethodKind) k));
  gtk_drop_down_set_model (self->method_dropdown, G_LIST_MODEL (methods));

  pel_plot_set_labels (self->loss_plot, _("step"), _("loss (cross entropy + 1 − Dice)"));
  pel_plot_set_placeholder (self->loss_plot, _("The loss is drawn here as training runs"));
  pel_plot_set_labels (self->dice_plot, _("step"), _("held-out Dice (0–1), per class in its colour"));
  pel_plot_set_y_range (self->dice_plot, 0.0, 1.0);
  pel_plot_set_placeholder (self->dice_plot, _("Dice of the held-out slice, every few seconds"));
  self->syncing = FALSE;
}

GtkWidget *
pel_train_panel_new (PelDocument *document,
                     PelTools    *tools)
{
  PelTrainPanel *self;
  const char *actions;

  g_return_val_if_fail (PEL_IS_DOCUMENT (document), NULL);

  self = g_object_new (PEL_TYPE_TRAIN_PANEL, NULL);
  self->document = g_object_ref (document);
  self->tools = g_object_ref (tools);
  self->session = pel_train_session_new (document);
  pel_train_settings_init (&self->settings, pel_document_get_volume (document));
  pel_train_panel_init_actions (self);
  pel_train_panel_init_quality (self);
  pel_train_panel_init_pretrain (self);
  pel_action_script_set_run (G_ACTION_GROUP (self->actions),
                             G_OBJECT (pel_train_session_get_run (self->session)));
  reset_plots (self);
  {
    PelLiveRun *run = pel_train_session_get_run (self->session);
    gtk_box_append (self->run_row_box, pel_run_row_new (run, _("%.2f steps/s"), "train.stop"));
    g_signal_connect_swapped (run, "series-points", G_CALLBACK (on_series_points), self);
    g_signal_connect_swapped (run, "preview", G_CALLBACK (on_run_preview), self);
    g_signal_connect_swapped (run, "status", G_CALLBACK (on_run_status), self);
  }

  g_ptr_array_add (self->bindings,
                   g_object_bind_property (document, "proposal-opacity", self->proposal_opacity, "value",
                                           G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE));
  g_ptr_array_add (self->bindings,
                   g_object_bind_property (document, "proposal-outline", self->outline_button, "active",
                                           G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE));
  gtk_toggle_button_set_active (self->fill_button, !pel_document_get_proposal_outline (document));

  g_signal_connect_swapped (document, "volume-changed", G_CALLBACK (on_volume_changed), self);
  pel_train_panel_connect_classes (self);
  g_signal_connect_swapped (document, "overlays-changed", G_CALLBACK (on_overlays_changed), self);
  g_signal_connect_swapped (document, "notify::dirty", G_CALLBACK (pel_train_panel_update_command), self);
  g_signal_connect_swapped (document, "notify::labels-path", G_CALLBACK (pel_train_panel_update_command), self);
  g_signal_connect_swapped (self->session, "preview", G_CALLBACK (on_session_preview), self);
  g_signal_connect_swapped (self->session, "finished", G_CALLBACK (on_session_finished), self);
  g_signal_connect_swapped (self->session, "notify", G_CALLBACK (on_session_notify), self);

  pel_train_panel_init_model (self);
  pel_train_panel_sync_widgets (self);
  on_volume_changed (self);

  /* a list of train.* activations, for demonstrations and screenshots */
  actions = g_getenv ("PELLUCID_TRAIN_ACTIONS");
  if (actions && *actions)
    pel_train_panel_run_actions (self, actions);
  return GTK_WIDGET (self);
}

PelTrainSession *
pel_train_panel_get_session (PelTrainPanel *self)
{
  g_return_val_if_fail (PEL_IS_TRAIN_PANEL (self), NULL);
  return self->session;
}

PelJob *
pel_train_panel_get_predict_job (PelTrainPanel *self)
{
  g_return_val_if_fail (PEL_IS_TRAIN_PANEL (self), NULL);
  return self->predict_job;
}

const PelTrainSettings *
pel_train_panel_get_settings (PelTrainPanel *self)
{
  g_return_val_if_fail (PEL_IS_TRAIN_PANEL (self), NULL);
  return &self->settings;
}

void
pel_train_panel_set_settings (PelTrainPanel          *self,
                              const PelTrainSettings *settings)
{
  g_return_if_fail (PEL_IS_TRAIN_PANEL (self));
  pel_train_settings_clear (&self->settings);
  pel_train_settings_copy (&self->settings, settings);
  /* the init is the panel's encoder, whatever the settings say */
  pel_train_panel_sync_init (self);
  pel_train_panel_sync_widgets (self);
  pel_train_panel_update_strip (self);
  pel_train_panel_update_buttons (self);
  pel_train_panel_update_command (self);
}

const char *
pel_train_panel_get_command_line (PelTrainPanel *self)
{
  g_return_val_if_fail (PEL_IS_TRAIN_PANEL (self), NULL);
  return self->command;
}
