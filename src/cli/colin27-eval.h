/* colin27-eval.h: the held-out Dice of the Colin27 few-shot workloads
 * (pellucid-cli bench colin27-4class, bench fewshot), as
 * ../shared/data/README.md defines it: axial slices centre-cropped to the
 * training window (outside the crop counts as label 1), dropout off,
 * argmax; Dice per label in 3-D over the brain-containing slices of the
 * truth that are not labelled in the sparse map; mean over labels 2, 3, 4
 * (the peer's classes 1–3). */
#pragma once

#include <glib.h>

#include "engine/data/labels.h"
#include "engine/nn/model.h"
#include "engine/nn/unet.h"

G_BEGIN_DECLS

#define PEL_COLIN27_IMAGE    "/usr/share/mricron/templates/ch2.nii.gz"
#define PEL_COLIN27_N_LABELS 4

typedef struct
{
  const PlVolume *volume;
  const PlLabels *truth;
  guint8         *skip;       /* voxels outside the held-out slices; g_free */
  gint64          n_held;
  int             axis;
} PelColin27Eval;

/* The workload's label files: --labels/--truth, else $PELLUCID_DATA, else
 * ../shared/data (beside the source tree, as ../shared/reference-workloads.md
 * places them). */
const char *pel_colin27_data_dir   (void);
/* Held-out slices: the truth holds a brain label (≠ 0, 1) and the sparse
 * map nothing. */
void        pel_colin27_eval_init  (PelColin27Eval       *e,
                                    const PlVolume       *volume,
                                    const PlLabels       *truth,
                                    const PlLabels       *sparse,
                                    int                   axis);
/* Predicts the held-out slices with `unet` in the training crop and
 * returns the Dice of labels 1…4 and their mean over 2…4. */
double      pel_colin27_eval_dice  (const PelColin27Eval *e,
                                    const PlModel        *model,
                                    PlUnet               *unet,
                                    double                dice[PEL_COLIN27_N_LABELS]);

G_END_DECLS
