/* Whole-volume and single-slice prediction, with MC dropout. */
#define G_LOG_DOMAIN "pl-infer"

#include "engine/nn/infer.h"
#include "engine/nn/slice-input.h"
#include "engine/data/dataset.h"
#include "engine/kernels/conv-private.h"
#include "engine/ops/loss.h"
#include "engine/ops/ops.h"
#include "engine/ops/tape.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

int
pl_model_n_outputs (const PlModel *model)
{
  return pl_unet_get_config (model->unet)->n_classes;
}

typedef struct
{
  const float *x, *s;   /* logits (n, K, hw), log σ² (n, 1, hw) */
  float       *p;       /* (n, K, hw) */
  gsize        hw, npix;
  int          K, S;
  guint64      seed;
  gint64       first;
} DrawJob;

static void
draw_part (int part, int n_parts, gpointer data)
{
  const DrawJob *j = data;
  gsize chunk = (j->npix + n_parts - 1) / n_parts;
  gsize lo = MIN (j->npix, (gsize) part * chunk), hi = MIN (j->npix, lo + chunk);
  int K = j->K;
  double z[256];

  for (gsize q = lo; q < hi; q++)
    {
      gsize n = q / j->hw, i = q % j->hw;
      const float *x = j->x + n * K * j->hw + i;
      float *out = j->p + n * K * j->hw + i;
      guint64 pixel = (guint64) (j->first * (gint64) j->hw) + q;
      double sigma = exp (0.5 * (double) j->s[q]), acc[256];
      for (int c = 0; c < K; c++)
        acc[c] = 0.0;
      for (int t = 0; t < j->S; t++)
        {
          double m = -INFINITY, se = 0.0;
          for (int c = 0; c < K; c++)
            {
              z[c] = x[c * j->hw] + sigma * pl_aleatoric_noise (j->seed, pixel, t, c);
              m = fmax (m, z[c]);
            }
          for (int c = 0; c < K; c++)
            se += (z[c] = exp (z[c] - m));
          for (int c = 0; c < K; c++)
            acc[c] += z[c] / se;
        }
      for (int c = 0; c < K; c++)
        out[c * j->hw] = (float) (acc[c] / j->S);
    }
}

PlTensor *
pl_model_probabilities (PlModel *model, PlTape *tape, PlTensor *logits, const PlTensor *log_var,
                        int samples, guint64 seed, gint64 first)
{
  DrawJob j;
  PlTensor *p;

  if (!log_var || samples <= 0 || pl_unet_get_config (model->unet)->output != PL_OUTPUT_SOFTMAX)
    return pl_unet_output (model->unet, tape, logits);
  g_return_val_if_fail (logits->c <= 256, NULL);
  p = pl_tape_tensor (tape, logits->n, logits->c, logits->h, logits->w);
  j.x = logits->data;
  j.s = log_var->data;
  j.p = p->data;
  j.hw = (gsize) logits->h * logits->w;
  j.npix = (gsize) logits->n * j.hw;
  j.K = logits->c;
  j.S = samples;
  j.seed = seed;
  j.first = first;
  /* pixels are independent: the split does not change any value */
  pl_conv_parallel (j.npix >= 4096 ? 16 : 1, pl_conv_threads (), draw_part, &j);
  return p;
}

/* Probabilities of the batch x (slices first …) as prediction gives them. */
static PlTensor *
predict_batch (PlModel *model, PlTape *tape, PlTensor *x, gint64 first)
{
  PlUnetRun run = { 0 };
  PlTensor *y = pl_unet_forward (model->unet, tape, x, &run);
  return pl_model_probabilities (model, tape, y, run.log_var, PL_ALEATORIC_PREDICT_SAMPLES, 0, first);
}

void
pl_model_normalise (const PlModel *model, const float *src, gsize n, float *dst)
{
  float off = (float) model->norm_offset, inv = (float) (1.0 / model->norm_divisor);
  for (gsize i = 0; i < n; i++)
    dst[i] = (src[i] - off) * inv;
}

void
pl_model_frame_init (PlFrame *g, const PlModel *model, const PlVolume *volume)
{
  int m = pl_unet_config_multiple (pl_unet_get_config (model->unet));
  PlWindow *c = &g->win[0], *p = &g->win[1];

  g->axis = model->axis;
  pl_slice_dims (volume->dim, g->axis, &g->h, &g->w);
  pl_fit_window (g->h, g->w, m, PL_FIT_CROP, &c->wh, &c->ww, &c->oy, &c->ox);
  pl_fit_window (g->h, g->w, m, PL_FIT_PAD, &p->wh, &p->ww, &p->oy, &p->ox);
  /* A slice smaller than a multiple in some direction has no crop there. */
  if (c->wh <= 0 || c->ww <= 0)
    {
      *c = *p;
      g->n_win = 1;
    }
  else
    g->n_win = (c->wh == g->h && c->ww == g->w) || model->border == PL_BORDER_NEAREST ? 1 : 2;
  g->max_plane = MAX ((gsize) c->wh * c->ww, g->n_win > 1 ? (gsize) p->wh * p->ww : 0);
  g->n_slices = volume->dim[g->axis];
  g->n_voxels = pl_volume_n_voxels (volume);
}

/* Whether window `wi` gives the prediction of slice pixel (y, x): a single
 * window every pixel (the crop's nearest pixel outside it); of two, the
 * crop inside itself, the padded window everywhere else. */
gboolean
pl_model_frame_owns (const PlFrame *g, int wi, int y, int x)
{
  const PlWindow *c = &g->win[0];
  gboolean in_crop = y >= c->oy && y < c->oy + c->wh && x >= c->ox && x < c->ox + c->ww;
  if (g->n_win == 1)
    return wi == 0;
  return wi == 0 ? in_crop : !in_crop;
}

gsize
pl_window_index (const PlWindow *w, int y, int x)
{
  return (gsize) CLAMP (y - w->oy, 0, w->wh - 1) * w->ww + CLAMP (x - w->ox, 0, w->ww - 1);
}

void
pl_model_frame_fill (const PlModel *model, const PlVolume *volume, const PlFrame *g,
                     const PlWindow *w, gint64 first, int n, float *slice, float *x)
{
  gsize input = (gsize) pl_model_input_channels (model) * w->wh * w->ww;

  (void) g;
  for (int s = 0; s < n; s++)
    pl_model_slice_input (model, volume, first + s, w->oy, w->ox, w->wh, w->ww, slice, x + s * input);
}

void
pl_model_frame_scatter (const PlVolume *volume, const PlFrame *g, int wi, gint64 first, int n,
                        int K, const float *maps, float *dst)
{
  const PlWindow *w = &g->win[wi];
  for (int s = 0; s < n; s++)
    for (int c = 0; c < K; c++)
      {
        const float *mp = maps + ((gsize) s * K + c) * w->wh * w->ww;
        float *d = dst + (gsize) c * g->n_voxels;
        gsize sh, sw, off;
        pl_slice_strides (volume->dim, g->axis, first + s, &sh, &sw, &off);
        for (int y = 0; y < g->h; y++)
          {
            float *drow = d + off + y * sh;
            for (int x = 0; x < g->w; x++)
              if (pl_model_frame_owns (g, wi, y, x))
                drow[x * sw] = mp[pl_window_index (w, y, x)];
          }
      }
}

static guint16
label_of (const PlModel *model, const float *p, gsize stride, int K)
{
  if (K == 1)
    return p[0] >= 0.5f ? model->class_values[0] : 0;
  {
    int best = 0;
    for (int c = 1; c < K; c++)
      if (p[c * stride] > p[best * stride])
        best = c;
    return best < model->n_classes ? model->class_values[best] : 0;
  }
}

void
pl_model_frame_scatter_labels (const PlModel *model, const PlVolume *volume, const PlFrame *g, int wi,
                gint64 first, int n, int K, const float *probs, PlLabels *labels)
{
  const PlWindow *w = &g->win[wi];
  gsize plane = (gsize) w->wh * w->ww;
  for (int s = 0; s < n; s++)
    {
      gsize sh, sw, off;
      pl_slice_strides (volume->dim, g->axis, first + s, &sh, &sw, &off);
      for (int y = 0; y < g->h; y++)
        for (int x = 0; x < g->w; x++)
          if (pl_model_frame_owns (g, wi, y, x))
            {
              const float *p = probs + (gsize) s * K * plane + pl_window_index (w, y, x);
              labels->data[off + y * sh + x * sw] = label_of (model, p, plane, K);
            }
    }
}

static gboolean
check_args (PlModel *model, const PlVolume *volume, PlLabels *labels, GError **error)
{
  if (pl_unet_get_config (model->unet)->in_channels != pl_model_input_channels (model))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "the model takes %d input channels; its slices give %d",
                   pl_unet_get_config (model->unet)->in_channels, pl_model_input_channels (model));
      return FALSE;
    }
  if (labels && memcmp (labels->dim, volume->dim, sizeof volume->dim) != 0)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_GRID_MISMATCH,
                   "label map and volume differ in size");
      return FALSE;
    }
  return TRUE;
}

gboolean
pl_model_predict_volume (PlModel *model, const PlVolume *volume, int batch, float *probs,
                         PlLabels *labels, const PlProgress *progress, GError **error)
{
  PlFrame g;
  int K = pl_model_n_outputs (model);
  g_autoptr (PlTape) tape = NULL;
  g_autofree float *slice = NULL;

  if (!check_args (model, volume, labels, error))
    return FALSE;
  pl_model_frame_init (&g, model, volume);
  batch = MAX (batch, 1);
  tape = pl_tape_new ((gsize) batch * g.max_plane * 4 * 140);
  pl_tape_set_grad_enabled (tape, FALSE);
  slice = g_new (float, (gsize) g.h * g.w);
  for (gint64 first = 0; first < g.n_slices; first += batch)
    for (int wi = 0; wi < g.n_win; wi++)
      {
        const PlWindow *w = &g.win[wi];
        int n = (int) MIN (batch, g.n_slices - first);
        PlTensor *x, *p;
        if (!pl_progress_report (progress, (first + (double) wi / g.n_win * n) / g.n_slices, NULL))
          return pl_progress_set_cancelled_error (error);
        pl_tape_reset (tape);
        x = pl_tape_tensor (tape, n, pl_model_input_channels (model), w->wh, w->ww);
        pl_model_frame_fill (model, volume, &g, w, first, n, slice, x->data);
        p = predict_batch (model, tape, x, first);
        if (probs)
          pl_model_frame_scatter (volume, &g, wi, first, n, K, p->data, probs);
        if (labels)
          pl_model_frame_scatter_labels (model, volume, &g, wi, first, n, K, p->data, labels);
      }
  pl_progress_report (progress, 1.0, NULL);
  return TRUE;
}

/* MC dropout's running sums over the passes, split over the engine's
 * threads (points are independent: no value depends on the split). */
typedef struct
{
  const float *x;        /* pass: logits (softmax here) or probabilities, (n, K, plane) */
  gboolean     logits;
  float       *s1, *s2;  /* Σ p, Σ p² (s2 NULL: no variance asked for);
                            after the passes mean and variance */
  float       *entropy;  /* (n, plane), or NULL */
  gsize        plane, npix;
  int          K, passes;
} McJob;

static void
mc_add_part (int part, int n_parts, gpointer data)
{
  const McJob *j = data;
  gsize chunk = (j->npix + n_parts - 1) / n_parts;
  gsize lo = MIN (j->npix, (gsize) part * chunk), hi = MIN (j->npix, lo + chunk);
  int K = j->K;

  for (gsize q = lo; q < hi; q++)
    {
      gsize i = q / j->plane * K * j->plane + q % j->plane;
      const float *x = j->x + i;
      float *s1 = j->s1 + i, *s2 = j->s2 ? j->s2 + i : NULL;
      if (j->logits)
        {
          /* pl_softmax's arithmetic, so the probabilities are its own */
          float m = x[0], se = 0.0f, e[256];
          for (int c = 1; c < K; c++)
            m = fmaxf (m, x[c * j->plane]);
          for (int c = 0; c < K; c++)
            se += (e[c] = expf (x[c * j->plane] - m));
          se = 1.0f / se;
          for (int c = 0; c < K; c++)
            {
              float p = e[c] * se;
              s1[c * j->plane] += p;
              if (j->s2)
                s2[c * j->plane] += p * p;
            }
        }
      else
        for (int c = 0; c < K; c++)
          {
            float p = x[c * j->plane];
            s1[c * j->plane] += p;
            if (j->s2)
              s2[c * j->plane] += p * p;
          }
    }
}

/* s1 ← mean, s2 ← variance (clamped at 0); the entropy of the mean. */
static void
mc_finish_part (int part, int n_parts, gpointer data)
{
  const McJob *j = data;
  gsize chunk = (j->npix + n_parts - 1) / n_parts;
  gsize lo = MIN (j->npix, (gsize) part * chunk), hi = MIN (j->npix, lo + chunk);
  int K = j->K;

  for (gsize q = lo; q < hi; q++)
    {
      gsize i = q / j->plane * K * j->plane + q % j->plane;
      double h = 0.0;
      for (int c = 0; c < K; c++)
        {
          float *s1 = j->s1 + i + c * j->plane;
          float m = *s1 / j->passes;
          *s1 = m;
          if (j->s2)
            j->s2[i + c * j->plane] = MAX (j->s2[i + c * j->plane] / j->passes - m * m, 0.0f);
          if (m > 1e-12f)
            h -= m * log (m);
        }
      if (j->entropy)
        j->entropy[q] = (float) h;
    }
}

static void
mc_run (McJob *j, PlConvTaskFn fn)
{
  pl_conv_parallel (j->npix >= 4096 ? 16 : 1, pl_conv_threads (), fn, j);
}

gboolean
pl_model_predict_volume_mc (PlModel *model, const PlVolume *volume, int batch, int passes,
                            guint64 seed, float *mean, float *var, float *entropy,
                            PlLabels *labels, const PlProgress *progress, GError **error)
{
  PlFrame g;
  int K = pl_model_n_outputs (model);
  gboolean softmax = pl_unet_get_config (model->unet)->output == PL_OUTPUT_SOFTMAX;
  g_autoptr (PlTape) tape = NULL;
  g_autofree float *slice = NULL, *s1 = NULL, *s2 = NULL, *ent = NULL;
  PlRng rng;

  if (!check_args (model, volume, labels, error))
    return FALSE;
  if (passes < 1)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID, "MC dropout needs at least one pass");
      return FALSE;
    }
  if (K > 256)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID, "MC dropout takes at most 256 classes");
      return FALSE;
    }
  pl_model_frame_init (&g, model, volume);
  batch = MAX (batch, 1);
  pl_rng_init (&rng, seed);
  tape = pl_tape_new ((gsize) batch * g.max_plane * 4 * 160);
  pl_tape_set_grad_enabled (tape, FALSE);
  slice = g_new (float, (gsize) g.h * g.w);
  /* the sums live outside the tape, made once */
  s1 = g_new (float, (gsize) batch * K * g.max_plane);
  if (var)
    s2 = g_new (float, (gsize) batch * K * g.max_plane);
  if (entropy)
    ent = g_new (float, (gsize) batch * g.max_plane);
  for (gint64 first = 0; first < g.n_slices; first += batch)
    for (int wi = 0; wi < g.n_win; wi++)
      {
        const PlWindow *w = &g.win[wi];
        int n = (int) MIN (batch, g.n_slices - first);
        gsize plane = (gsize) w->wh * w->ww, nk = (gsize) n * K * plane;
        McJob j = { NULL, FALSE, s1, s2, ent, plane, (gsize) n * plane, K, passes };
        PlTensor *x;
        PlUnetEncoded *enc;
        PlArenaMark mark;

        if (!pl_progress_report (progress, (double) first / g.n_slices, NULL))
          return pl_progress_set_cancelled_error (error);
        pl_tape_reset (tape);
        x = pl_tape_tensor (tape, n, pl_model_input_channels (model), w->wh, w->ww);
        pl_model_frame_fill (model, volume, &g, w, first, n, slice, x->data);
        memset (s1, 0, nk * sizeof (float));
        if (s2)
          memset (s2, 0, nk * sizeof (float));
        enc = pl_unet_encode (model->unet, tape, x);
        mark = pl_arena_mark (pl_tape_get_arena (tape));
        for (int t = 0; t < passes; t++)
          {
            PlTensor *lv = NULL, *y = pl_unet_decode_var (model->unet, tape, enc, &rng, &lv);
            if (softmax && !lv)
              {
                /* the softmax is fused into the sums */
                j.x = y->data;
                j.logits = TRUE;
              }
            else
              {
                /* the logit draws change with the pass (seed t), as the masks do */
                j.x = pl_model_probabilities (model, tape, y, lv, PL_ALEATORIC_PREDICT_SAMPLES,
                                              (guint64) t + 1, first)->data;
                j.logits = FALSE;
              }
            mc_run (&j, mc_add_part);
            pl_arena_release (pl_tape_get_arena (tape), mark);
          }
        mc_run (&j, mc_finish_part);
        if (mean)
          pl_model_frame_scatter (volume, &g, wi, first, n, K, s1, mean);
        if (var)
          pl_model_frame_scatter (volume, &g, wi, first, n, K, s2, var);
        if (entropy)
          pl_model_frame_scatter (volume, &g, wi, first, n, 1, ent, entropy);
        if (labels)
          pl_model_frame_scatter_labels (model, volume, &g, wi, first, n, K, s1, labels);
      }
  pl_progress_report (progress, 1.0, NULL);
  return TRUE;
}

void
pl_model_predict_slice (PlModel *model, const PlVolume *volume, gint64 index, float *probs,
                        guint16 *labels)
{
  PlFrame g;
  int K = pl_model_n_outputs (model);
  g_autoptr (PlTape) tape = NULL;
  g_autofree float *slice = NULL;

  pl_model_frame_init (&g, model, volume);
  g_return_if_fail (index >= 0 && index < g.n_slices);
  tape = pl_tape_new (g.max_plane * 4 * 140);
  pl_tape_set_grad_enabled (tape, FALSE);
  slice = g_new (float, (gsize) g.h * g.w);
  for (int wi = 0; wi < g.n_win; wi++)
    {
      const PlWindow *w = &g.win[wi];
      gsize plane = (gsize) w->wh * w->ww;
      PlTensor *x, *p;

      pl_tape_reset (tape);
      x = pl_tape_tensor (tape, 1, pl_model_input_channels (model), w->wh, w->ww);
      pl_model_frame_fill (model, volume, &g, w, index, 1, slice, x->data);
      p = predict_batch (model, tape, x, index);
      for (int y = 0; y < g.h; y++)
        for (int xx = 0; xx < g.w; xx++)
          if (pl_model_frame_owns (&g, wi, y, xx))
            {
              const float *pp = p->data + pl_window_index (w, y, xx);
              if (probs)
                for (int c = 0; c < K; c++)
                  probs[((gsize) c * g.h + y) * g.w + xx] = pp[c * plane];
              if (labels)
                labels[(gsize) y * g.w + xx] = label_of (model, pp, plane, K);
            }
    }
}
