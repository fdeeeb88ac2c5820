/* tensor.h: float32 NCHW tensors.
 *
 * A PlTensor is a shape and two pointers: `data` and `grad`.  Neither is
 * owned by the tensor.  Activations take both from a step's arena (see
 * tape.h); parameters point into their model's single parameter and
 * gradient blocks.  Weights use the same four numbers: a conv weight (O, C,
 * k, k) is n = O, c = C, h = w = k; a bias (O) is (1, O, 1, 1); a scalar
 * (a loss) is (1, 1, 1, 1).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  PL_TENSOR_REQUIRES_GRAD = 1 << 0,  /* backward computes its gradient */
  PL_TENSOR_PARAM         = 1 << 1,  /* grad is a persistent block (+=) */
} PlTensorFlags;

typedef struct _PlTensor PlTensor;

struct _PlTensor
{
  int    n, c, h, w;
  float *data;
  float *grad;     /* NULL until backward reaches the tensor */
  guint  flags;
  int    node;     /* index of the producing node on the tape, -1 for leaves */
};

static inline gsize
pl_tensor_numel (const PlTensor *t)
{
  return (gsize) t->n * t->c * t->h * t->w;
}

static inline gsize
pl_tensor_plane (const PlTensor *t)
{
  return (gsize) t->h * t->w;
}

static inline gboolean
pl_tensor_requires_grad (const PlTensor *t)
{
  return t != NULL && (t->flags & PL_TENSOR_REQUIRES_GRAD) != 0;
}

static inline gboolean
pl_tensor_same_shape (const PlTensor *a, const PlTensor *b)
{
  return a->n == b->n && a->c == b->c && a->h == b->h && a->w == b->w;
}

/* A parameter view onto blocks owned elsewhere. */
static inline PlTensor
pl_tensor_param (int n, int c, int h, int w, float *data, float *grad)
{
  PlTensor t = { n, c, h, w, data, grad, PL_TENSOR_REQUIRES_GRAD | PL_TENSOR_PARAM, -1 };
  return t;
}

G_END_DECLS
