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
  set_tests_properties(compile_integration PROPERTIES TIMEOUT 300 LABELS toolchain
                       ENVIRONMENT "ETPU_CORPUS=${ETPU_CORPUS}")
endif()

# Faults `etpu fix` and `etpu compile` must survive: kill -9 at random points,
# a full disk, a read-only output directory, 20 parallel compiles, a compiler
# that crashes, hangs, prints garbage or writes bad outputs (tests/fault_test.py).
if(TARGET edgetpu_compiler_double AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64"
   AND NOT CMAKE_CROSSCOMPILING)
  add_test(NAME fault_tolerance
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/fault_test.py
            $<TARGET_FILE:etpu> $<TARGET_FILE:edgetpu_compiler_double>
            ${CMAKE_CURRENT_LIST_DIR}/compiler_double/make_deb.sh
            ${CMAKE_BINARY_DIR}/examples ${CMAKE_CURRENT_BINARY_DIR}/fault_work)
  # about 1 min here, 3-5 min under ASan on an idle 2-core machine
  set_tests_properties(fault_tolerance PROPERTIES TIMEOUT 1800 LABELS toolchain)
endif()
