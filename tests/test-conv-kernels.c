/* The fast convolution kernels against the reference loops, on odd shapes. */
#include <glib.h>
#include <math.h>

#include "engine/conv-kernels.h"
#include "engine/gemm.h"

static float *
random_floats (GRand *r, gsize n)
{
  float *p = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    p[i] = (float) g_rand_double_range (r, -1.0, 1.0);
  return p;
}

static void
assert_close (const float *a, const float *b, gsize n, double tol)
{
  for (gsize i = 0; i < n; i++)
    if (fabs ((double) a[i] - b[i]) > tol * (1.0 + fabs ((double) b[i])))
      g_error ("element %" G_GSIZE_FORMAT ": %.7g vs reference %.7g", i, a[i], b[i]);
}

static void
check_conv (const PlConvShape *s, gboolean transposed)
{
  g_autoptr (GRand) r = g_rand_new_with_seed (42);
  int oh = transposed ? 2 * s->h : s->h, ow = transposed ? 2 * s->w : s->w;
  gsize nx = (gsize) s->n * s->c * s->h * s->w;
  gsize ny = (gsize) s->n * s->o * oh * ow;
  gsize nw = (gsize) s->o * s->c * s->k * s->k;
  gsize nws = transposed ? pl_convt2x2_workspace_floats (s) : pl_conv2d_workspace_floats (s);
  g_autofree float *x = random_floats (r, nx);
  g_autofree float *w = random_floats (r, nw);
  g_autofree float *b = random_floats (r, s->o);
  g_autofree float *dy = random_floats (r, ny);
  g_autofree float *ws = g_new0 (float, nws + 1);
  g_autofree float *y1 = random_floats (r, ny);
  g_autofree float *y2 = g_memdup2 (y1, ny * sizeof (float));
  g_autofree float *dx1 = random_floats (r, nx);
  g_autofree float *dx2 = g_memdup2 (dx1, nx * sizeof (float));
  g_autofree float *dw1 = random_floats (r, nw);
  g_autofree float *dw2 = g_memdup2 (dw1, nw * sizeof (float));
  g_autofree float *db1 = random_floats (r, s->o);
  g_autofree float *db2 = g_memdup2 (db1, s->o * sizeof (float));

  for (int acc = 0; acc < 2; acc++)
    {
      if (transposed)
        {
          pl_convt2x2_forward (s, x, w, b, y1, acc, ws);
          pl_convt2x2_forward_ref (s, x, w, b, y2, acc);
        }
      else
        {
          pl_conv2d_forward (s, x, w, b, y1, acc, ws);
          pl_conv2d_forward_ref (s, x, w, b, y2, acc);
        }
      assert_close (y1, y2, ny, 1e-5);
    }
  if (transposed)
    {
      pl_convt2x2_backward_data (s, dy, w, dx1, ws);
      pl_convt2x2_backward_data_ref (s, dy, w, dx2);
      pl_convt2x2_backward_weights (s, x, dy, dw1, db1, ws);
      pl_convt2x2_backward_weights_ref (s, x, dy, dw2, db2);
    }
  else
    {
      pl_conv2d_backward_data (s, dy, w, dx1, ws);
      pl_conv2d_backward_data_ref (s, dy, w, dx2);
      pl_conv2d_backward_weights (s, x, dy, dw1, db1, ws);
      pl_conv2d_backward_weights_ref (s, x, dy, dw2, db2);
    }
  assert_close (dx1, dx2, nx, 1e-5);
  assert_close (dw1, dw2, nw, 1e-4);
  assert_close (db1, db2, s->o, 1e-4);
}

static void
test_conv3x3 (void)
{
  const PlConvShape shapes[] = {
    { 2, 3, 7, 5, 4, 3 }, { 1, 1, 9, 11, 16, 3 }, { 3, 17, 6, 6, 5, 3 }, { 2, 32, 4, 8, 16, 3 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (shapes); i++)
    check_conv (&shapes[i], FALSE);
}

static void
test_conv1x1 (void)
{
  const PlConvShape shapes[] = { { 2, 16, 5, 7, 4, 1 }, { 1, 3, 1, 1, 2, 1 } };
  for (gsize i = 0; i < G_N_ELEMENTS (shapes); i++)
    check_conv (&shapes[i], FALSE);
}

static void
test_convt2x2 (void)
{
  const PlConvShape shapes[] = { { 2, 8, 3, 5, 4, 2 }, { 1, 5, 4, 4, 7, 2 } };
  for (gsize i = 0; i < G_N_ELEMENTS (shapes); i++)
    check_conv (&shapes[i], TRUE);
}

static void
test_gemm_against_ref (void)
{
  g_autoptr (GRand) r = g_rand_new_with_seed (7);
  int m = 13, n = 17, k = 9;
  for (int ta = 0; ta < 2; ta++)
    for (int tb = 0; tb < 2; tb++)
      {
        g_autofree float *a = random_floats (r, (gsize) m * k);
        g_autofree float *b = random_floats (r, (gsize) k * n);
        g_autofree float *c1 = random_floats (r, (gsize) m * n);
        g_autofree float *c2 = g_memdup2 (c1, sizeof (float) * m * n);
        pl_gemm (ta, tb, m, n, k, 0.5f, a, ta ? m : k, b, tb ? k : n, 2.0f, c1, n);
        pl_gemm_ref (ta, tb, m, n, k, 0.5f, a, ta ? m : k, b, tb ? k : n, 2.0f, c2, n);
        assert_close (c1, c2, (gsize) m * n, 1e-5);
      }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  pl_engine_set_threads (2);
  g_test_add_func ("/conv-kernels/gemm", test_gemm_against_ref);
  g_test_add_func ("/conv-kernels/conv3x3", test_conv3x3);
  g_test_add_func ("/conv-kernels/conv1x1", test_conv1x1);
  g_test_add_func ("/conv-kernels/convt2x2", test_convt2x2);
  return g_test_run ();
}
