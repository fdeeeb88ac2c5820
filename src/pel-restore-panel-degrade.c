/* pel-restore-panel-degrade.c: the Restore panel's volume operations —
 * degrade, revert, keep and save run on a worker (pel-restore-panel.h). */
#define G_LOG_DOMAIN "pel-restore-panel"

#include "src/pel-restore-panel-private.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "engine/data/dataset.h"
#include "engine/restore/degrade.h"

/* The corruptions offered, in the drop-down's order; restore.kind takes
 * the names (and "downsample" for ×2). */
static const struct
{
  PlDegradeKind kind;
  int           factor;
  const char   *name;
  const char   *title;
} kinds[] = {
  { PL_DEGRADE_GAUSSIAN, 2, "gaussian", N_("Gaussian noise") },
  { PL_DEGRADE_RICIAN, 2, "rician", N_("Rician noise") },
  { PL_DEGRADE_POISSON, 2, "poisson", N_("Poisson noise") },
  { PL_DEGRADE_DOWNSAMPLE, 2, "downsample-2", N_("Downsample ×2") },
  { PL_DEGRADE_DOWNSAMPLE, 4, "downsample-4", N_("Downsample ×4") },
};

/* ---- volume operations (worker) ------------------------------------------- */

typedef enum
{
  IO_DEGRADE,
  IO_REVERT,
  IO_KEEP,
  IO_SAVE,
  IO_SECOND,
} IoKind;

typedef struct
{
  IoKind            kind;
  PelVolumeRef     *source;    /* the document's volume */
  PelVolumeRef     *clean;     /* revert: the original */
  PlDegradeSettings degrade;
  float            *slice;     /* keep/save: h × w in volume units */
  PelVolumeRef     *whole;     /* keep/save: every slice restored, or NULL */
  int               axis;
  gint64            index;
  char             *path;      /* save; second: the file to open */
} IoTask;

typedef struct
{
  PlVolume *volume;            /* for the document (NULL after a save) */
  float     lo, hi;            /* its 1st and 99th percentiles */
} IoResult;

static void
io_task_free (IoTask *t)
{
  g_clear_pointer (&t->source, pel_volume_ref_unref);
  g_clear_pointer (&t->clean, pel_volume_ref_unref);
  g_free (t->slice);
  g_clear_pointer (&t->whole, pel_volume_ref_unref);
  g_free (t->path);
  g_free (t);
}

static void
io_result_free (IoResult *r)
{
  g_clear_pointer (&r->volume, pl_volume_free);
  g_free (r);
}

static void
put_slice (PlVolume    *v,
           int          axis,
           gint64       index,
           const float *slice)
{
  int h, w;

  pl_slice_dims (v->dim, axis, &h, &w);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      v->data[pl_slice_voxel (v->dim, axis, index, y, x)] = slice[(gsize) y * w + x];
  pl_volume_update_stats (v);
}

static gpointer
io_func (gpointer  data,
         PelLive  *live,
         GError  **error)
{
  IoTask *t = data;
  g_autoptr (PlVolume) v = NULL;
  IoResult *r;

  switch (t->kind)
    {
    case IO_DEGRADE:
      pel_live_message (live, _("Adding noise"));
      v = pl_degrade_volume (pel_volume_ref_get (t->source), &t->degrade, error);
      if (v == NULL)
        return NULL;
      break;
    case IO_REVERT:
      v = pl_volume_copy (pel_volume_ref_get (t->clean));
      break;
    case IO_SECOND:
      pel_live_message (live, _("Reading the second acquisition"));
      v = pl_volume_load (t->path, 0, pel_live_get_progress (live), error);
      if (v == NULL)
        return NULL;
      if (!pel_restore_same_grid (v, pel_volume_ref_get (t->source), t->path, error))
        return NULL;
      r = g_new0 (IoResult, 1);
      r->volume = g_steal_pointer (&v);
      return r;
    case IO_KEEP:
    case IO_SAVE:
      if (t->whole)
        v = pl_volume_copy (pel_volume_ref_get (t->whole));
      else
        {
          v = pl_volume_copy (pel_volume_ref_get (t->source));
          put_slice (v, t->axis, t->index, t->slice);
        }
      if (t->kind == IO_SAVE)
        {
          pel_live_message (live, _("Saving"));
          if (!pl_volume_save (v, t->path, error))
            return NULL;
          r = g_new0 (IoResult, 1);
          return r;
        }
      break;
    default:
      g_assert_not_reached ();
    }
  r = g_new0 (IoResult, 1);
  pl_volume_percentiles (v, 1.0, 99.0, &r->lo, &r->hi);
  r->volume = g_steal_pointer (&v);
  return r;
}

/* ---- volume operations (main thread) -------------------------------------- */

static void
on_io_finished (GObject      *source,
                GAsyncResult *res,
                gpointer      user_data)
{
  PelRestorePanel *self = user_data;
  g_autoptr (GError) error = NULL;
  IoResult *r = pel_live_run_finish (PEL_LIVE_RUN (source), res, &error);
  IoTask *t = g_object_get_data (G_OBJECT (source), "task");
  g_autofree char *text = NULL;

  if (self->document == NULL)   /* the panel went away meanwhile */
    {
      g_clear_pointer (&r, io_result_free);
      g_object_unref (self);
      return;
    }
  if (r == NULL)
    {
      if (error)
        pel_restore_panel_set_status (self, "io", error->message, TRUE);
      if (error && t->kind == IO_SECOND)
        gtk_label_set_text (self->second_label, error->message);
    }
  else if (t->kind == IO_SECOND)
    {
      g_autofree char *base = g_path_get_basename (t->path);

      g_clear_pointer (&self->second, pel_volume_ref_unref);
      self->second = pel_volume_ref_new (g_steal_pointer (&r->volume));
      text = g_strdup_printf (_("Second acquisition: %s, on the open volume's grid"), base);
      gtk_label_set_text (self->second_label, text);
      pel_restore_panel_set_status (self, "io", NULL, FALSE);
      io_result_free (r);
    }
  else
    {
      if (r->volume)
        {
          gint64 cursor[3];
          double window, level;

          pel_document_get_cursor (self->document, cursor);
          pel_document_get_window_level (self->document, &window, &level);
          if (t->kind == IO_DEGRADE && self->clean == NULL)
            self->clean = pel_volume_ref_ref (t->source);
          else if (t->kind == IO_REVERT)
            g_clear_pointer (&self->clean, pel_volume_ref_unref);
          if (t->kind == IO_DEGRADE)
            self->degraded = t->degrade;
          /* a new reference (or none): the table starts again */
          if (t->kind == IO_DEGRADE || t->kind == IO_REVERT)
            pel_restore_panel_clear_rows (self);
          /* Same grid: the labels and their undo history stay. */
          self->syncing = TRUE;
          pel_document_replace_image (self->document, g_steal_pointer (&r->volume), window, level);
          pel_document_set_cursor (self->document, cursor);
          self->syncing = FALSE;
        }
      switch (t->kind)
        {
        case IO_DEGRADE:
          if (t->degrade.kind == PL_DEGRADE_DOWNSAMPLE)
            text = g_strdup_printf (_("Downsampled ×%d (the mean of %d × %d blocks of each axial slice, "
                                      "then bilinear back onto the grid); the original is kept as the reference"),
                                    t->degrade.factor, t->degrade.factor, t->degrade.factor);
          else
            text = g_strdup_printf (_("Noise (%s), level %.1f %% of the maximum, seed %" G_GUINT64_FORMAT
                                      " added to the volume; the clean original is kept as the reference"),
                                    pl_degrade_kind_name (t->degrade.kind), t->degrade.level * 100.0,
                                    t->degrade.seed);
          break;
        case IO_SECOND:
          break;
        case IO_REVERT:
          text = g_strdup (_("Back to the original volume"));
          break;
        case IO_KEEP:
          text = t->slice ? g_strdup_printf (_("The restored slice %" G_GINT64_FORMAT " is in the volume"), t->index + 1)
                          : g_strdup (_("The restored volume replaces the open one"));
          break;
        case IO_SAVE:
          text = g_strdup_printf (_("Saved %s"), t->path);
          break;
        }
      gtk_label_set_text (self->degrade_label, text);
      pel_restore_panel_set_status (self, "io", NULL, FALSE);
      io_result_free (r);
    }
  pel_restore_panel_set_busy (self);
  g_object_unref (self);
}

static void
start_io (PelRestorePanel *self,
          IoTask          *t)
{
  g_object_set_data_full (G_OBJECT (self->io_run), "task", t, (GDestroyNotify) io_task_free);
  pel_live_run_start (self->io_run, io_func, t, (GDestroyNotify) io_result_free,
                      on_io_finished, g_object_ref (self));
  pel_restore_panel_set_busy (self);
}

static gboolean
io_ready (PelRestorePanel *self)
{
  return pel_document_has_volume (self->document)
         && !pel_live_run_get_running (self->io_run) && !pel_live_run_get_running (self->run);
}

static void
act_degrade (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  PelRestorePanel *self = user_data;
  IoTask *t;
  guint k = gtk_drop_down_get_selected (self->kind_dropdown);
  g_autoptr (GError) error = NULL;

  if (!io_ready (self))
    return;
  t = g_new0 (IoTask, 1);
  t->kind = IO_DEGRADE;
  pl_degrade_settings_init (&t->degrade);
  k = MIN (k, G_N_ELEMENTS (kinds) - 1);
  t->degrade.kind = kinds[k].kind;
  t->degrade.factor = kinds[k].factor;
  t->degrade.level = gtk_spin_button_get_value (self->level_spin) / 100.0;
  t->degrade.seed = (guint64) gtk_spin_button_get_value_as_int (self->seed_spin);
  /* always noise the clean original, never noise on noise */
  t->source = self->clean ? pel_volume_ref_ref (self->clean) : pel_document_ref_volume (self->document);
  if (!pl_degrade_settings_check (&t->degrade, &error))
    {
      pel_restore_panel_set_status (self, "io", error->message, TRUE);
      io_task_free (t);
      return;
    }
  start_io (self, t);
}

static void
act_revert (GSimpleAction *action,
            GVariant      *param,
            gpointer       user_data)
{
  PelRestorePanel *self = user_data;
  IoTask *t;

  if (!io_ready (self) || self->clean == NULL)
    return;
  t = g_new0 (IoTask, 1);
  t->kind = IO_REVERT;
  t->clean = pel_volume_ref_ref (self->clean);
  start_io (self, t);
}

static void
start_keep_or_save (PelRestorePanel *self,
                    IoKind           kind,
                    const char      *path)
{
  IoTask *t;
  const PlVolume *v = pel_document_get_volume (self->document);
  gsize n;
  int h, w;

  if (!io_ready (self) || self->result == NULL)
    return;
  pl_slice_dims (v->dim, self->result_axis, &h, &w);
  if (h != self->result->h || w != self->result->w || self->result_index >= v->dim[self->result_axis])
    {
      pel_restore_panel_set_status (self, "io", _("The volume changed since the fit: start again"), TRUE);
      return;
    }
  t = g_new0 (IoTask, 1);
  t->kind = kind;
  t->source = pel_document_ref_volume (self->document);
  t->axis = self->result_axis;
  t->index = self->result_index;
  if (self->result_volume && memcmp (pel_volume_ref_get (self->result_volume)->dim, v->dim, sizeof v->dim) == 0)
    t->whole = pel_volume_ref_ref (self->result_volume);
  else
    {
      n = (gsize) h * w;
      t->slice = g_new (float, n);
      for (gsize i = 0; i < n; i++)
        t->slice[i] = self->result->output[i] * self->result_scale;
    }
  t->path = g_strdup (path);
  start_io (self, t);
}

static void
act_keep (GSimpleAction *action,
          GVariant      *param,
          gpointer       user_data)
{
  start_keep_or_save (user_data, IO_KEEP, NULL);
}

static void
act_save (GSimpleAction *action,
          GVariant      *param,
          gpointer       user_data)
{
  start_keep_or_save (user_data, IO_SAVE, g_variant_get_string (param, NULL));
}

static void
on_save_response (GtkNativeDialog *native,
                  int              response,
                  gpointer         user_data)
{
  PelRestorePanel *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path)
        start_keep_or_save (self, IO_SAVE, path);
    }
  g_object_unref (native);
  g_object_unref (self);
}

static void
act_save_dialog (GSimpleAction *action,
                 GVariant      *param,
                 gpointer       user_data)
{
  PelRestorePanel *self = user_data;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *native =
    gtk_file_chooser_native_new (_("Save Restored Volume"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                 GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), NULL);

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), "restored.nii.gz");
  g_signal_connect (native, "response", G_CALLBACK (on_save_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/* ---- settings actions ----------------------------------------------------- */

static void
act_kind (GSimpleAction *action,
          GVariant      *param,
          gpointer       user_data)
{
  PelRestorePanel *self = user_data;
  const char *name = g_variant_get_string (param, NULL);

  if (g_str_equal (name, "downsample"))
    name = "downsample-2";
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_str_equal (kinds[i].name, name))
      gtk_drop_down_set_selected (self->kind_dropdown, i);
}

/* The level and seed mean nothing to downsampling. */
static void
on_kind_selected (PelRestorePanel *self)
{
  guint k = MIN (gtk_drop_down_get_selected (self->kind_dropdown), G_N_ELEMENTS (kinds) - 1);
  gboolean noise = kinds[k].kind != PL_DEGRADE_DOWNSAMPLE;

  gtk_widget_set_sensitive (GTK_WIDGET (self->level_spin), noise);
  gtk_widget_set_sensitive (GTK_WIDGET (self->seed_spin), noise);
}

gboolean
pel_restore_same_grid (const PlVolume *v,
                       const PlVolume *grid,
                       const char     *path,
                       GError        **error)
{
  double worst = 0.0;

  if (memcmp (v->dim, grid->dim, sizeof v->dim) != 0)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   _("%s is not on the open volume's grid: it has %" G_GINT64_FORMAT " × %" G_GINT64_FORMAT
                     " × %" G_GINT64_FORMAT " voxels, the open volume %" G_GINT64_FORMAT " × %" G_GINT64_FORMAT
                     " × %" G_GINT64_FORMAT),
                   path, v->dim[0], v->dim[1], v->dim[2], grid->dim[0], grid->dim[1], grid->dim[2]);
      return FALSE;
    }
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 4; c++)
      worst = MAX (worst, fabs (v->vox2world[r][c] - grid->vox2world[r][c]) * (c < 3 ? MAX (grid->dim[c], 1) : 1));
  if (worst > 1e-3)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   _("%s is not on the open volume's grid: the voxels are the same in number but lie elsewhere "
                     "in space (up to %.3g mm apart)"), path, worst);
      return FALSE;
    }
  return TRUE;
}

static void
act_second (GSimpleAction *action,
            GVariant      *param,
            gpointer       user_data)
{
  PelRestorePanel *self = user_data;
  IoTask *t;

  if (!io_ready (self))
    return;
  t = g_new0 (IoTask, 1);
  t->kind = IO_SECOND;
  t->source = pel_document_ref_volume (self->document);
  t->path = g_strdup (g_variant_get_string (param, NULL));
  start_io (self, t);
}

static void
on_second_response (GtkNativeDialog *native,
                    int              response,
                    gpointer         user_data)
{
  PelRestorePanel *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT && self->document)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path)
        g_action_group_activate_action (G_ACTION_GROUP (self->actions), "second", g_variant_new_string (path));
    }
  g_object_unref (native);
  g_object_unref (self);
}

static void
act_second_dialog (GSimpleAction *action,
                   GVariant      *param,
                   gpointer       user_data)
{
  PelRestorePanel *self = user_data;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *native =
    gtk_file_chooser_native_new (_("Open a Second Acquisition"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                 GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), NULL);

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect (native, "response", G_CALLBACK (on_second_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
act_level (GSimpleAction *action,
           GVariant      *param,
           gpointer       user_data)
{
  PelRestorePanel *self = user_data;

  gtk_spin_button_set_value (self->level_spin, g_variant_get_double (param) * 100.0);
}

PEL_RESTORE_SPIN_ACTION (act_seed, seed_spin, int32)

static const GActionEntry io_entries[] = {
  { "degrade", act_degrade, NULL, NULL, NULL, { 0 } },
  { "revert", act_revert, NULL, NULL, NULL, { 0 } },
  { "keep", act_keep, NULL, NULL, NULL, { 0 } },
  { "save", act_save, "s", NULL, NULL, { 0 } },
  { "save-dialog", act_save_dialog, NULL, NULL, NULL, { 0 } },
  { "kind", act_kind, "s", NULL, NULL, { 0 } },
  { "level", act_level, "d", NULL, NULL, { 0 } },
  { "seed", act_seed, "i", NULL, NULL, { 0 } },
  { "second", act_second, "s", NULL, NULL, { 0 } },
  { "second-dialog", act_second_dialog, NULL, NULL, NULL, { 0 } },
};

void
pel_restore_panel_init_io (PelRestorePanel *self)
{
  g_autoptr (GtkStringList) names = gtk_string_list_new (NULL);
  PlDegradeSettings deg;

  self->io_run = pel_live_run_new (_("Volume"));
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), io_entries,
                                   G_N_ELEMENTS (io_entries), self);
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    gtk_string_list_append (names, _(kinds[i].title));
  gtk_drop_down_set_model (self->kind_dropdown, G_LIST_MODEL (names));
  g_signal_connect_swapped (self->kind_dropdown, "notify::selected", G_CALLBACK (on_kind_selected), self);
  on_kind_selected (self);
  pl_degrade_settings_init (&deg);
  gtk_spin_button_set_value (self->level_spin, deg.level * 100.0);
}
