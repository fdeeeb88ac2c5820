/* The Explain panel's computation: the model, the worker and its task,
 * Compute.  See pel-explain-private.h. */
#define G_LOG_DOMAIN "pel-explain-panel"

#include "src/pel-explain-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/data/dataset.h"
#include "engine/explain/sanity.h"
#include "src/pel-train-panel.h"

#define FAITH_STEPS 20   /* deletion / insertion: 5 % of the pixels a step */

/* The worker's task: copies of everything it needs. */
struct ExplainTask
{
  PlModel                *model;
  PelVolumeRef           *volume;
  int                     axis;
  gint64                  index;
  PlExplainTarget         target;
  GPtrArray              *methods;   /* const PlExplainMethod * */
  PelLive                *live;
  PlExplainer            *ex;
  int                     h, w;
  guint8                 *mask;      /* painted region on the slice, or NULL */
  gboolean                faithful;  /* deletion and insertion areas too */
  gboolean                sanity;    /* a sanity check instead of maps */
  PlSanityMode            mode;
};

void
pel_explain_task_free (Task *t)
{
  g_clear_pointer (&t->model, pl_model_free);
  g_clear_pointer (&t->volume, pel_volume_ref_unref);
  g_clear_pointer (&t->methods, g_ptr_array_unref);
  g_free (t->mask);
  g_free (t);
}



/* ---- the model ------------------------------------------------------------ */

/* The Train panel beside this one in the side bar, or NULL. */
static PelTrainPanel *
find_train_panel (PelExplainPanel *self)
{
  GtkWidget *stack = gtk_widget_get_ancestor (GTK_WIDGET (self), GTK_TYPE_STACK);
  GtkWidget *train = stack ? gtk_stack_get_child_by_name (GTK_STACK (stack), "train") : NULL;

  return train && PEL_IS_TRAIN_PANEL (train) ? PEL_TRAIN_PANEL (train) : NULL;
}

PlModel *
pel_explain_current_model (PelExplainPanel *self)
{
  PelTrainPanel *train = find_train_panel (self);
  return train ? pel_train_panel_get_model (train) : NULL;
}

static PlModel *
copy_model (const PlModel *m)
{
  PlModel *c = pl_model_new (pl_unet_copy (m->unet), m->n_classes, m->class_values,
                             (const char *const *) m->class_names);

  c->norm_offset = m->norm_offset;
  c->norm_divisor = m->norm_divisor;
  c->axis = m->axis;
  c->train_h = m->train_h;
  c->train_w = m->train_w;
  c->context = m->context;
  c->coords = m->coords;
  pl_model_set_training (c, m->training);
  return c;
}

/* ---- the worker ----------------------------------------------------------- */

static int
cmp_float (const void *a,
           const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return x < y ? -1 : x > y;
}

/* A map of the window (wh, ww) as the panel keeps it: on the slice, with
 * its sorted |values| for the percentile clip. */
static ExplainMap *
map_new (Task *t, const PlExplainMethod *method, const float *map, int wh, int ww)
{
  ExplainMap *m = g_new0 (ExplainMap, 1);
  gsize n = (gsize) wh * ww;

  m->method = method;
  m->h = t->h;
  m->w = t->w;
  pl_explainer_get_offset (t->ex, &m->oy, &m->ox);
  m->wh = wh;
  m->ww = ww;
  m->map = g_new (float, (gsize) t->h * t->w);
  pl_explainer_to_slice (t->ex, map, t->h, t->w, m->map);
  m->deletion = m->insertion = m->relevance_sum = NAN;
  m->sorted_abs = g_new (float, n);
  m->n_sorted = n;
  for (gsize i = 0; i < n; i++)
    m->sorted_abs[i] = fabsf (map[i]);
  qsort (m->sorted_abs, n, sizeof (float), cmp_float);
  return m;
}

static void
on_map (const PlExplainResult *r,
        gpointer               user_data)
{
  Task *t = user_data;
  ExplainMap *m = map_new (t, r->method, r->map, r->h, r->w);
  g_autofree char *name = g_strdup_printf ("map-%u", r->index);

  m->ms = r->ms;
  m->score = r->info.score;
  m->relevance_sum = r->info.relevance_sum;
  if (t->faithful && !pel_live_cancelled (t->live))
    {
      pel_live_message (t->live, _("Deletion and insertion"));
      m->deletion = pl_explain_faithfulness (t->ex, r->map, FAITH_STEPS, 0.0f, FALSE, NULL);
      m->insertion = pl_explain_faithfulness (t->ex, r->map, FAITH_STEPS, 0.0f, TRUE, NULL);
    }
  pel_live_publish_boxed (t->live, name, m, explain_map_free);
  pel_live_progress (t->live, r->index + 1, t->methods->len);
}

static void
on_sanity (const PlSanityResult *r,
           gpointer              user_data)
{
  Task *t = user_data;
  SanityMap *s = g_new0 (SanityMap, 1);
  g_autofree char *name = g_strdup_printf ("sanity-%u-%d", r->method_index, r->stage);

  s->map = map_new (t, r->method, r->map, r->h, r->w);
  s->method_index = r->method_index;
  s->stage = r->stage;
  s->n_randomised = r->n_randomised;
  s->layer = g_strdup (r->layer);
  s->sim = r->sim;
  pel_live_publish_boxed (t->live, name, s, pel_explain_sanity_map_free);
}

static gpointer
explain_func (gpointer  data,
              PelLive  *live,
              GError  **error)
{
  Task *t = data;
  const PlVolume *v = pel_volume_ref_get (t->volume);
  gboolean ok;

  t->live = live;
  pl_slice_dims (v->dim, t->axis, &t->h, &t->w);
  pel_live_progress (live, 0, t->methods->len);
  pel_live_message (live, _("Preparing the slice"));
  t->target.mask = t->mask;
  t->ex = pl_explainer_new_from_volume (t->model, v, t->axis, t->index, &t->target, error);
  if (!t->ex)
    return NULL;
  {
    gsize n = pl_explainer_region_size (t->ex);
    g_autofree char *text = g_strdup_printf (g_dngettext (NULL, "Score %.4g over %" G_GSIZE_FORMAT " pixel",
                                                          "Score %.4g over %" G_GSIZE_FORMAT " pixels", n),
                                             pl_explainer_score (t->ex), n);
    pel_live_status (live, "score", text);
  }
  if (t->sanity)
    {
      pel_live_message (live, t->mode == PL_SANITY_CASCADE ? _("Randomising from the head down")
                                                           : _("Randomising one layer at a time"));
      ok = pl_sanity_run (t->ex, t->model->unet, (const PlExplainMethod *const *) t->methods->pdata, NULL,
                          t->methods->len, t->mode, NULL, 0, 1, on_sanity, t,
                          pel_live_get_progress (live), error);
    }
  else
    ok = pl_explain_run (t->ex, (const PlExplainMethod *const *) t->methods->pdata, NULL, t->methods->len,
                         on_map, t, pel_live_get_progress (live), error);
  g_clear_pointer (&t->ex, pl_explainer_free);
  t->live = NULL;
  return ok ? t : NULL;
}

static void
on_finished (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  PelExplainPanel *self = user_data;
  g_autoptr (GError) error = NULL;

  pel_live_run_finish (self->run, result, &error);
  /* stopped inside a method: the maps so far stay */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_clear_error (&error);
  if (error)
    pel_explain_set_status (self, "explain", error->message, TRUE);
  else if (self->task && self->task->sanity)
    pel_explain_set_status (self, "explain", pel_live_run_get_running (self->run) ? NULL
                            : _("Sanity check done: the strip shows each stage's map."), FALSE);
  else if (self->task && self->maps->len < self->task->methods->len)
    {
      g_autofree char *text = g_strdup_printf (_("Stopped: %u of %u maps."), self->maps->len,
                                               self->task->methods->len);
      pel_explain_set_status (self, "explain", text, FALSE);
    }
  else
    {
      g_autofree char *text = g_strdup_printf (g_dngettext (NULL, "%u map: click one to show it on the slice.",
                                                            "%u maps: click one to show it on the slice.",
                                                            self->maps->len),
                                               self->maps->len);
      pel_explain_set_status (self, "explain", text, FALSE);
    }
  g_clear_pointer (&self->task, pel_explain_task_free);
  pel_explain_update_actions (self);
  g_object_unref (self);
}

static void
start (PelExplainPanel *self,
       gboolean         sanity)
{
  PlModel *model = pel_explain_current_model (self);
  const PlVolume *v = pel_document_get_volume (self->document);
  guint sel = gtk_drop_down_get_selected (self->class_drop);
  Task *t;
  gint64 ijk[3];
  gboolean keep_maps;
  guint16 value;
  int cls, a, b;
  guint n_methods;
  const PlExplainMethod *methods = pl_explain_methods (&n_methods);

  if (!model || !v || sel >= self->class_values->len || pel_live_run_get_running (self->run))
    return;
  value = g_array_index (self->class_values, guint16, sel);
  cls = pl_model_class_of (model, value);
  if (cls < 0)
    {
      g_autofree char *text = g_strdup_printf (_("The model does not predict label %u."), value);
      pel_explain_set_status (self, "explain", text, TRUE);
      return;
    }
  t = g_new0 (Task, 1);
  t->methods = g_ptr_array_new ();
  for (guint i = 0; i < n_methods; i++)
    if (gtk_check_button_get_active (g_ptr_array_index (self->method_checks, i)))
      g_ptr_array_add (t->methods, (gpointer) &methods[i]);
  if (!t->methods->len)
    {
      pel_explain_set_status (self, "explain", _("Choose at least one method."), TRUE);
      pel_explain_task_free (t);
      return;
    }
  pel_document_get_cursor (self->document, ijk);
  t->axis = pl_volume_axial_axis (v);
  t->index = ijk[t->axis];
  a = t->axis == 0 ? 1 : 0;
  b = t->axis == 2 ? 1 : 2;
  t->target.cls = cls;
  switch (gtk_drop_down_get_selected (self->region_drop))
    {
    case 1:
      t->target.region = PL_EXPLAIN_REGION_PIXEL;
      break;
    case 2:
      {
        /* the class's painted voxels on the slice */
        int sh, sw;
        gsize n, painted = 0;
        g_autofree guint16 *lab = NULL;

        pl_slice_dims (v->dim, t->axis, &sh, &sw);
        n = (gsize) sh * sw;
        lab = g_new (guint16, n);
        pel_document_copy_label_slice (self->document, t->axis, t->index, lab);
        t->mask = g_new (guint8, n);
        for (gsize i = 0; i < n; i++)
          painted += (t->mask[i] = lab[i] == value);
        if (!painted)
          {
            g_autofree char *text = g_strdup_printf (_("Label %u is not painted on this slice."), value);
            pel_explain_set_status (self, "explain", text, TRUE);
            pel_explain_task_free (t);
            return;
          }
        t->target.region = PL_EXPLAIN_REGION_MASK;
      }
      break;
    default:
      t->target.region = PL_EXPLAIN_REGION_PREDICTED;
    }
  t->faithful = gtk_check_button_get_active (self->faithful_check);
  t->sanity = sanity;
  t->mode = gtk_drop_down_get_selected (self->sanity_mode_drop) == 1 ? PL_SANITY_INDEPENDENT
                                                                      : PL_SANITY_CASCADE;
  t->target.y = (int) ijk[a];
  t->target.x = (int) ijk[b];
  t->model = copy_model (model);
  t->volume = pel_document_ref_volume (self->document);

  /* the slice under the thumbnails; a sanity check keeps the maps of
   * the same slice */
  keep_maps = sanity && self->axis == t->axis && self->index == t->index
              && memcmp (self->dim, v->dim, sizeof self->dim) == 0;
  memcpy (self->dim, v->dim, sizeof self->dim);
  self->axis = t->axis;
  self->index = t->index;
  pl_slice_dims (v->dim, t->axis, &self->image_h, &self->image_w);
  g_free (self->image);
  self->image = g_new (float, (gsize) self->image_h * self->image_w);
  pl_volume_get_slice (v, t->axis, t->index, self->image);
  {
    gsize n = (gsize) self->image_h * self->image_w;
    g_autofree float *sorted = g_memdup2 (self->image, n * sizeof (float));
    qsort (sorted, n, sizeof (float), cmp_float);
    self->image_lo = sorted[(gsize) (0.01 * (n - 1))];
    self->image_hi = sorted[(gsize) (0.99 * (n - 1))];
  }

  pel_explain_sanity_clear (self);
  if (!keep_maps)
    {
      g_ptr_array_set_size (self->maps, 0);
      pel_explain_rebuild_grid (self);
      self->shown = -1;
      pel_document_set_heat_map (self->document, NULL);
    }
  pel_explain_set_status (self, "score", NULL, FALSE);
  pel_explain_set_status (self, "explain", t->sanity ? _("Sanity check…") : _("Computing…"), FALSE);
  self->task = t;
  pel_live_run_reset (self->run);
  pel_live_run_start (self->run, explain_func, t, NULL, on_finished, g_object_ref (self));
  pel_explain_update_actions (self);
}

void
pel_explain_compute (PelExplainPanel *self)
{
  start (self, FALSE);
}

void
pel_explain_sanity (PelExplainPanel *self)
{
  start (self, TRUE);
}
