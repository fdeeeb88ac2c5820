/* Every icon the program names is found in the icon theme the running
 * application sees, and its file loads at the sizes it is drawn at.
 *
 * The names are read from the sources, as they are today: icon-name
 * properties in the .ui templates, "...-symbolic" and "io.pellucid.Pellucid"
 * string literals in the .c files of src/, and the files in icons/.  Each is looked up in the
 * theme of the display (the program's own icons come from its resources,
 * the others from Adwaita) at 16 and 32 px (and 128 px for the program's
 * icon), and the file found is loaded the way GTK 4.8 loads icons, through
 * gdk-pixbuf at that size.  On a machine without gdk-pixbuf's SVG loader
 * (librsvg2-common), every SVG icon fails here, as it showed as a broken
 * image in the window. */
#include <gtk/gtk.h>
#include <string.h>

#include "src/pel-application.h"

static PelApplication *app;
static GPtrArray *names;   /* char *, sorted, unique */

static void
add_name (const char *name)
{
  for (guint i = 0; i < names->len; i++)
    if (g_str_equal (g_ptr_array_index (names, i), name))
      return;
  g_ptr_array_add (names, g_strdup (name));
}

static void
scan_text (const char *text,
           gboolean    ui)
{
  g_autoptr (GRegex) literal = g_regex_new ("\"([a-z][a-z0-9-]*-symbolic|io\\.pellucid\\.Pellucid(-symbolic)?)\"",
                                            0, 0, NULL);
  g_autoptr (GRegex) property = g_regex_new ("<property name=\"icon-name\">([^<]+)</property>", 0, 0, NULL);
  g_autoptr (GMatchInfo) match = NULL;

  g_regex_match (ui ? property : literal, text, 0, &match);
  while (g_match_info_matches (match))
    {
      g_autofree char *name = g_match_info_fetch (match, 1);
      add_name (name);
      g_match_info_next (match, NULL);
    }
}

static void
scan_dir (const char *dir,
          const char *suffix,
          gboolean    ui)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) d = g_dir_open (dir, 0, &error);
  const char *entry;

  g_assert_no_error (error);
  while ((entry = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, entry, NULL);
      g_autofree char *text = NULL;

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          if (g_str_equal (suffix, ".svg"))
            scan_dir (path, suffix, ui);
          continue;
        }
      if (!g_str_has_suffix (entry, suffix))
        continue;
      if (g_str_equal (suffix, ".svg"))
        {
          g_autofree char *name = g_strndup (entry, strlen (entry) - strlen (".svg"));
          add_name (name);
          continue;
        }
      g_assert_true (g_file_get_contents (path, &text, NULL, &error));
      g_assert_no_error (error);
      scan_text (text, ui);
    }
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static void
collect_names (void)
{
  const char *top = g_getenv ("G_TEST_SRCDIR");
  g_autofree char *ui = NULL, *src = NULL, *icons = NULL;

  g_assert_nonnull (top);
  ui = g_build_filename (top, "..", "ui", NULL);
  src = g_build_filename (top, "..", "src", NULL);
  icons = g_build_filename (top, "..", "icons", NULL);
  names = g_ptr_array_new_with_free_func (g_free);
  scan_dir (ui, ".ui", TRUE);
  scan_dir (src, ".c", FALSE);
  scan_dir (icons, ".svg", FALSE);
  g_ptr_array_sort (names, compare_names);
}

/* The sources name the tools, the panels' tabs, the lock and eye buttons
 * and the file actions: if the scan finds far fewer, it lost its way. */
static void
test_names_found (void)
{
  static const char *expected[] = {
    "pel-brush-symbolic", "pel-lock-symbolic", "pel-train-symbolic", "pel-labels-symbolic",
    "pel-layout-one-symbolic", "document-open-symbolic", "view-reveal-symbolic", "io.pellucid.Pellucid",
  };
  g_autoptr (GString) all = g_string_new (NULL);

  for (guint i = 0; i < names->len; i++)
    g_string_append_printf (all, " %s", (const char *) g_ptr_array_index (names, i));
  g_test_message ("%u icon names:%s", names->len, all->str);
  g_assert_cmpuint (names->len, >=, 25);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      gboolean found = FALSE;
      for (guint j = 0; j < names->len; j++)
        found |= g_str_equal (g_ptr_array_index (names, j), expected[i]);
      if (!found)
        g_error ("the scan of the sources did not find %s", expected[i]);
    }
}

/* Loads the file of `name` at `size` px as GTK does; FALSE with a message. */
static gboolean
loads_at (GtkIconTheme *theme,
          const char   *name,
          int           size,
          GString      *failures)
{
  g_autoptr (GtkIconPaintable) icon = NULL;
  g_autoptr (GFile) file = NULL;
  g_autoptr (GInputStream) stream = NULL;
  g_autoptr (GdkPixbuf) pixbuf = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *base = NULL;

  if (!gtk_icon_theme_has_icon (theme, name))
    {
      g_string_append_printf (failures, "\n  %s: not in the icon theme", name);
      return FALSE;
    }
  icon = gtk_icon_theme_lookup_icon (theme, name, NULL, size, 1, GTK_TEXT_DIR_NONE, 0);
  file = gtk_icon_paintable_get_file (icon);
  if (file == NULL)
    {
      g_string_append_printf (failures, "\n  %s at %d px: no file", name, size);
      return FALSE;
    }
  uri = g_file_get_uri (file);
  base = g_file_get_basename (file);
  if (!g_str_has_prefix (base, name))
    {
      g_string_append_printf (failures, "\n  %s at %d px: the theme gives %s instead", name, size, uri);
      return FALSE;
    }
  stream = G_INPUT_STREAM (g_file_read (file, NULL, &error));
  if (stream != NULL)
    pixbuf = gdk_pixbuf_new_from_stream_at_scale (stream, size, size, TRUE, NULL, &error);
  if (pixbuf == NULL)
    {
      g_string_append_printf (failures, "\n  %s at %d px (%s) does not load: %s", name, size, uri,
                              error->message);
      return FALSE;
    }
  /* Scalable files come at the size asked; fixed-size ones at theirs. */
  if (g_str_has_suffix (base, ".svg")
      && MAX (gdk_pixbuf_get_width (pixbuf), gdk_pixbuf_get_height (pixbuf)) != size)
    {
      g_string_append_printf (failures, "\n  %s (%s) loads at %d x %d px, not %d", name, uri,
                              gdk_pixbuf_get_width (pixbuf), gdk_pixbuf_get_height (pixbuf), size);
      return FALSE;
    }
  return TRUE;
}

static void
test_icons_load (void)
{
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gdk_display_get_default ());
  g_autoptr (GString) failures = g_string_new (NULL);
  guint n_failed = 0, n_loaded = 0;

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      static const int sizes[] = { 16, 32, 128 };
      /* the program's own icon also shows large (About) */
      guint n_sizes = g_str_has_suffix (name, "-symbolic") ? 2 : 3;
      gboolean ok = TRUE;

      for (guint s = 0; s < n_sizes; s++)
        if (loads_at (theme, name, sizes[s], failures))
          n_loaded++;
        else
          ok = FALSE;
      n_failed += !ok;
    }
  g_test_message ("%u icons, %u loads at their sizes", names->len, n_loaded);
  if (n_failed > 0)
    g_error ("%u of %u icons the program names do not load (is gdk-pixbuf's SVG loader, "
             "librsvg2-common, installed?):%s", n_failed, names->len, failures->str);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int status;

  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("GDK_DEBUG", "gl-disable", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  /* The application adds its resources' icons to the theme at startup. */
  app = pel_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("cannot register the application: %s", error->message);
  collect_names ();

  g_test_add_func ("/ui/icons/names-found", test_names_found);
  g_test_add_func ("/ui/icons/load", test_icons_load);
  status = g_test_run ();

  g_ptr_array_unref (names);
  g_clear_object (&app);
  return status;
}
