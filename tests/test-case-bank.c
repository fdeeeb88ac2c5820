/* Training across cases: synthetic cases by warping (deterministic, labels
 * follow the image), the case bank (painted slices of every case, evenly
 * spaced unpainted ones, per-case normalisation, padding of other sizes),
 * and a trainer that draws its batches from both painted cases. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "engine/cases/case-bank.h"
#include "engine/cases/warp.h"
#include "engine/core/error.h"
#include "engine/data/dataset.h"
#include "engine/nn/train.h"

/* An ellipsoid (label 2, bright) in a box (label 1) of size nx × ny × nz. */
static PlVolume *
phantom (gint64 nx, gint64 ny, gint64 nz, double gain, PlLabels **labels)
{
  const gint64 dim[3] = { nx, ny, nz };
  const double pixdim[3] = { 1, 1, 1 };
  PlVolume *v = pl_volume_new (dim, pixdim, NULL);
  PlLabels *l = pl_labels_new (dim);
  for (gint64 k = 0; k < nz; k++)
    for (gint64 j = 0; j < ny; j++)
      for (gint64 i = 0; i < nx; i++)
        {
          double x = (i - nx / 2.0) / (nx / 3.0), y = (j - ny / 2.0) / (ny / 3.0), z = (k - nz / 2.0) / (nz / 2.5);
          gsize idx = i + nx * (j + ny * k);
          gboolean in = x * x + y * y + z * z <= 1.0;
          v->data[idx] = (float) (gain * (in ? 100.0 : 20.0));
          l->data[idx] = in ? 2 : 1;
        }
  pl_volume_update_stats (v);
  *labels = l;
  return v;
}

static void
test_warp (void)
{
  g_autoptr (PlLabels) l = NULL, l1 = NULL, l2 = NULL, l3 = NULL;
  g_autoptr (PlVolume) v = phantom (24, 20, 16, 1.0, &l);
  g_autoptr (PlVolume) a = NULL, b = NULL, c = NULL;
  PlWarpOptions opt;
  gsize n = pl_volume_n_voxels (v), agree = 0, moved = 0;

  pl_warp_options_init (&opt);
  opt.warp = 2.0;
  a = pl_warp_case (v, l, 7, &opt, &l1);
  b = pl_warp_case (v, l, 7, &opt, &l2);
  c = pl_warp_case (v, l, 8, &opt, &l3);
  g_assert_cmpmem (a->data, n * 4, b->data, n * 4);
  g_assert_cmpmem (l1->data, n * 2, l2->data, n * 2);
  g_assert_true (memcmp (a->data, c->data, n * 4) != 0);
  /* Without bias, scale and noise the warped labels follow the warped
   * image: bright voxels (> 60) are label 2 except at the blurred border. */
  opt.bias = opt.scale = opt.noise = 0.0;
  g_clear_pointer (&a, pl_volume_free);
  g_clear_pointer (&l1, pl_labels_free);
  a = pl_warp_case (v, l, 9, &opt, &l1);
  for (gsize i = 0; i < n; i++)
    {
      agree += (a->data[i] > 60.0f) == (l1->data[i] == 2);
      moved += l1->data[i] != l->data[i];
    }
  g_test_message ("warp: %.3f of voxels agree, %.3f changed label", agree / (double) n, moved / (double) n);
  g_assert_cmpfloat (agree / (double) n, >, 0.97);
  g_assert_cmpuint (moved, >, 0);
}

/* Writes case NAME (image and, when painted, NAME_seg with the truth on the
 * given slices only). */
static void
write_case (const char *dir, const char *name, const PlVolume *v, const PlLabels *truth,
            const gint64 *slices, int n_slices)
{
  g_autofree char *file = g_strconcat (name, ".nii.gz", NULL);
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_assert_true (pl_volume_save (v, path, NULL));
  if (n_slices > 0)
    {
      g_autofree char *sfile = g_strconcat (name, "_seg.nii.gz", NULL);
      g_autofree char *spath = g_build_filename (dir, sfile, NULL);
      g_autoptr (PlLabels) sparse = pl_labels_new (truth->dim);
      g_autofree guint16 *buf = NULL;
      int h, w;
      pl_slice_dims (truth->dim, 2, &h, &w);
      buf = g_new (guint16, (gsize) h * w);
      for (int s = 0; s < n_slices; s++)
        {
          pl_labels_get_slice (truth, 2, slices[s], buf);
          pl_labels_set_slice (sparse, 2, slices[s], buf);
        }
      g_assert_true (pl_labels_save (sparse, v, spath, NULL));
    }
}

static void
rm_dir (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *e;
  while (d && (e = g_dir_read_name (d)))
    {
      g_autofree char *p = g_build_filename (dir, e, NULL);
      g_unlink (p);
    }
  g_rmdir (dir);
}

static void
test_bank_and_training (void)
{
  g_autofree char *dir = g_dir_make_tmp ("pl-bank-XXXXXX", NULL);
  g_autoptr (PlLabels) l0 = NULL, l2 = NULL, la = NULL, lb = NULL;
  g_autoptr (PlVolume) v0 = phantom (24, 20, 12, 1.0, &l0);
  g_autoptr (PlVolume) v2 = phantom (20, 16, 10, 3.0, &l2);   /* other size, brighter */
  g_autoptr (PlVolume) va = NULL, vb = NULL;
  g_autoptr (PlCohort) cohort = NULL;
  g_autoptr (PlCaseBank) bank = NULL;
  g_autoptr (PlTrainer) trainer = NULL;
  g_autoptr (GError) error = NULL;
  const gint64 sa[2] = { 4, 7 }, sb[2] = { 5, 6 };
  PlCaseBankOptions bopt;
  PlTrainConfig cfg;
  PlLabelProvider provider;
  const PlVolume *bv;
  const PlLabels *bl;
  guint from[3] = { 0, 0, 0 };

  va = pl_warp_case (v0, l0, 1, NULL, &la);
  vb = pl_warp_case (v0, l0, 2, NULL, &lb);
  write_case (dir, "a", va, la, sa, 2);
  write_case (dir, "b", vb, lb, sb, 2);
  write_case (dir, "c", v2, l2, NULL, 0);
  cohort = pl_cohort_open_folder (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pl_cohort_get_n (cohort), ==, 3);

  pl_case_bank_options_init (&bopt);
  bopt.unlabelled_per_case = 3;
  bank = pl_case_bank_new (cohort, &bopt, &error);
  g_assert_no_error (error);
  bv = pl_case_bank_get_volume (bank);
  bl = pl_case_bank_get_labels (bank);
  /* 2 + 2 painted, 3 unpainted from each of the three cases. */
  g_assert_cmpint (bv->dim[2], ==, 13);
  g_assert_cmpint (bv->dim[0], ==, 24);
  g_assert_cmpint (bv->dim[1], ==, 20);
  g_assert_cmpint (pl_case_bank_get_n_painted (bank), ==, 4);
  g_assert_cmpuint (pl_case_bank_get_n_cases_painted (bank), ==, 2);
  g_assert_cmpuint (pl_case_bank_get_bytes (bank), <,
                    3 * pl_volume_n_voxels (v0) * (sizeof (float) + sizeof (guint16)));
  g_assert_cmpfloat (bv->min, >=, -0.5f);
  g_assert_cmpfloat (bv->max, <=, 1.5f);
  for (gint64 s = 0; s < bv->dim[2]; s++)
    {
      gint64 cs;
      guint k = pl_case_bank_get_case (bank, s, &cs);
      g_autofree guint16 *bs = g_new (guint16, 24 * 20);
      pl_labels_get_slice (bl, 2, s, bs);
      if (k == 0 && (cs == 4 || cs == 7))
        {
          g_autofree guint16 *ts = g_new (guint16, 24 * 20);
          pl_labels_get_slice (la, 2, cs, ts);
          g_assert_cmpmem (bs, 24 * 20 * 2, ts, 24 * 20 * 2);
        }
      else if (k == 2)
        {
          /* The smaller case is centred: its border in the bank is padding. */
          g_assert_cmpuint (bs[0], ==, 0);
          g_assert_cmpfloat (bv->data[pl_slice_voxel (bv->dim, 2, s, 0, 0)], ==, 0.0f);
          g_assert_cmpfloat (fabsf (bv->data[pl_slice_voxel (bv->dim, 2, s, 12, 10)] - 1.0f), <, 0.2f);
        }
    }

  /* A trainer on the bank draws its labelled slices from both cases. */
  pl_train_config_init (&cfg);
  pl_unet_config_small (&cfg.net);
  cfg.axis = 2;
  cfg.batch = 2;
  cfg.norm_divisor = 1.0;
  pl_label_provider_init_static (&provider, bl);
  trainer = pl_trainer_new (&cfg, bv, &provider, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pl_trainer_get_n_classes (trainer), ==, 2);
  for (int step = 0; step < 3; step++)
    {
      PlTrainStepInfo info;
      g_assert_true (pl_trainer_step (trainer, &info, &error));
      g_assert_no_error (error);
      g_assert_true (isfinite (info.loss));
      g_assert_cmpint (info.n_labelled, ==, 4);
    }
  {
    gint64 n_slices;
    const gint64 *counts = pl_trainer_get_slice_counts (trainer, &n_slices);
    for (gint64 s = 0; s < n_slices; s++)
      if (counts[s] > 0)
        from[pl_case_bank_get_case (bank, s, NULL)]++;
    g_assert_cmpuint (from[0], ==, 2);
    g_assert_cmpuint (from[1], ==, 2);
    g_assert_cmpuint (from[2], ==, 0);
  }

  /* Predicting with how unsure the model is: the labels of
   * pl_case_predict, the mean entropy the mean of the slices', each
   * within [0, log 2] for two classes. */
  {
    g_autoptr (PlModel) model = pl_trainer_export_model (trainer);
    g_autoptr (PlLabels) plain = NULL, unsure = NULL;
    g_autoptr (GArray) slices = NULL;
    const PlCase *kb = pl_cohort_lookup (cohort, "b");
    double mean = -1.0, sum = 0.0;
    int axis = -1;
    gsize same = 0;

    pl_case_bank_mark_model (bank, model);
    g_assert_true (pl_case_predict (model, kb, 4, NULL, NULL, &plain, &error));
    g_assert_no_error (error);
    g_assert_true (pl_case_predict_uncertain (model, kb, NULL, NULL, &unsure, &mean, &axis, &slices, &error));
    g_assert_no_error (error);
    g_assert_cmpint (axis, ==, 2);
    g_assert_cmpuint (slices->len, ==, 12);
    for (gsize i = 0; i < pl_labels_n_voxels (plain); i++)
      same += plain->data[i] == unsure->data[i];
    g_assert_cmpfloat ((double) same / pl_labels_n_voxels (plain), >, 0.999);
    for (guint z = 0; z < slices->len; z++)
      {
        double e = g_array_index (slices, double, z);
        g_assert_cmpfloat (e, >=, 0.0);
        g_assert_cmpfloat (e, <=, log (2.0) + 1e-9);
        sum += e;
      }
    g_assert_cmpfloat_with_epsilon (mean, sum / slices->len, 1e-9);
  }

  /* A live case: its image given, every one of its slices in the bank with
   * labels 0 (another provider paints them), not counted as painted. */
  {
    g_autoptr (PlCaseBank) live = NULL;
    const PlLabels *ll;

    bopt.live_case = 0;
    bopt.live_volume = va;
    live = pl_case_bank_new (cohort, &bopt, &error);
    g_assert_no_error (error);
    g_assert_cmpint (pl_case_bank_get_volume (live)->dim[2], ==, 12 + 2 + 3 + 3);
    g_assert_cmpint (pl_case_bank_get_n_painted (live), ==, 2);
    g_assert_cmpint (pl_case_bank_get_live_first (live), ==, 0);
    ll = pl_case_bank_get_labels (live);
    for (gint64 z = 0; z < 12; z++)
      {
        gint64 cs;
        g_assert_cmpuint (pl_case_bank_get_case (live, z, &cs), ==, 0);
        g_assert_cmpint (cs, ==, z);
        for (int x = 0; x < 20; x++)
          for (int y = 0; y < 24; y++)
            g_assert_cmpuint (ll->data[pl_slice_voxel (ll->dim, 2, z, y, x)], ==, 0);
      }
    g_assert_cmpint (pl_case_bank_get_live_first (bank), ==, -1);
  }
  rm_dir (dir);

  /* No painted case: a clear error. */
  {
    g_autofree char *d2 = g_dir_make_tmp ("pl-bank-XXXXXX", NULL);
    g_autoptr (PlCohort) c2 = NULL;
    g_autoptr (PlCaseBank) b2 = NULL;
    write_case (d2, "u", v2, l2, NULL, 0);
    c2 = pl_cohort_open_folder (d2, &error);
    g_assert_no_error (error);
    b2 = pl_case_bank_new (c2, NULL, &error);
    g_assert_null (b2);
    g_assert_error (error, PL_ERROR, PL_ERROR_INVALID);
    g_assert_nonnull (strstr (error->message, d2));
    rm_dir (d2);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/case-bank/warp", test_warp);
  g_test_add_func ("/case-bank/bank-and-training", test_bank_and_training);
  return g_test_run ();
}
