# Compiler log parser: unit tests over every log in the real corpus, and
# `etpu log` CLI tests with exact exit codes. Included from tests/CMakeLists.txt.
#
# The corpus is read in place (never copied into the repository); the unit
# test skips the corpus cases when ETPU_CORPUS is empty.
if(NOT DEFINED ETPU_CORPUS)
  set(ETPU_CORPUS ${PROJECT_SOURCE_DIR}/../shared/corpus)
endif()

add_executable(test_compiler_log ${CMAKE_CURRENT_LIST_DIR}/unit/test_compiler_log.c)
target_link_libraries(test_compiler_log PRIVATE etpu_lib PkgConfig::CMOCKA)
add_test(NAME compiler_log COMMAND test_compiler_log)
set_tests_properties(compiler_log PROPERTIES ENVIRONMENT "ETPU_CORPUS=${ETPU_CORPUS}")

# etpu_log_cli_test(name expected_exit regex args...): run `etpu log args...`,
# require the exact exit code and (if regex is not "") a match on stdout.
find_program(ETPU_SH sh REQUIRED)
function(etpu_log_cli_test name expected_exit regex)
  add_test(NAME ${name}
           COMMAND ${ETPU_SH} -c "\"$0\" log \"$@\"; test $? -eq ${expected_exit}"
                   ${ETPU_CLI} ${ARGN})
  if(NOT regex STREQUAL "")
    set_tests_properties(${name} PROPERTIES PASS_REGULAR_EXPRESSION "${regex}")
  endif()
endfunction()

# Every op mapped -> 0; the JSON carries the version and the table.
etpu_log_cli_test(compiler_log_cli_json_mapped 0
  "\"exit_code\":[ \t]*0.*\"compiler_version\":[ \t]*\"16.0.384591198\".*\"outcome\":[ \t]*\"all_mapped\""
  --json ${ETPU_CORPUS}/DamianOlei__ImportData/mobilenet_v2_1.0_224_quant_edgetpu.log)
# Search-delegate stdout with ops left on the CPU -> 1.
etpu_log_cli_test(compiler_log_cli_json_cpu 1
  "\"ops_on_cpu\":[ \t]*3.*\"delegate_search_step\":[ \t]*1"
  --json ${ETPU_CORPUS}/mathieugalle__edgetpu-compiler-pad-fail/padded_edgetpucompiler_output.log)
# Text report of a co-compilation capture.
etpu_log_cli_test(compiler_log_cli_text_cocompiled 1
  "model 2/2: objects_on_road_processor/model/efficientdet-lite.tflite.*3 on the CPU, 264 of 267"
  ${ETPU_CORPUS}/HanChangHun__DeepPiCar/experiments__co_compile_lane_obj__models__log.txt)
# Unreadable and unrecognisable input -> 2 (with a one-line message on stderr).
etpu_log_cli_test(compiler_log_cli_missing 2 "" ${CMAKE_CURRENT_LIST_DIR}/no-such-file.log)
etpu_log_cli_test(compiler_log_cli_not_a_log 2 "" ${ETPU_CORPUS}/MANIFEST.tsv)
etpu_log_cli_test(compiler_log_cli_help 0 "Exit codes:" --help)
etpu_log_cli_test(compiler_log_cli_bad_option 2 "" --frobnicate)
