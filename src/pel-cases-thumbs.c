/* PelCasesPanel: the thumbnail of every case and the painted-slice count
 * of its segmentation, made on a worker one case after another; a case
 * whose image or segmentation cannot be read is named in the window.  See
 * pel-cases-panel-private.h. */
#define G_LOG_DOMAIN "pel-cases-panel"

#include "src/pel-cases-panel-private.h"

#include <glib/gi18n.h>

#include "engine/data/labels.h"
#include "engine/data/volume.h"

typedef struct
{
  char  *path;
  char  *labels_path;   /* NULL: none */
  guint  index;
} ThumbData;

typedef struct
{
  guint   index;
  int     width, height;
  GBytes *rgb;
  gint64  painted_slices;   /* axial slices holding a label; −1 unknown */
  char   *labels_error;     /* why its segmentation cannot be read, or NULL */
} Thumb;

static void
thumb_data_free (gpointer p)
{
  ThumbData *d = p;
  g_free (d->path);
  g_free (d->labels_path);
  g_free (d);
}

static void
thumb_free (gpointer p)
{
  Thumb *t = p;
  g_bytes_unref (t->rgb);
  g_free (t->labels_error);
  g_free (t);
}

/* Worker thread: the middle axial slice (voxel axis k), 1st-99th
 * percentile window, nearest-sampled to PEL_CASES_THUMB pixels, radiological. */
static void
thumb_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  ThumbData *d = task_data;
  GError *error = NULL;
  g_autoptr (PlVolume) v = pl_volume_load (d->path, 0, NULL, &error);
  Thumb *t;
  guint8 *rgb;
  float lo, hi;
  double step;
  gint64 k;

  if (v == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  pl_volume_percentiles (v, 1.0, 99.0, &lo, &hi);
  if (!(hi > lo))
    hi = lo + 1.0f;
  step = (double) MAX (v->dim[0], v->dim[1]) / PEL_CASES_THUMB;
  t = g_new0 (Thumb, 1);
  t->index = d->index;
  t->width = MAX (1, (int) (v->dim[0] / step));
  t->height = MAX (1, (int) (v->dim[1] / step));
  rgb = g_malloc ((gsize) t->width * t->height * 3);
  k = v->dim[2] / 2;
  for (int y = 0; y < t->height; y++)
    for (int x = 0; x < t->width; x++)
      {
        /* radiological, for the usual RAS-stored file: the patient's right
         * (i falling) on the left, anterior (j growing) at the top */
        gint64 i = MAX (v->dim[0] - 1 - (gint64) (x * step), 0);
        gint64 j = MIN ((gint64) ((t->height - 1 - y) * step), v->dim[1] - 1);
        float value = v->data[i + v->dim[0] * (j + v->dim[1] * k)];
        double g = CLAMP ((value - lo) / (hi - lo), 0.0, 1.0) * 255.0;
        guint8 *p = rgb + 3 * ((gsize) y * t->width + x);
        p[0] = p[1] = p[2] = (guint8) g;
      }
  t->rgb = g_bytes_new_take (rgb, (gsize) t->width * t->height * 3);
  /* the painted slices of its segmentation, counted here rather than
   * when the case is opened */
  t->painted_slices = -1;
  if (d->labels_path)
    {
      g_autoptr (GError) labels_error = NULL;
      g_autoptr (PlLabels) labels = pl_labels_load (d->labels_path, v, &labels_error);
      if (labels == NULL)
        t->labels_error = g_strdup (labels_error->message);
      else
        {
          g_autofree gint64 *counts = g_new0 (gint64, v->dim[2]);
          pl_labels_count_slices (labels, 2, counts);
          t->painted_slices = 0;
          for (gint64 s = 0; s < v->dim[2]; s++)
            t->painted_slices += counts[s] > 0;
        }
    }
  g_task_return_pointer (task, t, thumb_free);
}

/* A case that cannot be read: in its row, and named in the window with
 * every other such case found so far. */
static void
report_problem (PelCasesPanel *self,
                guint          index,
                const char    *what,
                const char    *why)
{
  PlCase *kase = pl_cohort_get_case (self->cohort, index);
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->list, (int) index);
  g_autofree char *joined = NULL;
  g_autofree char *text = NULL;

  /* Translators: a case's name, "image" or "segmentation", the reason */
  g_ptr_array_add (self->problems, g_strdup_printf (_("%s (its %s: %s)"), kase->name, what, why));
  if (row)
    {
      GtkLabel *state = g_object_get_data (G_OBJECT (row), "pel-state");
      g_autofree char *line = g_strdup_printf (_("cannot read its %s"), what);
      gtk_widget_set_tooltip_text (GTK_WIDGET (row), why);
      if (state)
        gtk_label_set_text (state, line);
    }
  g_ptr_array_add (self->problems, NULL);
  joined = g_strjoinv ("; ", (char **) self->problems->pdata);
  g_ptr_array_remove_index (self->problems, self->problems->len - 1);
  if (self->problems->len == 1)
    text = g_strdup_printf (_("A case cannot be read: %s"), joined);
  else
    text = g_strdup_printf (_("%u cases cannot be read: %s"), self->problems->len, joined);
  pel_cases_panel_notice (self, GTK_MESSAGE_WARNING, text);
}

static void
thumb_done (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (PelCasesPanel) self = user_data;
  g_autoptr (GError) error = NULL;
  Thumb *t = g_task_propagate_pointer (G_TASK (result), &error);
  ThumbData *d = g_task_get_task_data (G_TASK (result));

  if (g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))) || self->cohort == NULL)
    {
      g_clear_pointer (&t, thumb_free);
      return;
    }
  if (t)
    {
      GdkTexture *texture = gdk_memory_texture_new (t->width, t->height, GDK_MEMORY_R8G8B8, t->rgb,
                                                    (gsize) t->width * 3);
      PlCase *kase = pl_cohort_get_case (self->cohort, t->index);

      g_ptr_array_index (self->textures, t->index) = texture;
      self->n_thumbnails++;
      /* the open case's count follows its painting instead */
      if (t->painted_slices >= 0 && (int) t->index != self->current
          && (kase->state == PL_CASE_UNTOUCHED || kase->state == PL_CASE_PAINTED))
        {
          kase->painted_slices = t->painted_slices;
          kase->state = t->painted_slices > 0 ? PL_CASE_PAINTED : PL_CASE_UNTOUCHED;
          pel_cases_panel_update_summary (self);
        }
      pel_cases_panel_update_row (self, t->index);
      if (t->labels_error)
        report_problem (self, t->index, _("segmentation"), t->labels_error);
      thumb_free (t);
    }
  else
    {
      g_autoptr (GBytes) black = g_bytes_new_static ("\0\0\0", 3);
      g_ptr_array_index (self->textures, d->index) = gdk_memory_texture_new (1, 1, GDK_MEMORY_R8G8B8, black, 3);
      pel_cases_panel_update_row (self, d->index);
      report_problem (self, d->index, _("image"), error->message);
    }
  pel_cases_thumbs_start (self);
}

void
pel_cases_thumbs_start (PelCasesPanel *self)
{
  g_autoptr (GTask) task = NULL;
  ThumbData *d;
  guint i;

  if (self->cohort == NULL)
    return;
  for (i = 0; i < self->textures->len; i++)
    if (g_ptr_array_index (self->textures, i) == NULL)
      break;
  if (i == self->textures->len)
    return;
  d = g_new0 (ThumbData, 1);
  d->path = g_strdup (pl_cohort_get_case (self->cohort, i)->image_path);
  d->labels_path = g_strdup (pl_cohort_get_case (self->cohort, i)->labels_path);
  d->index = i;
  task = g_task_new (NULL, self->thumbnailing, thumb_done, g_object_ref (self));
  g_task_set_task_data (task, d, thumb_data_free);
  g_task_set_priority (task, G_PRIORITY_LOW);
  g_task_run_in_thread (task, thumb_thread);
}

