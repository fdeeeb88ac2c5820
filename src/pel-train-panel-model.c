/* PelTrainPanel: proposals (predict, show, accept), model files, and the
 * scripted actions of PELLUCID_TRAIN_ACTIONS.  See pel-train-panel.h. */
#define G_LOG_DOMAIN "pel-train-panel"

#include "src/pel-train-panel-private.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "src/pel-action-script.h"
#include "src/pel-proposal.h"
#include "src/pel-train-thread.h"

/* ---- the model ------------------------------------------------------------ */

PlModel *
pel_train_panel_model_copy (const PlModel *m)
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

PlModel *
pel_train_panel_get_model (PelTrainPanel *self)
{
  g_return_val_if_fail (PEL_IS_TRAIN_PANEL (self), NULL);
  switch (self->model_source)
    {
    case PEL_MODEL_TRAINED:
      return pel_train_session_get_model (self->session);
    case PEL_MODEL_LOADED:
      return self->loaded_model;
    case PEL_MODEL_NONE:
    default:
      return NULL;
    }
}

/* "method mean-teacher, 600 steps, seed 0, …" from a model's training
 * metadata (a JSON object; nested objects flattened). */
static void
describe_json (JsonObject *object,
               GString    *out)
{
  g_autoptr (GList) members = json_object_get_members (object);

  for (GList *l = members; l; l = l->next)
    {
      JsonNode *node = json_object_get_member (object, l->data);
      if (JSON_NODE_HOLDS_OBJECT (node))
        {
          describe_json (json_node_get_object (node), out);
          continue;
        }
      if (!JSON_NODE_HOLDS_VALUE (node))
        continue;
      if (out->len)
        g_string_append (out, ", ");
      g_string_append_printf (out, "%s ", (const char *) l->data);
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_STRING:
          g_string_append (out, json_node_get_string (node));
          break;
        case G_TYPE_BOOLEAN:
          g_string_append (out, json_node_get_boolean (node) ? "yes" : "no");
          break;
        case G_TYPE_INT64:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
          break;
        default:
          g_string_append_printf (out, "%g", json_node_get_double (node));
        }
    }
}

void
pel_train_panel_model_changed (PelTrainPanel *self)
{
  PlModel *model = pel_train_panel_get_model (self);
  const PlVolume *volume = pel_document_get_volume (self->document);
  PlLabelTable *table = pel_document_get_label_table (self->document);
  GString *s = g_string_new (NULL);

  if (model == NULL)
    g_string_append (s, _("No model yet: train one here or load a saved one."));
  else
    {
      const PlUnetConfig *net = pl_unet_get_config (model->unet);
      g_autofree char *name = self->loaded_path ? g_path_get_basename (self->loaded_path) : NULL;

      if (self->model_source == PEL_MODEL_LOADED)
        g_string_append_printf (s, _("Loaded %s"), name);
      else
        g_string_append (s, _("Trained here"));
      /* Translators: network depth and channel range, e.g. "5 levels, 16–256 channels" */
      g_string_append_printf (s, _(": %d levels, %d–%d channels, slices along %s"), net->depth,
                              net->channels[0], net->channels[net->depth - 1],
                              pel_train_axis_name (volume, model->axis));
      g_string_append (s, _("\nClasses:"));
      for (int c = 0; c < model->n_classes; c++)
        {
          PlLabel *l = pl_label_table_lookup (table, model->class_values[c]);
          const char *cname = model->class_names[c] && *model->class_names[c] ? model->class_names[c]
                              : l ? l->name : "";
          g_string_append_printf (s, "%s %u %s", c ? "," : "", model->class_values[c], cname);
        }
      if (model->training)
        {
          g_autoptr (JsonParser) parser = json_parser_new ();
          if (json_parser_load_from_data (parser, model->training, -1, NULL)
              && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
            {
              GString *t = g_string_new (NULL);
              describe_json (json_node_get_object (json_parser_get_root (parser)), t);
              g_string_append_printf (s, _("\nTraining: %s"), t->str);
              g_string_free (t, TRUE);
            }
        }
    }
  gtk_label_set_text (self->model_label, s->str);
  g_string_free (s, TRUE);
  pel_train_panel_rebuild_accept_classes (self);
  pel_train_panel_update_buttons (self);
}

/* ---- proposals ------------------------------------------------------------ */

void
pel_train_panel_update_proposal_label (PelTrainPanel *self)
{
  const PlLabels *proposal = pel_document_get_proposal (self->document);
  g_autofree char *text = NULL;

  if (proposal == NULL)
    text = g_strdup (_("No proposal yet. While training runs, the slice on screen is predicted every few seconds; Predict Volume segments every slice."));
  else if (!self->proposal_is_volume)
    text = g_strdup_printf (_("Live prediction of the slice on screen, step %" G_GINT64_FORMAT ". It never covers painted voxels."),
                            pel_train_session_get_step (self->session));
  else
    {
      gsize n = pel_proposal_count (self->document, PEL_ACCEPT_ALL, 0, 0, 0);
      g_autofree char *count = pel_format_count ((gint64) n);
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "Whole volume: %s unlabelled voxel can be filled from it. Painted and locked labels are never changed.",
                                           "Whole volume: %s unlabelled voxels can be filled from it. Painted and locked labels are never changed.",
                                           (gulong) n),
                              count);
    }
  gtk_label_set_text (self->proposal_label, text);
}

static void
on_predict_done (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (PelTrainPanel) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (PlLabels) labels = pel_proposal_predict_finish (PEL_JOB (object), result, &error);
  const PlVolume *volume;
  PlModel *model;

  pel_train_thread_job_finished ();
  if (self->document == NULL)    /* disposed meanwhile */
    return;
  gtk_widget_set_visible (GTK_WIDGET (self->predict_bar), FALSE);
  pel_train_panel_set_line (self, "predict", NULL, FALSE);
  volume = pel_document_get_volume (self->document);
  if (labels == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *text = g_strdup_printf (_("Prediction failed: %s"), error->message);
          gtk_label_set_text (self->proposal_label, text);
        }
      else
        pel_train_panel_update_proposal_label (self);
      pel_train_panel_update_buttons (self);
      return;
    }
  if (volume == NULL || memcmp (volume->dim, labels->dim, sizeof labels->dim) != 0)
    return;   /* another volume was opened meanwhile */

  /* A loaded model may bring classes the label table lacks: name them. */
  model = pel_train_panel_get_model (self);
  if (model)
    pel_document_add_missing_labels (self->document, model->n_classes, model->class_values, model->class_names);
  self->proposal_is_volume = TRUE;
  pel_document_set_proposal (self->document, g_steal_pointer (&labels));
  pel_train_panel_update_proposal_label (self);
  pel_train_panel_update_buttons (self);
}

static void
update_predict_bar (PelTrainPanel *self)
{
  double left = pel_job_get_time_left (self->predict_job);
  g_autofree char *text = NULL;

  if (left >= 0.0)
    /* Translators: whole-volume prediction progress */
    text = g_strdup_printf (_("Predicting: %.0f%%, %.0f s left"), 100.0 * pel_job_get_fraction (self->predict_job), left);
  else
    text = g_strdup_printf (_("Predicting: %.0f%%"), 100.0 * pel_job_get_fraction (self->predict_job));
  gtk_progress_bar_set_fraction (self->predict_bar, MAX (pel_job_get_fraction (self->predict_job), 0.0));
  pel_train_panel_set_line (self, "predict", text, FALSE);
}

gboolean
pel_train_panel_predict (PelTrainPanel *self)
{
  PlModel *model = pel_train_panel_get_model (self);
  g_autoptr (PelVolumeRef) volume = pel_document_ref_volume (self->document);

  if (model == NULL || volume == NULL || pel_job_get_running (self->predict_job))
    return FALSE;
  self->proposal_axis = model->axis;
  pel_train_thread_set_engine_threads (self->settings.threads);
  pel_train_thread_job_started ();
  gtk_widget_set_visible (GTK_WIDGET (self->predict_bar), TRUE);
  pel_proposal_predict_async (self->predict_job, pel_train_panel_model_copy (model), volume, self->cancellable,
                              on_predict_done, g_object_ref (self));
  update_predict_bar (self);
  pel_train_panel_update_buttons (self);
  return TRUE;
}

static void
accepted (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr (PelTrainPanel) self = user_data;
  g_autoptr (GError) error = NULL;
  gssize n = pel_proposal_accept_finish (PEL_DOCUMENT (object), result, &error);
  g_autofree char *text = NULL, *count = NULL;

  if (self->document == NULL)    /* disposed meanwhile */
    return;
  self->accepting = FALSE;
  g_clear_pointer (&self->accept_step, g_free);
  if (n < 0)
    text = g_strdup_printf (_("Nothing was accepted: %s."), error->message);
  else if (n == 0)
    text = g_strdup (_("Nothing to accept there: every proposed voxel is painted or locked already."));
  else
    {
      count = pel_format_count ((gint64) n);
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "Accepted %s voxel (Ctrl+Z undoes it).",
                                           "Accepted %s voxels (Ctrl+Z undoes them).", (gulong) n),
                              count);
      self->accept_step = g_strdup (pl_undo_get_undo_name (pel_document_get_undo (self->document)));
    }
  pel_train_panel_set_line (self, "accept", text, FALSE);
  pel_train_panel_update_buttons (self);
}

/* The merge reads the map on a worker (a whole volume is tens of
 * milliseconds of reading); the labels change on the main thread. */
void
pel_train_panel_accept (PelTrainPanel *self,
                        int            scope,
                        guint16        value)
{
  gint64 c[3];

  if (pel_document_get_proposal (self->document) == NULL || self->accepting)
    return;
  pel_document_get_cursor (self->document, c);
  self->accepting = TRUE;
  pel_train_panel_update_buttons (self);
  pel_proposal_accept_async (self->document, (PelAcceptScope) scope, self->proposal_axis,
                             c[self->proposal_axis], value, self->cancellable, accepted, g_object_ref (self));
}

static void
on_accept_class (GtkButton     *button,
                 PelTrainPanel *self)
{
  guint16 value = (guint16) GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "value"));

  gtk_popover_popdown (self->accept_class_popover);
  pel_train_panel_accept (self, PEL_ACCEPT_CLASS, value);
}

void
pel_train_panel_rebuild_accept_classes (PelTrainPanel *self)
{
  PlModel *model = pel_train_panel_get_model (self);
  PlLabelTable *table = pel_document_get_label_table (self->document);
  const guint32 *lut = pel_document_get_label_lut (self->document);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->accept_class_box))) != NULL)
    gtk_box_remove (self->accept_class_box, child);
  if (model == NULL)
    return;
  for (int c = 0; c < model->n_classes; c++)
    {
      guint16 v = model->class_values[c];
      PlLabel *l = pl_label_table_lookup (table, v);
      const char *name = l ? l->name : model->class_names[c];
      g_autofree char *markup = g_markup_printf_escaped ("<span foreground=\"#%06x\">●</span> %s",
                                                         lut[v] & 0xffffff, name ? name : "");
      GtkWidget *label = gtk_label_new (NULL);
      GtkWidget *button = gtk_button_new ();

      gtk_label_set_markup (GTK_LABEL (label), markup);
      gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
      gtk_button_set_child (GTK_BUTTON (button), label);
      gtk_widget_add_css_class (button, "flat");
      g_object_set_data (G_OBJECT (button), "value", GUINT_TO_POINTER (v));
      g_signal_connect (button, "clicked", G_CALLBACK (on_accept_class), self);
      gtk_box_append (self->accept_class_box, button);
    }
}

/* ---- model files ---------------------------------------------------------- */

static GtkWindow *
parent_window (PelTrainPanel *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static GtkFileFilter *
model_filter (void)
{
  GtkFileFilter *filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("Models (safetensors)"));
  gtk_file_filter_add_pattern (filter, "*.safetensors");
  return filter;
}

static void
save_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  PlModel *model = g_object_get_data (G_OBJECT (task), "model");
  GError *error = NULL;

  if (pl_model_save (model, task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_saved (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  PelTrainPanel *self = PEL_TRAIN_PANEL (object);
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  self->action_busy = FALSE;
  if (self->document == NULL)
    return;
  if (g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_autofree char *name = g_path_get_basename (g_task_get_task_data (G_TASK (result)));
      text = g_strdup_printf (_("Model saved as %s."), name);
      pel_train_panel_set_line (self, "model", text, FALSE);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    pel_train_panel_set_line (self, "model", error->message, TRUE);
  pel_train_panel_update_buttons (self);
}

static void
save_model_to (PelTrainPanel *self,
               const char    *path)
{
  PlModel *model = pel_train_session_get_model (self->session);
  GTask *task;

  if (model == NULL)
    return;
  self->action_busy = TRUE;
  task = g_task_new (self, self->cancellable, on_saved, NULL);
  g_task_set_task_data (task, g_strdup (path), g_free);
  /* a copy: the session replaces its model as training goes on */
  g_object_set_data_full (G_OBJECT (task), "model", pel_train_panel_model_copy (model), (GDestroyNotify) pl_model_free);
  g_task_run_in_thread (task, save_thread);
  g_object_unref (task);
  pel_train_panel_update_buttons (self);
}

void
pel_train_panel_load_model_thread (GTask        *task,
                                   gpointer      source,
                                   gpointer      task_data,
                                   GCancellable *cancellable)
{
  GError *error = NULL;
  PlModel *model = pl_model_load (task_data, &error);

  if (model)
    g_task_return_pointer (task, model, (GDestroyNotify) pl_model_free);
  else
    g_task_return_error (task, error);
}

static void
on_loaded (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  PelTrainPanel *self = PEL_TRAIN_PANEL (object);
  g_autoptr (GError) error = NULL;
  PlModel *model = g_task_propagate_pointer (G_TASK (result), &error);

  self->action_busy = FALSE;
  if (self->document == NULL)
    {
      pl_model_free (model);
      return;
    }
  pel_train_panel_update_buttons (self);
  if (model == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        pel_train_panel_set_line (self, "model", error->message, TRUE);
      return;
    }
  pel_train_panel_set_line (self, "model", NULL, FALSE);
  g_clear_pointer (&self->loaded_model, pl_model_free);
  self->loaded_model = model;
  g_free (self->loaded_path);
  self->loaded_path = g_strdup (g_task_get_task_data (G_TASK (result)));
  self->model_source = PEL_MODEL_LOADED;
  pel_train_panel_model_changed (self);
}

static void
load_model_from (PelTrainPanel *self,
                 const char    *path)
{
  GTask *task = g_task_new (self, self->cancellable, on_loaded, NULL);

  self->action_busy = TRUE;
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, pel_train_panel_load_model_thread);
  g_object_unref (task);
  pel_train_panel_update_buttons (self);
}

/* A model file chooser (the model filter): the chosen path goes to
 * func (self, path, save). */
static void
on_model_file_response (GtkNativeDialog *native,
                        int              response,
                        PelTrainPanel   *self)
{
  gboolean save = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (native), "save"));
  PelTrainPathFunc func = g_object_get_data (G_OBJECT (native), "func");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      g_autofree char *path = g_file_get_path (file);
      if (path)
        func (self, path, save);
    }
  g_object_unref (native);
  g_object_unref (self);
}

void
pel_train_panel_choose_model_file (PelTrainPanel    *self,
                                   gboolean          save,
                                   const char       *title,
                                   const char       *name,
                                   PelTrainPathFunc  func)
{
  GtkFileChooserNative *native =
    gtk_file_chooser_native_new (title, parent_window (self),
                                 save ? GTK_FILE_CHOOSER_ACTION_SAVE : GTK_FILE_CHOOSER_ACTION_OPEN,
                                 save ? _("_Save") : _("_Open"), NULL);
  g_autoptr (GtkFileFilter) filter = model_filter ();

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
  if (save)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), name);
  g_object_set_data (G_OBJECT (native), "save", GINT_TO_POINTER (save));
  g_object_set_data (G_OBJECT (native), "func", func);
  g_signal_connect (native, "response", G_CALLBACK (on_model_file_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/* Save Model and Load Model. */
static void
model_path_chosen (PelTrainPanel *self,
                   const char    *path,
                   gboolean       save)
{
  if (save)
    save_model_to (self, path);
  else
    load_model_from (self, path);
}

/* ---- the "train" actions --------------------------------------------------- */

gboolean
pel_train_panel_any_labelled (PelTrainPanel *self)
{
  guint other_cases;
  gint64 other_slices;

  for (gint64 s = 0; self->counts.counts && s < self->counts.n; s++)
    if (self->counts.counts[s] > 0)
      return TRUE;
  /* across a cohort, the other cases' painting is enough */
  pel_train_panel_count_other_cases (self, &other_cases, &other_slices);
  return other_slices > 0;
}

static gboolean
select_by_name (GtkDropDown *dropdown,
                const char  *name,
                const char *(*name_of) (guint),
                guint        n)
{
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (name_of (i), name) == 0)
      {
        gtk_drop_down_set_selected (dropdown, i);
        return TRUE;
      }
  g_warning ("no choice “%s” here", name);
  return FALSE;
}

static const char *
preset_name_of (guint i)
{
  guint n;
  const PlUnetPreset *p = pl_unet_presets (&n);
  return i < n ? p[i].name : NULL;
}

static const char *
method_name_of (guint i)
{
  return i < PL_METHOD_N_KINDS ? pl_method_kind_name ((PlMethodKind) i) : NULL;
}

static const char *
axis_name_of (guint i)
{
  static const char *names[] = { "axial", "coronal", "sagittal" };
  return i < 3 ? names[i] : NULL;
}

#define ACTION(name) \
  static void name (GSimpleAction *action, GVariant *parameter, gpointer user_data)

ACTION (act_start) { pel_train_panel_start (user_data); }
ACTION (act_continue) { pel_train_panel_continue (user_data); }
ACTION (act_predict) { pel_train_panel_predict (user_data); }
ACTION (act_predict_stop) { pel_job_cancel (PEL_TRAIN_PANEL (user_data)->predict_job); }
ACTION (act_accept_slice) { pel_train_panel_accept (user_data, PEL_ACCEPT_SLICE, 0); }
ACTION (act_accept_all) { pel_train_panel_accept (user_data, PEL_ACCEPT_ALL, 0); }
ACTION (act_save_model) { pel_train_panel_choose_model_file (user_data, TRUE, _("Save Model"), "model.safetensors", model_path_chosen); }
ACTION (act_load_model) { pel_train_panel_choose_model_file (user_data, FALSE, _("Load Model"), NULL, model_path_chosen); }
ACTION (act_save) { save_model_to (user_data, g_variant_get_string (parameter, NULL)); }
ACTION (act_load) { load_model_from (user_data, g_variant_get_string (parameter, NULL)); }

ACTION (act_stop)
{
  PelTrainPanel *self = user_data;

  pel_train_session_stop (self->session);
  pel_train_panel_set_status (self, _("Stopping after this step…"), FALSE);
}

ACTION (act_clear_proposal)
{
  pel_document_set_proposal (PEL_TRAIN_PANEL (user_data)->document, NULL);
}

ACTION (act_accept_class)
{
  pel_train_panel_accept (user_data, PEL_ACCEPT_CLASS, (guint16) CLAMP (g_variant_get_int32 (parameter), 0, 65535));
}

ACTION (act_show)
{
  GtkWidget *panel = user_data;
  GtkWidget *parent = gtk_widget_get_parent (panel);

  if (GTK_IS_STACK (parent))
    gtk_stack_set_visible_child (GTK_STACK (parent), panel);
}

ACTION (act_axis)
{
  select_by_name (PEL_TRAIN_PANEL (user_data)->axis_dropdown, g_variant_get_string (parameter, NULL), axis_name_of, 3);
}

ACTION (act_preset)
{
  guint n;

  pl_unet_presets (&n);
  select_by_name (PEL_TRAIN_PANEL (user_data)->preset_dropdown, g_variant_get_string (parameter, NULL),
                  preset_name_of, n);
}

static const char *
head_name_of (guint i)
{
  static const char *names[] = { "plain", "fcn" };
  return i < 2 ? names[i] : NULL;
}

ACTION (act_head)
{
  select_by_name (PEL_TRAIN_PANEL (user_data)->head_dropdown, g_variant_get_string (parameter, NULL), head_name_of, 2);
}

/* Heads of the bottleneck's attention block: 0, 1, 2, 4 or 8. */
ACTION (act_attention)
{
  PelTrainPanel *self = user_data;
  int heads = g_variant_get_int32 (parameter);

  for (guint i = 0; i < 5; i++)
    if ((i == 0 ? 0 : 1 << (i - 1)) == heads)
      {
        gtk_drop_down_set_selected (self->attention_dropdown, i);
        return;
      }
  g_warning ("attention heads must be 0, 1, 2, 4 or 8, not %d", heads);
}

/* Slices per input: 1, 3 or 5. */
ACTION (act_context)
{
  PelTrainPanel *self = user_data;
  int n = g_variant_get_int32 (parameter);

  if (n == 1 || n == 3 || n == 5)
    gtk_drop_down_set_selected (self->context_dropdown, (guint) n / 2);
  else
    g_warning ("slices per input must be 1, 3 or 5, not %d", n);
}

ACTION (act_coords)
{
  gtk_check_button_set_active (PEL_TRAIN_PANEL (user_data)->coords_check, g_variant_get_boolean (parameter));
}

ACTION (act_method)
{
  select_by_name (PEL_TRAIN_PANEL (user_data)->method_dropdown, g_variant_get_string (parameter, NULL),
                  method_name_of, PL_METHOD_N_KINDS);
}

ACTION (act_steps)
{
  gtk_spin_button_set_value (PEL_TRAIN_PANEL (user_data)->steps_spin, g_variant_get_int32 (parameter));
}

ACTION (act_interval)
{
  pel_train_session_set_preview_interval (PEL_TRAIN_PANEL (user_data)->session, g_variant_get_double (parameter));
}

ACTION (act_outline)
{
  gtk_toggle_button_set_active (PEL_TRAIN_PANEL (user_data)->outline_button, TRUE);
}

ACTION (act_fill)
{
  gtk_toggle_button_set_active (PEL_TRAIN_PANEL (user_data)->fill_button, TRUE);
}

/* The panel scrolled to a section: "top", "network" (its options shown),
 * "method" (the method's settings shown), "optimiser" (opened), "pretrain"
 * (opened) or "proposal". */
ACTION (act_scroll)
{
  PelTrainPanel *self = user_data;
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (self->scroller));
  const char *where = g_variant_get_string (parameter, NULL);
  gboolean top = g_str_equal (where, "top"), network = g_str_equal (where, "network");
  gboolean optimiser = g_str_equal (where, "optimiser"), method = g_str_equal (where, "method");
  GtkWidget *target = network ? GTK_WIDGET (self->preset_dropdown)
                      : optimiser ? GTK_WIDGET (self->optimiser_expander)
                      : method ? GTK_WIDGET (self->method_expander) : self->proposal_heading;
  double x = 0.0, y = 0.0;

  if (g_str_equal (where, "pretrain"))
    {
      pel_train_panel_scroll_to_pretrain (self);
      return;
    }
  if (network)
    gtk_expander_set_expanded (self->network_expander, TRUE);
  if (optimiser)
    gtk_expander_set_expanded (self->optimiser_expander, TRUE);
  if (method)
    gtk_expander_set_expanded (self->method_expander, TRUE);
  if (!top)
    gtk_widget_translate_coordinates (target, gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (self->scroller)),
                                      0.0, 0.0, &x, &y);
  gtk_adjustment_set_value (adj, top ? 0.0 : y - 6.0);
}

#undef ACTION

static const GActionEntry action_entries[] = {
  { "start", act_start, NULL, NULL, NULL, { 0 } },
  { "stop", act_stop, NULL, NULL, NULL, { 0 } },
  { "continue", act_continue, NULL, NULL, NULL, { 0 } },
  { "predict", act_predict, NULL, NULL, NULL, { 0 } },
  { "predict-stop", act_predict_stop, NULL, NULL, NULL, { 0 } },
  { "clear-proposal", act_clear_proposal, NULL, NULL, NULL, { 0 } },
  { "accept-slice", act_accept_slice, NULL, NULL, NULL, { 0 } },
  { "accept-all", act_accept_all, NULL, NULL, NULL, { 0 } },
  { "accept-class", act_accept_class, "i", NULL, NULL, { 0 } },
  { "save-model", act_save_model, NULL, NULL, NULL, { 0 } },
  { "load-model", act_load_model, NULL, NULL, NULL, { 0 } },
  { "save", act_save, "s", NULL, NULL, { 0 } },
  { "load", act_load, "s", NULL, NULL, { 0 } },
  { "show", act_show, NULL, NULL, NULL, { 0 } },
  { "axis", act_axis, "s", NULL, NULL, { 0 } },
  { "preset", act_preset, "s", NULL, NULL, { 0 } },
  { "head", act_head, "s", NULL, NULL, { 0 } },
  { "attention", act_attention, "i", NULL, NULL, { 0 } },
  { "context", act_context, "i", NULL, NULL, { 0 } },
  { "coords", act_coords, "b", NULL, NULL, { 0 } },
  { "method", act_method, "s", NULL, NULL, { 0 } },
  { "steps", act_steps, "i", NULL, NULL, { 0 } },
  { "interval", act_interval, "d", NULL, NULL, { 0 } },
  { "outline", act_outline, NULL, NULL, NULL, { 0 } },
  { "fill", act_fill, NULL, NULL, NULL, { 0 } },
  { "scroll", act_scroll, "s", NULL, NULL, { 0 } },
  /* state only: TRUE while training, predicting or reading or writing a
   * model (an action script waits for it) */
  { "busy", NULL, NULL, "false", NULL, { 0 } },
};

void
pel_train_panel_init_actions (PelTrainPanel *self)
{
  self->actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), action_entries,
                                   G_N_ELEMENTS (action_entries), self);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self->actions), "busy")),
                               FALSE);
  pel_action_script_insert_group (GTK_WIDGET (self), "train", G_ACTION_GROUP (self->actions));
}

void
pel_train_panel_enable (PelTrainPanel *self,
                        const char    *name,
                        gboolean       enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self->actions), name);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

void
pel_train_panel_run_actions (PelTrainPanel *self,
                             const char    *actions)
{
  g_return_if_fail (PEL_IS_TRAIN_PANEL (self));
  pel_action_script_run (GTK_WIDGET (self), actions, "train");
}

/* ---- setup ---------------------------------------------------------------- */

static void
on_predict_job_notify (PelTrainPanel *self,
                       GParamSpec    *pspec)
{
  if (g_str_equal (pspec->name, "running"))
    pel_train_panel_update_buttons (self);
  else
    update_predict_bar (self);
}

void
pel_train_panel_init_model (PelTrainPanel *self)
{
  self->predict_job = pel_job_new (_("Predicting"));
  self->cancellable = g_cancellable_new ();
  g_signal_connect_swapped (self->predict_job, "notify", G_CALLBACK (on_predict_job_notify), self);
  pel_train_panel_model_changed (self);
  pel_train_panel_update_proposal_label (self);
}

void
pel_train_panel_dispose_model (PelTrainPanel *self)
{
  pel_action_script_cancel (GTK_WIDGET (self));
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  if (self->predict_job)
    {
      g_signal_handlers_disconnect_by_data (self->predict_job, self);
      pel_job_cancel (self->predict_job);
    }
  g_clear_object (&self->predict_job);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->loaded_model, pl_model_free);
  g_clear_pointer (&self->loaded_path, g_free);
}
