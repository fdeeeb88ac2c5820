/* Local re-evaluation of a UNet (occlusion): the activations of one input
 * are kept, and the logits of an input that differs from it only inside a
 * rectangle are recomputed only where they can change and are needed.
 *
 * Every activation is a "slot": its kept (base) values over the whole
 * grid, its needed rectangle N (found once, backwards from the caller's
 * rectangle of the logits: a 3×3 convolution needs its output's rectangle
 * grown by one, a max-pool or a transposed convolution its output's
 * rectangle halved or doubled), and per evaluation the rectangle R where it
 * changed (the input's rectangle grown by each layer's reach, cut to N)
 * with the new values there.  A layer reads its input on its output's
 * rectangle grown by its reach — new values inside the input's R, kept
 * ones elsewhere — and runs the ordinary operator on that crop; zero
 * padding at a crop edge only touches the ring it discards, so inside R
 * the values are those of the whole-grid forward.  The skip half of each
 * decoder level's first convolution (conv(skip, w_skip) + b, a slot of its
 * own) changes only near the patch: the convolution over the concatenation
 * reads it instead of convolving the skip again (pl_conv2d_pair's xb_part,
 * the same sums in the same order). */
#define G_LOG_DOMAIN "pl-unet"

#include "engine/nn/unet-private.h"
#include "engine/ops/ops.h"

#include <string.h>

typedef struct
{
  int     c, h, w;
  float  *base;          /* (c, h, w), owned */
  PlRect  need;
  /* per evaluation */
  PlRect  r;             /* changed ∩ needed */
  PlRect  crop;          /* the rectangle cur covers (⊇ r) */
  float  *cur;           /* (c, crop) on the tape */
} Slot;

enum { S_IN, S_POOL, S_ENC_A = S_POOL + PL_UNET_MAX_DEPTH, S_ENC_S = S_ENC_A + PL_UNET_MAX_DEPTH,
       S_UP = S_ENC_S + PL_UNET_MAX_DEPTH, S_DEC_A = S_UP + PL_UNET_MAX_DEPTH,
       S_DEC_S = S_DEC_A + PL_UNET_MAX_DEPTH, S_PART = S_DEC_S + PL_UNET_MAX_DEPTH,
       S_LOGITS = S_PART + PL_UNET_MAX_DEPTH, S_N };

struct _PlUnetLocal
{
  PlUnet *unet;          /* borrowed */
  Slot    s[S_N];
};

/* ---- rectangles (half-open) ------------------------------------------- */

static gboolean
rect_empty (const PlRect *r)
{
  return r->y1 <= r->y0 || r->x1 <= r->x0;
}

static PlRect
rect_clip (PlRect r, int h, int w)
{
  r.y0 = MAX (r.y0, 0);
  r.x0 = MAX (r.x0, 0);
  r.y1 = MIN (r.y1, h);
  r.x1 = MIN (r.x1, w);
  if (rect_empty (&r))
    r.y0 = r.x0 = r.y1 = r.x1 = 0;
  return r;
}

static PlRect
rect_meet (PlRect a, const PlRect *b)
{
  a.y0 = MAX (a.y0, b->y0);
  a.x0 = MAX (a.x0, b->x0);
  a.y1 = MIN (a.y1, b->y1);
  a.x1 = MIN (a.x1, b->x1);
  if (rect_empty (&a))
    a.y0 = a.x0 = a.y1 = a.x1 = 0;
  return a;
}

static PlRect
rect_join (PlRect a, const PlRect *b)
{
  if (rect_empty (b))
    return a;
  if (rect_empty (&a))
    return *b;
  a.y0 = MIN (a.y0, b->y0);
  a.x0 = MIN (a.x0, b->x0);
  a.y1 = MAX (a.y1, b->y1);
  a.x1 = MAX (a.x1, b->x1);
  return a;
}

static PlRect
rect_grow (PlRect r, int d, int h, int w)
{
  if (rect_empty (&r))
    return r;
  r.y0 -= d;
  r.x0 -= d;
  r.y1 += d;
  r.x1 += d;
  return rect_clip (r, h, w);
}

static PlRect
rect_half (PlRect r)
{
  if (rect_empty (&r))
    return r;
  r.y0 /= 2;
  r.x0 /= 2;
  r.y1 = (r.y1 + 1) / 2;
  r.x1 = (r.x1 + 1) / 2;
  return r;
}

static PlRect
rect_double (PlRect r)
{
  r.y0 *= 2;
  r.x0 *= 2;
  r.y1 *= 2;
  r.x1 *= 2;
  return r;
}

/* ---- slots -------------------------------------------------------------- */

static void
slot_init (Slot *s, const PlTensor *t)
{
  s->c = t->c;
  s->h = t->h;
  s->w = t->w;
  s->base = g_memdup2 (t->data, pl_tensor_numel (t) * sizeof (float));
}

/* dst (c, crop) ← the slot's current values: new inside r, kept elsewhere. */
static void
gather (const Slot *s, const PlRect *crop, float *dst)
{
  int ch = crop->y1 - crop->y0, cw = crop->x1 - crop->x0;
  PlRect in = rect_meet (s->r, crop);
  int sh = s->crop.y1 - s->crop.y0, sw = s->crop.x1 - s->crop.x0;

  for (int c = 0; c < s->c; c++)
    for (int y = crop->y0; y < crop->y1; y++)
      {
        float *d = dst + ((gsize) c * ch + (y - crop->y0)) * cw;
        memcpy (d, s->base + ((gsize) c * s->h + y) * s->w + crop->x0, cw * sizeof (float));
        if (y >= in.y0 && y < in.y1)
          memcpy (d + (in.x0 - crop->x0),
                  s->cur + ((gsize) c * sh + (y - s->crop.y0)) * sw + (in.x0 - s->crop.x0),
                  (in.x1 - in.x0) * sizeof (float));
      }
}

static PlTensor *
gather_tensor (const Slot *s, PlTape *t, const PlRect *crop)
{
  int ch = crop->y1 - crop->y0, cw = crop->x1 - crop->x0;
  PlTensor *x = pl_tape_tensor (t, 1, s->c, ch, cw);
  gather (s, crop, x->data);
  return x;
}

static void
set_result (Slot *s, const PlRect *r, const PlRect *crop, PlTensor *y)
{
  s->r = *r;
  s->crop = *crop;
  s->cur = y->data;
}

static void
set_unchanged (Slot *s)
{
  memset (&s->r, 0, sizeof s->r);
  s->cur = NULL;
}

/* ---- layers --------------------------------------------------------------- */

static void
conv3 (PlTape *t, Layer *L, Slot *in, Slot *in2, Slot *out, gboolean relu)
{
  PlRect rin = in2 ? rect_join (in->r, &in2->r) : in->r;
  int g = L->k / 2;
  PlRect r = rect_meet (rect_grow (rin, g, out->h, out->w), &out->need), crop;
  PlTensor *x, *y;

  if (rect_empty (&r))
    {
      set_unchanged (out);
      return;
    }
  crop = rect_grow (r, g, out->h, out->w);
  x = gather_tensor (in, t, &crop);
  if (in2)
    y = pl_conv2d_pair_relu (t, x, gather_tensor (in2, t, &crop), &L->w, &L->w2, &L->b, NULL);
  else
    y = relu ? pl_conv2d_relu (t, x, &L->w, &L->b) : pl_conv2d (t, x, &L->w, &L->b);
  set_result (out, &r, &crop, y);
}

/* The first decoder convolution over concat(up, skip) with the skip half
 * read from its slot. */
static void
conv_pair (PlTape *t, Layer *L, Slot *up, Slot *part, Slot *out)
{
  PlRect grown = rect_grow (up->r, 1, out->h, out->w);
  PlRect r = rect_meet (rect_join (grown, &part->r), &out->need), crop;
  PlTensor *xa, *xp, xb;
  int ch, cw;

  if (rect_empty (&r))
    {
      set_unchanged (out);
      return;
    }
  crop = rect_grow (r, 1, out->h, out->w);
  ch = crop.y1 - crop.y0;
  cw = crop.x1 - crop.x0;
  xa = gather_tensor (up, t, &crop);
  xp = gather_tensor (part, t, &crop);
  /* the skip itself is not read when its half is given: its shape only */
  xb = (PlTensor) { 1, L->cin - L->split, ch, cw, NULL, NULL, 0, -1 };
  set_result (out, &r, &crop, pl_conv2d_pair_relu (t, xa, &xb, &L->w, &L->w2, &L->b, xp));
}

static void
pool (PlTape *t, Slot *in, Slot *out)
{
  PlRect r = rect_meet (rect_half (in->r), &out->need), crop;

  if (rect_empty (&r))
    {
      set_unchanged (out);
      return;
    }
  crop = rect_double (r);
  set_result (out, &r, &r, pl_maxpool2x2 (t, gather_tensor (in, t, &crop)));
}

static void
up (PlTape *t, Layer *L, Slot *in, Slot *out)
{
  PlRect r = rect_meet (rect_double (in->r), &out->need), crop, half;

  if (rect_empty (&r))
    {
      set_unchanged (out);
      return;
    }
  half = rect_half (r);
  crop = rect_double (half);
  set_result (out, &r, &crop, pl_convt2x2 (t, gather_tensor (in, t, &half), &L->w, &L->b));
}

/* ---- public -------------------------------------------------------------- */

gboolean
pl_unet_local_supported (const PlUnet *unet)
{
  const PlUnetConfig *c = &unet->cfg;
  return !c->batch_norm && c->upsample == PL_UPSAMPLE_CONVT && c->head_scales < 2
         && c->attention_heads == 0    /* attention reaches every position */
         && c->skip_channels == 0;
}

/* The needed rectangle of every slot, backwards from the logits'. */
static void
find_needs (PlUnetLocal *L, const PlRect *need)
{
  const PlUnetConfig *c = &L->unet->cfg;
  Slot *s = L->s;
  int D = c->depth;
  PlRect skip[PL_UNET_MAX_DEPTH] = { { 0 } }, prev;

  s[S_LOGITS].need = rect_clip (*need, s[S_LOGITS].h, s[S_LOGITS].w);
  prev = s[S_LOGITS].need;             /* the head is 1×1 */
  for (int j = D - 2; j >= 0; j--)
    {
      int l = D - 2 - j;
      s[S_DEC_S + j].need = prev;
      s[S_DEC_A + j].need = rect_grow (prev, 1, s[S_DEC_A + j].h, s[S_DEC_A + j].w);
      s[S_UP + j].need = rect_grow (s[S_DEC_A + j].need, 1, s[S_UP + j].h, s[S_UP + j].w);
      s[S_PART + j].need = s[S_DEC_A + j].need;
      if (c->skip)
        skip[l] = s[S_UP + j].need;
      prev = rect_half (s[S_UP + j].need);
    }
  for (int l = D - 1; l >= 0; l--)
    {
      PlRect n = l == D - 1 ? prev : skip[l];
      if (l < D - 1)
        {
          PlRect from_pool = rect_double (s[S_POOL + l + 1].need);
          n = rect_join (n, &from_pool);
        }
      s[S_ENC_S + l].need = n;
      s[S_ENC_A + l].need = rect_grow (n, 1, s[S_ENC_A + l].h, s[S_ENC_A + l].w);
      s[(l ? S_POOL + l : S_IN)].need = rect_grow (s[S_ENC_A + l].need, 1,
                                                   s[S_ENC_A + l].h, s[S_ENC_A + l].w);
    }
}

PlUnetLocal *
pl_unet_local_new (PlUnet *unet, PlTape *tape, const float *x, int h, int w,
                   const PlRect *need)
{
  const PlUnetConfig *c = &unet->cfg;
  PlUnetLocal *L;
  PlTensor *in, *a, *skips[PL_UNET_MAX_DEPTH];
  int D = c->depth;
  gboolean grad = pl_tape_get_grad_enabled (tape);

  g_return_val_if_fail (pl_unet_local_supported (unet), NULL);
  g_return_val_if_fail (h % pl_unet_config_multiple (c) == 0 && w % pl_unet_config_multiple (c) == 0, NULL);
  L = g_new0 (PlUnetLocal, 1);
  L->unet = unet;
  pl_tape_reset (tape);
  pl_tape_set_grad_enabled (tape, FALSE);
  in = pl_tape_wrap (tape, 1, c->in_channels, h, w, (float *) x, FALSE);
  slot_init (&L->s[S_IN], in);
  a = in;
  /* The forward of unet.c, layer by layer, keeping every activation. */
  for (int l = 0; l < D; l++)
    {
      if (l > 0)
        {
          a = pl_maxpool2x2 (tape, a);
          slot_init (&L->s[S_POOL + l], a);
        }
      a = pl_conv2d_relu (tape, a, &unet->enc[l][0].w, &unet->enc[l][0].b);
      slot_init (&L->s[S_ENC_A + l], a);
      a = pl_conv2d_relu (tape, a, &unet->enc[l][1].w, &unet->enc[l][1].b);
      slot_init (&L->s[S_ENC_S + l], a);
      skips[l] = a;
    }
  for (int j = 0; j < D - 1; j++)
    {
      int l = D - 2 - j;
      Layer *d0 = &unet->dec[j][0];
      PlTensor *u = pl_convt2x2 (tape, a, &unet->up[j].w, &unet->up[j].b);
      slot_init (&L->s[S_UP + j], u);
      if (c->skip)
        slot_init (&L->s[S_PART + j], pl_conv2d (tape, skips[l], &d0->w2, &d0->b));
      a = c->skip ? pl_conv2d_pair_relu (tape, u, skips[l], &d0->w, &d0->w2, &d0->b, NULL)
                  : pl_conv2d_relu (tape, u, &d0->w, &d0->b);
      slot_init (&L->s[S_DEC_A + j], a);
      a = pl_conv2d_relu (tape, a, &unet->dec[j][1].w, &unet->dec[j][1].b);
      slot_init (&L->s[S_DEC_S + j], a);
    }
  a = pl_conv2d (tape, a, &unet->head.w, &unet->head.b);
  slot_init (&L->s[S_LOGITS], a);
  pl_tape_reset (tape);
  pl_tape_set_grad_enabled (tape, grad);
  find_needs (L, need);
  return L;
}

const float *
pl_unet_local_base (const PlUnetLocal *local)
{
  return local->s[S_LOGITS].base;
}

const float *
pl_unet_local_forward (PlUnetLocal *local, PlTape *tape, const float *x,
                       const PlRect *changed, PlRect *out)
{
  PlUnet *u = local->unet;
  const PlUnetConfig *c = &u->cfg;
  Slot *s = local->s;
  int D = c->depth, prev;
  PlRect r = rect_meet (rect_clip (*changed, s[S_IN].h, s[S_IN].w), &s[S_IN].need);
  PlTensor *xin;

  g_return_val_if_fail (!pl_tape_get_grad_enabled (tape), NULL);
  /* The input slot's new values: x itself over the whole grid. */
  xin = pl_tape_wrap (tape, 1, s[S_IN].c, s[S_IN].h, s[S_IN].w, (float *) x, FALSE);
  s[S_IN].r = r;
  s[S_IN].crop = (PlRect) { 0, 0, s[S_IN].h, s[S_IN].w };
  s[S_IN].cur = xin->data;
  for (int l = 0; l < D; l++)
    {
      int from = l ? S_POOL + l : S_IN;
      if (l > 0)
        pool (tape, &s[S_ENC_S + l - 1], &s[S_POOL + l]);
      conv3 (tape, &u->enc[l][0], &s[from], NULL, &s[S_ENC_A + l], TRUE);
      conv3 (tape, &u->enc[l][1], &s[S_ENC_A + l], NULL, &s[S_ENC_S + l], TRUE);
    }
  prev = S_ENC_S + D - 1;
  for (int j = 0; j < D - 1; j++)
    {
      int l = D - 2 - j;
      Layer *d0 = &u->dec[j][0];
      up (tape, &u->up[j], &s[prev], &s[S_UP + j]);
      if (c->skip)
        {
          /* conv(skip, w_skip) + b where the skip changed */
          Layer half = *d0;
          half.w = d0->w2;
          conv3 (tape, &half, &s[S_ENC_S + l], NULL, &s[S_PART + j], FALSE);
          conv_pair (tape, d0, &s[S_UP + j], &s[S_PART + j], &s[S_DEC_A + j]);
        }
      else
        conv3 (tape, d0, &s[S_UP + j], NULL, &s[S_DEC_A + j], TRUE);
      conv3 (tape, &u->dec[j][1], &s[S_DEC_A + j], NULL, &s[S_DEC_S + j], TRUE);
      prev = S_DEC_S + j;
    }
  conv3 (tape, &u->head, &s[prev], NULL, &s[S_LOGITS], FALSE);
  *out = s[S_LOGITS].r;
  if (rect_empty (out))
    return NULL;
  /* the head is 1×1: its crop is its rectangle */
  g_assert (s[S_LOGITS].crop.y0 == out->y0 && s[S_LOGITS].crop.x1 == out->x1);
  return s[S_LOGITS].cur;
}

void
pl_unet_local_free (PlUnetLocal *local)
{
  if (!local)
    return;
  for (int i = 0; i < S_N; i++)
    g_free (local->s[i].base);
  g_free (local);
}
