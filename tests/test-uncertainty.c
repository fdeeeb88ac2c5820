/* Uncertainty maps, calibration, raters, error detection and the
 * estimators on small synthetic data. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "engine/core/rng.h"
#include "engine/nn/infer.h"
#include "engine/uncertainty/calibration.h"
#include "engine/uncertainty/ensemble.h"
#include "engine/uncertainty/error-detect.h"
#include "engine/uncertainty/estimate.h"
#include "engine/uncertainty/maps.h"
#include "engine/uncertainty/raters.h"
#include "tests/uncertainty-fixtures.h"

/* Random distributions over K classes, sharp or flat. */
static void
random_probs (PlRng *rng, int K, gsize n, gsize stride, float *p)
{
  for (gsize i = 0; i < n; i++)
    {
      double z[16], sum = 0.0, sharp = 0.2 + 5.0 * pl_rng_uniform (rng);
      for (int c = 0; c < K; c++)
        sum += z[c] = exp (sharp * pl_rng_normal (rng));
      for (int c = 0; c < K; c++)
        p[i + c * stride] = (float) (z[c] / sum);
    }
}

/* H[p̄] = E[H[p_t]] + MI, with MI computed independently as the mean
 * Kullback–Leibler divergence of the samples from their mean. */
static void
test_maps_decomposition (void)
{
  enum { T = 7, K = 4, N = 300 };
  g_autofree float *p = g_new (float, (gsize) T * K * N);
  g_autofree float *mean = g_new (float, K * N), *var = g_new (float, K * N);
  g_autofree float *block = g_new (float, PL_UMAP_N * N);
  g_autoptr (PlUncertaintyAccum) acc = pl_uncertainty_accum_new (K, N);
  float *maps[PL_UMAP_N];
  PlRng rng;

  pl_rng_init (&rng, 3);
  random_probs (&rng, K, (gsize) T * N, (gsize) T * N, p);
  for (int m = 0; m < PL_UMAP_N; m++)
    maps[m] = block + m * N;
  /* Sample t of point i is p[t·N + i] (class stride T·N). */
  for (int t = 0; t < T; t++)
    pl_uncertainty_accum_add (acc, p + (gsize) t * N, (gsize) T * N);
  pl_uncertainty_accum_finish (acc, mean, var, maps);
  for (int i = 0; i < N; i++)
    {
      double kl = 0.0, h = 0.0, eh = 0.0, v = 0.0;
      for (int c = 0; c < K; c++)
        {
          double m = 0.0, m2 = 0.0;
          for (int t = 0; t < T; t++)
            {
              double q = p[(gsize) t * N + i + (gsize) c * T * N];
              m += q / T;
              m2 += q * q / T;
            }
          h -= m * log (m);
          v += m2 - m * m;
          for (int t = 0; t < T; t++)
            {
              double q = p[(gsize) t * N + i + (gsize) c * T * N];
              kl += q * log (q / m) / T;
              eh -= q * log (q) / T;
            }
          g_assert_cmpfloat_with_epsilon (mean[c * N + i], m, 1e-6);
        }
      g_assert_cmpfloat_with_epsilon (maps[PL_UMAP_ENTROPY][i], h, 1e-6);
      g_assert_cmpfloat_with_epsilon (maps[PL_UMAP_EXPECTED_ENTROPY][i], eh, 1e-6);
      g_assert_cmpfloat_with_epsilon (maps[PL_UMAP_MUTUAL_INFO][i], kl, 1e-6);
      g_assert_cmpfloat_with_epsilon (maps[PL_UMAP_ENTROPY][i],
                                      maps[PL_UMAP_EXPECTED_ENTROPY][i] + maps[PL_UMAP_MUTUAL_INFO][i],
                                      1e-6);
      g_assert_cmpfloat_with_epsilon (maps[PL_UMAP_VARIANCE][i], v, 1e-6);
    }
  /* One sample: no epistemic part. */
  pl_uncertainty_accum_reset (acc, N);
  pl_uncertainty_accum_add (acc, p, (gsize) T * N);
  pl_uncertainty_accum_finish (acc, NULL, NULL, maps);
  for (int i = 0; i < N; i++)
    {
      g_assert_cmpfloat (maps[PL_UMAP_MUTUAL_INFO][i], ==, 0.0f);
      g_assert_cmpfloat (maps[PL_UMAP_VARIANCE][i], ==, 0.0f);
    }
  g_assert_cmpint (pl_uncertainty_map_from_name ("mi"), ==, PL_UMAP_MUTUAL_INFO);
  g_assert_cmpstr (pl_uncertainty_map_name (PL_UMAP_EXPECTED_ENTROPY), ==, "expected-entropy");
  g_assert_cmpint (pl_uncertainty_map_from_name ("nope"), ==, -1);
}

/* Two classes, confidence c for class 0 on n voxels of which a fraction a
 * are class 0. */
static void
fill_block (float *p, gint32 *truth, gsize n_total, gsize at, gsize n, float c, gsize n_right)
{
  for (gsize i = 0; i < n; i++)
    {
      p[at + i] = c;
      p[at + i + n_total] = 1.0f - c;
      truth[at + i] = i < n_right ? 0 : 1;
    }
}

static void
test_ece_closed_form (void)
{
  enum { N = 2000 };
  g_autofree float *p = g_new (float, 2 * N);
  g_autofree gint32 *truth = g_new (gint32, N);
  g_autoptr (PlReliability) rel = pl_reliability_new (PL_ECE_DEFAULT_BINS);
  gint64 count;
  double conf, acc;

  /* Calibrated: confidence 0.8 with exactly 80 % right, 0.6 with 60 %. */
  fill_block (p, truth, N, 0, 1000, 0.8f, 800);
  fill_block (p, truth, N, 1000, 1000, 0.6f, 600);
  pl_reliability_add (rel, p, 2, N, N, truth, NULL, 1.0);
  g_assert_cmpfloat_with_epsilon (pl_reliability_ece (rel), 0.0, 1e-6);
  g_assert_cmpint (pl_reliability_total (rel), ==, N);

  /* Miscalibrated: 0.9 confident and 70 % right on 1500 voxels, 0.55 and
   * 55 % on 500: ECE = 0.75 · 0.2 + 0.25 · 0 = 0.15. */
  pl_reliability_free (rel);
  rel = pl_reliability_new (PL_ECE_DEFAULT_BINS);
  fill_block (p, truth, N, 0, 1500, 0.9f, 1050);
  fill_block (p, truth, N, 1500, 500, 0.55f, 275);
  pl_reliability_add (rel, p, 2, N, N, truth, NULL, 1.0);
  g_assert_cmpfloat_with_epsilon (pl_reliability_ece (rel), 0.15, 1e-6);
  /* 0.9 lies in bin 13, (13/15, 14/15]; 0.55 in bin 8, (8/15, 9/15]. */
  pl_reliability_bin (rel, 13, NULL, NULL, &count, &conf, &acc);
  g_assert_cmpint (count, ==, 1500);
  g_assert_cmpfloat_with_epsilon (conf, 0.9, 1e-6);
  g_assert_cmpfloat_with_epsilon (acc, 0.7, 1e-9);
  pl_reliability_bin (rel, 8, NULL, NULL, &count, NULL, NULL);
  g_assert_cmpint (count, ==, 500);
  pl_reliability_bin (rel, 0, NULL, NULL, &count, &conf, NULL);
  g_assert_cmpint (count, ==, 0);
  g_assert_true (isnan (conf));
  g_assert_cmpfloat_with_epsilon (pl_reliability_accuracy (rel), 1325.0 / 2000.0, 1e-12);

  /* The mask and truth −1 leave voxels out: only the 0.6 block. */
  {
    g_autofree guint8 *mask = g_new0 (guint8, N);
    g_autoptr (PlReliability) r2 = pl_reliability_new (PL_ECE_DEFAULT_BINS);
    memset (mask + 1500, 1, 500);
    truth[1600] = -1;
    pl_reliability_add (r2, p, 2, N, N, truth, mask, 1.0);
    g_assert_cmpint (pl_reliability_total (r2), ==, 499);
  }
}

/* Truth drawn from softmax(z); the predictor says softmax(z / 0.5): ECE of
 * the true probabilities ≈ 0, the fitted temperature ≈ 2 undoes the
 * over-confidence. */
static void
test_ece_random_and_temperature (void)
{
  enum { N = 40000, K = 3 };
  g_autofree float *truep = g_new (float, K * N), *pred = g_new (float, K * N);
  g_autofree gint32 *truth = g_new (gint32, N);
  g_autoptr (PlReliability) r_true = pl_reliability_new (15);
  g_autoptr (PlReliability) r_pred = pl_reliability_new (15);
  g_autoptr (PlReliability) r_fix = pl_reliability_new (15);
  PlRng rng;
  double T;

  pl_rng_init (&rng, 11);
  for (int i = 0; i < N; i++)
    {
      double z[K], s1 = 0.0, s2 = 0.0, u = pl_rng_uniform_double (&rng), cum = 0.0;
      for (int c = 0; c < K; c++)
        z[c] = 1.5 * pl_rng_normal (&rng);
      for (int c = 0; c < K; c++)
        {
          s1 += exp (z[c]);
          s2 += exp (2.0 * z[c]);
        }
      truth[i] = K - 1;
      for (int c = 0; c < K; c++)
        {
          truep[c * N + i] = (float) (exp (z[c]) / s1);
          pred[c * N + i] = (float) (exp (2.0 * z[c]) / s2);
        }
      for (int c = 0; c < K; c++)
        {
          cum += truep[c * N + i];
          if (u < cum)
            {
              truth[i] = c;
              break;
            }
        }
    }
  pl_reliability_add (r_true, truep, K, N, N, truth, NULL, 1.0);
  pl_reliability_add (r_pred, pred, K, N, N, truth, NULL, 1.0);
  g_assert_cmpfloat (pl_reliability_ece (r_true), <, 0.015);
  g_assert_cmpfloat (pl_reliability_ece (r_pred), >, 0.05);
  T = pl_temperature_fit (pred, K, N, N, truth, NULL);
  g_assert_cmpfloat (fabs (T - 2.0), <, 0.1);
  g_assert_cmpfloat (pl_temperature_nll (pred, K, N, N, truth, NULL, T), <,
                     pl_temperature_nll (pred, K, N, N, truth, NULL, 1.0));
  pl_reliability_add (r_fix, pred, K, N, N, truth, NULL, T);
  g_assert_cmpfloat (pl_reliability_ece (r_fix), <, 0.015);
}

/* Hand-computed (docs/uncertainty.md repeats it): samples S1 = {1,1,0,0},
 * S2 = {1,0,0,0}, raters Y1 = {1,1,0,0}, Y2 = {} (empty), label 1.
 * d(S1,Y1) = 0, d(S1,Y2) = 1, d(S2,Y1) = 1/2, d(S2,Y2) = 1: E[d(S,Y)] =
 * 5/8; E[d(S,S′)] = (0 + 1/2 + 1/2 + 0)/4 = 1/4; E[d(Y,Y′)] = 2/4 = 1/2;
 * D² = 5/4 − 1/4 − 1/2 = 1/2. */
static void
test_ged_hand (void)
{
  static const guint16 s1[4] = { 1, 1, 0, 0 }, s2[4] = { 1, 0, 0, 0 };
  static const guint16 y1[4] = { 1, 1, 0, 0 }, y2[4] = { 0, 0, 0, 0 };
  const guint16 *S[2] = { s1, s2 }, *Y[2] = { y1, y2 };
  guint16 one = 1, both[2] = { 1, 2 };
  PlGed g;

  g_assert_cmpfloat (pl_seg_distance (y2, y2, 4, &one, 1), ==, 0.0);
  g_assert_cmpfloat (pl_seg_distance (s1, y2, 4, &one, 1), ==, 1.0);
  pl_ged (S, 2, Y, 2, 4, &one, 1, &g);
  g_assert_cmpfloat_with_epsilon (g.d_sy, 0.625, 1e-12);
  g_assert_cmpfloat_with_epsilon (g.d_ss, 0.25, 1e-12);
  g_assert_cmpfloat_with_epsilon (g.d_yy, 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (g.ged2, 0.5, 1e-12);
  /* Two labels, 2 absent from all: its d is 0, the mean halves. */
  g_assert_cmpfloat_with_epsilon (pl_seg_distance (s2, y1, 4, both, 2), 0.25, 1e-12);
  /* Identical sets: D² = 0. */
  pl_ged (Y, 2, Y, 2, 4, &one, 1, &g);
  g_assert_cmpfloat_with_epsilon (g.ged2, 0.0, 1e-12);
}

static void
test_rater_disagreement (void)
{
  static const guint16 a[4] = { 1, 1, 2, 0 }, b[4] = { 1, 2, 2, 3 }, c[4] = { 1, 2, 3, 4 };
  const guint16 *R[3] = { a, b, c };
  float out[4];

  pl_rater_disagreement (R, 3, 4, out);
  g_assert_cmpfloat_with_epsilon (out[0], 0.0, 1e-7);
  g_assert_cmpfloat_with_epsilon (out[1], 1.0 / 3, 1e-7);
  g_assert_cmpfloat_with_epsilon (out[2], 1.0 / 3, 1e-7);
  g_assert_cmpfloat_with_epsilon (out[3], 2.0 / 3, 1e-7);
}

static void
test_auroc (void)
{
  static const float s[5] = { 0.1f, 0.4f, 0.35f, 0.8f, 0.9f };
  static const guint8 wrong[5] = { 0, 0, 1, 1, 0 }, mask[5] = { 1, 1, 1, 1, 0 };
  static const float flat[4] = { 1, 1, 1, 1 };
  static const guint8 w2[4] = { 1, 0, 1, 0 }, none[4] = { 0 };

  /* 0.35 beats 0.1, loses to 0.4; 0.8 beats both: 3/4. */
  g_assert_cmpfloat_with_epsilon (pl_auroc (s, wrong, mask, 5), 0.75, 1e-12);
  g_assert_cmpfloat_with_epsilon (pl_auroc (flat, w2, NULL, 4), 0.5, 1e-12);
  g_assert_true (isnan (pl_auroc (flat, none, NULL, 4)));
}

static void
test_slices (void)
{
  gint64 dim[3] = { 2, 2, 4 };
  float map[16];
  double means[4];
  gint64 painted[4] = { 0, 5, 0, 0 };
  guint8 exclude[4] = { 0, 0, 0, 1 };
  guint16 pred[16] = { 0 }, truth[16] = { 0 }, vals[2] = { 1, 2 };

  for (int i = 0; i < 16; i++)
    map[i] = (float) (i / 4) * (i / 4 == 1 ? 10.0f : 1.0f) + 0.25f * (i % 4);
  pl_uncertainty_slice_means (map, dim, 2, NULL, means);
  g_assert_cmpfloat_with_epsilon (means[0], 0.375, 1e-9);
  g_assert_cmpfloat_with_epsilon (means[1], 10.375, 1e-9);
  /* Slice 1 is painted, 3 excluded: 2 is next. */
  g_assert_cmpint (pl_uncertainty_next_slice (means, 4, painted, exclude), ==, 2);
  g_assert_cmpint (pl_uncertainty_next_slice (means, 4, NULL, NULL), ==, 1);
  painted[0] = painted[2] = 1;
  g_assert_cmpint (pl_uncertainty_next_slice (means, 4, painted, exclude), ==, -1);

  /* Slice 0: pred {1,1,2,0}, truth {1,2,2,0}: Dice 1: 2/3, 2: 2/3. */
  pred[0] = pred[1] = 1;
  pred[2] = 2;
  truth[0] = 1;
  truth[1] = truth[2] = 2;
  g_assert_cmpfloat_with_epsilon (pl_slice_dice (pred, truth, dim, 2, 0, vals, 2), 2.0 / 3, 1e-12);
  g_assert_true (isnan (pl_slice_dice (pred, truth, dim, 2, 3, vals, 2)));
}

/* --- estimators on a tiny UNet and a 20×24×5 phantom ------------------- */

static double
map_sum (const PlUncertaintyResult *r, PlUncertaintyMap m)
{
  double s = 0.0;
  for (gsize i = 0; i < r->n_voxels; i++)
    s += r->maps[m][i];
  return s;
}

static void
check_decomposition (const PlUncertaintyResult *r)
{
  for (gsize i = 0; i < r->n_voxels; i++)
    g_assert_cmpfloat (fabs (r->maps[PL_UMAP_ENTROPY][i] - r->maps[PL_UMAP_EXPECTED_ENTROPY][i]
                             - r->maps[PL_UMAP_MUTUAL_INFO][i]), <, 1e-5);
}

static void
test_estimate_ensemble (void)
{
  g_autoptr (PlVolume) v = phantom ();
  PlModel *m[3] = { tiny_model (1), tiny_model (2), tiny_model (3) };
  g_autoptr (PlUncertaintyResult) a = estimate (PL_ESTIMATOR_ENSEMBLE, 0, 0, m, 3, v);
  g_autoptr (PlUncertaintyResult) b = estimate (PL_ESTIMATOR_ENSEMBLE, 0, 9, m, 3, v);
  g_autofree float *p0 = g_new (float, 3 * a->n_voxels);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (a->n_samples, ==, 3);
  /* Deterministic (the seed plays no part in an ensemble). */
  g_assert_true (same_maps (a, b));
  g_assert_cmpfloat (map_sum (a, PL_UMAP_MUTUAL_INFO), >, 0.0);
  check_decomposition (a);
  /* Sample 0 is member 0's prediction. */
  g_assert_true (pl_model_predict_volume (m[0], v, 2, p0, NULL, NULL, &error));
  for (gsize i = 0; i < a->n_voxels; i++)
    {
      int best = 0;
      for (int c = 1; c < 3; c++)
        if (p0[c * a->n_voxels + i] > p0[best * a->n_voxels + i])
          best = c;
      g_assert_cmpint (a->samples[i], ==, best);
    }
  for (int i = 0; i < 3; i++)
    pl_model_free (m[i]);
}

static void
test_estimate_tta (void)
{
  g_autoptr (PlVolume) v = phantom ();
  g_autoptr (PlModel) m = tiny_model (4);
  g_autoptr (PlUncertaintyResult) a = estimate (PL_ESTIMATOR_TTA, 5, 7, &m, 1, v);
  g_autoptr (PlUncertaintyResult) b = estimate (PL_ESTIMATOR_TTA, 5, 7, &m, 1, v);
  g_autoptr (PlUncertaintyResult) c = estimate (PL_ESTIMATOR_TTA, 5, 8, &m, 1, v);

  g_assert_true (same_maps (a, b));
  g_assert_false (same_maps (a, c));
  g_assert_cmpfloat (map_sum (a, PL_UMAP_MUTUAL_INFO), >, 0.0);
  check_decomposition (a);
}

/* TTA of an ensemble: each member on each transformed copy, so the mean is
 * the average of the members' own TTA means (same seed, same copies). */
static void
test_estimate_tta_ensemble (void)
{
  g_autoptr (PlVolume) v = phantom ();
  PlModel *m[2] = { tiny_model (4), tiny_model (5) };
  g_autoptr (PlUncertaintyResult) both = estimate (PL_ESTIMATOR_TTA, 3, 7, m, 2, v);
  g_autoptr (PlUncertaintyResult) a = estimate (PL_ESTIMATOR_TTA, 3, 7, &m[0], 1, v);
  g_autoptr (PlUncertaintyResult) b = estimate (PL_ESTIMATOR_TTA, 3, 7, &m[1], 1, v);
  double worst = 0.0;

  g_assert_cmpint (both->n_samples, ==, 6);
  g_assert_cmpint (a->n_samples, ==, 3);
  for (gsize i = 0; i < 3 * both->n_voxels; i++)
    worst = fmax (worst, fabs (both->mean[i] - 0.5 * (a->mean[i] + b->mean[i])));
  g_assert_cmpfloat (worst, <, 1e-5);
  /* MI(both) = H(mean) − ½ (E_a + E_b) ≥ ½ (MI_a + MI_b), since the entropy
   * is concave; strictly when the members disagree */
  g_assert_cmpfloat (map_sum (both, PL_UMAP_MUTUAL_INFO), >,
                     0.5 * (map_sum (a, PL_UMAP_MUTUAL_INFO) + map_sum (b, PL_UMAP_MUTUAL_INFO)) + 1e-3);
  check_decomposition (both);
  for (int i = 0; i < 2; i++)
    pl_model_free (m[i]);
}

static void
test_tta_inverse (void)
{
  enum { H = 12, W = 15 };
  float src[H * W], fwd[H * W], back[H * W];
  PlTtaTransform t = { TRUE, TRUE, 0.0f, 1.0f, 0.0f };

  for (int i = 0; i < H * W; i++)
    src[i] = (float) ((i * 37) % 11);
  /* Flips are exact both ways. */
  pl_tta_apply (&t, src, H, W, FALSE, fwd);
  g_assert_cmpfloat (fwd[0], ==, src[H * W - 1]);
  pl_tta_apply (&t, fwd, H, W, TRUE, back);
  g_assert_cmpmem (back, sizeof back, src, sizeof src);
  /* A rotation and its inverse: a smooth image comes back in the middle. */
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      src[y * W + x] = 0.3f * y + 0.2f * x;
  t.flip_h = FALSE;
  t.angle = 0.1f;
  pl_tta_apply (&t, src, H, W, FALSE, fwd);
  pl_tta_apply (&t, fwd, H, W, TRUE, back);
  for (int y = 4; y < H - 4; y++)
    for (int x = 4; x < W - 4; x++)
      g_assert_cmpfloat (fabs (back[y * W + x] - src[y * W + x]), <, 1e-4);
}

static void
test_estimate_mc_softmax (void)
{
  g_autoptr (PlVolume) v = phantom ();
  g_autoptr (PlModel) m = tiny_model (5);
  g_autoptr (PlUncertaintyResult) mc = estimate (PL_ESTIMATOR_MC, 6, 3, &m, 1, v);
  g_autoptr (PlUncertaintyResult) sm = estimate (PL_ESTIMATOR_SOFTMAX, 0, 0, &m, 1, v);
  gsize n = mc->n_voxels;
  g_autofree float *mean = g_new (float, 3 * n), *ent = g_new (float, n), *p = g_new (float, 3 * n);
  g_autoptr (GError) error = NULL;

  /* The same masks as the engine's MC dropout for the same seed. */
  g_assert_true (pl_model_predict_volume_mc (m, v, 2, 6, 3, mean, NULL, ent, NULL, NULL, &error));
  for (gsize i = 0; i < 3 * n; i++)
    g_assert_cmpfloat (fabs (mean[i] - mc->mean[i]), <, 1e-5);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpfloat (fabs (ent[i] - mc->maps[PL_UMAP_ENTROPY][i]), <, 1e-4);
  check_decomposition (mc);
  g_assert_cmpfloat (map_sum (mc, PL_UMAP_MUTUAL_INFO), >, 0.0);
  /* Softmax: one sample, the plain prediction, no epistemic part. */
  g_assert_true (pl_model_predict_volume (m, v, 2, p, NULL, NULL, &error));
  g_assert_cmpmem (sm->mean, 3 * n * sizeof (float), p, 3 * n * sizeof (float));
  g_assert_cmpfloat (map_sum (sm, PL_UMAP_MUTUAL_INFO), ==, 0.0);
  g_assert_cmpfloat (map_sum (sm, PL_UMAP_VARIANCE), ==, 0.0);
  g_assert_cmpfloat (map_sum (sm, PL_UMAP_ENTROPY), >, 0.0);
  /* Slice means agree with the map. */
  {
    double s = 0.0;
    for (gsize i = 0; i < (gsize) 21 * 24; i++)
      s += mc->maps[PL_UMAP_ENTROPY][2 * 21 * 24 + i];
    g_assert_cmpfloat_with_epsilon (mc->slice_means[PL_UMAP_ENTROPY][2], s / (21 * 24), 1e-5);
  }
}

static gboolean
cancel_at_once (double f, const char *msg, gpointer data)
{
  return f < 0.3;
}

static void
test_estimate_errors (void)
{
  g_autoptr (PlVolume) v = phantom ();
  g_autoptr (PlModel) m = tiny_model (6);
  PlUncertaintySettings s;
  PlProgress progress = { cancel_at_once, NULL, NULL };
  g_autoptr (GError) error = NULL;
  PlUncertaintyResult *r;

  pl_uncertainty_settings_init (&s);
  s.batch = 1;
  s.mc_passes = 2;
  r = pl_uncertainty_estimate (&s, &m, 1, v, &progress, &error);
  g_assert_null (r);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  s.estimator = PL_ESTIMATOR_ENSEMBLE;
  r = pl_uncertainty_estimate (&s, &m, 1, v, NULL, &error);
  g_assert_null (r);
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID);
  g_clear_error (&error);
  s.estimator = PL_ESTIMATOR_MC;
  s.mc_passes = 0;
  g_assert_false (pl_uncertainty_settings_check (&s, &error));
  g_assert_nonnull (strstr (error->message, "passes"));
}

static gboolean
same_params (PlModel *a, PlModel *b)
{
  return pl_unet_n_params (a->unet) == pl_unet_n_params (b->unet)
         && memcmp (pl_unet_params (a->unet), pl_unet_params (b->unet),
                    pl_unet_n_params (a->unet) * sizeof (float)) == 0;
}

static void
test_ensemble_file (void)
{
  PlModel *m[3] = { tiny_model (1), tiny_model (2), tiny_model (3) };
  g_autofree char *dir = g_dir_make_tmp ("pl-ens-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "ens.safetensors", NULL);
  g_autofree char *single = g_build_filename (dir, "one.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (PlModel) first = NULL;
  PlModel **back;
  int n = 0;

  pl_model_set_training (m[1], "{\"seed\":2}");
  g_assert_true (pl_model_save_ensemble (m, 3, path, &error));
  g_assert_no_error (error);
  back = pl_model_load_ensemble (path, &n, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 3);
  for (int i = 0; i < 3; i++)
    g_assert_true (same_params (back[i], m[i]));
  g_assert_null (back[3]);
  g_assert_cmpstr (back[1]->training, ==, "{\"seed\":2}");
  g_assert_cmpint (back[2]->axis, ==, 2);
  pl_model_ensemble_free (back);
  /* A reader of single models gets member 0. */
  first = pl_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_true (same_params (first, m[0]));
  /* A single model is an ensemble of one. */
  g_assert_true (pl_model_save (m[2], single, &error));
  back = pl_model_load_ensemble (single, &n, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 1);
  g_assert_true (same_params (back[0], m[2]));
  pl_model_ensemble_free (back);
  /* Members must match. */
  m[1]->norm_divisor = 7.0;
  g_assert_false (pl_model_save_ensemble (m, 3, path, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID);
  g_remove (path);
  g_remove (single);
  g_rmdir (dir);
  for (int i = 0; i < 3; i++)
    pl_model_free (m[i]);
}

static PlModel **
train_tiny_ensemble (const PlVolume *v, const PlLabels *lab, gboolean bootstrap, GError **error)
{
  PlTrainConfig cfg;
  PlLabelProvider provider;
  g_autoptr (PlModel) shape = tiny_model (0);
  guint16 values[3] = { 1, 2, 3 };

  pl_train_config_init (&cfg);
  cfg.net = *pl_unet_get_config (shape->unet);
  cfg.batch = 2;
  cfg.axis = 2;
  cfg.seed = 4;
  cfg.n_classes = 3;
  cfg.class_values = values;
  pl_label_provider_init_static (&provider, lab);
  return pl_ensemble_train (&cfg, 3, 0, 3, bootstrap, NULL, NULL, v, &provider, NULL, error);
}

static void
test_ensemble_train (void)
{
  g_autoptr (PlVolume) v = phantom ();
  g_autoptr (PlLabels) lab = pl_labels_new (v->dim);
  g_autoptr (GError) error = NULL;
  PlModel **a, **b, **c;

  /* Four painted slices of the phantom: 1 outside, 2 ring, 3 disc. */
  for (gint64 z = 0; z < 4; z++)
    for (gsize i = 0; i < (gsize) 21 * 24; i++)
      {
        float x = v->data[z * 21 * 24 + i];
        lab->data[z * 21 * 24 + i] = x > 60 ? 3 : x > 20 ? 2 : 1;
      }
  a = train_tiny_ensemble (v, lab, FALSE, &error);
  g_assert_no_error (error);
  b = train_tiny_ensemble (v, lab, FALSE, &error);
  c = train_tiny_ensemble (v, lab, TRUE, &error);
  g_assert_no_error (error);
  for (int m = 0; m < 3; m++)
    g_assert_true (same_params (a[m], b[m]));
  /* Member 0's draw (seed 4) happens to hold all four slices; those of
   * members 1 and 2 leave one or two out. */
  g_assert_true (same_params (a[0], c[0]));
  g_assert_false (same_params (a[1], c[1]));
  g_assert_false (same_params (a[2], c[2]));
  g_assert_false (same_params (a[0], a[1]));
  g_assert_nonnull (strstr (a[1]->training, "\"seed\":5"));
  g_assert_null (a[3]);
  pl_model_ensemble_free (a);
  pl_model_ensemble_free (b);
  pl_model_ensemble_free (c);
}

/* Bootstrap draws are over the slices the trainer trains on: the held-out
 * slice is never drawn and never hidden, so no member is left with nothing
 * but the slice it is scored on; unlabelled slices stay visible. */
static void
fake_count (gpointer user_data, int axis, gint64 *counts)
{
  const guint8 *painted = user_data;
  for (gint64 s = 0; s < 12; s++)
    counts[s] = painted[s] ? 100 : 0;
}

static void
test_bootstrap_holdout (void)
{
  static const guint8 painted[12] = { 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0 };
  g_autoptr (PlVolume) v = pl_volume_new ((const gint64[3]) { 8, 8, 12 }, (const double[3]) { 1, 1, 1 }, NULL);
  PlLabelProvider inner = { fake_count, NULL, (gpointer) painted }, out;
  int dropped_holdout = 0, max_kept = 0;

  for (guint64 seed = 0; seed < 300; seed++)
    {
      PlTrainConfig cfg;
      PlBootstrapLabels b;
      gint64 counts[12];
      int kept = 0;

      pl_train_config_init (&cfg);
      cfg.axis = 2;
      cfg.seed = seed;
      cfg.holdout_slice = 6;
      pl_bootstrap_labels_init (&b, &inner, &cfg, v, &out);
      out.count_slices (out.user_data, 2, counts);
      for (gint64 s = 0; s < 12; s++)
        {
          g_assert_true (b.keep[s] || painted[s]);   /* unlabelled: kept */
          if (painted[s] && s != 6 && counts[s] > 0)
            kept++;
        }
      dropped_holdout += counts[6] == 0;
      g_assert_cmpint (kept, >=, 1);
      max_kept = MAX (max_kept, kept);
      pl_bootstrap_labels_clear (&b);
    }
  g_assert_cmpint (dropped_holdout, ==, 0);
  g_assert_cmpint (max_kept, ==, 3);   /* some draws keep every training slice */
}

/* --- TTA with sided labels ---------------------------------------------- */

/* v flipped along voxel axes 0 (fx) and/or 1 (fy). */
static PlVolume *
flip_volume (const PlVolume *v, gboolean fx, gboolean fy)
{
  PlVolume *f = pl_volume_copy (v);
  gint64 X = v->dim[0], Y = v->dim[1];
  for (gint64 z = 0; z < v->dim[2]; z++)
    for (gint64 y = 0; y < Y; y++)
      for (gint64 x = 0; x < X; x++)
        f->data[(z * Y + y) * X + x] = v->data[(z * Y + (fy ? Y - 1 - y : y)) * X + (fx ? X - 1 - x : x)];
  pl_volume_update_stats (f);
  return f;
}

/* The TTA mean of identity + one flip equals the average of the model's
 * prediction and of its prediction of the flipped volume flipped back, with
 * classes swapped (perm) when the flip crosses the sides. */
static void
check_tta_flip (PlModel *m, const PlVolume *v, gboolean fx, gboolean fy, const int *perm)
{
  PlUncertaintySettings s;
  g_autoptr (GError) error = NULL;
  g_autoptr (PlUncertaintyResult) r = NULL;
  g_autoptr (PlVolume) vf = flip_volume (v, fx, fy);
  gsize n = pl_volume_n_voxels (v);
  int K = m->n_classes;
  g_autofree float *p = g_new (float, K * n), *pf = g_new (float, K * n);
  gint64 X = v->dim[0], Y = v->dim[1];
  double worst = 0.0;

  pl_uncertainty_settings_init (&s);
  s.estimator = PL_ESTIMATOR_TTA;
  s.tta_samples = 2;
  s.tta_flip_p = 1.0f;          /* sample 1 flips both in-plane axes … */
  s.tta_max_rotation = 0.0f;    /* … and nothing else */
  s.tta_intensity = 0.0f;
  s.batch = 2;
  r = pl_uncertainty_estimate (&s, &m, 1, v, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (pl_model_predict_volume (m, v, 2, p, NULL, NULL, &error));
  g_assert_true (pl_model_predict_volume (m, vf, 2, pf, NULL, NULL, &error));
  for (int c = 0; c < K; c++)
    for (gint64 z = 0; z < v->dim[2]; z++)
      for (gint64 y = 0; y < Y; y++)
        for (gint64 x = 0; x < X; x++)
          {
            gsize i = (z * Y + y) * X + x;
            gsize j = (z * Y + (fy ? Y - 1 - y : y)) * X + (fx ? X - 1 - x : x);
            double want = 0.5 * (p[c * n + i] + pf[perm[c] * n + j]);
            worst = fmax (worst, fabs (r->mean[c * n + i] - want));
          }
  g_assert_cmpfloat (worst, <, 1e-5);
}

static void
test_tta_sides (void)
{
  /* Even sizes: the crop is the slice, so a flip of the window is a flip
   * of the slice.  Voxel axis 0 points left-right (no affine: RAS). */
  gint64 dim[3] = { 16, 20, 3 };
  g_autoptr (PlVolume) v = pl_volume_new (dim, NULL, NULL);
  guint16 values[3] = { 1, 2, 3 };
  const char *sided[3] = { "Background", "Left-Putamen", "Right-Putamen" };
  const char *unpaired[3] = { "Background", "Left-Putamen", "Thalamus" };
  const int swap[3] = { 0, 2, 1 }, same[3] = { 0, 1, 2 };
  PlUnetConfig cfg;
  PlModel *m;
  PlRng rng;

  pl_rng_init (&rng, 11);
  for (gsize i = 0; i < pl_volume_n_voxels (v); i++)
    v->data[i] = (float) (100.0 * pl_rng_uniform (&rng));
  pl_volume_update_stats (v);
  pl_unet_config_ref (&cfg);
  cfg.depth = 2;
  cfg.channels[0] = 4;
  cfg.channels[1] = 8;
  cfg.n_classes = 3;
  cfg.dropout_p = 0.0f;

  /* Paired sides: the flip across them swaps Left and Right back. */
  m = pl_model_new (pl_unet_new (&cfg, 6), 3, values, sided);
  m->axis = 2;
  m->norm_divisor = 100.0;
  check_tta_flip (m, v, TRUE, TRUE, swap);
  pl_model_free (m);

  /* No sided class: the flip leaves the classes alone. */
  m = pl_model_new (pl_unet_new (&cfg, 6), 3, values, NULL);
  m->axis = 2;
  m->norm_divisor = 100.0;
  check_tta_flip (m, v, TRUE, TRUE, same);
  pl_model_free (m);

  /* A sided class without a pair: no flip across the sides (as training),
   * the other in-plane flip stays. */
  m = pl_model_new (pl_unet_new (&cfg, 6), 3, values, unpaired);
  m->axis = 2;
  m->norm_divisor = 100.0;
  check_tta_flip (m, v, FALSE, TRUE, same);
  pl_model_free (m);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/uncertainty/maps/decomposition", test_maps_decomposition);
  g_test_add_func ("/uncertainty/ensemble/bootstrap-holdout", test_bootstrap_holdout);
  g_test_add_func ("/uncertainty/calibration/closed-form", test_ece_closed_form);
  g_test_add_func ("/uncertainty/calibration/temperature", test_ece_random_and_temperature);
  g_test_add_func ("/uncertainty/raters/ged", test_ged_hand);
  g_test_add_func ("/uncertainty/raters/disagreement", test_rater_disagreement);
  g_test_add_func ("/uncertainty/errors/auroc", test_auroc);
  g_test_add_func ("/uncertainty/slices", test_slices);
  g_test_add_func ("/uncertainty/estimate/ensemble", test_estimate_ensemble);
  g_test_add_func ("/uncertainty/estimate/tta", test_estimate_tta);
  g_test_add_func ("/uncertainty/estimate/tta-ensemble", test_estimate_tta_ensemble);
  g_test_add_func ("/uncertainty/estimate/tta-inverse", test_tta_inverse);
  g_test_add_func ("/uncertainty/estimate/tta-sides", test_tta_sides);
  g_test_add_func ("/uncertainty/estimate/mc-softmax", test_estimate_mc_softmax);
  g_test_add_func ("/uncertainty/estimate/errors", test_estimate_errors);
  g_test_add_func ("/uncertainty/ensemble/file", test_ensemble_file);
  g_test_add_func ("/uncertainty/ensemble/train", test_ensemble_train);
  return g_test_run ();
}
