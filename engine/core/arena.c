/* Bump allocator with overflow blocks and growth on reset. */
#define G_LOG_DOMAIN "pl-arena"

#include "engine/core/arena.h"

#include <stdlib.h>
#include <string.h>

#include "engine/data/volume.h"

struct _PlArena
{
  char     *block;
  gsize     capacity;
  gsize     used;          /* in block */
  gsize     overflow_used; /* bytes served from overflow blocks */
  gsize     need;          /* used + overflow_used high-water mark this cycle */
  gsize     peak;
  GPtrArray *overflow;     /* of aligned blocks */
  gboolean  auto_grow;
  gboolean  overflowed;
};

static gsize
round_up (gsize n)
{
  return (n + PL_ARENA_ALIGN - 1) & ~(gsize) (PL_ARENA_ALIGN - 1);
}

static void *
aligned_alloc_or_die (gsize bytes)
{
  void *p = NULL;
  /* Out of memory is not bad input: like g_malloc, abort. */
  if (posix_memalign (&p, PL_ARENA_ALIGN, bytes ? bytes : PL_ARENA_ALIGN) != 0)
    g_error ("arena: cannot allocate %" G_GSIZE_FORMAT " bytes", bytes);
  return p;
}

PlArena *
pl_arena_new (gsize bytes)
{
  PlArena *a = g_new0 (PlArena, 1);

  a->capacity = round_up (bytes);
  a->block = a->capacity ? aligned_alloc_or_die (a->capacity) : NULL;
  a->overflow = g_ptr_array_new_with_free_func (free);
  a->auto_grow = TRUE;
  return a;
}

void
pl_arena_free (PlArena *arena)
{
  if (!arena)
    return;
  free (arena->block);
  g_ptr_array_unref (arena->overflow);
  g_free (arena);
}

void *
pl_arena_alloc (PlArena *arena, gsize bytes)
{
  gsize n = round_up (bytes ? bytes : 1);
  void *p;

  g_return_val_if_fail (arena != NULL, NULL);
  if (arena->overflow->len == 0 && arena->used + n <= arena->capacity)
    {
      p = arena->block + arena->used;
      arena->used += n;
    }
  else
    {
      p = aligned_alloc_or_die (n);
      g_ptr_array_add (arena->overflow, p);
      arena->overflow_used += n;
      arena->overflowed = TRUE;
    }
  arena->need = MAX (arena->need, arena->used + arena->overflow_used);
  arena->peak = MAX (arena->peak, arena->need);
  return p;
}

float *
pl_arena_alloc_floats (PlArena *arena, gsize n)
{
  return pl_arena_alloc (arena, n * sizeof (float));
}

float *
pl_arena_zeros (PlArena *arena, gsize n)
{
  float *p = pl_arena_alloc_floats (arena, n);
  memset (p, 0, n * sizeof (float));
  return p;
}

PlArenaMark
pl_arena_mark (PlArena *arena)
{
  PlArenaMark m = { arena->used, arena->overflow->len, arena->overflow_used };
  return m;
}

void
pl_arena_release (PlArena *arena, PlArenaMark mark)
{
  g_return_if_fail (mark.used <= arena->used && mark.n_overflow <= arena->overflow->len);
  if (arena->overflow->len > mark.n_overflow)
    g_ptr_array_remove_range (arena->overflow, mark.n_overflow,
                              arena->overflow->len - mark.n_overflow);
  arena->used = mark.used;
  arena->overflow_used = mark.overflow_used;
}

void
pl_arena_reset (PlArena *arena)
{
  g_return_if_fail (arena != NULL);
  g_ptr_array_set_size (arena->overflow, 0);
  if (arena->overflowed && arena->auto_grow && arena->need > arena->capacity)
    {
      free (arena->block);
      arena->capacity = round_up (arena->need + arena->need / 16);
      arena->block = aligned_alloc_or_die (arena->capacity);
      arena->overflowed = FALSE;
    }
  arena->used = 0;
  arena->overflow_used = 0;
  arena->need = 0;
}

void
pl_arena_set_auto_grow (PlArena *arena, gboolean auto_grow)
{
  arena->auto_grow = auto_grow;
}

gsize
pl_arena_capacity (const PlArena *arena)
{
  return arena->capacity;
}

gsize
pl_arena_used (const PlArena *arena)
{
  return arena->used + arena->overflow_used;
}

gsize
pl_arena_peak (const PlArena *arena)
{
  return arena->peak;
}

gboolean
pl_arena_overflowed (const PlArena *arena)
{
  return arena->overflowed;
}

gboolean
pl_arena_check (const PlArena *arena, GError **error)
{
  if (!arena->overflowed)
    return TRUE;
  g_set_error (error, PL_ERROR, PL_ERROR_TOO_LARGE,
               "arena of %" G_GSIZE_FORMAT " bytes is too small: the step needed %"
               G_GSIZE_FORMAT " bytes", arena->capacity, arena->peak);
  return FALSE;
}
