/* pel-histogram.h: the open image's intensity histogram, with the display
 * window drawn over it, for the contrast popover.
 *
 * The counts are made on a worker when the volume changes (the widget holds
 * a PelVolumeRef there, never the document); until they arrive the widget
 * draws an empty frame.  Bars are scaled to the second-highest bin: the
 * highest is usually a background of air or zeros, which would otherwise
 * flatten every tissue peak.
 */
#pragma once

#include <gtk/gtk.h>

#include "src/pel-document.h"

G_BEGIN_DECLS

#define PEL_TYPE_HISTOGRAM (pel_histogram_get_type ())
G_DECLARE_FINAL_TYPE (PelHistogram, pel_histogram, PEL, HISTOGRAM, GtkWidget)

GtkWidget     *pel_histogram_new        (PelDocument  *document);
/* The bins of the current volume (NULL until they are counted) over
 * [*lo, *hi]; n_bins receives their number. */
const guint64 *pel_histogram_get_counts (PelHistogram *self,
                                         guint        *n_bins,
                                         double       *lo,
                                         double       *hi);

G_END_DECLS
