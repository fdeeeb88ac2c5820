/* png-write.h: a minimal PNG writer (8-bit RGB, zlib, no filters) for the
 * command line's figure grids, which must not pull in GTK. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* rgb: h rows of w pixels, 3 bytes each.  FALSE with a message naming the
 * file when it cannot be written. */
gboolean pel_png_write_rgb (const char   *path,
                            const guint8 *rgb,
                            int           w,
                            int           h,
                            GError      **error);

/* Colours a map into a tile (3 bytes per pixel, row stride `stride`
 * bytes): signed maps blue–white–red over [−scale, scale], unsigned ones
 * black–red–yellow–white over [0, scale]. */
void     pel_png_colour_map (const float *map,
                             int          w,
                             int          h,
                             gboolean     is_signed,
                             float        scale,
                             guint8      *dst,
                             gsize        stride);

G_END_DECLS
