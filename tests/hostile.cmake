# Hostile-input suite: damaged and malicious .tflite files must give one
# error (library) / one stderr line and exit 2 (CLI), never a crash, hang,
# leak or huge allocation. Run it under ETPU_SANITIZE=ON to make ASan, UBSan
# and LeakSanitizer part of the verdict. See tests/hostile/.

# Sanitizer settings for these tests: leaks fail the test, UB stops it.
set(ETPU_HOSTILE_ENV
    "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:allocator_may_return_null=0:detect_stack_use_after_return=1"
    "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")

# Library level: mutations of real models through etpu_model_from_memory().
etpu_unit_test(test_hostile_reader hostile/test_hostile_reader.c hostile/hostile_check.c)
set_property(TEST test_hostile_reader APPEND PROPERTY ENVIRONMENT ${ETPU_HOSTILE_ENV})
set_tests_properties(test_hostile_reader PROPERTIES TIMEOUT 1200 LABELS hostile)

# CLI level: the real `etpu inspect` on a sample of damaged files.
add_test(NAME hostile_cli
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/hostile/cli_hostile.py
                 ${ETPU_CLI} ${ETPU_CORPUS})
set_tests_properties(hostile_cli PROPERTIES TIMEOUT 1200 LABELS hostile
                     ENVIRONMENT "${ETPU_HOSTILE_ENV}")

# Proof that LeakSanitizer is active in a sanitizer build.
if(ETPU_SANITIZE)
  add_executable(hostile_lsan_canary hostile/lsan_canary.c)
  add_test(NAME hostile_lsan_canary COMMAND hostile_lsan_canary)
  set_property(TEST hostile_lsan_canary APPEND PROPERTY ENVIRONMENT ${ETPU_HOSTILE_ENV})
  set_tests_properties(hostile_lsan_canary PROPERTIES LABELS hostile
                       PASS_REGULAR_EXPRESSION "LeakSanitizer: detected memory leaks")
endif()

# `etpu fix` on graphs with missing/optional tensors where passes look.
add_test(NAME hostile_fix
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/hostile/fix_hostile.py
                 ${ETPU_CLI} ${PROJECT_SOURCE_DIR}/schema/tflite.fbs)
set_tests_properties(hostile_fix PROPERTIES TIMEOUT 300 LABELS hostile
                     ENVIRONMENT "${ETPU_HOSTILE_ENV}")

# Hostile models built at test time (hostile/hostile_models.py) through every
# command; a model truncated while mapped (LD_PRELOAD shim); the instruction
# count of `inspect --json` on shared vectors (callgrind). check.c's known
# crashes are expected failures listed in model_faults.py for the lead.
add_library(truncate_on_map MODULE hostile/truncate_on_map.c)
target_link_libraries(truncate_on_map PRIVATE ${CMAKE_DL_LIBS})
set(ETPU_MODEL_FAULTS_ENV ${ETPU_HOSTILE_ENV})
if(ETPU_SANITIZE)
  list(APPEND ETPU_MODEL_FAULTS_ENV "ETPU_SANITIZED=1")
endif()
if(CMAKE_CROSSCOMPILING)
  # etpu runs under qemu-user: the shim goes to the guest (QEMU_SET_ENV), and
  # callgrind cannot count the emulated program
  list(APPEND ETPU_MODEL_FAULTS_ENV "ETPU_EMULATED=1")
endif()
add_test(NAME hostile_models
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/hostile/model_faults.py
                 ${ETPU_CLI} $<TARGET_FILE:truncate_on_map>)
set_tests_properties(hostile_models PROPERTIES TIMEOUT 600 LABELS hostile
                     ENVIRONMENT "${ETPU_MODEL_FAULTS_ENV}")
