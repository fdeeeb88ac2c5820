/* Calibration, raters and error detection of an uncertainty estimate, and
 * the panel section that shows them.  See pel-uncertainty-assess.h. */
#define G_LOG_DOMAIN "pel-uncertainty-assess"

#include "src/pel-uncertainty-assess.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "engine/data/dataset.h"
#include "engine/uncertainty/error-detect.h"
#include "src/pel-document.h"
#include "src/pel-panel-kit.h"
#include "src/pel-plot.h"

/* ---- the shared result ---------------------------------------------------- */

struct _PelResultBox
{
  PlUncertaintyResult *result;
};

static void
box_clear (gpointer p)
{
  pl_uncertainty_result_free (((PelResultBox *) p)->result);
}

PelResultBox *
pel_result_box_new (PlUncertaintyResult *result)
{
  PelResultBox *box = g_atomic_rc_box_new0 (PelResultBox);
  box->result = result;
  return box;
}

PelResultBox *
pel_result_box_ref (PelResultBox *box)
{
  return g_atomic_rc_box_acquire (box);
}

void
pel_result_box_unref (PelResultBox *box)
{
  g_atomic_rc_box_release_full (box, box_clear);
}

PlUncertaintyResult *
pel_result_box_get (PelResultBox *box)
{
  return box ? box->result : NULL;
}

/* ---- computing ----------------------------------------------------------- */

void
pel_assess_input_free (PelAssessInput *in)
{
  if (!in)
    return;
  if (in->volume_ref)
    pel_volume_ref_unref (in->volume_ref);
  g_free (in->load_reference);
  g_strfreev (in->load_raters);
  g_clear_pointer (&in->painted, pl_labels_free);
  g_free (in->held_out);
  g_clear_pointer (&in->reference, pl_labels_free);
  for (int i = 0; i < in->n_raters; i++)
    pl_labels_free (in->raters[i]);
  g_free (in->raters);
  g_free (in);
}

void
pel_assessment_free (PelAssessment *a)
{
  if (!a)
    return;
  pl_reliability_free (a->reliability);
  pl_reliability_free (a->reliability_t);
  g_free (a->slice_index);
  g_free (a->slice_dice);
  for (int m = 0; m < PL_UMAP_N; m++)
    g_free (a->slice_mean[m]);
  g_free (a->disagreement);
  g_clear_pointer (&a->loaded_reference, pl_labels_free);
  g_clear_pointer (&a->loaded_raters, g_ptr_array_unref);
  g_free (a);
}

/* truth[i] = class of labels[i], or −1 (unlabelled, unknown value, or not
 * on a counted slice). */
static gint64
classes_of (const PlLabels *labels, const gint32 *lut, const guint8 *slice_ok,
            const PlUncertaintyResult *r, gint32 *truth)
{
  gint64 n = 0;
  int h, w;

  pl_slice_dims (r->dim, r->axis, &h, &w);
  for (gsize i = 0; i < r->n_voxels; i++)
    truth[i] = -1;
  for (gint64 s = 0; s < r->dim[r->axis]; s++)
    {
      gsize sh, sw, off;
      if (!slice_ok[s])
        continue;
      pl_slice_strides (r->dim, r->axis, s, &sh, &sw, &off);
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          {
            gsize v = off + y * sh + x * sw;
            truth[v] = lut[labels->data[v]];
            n += truth[v] >= 0;
          }
    }
  return n;
}

static void
measure (const PelAssessInput *in, const PlUncertaintyResult *r, PelAssessment *a)
{
  gsize nv = r->n_voxels;
  gint64 ns = r->dim[r->axis];
  int K = r->n_classes;
  g_autofree gint32 *lut = g_new (gint32, 65536);
  g_autofree gint64 *painted = g_new0 (gint64, ns);
  g_autofree guint8 *held = g_new0 (guint8, ns), *unpainted = g_new0 (guint8, ns);
  g_autofree gint32 *truth_h = g_new (gint32, nv);
  g_autofree gint32 *truth_r = NULL;
  gint64 n_h;

  for (int v = 0; v < 65536; v++)
    lut[v] = -1;
  for (int c = 0; c < K; c++)
    lut[r->class_values[c]] = c;
  pl_labels_count_slices (in->painted, r->axis, painted);
  for (int i = 0; i < in->n_held_out; i++)
    if (in->held_out[i] >= 0 && in->held_out[i] < ns)
      held[in->held_out[i]] = 1;
  for (gint64 s = 0; s < ns; s++)
    unpainted[s] = painted[s] == 0;
  n_h = classes_of (in->painted, lut, held, r, truth_h);

  a->temperature = NAN;
  if (n_h > 0)
    {
      a->temperature = pl_temperature_fit (r->mean, K, nv, nv, truth_h, NULL);
      a->n_fit = n_h;
    }
  if (in->reference)
    {
      truth_r = g_new (gint32, nv);
      a->n_eval = classes_of (in->reference, lut, unpainted, r, truth_r);
      a->on_reference = TRUE;
    }
  else
    a->n_eval = n_h;
  if (a->n_eval > 0)
    {
      const gint32 *truth = truth_r ? truth_r : truth_h;
      a->reliability = pl_reliability_new (PL_ECE_DEFAULT_BINS);
      pl_reliability_add (a->reliability, r->mean, K, nv, nv, truth, NULL, 1.0);
      a->ece = pl_reliability_ece (a->reliability);
      if (isfinite (a->temperature))
        {
          a->reliability_t = pl_reliability_new (PL_ECE_DEFAULT_BINS);
          pl_reliability_add (a->reliability_t, r->mean, K, nv, nv, truth, NULL, a->temperature);
          a->ece_t = pl_reliability_ece (a->reliability_t);
        }
    }

  for (int m = 0; m < PL_UMAP_N; m++)
    a->auroc[m] = NAN;
  if (truth_r && a->n_eval > 0)
    {
      g_autofree guint8 *wrong = g_new (guint8, nv), *mask = g_new (guint8, nv);
      int h, w;

      for (gsize i = 0; i < nv; i++)
        {
          mask[i] = truth_r[i] >= 0;
          wrong[i] = mask[i] && r->labels->data[i] != in->reference->data[i];
        }
      a->has_errors = TRUE;
      for (int m = 0; m < PL_UMAP_N; m++)
        if (m != PL_UMAP_LOGIT_VARIANCE || r->aleatoric)
          a->auroc[m] = pl_auroc (r->maps[m], wrong, mask, nv);

      /* per slice: the map's mean over the counted voxels, and Dice */
      pl_slice_dims (r->dim, r->axis, &h, &w);
      a->slice_index = g_new (gint64, ns);
      a->slice_dice = g_new (double, ns);
      for (int m = 0; m < PL_UMAP_N; m++)
        a->slice_mean[m] = g_new0 (double, ns);
      for (gint64 s = 0; s < ns; s++)
        {
          gsize sh, sw, off, n = 0;
          double sum[PL_UMAP_N] = { 0 }, dice;
          if (!unpainted[s])
            continue;
          pl_slice_strides (r->dim, r->axis, s, &sh, &sw, &off);
          for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
              {
                gsize v = off + y * sh + x * sw;
                if (!mask[v])
                  continue;
                for (int m = 0; m < PL_UMAP_N; m++)
                  sum[m] += r->maps[m][v];
                n++;
              }
          if (n == 0)
            continue;
          dice = pl_slice_dice (r->labels->data, in->reference->data, r->dim, r->axis, s,
                                r->class_values, K);
          if (!isfinite (dice))
            continue;
          a->slice_index[a->n_slices] = s;
          a->slice_dice[a->n_slices] = dice;
          for (int m = 0; m < PL_UMAP_N; m++)
            a->slice_mean[m][a->n_slices] = sum[m] / n;
          a->n_slices++;
        }
    }

  a->n_raters = in->n_raters;
  if (in->n_raters >= 2)
    {
      g_autofree const guint16 **rd = g_new (const guint16 *, in->n_raters);
      for (int i = 0; i < in->n_raters; i++)
        rd[i] = in->raters[i]->data;
      a->disagreement = g_new (float, nv);
      pl_rater_disagreement (rd, in->n_raters, nv, a->disagreement);
    }
  if (in->n_raters >= 1 && r->n_kept >= 1)
    {
      g_autofree const guint16 **rd = g_new (const guint16 *, in->n_raters);
      g_autofree const guint16 **sd = g_new (const guint16 *, r->n_kept);
      g_autofree guint16 *samples = g_new (guint16, (gsize) r->n_kept * nv);
      for (int i = 0; i < in->n_raters; i++)
        rd[i] = in->raters[i]->data;
      for (int k = 0; k < r->n_kept; k++)
        {
          guint16 *d = samples + (gsize) k * nv;
          const guint8 *c = r->samples + (gsize) k * nv;
          for (gsize i = 0; i < nv; i++)
            d[i] = r->class_values[c[i]];
          sd[k] = d;
        }
      pl_ged (sd, r->n_kept, rd, in->n_raters, nv, r->class_values, K, &a->ged);
      a->has_ged = TRUE;
      a->ged_samples = r->n_kept;
    }
}

PelAssessment *
pel_assessment_compute (const PelAssessInput *cin, const PlUncertaintyResult *r, GError **error)
{
  g_autoptr (PelAssessment) a = g_new0 (PelAssessment, 1);
  PelAssessInput in = *cin;
  g_autofree PlLabels **raters = NULL;

  if (cin->load_reference)
    {
      a->loaded_reference = pl_labels_load (cin->load_reference, cin->volume, error);
      if (!a->loaded_reference)
        return NULL;
      in.reference = a->loaded_reference;
    }
  if (cin->load_raters && cin->load_raters[0])
    {
      a->loaded_raters = g_ptr_array_new_with_free_func ((GDestroyNotify) pl_labels_free);
      for (int i = 0; cin->load_raters[i]; i++)
        {
          PlLabels *l = pl_labels_load (cin->load_raters[i], cin->volume, error);
          if (!l)
            return NULL;
          g_ptr_array_add (a->loaded_raters, l);
        }
      raters = g_new (PlLabels *, cin->n_raters + a->loaded_raters->len);
      for (int i = 0; i < cin->n_raters; i++)
        raters[i] = cin->raters[i];
      for (guint i = 0; i < a->loaded_raters->len; i++)
        raters[cin->n_raters + i] = g_ptr_array_index (a->loaded_raters, i);
      in.raters = raters;
      in.n_raters = cin->n_raters + a->loaded_raters->len;
    }
  if (r && in.painted && memcmp (in.painted->dim, r->dim, sizeof r->dim) == 0)
    measure (&in, r, a);
  return g_steal_pointer (&a);
}

/* ---- the view ------------------------------------------------------------- */

struct _PelAssessView
{
  GtkBox  *status;
  PelPlot *reliability;
  PelPlot *scatter;
  guint    s_diag, s_before, s_after, s_points;
};

static GtkWidget *
heading (const char *text)
{
  GtkWidget *l = gtk_label_new (text);
  gtk_label_set_xalign (GTK_LABEL (l), 0.0f);
  gtk_widget_set_margin_top (l, 6);
  gtk_widget_add_css_class (l, "heading");
  return l;
}

static GtkWidget *
button_row (const char *const *labels, const char *const *actions, int n)
{
  GtkWidget *row = gtk_flow_box_new ();
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (row), GTK_SELECTION_NONE);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (row), 3);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (row), 6);
  gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (row), 6);
  for (int i = 0; i < n; i++)
    {
      GtkWidget *b = gtk_button_new_with_mnemonic (labels[i]);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (b), actions[i]);
      gtk_flow_box_append (GTK_FLOW_BOX (row), b);
    }
  return row;
}

PelAssessView *
pel_assess_view_new (GtkBox *box)
{
  PelAssessView *v = g_new0 (PelAssessView, 1);
  const char *ref_labels[] = { _("Open _Reference…"), _("_Add Rater…"), _("Clear Raters") };
  const char *ref_actions[] = { "uncertainty.open-reference", "uncertainty.open-rater",
                                "uncertainty.clear-raters" };
  GtkWidget *check, *hint;
  GdkRGBA grey = { 0.6, 0.6, 0.6, 1 }, orange = { 0.93, 0.45, 0.1, 1 };
  GdkRGBA blue = { 0.2, 0.45, 0.85, 1 };

  gtk_box_append (box, heading (_("Trust")));
  hint = gtk_label_new (_("Calibration on the slices held out from training, or on a reference "
                          "segmentation; raters' segmentations of the same image."));
  gtk_label_set_wrap (GTK_LABEL (hint), TRUE);
  gtk_label_set_xalign (GTK_LABEL (hint), 0.0f);
  gtk_widget_add_css_class (hint, "dim-label");
  gtk_box_append (box, hint);
  gtk_box_append (box, button_row (ref_labels, ref_actions, 3));
  check = gtk_check_button_new_with_mnemonic (_("Show rater _disagreement"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (check), "uncertainty.show-disagreement");
  gtk_box_append (box, check);
  v->status = GTK_BOX (gtk_box_new (GTK_ORIENTATION_VERTICAL, 2));
  gtk_box_append (box, GTK_WIDGET (v->status));

  gtk_box_append (box, heading (_("Reliability diagram")));
  v->reliability = PEL_PLOT (pel_plot_new (_("confidence"), _("accuracy")));
  pel_plot_set_y_range (v->reliability, 0.0, 1.0);
  pel_plot_set_x_extent (v->reliability, 1.0);
  pel_plot_set_placeholder (v->reliability, _("Hold out a painted slice in the Train panel or open a reference"));
  v->s_diag = pel_plot_add_series (v->reliability, NULL, &grey, 1.0);
  v->s_before = pel_plot_add_series (v->reliability, _("as estimated"), &orange, 2.0);
  v->s_after = pel_plot_add_series (v->reliability, _("temperature-scaled"), &blue, 2.0);
  gtk_widget_set_size_request (GTK_WIDGET (v->reliability), -1, 180);
  gtk_box_append (box, GTK_WIDGET (v->reliability));

  gtk_box_append (box, heading (_("Uncertainty against Dice per slice")));
  v->scatter = PEL_PLOT (pel_plot_new (_("mean of the map"), _("Dice")));
  pel_plot_set_y_range (v->scatter, 0.0, 1.0);
  pel_plot_set_placeholder (v->scatter, _("Open a reference segmentation"));
  v->s_points = pel_plot_add_series (v->scatter, NULL, &orange, 1.0);
  pel_plot_set_series_points (v->scatter, v->s_points, TRUE);
  gtk_widget_set_size_request (GTK_WIDGET (v->scatter), -1, 180);
  gtk_box_append (box, GTK_WIDGET (v->scatter));
  g_object_set_data_full (G_OBJECT (box), "pel-assess-view", v, g_free);
  return v;
}

static void
plot_bins (PelPlot *plot, guint series, const PlReliability *rel)
{
  for (int b = 0; b < rel->n_bins; b++)
    {
      gint64 count;
      double conf, acc;
      pl_reliability_bin (rel, b, NULL, NULL, &count, &conf, &acc);
      if (count > 0)
        pel_plot_append (plot, series, conf, acc);
    }
}

static const char *
map_short (PlUncertaintyMap m)
{
  switch (m)
    {
    case PL_UMAP_ENTROPY: return _("entropy");
    case PL_UMAP_EXPECTED_ENTROPY: return _("expected entropy");
    case PL_UMAP_MUTUAL_INFO: return _("MI");
    case PL_UMAP_VARIANCE: return _("variance");
    default: return _("logit variance");
    }
}

void
pel_assess_view_show (PelAssessView *v, const PelAssessment *a, const PlUncertaintyResult *r,
                      PlUncertaintyMap map, const char *inputs_text)
{
  g_autofree char *cal = NULL, *err = NULL, *rat = NULL;

  pel_plot_clear (v->reliability);
  pel_plot_clear (v->scatter);
  pel_status_lines_set (v->status, "inputs", inputs_text, FALSE);
  if (a && a->n_eval > 0)
    {
      g_autofree char *where = a->on_reference
        ? g_strdup_printf (_("%" G_GINT64_FORMAT " reference voxels on unpainted slices"), a->n_eval)
        : g_strdup_printf (_("%" G_GINT64_FORMAT " painted voxels of the held-out slices"), a->n_eval);
      if (a->reliability_t)
        cal = g_strdup_printf (_("ECE %.4f → %.4f with temperature T = %.3f (15 bins, top-label, "
                                 "every class; %s; T fitted on %" G_GINT64_FORMAT " held-out painted voxels%s)"),
                               a->ece, a->ece_t, a->temperature, where, a->n_fit,
                               a->on_reference ? "" : _(", the same voxels"));
      else
        cal = g_strdup_printf (_("ECE %.4f (15 bins, top-label, every class; %s). Hold out a painted "
                                 "slice to fit a temperature."), a->ece, where);
      pel_plot_append (v->reliability, v->s_diag, 0.0, 0.0);
      pel_plot_append (v->reliability, v->s_diag, 1.0, 1.0);
      plot_bins (v->reliability, v->s_before, a->reliability);
      if (a->reliability_t)
        plot_bins (v->reliability, v->s_after, a->reliability_t);
    }
  else if (r)
    cal = g_strdup (_("Calibration: no held-out painted slice and no reference"));
  pel_status_lines_set (v->status, "calibration", cal, FALSE);

  if (a && a->has_errors)
    {
      GString *s = g_string_new (_("AUROC of wrong voxels:"));
      for (int m = 0; m < PL_UMAP_N; m++)
        if (isfinite (a->auroc[m]))
          g_string_append_printf (s, " %s %.3f", map_short (m), a->auroc[m]);
      err = g_string_free (s, FALSE);
      for (gint64 i = 0; i < a->n_slices; i++)
        pel_plot_append (v->scatter, v->s_points, a->slice_mean[map][i], a->slice_dice[i]);
      pel_plot_set_labels (v->scatter, map_short (map), _("Dice"));
    }
  pel_status_lines_set (v->status, "errors", err, FALSE);

  if (a && a->n_raters > 0)
    {
      if (a->has_ged)
        rat = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "%d rater: D²GED %.4f (E d(S,Y) %.4f, E d(S,S′) %.4f, E d(Y,Y′) %.4f; %d samples, d = 1 − IoU)",
                                            "%d raters: D²GED %.4f (E d(S,Y) %.4f, E d(S,S′) %.4f, E d(Y,Y′) %.4f; %d samples, d = 1 − IoU)",
                                            (gulong) a->n_raters),
                               a->n_raters, a->ged.ged2, a->ged.d_sy, a->ged.d_ss, a->ged.d_yy, a->ged_samples);
      else
        rat = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d rater (estimate to compare)",
                                            "%d raters (estimate to compare)", (gulong) a->n_raters),
                               a->n_raters);
    }
  pel_status_lines_set (v->status, "raters", rat, FALSE);
}

const char *
pel_assess_view_get_status (PelAssessView *v, const char *key)
{
  return pel_status_lines_get (v->status, key);
}
