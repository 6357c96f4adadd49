#!/bin/sh
# tools/setup-deps.sh [build|test] -- install what building (and testing) llm needs,
# only what is missing. Used by `make run` (build) and `make test` (test); safe to run
# by hand. Debian/Ubuntu: apt-get (with sudo when not root). Elsewhere: says what to
# install and goes on if the essentials are already there.
#
#   build: gcc, musl-tools (musl-gcc), dpkg-dev (for `apt-get source`), file, ca-certificates
#   test:  the above and clang + compiler-rt (fuzzing, sanitizers), openssl (the mock
#          Hub's certificates), strace (no socket when offline), python3 with
#          regex and numpy (reference checks), unicode-data (Unicode tables)
#   cross: the build set and the cross compilers of `make cross` (gcc-aarch64-linux-gnu,
#          gcc-arm-linux-gnueabihf, musl-dev:arm64, musl-dev:armhf: adds the arm64 and
#          armhf dpkg architectures) and qemu-user-static (tests/t_cross.sh)
#
# BearSSL's source comes from `apt-get source bearssl`, which needs a deb-src entry:
# when vendor/bearssl-src is absent and BEARSSL_SRC is not set, one is added as
# /etc/apt/sources.list.d/llm-deb-src.sources (or .list), mirroring the deb entries.
set -eu
mode=${1:-build}
cd "$(dirname "$0")/.."

build_pkgs="gcc musl-tools dpkg-dev file ca-certificates make"
test_pkgs="clang python3 python3-regex python3-numpy python3-jinja2 unicode-data openssl strace util-linux"
cross_pkgs="gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf musl-dev:arm64 musl-dev:armhf qemu-user-static"
case $mode in
  build) pkgs=$build_pkgs ;;
  test)  pkgs="$build_pkgs $test_pkgs" ;;
  cross) pkgs="$build_pkgs $cross_pkgs" ;;
  *) echo "usage: $0 [build|test|cross]" >&2; exit 2 ;;
esac

say() { echo "setup-deps: $*"; }

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  say "not a Debian/Ubuntu system: install these yourself:"
  say "  musl-gcc (musl tools), make, file; for tests also clang with compiler-rt"
  say "  (libFuzzer, ASan, UBSan), python3 with the 'regex', 'numpy' and 'jinja2' modules,"
  say "  and Unicode's UnicodeData.txt; and build with BEARSSL_SRC=/path/to/bearssl-0.6"
  say "  (source from https://bearssl.org) unless vendor/bearssl-src exists."
  command -v musl-gcc >/dev/null 2>&1 || { say "musl-gcc is missing: cannot build"; exit 1; }
  exit 0
fi

if [ "$(id -u)" = 0 ]; then SUDO=""
elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"
else SUDO="none"; fi

root() {
  if [ "$SUDO" = none ]; then
    say "need root for: $*"; say "run it as root (or install sudo), then retry"; exit 1
  fi
  $SUDO "$@"
}

installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

has_deb_src() {
  grep -Eqs '^[[:space:]]*deb-src[[:space:]]|^Types:.*deb-src' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources
}

# Writes deb-src entries mirroring the enabled deb entries (deb822 and one-line files).
add_deb_src() {
  tmp=$(mktemp)
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # each stanza separated by blank lines; keep enabled stanzas whose Types has deb
    awk 'BEGIN { RS=""; ORS="\n\n" }
         /(^|\n)Types:[^\n]*deb([ \n]|$)/ && !/(^|\n)Enabled:[ \t]*no/ {
           sub(/(^|\n)Types:[^\n]*/, "\nTypes: deb-src"); sub(/^\n/, ""); print }' "$f"
  done > "$tmp.sources"
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' > "$tmp.list"
  if [ -s "$tmp.sources" ]; then
    root cp "$tmp.sources" /etc/apt/sources.list.d/llm-deb-src.sources
    root chmod 644 /etc/apt/sources.list.d/llm-deb-src.sources
    say "added deb-src entries: /etc/apt/sources.list.d/llm-deb-src.sources"
  fi
  if [ -s "$tmp.list" ]; then
    root cp "$tmp.list" /etc/apt/sources.list.d/llm-deb-src.list
    root chmod 644 /etc/apt/sources.list.d/llm-deb-src.list
    say "added deb-src entries: /etc/apt/sources.list.d/llm-deb-src.list"
  fi
  rm -f "$tmp" "$tmp.sources" "$tmp.list"
}

need_update=""
if [ -z "${BEARSSL_SRC:-}" ] || [ "${BEARSSL_SRC}" = vendor/bearssl-src ]; then
  if [ ! -f vendor/bearssl-src/inc/bearssl.h ] && ! has_deb_src; then
    add_deb_src
    has_deb_src || { say "could not add a deb-src entry; see vendor/README"; exit 1; }
    need_update=1
  fi
fi

missing=""
for p in $pkgs; do installed "$p" || missing="$missing $p"; done

# compiler-rt (libFuzzer, sanitizers): its own package on Debian 12 and later
# (libclang-rt-dev, or libclang-rt-N-dev), part of libclang-common-N-dev before.
if [ "$mode" = test ] && ! installed libclang-rt-dev; then
  if ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1; then
    missing="$missing libclang-rt-dev"
  fi
fi

# musl-dev:arm64 / musl-dev:armhf need those dpkg architectures.
if [ "$mode" = cross ]; then
  for a in arm64 armhf; do
    case " $missing " in *":$a "*)
      if ! dpkg --print-foreign-architectures | grep -qx "$a"; then
        say "adding dpkg architecture $a"; root dpkg --add-architecture "$a"; need_update=1
      fi ;;
    esac
  done
fi

export DEBIAN_FRONTEND=noninteractive
if [ -n "$missing$need_update" ]; then
  [ -n "$missing" ] && say "installing:$missing"
  # With foreign architectures an index can fail (e.g. a half-synced armhf index of the
  # security suite): go on when update fails and let the install below decide.
  if ! root apt-get -q update -o Acquire::Retries=3 >/tmp/llm-setup-deps-update.log 2>&1; then
    if [ "$mode" = cross ]; then
      grep -E '^(E|W):' /tmp/llm-setup-deps-update.log | head -n 5
      say "apt-get update reported errors; trying the install anyway"
    else
      tail -n 5 /tmp/llm-setup-deps-update.log; say "apt-get update failed"; exit 1
    fi
  fi
fi
if [ -n "$missing" ]; then
  # shellcheck disable=SC2086
  if ! root apt-get install -y -q --no-install-recommends $missing >/tmp/llm-setup-deps.log 2>&1; then
    tail -n 20 /tmp/llm-setup-deps.log
    say "apt-get install failed (log: /tmp/llm-setup-deps.log)"
    case $missing in *libclang-rt-dev*)
      say "if only libclang-rt-dev is unknown, install libclang-rt-<N>-dev for your clang" ;;
    esac
    exit 1
  fi
  say "done"
fi
exit 0
