/* pellucid-cli train: train a UNet on the labelled slices of a label map.
 *
 *   pellucid-cli train --image IMG --labels LAB --out MODEL [--steps 600]
 *                      [--batch 8] [--seed 0] [--axis axial] [--threads 2]
 *                      [--init PRETRAINED [--freeze all-encoder|
 *                       encoder-but-last|norm-only|none]] [--batch-norm]
 *                      [--method METHOD (engine/methods/methods.h)
 *                       [--PARAM VALUE]…]
 *
 * The method's options are its hyper-parameters, named as the fields of
 * engine/methods/methods.h with '-' for '_' and built from the engine's parameter
 * table, so their defaults are the Train panel's.
 * Every slice along the axis with labelled voxels is used; label 0 is
 * unlabelled, every other value a class.  Flips and ±10° rotations augment
 * the batches, sampled as the peer's torch_fewshot.py does.  Progress (step,
 * loss, steps/s, time left) goes to stderr, a JSON summary to stdout. */
#define G_LOG_DOMAIN "pellucid-cli"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/core/gemm.h"
#include "engine/data/labels.h"
#include "engine/methods/crossval.h"
#include "engine/methods/methods.h"
#include "src/cli/method-options.h"
#include "engine/nn/pretrain.h"
#include "engine/nn/slice-input.h"
#include "engine/nn/train.h"
#include "src/cli/cases-common.h"
#include "src/cli/commands.h"
#include "src/cli/uncertainty-options.h"

typedef struct
{
  int     total;
  int     every;
  gint64  t0;
  double  last_loss;
  gboolean holdout;
  char    note[160];
} Progress;

static void
format_duration (double s, char *buf, gsize n)
{
  int t = (int) (s + 0.5);
  if (t >= 3600)
    g_snprintf (buf, n, "%dh%02dm", t / 3600, t / 60 % 60);
  else if (t >= 60)
    g_snprintf (buf, n, "%dm%02ds", t / 60, t % 60);
  else
    g_snprintf (buf, n, "%ds", t);
}

static gboolean
on_step (PlTrainer *trainer, const PlTrainStepInfo *info, gpointer user_data)
{
  Progress *p = user_data;
  double elapsed = (g_get_monotonic_time () - p->t0) * 1e-6;
  gint64 done = info->step;
  PlMethodStatus st;
  gboolean method = pl_method_get_status (trainer, &st);

  p->last_loss = info->loss;
  if (method && st.note[0] && strcmp (st.note, p->note) != 0)
    {
      fprintf (stderr, "%s\n", st.note);
      g_strlcpy (p->note, st.note, sizeof p->note);
    }
  if (done == 1 || done % p->every == 0 || done == p->total)
    {
      double rate = done / MAX (elapsed, 1e-9);
      char left[32];
      format_duration ((p->total - done) / MAX (rate, 1e-9), left, sizeof left);
      fprintf (stderr, "step %" G_GINT64_FORMAT "/%d  loss %.4f  %.2f steps/s  %s left",
               done, p->total, info->loss, rate, left);
      if (p->holdout)
        fprintf (stderr, "  held-out Dice %.4f", pl_trainer_holdout_dice (trainer, NULL));
      if (method)
        {
          /* what the panel's status line says of the method */
          g_autoptr (GString) said = g_string_new (NULL);
          pl_method_status_describe (&st, said);
          if (said->len)
            fprintf (stderr, "  %s", said->str);
        }
      fputc ('\n', stderr);
    }
  return TRUE;
}

int
pel_cli_train (int argc, char **argv)
{
  g_autofree char *image = NULL, *labels_path = NULL, *out = NULL, *axis_name = NULL;
  g_autofree char *method_json = NULL;
  g_autoptr (PelMethodOptions) mopts = pel_method_options_new ();
  PlMethodConfig method;
  int steps = PL_TRAIN_DEFAULT_STEPS, batch = 8, threads = 2, every = 10, folds = 0, attention = 0, context_slices = 1;
  g_autoptr (PlCrossval) cv = NULL;
  g_autofree char *preset = NULL, *table_path = NULL, *init_path = NULL, *freeze_name = NULL;
  g_autofree char *init_record = NULL, *head = NULL;
  g_autoptr (PlModel) init = NULL;
  gboolean batch_norm = FALSE, coords = FALSE;
  g_autoptr (PlLabelTable) table = NULL;
  gint64 seed = 0, holdout = -1;
  double lr = 1e-3, rampdown = PL_TRAIN_DEFAULT_LR_RAMPDOWN;
  gboolean no_augment = FALSE;
  const GOptionEntry entries[] = {
    { "image", 'i', 0, G_OPTION_ARG_FILENAME, &image, "Intensity volume (NIfTI)", "IMG" },
    { "labels", 'l', 0, G_OPTION_ARG_FILENAME, &labels_path, "Label map on the image's grid; 0 = unlabelled", "LAB" },
    { "label-table", 0, 0, G_OPTION_ARG_FILENAME, &table_path,
      "Label names (ITK-SNAP description): left/right pairs are swapped by mirroring, sided labels without a pair are not mirrored", "TXT" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Model file to write (safetensors)", "MODEL" },
    { "preset", 0, 0, G_OPTION_ARG_STRING, &preset, "Network: ref (unet2d-ref) or small (4 levels, 8-64 channels) (ref)", "NAME" },
    { "batch-norm", 0, 0, G_OPTION_ARG_NONE, &batch_norm, "Batch norm after every convolution (needed by --freeze norm-only)", NULL },
    { "head", 0, 0, G_OPTION_ARG_STRING, &head,
      "Class head: plain (one 1×1 convolution) or fcn (FCN skip head: scores at 3 decoder scales, up-sampled and summed) (plain)", "NAME" },
    { "attention", 0, 0, G_OPTION_ARG_INT, &attention,
      "A transformer block with HEADS heads on the bottleneck (self-attention over its positions; 0: none) (0)", "HEADS" },
    { "context", 0, 0, G_OPTION_ARG_INT, &context_slices,
      "2.5-D input: N neighbouring slices (odd; the slice in the middle) as the network's channels, "
      "the end slice repeated beyond the volume (1)", "N" },
    { "coords", 0, 0, G_OPTION_ARG_NONE, &coords,
      "One more input channel: the left-right position (-1 patient's left edge … +1 right), so that sides can be told apart", NULL },
    { "init", 0, 0, G_OPTION_ARG_FILENAME, &init_path,
      "Start from the encoder of this model file (e.g. from pellucid-cli pretrain; after pretrain --local, encoder and decoder)", "MODEL" },
    { "freeze", 0, 0, G_OPTION_ARG_STRING, &freeze_name,
      "With --init, what stays fixed: all-encoder, encoder-but-last (its bottleneck level trains), "
      "norm-only (only the encoder's norms train, with the decoder), none (none)", "MODE" },
    { "steps", 's', 0, G_OPTION_ARG_INT, &steps, "Optimiser steps (600)", "N" },
    { "batch", 'b', 0, G_OPTION_ARG_INT, &batch, "Slices per batch (8)", "B" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed of initialisation, sampling, augmentation, dropout (0)", "S" },
    { "axis", 'a', 0, G_OPTION_ARG_STRING, &axis_name, "axial, coronal, sagittal, or voxel axis i, j, k (axial)", "AXIS" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "Threads (2)", "T" },
    { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &lr, "Adam learning rate (1e-3)", "LR" },
    { "lr-rampdown", 0, 0, G_OPTION_ARG_DOUBLE, &rampdown,
      "Ramp the rate down to 0 over this last fraction of the steps, lr·((1 + cos πt)/2)² (0: constant) ("
      G_STRINGIFY (PL_TRAIN_DEFAULT_LR_RAMPDOWN) ")", "F" },
    { "no-augment", 0, 0, G_OPTION_ARG_NONE, &no_augment, "No flips or rotations", NULL },
    { "holdout", 0, 0, G_OPTION_ARG_INT64, &holdout, "Hold out this labelled slice and report its Dice", "SLICE" },
    { "cross-validate", 0, 0, G_OPTION_ARG_INT, &folds,
      "Also estimate quality: train K fresh models of --steps steps, each without a K-th of the labelled slices, and score them there", "K" },
    { "report-every", 0, 0, G_OPTION_ARG_INT, &every, "Progress line every N steps (10)", "N" },
    pel_method_options_entry (mopts),
    { NULL }
  };
  g_autoptr (PelUncertaintyOptions) uopts = pel_uncertainty_options_new ();
  g_autoptr (GOptionContext) context = g_option_context_new ("");
  g_autoptr (GError) error = NULL;
  g_autoptr (PlVolume) volume = NULL;
  g_autoptr (PlLabels) labels = NULL;
  g_autoptr (PlTrainer) trainer = NULL;
  g_autoptr (PlModel) model = NULL;
  PlTrainConfig cfg;
  PlLabelProvider provider;
  Progress prog = { 0 };
  double seconds, hd = NAN;

  if (pel_cli_has_cases (argc, argv))
    return pel_cli_train_cases (argc, argv);
  g_option_context_set_summary (context,
    "Train the reference UNet on every slice along AXIS that has labelled voxels.\n"
    "Label 0 is unlabelled; every other value present is a class.");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, pel_method_options_group (mopts));
  g_option_context_add_group (context, pel_uncertainty_options_train_group (uopts));
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "pellucid-cli train: %s\n", error->message);
      return 2;
    }
  if (!pel_method_options_apply (mopts, &method, &error))
    {
      fprintf (stderr, "pellucid-cli train: %s\n", error->message);
      return 2;
    }
  if (!image || !labels_path || !out || argc != 1)
    {
      fprintf (stderr, "Usage: pellucid-cli train --image IMG --labels LAB --out MODEL [--steps N] "
               "[--batch 8] [--seed 0] [--axis axial|coronal|sagittal] [--threads 2]\n");
      return 2;
    }
  if (steps < 0 || batch < 1 || threads < 1 || !(lr > 0.0) || every < 1 || !(rampdown >= 0.0 && rampdown <= 1.0))
    {
      fprintf (stderr, "pellucid-cli train: --steps must be ≥ 0, --batch, --threads and --report-every ≥ 1, --lr > 0, "
                       "--lr-rampdown 0…1\n");
      return 2;
    }
  pl_engine_set_threads (threads);

  volume = pl_volume_load (image, 0, NULL, &error);
  if (volume)
    labels = pl_labels_load (labels_path, volume, &error);
  if (labels && table_path)
    {
      table = pl_label_table_load (table_path, &error);
      if (!table)
        g_clear_pointer (&labels, pl_labels_free);
    }
  if (!labels)
    {
      fprintf (stderr, "pellucid-cli train: %s\n", error->message);
      return 1;
    }
  pl_train_config_init (&cfg);
  if (preset && !pl_unet_config_preset (preset, &cfg.net))
    {
      fprintf (stderr, "pellucid-cli train: unknown --preset '%s' (ref, small)\n", preset);
      return 2;
    }
  if (batch_norm)
    cfg.net.batch_norm = TRUE;
  if (head && !pl_unet_config_head (&cfg.net, head))
    {
      fprintf (stderr, "pellucid-cli train: unknown --head '%s' (plain, fcn)\n", head);
      return 2;
    }
  cfg.net.attention_heads = attention;
  if (!pl_unet_config_check (&cfg.net, &error))
    {
      fprintf (stderr, "pellucid-cli train: --attention %d: %s\n", attention, error->message);
      return 2;
    }
  if (freeze_name && !pl_freeze_from_name (freeze_name, &cfg.freeze))
    {
      fprintf (stderr, "pellucid-cli train: unknown --freeze '%s' (all-encoder, encoder-but-last, norm-only, none)\n",
               freeze_name);
      return 2;
    }
  if (init_path)
    {
      g_autoptr (JsonNode) name = json_node_init_string (json_node_alloc (), init_path);
      g_autofree char *quoted = json_to_string (name, FALSE);
      init = pl_model_load (init_path, &error);
      if (!init)
        {
          fprintf (stderr, "pellucid-cli train: %s\n", error->message);
          return 1;
        }
      init_record = g_strdup_printf ("{\"file\":%s,\"training\":%s}", quoted,
                                     init->training ? init->training : "null");
      cfg.init = init->unet;
      cfg.init_decoder = pl_model_decoder_pretrained (init);
      cfg.init_record = init_record;
    }
  cfg.context = context_slices;
  cfg.coords = coords;
  if (!pl_slice_input_check (context_slices, &error))
    {
      fprintf (stderr, "pellucid-cli train: --context %d: %s\n", context_slices, error->message);
      return 2;
    }
  cfg.batch = batch;
  cfg.seed = (guint64) seed;
  cfg.lr = (float) lr;
  cfg.lr_rampdown = (float) rampdown;
  cfg.augment = !no_augment;
  cfg.holdout_slice = holdout;
  cfg.label_table = table;
  cfg.axis = pl_axis_from_name (volume, axis_name ? axis_name : "axial");
  if (cfg.axis < 0)
    {
      fprintf (stderr, "pellucid-cli train: unknown axis '%s'\n", axis_name);
      return 2;
    }
  pel_uncertainty_options_apply_train (uopts, &cfg);
  pl_label_provider_init_static (&provider, labels);
  pel_uncertainty_train_provider (uopts, &cfg, volume, &provider);
  trainer = pl_trainer_new (&cfg, volume, &provider, &error);
  if (!trainer)
    {
      fprintf (stderr, "pellucid-cli train: %s: %s\n", labels_path, error->message);
      return 1;
    }
  if (!pl_method_install (trainer, &method, &error))
    {
      fprintf (stderr, "pellucid-cli train: %s\n", error->message);
      return 2;
    }
  method_json = pl_method_config_to_json (&method);

  prog.total = steps;
  prog.every = every;
  prog.holdout = holdout >= 0;
  prog.t0 = g_get_monotonic_time ();
  if (!pl_trainer_run (trainer, steps, NULL, on_step, &prog, &error))
    {
      fprintf (stderr, "pellucid-cli train: %s\n", error->message);
      return 1;
    }
  seconds = (g_get_monotonic_time () - prog.t0) * 1e-6;
  if (holdout >= 0)
    hd = pl_trainer_holdout_dice (trainer, NULL);

  if (folds > 0)
    {
      g_autofree char *text = NULL;
      cv = pl_crossval_run (&cfg, &method, volume, &provider, folds, steps, NULL, &error);
      if (cv == NULL)
        {
          fprintf (stderr, "pellucid-cli train: %s: %s\n", labels_path, error->message);
          return 1;
        }
      text = pl_crossval_describe (cv);
      fprintf (stderr, "cross-validated %s\n", text);
    }

  model = pl_trainer_export_model (trainer);
  if (!pel_uncertainty_save_model (uopts, model, &cfg, &method, volume, &provider, steps, out, &error))
    {
      fprintf (stderr, "pellucid-cli train: %s\n", error->message);
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
    json_builder_set_member_name (b, "steps");
    json_builder_add_int_value (b, pl_trainer_get_step (trainer));
    json_builder_set_member_name (b, "train_wall_s");
    json_builder_add_double_value (b, seconds);
    json_builder_set_member_name (b, "final_loss");
    if (steps > 0)
      json_builder_add_double_value (b, prog.last_loss);
    else
      json_builder_add_null_value (b);
    json_builder_set_member_name (b, "method");
    {
      g_autoptr (JsonNode) mnode = json_from_string (method_json, NULL);
      json_builder_add_value (b, g_steal_pointer (&mnode));
    }
    json_builder_set_member_name (b, "axis");
    json_builder_add_int_value (b, pl_trainer_get_axis (trainer));
    json_builder_set_member_name (b, "class_values");
    json_builder_begin_array (b);
    for (int c = 0; c < pl_trainer_get_n_classes (trainer); c++)
      json_builder_add_int_value (b, pl_trainer_get_class_values (trainer)[c]);
    json_builder_end_array (b);
    json_builder_set_member_name (b, "holdout_dice");
    if (isnan (hd))
      json_builder_add_null_value (b);
    else
      json_builder_add_double_value (b, hd);
    if (cv)
      {
        json_builder_set_member_name (b, "cross_validation");
        json_builder_begin_object (b);
        json_builder_set_member_name (b, "folds");
        json_builder_add_int_value (b, cv->n_folds);
        json_builder_set_member_name (b, "slices");
        json_builder_add_int_value (b, cv->n_slices);
        json_builder_set_member_name (b, "mean_dice");
        json_builder_add_double_value (b, cv->mean);
        json_builder_set_member_name (b, "per_class");
        json_builder_begin_array (b);
        for (int c = 0; c < cv->n_classes; c++)
          {
            json_builder_begin_object (b);
            json_builder_set_member_name (b, "value");
            json_builder_add_int_value (b, cv->class_values[c]);
            json_builder_set_member_name (b, "dice");
            if (isnan (cv->dice[c]))
              json_builder_add_null_value (b);
            else
              json_builder_add_double_value (b, cv->dice[c]);
            json_builder_set_member_name (b, "slices");
            json_builder_add_int_value (b, cv->slices_with[c]);
            json_builder_end_object (b);
          }
        json_builder_end_array (b);
        json_builder_end_object (b);
      }
    json_builder_end_object (b);
    root = json_builder_get_root (b);
    json_generator_set_pretty (gen, TRUE);
    json_generator_set_root (gen, root);
    json = json_generator_to_data (gen, NULL);
    printf ("%s\n", json);
  }
  return 0;
}
