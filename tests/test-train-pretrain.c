/* The Train panel's pre-training and fine-tuning under a virtual X server,
 * on a small synthetic phantom: contrastive pre-training runs while the
 * user paints, its loss arrives, Stop ends it within a step and keeps the
 * encoder so far (written to the cache, named by the command line); Start
 * then fine-tunes from it with the encoder frozen — the trained encoder is
 * the pre-trained one bit for bit, the decoder learnt, and the model
 * records it.  The local stage hands its decoder on; a file that is not a
 * model and an encoder of another network are refused with a message that
 * names the file and what to change. */
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <string.h>
#include <utime.h>

#include "engine/data/dataset.h"
#include "engine/nn/finetune.h"
#include "src/pel-action-script.h"
#include "src/pel-train-panel.h"
#include "tests/panel-widgets.h"
#include "tests/test-sanitizer.h"

/* Steps of the fine-tuning runs: fewer under the sanitizers (the code
 * paths are the same). */
#define FINE_STEPS TEST_SIZE (10, 3)
#define LOCAL_STEPS TEST_SIZE (3, 1)

#define UI_WAIT_SECONDS 60
#include "tests/ui-wait.h"

#define NX 32
#define NY 32
#define NZ 12

/* A bright disk (label 2) in a dim square (label 1) on every slice, RAS,
 * 1 mm: voxel axis 2 is axial. */
static PlVolume *
make_phantom (void)
{
  const gint64 dim[3] = { NX, NY, NZ };
  PlVolume *v = pl_volume_new (dim, NULL, NULL);

  for (gint64 k = 0; k < NZ; k++)
    for (gint64 j = 0; j < NY; j++)
      for (gint64 i = 0; i < NX; i++)
        v->data[i + NX * (j + NY * k)] = hypot (i - 15.5, j - 15.5) < 7.0 + k * 0.3 ? 200.0f
                                         : (i > 3 && i < NX - 4 && j > 3 && j < NY - 4) ? 80.0f : 5.0f;
  pl_volume_update_stats (v);
  return v;
}

static PelDocument *
make_document (void)
{
  static const gint64 slices[] = { 2, 6, 10 };
  PelDocument *doc = pel_document_new ();
  PlLabels *labels;

  pel_document_set_volume (doc, make_phantom ());
  labels = pl_labels_new (pel_document_get_volume (doc)->dim);
  for (guint s = 0; s < G_N_ELEMENTS (slices); s++)
    for (gint64 j = 0; j < NY; j++)
      for (gint64 i = 0; i < NX; i++)
        labels->data[i + NX * (j + NY * slices[s])] = hypot (i - 15.5, j - 15.5) < 7.0 + slices[s] * 0.3 ? 2 : 1;
  pel_document_load_labels (doc, labels, NULL);
  return doc;
}

/* The panel in a window, with the small network and few steps. */
static PelTrainPanel *
make_panel (PelDocument *doc,
            PelTools    *tools,
            GtkWidget  **window)
{
  PelTrainPanel *panel = PEL_TRAIN_PANEL (pel_train_panel_new (doc, tools));
  PelTrainSettings s;

  *window = gtk_window_new ();
  gtk_window_set_child (GTK_WINDOW (*window), GTK_WIDGET (panel));
  gtk_window_set_default_size (GTK_WINDOW (*window), 420, 900);
  gtk_window_present (GTK_WINDOW (*window));
  pel_train_settings_init (&s, pel_document_get_volume (doc));
  g_free (s.preset);
  s.preset = g_strdup ("small");
  s.steps = FINE_STEPS;
  s.batch = 4;
  s.threads = 1;
  s.holdout = FALSE;
  pel_train_panel_set_settings (panel, &s);
  pel_train_settings_clear (&s);
  drain ();
  return panel;
}

static void
activate (PelTrainPanel *panel,
          const char    *action,
          GVariant      *parameter)
{
  g_autofree char *name = g_strconcat ("train.", action, NULL);
  GActionGroup *group = pel_action_script_find_group (GTK_WIDGET (panel), "train");

  g_assert_nonnull (group);
  g_assert_true (g_action_group_get_action_enabled (group, action));
  g_assert_true (gtk_widget_activate_action_variant (GTK_WIDGET (panel), name, parameter));
}

static gboolean
status_is_error (GtkWidget  *root,
                 const char *key)
{
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      if (GTK_IS_LABEL (c) && gtk_widget_has_css_class (c, "status-line")
          && g_str_equal (gtk_widget_get_name (c), key))
        return gtk_widget_get_visible (c) && gtk_widget_has_css_class (c, "error");
      if (status_is_error (c, key))
        return TRUE;
    }
  return FALSE;
}

typedef struct
{
  PelLiveRun *run;
  const char *series;
  guint       n;
} PointsWait;

static gboolean
points_arrived (gpointer data)
{
  PointsWait *w = data;
  guint n = 0;

  pel_live_run_get_series (w->run, w->series, &n);
  return n >= w->n;
}

static gboolean
run_ended (gpointer data)
{
  return !pel_live_run_get_running (data);
}

static gboolean
training_ended (gpointer data)
{
  return !pel_train_session_get_running (data);
}

static gboolean
file_exists (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

static gboolean
not_busy (gpointer panel)
{
  GActionGroup *group = pel_action_script_find_group (GTK_WIDGET (panel), "train");
  g_autoptr (GVariant) busy = g_action_group_get_action_state (group, "busy");
  return !g_variant_get_boolean (busy);
}

/* The network of m, copied (the panel's may be replaced meanwhile). */
static PlModel *
copy_model (const PlModel *m)
{
  return pl_model_new (pl_unet_copy (m->unet), m->n_classes, m->class_values,
                       (const char *const *) m->class_names);
}

/* Tensor `name` of unet, exported (file layout). */
static float *
tensor (const PlUnet *unet,
        const char   *name,
        gsize        *n)
{
  for (guint i = 0; i < pl_unet_n_tensors (unet); i++)
    if (g_str_equal (pl_unet_tensor_info (unet, i)->name, name))
      {
        const PlUnetParam *p = pl_unet_tensor_info (unet, i);
        float *buf = g_new (float, p->numel);
        pl_unet_param_export (unet, i, buf, FALSE);
        *n = p->numel;
        return buf;
      }
  g_error ("no tensor %s", name);
  return NULL;
}

/* Counts the encoder tensors of trained equal to pretrained's bit for bit
 * (*n_encoder of them in all) and the decoder tensors that differ. */
static void
compare_parts (const PlUnet *trained,
               const PlUnet *pretrained,
               guint        *n_encoder,
               guint        *n_encoder_same,
               guint        *n_decoder,
               guint        *n_decoder_changed)
{
  *n_encoder = *n_encoder_same = *n_decoder = *n_decoder_changed = 0;
  for (guint i = 0; i < pl_unet_n_tensors (trained); i++)
    {
      const char *name = pl_unet_tensor_info (trained, i)->name;
      gboolean encoder = pl_unet_tensor_is_encoder (trained, i, NULL);
      gboolean decoder = pl_unet_tensor_is_decoder (trained, i);
      g_autofree float *a = NULL, *b = NULL;
      gsize na, nb;

      if (!encoder && !decoder)
        continue;
      a = tensor (trained, name, &na);
      b = tensor (pretrained, name, &nb);
      g_assert_cmpuint (na, ==, nb);
      if (encoder)
        {
          (*n_encoder)++;
          *n_encoder_same += memcmp (a, b, sizeof (float) * na) == 0;
        }
      else
        {
          (*n_decoder)++;
          *n_decoder_changed += memcmp (a, b, sizeof (float) * na) != 0;
        }
    }
}

/* ---- pre-train, stop, fine-tune frozen --------------------------------------- */

/* Older encoders in the cache than it keeps, and a file of another kind. */
#define OLD_ENCODERS (PEL_ENCODER_CACHE_KEEP + 2)

static char *
cache_file (const char *name)
{
  return g_build_filename (g_get_user_cache_dir (), "pellucid", "pretrained", name, NULL);
}

static void
fill_cache (void)
{
  g_autofree char *dir = cache_file ("");
  g_autofree char *other = cache_file ("notes.txt");
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (other, "kept", -1, NULL));
  for (int i = 0; i < OLD_ENCODERS; i++)
    {
      g_autofree char *name = g_strdup_printf ("old-%02d.safetensors", i);
      g_autofree char *path = cache_file (name);
      /* old-00 the oldest, a day before old-01, … */
      struct utimbuf t = { now - (OLD_ENCODERS - i) * 86400, now - (OLD_ENCODERS - i) * 86400 };
      g_assert_true (g_file_set_contents (path, "x", -1, NULL));
      g_assert_cmpint (g_utime (path, &t), ==, 0);
    }
}

/* The run's file and the newest KEEP − 1 old ones stay; the rest went. */
static void
check_cache_pruned (const char *written)
{
  g_autofree char *other = cache_file ("notes.txt");

  g_assert_true (g_file_test (written, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (other, G_FILE_TEST_IS_REGULAR));
  for (int i = 0; i < OLD_ENCODERS; i++)
    {
      g_autofree char *name = g_strdup_printf ("old-%02d.safetensors", i);
      g_autofree char *path = cache_file (name);
      g_assert_cmpint (g_file_test (path, G_FILE_TEST_EXISTS), ==,
                       i >= OLD_ENCODERS - (PEL_ENCODER_CACHE_KEEP - 1));
    }
}

static void
test_stop_and_fine_tune (void)
{
  g_autoptr (PelDocument) doc = make_document ();
  g_autoptr (PelTools) tools = pel_tools_new ();
  GtkWidget *window;
  PelTrainPanel *panel = make_panel (doc, tools, &window);
  PelTrainSession *session = pel_train_panel_get_session (panel);
  PelLiveRun *run = pel_train_panel_get_pretrain_run (panel);
  PointsWait w = { run, "loss", 3 };
  g_autoptr (PlModel) pretrained = NULL;
  g_autofree char *steps_record = NULL, *init_arg = NULL, *file_record = NULL;
  const PelLivePoint *loss;
  const char *path, *command;
  PlModel *trained;
  guint n, n_enc, n_enc_same, n_dec, n_dec_changed;
  gint64 stopped_at, t0;
  double stop_s;

  g_object_add_weak_pointer (G_OBJECT (panel), (gpointer *) &panel);
  g_assert_null (pel_train_panel_get_encoder (panel));
  fill_cache ();
  /* nothing to fine-tune from yet */
  g_assert_null (strstr (pel_train_panel_get_command_line (panel), "--init"));

  /* a budget it will not reach: Stop ends it */
  activate (panel, "pretrain-steps", g_variant_new_int32 (100000));
  activate (panel, "pretrain-batch", g_variant_new_int32 (4));
  activate (panel, "pretrain", NULL);
  g_assert_true (pel_live_run_get_running (run));
  /* a script waits for it */
  g_assert_false (not_busy (panel));
  wait_until (points_arrived, &w);
  g_assert_true (g_str_has_prefix (status_line (GTK_WIDGET (panel), "pretrain"), "Pre-training the encoder: step "));

  /* The user paints meanwhile: pre-training holds no label lock, and a
   * stroke is in the map at once. */
  {
    PlSliceFrame frame;
    PlBrush brush = { PL_BRUSH_SQUARE, 3, FALSE };
    PlPaintRule rule;
    gint64 ijk[3] = { 5, 5, 4 }, x, y;
    PlEdit *edit;

    t0 = g_get_monotonic_time ();
    edit = pel_document_begin_edit (doc);
    pl_slice_frame_init (&frame, pel_document_get_volume (doc), PL_VIEW_AXIAL);
    pl_slice_frame_from_voxel (&frame, ijk, &x, &y, NULL);
    pel_document_init_rule (doc, &rule, 1, PL_PAINT_OVER_ALL, 0);
    g_assert_cmpuint (pel_document_paint_stamp (doc, edit, &frame, 4, &brush, &rule, x + 0.5, y + 0.5), ==, 9);
    pel_document_end_edit (doc, edit, "Paint");
    g_test_message ("a stroke while pre-training: %.1f ms", (g_get_monotonic_time () - t0) * 1e-3);
    g_assert_cmpuint (pel_document_get_labels (doc)->data[5 + NX * (5 + NY * 4)], ==, 1);
    g_assert_true (pel_live_run_get_running (run));
  }

  /* Stop: the run ends within a step and keeps what it learnt */
  t0 = g_get_monotonic_time ();
  activate (panel, "pretrain-stop", NULL);
  wait_until (run_ended, run);
  stop_s = (g_get_monotonic_time () - t0) * 1e-6;
  g_test_message ("stopped in %.3f s", stop_s);
  g_assert_cmpfloat (stop_s, <, 2.0 * TEST_TIME_SCALE);
  stopped_at = pel_live_run_get_done (run);
  g_assert_cmpint (stopped_at, >=, 3);
  g_assert_cmpint (stopped_at, <, 100000);
  loss = pel_live_run_get_series (run, "loss", &n);
  g_assert_cmpuint (n, ==, stopped_at);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpfloat (loss[i].x, ==, i + 1);
      g_assert_true (isfinite (loss[i].y) && loss[i].y > 0.0);
    }
  g_assert_nonnull (pel_train_panel_get_encoder (panel));
  g_assert_nonnull (strstr (pel_train_panel_get_encoder (panel)->training, "\"method\":\"contrastive\""));
  steps_record = g_strdup_printf ("\"steps\":%" G_GINT64_FORMAT ",", stopped_at);
  g_assert_nonnull (strstr (pel_train_panel_get_encoder (panel)->training, steps_record));
  g_assert_false (status_is_error (GTK_WIDGET (panel), "pretrain"));
  pretrained = copy_model (pel_train_panel_get_encoder (panel));

  /* written to the (test's) cache, and named by the command line */
  path = pel_train_panel_get_encoder_path (panel);
  g_assert_nonnull (path);
  g_assert_true (g_str_has_prefix (path, g_get_user_cache_dir ()));
  wait_until (file_exists, (gpointer) path);
  wait_until (not_busy, panel);
  check_cache_pruned (path);
  command = pel_train_panel_get_command_line (panel);
  init_arg = g_strdup_printf (" --init %s --freeze none ", path);
  g_assert_nonnull (strstr (command, init_arg));
  g_free (init_arg);
  init_arg = g_strdup_printf (" --init %s --freeze all-encoder ", path);

  /* Start fine-tunes from it with the encoder frozen */
  activate (panel, "freeze", g_variant_new_string ("all-encoder"));
  command = pel_train_panel_get_command_line (panel);
  g_assert_nonnull (strstr (command, " --freeze all-encoder "));
  g_assert_false (status_is_error (GTK_WIDGET (panel), "encoder"));
  click (GTK_WIDGET (panel), "_Start");
  g_assert_true (pel_train_session_get_running (session));
  wait_until (training_ended, session);
  g_assert_null (pel_train_session_get_error (session));
  g_assert_cmpint (pel_train_session_get_step (session), ==, FINE_STEPS);
  trained = pel_train_panel_get_model (panel);
  g_assert_nonnull (trained);

  compare_parts (trained->unet, pretrained->unet, &n_enc, &n_enc_same, &n_dec, &n_dec_changed);
  g_test_message ("encoder tensors %u (%u unchanged), decoder tensors %u (%u changed)",
                  n_enc, n_enc_same, n_dec, n_dec_changed);
  g_assert_cmpuint (n_enc, >, 0);
  g_assert_cmpuint (n_enc_same, ==, n_enc);
  g_assert_cmpuint (n_dec, >, 0);
  g_assert_cmpuint (n_dec_changed, >, 0);

  /* the model records where it started and what was frozen */
  file_record = g_strdup_printf ("\"init\":{\"file\":\"%s\",\"training\":{\"method\":\"contrastive\"", path);
  g_assert_nonnull (strstr (trained->training, file_record));
  g_assert_nonnull (strstr (trained->training, "\"init_parts\":\"encoder\""));
  g_assert_nonnull (strstr (trained->training, "\"frozen\":\"all-encoder\""));
  g_assert_null (strstr (trained->training, "\"frozen_params\":0"));

  /* Fresh weights again: the next Start has no init, while the command
   * line still tells of the run that was trained */
  activate (panel, "init", g_variant_new_string ("fresh"));
  g_assert_null (pel_train_panel_get_settings (panel)->init);
  g_assert_nonnull (strstr (pel_train_panel_get_command_line (panel), init_arg));

  gtk_window_destroy (GTK_WINDOW (window));
  drain ();
  g_assert_null (panel);
}

/* ---- the local stage --------------------------------------------------------- */

static void
test_local_stage (void)
{
  g_autoptr (PelDocument) doc = make_document ();
  g_autoptr (PelTools) tools = pel_tools_new ();
  GtkWidget *window;
  PelTrainPanel *panel = make_panel (doc, tools, &window);
  PelTrainSession *session = pel_train_panel_get_session (panel);
  PelLiveRun *run = pel_train_panel_get_pretrain_run (panel);
  g_autoptr (PlModel) pretrained = NULL;
  const PelLivePoint *points;
  PlModel *trained, *encoder;
  guint n, n_enc, n_enc_same, n_dec, n_dec_changed;

  g_object_add_weak_pointer (G_OBJECT (panel), (gpointer *) &panel);
  activate (panel, "pretrain-steps", g_variant_new_int32 (LOCAL_STEPS));
  activate (panel, "pretrain-batch", g_variant_new_int32 (2));
  activate (panel, "pretrain-local", g_variant_new_boolean (TRUE));
  activate (panel, "pretrain", NULL);
  wait_until (run_ended, run);
  wait_until (not_busy, panel);
  g_assert_false (status_is_error (GTK_WIDGET (panel), "pretrain"));
  /* both stages ran, the local one's steps numbered after the global's */
  g_assert_cmpint (pel_live_run_get_done (run), ==, 2 * LOCAL_STEPS);
  points = pel_live_run_get_series (run, "loss", &n);
  g_assert_cmpuint (n, ==, LOCAL_STEPS);
  points = pel_live_run_get_series (run, "local", &n);
  g_assert_cmpuint (n, ==, LOCAL_STEPS);
  g_assert_cmpfloat (points[0].x, ==, LOCAL_STEPS + 1);
  g_assert_true (isfinite (points[n - 1].y));
  encoder = pel_train_panel_get_encoder (panel);
  g_assert_nonnull (strstr (encoder->training, "\"method\":\"contrastive-local\""));
  g_assert_nonnull (strstr (encoder->training, "\"frozen\":\"all-encoder\""));
  g_assert_true (g_str_has_prefix (status_line (GTK_WIDGET (panel), "pretrain"), "Pre-trained "));
  pretrained = copy_model (encoder);
  /* the pre-training command is in the command line's note */
  activate (panel, "freeze", g_variant_new_string ("all-encoder"));

  /* fine-tuning takes the decoder too; the encoder stays as pre-trained */
  click (GTK_WIDGET (panel), "_Start");
  wait_until (training_ended, session);
  g_assert_null (pel_train_session_get_error (session));
  trained = pel_train_panel_get_model (panel);
  g_assert_nonnull (strstr (trained->training, "\"init_parts\":\"encoder+decoder\""));
  compare_parts (trained->unet, pretrained->unet, &n_enc, &n_enc_same, &n_dec, &n_dec_changed);
  g_assert_cmpuint (n_enc_same, ==, n_enc);
  g_assert_cmpuint (n_dec_changed, >, 0);

  gtk_window_destroy (GTK_WINDOW (window));
  drain ();
  g_assert_null (panel);
}

/* ---- bad encoders ------------------------------------------------------------- */

static gboolean
encoder_line_error (gpointer panel)
{
  return status_is_error (panel, "encoder");
}

static gboolean
encoder_loaded (gpointer panel)
{
  return pel_train_panel_get_encoder (panel) != NULL && not_busy (panel);
}

static void
test_bad_encoders (void)
{
  g_autoptr (PelDocument) doc = make_document ();
  g_autoptr (PelTools) tools = pel_tools_new ();
  GtkWidget *window;
  PelTrainPanel *panel = make_panel (doc, tools, &window);
  PelTrainSession *session = pel_train_panel_get_session (panel);
  g_autofree char *dir = g_dir_make_tmp ("pellucid-pretrain-XXXXXX", NULL);
  g_autofree char *junk = g_build_filename (dir, "notes.safetensors", NULL);
  g_autofree char *ref = g_build_filename (dir, "ref-encoder.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  const char *line;

  g_object_add_weak_pointer (G_OBJECT (panel), (gpointer *) &panel);

  /* a file that is not a model: refused, named, nothing taken */
  g_assert_true (g_file_set_contents (junk, "just some notes\n", -1, &error));
  activate (panel, "load-encoder", g_variant_new_string (junk));
  wait_until (encoder_line_error, panel);
  line = status_line (GTK_WIDGET (panel), "encoder");
  g_test_message ("%s", line);
  g_assert_true (g_str_has_prefix (line, "Cannot start from notes.safetensors: it is not a model file"));
  g_assert_null (pel_train_panel_get_encoder (panel));

  /* an encoder of another network (the reference UNet) */
  {
    PlUnetConfig cfg;
    static const guint16 values[2] = { 1, 2 };
    g_autoptr (PlModel) model = NULL;

    pl_unet_config_preset ("ref", &cfg);
    cfg.n_classes = 2;
    model = pl_model_new (pl_unet_new (&cfg, 3), 2, values, NULL);
    model->train_h = model->train_w = 32;
    g_assert_true (pl_model_save (model, ref, &error));
    g_assert_no_error (error);
  }
  activate (panel, "load-encoder", g_variant_new_string (ref));
  wait_until (encoder_loaded, panel);
  line = status_line (GTK_WIDGET (panel), "encoder");
  g_test_message ("%s", line);
  g_assert_true (status_is_error (GTK_WIDGET (panel), "encoder"));
  g_assert_cmpstr (line, ==, "The encoder of ref-encoder.safetensors has 5 levels, 16–256 channels, the network set "
                   "here 4 levels, 8–64 channels: choose the network “ref” to fine-tune it.");
  /* Start says the same and does not train */
  click (GTK_WIDGET (panel), "_Start");
  g_assert_false (pel_train_session_get_running (session));
  g_assert_cmpstr (status_line (GTK_WIDGET (panel), "train"), ==, line);
  g_assert_true (status_is_error (GTK_WIDGET (panel), "train"));
  /* so does the quality estimate, whose folds would fine-tune from it */
  click (GTK_WIDGET (panel), "_Quality");
  g_assert_true (g_str_has_prefix (status_line (GTK_WIDGET (panel), "quality"),
                                   "Cannot estimate quality: The encoder of ref-encoder.safetensors has 5 levels"));

  /* the network it was made for: fits */
  activate (panel, "preset", g_variant_new_string ("ref"));
  drain ();
  g_assert_false (status_is_error (GTK_WIDGET (panel), "encoder"));
  g_assert_true (g_str_has_prefix (status_line (GTK_WIDGET (panel), "encoder"),
                                   "Start fine-tunes from ref-encoder.safetensors, frozen: none"));
  /* other inputs do not */
  activate (panel, "context", g_variant_new_int32 (3));
  drain ();
  g_assert_true (status_is_error (GTK_WIDGET (panel), "encoder"));
  g_assert_true (g_str_has_prefix (status_line (GTK_WIDGET (panel), "encoder"),
                                   "The encoder of ref-encoder.safetensors takes 1 slice per input, the network "
                                   "set here 3 slices per input"));
  activate (panel, "context", g_variant_new_int32 (1));
  /* the parameter-efficient choice needs norms */
  activate (panel, "freeze", g_variant_new_string ("norm-only"));
  drain ();
  g_assert_true (status_is_error (GTK_WIDGET (panel), "encoder"));
  g_assert_true (g_str_has_prefix (status_line (GTK_WIDGET (panel), "encoder"),
                                   "Training only the encoder's norms needs a network with norms"));

  gtk_window_destroy (GTK_WINDOW (window));
  drain ();
  g_assert_null (panel);
  g_unlink (junk);
  g_unlink (ref);
  g_rmdir (dir);
}

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

int
main (int argc, char **argv)
{
  g_autofree char *cache = g_dir_make_tmp ("pellucid-cache-XXXXXX", NULL);
  int status;

  /* the pre-trained models go to the cache: a test's own */
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("GDK_DEBUG", "gl-disable", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ui/train/pretrain/stop-and-fine-tune", test_stop_and_fine_tune);
  g_test_add_func ("/ui/train/pretrain/local-stage", test_local_stage);
  g_test_add_func ("/ui/train/pretrain/bad-encoders", test_bad_encoders);
  status = g_test_run ();
  remove_tree (cache);
  return status;
}
