/* pel-action-script.h: a list of action activations run in order — how
 * demonstrations, screenshots and tests drive the program the way a user
 * does, through the same GActions its buttons and menus activate.
 *
 * A script is "name[=value],name[=value],…".  A name is "group.action"
 * ("win.open", "app.quit", "train.start") or a bare action of the default
 * group.  The value is parsed for the action's parameter type (an integer,
 * a double, a string as written, or GVariant text for anything else).  Each
 * activation waits until its action is enabled and the group's "busy"
 * action (a boolean state, if the group has one) is FALSE, then runs; so
 * "steps=30,start,predict" trains 30 steps, waits for the end, predicts.
 *
 * Groups are found by prefix: "app" is the default GApplication, "win" the
 * widget's window, and any other the group a widget or one of its ancestors
 * registered with pel_action_script_insert_group() (which also inserts it
 * for the widget, so its buttons can use it).
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void      pel_action_script_insert_group (GtkWidget    *widget,
                                          const char   *prefix,
                                          GActionGroup *group);
/* The group of a prefix as a script sees it from widget: "app", "win", or
 * one registered on widget or an ancestor; NULL if none. */
GActionGroup *pel_action_script_find_group (GtkWidget  *widget,
                                            const char *prefix);
/* The live run behind a group's actions (a PelLiveRun), so that a script
 * or a test driving the group can follow its properties (running, done,
 * total, message); the group keeps a reference.  NULL if none. */
void      pel_action_script_set_run      (GActionGroup *group,
                                          GObject      *run);
GObject  *pel_action_script_get_run      (GActionGroup *group);
/* Replaces any script still running on this widget. */
void      pel_action_script_run          (GtkWidget    *widget,
                                          const char   *script,
                                          const char   *default_group);
/* Drops the widget's script (call from dispose). */
void      pel_action_script_cancel       (GtkWidget    *widget);
/* TRUE while a script of the widget has activations left. */
gboolean  pel_action_script_pending      (GtkWidget    *widget);

G_END_DECLS
