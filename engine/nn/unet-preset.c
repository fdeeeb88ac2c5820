/* Named UNet presets, shared by pellucid-cli train --preset and the Train
 * panel so that both build the same network from the same name. */
#define G_LOG_DOMAIN "pl-unet"

#include "engine/nn/unet.h"

#include <string.h>

void
pl_unet_config_small (PlUnetConfig *c)
{
  static const int chs[] = { 8, 16, 32, 64 };

  /* unet2d-ref with half the channels and one level less: about 1/16 of
   * the parameters and a fraction of the work per step. */
  pl_unet_config_ref (c);
  c->depth = 4;
  memset (c->channels, 0, sizeof c->channels);
  memcpy (c->channels, chs, sizeof chs);
}

static const PlUnetPreset presets[] = {
  { "ref", "unet2d-ref: 5 levels, 16–256 channels", pl_unet_config_ref },
  { "small", "4 levels, 8–64 channels", pl_unet_config_small },
};

const PlUnetPreset *
pl_unet_presets (guint *n_presets)
{
  *n_presets = G_N_ELEMENTS (presets);
  return presets;
}

gboolean
pl_unet_config_preset (const char   *name,
                       PlUnetConfig *config)
{
  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    if (g_strcmp0 (name, presets[i].name) == 0)
      {
        presets[i].init (config);
        return TRUE;
      }
  return FALSE;
}

gboolean
pl_unet_config_head (PlUnetConfig *config,
                     const char   *name)
{
  if (g_strcmp0 (name, "plain") == 0)
    config->head_scales = 0;
  else if (g_strcmp0 (name, "fcn") == 0)
    config->head_scales = MIN (3, config->depth - 1);
  else
    return FALSE;
  /* A one-level network has no decoder: its head stays plain. */
  if (config->head_scales < 2)
    config->head_scales = 0;
  return TRUE;
}

const char *
pl_unet_config_head_name (const PlUnetConfig *config)
{
  return config->head_scales >= 2 ? "fcn" : "plain";
}
