/* pel-restore-panel-ct.c: the Restore panel's CT — the slice on screen
 * scanned by the parallel-beam Radon operator and reconstructed from its
 * noisy sinogram by filtered back projection (ramp and Hann filters) and
 * by the deep image prior with total variation as a live run
 * (engine/restore/ct.h; pel-restore-panel.h).
 *
 * The simulation is pellucid-cli reconstruct's: the slice over its maximum,
 * zero-padded into the centred n × n square, n = ⌈√2 · max (H, W)⌉, `angles`
 * projections over 180° with n detectors, Gaussian noise of σ = noise × the
 * sinogram's maximum from the seed; every reconstruction clipped to [0, 1]
 * and compared with the slice over its H × W pixels (range 1). */
#define G_LOG_DOMAIN "pel-restore-panel"

#include "src/pel-restore-panel-private.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "engine/data/dataset.h"
#include "engine/data/metrics.h"
#include "engine/restore/ct.h"

/* How often the reconstruction is sent to the panel (iterations). */
#define PREVIEW_EVERY 10

typedef struct
{
  PelVolumeRef    *source;     /* the kept original, or the open volume */
  int              axis;
  const char      *axis_name;  /* static */
  gint64           index;
  int              angles;
  double           noise;
  guint64          seed;
  PlCtDipSettings  settings;
  /* worker */
  PelLive         *live;
  int              h, w, n, oy, ox;
  PlCtGeometry     geo;        /* of which dh × dw at doy, dox: DIP + TV's grid */
  float            mx;         /* the slice's maximum (volume units) */
  float           *slice;      /* h × w over mx: the truth, for figures only */
  float           *crop;       /* h × w scratch */
  int              iterations; /* of DIP + TV so far */
} CtTask;

static void
ct_task_free (CtTask *t)
{
  g_clear_pointer (&t->source, pel_volume_ref_unref);
  g_free (t->slice);
  g_free (t->crop);
  g_free (t);
}

static const char *const ct_titles[4] = {
  N_("sinogram"), N_("FBP, ramp"), N_("FBP, Hann"), N_("DIP + TV"),
};

/* ---- worker --------------------------------------------------------------- */

/* The slice's part of a reconstruction (rh × rw, the slice at sy, sx in
 * it), clipped to [0, 1], into t->crop; its PSNR against the slice. */
static double
crop_psnr_of (CtTask      *t,
              const float *rec,
              int          rh,
              int          rw,
              int          sy,
              int          sx)
{
  gsize hw = (gsize) t->h * t->w;

  pl_window_extract_f32 (rec, rh, rw, sy, sx, t->h, t->w, 0.0f, t->crop);
  for (gsize i = 0; i < hw; i++)
    t->crop[i] = CLAMP (t->crop[i], 0.0f, 1.0f);
  return pl_psnr (t->crop, t->slice, hw, 1.0);
}

/* of a back projection on the n × n square */
static double
crop_psnr (CtTask      *t,
           const float *rec)
{
  return crop_psnr_of (t, rec, t->n, t->n, t->oy, t->ox);
}

/* of an image on DIP + TV's grid */
static double
dip_psnr (CtTask      *t,
          const float *rec)
{
  return crop_psnr_of (t, rec, t->geo.dh, t->geo.dw, t->oy - t->geo.doy, t->ox - t->geo.dox);
}

/* t->crop in volume units, for a picture. */
static float *
crop_copy (CtTask *t)
{
  gsize hw = (gsize) t->h * t->w;
  float *copy = g_new (float, hw);

  for (gsize i = 0; i < hw; i++)
    copy[i] = t->crop[i] * t->mx;
  return copy;
}

static void
on_ct_step (const PlDipStep *s,
            gpointer         user_data)
{
  CtTask *t = user_data;
  PelLive *live = t->live;

  t->iterations = s->iteration;
  pel_live_progress (live, s->iteration, s->max_iterations);
  /* the warm start's loss is against FBP Hann, not the sinogram: not plotted */
  if (s->iteration > pl_ct_dip_warm_iterations (&t->settings))
    pel_live_append (live, "loss", s->iteration, s->loss);
  pel_live_append (live, "psnr", s->iteration, dip_psnr (t, s->output));
  pel_live_append (live, "psnr-average", s->iteration, dip_psnr (t, s->average));
  if (s->iteration % PREVIEW_EVERY == 0 || s->iteration == 1 || s->state != PL_DIP_RUNNING)
    pel_live_publish_floats (live, "average", t->index, crop_copy (t), t->h, t->w);
  if (s->iteration % PREVIEW_EVERY == 0 || s->backtracked)
    {
      g_autofree char *es = NULL;

      if (s->iteration <= pl_ct_dip_warm_iterations (&t->settings))
        es = g_strdup_printf (_("DIP + TV, warm start: fitting the network to FBP Hann, iteration %d of %d; "
                                "then to the sinogram"),
                              s->iteration, pl_ct_dip_warm_iterations (&t->settings));
      else if (s->min_variance_iteration > 0)
        es = g_strdup_printf (_("DIP + TV, ES-WMV: window variance %.3g, minimum %.3g at iteration %d, "
                                "%d iterations since; %d backtracks"),
                              s->variance, s->min_variance, s->min_variance_iteration, s->since_min,
                              s->n_backtracks);
      else
        es = g_strdup_printf (_("DIP + TV, ES-WMV: filling the window of %d outputs; %d backtracks"),
                              t->settings.dip.es_window, s->n_backtracks);
      pel_live_status (live, "es", es);
    }
}

static void
add_row (GArray     *rows,
         char       *name,
         const float *x,
         const float *ref,
         int         h,
         int         w)
{
  PelRestoreRow row;

  row.name = name;
  pl_compare (x, ref, 1, h, w, 1.0, &row.c);
  g_array_append_val (rows, row);
}

/* A reconstruction (h × w over the slice's maximum) as a result the panel
 * keeps, saves and compares. */
static PlDipResult *
crop_result (CtTask      *t,
             const float *out)
{
  gsize hw = (gsize) t->h * t->w;
  PlDipResult *r = g_new0 (PlDipResult, 1);

  r->h = t->h;
  r->w = t->w;
  r->output = g_memdup2 (out, hw * sizeof (float));
  r->output_raw = g_memdup2 (out, hw * sizeof (float));
  r->last_average = g_memdup2 (out, hw * sizeof (float));
  r->stop = PL_DIP_STOP_CANCELLED;
  r->min_variance = r->best_psnr = r->best_psnr_average = NAN;
  r->psnr = pl_psnr (out, t->slice, hw, 1.0);
  r->ssim = t->h >= 11 && t->w >= 11 ? pl_ssim_value (out, t->slice, 1, t->h, t->w, 1.0f) : NAN;
  r->psnr_noisy = NAN;
  return r;
}

static gpointer
ct_func (gpointer  data,
         PelLive  *live,
         GError  **error)
{
  CtTask *t = data;
  const PlVolume *v = pel_volume_ref_get (t->source);
  gsize hw;
  g_autofree float *img = NULL, *y = NULL, *rec = NULL, *hann = NULL;
  g_autoptr (PlDipResult) r = NULL;
  g_autoptr (GError) dip_error = NULL;
  PelRestoreOutcome *o;
  const char *vname = v->path ? v->path : _("the volume");

  t->live = live;
  t->iterations = 0;
  g_clear_pointer (&t->slice, g_free);
  g_clear_pointer (&t->crop, g_free);
  pel_live_status (live, "es", NULL);
  pl_slice_dims (v->dim, t->axis, &t->h, &t->w);
  hw = (gsize) t->h * t->w;
  if (!pl_ct_geometry (t->h, t->w, &t->geo))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID, _("%s: %s slices of %d × %d are too large for CT"),
                   vname, t->axis_name, t->h, t->w);
      return NULL;
    }
  t->slice = g_new (float, hw);
  t->crop = g_new (float, hw);
  pl_volume_get_slice (v, t->axis, t->index, t->slice);
  t->mx = 0.0f;
  for (gsize i = 0; i < hw; i++)
    t->mx = MAX (t->mx, t->slice[i]);
  if (!(t->mx > 0.0f) || !isfinite (t->mx))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   _("%s: %s slice %" G_GINT64_FORMAT " has no positive intensity to scan"),
                   vname, t->axis_name, t->index + 1);
      return NULL;
    }
  for (gsize i = 0; i < hw; i++)
    t->slice[i] /= t->mx;

  /* the scan */
  pel_live_message (live, _("Scanning the slice and filtering back"));
  t->n = t->geo.n;
  t->oy = t->geo.oy;
  t->ox = t->geo.ox;
  img = g_new0 (float, (gsize) t->n * t->n);
  pl_window_extract_f32 (t->slice, t->h, t->w, -t->oy, -t->ox, t->n, t->n, 0.0f, img);
  y = g_new (float, (gsize) t->angles * t->n);
  pl_ct_measure (img, t->n, t->n, t->angles, t->n, t->noise, t->seed, y);
  pel_live_publish_floats (live, "sinogram", -1, g_memdup2 (y, (gsize) t->angles * t->n * sizeof (float)),
                           t->angles, t->n);

  /* filtered back projection, both filters */
  o = g_new0 (PelRestoreOutcome, 1);
  o->rows = g_array_new (FALSE, FALSE, sizeof (PelRestoreRow));
  rec = g_new (float, (gsize) t->n * t->n);
  for (int f = PL_CT_FILTER_RAMP; f <= PL_CT_FILTER_HANN; f++)
    {
      double psnr;

      pl_ct_fbp (y, t->angles, t->n, (PlCtFilter) f, t->n, t->n, rec);
      psnr = crop_psnr (t, rec);
      add_row (o->rows, g_strdup_printf (f == PL_CT_FILTER_RAMP ? _("FBP ramp, %d angles") : _("FBP Hann, %d angles"),
                                         t->angles),
               t->crop, t->slice, t->h, t->w);
      pel_live_publish_floats (live, f == PL_CT_FILTER_RAMP ? "fbp-ramp" : "fbp-hann", t->index, crop_copy (t),
                               t->h, t->w);
      pel_live_append (live, f == PL_CT_FILTER_RAMP ? "psnr-fbp-ramp" : "psnr-fbp-hann", 0.0, psnr);
      pel_live_append (live, f == PL_CT_FILTER_RAMP ? "psnr-fbp-ramp" : "psnr-fbp-hann",
                       t->settings.dip.max_iterations, psnr);
    }
  hann = g_memdup2 (t->crop, hw * sizeof (float));

  /* deep image prior + TV, live; the clean slice only for the figures */
  pel_live_message (live, _("Fitting the deep image prior to the sinogram"));
  r = pl_ct_dip_tv (y, t->angles, t->n, t->geo.dh, t->geo.dw, NULL, &t->settings, on_ct_step, t,
                    pel_live_get_progress (live), &dip_error);
  o->axis = t->axis;
  o->axis_name = t->axis_name;
  o->index = t->index;
  o->scale = t->mx;
  o->n_slices = 1;
  o->no_before = TRUE;
  o->input_title = _("FBP, Hann");
  o->reference = g_memdup2 (t->slice, hw * sizeof (float));
  o->noisy = g_memdup2 (hann, hw * sizeof (float));
  pl_compare (hann, t->slice, 1, t->h, t->w, 1.0, &o->before);
  if (r == NULL)
    {
      PelRestoreRow *last;

      if (!g_error_matches (dip_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          pel_restore_outcome_free (o);
          g_propagate_error (error, g_steal_pointer (&dip_error));
          return NULL;
        }
      /* stopped: the back projections stand, the one with Hann's filter as
       * the result */
      last = &g_array_index (o->rows, PelRestoreRow, o->rows->len - 1);
      o->name = g_steal_pointer (&last->name);
      o->after = last->c;
      g_array_set_size (o->rows, o->rows->len - 1);
      o->result = crop_result (t, hann);
      o->result->iterations = t->iterations;
      return o;
    }
  {
    double psnr = dip_psnr (t, r->output);
    PlDipResult *kept = crop_result (t, t->crop);

    kept->iterations = r->iterations;
    kept->chosen_iteration = r->chosen_iteration;
    kept->stop = r->stop;
    kept->min_variance = r->min_variance;
    kept->n_backtracks = r->n_backtracks;
    kept->final_loss = r->final_loss;
    kept->seconds = r->seconds;
    kept->ms_per_iteration = r->ms_per_iteration;
    kept->psnr = psnr;
    kept->psnr_noisy = o->before.psnr;
    dip_psnr (t, r->output_raw);
    memcpy (kept->output_raw, t->crop, hw * sizeof (float));
    dip_psnr (t, r->last_average);
    memcpy (kept->last_average, t->crop, hw * sizeof (float));
    o->result = kept;
    pl_compare (kept->output, t->slice, 1, t->h, t->w, 1.0, &o->after);
    o->name = g_strdup_printf (_("DIP + TV, %d angles"), t->angles);
  }
  return o;
}

/* ---- pictures ------------------------------------------------------------- */

/* The sinogram under its own range, a row per angle. */
static GdkTexture *
sinogram_texture (const float *y,
                  int          rows,
                  int          cols)
{
  float lo = INFINITY, hi = -INFINITY;
  gsize n = (gsize) rows * cols, stride = (gsize) cols * 3;
  guint8 *rgb = g_malloc (n * 3);
  g_autoptr (GBytes) bytes = NULL;

  for (gsize i = 0; i < n; i++)
    {
      lo = MIN (lo, y[i]);
      hi = MAX (hi, y[i]);
    }
  for (gsize i = 0; i < n; i++)
    {
      double g = hi > lo ? (y[i] - lo) / (hi - lo) : 0.0;
      rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = (guint8) CLAMP (g * 255.0 + 0.5, 0.0, 255.0);
    }
  bytes = g_bytes_new_take (rgb, n * 3);
  return gdk_memory_texture_new (cols, rows, GDK_MEMORY_R8G8B8, bytes, stride);
}

static void
show_ct_picture (PelRestorePanel *self,
                 int              k)
{
  g_autoptr (GdkTexture) tex = NULL;

  if (self->ct_pics[k] == NULL)
    return;
  if (self->ct_shown[k] == NULL)
    {
      gtk_picture_set_paintable (self->ct_pics[k], NULL);
      return;
    }
  if (k == 0)
    tex = sinogram_texture (self->ct_shown[0], self->ct_angles, self->ct_det);
  else
    {
      double window, level;

      pel_document_get_window_level (self->document, &window, &level);
      tex = pel_restore_panel_texture (self, self->ct_shown[k], self->ct_axis, self->ct_h, self->ct_w,
                                       level - window / 2.0, window, FALSE);
    }
  gtk_picture_set_paintable (self->ct_pics[k], tex ? GDK_PAINTABLE (tex) : NULL);
}

void
pel_restore_panel_refresh_ct (PelRestorePanel *self)
{
  for (int k = 1; k < 4; k++)
    show_ct_picture (self, k);
}

static void
set_caption (PelRestorePanel *self,
             int              k,
             const char      *text)
{
  GtkWidget *pic = GTK_WIDGET (self->ct_pics[k]);
  GtkWidget *label = gtk_widget_get_next_sibling (pic);

  gtk_label_set_text (GTK_LABEL (label), text ? text : _(ct_titles[k]));
}

static void
forget_ct (PelRestorePanel *self)
{
  for (int k = 0; k < 4; k++)
    {
      g_clear_pointer (&self->ct_shown[k], g_free);
      show_ct_picture (self, k);
      set_caption (self, k, NULL);
    }
}

static void
on_ct_preview (PelRestorePanel      *self,
               const PelLivePayload *p)
{
  static const char *const names[4] = { "sinogram", "fbp-ramp", "fbp-hann", "average" };
  gsize n = (gsize) p->shape[1] * p->shape[2];
  int k;

  if (!self->run_ct || p->kind != PEL_LIVE_FLOATS)
    return;
  for (k = 0; k < 4 && !g_str_equal (p->name, names[k]); k++)
    ;
  if (k == 4)
    return;
  g_free (self->ct_shown[k]);
  self->ct_shown[k] = g_memdup2 (p->data, n * sizeof (float));
  if (k == 0)
    {
      g_autofree char *text = g_strdup_printf (_("sinogram: %d angles × %d detectors"), (int) p->shape[1],
                                               (int) p->shape[2]);
      self->ct_angles = (int) p->shape[1];
      self->ct_det = (int) p->shape[2];
      set_caption (self, 0, text);
    }
  else
    {
      self->ct_h = (int) p->shape[1];
      self->ct_w = (int) p->shape[2];
    }
  if (k == 3)
    set_caption (self, 3, _("DIP + TV, live"));
  gtk_widget_set_visible (GTK_WIDGET (self->ct_view), TRUE);
  show_ct_picture (self, k);
}

/* The back projections' PSNR as flat lines on the PSNR plot. */
static void
on_ct_points (PelRestorePanel    *self,
              const char         *name,
              const PelLivePoint *points,
              guint               n)
{
  static const GdkRGBA colours[2] = { { 0.75, 0.20, 0.20, 1.0 }, { 0.20, 0.55, 0.30, 1.0 } };
  int k = g_str_equal (name, "psnr-fbp-ramp") ? 0 : g_str_equal (name, "psnr-fbp-hann") ? 1 : -1;

  if (k < 0 || n == 0 || !self->run_ct)
    return;
  if (self->fbp_series[k] == 0)
    self->fbp_series[k] = pel_plot_add_series (self->psnr_plot, k == 0 ? _("FBP ramp") : _("FBP Hann"),
                                               &colours[k], 1.0);
  for (guint i = 0; i < n; i++)
    pel_plot_append (self->psnr_plot, self->fbp_series[k], points[i].x, points[i].y);
  {
    g_autofree char *text = g_strdup_printf (k == 0 ? _("FBP, ramp: %.2f dB") : _("FBP, Hann: %.2f dB"),
                                             points[0].y);
    set_caption (self, k + 1, text);
  }
}

/* ---- the run -------------------------------------------------------------- */

static void
on_ct_finished (GObject      *source,
                GAsyncResult *res,
                gpointer      user_data)
{
  PelRestorePanel *self = user_data;
  g_autoptr (GError) error = NULL;
  PelRestoreOutcome *o = pel_live_run_finish (PEL_LIVE_RUN (source), res, &error);
  g_autofree char *text = NULL, *caption = NULL;
  const PlDipResult *r;
  gboolean stopped;

  if (self->document == NULL)   /* the panel went away meanwhile */
    {
      g_clear_pointer (&o, pel_restore_outcome_free);
      g_object_unref (self);
      return;
    }
  if (o == NULL)
    {
      if (error)
        pel_restore_panel_set_status (self, "result", error->message, TRUE);
      pel_restore_panel_set_busy (self);
      g_object_unref (self);
      return;
    }
  stopped = o->result->stop == PL_DIP_STOP_CANCELLED;
  pel_restore_panel_take_outcome (self, o);
  r = self->result;
  self->result_ct = TRUE;
  self->ct_final[1] = self->ct_final[2] = TRUE;
  self->ct_final[3] = !stopped;
  self->syncing = TRUE;
  gtk_drop_down_set_selected (self->ct_result_dropdown, stopped ? 1 : 2);
  self->syncing = FALSE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->ct_result_dropdown), TRUE);
  if (stopped)
    text = g_strdup_printf (_("DIP + TV stopped by you after %d iterations; the back projections are in the "
                              "table (FBP ramp %.2f dB, Hann %.2f dB against the slice), and Keep puts the "
                              "Hann one in"),
                            r->iterations, g_array_index (self->rows, PelRestoreRow, self->rows->len - 2).c.psnr,
                            r->psnr);
  else
    {
      const char *why = r->stop == PL_DIP_STOP_EARLY ? _("ES-WMV stopped it")
                                                     : _("the iteration budget ran out");

      text = g_strdup_printf (_("DIP + TV: %d iterations (%s); ES-WMV chose the averaged output of iteration %d "
                                "(no clean image used): PSNR %.2f dB, SSIM %.3f against the slice (FBP Hann "
                                "%.2f dB); %.0f ms per iteration. Keep puts it in the slice, Save writes the "
                                "volume"),
                              r->iterations, why, r->chosen_iteration, r->psnr, r->ssim, r->psnr_noisy,
                              r->ms_per_iteration);
      caption = g_strdup_printf (_("DIP + TV, iteration %d: %.2f dB"), r->chosen_iteration, r->psnr);
      g_free (self->ct_shown[3]);
      self->ct_shown[3] = g_new (float, (gsize) r->h * r->w);
      for (gsize i = 0; i < (gsize) r->h * r->w; i++)
        self->ct_shown[3][i] = r->output[i] * self->result_scale;
      self->ct_h = r->h;
      self->ct_w = r->w;
      show_ct_picture (self, 3);
      set_caption (self, 3, caption);
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
    }
  pel_restore_outcome_free (o);
  pel_restore_panel_set_status (self, "result", text, FALSE);
  {
    gsize n = (gsize) r->h * r->w;
    g_autofree float *shown = g_new (float, n);

    for (gsize i = 0; i < n; i++)
      shown[i] = r->output[i] * self->result_scale;
    pel_restore_panel_show_floats (self, shown, self->result_axis, r->h, r->w);
  }
  gtk_label_set_text (self->output_label, stopped ? _("FBP (Hann filter)") : _("DIP + TV: the chosen iterate"));
  pel_restore_panel_set_busy (self);
  g_object_unref (self);
}

gboolean
pel_restore_panel_start_ct (PelRestorePanel *self)
{
  const PlVolume *v = pel_document_get_volume (self->document);
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  const char *axis_title;
  gint64 cursor[3];
  CtTask *t;

  if (v == NULL || pel_live_run_get_running (self->run))
    return FALSE;
  t = g_new0 (CtTask, 1);
  pl_ct_dip_settings_init (&t->settings);
  t->settings.dip.max_iterations = gtk_spin_button_get_value_as_int (self->iterations_spin);
  t->settings.dip.early_stop = gtk_check_button_get_active (self->early_check);
  t->settings.dip.es_patience = gtk_spin_button_get_value_as_int (self->patience_spin);
  t->settings.gamma = gtk_spin_button_get_value (self->gamma_spin);
  t->settings.dip.warm_iterations = pl_ct_dip_warm_iterations (&t->settings);
  t->angles = gtk_spin_button_get_value_as_int (self->angles_spin);
  t->noise = gtk_spin_button_get_value (self->ct_noise_spin) / 100.0;
  /* the seed of the measurement noise; the network's stays pellucid-cli
   * reconstruct's */
  t->seed = (guint64) gtk_spin_button_get_value_as_int (self->seed_spin);
  if (!pl_dip_settings_check (&t->settings.dip, &error))
    {
      pel_restore_panel_set_status (self, "result", error->message, TRUE);
      ct_task_free (t);
      return FALSE;
    }
  t->axis = pel_restore_panel_get_axis (self, &t->axis_name, &axis_title);
  pel_document_get_cursor (self->document, cursor);
  t->index = cursor[t->axis];
  /* the truth is the clean slice: the kept original when Degrade made one */
  t->source = self->clean ? pel_volume_ref_ref (self->clean) : pel_document_ref_volume (self->document);
  self->run_axis = self->ct_axis = t->axis;
  pel_live_run_reset (self->run);
  pel_restore_panel_reset_plots (self, t->settings.dip.max_iterations);
  pel_plot_set_labels (self->loss_plot, _("iteration"), _("loss (sinogram misfit + γ·TV)"));
  pel_plot_set_labels (self->psnr_plot, _("iteration"), _("PSNR (dB) against the slice"));
  pel_restore_panel_set_status (self, "result", NULL, FALSE);
  pel_restore_panel_set_status (self, "es", NULL, FALSE);
  text = g_strdup_printf (_("CT of %s slice %" G_GINT64_FORMAT "%s: %d angles over 180°, noise σ %.2f %% of the "
                            "sinogram's maximum, seed %" G_GUINT64_FORMAT "; PSNR against the slice (never used "
                            "to fit or stop)"),
                          t->axis_name, t->index + 1, self->clean ? _(" of the kept original") : "", t->angles,
                          t->noise * 100.0, t->seed);
  pel_restore_panel_set_status (self, "slice", text, FALSE);
  gtk_label_set_text (self->output_label, _("DIP + TV reconstruction, live"));
  forget_ct (self);
  for (int k = 0; k < 4; k++)
    self->ct_final[k] = FALSE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->ct_result_dropdown), FALSE);
  self->run_ct = TRUE;
  self->fbp_series[0] = self->fbp_series[1] = 0;
  g_object_set_data_full (G_OBJECT (self->run), "task", t, (GDestroyNotify) ct_task_free);
  pel_live_run_start (self->run, ct_func, t, (GDestroyNotify) pel_restore_outcome_free,
                      on_ct_finished, g_object_ref (self));
  pel_restore_panel_set_busy (self);
  return TRUE;
}

/* ---- actions -------------------------------------------------------------- */

PEL_RESTORE_SPIN_ACTION (act_angles, angles_spin, int32)

/* A fraction of the sinogram's maximum, as pellucid-cli reconstruct --noise. */
static void
act_ct_noise (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  PelRestorePanel *self = user_data;

  gtk_spin_button_set_value (self->ct_noise_spin, g_variant_get_double (param) * 100.0);
}

PEL_RESTORE_SPIN_ACTION (act_gamma, gamma_spin, double)

/* The CT reconstruction k (1 ramp, 2 Hann, 3 DIP + TV) becomes the result
 * Keep, Save and the comparison use; FALSE when there is none. */
static gboolean
use_ct_result (PelRestorePanel *self,
               int              k)
{
  static const char *const names[4] = { NULL, N_("FBP ramp"), N_("FBP Hann"), N_("DIP + TV") };
  PlDipResult *r = self->result;
  gsize n;
  g_autofree char *text = NULL;

  if (!self->result_ct || r == NULL || !self->ct_final[k] || self->ct_shown[k] == NULL
      || self->ct_h != r->h || self->ct_w != r->w || self->shown[2] == NULL)
    {
      pel_restore_panel_set_status (self, "keep", _("That CT reconstruction is not there: run CT (to its end "
                                                    "for DIP + TV) first"), TRUE);
      return FALSE;
    }
  n = (gsize) r->h * r->w;
  for (gsize i = 0; i < n; i++)
    {
      r->output[i] = r->output_raw[i] = r->last_average[i] = self->ct_shown[k][i] / self->result_scale;
      self->shown[1][i] = self->ct_shown[k][i];
      self->shown[3][i] = fabsf (self->shown[1][i] - self->shown[2][i]);
    }
  pel_restore_panel_refresh_compare (self);
  pel_restore_panel_show_floats (self, self->ct_shown[k], self->result_axis, r->h, r->w);
  gtk_label_set_text (self->output_label, _(names[k]));
  text = g_strdup_printf (_("Keep, Save and the comparison's pictures use %s"), _(names[k]));
  pel_restore_panel_set_status (self, "keep", text, FALSE);
  return TRUE;
}

static void
on_ct_result_selected (PelRestorePanel *self)
{
  if (!self->syncing && self->result_ct)
    use_ct_result (self, (int) gtk_drop_down_get_selected (self->ct_result_dropdown) + 1);
}

static void
act_ct_result (GSimpleAction *action,
               GVariant      *param,
               gpointer       user_data)
{
  PelRestorePanel *self = user_data;
  const char *name = g_variant_get_string (param, NULL);
  int k = g_str_equal (name, "ramp") ? 1 : g_str_equal (name, "hann") ? 2 : g_str_equal (name, "dip-tv") ? 3 : 0;

  if (k == 0 || !use_ct_result (self, k))
    return;
  self->syncing = TRUE;
  gtk_drop_down_set_selected (self->ct_result_dropdown, (guint) k - 1);
  self->syncing = FALSE;
}

static const GActionEntry ct_entries[] = {
  { "ct-result", act_ct_result, "s", NULL, NULL, { 0 } },
  { "angles", act_angles, "i", NULL, NULL, { 0 } },
  { "ct-noise", act_ct_noise, "d", NULL, NULL, { 0 } },
  { "gamma", act_gamma, "d", NULL, NULL, { 0 } },
};

void
pel_restore_panel_init_ct (PelRestorePanel *self)
{
  GtkWidget *heading = gtk_label_new (_("CT: the sinogram and its reconstructions"));
  GtkWidget *grid = gtk_grid_new ();
  PlCtDipSettings s;

  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), ct_entries, G_N_ELEMENTS (ct_entries), self);
  pl_ct_dip_settings_init (&s);
  gtk_spin_button_set_value (self->gamma_spin, s.gamma);
  gtk_label_set_xalign (GTK_LABEL (heading), 0.0f);
  gtk_widget_add_css_class (heading, "heading");
  gtk_box_append (self->ct_view, heading);
  gtk_grid_set_column_homogeneous (GTK_GRID (grid), TRUE);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 4);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 4);
  for (int k = 0; k < 4; k++)
    {
      GtkWidget *col = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
      GtkWidget *pic = gtk_picture_new ();
      GtkWidget *label = gtk_label_new (_(ct_titles[k]));

      gtk_picture_set_can_shrink (GTK_PICTURE (pic), TRUE);
      /* the sinogram (few angles, many detectors) is stretched to the cell */
      gtk_picture_set_content_fit (GTK_PICTURE (pic), k == 0 ? GTK_CONTENT_FIT_FILL : GTK_CONTENT_FIT_CONTAIN);
      gtk_widget_set_size_request (pic, -1, 140);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_widget_add_css_class (label, "caption");
      gtk_box_append (GTK_BOX (col), pic);
      gtk_box_append (GTK_BOX (col), label);
      gtk_grid_attach (GTK_GRID (grid), col, k % 2, k / 2, 1, 1);
      self->ct_pics[k] = GTK_PICTURE (pic);
    }
  gtk_box_append (self->ct_view, grid);
  {
    GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
    GtkWidget *label = gtk_label_new (_("Keep and Save use"));
    const char *const choices[] = { _("FBP ramp"), _("FBP Hann"), _("DIP + TV"), NULL };

    self->ct_result_dropdown = GTK_DROP_DOWN (gtk_drop_down_new_from_strings (choices));
    gtk_widget_set_hexpand (GTK_WIDGET (self->ct_result_dropdown), TRUE);
    gtk_widget_set_sensitive (GTK_WIDGET (self->ct_result_dropdown), FALSE);
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->ct_result_dropdown),
                                 _("Which reconstruction is the result: Keep puts it into the slice, Save writes "
                                   "the volume with it, the comparison pictures it"));
    gtk_box_append (GTK_BOX (row), label);
    gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->ct_result_dropdown));
    gtk_box_append (self->ct_view, row);
    g_signal_connect_swapped (self->ct_result_dropdown, "notify::selected", G_CALLBACK (on_ct_result_selected),
                              self);
  }
  g_signal_connect_swapped (self->run, "preview", G_CALLBACK (on_ct_preview), self);
  g_signal_connect_swapped (self->run, "series-points", G_CALLBACK (on_ct_points), self);
}
