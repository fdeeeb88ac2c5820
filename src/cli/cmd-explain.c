/* pellucid-cli explain: explanation maps of a model's decision on one slice.
 *
 *   pellucid-cli explain --model M --image I [--slice Z] [--axis A]
 *                        --target VALUE[:REGION.nii.gz | @Y,X]
 *                        --method grad,gradcam,lrp-ab,… [--set occlusion.patch=8 …]
 *                        --out PREFIX [--threads 2]
 *
 * The score explained is the sum of the class's pre-softmax logits over the
 * target region (the class's predicted region on the slice by default).
 * Writes PREFIX_<method>.nii.gz (float32 heat maps on I's grid, zero off
 * the slice), PREFIX.png (the slice, then each map, four to a row; signed
 * maps blue–white–red, the others black–red–yellow, each scaled to its
 * 99.5th percentile of |value|) and PREFIX.json (score, region, per map its
 * settings, compute time and, for LRP, the relevance sum), which is also
 * printed. */
#define G_LOG_DOMAIN "pellucid-cli"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/gemm.h"
#include "engine/data/dataset.h"
#include "src/cli/commands.h"
#include "src/cli/explain-options.h"
#include "src/cli/png-write.h"

typedef struct
{
  PelExplainProblem *p;
  const char        *prefix;
  JsonBuilder       *json;
  GPtrArray         *maps;     /* float (h·w) copies, for the grid */
  GError            *error;
} Run;

static int
cmp_float (const void *a, const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return x < y ? -1 : x > y;
}

static float
percentile_abs (const float *v, gsize n, double q)
{
  g_autofree float *a = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    a[i] = fabsf (v[i]);
  qsort (a, n, sizeof *a, cmp_float);
  return a[MIN ((gsize) (q * (n - 1) + 0.5), n - 1)];
}

static gboolean
save_slice_map (PelExplainProblem *p, const float *map, const char *path, GError **error)
{
  g_autoptr (PlVolume) v = pl_volume_copy (p->volume);
  g_autofree float *s = g_new (float, (gsize) p->slice_h * p->slice_w);
  gsize sh, sw, off;

  memset (v->data, 0, pl_volume_n_voxels (v) * sizeof (float));
  pl_explainer_to_slice (p->ex, map, p->slice_h, p->slice_w, s);
  pl_slice_strides (v->dim, p->axis, p->slice, &sh, &sw, &off);
  for (int y = 0; y < p->slice_h; y++)
    for (int x = 0; x < p->slice_w; x++)
      v->data[off + y * sh + x * sw] = s[(gsize) y * p->slice_w + x];
  v->scl_slope = 1.0;
  v->scl_inter = 0.0;
  pl_volume_update_stats (v);
  return pl_volume_save (v, path, error);
}

static void
on_map (const PlExplainResult *r, gpointer user_data)
{
  Run *run = user_data;
  g_autofree char *path = g_strdup_printf ("%s_%s.nii.gz", run->prefix, r->method->name);

  fprintf (stderr, "%-15s %9.1f ms\n", r->method->name, r->ms);
  g_ptr_array_add (run->maps, g_memdup2 (r->map, (gsize) r->h * r->w * sizeof (float)));
  if (!run->error)
    save_slice_map (run->p, r->map, path, &run->error);
  json_builder_begin_object (run->json);
  json_builder_set_member_name (run->json, "method");
  json_builder_add_string_value (run->json, r->method->name);
  json_builder_set_member_name (run->json, "label");
  json_builder_add_string_value (run->json, r->method->label);
  json_builder_set_member_name (run->json, "ms");
  json_builder_add_double_value (run->json, r->ms);
  if (!isnan (r->info.relevance_sum))
    {
      json_builder_set_member_name (run->json, "relevance_sum");
      json_builder_add_double_value (run->json, r->info.relevance_sum);
    }
  json_builder_set_member_name (run->json, "file");
  json_builder_add_string_value (run->json, path);
  json_builder_end_object (run->json);
}

static gboolean
write_grid (Run *run, GPtrArray *methods, const char *path, GError **error)
{
  PlExplainer *ex = run->p->ex;
  int h = pl_explainer_get_height (ex), w = pl_explainer_get_width (ex);
  int n = run->maps->len + 1, cols = MIN (n, 4), rows = (n + cols - 1) / cols, gap = 4;
  int W = cols * w + (cols - 1) * gap, H = rows * h + (rows - 1) * gap;
  gsize stride = (gsize) W * 3, hw = (gsize) h * w;
  g_autofree guint8 *rgb = g_malloc ((gsize) H * stride);
  const float *x = pl_explainer_get_input (ex);
  const float *region = pl_explainer_get_region (ex);
  float lo, hi;

  memset (rgb, 255, (gsize) H * stride);
  {
    g_autofree float *s = g_memdup2 (x, hw * sizeof (float));
    qsort (s, hw, sizeof *s, cmp_float);
    lo = s[(gsize) (0.01 * (hw - 1))];
    hi = s[(gsize) (0.99 * (hw - 1))];
  }
  for (int y = 0; y < h; y++)
    for (int xx = 0; xx < w; xx++)
      {
        gsize i = (gsize) y * w + xx;
        float v = CLAMP ((x[i] - lo) / MAX (hi - lo, 1e-6f), 0.0f, 1.0f);
        guint8 g = (guint8) lrintf (255.0f * v), *px = rgb + (gsize) y * stride + xx * 3;
        /* The target region's outline in green. */
        gboolean edge = region[i] != 0.0f
                        && (y == 0 || xx == 0 || y == h - 1 || xx == w - 1
                            || !region[i - 1] || !region[i + 1] || !region[i - w] || !region[i + w]);
        px[0] = edge ? 0 : g;
        px[1] = edge ? 255 : g;
        px[2] = edge ? 0 : g;
      }
  for (guint k = 0; k < run->maps->len; k++)
    {
      const PlExplainMethod *m = g_ptr_array_index (methods, k);
      const float *map = g_ptr_array_index (run->maps, k);
      int t = k + 1, ty = t / cols * (h + gap), tx = t % cols * (w + gap);
      float scale = percentile_abs (map, hw, 0.995);
      pel_png_colour_map (map, w, h, m->is_signed, scale, rgb + (gsize) ty * stride + tx * 3, stride);
    }
  return pel_png_write_rgb (path, rgb, W, H, error);
}

int
pel_cli_explain (int argc, char **argv)
{
  g_autofree char *image = NULL, *model_path = NULL, *out = NULL, *target = NULL, *list = NULL;
  g_autofree char *axis = NULL;
  g_auto (GStrv) settings = NULL;
  gint64 slice = -1;
  int threads = 2;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "Model (safetensors)", "M" },
    { "image", 'i', 0, G_OPTION_ARG_FILENAME, &image, "Intensity volume (NIfTI)", "I" },
    { "slice", 'z', 0, G_OPTION_ARG_INT64, &slice, "Slice index along the axis (middle)", "Z" },
    { "axis", 0, 0, G_OPTION_ARG_STRING, &axis, "axial | coronal | sagittal | i | j | k (the model's)", "A" },
    { "target", 0, 0, G_OPTION_ARG_STRING, &target,
      "Label value, optionally :REGION.nii.gz or @Y,X (default: the predicted region)", "T" },
    { "method", 0, 0, G_OPTION_ARG_STRING, &list, "Comma-separated methods", "LIST" },
    { "set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &settings, "A method's setting, e.g. occlusion.patch=8", "M.K=V" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Output prefix", "PREFIX" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "Threads (2)", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) methods = g_ptr_array_new ();
  g_autoptr (GArray) params = g_array_new (FALSE, TRUE, sizeof (double));
  g_autofree const double **pp = NULL;
  g_autoptr (JsonBuilder) json = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL, *json_path = NULL, *png_path = NULL;
  PelExplainProblem p = { 0 };
  Run run = { &p, NULL, json, NULL, NULL };
  int oy, ox, status = 1;

  g_option_context_set_summary (context, "Explanation maps of a model's decision on one slice.\n"
                                         "Methods: grad, gradxinput, ig, smoothgrad, deconvnet, guided, "
                                         "gradcam, guided-gradcam, lrp-eps, lrp-ab, lrp-a2b1, occlusion.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "pellucid-cli explain: %s\n", error->message);
      return 2;
    }
  if (!image || !model_path || !out || !target || !list || argc != 1 || threads < 1)
    {
      fprintf (stderr, "Usage: pellucid-cli explain --model M --image I [--slice Z] --target VALUE[:REGION] "
                       "--method LIST --out PREFIX\n");
      return 2;
    }
  pl_engine_set_threads (threads);
  if (!pel_explain_parse_methods (list, settings, methods, params, &error)
      || !pel_explain_problem_load (&p, model_path, image, axis, slice, target, &error))
    {
      fprintf (stderr, "pellucid-cli explain: %s\n", error->message);
      pel_explain_problem_clear (&p);
      return 1;
    }
  pp = g_new (const double *, methods->len);
  for (guint i = 0; i < methods->len; i++)
    pp[i] = &g_array_index (params, double, i * PL_EXPLAIN_MAX_PARAMS);
  run.prefix = out;
  run.maps = g_ptr_array_new_with_free_func (g_free);
  pl_explainer_get_offset (p.ex, &oy, &ox);

  json_builder_begin_object (json);
  json_builder_set_member_name (json, "model");
  json_builder_add_string_value (json, model_path);
  json_builder_set_member_name (json, "image");
  json_builder_add_string_value (json, image);
  json_builder_set_member_name (json, "axis");
  json_builder_add_int_value (json, p.axis);
  json_builder_set_member_name (json, "slice");
  json_builder_add_int_value (json, p.slice);
  json_builder_set_member_name (json, "target");
  json_builder_add_string_value (json, target);
  json_builder_set_member_name (json, "window");
  json_builder_begin_array (json);
  json_builder_add_int_value (json, oy);
  json_builder_add_int_value (json, ox);
  json_builder_add_int_value (json, pl_explainer_get_height (p.ex));
  json_builder_add_int_value (json, pl_explainer_get_width (p.ex));
  json_builder_end_array (json);
  json_builder_set_member_name (json, "region_pixels");
  json_builder_add_int_value (json, pl_explainer_region_size (p.ex));
  json_builder_set_member_name (json, "score");
  json_builder_add_double_value (json, pl_explainer_score (p.ex));
  json_builder_set_member_name (json, "maps");
  json_builder_begin_array (json);
  if (!pl_explain_run (p.ex, (const PlExplainMethod *const *) methods->pdata, pp, methods->len,
                       on_map, &run, NULL, &error))
    {
      fprintf (stderr, "pellucid-cli explain: %s\n", error->message);
      goto out;
    }
  if (run.error)
    {
      fprintf (stderr, "pellucid-cli explain: %s\n", run.error->message);
      goto out;
    }
  json_builder_end_array (json);
  png_path = g_strdup_printf ("%s.png", out);
  json_builder_set_member_name (json, "png");
  json_builder_add_string_value (json, png_path);
  json_builder_end_object (json);
  if (!write_grid (&run, methods, png_path, &error))
    {
      fprintf (stderr, "pellucid-cli explain: %s\n", error->message);
      goto out;
    }
  root = json_builder_get_root (json);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  json_path = g_strdup_printf ("%s.json", out);
  if (!g_file_set_contents (json_path, text, -1, &error))
    {
      fprintf (stderr, "pellucid-cli explain: %s\n", error->message);
      goto out;
    }
  printf ("%s\n", text);
  status = 0;
out:
  g_clear_error (&run.error);
  g_ptr_array_unref (run.maps);
  pel_explain_problem_clear (&p);
  return status;
}
