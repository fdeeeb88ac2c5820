/* sanity.h: is an explanation map about the model?  Model-parameter
 * randomisation tests (Adebayo et al. 2018) and faithfulness curves.
 *
 * Cascading randomisation re-initialises the layers from the head down
 * (head, the last decoder level's convolutions and up-sampling, …, the
 * first encoder convolution: pl_sanity_layers()), independent randomisation
 * one layer at a time; each stage's maps are compared with the trained
 * model's by Spearman rank correlation (of the values and of their absolute
 * values), SSIM and the correlation of HOG features.  A method whose maps
 * stay similar when the weights are gone explains the input, not the
 * model.  Deletion and insertion (Petsiuk et al. 2018) remove or add pixels
 * in the map's order and record the score.
 *
 * pl_sanity_run() computes everything for a list of methods on a worker
 * thread and calls back per stage and method with the randomised map (for a
 * strip of maps) and its similarity to the trained one. */
#pragma once

#include <glib.h>

#include "engine/explain/explain.h"

G_BEGIN_DECLS

typedef enum
{
  PL_SANITY_CASCADE,
  PL_SANITY_INDEPENDENT,
} PlSanityMode;

typedef struct
{
  double spearman;       /* of the values */
  double spearman_abs;   /* of the absolute values */
  double ssim;           /* of the maps scaled to [0, 1] (7×7 windows) */
  double hog;            /* Pearson correlation of 8×8-cell, 9-bin HOG */
} PlSimilarity;

/* Layer names in cascade order (head first): "head", "dec.3.1", "dec.3.0",
 * "up.3", …, "enc.0.0"; 23 for unet2d-ref.  Free with g_strfreev. */
char   **pl_sanity_layers        (const PlUnet   *unet);
/* Re-draws the weights of one layer (Kaiming-uniform as pl_unet_init, zero
 * bias) from `seed`; FALSE when the network has no such layer. */
gboolean pl_sanity_randomise     (PlUnet         *unet,
                                  const char     *layer,
                                  guint64         seed);
void     pl_map_similarity       (const float    *a,
                                  const float    *b,
                                  int             h,
                                  int             w,
                                  PlSimilarity   *sim);
double   pl_spearman             (const float    *a,
                                  const float    *b,
                                  gsize           n);

/* Deletion (insertion FALSE) or insertion curve: the score, relative to
 * the unperturbed one, after setting the top fraction k/steps of pixels
 * (by map value, largest first) to `fill` (deletion) or after restoring
 * them on an all-`fill` input (insertion); curve: steps + 1 values.
 * Returns the area under the curve (trapezoids over the fraction). */
double   pl_explain_faithfulness (PlExplainer    *ex,
                                  const float    *map,
                                  int             steps,
                                  float           fill,
                                  gboolean        insertion,
                                  double         *curve);

typedef struct
{
  const PlExplainMethod *method;
  guint                  method_index;
  int                    stage;        /* 1 … n_stages */
  int                    n_randomised; /* layers randomised at this stage */
  const char            *layer;        /* the last layer randomised */
  const float           *map;          /* (h, w) */
  int                    h, w;
  PlSimilarity           sim;
} PlSanityResult;

typedef void (*PlSanityPublish) (const PlSanityResult *result, gpointer user_data);

/* stages: the numbers of layers randomised (cascade), or the layer indices
 * + 1 (independent); NULL: every layer.  Trained maps are computed first
 * (published with stage 0). */
gboolean pl_sanity_run (PlExplainer                  *ex,
                        PlUnet                       *unet,
                        const PlExplainMethod *const *methods,
                        const double *const          *params,
                        guint                         n_methods,
                        PlSanityMode                  mode,
                        const int                    *stages,
                        int                           n_stages,
                        guint64                       seed,
                        PlSanityPublish               publish,
                        gpointer                      user_data,
                        const PlProgress             *progress,
                        GError                      **error);

G_END_DECLS
