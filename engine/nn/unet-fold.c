/* Batch norm folded into the preceding convolutions, for LRP.
 *
 * Batch norm with the statistics of one input is an affine map per
 * channel, y = γ·(z − μ)/σ + β; after the convolution z = W·x + b it is the
 * convolution with W' = (γ/σ)·W and b' = (γ/σ)·(b − μ) + β.  LRP's rules
 * are defined for such layers (batch norm is merged into the adjacent
 * linear layer before relevance is propagated, as in Montavon et al.
 * 2019's overview), so the explainers run LRP on the folded copy: the same
 * logits for that input, the convolution rules unchanged. */
#define G_LOG_DOMAIN "pl-unet"

#include "engine/nn/unet-private.h"
#include "engine/ops/ops.h"

#include <math.h>
#include <string.h>

typedef struct
{
  PlUnet *src, *dst;
  PlTape *tape;
} Fold;

/* The batch norm of layer L after its convolution's output z: folds it into
 * dst's copy of L and returns relu (bn (z)) as the network computes it. */
static PlTensor *
fold_bn (Fold *f, Layer *L, Layer *D, PlTensor *z)
{
  int C = z->c;
  gsize hw = pl_tensor_plane (z);
  gsize kw = (gsize) L->k * L->k;
  int ca = L->split > 0 ? L->split : L->cin, cb = L->split > 0 ? L->cin - L->split : 0;

  g_assert (z->n == 1);
  for (int c = 0; c < C; c++)
    {
      const float *zp = z->data + (gsize) c * hw;
      double s = 0.0, s2 = 0.0;
      float mu, is, g;
      for (gsize k = 0; k < hw; k++)
        s += zp[k];
      mu = (float) (s / hw);
      for (gsize k = 0; k < hw; k++)
        s2 += ((double) zp[k] - mu) * ((double) zp[k] - mu);
      is = (float) (1.0 / sqrt (s2 / hw + f->src->cfg.bn_eps));
      g = L->gamma.data[c] * is;
      for (gsize k = 0; k < (gsize) ca * kw; k++)
        D->w.data[(gsize) c * ca * kw + k] = g * L->w.data[(gsize) c * ca * kw + k];
      for (gsize k = 0; k < (gsize) cb * kw; k++)
        D->w2.data[(gsize) c * cb * kw + k] = g * L->w2.data[(gsize) c * cb * kw + k];
      D->b.data[c] = g * (L->b.data[c] - mu) + L->beta.data[c];
    }
  return pl_relu (f->tape, pl_batchnorm (f->tape, z, &L->gamma, &L->beta, f->src->cfg.bn_eps), TRUE);
}

PlUnet *
pl_unet_fold_batch_norm (PlUnet *unet, PlTape *tape, const float *x, int h, int w)
{
  const PlUnetConfig *c = &unet->cfg;
  PlUnetConfig cfg = *c;
  Fold f = { unet, NULL, tape };
  PlTensor *a, *skips[PL_UNET_MAX_DEPTH];
  int D = c->depth;
  gboolean grad = pl_tape_get_grad_enabled (tape);

  g_return_val_if_fail (c->batch_norm, NULL);
  g_return_val_if_fail (c->skip_channels == 0, NULL);
  cfg.batch_norm = FALSE;
  f.dst = pl_unet_new (&cfg, 0);
  /* Every tensor of the copy has its namesake in the source, with the same
   * layout in the block (the norms are the ones it lacks). */
  for (guint i = 0, k = 0; i < pl_unet_n_tensors (f.dst); i++)
    {
      const PlUnetParam *p = pl_unet_tensor_info (f.dst, i), *q;
      while (strcmp ((q = pl_unet_tensor_info (unet, k))->name, p->name) != 0)
        k++;
      memcpy (f.dst->params + p->offset, unet->params + q->offset, p->numel * sizeof (float));
    }

  pl_tape_reset (tape);
  pl_tape_set_grad_enabled (tape, FALSE);
  a = pl_tape_wrap (tape, 1, c->in_channels, h, w, (float *) x, FALSE);
  for (int l = 0; l < D; l++)
    {
      if (l > 0)
        a = pl_maxpool2x2 (tape, a);
      for (int i = 0; i < 2; i++)
        a = fold_bn (&f, &unet->enc[l][i], &f.dst->enc[l][i],
                     pl_conv2d (tape, a, &unet->enc[l][i].w, &unet->enc[l][i].b));
      if (l == D - 1)
        a = pl_unet_attention (unet, tape, a);   /* no batch norm inside */
      skips[l] = a;
    }
  for (int j = 0; j < D - 1; j++)
    {
      int l = D - 2 - j;
      Layer *d0 = &unet->dec[j][0];
      PlTensor *up = c->upsample == PL_UPSAMPLE_CONVT
                     ? pl_convt2x2 (tape, a, &unet->up[j].w, &unet->up[j].b)
                     : pl_upsample2x (tape, a);
      PlTensor *z = c->skip ? pl_conv2d_pair (tape, up, skips[l], &d0->w, &d0->w2, &d0->b, NULL)
                            : pl_conv2d (tape, up, &d0->w, &d0->b);
      a = fold_bn (&f, d0, &f.dst->dec[j][0], z);
      a = fold_bn (&f, &unet->dec[j][1], &f.dst->dec[j][1],
                   pl_conv2d (tape, a, &unet->dec[j][1].w, &unet->dec[j][1].b));
    }
  pl_tape_reset (tape);
  pl_tape_set_grad_enabled (tape, grad);
  return f.dst;
}
