/*
 * check_rules.h — constraint flags used by op_rules.def, and the numbers the
 * prediction relies on. Internal to src/lib/edgetpu.
 */
#ifndef ETPU_CHECK_RULES_H
#define ETPU_CHECK_RULES_H

enum {
    ETPU_RULE_NO_FUSED_ACT = 1u << 0,    /* fused_activation_function must be NONE */
    ETPU_RULE_EQUAL_DILATION = 1u << 1,  /* dilation_w_factor == dilation_h_factor */
    ETPU_RULE_CONST_WEIGHTS = 1u << 2,   /* filter (input 1) and bias (input 2) constant */
    ETPU_RULE_FC_DEFAULT_WEIGHTS = 1u << 3, /* weights_format DEFAULT */
    ETPU_RULE_UNIT_STRIDES = 1u << 4,    /* STRIDED_SLICE strides all 1, no ellipsis/new axis */
    ETPU_RULE_NOT_BATCH_AXIS = 1u << 5,  /* no reduction/packing/padding along the batch */
    ETPU_RULE_SOFTMAX_SIZE = 1u << 6,    /* at most 16,000 elements along the softmax axis */
    ETPU_RULE_CONCAT_CONST = 1u << 7,    /* constant input: exactly 2 inputs, all zeros */
    ETPU_RULE_BOUNDARY_CAST = 1u << 8,   /* QUANTIZE/DEQUANTIZE: float side stays on CPU */
};

/* coral.ai supported-operations table: Softmax "at most 16,000 elements". */
#define ETPU_SOFTMAX_MAX_ELEMENTS 16000

/* The Edge TPU sees a tensor's 3 innermost dimensions as [y][x][z]. Real
 * compiler 16 logs bound the size of one y-row (x * z elements): YOLOv5 heads
 * with [1, N, 85] tensors map at N = 1575 (x*z = 133,875; jveitchmichaelis
 * yolov5n 160 px, all 262 ops) and get "unspecified limitation" at N = 2352
 * and 3087 (199,920+; yolov5s 224 px, export.md) and N = 4800, 19200, 25200
 * (yolov5n 640 px), while [1, 19125, 4] (76,500) maps (ShawnHymel detector)
 * and so does [1, 3852, 9] (retina net). The limit lies in
 * (133,875, 199,920); 192 Ki elements is our estimate, not a published number. */
#define ETPU_MAX_ROW_ELEMENTS (192 * 1024)

/* coral.ai: "some reshapes of large tensors may not map". In the same
 * yolov5n 640 px log a RESHAPE of 408,000 elements maps and one of
 * 1,632,000 does not; 2^20 is the power of two in between (estimate). */
#define ETPU_RESHAPE_MAX_ELEMENTS (1 << 20)

/* Parameter cache on the chip. Real compiler 16 logs print "used" +
 * "remaining" for caching model parameters; 2.0 logs printed "On-chip memory
 * available for caching model parameters: 7.62MiB" (FACTS.md §1.3). */
#define ETPU_ON_CHIP_PARAM_BYTES ((uint64_t)(7.62 * 1024 * 1024))

#endif
