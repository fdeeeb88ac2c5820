/* pel-window.h: the main window: header bar, side panels, the viewer and
 * the status bar around one PelDocument.
 *
 * File operations run as PelJobs whose progress shows in the status bar;
 * errors are shown in a dialog that names the file and the problem, and the
 * open document stays as it was.  Closing, or opening another image, with
 * unsaved painting asks first.
 */
#pragma once

#include <gtk/gtk.h>

#include "src/pel-document.h"
#include "src/pel-job.h"
#include "src/pel-tools.h"
#include "src/pel-viewer.h"

G_BEGIN_DECLS

#define PEL_TYPE_WINDOW (pel_window_get_type ())
G_DECLARE_FINAL_TYPE (PelWindow, pel_window, PEL, WINDOW, GtkApplicationWindow)

PelWindow   *pel_window_new               (GtkApplication *application);
PelDocument *pel_window_get_document      (PelWindow      *self);
PelTools    *pel_window_get_tools         (PelWindow      *self);
PelViewer   *pel_window_get_viewer        (PelWindow      *self);
/* The job of the file operation in progress, or NULL. */
PelJob      *pel_window_get_job           (PelWindow      *self);
/* Loads an image (asking first if there are unsaved changes); then the
 * segmentation and label description, when given (both may be NULL). */
void         pel_window_open              (PelWindow      *self,
                                           GFile          *image,
                                           GFile          *segmentation,
                                           GFile          *label_description);
void         pel_window_open_segmentation (PelWindow      *self,
                                           GFile          *file);
/* Runs after a save succeeded. */
typedef void (*PelWindowThen) (PelWindow *self,
                               gpointer   data);
/* Saves the labels to file, then calls then (not when the save fails);
 * data is freed with free_func either way. */
void         pel_window_save_then         (PelWindow      *self,
                                           GFile          *file,
                                           PelWindowThen   then,
                                           gpointer        data,
                                           GDestroyNotify  free_func);
/* Opens a cohort in the Cases panel: a folder, a list file or several
 * images (engine/cases/cohort.h), and its first case not yet reviewed. */
void         pel_window_open_cases        (PelWindow         *self,
                                           const char *const *paths,
                                           int                n_paths);
/* Saves the labels to file (NULL: where they were saved last). */
void         pel_window_save              (PelWindow      *self,
                                           GFile          *file);
/* The folder Save proposes (transfer full): the one a segmentation was
 * last saved in, else the user's documents folder, else home; never the
 * image's folder, which is often read-only. */
char        *pel_window_get_save_folder   (PelWindow      *self);
/* A message in the window's info bar. */
void         pel_window_show_notice       (PelWindow      *self,
                                           GtkMessageType  type,
                                           const char     *message);
/* The message shown in the info bar, or NULL when it is hidden. */
const char  *pel_window_get_notice        (PelWindow      *self);
/* Emits "message-shown" (what show_notice and the error dialogs do). */
void         pel_window_emit_message      (PelWindow      *self,
                                           GtkMessageType  type,
                                           const char     *message);

G_END_DECLS
