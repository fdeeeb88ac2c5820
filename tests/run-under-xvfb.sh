#!/bin/sh
# Runs a test program in a virtual X display of its own (Xvfb picks a free
# display number and reports it on a pipe, so parallel runs never collide)
# and in a private D-Bus session for GtkApplication.
#   run-under-xvfb.sh PROGRAM [ARGS...]
set -eu
tmp=$(mktemp -d)
trap 'kill "$xvfb" 2>/dev/null || true; wait "$xvfb" 2>/dev/null || true; rm -rf "$tmp"' EXIT
Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp 3>"$tmp/display" 2>"$tmp/xvfb.log" &
xvfb=$!
i=0
while [ ! -s "$tmp/display" ]; do
  i=$((i + 1))
  if [ "$i" -gt 200 ] || ! kill -0 "$xvfb" 2>/dev/null; then
    echo "Bail out! Xvfb did not start" >&2
    cat "$tmp/xvfb.log" >&2
    exit 1
  fi
  sleep 0.05
done
export DISPLAY=":$(cat "$tmp/display")"
export GDK_BACKEND=x11
status=0
if command -v dbus-run-session >/dev/null 2>&1; then
  dbus-run-session -- "$@" || status=$?
else
  "$@" || status=$?
fi
exit "$status"
