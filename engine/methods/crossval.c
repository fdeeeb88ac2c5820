/* Cross-validated quality over the painted slices.  See crossval.h. */
#define G_LOG_DOMAIN "pl-methods"

#include "engine/methods/crossval.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

typedef struct
{
  const PlProgress *outer;
  int               fold, n_folds, steps;
  gboolean          cancelled;
} FoldProgress;

static gboolean
fold_step (PlTrainer *trainer, const PlTrainStepInfo *info, gpointer user_data)
{
  FoldProgress *fp = user_data;
  double done = (double) fp->fold * fp->steps + info->step;
  g_autofree char *msg = g_strdup_printf ("fold %d of %d, step %" G_GINT64_FORMAT,
                                          fp->fold + 1, fp->n_folds, info->step);

  if (!pl_progress_report (fp->outer, done / ((double) fp->n_folds * fp->steps), msg))
    fp->cancelled = TRUE;
  return !fp->cancelled;
}

void
pl_crossval_free (PlCrossval *cv)
{
  if (cv == NULL)
    return;
  g_free (cv->slices);
  g_free (cv->fold);
  g_free (cv->class_values);
  g_strfreev (cv->class_names);
  g_free (cv->tp);
  g_free (cv->pred);
  g_free (cv->truth);
  g_free (cv->slices_with);
  g_free (cv->dice);
  g_free (cv->fold_dice);
  g_free (cv);
}

static double
pooled (gint64 tp, gint64 pred, gint64 truth)
{
  return pred + truth > 0 ? 2.0 * tp / (double) (pred + truth) : NAN;
}

PlCrossval *
pl_crossval_run (const PlTrainConfig *cfg, const PlMethodConfig *method,
                 const PlVolume *volume, const PlLabelProvider *labels, int folds,
                 int steps, const PlProgress *progress, GError **error)
{
  g_autoptr (PlCrossval) cv = g_new0 (PlCrossval, 1);
  g_autofree gint64 *counts = NULL;
  PlTrainConfig fc = *cfg;
  int axis = cfg->axis >= 0 ? cfg->axis : pl_volume_axial_axis (volume);
  gint64 n = axis >= 0 && axis < 3 ? volume->dim[axis] : 0;
  int K = folds;

  if (axis < 0 || axis > 2)
    return g_set_error_literal (error, PL_ERROR, PL_ERROR_INVALID, "axis must be 0, 1 or 2"), NULL;
  if (steps < 1)
    return g_set_error_literal (error, PL_ERROR, PL_ERROR_INVALID,
                                "cross-validation needs at least one step per fold"), NULL;
  counts = g_new0 (gint64, n);
  labels->count_slices (labels->user_data, axis, counts);
  cv->slices = g_new (gint64, n);
  for (gint64 s = 0; s < n; s++)
    if (counts[s] > 0)
      cv->slices[cv->n_slices++] = s;
  if (cv->n_slices < 2)
    return g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                        "cross-validation needs at least 2 painted slices along the axis (%d painted)",
                        cv->n_slices), NULL;
  if (K < 2)
    return g_set_error_literal (error, PL_ERROR, PL_ERROR_INVALID, "cross-validation needs at least 2 folds"), NULL;
  K = MIN (K, cv->n_slices);
  cv->n_folds = K;
  cv->steps = steps;
  cv->fold = g_new (int, cv->n_slices);
  for (int i = 0; i < cv->n_slices; i++)
    cv->fold[i] = i % K;
  cv->fold_dice = g_new (double, K);

  fc.axis = axis;
  fc.holdout_slice = -1;
  for (int f = 0; f < K; f++)
    {
      g_autoptr (PlTrainer) tr = NULL;
      g_autofree gint64 *held = g_new (gint64, cv->n_slices);
      g_autofree gint64 *tp = NULL, *pred = NULL, *truth = NULL;
      FoldProgress fp = { progress, f, K, steps, FALSE };
      /* the run sees only the cancel flag: fold_step reports the whole */
      PlProgress inner = { NULL, NULL, progress ? progress->cancel : NULL };
      double sum = 0.0;
      int n_held = 0, k = 0;

      tr = pl_trainer_new (&fc, volume, labels, error);
      if (tr == NULL)
        return NULL;
      if (f == 0)
        {
          /* every fold learns the classes of all the painted slices */
          cv->n_classes = pl_trainer_get_n_classes (tr);
          cv->class_values = g_memdup2 (pl_trainer_get_class_values (tr), sizeof (guint16) * cv->n_classes);
          cv->class_names = g_new0 (char *, cv->n_classes + 1);
          for (int c = 0; c < cv->n_classes; c++)
            cv->class_names[c] = g_strdup (pl_trainer_get_model (tr)->class_names[c]);
          cv->tp = g_new0 (gint64, cv->n_classes);
          cv->pred = g_new0 (gint64, cv->n_classes);
          cv->truth = g_new0 (gint64, cv->n_classes);
          cv->slices_with = g_new0 (int, cv->n_classes);
          fc.n_classes = cv->n_classes;
          fc.class_values = cv->class_values;
          fc.class_names = (const char *const *) cv->class_names;
        }
      for (int i = 0; i < cv->n_slices; i++)
        if (cv->fold[i] == f)
          held[n_held++] = cv->slices[i];
      pl_trainer_set_held_out_slices (tr, held, n_held);
      if (!pl_method_install (tr, method, error))
        return NULL;
      if (!pl_trainer_run (tr, steps, &inner, fold_step, &fp, error))
        return NULL;
      if (fp.cancelled)
        return pl_progress_set_cancelled_error (error), NULL;

      tp = g_new0 (gint64, cv->n_classes);
      pred = g_new0 (gint64, cv->n_classes);
      truth = g_new0 (gint64, cv->n_classes);
      for (int i = 0; i < n_held; i++)
        {
          g_autofree gint64 *t1 = g_new0 (gint64, cv->n_classes);
          g_autofree gint64 *p1 = g_new0 (gint64, cv->n_classes);
          g_autofree gint64 *r1 = g_new0 (gint64, cv->n_classes);
          pl_trainer_count_slice (tr, held[i], t1, p1, r1);
          for (int c = 0; c < cv->n_classes; c++)
            {
              tp[c] += t1[c];
              pred[c] += p1[c];
              truth[c] += r1[c];
              cv->slices_with[c] += r1[c] > 0;
            }
        }
      for (int c = 0; c < cv->n_classes; c++)
        {
          double d = truth[c] > 0 ? pooled (tp[c], pred[c], truth[c]) : NAN;
          cv->tp[c] += tp[c];
          cv->pred[c] += pred[c];
          cv->truth[c] += truth[c];
          if (!isnan (d))
            {
              sum += d;
              k++;
            }
        }
      cv->fold_dice[f] = k ? sum / k : NAN;
    }

  cv->dice = g_new (double, cv->n_classes);
  {
    double sum = 0.0;
    int k = 0;
    for (int c = 0; c < cv->n_classes; c++)
      {
        /* a class no scored slice holds has no Dice to pool, whatever
         * the models predicted */
        cv->dice[c] = cv->truth[c] > 0 ? pooled (cv->tp[c], cv->pred[c], cv->truth[c]) : NAN;
        if (!isnan (cv->dice[c]))
          {
            sum += cv->dice[c];
            k++;
          }
      }
    cv->mean = k ? sum / k : NAN;
  }
  return g_steal_pointer (&cv);
}

char *
pl_crossval_describe (const PlCrossval *cv)
{
  GString *s = g_string_new (NULL);
  gboolean any_unseen = FALSE;

  g_string_append_printf (s, "Dice %.3f over %d painted slices (%d folds × %d steps)",
                          cv->mean, cv->n_slices, cv->n_folds, cv->steps);
  for (int c = 0; c < cv->n_classes; c++)
    if (!isnan (cv->dice[c]))
      {
        const char *name = cv->class_names[c] && *cv->class_names[c] ? cv->class_names[c] : NULL;
        g_string_append (s, c == 0 ? ": " : ", ");
        if (name)
          g_string_append (s, name);
        else
          g_string_append_printf (s, "label %u", cv->class_values[c]);
        g_string_append_printf (s, " %.2f (%d)", cv->dice[c], cv->slices_with[c]);
      }
  for (int c = 0; c < cv->n_classes; c++)
    if (isnan (cv->dice[c]))
      {
        g_string_append (s, any_unseen ? ", " : "; cannot see: ");
        if (cv->class_names[c] && *cv->class_names[c])
          g_string_append (s, cv->class_names[c]);
        else
          g_string_append_printf (s, "label %u", cv->class_values[c]);
        any_unseen = TRUE;
      }
  return g_string_free (s, FALSE);
}
