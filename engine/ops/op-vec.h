/* op-vec.h: four-float vectors (GCC/Clang vector extensions) for the
 * elementwise loops of the operators; private to engine/ops.
 *
 * The compiler's own vectoriser (at -O2) leaves loops with a select, such
 * as ReLU's x > 0 ? x : 0, as scalar code with a branch, which mispredicts
 * on every other element of a feature map.  These helpers keep the select
 * branch-free.  Each lane computes exactly what the scalar expression would
 * (no fused multiply-add), so results are the same bit for bit. */
#pragma once

#include <glib.h>
#include <string.h>

typedef float PlVec4 __attribute__ ((vector_size (16)));
typedef gint32 PlVec4i __attribute__ ((vector_size (16)));

static inline PlVec4
pl_vec4_load (const float *p)
{
  PlVec4 v;
  memcpy (&v, p, sizeof v);
  return v;
}

static inline void
pl_vec4_store (float *p, PlVec4 v)
{
  memcpy (p, &v, sizeof v);
}

static inline PlVec4
pl_vec4_set1 (float x)
{
  return (PlVec4) { x, x, x, x };
}

/* m > 0 ? v : 0 per lane (NaN in m selects 0) */
static inline PlVec4
pl_vec4_where_pos (PlVec4 m, PlVec4 v)
{
  return (PlVec4) ((PlVec4i) v & (m > pl_vec4_set1 (0.0f)));
}
