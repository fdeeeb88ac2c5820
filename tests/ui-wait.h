/* Waiting on the main loop, for the window and panel suites.  Before
 * including, a suite may define UI_WAIT_SECONDS (how long wait_until()
 * waits before failing, scaled by TEST_TIME_SCALE under the sanitizers;
 * 30), UI_DRAIN_ROUNDS (rounds of drain(); 20) and UI_WAIT_DRAINS (1:
 * wait_until() drains once its condition holds).  Include once, in the
 * test program's single source file. */
#pragma once

#include <glib.h>

#include "tests/test-sanitizer.h"

#ifndef UI_WAIT_SECONDS
#define UI_WAIT_SECONDS 30
#endif
#ifndef UI_DRAIN_ROUNDS
#define UI_DRAIN_ROUNDS 20
#endif
#ifndef UI_WAIT_DRAINS
#define UI_WAIT_DRAINS 0
#endif

typedef gboolean (*Condition) (gpointer data);

/* Runs every pending event, UI_DRAIN_ROUNDS times over (handlers queue
 * more). */
G_GNUC_UNUSED static void
drain (void)
{
  for (int i = 0; i < UI_DRAIN_ROUNDS; i++)
    while (g_main_context_iteration (NULL, FALSE))
      ;
}

/* Runs the main loop until cond (data) holds; a timeout names the
 * condition. */
#define wait_until(cond, data) wait_until_named (cond, data, #cond)

G_GNUC_UNUSED static void
wait_until_named (Condition   cond,
                  gpointer    data,
                  const char *name)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) UI_WAIT_SECONDS * TEST_TIME_SCALE * G_USEC_PER_SEC;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting for %s", name);
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  if (UI_WAIT_DRAINS)
    drain ();
}
