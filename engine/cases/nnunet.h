/* nnunet.h: the way out to nnU-Net v2 and back.
 *
 * Export writes a cohort as an nnU-Net v2 raw dataset:
 *   OUT/imagesTr/NAME_0000.nii.gz  cases with a segmentation
 *   OUT/labelsTr/NAME.nii.gz       their labels, remapped to 0..K−1
 *   OUT/imagesTs/NAME_0000.nii.gz  cases without one (to be predicted)
 *   OUT/dataset.json               channel_names, labels, numTraining,
 *                                  file_ending, and the remapping
 * Pellucid's 0 means "not painted"; nnU-Net's 0 is background.  The label
 * values present in the training cases, sorted, become 0..K−1 (the
 * background value, the lowest by default, first); when any training case
 * has unpainted voxels they get the "ignore" label K, the highest value as
 * nnU-Net requires, so sparsely painted cases train natively.  The mapping
 * is recorded in dataset.json under "pellucid" ("label_values": the
 * Pellucid value of each nnU-Net label) for the import.  Images are copied
 * byte for byte when they are 3-D .nii.gz files, else rewritten as float32
 * .nii.gz with their header's geometry; labels are written on the image's
 * exact grid.
 *
 * Import reads an nnU-Net prediction folder (NAME.nii.gz per case, values
 * 0..K−1 on the case's grid) back as proposals in Pellucid values, written
 * to a folder (PROPOSALS/NAME.nii.gz); each case gets the proposal path and
 * the state "proposed".
 *
 * pl_nnunet_verify() checks a raw dataset folder as nnU-Net v2's
 * verify_dataset_integrity does: dataset.json with labels, channel_names,
 * numTraining and file_ending; imagesTr and labelsTr; numTraining equal to
 * the number of case identifiers in imagesTr (files ID_XXXX + file_ending);
 * every case with one file per channel and a label file; labels with
 * background 0, the ignore label (if any) the highest, all values
 * consecutive from 0; only those values in every label file; no NaN in
 * images or labels; label shape, spacing, origin and direction equal to the
 * image's within numpy.allclose tolerances (nnU-Net only warns about origin
 * and direction; here they are errors).  imagesTs names are checked too.
 */
#pragma once

#include <glib.h>

#include "engine/cases/cohort.h"
#include "engine/core/progress.h"
#include "engine/data/labels.h"

G_BEGIN_DECLS

typedef struct
{
  const char        *channel_name;   /* channel_names["0"]; NULL: "MR" */
  const char        *dataset_name;   /* "name"; NULL: the folder's name */
  int                background;     /* Pellucid value exported as 0; −1: the lowest */
  PlLabelTable      *names;          /* label names (may be NULL: "label_V") */
  const PlProgress  *progress;       /* one unit per case */
} PlNnunetExportOptions;

typedef struct
{
  guint    n_training;
  guint    n_test;
  int      n_labels;                 /* K, background included */
  guint16  label_values[256];        /* Pellucid value of nnU-Net label k */
  gboolean has_ignore;               /* ignore = K */
} PlNnunetExport;

void     pl_nnunet_export_options_init (PlNnunetExportOptions *options);
/* out_dir is created if needed; existing imagesTr/labelsTr/imagesTs files
 * of the same names are replaced, and a case's files from an earlier export
 * in the other folder (it was painted then, or was not) are removed.  Fails (naming the file) when a
 * segmentation is not on its image's grid or holds more than 255 values. */
gboolean pl_nnunet_export   (PlCohort                    *cohort,
                             const char                  *out_dir,
                             const PlNnunetExportOptions *options,
                             PlNnunetExport              *result,
                             GError                     **error);
/* dataset_json: the exported dataset.json (its "pellucid" mapping; without
 * one, nnU-Net label k imports as Pellucid value k + 1).  Cases without a
 * prediction are left alone; n_imported may be NULL. */
gboolean pl_nnunet_import   (PlCohort                    *cohort,
                             const char                  *pred_dir,
                             const char                  *dataset_json,
                             const char                  *proposals_dir,
                             guint                       *n_imported,
                             GError                     **error);
/* TRUE when the folder passes; otherwise FALSE with the first problem
 * (PL_ERROR_INVALID, naming the file). */
gboolean pl_nnunet_verify   (const char                  *dataset_dir,
                             GError                     **error);

G_END_DECLS
