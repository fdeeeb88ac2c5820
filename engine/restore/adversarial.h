/* adversarial.h: a small patch discriminator and the adversarial losses of a
 * restoration network trained as a GAN generator.
 *
 * The discriminator (after pix2pix's PatchGAN, Isola et al. 2017, made
 * smaller) classifies every overlapping patch of an image as a real clean
 * image or a restored one:
 *
 *   conv 3×3 1→C, leaky ReLU 0.2, max-pool 2×2,
 *   conv 3×3 C→2C, leaky ReLU 0.2, max-pool 2×2,
 *   conv 3×3 2C→1: logits (N, 1, H/4, W/4), one per 4×4 block with a
 *   receptive field of 18×18 pixels.
 *
 * Losses (Goodfellow et al. 2014, the non-saturating generator loss):
 *   generator      L_G = BCE (D(G(x)), 1)          (mean over the logits)
 *   discriminator  L_D = ½ [BCE (D(y), 1) + BCE (D(G(x)), 0)]
 * Training alternates: a generator step on its restoration loss plus
 * λ·L_G, then a discriminator step on L_D with the generator's output held
 * constant (pl_tape_detach or a copy).  Parameters live in one block, the
 * gradients in a second of the same size (Adam works on those). */
#pragma once

#include <glib.h>

#include "engine/ops/tape.h"

G_BEGIN_DECLS

typedef struct _PlPatchDisc PlPatchDisc;

/* channels: C of the first layer (16). Kaiming-uniform from seed, zero bias. */
PlPatchDisc *pl_patch_disc_new       (int                channels,
                                      guint64            seed);
void         pl_patch_disc_free      (PlPatchDisc       *disc);
float       *pl_patch_disc_params    (PlPatchDisc       *disc);
float       *pl_patch_disc_grads     (PlPatchDisc       *disc);
gsize        pl_patch_disc_n_params  (const PlPatchDisc *disc);
void         pl_patch_disc_zero_grad (PlPatchDisc       *disc);

/* x: (N, 1, H, W), H and W multiples of 4 → logits (N, 1, H/4, W/4). */
PlTensor    *pl_patch_disc_forward   (PlPatchDisc       *disc,
                                      PlTape            *tape,
                                      PlTensor          *x);
/* Mean BCE of D(x) against "real" (1) or "restored" (0): a scalar. */
PlTensor    *pl_adversarial_loss     (PlTape            *tape,
                                      PlPatchDisc       *disc,
                                      PlTensor          *x,
                                      gboolean           real);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlPatchDisc, pl_patch_disc_free)

G_END_DECLS
