/* pel-restore-panel.c: the Restore side panel (see pel-restore-panel.h). */
#define G_LOG_DOMAIN "pel-restore-panel"

#include "src/pel-restore-panel.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "engine/data/dataset.h"
#include "engine/data/paint.h"
#include "engine/restore/compare.h"
#include "engine/restore/degrade.h"
#include "src/pel-action-script.h"
#include "src/pel-panel-kit.h"
#include "src/pel-plot.h"

/* Noise kinds offered (downsampling is left to pellucid-cli degrade). */
static const PlDegradeKind kinds[] = { PL_DEGRADE_GAUSSIAN, PL_DEGRADE_RICIAN, PL_DEGRADE_POISSON };

/* How often the averaged output is sent to the panel (iterations). */
#define PREVIEW_EVERY 10

struct _PelRestorePanel
{
  GtkWidget          parent_instance;

  PelDocument       *document;
  PelTools          *tools;
  GSimpleActionGroup *actions;
  PelLiveRun        *run;        /* the deep image prior */
  PelLiveRun        *io_run;     /* degrade, revert, keep, save */
  PelVolumeRef      *clean;      /* the original kept by Degrade, or NULL */
  PlDipResult       *result;     /* the last finished fit */
  int                result_axis;
  int                run_axis;     /* of the fit running */
  gint64             result_index;
  float              result_scale;
  gboolean           syncing;
  gboolean           has_compare;
  PlCompare          compare[2];  /* noisy, restored */

  guint              loss_series, psnr_series, psnr_avg_series;

  /* template */
  GtkScrolledWindow *scroller;
  GtkDropDown       *kind_dropdown;
  GtkSpinButton     *level_spin;
  GtkSpinButton     *seed_spin;
  GtkLabel          *degrade_label;
  GtkLabel          *dip_heading;
  GtkSpinButton     *iterations_spin;
  GtkCheckButton    *early_check;
  GtkSpinButton     *patience_spin;
  GtkBox            *run_row_box;
  GtkBox            *status_box;
  GtkLabel          *output_label;
  GtkPicture        *output_picture;
  PelPlot           *loss_plot;
  PelPlot           *psnr_plot;
  GtkBox            *compare_box;
};

G_DEFINE_FINAL_TYPE (PelRestorePanel, pel_restore_panel, GTK_TYPE_WIDGET)

/* ---- volume operations (worker) ------------------------------------------- */

typedef enum
{
  IO_DEGRADE,
  IO_REVERT,
  IO_KEEP,
  IO_SAVE,
} IoKind;

typedef struct
{
  IoKind            kind;
  PelVolumeRef     *source;    /* the document's volume */
  PelVolumeRef     *clean;     /* revert: the original */
  PlDegradeSettings degrade;
  float            *slice;     /* keep/save: h × w in volume units */
  int               axis;
  gint64            index;
  char             *path;      /* save */
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
    case IO_KEEP:
    case IO_SAVE:
      v = pl_volume_copy (pel_volume_ref_get (t->source));
      put_slice (v, t->axis, t->index, t->slice);
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

/* ---- deep image prior (worker) -------------------------------------------- */

typedef struct
{
  PelVolumeRef  *noisy;
  PelVolumeRef  *clean;        /* NULL: no reference */
  int            axis;
  gint64         index;
  PlDipSettings  settings;
  PelLive       *live;
  float          scale;
} DipTask;

typedef struct
{
  PlDipResult *result;
  int          axis;
  gint64       index;
  float        scale;
  float       *noisy;          /* h × w, intensities / scale */
  float       *reference;      /* h × w, intensities / scale; NULL without one */
  PlCompare    before, after;  /* noisy and restored against the reference */
} DipOutcome;

static void
dip_task_free (DipTask *t)
{
  g_clear_pointer (&t->noisy, pel_volume_ref_unref);
  g_clear_pointer (&t->clean, pel_volume_ref_unref);
  g_free (t);
}

static void
dip_outcome_free (DipOutcome *o)
{
  g_clear_pointer (&o->result, pl_dip_result_free);
  g_free (o->noisy);
  g_free (o->reference);
  g_free (o);
}

static void
on_dip_step (const PlDipStep *s,
             gpointer         user_data)
{
  DipTask *t = user_data;
  PelLive *live = t->live;

  pel_live_progress (live, s->iteration, s->max_iterations);
  pel_live_append (live, "loss", s->iteration, s->loss);
  if (isfinite (s->psnr))
    pel_live_append (live, "psnr", s->iteration, s->psnr);
  if (isfinite (s->psnr_average))
    pel_live_append (live, "psnr-average", s->iteration, s->psnr_average);
  if (s->iteration % PREVIEW_EVERY == 0 || s->iteration == 1 || s->state != PL_DIP_RUNNING)
    {
      gsize n = (gsize) s->h * s->w;
      float *copy = g_new (float, n);

      for (gsize i = 0; i < n; i++)
        copy[i] = s->average[i] * t->scale;
      pel_live_publish_floats (live, "average", t->index, copy, s->h, s->w);
    }
  if (s->iteration % PREVIEW_EVERY == 0 || s->backtracked)
    {
      g_autofree char *es = NULL;

      if (s->min_variance_iteration > 0)
        es = g_strdup_printf (_("ES-WMV: window variance %.3g, minimum %.3g at iteration %d, "
                                "%d iterations since; %d backtracks"),
                              s->variance, s->min_variance, s->min_variance_iteration,
                              s->since_min, s->n_backtracks);
      else
        es = g_strdup_printf (_("ES-WMV: filling the window of %d outputs; %d backtracks"),
                              t->settings.es_window, s->n_backtracks);
      pel_live_status (live, "es", es);
    }
}

static gpointer
dip_func (gpointer  data,
          PelLive  *live,
          GError  **error)
{
  DipTask *t = data;
  const PlVolume *noisy = pel_volume_ref_get (t->noisy);
  const PlVolume *clean = t->clean ? pel_volume_ref_get (t->clean) : NULL;
  int h, w;
  g_autofree float *in = NULL, *ref = NULL;
  gsize n;
  DipOutcome *o;
  PlDipResult *r;

  pl_slice_dims (noisy->dim, t->axis, &h, &w);
  n = (gsize) h * w;
  in = g_new (float, n);
  pl_volume_get_slice (noisy, t->axis, t->index, in);
  /* the network sees [0, 1]: intensities over the volume's maximum, as
   * pellucid-cli denoise */
  t->scale = noisy->max > 0.0f ? noisy->max : 1.0f;
  for (gsize i = 0; i < n; i++)
    in[i] = CLAMP (in[i] / t->scale, 0.0f, 1.0f);
  if (clean)
    {
      ref = g_new (float, n);
      pl_volume_get_slice (clean, t->axis, t->index, ref);
      for (gsize i = 0; i < n; i++)
        ref[i] /= t->scale;
    }
  t->live = live;
  pel_live_status (live, "es", NULL);
  pel_live_message (live, _("Fitting the deep image prior"));
  r = pl_dip_denoise (in, ref, h, w, &t->settings, on_dip_step, t,
                      pel_live_get_progress (live), error);
  if (r == NULL)
    return NULL;
  o = g_new0 (DipOutcome, 1);
  o->result = r;
  o->axis = t->axis;
  o->index = t->index;
  o->scale = t->scale;
  if (ref)
    {
      /* the range of the reference, as pellucid-cli denoise */
      double range = (clean->max - clean->min) / t->scale;

      pl_compare (in, ref, 1, h, w, range, &o->before);
      pl_compare (r->output, ref, 1, h, w, range, &o->after);
    }
  o->noisy = g_steal_pointer (&in);
  o->reference = g_steal_pointer (&ref);
  return o;
}

/* ---- main thread ---------------------------------------------------------- */

static void
set_status (PelRestorePanel *self,
            const char      *key,
            const char      *text,
            gboolean         error)
{
  pel_status_lines_set (self->status_box, key, text, error);
}

static void
set_busy (PelRestorePanel *self)
{
  gboolean busy = pel_live_run_get_running (self->run) || pel_live_run_get_running (self->io_run);
  gboolean has_volume = pel_document_has_volume (self->document);
  GActionMap *map = G_ACTION_MAP (self->actions);

#define ENABLE(name, on) \
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (map, name)), (on))
  ENABLE ("degrade", !busy && has_volume);
  ENABLE ("revert", !busy && self->clean != NULL);
  ENABLE ("start", !busy && has_volume);
  ENABLE ("stop", pel_live_run_get_running (self->run));
  ENABLE ("keep", !busy && self->result != NULL);
  ENABLE ("save", !busy && self->result != NULL);
  ENABLE ("save-dialog", !busy && self->result != NULL);
#undef ENABLE
  g_simple_action_set_state (G_SIMPLE_ACTION (g_action_map_lookup_action (map, "busy")),
                             g_variant_new_boolean (busy));
}

/* A grey picture of an h × w slice (layout of engine/data/dataset.h) along
 * voxel axis `axis`, under the document's window/level, laid out as the
 * axial view shows it (paint.h: radiological, anterior up). */
static GdkTexture *
make_texture (PelRestorePanel *self,
              const float     *data,
              int              axis,
              int              h,
              int              w,
              double           lo,
              double           window)
{
  const PlVolume *v = pel_document_get_volume (self->document);
  PlSliceFrame frame;
  int sh, sw, a, b;
  gsize stride;
  g_autoptr (GBytes) bytes = NULL;
  guint8 *rgb;

  if (v == NULL)
    return NULL;
  pl_slice_dims (v->dim, axis, &sh, &sw);
  pl_slice_frame_init (&frame, v, PL_VIEW_AXIAL);
  if (sh != h || sw != w || frame.axis_n != axis)
    return NULL;
  a = axis == 0 ? 1 : 0;
  b = axis == 2 ? 1 : 2;
  if (window <= 0.0)
    window = 1.0;
  stride = (gsize) frame.width * 3;
  rgb = g_malloc ((gsize) frame.height * stride);
  for (gint64 y = 0; y < frame.height; y++)
    for (gint64 x = 0; x < frame.width; x++)
      {
        gint64 ijk[3];
        double value;
        guint8 g, *p = rgb + (gsize) y * stride + (gsize) x * 3;

        pl_slice_frame_to_voxel (&frame, x, y, 0, ijk);
        value = (data[(gsize) ijk[a] * w + ijk[b]] - lo) / window;
        g = (guint8) CLAMP (value * 255.0 + 0.5, 0.0, 255.0);
        p[0] = p[1] = p[2] = g;
      }
  bytes = g_bytes_new_take (rgb, (gsize) frame.height * stride);
  return gdk_memory_texture_new ((int) frame.width, (int) frame.height, GDK_MEMORY_R8G8B8, bytes, stride);
}

static void
show_floats (PelRestorePanel *self,
             const float     *data,
             int              axis,
             int              h,
             int              w)
{
  double window, level;
  g_autoptr (GdkTexture) texture = NULL;

  pel_document_get_window_level (self->document, &window, &level);
  texture = make_texture (self, data, axis, h, w, level - window / 2.0, window);
  if (texture)
    gtk_picture_set_paintable (self->output_picture, GDK_PAINTABLE (texture));
}

/* Noisy / restored / reference / |difference| thumbnails of the slice and
 * the table of MAE, MSE, NMSE, PSNR, SSIM against the reference. */
static void
show_compare (PelRestorePanel *self,
              DipOutcome      *o)
{
  GtkWidget *child, *row, *grid;
  const PlDipResult *r = self->result;
  gsize n = (gsize) r->h * r->w;
  g_autofree float *noisy = g_new (float, n), *out = g_new (float, n);
  g_autofree float *ref = g_new (float, n), *diff = g_new (float, n);
  const float *images[4] = { noisy, out, ref, diff };
  const char *titles[4] = { N_("noisy"), N_("restored"), N_("reference"), N_("|difference| ×4") };
  const char *heads[6] = { "", "MAE", "MSE", "NMSE", "PSNR", "SSIM" };
  double window, level;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->compare_box))) != NULL)
    gtk_box_remove (self->compare_box, child);
  self->has_compare = o->reference != NULL;
  gtk_widget_set_visible (GTK_WIDGET (self->compare_box), self->has_compare);
  if (!self->has_compare)
    return;
  self->compare[0] = o->before;
  self->compare[1] = o->after;
  for (gsize i = 0; i < n; i++)
    {
      noisy[i] = o->noisy[i] * o->scale;
      out[i] = r->output[i] * o->scale;
      ref[i] = o->reference[i] * o->scale;
      diff[i] = fabsf (out[i] - ref[i]);
    }
  pel_document_get_window_level (self->document, &window, &level);
  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  gtk_box_set_homogeneous (GTK_BOX (row), TRUE);
  for (int k = 0; k < 4; k++)
    {
      GtkWidget *col = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
      GtkWidget *pic = gtk_picture_new ();
      GtkWidget *label = gtk_label_new (_(titles[k]));
      /* the difference: 0 black, a quarter of the window white */
      g_autoptr (GdkTexture) tex = k == 3 ? make_texture (self, images[k], o->axis, r->h, r->w, 0.0, window / 4.0)
                                          : make_texture (self, images[k], o->axis, r->h, r->w,
                                                          level - window / 2.0, window);

      if (tex)
        gtk_picture_set_paintable (GTK_PICTURE (pic), GDK_PAINTABLE (tex));
      gtk_widget_set_size_request (pic, -1, 90);
      gtk_widget_add_css_class (label, "caption");
      gtk_box_append (GTK_BOX (col), pic);
      gtk_box_append (GTK_BOX (col), label);
      gtk_box_append (GTK_BOX (row), col);
    }
  gtk_box_append (self->compare_box, row);
  grid = gtk_grid_new ();
  gtk_grid_set_column_spacing (GTK_GRID (grid), 8);
  for (int c = 0; c < 6; c++)
    {
      GtkWidget *l = gtk_label_new (heads[c]);
      gtk_widget_add_css_class (l, "caption-heading");
      gtk_grid_attach (GTK_GRID (grid), l, c, 0, 1, 1);
    }
  for (int k = 0; k < 2; k++)
    {
      const PlCompare *m = &self->compare[k];
      g_autofree char *mae = g_strdup_printf ("%.4f", m->mae), *mse = g_strdup_printf ("%.5f", m->mse);
      g_autofree char *nmse = g_strdup_printf ("%.4f", m->nmse), *psnr = g_strdup_printf ("%.2f", m->psnr);
      g_autofree char *ssim = g_strdup_printf ("%.3f", m->ssim);
      const char *cells[6] = { k == 0 ? _("noisy") : _("restored"), mae, mse, nmse, psnr, ssim };

      for (int c = 0; c < 6; c++)
        {
          GtkWidget *l = gtk_label_new (cells[c]);
          gtk_label_set_xalign (GTK_LABEL (l), c == 0 ? 0.0f : 1.0f);
          gtk_widget_add_css_class (l, "numeric");
          gtk_grid_attach (GTK_GRID (grid), l, c, k + 1, 1, 1);
        }
    }
  gtk_box_append (self->compare_box, grid);
  {
    GtkWidget *note = gtk_label_new (_("Intensities over the volume's maximum; PSNR (dB) over the reference's range"));
    gtk_label_set_wrap (GTK_LABEL (note), TRUE);
    gtk_label_set_xalign (GTK_LABEL (note), 0.0f);
    gtk_widget_add_css_class (note, "dim-label");
    gtk_box_append (self->compare_box, note);
  }
}

static void
reset_plots (PelRestorePanel *self)
{
  const GdkRGBA loss = { 0.21, 0.52, 0.89, 1.0 };
  const GdkRGBA raw = { 0.60, 0.60, 0.60, 1.0 };
  const GdkRGBA avg = { 0.90, 0.38, 0.0, 1.0 };

  pel_plot_remove_series (self->loss_plot);
  self->loss_series = pel_plot_add_series (self->loss_plot, NULL, &loss, 1.0);
  pel_plot_remove_series (self->psnr_plot);
  self->psnr_series = pel_plot_add_series (self->psnr_plot, _("output"), &raw, 1.0);
  self->psnr_avg_series = pel_plot_add_series (self->psnr_plot, _("averaged"), &avg, 2.0);
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
    show_floats (self, payload->data, self->run_axis, (int) payload->shape[1], (int) payload->shape[2]);
}

static void
on_status (PelRestorePanel *self,
           const char      *key,
           const char      *text)
{
  set_status (self, key, text, FALSE);
}

static void
on_dip_finished (GObject      *source,
                 GAsyncResult *res,
                 gpointer      user_data)
{
  PelRestorePanel *self = user_data;
  g_autoptr (GError) error = NULL;
  DipOutcome *o = pel_live_run_finish (PEL_LIVE_RUN (source), res, &error);
  g_autofree char *text = NULL;

  if (self->document == NULL)   /* the panel went away meanwhile */
    {
      g_clear_pointer (&o, dip_outcome_free);
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
          set_status (self, "result", text, FALSE);
        }
      else if (error)
        set_status (self, "result", error->message, TRUE);
      set_busy (self);
      g_object_unref (self);
      return;
    }
  g_clear_pointer (&self->result, pl_dip_result_free);
  self->result = g_steal_pointer (&o->result);
  self->result_axis = o->axis;
  self->result_index = o->index;
  self->result_scale = o->scale;
  show_compare (self, o);
  dip_outcome_free (o);
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
      text = g_strdup_printf (_("Stopped after %d iterations (%s); kept the averaged output of iteration %d: "
                                "PSNR %.2f dB against the reference (noisy %.2f dB), SSIM %.3f; %.0f ms per iteration"),
                              r->iterations, why, r->chosen_iteration, r->psnr, r->psnr_noisy, r->ssim,
                              r->ms_per_iteration);
    else
      text = g_strdup_printf (_("Stopped after %d iterations (%s); kept the averaged output of iteration %d; "
                                "%.0f ms per iteration"),
                              r->iterations, why, r->chosen_iteration, r->ms_per_iteration);
    set_status (self, "result", text, FALSE);
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
      show_floats (self, shown, self->result_axis, r->h, r->w);
    }
    gtk_label_set_text (self->output_label, _("Chosen (averaged) output"));
  }
  set_busy (self);
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
  t = g_new0 (DipTask, 1);
  settings_from_widgets (self, &t->settings);
  if (!pl_dip_settings_check (&t->settings, &error))
    {
      set_status (self, "result", error->message, TRUE);
      g_free (t);
      return;
    }
  t->noisy = pel_document_ref_volume (self->document);
  if (self->clean)
    t->clean = pel_volume_ref_ref (self->clean);
  t->axis = pl_volume_axial_axis (v);
  self->run_axis = t->axis;
  pel_document_get_cursor (self->document, cursor);
  t->index = cursor[t->axis];
  pel_live_run_reset (self->run);
  reset_plots (self);
  pel_plot_set_x_extent (self->loss_plot, t->settings.max_iterations);
  pel_plot_set_x_extent (self->psnr_plot, t->settings.max_iterations);
  set_status (self, "result", NULL, FALSE);
  set_status (self, "es", NULL, FALSE);
  set_status (self, "slice", NULL, FALSE);
  {
    g_autofree char *text = g_strdup_printf (self->clean ? _("Axial slice %" G_GINT64_FORMAT "; PSNR against the kept original (never used to stop)")
                                                         : _("Axial slice %" G_GINT64_FORMAT "; no reference: Degrade first for PSNR"),
                                             t->index + 1);
    set_status (self, "slice", text, FALSE);
  }
  gtk_label_set_text (self->output_label, _("Averaged output, live"));
  g_object_set_data_full (G_OBJECT (self->run), "task", t, (GDestroyNotify) dip_task_free);
  pel_live_run_start (self->run, dip_func, t, (GDestroyNotify) dip_outcome_free,
                      on_dip_finished, g_object_ref (self));
  set_busy (self);
}

static void
act_stop (GSimpleAction *action,
          GVariant      *param,
          gpointer       user_data)
{
  PelRestorePanel *self = user_data;

  pel_live_run_stop (self->run);
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
        set_status (self, "io", error->message, TRUE);
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
          /* Same grid: the labels and their undo history stay. */
          self->syncing = TRUE;
          pel_document_replace_image (self->document, g_steal_pointer (&r->volume), window, level);
          pel_document_set_cursor (self->document, cursor);
          self->syncing = FALSE;
        }
      switch (t->kind)
        {
        case IO_DEGRADE:
          text = g_strdup_printf (_("Noise (%s), level %.1f %% of the maximum, seed %" G_GUINT64_FORMAT
                                    " added to the volume; the clean original is kept as the reference"),
                                  pl_degrade_kind_name (t->degrade.kind), t->degrade.level * 100.0,
                                  t->degrade.seed);
          break;
        case IO_REVERT:
          text = g_strdup (_("Back to the original volume"));
          break;
        case IO_KEEP:
          text = g_strdup_printf (_("The restored slice %" G_GINT64_FORMAT " is in the volume"), t->index + 1);
          break;
        case IO_SAVE:
          text = g_strdup_printf (_("Saved %s"), t->path);
          break;
        }
      gtk_label_set_text (self->degrade_label, text);
      set_status (self, "io", NULL, FALSE);
      io_result_free (r);
    }
  set_busy (self);
  g_object_unref (self);
}

static void
start_io (PelRestorePanel *self,
          IoTask          *t)
{
  g_object_set_data_full (G_OBJECT (self->io_run), "task", t, (GDestroyNotify) io_task_free);
  pel_live_run_start (self->io_run, io_func, t, (GDestroyNotify) io_result_free,
                      on_io_finished, g_object_ref (self));
  set_busy (self);
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
  t->degrade.kind = kinds[MIN (k, G_N_ELEMENTS (kinds) - 1)];
  t->degrade.level = gtk_spin_button_get_value (self->level_spin) / 100.0;
  t->degrade.seed = (guint64) gtk_spin_button_get_value_as_int (self->seed_spin);
  /* always noise the clean original, never noise on noise */
  t->source = self->clean ? pel_volume_ref_ref (self->clean) : pel_document_ref_volume (self->document);
  if (!pl_degrade_settings_check (&t->degrade, &error))
    {
      set_status (self, "io", error->message, TRUE);
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
      set_status (self, "io", _("The volume changed since the fit: start again"), TRUE);
      return;
    }
  t = g_new0 (IoTask, 1);
  t->kind = kind;
  t->source = pel_document_ref_volume (self->document);
  t->axis = self->result_axis;
  t->index = self->result_index;
  n = (gsize) h * w;
  t->slice = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    t->slice[i] = self->result->output[i] * self->result_scale;
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
  int k = pl_degrade_kind_from_name (g_variant_get_string (param, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if ((int) kinds[i] == k)
      gtk_drop_down_set_selected (self->kind_dropdown, i);
}

static void
act_level (GSimpleAction *action,
           GVariant      *param,
           gpointer       user_data)
{
  PelRestorePanel *self = user_data;

  gtk_spin_button_set_value (self->level_spin, g_variant_get_double (param) * 100.0);
}

#define INT_ACTION(fn, spin)                                                  \
  static void                                                                 \
  fn (GSimpleAction *action, GVariant *param, gpointer user_data)             \
  {                                                                           \
    PelRestorePanel *self = user_data;                                        \
    gtk_spin_button_set_value (self->spin, g_variant_get_int32 (param));      \
  }
INT_ACTION (act_seed, seed_spin)
INT_ACTION (act_iterations, iterations_spin)
INT_ACTION (act_patience, patience_spin)
#undef INT_ACTION

static void
act_early_stop (GSimpleAction *action,
                GVariant      *param,
                gpointer       user_data)
{
  PelRestorePanel *self = user_data;

  gtk_check_button_set_active (self->early_check, g_variant_get_boolean (param));
}

static void
act_show (GSimpleAction *action,
          GVariant      *param,
          gpointer       user_data)
{
  GtkWidget *panel = user_data;
  GtkWidget *parent = gtk_widget_get_parent (panel);

  if (GTK_IS_STACK (parent))
    gtk_stack_set_visible_child (GTK_STACK (parent), panel);
}

/* "top" or "results" (the deep image prior's output and plots). */
static void
act_scroll (GSimpleAction *action,
            GVariant      *param,
            gpointer       user_data)
{
  PelRestorePanel *self = user_data;
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->scroller);
  graphene_point_t p;

  if (g_str_equal (g_variant_get_string (param, NULL), "top"))
    gtk_adjustment_set_value (adj, 0.0);
  else if (gtk_widget_compute_point (GTK_WIDGET (self->dip_heading),
                                     gtk_scrolled_window_get_child (self->scroller),
                                     &GRAPHENE_POINT_INIT (0.0f, 0.0f), &p))
    gtk_adjustment_set_value (adj, p.y - 6.0);
}

static const GActionEntry action_entries[] = {
  { "show", act_show, NULL, NULL, NULL, { 0 } },
  { "scroll", act_scroll, "s", NULL, NULL, { 0 } },
  { "degrade", act_degrade, NULL, NULL, NULL, { 0 } },
  { "revert", act_revert, NULL, NULL, NULL, { 0 } },
  { "start", act_start, NULL, NULL, NULL, { 0 } },
  { "stop", act_stop, NULL, NULL, NULL, { 0 } },
  { "keep", act_keep, NULL, NULL, NULL, { 0 } },
  { "save", act_save, "s", NULL, NULL, { 0 } },
  { "save-dialog", act_save_dialog, NULL, NULL, NULL, { 0 } },
  { "kind", act_kind, "s", NULL, NULL, { 0 } },
  { "level", act_level, "d", NULL, NULL, { 0 } },
  { "seed", act_seed, "i", NULL, NULL, { 0 } },
  { "iterations", act_iterations, "i", NULL, NULL, { 0 } },
  { "patience", act_patience, "i", NULL, NULL, { 0 } },
  { "early-stop", act_early_stop, "b", NULL, NULL, { 0 } },
  /* state only: TRUE while a fit or a volume operation runs */
  { "busy", NULL, NULL, "false", NULL, { 0 } },
};

/* ---- document ------------------------------------------------------------- */

static void
on_volume_changed (PelRestorePanel *self)
{
  const PlVolume *v = pel_document_get_volume (self->document);

  if (self->syncing)
    return;
  /* another volume was opened: the kept original is not its reference */
  if (self->clean && (v == NULL || memcmp (v->dim, pel_volume_ref_get (self->clean)->dim, sizeof v->dim) != 0))
    g_clear_pointer (&self->clean, pel_volume_ref_unref);
  else if (self->clean && v && pel_document_get_volume_path (self->document)
           && g_strcmp0 (pel_document_get_volume_path (self->document), pel_volume_ref_get (self->clean)->path) != 0)
    g_clear_pointer (&self->clean, pel_volume_ref_unref);
  set_busy (self);
}

/* ---- life cycle ----------------------------------------------------------- */

/* Out of its window (closed): a fit stops; its callback holds the panel
 * until the worker has seen the request. */
static void
pel_restore_panel_unroot (GtkWidget *widget)
{
  PelRestorePanel *self = PEL_RESTORE_PANEL (widget);

  if (self->run)
    pel_live_run_stop (self->run);
  GTK_WIDGET_CLASS (pel_restore_panel_parent_class)->unroot (widget);
}

static void
pel_restore_panel_dispose (GObject *object)
{
  PelRestorePanel *self = PEL_RESTORE_PANEL (object);
  GtkWidget *child;

  pel_action_script_cancel (GTK_WIDGET (self));
  if (self->document)
    g_signal_handlers_disconnect_by_data (self->document, self);
  if (self->run)
    {
      g_signal_handlers_disconnect_by_data (self->run, self);
      pel_live_run_stop (self->run);
    }
  if (self->io_run)
    g_signal_handlers_disconnect_by_data (self->io_run, self);
  g_clear_object (&self->actions);
  gtk_widget_dispose_template (GTK_WIDGET (self), PEL_TYPE_RESTORE_PANEL);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  /* a running worker holds its run (and the panel, through the callback)
   * until it ends */
  g_clear_object (&self->run);
  g_clear_object (&self->io_run);
  g_clear_pointer (&self->clean, pel_volume_ref_unref);
  g_clear_object (&self->document);
  g_clear_object (&self->tools);
  G_OBJECT_CLASS (pel_restore_panel_parent_class)->dispose (object);
}

static void
pel_restore_panel_finalize (GObject *object)
{
  PelRestorePanel *self = PEL_RESTORE_PANEL (object);

  g_clear_pointer (&self->result, pl_dip_result_free);
  G_OBJECT_CLASS (pel_restore_panel_parent_class)->finalize (object);
}

static void
pel_restore_panel_class_init (PelRestorePanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pel_restore_panel_dispose;
  object_class->finalize = pel_restore_panel_finalize;
  g_type_ensure (PEL_TYPE_PLOT);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/pellucid/Pellucid/ui/pel-restore-panel.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, PelRestorePanel, name)
  CHILD (scroller);
  CHILD (kind_dropdown);
  CHILD (level_spin);
  CHILD (seed_spin);
  CHILD (degrade_label);
  CHILD (dip_heading);
  CHILD (iterations_spin);
  CHILD (early_check);
  CHILD (patience_spin);
  CHILD (run_row_box);
  CHILD (status_box);
  CHILD (output_label);
  CHILD (output_picture);
  CHILD (loss_plot);
  CHILD (psnr_plot);
  CHILD (compare_box);
#undef CHILD
  widget_class->unroot = pel_restore_panel_unroot;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "restore-panel");
}

static void
pel_restore_panel_init (PelRestorePanel *self)
{
  g_autoptr (GtkStringList) names = gtk_string_list_new (NULL);
  PlDipSettings dip;
  PlDegradeSettings deg;

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);
  pel_panel_fix_width (self->scroller);
  gtk_string_list_append (names, _("Gaussian"));
  gtk_string_list_append (names, _("Rician"));
  gtk_string_list_append (names, _("Poisson"));
  gtk_drop_down_set_model (self->kind_dropdown, G_LIST_MODEL (names));
  pl_degrade_settings_init (&deg);
  pl_dip_settings_init (&dip);
  gtk_spin_button_set_value (self->level_spin, deg.level * 100.0);
  gtk_spin_button_set_value (self->iterations_spin, dip.max_iterations);
  gtk_spin_button_set_value (self->patience_spin, dip.es_patience);
  gtk_check_button_set_active (self->early_check, dip.early_stop);
  pel_plot_set_labels (self->loss_plot, _("iteration"), _("loss (MSE against the noisy slice)"));
  pel_plot_set_placeholder (self->loss_plot, _("The loss is drawn here as the network fits"));
  pel_plot_set_labels (self->psnr_plot, _("iteration"), _("PSNR (dB) against the kept original"));
  pel_plot_set_placeholder (self->psnr_plot, _("PSNR needs a reference: Degrade the volume first"));
}

GtkWidget *
pel_restore_panel_new (PelDocument *document,
                       PelTools    *tools)
{
  PelRestorePanel *self;
  const char *script;

  g_return_val_if_fail (PEL_IS_DOCUMENT (document), NULL);
  self = g_object_new (PEL_TYPE_RESTORE_PANEL, NULL);
  self->document = g_object_ref (document);
  self->tools = g_object_ref (tools);
  self->run = pel_live_run_new (_("Deep image prior"));
  self->io_run = pel_live_run_new (_("Volume"));
  self->actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), action_entries,
                                   G_N_ELEMENTS (action_entries), self);
  pel_action_script_insert_group (GTK_WIDGET (self), "restore", G_ACTION_GROUP (self->actions));
  reset_plots (self);
  gtk_box_append (self->run_row_box, pel_run_row_new (self->run, _("%.1f iterations/s"), "restore.stop"));
  g_signal_connect_swapped (self->run, "series-points", G_CALLBACK (on_series_points), self);
  g_signal_connect_swapped (self->run, "preview", G_CALLBACK (on_preview), self);
  g_signal_connect_swapped (self->run, "status", G_CALLBACK (on_status), self);
  g_signal_connect_swapped (document, "volume-changed", G_CALLBACK (on_volume_changed), self);
  set_busy (self);

  script = g_getenv ("PELLUCID_RESTORE_ACTIONS");
  if (script && *script)
    pel_action_script_run (GTK_WIDGET (self), script, "restore");
  return GTK_WIDGET (self);
}

PelLiveRun *
pel_restore_panel_get_run (PelRestorePanel *self)
{
  g_return_val_if_fail (PEL_IS_RESTORE_PANEL (self), NULL);
  return self->run;
}

PelLiveRun *
pel_restore_panel_get_io_run (PelRestorePanel *self)
{
  g_return_val_if_fail (PEL_IS_RESTORE_PANEL (self), NULL);
  return self->io_run;
}

const PlDipResult *
pel_restore_panel_get_result (PelRestorePanel *self)
{
  g_return_val_if_fail (PEL_IS_RESTORE_PANEL (self), NULL);
  return self->result;
}

const PlVolume *
pel_restore_panel_get_reference (PelRestorePanel *self)
{
  g_return_val_if_fail (PEL_IS_RESTORE_PANEL (self), NULL);
  return self->clean ? pel_volume_ref_get (self->clean) : NULL;
}

const char *
pel_restore_panel_get_status (PelRestorePanel *self,
                              const char      *key)
{
  g_return_val_if_fail (PEL_IS_RESTORE_PANEL (self), NULL);
  return pel_status_lines_get (self->status_box, key);
}

gboolean
pel_restore_panel_get_compare (PelRestorePanel *self,
                               PlCompare       *noisy,
                               PlCompare       *restored)
{
  g_return_val_if_fail (PEL_IS_RESTORE_PANEL (self), FALSE);
  if (!self->has_compare)
    return FALSE;
  *noisy = self->compare[0];
  *restored = self->compare[1];
  return TRUE;
}
