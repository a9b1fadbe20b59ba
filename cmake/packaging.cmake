# Install rules and the Debian package (CPack DEB). Included from the top-level
# CMakeLists.txt after src/ (it installs the etpu and etpu_lib targets).
#
#   cmake --install build --prefix /usr/local       # bin, lib, include, pkg-config, man, completions, docs
#   cpack --config build/CPackConfig.cmake -B out   # out/etpu_<version>_<arch>.deb
#
# Everything is installed in the component "etpu", and only that component goes
# into the package (CPACK_INSTALL_CMAKE_PROJECTS below), so nothing from the
# tests (the compiler test double, the unit tests) can end up in a .deb even if
# someone later gives them install rules. See docs/packaging.md.
include(GNUInstallDirs)

set(ETPU_COMPONENT etpu)

# The CLI and libetpu with its public headers.
install(TARGETS etpu RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT ${ETPU_COMPONENT})
install(TARGETS etpu_lib
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT ${ETPU_COMPONENT}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT ${ETPU_COMPONENT})
# The headers, and the .def table etpu/ops.h expands (the op enum).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/etpu
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT ${ETPU_COMPONENT}
        FILES_MATCHING PATTERN "*.h" PATTERN "*.def")

# etpu.pc. libetpu's dependencies are not part of its API (no public header
# includes them), so for a shared libetpu they are private; but libetpu is a
# static library today, and a program linking libetpu.a must also link them, so
# then they are plain Requires/Libs and `pkg-config --libs etpu` works without
# --static.
set(ETPU_PC_DEPS "libcjson libcurl libarchive libcrypto")
get_target_property(ETPU_LIB_TYPE etpu_lib TYPE)
if(ETPU_LIB_TYPE STREQUAL "STATIC_LIBRARY")
  set(ETPU_PC_REQUIRES " ${ETPU_PC_DEPS}")
  set(ETPU_PC_REQUIRES_PRIVATE "")
  set(ETPU_PC_LIBS " -lm")
  set(ETPU_PC_LIBS_PRIVATE "")
else()
  set(ETPU_PC_REQUIRES "")
  set(ETPU_PC_REQUIRES_PRIVATE " ${ETPU_PC_DEPS}")
  set(ETPU_PC_LIBS "")
  set(ETPU_PC_LIBS_PRIVATE " -lm")
endif()
# The prefix is only known at install time (cpack installs into /usr whatever
# the build was configured with), so the template is filled in two steps: now
# everything but the prefix, which stays as @CMAKE_INSTALL_PREFIX@ and is
# substituted by the install script, where CMAKE_INSTALL_PREFIX is the real one.
set(ETPU_PC_PREFIX "@CMAKE_INSTALL_PREFIX@")
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(ETPU_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(ETPU_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
configure_file(${CMAKE_CURRENT_LIST_DIR}/etpu.pc.in ${CMAKE_BINARY_DIR}/pkgconfig/etpu.pc.in @ONLY)
install(CODE "configure_file(\"${CMAKE_BINARY_DIR}/pkgconfig/etpu.pc.in\"
                             \"${CMAKE_BINARY_DIR}/pkgconfig/etpu.pc\" @ONLY)"
        COMPONENT ${ETPU_COMPONENT})
install(FILES ${CMAKE_BINARY_DIR}/pkgconfig/etpu.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT ${ETPU_COMPONENT})

# Man pages: whatever docs/man/*.1 holds.
file(GLOB ETPU_MAN_PAGES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/man/*.1)
if(ETPU_MAN_PAGES)
  install(FILES ${ETPU_MAN_PAGES} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
          COMPONENT ${ETPU_COMPONENT})
endif()

# Shell completions, where Debian's bash-completion and zsh look for them.
# OPTIONAL: checked when installing, so files added later need no re-configure.
install(FILES ${PROJECT_SOURCE_DIR}/completions/etpu.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME etpu
        COMPONENT ${ETPU_COMPONENT} OPTIONAL)
install(FILES ${PROJECT_SOURCE_DIR}/completions/_etpu
        DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions
        COMPONENT ${ETPU_COMPONENT} OPTIONAL)

# Documentation (share/doc/etpu).
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/guide.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT ${ETPU_COMPONENT} OPTIONAL)

# --- CPack: one .deb, etpu_<version>_<arch>.deb --------------------------------

# The package's architecture is the target's, not the host's (CPack would ask
# `dpkg --print-architecture`, i.e. amd64, in the aarch64 cross build).
# CMAKE_LIBRARY_ARCHITECTURE is the compiler's multiarch tuple
# (aarch64-linux-gnu); dpkg-architecture maps it to Debian's name (arm64).
set(ETPU_TARGET_TUPLE "${CMAKE_LIBRARY_ARCHITECTURE}")
if(NOT ETPU_TARGET_TUPLE)
  execute_process(COMMAND ${CMAKE_C_COMPILER} -dumpmachine
                  OUTPUT_VARIABLE ETPU_TARGET_TUPLE OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
endif()
find_program(DPKG_ARCHITECTURE_EXECUTABLE dpkg-architecture)
set(ETPU_DEB_ARCH "")
if(DPKG_ARCHITECTURE_EXECUTABLE AND ETPU_TARGET_TUPLE)
  execute_process(COMMAND ${DPKG_ARCHITECTURE_EXECUTABLE} -t ${ETPU_TARGET_TUPLE} -qDEB_HOST_ARCH
                  OUTPUT_VARIABLE ETPU_DEB_ARCH OUTPUT_STRIP_TRAILING_WHITESPACE
                  ERROR_QUIET RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    set(ETPU_DEB_ARCH "")
  endif()
endif()
if(NOT ETPU_DEB_ARCH)
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
    set(ETPU_DEB_ARCH amd64)
  elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
    set(ETPU_DEB_ARCH arm64)
  elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^arm")
    set(ETPU_DEB_ARCH armhf)
  elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^i.86$")
    set(ETPU_DEB_ARCH i386)
  else()
    set(ETPU_DEB_ARCH ${CMAKE_SYSTEM_PROCESSOR})
  endif()
endif()

set(ETPU_PACKAGE_MAINTAINER "etpu developers <dev@etpu.invalid>" CACHE STRING
    "Maintainer field of the .deb")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME etpu)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${ETPU_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "get TFLite models onto the Coral Edge TPU from any Linux machine")
set(CPACK_PACKAGE_DESCRIPTION
    "etpu reads any .tflite model safely and tells you, offline and on any\n\
architecture, what Google's edgetpu_compiler will do with it and why:\n\
`etpu inspect` shows what is in a model, `etpu check` predicts the compiler's\n\
verdict op by op, `etpu fix` rewrites a model so the compiler accepts it,\n\
and `etpu compiler`/`etpu compile` fetch and run the real x86-64 compiler,\n\
natively or under qemu-x86_64. Also ships libetpu (static) with its headers\n\
and pkg-config file.")
set(CPACK_INSTALL_CMAKE_PROJECTS "${CMAKE_BINARY_DIR};${PROJECT_NAME};${ETPU_COMPONENT};/")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${ETPU_DEB_ARCH})
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libcurl, libarchive and libcrypto are dlopen'ed on first use
# (src/toolchain.cmake), so dpkg-shlibdeps cannot see them: name their run-time
# packages here (CPack adds the shlibdeps result to this list). libcrypto.so.3
# is in Debian's libssl3 (libssl3t64 since trixie's 64-bit time_t transition).
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libcurl4 (>= 7.16.2), libarchive13 (>= 3.2.1), libssl3 (>= 3.0.0) | libssl3t64")
# The real compiler is an x86-64 program; elsewhere etpu runs it under
# qemu-x86_64 (qemu-user, with binfmt_misc from qemu-user-binfmt).
if(NOT ETPU_DEB_ARCH STREQUAL "amd64")
  set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "qemu-user")
endif()
# etpu.pc names these; a program built against libetpu.a needs their headers.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS
    "libcjson-dev, libcurl4-openssl-dev | libcurl-dev, libarchive-dev, libssl-dev")

# dpkg-shlibdeps in a cross build. CPack runs `dpkg-shlibdeps -O usr/bin/etpu`
# on the aarch64 binary. dpkg-shlibdeps (dpkg 1.21) reads the binary's ELF ABI
# and skips libraries of another ABI, so it skips the amd64 libcurl.so.4 and
# takes /usr/lib/aarch64-linux-gnu/libcurl.so.4, then finds the package owning
# it (`dpkg -S` -> libcurl4:arm64) and its symbols file
# (/var/lib/dpkg/info/libcurl4:arm64.symbols); the arm64 packages are there
# because scripts/install-cross-deps.sh installs them through multiarch. Two
# things it takes from the *host* architecture, though (dpkg-architecture, on
# this machine amd64): the objdump it reads the dynamic symbols with, and
# whether to search /lib/<multiarch> and /usr/lib/<multiarch> of a foreign
# architecture (otherwise only what /etc/ld.so.conf.d lists, which holds the
# aarch64 directories only because libc6:arm64 ships a file there). So cpack
# runs it with DEB_HOST_ARCH=arm64: dpkg-shlibdeps then uses
# aarch64-linux-gnu-objdump (binutils-aarch64-linux-gnu, with
# gcc-aarch64-linux-gnu) and searches /usr/lib/aarch64-linux-gnu itself.
# CPACK_PROJECT_CONFIG_FILE is read by cpack, in the process that later starts
# dpkg-shlibdeps, so the variable set there reaches it.
# (CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS would only add -l directories
# for the package's own private libraries; it does not change the objdump.)
if(CMAKE_CROSSCOMPILING)
  set(ETPU_CPACK_PROJECT_CONFIG ${CMAKE_BINARY_DIR}/CPackProjectConfig.cmake)
  file(WRITE ${ETPU_CPACK_PROJECT_CONFIG}
       "# Written by cmake/packaging.cmake: dpkg-shlibdeps answers for the target.\n"
       "set(ENV{DEB_HOST_ARCH} \"${ETPU_DEB_ARCH}\")\n")
  set(CPACK_PROJECT_CONFIG_FILE ${ETPU_CPACK_PROJECT_CONFIG})
endif()

include(CPack)
