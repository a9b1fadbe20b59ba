# Proves that the build enforces the layers (src/CMakeLists.txt): for each
# layer, a file compiled with that layer's include flags
#   - can include a header of its own layer and of the layer below, and
#   - cannot include a header of the layer above ("file not found").
# Run by the `layers` test: cmake -DCC=... -DROOTS=<build>/src/layer_include
#   -DPUBLIC=<src>/include -DWORK=<dir> -P probe.cmake
set(layers util flatbuf tflite edgetpu toolchain report)
# One internal header per layer, included the way the library includes it.
set(header_util util/strbuf.h)
set(header_flatbuf flatbuf/flatbuf.h)
set(header_tflite tflite/model_private.h)
set(header_edgetpu edgetpu/passes.h)
set(header_toolchain toolchain/lazy.h)
set(header_report report/layout.h)

file(MAKE_DIRECTORY ${WORK})
set(failures 0)
# probe(layer header expect): expect is "builds" or "not-found".
function(probe layer header expect)
  string(MAKE_C_IDENTIFIER "${layer}_${header}" id)
  set(src ${WORK}/${id}.c)
  file(WRITE ${src} "#include \"${header}\"\nint layers_probe(void);\nint layers_probe(void) { return 0; }\n")
  execute_process(COMMAND ${CC} -std=c17 -D_DEFAULT_SOURCE -fsyntax-only
                          -I${PUBLIC} -I${ROOTS}/${layer} ${src}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(expect STREQUAL "builds")
    if(NOT rc EQUAL 0)
      message(SEND_ERROR "layer ${layer}: #include \"${header}\" should build but fails:\n${err}")
    else()
      message(STATUS "ok: ${layer} can include ${header}")
    endif()
  else()
    # It must fail because the header is not on the path, not for another reason.
    if(rc EQUAL 0)
      message(SEND_ERROR "layer ${layer}: upward #include \"${header}\" builds; the layer is not enforced")
    elseif(NOT err MATCHES "No such file|not found")
      message(SEND_ERROR "layer ${layer}: #include \"${header}\" fails, but not as not-found:\n${err}")
    else()
      message(STATUS "ok: ${layer} cannot include ${header}")
    endif()
  endif()
endfunction()

list(LENGTH layers count)
math(EXPR last "${count} - 1")
foreach(i RANGE ${last})
  list(GET layers ${i} layer)
  probe(${layer} ${header_${layer}} builds)
  if(i GREATER 0)
    math(EXPR below "${i} - 1")
    list(GET layers ${below} lower)
    probe(${layer} ${header_${lower}} builds)
  endif()
  if(i LESS last)
    math(EXPR above "${i} + 1")
    list(GET layers ${above} upper)
    probe(${layer} ${header_${upper}} not-found)
    # and the top layer from every layer below it
    if(NOT upper STREQUAL "report")
      probe(${layer} ${header_report} not-found)
    endif()
  endif()
endforeach()
