/* PelApplication: actions, accelerators, command line.  See the header. */
#define G_LOG_DOMAIN "pel-application"

#include "src/pel-config.h"
#include "src/pel-application.h"

#include <glib/gi18n.h>
#include <string.h>

#include "engine/cases/cohort.h"
#include "src/pel-window.h"

struct _PelApplication
{
  GtkApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (PelApplication, pel_application, GTK_TYPE_APPLICATION)

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GtkApplication *app = user_data;
  GList *windows = gtk_application_get_windows (app);

  /* Each window asks about its unsaved work itself. */
  for (GList *l = g_list_copy (windows); l; l = g_list_delete_link (l, l))
    gtk_window_close (l->data);
}

static void
new_window_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  gtk_window_present (GTK_WINDOW (pel_window_new (GTK_APPLICATION (user_data))));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkApplication *app = user_data;
  static const char *authors[] = { "The Pellucid developers", NULL };

  gtk_show_about_dialog (gtk_application_get_active_window (app),
                         "program-name", "Pellucid",
                         "logo-icon-name", "io.pellucid.Pellucid",
                         "version", PACKAGE_VERSION,
                         "comments", _("Medical image segmentation with few labels, on an ordinary CPU"),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "authors", authors,
                         "translator-credits", _("translator-credits"),
                         NULL);
}

char *
pel_application_find_doc (const char *name)
{
  const char *dirs[] = { g_getenv ("PELLUCID_DOCDIR"), PEL_DOCDIR, PEL_SOURCE_DOCDIR };
  g_autofree char *file = NULL;

  g_return_val_if_fail (name != NULL, NULL);
  if (strchr (name, '/') != NULL || strchr (name, '.') != NULL)
    return NULL;
  file = g_strcmp0 (name, "README") == 0 ? g_strdup ("README.md") : g_strconcat ("docs/", name, ".md", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    if (dirs[i] && *dirs[i])
      {
        g_autofree char *path = g_build_filename (dirs[i], file, NULL);
        if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
          return g_steal_pointer (&path);
      }
  return NULL;
}

static void
help_shown (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autofree char *path = user_data;
  g_autoptr (GError) error = NULL;

  if (!gtk_show_uri_full_finish (GTK_WINDOW (object), result, &error))
    {
      PelWindow *window = PEL_WINDOW (object);
      g_autofree char *text = g_strdup_printf (_("Could not open %s: %s"), path, error->message);
      pel_window_show_notice (window, GTK_MESSAGE_ERROR, text);
    }
}

/* Opens one of the documents (README, methods, cases, …) in the desktop's
 * viewer for Markdown or text. */
static void
help_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GtkApplication *app = user_data;
  GtkWindow *window = gtk_application_get_active_window (app);
  const char *name = g_variant_get_string (parameter, NULL);
  g_autofree char *path = pel_application_find_doc (name);
  g_autofree char *uri = NULL;

  if (!PEL_IS_WINDOW (window))
    return;
  if (path == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The document “%s” is not installed (looked in %s)."),
                                               name, PEL_DOCDIR);
      pel_window_show_notice (PEL_WINDOW (window), GTK_MESSAGE_ERROR, text);
      return;
    }
  uri = g_filename_to_uri (path, NULL, NULL);
  gtk_show_uri_full (window, uri, GDK_CURRENT_TIME, NULL, help_shown, g_steal_pointer (&path));
}

static const GActionEntry app_entries[] = {
  { "quit", quit_activated },
  { "help", help_activated, "s" },
  { "new-window", new_window_activated },
  { "about", about_activated },
};

static void
pel_application_startup (GApplication *application)
{
  static const struct { const char *action; const char *accels[3]; } accels[] = {
    /* ITK-SNAP: Ctrl+G opens the main image, Ctrl+O a segmentation */
    { "win.open", { "<Control>g", NULL } },
    { "win.open-segmentation", { "<Control>o", NULL } },
    { "win.save", { "<Control>s", NULL } },
    { "win.save-as", { "<Control><Shift>s", NULL } },
    { "win.undo", { "<Control>z", NULL } },
    { "win.redo", { "<Control><Shift>z", "<Control>y", NULL } },
    { "win.zoom-fit", { "<Control>f", NULL } },
    { "win.interpolate", { "<Control>i", NULL } },
    { "win.zoom(1)", { "<Control>plus", "<Control>equal", NULL } },
    { "win.zoom(-1)", { "<Control>minus", NULL } },
    { "win.preset('auto')", { "<Control>j", NULL } },
    { "win.preset('full')", { "<Control><Shift>j", NULL } },
    { "win.open-recent-nth(0)", { "<Control>1", NULL } },
    { "win.open-recent-nth(1)", { "<Control>2", NULL } },
    { "win.open-recent-nth(2)", { "<Control>3", NULL } },
    { "win.open-recent-nth(3)", { "<Control>4", NULL } },
    { "win.open-recent-nth(4)", { "<Control>5", NULL } },
    { "win.layout('three')", { "<Alt>0", NULL } },
    { "win.layout('axial')", { "<Alt>1", NULL } },
    { "win.layout('sagittal')", { "<Alt>2", NULL } },
    { "win.layout('coronal')", { "<Alt>3", NULL } },
    { "win.close", { "<Control>w", NULL } },
    { "app.new-window", { "<Control>n", NULL } },
    { "app.quit", { "<Control>q", NULL } },
    { "app.help('README')", { "F1", NULL } },
  };

  g_autoptr (GtkCssProvider) provider = NULL;

  G_APPLICATION_CLASS (pel_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (application), app_entries, G_N_ELEMENTS (app_entries), application);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (application), accels[i].action, accels[i].accels);

  /* Images read best on a dark surround. */
  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", TRUE, NULL);
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/io/pellucid/Pellucid/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  gtk_window_set_default_icon_name ("io.pellucid.Pellucid");
}

static PelWindow *
window_for_opening (GtkApplication *app)
{
  GtkWindow *active = gtk_application_get_active_window (app);

  /* Reuse an empty window, as a document application does. */
  if (PEL_IS_WINDOW (active) && !pel_document_has_volume (pel_window_get_document (PEL_WINDOW (active))))
    return PEL_WINDOW (active);
  return pel_window_new (app);
}

static void
pel_application_activate (GApplication *application)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (application));

  if (window == NULL)
    window = GTK_WINDOW (pel_window_new (GTK_APPLICATION (application)));
  gtk_window_present (window);
}

static int
pel_application_command_line (GApplication            *application,
                              GApplicationCommandLine *command_line)
{
  GVariantDict *options = g_application_command_line_get_options_dict (command_line);
  g_autofree char *segmentation = NULL, *description = NULL;
  g_autofree const char **files = NULL;
  g_autoptr (GFile) image = NULL, seg = NULL, desc = NULL;
  PelWindow *window;

  g_variant_dict_lookup (options, "segmentation", "^ay", &segmentation);
  g_variant_dict_lookup (options, "labels", "^ay", &description);
  g_variant_dict_lookup (options, G_OPTION_REMAINING, "^a&ay", &files);

  if (files == NULL || files[0] == NULL)
    {
      if (segmentation || description)
        {
          g_application_command_line_printerr (command_line, "%s\n",
                                               _("--segmentation and --labels need an image to go with"));
          return 1;
        }
      g_application_activate (application);
      return 0;
    }
  /* A folder, a list file or several images: a case list. */
  if (files[1] != NULL || g_file_test (files[0], G_FILE_TEST_IS_DIR) || !pl_path_is_nifti (files[0]))
    {
      g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);

      if (segmentation || description)
        {
          g_application_command_line_printerr (command_line, "%s\n",
                                               _("--segmentation and --labels go with one image, not a list of cases"));
          return 1;
        }
      for (guint i = 0; files[i]; i++)
        {
          g_autoptr (GFile) file = g_application_command_line_create_file_for_arg (command_line, files[i]);
          g_ptr_array_add (paths, g_file_get_path (file));
        }
      window = window_for_opening (GTK_APPLICATION (application));
      gtk_window_present (GTK_WINDOW (window));
      pel_window_open_cases (window, (const char *const *) paths->pdata, (int) paths->len);
      return 0;
    }

  image = g_application_command_line_create_file_for_arg (command_line, files[0]);
  if (segmentation)
    seg = g_application_command_line_create_file_for_arg (command_line, segmentation);
  if (description)
    desc = g_application_command_line_create_file_for_arg (command_line, description);
  window = window_for_opening (GTK_APPLICATION (application));
  gtk_window_present (GTK_WINDOW (window));
  pel_window_open (window, image, seg, desc);
  return 0;
}

static void
pel_application_class_init (PelApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->startup = pel_application_startup;
  app_class->activate = pel_application_activate;
  app_class->command_line = pel_application_command_line;
}

static void
pel_application_init (PelApplication *self)
{
  static const GOptionEntry entries[] = {
    { "segmentation", 's', 0, G_OPTION_ARG_FILENAME, NULL,
      N_("Open this segmentation with the image"), N_("FILE") },
    { "labels", 'l', 0, G_OPTION_ARG_FILENAME, NULL,
      N_("Read label names and colours from this ITK-SNAP label description"), N_("FILE") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, NULL, NULL, N_("[IMAGE]") },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), _("[IMAGE]"));
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Open a NIfTI image, paint labels, and save them."));
}

PelApplication *
pel_application_new (void)
{
  return g_object_new (PEL_TYPE_APPLICATION,
                       "application-id", "io.pellucid.Pellucid",
                       "resource-base-path", "/io/pellucid/Pellucid",
                       "flags", G_APPLICATION_HANDLES_COMMAND_LINE,
                       NULL);
}
