/* LRP through batch norm (engine/nn/unet-fold.c): the network with batch
 * norm folded into its convolutions gives the input the same logits, and
 * on a network whose folded biases are all zero LRP-z⁺, LRP-αβ and LRP-ε
 * conserve the relevance (its sum equals the score), as they do without
 * batch norm. */
#define G_LOG_DOMAIN "test-lrp-batchnorm"

#include <math.h>
#include <string.h>

#include "engine/core/rng.h"
#include "engine/explain/explain.h"
#include "engine/nn/unet.h"
#include "engine/ops/ops.h"

#define H 32
#define W 32

static PlUnet *
bn_unet (PlUpsample upsample, gboolean skip, guint64 seed, gboolean biases)
{
  PlUnetConfig c;
  PlUnet *u;
  PlRng rng;

  memset (&c, 0, sizeof c);
  c.in_channels = 1;
  c.n_classes = 3;
  c.depth = 3;
  c.channels[0] = 4;
  c.channels[1] = 8;
  c.channels[2] = 16;
  c.skip = skip;
  c.upsample = upsample;
  c.batch_norm = TRUE;
  c.bn_eps = 1e-5f;
  c.output = PL_OUTPUT_SOFTMAX;
  u = pl_unet_new (&c, seed);
  pl_rng_init (&rng, seed + 3);
  for (guint i = 0; i < pl_unet_n_tensors (u); i++)
    {
      const PlUnetParam *p = pl_unet_tensor_info (u, i);
      g_autofree float *v = g_new (float, p->numel);
      gboolean norm = g_str_has_prefix (p->name, "norms.");
      gboolean bias = g_str_has_suffix (p->name, ".bias");

      pl_unet_param_export (u, i, v, FALSE);
      for (gsize k = 0; k < p->numel; k++)
        if (norm && !bias)          /* γ: some negative, so signs flip */
          v[k] = (float) pl_rng_normal (&rng);
        else if (norm)              /* β */
          v[k] = 0.3f * (float) pl_rng_normal (&rng);
        else if (bias)
          v[k] = biases ? 0.1f * (float) pl_rng_normal (&rng) : 0.0f;
      pl_unet_param_import (u, i, v);
    }
  return u;
}

static float *
input (guint64 seed)
{
  PlRng rng;
  float *x = g_new (float, H * W);
  pl_rng_init (&rng, seed);
  for (int i = 0; i < H * W; i++)
    x[i] = pl_rng_uniform (&rng);
  return x;
}

static float *
logits_of (PlUnet *u, PlTape *tape, float *x)
{
  PlTensor *l;
  float *out;
  pl_tape_reset (tape);
  pl_tape_set_grad_enabled (tape, FALSE);
  l = pl_unet_forward (u, tape, pl_tape_wrap (tape, 1, 1, H, W, x, FALSE), NULL);
  out = g_memdup2 (l->data, pl_tensor_numel (l) * sizeof (float));
  pl_tape_reset (tape);
  return out;
}

static int
tensor_named (PlUnet *u, const char *name)
{
  for (guint i = 0; i < pl_unet_n_tensors (u); i++)
    if (strcmp (pl_unet_tensor_info (u, i)->name, name) == 0)
      return (int) i;
  g_assert_not_reached ();
}

static void
test_fold (void)
{
  PlTape *tape = pl_tape_new (1 << 20);
  static const struct { PlUpsample up; gboolean skip; } nets[] = {
    { PL_UPSAMPLE_CONVT, TRUE }, { PL_UPSAMPLE_BILINEAR, FALSE }, { PL_UPSAMPLE_BILINEAR, TRUE },
  };

  for (guint n = 0; n < G_N_ELEMENTS (nets); n++)
    {
      g_autoptr (PlUnet) u = bn_unet (nets[n].up, nets[n].skip, 10 + n, TRUE);
      g_autofree float *x = input (n), *a = NULL, *b = NULL;
      g_autoptr (PlUnet) f = pl_unet_fold_batch_norm (u, tape, x, H, W);
      double worst = 0.0, top = 0.0;

      g_assert_false (pl_unet_get_config (f)->batch_norm);
      a = logits_of (u, tape, x);
      b = logits_of (f, tape, x);
      for (int i = 0; i < 3 * H * W; i++)
        {
          worst = MAX (worst, fabs (a[i] - b[i]));
          top = MAX (top, fabs (a[i]));
        }
      g_test_message ("net %u: |folded − batch norm| %.3g of %.3g", n, worst, top);
      g_assert_cmpfloat (top, >, 0.0);
      g_assert_cmpfloat (worst, <=, 1e-4 * top);
    }
  pl_tape_free (tape);
}

static void
test_conservation (void)
{
  static const char *const cases[][2] = {
    { "lrp-ab", "zb=0" }, { "lrp-ab", "zb=1" }, { "lrp-a2b1", "zb=1" }, { "lrp-eps", "epsilon=1e-9,zb=0" },
  };
  PlTape *tape = pl_tape_new (1 << 20);
  g_autoptr (PlUnet) u = bn_unet (PL_UPSAMPLE_CONVT, TRUE, 21, FALSE);
  const PlUnetConfig *c = pl_unet_get_config (u);
  int n_norms = 2 * c->depth + 2 * (c->depth - 1);
  g_autofree float *x = input (7);
  PlExplainTarget t = { 1, PL_EXPLAIN_REGION_PIXEL, 12, 17, NULL };
  g_autoptr (PlExplainer) ex = NULL;
  g_autoptr (GError) error = NULL;

  /* β chosen layer by layer (each layer's statistics depend only on the
   * ones before it) so that every folded bias is zero: relevance can leak
   * to no bias, and must all reach the input. */
  for (int k = 0; k < n_norms; k++)
    {
      g_autoptr (PlUnet) f = pl_unet_fold_batch_norm (u, tape, x, H, W);
      g_autofree char *conv = k < 2 * c->depth
                              ? g_strdup_printf ("enc.%d.%d.bias", k / 2, k % 2)
                              : g_strdup_printf ("dec.%d.%d.bias", (k - 2 * c->depth) / 2, k % 2);
      g_autofree char *beta = g_strdup_printf ("norms.%d.bias", k);
      int fi = tensor_named (f, conv), bi = tensor_named (u, beta);
      gsize n = pl_unet_tensor_info (u, bi)->numel;
      g_autofree float *fb = g_new (float, n), *bv = g_new (float, n);

      pl_unet_param_export (f, fi, fb, FALSE);
      pl_unet_param_export (u, bi, bv, FALSE);
      for (gsize i = 0; i < n; i++)
        bv[i] -= fb[i];
      pl_unet_param_import (u, bi, bv);
    }
  ex = pl_explainer_new (u, x, H, W, &t, &error);
  g_assert_no_error (error);
  for (gsize k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      const PlExplainMethod *m = pl_explain_method_find (cases[k][0]);
      double params[PL_EXPLAIN_MAX_PARAMS];
      float map[H * W];
      PlExplainInfo info;

      g_assert_true (pl_explain_method_parse (m, cases[k][1], params, &error));
      g_assert_true (pl_explain_compute (ex, m, params, map, &info, NULL, &error));
      g_assert_no_error (error);
      g_test_message ("%s %s: relevance %.6g, score %.6g", cases[k][0], cases[k][1],
                      info.relevance_sum, info.score);
      g_assert_cmpfloat (fabs (info.score), >, 1e-3);
      g_assert_cmpfloat (fabs (info.relevance_sum - info.score), <=, 1e-3 * fabs (info.score));
    }
  pl_tape_free (tape);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lrp-batchnorm/fold", test_fold);
  g_test_add_func ("/lrp-batchnorm/conservation", test_conservation);
  return g_test_run ();
}
