/* restore-net.h: restoration networks trained on the volume's own slices.
 *
 * One small UNet (1 → 1 channel, skips, no normalisation, linear output;
 * pl_restore_net_config) is trained on random patches of the given slices
 * and then applied to whole slices.  What it learns depends on the method:
 *
 *   n2n         Noise2Noise (Lehtinen et al. 2018): input and target are
 *               two independently noised copies of the same clean patch,
 *               with fresh noise at every step; the loss never sees a clean
 *               image.  With zero-mean noise and the L2 loss the minimiser
 *               is the same as with clean targets (E[n̂ | x] = x).
 *   n2c         Noise2Clean: the same network, budget and seed; the target
 *               is the clean patch (the supervised baseline N2N is compared
 *               with).
 *   pair        two real acquisitions: the input is a patch of the noisy
 *               volume, the target the same patch of a second noisy volume
 *               of the same grid (and the other way round, at random); no
 *               clean image anywhere.
 *   supervised  input degraded by the chosen synthetic corruption (noise or
 *               ×2/×4 downsampling, degrade.h), target clean, and a choice
 *               of loss: MSE, MAE, 0.84 (1 − SSIM) + 0.16 MAE (loss.h;
 *               Zhao et al. 2017), MSE + λ·perceptual
 *               (perceptual.h, features of a trained segmentation model),
 *               MSE + λ·adversarial (adversarial.h, a patch discriminator
 *               trained in alternation).
 *
 * `residual` makes the network predict the correction: out = x + f(x).
 * Images are planes of h × w floats in [0, 1] (divide by the volume's
 * maximum first).  Training is seeded (weights, patches, noise); with the
 * same seed two methods see the same patches in the same order.
 *
 * Threads: pl_restore_net_train runs on the calling thread (a worker) with
 * the engine's threads; the step callback runs there after every step
 * (images valid only during the call).  Cancel through the PlProgress.
 */
#pragma once

#include <glib.h>

#include "engine/core/error.h"
#include "engine/core/progress.h"
#include "engine/nn/unet.h"
#include "engine/restore/degrade.h"

G_BEGIN_DECLS

typedef enum
{
  PL_RESTORE_N2N,
  PL_RESTORE_N2C,
  PL_RESTORE_PAIR,
  PL_RESTORE_SUPERVISED,
} PlRestoreMethod;

typedef enum
{
  PL_RESTORE_LOSS_MSE,
  PL_RESTORE_LOSS_MAE,
  PL_RESTORE_LOSS_SSIM,
  PL_RESTORE_LOSS_PERCEPTUAL,
  PL_RESTORE_LOSS_ADVERSARIAL,
} PlRestoreLoss;

/* "n2n", "n2c", "pair", "supervised"; "mse", "mae", "ssim", "perceptual",
 * "adv" — and back (-1 / NULL when unknown). */
const char *pl_restore_method_name      (PlRestoreMethod method);
int         pl_restore_method_from_name (const char     *name);
const char *pl_restore_loss_name        (PlRestoreLoss   loss);
int         pl_restore_loss_from_name   (const char     *name);

typedef struct
{
  PlRestoreMethod   method;        /* N2N */
  PlRestoreLoss     loss;          /* MSE (n2n, n2c and pair use MSE) */
  gboolean          residual;      /* FALSE */
  PlDegradeSettings degrade;       /* the synthetic corruption: Gaussian 25/255
                                    * (scale 1), or downsampling ×factor */
  int               steps;         /* 400 */
  int               batch;         /* 8 */
  int               patch;         /* 64: square patches, a multiple of 4 */
  float             lr;            /* 1e-3: Adam's rate until the ramp-down */
  float             rampdown;      /* 0.3: the last fraction of the steps, over
                                    * which the rate falls smoothly towards 0
                                    * (pl_restore_net_lr); 0: constant */
  float             beta2;         /* 0.99: Adam's second-moment decay (β1 0.9) */
  int               width;         /* 16: channels of the first level */
  int               depth;         /* 3: levels (channels width·2^l) */
  guint64           seed;          /* 0 */
  int               eval_every;    /* 25: PSNR of the validation slice */
  /* perceptual */
  PlUnet           *feature_net;   /* borrowed; required for the perceptual loss */
  guint             feature_layers;/* PlPerceptualLayer flags (both) */
  float             feature_a, feature_b;  /* x ↦ a·x + b before the network */
  float             perceptual_weight;     /* 1 */
  /* adversarial */
  float             adversarial_weight;    /* 0.01 */
  int               disc_channels; /* 16 */
  float             disc_lr;       /* 2e-4 */
} PlRestoreNetSettings;

void     pl_restore_net_settings_init  (PlRestoreNetSettings       *settings);
gboolean pl_restore_net_settings_check (const PlRestoreNetSettings *settings,
                                        GError                    **error);
/* The learning rate of step (1-based, 1…steps): pl_lr_rampdown (optim.h)
 * over the settings' steps — the ramp-down of the Noise2Noise authors'
 * training (Lehtinen et al. 2018; 30 % of the steps there, Adam β2 0.99).
 * With noisy targets every gradient carries the targets' own noise, so at a
 * constant rate the weights keep jittering around the minimum; the ramp-down
 * lets the last iterate settle.  The same for every method. */
double   pl_restore_net_lr             (const PlRestoreNetSettings *settings,
                                        int                         step);
/* The restoration UNet for these settings. */
void     pl_restore_net_config         (const PlRestoreNetSettings *settings,
                                        PlUnetConfig               *config);

/* The slices to learn from, n planes of h × w in [0, 1]. */
typedef struct
{
  int          n, h, w;
  const float *clean;     /* n2n, n2c, supervised: the source of inputs and targets */
  const float *noisy;     /* pair: the first acquisition */
  const float *noisy2;    /* pair: the second */
  /* the validation slice: restored every eval_every steps and compared with
   * its reference (figures only, never used to train); NULL: none */
  const float *val_input;      /* h × w */
  const float *val_reference;  /* h × w */
} PlRestoreData;

typedef struct
{
  int          step;          /* 1-based */
  int          steps;
  double       lr;            /* the learning rate this step used */
  double       loss;          /* the training loss of this step */
  double       adv_d_loss;    /* the discriminator's loss; NaN otherwise */
  double       step_ms;
  double       val_psnr;      /* on eval steps, else NaN */
  double       val_ssim;
  int          h, w;
  const float *val_output;    /* h × w on eval steps, else NULL */
} PlRestoreNetStep;

typedef void (*PlRestoreNetStepFunc) (const PlRestoreNetStep *step,
                                      gpointer                user_data);

typedef struct _PlRestoreNet PlRestoreNet;

PlRestoreNet *pl_restore_net_train (const PlRestoreData        *data,
                                    const PlRestoreNetSettings *settings,
                                    PlRestoreNetStepFunc        on_step,
                                    gpointer                    user_data,
                                    const PlProgress           *progress,
                                    GError                    **error);
void          pl_restore_net_free  (PlRestoreNet *net);
/* Median wall time of a training step and the last loss. */
double        pl_restore_net_step_ms    (const PlRestoreNet *net);
double        pl_restore_net_final_loss (const PlRestoreNet *net);

/* Restores n planes of h × w (any size: reflection-padded to the network's
 * multiple and cropped back) into out (n × h × w). */
void          pl_restore_net_apply (PlRestoreNet *net,
                                    const float  *in,
                                    int           n,
                                    int           h,
                                    int           w,
                                    float        *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlRestoreNet, pl_restore_net_free)

G_END_DECLS
