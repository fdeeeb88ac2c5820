/* libFuzzer target: the ITK-SNAP label description reader.  What loads
 * must survive a save and a second load unchanged. */
#include <string.h>

#include "engine/data/labels.h"
#include "fuzz/fuzz-common.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_setup ();
  return 0;
}

static void
check_same (PlLabelTable *a, PlLabelTable *b)
{
  if (pl_label_table_get_n (a) != pl_label_table_get_n (b))
    abort ();
  for (guint i = 0; i < pl_label_table_get_n (a); i++)
    {
      const PlLabel *x = pl_label_table_get_nth (a, i), *y = pl_label_table_get_nth (b, i);
      if (x->value != y->value || memcmp (x->rgb, y->rgb, 3) != 0 || x->alpha != y->alpha
          || x->visible != y->visible || x->mesh_visible != y->mesh_visible
          || x->locked != y->locked || strcmp (x->name, y->name) != 0)
        abort ();
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *path = fuzz_path ("fuzzinput.txt");
  g_autofree char *saved = fuzz_path ("saved.txt");
  g_autoptr (GError) error = NULL;
  g_autoptr (PlLabelTable) table = NULL;
  g_autoptr (PlLabelTable) again = NULL;

  fuzz_write (path, data, size);
  table = pl_label_table_load (path, &error);
  if (table == NULL)
    {
      if (error == NULL || error->domain != PL_ERROR
          || strstr (error->message, "fuzzinput.txt") == NULL)
        abort ();
      return 0;
    }
  if (!pl_label_table_save (table, saved, &error))
    abort ();
  again = pl_label_table_load (saved, &error);
  if (again == NULL)
    abort ();
  check_same (table, again);
  return 0;
}
