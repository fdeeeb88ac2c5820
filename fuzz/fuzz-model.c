/* libFuzzer target: the model reader (safetensors container + Pellucid's
 * JSON metadata), parsing straight from memory as pl_model_load() does
 * after reading the file.  A parse may fail, but only with a
 * PL_ERROR naming the file; a model that loads must survive being
 * written and read again unchanged.  The deep-ensemble reader runs on the
 * same input: its member 0 is the single model. */
#include <string.h>

#include "engine/nn/model.h"
#include "fuzz/fuzz-common.h"

#define FUZZ_NAME "fuzzinput.safetensors"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_setup ();
  return 0;
}

static void
check_same (const PlModel *a, const PlModel *b)
{
  const PlUnet *ua = a->unet, *ub = b->unet;

  if (a->n_classes != b->n_classes || a->axis != b->axis
      || a->train_h != b->train_h || a->train_w != b->train_w
      || a->norm_offset != b->norm_offset || a->norm_divisor != b->norm_divisor
      || memcmp (a->class_values, b->class_values, a->n_classes * sizeof (guint16)) != 0
      || g_strcmp0 (a->training, b->training) != 0
      || memcmp (pl_unet_get_config (ua), pl_unet_get_config (ub), sizeof (PlUnetConfig)) != 0
      || pl_unet_n_params (ua) != pl_unet_n_params (ub)
      || memcmp (pl_unet_params ((PlUnet *) ua), pl_unet_params ((PlUnet *) ub),
                 pl_unet_n_params (ua) * sizeof (float)) != 0)
    abort ();
  for (int c = 0; c < a->n_classes; c++)
    if (strcmp (a->class_names[c], b->class_names[c]) != 0)
      abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (PlModel) model = pl_model_parse (bytes, FUZZ_NAME, &error);
  g_autoptr (GBytes) saved = NULL;
  g_autoptr (PlModel) again = NULL;

  if (model == NULL)
    {
      if (error == NULL || error->domain != PL_ERROR
          || strstr (error->message, FUZZ_NAME) == NULL)
        abort ();
      return 0;
    }
  saved = pl_model_to_bytes (model);
  again = pl_model_parse (saved, "saved.safetensors", &error);
  if (again == NULL)
    abort ();
  check_same (model, again);
  {
    int n = 0;
    PlModel **members = pl_model_parse_ensemble (bytes, FUZZ_NAME, &n, &error);
    if (members == NULL)
      {
        if (error == NULL || error->domain != PL_ERROR || strstr (error->message, FUZZ_NAME) == NULL)
          abort ();
        return 0;
      }
    if (n < 1 || members[n] != NULL)
      abort ();
    /* Member 0's training text may come from the ensemble entry. */
    if (pl_unet_n_params (members[0]->unet) != pl_unet_n_params (model->unet)
        || memcmp (pl_unet_params (members[0]->unet), pl_unet_params (model->unet),
                   pl_unet_n_params (model->unet) * sizeof (float)) != 0)
      abort ();
    pl_model_ensemble_free (members);
  }
  return 0;
}
