/* measure.h: volume of each label of a label map.
 *
 * pl_labels_measure() counts the voxels of every non-zero label value present
 * and converts them to millilitres with the volume of one voxel: |det| of
 * the reference's voxel-to-world matrix (exact for oblique and sheared
 * grids), in mm³, / 1000.  The result is sorted by label value; the Labels
 * panel shows it and exports it as CSV.
 */
#pragma once

#include <glib.h>

#include "engine/data/labels.h"
#include "engine/data/volume.h"

G_BEGIN_DECLS

typedef struct
{
  guint16 value;
  gint64  voxels;
  double  ml;
} PlLabelMeasure;

/* Volume of one voxel in mm³ (|det| of the 3×3 part of vox2world; the
 * product of pixdim when that is degenerate). */
double          pl_volume_voxel_mm3  (const PlVolume  *reference);
/* Returns n_out entries (g_free the array); labels with no voxel are left
 * out, and so is 0 (unlabelled). */
PlLabelMeasure *pl_labels_measure    (const PlLabels  *labels,
                                      const PlVolume  *reference,
                                      guint           *n_out);
/* CSV "value,name,voxels,ml" (names from table, may be NULL; quoted as
 * RFC 4180), written atomically; errors name the file. */
gboolean        pl_labels_measure_save_csv (const PlLabelMeasure *measures,
                                            guint                 n,
                                            PlLabelTable         *table,
                                            const char           *path,
                                            GError              **error);

G_END_DECLS
