/* pretrain.h: contrastive pre-training of the UNet's encoder on the slices
 * of a volume, without labels (Chaitanya et al. 2020, "Contrastive learning
 * of global and local features for medical image segmentation with limited
 * annotations", the global loss; Chen et al. 2020, SimCLR).
 *
 * Each step takes `batch` slices B along the axis (uniformly among the
 * slices that hold a non-zero voxel), makes two augmented views of each
 * (the trainer's flips and rotation, then a random contrast a ∈ [0.8, 1.2]
 * and brightness b ∈ [−0.1, 0.1] per view: x' = a x + b), runs the network
 * on the 2B views, pools the bottleneck block's output over the plane
 * (pl_global_avg_pool), maps it through a projection head g (1×1
 * convolution C → P, batch norm, ReLU, 1×1 convolution P → P) and
 * minimises NT-Xent
 * (pl_nt_xent) with temperature τ: the two views of a slice are positives,
 * the other 2B − 2 views negatives.  The head's hidden layer is batch
 * normalised over the views (as SimCLR's), and the network runs without
 * its dropout.  The network and the head train with Adam at config.lr;
 * only the encoder (enc.*, the encoder's norms) receives gradients,
 * the decoder is left as initialised.  The head is dropped at the end, as
 * in the paper.
 *
 * The model it exports has two classes 1 and 2 (its head is untrained) and the
 * training record {"method": "contrastive", …}: it is meant as the --init
 * of a fine-tuning run (train.h, PlTrainConfig.init), which takes its
 * encoder.
 *
 * The local stage (config.local; the paper's second stage, its "local"
 * loss) trains the decoder on the fixed encoder of the global stage's
 * model (train->init, frozen as PL_FREEZE_ALL_ENCODER).  Each step takes
 * `batch` slices with one augmentation each (flips, rotation), and makes
 * two views of each that differ only in intensity (two contrast and
 * brightness draws), so a position means the same anatomy in both.  The
 * last decoder block's features go through a projection g₂ (1×1
 * convolution C₀ → P, batch norm over the pixels of all views, ReLU, 1×1
 * convolution P → P) at every pixel; the map
 * is cut into regions × regions cells, each averaged (pl_region_pool), and
 * NT-Xent over the cells of all views: a cell and the same cell of the
 * slice's other view are positives, every other cell — elsewhere in the
 * slice, in either view, and in the other slices — a negative.  Its model
 * records {"method": "contrastive-local", …}; fine-tuning from it takes
 * encoder and decoder (PlTrainConfig.init_decoder).
 */
#pragma once

#include "engine/nn/train.h"

G_BEGIN_DECLS

/* Steps of one pre-training run (of each stage), pellucid-cli pretrain's
 * and the Train panel's default. */
#define PL_PRETRAIN_DEFAULT_STEPS 200

/* Adam's rate of pre-training (encoder and projection head): lower than
 * supervised training's 1e-3, at which the reference network's
 * contrastive loss stayed at chance and the encoder it left made
 * fine-tuning worse than starting afresh (docs/methods.md). */
#define PL_PRETRAIN_DEFAULT_LR 3e-4f

typedef struct
{
  float    lr;            /* PL_PRETRAIN_DEFAULT_LR */
  float    temperature;   /* τ, 0.1 */
  int      proj_dim;      /* P, 64 */
  gboolean local;         /* the local stage: FALSE */
  int      regions;       /* local: cells per side of the map, 4 (16
                             regions) */
} PlPretrainConfig;

void pl_pretrain_config_init (PlPretrainConfig *config);

typedef struct _PlPretrainer PlPretrainer;

/* train: network, axis, batch (slices per step; 2 × batch views), seed,
 * augmentation, fit, normalisation and input (context, coords) as for
 * supervised training; its rate, classes, held-out slice and label table
 * are not used (config->lr is the rate); init (the local stage: required)
 * the network to start from. */
PlPretrainer *pl_pretrainer_new  (const PlTrainConfig    *train,
                                  const PlPretrainConfig *config,
                                  const PlVolume         *volume,
                                  GError                **error);
void          pl_pretrainer_free (PlPretrainer           *pretrainer);
gboolean      pl_pretrainer_step (PlPretrainer           *pretrainer,
                                  PlTrainStepInfo        *info,
                                  GError                **error);
/* Fails with G_IO_ERROR_CANCELLED when progress asks to stop (the steps
 * done so far are kept). */
gboolean      pl_pretrainer_run  (PlPretrainer           *pretrainer,
                                  int                     n_steps,
                                  const PlProgress       *progress,
                                  PlTrainStepFunc         on_step,
                                  gpointer                user_data,
                                  GError                **error);
/* The underlying trainer (its model is the network being pre-trained). */
PlTrainer    *pl_pretrainer_get_trainer (PlPretrainer    *pretrainer);
/* A copy to save: training record "contrastive" (or "contrastive-local"). */
PlModel      *pl_pretrainer_export_model (PlPretrainer   *pretrainer);
/* Whether model's decoder was pre-trained (the local stage): fine-tuning
 * from it takes the decoder too (PlTrainConfig.init_decoder). */
gboolean      pl_model_decoder_pretrained (const PlModel *model);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlPretrainer, pl_pretrainer_free)

G_END_DECLS
