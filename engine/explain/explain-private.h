/* Private to engine/explain: the explainer's fields and the helpers the
 * method files share. */
#pragma once

#include "engine/explain/explain.h"
#include "engine/ops/tape.h"

G_BEGIN_DECLS

struct _PlExplainer
{
  PlUnet  *unet;          /* borrowed */
  int      c, h, w;       /* input window */
  int      oy, ox;        /* window offset in the slice */
  float   *x;             /* (C, H, W) */
  float   *region;        /* (H, W) 0/1 weights of the score */
  gsize    n_region;
  int      cls;
  float    lo, hi;        /* input minimum and maximum (zᴮ bounds) */
  PlTape  *tape;
  double   score;
  gboolean have_score;
};

/* How the backward runs: rules for ReLU and the convolutions, zᴮ on the
 * first convolution. */
typedef struct
{
  PlRule   relu;
  PlRule   conv;
  PlRule   linear_out;  /* layers not followed by a ReLU: the head and the
                         * transposed convolutions (ε under αβ, see lrp_ab) */
  gboolean zb_first;
  double   epsilon, alpha, beta;
} PlExplainRules;

typedef enum
{
  PL_EXPLAIN_GRAD,          /* dS/dx */
  PL_EXPLAIN_GRAD_X_INPUT,  /* x ⊙ dS/dx (relevance for LRP rules) */
} PlExplainGradMode;

/* out (n, H, W) ← Σ over input channels, for the n inputs xin (n, C, H, W)
 * (each with its own score); scores (n) optional. */
gboolean pl_explain_input_grads (PlExplainer          *ex,
                                 const float          *xin,
                                 int                   n,
                                 const PlExplainRules *rules,
                                 PlExplainGradMode     mode,
                                 float                *out,
                                 double               *scores,
                                 GError              **error);
/* An activation (PL_UNET_AT_*) and the score's gradient there, (c, h, w)
 * each, newly allocated (act may be NULL). */
gboolean pl_explain_layer_grad  (PlExplainer          *ex,
                                 PlUnetAt              at,
                                 float               **act,
                                 float               **grad,
                                 int                  *c,
                                 int                  *h,
                                 int                  *w,
                                 GError              **error);
/* Grad-CAM map (H, W) at an activation (PL_UNET_AT_*). */
gboolean pl_explain_gradcam_map (PlExplainer          *ex,
                                 PlUnetAt              at,
                                 float                *map,
                                 GError              **error);
/* dst (H, W) ← src (h, w), bilinear, align_corners = FALSE (PyTorch's
 * F.interpolate). */
void     pl_explain_resize      (const float *src, int h, int w,
                                 float *dst, int H, int W);

/* SLIC superpixels of img (H, W) (explain-lime.c): labels ← 0 … n − 1,
 * each superpixel 4-connected; returns n. */
int      pl_explain_slic        (const float *img, int H, int W, int segments,
                                 double compactness, int *labels);

/* Compute functions of the method table (one per entry or family). */
#define PL_EXPLAIN_DECLARE(name) \
  gboolean name (PlExplainer *ex, const PlExplainMethod *method, const double *params, \
                 float *map, PlExplainInfo *info, const PlProgress *progress, GError **error)

PL_EXPLAIN_DECLARE (pl_explain_grad);
PL_EXPLAIN_DECLARE (pl_explain_grad_x_input);
PL_EXPLAIN_DECLARE (pl_explain_integrated_gradients);
PL_EXPLAIN_DECLARE (pl_explain_smoothgrad);
PL_EXPLAIN_DECLARE (pl_explain_deconvnet);
PL_EXPLAIN_DECLARE (pl_explain_guided);
PL_EXPLAIN_DECLARE (pl_explain_gradcam);
PL_EXPLAIN_DECLARE (pl_explain_guided_gradcam);
PL_EXPLAIN_DECLARE (pl_explain_lrp_epsilon);
PL_EXPLAIN_DECLARE (pl_explain_lrp_alpha_beta);
PL_EXPLAIN_DECLARE (pl_explain_occlusion);
PL_EXPLAIN_DECLARE (pl_explain_meaningful_perturbation);
PL_EXPLAIN_DECLARE (pl_explain_lime);

G_END_DECLS
