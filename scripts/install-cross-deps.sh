#!/bin/sh
# Packages for the aarch64 (Raspberry Pi 5) cross build and its tests under
# QEMU user mode: the cross compiler, qemu-aarch64, and the arm64 -dev
# packages of etpu's dependencies (Debian multiarch).
set -eu
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
ARM_DEVS="libcjson-dev:arm64 libcmocka-dev:arm64 libcurl4-openssl-dev:arm64
          libarchive-dev:arm64 libssl-dev:arm64"
PKGS="gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user $ARM_DEVS"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "etpu: installing cross-build packages:$missing"
  dpkg --print-foreign-architectures | grep -qx arm64 || $SUDO dpkg --add-architecture arm64
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
