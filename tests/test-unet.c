/* The whole small UNet (and a DIP-like network with batch norm) against the
 * committed PyTorch reference tests/fixtures/unet-small.safetensors made by
 * tests/make-unet-fixture.py: output, loss, every parameter gradient, the
 * input gradient, and the parameters after one Adam step.
 *
 * Tolerances: outputs and loss 1e-5 relative to the largest magnitude;
 * gradients 2e-4 relative to the tensor's largest |gradient| or 1e-3,
 * whichever is larger (float32 sums in a different order); after Adam, 1e-6 absolute, except where the reference
 * gradient is below 1e-3 of the tensor's largest, where Adam's first step
 * (≈ lr·sign(g)) may flip on rounding: there 2·lr + 1e-6. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "engine/ops/loss.h"
#include "engine/nn/model.h"
#include "engine/ops/ops.h"
#include "engine/ops/optim.h"
#include "engine/core/rng.h"
#include "engine/io/safetensors.h"
#include "engine/nn/unet.h"
#include "tests/fixture.h"

static double
rel_err (const float *got, const float *want, gsize n)
{
  double e = 0.0;
  for (gsize i = 0; i < n; i++)
    e = MAX (e, fabs ((double) got[i] - want[i]));
  /* Floor: a conv bias before batch norm has a zero true gradient, and
   * both sides hold only rounding noise there. */
  return e / MAX (max_abs (want, n), 1e-3);
}

static void
load_weights (PlUnet *u, const char *prefix)
{
  for (guint i = 0; i < pl_unet_n_tensors (u); i++)
    {
      const PlUnetParam *p = pl_unet_tensor_info (u, i);
      g_autofree char *name = g_strdup_printf ("%s.%s", prefix, p->name);
      gsize n;
      g_autofree float *w = get (name, &n);
      g_assert_cmpuint (n, ==, p->numel);
      pl_unet_param_import (u, i, w);
    }
}

static void
compare_params (PlUnet *u, const char *prefix, float lr)
{
  for (guint i = 0; i < pl_unet_n_tensors (u); i++)
    {
      const PlUnetParam *p = pl_unet_tensor_info (u, i);
      g_autofree char *gname = g_strdup_printf ("%s.grad.%s", prefix, p->name);
      g_autofree char *aname = g_strdup_printf ("%s.adam.%s", prefix, p->name);
      g_autofree float *gwant = get (gname, NULL);
      g_autofree float *awant = get (aname, NULL);
      g_autofree float *ggot = g_new (float, p->numel);
      g_autofree float *agot = g_new (float, p->numel);
      double gmax = MAX (max_abs (gwant, p->numel), 1e-3), worst = 0.0;
      double gerr;

      pl_unet_param_export (u, i, ggot, TRUE);
      pl_unet_param_export (u, i, agot, FALSE);
      gerr = rel_err (ggot, gwant, p->numel);
      g_test_message ("%s %s: grad rel err %.3g", prefix, p->name, gerr);
      g_assert_cmpfloat (gerr, <, 2e-4);
      for (gsize k = 0; k < p->numel; k++)
        {
          double d = fabs ((double) agot[k] - awant[k]);
          double tol = fabs (gwant[k]) < 1e-3 * gmax ? 2.0 * lr + 1e-6 : 1e-6;
          g_assert_cmpfloat (d, <=, tol);
          worst = MAX (worst, fabs (gwant[k]) < 1e-3 * gmax ? 0.0 : d);
        }
      g_test_message ("%s %s: after Adam max err %.3g", prefix, p->name, worst);
    }
}

static void
test_unet_reference (void)
{
  PlUnetConfig cfg;
  g_autoptr (PlUnet) u = NULL;
  g_autoptr (PlTape) tape = pl_tape_new (8 << 20);
  g_autoptr (PlOptimizer) opt = NULL;
  g_autoptr (GError) error = NULL;
  gsize nx, ny, nt;
  g_autofree float *x = get ("unet.input", &nx);
  g_autofree float *want = get ("unet.output", &ny);
  g_autofree float *tf = get ("unet.target", &nt);
  g_autofree float *loss_want = get ("unet.loss", NULL);
  g_autofree float *gx_want = get ("unet.grad.input", NULL);
  g_autofree gint32 *target = g_new (gint32, nt);
  PlTensor *xt, *logits, *loss;

  pl_unet_config_ref (&cfg);
  cfg.depth = 3;
  cfg.channels[0] = 4;
  cfg.channels[1] = 8;
  cfg.channels[2] = 16;
  cfg.dropout_p = 0.0f;
  u = pl_unet_new (&cfg, 1);
  load_weights (u, "unet");
  for (gsize i = 0; i < nt; i++)
    target[i] = (gint32) tf[i];

  xt = pl_tape_input (tape, 2, 1, 32, 32, x, TRUE);
  logits = pl_unet_forward (u, tape, xt, NULL);
  g_assert_cmpuint (pl_tensor_numel (logits), ==, ny);
  g_test_message ("logits rel err %.3g", rel_err (logits->data, want, ny));
  g_assert_cmpfloat (rel_err (logits->data, want, ny), <, 1e-5);
  loss = pl_add (tape, pl_cross_entropy (tape, logits, target, -1),
                 pl_dice_loss (tape, pl_softmax (tape, logits), target, -1));
  g_test_message ("loss %.7f, reference %.7f", loss->data[0], loss_want[0]);
  g_assert_cmpfloat (fabs (loss->data[0] - loss_want[0]), <, 1e-5 * fabs (loss_want[0]));

  pl_unet_zero_grad (u);
  g_assert_true (pl_tape_backward (tape, loss, NULL, &error));
  g_assert_cmpfloat (rel_err (xt->grad, gx_want, nx), <, 2e-4);
  opt = pl_optimizer_new_adam (pl_unet_n_params (u), 1e-3f, 0.9f, 0.999f, 1e-8f);
  pl_optimizer_step (opt, pl_unet_params (u), pl_unet_grads (u));
  compare_params (u, "unet", 1e-3f);
}

static void
test_dip_reference (void)
{
  PlUnetConfig cfg;
  g_autoptr (PlUnet) u = NULL;
  g_autoptr (PlTape) tape = pl_tape_new (1 << 20);
  g_autoptr (PlOptimizer) opt = NULL;
  g_autoptr (GError) error = NULL;
  gsize nx, ny;
  g_autofree float *x = get ("dip.input", &nx);
  g_autofree float *want = get ("dip.output", &ny);
  g_autofree float *ref = get ("dip.target", NULL);
  g_autofree float *loss_want = get ("dip.loss", NULL);
  g_autofree float *gx_want = get ("dip.grad.input", NULL);
  PlTensor *xt, *out, *loss;

  pl_unet_config_dip (&cfg);
  cfg.in_channels = 3;
  cfg.depth = 3;
  cfg.channels[0] = 4;
  cfg.channels[1] = 8;
  cfg.channels[2] = 8;
  u = pl_unet_new (&cfg, 1);
  load_weights (u, "dip");

  xt = pl_tape_input (tape, 1, 3, 16, 24, x, TRUE);
  out = pl_unet_output (u, tape, pl_unet_forward (u, tape, xt, NULL));
  g_assert_cmpfloat (rel_err (out->data, want, ny), <, 1e-5);
  loss = pl_mse (tape, out, pl_tape_wrap (tape, 1, 1, 16, 24, ref, FALSE));
  g_test_message ("dip loss %.7f, reference %.7f", loss->data[0], loss_want[0]);
  g_assert_cmpfloat (fabs (loss->data[0] - loss_want[0]), <, 1e-5 * fabs (loss_want[0]));
  pl_unet_zero_grad (u);
  g_assert_true (pl_tape_backward (tape, loss, NULL, &error));
  g_assert_cmpfloat (rel_err (xt->grad, gx_want, nx), <, 2e-4);
  opt = pl_optimizer_new_adam (pl_unet_n_params (u), 1e-2f, 0.9f, 0.999f, 1e-8f);
  pl_optimizer_step (opt, pl_unet_params (u), pl_unet_grads (u));
  compare_params (u, "dip", 1e-2f);
}

/* The two reference networks of reference-workloads.md as the builder makes
 * them: unet2d-ref has the peer's parameter count (torch_unet_ref.py prints
 * 1940868), dip-ref gives sigmoid outputs for a 32-channel noise input. */
static void
test_reference_configs (void)
{
  PlUnetConfig cfg;
  g_autoptr (PlUnet) ref = NULL, dip = NULL;
  g_autoptr (PlTape) tape = pl_tape_new (16 << 20);
  gsize n = 0, nd = 0;
  PlTensor *z, *out;
  PlRng rng;

  pl_unet_config_ref (&cfg);
  ref = pl_unet_new (&cfg, 0);
  for (guint i = 0; i < pl_unet_n_tensors (ref); i++)
    n += pl_unet_tensor_info (ref, i)->numel;
  g_assert_cmpuint (n, ==, 1940868);

  pl_unet_config_dip (&cfg);
  dip = pl_unet_new (&cfg, 0);
  for (guint i = 0; i < pl_unet_n_tensors (dip); i++)
    nd += pl_unet_tensor_info (dip, i)->numel;
  /* convs of DIPNet(bn=True) + 2 × (sum of BN channels) */
  {
    const int chs[5] = { 32, 64, 128, 128, 128 };
    gsize want = 0, bn = 0;
    int c = 32;
    for (int l = 0; l < 5; l++)
      {
        want += (gsize) 9 * c * chs[l] + chs[l] + (gsize) 9 * chs[l] * chs[l] + chs[l];
        bn += 2 * chs[l];
        c = chs[l];
      }
    for (int l = 3; l >= 0; l--)
      {
        want += (gsize) 9 * c * chs[l] + chs[l] + (gsize) 9 * chs[l] * chs[l] + chs[l];
        bn += 2 * chs[l];
        c = chs[l];
      }
    want += (gsize) c + 1 + 2 * bn;
    g_assert_cmpuint (nd, ==, want);
  }
  pl_tape_set_grad_enabled (tape, FALSE);
  pl_rng_init (&rng, 0);
  z = pl_tape_tensor (tape, 1, 32, 32, 48);
  for (gsize i = 0; i < pl_tensor_numel (z); i++)
    z->data[i] = pl_rng_range (&rng, 0.0f, 0.1f);
  out = pl_unet_output (dip, tape, pl_unet_forward (dip, tape, z, NULL));
  g_assert_cmpint (out->c, ==, 1);
  g_assert_cmpint (out->h, ==, 32);
  g_assert_cmpint (out->w, ==, 48);
  for (gsize i = 0; i < pl_tensor_numel (out); i++)
    g_assert_true (out->data[i] > 0.0f && out->data[i] < 1.0f);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;

  g_test_init (&argc, &argv, NULL);
  path = g_test_build_filename (G_TEST_DIST, "fixtures", "unet-small.safetensors", NULL);
  fixture = pl_safetensors_load (path, &error);
  g_assert_no_error (error);
  g_test_add_func ("/unet/reference/segmentation", test_unet_reference);
  g_test_add_func ("/unet/reference/dip", test_dip_reference);
  g_test_add_func ("/unet/reference/configs", test_reference_configs);
  {
    int r = g_test_run ();
    pl_safetensors_free (fixture);
    return r;
  }
}
