# layers: an upward #include, internal ("<layer>/x.h") or public
# ("etpu/x.h"), fails to build; a same-layer or downward one builds; with each
# layer target's real include directories (tests/layers/probe.cmake).
set(layers_work ${CMAKE_CURRENT_BINARY_DIR}/layers_probe)
foreach(layer ${ETPU_LAYERS})
  file(GENERATE OUTPUT ${layers_work}/${layer}.includes
       CONTENT "$<TARGET_PROPERTY:etpu_${layer},INCLUDE_DIRECTORIES>\n")
endforeach()
add_test(NAME layers
  COMMAND ${CMAKE_COMMAND} -DCC=${CMAKE_C_COMPILER} -DTABLE=${PROJECT_SOURCE_DIR}/src/layers.cmake
          -DFLAGS=${layers_work} -DWORK=${layers_work}
          -P ${CMAKE_CURRENT_SOURCE_DIR}/layers/probe.cmake)
# layers_table: a public header without a row in the table of
# src/layers.cmake, or a row without a header, stops the configure.
add_test(NAME layers_table
  COMMAND ${CMAKE_COMMAND} -DTABLE=${PROJECT_SOURCE_DIR}/src/layers.cmake
          -DPUBLIC=${PROJECT_SOURCE_DIR}/include/etpu -DWORK=${CMAKE_CURRENT_BINARY_DIR}/layers_table
          -P ${CMAKE_CURRENT_SOURCE_DIR}/layers/table.cmake)
