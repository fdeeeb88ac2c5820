/* pel-slice-strip.h: which slices along an axis hold labels, at a glance.
 *
 * One column per slice, its height growing with the slice's labelled voxels
 * (square root, so a thin stroke still shows next to a full slice); the
 * slice under the cursor is marked, and one slice may be marked as held out
 * from training.  Hovering shows the slice number and its voxel count;
 * clicking (or Enter on the focused strip, with Left/Right moving between
 * labelled slices) emits ::slice-activated with the slice index.  Per-slice
 * values (the Uncertainty panel's mean uncertainty) may be drawn behind.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PEL_TYPE_SLICE_STRIP (pel_slice_strip_get_type ())
G_DECLARE_FINAL_TYPE (PelSliceStrip, pel_slice_strip, PEL, SLICE_STRIP, GtkWidget)

GtkWidget *pel_slice_strip_new          (void);
/* counts: n entries (copied). */
void       pel_slice_strip_set_counts   (PelSliceStrip *self,
                                         const gint64  *counts,
                                         gint64         n);
gint64     pel_slice_strip_get_n        (PelSliceStrip *self);
gint64     pel_slice_strip_get_count    (PelSliceStrip *self,
                                         gint64         index);
/* -1: none. */
void       pel_slice_strip_set_current  (PelSliceStrip *self,
                                         gint64         index);
void       pel_slice_strip_set_held_out (PelSliceStrip *self,
                                         gint64         index);
/* The index of the slice under widget x, or -1. */
gint64     pel_slice_strip_slice_at     (PelSliceStrip *self,
                                         double         x);
/* The labelled slice nearest to `from` in direction dir (+1/-1), or -1. */
gint64     pel_slice_strip_next_labelled (PelSliceStrip *self,
                                          gint64         from,
                                          int            dir);
/* Optional per-slice values (mean uncertainty) drawn as a profile behind
 * the columns, scaled to their maximum; n must equal the strip's n (set the
 * counts first, which clears them); NULL clears. */
void       pel_slice_strip_set_values   (PelSliceStrip *self,
                                         const double  *values,
                                         gint64         n);
double     pel_slice_strip_get_value    (PelSliceStrip *self,
                                         gint64         index);

G_END_DECLS
