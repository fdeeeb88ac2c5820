/* dip-private.h: the deep-image-prior loop behind pl_dip_denoise and the
 * CT reconstruction (ct.h), with the loss as a parameter. */
#pragma once

#include "engine/ops/tape.h"
#include "engine/restore/dip.h"
#include "engine/restore/restore-common.h"

G_BEGIN_DECLS

/* output: the network's output (1, 1, wh, ww) at `iteration` (1-based);
 * returns a scalar loss. */
typedef PlTensor *(*PlDipLossFunc) (PlTape   *tape,
                                    PlTensor *output,
                                    int       iteration,
                                    gpointer  data);

/* The image is window->h × window->w inside the network's window; the
 * outputs, the ES-WMV window and the metrics (reference: h × w or NULL)
 * are on the image.  With settings->warm_iterations = K > 0 the loss of
 * iterations 1…K is a first phase (a warm start): after it, backtracking's
 * reference loss, the ES-WMV window and the averaged output start afresh,
 * and only later iterates can be chosen. */
PlDipResult *pl_dip_run (const PlRestoreWindow *window,
                         const float           *reference,
                         const PlDipSettings   *settings,
                         PlDipLossFunc          loss_func,
                         gpointer               loss_data,
                         PlDipStepFunc          on_step,
                         gpointer               user_data,
                         const PlProgress      *progress,
                         GError               **error);

G_END_DECLS
