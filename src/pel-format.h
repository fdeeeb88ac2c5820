/* Numbers as the panels show them. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* 1 234 567: thousands apart by thin spaces (transfer full). */
char *pel_format_count (gint64 n);

G_END_DECLS
