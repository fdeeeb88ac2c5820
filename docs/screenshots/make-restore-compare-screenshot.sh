#!/bin/sh
# Makes docs/screenshots/restore-compare.png: the Restore panel's
# comparison view on Colin27 after Gaussian noise σ = 25/255 of the maximum
# (seed 0): the methods of METHODS (default Noise2Noise; e.g. "n2n n2c
# supervised" for three rows, the supervised one with the SSIM loss), each
# trained on every axial slice for STEPS steps (default 30), then the
# comparison of the slice on screen (noisy / restored / reference /
# |difference|, with the viewer's cursor as a crosshair on each, under the
# viewer's window) and the table with a row per result.  The panel is driven
# by PELLUCID_RESTORE_ACTIONS (see src/pel-restore-panel.h).
#
# Run from the repository root after building; SCREENSHOT is a program
# called as `SCREENSHOT OUT.png SECONDS -- COMMAND...` (see
# make-train-screenshots.sh).  RESTORE_SECONDS: when the shot is taken (the
# trainings and the restoration of every slice must be over by then; 330 s
# was enough for the default on the loaded shared machine).
#   SCREENSHOT=../shared/tools/screenshot docs/screenshots/make-restore-compare-screenshot.sh
set -eu
here=$(dirname "$0")
shot=${SCREENSHOT:-../shared/tools/screenshot}
steps=${STEPS:-30}
methods=${METHODS:-n2n}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/config/glib-2.0/settings"
printf '[io/pellucid/Pellucid]\nwindow-width=1600\nwindow-height=1000\n' \
  > "$tmp/config/glib-2.0/settings/keyfile"
export XDG_CONFIG_HOME="$tmp/config" XDG_STATE_HOME="$tmp/state" XDG_DATA_HOME="$tmp/data" \
  GSETTINGS_BACKEND=keyfile GTK_A11Y=none

runs=
for m in $methods; do runs="$runs,method=$m,start"; done
PELLUCID_RESTORE_ACTIONS="show,kind=gaussian,level=0.098039,seed=0,degrade,steps=$steps,loss=ssim$runs,scroll=compare" \
  "$shot" "$here/restore-compare.png" "${RESTORE_SECONDS:-330}" -- \
  build/src/pellucid /usr/share/mricron/templates/ch2.nii.gz
