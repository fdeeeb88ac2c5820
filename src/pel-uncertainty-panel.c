/* PelUncertaintyPanel: the model, the estimators on a live run, the
 * panel's actions and lifecycle.  See pel-uncertainty-panel.h; the map and
 * strip are in pel-uncertainty-panel-map.c, trust in
 * pel-uncertainty-panel-assess.c, the deep ensemble trained here in
 * pel-uncertainty-panel-ensemble.c. */
#define G_LOG_DOMAIN "pel-uncertainty-panel"

#include "src/pel-uncertainty-panel-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "src/pel-action-script.h"
#include "src/pel-heat-map.h"
#include "src/pel-panel-kit.h"
#include "src/pel-slice-strip.h"
#include "src/pel-train-panel.h"
#include "src/pel-train-provider.h"


G_DEFINE_FINAL_TYPE (PelUncertaintyPanel, pel_uncertainty_panel, GTK_TYPE_WIDGET)

/* The dropdown's order. */
static const PlEstimator estimator_order[] = {
  PL_ESTIMATOR_MC, PL_ESTIMATOR_TTA, PL_ESTIMATOR_ENSEMBLE, PL_ESTIMATOR_SOFTMAX
};

static void
set_line (PelUncertaintyPanel *self,
          const char          *key,
          const char          *text,
          gboolean             error)
{
  pel_status_lines_set (self->status_box, key, text, error);
}

static PlModel *
model_copy (const PlModel *m)
{
  PlModel *c = pl_model_new (pl_unet_copy (m->unet), m->n_classes, m->class_values,
                             (const char *const *) m->class_names);

  c->norm_offset = m->norm_offset;
  c->norm_divisor = m->norm_divisor;
  c->axis = m->axis;
  c->train_h = m->train_h;
  c->train_w = m->train_w;
  c->context = m->context;
  c->coords = m->coords;
  pl_model_set_training (c, m->training);
  return c;
}

/* The Train panel's model, when this panel loaded none. */
static PlModel *
train_model (PelUncertaintyPanel *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  PelTrainPanel *train = root ? g_object_get_data (G_OBJECT (root), "pel-train-panel") : NULL;

  return train ? pel_train_panel_get_model (train) : NULL;
}

static void
update_model_label (PelUncertaintyPanel *self)
{
  g_autofree char *text = NULL;

  if (self->loaded && self->loaded_path)
    {
      g_autofree char *base = g_path_get_basename (self->loaded_path);
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Model: %s (%d member)", "Model: %s (%d members)",
                                           (gulong) self->loaded->len),
                              base, (int) self->loaded->len);
    }
  else if (self->loaded)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "Model: the deep ensemble trained here (%d member, not saved)",
                                         "Model: the deep ensemble trained here (%d members, not saved)",
                                         (gulong) self->loaded->len),
                            (int) self->loaded->len);
  else
    text = g_strdup (_("Model: the Train panel's (trained or loaded there)"));
  gtk_label_set_text (self->model_label, text);
}

static void
update_actions (PelUncertaintyPanel *self)
{
  gboolean running = pel_live_run_get_running (self->run);
  gboolean training = pel_uncertainty_ensemble_busy (self);
  GAction *a;

  if (self->document == NULL)
    return;   /* disposed */

#define ENABLE(name, on)                                                     \
  a = g_action_map_lookup_action (G_ACTION_MAP (self->actions), name);      \
  g_simple_action_set_enabled (G_SIMPLE_ACTION (a), (on));
  ENABLE ("start", !running && !training && pel_document_has_volume (self->document));
  ENABLE ("stop", running);
  ENABLE ("next-slice", !running && self->result != NULL);
  ENABLE ("load", !running && !training);
  ENABLE ("load-model", !running && !training);
  ENABLE ("use-train-model", !running && !training && self->loaded != NULL);
#undef ENABLE
  pel_uncertainty_assess_update_actions (self, running);
  a = g_action_map_lookup_action (G_ACTION_MAP (self->actions), "busy");
  g_simple_action_set_state (G_SIMPLE_ACTION (a), g_variant_new_boolean (running || training));
  pel_uncertainty_ensemble_update_actions (self, running);
}

/* ---- the run ------------------------------------------------------------- */

typedef struct
{
  PlUncertaintySettings settings;
  GPtrArray            *models;   /* PlModel: a copy, or the panel's set */
  int                   n_models; /* the first n_models are used */
  PelVolumeRef         *volume;
  PelAssessInput       *assess;
} Task;

static void
task_free (Task *t)
{
  g_ptr_array_unref (t->models);
  pel_volume_ref_unref (t->volume);
  pel_assess_input_free (t->assess);
  g_free (t);
}

static gpointer
estimate_func (gpointer  data,
               PelLive  *live,
               GError  **error)
{
  Task *t = data;
  PlUncertaintyResult *r;
  PelRunOut *out;
  int map = PL_UMAP_ENTROPY;

  pel_live_message (live, _("Estimating"));
  r = pl_uncertainty_estimate (&t->settings, (PlModel *const *) t->models->pdata, t->n_models,
                               pel_volume_ref_get (t->volume),
                               pel_live_get_progress (live), error);
  if (r == NULL)
    return NULL;
  /* the per-slice mean entropy, as a series for plots and tests */
  for (gint64 s = 0; s < r->dim[r->axis]; s++)
    pel_live_append (live, pl_uncertainty_map_name (map), (double) s, r->slice_means[map][s]);
  out = g_new0 (PelRunOut, 1);
  out->box = pel_result_box_new (r);
  pel_live_message (live, _("Measuring calibration and errors"));
  out->assessment = pel_assessment_compute (t->assess, r, error);
  if (out->assessment == NULL)
    g_clear_pointer (&out, pel_run_out_free);
  return out;
}

static void
on_run_done (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  PelUncertaintyPanel *self = user_data;
  g_autoptr (GError) error = NULL;
  PelRunOut *out = pel_live_run_finish (PEL_LIVE_RUN (object), result, &error);
  PlUncertaintyResult *r = out ? pel_result_box_get (out->box) : NULL;

  /* the model copies and the volume reference are no longer needed */
  g_object_set_data (object, "task", NULL);
  if (out && !r)
    {
      /* an assessment only (a reference or raters were opened) */
      pel_uncertainty_assess_set (self, g_steal_pointer (&out->assessment));
      pel_run_out_free (out);
    }
  else if (r)
    {
      double sum = 0.0;
      g_autofree char *text = NULL;

      for (gint64 s = 0; s < r->dim[r->axis]; s++)
        sum += r->slice_means[PL_UMAP_ENTROPY][s];
      text = g_strdup_printf (_("%s: %d samples of %d classes, mean entropy %.4f nats"),
                              pl_estimator_name (self->estimator), r->n_samples, r->n_classes,
                              sum / MAX (r->dim[r->axis], 1));
      g_clear_pointer (&self->result_box, pel_result_box_unref);
      self->result_box = g_steal_pointer (&out->box);
      self->result = r;
      self->next_slice = -1;
      set_line (self, "run", text, FALSE);
      set_line (self, "next", NULL, FALSE);
      g_clear_pointer (&self->assessment, pel_assessment_free);
      if (self->document)
        {
          pel_uncertainty_panel_apply_map (self);
          pel_uncertainty_assess_set (self, g_steal_pointer (&out->assessment));
        }
      pel_run_out_free (out);
    }
  else if (error && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    set_line (self, "run", error->message, TRUE);
  else
    set_line (self, "run", _("Stopped"), FALSE);
  update_actions (self);
  g_object_unref (self);
}

static gboolean
start (PelUncertaintyPanel *self)
{
  g_autoptr (PelVolumeRef) volume = pel_document_ref_volume (self->document);
  g_autoptr (GError) error = NULL;
  PlModel *single;
  Task *t;

  if (volume == NULL || pel_live_run_get_running (self->run))
    return FALSE;
  single = self->loaded ? g_ptr_array_index (self->loaded, 0) : train_model (self);
  if (single == NULL)
    {
      set_line (self, "run", _("No model: train one in the Train panel or load a model file"), TRUE);
      return FALSE;
    }
  if (self->estimator == PL_ESTIMATOR_ENSEMBLE && (self->loaded == NULL || self->loaded->len < 2))
    {
      set_line (self, "run", _("A deep ensemble needs several members: train them with Train Ensemble, "
                               "or load a model file from pellucid-cli train --ensemble M"), TRUE);
      return FALSE;
    }

  t = g_new0 (Task, 1);
  pl_uncertainty_settings_init (&t->settings);
  t->settings.estimator = self->estimator;
  t->settings.mc_passes = self->passes;
  t->settings.tta_samples = self->passes;
  /* a few samples themselves, for D²GED against raters */
  t->settings.keep_samples = MIN (pl_uncertainty_n_samples (&t->settings, 1), 4);
  if (!pl_uncertainty_settings_check (&t->settings, &error))
    {
      set_line (self, "run", error->message, TRUE);
      g_free (t);
      return FALSE;
    }
  /* A set loaded or trained here never changes: the worker reads it as it
   * is.  The Train panel's model may be trained on: a copy. */
  if (self->loaded)
    t->models = g_ptr_array_ref (self->loaded);
  else
    {
      t->models = g_ptr_array_new_with_free_func ((GDestroyNotify) pl_model_free);
      g_ptr_array_add (t->models, model_copy (single));
    }
  /* TTA of a loaded ensemble: every member on every copy */
  t->n_models = self->estimator == PL_ESTIMATOR_ENSEMBLE || self->estimator == PL_ESTIMATOR_TTA
                ? (int) t->models->len : 1;
  t->volume = g_steal_pointer (&volume);
  t->assess = pel_uncertainty_assess_input (self);

  pel_live_run_reset (self->run);
  set_line (self, "run", _("Estimating…"), FALSE);
  /* the task goes with the run: freed when the panel has the result */
  g_object_set_data_full (G_OBJECT (self->run), "task", t, (GDestroyNotify) task_free);
  pel_live_run_start (self->run, estimate_func, t, (GDestroyNotify) pel_run_out_free,
                      on_run_done, g_object_ref (self));
  update_actions (self);
  return TRUE;
}

static gboolean
load_model (PelUncertaintyPanel *self,
            const char          *path)
{
  g_autoptr (GError) error = NULL;
  int n = 0;
  PlModel **members = pl_model_load_ensemble (path, &n, &error);
  GPtrArray *set;

  if (members == NULL)
    {
      set_line (self, "model", error->message, TRUE);
      return FALSE;
    }
  set = g_ptr_array_new_with_free_func ((GDestroyNotify) pl_model_free);
  for (int m = 0; m < n; m++)
    g_ptr_array_add (set, members[m]);
  g_free (members);
  pel_uncertainty_panel_set_models (self, set, path, -1);
  return TRUE;
}

/* ---- actions --------------------------------------------------------------- */

#define ACTION(name) \
  static void name (GSimpleAction *action, GVariant *parameter, gpointer user_data)

ACTION (act_start) { start (user_data); }
ACTION (act_stop) { pel_live_run_stop (PEL_UNCERTAINTY_PANEL (user_data)->run); }
ACTION (act_next_slice) { pel_uncertainty_panel_next_slice (user_data); }
ACTION (act_load) { load_model (user_data, g_variant_get_string (parameter, NULL)); }

ACTION (act_use_train_model)
{
  PelUncertaintyPanel *self = user_data;

  pel_uncertainty_panel_set_models (self, NULL, NULL, -1);
}

ACTION (act_estimator)
{
  PelUncertaintyPanel *self = user_data;
  int e = pl_estimator_from_name (g_variant_get_string (parameter, NULL));

  if (e < 0)
    return;
  self->estimator = (PlEstimator) e;
  g_simple_action_set_state (action, parameter);
  self->syncing = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (estimator_order); i++)
    if (estimator_order[i] == self->estimator)
      gtk_drop_down_set_selected (self->estimator_dropdown, i);
  gtk_widget_set_sensitive (GTK_WIDGET (self->passes_spin),
                            self->estimator == PL_ESTIMATOR_MC || self->estimator == PL_ESTIMATOR_TTA);
  self->syncing = FALSE;
}

ACTION (act_passes)
{
  PelUncertaintyPanel *self = user_data;

  self->passes = CLAMP (g_variant_get_int32 (parameter), 1, 200);
  self->syncing = TRUE;
  gtk_spin_button_set_value (self->passes_spin, self->passes);
  self->syncing = FALSE;
}

ACTION (act_map)
{
  int m = pl_uncertainty_map_from_name (g_variant_get_string (parameter, NULL));

  if (m >= 0)
    pel_uncertainty_panel_set_map (user_data, (PlUncertaintyMap) m);
}

ACTION (act_cycle_map)
{
  PelUncertaintyPanel *self = user_data;
  PlUncertaintyMap next = (self->map + 1) % PL_UMAP_N;

  /* The logit variance exists only for a network with an aleatoric head. */
  if (next == PL_UMAP_LOGIT_VARIANCE && !(self->result && self->result->aleatoric))
    next = (next + 1) % PL_UMAP_N;
  pel_uncertainty_panel_set_map (self, next);
}

ACTION (act_show)
{
  GtkWidget *panel = user_data;
  GtkWidget *parent = gtk_widget_get_parent (panel);

  if (GTK_IS_STACK (parent))
    gtk_stack_set_visible_child (GTK_STACK (parent), panel);
}

static void
on_load_response (GtkNativeDialog     *dialog,
                  int                  response,
                  PelUncertaintyPanel *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      if (path)
        load_model (self, path);
    }
  g_object_unref (dialog);
  g_object_unref (self);
}

ACTION (act_load_model)
{
  PelUncertaintyPanel *self = user_data;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *native =
    gtk_file_chooser_native_new (_("Load Model"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                 GTK_FILE_CHOOSER_ACTION_OPEN, _("_Load"), _("_Cancel"));
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Models (*.safetensors)"));
  gtk_file_filter_add_pattern (filter, "*.safetensors");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
  g_object_unref (filter);
  g_signal_connect (native, "response", G_CALLBACK (on_load_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static const GActionEntry action_entries[] = {
  { "start", act_start, NULL, NULL, NULL, { 0 } },
  { "stop", act_stop, NULL, NULL, NULL, { 0 } },
  { "next-slice", act_next_slice, NULL, NULL, NULL, { 0 } },
  { "load", act_load, "s", NULL, NULL, { 0 } },
  { "load-model", act_load_model, NULL, NULL, NULL, { 0 } },
  { "use-train-model", act_use_train_model, NULL, NULL, NULL, { 0 } },
  { "estimator", act_estimator, "s", "'mc'", NULL, { 0 } },
  { "passes", act_passes, "i", NULL, NULL, { 0 } },
  { "map", act_map, "s", "'entropy'", NULL, { 0 } },
  { "cycle-map", act_cycle_map, NULL, NULL, NULL, { 0 } },
  { "show", act_show, NULL, NULL, NULL, { 0 } },
  { "busy", NULL, NULL, "false", NULL, { 0 } },
};

/* ---- widget callbacks ---------------------------------------------------- */

static void
on_estimator_selected (PelUncertaintyPanel *self)
{
  guint i = gtk_drop_down_get_selected (self->estimator_dropdown);

  if (!self->syncing && i < G_N_ELEMENTS (estimator_order))
    g_action_group_activate_action (G_ACTION_GROUP (self->actions), "estimator",
                                    g_variant_new_string (pl_estimator_name (estimator_order[i])));
}

static void
on_passes_changed (PelUncertaintyPanel *self)
{
  if (!self->syncing)
    g_action_group_activate_action (G_ACTION_GROUP (self->actions), "passes",
                                    g_variant_new_int32 (gtk_spin_button_get_value_as_int (self->passes_spin)));
}

static void
on_map_selected (PelUncertaintyPanel *self)
{
  guint i = gtk_drop_down_get_selected (self->map_dropdown);

  if (!self->syncing && i < PL_UMAP_N)
    g_action_group_activate_action (G_ACTION_GROUP (self->actions), "map",
                                    g_variant_new_string (pl_uncertainty_map_name ((PlUncertaintyMap) i)));
}

static void
on_strip_activated (PelUncertaintyPanel *self,
                    gint64               index)
{
  gint64 c[3];

  if (self->result == NULL)
    return;
  pel_document_get_cursor (self->document, c);
  c[self->result->axis] = index;
  pel_document_set_cursor (self->document, c);
}

static void
on_cursor_changed (PelUncertaintyPanel *self)
{
  gint64 c[3];

  if (self->result == NULL)
    return;
  pel_document_get_cursor (self->document, c);
  pel_slice_strip_set_current (self->strip, c[self->result->axis]);
}

static void
on_labels_changed (PelUncertaintyPanel *self)
{
  if (self->result)
    pel_uncertainty_panel_update_strip (self);
}

static void
on_volume_changed (PelUncertaintyPanel *self)
{
  /* a result on another grid means nothing now */
  if (self->heat_map && pel_document_get_heat_map (self->document) == self->heat_map)
    pel_document_set_heat_map (self->document, NULL);
  g_clear_object (&self->heat_map);
  self->result = NULL;
  g_clear_pointer (&self->result_box, pel_result_box_unref);
  pel_uncertainty_assess_clear (self);
  pel_uncertainty_ensemble_volume_changed (self);
  pel_slice_strip_set_counts (self->strip, NULL, 0);
  set_line (self, "run", NULL, FALSE);
  set_line (self, "next", NULL, FALSE);
  update_actions (self);
}

/* ---- lifecycle ----------------------------------------------------------- */

static void
pel_uncertainty_panel_root (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (pel_uncertainty_panel_parent_class)->root (widget);
  pel_action_script_insert_group (GTK_WIDGET (gtk_widget_get_root (widget)), "uncertainty",
                                  G_ACTION_GROUP (PEL_UNCERTAINTY_PANEL (widget)->actions));
  pel_action_script_insert_group (GTK_WIDGET (gtk_widget_get_root (widget)), "ensemble",
                                  G_ACTION_GROUP (PEL_UNCERTAINTY_PANEL (widget)->ens_actions));
}

static void
pel_uncertainty_panel_unroot (GtkWidget *widget)
{
  GtkRoot *root = gtk_widget_get_root (widget);

  if (root)
    {
      pel_action_script_insert_group (GTK_WIDGET (root), "uncertainty", NULL);
      pel_action_script_insert_group (GTK_WIDGET (root), "ensemble", NULL);
    }
  GTK_WIDGET_CLASS (pel_uncertainty_panel_parent_class)->unroot (widget);
}

static void
pel_uncertainty_panel_dispose (GObject *object)
{
  PelUncertaintyPanel *self = PEL_UNCERTAINTY_PANEL (object);

  pel_action_script_cancel (GTK_WIDGET (self));
  if (self->map_cancel)
    g_cancellable_cancel (self->map_cancel);
  g_clear_object (&self->map_cancel);
  if (self->run)
    pel_live_run_stop (self->run);
  pel_uncertainty_ensemble_dispose (self);
  if (self->document)
    {
      g_signal_handlers_disconnect_by_data (self->document, self);
      if (self->heat_map && pel_document_get_heat_map (self->document) == self->heat_map)
        pel_document_set_heat_map (self->document, NULL);
    }
  g_clear_object (&self->heat_map);
  gtk_widget_dispose_template (GTK_WIDGET (self), PEL_TYPE_UNCERTAINTY_PANEL);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);   /* the footer */
  g_clear_object (&self->document);
  g_clear_object (&self->tools);
  G_OBJECT_CLASS (pel_uncertainty_panel_parent_class)->dispose (object);
}

static void
pel_uncertainty_panel_finalize (GObject *object)
{
  PelUncertaintyPanel *self = PEL_UNCERTAINTY_PANEL (object);

  g_clear_object (&self->run);
  g_clear_object (&self->actions);
  pel_uncertainty_ensemble_finalize (self);
  self->result = NULL;
  g_clear_pointer (&self->result_box, pel_result_box_unref);
  pel_uncertainty_assess_clear (self);
  g_clear_pointer (&self->raters, g_ptr_array_unref);
  g_clear_pointer (&self->rater_paths, g_ptr_array_unref);
  g_clear_pointer (&self->held_out, g_array_unref);
  g_clear_pointer (&self->loaded, g_ptr_array_unref);
  g_free (self->loaded_path);
  pel_slice_counts_clear (&self->counts);
  G_OBJECT_CLASS (pel_uncertainty_panel_parent_class)->finalize (object);
}

static void
pel_uncertainty_panel_class_init (PelUncertaintyPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pel_uncertainty_panel_dispose;
  object_class->finalize = pel_uncertainty_panel_finalize;
  widget_class->root = pel_uncertainty_panel_root;
  widget_class->unroot = pel_uncertainty_panel_unroot;

  g_type_ensure (PEL_TYPE_SLICE_STRIP);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/pellucid/Pellucid/ui/pel-uncertainty-panel.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, PelUncertaintyPanel, name)
  CHILD (scroller);
  CHILD (estimator_dropdown);
  CHILD (passes_spin);
  CHILD (map_dropdown);
  CHILD (run_row_box);
  CHILD (status_box);
  CHILD (colour_bar);
  CHILD (range_min_label);
  CHILD (range_max_label);
  CHILD (strip);
  CHILD (model_label);
  CHILD (assess_box);
  CHILD (ens_settings_label);
  CHILD (ens_members_spin);
  CHILD (ens_steps_spin);
  CHILD (ens_bootstrap_check);
  CHILD (ens_run_row_box);
  CHILD (ens_plot_box);
  CHILD (ens_status_box);
#undef CHILD
  gtk_widget_class_bind_template_callback (widget_class, on_estimator_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_passes_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_map_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_strip_activated);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "uncertainty-panel");
}

static void
pel_uncertainty_panel_init (PelUncertaintyPanel *self)
{
  PlUncertaintySettings defaults;

  pl_uncertainty_settings_init (&defaults);
  self->syncing = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);
  pel_panel_fix_width (GTK_SCROLLED_WINDOW (self->scroller));
  gtk_drawing_area_set_draw_func (self->colour_bar, pel_uncertainty_panel_colour_bar_draw, NULL, NULL);
  self->estimator = PL_ESTIMATOR_MC;
  self->passes = defaults.mc_passes;
  self->map = PL_UMAP_ENTROPY;
  self->next_slice = -1;
  self->loaded_holdout = -1;
  pel_slice_counts_init (&self->counts, 2, 0);
  gtk_spin_button_set_value (self->passes_spin, self->passes);
  self->syncing = FALSE;
}

GtkWidget *
pel_uncertainty_panel_new (PelDocument *document,
                           PelTools    *tools)
{
  PelUncertaintyPanel *self;
  const char *script;

  g_return_val_if_fail (PEL_IS_DOCUMENT (document), NULL);

  self = g_object_new (PEL_TYPE_UNCERTAINTY_PANEL, NULL);
  self->document = g_object_ref (document);
  self->tools = tools ? g_object_ref (tools) : NULL;
  self->run = pel_live_run_new (_("Estimating uncertainty"));
  self->actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), action_entries,
                                   G_N_ELEMENTS (action_entries), self);
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), pel_uncertainty_assess_actions,
                                   pel_uncertainty_assess_n_actions, self);
  pel_uncertainty_assess_init (self);
  pel_uncertainty_ensemble_init (self);
  pel_action_script_set_run (G_ACTION_GROUP (self->actions), G_OBJECT (self->run));
  gtk_box_append (self->run_row_box, pel_run_row_new (self->run, _("%.2f slices/s"), "uncertainty.stop"));
  g_signal_connect_swapped (self->run, "notify::running", G_CALLBACK (update_actions), self);
  g_signal_connect_swapped (document, "cursor-changed", G_CALLBACK (on_cursor_changed), self);
  g_signal_connect_swapped (document, "labels-changed", G_CALLBACK (on_labels_changed), self);
  g_signal_connect_swapped (document, "volume-changed", G_CALLBACK (on_volume_changed), self);
  pel_action_script_insert_group (GTK_WIDGET (self), "uncertainty", G_ACTION_GROUP (self->actions));
  update_model_label (self);
  update_actions (self);

  /* a list of uncertainty.* activations, for demonstrations and screenshots */
  script = g_getenv ("PELLUCID_UNCERTAINTY_ACTIONS");
  if (script && *script)
    pel_action_script_run (GTK_WIDGET (self), script, "uncertainty");
  return GTK_WIDGET (self);
}

PelLiveRun *
pel_uncertainty_panel_get_run (PelUncertaintyPanel *self)
{
  g_return_val_if_fail (PEL_IS_UNCERTAINTY_PANEL (self), NULL);
  return self->run;
}

const PlUncertaintyResult *
pel_uncertainty_panel_get_result (PelUncertaintyPanel *self)
{
  g_return_val_if_fail (PEL_IS_UNCERTAINTY_PANEL (self), NULL);
  return self->result;
}

PlUncertaintyMap
pel_uncertainty_panel_get_map (PelUncertaintyPanel *self)
{
  g_return_val_if_fail (PEL_IS_UNCERTAINTY_PANEL (self), PL_UMAP_ENTROPY);
  return self->map;
}

const PelAssessment *
pel_uncertainty_panel_get_assessment (PelUncertaintyPanel *self)
{
  g_return_val_if_fail (PEL_IS_UNCERTAINTY_PANEL (self), NULL);
  return self->result ? self->assessment : NULL;
}

PelLiveRun *
pel_uncertainty_panel_get_ensemble_run (PelUncertaintyPanel *self)
{
  g_return_val_if_fail (PEL_IS_UNCERTAINTY_PANEL (self), NULL);
  return self->ens_run;
}

PlModel *const *
pel_uncertainty_panel_get_models (PelUncertaintyPanel *self,
                                  int                 *n_models)
{
  g_return_val_if_fail (PEL_IS_UNCERTAINTY_PANEL (self), NULL);
  if (n_models)
    *n_models = self->loaded ? (int) self->loaded->len : 0;
  return self->loaded ? (PlModel *const *) self->loaded->pdata : NULL;
}

gint64
pel_uncertainty_panel_get_next_slice (PelUncertaintyPanel *self)
{
  g_return_val_if_fail (PEL_IS_UNCERTAINTY_PANEL (self), -1);
  return self->next_slice;
}

const char *
pel_uncertainty_panel_get_status (PelUncertaintyPanel *self,
                                  const char          *key)
{
  const char *text;

  g_return_val_if_fail (PEL_IS_UNCERTAINTY_PANEL (self), NULL);
  text = pel_status_lines_get (self->status_box, key);
  if (text == NULL)
    text = pel_uncertainty_ensemble_get_status (self, key);
  return text ? text : pel_assess_view_get_status (self->assess_view, key);
}

/* ---- for pel-uncertainty-panel-assess.c ----------------------------------- */

void
pel_uncertainty_panel_set_line (PelUncertaintyPanel *self,
                                const char          *key,
                                const char          *text,
                                gboolean             error)
{
  set_line (self, key, text, error);
}

void
pel_uncertainty_panel_update_actions (PelUncertaintyPanel *self)
{
  update_actions (self);
}

gint64
pel_uncertainty_panel_train_holdout (PelUncertaintyPanel *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  PelTrainPanel *train = root ? g_object_get_data (G_OBJECT (root), "pel-train-panel") : NULL;
  PelTrainSession *session = train ? pel_train_panel_get_session (train) : NULL;

  if (self->loaded)
    return self->loaded_holdout;
  if (session == NULL)
    return -1;
  return pel_train_session_get_holdout_slice (session);
}

void
pel_uncertainty_panel_set_models (PelUncertaintyPanel *self,
                                  GPtrArray           *models,
                                  const char          *path,
                                  gint64               holdout)
{
  g_clear_pointer (&self->loaded, g_ptr_array_unref);
  g_free (self->loaded_path);
  self->loaded = models;
  self->loaded_path = g_strdup (path);
  self->loaded_holdout = models ? holdout : -1;
  set_line (self, "model", NULL, FALSE);
  update_model_label (self);
  update_actions (self);
}
