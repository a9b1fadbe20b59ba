# `etpu compile` with the edgetpu_compiler TEST DOUBLE (tests/compiler_double,
# built in toolchain.cmake): preflight, --fix, cache, policy exit codes,
# crash handling and the explicit-QEMU runner. Needs an x86_64 host (the
# double is an x86_64 program packaged like the real .deb).
if(TARGET edgetpu_compiler_double AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64"
   AND NOT CMAKE_CROSSCOMPILING)
  if(ETPU_SANITIZE)
    set(ETPU_COMPILE_TEST_FLAGS --no-qemu)
  endif()
  add_test(NAME compile_integration
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/compile_test.py
            $<TARGET_FILE:etpu> $<TARGET_FILE:edgetpu_compiler_double>
            ${CMAKE_CURRENT_LIST_DIR}/compiler_double/make_deb.sh
            ${CMAKE_BINARY_DIR}/examples ${CMAKE_CURRENT_BINARY_DIR}/compile_work
            ${ETPU_COMPILE_TEST_FLAGS})
  set_tests_properties(compile_integration PROPERTIES TIMEOUT 300 LABELS toolchain)
endif()
