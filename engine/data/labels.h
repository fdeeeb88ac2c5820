/* labels.h: label maps (uint16 per voxel on a volume's grid) and label tables.
 *
 * A PlLabels is the segmentation a user paints: one uint16 per voxel, i
 * fastest, on the grid of a reference PlVolume.  0 means "unlabelled"/clear.
 * It is saved as NIfTI with the reference's exact geometry (dims, pixdim,
 * qform, sform and their codes), an integer datatype and intent "label", and
 * loaded back only if it lies on the same grid.
 *
 * A PlLabelTable lists the label values with name, colour, opacity,
 * visibility and lock, and reads/writes ITK-SNAP label description files.
 */
#pragma once

#include <glib.h>

#include "engine/data/volume.h"

G_BEGIN_DECLS

typedef struct
{
  gint64   dim[3];
  guint16 *data;   /* dim[0]*dim[1]*dim[2], i fastest */
} PlLabels;

PlLabels *pl_labels_new   (const gint64     dim[3]);
PlLabels *pl_labels_copy  (const PlLabels  *labels);
void      pl_labels_free  (PlLabels        *labels);
gsize     pl_labels_n_voxels (const PlLabels *labels);
/* Non-zero voxels of every slice along axis (dim[axis] counts), in one
 * pass over the map; of one slice s. */
void      pl_labels_count_slices (const PlLabels *labels,
                                  int             axis,
                                  gint64         *counts);
gint64    pl_labels_count_slice  (const PlLabels *labels,
                                  int             axis,
                                  gint64          s);
/* Sets present[v] to 1 for every value v the map holds (65536 entries;
 * entries of absent values are left as they are). */
void      pl_labels_mark_values (const PlLabels *labels,
                                 guint8         *present);
/* The class around the subject (air, "outside the brain"): the value that
 * holds at least 90% of the labelled voxels on the map's six faces, else 0
 * (nothing labelled there, or no clear owner).  Sparse maps count too: a
 * painted slice reaches the faces with its edges.  Painting it by mistake
 * teaches a model that the structure under the brush is background, so it
 * is never the label a window starts painting with. */
guint16   pl_labels_background_value (const PlLabels *labels);

/* Fails with PL_ERROR_GRID_MISMATCH unless the file is one 3-D
 * volume whose dims match the reference's and whose voxel-to-world matrix
 * puts every voxel within 1e-4 mm of the reference's (reference NULL: no
 * check); with PL_ERROR_INVALID for a value that is not a whole
 * number from 0 to 65535 (the message gives the voxel). */
PlLabels *pl_labels_load  (const char      *path,
                           const PlVolume  *reference,
                           GError         **error);
/* uint8 when every value is <= 255, else uint16; intent NIFTI_INTENT_LABEL,
 * scl_slope 1, cal_max the largest value; the reference's header otherwise
 * (from its vox2world for synthetic references).  The form follows the
 * name: .nii, .nii.gz, .hdr/.img, .hdr.gz/.img.gz.  Atomic: a temporary
 * file in the same folder, fsync, rename, fsync of the folder; on failure
 * the old file is untouched. */
gboolean  pl_labels_save  (const PlLabels  *labels,
                           const PlVolume  *reference,
                           const char      *path,
                           GError         **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlLabels, pl_labels_free)

typedef struct
{
  guint16  value;
  char    *name;
  guint8   rgb[3];
  float    alpha;     /* 0..1 (ITK-SNAP's opacity column) */
  gboolean visible;
  gboolean mesh_visible;
  gboolean locked;
} PlLabel;

typedef struct _PlLabelTable PlLabelTable;

/* Clear label 0 plus labels 1..6 with ITK-SNAP's default colours. */
PlLabelTable *pl_label_table_new_default (void);
PlLabelTable *pl_label_table_new_empty   (void);
/* Clear label 0 plus one entry "Label N" for every value N > 0 marked in
 * present (65536 entries, as from pl_labels_mark_values()), coloured from
 * the default palette in order of value, so that up to its 24 colours no
 * two entries look the same. */
PlLabelTable *pl_label_table_new_for_values (const guint8 *present);
PlLabelTable *pl_label_table_copy        (const PlLabelTable *table);
void          pl_label_table_free        (PlLabelTable       *table);
/* ITK-SNAP label description files (see label-description.c).  Locks are
 * kept in a "# Pellucid locked labels: …" comment, which ITK-SNAP skips.
 * Errors name the file and, for syntax, the line.  Saving is atomic. */
PlLabelTable *pl_label_table_load        (const char         *path,
                                          GError            **error);
gboolean      pl_label_table_save        (const PlLabelTable *table,
                                          const char         *path,
                                          GError            **error);
guint         pl_label_table_get_n       (const PlLabelTable *table);
/* Entries sorted by value; pointers stay valid until the table changes. */
PlLabel      *pl_label_table_get_nth     (PlLabelTable       *table,
                                          guint               i);
PlLabel      *pl_label_table_lookup      (PlLabelTable       *table,
                                          guint16             value);
/* Adds (or replaces) the entry for label->value; the table copies it. */
void          pl_label_table_set         (PlLabelTable       *table,
                                          const PlLabel      *label);
gboolean      pl_label_table_remove      (PlLabelTable       *table,
                                          guint16             value);
/* The smallest unused value > 0 with a sensible default colour filled in. */
PlLabel       pl_label_table_next_free   (const PlLabelTable *table);

/* Left and right (label-sides.c).  A label is *sided* when its name says a
 * side: a word "left"/"l"/"lh" or "right"/"r"/"rh" (any case, separated by
 * anything not a letter or digit, or a capital as in "LeftHippocampus"), as
 * in "Left-Hippocampus", "Hippocampus_L", "ctx-lh-insula".  Two labels are a
 * *pair* when the user paired them (pl_label_table_set_partner) or, failing
 * that, when one is left, the other right, and their names are equal once
 * the side word is taken out (case aside), with no third label matching.
 * Mirroring an image left to right turns a label into its pair; a sided
 * label without a pair has no mirror image. */
typedef enum
{
  PL_SIDE_NONE,
  PL_SIDE_LEFT,
  PL_SIDE_RIGHT,
} PlSide;

/* base (may be NULL): the name without its side word, lower case, words
 * separated by one space; free with g_free. */
PlSide        pl_label_name_side         (const char         *name,
                                          char              **base);
/* a and b become each other's pair (a previous pair of either is undone);
 * b = 0 undoes a's pair, so that names decide again. */
void          pl_label_table_set_partner (PlLabelTable       *table,
                                          guint16             a,
                                          guint16             b);
/* The pair the user set, 0 for none. */
guint16       pl_label_table_get_user_partner (const PlLabelTable *table,
                                               guint16             value);
/* The label's pair (set, or found by name), 0 for none. */
guint16       pl_label_table_get_partner (const PlLabelTable *table,
                                          guint16             value);
/* What value the label becomes in a left-right mirror image: its pair; the
 * value itself for a label that is neither sided nor paired (or unknown to
 * the table); 0 for a sided label without a pair. */
guint16       pl_label_table_mirror_value (const PlLabelTable *table,
                                           guint16             value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlLabelTable, pl_label_table_free)

G_END_DECLS
