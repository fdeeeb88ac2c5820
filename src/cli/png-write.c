/* Minimal PNG writer: signature, IHDR, one IDAT (zlib), IEND (PNG spec,
 * ISO/IEC 15948, sec. 5 and 11). */
#define G_LOG_DOMAIN "pellucid-cli"

#include "src/cli/png-write.h"
#include "engine/core/error.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

static void
put_be32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

static gboolean
write_chunk (FILE *f, const char *type, const guint8 *data, gsize n)
{
  guint8 head[8], tail[4];
  uLong crc = crc32 (0L, (const Bytef *) type, 4);

  put_be32 (head, (guint32) n);
  memcpy (head + 4, type, 4);
  if (n)
    crc = crc32 (crc, data, (uInt) n);
  put_be32 (tail, (guint32) crc);
  return fwrite (head, 1, 8, f) == 8 && (n == 0 || fwrite (data, 1, n, f) == n)
         && fwrite (tail, 1, 4, f) == 4;
}

gboolean
pel_png_write_rgb (const char *path, const guint8 *rgb, int w, int h, GError **error)
{
  static const guint8 sig[8] = { 137, 80, 78, 71, 13, 10, 26, 10 };
  gsize row = (gsize) w * 3 + 1, raw_n = row * h;
  g_autofree guint8 *raw = g_malloc (raw_n);
  uLongf zn = compressBound (raw_n);
  g_autofree guint8 *z = g_malloc (zn);
  guint8 ihdr[13];
  FILE *f;
  gboolean ok;

  for (int y = 0; y < h; y++)
    {
      raw[y * row] = 0;   /* filter: none */
      memcpy (raw + y * row + 1, rgb + (gsize) y * w * 3, (gsize) w * 3);
    }
  if (compress2 (z, &zn, raw, raw_n, 6) != Z_OK)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_IO, "%s: compression failed", path);
      return FALSE;
    }
  put_be32 (ihdr, w);
  put_be32 (ihdr + 4, h);
  ihdr[8] = 8;    /* bit depth */
  ihdr[9] = 2;    /* colour type: RGB */
  ihdr[10] = ihdr[11] = ihdr[12] = 0;
  f = fopen (path, "wb");
  if (!f)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_IO, "%s: cannot write: %s", path, g_strerror (errno));
      return FALSE;
    }
  ok = fwrite (sig, 1, 8, f) == 8 && write_chunk (f, "IHDR", ihdr, 13)
       && write_chunk (f, "IDAT", z, zn) && write_chunk (f, "IEND", NULL, 0);
  ok = (fclose (f) == 0) && ok;
  if (!ok)
    g_set_error (error, PL_ERROR, PL_ERROR_IO, "%s: write failed", path);
  return ok;
}

void
pel_png_colour_map (const float *map, int w, int h, gboolean is_signed, float scale,
                    guint8 *dst, gsize stride)
{
  float inv = scale > 0.0f ? 1.0f / scale : 0.0f;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        float v = map[(gsize) y * w + x] * inv;
        guint8 *p = dst + (gsize) y * stride + (gsize) x * 3;
        float r, g, b;
        if (is_signed)
          {
            v = CLAMP (v, -1.0f, 1.0f);
            r = v < 0.0f ? 1.0f + v : 1.0f;
            b = v > 0.0f ? 1.0f - v : 1.0f;
            g = 1.0f - fabsf (v);
          }
        else
          {
            v = CLAMP (v, 0.0f, 1.0f);
            r = MIN (3.0f * v, 1.0f);
            g = CLAMP (3.0f * v - 1.0f, 0.0f, 1.0f);
            b = CLAMP (3.0f * v - 2.0f, 0.0f, 1.0f);
          }
        p[0] = (guint8) lrintf (255.0f * r);
        p[1] = (guint8) lrintf (255.0f * g);
        p[2] = (guint8) lrintf (255.0f * b);
      }
}
