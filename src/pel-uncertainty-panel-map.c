/* The Uncertainty panel's map: the chosen map as the document's heat-map
 * overlay with its colour bar and range, the per-slice means in the slice
 * strip, and Next uncertain slice (pel-uncertainty-panel.h). */
#define G_LOG_DOMAIN "pel-uncertainty-panel"

#include "src/pel-uncertainty-panel-private.h"

#include <glib/gi18n.h>

#include "src/pel-render.h"

static const char *
map_title (PlUncertaintyMap map)
{
  switch (map)
    {
    case PL_UMAP_ENTROPY: return _("Predictive entropy (total)");
    case PL_UMAP_EXPECTED_ENTROPY: return _("Expected entropy (aleatoric)");
    case PL_UMAP_MUTUAL_INFO: return _("Mutual information (epistemic)");
    case PL_UMAP_VARIANCE: return _("Class variance");
    case PL_UMAP_LOGIT_VARIANCE: return _("Logit variance (aleatoric head)");
    default: return "";
    }
}

/* ---- the overlay, colour bar and strip ----------------------------------- */

void
pel_uncertainty_panel_colour_bar_draw (GtkDrawingArea *area,
                                       cairo_t        *cr,
                                       int             width,
                                       int             height,
                                       gpointer        user_data)
{
  const guint8 *lut = pel_colormap_get_lut (PEL_COLORMAP_INFERNO);

  for (int x = 0; x < width; x++)
    {
      int i = width > 1 ? x * 255 / (width - 1) : 0;
      cairo_set_source_rgb (cr, lut[3 * i] / 255.0, lut[3 * i + 1] / 255.0, lut[3 * i + 2] / 255.0);
      cairo_rectangle (cr, x, 0, 1, height);
      cairo_fill (cr);
    }
}

static gboolean
strip_counted (gpointer data)
{
  pel_uncertainty_panel_update_strip (data);
  return G_SOURCE_REMOVE;
}

void
pel_uncertainty_panel_update_strip (PelUncertaintyPanel *self)
{
  const PlUncertaintyResult *r = self->result;
  gint64 n;

  if (r == NULL)
    return;
  n = r->dim[r->axis];
  if (self->counts.axis != r->axis || self->counts.n != n)
    {
      pel_slice_counts_clear (&self->counts);
      pel_slice_counts_init (&self->counts, r->axis, n);
    }
  /* a whole new map is counted on a worker; strip_counted comes back */
  pel_slice_counts_refresh_async (&self->counts, self->document, strip_counted, self);
  pel_slice_strip_set_counts (self->strip, self->counts.counts, n);
  pel_slice_strip_set_values (self->strip, r->slice_means[self->map], n);
}

typedef struct
{
  GWeakRef             panel;  /* not a reference: a closed panel shows nothing */
  gboolean             raters;
  PlUncertaintyMap     map;
} MapMade;

/* The heat map is made: show it, with the colour bar's range. */
static void
map_made (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  MapMade *d = user_data;
  PelUncertaintyPanel *self = g_weak_ref_get (&d->panel);
  g_autoptr (PelHeatMap) heat = pel_heat_map_new_copy_finish (result, NULL);
  g_autofree char *lo = NULL, *hi = NULL;
  double min, max, top;

  if (heat == NULL || self == NULL || self->document == NULL)
    goto out;
  pel_heat_map_get_range (heat, &min, &max);
  top = max > 0.0 ? max : 0.0;
  /* a faint floor keeps confident voxels clear of colour */
  g_object_set (heat, "colormap", PEL_COLORMAP_INFERNO, "min", top > 0.0 ? 0.02 * top : 0.0,
                "max", top > 0.0 ? top : 1.0, NULL);
  if (self->heat_map)
    g_object_set (heat, "opacity", pel_heat_map_get_opacity (self->heat_map),
                  "visible", pel_heat_map_get_visible (self->heat_map), NULL);
  g_set_object (&self->heat_map, heat);
  pel_document_set_heat_map (self->document, heat);

  lo = g_strdup_printf ("%.3g", 0.02 * top);
  /* Translators: the top of the colour bar; nats are natural-log units */
  hi = g_strdup_printf (d->raters || d->map == PL_UMAP_VARIANCE || d->map == PL_UMAP_LOGIT_VARIANCE
                        ? "%.3g" : _("%.3g nats"), top);
  gtk_label_set_text (self->range_min_label, lo);
  gtk_label_set_text (self->range_max_label, hi);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->colour_bar),
                               d->raters ? _("Rater disagreement: the fraction of raters that differ from the majority")
                                         : map_title (d->map));
out:
  g_clear_object (&self);
  g_weak_ref_clear (&d->panel);
  g_free (d);
}

/* Shows the chosen map of the result as the document's heat map.  The
 * volume-sized copy and its range are made on a thread (tens of MB: on the
 * main thread they stalled the window when a result arrived). */
void
pel_uncertainty_panel_apply_map (PelUncertaintyPanel *self)
{
  const PlUncertaintyResult *r = self->result;
  gboolean raters = self->show_disagreement && self->assessment && self->assessment->disagreement;
  MapMade *d;

  if (r == NULL)
    return;
  if (self->map_cancel)
    g_cancellable_cancel (self->map_cancel);
  g_clear_object (&self->map_cancel);
  self->map_cancel = g_cancellable_new ();
  d = g_new0 (MapMade, 1);
  g_weak_ref_init (&d->panel, self);
  d->raters = raters;
  d->map = self->map;
  if (raters)
    {
      /* the assessment is the panel's: the thread reads a copy of it */
      float *copy = g_memdup2 (self->assessment->disagreement, r->n_voxels * sizeof (float));
      pel_heat_map_new_copy_async ("rater-disagreement", r->dim, copy, copy, g_free,
                                   self->map_cancel, map_made, d);
    }
  else
    pel_heat_map_new_copy_async (pl_uncertainty_map_name (self->map), r->dim, r->maps[self->map],
                                 self->result_box ? pel_result_box_ref (self->result_box) : NULL,
                                 self->result_box ? (GDestroyNotify) pel_result_box_unref : NULL,
                                 self->map_cancel, map_made, d);
  pel_uncertainty_panel_update_strip (self);
}

void
pel_uncertainty_panel_set_map (PelUncertaintyPanel *self,
                               PlUncertaintyMap     map)
{
  GAction *a = g_action_map_lookup_action (G_ACTION_MAP (self->actions), "map");

  self->map = map;
  g_simple_action_set_state (G_SIMPLE_ACTION (a), g_variant_new_string (pl_uncertainty_map_name (map)));
  self->syncing = TRUE;
  gtk_drop_down_set_selected (self->map_dropdown, (guint) map);
  self->syncing = FALSE;
  pel_uncertainty_panel_apply_map (self);
  /* the scatter's x is the chosen map */
  pel_uncertainty_assess_set (self, NULL);
}

gboolean
pel_uncertainty_panel_next_slice (PelUncertaintyPanel *self)
{
  const PlUncertaintyResult *r = self->result;
  g_autofree char *text = NULL;
  gint64 c[3], s;

  if (r == NULL)
    return FALSE;
  pel_uncertainty_panel_update_strip (self);
  s = pl_uncertainty_next_slice (r->slice_means[self->map], r->dim[r->axis], self->counts.counts, NULL);
  if (s < 0)
    {
      pel_uncertainty_panel_set_line (self, "next", _("Every slice is painted"), FALSE);
      return FALSE;
    }
  self->next_slice = s;
  pel_document_get_cursor (self->document, c);
  c[r->axis] = s;
  pel_document_set_cursor (self->document, c);
  pel_slice_strip_set_current (self->strip, s);
  /* Translators: slice numbers count from 1, as the views show them */
  text = g_strdup_printf (_("Next to paint: slice %" G_GINT64_FORMAT " (mean %s %.4f)"), s + 1,
                          pl_uncertainty_map_name (self->map), r->slice_means[self->map][s]);
  pel_uncertainty_panel_set_line (self, "next", text, FALSE);
  return TRUE;
}
