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

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64" AND NOT CMAKE_CROSSCOMPILING)
  add_test(NAME toolchain_integration
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/toolchain_test.py
            --etpu $<TARGET_FILE:etpu>
            --double $<TARGET_FILE:edgetpu_compiler_double>
            --make-deb ${CMAKE_CURRENT_LIST_DIR}/compiler_double/make_deb.sh
            --corpus ${ETPU_CORPUS}
            --work ${CMAKE_CURRENT_BINARY_DIR}/toolchain_work)
  set_tests_properties(toolchain_integration PROPERTIES TIMEOUT 300 LABELS toolchain)
endif()
