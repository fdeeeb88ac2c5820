/* pellucid-cli bench uncertainty-colin27: the uncertainty estimators on
 * Colin27 with 5 labelled axial slices.
 *
 *   pellucid-cli bench uncertainty-colin27 [--model M] [--ensemble-model E]
 *        [--aleatoric-model A] [--steps 600] [--seed 0] [--mc-passes 20]
 *        [--tta-samples 8] [--tta-rotation 10] [--tta-intensity 0.1] [--tta-flip 0.5]
 *        [--no-mc] [--no-tta] [--calibration-slices 34,95]
 *        [--al-seeds 3] [--al-steps N] [--no-al] [--every 1] [--offset 0] [--threads 2]
 *        [--save-model M]
 *
 * The model is unet2d-ref trained by `pellucid-cli train` on
 * colin27-4class-k5 over ch2 (--steps, --seed; or --model).  Held-out
 * slices: brain-containing axial slices of colin27-4class without labels
 * in the k5 file; the calibration slices (default halfway between painted
 * slices 19/49 and 80/110, standing for slices an annotator painted and
 * held out) are taken out of them.  For each estimator (softmax, MC dropout,
 * TTA, the ensemble file if given (alone and with TTA: each member on each
 * transformed copy), and a model with an aleatoric head if
 * given: its logit draws averaged, "aleatoric", and with MC dropout,
 * "aleatoric-mc"), over the evaluated voxels (held-out
 * slices minus the calibration slices, ch2 intensity > 20, as
 * ../shared/peers/torch_fewshot.py --ece): ECE (15 bins, top-label, every
 * class, pooled), the temperature fitted on the calibration slices and the
 * ECE after it, the AUROC of every map for wrong vs right voxels, the mean
 * held-out Dice over labels 2–4, and the time.
 *
 * Active learning: from the 5 painted slices add 2 more (labels from the
 * reference) chosen (a) by Next uncertain slice on the MC entropy of the
 * model, averaged over each slice's tissue (intensity > 20) (the highest,
 * then the highest at least 10 slices from it; among the evaluated
 * slices, so with --every N among every N-th), (b) halfway between painted slices (the two
 * widest gaps), (c) at random among the unpainted brain slices; train the
 * same budget with --al-seeds seeds each and report the held-out Dice over
 * the slices none of the strategies added.  One RESULT_JSON line per
 * figure.
 *
 * --every N evaluates every N-th held-out slice only (and the calibration
 * slices), stacked into a smaller volume: the network works slice by slice,
 * so each evaluated slice gets the same prediction as in the whole volume,
 * and the run is about N times shorter.  Training always uses the whole
 * volume. */
#define G_LOG_DOMAIN "pellucid-cli"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/core/error.h"
#include "engine/core/gemm.h"
#include "engine/core/rng.h"
#include "engine/data/dataset.h"
#include "engine/data/labels.h"
#include "engine/data/metrics.h"
#include "engine/nn/infer.h"
#include "engine/nn/train.h"
#include "engine/uncertainty/calibration.h"
#include "engine/uncertainty/error-detect.h"
#include "engine/uncertainty/estimate.h"
#include "src/cli/commands.h"

#define COLIN "/usr/share/mricron/templates/ch2.nii.gz"

static const char *
data_dir (void)
{
  const char *dir = g_getenv ("PELLUCID_DATA");
  return dir && *dir ? dir : "../shared/data";
}

typedef struct
{
  const PlVolume *volume;    /* the evaluated slices, stacked */
  const PlLabels *truth;     /* on volume's grid */
  const PlVolume *full;      /* the whole volume (training) */
  int             axis;
  double          rampdown;  /* of every training run (train --lr-rampdown) */
  gint64          n_slices;  /* of volume */
  gint64         *orig;      /* (n_slices) slice index in the whole volume */
  guint8         *held;      /* (n_slices) evaluated (not calibration) slices */
  guint8         *eval_mask; /* (n_voxels) evaluated voxels for ECE/AUROC */
  guint8         *cal_mask;  /* (n_voxels) calibration voxels */
  gint32         *cls;       /* (n_voxels) class index of the truth, −1 if none */
} Bench;

static void
set_slice (const Bench *b, guint8 *mask, gint64 z, const guint8 *cond, guint8 v)
{
  int h, w;
  pl_slice_dims (b->volume->dim, b->axis, &h, &w);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        gsize i = pl_slice_voxel (b->volume->dim, b->axis, z, y, x);
        if (!cond || cond[i])
          mask[i] = v;
      }
}

static gboolean
progress_line (double fraction, const char *message, gpointer user_data)
{
  static int last = -1;
  int pct = (int) (fraction * 100);
  if (pct / 10 != last)
    {
      last = pct / 10;
      fprintf (stderr, "  %s %3d%%\n", (const char *) user_data, pct);
    }
  if (fraction >= 1.0)
    last = -1;
  return TRUE;
}

/* Mean held-out Dice over labels 2–4, 3-D over the held-out slices with
 * skip_slices (may be NULL) also left out. */
static double
heldout_dice (const Bench *b, const PlLabels *pred, const guint8 *skip_slices, double *per)
{
  static const guint16 values[3] = { 2, 3, 4 };
  gsize nv = pl_labels_n_voxels (b->truth);
  g_autofree guint8 *skip = g_new (guint8, nv);
  double d[3], mean = 0.0;

  memset (skip, 1, nv);
  for (gint64 z = 0; z < b->n_slices; z++)
    if (b->held[z] && !(skip_slices && skip_slices[z]))
      set_slice (b, skip, z, NULL, 0);
  pl_dice_per_value (pred->data, b->truth->data, nv, skip, values, 3, d);
  for (int k = 0; k < 3; k++)
    {
      mean += d[k] / 3;
      if (per)
        per[k] = d[k];
    }
  return mean;
}

static void
result_json (const char *name, JsonBuilder *jb)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (jb);
  g_autofree char *json = NULL;
  json_generator_set_root (gen, root);
  json = json_generator_to_data (gen, NULL);
  printf ("RESULT_JSON %s %s\n", name, json);
  fflush (stdout);
}

static PlModel *
train_model (const Bench *b, const PlLabels *labels, int steps, guint64 seed, GError **error)
{
  PlTrainConfig cfg;
  PlLabelProvider provider;
  g_autoptr (PlTrainer) trainer = NULL;
  g_autofree char *what = g_strdup_printf ("training (seed %" G_GUINT64_FORMAT ")", seed);
  PlProgress progress = { progress_line, what, NULL };

  pl_train_config_init (&cfg);
  cfg.seed = seed;
  cfg.axis = b->axis;
  cfg.lr_rampdown = (float) b->rampdown;
  pl_label_provider_init_static (&provider, labels);
  trainer = pl_trainer_new (&cfg, b->full, &provider, error);
  if (!trainer || !pl_trainer_run (trainer, steps, &progress, NULL, NULL, error))
    return NULL;
  return pl_trainer_export_model (trainer);
}

/* Runs one estimator and prints its figures; keeps the MC result. */
static gboolean
run_estimator (const Bench *b, PlEstimator est, const char *label, PlModel **models, int n_models,
               const PlUncertaintySettings *base, PlUncertaintyResult **keep, GError **error)
{
  PlUncertaintySettings s = *base;
  PlProgress progress = { progress_line, (gpointer) label, NULL };
  g_autoptr (PlUncertaintyResult) r = NULL;
  g_autoptr (PlReliability) rel = pl_reliability_new (PL_ECE_DEFAULT_BINS);
  g_autoptr (PlReliability) rel_t = pl_reliability_new (PL_ECE_DEFAULT_BINS);
  g_autoptr (PlReliability) rel_in = pl_reliability_new (PL_ECE_DEFAULT_BINS);
  g_autoptr (PlReliability) rel_in_t = pl_reliability_new (PL_ECE_DEFAULT_BINS);
  g_autoptr (PlReliability) rel_out = pl_reliability_new (PL_ECE_DEFAULT_BINS);
  g_autoptr (JsonBuilder) jb = json_builder_new ();
  g_autofree guint8 *wrong = NULL;
  gsize nv = pl_volume_n_voxels (b->volume);
  double T, auroc[PL_UMAP_N], auroc_brain, dice, per[3];
  gint64 t0 = g_get_monotonic_time ();
  double seconds;
  int K;

  s.estimator = est;
  r = pl_uncertainty_estimate (&s, models, n_models, b->volume, &progress, error);
  if (!r)
    return FALSE;
  seconds = (g_get_monotonic_time () - t0) * 1e-6;
  K = r->n_classes;
  pl_reliability_add (rel, r->mean, K, nv, nv, b->cls, b->eval_mask, 1.0);
  T = pl_temperature_fit (r->mean, K, nv, nv, b->cls, b->cal_mask);
  pl_reliability_add (rel_t, r->mean, K, nv, nv, b->cls, b->eval_mask, T);
  /* Where the miscalibration is: the evaluated voxels inside the brain
   * (reference class 2–4) and outside it (class 1: skull, scalp, the
   * brighter parts of the background), before and after the temperature. */
  {
    g_autofree guint8 *in = g_new (guint8, nv), *out = g_new (guint8, nv);
    for (gsize i = 0; i < nv; i++)
      {
        in[i] = b->eval_mask[i] && b->cls[i] >= 1;
        out[i] = b->eval_mask[i] && b->cls[i] == 0;
      }
    pl_reliability_add (rel_in, r->mean, K, nv, nv, b->cls, in, 1.0);
    pl_reliability_add (rel_out, r->mean, K, nv, nv, b->cls, out, 1.0);
    pl_reliability_add (rel_in_t, r->mean, K, nv, nv, b->cls, in, T);
  }
  wrong = g_new (guint8, nv);
  for (gsize i = 0; i < nv; i++)
    wrong[i] = r->labels->data[i] != b->truth->data[i];
  for (int m = 0; m < PL_UMAP_N; m++)
    auroc[m] = pl_auroc (r->maps[m], wrong, b->eval_mask, nv);
  {
    g_autofree guint8 *in = g_new (guint8, nv);
    for (gsize i = 0; i < nv; i++)
      in[i] = b->eval_mask[i] && b->cls[i] >= 1;
    auroc_brain = pl_auroc (r->maps[PL_UMAP_ENTROPY], wrong, in, nv);
  }
  dice = heldout_dice (b, r->labels, NULL, per);

  printf ("%-12s T=%-3d ECE %.4f  T-scaled %.4f (T = %.3f)  acc %.4f  AUROC entropy %.3f  MI %.3f  "
          "expected-entropy %.3f  variance %.3f  Dice %.4f  %.1f s\n",
          label, r->n_samples, pl_reliability_ece (rel), pl_reliability_ece (rel_t), T,
          pl_reliability_accuracy (rel), auroc[PL_UMAP_ENTROPY], auroc[PL_UMAP_MUTUAL_INFO],
          auroc[PL_UMAP_EXPECTED_ENTROPY], auroc[PL_UMAP_VARIANCE], dice, seconds);
  printf ("%-12s       ECE in the brain %.4f (T-scaled %.4f, %" G_GINT64_FORMAT " voxels, acc %.4f), "
          "outside %.4f (%" G_GINT64_FORMAT " voxels, acc %.4f); AUROC entropy in the brain %.3f\n", "",
          pl_reliability_ece (rel_in), pl_reliability_ece (rel_in_t), pl_reliability_total (rel_in),
          pl_reliability_accuracy (rel_in), pl_reliability_ece (rel_out), pl_reliability_total (rel_out),
          pl_reliability_accuracy (rel_out), auroc_brain);
  json_builder_begin_object (jb);
  json_builder_set_member_name (jb, "estimator");
  json_builder_add_string_value (jb, label);
  json_builder_set_member_name (jb, "samples");
  json_builder_add_int_value (jb, r->n_samples);
  json_builder_set_member_name (jb, "voxels");
  json_builder_add_int_value (jb, pl_reliability_total (rel));
  json_builder_set_member_name (jb, "ece");
  json_builder_add_double_value (jb, pl_reliability_ece (rel));
  json_builder_set_member_name (jb, "temperature");
  json_builder_add_double_value (jb, T);
  json_builder_set_member_name (jb, "ece_temperature");
  json_builder_add_double_value (jb, pl_reliability_ece (rel_t));
  json_builder_set_member_name (jb, "accuracy");
  json_builder_add_double_value (jb, pl_reliability_accuracy (rel));
  json_builder_set_member_name (jb, "ece_brain");
  json_builder_add_double_value (jb, pl_reliability_ece (rel_in));
  json_builder_set_member_name (jb, "ece_brain_temperature");
  json_builder_add_double_value (jb, pl_reliability_ece (rel_in_t));
  json_builder_set_member_name (jb, "ece_outside_brain");
  json_builder_add_double_value (jb, pl_reliability_ece (rel_out));
  json_builder_set_member_name (jb, "auroc_entropy_brain");
  json_builder_add_double_value (jb, auroc_brain);
  json_builder_set_member_name (jb, "auroc");
  json_builder_begin_object (jb);
  for (int m = 0; m < PL_UMAP_N; m++)
    {
      if (m == PL_UMAP_LOGIT_VARIANCE && !r->aleatoric)
        continue;
      json_builder_set_member_name (jb, pl_uncertainty_map_name (m));
      json_builder_add_double_value (jb, auroc[m]);
    }
  json_builder_end_object (jb);
  json_builder_set_member_name (jb, "dice_mean");
  json_builder_add_double_value (jb, dice);
  json_builder_set_member_name (jb, "seconds");
  json_builder_add_double_value (jb, seconds);
  json_builder_set_member_name (jb, "reliability");
  json_builder_begin_array (jb);
  for (int k = 0; k < PL_ECE_DEFAULT_BINS; k++)
    {
      gint64 count;
      double conf, acc;
      pl_reliability_bin (rel, k, NULL, NULL, &count, &conf, &acc);
      json_builder_begin_array (jb);
      json_builder_add_int_value (jb, count);
      json_builder_add_double_value (jb, isnan (conf) ? -1 : conf);
      json_builder_add_double_value (jb, isnan (acc) ? -1 : acc);
      json_builder_end_array (jb);
    }
  json_builder_end_array (jb);
  json_builder_end_object (jb);
  result_json ("uncertainty-colin27-estimator", jb);
  if (keep)
    *keep = g_steal_pointer (&r);
  return TRUE;
}

/* The two slices of each active-learning strategy. */
static void
choose_uncertain (const Bench *b, const PlUncertaintyResult *mc, gint64 out[2])
{
  g_autofree double *means = g_new (double, b->n_slices);
  g_autofree guint8 *mask = g_new (guint8, pl_volume_n_voxels (b->volume));
  g_autofree guint8 *excl = g_new0 (guint8, b->n_slices);

  /* Mean entropy over the tissue (intensity > 20) of each slice, so a
   * slice is not ranked by how much air it holds. */
  for (gsize i = 0; i < pl_volume_n_voxels (b->volume); i++)
    mask[i] = b->volume->data[i] > 20.0f;
  pl_uncertainty_slice_means (mc->maps[PL_UMAP_ENTROPY], b->volume->dim, b->axis, mask, means);
  for (gint64 z = 0; z < b->n_slices; z++)
    excl[z] = !b->held[z];
  /* The stacked volume holds no painted slice; candidates are the
   * evaluated slices, at least 10 slices (of the whole volume) apart. */
  for (int k = 0; k < 2; k++)
    {
      gint64 s = pl_uncertainty_next_slice (means, b->n_slices, NULL, excl);
      out[k] = s >= 0 ? b->orig[s] : -1;
      for (gint64 z = 0; z < b->n_slices && s >= 0; z++)
        if (ABS (b->orig[z] - out[k]) < 10)
          excl[z] = 1;
    }
}

static void
choose_halfway (const Bench *b, const gint64 *painted, gint64 out[2])
{
  gint64 prev = -1, gaps[64][2];
  int n = 0;
  for (gint64 z = 0; z < b->full->dim[b->axis] && n < 64; z++)
    if (painted[z] > 0)
      {
        if (prev >= 0)
          {
            gaps[n][0] = z - prev;
            gaps[n][1] = (prev + z) / 2;
            n++;
          }
        prev = z;
      }
  for (int k = 0; k < 2; k++)
    {
      int best = -1;
      for (int i = 0; i < n; i++)
        if (gaps[i][0] > 0 && (best < 0 || gaps[i][0] > gaps[best][0]))
          best = i;
      out[k] = best >= 0 ? gaps[best][1] : -1;
      if (best >= 0)
        gaps[best][0] = 0;
    }
}

static void
choose_random (const guint8 *held_full, gint64 n, guint64 seed, gint64 out[2])
{
  PlRng rng;
  pl_rng_init (&rng, seed ^ G_GUINT64_CONSTANT (0xa1a1));
  for (int k = 0; k < 2; k++)
    do
      out[k] = pl_rng_below (&rng, (guint32) n);
    while (!held_full[out[k]] || (k == 1 && out[1] == out[0]));
}

/* dst slice k ← src slice z along axis (volumes or labels by element size). */
static void
copy_slice (const gint64 *sdim, const void *src, const gint64 *ddim, void *dst, int axis, gint64 z,
            gint64 k, gsize elem)
{
  int h, w;
  gsize sh, sw, so, dh, dw, dof;
  pl_slice_dims (sdim, axis, &h, &w);
  pl_slice_strides (sdim, axis, z, &sh, &sw, &so);
  pl_slice_strides (ddim, axis, k, &dh, &dw, &dof);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      memcpy ((char *) dst + (dof + y * dh + x * dw) * elem, (const char *) src + (so + y * sh + x * sw) * elem,
              elem);
}

int
pel_cli_bench_uncertainty (int argc, char **argv)
{
  g_autofree char *model_path = NULL, *ens_path = NULL, *save = NULL, *cal_s = NULL, *alea_path = NULL;
  int steps = PL_TRAIN_DEFAULT_STEPS, threads = 2, al_seeds = 3, al_steps = 0, every = 1;
  int mc_passes = 0, tta_samples = 0, offset = 0;
  gint64 seed = 0;
  double rampdown = PL_TRAIN_DEFAULT_LR_RAMPDOWN, tta_rotation = NAN, tta_intensity = NAN, tta_flip = NAN;
  gboolean no_al = FALSE, no_tta = FALSE, no_mc = FALSE;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "Use this model instead of training one", "M" },
    { "ensemble-model", 0, 0, G_OPTION_ARG_FILENAME, &ens_path, "Also evaluate this ensemble file", "E" },
    { "aleatoric-model", 0, 0, G_OPTION_ARG_FILENAME, &alea_path,
      "Also evaluate this model with an aleatoric head (train --aleatoric)", "A" },
    { "no-tta", 0, 0, G_OPTION_ARG_NONE, &no_tta, "Skip test-time augmentation", NULL },
    { "no-mc", 0, 0, G_OPTION_ARG_NONE, &no_mc, "Skip MC dropout (and active learning)", NULL },
    { "save-model", 0, 0, G_OPTION_ARG_FILENAME, &save, "Save the trained model", "M" },
    { "steps", 's', 0, G_OPTION_ARG_INT, &steps, "Training steps (600)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Training seed (0)", "S" },
    { "lr-rampdown", 0, 0, G_OPTION_ARG_DOUBLE, &rampdown, "Every training run's ramp-down of the rate over this last fraction of "
      "its steps, as train (" G_STRINGIFY (PL_TRAIN_DEFAULT_LR_RAMPDOWN) ")", "F" },
    { "mc-passes", 0, 0, G_OPTION_ARG_INT, &mc_passes, "MC dropout passes (20)", "T" },
    { "tta-samples", 0, 0, G_OPTION_ARG_INT, &tta_samples, "TTA samples (8)", "T" },
    { "tta-rotation", 0, 0, G_OPTION_ARG_DOUBLE, &tta_rotation, "TTA rotations in ± this many degrees (10)", "DEG" },
    { "tta-intensity", 0, 0, G_OPTION_ARG_DOUBLE, &tta_intensity, "TTA intensity scale 1 ± S, shift ± S/2 (0.1)", "S" },
    { "tta-flip", 0, 0, G_OPTION_ARG_DOUBLE, &tta_flip, "TTA probability of each flip (0.5)", "P" },
    { "calibration-slices", 0, 0, G_OPTION_ARG_STRING, &cal_s, "Temperature-fit slices (34,95)", "z,z" },
    { "every", 0, 0, G_OPTION_ARG_INT, &every, "Evaluate every N-th held-out slice (1)", "N" },
    { "offset", 0, 0, G_OPTION_ARG_INT, &offset, "With --every N: start at the K-th held-out slice (0)", "K" },
    { "al-seeds", 0, 0, G_OPTION_ARG_INT, &al_seeds, "Active learning: seeds per strategy (3)", "N" },
    { "al-steps", 0, 0, G_OPTION_ARG_INT, &al_steps, "Active learning: steps (--steps)", "N" },
    { "no-al", 0, 0, G_OPTION_ARG_NONE, &no_al, "Skip active learning", NULL },
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "Threads (2)", "T" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("uncertainty-colin27");
  g_autoptr (GError) error = NULL;
  g_autoptr (PlVolume) full = NULL, sub = NULL;
  g_autoptr (PlLabels) truth = NULL, sparse = NULL, sub_truth = NULL;
  g_autoptr (PlModel) model = NULL;
  g_autoptr (PlUncertaintyResult) mc = NULL;
  g_autofree char *truth_path = g_build_filename (data_dir (), "colin27-4class.nii.gz", NULL);
  g_autofree char *sparse_path = g_build_filename (data_dir (), "colin27-4class-k5.nii.gz", NULL);
  g_autofree gint64 *painted = NULL, *orig = NULL;
  g_autofree guint8 *held_full = NULL, *cal_full = NULL, *is_cal = NULL;
  PlUncertaintySettings us;
  Bench b = { 0 };
  gint64 nz, n_sel = 0, n_held = 0, n_eval = 0;
  gsize nv;
  int axis;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "pellucid-cli bench: %s\n", error->message);
      return 2;
    }
  if (steps < 0 || threads < 1 || al_seeds < 0 || al_steps < 0 || mc_passes < 0 || tta_samples < 0 || every < 1
      || offset < 0 || !(rampdown >= 0.0 && rampdown <= 1.0))
    {
      fprintf (stderr, "pellucid-cli bench uncertainty-colin27: counts must be ≥ 0, --threads and --every ≥ 1, "
               "--lr-rampdown 0…1\n");
      return 2;
    }
  pl_uncertainty_settings_init (&us);
  if (mc_passes)
    us.mc_passes = mc_passes;
  if (tta_samples)
    us.tta_samples = tta_samples;
  if (!isnan (tta_rotation))
    us.tta_max_rotation = (float) tta_rotation;
  if (!isnan (tta_intensity))
    us.tta_intensity = (float) tta_intensity;
  if (!isnan (tta_flip))
    us.tta_flip_p = (float) tta_flip;
  if (!pl_uncertainty_settings_check (&us, &error))
    {
      fprintf (stderr, "pellucid-cli bench uncertainty-colin27: %s\n", error->message);
      return 2;
    }
  pl_engine_set_threads (threads);
  full = pl_volume_load (COLIN, 0, NULL, &error);
  if (full)
    truth = pl_labels_load (truth_path, full, &error);
  if (truth)
    sparse = pl_labels_load (sparse_path, full, &error);
  if (!sparse)
    {
      fprintf (stderr, "pellucid-cli bench uncertainty-colin27: %s (needs mricron-data and "
               "$PELLUCID_DATA or ../shared/data)\n", error->message);
      return 1;
    }
  axis = pl_volume_axial_axis (full);
  nz = full->dim[axis];
  painted = g_new0 (gint64, nz);
  held_full = g_new0 (guint8, nz);
  cal_full = g_new0 (guint8, nz);
  pl_labels_count_slices (sparse, axis, painted);
  {
    g_autofree gint64 *brain = g_new0 (gint64, nz);
    g_autoptr (PlLabels) br = pl_labels_new (full->dim);
    g_auto (GStrv) parts = g_strsplit (cal_s ? cal_s : "34,95", ",", -1);
    for (gsize i = 0; i < pl_labels_n_voxels (br); i++)
      br->data[i] = truth->data[i] > 1;
    pl_labels_count_slices (br, axis, brain);
    for (gint64 z = 0; z < nz; z++)
      held_full[z] = brain[z] > 0 && painted[z] == 0;
    for (int i = 0; parts[i]; i++)
      {
        char *end;
        gint64 z = g_ascii_strtoll (parts[i], &end, 10);
        if (end == parts[i] || *end || z < 0 || z >= nz || !held_full[z])
          {
            fprintf (stderr, "pellucid-cli bench uncertainty-colin27: calibration slice '%s' is not a "
                     "held-out slice\n", parts[i]);
            return 2;
          }
        cal_full[z] = 1;
      }
  }
  /* The evaluated slices: every N-th held-out one, and the calibration
   * slices, stacked in order. */
  orig = g_new (gint64, nz);
  is_cal = g_new0 (guint8, nz);
  for (gint64 z = 0; z < nz; z++)
    {
      gboolean take = FALSE;
      if (held_full[z] && !cal_full[z])
        take = n_held++ % every == offset % every;
      if (take || cal_full[z])
        {
          is_cal[n_sel] = cal_full[z];
          orig[n_sel++] = z;
        }
    }
  {
    gint64 dim[3] = { full->dim[0], full->dim[1], full->dim[2] };
    dim[axis] = n_sel;
    sub = pl_volume_new (dim, NULL, NULL);
    sub_truth = pl_labels_new (dim);
    for (gint64 k = 0; k < n_sel; k++)
      {
        copy_slice (full->dim, full->data, dim, sub->data, axis, orig[k], k, sizeof (float));
        copy_slice (full->dim, truth->data, dim, sub_truth->data, axis, orig[k], k, sizeof (guint16));
      }
    pl_volume_update_stats (sub);
  }
  nv = pl_volume_n_voxels (sub);
  b.volume = sub;
  b.truth = sub_truth;
  b.full = full;
  b.axis = axis;
  b.rampdown = rampdown;
  b.n_slices = n_sel;
  b.orig = orig;
  b.held = g_new0 (guint8, n_sel);
  b.eval_mask = g_new0 (guint8, nv);
  b.cal_mask = g_new0 (guint8, nv);
  b.cls = g_new (gint32, nv);
  {
    g_autofree guint8 *bright = g_new (guint8, nv);
    for (gsize i = 0; i < nv; i++)
      {
        bright[i] = sub->data[i] > 20.0f;
        b.cls[i] = sub_truth->data[i] >= 1 && sub_truth->data[i] <= 4 ? sub_truth->data[i] - 1 : -1;
      }
    for (gint64 k = 0; k < n_sel; k++)
      {
        b.held[k] = !is_cal[k];
        set_slice (&b, is_cal[k] ? b.cal_mask : b.eval_mask, k, bright, 1);
      }
  }

  for (gint64 k = 0; k < n_sel; k++)
    n_eval += !is_cal[k];
  printf ("uncertainty-colin27: colin27-4class k=5, %s; %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
          " held-out slices evaluated (every %d from the %d-th), calibration slices %s\n",
          model_path ? model_path : "training unet2d-ref", n_eval, n_held, every, offset % every,
          cal_s ? cal_s : "34,95");
  if (model_path)
    model = pl_model_load (model_path, &error);
  else
    model = train_model (&b, sparse, steps, (guint64) seed, &error);
  if (!model || (save && !pl_model_save (model, save, &error)))
    {
      fprintf (stderr, "pellucid-cli bench uncertainty-colin27: %s\n", error->message);
      return 1;
    }
  printf ("PyTorch peer (torch_fewshot.py --ece, its crop): ECE softmax 0.091, MC dropout 0.065\n");
  fflush (stdout);
  if (!run_estimator (&b, PL_ESTIMATOR_SOFTMAX, "softmax", &model, 1, &us, NULL, &error)
      || (!no_mc && !run_estimator (&b, PL_ESTIMATOR_MC, "mc", &model, 1, &us, &mc, &error))
      || (!no_tta && !run_estimator (&b, PL_ESTIMATOR_TTA, "tta", &model, 1, &us, NULL, &error)))
    {
      fprintf (stderr, "pellucid-cli bench uncertainty-colin27: %s\n", error->message);
      return 1;
    }
  if (ens_path)
    {
      int n = 0;
      PlModel **members = pl_model_load_ensemble (ens_path, &n, &error);
      gboolean ok = members && run_estimator (&b, PL_ESTIMATOR_ENSEMBLE, "ensemble", members, n, &us, NULL,
                                              &error)
                    && (no_tta || run_estimator (&b, PL_ESTIMATOR_TTA, "ensemble-tta", members, n, &us, NULL,
                                                 &error));
      pl_model_ensemble_free (members);
      if (!ok)
        {
          fprintf (stderr, "pellucid-cli bench uncertainty-colin27: %s\n", error->message);
          return 1;
        }
    }

  if (alea_path)
    {
      /* The head's predictive distribution (logit draws averaged) alone
       * and with MC dropout. */
      g_autoptr (PlModel) alea = pl_model_load (alea_path, &error);
      if (alea && !pl_unet_get_config (alea->unet)->aleatoric)
        g_set_error (&error, PL_ERROR, PL_ERROR_INVALID, "%s: the model has no aleatoric head", alea_path);
      if (!alea || error
          || !run_estimator (&b, PL_ESTIMATOR_SOFTMAX, "aleatoric", &alea, 1, &us, NULL, &error)
          || !run_estimator (&b, PL_ESTIMATOR_MC, "aleatoric-mc", &alea, 1, &us, NULL, &error))
        {
          fprintf (stderr, "pellucid-cli bench uncertainty-colin27: %s\n", error->message);
          return 1;
        }
    }

  if (!no_al && !no_mc && al_seeds > 0)
    {
      static const char *const names[3] = { "uncertainty", "halfway", "random" };
      gint64 chosen[3][8][2];
      g_autofree guint8 *added = g_new0 (guint8, n_sel);
      al_seeds = MIN (al_seeds, 8);
      for (int sd = 0; sd < al_seeds; sd++)
        {
          choose_uncertain (&b, mc, chosen[0][sd]);
          choose_halfway (&b, painted, chosen[1][sd]);
          choose_random (held_full, nz, (guint64) sd, chosen[2][sd]);
          /* Slices any strategy adds are left out of every Dice. */
          for (int st = 0; st < 3; st++)
            for (int k = 0; k < 2; k++)
              for (gint64 j = 0; j < n_sel; j++)
                if (orig[j] == chosen[st][sd][k])
                  added[j] = 1;
        }
      for (int st = 0; st < 3; st++)
        for (int sd = 0; sd < al_seeds; sd++)
          {
            g_autoptr (PlLabels) lab = pl_labels_new (full->dim);
            g_autoptr (PlModel) m = NULL;
            g_autoptr (PlLabels) pred = pl_labels_new (sub->dim);
            g_autoptr (JsonBuilder) jb = json_builder_new ();
            double dice, per[3];
            memcpy (lab->data, sparse->data, pl_labels_n_voxels (lab) * sizeof (guint16));
            for (int k = 0; k < 2; k++)
              if (chosen[st][sd][k] >= 0)
                copy_slice (full->dim, truth->data, full->dim, lab->data, axis, chosen[st][sd][k],
                            chosen[st][sd][k], sizeof (guint16));
            m = train_model (&b, lab, al_steps ? al_steps : steps, (guint64) (seed + sd), &error);
            if (!m || !pl_model_predict_volume (m, sub, 8, NULL, pred, NULL, &error))
              {
                fprintf (stderr, "pellucid-cli bench uncertainty-colin27: %s\n", error->message);
                return 1;
              }
            dice = heldout_dice (&b, pred, added, per);
            printf ("active learning %-11s seed %d: slices %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                    "  held-out Dice %.4f (2 %.4f, 3 %.4f, 4 %.4f)\n", names[st], sd, chosen[st][sd][0],
                    chosen[st][sd][1], dice, per[0], per[1], per[2]);
            json_builder_begin_object (jb);
            json_builder_set_member_name (jb, "strategy");
            json_builder_add_string_value (jb, names[st]);
            json_builder_set_member_name (jb, "seed");
            json_builder_add_int_value (jb, seed + sd);
            json_builder_set_member_name (jb, "slices");
            json_builder_begin_array (jb);
            json_builder_add_int_value (jb, chosen[st][sd][0]);
            json_builder_add_int_value (jb, chosen[st][sd][1]);
            json_builder_end_array (jb);
            json_builder_set_member_name (jb, "steps");
            json_builder_add_int_value (jb, al_steps ? al_steps : steps);
            json_builder_set_member_name (jb, "dice_mean");
            json_builder_add_double_value (jb, dice);
            json_builder_end_object (jb);
            result_json ("uncertainty-colin27-active-learning", jb);
          }
    }
  g_free (b.held);
  g_free (b.eval_mask);
  g_free (b.cal_mask);
  g_free (b.cls);
  return 0;
}
