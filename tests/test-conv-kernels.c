/* The fast convolution kernels against the reference loops, on odd shapes,
 * for every kernel path the CPU has (generic, AVX2, AVX-512) and several
 * thread counts. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "engine/kernels/conv-kernels.h"
#include "engine/core/gemm.h"
#include "tests/test-sanitizer.h"

#define GUARD 64          /* canary floats after the workspace */
#define CANARY 12345.0f

static float *
random_floats (GRand *r, gsize n)
{
  float *p = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    p[i] = (float) g_rand_double_range (r, -1.0, 1.0);
  return p;
}

static void
assert_close (const char *what, const PlConvShape *s, const float *a, const float *b, gsize n,
              double tol)
{
  for (gsize i = 0; i < n; i++)
    if (!(fabs ((double) a[i] - b[i]) <= tol * (1.0 + fabs ((double) b[i]))))
      g_error ("%s, shape n%d c%d %dx%d o%d k%d, path %s, algorithm %d, %d threads: element %"
               G_GSIZE_FORMAT ": %.7g vs reference %.7g", what, s->n, s->c, s->h, s->w, s->o, s->k,
               pl_conv_isa_name (pl_conv_get_isa ()), pl_conv_get_algo (), pl_engine_get_threads (),
               i, a[i], b[i]);
}

/* A workspace of exactly the advertised size, poisoned with NaN so that a
 * kernel reading scratch it did not write shows up in the results, with a
 * canary after it. */
static float *
poisoned_workspace (gsize n)
{
  float *ws = g_new (float, n + GUARD);
  for (gsize i = 0; i < n; i++)
    ws[i] = NAN;
  for (gsize i = n; i < n + GUARD; i++)
    ws[i] = CANARY;
  return ws;
}

static void
check_canary (const float *ws, gsize n)
{
  for (gsize i = n; i < n + GUARD; i++)
    if (ws[i] != CANARY)
      g_error ("workspace overrun at %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " floats (path %s)",
               i, n, pl_conv_isa_name (pl_conv_get_isa ()));
}

static void
check_conv (const PlConvShape *s, gboolean transposed)
{
  g_autoptr (GRand) r = g_rand_new_with_seed (42 + s->n + 7 * s->c + 31 * s->o + s->h * s->w);
  int oh = transposed ? 2 * s->h : s->h, ow = transposed ? 2 * s->w : s->w;
  gsize nx = (gsize) s->n * s->c * s->h * s->w;
  gsize ny = (gsize) s->n * s->o * oh * ow;
  gsize nw = (gsize) s->o * s->c * s->k * s->k;
  gsize nws = transposed ? pl_convt2x2_workspace_floats (s) : pl_conv2d_workspace_floats (s);
  g_autofree float *x = random_floats (r, nx);
  g_autofree float *w = random_floats (r, nw);
  g_autofree float *b = random_floats (r, s->o);
  g_autofree float *dy = random_floats (r, ny);
  g_autofree float *ws = poisoned_workspace (nws);
  g_autofree float *y1 = random_floats (r, ny);
  g_autofree float *y2 = g_memdup2 (y1, ny * sizeof (float));
  g_autofree float *dx1 = random_floats (r, nx);
  g_autofree float *dx2 = g_memdup2 (dx1, nx * sizeof (float));
  g_autofree float *dw1 = random_floats (r, nw);
  g_autofree float *dw2 = g_memdup2 (dw1, nw * sizeof (float));
  g_autofree float *db1 = random_floats (r, s->o);
  g_autofree float *db2 = g_memdup2 (db1, s->o * sizeof (float));
  /* sums of up to C·k² products of numbers in [-1, 1], accumulated in float */
  double tol = 2e-6 * sqrt ((double) s->c * s->k * s->k + s->o * s->k * s->k);
  double tol_w = 2e-6 * sqrt ((double) s->n * s->h * s->w * (transposed ? 4 : 1));

  for (int acc = 0; acc < 2; acc++)
    {
      gboolean with_bias = acc == 0;
      if (transposed)
        {
          pl_convt2x2_forward (s, x, w, with_bias ? b : NULL, y1, acc, ws);
          pl_convt2x2_forward_ref (s, x, w, with_bias ? b : NULL, y2, acc);
        }
      else
        {
          pl_conv2d_forward (s, x, w, with_bias ? b : NULL, y1, acc, ws);
          pl_conv2d_forward_ref (s, x, w, with_bias ? b : NULL, y2, acc);
        }
      assert_close (acc ? "forward (accumulate)" : "forward", s, y1, y2, ny, tol);
      check_canary (ws, nws);
      if (!transposed)
        {
          /* the fused ReLU applies after the accumulation */
          pl_conv2d_forward_relu (s, x, w, with_bias ? b : NULL, y1, acc, ws);
          pl_conv2d_forward_ref (s, x, w, with_bias ? b : NULL, y2, acc);
          for (gsize i = 0; i < ny; i++)
            y2[i] = y2[i] < 0.0f ? 0.0f : y2[i];
          assert_close (acc ? "forward + ReLU (accumulate)" : "forward + ReLU", s, y1, y2, ny, tol);
          check_canary (ws, nws);
        }
    }
  if (transposed)
    {
      pl_convt2x2_backward_data (s, dy, w, dx1, ws);
      pl_convt2x2_backward_data_ref (s, dy, w, dx2);
      check_canary (ws, nws);
      pl_convt2x2_backward_weights (s, x, dy, dw1, db1, ws);
      pl_convt2x2_backward_weights_ref (s, x, dy, dw2, db2);
      check_canary (ws, nws);
      pl_convt2x2_backward_weights (s, x, dy, dw1, NULL, ws);
      pl_convt2x2_backward_weights_ref (s, x, dy, dw2, NULL);
    }
  else
    {
      /* written into a buffer of garbage, then added to */
      g_autofree float *dx0 = random_floats (r, nx);
      g_autofree float *zeros = g_new0 (float, nx);
      pl_conv2d_backward_data_write (s, dy, w, dx0, ws);
      pl_conv2d_backward_data_ref (s, dy, w, zeros);
      check_canary (ws, nws);
      assert_close ("backward data (write)", s, dx0, zeros, nx, tol);
      pl_conv2d_backward_data (s, dy, w, dx1, ws);
      pl_conv2d_backward_data_ref (s, dy, w, dx2);
      check_canary (ws, nws);
      pl_conv2d_backward_weights (s, x, dy, dw1, db1, ws);
      pl_conv2d_backward_weights_ref (s, x, dy, dw2, db2);
      check_canary (ws, nws);
      pl_conv2d_backward_weights (s, x, dy, dw1, NULL, ws);
      pl_conv2d_backward_weights_ref (s, x, dy, dw2, NULL);
    }
  check_canary (ws, nws);
  assert_close ("backward data", s, dx1, dx2, nx, tol);
  assert_close ("backward weights", s, dw1, dw2, nw, tol_w);
  assert_close ("bias gradient", s, db1, db2, s->o, tol_w);
}

/* Shapes chosen to reach every code path: fewer and more input channels
 * than a vector (the two weight-gradient schemes), channel counts that are
 * not multiples of a tile, rows shorter and longer than a vector (tails of
 * the transposes and stores), single-row images and batches (band rows that
 * cross image boundaries), batches of 1 and 8, and grids too small to split
 * by rows (the output-channel split), and rows wide enough that Winograd's
 * input transform reads vectors of tiles in place between the two edges
 * (101: on AVX-512, tiles 16–47 inside, 0–15 and the last 3 at the edges). */
static const PlConvShape shapes3x3[] = {
  { 2, 3, 7, 5, 4, 3 },  { 1, 1, 9, 11, 16, 3 }, { 3, 17, 6, 6, 5, 3 },  { 2, 32, 4, 8, 16, 3 },
  { 8, 16, 5, 19, 13, 3 }, { 1, 20, 3, 37, 9, 3 }, { 8, 2, 1, 3, 3, 3 },  { 5, 16, 2, 1, 17, 3 },
  { 1, 48, 11, 13, 24, 3 }, { 8, 1, 12, 9, 16, 3 }, { 2, 33, 17, 18, 7, 3 },
  { 2, 5, 5, 101, 6, 3 },
};
static const PlConvShape shapes1x1[] = {
  { 2, 16, 5, 7, 4, 1 }, { 1, 3, 1, 1, 2, 1 }, { 8, 16, 9, 23, 4, 1 }, { 3, 70, 3, 17, 11, 1 },
};
static const PlConvShape shapes_t[] = {
  { 2, 8, 3, 5, 4, 2 }, { 1, 5, 4, 4, 7, 2 }, { 8, 16, 3, 19, 8, 2 }, { 1, 40, 5, 33, 3, 2 },
  { 2, 64, 2, 3, 32, 2 },
};

/* One thread (the serial path) and several (the pool's partitions, even
 * and uneven); under the sanitizers 1 and 3 only, which run the same paths. */
#ifdef TEST_UNDER_SANITIZER
static const int thread_counts[] = { 1, 3 };
#else
static const int thread_counts[] = { 1, 2, 3 };
#endif

static gboolean
use_isa (gconstpointer data)
{
  PlConvIsa isa = GPOINTER_TO_INT (data);
  if (!pl_conv_set_isa (isa))
    {
      g_test_skip ("this CPU lacks the instructions of this path");
      return FALSE;
    }
  return TRUE;
}

/* large enough for AUTO to choose Winograd (32 channels, 1024 positions) */
static const PlConvShape shapes_auto[] = { { 1, 32, 32, 33, 40, 3 }, { 4, 40, 17, 15, 32, 3 } };

static void
test_conv3x3 (gconstpointer data)
{
  static const PlConvAlgo algos[] = { PL_CONV_ALGO_DIRECT, PL_CONV_ALGO_WINOGRAD };

  if (!use_isa (data))
    return;
  for (gsize a = 0; a < G_N_ELEMENTS (algos); a++)
    {
      pl_conv_set_algo (algos[a]);
      for (gsize t = 0; t < G_N_ELEMENTS (thread_counts); t++)
        {
          pl_engine_set_threads (thread_counts[t]);
          for (gsize i = 0; i < G_N_ELEMENTS (shapes3x3); i++)
            check_conv (&shapes3x3[i], FALSE);
        }
    }
  pl_conv_set_algo (PL_CONV_ALGO_AUTO);
  pl_engine_set_threads (2);
  for (gsize i = 0; i < G_N_ELEMENTS (shapes_auto); i++)
    check_conv (&shapes_auto[i], FALSE);
}

static void
test_conv1x1 (gconstpointer data)
{
  if (!use_isa (data))
    return;
  for (gsize t = 0; t < G_N_ELEMENTS (thread_counts); t++)
    {
      pl_engine_set_threads (thread_counts[t]);
      for (gsize i = 0; i < G_N_ELEMENTS (shapes1x1); i++)
        check_conv (&shapes1x1[i], FALSE);
    }
}

static void
test_convt2x2 (gconstpointer data)
{
  if (!use_isa (data))
    return;
  for (gsize t = 0; t < G_N_ELEMENTS (thread_counts); t++)
    {
      pl_engine_set_threads (thread_counts[t]);
      for (gsize i = 0; i < G_N_ELEMENTS (shapes_t); i++)
        check_conv (&shapes_t[i], TRUE);
    }
}

/* More threads than the kernels use (16): clamped, still right. */
static void
test_many_threads (gconstpointer data)
{
  const PlConvShape s3 = { 8, 20, 9, 21, 16, 3 }, s1 = { 4, 16, 5, 19, 3, 1 }, st = { 4, 17, 3, 18, 5, 2 };

  if (!use_isa (data))
    return;
  if (pl_conv_get_isa () == PL_CONV_ISA_GENERIC)
    {
      /* 40 OpenBLAS threads on a small machine test nothing of ours */
      g_test_skip ("the generic path's threads are OpenBLAS's");
      return;
    }
  pl_engine_set_threads (40);
  check_conv (&s3, FALSE);
  check_conv (&s1, FALSE);
  check_conv (&st, TRUE);
  pl_engine_set_threads (2);
}

typedef struct
{
  float *y, *dx, *dw, *db;
} Outputs;

static void
run_all (const PlConvShape *s, gboolean transposed, const float *x, const float *w,
         const float *b, const float *dy, Outputs *out, gsize ny, gsize nx, gsize nw)
{
  gsize nws = transposed ? pl_convt2x2_workspace_floats (s) : pl_conv2d_workspace_floats (s);
  g_autofree float *ws = poisoned_workspace (nws);

  out->y = g_new (float, ny);
  out->dx = g_new0 (float, nx);
  out->dw = g_new0 (float, nw);
  out->db = g_new0 (float, s->o);
  if (transposed)
    {
      pl_convt2x2_forward (s, x, w, b, out->y, FALSE, ws);
      pl_convt2x2_backward_data (s, dy, w, out->dx, ws);
      pl_convt2x2_backward_weights (s, x, dy, out->dw, out->db, ws);
    }
  else
    {
      pl_conv2d_forward (s, x, w, b, out->y, FALSE, ws);
      pl_conv2d_backward_data (s, dy, w, out->dx, ws);
      pl_conv2d_backward_weights (s, x, dy, out->dw, out->db, ws);
    }
}

static void
outputs_clear (Outputs *o)
{
  g_free (o->y);
  g_free (o->dx);
  g_free (o->dw);
  g_free (o->db);
}

/* The same inputs and thread count give the same bits, run after run; the
 * forward and input-gradient results do not depend on the thread count at
 * all (every output is one kernel's sum in a fixed order). */
static void
test_deterministic (gconstpointer data)
{
  const PlConvShape cases[] = { { 8, 16, 13, 21, 16, 3 }, { 1, 64, 6, 7, 48, 3 },
                                { 4, 32, 7, 9, 8, 2 } };
  if (!use_isa (data))
    return;
  for (gsize ci = 0; ci < G_N_ELEMENTS (cases); ci++)
    {
      const PlConvShape *s = &cases[ci];
      gboolean t = s->k == 2;
      g_autoptr (GRand) r = g_rand_new_with_seed (5);
      gsize nx = (gsize) s->n * s->c * s->h * s->w;
      gsize ny = nx / s->c * s->o * (t ? 4 : 1);
      gsize nw = (gsize) s->o * s->c * s->k * s->k;
      g_autofree float *x = random_floats (r, nx);
      g_autofree float *w = random_floats (r, nw);
      g_autofree float *b = random_floats (r, s->o);
      g_autofree float *dy = random_floats (r, ny);
      Outputs first, again, one_thread;

      pl_engine_set_threads (2);
      run_all (s, t, x, w, b, dy, &first, ny, nx, nw);
      run_all (s, t, x, w, b, dy, &again, ny, nx, nw);
      g_assert_cmpmem (first.y, ny * sizeof (float), again.y, ny * sizeof (float));
      g_assert_cmpmem (first.dx, nx * sizeof (float), again.dx, nx * sizeof (float));
      g_assert_cmpmem (first.dw, nw * sizeof (float), again.dw, nw * sizeof (float));
      g_assert_cmpmem (first.db, s->o * sizeof (float), again.db, s->o * sizeof (float));
      if (pl_conv_get_isa () != PL_CONV_ISA_GENERIC)
        {
          pl_engine_set_threads (1);
          run_all (s, t, x, w, b, dy, &one_thread, ny, nx, nw);
          g_assert_cmpmem (first.y, ny * sizeof (float), one_thread.y, ny * sizeof (float));
          g_assert_cmpmem (first.dx, nx * sizeof (float), one_thread.dx, nx * sizeof (float));
          outputs_clear (&one_thread);
        }
      outputs_clear (&first);
      outputs_clear (&again);
    }
}

typedef struct
{
  const PlConvShape *s;
  const float *x, *w, *b;
  float *y;
} ConcurrentJob;

static gpointer
concurrent_forward (gpointer data)
{
  ConcurrentJob *j = data;
  gsize nws = pl_conv2d_workspace_floats (j->s);
  g_autofree float *ws = g_new (float, nws + 1);
  for (int rep = 0; rep < TEST_SIZE (20, 5); rep++)
    pl_conv2d_forward (j->s, j->x, j->w, j->b, j->y, FALSE, ws);
  return NULL;
}

/* Convolutions called from several threads at once (a training job and an
 * inference job) share the pool; a call that finds it busy runs on its own
 * thread, with the same partition and so the same results. */
static void
test_concurrent_callers (gconstpointer data)
{
  const PlConvShape s = { 2, 24, 9, 33, 20, 3 };
  g_autoptr (GRand) r = g_rand_new_with_seed (9);
  gsize nx = (gsize) s.n * s.c * s.h * s.w, ny = (gsize) s.n * s.o * s.h * s.w;
  gsize nw = (gsize) s.o * s.c * 9;
  g_autofree float *x = random_floats (r, nx);
  g_autofree float *w = random_floats (r, nw);
  g_autofree float *b = random_floats (r, s.o);
  g_autofree float *ref = g_new (float, ny);
  ConcurrentJob jobs[3];
  GThread *threads[3];

  if (!use_isa (data))
    return;
  pl_engine_set_threads (2);
  pl_conv2d_forward_ref (&s, x, w, b, ref, FALSE);
  for (int i = 0; i < 3; i++)
    {
      jobs[i] = (ConcurrentJob) { &s, x, w, b, g_new (float, ny) };
      threads[i] = g_thread_new ("caller", concurrent_forward, &jobs[i]);
    }
  for (int i = 0; i < 3; i++)
    {
      g_thread_join (threads[i]);
      assert_close ("concurrent forward", &s, jobs[i].y, ref, ny, 1e-5);
      if (i > 0)
        g_assert_cmpmem (jobs[i].y, ny * sizeof (float), jobs[0].y, ny * sizeof (float));
    }
  for (int i = 0; i < 3; i++)
    g_free (jobs[i].y);
}

static void
test_isa_names (void)
{
  PlConvIsa keep = pl_conv_get_isa ();
  g_assert_true (pl_conv_isa_supported (PL_CONV_ISA_GENERIC));
  g_assert_true (pl_conv_set_isa_by_name ("generic"));
  g_assert_cmpint (pl_conv_get_isa (), ==, PL_CONV_ISA_GENERIC);
  g_assert_cmpstr (pl_conv_isa_name (PL_CONV_ISA_AVX512), ==, "avx512");
  g_assert_false (pl_conv_set_isa_by_name ("sse9"));
  g_assert_true (pl_conv_set_isa_by_name ("auto"));
  g_assert_cmpint (pl_conv_get_isa (), ==,
                   pl_conv_isa_supported (PL_CONV_ISA_AVX512) ? PL_CONV_ISA_AVX512 :
                   pl_conv_isa_supported (PL_CONV_ISA_AVX2) ? PL_CONV_ISA_AVX2 : PL_CONV_ISA_GENERIC);
  g_assert_true (pl_conv_set_isa (keep));
}

static void
test_gemm_against_ref (void)
{
  g_autoptr (GRand) r = g_rand_new_with_seed (7);
  int m = 13, n = 17, k = 9;
  for (int ta = 0; ta < 2; ta++)
    for (int tb = 0; tb < 2; tb++)
      {
        g_autofree float *a = random_floats (r, (gsize) m * k);
        g_autofree float *b = random_floats (r, (gsize) k * n);
        g_autofree float *c1 = random_floats (r, (gsize) m * n);
        g_autofree float *c2 = g_memdup2 (c1, sizeof (float) * m * n);
        PlConvShape none = { 0 };
        pl_gemm (ta, tb, m, n, k, 0.5f, a, ta ? m : k, b, tb ? k : n, 2.0f, c1, n);
        pl_gemm_ref (ta, tb, m, n, k, 0.5f, a, ta ? m : k, b, tb ? k : n, 2.0f, c2, n);
        assert_close ("gemm", &none, c1, c2, (gsize) m * n, 1e-5);
      }
}

int
main (int argc, char **argv)
{
  static const struct { const char *name; PlConvIsa isa; } paths[] = {
    { "generic", PL_CONV_ISA_GENERIC }, { "avx2", PL_CONV_ISA_AVX2 },
    { "avx512", PL_CONV_ISA_AVX512 },
  };

  g_test_init (&argc, &argv, NULL);
  pl_engine_set_threads (2);
  g_test_add_func ("/conv-kernels/gemm", test_gemm_against_ref);
  g_test_add_func ("/conv-kernels/isa-names", test_isa_names);
  for (gsize i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      gconstpointer d = GINT_TO_POINTER (paths[i].isa);
      g_autofree char *p1 = g_strdup_printf ("/conv-kernels/%s/conv3x3", paths[i].name);
      g_autofree char *p2 = g_strdup_printf ("/conv-kernels/%s/conv1x1", paths[i].name);
      g_autofree char *p3 = g_strdup_printf ("/conv-kernels/%s/convt2x2", paths[i].name);
      g_autofree char *p4 = g_strdup_printf ("/conv-kernels/%s/deterministic", paths[i].name);
      g_autofree char *p5 = g_strdup_printf ("/conv-kernels/%s/concurrent-callers", paths[i].name);
      g_autofree char *p6 = g_strdup_printf ("/conv-kernels/%s/many-threads", paths[i].name);
      g_test_add_data_func (p1, d, test_conv3x3);
      g_test_add_data_func (p2, d, test_conv1x1);
      g_test_add_data_func (p3, d, test_convt2x2);
      g_test_add_data_func (p4, d, test_deterministic);
      g_test_add_data_func (p5, d, test_concurrent_callers);
      g_test_add_data_func (p6, d, test_many_threads);
    }
  return g_test_run ();
}
