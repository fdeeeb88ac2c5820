#!/bin/sh
# Makes docs/screenshots/train-panel.png (training in progress: loss and
# held-out Dice curves, the live prediction of the axial slice on screen)
# docs/screenshots/train-proposal.png (after training: the volume
# predicted, grey matter accepted everywhere, the other classes still
# proposed as outlines) and docs/screenshots/train-network-options.png (the
# Network options open: FCN head, attention, 3 slices per input and the
# position channel, training just started) from the real program on Colin27 with the 5 painted
# slices of colin27-4class k = 5.  The Train panel is driven by
# PELLUCID_TRAIN_ACTIONS (see src/pel-train-panel.h), a list of the panel's
# own actions (train.start, train.predict, …) activated in order.
#
# Run from the repository root after building; SCREENSHOT is a program
# called as `SCREENSHOT OUT.png SECONDS -- COMMAND...` that runs COMMAND in
# a virtual 1600x1000 display and saves the screen after SECONDS; DATA is
# the folder with colin27-4class-k5.nii.gz.
#   SCREENSHOT=../shared/tools/screenshot DATA=../shared/data \
#     docs/screenshots/make-train-screenshots.sh
set -eu
here=$(dirname "$0")
shot=${SCREENSHOT:-../shared/tools/screenshot}
data=${DATA:-../shared/data}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A window as large as the screen, settings kept away from the user's.
mkdir -p "$tmp/config/glib-2.0/settings"
printf '[io/pellucid/Pellucid]\nwindow-width=1600\nwindow-height=1000\nlabel-opacity=0.5\n' \
  > "$tmp/config/glib-2.0/settings/keyfile"
export XDG_CONFIG_HOME="$tmp/config" XDG_STATE_HOME="$tmp/state" XDG_DATA_HOME="$tmp/data" \
  GSETTINGS_BACKEND=keyfile GTK_A11Y=none
set -- build/src/pellucid /usr/share/mricron/templates/ch2.nii.gz \
  -s "$data/colin27-4class-k5.nii.gz" -l "$here/colin27-4class.txt"

# The small network: 200 steps, then Continue for 400 more; the shot while
# they run (TRAIN_SECONDS: the small network trains at about 6 steps/s on 2
# idle cores, so 60 s lands in the Continue part; longer on a busy machine).
PELLUCID_TRAIN_ACTIONS="show,preset=small,steps=200,start,steps=400,continue" \
  "$shot" "$here/train-panel.png" "${TRAIN_SECONDS:-60}" -- "$@"

# 250 steps, then Predict Volume, outlines, and Accept for grey matter
# (PROPOSAL_SECONDS must cover the training on a busy machine).
PELLUCID_TRAIN_ACTIONS="show,preset=small,steps=250,start,predict,outline,accept-class=3,scroll=proposal" \
  "$shot" "$here/train-proposal.png" "${PROPOSAL_SECONDS:-280}" -- "$@"

# The network options, set and shown, as a run with them starts.
PELLUCID_TRAIN_ACTIONS="show,preset=small,head=fcn,attention=4,context=3,coords=true,scroll=network,steps=300,start" \
  "$shot" "$here/train-network-options.png" "${OPTIONS_SECONDS:-50}" -- "$@"
