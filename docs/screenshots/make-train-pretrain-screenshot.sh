#!/bin/sh
# Makes docs/screenshots/train-pretrain.png: the Train panel pre-training
# the small network's encoder on Colin27 (contrastive, no labels) — its
# loss curve, progress and time left, and what Start will fine-tune from —
# while the 5 painted slices of colin27-4class k = 5 stay as painted.  The
# panel is driven by PELLUCID_TRAIN_ACTIONS (see src/pel-train-panel.h), a
# list of the panel's own actions activated in order: the Pre-training
# section opened, then train.pretrain.
#
# Run from the repository root after building; SCREENSHOT is a program
# called as `SCREENSHOT OUT.png SECONDS -- COMMAND...` that runs COMMAND in
# a virtual 1600x1000 display and saves the screen after SECONDS; DATA is
# the folder with colin27-4class-k5.nii.gz.
#   SCREENSHOT=../shared/tools/screenshot DATA=../shared/data \
#     docs/screenshots/make-train-pretrain-screenshot.sh
set -eu
here=$(dirname "$0")
shot=${SCREENSHOT:-../shared/tools/screenshot}
data=${DATA:-../shared/data}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A window as large as the screen, settings and cache kept away from the
# user's (the pre-trained model is written to the cache).
mkdir -p "$tmp/config/glib-2.0/settings"
printf '[io/pellucid/Pellucid]\nwindow-width=1600\nwindow-height=1000\nlabel-opacity=0.5\n' \
  > "$tmp/config/glib-2.0/settings/keyfile"
export XDG_CONFIG_HOME="$tmp/config" XDG_STATE_HOME="$tmp/state" XDG_DATA_HOME="$tmp/data" \
  XDG_CACHE_HOME="$tmp/cache" GSETTINGS_BACKEND=keyfile GTK_A11Y=none
set -- build/src/pellucid /usr/share/mricron/templates/ch2.nii.gz \
  -s "$data/colin27-4class-k5.nii.gz" -l "$here/colin27-4class.txt"

# The small network, 200 steps of 8 slices (the engine's defaults); the
# shot while they run (PRETRAIN_SECONDS: long enough for a loss curve on a
# busy machine, short of the end).
PELLUCID_TRAIN_ACTIONS="show,preset=small,scroll=pretrain,pretrain" \
  "$shot" "$here/train-pretrain.png" "${PRETRAIN_SECONDS:-60}" -- "$@"
