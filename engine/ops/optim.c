/* Adam, SGD with momentum, EMA. */
#define G_LOG_DOMAIN "pl-optim"

#include "engine/ops/optim.h"

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

void
pl_optimizer_step (PlOptimizer *opt, float *params, const float *grads)
{
  gsize n = opt->n;

  opt->step++;
  if (opt->kind == PL_OPTIM_SGD)
    {
      float mu = opt->momentum, lr = opt->lr;
      for (gsize i = 0; i < n; i++)
        {
          float v;
          if (opt->trainable && !opt->trainable[i])
            continue;
          /* PyTorch: the first step's buffer is the gradient itself. */
          v = opt->step == 1 ? grads[i] : mu * opt->m[i] + grads[i];
          opt->m[i] = v;
          params[i] -= lr * (mu != 0.0f ? v : grads[i]);
        }
      return;
    }
  {
    float b1 = opt->beta1, b2 = opt->beta2;
    double bc1 = 1.0 - pow (b1, (double) opt->step);
    double bc2 = 1.0 - pow (b2, (double) opt->step);
    float step_size = (float) (opt->lr / bc1);
    float bc2_sqrt = (float) sqrt (bc2);
    for (gsize i = 0; i < n; i++)
      {
        float g = grads[i], m, v, denom;
        if (opt->trainable && !opt->trainable[i])
          continue;
        m = opt->m[i] = b1 * opt->m[i] + (1.0f - b1) * g;
        v = opt->v[i] = b2 * opt->v[i] + (1.0f - b2) * g * g;
        denom = sqrtf (v) / bc2_sqrt + opt->eps;
        params[i] -= step_size * (m / denom);
      }
  }
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
