/* pellucid-cli train --method: the options come from the engine's parameter
 * table, the saved model records the method and every setting, and a bad
 * setting is refused naming it (exit status 2).  The small network: what is
 * tested is the recording, and the reference network's steps take tens of
 * seconds under ThreadSanitizer. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/data/labels.h"
#include "engine/methods/methods.h"
#include "engine/nn/model.h"
#include "engine/data/volume.h"

static char *tmpdir;
static const char *cli;

static char *
tmp (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

/* Exit status of the CLI run with args (NULL-terminated); stderr in *err. */
static int
run (char **err, const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  int status;

  g_ptr_array_add (argv, (char *) cli);
  for (int i = 0; args[i]; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, err, &status, &error));
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

/* 32 × 32 × 6, a bright disc (label 2) on background (label 1), labels on
 * slices 1 and 4 only. */
static void
make_data (const char *img, const char *lab)
{
  const gint64 dim[3] = { 32, 32, 6 };
  g_autoptr (PlVolume) v = pl_volume_new (dim, NULL, NULL);
  g_autoptr (PlLabels) l = pl_labels_new (dim);
  g_autoptr (GError) error = NULL;

  for (int k = 0; k < 6; k++)
    for (int j = 0; j < 32; j++)
      for (int i = 0; i < 32; i++)
        {
          gsize at = i + 32 * (j + 32 * k);
          gboolean disc = (i - 16) * (i - 16) + (j - 15) * (j - 15) < 64 + 4 * k;
          v->data[at] = disc ? 150.0f : 20.0f;
          if (k == 1 || k == 4)
            l->data[at] = disc ? 2 : 1;
        }
  pl_volume_update_stats (v);
  g_assert_true (pl_volume_save (v, img, &error));
  g_assert_true (pl_labels_save (l, v, lab, &error));
  g_assert_no_error (error);
}

static void
test_method_recorded (void)
{
  g_autofree char *img = tmp ("img.nii.gz"), *lab = tmp ("lab.nii.gz");
  PlMethodKind kinds[] = { PL_METHOD_SELF_TRAINING, PL_METHOD_MEAN_TEACHER, PL_METHOD_CONSISTENCY };

  make_data (img, lab);
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      g_autofree char *model_path = tmp ("m.safetensors"), *err = NULL;
      g_autoptr (PlModel) model = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
      PlMethodConfig want, got;
      guint n;
      const PlMethodParam *p = pl_method_params (kinds[k], &n);

      /* Every setting given, each a legal value other than its default. */
      pl_method_config_init (&want);
      want.kind = kinds[k];
      g_ptr_array_add (args, g_strdup ("train"));
      for (const char *const *a = (const char *const[]) { "--image", img, "--labels", lab, "--out", model_path,
                                                          "--steps", "3", "--batch", "4", "--preset", "small",
                                                          "--method",
                                                          pl_method_kind_name (kinds[k]), NULL }; *a; a++)
        g_ptr_array_add (args, g_strdup (*a));
      for (guint i = 0; i < n; i++)
        {
          double v = pl_method_config_get (&want, &p[i]);
          double nv = p[i].type == PL_METHOD_PARAM_FLOAT ? (v > p[i].min ? 0.5 * (v + p[i].min) : p[i].min + 0.25)
                      : v > p[i].min ? p[i].min : p[i].min + 1;
          if (strcmp (p[i].name, "unlabelled_batch") == 0)
            nv = 1;                              /* < batch 4 */
          g_assert_true (pl_method_config_set (&want, &p[i], nv, &error));
          g_assert_no_error (error);
          g_ptr_array_add (args, g_strdelimit (g_strdup_printf ("--%s", p[i].name), "_", '-'));
          g_ptr_array_add (args, g_strdup_printf ("%.9g", nv));
        }
      g_ptr_array_add (args, NULL);
      g_assert_cmpint (run (&err, (const char *const *) args->pdata), ==, 0);
      /* the progress lines say what the panel's status line says */
      if (kinds[k] == PL_METHOD_MEAN_TEACHER)
        g_assert_nonnull (strstr (err, "  teacher α "));

      model = pl_model_load (model_path, &error);
      g_assert_no_error (error);
      g_test_message ("%s", model->training);
      pl_method_config_init (&got);
      g_assert_true (pl_method_config_from_json (&got, model->training, &error));
      g_assert_no_error (error);
      g_assert_cmpint (got.kind, ==, kinds[k]);
      for (guint i = 0; i < n; i++)
        g_assert_cmpfloat (pl_method_config_get (&got, &p[i]), ==, pl_method_config_get (&want, &p[i]));
    }
}

static void
test_bad_settings (void)
{
  g_autofree char *img = tmp ("img.nii.gz"), *lab = tmp ("lab.nii.gz"), *m = tmp ("bad.safetensors");
  struct { const char *method, *opt, *value, *fragment; } cases[] = {
    { "mean-teacher", "--alpha", "1.5", "alpha" },
    { "mean-teacher", "--alpha", "high", "--alpha: 'high' is not a number" },
    { "self-training", "--rounds", "2.5", "rounds" },
    { "supervised", "--threshold", "0.5", "--threshold is not a setting of --method supervised" },
    { "magic", "--threshold", "0.5", "unknown method 'magic'" },
    { "consistency", "--unlabelled-batch", "8", "unlabelled_batch (8) must be smaller than the batch (8)" },
  };

  make_data (img, lab);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *err = NULL;
      const char *args[] = { "train", "--image", img, "--labels", lab, "--out", m, "--steps", "1",
                             "--method", cases[i].method, cases[i].opt, cases[i].value, NULL };
      int status = run (&err, args);
      g_test_message ("%s", err);
      g_assert_cmpint (status, >=, 1);
      g_assert_cmpint (status, <=, 2);
      g_assert_nonnull (strstr (err, cases[i].fragment));
      g_assert_false (g_file_test (m, G_FILE_TEST_EXISTS));
    }
  /* bench fewshot takes the settings of the methods it runs, and refuses
   * one that belongs to none of them before any training */
  {
    g_autofree char *err = NULL;
    const char *args[] = { "bench", "fewshot", "--methods", "supervised,consistency", "--alpha", "0.9", NULL };
    g_assert_cmpint (run (&err, args), ==, 2);
    g_assert_nonnull (strstr (err, "--alpha is not a setting of any method run"));
  }
}

int
main (int argc, char **argv)
{
  int r;

  g_test_init (&argc, &argv, NULL);
  cli = g_getenv ("PELLUCID_CLI");
  if (!cli)
    {
      g_test_skip ("PELLUCID_CLI not set");
      return 77;
    }
  tmpdir = g_dir_make_tmp ("pellucid-methods-cli-XXXXXX", NULL);
  g_test_add_func ("/methods-cli/recorded", test_method_recorded);
  g_test_add_func ("/methods-cli/bad-settings", test_bad_settings);
  r = g_test_run ();
  {
    g_autoptr (GDir) d = g_dir_open (tmpdir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name (d)))
      {
        g_autofree char *path = g_build_filename (tmpdir, name, NULL);
        g_unlink (path);
      }
  }
  g_rmdir (tmpdir);
  g_free (tmpdir);
  return r;
}
