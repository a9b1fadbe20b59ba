# layers: an upward #include fails to build, a same-layer or downward one
# builds, with each layer's real include flags (tests/layers/probe.cmake).
add_test(NAME layers
  COMMAND ${CMAKE_COMMAND} -DCC=${CMAKE_C_COMPILER} -DROOTS=${CMAKE_BINARY_DIR}/src/layer_include
          -DPUBLIC=${PROJECT_SOURCE_DIR}/include -DWORK=${CMAKE_CURRENT_BINARY_DIR}/layers_probe
          -P ${CMAKE_CURRENT_SOURCE_DIR}/layers/probe.cmake)
