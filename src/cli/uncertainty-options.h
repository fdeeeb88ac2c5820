/* uncertainty-options.h: the uncertainty options of pellucid-cli predict,
 * train and eval, kept out of those commands' files.
 *
 *   predict --uncertainty mc|ensemble|tta|softmax --maps PREFIX
 *           [--tta-samples 8] [--keep-samples K] [--painted LAB]
 *           [--aleatoric-samples 10]
 *   train   --ensemble M [--bootstrap] [--aleatoric [--aleatoric-samples 10]]
 *   eval    --probabilities PROB [--ece] [--bins 15] [--reliability FILE.csv]
 *           [--auroc MAP]… [--intensity IMG --min-intensity 20]
 *           [--temperature T | --calibration-slices z,z,…]
 *
 * Defaults come from engine/uncertainty (pl_uncertainty_settings_init), as
 * in the Uncertainty panel.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "engine/data/labels.h"
#include "engine/methods/methods.h"
#include "engine/nn/train.h"

G_BEGIN_DECLS

typedef struct _PelUncertaintyOptions PelUncertaintyOptions;

PelUncertaintyOptions *pel_uncertainty_options_new   (void);
void                   pel_uncertainty_options_free  (PelUncertaintyOptions *o);
GOptionGroup          *pel_uncertainty_options_predict_group (PelUncertaintyOptions *o);
GOptionGroup          *pel_uncertainty_options_train_group   (PelUncertaintyOptions *o);
GOptionGroup          *pel_uncertainty_options_eval_group    (PelUncertaintyOptions *o);

/* predict: whether --uncertainty or --maps was given; then the whole
 * command runs here.  Returns the exit status. */
gboolean pel_uncertainty_options_predict_given (PelUncertaintyOptions *o);
int      pel_uncertainty_predict (PelUncertaintyOptions *o,
                                  const char            *image,
                                  const char            *model_path,
                                  const char            *out,
                                  const char            *prob,
                                  int                    mc_passes,
                                  gint64                 seed,
                                  int                    batch,
                                  PlBorder               border);

/* train: saves member 0 (model) alone, or with --ensemble M trains members
 * 1 … M−1 (seeds cfg->seed + m, the same method) and saves all in one file. */
gboolean pel_uncertainty_save_model (PelUncertaintyOptions *o,
                                     PlModel               *model,
                                     const PlTrainConfig   *cfg,
                                     const PlMethodConfig  *method,
                                     const PlVolume        *volume,
                                     const PlLabelProvider *labels,
                                     int                    steps,
                                     const char            *out,
                                     GError               **error);
/* train --aleatoric [--aleatoric-samples T]: into the network config. */
void     pel_uncertainty_options_apply_train (PelUncertaintyOptions *o,
                                              PlTrainConfig         *cfg);
/* train --bootstrap: member 0's provider (a bootstrap draw) in place of
 * *labels; keep `boot` alive while training. */
void     pel_uncertainty_train_provider (PelUncertaintyOptions *o,
                                         const PlTrainConfig   *cfg,
                                         const PlVolume        *volume,
                                         PlLabelProvider       *labels);

/* eval: adds "ece", "reliability", "temperature", "auroc", "slices" members
 * to b for the voxels not in skip (1 = not evaluated).  values: the
 * reference's label values, class k of the probabilities being values[k];
 * per-slice Dice leaves background (−1: none) out. */
gboolean pel_uncertainty_options_eval_given (PelUncertaintyOptions *o);
gboolean pel_uncertainty_eval (PelUncertaintyOptions *o,
                               const PlVolume        *ref,
                               const PlLabels        *truth,
                               const PlLabels        *pred,
                               const guint8          *skip,
                               int                    axis,
                               const guint16         *values,
                               int                    n_values,
                               int                    background,
                               JsonBuilder           *b,
                               GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PelUncertaintyOptions, pel_uncertainty_options_free)

G_END_DECLS
