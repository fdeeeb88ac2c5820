/* SSIM (Wang, Bovik, Sheikh & Simoncelli 2004, eq. 13) with a Gaussian
 * window, as a differentiable operator.  Local statistics are "valid"
 * separable Gaussian filterings G of a, b, a², b², ab; with
 *   A1 = 2 μa μb + C1, A2 = 2 σab + C2, B1 = μa² + μb² + C1, B2 = σa² + σb² + C2,
 *   S = A1 A2 / (B1 B2),
 * the derivative of mean S with respect to a is
 *   Gᵀ[∂S/∂μa] + 2a Gᵀ[∂S/∂(G a²)] + b Gᵀ[∂S/∂(G ab)]   (each over M)
 *   ∂S/∂μa = 2μb (A2 - A1) / (B1 B2) - 2 μa S (1/B1 - 1/B2)
 *   ∂S/∂(G a²) = -S / B2,   ∂S/∂(G ab) = 2 A1 / (B1 B2).
 */
#define G_LOG_DOMAIN "pl-loss"

#include "engine/ops/loss.h"
#include "engine/data/metrics.h"
#include "engine/ops/op-private.h"

#include <math.h>
#include <string.h>

#define WIN 11
#define SIGMA 1.5

static void
gauss_window (double g[WIN])
{
  double s = 0.0, t[WIN];
  for (int i = 0; i < WIN; i++)
    {
      double d = i - WIN / 2;
      t[i] = exp (-d * d / (2.0 * SIGMA * SIGMA));
      s += t[i];
    }
  for (int i = 0; i < WIN; i++)
    g[i] = t[i] / s;
}

/* out (h-10, w-10) = valid separable filtering of in (h, w); tmp: h × (w-10) */
static void
filter_valid (const double *in, int h, int w, const double g[WIN], double *tmp, double *out)
{
  int ow = w - WIN + 1, oh = h - WIN + 1;
  for (int i = 0; i < h; i++)
    for (int j = 0; j < ow; j++)
      {
        double s = 0.0;
        for (int k = 0; k < WIN; k++)
          s += g[k] * in[(gsize) i * w + j + k];
        tmp[(gsize) i * ow + j] = s;
      }
  for (int i = 0; i < oh; i++)
    for (int j = 0; j < ow; j++)
      {
        double s = 0.0;
        for (int k = 0; k < WIN; k++)
          s += g[k] * tmp[(gsize) (i + k) * ow + j];
        out[(gsize) i * ow + j] = s;
      }
}

/* out (h, w) = Gᵀ in (h-10, w-10): the adjoint of filter_valid; tmp: h × (w-10) */
static void
filter_adjoint (const double *in, int h, int w, const double g[WIN], double *tmp, double *out)
{
  int ow = w - WIN + 1, oh = h - WIN + 1;
  memset (tmp, 0, sizeof (double) * h * ow);
  for (int i = 0; i < oh; i++)
    for (int k = 0; k < WIN; k++)
      for (int j = 0; j < ow; j++)
        tmp[(gsize) (i + k) * ow + j] += g[k] * in[(gsize) i * ow + j];
  memset (out, 0, sizeof (double) * h * w);
  for (int i = 0; i < h; i++)
    for (int j = 0; j < ow; j++)
      for (int k = 0; k < WIN; k++)
        out[(gsize) i * w + j + k] += g[k] * tmp[(gsize) i * ow + j];
}

typedef struct
{
  float c1, c2;
} SsimSaved;

/* Mean SSIM of one plane; when da is not NULL, adds dscale · ∂/∂a into it.
 * In double: σ² = G(a²) − μ² cancels badly in float on flat regions. */
static double
ssim_plane (const float *a, const float *b, int h, int w, float c1, float c2,
            double *scratch, float *da, float dscale)
{
  double g[WIN];
  int oh = h - WIN + 1, ow = w - WIN + 1;
  gsize m = (gsize) oh * ow, hw = (gsize) h * w;
  double *tmp = scratch, *prod = tmp + (gsize) h * ow;
  double *mua = prod + hw, *mub = mua + m, *saa = mub + m, *sbb = saa + m, *sab = sbb + m;
  double total = 0.0;

  gauss_window (g);
  for (gsize i = 0; i < hw; i++)
    prod[i] = a[i];
  filter_valid (prod, h, w, g, tmp, mua);
  for (gsize i = 0; i < hw; i++)
    prod[i] = b[i];
  filter_valid (prod, h, w, g, tmp, mub);
  for (gsize i = 0; i < hw; i++)
    prod[i] = (double) a[i] * a[i];
  filter_valid (prod, h, w, g, tmp, saa);
  for (gsize i = 0; i < hw; i++)
    prod[i] = (double) b[i] * b[i];
  filter_valid (prod, h, w, g, tmp, sbb);
  for (gsize i = 0; i < hw; i++)
    prod[i] = (double) a[i] * b[i];
  filter_valid (prod, h, w, g, tmp, sab);

  for (gsize i = 0; i < m; i++)
    {
      double ma = mua[i], mb = mub[i];
      double va = saa[i] - ma * ma, vb = sbb[i] - mb * mb, cab = sab[i] - ma * mb;
      double A1 = 2 * ma * mb + c1, A2 = 2 * cab + c2;
      double B1 = ma * ma + mb * mb + c1, B2 = va + vb + c2;
      double s = A1 * A2 / (B1 * B2);
      total += s;
      if (da)
        {
          /* Reuse the maps for the three partial derivatives (over M). */
          double inv = dscale / (double) m;
          mua[i] = inv * (2 * mb * (A2 - A1) / (B1 * B2) - 2 * ma * s * (1 / B1 - 1 / B2));
          saa[i] = inv * (-s / B2);
          sab[i] = inv * (2 * A1 / (B1 * B2));
        }
    }
  if (da)
    {
      filter_adjoint (mua, h, w, g, tmp, prod);
      for (gsize i = 0; i < hw; i++)
        da[i] += (float) prod[i];
      filter_adjoint (saa, h, w, g, tmp, prod);
      for (gsize i = 0; i < hw; i++)
        da[i] += (float) (2.0 * a[i] * prod[i]);
      filter_adjoint (sab, h, w, g, tmp, prod);
      for (gsize i = 0; i < hw; i++)
        da[i] += (float) (b[i] * prod[i]);
    }
  return total / (double) m;
}

/* In floats, for doubles. */
static gsize
ssim_scratch_floats (int h, int w)
{
  gsize m = (gsize) (h - WIN + 1) * (w - WIN + 1);
  return 2 * ((gsize) h * (w - WIN + 1) + (gsize) h * w + 5 * m);
}

PlTensor *
pl_ssim (PlTape *tape, PlTensor *a, PlTensor *b, float data_range)
{
  gsize planes = (gsize) a->n * a->c, hw = pl_tensor_plane (a);
  float c1 = (0.01f * data_range) * (0.01f * data_range);
  float c2 = (0.03f * data_range) * (0.03f * data_range);
  double total = 0.0;
  PlTensor *y;
  PlNode *node;
  double *scratch;

  g_return_val_if_fail (pl_tensor_same_shape (a, b), NULL);
  g_return_val_if_fail (a->h >= WIN && a->w >= WIN, NULL);
  y = pl_tape_tensor (tape, 1, 1, 1, 1);
  node = pl_tape_record (tape, PL_OP_SSIM, y, 2, (PlTensor *[]) { a, b });
  if (node)
    {
      SsimSaved *s = pl_tape_alloc (tape, sizeof (SsimSaved));
      *s = (SsimSaved) { c1, c2 };
      node->saved = s;
    }
  scratch = (double *) pl_tape_scratch (tape, ssim_scratch_floats (a->h, a->w));
  for (gsize p = 0; p < planes; p++)
    total += ssim_plane (a->data + p * hw, b->data + p * hw, a->h, a->w, c1, c2,
                         scratch, NULL, 0.0f);
  pl_tape_scratch_done (tape);
  y->data[0] = (float) (total / planes);
  return y;
}

void
pl_ssim_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *a = node->in[0], *b = node->in[1];
  const SsimSaved *s = node->saved;
  float *da = pl_tape_grad (tape, a), *db = pl_tape_grad (tape, b);
  gsize planes = (gsize) a->n * a->c, hw = pl_tensor_plane (a);
  float scale = node->out->grad[0] / (float) planes;
  double *scratch = (double *) pl_tape_scratch (tape, ssim_scratch_floats (a->h, a->w));

  /* SSIM is symmetric in a and b, so ∂/∂b is ∂/∂a with the roles swapped. */
  for (gsize p = 0; p < planes; p++)
    {
      if (da)
        ssim_plane (a->data + p * hw, b->data + p * hw, a->h, a->w, s->c1, s->c2,
                    scratch, da + p * hw, scale);
      if (db)
        ssim_plane (b->data + p * hw, a->data + p * hw, a->h, a->w, s->c1, s->c2,
                    scratch, db + p * hw, scale);
    }
}

double
pl_ssim_value (const float *a, const float *b, int n_planes, int h, int w, float data_range)
{
  float c1 = (0.01f * data_range) * (0.01f * data_range);
  float c2 = (0.03f * data_range) * (0.03f * data_range);
  double *scratch = (double *) g_new (float, ssim_scratch_floats (h, w));
  double total = 0.0;

  for (int p = 0; p < n_planes; p++)
    total += ssim_plane (a + (gsize) p * h * w, b + (gsize) p * h * w, h, w, c1, c2,
                         scratch, NULL, 0.0f);
  g_free (scratch);
  return total / n_planes;
}
