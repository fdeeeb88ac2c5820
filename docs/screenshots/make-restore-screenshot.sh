#!/bin/sh
# Makes docs/screenshots/restore-panel.png: the Restore panel during a deep
# image prior fit of axial slices 90–92 of Colin27, one at a time, after
# Gaussian noise of 10 % of the maximum was added to the volume (the clean
# original kept as the reference for the PSNR plot).  The panel is driven by
# PELLUCID_RESTORE_ACTIONS (see src/pel-restore-panel.h).
#
# Run from the repository root after building; SCREENSHOT is a program
# called as `SCREENSHOT OUT.png SECONDS -- COMMAND...` (see
# make-train-screenshots.sh).  RESTORE_SECONDS: when the shot is taken
# (the fit runs at a few iterations per second on 2 idle cores).
#   SCREENSHOT=../shared/tools/screenshot docs/screenshots/make-restore-screenshot.sh
set -eu
here=$(dirname "$0")
shot=${SCREENSHOT:-../shared/tools/screenshot}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/config/glib-2.0/settings"
printf '[io/pellucid/Pellucid]\nwindow-width=1600\nwindow-height=1000\n' \
  > "$tmp/config/glib-2.0/settings/keyfile"
export XDG_CONFIG_HOME="$tmp/config" XDG_STATE_HOME="$tmp/state" XDG_DATA_HOME="$tmp/data" \
  GSETTINGS_BACKEND=keyfile GTK_A11Y=none

PELLUCID_RESTORE_ACTIONS="show,kind=gaussian,level=0.1,seed=1,degrade,scroll=results,iterations=3000,axis=axial,range=true,first=90,last=92,start" \
  "$shot" "$here/restore-panel.png" "${RESTORE_SECONDS:-90}" -- \
  build/src/pellucid /usr/share/mricron/templates/ch2.nii.gz
