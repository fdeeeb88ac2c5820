/* Training settings and their command line.  See pel-train-settings.h. */
#define G_LOG_DOMAIN "pel-train"

#include "src/pel-train-settings.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <string.h>

#include "engine/data/dataset.h"
#include "engine/nn/slice-input.h"

void
pel_train_settings_init (PelTrainSettings *s,
                         const PlVolume   *volume)
{
  PlTrainConfig cfg;
  guint n;

  memset (s, 0, sizeof *s);
  pl_train_config_init (&cfg);
  s->preset = g_strdup (pl_unet_presets (&n)[0].name);
  /* without a volume, the axial axis of the usual RAS/LPS storage */
  s->axis = volume ? pl_volume_axial_axis (volume) : 2;
  s->steps = PL_TRAIN_DEFAULT_STEPS;
  s->batch = cfg.batch;
  s->seed = cfg.seed;
  s->lr = cfg.lr;
  s->lr_rampdown = cfg.lr_rampdown;
  /* Every core: the window has one engine job at a time. */
  s->threads = (int) g_get_num_processors ();
  s->holdout = TRUE;
  s->context = cfg.context;
  s->coords = cfg.coords;
  s->batch_norm = cfg.net.batch_norm;
  s->freeze = cfg.freeze;
  pl_method_config_init (&s->method);
}

void
pel_train_settings_copy (PelTrainSettings       *dst,
                         const PelTrainSettings *src)
{
  *dst = *src;
  dst->preset = g_strdup (src->preset);
  dst->init = g_strdup (src->init);
}

void
pel_train_settings_clear (PelTrainSettings *s)
{
  g_clear_pointer (&s->preset, g_free);
  g_clear_pointer (&s->init, g_free);
}

gboolean
pel_train_settings_compatible (const PelTrainSettings *a,
                               const PelTrainSettings *b)
{
  return g_strcmp0 (a->preset, b->preset) == 0 && a->fcn_head == b->fcn_head
         && a->attention == b->attention && a->context == b->context && a->coords == b->coords
         && a->batch_norm == b->batch_norm && g_strcmp0 (a->init, b->init) == 0 && a->freeze == b->freeze
         && a->axis == b->axis && a->batch == b->batch
         && a->seed == b->seed && a->lr == b->lr && a->lr_rampdown == b->lr_rampdown
         && a->threads == b->threads
         && a->method.kind == b->method.kind;
}

gboolean
pel_train_settings_to_config (const PelTrainSettings *s,
                              gint64                  holdout_slice,
                              PlTrainConfig          *cfg,
                              GError                **error)
{
  pl_train_config_init (cfg);
  if (!pl_unet_config_preset (s->preset, &cfg->net))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("Unknown network preset “%s”"), s->preset);
      return FALSE;
    }
  if (s->fcn_head)
    pl_unet_config_head (&cfg->net, "fcn");
  cfg->net.attention_heads = s->attention;
  cfg->net.batch_norm = s->batch_norm;
  if (!pl_unet_config_check (&cfg->net, error))
    return FALSE;
  if (!pl_slice_input_check (s->context, error))
    return FALSE;
  cfg->context = s->context;
  cfg->coords = s->coords;
  cfg->axis = s->axis;
  cfg->batch = s->batch;
  cfg->seed = s->seed;
  cfg->lr = (float) s->lr;
  cfg->lr_rampdown = (float) s->lr_rampdown;
  cfg->holdout_slice = holdout_slice;
  cfg->method = pl_method_kind_name (s->method.kind);
  return TRUE;
}

/* "5 levels, 16–256 channels" */
static char *
describe_levels (const PlUnetConfig *net)
{
  return g_strdup_printf (_("%d levels, %d–%d channels"), net->depth, net->channels[0],
                          net->channels[MAX (net->depth - 1, 0)]);
}

static char *
describe_input (int      context,
                gboolean coords)
{
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d slice per input%s", "%d slices per input%s",
                                       (gulong) context),
                          context, coords ? _(" and the position channel") : "");
}

gboolean
pel_train_settings_check_init (const PelTrainSettings *s,
                               const PlModel          *init,
                               const char             *name,
                               GError                **error)
{
  const PlUnetConfig *pre = pl_unet_get_config (init->unet);
  PlTrainConfig cfg;
  gboolean same_levels;

  if (!pel_train_settings_to_config (s, -1, &cfg, error))
    return FALSE;
  same_levels = pre->depth == cfg.net.depth;
  for (int l = 0; same_levels && l < pre->depth; l++)
    same_levels = pre->channels[l] == cfg.net.channels[l];
  if (!same_levels)
    {
      g_autofree char *theirs = describe_levels (pre), *ours = describe_levels (&cfg.net);
      const char *fits = NULL;
      guint n;
      const PlUnetPreset *presets = pl_unet_presets (&n);

      for (guint i = 0; i < n && fits == NULL; i++)
        {
          PlUnetConfig c;
          gboolean same = TRUE;
          presets[i].init (&c);
          same = c.depth == pre->depth;
          for (int l = 0; same && l < c.depth; l++)
            same = c.channels[l] == pre->channels[l];
          if (same)
            fits = presets[i].name;
        }
      if (fits)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                     _("The encoder of %s has %s, the network set here %s: choose the network “%s” to fine-tune it."),
                     name, theirs, ours, fits);
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                     _("The encoder of %s has %s, which no network here has (the one set here has %s)."),
                     name, theirs, ours);
      return FALSE;
    }
  if (init->context != MAX (s->context, 1) || init->coords != s->coords)
    {
      g_autofree char *theirs = describe_input (init->context, init->coords);
      g_autofree char *ours = describe_input (MAX (s->context, 1), s->coords);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The encoder of %s takes %s, the network set here %s: set Slices per input and the "
                     "position channel in Network options as it was pre-trained."),
                   name, theirs, ours);
      return FALSE;
    }
  if (pre->batch_norm != cfg.net.batch_norm)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   pre->batch_norm ? _("The encoder of %s has batch norm after every convolution: turn on Batch norm in Network options.")
                                   : _("The encoder of %s has no batch norm: turn off Batch norm in Network options."),
                   name);
      return FALSE;
    }
  if (pl_model_decoder_pretrained (init) && (pre->skip != cfg.net.skip || pre->upsample != cfg.net.upsample))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The decoder of %s (pre-trained by the local stage) is not the decoder of the network set here."),
                   name);
      return FALSE;
    }
  if (s->freeze == PL_FREEZE_NORM_ONLY && !cfg.net.batch_norm)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Training only the encoder's norms needs a network with norms: turn on Batch norm in "
                             "Network options and pre-train with it, or freeze another way."));
      return FALSE;
    }
  return TRUE;
}

const char *
pel_train_axis_name (const PlVolume *volume,
                     int             axis)
{
  static const char *anatomical[] = { "axial", "coronal", "sagittal" };
  static const char *voxel[] = { "i", "j", "k" };

  g_return_val_if_fail (axis >= 0 && axis < 3, "i");
  if (volume)
    for (int a = 0; a < 3; a++)
      if (pl_axis_from_name (volume, anatomical[a]) == axis)
        return anatomical[a];
  return voxel[axis];
}

static void
append_arg (GString    *cmd,
            const char *option,
            const char *value)
{
  g_string_append_printf (cmd, " %s", option);
  if (value)
    {
      g_autofree char *quoted = g_shell_quote (value);
      /* plain words stay readable */
      gboolean plain = strspn (value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               "0123456789-_./,:+=@%") == strlen (value) && *value;
      g_string_append_printf (cmd, " %s", plain ? value : quoted);
    }
}

char *
pel_train_settings_command_line (const PelTrainSettings *s,
                                 const PlVolume         *volume,
                                 const char             *image,
                                 const char             *labels,
                                 gint64                  total_steps,
                                 gint64                  holdout_slice)
{
  GString *cmd = g_string_new ("pellucid-cli train");
  g_autofree char *method = pl_method_config_to_args (&s->method);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  append_arg (cmd, "--image", image ? image : "IMAGE.nii.gz");
  append_arg (cmd, "--labels", labels ? labels : "LABELS.nii.gz");
  append_arg (cmd, "--out", "model.safetensors");
  append_arg (cmd, "--preset", s->preset);
  if (s->fcn_head)
    append_arg (cmd, "--head", "fcn");
  if (s->attention > 0)
    g_string_append_printf (cmd, " --attention %d", s->attention);
  if (s->context > 1)
    g_string_append_printf (cmd, " --context %d", s->context);
  if (s->coords)
    g_string_append (cmd, " --coords");
  if (s->batch_norm)
    g_string_append (cmd, " --batch-norm");
  if (s->init)
    {
      append_arg (cmd, "--init", s->init);
      append_arg (cmd, "--freeze", pl_freeze_name (s->freeze));
    }
  append_arg (cmd, "--axis", pel_train_axis_name (volume, s->axis));
  g_string_append_printf (cmd, " --steps %" G_GINT64_FORMAT " --batch %d --seed %" G_GUINT64_FORMAT,
                          total_steps, s->batch, s->seed);
  g_string_append_printf (cmd, " --lr %s", g_ascii_formatd (buf, sizeof buf, "%g", s->lr));
  g_string_append_printf (cmd, " --lr-rampdown %s", g_ascii_formatd (buf, sizeof buf, "%g", s->lr_rampdown));
  g_string_append_printf (cmd, " --threads %d", s->threads);
  if (holdout_slice >= 0)
    g_string_append_printf (cmd, " --holdout %" G_GINT64_FORMAT, holdout_slice);
  if (method && *method)
    g_string_append_printf (cmd, " %s", method);
  return g_string_free (cmd, FALSE);
}

/* One stage's `pellucid-cli pretrain …`. */
static void
append_pretrain (GString                *cmd,
                 const PelTrainSettings *s,
                 const PlVolume         *volume,
                 const char             *image,
                 const PlPretrainConfig *pc,
                 int                     batch,
                 gint64                  steps,
                 const char             *init,
                 const char             *out)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (cmd, "pellucid-cli pretrain");
  if (init)
    {
      g_string_append (cmd, " --local");
      append_arg (cmd, "--init", init);
    }
  append_arg (cmd, "--image", image ? image : "IMAGE.nii.gz");
  append_arg (cmd, "--out", out);
  if (init == NULL)
    {
      /* the second stage keeps the first one's network */
      append_arg (cmd, "--preset", s->preset);
      if (s->batch_norm)
        g_string_append (cmd, " --batch-norm");
      if (s->context > 1)
        g_string_append_printf (cmd, " --context %d", s->context);
      if (s->coords)
        g_string_append (cmd, " --coords");
    }
  append_arg (cmd, "--axis", pel_train_axis_name (volume, s->axis));
  g_string_append_printf (cmd, " --steps %" G_GINT64_FORMAT " --batch %d", steps, batch);
  g_string_append_printf (cmd, " --temperature %s", g_ascii_formatd (buf, sizeof buf, "%g", pc->temperature));
  g_string_append_printf (cmd, " --projection %d", pc->proj_dim);
  if (init)
    g_string_append_printf (cmd, " --regions %d", pc->regions);
  g_string_append_printf (cmd, " --seed %" G_GUINT64_FORMAT, s->seed);
  g_string_append_printf (cmd, " --lr %s", g_ascii_formatd (buf, sizeof buf, "%g", pc->lr));
  g_string_append_printf (cmd, " --threads %d", s->threads);
}

char *
pel_train_settings_pretrain_command_line (const PelTrainSettings *s,
                                          const PlVolume         *volume,
                                          const char             *image,
                                          const PlPretrainConfig *pc,
                                          int                     batch,
                                          gint64                  steps,
                                          gint64                  local_steps,
                                          const char             *out,
                                          const char             *local_out)
{
  GString *cmd = g_string_new (NULL);

  append_pretrain (cmd, s, volume, image, pc, batch, steps, NULL, out);
  if (local_steps > 0)
    {
      g_string_append (cmd, " && ");
      append_pretrain (cmd, s, volume, image, pc, batch, local_steps, out, local_out);
    }
  return g_string_free (cmd, FALSE);
}
