/* The learning methods of engine/methods/methods.h on small synthetic phantoms:
 * configs and their text forms, each method runs and repeats bitwise for a
 * seed, stop + continue = one run, labels painted while training, the
 * self-training guard on constructed bad cases, model metadata, and one
 * labelled slice where a semi-supervised method beats supervised training
 * at the same step budget. */
#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "engine/data/dataset.h"
#include "engine/core/gemm.h"
#include "engine/nn/infer.h"
#include "engine/methods/method-private.h"
#include "engine/data/metrics.h"
#include "engine/nn/train.h"

#include "tests/test-sanitizer.h"

/* Tests that train for a hundred steps or more take minutes under TSan;
 * the short ones run every method's code there (live-labels with the
 * labels' lock). */
#ifdef TEST_UNDER_TSAN
#define SKIP_UNDER_TSAN() \
  do { g_test_skip ("100+ training steps: minutes under TSan"); return; } while (0)
#else
#define SKIP_UNDER_TSAN() do { } while (0)
#endif

/* ---- phantom ------------------------------------------------------------
 * NX × NY × NZ, slices along axis 2.  Background (label 1), a disc (label 2)
 * and a smaller off-centre disc inside it (label 3), whose radii and centres
 * change with z; intensities drift with z (gain falls, offset rises), so a
 * network that saw only one slice meets contrasts it never saw, while
 * neighbouring slices look alike: what unlabelled slices can teach. */
#define NX 48
#define NY 48
#define NZ 16

static int
phantom_label (int i, int j, int k)
{
  double cx = 24.0 + 0.4 * k, cy = 23.0 - 0.3 * k, r = 13.0 + 0.35 * k;
  double ix = cx + 4.0, iy = cy + 2.0, ir = 5.0 + 0.2 * k;
  double d2 = (i - cx) * (i - cx) + (j - cy) * (j - cy);
  double e2 = (i - ix) * (i - ix) + (j - iy) * (j - iy);
  if (e2 < ir * ir)
    return 3;
  if (d2 < r * r)
    return 2;
  return 1;
}

static PlVolume *
phantom_volume (double drift)
{
  const gint64 dim[3] = { NX, NY, NZ };
  PlVolume *v = pl_volume_new (dim, NULL, NULL);
  static const float level[4] = { 0, 40, 120, 200 };
  PlRng rng;

  pl_rng_init (&rng, 17);
  for (int k = 0; k < NZ; k++)
    {
      double gain = 1.0 - drift * 0.045 * k, offset = drift * 6.0 * k;
      for (int j = 0; j < NY; j++)
        for (int i = 0; i < NX; i++)
          v->data[i + NX * (j + NY * k)]
            = (float) (level[phantom_label (i, j, k)] * gain + offset + 12.0 * pl_rng_normal (&rng));
    }
  pl_volume_update_stats (v);
  return v;
}

static void
paint_slice (PlLabels *l, int k)
{
  for (int j = 0; j < NY; j++)
    for (int i = 0; i < NX; i++)
      l->data[i + NX * (j + NY * k)] = (guint16) phantom_label (i, j, k);
}

static PlLabels *
truth_labels (void)
{
  const gint64 dim[3] = { NX, NY, NZ };
  PlLabels *l = pl_labels_new (dim);
  for (int k = 0; k < NZ; k++)
    paint_slice (l, k);
  return l;
}

/* A small UNet: 3 levels, 8/16/32 channels, batches of 8.  Tests of what a
 * method does step by step (not of what it learns) take half of those
 * channels and batches of 4 under the sanitizers: the same code, a fraction
 * of the work.  full: the plain build's network and batch everywhere. */
static void
small_config (PlTrainConfig *c, guint64 seed, gboolean full)
{
  int ch = full ? 8 : TEST_SIZE (8, 4);

  pl_train_config_init (c);
  c->net.depth = 3;
  c->net.channels[0] = ch;
  c->net.channels[1] = 2 * ch;
  c->net.channels[2] = 4 * ch;
  c->net.dropout_p = 0.1f;
  c->batch = full ? 8 : TEST_SIZE (8, 4);
  c->lr = 3e-3f;
  /* a constant rate: these runs are cut and continued at will (a ramp-down
   * is per run, /train/lr-rampdown) */
  c->lr_rampdown = 0.0f;
  c->axis = 2;
  c->seed = seed;
}

/* Mean Dice of labels 2, 3 over every slice the sparse map leaves unlabelled. */
static double
held_out_dice (PlModel *model, const PlVolume *v, const PlLabels *sparse)
{
  static const guint16 values[2] = { 2, 3 };
  g_autoptr (PlLabels) truth = truth_labels ();
  g_autoptr (PlLabels) pred = pl_labels_new (v->dim);
  g_autofree guint8 *skip = g_new0 (guint8, pl_labels_n_voxels (truth));
  g_autoptr (GError) error = NULL;
  double d[2];

  g_assert_true (pl_model_predict_volume (model, v, 8, NULL, pred, NULL, &error));
  g_assert_no_error (error);
  for (gsize i = 0; i < pl_labels_n_voxels (truth); i++)
    skip[i] = sparse->data[i] != 0;
  pl_dice_per_value (pred->data, truth->data, pl_labels_n_voxels (truth), skip, values, 2, d);
  return 0.5 * (d[0] + d[1]);
}

static PlTrainer *
trainer_for (const PlVolume *v, PlLabelProvider *prov, guint64 seed, const PlMethodConfig *m,
             gboolean full)
{
  g_autoptr (GError) error = NULL;
  PlTrainConfig cfg;
  PlTrainer *tr;

  small_config (&cfg, seed, full);
  tr = pl_trainer_new (&cfg, v, prov, &error);
  g_assert_no_error (error);
  g_assert_true (pl_method_install (tr, m, &error));
  g_assert_no_error (error);
  return tr;
}

static PlTrainer *
new_trainer (const PlVolume *v, PlLabelProvider *prov, guint64 seed, const PlMethodConfig *m)
{
  return trainer_for (v, prov, seed, m, FALSE);
}

/* For tests that assert what the network learns, or the batch's size. */
static PlTrainer *
new_full_trainer (const PlVolume *v, PlLabelProvider *prov, guint64 seed, const PlMethodConfig *m)
{
  return trainer_for (v, prov, seed, m, TRUE);
}

static gboolean
params_equal (PlTrainer *a, PlTrainer *b)
{
  PlUnet *ua = pl_trainer_get_model (a)->unet, *ub = pl_trainer_get_model (b)->unet;
  return memcmp (pl_unet_params (ua), pl_unet_params (ub),
                 pl_unet_n_params (ua) * sizeof (float)) == 0;
}

/* Short schedules so that a few steps cross warm-up, rounds and ramp-ups:
 * QUICK_STEPS steps cross the warm-up, both rounds, the guard after each
 * and the ramp-up (7: warm-up 2, rounds at 2 and 4, guards at 4 and 6,
 * ramp-up 4; under the sanitizers 4: warm-up 1, rounds at 1 and 2, guards
 * at 2 and 3, ramp-up 2).  The unlabelled part fits the batch of
 * small_config. */
#define QUICK_STEPS TEST_SIZE (7, 4)

static void
quick_method (PlMethodConfig *m, PlMethodKind kind)
{
  pl_method_config_init (m);
  m->kind = kind;
  m->self_training.warmup_steps = TEST_SIZE (2, 1);
  m->self_training.round_steps = TEST_SIZE (2, 1);
  m->self_training.rounds = 2;
  m->self_training.threshold = 0.3f;
  m->self_training.collapse_ratio = 0.0f;
  m->self_training.guard_tolerance = 1.0f;
  m->mean_teacher.rampup_steps = TEST_SIZE (4, 2);
  m->consistency.rampup_steps = TEST_SIZE (4, 2);
  m->self_training.unlabelled_batch = TEST_SIZE (4, 2);
  m->mean_teacher.unlabelled_batch = TEST_SIZE (4, 2);
  m->consistency.unlabelled_batch = TEST_SIZE (4, 2);
  m->compactness.rampup_steps = TEST_SIZE (4, 2);
  m->compactness.unlabelled_batch = TEST_SIZE (4, 2);
  m->compactness.samples = 32;
}

/* ---- configs ------------------------------------------------------------ */

/* The method table: one entry per kind at its own index, distinct names,
 * every parameter's default in its range and installed by
 * pl_method_config_init, hooks for each. */
static void
test_table (void)
{
  PlMethodConfig c;
  g_autofree char *names = pl_method_names (", ", " or ");

  pl_method_config_init (&c);
  g_assert_cmpstr (names, ==, "supervised, self-training, mean-teacher, consistency or compactness");
  g_assert_null (pl_method_info_by_name ("mean_teacher"));
  g_assert_null (pl_method_info_by_name (NULL));
  for (int k = 0; k < PL_METHOD_N_KINDS; k++)
    {
      const PlMethodInfo *m = pl_method_info ((PlMethodKind) k);
      guint n;

      g_assert_nonnull (m);
      g_assert_nonnull (m->hooks);
      g_assert_cmpint (m->kind, ==, k);
      g_assert_true (pl_method_info_by_name (m->name) == m);
      g_assert_cmpstr (pl_method_kind_name ((PlMethodKind) k), ==, m->name);
      g_assert_cmpstr (pl_method_kind_title ((PlMethodKind) k), ==, m->title);
      g_assert_cmpstr (pl_method_kind_summary ((PlMethodKind) k), ==, m->summary);
      g_assert_true (pl_method_params ((PlMethodKind) k, &n) == (m->n_params ? m->params : NULL));
      g_assert_cmpuint (n, ==, m->n_params);
      g_assert_nonnull (strstr (names, m->name));
      for (int j = 0; j < k; j++)
        g_assert_cmpstr (pl_method_info ((PlMethodKind) j)->name, !=, m->name);
      for (guint i = 0; i < m->n_params; i++)
        {
          const PlMethodParam *p = &m->params[i];
          double v = pl_method_config_get (&c, p);
          g_assert_cmpfloat (p->default_value, >=, p->min);
          g_assert_cmpfloat (p->default_value, <=, p->max);
          /* Stored as the field's type: the float nearest to it. */
          g_assert_cmpfloat (v, ==, p->type == PL_METHOD_PARAM_FLOAT ? (double) (float) p->default_value
                                                                     : p->default_value);
          g_assert_nonnull (p->label);
          g_assert_nonnull (p->help);
          for (guint j = 0; j < i; j++)
            g_assert_cmpstr (m->params[j].name, !=, p->name);
        }
    }
}

static void
test_config (void)
{
  PlMethodConfig c, d;
  g_autoptr (GError) error = NULL;

  pl_method_config_init (&c);
  g_assert_cmpint (c.kind, ==, PL_METHOD_SUPERVISED);
  g_assert_true (pl_method_config_check (&c, &error));
  /* The literature's numbers (method-config.c gives the sources). */
  g_assert_cmpfloat (c.mean_teacher.alpha, ==, 0.99f);
  g_assert_cmpfloat (c.mean_teacher.noise_std, ==, 0.1f);
  g_assert_cmpfloat (c.self_training.lambda, ==, 0.5f);

  for (int k = 0; k < PL_METHOD_N_KINDS; k++)
    {
      PlMethodKind back;
      guint n;
      const PlMethodParam *p = pl_method_params ((PlMethodKind) k, &n);
      g_autofree char *json = NULL, *args = NULL;

      g_assert_true (pl_method_kind_from_name (pl_method_kind_name ((PlMethodKind) k), &back));
      g_assert_cmpint (back, ==, k);
      g_assert_nonnull (pl_method_kind_title ((PlMethodKind) k));
      g_assert_nonnull (pl_method_kind_summary ((PlMethodKind) k));
      g_assert_cmpuint (n, ==, k == PL_METHOD_SUPERVISED ? 0 : n);
      if (k != PL_METHOD_SUPERVISED)
        g_assert_cmpuint (n, >=, 5);

      pl_method_config_init (&c);
      c.kind = (PlMethodKind) k;
      for (guint i = 0; i < n; i++)
        {
          double v = pl_method_config_get (&c, &p[i]);
          g_assert_true (pl_method_find_param ((PlMethodKind) k, p[i].name) == &p[i]);
          g_assert_cmpfloat (v, >=, p[i].min);
          g_assert_cmpfloat (v, <=, p[i].max);
          /* Out of range, and fractions for integers, are refused. */
          g_assert_false (pl_method_config_set (&c, &p[i], p[i].max + 1.0, &error));
          g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
          g_assert_nonnull (strstr (error->message, p[i].name));
          g_clear_error (&error);
          g_assert_false (pl_method_config_set (&c, &p[i], NAN, &error));
          g_clear_error (&error);
          if (p[i].type != PL_METHOD_PARAM_FLOAT)
            {
              g_assert_false (pl_method_config_set (&c, &p[i], p[i].min + 0.5, &error));
              g_clear_error (&error);
            }
          /* Change every value (to another legal one) for the round trip. */
          g_assert_true (pl_method_config_set (&c, &p[i], p[i].type == PL_METHOD_PARAM_FLOAT
                                               ? (v == p[i].min ? p[i].max : p[i].min + 0.3 * (v - p[i].min))
                                               : (v == p[i].min ? p[i].min + 1 : p[i].min), &error));
          g_assert_no_error (error);
          g_assert_cmpfloat (pl_method_config_get (&c, &p[i]), !=, v);
        }
      json = pl_method_config_to_json (&c);
      pl_method_config_init (&d);
      g_assert_true (pl_method_config_from_json (&d, json, &error));
      g_assert_no_error (error);
      g_assert_cmpint (d.kind, ==, k);
      for (guint i = 0; i < n; i++)
        g_assert_cmpfloat (pl_method_config_get (&d, &p[i]), ==, pl_method_config_get (&c, &p[i]));
      args = pl_method_config_to_args (&c);
      g_assert_true (g_str_has_prefix (args, "--method "));
      for (guint i = 0; i < n; i++)
        {
          g_autofree char *opt = g_strdelimit (g_strdup_printf ("--%s ", p[i].name), "_", '-');
          g_assert_nonnull (strstr (args, opt));
        }
    }

  /* Defaults print as written, not as float noise. */
  pl_method_config_init (&c);
  c.kind = PL_METHOD_SELF_TRAINING;
  {
    g_autofree char *json = pl_method_config_to_json (&c);
    g_assert_nonnull (strstr (json, "\"threshold\":0.9,"));
    g_assert_nonnull (strstr (json, "\"restart\":false"));
  }

  /* Bad text. */
  g_assert_false (pl_method_config_from_json (&c, "{\"method\":\"magic\"}", &error));
  g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
  g_clear_error (&error);
  g_assert_false (pl_method_config_from_json (&c, "[1, 2]", &error));
  g_clear_error (&error);
  g_assert_false (pl_method_config_from_json (&c, "{\"method\":\"mean-teacher\",\"alpha\":\"high\"}", &error));
  g_clear_error (&error);
  g_assert_false (pl_method_config_from_json (&c, "{\"method\":\"mean-teacher\",\"alpha\":1.5}", &error));
  g_clear_error (&error);
  g_assert_false (pl_method_config_from_json (&c, "{\"method\":\"mean-teacher\",\"method_settings\":3}", &error));
  g_clear_error (&error);
  g_assert_false (pl_method_config_from_json (&c, "not json", &error));
  g_clear_error (&error);
  /* A model's metadata form, with other keys around. */
  g_assert_true (pl_method_config_from_json (&c, "{\"method\":\"mean-teacher\",\"steps\":5,"
                                             "\"method_settings\":{\"alpha\":0.95}}", &error));
  g_assert_cmpint (c.kind, ==, PL_METHOD_MEAN_TEACHER);
  g_assert_cmpfloat (c.mean_teacher.alpha, ==, 0.95f);
  g_assert_cmpfloat (c.mean_teacher.noise_std, ==, 0.1f);
}

static void
test_install_errors (void)
{
  g_autoptr (PlVolume) v = phantom_volume (0.0);
  g_autoptr (PlLabels) l = pl_labels_new (v->dim);
  g_autoptr (PlTrainer) tr = NULL;
  g_autoptr (GError) error = NULL;
  PlLabelProvider prov;
  PlMethodConfig m;
  PlMethodStatus st;

  paint_slice (l, 3);
  pl_label_provider_init_static (&prov, l);
  pl_method_config_init (&m);
  tr = new_full_trainer (v, &prov, 1, &m);
  g_assert_true (pl_method_get_status (tr, &st));
  g_assert_cmpint (st.kind, ==, PL_METHOD_SUPERVISED);

  m.kind = PL_METHOD_MEAN_TEACHER;
  m.mean_teacher.unlabelled_batch = 8;       /* = batch: no room for labels */
  g_assert_false (pl_method_install (tr, &m, &error));
  g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
  g_assert_nonnull (strstr (error->message, "unlabelled_batch"));
  g_clear_error (&error);
  m.mean_teacher.unlabelled_batch = 4;
  m.mean_teacher.alpha = 2.0f;
  g_assert_false (pl_method_install (tr, &m, &error));
  g_clear_error (&error);
  m.mean_teacher.alpha = 0.99f;
  /* update needs the installed kind */
  g_assert_false (pl_method_update (tr, &m, &error));
  g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
  g_clear_error (&error);
  g_assert_true (pl_method_install (tr, &m, &error));
  g_assert_true (pl_method_get_status (tr, &st));
  g_assert_cmpint (st.kind, ==, PL_METHOD_MEAN_TEACHER);
}

/* ---- running ------------------------------------------------------------ */

static void
test_runs_deterministic_resumable (void)
{
  g_autoptr (PlVolume) v = phantom_volume (1.0);
  g_autoptr (PlLabels) l = pl_labels_new (v->dim);
  PlLabelProvider prov;

  paint_slice (l, 0);
  paint_slice (l, 9);
  pl_label_provider_init_static (&prov, l);
  for (int k = 0; k < PL_METHOD_N_KINDS; k++)
    {
      g_autoptr (PlTrainer) a = NULL, b = NULL;
      g_autoptr (GError) error = NULL;
      PlMethodConfig m;
      PlMethodStatus st;

      quick_method (&m, (PlMethodKind) k);
      a = new_trainer (v, &prov, 5, &m);
      b = new_trainer (v, &prov, 5, &m);
      g_assert_true (pl_trainer_run (a, QUICK_STEPS, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
      /* The same steps in three runs, stopping across a round boundary. */
      g_assert_true (pl_trainer_run (b, TEST_SIZE (3, 2), NULL, NULL, NULL, &error));
      g_assert_false (params_equal (a, b));
      g_assert_true (pl_trainer_run (b, 1, NULL, NULL, NULL, &error));
      g_assert_true (pl_trainer_run (b, QUICK_STEPS - TEST_SIZE (3, 2) - 1, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (params_equal (a, b));
      if (k == PL_METHOD_MEAN_TEACHER)
        {
          PlUnet *ta = pl_trainer_get_teacher (a), *tb = pl_trainer_get_teacher (b);
          g_assert_cmpmem (pl_unet_params (ta), pl_unet_n_params (ta) * sizeof (float),
                           pl_unet_params (tb), pl_unet_n_params (tb) * sizeof (float));
        }
#ifndef TEST_UNDER_SANITIZER
      /* Another seed, other weights (a question of numbers, not of memory
       * or threads: plain build only). */
      g_autoptr (PlTrainer) c = new_trainer (v, &prov, 6, &m);
      g_assert_true (pl_trainer_run (c, QUICK_STEPS, NULL, NULL, NULL, &error));
      g_assert_false (params_equal (a, c));
#endif

      g_assert_true (pl_method_get_status (a, &st));
      g_assert_cmpint (st.kind, ==, k);
      g_assert_cmpint (st.steps, ==, QUICK_STEPS);
      g_assert_true (isfinite (st.supervised_loss));
      {
        g_autoptr (GString) said = g_string_new ("loss");
        g_autofree char *teacher = g_strdup_printf ("loss · teacher α %.4f", 1.0 - 1.0 / QUICK_STEPS);
        pl_method_status_describe (&st, said);
        g_test_message ("%s: %s", pl_method_kind_name ((PlMethodKind) k), said->str);
        if (k == PL_METHOD_SELF_TRAINING)
          g_assert_cmpstr (strstr (said->str, "loss · round 2, 14 pseudo-labelled slices, "), ==, said->str);
        else if (k == PL_METHOD_MEAN_TEACHER)     /* uncertainty-aware by default */
          {
            g_assert_cmpstr (strstr (said->str, teacher), ==, said->str);
            g_assert_nonnull (strstr (said->str, " · agreement asked on "));
          }
        else if (k == PL_METHOD_COMPACTNESS)
          g_assert_cmpstr (strstr (said->str, "loss · compactness "), ==, said->str);
        else if (k == PL_METHOD_CONSISTENCY)      /* the class report */
          g_assert_cmpstr (strstr (said->str, "loss · label "), ==, said->str);
        else
          g_assert_cmpstr (said->str, ==, "loss");
      }
      switch (k)
        {
        case PL_METHOD_SELF_TRAINING:
          g_assert_cmpint (st.round, ==, 2);
          g_assert_cmpint (st.n_pseudo_slices, ==, NZ - 2);
          g_assert_cmpfloat (st.pseudo_kept, >, 0.0);
          g_assert_cmpfloat (st.weight, ==, m.self_training.lambda);
          g_assert_true (isfinite (st.unlabelled_loss));
          g_assert_false (st.guard_stopped);
          break;
        case PL_METHOD_MEAN_TEACHER:
          /* α_t = min(1 − 1/(t+1), 0.99) at the last t; w after the ramp-up. */
          g_assert_cmpfloat (fabs (st.alpha - (1.0 - 1.0 / QUICK_STEPS)), <, 1e-9);
          g_assert_cmpfloat (st.weight, ==, m.mean_teacher.consistency);
          /* uncertainty-aware: after a few steps the teacher may be sure
           * nowhere (then the term is 0); /methods/mean-teacher-uncertainty
           * tests the share and the term */
          g_assert_cmpfloat (st.pseudo_kept, >=, 0.0);
          g_assert_cmpfloat (st.pseudo_kept, <=, 1.0);
          g_assert_cmpfloat (st.unlabelled_loss, >=, 0.0);
          break;
        case PL_METHOD_CONSISTENCY:
          g_assert_cmpfloat (st.weight, ==, m.consistency.consistency);
          g_assert_cmpfloat (st.unlabelled_loss, >, 0.0);
          break;
        case PL_METHOD_COMPACTNESS:
          /* after the ramp-up: λ; the pulled-together distances are > 0 */
          g_assert_cmpfloat (fabs (st.weight - m.compactness.lambda), <, 1e-6);
          g_assert_cmpfloat (st.unlabelled_loss, >, 0.0);
          break;
        default:
          g_assert_true (isnan (st.unlabelled_loss));
          break;
        }
    }
}

/* The ramp-up of Laine & Aila: 0 → 1 as exp(−5 (1 − t/L)²). */
static void
test_rampup_and_teacher (void)
{
  g_autoptr (PlVolume) v = phantom_volume (0.0);
  g_autoptr (PlLabels) l = pl_labels_new (v->dim);
  g_autoptr (PlTrainer) tr = NULL;
  g_autoptr (GError) error = NULL;
  PlLabelProvider prov;
  PlMethodConfig m;
  PlMethodStatus st;
  PlUnet *teacher, *student;
  g_autofree float *before = NULL;
  gsize np;
  const int ramp = TEST_SIZE (10, 4);

  paint_slice (l, 2);
  pl_label_provider_init_static (&prov, l);
  pl_method_config_init (&m);
  m.kind = PL_METHOD_MEAN_TEACHER;
  m.mean_teacher.rampup_steps = ramp;
  m.mean_teacher.alpha = 0.6f;
  m.mean_teacher.unlabelled_batch = TEST_SIZE (4, 2);
  tr = new_trainer (v, &prov, 2, &m);
  teacher = pl_trainer_get_teacher (tr);
  student = pl_trainer_get_model (tr)->unet;
  np = pl_unet_n_params (student);
  g_assert_cmpmem (pl_unet_params (teacher), np * sizeof (float), pl_unet_params (student), np * sizeof (float));
  for (int t = 0; t < ramp + 2; t++)
    {
      double phase = 1.0 - (double) t / ramp;
      double alpha = MIN (1.0 - 1.0 / (t + 1), 0.6), w = t < ramp ? exp (-5.0 * phase * phase) : 1.0;
      g_clear_pointer (&before, g_free);
      before = g_memdup2 (pl_unet_params (teacher), np * sizeof (float));
      g_assert_true (pl_trainer_step (tr, NULL, &error));
      g_assert_true (pl_method_get_status (tr, &st));
      g_assert_cmpfloat (fabs (st.weight - w), <, 1e-6);
      g_assert_cmpfloat (fabs (st.alpha - alpha), <, 1e-6);
      /* θ' = α θ'_before + (1 − α) θ_after, element by element. */
      for (gsize i = 0; i < np; i += 997)
        g_assert_cmpfloat (fabs (pl_unet_params (teacher)[i]
                                 - ((float) alpha * before[i] + (1.0f - (float) alpha) * pl_unet_params (student)[i])),
                           <, 1e-6);
    }
  /* Updating the settings keeps the teacher and the ramp-up position. */
  m.mean_teacher.consistency = 3.0f;
  g_assert_true (pl_method_update (tr, &m, &error));
  g_assert_true (pl_trainer_step (tr, NULL, &error));
  g_assert_true (pl_method_get_status (tr, &st));
  g_assert_cmpint (st.steps, ==, ramp + 3);
  g_assert_cmpfloat (st.weight, ==, 3.0);
}

/* Uncertainty-aware mean teacher (UA-MT): with a threshold no entropy
 * reaches, every pixel is compared and one pass is the plain mean teacher,
 * bit for bit; with a threshold of 0 none is, and the consistency term is 0;
 * with several passes the share asked for is reported and said. */
static void
test_mean_teacher_uncertainty (void)
{
  g_autoptr (PlVolume) v = phantom_volume (1.0);
  g_autoptr (PlLabels) l = pl_labels_new (v->dim);
  PlLabelProvider prov;
  PlMethodConfig plain, all, none, several;
  g_autoptr (PlTrainer) a = NULL, b = NULL, c = NULL, d = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) said = g_string_new ("");
  PlMethodStatus st;
  const int steps = TEST_SIZE (4, 2);

  paint_slice (l, 0);
  paint_slice (l, 9);
  pl_label_provider_init_static (&prov, l);
  quick_method (&plain, PL_METHOD_MEAN_TEACHER);
  g_assert_cmpint (plain.mean_teacher.uncertainty_passes, ==, 1);   /* the default */
  plain.mean_teacher.uncertainty_passes = 0;
  all = none = several = plain;
  all.mean_teacher.uncertainty_passes = 1;
  all.mean_teacher.uncertainty_threshold = 10.0f;   /* > ln K: nothing is too unsure */
  none.mean_teacher.uncertainty_passes = 1;
  none.mean_teacher.uncertainty_threshold = 0.0f;
  several.mean_teacher.uncertainty_passes = 3;
  several.mean_teacher.uncertainty_threshold = 1.0f;
  several.mean_teacher.threshold_rampup_steps = 0;

  a = new_trainer (v, &prov, 3, &plain);
  b = new_trainer (v, &prov, 3, &all);
  c = new_trainer (v, &prov, 3, &none);
  d = new_trainer (v, &prov, 3, &several);
  g_assert_true (pl_trainer_run (a, steps, NULL, NULL, NULL, &error));
  g_assert_true (pl_trainer_run (b, steps, NULL, NULL, NULL, &error));
  g_assert_true (pl_trainer_run (c, steps, NULL, NULL, NULL, &error));
  g_assert_true (pl_trainer_run (d, steps, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (params_equal (a, b));
  g_assert_true (pl_method_get_status (a, &st));
  g_assert_true (isnan (st.pseudo_kept));
  pl_method_status_describe (&st, said);
  g_assert_null (strstr (said->str, "agreement"));
  g_assert_true (pl_method_get_status (b, &st));
  g_assert_cmpfloat (st.pseudo_kept, ==, 1.0);

  g_assert_true (pl_method_get_status (c, &st));
  g_assert_cmpfloat (st.pseudo_kept, ==, 0.0);
  g_assert_cmpfloat (st.unlabelled_loss, ==, 0.0);
  g_assert_false (params_equal (a, c));

  g_assert_true (pl_method_get_status (d, &st));
  g_assert_cmpfloat (st.pseudo_kept, >=, 0.0);
  g_assert_cmpfloat (st.pseudo_kept, <=, 1.0);
  g_assert_true (isfinite (st.unlabelled_loss));
  g_string_truncate (said, 0);
  pl_method_status_describe (&st, said);
  g_assert_nonnull (strstr (said->str, "agreement asked on "));
  g_assert_false (params_equal (a, d));
}

/* Painting while a method trains: the next step sees it. */
static void
test_live_labels (void)
{
  g_autoptr (PlVolume) v = phantom_volume (1.0);
  g_autoptr (PlLabels) l = pl_labels_new (v->dim);
  GMutex lock;
  PlLockedLabels locked = { l, &lock };
  PlLabelProvider prov;

  g_mutex_init (&lock);
  pl_label_provider_init_locked (&prov, &locked);
  for (int k = 1; k < PL_METHOD_N_KINDS; k++)
    {
      g_autoptr (PlTrainer) tr = NULL;
      g_autoptr (GError) error = NULL;
      PlMethodConfig m;
      PlMethodStatus st;
      PlTrainStepInfo info;

      memset (l->data, 0, pl_labels_n_voxels (l) * sizeof (guint16));
      paint_slice (l, 4);
      quick_method (&m, (PlMethodKind) k);
      tr = new_trainer (v, &prov, 3, &m);
      /* Past the warm-up: the step after makes pseudo-labels. */
      g_assert_true (pl_trainer_run (tr, TEST_SIZE (3, 2), NULL, NULL, NULL, &error));
      g_assert_true (pl_trainer_step (tr, &info, &error));
      g_assert_cmpint (info.n_labelled, ==, 1);
      g_assert_true (pl_method_get_status (tr, &st));
      if (k == PL_METHOD_SELF_TRAINING)
        g_assert_cmpint (st.n_pseudo_slices, ==, NZ - 1);

      g_mutex_lock (&lock);
      paint_slice (l, 11);                 /* painted while training */
      g_mutex_unlock (&lock);
      g_assert_true (pl_trainer_step (tr, &info, &error));
      g_assert_cmpint (info.n_labelled, ==, 2);
      g_assert_true (pl_method_get_status (tr, &st));
      /* A pseudo-labelled slice that gets painted leaves the pseudo pool. */
      if (k == PL_METHOD_SELF_TRAINING)
        g_assert_cmpint (st.n_pseudo_slices, ==, NZ - 2);

      /* Every slice painted: nothing left unlabelled, the methods go on. */
      g_mutex_lock (&lock);
      for (int z = 0; z < NZ; z++)
        paint_slice (l, z);
      g_mutex_unlock (&lock);
      g_assert_true (pl_trainer_run (tr, TEST_SIZE (3, 1), NULL, NULL, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (pl_trainer_step (tr, &info, &error));
      g_assert_cmpint (info.n_labelled, ==, NZ);
      g_assert_true (pl_method_get_status (tr, &st));
      g_assert_true (isfinite (st.supervised_loss));
    }
  g_mutex_clear (&lock);
}

/* ---- the guard ---------------------------------------------------------- */

/* A restart with rounds far too short to relearn: the painted slices' loss
 * after the round is much worse than before it, so the round is undone. */
static void
test_guard_reverts (void)
{
  g_autoptr (PlVolume) v = phantom_volume (1.0);
  g_autoptr (PlLabels) l = pl_labels_new (v->dim);
  g_autoptr (PlTrainer) guarded = NULL, unguarded = NULL;
  g_autoptr (GError) error = NULL;
  PlLabelProvider prov;
  PlMethodConfig m;
  PlMethodStatus st;
  double dg, du;

  SKIP_UNDER_TSAN ();
  paint_slice (l, 0);
  paint_slice (l, 8);
  pl_label_provider_init_static (&prov, l);
  pl_method_config_init (&m);
  m.kind = PL_METHOD_SELF_TRAINING;
  m.self_training.warmup_steps = 40;
  m.self_training.round_steps = 3;
  m.self_training.rounds = 3;
  m.self_training.restart = TRUE;
  m.self_training.retry_steps = 0;   /* the refused set at 40 still restarts */
  guarded = new_full_trainer (v, &prov, 4, &m);
  m.self_training.guard_tolerance = 1.0f;      /* a Dice cannot fall by more: off */
  unguarded = new_full_trainer (v, &prov, 4, &m);
  g_assert_true (pl_trainer_run (guarded, 52, NULL, NULL, NULL, &error));
  g_assert_true (pl_trainer_run (unguarded, 52, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (pl_method_get_status (guarded, &st));
  g_test_message ("guarded: %s", st.note);
  g_assert_true (st.guard_stopped);
  g_assert_nonnull (strstr (st.note, "round 1 undone before step 44"));
  g_assert_cmpint (st.round, ==, 1);
  g_assert_cmpint (st.n_pseudo_slices, ==, 0);     /* back to the warm-up's (none) */
  g_assert_true (pl_method_get_status (unguarded, &st));
  g_assert_false (st.guard_stopped);
  g_assert_cmpint (st.round, ==, 3);

  /* Undoing the round kept the warm-up's model; going on without the guard
   * kept a barely trained one. */
  dg = held_out_dice (pl_trainer_get_model (guarded), v, l);
  du = held_out_dice (pl_trainer_get_model (unguarded), v, l);
  g_test_message ("held-out Dice: guarded %.4f, unguarded %.4f", dg, du);
  g_assert_cmpfloat (dg, >, du + 0.05);
}

/* Pseudo-labels from a model that has learnt nothing yet are all one
 * class: refused, and training stays supervised. */
static void
test_guard_collapse (void)
{
  g_autoptr (PlVolume) v = phantom_volume (0.0);
  g_autoptr (PlLabels) l = pl_labels_new (v->dim);
  g_autoptr (PlTrainer) tr = NULL;
  g_autoptr (GError) error = NULL;
  PlLabelProvider prov;
  PlMethodConfig m;
  PlMethodStatus st;

  paint_slice (l, 5);
  pl_label_provider_init_static (&prov, l);
  pl_method_config_init (&m);
  m.kind = PL_METHOD_SELF_TRAINING;
  m.self_training.warmup_steps = 0;
  m.self_training.round_steps = 4;
  m.self_training.rounds = 1;
  m.self_training.threshold = 0.0f;
  tr = new_full_trainer (v, &prov, 7, &m);
  g_assert_true (pl_trainer_run (tr, 3, NULL, NULL, NULL, &error));
  g_assert_true (pl_method_get_status (tr, &st));
  g_test_message ("%s", st.note);
  g_assert_nonnull (strstr (st.note, "round 1: pseudo-labels refused"));
  g_assert_cmpint (st.n_pseudo_slices, ==, 0);
  g_assert_true (isnan (st.unlabelled_loss));
}

/* What the semi-supervised methods report of the classes: painted class 2
 * and 3 (indices 1, 2) half and half, predicted 3 : 1 on the unpainted
 * image — label 3 at half its painted share, whatever the background and
 * the pixels marked invalid hold, and the same after more steps of the
 * same counts.  Then both methods on the phantom report a painted label. */
static void
test_watch_classes (void)
{
  g_autoptr (PlVolume) v = phantom_volume (1.0);
  g_autoptr (PlLabels) l = pl_labels_new (v->dim);
  g_autoptr (GError) error = NULL;
  g_autofree PlMethodState *st = g_new0 (PlMethodState, 1);
  g_autoptr (PlTape) tape = pl_tape_new (1 << 20);
  PlLabelProvider prov;
  PlMethodConfig m;
  PlTensor *probs, *valid;
  gint32 target[2 * 8];
  const int K = 3, plane = 8;

  paint_slice (l, 4);
  pl_label_provider_init_static (&prov, l);
  quick_method (&m, PL_METHOD_CONSISTENCY);
  {
    g_autoptr (PlTrainer) tr = new_trainer (v, &prov, 5, &m);
    g_assert_cmpint (pl_trainer_get_n_classes (tr), ==, K);
    probs = pl_tape_zeros (tape, 2, K, 1, plane);
    valid = pl_tape_zeros (tape, 2, K, 1, plane);
    for (int q = 0; q < plane; q++)
      {
        /* painted: 2 background, 3 of class 1, 3 of class 2 */
        target[q] = q < 2 ? 0 : q < 5 ? 1 : 2;
        target[plane + q] = -1;
        /* unpainted: class 1 on 0–2, class 2 on 3, background on 4–5, and
         * class 2 on 6–7, which are not valid */
        int c = q < 3 ? 1 : q == 3 ? 2 : q < 6 ? 0 : 2;
        probs->data[(gsize) (K + c) * plane + q] = 1.0f;
        valid->data[(gsize) K * plane + q] = q < 6 ? 1.0f : 0.0f;
      }
    st->status.least_ratio = NAN;
    for (int step = 0; step < 3; step++)
      {
        pl_method_watch_classes (st, tr, target, 1, probs, 1, valid);
        g_assert_cmpint (st->status.least_label, ==, 3);
        g_assert_cmpfloat (fabs (st->status.least_ratio - 0.5), <, 1e-9);
      }
    g_free (st->watch_pred);
    g_free (st->watch_painted);
  }

  paint_slice (l, 11);
  for (int k = PL_METHOD_MEAN_TEACHER; k <= PL_METHOD_CONSISTENCY; k++)
    {
      g_autoptr (PlTrainer) tr = NULL;
      g_autoptr (GString) said = g_string_new ("");
      PlMethodStatus ms;

      quick_method (&m, (PlMethodKind) k);
      tr = new_trainer (v, &prov, 5, &m);
      g_assert_true (pl_trainer_run (tr, QUICK_STEPS, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (pl_method_get_status (tr, &ms));
      g_assert_true (ms.least_label == 2 || ms.least_label == 3);
      g_assert_true (isfinite (ms.least_ratio) && ms.least_ratio >= 0.0 && ms.least_ratio <= 1.0);
      pl_method_status_describe (&ms, said);
      g_test_message ("%s: %s", pl_method_kind_name ((PlMethodKind) k), said->str);
      g_assert_nonnull (strstr (said->str, "its painted share"));
    }
}

/* Refused first pseudo-labels are asked for again retry_steps later, the
 * rounds put off with them: an untrained network's are refused (all one
 * class), and after 150 steps of supervised training the class-balanced
 * ones are taken (as in /methods/class-portion) and trained on. */
static void
test_self_training_retry (void)
{
  g_autoptr (PlVolume) v = phantom_volume (1.0);
  g_autoptr (PlLabels) l = pl_labels_new (v->dim);
  g_autoptr (PlTrainer) tr = NULL;
  g_autoptr (GError) error = NULL;
  PlLabelProvider prov;
  PlMethodConfig m;
  PlMethodStatus st;
  int refused = 0;

  SKIP_UNDER_TSAN ();
  paint_slice (l, NZ / 2);
  pl_label_provider_init_static (&prov, l);
  pl_method_config_init (&m);
  m.kind = PL_METHOD_SELF_TRAINING;
  m.self_training.warmup_steps = 0;
  m.self_training.round_steps = 100;
  m.self_training.rounds = 1;
  m.self_training.retry_steps = 50;
  tr = new_full_trainer (v, &prov, 0, &m);
  for (int step = 0; step < 200; step++)
    {
      g_assert_true (pl_trainer_step (tr, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (pl_method_get_status (tr, &st));
      if (step % 50 == 0)
        g_test_message ("step %d: %s", step, st.note);
      if (st.n_pseudo_slices == 0)
        {
          /* refused, tried again every 50 steps */
          g_assert_nonnull (strstr (st.note, "pseudo-labels refused"));
          g_assert_nonnull (strstr (st.note, "trying again in 50 steps"));
          refused = step;
        }
    }
  g_assert_cmpint (refused, >=, 49);
  g_assert_nonnull (strstr (st.note, "round 1: 15 slices"));
  g_assert_nonnull (strstr (st.note, "steps late"));
  g_assert_cmpint (st.n_pseudo_slices, ==, NZ - 1);
  g_assert_true (isfinite (st.unlabelled_loss));
}

/* A network trained on one slice is never 0.9 sure of the small inner disc
 * on the other slices: with the threshold alone its pseudo-labels hold none
 * of it and are refused; with class-balanced thresholds they hold some and
 * are used.  One trainer: 150 supervised steps (warm-up set long), then the
 * rounds are brought forward with pl_method_update. */
static void
test_class_portion (void)
{
  g_autoptr (PlVolume) v = phantom_volume (1.0);
  g_autoptr (PlLabels) l = pl_labels_new (v->dim);
  g_autoptr (PlTrainer) tr = NULL;
  g_autoptr (GError) error = NULL;
  PlLabelProvider prov;
  PlMethodConfig m;
  PlMethodStatus st;

  SKIP_UNDER_TSAN ();
  paint_slice (l, NZ / 2);
  pl_label_provider_init_static (&prov, l);
  pl_method_config_init (&m);
  m.kind = PL_METHOD_SELF_TRAINING;
  m.self_training.warmup_steps = 1000;
  m.self_training.retry_steps = 0;   /* a refusal ends the rounds */
  tr = new_full_trainer (v, &prov, 0, &m);
  g_assert_true (pl_trainer_run (tr, 150, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  m.self_training.warmup_steps = 150;
  m.self_training.round_steps = 1;
  m.self_training.rounds = 2;
  m.self_training.class_portion = 0.0f;
  g_assert_true (pl_method_update (tr, &m, &error));
  g_assert_true (pl_trainer_step (tr, NULL, &error));
  g_assert_true (pl_method_get_status (tr, &st));
  g_test_message ("threshold alone: %s", st.note);
  g_assert_nonnull (strstr (st.note, "round 1: pseudo-labels refused, label 3 holds 0.00%"));
  g_assert_cmpint (st.n_pseudo_slices, ==, 0);

  m.self_training.class_portion = 0.2f;
  g_assert_true (pl_method_update (tr, &m, &error));
  g_assert_true (pl_trainer_step (tr, NULL, &error));
  g_assert_true (pl_method_get_status (tr, &st));
  g_test_message ("class-balanced: %s", st.note);
  g_assert_nonnull (strstr (st.note, "round 2: 15 slices"));
  g_assert_cmpint (st.n_pseudo_slices, ==, NZ - 1);
  g_assert_true (isfinite (st.unlabelled_loss));
}

/* ---- metadata ----------------------------------------------------------- */

static void
test_model_metadata (void)
{
  g_autoptr (PlVolume) v = phantom_volume (0.0);
  g_autoptr (PlLabels) l = pl_labels_new (v->dim);
  g_autoptr (PlTrainer) tr = NULL;
  g_autoptr (PlModel) model = NULL, back = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  PlLabelProvider prov;
  PlMethodConfig m, read;

  paint_slice (l, 5);
  pl_label_provider_init_static (&prov, l);
  pl_method_config_init (&m);
  m.kind = PL_METHOD_CONSISTENCY;
  m.consistency.transform_rotation = 30.0f;
  m.consistency.consistency = 2.5f;
  m.consistency.unlabelled_batch = TEST_SIZE (4, 2);
  tr = new_trainer (v, &prov, 1, &m);
  g_assert_true (pl_trainer_run (tr, 2, NULL, NULL, NULL, &error));
  model = pl_trainer_export_model (tr);
  bytes = pl_model_to_bytes (model);
  back = pl_model_parse (bytes, "in memory", &error);
  g_assert_no_error (error);
  g_test_message ("%s", back->training);
  g_assert_nonnull (strstr (back->training, "\"method\":\"consistency\""));
  pl_method_config_init (&read);
  g_assert_true (pl_method_config_from_json (&read, back->training, &error));
  g_assert_no_error (error);
  g_assert_cmpint (read.kind, ==, PL_METHOD_CONSISTENCY);
  g_assert_cmpmem (&read.consistency, sizeof read.consistency, &m.consistency, sizeof m.consistency);

  /* Supervised models say so, without settings. */
  m.kind = PL_METHOD_SUPERVISED;
  g_assert_true (pl_method_install (tr, &m, &error));
  g_clear_pointer (&model, pl_model_free);
  model = pl_trainer_export_model (tr);
  g_assert_nonnull (strstr (model->training, "\"method\":\"supervised\""));
  g_assert_null (strstr (model->training, "method_settings"));
}

/* ---- semi-supervised beats supervised ----------------------------------- */

static double
train_and_score (PlMethodKind kind, const PlVolume *v, const PlLabels *l, int steps, guint64 seed,
                 double *seconds)
{
  g_autoptr (PlTrainer) tr = NULL;
  g_autoptr (GError) error = NULL;
  PlLabelProvider prov;
  PlMethodConfig m;
  gint64 t0 = g_get_monotonic_time ();

  pl_label_provider_init_static (&prov, l);
  pl_method_config_init (&m);
  m.kind = kind;
  /* The budget is short: rounds and ramp-ups scaled to it. */
  m.self_training.warmup_steps = steps / 3;
  m.self_training.round_steps = steps / 6;
  m.self_training.rounds = 4;
  m.mean_teacher.rampup_steps = steps / 3;
  m.consistency.rampup_steps = steps / 3;
  tr = new_full_trainer (v, &prov, seed, &m);
  g_assert_true (pl_trainer_run (tr, steps, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  {
    PlMethodStatus st;
    if (pl_method_get_status (tr, &st) && st.note[0])
      g_test_message ("  %s: %s", pl_method_kind_name (kind), st.note);
  }
  *seconds = (g_get_monotonic_time () - t0) * 1e-6;
  return held_out_dice (pl_trainer_get_model (tr), v, l);
}

/* One painted slice in the middle of the drifting phantom (8 of 16), the
 * same seed and step budget: transformation consistency, which also learns
 * from the 15 unpainted slices, beats supervised training on them.  Over
 * seeds 0-3 it won every time (held-out Dice +0.050, +0.015, +0.061, +0.014
 * with 2 threads); seed 0's margin is asserted with room for rounding
 * differences between machines.  PL_TEST_METHODS_ALL=1 also prints the
 * other methods (they do not win reliably at this budget: see
 * docs/methods.md). */
static void
test_semi_beats_supervised (void)
{
  g_autoptr (PlVolume) v = phantom_volume (1.0);
  g_autoptr (PlLabels) l = pl_labels_new (v->dim);
  const int steps = 300;
  double secs, sup, semi;

#ifdef TEST_UNDER_SANITIZER
  /* 600 training steps: minutes under the sanitizers, and a question of
   * accuracy, not memory; the other tests run every method's code there. */
  g_test_skip ("accuracy test: run in the plain build");
  return;
#endif
  paint_slice (l, NZ / 2);
  sup = train_and_score (PL_METHOD_SUPERVISED, v, l, steps, 0, &secs);
  g_test_message ("supervised: held-out Dice %.4f (%.1f s)", sup, secs);
  if (g_getenv ("PL_TEST_METHODS_ALL"))
    for (int k = PL_METHOD_SELF_TRAINING; k < PL_METHOD_N_KINDS; k++)
      {
        double d;
        if (k == PL_METHOD_CONSISTENCY)
          continue;   /* below */
        d = train_and_score ((PlMethodKind) k, v, l, steps, 0, &secs);
        g_test_message ("%s: held-out Dice %.4f (%.1f s)", pl_method_kind_name ((PlMethodKind) k), d, secs);
      }
  semi = train_and_score (PL_METHOD_CONSISTENCY, v, l, steps, 0, &secs);
  g_test_message ("consistency: held-out Dice %.4f (%.1f s)", semi, secs);
  g_assert_cmpfloat (semi, >, sup + 0.02);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  pl_engine_set_threads (2);
  g_test_add_func ("/methods/table", test_table);
  g_test_add_func ("/methods/config", test_config);
  g_test_add_func ("/methods/install-errors", test_install_errors);
  g_test_add_func ("/methods/deterministic-resumable", test_runs_deterministic_resumable);
  g_test_add_func ("/methods/rampup-teacher", test_rampup_and_teacher);
  g_test_add_func ("/methods/mean-teacher-uncertainty", test_mean_teacher_uncertainty);
  g_test_add_func ("/methods/live-labels", test_live_labels);
  g_test_add_func ("/methods/guard-reverts", test_guard_reverts);
  g_test_add_func ("/methods/guard-collapse", test_guard_collapse);
  g_test_add_func ("/methods/watch-classes", test_watch_classes);
  g_test_add_func ("/methods/self-training-retry", test_self_training_retry);
  g_test_add_func ("/methods/class-portion", test_class_portion);
  g_test_add_func ("/methods/model-metadata", test_model_metadata);
  g_test_add_func ("/methods/semi-beats-supervised", test_semi_beats_supervised);
  return g_test_run ();
}
