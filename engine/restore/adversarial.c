/* A small patch discriminator and the adversarial losses (adversarial.h). */
#define G_LOG_DOMAIN "pl-restore"

#include "engine/restore/adversarial.h"
#include "engine/core/rng.h"
#include "engine/core/tensor.h"
#include "engine/ops/loss.h"
#include "engine/ops/ops.h"

#include <math.h>
#include <string.h>

#define N_LAYERS 3

struct _PlPatchDisc
{
  int    in[N_LAYERS], out[N_LAYERS];
  gsize  woff[N_LAYERS], boff[N_LAYERS];
  gsize  n;
  float *params;
  float *grads;
};

PlPatchDisc *
pl_patch_disc_new (int channels, guint64 seed)
{
  PlPatchDisc *d;
  PlRng rng;
  gsize off = 0;

  g_return_val_if_fail (channels >= 1 && channels <= 1024, NULL);
  d = g_new0 (PlPatchDisc, 1);
  d->in[0] = 1, d->out[0] = channels;
  d->in[1] = channels, d->out[1] = 2 * channels;
  d->in[2] = 2 * channels, d->out[2] = 1;
  for (int l = 0; l < N_LAYERS; l++)
    {
      d->woff[l] = off;
      off += (gsize) d->out[l] * d->in[l] * 9;
      d->boff[l] = off;
      off += d->out[l];
    }
  d->n = off;
  d->params = g_new0 (float, d->n);
  d->grads = g_new0 (float, d->n);
  pl_rng_init (&rng, seed);
  for (int l = 0; l < N_LAYERS; l++)
    {
      float b = sqrtf (6.0f / (d->in[l] * 9));
      for (gsize i = 0; i < (gsize) d->out[l] * d->in[l] * 9; i++)
        d->params[d->woff[l] + i] = pl_rng_range (&rng, -b, b);
    }
  return d;
}

void
pl_patch_disc_free (PlPatchDisc *d)
{
  if (!d)
    return;
  g_free (d->params);
  g_free (d->grads);
  g_free (d);
}

float *
pl_patch_disc_params (PlPatchDisc *d)
{
  return d->params;
}

float *
pl_patch_disc_grads (PlPatchDisc *d)
{
  return d->grads;
}

gsize
pl_patch_disc_n_params (const PlPatchDisc *d)
{
  return d->n;
}

void
pl_patch_disc_zero_grad (PlPatchDisc *d)
{
  memset (d->grads, 0, d->n * sizeof (float));
}

PlTensor *
pl_patch_disc_forward (PlPatchDisc *d, PlTape *tape, PlTensor *x)
{
  g_return_val_if_fail (x->c == 1 && x->h % 4 == 0 && x->w % 4 == 0, NULL);
  for (int l = 0; l < N_LAYERS; l++)
    {
      /* parameter tensors live in the tape's arena for this step */
      PlTensor *w = pl_tape_alloc (tape, sizeof (PlTensor));
      PlTensor *b = pl_tape_alloc (tape, sizeof (PlTensor));

      *w = pl_tensor_param (d->out[l], d->in[l], 3, 3, d->params + d->woff[l], d->grads + d->woff[l]);
      *b = pl_tensor_param (1, d->out[l], 1, 1, d->params + d->boff[l], d->grads + d->boff[l]);
      x = pl_conv2d (tape, x, w, b);
      if (l < N_LAYERS - 1)
        x = pl_maxpool2x2 (tape, pl_leaky_relu (tape, x, 0.2f));
    }
  return x;
}

PlTensor *
pl_adversarial_loss (PlTape *tape, PlPatchDisc *d, PlTensor *x, gboolean real)
{
  PlTensor *logits = pl_patch_disc_forward (d, tape, x);
  gsize n = pl_tensor_numel (logits);
  float *target = pl_tape_alloc (tape, n * sizeof (float));

  for (gsize i = 0; i < n; i++)
    target[i] = real ? 1.0f : 0.0f;
  return pl_bce_with_logits (tape, logits, target, NULL);
}
