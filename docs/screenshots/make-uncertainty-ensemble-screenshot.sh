#!/bin/sh
# Makes docs/screenshots/uncertainty-ensemble.png: the Uncertainty panel
# while it trains a deep ensemble on Colin27 with the 5 painted slices of
# colin27-4class k = 5 — progress over all members with the time left, the
# member being trained and its seed, and each member's smoothed loss.  The
# members use the Train panel's network settings (here the small preset,
# set by the script's train.preset; its held-out slice is held out of every
# member); M (default 3) and the steps per member (STEPS, default 20) are
# set through the panel's "ensemble" actions (src/pel-uncertainty-panel.h).
#
# Run from the repository root after building; SCREENSHOT and DATA as in
# make-uncertainty-screenshot.sh.  SHOT_SECONDS (default 150) should fall
# while the second or third member trains: on the 2-core machine at a load
# average of about 20 (the script niced) the members took 0.3–0.45 steps/s.
#   SCREENSHOT=../shared/tools/screenshot DATA=../shared/data \
#     docs/screenshots/make-uncertainty-ensemble-screenshot.sh
set -eu
here=$(dirname "$0")
shot=${SCREENSHOT:-../shared/tools/screenshot}
data=${DATA:-../shared/data}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/config/glib-2.0/settings"
printf '[io/pellucid/Pellucid]\nwindow-width=1600\nwindow-height=1000\nlabel-opacity=0.3\n' \
  > "$tmp/config/glib-2.0/settings/keyfile"
export XDG_CONFIG_HOME="$tmp/config" XDG_STATE_HOME="$tmp/state" XDG_DATA_HOME="$tmp/data" \
  GSETTINGS_BACKEND=keyfile GTK_A11Y=none
PELLUCID_UNCERTAINTY_ACTIONS="train.preset=small,show,ensemble.members=${MEMBERS:-3},ensemble.steps=${STEPS:-20},ensemble.train" \
  "$shot" "$here/uncertainty-ensemble.png" "${SHOT_SECONDS:-150}" -- \
  build/src/pellucid /usr/share/mricron/templates/ch2.nii.gz \
  -s "$data/colin27-4class-k5.nii.gz" -l "$here/colin27-4class.txt"
