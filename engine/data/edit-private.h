/* Shared by edit.c (recording) and undo.c (encoding and history) only:
 * the inside of a PlEdit and its normal form. */
#pragma once

#include "engine/data/undo.h"

G_BEGIN_DECLS

typedef struct
{
  guint64 index;
  guint32 seq;       /* recording order, to keep the first old / last new */
  guint16 old_value;
  guint16 new_value;
} Change;

typedef struct
{
  guint64 start;
  guint64 length;
  guint16 old_value;
  guint16 new_value;
} Run;

struct _PlEdit
{
  gint64  dim[3];
  GArray *changes;     /* Change, from pl_edit_record() */
  GArray *runs;        /* Run, from pl_edit_record_diff() */
  guint64 runs_end;    /* end of the last run; runs stay sorted and disjoint */
  gboolean runs_sorted;
  gsize   n;
  PlBox   box;
  PlLabelTable *table_before;   /* a label-table change, or both NULL */
  PlLabelTable *table_after;
};

/* Sorted, disjoint runs with old != new: the normal form of an edit
 * (Run); the caller unrefs it. */
GArray *pl_edit_to_runs (PlEdit *edit);

G_END_DECLS
