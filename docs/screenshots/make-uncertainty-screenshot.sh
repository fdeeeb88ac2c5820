#!/bin/sh
# Makes docs/screenshots/uncertainty-panel.png: the Uncertainty panel after
# MC dropout on the whole of Colin27 — the predictive entropy as the
# overlay with its colour bar and range, the per-slice means in the strip
# beside the 5 painted slices of colin27-4class k = 5, and the views moved
# to the next uncertain slice.  The model is trained first with
# pellucid-cli (STEPS, default 100, small preset, seed 0); the panel is
# driven by PELLUCID_UNCERTAINTY_ACTIONS (src/pel-uncertainty-panel.h).
#
# Run from the repository root after building; SCREENSHOT and DATA as in
# make-train-screenshots.sh; SHOT_SECONDS must cover the estimate on a busy
# machine.
#   SCREENSHOT=../shared/tools/screenshot DATA=../shared/data \
#     docs/screenshots/make-uncertainty-screenshot.sh
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
model=${MODEL:-$tmp/k5-small.safetensors}
[ -f "$model" ] || build/src/cli/pellucid-cli train --image /usr/share/mricron/templates/ch2.nii.gz \
  --labels "$data/colin27-4class-k5.nii.gz" --out "$model" --preset small --steps "${STEPS:-100}" --seed 0
PELLUCID_UNCERTAINTY_ACTIONS="show,load=$model,estimator=mc,passes=${PASSES:-5},start,next-slice" \
  "$shot" "$here/uncertainty-panel.png" "${SHOT_SECONDS:-150}" -- \
  build/src/pellucid /usr/share/mricron/templates/ch2.nii.gz \
  -s "$data/colin27-4class-k5.nii.gz" -l "$here/colin27-4class.txt"
