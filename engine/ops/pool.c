/* Max-pooling 2×2, stride 2.  Planes are independent: both passes split
 * them over the engine's threads. */
#define G_LOG_DOMAIN "pl-pool"

#include "engine/ops/ops.h"
#include "engine/ops/op-private.h"
#include "engine/ops/op-vec.h"
#include "engine/kernels/conv-private.h"

#include <math.h>
#include <string.h>

typedef struct
{
  const PlTensor *x, *y;
  guint8         *arg;
  float          *dx;
  gboolean        fresh;    /* dx holds nothing yet: each part zeroes its planes */
  gsize           planes;
} PoolJob;

static void
plane_range (int part, int n_parts, gsize planes, gsize *lo, gsize *hi)
{
  *lo = planes * part / n_parts;
  *hi = planes * (part + 1) / n_parts;
}

static int
pool_parts (gsize planes)
{
  return (int) MIN (planes, (gsize) PL_CONV_MAX_PARTS);
}

static void
pool_part (int part, int n_parts, gpointer data)
{
  PoolJob *job = data;
  const PlTensor *x = job->x;
  int oh = x->h / 2, ow = x->w / 2;
  gsize lo, hi;

  plane_range (part, n_parts, job->planes, &lo, &hi);
  for (gsize p = lo; p < hi; p++)
    {
      const float *xp = x->data + p * x->h * x->w;
      float *yp = job->y->data + p * oh * ow;
      guint8 *ap = job->arg ? job->arg + p * oh * ow : NULL;
      for (int i = 0; i < oh; i++)
        {
          const float *r0 = xp + (gsize) (2 * i) * x->w, *r1 = r0 + x->w;
          int j = 0;
          /* four windows at a time: the scalar loop's comparisons per lane */
          for (; j + 4 <= ow; j += 4)
            {
              PlVec4 a0 = pl_vec4_load (r0 + 2 * j), a1 = pl_vec4_load (r0 + 2 * j + 4);
              PlVec4 b0 = pl_vec4_load (r1 + 2 * j), b1 = pl_vec4_load (r1 + 2 * j + 4);
              PlVec4 m = __builtin_shufflevector (a0, a1, 0, 2, 4, 6), v;
              PlVec4i arg = { 0, 0, 0, 0 }, take;
              v = __builtin_shufflevector (a0, a1, 1, 3, 5, 7);
              take = (v > m) | (v != v);
              m = (PlVec4) (((PlVec4i) v & take) | ((PlVec4i) m & ~take));
              arg = (arg & ~take) | (take & 1);
              v = __builtin_shufflevector (b0, b1, 0, 2, 4, 6);
              take = (v > m) | (v != v);
              m = (PlVec4) (((PlVec4i) v & take) | ((PlVec4i) m & ~take));
              arg = (arg & ~take) | (take & 2);
              v = __builtin_shufflevector (b0, b1, 1, 3, 5, 7);
              take = (v > m) | (v != v);
              m = (PlVec4) (((PlVec4i) v & take) | ((PlVec4i) m & ~take));
              arg = (arg & ~take) | (take & 3);
              pl_vec4_store (yp + (gsize) i * ow + j, m);
              if (ap)
                for (int l = 0; l < 4; l++)
                  ap[(gsize) i * ow + j + l] = (guint8) arg[l];
            }
          for (; j < ow; j++)
            {
              float m = r0[2 * j], v;
              int a = 0;
              /* A NaN is taken as the maximum and then kept, as PyTorch. */
              v = r0[2 * j + 1];
              if (v > m || isnan (v)) { m = v; a = 1; }
              v = r1[2 * j];
              if (v > m || isnan (v)) { m = v; a = 2; }
              v = r1[2 * j + 1];
              if (v > m || isnan (v)) { m = v; a = 3; }
              yp[(gsize) i * ow + j] = m;
              if (ap)
                ap[(gsize) i * ow + j] = a;
            }
        }
    }
}

/* x: (N, C, H, W) → (N, C, H/2, W/2); saved: argmax as 0..3 per output
 * (row-major within the window, first maximum wins as in PyTorch). */
PlTensor *
pl_maxpool2x2 (PlTape *tape, PlTensor *x)
{
  PoolJob job = { 0 };
  PlTensor *y;
  PlNode *node;

  g_return_val_if_fail (x && x->h % 2 == 0 && x->w % 2 == 0, NULL);
  y = pl_tape_tensor (tape, x->n, x->c, x->h / 2, x->w / 2);
  node = pl_tape_record (tape, PL_OP_MAXPOOL2X2, y, 1, &x);
  if (node)
    job.arg = node->saved = pl_tape_alloc (tape, pl_tensor_numel (y));
  job.x = x;
  job.y = y;
  job.planes = (gsize) x->n * x->c;
  pl_conv_parallel (pool_parts (job.planes), pl_conv_threads (), pool_part, &job);
  return y;
}

static void
pool_backward_part (int part, int n_parts, gpointer data)
{
  PoolJob *job = data;
  const PlTensor *x = job->x, *y = job->y;
  int oh = y->h, ow = y->w;
  gsize lo, hi;

  plane_range (part, n_parts, job->planes, &lo, &hi);
  for (gsize p = lo; p < hi; p++)
    {
      float *dxp = job->dx + p * x->h * x->w;
      const float *dyp = y->grad + p * oh * ow;
      const guint8 *ap = job->arg + p * oh * ow;
      if (job->fresh)
        memset (dxp, 0, (gsize) x->h * x->w * sizeof (float));
      for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
          {
            int a = ap[(gsize) i * ow + j];
            dxp[(gsize) (2 * i + (a >> 1)) * x->w + 2 * j + (a & 1)] += dyp[(gsize) i * ow + j];
          }
    }
}

void
pl_maxpool2x2_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PoolJob job = { 0 };

  job.x = node->in[0];
  job.y = node->out;
  job.arg = node->saved;
  job.planes = (gsize) job.x->n * job.x->c;
  job.dx = pl_tape_grad_for_write (tape, node->in[0], &job.fresh);
  if (!job.dx)
    return;
  pl_conv_parallel (pool_parts (job.planes), pl_conv_threads (), pool_backward_part, &job);
}
