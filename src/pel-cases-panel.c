/* PelCasesPanel: the case list.  See pel-cases-panel.h. */
#define G_LOG_DOMAIN "pel-cases-panel"

#include "src/pel-cases-panel-private.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "src/pel-action-script.h"
#include "src/pel-window.h"


G_DEFINE_FINAL_TYPE (PelCasesPanel, pel_cases_panel, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_CURRENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static PelWindow *
get_window (PelCasesPanel *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  return PEL_IS_WINDOW (root) ? PEL_WINDOW (root) : NULL;
}

void
pel_cases_panel_notice (PelCasesPanel  *self,
        GtkMessageType  type,
        const char     *text)
{
  PelWindow *win = get_window (self);
  if (win)
    pel_window_show_notice (win, type, text);
}

/* ---- the manifest ---------------------------------------------------------- */

typedef struct
{
  GWeakRef panel;
  char    *path;
  char    *data;
  gsize    length;
  char    *message;   /* why it failed */
} ManifestWrite;

static void
manifest_write_free (ManifestWrite *w)
{
  g_weak_ref_clear (&w->panel);
  g_free (w->path);
  g_free (w->data);
  g_free (w->message);
  g_free (w);
}

static gboolean
manifest_failed (gpointer data)
{
  ManifestWrite *w = data;
  g_autoptr (PelCasesPanel) self = g_weak_ref_get (&w->panel);

  if (self)
    pel_cases_panel_notice (self, GTK_MESSAGE_WARNING, w->message);
  manifest_write_free (w);
  return G_SOURCE_REMOVE;
}

/* The writer's thread: one queued manifest per call, taken under the lock
 * (the hand-off the pool's own queue would hide from thread checkers);
 * one followed by a newer one of the same file is skipped. */
static void
write_manifest (gpointer token,
                gpointer user_data)
{
  PelCasesPanel *self = user_data;
  g_autoptr (GError) error = NULL;
  ManifestWrite *w, *next;

  g_mutex_lock (&self->manifest_lock);
  w = g_queue_pop_head (&self->manifest_queue);
  next = g_queue_peek_head (&self->manifest_queue);
  if (w && next && g_str_equal (w->path, next->path))
    g_clear_pointer (&w, manifest_write_free);
  g_mutex_unlock (&self->manifest_lock);
  if (w == NULL)
    return;
  if (pl_cohort_write_manifest_data (w->path, w->data, w->length, &error))
    {
      manifest_write_free (w);
      return;
    }
  w->message = g_strdup (error->message);
  g_idle_add (manifest_failed, w);
}

void
pel_cases_panel_save_manifest (PelCasesPanel *self)
{
  ManifestWrite *w;

  if (self->cohort == NULL || self->manifest_writer == NULL)
    return;
  w = g_new0 (ManifestWrite, 1);
  g_weak_ref_init (&w->panel, self);
  w->path = pl_cohort_manifest_path (self->cohort);
  w->data = pl_cohort_manifest_to_data (self->cohort, &w->length);
  g_mutex_lock (&self->manifest_lock);
  g_queue_push_tail (&self->manifest_queue, w);
  g_mutex_unlock (&self->manifest_lock);
  g_thread_pool_push (self->manifest_writer, GINT_TO_POINTER (1), NULL);
}

void
pel_cases_panel_sync_manifest (PelCasesPanel *self)
{
  g_return_if_fail (PEL_IS_CASES_PANEL (self));
  if (self->manifest_writer == NULL)
    return;
  g_thread_pool_free (self->manifest_writer, FALSE, TRUE);
  self->manifest_writer = g_thread_pool_new (write_manifest, self, 1, FALSE, NULL);
}

/* ---- rows ------------------------------------------------------------------ */

static char *
state_text (const PlCase *kase)
{
  switch (kase->state)
    {
    case PL_CASE_PAINTED:
      if (kase->painted_slices > 0)
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d painted slice", "%d painted slices",
                                             (unsigned long) kase->painted_slices),
                                (int) kase->painted_slices);
      return g_strdup (_("painted"));
    case PL_CASE_PROPOSED:
      if (kase->entropy >= 0.0)
        /* Translators: the model's mean predictive entropy (nats) */
        return g_strdup_printf (_("proposal to review · uncertainty %.3f"), kase->entropy);
      return g_strdup (_("proposal to review"));
    case PL_CASE_REVIEWED:
      return g_strdup (_("reviewed"));
    case PL_CASE_UNTOUCHED:
    default:
      return g_strdup (kase->test ? _("untouched (test case)") : _("untouched"));
    }
}

void
pel_cases_panel_update_row (PelCasesPanel *self,
            guint          i)
{
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->list, (int) i);
  PlCase *kase = pl_cohort_get_case (self->cohort, i);
  GtkLabel *state;
  GtkPicture *picture;
  g_autofree char *text = NULL;

  if (row == NULL)
    return;
  state = g_object_get_data (G_OBJECT (row), "pel-state");
  picture = g_object_get_data (G_OBJECT (row), "pel-picture");
  text = state_text (kase);
  gtk_label_set_text (state, text);
  if (i < self->textures->len && g_ptr_array_index (self->textures, i))
    gtk_picture_set_paintable (picture, g_ptr_array_index (self->textures, i));
}

void
pel_cases_panel_update_summary (PelCasesPanel *self)
{
  guint counts[4];
  g_autofree char *text = NULL;

  if (self->cohort == NULL)
    {
      gtk_label_set_text (self->summary, _("Open a folder of images, a list file, or several images "
                                           "(also on the command line) to work through them one by one."));
      return;
    }
  pl_cohort_count_states (self->cohort, counts);
  /* Translators: case counts by state */
  text = g_strdup_printf (_("%u cases: %u untouched, %u painted, %u proposed, %u reviewed"),
                          pl_cohort_get_n (self->cohort), counts[PL_CASE_UNTOUCHED], counts[PL_CASE_PAINTED],
                          counts[PL_CASE_PROPOSED], counts[PL_CASE_REVIEWED]);
  gtk_label_set_text (self->summary, text);
}

static GtkWidget *
make_row (PelCasesPanel *self,
          guint          i)
{
  PlCase *kase = pl_cohort_get_case (self->cohort, i);
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *hbox = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *vbox = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *picture = gtk_picture_new ();
  GtkWidget *name = gtk_label_new (kase->name);
  GtkWidget *state = gtk_label_new (NULL);

  gtk_widget_set_size_request (picture, PEL_CASES_THUMB, PEL_CASES_THUMB);
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_widget_add_css_class (picture, "case-thumbnail");
  gtk_label_set_xalign (GTK_LABEL (name), 0.0f);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (name, "heading");
  gtk_label_set_xalign (GTK_LABEL (state), 0.0f);
  gtk_widget_add_css_class (state, "dim-label");
  gtk_widget_set_valign (vbox, GTK_ALIGN_CENTER);
  gtk_widget_set_hexpand (vbox, TRUE);
  gtk_box_append (GTK_BOX (vbox), name);
  gtk_box_append (GTK_BOX (vbox), state);
  gtk_box_append (GTK_BOX (hbox), picture);
  gtk_box_append (GTK_BOX (hbox), vbox);
  gtk_widget_set_margin_top (hbox, 4);
  gtk_widget_set_margin_bottom (hbox, 4);
  gtk_widget_set_margin_start (hbox, 4);
  gtk_widget_set_margin_end (hbox, 4);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), hbox);
  gtk_widget_set_tooltip_text (row, kase->image_path);
  g_object_set_data (G_OBJECT (row), "pel-state", state);
  g_object_set_data (G_OBJECT (row), "pel-picture", picture);
  return row;
}

static void
select_current (PelCasesPanel *self)
{
  GtkListBoxRow *row = self->current >= 0 ? gtk_list_box_get_row_at_index (self->list, self->current) : NULL;

  self->syncing = TRUE;
  gtk_list_box_select_row (self->list, row);
  self->syncing = FALSE;
}

/* ---- switching cases -------------------------------------------------------- */

static gboolean
document_holds (PelCasesPanel *self,
                const PlCase  *kase)
{
  const char *path = pel_document_get_volume_path (self->document);
  g_autofree char *a = path ? g_canonicalize_filename (path, NULL) : NULL;
  g_autofree char *b = g_canonicalize_filename (kase->image_path, NULL);

  return a != NULL && g_strcmp0 (a, b) == 0;
}

/* After the open case's load: whether the segmentation it was opened with
 * is what the document holds (else that file could not be read). */
static void
note_unread_segmentation (PelCasesPanel *self)
{
  const char *loaded = pel_document_get_labels_path (self->document);
  g_autofree char *a = loaded ? g_canonicalize_filename (loaded, NULL) : NULL;
  g_autofree char *b = self->seg_requested ? g_canonicalize_filename (self->seg_requested, NULL) : NULL;

  g_clear_pointer (&self->seg_unread, g_free);
  if (b && g_strcmp0 (a, b) != 0)
    self->seg_unread = g_steal_pointer (&b);
}

/* Sets the file at path aside as path.unreadable (or .unreadable-N), so that
 * saving there keeps what could not be read; says so.  FALSE, with a
 * message, when it cannot be moved. */
static gboolean
set_aside (PelCasesPanel *self,
           const PlCase  *kase,
           const char    *path)
{
  g_autofree char *aside = g_strconcat (path, ".unreadable", NULL);
  g_autofree char *text = NULL;
  int saved_errno;

  for (int n = 2; g_file_test (aside, G_FILE_TEST_EXISTS); n++)
    {
      g_free (aside);
      aside = g_strdup_printf ("%s.unreadable-%d", path, n);
    }
  if (g_rename (path, aside) == 0)
    {
      text = g_strdup_printf (_("Case %s: its segmentation %s could not be read, so it is kept as %s "
                                "and the painting is saved as %s."),
                              kase->name, path, aside, path);
      pel_cases_panel_notice (self, GTK_MESSAGE_WARNING, text);
      return TRUE;
    }
  saved_errno = errno;
  text = g_strdup_printf (_("Case %s was not left: its segmentation %s could not be read, and setting it aside "
                            "as %s failed (%s), so the painting is not saved over it. Save it elsewhere "
                            "with Save As."),
                          kase->name, path, aside, g_strerror (saved_errno));
  pel_cases_panel_notice (self, GTK_MESSAGE_ERROR, text);
  return FALSE;
}

/* After the load's completion has put the case in the document. */
static gboolean
give_back_history (gpointer data)
{
  PelCasesPanel *self = data;
  PlCase *kase;
  PlUndo *history;

  if (self->cohort == NULL || self->current < 0)
    return G_SOURCE_REMOVE;
  kase = pl_cohort_get_case (self->cohort, (guint) self->current);
  if (document_holds (self, kase))
    note_unread_segmentation (self);
  history = g_ptr_array_index (self->histories, self->current);
  /* the same labels as when its history was taken: give it back */
  if (history && document_holds (self, kase) && !pel_document_get_dirty (self->document))
    {
      g_ptr_array_index (self->histories, self->current) = NULL;
      pel_document_give_history (self->document, history);
    }
  pel_cases_predict_show_proposal (self);
  pel_cases_predict_seek_slice (self);
  return G_SOURCE_REMOVE;
}

static void
on_open_job_running (PelCasesPanel *self)
{
  if (self->open_job == NULL || pel_job_get_running (self->open_job))
    return;
  g_clear_signal_handler (&self->job_handler, self->open_job);
  g_clear_object (&self->open_job);
  /* the job's running turns false before its callback loads the case */
  g_idle_add_full (G_PRIORITY_LOW, give_back_history, g_object_ref (self), g_object_unref);
}

static void
open_target (PelCasesPanel *self)
{
  PelWindow *win = get_window (self);
  PlCase *kase;
  g_autoptr (GFile) image = NULL;
  g_autoptr (GFile) seg = NULL;

  if (win == NULL || self->cohort == NULL)
    return;
  /* the case left: its history stays with it, its state on disk */
  if (self->current >= 0)
    {
      PlCase *left = pl_cohort_get_case (self->cohort, (guint) self->current);
      if (document_holds (self, left) && !pel_document_get_dirty (self->document))
        {
          g_clear_pointer (&g_ptr_array_index (self->histories, self->current), pl_undo_free);
          g_ptr_array_index (self->histories, self->current) = pel_document_take_history (self->document);
        }
      pel_cases_panel_update_row (self, (guint) self->current);
    }
  pel_cases_panel_save_manifest (self);
  pel_cases_panel_update_summary (self);

  self->current = self->target;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURRENT]);
  select_current (self);
  kase = pl_cohort_get_case (self->cohort, (guint) self->current);
  image = g_file_new_for_path (kase->image_path);
  g_clear_pointer (&self->seg_requested, g_free);
  g_clear_pointer (&self->seg_unread, g_free);
  if (kase->labels_path && g_file_test (kase->labels_path, G_FILE_TEST_EXISTS))
    {
      seg = g_file_new_for_path (kase->labels_path);
      self->seg_requested = g_strdup (kase->labels_path);
    }
  pel_window_open (win, image, seg, NULL);
  if (self->open_job)
    g_clear_signal_handler (&self->job_handler, self->open_job);
  g_clear_object (&self->open_job);
  if (pel_window_get_job (win) && pel_job_get_running (pel_window_get_job (win)))
    {
      self->open_job = g_object_ref (pel_window_get_job (win));
      self->job_handler = g_signal_connect_swapped (self->open_job, "notify::running",
                                                    G_CALLBACK (on_open_job_running), self);
    }
  else if (document_holds (self, kase))
    note_unread_segmentation (self);
}

static gboolean
open_target_idle (gpointer data)
{
  open_target (data);
  return G_SOURCE_REMOVE;
}

static void
after_save (PelWindow *win,
            gpointer   data)
{
  /* once the save's job has let go of the window */
  g_idle_add_full (G_PRIORITY_DEFAULT, open_target_idle, g_object_ref (data), g_object_unref);
}

/* Where the open case's labels go: its segmentation, else NAME_seg.nii.gz
 * beside the image (the folder rule finds it there next time). */
static char *
labels_path_for (const PlCase *kase)
{
  g_autofree char *dir = NULL;
  g_autofree char *file = NULL;

  if (kase->labels_path)
    return g_strdup (kase->labels_path);
  dir = g_path_get_dirname (kase->image_path);
  file = g_strconcat (kase->name, "_seg.nii.gz", NULL);
  return g_build_filename (dir, file, NULL);
}

static void
go_to (PelCasesPanel *self,
       int            index)
{
  PelWindow *win = get_window (self);

  if (win == NULL || self->cohort == NULL || index < 0 || (guint) index >= pl_cohort_get_n (self->cohort))
    return;
  if (pel_window_get_job (win) && pel_job_get_running (pel_window_get_job (win)))
    {
      pel_cases_panel_notice (self, GTK_MESSAGE_INFO, _("Please wait until the current file operation has finished."));
      select_current (self);
      return;
    }
  if (index == self->current && document_holds (self, pl_cohort_get_case (self->cohort, (guint) index)))
    return;
  self->target = index;
  if (self->current >= 0)
    {
      PlCase *kase = pl_cohort_get_case (self->cohort, (guint) self->current);
      const PlLabels *labels = pel_document_get_labels (self->document);

      if (document_holds (self, kase) && labels != NULL)
        {
          /* one pass over the map, as a brush stroke's slice counts */
          pl_case_update_from_labels (kase, labels, 2);
          if (pel_document_get_dirty (self->document))
            {
              g_autofree char *path = labels_path_for (kase);
              g_autoptr (GFile) file = g_file_new_for_path (path);

              /* never over a segmentation that could not be read */
              if (self->seg_unread && g_strcmp0 (self->seg_unread, path) == 0
                  && g_file_test (path, G_FILE_TEST_EXISTS))
                {
                  if (!set_aside (self, kase, path))
                    {
                      select_current (self);
                      return;
                    }
                  g_clear_pointer (&self->seg_unread, g_free);
                }
              if (kase->labels_path == NULL)
                kase->labels_path = g_strdup (path);
              pel_window_save_then (win, file, after_save, g_object_ref (self), g_object_unref);
              return;
            }
        }
    }
  open_target (self);
}

static void
on_row_activated (PelCasesPanel *self,
                  GtkListBoxRow *row)
{
  if (!self->syncing && row)
    go_to (self, gtk_list_box_row_get_index (row));
}

static void
set_cohort (PelCasesPanel *self,
            PlCohort      *cohort)
{
  GtkWidget *child;

  if (self->thumbnailing)
    g_cancellable_cancel (self->thumbnailing);
  g_clear_object (&self->thumbnailing);
  g_clear_pointer (&self->cohort, pl_cohort_free);
  g_ptr_array_set_size (self->histories, 0);
  g_ptr_array_set_size (self->textures, 0);
  g_ptr_array_set_size (self->problems, 0);
  self->n_thumbnails = 0;
  self->current = -1;
  self->syncing = TRUE;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  self->syncing = FALSE;

  self->cohort = cohort;
  if (cohort)
    {
      g_ptr_array_set_size (self->histories, pl_cohort_get_n (cohort));
      g_ptr_array_set_size (self->textures, pl_cohort_get_n (cohort));
      for (guint i = 0; i < pl_cohort_get_n (cohort); i++)
        {
          gtk_list_box_append (self->list, make_row (self, i));
          pel_cases_panel_update_row (self, i);
        }
      self->thumbnailing = g_cancellable_new ();
      pel_cases_thumbs_start (self);
    }
  pel_cases_panel_update_summary (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURRENT]);
}

/* ---- actions ---------------------------------------------------------------- */

static void
open_paths (PelCasesPanel     *self,
            const char *const *paths,
            int                n)
{
  g_autoptr (GError) error = NULL;
  PlCohort *cohort = pl_cohort_open (paths, n, &error);
  PelWindow *win = get_window (self);

  if (cohort == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Could not open the cases: %s"), error->message);
      pel_cases_panel_notice (self, GTK_MESSAGE_ERROR, text);
      return;
    }
  if (pl_cohort_get_n (cohort) == 0)
    {
      pel_cases_panel_notice (self, GTK_MESSAGE_WARNING, _("No NIfTI image was found there."));
      pl_cohort_free (cohort);
      return;
    }
  set_cohort (self, cohort);
  if (win)
    {
      GtkWidget *stack = gtk_widget_get_parent (GTK_WIDGET (self));
      if (GTK_IS_STACK (stack))
        gtk_stack_set_visible_child (GTK_STACK (stack), GTK_WIDGET (self));
    }
  /* the first case not reviewed yet */
  for (guint i = 0; i < pl_cohort_get_n (cohort); i++)
    if (pl_cohort_get_case (cohort, i)->state != PL_CASE_REVIEWED)
      {
        go_to (self, (int) i);
        return;
      }
  go_to (self, 0);
}

static void
open_paths_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  gsize n = 0;
  g_autofree const char **paths = g_variant_get_strv (parameter, &n);

  if (n > 0)
    open_paths (user_data, paths, (int) n);
}

static void
folder_chosen (GObject      *object,
               int           response,
               gpointer      user_data)
{
  GtkNativeDialog *native = GTK_NATIVE_DIALOG (object);
  PelCasesPanel *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      g_autofree char *path = folder ? g_file_get_path (folder) : NULL;
      if (path)
        {
          const char *paths[] = { path };
          open_paths (self, paths, 1);
        }
    }
  g_object_unref (native);
  g_object_unref (self);
}

static void
open_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  PelCasesPanel *self = user_data;
  GtkFileChooserNative *native;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  native = gtk_file_chooser_native_new (_("Open a Folder of Cases"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Open"), NULL);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect (native, "response", G_CALLBACK (folder_chosen), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
go_activated (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  go_to (user_data, (int) g_variant_get_uint32 (parameter));
}

static void
next_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  PelCasesPanel *self = user_data;
  int i;

  if (self->cohort == NULL)
    return;
  i = pel_cases_panel_choose_next (self);
  if (i >= 0)
    {
      self->seek_slice = TRUE;
      go_to (self, i);
      return;
    }
  pel_cases_panel_notice (self, GTK_MESSAGE_INFO, _("Every other case is reviewed."));
}

static void
reviewed_activated (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  PelCasesPanel *self = user_data;

  if (self->cohort == NULL || self->current < 0)
    return;
  pl_cohort_get_case (self->cohort, (guint) self->current)->state = PL_CASE_REVIEWED;
  pel_cases_panel_save_manifest (self);
  pel_cases_panel_update_row (self, (guint) self->current);
  pel_cases_panel_update_summary (self);
}

static void
propose_activated (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  pel_cases_predict_choose (user_data);
}

static void
propose_with_activated (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       user_data)
{
  pel_cases_predict_start (user_data, g_variant_get_string (parameter, NULL));
}

static void
stop_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  pel_cases_predict_stop (user_data);
}

static const GActionEntry action_entries[] = {
  { "open", open_activated },
  { "open-paths", open_paths_activated, "as" },
  { "go", go_activated, "u" },
  { "next", next_activated },
  { "reviewed", reviewed_activated },
  { "propose", propose_activated },
  { "propose-with", propose_with_activated, "s" },
  { "stop", stop_activated },
};

static void
update_actions (PelCasesPanel *self)
{
  gboolean have = self->cohort != NULL;
  gboolean proposing = self->run != NULL && pel_live_run_get_running (self->run);
  const char *need[] = { "go", "next", "reviewed", "propose", "propose-with" };

  for (guint i = 0; i < G_N_ELEMENTS (need); i++)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self->actions), need[i])),
                                 have && !(i >= 3 && proposing));
}

/* ---- object ----------------------------------------------------------------- */

static void
pel_cases_panel_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  PelCasesPanel *self = PEL_CASES_PANEL (object);

  switch (prop_id)
    {
    case PROP_CURRENT: g_value_set_int (value, self->current); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pel_cases_panel_dispose (GObject *object)
{
  PelCasesPanel *self = PEL_CASES_PANEL (object);

  if (self->thumbnailing)
    g_cancellable_cancel (self->thumbnailing);
  g_clear_object (&self->thumbnailing);
  /* what was asked for is written before the panel goes */
  if (self->manifest_writer)
    g_thread_pool_free (g_steal_pointer (&self->manifest_writer), FALSE, TRUE);
  g_queue_clear_full (&self->manifest_queue, (GDestroyNotify) manifest_write_free);
  if (self->open_job)
    g_clear_signal_handler (&self->job_handler, self->open_job);
  g_clear_object (&self->open_job);
  if (self->list)
    g_signal_handlers_disconnect_by_data (self->list, self);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  self->list = NULL;
  g_clear_pointer (&self->cohort, pl_cohort_free);
  g_clear_pointer (&self->histories, g_ptr_array_unref);
  g_clear_pointer (&self->problems, g_ptr_array_unref);
  g_clear_pointer (&self->textures, g_ptr_array_unref);
  g_clear_pointer (&self->seg_requested, g_free);
  g_clear_pointer (&self->seg_unread, g_free);
  if (self->run)
    {
      pel_live_run_stop (self->run);
      g_signal_handlers_disconnect_by_data (self->run, self);
    }
  g_clear_object (&self->run);
  g_clear_object (&self->actions);
  g_clear_object (&self->document);
  g_clear_object (&self->tools);
  G_OBJECT_CLASS (pel_cases_panel_parent_class)->dispose (object);
}

/* The "cases" actions are on the window too, so that anything holding the
 * window (menus, shortcuts, the test control) activates them by name; the
 * Propose All run is "run:cases". */
static void
pel_cases_panel_root (GtkWidget *widget)
{
  PelCasesPanel *self = PEL_CASES_PANEL (widget);

  GTK_WIDGET_CLASS (pel_cases_panel_parent_class)->root (widget);
  pel_action_script_insert_group (GTK_WIDGET (gtk_widget_get_root (widget)), "cases",
                                  G_ACTION_GROUP (self->actions));
}

static void
pel_cases_panel_unroot (GtkWidget *widget)
{
  pel_action_script_insert_group (GTK_WIDGET (gtk_widget_get_root (widget)), "cases", NULL);
  GTK_WIDGET_CLASS (pel_cases_panel_parent_class)->unroot (widget);
}

static void
pel_cases_panel_finalize (GObject *object)
{
  PelCasesPanel *self = PEL_CASES_PANEL (object);

  g_mutex_clear (&self->manifest_lock);
  G_OBJECT_CLASS (pel_cases_panel_parent_class)->finalize (object);
}

static void
pel_cases_panel_class_init (PelCasesPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pel_cases_panel_dispose;
  object_class->finalize = pel_cases_panel_finalize;
  object_class->get_property = pel_cases_panel_get_property;
  properties[PROP_CURRENT] = g_param_spec_int ("current", NULL, NULL, -1, G_MAXINT, -1,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "cases-panel");
  widget_class->root = pel_cases_panel_root;
  widget_class->unroot = pel_cases_panel_unroot;
}

static GtkWidget *
action_button (const char *label,
               const char *action,
               const char *tooltip)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_widget_set_hexpand (button, TRUE);
  return button;
}

static void
pel_cases_panel_init (PelCasesPanel *self)
{
  GtkWidget *heading, *scroller, *buttons, *footer;

  self->current = -1;
  self->histories = g_ptr_array_new_with_free_func ((GDestroyNotify) pl_undo_free);
  self->problems = g_ptr_array_new_with_free_func (g_free);
  g_mutex_init (&self->manifest_lock);
  g_queue_init (&self->manifest_queue);
  self->manifest_writer = g_thread_pool_new (write_manifest, self, 1, FALSE, NULL);
  self->textures = g_ptr_array_new_with_free_func (g_object_unref);

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_margin_start (self->box, 12);
  gtk_widget_set_margin_end (self->box, 12);
  gtk_widget_set_margin_top (self->box, 12);
  gtk_widget_set_margin_bottom (self->box, 12);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  heading = gtk_label_new (_("Cases"));
  gtk_label_set_xalign (GTK_LABEL (heading), 0.0f);
  gtk_widget_add_css_class (heading, "heading");
  gtk_box_append (GTK_BOX (self->box), heading);

  self->summary = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->summary, 0.0f);
  gtk_label_set_wrap (self->summary, TRUE);
  gtk_label_set_max_width_chars (self->summary, 40);
  gtk_widget_add_css_class (GTK_WIDGET (self->summary), "dim-label");
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->summary));

  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_append (GTK_BOX (buttons), action_button (_("_Open Cases…"), "cases.open",
                                                    _("Open a folder of images (segmentations found by name: "
                                                      "NAME_seg.nii.gz, labels/, or nnU-Net's layout)")));
  gtk_box_append (GTK_BOX (buttons), action_button (_("_Next Case"), "cases.next",
                                                    _("Save this case and open the one not reviewed yet that the model is least sure of (after Propose All), "
                                                      "at its most uncertain unpainted slice; else the next in the list")));
  gtk_box_append (GTK_BOX (self->box), buttons);

  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scroller, TRUE);
  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_SINGLE);
  gtk_list_box_set_activate_on_single_click (self->list, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "boxed-list");
  g_signal_connect_swapped (self->list, "row-activated", G_CALLBACK (on_row_activated), self);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (self->list));
  gtk_box_append (GTK_BOX (self->box), scroller);

  footer = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_append (GTK_BOX (footer), action_button (_("_Propose All…"), "cases.propose",
                                                   _("Segment every case not reviewed with a saved model, in the "
                                                     "background; each becomes a proposal to review")));
  gtk_box_append (GTK_BOX (footer), action_button (_("Mark _Reviewed"), "cases.reviewed",
                                                   _("This case's segmentation is finished: Next Case skips it")));
  gtk_box_append (GTK_BOX (self->box), footer);

  self->actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), action_entries, G_N_ELEMENTS (action_entries),
                                   self);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "cases", G_ACTION_GROUP (self->actions));
  g_signal_connect_swapped (self, "notify::current", G_CALLBACK (update_actions), self);
  pel_cases_predict_init (self);
  pel_action_script_set_run (G_ACTION_GROUP (self->actions), G_OBJECT (self->run));
  update_actions (self);
  pel_cases_panel_update_summary (self);
}

GtkWidget *
pel_cases_panel_new (PelDocument *document,
                     PelTools    *tools)
{
  PelCasesPanel *self = g_object_new (PEL_TYPE_CASES_PANEL, NULL);

  self->document = g_object_ref (document);
  self->tools = g_object_ref (tools);
  return GTK_WIDGET (self);
}

PlCohort *
pel_cases_panel_get_cohort (PelCasesPanel *self)
{
  g_return_val_if_fail (PEL_IS_CASES_PANEL (self), NULL);
  return self->cohort;
}

int
pel_cases_panel_get_current (PelCasesPanel *self)
{
  g_return_val_if_fail (PEL_IS_CASES_PANEL (self), -1);
  return self->current;
}

guint
pel_cases_panel_get_n_thumbnails (PelCasesPanel *self)
{
  g_return_val_if_fail (PEL_IS_CASES_PANEL (self), 0);
  return self->n_thumbnails;
}
