/* PelDocument: volume, labels, table, history and shared display state.
 * See pel-document.h; autosave lives in pel-document-autosave.c, freeing
 * and mapping large buffers in pel-document-memory.c, the proposal and heat
 * map in pel-document-overlays.c. */
#define G_LOG_DOMAIN "pel-document"

#include "src/pel-document-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "src/pel-render.h"

G_DEFINE_FINAL_TYPE (PelDocument, pel_document, G_TYPE_OBJECT)

enum
{
  VOLUME_CHANGED,
  LABELS_CHANGED,
  TABLE_CHANGED,
  CURSOR_CHANGED,
  OVERLAYS_CHANGED,
  AUTOSAVE_STARTED,
  AUTOSAVED,
  AUTOSAVE_FAILED,
  SAVED,
  RESTORED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void clear_slice_images (PelDocument *self);

#define DEFAULT_UNDO_BUDGET (256u << 20)

void
pel_document_notify (PelDocument *self,
                     guint        prop)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

/* After any change of the history: dirty flag, undo/redo state. */
void
pel_document_history_changed (PelDocument *self)
{
  gboolean dirty = pl_undo_get_state_id (self->undo) != self->saved_state_id;
  guint dropped = pl_undo_get_n_dropped (self->undo);

  g_object_freeze_notify (G_OBJECT (self));
  if (dirty != self->dirty)
    {
      self->dirty = dirty;
      pel_document_notify (self, PROP_DIRTY);
    }
  if (dropped != self->n_dropped)
    {
      self->n_dropped = dropped;
      pel_document_notify (self, PROP_N_DROPPED);
    }
  pel_document_notify (self, PROP_CAN_UNDO);
  pel_document_notify (self, PROP_CAN_REDO);
  pel_document_notify (self, PROP_UNDO_NAME);
  pel_document_notify (self, PROP_REDO_NAME);
  pel_document_notify (self, PROP_STATE_ID);
  g_object_thaw_notify (G_OBJECT (self));
  pel_document_reschedule_autosave (self);
}

/* Call with the lock held: slices the box touches get a new generation. */
void
pel_document_bump_generations (PelDocument *self,
                               const PlBox *box)
{
  guint64 g = ++self->store->generation;

  if (self->store->slice_generation[0] == NULL || pl_box_is_empty (box))
    return;
  for (int a = 0; a < 3; a++)
    for (gint64 i = MAX (box->lo[a], 0); i <= MIN (box->hi[a], self->volume->dim[a] - 1); i++)
      self->store->slice_generation[a][i] = g;
}

void
pel_document_labels_changed (PelDocument *self,
                             const PlBox *box)
{
  PlBox b = *box;
  g_signal_emit (self, signals[LABELS_CHANGED], 0, &b);
}

void
pel_document_all_labels_changed (PelDocument *self)
{
  PlBox box;

  for (int a = 0; a < 3; a++)
    {
      box.lo[a] = 0;
      box.hi[a] = self->volume ? self->volume->dim[a] - 1 : -1;
    }
  g_mutex_lock (&self->store->lock);
  pel_document_bump_generations (self, &box);
  g_mutex_unlock (&self->store->lock);
  pel_document_labels_changed (self, &box);
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

  clear_slice_images (self);
  g_clear_pointer (&self->volume_ref, pel_volume_ref_unref);
  self->volume = NULL;
  g_clear_pointer (&self->table, pl_label_table_free);
  g_clear_pointer (&self->undo, pl_undo_free);
  {
    /* a worker may still hold the store: it finds no map there */
    PlLabels *labels, *proposal;
    g_mutex_lock (&self->store->lock);
    self->store->owner = NULL;
    labels = g_steal_pointer (&self->store->labels);
    proposal = g_steal_pointer (&self->store->proposal);
    self->store->proposal_serial++;
    g_mutex_unlock (&self->store->lock);
    g_clear_pointer (&labels, pl_labels_free);
    g_clear_pointer (&proposal, pl_labels_free);
  }
  g_clear_pointer (&self->store, pel_label_store_unref);
  g_free (self->label_lut);
  g_free (self->labels_path);
  g_free (self->recovery_dir);
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
    case PROP_BACKGROUND_LABEL: g_value_set_uint (value, self->background_label); break;
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
    case PROP_PROPOSAL_OUTLINE: g_value_set_boolean (value, self->proposal_outline); break;
    case PROP_HEAT_MAP: g_value_set_object (value, self->heat_map); break;
    case PROP_AUTOSAVE_INTERVAL: g_value_set_uint (value, self->autosave_interval); break;
    case PROP_UNDO_BUDGET: g_value_set_uint64 (value, pl_undo_get_budget (self->undo)); break;
    case PROP_AUTOSAVE_INTERVAL_MS: g_value_set_uint (value, self->autosave_interval_ms); break;
    case PROP_STATE_ID: g_value_set_uint64 (value, pl_undo_get_state_id (self->undo)); break;
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
          pel_document_notify (self, PROP_LABEL_OPACITY);
        }
      break;
    case PROP_LABELS_VISIBLE:
      if (self->labels_visible != g_value_get_boolean (value))
        {
          self->labels_visible = g_value_get_boolean (value);
          pel_document_notify (self, PROP_LABELS_VISIBLE);
        }
      break;
    case PROP_PROPOSAL_OPACITY:
      if (self->proposal_opacity != g_value_get_double (value))
        {
          self->proposal_opacity = g_value_get_double (value);
          pel_document_notify (self, PROP_PROPOSAL_OPACITY);
        }
      break;
    case PROP_PROPOSAL_OUTLINE:
      if (self->proposal_outline != g_value_get_boolean (value))
        {
          self->proposal_outline = g_value_get_boolean (value);
          pel_document_notify (self, PROP_PROPOSAL_OUTLINE);
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
          pel_document_notify (self, PROP_AUTOSAVE_INTERVAL);
        }
      break;
    case PROP_UNDO_BUDGET:
      pel_document_set_undo_budget (self, g_value_get_uint64 (value));
      break;
    case PROP_AUTOSAVE_INTERVAL_MS:
      pel_document_set_autosave_interval_ms (self, g_value_get_uint (value));
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
  properties[PROP_PROPOSAL_OUTLINE] = g_param_spec_boolean ("proposal-outline", NULL, NULL, FALSE, rw);
  properties[PROP_HEAT_MAP] = g_param_spec_object ("heat-map", NULL, NULL, PEL_TYPE_HEAT_MAP, rw);
  properties[PROP_AUTOSAVE_INTERVAL] = g_param_spec_uint ("autosave-interval", NULL, NULL, 0, 3600, 0, rw);
  properties[PROP_UNDO_BUDGET] = g_param_spec_uint64 ("undo-budget", NULL, NULL, 1, G_MAXUINT64,
                                                      DEFAULT_UNDO_BUDGET, rw);
  /* Autosave every this many milliseconds instead of every
   * autosave-interval seconds (0: autosave-interval again). */
  properties[PROP_AUTOSAVE_INTERVAL_MS] = g_param_spec_uint ("autosave-interval-ms", NULL, NULL, 0,
                                                             3600 * 1000, 0, rw);
  /* The class around the subject in the loaded map (0: none), see
   * pl_labels_background_value(): never the label painting starts with. */
  properties[PROP_BACKGROUND_LABEL] = g_param_spec_uint ("background-label", NULL, NULL, 0, G_MAXUINT16, 0, ro);
  /* The undo history's state id (pl_undo_get_state_id()): changes with
   * every edit, undo and redo; saves and autosaves name the state they
   * hold by it. */
  properties[PROP_STATE_ID] = g_param_spec_uint64 ("state-id", NULL, NULL, 0, G_MAXUINT64, 0, ro);
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
  /* Autosave (pel-document-autosave.c): a snapshot of the state id was
   * asked for; the recovery files now hold (at least) that state; or they
   * could not be written (the message). */
  signals[AUTOSAVE_STARTED] =
    g_signal_new ("autosave-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT64);
  signals[AUTOSAVED] =
    g_signal_new ("autosaved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT64);
  signals[AUTOSAVE_FAILED] =
    g_signal_new ("autosave-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* pel_document_mark_saved(): the labels as they were at the state id
   * are now in the file (path). */
  signals[SAVED] =
    g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT64, G_TYPE_STRING);
  /* pel_document_restore_labels(): unsaved labels came back from a
   * recovery file (its path). */
  signals[RESTORED] =
    g_signal_new ("restored", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

void
pel_document_emit_autosave (PelDocument *self,
                            guint        what,
                            guint64      state_id,
                            const char  *message)
{
  if (what == PEL_AUTOSAVE_FAILED)
    g_signal_emit (self, signals[AUTOSAVE_FAILED], 0, message);
  else
    g_signal_emit (self, signals[what == PEL_AUTOSAVE_STARTED ? AUTOSAVE_STARTED : AUTOSAVED], 0, state_id);
}

void
pel_document_overlays_changed (PelDocument *self)
{
  g_signal_emit (self, signals[OVERLAYS_CHANGED], 0);
}

void
pel_document_emit_saved (PelDocument *self,
                         guint64      state_id,
                         const char  *path)
{
  g_signal_emit (self, signals[SAVED], 0, state_id, path);
}

void
pel_document_emit_restored (PelDocument *self,
                            const char  *path)
{
  g_signal_emit (self, signals[RESTORED], 0, path);
}

static void
pel_document_init (PelDocument *self)
{
  self->store = pel_label_store_new ();
  self->undo = pl_undo_new (DEFAULT_UNDO_BUDGET);
  self->table = pl_label_table_new_default ();
  self->table_generic = TRUE;
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
void
pel_document_complete_table (PelDocument *self)
{
  g_autofree guint8 *present = NULL;

  if (self->store->labels == NULL)
    return;
  present = g_new0 (guint8, 65536);
  pl_labels_mark_values (self->store->labels, present);
  pel_document_complete_table_with (self, present);
}

void
pel_document_complete_table_with (PelDocument  *self,
                                  const guint8 *present)
{
  for (guint v = 1; v < 65536; v++)
    if (present[v] && pl_label_table_lookup (self->table, (guint16) v) == NULL)
      {
        g_autofree char *name = g_strdup_printf ("Label %u", v);
        guint32 c = self->label_lut[v];
        PlLabel l = { (guint16) v, name, { (c >> 16) & 0xff, (c >> 8) & 0xff, c & 0xff }, 1.0f, TRUE, TRUE, FALSE };
        pl_label_table_set (self->table, &l);
      }
}

void
pel_document_table_changed (PelDocument *self)
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
pel_document_auto_window_level (const PlVolume *volume,
                                double          lo,
                                double          hi,
                                double         *window,
                                double         *level)
{
  if (!(hi > lo))
    {
      lo = volume->min;
      hi = volume->max > volume->min ? volume->max : volume->min + 1.0;
    }
  *window = hi - lo;
  *level = (hi + lo) / 2.0;
}

static void
clear_slice_images (PelDocument *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (self->slice_images); i++)
    g_clear_pointer (&self->slice_images[i], pel_slice_image_free);
}

void
pel_document_offer_slice_images (PelDocument    *self,
                                 PelSliceImage **images,
                                 guint           n)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  g_return_if_fail (n <= G_N_ELEMENTS (self->slice_images));

  clear_slice_images (self);
  self->slice_images_generation = self->store->generation;
  for (guint i = 0; i < n; i++)
    if (images[i] && images[i]->volume == self->volume)
      self->slice_images[i] = g_steal_pointer (&images[i]);
    else
      g_clear_pointer (&images[i], pel_slice_image_free);
}

PelSliceImage *
pel_document_take_slice_image (PelDocument *self,
                               PlView       view,
                               gint64       slice)
{
  g_return_val_if_fail (PEL_IS_DOCUMENT (self), NULL);

  /* anything drawn over the bare image makes them all stale */
  if (self->store->generation != self->slice_images_generation || self->store->proposal != NULL
      || (self->heat_map && pel_heat_map_get_visible (self->heat_map)))
    {
      clear_slice_images (self);
      return NULL;
    }
  for (guint i = 0; i < G_N_ELEMENTS (self->slice_images); i++)
    {
      PelSliceImage *image = self->slice_images[i];
      if (image && image->view == view && image->slice == slice && image->volume == self->volume
          && image->window == self->window && image->level == self->level)
        return g_steal_pointer (&self->slice_images[i]);
    }
  return NULL;
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
  clear_slice_images (self);
  g_mutex_lock (&self->store->lock);
  pel_document_free_later (self->volume_ref, self->store->labels, self->store->proposal);
  self->store->labels = NULL;
  self->store->proposal = NULL;
  self->store->proposal_serial++;
  self->volume_ref = pel_volume_ref_new (volume);
  self->store->owner = self->volume_ref;
  self->volume = volume;
  self->store->labels = pl_labels_new (volume->dim);
  pel_document_populate_later (self->store->labels->data, pl_labels_n_voxels (self->store->labels) * sizeof (guint16));
  for (int a = 0; a < 3; a++)
    {
      g_free (self->store->slice_generation[a]);
      self->store->slice_generation[a] = g_new0 (guint64, volume->dim[a]);
    }
  self->store->generation++;
  g_mutex_unlock (&self->store->lock);

  g_clear_pointer (&self->labels_path, g_free);
  pl_undo_clear (self->undo);
  self->saved_state_id = pl_undo_get_state_id (self->undo);
  self->autosaved_state_id = self->saved_state_id;
  /* a table made from the previous map's values goes with it */
  if (self->table_generic)
    {
      g_autoptr (PlLabelTable) generic = pl_label_table_new_default ();
      pel_document_assign_table (self->table, generic);
      pel_document_table_changed (self);
    }
  if (self->background_label != 0)
    {
      self->background_label = 0;
      pel_document_notify (self, PROP_BACKGROUND_LABEL);
    }
  if (self->heat_map)
    g_signal_handlers_disconnect_by_data (self->heat_map, self);
  g_clear_object (&self->heat_map);

  for (int a = 0; a < 3; a++)
    self->cursor[a] = volume->dim[a] / 2;
  pel_document_auto_window_level (volume, lo, hi, &self->auto_window, &self->auto_level);

  g_object_freeze_notify (G_OBJECT (self));
  pel_document_set_window_level (self, self->auto_window, self->auto_level);
  pel_document_notify (self, PROP_HAS_VOLUME);
  pel_document_notify (self, PROP_VOLUME_PATH);
  pel_document_notify (self, PROP_LABELS_PATH);
  pel_document_notify (self, PROP_HEAT_MAP);
  pel_document_history_changed (self);
  g_signal_emit (self, signals[VOLUME_CHANGED], 0);
  g_signal_emit (self, signals[CURSOR_CHANGED], 0);
  g_signal_emit (self, signals[OVERLAYS_CHANGED], 0);
  g_object_thaw_notify (G_OBJECT (self));
}

/* Replaces the intensities by a volume on the same grid (a degraded or
 * restored copy): the labels, the proposal, the undo history, the cursor and
 * the saved/autosaved states are kept, so painting is never lost by an
 * experiment on the image.  Takes ownership of volume. */
void
pel_document_replace_image (PelDocument *self,
                            PlVolume    *volume,
                            double       window,
                            double       level)
{
  g_return_if_fail (PEL_IS_DOCUMENT (self));
  g_return_if_fail (volume != NULL);
  g_return_if_fail (self->volume != NULL);
  g_return_if_fail (memcmp (volume->dim, self->volume->dim, sizeof volume->dim) == 0);

  clear_slice_images (self);
  g_mutex_lock (&self->store->lock);
  pel_document_free_later (self->volume_ref, NULL, NULL);
  self->volume_ref = pel_volume_ref_new (volume);
  self->store->owner = self->volume_ref;
  self->volume = volume;
  self->store->generation++;
  g_mutex_unlock (&self->store->lock);

  g_object_freeze_notify (G_OBJECT (self));
  pel_document_set_window_level (self, window, level);
  g_signal_emit (self, signals[VOLUME_CHANGED], 0);
  g_signal_emit (self, signals[OVERLAYS_CHANGED], 0);
  g_object_thaw_notify (G_OBJECT (self));
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
      pel_document_notify (self, PROP_WINDOW);
    }
  if (level != self->level)
    {
      self->level = level;
      pel_document_notify (self, PROP_LEVEL);
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
