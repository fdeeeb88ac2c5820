/* 2.5-D input and the left–right position channel (slice-input.h): the
 * neighbours a slice brings, repeated at the volume's ends, in training,
 * prediction and the model file; the position channel's values and
 * orientation; gradients of a network with these inputs; and training,
 * every method and the uncertainty estimators on such a network. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "engine/core/gemm.h"
#include "engine/core/rng.h"
#include "engine/data/dataset.h"
#include "engine/methods/methods.h"
#include "engine/ops/ops.h"
#include "engine/nn/infer.h"
#include "engine/nn/slice-input.h"
#include "engine/nn/train.h"
#include "engine/uncertainty/estimate.h"
#include "test-sanitizer.h"

#define DX 20
#define DY 16
#define DZ 6

/* Every slice k its own pattern: 10 (k + 1) + i − j / 2, a bright disc
 * (label 2) in a dim square (label 1). */
static PlVolume *
make_volume (PlLabels *truth)
{
  const gint64 dim[3] = { DX, DY, DZ };
  PlVolume *v = pl_volume_new (dim, NULL, NULL);

  for (int k = 0; k < DZ; k++)
    for (int j = 0; j < DY; j++)
      for (int i = 0; i < DX; i++)
        {
          gsize at = i + DX * (j + (gsize) DY * k);
          gboolean disc = hypot (i - 9.5, j - 7.5) < 3.0 + 0.5 * k;
          v->data[at] = 10.0f * (k + 1) + i - 0.5f * j + (disc ? 100.0f : 0.0f);
          if (truth)
            truth->data[at] = disc ? 2 : 1;
        }
  pl_volume_update_stats (v);
  return v;
}

static void
small_net (PlUnetConfig *c, int in_channels)
{
  pl_unet_config_small (c);
  c->depth = 2;
  c->channels[0] = 4;
  c->channels[1] = 8;
  c->channels[2] = 0;
  c->channels[3] = 0;
  c->dropout_p = 0.2f;
  c->n_classes = 2;
  c->in_channels = in_channels;
}

static PlModel *
make_model (int context, gboolean coords)
{
  PlUnetConfig c;
  PlModel *m;

  small_net (&c, context + (coords ? 1 : 0));
  m = pl_model_new (pl_unet_new (&c, 3), 2, (const guint16[]) { 1, 2 }, NULL);
  m->axis = 2;
  m->context = context;
  m->coords = coords;
  m->norm_divisor = 100.0;
  return m;
}

/* dst (wh, ww) ← normalised slice z in the window, as the model sees it. */
static void
expected_slice (const PlModel *m, const PlVolume *v, gint64 z, int oy, int ox, int wh, int ww, float *dst)
{
  g_autofree float *s = g_new (float, DX * DY);
  pl_volume_get_slice (v, 2, z, s);
  pl_model_normalise (m, s, DX * DY, s);
  pl_window_extract_f32 (s, DX, DY, oy, ox, wh, ww, 0.0f, dst);
}

/* The channels of a slice at each end and in the middle: the slices
 * around it, the end slice where the volume ends, then the position. */
static void
test_neighbours (void)
{
  g_autoptr (PlVolume) v = make_volume (NULL);
  g_autoptr (PlModel) m = make_model (3, TRUE);
  int wh, ww, oy, ox;
  gsize plane;
  g_autofree float *slice = g_new (float, DX * DY), *x = NULL, *want = NULL;
  static const gint64 cases[][4] = { { 0, 0, 0, 1 }, { 3, 2, 3, 4 }, { DZ - 1, DZ - 2, DZ - 1, DZ - 1 } };

  g_assert_cmpint (pl_model_input_channels (m), ==, 4);
  /* padded to 32 × 16 with the slice in the middle: offsets negative */
  pl_fit_window (DX, DY, 16, PL_FIT_PAD, &wh, &ww, &oy, &ox);
  g_assert_cmpint (wh, ==, 32);
  plane = (gsize) wh * ww;
  x = g_new (float, 4 * plane);
  want = g_new (float, plane);
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      pl_model_slice_input (m, v, cases[c][0], oy, ox, wh, ww, slice, x);
      for (int j = 0; j < 3; j++)
        {
          expected_slice (m, v, cases[c][1 + j], oy, ox, wh, ww, want);
          g_assert_cmpmem (x + j * plane, plane * sizeof (float), want, plane * sizeof (float));
        }
      /* RAS: i (H here) runs towards R; the voxel centres span (−1, 1) */
      for (int y = 0; y < wh; y++)
        for (int xx = 0; xx < ww; xx++)
          g_assert_cmpfloat_with_epsilon (x[3 * plane + (gsize) y * ww + xx],
                                          (2.0 * (y + oy) + 1.0) / DX - 1.0, 1e-6);
    }
  g_assert_cmpfloat_with_epsilon (x[3 * plane + (gsize) (-oy) * ww], -1.0 + 1.0 / DX, 1e-6);
  g_assert_cmpfloat_with_epsilon (x[3 * plane + (gsize) (DX - 1 - oy) * ww], 1.0 - 1.0 / DX, 1e-6);

  /* context 1 without position: the slice alone, as before */
  m->context = 1;
  m->coords = FALSE;
  g_assert_cmpint (pl_model_input_channels (m), ==, 1);
  pl_model_slice_input (m, v, 2, oy, ox, wh, ww, slice, x);
  expected_slice (m, v, 2, oy, ox, wh, ww, want);
  g_assert_cmpmem (x, plane * sizeof (float), want, plane * sizeof (float));
}

/* The position follows the header: stored R→L (i towards L) it runs the
 * other way; slices along the R–L axis carry their own position. */
static void
test_coords_orientation (void)
{
  const gint64 dim[3] = { 8, 6, 4 };
  const double lps[4][4] = { { -1, 0, 0, 0 }, { 0, -1, 0, 0 }, { 0, 0, 1, 0 }, { 0, 0, 0, 1 } };
  g_autoptr (PlVolume) ras = pl_volume_new (dim, NULL, NULL);
  g_autoptr (PlVolume) flipped = pl_volume_new (dim, NULL, lps);
  float a[8 * 6], b[8 * 6], s[6 * 4];

  /* axial (k): H = i, W = j */
  pl_slice_side_coords (ras, 2, 1, 0, 0, 8, 6, a);
  pl_slice_side_coords (flipped, 2, 1, 0, 0, 8, 6, b);
  for (int y = 0; y < 8; y++)
    for (int x = 0; x < 6; x++)
      {
        g_assert_cmpfloat_with_epsilon (a[y * 6 + x], (2.0 * y + 1.0) / 8 - 1.0, 1e-6);
        g_assert_cmpfloat_with_epsilon (b[y * 6 + x], -a[y * 6 + x], 1e-6);
      }
  /* sagittal (i): constant, the slice's own position */
  pl_slice_side_coords (ras, 0, 6, 0, 0, 6, 4, s);
  for (int q = 0; q < 6 * 4; q++)
    g_assert_cmpfloat_with_epsilon (s[q], (2.0 * 6 + 1.0) / 8 - 1.0, 1e-6);
}

/* Prediction reads the right neighbours: each end slice's probabilities
 * are those of the network on (end, end, next) by hand, and differ from
 * those of the wrong neighbours; the volume's prediction agrees. */
static void
test_prediction_edges (void)
{
  g_autoptr (PlVolume) v = make_volume (NULL);
  g_autoptr (PlModel) m = make_model (3, TRUE);
  g_autoptr (PlTape) tape = pl_tape_new (8 << 20);
  g_autoptr (GError) error = NULL;
  PlFrame g;
  const PlWindow *w;
  gsize plane, hw = DX * DY;
  g_autofree float *probs = g_new (float, 2 * hw), *vol = g_new (float, 2 * hw * DZ);
  g_autofree float *one = NULL;
  static const gint64 ends[2][4] = { { 0, 0, 0, 1 }, { DZ - 1, DZ - 2, DZ - 1, DZ - 1 } };

  pl_model_frame_init (&g, m, v);
  g_assert_cmpint (g.n_win, ==, 1);
  w = &g.win[0];
  plane = (gsize) w->wh * w->ww;
  one = g_new (float, plane);
  pl_tape_set_grad_enabled (tape, FALSE);
  g_assert_true (pl_model_predict_volume (m, v, 4, vol, NULL, NULL, &error));
  g_assert_no_error (error);
  for (int e = 0; e < 2; e++)
    {
      for (int wrong = 0; wrong < 2; wrong++)
        {
          PlTensor *x, *p;
          double diff = 0.0;

          pl_tape_reset (tape);
          x = pl_tape_tensor (tape, 1, 4, w->wh, w->ww);
          for (int j = 0; j < 3; j++)
            {
              /* wrong: the slices a volume without ends would give */
              gint64 z = wrong ? CLAMP (ends[e][0] + (e == 0 ? j : j - 2), 0, DZ - 1) : ends[e][1 + j];
              expected_slice (m, v, z, w->oy, w->ox, w->wh, w->ww, x->data + j * plane);
            }
          pl_slice_side_coords (v, 2, ends[e][0], w->oy, w->ox, w->wh, w->ww, x->data + 3 * plane);
          p = pl_softmax (tape, pl_unet_forward (m->unet, tape, x, NULL));
          pl_model_predict_slice (m, v, ends[e][0], probs, NULL);
          for (int c = 0; c < 2; c++)
            for (int y = 0; y < DX; y++)
              for (int xx = 0; xx < DY; xx++)
                diff = MAX (diff, fabs (probs[(gsize) c * hw + (gsize) y * DY + xx]
                                        - p->data[c * plane + (gsize) (y - w->oy) * w->ww + (xx - w->ox)]));
          g_test_message ("slice %" G_GINT64_FORMAT " %s neighbours: max |Δp| %.3g", ends[e][0],
                          wrong ? "wrong" : "right", diff);
          if (wrong)
            g_assert_cmpfloat (diff, >, 1e-4);
          else
            g_assert_cmpfloat (diff, <, 1e-6);
        }
      /* the volume path: the same slice's probabilities */
      for (int c = 0; c < 2; c++)
        for (int y = 0; y < DX; y++)
          for (int xx = 0; xx < DY; xx++)
            g_assert_cmpfloat_with_epsilon (vol[(gsize) c * hw * DZ + pl_slice_voxel (v->dim, 2, ends[e][0], y, xx)],
                                            probs[(gsize) c * hw + (gsize) y * DY + xx], 1e-5);
    }
}

/* Σ r·logits and its gradient with respect to every input channel, against
 * central differences (elements where a ReLU or max-pool kink falls inside
 * the step are skipped; fewer than a fifth may be). */
static void
test_gradient (void)
{
  PlUnetConfig c;
  g_autoptr (PlUnet) u = NULL;
  g_autoptr (PlTape) tape = pl_tape_new (4 << 20);
  g_autoptr (GError) error = NULL;
  const int n = 2, C = 4, h = 16, w = 16;
  gsize nx = (gsize) n * C * h * w, ny = (gsize) n * 2 * h * w;
  g_autofree float *x = g_new (float, nx), *r = g_new (float, ny), *gx = NULL;
  PlTensor *xt, *y;
  PlRng rng;
  int kinks = 0, checked = 0;
  double worst = 0.0, scale = 0.0;

  small_net (&c, C);
  c.dropout_p = 0.0f;
  u = pl_unet_new (&c, 11);
  pl_rng_init (&rng, 12);
  for (gsize k = 0; k < nx; k++)
    x[k] = pl_rng_range (&rng, -1.0f, 1.0f);
  for (gsize k = 0; k < ny; k++)
    r[k] = pl_rng_range (&rng, -1.0f, 1.0f);
  pl_tape_set_grad_enabled (tape, TRUE);
  xt = pl_tape_wrap (tape, n, C, h, w, x, TRUE);
  y = pl_unet_forward (u, tape, xt, NULL);
  g_assert_cmpint (y->c, ==, 2);
  g_assert_true (pl_tape_backward (tape, y, r, &error));
  g_assert_no_error (error);
  gx = g_memdup2 (xt->grad, nx * sizeof (float));
  for (gsize k = 0; k < nx; k++)
    scale = MAX (scale, fabs (gx[k]));
  pl_tape_set_grad_enabled (tape, FALSE);
  for (int t = 0; t < TEST_SIZE (48, 16); t++)
    {
      /* every channel in turn */
      int ch = t % C;
      gsize k = ((gsize) pl_rng_below (&rng, (guint32) n) * C + ch) * h * w + pl_rng_below (&rng, (guint32) (h * w));
      float keep = x[k];
      double l[3];
      const float step = 2e-3f;

      for (int s = 0; s < 3; s++)
        {
          x[k] = keep + (s - 1) * step;
          pl_tape_reset (tape);
          y = pl_unet_forward (u, tape, pl_tape_wrap (tape, n, C, h, w, x, FALSE), NULL);
          l[s] = 0.0;
          for (gsize q = 0; q < ny; q++)
            l[s] += (double) r[q] * y->data[q];
        }
      x[k] = keep;
      {
        double fwd = (l[2] - l[1]) / step, bwd = (l[1] - l[0]) / step, num = (l[2] - l[0]) / (2 * step);
        if (fabs (fwd - bwd) > 1e-2 * MAX (1.0, MAX (fabs (fwd), fabs (bwd))))
          {
            kinks++;
            continue;
          }
        worst = MAX (worst, fabs (num - gx[k]));
        checked++;
      }
    }
  g_test_message ("input gradient: %d elements, %d kinks skipped, max |Δ| %.3g of scale %.3g",
                  checked, kinks, worst, scale);
  g_assert_cmpint (kinks * 5, <, checked + kinks);
  /* float32 network: the tolerance of unet-arch's whole-network checks */
  g_assert_cmpfloat (scale, >, 1e-3);
  g_assert_cmpfloat (worst, <, 2e-2 * scale);
}

static void
train_config (PlTrainConfig *cfg)
{
  pl_train_config_init (cfg);
  small_net (&cfg->net, 1);
  cfg->net.dropout_p = 0.1f;
  cfg->batch = 3;
  cfg->lr = 1e-2f;
  cfg->axis = 2;
  cfg->seed = 4;
  cfg->context = 3;
  cfg->coords = TRUE;
}

/* Training with 2.5-D input and position: batches of 4 channels, a loss
 * that falls, a file that records the input and gives the same
 * probabilities back; every method and the uncertainty estimators run. */
static void
test_train (void)
{
  g_autoptr (PlLabels) truth = pl_labels_new ((gint64[3]) { DX, DY, DZ });
  g_autoptr (PlVolume) v = make_volume (truth);
  g_autoptr (PlTrainer) tr = NULL;
  g_autoptr (PlModel) saved = NULL, back = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PlTape) tape = pl_tape_new (8 << 20);
  g_autofree char *dir = g_dir_make_tmp ("pellucid-slice-input-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "m.safetensors", NULL);
  gsize hw = DX * DY;
  g_autofree float *pa = g_new (float, 2 * hw * DZ), *pb = g_new (float, 2 * hw * DZ);
  PlLabelProvider prov;
  PlTrainConfig cfg;
  PlBatch b;
  double first = 0.0, last = 0.0;
  int steps = TEST_SIZE (60, 16);

  pl_label_provider_init_static (&prov, truth);
  train_config (&cfg);
  cfg.context = 2;
  tr = pl_trainer_new (&cfg, v, &prov, &error);
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID);
  g_assert_null (tr);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "odd"));
  g_clear_error (&error);

  cfg.context = 3;
  tr = pl_trainer_new (&cfg, v, &prov, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pl_unet_get_config (pl_trainer_get_model (tr)->unet)->in_channels, ==, 4);
  pl_trainer_sample (tr, tape, 2, (const gint64[]) { 0, 5 }, TRUE, &b);
  g_assert_cmpint (b.c, ==, 4);
  g_assert_cmpint (b.centre, ==, 1);
  {
    /* the position channel is not augmented */
    g_autofree float *want = g_new (float, (gsize) b.h * b.w);
    int wh, ww, oy, ox;
    pl_fit_window (DX, DY, 2, PL_FIT_CROP, &wh, &ww, &oy, &ox);
    pl_slice_side_coords (v, 2, 5, oy, ox, wh, ww, want);
    g_assert_cmpmem (b.x + (gsize) (4 + 3) * b.h * b.w, sizeof (float) * b.h * b.w, want, sizeof (float) * b.h * b.w);
  }
  for (int s = 0; s < steps; s++)
    {
      PlTrainStepInfo info;
      g_assert_true (pl_trainer_step (tr, &info, &error));
      if (s < 5)
        first += info.loss / 5;
      if (s >= steps - 5)
        last += info.loss / 5;
    }
  g_test_message ("loss %.3f → %.3f", first, last);
  g_assert_cmpfloat (last, <, first);

  saved = pl_trainer_export_model (tr);
  g_assert_cmpint (saved->context, ==, 3);
  g_assert_true (saved->coords);
  g_assert_true (pl_model_save (saved, path, &error));
  g_assert_no_error (error);
  back = pl_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->context, ==, 3);
  g_assert_true (back->coords);
  g_assert_true (pl_model_predict_volume (saved, v, 4, pa, NULL, NULL, &error));
  g_assert_true (pl_model_predict_volume (back, v, 4, pb, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (pa, 2 * hw * DZ * sizeof (float), pb, 2 * hw * DZ * sizeof (float));

  /* uncertainty: MC dropout and test-time augmentation on these inputs */
  for (int e = PL_ESTIMATOR_MC; e <= PL_ESTIMATOR_TTA; e += PL_ESTIMATOR_TTA - PL_ESTIMATOR_MC)
    {
      PlUncertaintySettings us;
      PlUncertaintyResult *res;
      pl_uncertainty_settings_init (&us);
      us.estimator = (PlEstimator) e;
      us.mc_passes = 3;
      us.tta_samples = 3;
      res = pl_uncertainty_estimate (&us, (PlModel *const[]) { back }, 1, v, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (res);
      g_assert_cmpmem (res->labels->dim, sizeof v->dim, v->dim, sizeof v->dim);
      pl_uncertainty_result_free (res);
    }

  /* every method takes the channels through its own batches (with room
   * for their unlabelled slices) */
  cfg.batch = 6;
  for (int k = 0; k < PL_METHOD_N_KINDS; k++)
    {
      g_autoptr (PlTrainer) t2 = NULL;
      g_autoptr (PlLabels) some = pl_labels_new (v->dim);
      PlLabelProvider p2;
      PlMethodConfig mc;

      /* slices 1 and 4 painted: the others are unlabelled */
      for (gsize i = 0; i < pl_labels_n_voxels (some); i++)
        if (i / hw == 1 || i / hw == 4)
          some->data[i] = truth->data[i];
      pl_label_provider_init_static (&p2, some);
      t2 = pl_trainer_new (&cfg, v, &p2, &error);
      g_assert_no_error (error);
      pl_method_config_init (&mc);
      mc.kind = (PlMethodKind) k;
      pl_method_install (t2, &mc, &error);
      g_assert_no_error (error);
      for (int s = 0; s < 3; s++)
        {
          PlTrainStepInfo info;
          g_assert_true (pl_trainer_step (t2, &info, &error));
          g_assert_no_error (error);
          g_assert_true (isfinite (info.loss));
        }
      g_test_message ("%s: 3 steps", pl_method_kind_name ((PlMethodKind) k));
    }

  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  pl_engine_set_threads (1);
  g_test_add_func ("/slice-input/neighbours", test_neighbours);
  g_test_add_func ("/slice-input/coords-orientation", test_coords_orientation);
  g_test_add_func ("/slice-input/prediction-edges", test_prediction_edges);
  g_test_add_func ("/slice-input/gradient", test_gradient);
  g_test_add_func ("/slice-input/train", test_train);
  return g_test_run ();
}
