/* pellucid-cli denoise --method n2n|n2c|pair|supervised: a restoration
 * network trained on the volume's own slices (engine/restore/restore-net.h).
 *
 *   pellucid-cli denoise IN OUT --method n2n|n2c|supervised --reference CLEAN
 *                        [--noise gaussian|rician|poisson|downsample]
 *                        [--level 0.098] [--factor 2]
 *   pellucid-cli denoise IN OUT --method n2n --second IN2 [--reference CLEAN]
 *     [--loss mse|mae|ssim|perceptual|adv] [--residual]
 *     [--model SEG.safetensors --layers bottleneck,features] (perceptual)
 *     [--steps 400] [--batch 8] [--patch 64] [--lr 0.001] [--rampdown 0.3]
 *     [--beta2 0.99] [--width 16]
 *     [--depth 3] [--seed 0] [--threads 2]
 *     [--slice K | --first A --last B] [--train-first A --train-last B]
 *     [--axis axial]
 *
 * With synthetic corruptions (n2n, n2c, supervised) the clean volume CLEAN
 * is the source: Noise2Noise adds two independent noises to each of its
 * patches (the network never sees a clean patch), Noise2Clean and
 * supervised use it as the target.  IN is the corrupted volume to restore
 * (pellucid-cli degrade with the same noise).  With --second, n2n trains
 * on the two real acquisitions IN and IN2 (the "pair" method) and no clean
 * volume is needed.  Intensities are divided by CLEAN's maximum (IN's
 * without one), the noise level is a fraction of that maximum as in
 * pellucid-cli degrade.  OUT is IN with the restored slices replaced (float32
 * NIfTI on IN's grid).  Prints JSON: the settings, training time, PSNR of
 * the middle restored slice during training (with a reference), and the
 * MAE/MSE/NMSE/PSNR/SSIM of IN and OUT over the restored slices. */
#define G_LOG_DOMAIN "pellucid-cli"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/core/gemm.h"
#include "engine/data/dataset.h"
#include "engine/nn/model.h"
#include "engine/restore/compare.h"
#include "engine/restore/perceptual.h"
#include "engine/restore/restore-net.h"
#include "src/cli/commands.h"

typedef struct
{
  GString *curve;
  int      every;
} Progress;

static void
on_step (const PlRestoreNetStep *s, gpointer data)
{
  Progress *p = data;

  if (s->step % p->every == 0 || s->step == s->steps)
    fprintf (stderr, "step %d/%d  loss %.6f%s\n", s->step, s->steps, s->loss,
             isfinite (s->val_psnr) ? "" : "");
  if (isfinite (s->val_psnr))
    g_string_append_printf (p->curve, "%s[%d, %.3f]", p->curve->len > 1 ? ", " : "", s->step, s->val_psnr);
}

/* planes first..last of v along axis, divided by scale: (n, h, w) */
static float *
get_planes (const PlVolume *v, int axis, gint64 first, gint64 last, float scale)
{
  int h, w;
  gsize plane;
  float *out;

  pl_slice_dims (v->dim, axis, &h, &w);
  plane = (gsize) h * w;
  out = g_new (float, (gsize) (last - first + 1) * plane);
  for (gint64 k = first; k <= last; k++)
    {
      float *p = out + (gsize) (k - first) * plane;
      pl_volume_get_slice (v, axis, k, p);
      for (gsize i = 0; i < plane; i++)
        p[i] /= scale;
    }
  return out;
}

static gboolean
check_range (const PlVolume *v, int axis, gint64 *first, gint64 *last, const char *what)
{
  if (*first < 0)
    *first = 0;
  if (*last < 0)
    *last = v->dim[axis] - 1;
  if (*first > *last || *last >= v->dim[axis])
    {
      fprintf (stderr, "pellucid-cli denoise: %s slices %" G_GINT64_FORMAT "…%" G_GINT64_FORMAT
               " are not within 0…%" G_GINT64_FORMAT "\n", what, *first, *last, v->dim[axis] - 1);
      return FALSE;
    }
  return TRUE;
}

int
pel_cli_denoise_net (int argc, char **argv)
{
  g_autofree char *method = NULL, *ref_path = NULL, *second_path = NULL, *axis_name = NULL;
  g_autofree char *loss = NULL, *noise = NULL, *model_path = NULL, *layers = NULL;
  gint64 slice = -1, first = -1, last = -1, tfirst = -1, tlast = -1, seed = 0;
  int threads = 2, factor = 2;
  double level, lr, rampdown, beta2;
  gboolean residual = FALSE;
  PlRestoreNetSettings s;
  g_autoptr (GOptionContext) context = g_option_context_new ("IN OUT");
  g_autoptr (GError) error = NULL;
  g_autoptr (PlVolume) noisy = NULL, ref = NULL, second = NULL, out = NULL;
  g_autoptr (PlModel) model = NULL;
  g_autoptr (PlRestoreNet) net = NULL;
  g_autoptr (GString) json = g_string_new ("{");
  g_autofree float *train_a = NULL, *train_b = NULL, *in_all = NULL, *out_all = NULL, *ref_all = NULL;
  PlRestoreData data = { 0 };
  g_autoptr (GString) curve = g_string_new ("[");
  Progress prog = { curve, 50 };
  int axis, h, w, n;
  float scale;
  double t0;

  pl_restore_net_settings_init (&s);
  level = s.degrade.level;
  lr = s.lr;
  rampdown = s.rampdown;
  beta2 = s.beta2;
  {
    const GOptionEntry entries[] = {
      { "method", 'm', 0, G_OPTION_ARG_STRING, &method, "n2n, n2c, pair or supervised", "METHOD" },
      { "reference", 'r', 0, G_OPTION_ARG_FILENAME, &ref_path, "Clean volume: the source of synthetic corruptions, and the figures", "CLEAN" },
      { "second", 0, 0, G_OPTION_ARG_FILENAME, &second_path, "A second noisy acquisition of the same grid (n2n on real pairs)", "IN2" },
      { "loss", 'l', 0, G_OPTION_ARG_STRING, &loss, "supervised: mse, mae, ssim, perceptual, adv (mse)", "LOSS" },
      { "residual", 0, 0, G_OPTION_ARG_NONE, &residual, "The network predicts the correction", NULL },
      { "noise", 0, 0, G_OPTION_ARG_STRING, &noise, "gaussian, rician, poisson or downsample (gaussian)", "KIND" },
      { "level", 0, 0, G_OPTION_ARG_DOUBLE, &level, "Noise σ as a fraction of the maximum (25/255)", "L" },
      { "factor", 0, 0, G_OPTION_ARG_INT, &factor, "Downsampling factor, 2 or 4 (2)", "F" },
      { "model", 0, 0, G_OPTION_ARG_FILENAME, &model_path, "Segmentation model for the perceptual loss", "MODEL" },
      { "layers", 0, 0, G_OPTION_ARG_STRING, &layers, "Its layers: bottleneck,features (both)", "LIST" },
      { "steps", 'n', 0, G_OPTION_ARG_INT, &s.steps, "Training steps (400)", "N" },
      { "batch", 0, 0, G_OPTION_ARG_INT, &s.batch, "Patches per step (8)", "B" },
      { "patch", 0, 0, G_OPTION_ARG_INT, &s.patch, "Patch size (64)", "P" },
      { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &lr, "Adam learning rate (0.001)", "LR" },
      { "rampdown", 0, 0, G_OPTION_ARG_DOUBLE, &rampdown, "Last fraction of the steps over which the rate falls to 0 (0.3; 0: constant)", "F" },
      { "beta2", 0, 0, G_OPTION_ARG_DOUBLE, &beta2, "Adam's second-moment decay (0.99)", "B2" },
      { "width", 0, 0, G_OPTION_ARG_INT, &s.width, "Channels of the first level (16)", "C" },
      { "depth", 0, 0, G_OPTION_ARG_INT, &s.depth, "Levels (3)", "D" },
      { "slice", 'k', 0, G_OPTION_ARG_INT64, &slice, "The one slice to restore", "K" },
      { "first", 0, 0, G_OPTION_ARG_INT64, &first, "First slice to restore", "A" },
      { "last", 0, 0, G_OPTION_ARG_INT64, &last, "Last slice to restore", "B" },
      { "train-first", 0, 0, G_OPTION_ARG_INT64, &tfirst, "First slice to learn from (0)", "A" },
      { "train-last", 0, 0, G_OPTION_ARG_INT64, &tlast, "Last slice to learn from (the last)", "B" },
      { "axis", 'a', 0, G_OPTION_ARG_STRING, &axis_name, "Slice axis (axial)", "AXIS" },
      { "seed", 's', 0, G_OPTION_ARG_INT64, &seed, "Seed of weights, patches and noise (0)", "SEED" },
      { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "Threads (2)", "T" },
      { NULL }
    };
    g_option_context_set_summary (context, "Trains a restoration network on the volume's slices; writes OUT on IN's grid.");
    g_option_context_add_main_entries (context, entries, NULL);
    if (!g_option_context_parse (context, &argc, &argv, &error))
      {
        fprintf (stderr, "pellucid-cli denoise: %s\n", error->message);
        return 2;
      }
  }
  if (argc != 3 || threads < 1 || (slice >= 0 && (first >= 0 || last >= 0)))
    {
      fprintf (stderr, "Usage: pellucid-cli denoise IN OUT --method n2n|n2c|supervised --reference CLEAN "
                       "[--second IN2] [--loss L] [--residual] [--slice K | --first A --last B]\n");
      return 2;
    }
  if (pl_restore_method_from_name (method) < 0)
    {
      fprintf (stderr, "pellucid-cli denoise: unknown method '%s' (available: dip, n2n, n2c, pair, supervised)\n", method);
      return 2;
    }
  s.method = pl_restore_method_from_name (method);
  if (second_path && s.method == PL_RESTORE_N2N)
    s.method = PL_RESTORE_PAIR;
  if (s.method == PL_RESTORE_PAIR && !second_path)
    {
      fprintf (stderr, "pellucid-cli denoise: two acquisitions need --second IN2\n");
      return 2;
    }
  if (s.method != PL_RESTORE_PAIR && !ref_path)
    {
      fprintf (stderr, "pellucid-cli denoise: %s makes its corruptions from a clean volume: give --reference CLEAN "
                       "(or --second IN2 for Noise2Noise on two acquisitions)\n", method);
      return 2;
    }
  if (loss && pl_restore_loss_from_name (loss) < 0)
    {
      fprintf (stderr, "pellucid-cli denoise: unknown loss '%s' (available: mse, mae, ssim, perceptual, adv)\n", loss);
      return 2;
    }
  if (loss)
    s.loss = pl_restore_loss_from_name (loss);
  if (noise && pl_degrade_kind_from_name (noise) < 0)
    {
      fprintf (stderr, "pellucid-cli denoise: unknown noise '%s' (available: gaussian, rician, poisson, downsample)\n", noise);
      return 2;
    }
  if (noise)
    s.degrade.kind = pl_degrade_kind_from_name (noise);
  s.degrade.level = level;
  s.degrade.factor = factor;
  s.degrade.seed = (guint64) seed;
  s.residual = residual;
  s.lr = (float) lr;
  s.rampdown = (float) rampdown;
  s.beta2 = (float) beta2;
  s.seed = (guint64) seed;
  if (layers)
    {
      s.feature_layers = pl_perceptual_layers_from_string (layers);
      if (s.feature_layers == 0)
        {
          fprintf (stderr, "pellucid-cli denoise: unknown layers '%s' (available: bottleneck, features)\n", layers);
          return 2;
        }
    }
  if (s.loss == PL_RESTORE_LOSS_PERCEPTUAL)
    {
      if (!model_path)
        {
          fprintf (stderr, "pellucid-cli denoise: the perceptual loss needs --model SEG.safetensors\n");
          return 2;
        }
      model = pl_model_load (model_path, &error);
      if (!model)
        {
          fprintf (stderr, "pellucid-cli denoise: %s\n", error->message);
          return 1;
        }
      s.feature_net = model->unet;
    }
  if (!pl_restore_net_settings_check (&s, &error))
    {
      fprintf (stderr, "pellucid-cli denoise: %s\n", error->message);
      return 2;
    }
  pl_engine_set_threads (threads);
  noisy = pl_volume_load (argv[1], 0, NULL, &error);
  if (noisy && ref_path)
    ref = pl_volume_load (ref_path, 0, NULL, &error);
  if (noisy && (!ref_path || ref) && second_path)
    second = pl_volume_load (second_path, 0, NULL, &error);
  if (!noisy || (ref_path && !ref) || (second_path && !second))
    {
      fprintf (stderr, "pellucid-cli denoise: %s\n", error->message);
      return 1;
    }
  if ((ref && memcmp (ref->dim, noisy->dim, sizeof ref->dim) != 0)
      || (second && memcmp (second->dim, noisy->dim, sizeof second->dim) != 0))
    {
      fprintf (stderr, "pellucid-cli denoise: %s is not on the grid of %s\n",
               ref && memcmp (ref->dim, noisy->dim, sizeof ref->dim) != 0 ? ref_path : second_path, argv[1]);
      return 1;
    }
  axis = pl_axis_from_name (noisy, axis_name ? axis_name : "axial");
  if (axis < 0)
    {
      fprintf (stderr, "pellucid-cli denoise: unknown axis '%s'\n", axis_name);
      return 2;
    }
  if (slice >= 0)
    first = last = slice;
  if (!check_range (noisy, axis, &first, &last, "the") || !check_range (noisy, axis, &tfirst, &tlast, "training"))
    return 2;
  scale = ref ? (ref->max > 0.0f ? ref->max : 1.0f) : (noisy->max > 0.0f ? noisy->max : 1.0f);
  if (model)
    {
      /* the model normalises volume units: (x·scale − offset) / divisor */
      s.feature_a = (float) (scale / model->norm_divisor);
      s.feature_b = (float) (-model->norm_offset / model->norm_divisor);
    }
  pl_slice_dims (noisy->dim, axis, &h, &w);
  n = (int) (last - first + 1);
  in_all = get_planes (noisy, axis, first, last, scale);
  if (ref)
    ref_all = get_planes (ref, axis, first, last, scale);
  data.n = (int) (tlast - tfirst + 1);
  data.h = h;
  data.w = w;
  if (s.method == PL_RESTORE_PAIR)
    {
      data.noisy = train_a = get_planes (noisy, axis, tfirst, tlast, scale);
      data.noisy2 = train_b = get_planes (second, axis, tfirst, tlast, scale);
    }
  else
    data.clean = train_a = get_planes (ref, axis, tfirst, tlast, scale);
  /* the middle restored slice, watched during training */
  data.val_input = in_all + (gsize) (n / 2) * h * w;
  data.val_reference = ref_all ? ref_all + (gsize) (n / 2) * h * w : NULL;
  prog.every = MAX (1, s.steps / 20);

  t0 = g_get_monotonic_time () * 1e-6;
  net = pl_restore_net_train (&data, &s, on_step, &prog, NULL, &error);
  if (!net)
    {
      fprintf (stderr, "pellucid-cli denoise: %s\n", error->message);
      return 1;
    }
  out_all = g_new (float, (gsize) n * h * w);
  pl_restore_net_apply (net, in_all, n, h, w, out_all);
  out = pl_volume_copy (noisy);
  for (int k = 0; k < n; k++)
    {
      gsize sh, sw, off;
      pl_slice_strides (noisy->dim, axis, first + k, &sh, &sw, &off);
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          out->data[off + y * sh + x * sw] = out_all[((gsize) k * h + y) * w + x] * scale;
    }
  pl_volume_update_stats (out);
  if (!pl_volume_save (out, argv[2], &error))
    {
      fprintf (stderr, "pellucid-cli denoise: %s\n", error->message);
      return 1;
    }
  g_string_append_printf (json, "\"input\": \"%s\", \"output\": \"%s\", \"method\": \"%s\", \"loss\": \"%s\", "
                          "\"residual\": %s, \"noise\": \"%s\", \"level\": %.6g, \"factor\": %d, \"seed\": %" G_GINT64_FORMAT ", "
                          "\"steps\": %d, \"batch\": %d, \"patch\": %d, \"width\": %d, \"depth\": %d, "
                          "\"lr\": %.6g, \"rampdown\": %.6g, \"beta2\": %.6g, "
                          "\"first\": %" G_GINT64_FORMAT ", \"last\": %" G_GINT64_FORMAT ", "
                          "\"train_first\": %" G_GINT64_FORMAT ", \"train_last\": %" G_GINT64_FORMAT ", "
                          "\"train_seconds\": %.2f, \"step_ms\": %.2f, \"final_loss\": %.6g, "
                          "\"val_slice\": %" G_GINT64_FORMAT ", \"val_psnr\": %s]",
                          argv[1], argv[2], pl_restore_method_name (s.method), pl_restore_loss_name (s.loss),
                          s.residual ? "true" : "false",
                          s.method == PL_RESTORE_PAIR ? "real" : pl_degrade_kind_name (s.degrade.kind),
                          s.degrade.level, s.degrade.factor, seed, s.steps, s.batch, s.patch, s.width, s.depth,
                          s.lr, s.rampdown, s.beta2,
                          first, last, tfirst, tlast, g_get_monotonic_time () * 1e-6 - t0,
                          pl_restore_net_step_ms (net), pl_restore_net_final_loss (net),
                          first + n / 2, prog.curve->str);
  if (ref)
    {
      PlCompare a, b;
      g_autofree char *ja = NULL, *jb = NULL;
      double range = (ref->max - ref->min) / scale;
      pl_compare (in_all, ref_all, n, h, w, range, &a);
      pl_compare (out_all, ref_all, n, h, w, range, &b);
      /* errors in the volume's units: the figures were on intensities / scale */
      a.mae *= scale; b.mae *= scale;
      a.mse *= (double) scale * scale; b.mse *= (double) scale * scale;
      a.range = b.range = ref->max - ref->min;
      ja = pl_compare_to_json (&a);
      jb = pl_compare_to_json (&b);
      g_string_append_printf (json, ", \"input_metrics\": %s, \"metrics\": %s", ja, jb);
    }
  g_string_append (json, "}\n");
  fputs (json->str, stdout);
  return 0;
}
