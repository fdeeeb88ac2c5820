/* The Explain side panel.  See pel-explain-panel.h. */
#define G_LOG_DOMAIN "pel-explain-panel"

#include "src/pel-explain-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/data/dataset.h"
#include "engine/explain/explain.h"
#include "engine/explain/sanity.h"
#include "src/pel-action-script.h"
#include "src/pel-heat-map.h"
#include "src/pel-panel-kit.h"
#include "src/pel-render.h"
#include "src/pel-train-panel.h"

G_DEFINE_FINAL_TYPE (PelExplainPanel, pel_explain_panel, GTK_TYPE_WIDGET)

void
pel_explain_set_status (PelExplainPanel *self,
                        const char      *key,
                        const char      *text,
                        gboolean         error)
{
  pel_status_lines_set (self->status_box, key, text, error);
}

void
pel_explain_update_actions (PelExplainPanel *self)
{
  gboolean running = pel_live_run_get_running (self->run);
  gboolean ready = !running && pel_document_has_volume (self->document)
                   && pel_explain_current_model (self) != NULL && self->class_values->len > 0;
  GAction *a;

  a = g_action_map_lookup_action (G_ACTION_MAP (self->actions), "compute");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (a), ready);
  a = g_action_map_lookup_action (G_ACTION_MAP (self->actions), "sanity");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (a), ready);
  for (guint i = 0; i < 4; i++)
    {
      static const char *const exports[] = { "export-grid", "export-map", "export-grid-dialog",
                                             "export-map-dialog" };
      a = g_action_map_lookup_action (G_ACTION_MAP (self->actions), exports[i]);
      g_simple_action_set_enabled (G_SIMPLE_ACTION (a), !running && self->maps->len > 0);
    }
  a = g_action_map_lookup_action (G_ACTION_MAP (self->actions), "stop");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (a), running);
  a = g_action_map_lookup_action (G_ACTION_MAP (self->actions), "busy");
  {
    g_autoptr (GVariant) busy = g_action_get_state (a);
    if (g_variant_get_boolean (busy) != running)
      g_simple_action_set_state (G_SIMPLE_ACTION (a), g_variant_new_boolean (running));
  }
  /* an error (the last Compute's) stays until the next one */
  if (pel_status_lines_is_error (self->status_box, "explain"))
    ;
  else if (!running && !ready && !self->maps->len)
    pel_explain_set_status (self, "explain",
                pel_explain_current_model (self) ? _("Choose a class to explain.")
                                     : _("Train a model or load one in the Train panel to explain it."),
                FALSE);
  else if (!running && ready && !self->maps->len)
    pel_explain_set_status (self, "explain", _("Ready: Compute explains the class on the axial slice on screen."), FALSE);
}

static gboolean
poll_model (gpointer data)
{
  pel_explain_update_actions (data);
  return G_SOURCE_CONTINUE;
}

/* ---- classes -------------------------------------------------------------- */

static void
fill_classes (PelExplainPanel *self)
{
  PlLabelTable *table = pel_document_get_label_table (self->document);
  guint n = table ? pl_label_table_get_n (table) : 0;
  guint selected = gtk_drop_down_get_selected (self->class_drop);
  guint16 old = selected < self->class_values->len ? g_array_index (self->class_values, guint16, selected) : 0;
  guint keep = 0;

  g_array_set_size (self->class_values, 0);
  gtk_string_list_splice (self->class_list, 0, g_list_model_get_n_items (G_LIST_MODEL (self->class_list)), NULL);
  for (guint i = 0; i < n; i++)
    {
      PlLabel *l = pl_label_table_get_nth (table, i);
      g_autofree char *text = NULL;
      if (l->value == 0)
        continue;
      text = g_strdup_printf ("%u  %s", l->value, l->name ? l->name : "");
      if (l->value == old)
        keep = self->class_values->len;
      g_array_append_val (self->class_values, l->value);
      gtk_string_list_append (self->class_list, text);
    }
  if (self->class_values->len)
    gtk_drop_down_set_selected (self->class_drop, keep);
  pel_explain_update_actions (self);
}

/* ---- drawing -------------------------------------------------------------- */

/* The rectangle a picture of the slice (m->w × m->h, aspect kept) takes
 * in a widget of width × height. */
static void
picture_rect (const ExplainMap *m, int width, int height, double *x0, double *y0, double *scale)
{
  *scale = MIN ((double) width / m->w, (double) height / m->h);
  *x0 = (width - *scale * m->w) / 2.0;
  *y0 = (height - *scale * m->h) / 2.0;
}

/* The crosshair of the views on a tile (the in-plane position of the
 * document's cursor; y upwards as drawn). */
static void
draw_crosshair (GtkDrawingArea *area,
                cairo_t        *cr,
                int             width,
                int             height,
                gpointer        data)
{
  PelExplainPanel *self = data;
  const ExplainMap *m = g_object_get_data (G_OBJECT (area), "map");
  gint64 ijk[3];
  int a = self->axis == 0 ? 1 : 0, b = self->axis == 2 ? 1 : 2;
  double x0, y0, sc, px, py;

  if (!m || !pel_document_has_volume (self->document))
    return;
  pel_document_get_cursor (self->document, ijk);
  picture_rect (m, width, height, &x0, &y0, &sc);
  px = x0 + sc * (ijk[b] + 0.5);
  py = y0 + sc * (m->h - 1 - ijk[a] + 0.5);
  cairo_set_line_width (cr, 1.0);
  cairo_set_source_rgba (cr, 0.2, 0.9, 0.3, ijk[self->axis] == self->index ? 0.9 : 0.4);
  cairo_move_to (cr, px, y0);
  cairo_line_to (cr, px, y0 + sc * m->h);
  cairo_move_to (cr, x0, py);
  cairo_line_to (cr, x0 + sc * m->w, py);
  cairo_stroke (cr);
}

/* A click on a tile moves the cursor there (on the maps' slice). */
static void
on_tile_pressed (GtkGestureClick *gesture,
                 int              n_press,
                 double           x,
                 double           y,
                 PelExplainPanel *self)
{
  GtkWidget *area = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  const ExplainMap *m = g_object_get_data (G_OBJECT (area), "map");
  int a = self->axis == 0 ? 1 : 0, b = self->axis == 2 ? 1 : 2;
  double x0, y0, sc;
  gint64 ijk[3];
  int sx, sy;

  if (!m || !pel_document_has_volume (self->document))
    return;
  picture_rect (m, gtk_widget_get_width (area), gtk_widget_get_height (area), &x0, &y0, &sc);
  sx = (int) floor ((x - x0) / sc);
  sy = m->h - 1 - (int) floor ((y - y0) / sc);
  if (sx < 0 || sx >= m->w || sy < 0 || sy >= m->h)
    return;
  pel_document_get_cursor (self->document, ijk);
  ijk[self->axis] = self->index;
  ijk[a] = sy;
  ijk[b] = sx;
  pel_document_set_cursor (self->document, ijk);
}

static GtkWidget *
make_tile (PelExplainPanel  *self,
           const ExplainMap *m)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  g_autoptr (GdkTexture) tex = pel_explain_render_thumb (self, m);
  GtkWidget *pic = gtk_picture_new_for_paintable (GDK_PAINTABLE (tex));
  GtkWidget *overlay = gtk_overlay_new (), *cross = gtk_drawing_area_new ();
  GtkGesture *click = gtk_gesture_click_new ();
  g_autofree char *caption = NULL;
  GtkWidget *label;

  if (isnan (m->relevance_sum))
    caption = g_strdup_printf ("%s\n%.0f ms", m->method->label, m->ms);
  else
    caption = g_strdup_printf ("%s\n%.0f ms · Σ %.3g / %.3g", m->method->label, m->ms, m->relevance_sum, m->score);
  label = gtk_label_new (caption);
  gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_CENTER);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 18);
  gtk_widget_add_css_class (label, "caption");
  gtk_picture_set_can_shrink (GTK_PICTURE (pic), TRUE);
  gtk_widget_set_size_request (pic, THUMB_SIZE * m->w / MAX (m->h, m->w), THUMB_SIZE * m->h / MAX (m->h, m->w));
  gtk_widget_set_tooltip_text (pic, m->method->source);
  g_object_set_data (G_OBJECT (cross), "map", (gpointer) m);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (cross), draw_crosshair, self, NULL);
  gtk_widget_add_css_class (cross, "explain-crosshair");
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_tile_pressed), self);
  gtk_widget_add_controller (cross, GTK_EVENT_CONTROLLER (click));
  gtk_overlay_set_child (GTK_OVERLAY (overlay), pic);
  gtk_overlay_add_overlay (GTK_OVERLAY (overlay), cross);
  gtk_box_append (GTK_BOX (box), overlay);
  gtk_box_append (GTK_BOX (box), label);
  return box;
}

/* The cursor moved: every tile's crosshair follows. */
static void
queue_crosshairs (GtkWidget *w)
{
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    {
      if (gtk_widget_has_css_class (c, "explain-crosshair"))
        gtk_widget_queue_draw (c);
      else
        queue_crosshairs (c);
    }
}

static void
on_cursor_changed (PelExplainPanel *self)
{
  if (self->grid)
    queue_crosshairs (GTK_WIDGET (self->grid));
}

void
pel_explain_rebuild_grid (PelExplainPanel *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->grid))))
    gtk_flow_box_remove (self->grid, child);
  for (guint i = 0; i < self->maps->len; i++)
    gtk_flow_box_append (self->grid, make_tile (self, g_ptr_array_index (self->maps, i)));
  pel_explain_rebuild_table (self);
}

typedef struct
{
  GWeakRef         panel;  /* not a reference: a closed panel shows nothing */
  PelColormap      colormap;
  double           lo, hi;
} OverlayDone;

static void
overlay_made (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  OverlayDone *d = user_data;
  g_autoptr (PelHeatMap) heat = pel_heat_map_new_slice_finish (result, NULL);
  PelExplainPanel *self = g_weak_ref_get (&d->panel);

  gint64 dim[3];

  if (heat)
    pel_heat_map_get_dim (heat, dim);
  /* the volume could have changed meanwhile: only on its grid */
  if (heat && self && self->document && pel_document_has_volume (self->document)
      && memcmp (dim, pel_document_get_volume (self->document)->dim, sizeof dim) == 0)
    {
      g_object_set (heat, "colormap", d->colormap, "min", d->lo, "max", d->hi, NULL);
      pel_document_set_heat_map (self->document, heat);
    }
  g_clear_object (&self);
  g_weak_ref_clear (&d->panel);
  g_free (d);
}

/* The map as the document's heat map: on the volume's grid, NaN (drawn
 * transparent) off the slice and off the model's window; the volume-sized
 * array is made on a thread. */
static void
show_overlay (PelExplainPanel *self,
              int              i)
{
  const ExplainMap *m;
  gboolean sgn = pel_explain_is_signed (self);
  g_autofree char *name = NULL;
  OverlayDone *d;
  float clip;

  if (i < 0 || (guint) i >= self->maps->len)
    return;
  m = g_ptr_array_index (self->maps, i);
  clip = pel_explain_map_clip (self, m);
  if (self->overlay_cancel)
    g_cancellable_cancel (self->overlay_cancel);
  g_clear_object (&self->overlay_cancel);
  self->overlay_cancel = g_cancellable_new ();
  d = g_new0 (OverlayDone, 1);
  g_weak_ref_init (&d->panel, self);
  d->colormap = sgn ? PEL_COLORMAP_COOLWARM : PEL_COLORMAP_HOT;
  d->lo = sgn ? (double) -clip : 0.0;
  d->hi = clip;
  name = g_strdup_printf (_("Explanation: %s"), m->method->label);
  pel_heat_map_new_slice_async (name, self->dim, self->axis, self->index, m->map, m->w,
                                m->ox, m->oy, m->ww, m->wh, !sgn, self->overlay_cancel,
                                overlay_made, d);
  self->shown = i;
}

static void
on_child_activated (GtkFlowBox      *box,
                    GtkFlowBoxChild *child,
                    PelExplainPanel *self)
{
  show_overlay (self, gtk_flow_box_child_get_index (child));
}

static void
on_norm_changed (PelExplainPanel *self)
{
  pel_explain_rebuild_grid (self);
  pel_explain_sanity_refresh (self);
  if (self->shown >= 0)
    show_overlay (self, self->shown);
}

/* ---- the run -------------------------------------------------------------- */

static void
on_preview (PelLiveRun           *run,
            const PelLivePayload *payload,
            PelExplainPanel      *self)
{
  ExplainMap *m;

  if (g_str_has_prefix (payload->name, "sanity-"))
    {
      pel_explain_sanity_add (self, pel_live_payload_steal_data (payload));
      return;
    }
  if (!g_str_has_prefix (payload->name, "map-"))
    return;
  m = pel_live_payload_steal_data (payload);
  g_ptr_array_add (self->maps, m);
  gtk_flow_box_append (self->grid, make_tile (self, m));
  pel_explain_rebuild_table (self);
  {
    g_autofree char *text = g_strdup_printf (_("%s done in %.0f ms."), m->method->label, m->ms);
    pel_explain_set_status (self, "explain", text, FALSE);
  }
  /* the first map goes on the overlay at once */
  if (self->maps->len == 1)
    show_overlay (self, 0);
}

static void
on_status (PelLiveRun      *run,
           const char      *key,
           const char      *text,
           PelExplainPanel *self)
{
  pel_explain_set_status (self, key, text, FALSE);
}

/* ---- actions -------------------------------------------------------------- */

static void
act_compute (GSimpleAction *a, GVariant *p, gpointer data)
{
  pel_explain_compute (data);
}

static void
act_sanity (GSimpleAction *a, GVariant *p, gpointer data)
{
  pel_explain_sanity (data);
}

static void
act_sanity_mode (GSimpleAction *a, GVariant *p, gpointer data)
{
  PelExplainPanel *self = data;
  gtk_drop_down_set_selected (self->sanity_mode_drop,
                              g_str_equal (g_variant_get_string (p, NULL), "independent"));
}

/* Scrolls the panel to a part: "sanity" (the strip) or "maps" (the grid). */
static void
act_reveal (GSimpleAction *a, GVariant *p, gpointer data)
{
  PelExplainPanel *self = data;
  GtkWidget *target = g_str_equal (g_variant_get_string (p, NULL), "sanity")
                      ? gtk_widget_get_parent (GTK_WIDGET (self->strip)) : GTK_WIDGET (self->grid);
  GtkWidget *content = gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (self->scroller));
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (self->scroller));
  graphene_point_t at;

  if (gtk_widget_compute_point (target, content, &GRAPHENE_POINT_INIT (0, 0), &at))
    gtk_adjustment_set_value (adj, at.y - 30);
}

static void
act_stop (GSimpleAction *a, GVariant *p, gpointer data)
{
  PelExplainPanel *self = data;
  pel_live_run_stop (self->run);
}

static void
act_show (GSimpleAction *a, GVariant *p, gpointer data)
{
  GtkWidget *stack = gtk_widget_get_ancestor (GTK_WIDGET (data), GTK_TYPE_STACK);
  if (stack)
    gtk_stack_set_visible_child (GTK_STACK (stack), GTK_WIDGET (data));
}

static void
act_class (GSimpleAction *a, GVariant *p, gpointer data)
{
  PelExplainPanel *self = data;
  for (guint i = 0; i < self->class_values->len; i++)
    if (g_array_index (self->class_values, guint16, i) == g_variant_get_int32 (p))
      gtk_drop_down_set_selected (self->class_drop, i);
}

static void
act_region (GSimpleAction *a, GVariant *p, gpointer data)
{
  PelExplainPanel *self = data;
  const char *r = g_variant_get_string (p, NULL);
  gtk_drop_down_set_selected (self->region_drop, g_str_equal (r, "pixel") ? 1 : g_str_equal (r, "painted") ? 2 : 0);
}

static void
act_faithfulness (GSimpleAction *a, GVariant *p, gpointer data)
{
  PelExplainPanel *self = data;
  gtk_check_button_set_active (self->faithful_check, g_variant_get_boolean (p));
}

static void
act_export_grid (GSimpleAction *a, GVariant *p, gpointer data)
{
  pel_explain_export_grid (data, g_variant_get_string (p, NULL));
}

static void
act_export_map (GSimpleAction *a, GVariant *p, gpointer data)
{
  pel_explain_export_map (data, g_variant_get_string (p, NULL));
}

static void
act_export_grid_dialog (GSimpleAction *a, GVariant *p, gpointer data)
{
  pel_explain_export_dialog (data, TRUE);
}

static void
act_export_map_dialog (GSimpleAction *a, GVariant *p, gpointer data)
{
  pel_explain_export_dialog (data, FALSE);
}

static void
act_methods (GSimpleAction *a, GVariant *p, gpointer data)
{
  PelExplainPanel *self = data;
  g_auto (GStrv) names = g_strsplit_set (g_variant_get_string (p, NULL), "+,", -1);
  guint n;
  const PlExplainMethod *methods = pl_explain_methods (&n);

  for (guint i = 0; i < n; i++)
    gtk_check_button_set_active (g_ptr_array_index (self->method_checks, i),
                                 g_strv_contains ((const char *const *) names, methods[i].name));
}

static void
act_normalise (GSimpleAction *a, GVariant *p, gpointer data)
{
  PelExplainPanel *self = data;
  gtk_drop_down_set_selected (self->norm_drop, g_str_equal (g_variant_get_string (p, NULL), "signed"));
}

static void
act_clip (GSimpleAction *a, GVariant *p, gpointer data)
{
  PelExplainPanel *self = data;
  gtk_spin_button_set_value (self->clip_spin, g_variant_get_double (p));
}

static void
act_overlay (GSimpleAction *a, GVariant *p, gpointer data)
{
  show_overlay (data, g_variant_get_int32 (p));
}

static const GActionEntry action_entries[] = {
  { "compute", act_compute, NULL, NULL, NULL, { 0 } },
  { "stop", act_stop, NULL, NULL, NULL, { 0 } },
  { "sanity", act_sanity, NULL, NULL, NULL, { 0 } },
  { "sanity-mode", act_sanity_mode, "s", NULL, NULL, { 0 } },
  { "reveal", act_reveal, "s", NULL, NULL, { 0 } },
  { "show", act_show, NULL, NULL, NULL, { 0 } },
  { "class", act_class, "i", NULL, NULL, { 0 } },
  { "region", act_region, "s", NULL, NULL, { 0 } },
  { "methods", act_methods, "s", NULL, NULL, { 0 } },
  { "normalise", act_normalise, "s", NULL, NULL, { 0 } },
  { "clip", act_clip, "d", NULL, NULL, { 0 } },
  { "overlay", act_overlay, "i", NULL, NULL, { 0 } },
  { "faithfulness", act_faithfulness, "b", NULL, NULL, { 0 } },
  { "export-grid", act_export_grid, "s", NULL, NULL, { 0 } },
  { "export-map", act_export_map, "s", NULL, NULL, { 0 } },
  { "export-grid-dialog", act_export_grid_dialog, NULL, NULL, NULL, { 0 } },
  { "export-map-dialog", act_export_map_dialog, NULL, NULL, NULL, { 0 } },
  /* state only: TRUE while computing (an action script waits for it) */
  { "busy", NULL, NULL, "false", NULL, { 0 } },
};

/* ---- construction --------------------------------------------------------- */

static GtkWidget *
heading (const char *text)
{
  GtkWidget *l = gtk_label_new (text);
  gtk_label_set_xalign (GTK_LABEL (l), 0.0f);
  gtk_widget_add_css_class (l, "heading");
  return l;
}

static void
build (PelExplainPanel *self)
{
  static const char *const regions[] = { N_("Predicted region of the class"), N_("Pixel at the crosshair"),
                                         N_("Painted region of the class"), NULL };
  static const char *const norms[] = { N_("Absolute"), N_("Signed"), NULL };
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *footer = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *methods_box = gtk_flow_box_new ();
  GtkWidget *row, *w;
  const char *tr[4];
  guint n;
  const PlExplainMethod *methods = pl_explain_methods (&n);

  gtk_widget_set_margin_start (content, 8);
  gtk_widget_set_margin_end (content, 8);
  gtk_widget_set_margin_top (content, 8);
  gtk_widget_set_margin_bottom (content, 8);

  gtk_box_append (GTK_BOX (content), heading (_("Target")));
  self->class_list = gtk_string_list_new (NULL);
  self->class_drop = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (g_object_ref (self->class_list)), NULL));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->class_drop), _("The class whose score is explained"));
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->class_drop));
  for (int i = 0; i < 3; i++)
    tr[i] = _(regions[i]);
  tr[3] = NULL;
  self->region_drop = GTK_DROP_DOWN (gtk_drop_down_new_from_strings (tr));
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->region_drop));
  w = gtk_label_new (_("On the axial slice on screen; the score is the sum of the class's logits over the region."));
  gtk_label_set_wrap (GTK_LABEL (w), TRUE);
  gtk_label_set_xalign (GTK_LABEL (w), 0.0f);
  gtk_widget_add_css_class (w, "dim-label");
  gtk_box_append (GTK_BOX (content), w);

  gtk_box_append (GTK_BOX (content), heading (_("Methods")));
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (methods_box), GTK_SELECTION_NONE);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (methods_box), 2);
  gtk_flow_box_set_min_children_per_line (GTK_FLOW_BOX (methods_box), 1);
  self->method_checks = g_ptr_array_new ();
  for (guint i = 0; i < n; i++)
    {
      GtkWidget *c = gtk_check_button_new_with_label (methods[i].label);
      gtk_widget_set_tooltip_text (c, methods[i].source);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (c), g_str_equal (methods[i].name, "grad")
                                   || g_str_equal (methods[i].name, "gradxinput")
                                   || g_str_equal (methods[i].name, "gradcam"));
      g_ptr_array_add (self->method_checks, c);
      gtk_flow_box_append (GTK_FLOW_BOX (methods_box), c);
    }
  gtk_box_append (GTK_BOX (content), methods_box);
  self->faithful_check = GTK_CHECK_BUTTON (gtk_check_button_new_with_label (_("Deletion and insertion curves")));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->faithful_check),
                               _("Remove (or add back) the pixels in each map's order and watch the score "
                                 "(Petsiuk et al. 2018): the areas under the curves, in the table"));
  gtk_check_button_set_active (self->faithful_check, TRUE);
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->faithful_check));

  gtk_box_append (GTK_BOX (content), heading (_("Maps")));
  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  for (int i = 0; i < 2; i++)
    tr[i] = _(norms[i]);
  self->norm_drop = GTK_DROP_DOWN (gtk_drop_down_new_from_strings (tr));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->norm_drop), _("Show |value| or the sign (blue negative, red positive)"));
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->norm_drop));
  gtk_box_append (GTK_BOX (row), gtk_label_new (_("clip at percentile")));
  self->clip_spin = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (50.0, 100.0, 0.5));
  gtk_spin_button_set_digits (self->clip_spin, 1);
  gtk_spin_button_set_value (self->clip_spin, 99.5);
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->clip_spin));
  gtk_box_append (GTK_BOX (content), row);
  g_signal_connect_swapped (self->norm_drop, "notify::selected", G_CALLBACK (on_norm_changed), self);
  g_signal_connect_swapped (self->clip_spin, "value-changed", G_CALLBACK (on_norm_changed), self);

  self->grid = GTK_FLOW_BOX (gtk_flow_box_new ());
  gtk_flow_box_set_selection_mode (self->grid, GTK_SELECTION_SINGLE);
  gtk_flow_box_set_activate_on_single_click (self->grid, TRUE);
  gtk_flow_box_set_min_children_per_line (self->grid, 3);
  gtk_flow_box_set_max_children_per_line (self->grid, 3);
  gtk_flow_box_set_homogeneous (self->grid, TRUE);
  g_signal_connect (self->grid, "child-activated", G_CALLBACK (on_child_activated), self);
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->grid));
  self->table = GTK_GRID (gtk_grid_new ());
  gtk_grid_set_column_spacing (self->table, 8);
  gtk_grid_set_row_spacing (self->table, 2);
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->table));
  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  w = gtk_button_new_with_mnemonic (_("Save _Grid…"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (w), "explain.export-grid-dialog");
  gtk_widget_set_tooltip_text (w, _("The maps as one PNG picture, three a row"));
  gtk_box_append (GTK_BOX (row), w);
  w = gtk_button_new_with_mnemonic (_("Save _Map…"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (w), "explain.export-map-dialog");
  gtk_widget_set_tooltip_text (w, _("The map on the slice as a NIfTI heat map on the volume's grid"));
  gtk_box_append (GTK_BOX (row), w);
  gtk_box_append (GTK_BOX (content), row);

  gtk_box_append (GTK_BOX (content), heading (_("Sanity check")));
  gtk_box_append (GTK_BOX (content), pel_explain_sanity_build (self));

  self->status_box = GTK_BOX (gtk_box_new (GTK_ORIENTATION_VERTICAL, 2));
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->status_box));

  self->scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scroller), content);
  gtk_widget_set_vexpand (self->scroller, TRUE);
  pel_panel_fix_width (GTK_SCROLLED_WINDOW (self->scroller));
  gtk_widget_set_parent (self->scroller, GTK_WIDGET (self));

  gtk_widget_set_margin_start (footer, 8);
  gtk_widget_set_margin_end (footer, 8);
  gtk_widget_set_margin_bottom (footer, 8);
  gtk_box_append (GTK_BOX (footer), pel_run_row_new (self->run, _("%.2f maps/s"), "explain.stop"));
  self->compute_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Compute")));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->compute_button), "explain.compute");
  gtk_widget_add_css_class (GTK_WIDGET (self->compute_button), "suggested-action");
  gtk_box_append (GTK_BOX (footer), GTK_WIDGET (self->compute_button));
  gtk_widget_set_parent (footer, GTK_WIDGET (self));
}

static void
pel_explain_panel_dispose (GObject *object)
{
  PelExplainPanel *self = PEL_EXPLAIN_PANEL (object);
  GtkWidget *child;

  pel_action_script_cancel (GTK_WIDGET (self));
  g_clear_handle_id (&self->poll_id, g_source_remove);
  if (self->overlay_cancel)
    g_cancellable_cancel (self->overlay_cancel);
  g_clear_object (&self->overlay_cancel);
  if (self->run)
    {
      pel_live_run_stop (self->run);
      g_signal_handlers_disconnect_by_data (self->run, self);
    }
  if (self->document)
    g_signal_handlers_disconnect_by_data (self->document, self);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);
  g_clear_object (&self->run);
  g_clear_object (&self->actions);
  g_clear_object (&self->document);
  g_clear_object (&self->tools);
  g_clear_object (&self->class_list);
  G_OBJECT_CLASS (pel_explain_panel_parent_class)->dispose (object);
}

static void
pel_explain_panel_finalize (GObject *object)
{
  PelExplainPanel *self = PEL_EXPLAIN_PANEL (object);

  g_clear_pointer (&self->task, pel_explain_task_free);
  g_clear_pointer (&self->export_task, pel_explain_export_task_free);
  g_ptr_array_unref (self->maps);
  g_clear_pointer (&self->sanity, g_ptr_array_unref);
  g_clear_pointer (&self->sanity_rows, g_hash_table_unref);
  g_clear_pointer (&self->method_checks, g_ptr_array_unref);
  g_array_unref (self->class_values);
  g_free (self->image);
  G_OBJECT_CLASS (pel_explain_panel_parent_class)->finalize (object);
}

/* Closing the window stops a computation (the run holds the panel until
 * it ends). */
static void
pel_explain_panel_unroot (GtkWidget *widget)
{
  PelExplainPanel *self = PEL_EXPLAIN_PANEL (widget);

  pel_action_script_cancel (widget);
  if (self->run)
    pel_live_run_stop (self->run);
  GTK_WIDGET_CLASS (pel_explain_panel_parent_class)->unroot (widget);
}

static void
pel_explain_panel_class_init (PelExplainPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pel_explain_panel_dispose;
  object_class->finalize = pel_explain_panel_finalize;
  widget_class->unroot = pel_explain_panel_unroot;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
}

static void
pel_explain_panel_init (PelExplainPanel *self)
{
  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);
  self->maps = g_ptr_array_new_with_free_func (explain_map_free);
  self->class_values = g_array_new (FALSE, FALSE, sizeof (guint16));
  self->shown = -1;
}

GtkWidget *
pel_explain_panel_new (PelDocument *document,
                       PelTools    *tools)
{
  PelExplainPanel *self = g_object_new (PEL_TYPE_EXPLAIN_PANEL, NULL);
  const char *actions;

  self->document = g_object_ref (document);
  self->tools = g_object_ref (tools);
  self->run = pel_live_run_new (_("Explaining"));
  self->actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), action_entries,
                                   G_N_ELEMENTS (action_entries), self);
  pel_action_script_insert_group (GTK_WIDGET (self), "explain", G_ACTION_GROUP (self->actions));
  build (self);
  g_signal_connect (self->run, "preview", G_CALLBACK (on_preview), self);
  g_signal_connect (self->run, "status", G_CALLBACK (on_status), self);
  g_signal_connect_swapped (document, "table-changed", G_CALLBACK (fill_classes), self);
  g_signal_connect_swapped (document, "volume-changed", G_CALLBACK (pel_explain_update_actions), self);
  g_signal_connect_swapped (document, "cursor-changed", G_CALLBACK (on_cursor_changed), self);
  fill_classes (self);
  /* the Train panel's model comes and goes: Compute follows it */
  self->poll_id = g_timeout_add (300, poll_model, self);

  actions = g_getenv ("PELLUCID_EXPLAIN_ACTIONS");
  if (actions && *actions)
    pel_explain_panel_run_actions (self, actions);
  return GTK_WIDGET (self);
}

PelLiveRun *
pel_explain_panel_get_run (PelExplainPanel *self)
{
  return self->run;
}

guint
pel_explain_panel_get_n_maps (PelExplainPanel *self)
{
  return self->maps->len;
}

const char *
pel_explain_panel_get_map_name (PelExplainPanel *self,
                                guint            i,
                                double          *ms)
{
  const ExplainMap *m;

  g_return_val_if_fail (i < self->maps->len, NULL);
  m = g_ptr_array_index (self->maps, i);
  if (ms)
    *ms = m->ms;
  return m->method->name;
}

const char *
pel_explain_panel_get_status (PelExplainPanel *self,
                              const char      *key)
{
  return pel_status_lines_get (self->status_box, key);
}

void
pel_explain_panel_run_actions (PelExplainPanel *self,
                               const char      *actions)
{
  pel_action_script_run (GTK_WIDGET (self), actions, "explain");
}

int
pel_explain_panel_get_sanity_verdict (PelExplainPanel *self,
                                      const char      *method,
                                      double          *mean)
{
  return pel_explain_sanity_verdict (self, pl_explain_method_find (method), mean);
}

guint
pel_explain_panel_get_n_sanity (PelExplainPanel *self)
{
  return self->sanity->len;
}
