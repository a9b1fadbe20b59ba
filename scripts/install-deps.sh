#!/bin/sh
# Install what etpu needs to build and test, from Debian packages only.
# Runs apt-get directly as root, through sudo otherwise.
set -eu
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
PKGS="build-essential cmake pkg-config clang libclang-rt-dev
      libcjson-dev libcmocka-dev libcurl4-openssl-dev libarchive-dev libssl-dev dpkg-dev
      flatbuffers-compiler python3 man-db groff-base file
      chromium fonts-dejavu-core zsh gpg gpgv openssl"
# chromium (headless) and the DejaVu fonts: the browser test of `etpu report`;
# zsh: the zsh completion is tried in a real zsh; gpgv: etpu checks an apt InRelease with it;
# gpg and openssl: the compiler tests make a test archive key and an https certificate.
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# node/npm run the TFLite oracle in tests (LiteRT's WebAssembly build).
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
  echo "etpu: installing Debian packages:$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
