/* arena.h: the memory of one training step (or one inference batch).
 *
 * A bump allocator over one block.  Operators take their outputs, saved
 * values and gradients from it, and the caller resets it after the step, so
 * nothing is malloc'd per operator.  When a step asks for more than the block
 * holds, the request is still served (from an overflow block, so the step
 * stays correct) and the arena records how much the step needed:
 * pl_arena_check() turns that into an error that says so, and
 * pl_arena_reset() grows the block to the need (unless growth is disabled),
 * so the next step runs without any allocation.  pl_arena_mark() and
 * pl_arena_release() free everything allocated after a mark (stack order),
 * e.g. per batch or per MC-dropout pass.  Not thread-safe: one arena per
 * worker.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _PlArena PlArena;

typedef struct
{
  gsize used;
  guint n_overflow;
  gsize overflow_used;
} PlArenaMark;

#define PL_ARENA_ALIGN 64

PlArena  *pl_arena_new            (gsize        bytes);
void      pl_arena_free           (PlArena     *arena);
/* 64-byte aligned, never NULL, contents undefined. */
void     *pl_arena_alloc          (PlArena     *arena,
                                   gsize        bytes);
float    *pl_arena_alloc_floats   (PlArena     *arena,
                                   gsize        n);
float    *pl_arena_zeros          (PlArena     *arena,
                                   gsize        n);
void      pl_arena_reset          (PlArena     *arena);
PlArenaMark pl_arena_mark         (PlArena     *arena);
void      pl_arena_release        (PlArena     *arena,
                                   PlArenaMark  mark);
void      pl_arena_set_auto_grow  (PlArena     *arena,
                                   gboolean     auto_grow);
gsize     pl_arena_capacity       (const PlArena *arena);
gsize     pl_arena_used           (const PlArena *arena);
/* Largest total this arena was asked to hold since it was made. */
gsize     pl_arena_peak           (const PlArena *arena);
gboolean  pl_arena_overflowed     (const PlArena *arena);
/* FALSE with a message naming capacity and need when the step overflowed. */
gboolean  pl_arena_check          (const PlArena *arena,
                                   GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlArena, pl_arena_free)

G_END_DECLS
