/* pellucid-cli bench fewshot: held-out Dice of the learning methods over
 * several splits and seeds, as a paper reports it.
 *
 *   pellucid-cli bench fewshot [--methods supervised,compactness]
 *                [--k 2,3,5,8] [--splits even,random] [--seeds 3] [--first-seed 0]
 *                [--steps 600] [--lr-rampdown F] [--preset ref] [--threads 2]
 *                [--init PRETRAINED [--freeze MODE]] [--head plain|fcn]
 *                [--attention HEADS] [--context N] [--coords]
 *
 * For each k, k painted axial slices of Colin27 are taken from the truth
 * (../shared/data/colin27-4class.nii.gz): "even" as the PyTorch peer takes
 * them (brain slices B, B[⌊(i + ½) n / k⌋], i < k; the same split for every
 * seed), "random" k distinct brain slices drawn with the seed (another split
 * per seed).  Each method trains at its defaults with seed s = S … S + seeds − 1
 * (S: --first-seed, 0)
 * and is scored as bench colin27-4class does (colin27-eval.h) on the other
 * brain slices.  Prints one line per run, then per method, split and k the
 * mean ± sample standard deviation over the seeds, with the peer's
 * supervised figures where they were measured (torch_fewshot.py --k K, even
 * split, 600 steps of unet2d-ref; mean ± sd over the peer's seeds, n of
 * them).  With --init every run starts
 * from that model's encoder (e.g. from pellucid-cli pretrain; after
 * pretrain --local its decoder too), with
 * --freeze as for train; --head fcn gives every network the FCN skip head
 * (pl_unet_config_head), --attention H a transformer block with H heads on
 * the bottleneck, --context N and --coords the 2.5-D input and the
 * left-right position channel (slice-input.h). */
#define G_LOG_DOMAIN "pellucid-cli"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/core/gemm.h"
#include "engine/nn/pretrain.h"
#include "engine/nn/slice-input.h"
#include "engine/core/rng.h"
#include "engine/data/dataset.h"
#include "engine/data/metrics.h"
#include "engine/methods/methods.h"
#include "engine/nn/train.h"
#include "src/cli/colin27-eval.h"
#include "src/cli/commands.h"
#include "src/cli/method-options.h"

/* ../shared/peers/torch_fewshot.py --k K on the even split, held-out mean
 * Dice per seed as measured (seed 0: the script as shipped; seeds 1 and 2:
 * its torch.manual_seed and generator seed changed, docs/methods.md). */
typedef struct
{
  int    k, n;
  double dice[3];
} PeerFigures;

static const PeerFigures peer_figures[] = {
  { 3, 3, { 0.709, 0.668, 0.655 } },
  { 5, 1, { 0.719 } },
  { 10, 1, { 0.832 } },
};

static const PeerFigures *
peer_supervised (int k)
{
  for (guint i = 0; i < G_N_ELEMENTS (peer_figures); i++)
    if (peer_figures[i].k == k)
      return &peer_figures[i];
  return NULL;
}

/* Brain-containing slices along axis (a truth label > 1). */
static GArray *
brain_slices (const PlLabels *truth, int axis)
{
  GArray *b = g_array_new (FALSE, FALSE, sizeof (gint64));
  int h, w;
  g_autofree guint16 *s = NULL;

  pl_slice_dims (truth->dim, axis, &h, &w);
  s = g_new (guint16, (gsize) h * w);
  for (gint64 z = 0; z < truth->dim[axis]; z++)
    {
      pl_labels_get_slice (truth, axis, z, s);
      for (gsize i = 0; i < (gsize) h * w; i++)
        if (s[i] > 1)
          {
            g_array_append_val (b, z);
            break;
          }
    }
  return b;
}

static int
cmp_i64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return (x > y) - (x < y);
}

/* The k painted slices of a split into out (ascending). */
static void
choose_split (const GArray *brain, int k, gboolean random, guint64 seed, gint64 *out)
{
  guint n = brain->len;

  if (!random)
    {
      for (int i = 0; i < k; i++)
        out[i] = g_array_index (brain, gint64, (guint) floor ((i + 0.5) * n / k));
      return;
    }
  {
    g_autofree gint64 *pool = g_memdup2 (brain->data, sizeof (gint64) * n);
    PlRng rng;
    pl_rng_init (&rng, seed ^ G_GUINT64_CONSTANT (0xf35407));
    /* partial Fisher–Yates */
    for (int i = 0; i < k; i++)
      {
        guint j = i + pl_rng_below (&rng, n - i);
        gint64 t = pool[i];
        pool[i] = pool[j];
        pool[j] = t;
        out[i] = pool[i];
      }
    qsort (out, k, sizeof (gint64), cmp_i64);
  }
}

static gboolean
parse_list (const char *text, int lo, int hi, GArray *out)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  for (int i = 0; parts[i]; i++)
    {
      gint64 v;
      if (!g_ascii_string_to_signed (g_strstrip (parts[i]), 10, lo, hi, &v, NULL))
        return FALSE;
      g_array_append_val (out, (int) { (int) v });
    }
  return out->len > 0;
}

static double
run (const PlVolume *vol, const PlLabels *truth, const gint64 *painted, int k, const PlMethodConfig *m,
     const char *preset, const char *head, int attention, int context, gboolean coords,
     int steps, double rampdown, guint64 seed, int axis,
     const PlModel *init, PlFreeze freeze, double dice[PEL_COLIN27_N_LABELS], GString *status,
     GError **error)
{
  g_autoptr (PlLabels) sparse = pl_labels_new (vol->dim);
  g_autoptr (PlTrainer) tr = NULL;
  int h, w;
  g_autofree guint16 *s = NULL;
  PlLabelProvider provider;
  PlTrainConfig cfg;
  PelColin27Eval ev;
  PlMethodStatus st;
  double mean;

  pl_slice_dims (vol->dim, axis, &h, &w);
  s = g_new (guint16, (gsize) h * w);
  for (int i = 0; i < k; i++)
    {
      pl_labels_get_slice (truth, axis, painted[i], s);
      pl_labels_set_slice (sparse, axis, painted[i], s);
    }
  pl_train_config_init (&cfg);
  pl_unet_config_preset (preset, &cfg.net);
  pl_unet_config_head (&cfg.net, head);
  cfg.net.attention_heads = attention;
  cfg.context = context;
  cfg.coords = coords;
  cfg.seed = seed;
  cfg.axis = axis;
  cfg.lr_rampdown = (float) rampdown;
  if (init)
    {
      cfg.net.batch_norm = pl_unet_get_config (init->unet)->batch_norm;
      cfg.init = init->unet;
      cfg.init_decoder = pl_model_decoder_pretrained (init);
      cfg.init_record = init->training;
      cfg.freeze = freeze;
    }
  pl_label_provider_init_static (&provider, sparse);
  tr = pl_trainer_new (&cfg, vol, &provider, error);
  if (!tr || !pl_method_install (tr, m, error) || !pl_trainer_run (tr, steps, NULL, NULL, NULL, error))
    return NAN;
  /* what the method says at the end (self-training: its rounds) */
  if (pl_method_get_status (tr, &st))
    {
      pl_method_status_describe (&st, status);
      if (st.note[0])
        g_string_append_printf (status, "%s%s", status->len ? " · " : "", st.note);
    }
  pel_colin27_eval_init (&ev, vol, truth, sparse, axis);
  mean = pel_colin27_eval_dice (&ev, pl_trainer_get_model (tr), pl_trainer_get_model (tr)->unet, dice);
  g_free (ev.skip);
  return mean;
}

int
pel_cli_bench_fewshot (int argc, char **argv)
{
  g_autofree char *methods_arg = NULL, *k_arg = NULL, *splits_arg = NULL, *preset = NULL;
  g_autofree char *image = NULL, *truth_path = NULL, *init_path = NULL, *freeze_name = NULL;
  g_autofree char *head = NULL;
  g_autoptr (PlModel) init = NULL;
  PlFreeze freeze = PL_FREEZE_NONE;
  double rampdown = PL_TRAIN_DEFAULT_LR_RAMPDOWN;
  int seeds = 3, first_seed = 0, steps = PL_TRAIN_DEFAULT_STEPS, threads = 2, attention = 0, context_slices = 1;
  gboolean coords = FALSE;
  const GOptionEntry entries[] = {
    { "methods", 'm', 0, G_OPTION_ARG_STRING, &methods_arg,
      "Methods, comma-separated (supervised), at their defaults but for the settings given (--help-method)", "M,…" },
    { "k", 'k', 0, G_OPTION_ARG_STRING, &k_arg, "Painted slices per split, comma-separated (2,3,5,8)", "K,…" },
    { "splits", 0, 0, G_OPTION_ARG_STRING, &splits_arg, "even (the peer's), random (one per seed), or both (even,random)", "S,…" },
    { "seeds", 0, 0, G_OPTION_ARG_INT, &seeds, "Seeds S … S+N−1 per method, split and k (3)", "N" },
    { "first-seed", 0, 0, G_OPTION_ARG_INT, &first_seed, "The first seed S (0): runs split over processes", "S" },
    { "steps", 's', 0, G_OPTION_ARG_INT, &steps, "Optimiser steps of every run (600)", "N" },
    { "lr-rampdown", 0, 0, G_OPTION_ARG_DOUBLE, &rampdown, "The rate's ramp-down over this last fraction of the steps, as train ("
      G_STRINGIFY (PL_TRAIN_DEFAULT_LR_RAMPDOWN) ")", "F" },
    { "preset", 0, 0, G_OPTION_ARG_STRING, &preset, "Network: ref or small (ref)", "NAME" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "Threads (2)", "T" },
    { "head", 0, 0, G_OPTION_ARG_STRING, &head,
      "Class head: plain (one 1×1 convolution) or fcn (FCN skip head: scores at 3 decoder scales, up-sampled and summed) (plain)", "NAME" },
    { "attention", 0, 0, G_OPTION_ARG_INT, &attention,
      "A transformer block with HEADS heads on the bottleneck of every network (0)", "HEADS" },
    { "context", 0, 0, G_OPTION_ARG_INT, &context_slices, "2.5-D input: N neighbouring slices as channels (odd) (1)", "N" },
    { "coords", 0, 0, G_OPTION_ARG_NONE, &coords, "A left-right position channel", NULL },
    { "init", 0, 0, G_OPTION_ARG_FILENAME, &init_path,
      "Every run starts from the encoder of this model (e.g. from pellucid-cli pretrain)", "MODEL" },
    { "freeze", 0, 0, G_OPTION_ARG_STRING, &freeze_name,
      "With --init: all-encoder, encoder-but-last, norm-only or none (none)", "MODE" },
    { "image", 0, 0, G_OPTION_ARG_FILENAME, &image, "Image (" PEL_COLIN27_IMAGE ")", "IMG" },
    { "truth", 0, 0, G_OPTION_ARG_FILENAME, &truth_path, "Every voxel labelled (DATA/colin27-4class.nii.gz)", "LAB" },
    { NULL }
  };
  /* freed after the context that holds its options */
  g_autoptr (PelMethodOptions) mopts = pel_method_options_new ();
  g_autoptr (GOptionContext) context = g_option_context_new ("fewshot");
  g_autofree PlMethodConfig *configs = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PlVolume) vol = NULL;
  g_autoptr (PlLabels) truth = NULL;
  g_autoptr (GArray) ks = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr (GArray) kinds = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr (GArray) brain = NULL;
  g_auto (GStrv) method_names = NULL, split_names = NULL;
  PlUnetConfig probe;
  int axis;

  g_option_context_set_summary (context, "Held-out mean Dice of the methods on Colin27 over splits of k painted "
                                "axial slices and seeds: mean ± sd per method, split and k.");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, pel_method_options_group (mopts));
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "pellucid-cli bench fewshot: %s\n", error->message);
      return 2;
    }
  method_names = g_strsplit (methods_arg ? methods_arg : "supervised", ",", -1);
  split_names = g_strsplit (splits_arg ? splits_arg : "even,random", ",", -1);
  for (int i = 0; method_names[i]; i++)
    {
      PlMethodKind kind;
      if (!pl_method_kind_from_name (g_strstrip (method_names[i]), &kind))
        {
          g_autofree char *all = pl_method_names (", ", " or ");
          fprintf (stderr, "pellucid-cli bench fewshot: unknown method '%s' (%s)\n", method_names[i], all);
          return 2;
        }
      g_array_append_val (kinds, (int) { (int) kind });
    }
  configs = g_new (PlMethodConfig, kinds->len);
  if (!pel_method_options_apply_kinds (mopts, (const int *) kinds->data, kinds->len, configs, &error))
    {
      fprintf (stderr, "pellucid-cli bench fewshot: %s\n", error->message);
      return 2;
    }
  for (int i = 0; split_names[i]; i++)
    if (strcmp (g_strstrip (split_names[i]), "even") != 0 && strcmp (split_names[i], "random") != 0)
      {
        fprintf (stderr, "pellucid-cli bench fewshot: unknown split '%s' (even, random)\n", split_names[i]);
        return 2;
      }
  if (!parse_list (k_arg ? k_arg : "2,3,5,8", 1, 1000, ks) || seeds < 1 || first_seed < 0 || steps < 1 || !(rampdown >= 0.0 && rampdown <= 1.0) || threads < 1
      || !pl_unet_config_preset (preset ? preset : "ref", &probe)
      || !pl_unet_config_head (&probe, head ? head : "plain")
      || (probe.attention_heads = attention, !pl_unet_config_check (&probe, NULL))
      || !pl_slice_input_check (context_slices, NULL))
    {
      fprintf (stderr, "Usage: pellucid-cli bench fewshot [--methods M,…] [--k 2,3,5,8] "
               "[--splits even,random] [--seeds 3] [--steps 600] [--preset ref|small] "
               "[--head plain|fcn] [--attention HEADS] [--context N] [--coords] [--threads 2]\n");
      return 2;
    }
  pl_engine_set_threads (threads);
  if (truth_path == NULL)
    truth_path = g_build_filename (pel_colin27_data_dir (), "colin27-4class.nii.gz", NULL);
  vol = pl_volume_load (image ? image : PEL_COLIN27_IMAGE, 0, NULL, &error);
  if (vol)
    truth = pl_labels_load (truth_path, vol, &error);
  if (!truth)
    {
      fprintf (stderr, "pellucid-cli bench fewshot: %s (mricron-data installed?)\n", error->message);
      return 1;
    }
  if (freeze_name && !pl_freeze_from_name (freeze_name, &freeze))
    {
      fprintf (stderr, "pellucid-cli bench fewshot: unknown --freeze '%s' (all-encoder, encoder-but-last, norm-only, none)\n",
               freeze_name);
      return 2;
    }
  if (init_path && !(init = pl_model_load (init_path, &error)))
    {
      fprintf (stderr, "pellucid-cli bench fewshot: %s\n", error->message);
      return 1;
    }
  axis = pl_volume_axial_axis (vol);
  brain = brain_slices (truth, axis);
  printf ("workload: fewshot colin27-4class (%s, %s head, attention heads %d, context %d%s)  steps=%d seeds=%d threads=%d brain slices=%u",
          preset ? preset : "ref", head ? head : "plain", attention, context_slices, coords ? ", coords" : "",
          steps, seeds, threads, brain->len);
  if (rampdown > 0.0)
    printf ("  lr ramp-down over the last %g of the steps", rampdown);
  if (init)
    printf ("  init=%s freeze=%s", init_path, pl_freeze_name (freeze));
  printf ("\n");
  fflush (stdout);

  for (int si = 0; split_names[si]; si++)
    for (guint ki = 0; ki < ks->len; ki++)
      for (guint mi = 0; mi < kinds->len; mi++)
        {
          gboolean random = strcmp (split_names[si], "random") == 0;
          int k = g_array_index (ks, int, ki);
          PlMethodKind kind = configs[mi].kind;
          g_autofree double *d = g_new (double, seeds);
          double per_label[PEL_COLIN27_N_LABELS];
          g_autofree gint64 *painted = g_new (gint64, MAX (k, 1));
          double mean, sd;

          if ((guint) k > brain->len)
            {
              fprintf (stderr, "pellucid-cli bench fewshot: k = %d but only %u brain slices\n", k, brain->len);
              return 2;
            }
          for (int s = 0; s < seeds; s++)
            {
              g_autoptr (GString) zs = g_string_new (NULL), status = g_string_new (NULL);
              int seed = first_seed + s;
              choose_split (brain, k, random, (guint64) seed, painted);
              for (int i = 0; i < k; i++)
                g_string_append_printf (zs, "%s%" G_GINT64_FORMAT, i ? "," : "", painted[i]);
              d[s] = run (vol, truth, painted, k, &configs[mi], preset ? preset : "ref", head ? head : "plain",
                          attention, context_slices, coords, steps, rampdown, (guint64) seed, axis, init, freeze,
                          per_label, status, &error);
              if (isnan (d[s]))
                {
                  fprintf (stderr, "pellucid-cli bench fewshot: %s\n", error ? error->message : "no Dice");
                  return 1;
                }
              printf ("run: %s %s k=%d seed=%d slices=%s  held-out mean Dice %.4f (label 2 %.3f, 3 %.3f, 4 %.3f)%s%s\n",
                      pl_method_kind_name (kind), split_names[si], k, seed, zs->str, d[s],
                      per_label[1], per_label[2], per_label[3], status->len ? "  method: " : "", status->str);
              fflush (stdout);
            }
          pl_mean_sd (d, seeds, &mean, &sd);
          printf ("RESULT %-14s %-6s k=%-2d %.3f ± %.3f (n=%d)", pl_method_kind_name (kind),
                  split_names[si], k, mean, sd, seeds);
          if (init)
            printf ("  from %s, frozen: %s", init_path, pl_freeze_name (freeze));
          if (head && strcmp (head, "plain") != 0)
            printf ("  head: %s", head);
          if (attention > 0)
            printf ("  attention heads: %d", attention);
          if (rampdown > 0.0)
            printf ("  lr ramp-down %g", rampdown);
          if (pel_method_options_given (mopts) && kind != PL_METHOD_SUPERVISED)
            {
              g_autofree char *args = pl_method_config_to_args (&configs[mi]);
              printf ("  %s", args);
            }
          {
            /* the peer ran the plain reference recipe on the even splits */
            const PeerFigures *p = kind == PL_METHOD_SUPERVISED && !random && !init
                                   && !(head && strcmp (head, "plain") != 0) && attention == 0
                                   ? peer_supervised (k) : NULL;
            double m, sdp;
            if (p)
              {
                pl_mean_sd (p->dice, p->n, &m, &sdp);
                printf ("  PyTorch supervised %.3f ± %.3f (n=%d)", m, sdp, p->n);
              }
          }
          printf ("\n");
          fflush (stdout);
        }
  return 0;
}
