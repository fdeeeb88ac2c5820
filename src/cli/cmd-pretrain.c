/* pellucid-cli pretrain: contrastive pre-training of a UNet's encoder on
 * every non-empty slice of a volume, without labels (engine/nn/pretrain.h).
 *
 *   pellucid-cli pretrain --image IMG --out MODEL [--steps 200] [--batch 8]
 *                         [--temperature 0.1] [--projection 64]
 *                         [--preset ref|small] [--batch-norm] [--seed 0] [--axis axial]
 *                         [--lr 3e-4] [--threads 2] [--context N] [--coords]
 *   pellucid-cli pretrain --local --init GLOBAL --image IMG --out MODEL
 *                         [--regions 4] [the options above]
 *
 * The loss of every step goes to stderr, a JSON summary to stdout.  The
 * model file's training record says "contrastive"; pass it to
 * `pellucid-cli train --init MODEL` to fine-tune from its encoder.  With
 * --local, the second stage: the decoder learns on GLOBAL's fixed encoder
 * (the local contrastive loss); its record says "contrastive-local", and
 * train --init takes encoder and decoder from it. */
#define G_LOG_DOMAIN "pellucid-cli"

#include <json-glib/json-glib.h>
#include <stdio.h>

#include "engine/core/gemm.h"
#include "engine/nn/pretrain.h"
#include "engine/nn/slice-input.h"
#include "src/cli/commands.h"

typedef struct
{
  gint64 t0;
  double last_loss;
  gboolean local;
} Progress;

static gboolean
on_step (PlTrainer *trainer, const PlTrainStepInfo *info, gpointer user_data)
{
  Progress *p = user_data;
  double elapsed = (g_get_monotonic_time () - p->t0) * 1e-6;

  p->last_loss = info->loss;
  fprintf (stderr, "step %" G_GINT64_FORMAT "  %s loss %.4f  %.2f steps/s\n",
           info->step, p->local ? "local contrastive" : "contrastive", info->loss, info->step / MAX (elapsed, 1e-9));
  return TRUE;
}

int
pel_cli_pretrain (int argc, char **argv)
{
  g_autofree char *image = NULL, *out = NULL, *axis_name = NULL, *preset = NULL, *init_path = NULL;
  g_autoptr (PlModel) init = NULL;
  g_autofree char *init_record = NULL;
  int steps = PL_PRETRAIN_DEFAULT_STEPS, batch = 8, threads = 2, proj = 64, regions = 4, context_slices = 1;
  gboolean local = FALSE, coords = FALSE;
  gint64 seed = 0;
  double lr = PL_PRETRAIN_DEFAULT_LR, tau = 0.1;
  gboolean batch_norm = FALSE;
  const GOptionEntry entries[] = {
    { "image", 'i', 0, G_OPTION_ARG_FILENAME, &image, "Intensity volume (NIfTI)", "IMG" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Model file to write (safetensors)", "MODEL" },
    { "preset", 0, 0, G_OPTION_ARG_STRING, &preset, "Network: ref (unet2d-ref) or small (ref)", "NAME" },
    { "batch-norm", 0, 0, G_OPTION_ARG_NONE, &batch_norm, "Batch norm after every convolution (as train --batch-norm)", NULL },
    { "steps", 's', 0, G_OPTION_ARG_INT, &steps, "Optimiser steps (200)", "N" },
    { "batch", 'b', 0, G_OPTION_ARG_INT, &batch, "Slices per step, two views each (8)", "B" },
    { "temperature", 0, 0, G_OPTION_ARG_DOUBLE, &tau, "NT-Xent temperature (0.1)", "T" },
    { "projection", 0, 0, G_OPTION_ARG_INT, &proj, "Projection head dimensions (64)", "P" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed (0)", "S" },
    { "axis", 'a', 0, G_OPTION_ARG_STRING, &axis_name, "axial, coronal, sagittal, or voxel axis i, j, k (axial)", "AXIS" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "Threads (2)", "T" },
    { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &lr, "Adam learning rate (3e-4)", "LR" },
    { "context", 0, 0, G_OPTION_ARG_INT, &context_slices, "2.5-D input: N neighbouring slices as channels (odd) (1)", "N" },
    { "coords", 0, 0, G_OPTION_ARG_NONE, &coords, "A left-right position channel", NULL },
    { "local", 0, 0, G_OPTION_ARG_NONE, &local,
      "The local stage: train the decoder on the fixed encoder of --init (local contrastive loss over regions)", NULL },
    { "init", 0, 0, G_OPTION_ARG_FILENAME, &init_path,
      "Start from this model (the global stage's, for --local); its network options are kept", "MODEL" },
    { "regions", 0, 0, G_OPTION_ARG_INT, &regions, "--local: regions per side of the feature map (4: 16 regions)", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("");
  g_autoptr (GError) error = NULL;
  g_autoptr (PlVolume) volume = NULL;
  g_autoptr (PlPretrainer) pt = NULL;
  g_autoptr (PlModel) model = NULL;
  PlTrainConfig cfg;
  PlPretrainConfig pc;
  Progress prog = { 0 };
  double seconds;

  g_option_context_set_summary (context,
    "Pre-train the encoder of a UNet on every non-empty slice along AXIS of a volume, without\n"
    "labels: two augmented views of a slice are pulled together, the other slices pushed apart\n"
    "(global contrastive loss, NT-Xent).  Fine-tune the result with train --init.\n"
    "With --local --init GLOBAL, the second stage: the decoder learns on GLOBAL's fixed\n"
    "encoder; the same region in two intensity views of a slice is pulled together, the\n"
    "other regions pushed apart (local contrastive loss).");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "pellucid-cli pretrain: %s\n", error->message);
      return 2;
    }
  if (!image || !out || argc != 1)
    {
      fprintf (stderr, "Usage: pellucid-cli pretrain --image IMG --out MODEL [--steps N] [--batch 8] "
               "[--temperature 0.1] [--projection 64] [--preset ref|small]\n");
      return 2;
    }
  if (local && !init_path)
    {
      fprintf (stderr, "pellucid-cli pretrain: --local trains the decoder on a pre-trained encoder: "
               "give the global stage's model with --init\n");
      return 2;
    }
  if (!pl_slice_input_check (context_slices, &error))
    {
      fprintf (stderr, "pellucid-cli pretrain: --context %d: %s\n", context_slices, error->message);
      return 2;
    }
  if (steps < 0 || batch < 2 || threads < 1 || !(lr > 0.0) || !(tau > 0.0) || proj < 1)
    {
      fprintf (stderr, "pellucid-cli pretrain: --steps must be ≥ 0, --batch ≥ 2, --threads and "
               "--projection ≥ 1, --lr and --temperature > 0\n");
      return 2;
    }
  pl_engine_set_threads (threads);
  volume = pl_volume_load (image, 0, NULL, &error);
  if (!volume)
    {
      fprintf (stderr, "pellucid-cli pretrain: %s\n", error->message);
      return 1;
    }
  pl_train_config_init (&cfg);
  if (preset && !pl_unet_config_preset (preset, &cfg.net))
    {
      fprintf (stderr, "pellucid-cli pretrain: unknown --preset '%s' (ref, small)\n", preset);
      return 2;
    }
  if (batch_norm)
    cfg.net.batch_norm = TRUE;
  cfg.context = context_slices;
  cfg.coords = coords;
  if (init_path)
    {
      g_autoptr (JsonNode) name = json_node_init_string (json_node_alloc (), init_path);
      g_autofree char *quoted = json_to_string (name, FALSE);
      init = pl_model_load (init_path, &error);
      if (!init)
        {
          fprintf (stderr, "pellucid-cli pretrain: %s\n", error->message);
          return 1;
        }
      /* the network the first stage built, whatever --preset says */
      cfg.net = *pl_unet_get_config (init->unet);
      cfg.context = init->context;
      cfg.coords = init->coords;
      init_record = g_strdup_printf ("{\"file\":%s,\"training\":%s}", quoted,
                                     init->training ? init->training : "null");
      cfg.init = init->unet;
      cfg.init_record = init_record;
    }
  cfg.batch = batch;
  cfg.seed = (guint64) seed;
  cfg.axis = pl_axis_from_name (volume, axis_name ? axis_name : "axial");
  if (cfg.axis < 0)
    {
      fprintf (stderr, "pellucid-cli pretrain: unknown axis '%s'\n", axis_name);
      return 2;
    }
  pl_pretrain_config_init (&pc);
  pc.lr = (float) lr;
  pc.temperature = (float) tau;
  pc.proj_dim = proj;
  pc.local = local;
  pc.regions = regions;
  pt = pl_pretrainer_new (&cfg, &pc, volume, &error);
  if (!pt)
    {
      fprintf (stderr, "pellucid-cli pretrain: %s: %s\n", image, error->message);
      return 1;
    }
  prog.t0 = g_get_monotonic_time ();
  prog.local = local;
  if (!pl_pretrainer_run (pt, steps, NULL, on_step, &prog, &error))
    {
      fprintf (stderr, "pellucid-cli pretrain: %s\n", error->message);
      return 1;
    }
  seconds = (g_get_monotonic_time () - prog.t0) * 1e-6;
  model = pl_pretrainer_export_model (pt);
  if (!pl_model_save (model, out, &error))
    {
      fprintf (stderr, "pellucid-cli pretrain: %s\n", error->message);
      return 1;
    }
  {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonGenerator) gen = json_generator_new ();
    g_autoptr (JsonNode) root = NULL;
    g_autofree char *json = NULL;
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "model");
    json_builder_add_string_value (b, out);
    json_builder_set_member_name (b, "method");
    json_builder_add_string_value (b, local ? "contrastive-local" : "contrastive");
    json_builder_set_member_name (b, "steps");
    json_builder_add_int_value (b, pl_trainer_get_step (pl_pretrainer_get_trainer (pt)));
    json_builder_set_member_name (b, "train_wall_s");
    json_builder_add_double_value (b, seconds);
    json_builder_set_member_name (b, "final_loss");
    if (steps > 0)
      json_builder_add_double_value (b, prog.last_loss);
    else
      json_builder_add_null_value (b);
    json_builder_set_member_name (b, "axis");
    json_builder_add_int_value (b, pl_trainer_get_axis (pl_pretrainer_get_trainer (pt)));
    json_builder_end_object (b);
    root = json_builder_get_root (b);
    json_generator_set_pretty (gen, TRUE);
    json_generator_set_root (gen, root);
    json = json_generator_to_data (gen, NULL);
    printf ("%s\n", json);
  }
  return 0;
}
