# `etpu compiler`: unit tests of the toolchain layer, the edgetpu_compiler
# TEST DOUBLE (tests/compiler_double, packaged like the real .deb), and the
# integration test that serves it from a local apt repository on 127.0.0.1.
# Included from tests/CMakeLists.txt.
if(NOT DEFINED ETPU_CORPUS)
  set(ETPU_CORPUS ${PROJECT_SOURCE_DIR}/../shared/corpus)
endif()

add_executable(test_toolchain ${CMAKE_CURRENT_LIST_DIR}/unit/test_toolchain.c)
target_link_libraries(test_toolchain PRIVATE etpu_lib PkgConfig::CMOCKA)
add_test(NAME toolchain_unit COMMAND test_toolchain)
set_tests_properties(toolchain_unit PROPERTIES TIMEOUT 60 LABELS toolchain)

# The test double: NOT a compiler (see tests/compiler_double/README.md).
# --as-needed keeps its DT_NEEDED list to what it uses, so the package
# carries only those host libraries.
add_executable(edgetpu_compiler_double ${CMAKE_CURRENT_LIST_DIR}/compiler_double/edgetpu_compiler_double.c)
target_link_libraries(edgetpu_compiler_double PRIVATE etpu_lib)
target_link_options(edgetpu_compiler_double PRIVATE -Wl,--as-needed)

# The same double built for aarch64 (gcc-aarch64-linux-gnu, from
# scripts/install-cross-deps.sh): the stand-in for Google's native aarch64
# compiler 2.0, installed from a local git raw-file host and run under
# qemu-aarch64 by tests/compiler_sources_test.py. It needs only the layers
# below the toolchain (no libcurl/libarchive/cJSON), compiled here directly.
find_program(ETPU_AARCH64_CC aarch64-linux-gnu-gcc)
set(ETPU_DOUBLE_AARCH64 "")
if(ETPU_AARCH64_CC AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64" AND NOT CMAKE_CROSSCOMPILING)
  file(GLOB ETPU_DOUBLE_LIB_SOURCES CONFIGURE_DEPENDS
       ${PROJECT_SOURCE_DIR}/src/lib/util/*.c ${PROJECT_SOURCE_DIR}/src/lib/flatbuf/*.c
       ${PROJECT_SOURCE_DIR}/src/lib/tflite/*.c ${PROJECT_SOURCE_DIR}/src/lib/edgetpu/*.c)
  set(ETPU_DOUBLE_AARCH64 ${CMAKE_CURRENT_BINARY_DIR}/aarch64-double/edgetpu_compiler)
  add_custom_command(OUTPUT ${ETPU_DOUBLE_AARCH64}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/aarch64-double
    COMMAND ${ETPU_AARCH64_CC} -std=c17 -O1 -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64
            "-DETPU_DOUBLE_VERSION_LINE=\"Edge TPU Compiler version 2.0.291256449\""
            -I${PROJECT_SOURCE_DIR}/include -I${PROJECT_SOURCE_DIR}/src/lib
            ${CMAKE_CURRENT_LIST_DIR}/compiler_double/edgetpu_compiler_double.c
            ${ETPU_DOUBLE_LIB_SOURCES} -lm -o ${ETPU_DOUBLE_AARCH64}
    DEPENDS ${CMAKE_CURRENT_LIST_DIR}/compiler_double/edgetpu_compiler_double.c
            ${ETPU_DOUBLE_LIB_SOURCES}
    COMMENT "Building the aarch64 compiler double (a stand-in for the native 2.0)"
    VERBATIM)
  add_custom_target(edgetpu_compiler_double_aarch64 ALL DEPENDS ${ETPU_DOUBLE_AARCH64})
endif()

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64" AND NOT CMAKE_CROSSCOMPILING)
  set(ETPU_TOOLCHAIN_TEST_ARGS
      --etpu $<TARGET_FILE:etpu>
      --double $<TARGET_FILE:edgetpu_compiler_double>
      --make-deb ${CMAKE_CURRENT_LIST_DIR}/compiler_double/make_deb.sh
      --corpus ${ETPU_CORPUS})
  add_test(NAME toolchain_integration
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/toolchain_test.py
            ${ETPU_TOOLCHAIN_TEST_ARGS} --work ${CMAKE_CURRENT_BINARY_DIR}/toolchain_work)
  # Sources in order, pinned verification, InRelease, hostile packages, the
  # aarch64 compiler, bounded downloads, no network (issues 11 and 14).
  add_test(NAME compiler_sources
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/compiler_sources_test.py
            ${ETPU_TOOLCHAIN_TEST_ARGS} --double-aarch64 "${ETPU_DOUBLE_AARCH64}"
            --work ${CMAKE_CURRENT_BINARY_DIR}/compiler_sources_work)
  # kill -9 at random points of `etpu compiler install` (issue 14, item 4).
  add_test(NAME compiler_install_kill
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/compiler_sources_test.py
            ${ETPU_TOOLCHAIN_TEST_ARGS} --only kill --kills 50
            --work ${CMAKE_CURRENT_BINARY_DIR}/compiler_kill_work)
  set_tests_properties(toolchain_integration PROPERTIES TIMEOUT 300 LABELS toolchain)
  # ~100 s and ~60 s here; sanitizer builds take three times as long
  set_tests_properties(compiler_sources compiler_install_kill PROPERTIES TIMEOUT 600
                       LABELS toolchain)
endif()
