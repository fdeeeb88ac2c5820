/* The Uncertainty panel's trust section: the slices held out for
 * calibration, a reference segmentation, raters, and the assessment that
 * a run measures with them (pel-uncertainty-assess.h). */
#define G_LOG_DOMAIN "pel-uncertainty-panel"

#include "src/pel-uncertainty-panel-private.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

void
pel_run_out_free (PelRunOut *out)
{
  if (!out)
    return;
  g_clear_pointer (&out->box, pel_result_box_unref);
  g_clear_pointer (&out->assessment, pel_assessment_free);
  g_free (out);
}

void
pel_uncertainty_assess_init (PelUncertaintyPanel *self)
{
  self->raters = g_ptr_array_new_with_free_func ((GDestroyNotify) pl_labels_free);
  self->rater_paths = g_ptr_array_new_with_free_func (g_free);
  self->held_out = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->assess_view = pel_assess_view_new (self->assess_box);
  pel_uncertainty_assess_set (self, NULL);
}

/* Forgets everything tied to the volume's grid. */
void
pel_uncertainty_assess_clear (PelUncertaintyPanel *self)
{
  g_clear_pointer (&self->assessment, pel_assessment_free);
  g_clear_pointer (&self->reference, pl_labels_free);
  g_clear_pointer (&self->reference_path, g_free);
  if (self->raters)
    {
      g_ptr_array_set_size (self->raters, 0);
      g_ptr_array_set_size (self->rater_paths, 0);
      g_array_set_size (self->held_out, 0);
    }
  if (self->assess_view && self->document)
    pel_uncertainty_assess_set (self, NULL);
}

static void
held_out_slices (PelUncertaintyPanel *self,
                 GArray              *out)
{
  gint64 train = pel_uncertainty_panel_train_holdout (self);

  g_array_append_vals (out, self->held_out->data, self->held_out->len);
  if (train >= 0)
    g_array_append_val (out, train);
}

PelAssessInput *
pel_uncertainty_assess_input (PelUncertaintyPanel *self)
{
  PelAssessInput *in = g_new0 (PelAssessInput, 1);
  g_autoptr (GArray) held = g_array_new (FALSE, FALSE, sizeof (gint64));
  PelVolumeRef *volume = pel_document_ref_volume (self->document);

  in->volume_ref = volume;
  in->volume = volume ? pel_volume_ref_get (volume) : NULL;
  in->painted = pel_document_snapshot_labels (self->document, NULL);
  held_out_slices (self, held);
  in->n_held_out = held->len;
  in->held_out = (gint64 *) g_array_free (g_steal_pointer (&held), FALSE);
  in->reference = self->reference ? pl_labels_copy (self->reference) : NULL;
  in->n_raters = self->raters->len;
  in->raters = g_new0 (PlLabels *, MAX (in->n_raters, 1));
  for (int i = 0; i < in->n_raters; i++)
    in->raters[i] = pl_labels_copy (g_ptr_array_index (self->raters, i));
  return in;
}

static char *
inputs_text (PelUncertaintyPanel *self)
{
  g_autoptr (GArray) held = g_array_new (FALSE, FALSE, sizeof (gint64));
  GString *s = g_string_new (NULL);

  held_out_slices (self, held);
  if (held->len == 0)
    g_string_append (s, _("Held out: none"));
  else
    {
      g_string_append (s, _("Held out: slice"));
      for (guint i = 0; i < held->len; i++)
        /* slice numbers count from 1, as the views show them */
        g_string_append_printf (s, "%s %" G_GINT64_FORMAT, i ? "," : "",
                                g_array_index (held, gint64, i) + 1);
    }
  if (self->reference_path)
    {
      g_autofree char *base = g_path_get_basename (self->reference_path);
      g_string_append_printf (s, _(" · reference: %s"), base);
    }
  if (self->raters->len)
    g_string_append_printf (s, g_dngettext (GETTEXT_PACKAGE, " · %u rater", " · %u raters",
                                            self->raters->len), self->raters->len);
  return g_string_free (s, FALSE);
}

void
pel_uncertainty_assess_set (PelUncertaintyPanel *self,
                            PelAssessment       *assessment)
{
  g_autofree char *text = NULL;

  if (assessment)
    {
      /* files read on the worker are kept for the next assessments */
      if (assessment->loaded_reference)
        {
          g_clear_pointer (&self->reference, pl_labels_free);
          self->reference = g_steal_pointer (&assessment->loaded_reference);
        }
      if (assessment->loaded_raters)
        for (guint i = 0; i < assessment->loaded_raters->len; i++)
          g_ptr_array_add (self->raters, g_ptr_array_steal_index (assessment->loaded_raters, i--));
      g_clear_pointer (&self->assessment, pel_assessment_free);
      self->assessment = assessment;
    }
  text = inputs_text (self);
  pel_assess_view_show (self->assess_view, self->result ? self->assessment : NULL, self->result,
                        self->map, text);
  if (assessment && self->show_disagreement)
    pel_uncertainty_panel_apply_map (self);
}

void
pel_uncertainty_assess_update_actions (PelUncertaintyPanel *self,
                                       gboolean             running)
{
  static const char *const names[] = {
    "open-reference", "load-reference", "clear-reference", "open-rater", "add-rater",
    "clear-raters", "held-out", "assess",
  };
  gboolean volume = pel_document_has_volume (self->document);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      GAction *a = g_action_map_lookup_action (G_ACTION_MAP (self->actions), names[i]);
      g_simple_action_set_enabled (G_SIMPLE_ACTION (a), !running && volume);
    }
}

/* ---- the assessment run ---------------------------------------------------- */

typedef struct
{
  PelAssessInput *input;
  PelResultBox   *box;      /* the estimate measured, or NULL */
} AssessTask;

static void
assess_task_free (AssessTask *t)
{
  pel_assess_input_free (t->input);
  g_clear_pointer (&t->box, pel_result_box_unref);
  g_free (t);
}

static gpointer
assess_func (gpointer  data,
             PelLive  *live,
             GError  **error)
{
  AssessTask *t = data;
  PelRunOut *out = g_new0 (PelRunOut, 1);

  pel_live_message (live, _("Reading and measuring"));
  out->assessment = pel_assessment_compute (t->input, pel_result_box_get (t->box), error);
  if (out->assessment == NULL)
    g_clear_pointer (&out, pel_run_out_free);
  return out;
}

static void
on_assess_done (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  PelUncertaintyPanel *self = user_data;
  g_autoptr (GError) error = NULL;
  PelRunOut *out = pel_live_run_finish (PEL_LIVE_RUN (object), result, &error);
  AssessTask *t = g_object_get_data (object, "assess-task");

  if (out && self->document)
    {
      g_clear_pointer (&out->box, pel_result_box_unref);
      pel_uncertainty_assess_set (self, g_steal_pointer (&out->assessment));
      pel_uncertainty_panel_set_line (self, "assess", NULL, FALSE);
    }
  else if (error && self->document)
    {
      /* the file that failed is forgotten */
      if (t && t->input->load_reference)
        g_clear_pointer (&self->reference_path, g_free);
      if (t && t->input->load_raters)
        g_ptr_array_set_size (self->rater_paths, self->raters->len);
      pel_uncertainty_panel_set_line (self, "assess", error->message, TRUE);
      pel_uncertainty_assess_set (self, NULL);
    }
  g_object_set_data (object, "assess-task", NULL);
  pel_run_out_free (out);
  if (self->document)
    pel_uncertainty_panel_update_actions (self);
  g_object_unref (self);
}

/* Reads any new file and measures the shown estimate again, on the
 * panel's live run. */
static gboolean
assess (PelUncertaintyPanel *self,
        const char          *reference,
        const char          *rater)
{
  AssessTask *t;

  if (pel_live_run_get_running (self->run) || !pel_document_has_volume (self->document))
    return FALSE;
  if (!reference && !rater && self->result_box == NULL)
    {
      /* nothing to read or measure: the inputs line only */
      pel_uncertainty_assess_set (self, NULL);
      return TRUE;
    }
  t = g_new0 (AssessTask, 1);
  t->input = pel_uncertainty_assess_input (self);
  if (reference)
    {
      g_clear_pointer (&t->input->reference, pl_labels_free);
      t->input->load_reference = g_strdup (reference);
    }
  if (rater)
    t->input->load_raters = g_strdupv ((char *[]) { (char *) rater, NULL });
  t->box = self->result_box ? pel_result_box_ref (self->result_box) : NULL;
  g_object_set_data_full (G_OBJECT (self->run), "assess-task", t, (GDestroyNotify) assess_task_free);
  pel_live_run_reset (self->run);
  pel_live_run_start (self->run, assess_func, t, (GDestroyNotify) pel_run_out_free,
                      on_assess_done, g_object_ref (self));
  pel_uncertainty_panel_update_actions (self);
  return TRUE;
}

/* ---- actions --------------------------------------------------------------- */

#define ACTION(name) \
  static void name (GSimpleAction *action, GVariant *parameter, gpointer user_data)

ACTION (act_load_reference)
{
  PelUncertaintyPanel *self = user_data;
  const char *path = g_variant_get_string (parameter, NULL);

  g_free (self->reference_path);
  self->reference_path = g_strdup (path);
  assess (self, path, NULL);
}

ACTION (act_clear_reference)
{
  PelUncertaintyPanel *self = user_data;

  g_clear_pointer (&self->reference, pl_labels_free);
  g_clear_pointer (&self->reference_path, g_free);
  assess (self, NULL, NULL);
}

ACTION (act_add_rater)
{
  PelUncertaintyPanel *self = user_data;
  const char *path = g_variant_get_string (parameter, NULL);

  g_ptr_array_add (self->rater_paths, g_strdup (path));
  assess (self, NULL, path);
}

ACTION (act_clear_raters)
{
  PelUncertaintyPanel *self = user_data;

  g_ptr_array_set_size (self->raters, 0);
  g_ptr_array_set_size (self->rater_paths, 0);
  assess (self, NULL, NULL);
}

/* "34,95": voxel indices along the estimate's axis (from 0, as
 * pellucid-cli eval --calibration-slices); "" clears. */
ACTION (act_held_out)
{
  PelUncertaintyPanel *self = user_data;
  g_auto (GStrv) parts = g_strsplit (g_variant_get_string (parameter, NULL), ",", -1);

  g_array_set_size (self->held_out, 0);
  for (int i = 0; parts[i]; i++)
    {
      char *end;
      gint64 z;
      g_strstrip (parts[i]);
      if (!*parts[i])
        continue;
      z = g_ascii_strtoll (parts[i], &end, 10);
      if (*end || z < 0)
        {
          g_autofree char *msg = g_strdup_printf (_("Held-out slices: “%s” is not a slice index"), parts[i]);
          pel_uncertainty_panel_set_line (self, "assess", msg, TRUE);
          g_array_set_size (self->held_out, 0);
          return;
        }
      g_array_append_val (self->held_out, z);
    }
  g_simple_action_set_state (action, parameter);
  assess (self, NULL, NULL);
}

ACTION (act_assess) { assess (user_data, NULL, NULL); }

ACTION (act_show_disagreement)
{
  PelUncertaintyPanel *self = user_data;

  self->show_disagreement = g_variant_get_boolean (parameter);
  g_simple_action_set_state (action, parameter);
  pel_uncertainty_panel_apply_map (self);
}

static void
on_open_response (GtkNativeDialog     *dialog,
                  int                  response,
                  PelUncertaintyPanel *self)
{
  gboolean rater = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "rater"));

  if (response == GTK_RESPONSE_ACCEPT && self->document)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      if (path)
        g_action_group_activate_action (G_ACTION_GROUP (self->actions),
                                        rater ? "add-rater" : "load-reference",
                                        g_variant_new_string (path));
    }
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
open_dialog (PelUncertaintyPanel *self,
             gboolean             rater)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *native =
    gtk_file_chooser_native_new (rater ? _("Add Rater Segmentation") : _("Open Reference Segmentation"),
                                 GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                 GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Segmentations (*.nii, *.nii.gz)"));
  gtk_file_filter_add_pattern (filter, "*.nii");
  gtk_file_filter_add_pattern (filter, "*.nii.gz");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
  g_object_unref (filter);
  g_object_set_data (G_OBJECT (native), "rater", GINT_TO_POINTER (rater));
  g_signal_connect (native, "response", G_CALLBACK (on_open_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/* The trust section is the last: its end is the panel's end.  Scrolled on
 * the next frames, once the lines just written are laid out. */
static gboolean
scroll_to_end (GtkWidget     *scroller,
               GdkFrameClock *clock,
               gpointer       user_data)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  int *frames = user_data;

  gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj));
  return --*frames > 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* "top" or "trust": scrolls the panel (screenshots). */
ACTION (act_scroll)
{
  PelUncertaintyPanel *self = user_data;
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (self->scroller));
  int *frames;

  if (g_str_equal (g_variant_get_string (parameter, NULL), "top"))
    {
      gtk_adjustment_set_value (adj, 0.0);
      return;
    }
  frames = g_new (int, 1);
  *frames = 10;
  gtk_widget_add_tick_callback (self->scroller, scroll_to_end, frames, g_free);
}

ACTION (act_open_reference) { open_dialog (user_data, FALSE); }
ACTION (act_open_rater) { open_dialog (user_data, TRUE); }

const GActionEntry pel_uncertainty_assess_actions[] = {
  { "open-reference", act_open_reference, NULL, NULL, NULL, { 0 } },
  { "load-reference", act_load_reference, "s", NULL, NULL, { 0 } },
  { "clear-reference", act_clear_reference, NULL, NULL, NULL, { 0 } },
  { "open-rater", act_open_rater, NULL, NULL, NULL, { 0 } },
  { "add-rater", act_add_rater, "s", NULL, NULL, { 0 } },
  { "clear-raters", act_clear_raters, NULL, NULL, NULL, { 0 } },
  { "held-out", act_held_out, "s", "''", NULL, { 0 } },
  { "assess", act_assess, NULL, NULL, NULL, { 0 } },
  { "show-disagreement", NULL, NULL, "false", act_show_disagreement, { 0 } },
  { "scroll", act_scroll, "s", NULL, NULL, { 0 } },
};
const guint pel_uncertainty_assess_n_actions = G_N_ELEMENTS (pel_uncertainty_assess_actions);
