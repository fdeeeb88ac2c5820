#!/bin/sh
# Makes docs/screenshots/uncertainty-trust.png: the Uncertainty panel's
# Trust section after MC dropout on the whole of Colin27 — the ECE before
# and after temperature scaling with the reliability diagram, the AUROC of
# each map for the wrong voxels, and the scatter of per-slice entropy
# against per-slice Dice, against colin27-4class opened as the reference.
# The model (small preset, STEPS default 300, seed 0) is trained first with
# pellucid-cli on colin27-4class k = 5 with painted slice 80 held out, which
# the panel is told (held-out=80) so that the temperature is fitted there.
#
# Run from the repository root after building; SCREENSHOT and DATA as in
# make-uncertainty-screenshot.sh; SHOT_SECONDS must cover the estimate and
# the measures on a busy machine.
#   SCREENSHOT=../shared/tools/screenshot DATA=../shared/data \
#     docs/screenshots/make-uncertainty-trust-screenshot.sh
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
model=${MODEL:-$tmp/k5-small-h80.safetensors}
[ -f "$model" ] || build/src/cli/pellucid-cli train --image /usr/share/mricron/templates/ch2.nii.gz \
  --labels "$data/colin27-4class-k5.nii.gz" --out "$model" --preset small --steps "${STEPS:-300}" \
  --seed 0 --holdout 80
PELLUCID_UNCERTAINTY_ACTIONS="show,load=$model,held-out=80,load-reference=$data/colin27-4class.nii.gz,estimator=mc,passes=${PASSES:-5},start,scroll=trust" \
  "$shot" "$here/uncertainty-trust.png" "${SHOT_SECONDS:-240}" -- \
  build/src/pellucid /usr/share/mricron/templates/ch2.nii.gz \
  -s "$data/colin27-4class-k5.nii.gz" -l "$here/colin27-4class.txt"
