/* case-bank.h: the slices of several cases as one training set.
 *
 * A PlCaseBank gathers, one case at a time, the painted slices of every
 * case with a segmentation (all of them) and up to `unlabelled_per_case`
 * unpainted slices of every case (evenly spaced; those of cases without a
 * segmentation too), each case's intensities normalised on its own
 * (robust min–max: (x − p0.5) / (p99.5 − p0.5) with its 0.5th and 99.5th
 * percentiles, clamped to [−0.5, 1.5]; percentiles, unlike the maximum, are
 * not moved by the noise that varies between scans), and stacks them as
 * slices of one bank volume along voxel axis 2, with the labels beside them.
 * Slices of cases whose in-plane size differs are centred in the largest
 * size, padded with 0 (unlabelled).  A PlTrainer (train.h) made on the bank
 * volume and a static provider of the bank labels then draws its batches
 * across cases, and the semi-supervised methods (methods.h) find the
 * unpainted slices of all cases among the bank's slices — neither needs to
 * know about cases.  The model it exports records norm_divisor 1; apply it
 * to a case after pl_case_normalise() (predict --cases does).
 *
 * Memory: only the gathered slices stay (float + uint16 per pixel), not the
 * volumes; pl_case_bank_get_bytes() says how much.  Each case's slices are
 * taken along its own axial axis (pl_volume_axial_axis), in its voxel
 * layout.
 */
#pragma once

#include <glib.h>

#include "engine/cases/cohort.h"
#include "engine/core/progress.h"
#include "engine/data/labels.h"
#include "engine/data/volume.h"
#include "engine/nn/model.h"

G_BEGIN_DECLS

typedef struct
{
  int               unlabelled_per_case;   /* 8 */
  const PlProgress *progress;              /* one unit per case */
  /* A case whose image is live_volume (borrowed; not loaded from its
   * file) and whose labels another provider supplies while its user paints
   * (the open case in the window): every one of its slices along its axial
   * axis goes into the bank, with labels 0, and it never counts as
   * painted here.  −1 (the default): none. */
  int               live_case;
  const PlVolume   *live_volume;
} PlCaseBankOptions;

typedef struct _PlCaseBank PlCaseBank;

void             pl_case_bank_options_init (PlCaseBankOptions *options);
/* Fails when no case has a painted voxel (unless a live case is given),
 * or with the first case that does not load (its error names the file). */
PlCaseBank      *pl_case_bank_new          (PlCohort                *cohort,
                                            const PlCaseBankOptions *options,
                                            GError                 **error);
void             pl_case_bank_free         (PlCaseBank              *bank);
/* The stacked slices: a volume (H, W, n_slices) and its labels. */
const PlVolume  *pl_case_bank_get_volume   (const PlCaseBank        *bank);
const PlLabels  *pl_case_bank_get_labels   (const PlCaseBank        *bank);
/* Which case (index in the cohort) and which of its slices bank slice s is. */
guint            pl_case_bank_get_case     (const PlCaseBank        *bank,
                                            gint64                   s,
                                            gint64                  *case_slice);
gint64           pl_case_bank_get_n_painted(const PlCaseBank        *bank);
/* The live case's first bank slice (its slice z is bank slice first + z),
 * −1 without a live case. */
gint64           pl_case_bank_get_live_first (const PlCaseBank      *bank);
guint            pl_case_bank_get_n_cases_painted (const PlCaseBank *bank);
/* Bytes held by the bank's slices, labels and index. */
gsize            pl_case_bank_get_bytes    (const PlCaseBank        *bank);

/* In place: (x − p0.5) / (p99.5 − p0.5), clamped to [−0.5, 1.5]. */
void             pl_case_normalise         (PlVolume                *volume);

/* Records in the model's training JSON that its inputs are normalised per
 * case ("normalisation": "per-case-percentile") and how many cases and
 * painted slices it saw. */
void             pl_case_bank_mark_model   (const PlCaseBank        *bank,
                                            PlModel                 *model);
gboolean         pl_model_is_per_case      (const PlModel           *model);
/* Segments one case: loads its image, normalises it per case when the model
 * was trained so, and predicts slice by slice along the case's axial axis.
 * volume_out (may be NULL) receives the image as normalised (its header is
 * the file's, for writing the labels on its grid). */
gboolean         pl_case_predict           (PlModel                 *model,
                                            const PlCase            *kase,
                                            int                      batch,
                                            const PlProgress        *progress,
                                            PlVolume               **volume_out,
                                            PlLabels               **labels_out,
                                            GError                 **error);

/* The same, slice by slice along the axis it predicts on (the case's axial
 * axis for a model trained across cases), and how unsure the model is: the
 * predictive entropy −Σ p log p (nats; binary for a sigmoid model) of every
 * voxel, averaged over the volume (mean_entropy) and over each slice
 * (slice_entropy, one double per slice, along *axis_out).  Any output but
 * labels_out may be NULL. */
gboolean         pl_case_predict_uncertain (PlModel                 *model,
                                            const PlCase            *kase,
                                            const PlProgress        *progress,
                                            PlVolume               **volume_out,
                                            PlLabels               **labels_out,
                                            double                  *mean_entropy,
                                            int                     *axis_out,
                                            GArray                 **slice_entropy,
                                            GError                 **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlCaseBank, pl_case_bank_free)

G_END_DECLS
