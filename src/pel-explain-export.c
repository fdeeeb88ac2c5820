/* The Explain panel's drawing, faithfulness table and export.  See
 * pel-explain-private.h. */
#define G_LOG_DOMAIN "pel-explain-panel"

#include "src/pel-explain-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "engine/data/dataset.h"
#include "src/pel-panel-kit.h"
#include "src/pel-render.h"

#define GRID_COLUMNS 3
#define GRID_GAP 4

void
explain_map_free (gpointer data)
{
  ExplainMap *m = data;
  g_free (m->map);
  g_free (m->sorted_abs);
  g_free (m);
}

/* ---- drawing -------------------------------------------------------------- */

gboolean
pel_explain_is_signed (PelExplainPanel *self)
{
  return gtk_drop_down_get_selected (self->norm_drop) == 1;
}

float
pel_explain_map_clip (PelExplainPanel  *self,
                      const ExplainMap *m)
{
  double q = gtk_spin_button_get_value (self->clip_spin) / 100.0;
  gsize i = MIN ((gsize) (q * (m->n_sorted - 1) + 0.5), m->n_sorted - 1);
  return MAX (m->sorted_abs[i], 1e-30f);
}

void
pel_explain_render_rgb (PelExplainPanel  *self,
                        const ExplainMap *m,
                        guint8           *rgb,
                        gsize             stride)
{
  const guint8 *hot = pel_colormap_get_lut (PEL_COLORMAP_HOT);
  const guint8 *cool = pel_colormap_get_lut (PEL_COLORMAP_COOLWARM);
  gboolean sgn = pel_explain_is_signed (self);
  float clip = pel_explain_map_clip (self, m), lo = 0.0f, hi = 1.0f;

  if (self->image)
    {
      lo = self->image_lo;
      hi = self->image_hi;
    }
  for (int y = 0; y < m->h; y++)
    for (int x = 0; x < m->w; x++)
      {
        gsize i = (gsize) y * m->w + x;
        guint8 *px = rgb + (gsize) (m->h - 1 - y) * stride + (gsize) x * 3;
        float g = self->image ? CLAMP ((self->image[i] - lo) / MAX (hi - lo, 1e-6f), 0.0f, 1.0f) : 0.0f;
        float v = m->map[i] / clip, a;
        const guint8 *c;
        if (sgn)
          {
            v = CLAMP (v, -1.0f, 1.0f);
            c = cool + 3 * (int) lrintf ((v + 1.0f) * 127.5f);
            a = fabsf (v);
          }
        else
          {
            v = MIN (fabsf (v), 1.0f);
            c = hot + 3 * (int) lrintf (v * 255.0f);
            a = v;
          }
        for (int k = 0; k < 3; k++)
          px[k] = (guint8) lrintf ((1.0f - a) * 255.0f * g + a * c[k]);
      }
}

GdkTexture *
pel_explain_render_thumb (PelExplainPanel  *self,
                          const ExplainMap *m)
{
  gsize stride = (gsize) m->w * 3;
  g_autoptr (GBytes) bytes = NULL;
  guint8 *rgb = g_malloc ((gsize) m->h * stride);

  pel_explain_render_rgb (self, m, rgb, stride);
  bytes = g_bytes_new_take (rgb, (gsize) m->h * stride);
  return gdk_memory_texture_new (m->w, m->h, GDK_MEMORY_R8G8B8, bytes, stride);
}

/* ---- the table ------------------------------------------------------------ */

static GtkWidget *
cell (const char *text,
      gboolean    numeric)
{
  GtkWidget *l = gtk_label_new (text);
  gtk_label_set_xalign (GTK_LABEL (l), numeric ? 1.0f : 0.0f);
  gtk_label_set_ellipsize (GTK_LABEL (l), PANGO_ELLIPSIZE_END);
  if (numeric)
    gtk_widget_add_css_class (l, "numeric");
  return l;
}

static char *
area_text (double a)
{
  return isnan (a) ? g_strdup ("—") : g_strdup_printf ("%.3f", a);
}

void
pel_explain_rebuild_table (PelExplainPanel *self)
{
  static const char *const heads[] = { N_("Method"), N_("ms"), N_("Deletion ↓"), N_("Insertion ↑"),
                                       N_("Sanity") };
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->table))))
    gtk_grid_remove (self->table, child);
  if (!self->maps->len)
    return;
  for (int c = 0; c < 5; c++)
    {
      GtkWidget *h = cell (_(heads[c]), c > 0);
      gtk_widget_add_css_class (h, "dim-label");
      gtk_grid_attach (self->table, h, c, 0, 1, 1);
    }
  for (guint i = 0; i < self->maps->len; i++)
    {
      const ExplainMap *m = g_ptr_array_index (self->maps, i);
      g_autofree char *ms = g_strdup_printf ("%.0f", m->ms);
      g_autofree char *del = area_text (m->deletion), *ins = area_text (m->insertion);
      GtkWidget *name = cell (m->method->label, FALSE);

      gtk_widget_set_hexpand (name, TRUE);
      gtk_grid_attach (self->table, name, 0, i + 1, 1, 1);
      gtk_grid_attach (self->table, cell (ms, TRUE), 1, i + 1, 1, 1);
      gtk_grid_attach (self->table, cell (del, TRUE), 2, i + 1, 1, 1);
      gtk_grid_attach (self->table, cell (ins, TRUE), 3, i + 1, 1, 1);
      {
        int v = pel_explain_sanity_verdict (self, m->method, NULL);
        gtk_grid_attach (self->table, cell (v < 0 ? "—" : v ? _("pass") : _("fail"), TRUE), 4, i + 1, 1, 1);
      }
    }
}

/* ---- export --------------------------------------------------------------- */

struct ExportTask
{
  char         *path;
  /* PNG */
  GdkTexture   *texture;
  /* NIfTI: the map on the slice of the volume */
  PelVolumeRef *volume;
  float        *slice;     /* (h, w), NaN nowhere: zero off the window */
  int           axis;
  gint64        index;
};

void
pel_explain_export_task_free (ExportTask *t)
{
  g_free (t->path);
  g_clear_object (&t->texture);
  g_clear_pointer (&t->volume, pel_volume_ref_unref);
  g_free (t->slice);
  g_free (t);
}

static gpointer
export_func (gpointer  data,
             PelLive  *live,
             GError  **error)
{
  ExportTask *t = data;

  pel_live_progress (live, 0, 1);
  if (t->texture)
    {
      pel_live_message (live, _("Writing the grid"));
      if (!gdk_texture_save_to_png (t->texture, t->path))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Could not write %s"), t->path);
          return NULL;
        }
    }
  else
    {
      const PlVolume *v = pel_volume_ref_get (t->volume);
      g_autoptr (PlVolume) heat = pl_volume_copy (v);
      gsize n = (gsize) v->dim[0] * v->dim[1] * v->dim[2], sh, sw, off;
      int h, w;

      pel_live_message (live, _("Writing the map"));
      memset (heat->data, 0, n * sizeof (float));
      pl_slice_dims (v->dim, t->axis, &h, &w);
      pl_slice_strides (v->dim, t->axis, t->index, &sh, &sw, &off);
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          heat->data[off + y * sh + x * sw] = t->slice[(gsize) y * w + x];
      pl_volume_update_stats (heat);
      if (!pl_volume_save (heat, t->path, error))
        return NULL;
    }
  pel_live_progress (live, 1, 1);
  return t;
}

static void
on_export_finished (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  PelExplainPanel *self = user_data;
  g_autoptr (GError) error = NULL;

  pel_live_run_finish (self->run, result, &error);
  if (error)
    pel_explain_set_status (self, "export", error->message, TRUE);
  else if (self->export_task)
    {
      g_autofree char *text = g_strdup_printf (_("Saved %s."), self->export_task->path);
      pel_explain_set_status (self, "export", text, FALSE);
    }
  g_clear_pointer (&self->export_task, pel_explain_export_task_free);
  pel_explain_update_actions (self);
  g_object_unref (self);
}

static gboolean
export_start (PelExplainPanel *self,
              ExportTask      *t)
{
  if (pel_live_run_get_running (self->run))
    {
      pel_explain_export_task_free (t);
      pel_explain_set_status (self, "export", _("Wait for the computation to end."), TRUE);
      return FALSE;
    }
  self->export_task = t;
  pel_explain_set_status (self, "export", NULL, FALSE);
  pel_live_run_reset (self->run);
  pel_live_run_start (self->run, export_func, t, NULL, on_export_finished, g_object_ref (self));
  pel_explain_update_actions (self);
  return TRUE;
}

void
pel_explain_export_grid (PelExplainPanel *self,
                         const char      *path)
{
  ExportTask *t;
  const ExplainMap *m0;
  int cols, rows, width, height;
  gsize stride;
  guint8 *rgb;
  g_autoptr (GBytes) bytes = NULL;

  if (!self->maps->len)
    {
      pel_explain_set_status (self, "export", _("Compute some maps first."), TRUE);
      return;
    }
  /* every map is on the same slice: tiles of one size, drawn here (a few
   * milliseconds), written on the worker */
  m0 = g_ptr_array_index (self->maps, 0);
  cols = MIN (self->maps->len, GRID_COLUMNS);
  rows = (self->maps->len + GRID_COLUMNS - 1) / GRID_COLUMNS;
  width = cols * m0->w + (cols - 1) * GRID_GAP;
  height = rows * m0->h + (rows - 1) * GRID_GAP;
  stride = (gsize) width * 3;
  rgb = g_malloc ((gsize) height * stride);
  memset (rgb, 255, (gsize) height * stride);
  for (guint i = 0; i < self->maps->len; i++)
    {
      const ExplainMap *m = g_ptr_array_index (self->maps, i);
      int r = i / GRID_COLUMNS, c = i % GRID_COLUMNS;
      pel_explain_render_rgb (self, m, rgb + (gsize) r * (m0->h + GRID_GAP) * stride
                                       + (gsize) c * (m0->w + GRID_GAP) * 3, stride);
    }
  bytes = g_bytes_new_take (rgb, (gsize) height * stride);
  t = g_new0 (ExportTask, 1);
  t->path = g_strdup (path);
  t->texture = gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8, bytes, stride);
  export_start (self, t);
}

void
pel_explain_export_map (PelExplainPanel *self,
                        const char      *path)
{
  const ExplainMap *m;
  ExportTask *t;

  if (self->shown < 0 || (guint) self->shown >= self->maps->len)
    {
      pel_explain_set_status (self, "export", _("Show a map on the slice first."), TRUE);
      return;
    }
  m = g_ptr_array_index (self->maps, self->shown);
  {
    const PlVolume *v = pel_document_get_volume (self->document);
    if (!v || memcmp (v->dim, self->dim, sizeof self->dim) != 0)
      {
        pel_explain_set_status (self, "export", _("The volume changed since the maps were computed."), TRUE);
        return;
      }
  }
  t = g_new0 (ExportTask, 1);
  t->path = g_strdup (path);
  t->volume = pel_document_ref_volume (self->document);
  t->slice = g_memdup2 (m->map, (gsize) m->h * m->w * sizeof (float));
  t->axis = self->axis;
  t->index = self->index;
  export_start (self, t);
}

static void
on_export_response (GtkNativeDialog *native,
                    int              response,
                    gpointer         user_data)
{
  PelExplainPanel *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT && self->document)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path && g_object_get_data (G_OBJECT (native), "png"))
        pel_explain_export_grid (self, path);
      else if (path)
        pel_explain_export_map (self, path);
    }
  g_object_unref (native);
  g_object_unref (self);
}

void
pel_explain_export_dialog (PelExplainPanel *self,
                           gboolean         png)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *native =
    gtk_file_chooser_native_new (png ? _("Save the Grid of Maps") : _("Save the Map as a Heat Map"),
                                 GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                 GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), NULL);

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native),
                                     png ? "explanations.png" : "explanation.nii.gz");
  g_object_set_data (G_OBJECT (native), "png", GINT_TO_POINTER (png));
  g_signal_connect (native, "response", G_CALLBACK (on_export_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

void
pel_explain_panel_get_map_areas (PelExplainPanel *self,
                                 guint            i,
                                 double          *deletion,
                                 double          *insertion)
{
  const ExplainMap *m;

  g_return_if_fail (i < self->maps->len);
  m = g_ptr_array_index (self->maps, i);
  *deletion = m->deletion;
  *insertion = m->insertion;
}
