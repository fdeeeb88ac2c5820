/* The Explain panel's sanity check (Adebayo et al. 2018): per method, the
 * map at each stage of the randomisation in a strip, the similarities to
 * the trained model's map plotted against the number of layers randomised
 * (Spearman ρ of the values and of |values|, SSIM, HOG), and the verdict.
 * See pel-explain-private.h. */
#define G_LOG_DOMAIN "pel-explain-panel"

#include "src/pel-explain-private.h"

#include <glib/gi18n.h>
#include <math.h>

#define STRIP_THUMB 56     /* the longer side of a strip thumbnail, pixels */
#define PASS_BELOW 0.5     /* mean |Spearman ρ| over the stages (cmd-sanity.c) */

typedef struct
{
  GtkLabel       *title;
  GtkBox         *thumbs;
  GtkWidget      *plot;
  const PlExplainMethod *method;
} SanityRow;

void
pel_explain_sanity_map_free (gpointer data)
{
  SanityMap *s = data;
  explain_map_free (s->map);
  g_free (s->layer);
  g_free (s);
}

int
pel_explain_sanity_verdict (PelExplainPanel       *self,
                            const PlExplainMethod *method,
                            double                *mean)
{
  double sum = 0.0;
  int n = 0;

  for (guint i = 0; self->sanity && i < self->sanity->len; i++)
    {
      const SanityMap *s = g_ptr_array_index (self->sanity, i);
      if (s->map->method == method && s->stage > 0 && isfinite (s->sim.spearman))
        {
          sum += fabs (s->sim.spearman);
          n++;
        }
    }
  if (mean)
    *mean = n ? sum / n : NAN;
  return n ? sum / n < PASS_BELOW : -1;
}

/* ---- the plot ------------------------------------------------------------- */

static void
draw_plot (GtkDrawingArea *area,
           cairo_t        *cr,
           int             width,
           int             height,
           gpointer        data)
{
  PelExplainPanel *self = g_object_get_data (G_OBJECT (area), "panel");
  const SanityRow *row = data;
  static const double colours[4][3] = {
    { 0.85, 0.2, 0.15 }, { 0.95, 0.6, 0.1 }, { 0.2, 0.45, 0.85 }, { 0.3, 0.65, 0.3 },
  };
  static const char *const names[4] = { "ρ", "|ρ|", "SSIM", "HOG" };
  int max_x = 1, left = 26, bottom = 14;
  double pw = width - left - 4, ph = height - bottom - 4;

  for (guint i = 0; i < self->sanity->len; i++)
    {
      const SanityMap *s = g_ptr_array_index (self->sanity, i);
      if (s->map->method == row->method)
        max_x = MAX (max_x, s->stage);
    }
  /* axes: y from −1 to 1, x the stage (layers randomised) */
  cairo_set_line_width (cr, 1.0);
  cairo_set_source_rgba (cr, 0.5, 0.5, 0.5, 0.6);
  for (int k = -1; k <= 1; k++)
    {
      double y = 4 + ph * (1.0 - k) / 2.0;
      cairo_move_to (cr, left, y);
      cairo_line_to (cr, left + pw, y);
    }
  cairo_stroke (cr);
  cairo_set_font_size (cr, 9.0);
  for (int k = -1; k <= 1; k++)
    {
      g_autofree char *t = g_strdup_printf ("%d", k);
      cairo_move_to (cr, 4, 4 + ph * (1.0 - k) / 2.0 + 3);
      cairo_show_text (cr, t);
    }
  {
    g_autofree char *t = g_strdup_printf (_("layers randomised: 0 … %d"), max_x);
    cairo_move_to (cr, left, height - 2);
    cairo_show_text (cr, t);
  }
  for (int c = 0; c < 4; c++)
    {
      gboolean first = TRUE;
      cairo_set_source_rgb (cr, colours[c][0], colours[c][1], colours[c][2]);
      cairo_set_line_width (cr, 1.5);
      for (guint i = 0; i < self->sanity->len; i++)
        {
          const SanityMap *s = g_ptr_array_index (self->sanity, i);
          double v[4] = { s->sim.spearman, s->sim.spearman_abs, s->sim.ssim, s->sim.hog }, x, y;
          if (s->map->method != row->method || !isfinite (v[c]))
            continue;
          x = left + pw * s->stage / max_x;
          y = 4 + ph * (1.0 - CLAMP (v[c], -1.0, 1.0)) / 2.0;
          if (first)
            cairo_move_to (cr, x, y);
          else
            cairo_line_to (cr, x, y);
          first = FALSE;
        }
      cairo_stroke (cr);
      cairo_move_to (cr, left + pw - 4 * 34 + c * 34, 12);
      cairo_show_text (cr, names[c]);
    }
}

/* ---- the strip ------------------------------------------------------------ */

static void
update_title (PelExplainPanel *self,
              SanityRow       *row)
{
  double mean;
  int v = pel_explain_sanity_verdict (self, row->method, &mean);
  g_autofree char *text = NULL;

  if (v < 0)
    text = g_strdup (row->method->label);
  else
    text = g_strdup_printf (v ? _("%s — pass (mean |ρ| %.2f)") : _("%s — fail (mean |ρ| %.2f)"),
                            row->method->label, mean);
  gtk_label_set_text (row->title, text);
}

static SanityRow *
row_for (PelExplainPanel       *self,
         const PlExplainMethod *method)
{
  SanityRow *row = g_hash_table_lookup (self->sanity_rows, method);
  GtkWidget *box, *scroll;

  if (row)
    return row;
  row = g_new0 (SanityRow, 1);
  row->method = method;
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  row->title = GTK_LABEL (gtk_label_new (method->label));
  gtk_label_set_xalign (row->title, 0.0f);
  gtk_widget_add_css_class (GTK_WIDGET (row->title), "caption-heading");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (row->title));
  row->thumbs = GTK_BOX (gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 2));
  scroll = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroll), GTK_POLICY_AUTOMATIC, GTK_POLICY_NEVER);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroll), GTK_WIDGET (row->thumbs));
  gtk_widget_set_size_request (scroll, -1, STRIP_THUMB + 24);
  gtk_box_append (GTK_BOX (box), scroll);
  row->plot = gtk_drawing_area_new ();
  g_object_set_data (G_OBJECT (row->plot), "panel", self);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (row->plot), 90);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (row->plot), draw_plot, row, NULL);
  gtk_widget_set_tooltip_text (row->plot, _("Similarity of each stage's map to the trained model's: "
                                            "Spearman ρ of the values and of |values|, SSIM, HOG"));
  gtk_box_append (GTK_BOX (box), row->plot);
  gtk_box_append (self->strip, box);
  g_hash_table_insert (self->sanity_rows, (gpointer) method, row);
  return row;
}

void
pel_explain_sanity_add (PelExplainPanel *self,
                        SanityMap       *s)
{
  SanityRow *row = row_for (self, s->map->method);
  g_autoptr (GdkTexture) tex = pel_explain_render_thumb (self, s->map);
  GtkWidget *cell = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *pic = gtk_picture_new_for_paintable (GDK_PAINTABLE (tex));
  g_autofree char *caption = g_strdup_printf ("%d", s->n_randomised);
  g_autofree char *tip = s->stage ? g_strdup_printf (_("%s randomised: ρ %.2f, SSIM %.2f, HOG %.2f"),
                                                     s->layer, s->sim.spearman, s->sim.ssim, s->sim.hog)
                                  : g_strdup (_("The trained model"));
  GtkWidget *label = gtk_label_new (s->stage ? caption : _("trained"));

  gtk_picture_set_can_shrink (GTK_PICTURE (pic), TRUE);
  gtk_widget_set_size_request (pic, STRIP_THUMB * s->map->w / MAX (s->map->h, s->map->w),
                               STRIP_THUMB * s->map->h / MAX (s->map->h, s->map->w));
  gtk_widget_set_tooltip_text (cell, tip);
  gtk_widget_add_css_class (label, "caption");
  gtk_box_append (GTK_BOX (cell), pic);
  gtk_box_append (GTK_BOX (cell), label);
  gtk_box_append (row->thumbs, cell);
  g_ptr_array_add (self->sanity, s);
  update_title (self, row);
  gtk_widget_queue_draw (row->plot);
  pel_explain_rebuild_table (self);
}

void
pel_explain_sanity_clear (PelExplainPanel *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->strip))))
    gtk_box_remove (self->strip, child);
  g_hash_table_remove_all (self->sanity_rows);
  g_ptr_array_set_size (self->sanity, 0);
  pel_explain_rebuild_table (self);
}

void
pel_explain_sanity_refresh (PelExplainPanel *self)
{
  GPtrArray *old = self->sanity;
  GtkWidget *child;

  /* the same stages drawn again in the current normalisation */
  g_ptr_array_set_free_func (old, NULL);
  self->sanity = g_ptr_array_new_with_free_func (pel_explain_sanity_map_free);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->strip))))
    gtk_box_remove (self->strip, child);
  g_hash_table_remove_all (self->sanity_rows);
  for (guint i = 0; i < old->len; i++)
    pel_explain_sanity_add (self, g_ptr_array_index (old, i));
  g_ptr_array_unref (old);
}

GtkWidget *
pel_explain_sanity_build (PelExplainPanel *self)
{
  static const char *const modes[] = { N_("Cascading, from the head down"), N_("Independent, one layer at a time"),
                                       NULL };
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4), *row, *w;
  const char *tr[3] = { _(modes[0]), _(modes[1]), NULL };

  self->sanity = g_ptr_array_new_with_free_func (pel_explain_sanity_map_free);
  self->sanity_rows = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  self->sanity_mode_drop = GTK_DROP_DOWN (gtk_drop_down_new_from_strings (tr));
  gtk_widget_set_hexpand (GTK_WIDGET (self->sanity_mode_drop), TRUE);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->sanity_mode_drop),
                               _("Re-initialise the layers and compare each method's map with the trained "
                                 "model's (Adebayo et al. 2018): a map that stays the same explains the "
                                 "image, not the model"));
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->sanity_mode_drop));
  w = gtk_button_new_with_mnemonic (_("_Check"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (w), "explain.sanity");
  gtk_box_append (GTK_BOX (row), w);
  gtk_box_append (GTK_BOX (box), row);
  self->strip = GTK_BOX (gtk_box_new (GTK_ORIENTATION_VERTICAL, 6));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->strip));
  return box;
}
