# Sourced by scripts/run and scripts/test: installs the Debian packages that
# are missing (apt-get; needs root or sudo).  Packages are listed once here.
PELLUCID_BUILD_DEPS="gcc meson ninja-build pkg-config libglib2.0-dev libglib2.0-dev-bin
  libgtk-4-dev libjson-glib-dev libopenblas-dev libnifti2-dev libniftiio-dev
  gettext desktop-file-utils appstream"
# engine/io/nifti-read.c and nifti-write.c stream gzip through zlib directly
PELLUCID_BUILD_DEPS="$PELLUCID_BUILD_DEPS zlib1g-dev"
# librsvg2-common: gdk-pixbuf's SVG loader, without which every icon of the
# window (ours and Adwaita's symbolic ones) is a broken-image square; apt
# only recommends it, and scripts install with --no-install-recommends.
PELLUCID_RUN_DEPS="mricron-data librsvg2-common"
PELLUCID_TEST_DEPS="xvfb xauth dbus-daemon imagemagick clang libclang-rt-14-dev"

pellucid_install_missing () {
  missing=""
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  echo "Installing:$missing" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq || return 1
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends $missing
}
