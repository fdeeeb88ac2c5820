/* Cross-validated quality: every painted slice is scored once by a model
 * that never saw it, counts pool over slices, a class painted on one slice
 * only is scored there (and poorly: no fold both trains and scores on it),
 * a class no painted slice holds is reported as unseen, Stop works, and too
 * few painted slices is an error. */
#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "engine/core/gemm.h"
#include "engine/data/dataset.h"
#include "engine/methods/crossval.h"
#include "test-sanitizer.h"

#define DX 32
#define DY 24
#define DZ 8
#define IN 2
#define OUT 1
#define SPOT 3
#define NEVER 9

/* An ellipse on a dim background; slices 6 and 7 also hold a bright spot
 * inside it. */
static PlVolume *
make_volume (PlLabels *truth)
{
  const gint64 dim[3] = { DX, DY, DZ };
  PlVolume *v = pl_volume_new (dim, NULL, NULL);
  PlRng rng;

  pl_rng_init (&rng, 11);
  for (int k = 0; k < DZ; k++)
    for (int j = 0; j < DY; j++)
      for (int i = 0; i < DX; i++)
        {
          double a = (i - DX / 2.0) / (9.0 + 0.5 * k), b = (j - DY / 2.0) / 7.0;
          gboolean in = a * a + b * b < 1.0;
          gboolean spot = k >= 6 && abs (i - DX / 2) < 3 && abs (j - DY / 2) < 3;
          gsize at = i + DX * (j + (gsize) DY * k);
          v->data[at] = (spot ? 400.0f : in ? 200.0f : 60.0f) + pl_rng_range (&rng, -20, 20);
          truth->data[at] = spot ? SPOT : in ? IN : OUT;
        }
  pl_volume_update_stats (v);
  return v;
}

static void
small_config (PlTrainConfig *c)
{
  pl_train_config_init (c);
  c->net.depth = 3;
  c->net.channels[0] = 4;
  c->net.channels[1] = 8;
  c->net.channels[2] = 8;
  c->net.dropout_p = 0.0f;
  c->batch = 4;
  c->lr = 1e-2f;
  c->axis = 2;
  c->seed = 2;
}

static void
paint (PlLabels *painted, const PlLabels *truth, const int *slices, int n)
{
  memset (painted->data, 0, sizeof (guint16) * pl_labels_n_voxels (painted));
  for (int s = 0; s < n; s++)
    memcpy (painted->data + (gsize) DX * DY * slices[s], truth->data + (gsize) DX * DY * slices[s],
            sizeof (guint16) * DX * DY);
}

static void
test_folds_and_classes (void)
{
  g_autoptr (PlLabels) truth = pl_labels_new ((gint64[3]) { DX, DY, DZ });
  g_autoptr (PlVolume) v = make_volume (truth);
  g_autoptr (PlLabels) painted = pl_labels_new (v->dim);
  g_autoptr (PlCrossval) cv = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  const int slices[] = { 1, 3, 5, 7 };
  const guint16 values[] = { OUT, IN, SPOT, NEVER };
  const char *names[] = { "Outside", "Inside", "Spot", "Never painted", NULL };
  PlMethodConfig method;
  PlLabelProvider prov;
  PlTrainConfig cfg;
  gint64 painted_count[4] = { 0 };
  int steps = TEST_SIZE (80, 6);

  paint (painted, truth, slices, 4);
  for (gsize i = 0; i < pl_labels_n_voxels (painted); i++)
    for (int c = 0; c < 4; c++)
      painted_count[c] += painted->data[i] == values[c];
  pl_label_provider_init_static (&prov, painted);
  small_config (&cfg);
  cfg.n_classes = 4;
  cfg.class_values = values;
  cfg.class_names = names;
  pl_method_config_init (&method);

  /* 5 folds asked, 4 slices painted: 4 folds, one slice each */
  cv = pl_crossval_run (&cfg, &method, v, &prov, 5, steps, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cv->n_folds, ==, 4);
  g_assert_cmpint (cv->n_slices, ==, 4);
  for (int i = 0; i < 4; i++)
    {
      g_assert_cmpint (cv->slices[i], ==, slices[i]);
      g_assert_cmpint (cv->fold[i], ==, i);
      g_assert_true (isnan (cv->fold_dice[i]) || (cv->fold_dice[i] >= 0.0 && cv->fold_dice[i] <= 1.0));
    }
  /* every painted voxel scored once */
  for (int c = 0; c < 4; c++)
    {
      g_assert_cmpint (cv->truth[c], ==, painted_count[c]);
      g_assert_cmpint (cv->tp[c], <=, cv->truth[c]);
    }
  g_assert_cmpint (cv->slices_with[0], ==, 4);
  g_assert_cmpint (cv->slices_with[1], ==, 4);
  g_assert_cmpint (cv->slices_with[2], ==, 1);   /* the spot: slice 7 only */
  g_assert_cmpint (cv->slices_with[3], ==, 0);
  g_assert_true (isnan (cv->dice[3]));
  text = pl_crossval_describe (cv);
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "over 4 painted slices (4 folds"));
  g_assert_nonnull (strstr (text, "Spot"));
  g_assert_nonnull (strstr (text, "cannot see: Never painted"));

#ifdef TEST_UNDER_SANITIZER
  g_test_skip ("accuracy is checked in the plain build (more steps)");
#else
  g_assert_cmpfloat (cv->dice[0], >, 0.8);
  g_assert_cmpfloat (cv->dice[1], >, 0.7);
  /* scored on the one slice whose model never saw a spot */
  g_assert_cmpfloat (cv->dice[2], <, 0.3);
  g_assert_cmpfloat (fabs (cv->mean - (cv->dice[0] + cv->dice[1] + cv->dice[2]) / 3), <, 1e-12);
#endif
}

static gboolean
cancel_at_half (double fraction, const char *message, gpointer user_data)
{
  gint *flag = user_data;
  if (fraction >= 0.5)
    g_atomic_int_set (flag, 1);
  return TRUE;
}

static void
test_stop_and_errors (void)
{
  g_autoptr (PlLabels) truth = pl_labels_new ((gint64[3]) { DX, DY, DZ });
  g_autoptr (PlVolume) v = make_volume (truth);
  g_autoptr (PlLabels) painted = pl_labels_new (v->dim);
  g_autoptr (GError) error = NULL;
  const int two[] = { 2, 5 }, one[] = { 4 };
  gint cancel = 0;
  PlProgress progress = { cancel_at_half, &cancel, &cancel };
  PlMethodConfig method;
  PlLabelProvider prov;
  PlTrainConfig cfg;
  PlCrossval *cv;

  pl_method_config_init (&method);
  small_config (&cfg);
  pl_label_provider_init_static (&prov, painted);

  paint (painted, truth, two, 2);
  cv = pl_crossval_run (&cfg, &method, v, &prov, 3, 4, &progress, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (cv);
  g_assert_cmpint (cancel, ==, 1);
  g_clear_error (&error);

  paint (painted, truth, one, 1);
  cv = pl_crossval_run (&cfg, &method, v, &prov, 3, 4, NULL, &error);
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "at least 2 painted slices"));
  g_assert_null (cv);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  pl_engine_set_threads (1);
  g_test_add_func ("/crossval/folds-and-classes", test_folds_and_classes);
  g_test_add_func ("/crossval/stop-and-errors", test_stop_and_errors);
  return g_test_run ();
}
