# Cross-build etpu for aarch64 (Raspberry Pi 5) on a Debian x86_64 host and run
# its tests under QEMU user mode:
#   dpkg --add-architecture arm64; apt-get install gcc-aarch64-linux-gnu qemu-user
#       libcjson-dev:arm64 libcmocka-dev:arm64 ...
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
# Tests that run `etpu` go through ${CMAKE_BINARY_DIR}/etpu-run (tests/CMakeLists.txt),
# which starts it under the same emulator.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
# Debian's arm64 -dev packages live in the multiarch paths of the host root.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE NEVER)
# No -L: /lib/ld-linux-aarch64.so.1 and /lib/aarch64-linux-gnu/libc.so.6 both come
# from libc6:arm64 (pulled in by the arm64 -dev packages). With -L /usr/aarch64-linux-gnu
# QEMU took the loader from libc6-arm64-cross (2.36-8cross1) but libc.so.6 from
# libc6:arm64 (2.36-9+deb12u14, found through /etc/ld.so.cache): two glibc builds
# whose private ABI differs, and every fork() child looped forever in glibc.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64)
