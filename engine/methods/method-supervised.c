/* Supervised training, as a method: the trainer's own loss (CE + 1 − soft
 * Dice on the painted slices, train.h), with the method's status. */
#define G_LOG_DOMAIN "pl-methods"

#include "engine/methods/method-private.h"

#include <math.h>

static PlTensor *
supervised_loss (PlTrainer *tr, PlTape *tape, const PlBatch *b, gpointer user_data,
                 GError **error)
{
  PlMethodState *st = user_data;
  PlTensor *loss;

  st->status.steps = pl_trainer_get_step (tr) - st->installed_at + 1;
  st->status.supervised_loss = NAN;
  st->status.unlabelled_loss = NAN;
  st->status.weight = 0.0;
  loss = pl_trainer_supervised_loss (tr, tape, b, NULL, error);
  if (loss)
    st->status.supervised_loss = loss->data[0];
  return loss;
}

static const PlMethodHooks supervised_hooks = {
  .loss = supervised_loss,
};

const PlMethodInfo pl_method_supervised = {
  .kind = PL_METHOD_SUPERVISED,
  .name = "supervised",
  .title = "Supervised",
  .summary = "Cross-entropy + (1 − soft Dice) on the painted slices only.",
  .params = NULL,
  .n_params = 0,
  .hooks = &supervised_hooks,
};
