/* bench-conv: the convolution kernels on every layer shape of unet2d-ref.
 *
 *   bench-conv [--threads 2] [--batch 8,1] [--min-ms 150] [--isa auto|generic|avx2|avx512]
 *              [--algo auto|direct|winograd] [--clock wall|thread|process] [--fastest]
 *              [--only NAME] [--no-gemm] [--net unet|dip]
 *
 * For each layer: median wall time of forward, backward-data and
 * backward-weights, their GFLOP/s (2 × MAC, padding taps included as PyTorch
 * counts them), and the GFLOP/s of pl_gemm() on the im2col GEMM that the
 * same pass would need (M × N × K below, one GEMM per image as the im2col
 * baseline runs it), measured in the same run.  The totals predict the
 * convolution part of train_step (batch 8: forward + both backward passes of
 * every layer, no input gradient for the first) and of infer_slice (batch 1
 * forward) and infer_volume (181 slices in batches of 8, forward).
 * --net dip: the layers of dip-ref's network instead (use --batch 1; its
 * fwd+bwd total is the convolution part of one iteration).
 */
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/kernels/conv-kernels.h"
#include "engine/core/gemm.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HAVE_X86 1
#endif

typedef enum { LAYER_CONV, LAYER_CONVT } LayerKind;

typedef struct
{
  const char *name;
  LayerKind kind;
  int c, h, w, o, k;  /* input channels and size, output channels, kernel */
} Layer;

/* unet2d-ref (reference-workloads.md): every convolution of one forward pass */
static const Layer unet_layers[] = {
  { "enc0a",  LAYER_CONV,   1, 176, 208,  16, 3 },
  { "enc0b",  LAYER_CONV,  16, 176, 208,  16, 3 },
  { "enc1a",  LAYER_CONV,  16,  88, 104,  32, 3 },
  { "enc1b",  LAYER_CONV,  32,  88, 104,  32, 3 },
  { "enc2a",  LAYER_CONV,  32,  44,  52,  64, 3 },
  { "enc2b",  LAYER_CONV,  64,  44,  52,  64, 3 },
  { "enc3a",  LAYER_CONV,  64,  22,  26, 128, 3 },
  { "enc3b",  LAYER_CONV, 128,  22,  26, 128, 3 },
  { "enc4a",  LAYER_CONV, 128,  11,  13, 256, 3 },
  { "enc4b",  LAYER_CONV, 256,  11,  13, 256, 3 },
  { "up3",    LAYER_CONVT, 256, 11,  13, 128, 2 },
  { "dec3a",  LAYER_CONV, 256,  22,  26, 128, 3 },
  { "dec3b",  LAYER_CONV, 128,  22,  26, 128, 3 },
  { "up2",    LAYER_CONVT, 128, 22,  26,  64, 2 },
  { "dec2a",  LAYER_CONV, 128,  44,  52,  64, 3 },
  { "dec2b",  LAYER_CONV,  64,  44,  52,  64, 3 },
  { "up1",    LAYER_CONVT,  64, 44,  52,  32, 2 },
  { "dec1a",  LAYER_CONV,  64,  88, 104,  32, 3 },
  { "dec1b",  LAYER_CONV,  32,  88, 104,  32, 3 },
  { "up0",    LAYER_CONVT,  32, 88, 104,  16, 2 },
  { "dec0a",  LAYER_CONV,  32, 176, 208,  16, 3 },
  { "dec0b",  LAYER_CONV,  16, 176, 208,  16, 3 },
  { "head",   LAYER_CONV,  16, 176, 208,   4, 1 },
};

/* dip-ref: the deep image prior's network (no skips, bilinear upsampling
 * before each decoder level, batch 1) */
static const Layer dip_layers[] = {
  { "enc0a",  LAYER_CONV,  32, 176, 208,  32, 3 },
  { "enc0b",  LAYER_CONV,  32, 176, 208,  32, 3 },
  { "enc1a",  LAYER_CONV,  32,  88, 104,  64, 3 },
  { "enc1b",  LAYER_CONV,  64,  88, 104,  64, 3 },
  { "enc2a",  LAYER_CONV,  64,  44,  52, 128, 3 },
  { "enc2b",  LAYER_CONV, 128,  44,  52, 128, 3 },
  { "enc3a",  LAYER_CONV, 128,  22,  26, 128, 3 },
  { "enc3b",  LAYER_CONV, 128,  22,  26, 128, 3 },
  { "enc4a",  LAYER_CONV, 128,  11,  13, 128, 3 },
  { "enc4b",  LAYER_CONV, 128,  11,  13, 128, 3 },
  { "dec3a",  LAYER_CONV, 128,  22,  26, 128, 3 },
  { "dec3b",  LAYER_CONV, 128,  22,  26, 128, 3 },
  { "dec2a",  LAYER_CONV, 128,  44,  52, 128, 3 },
  { "dec2b",  LAYER_CONV, 128,  44,  52, 128, 3 },
  { "dec1a",  LAYER_CONV, 128,  88, 104,  64, 3 },
  { "dec1b",  LAYER_CONV,  64,  88, 104,  64, 3 },
  { "dec0a",  LAYER_CONV,  64, 176, 208,  32, 3 },
  { "dec0b",  LAYER_CONV,  32, 176, 208,  32, 3 },
  { "head",   LAYER_CONV,  32, 176, 208,   1, 1 },
};

static clockid_t bench_clock = CLOCK_MONOTONIC;
static gboolean bench_min;       /* report the fastest run, not the median */

static double
now_s (void)
{
  struct timespec t;
  clock_gettime (bench_clock, &t);
  return (double) t.tv_sec + 1e-9 * (double) t.tv_nsec;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

typedef void (*BenchFn) (gpointer data);

/* Median seconds of fn over at least 5 runs and at least min_s of runs. */
static double
time_median (BenchFn fn, gpointer data, double min_s)
{
  double t[201];
  int n = 0;
  double start = now_s ();

  fn (data);  /* warm-up */
  while (n < 201 && (n < 5 || now_s () - start < min_s))
    {
      double t0 = now_s ();
      fn (data);
      t[n++] = now_s () - t0;
    }
  qsort (t, n, sizeof (double), cmp_double);
  return bench_min ? t[0] : t[n / 2];
}

typedef struct
{
  PlConvShape s;
  LayerKind kind;
  float *x, *w, *b, *y, *dy, *dx, *dw, *db, *ws;
} ConvJob;

static void
run_forward (gpointer data)
{
  ConvJob *j = data;
  if (j->kind == LAYER_CONV)
    pl_conv2d_forward (&j->s, j->x, j->w, j->b, j->y, FALSE, j->ws);
  else
    pl_convt2x2_forward (&j->s, j->x, j->w, j->b, j->y, FALSE, j->ws);
}

static void
run_backward_data (gpointer data)
{
  ConvJob *j = data;
  if (j->kind == LAYER_CONV)
    pl_conv2d_backward_data (&j->s, j->dy, j->w, j->dx, j->ws);
  else
    pl_convt2x2_backward_data (&j->s, j->dy, j->w, j->dx, j->ws);
}

static void
run_backward_weights (gpointer data)
{
  ConvJob *j = data;
  if (j->kind == LAYER_CONV)
    pl_conv2d_backward_weights (&j->s, j->x, j->dy, j->dw, j->db, j->ws);
  else
    pl_convt2x2_backward_weights (&j->s, j->x, j->dy, j->dw, j->db, j->ws);
}

typedef struct
{
  int n_img, m, n, k;
  gboolean ta, tb;
  float *a, *b, *c;
} GemmJob;

static void
run_gemm (gpointer data)
{
  GemmJob *g = data;
  for (int i = 0; i < g->n_img; i++)
    pl_gemm (g->ta, g->tb, g->m, g->n, g->k, 1.0f, g->a, g->ta ? g->m : g->k,
             g->b, g->tb ? g->k : g->n, 0.0f, g->c, g->n);
}

static float *
filled (gsize n, GRand *r)
{
  float *p = g_malloc (n * sizeof (float));
  for (gsize i = 0; i < n; i++)
    p[i] = (float) g_rand_double_range (r, -1.0, 1.0);
  return p;
}

/* GFLOP/s of pl_gemm on (m × k) · (k × n), n_img times */
static double
gemm_rate (int n_img, gboolean ta, gboolean tb, int m, int n, int k, double min_s, GRand *r)
{
  GemmJob g = { n_img, m, n, k, ta, tb, NULL, NULL, NULL };
  g.a = filled ((gsize) m * k, r);
  g.b = filled ((gsize) k * n, r);
  g.c = filled ((gsize) m * n, r);
  double t = time_median (run_gemm, &g, min_s);
  g_free (g.a);
  g_free (g.b);
  g_free (g.c);
  return 2.0 * n_img * (double) m * n * k / t * 1e-9;
}

#ifdef HAVE_X86
/* 16 independent chains of 512-bit FMAs: the core's arithmetic peak */
__attribute__ ((target ("avx512f"))) static float
fma_chains (long iters)
{
  __m512 a[16], b = _mm512_set1_ps (1.0000001f), c = _mm512_set1_ps (1e-7f);
  for (int i = 0; i < 16; i++)
    a[i] = _mm512_set1_ps ((float) i);
  for (long it = 0; it < iters; it++)
#pragma GCC unroll 16
    for (int i = 0; i < 16; i++)
      a[i] = _mm512_fmadd_ps (a[i], b, c);
  __m512 s = a[0];
  for (int i = 1; i < 16; i++)
    s = _mm512_add_ps (s, a[i]);
  float out[16];
  _mm512_storeu_ps (out, s);
  return out[0];
}

static volatile float fma_sink;

static gpointer
fma_thread (gpointer data)
{
  fma_sink = fma_chains (GPOINTER_TO_INT (data));
  return NULL;
}

/* GFLOP/s of AVX-512 FMAs on `threads` threads, or 0 without AVX-512 */
static double
fma_peak (int threads)
{
  const int iters = 20000000;
  if (!__builtin_cpu_supports ("avx512f"))
    return 0;
  GThread *t[64];
  threads = CLAMP (threads, 1, 64);
  double t0 = now_s ();
  for (int i = 0; i < threads; i++)
    t[i] = g_thread_new ("fma", fma_thread, GINT_TO_POINTER (iters));
  for (int i = 0; i < threads; i++)
    g_thread_join (t[i]);
  return 2.0 * 16 * 16 * (double) iters * threads / (now_s () - t0) * 1e-9;
}
#else
static double
fma_peak (int threads)
{
  return 0;
}
#endif

typedef struct
{
  double fwd, bwd_data, bwd_w;   /* seconds */
  double flops;                  /* one pass, 2 × MAC */
} LayerTimes;

int
main (int argc, char **argv)
{
  int threads = 2;
  double min_ms = 150;
  g_autofree char *batches = NULL;
  g_autofree char *isa = NULL;
  g_autofree char *only = NULL;
  g_autofree char *algo = NULL;
  gboolean no_gemm = FALSE;
  g_autofree char *clock_name = NULL;
  g_autofree char *net = NULL;
  const Layer *layers = unet_layers;
  gsize n_layers = G_N_ELEMENTS (unet_layers);
  GOptionEntry entries[] = {
    { "net", 0, 0, G_OPTION_ARG_STRING, &net, "Layers: unet (unet2d-ref, default) or dip (dip-ref)", "NET" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Engine threads (default 2)", "N" },
    { "batch", 0, 0, G_OPTION_ARG_STRING, &batches, "Batch sizes (default 8,1)", "LIST" },
    { "min-ms", 0, 0, G_OPTION_ARG_DOUBLE, &min_ms, "Minimum time per measurement (default 150)", "MS" },
    { "isa", 0, 0, G_OPTION_ARG_STRING, &isa, "Kernel path: auto, generic, avx2, avx512", "ISA" },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only, "Only layers whose name starts with this", "NAME" },
    { "algo", 0, 0, G_OPTION_ARG_STRING, &algo, "3×3 algorithm: auto, direct, winograd", "ALGO" },
    { "no-gemm", 0, 0, G_OPTION_ARG_NONE, &no_gemm, "Skip the sgemm comparison", NULL },
    { "fastest", 0, 0, G_OPTION_ARG_NONE, &bench_min,
      "Report the fastest run instead of the median (on a busy machine)", NULL },
    { "clock", 0, 0, G_OPTION_ARG_STRING, &clock_name,
      "wall (default); thread: the calling thread's CPU time (with --threads 1 on a busy "
      "machine); process: CPU time of all threads (parallel overhead)", "CLOCK" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- convolution kernel benchmark");
  g_autoptr (GError) error = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("bench-conv: %s\n", error->message);
      return 2;
    }
  pl_engine_set_threads (threads);
  gboolean cpu_clock = FALSE;
  if (clock_name && g_str_equal (clock_name, "thread"))
    bench_clock = CLOCK_THREAD_CPUTIME_ID;
  else if (clock_name && g_str_equal (clock_name, "process"))
    bench_clock = CLOCK_PROCESS_CPUTIME_ID;
  else if (clock_name && !g_str_equal (clock_name, "wall"))
    {
      g_printerr ("bench-conv: unknown clock '%s'\n", clock_name);
      return 2;
    }
  cpu_clock = bench_clock != CLOCK_MONOTONIC;
  if (net && g_str_equal (net, "dip"))
    {
      layers = dip_layers;
      n_layers = G_N_ELEMENTS (dip_layers);
    }
  else if (net && !g_str_equal (net, "unet"))
    {
      g_printerr ("bench-conv: unknown network '%s'\n", net);
      return 2;
    }
  if (isa && !pl_conv_set_isa_by_name (isa))
    {
      g_printerr ("bench-conv: kernel path '%s' is unknown or not supported by this CPU\n", isa);
      return 2;
    }
  if (algo)
    {
      if (g_str_equal (algo, "direct"))
        pl_conv_set_algo (PL_CONV_ALGO_DIRECT);
      else if (g_str_equal (algo, "winograd"))
        pl_conv_set_algo (PL_CONV_ALGO_WINOGRAD);
      else if (!g_str_equal (algo, "auto"))
        {
          g_printerr ("bench-conv: unknown algorithm '%s'\n", algo);
          return 2;
        }
    }
  g_auto (GStrv) batch_list = g_strsplit (batches ? batches : "8,1", ",", -1);
  double min_s = min_ms * 1e-3;
  g_autoptr (GRand) r = g_rand_new_with_seed (1);

  printf ("workload: %s (convolution kernels only)\n", layers == dip_layers ? "dip-ref" : "unet2d-ref");
  printf ("threads=%d  kernel path=%s  3x3 algorithm=%s  clock=%s  %s\n", threads,
          pl_conv_isa_name (pl_conv_get_isa ()),
          algo ? algo : "auto",
          bench_clock == CLOCK_THREAD_CPUTIME_ID ? "thread CPU time" :
          bench_clock == CLOCK_PROCESS_CPUTIME_ID ? "process CPU time" : "wall",
          bench_min ? "fastest run" : "median");
  double sq = 0;
  if (!no_gemm)
    {
      sq = gemm_rate (1, FALSE, FALSE, 1536, 1536, 1536, min_s, r);
      printf ("sgemm ceiling (pl_gemm 1536x1536x1536): %.1f GFLOP/s\n", sq);
    }
  if (!cpu_clock)
    {
      double peak = fma_peak (threads);
      if (peak > 0)
        printf ("AVX-512 FMA peak (%d threads, wall clock): %.1f GFLOP/s\n", threads, peak);
    }

  for (int bi = 0; batch_list[bi]; bi++)
    {
      int batch = atoi (batch_list[bi]);
      double tot_fwd = 0, tot_step = 0, tot_flop_fwd = 0, tot_flop_step = 0;
      double conv_fwd[5] = { 0 }, conv_step[5] = { 0 };
      double flop_fwd[5] = { 0 }, flop_step[5] = { 0 }, gemm_fwd[5] = { 0 }, gemm_step[5] = { 0 };

      if (batch < 1)
        continue;
      printf ("\nbatch %d\n", batch);
      printf ("%-6s %-22s | %8s %7s %5s | %8s %7s %5s | %8s %7s %5s\n", "layer", "shape C>O HxW",
              "fwd ms", "GF/s", "gemm%", "bwdD ms", "GF/s", "gemm%", "bwdW ms", "GF/s", "gemm%");
      for (gsize li = 0; li < n_layers; li++)
        {
          const Layer *L = &layers[li];
          if (only && !g_str_has_prefix (L->name, only))
            continue;
          ConvJob j = { { batch, L->c, L->h, L->w, L->o, L->k }, L->kind };
          gboolean t = L->kind == LAYER_CONVT;
          int oh = t ? 2 * L->h : L->h, ow = t ? 2 * L->w : L->w;
          gsize nx = (gsize) batch * L->c * L->h * L->w, ny = (gsize) batch * L->o * oh * ow;
          gsize nw = (gsize) L->o * L->c * L->k * L->k;
          gsize nws = t ? pl_convt2x2_workspace_floats (&j.s) : pl_conv2d_workspace_floats (&j.s);
          j.x = filled (nx, r);
          j.w = filled (nw, r);
          j.b = filled (L->o, r);
          j.y = filled (ny, r);
          j.dy = filled (ny, r);
          j.dx = filled (nx, r);
          j.dw = filled (nw, r);
          j.db = filled (L->o, r);
          j.ws = filled (nws + 16, r);

          /* one pass: 2 × MAC over all output pixels (PyTorch's count) */
          double flops = t ? 2.0 * batch * L->h * L->w * L->c * L->o * 4
                           : 2.0 * batch * L->h * L->w * L->c * L->o * L->k * L->k;
          double tf = time_median (run_forward, &j, min_s);
          double td = time_median (run_backward_data, &j, min_s);
          double tw = time_median (run_backward_weights, &j, min_s);

          /* the im2col GEMMs: forward (O × K)(K × HW), backward-data
           * (K × O)(O × HW), backward-weights (O × HW)(HW × K), per image */
          int kk = t ? L->c : L->c * L->k * L->k, mo = t ? 4 * L->o : L->o, hw = L->h * L->w;
          double gf = 0, gd = 0, gw = 0;
          if (!no_gemm)
            {
              gf = t ? gemm_rate (batch, TRUE, FALSE, mo, hw, kk, min_s, r)
                     : gemm_rate (batch, FALSE, FALSE, mo, hw, kk, min_s, r);
              gd = t ? gemm_rate (batch, FALSE, FALSE, kk, hw, mo, min_s, r)
                     : gemm_rate (batch, TRUE, FALSE, kk, hw, mo, min_s, r);
              gw = gemm_rate (batch, FALSE, TRUE, t ? kk : mo, t ? mo : kk, hw, min_s, r);
            }
          double rf = flops / tf * 1e-9, rd = flops / td * 1e-9, rw = flops / tw * 1e-9;
          char shape[64];
          g_snprintf (shape, sizeof shape, "%s%d>%d %dx%d", t ? "T " : "", L->c, L->o, L->h, L->w);
          printf ("%-6s %-22s | %8.3f %7.1f %5.0f | %8.3f %7.1f %5.0f | %8.3f %7.1f %5.0f\n",
                  L->name, shape, tf * 1e3, rf, gf > 0 ? 100 * rf / gf : 0,
                  td * 1e3, rd, gd > 0 ? 100 * rd / gd : 0,
                  tw * 1e3, rw, gw > 0 ? 100 * rw / gw : 0);

          int level = L->h >= 176 || (t && L->h >= 88) ? 0 :
                      L->h >= 88 || (t && L->h >= 44) ? 1 :
                      L->h >= 44 || (t && L->h >= 22) ? 2 :
                      L->h >= 22 || (t && L->h >= 11) ? 3 : 4;
          gboolean first = li == 0;
          tot_fwd += tf;
          tot_flop_fwd += flops;
          tot_step += tf + tw + (first ? 0 : td);
          tot_flop_step += flops * (first ? 2 : 3);
          conv_fwd[level] += tf;
          conv_step[level] += tf + tw + (first ? 0 : td);
          flop_fwd[level] += flops;
          flop_step[level] += flops * (first ? 2 : 3);
          if (!no_gemm)
            {
              gemm_fwd[level] += flops / (gf * 1e9);
              gemm_step[level] += flops / (gf * 1e9) + flops / (gw * 1e9)
                                  + (first ? 0 : flops / (gd * 1e9));
            }

          g_free (j.x); g_free (j.w); g_free (j.b); g_free (j.y); g_free (j.dy);
          g_free (j.dx); g_free (j.dw); g_free (j.db); g_free (j.ws);
        }
      /* per level of the UNet (convolutions at that output resolution):
       * time, rate, share of the square sgemm's rate, and the time pl_gemm
       * alone needs for the same layers' im2col GEMMs (im2col not counted) */
      printf ("\n%-5s | %8s %7s | %9s %7s %8s | %10s %7s\n", "level", "fwd ms", "GF/s",
              "fwd+bwd ms", "GF/s", "%sgemm", "im2col ms", "faster");
      for (int l = 0; l < 5; l++)
        {
          double rate = flop_step[l] / conv_step[l] * 1e-9;
          printf ("L%-4d | %8.2f %7.1f | %9.2f %7.1f %7.0f%% | %10.2f %6.2fx\n", l,
                  conv_fwd[l] * 1e3, flop_fwd[l] / conv_fwd[l] * 1e-9, conv_step[l] * 1e3, rate,
                  sq > 0 ? 100 * rate / sq : 0, gemm_step[l] * 1e3,
                  gemm_step[l] > 0 ? gemm_step[l] / conv_step[l] : 0);
        }
      printf ("\nbatch %d forward total: %.2f ms (%.1f GFLOP/s)\n", batch, tot_fwd * 1e3,
              tot_flop_fwd / tot_fwd * 1e-9);
      printf ("batch %d fwd+bwd total: %.2f ms (%.1f GFLOP/s)\n", batch, tot_step * 1e3,
              tot_flop_step / tot_step * 1e-9);
      /* the predictions are wall times; CPU time of all threads predicts
       * them only on free cores, divided by the thread count */
      double per = bench_clock == CLOCK_PROCESS_CPUTIME_ID ? 1.0 / threads : 1.0;
      const char *note = bench_clock == CLOCK_PROCESS_CPUTIME_ID ? " (process CPU time / threads)"
                         : bench_clock == CLOCK_THREAD_CPUTIME_ID ? " (thread CPU time)" : "";
      if (batch == 8)
        {
          printf ("predicted conv part of train_step_ms (batch 8): %.1f%s\n", tot_step * per * 1e3,
                  note);
          printf ("predicted conv part of infer_volume_s (181 slices): %.2f%s\n",
                  tot_fwd * per * 181.0 / 8.0, note);
        }
      if (batch == 1)
        printf ("predicted conv part of infer_slice_ms: %.1f%s\n", tot_fwd * per * 1e3, note);
    }
  return 0;
}
