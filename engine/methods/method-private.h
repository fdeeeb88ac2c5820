/* method-private.h: the state a method keeps in its trainer, and the helpers
 * the recipes share (engine only). */
#pragma once

#include "engine/methods/methods.h"
#include "engine/ops/ops.h"

G_BEGIN_DECLS

/* Pseudo-labels of a set of slices, in the trainer's window (H × W). */
typedef struct
{
  int      n;          /* slices */
  gint64  *slices;     /* (n) slice indices, ascending */
  gint8   *target;     /* (n, H, W) class or −1 (below the threshold) */
  double   kept;       /* share of voxels kept */
} PlPseudoSet;

typedef struct _PlMethodState PlMethodState;

struct _PlMethodState
{
  PlMethodConfig  cfg;
  gint64          installed_at;   /* trainer step at install */
  PlMethodStatus  status;
  PlTape         *infer;          /* tape for predictions between steps */
  gint64         *pool;           /* scratch: candidate slices */

  /* self-training */
  PlPseudoSet     cur, prev;
  int             next_boundary;  /* k of the next t_k = warmup + k · round_steps */
  gboolean        stopped;
  double          start_score;    /* guard score at the running round's start */
  gboolean        start_held_out;  /* start_score is the held-out slice's */
  float          *snap_params, *snap_m, *snap_v;
  gint64          snap_opt_step;
};

/* The recipes (one file each). */
PlTensor *pl_method_self_training_loss (PlTrainer *trainer, PlTape *tape, const PlBatch *batch,
                                        gpointer user_data, GError **error);
PlTensor *pl_method_mean_teacher_loss  (PlTrainer *trainer, PlTape *tape, const PlBatch *batch,
                                        gpointer user_data, GError **error);
PlTensor *pl_method_consistency_loss   (PlTrainer *trainer, PlTape *tape, const PlBatch *batch,
                                        gpointer user_data, GError **error);
void      pl_method_self_training_free (PlMethodState *state);
void      pl_pseudo_set_clear          (PlPseudoSet *set);

/* {"alpha":0.99,…}: the parameters of config->kind. */
char     *pl_method_settings_json      (const PlMethodConfig *config);

/* Laine & Aila (2017, appendix A): exp(−5 (1 − t/length)²) for t < length,
 * 1 after (and for length 0). */
double    pl_method_sigmoid_rampup     (gint64 t, int length);

/* Picks n slices uniformly (with replacement) from those without any
 * labelled voxel now, from the trainer's rng; FALSE when there is none. */
gboolean  pl_method_pick_unlabelled    (PlMethodState *state, PlTrainer *trainer, int n,
                                        gint64 *out);

/* a and b stacked along N on the tape: x (na + nb, 1, H, W) and targets. */
void      pl_method_concat_batches     (PlTape *tape, const PlBatch *a, const PlBatch *b,
                                        PlBatch *out);

/* CE + (1 − soft Dice) of logits (N, K, H, W) against target (−1 ignored);
 * probs: softmax of logits, or NULL to compute it. */
PlTensor *pl_method_seg_loss           (PlTape *tape, PlTensor *logits, PlTensor *probs,
                                        const gint32 *target);

/* a + w · b */
PlTensor *pl_method_weighted_sum       (PlTape *tape, PlTensor *a, PlTensor *b, double w);

G_END_DECLS
