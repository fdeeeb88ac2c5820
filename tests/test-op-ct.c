/* The CT operators: the Radon transform (adjoint identity, finite
 * differences, line sums of a disc), smoothed total variation (finite
 * differences, values), and filtered back projection of a phantom. */
#include <glib.h>
#include <math.h>

#include "test-op-common.h"
#include "engine/core/fft.h"
#include "engine/core/gemm.h"
#include "engine/restore/ct.h"
#include "engine/data/dataset.h"
#include "tests/test-sanitizer.h"

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

/* DIP + TV on a 24 × 24 disc from 12 noisy projections: a few iterations,
 * the loss falls and the result records its stop; the fit against the
 * measurements improves on the first iterate. */
typedef struct
{
  double first, last;
  int    n;
} Losses;

/* A real, even response on P points: the DFT of a symmetric kernel. */
static void
even_response (int P, double *H)
{
  for (int k = 0; k < P; k++)
    {
      double f = (k <= P / 2 ? k : k - P) / (double) P;
      H[k] = 0.3 + fabs (f) + 0.2 * cos (6.0 * G_PI * f);
    }
}

static double row_response[64];

static PlTensor *
build_row_filter (PlTape *t, PlTensor **in, gpointer ud)
{
  return pl_row_filter (t, in[0], row_response, 64);
}

/* The row filter equals the direct circular convolution of the zero-padded
 * row, cut back; it is its own adjoint (⟨F x, y⟩ = ⟨x, F y⟩); its tape
 * backward matches finite differences. */
static void
test_row_filter (void)
{
  const int rows = 5, n = 29, P = 64;
  const int shapes[][4] = { { 1, 2, 3, 21 } };
  g_autofree float *x = g_new (float, rows * n), *y = g_new (float, rows * n);
  g_autofree float *fx = g_new (float, rows * n), *fy = g_new (float, rows * n);
  double kern[64], l = 0.0, r = 0.0, worst = 0.0;
  GcInputs g;

  even_response (P, row_response);
  /* the kernel: inverse DFT of the response (real, even) */
  for (int m = 0; m < P; m++)
    {
      kern[m] = 0.0;
      for (int k = 0; k < P; k++)
        kern[m] += row_response[k] * cos (2.0 * G_PI * k * m / P);
      kern[m] /= P;
    }
  for (int i = 0; i < rows * n; i++)
    {
      x[i] = pl_rng_range (&fill_rng, -1.0f, 1.0f);
      y[i] = pl_rng_range (&fill_rng, -1.0f, 1.0f);
    }
  pl_filter_rows (x, fx, rows, n, row_response, P);
  pl_filter_rows (y, fy, rows, n, row_response, P);
  for (int row = 0; row < rows; row++)
    for (int d = 0; d < n; d++)
      {
        double direct = 0.0;
        for (int e = 0; e < n; e++)
          direct += kern[((d - e) % P + P) % P] * x[row * n + e];
        worst = MAX (worst, fabs (direct - fx[row * n + d]));
      }
  g_test_message ("row filter against the direct convolution: worst %.3g", worst);
  g_assert_cmpfloat (worst, <, 1e-5);
  for (int i = 0; i < rows * n; i++)
    {
      l += (double) fx[i] * y[i];
      r += (double) x[i] * fy[i];
    }
  g_assert_cmpfloat (fabs (l - r), <=, 1e-5 * fabs (l));

  gc_inputs_init (&g, 1, shapes);
  gc_fill (&g, 0, &fill_rng, -1.0f, 1.0f, 0.0f);
  g_assert_cmpfloat (gc_check ("row_filter", &g, build_row_filter, NULL, 1e-2f, 200), <, 1e-3);
  gc_inputs_clear (&g);
}

static void
on_ct_step (const PlDipStep *s, gpointer data)
{
  Losses *l = data;
  if (s->iteration == 1)
    l->first = s->loss;
  l->last = s->loss;
  l->n++;
}

static void
test_ct_dip_tv (void)
{
  const int n = 24, na = 12;
  g_autoptr (PlTape) tape = pl_tape_new (1 << 20);
  PlTensor *x = disc (tape, n, 8.0);
  g_autofree float *y = g_new (float, na * n);
  g_autoptr (PlDipResult) r = NULL;
  g_autoptr (GError) error = NULL;
  PlCtDipSettings s;
  Losses l = { 0 };

  pl_ct_measure (x->data, n, n, na, n, 0.01, 2, y);
  pl_ct_dip_settings_init (&s);
  g_assert_cmpfloat (s.dip.lr, ==, 1e-3f);
  s.dip.lr = 0.01f;
  /* (fewer under the sanitizers, where an iteration of the full network
   * takes a second: a warm start of 4 and 4 on the sinogram) */
  s.dip.max_iterations = TEST_SIZE (15, 8);
  s.dip.es_window = 4;
  s.dip.es_patience = 20;
  r = pl_ct_dip_tv (y, na, n, n, n, x->data, &s, on_ct_step, &l, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (l.n, ==, s.dip.max_iterations);
  g_assert_cmpint (r->h, ==, n);
  g_assert_cmpint (r->stop, ==, PL_DIP_STOP_MAX_ITERATIONS);
  g_assert_cmpint (r->chosen_iteration, >=, 4);
  g_test_message ("loss %.4g → %.4g, PSNR of the chosen iterate %.2f", l.first, l.last, r->psnr);
  g_assert_cmpfloat (l.last, <, l.first);
  g_assert_true (isfinite (r->psnr));
  s.gamma = -1;
  g_assert_null (pl_ct_dip_tv (y, na, n, n, n, NULL, &s, NULL, NULL, NULL, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID);
  g_clear_error (&error);
  s.gamma = 1e-3;
  s.data_term = (PlCtDataTerm) 7;
  g_assert_null (pl_ct_dip_tv (y, na, n, n, n, NULL, &s, NULL, NULL, NULL, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID);
}

/* The reconstruction grid of pl_ct_geometry: centred in the square, and A
 * on it equals A on the square (the same sinogram to rounding) for odd and
 * even differences of size. */
static void
test_ct_geometry (void)
{
  const int sizes[][2] = { { 11, 17 }, { 12, 17 }, { 20, 9 } };
  PlCtGeometry g;

  g_assert_false (pl_ct_geometry (0, 5, &g));
  g_assert_false (pl_ct_geometry (9000, 5, &g));
  for (guint k = 0; k < G_N_ELEMENTS (sizes); k++)
    {
      int h = sizes[k][0], w = sizes[k][1], na = 9;
      g_autofree float *sl = NULL, *sq = NULL, *dom = NULL, *y1 = NULL, *y2 = NULL;
      double worst = 0.0, mag = 0.0;

      g_assert_true (pl_ct_geometry (h, w, &g));
      g_assert_cmpint (g.n, ==, (int) ceil (MAX (h, w) * G_SQRT2));
      g_assert_cmpint ((g.n - g.dh) % 2, ==, 0);
      g_assert_cmpint ((g.n - g.dw) % 2, ==, 0);
      g_assert_cmpint (g.dh - h, <=, 1);
      g_assert_cmpint (g.dw - w, <=, 1);
      g_assert_cmpint (g.oy - g.doy, >=, 0);
      g_assert_cmpint (g.ox - g.dox, >=, 0);
      sl = g_new (float, h * w);
      for (int i = 0; i < h * w; i++)
        sl[i] = pl_rng_range (&fill_rng, 0.0f, 1.0f);
      sq = g_new0 (float, g.n * g.n);
      dom = g_new0 (float, g.dh * g.dw);
      pl_window_extract_f32 (sl, h, w, -g.oy, -g.ox, g.n, g.n, 0.0f, sq);
      pl_window_extract_f32 (sl, h, w, g.doy - g.oy, g.dox - g.ox, g.dh, g.dw, 0.0f, dom);
      y1 = g_new (float, na * g.n);
      y2 = g_new (float, na * g.n);
      pl_radon_forward_image (sq, g.n, g.n, na, g.n, y1);
      pl_radon_forward_image (dom, g.dh, g.dw, na, g.n, y2);
      for (int i = 0; i < na * g.n; i++)
        {
          worst = MAX (worst, fabs (y1[i] - y2[i]));
          mag = MAX (mag, fabs (y1[i]));
        }
      g_test_message ("%d × %d in %d: worst difference %.3g of %.3g", h, w, g.n, worst, mag);
      g_assert_cmpfloat (worst, <=, 1e-4 * mag);
    }
}

/* Deep image prior + TV with the ramp-weighted data term on a grid smaller
 * than the square: the weighted loss falls and the iterate is finite. */
static void
test_ct_dip_tv_ramp (void)
{
  const int h = 15, w = 16, na = 12;
  PlCtGeometry geo;
  g_autoptr (PlTape) tape = pl_tape_new (1 << 20);
  g_autofree float *sq = NULL, *y = NULL;
  g_autoptr (PlDipResult) r = NULL;
  g_autoptr (GError) error = NULL;
  PlTensor *x = disc (tape, 16, 5.0);
  PlCtDipSettings s;
  Losses l = { 0 };

  g_assert_true (pl_ct_geometry (h, w, &geo));
  sq = g_new0 (float, geo.n * geo.n);
  pl_window_extract_f32 (x->data, 16, 16, -geo.oy, -geo.ox, geo.n, geo.n, 0.0f, sq);
  y = g_new (float, na * geo.n);
  pl_ct_measure (sq, geo.n, geo.n, na, geo.n, 0.01, 3, y);
  pl_ct_dip_settings_init (&s);
  s.data_term = PL_CT_DATA_RAMP;
  s.dip.lr = 0.01f;
  s.dip.max_iterations = TEST_SIZE (15, 8);
  s.dip.es_window = 4;
  r = pl_ct_dip_tv (y, na, geo.n, geo.dh, geo.dw, NULL, &s, on_ct_step, &l, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r->h, ==, geo.dh);
  g_assert_cmpint (r->w, ==, geo.dw);
  g_test_message ("ramp-weighted loss %.4g → %.4g", l.first, l.last);
  g_assert_cmpfloat (l.last, <, l.first);
  for (int i = 0; i < geo.dh * geo.dw; i++)
    g_assert_true (isfinite (r->output[i]));
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
  g_test_add_func ("/op/ct/row-filter", test_row_filter);
  g_test_add_func ("/op/ct/tv-grad", test_tv_grad);
  g_test_add_func ("/op/ct/tv-values", test_tv_values);
  g_test_add_func ("/op/ct/dip-tv", test_ct_dip_tv);
  g_test_add_func ("/op/ct/geometry", test_ct_geometry);
  g_test_add_func ("/op/ct/dip-tv-ramp", test_ct_dip_tv_ramp);
  return g_test_run ();
}
