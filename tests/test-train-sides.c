/* Left and right: which label names are sided and paired, pairs the user
 * sets and their file form, and a lateralised phantom — two identical discs,
 * one on each side, painted as different labels — whose sides must survive
 * training with mirrored augmentation and prediction; and a wide phantom
 * whose sides only the position channel tells apart. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "engine/core/gemm.h"
#include "engine/data/dataset.h"
#include "engine/data/labels.h"
#include "engine/data/metrics.h"
#include "engine/nn/infer.h"
#include "engine/nn/train.h"
#include "test-sanitizer.h"

static void
test_names (void)
{
  static const struct { const char *name; PlSide side; const char *base; } cases[] = {
    { "Left-Hippocampus", PL_SIDE_LEFT, "hippocampus" },
    { "Right-Hippocampus", PL_SIDE_RIGHT, "hippocampus" },
    { "Hippocampus_L", PL_SIDE_LEFT, "hippocampus" },
    { "ctx-rh-insula", PL_SIDE_RIGHT, "ctx insula" },
    { "LeftThalamus", PL_SIDE_LEFT, "thalamus" },
    { "thalamus right", PL_SIDE_RIGHT, "thalamus" },
    { "R", PL_SIDE_RIGHT, "" },
    { "Brain stem", PL_SIDE_NONE, "brain stem" },
    { "Lateral ventricle", PL_SIDE_NONE, "lateral ventricle" },
    { "L/R border", PL_SIDE_NONE, "border" },
    { "Cerebellum", PL_SIDE_NONE, "cerebellum" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *base = NULL;
      PlSide side = pl_label_name_side (cases[i].name, &base);
      g_test_message ("%s → %d '%s'", cases[i].name, side, base);
      g_assert_cmpint (side, ==, cases[i].side);
      g_assert_cmpstr (base, ==, cases[i].base);
    }
}

static void
add (PlLabelTable *t, guint16 v, const char *name)
{
  PlLabel l = pl_label_table_next_free (t);
  g_free (l.name);
  l.value = v;
  l.name = (char *) name;
  pl_label_table_set (t, &l);
}

static void
test_pairs (void)
{
  g_autoptr (PlLabelTable) t = pl_label_table_new_default ();
  g_autoptr (PlLabelTable) back = NULL, copy = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("pellucid-sides-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "labels.txt", NULL);

  add (t, 1, "Left-Hippocampus");
  add (t, 2, "Right-Hippocampus");
  add (t, 3, "Brain stem");
  add (t, 4, "Amygdala_L");   /* no right amygdala */
  add (t, 5, "Putamen A");
  add (t, 6, "Putamen B");
  add (t, 7, "Caudate_L");
  add (t, 8, "Caudate_R");
  add (t, 9, "caudate right");   /* a second right caudate: no pair by name */

  g_assert_cmpint (pl_label_table_get_partner (t, 1), ==, 2);
  g_assert_cmpint (pl_label_table_get_partner (t, 2), ==, 1);
  g_assert_cmpint (pl_label_table_mirror_value (t, 1), ==, 2);
  g_assert_cmpint (pl_label_table_mirror_value (t, 3), ==, 3);   /* midline */
  g_assert_cmpint (pl_label_table_mirror_value (t, 4), ==, 0);   /* sided, alone */
  g_assert_cmpint (pl_label_table_mirror_value (t, 5), ==, 5);   /* names say no side */
  g_assert_cmpint (pl_label_table_mirror_value (t, 7), ==, 0);   /* ambiguous */
  g_assert_cmpint (pl_label_table_mirror_value (t, 99), ==, 99); /* unknown value */
  g_assert_cmpint (pl_label_table_mirror_value (t, 0), ==, 0);

  /* The user pairs what names cannot; a new pair undoes the old one. */
  pl_label_table_set_partner (t, 5, 6);
  pl_label_table_set_partner (t, 7, 8);
  g_assert_cmpint (pl_label_table_mirror_value (t, 6), ==, 5);
  g_assert_cmpint (pl_label_table_mirror_value (t, 8), ==, 7);
  g_assert_cmpint (pl_label_table_mirror_value (t, 9), ==, 0);
  pl_label_table_set_partner (t, 7, 9);
  g_assert_cmpint (pl_label_table_get_user_partner (t, 8), ==, 0);
  g_assert_cmpint (pl_label_table_mirror_value (t, 9), ==, 7);
  /* 8's only name match (7) is taken by the user's pair */
  g_assert_cmpint (pl_label_table_mirror_value (t, 8), ==, 0);

  copy = pl_label_table_copy (t);
  g_assert_cmpint (pl_label_table_get_partner (copy, 5), ==, 6);

  /* Saved as a comment ITK-SNAP skips, read back. */
  g_assert_true (pl_label_table_save (t, path, &error));
  g_assert_no_error (error);
  back = pl_label_table_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pl_label_table_get_user_partner (back, 5), ==, 6);
  g_assert_cmpint (pl_label_table_get_user_partner (back, 6), ==, 5);
  g_assert_cmpint (pl_label_table_get_user_partner (back, 9), ==, 7);
  g_assert_cmpint (pl_label_table_get_user_partner (back, 1), ==, 0);
  g_assert_cmpint (pl_label_table_get_partner (back, 1), ==, 2);

  /* Removing a label undoes its pair. */
  g_assert_true (pl_label_table_remove (back, 6));
  g_assert_cmpint (pl_label_table_get_user_partner (back, 5), ==, 0);

  g_unlink (path);
  g_rmdir (dir);
}

/* The phantom: axial slices (k) of a grid with the identity voxel-to-world
 * matrix, so i runs along R–L and is the sides' axis.  Two equal bright
 * discs, mirror images of each other about the middle of i, in every slice:
 * the image alone cannot tell them apart, only where they lie. */
#define DX 32
#define DY 24
#define DZ 8
#define LEFT 1
#define RIGHT 2
#define BACK 3

static PlVolume *
make_volume (PlLabels *truth)
{
  const gint64 dim[3] = { DX, DY, DZ };
  PlVolume *v = pl_volume_new (dim, NULL, NULL);
  PlRng rng;

  pl_rng_init (&rng, 7);
  for (int k = 0; k < DZ; k++)
    for (int j = 0; j < DY; j++)
      for (int i = 0; i < DX; i++)
        {
          double r = 4.0 + 0.25 * k, dy = j - DY / 2.0 + 0.5;
          double dl = i - 8.5, dr = i - (DX - 9.5);
          gsize at = i + DX * (j + (gsize) DY * k);
          gboolean l = dl * dl + dy * dy < r * r, rt = dr * dr + dy * dy < r * r;
          v->data[at] = (l || rt ? 200.0f : 50.0f) + pl_rng_range (&rng, -15, 15);
          truth->data[at] = l ? LEFT : rt ? RIGHT : BACK;
        }
  pl_volume_update_stats (v);
  return v;
}

static void
sides_config (PlTrainConfig *c)
{
  pl_train_config_init (c);
  c->net.depth = 3;
  c->net.channels[0] = 4;
  c->net.channels[1] = 8;
  c->net.channels[2] = 16;
  c->net.dropout_p = 0.0f;
  c->batch = 4;
  c->lr = 1e-2f;
  c->axis = 2;
  c->seed = 5;
}

/* Trains on slices 1 and 5 and returns the Dice of LEFT and RIGHT over the
 * other slices. */
static void
train_and_score (const PlLabelTable *table, int steps, double dice[2], char **training)
{
  g_autoptr (PlLabels) truth = pl_labels_new ((gint64[3]) { DX, DY, DZ });
  g_autoptr (PlVolume) v = make_volume (truth);
  g_autoptr (PlLabels) painted = pl_labels_new (v->dim);
  g_autoptr (PlLabels) pred = pl_labels_new (v->dim);
  g_autoptr (PlTrainer) tr = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *skip = g_new0 (guint8, pl_labels_n_voxels (truth));
  const guint16 values[2] = { LEFT, RIGHT };
  PlLabelProvider prov;
  PlTrainConfig cfg;
  PlModel *model;

  for (gsize i = 0; i < pl_labels_n_voxels (truth); i++)
    {
      int k = (int) (i / (DX * DY));
      skip[i] = k == 1 || k == 5;
      if (skip[i])
        painted->data[i] = truth->data[i];
    }
  pl_label_provider_init_static (&prov, painted);
  sides_config (&cfg);
  cfg.label_table = table;
  tr = pl_trainer_new (&cfg, v, &prov, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pl_trainer_get_lateral_axis (tr), ==, 0);   /* H = i */
  for (int s = 0; s < steps; s++)
    g_assert_true (pl_trainer_step (tr, NULL, &error));
  model = pl_trainer_get_model (tr);
  g_assert_true (pl_model_predict_volume (model, v, 4, NULL, pred, NULL, &error));
  g_assert_no_error (error);
  pl_dice_per_value (pred->data, truth->data, pl_labels_n_voxels (truth), skip, values, 2, dice);
  if (training)
    {
      g_autoptr (PlModel) m = pl_trainer_export_model (tr);
      *training = g_strdup (m->training);
    }
}

static void
test_phantom_sides_survive (void)
{
  g_autoptr (PlLabelTable) table = pl_label_table_new_default ();
  g_autofree char *training = NULL;
  int steps = TEST_SIZE (250, 40);
  double with[2], without[2];

  add (table, LEFT, "Left blob");
  add (table, RIGHT, "Right blob");
  add (table, BACK, "Background");

  /* The sides known: flips across them swap the two labels. */
  train_and_score (table, steps, with, &training);
  g_test_message ("sides swapped by mirroring: left %.3f, right %.3f (%s)", with[0], with[1], training);
  g_assert_nonnull (strstr (training, "\"sides\":\"swapped\""));

  /* The same labels with names that say no side: mirroring as before,
   * teaching the network that the discs are interchangeable. */
  add (table, LEFT, "Blob A");
  add (table, RIGHT, "Blob B");
  train_and_score (table, steps, without, NULL);
  g_test_message ("mirrored as if sideless: left %.3f, right %.3f", without[0], without[1]);

#ifdef TEST_UNDER_SANITIZER
  g_test_skip ("accuracy is checked in the plain build (more steps)");
  return;
#endif
  g_assert_cmpfloat (with[0], >, 0.8);
  g_assert_cmpfloat (with[1], >, 0.8);
  g_assert_cmpfloat (with[0] + with[1], >, without[0] + without[1] + 0.2);
}

/* A wide phantom whose two discs lie far from the borders and from each
 * other (farther than a 2-level network's receptive field reaches): what
 * the network sees around either disc is the same, so only the position
 * channel can tell the sides apart. */
#define WX 96
#define WY 24
#define WZ 8

static PlVolume *
make_wide_volume (PlLabels *truth)
{
  const gint64 dim[3] = { WX, WY, WZ };
  PlVolume *v = pl_volume_new (dim, NULL, NULL);
  PlRng rng;

  pl_rng_init (&rng, 8);
  for (int k = 0; k < WZ; k++)
    for (int j = 0; j < WY; j++)
      for (int i = 0; i < WX; i++)
        {
          double r = 4.0 + 0.25 * k, dy = j - WY / 2.0 + 0.5;
          /* i runs towards R: the disc at low i is the left one */
          double dl = i - 28.5, dr = i - (WX - 29.5);
          gsize at = i + WX * (j + (gsize) WY * k);
          gboolean l = dl * dl + dy * dy < r * r, rt = dr * dr + dy * dy < r * r;
          v->data[at] = (l || rt ? 200.0f : 50.0f) + pl_rng_range (&rng, -15, 15);
          truth->data[at] = l ? LEFT : rt ? RIGHT : BACK;
        }
  pl_volume_update_stats (v);
  return v;
}

/* Dice of LEFT and RIGHT over the unpainted slices after training on
 * slices 1 and 5, with or without the position channel. */
static void
train_wide (const PlLabelTable *table, gboolean coords, int steps, double dice[2])
{
  g_autoptr (PlLabels) truth = pl_labels_new ((gint64[3]) { WX, WY, WZ });
  g_autoptr (PlVolume) v = make_wide_volume (truth);
  g_autoptr (PlLabels) painted = pl_labels_new (v->dim);
  g_autoptr (PlLabels) pred = pl_labels_new (v->dim);
  g_autoptr (PlTrainer) tr = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *skip = g_new0 (guint8, pl_labels_n_voxels (truth));
  const guint16 values[2] = { LEFT, RIGHT };
  PlLabelProvider prov;
  PlTrainConfig cfg;

  for (gsize i = 0; i < pl_labels_n_voxels (truth); i++)
    {
      int k = (int) (i / (WX * WY));
      skip[i] = k == 1 || k == 5;
      if (skip[i])
        painted->data[i] = truth->data[i];
    }
  pl_label_provider_init_static (&prov, painted);
  sides_config (&cfg);
  /* 2 levels: a receptive field of 18 pixels */
  cfg.net.depth = 2;
  cfg.net.channels[0] = 8;
  cfg.net.channels[1] = 16;
  cfg.net.channels[2] = 0;
  cfg.label_table = table;
  cfg.coords = coords;
  tr = pl_trainer_new (&cfg, v, &prov, &error);
  g_assert_no_error (error);
  for (int s = 0; s < steps; s++)
    g_assert_true (pl_trainer_step (tr, NULL, &error));
  g_assert_true (pl_model_predict_volume (pl_trainer_get_model (tr), v, 4, NULL, pred, NULL, &error));
  g_assert_no_error (error);
  pl_dice_per_value (pred->data, truth->data, pl_labels_n_voxels (truth), skip, values, 2, dice);
}

static void
test_position_channel (void)
{
  g_autoptr (PlLabelTable) table = pl_label_table_new_default ();
  int steps = TEST_SIZE (150, 10);
  double with[2], without[2];

  add (table, LEFT, "Left blob");
  add (table, RIGHT, "Right blob");
  add (table, BACK, "Background");
  train_wide (table, FALSE, steps, without);
  g_test_message ("discs beyond the receptive field, no position channel: left %.3f, right %.3f",
                  without[0], without[1]);
  train_wide (table, TRUE, steps, with);
  g_test_message ("with the position channel: left %.3f, right %.3f", with[0], with[1]);

#ifdef TEST_UNDER_SANITIZER
  g_test_skip ("accuracy is checked in the plain build (more steps)");
  return;
#endif
  g_assert_cmpfloat (with[0], >, 0.8);
  g_assert_cmpfloat (with[1], >, 0.8);
  g_assert_cmpfloat (with[0] + with[1], >, without[0] + without[1] + 0.2);
}

static void
test_unpaired_not_mirrored (void)
{
  g_autoptr (PlLabelTable) table = pl_label_table_new_default ();
  g_autoptr (PlLabels) truth = pl_labels_new ((gint64[3]) { DX, DY, DZ });
  g_autoptr (PlVolume) v = make_volume (truth);
  g_autoptr (PlTrainer) tr = NULL;
  g_autoptr (PlModel) m = NULL;
  g_autoptr (GError) error = NULL;
  PlLabelProvider prov;
  PlTrainConfig cfg;

  /* Only the left disc has a sided name, the right one none: there is no
   * class a mirrored left disc could become. */
  add (table, LEFT, "Left blob");
  add (table, RIGHT, "Other blob");
  add (table, BACK, "Background");
  pl_label_provider_init_static (&prov, truth);
  sides_config (&cfg);
  cfg.label_table = table;
  tr = pl_trainer_new (&cfg, v, &prov, &error);
  g_assert_no_error (error);
  g_assert_false (pl_trainer_get_lateral_flips (tr));
  g_assert_null (pl_trainer_get_mirror_classes (tr));
  for (int s = 0; s < 3; s++)
    g_assert_true (pl_trainer_step (tr, NULL, &error));
  m = pl_trainer_export_model (tr);
  g_assert_nonnull (strstr (m->training, "\"sides\":\"not flipped\""));
  /* the class names come from the table */
  g_assert_cmpstr (m->class_names[0], ==, "Left blob");

  /* No table: every flip as before. */
  g_clear_pointer (&tr, pl_trainer_free);
  cfg.label_table = NULL;
  tr = pl_trainer_new (&cfg, v, &prov, &error);
  g_assert_no_error (error);
  g_assert_true (pl_trainer_get_lateral_flips (tr));
  g_assert_null (pl_trainer_get_mirror_classes (tr));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  pl_engine_set_threads (1);
  g_test_add_func ("/sides/names", test_names);
  g_test_add_func ("/sides/pairs", test_pairs);
  g_test_add_func ("/sides/unpaired-not-mirrored", test_unpaired_not_mirrored);
  g_test_add_func ("/sides/phantom-sides-survive", test_phantom_sides_survive);
  g_test_add_func ("/sides/position-channel", test_position_channel);
  return g_test_run ();
}
