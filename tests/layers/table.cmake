# Proves the public-header table of src/layers.cmake is checked: the real
# include/etpu passes, and a copy of it with an extra header (a merge that
# adds a header without a row) or with a header removed (a stale row) stops
# the configure with a message naming the table and the file.
# Run by the `layers_table` test:
#   cmake -DTABLE=<src>/src/layers.cmake -DPUBLIC=<src>/include/etpu -DWORK=<dir> -P table.cmake
if(DEFINED CHECK_DIR)
  # The child run: what src/CMakeLists.txt does at configure time.
  include(${TABLE})
  etpu_check_public_headers(${CHECK_DIR})
  return()
endif()

# check(dir expect_rc_zero message_regex...): run the check on dir.
function(check dir expect)
  execute_process(COMMAND ${CMAKE_COMMAND} -DTABLE=${TABLE} -DCHECK_DIR=${dir}
                          -P ${CMAKE_CURRENT_LIST_FILE}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(expect STREQUAL "passes")
    if(NOT rc EQUAL 0)
      message(SEND_ERROR "the table check fails on ${dir}:\n${err}")
    else()
      message(STATUS "ok: table check passes on ${dir}")
    endif()
    return()
  endif()
  if(rc EQUAL 0)
    message(SEND_ERROR "the table check passes on ${dir}, expected: ${ARGN}")
    return()
  endif()
  foreach(re ${ARGN})
    if(NOT err MATCHES "${re}")
      message(SEND_ERROR "the table check fails on ${dir}, but its message lacks '${re}':\n${err}")
      return()
    endif()
  endforeach()
  message(STATUS "ok: table check stops on ${dir}: ${ARGN}")
endfunction()

check(${PUBLIC} passes)

# An unassigned header.
set(extra ${WORK}/extra/etpu)
file(REMOVE_RECURSE ${WORK}/extra)
file(COPY ${PUBLIC}/ DESTINATION ${extra})
file(WRITE ${extra}/zz_new_thing.h "/* a header a merge brought in */\n")
check(${extra} fails "include/etpu/zz_new_thing\\.h: no layer" "src/layers\\.cmake"
      "ETPU_PUBLIC_HEADERS_<layer>")

# A stale row: the table names a header that is gone.
set(missing ${WORK}/missing/etpu)
file(REMOVE_RECURSE ${WORK}/missing)
file(COPY ${PUBLIC}/ DESTINATION ${missing})
file(REMOVE ${missing}/report.h)
check(${missing} fails "assigns report\\.h to layer report" "src/layers\\.cmake")
