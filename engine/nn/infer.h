/* infer.h: applying a PlModel to a volume, slice by slice along model->axis.
 *
 * Slices are normalised as the model records, cut to the frame the model
 * was trained in (the centre crop; the border outside it as PlFrame below
 * says, so every voxel gets a prediction) and run in batches without
 * recording a tape.  Outputs are on the volume's exact grid:
 * probabilities class-major (class c of voxel v at c·n_voxels + v), label
 * maps holding the classes' label values.  MC dropout (Gal & Ghahramani 2016)
 * keeps dropout on and runs `passes` stochastic decoders per batch on one
 * encoder pass; it gives the per-voxel class mean, class variance and the
 * predictive entropy of the mean (nats), the softmax fused into sums kept
 * over the engine's threads.
 */
#pragma once

#include <glib.h>

#include "engine/data/labels.h"
#include "engine/nn/model.h"
#include "engine/core/progress.h"
#include "engine/data/volume.h"

G_BEGIN_DECLS

/* Logit draws S behind the probabilities of a model with an aleatoric head
 * (unet.h) when predicting: 10, as in training (train.h). */
#define PL_ALEATORIC_PREDICT_SAMPLES 10

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
/* The model's probabilities (n, K, h, w) of logits: its output (softmax,
 * sigmoid); for a net with an aleatoric head, log_var its log σ²
 * (n, 1, h, w), the predictive distribution the head was trained for, the
 * mean of softmax(logits + σ ε) over S draws (Kendall & Gal 2017, eq. 12;
 * S = 0: softmax of the logits).  The draw of pixel i of batch sample b is
 * pl_aleatoric_noise (seed, (first + b)·h·w + i, t, c), so a slice's
 * probabilities do not depend on the batch it is in when first is its
 * index minus b.  Whole-volume and single-slice prediction use this with
 * S = PL_ALEATORIC_PREDICT_SAMPLES, seed 0 and the slice index. */
PlTensor *pl_model_probabilities    (PlModel          *model,
                                     PlTape           *tape,
                                     PlTensor         *logits,
                                     const PlTensor   *log_var,
                                     int               samples,
                                     guint64           seed,
                                     gint64            first);
/* Normalises one slice (H, W) of the volume as the model wants it. */
void     pl_model_normalise         (const PlModel    *model,
                                     const float      *src,
                                     gsize             n,
                                     float            *dst);

/* The frame of whole-volume prediction, for estimators that run the
 * network themselves (engine/uncertainty).  Slices are predicted in the
 * frame the trainer used, the centre crop (PL_FIT_CROP): a UNet this deep
 * learns where the image's edges are (its zero padding tells it), and the
 * same network run on the slice zero-padded to the next multiple of 16 —
 * the frame shifted by a few voxels — scored a held-out mean Dice of 0.747
 * instead of 0.800 on Colin27 k = 5 (0.729 with the padding placed so that
 * the pooling grid stays the crop's).  The border the crop leaves out (5
 * rows and 9 columns of a 181×217 slice) takes the crop's nearest pixel
 * (model->border PL_BORDER_NEAREST: one window), or with PL_BORDER_WINDOW
 * a second, padded window (PL_FIT_PAD) predicts that border only, which
 * costs 1.17 times the crop's network for 7 % of the pixels. */
typedef struct
{
  int wh, ww, oy, ox;   /* window size and offset in the slice (may be < 0) */
} PlWindow;

typedef struct
{
  int      axis, h, w;  /* slice axis and size */
  PlWindow win[2];      /* [0] the crop; [1] the padded window, for the border */
  int      n_win;
  gint64   n_slices;
  gsize    n_voxels;
  gsize    max_plane;   /* largest wh·ww */
} PlFrame;

void     pl_model_frame_init        (PlFrame          *frame,
                                     const PlModel    *model,
                                     const PlVolume   *volume);
/* Whether window wi gives the prediction of slice pixel (y, x). */
gboolean pl_model_frame_owns        (const PlFrame    *frame,
                                     int               wi,
                                     int               y,
                                     int               x);
/* The window pixel that predicts slice pixel (y, x): itself, or outside
 * the window its nearest (clamped) pixel; an index into one (wh, ww) plane. */
gsize    pl_window_index            (const PlWindow   *w,
                                     int               y,
                                     int               x);
/* x (n, C, wh, ww) ← the input of slices first … first + n − 1 in window
 * w (C = pl_model_input_channels, slice-input.h); slice: scratch of h·w
 * floats. */
void     pl_model_frame_fill        (const PlModel    *model,
                                     const PlVolume   *volume,
                                     const PlFrame    *frame,
                                     const PlWindow   *w,
                                     gint64            first,
                                     int               n,
                                     float            *slice,
                                     float            *x);
/* Writes maps (n, K, wh, ww) of window wi into dst (K, n_voxels) where
 * that window owns the pixel. */
void     pl_model_frame_scatter     (const PlVolume   *volume,
                                     const PlFrame    *frame,
                                     int               wi,
                                     gint64            first,
                                     int               n,
                                     int               K,
                                     const float      *maps,
                                     float            *dst);
/* The same for the argmax of probs (n, K, wh, ww), as label values. */
void     pl_model_frame_scatter_labels (const PlModel *model,
                                        const PlVolume *volume,
                                        const PlFrame *frame,
                                        int            wi,
                                        gint64         first,
                                        int            n,
                                        int            K,
                                        const float   *probs,
                                        PlLabels      *labels);

G_END_DECLS
