/*
 * check_rules.h — constraint flags used by op_support.def, and the numbers
 * the prediction relies on, each with its source. Internal to
 * src/lib/edgetpu.
 */
#ifndef ETPU_CHECK_RULES_H
#define ETPU_CHECK_RULES_H

#include <stdint.h>

/* Which op-specific rules of rules.def apply to an op (op_support.def). */
enum {
    ETPU_CONSTRAINT_NO_FUSED_ACT = 1u << 0,      /* fused_activation (fused_activation_function NONE) */
    ETPU_CONSTRAINT_EQUAL_DILATION = 1u << 1,    /* dilation_unequal */
    ETPU_CONSTRAINT_CONST_WEIGHTS = 1u << 2,     /* param_not_constant (param_inputs.def) */
    ETPU_CONSTRAINT_FC_WEIGHTS_FORMAT = 1u << 3, /* fc_weights_format */
    ETPU_CONSTRAINT_UNIT_STRIDES = 1u << 4,      /* strides, slice_masks */
    ETPU_CONSTRAINT_NOT_BATCH_AXIS = 1u << 5,    /* batch_axis */
    ETPU_CONSTRAINT_SOFTMAX_SIZE = 1u << 6,      /* softmax_size */
    ETPU_CONSTRAINT_CONCAT_CONST = 1u << 7,      /* concat_constant */
    ETPU_CONSTRAINT_FLOAT_BOUNDARY = 1u << 8,    /* QUANTIZE/DEQUANTIZE on float data */
    ETPU_CONSTRAINT_RESHAPE_SIZE = 1u << 9,      /* reshape_size */
    ETPU_CONSTRAINT_TRANSPOSE_SIZE = 1u << 10,   /* transpose_size */
    ETPU_CONSTRAINT_RESIZE_VERSION = 1u << 11,   /* resize_v3 */
    ETPU_CONSTRAINT_LSTM_STATE = 1u << 12,       /* lstm_state: variable state may be int16 */
    ETPU_CONSTRAINT_SPLIT_AXIS = 1u << 13,       /* split_axis_0 */
    ETPU_CONSTRAINT_RUNTIME_OPERAND = 1u << 14,  /* fc_runtime_operand: input 1 may be computed */
};

/* coral.ai supported-operations table: Softmax "at most 16,000 elements". */
#define ETPU_SOFTMAX_MAX_ELEMENTS 16000

/* Rule row_size (estimated; rules.def has the evidence). The Edge TPU sees a
 * tensor's 3 innermost dimensions as [y][x][z]; real compiler 16 logs bound
 * one y-row (x * z elements). Largest rows seen mapped: [1, 84, 2100] =
 * 176,400 (a yolov8n 320 px log, MRezqalla/GoalBuddy: the op is "More than one
 * subgraph", so its own checks passed), [1, 2100, 64] = 134,400 (yolov9-s 320
 * px notebook in the corpus), [1, 1575, 85] = 133,875 (yolov5n 160 px).
 * Smallest refused: [1, 2352, 85] = 199,920 (yolov5s 224 px, export.md), then
 * [1, 144, 1600] = 230,400 and larger (yolov8n 320/640 px, yolov5n 640 px).
 * The limit lies in (176,400, 199,920); 192 Ki is our estimate inside that
 * bracket, not a published number. */
#define ETPU_MAX_ROW_ELEMENTS (192 * 1024)

/* Rule transpose_size (estimated): a TRANSPOSE moves its whole tensor and is
 * refused well below the row limit. Mapped: [1, 20, 20, 144] = 57,600
 * (yolov8n 640 px, three independent compiles) and the [1, 24, 24, 144] =
 * 82,944 of yolov8n 192 px (log: all 6 TRANSPOSEs mapped; shape from the
 * architecture), 69,696 (another repository's YOLOv8). Refused: 104,000,
 * 108,800, 112,000 and 112,896 elements (YOLOv8 exports of four repositories
 * outside the corpus, compiled models), [1, 4, 16, 2100] = 134,400 (yolov8n
 * 320 px, MRezqalla/GoalBuddy), [1, 40, 40, 144] = 230,400 and larger. The
 * limit lies in (82,944, 104,000]; 96 Ki is our estimate. */
#define ETPU_MAX_TRANSPOSE_ELEMENTS (96 * 1024)

/* Rule reshape_size (estimated from one model; coral.ai says qualitatively
 * "some reshapes of large tensors may not map"). In the yolov5n 640 px log a
 * RESHAPE of 408,000 elements maps and one of 1,632,000 does not; 2^20 is
 * the power of two in between. */
#define ETPU_RESHAPE_MAX_ELEMENTS (1 << 20)

/* Builtin codes compiler 16's TFLite knows: it accepted BROADCAST_TO = 130
 * (google-coral/pycoral #40) and rejected 151 (google-coral/edgetpu #862). */
#define ETPU_BUILTIN_KNOWN_MAX 130
#define ETPU_BUILTIN_REJECTED_MIN 151

/* Parameter cache on the chip. Real compiler 16 logs print "used" +
 * "remaining" for caching model parameters; 2.0 logs printed "On-chip memory
 * available for caching model parameters: 7.62MiB" (FACTS.md §1.3). */
#define ETPU_ON_CHIP_PARAM_BYTES ((uint64_t)(7.62 * 1024 * 1024))

#endif
