/* explain.h: explanation maps of a segmentation network for one slice.
 *
 * A PlExplainer holds one problem: a network, one input window of a slice
 * (normalised as the model wants it) and a target.  The target is a class
 * and a region of the window — a pixel, a mask, or the class's predicted
 * region — and the score explained is the sum of that class's pre-softmax
 * logits over the region (Seg-Grad-CAM, Vinogradova et al. 2020).
 *
 * The methods are a table (pl_explain_methods()): each entry has a name for
 * the command line, a label, its parameters with defaults and bounds, and a
 * compute function.  Nothing dispatches on a method by name or number; a
 * front end lists the table, lets the user set the parameters, and calls
 * pl_explain_run() from a worker thread, which publishes each finished map
 * with its compute time through a callback and honours the PlProgress's
 * cancellation between and inside methods.  An explainer must be used by
 * one thread at a time; it borrows the network, which must not change while
 * it runs (the sanity checks give each randomised network its own
 * explainer).
 *
 *   g_autoptr (PlExplainer) ex = pl_explainer_new_from_volume (model, volume,
 *                                   axis, z, &target, &error);
 *   const PlExplainMethod *m = pl_explain_method_find ("gradcam");
 *   pl_explain_run (ex, &m, NULL, 1, publish, data, progress, &error);
 *
 * Maps are (H, W) floats on the window; pl_explainer_to_slice() puts one
 * back on the whole slice (zero where the window does not reach).
 */
#pragma once

#include <glib.h>

#include "engine/core/error.h"
#include "engine/core/progress.h"
#include "engine/data/volume.h"
#include "engine/nn/model.h"
#include "engine/nn/unet.h"

G_BEGIN_DECLS

typedef enum
{
  PL_EXPLAIN_REGION_PREDICTED,  /* where the class wins the argmax */
  PL_EXPLAIN_REGION_PIXEL,      /* one pixel (y, x) */
  PL_EXPLAIN_REGION_MASK,       /* non-zero pixels of mask */
} PlExplainRegion;

typedef struct
{
  int              cls;         /* output channel (class index) */
  PlExplainRegion  region;
  int              y, x;        /* PIXEL, in the coordinates of the mask/slice */
  const guint8    *mask;        /* MASK: same size as the slice (or window) */
} PlExplainTarget;

typedef struct _PlExplainer PlExplainer;

/* x: (C, H, W), already normalised; H, W multiples of the network's
 * multiple; target coordinates and mask are on this window. */
PlExplainer *pl_explainer_new            (PlUnet                *unet,
                                          const float           *x,
                                          int                    h,
                                          int                    w,
                                          const PlExplainTarget *target,
                                          GError               **error);
/* Slice `index` along `axis` of a one-channel model's volume, in the
 * window the model predicts it in (the centre crop, as inference does);
 * target coordinates and mask on the whole slice. */
PlExplainer *pl_explainer_new_from_volume(PlModel               *model,
                                          const PlVolume        *volume,
                                          int                    axis,
                                          gint64                 index,
                                          const PlExplainTarget *target,
                                          GError               **error);
/* The same problem (window, region) on another network of the same shape,
 * e.g. a randomised copy: the region is NOT recomputed. */
PlExplainer *pl_explainer_new_like       (const PlExplainer     *other,
                                          PlUnet                *unet);
void         pl_explainer_free           (PlExplainer           *ex);

int          pl_explainer_get_height     (const PlExplainer     *ex);
int          pl_explainer_get_width      (const PlExplainer     *ex);
/* The window's offset in the slice (0, 0 for pl_explainer_new). */
void         pl_explainer_get_offset     (const PlExplainer     *ex,
                                          int                   *oy,
                                          int                   *ox);
/* Input (C, H, W) and region weights (H, W) of the problem. */
const float *pl_explainer_get_input      (const PlExplainer     *ex);
const float *pl_explainer_get_region     (const PlExplainer     *ex);
gsize        pl_explainer_region_size    (const PlExplainer     *ex);
/* The score of the unperturbed input. */
double       pl_explainer_score          (PlExplainer           *ex);
/* Scores of n inputs (n, C, H, W) (perturbation methods, faithfulness). */
void         pl_explainer_scores         (PlExplainer           *ex,
                                          const float           *x,
                                          int                    n,
                                          double                *scores);
/* dst (slice_h, slice_w) ← map (H, W) placed at the window's offset. */
void         pl_explainer_to_slice       (const PlExplainer     *ex,
                                          const float           *map,
                                          int                    slice_h,
                                          int                    slice_w,
                                          float                 *dst);

/* ---- methods ---------------------------------------------------------- */

#define PL_EXPLAIN_MAX_PARAMS 6

typedef struct
{
  const char *name;        /* command line: key=value */
  const char *label;       /* English, untranslated */
  double      def, min, max;
  gboolean    integer;
} PlExplainParam;

typedef struct
{
  double score;            /* the target's score */
  double relevance_sum;    /* Σ map for conserving methods (LRP), else NaN */
} PlExplainInfo;

typedef struct _PlExplainMethod PlExplainMethod;

/* map: (H, W), written entirely; params: one value per declared parameter. */
typedef gboolean (*PlExplainFunc) (PlExplainer           *ex,
                                   const PlExplainMethod *method,
                                   const double          *params,
                                   float                 *map,
                                   PlExplainInfo         *info,
                                   const PlProgress      *progress,
                                   GError               **error);

struct _PlExplainMethod
{
  const char    *name;     /* "grad", "gradcam", "lrp-ab", … */
  const char    *label;    /* "Vanilla gradient", … */
  const char    *source;   /* the paper */
  gboolean       is_signed;/* the map has meaningful signs */
  int            n_params;
  PlExplainParam params[PL_EXPLAIN_MAX_PARAMS];
  PlExplainFunc  compute;
};

const PlExplainMethod *pl_explain_methods       (guint                 *n_methods);
/* NULL when no method has that name. */
const PlExplainMethod *pl_explain_method_find   (const char            *name);
/* params ← the method's defaults. */
void                   pl_explain_method_defaults(const PlExplainMethod *method,
                                                  double                *params);
/* Parses "key=value,…" over the defaults; FALSE with a message naming the
 * key on an unknown key or a value out of bounds. */
gboolean               pl_explain_method_parse  (const PlExplainMethod *method,
                                                  const char            *text,
                                                  double                *params,
                                                  GError               **error);

/* One map; params NULL: defaults.  map: (H, W). */
gboolean pl_explain_compute (PlExplainer           *ex,
                             const PlExplainMethod *method,
                             const double          *params,
                             float                 *map,
                             PlExplainInfo         *info,
                             const PlProgress      *progress,
                             GError               **error);

/* The "occlusion" method's map (H, W) with a choice of how: local TRUE
 * (the method's way) recomputes for each patch only what it can change,
 * when the network allows it (pl_unet_local_supported); FALSE runs whole
 * forwards in batches of 8 — the same map, the reference for tests and
 * benchmarks. */
gboolean pl_explain_occlusion_map (PlExplainer       *ex,
                                   int                patch,
                                   int                stride,
                                   float              fill,
                                   gboolean           local,
                                   float             *map,
                                   const PlProgress  *progress,
                                   GError           **error);

typedef struct
{
  const PlExplainMethod *method;
  const float           *map;     /* (h, w), valid during the call */
  int                    h, w;
  double                 ms;      /* compute time */
  PlExplainInfo          info;
  guint                  index;   /* position in the request */
} PlExplainResult;

/* Called on the computing thread after each map (copy what you keep). */
typedef void (*PlExplainPublish) (const PlExplainResult *result,
                                  gpointer               user_data);

/* Computes each method in turn (params[i] NULL or params NULL: defaults),
 * publishing every map; progress spans the whole request. */
gboolean pl_explain_run     (PlExplainer                  *ex,
                             const PlExplainMethod *const *methods,
                             const double *const          *params,
                             guint                         n,
                             PlExplainPublish              publish,
                             gpointer                      user_data,
                             const PlProgress             *progress,
                             GError                      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlExplainer, pl_explainer_free)

G_END_DECLS
