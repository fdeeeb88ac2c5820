/* methods.h: the learning methods a PlTrainer can run — supervised,
 * self-training with pseudo-labels, mean teacher, and consistency under
 * spatial transformations — with their hyper-parameters and defaults.
 *
 * A method is a loss recipe (train.h) plus the state it keeps between steps
 * (round and pseudo-labels, EMA teacher, ramp-up position).  Make a
 * PlMethodConfig with pl_method_config_init() (every method's defaults, from
 * the literature cited in method-config.c and docs/methods.md), choose `kind`,
 * change what you like, and install it on a trainer:
 *
 *   PlMethodConfig m;
 *   pl_method_config_init (&m);
 *   m.kind = PL_METHOD_MEAN_TEACHER;
 *   if (!pl_method_install (trainer, &m, &error)) …
 *   pl_trainer_run (trainer, 600, progress, on_step, data, &error);
 *
 * The state lives in the trainer, so stopping and continuing a run (one
 * pl_trainer_run after another, or single steps) gives the same result as
 * one run.  Steps count from the install; the labels are asked for at every
 * step (slices painted meanwhile move from the unlabelled to the labelled
 * pool).  pl_trainer_export_model() records the method's name and every
 * setting (pl_method_config_to_json) in the model's training metadata.
 *
 * The methods form a table (pl_method_info), as the operators do: one entry
 * per method with its name, title, summary, hyper-parameters and hooks.
 * Hyper-parameters are described by name (the config field, the JSON key,
 * and with '-' for '_' the CLI option), label, help, type, default, range.
 * The Train panel and `pellucid-cli train` both build their controls from
 * it, so they offer the same settings and defaults.
 *
 * Threads: like the trainer, a method's functions are called from the
 * trainer's thread (e.g. pl_method_get_status in the step callback).
 */
#pragma once

#include <glib.h>

#include "engine/nn/train.h"

G_BEGIN_DECLS

/* The methods, in the order the panel and the CLI list them.  Each has an
 * entry in the method table (pl_method_info; method-config.c) that holds its
 * name, title, summary, parameters with their defaults, and its hooks; the
 * engine, the CLI, the Train panel and the model files read everything from
 * there.  Adding a method: a value here, its config struct in
 * PlMethodConfig, a file method-NAME.c defining its PlMethodInfo (params
 * and hooks), one line in the table of method-config.c.  No switch
 * elsewhere names the methods. */
typedef enum
{
  PL_METHOD_SUPERVISED,
  PL_METHOD_SELF_TRAINING,
  PL_METHOD_MEAN_TEACHER,
  PL_METHOD_CONSISTENCY,
  PL_METHOD_COMPACTNESS,
  PL_METHOD_N_KINDS
} PlMethodKind;

/* Self-training with pseudo-labels (Lee 2013; the peer's
 * torch_fewshot.py --self-train).  Steps 0 … warmup_steps−1 are supervised.
 * Then every round_steps steps (at most `rounds` times) the model predicts
 * every slice without labels; voxels whose largest softmax probability is
 * ≥ threshold become pseudo-labels (the rest are ignored) — and so do, for
 * each class, the class_portion most confident of the voxels predicted as
 * that class (class-balanced thresholds, Zou et al. 2018), so that a class
 * the model is never 'threshold' sure of still gets pseudo-labels; 0 turns
 * that off.  Each batch
 * holds batch − unlabelled_batch labelled and unlabelled_batch
 * pseudo-labelled slices, loss = L_lab + lambda · L_pseudo.  After the last
 * round training goes on with the last pseudo-labels.
 *
 * Guard against divergence, checked at the end of each round: the score is
 * the held-out slice's Dice when the trainer has one, else the mean Dice of
 * the painted slices (argmax, no augmentation, no dropout).  When it fell
 * by more than guard_tolerance since the round's start, the round is undone
 * (weights and optimiser back to its start, the previous pseudo-labels back)
 * and no further round runs.  A new set of
 * pseudo-labels is also refused (the round runs on the previous set) when
 * it collapses: some class's share of the kept voxels is below
 * collapse_ratio × its share of the painted voxels. */
typedef struct
{
  int      warmup_steps;
  int      round_steps;
  int      rounds;
  float    threshold;
  float    class_portion;
  float    lambda;
  int      unlabelled_batch;
  gboolean restart;          /* each round from freshly initialised weights */
  float    guard_tolerance;
  float    collapse_ratio;
  int      retry_steps;      /* refused before any set is in use: try again this much later */
} PlSelfTrainingConfig;

/* Mean teacher (Tarvainen & Valpola 2017).  The teacher's weights are the
 * EMA of the student's, θ' ← α_t θ' + (1 − α_t) θ with α_t = min(1 − 1/(t+1),
 * alpha).  Each batch holds batch − unlabelled_batch labelled and
 * unlabelled_batch unlabelled slices; loss = supervised (labelled) +
 * w(t) · MSE(softmax student(x), softmax teacher(x + ξ)) over all of them,
 * ξ ~ N(0, noise_std²) clipped to ±noise_clip, w(t) = consistency ·
 * exp(−5 (1 − t/rampup_steps)²) for t < rampup_steps (Laine & Aila 2017).
 * With uncertainty_passes > 0 it is uncertainty-aware (UA-MT, Yu et al.
 * 2019): the target is the mean of that many teacher passes, and only pixels
 * where its entropy is below the (ramped) threshold are compared. */
typedef struct
{
  float    alpha;
  float    consistency;
  int      rampup_steps;
  float    noise_std;
  float    noise_clip;
  int      unlabelled_batch;
  int      uncertainty_passes;    /* UA-MT (Yu et al. 2019); 0: off */
  float    uncertainty_threshold; /* nats */
  int      threshold_rampup_steps;
} PlMeanTeacherConfig;

/* Consistency under spatial transformations (Bortsova et al. 2019).  Each
 * slice x of the batch (batch − unlabelled_batch labelled, unlabelled_batch
 * unlabelled) is transformed by two random transformations φ1, φ2 (flips of
 * each axis with probability transform_flip, rotation uniform in
 * ±transform_rotation degrees, scale uniform in 1 ± transform_scale).  Loss =
 * supervised on both branches (labels transformed alike) + w(t) · the mean
 * squared difference between φ2∘φ1⁻¹ applied to softmax f(φ1 x) and
 * softmax f(φ2 x), over the pixels inside both transformations' support;
 * w(t) ramps up as the mean teacher's. */
typedef struct
{
  float    consistency;
  int      rampup_steps;
  float    transform_rotation;
  float    transform_scale;
  float    transform_flip;
  int      unlabelled_batch;
} PlConsistencyConfig;

/* Compactness (affinity) auxiliary loss.  At decoder level `layer` (1: the
 * last block, full resolution; 2: half resolution, …), `samples` pixels of
 * each slice of the batch (batch − unlabelled_batch labelled,
 * unlabelled_batch unlabelled) are drawn; two of them are close with
 * weight A_ij = 1 when both are painted with the same label, 0 when painted
 * with different ones, and else exp(−ΔI²/2σ_I² − Δp²/2σ_p²) (intensity
 * difference in normalised units, distance in pixels; σ_I =
 * sigma_intensity, σ_p = sigma_position).  Loss = supervised (labelled) +
 * w(t) · Σ A_ij ||f_i − f_j||² / Σ A (pl_affinity_loss), w(t) = lambda ·
 * exp(−5 (1 − t/rampup_steps)²). */
typedef struct
{
  float    lambda;
  int      layer;
  int      samples;
  float    sigma_intensity;
  float    sigma_position;
  int      rampup_steps;
  int      unlabelled_batch;
} PlCompactnessConfig;

typedef struct
{
  PlMethodKind         kind;
  PlSelfTrainingConfig self_training;
  PlMeanTeacherConfig  mean_teacher;
  PlConsistencyConfig  consistency;
  PlCompactnessConfig  compactness;
} PlMethodConfig;

/* Every method's defaults (each parameter's default_value in the table);
 * kind = PL_METHOD_SUPERVISED. */
void         pl_method_config_init   (PlMethodConfig     *config);

typedef enum
{
  PL_METHOD_PARAM_INT,
  PL_METHOD_PARAM_FLOAT,
  PL_METHOD_PARAM_BOOL,
} PlMethodParamType;

typedef struct
{
  const char        *name;     /* field name, JSON key; CLI --name with '-' */
  const char        *label;    /* short, for the panel */
  const char        *help;     /* one sentence with the unit */
  PlMethodParamType  type;
  double             default_value; /* pl_method_config_init's; sources in
                                     * the method's file */
  double             min, max; /* inclusive */
  double             step;     /* a sensible increment for a spin button */
  int                digits;   /* decimals to show */
  gsize              offset;   /* of the field in PlMethodConfig */
} PlMethodParam;

/* What the engine runs a method with (method-private.h; engine only). */
typedef struct _PlMethodHooks PlMethodHooks;

/* One entry of the method table. */
typedef struct
{
  PlMethodKind         kind;
  const char          *name;      /* "mean-teacher": --method, the JSON and
                                   * the model's "method" */
  const char          *title;     /* "Mean teacher", for the panel */
  const char          *summary;   /* one sentence for a tooltip */
  const PlMethodParam *params;    /* its hyper-parameters in display order */
  guint                n_params;  /* (none for supervised) */
  const PlMethodHooks *hooks;
} PlMethodInfo;

/* The table's entry of kind (NULL, with a critical, for an invalid one). */
const PlMethodInfo *pl_method_info   (PlMethodKind        kind);
/* The entry named name ("mean-teacher"), or NULL. */
const PlMethodInfo *pl_method_info_by_name (const char   *name);
/* The methods' names joined: "supervised, self-training, mean-teacher or
 * consistency" with sep ", " and last " or ". */
char        *pl_method_names         (const char         *sep,
                                      const char         *last);

/* The fields of pl_method_info (kind). */
const char  *pl_method_kind_name     (PlMethodKind        kind);
const char  *pl_method_kind_title    (PlMethodKind        kind);
const char  *pl_method_kind_summary  (PlMethodKind        kind);
gboolean     pl_method_kind_from_name(const char         *name,
                                      PlMethodKind       *kind);

/* The hyper-parameters of one method, in display order (none for
 * supervised: *n_params = 0). */
const PlMethodParam *pl_method_params (PlMethodKind        kind,
                                       guint              *n_params);
const PlMethodParam *pl_method_find_param (PlMethodKind    kind,
                                           const char     *name);
double       pl_method_config_get    (const PlMethodConfig *config,
                                      const PlMethodParam  *param);
/* FALSE (G_OPTION_ERROR_BAD_VALUE naming the parameter and its range) when
 * value is out of range or not an integer for an int/bool parameter. */
gboolean     pl_method_config_set    (PlMethodConfig       *config,
                                      const PlMethodParam  *param,
                                      double                value,
                                      GError              **error);
/* Checks every parameter of config->kind. */
gboolean     pl_method_config_check  (const PlMethodConfig *config,
                                      GError              **error);

/* {"method":"mean-teacher","alpha":0.99,…}: the kind and its parameters. */
char        *pl_method_config_to_json(const PlMethodConfig *config);
/* Reads what to_json (or a model's training metadata, which holds the same
 * keys) wrote; missing parameters keep the defaults. */
gboolean     pl_method_config_from_json (PlMethodConfig    *config,
                                         const char        *json,
                                         GError           **error);
/* "--method mean-teacher --alpha 0.99 …" (every parameter of the kind), to
 * show the command line that reproduces a run. */
char        *pl_method_config_to_args(const PlMethodConfig *config);

/* Installs the method on the trainer (replacing any recipe and state; steps
 * are counted from now).  Checks the config first. */
gboolean     pl_method_install       (PlTrainer            *trainer,
                                      const PlMethodConfig *config,
                                      GError              **error);
/* Changes the installed method's hyper-parameters and keeps its state
 * (round, pseudo-labels, teacher, ramp-up position); the kind must be the
 * installed one. */
gboolean     pl_method_update        (PlTrainer            *trainer,
                                      const PlMethodConfig *config,
                                      GError              **error);

typedef struct
{
  PlMethodKind kind;
  gint64   steps;               /* steps since the install */
  double   supervised_loss;     /* last step's terms, unweighted (NaN: none) */
  double   unlabelled_loss;     /* pseudo-label loss or consistency MSE */
  double   weight;              /* its weight this step: λ or w(t) */
  double   alpha;               /* mean teacher: EMA decay this step */
  int      round;               /* self-training: pseudo-label sets made */
  int      n_pseudo_slices;     /* self-training: slices with pseudo-labels */
  double   pseudo_kept;         /* self-training: share of their voxels kept
                                 * (≥ threshold); uncertainty-aware mean
                                 * teacher: share of pixels asked to agree
                                 * (NaN for the plain one) */
  gboolean guard_stopped;       /* self-training: a round was undone */
  guint16  least_label;         /* mean teacher, consistency: the painted
                                 * class least predicted on the unpainted
                                 * slices, relative to its share of the
                                 * painted foreground (0: none yet) */
  char     least_name[48];      /* its name from the label table, or "" */
  double   least_ratio;         /* that relative share over about the last
                                 * 50 steps: 1 as painted, near 0 a class
                                 * being lost (NaN: none yet) */
  char     note[160];           /* last event ("round 2: …"), "" if none */
} PlMethodStatus;

/* FALSE when no method was installed (the default supervised recipe). */
gboolean     pl_method_get_status    (PlTrainer            *trainer,
                                      PlMethodStatus       *status);
/* Appends what the method says of its state (self-training: "round 2,
 * 5 pseudo-labelled slices, 63% of their voxels kept"; mean teacher:
 * "teacher α 0.9900"), after " · " when s is not empty; nothing for a
 * method with nothing to add. */
void         pl_method_status_describe (const PlMethodStatus *status,
                                        GString              *s);

G_END_DECLS
