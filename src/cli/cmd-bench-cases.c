/* pellucid-cli bench cases-colin27: training across cases on a synthetic
 * Colin27 cohort with a known truth.
 *
 *   pellucid-cli bench cases-colin27 [--steps 600] [--seeds 1] [--preset ref]
 *                     [--cases 6] [--painted 2] [--cohort-seed 0]
 *                     [--dir DIR] [--make-only] [--threads 2]
 *
 * Makes CASES cases from ch2.nii.gz (mricron-data) and colin27-4class.nii.gz
 * (DATA = $PELLUCID_DATA or ../shared/data) by smooth random deformations,
 * bias fields, intensity scales and Rician noise (engine/cases/warp.h, seeds
 * COHORT-SEED + i), written as a cohort folder: caseNN.nii.gz, and for the
 * first PAINTED cases caseNN_seg.nii.gz holding their warped truth on 5
 * axial slices (z = 19, 49, 80, 110, 140, as colin27-4class-k5); the full
 * truths go to DIR/truth/.  Then, for each seed, trains the same network
 * for the same steps (a) on the painted slices of the PAINTED cases and
 * (b) on those of the first case only — unpainted slices of every case are
 * in both banks — and predicts the last 4 cases (never painted).  Reports
 * the Dice of labels 2–4 (mean per case, 3-D over the brain-containing
 * axial slices) as mean ± sd over seeds and cases, and each run's wall
 * time and bank size.  --make-only writes the cohort and stops (for
 * memory runs of pellucid-cli train --cases).  Ends with RESULT_JSON. */
#define G_LOG_DOMAIN "pellucid-cli"

#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/cases/case-bank.h"
#include "engine/cases/warp.h"
#include "engine/core/gemm.h"
#include "engine/data/dataset.h"
#include "engine/data/metrics.h"
#include "engine/nn/train.h"
#include "src/cli/cases-common.h"
#include "src/cli/commands.h"

#define COLIN "/usr/share/mricron/templates/ch2.nii.gz"
#define N_TEST 4

static const gint64 k5_slices[5] = { 19, 49, 80, 110, 140 };

static gboolean
make_cohort (const char *dir, int n_cases, int n_painted, guint64 seed0, GError **error)
{
  const char *data = g_getenv ("PELLUCID_DATA");
  g_autofree char *truth_path = g_build_filename (data && *data ? data : "../shared/data",
                                                  "colin27-4class.nii.gz", NULL);
  g_autofree char *truth_dir = g_build_filename (dir, "truth", NULL);
  g_autoptr (PlVolume) colin = pl_volume_load (COLIN, 0, NULL, error);
  g_autoptr (PlLabels) truth = NULL;
  int axis, h, w;

  if (!colin || !(truth = pl_labels_load (truth_path, colin, error)))
    return FALSE;
  if (g_mkdir_with_parents (truth_dir, 0755) != 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: cannot create the folder", truth_dir);
      return FALSE;
    }
  axis = pl_volume_axial_axis (colin);
  pl_slice_dims (colin->dim, axis, &h, &w);
  for (int i = 0; i < n_cases; i++)
    {
      g_autoptr (PlLabels) lt = NULL;
      g_autoptr (PlVolume) v = NULL;
      g_autofree char *name = g_strdup_printf ("case%02d", i);
      g_autofree char *img = g_strdup_printf ("%s/%s.nii.gz", dir, name);
      g_autofree char *tp = g_strdup_printf ("%s/%s.nii.gz", truth_dir, name);
      gint64 t0 = g_get_monotonic_time ();

      v = pl_warp_case (colin, truth, seed0 + (guint64) i, NULL, &lt);
      if (!pl_volume_save (v, img, error) || !pl_labels_save (lt, v, tp, error))
        return FALSE;
      if (i < n_painted)
        {
          g_autoptr (PlLabels) sparse = pl_labels_new (lt->dim);
          g_autofree guint16 *buf = g_new (guint16, (gsize) h * w);
          g_autofree char *seg = g_strdup_printf ("%s/%s_seg.nii.gz", dir, name);
          for (int s = 0; s < 5; s++)
            {
              pl_labels_get_slice (lt, axis, k5_slices[s], buf);
              pl_labels_set_slice (sparse, axis, k5_slices[s], buf);
            }
          if (!pl_labels_save (sparse, v, seg, error))
            return FALSE;
        }
      fprintf (stderr, "made %s%s (%.1f s)\n", name, i < n_painted ? " with 5 painted slices" : "",
               (g_get_monotonic_time () - t0) * 1e-6);
    }
  return TRUE;
}

/* Dice of labels 2..4 over the brain-containing axial slices. */
static void
case_dice (const PlLabels *pred, const PlLabels *truth, int axis, double dice[3])
{
  static const guint16 values[3] = { 2, 3, 4 };
  g_autofree guint8 *skip = g_new (guint8, pl_labels_n_voxels (truth));
  gsize sh, sw, off;
  int h, w;

  pl_slice_dims (truth->dim, axis, &h, &w);
  for (gint64 z = 0; z < truth->dim[axis]; z++)
    {
      gboolean brain = FALSE;
      pl_slice_strides (truth->dim, axis, z, &sh, &sw, &off);
      for (int y = 0; y < h && !brain; y++)
        for (int x = 0; x < w; x++)
          brain |= truth->data[off + y * sh + x * sw] > 1;
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          skip[off + y * sh + x * sw] = !brain;
    }
  pl_dice_per_value (pred->data, truth->data, pl_labels_n_voxels (truth), skip, values, 3, dice);
}

typedef struct
{
  double dice[N_TEST][3];
  double mean;        /* over test cases and labels 2..4 */
  double wall_s;
  double bank_mib;
  gint64 bank_slices;
} Run;

static gboolean
run_one (const char *dir, char **files, int n_files, const char *preset, int steps, double rampdown, guint64 seed,
         Run *run, GError **error)
{
  g_autoptr (PlCohort) cohort = pl_cohort_open_files ((const char *const *) files, n_files, error);
  g_autoptr (PlCaseBank) bank = NULL;
  g_autoptr (PlTrainer) trainer = NULL;
  g_autoptr (PlModel) model = NULL;
  PlTrainConfig cfg;
  PlLabelProvider provider;
  gint64 t0 = g_get_monotonic_time ();
  guint n;

  if (!cohort || !(bank = pl_case_bank_new (cohort, NULL, error)))
    return FALSE;
  pl_train_config_init (&cfg);
  if (preset && !pl_unet_config_preset (preset, &cfg.net))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "unknown preset '%s'", preset);
      return FALSE;
    }
  cfg.axis = 2;
  cfg.seed = seed;
  cfg.lr_rampdown = (float) rampdown;
  cfg.norm_divisor = 1.0;
  pl_label_provider_init_static (&provider, pl_case_bank_get_labels (bank));
  trainer = pl_trainer_new (&cfg, pl_case_bank_get_volume (bank), &provider, error);
  if (!trainer || !pl_trainer_run (trainer, steps, NULL, NULL, NULL, error))
    return FALSE;
  model = pl_trainer_export_model (trainer);
  pl_case_bank_mark_model (bank, model);
  run->bank_mib = pl_case_bank_get_bytes (bank) / 1048576.0;
  run->bank_slices = pl_case_bank_get_volume (bank)->dim[2];
  run->mean = 0.0;
  n = pl_cohort_get_n (cohort);
  for (int t = 0; t < N_TEST; t++)
    {
      const PlCase *c = pl_cohort_get_case (cohort, n - N_TEST + t);
      g_autoptr (PlVolume) v = NULL;
      g_autoptr (PlLabels) pred = NULL, truth = NULL;
      g_autofree char *tp = g_strdup_printf ("%s/truth/%s.nii.gz", dir, c->name);
      if (!pl_case_predict (model, c, 8, NULL, &v, &pred, error)
          || !(truth = pl_labels_load (tp, v, error)))
        return FALSE;
      case_dice (pred, truth, pl_volume_axial_axis (v), run->dice[t]);
      run->mean += (run->dice[t][0] + run->dice[t][1] + run->dice[t][2]) / (3.0 * N_TEST);
    }
  run->wall_s = (g_get_monotonic_time () - t0) * 1e-6;
  return TRUE;
}

int
pel_cli_bench_cases (int argc, char **argv)
{
  g_autofree char *dir = NULL, *preset = NULL;
  int steps = PL_TRAIN_DEFAULT_STEPS, seeds = 1, n_cases = 6, n_painted = 2, threads = 2;
  gint64 cohort_seed = 0;
  double rampdown = PL_TRAIN_DEFAULT_LR_RAMPDOWN;
  gboolean make_only = FALSE;
  const GOptionEntry entries[] = {
    { "steps", 's', 0, G_OPTION_ARG_INT, &steps, "Training steps per run (600)", "N" },
    { "lr-rampdown", 0, 0, G_OPTION_ARG_DOUBLE, &rampdown, "The rate's ramp-down over this last fraction of each run, as train ("
      G_STRINGIFY (PL_TRAIN_DEFAULT_LR_RAMPDOWN) ")", "F" },
    { "seeds", 0, 0, G_OPTION_ARG_INT, &seeds, "Training seeds 0..N-1 (1)", "N" },
    { "preset", 0, 0, G_OPTION_ARG_STRING, &preset, "Network: ref or small (ref)", "NAME" },
    { "cases", 0, 0, G_OPTION_ARG_INT, &n_cases, "Cases in the cohort (6; the last 4 are predicted)", "N" },
    { "painted", 0, 0, G_OPTION_ARG_INT, &n_painted, "Cases with 5 painted slices (2)", "N" },
    { "cohort-seed", 0, 0, G_OPTION_ARG_INT64, &cohort_seed, "Seed of the first case's warp (0)", "S" },
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir, "Write (and keep) the cohort here (a temporary folder)", "DIR" },
    { "make-only", 0, 0, G_OPTION_ARG_NONE, &make_only, "Only write the cohort", NULL },
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "Threads (2)", "T" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("cases-colin27");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) one = g_ptr_array_new ();
  g_autofree double *many_means = NULL, *one_means = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *line = NULL;
  gboolean temp = FALSE;
  double m_many, sd_many, m_one, sd_one;

  g_option_context_set_summary (context, "Held-out Dice of training on painted slices of several cases vs one.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "pellucid-cli bench: %s\n", error->message);
      return 2;
    }
  if (argc != 2 || steps < 0 || seeds < 1 || n_painted < 1 || n_cases < n_painted + N_TEST || threads < 1
      || !(rampdown >= 0.0 && rampdown <= 1.0))
    {
      fprintf (stderr, "Usage: pellucid-cli bench cases-colin27 [--steps N] [--seeds N ≥ 1] [--cases N ≥ PAINTED + 4] "
               "[--painted N ≥ 1] [--lr-rampdown F] [--dir DIR] [--make-only]\n");
      return 2;
    }
  pl_engine_set_threads (threads);
  if (!dir)
    {
      dir = g_dir_make_tmp ("pellucid-cases-XXXXXX", &error);
      temp = TRUE;
    }
  if (!dir || g_mkdir_with_parents (dir, 0755) != 0
      || !make_cohort (dir, n_cases, n_painted, (guint64) cohort_seed, &error))
    {
      fprintf (stderr, "pellucid-cli bench: %s\n", error ? error->message : "cannot create the folder");
      return 1;
    }
  if (make_only)
    {
      printf ("cohort written to %s\n", dir);
      return 0;
    }
  /* (a): every case (painted ones first); (b): the first painted case and
   * the unpainted ones. */
  for (int i = 0; i < n_cases; i++)
    {
      char *p = g_strdup_printf ("%s/case%02d.nii.gz", dir, i);
      g_ptr_array_add (all, p);
      if (i == 0 || i >= n_painted)
        g_ptr_array_add (one, p);
    }
  many_means = g_new (double, seeds);
  one_means = g_new (double, seeds);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "workload");
  json_builder_add_string_value (b, "cases-colin27");
  json_builder_set_member_name (b, "runs");
  json_builder_begin_array (b);
  for (int s = 0; s < seeds; s++)
    for (int which = 0; which < 2; which++)
      {
        Run run;
        GPtrArray *files = which == 0 ? all : one;
        if (!run_one (dir, (char **) files->pdata, (int) files->len, preset, steps, rampdown, (guint64) s, &run, &error))
          {
            fprintf (stderr, "pellucid-cli bench: %s\n", error->message);
            return 1;
          }
        (which == 0 ? many_means : one_means)[s] = run.mean;
        printf ("seed %d, painted slices of %d case%s: held-out Dice (2-4) %.4f;", s,
                which == 0 ? n_painted : 1, which == 0 && n_painted > 1 ? "s" : "", run.mean);
        for (int t = 0; t < N_TEST; t++)
          printf (" %.3f/%.3f/%.3f", run.dice[t][0], run.dice[t][1], run.dice[t][2]);
        printf ("  bank %" G_GINT64_FORMAT " slices %.1f MiB, %.0f s\n", run.bank_slices, run.bank_mib, run.wall_s);
        fflush (stdout);
        json_builder_begin_object (b);
        json_builder_set_member_name (b, "seed");
        json_builder_add_int_value (b, s);
        json_builder_set_member_name (b, "painted_cases");
        json_builder_add_int_value (b, which == 0 ? n_painted : 1);
        json_builder_set_member_name (b, "dice_mean_2_4");
        json_builder_add_double_value (b, run.mean);
        json_builder_set_member_name (b, "dice_per_case");
        json_builder_begin_array (b);
        for (int t = 0; t < N_TEST; t++)
          {
            json_builder_begin_array (b);
            for (int c = 0; c < 3; c++)
              json_builder_add_double_value (b, run.dice[t][c]);
            json_builder_end_array (b);
          }
        json_builder_end_array (b);
        json_builder_set_member_name (b, "wall_s");
        json_builder_add_double_value (b, run.wall_s);
        json_builder_set_member_name (b, "bank_mib");
        json_builder_add_double_value (b, run.bank_mib);
        json_builder_end_object (b);
      }
  json_builder_end_array (b);
  pl_mean_sd (many_means, seeds, &m_many, &sd_many);
  pl_mean_sd (one_means, seeds, &m_one, &sd_one);
  printf ("cases-colin27: %d steps, %d seed%s: %d painted cases %.4f ± %.4f, one painted case %.4f ± %.4f\n",
          steps, seeds, seeds > 1 ? "s" : "", n_painted, m_many, sd_many, m_one, sd_one);
  json_builder_set_member_name (b, "steps");
  json_builder_add_int_value (b, steps);
  json_builder_set_member_name (b, "painted");
  json_builder_add_double_value (b, m_many);
  json_builder_set_member_name (b, "painted_sd");
  json_builder_add_double_value (b, sd_many);
  json_builder_set_member_name (b, "one_case");
  json_builder_add_double_value (b, m_one);
  json_builder_set_member_name (b, "one_case_sd");
  json_builder_add_double_value (b, sd_one);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  line = json_generator_to_data (gen, NULL);
  printf ("RESULT_JSON %s\n", line);
  if (temp)
    fprintf (stderr, "the cohort stays in %s (remove it when done)\n", dir);
  return 0;
}
