/* pel-proposal.h: a model's segmentation of the whole volume, proposed to
 * the annotator and accepted piece by piece.
 *
 * Predicting runs on a PelJob (progress, time left, Stop) with the model and
 * a reference to the volume, so the main loop never waits; the result is a
 * label map the caller hands to pel_document_set_proposal(), which the slice
 * views draw as a fill or an outline under its own opacity, hidden wherever
 * a label is painted.
 *
 * Accepting copies proposed values into the label map as one named undo
 * step, and only into voxels that are unlabelled: painted voxels are never
 * changed, and neither are voxels whose value (0 included) is locked in the
 * label table; a locked class is not added either.  Scope: the slice on
 * screen along the model's axis, every slice, or one class.
 */
#pragma once

#include "engine/nn/model.h"
#include "src/pel-document.h"
#include "src/pel-job.h"

G_BEGIN_DECLS

typedef enum
{
  PEL_ACCEPT_SLICE,    /* one slice along an axis */
  PEL_ACCEPT_ALL,      /* the whole proposal */
  PEL_ACCEPT_CLASS,    /* every voxel proposed as one value */
} PelAcceptScope;

/* Takes ownership of model; the volume reference is taken. */
void       pel_proposal_predict_async  (PelJob              *job,
                                        PlModel             *model,
                                        PelVolumeRef        *volume,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
/* Transfer full: the label map on the volume's grid. */
PlLabels  *pel_proposal_predict_finish (PelJob              *job,
                                        GAsyncResult        *result,
                                        GError             **error);

/* The voxels accepting would fill (same rules as below), without changing
 * anything. */
gsize      pel_proposal_count          (PelDocument         *document,
                                        PelAcceptScope       scope,
                                        int                  axis,
                                        gint64               slice,
                                        guint16              value);
/* Fills unlabelled voxels from the document's proposal; scope SLICE uses
 * axis and slice, CLASS uses value.  One undo step named after the scope;
 * returns the voxels filled (0: nothing changed and no step was pushed). */
gsize      pel_proposal_accept         (PelDocument         *document,
                                        PelAcceptScope       scope,
                                        int                  axis,
                                        gint64               slice,
                                        guint16              value);
/* The same with the map read on a worker (pel_document_merge_proposal_async):
 * what the window uses, so accepting a whole volume does not stall it.
 * _finish returns the voxels filled, or -1 and an error. */
void       pel_proposal_accept_async   (PelDocument         *document,
                                        PelAcceptScope       scope,
                                        int                  axis,
                                        gint64               slice,
                                        guint16              value,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
gssize     pel_proposal_accept_finish  (PelDocument         *document,
                                        GAsyncResult        *result,
                                        GError             **error);

G_END_DECLS
