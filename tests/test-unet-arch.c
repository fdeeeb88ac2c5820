/* Network builder options beyond the plain UNet: the FCN skip head
 * (head_scales), the bottleneck's transformer block (attention_heads) and
 * narrow skips (skip_channels).  Finite-difference gradients of the whole network with the
 * option (input and parameters, the new tensors among them), the option's
 * start equal to the plain network, a little training on a phantom and the
 * model file round trip. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "engine/data/dataset.h"
#include "engine/explain/explain.h"
#include "engine/nn/model.h"
#include "engine/nn/infer.h"
#include "engine/nn/train.h"
#include "engine/ops/loss.h"
#include "engine/ops/ops.h"
#include "test-op-common.h"
#include "tests/test-sanitizer.h"

#define DX 32
#define DY 32
#define DZ 8
#define IN 3
#define OUT 9
#define H_IN 1e-3f   /* finite-difference step */

/* A tiny network: 4 levels of 2, 3, 4, 4 channels, 3 classes, no dropout. */
static void
tiny_config (PlUnetConfig *c, int head_scales)
{
  pl_unet_config_ref (c);
  c->depth = 4;
  memset (c->channels, 0, sizeof c->channels);
  c->channels[0] = 2;
  c->channels[1] = 3;
  c->channels[2] = 4;
  c->channels[3] = 4;
  c->n_classes = 3;
  c->dropout_p = 0.0f;
  c->head_scales = head_scales;
}

/* Every parameter redrawn in [-0.5, 0.5) (the FCN heads start at zero,
 * where their inputs' gradients would vanish). */
static void
randomise (PlUnet *u, guint64 seed)
{
  PlRng rng;
  pl_rng_init (&rng, seed);
  for (gsize k = 0; k < pl_unet_n_params (u); k++)
    pl_unet_params (u)[k] = pl_rng_range (&rng, -0.5f, 0.5f);
}

typedef struct
{
  PlUnet *unet;
  int     n, h, w;
  float  *x;
  float  *r;       /* projection of the logits */
} Net;

static double
project (Net *n, PlTape *tape, gboolean grad, PlTensor **xt_out)
{
  PlTensor *xt, *y;
  double s = 0.0;

  pl_tape_reset (tape);
  pl_tape_set_grad_enabled (tape, grad);
  xt = pl_tape_wrap (tape, n->n, 1, n->h, n->w, n->x, grad);
  y = pl_unet_forward (n->unet, tape, xt, NULL);
  g_assert_cmpint (y->c, ==, pl_unet_get_config (n->unet)->n_classes);
  g_assert_cmpint (y->h, ==, n->h);
  for (gsize k = 0; k < pl_tensor_numel (y); k++)
    s += (double) n->r[k] * y->data[k];
  if (grad)
    {
      g_autoptr (GError) error = NULL;
      pl_unet_zero_grad (n->unet);
      g_assert_true (pl_tape_backward (tape, y, n->r, &error));
      *xt_out = xt;
    }
  return s;
}

/* Central difference of the projection with respect to one float.  The
 * network is piecewise linear (ReLU, max-pooling); where a kink lies
 * between v − h and v + h the two one-sided differences disagree and the
 * element is not comparable: *kink is set. */
static double
numeric (Net *n, PlTape *tape, float *v, float h, gboolean *kink)
{
  float keep = *v, up, down;
  double l0, lp, lm, fwd, bwd;

  l0 = project (n, tape, FALSE, NULL);
  *v = keep + h;
  up = *v;
  lp = project (n, tape, FALSE, NULL);
  *v = keep - h;
  down = *v;
  lm = project (n, tape, FALSE, NULL);
  *v = keep;
  fwd = (lp - l0) / ((double) up - keep);
  bwd = (l0 - lm) / ((double) keep - down);
  *kink = fabs (fwd - bwd) > 1e-2 * MAX (1.0, MAX (fabs (fwd), fabs (bwd)));
  return (lp - lm) / ((double) up - down);
}

/* Sample as in the plain build under the sanitizers too (narrow skips: the
 * gradients of a tiny randomised net with them live in few channels, and
 * the sanitizers' sparser sampling can land on dead ones only). */
static gboolean dense_sampling;

/* The gradient of Σ r·logits of the whole network with respect to the
 * input and to elements of the tensors whose names start with one of
 * `which` (n_tensors of them), against central differences. */
static void
check_network (const PlUnetConfig *cfg, const char *const *which, guint n_tensors)
{
  g_autoptr (PlUnet) u = NULL;
  g_autoptr (PlTape) tape = pl_tape_new (1 << 20);
  Net n = { NULL, 2, 16, 16, NULL, NULL };
  gsize nx = (gsize) n.n * n.h * n.w, ny;
  g_autofree float *gx = NULL, *gp = NULL;
  PlTensor *xt = NULL;
  double worst_x = 0.0, scale_x = 0.0;
  PlRng rng;
  guint checked = 0, n_checked = 0, n_kinks = 0;

  u = pl_unet_new (cfg, 5);
  randomise (u, 6);
  n.unet = u;
  ny = (gsize) n.n * cfg->n_classes * n.h * n.w;
  n.x = g_new (float, nx);
  n.r = g_new (float, ny);
  pl_rng_init (&rng, 7);
  for (gsize k = 0; k < nx; k++)
    n.x[k] = pl_rng_range (&rng, -1.0f, 1.0f);
  for (gsize k = 0; k < ny; k++)
    n.r[k] = pl_rng_range (&rng, -1.0f, 1.0f);

  project (&n, tape, TRUE, &xt);
  gx = g_memdup2 (xt->grad, nx * sizeof (float));
  gp = g_memdup2 (pl_unet_grads (u), pl_unet_n_params (u) * sizeof (float));

  /* Input: every 7th pixel (fewer under the sanitizers: the same paths). */
  for (gsize k = 0; k < nx; k += dense_sampling ? 7 : TEST_SIZE (7, 31))
    {
      gboolean kink;
      double num = numeric (&n, tape, &n.x[k], H_IN, &kink);
      n_checked++;
      if (kink)
        {
          n_kinks++;
          continue;
        }
      worst_x = MAX (worst_x, fabs (num - gx[k]));
      scale_x = MAX (scale_x, fabs (num));
    }
  g_test_message ("input: max |numeric − analytic| %.3g, max |numeric| %.3g", worst_x, scale_x);
  g_assert_cmpfloat (scale_x, >, 1e-3);
  g_assert_cmpfloat (worst_x, <, 2e-2 * scale_x);

  for (guint i = 0; i < pl_unet_n_tensors (u); i++)
    {
      const PlUnetParam *p = pl_unet_tensor_info (u, i);
      double worst = 0.0, scale = 0.0;
      gboolean wanted = FALSE;
      for (int w = 0; which[w]; w++)
        wanted |= g_str_has_prefix (p->name, which[w]);
      if (!wanted)
        continue;
      for (gsize k = 0; k < p->numel; k += 1 + p->numel / (dense_sampling ? 6 : TEST_SIZE (6, 2)))
        {
          gsize at = p->offset + k;
          gboolean kink;
          double num = numeric (&n, tape, pl_unet_params (u) + at, H_IN, &kink);
          n_checked++;
          if (kink)
            {
              n_kinks++;
              continue;
            }
          worst = MAX (worst, fabs (num - gp[at]));
          scale = MAX (scale, fabs (num));
        }
      g_test_message ("%s: max |numeric − analytic| %.3g, max |numeric| %.3g", p->name, worst, scale);
      /* the key bias's gradient is 0 (it shifts a query's scores alike) */
      if (strcmp (p->name, "attn.k.bias") == 0)
        g_assert_cmpfloat (worst, <, 1e-2);
      else
        {
          /* relative, with a floor for small gradients (the queries'
           * through softmax and layer norm): float rounding of the
           * differences is about 5e-4 at this step */
          g_assert_cmpfloat (scale, >, 1e-4);
          g_assert_cmpfloat (worst, <, 2e-2 * MAX (scale, 0.05));
        }
      checked++;
    }
  g_assert_cmpuint (checked, ==, n_tensors);
  g_test_message ("%u of %u elements skipped at a kink", n_kinks, n_checked);
  g_assert_cmpuint (n_kinks * 5, <, n_checked);
  g_free (n.x);
  g_free (n.r);
}

/* A three-level FCN head: every head tensor, the last decoder block, the
 * bottleneck. */
static void
test_fcn_gradient (void)
{
  static const char *const which[] = { "head", "dec.2.1", "enc.3.1", NULL };
  PlUnetConfig cfg;

  tiny_config (&cfg, 3);
  /* head.weight/bias, head_fcn.2 and .3 weight/bias, dec.2.1, enc.3.1 */
  check_network (&cfg, which, 10);
}

/* A transformer block with two heads on the bottleneck: its tensors, the
 * bottleneck block before it and the first decoder block after it. */
static void
test_attention_gradient (void)
{
  static const char *const which[] = { "attn.", "enc.3.1", "dec.0.0", NULL };
  PlUnetConfig cfg;

  tiny_config (&cfg, 0);
  cfg.attention_heads = 2;
  /* attn.{q,k,v,o}.{weight,bias}, attn.norm.{weight,bias}, enc.3.1, dec.0.0 */
  check_network (&cfg, which, 14);
}

/* Narrow skips: each skip through a 1×1 convolution to 3 channels, without
 * and with batch norm: the projections' tensors and the decoder block that
 * reads the narrowed skip. */
static void
test_narrow_skip_gradient (void)
{
  static const char *const which[] = { "skip.", "dec.0.0", NULL };
  /* with batch norm: the projections' weights (their biases, which the
   * norm's mean removes, have no gradient) and the norms of the two
   * deeper ones (after the encoder's 2 × 4 and the decoder's 2 × 3; the
   * finest one's scale sits at ReLU kinks on every element here) */
  static const char *const which_bn[] = { "skip.0.weight", "skip.1.weight", "skip.2.weight",
                                          "norms.14.", "norms.15.", NULL };
  PlUnetConfig cfg;

  tiny_config (&cfg, 0);
  cfg.skip_channels = 3;
  dense_sampling = TRUE;
  /* skip.{0,1,2}.{weight,bias}, dec.0.0.{weight,bias} */
  check_network (&cfg, which, 8);
  cfg.batch_norm = TRUE;
  check_network (&cfg, which_bn, 7);
  dense_sampling = FALSE;
}

/* A narrow-skip network's layout (the decoder's first convolution reads
 * up-sampled + 2 channels), its limits, and the encoder's reuse (MC
 * dropout's encode / decode) equal to the whole forward pass. */
static void
test_narrow_skip_layout (void)
{
  PlUnetConfig cfg;
  g_autoptr (PlUnet) u = NULL, plain = NULL;
  g_autoptr (PlTape) tape = pl_tape_new (1 << 20);
  g_autoptr (GError) error = NULL;
  g_autofree float *x = g_new (float, 16 * 16), *y = NULL;
  PlUnetEncoded *e;
  PlTensor *xt, *out;
  PlRng rng;
  gboolean found = FALSE;

  tiny_config (&cfg, 0);
  plain = pl_unet_new (&cfg, 5);
  cfg.skip_channels = 2;
  u = pl_unet_new (&cfg, 5);
  for (guint i = 0; i < pl_unet_n_tensors (u); i++)
    {
      const PlUnetParam *p = pl_unet_tensor_info (u, i);
      if (strcmp (p->name, "dec.2.0.weight") == 0)
        {
          /* level 0: 2 up-sampled (the transposed convolution) + 2 of the
           * skip → 2 */
          g_assert_cmpint (p->shape[0], ==, 2);
          g_assert_cmpint (p->shape[1], ==, 2 + 2);
          found = TRUE;
        }
      if (strcmp (p->name, "skip.2.weight") == 0)
        {
          g_assert_cmpint (p->shape[0], ==, 2);
          g_assert_cmpint (p->shape[1], ==, 2);
          g_assert_cmpint (p->shape[2], ==, 1);
        }
    }
  g_assert_true (found);
  /* the tensors before the projections are the plain network's, in place */
  g_assert_cmpstr (pl_unet_tensor_info (u, 0)->name, ==, pl_unet_tensor_info (plain, 0)->name);

  cfg.skip = FALSE;
  g_assert_false (pl_unet_config_check (&cfg, &error));
  g_assert_nonnull (strstr (error->message, "skip channels"));
  cfg.skip = TRUE;
  cfg.skip_channels = -1;
  g_assert_false (pl_unet_config_check (&cfg, NULL));

  randomise (u, 9);
  pl_rng_init (&rng, 4);
  for (int k = 0; k < 16 * 16; k++)
    x[k] = pl_rng_range (&rng, -1.0f, 1.0f);
  pl_tape_set_grad_enabled (tape, FALSE);
  xt = pl_tape_wrap (tape, 1, 1, 16, 16, x, FALSE);
  out = pl_unet_forward (u, tape, xt, NULL);
  y = g_memdup2 (out->data, pl_tensor_numel (out) * sizeof (float));
  pl_tape_reset (tape);
  xt = pl_tape_wrap (tape, 1, 1, 16, 16, x, FALSE);
  e = pl_unet_encode (u, tape, xt);
  out = pl_unet_decode (u, tape, e, NULL);
  for (gsize k = 0; k < pl_tensor_numel (out); k++)
    g_assert_cmpfloat (fabsf (out->data[k] - y[k]), <=, 1e-5f * (1.0f + fabsf (y[k])));

  /* the explainers refuse it with a reason, not a wrong map */
  {
    PlExplainTarget target = { 1, PL_EXPLAIN_REGION_PIXEL, 8, 8, NULL };
    g_clear_error (&error);
    g_assert_null (pl_explainer_new (u, x, 16, 16, &target, &error));
    g_assert_error (error, PL_ERROR, PL_ERROR_INVALID);
    g_assert_nonnull (strstr (error->message, "narrow skip"));
  }
}

/* At its initialisation (score layers zero) the FCN net computes what the
 * plain net with the same other tensors computes; with the score layers set,
 * its logits are the plain head's plus the up-sampled coarse scores, here
 * checked for a constant bias of the coarsest score layer alone (bilinear
 * up-sampling keeps a constant). */
static void
test_fcn_start_and_sum (void)
{
  PlUnetConfig cp, cf;
  g_autoptr (PlUnet) plain = NULL, fcn = NULL;
  g_autoptr (PlTape) tape = pl_tape_new (1 << 20);
  g_autofree float *x = g_new (float, 16 * 16), *y0 = NULL;
  PlTensor *yp, *yf;
  PlRng rng;

  tiny_config (&cp, 0);
  tiny_config (&cf, 3);
  plain = pl_unet_new (&cp, 11);
  fcn = pl_unet_new (&cf, 11);
  g_assert_cmpuint (pl_unet_n_tensors (fcn), ==, pl_unet_n_tensors (plain) + 4);
  for (guint i = 0; i < pl_unet_n_tensors (fcn); i++)
    {
      const PlUnetParam *p = pl_unet_tensor_info (fcn, i);
      if (g_str_has_prefix (p->name, "head_fcn."))
        for (gsize k = 0; k < p->numel; k++)
          g_assert_cmpfloat (pl_unet_params (fcn)[p->offset + k], ==, 0.0f);
    }
  /* The same draws for the shared tensors (file order, head_fcn last). */
  for (guint i = 0; i < pl_unet_n_tensors (plain); i++)
    {
      const PlUnetParam *p = pl_unet_tensor_info (plain, i), *q = pl_unet_tensor_info (fcn, i);
      g_assert_cmpstr (p->name, ==, q->name);
      g_assert_cmpmem (pl_unet_params (plain) + p->offset, p->numel * sizeof (float),
                       pl_unet_params (fcn) + q->offset, q->numel * sizeof (float));
    }
  pl_rng_init (&rng, 12);
  for (int k = 0; k < 16 * 16; k++)
    x[k] = pl_rng_range (&rng, 0.0f, 1.0f);
  pl_tape_set_grad_enabled (tape, FALSE);
  yp = pl_unet_forward (plain, tape, pl_tape_wrap (tape, 1, 1, 16, 16, x, FALSE), NULL);
  yf = pl_unet_forward (fcn, tape, pl_tape_wrap (tape, 1, 1, 16, 16, x, FALSE), NULL);
  g_assert_cmpmem (yp->data, 3 * 256 * sizeof (float), yf->data, 3 * 256 * sizeof (float));
  y0 = g_memdup2 (yp->data, 3 * 256 * sizeof (float));

  for (guint i = 0; i < pl_unet_n_tensors (fcn); i++)
    {
      const PlUnetParam *p = pl_unet_tensor_info (fcn, i);
      if (strcmp (p->name, "head_fcn.3.bias") == 0)
        for (int c = 0; c < 3; c++)
          pl_unet_params (fcn)[p->offset + c] = 0.25f * (c + 1);
    }
  pl_tape_reset (tape);
  yf = pl_unet_forward (fcn, tape, pl_tape_wrap (tape, 1, 1, 16, 16, x, FALSE), NULL);
  for (int c = 0; c < 3; c++)
    for (int k = 0; k < 256; k++)
      g_assert_cmpfloat (fabsf (yf->data[c * 256 + k] - y0[c * 256 + k] - 0.25f * (c + 1)), <, 1e-5f);
}

/* Explanations of an attention net: the gradient passes through the block;
 * LRP, which has no rule for it, says so instead of passing the gradient
 * off as relevance. */
static void
test_attention_explain (void)
{
  PlUnetConfig cfg;
  g_autoptr (PlUnet) u = NULL;
  g_autoptr (PlExplainer) ex = NULL;
  g_autoptr (GError) error = NULL;
  PlExplainTarget target = { 1, PL_EXPLAIN_REGION_PIXEL, 8, 8, NULL };
  PlExplainInfo info;
  float x[16 * 16], map[16 * 16];
  double nonzero = 0.0;

  tiny_config (&cfg, 0);
  cfg.attention_heads = 2;
  u = pl_unet_new (&cfg, 21);
  randomise (u, 6);   /* as the gradient test: no dead path to the pixel */
  for (int k = 0; k < 256; k++)
    x[k] = (float) ((k * 37) % 101) / 101.0f;
  ex = pl_explainer_new (u, x, 16, 16, &target, &error);
  g_assert_no_error (error);
  g_assert_true (pl_explain_compute (ex, pl_explain_method_find ("grad"), NULL, map, &info, NULL, &error));
  g_assert_no_error (error);
  for (int k = 0; k < 256; k++)
    nonzero += map[k] != 0.0f;
  /* the gradient came back through the block to most of the input */
  g_assert_cmpfloat (nonzero, >, 200);
  g_assert_false (pl_explain_compute (ex, pl_explain_method_find ("lrp-eps"), NULL, map, &info, NULL, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_RULE);
  g_assert_nonnull (strstr (error->message, "attention"));
}

/* Ellipse phantom: bright inside, dim outside, with noise. */
static PlVolume *
make_volume (void)
{
  const gint64 dim[3] = { DX, DY, DZ };
  PlVolume *v = pl_volume_new (dim, NULL, NULL);
  PlRng rng;

  pl_rng_init (&rng, 99);
  for (int k = 0; k < DZ; k++)
    for (int j = 0; j < DY; j++)
      for (int i = 0; i < DX; i++)
        {
          double a = (i - DX / 2.0) / (8.0 + k), b = (j - DY / 2.0) / 7.0;
          gboolean in = a * a + b * b < 1.0;
          v->data[i + DX * (j + DY * k)] = (in ? 200.0f : 60.0f) + pl_rng_range (&rng, -20, 20);
        }
  pl_volume_update_stats (v);
  return v;
}

static void
label_slice (PlLabels *l, int k)
{
  for (int j = 0; j < DY; j++)
    for (int i = 0; i < DX; i++)
      {
        double a = (i - DX / 2.0) / (8.0 + k), b = (j - DY / 2.0) / 7.0;
        l->data[i + DX * (j + DY * k)] = a * a + b * b < 1.0 ? IN : OUT;
      }
}

/* A network with the FCN head (data "fcn"), the transformer block
 * ("attention") or narrow skips ("narrow-skips") trains on the phantom (the loss falls by half; the option's
 * own tensors move), and its model file records the option and gives the
 * same probabilities after loading. */
static void
test_trains_and_roundtrips (gconstpointer data)
{
  gboolean fcn = strcmp (data, "fcn") == 0, narrow = strcmp (data, "narrow-skips") == 0;
  const char *own = fcn ? "head_fcn.2.weight" : narrow ? "skip.0.weight" : "attn.q.weight";
  g_autofree float *start = NULL;
  g_autoptr (PlVolume) v = make_volume ();
  g_autoptr (PlLabels) l = pl_labels_new (v->dim);
  g_autoptr (PlTrainer) tr = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PlModel) saved = NULL, loaded = NULL;
  g_autofree char *dir = g_dir_make_tmp ("pellucid-arch-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "fcn.safetensors", NULL);
  gsize nv = (gsize) DX * DY * DZ;
  g_autofree float *p1 = g_new (float, 2 * nv), *p2 = g_new (float, 2 * nv);
  PlLabelProvider prov;
  PlTrainConfig cfg;
  PlTrainStepInfo info;
  double first = 0.0, last = 0.0;
  int steps = 40;

  label_slice (l, 1);
  label_slice (l, 5);
  pl_label_provider_init_static (&prov, l);
  pl_train_config_init (&cfg);
  cfg.net.depth = 3;
  memset (cfg.net.channels, 0, sizeof cfg.net.channels);
  cfg.net.channels[0] = 4;
  cfg.net.channels[1] = 8;
  cfg.net.channels[2] = 8;
  cfg.net.dropout_p = 0.1f;
  if (fcn)
    {
      g_assert_true (pl_unet_config_head (&cfg.net, "fcn"));
      g_assert_cmpint (cfg.net.head_scales, ==, 2);
    }
  else if (narrow)
    cfg.net.skip_channels = 2;
  else
    cfg.net.attention_heads = 2;
  cfg.batch = 4;
  cfg.lr = 1e-2f;
  cfg.axis = 2;
  cfg.seed = 3;
  tr = pl_trainer_new (&cfg, v, &prov, &error);
  g_assert_no_error (error);
  {
    PlUnet *u = pl_trainer_get_model (tr)->unet;
    for (guint i = 0; i < pl_unet_n_tensors (u); i++)
      {
        const PlUnetParam *p = pl_unet_tensor_info (u, i);
        if (strcmp (p->name, own) == 0)
          start = g_memdup2 (pl_unet_params (u) + p->offset, p->numel * sizeof (float));
      }
    g_assert_nonnull (start);
  }
  for (int s = 0; s < steps; s++)
    {
      g_assert_true (pl_trainer_step (tr, &info, &error));
      if (s < 5)
        first += info.loss / 5;
      if (s >= steps - 5)
        last += info.loss / 5;
    }
  g_test_message ("%s: loss first 5 steps %.4f, last 5 %.4f", (const char *) data, first, last);
  g_assert_cmpfloat (last, <, 0.5 * first);
  {
    /* The option's own tensor learnt something. */
    PlUnet *u = pl_trainer_get_model (tr)->unet;
    double moved = 0.0;
    for (guint i = 0; i < pl_unet_n_tensors (u); i++)
      {
        const PlUnetParam *p = pl_unet_tensor_info (u, i);
        if (strcmp (p->name, own) == 0)
          for (gsize k = 0; k < p->numel; k++)
            moved += fabs (pl_unet_params (u)[p->offset + k] - start[k]);
      }
    g_test_message ("%s moved by %.4g (sum of |change|)", own, moved);
    g_assert_cmpfloat (moved, >, 1e-3);
  }

  saved = pl_trainer_export_model (tr);
  g_assert_true (pl_model_save (saved, path, &error));
  g_assert_no_error (error);
  loaded = pl_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pl_unet_get_config (loaded->unet)->head_scales, ==, fcn ? 2 : 0);
  g_assert_cmpint (pl_unet_get_config (loaded->unet)->attention_heads, ==, fcn || narrow ? 0 : 2);
  g_assert_cmpint (pl_unet_get_config (loaded->unet)->skip_channels, ==, narrow ? 2 : 0);
  g_assert_cmpstr (pl_unet_config_head_name (pl_unet_get_config (loaded->unet)), ==, fcn ? "fcn" : "plain");
  g_assert_cmpuint (pl_unet_n_params (loaded->unet), ==, pl_unet_n_params (saved->unet));
  g_assert_true (pl_model_predict_volume (saved, v, 4, p1, NULL, NULL, &error));
  g_assert_true (pl_model_predict_volume (loaded, v, 4, p2, NULL, NULL, &error));
  g_assert_cmpmem (p1, 2 * nv * sizeof (float), p2, 2 * nv * sizeof (float));
  g_unlink (path);
  g_rmdir (dir);
}

/* Names and limits of the options. */
static void
test_fcn_config (void)
{
  PlUnetConfig c;
  g_autoptr (GError) error = NULL;

  pl_unet_config_small (&c);
  g_assert_cmpint (c.head_scales, ==, 0);
  g_assert_cmpstr (pl_unet_config_head_name (&c), ==, "plain");
  g_assert_true (pl_unet_config_head (&c, "fcn"));
  g_assert_cmpint (c.head_scales, ==, 3);
  g_assert_false (pl_unet_config_head (&c, "fcn8"));
  c.head_scales = 4;   /* depth 4: decoder levels 1 … 3 */
  g_assert_false (pl_unet_config_check (&c, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "head scales"));
  c.head_scales = 3;
  c.attention_heads = 3;   /* the bottleneck has 64 channels */
  g_clear_error (&error);
  g_assert_false (pl_unet_config_check (&c, &error));
  g_assert_nonnull (strstr (error->message, "attention heads"));
  c.attention_heads = 4;
  g_assert_true (pl_unet_config_check (&c, NULL));
  c.depth = 1;
  c.channels[0] = 8;
  g_assert_true (pl_unet_config_head (&c, "fcn"));
  g_assert_cmpint (c.head_scales, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/arch/fcn/config", test_fcn_config);
  g_test_add_func ("/arch/fcn/gradient", test_fcn_gradient);
  g_test_add_func ("/arch/fcn/start-and-sum", test_fcn_start_and_sum);
  g_test_add_func ("/arch/attention/gradient", test_attention_gradient);
  g_test_add_func ("/arch/attention/explain", test_attention_explain);
  g_test_add_func ("/arch/narrow-skips/gradient", test_narrow_skip_gradient);
  g_test_add_func ("/arch/narrow-skips/layout", test_narrow_skip_layout);
  g_test_add_data_func ("/arch/narrow-skips/trains-and-roundtrips", "narrow-skips",
                        test_trains_and_roundtrips);
  g_test_add_data_func ("/arch/fcn/trains-and-roundtrips", "fcn", test_trains_and_roundtrips);
  g_test_add_data_func ("/arch/attention/trains-and-roundtrips", "attention", test_trains_and_roundtrips);
  return g_test_run ();
}
