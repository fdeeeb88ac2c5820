/* Consistency under spatial transformations (Bortsova et al. 2019,
 * "Semi-supervised medical image segmentation via learning consistency
 * under transformations", MICCAI, eq. 1): a Siamese pair of the same
 * network sees two transformed copies φ1∘x, φ2∘x of every slice of the
 * batch (batch − unlabelled_batch labelled, unlabelled_batch unlabelled);
 * a segmentation should transform with its image, so
 *
 *   L = ½ (L_seg(f(φ1 x), φ1 y) + L_seg(f(φ2 x), φ2 y))        (labelled)
 *     + w(t) · Σ_m m (φ2∘φ1⁻¹ [softmax f(φ1 x)] − softmax f(φ2 x))² / Σ m
 *
 * with gradients through both branches, m the pixels (× classes) at which
 * both φ2 and φ2∘φ1⁻¹ sample inside their input, and w(t) the sigmoid
 * ramp-up of Laine & Aila (2017).  The paper used elastic deformations;
 * here φ is affine — flips, rotation, scaling — as in Li et al. (2020,
 * TCSM), which the bilinear resampling operator differentiates exactly.
 *
 * Transformations are affine_grid thetas (ops.h): resample (x, θ)(u) =
 * x (θ u) in normalised coordinates.  If f is equivariant, f(φ1 x)(u) =
 * P(θ1 u) and f(φ2 x)(u) = P(θ2 u) for P = f(x), so resampling the first
 * with M = θ1⁻¹ θ2 gives the second: P(θ1 θ1⁻¹ θ2 u). */
#define G_LOG_DOMAIN "pl-methods"

#include "engine/methods/method-private.h"
#include "engine/ops/loss.h"

#include <math.h>
#include <string.h>

static void
random_theta (PlRng *rng, int h, int w, const PlConsistencyConfig *c, const float flip[2],
              float theta[6])
{
  float ang = pl_rng_range (rng, -c->transform_rotation, c->transform_rotation) * (float) G_PI / 180.0f;
  float sc = pl_rng_range (rng, 1.0f - c->transform_scale, 1.0f + c->transform_scale);
  float fh = pl_rng_uniform (rng) < flip[0] ? -1.0f : 1.0f;
  float fw = pl_rng_uniform (rng) < flip[1] ? -1.0f : 1.0f;
  float co = cosf (ang), si = sinf (ang);

  /* As pl_augment_theta (pixel-space rotation in normalised coordinates),
   * times the scale. */
  theta[0] = sc * co * fw;
  theta[1] = -sc * si * ((float) h / w) * fh;
  theta[2] = 0.0f;
  theta[3] = sc * si * ((float) w / h) * fw;
  theta[4] = sc * co * fh;
  theta[5] = 0.0f;
}

/* m = a⁻¹ ∘ b for 2×3 affine maps [A | t]: A_a⁻¹ A_b, A_a⁻¹ (t_b − t_a). */
static void
compose_inverse (const float a[6], const float b[6], float m[6])
{
  double det = (double) a[0] * a[4] - (double) a[1] * a[3];
  double i00 = a[4] / det, i01 = -a[1] / det, i10 = -a[3] / det, i11 = a[0] / det;
  double tx = b[2] - a[2], ty = b[5] - a[5];

  m[0] = (float) (i00 * b[0] + i01 * b[3]);
  m[1] = (float) (i00 * b[1] + i01 * b[4]);
  m[2] = (float) (i00 * tx + i01 * ty);
  m[3] = (float) (i10 * b[0] + i11 * b[3]);
  m[4] = (float) (i10 * b[1] + i11 * b[4]);
  m[5] = (float) (i10 * tx + i11 * ty);
}

/* Whether θ maps the pixel centre (u, v) to where bilinear sampling reads
 * only pixels inside the input (|u'| ≤ 1 − 1/W, |v'| ≤ 1 − 1/H). */
static gboolean
inside (const float th[6], double u, double v, int h, int w)
{
  double uu = th[0] * u + th[1] * v + th[2], vv = th[3] * u + th[4] * v + th[5];
  return fabs (uu) <= 1.0 - 1.0 / w && fabs (vv) <= 1.0 - 1.0 / h;
}

static PlTensor *
consistency_loss (PlTrainer *tr, PlTape *tape, const PlBatch *batch,
                  gpointer user_data, GError **error)
{
  PlMethodState *st = user_data;
  const PlConsistencyConfig *c = &st->cfg.consistency;
  int K = pl_trainer_get_n_classes (tr), nu = pl_trainer_get_config (tr)->batch - batch->n;
  gint64 t = pl_trainer_get_step (tr) - st->installed_at;
  PlRng *rng = pl_trainer_get_rng (tr);
  gint64 *sl = pl_tape_alloc (tape, sizeof (gint64) * (batch->n + nu));
  PlBatch raw;
  int n, h, w;
  gsize plane;
  float *th1, *th2, *m12;
  gint32 *t1, *t2;
  PlTensor *x, *x1, *x2, *l1, *l2, *p1, *p2, *p1w, *mask, *sup, *cons;
  double w_t = c->consistency * pl_method_sigmoid_rampup (t, c->rampup_steps), count = 0.0;
  float flip[2] = { c->transform_flip, c->transform_flip };
  int lateral = pl_trainer_get_lateral_axis (tr);

  /* With sided labels a flip across the sides changes the answer (left
   * becomes right), so the two answers would not agree once brought into
   * one frame: no such flip. */
  if (lateral >= 0 && (pl_trainer_get_mirror_classes (tr) || !pl_trainer_get_lateral_flips (tr)))
    flip[lateral] = 0.0f;

  st->status.steps = t + 1;
  /* The labelled slices the trainer drew, untransformed, and unlabelled
   * ones (from every slice when all are painted). */
  memcpy (sl, batch->slices, sizeof (gint64) * batch->n);
  if (!pl_method_pick_unlabelled (st, tr, nu, sl + batch->n))
    for (int i = 0; i < nu; i++)
      sl[batch->n + i] = pl_rng_below (rng, (guint32) pl_trainer_get_volume (tr)->dim[pl_trainer_get_axis (tr)]);
  n = batch->n + nu;
  pl_trainer_sample (tr, tape, n, sl, FALSE, &raw);
  h = raw.h;
  w = raw.w;
  plane = (gsize) h * w;

  th1 = pl_tape_alloc (tape, sizeof (float) * 6 * n);
  th2 = pl_tape_alloc (tape, sizeof (float) * 6 * n);
  m12 = pl_tape_alloc (tape, sizeof (float) * 6 * n);
  for (int i = 0; i < n; i++)
    {
      random_theta (rng, h, w, c, flip, th1 + 6 * i);
      random_theta (rng, h, w, c, flip, th2 + 6 * i);
      compose_inverse (th1 + 6 * i, th2 + 6 * i, m12 + 6 * i);
    }
  x = pl_tape_wrap (tape, n, raw.c, h, w, raw.x, FALSE);
  x1 = pl_resample (tape, x, th1, PL_INTERP_BILINEAR);
  x2 = pl_resample (tape, x, th2, PL_INTERP_BILINEAR);
  /* a position channel stays in the network's frame (no gradient reaches
   * the input) */
  pl_trainer_fill_coords (tr, n, raw.c, sl, x1->data);
  pl_trainer_fill_coords (tr, n, raw.c, sl, x2->data);
  t1 = pl_tape_alloc (tape, sizeof (gint32) * n * plane);
  t2 = pl_tape_alloc (tape, sizeof (gint32) * n * plane);
  pl_resample_labels (raw.target, t1, n, h, w, th1, -1);
  pl_resample_labels (raw.target, t2, n, h, w, th2, -1);

  l1 = pl_trainer_forward (tr, tape, x1);
  l2 = pl_trainer_forward (tr, tape, x2);
  p1 = pl_softmax (tape, l1);
  p2 = pl_softmax (tape, l2);
  sup = pl_affine_scalar (tape, pl_add (tape, pl_method_seg_loss (tape, l1, p1, t1),
                                        pl_method_seg_loss (tape, l2, p2, t2)), 0.5f, 0.0f);

  p1w = pl_resample (tape, p1, m12, PL_INTERP_BILINEAR);
  mask = pl_tape_zeros (tape, n, K, h, w);
  for (int i = 0; i < n; i++)
    for (int y = 0; y < h; y++)
      for (int xx = 0; xx < w; xx++)
        {
          double u = (2.0 * xx + 1.0) / w - 1.0, v = (2.0 * y + 1.0) / h - 1.0;
          if (inside (th2 + 6 * i, u, v, h, w) && inside (m12 + 6 * i, u, v, h, w))
            {
              for (int k = 0; k < K; k++)
                mask->data[((gsize) i * K + k) * plane + (gsize) y * w + xx] = 1.0f;
              count += K;
            }
        }
  cons = pl_method_masked_mse (tape, p1w, p2, mask, count);
  pl_method_watch_classes (st, tr, raw.target, batch->n, p2, batch->n, mask);

  st->status.weight = w_t;
  st->status.supervised_loss = sup->data[0];
  st->status.unlabelled_loss = cons->data[0];
  return pl_method_weighted_sum (tape, sup, cons, w_t);
}

/* Defaults.  Bortsova et al. (2019, eq. 1: supervised loss + λ ·
 * consistency, on a Siamese pair of transformed inputs) used elastic
 * deformations; affine maps (flips, rotations, scaling) are the
 * transformations of Li et al. (2020, TCSM, §III-B).  Weight and ramp-up as
 * the mean teacher's (method-mean-teacher.c). */
#define P(field, label, help, type, dflt, min, max, step, digits) \
  PL_METHOD_PARAM (#field, label, help, type, dflt, min, max, step, digits, consistency.field)
#define I PL_METHOD_PARAM_INT
#define F PL_METHOD_PARAM_FLOAT

static const PlMethodParam consistency_params[] = {
  P (consistency, "Consistency weight", "Largest weight of the mean squared difference between the two transformed predictions", F, 1, 0, 1000, 0.1, 2),
  P (rampup_steps, "Ramp-up steps", "Steps over which the consistency weight rises as exp(−5 (1 − t)²)", I, 200, 0, 1e6, 50, 0),
  P (transform_rotation, "Rotation (°)", "Each transformation rotates by an angle uniform in ± this many degrees", F, 15, 0, 180, 1, 1),
  P (transform_scale, "Scaling", "Each transformation scales by a factor uniform in 1 ± this", F, 0.1, 0, 0.5, 0.01, 2),
  P (transform_flip, "Flip probability", "Each transformation flips each axis with this probability", F, 0.5, 0, 1, 0.05, 2),
  P (unlabelled_batch, "Unlabelled per batch", "Slices of each batch taken from the slices without labels: at most this many, fewer when more slices are painted than the rest of the batch holds (up to batch − 1 painted a step)", I, 4, 1, 4095, 1, 0),
};

#undef P
#undef I
#undef F

static const PlMethodHooks consistency_hooks = {
  .painted_first = TRUE,
  .describe = pl_method_describe_least,
  .loss = consistency_loss,
};

const PlMethodInfo pl_method_consistency = {
  .kind = PL_METHOD_CONSISTENCY,
  .name = "consistency",
  .title = "Transformation consistency",
  .summary = "Learns to give the same segmentation to two transformed copies of every slice.",
  .params = consistency_params,
  .n_params = G_N_ELEMENTS (consistency_params),
  .hooks = &consistency_hooks,
};
