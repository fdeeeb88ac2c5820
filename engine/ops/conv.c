/* Convolution operators on the tape, with their LRP backward rules; the
 * loops are in conv-kernels.c. */
#define G_LOG_DOMAIN "pl-conv"

#include "engine/ops/ops.h"
#include "engine/ops/op-private.h"
#include "engine/kernels/conv-kernels.h"
#include "engine/kernels/conv-private.h"

#include <string.h>

static PlConvShape
conv_shape (const PlTensor *x, const PlTensor *w)
{
  PlConvShape s = { x->n, x->c, x->h, x->w, w->n, w->h };
  return s;
}

/* With relu: the conv node's output is the pre-activation tensor, which
 * shares memory with the ReLU's output (its values are gone, but conv's
 * backward never reads them). */
static PlTensor *
relu_after (PlTape *tape, PlTensor *pre)
{
  PlTensor *y = pl_tape_wrap (tape, pre->n, pre->c, pre->h, pre->w, pre->data, FALSE);
  pl_tape_record (tape, PL_OP_RELU, y, 1, &pre);
  return y;
}

static void
forward (const PlConvShape *s, const float *x, const float *w, const float *b, float *y,
         gboolean accumulate, gboolean relu, float *ws)
{
  if (relu)
    pl_conv2d_forward_relu (s, x, w, b, y, accumulate, ws);
  else
    pl_conv2d_forward (s, x, w, b, y, accumulate, ws);
}

/* x: (N, C, H, W)  w: (O, C, k, k)  b: (1, O, 1, 1) */
static PlTensor *
conv2d (PlTape *tape, PlTensor *x, PlTensor *w, PlTensor *b, gboolean relu)
{
  PlConvShape s;
  PlTensor *y;
  float *ws;

  g_return_val_if_fail (x && w && w->c == x->c && w->h == w->w, NULL);
  g_return_val_if_fail (w->h == 1 || w->h == 3, NULL);
  g_return_val_if_fail (!b || (b->c == w->n && pl_tensor_numel (b) == (gsize) w->n), NULL);
  s = conv_shape (x, w);
  y = pl_tape_tensor (tape, x->n, w->n, x->h, x->w);
  ws = pl_tape_scratch (tape, pl_conv2d_workspace_floats (&s));
  forward (&s, x->data, w->data, b ? b->data : NULL, y->data, FALSE, relu, ws);
  pl_tape_scratch_done (tape);
  pl_tape_record (tape, PL_OP_CONV2D, y, b ? 3 : 2, (PlTensor *[]) { x, w, b });
  return relu ? relu_after (tape, y) : y;
}

PlTensor *
pl_conv2d (PlTape *tape, PlTensor *x, PlTensor *w, PlTensor *b)
{
  return conv2d (tape, x, w, b, FALSE);
}

PlTensor *
pl_conv2d_relu (PlTape *tape, PlTensor *x, PlTensor *w, PlTensor *b)
{
  return conv2d (tape, x, w, b, TRUE);
}

static void
conv_backward_part (PlTape *tape, const PlConvShape *s, PlTensor *x, PlTensor *w,
                    PlTensor *b, const float *dy)
{
  gboolean fresh;
  float *dx = pl_tape_grad_for_write (tape, x, &fresh);
  float *dw = pl_tape_grad (tape, w);
  float *db = b ? pl_tape_grad (tape, b) : NULL;
  float *ws = pl_tape_scratch (tape, pl_conv2d_workspace_floats (s));

  if (dx && fresh)
    pl_conv2d_backward_data_write (s, dy, w->data, dx, ws);
  else if (dx)
    pl_conv2d_backward_data (s, dy, w->data, dx, ws);
  if (dw || db)
    {
      float *dwbuf = dw ? dw : pl_tape_scratch (tape, pl_tensor_numel (w));
      pl_conv2d_backward_weights (s, x->data, dy, dwbuf, db, ws);
    }
  pl_tape_scratch_done (tape);
}


/* ---- LRP rules (Bach et al. 2015; Montavon et al. 2019) ----------------
 *
 * A node computes z = Σ_p conv_p (x_p, w_p) + b over one or two parts (the
 * pair convolution is the convolution over a skip concatenation) and
 * receives g = dz with relevance R_z = z ⊙ g.  With s = R_z / denominator
 * the rules give each input's modified gradient (R_x = x ⊙ g_x):
 *   ε:   g_x = Wᵀ (R_z / (z + ε sign z))                       (eq. 58)
 *   αβ:  g_x = α W⁺ᵀ (R_z / (z⁺ + ε)) − β W⁻ᵀ (R_z / (z⁻ − ε)),
 *        z± = conv (x, W±) without bias, for x ≥ 0               (eq. 60)
 *        (for an input of both signs, x⁺ pairs with W± and x⁻ with W∓)
 * and zᴮ (first layer, l ≤ x ≤ h; Montavon et al. 2017, eq. 7) writes the
 * relevance itself: R_x = x ⊙ Wᵀs − l ⊙ W⁺ᵀs − h ⊙ W⁻ᵀs,
 *   s = R_z / (conv (x, W) − conv (l, W⁺) − conv (h, W⁻) + ε).
 * Where g is non-zero after a ReLU, z > 0, so an in-place ReLU's output may
 * stand for z. */

typedef struct
{
  PlConvShape s;
  PlTensor   *x, *w;
  gboolean    transposed;
} LrpPart;

static gsize
part_ws (const LrpPart *p)
{
  return p->transposed ? pl_convt2x2_workspace_floats (&p->s) : pl_conv2d_workspace_floats (&p->s);
}

static void
part_forward (const LrpPart *p, const float *x, const float *w, float *y, gboolean acc, float *ws)
{
  if (p->transposed)
    pl_convt2x2_forward (&p->s, x, w, NULL, y, acc, ws);
  else
    pl_conv2d_forward (&p->s, x, w, NULL, y, acc, ws);
}

static void
part_backward (const LrpPart *p, const float *dy, const float *w, float *dx, float *ws)
{
  if (p->transposed)
    pl_convt2x2_backward_data (&p->s, dy, w, dx, ws);
  else
    pl_conv2d_backward_data (&p->s, dy, w, dx, ws);
}

/* The rules' elementwise passes, split into equal runs over the engine's
 * threads when large (elementwise, so the split does not change a value). */
#define EW_PARTS    16
#define EW_PARALLEL (1 << 15)

typedef enum
{
  EW_CLAMP_POS,     /* out = max (a, 0) */
  EW_CLAMP_NEG,     /* out = min (a, 0) */
  EW_HAS_NEGATIVE,  /* found[part] = any a < 0 */
  EW_S_EPSILON,     /* out = g z / (z + ε sign z), g = a, z = b */
  EW_S_ALPHA,       /* out = α' g y / (z⁺ + ε), g = a, y = b, z⁺ = c, z⁻ = d (or NULL) */
  EW_S_BETA,        /* out = −β' g y / (z⁻ − ε) */
  EW_MIXED_ACC,     /* out += a > 0 ? b : a < 0 ? c : 0 */
} EwOp;

typedef struct
{
  EwOp         op;
  gsize        n;
  const float *a, *b, *c, *d;
  float       *out;
  float        alpha, beta, eps;
  gboolean     found[EW_PARTS];
} EwJob;

static inline float
safe_div (float a, float b)
{
  return b != 0.0f ? a / b : 0.0f;
}

static void
ew_part (int part, int n_parts, gpointer data)
{
  EwJob *j = data;
  gsize chunk = ((j->n + n_parts - 1) / n_parts + 15) & ~(gsize) 15;
  gsize lo = MIN (j->n, (gsize) part * chunk), hi = MIN (j->n, lo + chunk);
  const float *restrict a = j->a, *restrict b = j->b, *restrict c = j->c, *restrict d = j->d;
  float *restrict out = j->out;
  const float al = j->alpha, be = j->beta, eps = j->eps;

  switch (j->op)
    {
    case EW_CLAMP_POS:
      for (gsize i = lo; i < hi; i++)
        out[i] = a[i] > 0.0f ? a[i] : 0.0f;
      break;
    case EW_CLAMP_NEG:
      for (gsize i = lo; i < hi; i++)
        out[i] = a[i] < 0.0f ? a[i] : 0.0f;
      break;
    case EW_HAS_NEGATIVE:
      {
        int found = 0;
        for (gsize i = lo; i < hi; i++)
          found |= a[i] < 0.0f;
        j->found[part] = found != 0;
      }
      break;
    case EW_S_EPSILON:
      for (gsize i = lo; i < hi; i++)
        out[i] = safe_div (a[i] * b[i], b[i] + (b[i] >= 0.0f ? eps : -eps));
      break;
    case EW_S_ALPHA:
      /* α' = 1 where z⁻ = 0, 0 where z⁺ = 0 (and z⁻ ≠ 0), else α */
      for (gsize i = lo; i < hi; i++)
        {
          float f = !d ? al : d[i] == 0.0f ? 1.0f : (c[i] == 0.0f ? 0.0f : al);
          out[i] = f * safe_div (a[i] * b[i], c[i] + eps);
        }
      break;
    case EW_S_BETA:
      /* β' = 0 where z⁻ = 0, −1 where z⁺ = 0 (and z⁻ ≠ 0), else β */
      for (gsize i = lo; i < hi; i++)
        {
          float f = d[i] == 0.0f ? 0.0f : (c[i] == 0.0f ? -1.0f : be);
          out[i] = -f * safe_div (a[i] * b[i], d[i] - eps);
        }
      break;
    case EW_MIXED_ACC:
      for (gsize i = lo; i < hi; i++)
        out[i] += a[i] > 0.0f ? b[i] : (a[i] < 0.0f ? c[i] : 0.0f);
      break;
    }
}

static void
ew_run (EwJob *j)
{
  int n_parts = j->n >= EW_PARALLEL ? EW_PARTS : 1;
  for (int p = 0; p < n_parts; p++)
    j->found[p] = FALSE;
  pl_conv_parallel (n_parts, pl_conv_threads (), ew_part, j);
}

static void
ew (EwOp op, gsize n, const float *a, const float *b, const float *c, const float *d, float *out)
{
  EwJob j = { .op = op, .n = n, .a = a, .b = b, .c = c, .d = d, .out = out };
  ew_run (&j);
}

/* sign > 0: W⁺, < 0: W⁻. */
static void
clamp_weights (const PlTensor *w, int sign, float *dst)
{
  ew (sign > 0 ? EW_CLAMP_POS : EW_CLAMP_NEG, pl_tensor_numel (w), w->data, NULL, NULL, NULL, dst);
}

static gboolean
has_negative (const PlTensor *x)
{
  EwJob j = { .op = EW_HAS_NEGATIVE, .n = pl_tensor_numel (x), .a = x->data };
  ew_run (&j);
  for (int p = 0; p < EW_PARTS; p++)
    if (j.found[p])
      return TRUE;
  return FALSE;
}

/* One part's clamped weights and, for an input of both signs, its clamped
 * inputs, each made once per node. */
typedef struct
{
  float *wpos, *wneg;   /* W⁺, W⁻ (wneg NULL when not needed) */
  float *xpos, *xneg;   /* x⁺, x⁻ (mixed parts only) */
  gboolean mixed;
} AbPart;

/* z ← z± = Σ_i (a_i w_ji)± (sign > 0: positive contributions).  An input
 * of both signs (the transposed convolution's output, the network's input)
 * pairs a⁺ with W± and a⁻ with W∓. */
static void
ab_forward (LrpPart *parts, AbPart *ab, int n_parts, int sign, float *z, float *ws)
{
  for (int p = 0; p < n_parts; p++)
    {
      const float *w_same = sign > 0 ? ab[p].wpos : ab[p].wneg;
      const float *w_other = sign > 0 ? ab[p].wneg : ab[p].wpos;
      if (!ab[p].mixed)
        {
          part_forward (&parts[p], parts[p].x->data, w_same, z, p > 0, ws);
          continue;
        }
      part_forward (&parts[p], ab[p].xpos, w_same, z, p > 0, ws);
      part_forward (&parts[p], ab[p].xneg, w_other, z, TRUE, ws);
    }
}

/* dx += the transpose of ab_forward applied to s. */
static void
ab_backward (LrpPart *parts, AbPart *ab, int n_parts, int sign, float **dx,
             const float *s, float *t1, float *t2, float *ws)
{
  for (int p = 0; p < n_parts; p++)
    {
      const PlTensor *x = parts[p].x;
      gsize nx = pl_tensor_numel (x);
      const float *w_same = sign > 0 ? ab[p].wpos : ab[p].wneg;
      const float *w_other = sign > 0 ? ab[p].wneg : ab[p].wpos;
      if (!dx[p])
        continue;
      if (!ab[p].mixed)
        {
          part_backward (&parts[p], s, w_same, dx[p], ws);
          continue;
        }
      memset (t1, 0, nx * sizeof (float));
      part_backward (&parts[p], s, w_same, t1, ws);
      memset (t2, 0, nx * sizeof (float));
      part_backward (&parts[p], s, w_other, t2, ws);
      ew (EW_MIXED_ACC, nx, x->data, t1, t2, NULL, dx[p]);
    }
}

/* αβ.  Where a neuron has contributions of one sign only, all its
 * relevance goes to them (α, β → 1, 0 or 0, −1), so that α − β = 1
 * conserves relevance neuron by neuron. */
static void
lrp_alpha_beta (PlTape *tape, PlNode *node, LrpPart *parts, int n_parts, float **dx,
                float *sbuf, float *ws)
{
  const PlTensor *y = node->out;
  gsize ny = pl_tensor_numel (y), nx = 0;
  double eps, alpha, beta;
  AbPart ab[2] = { { 0 } };
  gboolean any_mixed = FALSE;
  float *zp, *zn = NULL, *t1 = NULL, *t2 = NULL;
  EwJob j = { .n = ny, .a = y->grad, .b = y->data, .out = sbuf };

  pl_tape_get_lrp_params (tape, &eps, &alpha, &beta);
  for (int p = 0; p < n_parts; p++)
    {
      ab[p].mixed = !pl_tape_known_nonnegative (tape, parts[p].x) && has_negative (parts[p].x);
      any_mixed |= ab[p].mixed;
      nx = MAX (nx, pl_tensor_numel (parts[p].x));
    }
  for (int p = 0; p < n_parts; p++)
    {
      gsize nw = pl_tensor_numel (parts[p].w), np = pl_tensor_numel (parts[p].x);
      ab[p].wpos = pl_tape_scratch (tape, nw);
      clamp_weights (parts[p].w, +1, ab[p].wpos);
      if (beta != 0.0 || any_mixed)
        {
          ab[p].wneg = pl_tape_scratch (tape, nw);
          clamp_weights (parts[p].w, -1, ab[p].wneg);
        }
      if (ab[p].mixed)
        {
          ab[p].xpos = pl_tape_scratch (tape, np);
          ab[p].xneg = pl_tape_scratch (tape, np);
          ew (EW_CLAMP_POS, np, parts[p].x->data, NULL, NULL, NULL, ab[p].xpos);
          ew (EW_CLAMP_NEG, np, parts[p].x->data, NULL, NULL, NULL, ab[p].xneg);
        }
    }
  if (any_mixed)
    {
      t1 = pl_tape_scratch (tape, nx);
      t2 = pl_tape_scratch (tape, nx);
    }
  zp = pl_tape_scratch (tape, ny);
  ab_forward (parts, ab, n_parts, +1, zp, ws);
  if (beta != 0.0)
    {
      zn = pl_tape_scratch (tape, ny);
      ab_forward (parts, ab, n_parts, -1, zn, ws);
    }
  j.c = zp;
  j.d = zn;
  j.alpha = (float) alpha;
  j.beta = (float) beta;
  j.eps = (float) eps;
  j.op = EW_S_ALPHA;
  ew_run (&j);
  ab_backward (parts, ab, n_parts, +1, dx, sbuf, t1, t2, ws);
  if (!zn)
    return;
  j.op = EW_S_BETA;
  ew_run (&j);
  ab_backward (parts, ab, n_parts, -1, dx, sbuf, t1, t2, ws);
}

static void
lrp_backward (PlTape *tape, PlNode *node, PlRule rule, LrpPart *parts, int n_parts)
{
  const PlTensor *y = node->out;
  gsize ny = pl_tensor_numel (y), nw = 0, nws = 0;
  double eps, alpha, beta;
  float *dx[2], *sbuf, *ws;

  g_assert (n_parts <= 2);
  pl_tape_get_lrp_params (tape, &eps, &alpha, &beta);
  /* Gradients first: scratch must be the last allocation of the node. */
  for (int p = 0; p < n_parts; p++)
    {
      dx[p] = pl_tape_grad (tape, parts[p].x);
      nw = MAX (nw, pl_tensor_numel (parts[p].w));
      nws = MAX (nws, part_ws (&parts[p]));
    }
  sbuf = pl_tape_scratch (tape, ny);
  ws = pl_tape_scratch (tape, nws);
  if (rule == PL_RULE_LRP_EPSILON)
    {
      EwJob j = { .op = EW_S_EPSILON, .n = ny, .a = y->grad, .b = y->data, .out = sbuf,
                  .eps = (float) eps };
      ew_run (&j);
      for (int p = 0; p < n_parts; p++)
        if (dx[p])
          part_backward (&parts[p], sbuf, parts[p].w->data, dx[p], ws);
    }
  else if (rule == PL_RULE_LRP_ALPHA_BETA)
    lrp_alpha_beta (tape, node, parts, n_parts, dx, sbuf, ws);
  else
    {
      /* zᴮ, one part: den = conv (x, W) − conv (l, W⁺) − conv (h, W⁻). */
      LrpPart *p = &parts[0];
      PlTensor *x = p->x;
      gsize nx = pl_tensor_numel (x);
      float lo, hi;
      float *wbuf = pl_tape_scratch (tape, nw), *den = pl_tape_scratch (tape, ny);
      float *cst = pl_tape_scratch (tape, nx), *t = pl_tape_scratch (tape, nx);

      g_assert (n_parts == 1);
      pl_tape_get_lrp_bounds (tape, &lo, &hi);
      if (!dx[0])
        return;
      part_forward (p, x->data, p->w->data, den, FALSE, ws);
      for (gsize i = 0; i < nx; i++)
        cst[i] = lo;
      clamp_weights (p->w, +1, wbuf);
      for (gsize i = 0; i < ny; i++)
        den[i] = -den[i];                 /* −conv (x, W), negated back below */
      part_forward (p, cst, wbuf, den, TRUE, ws);
      for (gsize i = 0; i < nx; i++)
        cst[i] = hi;
      clamp_weights (p->w, -1, wbuf);
      part_forward (p, cst, wbuf, den, TRUE, ws);
      for (gsize i = 0; i < ny; i++)
        sbuf[i] = safe_div (y->grad[i] * y->data[i], -den[i] + (float) eps);
      /* R_x = x ⊙ Wᵀs − l ⊙ W⁺ᵀs − h ⊙ W⁻ᵀs */
      memset (t, 0, nx * sizeof (float));
      part_backward (p, sbuf, p->w->data, t, ws);
      for (gsize i = 0; i < nx; i++)
        dx[0][i] += x->data[i] * t[i];
      memset (t, 0, nx * sizeof (float));
      clamp_weights (p->w, +1, wbuf);
      part_backward (p, sbuf, wbuf, t, ws);
      for (gsize i = 0; i < nx; i++)
        dx[0][i] -= lo * t[i];
      memset (t, 0, nx * sizeof (float));
      clamp_weights (p->w, -1, wbuf);
      part_backward (p, sbuf, wbuf, t, ws);
      for (gsize i = 0; i < nx; i++)
        dx[0][i] -= hi * t[i];
    }
}

void
pl_conv2d_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *x = node->in[0], *w = node->in[1], *b = node->n_in > 2 ? node->in[2] : NULL;
  PlConvShape s = conv_shape (x, w);

  if (rule != PL_RULE_DEFAULT)
    {
      LrpPart part = { s, x, w, FALSE };
      lrp_backward (tape, node, rule, &part, 1);
      return;
    }
  conv_backward_part (tape, &s, x, w, b, node->out->grad);
}

/* A copy of n floats split over the engine's threads (MC dropout copies
 * each decoder level's precomputed skip half once per pass). */
typedef struct
{
  float       *dst;
  const float *src;
  gsize        n;
} CopyJob;

static void
copy_part (int part, int n_parts, gpointer data)
{
  const CopyJob *j = data;
  gsize chunk = (j->n + n_parts - 1) / n_parts;
  gsize lo = MIN (j->n, (gsize) part * chunk), hi = MIN (j->n, lo + chunk);

  if (hi > lo)
    memcpy (j->dst + lo, j->src + lo, (hi - lo) * sizeof (float));
}

static void
copy_threaded (float *dst, const float *src, gsize n)
{
  CopyJob j = { dst, src, n };
  pl_conv_parallel (n >= (1 << 18) ? 8 : 1, pl_conv_threads (), copy_part, &j);
}

/* conv(concat(xa, xb), [wa | wb]) + b = conv(xa, wa) + conv(xb, wb) + b */
static PlTensor *
conv2d_pair (PlTape *tape, PlTensor *xa, PlTensor *xb, PlTensor *wa, PlTensor *wb,
             PlTensor *b, const PlTensor *xb_part, gboolean relu)
{
  PlConvShape sa, sb;
  PlTensor *y;
  float *ws;

  g_return_val_if_fail (xa && xb && wa && wb, NULL);
  g_return_val_if_fail (xa->n == xb->n && xa->h == xb->h && xa->w == xb->w, NULL);
  g_return_val_if_fail (wa->c == xa->c && wb->c == xb->c && wa->n == wb->n && wa->h == wb->h, NULL);
  sa = conv_shape (xa, wa);
  sb = conv_shape (xb, wb);
  y = pl_tape_tensor (tape, xa->n, wa->n, xa->h, xa->w);
  if (xb_part)
    {
      g_return_val_if_fail (pl_tensor_same_shape (xb_part, y), NULL);
      g_return_val_if_fail (!pl_tape_get_grad_enabled (tape), NULL);
      copy_threaded (y->data, xb_part->data, pl_tensor_numel (y));
      ws = pl_tape_scratch (tape, pl_conv2d_workspace_floats (&sa));
      forward (&sa, xa->data, wa->data, NULL, y->data, TRUE, relu, ws);
      pl_tape_scratch_done (tape);
      return y;
    }
  ws = pl_tape_scratch (tape, MAX (pl_conv2d_workspace_floats (&sa),
                                   pl_conv2d_workspace_floats (&sb)));
  pl_conv2d_forward (&sb, xb->data, wb->data, b ? b->data : NULL, y->data, FALSE, ws);
  forward (&sa, xa->data, wa->data, NULL, y->data, TRUE, relu, ws);
  pl_tape_scratch_done (tape);
  pl_tape_record (tape, PL_OP_CONV2D_PAIR, y, b ? 5 : 4,
                  (PlTensor *[]) { xa, xb, wa, wb, b });
  return relu ? relu_after (tape, y) : y;
}

PlTensor *
pl_conv2d_pair (PlTape *tape, PlTensor *xa, PlTensor *xb, PlTensor *wa, PlTensor *wb,
                PlTensor *b, const PlTensor *xb_part)
{
  return conv2d_pair (tape, xa, xb, wa, wb, b, xb_part, FALSE);
}

PlTensor *
pl_conv2d_pair_relu (PlTape *tape, PlTensor *xa, PlTensor *xb, PlTensor *wa, PlTensor *wb,
                     PlTensor *b, const PlTensor *xb_part)
{
  return conv2d_pair (tape, xa, xb, wa, wb, b, xb_part, TRUE);
}

void
pl_conv2d_pair_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *xa = node->in[0], *xb = node->in[1], *wa = node->in[2], *wb = node->in[3];
  PlTensor *b = node->n_in > 4 ? node->in[4] : NULL;
  PlConvShape sa = conv_shape (xa, wa), sb = conv_shape (xb, wb);

  if (rule != PL_RULE_DEFAULT)
    {
      LrpPart parts[2] = { { sa, xa, wa, FALSE }, { sb, xb, wb, FALSE } };
      lrp_backward (tape, node, rule, parts, 2);
      return;
    }
  conv_backward_part (tape, &sa, xa, wa, NULL, node->out->grad);
  conv_backward_part (tape, &sb, xb, wb, b, node->out->grad);
}

/* x: (N, C, H, W)  w: (C, O, 2, 2)  b: (1, O, 1, 1) → (N, O, 2H, 2W) */
PlTensor *
pl_convt2x2 (PlTape *tape, PlTensor *x, PlTensor *w, PlTensor *b)
{
  PlConvShape s;
  PlTensor *y;
  float *ws;

  g_return_val_if_fail (x && w && w->n == x->c && w->h == 2 && w->w == 2, NULL);
  g_return_val_if_fail (!b || pl_tensor_numel (b) == (gsize) w->c, NULL);
  s = (PlConvShape) { x->n, x->c, x->h, x->w, w->c, 2 };
  y = pl_tape_tensor (tape, x->n, w->c, 2 * x->h, 2 * x->w);
  ws = pl_tape_scratch (tape, pl_convt2x2_workspace_floats (&s));
  pl_convt2x2_forward (&s, x->data, w->data, b ? b->data : NULL, y->data, FALSE, ws);
  pl_tape_scratch_done (tape);
  pl_tape_record (tape, PL_OP_CONVT2X2, y, b ? 3 : 2, (PlTensor *[]) { x, w, b });
  return y;
}

void
pl_convt2x2_backward_node (PlTape *tape, PlNode *node, PlRule rule)
{
  PlTensor *x = node->in[0], *w = node->in[1], *b = node->n_in > 2 ? node->in[2] : NULL;
  PlConvShape s = { x->n, x->c, x->h, x->w, w->c, 2 };
  float *dx, *dw, *db, *ws;
  const float *dy = node->out->grad;

  if (rule != PL_RULE_DEFAULT)
    {
      LrpPart part = { s, x, w, TRUE };
      lrp_backward (tape, node, rule, &part, 1);
      return;
    }
  dx = pl_tape_grad (tape, x);
  dw = pl_tape_grad (tape, w);
  db = b ? pl_tape_grad (tape, b) : NULL;
  ws = pl_tape_scratch (tape, pl_convt2x2_workspace_floats (&s));

  if (dx)
    pl_convt2x2_backward_data (&s, dy, w->data, dx, ws);
  if (dw || db)
    {
      float *dwbuf = dw ? dw : pl_tape_scratch (tape, pl_tensor_numel (w));
      pl_convt2x2_backward_weights (&s, x->data, dy, dwbuf, db, ws);
    }
  pl_tape_scratch_done (tape);
}
