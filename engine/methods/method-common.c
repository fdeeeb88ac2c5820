/* Installing a method on a trainer, its status, and the helpers the recipes
 * share. */
#define G_LOG_DOMAIN "pl-methods"

#include "engine/methods/method-private.h"
#include "engine/ops/loss.h"

#include <math.h>
#include <string.h>

/* The unlabelled part of each batch: the method's unlabelled_batch
 * parameter, 0 for a method without one. */
static int
unlabelled_batch (const PlMethodConfig *c)
{
  const PlMethodParam *p = pl_method_find_param (c->kind, "unlabelled_batch");
  return p ? (int) pl_method_config_get (c, p) : 0;
}

static void
state_free (gpointer data)
{
  PlMethodState *st = data;
  const PlMethodHooks *h = pl_method_info (st->cfg.kind)->hooks;
  if (h->clear)
    h->clear (st);
  pl_tape_free (st->infer);
  g_free (st->pool);
  g_free (st->watch_pred);
  g_free (st->watch_painted);
  g_free (st);
}

/* The state of the installed method, or NULL. */
static PlMethodState *
installed_state (PlTrainer *tr)
{
  gpointer data;
  PlTrainRecipe r = pl_trainer_get_recipe (tr, &data);
  for (int k = 0; k < PL_METHOD_N_KINDS; k++)
    if (r == pl_method_info ((PlMethodKind) k)->hooks->loss)
      return data;
  return NULL;
}

static gboolean
check_for_trainer (PlTrainer *tr, const PlMethodConfig *config, GError **error)
{
  int batch = pl_trainer_get_config (tr)->batch, ub = unlabelled_batch (config);

  if (!pl_method_config_check (config, error))
    return FALSE;
  if (ub >= batch)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "unlabelled_batch (%d) must be smaller than the batch (%d): each batch needs "
                   "a labelled slice", ub, batch);
      return FALSE;
    }
  return TRUE;
}

static void
apply_config (PlMethodState *st, PlTrainer *tr, const PlMethodConfig *config)
{
  const PlMethodInfo *m = pl_method_info (config->kind);
  g_autofree char *settings = pl_method_settings_json (config);
  int batch = pl_trainer_get_config (tr)->batch, nl = batch - unlabelled_batch (config);

  st->cfg = *config;
  st->status.kind = config->kind;
  pl_trainer_set_labelled_batch (tr, nl, m->hooks->painted_first ? batch - 1 : 0);
  if (m->hooks->configure)
    m->hooks->configure (st, tr);
  pl_trainer_set_method_info (tr, m->name, m->n_params > 0 ? settings : NULL);
}

gboolean
pl_method_install (PlTrainer *tr, const PlMethodConfig *config, GError **error)
{
  const PlMethodInfo *m;
  PlMethodState *st;
  gint64 n_slices;

  g_return_val_if_fail (tr != NULL && config != NULL, FALSE);
  if (!check_for_trainer (tr, config, error))
    return FALSE;
  m = pl_method_info (config->kind);
  pl_trainer_get_slice_counts (tr, &n_slices);
  st = g_new0 (PlMethodState, 1);
  st->installed_at = pl_trainer_get_step (tr);
  st->pool = g_new (gint64, MAX (n_slices, 1));
  st->status.supervised_loss = NAN;
  st->status.unlabelled_loss = NAN;
  st->status.alpha = NAN;
  st->status.least_ratio = NAN;
  st->cfg = *config;
  if (m->hooks->prepare)
    m->hooks->prepare (st, tr);
  pl_trainer_set_recipe (tr, m->hooks->loss, st, state_free);
  apply_config (st, tr, config);
  return TRUE;
}

gboolean
pl_method_update (PlTrainer *tr, const PlMethodConfig *config, GError **error)
{
  PlMethodState *st = installed_state (tr);

  if (!st || st->cfg.kind != config->kind)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "the trainer runs %s, not %s: install the method instead",
                   st ? pl_method_kind_name (st->cfg.kind) : "no method",
                   pl_method_kind_name (config->kind));
      return FALSE;
    }
  if (!check_for_trainer (tr, config, error))
    return FALSE;
  apply_config (st, tr, config);
  return TRUE;
}

gboolean
pl_method_get_status (PlTrainer *tr, PlMethodStatus *status)
{
  PlMethodState *st = installed_state (tr);
  if (!st)
    return FALSE;
  *status = st->status;
  return TRUE;
}

void
pl_method_status_describe (const PlMethodStatus *status, GString *s)
{
  const PlMethodInfo *m = pl_method_info (status->kind);
  if (m && m->hooks->describe)
    m->hooks->describe (status, s);
}

double
pl_method_sigmoid_rampup (gint64 t, int length)
{
  double phase;
  if (length <= 0 || t >= length)
    return 1.0;
  phase = 1.0 - (double) MAX (t, 0) / length;
  return exp (-5.0 * phase * phase);
}

gboolean
pl_method_pick_unlabelled (PlMethodState *st, PlTrainer *tr, int n, gint64 *out)
{
  gint64 n_slices, holdout = pl_trainer_get_config (tr)->holdout_slice;
  const gint64 *counts = pl_trainer_get_slice_counts (tr, &n_slices);
  guint32 k = 0;

  for (gint64 s = 0; s < n_slices; s++)
    if (counts[s] == 0 && s != holdout)
      st->pool[k++] = s;
  if (k == 0)
    return FALSE;
  for (int i = 0; i < n; i++)
    out[i] = st->pool[pl_rng_below (pl_trainer_get_rng (tr), k)];
  return TRUE;
}

void
pl_method_watch_classes (PlMethodState *st, PlTrainer *tr, const gint32 *target, int n_painted,
                         const PlTensor *probs, int first_unpainted, const PlTensor *valid)
{
  const double keep = 0.98;
  int K = probs->c;
  gsize plane = (gsize) probs->h * probs->w;
  double sp = 0.0, sq = 0.0, best = INFINITY;
  int low = -1;

  if (!st->watch_pred)
    {
      st->watch_pred = g_new0 (double, K);
      st->watch_painted = g_new0 (double, K);
    }
  for (int c = 0; c < K; c++)
    {
      st->watch_pred[c] *= keep;
      st->watch_painted[c] *= keep;
    }
  for (gsize i = 0; i < (gsize) n_painted * plane; i++)
    if (target[i] >= 1 && target[i] < K)
      st->watch_painted[target[i]] += 1.0 - keep;
  for (int i = first_unpainted; i < probs->n; i++)
    for (gsize q = 0; q < plane; q++)
      {
        const float *p = probs->data + (gsize) i * K * plane + q;
        int c = 0;
        if (valid && valid->data[(gsize) i * valid->c * plane + q] == 0.0f)
          continue;
        for (int k = 1; k < K; k++)
          if (p[k * plane] > p[c * plane])
            c = k;
        if (c >= 1)
          st->watch_pred[c] += 1.0 - keep;
      }
  for (int c = 1; c < K; c++)
    {
      sp += st->watch_pred[c];
      sq += st->watch_painted[c];
    }
  if (sp <= 0.0 || sq <= 0.0)
    return;
  for (int c = 1; c < K; c++)
    if (st->watch_painted[c] > 0.0)
      {
        double r = (st->watch_pred[c] / sp) / (st->watch_painted[c] / sq);
        if (r < best)
          {
            best = r;
            low = c;
          }
      }
  st->status.least_label = pl_trainer_get_class_values (tr)[low];
  g_strlcpy (st->status.least_name, pl_trainer_get_model (tr)->class_names[low], sizeof st->status.least_name);
  st->status.least_ratio = best;
}

void
pl_method_describe_least (const PlMethodStatus *st, GString *s)
{
  if (!isfinite (st->least_ratio))
    return;
  g_string_append_printf (s, "%slabel %u", s->len ? " · " : "", st->least_label);
  if (st->least_name[0])
    g_string_append_printf (s, " (%s)", st->least_name);
  g_string_append_printf (s, " predicted at %.2f× its painted share", st->least_ratio);
}

void
pl_method_concat_batches (PlTape *tape, const PlBatch *a, const PlBatch *b, PlBatch *out)
{
  int n = a->n + b->n;
  gsize plane = (gsize) a->h * a->w, input = plane * a->c;

  g_assert (a->h == b->h && a->w == b->w && a->c == b->c);
  out->n = n;
  out->h = a->h;
  out->w = a->w;
  out->c = a->c;
  out->centre = a->centre;
  out->x = pl_tape_alloc (tape, sizeof (float) * n * input);
  out->target = pl_tape_alloc (tape, sizeof (gint32) * n * plane);
  out->slices = pl_tape_alloc (tape, sizeof (gint64) * n);
  out->theta = pl_tape_alloc (tape, sizeof (float) * 6 * n);
  memcpy (out->x, a->x, sizeof (float) * a->n * input);
  memcpy (out->x + a->n * input, b->x, sizeof (float) * b->n * input);
  memcpy (out->target, a->target, sizeof (gint32) * a->n * plane);
  memcpy (out->target + a->n * plane, b->target, sizeof (gint32) * b->n * plane);
  memcpy (out->slices, a->slices, sizeof (gint64) * a->n);
  memcpy (out->slices + a->n, b->slices, sizeof (gint64) * b->n);
  memcpy (out->theta, a->theta, sizeof (float) * 6 * a->n);
  memcpy (out->theta + 6 * a->n, b->theta, sizeof (float) * 6 * b->n);
  out->mirrored = pl_tape_alloc (tape, n);
  memcpy (out->mirrored, a->mirrored, a->n);
  memcpy (out->mirrored + a->n, b->mirrored, b->n);
}

PlTensor *
pl_method_seg_loss (PlTape *tape, PlTensor *logits, PlTensor *probs, const gint32 *target)
{
  if (!probs)
    probs = pl_softmax (tape, logits);
  return pl_add (tape, pl_cross_entropy (tape, logits, target, -1),
                 pl_dice_loss (tape, probs, target, -1));
}

PlTensor *
pl_method_weighted_sum (PlTape *tape, PlTensor *a, PlTensor *b, double w)
{
  return pl_add (tape, a, pl_affine_scalar (tape, b, (float) w, 0.0f));
}

PlTensor *
pl_method_masked_mse (PlTape *tape, PlTensor *a, PlTensor *b, PlTensor *mask, double count)
{
  /* mean over masked elements = mean over all of (m a − m b)² · numel / Σ m */
  PlTensor *mse = pl_mse (tape, pl_mul (tape, a, mask), pl_mul (tape, b, mask));
  return count > 0.0 ? pl_affine_scalar (tape, mse, (float) (pl_tensor_numel (mask) / count), 0.0f) : mse;
}
