/* Mean teacher (Tarvainen & Valpola 2017, "Mean teachers are better role
 * models", NeurIPS): the teacher's weights are an exponential moving average
 * of the student's (eq. 1, applied by the trainer after each step with the
 * α set here), and the student learns to match the teacher's predictions on
 * every slice, labelled or not:
 *
 *   L = L_seg(student(x_l), y_l) + w(t) · mean (softmax student(x) −
 *       softmax teacher(x + ξ))²
 *
 * over the batch of batch − unlabelled_batch labelled and unlabelled_batch
 * unlabelled slices (augmented; the teacher sees the same augmented slices,
 * as in UA-MT, Yu et al. 2019), ξ ~ N(0, noise_std²) clipped to
 * ±noise_clip, dropout on in both networks.  w(t) = consistency ·
 * exp(−5 (1 − t/rampup_steps)²) (Laine & Aila 2017), α_t = min(1 − 1/(t+1),
 * alpha) (the reference code's update_ema_variables), t = steps since the
 * install.
 *
 * Uncertainty-aware (Yu et al. 2019, UA-MT): with uncertainty_passes T > 0
 * the teacher's target is the mean of T softmax outputs, each with fresh
 * noise ξ and dropout, and the difference is counted only on pixels where
 * the entropy of that mean is below H(t) = (0.75 + 0.25 r(t)) ·
 * uncertainty_threshold, r the same sigmoid ramp over threshold_rampup_steps
 * (their 2-D code: ln 2 over the whole run): the mean of the squared
 * differences over the kept pixels and all classes.  Where the teacher
 * cannot tell, the student is not asked to agree with it — which is where
 * agreeing is easiest by giving up a small class. */
#define G_LOG_DOMAIN "pl-methods"

#include "engine/methods/method-private.h"
#include "engine/ops/loss.h"

#include <math.h>
#include <string.h>

/* A fresh teacher: the student as it is now. */
static void
mean_teacher_prepare (PlMethodState *st, PlTrainer *tr)
{
  PlUnet *student = pl_trainer_get_model (tr)->unet;

  pl_trainer_enable_teacher (tr, st->cfg.mean_teacher.alpha);
  st->status.pseudo_kept = NAN;   /* the uncertainty-aware share, once asked */
  memcpy (pl_unet_params (pl_trainer_get_teacher (tr)), pl_unet_params (student),
          pl_unet_n_params (student) * sizeof (float));
}

static PlTensor *
mean_teacher_loss (PlTrainer *tr, PlTape *tape, const PlBatch *batch,
                   gpointer user_data, GError **error)
{
  PlMethodState *st = user_data;
  const PlMeanTeacherConfig *c = &st->cfg.mean_teacher;
  const PlTrainConfig *tc = pl_trainer_get_config (tr);
  gint64 t = pl_trainer_get_step (tr) - st->installed_at;
  int nu = tc->batch - batch->n;   /* unlabelled_batch, or fewer (painted_first) */
  gint64 *picks = pl_tape_alloc (tape, sizeof (gint64) * nu);
  PlRng *rng = pl_trainer_get_rng (tr);
  PlBatch ub, all;
  PlTensor *x, *xt, *logits, *student, *teacher = NULL, *sup, *cons;
  gsize n, plane;
  int K, passes = MAX (c->uncertainty_passes, 1);
  double w = c->consistency * pl_method_sigmoid_rampup (t, c->rampup_steps);
  double alpha = MIN (1.0 - 1.0 / (double) (t + 1), (double) c->alpha);

  st->status.steps = t + 1;
  /* All slices painted: the "unlabelled" part is drawn from every slice. */
  pl_trainer_sample (tr, tape, nu, pl_method_pick_unlabelled (st, tr, nu, picks) ? picks : NULL,
                     tc->augment, &ub);
  pl_method_concat_batches (tape, batch, &ub, &all);
  n = (gsize) all.n * all.c * all.h * all.w;

  x = pl_tape_wrap (tape, all.n, all.c, all.h, all.w, all.x, FALSE);
  logits = pl_trainer_forward (tr, tape, x);
  student = pl_softmax (tape, logits);
  K = student->c;
  plane = (gsize) all.h * all.w;
  /* The teacher's target: one pass, or the mean of `passes` passes, each
   * with its own noise (and dropout). */
  for (int p = 0; p < passes; p++)
    {
      PlTensor *tp;
      xt = pl_tape_tensor (tape, all.n, all.c, all.h, all.w);
      for (gsize i = 0; i < n; i++)
        {
          double xi = c->noise_std > 0.0f ? pl_rng_normal (rng) * c->noise_std : 0.0;
          xt->data[i] = all.x[i] + (float) CLAMP (xi, -c->noise_clip, c->noise_clip);
        }
      /* the teacher's noise is on the image, not on the position */
      pl_trainer_fill_coords (tr, all.n, all.c, all.slices, xt->data);
      tp = pl_softmax (tape, pl_trainer_teacher_forward (tr, tape, xt, rng));
      if (!teacher)
        teacher = pl_tape_detach (tape, tp);
      else
        for (gsize i = 0; i < pl_tensor_numel (tp); i++)
          teacher->data[i] += tp->data[i];
    }
  if (passes > 1)
    for (gsize i = 0; i < pl_tensor_numel (teacher); i++)
      teacher->data[i] /= (float) passes;

  sup = pl_method_seg_loss (tape, logits, student, all.target);
  pl_method_watch_classes (st, tr, all.target, batch->n, student, batch->n, NULL);
  if (c->uncertainty_passes > 0)
    {
      /* UA-MT: only where the teacher's mean prediction is sure enough */
      double H = (0.75 + 0.25 * pl_method_sigmoid_rampup (t, c->threshold_rampup_steps))
                 * c->uncertainty_threshold, count = 0.0;
      PlTensor *mask = pl_tape_zeros (tape, all.n, K, all.h, all.w);
      for (int i = 0; i < all.n; i++)
        for (gsize q = 0; q < plane; q++)
          {
            const float *pt = teacher->data + (gsize) i * K * plane + q;
            double e = 0.0;
            for (int k = 0; k < K; k++)
              if (pt[k * plane] > 0.0f)
                e -= pt[k * plane] * log (pt[k * plane]);
            if (e < H)
              {
                for (int k = 0; k < K; k++)
                  mask->data[((gsize) i * K + k) * plane + q] = 1.0f;
                count += K;
              }
          }
      cons = pl_method_masked_mse (tape, student, teacher, mask, count);
      st->status.pseudo_kept = count / (double) pl_tensor_numel (mask);
    }
  else
    {
      cons = pl_mse (tape, student, teacher);
      st->status.pseudo_kept = NAN;
    }

  pl_trainer_set_teacher_alpha (tr, (float) alpha);
  st->status.alpha = alpha;
  st->status.weight = w;
  st->status.supervised_loss = sup->data[0];
  st->status.unlabelled_loss = cons->data[0];
  return pl_method_weighted_sum (tape, sup, cons, w);
}

static void
mean_teacher_describe (const PlMethodStatus *st, GString *s)
{
  if (isfinite (st->alpha))
    g_string_append_printf (s, "%steacher α %.4f", s->len ? " · " : "", st->alpha);
  if (isfinite (st->pseudo_kept))
    g_string_append_printf (s, " · agreement asked on %.0f%% of pixels", 100.0 * st->pseudo_kept);
  pl_method_describe_least (st, s);
}

/* Defaults.  α = 0.99 and α_t = min(1 − 1/(t+1), α): Tarvainen & Valpola
 * (2017, eq. 1 and their code's update_ema_variables).  Noise
 * ξ ~ N(0, 0.1²) clipped to ±0.2 on the teacher's input, the MSE of
 * softmax outputs averaged over pixels and classes, and batches of half
 * labelled, half unlabelled slices: Yu et al. (2019, UA-MT, §3).  The
 * maximum consistency weight 1 lies between UA-MT's 0.1 and Tarvainen &
 * Valpola's 100 (CIFAR-10); the sigmoid ramp-up exp(−5 (1 − t)²) is Laine &
 * Aila's (2017, appendix A), over 200 steps (a third of the 600-step
 * default budget, as their 80 of 300 epochs).  Uncertainty-aware by default
 * (UA-MT's ln 2 threshold from 0.75 of it, ramped over the default budget),
 * with one teacher pass where UA-MT takes 8: on Colin27 with three painted
 * slices the plain mean teacher lost the smallest class at two seeds of
 * three, and one pass's entropy was enough to keep it (docs/methods.md). */
#define P(field, label, help, type, dflt, min, max, step, digits) \
  PL_METHOD_PARAM (#field, label, help, type, dflt, min, max, step, digits, mean_teacher.field)
#define I PL_METHOD_PARAM_INT
#define F PL_METHOD_PARAM_FLOAT

static const PlMethodParam mean_teacher_params[] = {
  P (alpha, "EMA decay α", "The teacher keeps this share of its weights at each step (ramps up as 1 − 1/(t+1) until it reaches this)", F, 0.99, 0, 1, 0.001, 4),
  P (consistency, "Consistency weight", "Largest weight of the student–teacher mean squared difference of probabilities", F, 1, 0, 1000, 0.1, 2),
  P (rampup_steps, "Ramp-up steps", "Steps over which the consistency weight rises as exp(−5 (1 − t)²)", I, 200, 0, 1e6, 50, 0),
  P (noise_std, "Teacher input noise σ", "Standard deviation of the Gaussian noise added to the teacher's (normalised) input", F, 0.1, 0, 10, 0.01, 3),
  P (noise_clip, "Noise clip", "The noise is clipped to ± this", F, 0.2, 0, 10, 0.01, 3),
  P (unlabelled_batch, "Unlabelled per batch", "Slices of each batch taken from the slices without labels: at most this many, fewer when more slices are painted than the rest of the batch holds (up to batch − 1 painted a step)", I, 4, 1, 4095, 1, 0),
  P (uncertainty_passes, "Uncertainty passes", "Teacher passes whose mean prediction's entropy decides where agreement is asked (0: everywhere, the plain mean teacher)", I, 1, 0, 64, 1, 0),
  P (uncertainty_threshold, "Entropy threshold", "Agreement only where the teacher's entropy (nats) is below this, reached after the threshold ramp-up (from 0.75 of it)", F, 0.693147, 0, 10, 0.05, 3),
  P (threshold_rampup_steps, "Threshold ramp-up steps", "Steps over which the entropy threshold rises from 0.75 of its value to all of it", I, 600, 0, 1e6, 50, 0),
};

#undef P
#undef I
#undef F

static const PlMethodHooks mean_teacher_hooks = {
  .painted_first = TRUE,
  .prepare = mean_teacher_prepare,
  .loss = mean_teacher_loss,
  .describe = mean_teacher_describe,
};

const PlMethodInfo pl_method_mean_teacher = {
  .kind = PL_METHOD_MEAN_TEACHER,
  .name = "mean-teacher",
  .title = "Mean teacher",
  .summary = "Matches the predictions of a slowly averaged copy of itself on every slice.",
  .params = mean_teacher_params,
  .n_params = G_N_ELEMENTS (mean_teacher_params),
  .hooks = &mean_teacher_hooks,
};
