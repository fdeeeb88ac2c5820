/* Private to the Explain panel: pel-explain-panel.c (widgets, actions,
 * the grid and the overlay), pel-explain-run.c (the model, the worker,
 * Compute), pel-explain-export.c (drawing the maps, the faithfulness
 * table, PNG and NIfTI export). */
#pragma once

#include <gtk/gtk.h>

#include "engine/explain/explain.h"
#include "engine/explain/sanity.h"
#include "src/pel-explain-panel.h"

G_BEGIN_DECLS

#define THUMB_SIZE 96   /* the longer side of a thumbnail, pixels */

/* One finished map, as the worker publishes it (payload "map-N"). */
typedef struct
{
  const PlExplainMethod *method;
  double                 ms;
  double                 score, relevance_sum;
  double                 deletion, insertion; /* areas (NaN: not computed) */
  int                    h, w;       /* the slice */
  int                    oy, ox, wh, ww; /* the window in the slice */
  float                 *map;        /* (h, w), zero off the window */
  float                 *sorted_abs; /* |map| on the window, ascending */
  gsize                  n_sorted;
} ExplainMap;

void explain_map_free (gpointer data);

/* One stage of a sanity check (payload "sanity-M-S"). */
typedef struct
{
  ExplainMap   *map;
  guint         method_index;  /* in the request */
  int           stage;         /* 0: the trained model */
  int           n_randomised;
  char         *layer;
  PlSimilarity  sim;           /* to the trained map */
} SanityMap;

void pel_explain_sanity_map_free (gpointer data);

typedef struct ExplainTask Task;
typedef struct ExportTask ExportTask;

struct _PelExplainPanel
{
  GtkWidget           parent_instance;

  PelDocument        *document;
  PelTools           *tools;
  PelLiveRun         *run;
  Task               *task;
  ExportTask         *export_task;
  GSimpleActionGroup *actions;
  guint               poll_id;

  GtkWidget          *scroller;
  GtkDropDown        *class_drop;
  GtkStringList      *class_list;
  GArray             *class_values;  /* guint16 per entry of class_drop */
  GtkDropDown        *region_drop;
  GtkDropDown        *norm_drop;
  GtkSpinButton      *clip_spin;
  GPtrArray          *method_checks; /* GtkCheckButton per table entry */
  GtkCheckButton     *faithful_check;
  GtkFlowBox         *grid;
  GtkGrid            *table;         /* per map: time, deletion, insertion */
  GtkDropDown        *sanity_mode_drop;
  GtkBox             *strip;         /* the sanity check: a row per method */
  GPtrArray          *sanity;        /* SanityMap */
  GHashTable         *sanity_rows;   /* method → SanityRow */
  GtkBox             *status_box;
  GtkButton          *compute_button;

  GPtrArray          *maps;          /* ExplainMap */
  float              *image;         /* the slice the maps were computed on */
  int                 image_h, image_w;
  float               image_lo, image_hi; /* its 1st and 99th percentiles */
  gint64              dim[3];
  int                 axis;
  gint64              index;
  int                 shown;         /* map on the overlay, −1 none */
  GCancellable       *overlay_cancel; /* the overlay being made */
};

void        pel_explain_set_status    (PelExplainPanel  *self,
                                       const char       *key,
                                       const char       *text,
                                       gboolean          error);
void        pel_explain_update_actions (PelExplainPanel *self);

void        pel_explain_rebuild_grid  (PelExplainPanel  *self);

/* pel-explain-run.c */
/* The Train panel's model, or NULL. */
PlModel    *pel_explain_current_model (PelExplainPanel  *self);
/* explain.compute: the checked methods on the target, on the run. */
void        pel_explain_compute       (PelExplainPanel  *self);
void        pel_explain_task_free     (Task             *t);

void        pel_explain_sanity        (PelExplainPanel  *self);

/* pel-explain-sanity.c */
/* The strip: a title with the verdict, the map at each stage and the
 * similarities plotted against the layers randomised, per method. */
void        pel_explain_sanity_clear  (PelExplainPanel  *self);
void        pel_explain_sanity_add    (PelExplainPanel  *self,
                                       SanityMap        *s);
/* Draws the strip again (the normalisation changed). */
void        pel_explain_sanity_refresh (PelExplainPanel *self);
/* 1 pass, 0 fail, −1 not checked; mean: the mean |Spearman ρ| over the
 * randomised stages. */
int         pel_explain_sanity_verdict (PelExplainPanel *self,
                                        const PlExplainMethod *method,
                                        double          *mean);
GtkWidget  *pel_explain_sanity_build  (PelExplainPanel  *self);

/* pel-explain-export.c */
gboolean    pel_explain_is_signed     (PelExplainPanel  *self);
/* The map's |value| at the clip percentile (the colour scale's end). */
float       pel_explain_map_clip      (PelExplainPanel  *self,
                                       const ExplainMap *m);
/* The map over the slice in the shared normalisation, y upwards as in the
 * views: rgb (m->h rows of stride bytes, R8G8B8). */
void        pel_explain_render_rgb    (PelExplainPanel  *self,
                                       const ExplainMap *m,
                                       guint8           *rgb,
                                       gsize             stride);
GdkTexture *pel_explain_render_thumb  (PelExplainPanel  *self,
                                       const ExplainMap *m);
/* The table of the maps: method, time, deletion and insertion areas. */
void        pel_explain_rebuild_table (PelExplainPanel  *self);
/* explain.export-grid(s path) and explain.export-map(s path): a live run
 * writing the grid as a PNG (3 maps a row at the slice's size) or the map
 * on the overlay as a NIfTI heat map on the volume's grid. */
void        pel_explain_export_grid   (PelExplainPanel  *self,
                                       const char       *path);
void        pel_explain_export_map    (PelExplainPanel  *self,
                                       const char       *path);
void        pel_explain_export_task_free (ExportTask    *t);
/* A save dialog, then export_grid (png) or export_map. */
void        pel_explain_export_dialog (PelExplainPanel  *self,
                                       gboolean          png);

G_END_DECLS
