#!/bin/sh
# Makes docs/screenshots/cases.png from the real program: a folder of three
# cases (Colin27 with its 5 painted slices as case01_seg.nii.gz, Colin27
# skull-stripped, and the INIA19 macaque template) opened as a case list:
#   pellucid FOLDER
# Needs Xvfb, xdotool and ImageMagick (import); run from the repository
# root after building (K5: the colin27-4class-k5.nii.gz workload file):
#   K5=path/to/colin27-4class-k5.nii.gz docs/screenshots/make-cases-screenshot.sh
set -eu
out=${1:-docs/screenshots/cases.png}
here=$(dirname "$0")
templates=/usr/share/mricron/templates
tmp=$(mktemp -d)
Xvfb -displayfd 3 -screen 0 1600x1000x24 -nolisten tcp 3>"$tmp/display" 2>/dev/null &
xvfb=$!
trap 'kill $app $xvfb 2>/dev/null; rm -rf "$tmp"' EXIT
while [ ! -s "$tmp/display" ]; do sleep 0.1; done
export DISPLAY=":$(cat "$tmp/display")" GDK_BACKEND=x11 GTK_A11Y=none
mkdir -p "$tmp/cohort" "$tmp/config/glib-2.0/settings"
cp "$templates/ch2.nii.gz" "$tmp/cohort/case01.nii.gz"
cp "${K5:-../shared/data/colin27-4class-k5.nii.gz}" "$tmp/cohort/case01_seg.nii.gz"
cp "$templates/ch2bet.nii.gz" "$tmp/cohort/case02.nii.gz"
cp "$templates/inia19-t1-brain.nii.gz" "$tmp/cohort/case03.nii.gz"
printf '[io/pellucid/Pellucid]\nwindow-width=1600\nwindow-height=1000\nlabel-opacity=0.5\n' \
  > "$tmp/config/glib-2.0/settings/keyfile"
XDG_CONFIG_HOME="$tmp/config" XDG_STATE_HOME="$tmp/state" XDG_DATA_HOME="$tmp/data" GSETTINGS_BACKEND=keyfile \
  build/src/pellucid "$tmp/cohort" &
app=$!
sleep ${WAIT:-10}
xdotool mousemove 900 900
sleep 0.5
import -window root "$out"
echo "saved $out"
