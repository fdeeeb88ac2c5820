/* pel-test-control.h: a control channel for tests and demonstrations that
 * drive the real program from outside (tests/test-crash.c kills it at
 * random moments).
 *
 * Off unless the environment holds PELLUCID_TEST_CONTROL=FD, the number of
 * an inherited file descriptor (one end of a socketpair).  Then the program
 * reads commands from it, one per line, and writes events to it, one per
 * line, in the order they happen on the main thread.  The channel does
 * what a user does through the program's own actions and gestures, and
 * reports what it sees in properties and signals; the program does not
 * know about it (main.c only attaches it).
 *
 * Commands are run in order; an `action` whose action is disabled waits
 * until it is enabled (a Start button that waits for the labels to be
 * counted), and the commands after it wait with it.
 *
 *   commands                          events
 *   ping                              pong
 *   action NAME [PARAMETER]           activated NAME STATE
 *       Activates the action NAME of the window ("win.save-to"), of the
 *       application ("app.quit"), or of a group registered on the window
 *       with pel_action_script_insert_group() ("train.start").  PARAMETER
 *       is GVariant text (g_variant_parse()) typed by the action
 *       ('/tmp/a.nii.gz', 3, 'restore').  Other groups the window's
 *       widgets can reach are activated untyped and unchecked (give the
 *       type where it is not the default one: "uint32 200").  STATE is
 *       the document's undo state id just after the activation.
 *   get OBJECT PROPERTY               value OBJECT PROPERTY VALUE
 *   set OBJECT PROPERTY VALUE         (writes a property)
 *       OBJECT: window, document, tools, viewer, job (the window's file
 *       job), application, run:GROUP (the live run behind an action
 *       group, e.g. run:train: running, done, total, fraction, message).
 *       Booleans read true/false, enums their nick.
 *   watch OBJECT PROPERTY             watching OBJECT PROPERTY, then
 *                                     notify OBJECT PROPERTY VALUE at
 *                                     every change
 *   stroke-begin VIEW I J K           (VIEW: axial, coronal or sagittal; the
 *   stroke-move I J K                  view moves to the voxel's slice and the
 *   stroke-end                         pointer to its centre, through the
 *                                      entry points the mouse gestures use)
 *                                     stroke-done STATE
 *   labels-sha1                       labels-sha1 HEX (of the label map)
 *   quit                              (destroys the windows without asking,
 *                                      as a crash would, but cleanly)
 *
 *   events the program's state gives by itself:
 *   opened PATH                       the document holds a new volume
 *   ready                             ... and its views are on screen, the
 *                                      file job done
 *   recovery-offered UNIXTIME         the window's recovery-time property:
 *                                      the question about unsaved painting
 *                                      (answer: action win.recovery 'restore')
 *   restored STATE                    the document's ::restored
 *   autosave-started STATE            the document's ::autosave-started
 *   autosaved STATE                   ::autosaved (the recovery files hold it)
 *   autosave-failed MESSAGE           ::autosave-failed
 *   saved STATE PATH                  the document's ::saved
 *   job-started                       the window's file job (open, save,
 *   job-ended                          restore) started / ended, as the
 *                                      win.cancel-job action's enabled
 *                                      state shows; job-ended comes after
 *                                      the job's own result (saved ...)
 *   error MESSAGE                     a command could not be run
 *
 * STATE is the document's undo state id (its state-id property). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Attaches the channel to the application when PELLUCID_TEST_CONTROL is
 * set (it starts listening at the application's startup); a no-op
 * otherwise. */
void pel_test_control_attach (GtkApplication *application);

G_END_DECLS
