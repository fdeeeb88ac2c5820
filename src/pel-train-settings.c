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
  /* Every core: the window has one engine job at a time. */
  s->threads = (int) g_get_num_processors ();
  s->holdout = TRUE;
  s->context = cfg.context;
  s->coords = cfg.coords;
  pl_method_config_init (&s->method);
}

void
pel_train_settings_copy (PelTrainSettings       *dst,
                         const PelTrainSettings *src)
{
  *dst = *src;
  dst->preset = g_strdup (src->preset);
}

void
pel_train_settings_clear (PelTrainSettings *s)
{
  g_clear_pointer (&s->preset, g_free);
}

gboolean
pel_train_settings_compatible (const PelTrainSettings *a,
                               const PelTrainSettings *b)
{
  return g_strcmp0 (a->preset, b->preset) == 0 && a->fcn_head == b->fcn_head
         && a->attention == b->attention && a->context == b->context && a->coords == b->coords
         && a->axis == b->axis && a->batch == b->batch
         && a->seed == b->seed && a->lr == b->lr && a->threads == b->threads
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
  cfg->holdout_slice = holdout_slice;
  cfg->method = pl_method_kind_name (s->method.kind);
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
  append_arg (cmd, "--axis", pel_train_axis_name (volume, s->axis));
  g_string_append_printf (cmd, " --steps %" G_GINT64_FORMAT " --batch %d --seed %" G_GUINT64_FORMAT,
                          total_steps, s->batch, s->seed);
  g_string_append_printf (cmd, " --lr %s", g_ascii_formatd (buf, sizeof buf, "%g", s->lr));
  g_string_append_printf (cmd, " --threads %d", s->threads);
  if (holdout_slice >= 0)
    g_string_append_printf (cmd, " --holdout %" G_GINT64_FORMAT, holdout_slice);
  if (method && *method)
    g_string_append_printf (cmd, " %s", method);
  return g_string_free (cmd, FALSE);
}
