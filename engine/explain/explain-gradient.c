/* Gradient-based maps: vanilla gradient, gradient × input, integrated
 * gradients, SmoothGrad, deconvnet, guided backpropagation, Grad-CAM,
 * guided Grad-CAM and LRP, all as (modified) backward passes on the tape. */
#define G_LOG_DOMAIN "pl-explain"

#include "engine/explain/explain-private.h"
#include "engine/core/rng.h"

#include <math.h>
#include <string.h>

/* Inputs per backward for the many-pass methods; one with batch
 * normalisation, whose batch statistics would couple the inputs. */
static int
batch_of (PlExplainer *ex)
{
  return pl_unet_get_config (ex->unet)->batch_norm ? 1 : 8;
}

static gboolean
one_pass (PlExplainer *ex, PlRule relu, PlRule conv, PlExplainGradMode mode, float *map,
          GError **error)
{
  PlExplainRules r = { relu, conv, conv, FALSE, 1e-6, 1.0, 0.0 };
  return pl_explain_input_grads (ex, ex->x, 1, &r, mode, map, NULL, error);
}

/* Simonyan et al. 2014: dS/dx. */
PL_EXPLAIN_DECLARE (pl_explain_grad)
{
  return one_pass (ex, PL_RULE_DEFAULT, PL_RULE_DEFAULT, PL_EXPLAIN_GRAD, map, error);
}

/* Shrikumar et al. 2016: x ⊙ dS/dx. */
PL_EXPLAIN_DECLARE (pl_explain_grad_x_input)
{
  return one_pass (ex, PL_RULE_DEFAULT, PL_RULE_DEFAULT, PL_EXPLAIN_GRAD_X_INPUT, map, error);
}

/* Zeiler & Fergus 2014: ReLU passes relu (dy). */
PL_EXPLAIN_DECLARE (pl_explain_deconvnet)
{
  return one_pass (ex, PL_RULE_DECONVNET, PL_RULE_DEFAULT, PL_EXPLAIN_GRAD, map, error);
}

/* Springenberg et al. 2015: ReLU passes dy where x > 0 and dy > 0. */
PL_EXPLAIN_DECLARE (pl_explain_guided)
{
  return one_pass (ex, PL_RULE_GUIDED, PL_RULE_DEFAULT, PL_EXPLAIN_GRAD, map, error);
}

/* Sundararajan et al. 2017, eq. 3 with the midpoint rule:
 * IG = (x − x') ⊙ (1/m) Σ_k ∇S (x' + (k + ½)/m · (x − x')). */
PL_EXPLAIN_DECLARE (pl_explain_integrated_gradients)
{
  int m = (int) params[0], B = batch_of (ex);
  float base = (float) params[1];
  gsize hw = (gsize) ex->h * ex->w, nx = (gsize) ex->c * hw;
  PlExplainRules r = { PL_RULE_DEFAULT, PL_RULE_DEFAULT, PL_RULE_DEFAULT, FALSE, 1e-6, 1.0, 0.0 };
  g_autofree float *xin = g_new (float, (gsize) B * nx);
  g_autofree float *g = g_new (float, (gsize) B * hw);
  g_autofree double *acc = g_new0 (double, hw);

  /* One channel's IG is (x_c − x') · mean gradient of channel c; summed
   * over channels here only when C = 1 (the volumes' case) is exact, so
   * several channels use the per-channel gradient below. */
  if (ex->c != 1)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "integrated gradients needs a one-channel input (this network has %d)", ex->c);
      return FALSE;
    }
  for (int k0 = 0; k0 < m; k0 += B)
    {
      int n = MIN (B, m - k0);
      if (!pl_progress_report (progress, (double) k0 / m, NULL))
        return pl_progress_set_cancelled_error (error);
      for (int b = 0; b < n; b++)
        {
          float a = (float) ((k0 + b + 0.5) / m);
          for (gsize i = 0; i < nx; i++)
            xin[b * nx + i] = base + a * (ex->x[i] - base);
        }
      if (!pl_explain_input_grads (ex, xin, n, &r, PL_EXPLAIN_GRAD, g, NULL, error))
        return FALSE;
      for (int b = 0; b < n; b++)
        for (gsize p = 0; p < hw; p++)
          acc[p] += g[b * hw + p];
    }
  for (gsize p = 0; p < hw; p++)
    map[p] = (float) ((ex->x[p] - base) * acc[p] / m);
  return TRUE;
}

/* Smilkov et al. 2017: the mean gradient over inputs x + N(0, σ²),
 * σ = noise · (max x − min x). */
PL_EXPLAIN_DECLARE (pl_explain_smoothgrad)
{
  int m = (int) params[0], B = batch_of (ex);
  double sigma = params[1] * (ex->hi - ex->lo);
  gsize hw = (gsize) ex->h * ex->w, nx = (gsize) ex->c * hw;
  PlExplainRules r = { PL_RULE_DEFAULT, PL_RULE_DEFAULT, PL_RULE_DEFAULT, FALSE, 1e-6, 1.0, 0.0 };
  g_autofree float *xin = g_new (float, (gsize) B * nx);
  g_autofree float *g = g_new (float, (gsize) B * hw);
  g_autofree double *acc = g_new0 (double, hw);
  PlRng rng;

  pl_rng_init (&rng, (guint64) params[2]);
  for (int k0 = 0; k0 < m; k0 += B)
    {
      int n = MIN (B, m - k0);
      if (!pl_progress_report (progress, (double) k0 / m, NULL))
        return pl_progress_set_cancelled_error (error);
      for (int b = 0; b < n; b++)
        for (gsize i = 0; i < nx; i++)
          xin[b * nx + i] = ex->x[i] + (float) (sigma * pl_rng_normal (&rng));
      if (!pl_explain_input_grads (ex, xin, n, &r, PL_EXPLAIN_GRAD, g, NULL, error))
        return FALSE;
      for (int b = 0; b < n; b++)
        for (gsize p = 0; p < hw; p++)
          acc[p] += g[b * hw + p];
    }
  for (gsize p = 0; p < hw; p++)
    map[p] = (float) (acc[p] / m);
  return TRUE;
}

static PlUnetAt
layer_of (double v)
{
  return v >= 1.0 ? PL_UNET_AT_FEATURES : PL_UNET_AT_BOTTLENECK;
}

/* Selvaraju et al. 2017, eq. 1–2, on the score of a region (Vinogradova et
 * al. 2020): ReLU (Σ_c mean (dS/dA_c) A_c), bilinearly up-sampled. */
PL_EXPLAIN_DECLARE (pl_explain_gradcam)
{
  return pl_explain_gradcam_map (ex, layer_of (params[0]), map, error);
}

/* Selvaraju et al. 2017, sec. 3.1: guided backpropagation ⊙ Grad-CAM. */
PL_EXPLAIN_DECLARE (pl_explain_guided_gradcam)
{
  gsize hw = (gsize) ex->h * ex->w;
  g_autofree float *cam = g_new (float, hw);

  if (!pl_explain_gradcam_map (ex, layer_of (params[0]), cam, error)
      || !one_pass (ex, PL_RULE_GUIDED, PL_RULE_DEFAULT, PL_EXPLAIN_GRAD, map, error))
    return FALSE;
  for (gsize p = 0; p < hw; p++)
    map[p] *= cam[p];
  return TRUE;
}

/* Batch norm: on the network with it folded into the convolutions before
 * it (pl_unet_fold_batch_norm; the same logits for this input), so that the
 * convolution rules see the whole affine layer. */
static gboolean
lrp (PlExplainer *ex, const PlExplainRules *r, float *map, PlExplainInfo *info, GError **error)
{
  gsize hw = (gsize) ex->h * ex->w;
  double s = 0.0;

  /* The attention and layer-norm operators have no LRP rule: their plain
   * gradient would pass for relevance without conserving it. */
  if (pl_unet_get_config (ex->unet)->attention_heads > 0)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_RULE,
                   "LRP has no rule for the network's attention block");
      return FALSE;
    }
  if (pl_unet_get_config (ex->unet)->batch_norm)
    {
      g_autoptr (PlUnet) folded = pl_unet_fold_batch_norm (ex->unet, ex->tape, ex->x, ex->h, ex->w);
      g_autoptr (PlExplainer) fx = pl_explainer_new_like (ex, folded);
      if (!pl_explain_input_grads (fx, fx->x, 1, r, PL_EXPLAIN_GRAD_X_INPUT, map, NULL, error))
        return FALSE;
    }
  else if (!pl_explain_input_grads (ex, ex->x, 1, r, PL_EXPLAIN_GRAD_X_INPUT, map, NULL, error))
    return FALSE;
  for (gsize p = 0; p < hw; p++)
    s += map[p];
  info->relevance_sum = s;
  return TRUE;
}

/* Bach et al. 2015, eq. 58 (tape.h, conv.c). */
PL_EXPLAIN_DECLARE (pl_explain_lrp_epsilon)
{
  PlExplainRules r = { PL_RULE_DEFAULT, PL_RULE_LRP_EPSILON, PL_RULE_LRP_EPSILON, params[1] != 0.0,
                       params[0], 1.0, 0.0 };
  return lrp (ex, &r, map, info, error);
}

/* Bach et al. 2015, eq. 60; α − β = 1 keeps the relevance conserved.
 * αβ distributes R_j over the positive (and negative) contributions, so a
 * neuron with relevance but no positive contribution loses it: that cannot
 * happen behind a ReLU (R_j ≠ 0 only where z_j > 0), but does at the
 * outputs of the head and of the transposed convolutions, which have no
 * ReLU; those take the ε rule, as in the ε-z⁺ composite of Kohlbrenner et
 * al. 2020 (ε for the dense/output layers, z⁺ for the convolutions). */
PL_EXPLAIN_DECLARE (pl_explain_lrp_alpha_beta)
{
  PlExplainRules r = { PL_RULE_DEFAULT, PL_RULE_LRP_ALPHA_BETA, PL_RULE_LRP_EPSILON, params[2] != 0.0,
                       1e-6, params[0], params[1] };
  if (fabs (params[0] - params[1] - 1.0) > 1e-9)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "%s: α − β must be 1 (α = %g, β = %g)", method->name, params[0], params[1]);
      return FALSE;
    }
  return lrp (ex, &r, map, info, error);
}
