/* The core: arena accounting, tape mechanics (constants, input gradients,
 * intermediate gradients, alternative backward rules), the generator,
 * optimisers and EMA against hand-computed values. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "engine/core/arena.h"
#include "engine/core/gemm.h"
#include "engine/data/volume.h"
#include "engine/ops/loss.h"
#include "engine/ops/ops.h"
#include "engine/ops/optim.h"
#include "engine/core/rng.h"
#include "engine/ops/tape.h"

static void
test_arena_reports_need (void)
{
  g_autoptr (PlArena) a = pl_arena_new (1024);
  g_autoptr (GError) error = NULL;
  PlArenaMark m;
  float *p, *q;

  p = pl_arena_alloc_floats (a, 100);          /* 400 → 448 bytes */
  g_assert_nonnull (p);
  g_assert_cmpuint ((guintptr) p % PL_ARENA_ALIGN, ==, 0);
  g_assert_true (pl_arena_check (a, NULL));
  q = pl_arena_alloc_floats (a, 300);          /* 1200 bytes: does not fit */
  q[299] = 1.0f;                               /* still usable */
  g_assert_true (pl_arena_overflowed (a));
  g_assert_false (pl_arena_check (a, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "needed 1664 bytes"));
  g_assert_cmpuint (pl_arena_peak (a), ==, 448 + 1216);

  /* Reset grows the block to the need: the same step then fits. */
  pl_arena_reset (a);
  g_assert_cmpuint (pl_arena_capacity (a), >=, 1664);
  pl_arena_alloc_floats (a, 100);
  pl_arena_alloc_floats (a, 300);
  g_assert_false (pl_arena_overflowed (a));

  /* Mark/release is stack-like. */
  m = pl_arena_mark (a);
  pl_arena_alloc (a, 64);
  g_assert_cmpuint (pl_arena_used (a), ==, 1664 + 64);
  pl_arena_release (a, m);
  g_assert_cmpuint (pl_arena_used (a), ==, 1664);

  /* Without growth the overflow stays, and keeps being reported. */
  pl_arena_set_auto_grow (a, FALSE);
  pl_arena_reset (a);
  pl_arena_alloc (a, 1 << 20);
  pl_arena_reset (a);
  g_assert_cmpuint (pl_arena_capacity (a), <, 1 << 20);
  g_assert_false (pl_arena_check (a, NULL));
}

/* y = x * c with c detached: only x gets a gradient; the same y built from
 * c itself requiring a gradient gives c one too. */
static void
test_tape_detach_and_input_grad (void)
{
  g_autoptr (PlTape) tape = pl_tape_new (1 << 16);
  float xv[3] = { 1, 2, 3 }, cv[3] = { 4, 5, 6 };
  PlTensor *x = pl_tape_input (tape, 1, 1, 1, 3, xv, TRUE);
  PlTensor *c = pl_tape_input (tape, 1, 1, 1, 3, cv, TRUE);
  PlTensor *cd = pl_tape_detach (tape, c);
  PlTensor *mid = pl_mul (tape, x, cd);
  PlTensor *y = pl_sum (tape, pl_mul (tape, mid, mid));   /* Σ (x c)² */

  g_assert_true (pl_tape_backward (tape, y, NULL, NULL));
  for (int i = 0; i < 3; i++)
    {
      g_assert_cmpfloat_with_epsilon (x->grad[i], 2 * xv[i] * cv[i] * cv[i], 1e-4);
      /* The intermediate's gradient is readable after backward (hooks). */
      g_assert_cmpfloat_with_epsilon (mid->grad[i], 2 * xv[i] * cv[i], 1e-4);
    }
  g_assert_null (c->grad);
  g_assert_null (cd->grad);
  /* Nothing requiring a gradient: nothing recorded. */
  pl_tape_reset (tape);
  x = pl_tape_input (tape, 1, 1, 1, 3, xv, FALSE);
  pl_relu (tape, x, FALSE);
  g_assert_cmpuint (pl_tape_get_n_nodes (tape), ==, 0);
}

/* ReLU rules on a hand-made case: x = (−1, 2, 3, −4), dy = (5, −6, 7, −8). */
static void
test_relu_rules (void)
{
  float xv[4] = { -1, 2, 3, -4 }, dy[4] = { 5, -6, 7, -8 };
  const float want[3][4] = {
    { 0, -6, 7, 0 },    /* default: dy where x > 0 */
    { 0, 0, 7, 0 },     /* guided: dy > 0 and x > 0 */
    { 5, 0, 7, 0 },     /* deconvnet: relu(dy) */
  };
  const PlRule rules[3] = { PL_RULE_DEFAULT, PL_RULE_GUIDED, PL_RULE_DECONVNET };

  for (int r = 0; r < 3; r++)
    {
      g_autoptr (PlTape) tape = pl_tape_new (1 << 16);
      PlTensor *x = pl_tape_input (tape, 1, 1, 2, 2, xv, TRUE);
      PlTensor *y = pl_relu (tape, x, FALSE);
      pl_tape_set_rule (tape, PL_OP_RELU, rules[r]);
      g_assert_true (pl_tape_backward (tape, y, dy, NULL));
      for (int i = 0; i < 4; i++)
        g_assert_cmpfloat (x->grad[i], ==, want[r][i]);
    }

  /* Per-node override beats the family's rule. */
  {
    g_autoptr (PlTape) tape = pl_tape_new (1 << 16);
    PlTensor *x = pl_tape_input (tape, 1, 1, 2, 2, xv, TRUE);
    PlTensor *y = pl_relu (tape, x, FALSE);
    pl_tape_set_rule (tape, PL_OP_RELU, PL_RULE_GUIDED);
    pl_tape_set_node_rule (tape, y->node, PL_RULE_DECONVNET);
    g_assert_true (pl_tape_backward (tape, y, dy, NULL));
    for (int i = 0; i < 4; i++)
      g_assert_cmpfloat (x->grad[i], ==, want[2][i]);
  }

  /* An operator that lacks the rule fails before any gradient is touched. */
  {
    g_autoptr (PlTape) tape = pl_tape_new (1 << 16);
    g_autoptr (GError) error = NULL;
    PlTensor *x = pl_tape_input (tape, 1, 1, 2, 2, xv, TRUE);
    PlTensor *y = pl_sigmoid (tape, pl_relu (tape, x, FALSE));
    pl_tape_set_rule (tape, PL_OP_SIGMOID, PL_RULE_LRP_EPSILON);
    g_assert_false (pl_tape_backward (tape, y, dy, &error));
    g_assert_error (error, PL_ERROR, PL_ERROR_RULE);
    g_assert_nonnull (strstr (error->message, "sigmoid"));
    g_assert_null (x->grad);
  }
  g_assert_true (pl_op_supports_rule (PL_OP_RELU, PL_RULE_GUIDED));
  g_assert_false (pl_op_supports_rule (PL_OP_CONV2D, PL_RULE_GUIDED));
  g_assert_cmpstr (pl_op_name (PL_OP_CONVT2X2), ==, "convt2x2");
}

/* xoshiro256** from splitmix64(0): the stream is fixed by the algorithm,
 * so these values must never change (they are what seeds mean). */
static void
test_rng (void)
{
  PlRng a, b;
  guint64 first;
  double s = 0.0, s2 = 0.0;
  int counts[5] = { 0 };

  pl_rng_init (&a, 0);
  pl_rng_init (&b, 0);
  first = pl_rng_next (&a);
  g_assert_cmpuint (first, ==, pl_rng_next (&b));
  pl_rng_init (&b, 1);
  g_assert_cmpuint (first, !=, pl_rng_next (&b));
  /* splitmix64(0) first output, as published with the algorithm. */
  {
    PlRng c;
    pl_rng_init (&c, 0);
    g_assert_cmpuint (c.s[0], ==, G_GUINT64_CONSTANT (0xe220a8397b1dcdaf));
  }
  for (int i = 0; i < 100000; i++)
    {
      double n = pl_rng_normal (&a);
      float u = pl_rng_uniform (&a);
      s += n;
      s2 += n * n;
      g_assert_true (u >= 0.0f && u < 1.0f);
      counts[pl_rng_below (&a, 5)]++;
    }
  g_assert_cmpfloat (fabs (s / 1e5), <, 0.02);
  g_assert_cmpfloat (fabs (s2 / 1e5 - 1.0), <, 0.02);
  for (int k = 0; k < 5; k++)
    g_assert_cmpint (abs (counts[k] - 20000), <, 800);
}

/* Adam's first step moves each parameter by lr·g/(|g| + ε') ≈ lr·sign(g);
 * two steps by hand; SGD with momentum; EMA. */
static void
test_optim (void)
{
  float p[2] = { 1.0f, -2.0f }, g[2] = { 0.5f, -0.25f };
  g_autoptr (PlOptimizer) adam = pl_optimizer_new_adam (2, 0.1f, 0.9f, 0.999f, 1e-8f);
  g_autoptr (PlOptimizer) sgd = pl_optimizer_new_sgd (2, 0.1f, 0.9f);
  float t[2] = { 0.0f, 10.0f }, s[2] = { 1.0f, 0.0f };

  pl_optimizer_step (adam, p, g);
  g_assert_cmpfloat_with_epsilon (p[0], 0.9f, 1e-6);
  g_assert_cmpfloat_with_epsilon (p[1], -1.9f, 1e-6);
  pl_optimizer_step (adam, p, g);
  {
    /* m = 0.19 g / (1 − 0.81); v = 0.001999 g² / (1 − 0.998001): ratio g/|g| */
    g_assert_cmpfloat_with_epsilon (p[0], 0.8f, 1e-6);
  }

  p[0] = 1.0f;
  p[1] = -2.0f;
  pl_optimizer_step (sgd, p, g);           /* v = g */
  pl_optimizer_step (sgd, p, g);           /* v = 0.9 g + g */
  g_assert_cmpfloat_with_epsilon (p[0], 1.0f - 0.1f * 0.5f - 0.1f * 1.9f * 0.5f, 1e-6);
  g_assert_cmpfloat_with_epsilon (p[1], -2.0f + 0.1f * 0.25f + 0.1f * 1.9f * 0.25f, 1e-6);

  pl_ema_update (t, s, 2, 0.99f);
  g_assert_cmpfloat_with_epsilon (t[0], 0.01f, 1e-7);
  g_assert_cmpfloat_with_epsilon (t[1], 9.9f, 1e-6);
}

/* A block large enough for the threads and the vector loop (not a
 * multiple of 4 or of a part): the same values as the per-parameter loop,
 * which a trainable mask of all ones takes, bit for bit, over 3 steps. */
static void
test_optim_block (void)
{
  const gsize n = 100003;
  g_autofree float *p1 = g_new (float, n), *p2 = g_new (float, n), *g = g_new (float, n);
  g_autoptr (PlOptimizer) a1 = pl_optimizer_new_adam (n, 0.01f, 0.9f, 0.999f, 1e-8f);
  g_autoptr (PlOptimizer) a2 = pl_optimizer_new_adam (n, 0.01f, 0.9f, 0.999f, 1e-8f);
  guint8 *all = g_new (guint8, n);
  PlRng rng;

  memset (all, 1, n);
  pl_optimizer_set_trainable (a2, all);
  pl_rng_init (&rng, 3);
  for (gsize i = 0; i < n; i++)
    p1[i] = p2[i] = pl_rng_range (&rng, -1.0f, 1.0f);
  pl_engine_set_threads (2);
  for (int step = 0; step < 3; step++)
    {
      for (gsize i = 0; i < n; i++)
        g[i] = pl_rng_range (&rng, -1.0f, 1.0f) * (i % 5 == 0 ? 1e-6f : 1.0f);
      pl_optimizer_step (a1, p1, g);
      pl_optimizer_step (a2, p2, g);
    }
  g_assert_cmpmem (p1, n * sizeof (float), p2, n * sizeof (float));
  g_assert_cmpmem (a1->v, n * sizeof (float), a2->v, n * sizeof (float));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/arena", test_arena_reports_need);
  g_test_add_func ("/core/tape/detach-input-grad", test_tape_detach_and_input_grad);
  g_test_add_func ("/core/tape/relu-rules", test_relu_rules);
  g_test_add_func ("/core/rng", test_rng);
  g_test_add_func ("/core/optim", test_optim);
  g_test_add_func ("/core/optim/block", test_optim_block);
  return g_test_run ();
}
