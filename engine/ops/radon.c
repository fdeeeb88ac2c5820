/* Parallel-beam Radon transform and its exact adjoint, as a tape operator.
 *
 * Geometry (pixel units): the image (H, W) is centred at ((W−1)/2, (H−1)/2);
 * projection a is at angle θ_a = a π / n_angles (0 ≤ θ < π, as
 * skimage.transform.radon's theta = linspace (0, 180, n, endpoint=False));
 * detector d sits at s_d = d − (D−1)/2 along (cos θ, sin θ) in (x, y); the
 * ray through it is sampled at t = k − (T−1)/2, k < T = max (H, W)·√2 rounded
 * up, plus one, made even (so t is a half-integer), with unit step, along
 * (−sin θ, cos θ), each sample the bilinear value of the image (0 outside).
 * So a projection is a line sum with the unit of skimage's (a rotated image
 * summed along columns).
 *
 * The forward is a linear map A; the backward applies exactly its transpose
 * (the same samples scattered back with the same bilinear weights), so
 * ⟨A x, y⟩ = ⟨x, Aᵀ y⟩ holds to rounding and A is usable both in a loss
 * and for back projection (FBP, ct.h).  Angles run in parallel for the
 * forward; the adjoint accumulates 4 fixed groups of angles into separate
 * images added in order, so results do not depend on the thread count. */
#define G_LOG_DOMAIN "pl-radon"

#include "engine/ops/ops.h"
#include "engine/ops/op-private.h"
#include "engine/kernels/conv-private.h"
#include "engine/core/fft.h"

#include <math.h>
#include <string.h>

#define ADJ_GROUPS 4

int
pl_radon_ray_samples (int h, int w)
{
  int T = (int) ceil (MAX (h, w) * G_SQRT2) + 1;
  /* even, so the samples sit at half-integer t whatever the image's size:
   * an image and the same image zero-padded (centred, by an even number of
   * pixels) then have the same line sums (pl_ct_geometry) */
  return T + (T & 1);
}

typedef struct
{
  int          h, w, n_angles, n_det, T;
  const float *img;     /* h × w */
  float       *sino;    /* n_angles × n_det */
  float       *acc[ADJ_GROUPS];
  gboolean     adjoint;
} RadonJob;

/* Visits the bilinear taps of every sample of every ray of angles
 * [a0, a1): forward gathers into sino, adjoint scatters sino into img_out. */
static void
radon_angles (const RadonJob *j, int a0, int a1, float *img_out)
{
  double cx = (j->w - 1) * 0.5, cy = (j->h - 1) * 0.5;

  for (int a = a0; a < a1; a++)
    {
      double th = G_PI * a / j->n_angles;
      double c = cos (th), s = sin (th);
      float *row = j->sino + (gsize) a * j->n_det;
      for (int d = 0; d < j->n_det; d++)
        {
          double sd = d - (j->n_det - 1) * 0.5;
          double x0 = cx + sd * c, y0 = cy + sd * s;
          float g = j->adjoint ? row[d] : 0.0f;
          double acc = 0.0;
          if (j->adjoint && g == 0.0f)
            continue;
          for (int k = 0; k < j->T; k++)
            {
              double t = k - (j->T - 1) * 0.5;
              double x = x0 - t * s, y = y0 + t * c;
              double fx = floor (x), fy = floor (y);
              int ix = (int) fx, iy = (int) fy;
              float ax, ay;
              if (ix < -1 || iy < -1 || ix >= j->w || iy >= j->h)
                continue;
              ax = (float) (x - fx);
              ay = (float) (y - fy);
              {
                float wt[4] = { (1 - ax) * (1 - ay), ax * (1 - ay), (1 - ax) * ay, ax * ay };
                int px[4] = { ix, ix + 1, ix, ix + 1 }, py[4] = { iy, iy, iy + 1, iy + 1 };
                for (int q = 0; q < 4; q++)
                  {
                    if (px[q] < 0 || py[q] < 0 || px[q] >= j->w || py[q] >= j->h)
                      continue;
                    if (j->adjoint)
                      img_out[(gsize) py[q] * j->w + px[q]] += wt[q] * g;
                    else
                      acc += wt[q] * j->img[(gsize) py[q] * j->w + px[q]];
                  }
              }
            }
          if (!j->adjoint)
            row[d] = (float) acc;
        }
    }
}

static void
forward_part (int part, int n_parts, gpointer data)
{
  const RadonJob *j = data;
  radon_angles (j, j->n_angles * part / n_parts, j->n_angles * (part + 1) / n_parts, NULL);
}

static void
adjoint_part (int part, int n_parts, gpointer data)
{
  const RadonJob *j = data;
  memset (j->acc[part], 0, (gsize) j->h * j->w * sizeof (float));
  radon_angles (j, j->n_angles * part / n_parts, j->n_angles * (part + 1) / n_parts, j->acc[part]);
}

void
pl_radon_forward_image (const float *img, int h, int w, int n_angles, int n_det, float *sino)
{
  RadonJob j = { h, w, n_angles, n_det, pl_radon_ray_samples (h, w), img, sino, { NULL }, FALSE };
  pl_conv_parallel (MIN (n_angles, PL_CONV_MAX_PARTS), pl_conv_threads (), forward_part, &j);
}

void
pl_radon_adjoint_image (const float *sino, int h, int w, int n_angles, int n_det, float *img)
{
  RadonJob j = { h, w, n_angles, n_det, pl_radon_ray_samples (h, w), NULL, (float *) sino, { NULL }, TRUE };
  int groups = MIN (ADJ_GROUPS, n_angles);
  g_autofree float *buf = g_new (float, (gsize) groups * h * w);

  for (int g = 0; g < groups; g++)
    j.acc[g] = buf + (gsize) g * h * w;
  pl_conv_parallel (groups, pl_conv_threads (), adjoint_part, &j);
  for (int g = 0; g < groups; g++)
    for (gsize i = 0; i < (gsize) h * w; i++)
      img[i] += j.acc[g][i];
}

/* x: (N, 1, H, W) → (N, 1, n_angles, n_det) */
PlTensor *
pl_radon (PlTape *tape, PlTensor *x, int n_angles, int n_det)
{
  PlTensor *y;
  PlNode *node;

  g_return_val_if_fail (x->c == 1 && n_angles >= 1 && n_det >= 1, NULL);
  y = pl_tape_tensor (tape, x->n, 1, n_angles, n_det);
  for (int n = 0; n < x->n; n++)
    pl_radon_forward_image (x->data + (gsize) n * x->h * x->w, x->h, x->w, n_angles, n_det,
                            y->data + (gsize) n * n_angles * n_det);
  node = pl_tape_record (tape, PL_OP_RADON, y, 1, &x);
  (void) node;
  return y;
}

void
pl_radon_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *x = node->in[0], *y = node->out;
  float *dx = pl_tape_grad (tape, x);

  if (!dx)
    return;
  for (int n = 0; n < x->n; n++)
    pl_radon_adjoint_image (y->grad + (gsize) n * y->h * y->w, x->h, x->w, y->h, y->w,
                            dx + (gsize) n * x->h * x->w);
}

PlTensor *
pl_row_filter (PlTape *tape, PlTensor *x, const double *response, int P)
{
  PlTensor *y;
  PlNode *node;

  g_return_val_if_fail (response && P >= 2 * x->w && (P & (P - 1)) == 0, NULL);
  y = pl_tape_tensor (tape, x->n, x->c, x->h, x->w);
  pl_filter_rows (x->data, y->data, x->n * x->c * x->h, x->w, response, P);
  node = pl_tape_record (tape, PL_OP_ROW_FILTER, y, 1, &x);
  if (node)
    {
      node->saved = (void *) response;
      node->iarg[0] = P;
    }
  return y;
}

void
pl_row_filter_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *x = node->in[0], *y = node->out;
  float *dx = pl_tape_grad (tape, x);
  gsize n = pl_tensor_numel (y);
  float *g;

  if (!dx)
    return;
  g = pl_tape_scratch (tape, n);
  pl_filter_rows (y->grad, g, y->n * y->c * y->h, y->w, node->saved, node->iarg[0]);
  for (gsize i = 0; i < n; i++)
    dx[i] += g[i];
  pl_tape_scratch_done (tape);
}
