/* pel-restore-panel.h: the Restore side panel — corrupt a volume, restore
 * a slice with a deep image prior, and watch it happen.
 *
 * Degrade adds Gaussian, Rician or Poisson noise of a chosen level (a
 * fraction of the volume's maximum) with a seed, or downsamples ×2 or ×4,
 * to the whole open volume (engine/restore/degrade.h); the clean original
 * is kept as the reference and Revert brings it back.  Start fits the deep
 * image prior of engine/restore/dip.h (the dip-ref recipe) to the slice on
 * screen, or to each slice of a range (the result is then a volume), along
 * the axis chosen (axial, coronal or sagittal):
 * the loss against the noisy slice and, when a reference exists, the PSNR of
 * the raw and averaged outputs against it are plotted live, the averaged
 * output is shown as it sharpens, and where ES-WMV stopped and why is said.
 * The reference is used only for the PSNR plot, never for stopping.  Keep
 * puts the chosen output into the slice of the open volume; Save writes the
 * volume with the restored slice as NIfTI on the source's grid.  With a
 * reference, noisy / restored / reference / difference thumbnails and a
 * table of MAE, MSE, NMSE, PSNR and SSIM (engine/restore/compare.h) follow.
 *
 * The method is a choice: the deep image prior above, or a network
 * trained on every slice along the chosen axis (axial, coronal or
 * sagittal) of the kept original with the noise Degrade made
 * (engine/restore/restore-net.h): Noise2Noise (pairs of noisy copies,
 * fresh noise every step), Noise2Clean (the same network with clean
 * targets), or supervised with the loss MSE, MAE, SSIM, perceptual (the
 * features of a segmentation model the user chooses) or adversarial, and
 * optionally residual; or "two acquisitions" (Noise2Noise on real data:
 * the open volume and a second noisy acquisition of the same grid opened
 * with Second…, which is refused, naming the file, when its grid differs).
 * It is a live run too (training loss, PSNR of the
 * slice on screen); the trained network then restores every slice along
 * that axis, placed back on the source's grid; Keep puts that volume in and
 * Save writes it.
 *
 * Or CT (engine/restore/ct.h, as pellucid-cli reconstruct): the slice on
 * screen along the chosen axis (of the kept original when there is one)
 * over its maximum is scanned at a number of angles over 180° with Gaussian
 * noise of σ a fraction of the sinogram's maximum (seeded by Seed); the
 * sinogram, filtered back projection with the ramp and the Hann filters
 * and the deep image prior with total variation are shown side by side,
 * the last as a live run (loss, PSNR against the slice beside the FBPs'
 * lines, the current reconstruction) whose iterate ES-WMV chooses without
 * the clean slice.  The three join the comparison table (over the slice's
 * maximum, range 1); the DIP + TV reconstruction is the result Keep, Save
 * and the comparison use (the Hann FBP when Stop ends the fit), or either
 * back projection when chosen under the pictures.  Each result adds a row to the
 * comparison table (MAE, MSE, NMSE, PSNR, SSIM of the slice on screen),
 * kept until the reference changes; the table saves as CSV and the four
 * pictures as PNG.  The four pictures share the viewer's window and show
 * its cursor as a crosshair; a click on one moves the cursor there.
 *
 * Every operation is an action of the "restore" group: restore.degrade,
 * restore.revert, restore.start, restore.stop, restore.keep,
 * restore.save(s path), restore.save-dialog, restore.kind(s "gaussian" |
 * "rician" | "poisson" | "downsample-2" | "downsample-4"; "downsample" is
 * ×2), restore.level(d fraction of max), restore.seed(i),
 * restore.iterations(i), restore.patience(i), restore.early-stop(b),
 * restore.axis(s "axial" | "coronal" | "sagittal"), restore.range(b),
 * restore.first(i), restore.last(i) (slices numbered from 1, as shown),
 * restore.second(s path), restore.second-dialog,
 * restore.point((ii) x, y: a pixel of the comparison's pictures, as drawn),
 * restore.method(s "dip" | "n2n" | "n2c" | "pair" | "supervised" | "ct"),
 * restore.angles(i), restore.ct-noise(d fraction of the sinogram's
 * maximum), restore.gamma(d TV weight), restore.ct-result(s "ramp" |
 * "hann" | "dip-tv": which CT reconstruction is the result), restore.loss(s
 * "mse" | "mae" | "ssim" | "perceptual" | "adv"), restore.residual(b),
 * restore.steps(i), restore.model(s path), restore.model-dialog,
 * restore.export-csv(s path), restore.export-png(s path) and their -dialog
 * forms,
 * restore.show (the panel's tab), restore.scroll(s "top" | "results" |
 * "ct" | "compare"), and
 * the state restore.busy.  PELLUCID_RESTORE_ACTIONS is a list of them run in
 * order (pel-action-script.h): "degrade,iterations=3000,start".
 */
#pragma once

#include <gtk/gtk.h>

#include "engine/restore/compare.h"
#include "engine/restore/dip.h"
#include "src/pel-document.h"
#include "src/pel-live-run.h"
#include "src/pel-tools.h"

G_BEGIN_DECLS

#define PEL_TYPE_RESTORE_PANEL (pel_restore_panel_get_type ())
G_DECLARE_FINAL_TYPE (PelRestorePanel, pel_restore_panel, PEL, RESTORE_PANEL, GtkWidget)

GtkWidget         *pel_restore_panel_new        (PelDocument     *document,
                                                 PelTools        *tools);
/* The run of the deep image prior and the one of volume operations
 * (degrade, revert, keep, save), for tests. */
PelLiveRun        *pel_restore_panel_get_run    (PelRestorePanel *self);
PelLiveRun        *pel_restore_panel_get_io_run (PelRestorePanel *self);
/* The last finished deep-image-prior result, or NULL. */
const PlDipResult *pel_restore_panel_get_result (PelRestorePanel *self);
/* The clean volume kept by Degrade, or NULL. */
const PlVolume    *pel_restore_panel_get_reference (PelRestorePanel *self);
/* The figures of the noisy and the restored slice against the reference
 * after the last fit (intensities over the volume's maximum); FALSE when
 * there is none. */
gboolean           pel_restore_panel_get_compare (PelRestorePanel *self,
                                                  PlCompare       *noisy,
                                                  PlCompare       *restored);
/* The comparison table: rows (the noisy slice first, then one per result
 * since the reference was made), each name and figures; FALSE past the end. */
guint              pel_restore_panel_get_n_rows (PelRestorePanel *self);
gboolean           pel_restore_panel_get_row    (PelRestorePanel *self,
                                                 guint            i,
                                                 const char     **name,
                                                 PlCompare       *figures);
/* The comparison's picture k (noisy, restored, reference, |difference|)
 * as shown, with the cursor's crosshair, or NULL. */
GdkPaintable      *pel_restore_panel_get_compare_picture (PelRestorePanel *self,
                                                          int              k);
/* CT's picture k (sinogram, FBP ramp, FBP Hann, DIP + TV) as shown, or
 * NULL before CT has run. */
GdkPaintable      *pel_restore_panel_get_ct_picture (PelRestorePanel *self,
                                                     int              k);
/* The second acquisition opened for the pair method, or NULL. */
const PlVolume    *pel_restore_panel_get_second (PelRestorePanel *self);
/* A network's restoration of every slice, or a deep image prior's
 * range of slices in the volume (volume units); NULL after a deep image
 * prior on one slice. */
const PlVolume    *pel_restore_panel_get_result_volume (PelRestorePanel *self);
/* Status line text (NULL when hidden), for tests. */
const char        *pel_restore_panel_get_status (PelRestorePanel *self,
                                                 const char      *key);

G_END_DECLS
