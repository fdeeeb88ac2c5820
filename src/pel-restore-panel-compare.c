/* pel-restore-panel-compare.c: the Restore panel's pictures — the output
 * as it sharpens, and noisy / restored / reference / difference with the
 * table of figures (pel-restore-panel.h). */
#define G_LOG_DOMAIN "pel-restore-panel"

#include "src/pel-restore-panel-private.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "engine/data/dataset.h"
#include "engine/data/paint.h"

int
pel_restore_panel_view_of_axis (PelRestorePanel *self,
                                int              axis)
{
  const PlVolume *v = pel_document_get_volume (self->document);

  if (v != NULL)
    for (int view = PL_VIEW_SAGITTAL; view <= PL_VIEW_AXIAL; view++)
      {
        PlSliceFrame frame;

        pl_slice_frame_init (&frame, v, (PlView) view);
        if (frame.axis_n == axis)
          return view;
      }
  return PL_VIEW_AXIAL;
}

/* The crosshair: amber, a pixel wide per 100 pixels of the picture (so
 * that it survives the thumbnail's scaling), with a gap of 2 pixels either
 * side of the cursor so that the point itself stays visible. */
static void
draw_cross (guint8 *rgb,
            gsize   stride,
            gint64  width,
            gint64  height,
            gint64  cx,
            gint64  cy)
{
  static const guint8 amber[3] = { 255, 190, 0 };
  gint64 ty = MAX (1, height / 100), tx = MAX (1, width / 100);

  for (gint64 y = cy; y < cy + ty && y >= 0 && y < height; y++)
    for (gint64 x = 0; x < width; x++)
      if (ABS (x - cx) > 2)
        memcpy (rgb + (gsize) y * stride + (gsize) x * 3, amber, 3);
  for (gint64 x = cx; x < cx + tx && x >= 0 && x < width; x++)
    for (gint64 y = 0; y < height; y++)
      if (ABS (y - cy) > 2)
        memcpy (rgb + (gsize) y * stride + (gsize) x * 3, amber, 3);
}

/* A grey picture of an h × w slice (layout of engine/data/dataset.h) along
 * voxel axis `axis`, under the window [lo, lo + window], laid out as the
 * viewer shows that orientation (paint.h: radiological, anterior or
 * superior up); with `cross`, the document's cursor as a crosshair. */
GdkTexture *
pel_restore_panel_texture (PelRestorePanel *self,
                           const float     *data,
                           int              axis,
                           int              h,
                           int              w,
                           double           lo,
                           double           window,
                           gboolean         cross)
{
  const PlVolume *v = pel_document_get_volume (self->document);
  PlSliceFrame frame;
  int sh, sw, a, b;
  gsize stride;
  g_autoptr (GBytes) bytes = NULL;
  guint8 *rgb;

  if (v == NULL)
    return NULL;
  pl_slice_dims (v->dim, axis, &sh, &sw);
  pl_slice_frame_init (&frame, v, (PlView) pel_restore_panel_view_of_axis (self, axis));
  if (sh != h || sw != w || frame.axis_n != axis)
    return NULL;
  a = axis == 0 ? 1 : 0;
  b = axis == 2 ? 1 : 2;
  if (window <= 0.0)
    window = 1.0;
  stride = (gsize) frame.width * 3;
  rgb = g_malloc ((gsize) frame.height * stride);
  for (gint64 y = 0; y < frame.height; y++)
    for (gint64 x = 0; x < frame.width; x++)
      {
        gint64 ijk[3];
        double value;
        guint8 g, *p = rgb + (gsize) y * stride + (gsize) x * 3;

        pl_slice_frame_to_voxel (&frame, x, y, 0, ijk);
        value = (data[(gsize) ijk[a] * w + ijk[b]] - lo) / window;
        g = (guint8) CLAMP (value * 255.0 + 0.5, 0.0, 255.0);
        p[0] = p[1] = p[2] = g;
      }
  if (cross)
    {
      gint64 cursor[3], cx, cy, slice;

      pel_document_get_cursor (self->document, cursor);
      pl_slice_frame_from_voxel (&frame, cursor, &cx, &cy, &slice);
      draw_cross (rgb, stride, frame.width, frame.height, cx, cy);
    }
  bytes = g_bytes_new_take (rgb, (gsize) frame.height * stride);
  return gdk_memory_texture_new ((int) frame.width, (int) frame.height, GDK_MEMORY_R8G8B8, bytes, stride);
}

void
pel_restore_panel_show_floats (PelRestorePanel *self,
                               const float     *data,
                               int              axis,
                               int              h,
                               int              w)
{
  double window, level;
  g_autoptr (GdkTexture) texture = NULL;

  pel_document_get_window_level (self->document, &window, &level);
  texture = pel_restore_panel_texture (self, data, axis, h, w, level - window / 2.0, window, FALSE);
  if (texture)
    gtk_picture_set_paintable (self->output_picture, GDK_PAINTABLE (texture));
}

static const char *const titles[4] = { N_("noisy"), N_("restored"), N_("reference"), N_("|difference| ×4") };

/* The texture of shown image k under the document's window (the one
 * window of the viewer, shared by the four): the difference maps 0 to
 * black and a quarter of the window to white.  `cross`: with the cursor. */
static GdkTexture *
shown_texture (PelRestorePanel *self,
               int              k,
               gboolean         cross)
{
  double window, level;

  pel_document_get_window_level (self->document, &window, &level);
  return k == 3 ? pel_restore_panel_texture (self, self->shown[k], self->shown_axis, self->shown_h,
                                             self->shown_w, 0.0, window / 4.0, cross)
                : pel_restore_panel_texture (self, self->shown[k], self->shown_axis, self->shown_h,
                                             self->shown_w, level - window / 2.0, window, cross);
}

void
pel_restore_panel_refresh_compare (PelRestorePanel *self)
{
  if (self->shown[0] == NULL || !gtk_widget_get_visible (GTK_WIDGET (self->compare_box)))
    return;
  for (int k = 0; k < 4; k++)
    if (self->compare_pics[k])
      {
        g_autoptr (GdkTexture) tex = shown_texture (self, k, TRUE);

        gtk_picture_set_paintable (self->compare_pics[k], tex ? GDK_PAINTABLE (tex) : NULL);
      }
}

/* Slice pixel (x, y) of the compared slice (as drawn) becomes the
 * document's cursor, on that slice. */
static gboolean
point_at (PelRestorePanel *self,
          gint64           x,
          gint64           y)
{
  const PlVolume *v = pel_document_get_volume (self->document);
  PlSliceFrame frame;
  gint64 ijk[3];

  if (v == NULL || self->shown[0] == NULL)
    return FALSE;
  pl_slice_frame_init (&frame, v, (PlView) pel_restore_panel_view_of_axis (self, self->shown_axis));
  if (!pl_slice_frame_contains (&frame, x, y) || self->shown_index >= frame.depth)
    return FALSE;
  pl_slice_frame_to_voxel (&frame, x, y, self->shown_index, ijk);
  pel_document_set_cursor (self->document, ijk);
  return TRUE;
}

/* A click on one of the pictures: from widget to slice pixels (the
 * picture is scaled to fit and centred). */
static void
on_picture_pressed (GtkGestureClick *gesture,
                    int              n_press,
                    double           x,
                    double           y,
                    gpointer         user_data)
{
  PelRestorePanel *self = user_data;
  GtkWidget *pic = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  GdkPaintable *p = gtk_picture_get_paintable (GTK_PICTURE (pic));
  double W = gtk_widget_get_width (pic), H = gtk_widget_get_height (pic), tw, th, scale;

  if (p == NULL)
    return;
  tw = gdk_paintable_get_intrinsic_width (p);
  th = gdk_paintable_get_intrinsic_height (p);
  if (tw <= 0 || th <= 0 || W <= 0 || H <= 0)
    return;
  scale = MIN (W / tw, H / th);
  point_at (self, (gint64) floor ((x - (W - tw * scale) / 2.0) / scale),
            (gint64) floor ((y - (H - th * scale) / 2.0) / scale));
}

static void
act_point (GSimpleAction *action,
           GVariant      *param,
           gpointer       user_data)
{
  gint32 x, y;

  g_variant_get (param, "(ii)", &x, &y);
  point_at (user_data, x, y);
}

/* Each result on two lines of the grid: its name across the panel, then
 * its five figures (the side panel is too narrow for a name column). */
static void
rebuild_table (PelRestorePanel *self,
               GtkWidget       *grid)
{
  const char *heads[5] = { "MAE", "MSE", "NMSE", "PSNR", "SSIM" };

  for (int c = 0; c < 5; c++)
    {
      GtkWidget *l = gtk_label_new (heads[c]);
      gtk_widget_add_css_class (l, "caption-heading");
      gtk_label_set_xalign (GTK_LABEL (l), 1.0f);
      gtk_widget_set_hexpand (l, TRUE);
      gtk_grid_attach (GTK_GRID (grid), l, c, 0, 1, 1);
    }
  for (guint k = 0; k < self->rows->len; k++)
    {
      const PelRestoreRow *row = &g_array_index (self->rows, PelRestoreRow, k);
      const PlCompare *m = &row->c;
      g_autofree char *mae = g_strdup_printf ("%.4f", m->mae), *mse = g_strdup_printf ("%.5f", m->mse);
      g_autofree char *nmse = g_strdup_printf ("%.4f", m->nmse), *psnr = g_strdup_printf ("%.2f", m->psnr);
      g_autofree char *ssim = g_strdup_printf ("%.3f", m->ssim);
      const char *cells[5] = { mae, mse, nmse, psnr, ssim };
      /* the latest result stands out */
      gboolean latest = k + 1 == self->rows->len && k > 0;
      GtkWidget *name = gtk_label_new (row->name);

      gtk_label_set_xalign (GTK_LABEL (name), 0.0f);
      gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
      gtk_widget_add_css_class (name, latest ? "heading" : "caption");
      gtk_widget_set_margin_top (name, 2);
      gtk_grid_attach (GTK_GRID (grid), name, 0, 2 * (int) k + 1, 5, 1);
      for (int c = 0; c < 5; c++)
        {
          GtkWidget *l = gtk_label_new (cells[c]);
          gtk_label_set_xalign (GTK_LABEL (l), 1.0f);
          gtk_widget_add_css_class (l, "numeric");
          if (latest)
            gtk_widget_add_css_class (l, "heading");
          gtk_grid_attach (GTK_GRID (grid), l, c, 2 * (int) k + 2, 1, 1);
        }
    }
}

/* Noisy / restored / reference / |difference| thumbnails of the slice and
 * the table of MAE, MSE, NMSE, PSNR, SSIM of every result so far. */
void
pel_restore_panel_show_compare (PelRestorePanel   *self,
                                PelRestoreOutcome *o)
{
  GtkWidget *child, *row, *grid, *buttons;
  const PlDipResult *r = self->result;
  gsize n = (gsize) r->h * r->w;

  for (int k = 0; k < 4; k++)
    self->compare_pics[k] = NULL;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->compare_box))) != NULL)
    gtk_box_remove (self->compare_box, child);
  self->has_compare = o->reference != NULL;
  gtk_widget_set_visible (GTK_WIDGET (self->compare_box), self->has_compare);
  if (!self->has_compare)
    return;
  self->compare[0] = o->before;
  self->compare[1] = o->after;
  for (int k = 0; k < 4; k++)
    {
      g_free (self->shown[k]);
      self->shown[k] = g_new (float, n);
    }
  self->shown_h = r->h;
  self->shown_w = r->w;
  self->shown_axis = o->axis;
  self->shown_index = o->index;
  for (gsize i = 0; i < n; i++)
    {
      self->shown[0][i] = o->noisy[i] * o->scale;
      self->shown[1][i] = r->output[i] * o->scale;
      self->shown[2][i] = o->reference[i] * o->scale;
      self->shown[3][i] = fabsf (self->shown[1][i] - self->shown[2][i]);
    }
  {
    g_autofree char *text = g_strdup_printf (_("%s, %s slice %" G_GINT64_FORMAT), o->name,
                                             o->axis_name ? o->axis_name : _("axial"), o->index + 1);
    GtkWidget *l = gtk_label_new (text);
    gtk_label_set_xalign (GTK_LABEL (l), 0.0f);
    gtk_widget_add_css_class (l, "heading");
    gtk_box_append (self->compare_box, l);
  }
  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  gtk_box_set_homogeneous (GTK_BOX (row), TRUE);
  for (int k = 0; k < 4; k++)
    {
      GtkWidget *col = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
      GtkWidget *pic = gtk_picture_new ();
      GtkWidget *label = gtk_label_new (k == 0 && self->input_title ? self->input_title : _(titles[k]));
      GtkGesture *click = gtk_gesture_click_new ();
      g_autoptr (GdkTexture) tex = shown_texture (self, k, TRUE);

      if (tex)
        gtk_picture_set_paintable (GTK_PICTURE (pic), GDK_PAINTABLE (tex));
      gtk_widget_set_size_request (pic, -1, 90);
      gtk_widget_set_tooltip_text (pic, _("Click to move the cursor here; the crosshair is the viewer's cursor"));
      g_signal_connect (click, "pressed", G_CALLBACK (on_picture_pressed), self);
      gtk_widget_add_controller (pic, GTK_EVENT_CONTROLLER (click));
      self->compare_pics[k] = GTK_PICTURE (pic);
      gtk_widget_add_css_class (label, "caption");
      gtk_box_append (GTK_BOX (col), pic);
      gtk_box_append (GTK_BOX (col), label);
      gtk_box_append (GTK_BOX (row), col);
    }
  gtk_box_append (self->compare_box, row);
  grid = gtk_grid_new ();
  gtk_grid_set_column_spacing (GTK_GRID (grid), 8);
  rebuild_table (self, grid);
  gtk_box_append (self->compare_box, grid);
  {
    GtkWidget *note = gtk_label_new (_("One row per result against the kept original: the slice on screen, "
                                       "or every slice of a deep-image-prior range; intensities over the "
                                       "noisy volume's maximum, PSNR (dB) over the reference's range (CT "
                                       "rows: over the slice's maximum, range 1, as pellucid-cli reconstruct). "
                                       "The pictures share the viewer's window and cursor"));
    gtk_label_set_wrap (GTK_LABEL (note), TRUE);
    gtk_label_set_xalign (GTK_LABEL (note), 0.0f);
    gtk_widget_add_css_class (note, "dim-label");
    gtk_box_append (self->compare_box, note);
  }
  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_set_homogeneous (GTK_BOX (buttons), TRUE);
  {
    GtkWidget *csv = gtk_button_new_with_mnemonic (_("Save _Table (CSV)…"));
    GtkWidget *png = gtk_button_new_with_mnemonic (_("Save _Picture (PNG)…"));
    gtk_actionable_set_action_name (GTK_ACTIONABLE (csv), "restore.export-csv-dialog");
    gtk_actionable_set_action_name (GTK_ACTIONABLE (png), "restore.export-png-dialog");
    gtk_box_append (GTK_BOX (buttons), csv);
    gtk_box_append (GTK_BOX (buttons), png);
  }
  gtk_box_append (self->compare_box, buttons);
}

void
pel_restore_panel_clear_rows (PelRestorePanel *self)
{
  g_array_set_size (self->rows, 0);
}

/* ---- export ------------------------------------------------------------- */

static char *
csv_field (const char *s)
{
  if (strpbrk (s, ",\"\n") == NULL)
    return g_strdup (s);
  {
    g_auto (GStrv) parts = g_strsplit (s, "\"", -1);
    g_autofree char *joined = g_strjoinv ("\"\"", parts);
    return g_strdup_printf ("\"%s\"", joined);
  }
}

static gboolean
export_csv (PelRestorePanel *self,
            const char      *path,
            GError         **error)
{
  g_autoptr (GString) text = g_string_new ("method,mae,mse,nmse,psnr,ssim\n");

  if (self->rows->len == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("No results to save yet"));
      return FALSE;
    }
  for (guint k = 0; k < self->rows->len; k++)
    {
      const PelRestoreRow *row = &g_array_index (self->rows, PelRestoreRow, k);
      g_autofree char *name = csv_field (row->name);
      char num[5][G_ASCII_DTOSTR_BUF_SIZE];

      g_ascii_formatd (num[0], sizeof num[0], "%.6g", row->c.mae);
      g_ascii_formatd (num[1], sizeof num[1], "%.6g", row->c.mse);
      g_ascii_formatd (num[2], sizeof num[2], "%.6g", row->c.nmse);
      g_ascii_formatd (num[3], sizeof num[3], "%.4f", row->c.psnr);
      g_ascii_formatd (num[4], sizeof num[4], "%.4f", row->c.ssim);
      g_string_append_printf (text, "%s,%s,%s,%s,%s,%s\n", name, num[0], num[1], num[2], num[3], num[4]);
    }
  return g_file_set_contents (path, text->str, (gssize) text->len, error);
}

/* The four pictures side by side, 4 pixels apart, on black. */
static gboolean
export_png (PelRestorePanel *self,
            const char      *path,
            GError         **error)
{
  GdkTexture *tex[4] = { NULL };
  int tw = 0, th = 0, gap = 4, width, ok = TRUE;
  gsize stride;
  g_autofree guint8 *canvas = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GdkTexture) out = NULL;

  if (self->shown[0] == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("No comparison to save yet"));
      return FALSE;
    }
  for (int k = 0; k < 4; k++)
    {
      tex[k] = shown_texture (self, k, FALSE);
      if (tex[k] == NULL)
        ok = FALSE;
    }
  if (!ok)
    {
      for (int k = 0; k < 4; k++)
        g_clear_object (&tex[k]);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The volume changed since the comparison"));
      return FALSE;
    }
  tw = gdk_texture_get_width (tex[0]);
  th = gdk_texture_get_height (tex[0]);
  width = 4 * tw + 3 * gap;
  stride = (gsize) width * 4;
  canvas = g_malloc0 (stride * th);
  for (int k = 0; k < 4; k++)
    {
      /* GDK_MEMORY_DEFAULT: B8G8R8A8 premultiplied, 4 bytes a pixel */
      gdk_texture_download (tex[k], canvas + (gsize) k * (tw + gap) * 4, stride);
      g_object_unref (tex[k]);
    }
  for (int y = 0; y < th; y++)
    for (int x = 0; x < width; x++)
      canvas[(gsize) y * stride + (gsize) x * 4 + 3] = 255;
  bytes = g_bytes_new_take (g_steal_pointer (&canvas), stride * th);
  out = gdk_memory_texture_new (width, th, GDK_MEMORY_DEFAULT, bytes, stride);
  if (!gdk_texture_save_to_png (out, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Could not write %s"), path);
      return FALSE;
    }
  return TRUE;
}

static void
export (PelRestorePanel *self,
        gboolean         png,
        const char      *path)
{
  g_autoptr (GError) error = NULL;

  if (png ? export_png (self, path, &error) : export_csv (self, path, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Saved %s"), path);
      pel_restore_panel_set_status (self, "io", text, FALSE);
    }
  else
    pel_restore_panel_set_status (self, "io", error->message, TRUE);
}

static void
act_export_csv (GSimpleAction *action,
                GVariant      *param,
                gpointer       user_data)
{
  export (user_data, FALSE, g_variant_get_string (param, NULL));
}

static void
act_export_png (GSimpleAction *action,
                GVariant      *param,
                gpointer       user_data)
{
  export (user_data, TRUE, g_variant_get_string (param, NULL));
}

static void
on_export_response (GtkNativeDialog *native,
                    int              response,
                    gpointer         user_data)
{
  PelRestorePanel *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT && self->document)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path)
        export (self, GPOINTER_TO_INT (g_object_get_data (G_OBJECT (native), "png")), path);
    }
  g_object_unref (native);
  g_object_unref (self);
}

static void
export_dialog (PelRestorePanel *self,
               gboolean         png)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *native =
    gtk_file_chooser_native_new (png ? _("Save Comparison Picture") : _("Save Comparison Table"),
                                 GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                 GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), NULL);

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), png ? "restore-comparison.png" : "restore-comparison.csv");
  g_object_set_data (G_OBJECT (native), "png", GINT_TO_POINTER (png));
  g_signal_connect (native, "response", G_CALLBACK (on_export_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
act_export_csv_dialog (GSimpleAction *action,
                       GVariant      *param,
                       gpointer       user_data)
{
  export_dialog (user_data, FALSE);
}

static void
act_export_png_dialog (GSimpleAction *action,
                       GVariant      *param,
                       gpointer       user_data)
{
  export_dialog (user_data, TRUE);
}

static const GActionEntry export_entries[] = {
  { "export-csv", act_export_csv, "s", NULL, NULL, { 0 } },
  { "export-png", act_export_png, "s", NULL, NULL, { 0 } },
  { "export-csv-dialog", act_export_csv_dialog, NULL, NULL, NULL, { 0 } },
  { "point", act_point, "(ii)", NULL, NULL, { 0 } },
  { "export-png-dialog", act_export_png_dialog, NULL, NULL, NULL, { 0 } },
};

static void
row_clear (gpointer data)
{
  g_free (((PelRestoreRow *) data)->name);
}

void
pel_restore_panel_init_export (PelRestorePanel *self)
{
  self->rows = g_array_new (FALSE, FALSE, sizeof (PelRestoreRow));
  g_array_set_clear_func (self->rows, row_clear);
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), export_entries,
                                   G_N_ELEMENTS (export_entries), self);
}
