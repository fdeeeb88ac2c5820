/* train.h: training a segmentation UNet on the labelled slices of a volume,
 * step by step, while the labels may change.
 *
 * A PlTrainer is made from a PlTrainConfig (network, axis, batch, seed,
 * augmentation, normalisation, classes), the volume (borrowed: it must
 * outlive the trainer) and a PlLabelProvider (dataset.h), which is asked for
 * the labelled slices and their labels at every step, so a batch sees the
 * labels as they are now.  Advance it with pl_trainer_step() or
 * pl_trainer_run() (progress + cancel); stop and continue at will — the
 * state (weights, optimiser moments, generator, step count) stays.
 *
 * Each step: sample `batch` labelled slices uniformly with replacement
 * (the held-out slice excluded), window them (crop or pad to the network's
 * multiple), augment (flips + rotation, bilinear image / nearest labels,
 * outside = unlabelled; a flip across the sides swaps left and right
 * labels, see label_table), map label values to classes (0 and unknown values
 * = ignored), run the recipe to get a loss on the tape, backward, Adam, then
 * update the EMA teacher if there is one.
 *
 * Recipes: the loss is computed by a PlTrainRecipe; the default is
 * supervised CE + (1 − soft Dice); for a net with an aleatoric head
 * (PlUnetConfig.aleatoric) the CE is that of T sampled logits
 * (pl_aleatoric_cross_entropy), the Dice on the mean logits.  A semi-supervised method installs its
 * own with pl_trainer_set_recipe() and uses the helpers below: more batches
 * (unlabelled slices, pseudo-labels), several forward passes in one tape
 * (transformation consistency), the EMA teacher (mean teacher; its outputs
 * enter the loss through pl_tape_detach).
 *
 * Threads: a trainer is used from one thread at a time (the engine's job);
 * the provider's callbacks run on that thread.
 */
#pragma once

#include <glib.h>

#include "engine/data/dataset.h"
#include "engine/nn/finetune.h"
#include "engine/nn/model.h"
#include "engine/ops/optim.h"
#include "engine/core/progress.h"
#include "engine/ops/tape.h"
#include "engine/nn/unet.h"

G_BEGIN_DECLS

typedef struct
{
  PlUnetConfig net;
  int          axis;            /* voxel axis; -1: axial (closest to S) */
  int          batch;           /* 8 */
  guint64      seed;            /* 0 */
  float        lr;              /* Adam, 1e-3 */
  /* The rate ramps down over the last fraction of each pl_trainer_run()
   * (pl_lr_rampdown: lr · ((1 + cos π t) / 2)², t from 0 to 1); a step
   * outside a run (pl_trainer_step alone) has lr.  0: constant */
  float        lr_rampdown;     /* PL_TRAIN_DEFAULT_LR_RAMPDOWN */
  gboolean     augment;         /* TRUE */
  float        flip_p;          /* 0.5 */
  float        max_rotation;    /* degrees, 10 */
  PlFit        fit;             /* PL_FIT_CROP */
  /* The input (slice-input.h): context slices (odd; 1, or 0 read as 1)
   * as channels, and a left–right position channel with coords; net's
   * in_channels is set from them. */
  int          context;         /* 1 */
  gboolean     coords;          /* FALSE */
  double       norm_offset;     /* x' = (x − offset) / divisor */
  double       norm_divisor;    /* 0: the volume's maximum */
  int          n_classes;       /* 0: every non-zero value in the labels */
  const guint16 *class_values;  /* n_classes values (borrowed) */
  const char *const *class_names; /* may be NULL */
  gint64       holdout_slice;   /* −1: none */
  /* Names and left/right pairs of the label values (labels.h; borrowed,
   * read by pl_trainer_new only).  A flip across the sides (the slice axis
   * nearest R–L in the header) swaps paired classes in the target; when a
   * class is sided without a pair among the classes, no flip crosses the
   * sides.  NULL: no label is sided.  Also names the classes when
   * class_names is NULL. */
  const PlLabelTable *label_table;
  const char  *method;          /* recorded in the model: "supervised" */
  int          aleatoric_samples; /* logit samples T of the aleatoric
                                     loss (net.aleatoric): 10 */
  /* Fine-tuning (finetune.h): the encoder of init (borrowed, read by
   * pl_trainer_new only; NULL: none) replaces the fresh one; init_record
   * (a JSON value, e.g. the pretrained model's training record; may be
   * NULL) is recorded in the model as "init"; freeze keeps parts of the
   * encoder fixed (the optimiser skips them), recorded as "frozen". */
  const PlUnet *init;
  gboolean     init_decoder;    /* also init's decoder (after the local
                                   contrastive stage, pretrain.h) */
  const char  *init_record;
  PlFreeze     freeze;          /* PL_FREEZE_NONE */
} PlTrainConfig;

/* The unet2d-ref recipe of reference-workloads.md. */
void pl_train_config_init (PlTrainConfig *config);
/* Steps of a run when none are asked for: pellucid-cli train and the Train
 * panel start from the same budget. */
#define PL_TRAIN_DEFAULT_STEPS 600
/* The default lr_rampdown, the last 30 % of each run: over splits and
 * seeds of Colin27 it steadied runs that a constant rate let fail and cost
 * nothing on average elsewhere (docs/methods.md).  A literal, for the
 * command lines' help. */
#define PL_TRAIN_DEFAULT_LR_RAMPDOWN 0.3

typedef struct
{
  int      n, h, w;
  int      c;        /* input channels (slice-input.h) */
  int      centre;   /* the channel of the slice itself */
  float   *x;        /* (n, c, h, w) normalised, augmented */
  gint32  *target;   /* (n, h, w) class index or −1 (ignored) */
  gint64  *slices;   /* which slices */
  float   *theta;    /* (n, 2, 3) augmentation applied (identity if none) */
  guint8  *mirrored; /* (n) flipped across the sides with classes swapped */
} PlBatch;

typedef struct
{
  gint64  step;           /* steps done, this one included */
  double  loss;
  double  seconds;        /* this step's wall time */
  double  lr;             /* the learning rate this step used */
  int     n_labelled;     /* labelled slices available for sampling */
} PlTrainStepInfo;

typedef struct _PlTrainer PlTrainer;

/* Returns the loss (a scalar on `tape`) or NULL with error set. */
typedef PlTensor *(*PlTrainRecipe) (PlTrainer     *trainer,
                                    PlTape        *tape,
                                    const PlBatch *batch,
                                    gpointer       user_data,
                                    GError       **error);
/* Called after every step of pl_trainer_run(); FALSE stops the run. */
typedef gboolean (*PlTrainStepFunc) (PlTrainer             *trainer,
                                     const PlTrainStepInfo *info,
                                     gpointer               user_data);

PlTrainer *pl_trainer_new            (const PlTrainConfig   *config,
                                      const PlVolume        *volume,
                                      const PlLabelProvider *labels,
                                      GError               **error);
void       pl_trainer_free           (PlTrainer             *trainer);
gboolean   pl_trainer_step           (PlTrainer             *trainer,
                                      PlTrainStepInfo       *info,
                                      GError               **error);
/* Fails with G_IO_ERROR_CANCELLED when progress asks to stop (the steps
 * done so far are kept). */
gboolean   pl_trainer_run            (PlTrainer             *trainer,
                                      int                    n_steps,
                                      const PlProgress      *progress,
                                      PlTrainStepFunc        on_step,
                                      gpointer               user_data,
                                      GError               **error);
gint64     pl_trainer_get_step       (PlTrainer             *trainer);
void       pl_trainer_set_holdout    (PlTrainer             *trainer,
                                      gint64                 slice);
/* Dice per class on the held-out slice's labelled voxels (argmax, dropout
 * off); returns the mean over classes present in the labels or the
 * prediction, NaN without a held-out slice.  per_class: n_classes or NULL. */
double     pl_trainer_holdout_dice   (PlTrainer             *trainer,
                                      double                *per_class);
/* Slices never sampled for training, besides the held-out one (a
 * cross-validation fold); n = 0 clears them. */
void       pl_trainer_set_held_out_slices (PlTrainer        *trainer,
                                           const gint64     *slices,
                                           int               n);
/* Adds the labelled voxels of slice z, per class (n_classes each), to
 * truth, to pred (predicted as the class, argmax, dropout off) and to tp
 * (both): the counts of a Dice pooled over slices. */
void       pl_trainer_count_slice    (PlTrainer             *trainer,
                                      gint64                 z,
                                      gint64                *tp,
                                      gint64                *pred,
                                      gint64                *truth);
int        pl_trainer_get_axis       (PlTrainer             *trainer);
int        pl_trainer_get_n_classes  (PlTrainer             *trainer);
const guint16 *pl_trainer_get_class_values (PlTrainer       *trainer);
/* The model being trained (owned by the trainer; valid until it is freed).
 * Use it for predictions between steps (infer.h). */
PlModel   *pl_trainer_get_model      (PlTrainer             *trainer);
/* A copy with the training settings recorded, to save or keep. */
PlModel   *pl_trainer_export_model   (PlTrainer             *trainer);

/* Recipes and their helpers. */
void       pl_trainer_set_recipe     (PlTrainer             *trainer,
                                      PlTrainRecipe          recipe,
                                      gpointer               user_data,
                                      GDestroyNotify         destroy);
/* The default recipe: CE + (1 − mean soft Dice) of one forward pass. */
PlTensor  *pl_trainer_supervised_loss(PlTrainer             *trainer,
                                      PlTape                *tape,
                                      const PlBatch         *batch,
                                      gpointer               user_data,
                                      GError               **error);
/* Logits of the student for x (N, 1, H, W); dropout on (training mode). */
PlTensor  *pl_trainer_forward        (PlTrainer             *trainer,
                                      PlTape                *tape,
                                      PlTensor              *x);
/* The same with the forward's outputs in *run (its intermediate
 * activations: decoder levels, bottleneck; unet.h); run is cleared first. */
PlTensor  *pl_trainer_forward_run    (PlTrainer             *trainer,
                                      PlTape                *tape,
                                      PlTensor              *x,
                                      PlUnetRun             *run);
/* The same, also giving an aleatoric net's log σ² (N, 1, H, W) in
 * *log_var (NULL for other nets). */
PlTensor  *pl_trainer_forward_var    (PlTrainer             *trainer,
                                      PlTape                *tape,
                                      PlTensor              *x,
                                      PlTensor             **log_var);
/* Keeps an EMA copy of the weights, updated after each step with
 * θ' = α θ' + (1 − α) θ (α = alpha). */
void       pl_trainer_enable_teacher (PlTrainer             *trainer,
                                      float                  alpha);
void       pl_trainer_set_teacher_alpha (PlTrainer          *trainer,
                                         float               alpha);
PlUnet    *pl_trainer_get_teacher    (PlTrainer             *trainer);
/* Logits of the EMA teacher for x as constants on the tape (no node is
 * recorded, nothing flows back into the teacher); rng NULL: dropout off. */
PlTensor  *pl_trainer_teacher_forward(PlTrainer             *trainer,
                                      PlTape                *tape,
                                      PlTensor              *x,
                                      PlRng                 *rng);
/* A batch of any slices (labelled or not) on the tape's arena; labels are
 * those of the provider (−1 where unlabelled).  slices NULL: sampled
 * uniformly from all slices. */
gboolean   pl_trainer_sample         (PlTrainer             *trainer,
                                      PlTape                *tape,
                                      int                    n,
                                      const gint64          *slices,
                                      gboolean               augment,
                                      PlBatch               *out);
/* With a position channel (slice-input.h), writes it as channel c − 1 of
 * x (n, c, h, w) for these slices; nothing without one.  For inputs that
 * a method transformed after pl_trainer_sample: the channel stays in the
 * network's frame. */
void       pl_trainer_fill_coords    (PlTrainer             *trainer,
                                      int                    n,
                                      int                    c,
                                      const gint64          *slices,
                                      float                 *x);
PlRng     *pl_trainer_get_rng        (PlTrainer             *trainer);
/* Left and right (see label_table): the slice axis that crosses the sides
 * (0: H, 1: W, −1: neither, as in sagittal slices); the class each class
 * becomes in an image mirrored across it (NULL: every class stays itself,
 * no class is sided); whether flips across it are made at all. */
int        pl_trainer_get_lateral_axis (PlTrainer           *trainer);
/* Swaps the classes of target (n, h, w) for the samples of batch that were
 * mirrored (labels that did not come from the provider: pseudo-labels). */
void       pl_trainer_mirror_target  (PlTrainer             *trainer,
                                      const PlBatch         *batch,
                                      gint32                *target);
const gint32 *pl_trainer_get_mirror_classes (PlTrainer      *trainer);
gboolean   pl_trainer_get_lateral_flips (PlTrainer          *trainer);

/* Hooks for the methods of methods.h. */
/* The config as given (class_values, class_names and method not kept). */
const PlTrainConfig *pl_trainer_get_config (PlTrainer        *trainer);
const PlVolume *pl_trainer_get_volume (PlTrainer             *trainer);
/* Recorded by pl_trainer_export_model as "method" and "method_settings"
 * (a JSON object text, or NULL for none). */
void       pl_trainer_set_method_info(PlTrainer             *trainer,
                                      const char            *name,
                                      const char            *settings_json);
/* Labelled slices a step samples before the recipe runs (0: batch), so a
 * recipe can fill the rest of the batch with unlabelled slices; the recipe
 * takes the batch's n as the labelled count.  With max > n a step samples
 * as many labelled slices as are painted, from n up to max: with more
 * painted slices than n a step can still see each of them. */
void       pl_trainer_set_labelled_batch (PlTrainer         *trainer,
                                          int                n,
                                          int                max);
/* Adam's moments, to save and restore with the weights. */
PlOptimizer *pl_trainer_get_optimizer (PlTrainer            *trainer);
/* Labelled voxels of every slice along the axis as of this step's call to
 * the provider (the held-out slice included); n_slices may be NULL. */
const gint64 *pl_trainer_get_slice_counts (PlTrainer        *trainer,
                                           gint64           *n_slices);
PlTrainRecipe pl_trainer_get_recipe  (PlTrainer             *trainer,
                                      gpointer              *user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlTrainer, pl_trainer_free)

G_END_DECLS
