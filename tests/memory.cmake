# Peak memory on a 100k-op model (issue 13: at most twice the file's size).
# Native non-sanitizer build only: ASan's shadow memory and an emulator's own
# footprint are not etpu's.
if(NOT CMAKE_CROSSCOMPILING AND NOT ETPU_SANITIZE)
  add_test(NAME memory_ceiling
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/memory_ceiling.py ${ETPU_CLI})
  set_tests_properties(memory_ceiling PROPERTIES TIMEOUT 300)
endif()
