/* Proposals: predicting the volume on a job, accepting into the labels.
 * See pel-proposal.h. */
#define G_LOG_DOMAIN "pel-proposal"

#include "src/pel-proposal.h"

#include "engine/cases/case-bank.h"

#include <glib/gi18n.h>
#include <string.h>

#include "engine/data/dataset.h"
#include "engine/nn/infer.h"
#include "src/pel-train-thread.h"

/* ---- predicting ----------------------------------------------------------- */

/* Slices per forward pass, as pellucid-cli predict. */
#define PREDICT_BATCH 8

typedef struct
{
  PlModel      *model;
  PelVolumeRef *volume;
} PredictData;

static void
predict_data_free (gpointer p)
{
  PredictData *d = p;
  pl_model_free (d->model);
  pel_volume_ref_unref (d->volume);
  g_free (d);
}

static gpointer
predict_func (gpointer          task_data,
              const PlProgress *progress,
              GError          **error)
{
  PredictData *d = task_data;
  const PlVolume *volume = pel_volume_ref_get (d->volume);
  g_autoptr (PlLabels) labels = pl_labels_new (volume->dim);
  g_autoptr (PlVolume) normalised = NULL;
  gboolean ok;

  /* A model trained across cases sees each case normalised on its own,
   * slice by slice along its axial axis. */
  if (pl_model_is_per_case (d->model))
    {
      normalised = pl_volume_copy (volume);
      pl_case_normalise (normalised);
      d->model->axis = pl_volume_axial_axis (normalised);
      volume = normalised;
    }
  /* At normal priority, unlike training: the user waits for the result
   * (at the lower one it took 5-10 s where pellucid-cli took 2.4 s). */
  ok = pl_model_predict_volume (d->model, volume, PREDICT_BATCH, NULL, labels, progress, error);

  return ok ? g_steal_pointer (&labels) : NULL;
}

void
pel_proposal_predict_async (PelJob              *job,
                            PlModel             *model,
                            PelVolumeRef        *volume,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  PredictData *d;

  g_return_if_fail (PEL_IS_JOB (job));
  g_return_if_fail (model != NULL && volume != NULL);

  d = g_new0 (PredictData, 1);
  d->model = model;
  d->volume = pel_volume_ref_ref (volume);
  pel_job_run_async (job, predict_func, d, predict_data_free, (GDestroyNotify) pl_labels_free,
                     cancellable, callback, user_data);
}

PlLabels *
pel_proposal_predict_finish (PelJob        *job,
                             GAsyncResult  *result,
                             GError       **error)
{
  return pel_job_run_finish (job, result, error);
}

/* ---- accepting ------------------------------------------------------------ */

/* The voxels in scope that accepting fills (the engine's merge rule, with
 * the document's locked labels): written into `out` when it is not NULL,
 * and counted. */
static gsize
fill (PelDocument    *document,
      PelAcceptScope  scope,
      int             axis,
      gint64          slice,
      guint16         value,
      guint16        *out)
{
  const PlLabels *labels = pel_document_get_labels (document);
  const PlLabels *proposal = pel_document_get_proposal (document);
  g_autofree PlPaintRule *rule = NULL;
  static const PlMergeScope scopes[] = {
    [PEL_ACCEPT_SLICE] = PL_MERGE_SLICE,
    [PEL_ACCEPT_ALL] = PL_MERGE_ALL,
    [PEL_ACCEPT_CLASS] = PL_MERGE_CLASS,
  };

  if (labels == NULL || proposal == NULL)
    return 0;
  rule = g_new (PlPaintRule, 1);
  pel_document_init_rule (document, rule, 0, PL_PAINT_OVER_UNLABELLED, 0);
  return pl_paint_merge (labels, proposal, rule, scopes[scope], axis, slice, value, out);
}

gsize
pel_proposal_count (PelDocument    *document,
                    PelAcceptScope  scope,
                    int             axis,
                    gint64          slice,
                    guint16         value)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (document), 0);
  return fill (document, scope, axis, slice, value, NULL);
}

static const PlMergeScope merge_scopes[] = {
  [PEL_ACCEPT_SLICE] = PL_MERGE_SLICE,
  [PEL_ACCEPT_ALL] = PL_MERGE_ALL,
  [PEL_ACCEPT_CLASS] = PL_MERGE_CLASS,
};

/* The undo step's name for a scope. */
static char *
step_name (PelDocument    *document,
           PelAcceptScope  scope,
           gint64          slice,
           guint16         value)
{
  switch (scope)
    {
    case PEL_ACCEPT_SLICE:
      /* Translators: an undo step; slices count from 1 as the views show */
      return g_strdup_printf (_("Accept proposal (slice %" G_GINT64_FORMAT ")"), slice + 1);
    case PEL_ACCEPT_ALL:
      return g_strdup (_("Accept proposal (all slices)"));
    case PEL_ACCEPT_CLASS:
    default:
      {
        PlLabel *l = pl_label_table_lookup (pel_document_get_label_table (document), value);
        g_autofree char *fallback = g_strdup_printf ("%u", value);
        /* Translators: an undo step; %s is a label name */
        return g_strdup_printf (_("Accept proposal (“%s”)"), l ? l->name : fallback);
      }
    }
}

gsize
pel_proposal_accept (PelDocument    *document,
                     PelAcceptScope  scope,
                     int             axis,
                     gint64          slice,
                     guint16         value)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (PEL_IS_DOCUMENT (document), 0);

  if (pel_document_get_labels (document) == NULL || pel_document_get_proposal (document) == NULL)
    return 0;
  name = step_name (document, scope, slice, value);
  /* in place, one pass: no copy of the map (a whole-volume Accept spent
   * most of its main-thread time copying and diffing whole maps) */
  return pel_document_merge_proposal (document, name, merge_scopes[scope], axis, slice, value);
}

void
pel_proposal_accept_async (PelDocument         *document,
                           PelAcceptScope       scope,
                           int                  axis,
                           gint64               slice,
                           guint16              value,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autofree char *name = NULL;

  g_return_if_fail (PEL_IS_DOCUMENT (document));
  name = step_name (document, scope, slice, value);
  pel_document_merge_proposal_async (document, name, merge_scopes[scope], axis, slice, value, cancellable,
                                     callback, user_data);
}

gssize
pel_proposal_accept_finish (PelDocument   *document,
                            GAsyncResult  *result,
                            GError       **error)
{
  return pel_document_merge_proposal_finish (document, result, error);
}
