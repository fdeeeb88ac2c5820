/* Windows with reflection padding, and fast seeded perturbations. */
#define G_LOG_DOMAIN "pl-restore"

#include "engine/restore/restore-common.h"
#include "engine/kernels/conv-private.h"

#include <math.h>
#include <string.h>

void
pl_restore_window_init (PlRestoreWindow *win, int h, int w, int multiple)
{
  win->h = h;
  win->w = w;
  win->wh = (h + multiple - 1) / multiple * multiple;
  win->ww = (w + multiple - 1) / multiple * multiple;
  win->oy = (win->wh - h) / 2;
  win->ox = (win->ww - w) / 2;
  win->size = (gsize) win->wh * win->ww;
}

/* Index into 0…n−1 reflected about the edges (…2 1 | 0 1 2 … n−1 | n−2 …). */
static int
reflect (int i, int n)
{
  if (n == 1)
    return 0;
  while (i < 0 || i >= n)
    i = i < 0 ? -i : 2 * (n - 1) - i;
  return i;
}

void
pl_restore_window_pad (const PlRestoreWindow *win, const float *src, float *dst)
{
  for (int y = 0; y < win->wh; y++)
    {
      int sy = reflect (y - win->oy, win->h);
      for (int x = 0; x < win->ww; x++)
        dst[(gsize) y * win->ww + x] = src[(gsize) sy * win->w + reflect (x - win->ox, win->w)];
    }
}

void
pl_restore_window_crop (const PlRestoreWindow *win, const float *src, float *dst)
{
  for (int y = 0; y < win->h; y++)
    memcpy (dst + (gsize) y * win->w, src + (gsize) (y + win->oy) * win->ww + win->ox,
            (gsize) win->w * sizeof (float));
}

void
pl_restore_fill_normal (float *dst, gsize n, float sigma, PlRng *rng)
{
  const float two_pi = (float) (2.0 * G_PI), inv24 = 1.0f / 16777216.0f;
  gsize i = 0;

  for (; i + 1 < n; i += 2)
    {
      guint64 b = pl_rng_next (rng);
      float u1 = ((float) ((b >> 40) + 1)) * inv24;          /* (0, 1] */
      float u2 = ((float) ((b >> 8) & 0xffffff)) * inv24;    /* [0, 1) */
      float r = sigma * sqrtf (-2.0f * logf (u1));
      dst[i] = r * cosf (two_pi * u2);
      dst[i + 1] = r * sinf (two_pi * u2);
    }
  if (i < n)
    {
      float t[2];
      pl_restore_fill_normal (t, 2, sigma, rng);
      dst[i] = t[0];
    }
}

typedef struct
{
  float       *dst;
  const float *z;
  gsize        n;
  float        sigma;
  guint64      seed;
} Perturb;

static void
perturb_part (int part, int n_parts, gpointer data)
{
  Perturb *p = data;
  gsize chunk = (p->n + n_parts - 1) / n_parts;
  gsize lo = MIN (p->n, (gsize) part * chunk), hi = MIN (p->n, lo + chunk);
  PlRng rng;

  if (lo >= hi)
    return;
  pl_rng_init (&rng, p->seed ^ ((guint64) (part + 1) * G_GUINT64_CONSTANT (0xd1b54a32d192ed03)));
  pl_restore_fill_normal (p->dst + lo, hi - lo, p->sigma, &rng);
  for (gsize i = lo; i < hi; i++)
    p->dst[i] += p->z[i];
}

void
pl_restore_perturb (float *dst, const float *z, gsize n, float sigma, const PlRng *rng,
                    guint64 iteration)
{
  PlRng r = *rng;
  Perturb p = { dst, z, n, sigma, 0 };

  if (sigma == 0.0f)
    {
      memcpy (dst, z, n * sizeof (float));
      return;
    }
  p.seed = pl_rng_next (&r) + iteration * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  /* A fixed partition (not the thread count) decides the streams. */
  pl_conv_parallel (32, pl_conv_threads (), perturb_part, &p);
}
