/* Restoration networks trained on the volume's own slices (restore-net.h). */
#define G_LOG_DOMAIN "pl-restore"

#include "engine/restore/restore-net.h"
#include "engine/restore/adversarial.h"
#include "engine/restore/perceptual.h"
#include "engine/restore/restore-common.h"
#include "engine/core/rng.h"
#include "engine/data/metrics.h"
#include "engine/ops/loss.h"
#include "engine/ops/ops.h"
#include "engine/ops/optim.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

/* The weight of 1 − SSIM in the SSIM loss, the rest MAE (Zhao, Gallo,
 * Frosio & Kautz, "Loss functions for image restoration with neural
 * networks", IEEE TCI 2017, eq. 11). */
#define SSIM_ALPHA 0.84f

static const char *const method_names[] = { "n2n", "n2c", "pair", "supervised" };
static const char *const loss_names[] = { "mse", "mae", "ssim", "perceptual", "adv" };

const char *
pl_restore_method_name (PlRestoreMethod m)
{
  return (guint) m < G_N_ELEMENTS (method_names) ? method_names[m] : NULL;
}

int
pl_restore_method_from_name (const char *name)
{
  for (guint i = 0; name && i < G_N_ELEMENTS (method_names); i++)
    if (g_str_equal (name, method_names[i]))
      return (int) i;
  return -1;
}

const char *
pl_restore_loss_name (PlRestoreLoss l)
{
  return (guint) l < G_N_ELEMENTS (loss_names) ? loss_names[l] : NULL;
}

int
pl_restore_loss_from_name (const char *name)
{
  for (guint i = 0; name && i < G_N_ELEMENTS (loss_names); i++)
    if (g_str_equal (name, loss_names[i]))
      return (int) i;
  return -1;
}

void
pl_restore_net_settings_init (PlRestoreNetSettings *s)
{
  memset (s, 0, sizeof *s);
  s->method = PL_RESTORE_N2N;
  s->loss = PL_RESTORE_LOSS_MSE;
  pl_degrade_settings_init (&s->degrade);
  s->degrade.scale = 1.0;
  s->steps = 400;
  s->batch = 8;
  s->patch = 64;
  s->lr = 1e-3f;
  s->rampdown = 0.3f;
  s->beta2 = 0.99f;
  s->width = 16;
  s->depth = 3;
  s->eval_every = 25;
  s->feature_layers = PL_PERCEPTUAL_BOTTLENECK | PL_PERCEPTUAL_FEATURES;
  s->feature_a = 1.0f;
  s->perceptual_weight = 1.0f;
  s->adversarial_weight = 0.01f;
  s->disc_channels = 16;
  s->disc_lr = 2e-4f;
}

gboolean
pl_restore_net_settings_check (const PlRestoreNetSettings *s, GError **error)
{
  const char *why = NULL;
  gboolean noise = s->degrade.kind != PL_DEGRADE_DOWNSAMPLE;

  if (pl_restore_method_name (s->method) == NULL)
    why = "unknown method";
  else if (pl_restore_loss_name (s->loss) == NULL)
    why = "unknown loss";
  else if (s->method != PL_RESTORE_SUPERVISED && s->loss != PL_RESTORE_LOSS_MSE)
    why = "Noise2Noise, Noise2Clean and two acquisitions train with the MSE loss";
  else if ((s->method == PL_RESTORE_N2N || s->method == PL_RESTORE_N2C) && !noise)
    why = "Noise2Noise and Noise2Clean need a noise, not downsampling";
  else if (s->method != PL_RESTORE_PAIR && !pl_degrade_settings_check (&s->degrade, NULL))
    why = "the synthetic corruption is not valid";
  else if (s->method != PL_RESTORE_PAIR && !(s->degrade.scale > 0.0))
    why = "the corruption's intensity scale must be positive";
  else if (s->steps < 1 || s->steps > 10000000)
    why = "steps must be 1…10000000";
  else if (s->batch < 1 || s->batch > 1024)
    why = "the batch must be 1…1024";
  else if (s->patch < 16 || s->patch > 4096 || s->patch % 4 != 0)
    why = "the patch must be 16…4096 pixels and a multiple of 4";
  else if (!(s->lr > 0.0f && s->lr <= 1.0f) || !(s->disc_lr > 0.0f && s->disc_lr <= 1.0f))
    why = "learning rates must be in (0, 1]";
  else if (!(s->rampdown >= 0.0f && s->rampdown <= 1.0f))
    why = "the ramp-down must be a fraction of the steps, 0…1";
  else if (!(s->beta2 > 0.0f && s->beta2 < 1.0f))
    why = "Adam's β2 must be in (0, 1)";
  else if (s->width < 1 || s->width > 256 || s->depth < 1 || s->depth > 5)
    why = "the network needs 1…256 channels and 1…5 levels";
  else if (s->patch % (1 << (s->depth - 1)) != 0)
    why = "the patch must be a multiple of 2^(levels − 1)";
  else if (s->eval_every < 0)
    why = "eval_every must not be negative";
  else if (s->loss == PL_RESTORE_LOSS_PERCEPTUAL
           && (s->feature_net == NULL || s->feature_layers == 0
               || pl_unet_get_config (s->feature_net)->in_channels != 1
               || s->patch % pl_unet_config_multiple (pl_unet_get_config (s->feature_net)) != 0))
    why = "the perceptual loss needs a one-channel segmentation model, a layer, "
          "and a patch that is a multiple of the model's";
  else if (!(s->perceptual_weight >= 0.0f) || !(s->adversarial_weight >= 0.0f))
    why = "loss weights must not be negative";
  else if (s->disc_channels < 1 || s->disc_channels > 256)
    why = "the discriminator needs 1…256 channels";
  if (why)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID, "restoration network: %s", why);
      return FALSE;
    }
  return TRUE;
}

double
pl_restore_net_lr (const PlRestoreNetSettings *s, int step)
{
  return pl_lr_rampdown (s->lr, s->rampdown, s->steps, step);
}

void
pl_restore_net_config (const PlRestoreNetSettings *s, PlUnetConfig *c)
{
  memset (c, 0, sizeof *c);
  c->in_channels = 1;
  c->n_classes = 1;
  c->depth = s->depth;
  for (int l = 0; l < s->depth; l++)
    c->channels[l] = s->width << l;
  c->skip = TRUE;
  c->upsample = PL_UPSAMPLE_CONVT;
  c->batch_norm = FALSE;
  c->bn_eps = 1e-5f;
  c->output = PL_OUTPUT_NONE;
}

struct _PlRestoreNet
{
  PlUnet  *unet;
  gboolean residual;
  PlTape  *tape;       /* apply's */
  double   step_ms;
  double   final_loss;
};

void
pl_restore_net_free (PlRestoreNet *net)
{
  if (!net)
    return;
  pl_unet_free (net->unet);
  pl_tape_free (net->tape);
  g_free (net);
}

double
pl_restore_net_step_ms (const PlRestoreNet *net)
{
  return net->step_ms;
}

double
pl_restore_net_final_loss (const PlRestoreNet *net)
{
  return net->final_loss;
}

/* out = in restored: (1, 1, H, W) through the network, residual added. */
static PlTensor *
restore_forward (PlUnet *unet, gboolean residual, PlTape *tape, PlTensor *x)
{
  PlTensor *y = pl_unet_forward (unet, tape, x, NULL);
  return residual ? pl_add (tape, x, y) : y;
}

void
pl_restore_net_apply (PlRestoreNet *net, const float *in, int n, int h, int w, float *out)
{
  PlRestoreWindow win;
  g_autofree float *buf = NULL;

  g_return_if_fail (net != NULL && in != NULL && out != NULL);
  pl_restore_window_init (&win, h, w, pl_unet_config_multiple (pl_unet_get_config (net->unet)));
  buf = g_new (float, win.size);
  if (net->tape == NULL)
    net->tape = pl_tape_new (16 << 20);
  pl_tape_set_grad_enabled (net->tape, FALSE);
  for (int k = 0; k < n; k++)
    {
      PlTensor *x, *y;

      pl_tape_reset (net->tape);
      pl_restore_window_pad (&win, in + (gsize) k * h * w, buf);
      x = pl_tape_wrap (net->tape, 1, 1, win.wh, win.ww, buf, FALSE);
      y = restore_forward (net->unet, net->residual, net->tape, x);
      pl_restore_window_crop (&win, y->data, out + (gsize) k * h * w);
    }
  pl_tape_reset (net->tape);
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* Patch b of a step: P × P of plane k at (oy, ox). */
static void
crop (const float *planes, int h, int w, int k, int oy, int ox, int P, float *dst)
{
  for (int y = 0; y < P; y++)
    memcpy (dst + (gsize) y * P, planes + ((gsize) k * h + oy + y) * w + ox, (gsize) P * sizeof (float));
}

/* A noisy copy of src from the stream (seed, stream): fresh noise per call. */
static void
noisy_copy (const float *src, float *dst, int P, const PlDegradeSettings *deg, gint64 stream)
{
  memcpy (dst, src, (gsize) P * P * sizeof (float));
  pl_degrade_plane (dst, P, P, stream, deg);
}

PlRestoreNet *
pl_restore_net_train (const PlRestoreData        *data,
                      const PlRestoreNetSettings *settings,
                      PlRestoreNetStepFunc        on_step,
                      gpointer                    user_data,
                      const PlProgress           *progress,
                      GError                    **error)
{
  PlRestoreNetSettings s = *settings;
  PlUnetConfig cfg;
  g_autoptr (PlRestoreNet) net = NULL;
  g_autoptr (PlOptimizer) opt = NULL, dopt = NULL;
  g_autoptr (PlTape) tape = NULL;
  g_autoptr (PlPatchDisc) disc = NULL;
  g_autofree float *in = NULL, *tgt = NULL, *clean = NULL, *fake = NULL;
  g_autofree float *val_out = NULL;
  g_autofree double *times = NULL;
  PlDegradeSettings deg;
  PlRng rng;
  int P, B = s.batch, h = data->h, w = data->w, n = data->n;
  gsize pp;

  if (!pl_restore_net_settings_check (&s, error))
    return NULL;
  if (n < 1 || h < 1 || w < 1
      || (s.method == PL_RESTORE_PAIR ? (!data->noisy || !data->noisy2) : !data->clean))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID, "restoration network: %s",
                   s.method == PL_RESTORE_PAIR ? "two acquisitions are needed"
                                               : "no slices to learn from");
      return NULL;
    }
  /* the largest patch that fits, when the slices are smaller */
  P = MIN (s.patch, MIN (h, w));
  {
    int m = MAX (4, 1 << (s.depth - 1));
    if (s.loss == PL_RESTORE_LOSS_PERCEPTUAL)
      m = MAX (m, pl_unet_config_multiple (pl_unet_get_config (s.feature_net)));
    P -= P % m;
    if (P < MAX (m, 16))
      {
        g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                     "restoration network: slices of %d × %d are too small for patches", h, w);
        return NULL;
      }
  }
  pp = (gsize) P * P;
  deg = s.degrade;
  pl_restore_net_config (&s, &cfg);
  net = g_new0 (PlRestoreNet, 1);
  net->unet = pl_unet_new (&cfg, s.seed);
  net->residual = s.residual;
  opt = pl_optimizer_new_adam (pl_unet_n_params (net->unet), s.lr, 0.9f, s.beta2, 1e-8f);
  if (s.loss == PL_RESTORE_LOSS_ADVERSARIAL)
    {
      disc = pl_patch_disc_new (s.disc_channels, s.seed ^ 0x5bd1e995u);
      /* β1 = 0.5 as pix2pix and DCGAN */
      dopt = pl_optimizer_new_adam (pl_patch_disc_n_params (disc), s.disc_lr, 0.5f, 0.999f, 1e-8f);
      fake = g_new (float, B * pp);
    }
  tape = pl_tape_new (32 << 20);
  pl_rng_init (&rng, s.seed);
  in = g_new (float, B * pp);
  tgt = g_new (float, B * pp);
  clean = g_new (float, pp);
  times = g_new (double, s.steps);
  if (data->val_input)
    val_out = g_new (float, (gsize) h * w);

  for (int step = 1; step <= s.steps; step++)
    {
      double t0 = g_get_monotonic_time () * 1e-3;
      PlRestoreNetStep st = { 0 };
      PlTensor *x, *t, *y, *loss;

      if (pl_progress_cancelled (progress))
        {
          pl_progress_set_cancelled_error (error);
          return NULL;
        }
      for (int b = 0; b < B; b++)
        {
          int k = (int) (pl_rng_next (&rng) % (guint64) n);
          int oy = (int) (pl_rng_next (&rng) % (guint64) (h - P + 1));
          int ox = (int) (pl_rng_next (&rng) % (guint64) (w - P + 1));
          float *bi = in + b * pp, *bt = tgt + b * pp;
          /* two noise streams per patch, disjoint from every other patch's */
          gint64 stream = ((gint64) step * B + b) * 2;

          switch (s.method)
            {
            case PL_RESTORE_N2N:
              crop (data->clean, h, w, k, oy, ox, P, clean);
              noisy_copy (clean, bi, P, &deg, stream);
              noisy_copy (clean, bt, P, &deg, stream + 1);
              break;
            case PL_RESTORE_N2C:
            case PL_RESTORE_SUPERVISED:
              crop (data->clean, h, w, k, oy, ox, P, clean);
              noisy_copy (clean, bi, P, &deg, stream);
              memcpy (bt, clean, pp * sizeof (float));
              break;
            case PL_RESTORE_PAIR:
              {
                gboolean swap = pl_rng_next (&rng) & 1;
                crop (swap ? data->noisy2 : data->noisy, h, w, k, oy, ox, P, bi);
                crop (swap ? data->noisy : data->noisy2, h, w, k, oy, ox, P, bt);
              }
              break;
            }
        }

      pl_tape_reset (tape);
      x = pl_tape_wrap (tape, B, 1, P, P, in, FALSE);
      t = pl_tape_wrap (tape, B, 1, P, P, tgt, FALSE);
      y = restore_forward (net->unet, s.residual, tape, x);
      switch (s.loss)
        {
        case PL_RESTORE_LOSS_MSE:
          loss = pl_mse (tape, y, t);
          break;
        case PL_RESTORE_LOSS_MAE:
          loss = pl_mae (tape, y, t);
          break;
        case PL_RESTORE_LOSS_SSIM:
          /* α (1 − SSIM) + (1 − α) MAE, α = 0.84 (Zhao et al. 2017): SSIM
           * alone barely sees an intensity offset on flat dark background
           * (its luminance term saturates), and stalls there */
          loss = pl_add (tape,
                         pl_affine_scalar (tape, pl_ssim (tape, y, t, 1.0f), -SSIM_ALPHA, SSIM_ALPHA),
                         pl_affine_scalar (tape, pl_mae (tape, y, t), 1.0f - SSIM_ALPHA, 0.0f));
          break;
        case PL_RESTORE_LOSS_PERCEPTUAL:
          loss = pl_add (tape, pl_mse (tape, y, t),
                         pl_affine_scalar (tape, pl_perceptual_loss (tape, s.feature_net, s.feature_layers,
                                                                     s.feature_a, s.feature_b, y, t),
                                           s.perceptual_weight, 0.0f));
          break;
        case PL_RESTORE_LOSS_ADVERSARIAL:
          loss = pl_add (tape, pl_mse (tape, y, t),
                         pl_affine_scalar (tape, pl_adversarial_loss (tape, disc, y, TRUE),
                                           s.adversarial_weight, 0.0f));
          break;
        default:
          g_assert_not_reached ();
        }
      st.loss = loss->data[0];
      pl_unet_zero_grad (net->unet);
      if (!pl_tape_backward (tape, loss, NULL, error))
        return NULL;
      st.lr = opt->lr = (float) pl_restore_net_lr (&s, step);
      pl_optimizer_step (opt, pl_unet_params (net->unet), pl_unet_grads (net->unet));
      if (s.loss == PL_RESTORE_LOSS_PERCEPTUAL)
        pl_unet_zero_grad (s.feature_net);   /* frozen: its gradients are not used */
      st.adv_d_loss = NAN;
      if (disc)
        {
          PlTensor *ld;

          /* the discriminator's step, the generator's output held constant */
          memcpy (fake, y->data, B * pp * sizeof (float));
          pl_tape_reset (tape);
          ld = pl_affine_scalar (tape,
                                 pl_add (tape,
                                         pl_adversarial_loss (tape, disc, pl_tape_wrap (tape, B, 1, P, P, tgt, FALSE), TRUE),
                                         pl_adversarial_loss (tape, disc, pl_tape_wrap (tape, B, 1, P, P, fake, FALSE), FALSE)),
                                 0.5f, 0.0f);
          st.adv_d_loss = ld->data[0];
          pl_patch_disc_zero_grad (disc);
          if (!pl_tape_backward (tape, ld, NULL, error))
            return NULL;
          pl_optimizer_step (dopt, pl_patch_disc_params (disc), pl_patch_disc_grads (disc));
        }
      times[step - 1] = g_get_monotonic_time () * 1e-3 - t0;
      net->final_loss = st.loss;

      st.step = step;
      st.steps = s.steps;
      st.step_ms = times[step - 1];
      st.val_psnr = st.val_ssim = NAN;
      st.h = h;
      st.w = w;
      if (val_out && ((s.eval_every > 0 && step % s.eval_every == 0) || step == s.steps))
        {
          pl_restore_net_apply (net, data->val_input, 1, h, w, val_out);
          st.val_output = val_out;
          if (data->val_reference)
            {
              st.val_psnr = pl_psnr (val_out, data->val_reference, (gsize) h * w, 1.0);
              if (h >= 11 && w >= 11)
                st.val_ssim = pl_ssim_value (val_out, data->val_reference, 1, h, w, 1.0f);
            }
        }
      if (on_step)
        on_step (&st, user_data);
      if (!pl_progress_report (progress, (double) step / s.steps, NULL))
        {
          pl_progress_set_cancelled_error (error);
          return NULL;
        }
    }
  qsort (times, s.steps, sizeof (double), cmp_double);
  net->step_ms = times[s.steps / 2];
  return g_steal_pointer (&net);
}
