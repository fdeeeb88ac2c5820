/* Training across the cases of the open cohort.  See pel-train-cases.h. */
#define G_LOG_DOMAIN "pel-train"

#include "src/pel-train-cases.h"

#include <glib/gi18n.h>
#include <string.h>

struct _PelTrainCases
{
  PlCohort              *cohort;        /* a copy */
  guint                  open_case;
  PlCaseBank            *bank;
  const PlLabelProvider *live;
  PlLabelProvider        provider;
  PlLabelProvider        fixed;         /* the bank's saved labels */
  int                    live_axis;
  gint64                 live_first, live_n;
  int                    live_h, live_w, oy, ox;   /* open case's slices in the bank's */
  gsize                 *copies;        /* atomic, per case */
  gint64                *live_counts;   /* worker scratch */
  guint16               *live_slice;
  gint                   painted_cases; /* atomic */
  gsize                  painted_slices;   /* atomic */
};

PelTrainCases *
pel_train_cases_new (const PlCohort *cohort,
                     guint           open_case)
{
  PelTrainCases *cases = g_new0 (PelTrainCases, 1);

  cases->cohort = pl_cohort_copy (cohort);
  cases->open_case = open_case;
  cases->copies = g_new0 (gsize, pl_cohort_get_n (cohort));
  cases->live_first = -1;
  return cases;
}

void
pel_train_cases_free (PelTrainCases *cases)
{
  if (cases == NULL)
    return;
  pl_case_bank_free (cases->bank);
  pl_cohort_free (cases->cohort);
  g_free (cases->copies);
  g_free (cases->live_counts);
  g_free (cases->live_slice);
  g_free (cases);
}

guint
pel_train_cases_get_n_cases (PelTrainCases *cases)
{
  return pl_cohort_get_n (cases->cohort);
}

/* counts along the bank's axis 2: the saved labels' counts, the open
 * case's slices counted live. */
static void
count_slices (gpointer user_data,
              int      axis,
              gint64  *counts)
{
  PelTrainCases *cases = user_data;
  const PlVolume *bank = pl_case_bank_get_volume (cases->bank);
  g_autofree gboolean *seen = g_new0 (gboolean, pel_train_cases_get_n_cases (cases));
  guint n_cases = 0;
  gint64 n_slices = 0;

  g_return_if_fail (axis == 2);
  cases->fixed.count_slices (cases->fixed.user_data, axis, counts);
  if (cases->live_first >= 0)
    {
      cases->live->count_slices (cases->live->user_data, cases->live_axis, cases->live_counts);
      memcpy (counts + cases->live_first, cases->live_counts, sizeof (gint64) * cases->live_n);
    }
  for (gint64 s = 0; s < bank->dim[2]; s++)
    if (counts[s] > 0)
      {
        guint k = pl_case_bank_get_case (cases->bank, s, NULL);
        n_slices++;
        if (!seen[k])
          n_cases++;
        seen[k] = TRUE;
      }
  g_atomic_int_set (&cases->painted_cases, (gint) n_cases);
  g_atomic_pointer_set (&cases->painted_slices, (gsize) n_slices);
}

static void
copy_slice (gpointer  user_data,
            int       axis,
            gint64    index,
            guint16  *dst)
{
  PelTrainCases *cases = user_data;
  const PlVolume *bank = pl_case_bank_get_volume (cases->bank);
  gint64 z;
  guint k = pl_case_bank_get_case (cases->bank, index, &z);

  g_return_if_fail (axis == 2);
  if (cases->live_first >= 0 && index >= cases->live_first && index < cases->live_first + cases->live_n)
    {
      int H = (int) bank->dim[0], W = (int) bank->dim[1];

      cases->live->copy_slice (cases->live->user_data, cases->live_axis, z, cases->live_slice);
      if (cases->live_h == H && cases->live_w == W)
        memcpy (dst, cases->live_slice, sizeof (guint16) * H * W);
      else
        {
          memset (dst, 0, sizeof (guint16) * H * W);
          for (int y = 0; y < cases->live_h; y++)
            memcpy (dst + (gsize) (y + cases->oy) * W + cases->ox,
                    cases->live_slice + (gsize) y * cases->live_w, sizeof (guint16) * cases->live_w);
        }
    }
  else
    cases->fixed.copy_slice (cases->fixed.user_data, axis, index, dst);
  g_atomic_pointer_add (&cases->copies[k], 1);
}

gboolean
pel_train_cases_build (PelTrainCases         *cases,
                       const PlVolume        *volume,
                       const PlLabelProvider *live,
                       const PlProgress      *progress,
                       GError               **error)
{
  PlCaseBankOptions options;
  const PlVolume *bank;

  g_return_val_if_fail (cases->bank == NULL, FALSE);
  pl_case_bank_options_init (&options);
  options.progress = progress;
  options.live_case = (int) cases->open_case;
  options.live_volume = volume;
  cases->bank = pl_case_bank_new (cases->cohort, &options, error);
  if (cases->bank == NULL)
    return FALSE;
  bank = pl_case_bank_get_volume (cases->bank);
  pl_label_provider_init_static (&cases->fixed, pl_case_bank_get_labels (cases->bank));
  cases->live = live;
  cases->live_axis = pl_volume_axial_axis (volume);
  cases->live_first = pl_case_bank_get_live_first (cases->bank);
  cases->live_n = volume->dim[cases->live_axis];
  pl_slice_dims (volume->dim, cases->live_axis, &cases->live_h, &cases->live_w);
  cases->oy = ((int) bank->dim[0] - cases->live_h) / 2;
  cases->ox = ((int) bank->dim[1] - cases->live_w) / 2;
  cases->live_counts = g_new0 (gint64, cases->live_n);
  cases->live_slice = g_new0 (guint16, (gsize) cases->live_h * cases->live_w);
  cases->provider.count_slices = count_slices;
  cases->provider.copy_slice = copy_slice;
  cases->provider.user_data = cases;
  return TRUE;
}

const PlVolume *
pel_train_cases_get_volume (PelTrainCases *cases)
{
  return cases->bank ? pl_case_bank_get_volume (cases->bank) : NULL;
}

const PlLabelProvider *
pel_train_cases_get_provider (PelTrainCases *cases)
{
  return cases->bank ? &cases->provider : NULL;
}

const PlCaseBank *
pel_train_cases_get_bank (PelTrainCases *cases)
{
  return cases->bank;
}

int
pel_train_cases_get_live_axis (PelTrainCases *cases)
{
  return cases->live_axis;
}

gint64
pel_train_cases_live_to_bank (PelTrainCases *cases,
                              gint64         z)
{
  if (cases->live_first < 0 || z < 0 || z >= cases->live_n)
    return -1;
  return cases->live_first + z;
}

void
pel_train_cases_get_painted (PelTrainCases *cases,
                             guint         *n_cases,
                             gint64        *n_slices)
{
  if (n_cases)
    *n_cases = (guint) g_atomic_int_get (&cases->painted_cases);
  if (n_slices)
    *n_slices = (gint64) g_atomic_pointer_get (&cases->painted_slices);
}

guint64
pel_train_cases_get_n_copies (PelTrainCases *cases,
                              guint          i)
{
  g_return_val_if_fail (i < pel_train_cases_get_n_cases (cases), 0);
  return (guint64) g_atomic_pointer_get (&cases->copies[i]);
}

char *
pel_train_cases_describe (PelTrainCases *cases)
{
  guint n_cases;
  gint64 n_slices;

  pel_train_cases_get_painted (cases, &n_cases, &n_slices);
  /* Translators: training across the cases of a cohort */
  return g_strdup_printf (_("Trains across the cohort: %" G_GINT64_FORMAT " painted slices in %u of %u cases "
                            "(each case normalised on its own)."),
                          n_slices, n_cases, pel_train_cases_get_n_cases (cases));
}
