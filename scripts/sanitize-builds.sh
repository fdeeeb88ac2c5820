# Sourced by scripts/sanitize, scripts/fuzz and scripts/test: the sanitizer
# build directories, configured once and then rebuilt incrementally.
#   build-asan/  clang, AddressSanitizer + UndefinedBehaviorSanitizer (no
#                recovery), and the libFuzzer targets of fuzz/
#   build-tsan/  gcc, ThreadSanitizer
# Runtime options and suppressions live in tests/sanitizers/, applied by
# meson test itself.

# pellucid_sanitizer_dir KIND: prints the build directory of asan or tsan.
pellucid_sanitizer_dir () {
  case $1 in
    asan) echo build-asan ;;
    tsan) echo build-tsan ;;
    *) echo "unknown sanitizer build '$1' (asan or tsan)" >&2; return 1 ;;
  esac
}

# pellucid_sanitizer_build KIND [NINJA TARGETS...]: configures if needed
# and builds.
pellucid_sanitizer_build () {
  kind=$1
  shift
  dir=$(pellucid_sanitizer_dir "$kind") || return 1
  if [ ! -f "$dir/build.ninja" ]; then
    rm -rf "$dir"
    case $kind in
      asan) CC=clang meson setup "$dir" -Db_sanitize=address,undefined -Db_lundef=false \
              -Dfuzzing=true >/dev/null ;;
      tsan) CC=gcc meson setup "$dir" -Db_sanitize=thread -Db_lundef=false >/dev/null ;;
    esac || return 1
  fi
  ninja -C "$dir" "$@"
}
