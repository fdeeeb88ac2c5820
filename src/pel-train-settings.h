/* pel-train-settings.h: what the Train panel trains with, and the
 * pellucid-cli command line that trains the same way.
 *
 * Defaults come from the engine (pl_train_config_init, the method configs,
 * the UNet presets), never from numbers written here, so the panel and
 * `pellucid-cli train` start from the same values.  The command line names
 * every setting explicitly, so it reproduces the window's run even if a
 * default changes later.
 */
#pragma once

#include "engine/methods/methods.h"
#include "engine/nn/pretrain.h"
#include "engine/nn/train.h"
#include "engine/data/volume.h"

G_BEGIN_DECLS

typedef struct
{
  char           *preset;      /* a pl_unet_presets() name */
  gboolean        fcn_head;    /* the FCN skip head (pl_unet_config_head "fcn") */
  int             attention;   /* heads of the bottleneck's transformer block, 0: none */
  int             context;     /* slices per input (odd), engine/nn/slice-input.h */
  gboolean        coords;      /* a left–right position channel */
  gboolean        batch_norm;  /* batch norm after every convolution */
  int             axis;        /* voxel axis 0…2 */
  int             steps;       /* per Start or Continue */
  int             batch;
  guint64         seed;
  double          lr;
  double          lr_rampdown; /* of each Start or Continue (pl_trainer_run) */
  int             threads;
  gboolean        holdout;     /* hold out one labelled slice for Dice */
  PlMethodConfig  method;
  /* Fine-tuning (engine/nn/finetune.h): the model file whose encoder the
   * network starts from (NULL: fresh weights), and what stays fixed.  The
   * session gets the model itself (pel_train_session_set_init()); the
   * path is what the command line and the trained model name. */
  char           *init;
  PlFreeze        freeze;
} PelTrainSettings;

/* Engine defaults; axis: the volume's axial voxel axis (2 without one). */
void      pel_train_settings_init          (PelTrainSettings       *settings,
                                            const PlVolume         *volume);
void      pel_train_settings_copy          (PelTrainSettings       *dst,
                                            const PelTrainSettings *src);
void      pel_train_settings_clear         (PelTrainSettings       *settings);
/* Whether a trainer made with a could continue as b: same network, axis,
 * options, batch, seed, learning rate, threads, method kind, and the same
 * start (init and freeze). */
gboolean  pel_train_settings_compatible    (const PelTrainSettings *a,
                                            const PelTrainSettings *b);
/* Fills the engine's config (classes are left to the trainer's scan). */
gboolean  pel_train_settings_to_config     (const PelTrainSettings *settings,
                                            gint64                  holdout_slice,
                                            PlTrainConfig          *config,
                                            GError                **error);
/* The anatomical name of the axis ("axial", …) for the volume, or the
 * voxel axis name ("i", "j", "k") when it has none. */
const char *pel_train_axis_name            (const PlVolume         *volume,
                                            int                     axis);
/* Whether init's encoder (and, after the local contrastive stage, its
 * decoder) fits the network these settings build, and the freeze fits the
 * network; otherwise FALSE with a message that says what differs and which
 * setting to change.  name: how to call the model in the message (a file
 * name). */
gboolean  pel_train_settings_check_init    (const PelTrainSettings *settings,
                                            const PlModel          *init,
                                            const char             *name,
                                            GError                **error);
/* `pellucid-cli train …` for these settings; image and labels may be NULL
 * (a placeholder is written), total_steps is what the run has done or will
 * do, holdout_slice −1 for none.  Arguments are shell-quoted. */
char     *pel_train_settings_command_line  (const PelTrainSettings *settings,
                                            const PlVolume         *volume,
                                            const char             *image,
                                            const char             *labels,
                                            gint64                  total_steps,
                                            gint64                  holdout_slice);
/* `pellucid-cli pretrain …` that pre-trains the encoder of these settings'
 * network as the Train panel does: `steps` steps of the global stage with
 * `batch` slices per step and temperature pc->temperature, written to out;
 * with local_steps > 0, then `&& pellucid-cli pretrain --local --init out
 * …` for the local stage, written to local_out. */
char     *pel_train_settings_pretrain_command_line (const PelTrainSettings *settings,
                                                    const PlVolume         *volume,
                                                    const char             *image,
                                                    const PlPretrainConfig *pc,
                                                    int                     batch,
                                                    gint64                  steps,
                                                    gint64                  local_steps,
                                                    const char             *out,
                                                    const char             *local_out);

G_END_DECLS
