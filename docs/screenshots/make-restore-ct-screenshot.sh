#!/bin/sh
# Makes docs/screenshots/restore-ct.png: the Restore panel during a deep
# image prior + TV reconstruction of Colin27's axial slice 91 (the middle
# one, pellucid-cli reconstruct's --slice 90) from 60 projections over 180°
# with Gaussian noise of 1 % of the sinogram's maximum: the live
# reconstruction, the loss and the PSNR against the slice beside the two
# back projections' lines, and the sinogram, FBP ramp, FBP Hann and DIP + TV
# side by side.  The panel is driven by PELLUCID_RESTORE_ACTIONS (see
# src/pel-restore-panel.h): a first run of two iterations lays the CT
# pictures out so that the panel can scroll to them, then the real run
# starts.
#
# Run from the repository root after building; SCREENSHOT is a program
# called as `SCREENSHOT OUT.png SECONDS -- COMMAND...` (see
# make-train-screenshots.sh).  CT_SECONDS: when the shot is taken.
#   SCREENSHOT=../shared/tools/screenshot docs/screenshots/make-restore-ct-screenshot.sh
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

PELLUCID_RESTORE_ACTIONS="show,method=ct,axis=axial,angles=60,ct-noise=0.01,seed=0,gamma=0.001,iterations=2,start,scroll=ct,iterations=3000,start" \
  "$shot" "$here/restore-ct.png" "${CT_SECONDS:-430}" -- \
  build/src/pellucid /usr/share/mricron/templates/ch2.nii.gz
