/* Contrastive pre-training and fine-tuning from a pretrained encoder on a
 * small phantom: pre-training moves only the encoder and records
 * "contrastive", its local stage only the decoder; a loaded encoder reproduces its bottleneck outputs in a
 * fresh network; frozen parameters stay bitwise unchanged through training
 * steps while the others move; the model records what was frozen; bad
 * combinations fail with a message. */
#include <math.h>
#include <string.h>

#include "engine/core/error.h"
#include "engine/nn/finetune.h"
#include "engine/nn/pretrain.h"
#include "engine/nn/train.h"
#include "tests/test-sanitizer.h"

/* Smaller slices under the sanitizers: every path, less work. */
#define DX TEST_SIZE (32, 16)
#define DY TEST_SIZE (32, 16)
#define DZ 8
#define IN 5
#define OUT 7

/* Ellipses that change with the slice; slice 7 is empty (never sampled
 * for pre-training). */
static PlVolume *
make_volume (void)
{
  const gint64 dim[3] = { DX, DY, DZ };
  PlVolume *v = pl_volume_new (dim, NULL, NULL);
  PlRng rng;

  pl_rng_init (&rng, 99);
  for (int k = 0; k < DZ; k++)
    for (int j = 0; j < DY; j++)
      for (int i = 0; i < DX; i++)
        {
          double a = (i - DX / 2.0) / (6.0 + k), b = (j - DY / 2.0) / (10.0 - k);
          gboolean in = a * a + b * b < 1.0;
          v->data[i + DX * (j + DY * k)] = k == DZ - 1 ? 0.0f
                                          : (in ? 200.0f : 60.0f) + pl_rng_range (&rng, -20, 20);
        }
  pl_volume_update_stats (v);
  return v;
}

static PlLabels *
make_labels (void)
{
  const gint64 dim[3] = { DX, DY, DZ };
  PlLabels *l = pl_labels_new (dim);
  for (int k = 1; k < 4; k++)
    for (int j = 0; j < DY; j++)
      for (int i = 0; i < DX; i++)
        {
          double a = (i - DX / 2.0) / (6.0 + k), b = (j - DY / 2.0) / (10.0 - k);
          l->data[i + DX * (j + DY * k)] = a * a + b * b < 1.0 ? IN : OUT;
        }
  return l;
}

static void
small_config (PlTrainConfig *c, gboolean batch_norm)
{
  pl_train_config_init (c);
  c->net.depth = 3;
  c->net.channels[0] = 4;
  c->net.channels[1] = 8;
  c->net.channels[2] = 8;
  c->net.dropout_p = 0.1f;
  c->net.batch_norm = batch_norm;
  c->batch = 4;
  c->lr = 1e-2f;
  c->axis = 2;
  c->seed = 3;
}

/* Whether tensor i is the same in a and b, bitwise. */
static gboolean
tensor_equal (const PlUnet *a, const PlUnet *b, guint i)
{
  const PlUnetParam *p = pl_unet_tensor_info (a, i);
  return memcmp (pl_unet_params ((PlUnet *) a) + p->offset, pl_unet_params ((PlUnet *) b) + p->offset,
                 p->numel * sizeof (float)) == 0;
}

static PlModel *
pretrain (gboolean batch_norm, int steps)
{
  g_autoptr (PlVolume) v = make_volume ();
  g_autoptr (GError) error = NULL;
  g_autoptr (PlPretrainer) pt = NULL;
  g_autoptr (PlUnet) before = NULL;
  PlTrainConfig cfg;
  PlPretrainConfig pc;
  PlTrainStepInfo info;
  PlModel *m;

  small_config (&cfg, batch_norm);
  pl_pretrain_config_init (&pc);
  pc.proj_dim = 8;
  pt = pl_pretrainer_new (&cfg, &pc, v, &error);
  g_assert_no_error (error);
  before = pl_unet_copy (pl_trainer_get_model (pl_pretrainer_get_trainer (pt))->unet);
  for (int s = 0; s < steps; s++)
    {
      g_assert_true (pl_pretrainer_step (pt, &info, &error));
      g_assert_no_error (error);
      g_assert_true (isfinite (info.loss) && info.loss >= 0.0);
      /* 2B = 8 views: the loss is at most log (2B − 1) plus a margin of
       * 2/τ for a negative that is more similar than the positive. */
      g_assert_cmpfloat (info.loss, <, log (7.0) + 2.0 / pc.temperature);
    }
  m = pl_pretrainer_export_model (pt);
  /* The encoder moved, the decoder and heads did not. */
  {
    gboolean enc_moved = FALSE;
    for (guint i = 0; i < pl_unet_n_tensors (m->unet); i++)
      if (pl_unet_tensor_is_encoder (m->unet, i, NULL))
        enc_moved |= !tensor_equal (m->unet, before, i);
      else
        g_assert_true (tensor_equal (m->unet, before, i));
    g_assert_true (enc_moved);
  }
  g_assert_nonnull (strstr (m->training, "\"method\":\"contrastive\""));
  g_assert_nonnull (strstr (m->training, "\"loss\":\"nt-xent\""));
  return m;
}

static void
test_pretrain (void)
{
  G_GNUC_UNUSED g_autoptr (PlModel) m = pretrain (FALSE, 3);
}

/* A fresh network given the encoder computes the same bottleneck. */
static void
test_load_encoder (void)
{
  g_autoptr (PlModel) m = pretrain (TRUE, 2);
  g_autoptr (PlUnet) fresh = pl_unet_new (pl_unet_get_config (m->unet), 77);
  g_autoptr (PlTape) tape = pl_tape_new (1 << 22);
  g_autoptr (GError) error = NULL;
  PlUnetRun ra = { 0 }, rb = { 0 };
  PlTensor *x;
  guint n = 0;
  PlRng rng;

  pl_tape_set_grad_enabled (tape, FALSE);
  x = pl_tape_tensor (tape, 2, 1, 16, 16);
  pl_rng_init (&rng, 1);
  for (gsize i = 0; i < pl_tensor_numel (x); i++)
    x->data[i] = pl_rng_uniform (&rng);
  pl_unet_forward (m->unet, tape, x, &ra);
  pl_unet_forward (fresh, tape, x, &rb);
  g_assert_cmpint (memcmp (ra.bottleneck->data, rb.bottleneck->data,
                           pl_tensor_numel (ra.bottleneck) * sizeof (float)), !=, 0);
  g_assert_true (pl_unet_load_encoder (fresh, m->unet, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 3 * 2 * 4);   /* 3 levels × 2 convs × (w, b, γ, β) */
  pl_unet_forward (fresh, tape, x, &rb);
  g_assert_cmpint (memcmp (ra.bottleneck->data, rb.bottleneck->data,
                           pl_tensor_numel (ra.bottleneck) * sizeof (float)), ==, 0);

  /* Another network shape is refused by name. */
  {
    PlUnetConfig c = *pl_unet_get_config (m->unet);
    g_autoptr (PlUnet) other = NULL;
    c.channels[1] = 16;
    other = pl_unet_new (&c, 1);
    g_assert_false (pl_unet_load_encoder (other, m->unet, NULL, &error));
    g_assert_error (error, PL_ERROR, PL_ERROR_INVALID);
    g_assert_nonnull (strstr (error->message, "enc.1.0.weight"));
  }
}

/* Fine-tunes for a few steps under freeze; checks which tensors moved. */
static void
check_freeze (PlFreeze freeze, gboolean batch_norm)
{
  g_autoptr (PlModel) pre = pretrain (batch_norm, 2);
  g_autoptr (PlVolume) v = make_volume ();
  g_autoptr (PlLabels) l = make_labels ();
  g_autoptr (GError) error = NULL;
  g_autoptr (PlTrainer) tr = NULL;
  g_autoptr (PlModel) out = NULL;
  g_autofree char *want = g_strdup_printf ("\"frozen\":\"%s\"", pl_freeze_name (freeze));
  PlLabelProvider provider;
  PlTrainConfig cfg;
  PlUnet *u;
  int depth;

  small_config (&cfg, batch_norm);
  cfg.seed = 11;
  cfg.init = pre->unet;
  cfg.init_record = pre->training;
  cfg.freeze = freeze;
  pl_label_provider_init_static (&provider, l);
  tr = pl_trainer_new (&cfg, v, &provider, &error);
  g_assert_no_error (error);
  u = pl_trainer_get_model (tr)->unet;
  depth = pl_unet_get_config (u)->depth;
  /* Before any step the encoder is the pretrained one. */
  for (guint i = 0; i < pl_unet_n_tensors (u); i++)
    if (pl_unet_tensor_is_encoder (u, i, NULL))
      g_assert_true (tensor_equal (u, pre->unet, i));
  for (int s = 0; s < TEST_SIZE (4, 2); s++)
    {
      g_assert_true (pl_trainer_step (tr, NULL, &error));
      g_assert_no_error (error);
    }
  for (guint i = 0; i < pl_unet_n_tensors (u); i++)
    {
      const PlUnetParam *p = pl_unet_tensor_info (u, i);
      int level = -1;
      gboolean frozen = FALSE;
      if (pl_unet_tensor_is_encoder (u, i, &level))
        frozen = freeze == PL_FREEZE_ALL_ENCODER
                 || (freeze == PL_FREEZE_ENCODER_BUT_LAST && level < depth - 1)
                 || (freeze == PL_FREEZE_NORM_ONLY && !g_str_has_prefix (p->name, "norms."));
      if (pl_unet_tensor_is_encoder (u, i, NULL))
        g_assert_true (tensor_equal (u, pre->unet, i) == frozen);
      else if (g_str_has_suffix (p->name, "weight"))
        g_assert_false (tensor_equal (u, pre->unet, i));   /* the decoder trains */
    }
  out = pl_trainer_export_model (tr);
  g_assert_nonnull (strstr (out->training, want));
  g_assert_nonnull (strstr (out->training, "\"init\":{\"method\":\"contrastive\""));
}

static void
test_freeze (void)
{
  check_freeze (PL_FREEZE_ALL_ENCODER, FALSE);
  check_freeze (PL_FREEZE_ENCODER_BUT_LAST, FALSE);
  check_freeze (PL_FREEZE_NORM_ONLY, TRUE);
  check_freeze (PL_FREEZE_NONE, FALSE);
}

static void
test_bad (void)
{
  g_autoptr (PlModel) pre = pretrain (FALSE, 1);
  g_autoptr (PlVolume) v = make_volume ();
  g_autoptr (PlLabels) l = make_labels ();
  PlLabelProvider provider;
  PlTrainConfig cfg;
  PlFreeze f;

  pl_label_provider_init_static (&provider, l);
  small_config (&cfg, FALSE);
  /* freezing needs an encoder to keep */
  {
    g_autoptr (GError) error = NULL;
    cfg.freeze = PL_FREEZE_ALL_ENCODER;
    g_assert_null (pl_trainer_new (&cfg, v, &provider, &error));
    g_assert_nonnull (strstr (error->message, "pretrained encoder"));
  }
  /* norm-only needs norms */
  {
    g_autoptr (GError) error = NULL;
    cfg.init = pre->unet;
    cfg.freeze = PL_FREEZE_NORM_ONLY;
    g_assert_null (pl_trainer_new (&cfg, v, &provider, &error));
    g_assert_nonnull (strstr (error->message, "batch norm"));
  }
  /* an encoder without the norms this network has */
  {
    g_autoptr (GError) error = NULL;
    cfg.net.batch_norm = TRUE;
    cfg.freeze = PL_FREEZE_NONE;
    g_assert_null (pl_trainer_new (&cfg, v, &provider, &error));
    g_assert_nonnull (strstr (error->message, "norms.0.weight"));
  }
  /* pre-training needs negatives */
  {
    g_autoptr (GError) error = NULL;
    PlPretrainConfig pc;
    small_config (&cfg, FALSE);
    cfg.batch = 1;
    pl_pretrain_config_init (&pc);
    g_assert_null (pl_pretrainer_new (&cfg, &pc, v, &error));
    g_assert_error (error, PL_ERROR, PL_ERROR_INVALID);
  }
  g_assert_true (pl_freeze_from_name ("encoder-but-last", &f) && f == PL_FREEZE_ENCODER_BUT_LAST);
  g_assert_false (pl_freeze_from_name ("decoder", &f));
}

/* The local stage on the global stage's encoder: the encoder stays
 * bitwise, the decoder moves, the class head is untouched, the loss falls
 * and stays in range; the record says so; fine-tuning from it starts with
 * both encoder and decoder; without a first stage it is refused. */
static void
test_pretrain_local (void)
{
  g_autoptr (PlModel) global = pretrain (FALSE, 2);
  g_autoptr (PlVolume) v = make_volume ();
  g_autoptr (PlLabels) labels = make_labels ();
  g_autoptr (GError) error = NULL;
  g_autoptr (PlPretrainer) pt = NULL;
  g_autoptr (PlUnet) before = NULL;
  g_autoptr (PlModel) local = NULL;
  g_autoptr (PlTrainer) tr = NULL;
  g_autoptr (PlModel) tuned = NULL;
  PlLabelProvider prov;
  PlTrainConfig cfg;
  PlPretrainConfig pc;
  int steps = TEST_SIZE (40, 8);
  double first = 0.0, last = 0.0;
  gboolean dec_moved = FALSE;

  small_config (&cfg, FALSE);
  pl_pretrain_config_init (&pc);
  pc.proj_dim = 8;
  pc.local = TRUE;
  pc.regions = 4;
  g_assert_null (pl_pretrainer_new (&cfg, &pc, v, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "fixed encoder"));
  g_clear_error (&error);

  cfg.init = global->unet;
  pt = pl_pretrainer_new (&cfg, &pc, v, &error);
  g_assert_no_error (error);
  before = pl_unet_copy (pl_trainer_get_model (pl_pretrainer_get_trainer (pt))->unet);
  for (int s = 0; s < steps; s++)
    {
      PlTrainStepInfo info;
      g_assert_true (pl_pretrainer_step (pt, &info, &error));
      g_assert_no_error (error);
      /* 2B · 16 = 128 regions: at most log 127 plus 2/τ */
      g_assert_true (isfinite (info.loss) && info.loss >= 0.0);
      g_assert_cmpfloat (info.loss, <, log (127.0) + 2.0 / pc.temperature);
      if (s < 4)
        first += info.loss / 4;
      if (s >= steps - 4)
        last += info.loss / 4;
    }
  g_test_message ("local contrastive loss %.3f → %.3f over %d steps", first, last, steps);
  local = pl_pretrainer_export_model (pt);
  for (guint i = 0; i < pl_unet_n_tensors (local->unet); i++)
    if (pl_unet_tensor_is_encoder (local->unet, i, NULL))
      g_assert_true (tensor_equal (local->unet, global->unet, i));
    else if (pl_unet_tensor_is_decoder (local->unet, i))
      dec_moved |= !tensor_equal (local->unet, before, i);
    else
      g_assert_true (tensor_equal (local->unet, before, i));
  g_assert_true (dec_moved);
  g_assert_nonnull (strstr (local->training, "\"method\":\"contrastive-local\""));
  g_assert_nonnull (strstr (local->training, "\"regions\":16"));
  g_assert_nonnull (strstr (local->training, "\"trained\":\"decoder\""));
  g_assert_true (pl_model_decoder_pretrained (local));
  g_assert_false (pl_model_decoder_pretrained (global));
#ifndef TEST_UNDER_SANITIZER
  g_assert_cmpfloat (last, <, first);
#endif

  /* fine-tuning takes both halves */
  pl_label_provider_init_static (&prov, labels);
  small_config (&cfg, FALSE);
  cfg.init = local->unet;
  cfg.init_decoder = pl_model_decoder_pretrained (local);
  cfg.init_record = "{}";
  tr = pl_trainer_new (&cfg, v, &prov, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < pl_unet_n_tensors (local->unet); i++)
    if (pl_unet_tensor_is_encoder (local->unet, i, NULL) || pl_unet_tensor_is_decoder (local->unet, i))
      g_assert_true (tensor_equal (pl_trainer_get_model (tr)->unet, local->unet, i));
  tuned = pl_trainer_export_model (tr);
  g_assert_nonnull (strstr (tuned->training, "\"init_parts\":\"encoder+decoder\""));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/finetune/pretrain", test_pretrain);
  g_test_add_func ("/finetune/load-encoder", test_load_encoder);
  g_test_add_func ("/finetune/freeze", test_freeze);
  g_test_add_func ("/finetune/bad", test_bad);
  g_test_add_func ("/finetune/pretrain-local", test_pretrain_local);
  return g_test_run ();
}
