/* The explainer (problem, target region, score), the method table and the
 * run loop that publishes each map. */
#define G_LOG_DOMAIN "pl-explain"

#include "engine/explain/explain-private.h"
#include "engine/data/dataset.h"
#include "engine/nn/infer.h"
#include "engine/ops/ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define P(n, l, d, lo, hi, i) { n, l, d, lo, hi, i }

/* The table: every front end lists it; adding a method is adding a row. */
static const PlExplainMethod methods[] = {
  { "grad", "Vanilla gradient", "Simonyan et al. 2014", TRUE, 0, { { 0 } },
    pl_explain_grad },
  { "gradxinput", "Gradient × input", "Shrikumar et al. 2016", TRUE, 0, { { 0 } },
    pl_explain_grad_x_input },
  { "ig", "Integrated gradients", "Sundararajan et al. 2017", TRUE, 2,
    { P ("steps", "Steps", 32, 1, 1024, TRUE), P ("baseline", "Baseline", 0, -1e6, 1e6, FALSE) },
    pl_explain_integrated_gradients },
  { "smoothgrad", "SmoothGrad", "Smilkov et al. 2017", TRUE, 3,
    { P ("samples", "Samples", 16, 1, 1024, TRUE),
      P ("noise", "Noise (fraction of range)", 0.15, 0, 10, FALSE),
      P ("seed", "Seed", 0, 0, 4294967295.0, TRUE) },
    pl_explain_smoothgrad },
  { "deconvnet", "Deconvnet", "Zeiler & Fergus 2014", TRUE, 0, { { 0 } },
    pl_explain_deconvnet },
  { "guided", "Guided backpropagation", "Springenberg et al. 2015", TRUE, 0, { { 0 } },
    pl_explain_guided },
  { "gradcam", "Grad-CAM", "Selvaraju et al. 2017; Vinogradova et al. 2020", FALSE, 1,
    { P ("layer", "Layer (0 bottleneck, 1 last decoder level)", 0, 0, 1, TRUE) },
    pl_explain_gradcam },
  { "guided-gradcam", "Guided Grad-CAM", "Selvaraju et al. 2017", TRUE, 1,
    { P ("layer", "Layer (0 bottleneck, 1 last decoder level)", 0, 0, 1, TRUE) },
    pl_explain_guided_gradcam },
  { "lrp-eps", "LRP-ε", "Bach et al. 2015", TRUE, 2,
    { P ("epsilon", "ε", 1e-6, 0, 1e6, FALSE),
      P ("zb", "zᴮ rule on the first layer", 0, 0, 1, TRUE) },
    pl_explain_lrp_epsilon },
  { "lrp-ab", "LRP-z⁺ (α=1, β=0)", "Bach et al. 2015; Montavon et al. 2017", TRUE, 3,
    { P ("alpha", "α", 1, 1, 100, FALSE), P ("beta", "β", 0, 0, 99, FALSE),
      P ("zb", "zᴮ rule on the first layer", 1, 0, 1, TRUE) },
    pl_explain_lrp_alpha_beta },
  { "lrp-a2b1", "LRP-αβ (α=2, β=1)", "Bach et al. 2015", TRUE, 3,
    { P ("alpha", "α", 2, 1, 100, FALSE), P ("beta", "β", 1, 0, 99, FALSE),
      P ("zb", "zᴮ rule on the first layer", 1, 0, 1, TRUE) },
    pl_explain_lrp_alpha_beta },
  { "occlusion", "Occlusion", "Zeiler & Fergus 2014", TRUE, 3,
    { P ("patch", "Patch (pixels)", 16, 1, 4096, TRUE),
      P ("stride", "Stride (pixels)", 8, 1, 4096, TRUE),
      P ("fill", "Fill value (normalised)", 0, -1e6, 1e6, FALSE) },
    pl_explain_occlusion },
  { "perturbation", "Meaningful perturbation", "Fong & Vedaldi 2017", FALSE, 5,
    { P ("iterations", "Iterations", 150, 1, 10000, TRUE),
      P ("l1", "λ₁ (mask area)", 0.1, 0, 1e3, FALSE),
      P ("tv", "λ₂ (total variation, β = 3)", 2, 0, 1e3, FALSE),
      P ("blur", "Blur σ (pixels)", 10, 0, 100, FALSE),
      P ("scale", "Mask coarseness (pixels)", 8, 1, 64, TRUE) },
    pl_explain_meaningful_perturbation },
  { "lime", "LIME (superpixels)", "Ribeiro et al. 2016; Achanta et al. 2012 (SLIC)", TRUE, 6,
    { P ("segments", "Superpixels", 100, 2, 10000, TRUE),
      P ("samples", "Samples", 256, 8, 100000, TRUE),
      P ("fill", "Fill value (normalised)", 0, -1e6, 1e6, FALSE),
      P ("top", "Top superpixels shown (0: all)", 0, 0, 10000, TRUE),
      P ("compactness", "SLIC compactness", 0.1, 0.001, 100, FALSE),
      P ("seed", "Seed", 0, 0, 4294967295.0, TRUE) },
    pl_explain_lime },
};

const PlExplainMethod *
pl_explain_methods (guint *n_methods)
{
  *n_methods = G_N_ELEMENTS (methods);
  return methods;
}

const PlExplainMethod *
pl_explain_method_find (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (methods); i++)
    if (strcmp (methods[i].name, name) == 0)
      return &methods[i];
  return NULL;
}

void
pl_explain_method_defaults (const PlExplainMethod *method, double *params)
{
  for (int i = 0; i < method->n_params; i++)
    params[i] = method->params[i].def;
}

gboolean
pl_explain_method_parse (const PlExplainMethod *method, const char *text, double *params,
                         GError **error)
{
  g_auto (GStrv) items = NULL;

  pl_explain_method_defaults (method, params);
  if (!text || !*text)
    return TRUE;
  items = g_strsplit (text, ",", -1);
  for (int k = 0; items[k]; k++)
    {
      char *eq = strchr (items[k], '='), *end = NULL;
      const PlExplainParam *p = NULL;
      int idx = -1;
      double v;

      if (!eq)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                       "%s: setting '%s' is not key=value", method->name, items[k]);
          return FALSE;
        }
      *eq = '\0';
      for (int i = 0; i < method->n_params; i++)
        if (strcmp (method->params[i].name, items[k]) == 0)
          idx = i;
      if (idx < 0)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                       "%s has no setting '%s'", method->name, items[k]);
          return FALSE;
        }
      p = &method->params[idx];
      v = g_ascii_strtod (eq + 1, &end);
      if (end == eq + 1 || *end || !isfinite (v) || v < p->min || v > p->max
          || (p->integer && v != floor (v)))
        {
          g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                       "%s: %s must be %s in [%g, %g], not '%s'", method->name, p->name,
                       p->integer ? "an integer" : "a number", p->min, p->max, eq + 1);
          return FALSE;
        }
      params[idx] = v;
    }
  return TRUE;
}

/* ---- explainer -------------------------------------------------------- */

static PlExplainer *
explainer_alloc (PlUnet *unet, int c, int h, int w)
{
  PlExplainer *ex = g_new0 (PlExplainer, 1);
  ex->unet = unet;
  ex->c = c;
  ex->h = h;
  ex->w = w;
  ex->x = g_new (float, (gsize) c * h * w);
  ex->region = g_new0 (float, (gsize) h * w);
  /* Grows on reset when a step needs more. */
  ex->tape = pl_tape_new ((gsize) h * w * 4 * 200);
  return ex;
}

static gboolean
set_region (PlExplainer *ex, const PlExplainTarget *t, int mh, int mw, int oy, int ox,
            GError **error)
{
  const PlUnetConfig *cfg = pl_unet_get_config (ex->unet);
  gsize hw = (gsize) ex->h * ex->w;

  if (t->cls < 0 || t->cls >= cfg->n_classes)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "target class %d does not exist (the network has %d outputs)",
                   t->cls, cfg->n_classes);
      return FALSE;
    }
  ex->cls = t->cls;
  memset (ex->region, 0, hw * sizeof (float));
  if (t->region == PL_EXPLAIN_REGION_PIXEL)
    {
      int y = t->y - oy, x = t->x - ox;
      if (y < 0 || y >= ex->h || x < 0 || x >= ex->w)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                       "target pixel (%d, %d) is outside the network's window", t->y, t->x);
          return FALSE;
        }
      ex->region[(gsize) y * ex->w + x] = 1.0f;
    }
  else if (t->region == PL_EXPLAIN_REGION_MASK)
    {
      g_return_val_if_fail (t->mask != NULL, FALSE);
      for (int y = 0; y < ex->h; y++)
        for (int x = 0; x < ex->w; x++)
          {
            int sy = y + oy, sx = x + ox;
            if (sy >= 0 && sy < mh && sx >= 0 && sx < mw && t->mask[(gsize) sy * mw + sx])
              ex->region[(gsize) y * ex->w + x] = 1.0f;
          }
    }
  else
    {
      PlTape *tape = ex->tape;
      PlTensor *x, *logits;
      int K = cfg->n_classes;

      pl_tape_reset (tape);
      pl_tape_set_grad_enabled (tape, FALSE);
      x = pl_tape_input (tape, 1, ex->c, ex->h, ex->w, ex->x, FALSE);
      logits = pl_unet_forward (ex->unet, tape, x, NULL);
      for (gsize p = 0; p < hw; p++)
        {
          int best = 0;
          for (int k = 1; k < K; k++)
            if (logits->data[k * hw + p] > logits->data[best * hw + p])
              best = k;
          /* A one-output (sigmoid) network: the class is where logit > 0. */
          if (K == 1 ? logits->data[p] > 0.0f : best == t->cls)
            ex->region[p] = 1.0f;
        }
      pl_tape_reset (tape);
    }
  ex->n_region = 0;
  for (gsize p = 0; p < hw; p++)
    ex->n_region += ex->region[p] != 0.0f;
  if (ex->n_region == 0)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   t->region == PL_EXPLAIN_REGION_PREDICTED
                   ? "class %d is predicted nowhere on this slice: choose a pixel or a region"
                   : "the target region of class %d is empty inside the network's window",
                   t->cls);
      return FALSE;
    }
  return TRUE;
}

static void
input_bounds (PlExplainer *ex)
{
  gsize n = (gsize) ex->c * ex->h * ex->w;
  ex->lo = ex->hi = ex->x[0];
  for (gsize i = 1; i < n; i++)
    {
      ex->lo = MIN (ex->lo, ex->x[i]);
      ex->hi = MAX (ex->hi, ex->x[i]);
    }
}

/* LRP's batch-norm folding and occlusion's local re-evaluation do not know
 * the projections of narrow skips (skip.J). */
static gboolean
explainable (const PlUnetConfig *cfg, GError **error)
{
  if (cfg->skip_channels > 0)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "the model's narrow skip connections (%d channels) cannot be explained here",
                   cfg->skip_channels);
      return FALSE;
    }
  return TRUE;
}

PlExplainer *
pl_explainer_new (PlUnet *unet, const float *x, int h, int w, const PlExplainTarget *target,
                  GError **error)
{
  const PlUnetConfig *cfg = pl_unet_get_config (unet);
  int m = pl_unet_config_multiple (cfg);
  PlExplainer *ex;

  if (!explainable (cfg, error))
    return NULL;
  if (h <= 0 || w <= 0 || h % m || w % m)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "an input of %d×%d does not fit the network (multiples of %d)", h, w, m);
      return NULL;
    }
  ex = explainer_alloc (unet, cfg->in_channels, h, w);
  memcpy (ex->x, x, (gsize) ex->c * h * w * sizeof (float));
  input_bounds (ex);
  if (!set_region (ex, target, h, w, 0, 0, error))
    {
      pl_explainer_free (ex);
      return NULL;
    }
  return ex;
}

PlExplainer *
pl_explainer_new_from_volume (PlModel *model, const PlVolume *volume, int axis, gint64 index,
                              const PlExplainTarget *target, GError **error)
{
  const PlUnetConfig *cfg = pl_unet_get_config (model->unet);
  int m = pl_unet_config_multiple (cfg), sh, sw, wh, ww, oy, ox;
  g_autofree float *slice = NULL;
  PlExplainer *ex;

  if (cfg->in_channels != 1)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "the model takes %d input channels; volumes give 1", cfg->in_channels);
      return NULL;
    }
  if (!explainable (cfg, error))
    return NULL;
  if (axis < 0 || axis > 2 || index < 0 || index >= volume->dim[axis])
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "slice %" G_GINT64_FORMAT " does not exist along axis %d (0…%" G_GINT64_FORMAT ")",
                   index, axis, axis >= 0 && axis <= 2 ? volume->dim[axis] - 1 : 0);
      return NULL;
    }
  pl_slice_dims (volume->dim, axis, &sh, &sw);
  /* The crop window inference predicts the slice in (infer.c); a slice
   * smaller than the multiple is padded. */
  pl_fit_window (sh, sw, m, PL_FIT_CROP, &wh, &ww, &oy, &ox);
  if (wh <= 0 || ww <= 0)
    pl_fit_window (sh, sw, m, PL_FIT_PAD, &wh, &ww, &oy, &ox);
  slice = g_new (float, (gsize) sh * sw);
  pl_volume_get_slice (volume, axis, index, slice);
  pl_model_normalise (model, slice, (gsize) sh * sw, slice);
  ex = explainer_alloc (model->unet, 1, wh, ww);
  ex->oy = oy;
  ex->ox = ox;
  pl_window_extract_f32 (slice, sh, sw, oy, ox, wh, ww, 0.0f, ex->x);
  input_bounds (ex);
  if (!set_region (ex, target, sh, sw, oy, ox, error))
    {
      pl_explainer_free (ex);
      return NULL;
    }
  return ex;
}

PlExplainer *
pl_explainer_new_like (const PlExplainer *other, PlUnet *unet)
{
  PlExplainer *ex = explainer_alloc (unet, other->c, other->h, other->w);
  memcpy (ex->x, other->x, (gsize) ex->c * ex->h * ex->w * sizeof (float));
  memcpy (ex->region, other->region, (gsize) ex->h * ex->w * sizeof (float));
  ex->n_region = other->n_region;
  ex->cls = other->cls;
  ex->lo = other->lo;
  ex->hi = other->hi;
  ex->oy = other->oy;
  ex->ox = other->ox;
  return ex;
}

void
pl_explainer_free (PlExplainer *ex)
{
  if (!ex)
    return;
  pl_tape_free (ex->tape);
  g_free (ex->x);
  g_free (ex->region);
  g_free (ex);
}

int
pl_explainer_get_height (const PlExplainer *ex)
{
  return ex->h;
}

int
pl_explainer_get_width (const PlExplainer *ex)
{
  return ex->w;
}

void
pl_explainer_get_offset (const PlExplainer *ex, int *oy, int *ox)
{
  *oy = ex->oy;
  *ox = ex->ox;
}

const float *
pl_explainer_get_input (const PlExplainer *ex)
{
  return ex->x;
}

const float *
pl_explainer_get_region (const PlExplainer *ex)
{
  return ex->region;
}

gsize
pl_explainer_region_size (const PlExplainer *ex)
{
  return ex->n_region;
}

/* s_n = Σ_p region_p · logits[n, cls, p], in double. */
static void
region_scores (const PlExplainer *ex, const PlTensor *logits, double *scores)
{
  gsize hw = (gsize) ex->h * ex->w;
  for (int n = 0; n < logits->n; n++)
    {
      const float *l = logits->data + ((gsize) n * logits->c + ex->cls) * hw;
      double s = 0.0;
      for (gsize p = 0; p < hw; p++)
        s += (double) ex->region[p] * l[p];
      scores[n] = s;
    }
}

void
pl_explainer_scores (PlExplainer *ex, const float *x, int n, double *scores)
{
  PlTape *tape = ex->tape;
  PlTensor *in, *logits;

  pl_tape_reset (tape);
  pl_tape_set_grad_enabled (tape, FALSE);
  in = pl_tape_wrap (tape, n, ex->c, ex->h, ex->w, (float *) x, FALSE);
  logits = pl_unet_forward (ex->unet, tape, in, NULL);
  region_scores (ex, logits, scores);
  pl_tape_reset (tape);
}

double
pl_explainer_score (PlExplainer *ex)
{
  if (!ex->have_score)
    {
      pl_explainer_scores (ex, ex->x, 1, &ex->score);
      ex->have_score = TRUE;
    }
  return ex->score;
}

void
pl_explainer_to_slice (const PlExplainer *ex, const float *map, int slice_h, int slice_w,
                       float *dst)
{
  memset (dst, 0, (gsize) slice_h * slice_w * sizeof (float));
  for (int y = 0; y < ex->h; y++)
    for (int x = 0; x < ex->w; x++)
      {
        int sy = y + ex->oy, sx = x + ex->ox;
        if (sy >= 0 && sy < slice_h && sx >= 0 && sx < slice_w)
          dst[(gsize) sy * slice_w + sx] = map[(gsize) y * ex->w + x];
      }
}

/* ---- shared gradient machinery ---------------------------------------- */

static void
apply_rules (PlTape *tape, const PlExplainRules *r)
{
  pl_tape_clear_rules (tape);
  pl_tape_set_rule (tape, PL_OP_RELU, r->relu);
  pl_tape_set_rule (tape, PL_OP_CONV2D, r->conv);
  pl_tape_set_rule (tape, PL_OP_CONV2D_PAIR, r->conv);
  pl_tape_set_rule (tape, PL_OP_CONVT2X2, r->linear_out);
  pl_tape_set_lrp_params (tape, r->epsilon, r->alpha, r->beta);
}

/* The backward seed of a batch of n: the region in the class's channel. */
static float *
make_seed (PlExplainer *ex, const PlTensor *logits)
{
  gsize hw = (gsize) ex->h * ex->w, n = pl_tensor_numel (logits);
  float *seed = pl_tape_alloc (ex->tape, n * sizeof (float));
  memset (seed, 0, n * sizeof (float));
  for (int b = 0; b < logits->n; b++)
    memcpy (seed + ((gsize) b * logits->c + ex->cls) * hw, ex->region, hw * sizeof (float));
  return seed;
}

gboolean
pl_explain_input_grads (PlExplainer *ex, const float *xin, int n, const PlExplainRules *rules,
                        PlExplainGradMode mode, float *out, double *scores, GError **error)
{
  PlTape *tape = ex->tape;
  PlTensor *x, *logits;
  gsize hw = (gsize) ex->h * ex->w;
  gboolean zb = FALSE;

  pl_tape_reset (tape);
  pl_tape_set_grad_enabled (tape, TRUE);
  pl_tape_set_param_grads (tape, FALSE);
  apply_rules (tape, rules);
  x = pl_tape_input (tape, n, ex->c, ex->h, ex->w, xin, TRUE);
  logits = pl_unet_forward (ex->unet, tape, x, NULL);
  if (scores)
    region_scores (ex, logits, scores);
  if (logits->node >= 0)
    pl_tape_set_node_rule (tape, logits->node, rules->linear_out);
  if (rules->zb_first)
    {
      int node = pl_tape_find_consumer (tape, x, PL_OP_CONV2D);
      float lo = ex->lo, hi = ex->hi;
      /* The bounds must hold every input of the batch (IG, SmoothGrad). */
      for (gsize i = 0; i < pl_tensor_numel (x); i++)
        {
          lo = MIN (lo, x->data[i]);
          hi = MAX (hi, x->data[i]);
        }
      if (node >= 0)
        {
          pl_tape_set_node_rule (tape, node, PL_RULE_LRP_ZB);
          pl_tape_set_lrp_bounds (tape, lo, hi);
          zb = TRUE;
        }
    }
  if (!pl_tape_backward (tape, logits, make_seed (ex, logits), error))
    {
      pl_tape_set_param_grads (tape, TRUE);
      return FALSE;
    }
  pl_tape_set_param_grads (tape, TRUE);
  for (int b = 0; b < n; b++)
    {
      float *o = out + (gsize) b * hw;
      memset (o, 0, hw * sizeof (float));
      if (!x->grad)
        continue;   /* the score does not depend on the input */
      for (int c = 0; c < ex->c; c++)
        {
          const float *g = x->grad + ((gsize) b * ex->c + c) * hw;
          const float *xv = x->data + ((gsize) b * ex->c + c) * hw;
          if (zb || mode == PL_EXPLAIN_GRAD)
            for (gsize p = 0; p < hw; p++)
              o[p] += g[p];
          else
            for (gsize p = 0; p < hw; p++)
              o[p] += xv[p] * g[p];
        }
    }
  pl_tape_reset (tape);
  return TRUE;
}

void
pl_explain_resize (const float *src, int h, int w, float *dst, int H, int W)
{
  double sy = (double) h / H, sx = (double) w / W;
  for (int y = 0; y < H; y++)
    {
      double fy = MAX ((y + 0.5) * sy - 0.5, 0.0);
      int y0 = (int) fy, y1 = y0 + (y0 < h - 1);
      float ly = (float) (fy - y0);
      for (int x = 0; x < W; x++)
        {
          double fx = MAX ((x + 0.5) * sx - 0.5, 0.0);
          int x0 = (int) fx, x1 = x0 + (x0 < w - 1);
          float lx = (float) (fx - x0);
          dst[(gsize) y * W + x] =
            (1.0f - ly) * ((1.0f - lx) * src[(gsize) y0 * w + x0] + lx * src[(gsize) y0 * w + x1])
            + ly * ((1.0f - lx) * src[(gsize) y1 * w + x0] + lx * src[(gsize) y1 * w + x1]);
        }
    }
}

gboolean
pl_explain_layer_grad (PlExplainer *ex, PlUnetAt at, float **act, float **grad, int *c, int *h,
                       int *w, GError **error)
{
  PlTape *tape = ex->tape;
  PlUnetRun run = { 0 };
  PlTensor *x, *logits, *A;
  gsize n;

  pl_tape_reset (tape);
  pl_tape_set_grad_enabled (tape, TRUE);
  pl_tape_set_param_grads (tape, FALSE);
  pl_tape_clear_rules (tape);
  run.grad_at = at;
  x = pl_tape_input (tape, 1, ex->c, ex->h, ex->w, ex->x, FALSE);
  logits = pl_unet_forward (ex->unet, tape, x, &run);
  A = at == PL_UNET_AT_BOTTLENECK ? run.bottleneck : run.features;
  if (!pl_tape_backward (tape, logits, make_seed (ex, logits), error))
    {
      pl_tape_set_param_grads (tape, TRUE);
      return FALSE;
    }
  pl_tape_set_param_grads (tape, TRUE);
  n = pl_tensor_numel (A);
  *c = A->c;
  *h = A->h;
  *w = A->w;
  if (act)
    *act = g_memdup2 (A->data, n * sizeof (float));
  *grad = A->grad ? g_memdup2 (A->grad, n * sizeof (float)) : g_new0 (float, n);
  pl_tape_reset (tape);
  return TRUE;
}

gboolean
pl_explain_gradcam_map (PlExplainer *ex, PlUnetAt at, float *map, GError **error)
{
  g_autofree float *A = NULL, *G = NULL, *cam = NULL;
  int C, h, w;
  gsize ahw;

  if (!pl_explain_layer_grad (ex, at, &A, &G, &C, &h, &w, error))
    return FALSE;
  ahw = (gsize) h * w;
  cam = g_new0 (float, ahw);
  for (int c = 0; c < C; c++)
    {
      const float *a = A + c * ahw, *g = G + c * ahw;
      double s = 0.0;
      float alpha;
      for (gsize p = 0; p < ahw; p++)
        s += g[p];
      alpha = (float) (s / ahw);
      for (gsize p = 0; p < ahw; p++)
        cam[p] += alpha * a[p];
    }
  for (gsize p = 0; p < ahw; p++)
    cam[p] = MAX (cam[p], 0.0f);
  pl_explain_resize (cam, h, w, map, ex->h, ex->w);
  return TRUE;
}

/* ---- running ---------------------------------------------------------- */

gboolean
pl_explain_compute (PlExplainer *ex, const PlExplainMethod *method, const double *params,
                    float *map, PlExplainInfo *info, const PlProgress *progress, GError **error)
{
  double defaults[PL_EXPLAIN_MAX_PARAMS];
  PlExplainInfo local;

  g_return_val_if_fail (ex && method && map, FALSE);
  if (!params)
    {
      pl_explain_method_defaults (method, defaults);
      params = defaults;
    }
  if (!info)
    info = &local;
  info->score = pl_explainer_score (ex);
  info->relevance_sum = NAN;
  if (pl_progress_cancelled (progress))
    return pl_progress_set_cancelled_error (error);
  return method->compute (ex, method, params, map, info, progress, error);
}

typedef struct
{
  const PlProgress *outer;
  double            base, span;
} SubProgress;

static gboolean
sub_report (double fraction, const char *message, gpointer user_data)
{
  SubProgress *s = user_data;
  return pl_progress_report (s->outer, s->base + s->span * CLAMP (fraction, 0.0, 1.0), message);
}

gboolean
pl_explain_run (PlExplainer *ex, const PlExplainMethod *const *ms, const double *const *params,
                guint n, PlExplainPublish publish, gpointer user_data, const PlProgress *progress,
                GError **error)
{
  g_autofree float *map = g_new (float, (gsize) ex->h * ex->w);

  for (guint i = 0; i < n; i++)
    {
      SubProgress sub = { progress, (double) i / n, 1.0 / n };
      PlProgress p = { sub_report, &sub, progress ? progress->cancel : NULL };
      PlExplainResult r = { ms[i], map, ex->h, ex->w, 0.0, { 0 }, i };
      gint64 t0;

      if (!pl_progress_report (progress, sub.base, ms[i]->label))
        return pl_progress_set_cancelled_error (error);
      pl_explainer_score (ex);   /* outside the timing: shared by all */
      t0 = g_get_monotonic_time ();
      if (!pl_explain_compute (ex, ms[i], params ? params[i] : NULL, map, &r.info,
                               progress ? &p : NULL, error))
        return FALSE;
      r.ms = (g_get_monotonic_time () - t0) * 1e-3;
      if (publish)
        publish (&r, user_data);
    }
  pl_progress_report (progress, 1.0, NULL);
  return TRUE;
}
