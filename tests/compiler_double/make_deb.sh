#!/bin/sh
# make_deb.sh DOUBLE OUTDIR — package the edgetpu_compiler TEST DOUBLE exactly
# like Google's edgetpu-compiler .deb, and write an apt repository around it:
#
#   OUTDIR/pkgroot/usr/bin/edgetpu_compiler                (3-line bash wrapper)
#   OUTDIR/pkgroot/usr/bin/edgetpu_compiler_bin/edgetpu_compiler
#   OUTDIR/pkgroot/usr/bin/edgetpu_compiler_bin/{ld-linux-x86-64.so.2,libc.so.6,...}
#   OUTDIR/repo/pool/coral-edgetpu-stable/edgetpu-compiler_16.0_amd64_<md5>.deb
#   OUTDIR/repo/dists/coral-edgetpu-stable/main/binary-amd64/Packages
#
# The shared libraries are the host's own (found with ldd), so the package is
# self-contained like the real one. Needs an x86_64 host and dpkg-deb.
#
# Environment (for the tests of other versions and layouts):
#   ETPU_DOUBLE_VERSION=V   the package version (default 16.0; the double still
#                           prints the version line it was built with)
#   ETPU_DOUBLE_COMPRESSION=gzip  the data member's compression (default xz; gzip is
#                           four times faster to build, for tests that make several)
#   ETPU_DOUBLE_ARCH=aarch64  DOUBLE is an aarch64 build (the stand-in for the
#                           native aarch64 compiler 2.0): bundle the aarch64 loader
#                           and the libraries it names (readelf -d) from
#                           $ETPU_DOUBLE_SYSROOT (default /usr/aarch64-linux-gnu/lib,
#                           Debian's libc6-arm64-cross), as google-coral/edgetpu's
#                           compiler/aarch64/ tree does; the .deb says arm64.
# THIS IS NOT THE REAL COMPILER: see README.md next to this script.
set -eu
[ $# -eq 2 ] || { echo "usage: $0 DOUBLE OUTDIR" >&2; exit 2; }
double=$1
out=$2
[ "$(uname -m)" = x86_64 ] || { echo "make_deb.sh: needs an x86_64 host (the package is amd64)" >&2; exit 3; }
command -v dpkg-deb >/dev/null || { echo "make_deb.sh: dpkg-deb missing (Debian package dpkg)" >&2; exit 3; }

version=${ETPU_DOUBLE_VERSION:-16.0}
arch=${ETPU_DOUBLE_ARCH:-x86_64}
rm -rf "$out/pkgroot" "$out/repo"
root=$out/pkgroot
bin=$root/usr/bin/edgetpu_compiler_bin
mkdir -p "$bin" "$root/DEBIAN" "$root/usr/share/doc/edgetpu-compiler"

cp "$double" "$bin/edgetpu_compiler"
chmod 0755 "$bin/edgetpu_compiler"

if [ "$arch" = aarch64 ]; then
    debarch=arm64
    loader=ld-linux-aarch64.so.1
    sysroot=${ETPU_DOUBLE_SYSROOT:-/usr/aarch64-linux-gnu/lib}
    cp -L "$sysroot/$loader" "$bin/$loader"
    for lib in $(aarch64-linux-gnu-readelf -d "$double" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
        cp -L "$sysroot/$lib" "$bin/$lib"
    done
else
    debarch=amd64
    loader=ld-linux-x86-64.so.2
    # The libraries the double needs, and the dynamic loader, copied from the host.
    ldd "$double" | while read -r first second third _rest; do
        case "$first" in
        linux-vdso.so.*) ;;
        */ld-linux-x86-64.so.2) cp -L "$first" "$bin/ld-linux-x86-64.so.2" ;;
        *) if [ "$second" = "=>" ] && [ -f "$third" ]; then cp -L "$third" "$bin/$first"; fi ;;
        esac
    done
fi
[ -f "$bin/$loader" ] || { echo "make_deb.sh: no $loader for the double" >&2; exit 3; }
chmod 0755 "$bin"/*

# The wrapper, as in the real package (google-coral/edgetpu compiler/<arch>).
cat > "$root/usr/bin/edgetpu_compiler" <<WRAP
#!/bin/bash
d="\$(dirname "\$0")"
exec "\${d}"/edgetpu_compiler_bin/$loader --library-path "\${d}"/edgetpu_compiler_bin "\${d}"/edgetpu_compiler_bin/edgetpu_compiler "\$@"
WRAP
chmod 0755 "$root/usr/bin/edgetpu_compiler"

cat > "$root/usr/share/doc/edgetpu-compiler/README.test-double" <<'DOC'
This package is etpu's TEST DOUBLE of edgetpu_compiler, not Google's compiler.
It prints the compiler's output format but compiles nothing.
DOC

cat > "$root/DEBIAN/control" <<CTRL
Package: edgetpu-compiler
Version: $version
Architecture: $debarch
Maintainer: etpu tests <etpu@localhost>
Section: misc
Priority: optional
Description: TEST DOUBLE of the Edge TPU compiler (etpu test suite)
 Behaves like edgetpu_compiler 16.0 on the command line; compiles nothing.
CTRL

mkdir -p "$out/repo/pool/coral-edgetpu-stable" "$out/repo/dists/coral-edgetpu-stable/main/binary-amd64"
tmpdeb=$out/repo/pool/coral-edgetpu-stable/tmp.deb
dpkg-deb --root-owner-group -Z"${ETPU_DOUBLE_COMPRESSION:-xz}" --build "$root" "$tmpdeb" >/dev/null
md5=$(md5sum "$tmpdeb" | cut -d' ' -f1)
name=edgetpu-compiler_${version}_${debarch}_${md5}.deb
mv "$tmpdeb" "$out/repo/pool/coral-edgetpu-stable/$name"
deb=$out/repo/pool/coral-edgetpu-stable/$name
size=$(stat -c %s "$deb")
sha=$(sha256sum "$deb" | cut -d' ' -f1)

cat > "$out/repo/dists/coral-edgetpu-stable/main/binary-amd64/Packages" <<IDX
Package: edgetpu-compiler
Version: $version
Architecture: $debarch
Maintainer: etpu tests <etpu@localhost>
Installed-Size: $(du -sk "$root/usr" | cut -f1)
Filename: pool/coral-edgetpu-stable/$name
Size: $size
MD5sum: $md5
SHA256: $sha
Section: misc
Priority: optional
Description: TEST DOUBLE of the Edge TPU compiler (etpu test suite)
 Behaves like edgetpu_compiler 16.0 on the command line; compiles nothing.

IDX
echo "$deb"
