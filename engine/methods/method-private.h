/* method-private.h: the state a method keeps in its trainer, and the helpers
 * the recipes share (engine only). */
#pragma once

#include "engine/methods/methods.h"
#include "engine/ops/ops.h"

#include <stddef.h>

#include <stddef.h>

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
  int             next_boundary;  /* k of the next t_k = warmup + k · round_steps + delay */
  gint64          delay;          /* steps the rounds were put off by refused first sets */
  gboolean        retrying;       /* the next boundary asks again for a refused first set */
  gboolean        stopped;
  double          start_score;    /* guard score at the running round's start */
  gboolean        start_held_out;  /* start_score is the held-out slice's */
  float          *snap_params, *snap_m, *snap_v;
  gint64          snap_opt_step;

  /* pl_method_watch_classes: running class counts (K each) */
  double         *watch_pred, *watch_painted;
};

/* A method's hooks, called from the trainer's thread.  Only `loss` is
 * required. */
struct _PlMethodHooks
{
  /* At install, before the first step (state fresh, cfg set): e.g. the
   * mean teacher's teacher, a copy of the student. */
  void          (*prepare)   (PlMethodState *state, PlTrainer *trainer);
  /* The loss of one step: the trainer's recipe (train.h), user_data the
   * state. */
  PlTrainRecipe   loss;
  /* After the settings are applied, at install and at each
   * pl_method_update (the labelled part of the batch is already set to
   * batch − unlabelled_batch): e.g. self-training's full labelled batches
   * before its first pseudo-labels. */
  void          (*configure) (PlMethodState *state, PlTrainer *trainer);
  /* The method's part of pl_method_status_describe. */
  void          (*describe)  (const PlMethodStatus *status, GString *s);
  /* Frees what the method keeps in the state (when the trainer drops it). */
  void          (*clear)     (PlMethodState *state);
  /* The painted slices come first: with more of them than batch −
   * unlabelled_batch, a step takes more painted slices (up to batch − 1)
   * and fewer unpainted ones, so that it can still see every painted
   * slice.  The loss then takes batch − batch->n unpainted slices. */
  gboolean        painted_first;
};

/* The table's entries, one file each (method-NAME.c); the table is in
 * method-config.c. */
extern const PlMethodInfo pl_method_supervised;
extern const PlMethodInfo pl_method_self_training;
extern const PlMethodInfo pl_method_mean_teacher;
extern const PlMethodInfo pl_method_consistency;
extern const PlMethodInfo pl_method_compactness;

/* A parameter entry: name, label, help, type, default, min, max, step,
 * digits, and the field of PlMethodConfig (e.g. mean_teacher.alpha). */
#define PL_METHOD_PARAM(name, label, help, type, dflt, min, max, step, digits, field) \
  { name, label, help, type, dflt, min, max, step, digits, offsetof (PlMethodConfig, field) }

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

/* What a method that learns from unpainted slices does to the classes:
 * counts the painted pixels of each class in the first n_painted images of
 * target (N, H, W) and the pixels of the unpainted images (from
 * first_unpainted on) that probs (N, K, H, W) predicts as each class —
 * where valid (N, ·, H, W; channel 0 read; NULL: everywhere) is non-zero —
 * into running sums that forget with 0.98 a step (about the last 50
 * steps).  Only the foreground counts (classes ≥ 1: the first class is the
 * background of the usual label table), so padding and slices outside the
 * object do not.  Sets status.least_label and least_ratio: the painted
 * class whose share of the predicted foreground is smallest relative to
 * its share of the painted foreground, and that ratio. */
void      pl_method_watch_classes      (PlMethodState *state, PlTrainer *trainer,
                                        const gint32 *target, int n_painted,
                                        const PlTensor *probs, int first_unpainted,
                                        const PlTensor *valid);

/* Appends "label L (NAME) predicted at R× its painted share" (after " · "
 * when s is not empty; no name when it has none) once
 * pl_method_watch_classes has measured it. */
void      pl_method_describe_least     (const PlMethodStatus *status, GString *s);

/* a and b stacked along N on the tape: x (na + nb, 1, H, W) and targets. */
void      pl_method_concat_batches     (PlTape *tape, const PlBatch *a, const PlBatch *b,
                                        PlBatch *out);

/* CE + (1 − soft Dice) of logits (N, K, H, W) against target (−1 ignored);
 * probs: softmax of logits, or NULL to compute it. */
PlTensor *pl_method_seg_loss           (PlTape *tape, PlTensor *logits, PlTensor *probs,
                                        const gint32 *target);

/* a + w · b */
PlTensor *pl_method_weighted_sum       (PlTape *tape, PlTensor *a, PlTensor *b, double w);
/* The mean of (a − b)² over the elements where the 0/1 mask is 1 (`count`
 * of them; 0 when none is). */
PlTensor *pl_method_masked_mse         (PlTape *tape, PlTensor *a, PlTensor *b, PlTensor *mask,
                                        double count);

G_END_DECLS
