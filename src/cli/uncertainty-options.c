/* The uncertainty options of pellucid-cli predict, train and eval
 * (uncertainty-options.h). */
#define G_LOG_DOMAIN "pellucid-cli"

#include "src/cli/uncertainty-options.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/data/dataset.h"
#include "engine/nn/infer.h"
#include "engine/uncertainty/calibration.h"
#include "engine/uncertainty/ensemble.h"
#include "engine/uncertainty/error-detect.h"
#include "engine/uncertainty/estimate.h"

struct _PelUncertaintyOptions
{
  /* predict */
  char    *estimator;
  char    *maps;
  int      tta_samples;
  double   tta_rotation, tta_intensity, tta_flip;
  int      keep_samples;
  char    *painted;
  char    *next_by;
  /* train */
  int      ensemble;
  gboolean bootstrap;
  gboolean aleatoric;
  int      aleatoric_samples;     /* train and predict */
  PlBootstrapLabels boot;
  /* eval */
  char    *probabilities;
  gboolean ece;
  int      bins;
  char    *reliability;
  char   **auroc;
  char    *intensity;
  double   min_intensity;
  double   temperature;
  char    *calibration_slices;
};

PelUncertaintyOptions *
pel_uncertainty_options_new (void)
{
  PelUncertaintyOptions *o = g_new0 (PelUncertaintyOptions, 1);
  PlUncertaintySettings s;

  pl_uncertainty_settings_init (&s);
  o->tta_samples = s.tta_samples;
  o->tta_rotation = s.tta_max_rotation;
  o->tta_intensity = s.tta_intensity;
  o->tta_flip = s.tta_flip_p;
  o->aleatoric_samples = -1;
  o->bins = PL_ECE_DEFAULT_BINS;
  o->min_intensity = -INFINITY;
  o->temperature = 1.0;
  return o;
}

void
pel_uncertainty_options_free (PelUncertaintyOptions *o)
{
  if (!o)
    return;
  g_free (o->estimator);
  g_free (o->maps);
  g_free (o->painted);
  g_free (o->next_by);
  pl_bootstrap_labels_clear (&o->boot);
  g_free (o->probabilities);
  g_free (o->reliability);
  g_strfreev (o->auroc);
  g_free (o->intensity);
  g_free (o->calibration_slices);
  g_free (o);
}

GOptionGroup *
pel_uncertainty_options_predict_group (PelUncertaintyOptions *o)
{
  const GOptionEntry entries[] = {
    { "uncertainty", 0, 0, G_OPTION_ARG_STRING, &o->estimator,
      "Estimator: mc (MC dropout, --mc-passes T, 20), ensemble (a model file from train --ensemble), "
      "tta (test-time augmentation; of every member when the file holds an ensemble), softmax", "NAME" },
    { "maps", 0, 0, G_OPTION_ARG_FILENAME, &o->maps,
      "Write PREFIX_entropy, _expected-entropy, _mutual-info, _variance (.nii.gz, nats), and _logit-variance for a model with an aleatoric head", "PREFIX" },
    { "tta-samples", 0, 0, G_OPTION_ARG_INT, &o->tta_samples, "TTA samples, identity included (8)", "T" },
    { "tta-rotation", 0, 0, G_OPTION_ARG_DOUBLE, &o->tta_rotation, "TTA: rotations uniform in ± this many degrees (10)", "DEG" },
    { "tta-intensity", 0, 0, G_OPTION_ARG_DOUBLE, &o->tta_intensity,
      "TTA: intensity scale in 1 ± S and shift in ± S/2 of the normalised intensities (0.1)", "S" },
    { "tta-flip", 0, 0, G_OPTION_ARG_DOUBLE, &o->tta_flip, "TTA: probability of each of the two flips (0.5)", "P" },
    { "keep-samples", 0, 0, G_OPTION_ARG_INT, &o->keep_samples,
      "Also write the first K samples' label maps PREFIX_sample<k>", "K" },
    { "painted", 0, 0, G_OPTION_ARG_FILENAME, &o->painted,
      "Painted label map: report the next uncertain slice among its unpainted slices", "LAB" },
    { "next-by", 0, 0, G_OPTION_ARG_STRING, &o->next_by,
      "Map ranking the slices for the next one: entropy, mutual-info, … (entropy)", "MAP" },
    { "aleatoric-samples", 0, 0, G_OPTION_ARG_INT, &o->aleatoric_samples,
      "Aleatoric head: noisy-logit draws averaged per sample, 0 = softmax of the mean logits (10)", "S" },
    { NULL }
  };
  GOptionGroup *g = g_option_group_new ("uncertainty", "Uncertainty options:",
                                        "Show uncertainty options", NULL, NULL);
  g_option_group_add_entries (g, entries);
  return g;
}

GOptionGroup *
pel_uncertainty_options_train_group (PelUncertaintyOptions *o)
{
  const GOptionEntry entries[] = {
    { "ensemble", 0, 0, G_OPTION_ARG_INT, &o->ensemble,
      "Train a deep ensemble of M members (seeds S … S+M−1) into one model file", "M" },
    { "bootstrap", 0, 0, G_OPTION_ARG_NONE, &o->bootstrap,
      "Each member trains on a bootstrap draw of the painted slices", NULL },
    { "aleatoric", 0, 0, G_OPTION_ARG_NONE, &o->aleatoric,
      "Add an aleatoric head: a learned per-pixel logit variance (Kendall & Gal 2017)", NULL },
    { "aleatoric-samples", 0, 0, G_OPTION_ARG_INT, &o->aleatoric_samples,
      "Logit samples T of the aleatoric loss (10)", "T" },
    { NULL }
  };
  GOptionGroup *g = g_option_group_new ("uncertainty", "Uncertainty options:",
                                        "Show uncertainty options", NULL, NULL);
  g_option_group_add_entries (g, entries);
  return g;
}

GOptionGroup *
pel_uncertainty_options_eval_group (PelUncertaintyOptions *o)
{
  const GOptionEntry entries[] = {
    { "probabilities", 0, 0, G_OPTION_ARG_FILENAME, &o->probabilities,
      "Class probabilities PROB_label<VALUE> written by predict --probabilities", "PROB" },
    { "ece", 0, 0, G_OPTION_ARG_NONE, &o->ece, "Expected calibration error (top-label, all classes pooled)", NULL },
    { "bins", 0, 0, G_OPTION_ARG_INT, &o->bins, "ECE bins (15)", "B" },
    { "reliability", 0, 0, G_OPTION_ARG_FILENAME, &o->reliability,
      "Write the reliability diagram (bin, lo, hi, count, confidence, accuracy) as CSV", "FILE.csv" },
    { "auroc", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->auroc,
      "AUROC of this map for wrong vs right voxels, and its per-slice means (repeatable)", "MAP" },
    { "intensity", 0, 0, G_OPTION_ARG_FILENAME, &o->intensity, "Image for --min-intensity", "IMG" },
    { "min-intensity", 0, 0, G_OPTION_ARG_DOUBLE, &o->min_intensity,
      "Count only voxels with IMG intensity above this", "X" },
    { "temperature", 0, 0, G_OPTION_ARG_DOUBLE, &o->temperature, "Temperature for the ECE (1)", "T" },
    { "calibration-slices", 0, 0, G_OPTION_ARG_STRING, &o->calibration_slices,
      "Fit the temperature on these slices (z,z,…) and leave them out of the ECE", "LIST" },
    { NULL }
  };
  GOptionGroup *g = g_option_group_new ("uncertainty", "Uncertainty options:",
                                        "Show uncertainty options", NULL, NULL);
  g_option_group_add_entries (g, entries);
  return g;
}

/* --- predict ------------------------------------------------------------ */

gboolean
pel_uncertainty_options_predict_given (PelUncertaintyOptions *o)
{
  return o->estimator || o->maps;
}

static char *
with_suffix (const char *path, const char *suffix)
{
  static const char *const exts[] = { ".nii.gz", ".nii", ".hdr", NULL };
  for (int i = 0; exts[i]; i++)
    if (g_str_has_suffix (path, exts[i]))
      {
        gsize stem = strlen (path) - strlen (exts[i]);
        return g_strdup_printf ("%.*s%s%s", (int) stem, path, suffix, exts[i]);
      }
  return g_strdup_printf ("%s%s.nii.gz", path, suffix);
}

static gboolean
save_map (const PlVolume *ref, const float *data, const char *path, GError **error)
{
  g_autoptr (PlVolume) v = pl_volume_copy (ref);
  memcpy (v->data, data, pl_volume_n_voxels (ref) * sizeof (float));
  v->scl_slope = 1.0;
  v->scl_inter = 0.0;
  pl_volume_update_stats (v);
  return pl_volume_save (v, path, error);
}

static int
fail (const char *what, GError *error)
{
  fprintf (stderr, "pellucid-cli %s: %s\n", what, error->message);
  return 1;
}

static void
add_double_or_null (JsonBuilder *b, const char *name, double v)
{
  json_builder_set_member_name (b, name);
  if (isfinite (v))
    json_builder_add_double_value (b, v);
  else
    json_builder_add_null_value (b);
}

static void
print_json (JsonBuilder *b)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *json = NULL;
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, root);
  json = json_generator_to_data (gen, NULL);
  printf ("%s\n", json);
}

int
pel_uncertainty_predict (PelUncertaintyOptions *o, const char *image, const char *model_path,
                         const char *out, const char *prob, int mc_passes, gint64 seed, int batch,
                         PlBorder border)
{
  PlUncertaintySettings s;
  g_autoptr (GError) error = NULL;
  g_autoptr (PlVolume) volume = NULL;
  g_autoptr (PlUncertaintyResult) r = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  PlModel **models = NULL;
  int n_models = 0, est, next_map = PL_UMAP_ENTROPY;
  gint64 t0, next = -1;
  double seconds;

  pl_uncertainty_settings_init (&s);
  est = pl_estimator_from_name (o->estimator ? o->estimator : "mc");
  if (est < 0)
    {
      fprintf (stderr, "pellucid-cli predict: unknown --uncertainty '%s' (mc, ensemble, tta, softmax)\n",
               o->estimator);
      return 2;
    }
  if (o->next_by && (next_map = pl_uncertainty_map_from_name (o->next_by)) < 0)
    {
      fprintf (stderr, "pellucid-cli predict: unknown --next-by map '%s'\n", o->next_by);
      return 2;
    }
  if ((o->keep_samples > 0 || o->next_by) && !o->maps && !o->painted)
    {
      fprintf (stderr, "pellucid-cli predict: --keep-samples needs --maps, --next-by needs --painted\n");
      return 2;
    }
  s.estimator = est;
  if (mc_passes > 0)
    s.mc_passes = mc_passes;
  s.tta_samples = o->tta_samples;
  s.tta_max_rotation = (float) o->tta_rotation;
  s.tta_intensity = (float) o->tta_intensity;
  s.tta_flip_p = (float) o->tta_flip;
  s.seed = (guint64) seed;
  s.batch = batch;
  s.keep_samples = o->keep_samples;
  if (o->aleatoric_samples >= 0)
    s.aleatoric_samples = o->aleatoric_samples;
  if (!pl_uncertainty_settings_check (&s, &error))
    {
      fprintf (stderr, "pellucid-cli predict: %s\n", error->message);
      return 2;
    }
  models = pl_model_load_ensemble (model_path, &n_models, &error);
  if (!models)
    return fail ("predict", error);
  for (int m = 0; m < n_models; m++)
    models[m]->border = border;
  volume = pl_volume_load (image, 0, NULL, &error);
  if (!volume)
    {
      pl_model_ensemble_free (models);
      return fail ("predict", error);
    }
  t0 = g_get_monotonic_time ();
  r = pl_uncertainty_estimate (&s, models, n_models, volume, NULL, &error);
  seconds = (g_get_monotonic_time () - t0) * 1e-6;
  if (!r)
    {
      g_prefix_error (&error, "%s: ", model_path);
      pl_model_ensemble_free (models);
      return fail ("predict", error);
    }
  if (!pl_labels_save (r->labels, volume, out, &error))
    {
      pl_model_ensemble_free (models);
      return fail ("predict", error);
    }
  if (prob)
    for (int c = 0; c < r->n_classes; c++)
      {
        g_autofree char *suffix = g_strdup_printf ("_label%u", r->class_values[c]);
        g_autofree char *path = with_suffix (prob, suffix);
        if (!save_map (volume, r->mean + (gsize) c * r->n_voxels, path, &error))
          {
            pl_model_ensemble_free (models);
            return fail ("predict", error);
          }
      }
  if (o->maps)
    {
      for (int m = 0; m < PL_UMAP_N; m++)
        {
          g_autofree char *suffix = g_strconcat ("_", pl_uncertainty_map_name (m), NULL);
          g_autofree char *path = NULL;
          if (m == PL_UMAP_LOGIT_VARIANCE && !r->aleatoric)
            continue;
          path = with_suffix (o->maps, suffix);
          if (!save_map (volume, r->maps[m], path, &error))
            {
              pl_model_ensemble_free (models);
              return fail ("predict", error);
            }
        }
      for (int k = 0; k < r->n_kept; k++)
        {
          g_autoptr (PlLabels) lab = pl_labels_new (volume->dim);
          g_autofree char *suffix = g_strdup_printf ("_sample%d", k);
          g_autofree char *path = with_suffix (o->maps, suffix);
          for (gsize i = 0; i < r->n_voxels; i++)
            lab->data[i] = r->class_values[r->samples[(gsize) k * r->n_voxels + i]];
          if (!pl_labels_save (lab, volume, path, &error))
            {
              pl_model_ensemble_free (models);
              return fail ("predict", error);
            }
        }
    }
  if (o->painted)
    {
      g_autoptr (PlLabels) painted = pl_labels_load (o->painted, volume, &error);
      g_autofree gint64 *counts = NULL;
      if (!painted)
        {
          pl_model_ensemble_free (models);
          return fail ("predict", error);
        }
      counts = g_new0 (gint64, volume->dim[r->axis]);
      pl_labels_count_slices (painted, r->axis, counts);
      next = pl_uncertainty_next_slice (r->slice_means[next_map], volume->dim[r->axis], counts, NULL);
    }
  pl_model_ensemble_free (models);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "out");
  json_builder_add_string_value (b, out);
  json_builder_set_member_name (b, "estimator");
  json_builder_add_string_value (b, pl_estimator_name (s.estimator));
  json_builder_set_member_name (b, "samples");
  json_builder_add_int_value (b, r->n_samples);
  json_builder_set_member_name (b, "seed");
  json_builder_add_int_value (b, seed);
  json_builder_set_member_name (b, "seconds");
  json_builder_add_double_value (b, seconds);
  json_builder_set_member_name (b, "axis");
  json_builder_add_int_value (b, r->axis);
  json_builder_set_member_name (b, "aleatoric_head");
  json_builder_add_boolean_value (b, r->aleatoric);
  json_builder_set_member_name (b, "volume_mean");
  json_builder_begin_object (b);
  for (int m = 0; m < PL_UMAP_N; m++)
    {
      double sum = 0.0;
      if (m == PL_UMAP_LOGIT_VARIANCE && !r->aleatoric)
        continue;
      for (gsize i = 0; i < r->n_voxels; i++)
        sum += r->maps[m][i];
      add_double_or_null (b, pl_uncertainty_map_name (m), sum / r->n_voxels);
    }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "slice_means");
  json_builder_begin_object (b);
  for (int m = 0; m < PL_UMAP_N; m++)
    {
      if (m == PL_UMAP_LOGIT_VARIANCE && !r->aleatoric)
        continue;
      json_builder_set_member_name (b, pl_uncertainty_map_name (m));
      json_builder_begin_array (b);
      for (gint64 z = 0; z < r->dim[r->axis]; z++)
        json_builder_add_double_value (b, r->slice_means[m][z]);
      json_builder_end_array (b);
    }
  json_builder_end_object (b);
  if (o->painted)
    {
      json_builder_set_member_name (b, "next_slice");
      json_builder_add_int_value (b, next);
      json_builder_set_member_name (b, "next_by");
      json_builder_add_string_value (b, pl_uncertainty_map_name (next_map));
    }
  json_builder_end_object (b);
  print_json (b);
  return 0;
}

/* --- train -------------------------------------------------------------- */

void
pel_uncertainty_options_apply_train (PelUncertaintyOptions *o, PlTrainConfig *cfg)
{
  if (o->aleatoric)
    cfg->net.aleatoric = TRUE;
  if (o->aleatoric_samples >= 0)
    cfg->aleatoric_samples = o->aleatoric_samples;
}

void
pel_uncertainty_train_provider (PelUncertaintyOptions *o, const PlTrainConfig *cfg,
                                const PlVolume *volume, PlLabelProvider *labels)
{
  PlLabelProvider inner = *labels;

  if (!o->bootstrap || o->ensemble < 2)
    return;
  /* The same draw as pl_ensemble_train's member 0. */
  pl_bootstrap_labels_init (&o->boot, &inner, cfg, volume, labels);
}

typedef struct
{
  const PlMethodConfig *method;
} Setup;

static gboolean
install_method (PlTrainer *trainer, gpointer user_data, GError **error)
{
  return pl_method_install (trainer, ((Setup *) user_data)->method, error);
}

static gboolean
report_member (double fraction, const char *message, gpointer user_data)
{
  static int last = -1;
  int pct = (int) (fraction * 100);
  if (pct / 5 != last)
    {
      last = pct / 5;
      fprintf (stderr, "ensemble: %3d%%  %s\n", pct, message ? message : "");
    }
  return TRUE;
}

gboolean
pel_uncertainty_save_model (PelUncertaintyOptions *o, PlModel *model, const PlTrainConfig *cfg,
                            const PlMethodConfig *method, const PlVolume *volume,
                            const PlLabelProvider *labels, int steps, const char *out,
                            GError **error)
{
  PlModel **rest, **all;
  Setup setup = { method };
  PlProgress progress = { report_member, NULL, NULL };
  PlLabelProvider inner = *labels;
  gboolean ok;

  if (o->ensemble <= 1)
    return pl_model_save (model, out, error);
  if (o->ensemble > PL_MODEL_MAX_MEMBERS)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID, "--ensemble takes at most %d members",
                   PL_MODEL_MAX_MEMBERS);
      return FALSE;
    }
  /* Members 1 … M−1 see the labels themselves, each drawing its own
   * bootstrap sample. */
  if (o->bootstrap)
    inner = o->boot.inner;
  rest = pl_ensemble_train (cfg, steps, 1, o->ensemble, o->bootstrap, install_method, &setup,
                            volume, &inner, &progress, error);
  if (!rest)
    return FALSE;
  all = g_new0 (PlModel *, o->ensemble + 1);
  all[0] = model;
  for (int m = 1; m < o->ensemble; m++)
    all[m] = rest[m - 1];
  ok = pl_model_save_ensemble (all, o->ensemble, out, error);
  g_free (all);
  pl_model_ensemble_free (rest);
  return ok;
}

/* --- eval --------------------------------------------------------------- */

gboolean
pel_uncertainty_options_eval_given (PelUncertaintyOptions *o)
{
  return o->probabilities || o->ece || o->reliability || o->auroc;
}

static gboolean
parse_slices (const char *list, gint64 n, guint8 *sel, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (list, ",", -1);
  for (int i = 0; parts[i]; i++)
    {
      gint64 z;
      char *end;
      z = g_ascii_strtoll (parts[i], &end, 10);
      if (end == parts[i] || *end || z < 0 || z >= n)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                       "--calibration-slices: '%s' is not a slice 0…%" G_GINT64_FORMAT, parts[i], n - 1);
          return FALSE;
        }
      sel[z] = 1;
    }
  return TRUE;
}

static float *
load_map (const PlVolume *ref, const char *path, GError **error)
{
  g_autoptr (PlVolume) v = pl_volume_load (path, 0, NULL, error);
  if (!v)
    return NULL;
  if (memcmp (v->dim, ref->dim, sizeof v->dim) != 0)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_GRID_MISMATCH, "%s: not on the reference's grid", path);
      return NULL;
    }
  return g_memdup2 (v->data, pl_volume_n_voxels (v) * sizeof (float));
}

gboolean
pel_uncertainty_eval (PelUncertaintyOptions *o, const PlVolume *ref, const PlLabels *truth,
                      const PlLabels *pred, const guint8 *skip, int axis, const guint16 *values,
                      int n_values, int background, JsonBuilder *b, GError **error)
{
  gsize nv = pl_labels_n_voxels (truth);
  g_autofree guint8 *mask = g_new (guint8, nv), *fit_mask = NULL, *wrong = g_new (guint8, nv);
  g_autofree gint32 *cls = g_new (gint32, nv);
  g_autofree float *probs = NULL;
  g_autofree guint8 *cal = g_new0 (guint8, ref->dim[axis]), *bright = NULL;
  gsize n_eval = 0;
  double T = o->temperature;

  if (o->bins < 1 || o->bins > 1000 || !(T > 0.0))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID, "--bins must be 1…1000, --temperature > 0");
      return FALSE;
    }
  if ((o->ece || o->reliability || o->calibration_slices) && !o->probabilities)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "--ece, --reliability and --calibration-slices need --probabilities");
      return FALSE;
    }
  if (o->calibration_slices && !parse_slices (o->calibration_slices, ref->dim[axis], cal, error))
    return FALSE;

  /* Evaluated voxels: eval's slices, above --min-intensity, not in the
   * calibration slices. */
  for (gsize i = 0; i < nv; i++)
    mask[i] = !skip[i];
  if (o->intensity)
    {
      g_autoptr (PlVolume) img = pl_volume_load (o->intensity, 0, NULL, error);
      if (!img)
        return FALSE;
      if (memcmp (img->dim, ref->dim, sizeof img->dim) != 0)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_GRID_MISMATCH, "%s: not on the reference's grid",
                       o->intensity);
          return FALSE;
        }
      bright = g_new (guint8, nv);
      for (gsize i = 0; i < nv; i++)
        {
          bright[i] = img->data[i] > o->min_intensity;
          mask[i] = mask[i] && bright[i];
        }
    }
  if (o->calibration_slices)
    {
      int h, w;
      fit_mask = g_new0 (guint8, nv);
      pl_slice_dims (ref->dim, axis, &h, &w);
      for (gint64 z = 0; z < ref->dim[axis]; z++)
        if (cal[z])
          for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
              {
                gsize i = pl_slice_voxel (ref->dim, axis, z, y, x);
                /* The calibration slices stand for held-out painted
                 * slices: they may lie outside eval's slices; the
                 * intensity condition holds there too. */
                fit_mask[i] = bright ? bright[i] : 1;
                mask[i] = 0;
              }
    }
  for (gsize i = 0; i < nv; i++)
    {
      cls[i] = -1;
      for (int k = 0; k < n_values; k++)
        if (truth->data[i] == values[k])
          cls[i] = k;
      wrong[i] = pred->data[i] != truth->data[i];
      n_eval += mask[i];
    }
  if (o->probabilities)
    {
      probs = g_try_new (float, (gsize) n_values * nv);
      if (!probs)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_TOO_LARGE, "not enough memory for %d probability maps", n_values);
          return FALSE;
        }
      for (int k = 0; k < n_values; k++)
        {
          g_autofree char *suffix = g_strdup_printf ("_label%u", values[k]);
          g_autofree char *path = with_suffix (o->probabilities, suffix);
          g_autofree float *p = load_map (ref, path, error);
          if (!p)
            return FALSE;
          memcpy (probs + (gsize) k * nv, p, nv * sizeof (float));
        }
    }
  json_builder_set_member_name (b, "uncertainty_voxels");
  json_builder_add_int_value (b, n_eval);
  if (probs && fit_mask)
    {
      double nll0 = pl_temperature_nll (probs, n_values, nv, nv, cls, fit_mask, 1.0);
      T = pl_temperature_fit (probs, n_values, nv, nv, cls, fit_mask);
      json_builder_set_member_name (b, "temperature");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "fitted_on_slices");
      json_builder_add_string_value (b, o->calibration_slices);
      add_double_or_null (b, "T", T);
      add_double_or_null (b, "fit_nll_before", nll0);
      add_double_or_null (b, "fit_nll_after", pl_temperature_nll (probs, n_values, nv, nv, cls, fit_mask, T));
      add_double_or_null (b, "nll_before", pl_temperature_nll (probs, n_values, nv, nv, cls, mask, 1.0));
      add_double_or_null (b, "nll_after", pl_temperature_nll (probs, n_values, nv, nv, cls, mask, T));
      json_builder_end_object (b);
    }
  if (probs && (o->ece || o->reliability))
    {
      g_autoptr (PlReliability) rel = pl_reliability_new (o->bins);
      g_autoptr (PlReliability) rel_t = NULL;
      pl_reliability_add (rel, probs, n_values, nv, nv, cls, mask, 1.0);
      json_builder_set_member_name (b, "ece");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "bins");
      json_builder_add_int_value (b, o->bins);
      json_builder_set_member_name (b, "voxels");
      json_builder_add_int_value (b, pl_reliability_total (rel));
      json_builder_set_member_name (b, "which");
      json_builder_add_string_value (b, "top-label; every class, background included; "
                                        "pooled over the evaluated voxels of the volume");
      add_double_or_null (b, "ece", pl_reliability_ece (rel));
      add_double_or_null (b, "accuracy", pl_reliability_accuracy (rel));
      if (T != 1.0)
        {
          rel_t = pl_reliability_new (o->bins);
          pl_reliability_add (rel_t, probs, n_values, nv, nv, cls, mask, T);
          add_double_or_null (b, "temperature", T);
          add_double_or_null (b, "ece_temperature", pl_reliability_ece (rel_t));
        }
      json_builder_set_member_name (b, "reliability");
      json_builder_begin_array (b);
      for (int k = 0; k < o->bins; k++)
        {
          double lo, hi, conf, acc;
          gint64 count;
          pl_reliability_bin (rel, k, &lo, &hi, &count, &conf, &acc);
          json_builder_begin_object (b);
          add_double_or_null (b, "lo", lo);
          add_double_or_null (b, "hi", hi);
          json_builder_set_member_name (b, "count");
          json_builder_add_int_value (b, count);
          add_double_or_null (b, "confidence", conf);
          add_double_or_null (b, "accuracy", acc);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      if (o->reliability)
        {
          GString *csv = g_string_new ("bin,lo,hi,count,confidence,accuracy,set\n");
          gboolean ok;
          for (int set = 0; set < (rel_t ? 2 : 1); set++)
            for (int k = 0; k < o->bins; k++)
              {
                double lo, hi, conf, acc;
                gint64 count;
                pl_reliability_bin (set ? rel_t : rel, k, &lo, &hi, &count, &conf, &acc);
                g_string_append_printf (csv, "%d,%.6f,%.6f,%" G_GINT64_FORMAT ",%.6f,%.6f,%s\n", k, lo, hi,
                                        count, conf, acc, set ? "temperature" : "raw");
              }
          ok = g_file_set_contents (o->reliability, csv->str, csv->len, error);
          g_string_free (csv, TRUE);
          if (!ok)
            return FALSE;
        }
    }
  if (o->auroc)
    {
      g_autofree guint16 *fg = g_new (guint16, MAX (n_values, 1));
      int n_fg = 0;
      gint64 n_slices = ref->dim[axis];
      g_autofree double *dice = g_new (double, n_slices);
      g_autoptr (GPtrArray) means = g_ptr_array_new_with_free_func (g_free);
      for (int k = 0; k < n_values; k++)
        if (values[k] != background)
          fg[n_fg++] = values[k];
      json_builder_set_member_name (b, "auroc");
      json_builder_begin_object (b);
      for (int a = 0; o->auroc[a]; a++)
        {
          g_autofree float *map = load_map (ref, o->auroc[a], error);
          g_autofree char *base = NULL;
          double *m;
          if (!map)
            return FALSE;
          base = g_path_get_basename (o->auroc[a]);
          add_double_or_null (b, base, pl_auroc (map, wrong, mask, nv));
          m = g_new (double, n_slices);
          pl_uncertainty_slice_means (map, ref->dim, axis, mask, m);
          g_ptr_array_add (means, m);
        }
      json_builder_end_object (b);
      /* Per-slice pairs (uncertainty, Dice) over the evaluated slices. */
      json_builder_set_member_name (b, "slices");
      json_builder_begin_array (b);
      for (gint64 z = 0; z < n_slices; z++)
        {
          int h, w;
          gboolean any = FALSE;
          pl_slice_dims (ref->dim, axis, &h, &w);
          for (int y = 0; y < h && !any; y++)
            for (int x = 0; x < w && !any; x++)
              any = mask[pl_slice_voxel (ref->dim, axis, z, y, x)];
          if (!any)
            continue;
          dice[z] = pl_slice_dice (pred->data, truth->data, ref->dim, axis, z, fg, n_fg);
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "slice");
          json_builder_add_int_value (b, z);
          add_double_or_null (b, "dice", dice[z]);
          for (guint a = 0; a < means->len; a++)
            {
              g_autofree char *base = g_path_get_basename (o->auroc[a]);
              add_double_or_null (b, base, ((double *) g_ptr_array_index (means, a))[z]);
            }
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
    }
  return TRUE;
}
