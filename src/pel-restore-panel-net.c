/* pel-restore-panel-net.c: the Restore panel's restoration networks —
 * Noise2Noise, Noise2Clean and a supervised network with a choice of loss
 * (engine/restore/restore-net.h) trained on the volume's slices along the
 * chosen axis (axial, coronal or sagittal) on a worker, then applied to
 * every slice along it, written back on the source's grid
 * (pel-restore-panel.h). */
#define G_LOG_DOMAIN "pel-restore-panel"

#include "src/pel-restore-panel-private.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <math.h>

#include "engine/data/dataset.h"
#include "engine/data/metrics.h"
#include "engine/restore/perceptual.h"
#include "engine/restore/restore-net.h"

/* The method dropdown's entries, in order. */
static const char *const methods[] = { "dip", "n2n", "n2c", "pair", "supervised", "ct" };
static const PlRestoreLoss losses[] = {
  PL_RESTORE_LOSS_MSE, PL_RESTORE_LOSS_MAE, PL_RESTORE_LOSS_SSIM,
  PL_RESTORE_LOSS_PERCEPTUAL, PL_RESTORE_LOSS_ADVERSARIAL,
};

/* PSNR of the slice on screen every this many steps. */
#define EVAL_EVERY 10

typedef struct
{
  PelVolumeRef        *noisy;
  PelVolumeRef        *clean;         /* NULL: no reference (pair only) */
  PelVolumeRef        *second;        /* pair: the second acquisition */
  PlUnet              *feature_net;   /* owned copy, perceptual only */
  int                  axis;
  const char          *axis_name;     /* static */
  gint64               index;
  PlRestoreNetSettings settings;
  char                *name;
  PelLive             *live;
  float                scale;         /* the reference's maximum */
} NetTask;

static void
net_task_free (NetTask *t)
{
  g_clear_pointer (&t->noisy, pel_volume_ref_unref);
  g_clear_pointer (&t->clean, pel_volume_ref_unref);
  g_clear_pointer (&t->second, pel_volume_ref_unref);
  g_clear_pointer (&t->feature_net, pl_unet_free);
  g_free (t->name);
  g_free (t);
}

static void
on_net_step (const PlRestoreNetStep *s,
             gpointer                user_data)
{
  NetTask *t = user_data;

  pel_live_progress (t->live, s->step, s->steps);
  pel_live_append (t->live, "loss", s->step, s->loss);
  if (isfinite (s->val_psnr))
    pel_live_append (t->live, "psnr", s->step, s->val_psnr);
  if (s->val_output)
    {
      gsize n = (gsize) s->h * s->w;
      float *copy = g_new (float, n);

      for (gsize i = 0; i < n; i++)
        copy[i] = s->val_output[i] * t->scale;
      pel_live_publish_floats (t->live, "average", t->index, copy, s->h, s->w);
    }
}

static float *
planes (const PlVolume *v, int axis, float scale, int *n, int *h, int *w)
{
  gsize plane;
  float *out;

  pl_slice_dims (v->dim, axis, h, w);
  *n = (int) v->dim[axis];
  plane = (gsize) *h * *w;
  out = g_new (float, plane * *n);
  for (int k = 0; k < *n; k++)
    {
      float *p = out + plane * k;
      pl_volume_get_slice (v, axis, k, p);
      for (gsize i = 0; i < plane; i++)
        p[i] /= scale;
    }
  return out;
}

static gpointer
net_func (gpointer  data,
          PelLive  *live,
          GError  **error)
{
  NetTask *t = data;
  const PlVolume *noisy = pel_volume_ref_get (t->noisy);
  const PlVolume *clean = t->clean ? pel_volume_ref_get (t->clean) : NULL;
  g_autofree float *train = NULL, *train2 = NULL, *in = NULL, *ref = NULL, *out = NULL;
  g_autoptr (PlRestoreNet) net = NULL;
  g_autoptr (PlVolume) restored = NULL;
  PlRestoreData d = { 0 };
  PelRestoreOutcome *o;
  PlDipResult *r;
  int n, h, w;
  gsize plane;
  float nscale;
  double range = 1.0, t0 = g_get_monotonic_time () * 1e-6;

  t->live = live;
  pel_live_status (live, "es", NULL);
  if (t->settings.method == PL_RESTORE_PAIR)
    {
      /* two acquisitions over the first one's maximum; no clean image */
      t->scale = noisy->max > 0.0f ? noisy->max : 1.0f;
      train = planes (noisy, t->axis, t->scale, &n, &h, &w);
      train2 = planes (pel_volume_ref_get (t->second), t->axis, t->scale, &n, &h, &w);
      d.noisy = train;
      d.noisy2 = train2;
    }
  else
    {
      /* the network sees the kept original over its maximum: the noise
       * level is a fraction of that maximum, as Degrade made it */
      t->scale = clean->max > 0.0f ? clean->max : 1.0f;
      train = planes (clean, t->axis, t->scale, &n, &h, &w);
      d.clean = train;
    }
  plane = (gsize) h * w;
  in = g_new (float, plane);
  pl_volume_get_slice (noisy, t->axis, t->index, in);
  for (gsize i = 0; i < plane; i++)
    in[i] /= t->scale;
  if (clean)
    {
      ref = g_new (float, plane);
      pl_volume_get_slice (clean, t->axis, t->index, ref);
      for (gsize i = 0; i < plane; i++)
        ref[i] /= t->scale;
    }
  d.n = n;
  d.h = h;
  d.w = w;
  d.val_input = in;
  d.val_reference = ref;
  pel_live_message (live, _("Training the network"));
  net = pl_restore_net_train (&d, &t->settings, on_net_step, t, pel_live_get_progress (live), error);
  if (net == NULL)
    return NULL;
  g_clear_pointer (&train, g_free);
  g_clear_pointer (&train2, g_free);

  /* every slice of the volume, a slice at a time so that Stop is heard */
  pel_live_message (live, _("Restoring every slice"));
  restored = pl_volume_copy (noisy);
  out = g_new (float, plane);
  for (gint64 k = 0; k < noisy->dim[t->axis]; k++)
    {
      gsize sh, sw, off;

      if (pel_live_cancelled (live))
        {
          pl_progress_set_cancelled_error (error);
          return NULL;
        }
      pl_volume_get_slice (noisy, t->axis, k, out);
      for (gsize i = 0; i < plane; i++)
        out[i] /= t->scale;
      pl_restore_net_apply (net, out, 1, h, w, out);
      pl_slice_strides (noisy->dim, t->axis, k, &sh, &sw, &off);
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          restored->data[off + y * sh + x * sw] = out[(gsize) y * w + x] * t->scale;
    }
  pl_volume_update_stats (restored);

  /* the slice on screen as a result, on the scale the deep image prior's
   * figures use (the noisy volume's maximum), so every row of the table
   * is in the same units */
  nscale = noisy->max > 0.0f ? noisy->max : 1.0f;
  r = g_new0 (PlDipResult, 1);
  r->h = h;
  r->w = w;
  r->output = g_new (float, plane);
  pl_volume_get_slice (restored, t->axis, t->index, r->output);
  pl_volume_get_slice (noisy, t->axis, t->index, in);
  if (clean)
    pl_volume_get_slice (clean, t->axis, t->index, ref);
  for (gsize i = 0; i < plane; i++)
    {
      r->output[i] /= nscale;
      in[i] = CLAMP (in[i] / nscale, 0.0f, 1.0f);
      if (clean)
        ref[i] /= nscale;
    }
  r->output_raw = g_memdup2 (r->output, plane * sizeof (float));
  r->last_average = g_memdup2 (r->output, plane * sizeof (float));
  r->iterations = r->chosen_iteration = t->settings.steps;
  r->stop = PL_DIP_STOP_MAX_ITERATIONS;
  r->final_loss = pl_restore_net_final_loss (net);
  r->ms_per_iteration = pl_restore_net_step_ms (net);
  r->seconds = g_get_monotonic_time () * 1e-6 - t0;
  r->psnr = r->psnr_noisy = r->ssim = NAN;
  r->min_variance = r->best_psnr = r->best_psnr_average = NAN;
  if (clean)
    {
      range = (clean->max - clean->min) / nscale;
      r->psnr = pl_psnr (r->output, ref, plane, range);
      r->psnr_noisy = pl_psnr (in, ref, plane, range);
      r->ssim = h >= 11 && w >= 11 ? pl_ssim_value (r->output, ref, 1, h, w, (float) range) : NAN;
    }

  o = g_new0 (PelRestoreOutcome, 1);
  o->result = r;
  o->axis = t->axis;
  o->index = t->index;
  o->scale = nscale;
  o->axis_name = t->axis_name;
  o->n_slices = 1;
  if (clean)
    {
      pl_compare (in, ref, 1, h, w, range, &o->before);
      pl_compare (r->output, ref, 1, h, w, range, &o->after);
    }
  o->noisy = g_steal_pointer (&in);
  o->reference = g_steal_pointer (&ref);
  o->name = g_strdup (t->name);
  o->volume = g_steal_pointer (&restored);
  return o;
}

static void
on_net_finished (GObject      *source,
                 GAsyncResult *res,
                 gpointer      user_data)
{
  PelRestorePanel *self = user_data;
  g_autoptr (GError) error = NULL;
  PelRestoreOutcome *o = pel_live_run_finish (PEL_LIVE_RUN (source), res, &error);
  g_autofree char *text = NULL;
  const PlDipResult *r;

  if (self->document == NULL)   /* the panel went away meanwhile */
    {
      g_clear_pointer (&o, pel_restore_outcome_free);
      g_object_unref (self);
      return;
    }
  if (o == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          text = g_strdup_printf (_("Stopped by you after %" G_GINT64_FORMAT " steps; nothing kept"),
                                  pel_live_run_get_done (PEL_LIVE_RUN (source)));
          pel_restore_panel_set_status (self, "result", text, FALSE);
        }
      else if (error)
        pel_restore_panel_set_status (self, "result", error->message, TRUE);
      pel_restore_panel_set_busy (self);
      g_object_unref (self);
      return;
    }
  if (isfinite (o->result->psnr))
    text = g_strdup_printf (_("%s: %d steps, %.0f ms per step; %s slice %" G_GINT64_FORMAT ": PSNR %.2f dB "
                              "(noisy %.2f dB), SSIM %.3f. Every slice is restored: Keep puts the whole "
                              "volume in, Save writes it"),
                            o->name, o->result->iterations, o->result->ms_per_iteration, o->axis_name, o->index + 1,
                            o->result->psnr, o->result->psnr_noisy, o->result->ssim);
  else
    text = g_strdup_printf (_("%s: %d steps, %.0f ms per step; no clean reference, so no figures. Every "
                              "slice is restored: Keep puts the whole volume in, Save writes it"),
                            o->name, o->result->iterations, o->result->ms_per_iteration);
  pel_restore_panel_take_outcome (self, o);
  pel_restore_outcome_free (o);
  pel_restore_panel_set_status (self, "result", text, FALSE);
  r = self->result;
  {
    gsize n = (gsize) r->h * r->w;
    g_autofree float *shown = g_new (float, n);

    for (gsize i = 0; i < n; i++)
      shown[i] = r->output[i] * self->result_scale;
    pel_restore_panel_show_floats (self, shown, self->result_axis, r->h, r->w);
  }
  gtk_label_set_text (self->output_label, _("Restored slice"));
  pel_restore_panel_set_busy (self);
  g_object_unref (self);
}

const char *
pel_restore_panel_method (PelRestorePanel *self)
{
  guint k = gtk_drop_down_get_selected (self->method_dropdown);
  return methods[MIN (k, G_N_ELEMENTS (methods) - 1)];
}

gboolean
pel_restore_panel_start_net (PelRestorePanel *self)
{
  const PlVolume *v = pel_document_get_volume (self->document);
  const char *method = pel_restore_panel_method (self);
  const char *axis_title;
  guint li = gtk_drop_down_get_selected (self->loss_dropdown);
  g_autoptr (GError) error = NULL;
  gint64 cursor[3];
  NetTask *t;

  if (v == NULL || pel_live_run_get_running (self->run))
    return FALSE;
  if (g_str_equal (method, "pair"))
    {
      if (self->second == NULL)
        {
          pel_restore_panel_set_status (self, "result",
                                        _("Two acquisitions: open the second one of the same grid with "
                                          "Second… first"), TRUE);
          return FALSE;
        }
      if (!pel_restore_same_grid (pel_volume_ref_get (self->second), v,
                                  pel_volume_ref_get (self->second)->path, &error))
        {
          pel_restore_panel_set_status (self, "result", error->message, TRUE);
          return FALSE;
        }
    }
  else if (self->clean == NULL)
    {
      pel_restore_panel_set_status (self, "result",
                                    _("The networks learn from noisy copies of the kept original: "
                                      "Degrade the volume first"), TRUE);
      return FALSE;
    }
  t = g_new0 (NetTask, 1);
  pl_restore_net_settings_init (&t->settings);
  t->settings.method = pl_restore_method_from_name (method);
  t->settings.loss = t->settings.method == PL_RESTORE_SUPERVISED ? losses[MIN (li, G_N_ELEMENTS (losses) - 1)]
                                                                 : PL_RESTORE_LOSS_MSE;
  t->settings.residual = gtk_check_button_get_active (self->residual_check);
  t->settings.steps = gtk_spin_button_get_value_as_int (self->steps_spin);
  t->settings.seed = (guint64) gtk_spin_button_get_value_as_int (self->seed_spin);
  t->settings.eval_every = EVAL_EVERY;
  /* the same corruption Degrade made, on [0, 1]; fresh noise from its seed */
  t->settings.degrade = self->degraded;
  t->settings.degrade.scale = 1.0;
  t->settings.degrade.slice = -1;
  t->settings.degrade.axis = -1;
  if (t->settings.method == PL_RESTORE_PAIR)
    t->settings.degrade.kind = PL_DEGRADE_GAUSSIAN;   /* not used: the noise is the data's */
  if (t->settings.loss == PL_RESTORE_LOSS_PERCEPTUAL)
    {
      if (self->feature_model == NULL)
        {
          pel_restore_panel_set_status (self, "result",
                                        _("The perceptual loss needs a segmentation model: choose one "
                                          "(a model saved by the Train panel)"), TRUE);
          net_task_free (t);
          return FALSE;
        }
      t->feature_net = pl_unet_copy (self->feature_model->unet);
      t->settings.feature_net = t->feature_net;
      /* the model normalises volume units: (x·max − offset) / divisor */
      t->settings.feature_a = (float) (pel_volume_ref_get (self->clean)->max / self->feature_model->norm_divisor);
      t->settings.feature_b = (float) (-self->feature_model->norm_offset / self->feature_model->norm_divisor);
    }
  if (!pl_restore_net_settings_check (&t->settings, &error))
    {
      pel_restore_panel_set_status (self, "result", error->message, TRUE);
      net_task_free (t);
      return FALSE;
    }
  switch (t->settings.method)
    {
    case PL_RESTORE_N2N:
      t->name = g_strdup (t->settings.residual ? _("Noise2Noise, residual") : _("Noise2Noise"));
      break;
    case PL_RESTORE_N2C:
      t->name = g_strdup (t->settings.residual ? _("Noise2Clean, residual") : _("Noise2Clean"));
      break;
    case PL_RESTORE_PAIR:
      t->name = g_strdup (t->settings.residual ? _("Two acquisitions, residual") : _("Two acquisitions"));
      break;
    default:
      t->name = g_strdup_printf (t->settings.residual ? _("Supervised, %s, residual") : _("Supervised, %s"),
                                 pl_restore_loss_name (t->settings.loss));
      break;
    }
  t->noisy = pel_document_ref_volume (self->document);
  if (self->clean)
    t->clean = pel_volume_ref_ref (self->clean);
  if (t->settings.method == PL_RESTORE_PAIR)
    t->second = pel_volume_ref_ref (self->second);
  t->axis = pel_restore_panel_get_axis (self, &t->axis_name, &axis_title);
  self->run_axis = t->axis;
  pel_document_get_cursor (self->document, cursor);
  t->index = cursor[t->axis];
  pel_live_run_reset (self->run);
  pel_restore_panel_reset_plots (self, t->settings.steps);
  pel_plot_set_labels (self->loss_plot, _("step"), _("training loss"));
  pel_plot_set_labels (self->psnr_plot, _("step"), _("PSNR (dB) of the slice on screen"));
  pel_restore_panel_set_status (self, "result", NULL, FALSE);
  pel_restore_panel_set_status (self, "es", NULL, FALSE);
  {
    g_autofree char *text = NULL;

    if (t->settings.method == PL_RESTORE_N2N)
      text = g_strdup_printf (_("%s on every %s slice: pairs of independently noised copies, fresh noise "
                                "each step (the network never sees a clean slice); PSNR of %s slice %"
                                G_GINT64_FORMAT " against the kept original"), t->name, t->axis_name,
                              t->axis_name, t->index + 1);
    else if (t->settings.method == PL_RESTORE_PAIR)
      text = g_strdup_printf (_("%s (Noise2Noise on real data): each %s slice of the open volume is the "
                                "input, the same slice of the second acquisition the target, and the other "
                                "way round; no clean image%s"), t->name, t->axis_name,
                              t->clean ? _("; PSNR against the kept original for the figures only") : "");
    else
      text = g_strdup_printf (_("%s on every %s slice, the kept original as the target; PSNR of %s slice %"
                                G_GINT64_FORMAT " against it"), t->name, t->axis_name, t->axis_name,
                              t->index + 1);
    pel_restore_panel_set_status (self, "slice", text, FALSE);
  }
  gtk_label_set_text (self->output_label, _("The slice restored by the network, live"));
  g_object_set_data_full (G_OBJECT (self->run), "task", t, (GDestroyNotify) net_task_free);
  pel_live_run_start (self->run, net_func, t, (GDestroyNotify) pel_restore_outcome_free,
                      on_net_finished, g_object_ref (self));
  pel_restore_panel_set_busy (self);
  return TRUE;
}

static void
update_sensitivity (PelRestorePanel *self)
{
  const char *m = pel_restore_panel_method (self);
  gboolean dip = g_str_equal (m, "dip"), ct = g_str_equal (m, "ct");
  gboolean pair = g_str_equal (m, "pair");
  const char *axis_name;
  g_autofree char *note = NULL;

  pel_restore_panel_get_axis (self, &axis_name, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->dip_box), dip || ct);
  gtk_widget_set_visible (GTK_WIDGET (self->range_box), dip);
  gtk_widget_set_visible (GTK_WIDGET (self->ct_box), ct);
  gtk_widget_set_visible (GTK_WIDGET (self->ct_view), ct && self->ct_shown[0] != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->net_box), !dip && !ct);
  gtk_widget_set_visible (GTK_WIDGET (self->second_box), pair);
  gtk_widget_set_sensitive (GTK_WIDGET (self->loss_dropdown), g_str_equal (m, "supervised"));
  if (pair)
    note = g_strdup_printf (_("Trained on every %s slice of the two acquisitions (the open volume and the "
                              "second), then applied to every %s slice of the open volume"), axis_name, axis_name);
  else
    note = g_strdup_printf (_("Trained on every %s slice of the kept original with the noise of Degrade "
                              "(Degrade first), then applied to every %s slice"), axis_name, axis_name);
  gtk_label_set_text (self->net_note, note);
}

/* ---- actions ---------------------------------------------------------------- */

static void
act_method (GSimpleAction *action,
            GVariant      *param,
            gpointer       user_data)
{
  PelRestorePanel *self = user_data;
  const char *name = g_variant_get_string (param, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    if (g_str_equal (name, methods[i]))
      gtk_drop_down_set_selected (self->method_dropdown, i);
}

static void
act_loss (GSimpleAction *action,
          GVariant      *param,
          gpointer       user_data)
{
  PelRestorePanel *self = user_data;
  int l = pl_restore_loss_from_name (g_variant_get_string (param, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (losses); i++)
    if ((int) losses[i] == l)
      gtk_drop_down_set_selected (self->loss_dropdown, i);
}

static void
act_residual (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  PelRestorePanel *self = user_data;

  gtk_check_button_set_active (self->residual_check, g_variant_get_boolean (param));
}

PEL_RESTORE_SPIN_ACTION (act_steps, steps_spin, int32)

static void
load_model (PelRestorePanel *self,
            const char      *path)
{
  g_autoptr (GError) error = NULL;
  PlModel *m = pl_model_load (path, &error);

  if (m && pl_unet_get_config (m->unet)->in_channels != 1)
    {
      g_set_error (&error, PL_ERROR, PL_ERROR_INVALID, _("%s: the model takes %d channels, not one"),
                   path, pl_unet_get_config (m->unet)->in_channels);
      g_clear_pointer (&m, pl_model_free);
    }
  if (m == NULL)
    {
      pel_restore_panel_set_status (self, "result", error->message, TRUE);
      return;
    }
  g_clear_pointer (&self->feature_model, pl_model_free);
  g_free (self->feature_path);
  self->feature_model = m;
  self->feature_path = g_strdup (path);
  {
    g_autofree char *base = g_path_get_basename (path);
    g_autofree char *text = g_strdup_printf (_("Perceptual features: %s (bottleneck and last decoder block)"), base);
    gtk_label_set_text (self->model_label, text);
  }
}

static void
act_model (GSimpleAction *action,
           GVariant      *param,
           gpointer       user_data)
{
  load_model (user_data, g_variant_get_string (param, NULL));
}

static void
on_model_response (GtkNativeDialog *native,
                   int              response,
                   gpointer         user_data)
{
  PelRestorePanel *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path && self->document)
        load_model (self, path);
    }
  g_object_unref (native);
  g_object_unref (self);
}

static void
act_model_dialog (GSimpleAction *action,
                  GVariant      *param,
                  gpointer       user_data)
{
  PelRestorePanel *self = user_data;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *native =
    gtk_file_chooser_native_new (_("Segmentation Model for the Perceptual Loss"),
                                 GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                 GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), NULL);

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect (native, "response", G_CALLBACK (on_model_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static const GActionEntry net_entries[] = {
  { "method", act_method, "s", NULL, NULL, { 0 } },
  { "loss", act_loss, "s", NULL, NULL, { 0 } },
  { "residual", act_residual, "b", NULL, NULL, { 0 } },
  { "steps", act_steps, "i", NULL, NULL, { 0 } },
  { "model", act_model, "s", NULL, NULL, { 0 } },
  { "model-dialog", act_model_dialog, NULL, NULL, NULL, { 0 } },
};

void
pel_restore_panel_init_net (PelRestorePanel *self)
{
  g_autoptr (GtkStringList) mnames = gtk_string_list_new (NULL);
  g_autoptr (GtkStringList) lnames = gtk_string_list_new (NULL);
  PlRestoreNetSettings s;

  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), net_entries,
                                   G_N_ELEMENTS (net_entries), self);
  gtk_string_list_append (mnames, _("Deep image prior"));
  gtk_string_list_append (mnames, _("Noise2Noise"));
  gtk_string_list_append (mnames, _("Noise2Clean"));
  gtk_string_list_append (mnames, _("Two acquisitions (Noise2Noise)"));
  gtk_string_list_append (mnames, _("Supervised"));
  gtk_string_list_append (mnames, _("CT from a sinogram (FBP, DIP + TV)"));
  gtk_drop_down_set_model (self->method_dropdown, G_LIST_MODEL (mnames));
  gtk_string_list_append (lnames, _("MSE"));
  gtk_string_list_append (lnames, _("MAE"));
  gtk_string_list_append (lnames, _("SSIM"));
  gtk_string_list_append (lnames, _("Perceptual"));
  gtk_string_list_append (lnames, _("Adversarial"));
  gtk_drop_down_set_model (self->loss_dropdown, G_LIST_MODEL (lnames));
  pl_restore_net_settings_init (&s);
  gtk_spin_button_set_value (self->steps_spin, s.steps);
  pl_degrade_settings_init (&self->degraded);
  g_signal_connect_swapped (self->method_dropdown, "notify::selected", G_CALLBACK (update_sensitivity), self);
  g_signal_connect_swapped (self->axis_dropdown, "notify::selected", G_CALLBACK (update_sensitivity), self);
  update_sensitivity (self);
}
