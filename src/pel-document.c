/* PelDocument: volume, labels, table, history and shared display state.
 * See pel-document.h; autosave lives in pel-document-autosave.c. */
#define G_LOG_DOMAIN "pel-document"

#include "src/pel-document-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "src/pel-render.h"

G_DEFINE_FINAL_TYPE (PelDocument, pel_document, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_HAS_VOLUME,
  PROP_VOLUME_PATH,
  PROP_LABELS_PATH,
  PROP_DIRTY,
  PROP_CAN_UNDO,
  PROP_CAN_REDO,
  PROP_UNDO_NAME,
  PROP_REDO_NAME,
  PROP_N_DROPPED,
  PROP_WINDOW,
  PROP_LEVEL,
  PROP_LABEL_OPACITY,
  PROP_LABELS_VISIBLE,
  PROP_PROPOSAL_OPACITY,
  PROP_HEAT_MAP,
  PROP_AUTOSAVE_INTERVAL,
  PROP_UNDO_BUDGET,
  N_PROPS
};

enum
{
  VOLUME_CHANGED,
  LABELS_CHANGED,
  TABLE_CHANGED,
  CURSOR_CHANGED,
  OVERLAYS_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

#define DEFAULT_UNDO_BUDGET (256u << 20)

static void
notify (PelDocument *self,
        guint        prop)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

/* After any change of the history: dirty flag, undo/redo state. */
static void
history_changed (PelDocument *self)
{
  gboolean dirty = pl_undo_get_state_id (self->undo) != self->saved_state_id;
  guint dropped = pl_undo_get_n_dropped (self->undo);

  g_object_freeze_notify (G_OBJECT (self));
  if (dirty != self->dirty)
    {
      self->dirty = dirty;
      notify (self, PROP_DIRTY);
    }
  if (dropped != self->n_dropped)
    {
      self->n_dropped = dropped;
      notify (self, PROP_N_DROPPED);
    }
  notify (self, PROP_CAN_UNDO);
  notify (self, PROP_CAN_REDO);
  notify (self, PROP_UNDO_NAME);
  notify (self, PROP_REDO_NAME);
  g_object_thaw_notify (G_OBJECT (self));
  pel_document_reschedule_autosave (self);
}

/* Call with the lock held: slices the box touches get a new generation. */
static void
bump_generations (PelDocument *self,
                  const PlBox *box)
{
  guint64 g = ++self->generation;

  if (self->slice_generation[0] == NULL || pl_box_is_empty (box))
    return;
  for (int a = 0; a < 3; a++)
    for (gint64 i = MAX (box->lo[a], 0); i <= MIN (box->hi[a], self->volume->dim[a] - 1); i++)
      self->slice_generation[a][i] = g;
}

static void
labels_changed (PelDocument *self,
                const PlBox *box)
{
  PlBox b = *box;
  g_signal_emit (self, signals[LABELS_CHANGED], 0, &b);
}

static void
all_labels_changed (PelDocument *self)
{
  PlBox box;

  for (int a = 0; a < 3; a++)
    {
      box.lo[a] = 0;
      box.hi[a] = self->volume ? self->volume->dim[a] - 1 : -1;
    }
  g_mutex_lock (&self->lock);
  bump_generations (self, &box);
  g_mutex_unlock (&self->lock);
  labels_changed (self, &box);
}

static void
pel_document_dispose (GObject *object)
{
  PelDocument *self = PEL_DOCUMENT (object);

  pel_document_stop_autosave (self);
  if (self->heat_map)
    g_signal_handlers_disconnect_by_data (self->heat_map, self);
  g_clear_object (&self->heat_map);
  G_OBJECT_CLASS (pel_document_parent_class)->dispose (object);
}

static void
pel_document_finalize (GObject *object)
{
  PelDocument *self = PEL_DOCUMENT (object);

  g_clear_pointer (&self->volume_ref, pel_volume_ref_unref);
  self->volume = NULL;
  g_clear_pointer (&self->labels, pl_labels_free);
  g_clear_pointer (&self->table, pl_label_table_free);
  g_clear_pointer (&self->undo, pl_undo_free);
  g_clear_pointer (&self->proposal, pl_labels_free);
  for (int a = 0; a < 3; a++)
    g_clear_pointer (&self->slice_generation[a], g_free);
  g_free (self->label_lut);
  g_free (self->labels_path);
  g_free (self->recovery_dir);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (pel_document_parent_class)->finalize (object);
}

static void
pel_document_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  PelDocument *self = PEL_DOCUMENT (object);

  switch (prop_id)
    {
    case PROP_HAS_VOLUME: g_value_set_boolean (value, self->volume != NULL); break;
    case PROP_VOLUME_PATH: g_value_set_string (value, pel_document_get_volume_path (self)); break;
    case PROP_LABELS_PATH: g_value_set_string (value, self->labels_path); break;
    case PROP_DIRTY: g_value_set_boolean (value, self->dirty); break;
    case PROP_CAN_UNDO: g_value_set_boolean (value, pl_undo_can_undo (self->undo)); break;
    case PROP_CAN_REDO: g_value_set_boolean (value, pl_undo_can_redo (self->undo)); break;
    case PROP_UNDO_NAME: g_value_set_string (value, pl_undo_get_undo_name (self->undo)); break;
    case PROP_REDO_NAME: g_value_set_string (value, pl_undo_get_redo_name (self->undo)); break;
    case PROP_N_DROPPED: g_value_set_uint (value, self->n_dropped); break;
    case PROP_WINDOW: g_value_set_double (value, self->window); break;
    case PROP_LEVEL: g_value_set_double (value, self->level); break;
    case PROP_LABEL_OPACITY: g_value_set_double (value, self->label_opacity); break;
    case PROP_LABELS_VISIBLE: g_value_set_boolean (value, self->labels_visible); break;
    case PROP_PROPOSAL_OPACITY: g_value_set_double (value, self->proposal_opacity); break;
    case PROP_HEAT_MAP: g_value_set_object (value, self->heat_map); break;
    case PROP_AUTOSAVE_INTERVAL: g_value_set_uint (value, self->autosave_interval); break;
    case PROP_UNDO_BUDGET: g_value_set_uint64 (value, pl_undo_get_budget (self->undo)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pel_document_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  PelDocument *self = PEL_DOCUMENT (object);

  switch (prop_id)
    {
    case PROP_WINDOW:
      pel_document_set_window_level (self, g_value_get_double (value), self->level);
      break;
    case PROP_LEVEL:
      pel_document_set_window_level (self, self->window, g_value_get_double (value));
      break;
    case PROP_LABEL_OPACITY:
      if (self->label_opacity != g_value_get_double (value))
        {
          self->label_opacity = g_value_get_double (value);
          notify (self, PROP_LABEL_OPACITY);
        }
      break;
    case PROP_LABELS_VISIBLE:
      if (self->labels_visible != g_value_get_boolean (value))
        {
          self->labels_visible = g_value_get_boolean (value);
          notify (self, PROP_LABELS_VISIBLE);
        }
      break;
    case PROP_PROPOSAL_OPACITY:
      if (self->proposal_opacity != g_value_get_double (value))
        {
          self->proposal_opacity = g_value_get_double (value);
          notify (self, PROP_PROPOSAL_OPACITY);
        }
      break;
    case PROP_HEAT_MAP:
      pel_document_set_heat_map (self, g_value_get_object (value));
      break;
    case PROP_AUTOSAVE_INTERVAL:
      if (self->autosave_interval != g_value_get_uint (value))
        {
          self->autosave_interval = g_value_get_uint (value);
          pel_document_stop_autosave (self);
          pel_document_reschedule_autosave (self);
          notify (self, PROP_AUTOSAVE_INTERVAL);
        }
      break;
    case PROP_UNDO_BUDGET:
      pel_document_set_undo_budget (self, g_value_get_uint64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pel_document_class_init (PelDocumentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = pel_document_dispose;
  object_class->finalize = pel_document_finalize;
  object_class->get_property = pel_document_get_property;
  object_class->set_property = pel_document_set_property;

  properties[PROP_HAS_VOLUME] = g_param_spec_boolean ("has-volume", NULL, NULL, FALSE, ro);
  properties[PROP_VOLUME_PATH] = g_param_spec_string ("volume-path", NULL, NULL, NULL, ro);
  properties[PROP_LABELS_PATH] = g_param_spec_string ("labels-path", NULL, NULL, NULL, ro);
  properties[PROP_DIRTY] = g_param_spec_boolean ("dirty", NULL, NULL, FALSE, ro);
  properties[PROP_CAN_UNDO] = g_param_spec_boolean ("can-undo", NULL, NULL, FALSE, ro);
  properties[PROP_CAN_REDO] = g_param_spec_boolean ("can-redo", NULL, NULL, FALSE, ro);
  properties[PROP_UNDO_NAME] = g_param_spec_string ("undo-name", NULL, NULL, NULL, ro);
  properties[PROP_REDO_NAME] = g_param_spec_string ("redo-name", NULL, NULL, NULL, ro);
  /* Undo steps dropped so far to stay within the budget. */
  properties[PROP_N_DROPPED] = g_param_spec_uint ("n-dropped", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_WINDOW] = g_param_spec_double ("window", NULL, NULL, 1e-6, G_MAXDOUBLE, 1.0, rw);
  properties[PROP_LEVEL] = g_param_spec_double ("level", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.5, rw);
  properties[PROP_LABEL_OPACITY] = g_param_spec_double ("label-opacity", NULL, NULL, 0.0, 1.0, 0.5, rw);
  properties[PROP_LABELS_VISIBLE] = g_param_spec_boolean ("labels-visible", NULL, NULL, TRUE, rw);
  properties[PROP_PROPOSAL_OPACITY] = g_param_spec_double ("proposal-opacity", NULL, NULL, 0.0, 1.0, 0.35, rw);
  properties[PROP_HEAT_MAP] = g_param_spec_object ("heat-map", NULL, NULL, PEL_TYPE_HEAT_MAP, rw);
  properties[PROP_AUTOSAVE_INTERVAL] = g_param_spec_uint ("autosave-interval", NULL, NULL, 0, 3600, 0, rw);
  properties[PROP_UNDO_BUDGET] = g_param_spec_uint64 ("undo-budget", NULL, NULL, 1, G_MAXUINT64,
                                                      DEFAULT_UNDO_BUDGET, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[VOLUME_CHANGED] =
    g_signal_new ("volume-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* The PlBox of voxels that changed (only valid during emission). */
  signals[LABELS_CHANGED] =
    g_signal_new ("labels-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[TABLE_CHANGED] =
    g_signal_new ("table-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[CURSOR_CHANGED] =
    g_signal_new ("cursor-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[OVERLAYS_CHANGED] =
    g_signal_new ("overlays-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
pel_document_init (PelDocument *self)
{
  g_mutex_init (&self->lock);
  self->undo = pl_undo_new (DEFAULT_UNDO_BUDGET);
  self->table = pl_label_table_new_default ();
  self->label_lut = g_new0 (guint32, 65536);
  pel_render_build_label_lut (self->table, self->label_lut);
  self->window = 1.0;
  self->level = 0.5;
  self->label_opacity = 0.5;
  self->labels_visible = TRUE;
  self->proposal_opacity = 0.35;
}

PelDocument *
pel_document_new (void)
{
  return g_object_new (PEL_TYPE_DOCUMENT, NULL);
}

/* ---- volume --------------------------------------------------------------- */

PelVolumeRef *
pel_volume_ref_new (PlVolume *volume)
{
  PlVolume **holder = g_atomic_rc_box_new0 (PlVolume *);
  *holder = volume;
  return (PelVolumeRef *) holder;
}

PelVolumeRef *
pel_volume_ref_ref (PelVolumeRef *ref)
{
  return g_atomic_rc_box_acquire (ref);
}

static void
clear_holder (gpointer p)
{
  pl_volume_free (*(PlVolume **) p);
}

void
pel_volume_ref_unref (PelVolumeRef *ref)
{
  g_atomic_rc_box_release_full (ref, clear_holder);
}

const PlVolume *
pel_volume_ref_get (PelVolumeRef *ref)
{
  return *(PlVolume **) ref;
}

PelVolumeRef *
pel_document_ref_volume (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), NULL);
  return self->volume_ref ? pel_volume_ref_ref (self->volume_ref) : NULL;
}

gboolean
pel_document_has_volume (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), FALSE);
  return self->volume != NULL;
}

const PlVolume *
pel_document_get_volume (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), NULL);
  return self->volume;
}

const char *
pel_document_get_volume_path (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), NULL);
  return self->volume ? self->volume->path : NULL;
}

void
pel_document_get_auto_window (PelDocument *self,
                              double      *window,
                              double      *level)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  *window = self->auto_window;
  *level = self->auto_level;
}

/* Values in the label map that the table lacks get an entry. */
static void
complete_table (PelDocument *self)
{
  g_autofree guint8 *present = NULL;
  gsize n;

  if (self->labels == NULL)
    return;
  present = g_new0 (guint8, 65536);
  n = pl_labels_n_voxels (self->labels);
  for (gsize i = 0; i < n; i++)
    present[self->labels->data[i]] = 1;
  for (guint v = 1; v < 65536; v++)
    if (present[v] && pl_label_table_lookup (self->table, (guint16) v) == NULL)
      {
        g_autofree char *name = g_strdup_printf ("Label %u", v);
        guint32 c = self->label_lut[v];
        PlLabel l = { (guint16) v, name, { (c >> 16) & 0xff, (c >> 8) & 0xff, c & 0xff }, 1.0f, TRUE, TRUE, FALSE };
        pl_label_table_set (self->table, &l);
      }
}

static void
table_changed (PelDocument *self)
{
  pel_render_build_label_lut (self->table, self->label_lut);
  g_signal_emit (self, signals[TABLE_CHANGED], 0);
}

void
pel_document_set_volume (PelDocument *self,
                         PlVolume    *volume)
{
  float lo, hi;

  g_return_if_fail (PEL_IS_DOCUMENT (self));
  g_return_if_fail (volume != NULL);

  pl_volume_percentiles (volume, 1.0, 99.0, &lo, &hi);
  pel_document_set_volume_with_window (self, volume, lo, hi);
}

void
pel_document_set_volume_with_window (PelDocument *self,
                                     PlVolume    *volume,
                                     double       lo,
                                     double       hi)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  g_return_if_fail (volume != NULL);

  pel_document_stop_autosave (self);
  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->volume_ref, pel_volume_ref_unref);
  g_clear_pointer (&self->labels, pl_labels_free);
  g_clear_pointer (&self->proposal, pl_labels_free);
  self->volume_ref = pel_volume_ref_new (volume);
  self->volume = volume;
  self->labels = pl_labels_new (volume->dim);
  for (int a = 0; a < 3; a++)
    {
      g_free (self->slice_generation[a]);
      self->slice_generation[a] = g_new0 (guint64, volume->dim[a]);
    }
  self->generation++;
  g_mutex_unlock (&self->lock);

  g_clear_pointer (&self->labels_path, g_free);
  pl_undo_clear (self->undo);
  self->saved_state_id = pl_undo_get_state_id (self->undo);
  self->autosaved_state_id = self->saved_state_id;
  if (self->heat_map)
    g_signal_handlers_disconnect_by_data (self->heat_map, self);
  g_clear_object (&self->heat_map);

  for (int a = 0; a < 3; a++)
    self->cursor[a] = volume->dim[a] / 2;
  if (!(hi > lo))
    {
      lo = volume->min;
      hi = volume->max > volume->min ? volume->max : volume->min + 1.0;
    }
  self->auto_window = hi - lo;
  self->auto_level = (hi + lo) / 2.0;

  g_object_freeze_notify (G_OBJECT (self));
  pel_document_set_window_level (self, self->auto_window, self->auto_level);
  notify (self, PROP_HAS_VOLUME);
  notify (self, PROP_VOLUME_PATH);
  notify (self, PROP_LABELS_PATH);
  notify (self, PROP_HEAT_MAP);
  history_changed (self);
  g_signal_emit (self, signals[VOLUME_CHANGED], 0);
  g_signal_emit (self, signals[CURSOR_CHANGED], 0);
  g_signal_emit (self, signals[OVERLAYS_CHANGED], 0);
  g_object_thaw_notify (G_OBJECT (self));
}

/* ---- labels --------------------------------------------------------------- */

const PlLabels *
pel_document_get_labels (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), NULL);
  return self->labels;
}

const char *
pel_document_get_labels_path (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), NULL);
  return self->labels_path;
}

static void
replace_labels (PelDocument *self,
                PlLabels    *labels,
                const char  *path,
                gboolean     clean)
{
  g_return_if_fail (self->volume != NULL);
  g_return_if_fail (labels != NULL);
  g_return_if_fail (memcmp (labels->dim, self->volume->dim, sizeof labels->dim) == 0);

  g_mutex_lock (&self->lock);
  pl_labels_free (self->labels);
  self->labels = labels;
  g_mutex_unlock (&self->lock);

  if (g_strcmp0 (path, self->labels_path) != 0)
    {
      g_free (self->labels_path);
      self->labels_path = g_strdup (path);
      notify (self, PROP_LABELS_PATH);
    }
  pl_undo_clear (self->undo);
  self->saved_state_id = clean ? pl_undo_get_state_id (self->undo) : 0;
  complete_table (self);
  table_changed (self);
  all_labels_changed (self);
  history_changed (self);
}

void
pel_document_load_labels (PelDocument *self,
                          PlLabels    *labels,
                          const char  *path)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  replace_labels (self, labels, path, path != NULL);
}

void
pel_document_restore_labels (PelDocument *self,
                             PlLabels    *labels,
                             const char  *path)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  replace_labels (self, labels, path, FALSE);
}

static gsize
index_of (const PlVolume *volume,
          const gint64    ijk[3])
{
  return (gsize) ijk[0] + (gsize) volume->dim[0] * ((gsize) ijk[1] + (gsize) volume->dim[1] * (gsize) ijk[2]);
}

static gboolean
inside (const PlVolume *volume,
        const gint64    ijk[3])
{
  for (int a = 0; a < 3; a++)
    if (ijk[a] < 0 || ijk[a] >= volume->dim[a])
      return FALSE;
  return TRUE;
}

guint16
pel_document_get_label_at (PelDocument  *self,
                           const gint64  ijk[3])
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), 0);
  if (self->volume == NULL || !inside (self->volume, ijk))
    return 0;
  return self->labels->data[index_of (self->volume, ijk)];
}

float
pel_document_get_intensity_at (PelDocument  *self,
                               const gint64  ijk[3])
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), NAN);
  if (self->volume == NULL || !inside (self->volume, ijk))
    return NAN;
  return self->volume->data[index_of (self->volume, ijk)];
}

void
pel_document_count_labels (PelDocument *self,
                           guint64     *counts,
                           guint        n_values)
{
  gsize n;

  g_return_if_fail (PEL_IS_DOCUMENT (self));
  memset (counts, 0, n_values * sizeof *counts);
  if (self->labels == NULL)
    return;
  n = pl_labels_n_voxels (self->labels);
  for (gsize i = 0; i < n; i++)
    if (self->labels->data[i] < n_values)
      counts[self->labels->data[i]]++;
}

/* ---- table ---------------------------------------------------------------- */

PlLabelTable *
pel_document_get_label_table (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), NULL);
  return self->table;
}

void
pel_document_set_label_table (PelDocument  *self,
                              PlLabelTable *table)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  g_return_if_fail (table != NULL);

  pl_label_table_free (self->table);
  self->table = table;
  if (pl_label_table_lookup (table, 0) == NULL)
    {
      PlLabel clear = { 0, (char *) "Clear Label", { 0, 0, 0 }, 0.0f, FALSE, FALSE, FALSE };
      pl_label_table_set (table, &clear);
    }
  pel_render_build_label_lut (self->table, self->label_lut);
  complete_table (self);
  table_changed (self);
}

void
pel_document_set_label (PelDocument   *self,
                        const PlLabel *label)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  pl_label_table_set (self->table, label);
  table_changed (self);
}

void
pel_document_remove_label (PelDocument *self,
                           guint16      value)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  g_return_if_fail (value != 0);

  if (self->labels != NULL)
    {
      PlEdit *edit = pel_document_begin_edit (self);
      gsize n = pl_labels_n_voxels (self->labels);
      g_autofree char *name = NULL;
      PlLabel *l = pl_label_table_lookup (self->table, value);

      g_mutex_lock (&self->lock);
      for (gsize i = 0; i < n; i++)
        if (self->labels->data[i] == value)
          {
            self->labels->data[i] = 0;
            pl_edit_record (edit, i, value, 0);
          }
      g_mutex_unlock (&self->lock);
      /* Translators: an undo step; %s is a label name. */
      name = g_strdup_printf (_("Clear “%s”"), l ? l->name : "");
      pel_document_end_edit (self, edit, name);
    }
  pl_label_table_remove (self->table, value);
  table_changed (self);
}

const guint32 *
pel_document_get_label_lut (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), NULL);
  return self->label_lut;
}

void
pel_document_init_rule (PelDocument *self,
                        PlPaintRule *rule,
                        guint16      value,
                        PlPaintOver  over,
                        guint16      over_label)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  pl_paint_rule_init (rule, value, over, over_label);
  for (guint i = 0; i < pl_label_table_get_n (self->table); i++)
    {
      const PlLabel *l = pl_label_table_get_nth (self->table, i);
      if (l->locked)
        pl_paint_rule_set_locked (rule, l->value, TRUE);
    }
}

/* ---- editing -------------------------------------------------------------- */

PlEdit *
pel_document_begin_edit (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), NULL);
  g_return_val_if_fail (self->volume != NULL, NULL);
  return pl_edit_new (self->volume->dim);
}

/* Runs one engine paint call under the lock and reports what changed. */
/* The box reported is the whole edit's so far (a superset of this call's). */
#define PAINT_LOCKED(call)                                               \
  G_STMT_START {                                                         \
    PlBox box_;                                                          \
    g_mutex_lock (&self->lock);                                          \
    changed = (call);                                                    \
    if (changed)                                                         \
      {                                                                  \
        pl_edit_get_box (edit, &box_);                                   \
        bump_generations (self, &box_);                                  \
      }                                                                  \
    g_mutex_unlock (&self->lock);                                        \
    if (changed)                                                         \
      labels_changed (self, &box_);                                      \
  } G_STMT_END

gsize
pel_document_paint_stamp (PelDocument        *self,
                          PlEdit             *edit,
                          const PlSliceFrame *frame,
                          gint64              slice,
                          const PlBrush      *brush,
                          const PlPaintRule  *rule,
                          double              x,
                          double              y)
{
  gsize changed;

  g_return_val_if_fail (PEL_IS_DOCUMENT (self) && self->labels != NULL, 0);
  PAINT_LOCKED (pl_paint_stamp (self->labels, frame, slice, brush, rule, x, y, edit));
  return changed;
}

gsize
pel_document_paint_line (PelDocument        *self,
                         PlEdit             *edit,
                         const PlSliceFrame *frame,
                         gint64              slice,
                         const PlBrush      *brush,
                         const PlPaintRule  *rule,
                         double              x0,
                         double              y0,
                         double              x1,
                         double              y1)
{
  gsize changed;

  g_return_val_if_fail (PEL_IS_DOCUMENT (self) && self->labels != NULL, 0);
  PAINT_LOCKED (pl_paint_line (self->labels, frame, slice, brush, rule, x0, y0, x1, y1, edit));
  return changed;
}

gsize
pel_document_paint_fill (PelDocument        *self,
                         PlEdit             *edit,
                         const PlSliceFrame *frame,
                         gint64              slice,
                         gint64              x,
                         gint64              y,
                         double              tolerance,
                         const PlPaintRule  *rule)
{
  gsize changed;

  g_return_val_if_fail (PEL_IS_DOCUMENT (self) && self->labels != NULL, 0);
  PAINT_LOCKED (pl_paint_fill (self->labels, self->volume, frame, slice, x, y, tolerance, rule, edit));
  return changed;
}

void
pel_document_end_edit (PelDocument *self,
                       PlEdit      *edit,
                       const char  *name)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  g_return_if_fail (edit != NULL);

  if (pl_undo_push (self->undo, name, edit))
    history_changed (self);
}

void
pel_document_cancel_edit (PelDocument *self,
                          PlEdit      *edit)
{
  PlBox box;

  g_return_if_fail (PEL_IS_DOCUMENT (self));
  g_return_if_fail (edit != NULL);

  if (pl_edit_get_n (edit) == 0)
    {
      pl_edit_free (edit);
      return;
    }
  pl_edit_get_box (edit, &box);
  g_mutex_lock (&self->lock);
  pl_edit_revert (edit, self->labels->data);
  bump_generations (self, &box);
  g_mutex_unlock (&self->lock);
  pl_edit_free (edit);
  labels_changed (self, &box);
}

gsize
pel_document_apply_labels (PelDocument    *self,
                           const char     *name,
                           const PlLabels *labels)
{
  PlEdit *edit;
  PlBox box;
  gsize n, changed;

  g_return_val_if_fail (PEL_IS_DOCUMENT (self), 0);
  g_return_val_if_fail (self->labels != NULL && labels != NULL, 0);
  g_return_val_if_fail (memcmp (labels->dim, self->labels->dim, sizeof labels->dim) == 0, 0);

  n = pl_labels_n_voxels (labels);
  edit = pl_edit_new (self->volume->dim);
  g_mutex_lock (&self->lock);
  pl_edit_record_diff (edit, self->labels->data, labels->data, n);
  changed = pl_edit_get_n (edit);
  pl_edit_get_box (edit, &box);
  if (changed)
    {
      memcpy (self->labels->data, labels->data, n * sizeof (guint16));
      bump_generations (self, &box);
    }
  g_mutex_unlock (&self->lock);

  if (changed)
    {
      complete_table (self);
      labels_changed (self, &box);
    }
  pel_document_end_edit (self, edit, name);
  return changed;
}

static gboolean
step (PelDocument *self,
      gboolean     forward)
{
  PlBox box;
  gboolean done;

  g_mutex_lock (&self->lock);
  done = forward ? pl_undo_redo (self->undo, self->labels->data, &box)
                 : pl_undo_undo (self->undo, self->labels->data, &box);
  if (done)
    bump_generations (self, &box);
  g_mutex_unlock (&self->lock);
  if (done)
    {
      labels_changed (self, &box);
      history_changed (self);
    }
  return done;
}

gboolean
pel_document_undo (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), FALSE);
  return self->labels != NULL && step (self, FALSE);
}

gboolean
pel_document_redo (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), FALSE);
  return self->labels != NULL && step (self, TRUE);
}

gboolean
pel_document_can_undo (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), FALSE);
  return pl_undo_can_undo (self->undo);
}

gboolean
pel_document_can_redo (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), FALSE);
  return pl_undo_can_redo (self->undo);
}

PlUndo *
pel_document_get_undo (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), NULL);
  return self->undo;
}

void
pel_document_set_undo_budget (PelDocument *self,
                              gsize        bytes)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  if (bytes == pl_undo_get_budget (self->undo))
    return;
  pl_undo_set_budget (self->undo, bytes);
  notify (self, PROP_UNDO_BUDGET);
  history_changed (self);
}

/* ---- saved state ---------------------------------------------------------- */

gboolean
pel_document_get_dirty (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), FALSE);
  return self->dirty;
}

guint64
pel_document_get_state_id (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), 0);
  return pl_undo_get_state_id (self->undo);
}

void
pel_document_mark_saved (PelDocument *self,
                         guint64      state_id,
                         const char  *path)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));

  self->saved_state_id = state_id;
  if (g_strcmp0 (path, self->labels_path) != 0)
    {
      g_free (self->labels_path);
      self->labels_path = g_strdup (path);
      notify (self, PROP_LABELS_PATH);
    }
  history_changed (self);
}

/* ---- snapshots ------------------------------------------------------------ */

PlLabels *
pel_document_snapshot_labels (PelDocument *self,
                              guint64     *generation)
{
  PlLabels *copy = NULL;

  g_return_val_if_fail (PEL_IS_DOCUMENT (self), NULL);

  g_mutex_lock (&self->lock);
  if (self->labels)
    copy = pl_labels_copy (self->labels);
  if (generation)
    *generation = self->generation;
  g_mutex_unlock (&self->lock);
  return copy;
}

guint64
pel_document_copy_label_slice (PelDocument *self,
                               int          axis,
                               gint64       index,
                               guint16     *out)
{
  guint64 g = 0;

  g_return_val_if_fail (PEL_IS_DOCUMENT (self), 0);
  g_return_val_if_fail (axis >= 0 && axis < 3, 0);

  g_mutex_lock (&self->lock);
  if (self->labels && index >= 0 && index < self->labels->dim[axis])
    {
      const gint64 *d = self->labels->dim;
      const guint16 *src = self->labels->data;
      gsize o = 0;

      /* out is ordered with the lower remaining axis fastest */
      if (axis == 2)
        memcpy (out, src + (gsize) index * d[0] * d[1], (gsize) d[0] * d[1] * sizeof (guint16));
      else if (axis == 1)
        for (gint64 k = 0; k < d[2]; k++, o += d[0])
          memcpy (out + o, src + (gsize) d[0] * (index + d[1] * k), (gsize) d[0] * sizeof (guint16));
      else
        for (gint64 k = 0; k < d[2]; k++)
          for (gint64 j = 0; j < d[1]; j++)
            out[o++] = src[index + d[0] * (j + d[1] * k)];
      g = self->slice_generation[axis][index];
    }
  g_mutex_unlock (&self->lock);
  return g;
}

guint64
pel_document_get_slice_generation (PelDocument *self,
                                   int          axis,
                                   gint64       index)
{
  guint64 g = 0;

  g_return_val_if_fail (PEL_IS_DOCUMENT (self), 0);
  g_return_val_if_fail (axis >= 0 && axis < 3, 0);

  g_mutex_lock (&self->lock);
  if (self->slice_generation[axis] && index >= 0 && index < self->volume->dim[axis])
    g = self->slice_generation[axis][index];
  g_mutex_unlock (&self->lock);
  return g;
}

guint64
pel_document_get_generation (PelDocument *self)
{
  guint64 g;

  g_return_val_if_fail (PEL_IS_DOCUMENT (self), 0);
  g_mutex_lock (&self->lock);
  g = self->generation;
  g_mutex_unlock (&self->lock);
  return g;
}

/* ---- display state -------------------------------------------------------- */

void
pel_document_get_cursor (PelDocument *self,
                         gint64       ijk[3])
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  memcpy (ijk, self->cursor, sizeof self->cursor);
}

void
pel_document_set_cursor (PelDocument  *self,
                         const gint64  ijk[3])
{
  gint64 c[3];

  g_return_if_fail (PEL_IS_DOCUMENT (self));
  if (self->volume == NULL)
    return;
  for (int a = 0; a < 3; a++)
    c[a] = CLAMP (ijk[a], 0, self->volume->dim[a] - 1);
  if (memcmp (c, self->cursor, sizeof c) == 0)
    return;
  memcpy (self->cursor, c, sizeof c);
  g_signal_emit (self, signals[CURSOR_CHANGED], 0);
}

void
pel_document_get_window_level (PelDocument *self,
                               double      *window,
                               double      *level)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  *window = self->window;
  *level = self->level;
}

void
pel_document_set_window_level (PelDocument *self,
                               double       window,
                               double       level)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));

  window = MAX (window, 1e-6);
  g_object_freeze_notify (G_OBJECT (self));
  if (window != self->window)
    {
      self->window = window;
      notify (self, PROP_WINDOW);
    }
  if (level != self->level)
    {
      self->level = level;
      notify (self, PROP_LEVEL);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

double
pel_document_get_label_opacity (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), 0.0);
  return self->label_opacity;
}

gboolean
pel_document_get_labels_visible (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), FALSE);
  return self->labels_visible;
}

/* ---- overlays ------------------------------------------------------------- */

void
pel_document_set_proposal (PelDocument *self,
                           PlLabels    *proposal)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  g_return_if_fail (proposal == NULL || (self->volume != NULL
                    && memcmp (proposal->dim, self->volume->dim, sizeof proposal->dim) == 0));

  g_clear_pointer (&self->proposal, pl_labels_free);
  self->proposal = proposal;
  g_signal_emit (self, signals[OVERLAYS_CHANGED], 0);
}

const PlLabels *
pel_document_get_proposal (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), NULL);
  return self->proposal;
}

double
pel_document_get_proposal_opacity (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), 0.0);
  return self->proposal_opacity;
}

static void
heat_map_changed (PelHeatMap  *heat_map,
                  PelDocument *self)
{
  g_signal_emit (self, signals[OVERLAYS_CHANGED], 0);
}

void
pel_document_set_heat_map (PelDocument *self,
                           PelHeatMap  *heat_map)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  g_return_if_fail (heat_map == NULL || PEL_IS_HEAT_MAP (heat_map));

  if (heat_map == self->heat_map)
    return;
  if (heat_map != NULL)
    {
      gint64 dim[3];
      pel_heat_map_get_dim (heat_map, dim);
      g_return_if_fail (self->volume != NULL && memcmp (dim, self->volume->dim, sizeof dim) == 0);
    }
  if (self->heat_map)
    g_signal_handlers_disconnect_by_data (self->heat_map, self);
  g_set_object (&self->heat_map, heat_map);
  if (heat_map)
    g_signal_connect (heat_map, "changed", G_CALLBACK (heat_map_changed), self);
  notify (self, PROP_HEAT_MAP);
  g_signal_emit (self, signals[OVERLAYS_CHANGED], 0);
}

PelHeatMap *
pel_document_get_heat_map (PelDocument *self)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), NULL);
  return self->heat_map;
}
