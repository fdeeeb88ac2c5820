/* perceptual.h: a perceptual loss — the distance between the features a
 * trained network computes for two images (Johnson, Alahi & Fei-Fei 2016,
 * "feature reconstruction loss"), here with a segmentation UNet of this
 * project (a model from the Train panel or pellucid-cli train) in place of
 * VGG.
 *
 * For each chosen layer φ_l (the bottleneck block's output, the last
 * decoder block's output: PlUnetRun's `bottleneck` and `features`):
 *
 *   L = Σ_l ‖φ_l(x) − φ_l(y)‖² / ‖φ_l(y)‖²
 *
 * normalised by the target's feature energy so that layers of different
 * magnitudes weigh alike and the loss does not depend on the network's
 * scale.  The network is frozen: its parameters receive gradients on the
 * tape (ignored; clear them or never read them), only x's gradient is the
 * point.  Dropout is off.  Images pass through `a·x + b` first (the model's
 * intensity normalisation, see model.h) so x may be on another scale than
 * the network was trained on.  y's pass runs without recording. */
#pragma once

#include <glib.h>

#include "engine/nn/unet.h"
#include "engine/ops/tape.h"

G_BEGIN_DECLS

typedef enum
{
  PL_PERCEPTUAL_BOTTLENECK = 1 << 0,
  PL_PERCEPTUAL_FEATURES   = 1 << 1,
} PlPerceptualLayer;

/* "bottleneck", "features", "bottleneck,features" → flags; 0 if unknown. */
guint     pl_perceptual_layers_from_string (const char *text);

/* x, y: (N, 1, H, W), H and W multiples of pl_unet_config_multiple; y is a
 * constant.  Returns a scalar. */
PlTensor *pl_perceptual_loss (PlTape    *tape,
                              PlUnet    *net,
                              guint      layers,
                              float      a,
                              float      b,
                              PlTensor  *x,
                              PlTensor  *y);

G_END_DECLS
