/* PlTrainer: batches from labelled slices, recipes, Adam, EMA teacher. */
#define G_LOG_DOMAIN "pl-train"

#include "engine/nn/train.h"
#include "engine/nn/slice-input.h"
#include "engine/core/gemm.h"
#include "engine/nn/infer.h"
#include "engine/ops/loss.h"
#include "engine/data/metrics.h"
#include "engine/ops/ops.h"
#include "engine/ops/optim.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

struct _PlTrainer
{
  PlTrainConfig    cfg;
  guint16         *class_values;
  char           **class_names;
  int              n_classes;
  gint32          *lut;          /* label value → class, −1: ignored */
  const PlVolume  *volume;
  PlLabelProvider  provider;
  int              axis, h, w;   /* slice size */
  int              wh, ww, oy, ox; /* training window */
  PlModel         *model;
  PlOptimizer     *opt;
  PlUnet          *teacher;
  float            alpha;
  PlRng            rng;
  PlTape          *tape;
  gint64           step;
  gint64          *counts;
  gint64          *labelled;
  int              n_labelled;
  float           *slice_f;
  guint16         *slice_l, *win_l;
  PlTrainRecipe    recipe;
  gpointer         recipe_data;
  GDestroyNotify   recipe_destroy;
  char            *method_settings; /* JSON object, or NULL */
  char            *init_record;     /* JSON value, or NULL: no init */
  gsize            n_frozen;
  int              labelled_batch;  /* labelled slices per step; 0: cfg.batch */
  int              labelled_max;    /* ... or as many as are painted, up to this */
  int              lateral;         /* slice axis across the sides, −1: none */
  gint32          *mirror;          /* class → class in a mirror image; NULL: identity */
  gboolean         lateral_flips;   /* flips across the sides are made */
  guint8          *held_out;        /* per slice: not trained on (cross-validation) */
  gint64           run_first;       /* tr->step when pl_trainer_run began */
  int              run_steps;       /* its length; 0: not in a run */
};

void
pl_train_config_init (PlTrainConfig *c)
{
  memset (c, 0, sizeof *c);
  pl_unet_config_ref (&c->net);
  c->axis = -1;
  c->batch = 8;
  c->seed = 0;
  c->lr = 1e-3f;
  c->lr_rampdown = (float) PL_TRAIN_DEFAULT_LR_RAMPDOWN;
  c->augment = TRUE;
  c->flip_p = 0.5f;
  c->max_rotation = 10.0f;
  c->fit = PL_FIT_CROP;
  c->context = 1;
  c->norm_offset = 0.0;
  c->norm_divisor = 0.0;
  c->holdout_slice = -1;
  c->method = "supervised";
  c->aleatoric_samples = 10;
}

static gboolean
fail (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (GError **error, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error_literal (error, PL_ERROR, PL_ERROR_INVALID, msg);
  return FALSE;
}

static void
refresh_labelled (PlTrainer *tr)
{
  gint64 n = tr->volume->dim[tr->axis];
  tr->provider.count_slices (tr->provider.user_data, tr->axis, tr->counts);
  tr->n_labelled = 0;
  for (gint64 s = 0; s < n; s++)
    if (tr->counts[s] > 0 && s != tr->cfg.holdout_slice && !(tr->held_out && tr->held_out[s]))
      tr->labelled[tr->n_labelled++] = s;
}

/* Every non-zero value present in the labelled slices, ascending. */
static int
scan_classes (PlTrainer *tr, guint16 **values)
{
  g_autofree guint8 *seen = g_new0 (guint8, 65536);
  gint64 n = tr->volume->dim[tr->axis];
  gsize hw = (gsize) tr->h * tr->w;
  int k = 0;

  tr->provider.count_slices (tr->provider.user_data, tr->axis, tr->counts);
  for (gint64 s = 0; s < n; s++)
    if (tr->counts[s] > 0)
      {
        tr->provider.copy_slice (tr->provider.user_data, tr->axis, s, tr->slice_l);
        for (gsize i = 0; i < hw; i++)
          seen[tr->slice_l[i]] = 1;
      }
  *values = g_new0 (guint16, 65536);
  for (int v = 1; v < 65536; v++)
    if (seen[v])
      (*values)[k++] = (guint16) v;
  return k;
}

/* Which slice axis crosses the sides and what a flip across it does to
 * the classes.  Mirroring with the sides swapped keeps the augmentation and
 * its lesson (a left structure seen on the right is a right structure); the
 * network tells the sides apart from where a structure lies in the window,
 * which its receptive field, reaching the zero-padded borders, sees. */
static void
setup_sides (PlTrainer *tr, const PlLabelTable *table)
{
  PlOrientation o;
  int lat, a;
  gboolean sided = FALSE, unpaired = FALSE;

  pl_volume_orientation (tr->volume, &o);
  lat = o.voxel_axis[0];
  a = tr->axis == 0 ? 1 : 0;
  tr->lateral = lat == tr->axis ? -1 : lat == a ? 0 : 1;
  tr->lateral_flips = TRUE;
  if (table == NULL)
    return;
  tr->mirror = g_new (gint32, tr->n_classes);
  for (int c = 0; c < tr->n_classes; c++)
    {
      guint16 v = tr->class_values[c], m = pl_label_table_mirror_value (table, v);
      tr->mirror[c] = m == v ? c : m == 0 ? -1 : tr->lut[m];
      if (m != v)
        sided = TRUE;
      if (tr->mirror[c] < 0)
        unpaired = TRUE;
    }
  if (!sided)
    g_clear_pointer (&tr->mirror, g_free);
  else if (unpaired)
    {
      /* a left structure mirrored would have no right class to become */
      tr->lateral_flips = FALSE;
      g_clear_pointer (&tr->mirror, g_free);
    }
}

PlTrainer *
pl_trainer_new (const PlTrainConfig *config, const PlVolume *volume,
                const PlLabelProvider *labels, GError **error)
{
  g_autoptr (PlTrainer) tr = g_new0 (PlTrainer, 1);
  PlUnetConfig net = config->net;
  int m;

  tr->cfg = *config;
  tr->cfg.class_values = NULL;
  tr->cfg.class_names = NULL;
  tr->cfg.method = NULL;
  tr->cfg.label_table = NULL;
  tr->cfg.init = NULL;
  tr->cfg.init_record = NULL;
  tr->volume = volume;
  tr->provider = *labels;
  tr->axis = config->axis >= 0 ? config->axis : pl_volume_axial_axis (volume);
  if (tr->axis > 2)
    return fail (error, "axis must be 0, 1 or 2"), NULL;
  if (config->batch < 1 || config->batch > 4096)
    return fail (error, "batch must be 1…4096"), NULL;
  if (!(config->lr > 0.0f))
    return fail (error, "learning rate must be positive"), NULL;
  if (!(config->lr_rampdown >= 0.0f && config->lr_rampdown <= 1.0f))
    return fail (error, "the learning rate's ramp-down must be a fraction of the steps, 0…1"), NULL;
  pl_slice_dims (volume->dim, tr->axis, &tr->h, &tr->w);
  tr->counts = g_new0 (gint64, volume->dim[tr->axis]);
  tr->labelled = g_new0 (gint64, volume->dim[tr->axis]);
  tr->slice_f = g_new (float, (gsize) tr->h * tr->w);
  tr->slice_l = g_new (guint16, (gsize) tr->h * tr->w);

  if (config->n_classes > 0)
    {
      tr->n_classes = config->n_classes;
      tr->class_values = g_memdup2 (config->class_values, sizeof (guint16) * config->n_classes);
    }
  else
    tr->n_classes = scan_classes (tr, &tr->class_values);
  if (tr->n_classes < 1)
    return fail (error, "the label map has no labelled voxel along the chosen axis"), NULL;
  if (tr->n_classes == 1 && net.output == PL_OUTPUT_SOFTMAX)
    return fail (error, "only one label value (%u) is painted; softmax training needs at least two classes",
                 tr->class_values[0]), NULL;
  tr->class_names = g_new0 (char *, tr->n_classes + 1);
  for (int c = 0; c < tr->n_classes; c++)
    {
      const PlLabel *l = config->label_table
                         ? pl_label_table_lookup ((PlLabelTable *) config->label_table, tr->class_values[c])
                         : NULL;
      tr->class_names[c] = g_strdup (config->class_names && config->class_names[c]
                                     ? config->class_names[c] : l && l->name ? l->name : "");
    }
  tr->lut = g_new (gint32, 65536);
  for (int v = 0; v < 65536; v++)
    tr->lut[v] = -1;
  for (int c = 0; c < tr->n_classes; c++)
    tr->lut[tr->class_values[c]] = c;

  setup_sides (tr, config->label_table);
  if (net.output == PL_OUTPUT_SOFTMAX)
    net.n_classes = tr->n_classes;
  if (!pl_slice_input_check (MAX (config->context, 1), error))
    return NULL;
  net.in_channels = MAX (config->context, 1) + (config->coords ? 1 : 0);
  if (!pl_unet_config_check (&net, error))
    return NULL;
  if (net.aleatoric && (config->aleatoric_samples < 1 || config->aleatoric_samples > 1000))
    return fail (error, "aleatoric logit samples must be 1…1000 (got %d)",
                 config->aleatoric_samples), NULL;
  m = pl_unet_config_multiple (&net);
  pl_fit_window (tr->h, tr->w, m, config->fit, &tr->wh, &tr->ww, &tr->oy, &tr->ox);
  tr->win_l = g_new (guint16, (gsize) tr->wh * tr->ww);

  tr->model = pl_model_new (pl_unet_new (&net, config->seed), tr->n_classes, tr->class_values,
                            (const char *const *) tr->class_names);
  tr->model->axis = tr->axis;
  tr->model->context = MAX (config->context, 1);
  tr->model->coords = config->coords;
  tr->model->train_h = tr->wh;
  tr->model->train_w = tr->ww;
  tr->model->norm_offset = config->norm_offset;
  tr->model->norm_divisor = config->norm_divisor != 0.0 ? config->norm_divisor
                            : (volume->max > 0.0f ? volume->max : 1.0);
  tr->opt = pl_optimizer_new_adam (pl_unet_n_params (tr->model->unet), config->lr,
                                   0.9f, 0.999f, 1e-8f);
  if (config->init)
    {
      g_autoptr (GError) e = NULL;
      if (!pl_unet_load_encoder (tr->model->unet, config->init, NULL, &e))
        return fail (error, "cannot start from the pretrained encoder: %s", e->message), NULL;
      if (config->init_decoder && !pl_unet_load_decoder (tr->model->unet, config->init, NULL, &e))
        return fail (error, "cannot start from the pretrained decoder: %s", e->message), NULL;
      tr->init_record = g_strdup (config->init_record ? config->init_record : "{}");
    }
  if (config->freeze != PL_FREEZE_NONE)
    {
      guint8 *mask;
      if (!config->init)
        return fail (error, "freezing %s needs a pretrained encoder to start from",
                     pl_freeze_name (config->freeze)), NULL;
      mask = pl_unet_trainable_mask (tr->model->unet, config->freeze, &tr->n_frozen, error);
      if (!mask)
        return NULL;
      pl_optimizer_set_trainable (tr->opt, mask);
    }
  /* A stream for sampling separate from the initialisation's. */
  pl_rng_init (&tr->rng, config->seed ^ G_GUINT64_CONSTANT (0x5eed5eed5eed5eed));
  tr->tape = pl_tape_new ((gsize) config->batch * tr->wh * tr->ww * 4 * 64);
  tr->cfg.method = g_strdup (config->method ? config->method : "supervised");
  tr->recipe = pl_trainer_supervised_loss;
  return g_steal_pointer (&tr);
}

void
pl_trainer_free (PlTrainer *tr)
{
  if (!tr)
    return;
  if (tr->recipe_destroy)
    tr->recipe_destroy (tr->recipe_data);
  g_free (tr->class_values);
  g_strfreev (tr->class_names);
  g_free (tr->lut);
  pl_model_free (tr->model);
  pl_optimizer_free (tr->opt);
  pl_unet_free (tr->teacher);
  pl_tape_free (tr->tape);
  g_free (tr->counts);
  g_free (tr->init_record);
  g_free (tr->labelled);
  g_free (tr->slice_f);
  g_free (tr->slice_l);
  g_free (tr->win_l);
  g_free (tr->mirror);
  g_free (tr->held_out);
  g_free ((char *) tr->cfg.method);
  g_free (tr->method_settings);
  g_free (tr);
}

gboolean
pl_trainer_sample (PlTrainer *tr, PlTape *tape, int n, const gint64 *slices,
                   gboolean augment, PlBatch *out)
{
  gsize plane = (gsize) tr->wh * tr->ww;
  int images = tr->model->context, C = pl_model_input_channels (tr->model);
  float *x = pl_tape_alloc (tape, sizeof (float) * n * images * plane);
  gint32 *target = pl_tape_alloc (tape, sizeof (gint32) * n * plane);
  gint64 *idx = pl_tape_alloc (tape, sizeof (gint64) * n);
  float *theta = pl_tape_alloc (tape, sizeof (float) * 6 * n);
  guint8 *mirrored = pl_tape_alloc (tape, n);
  gint64 n_slices = tr->volume->dim[tr->axis];

  for (int s = 0; s < n; s++)
    {
      gint64 z = slices ? slices[s] : (gint64) pl_rng_below (&tr->rng, (guint32) n_slices);
      idx[s] = z;
      mirrored[s] = FALSE;
      pl_model_slice_images (tr->model, tr->volume, z, tr->oy, tr->ox, tr->wh, tr->ww, tr->slice_f,
                             x + (gsize) s * images * plane);
      tr->provider.copy_slice (tr->provider.user_data, tr->axis, z, tr->slice_l);
      pl_window_extract_u16 (tr->slice_l, tr->h, tr->w, tr->oy, tr->ox, tr->wh, tr->ww, 0,
                             tr->win_l);
      for (gsize i = 0; i < plane; i++)
        target[s * plane + i] = tr->lut[tr->win_l[i]];
      if (augment)
        {
          gboolean flipped[2];
          float p_lat = tr->lateral_flips ? tr->cfg.flip_p : 0.0f;
          pl_augment_theta_axes (&tr->rng, tr->wh, tr->ww,
                                 tr->lateral == 0 ? p_lat : tr->cfg.flip_p,
                                 tr->lateral == 1 ? p_lat : tr->cfg.flip_p,
                                 tr->cfg.max_rotation, theta + 6 * s, flipped);
          /* the labels are resampled below; their classes may be swapped now */
          mirrored[s] = tr->mirror && tr->lateral >= 0 && flipped[tr->lateral];
          if (mirrored[s])
            for (gsize i = 0; i < plane; i++)
              if (target[s * plane + i] >= 0)
                target[s * plane + i] = tr->mirror[target[s * plane + i]];
        }
      else
        {
          const float id[6] = { 1, 0, 0, 0, 1, 0 };
          memcpy (theta + 6 * s, id, sizeof id);
        }
    }
  if (augment)
    {
      PlTensor *xt = pl_tape_wrap (tape, n, images, tr->wh, tr->ww, x, FALSE);
      gint32 *t2 = pl_tape_alloc (tape, sizeof (gint32) * n * plane);
      x = pl_resample (tape, xt, theta, PL_INTERP_BILINEAR)->data;
      pl_resample_labels (target, t2, n, tr->wh, tr->ww, theta, -1);
      target = t2;
    }
  if (C > images)
    {
      /* the position channel after the augmentation, in the network's frame */
      float *all = pl_tape_alloc (tape, sizeof (float) * n * C * plane);
      for (int s = 0; s < n; s++)
        memcpy (all + (gsize) s * C * plane, x + (gsize) s * images * plane, sizeof (float) * images * plane);
      x = all;
      pl_trainer_fill_coords (tr, n, C, idx, x);
    }
  *out = (PlBatch) { n, tr->wh, tr->ww, C, images / 2, x, target, idx, theta, mirrored };
  return TRUE;
}

void
pl_trainer_fill_coords (PlTrainer *tr, int n, int c, const gint64 *slices, float *x)
{
  gsize plane = (gsize) tr->wh * tr->ww;

  if (!tr->model->coords)
    return;
  for (int s = 0; s < n; s++)
    pl_slice_side_coords (tr->volume, tr->axis, slices[s], tr->oy, tr->ox, tr->wh, tr->ww,
                          x + ((gsize) s * c + c - 1) * plane);
}

PlTensor *
pl_trainer_forward (PlTrainer *tr, PlTape *tape, PlTensor *x)
{
  return pl_trainer_forward_var (tr, tape, x, NULL);
}

PlTensor *
pl_trainer_forward_run (PlTrainer *tr, PlTape *tape, PlTensor *x, PlUnetRun *run)
{
  memset (run, 0, sizeof *run);
  run->dropout_rng = &tr->rng;
  return pl_unet_forward (tr->model->unet, tape, x, run);
}

PlTensor *
pl_trainer_forward_var (PlTrainer *tr, PlTape *tape, PlTensor *x, PlTensor **log_var)
{
  PlUnetRun run = { &tr->rng };
  PlTensor *y = pl_unet_forward (tr->model->unet, tape, x, &run);
  if (log_var)
    *log_var = run.log_var;
  return y;
}

PlTensor *
pl_trainer_supervised_loss (PlTrainer *tr, PlTape *tape, const PlBatch *b,
                            gpointer user_data, GError **error)
{
  PlTensor *x = pl_tape_wrap (tape, b->n, b->c, b->h, b->w, b->x, FALSE);
  PlTensor *log_var = NULL;
  PlTensor *logits = pl_trainer_forward_var (tr, tape, x, &log_var);

  if (pl_unet_get_config (tr->model->unet)->output == PL_OUTPUT_SIGMOID)
    {
      /* One output: class 0 is the foreground, anything else background. */
      gsize n = (gsize) b->n * b->h * b->w;
      float *t = pl_tape_alloc (tape, n * sizeof (float));
      guint8 *m = pl_tape_alloc (tape, n);
      for (gsize i = 0; i < n; i++)
        {
          t[i] = b->target[i] == 0 ? 1.0f : 0.0f;
          m[i] = b->target[i] >= 0;
        }
      return pl_add (tape, pl_bce_with_logits (tape, logits, t, m),
                     pl_dice_loss_binary (tape, pl_sigmoid (tape, logits), t, m));
    }
  if (log_var)
    /* Kendall & Gal 2017: the cross-entropy of T sampled logits replaces
     * the plain one; the Dice term stays on the mean logits. */
    return pl_add (tape,
                   pl_aleatoric_cross_entropy (tape, logits, log_var, b->target, -1,
                                               tr->cfg.aleatoric_samples,
                                               pl_rng_next (&tr->rng)),
                   pl_dice_loss (tape, pl_softmax (tape, logits), b->target, -1));
  return pl_add (tape, pl_cross_entropy (tape, logits, b->target, -1),
                 pl_dice_loss (tape, pl_softmax (tape, logits), b->target, -1));
}

gboolean
pl_trainer_step (PlTrainer *tr, PlTrainStepInfo *info, GError **error)
{
  gint64 t0 = g_get_monotonic_time ();
  int nl = tr->labelled_batch > 0 ? tr->labelled_batch : tr->cfg.batch;
  g_autofree gint64 *sel = NULL;
  PlBatch batch;
  PlTensor *loss;

  pl_tape_reset (tr->tape);
  refresh_labelled (tr);
  if (tr->n_labelled == 0)
    return fail (error, "no labelled slice to train on (label 0 means unlabelled)");
  if (tr->labelled_max > nl)
    nl = (int) MIN ((gint64) tr->labelled_max, MAX ((gint64) nl, tr->n_labelled));
  sel = g_new (gint64, nl);
  for (int s = 0; s < nl; s++)
    sel[s] = tr->labelled[pl_rng_below (&tr->rng, (guint32) tr->n_labelled)];
  pl_trainer_sample (tr, tr->tape, nl, sel, tr->cfg.augment, &batch);
  loss = tr->recipe (tr, tr->tape, &batch, tr->recipe_data, error);
  if (!loss)
    return FALSE;
  if (!isfinite (loss->data[0]))
    return fail (error, "the loss became %f at step %" G_GINT64_FORMAT "; lower the learning rate",
                 loss->data[0], tr->step + 1);
  pl_unet_zero_grad (tr->model->unet);
  if (!pl_tape_backward (tr->tape, loss, NULL, error))
    return FALSE;
  tr->opt->lr = tr->run_steps > 0
                ? (float) pl_lr_rampdown (tr->cfg.lr, tr->cfg.lr_rampdown, tr->run_steps,
                                          (int) (tr->step - tr->run_first + 1))
                : tr->cfg.lr;
  pl_optimizer_step (tr->opt, pl_unet_params (tr->model->unet), pl_unet_grads (tr->model->unet));
  if (tr->teacher)
    pl_ema_update (pl_unet_params (tr->teacher), pl_unet_params (tr->model->unet),
                   pl_unet_n_params (tr->teacher), tr->alpha);
  tr->step++;
  if (info)
    {
      info->step = tr->step;
      info->loss = loss->data[0];
      info->seconds = (g_get_monotonic_time () - t0) * 1e-6;
      info->lr = tr->opt->lr;
      info->n_labelled = tr->n_labelled;
    }
  return TRUE;
}

gboolean
pl_trainer_run (PlTrainer *tr, int n_steps, const PlProgress *progress,
                PlTrainStepFunc on_step, gpointer user_data, GError **error)
{
  gboolean ok = TRUE;

  tr->run_first = tr->step;
  tr->run_steps = n_steps;
  for (int i = 0; i < n_steps; i++)
    {
      PlTrainStepInfo info;
      g_autofree char *msg = NULL;
      if (pl_progress_cancelled (progress))
        {
          ok = pl_progress_set_cancelled_error (error);
          break;
        }
      if (!pl_trainer_step (tr, &info, error))
        {
          ok = FALSE;
          break;
        }
      msg = g_strdup_printf ("step %" G_GINT64_FORMAT " loss %.4f", info.step, info.loss);
      if (!pl_progress_report (progress, (double) (i + 1) / n_steps, msg))
        {
          ok = pl_progress_set_cancelled_error (error);
          break;
        }
      if (on_step && !on_step (tr, &info, user_data))
        break;
    }
  tr->run_steps = 0;
  return ok;
}

gint64
pl_trainer_get_step (PlTrainer *tr)
{
  return tr->step;
}

void
pl_trainer_set_holdout (PlTrainer *tr, gint64 slice)
{
  tr->cfg.holdout_slice = slice;
}

void
pl_trainer_set_held_out_slices (PlTrainer *tr, const gint64 *slices, int n)
{
  g_clear_pointer (&tr->held_out, g_free);
  if (n <= 0)
    return;
  tr->held_out = g_new0 (guint8, tr->volume->dim[tr->axis]);
  for (int i = 0; i < n; i++)
    if (slices[i] >= 0 && slices[i] < tr->volume->dim[tr->axis])
      tr->held_out[slices[i]] = 1;
}

void
pl_trainer_count_slice (PlTrainer *tr, gint64 z, gint64 *tp, gint64 *pred, gint64 *truth)
{
  gsize hw = (gsize) tr->h * tr->w;
  g_autofree guint16 *p = g_new (guint16, hw);

  g_return_if_fail (z >= 0 && z < tr->volume->dim[tr->axis]);
  pl_model_predict_slice (tr->model, tr->volume, z, NULL, p);
  tr->provider.copy_slice (tr->provider.user_data, tr->axis, z, tr->slice_l);
  for (gsize i = 0; i < hw; i++)
    {
      gint32 t = tr->lut[tr->slice_l[i]], q = tr->lut[p[i]];
      if (t < 0)
        continue;   /* unlabelled voxels are not scored */
      truth[t]++;
      if (q >= 0)
        pred[q]++;
      if (q == t)
        tp[t]++;
    }
}

double
pl_trainer_holdout_dice (PlTrainer *tr, double *per_class)
{
  gint64 z = tr->cfg.holdout_slice;
  gsize hw = (gsize) tr->h * tr->w;
  g_autofree guint16 *pred = NULL;
  g_autofree gint32 *pc = NULL, *tc = NULL;
  g_autofree double *dice = NULL;
  double sum = 0.0;
  int k = 0;

  if (z < 0 || z >= tr->volume->dim[tr->axis])
    return NAN;
  pred = g_new (guint16, hw);
  pc = g_new (gint32, hw);
  tc = g_new (gint32, hw);
  dice = g_new (double, tr->n_classes);
  pl_model_predict_slice (tr->model, tr->volume, z, NULL, pred);
  tr->provider.copy_slice (tr->provider.user_data, tr->axis, z, tr->slice_l);
  for (gsize i = 0; i < hw; i++)
    {
      pc[i] = tr->lut[pred[i]];
      tc[i] = tr->lut[tr->slice_l[i]];
    }
  pl_dice_per_class (pc, tc, hw, -1, tr->n_classes, dice);
  for (int c = 0; c < tr->n_classes; c++)
    {
      if (per_class)
        per_class[c] = dice[c];
      if (!isnan (dice[c]))
        {
          sum += dice[c];
          k++;
        }
    }
  return k ? sum / k : NAN;
}

int
pl_trainer_get_axis (PlTrainer *tr)
{
  return tr->axis;
}

int
pl_trainer_get_n_classes (PlTrainer *tr)
{
  return tr->n_classes;
}

const guint16 *
pl_trainer_get_class_values (PlTrainer *tr)
{
  return tr->class_values;
}

PlModel *
pl_trainer_get_model (PlTrainer *tr)
{
  return tr->model;
}

PlModel *
pl_trainer_export_model (PlTrainer *tr)
{
  PlModel *m = pl_model_new (pl_unet_copy (tr->model->unet), tr->n_classes, tr->class_values,
                             (const char *const *) tr->class_names);
  g_autofree char *training = NULL;
  g_autofree char *aleatoric = NULL;
  g_autofree char *init = NULL;
  g_autofree char *rampdown = NULL;

  if (tr->cfg.lr_rampdown > 0.0f)
    rampdown = g_strdup_printf (",\"lr_rampdown\":%g", tr->cfg.lr_rampdown);
  if (tr->cfg.net.aleatoric)
    aleatoric = g_strdup_printf (",\"aleatoric_samples\":%d", tr->cfg.aleatoric_samples);
  m->axis = tr->model->axis;
  m->context = tr->model->context;
  m->coords = tr->model->coords;
  m->train_h = tr->model->train_h;
  m->train_w = tr->model->train_w;
  m->norm_offset = tr->model->norm_offset;
  m->norm_divisor = tr->model->norm_divisor;
  if (tr->init_record)
    init = g_strdup_printf (",\"init\":%s,\"init_parts\":\"%s\",\"frozen\":\"%s\",\"frozen_params\":%" G_GSIZE_FORMAT,
                            tr->init_record, tr->cfg.init_decoder ? "encoder+decoder" : "encoder",
                            pl_freeze_name (tr->cfg.freeze), tr->n_frozen);
  training = g_strdup_printf ("{\"method\":\"%s\",\"steps\":%" G_GINT64_FORMAT ",\"seed\":%"
                              G_GUINT64_FORMAT ",\"batch\":%d,\"optimizer\":\"adam\",\"lr\":%g,"
                              "\"augment\":%s,\"flip_p\":%g,\"sides\":\"%s\",\"max_rotation_deg\":%g,"
                              "\"fit\":\"%s\",\"threads\":%d%s%s%s%s%s}",
                              tr->cfg.method, tr->step, tr->cfg.seed, tr->cfg.batch, tr->cfg.lr,
                              tr->cfg.augment ? "true" : "false", tr->cfg.flip_p,
                              /* what a flip across the sides did */
                              !tr->lateral_flips ? "not flipped" : tr->mirror ? "swapped" : "unchanged",
                              tr->cfg.max_rotation, tr->cfg.fit == PL_FIT_CROP ? "crop" : "pad",
                              pl_engine_get_threads (),
                              rampdown ? rampdown : "",
                              aleatoric ? aleatoric : "",
                              init ? init : "",
                              tr->method_settings ? ",\"method_settings\":" : "",
                              tr->method_settings ? tr->method_settings : "");
  pl_model_set_training (m, training);
  return m;
}

void
pl_trainer_set_recipe (PlTrainer *tr, PlTrainRecipe recipe, gpointer user_data,
                       GDestroyNotify destroy)
{
  if (tr->recipe_destroy)
    tr->recipe_destroy (tr->recipe_data);
  tr->recipe = recipe ? recipe : pl_trainer_supervised_loss;
  tr->recipe_data = user_data;
  tr->recipe_destroy = destroy;
}

void
pl_trainer_enable_teacher (PlTrainer *tr, float alpha)
{
  if (!tr->teacher)
    tr->teacher = pl_unet_copy (tr->model->unet);
  tr->alpha = alpha;
}

void
pl_trainer_set_teacher_alpha (PlTrainer *tr, float alpha)
{
  tr->alpha = alpha;
}

PlUnet *
pl_trainer_get_teacher (PlTrainer *tr)
{
  return tr->teacher;
}

PlTensor *
pl_trainer_teacher_forward (PlTrainer *tr, PlTape *tape, PlTensor *x, PlRng *rng)
{
  gboolean was = pl_tape_get_grad_enabled (tape);
  PlUnetRun run = { rng };
  PlTensor *y;

  g_return_val_if_fail (tr->teacher != NULL, NULL);
  pl_tape_set_grad_enabled (tape, FALSE);
  y = pl_unet_forward (tr->teacher, tape, x, &run);
  pl_tape_set_grad_enabled (tape, was);
  return y;
}

PlRng *
pl_trainer_get_rng (PlTrainer *tr)
{
  return &tr->rng;
}

/* Hooks for the methods (methods.h). */

const PlTrainConfig *
pl_trainer_get_config (PlTrainer *tr)
{
  return &tr->cfg;
}

void
pl_trainer_set_method_info (PlTrainer *tr, const char *name, const char *settings_json)
{
  g_free ((char *) tr->cfg.method);
  tr->cfg.method = g_strdup (name ? name : "supervised");
  g_free (tr->method_settings);
  tr->method_settings = g_strdup (settings_json);
}

void
pl_trainer_set_labelled_batch (PlTrainer *tr, int n, int max)
{
  g_return_if_fail (n >= 0 && n <= tr->cfg.batch && max <= tr->cfg.batch);
  tr->labelled_batch = n;
  tr->labelled_max = max;
}

PlOptimizer *
pl_trainer_get_optimizer (PlTrainer *tr)
{
  return tr->opt;
}

const gint64 *
pl_trainer_get_slice_counts (PlTrainer *tr, gint64 *n_slices)
{
  if (n_slices)
    *n_slices = tr->volume->dim[tr->axis];
  return tr->counts;
}

PlTrainRecipe
pl_trainer_get_recipe (PlTrainer *tr, gpointer *user_data)
{
  if (user_data)
    *user_data = tr->recipe_data;
  return tr->recipe;
}

const PlVolume *
pl_trainer_get_volume (PlTrainer *tr)
{
  return tr->volume;
}

int
pl_trainer_get_lateral_axis (PlTrainer *tr)
{
  return tr->lateral;
}

const gint32 *
pl_trainer_get_mirror_classes (PlTrainer *tr)
{
  return tr->mirror;
}

gboolean
pl_trainer_get_lateral_flips (PlTrainer *tr)
{
  return tr->lateral_flips;
}

void
pl_trainer_mirror_target (PlTrainer *tr, const PlBatch *b, gint32 *target)
{
  gsize plane = (gsize) b->h * b->w;

  if (tr->mirror == NULL)
    return;
  for (int s = 0; s < b->n; s++)
    if (b->mirrored[s])
      for (gsize i = 0; i < plane; i++)
        if (target[s * plane + i] >= 0)
          target[s * plane + i] = tr->mirror[target[s * plane + i]];
}
