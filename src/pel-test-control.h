/* pel-test-control.h: a control channel for tests that drive the real
 * program from outside (tests/test-crash.c kills it at random moments).
 *
 * Off unless the environment holds PELLUCID_TEST_CONTROL=FD, the number of
 * an inherited file descriptor (one end of a socketpair).  Then the program
 * reads commands from it, one per line, and writes events to it, one per
 * line, in the order they happen on the main thread:
 *
 *   commands                          events
 *   ping                              pong
 *   label VALUE                       (active label, as the Labels panel)
 *   brush SIZE                        (brush diameter in voxels)
 *   autosave-interval MS              (autosave every MS ms instead of the
 *                                      autosave-interval setting)
 *   stroke-begin VIEW I J K           (VIEW: axial, coronal or sagittal; the
 *   stroke-move I J K                  view moves to the voxel's slice and the
 *   stroke-end                         pointer to its centre, through the
 *                                      entry points the mouse gestures use)
 *                                     stroke-done STATE
 *   save PATH                         save-started STATE, then saved STATE
 *                                     or save-failed
 *   recovery restore|discard|later    (answers the recovery question)
 *                                     restored STATE
 *   labels-sha1                       labels-sha1 HEX (of the label map)
 *   train STEPS                       (shows the Train panel, chooses the
 *                                      small preset and STEPS steps, presses
 *                                      Start once the labels are counted)
 *                                     train-started, then train-step STEP
 *                                     as steps are done, then
 *                                     train-finished STEP ok|MESSAGE
 *   quit                              (closes the windows)
 *
 *   events the program sends by itself:
 *   opened PATH                       an image finished loading
 *   ready                             ... and its views are on screen
 *   recovery-offered UNIXTIME         the question about unsaved painting
 *   autosave-started STATE            autosave took its snapshot
 *   autosave-done STATE               ... and the recovery files are complete
 *   autosave-failed                   ... or could not be written
 *
 * STATE is the document's undo state id.  Nothing here changes what the
 * program does; it only lets a test do what a user does and see when the
 * program's own work is finished. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Starts listening when PELLUCID_TEST_CONTROL is set. */
void     pel_test_control_start  (GtkApplication *application);
/* An image finished loading in a window: "opened", then "ready". */
void     pel_test_control_opened (const char     *path);
gboolean pel_test_control_active (void);
/* Writes one event line when the channel is open; a no-op otherwise. */
void     pel_test_control_event  (const char     *format,
                                  ...) G_GNUC_PRINTF (1, 2);

G_END_DECLS
