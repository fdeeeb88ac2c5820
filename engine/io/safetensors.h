/* safetensors.h: reading and writing the safetensors container.
 *
 * Layout (https://github.com/huggingface/safetensors, "Format"): 8 bytes
 * little-endian u64 N, then N bytes of UTF-8 JSON, then the data.  The JSON
 * object maps each tensor name to {"dtype", "shape", "data_offsets": [begin,
 * end]} (offsets relative to the start of the data) and may hold
 * "__metadata__", a map of strings to strings.  Only F32 tensors are
 * accepted here.
 *
 * The parser treats its input as hostile: every size, offset and shape is
 * checked for overflow and consistency (offsets sorted, contiguous, covering
 * the data exactly, byte size = 4 × product of the shape), and failures come
 * back as PL_ERROR_INVALID / _TRUNCATED with the file's name in the
 * message.  pl_safetensors_parse() works on a memory buffer (fuzzing).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PL_SAFETENSORS_MAX_DIMS 8
#define PL_SAFETENSORS_MAX_HEADER (64u << 20)

typedef struct
{
  char   *name;
  int     ndim;
  gint64  shape[PL_SAFETENSORS_MAX_DIMS];
  gsize   numel;
  gsize   offset;      /* of the first byte, from the start of the buffer */
} PlSafeTensor;

typedef struct _PlSafetensors PlSafetensors;

/* `name` is used in error messages (the file name). */
PlSafetensors      *pl_safetensors_parse    (GBytes              *bytes,
                                             const char          *name,
                                             GError             **error);
PlSafetensors      *pl_safetensors_load     (const char          *path,
                                             GError             **error);
/* The whole of a regular file, refused (PL_ERROR_TOO_LARGE) when it
 * is larger than the memory budget (pl_volume_get_memory_budget()), and
 * without blocking on a FIFO or device. */
GBytes             *pl_safetensors_read_file (const char         *path,
                                              GError            **error);
void                pl_safetensors_free     (PlSafetensors       *st);
guint               pl_safetensors_n_tensors(const PlSafetensors *st);
const PlSafeTensor *pl_safetensors_nth      (const PlSafetensors *st,
                                             guint                i);
const PlSafeTensor *pl_safetensors_lookup   (const PlSafetensors *st,
                                             const char          *name);
/* Copies the tensor's numel floats (little-endian in the file) into dst. */
void                pl_safetensors_read_f32 (const PlSafetensors *st,
                                             const PlSafeTensor  *t,
                                             float               *dst);
/* NULL when absent. */
const char         *pl_safetensors_metadata (const PlSafetensors *st,
                                             const char          *key);

typedef struct _PlSafetensorsWriter PlSafetensorsWriter;

PlSafetensorsWriter *pl_safetensors_writer_new  (void);
void                 pl_safetensors_writer_free (PlSafetensorsWriter *w);
/* The data is copied. */
void                 pl_safetensors_writer_add  (PlSafetensorsWriter *w,
                                                 const char          *name,
                                                 int                  ndim,
                                                 const gint64        *shape,
                                                 const float         *data);
void                 pl_safetensors_writer_set_metadata (PlSafetensorsWriter *w,
                                                         const char          *key,
                                                         const char          *value);
GBytes              *pl_safetensors_writer_to_bytes (PlSafetensorsWriter *w);
/* Atomic: a temporary file in the same folder, then rename. */
gboolean             pl_safetensors_writer_save (PlSafetensorsWriter *w,
                                                 const char          *path,
                                                 GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlSafetensors, pl_safetensors_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlSafetensorsWriter, pl_safetensors_writer_free)

G_END_DECLS
