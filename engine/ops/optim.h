/* optim.h: optimisers and parameter averaging over flat parameter blocks.
 *
 * A model keeps all its parameters in one float block and their gradients in
 * another of the same length (see unet.h), so an optimiser step is one loop.
 * Adam follows torch.optim.Adam (Kingma & Ba 2015, alg. 1, with PyTorch's
 * order of operations, no weight decay); SGD follows torch.optim.SGD with
 * momentum (v = μ v + g; p -= lr v).  pl_ema_update is the mean teacher's
 * update (Tarvainen & Valpola 2017, eq. 1): θ' = α θ' + (1 − α) θ.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  PL_OPTIM_ADAM,
  PL_OPTIM_SGD,
} PlOptimKind;

typedef struct
{
  PlOptimKind kind;
  float       lr;
  float       beta1, beta2, eps;   /* Adam */
  float       momentum;            /* SGD */
  gint64      step;                /* steps taken */
  gsize       n;
  float      *m;                   /* Adam first moment / SGD velocity */
  float      *v;                   /* Adam second moment */
  guint8     *trainable;           /* per parameter; NULL: all train */
} PlOptimizer;

PlOptimizer *pl_optimizer_new_adam (gsize n, float lr, float beta1, float beta2, float eps);
/* The rate of step (1-based, 1…steps) of a run of `steps` with a ramp-down
 * over its last round (rampdown · steps) steps: lr until then, then
 * lr · ((1 + cos π t) / 2)², t from 0 to 1 over them (the schedule of the
 * Noise2Noise authors' code, compute_ramped_down_lrate).  rampdown 0:
 * constant. */
double       pl_lr_rampdown        (double lr, double rampdown, int steps, int step);
PlOptimizer *pl_optimizer_new_sgd  (gsize n, float lr, float momentum);
void         pl_optimizer_free     (PlOptimizer *opt);
void         pl_optimizer_reset    (PlOptimizer *opt);
void         pl_optimizer_step     (PlOptimizer *opt, float *params, const float *grads);
/* Parameters i with trainable[i] == 0 are skipped by every later step
 * (left bitwise as they are, their moments untouched); takes the array
 * (n entries; NULL: all train again). */
void         pl_optimizer_set_trainable (PlOptimizer *opt, guint8 *trainable);

void         pl_ema_update         (float *teacher, const float *student, gsize n, float alpha);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlOptimizer, pl_optimizer_free)

G_END_DECLS
