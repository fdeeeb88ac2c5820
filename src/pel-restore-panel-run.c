/* pel-restore-panel-run.c: the Restore panel's live fit — the deep image
 * prior on a worker, its plots, preview and result (pel-restore-panel.h). */
#define G_LOG_DOMAIN "pel-restore-panel"

#include "src/pel-restore-panel-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "engine/data/dataset.h"
#include "src/pel-panel-kit.h"
#include "src/pel-plot.h"

/* How often the averaged output is sent to the panel (iterations). */
#define PREVIEW_EVERY 10

/* ---- deep image prior (worker) -------------------------------------------- */

/* The axis drop-down's entries, in order. */
static const char *const axis_names[] = { "axial", "coronal", "sagittal" };
static const char *const axis_titles[] = { N_("Axial"), N_("Coronal"), N_("Sagittal") };

typedef struct
{
  PelVolumeRef  *noisy;
  PelVolumeRef  *clean;        /* NULL: no reference */
  int            axis;
  const char    *axis_name;
  const char    *axis_title;   /* capitalised, translated */
  gint64         index;        /* the slice shown and compared */
  gint64         first, last;  /* the slices fitted, one at a time */
  PlDipSettings  settings;
  PelLive       *live;
  float          scale;
  gint64         slice;        /* being fitted */
  gint64         done;         /* iterations of the slices before it */
} DipTask;

static void
dip_task_free (DipTask *t)
{
  g_clear_pointer (&t->noisy, pel_volume_ref_unref);
  g_clear_pointer (&t->clean, pel_volume_ref_unref);
  g_free (t);
}

void
pel_restore_outcome_free (PelRestoreOutcome *o)
{
  g_clear_pointer (&o->result, pl_dip_result_free);
  g_clear_pointer (&o->volume, pl_volume_free);
  g_free (o->noisy);
  g_free (o->reference);
  g_free (o->name);
  g_free (o->summary);
  if (o->rows)
    {
      for (guint i = 0; i < o->rows->len; i++)
        g_free (g_array_index (o->rows, PelRestoreRow, i).name);
      g_array_unref (o->rows);
    }
  g_free (o);
}

int
pel_restore_panel_get_axis (PelRestorePanel *self,
                            const char     **name,
                            const char     **title)
{
  const PlVolume *v = pel_document_get_volume (self->document);
  guint ai = MIN (gtk_drop_down_get_selected (self->axis_dropdown), G_N_ELEMENTS (axis_names) - 1);
  int axis = v ? pl_axis_from_name (v, axis_names[ai]) : -1;

  if (name)
    *name = axis_names[ai];
  if (title)
    *title = _(axis_titles[ai]);
  return axis >= 0 ? axis : 2 - (int) ai;
}

static void
on_dip_step (const PlDipStep *s,
             gpointer         user_data)
{
  DipTask *t = user_data;
  PelLive *live = t->live;

  gint64 n_slices = t->last - t->first + 1;
  double x = (double) (t->done + s->iteration);

  /* a range: the slices' fits one after the other on the same axes */
  pel_live_progress (live, (t->slice - t->first) * s->max_iterations + s->iteration,
                     n_slices * s->max_iterations);
  pel_live_append (live, "loss", x, s->loss);
  if (isfinite (s->psnr))
    pel_live_append (live, "psnr", x, s->psnr);
  if (isfinite (s->psnr_average))
    pel_live_append (live, "psnr-average", x, s->psnr_average);
  if (s->iteration % PREVIEW_EVERY == 0 || s->iteration == 1 || s->state != PL_DIP_RUNNING)
    {
      gsize n = (gsize) s->h * s->w;
      float *copy = g_new (float, n);

      for (gsize i = 0; i < n; i++)
        copy[i] = s->average[i] * t->scale;
      pel_live_publish_floats (live, "average", t->slice, copy, s->h, s->w);
    }
  if (s->iteration % PREVIEW_EVERY == 0 || s->backtracked)
    {
      g_autofree char *es = NULL, *where = NULL;

      if (n_slices > 1)
        where = g_strdup_printf (_("Slice %" G_GINT64_FORMAT " (%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT "), "),
                                 t->slice + 1, t->slice - t->first + 1, n_slices);
      if (s->min_variance_iteration > 0)
        es = g_strdup_printf (_("%sES-WMV: window variance %.3g, minimum %.3g at iteration %d, "
                                "%d iterations since; %d backtracks"), where ? where : "",
                              s->variance, s->min_variance, s->min_variance_iteration,
                              s->since_min, s->n_backtracks);
      else
        es = g_strdup_printf (_("%sES-WMV: filling the window of %d outputs; %d backtracks"),
                              where ? where : "", t->settings.es_window, s->n_backtracks);
      pel_live_status (live, "es", es);
    }
}

/* Slice k of v along the task's axis over the scale: in [0, 1] (clamped)
 * for the network's input, as is for the reference. */
static void
get_scaled (const PlVolume *v,
            DipTask        *t,
            gint64          k,
            gboolean        clamp,
            float          *out,
            gsize           n)
{
  pl_volume_get_slice (v, t->axis, k, out);
  for (gsize i = 0; i < n; i++)
    out[i] = clamp ? CLAMP (out[i] / t->scale, 0.0f, 1.0f) : out[i] / t->scale;
}

static gpointer
dip_func (gpointer  data,
          PelLive  *live,
          GError  **error)
{
  DipTask *t = data;
  const PlVolume *noisy = pel_volume_ref_get (t->noisy);
  const PlVolume *clean = t->clean ? pel_volume_ref_get (t->clean) : NULL;
  int h, w, n_early = 0;
  gint64 n_slices = t->last - t->first + 1;
  g_autofree float *in = NULL, *ref = NULL, *ins = NULL, *refs = NULL, *outs = NULL;
  g_autoptr (PlVolume) restored = NULL;
  g_autoptr (PlDipResult) shown = NULL;
  gsize n;
  PelRestoreOutcome *o;

  pl_slice_dims (noisy->dim, t->axis, &h, &w);
  n = (gsize) h * w;
  in = g_new (float, n);
  /* the network sees [0, 1]: intensities over the volume's maximum, as
   * pellucid-cli denoise */
  t->scale = noisy->max > 0.0f ? noisy->max : 1.0f;
  if (clean)
    ref = g_new (float, n);
  if (n_slices > 1)
    {
      restored = pl_volume_copy (noisy);
      ins = g_new (float, n * n_slices);
      outs = g_new (float, n * n_slices);
      if (clean)
        refs = g_new (float, n * n_slices);
    }
  t->live = live;
  t->done = 0;
  pel_live_status (live, "es", NULL);
  pel_live_message (live, n_slices > 1 ? _("Fitting the deep image prior, slice by slice")
                                       : _("Fitting the deep image prior"));
  for (t->slice = t->first; t->slice <= t->last; t->slice++)
    {
      gint64 j = t->slice - t->first;
      PlDipResult *r;

      get_scaled (noisy, t, t->slice, TRUE, in, n);
      if (clean)
        get_scaled (clean, t, t->slice, FALSE, ref, n);
      r = pl_dip_denoise (in, ref, h, w, &t->settings, on_dip_step, t,
                          pel_live_get_progress (live), error);
      if (r == NULL)
        return NULL;
      t->done += r->iterations;
      n_early += r->stop == PL_DIP_STOP_EARLY;
      if (restored)
        {
          gsize sh, sw, off;

          pl_slice_strides (noisy->dim, t->axis, t->slice, &sh, &sw, &off);
          for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
              restored->data[off + y * sh + x * sw] = r->output[(gsize) y * w + x] * t->scale;
          memcpy (ins + n * j, in, n * sizeof (float));
          memcpy (outs + n * j, r->output, n * sizeof (float));
          if (clean)
            memcpy (refs + n * j, ref, n * sizeof (float));
        }
      if (t->slice == t->index)
        shown = r;
      else
        pl_dip_result_free (r);
    }
  if (restored)
    pl_volume_update_stats (restored);
  o = g_new0 (PelRestoreOutcome, 1);
  o->axis = t->axis;
  o->axis_name = t->axis_name;
  o->index = t->index;
  o->scale = t->scale;
  o->n_slices = (int) n_slices;
  get_scaled (noisy, t, t->index, TRUE, in, n);
  if (clean)
    {
      /* the range of the reference, as pellucid-cli denoise; over every
       * slice fitted */
      double range = (clean->max - clean->min) / t->scale;

      get_scaled (clean, t, t->index, FALSE, ref, n);
      if (n_slices > 1)
        {
          pl_compare (ins, refs, (int) n_slices, h, w, range, &o->before);
          pl_compare (outs, refs, (int) n_slices, h, w, range, &o->after);
        }
      else
        {
          pl_compare (in, ref, 1, h, w, range, &o->before);
          pl_compare (shown->output, ref, 1, h, w, range, &o->after);
        }
    }
  if (n_slices > 1)
    o->summary = g_strdup_printf (_("%s slices %" G_GINT64_FORMAT "–%" G_GINT64_FORMAT " fitted one at a time "
                                    "(%d stopped by ES-WMV, %d at the budget)%s; "),
                                  t->axis_title, t->first + 1, t->last + 1, n_early, (int) n_slices - n_early,
                                  clean ? _(", figures over all of them") : "");
  o->result = g_steal_pointer (&shown);
  o->noisy = g_steal_pointer (&in);
  o->reference = g_steal_pointer (&ref);
  o->volume = g_steal_pointer (&restored);
  o->name = n_slices > 1 ? g_strdup_printf (_("Deep image prior, slices %" G_GINT64_FORMAT "–%" G_GINT64_FORMAT),
                                            t->first + 1, t->last + 1)
                         : g_strdup (_("Deep image prior"));
  return o;
}

void
pel_restore_panel_reset_plots (PelRestorePanel *self,
                               int              n)
{
  const GdkRGBA loss = { 0.21, 0.52, 0.89, 1.0 };
  const GdkRGBA raw = { 0.60, 0.60, 0.60, 1.0 };
  const GdkRGBA avg = { 0.90, 0.38, 0.0, 1.0 };

  pel_plot_remove_series (self->loss_plot);
  self->loss_series = pel_plot_add_series (self->loss_plot, NULL, &loss, 1.0);
  pel_plot_remove_series (self->psnr_plot);
  self->psnr_series = pel_plot_add_series (self->psnr_plot, _("output"), &raw, 1.0);
  self->psnr_avg_series = pel_plot_add_series (self->psnr_plot, _("averaged"), &avg, 2.0);
  if (n > 0)
    {
      pel_plot_set_x_extent (self->loss_plot, n);
      pel_plot_set_x_extent (self->psnr_plot, n);
    }
}

void
pel_restore_panel_take_outcome (PelRestorePanel   *self,
                                PelRestoreOutcome *o)
{
  g_clear_pointer (&self->result, pl_dip_result_free);
  g_clear_pointer (&self->result_volume, pel_volume_ref_unref);
  self->result = g_steal_pointer (&o->result);
  if (o->volume)
    self->result_volume = pel_volume_ref_new (g_steal_pointer (&o->volume));
  self->result_axis = o->axis;
  self->result_index = o->index;
  self->result_scale = o->scale;
  self->result_ct = FALSE;
  pel_restore_panel_set_status (self, "keep", NULL, FALSE);
  g_free (self->input_title);
  self->input_title = g_strdup (o->input_title);
  if (o->reference)
    {
      PelRestoreRow row;

      if (self->rows->len == 0 && !o->no_before)
        {
          row.name = g_strdup (_("noisy"));
          row.c = o->before;
          g_array_append_val (self->rows, row);
        }
      for (guint i = 0; o->rows && i < o->rows->len; i++)
        {
          row = g_array_index (o->rows, PelRestoreRow, i);
          row.name = g_strdup (row.name);
          g_array_append_val (self->rows, row);
        }
      row.name = g_strdup (o->name);
      row.c = o->after;
      g_array_append_val (self->rows, row);
    }
  pel_restore_panel_show_compare (self, o);
}

static void
on_series_points (PelRestorePanel    *self,
                  const char         *name,
                  const PelLivePoint *points,
                  guint               n)
{
  PelPlot *plot;
  guint series;

  if (g_str_equal (name, "loss"))
    plot = self->loss_plot, series = self->loss_series;
  else if (g_str_equal (name, "psnr"))
    plot = self->psnr_plot, series = self->psnr_series;
  else if (g_str_equal (name, "psnr-average"))
    plot = self->psnr_plot, series = self->psnr_avg_series;
  else
    return;
  for (guint i = 0; i < n; i++)
    pel_plot_append (plot, series, points[i].x, points[i].y);
}

static void
on_preview (PelRestorePanel      *self,
            const PelLivePayload *payload)
{
  if (g_str_equal (payload->name, "average") && payload->kind == PEL_LIVE_FLOATS)
    pel_restore_panel_show_floats (self, payload->data, self->run_axis, (int) payload->shape[1], (int) payload->shape[2]);
}

static void
on_status (PelRestorePanel *self,
           const char      *key,
           const char      *text)
{
  pel_restore_panel_set_status (self, key, text, FALSE);
}

static void
on_dip_finished (GObject      *source,
                 GAsyncResult *res,
                 gpointer      user_data)
{
  PelRestorePanel *self = user_data;
  g_autoptr (GError) error = NULL;
  PelRestoreOutcome *o = pel_live_run_finish (PEL_LIVE_RUN (source), res, &error);
  g_autofree char *text = NULL, *summary = NULL;

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
          text = g_strdup_printf (_("Stopped by you after %" G_GINT64_FORMAT " iterations; "
                                    "Start fits again from the beginning"),
                                  pel_live_run_get_done (PEL_LIVE_RUN (source)));
          pel_restore_panel_set_status (self, "result", text, FALSE);
        }
      else if (error)
        pel_restore_panel_set_status (self, "result", error->message, TRUE);
      pel_restore_panel_set_busy (self);
      g_object_unref (self);
      return;
    }
  summary = g_steal_pointer (&o->summary);
  pel_restore_panel_take_outcome (self, o);
  pel_restore_outcome_free (o);
  {
    const PlDipResult *r = self->result;
    const char *why;

    switch (r->stop)
      {
      case PL_DIP_STOP_EARLY:
        why = _("ES-WMV stopped it: the variance of the last outputs found no new minimum within the patience");
        break;
      case PL_DIP_STOP_MAX_ITERATIONS:
        why = _("the iteration budget ran out");
        break;
      case PL_DIP_STOP_CANCELLED:
        why = _("stopped by the user");
        break;
      default:
        why = pl_dip_stop_name (r->stop);
        break;
      }
    if (isfinite (r->psnr))
      text = g_strdup_printf (_("%s%sStopped after %d iterations (%s); kept the averaged output of iteration %d: "
                                "PSNR %.2f dB against the reference (noisy %.2f dB), SSIM %.3f; %.0f ms per iteration"),
                              summary ? summary : "", summary ? _("the slice shown: ") : "",
                              r->iterations, why, r->chosen_iteration, r->psnr, r->psnr_noisy, r->ssim,
                              r->ms_per_iteration);
    else
      text = g_strdup_printf (_("%s%sStopped after %d iterations (%s); kept the averaged output of iteration %d; "
                                "%.0f ms per iteration"),
                              summary ? summary : "", summary ? _("the slice shown: ") : "",
                              r->iterations, why, r->chosen_iteration, r->ms_per_iteration);
    pel_restore_panel_set_status (self, "result", text, FALSE);
    if (r->chosen_iteration > 0)
      {
        const GdkRGBA mark = { 0.1, 0.6, 0.2, 1.0 };
        guint s = pel_plot_add_series (self->loss_plot, _("chosen"), &mark, 2.0);
        guint pn = 0;
        const PelLivePoint *pts = pel_live_run_get_series (self->run, "loss", &pn);
        double top = 0.0;

        for (guint i = 0; i < pn; i++)
          top = MAX (top, pts[i].y);
        pel_plot_append (self->loss_plot, s, r->chosen_iteration, 0.0);
        pel_plot_append (self->loss_plot, s, r->chosen_iteration, top);
      }
    {
      gsize n = (gsize) r->h * r->w;
      g_autofree float *shown = g_new (float, n);

      for (gsize i = 0; i < n; i++)
        shown[i] = r->output[i] * self->result_scale;
      pel_restore_panel_show_floats (self, shown, self->result_axis, r->h, r->w);
    }
    gtk_label_set_text (self->output_label, _("Chosen (averaged) output"));
  }
  pel_restore_panel_set_busy (self);
  g_object_unref (self);
}

static void
settings_from_widgets (PelRestorePanel *self,
                       PlDipSettings   *s)
{
  pl_dip_settings_init (s);
  s->max_iterations = gtk_spin_button_get_value_as_int (self->iterations_spin);
  s->early_stop = gtk_check_button_get_active (self->early_check);
  s->es_patience = gtk_spin_button_get_value_as_int (self->patience_spin);
  s->seed = (guint64) gtk_spin_button_get_value_as_int (self->seed_spin);
}

static void
act_start (GSimpleAction *action,
           GVariant      *param,
           gpointer       user_data)
{
  PelRestorePanel *self = user_data;
  DipTask *t;
  gint64 cursor[3];
  const PlVolume *v = pel_document_get_volume (self->document);
  g_autoptr (GError) error = NULL;

  if (v == NULL || pel_live_run_get_running (self->run))
    return;
  self->run_ct = FALSE;
  if (g_str_equal (pel_restore_panel_method (self), "ct"))
    {
      pel_restore_panel_start_ct (self);
      return;
    }
  if (!g_str_equal (pel_restore_panel_method (self), "dip"))
    {
      pel_restore_panel_start_net (self);
      return;
    }
  t = g_new0 (DipTask, 1);
  settings_from_widgets (self, &t->settings);
  if (!pl_dip_settings_check (&t->settings, &error))
    {
      pel_restore_panel_set_status (self, "result", error->message, TRUE);
      g_free (t);
      return;
    }
  t->axis = pel_restore_panel_get_axis (self, &t->axis_name, &t->axis_title);
  pel_document_get_cursor (self->document, cursor);
  t->index = t->first = t->last = cursor[t->axis];
  if (gtk_check_button_get_active (self->range_check))
    {
      t->first = gtk_spin_button_get_value_as_int (self->first_spin) - 1;
      t->last = gtk_spin_button_get_value_as_int (self->last_spin) - 1;
      if (t->first > t->last || t->last >= v->dim[t->axis])
        {
          g_autofree char *why = g_strdup_printf (_("Slices %" G_GINT64_FORMAT "–%" G_GINT64_FORMAT ": the volume has "
                                                    "%" G_GINT64_FORMAT " %s slices, and the first must not "
                                                    "be after the last"),
                                                  t->first + 1, t->last + 1, v->dim[t->axis], t->axis_name);
          pel_restore_panel_set_status (self, "result", why, TRUE);
          g_free (t);
          return;
        }
      /* the slice on screen when it is in the range, else the first */
      if (t->index < t->first || t->index > t->last)
        t->index = t->first;
    }
  t->noisy = pel_document_ref_volume (self->document);
  if (self->clean)
    t->clean = pel_volume_ref_ref (self->clean);
  self->run_axis = t->axis;
  pel_live_run_reset (self->run);
  pel_restore_panel_reset_plots (self, t->settings.max_iterations * (int) (t->last - t->first + 1));
  pel_plot_set_labels (self->loss_plot, t->last > t->first ? _("iteration (the slices one after the other)")
                                                           : _("iteration"),
                       _("loss (MSE against the noisy slice)"));
  pel_plot_set_labels (self->psnr_plot, _("iteration"), _("PSNR (dB) against the kept original"));
  pel_restore_panel_set_status (self, "result", NULL, FALSE);
  pel_restore_panel_set_status (self, "es", NULL, FALSE);
  pel_restore_panel_set_status (self, "slice", NULL, FALSE);
  {
    g_autofree char *which = t->last > t->first
                               ? g_strdup_printf (_("%s slices %" G_GINT64_FORMAT "–%" G_GINT64_FORMAT ", one at a time"),
                                                  t->axis_title, t->first + 1, t->last + 1)
                               : g_strdup_printf (_("%s slice %" G_GINT64_FORMAT), t->axis_title, t->index + 1);
    g_autofree char *text = g_strdup_printf (self->clean ? _("%s; PSNR against the kept original (never used to stop)")
                                                         : _("%s; no reference: Degrade first for PSNR"),
                                             which);
    pel_restore_panel_set_status (self, "slice", text, FALSE);
  }
  gtk_label_set_text (self->output_label, _("Averaged output, live"));
  g_object_set_data_full (G_OBJECT (self->run), "task", t, (GDestroyNotify) dip_task_free);
  pel_live_run_start (self->run, dip_func, t, (GDestroyNotify) pel_restore_outcome_free,
                      on_dip_finished, g_object_ref (self));
  pel_restore_panel_set_busy (self);
}

static void
act_stop (GSimpleAction *action,
          GVariant      *param,
          gpointer       user_data)
{
  PelRestorePanel *self = user_data;

  pel_live_run_stop (self->run);
}

PEL_RESTORE_SPIN_ACTION (act_iterations, iterations_spin, int32)
PEL_RESTORE_SPIN_ACTION (act_patience, patience_spin, int32)
PEL_RESTORE_SPIN_ACTION (act_first, first_spin, int32)
PEL_RESTORE_SPIN_ACTION (act_last, last_spin, int32)

static void
act_early_stop (GSimpleAction *action,
                GVariant      *param,
                gpointer       user_data)
{
  PelRestorePanel *self = user_data;

  gtk_check_button_set_active (self->early_check, g_variant_get_boolean (param));
}

static void
act_range (GSimpleAction *action,
           GVariant      *param,
           gpointer       user_data)
{
  PelRestorePanel *self = user_data;

  gtk_check_button_set_active (self->range_check, g_variant_get_boolean (param));
}

static void
act_axis (GSimpleAction *action,
          GVariant      *param,
          gpointer       user_data)
{
  PelRestorePanel *self = user_data;
  const char *name = g_variant_get_string (param, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (axis_names); i++)
    if (g_str_equal (name, axis_names[i]))
      gtk_drop_down_set_selected (self->axis_dropdown, i);
}

static void
on_range_toggled (PelRestorePanel *self)
{
  gboolean on = gtk_check_button_get_active (self->range_check);

  gtk_widget_set_sensitive (GTK_WIDGET (self->first_spin), on);
  gtk_widget_set_sensitive (GTK_WIDGET (self->last_spin), on);
}

static const GActionEntry run_entries[] = {
  { "start", act_start, NULL, NULL, NULL, { 0 } },
  { "stop", act_stop, NULL, NULL, NULL, { 0 } },
  { "iterations", act_iterations, "i", NULL, NULL, { 0 } },
  { "patience", act_patience, "i", NULL, NULL, { 0 } },
  { "early-stop", act_early_stop, "b", NULL, NULL, { 0 } },
  { "axis", act_axis, "s", NULL, NULL, { 0 } },
  { "range", act_range, "b", NULL, NULL, { 0 } },
  { "first", act_first, "i", NULL, NULL, { 0 } },
  { "last", act_last, "i", NULL, NULL, { 0 } },
};

void
pel_restore_panel_init_run (PelRestorePanel *self)
{
  PlDipSettings dip;
  g_autoptr (GtkStringList) axes = gtk_string_list_new (NULL);

  self->run = pel_live_run_new (_("Deep image prior"));
  gtk_string_list_append (axes, _("Axial"));
  gtk_string_list_append (axes, _("Coronal"));
  gtk_string_list_append (axes, _("Sagittal"));
  gtk_drop_down_set_model (self->axis_dropdown, G_LIST_MODEL (axes));
  g_signal_connect_swapped (self->range_check, "toggled", G_CALLBACK (on_range_toggled), self);
  on_range_toggled (self);
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), run_entries,
                                   G_N_ELEMENTS (run_entries), self);
  pl_dip_settings_init (&dip);
  gtk_spin_button_set_value (self->iterations_spin, dip.max_iterations);
  gtk_spin_button_set_value (self->patience_spin, dip.es_patience);
  gtk_check_button_set_active (self->early_check, dip.early_stop);
  pel_plot_set_labels (self->loss_plot, _("iteration"), _("loss (MSE against the noisy slice)"));
  pel_plot_set_placeholder (self->loss_plot, _("The loss is drawn here as the network fits"));
  pel_plot_set_labels (self->psnr_plot, _("iteration"), _("PSNR (dB) against the kept original"));
  pel_plot_set_placeholder (self->psnr_plot, _("PSNR needs a reference: Degrade the volume first"));
  pel_restore_panel_reset_plots (self, 0);
  gtk_box_append (self->run_row_box, pel_run_row_new (self->run, _("%.1f iterations/s"), "restore.stop"));
  g_signal_connect_swapped (self->run, "series-points", G_CALLBACK (on_series_points), self);
  g_signal_connect_swapped (self->run, "preview", G_CALLBACK (on_preview), self);
  g_signal_connect_swapped (self->run, "status", G_CALLBACK (on_status), self);
}
