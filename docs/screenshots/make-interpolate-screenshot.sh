#!/bin/sh
# Makes docs/screenshots/interpolate.png from the real program: Colin27 with
# every 10th axial slice of its 4-class segmentation (as if painted every
# 10th slice), grey matter (label 3) filled between them with Fill Between
# Slices (Ctrl+I over the axial view); the sagittal and coronal views show
# grey matter filled between the key slices, the other labels still on
# those slices only.
# Needs Xvfb, xdotool, ImageMagick (import) and python3; run from the
# repository root after building (LABELS: the colin27-4class.nii.gz
# workload file):
#   LABELS=path/to/colin27-4class.nii.gz docs/screenshots/make-interpolate-screenshot.sh
set -eu
out=${1:-docs/screenshots/interpolate.png}
here=$(dirname "$0")
tmp=$(mktemp -d)
Xvfb -displayfd 3 -screen 0 1600x1000x24 -nolisten tcp 3>"$tmp/display" 2>/dev/null &
xvfb=$!
trap 'kill $app $xvfb 2>/dev/null; rm -rf "$tmp"' EXIT
while [ ! -s "$tmp/display" ]; do sleep 0.1; done
export DISPLAY=":$(cat "$tmp/display")" GDK_BACKEND=x11 GTK_A11Y=none
# Every 10th axial slice kept, the rest unlabelled (NIfTI-1, header kept).
python3 - "${LABELS:-../shared/data/colin27-4class.nii.gz}" "$tmp/every10.nii.gz" <<'PY'
import gzip, struct, sys
raw = bytearray(gzip.open(sys.argv[1]).read())
dims = struct.unpack_from('<8h', raw, 40)
datatype, bitpix = struct.unpack_from('<hh', raw, 70)
offset = int(struct.unpack_from('<f', raw, 108)[0])
nx, ny, nz = dims[1], dims[2], dims[3]
size = bitpix // 8
plane = nx * ny * size
for k in range(nz):
    if k % 10 != 0:
        start = offset + k * plane
        raw[start:start + plane] = bytes(plane)
gzip.open(sys.argv[2], 'wb').write(bytes(raw))
PY
mkdir -p "$tmp/config/glib-2.0/settings"
printf '[io/pellucid/Pellucid]\nwindow-width=1600\nwindow-height=1000\nlabel-opacity=0.55\n' \
  > "$tmp/config/glib-2.0/settings/keyfile"
XDG_CONFIG_HOME="$tmp/config" XDG_STATE_HOME="$tmp/state" XDG_DATA_HOME="$tmp/data" GSETTINGS_BACKEND=keyfile \
  build/src/pellucid /usr/share/mricron/templates/ch2.nii.gz \
  -s "$tmp/every10.nii.gz" -l "$here/colin27-4class.txt" &
app=$!
sleep 6
win=$(xdotool search --sync --name 'ch2.nii.gz' | head -n 1)
xdotool windowfocus --sync "$win" 2>/dev/null || true
# Grey matter: the label after white matter (painting starts on label 2,
# the background being label 1), then Ctrl+I with the pointer over the
# axial view, which makes it the active view.
xdotool mousemove ${AXIAL_X:-570} ${AXIAL_Y:-700}
sleep 0.3
xdotool key greater
sleep 0.3
xdotool key ctrl+i
sleep ${WAIT:-8}
# The pointer over the sagittal view, away from the filled slabs.
xdotool mousemove ${POINTER_X:-900} ${POINTER_Y:-800}
sleep 1
import -window root "$out"
echo "saved $out"
