/* Compactness (affinity) auxiliary loss: representations of pixels that
 * are close — painted with the same label, or of similar intensity and
 * position where not painted — are pulled together at a chosen decoder
 * level, weighted by an affinity matrix over pixels sampled from each slice:
 *
 *   L = L_seg(painted) + w(t) · Σ_ij A_ij ||u_i − u_j||² / Σ A,
 *   u = f / |f| (pl_affinity_loss),
 *
 * on unit vectors, so that the term cannot be lowered by shrinking every
 * feature and stays in [0, 4] whatever the features' scale (on raw
 * features it drove small classes out of the prediction at λ 0.1 and even
 * at 0.01, docs/methods.md).
 * A_ij = [y_i = y_j] when both pixels are painted, else the bilateral
 * kernel exp(−(I_i − I_j)²/2σ_I² − |p_i − p_j|²/2σ_p²) of the dense-CRF
 * pairwise term (Krähenbühl & Koltun 2011) as used for a loss on unlabelled
 * pixels by Tang et al. (2018, "On regularized losses for weakly-supervised
 * CNN segmentation", ECCV); here it acts on features, not on predictions,
 * as the compactness / affinity losses of few-label segmentation do (a
 * class's pixels form a compact cluster in representation space).  The
 * batch holds batch − unlabelled_batch painted and unlabelled_batch
 * unpainted slices (augmented); w(t) = lambda · exp(−5 (1 − t/rampup)²)
 * (Laine & Aila 2017). */
#define G_LOG_DOMAIN "pl-methods"

#include "engine/methods/method-private.h"
#include "engine/ops/loss.h"

#include <math.h>
#include <string.h>

/* Sampled pixels of one batch at a feature map of (fh, fw) for images of
 * (h, w): flat indices into the map, and A (n, m, m). */
static void
sample_affinity (const PlBatch *b, int fh, int fw, int m, const PlCompactnessConfig *c,
                 PlRng *rng, gint32 *pixels, float *affinity)
{
  int sy = b->h / fh, sx = b->w / fw;
  gsize plane = (gsize) b->h * b->w;
  double ki = 1.0 / (2.0 * c->sigma_intensity * c->sigma_intensity);
  double kp = 1.0 / (2.0 * c->sigma_position * c->sigma_position);
  g_autofree float *iv = g_new (float, m);
  g_autofree gint32 *lab = g_new (gint32, m);
  g_autofree int *py = g_new (int, m), *px = g_new (int, m);

  for (int n = 0; n < b->n; n++)
    {
      gint32 *p = pixels + (gsize) n * m;
      float *a = affinity + (gsize) n * m * m;
      for (int i = 0; i < m; i++)
        {
          int fy = (int) pl_rng_below (rng, (guint32) fh), fx = (int) pl_rng_below (rng, (guint32) fw);
          gsize at;
          p[i] = fy * fw + fx;
          /* the image pixel at the centre of the feature's cell */
          py[i] = fy * sy + sy / 2;
          px[i] = fx * sx + sx / 2;
          at = (gsize) n * plane + (gsize) py[i] * b->w + px[i];
          /* the slice's own intensity */
          iv[i] = b->x[((gsize) n * b->c + b->centre) * plane + (gsize) py[i] * b->w + px[i]];
          lab[i] = b->target[at];
        }
      for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++)
          {
            double dI = iv[i] - iv[j], dy = py[i] - py[j], dx = px[i] - px[j];
            if (i == j)
              a[i * m + j] = 0.0f;
            else if (lab[i] >= 0 && lab[j] >= 0)
              a[i * m + j] = lab[i] == lab[j] ? 1.0f : 0.0f;
            else
              a[i * m + j] = (float) exp (-dI * dI * ki - (dy * dy + dx * dx) * kp);
          }
    }
}

static PlTensor *
compactness_loss (PlTrainer *tr, PlTape *tape, const PlBatch *batch,
                  gpointer user_data, GError **error)
{
  PlMethodState *st = user_data;
  const PlCompactnessConfig *c = &st->cfg.compactness;
  const PlTrainConfig *tc = pl_trainer_get_config (tr);
  gint64 t = pl_trainer_get_step (tr) - st->installed_at;
  int nu = tc->batch - batch->n, m = c->samples;
  int depth = pl_unet_get_config (pl_trainer_get_model (tr)->unet)->depth;
  gint64 *picks = pl_tape_alloc (tape, sizeof (gint64) * nu);
  PlRng *rng = pl_trainer_get_rng (tr);
  PlBatch ub, all;
  PlUnetRun run;
  PlTensor *logits, *f, *sup, *comp;
  gint32 *pixels;
  float *affinity;
  double w = c->lambda * pl_method_sigmoid_rampup (t, c->rampup_steps);

  if (c->layer > depth - 1)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "compactness layer %d: this network has decoder levels 1 to %d", c->layer, depth - 1);
      return NULL;
    }
  st->status.steps = t + 1;
  pl_trainer_sample (tr, tape, nu, pl_method_pick_unlabelled (st, tr, nu, picks) ? picks : NULL,
                     tc->augment, &ub);
  pl_method_concat_batches (tape, batch, &ub, &all);

  logits = pl_trainer_forward_run (tr, tape, pl_tape_wrap (tape, all.n, all.c, all.h, all.w, all.x, FALSE), &run);
  f = run.decoder[c->layer];
  pixels = pl_tape_alloc (tape, sizeof (gint32) * all.n * m);
  affinity = pl_tape_alloc (tape, sizeof (float) * all.n * m * m);
  sample_affinity (&all, f->h, f->w, m, c, rng, pixels, affinity);

  sup = pl_method_seg_loss (tape, logits, NULL, all.target);
  comp = pl_affinity_loss (tape, f, m, pixels, affinity);

  st->status.weight = w;
  st->status.supervised_loss = sup->data[0];
  st->status.unlabelled_loss = comp->data[0];
  return pl_method_weighted_sum (tape, sup, comp, w);
}

static void
compactness_describe (const PlMethodStatus *st, GString *s)
{
  if (isfinite (st->unlabelled_loss))
    g_string_append_printf (s, "%scompactness %.4f × %.3g", s->len ? " · " : "",
                            st->unlabelled_loss, st->weight);
}

/* Defaults.  λ = 0.01: on Colin27's atlas classes the term cost Dice at
 * every weight measured (even split of 3 slices, seeds 0–2, 600 steps of
 * unet2d-ref: supervised 0.700, λ 0.1 0.582, λ 0.01 0.675; docs/methods.md):
 * pixels alike in intensity and place belong to different atlas regions
 * there, and the term pulls them together.  At 0.01 it is a nudge (the
 * term lies in [0, 4]; the segmentation loss ends near 0.2) that a user
 * raises where classes do follow intensity.  Level 1
 * (the last decoder block): the representation the head classifies.  128
 * pixels per slice: 16 384 pairs, enough to cover a slice's structures
 * without making the step slower than the forward.  σ_I = 0.1 in
 * normalised intensity (grey and white matter of T1 differ by about 0.2 of
 * the maximum), σ_p = 20 pixels (the dense CRF's bilateral θ_α is 60–80 px
 * at full image size; a smaller one keeps unpainted pairs local).  Ramp-up
 * over 100 steps and half of each batch unpainted, as the other methods. */
#define P(field, label, help, type, dflt, min, max, step, digits) \
  PL_METHOD_PARAM (#field, label, help, type, dflt, min, max, step, digits, compactness.field)
#define I PL_METHOD_PARAM_INT
#define F PL_METHOD_PARAM_FLOAT

static const PlMethodParam compactness_params[] = {
  P (lambda, "Weight λ", "Largest weight of the compactness term against the segmentation loss", F, 0.01, 0, 1000, 0.01, 3),
  P (layer, "Decoder level", "Where representations are compared: 1 the last decoder block (full resolution), 2 the one before (half), …", I, 1, 1, 8, 1, 0),
  P (samples, "Pixels per slice", "Pixels drawn from each slice; every pair of them is weighted by its affinity", I, 128, 2, 2048, 16, 0),
  P (sigma_intensity, "Intensity σ", "Unpainted pixels are close when their intensities differ by less than about this (normalised units)", F, 0.1, 0.001, 10, 0.01, 3),
  P (sigma_position, "Position σ", "… and when they lie within about this many pixels of each other", F, 20, 0.1, 10000, 1, 1),
  P (rampup_steps, "Ramp-up steps", "Steps over which the weight rises as exp(−5 (1 − t)²)", I, 100, 0, 1e6, 50, 0),
  P (unlabelled_batch, "Unlabelled per batch", "Slices of each batch taken from the slices without labels: at most this many, fewer when more slices are painted than the rest of the batch holds (up to batch − 1 painted a step)", I, 4, 1, 4095, 1, 0),
};

#undef P
#undef I
#undef F

static const PlMethodHooks compactness_hooks = {
  .painted_first = TRUE,
  .loss = compactness_loss,
  .describe = compactness_describe,
};

const PlMethodInfo pl_method_compactness = {
  .kind = PL_METHOD_COMPACTNESS,
  .name = "compactness",
  .title = "Compactness loss",
  .summary = "Pulls together the decoder's representations of pixels painted alike, or alike in intensity and place where unpainted.",
  .params = compactness_params,
  .n_params = G_N_ELEMENTS (compactness_params),
  .hooks = &compactness_hooks,
};
