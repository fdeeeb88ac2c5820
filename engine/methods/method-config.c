/* The methods' hyper-parameters: defaults with their sources, the table the
 * panel and the CLI are built from, JSON and command-line forms. */
#define G_LOG_DOMAIN "pl-methods"

#include "engine/methods/methods.h"
#include "engine/methods/method-private.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

void
pl_method_config_init (PlMethodConfig *c)
{
  memset (c, 0, sizeof *c);
  c->kind = PL_METHOD_SUPERVISED;

  /* Self-training.  Rounds of "train, predict, keep confident voxels,
   * retrain" as the peer's torch_fewshot.py --self-train (one round after
   * 600 supervised steps, λ = 0.5, half of each batch pseudo-labelled).
   * λ = 0.5: the peer; Lee (2013, eq. 15) ramps its weight α(t) up to 3
   * over the first training epochs instead.  The confidence threshold
   * 0.9: voxels below it are ignored, as FixMatch's τ (Sohn et al. 2020,
   * eq. 4; 0.95 there, for classification); segmentation keeps the
   * uncertain boundary out of the pseudo-labels.  A single threshold
   * starves classes the model is less sure of (small or hard ones: on
   * Colin27 and on the test phantom one class never reaches 0.9), so each
   * class also keeps its most confident 20% of voxels: the class-balanced
   * thresholds of CBST (Zou et al. 2018, "Unsupervised domain adaptation
   * for semantic segmentation via class-balanced self-training", ECCV,
   * eq. 9 and Algorithm 2, which starts at 20%). */
  c->self_training.warmup_steps = 300;
  c->self_training.round_steps = 300;
  c->self_training.rounds = 3;
  c->self_training.threshold = 0.9f;
  c->self_training.class_portion = 0.2f;
  c->self_training.lambda = 0.5f;
  c->self_training.unlabelled_batch = 4;
  c->self_training.restart = FALSE;
  c->self_training.guard_tolerance = 0.05f;
  c->self_training.collapse_ratio = 0.1f;

  /* Mean teacher.  α = 0.99 and α_t = min(1 − 1/(t+1), α): Tarvainen &
   * Valpola (2017, eq. 1 and their code's update_ema_variables).  Noise
   * ξ ~ N(0, 0.1²) clipped to ±0.2 on the teacher's input, the MSE of
   * softmax outputs averaged over pixels and classes, and batches of half
   * labelled, half unlabelled slices: Yu et al. (2019, UA-MT, §3).  The
   * maximum consistency weight 1 lies between UA-MT's 0.1 and Tarvainen &
   * Valpola's 100 (CIFAR-10); the sigmoid ramp-up exp(−5 (1 − t)²) is Laine &
   * Aila's (2017, appendix A), over 200 steps (a third of the 600-step
   * default budget, as their 80 of 300 epochs). */
  c->mean_teacher.alpha = 0.99f;
  c->mean_teacher.consistency = 1.0f;
  c->mean_teacher.rampup_steps = 200;
  c->mean_teacher.noise_std = 0.1f;
  c->mean_teacher.noise_clip = 0.2f;
  c->mean_teacher.unlabelled_batch = 4;

  /* Transformation consistency (Bortsova et al. 2019, eq. 1: supervised
   * loss + λ · consistency, on a Siamese pair of transformed inputs).  They
   * used elastic deformations; affine maps (flips, rotations, scaling) are
   * the transformations of Li et al. (2020, TCSM, §III-B).  Weight and
   * ramp-up as the mean teacher's. */
  c->consistency.consistency = 1.0f;
  c->consistency.rampup_steps = 200;
  c->consistency.transform_rotation = 15.0f;
  c->consistency.transform_scale = 0.1f;
  c->consistency.transform_flip = 0.5f;
  c->consistency.unlabelled_batch = 4;
}

static const char *const kind_names[PL_METHOD_N_KINDS] = {
  "supervised", "self-training", "mean-teacher", "consistency",
};

static const char *const kind_titles[PL_METHOD_N_KINDS] = {
  "Supervised", "Self-training", "Mean teacher", "Transformation consistency",
};

static const char *const kind_summaries[PL_METHOD_N_KINDS] = {
  "Cross-entropy + (1 − soft Dice) on the painted slices only.",
  "Learns from its own confident predictions on the unpainted slices, round after round.",
  "Matches the predictions of a slowly averaged copy of itself on every slice.",
  "Learns to give the same segmentation to two transformed copies of every slice.",
};

const char *
pl_method_kind_name (PlMethodKind kind)
{
  g_return_val_if_fail ((guint) kind < PL_METHOD_N_KINDS, NULL);
  return kind_names[kind];
}

const char *
pl_method_kind_title (PlMethodKind kind)
{
  g_return_val_if_fail ((guint) kind < PL_METHOD_N_KINDS, NULL);
  return kind_titles[kind];
}

const char *
pl_method_kind_summary (PlMethodKind kind)
{
  g_return_val_if_fail ((guint) kind < PL_METHOD_N_KINDS, NULL);
  return kind_summaries[kind];
}

gboolean
pl_method_kind_from_name (const char *name, PlMethodKind *kind)
{
  for (int k = 0; name && k < PL_METHOD_N_KINDS; k++)
    if (strcmp (name, kind_names[k]) == 0)
      {
        *kind = (PlMethodKind) k;
        return TRUE;
      }
  return FALSE;
}

#define ST(f) offsetof (PlMethodConfig, self_training.f)
#define MT(f) offsetof (PlMethodConfig, mean_teacher.f)
#define TC(f) offsetof (PlMethodConfig, consistency.f)
#define I PL_METHOD_PARAM_INT
#define F PL_METHOD_PARAM_FLOAT
#define B PL_METHOD_PARAM_BOOL

static const PlMethodParam self_training_params[] = {
  { "warmup_steps", "Warm-up steps", "Supervised steps before the first pseudo-labels", I, 0, 1e6, 50, 0, ST (warmup_steps) },
  { "round_steps", "Steps per round", "Steps trained on one set of pseudo-labels before the next is made", I, 1, 1e6, 50, 0, ST (round_steps) },
  { "rounds", "Rounds", "How many times pseudo-labels are made (training goes on with the last set)", I, 1, 1000, 1, 0, ST (rounds) },
  { "threshold", "Confidence threshold", "A voxel becomes a pseudo-label when its largest class probability is at least this (0–1)", F, 0, 1, 0.05, 2, ST (threshold) },
  { "class_portion", "Kept per class", "Each class also keeps this share of the voxels predicted as it, its most confident ones, whatever the threshold (0–1; 0: off)", F, 0, 1, 0.05, 2, ST (class_portion) },
  { "lambda", "Pseudo-label weight λ", "Weight of the pseudo-labelled slices' loss against the painted slices' loss", F, 0, 100, 0.1, 2, ST (lambda) },
  { "unlabelled_batch", "Pseudo-labelled per batch", "Slices of each batch taken from the pseudo-labelled slices (the rest are painted ones)", I, 1, 4095, 1, 0, ST (unlabelled_batch) },
  { "restart", "Restart each round", "Each round trains freshly initialised weights instead of continuing (0 or 1)", B, 0, 1, 1, 0, ST (restart) },
  { "guard_tolerance", "Guard tolerance", "A round is undone when the held-out slice's Dice (or, without one, the painted slices' Dice) falls by more than this during the round", F, 0, 1, 0.01, 3, ST (guard_tolerance) },
  { "collapse_ratio", "Collapse ratio", "Pseudo-labels are refused when a class's share of them is below this times its share of the painted voxels", F, 0, 1, 0.05, 2, ST (collapse_ratio) },
};

static const PlMethodParam mean_teacher_params[] = {
  { "alpha", "EMA decay α", "The teacher keeps this share of its weights at each step (ramps up as 1 − 1/(t+1) until it reaches this)", F, 0, 1, 0.001, 4, MT (alpha) },
  { "consistency", "Consistency weight", "Largest weight of the student–teacher mean squared difference of probabilities", F, 0, 1000, 0.1, 2, MT (consistency) },
  { "rampup_steps", "Ramp-up steps", "Steps over which the consistency weight rises as exp(−5 (1 − t)²)", I, 0, 1e6, 50, 0, MT (rampup_steps) },
  { "noise_std", "Teacher input noise σ", "Standard deviation of the Gaussian noise added to the teacher's (normalised) input", F, 0, 10, 0.01, 3, MT (noise_std) },
  { "noise_clip", "Noise clip", "The noise is clipped to ± this", F, 0, 10, 0.01, 3, MT (noise_clip) },
  { "unlabelled_batch", "Unlabelled per batch", "Slices of each batch taken from the slices without labels", I, 1, 4095, 1, 0, MT (unlabelled_batch) },
};

static const PlMethodParam consistency_params[] = {
  { "consistency", "Consistency weight", "Largest weight of the mean squared difference between the two transformed predictions", F, 0, 1000, 0.1, 2, TC (consistency) },
  { "rampup_steps", "Ramp-up steps", "Steps over which the consistency weight rises as exp(−5 (1 − t)²)", I, 0, 1e6, 50, 0, TC (rampup_steps) },
  { "transform_rotation", "Rotation (°)", "Each transformation rotates by an angle uniform in ± this many degrees", F, 0, 180, 1, 1, TC (transform_rotation) },
  { "transform_scale", "Scaling", "Each transformation scales by a factor uniform in 1 ± this", F, 0, 0.5, 0.01, 2, TC (transform_scale) },
  { "transform_flip", "Flip probability", "Each transformation flips each axis with this probability", F, 0, 1, 0.05, 2, TC (transform_flip) },
  { "unlabelled_batch", "Unlabelled per batch", "Slices of each batch taken from the slices without labels", I, 1, 4095, 1, 0, TC (unlabelled_batch) },
};

#undef I
#undef F
#undef B

const PlMethodParam *
pl_method_params (PlMethodKind kind, guint *n)
{
  switch (kind)
    {
    case PL_METHOD_SELF_TRAINING:
      *n = G_N_ELEMENTS (self_training_params);
      return self_training_params;
    case PL_METHOD_MEAN_TEACHER:
      *n = G_N_ELEMENTS (mean_teacher_params);
      return mean_teacher_params;
    case PL_METHOD_CONSISTENCY:
      *n = G_N_ELEMENTS (consistency_params);
      return consistency_params;
    case PL_METHOD_SUPERVISED:
    default:
      *n = 0;
      return NULL;
    }
}

const PlMethodParam *
pl_method_find_param (PlMethodKind kind, const char *name)
{
  guint n;
  const PlMethodParam *p = pl_method_params (kind, &n);
  for (guint i = 0; i < n; i++)
    if (strcmp (p[i].name, name) == 0)
      return &p[i];
  return NULL;
}

double
pl_method_config_get (const PlMethodConfig *c, const PlMethodParam *p)
{
  const char *at = (const char *) c + p->offset;
  switch (p->type)
    {
    case PL_METHOD_PARAM_INT:
      return *(const int *) at;
    case PL_METHOD_PARAM_BOOL:
      return *(const gboolean *) at ? 1.0 : 0.0;
    case PL_METHOD_PARAM_FLOAT:
    default:
      return *(const float *) at;
    }
}

gboolean
pl_method_config_set (PlMethodConfig *c, const PlMethodParam *p, double value, GError **error)
{
  char *at = (char *) c + p->offset;

  if (!isfinite (value) || value < p->min || value > p->max
      || (p->type != PL_METHOD_PARAM_FLOAT && value != floor (value)))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "%s must be %s in %g…%g (got %g)", p->name,
                   p->type == PL_METHOD_PARAM_FLOAT ? "a number" : "an integer",
                   p->min, p->max, value);
      return FALSE;
    }
  switch (p->type)
    {
    case PL_METHOD_PARAM_INT:
      *(int *) at = (int) value;
      break;
    case PL_METHOD_PARAM_BOOL:
      *(gboolean *) at = value != 0.0;
      break;
    case PL_METHOD_PARAM_FLOAT:
    default:
      *(float *) at = (float) value;
      break;
    }
  return TRUE;
}

gboolean
pl_method_config_check (const PlMethodConfig *c, GError **error)
{
  guint n;
  const PlMethodParam *p;

  if ((guint) c->kind >= PL_METHOD_N_KINDS)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "unknown method %d", c->kind);
      return FALSE;
    }
  p = pl_method_params (c->kind, &n);
  for (guint i = 0; i < n; i++)
    {
      PlMethodConfig tmp = *c;
      if (!pl_method_config_set (&tmp, &p[i], pl_method_config_get (c, &p[i]), error))
        return FALSE;
    }
  return TRUE;
}

/* The shortest %g form that reads back as the same float (0.9f as "0.9",
 * not "0.899999976"), so the text reproduces the setting exactly. */
static void
append_float (GString *s, float v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  for (int digits = 6; digits <= 9; digits++)
    {
      char fmt[8];
      g_snprintf (fmt, sizeof fmt, "%%.%dg", digits);
      g_ascii_formatd (buf, sizeof buf, fmt, v);
      if ((float) g_ascii_strtod (buf, NULL) == v)
        break;
    }
  g_string_append (s, buf);
}

static void
append_value (GString *s, const PlMethodConfig *c, const PlMethodParam *p)
{
  double v = pl_method_config_get (c, p);
  if (p->type == PL_METHOD_PARAM_BOOL)
    g_string_append (s, v != 0.0 ? "true" : "false");
  else if (p->type == PL_METHOD_PARAM_INT)
    g_string_append_printf (s, "%d", (int) v);
  else
    append_float (s, (float) v);
}

/* {"alpha":0.99,…}: the parameters of config->kind only. */
char *
pl_method_settings_json (const PlMethodConfig *c)
{
  GString *s = g_string_new ("{");
  guint n;
  const PlMethodParam *p = pl_method_params (c->kind, &n);
  for (guint i = 0; i < n; i++)
    {
      g_string_append_printf (s, "%s\"%s\":", i ? "," : "", p[i].name);
      append_value (s, c, &p[i]);
    }
  g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}

char *
pl_method_config_to_json (const PlMethodConfig *c)
{
  g_autofree char *settings = pl_method_settings_json (c);
  g_return_val_if_fail ((guint) c->kind < PL_METHOD_N_KINDS, NULL);
  /* settings is "{…}": splice its members after the method's name. */
  return g_strdup_printf ("{\"method\":\"%s\"%s%s", kind_names[c->kind],
                          strlen (settings) > 2 ? "," : "", settings + 1);
}

static gboolean
read_params (PlMethodConfig *c, JsonObject *o, GError **error)
{
  guint n;
  const PlMethodParam *p = pl_method_params (c->kind, &n);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *v = json_object_get_member (o, p[i].name);
      GType t;
      if (!v)
        continue;
      t = JSON_NODE_HOLDS_VALUE (v) ? json_node_get_value_type (v) : G_TYPE_INVALID;
      if (t == G_TYPE_BOOLEAN)
        {
          if (!pl_method_config_set (c, &p[i], json_node_get_boolean (v) ? 1.0 : 0.0, error))
            return FALSE;
        }
      else if (t == G_TYPE_INT64 || t == G_TYPE_DOUBLE)
        {
          if (!pl_method_config_set (c, &p[i], json_node_get_double (v), error))
            return FALSE;
        }
      else
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "%s must be a number", p[i].name);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
pl_method_config_from_json (PlMethodConfig *config, const char *json, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  PlMethodConfig c = *config;
  JsonObject *o, *settings;
  JsonNode *node;
  const char *name;

  if (!json_parser_load_from_data (parser, json, -1, error))
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "method settings must be a JSON object");
      return FALSE;
    }
  o = json_node_get_object (json_parser_get_root (parser));
  node = json_object_get_member (o, "method");
  name = node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
         ? json_node_get_string (node) : NULL;
  if (!name || !pl_method_kind_from_name (name, &c.kind))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "unknown method '%s'", name ? name : "(none)");
      return FALSE;
    }
  /* A model's training metadata holds them under "method_settings". */
  node = json_object_get_member (o, "method_settings");
  if (node && !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "method_settings must be a JSON object");
      return FALSE;
    }
  settings = node ? json_node_get_object (node) : o;
  if (!read_params (&c, settings, error))
    return FALSE;
  *config = c;
  return TRUE;
}

char *
pl_method_config_to_args (const PlMethodConfig *c)
{
  GString *s = g_string_new ("--method ");
  guint n;
  const PlMethodParam *p = pl_method_params (c->kind, &n);

  g_string_append (s, kind_names[c->kind]);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *opt = g_strdup (p[i].name);
      g_strdelimit (opt, "_", '-');
      g_string_append_printf (s, " --%s ", opt);
      if (p[i].type == PL_METHOD_PARAM_BOOL)
        g_string_append (s, pl_method_config_get (c, &p[i]) != 0.0 ? "1" : "0");
      else
        append_value (s, c, &p[i]);
    }
  return g_string_free (s, FALSE);
}
