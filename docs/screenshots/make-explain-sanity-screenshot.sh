#!/bin/sh
# Makes docs/screenshots/explain-sanity.png: the Explain panel's sanity
# check (cascading randomisation from the head down) of vanilla gradient,
# guided backpropagation and Grad-CAM for cerebral grey matter (class 3)
# on the axial slice on screen of Colin27: per method the map at each stage
# in a strip, the Spearman ρ (of values and |values|), SSIM and HOG
# correlation with the trained map against the layers randomised, and the
# verdict in the title.  The Train panel loads the model
# (PELLUCID_TRAIN_ACTIONS=load=…); the Explain panel is driven by
# PELLUCID_EXPLAIN_ACTIONS (see src/pel-explain-panel.h).
#
# Run from the repository root after building, with MODEL as for
# make-explain-screenshot.sh:
#   MODEL=k5-small.safetensors SCREENSHOT=../shared/tools/screenshot \
#     DATA=../shared/data docs/screenshots/make-explain-sanity-screenshot.sh
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
PELLUCID_EXPLAIN_ACTIONS="show,class=3,methods=grad+guided+gradcam,faithfulness=true,compute,sanity-mode=cascade,sanity,reveal=sanity" \
  "$shot" "$here/explain-sanity.png" "${EXPLAIN_SECONDS:-120}" -- \
  build/src/pellucid /usr/share/mricron/templates/ch2.nii.gz \
  -s "$data/colin27-4class-k5.nii.gz" -l "$here/colin27-4class.txt"
