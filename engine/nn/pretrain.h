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
 * convolution C → P, ReLU, 1×1 convolution P → P) and minimises NT-Xent
 * (pl_nt_xent) with temperature τ: the two views of a slice are positives,
 * the other 2B − 2 views negatives.  The network and the head train with
 * Adam; only the encoder (enc.*, the encoder's norms) receives gradients,
 * the decoder is left as initialised.  The head is dropped at the end, as
 * in the paper.
 *
 * The model it exports has two classes 1 and 2 (its head is untrained) and the
 * training record {"method": "contrastive", …}: it is meant as the --init
 * of a fine-tuning run (train.h, PlTrainConfig.init), which takes its
 * encoder.
 */
#pragma once

#include "engine/nn/train.h"

G_BEGIN_DECLS

typedef struct
{
  float temperature;   /* τ, 0.1 */
  int   proj_dim;      /* P, 64 */
} PlPretrainConfig;

void pl_pretrain_config_init (PlPretrainConfig *config);

typedef struct _PlPretrainer PlPretrainer;

/* train: network, axis, batch (slices per step; 2 × batch views), seed,
 * lr, augmentation, fit and normalisation as for supervised training; its
 * classes, held-out slice and label table are not used. */
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
/* A copy to save: training record "contrastive". */
PlModel      *pl_pretrainer_export_model (PlPretrainer   *pretrainer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlPretrainer, pl_pretrainer_free)

G_END_DECLS
