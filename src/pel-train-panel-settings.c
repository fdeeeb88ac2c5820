/* PelTrainPanel's settings: network preset, method and its parameters
 * (built from the engine's parameter table, so the panel and
 * pellucid-cli train --method show the same settings and defaults), axis,
 * steps and optimiser. */
#define G_LOG_DOMAIN "pel-train-panel"

#include "src/pel-train-panel-private.h"

#include "src/pel-cases-panel.h"

#include <glib/gi18n.h>
#include <math.h>

void
pel_train_panel_update_preset_info (PelTrainPanel *self)
{
  guint n;
  const PlUnetPreset *presets = pl_unet_presets (&n);
  g_autofree char *text = NULL;

  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (presets[i].name, self->settings.preset) == 0)
      {
        /* The parameter count for 4 classes, as the reference task, with
         * the network options chosen (the layout only: nothing allocated). */
        PlUnetConfig cfg;
        double params = NAN;
        double *rate = g_hash_table_lookup (self->preset_rates, presets[i].name);

        presets[i].init (&cfg);
        if (self->settings.fcn_head)
          pl_unet_config_head (&cfg, "fcn");
        cfg.attention_heads = self->settings.attention;
        cfg.batch_norm = self->settings.batch_norm;
        cfg.in_channels = MAX (self->settings.context, 1) + (self->settings.coords ? 1 : 0);
        cfg.n_classes = 4;
        if (pl_unet_config_check (&cfg, NULL))
          params = pl_unet_config_n_params (&cfg) / 1e6;
        /* Translators: a network description, then its size */
        text = g_strdup_printf (_("%s; %.2g million parameters"), presets[i].description, params);
        if (rate)
          {
            /* Translators: the speed this network trained at in this window */
            char *more = g_strdup_printf (_("%s; %.2f steps/s in the last run"), text, *rate);
            g_free (text);
            text = more;
          }
      }
  gtk_label_set_text (self->preset_info, text ? text : "");
}

static void
on_param_changed (GtkWidget     *widget,
                  GParamSpec    *pspec,
                  PelTrainPanel *self)
{
  const PlMethodParam *param = g_object_get_data (G_OBJECT (widget), "param");
  g_autoptr (GError) error = NULL;
  double value;

  if (self->syncing || param == NULL)
    return;
  value = GTK_IS_SWITCH (widget) ? gtk_switch_get_active (GTK_SWITCH (widget))
                                 : gtk_spin_button_get_value (GTK_SPIN_BUTTON (widget));
  if (!pl_method_config_set (&self->settings.method, param, value, &error))
    pel_train_panel_set_status (self, error->message, TRUE);
  pel_train_panel_update_command (self);
}

static void
rebuild_params (PelTrainPanel *self)
{
  GtkWidget *child;
  guint n;
  const PlMethodParam *params = pl_method_params (self->settings.method.kind, &n);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->params_grid))) != NULL)
    gtk_grid_remove (self->params_grid, child);
  gtk_label_set_text (self->method_summary, pl_method_kind_summary (self->settings.method.kind));
  for (guint i = 0; i < n; i++)
    {
      const PlMethodParam *p = &params[i];
      double value = pl_method_config_get (&self->settings.method, p);
      GtkWidget *label = gtk_label_new (p->label);
      GtkWidget *widget;

      gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
      gtk_widget_set_hexpand (label, TRUE);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_widget_set_tooltip_text (label, p->help);
      if (p->type == PL_METHOD_PARAM_BOOL)
        {
          widget = gtk_switch_new ();
          gtk_widget_set_halign (widget, GTK_ALIGN_START);
          gtk_switch_set_active (GTK_SWITCH (widget), value != 0.0);
          g_signal_connect (widget, "notify::active", G_CALLBACK (on_param_changed), self);
        }
      else
        {
          widget = gtk_spin_button_new_with_range (p->min, p->max, p->step > 0 ? p->step : 1.0);
          gtk_spin_button_set_digits (GTK_SPIN_BUTTON (widget), p->type == PL_METHOD_PARAM_INT ? 0 : (guint) p->digits);
          gtk_spin_button_set_value (GTK_SPIN_BUTTON (widget), value);
          g_signal_connect (widget, "notify::value", G_CALLBACK (on_param_changed), self);
        }
      gtk_widget_set_tooltip_text (widget, p->help);
      g_object_set_data (G_OBJECT (widget), "param", (gpointer) p);
      gtk_grid_attach (self->params_grid, label, 0, (int) i, 1, 1);
      gtk_grid_attach (self->params_grid, widget, 1, (int) i, 1, 1);
    }
  if (n == 0)
    {
      GtkWidget *label = gtk_label_new (_("No settings of its own."));
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
      gtk_widget_add_css_class (label, "dim-label");
      gtk_grid_attach (self->params_grid, label, 0, 0, 2, 1);
    }
}

/* The attention drop-down: none, 1, 2, 4 or 8 heads (each divides the
 * bottleneck's channels of every preset). */
static const int attention_heads[] = { 0, 1, 2, 4, 8 };

static guint
attention_index (int heads)
{
  for (guint i = 0; i < G_N_ELEMENTS (attention_heads); i++)
    if (attention_heads[i] == heads)
      return i;
  return 0;
}

void
pel_train_panel_sync_widgets (PelTrainPanel *self)
{
  guint n;
  const PlUnetPreset *presets = pl_unet_presets (&n);

  self->syncing = TRUE;
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (presets[i].name, self->settings.preset) == 0)
      gtk_drop_down_set_selected (self->preset_dropdown, i);
  gtk_drop_down_set_selected (self->head_dropdown, self->settings.fcn_head ? 1 : 0);
  gtk_drop_down_set_selected (self->attention_dropdown, attention_index (self->settings.attention));
  gtk_drop_down_set_selected (self->context_dropdown, (guint) CLAMP (self->settings.context / 2, 0, 2));
  gtk_check_button_set_active (self->coords_check, self->settings.coords);
  gtk_check_button_set_active (self->batch_norm_check, self->settings.batch_norm);
  gtk_drop_down_set_selected (self->freeze_dropdown, (guint) self->settings.freeze);
  gtk_drop_down_set_selected (self->method_dropdown, self->settings.method.kind);
  if (pel_document_has_volume (self->document))
    gtk_drop_down_set_selected (self->axis_dropdown, (guint) pel_train_panel_axis_index (self, self->settings.axis));
  gtk_spin_button_set_value (self->steps_spin, self->settings.steps);
  gtk_spin_button_set_value (self->batch_spin, self->settings.batch);
  gtk_spin_button_set_value (self->lr_spin, self->settings.lr);
  gtk_spin_button_set_value (self->rampdown_spin, self->settings.lr_rampdown);
  gtk_spin_button_set_value (self->seed_spin, (double) self->settings.seed);
  gtk_spin_button_set_value (self->threads_spin, self->settings.threads);
  gtk_check_button_set_active (self->holdout_check, self->settings.holdout);
  rebuild_params (self);
  self->syncing = FALSE;
  pel_train_panel_update_preset_info (self);
}

static void
on_setting_changed (PelTrainPanel *self)
{
  guint n;
  const PlUnetPreset *presets = pl_unet_presets (&n);
  guint preset = gtk_drop_down_get_selected (self->preset_dropdown);

  if (self->syncing)
    return;
  if (preset < n)
    {
      g_free (self->settings.preset);
      self->settings.preset = g_strdup (presets[preset].name);
    }
  self->settings.fcn_head = gtk_drop_down_get_selected (self->head_dropdown) == 1;
  {
    guint a = gtk_drop_down_get_selected (self->attention_dropdown);
    self->settings.attention = a < G_N_ELEMENTS (attention_heads) ? attention_heads[a] : 0;
  }
  /* 1, 3 or 5 slices */
  self->settings.context = 2 * (int) MIN (gtk_drop_down_get_selected (self->context_dropdown), 2) + 1;
  self->settings.coords = gtk_check_button_get_active (self->coords_check);
  self->settings.steps = gtk_spin_button_get_value_as_int (self->steps_spin);
  self->settings.batch = gtk_spin_button_get_value_as_int (self->batch_spin);
  self->settings.lr = gtk_spin_button_get_value (self->lr_spin);
  self->settings.lr_rampdown = gtk_spin_button_get_value (self->rampdown_spin);
  self->settings.seed = (guint64) gtk_spin_button_get_value (self->seed_spin);
  self->settings.threads = gtk_spin_button_get_value_as_int (self->threads_spin);
  self->settings.holdout = gtk_check_button_get_active (self->holdout_check);
  pel_train_panel_update_preset_info (self);
  pel_train_panel_update_buttons (self);
  pel_train_panel_update_command (self);
}

static void
on_method_selected (PelTrainPanel *self)
{
  guint kind = gtk_drop_down_get_selected (self->method_dropdown);

  if (self->syncing || kind >= PL_METHOD_N_KINDS)
    return;
  self->settings.method.kind = (PlMethodKind) kind;
  self->syncing = TRUE;
  rebuild_params (self);
  self->syncing = FALSE;
  pel_train_panel_update_buttons (self);
  pel_train_panel_update_command (self);
}

static void
on_axis_selected (PelTrainPanel *self)
{
  guint index = gtk_drop_down_get_selected (self->axis_dropdown);

  if (self->syncing || index == GTK_INVALID_LIST_POSITION)
    return;
  self->settings.axis = pel_train_panel_voxel_axis (self, index);
  pel_train_panel_update_strip (self);
  pel_train_panel_update_buttons (self);
  pel_train_panel_update_command (self);
}

void
pel_train_panel_bind_settings_callbacks (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback (widget_class, on_setting_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_method_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_axis_selected);
}

/* ---- the cohort to train across -------------------------------------------- */

void
pel_train_panel_set_cases_panel (PelTrainPanel *self,
                                 GtkWidget     *cases_panel)
{
  g_return_if_fail (PEL_IS_TRAIN_PANEL (self));
  g_return_if_fail (cases_panel == NULL || PEL_IS_CASES_PANEL (cases_panel));

  if (self->cases_panel)
    g_object_remove_weak_pointer (G_OBJECT (self->cases_panel), (gpointer *) &self->cases_panel);
  self->cases_panel = cases_panel;
  if (cases_panel)
    g_object_add_weak_pointer (G_OBJECT (cases_panel), (gpointer *) &self->cases_panel);
}

/* Painted slices of the other cases of the open cohort, as the case list
 * last counted them (when each was left or its thumbnail made). */
void
pel_train_panel_count_other_cases (PelTrainPanel *self,
                                   guint         *n_cases,
                                   gint64        *n_slices)
{
  PlCohort *cohort;
  int current;

  *n_cases = 0;
  *n_slices = 0;
  if (self->cases_panel == NULL)
    return;
  cohort = pel_cases_panel_get_cohort (PEL_CASES_PANEL (self->cases_panel));
  current = pel_cases_panel_get_current (PEL_CASES_PANEL (self->cases_panel));
  for (guint i = 0; cohort && i < pl_cohort_get_n (cohort); i++)
    {
      const PlCase *c = pl_cohort_get_case (cohort, i);
      if ((int) i != current && c->labels_path && c->painted_slices > 0)
        {
          (*n_cases)++;
          *n_slices += c->painted_slices;
        }
    }
}

static PlCohort *
cohort_of_several (PelTrainPanel *self,
                   int           *current)
{
  PlCohort *cohort;

  if (self->cases_panel == NULL)
    return NULL;
  cohort = pel_cases_panel_get_cohort (PEL_CASES_PANEL (self->cases_panel));
  *current = pel_cases_panel_get_current (PEL_CASES_PANEL (self->cases_panel));
  return cohort && *current >= 0 && pl_cohort_get_n (cohort) > 1 ? cohort : NULL;
}

/* Before Start: one model for every case of the cohort, the open one
 * included, when a cohort of several cases is open. */
void
pel_train_panel_prepare_cases (PelTrainPanel *self)
{
  int current = -1;
  PlCohort *cohort = cohort_of_several (self, &current);

  pel_train_panel_set_line (self, "cases", NULL, FALSE);
  pel_train_session_set_cases (self->session, cohort ? pel_train_cases_new (cohort, (guint) current) : NULL);
}

char *
pel_train_panel_cases_ready_text (PelTrainPanel *self,
                                  gint64         n_here)
{
  int current = -1;
  guint other_cases;
  gint64 other_slices;

  if (cohort_of_several (self, &current) == NULL)
    return NULL;
  pel_train_panel_count_other_cases (self, &other_cases, &other_slices);
  /* Translators: before training across the cases of a cohort */
  other_cases += n_here > 0;
  /* Translators: painted slices, cases with painted slices, cases */
  return g_strdup_printf (_("Ready: Start trains on %" G_GINT64_FORMAT " slices of %u of %u cases."),
                          n_here + other_slices, other_cases,
                          pl_cohort_get_n (cohort_of_several (self, &current)));
}
