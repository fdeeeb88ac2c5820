/* pellucid: the desktop application. */
#include "src/pel-config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "src/pel-application.h"
#include "src/pel-test-control.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr (PelApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_application_name ("Pellucid");

  app = pel_application_new ();
  /* Tests and demonstrations only: PELLUCID_TEST_CONTROL */
  pel_test_control_attach (GTK_APPLICATION (app));
  return g_application_run (G_APPLICATION (app), argc, argv);
}
