/* dip-private.h: the deep-image-prior loop behind pl_dip_denoise and the
 * CT reconstruction (ct.h), with the loss as a parameter. */
#pragma once

#include "engine/ops/tape.h"
#include "engine/restore/dip.h"
#include "engine/restore/restore-common.h"

G_BEGIN_DECLS

/* output: the network's output (1, 1, wh, ww); returns a scalar loss. */
typedef PlTensor *(*PlDipLossFunc) (PlTape   *tape,
                                    PlTensor *output,
                                    gpointer  data);

/* The image is window->h × window->w inside the network's window; the
 * outputs, the ES-WMV window and the metrics (reference: h × w or NULL)
 * are on the image. */
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
