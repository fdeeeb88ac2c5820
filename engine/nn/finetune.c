/* Pretrained encoders and frozen parameters (finetune.h). */
#define G_LOG_DOMAIN "pl-finetune"

#include "engine/nn/finetune.h"

#include <stdio.h>
#include <string.h>

#include "engine/core/error.h"

static const char *const freeze_names[] = {
  "none", "all-encoder", "encoder-but-last", "norm-only",
};

const char *
pl_freeze_name (PlFreeze freeze)
{
  g_return_val_if_fail (freeze >= 0 && freeze < (int) G_N_ELEMENTS (freeze_names), "?");
  return freeze_names[freeze];
}

gboolean
pl_freeze_from_name (const char *name, PlFreeze *freeze)
{
  for (guint i = 0; i < G_N_ELEMENTS (freeze_names); i++)
    if (g_strcmp0 (name, freeze_names[i]) == 0)
      {
        *freeze = (PlFreeze) i;
        return TRUE;
      }
  return FALSE;
}

/* A norm's index J, or −1 when the name is not "norms.J.…". */
static int
norm_index (const char *name)
{
  int j;
  if (sscanf (name, "norms.%d.", &j) == 1 && j >= 0)
    return j;
  return -1;
}

gboolean
pl_unet_tensor_is_encoder (const PlUnet *unet, guint i, int *level)
{
  const PlUnetParam *p = pl_unet_tensor_info (unet, i);
  const PlUnetConfig *c = pl_unet_get_config (unet);
  int l, k, j;

  if (sscanf (p->name, "enc.%d.%d.", &l, &k) == 2)
    {
      if (level)
        *level = l;
      return TRUE;
    }
  j = norm_index (p->name);
  if (j >= 0 && j < 2 * c->depth)   /* encoder layer (l, i) has norm 2l + i */
    {
      if (level)
        *level = j / 2;
      return TRUE;
    }
  return FALSE;
}

static const PlUnetParam *
find_tensor (const PlUnet *unet, const char *name, guint *index)
{
  for (guint i = 0; i < pl_unet_n_tensors (unet); i++)
    if (strcmp (pl_unet_tensor_info (unet, i)->name, name) == 0)
      {
        *index = i;
        return pl_unet_tensor_info (unet, i);
      }
  return NULL;
}

gboolean
pl_unet_tensor_is_decoder (const PlUnet *unet, guint i)
{
  const char *name = pl_unet_tensor_info (unet, i)->name;
  int j = norm_index (name);

  return g_str_has_prefix (name, "up.") || g_str_has_prefix (name, "dec.")
         || j >= 2 * pl_unet_get_config (unet)->depth;
}

/* Copies the encoder's tensors (decoder FALSE) or the decoder's. */
static gboolean
load_part (PlUnet *dst, const PlUnet *src, gboolean decoder, guint *n_copied, GError **error)
{
  guint n = 0;

  /* Check everything before changing anything. */
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < pl_unet_n_tensors (dst); i++)
      {
        const PlUnetParam *d = pl_unet_tensor_info (dst, i), *s;
        guint si = 0;
        if (decoder ? !pl_unet_tensor_is_decoder (dst, i) : !pl_unet_tensor_is_encoder (dst, i, NULL))
          continue;
        s = find_tensor (src, d->name, &si);
        if (pass == 0)
          {
            if (!s)
              {
                g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                             "the pretrained network has no tensor %s (it has %d levels%s; this one %d%s)",
                             d->name, pl_unet_get_config (src)->depth,
                             pl_unet_get_config (src)->batch_norm ? " with batch norm" : "",
                             pl_unet_get_config (dst)->depth,
                             pl_unet_get_config (dst)->batch_norm ? " with batch norm" : "");
                return FALSE;
              }
            if (s->ndim != d->ndim || memcmp (s->shape, d->shape, sizeof (int) * d->ndim) != 0)
              {
                g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                             "the pretrained network's %s is %d×%d×%d×%d, this network's %d×%d×%d×%d "
                             "(another preset or channel count?)",
                             d->name, s->shape[0], s->shape[1], s->shape[2], s->shape[3],
                             d->shape[0], d->shape[1], d->shape[2], d->shape[3]);
                return FALSE;
              }
          }
        else
          {
            g_autofree float *buf = g_new (float, d->numel);
            pl_unet_param_export (src, si, buf, FALSE);
            pl_unet_param_import (dst, i, buf);
            n++;
          }
      }
  if (n_copied)
    *n_copied = n;
  return TRUE;
}

gboolean
pl_unet_load_encoder (PlUnet *dst, const PlUnet *src, guint *n_copied, GError **error)
{
  return load_part (dst, src, FALSE, n_copied, error);
}

gboolean
pl_unet_load_decoder (PlUnet *dst, const PlUnet *src, guint *n_copied, GError **error)
{
  return load_part (dst, src, TRUE, n_copied, error);
}

guint8 *
pl_unet_trainable_mask (const PlUnet *unet, PlFreeze freeze, gsize *n_frozen, GError **error)
{
  gsize n = pl_unet_n_params (unet), frozen;
  const PlUnetConfig *c = pl_unet_get_config (unet);
  g_autofree guint8 *mask = g_new0 (guint8, n);

  if (freeze == PL_FREEZE_NORM_ONLY && !c->batch_norm)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID,
                   "norm-only trains the encoder's normalisation parameters, and this network has none "
                   "(build it with batch norm)");
      return NULL;
    }
  for (guint i = 0; i < pl_unet_n_tensors (unet); i++)
    {
      const PlUnetParam *p = pl_unet_tensor_info (unet, i);
      int level = -1;
      gboolean train = TRUE;
      if (pl_unet_tensor_is_encoder (unet, i, &level))
        switch (freeze)
          {
          case PL_FREEZE_NONE:
            break;
          case PL_FREEZE_ALL_ENCODER:
            train = FALSE;
            break;
          case PL_FREEZE_ENCODER_BUT_LAST:
            train = level == c->depth - 1;
            break;
          case PL_FREEZE_NORM_ONLY:
            train = norm_index (p->name) >= 0;
            break;
          }
      if (train)
        memset (mask + p->offset, 1, p->numel);
    }
  frozen = 0;
  for (guint i = 0; i < pl_unet_n_tensors (unet); i++)
    {
      const PlUnetParam *p = pl_unet_tensor_info (unet, i);
      if (!mask[p->offset])
        frozen += p->numel;
    }
  if (n_frozen)
    *n_frozen = frozen;
  return g_steal_pointer (&mask);
}
