/* The perceptual loss on a segmentation UNet's features (perceptual.h). */
#define G_LOG_DOMAIN "pl-restore"

#include "engine/restore/perceptual.h"
#include "engine/ops/loss.h"
#include "engine/ops/ops.h"

#include <math.h>
#include <string.h>

guint
pl_perceptual_layers_from_string (const char *text)
{
  g_auto (GStrv) parts = NULL;
  guint flags = 0;

  if (text == NULL)
    return 0;
  parts = g_strsplit (text, ",", -1);
  for (int i = 0; parts[i]; i++)
    {
      const char *p = g_strstrip (parts[i]);
      if (g_str_equal (p, "bottleneck"))
        flags |= PL_PERCEPTUAL_BOTTLENECK;
      else if (g_str_equal (p, "features"))
        flags |= PL_PERCEPTUAL_FEATURES;
      else
        return 0;
    }
  return flags;
}

static void
features (PlTape *tape, PlUnet *net, float a, float b, PlTensor *x, PlTensor **bott, PlTensor **feat)
{
  PlUnetRun run = { 0 };

  pl_unet_forward (net, tape, pl_affine_scalar (tape, x, a, b), &run);
  *bott = run.bottleneck;
  *feat = run.features;
}

PlTensor *
pl_perceptual_loss (PlTape   *tape,
                    PlUnet   *net,
                    guint     layers,
                    float     a,
                    float     b,
                    PlTensor *x,
                    PlTensor *y)
{
  PlTensor *fx[2], *fy[2], *loss = NULL;
  gboolean grad = pl_tape_get_grad_enabled (tape);

  g_return_val_if_fail (layers != 0, NULL);
  pl_tape_set_grad_enabled (tape, FALSE);
  features (tape, net, a, b, y, &fy[0], &fy[1]);
  pl_tape_set_grad_enabled (tape, grad);
  features (tape, net, a, b, x, &fx[0], &fx[1]);
  for (int l = 0; l < 2; l++)
    {
      double energy = 0.0;
      gsize n;
      PlTensor *term;

      if (!(layers & (1u << l)))
        continue;
      n = pl_tensor_numel (fy[l]);
      for (gsize i = 0; i < n; i++)
        energy += (double) fy[l]->data[i] * fy[l]->data[i];
      energy /= (double) n;
      /* mean squared difference over the target's mean square energy */
      term = pl_affine_scalar (tape, pl_mse (tape, fx[l], fy[l]), (float) (1.0 / MAX (energy, 1e-12)), 0.0f);
      loss = loss ? pl_add (tape, loss, term) : term;
    }
  return loss;
}
