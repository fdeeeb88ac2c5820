/* MC dropout's whole-volume path: the fused, threaded sums and in-place
 * dropout against their plain forms, and the border outside the trained
 * crop. */
#include <math.h>
#include <string.h>

#include "engine/core/gemm.h"
#include "engine/core/rng.h"
#include "engine/nn/infer.h"
#include "engine/ops/ops.h"
#include "engine/ops/tape.h"
#include "engine/uncertainty/estimate.h"
#include "engine/uncertainty/maps.h"
#include "tests/uncertainty-fixtures.h"

/* The fused accumulation of logits gives the sums of their softmax
 * (pl_softmax's own floats) bit for bit, on one thread or split over two;
 * in-place dropout of inference draws and applies the mask of the copying
 * one.  N is large enough for the points to be split. */
static void
test_maps_fused_threads (void)
{
  enum { T = 3, K = 4, N = 5003 };
  g_autoptr (PlTape) tape = pl_tape_new ((gsize) 8 << 20);
  g_autofree float *z = g_new (float, (gsize) T * K * N);
  float *out[3];
  PlRng rng;

  pl_tape_set_grad_enabled (tape, FALSE);
  pl_rng_init (&rng, 11);
  for (gsize i = 0; i < (gsize) T * K * N; i++)
    z[i] = 4.0f * pl_rng_normal (&rng);
  for (int run = 0; run < 3; run++)
    {
      g_autoptr (PlUncertaintyAccum) acc = pl_uncertainty_accum_new (K, N);
      float *maps[PL_UMAP_N];
      out[run] = g_new0 (float, (gsize) (2 * K + PL_UMAP_N) * N);
      for (int m = 0; m < PL_UMAP_N; m++)
        maps[m] = m == PL_UMAP_LOGIT_VARIANCE ? NULL : out[run] + (gsize) (2 * K + m) * N;
      pl_engine_set_threads (run == 1 ? 1 : 2);
      for (int t = 0; t < T; t++)
        {
          const float *zt = z + (gsize) t * K * N;
          if (run < 2)
            pl_uncertainty_accum_add_logits (acc, zt, N);
          else
            {
              PlTensor *x = pl_tape_wrap (tape, 1, K, 1, N, (float *) zt, FALSE);
              pl_uncertainty_accum_add (acc, pl_softmax (tape, x)->data, N);
              pl_tape_reset (tape);
            }
        }
      pl_uncertainty_accum_finish (acc, out[run], out[run] + (gsize) K * N, maps);
    }
  pl_engine_set_threads (2);
  g_assert_cmpmem (out[0], (2 * K + PL_UMAP_N) * N * sizeof (float),
                   out[1], (2 * K + PL_UMAP_N) * N * sizeof (float));
  g_assert_cmpmem (out[0], (2 * K + PL_UMAP_N) * N * sizeof (float),
                   out[2], (2 * K + PL_UMAP_N) * N * sizeof (float));
  g_assert_cmpfloat (out[0][(gsize) (2 * K + PL_UMAP_MUTUAL_INFO) * N], >, 0.0f);
  for (int run = 0; run < 3; run++)
    g_free (out[run]);

  /* dropout: (3, 40, 1, 700) planes, p = 0.3 */
  {
    PlRng r1, r2;
    PlTensor *a = pl_tape_tensor (tape, 3, 40, 1, 700), *b, *ya, *yb;
    gsize nz = 0;
    for (gsize i = 0; i < pl_tensor_numel (a); i++)
      a->data[i] = (float) pl_rng_normal (&rng);
    b = pl_tape_tensor (tape, 3, 40, 1, 700);
    memcpy (b->data, a->data, pl_tensor_numel (a) * sizeof (float));
    pl_rng_init (&r1, 5);
    pl_rng_init (&r2, 5);
    ya = pl_dropout_channels (tape, a, 0.3f, &r1);
    yb = pl_dropout_channels_inplace (tape, b, 0.3f, &r2);
    g_assert_true (yb == b && ya != a);
    g_assert_cmpmem (ya->data, pl_tensor_numel (a) * sizeof (float),
                     yb->data, pl_tensor_numel (b) * sizeof (float));
    for (gsize i = 0; i < pl_tensor_numel (b); i++)
      nz += b->data[i] == 0.0f;
    g_assert_cmpuint (nz, >, 0);
    g_assert_cmpuint (nz, <, pl_tensor_numel (b));
    g_assert_cmpfloat (pl_rng_uniform (&r1), ==, pl_rng_uniform (&r2));
  }
}

/* The border: a slice whose size is the network's multiple has none, and
 * MC dropout's fused, threaded sums equal a plain loop over the passes
 * (pl_softmax, sums in double); a slice with a border column takes the
 * crop's nearest column (PL_BORDER_NEAREST) or a padded window's
 * prediction (PL_BORDER_WINDOW), the crop itself the same in both; every
 * result is the same for the same seed. */
static void
test_estimate_border (void)
{
  enum { T = 5, K = 3 };
  gint64 dim[3] = { 20, 24, 3 };
  g_autoptr (PlVolume) v = pl_volume_new (dim, NULL, NULL);
  g_autoptr (PlVolume) ph = phantom ();
  g_autoptr (PlModel) m = tiny_model (9);
  g_autoptr (PlUncertaintyResult) r = NULL, r2 = NULL, r3 = NULL, sn = NULL, sw = NULL;
  g_autoptr (PlTape) tape = pl_tape_new ((gsize) 16 << 20);
  gsize n, plane = 20 * 24;
  double worst = 0.0;
  PlRng rng;

  for (gsize i = 0; i < pl_volume_n_voxels (v); i++)
    v->data[i] = ph->data[i + i / 20];   /* the phantom's first 20 columns */
  pl_volume_update_stats (v);
  n = pl_volume_n_voxels (v);
  m->border = PL_BORDER_WINDOW;
  r = estimate (PL_ESTIMATOR_MC, T, 4, &m, 1, v);
  m->border = PL_BORDER_NEAREST;
  r2 = estimate (PL_ESTIMATOR_MC, T, 4, &m, 1, v);
  g_assert_true (same_maps (r, r2));
  /* by hand: all 3 slices are one batch of 2 and one of 1 (estimate's batch 2) */
  pl_tape_set_grad_enabled (tape, FALSE);
  pl_rng_init (&rng, 4);
  for (int first = 0; first < 3; first += 2)
    {
      int nb = MIN (2, 3 - first);
      g_autofree double *s1 = g_new0 (double, (gsize) nb * K * plane);
      g_autofree double *sh = g_new0 (double, (gsize) nb * plane);
      PlTensor *x;
      PlUnetEncoded *enc;
      pl_tape_reset (tape);
      /* axial slices of an (i, j, k) volume are (i, j): row i, column j */
      x = pl_tape_tensor (tape, nb, 1, 20, 24);
      for (int b = 0; b < nb; b++)
        for (gsize q = 0; q < plane; q++)
          x->data[b * plane + q] = v->data[(gsize) (first + b) * plane + q % 24 * 20 + q / 24]
                                   * (float) (1.0 / 100.0);
      enc = pl_unet_encode (m->unet, tape, x);
      for (int t = 0; t < T; t++)
        {
          PlTensor *p = pl_softmax (tape, pl_unet_decode (m->unet, tape, enc, &rng));
          for (int b = 0; b < nb; b++)
            for (gsize q = 0; q < plane; q++)
              for (int c = 0; c < K; c++)
                {
                  double pc = p->data[((gsize) b * K + c) * plane + q];
                  s1[((gsize) b * K + c) * plane + q] += pc / T;
                  if (pc > 0.0)
                    sh[(gsize) b * plane + q] -= pc * log (pc) / T;
                }
        }
      for (int b = 0; b < nb; b++)
        for (gsize q = 0; q < plane; q++)
          {
            gsize vox = (gsize) (first + b) * plane + q % 24 * 20 + q / 24;
            double h = 0.0;
            for (int c = 0; c < K; c++)
              {
                double mc = s1[((gsize) b * K + c) * plane + q];
                worst = fmax (worst, fabs (r->mean[c * n + vox] - mc));
                if (mc > 0.0)
                  h -= mc * log (mc);
              }
            worst = fmax (worst, fabs (r->maps[PL_UMAP_ENTROPY][vox] - h));
            worst = fmax (worst, fabs (r->maps[PL_UMAP_EXPECTED_ENTROPY][vox] - sh[(gsize) b * plane + q]));
          }
    }
  g_test_message ("fused MC sums vs a plain loop: %.2g", worst);
  g_assert_cmpfloat (worst, <, 1e-6);

  /* the phantom: 21 columns, crop 20, the border column x = 20 */
  m->border = PL_BORDER_NEAREST;
  sn = estimate (PL_ESTIMATOR_SOFTMAX, 0, 0, &m, 1, ph);
  r3 = estimate (PL_ESTIMATOR_MC, T, 4, &m, 1, ph);
  g_clear_pointer (&r2, pl_uncertainty_result_free);
  r2 = estimate (PL_ESTIMATOR_MC, T, 4, &m, 1, ph);
  g_assert_true (same_maps (r2, r3));
  g_clear_pointer (&r3, pl_uncertainty_result_free);
  r3 = estimate (PL_ESTIMATOR_MC, T, 5, &m, 1, ph);
  g_assert_false (same_maps (r2, r3));
  m->border = PL_BORDER_WINDOW;
  sw = estimate (PL_ESTIMATOR_SOFTMAX, 0, 0, &m, 1, ph);
  n = sn->n_voxels;
  {
    gboolean border_differs = FALSE;
    for (gsize i = 0; i < n; i++)
      {
        gboolean border = i % 21 == 20;
        for (int c = 0; c < K; c++)
          {
            if (!border)
              g_assert_cmpfloat (sn->mean[c * n + i], ==, sw->mean[c * n + i]);
            else
              {
                g_assert_cmpfloat (sn->mean[c * n + i], ==, sn->mean[c * n + i - 1]);
                g_assert_cmpfloat (r2->mean[c * n + i], ==, r2->mean[c * n + i - 1]);
                border_differs |= sn->mean[c * n + i] != sw->mean[c * n + i];
              }
          }
        if (border)
          for (int k = 0; k < PL_UMAP_N; k++)
            g_assert_cmpfloat (r2->maps[k][i], ==, r2->maps[k][i - 1]);
      }
    g_assert_true (border_differs);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mc-paths/fused-threads", test_maps_fused_threads);
  g_test_add_func ("/mc-paths/border", test_estimate_border);
  return g_test_run ();
}
