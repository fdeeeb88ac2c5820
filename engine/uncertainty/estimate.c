/* Uncertainty estimators over a volume: softmax, MC dropout, deep
 * ensemble, test-time augmentation (estimate.h). */
#define G_LOG_DOMAIN "pl-uncertainty"

#include "engine/uncertainty/estimate.h"
#include "engine/core/error.h"
#include "engine/core/rng.h"
#include "engine/data/dataset.h"
#include "engine/kernels/conv-private.h"
#include "engine/nn/infer.h"
#include "engine/nn/slice-input.h"
#include "engine/ops/loss.h"
#include "engine/ops/tape.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

static const char *const estimator_names[PL_ESTIMATOR_N] = {
  "softmax", "mc", "ensemble", "tta",
};

const char *
pl_estimator_name (PlEstimator e)
{
  return (int) e >= 0 && e < PL_ESTIMATOR_N ? estimator_names[e] : NULL;
}

int
pl_estimator_from_name (const char *name)
{
  if (!name)
    return -1;
  for (int e = 0; e < PL_ESTIMATOR_N; e++)
    if (strcmp (name, estimator_names[e]) == 0)
      return e;
  if (strcmp (name, "mc-dropout") == 0)
    return PL_ESTIMATOR_MC;
  return -1;
}

void
pl_uncertainty_settings_init (PlUncertaintySettings *s)
{
  memset (s, 0, sizeof *s);
  s->estimator = PL_ESTIMATOR_MC;
  /* T = 20 as the peer's MC dropout and reference-workloads.md. */
  s->mc_passes = 20;
  s->tta_samples = 8;
  s->tta_flip_p = 0.5f;
  /* The training augmentation's range (train.h), so the transformed slices
   * stay inside what the network saw. */
  s->tta_max_rotation = 10.0f;
  s->tta_intensity = 0.1f;
  s->seed = 0;
  s->batch = 8;
  s->keep_samples = 0;
  s->class_variance = FALSE;
  s->aleatoric_samples = 10;
}

gboolean
pl_uncertainty_settings_check (const PlUncertaintySettings *s, GError **error)
{
  const char *why = NULL;

  if ((int) s->estimator < 0 || s->estimator >= PL_ESTIMATOR_N)
    why = "unknown estimator";
  else if (s->mc_passes < 1 || s->mc_passes > 1000)
    why = "MC dropout passes must be 1…1000";
  else if (s->tta_samples < 1 || s->tta_samples > 1000)
    why = "TTA samples must be 1…1000";
  else if (!(s->tta_flip_p >= 0.0f && s->tta_flip_p <= 1.0f))
    why = "TTA flip probability must be in [0, 1]";
  else if (!(s->tta_max_rotation >= 0.0f && s->tta_max_rotation <= 45.0f))
    why = "TTA rotation must be 0…45 degrees";
  else if (!(s->tta_intensity >= 0.0f && s->tta_intensity <= 0.5f))
    why = "TTA intensity jitter must be 0…0.5";
  else if (s->batch < 1 || s->batch > 256)
    why = "batch must be 1…256";
  else if (s->keep_samples < 0 || s->keep_samples > 255)
    why = "kept samples must be 0…255";
  else if (s->aleatoric_samples < 0 || s->aleatoric_samples > 1000)
    why = "aleatoric logit samples must be 0…1000";
  if (why)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID, "uncertainty settings: %s", why);
      return FALSE;
    }
  return TRUE;
}

int
pl_uncertainty_n_samples (const PlUncertaintySettings *s, int n_models)
{
  switch (s->estimator)
    {
    case PL_ESTIMATOR_MC: return s->mc_passes;
    case PL_ESTIMATOR_ENSEMBLE: return n_models;
    case PL_ESTIMATOR_TTA: return s->tta_samples * n_models;
    default: return 1;
    }
}

void
pl_uncertainty_result_free (PlUncertaintyResult *r)
{
  if (!r)
    return;
  g_free (r->mean);
  g_free (r->class_var);
  g_free (r->maps[0]);   /* one block for every map */
  for (int m = 0; m < PL_UMAP_N; m++)
    g_free (r->slice_means[m]);
  g_free (r->samples);
  g_clear_pointer (&r->labels, pl_labels_free);
  g_free (r->class_values);
  g_free (r);
}

/* --- test-time augmentation -------------------------------------------- */

void
pl_tta_transforms (const PlUncertaintySettings *s, PlTtaTransform *out, int n)
{
  PlRng rng;

  pl_rng_init (&rng, s->seed);
  for (int t = 0; t < n; t++)
    {
      PlTtaTransform *x = &out[t];
      /* Draw every number for every t, so transform t does not depend on
       * the settings' identity shortcut for t = 0. */
      gboolean fh = pl_rng_uniform (&rng) < s->tta_flip_p;
      gboolean fw = pl_rng_uniform (&rng) < s->tta_flip_p;
      float deg = pl_rng_range (&rng, -s->tta_max_rotation, s->tta_max_rotation);
      float sc = pl_rng_range (&rng, 1.0f - s->tta_intensity, 1.0f + s->tta_intensity);
      float sh = pl_rng_range (&rng, -0.5f * s->tta_intensity, 0.5f * s->tta_intensity);
      if (t == 0)
        {
          x->flip_h = x->flip_w = FALSE;
          x->angle = 0.0f;
          x->scale = 1.0f;
          x->shift = 0.0f;
          continue;
        }
      x->flip_h = fh;
      x->flip_w = fw;
      x->angle = deg * (float) (G_PI / 180.0);
      x->scale = sc;
      x->shift = sh;
    }
}

/* The transform A(p) = c + F R(θ) (p − c) of pixel p = (y, x) about the
 * centre c, F the flips; the inverse is c + R(−θ) F (p − c).  Forward:
 * dst(p) = a·src(A(p)) + b, 0 outside; inverse: dst(p) = src(A⁻¹(p)),
 * clamped to the edge (every output pixel then has a prediction). */
void
pl_tta_apply (const PlTtaTransform *t, const float *src, int h, int w, gboolean inverse,
              float *dst)
{
  double cy = (h - 1) * 0.5, cx = (w - 1) * 0.5;
  double co = cos (t->angle), si = sin (t->angle);
  double fy = t->flip_h ? -1.0 : 1.0, fx = t->flip_w ? -1.0 : 1.0;
  double m[4];

  if (!inverse)
    {
      /* F R(θ) */
      m[0] = fy * co;  m[1] = -fy * si;
      m[2] = fx * si;  m[3] = fx * co;
    }
  else
    {
      /* R(−θ) F */
      m[0] = co * fy;  m[1] = si * fx;
      m[2] = -si * fy; m[3] = co * fx;
    }
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        double dy = y - cy, dx = x - cx;
        double sy = cy + m[0] * dy + m[1] * dx, sx = cx + m[2] * dy + m[3] * dx;
        float v;
        if (inverse)
          {
            sy = CLAMP (sy, 0.0, h - 1.0);
            sx = CLAMP (sx, 0.0, w - 1.0);
          }
        if (sy < -0.5 || sx < -0.5 || sy > h - 0.5 || sx > w - 0.5)
          v = 0.0f;
        else
          {
            int y0 = (int) floor (sy), x0 = (int) floor (sx);
            double ay = sy - y0, ax = sx - x0;
            double acc = 0.0;
            for (int j = 0; j < 2; j++)
              for (int i = 0; i < 2; i++)
                {
                  int yy = y0 + j, xx = x0 + i;
                  double wgt = (j ? ay : 1.0 - ay) * (i ? ax : 1.0 - ax);
                  if (wgt == 0.0)
                    continue;
                  /* Outside the image: 0 forward; at the edge, the inverse
                   * clamps the position, so this is only an ulp. */
                  if (yy < 0 || yy >= h || xx < 0 || xx >= w)
                    {
                      if (!inverse)
                        continue;
                      yy = CLAMP (yy, 0, h - 1);
                      xx = CLAMP (xx, 0, w - 1);
                    }
                  acc += wgt * src[(gsize) yy * w + xx];
                }
            v = (float) acc;
          }
        if (!inverse)
          v = v * t->scale + t->shift;
        dst[(gsize) y * w + x] = v;
      }
}

/* --- the estimator loop ------------------------------------------------ */

typedef struct
{
  const PlUncertaintySettings *s;
  PlModel *const *models;
  int n_models;
  PlTtaTransform *tta;
  PlRng rng;
  float *tx;      /* TTA: transformed input (batch, 1, wh, ww) */
  float *tp;      /* TTA: inverse-transformed output (batch, K, wh, ww) */
  float *tv;      /* TTA: inverse-transformed σ² (batch, 1, wh, ww) */
  gboolean aleatoric;
  guint64 noise;  /* aleatoric logit draws: seed of the next sample */
  int lateral;    /* TTA: slice axis across the sides (0: H, 1: W), −1: none */
  int *mirror;    /* TTA: class → class in a mirror image; NULL: identity */
} Run;

/* Left and right, as the trainer treats them (train.c): the slice axis that
 * crosses the sides, and the class each class becomes in an image mirrored
 * across it, from the model's class names (labels.h: a "Left-…" class and
 * its "Right-…" pair swap).  A model trained with sided labels learned that
 * a left structure seen on the right is the right one, so a TTA flip across
 * the sides must swap the pair back; when a sided class has no pair the
 * trainer made no such flip, nor does TTA (*no_flip). */
static void
tta_sides (const PlModel *m, const PlVolume *volume, int axis, int *lateral, int **mirror,
           gboolean *no_flip)
{
  g_autoptr (PlLabelTable) table = pl_label_table_new_empty ();
  PlOrientation o;
  gboolean sided = FALSE, unpaired = FALSE;
  int lat, a = axis == 0 ? 1 : 0;

  pl_volume_orientation (volume, &o);
  lat = o.voxel_axis[0];
  *lateral = lat == axis ? -1 : lat == a ? 0 : 1;
  *mirror = NULL;
  *no_flip = FALSE;
  if (!m->class_names || *lateral < 0)
    return;
  for (int c = 0; c < m->n_classes; c++)
    {
      PlLabel l = { m->class_values[c], m->class_names[c] ? m->class_names[c] : (char *) "" };
      pl_label_table_set (table, &l);
    }
  *mirror = g_new (int, m->n_classes);
  for (int c = 0; c < m->n_classes; c++)
    {
      guint16 v = m->class_values[c], mv = pl_label_table_mirror_value (table, v);
      (*mirror)[c] = mv == v ? c : mv == 0 ? -1 : pl_model_class_of (m, mv);
      if (mv != v)
        sided = TRUE;
      if ((*mirror)[c] < 0)
        unpaired = TRUE;
    }
  if (!sided || unpaired)
    g_clear_pointer (mirror, g_free);
  *no_flip = unpaired;
}

static gboolean
check_models (PlModel *const *models, int n_models, const PlUncertaintySettings *s,
              const PlVolume *volume, GError **error)
{
  PlFrame f0;

  if (n_models < 1 || (s->estimator == PL_ESTIMATOR_ENSEMBLE && n_models < 2))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   s->estimator == PL_ESTIMATOR_ENSEMBLE
                   ? "a deep ensemble needs at least 2 models (this file holds %d)"
                   : "no model given (%d)", n_models);
      return FALSE;
    }
  pl_model_frame_init (&f0, models[0], volume);
  for (int i = 0; i < (s->estimator == PL_ESTIMATOR_ENSEMBLE || s->estimator == PL_ESTIMATOR_TTA
                       ? n_models : 1); i++)
    {
      const PlModel *m = models[i];
      const PlUnetConfig *c = pl_unet_get_config (m->unet);
      PlFrame f;
      if (c->output != PL_OUTPUT_SOFTMAX || c->in_channels != pl_model_input_channels (m))
        {
          g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                       "uncertainty needs a softmax segmentation model whose network takes its slices' channels");
          return FALSE;
        }
      pl_model_frame_init (&f, m, volume);
      if (i > 0 && (m->n_classes != models[0]->n_classes
                    || memcmp (m->class_values, models[0]->class_values,
                               m->n_classes * sizeof (guint16)) != 0
                    || m->norm_offset != models[0]->norm_offset
                    || m->norm_divisor != models[0]->norm_divisor
                    || memcmp (&f, &f0, sizeof f) != 0))
        {
          g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                       "ensemble member %d differs from member 0 in classes, normalisation, "
                       "axis or input size", i);
          return FALSE;
        }
    }
  return TRUE;
}

/* Probabilities of logits (n, K, h, w): their softmax, left to the
 * accumulation (the logits themselves, *is_logits), or with an aleatoric
 * head the mean over S draws of softmax(x + σ ε) (Kendall & Gal 2017,
 * eq. 12; pl_model_probabilities), and log σ² (n, 1, h, w) becomes σ². */
static const float *
to_probs (Run *r, PlModel *m, PlTape *tape, PlTensor *logits, PlTensor *log_var,
          gboolean *is_logits)
{
  PlTensor *p;

  *is_logits = !log_var;
  if (!log_var)
    return logits->data;
  p = pl_model_probabilities (m, tape, logits, log_var, r->s->aleatoric_samples, r->noise++, 0);
  for (gsize i = 0; i < (gsize) logits->n * logits->h * logits->w; i++)
    log_var->data[i] = expf (log_var->data[i]);
  return p->data;
}

/* The inverse transform of the n·K probability planes, over the engine's
 * threads (planes are independent). */
typedef struct
{
  const PlTtaTransform *t;
  const float          *p;
  float                *dst;
  const int            *mirror;   /* NULL: class c stays c */
  int                   n_planes, K, wh, ww;
} InverseJob;

static void
inverse_part (int part, int n_parts, gpointer data)
{
  const InverseJob *j = data;
  gsize plane = (gsize) j->wh * j->ww;

  for (int q = part; q < j->n_planes; q += n_parts)
    {
      int s = q / j->K, c = q % j->K;
      pl_tta_apply (j->t, j->p + (gsize) q * plane, j->wh, j->ww, TRUE,
                    j->dst + ((gsize) s * j->K + (j->mirror ? j->mirror[c] : c)) * plane);
    }
}

/* Probabilities (n, K, wh, ww) of sample t for the batch x, or the logits
 * whose softmax they are (*is_logits); *var: σ² (n, 1, wh, ww) of an
 * aleatoric head, or NULL. */
static const float *
sample (Run *r, PlTape *tape, PlUnetEncoded *enc, PlTensor *x, int n, int K, const PlWindow *w,
        int t, const float **var, gboolean *is_logits)
{
  PlModel *m0 = r->models[0];
  PlUnetRun run = { 0 };
  const float *p;

  *var = NULL;
  *is_logits = FALSE;
  switch (r->s->estimator)
    {
    case PL_ESTIMATOR_MC:
      {
        PlTensor *lv = NULL, *y = pl_unet_decode_var (m0->unet, tape, enc, &r->rng, &lv);
        p = to_probs (r, m0, tape, y, lv, is_logits);
        *var = lv ? lv->data : NULL;
        return p;
      }
    case PL_ESTIMATOR_ENSEMBLE:
      {
        PlModel *mt = r->models[t];
        PlTensor *y = pl_unet_forward (mt->unet, tape, x, &run);
        p = to_probs (r, mt, tape, y, run.log_var, is_logits);
        *var = run.log_var ? run.log_var->data : NULL;
        return p;
      }
    case PL_ESTIMATOR_TTA:
      {
        /* sample t: member t / T of the transformed copy t mod T */
        PlModel *mt = r->models[t / r->s->tta_samples];
        const PlTtaTransform *tr = &r->tta[t % r->s->tta_samples];
        gsize plane = (gsize) w->wh * w->ww;
        int C = x->c, images = MAX (mt->context, 1);
        PlTensor *xt = pl_tape_tensor (tape, n, C, w->wh, w->ww), *y;
        gboolean swap, lg;
        /* the image channels move; a position channel stays in the
         * network's frame, as in training (slice-input.h) */
        for (int s = 0; s < n; s++)
          for (int j = 0; j < C; j++)
            if (j < images)
              pl_tta_apply (tr, x->data + ((gsize) s * C + j) * plane, w->wh, w->ww, FALSE,
                            xt->data + ((gsize) s * C + j) * plane);
            else
              memcpy (xt->data + ((gsize) s * C + j) * plane, x->data + ((gsize) s * C + j) * plane,
                      plane * sizeof (float));
        y = pl_unet_forward (mt->unet, tape, xt, &run);
        p = run.log_var ? to_probs (r, mt, tape, y, run.log_var, &lg)
                        : pl_unet_output (mt->unet, tape, y)->data;
        /* Class c of a slice mirrored across the sides is class mirror[c]
         * of the slice itself. */
        swap = r->mirror && ((r->lateral == 0 && tr->flip_h) || (r->lateral == 1 && tr->flip_w));
        {
          InverseJob j = { tr, p, r->tp, swap ? r->mirror : NULL, n * K, K, w->wh, w->ww };
          pl_conv_parallel (MIN (n * K, PL_CONV_MAX_PARTS), pl_conv_threads (), inverse_part, &j);
        }
        if (run.log_var)
          {
            for (int s = 0; s < n; s++)
              pl_tta_apply (tr, run.log_var->data + s * plane, w->wh, w->ww, TRUE,
                            r->tv + s * plane);
            *var = r->tv;
          }
        return r->tp;
      }
    default:
      {
        PlTensor *y = pl_unet_forward (m0->unet, tape, x, &run);
        p = to_probs (r, m0, tape, y, run.log_var, is_logits);
        *var = run.log_var ? run.log_var->data : NULL;
        return p;
      }
    }
}

/* Class indices (n, 1, wh, ww) of window wi into dst (n_voxels), where the
 * window owns the pixel. */
static void
scatter_u8 (const PlVolume *volume, const PlFrame *g, int wi, gint64 first, int n,
            const guint8 *src, guint8 *dst)
{
  const PlWindow *w = &g->win[wi];
  for (int s = 0; s < n; s++)
    {
      gsize sh, sw, off;
      pl_slice_strides (volume->dim, g->axis, first + s, &sh, &sw, &off);
      for (int y = 0; y < g->h; y++)
        for (int x = 0; x < g->w; x++)
          if (pl_model_frame_owns (g, wi, y, x))
            dst[off + y * sh + x * sw] = src[(gsize) s * w->wh * w->ww + pl_window_index (w, y, x)];
    }
}

PlUncertaintyResult *
pl_uncertainty_estimate (const PlUncertaintySettings *s, PlModel *const *models, int n_models,
                         const PlVolume *volume, const PlProgress *progress, GError **error)
{
  g_autoptr (PlUncertaintyResult) res = NULL;
  g_autoptr (PlTape) tape = NULL;
  g_autofree float *slice = NULL, *wmean = NULL, *wvar = NULL, *wmaps = NULL;
  g_autofree double *sumv = NULL;
  g_autofree guint8 *wsamp = NULL;
  g_autofree PlTtaTransform *tta = NULL;
  PlUncertaintyAccum **acc = NULL;
  PlFrame g;
  Run r = { 0 };
  int K, T, B;
  gboolean ok = TRUE;

  if (!pl_uncertainty_settings_check (s, error) || !check_models (models, n_models, s, volume, error))
    return NULL;
  K = models[0]->n_classes;
  T = pl_uncertainty_n_samples (s, n_models);
  B = s->batch;
  pl_model_frame_init (&g, models[0], volume);

  res = g_new0 (PlUncertaintyResult, 1);
  res->n_classes = K;
  res->n_samples = T;
  memcpy (res->dim, volume->dim, sizeof res->dim);
  res->axis = g.axis;
  res->n_voxels = g.n_voxels;
  res->class_values = g_memdup2 (models[0]->class_values, K * sizeof (guint16));
  res->mean = g_try_new (float, (gsize) K * g.n_voxels);
  res->maps[0] = g_try_new (float, (gsize) PL_UMAP_N * g.n_voxels);
  if (s->class_variance)
    res->class_var = g_try_new (float, (gsize) K * g.n_voxels);
  res->n_kept = MIN (s->keep_samples, T);
  if (res->n_kept)
    res->samples = g_try_new (guint8, (gsize) res->n_kept * g.n_voxels);
  if (!res->mean || !res->maps[0] || (s->class_variance && !res->class_var)
      || (res->n_kept && !res->samples) || K > 255)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_TOO_LARGE,
                   K > 255 ? "uncertainty maps take at most 255 classes"
                           : "not enough memory for the uncertainty maps of this volume");
      return NULL;
    }
  for (int m = 1; m < PL_UMAP_N; m++)
    res->maps[m] = res->maps[0] + (gsize) m * g.n_voxels;
  res->labels = pl_labels_new (volume->dim);

  r.s = s;
  r.models = models;
  r.n_models = n_models;
  pl_rng_init (&r.rng, s->seed);
  if (s->estimator == PL_ESTIMATOR_TTA)
    {
      gboolean no_flip;
      tta = g_new (PlTtaTransform, s->tta_samples);
      pl_tta_transforms (s, tta, s->tta_samples);
      tta_sides (models[0], volume, g.axis, &r.lateral, &r.mirror, &no_flip);
      for (int t = 0; t < s->tta_samples && no_flip; t++)
        {
          if (r.lateral == 0)
            tta[t].flip_h = FALSE;
          else
            tta[t].flip_w = FALSE;
        }
      r.tta = tta;
      r.tp = g_new (float, (gsize) B * K * g.max_plane);
      r.tv = g_new (float, (gsize) B * g.max_plane);
    }
  res->aleatoric = pl_unet_get_config (models[0]->unet)->aleatoric;
  for (int i = 1; i < n_models && (s->estimator == PL_ESTIMATOR_ENSEMBLE
                                   || s->estimator == PL_ESTIMATOR_TTA); i++)
    res->aleatoric = res->aleatoric && pl_unet_get_config (models[i]->unet)->aleatoric;
  r.aleatoric = res->aleatoric;
  /* A stream of its own, so that dropout masks stay those of a model
   * without the head. */
  r.noise = s->seed * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15) + 1;
  sumv = g_new (double, (gsize) B * g.max_plane);
  tape = pl_tape_new ((gsize) B * g.max_plane * 4 * 160);
  pl_tape_set_grad_enabled (tape, FALSE);
  slice = g_new (float, (gsize) g.h * g.w);
  wmean = g_new (float, (gsize) B * K * g.max_plane);
  wvar = s->class_variance ? g_new (float, (gsize) B * K * g.max_plane) : NULL;
  wmaps = g_new (float, (gsize) B * PL_UMAP_N * g.max_plane);
  if (res->n_kept)
    wsamp = g_new (guint8, (gsize) res->n_kept * B * g.max_plane);
  acc = g_new0 (PlUncertaintyAccum *, B);
  for (int b = 0; b < B; b++)
    acc[b] = pl_uncertainty_accum_new (K, g.max_plane);

  for (gint64 first = 0; ok && first < g.n_slices; first += B)
    for (int wi = 0; ok && wi < g.n_win; wi++)
      {
        const PlWindow *w = &g.win[wi];
        int n = (int) MIN (B, g.n_slices - first);
        gsize plane = (gsize) w->wh * w->ww;
        PlUnetEncoded *enc = NULL;
        PlTensor *x;
        PlArenaMark mark;

        if (!pl_progress_report (progress, (first + (double) wi / g.n_win * n) / g.n_slices, NULL))
          {
            ok = pl_progress_set_cancelled_error (error);
            break;
          }
        pl_tape_reset (tape);
        x = pl_tape_tensor (tape, n, pl_model_input_channels (models[0]), w->wh, w->ww);
        pl_model_frame_fill (models[0], volume, &g, w, first, n, slice, x->data);
        if (s->estimator == PL_ESTIMATOR_MC)
          enc = pl_unet_encode (models[0]->unet, tape, x);
        for (int b = 0; b < n; b++)
          pl_uncertainty_accum_reset (acc[b], plane);
        memset (sumv, 0, (gsize) n * plane * sizeof (double));
        mark = pl_arena_mark (pl_tape_get_arena (tape));
        for (int t = 0; t < T; t++)
          {
            gboolean is_logits;
            const float *v, *p = sample (&r, tape, enc, x, n, K, w, t, &v, &is_logits);
            if (v && r.aleatoric)
              for (gsize q = 0; q < (gsize) n * plane; q++)
                sumv[q] += v[q];
            for (int b = 0; b < n; b++)
              {
                const float *pb = p + (gsize) b * K * plane;
                if (is_logits)
                  pl_uncertainty_accum_add_logits (acc[b], pb, plane);
                else
                  pl_uncertainty_accum_add (acc[b], pb, plane);
                if (t < res->n_kept)
                  for (gsize q = 0; q < plane; q++)
                    {
                      int best = 0;
                      for (int c = 1; c < K; c++)
                        if (pb[c * plane + q] > pb[best * plane + q])
                          best = c;
                      wsamp[((gsize) t * B + b) * plane + q] = (guint8) best;
                    }
              }
            pl_arena_release (pl_tape_get_arena (tape), mark);
          }
        for (int b = 0; b < n; b++)
          {
            float *mp[PL_UMAP_N];
            for (int m = 0; m < PL_UMAP_N; m++)
              mp[m] = wmaps + ((gsize) b * PL_UMAP_N + m) * plane;
            pl_uncertainty_accum_finish (acc[b], wmean + (gsize) b * K * plane,
                                         wvar ? wvar + (gsize) b * K * plane : NULL, mp);
            for (gsize q = 0; q < plane; q++)
              mp[PL_UMAP_LOGIT_VARIANCE][q] = (float) (sumv[(gsize) b * plane + q] / T);
          }
        pl_model_frame_scatter (volume, &g, wi, first, n, K, wmean, res->mean);
        if (wvar)
          pl_model_frame_scatter (volume, &g, wi, first, n, K, wvar, res->class_var);
        pl_model_frame_scatter (volume, &g, wi, first, n, PL_UMAP_N, wmaps, res->maps[0]);
        pl_model_frame_scatter_labels (models[0], volume, &g, wi, first, n, K, wmean, res->labels);
        for (int t = 0; t < res->n_kept; t++)
          scatter_u8 (volume, &g, wi, first, n, wsamp + (gsize) t * B * plane,
                      res->samples + (gsize) t * g.n_voxels);
      }
  for (int b = 0; b < B; b++)
    pl_uncertainty_accum_free (acc[b]);
  g_free (acc);
  g_free (r.tp);
  g_free (r.tv);
  g_free (r.mirror);
  if (!ok)
    return NULL;
  for (int m = 0; m < PL_UMAP_N; m++)
    {
      res->slice_means[m] = g_new (double, g.n_slices);
      pl_uncertainty_slice_means (res->maps[m], volume->dim, g.axis, NULL, res->slice_means[m]);
    }
  pl_progress_report (progress, 1.0, NULL);
  return g_steal_pointer (&res);
}
