/* finetune.h: starting a network from a pretrained encoder and choosing
 * which of its parameters train (the foundation-model recipe: a frozen
 * encoder with a trained task head, only its last level unfrozen, a full
 * fine-tune, or the parameter-efficient one that trains only the
 * normalisation parameters, with the decoder).
 *
 * The encoder is every tensor "enc.L.I.*" (levels L = 0 … depth − 1, the
 * last being the bottleneck block) and, with batch norm, the norms that
 * follow them ("norms.J.*", J < 2·depth).  The decoder ("up.*", "dec.*",
 * the decoder's norms) and the heads are never frozen. */
#pragma once

#include "engine/nn/unet.h"

G_BEGIN_DECLS

typedef enum
{
  PL_FREEZE_NONE,              /* everything trains */
  PL_FREEZE_ALL_ENCODER,       /* the encoder is fixed */
  PL_FREEZE_ENCODER_BUT_LAST,  /* the encoder's last level (bottleneck) trains */
  PL_FREEZE_NORM_ONLY,         /* of the encoder, only the norms train */
} PlFreeze;

/* "none", "all-encoder", "encoder-but-last", "norm-only". */
const char *pl_freeze_name      (PlFreeze     freeze);
gboolean    pl_freeze_from_name (const char  *name,
                                 PlFreeze    *freeze);

/* Whether tensor i of unet belongs to the encoder (above); *level gets its
 * level (may be NULL). */
gboolean    pl_unet_tensor_is_encoder (const PlUnet *unet,
                                       guint         i,
                                       int          *level);
/* Copies every encoder tensor of src into dst, by name; fails naming the
 * first one dst has and src lacks or holds with another shape.  Returns
 * the tensors copied in *n_copied (may be NULL). */
gboolean    pl_unet_load_encoder (PlUnet       *dst,
                                  const PlUnet *src,
                                  guint        *n_copied,
                                  GError      **error);
/* Whether tensor i is the decoder's: "up.*", "dec.*" and the norms after
 * the encoder's (not the heads). */
gboolean    pl_unet_tensor_is_decoder (const PlUnet *unet,
                                       guint         i);
/* The same as pl_unet_load_encoder for the decoder's tensors (a decoder
 * pre-trained by the local contrastive loss, pretrain.h). */
gboolean    pl_unet_load_decoder (PlUnet       *dst,
                                  const PlUnet *src,
                                  guint        *n_copied,
                                  GError      **error);
/* Per parameter float of unet's block: 1 where it trains under freeze, 0
 * where it is frozen (the padding between tensors counts as frozen);
 * *n_frozen gets the frozen parameters (may be NULL).  NULL with an error
 * when freeze asks for norms the network has none of. */
guint8     *pl_unet_trainable_mask (const PlUnet *unet,
                                    PlFreeze      freeze,
                                    gsize        *n_frozen,
                                    GError      **error);

G_END_DECLS
