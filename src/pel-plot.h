/* pel-plot.h: a line plot drawn with Cairo, with axes, tick labels and units.
 *
 * Series of (x, y) points are appended as they arrive (loss per step, Dice
 * every few seconds); the widget redraws on the next frame only.  The x axis
 * runs from 0 to the largest x seen or to the extent set (the step budget,
 * so that the axis does not jump while training); the y axis is fixed
 * (Dice: 0–1) or spans 0 to the largest value seen.  Ticks fall on 1, 2 and
 * 5 times a power of ten.  A series with more points than the plot has
 * pixels is drawn as each pixel column's min–max, so the cost of a redraw
 * stays bounded however long training runs.
 *
 *   plot = pel_plot_new (_("step"), _("loss"));
 *   pel_plot_add_series (plot, _("loss"), &colour, 1.5);
 *   pel_plot_append (plot, 0, step, loss);
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PEL_TYPE_PLOT (pel_plot_get_type ())
G_DECLARE_FINAL_TYPE (PelPlot, pel_plot, PEL, PLOT, GtkWidget)

GtkWidget *pel_plot_new            (const char    *x_label,
                                    const char    *y_label);
void       pel_plot_set_labels     (PelPlot       *self,
                                    const char    *x_label,
                                    const char    *y_label);
/* lo < hi: a fixed y range; otherwise 0 to the largest value. */
void       pel_plot_set_y_range    (PelPlot       *self,
                                    double         lo,
                                    double         hi);
/* The x axis spans at least 0 … extent (0: the data only). */
void       pel_plot_set_x_extent   (PelPlot       *self,
                                    double         extent);
/* Returns the new series' index.  width: line width in pixels; a series
 * without a name is left out of the legend. */
guint      pel_plot_add_series     (PelPlot       *self,
                                    const char    *name,
                                    const GdkRGBA *colour,
                                    double         width);
/* TRUE: the series is drawn as dots without a line (a scatter plot). */
void       pel_plot_set_series_points (PelPlot    *self,
                                    guint          series,
                                    gboolean       points);
void       pel_plot_append         (PelPlot       *self,
                                    guint          series,
                                    double         x,
                                    double         y);
guint      pel_plot_get_n_points   (PelPlot       *self,
                                    guint          series);
/* Removes every point (the series stay). */
void       pel_plot_clear          (PelPlot       *self);
/* Removes the series too. */
void       pel_plot_remove_series  (PelPlot       *self);
/* Text shown in the middle while there is no point. */
void       pel_plot_set_placeholder (PelPlot      *self,
                                     const char   *text);

/* Tick positions from lo to hi: a step of 1, 2 or 5 × 10^k giving at most
 * max_ticks ticks; returns the count written to ticks (at most max_ticks). */
guint      pel_plot_nice_ticks     (double         lo,
                                    double         hi,
                                    guint          max_ticks,
                                    double        *ticks);

G_END_DECLS
