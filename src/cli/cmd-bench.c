/* pellucid-cli bench WORKLOAD: the figures of reference-workloads.md.
 *
 *   pellucid-cli bench unet2d-ref [--threads 2] [--skip-mc] [--layers]
 *
 * unet2d-ref: train_step_ms (median of 10 steps after 3 warm-up, batch 8,
 * forward + CE + Dice + backward + Adam, dropout on), infer_slice_ms (median
 * of 20 after 3 warm-up, batch 1, dropout off), infer_volume_s (all axial
 * slices of colin27 cropped to 176×208, batch 8, softmax + argmax, median of
 * 3 after one warm-up), mc_dropout_volume_s (the same with 20 stochastic
 * passes per batch and per-voxel class mean, class variance and predictive
 * entropy; the encoder and the skip halves of the decoder's first
 * convolutions are computed once per batch), peak resident memory.
 * --layers adds, per 3×3 convolution, the forward time at batch 8 and the
 * rate of OpenBLAS sgemm on that level's im2col product (the ceiling a
 * GEMM-based convolution could reach), on the same threads. */
#define G_LOG_DOMAIN "pellucid-cli"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "engine/kernels/conv-kernels.h"
#include "engine/data/dataset.h"
#include "engine/core/gemm.h"
#include "engine/ops/loss.h"
#include "engine/ops/ops.h"
#include "engine/ops/optim.h"
#include "engine/nn/unet.h"
#include "src/cli/commands.h"

#define COLIN "/usr/share/mricron/templates/ch2.nii.gz"
#define H 176
#define W 208
#define K 4

static double
now_ms (void)
{
  return g_get_monotonic_time () * 1e-3;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
median (double *v, int n)
{
  qsort (v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static double
peak_rss_mib (void)
{
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;
}

/* Forward FLOPs of one image (2 × multiply-adds), convolutions only, as the
 * peer's unet_ref.forward_flops. */
static double
forward_flops (const PlUnetConfig *c)
{
  double f = 0.0;
  int cprev = c->in_channels;
  for (int l = 0; l < c->depth; l++)
    {
      double px = (double) (H >> l) * (W >> l);
      f += 2.0 * 9 * px * ((double) cprev * c->channels[l] + (double) c->channels[l] * c->channels[l]);
      cprev = c->channels[l];
    }
  for (int l = c->depth - 2; l >= 0; l--)
    {
      double px = (double) (H >> l) * (W >> l), ch = c->channels[l];
      f += 2.0 * c->channels[l + 1] * ch * px;            /* convT: one tap per output pixel */
      f += 2.0 * 9 * px * (2 * ch * ch + ch * ch);
    }
  return f + 2.0 * H * W * c->channels[0] * c->n_classes;
}

/* Median ms of `reps` calls of sgemm C (m × n) = A (m × k) · B (k × n). */
static double
time_gemm (int m, int n, int k, int reps)
{
  float *a = g_new (float, (gsize) m * k), *b = g_new (float, (gsize) k * n);
  float *c = g_new (float, (gsize) m * n);
  double ts[9];

  for (gsize i = 0; i < (gsize) m * k; i++)
    a[i] = (float) (i % 7) * 0.1f;
  for (gsize i = 0; i < (gsize) k * n; i++)
    b[i] = (float) (i % 5) * 0.1f;
  pl_gemm (FALSE, FALSE, m, n, k, 1.0f, a, k, b, n, 0.0f, c, n);
  for (int r = 0; r < reps; r++)
    {
      double t0 = now_ms ();
      pl_gemm (FALSE, FALSE, m, n, k, 1.0f, a, k, b, n, 0.0f, c, n);
      ts[r] = now_ms () - t0;
    }
  g_free (a);
  g_free (b);
  g_free (c);
  return median (ts, reps);
}

/* Each 3×3 convolution's forward at batch 8 against OpenBLAS sgemm on the
 * same product as im2col would pose it per image (M = O, N = H·W, K = 9C),
 * run 8 times: the "sgemm ceiling" of that level. */
static void
bench_layers (int threads)
{
  static const int chs[] = { 16, 32, 64, 128, 256 };
  double best = 0.0;

  printf ("convolution levels (forward, batch 8, %d threads, conv kernel path %s):\n", threads,
          pl_conv_isa_name (pl_conv_get_isa ()));
  for (int l = 0; l < 5; l++)
    for (int which = 0; which < 2; which++)
      {
        int cin = which == 0 ? (l == 0 ? 1 : chs[l - 1]) : chs[l];
        PlConvShape s = { 8, cin, H >> l, W >> l, chs[l], 3 };
        gsize nx = (gsize) 8 * cin * s.h * s.w, ny = (gsize) 8 * chs[l] * s.h * s.w;
        float *x = g_new0 (float, nx), *w = g_new0 (float, (gsize) chs[l] * cin * 9);
        float *y = g_new (float, ny), *ws = g_new (float, MAX (pl_conv2d_workspace_floats (&s), 1));
        double ts[5], flops = 2.0 * 9 * cin * chs[l] * s.h * s.w * 8, t0;
        for (gsize i = 0; i < nx; i++)
          x[i] = (float) (i % 11) * 0.1f;
        for (gsize i = 0; i < (gsize) chs[l] * cin * 9; i++)
          w[i] = (float) ((int) (i % 13) - 6) * 0.01f;
        pl_conv2d_forward (&s, x, w, NULL, y, FALSE, ws);
        for (int r = 0; r < 5; r++)
          {
            t0 = now_ms ();
            pl_conv2d_forward (&s, x, w, NULL, y, FALSE, ws);
            ts[r] = now_ms () - t0;
          }
        {
          double ms = median (ts, 5), rate = flops / (ms * 1e-3) / 1e9;
          double gms = time_gemm (chs[l], s.h * s.w, 9 * cin, 5) * 8;
          double grate = flops / (gms * 1e-3) / 1e9;
          best = MAX (best, grate);
          printf ("  level %d conv%d %3d→%3d %3dx%3d: %6.2f ms %6.1f GFLOP/s | sgemm %dx%dx%d %6.1f GFLOP/s | %3.0f%%\n",
                  l, which + 1, cin, chs[l], s.h, s.w, ms, rate, chs[l], s.h * s.w, 9 * cin,
                  grate, 100.0 * rate / grate);
        }
        g_free (x);
        g_free (w);
        g_free (y);
        g_free (ws);
      }
  printf ("sgemm_ceiling_gflops: %.1f  (best of the shapes above)\n", best);
}

static int
bench_unet2d_ref (int threads, gboolean skip_mc, gboolean layers)
{
  PlUnetConfig cfg;
  g_autoptr (PlUnet) u = NULL;
  g_autoptr (PlTape) tape = NULL;
  g_autoptr (PlOptimizer) opt = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PlVolume) vol = NULL;
  g_autofree float *x8 = g_new (float, (gsize) 8 * H * W);
  g_autofree gint32 *y8 = g_new (gint32, (gsize) 8 * H * W);
  double ts[20], fl;
  PlRng rng;
  int axis, h, w, wh, ww, oy, ox, Z;

  pl_unet_config_ref (&cfg);
  u = pl_unet_new (&cfg, 0);
  fl = forward_flops (&cfg);
  printf ("workload: unet2d-ref\n");
  printf ("pellucid threads=%d\n", threads);
  {
    gsize np = 0;
    for (guint i = 0; i < pl_unet_n_tensors (u); i++)
      np += pl_unet_tensor_info (u, i)->numel;
    printf ("params: %" G_GSIZE_FORMAT "\n", np);
  }
  printf ("forward_flops_per_image (conv+convT+head, 2*MAC): %.0f = %.4f GFLOP\n", fl, fl / 1e9);
  fflush (stdout);

  /* ---- train_step_ms ---- */
  pl_rng_init (&rng, 0);
  for (gsize i = 0; i < (gsize) 8 * H * W; i++)
    {
      x8[i] = pl_rng_uniform (&rng);
      y8[i] = (gint32) pl_rng_below (&rng, K);
    }
  tape = pl_tape_new (64 << 20);
  opt = pl_optimizer_new_adam (pl_unet_n_params (u), 1e-3f, 0.9f, 0.999f, 1e-8f);
  for (int it = 0; it < 13; it++)
    {
      double t0 = now_ms ();
      PlUnetRun run = { &rng };
      PlTensor *x, *logits, *loss;
      pl_tape_reset (tape);
      x = pl_tape_wrap (tape, 8, 1, H, W, x8, FALSE);
      logits = pl_unet_forward (u, tape, x, &run);
      loss = pl_add (tape, pl_cross_entropy (tape, logits, y8, -1),
                     pl_dice_loss (tape, pl_softmax (tape, logits), y8, -1));
      pl_unet_zero_grad (u);
      if (!pl_tape_backward (tape, loss, NULL, &error))
        {
          fprintf (stderr, "pellucid-cli bench: %s\n", error->message);
          return 1;
        }
      pl_optimizer_step (opt, pl_unet_params (u), pl_unet_grads (u));
      if (it >= 3)
        ts[it - 3] = now_ms () - t0;
    }
  {
    double tmin = ts[0], tmax = ts[0], tsm;
    for (int i = 1; i < 10; i++)
      {
        tmin = MIN (tmin, ts[i]);
        tmax = MAX (tmax, ts[i]);
      }
    tsm = median (ts, 10);
    printf ("train_step_ms: %.1f  (median of 10 after 3 warm-up; min %.1f max %.1f; batch 8; arena %.0f MiB)\n",
            tsm, tmin, tmax, pl_arena_peak (pl_tape_get_arena (tape)) / 1048576.0);
    printf ("  train throughput ~ %.1f GFLOP/s (assuming train = 3x forward FLOPs)\n",
            3 * fl * 8 / (tsm * 1e-3) / 1e9);
    fflush (stdout);
  }
  pl_tape_free (g_steal_pointer (&tape));
  pl_optimizer_free (g_steal_pointer (&opt));

  /* ---- infer_slice_ms ---- */
  tape = pl_tape_new (32 << 20);
  pl_tape_set_grad_enabled (tape, FALSE);
  for (int it = 0; it < 23; it++)
    {
      double t0 = now_ms ();
      PlTensor *x;
      pl_tape_reset (tape);
      x = pl_tape_wrap (tape, 1, 1, H, W, x8, FALSE);
      pl_unet_forward (u, tape, x, NULL);
      if (it >= 3)
        ts[it - 3] = now_ms () - t0;
    }
  {
    double m = median (ts, 20);
    printf ("infer_slice_ms: %.1f  (median of 20 after 3 warm-up, batch 1, dropout off; ~%.1f GFLOP/s)\n",
            m, fl / (m * 1e-3) / 1e9);
    fflush (stdout);
  }

  /* ---- infer_volume_s ---- */
  vol = pl_volume_load (COLIN, 0, NULL, &error);
  if (!vol)
    {
      fprintf (stderr, "pellucid-cli bench: %s (install mricron-data)\n", error->message);
      return 1;
    }
  axis = pl_volume_axial_axis (vol);
  pl_slice_dims (vol->dim, axis, &h, &w);
  pl_fit_window (h, w, 16, PL_FIT_CROP, &wh, &ww, &oy, &ox);
  g_assert (wh == H && ww == W);
  Z = (int) vol->dim[axis];
  {
    gsize plane = (gsize) H * W;
    g_autofree float *slices = g_new (float, (gsize) Z * plane);
    g_autofree float *tmp = g_new (float, (gsize) h * w);
    g_autofree float *probs = g_new (float, (gsize) Z * K * plane);
    g_autofree guint8 *argmax = g_new (guint8, (gsize) Z * plane);
    double tv[4];
    float inv = 1.0f / vol->max;

    for (int z = 0; z < Z; z++)
      {
        pl_volume_get_slice (vol, axis, z, tmp);
        for (gsize i = 0; i < (gsize) h * w; i++)
          tmp[i] *= inv;
        pl_window_extract_f32 (tmp, h, w, oy, ox, H, W, 0.0f, slices + (gsize) z * plane);
      }
    pl_tape_free (g_steal_pointer (&tape));
    tape = pl_tape_new (256 << 20);
    pl_tape_set_grad_enabled (tape, FALSE);
    for (int run = 0; run < 4; run++)
      {
        double t0 = now_ms ();
        for (int s = 0; s < Z; s += 8)
          {
            int n = MIN (8, Z - s);
            PlTensor *x, *p;
            pl_tape_reset (tape);
            x = pl_tape_wrap (tape, n, 1, H, W, slices + (gsize) s * plane, FALSE);
            p = pl_softmax (tape, pl_unet_forward (u, tape, x, NULL));
            memcpy (probs + (gsize) s * K * plane, p->data, sizeof (float) * n * K * plane);
            for (int b = 0; b < n; b++)
              for (gsize q = 0; q < plane; q++)
                {
                  const float *pp = p->data + (gsize) b * K * plane + q;
                  int best = 0;
                  for (int c = 1; c < K; c++)
                    if (pp[c * plane] > pp[best * plane])
                      best = c;
                  argmax[(gsize) (s + b) * plane + q] = (guint8) best;
                }
          }
        tv[run] = (now_ms () - t0) * 1e-3;
      }
    printf ("infer_volume_s: %.2f  (median of 3 after 1 warm-up; %d slices, batch 8, dropout off, "
            "softmax+argmax included; runs %.2f, %.2f, %.2f)\n",
            median (tv + 1, 3), Z, tv[1], tv[2], tv[3]);
    fflush (stdout);

    /* ---- mc_dropout_volume_s ---- */
    if (!skip_mc)
      {
        const int T = 20;
        g_autofree float *mean = g_new (float, (gsize) Z * K * plane);
        g_autofree float *var = g_new (float, (gsize) Z * K * plane);
        g_autofree float *ent = g_new (float, (gsize) Z * plane);
        double t0 = now_ms (), ent_sum = 0.0, var_sum = 0.0;
        PlRng mc;
        pl_rng_init (&mc, 0);
        for (int s = 0; s < Z; s += 8)
          {
            int n = MIN (8, Z - s);
            gsize nk = (gsize) n * K * plane;
            float *s1 = mean + (gsize) s * K * plane, *s2 = var + (gsize) s * K * plane;
            PlUnetEncoded *enc;
            PlArenaMark mark;
            pl_tape_reset (tape);
            enc = pl_unet_encode (u, tape, pl_tape_wrap (tape, n, 1, H, W, slices + (gsize) s * plane, FALSE));
            mark = pl_arena_mark (pl_tape_get_arena (tape));
            memset (s1, 0, nk * sizeof (float));
            memset (s2, 0, nk * sizeof (float));
            for (int t = 0; t < T; t++)
              {
                PlTensor *p = pl_softmax (tape, pl_unet_decode (u, tape, enc, &mc));
                for (gsize i = 0; i < nk; i++)
                  {
                    s1[i] += p->data[i];
                    s2[i] += p->data[i] * p->data[i];
                  }
                pl_arena_release (pl_tape_get_arena (tape), mark);
              }
            for (gsize i = 0; i < nk; i++)
              {
                float m = s1[i] / T;
                s1[i] = m;
                s2[i] = MAX (s2[i] / T - m * m, 0.0f);
              }
            for (int b = 0; b < n; b++)
              for (gsize q = 0; q < plane; q++)
                {
                  double e = 0.0;
                  for (int c = 0; c < K; c++)
                    {
                      float m = s1[((gsize) b * K + c) * plane + q];
                      e -= m * log (MAX (m, 1e-12f));
                    }
                  ent[(gsize) (s + b) * plane + q] = (float) e;
                }
          }
        {
          double tmc = (now_ms () - t0) * 1e-3;
          for (gsize i = 0; i < (gsize) Z * plane; i++)
            ent_sum += ent[i];
          for (gsize i = 0; i < (gsize) Z * K * plane; i++)
            var_sum += var[i];
          printf ("mc_dropout_volume_s: %.2f  (1 run; 20 stochastic passes per batch of 8, per-voxel "
                  "class mean, class variance, predictive entropy of the mean; encoder and skip "
                  "halves once per batch)\n", tmc);
          printf ("  (mean entropy %.4f, mean var %.3e)\n", ent_sum / ((double) Z * plane),
                  var_sum / ((double) Z * K * plane));
        }
      }
  }
  printf ("peak_rss_MiB: %.1f  (getrusage ru_maxrss)\n", peak_rss_mib ());
  fflush (stdout);
  if (layers)
    bench_layers (threads);
  return 0;
}

int
pel_cli_bench (int argc, char **argv)
{
  int threads = 2;
  gboolean skip_mc = FALSE, layers = FALSE;
  const GOptionEntry entries[] = {
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "Threads (2)", "T" },
    { "skip-mc", 0, 0, G_OPTION_ARG_NONE, &skip_mc, "Skip mc_dropout_volume_s", NULL },
    { "layers", 0, 0, G_OPTION_ARG_NONE, &layers, "Also time each convolution level against sgemm", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("WORKLOAD");
  g_autoptr (GError) error = NULL;

  if (argc >= 2 && strcmp (argv[1], "colin27-4class") == 0)
    return pel_cli_bench_colin27 (argc, argv);
  if (argc >= 2 && strcmp (argv[1], "fewshot") == 0)
    return pel_cli_bench_fewshot (argc, argv);
  if (argc >= 2 && strcmp (argv[1], "interpolate-colin27") == 0)
    return pel_cli_bench_interpolate (argc, argv);
  if (argc >= 2 && strcmp (argv[1], "cases-colin27") == 0)
    return pel_cli_bench_cases (argc, argv);
  if (argc >= 2 && strcmp (argv[1], "uncertainty-colin27") == 0)
    return pel_cli_bench_uncertainty (argc - 1, argv + 1);
  if (argc >= 2 && strcmp (argv[1], "saliency-ref") == 0)
    return pel_cli_bench_saliency (argc, argv);
  if (argc >= 2 && strcmp (argv[1], "dip-ref") == 0)
    return pel_cli_bench_dip (argc, argv);
  g_option_context_set_summary (context, "Workloads: unet2d-ref (reference-workloads.md); colin27-4class "
                                "(few-shot Dice of the learning methods, its own options).");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "pellucid-cli bench: %s\n", error->message);
      return 2;
    }
  if (argc != 2 || threads < 1)
    {
      fprintf (stderr, "Usage: pellucid-cli bench unet2d-ref [--threads 2] [--skip-mc] [--layers]\n");
      return 2;
    }
  pl_engine_set_threads (threads);
  if (strcmp (argv[1], "unet2d-ref") == 0)
    return bench_unet2d_ref (threads, skip_mc, layers);
  fprintf (stderr, "pellucid-cli bench: unknown workload '%s' (known: unet2d-ref)\n", argv[1]);
  return 2;
}
