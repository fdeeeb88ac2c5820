/* estimate.h: uncertainty of a segmentation model's prediction of a volume.
 *
 * Estimators give T samples of the class probabilities of every voxel; the
 * maps of maps.h summarise them.  All run slice by slice in the model's
 * frame (infer.h) and accumulate one batch of slices at a time, so a
 * volume's samples are never held together:
 *
 *   PL_ESTIMATOR_SOFTMAX   one deterministic pass (T = 1: the entropy of the
 *                          softmax; mutual information and variance are 0).
 *   PL_ESTIMATOR_MC        MC dropout (Gal & Ghahramani 2016): dropout on,
 *                          T stochastic decoders on one encoder pass per
 *                          batch (pl_unet_encode/decode).
 *   PL_ESTIMATOR_ENSEMBLE  a deep ensemble (Lakshminarayanan et al. 2017):
 *                          one deterministic pass of each of the M members.
 *   PL_ESTIMATOR_TTA       test-time augmentation (Wang et al. 2019): T
 *                          transformed copies of each slice (flips, a small
 *                          rotation, intensity scale and shift; sample 0 is
 *                          the identity), each prediction mapped back by the
 *                          inverse transform before it is averaged.  Given
 *                          the M members of an ensemble, every member sees
 *                          every copy: M·T samples (member t / T, copy
 *                          t mod T).
 *
 * A model with an aleatoric head (unet.h): each sample's probabilities
 * average S draws of noisy logits x + σ ε, as in training, so the expected
 * entropy measures the learned noise; PL_UMAP_LOGIT_VARIANCE is σ²
 * averaged over the T samples.
 *
 * The settings and their defaults are shared by pellucid-cli and the
 * Uncertainty panel (pl_uncertainty_settings_init is the one place the
 * defaults live).  pl_uncertainty_estimate() may run on a worker thread: it
 * reports through `progress` and stops with G_IO_ERROR_CANCELLED when asked.
 * It is deterministic for a seed and thread count.  The models are only
 * read: a panel whose model the Train panel keeps training hands the worker
 * a copy (pl_unet_copy), and the volume must not change during the run.
 */
#pragma once

#include <glib.h>

#include "engine/core/progress.h"
#include "engine/data/labels.h"
#include "engine/data/volume.h"
#include "engine/nn/model.h"
#include "engine/uncertainty/maps.h"

G_BEGIN_DECLS

typedef enum
{
  PL_ESTIMATOR_SOFTMAX,
  PL_ESTIMATOR_MC,
  PL_ESTIMATOR_ENSEMBLE,
  PL_ESTIMATOR_TTA,
  PL_ESTIMATOR_N
} PlEstimator;

/* "softmax", "mc", "ensemble", "tta"; from_name: −1 when unknown. */
const char *pl_estimator_name      (PlEstimator  estimator);
int         pl_estimator_from_name (const char  *name);

typedef struct
{
  PlEstimator estimator;
  int         mc_passes;        /* MC dropout passes T: 20 */
  int         tta_samples;      /* TTA samples T (identity included): 8 */
  float       tta_flip_p;       /* probability of each flip: 0.5 */
  float       tta_max_rotation; /* degrees, uniform in ±: 10 */
  float       tta_intensity;    /* scale in 1 ± s, shift in ±s/2 of the
                                   normalised intensities: 0.1 */
  guint64     seed;             /* dropout masks, TTA transforms: 0 */
  int         batch;            /* slices per batch: 8 */
  int         keep_samples;     /* samples kept as class maps (browse
                                   sample k): 0 */
  gboolean    class_variance;   /* also keep Var_t[p_tc] per class: FALSE */
  int         aleatoric_samples;/* aleatoric head: logit draws S per sample,
                                   p_t = (1/S) Σ_s softmax(x + σ ε_s)
                                   (Kendall & Gal 2017, eq. 12); 0: softmax
                                   of the mean logits: 10 */
} PlUncertaintySettings;

void        pl_uncertainty_settings_init (PlUncertaintySettings *settings);
/* FALSE with a message naming the setting when one is out of range. */
gboolean    pl_uncertainty_settings_check (const PlUncertaintySettings *settings,
                                           GError                     **error);
/* Samples T that the settings give with n_models models. */
int         pl_uncertainty_n_samples     (const PlUncertaintySettings *settings,
                                          int                          n_models);

/* Results on the volume's grid (n = n_voxels). */
typedef struct
{
  int       n_classes;
  int       n_samples;
  gint64    dim[3];
  int       axis;                /* slice axis (the model's) */
  gsize     n_voxels;
  float    *mean;                /* (K, n) mean probabilities */
  float    *class_var;           /* (K, n) or NULL */
  float    *maps[PL_UMAP_N];     /* (n) each */
  double   *slice_means[PL_UMAP_N]; /* (dim[axis]) each: mean of the map
                                     over every voxel of the slice */
  guint8   *samples;             /* (n_kept, n) class index of sample k, or NULL */
  int       n_kept;
  PlLabels *labels;              /* argmax of the mean, as label values */
  guint16  *class_values;        /* (K) */
  gboolean  aleatoric;           /* the model has an aleatoric head (else
                                    maps[PL_UMAP_LOGIT_VARIANCE] is 0) */
} PlUncertaintyResult;

void        pl_uncertainty_result_free   (PlUncertaintyResult *result);

/* models: 1 model (softmax, MC: the first is used) or the M members of an
 * ensemble (ensemble, TTA); softmax outputs, the channels of their slices
 * (slice-input.h: TTA moves the image channels, not the position), and
 * (ensemble) the same classes, axis, normalisation and input multiple. */
PlUncertaintyResult *pl_uncertainty_estimate (const PlUncertaintySettings *settings,
                                              PlModel *const              *models,
                                              int                          n_models,
                                              const PlVolume              *volume,
                                              const PlProgress            *progress,
                                              GError                     **error);

/* TTA: transform t of a run (t = 0: identity), drawn from the seed. */
typedef struct
{
  gboolean flip_h, flip_w;
  float    angle;       /* radians */
  float    scale, shift;
} PlTtaTransform;

void        pl_tta_transforms   (const PlUncertaintySettings *settings,
                                 PlTtaTransform              *out,
                                 int                          n);
/* dst (h, w) ← src (h, w) under transform t (forward: image → network
 * input, with intensity jitter and zero outside; inverse: network output →
 * image frame, nearest edge value outside). */
void        pl_tta_apply        (const PlTtaTransform *t,
                                 const float          *src,
                                 int                   h,
                                 int                   w,
                                 gboolean              inverse,
                                 float                *dst);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlUncertaintyResult, pl_uncertainty_result_free)

G_END_DECLS
