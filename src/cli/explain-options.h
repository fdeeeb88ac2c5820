/* explain-options.h: what `explain`, `sanity` and `bench saliency-ref`
 * share: loading a model, a volume and a target into an explainer, and
 * parsing method lists with their settings. */
#pragma once

#include <glib.h>

#include "engine/explain/explain.h"

G_BEGIN_DECLS

typedef struct
{
  PlModel     *model;
  PlVolume    *volume;
  int          axis;
  gint64       slice;
  int          slice_h, slice_w;
  PlExplainer *ex;
} PelExplainProblem;

/* target: "VALUE" (the predicted region of the class with that label
 * value), "VALUE:MASK.nii" (the non-zero voxels of MASK on the slice) or
 * "VALUE@Y,X" (one pixel of the slice).  slice < 0: the middle slice. */
gboolean pel_explain_problem_load  (PelExplainProblem *p,
                                    const char        *model_path,
                                    const char        *image_path,
                                    const char        *axis_name,
                                    gint64             slice,
                                    const char        *target,
                                    GError           **error);
void     pel_explain_problem_clear (PelExplainProblem *p);

/* "grad,gradcam,…" with "--set method.key=value" settings (NULL-terminated
 * array): methods (const PlExplainMethod *) and one params block
 * (PL_EXPLAIN_MAX_PARAMS doubles) per method. */
gboolean pel_explain_parse_methods (const char        *list,
                                    char             **settings,
                                    GPtrArray         *methods,
                                    GArray            *params,
                                    GError           **error);

G_END_DECLS
