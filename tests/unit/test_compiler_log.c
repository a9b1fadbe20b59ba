/*
 * test_compiler_log.c — the compiler log parser against every log in the
 * real corpus (exact expected values), synthetic failure outputs quoted in
 * FACTS.md §1.5, and hostile input.
 *
 * The corpus is read from $ETPU_CORPUS (or argv[1]); its files are never
 * copied into the repository. Without it the corpus tests are skipped.
 *
 * Expected values for the corpus were derived once from the logs with an
 * independent throwaway script and checked against the MANIFEST.tsv
 * "table rows sum mapped=X, not-mapped=Y" numbers; sizes are the printed
 * value times 1024^n rounded half up (e.g. 2.98MiB -> 3124756).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "etpu/compiler_log.h"
#include "etpu/status.h"

/* Every check goes through these so the run can report how many it made. */
static unsigned long checks;
#define CHECK_INT(a, b) (checks++, assert_int_equal((a), (b)))
#define CHECK_STR(a, b) (checks++, assert_string_equal((a), (b)))
#define CHECK_TRUE(a) (checks++, assert_true(a))
#define CHECK_NULL(a) (checks++, assert_null(a))
#define CHECK_NONNULL(a) (checks++, assert_non_null(a))

static const char *corpus_dir;

/* ------------------------------------------------------------------------ */
/* Corpus expectations                                                       */

typedef struct expected_row {
    const char *op;
    uint64_t count;
    etpu_op_status status;
} expected_row;

/* -1 = the log does not print this value. */
typedef struct expected_model {
    const char *version;
    unsigned major;
    const char *input_path, *output_path;
    const expected_row *rows;
    size_t row_count;
    uint64_t table_mapped, table_cpu;
    etpu_ops_source ops_source;
    uint64_t ops_on_tpu, ops_on_cpu;
    int64_t subgraphs, total_ops, compile_ms;
    int64_t input_size, output_size, on_chip_used, on_chip_remaining, off_chip_used;
    size_t attempts, failed_attempts;
    etpu_compiler_outcome outcome;
} expected_model;

typedef struct expected_log {
    const char *file; /* relative to the corpus directory */
    size_t model_count;
    const expected_model *models;
} expected_log;

static const expected_row rows_0_0[] = {
    {"QUANTIZE", 1, ETPU_OP_STATUS_UNSPECIFIED_LIMITATION},
    {"DEQUANTIZE", 1, ETPU_OP_STATUS_UNSUPPORTED_DATA_TYPE},
    {"RESHAPE", 1, ETPU_OP_STATUS_MAPPED},
    {"SOFTMAX", 1, ETPU_OP_STATUS_MAPPED},
    {"FULLY_CONNECTED", 2, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_0[] = {
    {.version = "2.1.302470888",
     .major = 2,
     .input_path = "mnist_quant.tflite",
     .output_path = "mnist_quant_edgetpu.tflite",
     .rows = rows_0_0,
     .row_count = 5,
     .table_mapped = 4,
     .table_cpu = 2,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 4,
     .ops_on_cpu = 2,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_SOME_ON_CPU},
};
static const expected_row rows_1_0[] = {
    {"QUANTIZE", 2, ETPU_OP_STATUS_MAPPED},
    {"MEAN", 1, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 36, ETPU_OP_STATUS_MAPPED},
    {"SOFTMAX", 1, ETPU_OP_STATUS_MAPPED},
    {"ADD", 10, ETPU_OP_STATUS_MAPPED},
    {"PAD", 4, ETPU_OP_STATUS_MAPPED},
    {"FULLY_CONNECTED", 1, ETPU_OP_STATUS_MAPPED},
    {"DEPTHWISE_CONV_2D", 17, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_1[] = {
    {.version = "16.0.384591198",
     .major = 16,
     .input_path = "mobilenet_v2_1.0_224_quant.tflite",
     .output_path = "mobilenet_v2_1.0_224_quant_edgetpu.tflite",
     .rows = rows_1_0,
     .row_count = 8,
     .table_mapped = 72,
     .table_cpu = 0,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 72,
     .ops_on_cpu = 0,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_ALL_MAPPED},
};
static const expected_row rows_2_0[] = {
    {"RESHAPE", 10, ETPU_OP_STATUS_MAPPED},
    {"MAX_POOL_2D", 22, ETPU_OP_STATUS_MAPPED},
    {"CONCATENATION", 2, ETPU_OP_STATUS_MAPPED},
    {"DEPTHWISE_CONV_2D", 101, ETPU_OP_STATUS_MAPPED},
    {"DEQUANTIZE", 2, ETPU_OP_STATUS_UNSUPPORTED_DATA_TYPE},
    {"RESIZE_NEAREST_NEIGHBOR", 20, ETPU_OP_STATUS_MAPPED},
    {"QUANTIZE", 1, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 128, ETPU_OP_STATUS_MAPPED},
    {"LOGISTIC", 1, ETPU_OP_STATUS_MAPPED},
    {"ADD", 69, ETPU_OP_STATUS_MAPPED},
    {"CUSTOM", 1, ETPU_OP_STATUS_UNSUPPORTED_DATA_TYPE},
};
static const expected_model models_2[] = {
    {.version = "16.0.384591198",
     .major = 16,
     .input_path = "mydata4_lite2.tflite",
     .output_path = "mydata4_lite2_edgetpu.tflite",
     .rows = rows_2_0,
     .row_count = 11,
     .table_mapped = 354,
     .table_cpu = 3,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 354,
     .ops_on_cpu = 3,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_SOME_ON_CPU},
};
static const expected_row rows_3_0[] = {
    {"ADD", 17, ETPU_OP_STATUS_MAPPED},
    {"MAX_POOL_2D", 1, ETPU_OP_STATUS_MAPPED},
    {"PAD", 2, ETPU_OP_STATUS_MAPPED},
    {"MUL", 1, ETPU_OP_STATUS_MAPPED},
    {"QUANTIZE", 1, ETPU_OP_STATUS_UNSPECIFIED_LIMITATION},
    {"CONV_2D", 53, ETPU_OP_STATUS_MAPPED},
    {"DEQUANTIZE", 1, ETPU_OP_STATUS_UNSUPPORTED_DATA_TYPE},
    {"FULLY_CONNECTED", 1, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_3[] = {
    {.version = "2.1.302470888",
     .major = 2,
     .input_path = "model.tflite",
     .output_path = "model_edgetpu.tflite",
     .rows = rows_3_0,
     .row_count = 8,
     .table_mapped = 75,
     .table_cpu = 2,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 75,
     .ops_on_cpu = 2,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_SOME_ON_CPU},
};
static const expected_row rows_4_0[] = {
    {"RESIZE_NEAREST_NEIGHBOR", 1, ETPU_OP_STATUS_MAPPED},
    {"MAX_POOL_2D", 6, ETPU_OP_STATUS_MAPPED},
    {"CONCATENATION", 1, ETPU_OP_STATUS_MAPPED},
    {"QUANTIZE", 4, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 13, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_4[] = {
    {.version = "2.0.267685300",
     .major = 2,
     .input_path = "quant_coco-tiny-v3-relu.tflite",
     .output_path = "quant_coco-tiny-v3-relu_edgetpu.tflite",
     .rows = rows_4_0,
     .row_count = 5,
     .table_mapped = 25,
     .table_cpu = 0,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 25,
     .ops_on_cpu = 0,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_ALL_MAPPED},
};
static const expected_model models_5[] = {
    {.version = "16.0.384591198",
     .major = 16,
     .input_path = "lane_navigation/model/lane_navigation_w_pretrain_final.tflite",
     .output_path = "co_compiled_model/lane_navigation_w_pretrain_final_edgetpu.tflite",
     .rows = NULL,
     .row_count = 0,
     .table_mapped = 0,
     .table_cpu = 0,
     .ops_source = ETPU_OPS_IMPLIED,
     .ops_on_tpu = 12,
     .ops_on_cpu = 0,
     .subgraphs = 1,
     .total_ops = 12,
     .compile_ms = 1717,
     .input_size = 264755,
     .output_size = 389755,
     .on_chip_used = 329984,
     .on_chip_remaining = 3124756,
     .off_chip_used = 0,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_ALL_MAPPED},
    {.version = "16.0.384591198",
     .major = 16,
     .input_path = "objects_on_road_processor/model/efficientdet-lite.tflite",
     .output_path = "co_compiled_model/efficientdet-lite_edgetpu.tflite",
     .rows = NULL,
     .row_count = 0,
     .table_mapped = 0,
     .table_cpu = 0,
     .ops_source = ETPU_OPS_CONSOLE,
     .ops_on_tpu = 264,
     .ops_on_cpu = 3,
     .subgraphs = 1,
     .total_ops = 267,
     .compile_ms = 1717,
     .input_size = 4456448,
     .output_size = 5840568,
     .on_chip_used = 4414505,
     .on_chip_remaining = 3124756,
     .off_chip_used = 0,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_SOME_ON_CPU},
};
static const expected_row rows_6_0[] = {
    {"CONV_2D", 1, ETPU_OP_STATUS_MAPPED},
    {"ADD", 500, ETPU_OP_STATUS_MAPPED},
    {"PAD", 1, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_6[] = {
    {.version = "1.0.249710469",
     .major = 1,
     .input_path = "model_mat_Add.tflite",
     .output_path = "model_mat_Add_edgetpu.tflite",
     .rows = rows_6_0,
     .row_count = 3,
     .table_mapped = 502,
     .table_cpu = 0,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 502,
     .ops_on_cpu = 0,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_ALL_MAPPED},
};
static const expected_row rows_7_0[] = {
    {"PAD", 1, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 11, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_7[] = {
    {.version = "1.0.249710469",
     .major = 1,
     .input_path = "./model_conv_128x128x3x32x7x10.tflite",
     .output_path = "model_conv_128x128x3x32x7x10_edgetpu.tflite",
     .rows = rows_7_0,
     .row_count = 2,
     .table_mapped = 12,
     .table_cpu = 0,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 12,
     .ops_on_cpu = 0,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_ALL_MAPPED},
};
static const expected_row rows_8_0[] = {
    {"FULLY_CONNECTED", 101, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_8[] = {
    {.version = "1.0.249710469",
     .major = 1,
     .input_path = "./model_dense_2x2x3x100x100.tflite",
     .output_path = "model_dense_2x2x3x100x100_edgetpu.tflite",
     .rows = rows_8_0,
     .row_count = 1,
     .table_mapped = 101,
     .table_cpu = 0,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 101,
     .ops_on_cpu = 0,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_ALL_MAPPED},
};
static const expected_row rows_9_0[] = {
    {"PAD", 1, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_9[] = {
    {.version = "1.0.249710469",
     .major = 1,
     .input_path = "./model_padding_2x2x3.tflite",
     .output_path = "model_padding_2x2x3_edgetpu.tflite",
     .rows = rows_9_0,
     .row_count = 1,
     .table_mapped = 1,
     .table_cpu = 0,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 1,
     .ops_on_cpu = 0,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_ALL_MAPPED},
};
static const expected_row rows_10_0[] = {
    {"PAD", 1, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 1, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_10[] = {
    {.version = "1.0.249710469",
     .major = 1,
     .input_path = "./model_padding_stride_128x64x3.tflite",
     .output_path = "model_padding_stride_128x64x3_edgetpu.tflite",
     .rows = rows_10_0,
     .row_count = 2,
     .table_mapped = 2,
     .table_cpu = 0,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 2,
     .ops_on_cpu = 0,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_ALL_MAPPED},
};
static const expected_row rows_11_0[] = {
    {"CUSTOM", 1, ETPU_OP_STATUS_UNSUPPORTED_DATA_TYPE},
    {"CONCATENATION", 2, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 34, ETPU_OP_STATUS_MAPPED},
    {"DEPTHWISE_CONV_2D", 13, ETPU_OP_STATUS_MAPPED},
    {"RESHAPE", 13, ETPU_OP_STATUS_MAPPED},
    {"LOGISTIC", 1, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_11[] = {
    {.version = "1.0.249710469",
     .major = 1,
     .input_path = "./coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite",
     .output_path = "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29_edgetpu.tflite",
     .rows = rows_11_0,
     .row_count = 6,
     .table_mapped = 63,
     .table_cpu = 1,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 63,
     .ops_on_cpu = 1,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_SOME_ON_CPU},
};
static const expected_row rows_12_0[] = {
    {"CONV_2D", 1, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_12[] = {
    {.version = "1.0.249710469",
     .major = 1,
     .input_path = "./model_stride_64x64x3.tflite",
     .output_path = "model_stride_64x64x3_edgetpu.tflite",
     .rows = rows_12_0,
     .row_count = 1,
     .table_mapped = 1,
     .table_cpu = 0,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 1,
     .ops_on_cpu = 0,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_ALL_MAPPED},
};
static const expected_row rows_13_0[] = {
    {"PAD", 1, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 301, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_13[] = {
    {.version = "1.0.249710469",
     .major = 1,
     .input_path = "./model_conv_128x128x3x32x7x300.tflite",
     .output_path = "model_conv_128x128x3x32x7x300_edgetpu.tflite",
     .rows = rows_13_0,
     .row_count = 2,
     .table_mapped = 302,
     .table_cpu = 0,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 302,
     .ops_on_cpu = 0,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_ALL_MAPPED},
};
static const expected_row rows_14_0[] = {
    {"DEPTHWISE_CONV_2D", 13, ETPU_OP_STATUS_MAPPED},
    {"RESHAPE", 1, ETPU_OP_STATUS_MAPPED},
    {"SOFTMAX", 1, ETPU_OP_STATUS_MAPPED},
    {"AVERAGE_POOL_2D", 1, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 15, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_14[] = {
    {.version = "1.0.249710469",
     .major = 1,
     .input_path = "./mobilenet_v1_1.0_224_quant.tflite",
     .output_path = "mobilenet_v1_1.0_224_quant_edgetpu.tflite",
     .rows = rows_14_0,
     .row_count = 5,
     .table_mapped = 31,
     .table_cpu = 0,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 31,
     .ops_on_cpu = 0,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_ALL_MAPPED},
};
static const expected_row rows_15_0[] = {
    {"RESIZE_NEAREST_NEIGHBOR", 2, ETPU_OP_STATUS_MAPPED},
    {"STRIDED_SLICE", 9, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 60, ETPU_OP_STATUS_MAPPED},
    {"QUANTIZE", 7, ETPU_OP_STATUS_MAPPED},
    {"MUL", 75, ETPU_OP_STATUS_MAPPED},
    {"MAX_POOL_2D", 3, ETPU_OP_STATUS_MAPPED},
    {"ADD", 10, ETPU_OP_STATUS_MAPPED},
    {"RESHAPE", 6, ETPU_OP_STATUS_MAPPED},
    {"PAD", 7, ETPU_OP_STATUS_MAPPED},
    {"CONCATENATION", 17, ETPU_OP_STATUS_MAPPED},
    {"LOGISTIC", 66, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_15[] = {
    {.version = "16.0.384591198",
     .major = 16,
     .input_path = "yolov5n-int8.tflite",
     .output_path = "yolov5n-int8_edgetpu.tflite",
     .rows = rows_15_0,
     .row_count = 11,
     .table_mapped = 262,
     .table_cpu = 0,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 262,
     .ops_on_cpu = 0,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_ALL_MAPPED},
};
static const expected_row rows_16_0[] = {
    {"RESIZE_NEAREST_NEIGHBOR", 2, ETPU_OP_STATUS_MAPPED},
    {"LOGISTIC", 58, ETPU_OP_STATUS_MAPPED},
    {"PAD", 7, ETPU_OP_STATUS_MAPPED},
    {"TRANSPOSE", 6, ETPU_OP_STATUS_MAPPED},
    {"ADD", 8, ETPU_OP_STATUS_MAPPED},
    {"SOFTMAX", 1, ETPU_OP_STATUS_MAPPED},
    {"STRIDED_SLICE", 20, ETPU_OP_STATUS_MAPPED},
    {"QUANTIZE", 2, ETPU_OP_STATUS_MAPPED},
    {"SUB", 2, ETPU_OP_STATUS_MAPPED},
    {"CONCATENATION", 18, ETPU_OP_STATUS_MAPPED},
    {"RESHAPE", 6, ETPU_OP_STATUS_MAPPED},
    {"MAX_POOL_2D", 3, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 64, ETPU_OP_STATUS_MAPPED},
    {"MUL", 59, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_16[] = {
    {.version = "16.0.384591198",
     .major = 16,
     .input_path = "yolov8n_saved_model/yolov8n_full_integer_quant.tflite",
     .output_path = "yolov8n_full_integer_quant_edgetpu.tflite",
     .rows = rows_16_0,
     .row_count = 14,
     .table_mapped = 256,
     .table_cpu = 0,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 256,
     .ops_on_cpu = 0,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_ALL_MAPPED},
};
static const expected_row rows_17_0[] = {
    {"RESIZE_NEAREST_NEIGHBOR", 2, ETPU_OP_STATUS_MAPPED},
    {"CONCATENATION", 1, ETPU_OP_STATUS_UNSPECIFIED_LIMITATION},
    {"CONCATENATION", 17, ETPU_OP_STATUS_MAPPED},
    {"STRIDED_SLICE", 13, ETPU_OP_STATUS_MAPPED},
    {"TRANSPOSE", 1, ETPU_OP_STATUS_UNSPECIFIED_LIMITATION},
    {"TRANSPOSE", 2, ETPU_OP_STATUS_MAPPED},
    {"MAX_POOL_2D", 3, ETPU_OP_STATUS_MAPPED},
    {"LOGISTIC", 62, ETPU_OP_STATUS_MAPPED},
    {"QUANTIZE", 2, ETPU_OP_STATUS_UNSPECIFIED_LIMITATION},
    {"QUANTIZE", 24, ETPU_OP_STATUS_MAPPED},
    {"SUB", 3, ETPU_OP_STATUS_MAPPED},
    {"PAD", 6, ETPU_OP_STATUS_MAPPED},
    {"RESHAPE", 1, ETPU_OP_STATUS_UNSPECIFIED_LIMITATION},
    {"RESHAPE", 5, ETPU_OP_STATUS_MAPPED},
    {"ADD", 10, ETPU_OP_STATUS_MAPPED},
    {"MUL", 80, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 62, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_17[] = {
    {.version = "16.0.384591198",
     .major = 16,
     .input_path = "yolov5s-int8-224.tflite",
     .output_path = "yolov5s-int8-224_edgetpu.tflite",
     .rows = rows_17_0,
     .row_count = 17,
     .table_mapped = 289,
     .table_cpu = 5,
     .ops_source = ETPU_OPS_CONSOLE,
     .ops_on_tpu = 289,
     .ops_on_cpu = 5,
     .subgraphs = 2,
     .total_ops = 294,
     .compile_ms = 3173,
     .input_size = 7728005,
     .output_size = 8745124,
     .on_chip_used = 6375342,
     .on_chip_remaining = 0,
     .off_chip_used = 1782579,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_SOME_ON_CPU},
};
static const expected_row rows_18_0[] = {
    {"SOFTMAX", 1, ETPU_OP_STATUS_MAPPED},
    {"ADD", 8, ETPU_OP_STATUS_MAPPED},
    {"PAD", 7, ETPU_OP_STATUS_MAPPED},
    {"RESHAPE", 6, ETPU_OP_STATUS_MAPPED},
    {"RESIZE_NEAREST_NEIGHBOR", 2, ETPU_OP_STATUS_MAPPED},
    {"MUL", 59, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 64, ETPU_OP_STATUS_MAPPED},
    {"STRIDED_SLICE", 20, ETPU_OP_STATUS_MAPPED},
    {"MAX_POOL_2D", 3, ETPU_OP_STATUS_MAPPED},
    {"CONCATENATION", 18, ETPU_OP_STATUS_MAPPED},
    {"SUB", 2, ETPU_OP_STATUS_MAPPED},
    {"TRANSPOSE", 6, ETPU_OP_STATUS_MAPPED},
    {"LOGISTIC", 58, ETPU_OP_STATUS_MAPPED},
    {"QUANTIZE", 3, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_18[] = {
    {.version = "16.0.384591198",
     .major = 16,
     .input_path = "yolov8n_saved_model/yolov8n_full_integer_quant.tflite",
     .output_path = "yolov8n_saved_model/yolov8n_full_integer_quant_edgetpu.tflite",
     .rows = rows_18_0,
     .row_count = 14,
     .table_mapped = 257,
     .table_cpu = 0,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 257,
     .ops_on_cpu = 0,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_ALL_MAPPED},
};
static const expected_row rows_19_0[] = {
    {"SOFTMAX", 1, ETPU_OP_STATUS_MAPPED},
    {"ADD", 8, ETPU_OP_STATUS_MAPPED},
    {"TRANSPOSE", 6, ETPU_OP_STATUS_MAPPED},
    {"PAD", 7, ETPU_OP_STATUS_MAPPED},
    {"LOGISTIC", 58, ETPU_OP_STATUS_MAPPED},
    {"RESIZE_NEAREST_NEIGHBOR", 2, ETPU_OP_STATUS_MAPPED},
    {"MUL", 59, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 64, ETPU_OP_STATUS_MAPPED},
    {"RESHAPE", 6, ETPU_OP_STATUS_MAPPED},
    {"MAX_POOL_2D", 3, ETPU_OP_STATUS_MAPPED},
    {"CONCATENATION", 18, ETPU_OP_STATUS_MAPPED},
    {"SUB", 2, ETPU_OP_STATUS_MAPPED},
    {"DEQUANTIZE", 1, ETPU_OP_STATUS_UNSUPPORTED_DATA_TYPE},
    {"QUANTIZE", 1, ETPU_OP_STATUS_UNSPECIFIED_LIMITATION},
    {"QUANTIZE", 3, ETPU_OP_STATUS_MAPPED},
    {"STRIDED_SLICE", 20, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_19[] = {
    {.version = "16.0.384591198",
     .major = 16,
     .input_path = "yolov8s_integer_quant.tflite",
     .output_path = "yolov8s_integer_quant_edgetpu.tflite",
     .rows = rows_19_0,
     .row_count = 16,
     .table_mapped = 257,
     .table_cpu = 2,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 257,
     .ops_on_cpu = 2,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_SOME_ON_CPU},
};
static const expected_row rows_20_0[] = {
    {"RESHAPE", 1, ETPU_OP_STATUS_MAPPED},
    {"FULLY_CONNECTED", 2, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_20[] = {
    {.version = "15.0.340273435",
     .major = 15,
     .input_path = "model.tflite",
     .output_path = "model_edgetpu.tflite",
     .rows = rows_20_0,
     .row_count = 2,
     .table_mapped = 3,
     .table_cpu = 0,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 3,
     .ops_on_cpu = 0,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_ALL_MAPPED},
};
static const expected_row rows_21_0[] = {
    {"QUANTIZE", 2, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 1, ETPU_OP_STATUS_MAPPED},
    {"DEPTHWISE_CONV_2D", 1, ETPU_OP_STATUS_MAPPED},
    {"FULLY_CONNECTED", 2, ETPU_OP_STATUS_MAPPED},
    {"MAX_POOL_2D", 1, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_21[] = {
    {.version = "2.0.267685300",
     .major = 2,
     .input_path = "mnist.tflite",
     .output_path = "mnist_edgetpu.tflite",
     .rows = rows_21_0,
     .row_count = 5,
     .table_mapped = 7,
     .table_cpu = 0,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 7,
     .ops_on_cpu = 0,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_ALL_MAPPED},
};
static const expected_row rows_22_0[] = {
    {"MAX_POOL_2D", 1, ETPU_OP_STATUS_MAPPED},
    {"QUANTIZE", 1, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 1, ETPU_OP_STATUS_MAPPED},
    {"DEPTHWISE_CONV_2D", 1, ETPU_OP_STATUS_MAPPED},
    {"DEQUANTIZE", 1, ETPU_OP_STATUS_UNSUPPORTED_DATA_TYPE},
    {"FULLY_CONNECTED", 2, ETPU_OP_STATUS_MAPPED},
    {"SOFTMAX", 1, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_22[] = {
    {.version = "2.0.267685300",
     .major = 2,
     .input_path = "mnist.tflite",
     .output_path = "mnist_edgetpu.tflite",
     .rows = rows_22_0,
     .row_count = 7,
     .table_mapped = 7,
     .table_cpu = 1,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 7,
     .ops_on_cpu = 1,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_SOME_ON_CPU},
};
static const expected_row rows_23_0[] = {
    {"ADD", 12, ETPU_OP_STATUS_MAPPED},
    {"RELU", 1, ETPU_OP_STATUS_MAPPED},
    {"CONCATENATION", 3, ETPU_OP_STATUS_MAPPED},
    {"PAD", 4, ETPU_OP_STATUS_MAPPED},
    {"RESHAPE", 10, ETPU_OP_STATUS_MAPPED},
    {"RESIZE_NEAREST_NEIGHBOR", 2, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 83, ETPU_OP_STATUS_MAPPED},
    {"QUANTIZE", 2, ETPU_OP_STATUS_MAPPED},
    {"DEPTHWISE_CONV_2D", 17, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_23[] = {
    {.version = "16.0.384591198",
     .major = 16,
     .input_path = "model_input/model.tflite",
     .output_path = "model_output/model_edgetpu.tflite",
     .rows = rows_23_0,
     .row_count = 9,
     .table_mapped = 134,
     .table_cpu = 0,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 134,
     .ops_on_cpu = 0,
     .subgraphs = 1,
     .total_ops = 134,
     .compile_ms = 986,
     .input_size = 3019899,
     .output_size = 3470787,
     .on_chip_used = 4047503,
     .on_chip_remaining = 4016046,
     .off_chip_used = 0,
     .attempts = 1,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_ALL_MAPPED},
};
static const expected_row rows_24_0[] = {
    {"PAD", 5, ETPU_OP_STATUS_MAPPED},
    {"CONCATENATION", 2, ETPU_OP_STATUS_MORE_THAN_ONE_SUBGRAPH},
    {"CONCATENATION", 1, ETPU_OP_STATUS_MAPPED},
    {"ADD", 1, ETPU_OP_STATUS_MORE_THAN_ONE_SUBGRAPH},
    {"ADD", 11, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 83, ETPU_OP_STATUS_MAPPED},
    {"QUANTIZE", 2, ETPU_OP_STATUS_MAPPED},
    {"DEPTHWISE_CONV_2D", 17, ETPU_OP_STATUS_MAPPED},
    {"RESIZE_NEAREST_NEIGHBOR", 2, ETPU_OP_STATUS_MAPPED},
    {"RESHAPE", 10, ETPU_OP_STATUS_MAPPED},
    {"RELU", 1, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_24[] = {
    {.version = "16.0.384591198",
     .major = 16,
     .input_path = "model_input/model.tflite",
     .output_path = "model_output/model_edgetpu.tflite",
     .rows = rows_24_0,
     .row_count = 11,
     .table_mapped = 132,
     .table_cpu = 3,
     .ops_source = ETPU_OPS_CONSOLE,
     .ops_on_tpu = 132,
     .ops_on_cpu = 3,
     .subgraphs = 3,
     .total_ops = 135,
     .compile_ms = 912,
     .input_size = 3009413,
     .output_size = 3628073,
     .on_chip_used = 4047503,
     .on_chip_remaining = 3837788,
     .off_chip_used = 0,
     .attempts = 17,
     .failed_attempts = 16,
     .outcome = ETPU_OUTCOME_SOME_ON_CPU},
};
static const expected_row rows_25_0[] = {
    {"CONV_2D", 66, ETPU_OP_STATUS_MAPPED},
    {"CUSTOM", 1, ETPU_OP_STATUS_UNSUPPORTED_DATA_TYPE},
    {"ADD", 15, ETPU_OP_STATUS_MAPPED},
    {"RESHAPE", 13, ETPU_OP_STATUS_MAPPED},
    {"CONCATENATION", 2, ETPU_OP_STATUS_MAPPED},
    {"LOGISTIC", 1, ETPU_OP_STATUS_MAPPED},
    {"DEPTHWISE_CONV_2D", 27, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_25[] = {
    {.version = "14.1.317412892",
     .major = 14,
     .input_path = "ssdlite_mobiledet_custom.tflite",
     .output_path = "ssdlite_mobiledet_custom_edgetpu.tflite",
     .rows = rows_25_0,
     .row_count = 7,
     .table_mapped = 124,
     .table_cpu = 1,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 124,
     .ops_on_cpu = 1,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_SOME_ON_CPU},
};
static const expected_row rows_26_0[] = {
    {"DEPTHWISE_CONV_2D", 13, ETPU_OP_STATUS_MAPPED},
    {"CONCATENATION", 2, ETPU_OP_STATUS_MAPPED},
    {"RESHAPE", 13, ETPU_OP_STATUS_MAPPED},
    {"CUSTOM", 1, ETPU_OP_STATUS_UNSUPPORTED_DATA_TYPE},
    {"LOGISTIC", 1, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 34, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_26[] = {
    {.version = "16.0.384591198",
     .major = 16,
     .input_path = "detect.tflite",
     .output_path = "detect_edgetpu.tflite",
     .rows = rows_26_0,
     .row_count = 6,
     .table_mapped = 63,
     .table_cpu = 1,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 63,
     .ops_on_cpu = 1,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_SOME_ON_CPU},
};
static const expected_row rows_27_0[] = {
    {"DEPTHWISE_CONV_2D", 17, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 55, ETPU_OP_STATUS_MAPPED},
    {"RESHAPE", 13, ETPU_OP_STATUS_MAPPED},
    {"CONCATENATION", 2, ETPU_OP_STATUS_MAPPED},
    {"LOGISTIC", 1, ETPU_OP_STATUS_MAPPED},
    {"ADD", 10, ETPU_OP_STATUS_MAPPED},
    {"CUSTOM", 1, ETPU_OP_STATUS_UNSUPPORTED_DATA_TYPE},
};
static const expected_model models_27[] = {
    {.version = "16.0.384591198",
     .major = 16,
     .input_path = "model_sportsball.tflite",
     .output_path = "model_sportsball_edgetpu.tflite",
     .rows = rows_27_0,
     .row_count = 7,
     .table_mapped = 98,
     .table_cpu = 1,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 98,
     .ops_on_cpu = 1,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_SOME_ON_CPU},
};
static const expected_row rows_28_0[] = {
    {"ADD", 9, ETPU_OP_STATUS_MAPPED},
    {"ADD", 1, ETPU_OP_STATUS_MORE_THAN_ONE_SUBGRAPH},
    {"STRIDED_SLICE", 6, ETPU_OP_STATUS_MAPPED},
    {"STRIDED_SLICE", 3, ETPU_OP_STATUS_MORE_THAN_ONE_SUBGRAPH},
    {"RESHAPE", 3, ETPU_OP_STATUS_UNSPECIFIED_LIMITATION},
    {"RESHAPE", 3, ETPU_OP_STATUS_MAPPED},
    {"PAD", 7, ETPU_OP_STATUS_MAPPED},
    {"CONCATENATION", 15, ETPU_OP_STATUS_MAPPED},
    {"CONCATENATION", 1, ETPU_OP_STATUS_UNSPECIFIED_LIMITATION},
    {"CONCATENATION", 1, ETPU_OP_STATUS_MORE_THAN_ONE_SUBGRAPH},
    {"RESIZE_NEAREST_NEIGHBOR", 2, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 60, ETPU_OP_STATUS_MAPPED},
    {"MUL", 69, ETPU_OP_STATUS_MAPPED},
    {"MUL", 6, ETPU_OP_STATUS_MORE_THAN_ONE_SUBGRAPH},
    {"QUANTIZE", 6, ETPU_OP_STATUS_MAPPED},
    {"QUANTIZE", 1, ETPU_OP_STATUS_UNSPECIFIED_LIMITATION},
    {"LOGISTIC", 60, ETPU_OP_STATUS_MAPPED},
    {"MAX_POOL_2D", 3, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_28[] = {
    {.version = "16.0.384591198",
     .major = 16,
     .input_path = "yolov5n-int8.tflite",
     .output_path = "./yolov5n-int8_edgetpu.tflite",
     .rows = rows_28_0,
     .row_count = 18,
     .table_mapped = 240,
     .table_cpu = 16,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 240,
     .ops_on_cpu = 16,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_SOME_ON_CPU},
};
static const expected_row rows_29_0[] = {
    {"LOGISTIC", 1, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 81, ETPU_OP_STATUS_MAPPED},
    {"ADD", 13, ETPU_OP_STATUS_MAPPED},
    {"RESHAPE", 8, ETPU_OP_STATUS_MAPPED},
    {"CONCATENATION", 2, ETPU_OP_STATUS_MAPPED},
    {"DEPTHWISE_CONV_2D", 64, ETPU_OP_STATUS_MAPPED},
    {"RESIZE_NEAREST_NEIGHBOR", 2, ETPU_OP_STATUS_MAPPED},
    {"QUANTIZE", 11, ETPU_OP_STATUS_MAPPED},
    {"MUL", 1, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_29[] = {
    {.version = "16.0.384591198",
     .major = 16,
     .input_path = "./exported_models/model_int8.tflite",
     .output_path = "./exported_models/model_int8_edgetpu.tflite",
     .rows = rows_29_0,
     .row_count = 9,
     .table_mapped = 183,
     .table_cpu = 0,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 183,
     .ops_on_cpu = 0,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_ALL_MAPPED},
};
static const expected_row rows_30_0[] = {
    {"RESHAPE", 1, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 2, ETPU_OP_STATUS_MAPPED},
    {"SOFTMAX", 1, ETPU_OP_STATUS_MAPPED},
    {"QUANTIZE", 1, ETPU_OP_STATUS_UNSPECIFIED_LIMITATION},
    {"DEQUANTIZE", 1, ETPU_OP_STATUS_UNSUPPORTED_DATA_TYPE},
    {"MAX_POOL_2D", 2, ETPU_OP_STATUS_MAPPED},
    {"FULLY_CONNECTED", 2, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_30[] = {
    {.version = "15.0.340273435",
     .major = 15,
     .input_path = "mnist4.tflite",
     .output_path = "mnist4_edgetpu.tflite",
     .rows = rows_30_0,
     .row_count = 7,
     .table_mapped = 8,
     .table_cpu = 2,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 8,
     .ops_on_cpu = 2,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_SOME_ON_CPU},
};
static const expected_row rows_31_0[] = {
    {"SOFTMAX", 1, ETPU_OP_STATUS_MAPPED},
    {"FULLY_CONNECTED", 2, ETPU_OP_STATUS_MAPPED},
    {"RESHAPE", 1, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 2, ETPU_OP_STATUS_MAPPED},
    {"MAX_POOL_2D", 2, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_31[] = {
    {.version = "15.0.340273435",
     .major = 15,
     .input_path = "mnist7.tflite",
     .output_path = "mnist7_edgetpu.tflite",
     .rows = rows_31_0,
     .row_count = 5,
     .table_mapped = 8,
     .table_cpu = 0,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 8,
     .ops_on_cpu = 0,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_ALL_MAPPED},
};
static const expected_row rows_32_0[] = {
    {"QUANTIZE", 2, ETPU_OP_STATUS_MAPPED},
    {"MAX_POOL_2D", 2, ETPU_OP_STATUS_MAPPED},
    {"FULLY_CONNECTED", 2, ETPU_OP_STATUS_MAPPED},
    {"RESHAPE", 1, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 2, ETPU_OP_STATUS_MAPPED},
    {"SOFTMAX", 1, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_32[] = {
    {.version = "15.0.340273435",
     .major = 15,
     .input_path = "mnist9.tflite",
     .output_path = "mnist9_edgetpu.tflite",
     .rows = rows_32_0,
     .row_count = 6,
     .table_mapped = 10,
     .table_cpu = 0,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 10,
     .ops_on_cpu = 0,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_ALL_MAPPED},
};
static const expected_row rows_33_0[] = {
    {"RESHAPE", 1, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 2, ETPU_OP_STATUS_MAPPED},
    {"SOFTMAX", 1, ETPU_OP_STATUS_MAPPED},
    {"QUANTIZE", 1, ETPU_OP_STATUS_UNSPECIFIED_LIMITATION},
    {"DEQUANTIZE", 1, ETPU_OP_STATUS_UNSUPPORTED_DATA_TYPE},
    {"MAX_POOL_2D", 2, ETPU_OP_STATUS_MAPPED},
    {"FULLY_CONNECTED", 2, ETPU_OP_STATUS_MAPPED},
};
static const expected_row rows_33_1[] = {
    {"SOFTMAX", 1, ETPU_OP_STATUS_MAPPED},
    {"FULLY_CONNECTED", 2, ETPU_OP_STATUS_MAPPED},
    {"RESHAPE", 1, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 2, ETPU_OP_STATUS_MAPPED},
    {"MAX_POOL_2D", 2, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_33[] = {
    {.version = "15.0.340273435",
     .major = 15,
     .input_path = "mnist4.tflite",
     .output_path = "mnist4_edgetpu.tflite",
     .rows = rows_33_0,
     .row_count = 7,
     .table_mapped = 8,
     .table_cpu = 2,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 8,
     .ops_on_cpu = 2,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_SOME_ON_CPU},
    {.version = "15.0.340273435",
     .major = 15,
     .input_path = "mnist7.tflite",
     .output_path = "mnist7_edgetpu.tflite",
     .rows = rows_33_1,
     .row_count = 5,
     .table_mapped = 8,
     .table_cpu = 0,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 8,
     .ops_on_cpu = 0,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_ALL_MAPPED},
};
static const expected_row rows_34_0[] = {
    {"RESHAPE", 1, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 2, ETPU_OP_STATUS_MAPPED},
    {"SOFTMAX", 1, ETPU_OP_STATUS_MAPPED},
    {"QUANTIZE", 1, ETPU_OP_STATUS_UNSPECIFIED_LIMITATION},
    {"DEQUANTIZE", 1, ETPU_OP_STATUS_UNSUPPORTED_DATA_TYPE},
    {"MAX_POOL_2D", 2, ETPU_OP_STATUS_MAPPED},
    {"FULLY_CONNECTED", 2, ETPU_OP_STATUS_MAPPED},
};
static const expected_row rows_34_1[] = {
    {"SOFTMAX", 1, ETPU_OP_STATUS_MAPPED},
    {"FULLY_CONNECTED", 2, ETPU_OP_STATUS_MAPPED},
    {"RESHAPE", 1, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 2, ETPU_OP_STATUS_MAPPED},
    {"MAX_POOL_2D", 2, ETPU_OP_STATUS_MAPPED},
};
static const expected_row rows_34_2[] = {
    {"QUANTIZE", 2, ETPU_OP_STATUS_MAPPED},
    {"MAX_POOL_2D", 2, ETPU_OP_STATUS_MAPPED},
    {"FULLY_CONNECTED", 2, ETPU_OP_STATUS_MAPPED},
    {"RESHAPE", 1, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 2, ETPU_OP_STATUS_MAPPED},
    {"SOFTMAX", 1, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_34[] = {
    {.version = "15.0.340273435",
     .major = 15,
     .input_path = "mnist4.tflite",
     .output_path = "mnist4_edgetpu.tflite",
     .rows = rows_34_0,
     .row_count = 7,
     .table_mapped = 8,
     .table_cpu = 2,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 8,
     .ops_on_cpu = 2,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_SOME_ON_CPU},
    {.version = "15.0.340273435",
     .major = 15,
     .input_path = "mnist7.tflite",
     .output_path = "mnist7_edgetpu.tflite",
     .rows = rows_34_1,
     .row_count = 5,
     .table_mapped = 8,
     .table_cpu = 0,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 8,
     .ops_on_cpu = 0,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_ALL_MAPPED},
    {.version = "15.0.340273435",
     .major = 15,
     .input_path = "mnist9.tflite",
     .output_path = "mnist9_edgetpu.tflite",
     .rows = rows_34_2,
     .row_count = 6,
     .table_mapped = 10,
     .table_cpu = 0,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 10,
     .ops_on_cpu = 0,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_ALL_MAPPED},
};
static const expected_row rows_35_0[] = {
    {"LOGISTIC", 34, ETPU_OP_STATUS_MAPPED},
    {"LOGISTIC", 32, ETPU_OP_STATUS_MORE_THAN_ONE_SUBGRAPH},
    {"RESIZE_NEAREST_NEIGHBOR", 2, ETPU_OP_STATUS_MORE_THAN_ONE_SUBGRAPH},
    {"RESHAPE", 6, ETPU_OP_STATUS_MORE_THAN_ONE_SUBGRAPH},
    {"PAD", 2, ETPU_OP_STATUS_MORE_THAN_ONE_SUBGRAPH},
    {"PAD", 5, ETPU_OP_STATUS_MAPPED},
    {"CONCATENATION", 5, ETPU_OP_STATUS_MAPPED},
    {"CONCATENATION", 12, ETPU_OP_STATUS_MORE_THAN_ONE_SUBGRAPH},
    {"MAX_POOL_2D", 3, ETPU_OP_STATUS_MAPPED},
    {"ADD", 3, ETPU_OP_STATUS_MORE_THAN_ONE_SUBGRAPH},
    {"ADD", 7, ETPU_OP_STATUS_MAPPED},
    {"STRIDED_SLICE", 9, ETPU_OP_STATUS_MORE_THAN_ONE_SUBGRAPH},
    {"CONV_2D", 34, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 26, ETPU_OP_STATUS_MORE_THAN_ONE_SUBGRAPH},
    {"QUANTIZE", 5, ETPU_OP_STATUS_MORE_THAN_ONE_SUBGRAPH},
    {"QUANTIZE", 1, ETPU_OP_STATUS_UNSPECIFIED_LIMITATION},
    {"QUANTIZE", 1, ETPU_OP_STATUS_MAPPED},
    {"MUL", 41, ETPU_OP_STATUS_MORE_THAN_ONE_SUBGRAPH},
    {"MUL", 34, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_35[] = {
    {.version = "16.0.384591198",
     .major = 16,
     .input_path = "drive/MyDrive/YOLO/yolov5-master/best-int8.tflite",
     .output_path = "drive/MyDrive/YOLO/yolov5-master/best-int8_edgetpu.tflite",
     .rows = rows_35_0,
     .row_count = 19,
     .table_mapped = 123,
     .table_cpu = 139,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 123,
     .ops_on_cpu = 139,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_SOME_ON_CPU},
};
static const expected_row rows_36_0[] = {
    {"RESHAPE", 1, ETPU_OP_STATUS_MAPPED},
    {"MAX_POOL_2D", 3, ETPU_OP_STATUS_MAPPED},
    {"QUANTIZE", 2, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 6, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_36[] = {
    {.version = "2.0.291256449",
     .major = 2,
     .input_path = "ocr_models/ocr_model_quant_int8.tflite",
     .output_path = "ocr_model_quant_int8_edgetpu.tflite",
     .rows = rows_36_0,
     .row_count = 4,
     .table_mapped = 12,
     .table_cpu = 0,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 12,
     .ops_on_cpu = 0,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_ALL_MAPPED},
};
static const expected_row rows_37_0[] = {
    {"LOGISTIC", 1, ETPU_OP_STATUS_MAPPED},
    {"CUSTOM", 1, ETPU_OP_STATUS_UNSUPPORTED_DATA_TYPE},
    {"ADD", 10, ETPU_OP_STATUS_MAPPED},
    {"CONCATENATION", 2, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 55, ETPU_OP_STATUS_MAPPED},
    {"DEPTHWISE_CONV_2D", 17, ETPU_OP_STATUS_MAPPED},
    {"RESHAPE", 13, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_37[] = {
    {.version = "2.0.291256449",
     .major = 2,
     .input_path = "tflite_model.tflite",
     .output_path = "tflite_model_edgetpu.tflite",
     .rows = rows_37_0,
     .row_count = 7,
     .table_mapped = 98,
     .table_cpu = 1,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 98,
     .ops_on_cpu = 1,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_SOME_ON_CPU},
};
static const expected_row rows_38_0[] = {
    {"RESHAPE", 13, ETPU_OP_STATUS_MAPPED},
    {"LOGISTIC", 1, ETPU_OP_STATUS_MAPPED},
    {"ADD", 10, ETPU_OP_STATUS_MAPPED},
    {"CUSTOM", 1, ETPU_OP_STATUS_UNSUPPORTED_DATA_TYPE},
    {"CONCATENATION", 2, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 55, ETPU_OP_STATUS_MAPPED},
    {"DEPTHWISE_CONV_2D", 17, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_38[] = {
    {.version = "2.0.291256449",
     .major = 2,
     .input_path = "detection_model_ssd_300/output_tflite_graph.tflite",
     .output_path = "output_tflite_graph_edgetpu.tflite",
     .rows = rows_38_0,
     .row_count = 7,
     .table_mapped = 98,
     .table_cpu = 1,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 98,
     .ops_on_cpu = 1,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_SOME_ON_CPU},
};
static const expected_row rows_39_0[] = {
    {"RESHAPE", 4, ETPU_OP_STATUS_MAPPED},
    {"PAD", 11, ETPU_OP_STATUS_MAPPED},
    {"CONCATENATION", 2, ETPU_OP_STATUS_MAPPED},
    {"ADD", 16, ETPU_OP_STATUS_MAPPED},
    {"MAX_POOL_2D", 3, ETPU_OP_STATUS_MAPPED},
    {"DEQUANTIZE", 2, ETPU_OP_STATUS_UNSUPPORTED_DATA_TYPE},
    {"QUANTIZE", 1, ETPU_OP_STATUS_UNSPECIFIED_LIMITATION},
    {"QUANTIZE", 2, ETPU_OP_STATUS_MAPPED},
    {"DEPTHWISE_CONV_2D", 16, ETPU_OP_STATUS_MAPPED},
    {"CONV_2D", 21, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_39[] = {
    {.version = "15.0.340273435",
     .major = 15,
     .input_path = "face_detection_front_128_full_integer_quant.tflite",
     .output_path = "cocompile/face_detection_front_128_full_integer_quant_edgetpu.tflite",
     .rows = rows_39_0,
     .row_count = 10,
     .table_mapped = 75,
     .table_cpu = 3,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 75,
     .ops_on_cpu = 3,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_SOME_ON_CPU},
};
static const expected_row rows_40_0[] = {
    {"PAD", 3, ETPU_OP_STATUS_MAPPED},
    {"ADD", 20, ETPU_OP_STATUS_MAPPED},
    {"MAX_POOL_2D", 5, ETPU_OP_STATUS_MAPPED},
    {"QUANTIZE", 46, ETPU_OP_STATUS_MAPPED},
    {"QUANTIZE", 1, ETPU_OP_STATUS_UNSPECIFIED_LIMITATION},
    {"MUL", 23, ETPU_OP_STATUS_MAPPED},
    {"DEQUANTIZE", 2, ETPU_OP_STATUS_UNSUPPORTED_DATA_TYPE},
    {"CONV_2D", 25, ETPU_OP_STATUS_MAPPED},
    {"MAXIMUM", 23, ETPU_OP_STATUS_MAPPED},
    {"DEPTHWISE_CONV_2D", 20, ETPU_OP_STATUS_MAPPED},
};
static const expected_model models_40[] = {
    {.version = "15.0.340273435",
     .major = 15,
     .input_path = "face_landmark_192_full_integer_quant.tflite",
     .output_path = "cocompile/face_landmark_192_full_integer_quant_edgetpu.tflite",
     .rows = rows_40_0,
     .row_count = 10,
     .table_mapped = 165,
     .table_cpu = 3,
     .ops_source = ETPU_OPS_TABLE,
     .ops_on_tpu = 165,
     .ops_on_cpu = 3,
     .subgraphs = -1,
     .total_ops = -1,
     .compile_ms = -1,
     .input_size = -1,
     .output_size = -1,
     .on_chip_used = -1,
     .on_chip_remaining = -1,
     .off_chip_used = -1,
     .attempts = 0,
     .failed_attempts = 0,
     .outcome = ETPU_OUTCOME_SOME_ON_CPU},
};
static const expected_log corpus_logs[] = {
    {"Big-Brain-Crew__learn_ml/examples__models__mnist_quant_edgetpu.log", 1, models_0},
    {"DamianOlei__ImportData/mobilenet_v2_1.0_224_quant_edgetpu.log", 1, models_1},
    {"DamianOlei__ImportData/mydata4_lite2_edgetpu.log", 1, models_2},
    {"EntrepreneurshipShowcase__id-card-matching/model_edgetpu.log", 1, models_3},
    {"guichristmann__edge-tpu-tiny-yolo/models__quant_coco-tiny-v3-relu_edgetpu.log", 1, models_4},
    {"HanChangHun__DeepPiCar/experiments__co_compile_lane_obj__models__log.txt", 2, models_5},
    {"iwatake2222__EdgeTPU_Analysis/Ops__model_mat__model_mat_Add_edgetpu.log", 1, models_6},
    {"iwatake2222__EdgeTPU_Analysis/Ops__model_conv__model_conv_128x128x3x32x7x10_edgetpu.log", 1, models_7},
    {"iwatake2222__EdgeTPU_Analysis/Ops__model_dense__model_dense_2x2x3x100x100_edgetpu.log", 1, models_8},
    {"iwatake2222__EdgeTPU_Analysis/InOut__model_padding__model_padding_2x2x3_edgetpu.log", 1, models_9},
    {"iwatake2222__EdgeTPU_Analysis/InOut__model_padding_stride__model_padding_stride_128x64x3_edgetpu.log", 1, models_10},
    {"iwatake2222__EdgeTPU_Analysis/Ops__model_mobilenet__coco_ssd_mobilenet_v1_1.0_quant_2018_06_29_edgetpu.log", 1, models_11},
    {"iwatake2222__EdgeTPU_Analysis/InOut__model_stride__model_stride_64x64x3_edgetpu.log", 1, models_12},
    {"iwatake2222__EdgeTPU_Analysis/Ops__model_conv__model_conv_128x128x3x32x7x300_edgetpu.log", 1, models_13},
    {"iwatake2222__EdgeTPU_Analysis/Ops__model_mobilenet__mobilenet_v1_1.0_224_quant_edgetpu.log", 1, models_14},
    {"jveitchmichaelis__edgetpu-yolo/yolov5n-int8_edgetpu_160.log", 1, models_15},
    {"jveitchmichaelis__edgetpu-yolo/yolov8n_full_integer_quant_edgetpu_128_ETPU.log", 1, models_16},
    {"jveitchmichaelis__edgetpu-yolo/export.md", 1, models_17},
    {"jveitchmichaelis__edgetpu-yolo/yolov8n_full_integer_quant_edgetpu_192.log", 1, models_18},
    {"jveitchmichaelis__edgetpu-yolo/yolov8s_integer_quant_edgetpu_160_CPU.log", 1, models_19},
    {"MarcelloCeresini__Franco/model_edgetpu.log", 1, models_20},
    {"markusmeingast__Keras-MNIST-to-TPU/612385f__02-Keras-MNIST__mnist_edgetpu.log", 1, models_21},
    {"markusmeingast__Keras-MNIST-to-TPU/926b725__02-Keras-MNIST__mnist_edgetpu.log", 1, models_22},
    {"mathieugalle__edgetpu-compiler-pad-fail/not_padded_edgetpucompiler_output.log", 1, models_23},
    {"mathieugalle__edgetpu-compiler-pad-fail/padded_edgetpucompiler_output.log", 1, models_24},
    {"Namburger__edgetpu-ssdlite-mobiledet-retrain/models__ssdlite_mobiledet_dog_vs_cat_edgetpu.log", 1, models_25},
    {"Nipitpol__Model-edgetpu-test/detect_edgetpu.log", 1, models_26},
    {"Nipitpol__Model-edgetpu-test/model_sportsball_edgetpu.log", 1, models_27},
    {"Sandhya1708__modelnew/yolov5n-int8_edgetpu.log", 1, models_28},
    {"ShawnHymel__google-coral-micro-object-detection/models__model_int8_edgetpu.log", 1, models_29},
    {"system-software-lab__nrf20/convert__mnist4_edgetpu.log", 1, models_30},
    {"system-software-lab__nrf20/convert__quantize__tensorflow_lite__mnist7_edgetpu.log", 1, models_31},
    {"system-software-lab__nrf20/convert__quantize__tensorflow_lite__mnist9_edgetpu.log", 1, models_32},
    {"system-software-lab__nrf20/convert__quantize__edgetpu_log_comp", 2, models_33},
    {"system-software-lab__nrf20/convert__quantize__tensorflow_lite__README.md", 3, models_34},
    {"take-it-or-leave-it__camera-detection/best-int8_edgetpu.log", 1, models_35},
    {"zye1996__edgetpu_ssd_lpr/export_graph__edgetpu_models__ocr_model_quant_int8_edgetpu.log", 1, models_36},
    {"zye1996__edgetpu_ssd_lpr/export_graph__detection_model_original__tflite_model_edgetpu.log", 1, models_37},
    {"zye1996__edgetpu_ssd_lpr/export_graph__edgetpu_models__output_tflite_graph_edgetpu.log", 1, models_38},
    {"zye1996__facemesh_EdgeTPU/models__cocompile__face_detection_front_128_full_integer_quant_edgetpu.log", 1, models_39},
    {"zye1996__facemesh_EdgeTPU/models__cocompile__face_landmark_192_full_integer_quant_edgetpu.log", 1, models_40},
};

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */

static char *read_corpus_file(const char *relative, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", corpus_dir, relative);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open corpus file %s", path);
    char *data = NULL;
    size_t size = 0;
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        data = realloc(data, size + got);
        assert_non_null(data);
        memcpy(data + size, chunk, got);
        size += got;
    }
    fclose(f);
    *len = size;
    return data;
}

static void parse_ok(const char *text, size_t len, etpu_compiler_report *r)
{
    etpu_error err;
    etpu_status st = etpu_compiler_log_parse(text, len, r, &err);
    if (st != ETPU_OK)
        fail_msg("parse failed: %s", err.message);
    CHECK_INT(err.kind, ETPU_ERR_OK);
}

static void parse_str(const char *text, etpu_compiler_report *r) { parse_ok(text, strlen(text), r); }

static void parse_fails(const char *text, size_t len, etpu_error_kind kind)
{
    etpu_compiler_report r;
    etpu_error err;
    CHECK_INT(etpu_compiler_log_parse(text, len, &r, &err), ETPU_FAIL);
    CHECK_INT(err.kind, kind);
    CHECK_INT(r.model_count, 0);
    CHECK_NULL(r.models);
    etpu_compiler_report_free(&r); /* harmless after a failure */
}

static void check_count(etpu_log_count c, int64_t expected)
{
    if (expected < 0) {
        CHECK_TRUE(!c.present);
        return;
    }
    CHECK_TRUE(c.present);
    CHECK_INT(c.value, expected);
}

static void check_size(const etpu_log_size *s, int64_t expected)
{
    if (expected < 0) {
        CHECK_TRUE(!s->present);
        return;
    }
    CHECK_TRUE(s->present);
    CHECK_INT(s->bytes, expected);
}

static void check_string_or_null(const char *actual, const char *expected)
{
    if (!expected) {
        CHECK_NULL(actual);
        return;
    }
    CHECK_NONNULL(actual);
    CHECK_STR(actual, expected);
}

/* ------------------------------------------------------------------------ */
/* Every corpus log, exact values                                            */

static void check_model(const etpu_compiler_model *m, const expected_model *e)
{
    CHECK_STR(m->compiler_version, e->version);
    CHECK_INT(m->compiler_major, e->major);
    check_string_or_null(m->input_path, e->input_path);
    check_string_or_null(m->output_path, e->output_path);

    CHECK_INT(m->row_count, e->row_count);
    CHECK_INT(m->has_table, e->row_count > 0);
    for (size_t i = 0; i < e->row_count; i++) {
        const etpu_compiler_op_row *row = &m->rows[i];
        CHECK_STR(row->op_name, e->rows[i].op);
        CHECK_INT(row->count, e->rows[i].count);
        CHECK_INT(row->status, e->rows[i].status);
        CHECK_STR(row->status_text, etpu_op_status_text(e->rows[i].status));
        CHECK_INT(row->mapped, e->rows[i].status == ETPU_OP_STATUS_MAPPED);
    }
    CHECK_INT(m->table_mapped_ops, e->table_mapped);
    CHECK_INT(m->table_cpu_ops, e->table_cpu);

    CHECK_INT(m->ops_source, e->ops_source);
    CHECK_INT(m->ops_on_tpu, e->ops_on_tpu);
    CHECK_INT(m->ops_on_cpu, e->ops_on_cpu);
    check_count(m->edgetpu_subgraphs, e->subgraphs);
    check_count(m->total_ops, e->total_ops);
    check_count(m->compile_ms, e->compile_ms);
    check_size(&m->input_size, e->input_size);
    check_size(&m->output_size, e->output_size);
    check_size(&m->on_chip_used, e->on_chip_used);
    check_size(&m->on_chip_remaining, e->on_chip_remaining);
    check_size(&m->off_chip_used, e->off_chip_used);

    CHECK_INT(m->attempt_count, e->attempts);
    size_t failed = 0;
    for (size_t i = 0; i < m->attempt_count; i++)
        failed += m->attempts[i].outcome == ETPU_ATTEMPT_FAILED;
    CHECK_INT(failed, e->failed_attempts);

    CHECK_INT(m->failure, ETPU_COMPILE_OK);
    CHECK_NULL(m->failure_line);
    CHECK_TRUE(m->compiled);
    CHECK_INT(etpu_compiler_model_outcome(m), e->outcome);
    CHECK_INT(m->error_count, 0);
}

static void test_corpus_log(void **state)
{
    const expected_log *e = *state;
    if (!corpus_dir)
        skip();
    size_t len;
    char *text = read_corpus_file(e->file, &len);
    etpu_compiler_report r;
    parse_ok(text, len, &r);
    CHECK_INT(r.model_count, e->model_count);
    CHECK_STR(r.compiler_version, e->models[0].version);
    CHECK_INT(r.compiler_major, e->models[0].major);
    CHECK_INT(r.note_count, 0);
    for (size_t i = 0; i < e->model_count; i++)
        check_model(&r.models[i], &e->models[i]);
    etpu_compiler_report_free(&r);
    free(text);
}

/* Format details the table above does not cover. */
static void test_corpus_details(void **state)
{
    (void)state;
    if (!corpus_dir)
        skip();
    size_t len;
    etpu_compiler_report r;

    /* Search delegate: 16 failed attempts (135..120 ops), then 119 compiles. */
    char *text = read_corpus_file("mathieugalle__edgetpu-compiler-pad-fail/"
                                  "padded_edgetpucompiler_output.log", &len);
    parse_ok(text, len, &r);
    const etpu_compiler_model *m = &r.models[0];
    check_count(m->delegate_search_step, 1);
    check_count(m->timeout_sec, 180);
    CHECK_TRUE(m->console_output);
    CHECK_INT(m->attempt_count, 17);
    for (size_t i = 0; i < 17; i++) {
        CHECK_INT(m->attempts[i].segment_ops, 135 - i);
        CHECK_INT(m->attempts[i].outcome, i < 16 ? ETPU_ATTEMPT_FAILED : ETPU_ATTEMPT_SUCCEEDED);
        CHECK_INT(m->attempts[i].failure, i < 16 ? ETPU_COMPILE_UNKNOWN : ETPU_COMPILE_OK);
    }
    CHECK_NULL(m->attempts[0].intermediate_tensors);
    CHECK_STR(m->attempts[1].intermediate_tensors, "Identity1");
    CHECK_INT(m->attempts[1].intermediate_tensor_count, 1);
    CHECK_STR(m->attempts[2].intermediate_tensors, "MobileRetinaNet/concat,MobileRetinaNet/concat_1");
    CHECK_INT(m->attempts[2].intermediate_tensor_count, 2);
    CHECK_INT(m->attempts[3].intermediate_tensor_count, 6);
    CHECK_STR(m->operation_log_path, "model_output/model_edgetpu.log");
    CHECK_INT(m->first_line, 3);
    etpu_compiler_report_free(&r);
    free(text);

    /* Co-compilation: run-level compile time is shared, each model its own block. */
    text = read_corpus_file("HanChangHun__DeepPiCar/experiments__co_compile_lane_obj__models__log.txt",
                            &len);
    parse_ok(text, len, &r);
    CHECK_INT(r.version_lines, 1);
    CHECK_INT(r.models[0].models_in_run, 2);
    CHECK_INT(r.models[1].models_in_run, 2);
    check_count(r.models[1].console_tpu_ops, 264);
    check_count(r.models[1].console_cpu_ops, 3);
    check_count(r.models[0].console_tpu_ops, -1);
    CHECK_STR(r.models[1].on_chip_used.text, "4.21MiB");
    CHECK_STR(r.models[0].operation_log_path, "co_compiled_model/lane_navigation_w_pretrain_final_edgetpu.log");
    etpu_compiler_report_free(&r);
    free(text);

    /* Markdown with CRLF: the `edgetpu_compiler -v` fence is a second version line. */
    text = read_corpus_file("jveitchmichaelis__edgetpu-yolo/export.md", &len);
    parse_ok(text, len, &r);
    CHECK_INT(r.version_lines, 2);
    CHECK_INT(r.model_count, 1);
    CHECK_TRUE(r.models[0].console_output);
    CHECK_INT(r.models[0].models_in_run, 1);
    etpu_compiler_report_free(&r);
    free(text);

    /* Two concatenated operation logs plus a trailing "???" line. */
    text = read_corpus_file("system-software-lab__nrf20/convert__quantize__edgetpu_log_comp", &len);
    parse_ok(text, len, &r);
    CHECK_INT(r.version_lines, 2);
    CHECK_INT(r.models[0].first_line, 2);
    CHECK_INT(r.models[1].first_line, 16); /* version line 15, "Input:" 16 */
    CHECK_TRUE(!r.models[0].console_output);
    CHECK_INT(r.models[0].models_in_run, 1);
    etpu_compiler_report_free(&r);
    free(text);
}

/* ------------------------------------------------------------------------ */
/* Failure outputs quoted in FACTS.md §1.5                                   */

static const etpu_compiler_model *only_model(const etpu_compiler_report *r)
{
    CHECK_INT(r->model_count, 1);
    return &r->models[0];
}

static void check_failed(const etpu_compiler_model *m, etpu_compile_failure failure,
                         const char *line)
{
    CHECK_INT(m->failure, failure);
    CHECK_INT(etpu_compiler_model_outcome(m), ETPU_OUTCOME_FAILED);
    CHECK_TRUE(!m->compiled);
    check_string_or_null(m->failure_line, line);
}

static void test_dynamic_tensors(void **state)
{
    (void)state;
    etpu_compiler_report r;
    parse_str("Edge TPU Compiler version 16.0.384591198\n"
              "Started a compilation timeout timer of 180 seconds.\n"
              "ERROR: Attempting to use a delegate that only supports static-sized tensors with a "
              "graph that has dynamic-sized tensors.\n"
              "Compilation failed: Model failed in Tflite interpreter. Please ensure model can be "
              "loaded/run in Tflite interpreter.\n"
              "Compilation child process completed within timeout period.\n"
              "Compilation failed! \n",
              &r);
    const etpu_compiler_model *m = only_model(&r);
    check_failed(m, ETPU_COMPILE_DYNAMIC_TENSORS,
                 "ERROR: Attempting to use a delegate that only supports static-sized tensors "
                 "with a graph that has dynamic-sized tensors.");
    CHECK_STR(m->compiler_version, "16.0.384591198");
    CHECK_INT(m->compiler_major, 16);
    CHECK_NULL(m->input_path);
    check_count(m->timeout_sec, 180);
    CHECK_INT(m->error_count, 1);
    CHECK_TRUE(m->console_output);
    CHECK_STR(etpu_compile_failure_name(m->failure), "dynamic_tensors");
    etpu_compiler_report_free(&r);
}

static void test_op_version(void **state)
{
    (void)state;
    etpu_compiler_report r;
    parse_str("Edge TPU Compiler version 16.0.384591198\n"
              "ERROR: Didn't find op for builtin opcode 'CONV_2D' version '6'. An older version of "
              "this builtin might be supported. Are you using an old TFLite binary with a newer "
              "model?\n"
              "\n"
              "ERROR: Registration failed.\n"
              "\n"
              "Invalid model: yolov5s-int8.tflite\n"
              "Model could not be parsed\n",
              &r);
    const etpu_compiler_model *m = only_model(&r);
    CHECK_INT(m->failure, ETPU_COMPILE_OP_VERSION);
    CHECK_STR(m->failed_op, "CONV_2D");
    CHECK_INT(m->failed_op_version, 6);
    CHECK_STR(m->input_path, "yolov5s-int8.tflite");
    CHECK_INT(m->error_count, 2);
    CHECK_TRUE(strstr(m->failure_line, "Didn't find op") != NULL);
    etpu_compiler_report_free(&r);
}

static void test_internal_errors(void **state)
{
    (void)state;
    etpu_compiler_report r;

    /* 14.1, a TFLite Prepare failure inside the compiler (#212): the kernel
     * message is more specific than the generic internal error that follows. */
    parse_str("Edge TPU Compiler version 14.1.317412892\n"
              "ERROR: :334 bias->type != kTfLiteInt32 (INT8 != INT32)\n"
              "ERROR: Node number 2 (CONV_2D) failed to prepare.\n"
              "\n"
              "Compilation failed: Internal error\n"
              "Internal compiler error. Aborting! \n",
              &r);
    const etpu_compiler_model *m = only_model(&r);
    check_failed(m, ETPU_COMPILE_KERNEL_PREPARE, "ERROR: Node number 2 (CONV_2D) failed to prepare.");
    CHECK_STR(m->failed_op, "CONV_2D");
    CHECK_INT(m->failed_op_version, 0);
    CHECK_INT(m->compiler_major, 14);
    etpu_compiler_report_free(&r);

    /* Plain internal error (#189). */
    parse_str("Edge TPU Compiler version 14.1.317412892\nInternal compiler error. Aborting!\n", &r);
    check_failed(only_model(&r), ETPU_COMPILE_INTERNAL_ERROR, "Internal compiler error. Aborting!");
    etpu_compiler_report_free(&r);

    /* Uncaught C++ exception (#728). */
    parse_str("Edge TPU Compiler version 16.0.384591198\n"
              "Started a compilation timeout timer of 180 seconds.\n"
              "libc++abi: terminating with uncaught exception of type std::out_of_range: vector\n"
              "Compilation child process completed within timeout period.\n"
              "Compilation failed! \n",
              &r);
    check_failed(only_model(&r), ETPU_COMPILE_INTERNAL_ERROR,
                 "libc++abi: terminating with uncaught exception of type std::out_of_range: vector");
    etpu_compiler_report_free(&r);
}

static const char large_activation_search[] =
    "Edge TPU Compiler version 16.0.384591198\n"
    "Searching for valid delegate with step 10\n"
    "Try to compile segment with 322 ops\n"
    "Started a compilation timeout timer of 180 seconds.\n"
    "ERROR: Restored original execution plan after delegate application failure.\n"
    "Compilation failed: Compilation failed due to large activation tensors in model.\n"
    "Compilation child process completed within timeout period.\n"
    "Compilation failed! \n"
    "Try to compile segment with 312 ops\n"
    "Intermediate tensors: Reshape_5,Sigmoid1,Relu6_12;box-0-bn-7/FusedBatchNormV3;box_net/box-0/bias,Reshape_3\n"
    "Started a compilation timeout timer of 180 seconds.\n"
    "ERROR: Restored original execution plan after delegate application failure.\n"
    "Compilation failed: Compilation failed due to large activation tensors in model.\n"
    "Compilation child process completed within timeout period.\n"
    "Compilation failed! \n";

static void test_large_activations(void **state)
{
    (void)state;
    etpu_compiler_report r;
    parse_str(large_activation_search, &r);
    const etpu_compiler_model *m = only_model(&r);
    check_failed(m, ETPU_COMPILE_LARGE_ACTIVATIONS,
                 "Compilation failed: Compilation failed due to large activation tensors in model.");
    check_count(m->delegate_search_step, 10);
    CHECK_INT(m->attempt_count, 2);
    CHECK_INT(m->attempts[0].segment_ops, 322);
    CHECK_INT(m->attempts[0].outcome, ETPU_ATTEMPT_FAILED);
    CHECK_INT(m->attempts[0].failure, ETPU_COMPILE_LARGE_ACTIVATIONS);
    CHECK_INT(m->attempts[1].segment_ops, 312);
    CHECK_INT(m->attempts[1].intermediate_tensor_count, 4);
    CHECK_INT(m->attempts[1].failure, ETPU_COMPILE_LARGE_ACTIVATIONS);
    CHECK_INT(m->error_count, 2);
    etpu_compiler_report_free(&r);

    /* The same search, then a third attempt that compiles: no failure. */
    char text[sizeof large_activation_search + 1024];
    snprintf(text, sizeof text, "%s%s", large_activation_search,
             "Try to compile segment with 302 ops\n"
             "Intermediate tensors: Relu6_13,Reshape_4\n"
             "Started a compilation timeout timer of 180 seconds.\n"
             "\n"
             "Model compiled successfully in 5120 ms.\n"
             "\n"
             "Input model: efficientdet.tflite\n"
             "Number of Edge TPU subgraphs: 1\n"
             "Total number of operations: 322\n"
             "\n"
             "Model successfully compiled but not all operations are supported by the Edge TPU.\n"
             "Number of operations that will run on Edge TPU: 302\n"
             "Number of operations that will run on CPU: 20\n"
             "Compilation child process completed within timeout period.\n"
             "Compilation succeeded! \n");
    parse_str(text, &r);
    m = only_model(&r);
    CHECK_INT(m->failure, ETPU_COMPILE_OK);
    CHECK_TRUE(m->compiled);
    CHECK_INT(m->attempt_count, 3);
    CHECK_INT(m->attempts[2].outcome, ETPU_ATTEMPT_SUCCEEDED);
    CHECK_STR(m->input_path, "efficientdet.tflite");
    check_count(m->compile_ms, 5120);
    CHECK_INT(m->ops_on_cpu, 20);
    CHECK_INT(etpu_compiler_model_outcome(m), ETPU_OUTCOME_SOME_ON_CPU);
    etpu_compiler_report_free(&r);
}

static void test_other_failures(void **state)
{
    (void)state;
    etpu_compiler_report r;

    /* Wrapper-level crash (#643). */
    parse_str("Edge TPU Compiler version 16.0.384591198\n"
              "Started a compilation timeout timer of 180 seconds.\n"
              "/usr/bin/edgetpu_compiler: line 3:  4711 Segmentation fault      (core dumped) "
              "${d}/edgetpu_compiler_bin/ld-linux-x86-64.so.2 --library-path "
              "${d}/edgetpu_compiler_bin ${d}/edgetpu_compiler_bin/edgetpu_compiler \"$@\"\n",
              &r);
    CHECK_INT(only_model(&r)->failure, ETPU_COMPILE_SEGFAULT);
    etpu_compiler_report_free(&r);

    /* Not quantized (#168), 14.1. */
    parse_str("Edge TPU Compiler version 14.1.317412892\n"
              "Invalid model: my_mnist_quant.tflite\n"
              "Model not quantized\n",
              &r);
    check_failed(only_model(&r), ETPU_COMPILE_NOT_QUANTIZED, "Model not quantized");
    CHECK_STR(r.models[0].input_path, "my_mnist_quant.tflite");
    etpu_compiler_report_free(&r);

    /* Timeout (#686). */
    parse_str("Edge TPU Compiler version 16.0.384591198\n"
              "Started a compilation timeout timer of 600 seconds.\n"
              "Compilation timeout. This is usually caused by large activations.\n"
              "Compilation failed! \n",
              &r);
    check_failed(only_model(&r), ETPU_COMPILE_TIMEOUT,
                 "Compilation timeout. This is usually caused by large activations.");
    check_count(r.models[0].timeout_sec, 600);
    etpu_compiler_report_free(&r);

    /* MLIR diagnostic (#828). */
    parse_str("Edge TPU Compiler version 16.0.384591198\n"
              "loc(\"model/tf.strided_slice\"): error: 'tfl.strided_slice' op is not supported on "
              "DarwiNN. See the operation detail:\n"
              "Compilation failed! \n",
              &r);
    CHECK_INT(only_model(&r)->failure, ETPU_COMPILE_OP_REJECTED);
    CHECK_INT(r.models[0].error_count, 1);
    etpu_compiler_report_free(&r);

    /* Silent failure (#800). */
    parse_str("Edge TPU Compiler version 16.0.384591198\n"
              "Started a compilation timeout timer of 180 seconds.\n"
              "Compilation child process completed within timeout period.\n"
              "Compilation failed! \n",
              &r);
    check_failed(only_model(&r), ETPU_COMPILE_UNKNOWN, "Compilation failed!");
    etpu_compiler_report_free(&r);

    /* Pasted in a Markdown quote (#313). */
    parse_str("I got the following error:\n"
              "> Edge TPU Compiler version 15.0.340273435\n"
              "> Invalid model: mobilenet_v2_1.0_224_quant.tflite\n"
              "> Model not quantized\n",
              &r);
    CHECK_INT(only_model(&r)->failure, ETPU_COMPILE_NOT_QUANTIZED);
    CHECK_STR(r.models[0].compiler_version, "15.0.340273435");
    etpu_compiler_report_free(&r);
}

/* Repeated runs in one capture (#211): two failures, then a success. */
static void test_repeated_runs(void **state)
{
    (void)state;
    etpu_compiler_report r;
    parse_str("user@host:~$ edgetpu_compiler model-quant.tflite\n"
              "Edge TPU Compiler version 14.1.317412892\n"
              "\n"
              "Internal compiler error. Aborting! \n"
              "user@host:~$ edgetpu_compiler model-quant.tflite\n"
              "Edge TPU Compiler version 14.1.317412892\n"
              "\n"
              "Internal compiler error. Aborting! \n"
              "user@host:~$ edgetpu_compiler model-quant.tflite\n"
              "Edge TPU Compiler version 14.1.317412892\n"
              "\n"
              "Model compiled successfully in 1626 ms.\n"
              "\n"
              "Input model: cam-ai_model_quant.tflite\n"
              "Input size: 46.29MiB\n"
              "Output model: cam-ai_model_quant_edgetpu.tflite\n"
              "Output size: 47.24MiB\n"
              "On-chip memory used for caching model parameters: 5.99MiB\n"
              "On-chip memory remaining for caching model parameters: 74.00KiB\n"
              "Off-chip memory used for streaming uncached model parameters: 15.73MiB\n"
              "Number of Edge TPU subgraphs: 1\n"
              "Total number of operations: 108\n"
              "Operation log: cam-ai_model_quant_edgetpu.log\n"
              "\n"
              "Model successfully compiled but not all operations are supported by the Edge TPU. "
              "A percentage of the model will instead run on the CPU, which is slower.\n"
              "Number of operations that will run on Edge TPU: 102\n"
              "Number of operations that will run on CPU: 6\n"
              "See the operation log file for individual operation details.\n",
              &r);
    CHECK_INT(r.model_count, 3);
    CHECK_INT(r.version_lines, 3);
    CHECK_INT(r.models[0].failure, ETPU_COMPILE_INTERNAL_ERROR);
    CHECK_INT(r.models[1].failure, ETPU_COMPILE_INTERNAL_ERROR);
    CHECK_INT(r.models[0].first_line, 2);
    const etpu_compiler_model *m = &r.models[2];
    CHECK_INT(m->failure, ETPU_COMPILE_OK);
    CHECK_STR(m->input_path, "cam-ai_model_quant.tflite");
    check_size(&m->input_size, 48538583);       /* 46.29 * 2^20 = 48538583.04 */
    check_size(&m->on_chip_remaining, 75776);   /* 74.00 * 1024 */
    check_size(&m->off_chip_used, 16494100);    /* 15.73 * 2^20 = 16494100.48 */
    CHECK_INT(m->ops_source, ETPU_OPS_CONSOLE);
    CHECK_INT(m->ops_on_tpu, 102);
    CHECK_INT(m->ops_on_cpu, 6);
    CHECK_INT(r.note_count, 0);
    etpu_compiler_report_free(&r);
}

/* Compiler 2.0 console output (f0cal/google-coral #53) and the 14.1
 * paragraph wrapped at 72 columns (#173). */
static void test_older_console_layouts(void **state)
{
    (void)state;
    etpu_compiler_report r;
    parse_str("Edge TPU Compiler version 2.0.267685300\n"
              "\n"
              "Model compiled successfully in 313 ms.\n"
              "\n"
              "Input model: output_tflite_graph.tflite\n"
              "Input size: 5.33MiB\n"
              "Output model: output_tflite_graph_edgetpu.tflite\n"
              "Output size: 5.75MiB\n"
              "On-chip memory available for caching model parameters: 7.62MiB\n"
              "On-chip memory used for caching model parameters: 5.66MiB\n"
              "Off-chip memory used for streaming uncached model parameters: 0.00B\n"
              "Number of Edge TPU subgraphs: 1\n"
              "Total number of operations: 64\n"
              "Operation log: output_tflite_graph_edgetpu.log\n"
              "\n"
              "Number of operations that will run on Edge TPU: 63\n"
              "Number of operations that will run on CPU: 1\n"
              "\n"
              "Operator                       Count      Status\n"
              "\n"
              "CUSTOM                         1          Operation is working on an unsupported data type\n"
              "CONV_2D                        34         Mapped to Edge TPU\n"
              "DEPTHWISE_CONV_2D              13         Mapped to Edge TPU\n"
              "RESHAPE                        13         Mapped to Edge TPU\n"
              "CONCATENATION                  2          Mapped to Edge TPU\n"
              "LOGISTIC                       1          Mapped to Edge TPU\n",
              &r);
    const etpu_compiler_model *m = only_model(&r);
    check_size(&m->on_chip_available, 7990149); /* 7.62 * 2^20 = 7990149.12 */
    check_size(&m->on_chip_remaining, -1);
    check_size(&m->off_chip_used, 0);
    CHECK_INT(m->row_count, 6);
    CHECK_INT(m->table_mapped_ops, 63);
    CHECK_INT(m->ops_source, ETPU_OPS_CONSOLE);
    CHECK_INT(r.note_count, 0);
    etpu_compiler_report_free(&r);

    parse_str("Edge TPU Compiler version 14.1.317412892\n"
              "\n"
              "Model compiled successfully in 113 ms.\n"
              "\n"
              "Input model: T1_no_summ_02_quant8.tflite\n"
              "On-chip memory remaining for caching model parameters: 7.96MiB\n"
              "Total number of operations: 24\n"
              "\n"
              "Model successfully compiled but not all operations are supported by the\n"
              "Edge TPU. A percentage of the model will instead run on the CPU, which is\n"
              "slower. If possible, consider updating your model to use only operations\n"
              "supported by the Edge TPU. For details, visit g.co/coral/model-reqs.\n"
              "Number of operations that will run on Edge TPU: 6\n"
              "Number of operations that will run on CPU: 18\n"
              "See the operation log file for individual operation details.\n",
              &r);
    m = only_model(&r);
    CHECK_INT(m->ops_on_tpu, 6);
    CHECK_INT(m->ops_on_cpu, 18);
    CHECK_INT(r.note_count, 0);
    etpu_compiler_report_free(&r);
}

/* ------------------------------------------------------------------------ */
/* Containers: notebooks, escaped strings                                    */

/* Laid out the way Jupyter saves a notebook: one output line per JSON line. */
static const char notebook[] =
    "{\n"
    " \"cells\": [\n"
    "  {\n"
    "   \"cell_type\": \"code\",\n"
    "   \"source\": [\n"
    "    \"!edgetpu_compiler -s model.tflite\"\n"
    "   ],\n"
    "   \"outputs\": [\n"
    "    {\n"
    "     \"name\": \"stdout\",\n"
    "     \"output_type\": \"stream\",\n"
    "     \"text\": [\n"
    "      \"Edge TPU Compiler version 16.0.384591198\\n\",\n"
    "      \"Started a compilation timeout timer of 180 seconds.\\n\",\n"
    "      \"\\n\",\n"
    "      \"Model compiled successfully in 421 ms.\\n\",\n"
    "      \"\\n\",\n"
    "      \"Input model: model.tflite\\n\",\n"
    "      \"Input size: 1.00KiB\\n\",\n"
    "      \"Output model: model_edgetpu.tflite\\n\",\n"
    "      \"Number of Edge TPU subgraphs: 1\\n\",\n"
    "      \"Total number of operations: 3\\n\",\n"
    "      \"\\n\",\n"
    "      \"Number of operations that will run on Edge TPU: 2\\n\",\n"
    "      \"Number of operations that will run on CPU: 1\\n\",\n"
    "      \"\\n\",\n"
    "      \"Operator                       Count      Status\\n\",\n"
    "      \"\\n\",\n"
    "      \"CONV_2D                        2          Mapped to Edge TPU\\n\",\n"
    "      \"DEQUANTIZE                     1          Operation is working on an unsupported data type\\n\",\n"
    "      \"Compilation child process completed within timeout period.\\n\",\n"
    "      \"Compilation succeeded! \\n\"\n"
    "     ]\n"
    "    }\n"
    "   ]\n"
    "  }\n"
    " ],\n"
    " \"metadata\": {},\n"
    " \"nbformat\": 4,\n"
    " \"nbformat_minor\": 0\n"
    "}\n";

static void check_notebook_model(const etpu_compiler_report *r)
{
    const etpu_compiler_model *m = only_model(r);
    CHECK_STR(m->input_path, "model.tflite");
    CHECK_STR(m->output_path, "model_edgetpu.tflite");
    check_size(&m->input_size, 1024);
    check_count(m->compile_ms, 421);
    CHECK_INT(m->row_count, 2);
    CHECK_STR(m->rows[1].op_name, "DEQUANTIZE");
    CHECK_INT(m->rows[1].status, ETPU_OP_STATUS_UNSUPPORTED_DATA_TYPE);
    CHECK_INT(m->ops_on_tpu, 2);
    CHECK_INT(m->ops_on_cpu, 1);
    CHECK_INT(r->note_count, 0);
}

static void test_notebook(void **state)
{
    (void)state;
    etpu_compiler_report r;
    parse_str(notebook, &r);
    CHECK_TRUE(r.from_json);
    check_notebook_model(&r);
    etpu_compiler_report_free(&r);

    /* Cut inside the last cell: no longer JSON, each quoted line still decodes. */
    const char *cut = strstr(notebook, "     ]\n");
    parse_ok(notebook, (size_t)(cut - notebook), &r);
    CHECK_TRUE(!r.from_json);
    check_notebook_model(&r);
    etpu_compiler_report_free(&r);
}

static void test_escaped_strings(void **state)
{
    (void)state;
    etpu_compiler_report r;

    /* Python printing subprocess output as bytes. */
    parse_str("b'Edge TPU Compiler version 16.0.384591198\\nStarted a compilation timeout timer of "
              "180 seconds.\\nERROR: Attempting to use a delegate that only supports static-sized "
              "tensors with a graph that has dynamic-sized tensors.\\nCompilation failed! \\n'\n",
              &r);
    CHECK_INT(only_model(&r)->failure, ETPU_COMPILE_DYNAMIC_TENSORS);
    etpu_compiler_report_free(&r);

    /* One JSON string holding a whole operation log. */
    parse_str("{\"log\": \"Edge TPU Compiler version 15.0.340273435\\nInput: a.tflite\\n"
              "Output: a_edgetpu.tflite\\n\\nOperator                       Count      Status\\n\\n"
              "ADD                            1          Mapped to Edge TPU\\n\", \"exit\": 0}",
              &r);
    CHECK_TRUE(r.from_json);
    CHECK_STR(only_model(&r)->input_path, "a.tflite");
    CHECK_STR(r.models[0].output_path, "a_edgetpu.tflite");
    CHECK_INT(r.models[0].row_count, 1);
    CHECK_INT(etpu_compiler_model_outcome(&r.models[0]), ETPU_OUTCOME_ALL_MAPPED);
    etpu_compiler_report_free(&r);
}

/* ------------------------------------------------------------------------ */
/* Small units: statuses, failure classes, sizes                             */

static void test_status_table(void **state)
{
    (void)state;
    for (unsigned s = 1; s < ETPU_OP_STATUS__COUNT; s++) {
        const char *text = etpu_op_status_text((etpu_op_status)s);
        CHECK_NONNULL(text);
        CHECK_INT(etpu_op_status_from_text(text, strlen(text)), s);
        CHECK_TRUE(strlen(etpu_op_status_name((etpu_op_status)s)) > 0);
        CHECK_NONNULL(etpu_op_status_hint((etpu_op_status)s));
        CHECK_INT(etpu_op_status_is_mapped((etpu_op_status)s), s == ETPU_OP_STATUS_MAPPED);
        if (s != ETPU_OP_STATUS_MAPPED)
            CHECK_TRUE(strlen(etpu_op_status_hint((etpu_op_status)s)) > 0);
    }
    CHECK_STR(etpu_op_status_text(ETPU_OP_STATUS_MAPPED), "Mapped to Edge TPU");
    CHECK_STR(etpu_op_status_text(ETPU_OP_STATUS_MORE_THAN_ONE_SUBGRAPH),
              "More than one subgraph is not supported");
    CHECK_STR(etpu_op_status_text(ETPU_OP_STATUS_UNSUPPORTED_RANK),
              "Tensor has unsupported rank (up to 3 innermost dimensions mapped)");
    CHECK_STR(etpu_op_status_name(ETPU_OP_STATUS_UNSPECIFIED_LIMITATION), "UNSPECIFIED_LIMITATION");
    CHECK_INT(etpu_op_status_from_text(" Mapped to Edge TPU \r\n", 22), ETPU_OP_STATUS_MAPPED);
    CHECK_INT(etpu_op_status_from_text("mapped to edge tpu", 18), ETPU_OP_STATUS_UNKNOWN);
    CHECK_INT(etpu_op_status_from_text("Mapped to Edge", 14), ETPU_OP_STATUS_UNKNOWN);
    CHECK_INT(etpu_op_status_from_text(NULL, 5), ETPU_OP_STATUS_UNKNOWN);
    CHECK_NULL(etpu_op_status_text(ETPU_OP_STATUS_UNKNOWN));
    CHECK_NULL(etpu_op_status_text((etpu_op_status)999));
    CHECK_STR(etpu_op_status_name((etpu_op_status)-1), "UNKNOWN");
    CHECK_TRUE(!etpu_op_status_is_mapped((etpu_op_status)999));
}

static void test_failure_classes(void **state)
{
    (void)state;
    for (unsigned f = 0; f < ETPU_COMPILE_FAILURE__COUNT; f++) {
        const char *name = etpu_compile_failure_name((etpu_compile_failure)f);
        CHECK_TRUE(strlen(name) > 0);
        CHECK_TRUE(strlen(etpu_compile_failure_text((etpu_compile_failure)f)) > 0);
        CHECK_TRUE(f == ETPU_COMPILE_OK ||
                   strlen(etpu_compile_failure_hint((etpu_compile_failure)f)) > 0);
        for (unsigned g = 0; g < f; g++)
            CHECK_TRUE(strcmp(name, etpu_compile_failure_name((etpu_compile_failure)g)) != 0);
    }
    CHECK_STR(etpu_compile_failure_name(ETPU_COMPILE_OK), "none");
    CHECK_STR(etpu_compile_failure_name(ETPU_COMPILE_LARGE_ACTIVATIONS), "large_activations");
    CHECK_STR(etpu_compile_failure_name((etpu_compile_failure)999), "unknown");
    CHECK_NONNULL(etpu_compile_failure_hint((etpu_compile_failure)999));
    CHECK_STR(etpu_compiler_outcome_name(ETPU_OUTCOME_SOME_ON_CPU), "some_on_cpu");
    CHECK_STR(etpu_attempt_outcome_name(ETPU_ATTEMPT_SUCCEEDED), "succeeded");
    CHECK_STR(etpu_ops_source_name(ETPU_OPS_IMPLIED), "implied");
}

static void test_sizes(void **state)
{
    (void)state;
    etpu_compiler_report r;
    parse_str("Edge TPU Compiler version 16.0.384591198\n"
              "Input model: m.tflite\n"
              "Input size: 512.00B\n"
              "Output size: 1.00KiB\n"
              "On-chip memory used for caching model parameters: 6.89MiB\n"
              "On-chip memory remaining for caching model parameters: 0.5GiB\n"
              "Off-chip memory used for streaming uncached model parameters: 1.5 MB\n"
              "Number of Edge TPU subgraphs: lots\n",
              &r);
    const etpu_compiler_model *m = only_model(&r);
    check_size(&m->input_size, 512);
    check_size(&m->output_size, 1024);
    check_size(&m->on_chip_used, 7224689); /* 6.89 * 2^20 = 7224688.64 */
    CHECK_STR(m->on_chip_used.text, "6.89MiB");
    check_size(&m->on_chip_remaining, 536870912);
    check_size(&m->off_chip_used, -1);
    check_count(m->edgetpu_subgraphs, -1);
    CHECK_INT(r.note_count, 2);
    /* Sizes were printed, but nothing says how the ops were mapped. */
    CHECK_INT(etpu_compiler_model_outcome(m), ETPU_OUTCOME_INCOMPLETE);
    etpu_compiler_report_free(&r);
}

static void test_unknown_status(void **state)
{
    (void)state;
    etpu_compiler_report r;
    parse_str("Edge TPU Compiler version 17.0.1\nInput: m.tflite\nOutput: m_edgetpu.tflite\n\n"
              "Operator                       Count      Status\n\n"
              "CONV_2D                        3          Mapped to Edge TPU\n"
              "GELU                           2          Some wording from a future compiler\n",
              &r);
    const etpu_compiler_model *m = only_model(&r);
    CHECK_INT(m->compiler_major, 17);
    CHECK_INT(m->rows[1].status, ETPU_OP_STATUS_UNKNOWN);
    CHECK_STR(m->rows[1].status_text, "Some wording from a future compiler");
    CHECK_TRUE(!m->rows[1].mapped);
    CHECK_INT(m->ops_on_cpu, 2);
    CHECK_INT(r.note_count, 1);
    CHECK_INT(etpu_compiler_model_outcome(m), ETPU_OUTCOME_SOME_ON_CPU);
    etpu_compiler_report_free(&r);
}

static void test_json_output(void **state)
{
    (void)state;
    etpu_compiler_report r;
    parse_str(large_activation_search, &r);
    char *printed = etpu_compiler_report_json(&r, NULL);
    CHECK_NONNULL(printed);
    cJSON *back = cJSON_Parse(printed); /* valid JSON */
    CHECK_NONNULL(back);
    const cJSON *model = cJSON_GetArrayItem(cJSON_GetObjectItem(back, "models"), 0);
    CHECK_STR(cJSON_GetObjectItem(model, "outcome")->valuestring, "failed");
    const cJSON *failure = cJSON_GetObjectItem(model, "failure");
    CHECK_STR(cJSON_GetObjectItem(failure, "class")->valuestring, "large_activations");
    CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(model, "attempts")), 2);
    CHECK_TRUE(cJSON_IsNull(cJSON_GetObjectItem(model, "input_path")));
    CHECK_INT(cJSON_GetObjectItem(model, "delegate_search_step")->valueint, 10);
    cJSON_Delete(back);
    free(printed);
    etpu_compiler_report_free(&r);

    parse_str(notebook, &r);
    printed = etpu_compiler_report_json(&r, NULL);
    CHECK_NONNULL(printed);
    cJSON *root = cJSON_Parse(printed);
    free(printed);
    model = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "models"), 0);
    const cJSON *row = cJSON_GetArrayItem(cJSON_GetObjectItem(model, "operators"), 1);
    CHECK_STR(cJSON_GetObjectItem(row, "status_id")->valuestring, "UNSUPPORTED_DATA_TYPE");
    CHECK_TRUE(cJSON_IsFalse(cJSON_GetObjectItem(row, "mapped")));
    CHECK_INT(cJSON_GetObjectItem(cJSON_GetObjectItem(model, "input_size"), "bytes")->valueint, 1024);
    CHECK_TRUE(cJSON_IsTrue(cJSON_GetObjectItem(root, "from_json")));
    cJSON_Delete(root);
    etpu_compiler_report_free(&r);
}

/* ------------------------------------------------------------------------ */
/* Hostile input                                                             */

/* Deterministic pseudo-random bytes (a plain LCG), so failures reproduce. */
static void fill_random(char *buf, size_t n, uint32_t seed, bool printable)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        unsigned char c = (unsigned char)(seed >> 24);
        buf[i] = printable ? (char)(c % 97 == 96 ? '\n' : ' ' + c % 95) : (char)c;
    }
}

static void test_hostile_empty_and_garbage(void **state)
{
    (void)state;
    parse_fails("", 0, ETPU_ERR_UNSUPPORTED);
    parse_fails(NULL, 0, ETPU_ERR_UNSUPPORTED);
    parse_fails("\n\n\r\n   \t\n", 7, ETPU_ERR_UNSUPPORTED);
    etpu_error err;
    CHECK_INT(etpu_compiler_log_parse("x", 1, NULL, &err), ETPU_FAIL);
    CHECK_INT(err.kind, ETPU_ERR_USAGE);
    etpu_compiler_report r;
    CHECK_INT(etpu_compiler_log_parse(NULL, 10, &r, NULL), ETPU_FAIL);

    size_t n = 1 << 20;
    char *junk = malloc(n);
    assert_non_null(junk);
    fill_random(junk, n, 12345, false);
    parse_fails(junk, n, ETPU_ERR_UNSUPPORTED);
    junk[0] = '{'; /* looks like JSON, is not */
    parse_fails(junk, n, ETPU_ERR_UNSUPPORTED);
    free(junk);

    /* Prose that uses the operation log's words but is no log. */
    parse_fails("Input: an image\nOutput: a label\n", 32, ETPU_ERR_UNSUPPORTED);
    parse_fails("CONV_2D 1 Mapped to Edge TPU\n", 29, ETPU_ERR_UNSUPPORTED);

    /* Deeply nested JSON: cJSON refuses it, the text path finds nothing. */
    size_t depth = 100000;
    char *deep = malloc(depth);
    assert_non_null(deep);
    memset(deep, '[', depth);
    parse_fails(deep, depth, ETPU_ERR_UNSUPPORTED);
    free(deep);
}

static void test_hostile_ten_megabytes(void **state)
{
    (void)state;
    size_t n = 10u << 20;
    char *junk = malloc(n);
    assert_non_null(junk);
    fill_random(junk, n, 777, true);
    parse_fails(junk, n, ETPU_ERR_UNSUPPORTED);
    memset(junk, 'A', n); /* one 10 MB line, no newline */
    parse_fails(junk, n, ETPU_ERR_UNSUPPORTED);

    /* 10 MB of well-formed rows: capped, noted, no blow-up. */
    static const char header[] = "Edge TPU Compiler version 16.0.384591198\nInput: m.tflite\n"
                                 "Output: m_edgetpu.tflite\n\nOperator Count Status\n\n";
    static const char row[] = "ADD                            1          Mapped to Edge TPU\n";
    size_t used = 0;
    memcpy(junk, header, sizeof header - 1);
    used += sizeof header - 1;
    size_t rows = 0;
    while (used + sizeof row - 1 <= n) {
        memcpy(junk + used, row, sizeof row - 1);
        used += sizeof row - 1;
        rows++;
    }
    etpu_compiler_report r;
    parse_ok(junk, used, &r);
    const etpu_compiler_model *m = only_model(&r);
    CHECK_INT(m->row_count, ETPU_LOG_MAX_ROWS);
    CHECK_INT(m->table_mapped_ops, ETPU_LOG_MAX_ROWS);
    CHECK_TRUE(rows > ETPU_LOG_MAX_ROWS);
    CHECK_INT(r.note_count, 1);
    etpu_compiler_report_free(&r);
    free(junk);
}

static void test_hostile_numbers(void **state)
{
    (void)state;
    etpu_compiler_report r;
    parse_str("Edge TPU Compiler version 99999999999999999999.0\n"
              "Input: m.tflite\nOutput: o.tflite\n\nOperator Count Status\n\n"
              "CONV_2D  99999999999999999999999  Mapped to Edge TPU\n"
              "ADD      4294967296  Mapped to Edge TPU\n"
              "MUL      4294967295  Mapped to Edge TPU\n"
              "Number of Edge TPU subgraphs: 18446744073709551616\n"
              "Input size: 99999999999999.00MiB\n"
              "Output size: 4294967295.999999GiB\n",
              &r);
    const etpu_compiler_model *m = only_model(&r);
    CHECK_INT(m->row_count, 1);
    CHECK_STR(m->rows[0].op_name, "MUL");
    CHECK_INT(m->rows[0].count, 4294967295u);
    check_count(m->edgetpu_subgraphs, -1);
    check_size(&m->input_size, -1);
    check_size(&m->output_size, -1); /* beyond 2^53 bytes */
    CHECK_INT(r.model_count, 1);
    CHECK_INT(m->compiler_major, 0); /* absurd major: not a number we trust */
    CHECK_INT(r.note_count, 5);
    etpu_compiler_report_free(&r);
}

static void test_hostile_text(void **state)
{
    (void)state;
    etpu_compiler_report r;

    /* No final newline; NUL and escape bytes inside lines. */
    static const char text[] = "Edge TPU Compiler version 16.0\0junk\n"
                               "Input model: evil\x1b[31m\x01.tflite\n"
                               "Output model: \xff\xfe\xc3\xa9.tflite\n"
                               "Total number of operations: 7";
    parse_ok(text, sizeof text - 1, &r);
    const etpu_compiler_model *m = only_model(&r);
    CHECK_STR(r.compiler_version, "16.0");
    CHECK_STR(m->input_path, "evil?[31m?.tflite");
    CHECK_STR(m->output_path, "??\xc3\xa9.tflite"); /* valid UTF-8 kept */
    check_count(m->total_ops, 7);
    etpu_compiler_report_free(&r);

    /* Only the version line (`edgetpu_compiler -v`), no newline: a log with no model. */
    parse_str("Edge TPU Compiler version 16.0.384591198", &r);
    CHECK_INT(r.model_count, 0);
    CHECK_INT(r.version_lines, 1);
    CHECK_STR(r.compiler_version, "16.0.384591198");
    CHECK_INT(r.compiler_major, 16);
    etpu_compiler_report_free(&r);

    /* A 10000-byte path is cut to ETPU_LOG_MAX_TEXT bytes plus "...". */
    size_t long_len = 10000;
    char *long_line = malloc(long_len + 64);
    assert_non_null(long_line);
    int prefix = snprintf(long_line, 64, "Input model: ");
    memset(long_line + prefix, 'p', long_len);
    parse_ok(long_line, (size_t)prefix + long_len, &r);
    CHECK_INT(strlen(only_model(&r)->input_path), ETPU_LOG_MAX_TEXT + 3);
    CHECK_TRUE(strcmp(r.models[0].input_path + ETPU_LOG_MAX_TEXT, "...") == 0);
    etpu_compiler_report_free(&r);
    free(long_line);

    /* Stray search-delegate line, and many ERROR lines (capped). */
    char *errors = malloc(200 * 64);
    assert_non_null(errors);
    size_t used = (size_t)sprintf(errors, "Edge TPU Compiler version 16.0.384591198\n"
                                          "Intermediate tensors: a,b\n");
    for (int i = 0; i < 100; i++)
        used += (size_t)sprintf(errors + used, "ERROR: failure number %d\n", i);
    used += (size_t)sprintf(errors + used, "Compilation failed!\n");
    parse_ok(errors, used, &r);
    CHECK_INT(only_model(&r)->error_count, ETPU_LOG_MAX_MESSAGES);
    CHECK_INT(r.models[0].failure, ETPU_COMPILE_UNKNOWN);
    CHECK_INT(r.note_count, 1);
    etpu_compiler_report_free(&r);
    free(errors);
}

static void test_hostile_many_models(void **state)
{
    (void)state;
    static const char line[] = "Input model: m.tflite\n";
    size_t count = ETPU_LOG_MAX_MODELS + 100;
    char *text = malloc(count * (sizeof line - 1));
    assert_non_null(text);
    for (size_t i = 0; i < count; i++)
        memcpy(text + i * (sizeof line - 1), line, sizeof line - 1);
    etpu_compiler_report r;
    parse_ok(text, count * (sizeof line - 1), &r);
    CHECK_INT(r.model_count, ETPU_LOG_MAX_MODELS);
    CHECK_INT(r.note_count, 1);
    CHECK_INT(etpu_compiler_model_outcome(&r.models[0]), ETPU_OUTCOME_INCOMPLETE);
    etpu_compiler_report_free(&r);
    free(text);
}

/* ------------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    corpus_dir = argc > 1 ? argv[1] : getenv("ETPU_CORPUS");
    if (corpus_dir && !*corpus_dir)
        corpus_dir = NULL;

    enum { CORPUS_LOGS = sizeof corpus_logs / sizeof corpus_logs[0] };
    struct CMUnitTest corpus_tests[CORPUS_LOGS + 1];
    for (size_t i = 0; i < CORPUS_LOGS; i++)
        corpus_tests[i] = (struct CMUnitTest){.name = corpus_logs[i].file,
                                              .test_func = test_corpus_log,
                                              .initial_state = (void *)&corpus_logs[i]};
    corpus_tests[CORPUS_LOGS] = (struct CMUnitTest)cmocka_unit_test(test_corpus_details);

    const struct CMUnitTest unit_tests[] = {
        cmocka_unit_test(test_dynamic_tensors),
        cmocka_unit_test(test_op_version),
        cmocka_unit_test(test_internal_errors),
        cmocka_unit_test(test_large_activations),
        cmocka_unit_test(test_other_failures),
        cmocka_unit_test(test_repeated_runs),
        cmocka_unit_test(test_older_console_layouts),
        cmocka_unit_test(test_notebook),
        cmocka_unit_test(test_escaped_strings),
        cmocka_unit_test(test_status_table),
        cmocka_unit_test(test_failure_classes),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_unknown_status),
        cmocka_unit_test(test_json_output),
        cmocka_unit_test(test_hostile_empty_and_garbage),
        cmocka_unit_test(test_hostile_ten_megabytes),
        cmocka_unit_test(test_hostile_numbers),
        cmocka_unit_test(test_hostile_text),
        cmocka_unit_test(test_hostile_many_models),
    };
    int failed = cmocka_run_group_tests_name("compiler_log corpus", corpus_tests, NULL, NULL);
    failed += cmocka_run_group_tests_name("compiler_log", unit_tests, NULL, NULL);
    printf("compiler_log: %zu corpus logs%s, %lu checks\n", (size_t)CORPUS_LOGS,
           corpus_dir ? "" : " (skipped: set ETPU_CORPUS)", checks);
    return failed ? 1 : 0;
}
