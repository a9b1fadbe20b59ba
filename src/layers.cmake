# The layers of libetpu, low to high, and which layer each public header
# (include/etpu/*) belongs to. Pure data plus two functions: included by
# src/CMakeLists.txt to build the layers, and by tests/layers/probe.cmake to
# know what must and must not be visible where.
#
# A layer may use its own and lower layers' headers only. Layer L's sources
# see the public headers of the table rows of L and below (a folder of links
# made by etpu_layer_public_root), not all of include/etpu, so
# `#include "etpu/report.h"` in src/lib/edgetpu fails to build. The CLI,
# tests, examples and installed headers still see all of include/etpu.
set(ETPU_LAYERS util flatbuf tflite edgetpu toolchain report)

# ---- public header -> layer -----------------------------------------------
# A header belongs to the lowest layer that implements what it declares (or,
# for a header of types only, the lowest layer that needs it); it may include
# only headers of its own and lower rows. A new file in include/etpu must get
# a row here: the configure stops until it has one.
set(ETPU_PUBLIC_HEADERS_util      error.h text.h json.h fileio.h)
set(ETPU_PUBLIC_HEADERS_flatbuf   "")
set(ETPU_PUBLIC_HEADERS_tflite    builtin_ops.def ops.h model.h graph.h ir.h writer.h compiled.h
                                  inspect.h)
set(ETPU_PUBLIC_HEADERS_edgetpu   status.h check.h fix.h)
set(ETPU_PUBLIC_HEADERS_toolchain compiler_arch.h compiler_log.h log_explain.h compile_plan.h
                                  hash.h fetch.h apt.h archive.h cache.h sources.h install.h
                                  runner.h toolchain.h log_report.h compile.h
                                  compiler_status.h)
set(ETPU_PUBLIC_HEADERS_report    report.h)

# etpu_check_public_headers(dir): every file in dir has exactly one row in
# the table above, and every row names a file in dir; otherwise FATAL_ERROR.
function(etpu_check_public_headers dir)
  set(table "the public-header table in src/layers.cmake (ETPU_PUBLIC_HEADERS_<layer>)")
  set(assigned "")
  foreach(layer ${ETPU_LAYERS})
    foreach(header ${ETPU_PUBLIC_HEADERS_${layer}})
      # list(FIND), not IN_LIST: this file is also read by `cmake -P` scripts,
      # which run without the project's policy settings.
      list(FIND assigned ${header} seen)
      if(NOT seen EQUAL -1)
        message(FATAL_ERROR "include/etpu/${header} is assigned to two layers in ${table}; "
                            "keep only the row of the lowest layer that implements it")
      endif()
      if(NOT EXISTS ${dir}/${header})
        message(FATAL_ERROR "${table} assigns ${header} to layer ${layer}, "
                            "but include/etpu/${header} does not exist; remove or rename the row")
      endif()
      list(APPEND assigned ${header})
    endforeach()
  endforeach()
  file(GLOB present RELATIVE ${dir} ${dir}/*)
  list(SORT present)
  set(unassigned "")
  foreach(header ${present})
    list(FIND assigned ${header} seen)
    if(seen EQUAL -1)
      list(APPEND unassigned include/etpu/${header})
    endif()
  endforeach()
  if(unassigned)
    list(JOIN unassigned ", " unassigned)
    list(JOIN ETPU_LAYERS " -> " order)
    message(FATAL_ERROR "${unassigned}: no layer. Add each to ${table}, in the row of "
                        "the lowest layer that implements what it declares (layers, low to "
                        "high: ${order}); lower layers' sources cannot include it until then.")
  endif()
endfunction()

# etpu_layer_public_root(layer dir root_var): make <root>/etpu/ hold links to
# the public headers of layer and every layer below it, found in dir; the
# folder to put on layer's include path (as "<root>") is returned in root_var.
function(etpu_layer_public_root layer dir root_var)
  set(root ${CMAKE_CURRENT_BINARY_DIR}/layer_public/${layer})
  file(REMOVE_RECURSE ${root})
  file(MAKE_DIRECTORY ${root}/etpu)
  foreach(visible ${ETPU_LAYERS})
    foreach(header ${ETPU_PUBLIC_HEADERS_${visible}})
      file(CREATE_LINK ${dir}/${header} ${root}/etpu/${header} SYMBOLIC)
    endforeach()
    if(visible STREQUAL layer)
      break()
    endif()
  endforeach()
  set(${root_var} ${root} PARENT_SCOPE)
endfunction()
