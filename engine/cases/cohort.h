/* cohort.h: a list of cases (images with their segmentations) and the
 * annotator's progress through them.
 *
 * A cohort is opened from
 *   - a folder of NIfTI images (.nii, .nii.gz, .hdr[.gz]), each image's
 *     segmentation found by a naming rule, first match wins:
 *       DIR/NAME_seg.nii.gz (or .nii), then DIR/labels/NAME.nii.gz (or .nii,
 *       or NAME_seg.nii[.gz] there); none is fine (the case is untouched);
 *   - a folder in nnU-Net's raw layout (it has imagesTr/ or imagesTs/):
 *       imagesTr/NAME_0000.nii.gz with labelsTr/NAME.nii.gz, and
 *       imagesTs/NAME_0000.nii.gz without labels (one channel: a _0001 file
 *       is an error);
 *   - a list file: one image per line (relative paths from the list's
 *     folder; '#' starts a comment), optionally followed by a TAB and its
 *     segmentation; without one the folder naming rule applies;
 *   - several image files, each with the folder rule of its own folder.
 * NAME is the file name without its extension (and without _0000 in the
 * nnU-Net layout); names must be unique.  Files are not read on opening:
 * only the open case is ever loaded (pl_case_load), so memory stays that of
 * one case however long the list.
 *
 * Each case carries a state: untouched (no labelled voxel), painted (some
 * slices painted; their count is kept), proposed (a model's proposal waits
 * for review), reviewed (the annotator accepted it).  The states and the
 * proposal files are stored in a small JSON manifest, by default
 * "pellucid-cases.json" in the cohort's folder (the folder opened, or the
 * list file's folder, or the first file's), and read back on opening.
 *
 * Errors are PL_ERROR with a message naming the file and the problem.
 */
#pragma once

#include <glib.h>

#include "engine/data/labels.h"
#include "engine/data/volume.h"

G_BEGIN_DECLS

typedef enum
{
  PL_CASE_UNTOUCHED,
  PL_CASE_PAINTED,
  PL_CASE_PROPOSED,
  PL_CASE_REVIEWED,
} PlCaseState;

typedef struct
{
  char        *name;
  char        *image_path;
  char        *labels_path;     /* NULL: none yet */
  char        *proposal_path;   /* NULL: none */
  PlCaseState  state;
  gint64       painted_slices;  /* along the axial axis, when known; −1 unknown */
  gboolean     test;            /* nnU-Net imagesTs/: never had labels */
  /* How unsure the model was of its proposal (pl_case_predict_uncertain):
   * the mean predictive entropy (nats) over its voxels, −1 unknown, and
   * the mean of each slice along entropy_axis (NULL unknown). */
  double       entropy;
  int          entropy_axis;
  GArray      *slice_entropy;   /* double */
} PlCase;

typedef struct _PlCohort PlCohort;

#define PL_COHORT_MANIFEST "pellucid-cases.json"

/* Dispatches on its arguments: one folder, one list file (any file that is
 * not NIfTI by its name), or image files. */
PlCohort    *pl_cohort_open           (const char *const *paths,
                                       int                n_paths,
                                       GError           **error);
PlCohort    *pl_cohort_open_folder    (const char        *dir,
                                       GError           **error);
PlCohort    *pl_cohort_open_list      (const char        *list_path,
                                       GError           **error);
PlCohort    *pl_cohort_open_files     (const char *const *paths,
                                       int                n_paths,
                                       GError           **error);
/* A deep copy (for a worker to read while the original changes). */
PlCohort    *pl_cohort_copy           (const PlCohort    *cohort);
void         pl_cohort_free           (PlCohort          *cohort);

guint        pl_cohort_get_n          (const PlCohort    *cohort);
PlCase      *pl_cohort_get_case       (PlCohort          *cohort,
                                       guint              i);
PlCase      *pl_cohort_lookup         (PlCohort          *cohort,
                                       const char        *name);
/* The folder the manifest lives in. */
const char  *pl_cohort_get_root       (const PlCohort    *cohort);
/* Counts of cases in each state (n: 4 entries). */
void         pl_cohort_count_states   (const PlCohort    *cohort,
                                       guint              counts[4]);

/* path NULL: ROOT/pellucid-cases.json.  Loading sets the state, painted
 * slices and proposal of every case it names (unknown names are ignored,
 * so a manifest survives removed files); a missing manifest is not an error
 * for pl_cohort_open*, which load it when present. */
gboolean     pl_cohort_save_manifest  (const PlCohort    *cohort,
                                       const char        *path,
                                       GError           **error);
gboolean     pl_cohort_load_manifest  (PlCohort          *cohort,
                                       const char        *path,
                                       GError           **error);
/* The two halves of saving, for a caller that must not wait for the disk
 * (the window: the text is made on the main thread, written on a worker):
 * the manifest's text (transfer full, length in *length), and its atomic
 * replacement of path (fsync, rename, fsync of the folder). */
char        *pl_cohort_manifest_path       (const PlCohort *cohort);
char        *pl_cohort_manifest_to_data    (const PlCohort *cohort,
                                            gsize          *length);
gboolean     pl_cohort_write_manifest_data (const char     *path,
                                            const char     *data,
                                            gsize           length,
                                            GError        **error);

const char  *pl_case_state_to_string  (PlCaseState        state);
/* −1 when unknown. */
int          pl_case_state_from_string(const char        *text);
/* The name a case gets from an image path (NULL if it is not NIfTI). */
char        *pl_case_name_from_path   (const char        *path);
gboolean     pl_path_is_nifti         (const char        *path);

/* Loads the image and its labels (an empty map when the case has none);
 * labels on another grid fail with PL_ERROR_GRID_MISMATCH naming the file. */
gboolean     pl_case_load             (const PlCase      *kase,
                                       PlVolume         **volume,
                                       PlLabels         **labels,
                                       GError           **error);
/* After painting: counts the painted slices along axis and moves between
 * untouched and painted (proposed and reviewed are left as they are). */
void         pl_case_update_from_labels (PlCase          *kase,
                                         const PlLabels  *labels,
                                         int              axis);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlCohort, pl_cohort_free)

G_END_DECLS
