/* UNet builder: parameter layout, initialisation, forward, MC-dropout reuse. */
#define G_LOG_DOMAIN "pl-unet"

#include "engine/nn/unet-private.h"
#include "engine/ops/ops.h"
#include "engine/data/volume.h"

#include <math.h>
#include <string.h>

struct _PlUnetEncoded
{
  PlTensor *x;                          /* whole-network mode only */
  PlTensor *skips[PL_UNET_MAX_DEPTH];
  PlTensor *partial[PL_UNET_MAX_DEPTH]; /* per decoder level: conv(skip, w2) + b */
  PlTensor *bottleneck;                 /* before its dropout */
  gboolean  full;
};

void
pl_unet_config_ref (PlUnetConfig *c)
{
  static const int chs[] = { 16, 32, 64, 128, 256 };
  memset (c, 0, sizeof *c);
  c->in_channels = 1;
  c->n_classes = 4;
  c->depth = 5;
  memcpy (c->channels, chs, sizeof chs);
  c->skip = TRUE;
  c->upsample = PL_UPSAMPLE_CONVT;
  c->batch_norm = FALSE;
  c->bn_eps = 1e-5f;
  c->dropout_p = 0.2f;
  c->dropout_at = PL_DROPOUT_BOTTLENECK | PL_DROPOUT_DECODER;
  c->output = PL_OUTPUT_SOFTMAX;
}

void
pl_unet_config_dip (PlUnetConfig *c)
{
  static const int chs[] = { 32, 64, 128, 128, 128 };
  memset (c, 0, sizeof *c);
  c->in_channels = 32;
  c->n_classes = 1;
  c->depth = 5;
  memcpy (c->channels, chs, sizeof chs);
  c->skip = FALSE;
  c->upsample = PL_UPSAMPLE_BILINEAR;
  c->batch_norm = TRUE;
  c->bn_eps = 1e-5f;
  c->dropout_p = 0.0f;
  c->dropout_at = 0;
  c->output = PL_OUTPUT_SIGMOID;
}

gboolean
pl_unet_config_check (const PlUnetConfig *c, GError **error)
{
  const char *why = NULL;

  if (c->depth < 1 || c->depth > PL_UNET_MAX_DEPTH)
    why = "depth must be 1…8";
  else if (c->in_channels < 1 || c->in_channels > 4096)
    why = "input channels must be 1…4096";
  else if (c->n_classes < 1 || c->n_classes > 4096)
    why = "classes must be 1…4096";
  else if (!(c->dropout_p >= 0.0f && c->dropout_p < 1.0f))
    why = "dropout probability must be in [0, 1)";
  else if ((int) c->upsample < 0 || c->upsample > PL_UPSAMPLE_BILINEAR)
    why = "unknown upsampling";
  else if ((int) c->output < 0 || c->output > PL_OUTPUT_NONE)
    why = "unknown output activation";
  else if (c->aleatoric && c->output != PL_OUTPUT_SOFTMAX)
    why = "an aleatoric head needs a softmax output";
  else if (c->attention_heads < 0 || c->attention_heads > c->channels[c->depth - 1]
           || (c->attention_heads > 0 && c->channels[c->depth - 1] % c->attention_heads != 0))
    why = "attention heads must divide the bottleneck's channels";
  else if (c->skip_channels < 0 || c->skip_channels > 4096 || (c->skip_channels > 0 && !c->skip))
    why = "skip channels must be 0 … 4096, and only with skips";
  else if (c->head_scales < 0 || (c->head_scales > 1 && c->head_scales > c->depth - 1))
    why = "head scales must be 0 … depth − 1";
  else if (!isfinite (c->bn_eps) || (c->batch_norm && !(c->bn_eps > 0.0f)))
    why = "batch-norm epsilon must be finite, and positive with batch norm";
  else
    for (int l = 0; l < c->depth; l++)
      if (c->channels[l] < 1 || c->channels[l] > 4096)
        why = "channels per level must be 1…4096";
  if (why)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "invalid network: %s", why);
      return FALSE;
    }
  return TRUE;
}

int
pl_unet_config_multiple (const PlUnetConfig *c)
{
  return 1 << (c->depth - 1);
}

static int
add_param (PlUnet *u, const char *name, int ndim, int s0, int s1, int s2, int s3, int split)
{
  PlUnetParam p = { 0 };
  p.name = g_strdup (name);
  p.ndim = ndim;
  p.shape[0] = s0;
  p.shape[1] = s1;
  p.shape[2] = s2;
  p.shape[3] = s3;
  p.numel = (gsize) s0 * s1 * s2 * s3;
  p.offset = u->n;
  p.split = split;
  /* Keep each tensor 64-byte aligned inside the block. */
  u->n += (p.numel + 15) & ~(gsize) 15;
  g_array_append_val (u->info, p);
  return u->info->len - 1;
}

static void
add_layer (PlUnet *u, Layer *L, const char *prefix, int cin, int cout, int k,
           gboolean transposed, int split, int norm_index)
{
  g_autofree char *wn = g_strdup_printf ("%s.weight", prefix);
  g_autofree char *bn = g_strdup_printf ("%s.bias", prefix);

  memset (L, 0, sizeof *L);
  L->cin = cin;
  L->cout = cout;
  L->k = k;
  L->transposed = transposed;
  L->split = split;
  L->w_idx = transposed ? add_param (u, wn, 4, cin, cout, k, k, 0)
                        : add_param (u, wn, 4, cout, cin, k, k, split);
  L->b_idx = add_param (u, bn, 1, cout, 1, 1, 1, 0);
  L->gamma_idx = L->beta_idx = -1;
  if (norm_index >= 0)
    {
      g_autofree char *gn = g_strdup_printf ("norms.%d.weight", norm_index);
      g_autofree char *betan = g_strdup_printf ("norms.%d.bias", norm_index);
      L->gamma_idx = add_param (u, gn, 1, cout, 1, 1, 1, 0);
      L->beta_idx = add_param (u, betan, 1, cout, 1, 1, 1, 0);
    }
}

static PlTensor
view (PlUnet *u, int idx, int n, int c, int h, int w, gsize extra)
{
  const PlUnetParam *p = &g_array_index (u->info, PlUnetParam, idx);
  return pl_tensor_param (n, c, h, w, u->params + p->offset + extra, u->grads + p->offset + extra);
}

static void
bind_layer (PlUnet *u, Layer *L)
{
  if (L->transposed)
    L->w = view (u, L->w_idx, L->cin, L->cout, 2, 2, 0);
  else if (L->split > 0)
    {
      L->w = view (u, L->w_idx, L->cout, L->split, L->k, L->k, 0);
      L->w2 = view (u, L->w_idx, L->cout, L->cin - L->split, L->k, L->k,
                    (gsize) L->cout * L->split * L->k * L->k);
    }
  else
    L->w = view (u, L->w_idx, L->cout, L->cin, L->k, L->k, 0);
  L->b = view (u, L->b_idx, 1, L->cout, 1, 1, 0);
  if (L->gamma_idx >= 0)
    {
      L->gamma = view (u, L->gamma_idx, 1, L->cout, 1, 1, 0);
      L->beta = view (u, L->beta_idx, 1, L->cout, 1, 1, 0);
    }
}

static void
param_clear (gpointer p)
{
  g_free (((PlUnetParam *) p)->name);
}

/* The tensors of the network and their place in the block (u->info, u->n),
 * without allocating the block. */
static void
layout (PlUnet *u)
{
  const PlUnetConfig *c = &u->cfg;
  int D = c->depth, cprev = c->in_channels, norm = 0;
  gboolean bn = c->batch_norm;

  u->info = g_array_new (FALSE, TRUE, sizeof (PlUnetParam));
  g_array_set_clear_func (u->info, param_clear);
  for (int l = 0; l < D; l++)
    for (int i = 0; i < 2; i++)
      {
        g_autofree char *name = g_strdup_printf ("enc.%d.%d", l, i);
        add_layer (u, &u->enc[l][i], name, i ? c->channels[l] : cprev, c->channels[l], 3,
                   FALSE, 0, bn ? 2 * l + i : -1);
        if (i)
          cprev = c->channels[l];
      }
  norm = 2 * D;
  if (c->upsample == PL_UPSAMPLE_CONVT)
    for (int j = 0; j < D - 1; j++)
      {
        int l = D - 2 - j;
        g_autofree char *name = g_strdup_printf ("up.%d", j);
        add_layer (u, &u->up[j], name, c->channels[l + 1], c->channels[l], 2, TRUE, 0, -1);
      }
  for (int j = 0; j < D - 1; j++)
    {
      int l = D - 2 - j;
      int cup = c->upsample == PL_UPSAMPLE_CONVT ? c->channels[l] : c->channels[l + 1];
      int cskip = c->skip_channels > 0 ? c->skip_channels : c->channels[l];
      int cin = c->skip ? cup + cskip : cup;
      g_autofree char *n0 = g_strdup_printf ("dec.%d.0", j);
      g_autofree char *n1 = g_strdup_printf ("dec.%d.1", j);
      add_layer (u, &u->dec[j][0], n0, cin, c->channels[l], 3, FALSE, c->skip ? cup : 0,
                 bn ? norm + 2 * j : -1);
      add_layer (u, &u->dec[j][1], n1, c->channels[l], c->channels[l], 3, FALSE, 0,
                 bn ? norm + 2 * j + 1 : -1);
    }
  /* after every other layer, so that the names and places of a network
   * without them are unchanged */
  if (c->skip && c->skip_channels > 0)
    for (int j = 0; j < D - 1; j++)
      {
        int l = D - 2 - j;
        g_autofree char *name = g_strdup_printf ("skip.%d", j);
        add_layer (u, &u->skip[j], name, c->channels[l], c->skip_channels, 1, FALSE, 0,
                   bn ? norm + 2 * (D - 1) + j : -1);
      }
  add_layer (u, &u->head, "head", c->channels[0], c->n_classes, 1, FALSE, 0, -1);
  if (c->aleatoric)
    add_layer (u, &u->head_var, "head_var", c->channels[0], 1, 1, FALSE, 0, -1);
  for (int L = 2; L <= c->head_scales; L++)
    {
      g_autofree char *name = g_strdup_printf ("head_fcn.%d", L);
      add_layer (u, &u->head_fcn[L], name, c->channels[L - 1], c->n_classes, 1, FALSE, 0, -1);
    }
  if (c->attention_heads > 0)
    {
      int C = c->channels[D - 1];
      add_layer (u, &u->attn_q, "attn.q", C, C, 1, FALSE, 0, -1);
      add_layer (u, &u->attn_k, "attn.k", C, C, 1, FALSE, 0, -1);
      add_layer (u, &u->attn_v, "attn.v", C, C, 1, FALSE, 0, -1);
      add_layer (u, &u->attn_o, "attn.o", C, C, 1, FALSE, 0, -1);
      u->attn_gamma_idx = add_param (u, "attn.norm.weight", 1, C, 1, 1, 1, 0);
      u->attn_beta_idx = add_param (u, "attn.norm.bias", 1, C, 1, 1, 1, 0);
    }
}

static void
build (PlUnet *u)
{
  const PlUnetConfig *c = &u->cfg;
  int D = c->depth;

  layout (u);
  u->params = g_new0 (float, u->n);
  u->grads = g_new0 (float, u->n);
  for (int l = 0; l < D; l++)
    for (int i = 0; i < 2; i++)
      bind_layer (u, &u->enc[l][i]);
  for (int j = 0; j < D - 1; j++)
    {
      if (c->upsample == PL_UPSAMPLE_CONVT)
        bind_layer (u, &u->up[j]);
      bind_layer (u, &u->dec[j][0]);
      bind_layer (u, &u->dec[j][1]);
      if (c->skip && c->skip_channels > 0)
        bind_layer (u, &u->skip[j]);
    }
  bind_layer (u, &u->head);
  if (c->aleatoric)
    bind_layer (u, &u->head_var);
  for (int L = 2; L <= c->head_scales; L++)
    bind_layer (u, &u->head_fcn[L]);
  if (c->attention_heads > 0)
    {
      PlAttentionBlock *a = &u->attn;
      int C = c->channels[D - 1];
      bind_layer (u, &u->attn_q);
      bind_layer (u, &u->attn_k);
      bind_layer (u, &u->attn_v);
      bind_layer (u, &u->attn_o);
      a->channels = C;
      a->heads = c->attention_heads;
      a->wq = u->attn_q.w;
      a->bq = u->attn_q.b;
      a->wk = u->attn_k.w;
      a->bk = u->attn_k.b;
      a->wv = u->attn_v.w;
      a->bv = u->attn_v.b;
      a->wo = u->attn_o.w;
      a->bo = u->attn_o.b;
      a->gamma = view (u, u->attn_gamma_idx, 1, C, 1, 1, 0);
      a->beta = view (u, u->attn_beta_idx, 1, C, 1, 1, 0);
    }
}

gsize
pl_unet_config_n_params (const PlUnetConfig *config)
{
  PlUnet u = { 0 };
  gsize n = 0;

  g_return_val_if_fail (pl_unet_config_check (config, NULL), 0);
  u.cfg = *config;
  layout (&u);
  for (guint i = 0; i < u.info->len; i++)
    n += g_array_index (u.info, PlUnetParam, i).numel;
  g_array_unref (u.info);
  return n;
}

PlUnet *
pl_unet_new (const PlUnetConfig *config, guint64 seed)
{
  PlUnet *u;

  g_return_val_if_fail (pl_unet_config_check (config, NULL), NULL);
  u = g_new0 (PlUnet, 1);
  u->cfg = *config;
  build (u);
  pl_unet_init (u, seed);
  return u;
}

PlUnet *
pl_unet_copy (const PlUnet *unet)
{
  PlUnet *u = g_new0 (PlUnet, 1);
  u->cfg = unet->cfg;
  build (u);
  memcpy (u->params, unet->params, u->n * sizeof (float));
  return u;
}

void
pl_unet_free (PlUnet *unet)
{
  if (!unet)
    return;
  g_free (unet->params);
  g_free (unet->grads);
  g_array_unref (unet->info);
  g_free (unet);
}

const PlUnetConfig *
pl_unet_get_config (const PlUnet *unet)
{
  return &unet->cfg;
}

void
pl_unet_set_dropout (PlUnet *unet, float p)
{
  g_return_if_fail (p >= 0.0f && p < 1.0f);
  unet->cfg.dropout_p = p;
}

float *
pl_unet_params (PlUnet *unet)
{
  return unet->params;
}

float *
pl_unet_grads (PlUnet *unet)
{
  return unet->grads;
}

gsize
pl_unet_n_params (const PlUnet *unet)
{
  return unet->n;
}

void
pl_unet_zero_grad (PlUnet *unet)
{
  memset (unet->grads, 0, unet->n * sizeof (float));
}

guint
pl_unet_n_tensors (const PlUnet *unet)
{
  return unet->info->len;
}

const PlUnetParam *
pl_unet_tensor_info (const PlUnet *unet, guint i)
{
  g_return_val_if_fail (i < unet->info->len, NULL);
  return &g_array_index (unet->info, PlUnetParam, i);
}

void
pl_unet_param_export (const PlUnet *unet, guint i, float *dst, gboolean grad)
{
  const PlUnetParam *p = pl_unet_tensor_info (unet, i);
  const float *src = (grad ? unet->grads : unet->params) + p->offset;

  if (p->split <= 0)
    {
      memcpy (dst, src, p->numel * sizeof (float));
      return;
    }
  {
    int O = p->shape[0], C = p->shape[1], kk = p->shape[2] * p->shape[3], s = p->split;
    const float *a = src, *b = src + (gsize) O * s * kk;
    for (int o = 0; o < O; o++)
      {
        memcpy (dst + (gsize) o * C * kk, a + (gsize) o * s * kk, (gsize) s * kk * sizeof (float));
        memcpy (dst + (gsize) o * C * kk + (gsize) s * kk, b + (gsize) o * (C - s) * kk,
                (gsize) (C - s) * kk * sizeof (float));
      }
  }
}

void
pl_unet_param_import (PlUnet *unet, guint i, const float *src)
{
  const PlUnetParam *p = pl_unet_tensor_info (unet, i);
  float *dst = unet->params + p->offset;

  if (p->split <= 0)
    {
      memcpy (dst, src, p->numel * sizeof (float));
      return;
    }
  {
    int O = p->shape[0], C = p->shape[1], kk = p->shape[2] * p->shape[3], s = p->split;
    float *a = dst, *b = dst + (gsize) O * s * kk;
    for (int o = 0; o < O; o++)
      {
        memcpy (a + (gsize) o * s * kk, src + (gsize) o * C * kk, (gsize) s * kk * sizeof (float));
        memcpy (b + (gsize) o * (C - s) * kk, src + (gsize) o * C * kk + (gsize) s * kk,
                (gsize) (C - s) * kk * sizeof (float));
      }
  }
}

/* Kaiming-uniform per weight tensor, drawn in the file layout and order. */
void
pl_unet_init (PlUnet *unet, guint64 seed)
{
  PlRng rng;

  pl_rng_init (&rng, seed);
  memset (unet->params, 0, unet->n * sizeof (float));
  for (guint i = 0; i < unet->info->len; i++)
    {
      const PlUnetParam *p = pl_unet_tensor_info (unet, i);
      if ((g_str_has_prefix (p->name, "norms.") && g_str_has_suffix (p->name, ".weight"))
          || strcmp (p->name, "attn.norm.weight") == 0)
        {
          for (gsize k = 0; k < p->numel; k++)
            unet->params[p->offset + k] = 1.0f;
        }
      else if (p->ndim == 4 && g_str_has_prefix (p->name, "head_fcn."))
        continue;   /* FCN's score layers start at zero */
      else if (p->ndim == 4)
        {
          gboolean transposed = g_str_has_prefix (p->name, "up.");
          int fan_in = transposed ? p->shape[0] : p->shape[1] * p->shape[2] * p->shape[3];
          float b = (float) sqrt (6.0 / fan_in);
          g_autofree float *tmp = g_new (float, p->numel);
          for (gsize k = 0; k < p->numel; k++)
            tmp[k] = pl_rng_range (&rng, -b, b);
          pl_unet_param_import (unet, i, tmp);
        }
    }
}

/* ---- forward ---------------------------------------------------------- */

static PlTensor *
conv_block (PlTape *t, Layer *L, PlTensor *x, PlTensor *xb, const PlTensor *partial,
            gboolean inplace, const PlUnetConfig *c)
{
  PlTensor *y;
  if (!c->batch_norm && inplace)
    return xb ? pl_conv2d_pair_relu (t, x, xb, &L->w, &L->w2, &L->b, partial)
              : pl_conv2d_relu (t, x, &L->w, &L->b);
  if (xb)
    y = pl_conv2d_pair (t, x, xb, &L->w, &L->w2, &L->b, partial);
  else
    y = pl_conv2d (t, x, &L->w, &L->b);
  if (c->batch_norm && inplace)
    return pl_batchnorm_relu (t, y, &L->gamma, &L->beta, c->bn_eps);
  if (c->batch_norm)
    y = pl_batchnorm (t, y, &L->gamma, &L->beta, c->bn_eps);
  return pl_relu (t, y, inplace);
}

static PlTensor *
maybe_dropout (PlTape *t, const PlUnetConfig *c, guint place, PlTensor *x, PlRng *rng)
{
  if (!(c->dropout_at & place) || !rng || c->dropout_p == 0.0f)
    return x;
  return pl_dropout_channels (t, x, c->dropout_p, rng);
}

/* After a decoder block, whose output nothing else reads unscaled: in
 * place when nothing is recorded (MC dropout's passes). */
static PlTensor *
decoder_dropout (PlTape *t, const PlUnetConfig *c, PlTensor *x, PlRng *rng, gboolean inplace)
{
  if (!(c->dropout_at & PL_DROPOUT_DECODER) || !rng || c->dropout_p == 0.0f)
    return x;
  return inplace ? pl_dropout_channels_inplace (t, x, c->dropout_p, rng)
                 : pl_dropout_channels (t, x, c->dropout_p, rng);
}

PlTensor *
pl_unet_attention (PlUnet *u, PlTape *t, PlTensor *x)
{
  return u->cfg.attention_heads > 0 ? pl_attention_block_forward (t, &u->attn, x) : x;
}

/* Encoder; dropout only where it belongs to the encoder (flags). */
static PlTensor *
run_encoder (PlUnet *u, PlTape *t, PlTensor *x, PlRng *rng, gboolean inplace,
             PlTensor **skips)
{
  const PlUnetConfig *c = &u->cfg;
  for (int l = 0; l < c->depth; l++)
    {
      if (l > 0)
        x = pl_maxpool2x2 (t, x);
      x = conv_block (t, &u->enc[l][0], x, NULL, NULL, inplace, c);
      x = conv_block (t, &u->enc[l][1], x, NULL, NULL, inplace, c);
      if (l < c->depth - 1)
        x = maybe_dropout (t, c, PL_DROPOUT_ENCODER, x, rng);
      else
        x = pl_unet_attention (u, t, x);
      skips[l] = x;
    }
  return x;
}

/* The FCN skip head over decoder levels 2 … S (dec[L]) and the full-
 * resolution logits of the plain head. */
static PlTensor *
fcn_head (PlUnet *u, PlTape *t, PlTensor **dec, PlTensor *logits)
{
  int S = u->cfg.head_scales;
  PlTensor *s = pl_conv2d (t, dec[S], &u->head_fcn[S].w, &u->head_fcn[S].b);

  for (int L = S - 1; L >= 2; L--)
    s = pl_add (t, pl_upsample2x (t, s),
                pl_conv2d (t, dec[L], &u->head_fcn[L].w, &u->head_fcn[L].b));
  return pl_add (t, pl_upsample2x (t, s), logits);
}

/* What decoder level j concatenates: encoder level l's output, or its
 * narrow projection. */
static PlTensor *
skip_input (PlUnet *u, PlTape *t, int j, PlTensor *skip, gboolean inplace)
{
  if (u->cfg.skip_channels <= 0)
    return skip;
  return conv_block (t, &u->skip[j], skip, NULL, NULL, inplace, &u->cfg);
}

/* skips: the encoder levels' outputs, or with partial (the encoder's reuse)
 * what the decoder concatenates, already projected. */
static PlTensor *
run_decoder (PlUnet *u, PlTape *t, PlTensor *x, PlTensor **skips, PlTensor **partial,
             PlRng *rng, gboolean inplace, PlUnetRun *run)
{
  const PlUnetConfig *c = &u->cfg;
  int D = c->depth;
  PlTensor *dec[PL_UNET_MAX_DEPTH] = { NULL }, *logits;

  x = maybe_dropout (t, c, PL_DROPOUT_BOTTLENECK, x, rng);
  if (run)
    run->bottleneck = x;
  if (run && run->grad_at == PL_UNET_AT_BOTTLENECK)
    x->flags |= PL_TENSOR_REQUIRES_GRAD;
  for (int j = 0; j < D - 1; j++)
    {
      int l = D - 2 - j;
      PlTensor *up;
      if (c->upsample == PL_UPSAMPLE_CONVT)
        up = pl_convt2x2 (t, x, &u->up[j].w, &u->up[j].b);
      else
        up = pl_upsample2x (t, x);
      PlTensor *s = NULL;
      if (c->skip)
        s = partial ? skips[l] : skip_input (u, t, j, skips[l], inplace);
      x = conv_block (t, &u->dec[j][0], up, s, partial ? partial[j] : NULL, inplace, c);
      x = conv_block (t, &u->dec[j][1], x, NULL, NULL, inplace, c);
      x = decoder_dropout (t, c, x, rng, inplace);
      dec[D - 1 - j] = x;
      if (run)
        run->decoder[D - 1 - j] = x;
    }
  if (run)
    run->features = x;
  if (run && run->grad_at == PL_UNET_AT_FEATURES)
    x->flags |= PL_TENSOR_REQUIRES_GRAD;
  if (run)
    run->log_var = c->aleatoric ? pl_conv2d (t, x, &u->head_var.w, &u->head_var.b) : NULL;
  logits = pl_conv2d (t, x, &u->head.w, &u->head.b);
  return c->head_scales >= 2 ? fcn_head (u, t, dec, logits) : logits;
}

PlTensor *
pl_unet_forward (PlUnet *unet, PlTape *tape, PlTensor *x, PlUnetRun *run)
{
  PlTensor *skips[PL_UNET_MAX_DEPTH];
  PlRng *rng = run ? run->dropout_rng : NULL;
  gboolean inplace = !(run && run->no_inplace);
  int m = pl_unet_config_multiple (&unet->cfg);

  g_return_val_if_fail (x->c == unet->cfg.in_channels, NULL);
  g_return_val_if_fail (x->h % m == 0 && x->w % m == 0, NULL);
  x = run_encoder (unet, tape, x, rng, inplace, skips);
  return run_decoder (unet, tape, x, skips, NULL, rng, inplace, run);
}

PlTensor *
pl_unet_output (PlUnet *unet, PlTape *tape, PlTensor *logits)
{
  switch (unet->cfg.output)
    {
    case PL_OUTPUT_SOFTMAX: return pl_softmax (tape, logits);
    case PL_OUTPUT_SIGMOID: return pl_sigmoid (tape, logits);
    default: return logits;
    }
}

PlUnetEncoded *
pl_unet_encode (PlUnet *unet, PlTape *tape, PlTensor *x)
{
  const PlUnetConfig *c = &unet->cfg;
  PlUnetEncoded *e = pl_tape_alloc (tape, sizeof (PlUnetEncoded));

  g_return_val_if_fail (!pl_tape_get_grad_enabled (tape), NULL);
  memset (e, 0, sizeof *e);
  if ((c->dropout_at & PL_DROPOUT_ENCODER) && c->dropout_p > 0.0f)
    {
      e->full = TRUE;
      e->x = x;
      return e;
    }
  e->bottleneck = run_encoder (unet, tape, x, NULL, TRUE, e->skips);
  if (c->skip)
    for (int j = 0; j < c->depth - 1; j++)
      {
        Layer *L = &unet->dec[j][0];
        int l = c->depth - 2 - j;
        e->skips[l] = skip_input (unet, tape, j, e->skips[l], TRUE);
        e->partial[j] = pl_conv2d (tape, e->skips[l], &L->w2, &L->b);
      }
  return e;
}

PlTensor *
pl_unet_decode (PlUnet *unet, PlTape *tape, PlUnetEncoded *e, PlRng *rng)
{
  return pl_unet_decode_var (unet, tape, e, rng, NULL);
}

PlTensor *
pl_unet_decode_var (PlUnet *unet, PlTape *tape, PlUnetEncoded *e, PlRng *rng,
                    PlTensor **log_var)
{
  PlUnetRun run = { rng };
  PlTensor *y;

  if (e->full)
    y = pl_unet_forward (unet, tape, e->x, &run);
  else
    y = run_decoder (unet, tape, e->bottleneck, e->skips, unet->cfg.skip ? e->partial : NULL,
                     rng, TRUE, &run);
  if (log_var)
    *log_var = run.log_var;
  return y;
}
