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
 * install. */
#define G_LOG_DOMAIN "pl-methods"

#include "engine/methods/method-private.h"
#include "engine/ops/loss.h"

#include <math.h>

PlTensor *
pl_method_mean_teacher_loss (PlTrainer *tr, PlTape *tape, const PlBatch *batch,
                             gpointer user_data, GError **error)
{
  PlMethodState *st = user_data;
  const PlMeanTeacherConfig *c = &st->cfg.mean_teacher;
  const PlTrainConfig *tc = pl_trainer_get_config (tr);
  gint64 t = pl_trainer_get_step (tr) - st->installed_at;
  int nu = c->unlabelled_batch;
  gint64 *picks = pl_tape_alloc (tape, sizeof (gint64) * nu);
  PlRng *rng = pl_trainer_get_rng (tr);
  PlBatch ub, all;
  PlTensor *x, *xt, *logits, *student, *teacher, *sup, *cons;
  gsize n;
  double w = c->consistency * pl_method_sigmoid_rampup (t, c->rampup_steps);
  double alpha = MIN (1.0 - 1.0 / (double) (t + 1), (double) c->alpha);

  st->status.steps = t + 1;
  /* All slices painted: the "unlabelled" part is drawn from every slice. */
  pl_trainer_sample (tr, tape, nu, pl_method_pick_unlabelled (st, tr, nu, picks) ? picks : NULL,
                     tc->augment, &ub);
  pl_method_concat_batches (tape, batch, &ub, &all);
  n = (gsize) all.n * all.h * all.w;

  x = pl_tape_wrap (tape, all.n, 1, all.h, all.w, all.x, FALSE);
  xt = pl_tape_tensor (tape, all.n, 1, all.h, all.w);
  for (gsize i = 0; i < n; i++)
    {
      double xi = c->noise_std > 0.0f ? pl_rng_normal (rng) * c->noise_std : 0.0;
      xt->data[i] = all.x[i] + (float) CLAMP (xi, -c->noise_clip, c->noise_clip);
    }
  logits = pl_trainer_forward (tr, tape, x);
  student = pl_softmax (tape, logits);
  teacher = pl_softmax (tape, pl_trainer_teacher_forward (tr, tape, xt, rng));
  teacher = pl_tape_detach (tape, teacher);

  sup = pl_method_seg_loss (tape, logits, student, all.target);
  cons = pl_mse (tape, student, teacher);

  pl_trainer_set_teacher_alpha (tr, (float) alpha);
  st->status.alpha = alpha;
  st->status.weight = w;
  st->status.supervised_loss = sup->data[0];
  st->status.unlabelled_loss = cons->data[0];
  return pl_method_weighted_sum (tape, sup, cons, w);
}
