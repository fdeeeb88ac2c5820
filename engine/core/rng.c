/* xoshiro256** 1.0 and splitmix64 (public-domain algorithms by Blackman and
 * Vigna, https://prng.di.unimi.it/), written from their description. */
#define G_LOG_DOMAIN "pl-rng"

#include "engine/core/rng.h"

#include <math.h>

static guint64
splitmix64 (guint64 *x)
{
  guint64 z = (*x += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static inline guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

void
pl_rng_init (PlRng *rng, guint64 seed)
{
  guint64 x = seed;
  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&x);
}

guint64
pl_rng_next (PlRng *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

float
pl_rng_uniform (PlRng *rng)
{
  return (float) (pl_rng_next (rng) >> 40) * (1.0f / 16777216.0f);
}

double
pl_rng_uniform_double (PlRng *rng)
{
  return (double) (pl_rng_next (rng) >> 11) * (1.0 / 9007199254740992.0);
}

float
pl_rng_range (PlRng *rng, float lo, float hi)
{
  return lo + (hi - lo) * pl_rng_uniform (rng);
}

guint32
pl_rng_below (PlRng *rng, guint32 n)
{
  /* Lemire's multiply-shift with rejection. */
  guint64 m;
  guint32 l;

  g_return_val_if_fail (n > 0, 0);
  m = (pl_rng_next (rng) >> 32) * (guint64) n;
  l = (guint32) m;
  if (l < n)
    {
      guint32 t = (guint32) (-n) % n;
      while (l < t)
        {
          m = (pl_rng_next (rng) >> 32) * (guint64) n;
          l = (guint32) m;
        }
    }
  return (guint32) (m >> 32);
}

double
pl_rng_normal (PlRng *rng)
{
  double u1 = 1.0 - pl_rng_uniform_double (rng);   /* (0, 1] */
  double u2 = pl_rng_uniform_double (rng);
  return sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}

void
pl_rng_split (PlRng *rng, PlRng *child)
{
  pl_rng_init (child, pl_rng_next (rng));
}
