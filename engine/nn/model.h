/* model.h: a trained network with everything needed to apply it to a volume.
 *
 * A PlModel is a PlUnet plus: the label value and name of each output class,
 * the intensity normalisation x' = (x − offset) / divisor applied before the
 * network, the voxel axis its 2-D slices were taken along, the slice size it
 * was trained at, and a free JSON object describing the training (method,
 * steps, seed, …).  Saved as safetensors; docs/model-format.md is the
 * specification.  pl_model_parse() reads from memory (fuzzing).
 */
#pragma once

#include <glib.h>

#include "engine/io/safetensors.h"
#include "engine/nn/unet.h"

G_BEGIN_DECLS

#define PL_MODEL_FORMAT_VERSION 1

/* How prediction fills the pixels of a slice that the trained frame (the
 * centre crop, infer.h) leaves out: from the nearest pixel of the crop (no
 * extra work), or from a second network run on the slice zero-padded to
 * the network's multiple (the whole network again, for a few border rows
 * and columns).  Not saved: a choice of the caller. */
typedef enum
{
  PL_BORDER_NEAREST,
  PL_BORDER_WINDOW,
} PlBorder;

typedef struct
{
  PlUnet   *unet;
  int       n_classes;       /* = unet's output channels for softmax models */
  guint16  *class_values;    /* label value of each class */
  char    **class_names;     /* n_classes strings (may be "") */
  double    norm_offset;     /* x' = (x − offset) / divisor */
  double    norm_divisor;
  int       axis;            /* voxel axis (0, 1, 2) of the slices */
  int       train_h, train_w;/* slice size used in training (0: whole slice) */
  int       context;         /* slices per input (odd; 1: the slice alone,
                                3: it and its two neighbours), see
                                slice-input.h */
  gboolean  coords;          /* one more input channel: the left–right
                                position */
  char     *training;        /* JSON object text, or NULL */
  PlBorder  border;          /* prediction outside the trained frame */
} PlModel;

/* Takes ownership of unet.  values/names: n_classes entries (names may be NULL). */
PlModel  *pl_model_new        (PlUnet          *unet,
                               int              n_classes,
                               const guint16   *values,
                               const char *const *names);
void      pl_model_free       (PlModel         *model);
void      pl_model_set_training (PlModel       *model,
                                 const char    *json_object);
gboolean  pl_model_save       (const PlModel   *model,
                               const char      *path,
                               GError         **error);
GBytes   *pl_model_to_bytes   (const PlModel   *model);
PlModel  *pl_model_load       (const char      *path,
                               GError         **error);
PlModel  *pl_model_parse      (GBytes          *bytes,
                               const char      *name,
                               GError         **error);
/* Deep ensembles: M members with the same network, classes, normalisation
 * and axis in one file (member 0 as a single model, the others as
 * "ensemble.<m>.<tensor>"; docs/model-format.md).  A reader of single
 * models loads member 0.  Loading a single-model file gives 1 member.
 * The arrays are NULL-terminated; free with pl_model_ensemble_free(). */
#define PL_MODEL_MAX_MEMBERS 64

gboolean  pl_model_save_ensemble  (PlModel *const *members,
                                   int             n_members,
                                   const char     *path,
                                   GError        **error);
PlModel **pl_model_load_ensemble  (const char     *path,
                                   int            *n_members,
                                   GError        **error);
PlModel **pl_model_parse_ensemble (GBytes         *bytes,
                                   const char     *name,
                                   int            *n_members,
                                   GError        **error);
void      pl_model_ensemble_free  (PlModel       **members);

/* The class index of a label value, or -1. */
int       pl_model_class_of   (const PlModel   *model,
                               guint16          value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlModel, pl_model_free)

G_END_DECLS
