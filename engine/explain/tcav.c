/* TCAV (Kim et al. 2018) on a segmentation network's layer activations. */
#define G_LOG_DOMAIN "pl-explain"

#include "engine/explain/tcav.h"
#include "engine/explain/explain-private.h"
#include "engine/core/rng.h"
#include "engine/data/dataset.h"
#include "engine/data/metrics.h"
#include "engine/nn/infer.h"
#include "engine/ops/ops.h"

#include <math.h>
#include <string.h>

/* ---- Student's t distribution ------------------------------------------ */

/* Continued fraction of the regularised incomplete beta function, evaluated
 * with the modified Lentz method (the expansion of I_x(a, b) in terms of
 * d_{2m+1} = −(a+m)(a+b+m)x / ((a+2m)(a+2m+1)), d_{2m} = m(b−m)x /
 * ((a+2m−1)(a+2m))). */
static double
beta_cf (double a, double b, double x)
{
  const double tiny = 1e-300;
  double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0), f;

  d = fabs (d) < tiny ? tiny : d;
  d = 1.0 / d;
  f = d;
  for (int m = 1; m <= 300; m++)
    {
      double num = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)), delta;
      d = 1.0 + num * d;
      d = fabs (d) < tiny ? tiny : d;
      c = 1.0 + num / c;
      c = fabs (c) < tiny ? tiny : c;
      d = 1.0 / d;
      f *= d * c;
      num = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
      d = 1.0 + num * d;
      d = fabs (d) < tiny ? tiny : d;
      c = 1.0 + num / c;
      c = fabs (c) < tiny ? tiny : c;
      d = 1.0 / d;
      delta = d * c;
      f *= delta;
      if (fabs (delta - 1.0) < 1e-14)
        break;
    }
  return f;
}

static double
incomplete_beta (double a, double b, double x)
{
  double front;
  if (x <= 0.0)
    return 0.0;
  if (x >= 1.0)
    return 1.0;
  front = exp (lgamma (a + b) - lgamma (a) - lgamma (b) + a * log (x) + b * log1p (-x));
  if (x < (a + 1.0) / (a + b + 2.0))
    return front * beta_cf (a, b, x) / a;
  return 1.0 - front * beta_cf (b, a, 1.0 - x) / b;
}

double
pl_welch_t_test (const double *a, int na, const double *b, int nb, double *t, double *df)
{
  double ma, sa, mb, sb, va, vb;

  pl_mean_sd (a, na, &ma, &sa);
  pl_mean_sd (b, nb, &mb, &sb);
  va = sa * sa / na;
  vb = sb * sb / nb;
  if (va + vb == 0.0)
    {
      *t = ma == mb ? 0.0 : (ma > mb ? INFINITY : -INFINITY);
      *df = na + nb - 2;
      return ma == mb ? 1.0 : 0.0;
    }
  *t = (ma - mb) / sqrt (va + vb);
  *df = (va + vb) * (va + vb)
        / ((na > 1 ? va * va / (na - 1) : 0.0) + (nb > 1 ? vb * vb / (nb - 1) : 0.0));
  /* P(|T| > t) = I_{df/(df+t²)} (df/2, 1/2) */
  return incomplete_beta (*df / 2.0, 0.5, *df / (*df + *t * *t));
}

/* ---- activations -------------------------------------------------------- */

typedef struct
{
  PlModel        *model;
  const PlVolume *volume;
  int             axis, sh, sw, wh, ww, oy, ox;
  PlUnetAt        layer;
  PlTape         *tape;
  float          *slice;
  int             C, ah, aw;   /* layer shape */
} Acts;

/* The layer's activations (C, ah, aw) of slice z (owned by the tape until
 * the next call). */
static const float *
activations (Acts *a, gint64 z)
{
  PlUnetRun run = { 0 };
  PlTensor *x, *A;

  pl_tape_reset (a->tape);
  pl_volume_get_slice (a->volume, a->axis, z, a->slice);
  pl_model_normalise (a->model, a->slice, (gsize) a->sh * a->sw, a->slice);
  x = pl_tape_tensor (a->tape, 1, 1, a->wh, a->ww);
  pl_window_extract_f32 (a->slice, a->sh, a->sw, a->oy, a->ox, a->wh, a->ww, 0.0f, x->data);
  pl_unet_forward (a->model->unet, a->tape, x, &run);
  A = a->layer == PL_UNET_AT_BOTTLENECK ? run.bottleneck : run.features;
  a->C = A->c;
  a->ah = A->h;
  a->aw = A->w;
  return A->data;
}

static void
take (GArray *set, const float *A, int C, gsize plane, gsize p)
{
  for (int c = 0; c < C; c++)
    g_array_append_val (set, A[c * plane + p]);
}

/* Keeps at most max examples (rows of C floats), chosen at random. */
static void
subsample (GArray *set, int C, int max, PlRng *rng)
{
  int n = set->len / C;
  float *d = (float *) set->data;
  for (int i = 0; i < MIN (n, max); i++)
    {
      int j = i + (int) pl_rng_below (rng, n - i);
      for (int c = 0; c < C; c++)
        {
          float t = d[i * C + c];
          d[i * C + c] = d[j * C + c];
          d[j * C + c] = t;
        }
    }
  if (n > max)
    g_array_set_size (set, (gsize) max * C);
}

/* Logistic regression of pos (label 1) against neg (label 0) on
 * standardised features, full-batch gradient descent; the CAV (C) is its
 * normal in activation units, unit length.  Returns the training accuracy. */
static double
fit_cav (const GArray *pos, const GArray *neg, int C, double *cav)
{
  int np = pos->len / C, nn = neg->len / C, n = np + nn;
  g_autofree double *mu = g_new0 (double, C), *sd = g_new0 (double, C);
  g_autofree double *w = g_new0 (double, C), *g = g_new (double, C);
  double b = 0.0, norm = 0.0;
  int correct = 0;

  for (int k = 0; k < 2; k++)
    {
      const GArray *set = k ? neg : pos;
      for (guint i = 0; i < set->len; i++)
        mu[i % C] += g_array_index (set, float, i) / n;
    }
  for (int k = 0; k < 2; k++)
    {
      const GArray *set = k ? neg : pos;
      for (guint i = 0; i < set->len; i++)
        {
          double d = g_array_index (set, float, i) - mu[i % C];
          sd[i % C] += d * d / n;
        }
    }
  for (int c = 0; c < C; c++)
    sd[c] = sd[c] > 1e-12 ? sqrt (sd[c]) : 1.0;
  for (int it = 0; it < 300; it++)
    {
      double gb = 0.0;
      memset (g, 0, C * sizeof (double));
      for (int k = 0; k < 2; k++)
        {
          const GArray *set = k ? neg : pos;
          const float *d = (const float *) set->data;
          for (guint i = 0; i < set->len / C; i++)
            {
              double z = b, e;
              for (int c = 0; c < C; c++)
                z += w[c] * (d[i * C + c] - mu[c]) / sd[c];
              e = 1.0 / (1.0 + exp (-z)) - (k ? 0.0 : 1.0);
              gb += e / n;
              for (int c = 0; c < C; c++)
                g[c] += e * (d[i * C + c] - mu[c]) / sd[c] / n;
            }
        }
      b -= 0.5 * gb;
      for (int c = 0; c < C; c++)
        w[c] -= 0.5 * (g[c] + 1e-3 * w[c]);
    }
  for (int k = 0; k < 2; k++)
    {
      const GArray *set = k ? neg : pos;
      const float *d = (const float *) set->data;
      for (guint i = 0; i < set->len / C; i++)
        {
          double z = b;
          for (int c = 0; c < C; c++)
            z += w[c] * (d[i * C + c] - mu[c]) / sd[c];
          correct += (z > 0) == !k;
        }
    }
  for (int c = 0; c < C; c++)
    {
      cav[c] = w[c] / sd[c];
      norm += cav[c] * cav[c];
    }
  norm = sqrt (norm);
  for (int c = 0; c < C; c++)
    cav[c] = norm > 0 ? cav[c] / norm : 0.0;
  return (double) correct / n;
}

/* Fraction of slices whose summed directional derivative along cav is > 0;
 * grads: per slice, Σ over positions of ∂S/∂A (C). */
static double
tcav_score (const double *grads, int n_slices, int C, const double *cav)
{
  int pos = 0;
  for (int s = 0; s < n_slices; s++)
    {
      double d = 0.0;
      for (int c = 0; c < C; c++)
        d += grads[(gsize) s * C + c] * cav[c];
      pos += d > 0.0;
    }
  return n_slices ? (double) pos / n_slices : 0.0;
}

gboolean
pl_tcav_run (PlModel *model, const PlVolume *volume, int axis, const PlLabels *concepts,
             guint16 concept_value, const gint64 *eval_slices, int n_eval,
             const PlTcavConfig *cfg, PlTcavResult *res, const PlProgress *progress,
             GError **error)
{
  const PlUnetConfig *uc = pl_unet_get_config (model->unet);
  int m = pl_unet_config_multiple (uc), R = cfg->n_random, C = 0, n_slices = 0;
  gint64 nz = volume->dim[axis];
  g_autofree guint16 *lab = NULL;
  g_autofree double *grads = NULL, *cav = NULL, *concept_scores = NULL, *random_scores = NULL;
  g_autoptr (GArray) concept = g_array_new (FALSE, FALSE, sizeof (float));
  GArray **randoms = NULL;
  Acts a = { model, volume, axis };
  PlRng rng;
  gboolean ok = FALSE;

  memset (res, 0, sizeof *res);
  if (R < 10 || cfg->max_examples < 2 || uc->in_channels != 1 || axis < 0 || axis > 2
      || cfg->cls < 0 || cfg->cls >= uc->n_classes)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "TCAV needs ≥ 10 random sets, ≥ 2 examples per set, a one-channel model "
                   "and an existing class");
      return FALSE;
    }
  if (memcmp (concepts->dim, volume->dim, sizeof volume->dim) != 0)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_GRID_MISMATCH, "concept labels and volume differ in size");
      return FALSE;
    }
  pl_rng_init (&rng, cfg->seed);
  pl_slice_dims (volume->dim, axis, &a.sh, &a.sw);
  pl_fit_window (a.sh, a.sw, m, PL_FIT_CROP, &a.wh, &a.ww, &a.oy, &a.ox);
  if (a.wh <= 0 || a.ww <= 0)
    pl_fit_window (a.sh, a.sw, m, PL_FIT_PAD, &a.wh, &a.ww, &a.oy, &a.ox);
  a.layer = cfg->layer;
  a.tape = pl_tape_new ((gsize) a.wh * a.ww * 4 * 160);
  pl_tape_set_grad_enabled (a.tape, FALSE);
  a.slice = g_new (float, (gsize) a.sh * a.sw);
  lab = g_new (guint16, (gsize) a.sh * a.sw);

  /* Concept examples: layer positions whose centre is in the concept. */
  for (gint64 z = 0; z < nz; z++)
    {
      gboolean any = FALSE;
      const float *A;
      int f;
      pl_labels_get_slice (concepts, axis, z, lab);
      for (gsize i = 0; i < (gsize) a.sh * a.sw && !any; i++)
        any = lab[i] == concept_value;
      if (!any)
        continue;
      if (!pl_progress_report (progress, 0.3 * z / nz, NULL))
        {
          pl_progress_set_cancelled_error (error);
          goto out;
        }
      A = activations (&a, z);
      C = a.C;
      f = a.wh / a.ah;
      for (int i = 0; i < a.ah; i++)
        for (int j = 0; j < a.aw; j++)
          {
            int y = i * f + f / 2 + a.oy, x = j * f + f / 2 + a.ox;
            if (y >= 0 && y < a.sh && x >= 0 && x < a.sw && lab[(gsize) y * a.sw + x] == concept_value)
              take (concept, A, C, (gsize) a.ah * a.aw, (gsize) i * a.aw + j);
          }
    }
  if (concept->len == 0)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "label %u marks no voxel at the layer's positions: no concept examples",
                   concept_value);
      goto out;
    }
  subsample (concept, C, cfg->max_examples, &rng);
  res->n_examples = concept->len / C;

  /* R + 1 random sets of positions on random slices. */
  randoms = g_new0 (GArray *, R + 1);
  for (int r = 0; r <= R; r++)
    {
      randoms[r] = g_array_new (FALSE, FALSE, sizeof (float));
      if (!pl_progress_report (progress, 0.3 + 0.3 * r / (R + 1), NULL))
        {
          pl_progress_set_cancelled_error (error);
          goto out;
        }
      /* A few slices per set, positions drawn from each. */
      for (int k = 0; k < 4; k++)
        {
          const float *A = activations (&a, (gint64) pl_rng_below (&rng, (guint32) nz));
          gsize plane = (gsize) a.ah * a.aw;
          for (int e = 0; e < (cfg->max_examples + 3) / 4; e++)
            take (randoms[r], A, C, plane, pl_rng_below (&rng, (guint32) plane));
        }
    }

  /* Gradients of each evaluation slice's score at the layer, summed over
   * the positions (C per slice). */
  grads = g_new0 (double, (gsize) MAX (n_eval, 1) * C);
  for (int s = 0; s < n_eval; s++)
    {
      PlExplainTarget t = { cfg->cls, PL_EXPLAIN_REGION_PREDICTED, 0, 0, NULL };
      g_autoptr (PlExplainer) ex = NULL;
      g_autofree float *G = NULL;
      int gc, gh, gw;
      if (!pl_progress_report (progress, 0.6 + 0.3 * s / n_eval, NULL))
        {
          pl_progress_set_cancelled_error (error);
          goto out;
        }
      ex = pl_explainer_new_from_volume (model, volume, axis, eval_slices[s], &t, NULL);
      if (!ex)
        continue;   /* the class is predicted nowhere on this slice */
      if (!pl_explain_layer_grad (ex, cfg->layer, NULL, &G, &gc, &gh, &gw, error))
        goto out;
      for (int c = 0; c < gc; c++)
        for (gsize p = 0; p < (gsize) gh * gw; p++)
          grads[(gsize) n_slices * C + c] += G[c * (gsize) gh * gw + p];
      n_slices++;
    }
  res->n_slices = n_slices;
  if (n_slices == 0)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "class %d is predicted on none of the evaluation slices", cfg->cls);
      goto out;
    }

  cav = g_new (double, C);
  concept_scores = g_new (double, R);
  random_scores = g_new (double, R);
  for (int r = 1; r <= R; r++)
    {
      res->cav_accuracy += fit_cav (concept, randoms[r], C, cav) / R;
      concept_scores[r - 1] = tcav_score (grads, n_slices, C, cav);
      fit_cav (randoms[0], randoms[r], C, cav);
      random_scores[r - 1] = tcav_score (grads, n_slices, C, cav);
    }
  pl_mean_sd (concept_scores, R, &res->score, &res->score_sd);
  pl_mean_sd (random_scores, R, &res->random_score, &res->random_sd);
  res->p = pl_welch_t_test (concept_scores, R, random_scores, R, &res->t, &res->df);
  pl_progress_report (progress, 1.0, NULL);
  ok = TRUE;
out:
  if (randoms)
    for (int r = 0; r <= R; r++)
      if (randoms[r])
        g_array_unref (randoms[r]);
  g_free (randoms);
  g_free (a.slice);
  pl_tape_free (a.tape);
  return ok;
}
