#!/bin/sh
# The package test (docs/packaging.md). Builds the .deb of a build directory
# with cpack and checks what a user gets when installing it:
#
#   sh scripts/package-test.sh BUILD_DIR                # native (amd64) package
#   sh scripts/package-test.sh --cross BUILD_DIR        # cross-built (arm64) package
#   sh scripts/package-test.sh BUILD_DIR --cross CROSS_BUILD_DIR
#
# Native: the package is unpacked into a fresh root with `dpkg-deb -x` and the
# installed files are used from there: `etpu --version`, `etpu inspect` on an
# example model, `man -l` on each man page, the control fields (Depends
# computed by dpkg-shlibdeps), the contents (binary, libetpu, headers,
# pkg-config file, man pages, completions, nothing else), and a small C
# program built with `pkg-config --cflags --libs etpu` against the installed
# headers and library, run on an example model.
# Cross: the Architecture field, Depends, the contents, `file` saying the
# binary is ARM aarch64, and (with qemu-aarch64) the installed binary's
# `--version`.
# The build directory must be built (cpack installs from it). The work is done
# in a temporary directory, removed at the end unless ETPU_KEEP_TMP=1.
# `A && ok ... || fail ...` below: ok never fails.
# shellcheck disable=SC2015
set -eu

usage() {
  echo "usage: $0 [BUILD_DIR] [--cross CROSS_BUILD_DIR]" >&2
  exit 2
}
NATIVE=""
CROSS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --cross) [ $# -ge 2 ] || usage; CROSS=$2; shift 2 ;;
    -h|--help) usage ;;
    -*) usage ;;
    *) [ -z "$NATIVE" ] || usage; NATIVE=$1; shift ;;
  esac
done
[ -n "$NATIVE$CROSS" ] || usage

SRC=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/etpu-package-test.XXXXXX")
cleanup() {
  if [ "${ETPU_KEEP_TMP:-0}" = 1 ]; then echo "package-test: kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

FAILS=0
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; FAILS=$((FAILS + 1)); }
die() { echo "FAIL $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 is not installed (Debian package $2; scripts/install-deps.sh)"; }

need cpack cmake
need dpkg-deb dpkg
need file file

# build_deb BUILD_DIR OUTDIR -> prints the path of the one .deb made
build_deb() {
  [ -f "$1/CPackConfig.cmake" ] || die "$1: no CPackConfig.cmake (not a configured etpu build directory)"
  abs=$(cd "$1" && pwd)
  mkdir -p "$2"
  if ! (cd "$2" && cpack -G DEB --config "$abs/CPackConfig.cmake" -B "$2") >"$2/cpack.log" 2>&1; then
    cat "$2/cpack.log" >&2
    die "cpack failed for $1"
  fi
  set -- "$2"/etpu_*.deb
  [ $# = 1 ] && [ -f "$1" ] || die "cpack made no single etpu_*.deb (got: $*)"
  echo "$1"
}

# check_depends DEB: Depends computed from the shared libraries.
check_depends() {
  dep=$(dpkg-deb -f "$1" Depends)
  if [ -z "$dep" ]; then
    fail "Depends is empty (dpkg-shlibdeps did not run?)"
    return
  fi
  missing=""
  for lib in libcurl libarchive 'libssl\|libcrypto' libcjson libc6; do
    echo "$dep" | grep -q "$lib" || missing="$missing $lib"
  done
  if [ -n "$missing" ]; then fail "Depends lacks$missing: $dep"; else ok "Depends: $dep"; fi
}

# check_contents DEB: what must be in the package, and nothing from the tests.
check_contents() {
  dpkg-deb -c "$1" | awk '{print $NF}' | sed 's|^\./|/|' >"$TMP/contents"
  for want in '^/usr/bin/etpu$' '^/usr/lib/\(.*/\)\{0,1\}libetpu\.a$' \
              '^/usr/lib/\(.*/\)\{0,1\}pkgconfig/etpu\.pc$' \
              '^/usr/share/man/man1/etpu\.1\(\.gz\)\{0,1\}$' \
              '^/usr/share/bash-completion/completions/etpu$' \
              '^/usr/share/zsh/vendor-completions/_etpu$' \
              '^/usr/share/doc/etpu/README\.md$'; do
    if grep -q "$want" "$TMP/contents"; then ok "contains $(grep "$want" "$TMP/contents" | head -1)"
    else fail "package lacks a file matching $want"; fi
  done
  nh=0 lacking=""
  for h in "$SRC"/include/etpu/*.h; do
    nh=$((nh + 1))
    grep -qx "/usr/include/etpu/$(basename "$h")" "$TMP/contents" || lacking="$lacking $(basename "$h")"
  done
  if [ -z "$lacking" ]; then ok "contains all $nh public headers (include/etpu/*.h)"
  else fail "package lacks public headers:$lacking"; fi
  stray=$(grep -v '/$' "$TMP/contents" |
          grep -v '^/usr/\(bin/etpu\|include/etpu/\|lib/\|share/man/man1/\|share/bash-completion/\|share/zsh/\|share/doc/etpu/\)' ||
          true)
  [ -z "$stray" ] || fail "unexpected files in the package: $stray"
  ! grep -qi 'double\|test' "$TMP/contents" || fail "test files in the package: $(grep -i 'double\|test' "$TMP/contents")"
}

if [ -n "$NATIVE" ]; then
  echo "== native package ($NATIVE)"
  need pkg-config pkgconf
  need man man-db
  ARCH=$(dpkg --print-architecture)
  DEB=$(build_deb "$NATIVE" "$TMP/out") || exit 1
  ok "built $(basename "$DEB")"
  ROOT="$TMP/root"
  mkdir -p "$ROOT"
  dpkg-deb -x "$DEB" "$ROOT"

  # Control fields.
  pkg=$(dpkg-deb -f "$DEB" Package)
  ver=$(dpkg-deb -f "$DEB" Version)
  arch=$(dpkg-deb -f "$DEB" Architecture)
  [ "$pkg" = etpu ] && ok "Package: etpu" || fail "Package is '$pkg', not etpu"
  [ "$arch" = "$ARCH" ] && ok "Architecture: $arch" || fail "Architecture is '$arch', not $ARCH"
  case "$(basename "$DEB")" in
    "etpu_${ver}_${ARCH}.deb") ok "file name etpu_${ver}_${ARCH}.deb" ;;
    *) fail "file name $(basename "$DEB") is not etpu_${ver}_${ARCH}.deb" ;;
  esac
  check_depends "$DEB"
  check_contents "$DEB"

  # The installed binary, with the system's libraries (the Depends above).
  ETPU="$ROOT/usr/bin/etpu"
  if "$ETPU" --version >"$TMP/version" 2>&1; then
    if [ "$(head -1 "$TMP/version")" = "etpu $ver" ]; then ok "etpu --version: etpu $ver"
    else fail "etpu --version says '$(head -1 "$TMP/version")', the package is $ver"; fi
    for dep in cJSON libcurl libarchive libcrypto target; do
      grep -q "^$dep " "$TMP/version" || fail "etpu --version has no $dep line"
    done
    sed 's/^/     | /' "$TMP/version"
  else
    fail "etpu --version failed: $(cat "$TMP/version")"
  fi
  "$ETPU" --version --json | grep -q '"libcurl"' && ok "etpu --version --json" ||
    fail "etpu --version --json has no libcurl"

  MODEL=$NATIVE/examples/regime_static.tflite
  if [ ! -f "$MODEL" ]; then
    for MODEL in "$NATIVE"/examples/*.tflite; do break; done
  fi
  [ -n "$MODEL" ] && [ -f "$MODEL" ] || die "no example model in $NATIVE/examples (build the examples target)"
  if "$ETPU" inspect "$MODEL" >"$TMP/inspect" 2>&1 && [ -s "$TMP/inspect" ]; then
    ok "etpu inspect $(basename "$MODEL") ($(wc -l <"$TMP/inspect") lines)"
  else
    fail "etpu inspect $MODEL: $(cat "$TMP/inspect")"
  fi

  # Man pages, rendered the way `man` will.
  set -- "$ROOT"/usr/share/man/man1/*.1*
  if [ ! -f "$1" ]; then
    fail "no man pages in the package: docs/man/*.1 do not exist (or the build dir was configured before they did: re-run cmake)"
  else
    for page in "$@"; do
      if MANWIDTH=80 man -l -P cat "$page" >"$TMP/man" 2>"$TMP/man.err" && [ -s "$TMP/man" ]; then
        ok "man -l $(basename "$page"): $(grep -m1 -A1 '^NAME' "$TMP/man" | tail -1 | sed 's/^ *//')"
        [ ! -s "$TMP/man.err" ] || sed 's/^/     warning: /' "$TMP/man.err"
      else
        fail "man -l $page: $(cat "$TMP/man.err")"
      fi
    done
  fi

  # libetpu for C programs: pkg-config with the unpacked root as the prefix.
  PC=$(grep -m1 '/pkgconfig/etpu\.pc$' "$TMP/contents" || true)
  if [ -z "$PC" ]; then
    fail "no etpu.pc to build against"
  else
    PCDIR=$ROOT$(dirname "$PC")
    if flags=$(PKG_CONFIG_PATH="$PCDIR" pkg-config --define-variable=prefix="$ROOT/usr" \
                 --cflags --libs etpu 2>"$TMP/pc.err"); then
      ok "pkg-config --cflags --libs etpu: $flags"
    else
      fail "pkg-config etpu: $(cat "$TMP/pc.err")"
      flags=""
    fi
    cat >"$TMP/ops.c" <<'EOF'
/* Built against the installed libetpu: count a model's operators. */
#include <stdio.h>

#include <etpu/model.h>

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    etpu_model *model = NULL;
    etpu_error err;
    if (etpu_model_open(argv[1], &model, &err) != ETPU_OK) {
        char line[ETPU_ERROR_MESSAGE_MAX + 64];
        etpu_error_format(&err, line, sizeof line);
        fprintf(stderr, "%s: %s\n", argv[1], line);
        return 1;
    }
    size_t ops = 0;
    for (size_t i = 0; i < model->subgraph_count; i++)
        ops += model->subgraphs[i].operator_count;
    printf("%zu\n", ops);
    etpu_model_free(model);
    return 0;
}
EOF
    # $flags is a list of words on purpose.
    # shellcheck disable=SC2086
    if ${CC:-cc} -std=c17 -Wall -Wextra -Werror -o "$TMP/ops" "$TMP/ops.c" $flags 2>"$TMP/cc.err"; then
      ok "a C program using etpu/model.h compiles and links against the installed libetpu"
      if ops=$("$TMP/ops" "$MODEL") && [ "$ops" -gt 0 ]; then
        ok "it opens $(basename "$MODEL"): $ops operators"
      else
        fail "the C program could not read $MODEL"
      fi
    else
      fail "the C program does not build with '$flags': $(cat "$TMP/cc.err")"
    fi
  fi
fi

if [ -n "$CROSS" ]; then
  echo "== cross-built package ($CROSS)"
  DEB=$(build_deb "$CROSS" "$TMP/out-cross") || exit 1
  ok "built $(basename "$DEB")"
  arch=$(dpkg-deb -f "$DEB" Architecture)
  [ "$arch" = arm64 ] && ok "Architecture: arm64" || fail "Architecture is '$arch', not arm64"
  case "$(basename "$DEB")" in
    *_arm64.deb) ok "file name $(basename "$DEB")" ;;
    *) fail "file name $(basename "$DEB") does not end in _arm64.deb" ;;
  esac
  check_depends "$DEB"
  rec=$(dpkg-deb -f "$DEB" Recommends)
  echo "$rec" | grep -q qemu-user && ok "Recommends: $rec" || fail "Recommends lacks qemu-user: '$rec'"
  check_contents "$DEB"
  ROOT="$TMP/root-cross"
  mkdir -p "$ROOT"
  dpkg-deb -x "$DEB" "$ROOT"
  what=$(file -b "$ROOT/usr/bin/etpu")
  case "$what" in
    *"ARM aarch64"*) ok "usr/bin/etpu: $(echo "$what" | cut -d, -f1-2)" ;;
    *) fail "usr/bin/etpu is not an aarch64 program: $what" ;;
  esac
  if command -v qemu-aarch64 >/dev/null 2>&1 && [ -d /usr/aarch64-linux-gnu ]; then
    if qemu-aarch64 -L /usr/aarch64-linux-gnu "$ROOT/usr/bin/etpu" --version >"$TMP/version-cross" 2>&1 &&
       grep -q '^target *aarch64' "$TMP/version-cross"; then
      ok "etpu --version under qemu-aarch64: $(head -1 "$TMP/version-cross"), $(grep '^target' "$TMP/version-cross" | sed 's/^target *//')"
    else
      fail "the installed aarch64 etpu --version under qemu-aarch64: $(cat "$TMP/version-cross")"
    fi
  fi
fi

if [ "$FAILS" -gt 0 ]; then
  echo "package-test: $FAILS check(s) failed"
  exit 1
fi
echo "package-test: all checks passed"
