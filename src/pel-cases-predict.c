/* PelCasesPanel: proposing every case with a saved model, as a live run,
 * and showing a proposed case's proposal when it is opened.  See
 * pel-cases-panel-private.h. */
#define G_LOG_DOMAIN "pel-cases-panel"

#include "src/pel-cases-panel-private.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cases/case-bank.h"
#include "engine/nn/model.h"
#include "src/pel-panel-kit.h"

/* What the worker sees: copies of the cases it proposes, never the cohort
 * the main thread keeps changing. */
typedef struct
{
  char      *model_path;
  char      *out_dir;
  GPtrArray *cases;     /* PlCase copies (name, image, labels) */
  GArray    *indices;   /* guint: each one's index in the cohort */
} Task;

static void
case_copy_free (gpointer p)
{
  PlCase *c = p;
  g_free (c->name);
  g_free (c->image_path);
  g_free (c->labels_path);
  g_free (c);
}

static void
task_free (gpointer p)
{
  Task *t = p;
  g_free (t->model_path);
  g_free (t->out_dir);
  g_ptr_array_unref (t->cases);
  g_array_unref (t->indices);
  g_free (t);
}

/* Worker thread.  Each case done is a status fact "proposed-INDEX" whose
 * text is the proposal's path: facts are per key, so none is lost however
 * many finish between two main-loop turns. */
static gpointer
propose_func (gpointer   data,
              PelLive   *live,
              GError   **error)
{
  Task *t = data;
  g_autoptr (PlModel) model = pl_model_load (t->model_path, error);
  guint n = t->cases->len;

  if (model == NULL)
    return NULL;
  pel_live_progress (live, 0, n);
  for (guint i = 0; i < n && !pel_live_cancelled (live); i++)
    {
      PlCase *c = g_ptr_array_index (t->cases, i);
      g_autoptr (PlVolume) v = NULL;
      g_autoptr (PlLabels) l = NULL;
      g_autofree char *file = g_strconcat (c->name, ".nii.gz", NULL);
      g_autofree char *path = g_build_filename (t->out_dir, file, NULL);
      g_autofree char *key = g_strdup_printf ("proposed-%u", g_array_index (t->indices, guint, i));
      g_autofree char *message = g_strdup_printf (_("Proposing %s"), c->name);
      GError *case_error = NULL;
      g_autoptr (GArray) slices = NULL;
      double entropy = 0.0;
      int axis = 0;

      pel_live_message (live, message);
      if (!pl_case_predict_uncertain (model, c, NULL, &v, &l, &entropy, &axis, &slices, &case_error)
          || !pl_labels_save (l, v, path, &case_error))
        {
          /* one unreadable case does not stop the others */
          g_autofree char *failed = g_strdup_printf ("failed-%u", g_array_index (t->indices, guint, i));
          pel_live_status (live, failed, case_error->message);
          g_clear_error (&case_error);
        }
      else
        {
          /* how unsure the model was: "MEAN AXIS S0 S1 …", before the
           * proposal's fact (each fact updates the manifest) */
          g_autofree char *ekey = g_strdup_printf ("entropy-%u", g_array_index (t->indices, guint, i));
          GString *text = g_string_new (NULL);

          g_string_append_printf (text, "%.9g %d", entropy, axis);
          for (guint s = 0; s < slices->len; s++)
            g_string_append_printf (text, " %.6g", g_array_index (slices, double, s));
          pel_live_status (live, ekey, text->str);
          g_string_free (text, TRUE);
          pel_live_status (live, key, path);
        }
      pel_live_progress (live, i + 1, n);
    }
  return GINT_TO_POINTER (1);
}

static void
on_status (PelLiveRun    *run,
           const char    *key,
           const char    *text,
           PelCasesPanel *self)
{
  PlCohort *cohort = self->cohort;
  gboolean failed = g_str_has_prefix (key, "failed-");
  guint64 index;
  PlCase *kase;

  if (cohort == NULL || text == NULL
      || !(g_str_has_prefix (key, "proposed-") || g_str_has_prefix (key, "entropy-") || failed))
    return;
  index = g_ascii_strtoull (strchr (key, '-') + 1, NULL, 10);
  if (index >= pl_cohort_get_n (cohort))
    return;
  kase = pl_cohort_get_case (cohort, (guint) index);
  if (g_str_has_prefix (key, "entropy-"))
    {
      g_auto (GStrv) parts = g_strsplit (text, " ", -1);
      guint n = g_strv_length (parts);

      if (n < 2)
        return;
      kase->entropy = g_ascii_strtod (parts[0], NULL);
      kase->entropy_axis = CLAMP ((int) g_ascii_strtoll (parts[1], NULL, 10), 0, 2);
      if (kase->slice_entropy)
        g_array_unref (kase->slice_entropy);
      kase->slice_entropy = g_array_sized_new (FALSE, FALSE, sizeof (double), n - 2);
      for (guint s = 2; s < n; s++)
        {
          double e = g_ascii_strtod (parts[s], NULL);
          g_array_append_val (kase->slice_entropy, e);
        }
      pel_cases_panel_save_manifest (self);
      pel_cases_panel_update_row (self, (guint) index);
      return;
    }
  if (failed)
    {
      g_autofree char *line = g_strdup_printf ("%s: %s", kase->name, text);
      pel_cases_panel_notice (self, GTK_MESSAGE_WARNING, line);
      return;
    }
  g_free (kase->proposal_path);
  kase->proposal_path = g_strdup (text);
  if (kase->state != PL_CASE_REVIEWED)
    kase->state = PL_CASE_PROPOSED;
  /* the manifest after every case: a run stopped or killed keeps its work */
  pel_cases_panel_save_manifest (self);
  pel_cases_panel_update_row (self, (guint) index);
  pel_cases_panel_update_summary (self);
  if ((int) index == self->current)
    pel_cases_predict_show_proposal (self);
}

static void
update_actions (PelCasesPanel *self)
{
  gboolean running = self->run && pel_live_run_get_running (self->run);
  GAction *stop = g_action_map_lookup_action (G_ACTION_MAP (self->actions), "stop");

  g_simple_action_set_enabled (G_SIMPLE_ACTION (stop), running);
  gtk_widget_set_visible (self->run_row, running);
  for (guint i = 0; i < 2; i++)
    {
      GAction *a = g_action_map_lookup_action (G_ACTION_MAP (self->actions), i ? "propose-with" : "propose");
      g_simple_action_set_enabled (G_SIMPLE_ACTION (a), self->cohort != NULL && !running);
    }
}

static void
on_run_done (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (PelCasesPanel) self = user_data;
  g_autoptr (GError) error = NULL;
  gpointer done = pel_live_run_finish (PEL_LIVE_RUN (object), result, &error);
  gint64 n = pel_live_run_get_done (PEL_LIVE_RUN (object));

  if (self->run == NULL)
    return;   /* the panel is gone */
  update_actions (self);
  if (done == NULL && error)
    {
      g_autofree char *text = g_strdup_printf (_("Could not propose the cases: %s"), error->message);
      pel_cases_panel_notice (self, GTK_MESSAGE_ERROR, text);
    }
  else
    {
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d case proposed.",
                                                            "%d cases proposed.", (unsigned long) n),
                                               (int) n);
      pel_cases_panel_notice (self, GTK_MESSAGE_INFO, text);
    }
}

void
pel_cases_predict_start (PelCasesPanel *self,
                         const char    *model_path)
{
  Task *t;

  if (self->cohort == NULL || pel_live_run_get_running (self->run))
    return;
  t = g_new0 (Task, 1);
  t->model_path = g_strdup (model_path);
  t->out_dir = g_build_filename (pl_cohort_get_root (self->cohort), "proposals", NULL);
  t->cases = g_ptr_array_new_with_free_func (case_copy_free);
  t->indices = g_array_new (FALSE, FALSE, sizeof (guint));
  if (g_mkdir_with_parents (t->out_dir, 0755) != 0)
    {
      g_autofree char *text = g_strdup_printf (_("%s: cannot create the folder"), t->out_dir);
      pel_cases_panel_notice (self, GTK_MESSAGE_ERROR, text);
      task_free (t);
      return;
    }
  for (guint i = 0; i < pl_cohort_get_n (self->cohort); i++)
    {
      const PlCase *c = pl_cohort_get_case (self->cohort, i);
      PlCase *copy;

      if (c->state == PL_CASE_REVIEWED)
        continue;
      copy = g_new0 (PlCase, 1);
      copy->name = g_strdup (c->name);
      copy->image_path = g_strdup (c->image_path);
      copy->labels_path = g_strdup (c->labels_path);
      copy->state = c->state;
      copy->painted_slices = c->painted_slices;
      g_ptr_array_add (t->cases, copy);
      g_array_append_val (t->indices, i);
    }
  pel_live_run_reset (self->run);
  g_object_set_data_full (G_OBJECT (self->run), "task", t, task_free);
  pel_live_run_start (self->run, propose_func, t, NULL, on_run_done, g_object_ref (self));
  update_actions (self);
}

void
pel_cases_predict_stop (PelCasesPanel *self)
{
  if (self->run)
    pel_live_run_stop (self->run);
}

static void
model_chosen (GObject *object,
              int      response,
              gpointer user_data)
{
  GtkNativeDialog *native = GTK_NATIVE_DIALOG (object);
  PelCasesPanel *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      if (path)
        pel_cases_predict_start (self, path);
    }
  g_object_unref (native);
  g_object_unref (self);
}

void
pel_cases_predict_choose (PelCasesPanel *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *native;
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

  native = gtk_file_chooser_native_new (_("Propose Every Case with a Model"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Propose"), NULL);
  gtk_file_filter_set_name (filter, _("Models (safetensors)"));
  gtk_file_filter_add_pattern (filter, "*.safetensors");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect (native, "response", G_CALLBACK (model_chosen), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/* ---- showing a proposal ------------------------------------------------------ */

typedef struct
{
  char         *path;
  PelVolumeRef *reference;
} ProposalData;

static void
proposal_data_free (gpointer p)
{
  ProposalData *d = p;
  g_free (d->path);
  pel_volume_ref_unref (d->reference);
  g_free (d);
}

static void
proposal_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  ProposalData *d = task_data;
  GError *error = NULL;
  PlLabels *labels = pl_labels_load (d->path, pel_volume_ref_get (d->reference), &error);

  if (labels)
    g_task_return_pointer (task, labels, (GDestroyNotify) pl_labels_free);
  else
    g_task_return_error (task, error);
}

static void
proposal_loaded (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (PelCasesPanel) self = user_data;
  g_autoptr (GError) error = NULL;
  PlLabels *labels = g_task_propagate_pointer (G_TASK (result), &error);
  ProposalData *d = g_task_get_task_data (G_TASK (result));
  PelVolumeRef *now = self->document ? pel_document_ref_volume (self->document) : NULL;

  if (labels && now && pel_volume_ref_get (now) == pel_volume_ref_get (d->reference))
    pel_document_set_proposal (self->document, labels);
  else if (labels)
    pl_labels_free (labels);   /* another case is open by now */
  else
    pel_cases_panel_notice (self, GTK_MESSAGE_WARNING, error->message);
  g_clear_pointer (&now, pel_volume_ref_unref);
}

void
pel_cases_predict_show_proposal (PelCasesPanel *self)
{
  PlCase *kase;
  g_autoptr (GTask) task = NULL;
  ProposalData *d;
  PelVolumeRef *reference;

  if (self->cohort == NULL || self->current < 0)
    return;
  kase = pl_cohort_get_case (self->cohort, (guint) self->current);
  if (kase->state != PL_CASE_PROPOSED || kase->proposal_path == NULL)
    return;
  reference = pel_document_ref_volume (self->document);
  if (reference == NULL)
    return;
  d = g_new0 (ProposalData, 1);
  d->path = g_strdup (kase->proposal_path);
  d->reference = reference;
  task = g_task_new (NULL, NULL, proposal_loaded, g_object_ref (self));
  g_task_set_task_data (task, d, proposal_data_free);
  g_task_run_in_thread (task, proposal_thread);
}

void
pel_cases_predict_init (PelCasesPanel *self)
{
  self->run = pel_live_run_new (_("Proposing every case"));
  self->run_row = pel_run_row_new (self->run, _("%.2f cases/s"), "cases.stop");
  gtk_widget_set_visible (self->run_row, FALSE);
  gtk_box_append (GTK_BOX (self->box), self->run_row);
  g_signal_connect (self->run, "status", G_CALLBACK (on_status), self);
  g_signal_connect_swapped (self->run, "notify::running", G_CALLBACK (update_actions), self);
}

/* ---- Next Case by uncertainty --------------------------------------------- */

/* The case the model is least sure of (the highest mean entropy of its
 * proposal) among those not reviewed yet, then within it the most
 * uncertain unpainted slice; without proposals' entropies, the next case
 * in list order not reviewed yet. */
int
pel_cases_panel_choose_next (PelCasesPanel *self)
{
  guint n;
  int best = -1;

  if (self->cohort == NULL)
    return -1;
  n = pl_cohort_get_n (self->cohort);
  for (guint i = 0; i < n; i++)
    {
      const PlCase *c = pl_cohort_get_case (self->cohort, i);
      if ((int) i != self->current && c->state != PL_CASE_REVIEWED && c->entropy >= 0.0
          && (best < 0 || c->entropy > pl_cohort_get_case (self->cohort, (guint) best)->entropy))
        best = (int) i;
    }
  if (best >= 0)
    return best;
  for (guint step = 1; step <= n; step++)
    {
      guint i = (guint) (self->current + (int) step) % n;
      if (pl_cohort_get_case (self->cohort, i)->state != PL_CASE_REVIEWED && (int) i != self->current)
        return (int) i;
    }
  return -1;
}

/* The open case's most uncertain slice with no painted voxel, −1 if its
 * proposal's entropies are unknown or every slice is painted. */
static gint64
most_uncertain_slice (PelCasesPanel *self,
                      int           *axis)
{
  const PlCase *kase = pl_cohort_get_case (self->cohort, (guint) self->current);
  const PlLabels *labels = pel_document_get_labels (self->document);
  g_autofree gint64 *counts = NULL;
  gint64 best = -1;

  if (kase->slice_entropy == NULL || labels == NULL
      || (gint64) kase->slice_entropy->len != labels->dim[kase->entropy_axis])
    return -1;
  *axis = kase->entropy_axis;
  counts = g_new0 (gint64, labels->dim[*axis]);
  pl_labels_count_slices (labels, *axis, counts);
  for (gint64 z = 0; z < labels->dim[*axis]; z++)
    if (counts[z] == 0
        && (best < 0 || g_array_index (kase->slice_entropy, double, z) > g_array_index (kase->slice_entropy, double, best)))
      best = z;
  return best;
}

void
pel_cases_predict_seek_slice (PelCasesPanel *self)
{
  gint64 c[3], z;
  int axis = 0;

  if (!self->seek_slice || self->cohort == NULL || self->current < 0)
    return;
  self->seek_slice = FALSE;
  z = most_uncertain_slice (self, &axis);
  if (z < 0)
    return;
  pel_document_get_cursor (self->document, c);
  c[axis] = z;
  pel_document_set_cursor (self->document, c);
}
