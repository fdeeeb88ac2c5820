/* Adam, SGD with momentum, EMA. */
#define G_LOG_DOMAIN "pl-optim"

#include "engine/ops/optim.h"
#include "engine/ops/op-vec.h"
#include "engine/kernels/conv-private.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <math.h>
#include <string.h>

static PlOptimizer *
optimizer_new (PlOptimKind kind, gsize n, float lr)
{
  PlOptimizer *o = g_new0 (PlOptimizer, 1);
  o->kind = kind;
  o->n = n;
  o->lr = lr;
  o->m = g_new0 (float, n);
  if (kind == PL_OPTIM_ADAM)
    o->v = g_new0 (float, n);
  return o;
}

PlOptimizer *
pl_optimizer_new_adam (gsize n, float lr, float beta1, float beta2, float eps)
{
  PlOptimizer *o = optimizer_new (PL_OPTIM_ADAM, n, lr);
  o->beta1 = beta1;
  o->beta2 = beta2;
  o->eps = eps;
  return o;
}

PlOptimizer *
pl_optimizer_new_sgd (gsize n, float lr, float momentum)
{
  PlOptimizer *o = optimizer_new (PL_OPTIM_SGD, n, lr);
  o->momentum = momentum;
  return o;
}

void
pl_optimizer_free (PlOptimizer *opt)
{
  if (!opt)
    return;
  g_free (opt->m);
  g_free (opt->v);
  g_free (opt->trainable);
  g_free (opt);
}

void
pl_optimizer_reset (PlOptimizer *opt)
{
  opt->step = 0;
  memset (opt->m, 0, opt->n * sizeof (float));
  if (opt->v)
    memset (opt->v, 0, opt->n * sizeof (float));
}

/* Large blocks are split into OPTIM_PARTS runs over the engine's threads;
 * every parameter's update depends on its own values only, so the split
 * changes no value. */
#define OPTIM_PARTS    16
#define OPTIM_PARALLEL (1 << 16)

typedef struct
{
  PlOptimizer *opt;
  float       *params;
  const float *grads;
  float        step_size, bc2_sqrt;   /* Adam */
} StepJob;

static void
step_part (int part, int n_parts, gpointer data)
{
  StepJob *j = data;
  PlOptimizer *opt = j->opt;
  const guint8 *trainable = opt->trainable;
  const float *grads = j->grads;
  float *params = j->params, *m = opt->m, *v = opt->v;
  gsize chunk = ((opt->n + n_parts - 1) / n_parts + 15) & ~(gsize) 15;
  gsize lo = MIN (opt->n, (gsize) part * chunk), hi = MIN (opt->n, lo + chunk);

  if (opt->kind == PL_OPTIM_SGD)
    {
      float mu = opt->momentum, lr = opt->lr;
      for (gsize i = lo; i < hi; i++)
        {
          float vel;
          if (trainable && !trainable[i])
            continue;
          /* PyTorch: the first step's buffer is the gradient itself. */
          vel = opt->step == 1 ? grads[i] : mu * m[i] + grads[i];
          m[i] = vel;
          params[i] -= lr * (mu != 0.0f ? vel : grads[i]);
        }
      return;
    }
  {
    float b1 = opt->beta1, b2 = opt->beta2, eps = opt->eps;
    float step_size = j->step_size, bc2_sqrt = j->bc2_sqrt;
    gsize i = lo;
#ifdef __SSE2__
    /* four at a time, each lane the scalar expression (sqrtps and divps
     * round as sqrtf and / do) */
    if (!trainable)
      {
        PlVec4 vb1 = pl_vec4_set1 (b1), vb2 = pl_vec4_set1 (b2);
        PlVec4 vc1 = pl_vec4_set1 (1.0f - b1), vc2 = pl_vec4_set1 (1.0f - b2);
        PlVec4 veps = pl_vec4_set1 (eps), vstep = pl_vec4_set1 (step_size);
        PlVec4 vbc2 = pl_vec4_set1 (bc2_sqrt);
        for (; i + 4 <= hi; i += 4)
          {
            PlVec4 g = pl_vec4_load (grads + i);
            PlVec4 mi = vb1 * pl_vec4_load (m + i) + vc1 * g;
            PlVec4 vi = vb2 * pl_vec4_load (v + i) + vc2 * g * g;
            PlVec4 denom = (PlVec4) _mm_sqrt_ps ((__m128) vi) / vbc2 + veps;
            pl_vec4_store (m + i, mi);
            pl_vec4_store (v + i, vi);
            pl_vec4_store (params + i, pl_vec4_load (params + i) - vstep * (mi / denom));
          }
      }
#endif
    for (; i < hi; i++)
      {
        float g = grads[i], mi, vi, denom;
        if (trainable && !trainable[i])
          continue;
        mi = m[i] = b1 * m[i] + (1.0f - b1) * g;
        vi = v[i] = b2 * v[i] + (1.0f - b2) * g * g;
        denom = sqrtf (vi) / bc2_sqrt + eps;
        params[i] -= step_size * (mi / denom);
      }
  }
}

void
pl_optimizer_step (PlOptimizer *opt, float *params, const float *grads)
{
  StepJob j = { opt, params, grads, 0.0f, 0.0f };

  opt->step++;
  if (opt->kind == PL_OPTIM_ADAM)
    {
      double bc1 = 1.0 - pow (opt->beta1, (double) opt->step);
      double bc2 = 1.0 - pow (opt->beta2, (double) opt->step);
      j.step_size = (float) (opt->lr / bc1);
      j.bc2_sqrt = (float) sqrt (bc2);
    }
  pl_conv_parallel (opt->n >= OPTIM_PARALLEL ? OPTIM_PARTS : 1, pl_conv_threads (), step_part, &j);
}

void
pl_optimizer_set_trainable (PlOptimizer *opt, guint8 *trainable)
{
  g_free (opt->trainable);
  opt->trainable = trainable;
}

void
pl_ema_update (float *teacher, const float *student, gsize n, float alpha)
{
  for (gsize i = 0; i < n; i++)
    teacher[i] = alpha * teacher[i] + (1.0f - alpha) * student[i];
}

double
pl_lr_rampdown (double lr, double rampdown, int steps, int step)
{
  /* 0-based i as the authors' code: the first step of the ramp-down still
   * has the full rate, the last one nearly 0.  The length a whole number of
   * steps (0.3f of 100 is 30, not 30.0000012) */
  double i = step - 1, len = round (rampdown * steps);
  double start = steps - len;

  if (len <= 0.0 || i < start)
    return lr;
  {
    double t = MIN ((i - start) / len, 1.0);
    double f = 0.5 + 0.5 * cos (G_PI * t);
    return lr * f * f;
  }
}
