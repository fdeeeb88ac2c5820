/* Safetensors and model files as hostile input: every malformed header is
 * refused with an error naming the file; random corruption of a valid model
 * never crashes the reader (a short in-process fuzz). */
#include <glib.h>
#include <string.h>

#include "engine/nn/model.h"
#include "engine/io/safetensors.h"
#include "engine/core/rng.h"
#include "engine/data/volume.h"

static GBytes *
with_header (const char *json, gsize data_bytes)
{
  gsize hl = strlen (json);
  guint8 *buf = g_malloc0 (8 + hl + data_bytes);
  for (int i = 0; i < 8; i++)
    buf[i] = (guint8) ((guint64) hl >> (8 * i));
  memcpy (buf + 8, json, hl);
  return g_bytes_new_take (buf, 8 + hl + data_bytes);
}

static void
expect_error (const char *json, gsize data_bytes, const char *fragment)
{
  g_autoptr (GBytes) b = with_header (json, data_bytes);
  g_autoptr (GError) error = NULL;
  PlSafetensors *st = pl_safetensors_parse (b, "evil.safetensors", &error);

  g_assert_null (st);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "evil.safetensors: "));
  if (fragment)
    g_assert_nonnull (strstr (error->message, fragment));
}

static void
test_safetensors_rejects (void)
{
  g_autoptr (GError) error = NULL;
  guint8 tiny[4] = { 0 };
  g_autoptr (GBytes) tb = g_bytes_new (tiny, 4);
  guint8 huge[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f };
  g_autoptr (GBytes) hb = g_bytes_new (huge, 16);

  g_assert_null (pl_safetensors_parse (tb, "evil.safetensors", &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_TRUNCATED);
  g_clear_error (&error);
  g_assert_null (pl_safetensors_parse (hb, "evil.safetensors", &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_TRUNCATED);
  g_clear_error (&error);

  expect_error ("[1,2]", 0, "not a JSON object");
  expect_error ("{\"a\":", 0, "not valid JSON");
  expect_error ("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, "only F32");
  expect_error ("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "shape needs 3");
  expect_error ("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "invalid shape");
  expect_error ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4, "invalid shape");
  expect_error ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647,8],"
                "\"data_offsets\":[0,4]}}", 4, "invalid shape");
  expect_error ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4, "data_offsets");
  expect_error ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 0, "ends at byte 4");
  expect_error ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "overlaps");
  expect_error ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "gap");
  expect_error ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 12, "after the last");
  expect_error ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "lacks");
  expect_error ("{\"__metadata__\":{\"k\":3}}", 0, "not a string");
  expect_error ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 4,
                "dimensions");

  /* A valid one parses, with its metadata and data. */
  {
    float one = 1.5f;
    g_autoptr (GBytes) ok = NULL;
    g_autoptr (PlSafetensors) st = NULL;
    guint8 *p;
    gsize n;
    const char *json = "{\"__metadata__\":{\"k\":\"v\"},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    ok = with_header (json, 4);
    p = (guint8 *) g_bytes_get_data (ok, &n);
    memcpy (p + n - 4, &one, 4);
    st = pl_safetensors_parse (ok, "good", &error);
    g_assert_no_error (error);
    g_assert_cmpstr (pl_safetensors_metadata (st, "k"), ==, "v");
    {
      float got;
      pl_safetensors_read_f32 (st, pl_safetensors_lookup (st, "a"), &got);
      g_assert_cmpfloat (got, ==, 1.5f);
    }
  }
}

static GBytes *
small_model_bytes (void)
{
  PlUnetConfig cfg;
  g_autoptr (PlModel) m = NULL;
  guint16 values[3] = { 1, 2, 3 };

  pl_unet_config_ref (&cfg);
  cfg.depth = 2;
  cfg.channels[0] = 2;
  cfg.channels[1] = 4;
  cfg.n_classes = 3;
  m = pl_model_new (pl_unet_new (&cfg, 5), 3, values, NULL);
  pl_model_set_training (m, "{\"method\":\"supervised\"}");
  return pl_model_to_bytes (m);
}

static void
test_model_rejects (void)
{
  g_autoptr (GBytes) good = small_model_bytes ();
  g_autoptr (GError) error = NULL;
  g_autoptr (PlModel) m = pl_model_parse (good, "m.safetensors", &error);
  g_autoptr (PlSafetensorsWriter) w = pl_safetensors_writer_new ();
  g_autoptr (GBytes) plain = NULL;
  gint64 shape[1] = { 1 };
  float v = 0.0f;

  g_assert_no_error (error);
  g_assert_cmpint (m->n_classes, ==, 3);

  /* A safetensors file that is not a model. */
  pl_safetensors_writer_add (w, "x", 1, shape, &v);
  plain = pl_safetensors_writer_to_bytes (w);
  g_assert_null (pl_model_parse (plain, "plain.safetensors", &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "plain.safetensors: not a Pellucid model"));
  g_clear_error (&error);

  /* Architecture asking for far more parameters than the file holds. */
  pl_safetensors_writer_set_metadata (w, "format", "pellucid-model");
  pl_safetensors_writer_set_metadata (w, "format_version", "1");
  pl_safetensors_writer_set_metadata (w, "architecture",
    "{\"type\":\"unet2d\",\"in_channels\":1,\"out_channels\":2,\"channels\":[4096,4096,4096,4096,4096,4096,4096,4096],"
    "\"skip\":true,\"upsample\":\"convtranspose\",\"batch_norm\":false,\"bn_eps\":1e-5,\"dropout_p\":0,"
    "\"dropout_at\":[],\"output\":\"softmax\"}");
  pl_safetensors_writer_set_metadata (w, "classes", "[{\"value\":1},{\"value\":2}]");
  pl_safetensors_writer_set_metadata (w, "normalisation", "{\"offset\":0,\"divisor\":1}");
  pl_safetensors_writer_set_metadata (w, "input", "{\"axis\":2}");
  g_bytes_unref (plain);
  plain = pl_safetensors_writer_to_bytes (w);
  g_assert_null (pl_model_parse (plain, "big.safetensors", &error));
  g_assert_nonnull (strstr (error->message, "more parameters than the file holds"));
}

/* Flip, zero or randomise bytes of a valid model: parse must either succeed
 * or fail cleanly (run under the sanitizers this catches out-of-bounds). */
static void
test_model_fuzz (void)
{
  g_autoptr (GBytes) good = small_model_bytes ();
  gsize n;
  const guint8 *src = g_bytes_get_data (good, &n);
  guint64 hl = 0;
  PlRng rng;
  int ok = 0, bad = 0;

  for (int i = 7; i >= 0; i--)
    hl = (hl << 8) | src[i];
  pl_rng_init (&rng, 11);
  for (int it = 0; it < 1500; it++)
    {
      guint8 *buf = g_memdup2 (src, n);
      gsize len = n;
      int edits = 1 + (int) pl_rng_below (&rng, 4);
      g_autoptr (GBytes) b = NULL;
      g_autoptr (GError) error = NULL;
      PlModel *m;
      for (int e = 0; e < edits; e++)
        {
          /* Mostly the header, where the structure is. */
          gsize at = pl_rng_below (&rng, 4) ? pl_rng_below (&rng, (guint32) (8 + hl)) : pl_rng_below (&rng, (guint32) n);
          switch (pl_rng_below (&rng, 4))
            {
            case 0: buf[at] ^= (guint8) (1u << pl_rng_below (&rng, 8)); break;
            case 1: buf[at] = (guint8) pl_rng_below (&rng, 256); break;
            case 2: buf[at] = "0123456789[]{}\",:-."[pl_rng_below (&rng, 19)]; break;
            default: len = at; break;    /* truncate */
            }
        }
      b = g_bytes_new_take (buf, len);
      m = pl_model_parse (b, "fuzz", &error);
      if (m)
        ok++;
      else
        {
          g_assert_nonnull (error);
          g_assert_true (g_str_has_prefix (error->message, "fuzz: "));
          bad++;
        }
      pl_model_free (m);
    }
  g_test_message ("fuzz: %d parsed, %d refused", ok, bad);
  g_assert_cmpint (bad, >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/model-io/safetensors-rejects", test_safetensors_rejects);
  g_test_add_func ("/model-io/model-rejects", test_model_rejects);
  g_test_add_func ("/model-io/fuzz", test_model_fuzz);
  return g_test_run ();
}
