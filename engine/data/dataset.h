/* dataset.h: 2-D slices of volumes and label maps, and where training gets
 * its labels from.
 *
 * Slice layout: along voxel axis `axis`, the two remaining voxel axes in
 * increasing order become (H, W), W fastest.  For axis 2 of a volume stored
 * (i, j, k) that is H = i, W = j, as the peer's numpy transpose (2, 0, 1).
 * pl_volume_axial_axis() picks the voxel axis closest to S (I→S) from the
 * header, so "axial" means the same anatomy for any stored orientation.
 *
 * Windows: a network needs H and W multiples of 16 (2^(depth−1)); a slice is
 * centre-cropped (PL_FIT_CROP, as the reference recipe's 181×217 → 176×208)
 * or zero-padded (PL_FIT_PAD, covers every voxel) to such a size.  The
 * window's offset (oy, ox) may be negative (padding).
 *
 * A PlLabelProvider hands the trainer the labels as they are *now*: it is
 * called from the training thread for every batch, so the front end can keep
 * painting; it must copy under whatever lock guards its label map.
 */
#pragma once

#include <glib.h>

#include "engine/data/labels.h"
#include "engine/data/volume.h"

G_BEGIN_DECLS

typedef enum
{
  PL_FIT_CROP,
  PL_FIT_PAD,
} PlFit;

void     pl_slice_dims          (const gint64 dim[3], int axis, int *h, int *w);
/* Voxel index of slice pixel (y, x) of slice `index` along `axis`. */
gsize    pl_slice_voxel         (const gint64 dim[3], int axis, gint64 index, int y, int x);
/* Voxel index of (y, x) = off + y·sh + x·sw. */
void     pl_slice_strides       (const gint64 dim[3], int axis, gint64 index,
                                 gsize *sh, gsize *sw, gsize *off);
void     pl_volume_get_slice    (const PlVolume *volume, int axis, gint64 index, float *dst);
void     pl_labels_get_slice    (const PlLabels *labels, int axis, gint64 index, guint16 *dst);
void     pl_labels_set_slice    (PlLabels *labels, int axis, gint64 index, const guint16 *src);
int      pl_volume_axial_axis   (const PlVolume *volume);
/* Parses "axial" | "coronal" | "sagittal" (anatomical, from the header) or
 * "i" | "j" | "k" (voxel axes); -1 when unknown. */
int      pl_axis_from_name      (const PlVolume *volume, const char *name);

/* Size and offset of the window of a slice (h, w) for a network that needs
 * multiples of `multiple`. */
void     pl_fit_window          (int h, int w, int multiple, PlFit fit,
                                 int *wh, int *ww, int *oy, int *ox);
/* dst (wh, ww) = src (h, w) shifted by (oy, ox); outside: fill. */
void     pl_window_extract_f32  (const float *src, int h, int w, int oy, int ox,
                                 int wh, int ww, float fill, float *dst);
void     pl_window_extract_u16  (const guint16 *src, int h, int w, int oy, int ox,
                                 int wh, int ww, guint16 fill, guint16 *dst);

typedef struct
{
  /* counts[s] = labelled (non-zero) voxels of slice s along axis. */
  void     (*count_slices) (gpointer user_data, int axis, gint64 *counts);
  /* dst (H, W) in slice layout. */
  void     (*copy_slice)   (gpointer user_data, int axis, gint64 index, guint16 *dst);
  gpointer   user_data;
} PlLabelProvider;

/* A provider reading a fixed label map (borrowed; must outlive the user). */
void     pl_label_provider_init_static (PlLabelProvider *provider, const PlLabels *labels);

/* A provider over a label map that another thread paints: each call holds
 * `lock` (which the painter holds while it writes) while it reads.  Both are
 * borrowed; free the PlLockedLabels with g_free after the trainer. */
typedef struct
{
  const PlLabels *labels;
  GMutex         *lock;
} PlLockedLabels;

void     pl_label_provider_init_locked (PlLabelProvider *provider, PlLockedLabels *locked);

/* The peer's augmentation (torch_fewshot.py): per sample, flips of H and of
 * W each with probability flip_p and a rotation uniform in ±max_deg about the
 * centre, as an affine_grid theta (2×3) for an (h, w) image. */
struct _PlRng;
void     pl_augment_theta       (struct _PlRng *rng, int h, int w, float flip_p,
                                 float max_deg, float theta[6]);
/* The same with a flip probability per axis; flipped (may be NULL) gets
 * whether H ([0]) and W ([1]) were flipped.  Draws the same numbers as
 * pl_augment_theta, so equal probabilities give the same augmentation. */
void     pl_augment_theta_axes  (struct _PlRng *rng, int h, int w, float flip_h,
                                 float flip_w, float max_deg, float theta[6],
                                 gboolean flipped[2]);

G_END_DECLS
