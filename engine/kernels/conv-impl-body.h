/* conv-impl-body.h: the direct and Winograd convolution kernels, written once
 * over a vector width.  Not a header: conv-avx512.c and conv-avx2.c include
 * it after defining the vector layer (VL lanes of VF, v_* operations, SFX()
 * naming, tile sizes), so each ISA gets its own copy of every function.
 *
 *   conv-band-body.h      the padded band layout, its fills and prefetching
 *   conv-direct-body.h    forward-type tile kernels (forward, input gradient,
 *                         convT) and their problems
 *   conv-wgrad-body.h     weight gradients
 *   conv-winograd-body.h  Winograd F(2×2, 3×3) for 3×3 layers
 *   (here)                the public kernels, choosing among them
 */

#include "engine/kernels/conv-band-body.h"
#include "engine/kernels/conv-direct-body.h"
#include "engine/kernels/conv-wgrad-body.h"

/* Winograd F(2×2, 3×3) when the channels and positions pay for the
 * transforms (measured with bench-conv; see conv-winograd-body.h) */
#ifndef WINO_MIN_C
#define WINO_MIN_C 32
#endif
#ifndef WINO_MIN_POSITIONS
#define WINO_MIN_POSITIONS 512
#endif

#include "engine/kernels/conv-winograd-body.h"

/* ---------------------------------------------------------------------- */
/* The public kernels                                                     */

static void
SFX (conv2d_fwd_problem) (SFX (FwdProblem) *pb, const PlConvShape *s, gboolean backward)
{
  memset (pb, 0, sizeof *pb);
  int kk = s->k * s->k;
  pb->c_in = backward ? s->o : s->c;
  pb->c_out = backward ? s->c : s->o;
  pb->in_kind = SFX (IN_PLANES);
  pb->out_kind = SFX (OUT_PLANES);
  pb->s_out = backward ? (gsize) kk : (gsize) s->c * kk;
  pb->s_in = backward ? (gsize) s->c * kk : (gsize) kk;
  pb->taps = kk;
  pb->flip = backward;
  SFX (fwd_plan) (pb, s->n, s->h, s->w, s->k / 2, pl_conv_threads ());
}

static void
SFX (conv2d_red_problem) (SFX (RedProblem) *pb, const PlConvShape *s)
{
  memset (pb, 0, sizeof *pb);
  int kk = s->k * s->k;
  pb->a_n = s->o;
  pb->a_kind = SFX (IN_PLANES);
  pb->b_n = s->c;
  pb->taps = kk;
  pb->s_a = (gsize) s->c * kk;
  pb->s_b = kk;
  pb->a_per_bias = 1;
  SFX (red_plan) (pb, s->n, s->h, s->w, s->k / 2, pl_conv_threads ());
}

static gsize
SFX (conv2d_workspace) (const PlConvShape *s, int threads)
{
  SFX (FwdProblem) f, b;
  SFX (RedProblem) r;
  memset (&f, 0, sizeof f);
  memset (&b, 0, sizeof b);
  memset (&r, 0, sizeof r);
  int kk = s->k * s->k;
  f.c_in = s->c;
  b.c_in = s->o;
  r.a_n = s->o;
  r.b_n = s->c;
  r.taps = kk;
  gsize nf = SFX (fwd_plan) (&f, s->n, s->h, s->w, s->k / 2, threads);
  gsize nb = SFX (fwd_plan) (&b, s->n, s->h, s->w, s->k / 2, threads);
  gsize nr = SFX (red_plan) (&r, s->n, s->h, s->w, s->k / 2, threads);
  gsize n = MAX (nf, MAX (nb, nr));
  if (s->k == 3 && SFX (wino_use) (s->c, s->o, s->n, s->h, s->w))
    {
      SFX (WinoProblem) wf = { .c_in = s->c, .c_out = s->o };
      n = MAX (n, SFX (wino_plan) (&wf, s->n, s->h, s->w, threads));
    }
  if (s->k == 3 && SFX (wino_use) (s->o, s->c, s->n, s->h, s->w))
    {
      SFX (WinoProblem) wb = { .c_in = s->o, .c_out = s->c };
      n = MAX (n, SFX (wino_plan) (&wb, s->n, s->h, s->w, threads));
    }
  if (s->k == 3 && SFX (wino_red_use) (s->c, s->o, s->n, s->h, s->w))
    {
      SFX (WinoRed) wr = { .c = s->c, .o = s->o };
      n = MAX (n, SFX (wino_red_plan) (&wr, s->n, s->h, s->w, threads));
    }
  return n;
}

static void
SFX (conv2d_forward) (const PlConvShape *s, const float *x, const float *w, const float *b,
                      float *y, gboolean accumulate, gboolean relu, float *ws)
{
  SFX (FwdProblem) pb;
  if (s->k == 3 && SFX (wino_use) (s->c, s->o, s->n, s->h, s->w))
    {
      SFX (WinoProblem) wp = { .in = x, .c_in = s->c, .out = y, .c_out = s->o, .bias = b,
                               .accumulate = accumulate, .relu = relu };
      SFX (wino_plan) (&wp, s->n, s->h, s->w, pl_conv_threads ());
      SFX (wino_run) (&wp, w, FALSE, ws);
      return;
    }
  SFX (conv2d_fwd_problem) (&pb, s, FALSE);
  pb.in = x;
  pb.w = w;
  pb.out = y;
  pb.bias = b;
  pb.accumulate = accumulate;
  pb.relu = relu;
  SFX (fwd_run) (&pb, ws);
}

static void
SFX (conv2d_backward_data) (const PlConvShape *s, const float *dy, const float *w, float *dx,
                            gboolean accumulate, float *ws)
{
  SFX (FwdProblem) pb;
  if (s->k == 3 && SFX (wino_use) (s->o, s->c, s->n, s->h, s->w))
    {
      SFX (WinoProblem) wp = { .in = dy, .c_in = s->o, .out = dx, .c_out = s->c,
                               .accumulate = accumulate };
      SFX (wino_plan) (&wp, s->n, s->h, s->w, pl_conv_threads ());
      SFX (wino_run) (&wp, w, TRUE, ws);
      return;
    }
  SFX (conv2d_fwd_problem) (&pb, s, TRUE);
  pb.in = dy;
  pb.w = w;
  pb.out = dx;
  pb.accumulate = accumulate;
  SFX (fwd_run) (&pb, ws);
}

static void
SFX (conv2d_backward_weights) (const PlConvShape *s, const float *x, const float *dy, float *dw,
                               float *db, float *ws)
{
  SFX (RedProblem) pb;
  if (s->k == 3 && SFX (wino_red_use) (s->c, s->o, s->n, s->h, s->w))
    {
      SFX (WinoRed) wr = { .x = x, .dy = dy, .c = s->c, .o = s->o, .dw = dw, .db = db };
      SFX (wino_red_plan) (&wr, s->n, s->h, s->w, pl_conv_threads ());
      SFX (wino_red_run) (&wr, ws);
      return;
    }
  SFX (conv2d_red_problem) (&pb, s);
  pb.a_src = dy;
  pb.b_src = x;
  pb.dw = dw;
  pb.db = db;
  SFX (red_run) (&pb, ws);
}

/* convT 2×2 s2 as a 1×1 convolution on the input grid with 4·O tap
 * channels m = o·4 + u·2 + v: W(m, c) = w[c·4O + m] */
static void
SFX (convt_fwd_problem) (SFX (FwdProblem) *pb, const PlConvShape *s, gboolean backward)
{
  memset (pb, 0, sizeof *pb);
  int o4 = 4 * s->o;
  pb->c_in = backward ? o4 : s->c;
  pb->c_out = backward ? s->c : o4;
  pb->in_kind = backward ? SFX (IN_TAPS) : SFX (IN_PLANES);
  pb->out_kind = backward ? SFX (OUT_PLANES) : SFX (OUT_TAPS);
  pb->s_out = backward ? (gsize) o4 : 1;
  pb->s_in = backward ? 1 : (gsize) o4;
  pb->taps = 1;
  SFX (fwd_plan) (pb, s->n, s->h, s->w, 0, pl_conv_threads ());
}

static void
SFX (convt_red_problem) (SFX (RedProblem) *pb, const PlConvShape *s)
{
  memset (pb, 0, sizeof *pb);
  int o4 = 4 * s->o;
  pb->a_n = o4;
  pb->a_kind = SFX (IN_TAPS);
  pb->b_n = s->c;
  pb->taps = 1;
  pb->s_a = 1;
  pb->s_b = o4;
  pb->a_per_bias = 4;
  SFX (red_plan) (pb, s->n, s->h, s->w, 0, pl_conv_threads ());
}

static gsize
SFX (convt_workspace) (const PlConvShape *s, int threads)
{
  SFX (FwdProblem) f, b;
  SFX (RedProblem) r;
  memset (&f, 0, sizeof f);
  memset (&b, 0, sizeof b);
  memset (&r, 0, sizeof r);
  f.c_in = s->c;
  b.c_in = 4 * s->o;
  r.a_n = 4 * s->o;
  r.b_n = s->c;
  r.taps = 1;
  gsize nf = SFX (fwd_plan) (&f, s->n, s->h, s->w, 0, threads);
  gsize nb = SFX (fwd_plan) (&b, s->n, s->h, s->w, 0, threads);
  gsize nr = SFX (red_plan) (&r, s->n, s->h, s->w, 0, threads);
  return MAX (nf, MAX (nb, nr));
}

static void
SFX (convt_forward) (const PlConvShape *s, const float *x, const float *w, const float *b,
                     float *y, gboolean accumulate, float *ws)
{
  SFX (FwdProblem) pb;
  SFX (convt_fwd_problem) (&pb, s, FALSE);
  pb.in = x;
  pb.w = w;
  pb.out = y;
  pb.bias = b;
  pb.accumulate = accumulate;
  SFX (fwd_run) (&pb, ws);
}

static void
SFX (convt_backward_data) (const PlConvShape *s, const float *dy, const float *w, float *dx,
                           float *ws)
{
  SFX (FwdProblem) pb;
  SFX (convt_fwd_problem) (&pb, s, TRUE);
  pb.in = dy;
  pb.w = w;
  pb.out = dx;
  pb.accumulate = TRUE;
  SFX (fwd_run) (&pb, ws);
}

static void
SFX (convt_backward_weights) (const PlConvShape *s, const float *x, const float *dy, float *dw,
                              float *db, float *ws)
{
  SFX (RedProblem) pb;
  SFX (convt_red_problem) (&pb, s);
  pb.a_src = dy;
  pb.b_src = x;
  pb.dw = dw;
  pb.db = db;
  SFX (red_run) (&pb, ws);
}
