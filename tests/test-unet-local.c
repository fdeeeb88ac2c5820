/* Local re-evaluation of a UNet (engine/nn/unet-local.c) against the whole
 * forward: for random changed and needed rectangles the recomputed logits
 * equal pl_unet_forward()'s on the changed input, and the logits outside
 * the reported rectangle equal the kept ones; occlusion computed that way
 * equals occlusion from whole forwards. */
#define G_LOG_DOMAIN "test-unet-local"

#include <math.h>
#include <string.h>

#include "engine/core/rng.h"
#include "engine/explain/explain.h"
#include "engine/nn/unet.h"
#include "engine/ops/ops.h"
#include "tests/test-sanitizer.h"

static PlUnet *
random_unet (int depth, gboolean skip, int classes, guint64 seed)
{
  PlUnetConfig c;
  PlUnet *u;
  PlRng rng;
  float *p;

  memset (&c, 0, sizeof c);
  c.in_channels = 2;
  c.n_classes = classes;
  c.depth = depth;
  for (int l = 0; l < depth; l++)
    c.channels[l] = 4 << l;
  c.skip = skip;
  c.upsample = PL_UPSAMPLE_CONVT;
  c.bn_eps = 1e-5f;
  c.output = PL_OUTPUT_SOFTMAX;
  u = pl_unet_new (&c, seed);
  /* non-zero biases too, so that padding and bias handling both show */
  pl_rng_init (&rng, seed + 7);
  p = pl_unet_params (u);
  for (gsize i = 0; i < pl_unet_n_params (u); i++)
    p[i] += 0.05f * (float) pl_rng_normal (&rng);
  return u;
}

static float *
random_input (int c, int h, int w, PlRng *rng)
{
  float *x = g_new (float, (gsize) c * h * w);
  for (gsize i = 0; i < (gsize) c * h * w; i++)
    x[i] = pl_rng_uniform (rng);
  return x;
}

static PlRect
random_rect (PlRng *rng, int h, int w, int max)
{
  int rh = 1 + pl_rng_below (rng, max), rw = 1 + pl_rng_below (rng, max);
  int y0 = (int) pl_rng_below (rng, h + rh) - rh / 2, x0 = (int) pl_rng_below (rng, w + rw) - rw / 2;
  return (PlRect) { y0, x0, y0 + rh, x0 + rw };
}

static void
check_local (int depth, gboolean skip, int h, int w, guint64 seed)
{
  g_autoptr (PlUnet) u = random_unet (depth, skip, 3, seed);
  const PlUnetConfig *c = pl_unet_get_config (u);
  PlTape *tape = pl_tape_new (1 << 20);
  PlRng rng;
  gsize hw = (gsize) h * w, nin = c->in_channels * hw;
  g_autofree float *x = NULL, *xn = NULL;
  g_autoptr (PlUnetLocal) local = NULL;
  double worst = 0.0;

  pl_rng_init (&rng, seed);
  x = random_input (c->in_channels, h, w, &rng);
  /* (fewer under the sanitizers: the same paths — whole and partial needs,
   * zero and random fills — on fewer rectangles) */
  for (int trial = 0; trial < TEST_SIZE (12, 4); trial++)
    {
      PlRect need = trial % 3 == 0 ? (PlRect) { 0, 0, h, w } : random_rect (&rng, h, w, h);
      PlRect changed = random_rect (&rng, h, w, 12), out, cl;
      const float *base, *lg;
      g_autofree float *full = NULL;
      PlTensor *xt, *logits;

      local = (pl_unet_local_free (local), pl_unet_local_new (u, tape, x, h, w, &need));
      base = pl_unet_local_base (local);
      xn = (g_free (xn), g_memdup2 (x, nin * sizeof (float)));
      cl.y0 = MAX (changed.y0, 0);
      cl.x0 = MAX (changed.x0, 0);
      cl.y1 = MIN (changed.y1, h);
      cl.x1 = MIN (changed.x1, w);
      for (int ch = 0; ch < c->in_channels; ch++)
        for (int y = cl.y0; y < cl.y1; y++)
          for (int xx = cl.x0; xx < cl.x1; xx++)
            xn[ch * hw + (gsize) y * w + xx] = trial % 2 ? 0.0f : 2.0f * pl_rng_uniform (&rng) - 0.5f;

      /* the whole forward on the changed input */
      pl_tape_reset (tape);
      pl_tape_set_grad_enabled (tape, FALSE);
      xt = pl_tape_wrap (tape, 1, c->in_channels, h, w, xn, FALSE);
      logits = pl_unet_forward (u, tape, xt, NULL);
      full = g_memdup2 (logits->data, pl_tensor_numel (logits) * sizeof (float));
      /* unchanged input: base equals the whole forward of x */
      pl_tape_reset (tape);
      lg = pl_unet_local_forward (local, tape, xn, &changed, &out);
      g_assert_true ((lg == NULL) == (out.y1 <= out.y0 || out.x1 <= out.x0));
      for (int k = 0; k < c->n_classes; k++)
        for (int y = 0; y < h; y++)
          for (int xx = 0; xx < w; xx++)
            {
              gboolean in_need = y >= need.y0 && y < need.y1 && xx >= need.x0 && xx < need.x1;
              gboolean in_out = lg && y >= out.y0 && y < out.y1 && xx >= out.x0 && xx < out.x1;
              float want = full[k * hw + (gsize) y * w + xx], got;
              if (!in_need)
                continue;
              got = in_out ? lg[((gsize) k * (out.y1 - out.y0) + (y - out.y0)) * (out.x1 - out.x0)
                                + (xx - out.x0)]
                           : base[k * hw + (gsize) y * w + xx];
              worst = MAX (worst, fabs (got - want) / (1.0 + fabs (want)));
            }
    }
  pl_tape_free (tape);
  g_test_message ("depth %d skip %d %dx%d: worst relative difference %.3g", depth, skip, h, w,
                  worst);
  g_assert_cmpfloat (worst, <, 1e-5);
}

static void
test_forward (void)
{
  check_local (3, TRUE, 32, 48, 1);
  check_local (4, TRUE, 48, 40, 2);
  check_local (3, FALSE, 40, 32, 3);
  check_local (1, FALSE, 12, 20, 4);
}

static void
test_occlusion (void)
{
  g_autoptr (PlUnet) u = random_unet (3, TRUE, 3, 11);
  int h = 40, w = 48;
  PlRng rng;
  g_autofree float *x = NULL;
  g_autofree guint8 *mask = g_new0 (guint8, h * w);
  static const int settings[][2] = { { 8, 4 }, { 5, 3 }, { 16, 8 }, { 1, 7 } };

  pl_rng_init (&rng, 5);
  x = random_input (2, h, w, &rng);
  for (int y = 10; y < 22; y++)
    for (int xx = 20; xx < 27; xx++)
      mask[y * w + xx] = 1;
  for (int region = 0; region < 2; region++)
    {
      PlExplainTarget t = { 1, region ? PL_EXPLAIN_REGION_MASK : PL_EXPLAIN_REGION_PREDICTED,
                            0, 0, mask };
      g_autoptr (GError) error = NULL;
      g_autoptr (PlExplainer) ex = pl_explainer_new (u, x, h, w, &t, &error);

      g_assert_no_error (error);
      for (guint s = 0; s < TEST_SIZE (G_N_ELEMENTS (settings), 2); s++)
        {
          g_autofree float *a = g_new (float, h * w), *b = g_new (float, h * w);
          double worst = 0.0, top = 0.0;

          g_assert_true (pl_explain_occlusion_map (ex, settings[s][0], settings[s][1], 0.25f,
                                                   TRUE, a, NULL, &error));
          g_assert_true (pl_explain_occlusion_map (ex, settings[s][0], settings[s][1], 0.25f,
                                                   FALSE, b, NULL, &error));
          for (int p = 0; p < h * w; p++)
            {
              worst = MAX (worst, fabs (a[p] - b[p]));
              top = MAX (top, fabs (b[p]));
            }
          g_test_message ("region %d patch %d stride %d: |local - whole| %.3g of max %.3g",
                          region, settings[s][0], settings[s][1], worst, top);
          g_assert_cmpfloat (top, >, 0.0);
          g_assert_cmpfloat (worst, <=, 1e-4 * top);
        }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/unet-local/forward", test_forward);
  g_test_add_func ("/unet-local/occlusion", test_occlusion);
  return g_test_run ();
}
