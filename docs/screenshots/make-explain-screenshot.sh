#!/bin/sh
# Makes docs/screenshots/explain-panel.png: the Explain panel's grid of
# maps for cerebral grey matter (class 3) on the axial slice on screen of
# Colin27, from a small network trained on the 5 painted slices of
# colin27-4class k = 5, the first map on the slice views.  The Train panel
# loads the model (PELLUCID_TRAIN_ACTIONS=load=…); the Explain panel is
# driven by PELLUCID_EXPLAIN_ACTIONS (see src/pel-explain-panel.h).
#
# Run from the repository root after building; MODEL is a model trained on
# colin27-4class-k5, e.g.
#   build/src/cli/pellucid-cli train --preset small --steps 250 \
#     --image /usr/share/mricron/templates/ch2.nii.gz \
#     --labels ../shared/data/colin27-4class-k5.nii.gz --out k5-small.safetensors
# then
#   MODEL=k5-small.safetensors SCREENSHOT=../shared/tools/screenshot \
#     DATA=../shared/data docs/screenshots/make-explain-screenshot.sh
set -eu
here=$(dirname "$0")
shot=${SCREENSHOT:-../shared/tools/screenshot}
data=${DATA:-../shared/data}
model=${MODEL:?MODEL=a model file}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/config/glib-2.0/settings"
printf '[io/pellucid/Pellucid]\nwindow-width=1600\nwindow-height=1000\nlabel-opacity=0.0\n' \
  > "$tmp/config/glib-2.0/settings/keyfile"
export XDG_CONFIG_HOME="$tmp/config" XDG_STATE_HOME="$tmp/state" XDG_DATA_HOME="$tmp/data" \
  GSETTINGS_BACKEND=keyfile GTK_A11Y=none \
  GSETTINGS_SCHEMA_DIR=${GSETTINGS_SCHEMA_DIR:-build/data}
PELLUCID_TRAIN_ACTIONS="load=$model" \
PELLUCID_EXPLAIN_ACTIONS="show,class=3,methods=grad+gradxinput+ig+smoothgrad+deconvnet+guided+gradcam+guided-gradcam+lrp-eps+lrp-ab,compute,reveal=maps" \
  "$shot" "$here/explain-panel.png" "${EXPLAIN_SECONDS:-60}" -- \
  build/src/pellucid /usr/share/mricron/templates/ch2.nii.gz \
  -s "$data/colin27-4class-k5.nii.gz" -l "$here/colin27-4class.txt"
