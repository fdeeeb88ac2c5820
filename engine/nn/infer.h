/* infer.h: applying a PlModel to a volume, slice by slice along model->axis.
 *
 * Slices are normalised as the model records, zero-padded to the network's
 * multiple (PL_FIT_PAD, so every voxel gets a prediction) and run in batches
 * without recording a tape.  Outputs are on the volume's exact grid:
 * probabilities class-major (class c of voxel v at c·n_voxels + v), label
 * maps holding the classes' label values.  MC dropout (Gal & Ghahramani 2016)
 * keeps dropout on and runs `passes` stochastic decoders per batch on one
 * encoder pass; it gives the per-voxel class mean, class variance and the
 * predictive entropy of the mean (nats).
 */
#pragma once

#include <glib.h>

#include "engine/data/labels.h"
#include "engine/nn/model.h"
#include "engine/core/progress.h"
#include "engine/data/volume.h"

G_BEGIN_DECLS

/* Output channels of the model (n_classes, or 1 for a sigmoid model). */
int      pl_model_n_outputs         (const PlModel    *model);

gboolean pl_model_predict_volume    (PlModel          *model,
                                     const PlVolume   *volume,
                                     int               batch,
                                     float            *probs,
                                     PlLabels         *labels,
                                     const PlProgress *progress,
                                     GError          **error);
gboolean pl_model_predict_volume_mc (PlModel          *model,
                                     const PlVolume   *volume,
                                     int               batch,
                                     int               passes,
                                     guint64           seed,
                                     float            *mean,
                                     float            *var,
                                     float            *entropy,
                                     PlLabels         *labels,
                                     const PlProgress *progress,
                                     GError          **error);
/* One slice (the live preview): probs (K, H, W) and/or labels (H, W) in
 * slice layout (dataset.h), either may be NULL. */
void     pl_model_predict_slice     (PlModel          *model,
                                     const PlVolume   *volume,
                                     gint64            index,
                                     float            *probs,
                                     guint16          *labels);
/* Normalises one slice (H, W) of the volume as the model wants it. */
void     pl_model_normalise         (const PlModel    *model,
                                     const float      *src,
                                     gsize             n,
                                     float            *dst);

G_END_DECLS
