/* pel-restore-panel-compare.c: the Restore panel's pictures — the output
 * as it sharpens, and noisy / restored / reference / difference with the
 * table of figures (pel-restore-panel.h). */
#define G_LOG_DOMAIN "pel-restore-panel"

#include "src/pel-restore-panel-private.h"

#include <glib/gi18n.h>
#include <math.h>

#include "engine/data/dataset.h"
#include "engine/data/paint.h"

/* A grey picture of an h × w slice (layout of engine/data/dataset.h) along
 * voxel axis `axis`, under the document's window/level, laid out as the
 * axial view shows it (paint.h: radiological, anterior up). */
static GdkTexture *
make_texture (PelRestorePanel *self,
              const float     *data,
              int              axis,
              int              h,
              int              w,
              double           lo,
              double           window)
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
  pl_slice_frame_init (&frame, v, PL_VIEW_AXIAL);
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
  texture = make_texture (self, data, axis, h, w, level - window / 2.0, window);
  if (texture)
    gtk_picture_set_paintable (self->output_picture, GDK_PAINTABLE (texture));
}

/* Noisy / restored / reference / |difference| thumbnails of the slice and
 * the table of MAE, MSE, NMSE, PSNR, SSIM against the reference. */
void
pel_restore_panel_show_compare (PelRestorePanel *self,
              PelRestoreOutcome      *o)
{
  GtkWidget *child, *row, *grid;
  const PlDipResult *r = self->result;
  gsize n = (gsize) r->h * r->w;
  g_autofree float *noisy = g_new (float, n), *out = g_new (float, n);
  g_autofree float *ref = g_new (float, n), *diff = g_new (float, n);
  const float *images[4] = { noisy, out, ref, diff };
  const char *titles[4] = { N_("noisy"), N_("restored"), N_("reference"), N_("|difference| ×4") };
  const char *heads[6] = { "", "MAE", "MSE", "NMSE", "PSNR", "SSIM" };
  double window, level;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->compare_box))) != NULL)
    gtk_box_remove (self->compare_box, child);
  self->has_compare = o->reference != NULL;
  gtk_widget_set_visible (GTK_WIDGET (self->compare_box), self->has_compare);
  if (!self->has_compare)
    return;
  self->compare[0] = o->before;
  self->compare[1] = o->after;
  for (gsize i = 0; i < n; i++)
    {
      noisy[i] = o->noisy[i] * o->scale;
      out[i] = r->output[i] * o->scale;
      ref[i] = o->reference[i] * o->scale;
      diff[i] = fabsf (out[i] - ref[i]);
    }
  pel_document_get_window_level (self->document, &window, &level);
  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  gtk_box_set_homogeneous (GTK_BOX (row), TRUE);
  for (int k = 0; k < 4; k++)
    {
      GtkWidget *col = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
      GtkWidget *pic = gtk_picture_new ();
      GtkWidget *label = gtk_label_new (_(titles[k]));
      /* the difference: 0 black, a quarter of the window white */
      g_autoptr (GdkTexture) tex = k == 3 ? make_texture (self, images[k], o->axis, r->h, r->w, 0.0, window / 4.0)
                                          : make_texture (self, images[k], o->axis, r->h, r->w,
                                                          level - window / 2.0, window);

      if (tex)
        gtk_picture_set_paintable (GTK_PICTURE (pic), GDK_PAINTABLE (tex));
      gtk_widget_set_size_request (pic, -1, 90);
      gtk_widget_add_css_class (label, "caption");
      gtk_box_append (GTK_BOX (col), pic);
      gtk_box_append (GTK_BOX (col), label);
      gtk_box_append (GTK_BOX (row), col);
    }
  gtk_box_append (self->compare_box, row);
  grid = gtk_grid_new ();
  gtk_grid_set_column_spacing (GTK_GRID (grid), 8);
  for (int c = 0; c < 6; c++)
    {
      GtkWidget *l = gtk_label_new (heads[c]);
      gtk_widget_add_css_class (l, "caption-heading");
      gtk_grid_attach (GTK_GRID (grid), l, c, 0, 1, 1);
    }
  for (int k = 0; k < 2; k++)
    {
      const PlCompare *m = &self->compare[k];
      g_autofree char *mae = g_strdup_printf ("%.4f", m->mae), *mse = g_strdup_printf ("%.5f", m->mse);
      g_autofree char *nmse = g_strdup_printf ("%.4f", m->nmse), *psnr = g_strdup_printf ("%.2f", m->psnr);
      g_autofree char *ssim = g_strdup_printf ("%.3f", m->ssim);
      const char *cells[6] = { k == 0 ? _("noisy") : _("restored"), mae, mse, nmse, psnr, ssim };

      for (int c = 0; c < 6; c++)
        {
          GtkWidget *l = gtk_label_new (cells[c]);
          gtk_label_set_xalign (GTK_LABEL (l), c == 0 ? 0.0f : 1.0f);
          gtk_widget_add_css_class (l, "numeric");
          gtk_grid_attach (GTK_GRID (grid), l, c, k + 1, 1, 1);
        }
    }
  gtk_box_append (self->compare_box, grid);
  {
    GtkWidget *note = gtk_label_new (_("Intensities over the volume's maximum; PSNR (dB) over the reference's range"));
    gtk_label_set_wrap (GTK_LABEL (note), TRUE);
    gtk_label_set_xalign (GTK_LABEL (note), 0.0f);
    gtk_widget_add_css_class (note, "dim-label");
    gtk_box_append (self->compare_box, note);
  }
}