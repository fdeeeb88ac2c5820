/* Deep ensembles: members trained one after another (ensemble.h). */
#define G_LOG_DOMAIN "pl-uncertainty"

#include "engine/uncertainty/ensemble.h"
#include "engine/core/rng.h"

#include <string.h>

static void
boot_count (gpointer user_data, int axis, gint64 *counts)
{
  PlBootstrapLabels *b = user_data;

  /* counts has n_slices entries (the caller sets n_slices for its axis). */
  b->inner.count_slices (b->inner.user_data, axis, counts);
  if (!b->drawn)
    {
      g_autoptr (GArray) lab = g_array_new (FALSE, FALSE, sizeof (gint64));
      PlRng rng;
      b->keep = g_new0 (guint8, b->n_slices);
      for (gint64 s = 0; s < b->n_slices; s++)
        if (counts[s] > 0 && s != b->holdout)
          g_array_append_val (lab, s);
      pl_rng_init (&rng, b->seed);
      for (guint i = 0; i < lab->len; i++)
        b->keep[g_array_index (lab, gint64, pl_rng_below (&rng, lab->len))] = 1;
      /* Slices not labelled at the draw are kept (painted later), and so is
       * the held-out slice, which the trainer scores but never trains on. */
      for (gint64 s = 0; s < b->n_slices; s++)
        if (counts[s] == 0 || s == b->holdout)
          b->keep[s] = 1;
      b->drawn = TRUE;
    }
  for (gint64 s = 0; s < b->n_slices; s++)
    if (!b->keep[s])
      counts[s] = 0;
}

static void
boot_copy (gpointer user_data, int axis, gint64 index, guint16 *dst)
{
  PlBootstrapLabels *b = user_data;
  b->inner.copy_slice (b->inner.user_data, axis, index, dst);
}

void
pl_bootstrap_labels_init (PlBootstrapLabels *b, const PlLabelProvider *inner, const PlTrainConfig *cfg,
                          const PlVolume *volume, PlLabelProvider *out)
{
  memset (b, 0, sizeof *b);
  b->inner = *inner;
  b->seed = cfg->seed ^ G_GUINT64_CONSTANT (0xb0075742a9);
  b->n_slices = volume->dim[cfg->axis >= 0 ? cfg->axis : pl_volume_axial_axis (volume)];
  b->holdout = cfg->holdout_slice;
  out->count_slices = boot_count;
  out->copy_slice = boot_copy;
  out->user_data = b;
}

void
pl_bootstrap_labels_clear (PlBootstrapLabels *b)
{
  g_clear_pointer (&b->keep, g_free);
  b->drawn = FALSE;
}

typedef struct
{
  const PlProgress *outer;
  int member, n_members, first;
} MemberProgress;

static gboolean
member_progress (double fraction, const char *message, gpointer user_data)
{
  MemberProgress *mp = user_data;
  g_autofree char *msg = g_strdup_printf ("member %d of %d", mp->member + 1, mp->n_members);
  int total = mp->n_members - mp->first;
  return pl_progress_report (mp->outer, (mp->member - mp->first + MAX (fraction, 0.0)) / total, msg);
}

PlModel **
pl_ensemble_train (const PlTrainConfig *base, int steps, int first, int n_members,
                   gboolean bootstrap, PlEnsembleSetup setup, gpointer setup_data,
                   const PlVolume *volume, const PlLabelProvider *labels,
                   const PlProgress *progress, GError **error)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) pl_model_free);

  g_return_val_if_fail (first >= 0 && first < n_members && steps >= 0, NULL);
  for (int m = first; m < n_members; m++)
    {
      PlTrainConfig cfg = *base;
      PlBootstrapLabels boot;
      PlLabelProvider provider = *labels;
      MemberProgress mp = { progress, m, n_members, first };
      PlProgress prog = { member_progress, &mp, progress ? progress->cancel : NULL };
      g_autoptr (PlTrainer) trainer = NULL;
      gboolean ok;

      cfg.seed = base->seed + (guint64) m;
      if (bootstrap)
        pl_bootstrap_labels_init (&boot, labels, &cfg, volume, &provider);
      trainer = pl_trainer_new (&cfg, volume, &provider, error);
      ok = trainer && (!setup || setup (trainer, setup_data, error))
           && pl_trainer_run (trainer, steps, &prog, NULL, NULL, error);
      if (ok)
        g_ptr_array_add (out, pl_trainer_export_model (trainer));
      g_clear_pointer (&trainer, pl_trainer_free);
      if (bootstrap)
        pl_bootstrap_labels_clear (&boot);
      if (!ok)
        return NULL;
    }
  pl_progress_report (progress, 1.0, NULL);
  g_ptr_array_add (out, NULL);
  g_ptr_array_set_free_func (out, NULL);
  return (PlModel **) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}
