/* Slices of several cases stacked as one training volume.  See case-bank.h. */
#define G_LOG_DOMAIN "pl-case-bank"

#include "engine/cases/case-bank.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "engine/core/error.h"
#include "engine/data/dataset.h"
#include "engine/nn/infer.h"

/* Slices gathered so far, each already in the bank's layout (slice pixel
 * (y, x) at y + h·x), one after the other; the buffers grow by realloc,
 * which moves large blocks without copying them (mremap), so gathering
 * never holds two copies. */
typedef struct
{
  float   *x;
  guint16 *l;
  gsize    used, capacity;      /* pixels */
  GArray  *info;                /* SliceInfo */
} Gather;

typedef struct
{
  guint  kase;
  gint64 slice;
  int    h, w;
} SliceInfo;

struct _PlCaseBank
{
  PlVolume *volume;
  PlLabels *labels;
  guint    *case_of;    /* per bank slice */
  gint64   *slice_of;
  gint64    n_painted;
  guint     n_cases_painted;
  gint64    live_first;
};

void
pl_case_bank_options_init (PlCaseBankOptions *options)
{
  memset (options, 0, sizeof *options);
  options->unlabelled_per_case = 8;
  options->live_case = -1;
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
take_slice (Gather         *g,
            guint           kase,
            const PlVolume *v,
            const PlLabels *l,
            int             axis,
            gint64          z,
            float          *tmp_x,
            guint16        *tmp_l)
{
  SliceInfo info = { kase, z, 0, 0 };
  gsize hw;

  pl_slice_dims (v->dim, axis, &info.h, &info.w);
  hw = (gsize) info.h * info.w;
  if (g->used + hw > g->capacity)
    {
      g->capacity = MAX (g->capacity * 3 / 2, g->used + hw);
      g->x = g_renew (float, g->x, g->capacity);
      g->l = g_renew (guint16, g->l, g->capacity);
    }
  pl_volume_get_slice (v, axis, z, tmp_x);
  if (l)
    pl_labels_get_slice (l, axis, z, tmp_l);
  else
    memset (tmp_l, 0, hw * sizeof (guint16));
  for (int y = 0; y < info.h; y++)
    for (int x = 0; x < info.w; x++)
      {
        g->x[g->used + y + (gsize) info.h * x] = tmp_x[(gsize) y * info.w + x];
        g->l[g->used + y + (gsize) info.h * x] = tmp_l[(gsize) y * info.w + x];
      }
  g->used += hw;
  g_array_append_val (g->info, info);
}

PlCaseBank *
pl_case_bank_new (PlCohort                *cohort,
                  const PlCaseBankOptions *options,
                  GError                 **error)
{
  PlCaseBankOptions defaults;
  Gather g = { NULL, NULL, 0, 0, g_array_new (FALSE, FALSE, sizeof (SliceInfo)) };
  g_autofree float *tmp_x = NULL;
  g_autofree guint16 *tmp_l = NULL;
  gsize tmp_size = 0;
  gboolean same_size = TRUE;
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
  bank->live_first = -1;
  for (guint i = 0; i < n; i++)
    {
      const PlCase *c = pl_cohort_get_case (cohort, i);
      g_autoptr (PlVolume) v = NULL;
      g_autoptr (PlLabels) l = NULL;
      g_autofree gint64 *counts = NULL;
      g_autoptr (GArray) unpainted = g_array_new (FALSE, FALSE, sizeof (gint64));
      int axis, u = MAX (options->unlabelled_per_case, 0);
      gint64 depth, painted = 0;

      if ((int) i == options->live_case && options->live_volume)
        {
          int h, w;

          v = pl_volume_copy (options->live_volume);
          pl_case_normalise (v);
          axis = pl_volume_axial_axis (v);
          pl_slice_dims (v->dim, axis, &h, &w);
          if ((gsize) h * w > tmp_size)
            {
              tmp_size = (gsize) h * w;
              tmp_x = g_renew (float, tmp_x, tmp_size);
              tmp_l = g_renew (guint16, tmp_l, tmp_size);
            }
          bank->live_first = g.info->len;
          for (gint64 z = 0; z < v->dim[axis]; z++)
            take_slice (&g, i, v, NULL, axis, z, tmp_x, tmp_l);
          if (!pl_progress_report (options->progress, (double) (i + 1) / n, c->name))
            {
              pl_progress_set_cancelled_error (error);
              goto fail;
            }
          continue;
        }
      if (!pl_case_load (c, &v, c->labels_path ? &l : NULL, error))
        goto fail;
      pl_case_normalise (v);
      axis = pl_volume_axial_axis (v);
      depth = v->dim[axis];
      {
        int h, w;
        pl_slice_dims (v->dim, axis, &h, &w);
        if ((gsize) h * w > tmp_size)
          {
            tmp_size = (gsize) h * w;
            tmp_x = g_renew (float, tmp_x, tmp_size);
            tmp_l = g_renew (guint16, tmp_l, tmp_size);
          }
      }
      counts = g_new0 (gint64, depth);
      if (l)
        pl_labels_count_slices (l, axis, counts);
      for (gint64 z = 0; z < depth; z++)
        {
          if (counts[z] > 0)
            {
              take_slice (&g, i, v, l, axis, z, tmp_x, tmp_l);
              painted++;
            }
          else
            g_array_append_val (unpainted, z);
        }
      /* Evenly spaced unpainted slices, centred in their bins. */
      for (int k = 0; k < u && unpainted->len > 0 && (guint) k < unpainted->len; k++)
        {
          guint at = (guint) (((2 * k + 1) * (gint64) unpainted->len) / (2 * MIN ((gint64) u, (gint64) unpainted->len)));
          take_slice (&g, i, v, NULL, axis, g_array_index (unpainted, gint64, at), tmp_x, tmp_l);
        }
      bank->n_painted += painted;
      bank->n_cases_painted += painted > 0;
      if (!pl_progress_report (options->progress, (double) (i + 1) / n, c->name))
        {
          pl_progress_set_cancelled_error (error);
          goto fail;
        }
    }
  if (bank->n_painted == 0 && bank->live_first < 0)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "%s: no case has painted voxels to train on", pl_cohort_get_root (cohort));
      goto fail;
    }
  for (guint s = 0; s < g.info->len; s++)
    {
      const SliceInfo *si = &g_array_index (g.info, SliceInfo, s);
      H = MAX (H, si->h);
      W = MAX (W, si->w);
      same_size = same_size && si->h == g_array_index (g.info, SliceInfo, 0).h
                  && si->w == g_array_index (g.info, SliceInfo, 0).w;
    }
  /* Bank layout (dataset.h): along axis 2, slice pixel (y, x) is voxel
   * (i = y, j = x), the layout the slices were gathered in. */
  dim[0] = H;
  dim[1] = W;
  dim[2] = g.info->len;
  bank->volume = pl_volume_new (dim, pixdim, NULL);
  bank->labels = pl_labels_new (dim);
  bank->case_of = g_new (guint, g.info->len);
  bank->slice_of = g_new (gint64, g.info->len);
  for (guint s = 0; s < g.info->len; s++)
    {
      bank->case_of[s] = g_array_index (g.info, SliceInfo, s).kase;
      bank->slice_of[s] = g_array_index (g.info, SliceInfo, s).slice;
    }
  if (same_size)
    {
      /* The gathered buffers are the bank: no copy. */
      g_free (bank->volume->data);
      g_free (bank->labels->data);
      bank->volume->data = g_renew (float, g.x, g.used);
      bank->labels->data = g_renew (guint16, g.l, g.used);
      g.x = NULL;
      g.l = NULL;
    }
  else
    {
      /* Other in-plane sizes: centred in (H, W), padded with 0. */
      gsize at = 0;
      for (guint s = 0; s < g.info->len; s++)
        {
          const SliceInfo *si = &g_array_index (g.info, SliceInfo, s);
          int oy = (H - si->h) / 2, ox = (W - si->w) / 2;
          for (int x = 0; x < si->w; x++)
            for (int y = 0; y < si->h; y++)
              {
                gsize i = pl_slice_voxel (dim, 2, s, y + oy, x + ox);
                bank->volume->data[i] = g.x[at + y + (gsize) si->h * x];
                bank->labels->data[i] = g.l[at + y + (gsize) si->h * x];
              }
          at += (gsize) si->h * si->w;
        }
    }
  g_free (g.x);
  g_free (g.l);
  g_array_unref (g.info);
  pl_volume_update_stats (bank->volume);
  return g_steal_pointer (&bank);

fail:
  g_free (g.x);
  g_free (g.l);
  g_array_unref (g.info);
  return NULL;
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

gint64
pl_case_bank_get_live_first (const PlCaseBank *bank)
{
  return bank->live_first;
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

gboolean
pl_case_predict_uncertain (PlModel           *model,
                           const PlCase      *kase,
                           const PlProgress  *progress,
                           PlVolume         **volume_out,
                           PlLabels         **labels_out,
                           double            *mean_entropy,
                           int               *axis_out,
                           GArray           **slice_entropy,
                           GError           **error)
{
  g_autoptr (PlVolume) v = NULL;
  g_autoptr (PlLabels) l = NULL;
  g_autoptr (GArray) per_slice = NULL;
  g_autofree float *probs = NULL;
  g_autofree guint16 *lab = NULL;
  int saved_axis = model->axis, axis, h, w, k = pl_model_n_outputs (model);
  double total = 0.0;
  gint64 depth;
  gsize hw;

  g_return_val_if_fail (model != NULL && kase != NULL && labels_out != NULL, FALSE);

  if (!pl_case_load (kase, &v, NULL, error))
    return FALSE;
  if (pl_model_is_per_case (model))
    {
      pl_case_normalise (v);
      model->axis = pl_volume_axial_axis (v);
    }
  axis = model->axis;
  depth = v->dim[axis];
  pl_slice_dims (v->dim, axis, &h, &w);
  hw = (gsize) h * w;
  probs = g_new (float, hw * k);
  lab = g_new (guint16, hw);
  l = pl_labels_new (v->dim);
  per_slice = g_array_sized_new (FALSE, FALSE, sizeof (double), (guint) depth);
  for (gint64 z = 0; z < depth; z++)
    {
      double sum = 0.0;

      pl_model_predict_slice (model, v, z, probs, lab);
      pl_labels_set_slice (l, axis, z, lab);
      for (gsize i = 0; i < hw; i++)
        {
          if (k == 1)
            {
              double p = CLAMP (probs[i], 1e-7f, 1.0f - 1e-7f);
              sum -= p * log (p) + (1.0 - p) * log (1.0 - p);
            }
          else
            for (int c = 0; c < k; c++)
              {
                double p = probs[(gsize) c * hw + i];
                if (p > 1e-12)
                  sum -= p * log (p);
              }
        }
      total += sum;
      sum /= (double) hw;
      g_array_append_val (per_slice, sum);
      if (!pl_progress_report (progress, (double) (z + 1) / depth, kase->name))
        {
          model->axis = saved_axis;
          pl_progress_set_cancelled_error (error);
          return FALSE;
        }
    }
  model->axis = saved_axis;
  if (mean_entropy)
    *mean_entropy = total / ((double) hw * depth);
  if (axis_out)
    *axis_out = axis;
  if (slice_entropy)
    *slice_entropy = g_steal_pointer (&per_slice);
  if (volume_out)
    *volume_out = g_steal_pointer (&v);
  *labels_out = g_steal_pointer (&l);
  return TRUE;
}
