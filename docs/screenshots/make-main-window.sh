#!/bin/sh
# Makes docs/screenshots/main-window.png from the real program: Colin27 with
# its 4-class segmentation, then a stroke painted with the mouse.
# Needs Xvfb, xdotool and ImageMagick (import); run from the repository
# root after building (LABELS: the colin27-4class.nii.gz workload file):
#   LABELS=path/to/colin27-4class.nii.gz docs/screenshots/make-main-window.sh
set -eu
out=${1:-docs/screenshots/main-window.png}
here=$(dirname "$0")
tmp=$(mktemp -d)
Xvfb -displayfd 3 -screen 0 1600x1000x24 -nolisten tcp 3>"$tmp/display" 2>/dev/null &
xvfb=$!
trap 'kill $app $xvfb 2>/dev/null; rm -rf "$tmp"' EXIT
while [ ! -s "$tmp/display" ]; do sleep 0.1; done
export DISPLAY=":$(cat "$tmp/display")" GDK_BACKEND=x11 GTK_A11Y=none
# A window as large as the screen, settings kept away from the user's.
mkdir -p "$tmp/config/glib-2.0/settings"
printf '[io/pellucid/Pellucid]\nwindow-width=1600\nwindow-height=1000\nlabel-opacity=0.45\nbrush-size=7\n' \
  > "$tmp/config/glib-2.0/settings/keyfile"
XDG_CONFIG_HOME="$tmp/config" XDG_STATE_HOME="$tmp/state" XDG_DATA_HOME="$tmp/data" GSETTINGS_BACKEND=keyfile \
  build/src/pellucid /usr/share/mricron/templates/ch2.nii.gz \
  -s "${LABELS:-../shared/data/colin27-4class.nii.gz}" -l "$here/colin27-4class.txt" &
app=$!
sleep 6
win=$(xdotool search --sync --name 'ch2.nii.gz' | head -n 1)
xdotool windowfocus --sync "$win" 2>/dev/null || true
# Label 5 active, paintbrush (4), then a stroke across the left hemisphere
# in the axial view, with a few pointer events only (the strokes join).
xdotool mousemove ${LABEL5_X:-160} ${LABEL5_Y:-303} click 1
sleep 0.5
xdotool key 4
xdotool mousemove ${STROKE_X0:-580} ${STROKE_Y0:-430} mousedown 1
for step in 1 2 3 4 5 6; do
  xdotool mousemove_relative -- 12 6
  sleep 0.05
done
for step in 1 2 3 4; do
  xdotool mousemove_relative -- 4 14
  sleep 0.05
done
xdotool mouseup 1
# Leave the pointer over the coronal view so the status bar reads it.
xdotool mousemove ${POINTER_X:-1380} ${POINTER_Y:-470}
sleep 1.5
import -window root "$out"
echo "saved $out"
