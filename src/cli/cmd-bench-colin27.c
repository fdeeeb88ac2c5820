/* pellucid-cli bench colin27-4class: few-shot accuracy of the learning
 * methods on Colin27 with 5 labelled axial slices.
 *
 *   pellucid-cli bench colin27-4class [--method M [--PARAM VALUE]…]
 *                      [--steps 600] [--seed 0] [--threads 2] [--save MODEL]
 *
 * Trains unet2d-ref (batch 8, Adam 1e-3, flips + ±10° rotations) on
 * ../shared/data/colin27-4class-k5.nii.gz over ch2.nii.gz (mricron-data)
 * for the same number of steps with each method (all four without
 * --method), and evaluates as ../shared/data/README.md says: axial
 * slices centre-cropped to 176×208 (outside the crop counts as label 1),
 * dropout off, argmax; Dice per label in 3-D over the brain-containing
 * slices of colin27-4class.nii.gz except the 5 labelled ones, mean over
 * labels 2, 3, 4 (the peer's classes 1–3).  Prints each method's Dice,
 * wall time and ms per step, then one RESULT_JSON line per method.  The
 * PyTorch peer is ../shared/peers/torch_fewshot.py --k 5 [--self-train]. */
#define G_LOG_DOMAIN "pellucid-cli"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "engine/data/dataset.h"
#include "engine/core/gemm.h"
#include "engine/nn/infer.h"
#include "engine/data/labels.h"
#include "engine/methods/methods.h"
#include "engine/data/metrics.h"
#include "engine/ops/ops.h"
#include "engine/nn/train.h"
#include "src/cli/colin27-eval.h"
#include "src/cli/commands.h"
#include "src/cli/method-options.h"

typedef struct
{
  int    every;
  gint64 t0;
  char   note[160];
} Report;

static gboolean
on_step (PlTrainer *trainer, const PlTrainStepInfo *info, gpointer user_data)
{
  Report *r = user_data;
  PlMethodStatus st;

  if (pl_method_get_status (trainer, &st) && st.note[0] && strcmp (st.note, r->note) != 0)
    {
      fprintf (stderr, "  %s\n", st.note);
      g_strlcpy (r->note, st.note, sizeof r->note);
    }
  if (info->step == 1 || info->step % r->every == 0)
    {
      fprintf (stderr, "  step %4" G_GINT64_FORMAT "  loss %.4f", info->step, info->loss);
      if (pl_method_get_status (trainer, &st) && !isnan (st.unlabelled_loss))
        fprintf (stderr, "  (supervised %.4f, unlabelled %.4f × %.3g)", st.supervised_loss,
                 st.unlabelled_loss, st.weight);
      fprintf (stderr, "  t=%.0fs\n", (g_get_monotonic_time () - r->t0) * 1e-6);
    }
  return TRUE;
}

static void
print_dice (const char *what, const double d[PEL_COLIN27_N_LABELS], double mean)
{
  printf ("%s Dice  label1 (outside) %.4f  label2 (brain, AAL 0) %.4f  label3 (AAL 1-90) %.4f  "
          "label4 (AAL 91-116) %.4f  mean(2-4) %.4f\n", what, d[0], d[1], d[2], d[3], mean);
}

static void
add_dice (JsonBuilder *b, const char *name, const double d[PEL_COLIN27_N_LABELS], double mean)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  for (int i = 0; i < PEL_COLIN27_N_LABELS; i++)
    {
      char key[8];
      g_snprintf (key, sizeof key, "%d", i + 1);
      json_builder_set_member_name (b, key);
      json_builder_add_double_value (b, d[i]);
    }
  json_builder_set_member_name (b, "mean");
  json_builder_add_double_value (b, mean);
  json_builder_end_object (b);
}

static int
run_one (const PlMethodConfig *method, const PlVolume *vol, const PlLabels *sparse,
         const PelColin27Eval *ev, int steps, double rampdown, guint64 seed, int every, const char *save)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PlTrainer) tr = NULL;
  g_autofree char *settings = pl_method_config_to_json (method);
  g_autofree char *args = pl_method_config_to_args (method);
  PlLabelProvider provider;
  PlTrainConfig cfg;
  Report rep = { every, 0, "" };
  double secs, dice[PEL_COLIN27_N_LABELS], tdice[PEL_COLIN27_N_LABELS], mean, tmean = NAN;
  PlModel *model;

  pl_train_config_init (&cfg);
  cfg.seed = seed;
  cfg.axis = ev->axis;
  cfg.lr_rampdown = (float) rampdown;
  pl_label_provider_init_static (&provider, sparse);
  tr = pl_trainer_new (&cfg, vol, &provider, &error);
  if (!tr || !pl_method_install (tr, method, &error))
    {
      fprintf (stderr, "pellucid-cli bench: %s\n", error->message);
      return 1;
    }
  printf ("method: %s  %s  lr ramp-down %g\n", pl_method_kind_name (method->kind), args, rampdown);
  fflush (stdout);
  rep.t0 = g_get_monotonic_time ();
  if (!pl_trainer_run (tr, steps, NULL, on_step, &rep, &error))
    {
      fprintf (stderr, "pellucid-cli bench: %s\n", error->message);
      return 1;
    }
  secs = (g_get_monotonic_time () - rep.t0) * 1e-6;
  model = pl_trainer_get_model (tr);
  mean = pel_colin27_eval_dice (ev, model, model->unet, dice);
  printf ("train_wall_s: %.1f  (%d steps, %.0f ms/step)\n", secs, steps, 1e3 * secs / MAX (steps, 1));
  print_dice ("held-out", dice, mean);
  if (pl_trainer_get_teacher (tr) != NULL)
    {
      tmean = pel_colin27_eval_dice (ev, model, pl_trainer_get_teacher (tr), tdice);
      print_dice ("teacher held-out", tdice, tmean);
    }
  if (save)
    {
      g_autoptr (PlModel) m = pl_trainer_export_model (tr);
      if (!pl_model_save (m, save, &error))
        {
          fprintf (stderr, "pellucid-cli bench: %s\n", error->message);
          return 1;
        }
    }
  {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonGenerator) gen = json_generator_new ();
    g_autoptr (JsonNode) root = NULL, mnode = json_from_string (settings, NULL);
    g_autofree char *json = NULL;
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "workload");
    json_builder_add_string_value (b, "colin27-4class");
    json_builder_set_member_name (b, "method");
    json_builder_add_value (b, g_steal_pointer (&mnode));
    json_builder_set_member_name (b, "steps");
    json_builder_add_int_value (b, steps);
    json_builder_set_member_name (b, "seed");
    json_builder_add_int_value (b, (gint64) seed);
    json_builder_set_member_name (b, "lr_rampdown");
    json_builder_add_double_value (b, rampdown);
    json_builder_set_member_name (b, "train_wall_s");
    json_builder_add_double_value (b, secs);
    add_dice (b, "dice", dice, mean);
    if (!isnan (tmean))
      add_dice (b, "teacher_dice", tdice, tmean);
    json_builder_end_object (b);
    root = json_builder_get_root (b);
    json_generator_set_root (gen, root);
    json = json_generator_to_data (gen, NULL);
    printf ("RESULT_JSON %s\n", json);
  }
  fflush (stdout);
  return 0;
}

int
pel_cli_bench_colin27 (int argc, char **argv)
{
  g_autofree char *save = NULL, *labels_path = NULL, *truth_path = NULL, *image = NULL;
  g_autoptr (PelMethodOptions) mopts = pel_method_options_new ();
  int steps = 600, threads = 2, every = 50;
  gint64 seed = 0;
  double rampdown = PL_TRAIN_DEFAULT_LR_RAMPDOWN;
  const GOptionEntry entries[] = {
    pel_method_options_entry (mopts),
    { "steps", 's', 0, G_OPTION_ARG_INT, &steps, "Optimiser steps of every method (600)", "N" },
    { "lr-rampdown", 0, 0, G_OPTION_ARG_DOUBLE, &rampdown, "The rate's ramp-down over this last fraction of the steps, as train ("
      G_STRINGIFY (PL_TRAIN_DEFAULT_LR_RAMPDOWN) ")", "F" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed (0)", "S" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "Threads (2)", "T" },
    { "report-every", 0, 0, G_OPTION_ARG_INT, &every, "Progress line every N steps (50)", "N" },
    { "save", 0, 0, G_OPTION_ARG_FILENAME, &save, "Save the (last) model here", "MODEL" },
    { "image", 0, 0, G_OPTION_ARG_FILENAME, &image, "Image (" PEL_COLIN27_IMAGE ")", "IMG" },
    { "labels", 0, 0, G_OPTION_ARG_FILENAME, &labels_path, "Sparse labels (DATA/colin27-4class-k5.nii.gz; DATA is $PELLUCID_DATA or ../shared/data)", "LAB" },
    { "truth", 0, 0, G_OPTION_ARG_FILENAME, &truth_path, "Every voxel labelled (DATA/colin27-4class.nii.gz)", "LAB" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("colin27-4class");
  g_autoptr (GError) error = NULL;
  g_autoptr (PlVolume) vol = NULL;
  g_autoptr (PlLabels) sparse = NULL, truth = NULL;
  PlMethodConfig method;
  gboolean all;
  PelColin27Eval ev;
  int status = 0;

  g_autofree char *names = pl_method_names (", ", " and ");
  g_autofree char *summary = g_strdup_printf (
    "Held-out Dice of each method on Colin27 with 5 labelled axial slices, at the same step budget.\n"
    "Without --method: %s in turn.", names);

  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, pel_method_options_group (mopts));
  if (!g_option_context_parse (context, &argc, &argv, &error)
      || !pel_method_options_apply (mopts, &method, &error))
    {
      fprintf (stderr, "pellucid-cli bench: %s\n", error->message);
      return 2;
    }
  if (argc != 2 || steps < 1 || threads < 1 || every < 1 || !(rampdown >= 0.0 && rampdown <= 1.0))
    {
      fprintf (stderr, "Usage: pellucid-cli bench colin27-4class [--method M [--PARAM VALUE]…] "
               "[--steps 600] [--lr-rampdown F] [--seed 0] [--threads 2]\n");
      return 2;
    }
  /* --method (or a method's option) given: that one; else all of them. */
  all = !pel_method_options_given (mopts);
  pl_engine_set_threads (threads);
  vol = pl_volume_load (image ? image : PEL_COLIN27_IMAGE, 0, NULL, &error);
  if (labels_path == NULL)
    labels_path = g_build_filename (pel_colin27_data_dir (), "colin27-4class-k5.nii.gz", NULL);
  if (truth_path == NULL)
    truth_path = g_build_filename (pel_colin27_data_dir (), "colin27-4class.nii.gz", NULL);
  if (vol)
    sparse = pl_labels_load (labels_path, vol, &error);
  if (sparse)
    truth = pl_labels_load (truth_path, vol, &error);
  if (!truth)
    {
      fprintf (stderr, "pellucid-cli bench: %s (mricron-data installed?)\n", error->message);
      return 1;
    }
  pel_colin27_eval_init (&ev, vol, truth, sparse, pl_volume_axial_axis (vol));
  printf ("workload: colin27-4class (unet2d-ref)  k=5 steps=%d batch=8 seed=%" G_GINT64_FORMAT
          " threads=%d held-out=%" G_GINT64_FORMAT " slices\n", steps, seed, threads, ev.n_held);
  fflush (stdout);
  if (all)
    for (int k = 0; k < PL_METHOD_N_KINDS && status == 0; k++)
      {
        PlMethodConfig m;
        pl_method_config_init (&m);
        m.kind = (PlMethodKind) k;
        status = run_one (&m, vol, sparse, &ev, steps, rampdown, (guint64) seed, every, NULL);
      }
  else
    status = run_one (&method, vol, sparse, &ev, steps, rampdown, (guint64) seed, every, save);
  {
    struct rusage ru;
    getrusage (RUSAGE_SELF, &ru);
    printf ("peak_rss_MiB: %.1f\n", ru.ru_maxrss / 1024.0);
  }
  g_free (ev.skip);
  return status;
}
