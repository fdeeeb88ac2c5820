/* The transformer block's operators (engine/ops/attention.c): multi-head
 * attention and layer norm against central differences, hand-computed
 * values, and the whole block (engine/nn/attention-block.c) against
 * PyTorch's multi_head_attention_forward and layer_norm
 * (tests/fixtures/attention-block.safetensors, tests/make-attention-fixture.py). */
#include <math.h>
#include <string.h>

#include "engine/nn/attention-block.h"
#include "test-op-common.h"
#include "tests/fixture.h"

static PlRng fill_rng;

static PlTensor *
build_attention (PlTape *t, PlTensor **in, gpointer ud)
{
  return pl_attention (t, in[0], in[1], in[2], GPOINTER_TO_INT (ud));
}

/* One and two heads, a non-square map; every input checked. */
static void
test_attention_gradient (void)
{
  const int shapes[][4] = { { 2, 4, 3, 5 }, { 2, 4, 3, 5 }, { 2, 4, 3, 5 } };

  for (int heads = 1; heads <= 2; heads++)
    {
      GcInputs g;
      gc_inputs_init (&g, 3, shapes);
      for (int i = 0; i < 3; i++)
        gc_fill (&g, i, &fill_rng, -1.5f, 1.5f, 0.0f);
      g_assert_cmpfloat (gc_check ("attention", &g, build_attention, GINT_TO_POINTER (heads), 1e-2f, 120),
                         <, 5e-3);
      gc_inputs_clear (&g);
    }
}

/* Hand-computed: with all keys equal every position attends uniformly, so
 * the output is the mean of the values over the positions, per head. */
static void
test_attention_values (void)
{
  g_autoptr (PlTape) tape = pl_tape_new (1 << 16);
  float q[2 * 4], k[2 * 4], v[2 * 4];
  PlTensor *y;

  for (int i = 0; i < 8; i++)
    {
      q[i] = (float) i;
      k[i] = 1.0f;
      v[i] = (float) (i * i);
    }
  /* (1, 2, 2, 2): channel 0 = head 0, channel 1 = head 1 */
  y = pl_attention (tape, pl_tape_wrap (tape, 1, 2, 2, 2, q, FALSE), pl_tape_wrap (tape, 1, 2, 2, 2, k, FALSE),
                    pl_tape_wrap (tape, 1, 2, 2, 2, v, FALSE), 2);
  for (int p = 0; p < 4; p++)
    {
      g_assert_cmpfloat (fabsf (y->data[p] - (0 + 1 + 4 + 9) / 4.0f), <, 1e-5f);
      g_assert_cmpfloat (fabsf (y->data[4 + p] - (16 + 25 + 36 + 49) / 4.0f), <, 1e-4f);
    }
}

static PlTensor *
build_layer_norm (PlTape *t, PlTensor **in, gpointer ud)
{
  return pl_layer_norm (t, in[0], in[1], in[2], 1e-5f);
}

static void
test_layer_norm (void)
{
  const int shapes[][4] = { { 2, 5, 3, 4 }, { 1, 5, 1, 1 }, { 1, 5, 1, 1 } };
  g_autoptr (PlTape) tape = pl_tape_new (1 << 16);
  GcInputs g;
  PlTensor *y;

  gc_inputs_init (&g, 3, shapes);
  gc_fill (&g, 0, &fill_rng, -2.0f, 2.0f, 0.0f);
  gc_fill (&g, 1, &fill_rng, 0.5f, 1.5f, 0.0f);
  gc_fill (&g, 2, &fill_rng, -1.0f, 1.0f, 0.0f);
  g_assert_cmpfloat (gc_check ("layer_norm", &g, build_layer_norm, NULL, 1e-2f, 200), <, 5e-3);

  /* With γ = 1, β = 0 every position has mean 0 and variance ≈ 1 over C. */
  for (int c = 0; c < 5; c++)
    {
      g.data[1][c] = 1.0f;
      g.data[2][c] = 0.0f;
    }
  y = pl_layer_norm (tape, pl_tape_wrap (tape, 2, 5, 3, 4, g.data[0], FALSE),
                     pl_tape_wrap (tape, 1, 5, 1, 1, g.data[1], FALSE),
                     pl_tape_wrap (tape, 1, 5, 1, 1, g.data[2], FALSE), 1e-5f);
  for (int n = 0; n < 2; n++)
    for (int p = 0; p < 12; p++)
      {
        double s = 0.0, s2 = 0.0;
        for (int c = 0; c < 5; c++)
          {
            double v = y->data[(n * 5 + c) * 12 + p];
            s += v;
            s2 += v * v;
          }
        g_assert_cmpfloat (fabs (s / 5), <, 1e-6);
        g_assert_cmpfloat (fabs (s2 / 5 - 1.0), <, 1e-3);
      }
  gc_inputs_clear (&g);
}

static void
test_position_encoding (void)
{
  float pe[6 * 2 * 3];

  pl_position_encoding_2d (pe, 6, 2, 3);
  /* channels 0-2 the row (sin, cos at frequency 1; sin at 10000^(-2/3)),
   * channels 3-5 the column */
  for (int y = 0; y < 2; y++)
    for (int x = 0; x < 3; x++)
      {
        int p = y * 3 + x;
        g_assert_cmpfloat (fabsf (pe[0 * 6 + p] - sinf (y)), <, 1e-6f);
        g_assert_cmpfloat (fabsf (pe[1 * 6 + p] - cosf (y)), <, 1e-6f);
        g_assert_cmpfloat (fabsf (pe[2 * 6 + p] - (float) sin (y * pow (10000.0, -2.0 / 3))), <, 1e-6f);
        g_assert_cmpfloat (fabsf (pe[3 * 6 + p] - sinf (x)), <, 1e-6f);
        g_assert_cmpfloat (fabsf (pe[4 * 6 + p] - cosf (x)), <, 1e-6f);
      }
}

static double
rel_err (const float *a, const float *b, gsize n)
{
  double m = 0.0, s = 0.0;
  for (gsize i = 0; i < n; i++)
    {
      m = MAX (m, fabs ((double) a[i] - b[i]));
      s = MAX (s, fabs (b[i]));
    }
  return m / MAX (s, 1e-12);
}

/* The whole block, forward and backward, against PyTorch.  The key bias's
 * gradient is 0 (a constant added to every key shifts a query's scores
 * alike): both sides give rounding only. */
static void
test_block_fixture (void)
{
  static const char *const names[] = {
    "attn.q.weight", "attn.q.bias", "attn.k.weight", "attn.k.bias", "attn.v.weight", "attn.v.bias",
    "attn.o.weight", "attn.o.bias", "attn.norm.weight", "attn.norm.bias",
  };
  g_autoptr (PlTape) tape = pl_tape_new (1 << 20);
  g_autoptr (GError) error = NULL;
  const int N = 2, C = 8, H = 3, W = 5;
  gsize nx, ny;
  g_autofree float *x = get ("x", &nx), *want = get ("y", &ny), *r = get ("r", NULL);
  g_autofree float *gx_want = get ("grad.x", NULL);
  float *p[10], *gp[10];
  PlTensor *xt, *y;
  PlAttentionBlock b = { C, 2 };

  g_assert_cmpuint (nx, ==, (gsize) N * C * H * W);
  for (int i = 0; i < 10; i++)
    {
      gsize n;
      p[i] = get (names[i], &n);
      g_assert_cmpuint (n, ==, i % 2 == 0 && i < 8 ? (gsize) C * C : (gsize) C);
      gp[i] = g_new0 (float, n);
    }
  b.wq = pl_tensor_param (C, C, 1, 1, p[0], gp[0]);
  b.bq = pl_tensor_param (1, C, 1, 1, p[1], gp[1]);
  b.wk = pl_tensor_param (C, C, 1, 1, p[2], gp[2]);
  b.bk = pl_tensor_param (1, C, 1, 1, p[3], gp[3]);
  b.wv = pl_tensor_param (C, C, 1, 1, p[4], gp[4]);
  b.bv = pl_tensor_param (1, C, 1, 1, p[5], gp[5]);
  b.wo = pl_tensor_param (C, C, 1, 1, p[6], gp[6]);
  b.bo = pl_tensor_param (1, C, 1, 1, p[7], gp[7]);
  b.gamma = pl_tensor_param (1, C, 1, 1, p[8], gp[8]);
  b.beta = pl_tensor_param (1, C, 1, 1, p[9], gp[9]);

  xt = pl_tape_wrap (tape, N, C, H, W, x, TRUE);
  y = pl_attention_block_forward (tape, &b, xt);
  g_test_message ("forward: max error / max |y| %.3g", rel_err (y->data, want, ny));
  g_assert_cmpfloat (rel_err (y->data, want, ny), <, 1e-5);
  g_assert_true (pl_tape_backward (tape, y, r, &error));
  g_assert_no_error (error);
  g_test_message ("grad x: %.3g", rel_err (xt->grad, gx_want, nx));
  g_assert_cmpfloat (rel_err (xt->grad, gx_want, nx), <, 1e-4);
  for (int i = 0; i < 10; i++)
    {
      g_autofree char *gname = g_strconcat ("grad.", names[i], NULL);
      gsize n;
      g_autofree float *gw = get (gname, &n);
      g_test_message ("%s: %.3g", gname, rel_err (gp[i], gw, n));
      if (strcmp (names[i], "attn.k.bias") == 0)
        g_assert_cmpfloat (max_abs (gp[i], n), <, 1e-5);
      else
        {
          g_assert_cmpfloat (max_abs (gw, n), >, 1e-2);
          g_assert_cmpfloat (rel_err (gp[i], gw, n), <, 1e-4);
        }
      g_free (p[i]);
      g_free (gp[i]);
    }
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  int r;

  g_test_init (&argc, &argv, NULL);
  pl_rng_init (&fill_rng, 2013);
  path = g_test_build_filename (G_TEST_DIST, "fixtures", "attention-block.safetensors", NULL);
  fixture = pl_safetensors_load (path, &error);
  g_assert_no_error (error);
  g_test_add_func ("/op/attention/gradient", test_attention_gradient);
  g_test_add_func ("/op/attention/values", test_attention_values);
  g_test_add_func ("/op/layer-norm", test_layer_norm);
  g_test_add_func ("/op/position-encoding", test_position_encoding);
  g_test_add_func ("/op/attention/block-fixture", test_block_fixture);
  r = g_test_run ();
  pl_safetensors_free (fixture);
  return r;
}
