/* Every operator against central finite differences (see test-op-common.h
 * for the method); tolerances are per operator. */
#include "tests/test-op-common.h"

#include "engine/kernels/conv-kernels.h"
#include "engine/ops/loss.h"

static PlRng fill_rng;

/* ---- convolutions --------------------------------------------------- */

static PlTensor *
build_conv (PlTape *t, PlTensor **in, gpointer ud)
{
  return pl_conv2d (t, in[0], in[1], in[2]);
}

static void
test_conv (gconstpointer data)
{
  int k = GPOINTER_TO_INT (data);
  const int shapes[][4] = { { 2, 3, 6, 5 }, { 4, 3, k, k }, { 1, 4, 1, 1 } };
  GcInputs g;

  gc_inputs_init (&g, 3, shapes);
  for (int i = 0; i < 3; i++)
    gc_fill (&g, i, &fill_rng, -1.0f, 1.0f, 0.0f);
  g_assert_cmpfloat (gc_check ("conv2d", &g, build_conv, NULL, 1e-2f, 400), <, 2e-3);
  gc_inputs_clear (&g);
}

static PlTensor *
build_conv_pair (PlTape *t, PlTensor **in, gpointer ud)
{
  return pl_conv2d_pair (t, in[0], in[1], in[2], in[3], in[4], NULL);
}

static void
test_conv_pair (void)
{
  const int shapes[][4] = { { 2, 2, 5, 6 }, { 2, 3, 5, 6 }, { 4, 2, 3, 3 }, { 4, 3, 3, 3 }, { 1, 4, 1, 1 } };
  GcInputs g;

  gc_inputs_init (&g, 5, shapes);
  for (int i = 0; i < 5; i++)
    gc_fill (&g, i, &fill_rng, -1.0f, 1.0f, 0.0f);
  g_assert_cmpfloat (gc_check ("conv2d_pair", &g, build_conv_pair, NULL, 1e-2f, 300), <, 2e-3);

  /* Same as conv over the concatenation with the concatenated weight. */
  {
    g_autoptr (PlTape) tape = pl_tape_new (1 << 20);
    PlTensor *in[5], *y1, *y2, *xc, *wc;
    y1 = gc_build (tape, &g, build_conv_pair, NULL, in, FALSE);
    xc = pl_concat (tape, in[0], in[1]);
    wc = pl_tape_tensor (tape, 4, 5, 3, 3);
    for (int o = 0; o < 4; o++)
      {
        memcpy (wc->data + o * 45, in[2]->data + o * 18, 18 * sizeof (float));
        memcpy (wc->data + o * 45 + 18, in[3]->data + o * 27, 27 * sizeof (float));
      }
    y2 = pl_conv2d (tape, xc, wc, in[4]);
    for (gsize i = 0; i < pl_tensor_numel (y1); i++)
      g_assert_cmpfloat_with_epsilon (y1->data[i], y2->data[i], 1e-5);
  }
  gc_inputs_clear (&g);
}

static PlTensor *
build_convt (PlTape *t, PlTensor **in, gpointer ud)
{
  return pl_convt2x2 (t, in[0], in[1], in[2]);
}

static void
test_convt (void)
{
  const int shapes[][4] = { { 2, 3, 4, 3 }, { 3, 2, 2, 2 }, { 1, 2, 1, 1 } };
  GcInputs g;

  gc_inputs_init (&g, 3, shapes);
  for (int i = 0; i < 3; i++)
    gc_fill (&g, i, &fill_rng, -1.0f, 1.0f, 0.0f);
  g_assert_cmpfloat (gc_check ("convt2x2", &g, build_convt, NULL, 1e-2f, 400), <, 2e-3);
  gc_inputs_clear (&g);
}

/* The fused conv + ReLU equals ReLU after conv, in value and in every
 * gradient (the parts are checked against finite differences above). */
static void
test_conv_relu_fused (void)
{
  const int shapes[][4] = { { 2, 2, 5, 6 }, { 2, 3, 5, 6 }, { 4, 2, 3, 3 }, { 4, 3, 3, 3 }, { 1, 4, 1, 1 } };
  GcInputs g;
  gsize n = 2 * 4 * 5 * 6;
  float r[240];
  PlRng rng;

  pl_rng_init (&rng, 5);
  for (gsize k = 0; k < n; k++)
    r[k] = pl_rng_range (&rng, -1.0f, 1.0f);
  gc_inputs_init (&g, 5, shapes);
  for (int i = 0; i < 5; i++)
    gc_fill (&g, i, &fill_rng, -1.0f, 1.0f, 0.0f);
  for (int pair = 0; pair < 2; pair++)
    {
      g_autoptr (PlTape) t1 = pl_tape_new (1 << 20);
      g_autoptr (PlTape) t2 = pl_tape_new (1 << 20);
      PlTensor *a[5], *b[5], *y1, *y2;
      for (int i = 0; i < 5; i++)
        {
          float *copy = pl_tape_alloc (t2, gc_numel (&g, i) * sizeof (float));
          memcpy (copy, g.data[i], gc_numel (&g, i) * sizeof (float));
          a[i] = pl_tape_wrap (t1, g.shape[i][0], g.shape[i][1], g.shape[i][2], g.shape[i][3], g.data[i], TRUE);
          b[i] = pl_tape_wrap (t2, g.shape[i][0], g.shape[i][1], g.shape[i][2], g.shape[i][3], copy, TRUE);
        }
      if (pair)
        {
          y1 = pl_conv2d_pair_relu (t1, a[0], a[1], a[2], a[3], a[4], NULL);
          y2 = pl_relu (t2, pl_conv2d_pair (t2, b[0], b[1], b[2], b[3], b[4], NULL), FALSE);
        }
      else
        {
          y1 = pl_conv2d_relu (t1, a[1], a[3], a[4]);
          y2 = pl_relu (t2, pl_conv2d (t2, b[1], b[3], b[4]), FALSE);
        }
      for (gsize k = 0; k < n; k++)
        g_assert_cmpfloat_with_epsilon (y1->data[k], y2->data[k], 1e-5);
      g_assert_true (pl_tape_backward (t1, y1, r, NULL));
      g_assert_true (pl_tape_backward (t2, y2, r, NULL));
      for (int i = pair ? 0 : 1; i < 5; i++)
        {
          if (!pair && (i == 2 || i == 0))
            continue;
          for (gsize k = 0; k < gc_numel (&g, i); k++)
            g_assert_cmpfloat_with_epsilon (a[i]->grad[k], b[i]->grad[k], 1e-5);
        }
    }
  gc_inputs_clear (&g);
}

/* ---- pooling, resampling -------------------------------------------- */

static PlTensor *
build_pool (PlTape *t, PlTensor **in, gpointer ud)
{
  PlTensor *y = pl_maxpool2x2 (t, in[0]);
  /* ud: x also feeds a later operator, so pooling's backward adds into a
   * gradient that exists instead of writing a fresh one */
  if (ud)
    y = pl_add (t, y, pl_maxpool2x2 (t, pl_affine_scalar (t, in[0], -1.0f, 0.0f)));
  return y;
}

static void
test_maxpool (void)
{
  const int shapes[][4] = { { 2, 3, 6, 8 } };
  GcInputs g;

  gc_inputs_init (&g, 1, shapes);
  /* Distinct values spaced more than 2h apart, so no window ties under ±h. */
  for (gsize k = 0; k < gc_numel (&g, 0); k++)
    g.data[0][k] = (float) ((k * 37) % 288) * 0.05f - 7.0f;
  g_assert_cmpfloat (gc_check ("maxpool2x2", &g, build_pool, NULL, 1e-2f, 400), <, 1e-3);
  g_assert_cmpfloat (gc_check ("maxpool2x2-shared", &g, build_pool, GINT_TO_POINTER (1), 1e-2f, 400),
                     <, 1e-3);
  gc_inputs_clear (&g);

  /* Ties (the first maximum wins) and NaN (taken, then kept), in the
   * vector blocks and the tail of a row (7 windows: 4 + 3). */
  {
    g_autoptr (PlTape) tape = pl_tape_new (1 << 16);
    float x[2 * 14], dy[7], dx_want[2 * 14] = { 0 };
    PlTensor *xt, *y;
    for (int k = 0; k < 2 * 14; k++)
      x[k] = (float) ((k * 5) % 7);           /* 0…6: ties within windows */
    x[3] = NAN;                               /* window 1: top right */
    x[14 + 12] = NAN;                         /* window 6: bottom left */
    x[14 + 13] = NAN;
    for (int j = 0; j < 7; j++)
      dy[j] = (float) (j + 1);
    xt = pl_tape_input (tape, 1, 1, 2, 14, x, TRUE);
    y = pl_maxpool2x2 (tape, xt);
    g_assert_true (pl_tape_backward (tape, y, dy, NULL));
    for (int j = 0; j < 7; j++)
      {
        const int at[4] = { 2 * j, 2 * j + 1, 14 + 2 * j, 14 + 2 * j + 1 };
        float m = x[at[0]];
        int a = 0;
        for (int k = 1; k < 4; k++)
          if (x[at[k]] > m || isnan (x[at[k]]))
            {
              m = x[at[k]];
              a = k;
            }
        dx_want[at[a]] = dy[j];
        if (isnan (m))
          g_assert_true (isnan (y->data[j]));
        else
          g_assert_cmpfloat (y->data[j], ==, m);
      }
    g_assert_true (isnan (y->data[1]) && isnan (y->data[6]));
    g_assert_cmpmem (xt->grad, sizeof dx_want, dx_want, sizeof dx_want);
  }
}

static PlTensor *
build_upsample (PlTape *t, PlTensor **in, gpointer ud)
{
  return pl_upsample2x (t, in[0]);
}

static void
test_upsample (void)
{
  const int shapes[][4] = { { 2, 2, 3, 4 } };
  GcInputs g;

  gc_inputs_init (&g, 1, shapes);
  gc_fill (&g, 0, &fill_rng, -1.0f, 1.0f, 0.0f);
  g_assert_cmpfloat (gc_check ("upsample2x", &g, build_upsample, NULL, 1e-2f, 400), <, 1e-3);

  /* Values from torch.nn.functional.interpolate (scale 2, bilinear,
   * align_corners=False) of [[1, 2], [3, 4]]: first row. */
  {
    g_autoptr (PlTape) tape = pl_tape_new (1 << 16);
    float x[4] = { 1, 2, 3, 4 };
    float want[4] = { 1.0f, 1.25f, 1.75f, 2.0f };
    PlTensor *y = pl_upsample2x (tape, pl_tape_input (tape, 1, 1, 2, 2, x, FALSE));
    for (int j = 0; j < 4; j++)
      g_assert_cmpfloat_with_epsilon (y->data[j], want[j], 1e-6);
    /* second row: 0.75 row 0 + 0.25 row 1 */
    g_assert_cmpfloat_with_epsilon (y->data[4], 1.5f, 1e-6);
  }
  gc_inputs_clear (&g);
}

static PlTensor *
build_resample (PlTape *t, PlTensor **in, gpointer ud)
{
  static const float theta[12] = { 0.9f, -0.3f, 0.05f, 0.35f, 0.95f, -0.1f,
                                   -1.0f, 0.0f, 0.0f, 0.0f, 1.0f, 0.0f };
  return pl_resample (t, in[0], theta, PL_INTERP_BILINEAR);
}

static void
test_resample (void)
{
  const int shapes[][4] = { { 2, 2, 7, 6 } };
  GcInputs g;

  gc_inputs_init (&g, 1, shapes);
  gc_fill (&g, 0, &fill_rng, -1.0f, 1.0f, 0.0f);
  g_assert_cmpfloat (gc_check ("resample", &g, build_resample, NULL, 1e-2f, 400), <, 1e-3);
  gc_inputs_clear (&g);
}

/* Identity theta reproduces the input; a flip in u reverses the columns;
 * nearest labels follow the same mapping. */
static void
test_resample_semantics (void)
{
  g_autoptr (PlTape) tape = pl_tape_new (1 << 16);
  float x[12];
  const float id[6] = { 1, 0, 0, 0, 1, 0 }, fw[6] = { -1, 0, 0, 0, 1, 0 };
  gint32 lab[12], out[12];
  PlTensor *y;

  for (int i = 0; i < 12; i++)
    {
      x[i] = i * 0.5f;
      lab[i] = i;
    }
  y = pl_resample (tape, pl_tape_input (tape, 1, 1, 3, 4, x, FALSE), id, PL_INTERP_BILINEAR);
  for (int i = 0; i < 12; i++)
    g_assert_cmpfloat_with_epsilon (y->data[i], x[i], 1e-6);
  y = pl_resample (tape, pl_tape_input (tape, 1, 1, 3, 4, x, FALSE), fw, PL_INTERP_NEAREST);
  pl_resample_labels (lab, out, 1, 3, 4, fw, -1);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 4; j++)
      {
        g_assert_cmpfloat (y->data[i * 4 + j], ==, x[i * 4 + 3 - j]);
        g_assert_cmpint (out[i * 4 + j], ==, i * 4 + 3 - j);
      }
}

/* ---- activations, softmax, dropout, batchnorm ------------------------ */

static PlTensor *
build_relu (PlTape *t, PlTensor **in, gpointer ud)
{
  /* In-place needs a private copy of the input. */
  return pl_relu (t, pl_affine_scalar (t, in[0], 1.0f, 0.0f), GPOINTER_TO_INT (ud));
}

static PlTensor *
build_leaky (PlTape *t, PlTensor **in, gpointer ud)
{
  return pl_leaky_relu (t, in[0], 0.1f);
}

static PlTensor *
build_sigmoid (PlTape *t, PlTensor **in, gpointer ud)
{
  return pl_sigmoid (t, in[0]);
}

static PlTensor *
build_softmax (PlTape *t, PlTensor **in, gpointer ud)
{
  return pl_softmax (t, in[0]);
}

static void
test_activations (void)
{
  const int shapes[][4] = { { 2, 3, 4, 5 } };
  GcInputs g;

  gc_inputs_init (&g, 1, shapes);
  gc_fill (&g, 0, &fill_rng, -3.0f, 3.0f, 0.05f);
  g_assert_cmpfloat (gc_check ("relu", &g, build_relu, GINT_TO_POINTER (0), 1e-2f, 400), <, 1e-3);
  g_assert_cmpfloat (gc_check ("relu-inplace", &g, build_relu, GINT_TO_POINTER (1), 1e-2f, 400), <, 1e-3);
  g_assert_cmpfloat (gc_check ("leaky_relu", &g, build_leaky, NULL, 1e-2f, 400), <, 1e-3);
  g_assert_cmpfloat (gc_check ("sigmoid", &g, build_sigmoid, NULL, 1e-2f, 400), <, 2e-3);
  g_assert_cmpfloat (gc_check ("softmax", &g, build_softmax, NULL, 1e-2f, 400), <, 2e-3);
  gc_inputs_clear (&g);
}

static PlTensor *
build_dropout (PlTape *t, PlTensor **in, gpointer ud)
{
  PlRng rng;
  pl_rng_init (&rng, 7);   /* the same mask in every evaluation */
  return pl_dropout_channels (t, in[0], 0.4f, &rng);
}

static void
test_dropout (void)
{
  const int shapes[][4] = { { 4, 8, 3, 3 } };
  g_autoptr (PlTape) tape = pl_tape_new (1 << 16);
  GcInputs g;
  PlTensor *x, *y;
  int dropped = 0;

  gc_inputs_init (&g, 1, shapes);
  gc_fill (&g, 0, &fill_rng, 0.5f, 1.5f, 0.0f);
  g_assert_cmpfloat (gc_check ("dropout", &g, build_dropout, NULL, 1e-2f, 400), <, 1e-3);

  /* Whole planes are zero or scaled by 1/(1-p). */
  x = pl_tape_wrap (tape, 4, 8, 3, 3, g.data[0], FALSE);
  y = build_dropout (tape, &x, NULL);
  for (int p = 0; p < 32; p++)
    {
      float s = y->data[p * 9] / x->data[p * 9];
      g_assert_true (fabsf (s) < 1e-6f || fabsf (s - 1.0f / 0.6f) < 1e-5f);
      dropped += s == 0.0f;
      for (int k = 1; k < 9; k++)
        g_assert_cmpfloat_with_epsilon (y->data[p * 9 + k], s * x->data[p * 9 + k], 1e-5);
    }
  g_assert_cmpint (dropped, >, 0);
  g_assert_cmpint (dropped, <, 32);
  gc_inputs_clear (&g);
}

static PlTensor *
build_bn (PlTape *t, PlTensor **in, gpointer ud)
{
  return pl_batchnorm (t, in[0], in[1], in[2], 1e-5f);
}

static void
test_batchnorm (void)
{
  const int shapes[][4] = { { 3, 2, 3, 4 }, { 1, 2, 1, 1 }, { 1, 2, 1, 1 } };
  GcInputs g;

  gc_inputs_init (&g, 3, shapes);
  gc_fill (&g, 0, &fill_rng, -2.0f, 2.0f, 0.0f);
  gc_fill (&g, 1, &fill_rng, 0.5f, 1.5f, 0.0f);
  gc_fill (&g, 2, &fill_rng, -1.0f, 1.0f, 0.0f);
  g_assert_cmpfloat (gc_check ("batchnorm", &g, build_bn, NULL, 1e-2f, 400), <, 5e-3);
  gc_inputs_clear (&g);
}

/* Upsampling's backward adds each output pixel's four terms in output
 * order (PyTorch's order): bit for bit the plain loop below, on widths
 * with and without the vector path and its tails, into a fresh gradient
 * and adding into one. */
static void
test_upsample_backward_order (void)
{
  const int sizes[][2] = { { 3, 5 }, { 4, 8 }, { 5, 19 }, { 2, 26 }, { 1, 13 } };

  for (gsize t = 0; t < G_N_ELEMENTS (sizes); t++)
    {
      int h = sizes[t][0], w = sizes[t][1], oh = 2 * h, ow = 2 * w;
      g_autoptr (PlTape) tape = pl_tape_new (1 << 20);
      g_autofree float *x = g_new (float, 2 * h * w), *dy = g_new (float, 2 * oh * ow);
      g_autofree float *want = g_new0 (float, 2 * h * w);
      PlTensor *xt, *y;
      PlRng rng;

      pl_rng_init (&rng, 5 + t);
      for (int k = 0; k < 2 * h * w; k++)
        x[k] = pl_rng_range (&rng, -1.0f, 1.0f);
      for (int k = 0; k < 2 * oh * ow; k++)
        dy[k] = pl_rng_range (&rng, -1.0f, 1.0f) * (k % 7 == 0 ? 1e4f : 1.0f);
      xt = pl_tape_input (tape, 1, 2, h, w, x, TRUE);
      /* twice: the second backward adds into the first's fresh gradient */
      y = pl_add (tape, pl_upsample2x (tape, xt), pl_upsample2x (tape, xt));
      g_assert_true (pl_tape_backward (tape, y, dy, NULL));
      for (int rep = 0; rep < 2; rep++)
        for (int c = 0; c < 2; c++)
          for (int i = 0; i < oh; i++)
            {
              float si = MAX ((i + 0.5f) * 0.5f - 0.5f, 0.0f);
              int r0 = (int) si, r1 = MIN (r0 + 1, h - 1);
              float lr = si - r0;
              float *a = want + (c * h + r0) * w, *b = want + (c * h + r1) * w;
              for (int j = 0; j < ow; j++)
                {
                  float sj = MAX ((j + 0.5f) * 0.5f - 0.5f, 0.0f);
                  int c0 = (int) sj, c1 = MIN (c0 + 1, w - 1);
                  float lc = sj - c0, v = dy[(c * oh + i) * ow + j];
                  a[c0] += (1.0f - lr) * (1.0f - lc) * v;
                  a[c1] += (1.0f - lr) * lc * v;
                  b[c0] += lr * (1.0f - lc) * v;
                  b[c1] += lr * lc * v;
                }
            }
      g_assert_cmpmem (xt->grad, 2 * h * w * sizeof (float), want, 2 * h * w * sizeof (float));
    }
}

static PlTensor *
build_bn_relu (PlTape *t, PlTensor **in, gpointer ud)
{
  return pl_batchnorm_relu (t, in[0], in[1], in[2], 1e-5f);
}

/* One pass of pl_batchnorm_relu and of pl_batchnorm + pl_relu on the same
 * input; the output's gradient r, and x also added to the output (so that
 * its gradient is accumulated into, not written fresh) when `twice`. */
static void
bn_relu_run (gboolean fused, gboolean twice, PlRule rule, const float *xv, const float *gv,
             const float *bv, const float *r, int n, int c, int h, int w,
             float *y_out, float *dx, float *dg, float *db)
{
  g_autoptr (PlTape) tape = pl_tape_new (1 << 20);
  gsize nx = (gsize) n * c * h * w;
  PlTensor *x = pl_tape_input (tape, n, c, h, w, (float *) xv, TRUE);
  PlTensor *g = pl_tape_input (tape, 1, c, 1, 1, (float *) gv, TRUE);
  PlTensor *b = pl_tape_input (tape, 1, c, 1, 1, (float *) bv, TRUE);
  PlTensor *y;

  /* a private copy of x: pl_relu in place would overwrite the input */
  PlTensor *xc = pl_affine_scalar (tape, x, 1.0f, 0.0f);
  y = fused ? pl_batchnorm_relu (tape, xc, g, b, 1e-5f)
            : pl_relu (tape, pl_batchnorm (tape, xc, g, b, 1e-5f), TRUE);
  memcpy (y_out, y->data, nx * sizeof (float));
  if (twice)
    y = pl_add (tape, y, xc);
  pl_tape_set_rule (tape, PL_OP_RELU, rule);
  g_assert_true (pl_tape_backward (tape, y, r, NULL));
  memcpy (dx, x->grad, nx * sizeof (float));
  memcpy (dg, g->grad, c * sizeof (float));
  memcpy (db, b->grad, c * sizeof (float));
}

/* The fused batch norm + ReLU: finite differences, and the same values as
 * the two operators one after the other, bit for bit (planes of 17 × 19 =
 * 323: the vector blocks and their tails; every ReLU rule). */
static void
test_batchnorm_relu (void)
{
  const int shapes[][4] = { { 3, 2, 3, 4 }, { 1, 2, 1, 1 }, { 1, 2, 1, 1 } };
  const PlRule rules[3] = { PL_RULE_DEFAULT, PL_RULE_GUIDED, PL_RULE_DECONVNET };
  const int n = 2, c = 3, h = 17, w = 19;
  gsize nx = (gsize) n * c * h * w;
  g_autofree float *xv = g_new (float, nx), *r = g_new (float, nx);
  float gv[3], bv[3];
  GcInputs g;
  PlRng rng;

  gc_inputs_init (&g, 3, shapes);
  gc_fill (&g, 0, &fill_rng, -2.0f, 2.0f, 0.0f);
  gc_fill (&g, 1, &fill_rng, 0.5f, 1.5f, 0.0f);
  gc_fill (&g, 2, &fill_rng, -0.5f, 0.5f, 0.0f);
  g_assert_cmpfloat (gc_check ("batchnorm_relu", &g, build_bn_relu, NULL, 1e-3f, 400), <, 5e-3);
  gc_inputs_clear (&g);

  pl_rng_init (&rng, 99);
  for (gsize i = 0; i < nx; i++)
    {
      xv[i] = pl_rng_range (&rng, -2.0f, 2.0f);
      r[i] = pl_rng_range (&rng, -1.0f, 1.0f);
    }
  for (int k = 0; k < c; k++)
    {
      gv[k] = pl_rng_range (&rng, 0.5f, 1.5f);
      bv[k] = pl_rng_range (&rng, -0.5f, 0.5f);
    }
  for (int twice = 0; twice < 2; twice++)
    for (int ri = 0; ri < 3; ri++)
      {
        g_autofree float *y0 = g_new (float, nx), *y1 = g_new (float, nx);
        g_autofree float *dx0 = g_new (float, nx), *dx1 = g_new (float, nx);
        float dg0[3], dg1[3], db0[3], db1[3];
        int zeros = 0;
        bn_relu_run (FALSE, twice, rules[ri], xv, gv, bv, r, n, c, h, w, y0, dx0, dg0, db0);
        bn_relu_run (TRUE, twice, rules[ri], xv, gv, bv, r, n, c, h, w, y1, dx1, dg1, db1);
        g_assert_cmpmem (y0, nx * sizeof (float), y1, nx * sizeof (float));
        g_assert_cmpmem (dx0, nx * sizeof (float), dx1, nx * sizeof (float));
        g_assert_cmpmem (dg0, sizeof dg0, dg1, sizeof dg1);
        g_assert_cmpmem (db0, sizeof db0, db1, sizeof db1);
        for (gsize i = 0; i < nx; i++)
          zeros += y1[i] == 0.0f;
        g_assert_cmpint (zeros, >, nx / 5);      /* the mask matters */
        g_assert_cmpint (zeros, <, nx * 4 / 5);
      }
}

/* ---- arithmetic and transforms --------------------------------------- */

static PlTensor *
build_arith (PlTape *t, PlTensor **in, gpointer ud)
{
  int which = GPOINTER_TO_INT (ud);
  switch (which)
    {
    case 0: return pl_concat (t, in[0], in[1]);
    case 1: return pl_add (t, in[0], in[1]);
    case 2: return pl_mul (t, in[0], in[1]);
    case 3: return pl_affine_scalar (t, in[0], -1.5f, 0.25f);
    case 4: return pl_sum (t, pl_mul (t, in[0], in[1]));
    case 5: return pl_mean (t, pl_mul (t, in[0], in[1]));
    case 6: return pl_flip (t, in[0], TRUE, FALSE);
    case 7: return pl_flip (t, in[0], FALSE, TRUE);
    case 8: return pl_rot90 (t, in[0], 1);
    case 9: return pl_rot90 (t, in[0], 2);
    default: return pl_rot90 (t, in[0], 3);
    }
}

static void
test_arith (void)
{
  const int shapes[][4] = { { 2, 3, 4, 5 }, { 2, 3, 4, 5 } };
  GcInputs g;

  gc_inputs_init (&g, 2, shapes);
  gc_fill (&g, 0, &fill_rng, -1.0f, 1.0f, 0.0f);
  gc_fill (&g, 1, &fill_rng, -1.0f, 1.0f, 0.0f);
  for (int which = 0; which <= 10; which++)
    {
      g_autofree char *name = g_strdup_printf ("arith/transform %d", which);
      g.check[1] = which <= 5 && which != 3;
      g_assert_cmpfloat (gc_check (name, &g, build_arith, GINT_TO_POINTER (which), 1e-2f, 200), <, 1e-3);
    }
  gc_inputs_clear (&g);
}

/* rot90 k = 1 of [[0, 1, 2], [3, 4, 5]] is [[2, 5], [1, 4], [0, 3]] (numpy,
 * torch.rot90); a turn of 4 is the identity. */
static void
test_rot90_values (void)
{
  g_autoptr (PlTape) tape = pl_tape_new (1 << 16);
  float x[6] = { 0, 1, 2, 3, 4, 5 }, want[6] = { 2, 5, 1, 4, 0, 3 };
  PlTensor *xt = pl_tape_input (tape, 1, 1, 2, 3, x, FALSE);
  PlTensor *y = pl_rot90 (tape, xt, 1), *y4;

  g_assert_cmpint (y->h, ==, 3);
  g_assert_cmpint (y->w, ==, 2);
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat (y->data[i], ==, want[i]);
  y4 = pl_rot90 (tape, pl_rot90 (tape, pl_rot90 (tape, y, 1), 1), 1);
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat (y4->data[i], ==, x[i]);
}

/* The compactness loss: 2 samples of 3 channels on 5 × 6, 7 pixels each
 * (one drawn twice), an asymmetric affinity with zeros. */
typedef struct
{
  gint32 pixels[2 * 7];
  float  affinity[2 * 7 * 7];
} AffinityCase;

static PlTensor *
build_affinity (PlTape *t, PlTensor **in, gpointer ud)
{
  AffinityCase *c = ud;
  return pl_affinity_loss (t, in[0], 7, c->pixels, c->affinity);
}

static void
test_affinity (void)
{
  const int shapes[][4] = { { 2, 3, 5, 6 } };
  AffinityCase c;
  GcInputs g;
  PlRng rng;

  pl_rng_init (&rng, 5);
  for (int i = 0; i < 14; i++)
    c.pixels[i] = (gint32) pl_rng_below (&rng, 30);
  c.pixels[3] = c.pixels[5];
  for (int i = 0; i < 2 * 49; i++)
    c.affinity[i] = pl_rng_uniform (&rng) < 0.3f ? 0.0f : pl_rng_uniform (&rng);
  gc_inputs_init (&g, 1, shapes);
  gc_fill (&g, 0, &fill_rng, -1.0f, 1.0f, 0.0f);
  g_assert_cmpfloat (gc_check ("affinity", &g, build_affinity, &c, 1e-2f, 200), <, 1e-3);
  gc_inputs_clear (&g);
}

/* Its value by hand, on unit vectors: features (3, 0) and (0, 4) are at
 * right angles, ||u_0 − u_1||² = 2, and A_01 = 2, A_10 = 0 gives 2 · 2 / 2;
 * (3, 4) and (6, 8) point the same way whatever their lengths: 0; no
 * affinity at all: 0. */
static void
test_affinity_values (void)
{
  g_autoptr (PlTape) tape = pl_tape_new (1 << 16);
  float x[2 * 2] = { 3, 0, 0, 4 };   /* (1, 2, 1, 2): channel-major */
  float same[2 * 2] = { 3, 6, 4, 8 };
  gint32 pixels[2] = { 0, 1 };
  float a[4] = { 0, 2, 0, 0 }, none[4] = { 0 };
  PlTensor *xt = pl_tape_input (tape, 1, 2, 1, 2, x, FALSE);
  PlTensor *st = pl_tape_input (tape, 1, 2, 1, 2, same, FALSE);

  g_assert_cmpfloat_with_epsilon (pl_affinity_loss (tape, xt, 2, pixels, a)->data[0], 2.0f, 1e-6f);
  g_assert_cmpfloat_with_epsilon (pl_affinity_loss (tape, st, 2, pixels, a)->data[0], 0.0f, 1e-6f);
  g_assert_cmpfloat (pl_affinity_loss (tape, xt, 2, pixels, none)->data[0], ==, 0.0f);
}

/* The global contrastive loss: 3 pairs of (2, 2, 2) feature maps, the pool
 * before it, at two temperatures. */
static PlTensor *
build_nt_xent (PlTape *t, PlTensor **in, gpointer ud)
{
  return pl_nt_xent (t, in[0], *(float *) ud);
}

static PlTensor *
build_pool_nt_xent (PlTape *t, PlTensor **in, gpointer ud)
{
  return pl_nt_xent (t, pl_global_avg_pool (t, in[0]), *(float *) ud);
}

static void
test_nt_xent (void)
{
  const int shapes[][4] = { { 6, 2, 2, 2 } };
  float taus[] = { 0.5f, 0.1f };
  GcInputs g;

  gc_inputs_init (&g, 1, shapes);
  gc_fill (&g, 0, &fill_rng, -1.0f, 1.0f, 0.0f);
  for (guint i = 0; i < G_N_ELEMENTS (taus); i++)
    {
      g_assert_cmpfloat (gc_check ("nt_xent", &g, build_nt_xent, &taus[i], 1e-2f, 200), <, 2e-3);
      g_assert_cmpfloat (gc_check ("pool+nt_xent", &g, build_pool_nt_xent, &taus[i], 3e-3f, 200), <, 2e-3);
    }
  gc_inputs_clear (&g);
}

/* Its value by hand: views u0 = u2 = (1, 0) and u1 = u3 = (0, 1), τ = 0.5:
 * every sample has s = 2 with its positive and 0 with both negatives, so
 * L = −2 + log (e² + 2) = log (1 + 2 e⁻²); the length of a vector does not
 * count; the pool averages the plane. */
static void
test_nt_xent_values (void)
{
  g_autoptr (PlTape) tape = pl_tape_new (1 << 16);
  float z[4 * 2] = { 1, 0, 0, 1, 3, 0, 0, 0.5f };   /* (4, 2, 1, 1) */
  float x[2 * 4] = { 1, 2, 3, 6, -1, -1, -1, -1 }; /* (1, 2, 2, 2) */
  PlTensor *zt = pl_tape_input (tape, 4, 2, 1, 1, z, FALSE);
  PlTensor *xt = pl_tape_input (tape, 1, 2, 2, 2, x, FALSE), *pooled;

  g_assert_cmpfloat_with_epsilon (pl_nt_xent (tape, zt, 0.5f)->data[0],
                                  log (1.0 + 2.0 * exp (-2.0)), 1e-6);
  pooled = pl_global_avg_pool (tape, xt);
  g_assert_cmpfloat (pooled->data[0], ==, 3.0f);
  g_assert_cmpfloat (pooled->data[1], ==, -1.0f);
  /* One pair only: no negative, the positive is the whole softmax. */
  g_assert_cmpfloat_with_epsilon (pl_nt_xent (tape, pl_tape_input (tape, 2, 2, 1, 1, z, FALSE), 0.5f)->data[0],
                                  0.0, 1e-6);
}

/* The local contrastive loss's region pool, alone (cells of unequal sizes:
 * 7 × 5 in 2 × 2 and 3 × 3) and feeding NT-Xent as the local loss does:
 * 2 views of 2 slices, 4 regions each. */
static PlTensor *
build_region_pool (PlTape *t, PlTensor **in, gpointer ud)
{
  return pl_region_pool (t, in[0], GPOINTER_TO_INT (ud));
}

static PlTensor *
build_local_loss (PlTape *t, PlTensor **in, gpointer ud)
{
  return pl_nt_xent (t, pl_region_pool (t, in[0], 2), *(float *) ud);
}

static void
test_region_pool (void)
{
  const int pool_shapes[][4] = { { 2, 3, 7, 5 } }, loss_shapes[][4] = { { 4, 3, 6, 6 } };
  float tau = 0.1f;
  GcInputs g;

  gc_inputs_init (&g, 1, pool_shapes);
  gc_fill (&g, 0, &fill_rng, -1.0f, 1.0f, 0.0f);
  for (int grid = 2; grid <= 3; grid++)
    g_assert_cmpfloat (gc_check ("region_pool", &g, build_region_pool, GINT_TO_POINTER (grid), 1e-2f, 200), <, 2e-3);
  gc_inputs_clear (&g);
  gc_inputs_init (&g, 1, loss_shapes);
  gc_fill (&g, 0, &fill_rng, -1.0f, 1.0f, 0.0f);
  g_assert_cmpfloat (gc_check ("region_pool+nt_xent", &g, build_local_loss, &tau, 3e-3f, 200), <, 2e-3);
  gc_inputs_clear (&g);
}

/* Its values: cell means over unequal cells; two views whose regions
 * agree exactly score lower than two whose regions are shuffled. */
static void
test_region_pool_values (void)
{
  g_autoptr (PlTape) tape = pl_tape_new (1 << 16);
  /* (1, 1, 3, 2): rows 0 | 1–2 with grid 2, columns 0 | 1 */
  float x[6] = { 1, 2, 3, 4, 5, 6 };
  float views[2 * 2 * 4 * 4];
  PlTensor *y = pl_region_pool (tape, pl_tape_input (tape, 1, 1, 3, 2, x, FALSE), 2);
  double same, shuffled;

  g_assert_cmpint (y->n, ==, 4);
  g_assert_cmpfloat (y->data[0], ==, 1.0f);
  g_assert_cmpfloat (y->data[1], ==, 2.0f);
  g_assert_cmpfloat (y->data[2], ==, 4.0f);
  g_assert_cmpfloat (y->data[3], ==, 5.0f);
  /* (2, 2, 4, 4): view 2 = view 1 (every region its own direction), then
   * view 2 with its cells swapped */
  for (int c = 0; c < 2; c++)
    for (int yy = 0; yy < 4; yy++)
      for (int xx = 0; xx < 4; xx++)
        {
          int r = (yy / 2) * 2 + xx / 2;
          float v = c == 0 ? cosf (r * 1.5f) : sinf (r * 1.5f);
          views[(0 * 2 + c) * 16 + yy * 4 + xx] = v;
          views[(1 * 2 + c) * 16 + yy * 4 + xx] = v;
        }
  same = pl_nt_xent (tape, pl_region_pool (tape, pl_tape_input (tape, 2, 2, 4, 4, views, FALSE), 2), 0.5f)->data[0];
  for (int c = 0; c < 2; c++)
    for (int yy = 0; yy < 4; yy++)
      for (int xx = 0; xx < 4; xx++)
        views[(1 * 2 + c) * 16 + yy * 4 + xx] = views[(0 * 2 + c) * 16 + yy * 4 + (xx + 2) % 4];
  shuffled = pl_nt_xent (tape, pl_region_pool (tape, pl_tape_input (tape, 2, 2, 4, 4, views, FALSE), 2), 0.5f)->data[0];
  g_test_message ("local loss: matching regions %.4f, shuffled %.4f", same, shuffled);
  g_assert_cmpfloat (same, <, shuffled);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  pl_rng_init (&fill_rng, 42);
  g_test_add_data_func ("/op/grad/conv3x3", GINT_TO_POINTER (3), test_conv);
  g_test_add_func ("/op/grad/region-pool", test_region_pool);
  g_test_add_func ("/op/grad/region-pool-values", test_region_pool_values);
  g_test_add_data_func ("/op/grad/conv1x1", GINT_TO_POINTER (1), test_conv);
  g_test_add_func ("/op/grad/conv-pair", test_conv_pair);
  g_test_add_func ("/op/grad/conv-relu-fused", test_conv_relu_fused);
  g_test_add_func ("/op/grad/convt2x2", test_convt);
  g_test_add_func ("/op/grad/maxpool", test_maxpool);
  g_test_add_func ("/op/grad/upsample", test_upsample);
  g_test_add_func ("/op/grad/resample", test_resample);
  g_test_add_func ("/op/resample/semantics", test_resample_semantics);
  g_test_add_func ("/op/grad/activations", test_activations);
  g_test_add_func ("/op/grad/dropout", test_dropout);
  g_test_add_func ("/op/grad/batchnorm", test_batchnorm);
  g_test_add_func ("/op/grad/batchnorm-relu", test_batchnorm_relu);
  g_test_add_func ("/op/upsample/backward-order", test_upsample_backward_order);
  g_test_add_func ("/op/grad/arith-transform", test_arith);
  g_test_add_func ("/op/rot90/values", test_rot90_values);
  g_test_add_func ("/op/grad/affinity", test_affinity);
  g_test_add_func ("/op/affinity/values", test_affinity_values);
  g_test_add_func ("/op/grad/nt-xent", test_nt_xent);
  g_test_add_func ("/op/nt-xent/values", test_nt_xent_values);
  return g_test_run ();
}
