/* Held-out evaluation on Colin27 shared by the few-shot benchmarks.  See
 * colin27-eval.h. */
#define G_LOG_DOMAIN "pellucid-cli"

#include "src/cli/colin27-eval.h"

#include <string.h>

#include "engine/data/dataset.h"
#include "engine/data/metrics.h"
#include "engine/nn/infer.h"
#include "engine/nn/slice-input.h"
#include "engine/ops/ops.h"

const char *
pel_colin27_data_dir (void)
{
  const char *dir = g_getenv ("PELLUCID_DATA");
  return dir && *dir ? dir : "../shared/data";
}

/* Held-out slices: the truth holds a brain label (≠ 0, 1) and the sparse
 * map nothing. */
void
pel_colin27_eval_init (PelColin27Eval *e, const PlVolume *v, const PlLabels *truth,
                       const PlLabels *sparse, int axis)
{
  int h, w;
  g_autofree guint16 *a = NULL, *b = NULL;

  pl_slice_dims (v->dim, axis, &h, &w);
  a = g_new (guint16, (gsize) h * w);
  b = g_new (guint16, (gsize) h * w);
  e->volume = v;
  e->truth = truth;
  e->axis = axis;
  e->n_held = 0;
  e->skip = g_new (guint8, pl_labels_n_voxels (truth));
  memset (e->skip, 1, pl_labels_n_voxels (truth));
  for (gint64 z = 0; z < v->dim[axis]; z++)
    {
      gboolean brain = FALSE, labelled = FALSE;
      pl_labels_get_slice (truth, axis, z, a);
      pl_labels_get_slice (sparse, axis, z, b);
      for (gsize i = 0; i < (gsize) h * w; i++)
        {
          brain |= a[i] > 1;
          labelled |= b[i] != 0;
        }
      if (brain && !labelled)
        {
          e->n_held++;
          for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
              e->skip[pl_slice_voxel (v->dim, axis, z, y, x)] = 0;
        }
    }
}

/* Predicts the held-out slices with `unet` in the training crop (outside:
 * label 1) and returns the Dice of labels 1…4 and their mean over 2…4. */
double
pel_colin27_eval_dice (const PelColin27Eval *e, const PlModel *model, PlUnet *unet, double dice[PEL_COLIN27_N_LABELS])
{
  static const guint16 values[PEL_COLIN27_N_LABELS] = { 1, 2, 3, 4 };
  int h, w, wh, ww, oy, ox, K = model->n_classes;
  g_autoptr (PlLabels) pred = pl_labels_new (e->volume->dim);
  g_autoptr (PlTape) tape = pl_tape_new (256 << 20);
  g_autofree float *slice = NULL, *x = NULL;
  g_autofree gint64 *zs = g_new (gint64, e->volume->dim[e->axis]);
  gint64 n = 0;

  pl_slice_dims (e->volume->dim, e->axis, &h, &w);
  pl_fit_window (h, w, pl_unet_config_multiple (pl_unet_get_config (unet)), PL_FIT_CROP,
                 &wh, &ww, &oy, &ox);
  slice = g_new (float, (gsize) h * w);
  x = g_new (float, (gsize) 8 * pl_model_input_channels (model) * wh * ww);
  pl_tape_set_grad_enabled (tape, FALSE);
  for (gint64 z = 0; z < e->volume->dim[e->axis]; z++)
    if (!e->skip[pl_slice_voxel (e->volume->dim, e->axis, z, 0, 0)])
      zs[n++] = z;
  for (gsize i = 0; i < pl_labels_n_voxels (pred); i++)
    pred->data[i] = 1;
  for (gint64 s = 0; s < n; s += 8)
    {
      int m = (int) MIN (8, n - s);
      gsize plane = (gsize) wh * ww;
      PlTensor *p;
      int C = pl_model_input_channels (model);
      pl_tape_reset (tape);
      for (int i = 0; i < m; i++)
        pl_model_slice_input (model, e->volume, zs[s + i], oy, ox, wh, ww, slice, x + (gsize) i * C * plane);
      p = pl_unet_forward (unet, tape, pl_tape_wrap (tape, m, C, wh, ww, x, FALSE), NULL);
      for (int i = 0; i < m; i++)
        for (int y = 0; y < wh; y++)
          for (int xx = 0; xx < ww; xx++)
            {
              const float *pp = p->data + (gsize) i * K * plane + (gsize) y * ww + xx;
              int best = 0;
              for (int c = 1; c < K; c++)
                if (pp[c * plane] > pp[best * plane])
                  best = c;
              pred->data[pl_slice_voxel (e->volume->dim, e->axis, zs[s + i], y + oy, xx + ox)]
                = model->class_values[best];
            }
    }
  pl_dice_per_value (pred->data, e->truth->data, pl_labels_n_voxels (pred), e->skip, values,
                     PEL_COLIN27_N_LABELS, dice);
  return (dice[1] + dice[2] + dice[3]) / 3.0;
}

