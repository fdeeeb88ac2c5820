/* Finite-difference gradient checks shared by the operator tests.
 *
 * Operators run in float32 as in production; the check projects the output
 * on a fixed random vector r (L = Σ r·y, accumulated in double) and compares
 * the tape's gradient of L with central differences (L(x + h) − L(x − h)) /
 * (x⁺ − x⁻), where x± are the perturbed values as actually stored in float.
 * The error is max |numeric − analytic| / max |numeric| over the checked
 * elements, compared with a tolerance chosen per operator.
 */
#pragma once

#include <glib.h>
#include <math.h>
#include <string.h>

#include "engine/ops/ops.h"
#include "engine/ops/loss.h"
#include "engine/core/rng.h"

#define GC_MAX_IN 6

typedef PlTensor *(*GcBuild) (PlTape *tape, PlTensor **in, gpointer user_data);

typedef struct
{
  int    n_in;
  int    shape[GC_MAX_IN][4];
  float *data[GC_MAX_IN];          /* owned; filled by gc_fill_* */
  gboolean check[GC_MAX_IN];       /* which inputs get a gradient */
} GcInputs;

static inline void
gc_inputs_init (GcInputs *g, int n_in, const int shapes[][4])
{
  memset (g, 0, sizeof *g);
  g->n_in = n_in;
  for (int i = 0; i < n_in; i++)
    {
      gsize n = (gsize) shapes[i][0] * shapes[i][1] * shapes[i][2] * shapes[i][3];
      memcpy (g->shape[i], shapes[i], sizeof g->shape[i]);
      g->data[i] = g_new0 (float, n);
      g->check[i] = TRUE;
    }
}

static inline gsize
gc_numel (const GcInputs *g, int i)
{
  return (gsize) g->shape[i][0] * g->shape[i][1] * g->shape[i][2] * g->shape[i][3];
}

static inline void
gc_inputs_clear (GcInputs *g)
{
  for (int i = 0; i < g->n_in; i++)
    g_free (g->data[i]);
}

/* Uniform in [lo, hi), but at least `gap` away from 0 (kinks of ReLU etc.). */
static inline void
gc_fill (GcInputs *g, int i, PlRng *rng, float lo, float hi, float gap)
{
  for (gsize k = 0; k < gc_numel (g, i); k++)
    {
      float v;
      do
        v = pl_rng_range (rng, lo, hi);
      while (fabsf (v) < gap);
      g->data[i][k] = v;
    }
}

static inline PlTensor *
gc_build (PlTape *tape, GcInputs *g, GcBuild build, gpointer ud, PlTensor **in, gboolean grad)
{
  for (int i = 0; i < g->n_in; i++)
    in[i] = pl_tape_wrap (tape, g->shape[i][0], g->shape[i][1], g->shape[i][2],
                          g->shape[i][3], g->data[i], grad && g->check[i]);
  return build (tape, in, ud);
}

static inline double
gc_project (const PlTensor *y, const float *r)
{
  double s = 0.0;
  for (gsize k = 0; k < pl_tensor_numel (y); k++)
    s += (double) r[k] * y->data[k];
  return s;
}

/* Returns the worst relative error; prints it for the TAP log.  At most
 * max_checks elements per input are perturbed (spread evenly). */
static inline double
gc_check (const char *name, GcInputs *g, GcBuild build, gpointer ud, float h,
          int max_checks)
{
  g_autoptr (PlTape) tape = pl_tape_new (1 << 20);
  g_autoptr (GError) error = NULL;
  PlTensor *in[GC_MAX_IN], *y;
  float *r, *ana[GC_MAX_IN] = { 0 };
  gsize ny;
  double worst = 0.0;
  PlRng rng;

  pl_rng_init (&rng, 1234);
  y = gc_build (tape, g, build, ud, in, TRUE);
  ny = pl_tensor_numel (y);
  r = g_new (float, ny);
  for (gsize k = 0; k < ny; k++)
    r[k] = pl_rng_range (&rng, -1.0f, 1.0f);
  g_assert_true (pl_tape_backward (tape, y, r, &error));
  g_assert_no_error (error);
  for (int i = 0; i < g->n_in; i++)
    if (g->check[i])
      {
        g_assert_nonnull (in[i]->grad);
        ana[i] = g_memdup2 (in[i]->grad, gc_numel (g, i) * sizeof (float));
      }

  pl_tape_set_grad_enabled (tape, FALSE);
  for (int i = 0; i < g->n_in; i++)
    {
      gsize n = gc_numel (g, i), step;
      double max_num = 0.0, max_err = 0.0;
      if (!g->check[i])
        continue;
      step = n > (gsize) max_checks ? n / max_checks : 1;
      for (gsize k = 0; k < n; k += step)
        {
          float x0 = g->data[i][k], xp = x0 + h, xm = x0 - h;
          double lp, lm, num;
          pl_tape_reset (tape);
          g->data[i][k] = xp;
          lp = gc_project (gc_build (tape, g, build, ud, in, FALSE), r);
          pl_tape_reset (tape);
          g->data[i][k] = xm;
          lm = gc_project (gc_build (tape, g, build, ud, in, FALSE), r);
          g->data[i][k] = x0;
          num = (lp - lm) / ((double) xp - (double) xm);
          max_num = MAX (max_num, fabs (num));
          max_err = MAX (max_err, fabs (num - ana[i][k]));
        }
      {
        double rel = max_err / MAX (max_num, 1e-6);
        g_test_message ("%s: input %d: max |num| %.3g, max err %.3g, rel %.3g",
                        name, i, max_num, max_err, rel);
        worst = MAX (worst, rel);
      }
      g_free (ana[i]);
    }
  g_free (r);
  return worst;
}
