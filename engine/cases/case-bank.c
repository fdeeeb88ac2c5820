/* Slices of several cases stacked as one training volume.  See case-bank.h. */
#define G_LOG_DOMAIN "pl-case-bank"

#include "engine/cases/case-bank.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "engine/core/error.h"
#include "engine/data/dataset.h"
#include "engine/nn/infer.h"

typedef struct
{
  guint   kase;
  gint64  slice;
  int     h, w;
  float  *x;        /* (h, w) normalised */
  guint16 *l;       /* (h, w) */
} Slice;

struct _PlCaseBank
{
  PlVolume *volume;
  PlLabels *labels;
  guint    *case_of;    /* per bank slice */
  gint64   *slice_of;
  gint64    n_painted;
  guint     n_cases_painted;
};

void
pl_case_bank_options_init (PlCaseBankOptions *options)
{
  memset (options, 0, sizeof *options);
  options->unlabelled_per_case = 8;
}

void
pl_case_normalise (PlVolume *volume)
{
  float lo, hi;
  gsize n = pl_volume_n_voxels (volume);
  double scale;

  pl_volume_percentiles (volume, 0.5, 99.5, &lo, &hi);
  scale = hi > lo ? 1.0 / (hi - lo) : 1.0;
  for (gsize i = 0; i < n; i++)
    volume->data[i] = (float) CLAMP ((volume->data[i] - lo) * scale, -0.5, 1.5);
  pl_volume_update_stats (volume);
}

static void
slice_free (gpointer p)
{
  Slice *s = p;
  g_free (s->x);
  g_free (s->l);
  g_free (s);
}

static void
take_slice (GPtrArray      *out,
            guint           kase,
            const PlVolume *v,
            const PlLabels *l,
            int             axis,
            gint64          z)
{
  Slice *s = g_new0 (Slice, 1);
  s->kase = kase;
  s->slice = z;
  pl_slice_dims (v->dim, axis, &s->h, &s->w);
  s->x = g_new (float, (gsize) s->h * s->w);
  s->l = g_new (guint16, (gsize) s->h * s->w);
  pl_volume_get_slice (v, axis, z, s->x);
  if (l)
    pl_labels_get_slice (l, axis, z, s->l);
  else
    memset (s->l, 0, (gsize) s->h * s->w * sizeof (guint16));
  g_ptr_array_add (out, s);
}

PlCaseBank *
pl_case_bank_new (PlCohort                *cohort,
                  const PlCaseBankOptions *options,
                  GError                 **error)
{
  PlCaseBankOptions defaults;
  g_autoptr (GPtrArray) slices = g_ptr_array_new_with_free_func (slice_free);
  g_autoptr (PlCaseBank) bank = g_new0 (PlCaseBank, 1);
  guint n = pl_cohort_get_n (cohort);
  int H = 0, W = 0;
  gint64 dim[3];
  const double pixdim[3] = { 1.0, 1.0, 1.0 };

  if (options == NULL)
    {
      pl_case_bank_options_init (&defaults);
      options = &defaults;
    }
  for (guint i = 0; i < n; i++)
    {
      const PlCase *c = pl_cohort_get_case (cohort, i);
      g_autoptr (PlVolume) v = NULL;
      g_autoptr (PlLabels) l = NULL;
      g_autofree gint64 *counts = NULL;
      g_autoptr (GArray) unpainted = g_array_new (FALSE, FALSE, sizeof (gint64));
      int axis, u = MAX (options->unlabelled_per_case, 0);
      gint64 depth, painted = 0;

      if (!pl_case_load (c, &v, c->labels_path ? &l : NULL, error))
        return NULL;
      pl_case_normalise (v);
      axis = pl_volume_axial_axis (v);
      depth = v->dim[axis];
      counts = g_new0 (gint64, depth);
      if (l)
        pl_labels_count_slices (l, axis, counts);
      for (gint64 z = 0; z < depth; z++)
        {
          if (counts[z] > 0)
            {
              take_slice (slices, i, v, l, axis, z);
              painted++;
            }
          else
            g_array_append_val (unpainted, z);
        }
      /* Evenly spaced unpainted slices, centred in their bins. */
      for (int k = 0; k < u && unpainted->len > 0 && (guint) k < unpainted->len; k++)
        {
          guint at = (guint) (((2 * k + 1) * (gint64) unpainted->len) / (2 * MIN ((gint64) u, (gint64) unpainted->len)));
          take_slice (slices, i, v, NULL, axis, g_array_index (unpainted, gint64, at));
        }
      bank->n_painted += painted;
      bank->n_cases_painted += painted > 0;
      if (!pl_progress_report (options->progress, (double) (i + 1) / n, c->name))
        return pl_progress_set_cancelled_error (error), NULL;
    }
  if (bank->n_painted == 0)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "%s: no case has painted voxels to train on", pl_cohort_get_root (cohort));
      return NULL;
    }
  for (guint s = 0; s < slices->len; s++)
    {
      const Slice *sl = g_ptr_array_index (slices, s);
      H = MAX (H, sl->h);
      W = MAX (W, sl->w);
    }
  /* Bank layout (dataset.h): along axis 2, slice pixel (y, x) is voxel
   * (i = y, j = x). */
  dim[0] = H;
  dim[1] = W;
  dim[2] = slices->len;
  bank->volume = pl_volume_new (dim, pixdim, NULL);
  bank->labels = pl_labels_new (dim);
  bank->case_of = g_new (guint, slices->len);
  bank->slice_of = g_new (gint64, slices->len);
  for (guint s = 0; s < slices->len; s++)
    {
      Slice *sl = g_ptr_array_index (slices, s);
      int oy = (H - sl->h) / 2, ox = (W - sl->w) / 2;
      g_autofree float *xf = g_new0 (float, (gsize) H * W);
      g_autofree guint16 *lf = g_new0 (guint16, (gsize) H * W);
      for (int y = 0; y < sl->h; y++)
        {
          memcpy (xf + (gsize) (y + oy) * W + ox, sl->x + (gsize) y * sl->w, sl->w * sizeof (float));
          memcpy (lf + (gsize) (y + oy) * W + ox, sl->l + (gsize) y * sl->w, sl->w * sizeof (guint16));
        }
      for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
          {
            gsize i = pl_slice_voxel (dim, 2, s, y, x);
            bank->volume->data[i] = xf[(gsize) y * W + x];
            bank->labels->data[i] = lf[(gsize) y * W + x];
          }
      bank->case_of[s] = sl->kase;
      bank->slice_of[s] = sl->slice;
      /* Free each slice as soon as it is in the bank. */
      g_clear_pointer (&sl->x, g_free);
      g_clear_pointer (&sl->l, g_free);
    }
  pl_volume_update_stats (bank->volume);
  return g_steal_pointer (&bank);
}

void
pl_case_bank_free (PlCaseBank *bank)
{
  if (bank == NULL)
    return;
  pl_volume_free (bank->volume);
  pl_labels_free (bank->labels);
  g_free (bank->case_of);
  g_free (bank->slice_of);
  g_free (bank);
}

const PlVolume *
pl_case_bank_get_volume (const PlCaseBank *bank)
{
  return bank->volume;
}

const PlLabels *
pl_case_bank_get_labels (const PlCaseBank *bank)
{
  return bank->labels;
}

guint
pl_case_bank_get_case (const PlCaseBank *bank,
                       gint64            s,
                       gint64           *case_slice)
{
  g_return_val_if_fail (s >= 0 && s < bank->volume->dim[2], 0);
  if (case_slice)
    *case_slice = bank->slice_of[s];
  return bank->case_of[s];
}

gint64
pl_case_bank_get_n_painted (const PlCaseBank *bank)
{
  return bank->n_painted;
}

guint
pl_case_bank_get_n_cases_painted (const PlCaseBank *bank)
{
  return bank->n_cases_painted;
}

gsize
pl_case_bank_get_bytes (const PlCaseBank *bank)
{
  gsize n = pl_volume_n_voxels (bank->volume);
  return n * (sizeof (float) + sizeof (guint16))
         + (gsize) bank->volume->dim[2] * (sizeof (guint) + sizeof (gint64));
}

void
pl_case_bank_mark_model (const PlCaseBank *bank,
                         PlModel          *model)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;
  JsonObject *o;

  if (model->training && json_parser_load_from_data (parser, model->training, -1, NULL)
      && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    root = json_node_copy (json_parser_get_root (parser));
  else
    root = json_node_init_object (json_node_alloc (), json_object_new ());
  o = json_node_get_object (root);
  json_object_set_string_member (o, "normalisation", "per-case-percentile");
  json_object_set_int_member (o, "cases_painted", bank->n_cases_painted);
  json_object_set_int_member (o, "painted_slices", bank->n_painted);
  json_object_set_int_member (o, "bank_slices", bank->volume->dim[2]);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  pl_model_set_training (model, text);
  model->norm_offset = 0.0;
  model->norm_divisor = 1.0;
}

gboolean
pl_model_is_per_case (const PlModel *model)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!model->training || !json_parser_load_from_data (parser, model->training, -1, NULL))
    return FALSE;
  root = json_parser_get_root (parser);
  return JSON_NODE_HOLDS_OBJECT (root)
         && g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (root),
                                                                   "normalisation", ""),
                       "per-case-percentile") == 0;
}

gboolean
pl_case_predict (PlModel           *model,
                 const PlCase      *kase,
                 int                batch,
                 const PlProgress  *progress,
                 PlVolume         **volume_out,
                 PlLabels         **labels_out,
                 GError           **error)
{
  g_autoptr (PlVolume) v = NULL;
  g_autoptr (PlLabels) l = NULL;
  int saved_axis = model->axis;
  gboolean ok;

  g_return_val_if_fail (model != NULL && kase != NULL && labels_out != NULL, FALSE);

  if (!pl_case_load (kase, &v, NULL, error))
    return FALSE;
  if (pl_model_is_per_case (model))
    {
      pl_case_normalise (v);
      model->axis = pl_volume_axial_axis (v);
    }
  l = pl_labels_new (v->dim);
  ok = pl_model_predict_volume (model, v, batch, NULL, l, progress, error);
  model->axis = saved_axis;
  if (!ok)
    return FALSE;
  if (volume_out)
    *volume_out = g_steal_pointer (&v);
  *labels_out = g_steal_pointer (&l);
  return TRUE;
}
