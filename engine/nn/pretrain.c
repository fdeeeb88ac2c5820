/* Contrastive pre-training of the encoder (pretrain.h): a recipe on a
 * PlTrainer whose label provider calls every non-empty slice labelled with
 * nothing painted, so its sampler picks the slices and its optimiser steps
 * the network. */
#define G_LOG_DOMAIN "pl-pretrain"

#include "engine/nn/pretrain.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "engine/core/error.h"
#include "engine/ops/loss.h"
#include "engine/ops/ops.h"

struct _PlPretrainer
{
  PlTrainer        *trainer;
  PlPretrainConfig  cfg;
  const PlVolume   *volume;
  int               axis;
  gint64            n_slices;
  guint8           *nonempty;       /* per slice along the axis */
  /* head: w1 (P, C), b1 (P), w2 (P, P), b2 (P), one block */
  int               c, p;
  float            *head, *head_grad;
  gsize             n_head;
  PlOptimizer      *head_opt;
  gboolean          head_pending;   /* head_grad holds the last step's */
};

void
pl_pretrain_config_init (PlPretrainConfig *config)
{
  config->lr = PL_PRETRAIN_DEFAULT_LR;
  config->temperature = 0.1f;
  config->proj_dim = 64;
  config->local = FALSE;
  config->regions = 4;
}

static void
count_nonempty (gpointer user_data, int axis, gint64 *counts)
{
  PlPretrainer *pt = user_data;
  for (gint64 s = 0; s < pt->n_slices; s++)
    counts[s] = pt->nonempty[s];
}

static void
copy_nothing (gpointer user_data, int axis, gint64 index, guint16 *dst)
{
  PlPretrainer *pt = user_data;
  int h, w;
  pl_slice_dims (pt->volume->dim, axis, &h, &w);
  memset (dst, 0, sizeof (guint16) * h * w);
}

static PlTensor *
head_view (PlTape *tape, int n, int c, float *data, float *grad, gsize offset)
{
  PlTensor *t = pl_tape_alloc (tape, sizeof (PlTensor));
  *t = pl_tensor_param (n, c, 1, 1, data + offset, grad + offset);
  return t;
}

/* The network's forward pass without its dropout: the two views of a
 * slice must differ by their augmentation only.  (The reference network
 * drops 20 % of the bottleneck's channels: pooled, two views of one slice
 * then differ by a random fifth of their features, and its pre-training
 * stayed at chance.)  SimCLR and Chaitanya et al. pre-train without
 * dropout; fine-tuning keeps the network's own. */
static void
forward_no_dropout (PlTrainer *tr, PlTape *tape, PlTensor *x, PlUnetRun *run)
{
  memset (run, 0, sizeof *run);
  pl_unet_forward (pl_trainer_get_model (tr)->unet, tape, x, run);
}

/* Steps the projection head if the previous step's backward filled
 * head_grad: before it is used again, the same as stepping right after. */
static void
step_head_if_pending (PlPretrainer *pt)
{
  if (pt->head_pending)
    {
      pl_optimizer_step (pt->head_opt, pt->head, pt->head_grad);
      memset (pt->head_grad, 0, sizeof (float) * pt->n_head);
    }
  pt->head_pending = TRUE;
}

/* The projection head on x (N, C, H, W) at every position: 1×1
 * convolution C → P, batch normalisation over N·H·W (the 2B views, or
 * the local stage's pixels of all views; no scale or shift), ReLU, 1×1
 * convolution P → P, as SimCLR's head (Chen et al. 2020).  Without the
 * normalisation a plain network's pooled bottleneck is nearly the same
 * vector for every slice — a large shared part and small differences — so
 * every cosine is close to 1 and the loss sits at chance, ln (2B − 1): the
 * reference network without batch norm learnt nothing in 200 steps.  The
 * normalisation removes the shared part and scales the differences up.
 * The tape keeps pointers to its inputs until backward: the head's
 * parameter views and the constant scale and shift live on its arena. */
static PlTensor *
project (PlTape *tape, PlPretrainer *pt, PlTensor *x)
{
  int c = pt->c, p = pt->p;
  PlTensor *w1 = head_view (tape, p, c, pt->head, pt->head_grad, 0);
  PlTensor *b1 = head_view (tape, 1, p, pt->head, pt->head_grad, (gsize) p * c);
  PlTensor *w2 = head_view (tape, p, p, pt->head, pt->head_grad, (gsize) p * c + p);
  PlTensor *b2 = head_view (tape, 1, p, pt->head, pt->head_grad, (gsize) p * c + p + (gsize) p * p);
  float *one = pl_tape_alloc (tape, sizeof (float) * p);
  float *zero = pl_tape_alloc (tape, sizeof (float) * p);
  PlTensor *h;

  for (int k = 0; k < p; k++)
    {
      one[k] = 1.0f;
      zero[k] = 0.0f;
    }
  h = pl_batchnorm (tape, pl_conv2d (tape, x, w1, b1), pl_tape_wrap (tape, 1, p, 1, 1, one, FALSE),
                    pl_tape_wrap (tape, 1, p, 1, 1, zero, FALSE), 1e-5f);
  return pl_conv2d (tape, pl_relu (tape, h, FALSE), w2, b2);
}

static PlTensor *
contrastive_recipe (PlTrainer *tr, PlTape *tape, const PlBatch *a,
                    gpointer user_data, GError **error)
{
  PlPretrainer *pt = user_data;
  PlRng *rng = pl_trainer_get_rng (tr);
  gsize hw = (gsize) a->h * a->w;
  int b = a->n;
  PlBatch v;
  PlTensor *x;
  PlUnetRun run;

  step_head_if_pending (pt);

  /* The second view: the same slices, augmented again. */
  pl_trainer_sample (tr, tape, b, a->slices, TRUE, &v);
  x = pl_tape_tensor (tape, 2 * b, a->c, a->h, a->w);
  memcpy (x->data, a->x, sizeof (float) * b * a->c * hw);
  memcpy (x->data + b * a->c * hw, v.x, sizeof (float) * b * a->c * hw);
  for (int i = 0; i < 2 * b; i++)
    {
      float gain = 0.8f + 0.4f * pl_rng_uniform (rng);
      float bias = -0.1f + 0.2f * pl_rng_uniform (rng);
      float *xi = x->data + i * a->c * hw;
      for (gsize k = 0; k < a->c * hw; k++)
        xi[k] = gain * xi[k] + bias;
    }
  if (a->c > 1)
    {
      /* the position channel keeps its values */
      pl_trainer_fill_coords (tr, b, a->c, a->slices, x->data);
      pl_trainer_fill_coords (tr, b, a->c, a->slices, x->data + b * a->c * hw);
    }

  forward_no_dropout (tr, tape, x, &run);
  return pl_nt_xent (tape, project (tape, pt, pl_global_avg_pool (tape, run.bottleneck)),
                     pt->cfg.temperature);
}

/* Two views of the batch's slices that differ in contrast and brightness
 * only: x (2B, C, h, w), view 2 of slice b at b + B. */
static PlTensor *
intensity_views (PlTrainer *tr, PlTape *tape, const PlBatch *a)
{
  PlRng *rng = pl_trainer_get_rng (tr);
  gsize input = (gsize) a->c * a->h * a->w;
  int b = a->n;
  PlTensor *x = pl_tape_tensor (tape, 2 * b, a->c, a->h, a->w);

  memcpy (x->data, a->x, sizeof (float) * b * input);
  memcpy (x->data + b * input, a->x, sizeof (float) * b * input);
  for (int i = 0; i < 2 * b; i++)
    {
      float gain = 0.8f + 0.4f * pl_rng_uniform (rng);
      float bias = -0.1f + 0.2f * pl_rng_uniform (rng);
      float *xi = x->data + i * input;
      for (gsize k = 0; k < input; k++)
        xi[k] = gain * xi[k] + bias;
    }
  if (a->c > 1)
    {
      pl_trainer_fill_coords (tr, b, a->c, a->slices, x->data);
      pl_trainer_fill_coords (tr, b, a->c, a->slices, x->data + b * input);
    }
  return x;
}

static PlTensor *
local_recipe (PlTrainer *tr, PlTape *tape, const PlBatch *a,
              gpointer user_data, GError **error)
{
  PlPretrainer *pt = user_data;
  PlUnetRun run;

  step_head_if_pending (pt);

  forward_no_dropout (tr, tape, intensity_views (tr, tape, a), &run);
  /* g₂ at every pixel of the last decoder block's features */
  return pl_nt_xent (tape, pl_region_pool (tape, project (tape, pt, run.features), pt->cfg.regions),
                     pt->cfg.temperature);
}

PlPretrainer *
pl_pretrainer_new (const PlTrainConfig *train, const PlPretrainConfig *config,
                   const PlVolume *volume, GError **error)
{
  g_autoptr (PlPretrainer) pt = g_new0 (PlPretrainer, 1);
  static const guint16 values[2] = { 1, 2 };
  PlTrainConfig tc = *train;
  PlLabelProvider provider = { count_nonempty, copy_nothing, NULL };
  g_autofree char *settings = NULL;
  gint64 n_nonempty = 0;
  PlRng rng;
  int h, w;

  pt->cfg = *config;
  pt->volume = volume;
  if (!(config->temperature > 0.0f) || config->proj_dim < 1 || !(config->lr > 0.0f))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "contrastive pre-training needs a temperature > 0, a projection of ≥ 1 dimension and a rate > 0");
      return NULL;
    }
  if (train->batch < 2)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "contrastive pre-training needs a batch of at least 2 slices (the other slices are the negatives)");
      return NULL;
    }
  if (config->local && train->init == NULL)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "the local contrastive stage trains the decoder on a fixed encoder: "
                   "start it from the global stage's model");
      return NULL;
    }
  if (config->local && (config->regions < 2 || config->regions > 16))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "the local contrastive stage needs 2…16 regions per side (got %d)", config->regions);
      return NULL;
    }
  pt->axis = train->axis >= 0 ? train->axis : pl_volume_axial_axis (volume);
  if (pt->axis > 2)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID, "axis must be 0, 1 or 2");
      return NULL;
    }
  pt->n_slices = volume->dim[pt->axis];
  pt->nonempty = g_new0 (guint8, pt->n_slices);
  pl_slice_dims (volume->dim, pt->axis, &h, &w);
  {
    g_autofree float *slice = g_new (float, (gsize) h * w);
    for (gint64 s = 0; s < pt->n_slices; s++)
      {
        pl_volume_get_slice (volume, pt->axis, s, slice);
        for (gsize k = 0; k < (gsize) h * w && !pt->nonempty[s]; k++)
          pt->nonempty[s] = slice[k] != 0.0f;
        n_nonempty += pt->nonempty[s];
      }
  }
  if (n_nonempty < 2)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "contrastive pre-training needs at least 2 non-empty slices along axis %d (this volume has %"
                   G_GINT64_FORMAT ")", pt->axis, n_nonempty);
      return NULL;
    }
  provider.user_data = pt;
  tc.axis = pt->axis;
  /* The head is not trained; two classes make a valid softmax net. */
  tc.n_classes = 2;
  tc.class_values = values;
  tc.class_names = NULL;
  tc.label_table = NULL;
  tc.holdout_slice = -1;
  tc.method = config->local ? "contrastive-local" : "contrastive";
  /* A constant rate: the projection head's optimiser has no schedule, and
   * a pre-training is continued in pieces while the user paints. */
  tc.lr_rampdown = 0.0f;
  tc.lr = config->lr;
  if (config->local)
    {
      /* the decoder learns anew on the encoder, which stays */
      tc.freeze = PL_FREEZE_ALL_ENCODER;
      tc.init_decoder = FALSE;
    }
  pt->trainer = pl_trainer_new (&tc, volume, &provider, error);
  if (!pt->trainer)
    return NULL;

  {
    const PlModel *m = pl_trainer_get_model (pt->trainer);
    const PlUnetConfig *nc = pl_unet_get_config (m->unet);
    /* global: the bottleneck's channels; local: the last decoder block's */
    pt->c = config->local ? nc->channels[0] : nc->channels[nc->depth - 1];
    if (config->local && (m->train_h < config->regions || m->train_w < config->regions))
      {
        g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                     "the slices (%d × %d) are smaller than %d regions per side",
                     m->train_h, m->train_w, config->regions);
        return NULL;
      }
  }
  pt->p = config->proj_dim;
  pt->n_head = (gsize) pt->p * pt->c + pt->p + (gsize) pt->p * pt->p + pt->p;
  pt->head = g_new0 (float, pt->n_head);
  pt->head_grad = g_new0 (float, pt->n_head);
  /* Kaiming-uniform as the network (fan_in = C, then P), zero biases. */
  pl_rng_init (&rng, train->seed ^ G_GUINT64_CONSTANT (0x5eed0fc0417a57));
  {
    float b1 = sqrtf (6.0f / pt->c), b2 = sqrtf (6.0f / pt->p);
    for (gsize i = 0; i < (gsize) pt->p * pt->c; i++)
      pt->head[i] = b1 * (2.0f * pl_rng_uniform (&rng) - 1.0f);
    for (gsize i = 0; i < (gsize) pt->p * pt->p; i++)
      pt->head[pt->p * pt->c + pt->p + i] = b2 * (2.0f * pl_rng_uniform (&rng) - 1.0f);
  }
  pt->head_opt = pl_optimizer_new_adam (pt->n_head, config->lr, 0.9f, 0.999f, 1e-8f);
  if (config->local)
    {
      pl_trainer_set_recipe (pt->trainer, local_recipe, pt, NULL);
      settings = g_strdup_printf ("{\"loss\":\"local nt-xent\",\"temperature\":%g,\"projection_dim\":%d,"
                                  "\"regions\":%d,\"views\":\"flips and rotation shared; two draws of contrast "
                                  "0.8-1.2, brightness +-0.1\",\"trained\":\"decoder\"}",
                                  config->temperature, config->proj_dim, config->regions * config->regions);
      pl_trainer_set_method_info (pt->trainer, "contrastive-local", settings);
      return g_steal_pointer (&pt);
    }
  pl_trainer_set_recipe (pt->trainer, contrastive_recipe, pt, NULL);
  settings = g_strdup_printf ("{\"loss\":\"nt-xent\",\"temperature\":%g,\"projection_dim\":%d,"
                              "\"views\":\"flips, rotation, contrast 0.8-1.2, brightness +-0.1\","
                              "\"trained\":\"encoder\"}",
                              config->temperature, config->proj_dim);
  pl_trainer_set_method_info (pt->trainer, "contrastive", settings);
  return g_steal_pointer (&pt);
}

void
pl_pretrainer_free (PlPretrainer *pt)
{
  if (!pt)
    return;
  pl_trainer_free (pt->trainer);
  pl_optimizer_free (pt->head_opt);
  g_free (pt->head);
  g_free (pt->head_grad);
  g_free (pt->nonempty);
  g_free (pt);
}

gboolean
pl_pretrainer_step (PlPretrainer *pt, PlTrainStepInfo *info, GError **error)
{
  return pl_trainer_step (pt->trainer, info, error);
}

gboolean
pl_pretrainer_run (PlPretrainer *pt, int n_steps, const PlProgress *progress,
                   PlTrainStepFunc on_step, gpointer user_data, GError **error)
{
  return pl_trainer_run (pt->trainer, n_steps, progress, on_step, user_data, error);
}

PlTrainer *
pl_pretrainer_get_trainer (PlPretrainer *pt)
{
  return pt->trainer;
}

PlModel *
pl_pretrainer_export_model (PlPretrainer *pt)
{
  return pl_trainer_export_model (pt->trainer);
}

gboolean
pl_model_decoder_pretrained (const PlModel *model)
{
  return model->training && strstr (model->training, "\"method\":\"contrastive-local\"") != NULL;
}
