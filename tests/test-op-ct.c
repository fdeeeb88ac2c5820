/* The CT operators: the Radon transform (adjoint identity, finite
 * differences, line sums of a disc), smoothed total variation (finite
 * differences, values), and filtered back projection of a phantom. */
#include <glib.h>
#include <math.h>

#include "test-op-common.h"
#include "engine/core/gemm.h"
#include "engine/restore/ct.h"

static PlRng fill_rng;

/* ⟨A x, y⟩ = ⟨x, Aᵀ y⟩ for random x, y, in double, to 1e-5 relative; with
 * one and two threads (the adjoint's fixed groups give the same result). */
static void
test_radon_adjoint (void)
{
  const int h = 23, w = 31, na = 17, nd = 37;
  g_autofree float *x = g_new (float, h * w), *y = g_new (float, na * nd);
  g_autofree float *ax = g_new (float, na * nd), *aty = g_new0 (float, h * w);
  g_autofree float *aty1 = g_new0 (float, h * w);
  double l = 0.0, r = 0.0, mag = 0.0;

  for (int i = 0; i < h * w; i++)
    x[i] = pl_rng_range (&fill_rng, -1.0f, 1.0f);
  for (int i = 0; i < na * nd; i++)
    y[i] = pl_rng_range (&fill_rng, -1.0f, 1.0f);
  pl_radon_forward_image (x, h, w, na, nd, ax);
  pl_radon_adjoint_image (y, h, w, na, nd, aty);
  for (int i = 0; i < na * nd; i++)
    {
      l += (double) ax[i] * y[i];
      mag += fabs ((double) ax[i] * y[i]);
    }
  for (int i = 0; i < h * w; i++)
    r += (double) x[i] * aty[i];
  g_test_message ("<Ax,y> = %.9g  <x,A'y> = %.9g  (sum of |terms| %.3g)", l, r, mag);
  g_assert_cmpfloat (fabs (l - r), <=, 1e-5 * fabs (l));
  g_assert_cmpfloat (fabs (l - r), <=, 1e-6 * mag);

  pl_engine_set_threads (1);
  pl_radon_adjoint_image (y, h, w, na, nd, aty1);
  pl_engine_set_threads (2);
  g_assert_cmpmem (aty, h * w * sizeof (float), aty1, h * w * sizeof (float));
}

static PlTensor *
build_radon (PlTape *t, PlTensor **in, gpointer ud)
{
  return pl_radon (t, in[0], 5, 13);
}

static PlTensor *
build_crop (PlTape *t, PlTensor **in, gpointer ud)
{
  return pl_crop (t, in[0], 1, 2, 4, 3);
}

static void
test_crop_grad (void)
{
  const int shapes[][4] = { { 2, 3, 6, 7 } };
  GcInputs g;

  gc_inputs_init (&g, 1, shapes);
  gc_fill (&g, 0, &fill_rng, -1.0f, 1.0f, 0.0f);
  g_assert_cmpfloat (gc_check ("crop", &g, build_crop, NULL, 1e-2f, 200), <, 1e-3);
  gc_inputs_clear (&g);
}

static PlTensor *
build_tv (PlTape *t, PlTensor **in, gpointer ud)
{
  return pl_tv (t, in[0], 0.05f);
}

static void
test_radon_grad (void)
{
  const int shapes[][4] = { { 2, 1, 7, 9 } };
  GcInputs g;

  gc_inputs_init (&g, 1, shapes);
  gc_fill (&g, 0, &fill_rng, -1.0f, 1.0f, 0.0f);
  g_assert_cmpfloat (gc_check ("radon", &g, build_radon, NULL, 1e-2f, 200), <, 1e-3);
  gc_inputs_clear (&g);
}

static void
test_tv_grad (void)
{
  const int shapes[][4] = { { 2, 2, 6, 7 } };
  GcInputs g;

  gc_inputs_init (&g, 1, shapes);
  gc_fill (&g, 0, &fill_rng, -1.0f, 1.0f, 0.0f);
  g_assert_cmpfloat (gc_check ("tv", &g, build_tv, NULL, 1e-3f, 200), <, 2e-3);
  gc_inputs_clear (&g);
}

/* TV of a step edge of height 1 across an h × w image, ε → 0: w·1 / (h·w);
 * a constant image: 0. */
static void
test_tv_values (void)
{
  g_autoptr (PlTape) tape = pl_tape_new (1 << 20);
  float img[6 * 8];
  PlTensor *tv;

  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 8; j++)
      img[i * 8 + j] = i < 3 ? 0.0f : 1.0f;
  tv = pl_tv (tape, pl_tape_input (tape, 1, 1, 6, 8, img, FALSE), 1e-4f);
  g_assert_cmpfloat (fabs (tv->data[0] - 8.0 / 48.0), <, 1e-4);
  for (int i = 0; i < 48; i++)
    img[i] = 0.7f;
  tv = pl_tv (tape, pl_tape_input (tape, 1, 1, 6, 8, img, FALSE), 1e-4f);
  g_assert_cmpfloat (fabs (tv->data[0]), <, 1e-6);
}

/* A centred disc of radius r: every projection's centre ray is a chord of
 * length 2r, a ray at offset s one of 2 √(r² − s²). */
static PlTensor *
disc (PlTape *tape, int n, double r)
{
  PlTensor *x = pl_tape_zeros (tape, 1, 1, n, n);
  double c = (n - 1) * 0.5;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++)
      x->data[i * n + j] = (i - c) * (i - c) + (j - c) * (j - c) <= r * r ? 1.0f : 0.0f;
  return x;
}

static void
test_radon_disc_and_fbp (void)
{
  const int n = 65, na = 90;
  g_autoptr (PlTape) tape = pl_tape_new (8 << 20);
  PlTensor *x = disc (tape, n, 20.0), *y = pl_radon (tape, x, na, n);
  g_autofree float *rec = g_new (float, n * n), *noisy = g_new (float, na * n);
  g_autofree float *rec_h = g_new (float, n * n);
  double err_in = 0.0, err_h = 0.0;
  int cnt = 0;

  for (int a = 0; a < na; a++)
    {
      g_assert_cmpfloat (fabs (y->data[a * n + n / 2] - 41.0), <, 2.5);
      g_assert_cmpfloat (fabs (y->data[a * n + n / 2 + 12] - 2 * sqrt (400 - 144)), <, 2.5);
      g_assert_cmpfloat (fabs (y->data[a * n + n / 2 + 25]), <, 1e-6);
    }
  /* FBP of the noiseless sinogram: inside the disc (away from its edge)
   * close to 1, outside close to 0 */
  pl_ct_fbp (y->data, na, n, PL_CT_FILTER_RAMP, n, n, rec);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++)
      {
        double rr = hypot (i - 32.0, j - 32.0);
        if (rr < 16.0)
          {
            err_in += fabs (rec[i * n + j] - 1.0);
            cnt++;
          }
        else if (rr > 24.0 && rr < 30.0)
          g_assert_cmpfloat (fabs (rec[i * n + j]), <, 0.08);
      }
  g_test_message ("FBP mean |error| inside %.4f", err_in / cnt);
  g_assert_cmpfloat (err_in / cnt, <, 0.03);
  /* with noise, Hann smooths: its error inside is below the ramp's */
  pl_ct_measure (x->data, n, n, na, n, 0.02, 1, noisy);
  pl_ct_fbp (noisy, na, n, PL_CT_FILTER_RAMP, n, n, rec);
  pl_ct_fbp (noisy, na, n, PL_CT_FILTER_HANN, n, n, rec_h);
  err_in = 0.0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++)
      if (hypot (i - 32.0, j - 32.0) < 16.0)
        {
          err_in += fabs (rec[i * n + j] - 1.0);
          err_h += fabs (rec_h[i * n + j] - 1.0);
        }
  g_test_message ("noisy: ramp %.4f  hann %.4f", err_in / cnt, err_h / cnt);
  g_assert_cmpfloat (err_h, <, err_in);
  g_assert_cmpint (pl_ct_filter_from_name ("hann"), ==, PL_CT_FILTER_HANN);
  g_assert_cmpint (pl_ct_filter_from_name ("cosine"), ==, -1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  pl_rng_init (&fill_rng, 11);
  pl_engine_set_threads (2);
  g_test_add_func ("/op/ct/radon-adjoint", test_radon_adjoint);
  g_test_add_func ("/op/ct/radon-grad", test_radon_grad);
  g_test_add_func ("/op/ct/radon-disc-fbp", test_radon_disc_and_fbp);
  g_test_add_func ("/op/ct/crop-grad", test_crop_grad);
  g_test_add_func ("/op/ct/tv-grad", test_tv_grad);
  g_test_add_func ("/op/ct/tv-values", test_tv_values);
  return g_test_run ();
}
