/* Limits on trust: a file's header may not make the program allocate more
 * than the memory budget, nor more than the file has shown it holds, and
 * sizes, offsets and shapes are checked for overflow before any arithmetic.
 *
 * Every allocation the process makes is metered (malloc and friends are
 * interposed; in sanitizer builds the sanitizer's allocator hooks are used
 * instead), and each case asserts the peak of live heap above where it
 * started, while the memory budget is set far above what the file claims,
 * so that only the "proven by the file" rule can be what keeps it small:
 *
 *   NIfTI, plain and gzip: a header claiming 32 GB over a few bytes of data;
 *   gzip data that really holds 48 MB (the output grows with what arrives);
 *   the budget itself; dimensions whose product overflows.
 *   Model files (safetensors + JSON): a header length of 2^63, shapes and
 *   offsets that overflow, an architecture larger than the tensors in the
 *   file, a file or a network beyond the budget, a FIFO, JSON nested a
 *   hundred thousand levels deep (in the header, in a metadata value, in a
 *   recovery file). */
#include <errno.h>
#include <glib/gstdio.h>
#include <malloc.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/nn/model.h"
#include "engine/data/volume.h"
#include "src/pel-recovery.h"
#include "tests/nifti-synth.h"
#include "tests/test-sanitizer.h"

/* ---- the allocation meter --------------------------------------------------- */

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define METER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define METER_SANITIZER 1
#endif
#endif

static gint64 live;   /* bytes */
static gint64 peak;

static void
meter_add (gint64 bytes)
{
  gint64 now = __atomic_add_fetch (&live, bytes, __ATOMIC_RELAXED);
  gint64 old = __atomic_load_n (&peak, __ATOMIC_RELAXED);

  while (now > old && !__atomic_compare_exchange_n (&peak, &old, now, TRUE,
                                                   __ATOMIC_RELAXED, __ATOMIC_RELAXED))
    ;
}

#ifdef METER_SANITIZER
/* compiler-rt's allocator_interface.h, which gcc does not ship */
int    __sanitizer_install_malloc_and_free_hooks (void (*malloc_hook) (const volatile void *, size_t),
                                                  void (*free_hook) (const volatile void *));
size_t __sanitizer_get_allocated_size (const volatile void *p);

static void
on_malloc (const volatile void *p, size_t n)
{
  meter_add ((gint64) n);
}

static void
on_free (const volatile void *p)
{
  meter_add (-(gint64) __sanitizer_get_allocated_size (p));
}

static void
meter_install (void)
{
  __sanitizer_install_malloc_and_free_hooks (on_malloc, on_free);
}
#else
/* glibc's own entry points, under the names it exports for this use. */
void *__libc_malloc (size_t n);
void *__libc_calloc (size_t n, size_t size);
void *__libc_realloc (void *p, size_t n);
void *__libc_memalign (size_t align, size_t n);
void  __libc_free (void *p);

void *malloc (size_t n);
void *calloc (size_t n, size_t size);
void *realloc (void *p, size_t n);
void  free (void *p);
int   posix_memalign (void **out, size_t align, size_t n);
void *aligned_alloc (size_t align, size_t n);
void *memalign (size_t align, size_t n);

void *
malloc (size_t n)
{
  void *p = __libc_malloc (n);
  if (p)
    meter_add ((gint64) malloc_usable_size (p));
  return p;
}

void *
calloc (size_t n, size_t size)
{
  void *p = __libc_calloc (n, size);
  if (p)
    meter_add ((gint64) malloc_usable_size (p));
  return p;
}

void *
realloc (void *p, size_t n)
{
  gint64 before = p ? (gint64) malloc_usable_size (p) : 0;
  void *q = __libc_realloc (p, n);
  if (q)
    meter_add ((gint64) malloc_usable_size (q) - before);
  else if (n == 0)
    meter_add (-before);
  return q;
}

void
free (void *p)
{
  if (p)
    meter_add (-(gint64) malloc_usable_size (p));
  __libc_free (p);
}

void *
memalign (size_t align, size_t n)
{
  void *p = __libc_memalign (align, n);
  if (p)
    meter_add ((gint64) malloc_usable_size (p));
  return p;
}

void *
aligned_alloc (size_t align, size_t n)
{
  return memalign (align, n);
}

int
posix_memalign (void **out, size_t align, size_t n)
{
  void *p = memalign (align, n);
  if (p == NULL)
    return ENOMEM;
  *out = p;
  return 0;
}

static void
meter_install (void)
{
}
#endif

/* Peak live heap, in bytes, above what was live when meter_start() ran. */
static gint64 meter_base;

static void
meter_start (void)
{
  meter_base = __atomic_load_n (&live, __ATOMIC_RELAXED);
  __atomic_store_n (&peak, meter_base, __ATOMIC_RELAXED);
}

static gint64
meter_peak (void)
{
  return __atomic_load_n (&peak, __ATOMIC_RELAXED) - meter_base;
}

#define MiB (G_GINT64_CONSTANT (1) << 20)

/* The meter sees a large allocation, so a case that passes proves something. */
static void
test_meter (void)
{
  g_autofree char *big = NULL;

  meter_start ();
  big = g_malloc (64 * MiB);
  memset (big, 1, 64 * MiB);
  g_assert_cmpint (meter_peak (), >=, 64 * MiB);
}

/* ---- NIfTI ------------------------------------------------------------------ */

static char *tmpdir;
static guint64 saved_budget;

static void
huge_budget (void)
{
  pl_volume_set_memory_budget (G_GUINT64_CONSTANT (1) << 40);
}

static void
load_fails (const char *path,
            int         code,
            gint64      max_bytes,
            const char *what)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PlVolume) v = NULL;

  meter_start ();
  v = pl_volume_load (path, 0, NULL, &error);
  g_assert_null (v);
  g_assert_error (error, PL_ERROR, code);
  g_test_message ("%s: refused (%s) with a peak of %.1f MiB", what, error->message,
                  meter_peak () / (double) MiB);
  g_assert_cmpint (meter_peak (), <=, max_bytes);
}

/* 2000³ float32 (32 GB) claimed, 1000 voxels present. */
static void
test_nifti_claims (void)
{
  SynthHeader h;
  double values[1000] = { 0 };
  g_autofree char *plain = NULL, *gz = NULL;

  huge_budget ();
  synth_header_init (&h, 2, 16, 2000, 2000, 2000);
  plain = synth_write (tmpdir, "claims", SYNTH_NII, &h, values, G_N_ELEMENTS (values));
  gz = synth_write (tmpdir, "claims-gz", SYNTH_NII_GZ, &h, values, G_N_ELEMENTS (values));
  /* the file's size is known: nothing is allocated for the voxels */
  load_fails (plain, PL_ERROR_TRUNCATED, 2 * MiB, "plain, 32 GB claimed");
  /* gzip cannot say its size: the output may grow only with the data, from
   * a first block of 4 Mi voxels */
  load_fails (gz, PL_ERROR_TRUNCATED, 24 * MiB, "gzip, 32 GB claimed");
  pl_volume_set_memory_budget (saved_budget);
}

/* gzip data that really hold 48 M voxels (of a 1 G voxel claim): the output
 * grows with them, at most doubling past what arrived. */
static void
test_nifti_gzip_growth (void)
{
  SynthHeader h;
  const gsize present = 48u << 20;
  g_autofree double *values = g_new0 (double, present);
  g_autofree char *gz = NULL;

  huge_budget ();
  synth_header_init (&h, 2, 2, 1024, 1024, 1024);
  gz = synth_write (tmpdir, "growth", SYNTH_NII_GZ, &h, values, present);
  g_clear_pointer (&values, g_free);
  load_fails (gz, PL_ERROR_TRUNCATED, 2 * (gint64) present * 4 + 8 * MiB,
              "gzip, 1 G voxels claimed, 48 M present");
  pl_volume_set_memory_budget (saved_budget);
}

/* The budget stops a volume the file does hold. */
static void
test_nifti_budget (void)
{
  SynthHeader h;
  g_autofree double *values = g_new0 (double, 128 * 128 * 64);
  g_autofree char *plain = NULL, *gz = NULL;

  synth_header_init (&h, 1, 2, 128, 128, 64);   /* 4 MiB as float32 */
  plain = synth_write (tmpdir, "budget", SYNTH_NII, &h, values, 128 * 128 * 64);
  gz = synth_write (tmpdir, "budget-gz", SYNTH_NII_GZ, &h, values, 128 * 128 * 64);
  pl_volume_set_memory_budget (MiB);
  load_fails (plain, PL_ERROR_TOO_LARGE, MiB, "plain, 4 MiB over a 1 MiB budget");
  load_fails (gz, PL_ERROR_TOO_LARGE, MiB, "gzip, 4 MiB over a 1 MiB budget");
  pl_volume_set_memory_budget (saved_budget);
}

/* Dimensions whose product overflows 64 bits. */
static void
test_nifti_overflow (void)
{
  SynthHeader h;
  double values[8] = { 0 };
  g_autofree char *path = NULL;

  huge_budget ();
  synth_header_init (&h, 2, 16, G_GINT64_CONSTANT (1) << 32, G_GINT64_CONSTANT (1) << 32, 16);
  path = synth_write (tmpdir, "overflow", SYNTH_NII, &h, values, 8);
  load_fails (path, PL_ERROR_BAD_DIMS, MiB, "dims 2^32 x 2^32 x 16");
  pl_volume_set_memory_budget (saved_budget);
}

/* ---- model files --------------------------------------------------------------- */

static void
tiny_config (PlUnetConfig *c)
{
  memset (c, 0, sizeof *c);
  c->in_channels = 1;
  c->n_classes = 2;
  c->depth = 2;
  c->channels[0] = 2;
  c->channels[1] = 4;
  c->skip = TRUE;
  c->upsample = PL_UPSAMPLE_CONVT;
  c->bn_eps = 1e-5f;
  c->output = PL_OUTPUT_SOFTMAX;
}

static GBytes *
tiny_model (void)
{
  PlUnetConfig c;
  static const guint16 values[] = { 1, 2 };
  g_autoptr (PlModel) model = NULL;

  tiny_config (&c);
  model = pl_model_new (pl_unet_new (&c, 1), 2, values, NULL);
  model->norm_divisor = 1.0;
  return pl_model_to_bytes (model);
}

/* A safetensors file: header text and data section. */
static GBytes *
st_bytes (const char   *header,
          const guint8 *data,
          gsize         n)
{
  GByteArray *all = g_byte_array_new ();
  guint64 len = strlen (header);
  guint8 le[8];

  for (int i = 0; i < 8; i++)
    le[i] = (guint8) (len >> (8 * i));
  g_byte_array_append (all, le, 8);
  g_byte_array_append (all, (const guint8 *) header, (guint) len);
  g_byte_array_append (all, data, (guint) n);
  return g_byte_array_free_to_bytes (all);
}

static char *
header_of (GBytes *bytes,
           gsize  *data_start)
{
  const guint8 *p = g_bytes_get_data (bytes, NULL);
  guint64 n = 0;

  for (int i = 7; i >= 0; i--)
    n = (n << 8) | p[i];
  *data_start = 8 + (gsize) n;
  return g_strndup ((const char *) p + 8, (gsize) n);
}

static char *
edit (const char *text,
      const char *from,
      const char *to)
{
  const char *at = strstr (text, from);

  g_assert_nonnull (at);
  return g_strdup_printf ("%.*s%s%s", (int) (at - text), text, to, at + strlen (from));
}

/* The same model with one edit of its header. */
static GBytes *
edited_model (const char *from,
              const char *to)
{
  g_autoptr (GBytes) valid = tiny_model ();
  gsize start;
  g_autofree char *h = header_of (valid, &start);
  g_autofree char *e = edit (h, from, to);

  return st_bytes (e, (const guint8 *) g_bytes_get_data (valid, NULL) + start,
                   g_bytes_get_size (valid) - start);
}

static void
parse_fails (GBytes     *bytes,
             int         code,
             gint64      max_bytes,
             const char *what)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PlModel) model = NULL;

  meter_start ();
  model = pl_model_parse (bytes, "claims.safetensors", &error);
  g_assert_null (model);
  g_assert_error (error, PL_ERROR, code);
  g_assert_nonnull (strstr (error->message, "claims.safetensors"));
  g_test_message ("%s: refused (%s) with a peak of %.2f MiB", what, error->message,
                  meter_peak () / (double) MiB);
  g_assert_cmpint (meter_peak (), <=, max_bytes);
}

static void
test_model_container (void)
{
  static const guint8 huge_len[16] = { 0, 0, 0, 0, 0, 0, 0, 0x80, '{', '}' };
  g_autoptr (GBytes) len = g_bytes_new_static (huge_len, sizeof huge_len);
  g_autoptr (GBytes) shape = NULL, offsets = NULL;

  huge_budget ();
  parse_fails (len, PL_ERROR_TRUNCATED, 64 * 1024, "header length 2^63");
  /* three more dimensions of 2^31 - 1: the element count overflows */
  shape = edited_model ("\"shape\":[", "\"shape\":[2147483647,2147483647,2147483647,");
  parse_fails (shape, PL_ERROR_BAD_DIMS, MiB, "shape overflowing 64 bits");
  offsets = edited_model ("\"data_offsets\":[0,", "\"data_offsets\":[18446744073709551615,");
  parse_fails (offsets, PL_ERROR_BAD_OFFSET, MiB, "data offset 2^64 - 1");
  pl_volume_set_memory_budget (saved_budget);
}

/* An architecture of 8 levels of 4096 channels (5.9 G parameters) over a
 * file holding a few hundred: refused before the network is allocated. */
static void
test_model_architecture (void)
{
  g_autoptr (GBytes) big = edited_model ("\\\"channels\\\":[2,4]",
                                         "\\\"channels\\\":[4096,4096,4096,4096,4096,4096,4096,4096]");

  huge_budget ();
  parse_fails (big, PL_ERROR_INVALID, MiB, "architecture of 5.9 G parameters");
  pl_volume_set_memory_budget (saved_budget);
}

/* A file larger than the budget is not read; a network whose parameters
 * and gradients exceed it is not allocated. */
static void
test_model_budget (void)
{
  g_autoptr (GBytes) valid = tiny_model ();
  g_autofree char *path = g_build_filename (tmpdir, "model.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (PlModel) model = NULL;
  gsize size = g_bytes_get_size (valid);

  g_assert_true (g_file_set_contents (path, g_bytes_get_data (valid, NULL), (gssize) size, NULL));
  pl_volume_set_memory_budget (size - 1);
  meter_start ();
  model = pl_model_load (path, &error);
  g_assert_null (model);
  g_assert_error (error, PL_ERROR, PL_ERROR_TOO_LARGE);
  g_assert_cmpint (meter_peak (), <, (gint64) size);
  g_clear_error (&error);

  /* the file fits; the network's parameters and gradients do not */
  {
    PlUnetConfig c;
    guint64 network;

    tiny_config (&c);
    network = pl_unet_config_n_params (&c) * 2 * sizeof (float);
    g_assert_cmpuint (size, <, network);
    pl_volume_set_memory_budget (network - 1);
    parse_fails (valid, PL_ERROR_TOO_LARGE, MiB, "network beyond the budget");
    g_clear_pointer (&model, pl_model_free);
    model = pl_model_load (path, &error);
    g_assert_null (model);
    g_assert_error (error, PL_ERROR, PL_ERROR_TOO_LARGE);
    g_clear_error (&error);
    pl_volume_set_memory_budget (network);
    model = pl_model_load (path, &error);
    g_assert_no_error (error);
    g_clear_pointer (&model, pl_model_free);
  }

  pl_volume_set_memory_budget (saved_budget);
  model = pl_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (model);
}

/* Opening a FIFO must fail at once, not wait for a writer. */
static void
test_model_fifo (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *fifo = g_build_filename (tmpdir, "model.fifo", NULL);
      g_autoptr (GError) error = NULL;

      g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
      g_assert_null (pl_model_load (fifo, &error));
      g_assert_error (error, PL_ERROR, PL_ERROR_IO);
      g_unlink (fifo);
      return;
    }
  g_test_trap_subprocess (NULL, 10 * TEST_TIME_SCALE * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* ---- JSON nesting ------------------------------------------------------------ */

static char *
nested (const char *open,
        int         depth)
{
  GString *s = g_string_new (NULL);

  for (int i = 0; i < depth; i++)
    g_string_append (s, open);
  return g_string_free (s, FALSE);
}

static void
test_json_nesting (void)
{
  g_autofree char *arrays = nested ("[", 100000);
  g_autofree char *objects = nested ("{\"a\":", 100000);
  g_autoptr (GBytes) header_a = st_bytes (arrays, NULL, 0);
  g_autoptr (GBytes) header_o = st_bytes (objects, NULL, 0);
  g_autofree char *escaped = NULL;
  g_autofree char *meta = NULL;
  g_autoptr (GBytes) in_meta = NULL;

  parse_fails (header_a, PL_ERROR_INVALID, 4 * MiB, "header of 100000 nested arrays");
  parse_fails (header_o, PL_ERROR_INVALID, 4 * MiB, "header of 100000 nested objects");

  /* the same inside a metadata string (JSON within JSON) */
  escaped = nested ("[", 100000);
  meta = g_strdup_printf ("\"input\":\"%s", escaped);
  in_meta = edited_model ("\"input\":\"", meta);
  parse_fails (in_meta, PL_ERROR_INVALID, 8 * MiB, "metadata of 100000 nested arrays");

  /* and in a recovery file, read when an image is opened */
  {
    g_autofree char *dir = g_build_filename (tmpdir, "recovery", NULL);
    g_autofree char *volume = g_build_filename (tmpdir, "scan.nii", NULL);
    g_autofree char *key = pel_recovery_key (volume);
    g_autofree char *name = g_strconcat (key, ".json", NULL);
    g_autofree char *json = g_build_filename (dir, name, NULL);

    g_mkdir_with_parents (dir, 0700);
    g_assert_true (g_file_set_contents (json, arrays, 60000, NULL));
    g_assert_null (pel_recovery_find (dir, volume));
  }
}

int
main (int argc, char **argv)
{
  int status;

  meter_install ();
  g_test_init (&argc, &argv, NULL);
  tmpdir = synth_tmpdir ();
  saved_budget = pl_volume_get_memory_budget ();

  g_test_add_func ("/trust/meter", test_meter);
  g_test_add_func ("/trust/nifti/claims", test_nifti_claims);
  g_test_add_func ("/trust/nifti/gzip-growth", test_nifti_gzip_growth);
  g_test_add_func ("/trust/nifti/budget", test_nifti_budget);
  g_test_add_func ("/trust/nifti/overflow", test_nifti_overflow);
  g_test_add_func ("/trust/model/container", test_model_container);
  g_test_add_func ("/trust/model/architecture", test_model_architecture);
  g_test_add_func ("/trust/model/budget", test_model_budget);
  g_test_add_func ("/trust/model/fifo", test_model_fifo);
  g_test_add_func ("/trust/json-nesting", test_json_nesting);
  status = g_test_run ();
  synth_rmtree (tmpdir);
  g_free (tmpdir);
  return status;
}
