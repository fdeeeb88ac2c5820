/* pellucid-cli train --cases / predict --cases: one model for a cohort.
 *
 *   pellucid-cli train --cases DIR|LIST|IMG… --out MODEL [--steps 600]
 *                      [--batch 8] [--seed 0] [--preset ref|small]
 *                      [--unlabelled-per-case 8] [--threads 2] [--lr 1e-3]
 *                      [--lr-rampdown F]
 *                      [--method NAME [--PARAM VALUE]…]
 *   pellucid-cli predict --cases DIR|LIST|IMG… --model MODEL [--out DIR]
 *                      [--batch 8] [--threads 2]
 *
 * train gathers the painted axial slices of every case and a few unpainted
 * ones of every case (the semi-supervised methods' unlabelled pool), each
 * case normalised on its own (engine/cases/case-bank.h), and trains one
 * model on them: batches are drawn across cases.  Only the gathered slices
 * stay in memory.  predict segments every case, one at a time, writes
 * OUT/NAME.nii.gz (default: the cohort's proposals/ folder), marks the case
 * "proposed" (reviewed cases keep their state) and updates the manifest;
 * progress per case goes to stderr.  Both print JSON.  Dispatched from
 * cmd-train.c / cmd-predict.c when --cases is given. */
#define G_LOG_DOMAIN "pellucid-cli"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "engine/cases/case-bank.h"
#include "engine/core/gemm.h"
#include "engine/methods/methods.h"
#include "engine/nn/train.h"
#include "src/cli/cases-common.h"
#include "src/cli/commands.h"
#include "src/cli/method-options.h"

static double
peak_rss_mib (void)
{
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;
}

typedef struct
{
  int    total, every;
  gint64 t0;
  double last_loss;
} Progress;

static gboolean
on_step (PlTrainer *trainer, const PlTrainStepInfo *info, gpointer user_data)
{
  Progress *p = user_data;
  double elapsed = (g_get_monotonic_time () - p->t0) * 1e-6;

  p->last_loss = info->loss;
  if (info->step == 1 || info->step % p->every == 0 || info->step == p->total)
    fprintf (stderr, "step %" G_GINT64_FORMAT "/%d  loss %.4f  %.2f steps/s\n", info->step, p->total,
             info->loss, info->step / MAX (elapsed, 1e-9));
  return TRUE;
}

int
pel_cli_train_cases (int argc, char **argv)
{
  g_auto (GStrv) cases = NULL;
  g_autofree char *out = NULL, *preset = NULL, *method_json = NULL;
  g_autoptr (PelMethodOptions) mopts = pel_method_options_new ();
  int steps = PL_TRAIN_DEFAULT_STEPS, batch = 8, threads = 2, every = 10, unlabelled = 8;
  gint64 seed = 0;
  double lr = 1e-3, rampdown = PL_TRAIN_DEFAULT_LR_RAMPDOWN;
  const GOptionEntry entries[] = {
    { "cases", 'c', 0, G_OPTION_ARG_FILENAME_ARRAY, &cases, "A folder, a list file, or images (repeatable)", "DIR|LIST|IMG" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Model file to write (safetensors)", "MODEL" },
    { "preset", 0, 0, G_OPTION_ARG_STRING, &preset, "Network: ref or small (ref)", "NAME" },
    { "steps", 's', 0, G_OPTION_ARG_INT, &steps, "Optimiser steps (600)", "N" },
    { "batch", 'b', 0, G_OPTION_ARG_INT, &batch, "Slices per batch (8)", "B" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed (0)", "S" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "Threads (2)", "T" },
    { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &lr, "Adam learning rate (1e-3)", "LR" },
    { "lr-rampdown", 0, 0, G_OPTION_ARG_DOUBLE, &rampdown, "Ramp the rate down to 0 over this last fraction of the steps (0: constant) ("
      G_STRINGIFY (PL_TRAIN_DEFAULT_LR_RAMPDOWN) ")", "F" },
    { "unlabelled-per-case", 0, 0, G_OPTION_ARG_INT, &unlabelled, "Unpainted slices kept per case for the semi-supervised methods (8)", "N" },
    { "report-every", 0, 0, G_OPTION_ARG_INT, &every, "Progress line every N steps (10)", "N" },
    pel_method_options_entry (mopts),
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("[IMG…]");
  g_autoptr (GError) error = NULL;
  g_autoptr (PlCohort) cohort = NULL;
  g_autoptr (PlCaseBank) bank = NULL;
  g_autoptr (PlTrainer) trainer = NULL;
  g_autoptr (PlModel) model = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  PlMethodConfig method;
  PlCaseBankOptions bopt;
  PlTrainConfig cfg;
  PlLabelProvider provider;
  Progress prog = { 0 };
  double bank_s, seconds;
  gint64 t0;

  g_option_context_set_summary (context, "Train one model on the painted slices of every case of a cohort.");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, pel_method_options_group (mopts));
  if (!g_option_context_parse (context, &argc, &argv, &error)
      || !pel_method_options_apply (mopts, &method, &error))
    {
      fprintf (stderr, "pellucid-cli train: %s\n", error->message);
      return 2;
    }
  if (!out || (!cases && argc < 2) || steps < 0 || batch < 1 || threads < 1 || every < 1
      || unlabelled < 0 || !(lr > 0) || !(rampdown >= 0.0 && rampdown <= 1.0))
    {
      fprintf (stderr, "Usage: pellucid-cli train --cases DIR|LIST|IMG… --out MODEL [--steps N ≥ 0] [--batch B ≥ 1] "
               "[--unlabelled-per-case N ≥ 0] [--preset ref|small] [--method NAME]\n");
      return 2;
    }
  pl_engine_set_threads (threads);
  cohort = pel_cli_open_cohort (cases, argc, argv, &error);
  if (!cohort)
    {
      fprintf (stderr, "pellucid-cli train: %s\n", error->message);
      return 1;
    }
  pl_case_bank_options_init (&bopt);
  bopt.unlabelled_per_case = unlabelled;
  t0 = g_get_monotonic_time ();
  bank = pl_case_bank_new (cohort, &bopt, &error);
  if (!bank)
    {
      fprintf (stderr, "pellucid-cli train: %s\n", error->message);
      return 1;
    }
  bank_s = (g_get_monotonic_time () - t0) * 1e-6;
  fprintf (stderr, "%u cases, %u painted (%" G_GINT64_FORMAT " slices); %" G_GINT64_FORMAT
           " slices gathered, %.1f MiB, in %.1f s\n", pl_cohort_get_n (cohort),
           pl_case_bank_get_n_cases_painted (bank), pl_case_bank_get_n_painted (bank),
           pl_case_bank_get_volume (bank)->dim[2], pl_case_bank_get_bytes (bank) / 1048576.0, bank_s);

  pl_train_config_init (&cfg);
  if (preset && !pl_unet_config_preset (preset, &cfg.net))
    {
      fprintf (stderr, "pellucid-cli train: unknown --preset '%s' (ref, small)\n", preset);
      return 2;
    }
  cfg.axis = 2;
  cfg.batch = batch;
  cfg.seed = (guint64) seed;
  cfg.lr = (float) lr;
  cfg.lr_rampdown = (float) rampdown;
  cfg.norm_offset = 0.0;
  cfg.norm_divisor = 1.0;
  pl_label_provider_init_static (&provider, pl_case_bank_get_labels (bank));
  trainer = pl_trainer_new (&cfg, pl_case_bank_get_volume (bank), &provider, &error);
  if (!trainer || !pl_method_install (trainer, &method, &error))
    {
      fprintf (stderr, "pellucid-cli train: %s\n", error->message);
      return 1;
    }
  method_json = pl_method_config_to_json (&method);
  prog.total = steps;
  prog.every = every;
  prog.t0 = g_get_monotonic_time ();
  if (!pl_trainer_run (trainer, steps, NULL, on_step, &prog, &error))
    {
      fprintf (stderr, "pellucid-cli train: %s\n", error->message);
      return 1;
    }
  seconds = (g_get_monotonic_time () - prog.t0) * 1e-6;
  model = pl_trainer_export_model (trainer);
  pl_case_bank_mark_model (bank, model);
  if (!pl_model_save (model, out, &error))
    {
      fprintf (stderr, "pellucid-cli train: %s\n", error->message);
      return 1;
    }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, out);
  json_builder_set_member_name (b, "cases");
  json_builder_add_int_value (b, pl_cohort_get_n (cohort));
  json_builder_set_member_name (b, "cases_painted");
  json_builder_add_int_value (b, pl_case_bank_get_n_cases_painted (bank));
  json_builder_set_member_name (b, "painted_slices");
  json_builder_add_int_value (b, pl_case_bank_get_n_painted (bank));
  json_builder_set_member_name (b, "bank_slices");
  json_builder_add_int_value (b, pl_case_bank_get_volume (bank)->dim[2]);
  json_builder_set_member_name (b, "bank_mib");
  json_builder_add_double_value (b, pl_case_bank_get_bytes (bank) / 1048576.0);
  json_builder_set_member_name (b, "gather_s");
  json_builder_add_double_value (b, bank_s);
  json_builder_set_member_name (b, "steps");
  json_builder_add_int_value (b, pl_trainer_get_step (trainer));
  json_builder_set_member_name (b, "train_wall_s");
  json_builder_add_double_value (b, seconds);
  json_builder_set_member_name (b, "final_loss");
  json_builder_add_double_value (b, steps > 0 ? prog.last_loss : 0.0);
  json_builder_set_member_name (b, "method");
  json_builder_add_value (b, json_from_string (method_json, NULL));
  json_builder_set_member_name (b, "peak_rss_mib");
  json_builder_add_double_value (b, peak_rss_mib ());
  json_builder_end_object (b);
  pel_cli_print_json (b);
  return 0;
}

int
pel_cli_predict_cases (int argc, char **argv)
{
  g_auto (GStrv) cases = NULL;
  g_autofree char *model_path = NULL, *out_dir = NULL;
  int batch = 8, threads = 2;
  const GOptionEntry entries[] = {
    { "cases", 'c', 0, G_OPTION_ARG_FILENAME_ARRAY, &cases, "A folder, a list file, or images (repeatable)", "DIR|LIST|IMG" },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "Trained model (safetensors)", "MODEL" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir, "Folder for the proposals (COHORT/proposals)", "DIR" },
    { "batch", 'b', 0, G_OPTION_ARG_INT, &batch, "Slices per batch (8)", "B" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "Threads (2)", "T" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("[IMG…]");
  g_autoptr (GError) error = NULL;
  g_autoptr (PlCohort) cohort = NULL;
  g_autoptr (PlModel) model = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  guint n;
  gint64 t_all;

  g_option_context_set_summary (context, "Propose a segmentation for every case of a cohort.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "pellucid-cli predict: %s\n", error->message);
      return 2;
    }
  if (!model_path || (!cases && argc < 2) || batch < 1 || threads < 1)
    {
      fprintf (stderr, "Usage: pellucid-cli predict --cases DIR|LIST|IMG… --model MODEL [--out DIR] [--batch 8] [--threads 2]\n");
      return 2;
    }
  pl_engine_set_threads (threads);
  cohort = pel_cli_open_cohort (cases, argc, argv, &error);
  if (cohort)
    model = pl_model_load (model_path, &error);
  if (!model)
    {
      fprintf (stderr, "pellucid-cli predict: %s\n", error->message);
      return 1;
    }
  if (!out_dir)
    out_dir = g_build_filename (pl_cohort_get_root (cohort), "proposals", NULL);
  if (g_mkdir_with_parents (out_dir, 0755) != 0)
    {
      fprintf (stderr, "pellucid-cli predict: %s: cannot create the folder\n", out_dir);
      return 1;
    }
  n = pl_cohort_get_n (cohort);
  t_all = g_get_monotonic_time ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "cases");
  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++)
    {
      PlCase *c = pl_cohort_get_case (cohort, i);
      g_autoptr (PlVolume) v = NULL;
      g_autoptr (PlLabels) l = NULL;
      g_autofree char *file = g_strconcat (c->name, ".nii.gz", NULL);
      g_autofree char *path = g_build_filename (out_dir, file, NULL);
      gint64 t0 = g_get_monotonic_time ();
      double s;

      if (!pl_case_predict (model, c, batch, NULL, &v, &l, &error)
          || !pl_labels_save (l, v, path, &error))
        {
          fprintf (stderr, "pellucid-cli predict: %s: %s\n", c->name, error->message);
          return 1;
        }
      s = (g_get_monotonic_time () - t0) * 1e-6;
      fprintf (stderr, "case %u/%u %s: %.1f s\n", i + 1, n, c->name, s);
      g_free (c->proposal_path);
      c->proposal_path = g_strdup (path);
      if (c->state != PL_CASE_REVIEWED)
        c->state = PL_CASE_PROPOSED;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, c->name);
      json_builder_set_member_name (b, "proposal");
      json_builder_add_string_value (b, path);
      json_builder_set_member_name (b, "seconds");
      json_builder_add_double_value (b, s);
      json_builder_end_object (b);
      /* The manifest after every case: an interrupted run keeps its work. */
      if (!pl_cohort_save_manifest (cohort, NULL, &error))
        {
          fprintf (stderr, "pellucid-cli predict: %s\n", error->message);
          return 1;
        }
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "seconds");
  json_builder_add_double_value (b, (g_get_monotonic_time () - t_all) * 1e-6);
  json_builder_set_member_name (b, "per_case_normalisation");
  json_builder_add_boolean_value (b, pl_model_is_per_case (model));
  json_builder_set_member_name (b, "peak_rss_mib");
  json_builder_add_double_value (b, peak_rss_mib ());
  json_builder_end_object (b);
  pel_cli_print_json (b);
  return 0;
}
