/* Self-training with pseudo-labels (Lee 2013, "Pseudo-Label: the simple and
 * efficient semi-supervised learning method for deep neural networks";
 * rounds as ../shared/peers/torch_fewshot.py --self-train), with a guard
 * that undoes a round that made the model worse.
 *
 * Round k starts at step t_k = warmup + k · round_steps (k < rounds): the
 * model (dropout off) predicts every slice without labels; voxels with
 * max_c p_c ≥ threshold (or among the class_portion most confident of
 * their class) keep their argmax as a pseudo-label, the others are
 * ignored.  Steps of the round train on batches of batch − unlabelled_batch
 * labelled and unlabelled_batch pseudo-labelled slices (both augmented
 * alike):  L = L_seg(labelled) + λ · L_seg(pseudo), L_seg = CE + 1 − Dice.
 * At t_{k+1} the guard compares the model with the one of t_k. */
#define G_LOG_DOMAIN "pl-methods"

#include "engine/methods/method-private.h"
#include "engine/data/dataset.h"
#include "engine/ops/loss.h"
#include "engine/data/metrics.h"
#include "engine/ops/optim.h"

#include <math.h>
#include <string.h>

void
pl_pseudo_set_clear (PlPseudoSet *s)
{
  g_free (s->slices);
  g_free (s->target);
  memset (s, 0, sizeof *s);
}

static void
self_training_clear (PlMethodState *st)
{
  pl_pseudo_set_clear (&st->cur);
  pl_pseudo_set_clear (&st->prev);
  g_free (st->snap_params);
  g_free (st->snap_m);
  g_free (st->snap_v);
}

static PlTape *
infer_tape (PlMethodState *st)
{
  if (!st->infer)
    {
      st->infer = pl_tape_new (64 << 20);
      pl_tape_set_grad_enabled (st->infer, FALSE);
    }
  return st->infer;
}

static void
snapshot (PlMethodState *st, PlTrainer *tr)
{
  PlUnet *u = pl_trainer_get_model (tr)->unet;
  PlOptimizer *opt = pl_trainer_get_optimizer (tr);
  gsize n = pl_unet_n_params (u);

  if (!st->snap_params)
    {
      st->snap_params = g_new (float, n);
      st->snap_m = g_new (float, opt->n);
      st->snap_v = opt->v ? g_new (float, opt->n) : NULL;
    }
  memcpy (st->snap_params, pl_unet_params (u), n * sizeof (float));
  memcpy (st->snap_m, opt->m, opt->n * sizeof (float));
  if (opt->v)
    memcpy (st->snap_v, opt->v, opt->n * sizeof (float));
  st->snap_opt_step = opt->step;
}

static void
restore (PlMethodState *st, PlTrainer *tr)
{
  PlUnet *u = pl_trainer_get_model (tr)->unet;
  PlOptimizer *opt = pl_trainer_get_optimizer (tr);

  memcpy (pl_unet_params (u), st->snap_params, pl_unet_n_params (u) * sizeof (float));
  memcpy (opt->m, st->snap_m, opt->n * sizeof (float));
  if (opt->v)
    memcpy (opt->v, st->snap_v, opt->n * sizeof (float));
  opt->step = st->snap_opt_step;
}

/* Painted slices now (the held-out one excluded) into st->pool. */
static int
labelled_slices (PlMethodState *st, PlTrainer *tr)
{
  gint64 n_slices, holdout = pl_trainer_get_config (tr)->holdout_slice;
  const gint64 *counts = pl_trainer_get_slice_counts (tr, &n_slices);
  int k = 0;
  for (gint64 s = 0; s < n_slices; s++)
    if (counts[s] > 0 && s != holdout)
      st->pool[k++] = s;
  return k;
}

/* Mean Dice over classes of the painted slices (argmax, no augmentation,
 * dropout off): how well the model still fits what the user painted. */
static double
painted_dice (PlMethodState *st, PlTrainer *tr)
{
  PlTape *tape = infer_tape (st);
  PlUnet *u = pl_trainer_get_model (tr)->unet;
  int n = labelled_slices (st, tr), bs = pl_trainer_get_config (tr)->batch;
  int K = pl_trainer_get_n_classes (tr);
  g_autofree gint64 *sl = g_memdup2 (st->pool, sizeof (gint64) * MAX (n, 1));
  g_autofree gint32 *pred = NULL, *truth = NULL;
  g_autofree double *dice = g_new (double, K);
  gsize plane = 0;
  double sum = 0.0;
  int k = 0;

  for (int s = 0; s < n; s += bs)
    {
      int m = MIN (bs, n - s);
      PlBatch b;
      PlTensor *p;
      pl_tape_reset (tape);
      pl_trainer_sample (tr, tape, m, sl + s, FALSE, &b);
      if (!pred)
        {
          plane = (gsize) b.h * b.w;
          pred = g_new (gint32, (gsize) n * plane);
          truth = g_new (gint32, (gsize) n * plane);
        }
      p = pl_unet_forward (u, tape, pl_tape_wrap (tape, m, b.c, b.h, b.w, b.x, FALSE), NULL);
      memcpy (truth + (gsize) s * plane, b.target, sizeof (gint32) * m * plane);
      for (int i = 0; i < m; i++)
        for (gsize q = 0; q < plane; q++)
          {
            const float *pp = p->data + (gsize) i * K * plane + q;
            int best = 0;
            for (int c = 1; c < K; c++)
              if (pp[c * plane] > pp[best * plane])
                best = c;
            pred[(gsize) (s + i) * plane + q] = best;
          }
    }
  if (n == 0)
    return NAN;
  pl_dice_per_class (pred, truth, (gsize) n * plane, -1, K, dice);
  for (int c = 0; c < K; c++)
    if (!isnan (dice[c]))
      {
        sum += dice[c];
        k++;
      }
  return k ? sum / k : NAN;
}

/* The held-out slice's Dice when there is a labelled one, else the painted
 * slices' Dice. */
static double
guard_score (PlMethodState *st, PlTrainer *tr, gboolean *held_out)
{
  gint64 n_slices, holdout = pl_trainer_get_config (tr)->holdout_slice;
  const gint64 *counts = pl_trainer_get_slice_counts (tr, &n_slices);

  if (holdout >= 0 && holdout < n_slices && counts[holdout] > 0)
    {
      double d = pl_trainer_holdout_dice (tr, NULL);
      if (!isnan (d))
        {
          *held_out = TRUE;
          return d;
        }
    }
  *held_out = FALSE;
  return painted_dice (st, tr);
}

static gboolean
guard_fails (PlMethodState *st, double score, gboolean held_out)
{
  if (held_out != st->start_held_out || isnan (score) || isnan (st->start_score))
    return FALSE;   /* a held-out slice came or went: nothing to compare */
  return score < st->start_score - st->cfg.self_training.guard_tolerance;
}

/* Which window pixels lie on the slice (PL_FIT_PAD windows overhang it). */
static void
window_geometry (PlTrainer *tr, int *oy, int *ox, int *h, int *w)
{
  const PlTrainConfig *c = pl_trainer_get_config (tr);
  const PlVolume *v = pl_trainer_get_volume (tr);
  int wh, ww;
  pl_slice_dims (v->dim, pl_trainer_get_axis (tr), h, w);
  pl_fit_window (*h, *w, pl_unet_config_multiple (pl_unet_get_config (pl_trainer_get_model (tr)->unet)),
                 c->fit, &wh, &ww, oy, ox);
}

#define CONF_BINS 1024

/* Predicts every slice without labels; share[c]: class c's share of the
 * kept voxels.  A voxel is kept when its largest probability is ≥ the
 * threshold, or ≥ its class's threshold t_c: the confidence above which
 * lie class_portion of the voxels predicted as c (CBST, Zou et al. 2018,
 * eq. 9; from a histogram of CONF_BINS bins, so at least that portion). */
static void
make_pseudo (PlMethodState *st, PlTrainer *tr, PlPseudoSet *out, double *share)
{
  PlTape *tape = infer_tape (st);
  PlUnet *u = pl_trainer_get_model (tr)->unet;
  int K = pl_trainer_get_n_classes (tr), bs = pl_trainer_get_config (tr)->batch;
  float thr = st->cfg.self_training.threshold, portion = st->cfg.self_training.class_portion;
  gint64 n_slices, holdout = pl_trainer_get_config (tr)->holdout_slice;
  const gint64 *counts = pl_trainer_get_slice_counts (tr, &n_slices);
  g_autofree double *hist = g_new0 (double, K);
  g_autofree gint64 *bins = g_new0 (gint64, (gsize) K * CONF_BINS);
  g_autofree float *cls_thr = g_new (float, K);
  g_autofree float *conf = NULL;
  double kept = 0.0, total = 0.0;
  int oy, ox, sh, sw, n = 0;
  gsize plane = 0;

  window_geometry (tr, &oy, &ox, &sh, &sw);
  out->slices = g_new (gint64, MAX (n_slices, 1));
  for (gint64 s = 0; s < n_slices; s++)
    if (counts[s] == 0 && s != holdout)
      out->slices[n++] = s;
  out->n = n;

  /* Argmax and confidence of every voxel on the slices (−1: padding). */
  for (int s = 0; s < n; s += bs)
    {
      int m = MIN (bs, n - s);
      PlBatch b;
      PlTensor *p;
      pl_tape_reset (tape);
      pl_trainer_sample (tr, tape, m, out->slices + s, FALSE, &b);
      if (!out->target)
        {
          plane = (gsize) b.h * b.w;
          out->target = g_new (gint8, MAX ((gsize) n * plane, 1));
          conf = g_new (float, MAX ((gsize) n * plane, 1));
        }
      p = pl_softmax (tape, pl_unet_forward (u, tape, pl_tape_wrap (tape, m, b.c, b.h, b.w, b.x, FALSE), NULL));
      for (int i = 0; i < m; i++)
        for (int y = 0; y < b.h; y++)
          for (int x = 0; x < b.w; x++)
            {
              gsize q = (gsize) y * b.w + x, at = (gsize) (s + i) * plane + q;
              const float *pp = p->data + (gsize) i * K * plane + q;
              int best = 0;
              if (y + oy < 0 || y + oy >= sh || x + ox < 0 || x + ox >= sw)
                {
                  out->target[at] = -1;   /* padding, not on the slice */
                  conf[at] = -1.0f;
                  continue;
                }
              for (int c = 1; c < K; c++)
                if (pp[c * plane] > pp[best * plane])
                  best = c;
              out->target[at] = (gint8) best;
              conf[at] = pp[best * plane];
              bins[(gsize) best * CONF_BINS + MIN ((int) (conf[at] * CONF_BINS), CONF_BINS - 1)]++;
              total += 1.0;
            }
    }

  /* t_c: lower edge of the bin where the count from the top reaches
   * class_portion of the class's voxels. */
  for (int c = 0; c < K; c++)
    {
      const gint64 *h = bins + (gsize) c * CONF_BINS;
      gint64 all = 0, acc = 0;
      int b = CONF_BINS - 1;
      for (int i = 0; i < CONF_BINS; i++)
        all += h[i];
      cls_thr[c] = thr;
      if (portion <= 0.0f || all == 0)
        continue;
      for (; b > 0; b--)
        {
          acc += h[b];
          if ((double) acc >= (double) portion * all)
            break;
        }
      cls_thr[c] = MIN (thr, (float) b / CONF_BINS);
    }

  for (gsize i = 0; i < (gsize) n * plane; i++)
    {
      int c = out->target[i];
      if (c < 0)
        continue;
      if (conf[i] >= cls_thr[c])
        {
          hist[c] += 1.0;
          kept += 1.0;
        }
      else
        out->target[i] = -1;
    }
  out->kept = total > 0.0 ? kept / total : 0.0;
  for (int c = 0; c < K; c++)
    share[c] = kept > 0.0 ? hist[c] / kept : 0.0;
}

/* Class shares of the painted voxels of the painted slices. */
static void
painted_share (PlMethodState *st, PlTrainer *tr, double *share)
{
  PlTape *tape = infer_tape (st);
  int K = pl_trainer_get_n_classes (tr), bs = pl_trainer_get_config (tr)->batch;
  int n = labelled_slices (st, tr);
  g_autofree gint64 *sl = g_memdup2 (st->pool, sizeof (gint64) * MAX (n, 1));
  double total = 0.0;

  memset (share, 0, sizeof (double) * K);
  for (int s = 0; s < n; s += bs)
    {
      int m = MIN (bs, n - s);
      PlBatch b;
      pl_tape_reset (tape);
      pl_trainer_sample (tr, tape, m, sl + s, FALSE, &b);
      for (gsize i = 0; i < (gsize) m * b.h * b.w; i++)
        if (b.target[i] >= 0)
          {
            share[b.target[i]] += 1.0;
            total += 1.0;
          }
    }
  for (int c = 0; c < K; c++)
    share[c] = total > 0.0 ? share[c] / total : 0.0;
}

/* The class whose pseudo-label share fell below collapse_ratio × its painted
 * share, or −1. */
static int
collapsed_class (PlMethodState *st, PlTrainer *tr, const PlPseudoSet *set,
                 const double *share, double *painted)
{
  int K = pl_trainer_get_n_classes (tr);
  painted_share (st, tr, painted);
  if (set->kept <= 0.0)
    return 0;
  for (int c = 0; c < K; c++)
    if (painted[c] > 0.0 && share[c] < st->cfg.self_training.collapse_ratio * painted[c])
      return c;
  return -1;
}

/* Events of one step are joined: "round 1 kept: …; round 2: …". */
static void
note (PlMethodState *st, gboolean *first, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static void
note (PlMethodState *st, gboolean *first, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (*first)
    g_strlcpy (st->status.note, msg, sizeof st->status.note);
  else
    {
      g_strlcat (st->status.note, "; ", sizeof st->status.note);
      g_strlcat (st->status.note, msg, sizeof st->status.note);
    }
  *first = FALSE;
}

/* The round boundaries up to step t: guard, then new pseudo-labels. */
static void
boundaries (PlMethodState *st, PlTrainer *tr, gint64 t)
{
  gboolean first = TRUE;
  const PlSelfTrainingConfig *c = &st->cfg.self_training;
  int K = pl_trainer_get_n_classes (tr);
  const guint16 *values = pl_trainer_get_class_values (tr);

  while (!st->stopped && st->next_boundary <= c->rounds
         && t >= c->warmup_steps + (gint64) st->next_boundary * c->round_steps + st->delay)
    {
      int k = st->next_boundary++;
      gboolean held_out = FALSE, retry = st->retrying;
      double score = NAN;

      if (k > 0 && !retry)
        {
          score = guard_score (st, tr, &held_out);
          if (guard_fails (st, score, held_out))
            {
              restore (st, tr);
              pl_pseudo_set_clear (&st->cur);
              st->cur = st->prev;
              memset (&st->prev, 0, sizeof st->prev);
              st->stopped = TRUE;
              st->status.guard_stopped = TRUE;
              note (st, &first, "round %d undone before step %" G_GINT64_FORMAT ": %s %.4f → %.4f; no more rounds",
                          k, t + 1, held_out ? "held-out Dice" : "painted-slice Dice",
                          st->start_score, score);
              return;
            }
          note (st, &first, "round %d kept: %s %.4f → %.4f", k,
                      held_out ? "held-out Dice" : "painted-slice Dice", st->start_score, score);
        }
      if (k < c->rounds)
        {
          PlPseudoSet set = { 0 };
          g_autofree double *share = g_new0 (double, K);
          g_autofree double *painted = g_new0 (double, K);
          char tail[64] = "";
          gboolean again;
          int bad;

          if (k == 0 || retry)
            score = guard_score (st, tr, &held_out);
          st->start_score = score;
          st->start_held_out = held_out;
          snapshot (st, tr);
          make_pseudo (st, tr, &set, share);
          bad = collapsed_class (st, tr, &set, share, painted);
          st->status.round = k + 1;
          /* With no set in use there is nothing to fall back on: the
           * network does not yet predict every painted class on the other
           * slices.  Train on and ask again, putting this round and the
           * later ones off. */
          again = bad >= 0 && st->cur.n == 0 && c->retry_steps > 0;
          if (again)
            g_snprintf (tail, sizeof tail, "; trying again in %d steps", c->retry_steps);
          else if (retry && bad < 0)
            g_snprintf (tail, sizeof tail, ", %" G_GINT64_FORMAT " steps late", st->delay);
          if (bad >= 0)
            {
              note (st, &first, "round %d: pseudo-labels refused, label %u holds %.2f%% of them but %.2f%% "
                          "of the painted voxels%s", k + 1, values[bad], 100.0 * share[bad],
                          100.0 * painted[bad], tail);
              pl_pseudo_set_clear (&set);
              if (again)
                {
                  st->retrying = TRUE;
                  st->next_boundary = k;
                  st->delay += c->retry_steps;
                  break;
                }
            }
          else
            {
              pl_pseudo_set_clear (&st->prev);
              st->prev = st->cur;
              st->cur = set;
              note (st, &first, "round %d: %d slices, %.1f%% of their voxels kept (threshold %.2f)%s",
                          k + 1, set.n, 100.0 * set.kept, c->threshold, tail);
            }
          st->retrying = FALSE;
          if (c->restart)
            {
              pl_unet_init (pl_trainer_get_model (tr)->unet,
                            pl_trainer_get_config (tr)->seed + (guint64) k + 1);
              pl_optimizer_reset (pl_trainer_get_optimizer (tr));
            }
        }
    }
}

/* Index of slice s in the set (sorted), or −1. */
static int
find_slice (const PlPseudoSet *set, gint64 s)
{
  int lo = 0, hi = set->n - 1;
  while (lo <= hi)
    {
      int mid = (lo + hi) / 2;
      if (set->slices[mid] == s)
        return mid;
      if (set->slices[mid] < s)
        lo = mid + 1;
      else
        hi = mid - 1;
    }
  return -1;
}

/* The slices of the pseudo-label set that are still unpainted, into
 * st->pool; returns how many. */
static guint32
usable_pseudo (PlMethodState *st, PlTrainer *tr)
{
  const gint64 *counts = pl_trainer_get_slice_counts (tr, NULL);
  guint32 k = 0;
  for (int i = 0; i < st->cur.n; i++)
    if (counts[st->cur.slices[i]] == 0)
      st->pool[k++] = st->cur.slices[i];
  return k;
}

static PlTensor *
self_training_loss (PlTrainer *tr, PlTape *tape, const PlBatch *batch,
                    gpointer user_data, GError **error)
{
  PlMethodState *st = user_data;
  const PlSelfTrainingConfig *c = &st->cfg.self_training;
  const PlTrainConfig *tc = pl_trainer_get_config (tr);
  int nu = c->unlabelled_batch, nl = tc->batch - nu;
  gint64 t = pl_trainer_get_step (tr) - st->installed_at;
  gint64 *picks = pl_tape_alloc (tape, sizeof (gint64) * nu);
  PlBatch lab = *batch, pb, all;
  gsize plane = (gsize) batch->h * batch->w;
  PlTensor *logits, *probs, *sup, *ps, *loss;
  gint32 *t_lab, *t_ps;
  guint32 usable;

  st->status.steps = t + 1;
  boundaries (st, tr, t);
  usable = usable_pseudo (st, tr);
  st->status.n_pseudo_slices = (int) usable;
  st->status.pseudo_kept = st->cur.kept;
  st->status.weight = c->lambda;

  if (usable == 0)
    {
      /* Warm-up, or no pseudo-labels (refused, undone, or all painted):
       * supervised, with a full labelled batch from the next step on. */
      pl_trainer_set_labelled_batch (tr, 0, 0);
      loss = pl_trainer_supervised_loss (tr, tape, batch, NULL, error);
      st->status.supervised_loss = loss ? loss->data[0] : NAN;
      st->status.unlabelled_loss = NAN;
      return loss;
    }
  for (int i = 0; i < nu; i++)
    picks[i] = st->pool[pl_rng_below (pl_trainer_get_rng (tr), usable)];
  pl_trainer_set_labelled_batch (tr, nl, 0);
  /* The step that makes the first pseudo-labels sampled a full labelled
   * batch: keep its first nl. */
  lab.n = MIN (batch->n, nl);

  pl_trainer_sample (tr, tape, nu, picks, tc->augment, &pb);
  {
    gint32 *raw = pl_tape_alloc (tape, sizeof (gint32) * nu * plane);
    for (int i = 0; i < nu; i++)
      {
        const gint8 *src = st->cur.target + (gsize) find_slice (&st->cur, picks[i]) * plane;
        for (gsize q = 0; q < plane; q++)
          raw[(gsize) i * plane + q] = src[q];
      }
    if (tc->augment)
      {
        pl_trainer_mirror_target (tr, &pb, raw);
        pl_resample_labels (raw, pb.target, nu, pb.h, pb.w, pb.theta, -1);
      }
    else
      memcpy (pb.target, raw, sizeof (gint32) * nu * plane);
  }
  pl_method_concat_batches (tape, &lab, &pb, &all);

  /* One forward of both parts; each loss counts only its own pixels. */
  t_lab = pl_tape_alloc (tape, sizeof (gint32) * all.n * plane);
  t_ps = pl_tape_alloc (tape, sizeof (gint32) * all.n * plane);
  for (gsize i = 0; i < (gsize) all.n * plane; i++)
    {
      gboolean pseudo = i >= (gsize) lab.n * plane;
      t_lab[i] = pseudo ? -1 : all.target[i];
      t_ps[i] = pseudo ? all.target[i] : -1;
    }
  logits = pl_trainer_forward (tr, tape, pl_tape_wrap (tape, all.n, all.c, all.h, all.w, all.x, FALSE));
  probs = pl_softmax (tape, logits);
  sup = pl_method_seg_loss (tape, logits, probs, t_lab);
  ps = pl_method_seg_loss (tape, logits, probs, t_ps);
  st->status.supervised_loss = sup->data[0];
  st->status.unlabelled_loss = ps->data[0];
  return pl_method_weighted_sum (tape, sup, ps, c->lambda);
}

/* Before the first pseudo-labels, full labelled batches (the loss switches
 * to batch − unlabelled_batch labelled slices once it has some). */
static void
self_training_configure (PlMethodState *st, PlTrainer *tr)
{
  if (st->cur.n == 0)
    pl_trainer_set_labelled_batch (tr, 0, 0);
}

static void
self_training_describe (const PlMethodStatus *st, GString *s)
{
  g_string_append_printf (s, "%sround %d, %d pseudo-labelled slices, %.0f%% of their voxels kept",
                          s->len ? " · " : "", st->round, st->n_pseudo_slices, 100.0 * st->pseudo_kept);
}

/* Defaults.  Rounds of "train, predict, keep confident voxels, retrain" as
 * the peer's torch_fewshot.py --self-train (one round after 600 supervised
 * steps, λ = 0.5, half of each batch pseudo-labelled).  λ = 0.5: the peer;
 * Lee (2013, eq. 15) ramps its weight α(t) up to 3 over the first training
 * epochs instead.  The confidence threshold 0.9: voxels below it are
 * ignored, as FixMatch's τ (Sohn et al. 2020, eq. 4; 0.95 there, for
 * classification); segmentation keeps the uncertain boundary out of the
 * pseudo-labels.  A single threshold starves classes the model is less
 * sure of (small or hard ones: on Colin27 and on the test phantom one class
 * never reaches 0.9), so each class also keeps its most confident 20% of
 * voxels: the class-balanced thresholds of CBST (Zou et al. 2018,
 * "Unsupervised domain adaptation for semantic segmentation via
 * class-balanced self-training", ECCV, eq. 9 and Algorithm 2, which starts
 * at 20%). */
#define P(field, label, help, type, dflt, min, max, step, digits) \
  PL_METHOD_PARAM (#field, label, help, type, dflt, min, max, step, digits, self_training.field)
#define I PL_METHOD_PARAM_INT
#define F PL_METHOD_PARAM_FLOAT
#define B PL_METHOD_PARAM_BOOL

static const PlMethodParam self_training_params[] = {
  P (warmup_steps, "Warm-up steps", "Supervised steps before the first pseudo-labels", I, 300, 0, 1e6, 50, 0),
  P (round_steps, "Steps per round", "Steps trained on one set of pseudo-labels before the next is made", I, 300, 1, 1e6, 50, 0),
  P (rounds, "Rounds", "How many times pseudo-labels are made (training goes on with the last set)", I, 3, 1, 1000, 1, 0),
  P (threshold, "Confidence threshold", "A voxel becomes a pseudo-label when its largest class probability is at least this (0–1)", F, 0.9, 0, 1, 0.05, 2),
  P (class_portion, "Kept per class", "Each class also keeps this share of the voxels predicted as it, its most confident ones, whatever the threshold (0–1; 0: off)", F, 0.2, 0, 1, 0.05, 2),
  P (lambda, "Pseudo-label weight λ", "Weight of the pseudo-labelled slices' loss against the painted slices' loss", F, 0.5, 0, 100, 0.1, 2),
  P (unlabelled_batch, "Pseudo-labelled per batch", "Slices of each batch taken from the pseudo-labelled slices (the rest are painted ones)", I, 4, 1, 4095, 1, 0),
  P (restart, "Restart each round", "Each round trains freshly initialised weights instead of continuing (0 or 1)", B, 0, 0, 1, 1, 0),
  P (guard_tolerance, "Guard tolerance", "A round is undone when the held-out slice's Dice (or, without one, the painted slices' Dice) falls by more than this during the round", F, 0.05, 0, 1, 0.01, 3),
  P (collapse_ratio, "Collapse ratio", "Pseudo-labels are refused when a class's share of them is below this times its share of the painted voxels", F, 0.1, 0, 1, 0.05, 2),
  P (retry_steps, "Retry after", "When the first pseudo-labels are refused, train this many more steps and try again, putting the rounds off (0: give up, train supervised)", I, 50, 0, 1e6, 10, 0),
};

#undef P
#undef I
#undef F
#undef B

static const PlMethodHooks self_training_hooks = {
  .loss = self_training_loss,
  .configure = self_training_configure,
  .describe = self_training_describe,
  .clear = self_training_clear,
};

const PlMethodInfo pl_method_self_training = {
  .kind = PL_METHOD_SELF_TRAINING,
  .name = "self-training",
  .title = "Self-training",
  .summary = "Learns from its own confident predictions on the unpainted slices, round after round.",
  .params = self_training_params,
  .n_params = G_N_ELEMENTS (self_training_params),
  .hooks = &self_training_hooks,
};
