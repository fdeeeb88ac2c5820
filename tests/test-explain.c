/* Explanation maps (engine/explain): the committed PyTorch reference
 * tests/fixtures/explain-small.safetensors (tests/make-explain-fixture.py)
 * for the gradient family, Grad-CAM, integrated gradients, occlusion and
 * LRP-ε; LRP's conservation and ε → 0 limit; integrated gradients'
 * completeness; the method table, parameters, targets, publishing and
 * cancellation.  Networks are tiny (depth 3, 32×32). */
#define G_LOG_DOMAIN "test-explain"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "engine/core/rng.h"
#include "engine/explain/explain.h"
#include "engine/explain/explain-private.h"
#include "engine/explain/sanity.h"
#include "engine/explain/tcav.h"
#include "engine/data/labels.h"
#include "engine/io/safetensors.h"
#include "engine/nn/unet.h"
#include "tests/fixture.h"

#define N 32

static void
small_config (PlUnetConfig *c, int classes)
{
  memset (c, 0, sizeof *c);
  c->in_channels = 1;
  c->n_classes = classes;
  c->depth = 3;
  c->channels[0] = 4;
  c->channels[1] = 8;
  c->channels[2] = 16;
  c->skip = TRUE;
  c->upsample = PL_UPSAMPLE_CONVT;
  c->bn_eps = 1e-5f;
  c->output = PL_OUTPUT_SOFTMAX;
}

/* The fixture's network, input and target. */
typedef struct
{
  PlUnet      *unet;
  PlExplainer *ex;
  float       *x;
  guint8       mask[N * N];
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  PlUnetConfig c;
  g_autofree float *region = NULL, *cls = NULL;
  PlExplainTarget t = { 0 };
  g_autoptr (GError) error = NULL;

  small_config (&c, 3);
  f->unet = pl_unet_new (&c, 1);
  for (guint i = 0; i < pl_unet_n_tensors (f->unet); i++)
    {
      const PlUnetParam *p = pl_unet_tensor_info (f->unet, i);
      g_autofree char *name = g_strdup_printf ("net.%s", p->name);
      gsize n;
      g_autofree float *w = get (name, &n);
      g_assert_cmpuint (n, ==, p->numel);
      pl_unet_param_import (f->unet, i, w);
    }
  f->x = get ("input", NULL);
  region = get ("region", NULL);
  cls = get ("class", NULL);
  for (int i = 0; i < N * N; i++)
    f->mask[i] = region[i] != 0.0f;
  t.cls = (int) cls[0];
  t.region = PL_EXPLAIN_REGION_MASK;
  t.mask = f->mask;
  f->ex = pl_explainer_new (f->unet, f->x, N, N, &t, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  pl_explainer_free (f->ex);
  pl_unet_free (f->unet);
  g_free (f->x);
}

static double
rel_err (const float *got, const float *want, gsize n)
{
  double e = 0.0, m = 0.0;
  for (gsize i = 0; i < n; i++)
    {
      e = MAX (e, fabs ((double) got[i] - want[i]));
      m = MAX (m, fabs (want[i]));
    }
  return e / MAX (m, 1e-12);
}

typedef struct
{
  const char *method, *settings, *reference;
} TorchCase;

static const TorchCase torch_cases[] = {
  { "grad", NULL, "map.grad" },
  { "gradxinput", NULL, "map.gradxinput" },
  { "guided", NULL, "map.guided" },
  { "deconvnet", NULL, "map.deconvnet" },
  { "gradcam", "layer=0", "map.gradcam0" },
  { "gradcam", "layer=1", "map.gradcam1" },
  { "ig", "steps=32,baseline=0", "map.ig" },
  { "occlusion", "patch=8,stride=4,fill=0", "map.occlusion" },
  { "lrp-eps", "epsilon=1e-6,zb=0", "map.lrp_eps" },
};

static void
test_torch (Fixture *f, gconstpointer data)
{
  const TorchCase *tc = data;
  const PlExplainMethod *m = pl_explain_method_find (tc->method);
  double params[PL_EXPLAIN_MAX_PARAMS];
  float map[N * N];
  g_autofree float *want = get (tc->reference, NULL);
  g_autofree float *score = get ("score", NULL);
  PlExplainInfo info;
  g_autoptr (GError) error = NULL;
  double e;

  g_assert_nonnull (m);
  g_assert_true (pl_explain_method_parse (m, tc->settings, params, &error));
  g_assert_true (pl_explain_compute (f->ex, m, params, map, &info, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (fabs (info.score - score[0]), <=, 1e-4 * fabs (score[0]));
  e = rel_err (map, want, N * N);
  g_test_message ("%s %s: max error / max |reference| = %.2e", tc->method,
                  tc->settings ? tc->settings : "", e);
  g_assert_cmpfloat (e, <=, 1e-4);
}

/* A random network (zero biases, as initialised) and a positive input. */
static PlExplainer *
random_problem (PlUnet **unet, guint64 seed, int n)
{
  PlUnetConfig c;
  g_autofree float *x = g_new (float, n * n);
  PlRng rng;
  PlExplainTarget t = { .cls = 0, .region = PL_EXPLAIN_REGION_PREDICTED };
  g_autoptr (GError) error = NULL;
  PlExplainer *ex = NULL;

  small_config (&c, 2);
  *unet = pl_unet_new (&c, seed);
  pl_rng_init (&rng, seed);
  for (int i = 0; i < n * n; i++)
    x[i] = pl_rng_uniform (&rng);
  for (t.cls = 0; t.cls < 2 && !ex; t.cls++)
    {
      g_clear_error (&error);
      ex = pl_explainer_new (*unet, x, n, n, &t, &error);
    }
  g_assert_nonnull (ex);
  return ex;
}

/* data: the side of the input; 96 puts the first level's activations
 * over the size at which the rules' elementwise passes run in parallel. */
static void
test_lrp_conservation (gconstpointer data)
{
  static const char *const cases[][2] = {
    { "lrp-ab", "zb=1" }, { "lrp-ab", "zb=0" }, { "lrp-a2b1", "zb=1" }, { "lrp-eps", "zb=1" },
  };
  int n = GPOINTER_TO_INT (data);
  for (guint64 seed = 1; seed <= 2; seed++)
    {
      PlUnet *unet;
      g_autoptr (PlExplainer) ex = random_problem (&unet, seed, n);
      for (gsize k = 0; k < G_N_ELEMENTS (cases); k++)
        {
          const PlExplainMethod *m = pl_explain_method_find (cases[k][0]);
          double params[PL_EXPLAIN_MAX_PARAMS];
          g_autofree float *map = g_new (float, n * n);
          PlExplainInfo info;
          g_autoptr (GError) error = NULL;

          g_assert_true (pl_explain_method_parse (m, cases[k][1], params, &error));
          g_assert_true (pl_explain_compute (ex, m, params, map, &info, NULL, &error));
          g_test_message ("seed %d %s %s: relevance %.6g, score %.6g", (int) seed, cases[k][0],
                          cases[k][1], info.relevance_sum, info.score);
          g_assert_cmpfloat (fabs (info.score), >, 1e-3);
          g_assert_cmpfloat (fabs (info.relevance_sum - info.score), <=, 1e-3 * fabs (info.score));
        }
      pl_explainer_free (g_steal_pointer (&ex));
      pl_unet_free (unet);
    }
}

/* With biases (the fixture's network), LRP-ε → gradient × input. */
static void
test_lrp_epsilon_limit (Fixture *f, gconstpointer data)
{
  const PlExplainMethod *lrp = pl_explain_method_find ("lrp-eps");
  const PlExplainMethod *gxi = pl_explain_method_find ("gradxinput");
  double params[PL_EXPLAIN_MAX_PARAMS];
  float a[N * N], b[N * N];
  g_autoptr (GError) error = NULL;
  double prev = G_MAXDOUBLE;

  g_assert_true (pl_explain_compute (f->ex, gxi, NULL, b, NULL, NULL, &error));
  for (double eps = 1e-2; eps >= 1e-10; eps *= 1e-4)
    {
      double e;
      params[0] = eps;
      params[1] = 0;
      g_assert_true (pl_explain_compute (f->ex, lrp, params, a, NULL, NULL, &error));
      e = rel_err (a, b, N * N);
      g_test_message ("ε = %g: |LRP-ε − gradient × input| / max = %.2e", eps, e);
      g_assert_cmpfloat (e, <=, prev + 1e-7);
      prev = e;
    }
  g_assert_cmpfloat (prev, <=, 1e-5);
}

/* Sundararajan et al.'s completeness: Σ IG → S(x) − S(baseline) as the
 * steps grow (slowly: the ReLU kinks make the midpoint rule first order). */
static void
test_ig_completeness (Fixture *f, gconstpointer data)
{
  const PlExplainMethod *m = pl_explain_method_find ("ig");
  double err[2], s0;
  float map[N * N], zero[N * N] = { 0 };
  static const int steps[2] = { 16, 512 };
  g_autoptr (GError) error = NULL;

  pl_explainer_scores (f->ex, zero, 1, &s0);
  for (int k = 0; k < 2; k++)
    {
      double params[2] = { steps[k], 0 }, sum = 0.0;
      PlExplainInfo info;
      g_assert_true (pl_explain_compute (f->ex, m, params, map, &info, NULL, &error));
      for (int i = 0; i < N * N; i++)
        sum += map[i];
      err[k] = fabs (sum - (info.score - s0)) / fabs (info.score - s0);
      g_test_message ("%d steps: Σ IG %.6g, S(x) − S(0) %.6g", steps[k], sum, info.score - s0);
    }
  g_assert_cmpfloat (err[1], <, 0.25 * err[0]);
  g_assert_cmpfloat (err[1], <=, 2e-2);
}

static void
test_table (void)
{
  guint n;
  const PlExplainMethod *ms = pl_explain_methods (&n);
  g_autoptr (GError) error = NULL;
  double params[PL_EXPLAIN_MAX_PARAMS];

  g_assert_cmpuint (n, >=, 12);
  for (guint i = 0; i < n; i++)
    {
      g_assert_true (pl_explain_method_find (ms[i].name) == &ms[i]);
      g_assert_nonnull (ms[i].compute);
      g_assert_cmpint (ms[i].n_params, <=, PL_EXPLAIN_MAX_PARAMS);
      for (int k = 0; k < ms[i].n_params; k++)
        g_assert_true (ms[i].params[k].def >= ms[i].params[k].min
                       && ms[i].params[k].def <= ms[i].params[k].max);
    }
  g_assert_null (pl_explain_method_find ("nope"));
  g_assert_false (pl_explain_method_parse (pl_explain_method_find ("occlusion"), "size=3",
                                           params, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "size"));
  g_clear_error (&error);
  g_assert_false (pl_explain_method_parse (pl_explain_method_find ("occlusion"), "patch=2.5",
                                           params, &error));
  g_assert_nonnull (strstr (error->message, "patch"));
  g_clear_error (&error);
  g_assert_true (pl_explain_method_parse (pl_explain_method_find ("occlusion"), "stride=3",
                                          params, &error));
  g_assert_cmpfloat (params[0], ==, 16);
  g_assert_cmpfloat (params[1], ==, 3);
}

static void
test_targets (Fixture *f, gconstpointer data)
{
  PlExplainTarget t = { .cls = 0, .region = PL_EXPLAIN_REGION_PIXEL, .y = 40, .x = 3 };
  guint8 empty[N * N] = { 0 };
  g_autoptr (GError) error = NULL;
  PlExplainer *ex;
  const PlExplainMethod *m = pl_explain_method_find ("grad");
  float map[N * N];
  int nz = 0;

  g_assert_null (pl_explainer_new (f->unet, f->x, N, N, &t, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID);
  g_clear_error (&error);
  t.cls = 7;
  t.y = 3;
  g_assert_null (pl_explainer_new (f->unet, f->x, N, N, &t, &error));
  g_assert_nonnull (strstr (error->message, "class 7"));
  g_clear_error (&error);
  t.cls = 0;
  t.region = PL_EXPLAIN_REGION_MASK;
  t.mask = empty;
  g_assert_null (pl_explainer_new (f->unet, f->x, N, N, &t, &error));
  g_clear_error (&error);
  g_assert_null (pl_explainer_new (f->unet, f->x, 30, N, &t, &error));
  g_clear_error (&error);

  /* One pixel: its gradient reaches at most the receptive field. */
  t.region = PL_EXPLAIN_REGION_PIXEL;
  t.y = 0;
  t.x = 0;
  ex = pl_explainer_new (f->unet, f->x, N, N, &t, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pl_explainer_region_size (ex), ==, 1);
  g_assert_true (pl_explain_compute (ex, m, NULL, map, NULL, NULL, &error));
  for (int i = 0; i < N * N; i++)
    nz += map[i] != 0.0f;
  g_assert_cmpint (nz, >, 0);
  pl_explainer_free (ex);
}

typedef struct
{
  guint  n;
  gint   cancel;
  guint  cancel_after;
} Published;

static void
on_publish (const PlExplainResult *r, gpointer user_data)
{
  Published *p = user_data;
  g_assert_cmpuint (r->index, ==, p->n);
  g_assert_cmpint (r->h, ==, N);
  g_assert_cmpfloat (r->ms, >=, 0.0);
  for (int i = 0; i < r->h * r->w; i++)
    g_assert_true (isfinite (r->map[i]));
  if (++p->n == p->cancel_after)
    g_atomic_int_set (&p->cancel, 1);
}

static void
test_run (Fixture *f, gconstpointer data)
{
  guint n;
  const PlExplainMethod *ms = pl_explain_methods (&n);
  g_autofree const PlExplainMethod **list = g_new (const PlExplainMethod *, n);
  g_autofree const double **params = g_new0 (const double *, n);
  double cheap[PL_EXPLAIN_MAX_PARAMS][PL_EXPLAIN_MAX_PARAMS] = { { 0 } };
  Published pub = { 0 };
  PlProgress progress = { NULL, NULL, &pub.cancel };
  g_autoptr (GError) error = NULL;
  int k = 0;

  for (guint i = 0; i < n; i++)
    {
      list[i] = &ms[i];
      /* Fewer passes for the many-pass methods under the sanitizers. */
      if (strcmp (ms[i].name, "occlusion") == 0 || strcmp (ms[i].name, "ig") == 0
          || strcmp (ms[i].name, "smoothgrad") == 0 || strcmp (ms[i].name, "perturbation") == 0
          || strcmp (ms[i].name, "lime") == 0)
        {
          pl_explain_method_defaults (&ms[i], cheap[k]);
          if (strcmp (ms[i].name, "occlusion") == 0)
            {
              cheap[k][0] = 8;
              cheap[k][1] = 8;
            }
          else if (strcmp (ms[i].name, "lime") == 0)
            {
              cheap[k][0] = 8;
              cheap[k][1] = 16;
            }
          else
            cheap[k][0] = 4;
          params[i] = cheap[k++];
        }
    }
  g_assert_true (pl_explain_run (f->ex, list, params, n, on_publish, &pub, &progress, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pub.n, ==, n);

  pub.n = 0;
  pub.cancel_after = 2;
  g_assert_false (pl_explain_run (f->ex, list, params, n, on_publish, &pub, &progress, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (pub.n, ==, 2);
}

static void
test_sanity_layers (Fixture *f, gconstpointer data)
{
  g_auto (GStrv) layers = pl_sanity_layers (f->unet);
  g_autoptr (PlUnet) copy = pl_unet_copy (f->unet);
  const float *a = pl_unet_params (f->unet), *b = pl_unet_params (copy);

  /* head + 2 decoder levels × 3 + 3 encoder levels × 2 */
  g_assert_cmpuint (g_strv_length (layers), ==, 13);
  g_assert_cmpstr (layers[0], ==, "head");
  g_assert_cmpstr (layers[1], ==, "dec.1.1");
  g_assert_cmpstr (layers[3], ==, "up.1");
  g_assert_cmpstr (layers[12], ==, "enc.0.0");
  g_assert_false (pl_sanity_randomise (copy, "nope", 1));
  g_assert_true (pl_sanity_randomise (copy, "dec.1.1", 1));
  for (guint i = 0; i < pl_unet_n_tensors (copy); i++)
    {
      const PlUnetParam *p = pl_unet_tensor_info (copy, i);
      gboolean same = memcmp (a + p->offset, b + p->offset, p->numel * sizeof (float)) == 0;
      if (strcmp (p->name, "dec.1.1.weight") == 0)
        g_assert_false (same);
      else if (strcmp (p->name, "dec.1.1.bias") == 0)
        for (gsize k = 0; k < p->numel; k++)
          g_assert_cmpfloat (b[p->offset + k], ==, 0.0f);
      else
        g_assert_true (same);
    }
}

static void
test_similarity (void)
{
  float a[N * N], b[N * N];
  PlSimilarity s;
  PlRng rng;

  pl_rng_init (&rng, 5);
  for (int i = 0; i < N * N; i++)
    {
      a[i] = pl_rng_range (&rng, -1, 1) + (i % N) * 0.1f;
      b[i] = -a[i];
    }
  pl_map_similarity (a, a, N, N, &s);
  g_assert_cmpfloat (fabs (s.spearman - 1.0), <, 1e-9);
  g_assert_cmpfloat (fabs (s.ssim - 1.0), <, 1e-6);
  g_assert_cmpfloat (fabs (s.hog - 1.0), <, 1e-9);
  pl_map_similarity (a, b, N, N, &s);
  g_assert_cmpfloat (fabs (s.spearman + 1.0), <, 1e-9);
  g_assert_cmpfloat (fabs (s.spearman_abs - 1.0), <, 1e-9);
  /* Ties get their mean rank: a constant map correlates with nothing. */
  for (int i = 0; i < N * N; i++)
    b[i] = 3.0f;
  g_assert_cmpfloat (pl_spearman (a, b, N * N), ==, 0.0);
}

/* Deleting the pixels occlusion ranks first lowers the score faster than
 * deleting them last; the curves start (deletion) or end (insertion) at 1. */
static void
test_faithfulness (Fixture *f, gconstpointer data)
{
  const PlExplainMethod *m = pl_explain_method_find ("occlusion");
  double params[3] = { 8, 4, 0 }, curve[9], del, del_rev;
  float map[N * N], rev[N * N];
  g_autoptr (GError) error = NULL;

  g_assert_true (pl_explain_compute (f->ex, m, params, map, NULL, NULL, &error));
  for (int i = 0; i < N * N; i++)
    rev[i] = -map[i];
  del = pl_explain_faithfulness (f->ex, map, 8, 0.0f, FALSE, curve);
  g_assert_cmpfloat (fabs (curve[0] - 1.0), <, 1e-6);
  del_rev = pl_explain_faithfulness (f->ex, rev, 8, 0.0f, FALSE, NULL);
  g_test_message ("deletion area %.3f, in reverse order %.3f", del, del_rev);
  g_assert_cmpfloat (del, <, del_rev);
  pl_explain_faithfulness (f->ex, map, 8, 0.0f, TRUE, curve);
  g_assert_cmpfloat (fabs (curve[8] - 1.0), <, 1e-6);
}

/* The deletion game: a mask in [0, 1] that deletes somewhere, and less
 * of the image the more its area costs. */
static void
test_perturbation (Fixture *f, gconstpointer data)
{
  const PlExplainMethod *m = pl_explain_method_find ("perturbation");
  static const char *const settings[2] = { "iterations=60,scale=4,blur=3,l1=0.05",
                                           "iterations=60,scale=4,blur=3,l1=2" };
  double params[PL_EXPLAIN_MAX_PARAMS], mean[2] = { 0, 0 }, mx = 0.0;
  float map[N * N];
  g_autoptr (GError) error = NULL;

  for (int k = 0; k < 2; k++)
    {
      g_assert_true (pl_explain_method_parse (m, settings[k], params, &error));
      g_assert_true (pl_explain_compute (f->ex, m, params, map, NULL, NULL, &error));
      for (int i = 0; i < N * N; i++)
        {
          g_assert_true (map[i] >= 0.0f && map[i] <= 1.0f);
          mean[k] += map[i] / (N * N);
          if (k == 0)
            mx = MAX (mx, map[i]);
        }
      g_test_message ("%s: deleted %.3f of the image", settings[k], mean[k]);
    }
  g_assert_cmpfloat (mx, >, 0.5);
  g_assert_cmpfloat (mean[1], <, mean[0]);
}

/* A pixel target sees a 5×5 field (depth 1: two 3×3 convolutions and the
 * 1×1 head); on an image of four flat quadrants, LIME's four superpixels
 * are the quadrants and only the target's own one may matter. */
static void
test_lime (void)
{
  PlUnetConfig c;
  g_autoptr (PlUnet) unet = NULL;
  g_autoptr (PlExplainer) ex = NULL;
  float x[N * N], map[N * N];
  PlExplainTarget t = { .cls = 0, .region = PL_EXPLAIN_REGION_PIXEL, .y = 6, .x = 6 };
  const PlExplainMethod *lime = pl_explain_method_find ("lime");
  double params[PL_EXPLAIN_MAX_PARAMS], own, other = 0.0;
  g_autoptr (GError) error = NULL;

  small_config (&c, 1);
  c.depth = 1;
  unet = pl_unet_new (&c, 4);
  for (int i = 0; i < N * N; i++)
    x[i] = 1.0f + (i % N >= N / 2) + (i / N >= N / 2) * 2.0f;
  ex = pl_explainer_new (unet, x, N, N, &t, &error);
  g_assert_no_error (error);
  g_assert_true (pl_explain_method_parse (lime, "segments=4,samples=256", params, &error));
  g_assert_true (pl_explain_compute (ex, lime, params, map, NULL, NULL, &error));
  g_assert_no_error (error);
  own = fabs (map[6 * N + 6]);
  for (int y = 0; y < N; y++)
    for (int xx = 0; xx < N; xx++)
      if (y >= N / 2 || xx >= N / 2)
        other = MAX (other, fabs (map[y * N + xx]));
      else
        g_assert_cmpfloat (map[y * N + xx], ==, map[6 * N + 6]);
  g_test_message ("own superpixel %.4g, others at most %.4g", own, other);
  g_assert_cmpfloat (own, >, 10.0 * other);
}

/* Welch's test against values computed with scipy.stats.ttest_ind
 * (equal_var=False). */
/* Every SLIC superpixel is one 4-connected piece, numbered 0 … n − 1, on an
 * image (noise over stripes, a low compactness) where the k-means
 * clusters fall apart (61 superpixels from 25 seeds). */
static void
test_slic_connected (void)
{
  int H = 48, W = 56, n, pieces = 0;
  g_autofree float *img = g_new (float, H * W);
  g_autofree int *lab = g_new (int, H * W), *seen = NULL, *stack = g_new (int, H * W);
  PlRng rng;

  pl_rng_init (&rng, 3);
  for (int i = 0; i < H * W; i++)
    img[i] = ((i % W) / 3 % 2) + 0.8f * pl_rng_uniform (&rng);
  n = pl_explain_slic (img, H, W, 30, 0.3, lab);
  /* 25 seeds; the pieces they fell into are superpixels of their own */
  g_assert_cmpint (n, >=, 20);
  seen = g_new0 (int, n);
  for (int i = 0; i < H * W; i++)
    {
      g_assert_cmpint (lab[i], >=, 0);
      g_assert_cmpint (lab[i], <, n);
    }
  /* flood each piece; a label met in two pieces is a disconnected one */
  {
    g_autofree gboolean *done = g_new0 (gboolean, H * W);
    for (int s = 0; s < H * W; s++)
      {
        int top = 0;
        if (done[s])
          continue;
        pieces++;
        g_assert_cmpint (seen[lab[s]]++, ==, 0);
        done[s] = TRUE;
        stack[top++] = s;
        while (top)
          {
            int p = stack[--top], y = p / W, x = p % W;
            int nb[4] = { y > 0 ? p - W : -1, y < H - 1 ? p + W : -1,
                          x > 0 ? p - 1 : -1, x < W - 1 ? p + 1 : -1 };
            for (int d = 0; d < 4; d++)
              if (nb[d] >= 0 && !done[nb[d]] && lab[nb[d]] == lab[s])
                {
                  done[nb[d]] = TRUE;
                  stack[top++] = nb[d];
                }
          }
      }
  }
  g_assert_cmpint (pieces, ==, n);
  g_test_message ("%d superpixels, each connected", n);
}

static void
test_welch (void)
{
  const double a[] = { 0.6, 0.7, 0.8, 0.65, 0.9, 0.75, 0.7, 0.8, 0.85, 0.6 };
  const double b[] = { 0.5, 0.4, 0.55, 0.6, 0.45, 0.5, 0.35, 0.5, 0.6, 0.4, 0.3 };
  const double c[] = { 1.0, 2.0, 3.0 }, d[] = { 1.5, 2.5, 2.0, 2.2 };
  double t, df, p;

  p = pl_welch_t_test (a, 10, b, 11, &t, &df);
  g_assert_cmpfloat (fabs (t - 6.066609648376096), <, 1e-9);
  g_assert_cmpfloat (fabs (p - 8.547477605938972e-06) / 8.547477605938972e-06, <, 1e-6);
  p = pl_welch_t_test (c, 3, d, 4, &t, &df);
  g_assert_cmpfloat (fabs (t + 0.08137884587711565), <, 1e-9);
  g_assert_cmpfloat (fabs (p - 0.9411262064345737), <, 1e-9);
  p = pl_welch_t_test (c, 3, c, 3, &t, &df);
  g_assert_cmpfloat (p, ==, 1.0);
}

/* TCAV on a synthetic volume: a bright disc labelled as the concept. */
static void
test_tcav (Fixture *f, gconstpointer data)
{
  const gint64 dim[3] = { N, N, 6 };
  g_autoptr (PlVolume) v = pl_volume_new (dim, NULL, NULL);
  g_autoptr (PlLabels) lab = pl_labels_new (dim);
  PlModel *model = pl_model_new (pl_unet_copy (f->unet), 3, NULL, NULL);
  PlTcavConfig cfg = { PL_UNET_AT_BOTTLENECK, 0, 10, 40, 3 };
  PlTcavResult r;
  const gint64 eval[3] = { 1, 3, 5 };
  g_autoptr (GError) error = NULL;
  PlRng rng;

  pl_rng_init (&rng, 9);
  for (int k = 0; k < 6; k++)
    for (int y = 0; y < N; y++)
      for (int x = 0; x < N; x++)
        {
          gsize i = x + N * (y + N * (gsize) k);
          gboolean in = (x - 16) * (x - 16) + (y - 12) * (y - 12) < 40;
          v->data[i] = (in ? 0.9f : 0.2f) + 0.1f * pl_rng_uniform (&rng);
          lab->data[i] = in && k % 2 == 0 ? 5 : 0;
        }
  pl_volume_update_stats (v);
  model->norm_divisor = 1.0;
  model->axis = 2;
  /* The class the fixture's network predicts somewhere on these slices. */
  for (cfg.cls = 0; cfg.cls < 3; cfg.cls++)
    {
      g_clear_error (&error);
      if (pl_tcav_run (model, v, 2, lab, 5, eval, 3, &cfg, &r, NULL, &error))
        break;
    }
  g_assert_no_error (error);
  g_test_message ("class %d: TCAV %.3f ± %.3f, random %.3f ± %.3f, p %.3g, CAV accuracy %.3f, %d examples",
                  cfg.cls, r.score, r.score_sd, r.random_score, r.random_sd, r.p, r.cav_accuracy,
                  r.n_examples);
  g_assert_cmpint (r.n_examples, >, 0);
  g_assert_cmpint (r.n_slices, >, 0);
  g_assert_true (r.score >= 0.0 && r.score <= 1.0 && r.random_score >= 0.0 && r.random_score <= 1.0);
  g_assert_true (r.p >= 0.0 && r.p <= 1.0);
  /* The disc's activations are separable from random positions. */
  g_assert_cmpfloat (r.cav_accuracy, >, 0.8);
  cfg.n_random = 5;
  g_assert_false (pl_tcav_run (model, v, 2, lab, 5, eval, 3, &cfg, &r, NULL, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID);
  g_clear_error (&error);
  cfg.n_random = 10;
  g_assert_false (pl_tcav_run (model, v, 2, lab, 7, eval, 3, &cfg, &r, NULL, &error));
  g_assert_nonnull (strstr (error->message, "label 7"));
  pl_model_free (model);
}

typedef struct
{
  int n, trained;
  double last_grad;
} SanitySeen;

static void
on_sanity (const PlSanityResult *r, gpointer user_data)
{
  SanitySeen *s = user_data;
  s->n++;
  if (r->stage == 0)
    {
      s->trained++;
      g_assert_cmpfloat (r->sim.spearman, ==, 1.0);
      return;
    }
  g_assert_cmpfloat (fabs (r->sim.spearman), <=, 1.0 + 1e-9);
  g_assert_cmpfloat (r->sim.ssim, <=, 1.0 + 1e-9);
  if (r->stage == 1)
    g_assert_cmpstr (r->layer, ==, "head");
  else
    g_assert_cmpint (r->n_randomised, ==, 13);
}

static void
test_sanity_run (Fixture *f, gconstpointer data)
{
  const PlExplainMethod *ms[2] = { pl_explain_method_find ("grad"), pl_explain_method_find ("gradcam") };
  const int stages[2] = { 1, 13 };
  SanitySeen seen = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_true (pl_sanity_run (f->ex, f->unet, ms, NULL, 2, PL_SANITY_CASCADE, stages, 2, 1,
                                on_sanity, &seen, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (seen.n, ==, 6);
  g_assert_cmpint (seen.trained, ==, 2);
  /* Independent: every layer, one at a time. */
  seen.n = seen.trained = 0;
  g_assert_true (pl_sanity_run (f->ex, f->unet, ms, NULL, 1, PL_SANITY_INDEPENDENT, stages, 1, 1,
                                on_sanity, &seen, NULL, &error));
  g_assert_cmpint (seen.n, ==, 2);
}

int
main (int argc, char **argv)
{
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  path = g_test_build_filename (G_TEST_DIST, "fixtures", "explain-small.safetensors", NULL);
  fixture = pl_safetensors_load (path, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < G_N_ELEMENTS (torch_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/explain/torch/%s%s%s", torch_cases[i].method,
                                               torch_cases[i].settings ? "/" : "",
                                               torch_cases[i].settings ? torch_cases[i].settings : "");
      g_test_add (name, Fixture, &torch_cases[i], fixture_setup, test_torch, fixture_teardown);
    }
  g_test_add_data_func ("/explain/lrp/conservation", GINT_TO_POINTER (N), test_lrp_conservation);
  g_test_add_data_func ("/explain/lrp/conservation-large", GINT_TO_POINTER (96), test_lrp_conservation);
  g_test_add ("/explain/lrp/epsilon-limit", Fixture, NULL, fixture_setup, test_lrp_epsilon_limit,
              fixture_teardown);
  g_test_add ("/explain/ig/completeness", Fixture, NULL, fixture_setup, test_ig_completeness,
              fixture_teardown);
  g_test_add_func ("/explain/table", test_table);
  g_test_add ("/explain/targets", Fixture, NULL, fixture_setup, test_targets, fixture_teardown);
  g_test_add ("/explain/run", Fixture, NULL, fixture_setup, test_run, fixture_teardown);
  g_test_add ("/explain/sanity/layers", Fixture, NULL, fixture_setup, test_sanity_layers,
              fixture_teardown);
  g_test_add_func ("/explain/sanity/similarity", test_similarity);
  g_test_add_func ("/explain/lime", test_lime);
  g_test_add_func ("/explain/slic/connected", test_slic_connected);
  g_test_add_func ("/explain/tcav/welch", test_welch);
  g_test_add ("/explain/tcav/run", Fixture, NULL, fixture_setup, test_tcav, fixture_teardown);
  g_test_add ("/explain/perturbation", Fixture, NULL, fixture_setup, test_perturbation,
              fixture_teardown);
  g_test_add ("/explain/sanity/run", Fixture, NULL, fixture_setup, test_sanity_run, fixture_teardown);
  g_test_add ("/explain/faithfulness", Fixture, NULL, fixture_setup, test_faithfulness,
              fixture_teardown);
  ret = g_test_run ();
  pl_safetensors_free (fixture);
  return ret;
}
