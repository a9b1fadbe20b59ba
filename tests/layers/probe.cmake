# Proves that the build enforces the layers (src/CMakeLists.txt and the table
# in src/layers.cmake). Each probe is a one-line C file compiled with the
# include directories of the real layer target (etpu_<layer>, written at
# generate time by tests/layers.cmake), so a target that regains a wider
# include path (say all of include/) fails here. For every pair of layers
# L (the includer) and M:
#   - an internal header of M ("<M>/x.h") builds in L if M is L or below,
#     and is "not found" in L if M is above;
#   - a public header of M ("etpu/x.h", M's row of the table) likewise.
# And every public header builds on its own with its own layer's flags, so a
# header that includes one of a higher layer (a wrong table row) is caught
# even if no source of that layer includes it yet.
# Run by the `layers` test:
#   cmake -DCC=... -DTABLE=<src>/src/layers.cmake -DFLAGS=<dir of <layer>.includes>
#         -DWORK=<dir> -P probe.cmake
include(${TABLE})
# One internal header per layer, included the way the library includes it.
set(internal_util util/strbuf.h)
set(internal_flatbuf flatbuf/flatbuf.h)
set(internal_tflite tflite/model_private.h)
set(internal_edgetpu edgetpu/passes.h)
set(internal_toolchain toolchain/lazy.h)
set(internal_report report/layout.h)

file(MAKE_DIRECTORY ${WORK})
set(probes 0)
# probe(layer header expect): expect is "builds" or "not-found".
function(probe layer header expect)
  string(MAKE_C_IDENTIFIER "${layer}_${header}" id)
  set(src ${WORK}/${id}.c)
  file(WRITE ${src} "#include \"${header}\"\nint layers_probe(void);\nint layers_probe(void) { return 0; }\n")
  execute_process(COMMAND ${CC} -std=c17 -D_DEFAULT_SOURCE -fsyntax-only ${flags_${layer}} ${src}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  math(EXPR n "${probes} + 1")
  set(probes ${n} PARENT_SCOPE)
  if(expect STREQUAL "builds")
    if(NOT rc EQUAL 0)
      message(SEND_ERROR "layer ${layer}: #include \"${header}\" should build but fails:\n${err}")
    else()
      message(STATUS "ok: ${layer} can include ${header}")
    endif()
  else()
    # It must fail because this very header is not on the path, not because
    # of something it includes or another error.
    string(REPLACE "." "\\." header_re "${header}")
    if(rc EQUAL 0)
      message(SEND_ERROR "layer ${layer}: upward #include \"${header}\" builds; the layer is not enforced")
    elseif(NOT err MATCHES "${header_re}'?:? (No such file|file not found)")
      message(SEND_ERROR "layer ${layer}: #include \"${header}\" fails, but not as not-found:\n${err}")
    else()
      message(STATUS "ok: ${layer} cannot include ${header}")
    endif()
  endif()
endfunction()

# The real include directories of each layer target, as -I flags.
foreach(layer ${ETPU_LAYERS})
  if(NOT EXISTS ${FLAGS}/${layer}.includes)
    message(FATAL_ERROR "${FLAGS}/${layer}.includes missing: is etpu_${layer} a target?")
  endif()
  file(READ ${FLAGS}/${layer}.includes dirs)
  string(STRIP "${dirs}" dirs)
  set(flags_${layer} "")
  foreach(dir ${dirs})
    list(APPEND flags_${layer} -I${dir})
  endforeach()
endforeach()

list(LENGTH ETPU_LAYERS count)
math(EXPR last "${count} - 1")
foreach(i RANGE ${last})
  list(GET ETPU_LAYERS ${i} layer)
  foreach(j RANGE ${last})
    list(GET ETPU_LAYERS ${j} other)
    if(j GREATER i)
      set(expect not-found)
    else()
      set(expect builds)
    endif()
    probe(${layer} ${internal_${other}} ${expect})
    # The first public header of the other layer's row (flatbuf has none).
    list(LENGTH ETPU_PUBLIC_HEADERS_${other} public_count)
    if(public_count GREATER 0)
      set(public_headers ${ETPU_PUBLIC_HEADERS_${other}})
      list(FILTER public_headers INCLUDE REGEX "\\.h$")
      list(GET public_headers 0 public_header)
      if(j EQUAL i)
        # Every header of its own row builds alone (done below), not only the first.
      else()
        probe(${layer} etpu/${public_header} ${expect})
      endif()
    endif()
  endforeach()
  foreach(header ${ETPU_PUBLIC_HEADERS_${layer}})
    if(header MATCHES "\\.h$") # .def files are X-macro rows, included by a header
      probe(${layer} etpu/${header} builds)
    endif()
  endforeach()
endforeach()
message(STATUS "${probes} probes")
