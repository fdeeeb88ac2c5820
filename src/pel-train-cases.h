/* pel-train-cases.h: training across the cases of the open cohort.
 *
 * When a cohort is open, the Train panel trains one model on the painted
 * slices of every case: the engine's case bank (engine/cases/case-bank.h)
 * stacks the slices of all cases, each normalised on its own, and the
 * trainer draws its batches from it.  The other cases' labels are their
 * saved segmentations (switching cases saves them); the open case's labels
 * are read live from its label store through the document's training
 * provider, so strokes made while training reach the next batches as they
 * do without a cohort.  Every slice of the open case is in the bank, so a
 * slice painted after Start is trained on too.
 *
 *   cases = pel_train_cases_new (cohort, current);        // main thread
 *   …on the worker:
 *   pel_train_cases_build (cases, volume, live, progress, &error);
 *   trainer = pl_trainer_new (&config (axis 2), pel_train_cases_get_volume (cases),
 *                             pel_train_cases_get_provider (cases), &error);
 */
#pragma once

#include "engine/cases/case-bank.h"
#include "engine/cases/cohort.h"
#include "engine/data/dataset.h"

G_BEGIN_DECLS

typedef struct _PelTrainCases PelTrainCases;

/* Main thread: copies what it needs of the cohort.  open_case: the case
 * whose image and labels are the document's. */
PelTrainCases         *pel_train_cases_new          (const PlCohort        *cohort,
                                                     guint                  open_case);
void                   pel_train_cases_free         (PelTrainCases         *cases);
guint                  pel_train_cases_get_n_cases  (PelTrainCases         *cases);
/* Worker: loads the other cases and stacks every case's slices.  volume:
 * the open case's image (borrowed for the call); live: the provider over
 * its label store (borrowed until the cases are freed). */
gboolean               pel_train_cases_build        (PelTrainCases         *cases,
                                                     const PlVolume        *volume,
                                                     const PlLabelProvider *live,
                                                     const PlProgress      *progress,
                                                     GError               **error);
/* After build: the bank (train along axis 2) and its labels. */
const PlVolume        *pel_train_cases_get_volume   (PelTrainCases         *cases);
const PlLabelProvider *pel_train_cases_get_provider (PelTrainCases         *cases);
const PlCaseBank      *pel_train_cases_get_bank     (PelTrainCases         *cases);
/* The open case's slices along its axial axis, in the bank. */
int                    pel_train_cases_get_live_axis (PelTrainCases        *cases);
/* Bank slice of the open case's slice z, −1 if none. */
gint64                 pel_train_cases_live_to_bank (PelTrainCases         *cases,
                                                     gint64                 z);
/* As of the trainer's last count (any thread): cases with painted slices
 * and painted slices in all. */
void                   pel_train_cases_get_painted  (PelTrainCases         *cases,
                                                     guint                 *n_cases,
                                                     gint64                *n_slices);
/* Label slices the trainer copied from case i so far (any thread). */
guint64                pel_train_cases_get_n_copies (PelTrainCases         *cases,
                                                     guint                  i);
/* One line for the panel: how many cases and slices training uses. */
char                  *pel_train_cases_describe     (PelTrainCases         *cases);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PelTrainCases, pel_train_cases_free)

G_END_DECLS
