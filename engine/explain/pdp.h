/* pdp.h: partial dependence (Friedman 2001) and individual conditional
 * expectation (Goldstein et al. 2015) of a segmentation model.
 *
 * A global property of the input — intensity scale, contrast (gamma), noise
 * level, or the intensity of a target region — is set to each of a list of
 * values; the model's output for a class — its predicted volume (mm³, the
 * pixels where it wins the argmax) or its mean probability — is recorded
 * per slice (one ICE curve per slice) and averaged over the slices (the
 * PDP).  Slices are predicted in the model's crop window as inference does.
 */
#pragma once

#include <glib.h>

#include "engine/core/progress.h"
#include "engine/data/volume.h"
#include "engine/nn/model.h"

G_BEGIN_DECLS

typedef enum
{
  PL_PDP_SCALE,            /* x · v */
  PL_PDP_GAMMA,            /* lo + (hi − lo) · ((x − lo) / (hi − lo))^v */
  PL_PDP_NOISE,            /* x + N(0, (v · (hi − lo))²), seeded per slice */
  PL_PDP_REGION_SCALE,     /* x · v inside the region, x elsewhere */
} PlPdpFeature;

typedef enum
{
  PL_PDP_VOLUME,           /* mm³ predicted as the class */
  PL_PDP_PROBABILITY,      /* mean probability of the class */
} PlPdpOutput;

/* ice: n_slices × n_values (slice-major), pdp: n_values.  region: a mask
 * on the volume's grid (PL_PDP_REGION_SCALE only; NULL elsewhere). */
gboolean pl_pdp_run (PlModel          *model,
                     const PlVolume   *volume,
                     int               axis,
                     const gint64     *slices,
                     int               n_slices,
                     int               cls,
                     const guint8     *region,
                     PlPdpFeature      feature,
                     const double     *values,
                     int               n_values,
                     PlPdpOutput       output,
                     guint64           seed,
                     double           *ice,
                     double           *pdp,
                     const PlProgress *progress,
                     GError          **error);

G_END_DECLS
