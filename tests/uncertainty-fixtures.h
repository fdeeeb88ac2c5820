/* The tiny UNet, the 21×24×5 phantom and the estimator call that the
 * uncertainty tests share (test-uncertainty.c, test-mc-paths.c). */
#pragma once

#include <string.h>

#include "engine/nn/infer.h"
#include "engine/uncertainty/estimate.h"

static inline PlModel *
tiny_model (guint64 seed)
{
  PlUnetConfig cfg;
  guint16 values[3] = { 1, 2, 3 };
  PlModel *m;

  pl_unet_config_ref (&cfg);
  cfg.depth = 2;
  cfg.channels[0] = 4;
  cfg.channels[1] = 8;
  cfg.n_classes = 3;
  cfg.dropout_p = 0.3f;
  m = pl_model_new (pl_unet_new (&cfg, seed), 3, values, NULL);
  m->axis = 2;
  m->norm_divisor = 100.0;
  return m;
}

static inline PlVolume *
phantom (void)
{
  gint64 dim[3] = { 21, 24, 5 };   /* odd width: a crop and a border window */
  PlVolume *v = pl_volume_new (dim, NULL, NULL);
  for (gint64 z = 0; z < 5; z++)
    for (gint64 y = 0; y < 24; y++)
      for (gint64 x = 0; x < 21; x++)
        {
          double r = hypot (x - 10.0, y - 12.0);
          v->data[(z * 24 + y) * 21 + x] = (float) (r < 4 + z ? 90.0 : r < 8 ? 40.0 : 5.0);
        }
  pl_volume_update_stats (v);
  return v;
}

static inline PlUncertaintyResult *
estimate (PlEstimator e, int T, guint64 seed, PlModel **models, int n, const PlVolume *v)
{
  PlUncertaintySettings s;
  g_autoptr (GError) error = NULL;
  PlUncertaintyResult *r;

  pl_uncertainty_settings_init (&s);
  s.estimator = e;
  if (T > 0)
    s.mc_passes = s.tta_samples = T;
  s.seed = seed;
  s.batch = 2;
  s.keep_samples = 2;
  s.class_variance = TRUE;
  r = pl_uncertainty_estimate (&s, models, n, v, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (r);
  return r;
}

static inline gboolean
same_maps (const PlUncertaintyResult *a, const PlUncertaintyResult *b)
{
  gsize n = a->n_voxels;
  return memcmp (a->mean, b->mean, a->n_classes * n * sizeof (float)) == 0
         && memcmp (a->maps[0], b->maps[0], PL_UMAP_N * n * sizeof (float)) == 0
         && memcmp (a->samples, b->samples, a->n_kept * n) == 0
         && memcmp (a->labels->data, b->labels->data, n * sizeof (guint16)) == 0;
}
