# The package test (scripts/package-test.sh, docs/packaging.md): build this
# build directory's .deb with cpack, unpack it into a fresh root and use what
# is installed there (etpu --version, etpu inspect, man -l, pkg-config and a C
# program linked with the installed libetpu). Native builds only: the arm64
# package is checked by scripts/test.sh after the aarch64 cross build. Not in
# sanitizer builds (a package of an ASan binary is nobody's package).
if(NOT CMAKE_CROSSCOMPILING AND NOT ETPU_SANITIZE)
  find_program(ETPU_DPKG_DEB dpkg-deb)
  if(ETPU_DPKG_DEB)
    add_test(NAME package
      COMMAND sh ${PROJECT_SOURCE_DIR}/scripts/package-test.sh ${CMAKE_BINARY_DIR})
    set_tests_properties(package PROPERTIES TIMEOUT 180 LABELS package
                         ENVIRONMENT "CC=${CMAKE_C_COMPILER}")
  endif()
endif()
