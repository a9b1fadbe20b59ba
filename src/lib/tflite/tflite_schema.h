/*
 * tflite_schema.h — the TFLite schema as data for the generic verifier, and
 * the builtin-options field descriptions the reader decodes and the writer
 * re-encodes.
 *
 * Field ids restated from schema.fbs (FACTS.md §3.3). Dependencies:
 * flatbuf/ only.
 */
#ifndef ETPU_TFLITE_SCHEMA_H
#define ETPU_TFLITE_SCHEMA_H

#include "etpu/model.h"
#include "flatbuf/flatbuf.h"

/* Field ids of the tables the reader decodes. */
enum { MODEL_VERSION, MODEL_OPERATOR_CODES, MODEL_SUBGRAPHS, MODEL_DESCRIPTION, MODEL_BUFFERS,
       MODEL_METADATA_BUFFER, MODEL_METADATA, MODEL_SIGNATURE_DEFS,
       MODEL_EXTERNAL_BUFFER_GROUPS, MODEL_EXTERNAL_BUFFERS };
enum { SUBGRAPH_TENSORS, SUBGRAPH_INPUTS, SUBGRAPH_OUTPUTS, SUBGRAPH_OPERATORS, SUBGRAPH_NAME,
       SUBGRAPH_DEBUG_METADATA_INDEX };
enum { TENSOR_SHAPE, TENSOR_TYPE, TENSOR_BUFFER, TENSOR_NAME, TENSOR_QUANTIZATION,
       TENSOR_IS_VARIABLE, TENSOR_SPARSITY, TENSOR_SHAPE_SIGNATURE, TENSOR_HAS_RANK,
       TENSOR_VARIANT_TENSORS, TENSOR_EXTERNAL_BUFFER };
enum { QUANT_MIN, QUANT_MAX, QUANT_SCALE, QUANT_ZERO_POINT, QUANT_DETAILS_TYPE, QUANT_DETAILS,
       QUANT_QUANTIZED_DIMENSION };
enum { OPCODE_DEPRECATED_BUILTIN_CODE, OPCODE_CUSTOM_CODE, OPCODE_VERSION, OPCODE_BUILTIN_CODE };
enum { OP_OPCODE_INDEX, OP_INPUTS, OP_OUTPUTS, OP_BUILTIN_OPTIONS_TYPE, OP_BUILTIN_OPTIONS,
       OP_CUSTOM_OPTIONS, OP_CUSTOM_OPTIONS_FORMAT, OP_MUTATING_VARIABLE_INPUTS,
       OP_INTERMEDIATES, OP_LARGE_CUSTOM_OPTIONS_OFFSET, OP_LARGE_CUSTOM_OPTIONS_SIZE,
       OP_BUILTIN_OPTIONS_2_TYPE, OP_BUILTIN_OPTIONS_2, OP_DEBUG_METADATA_INDEX };
enum { BUFFER_DATA, BUFFER_OFFSET, BUFFER_SIZE };
enum { METADATA_NAME, METADATA_BUFFER };
enum { TENSORMAP_NAME, TENSORMAP_TENSOR_INDEX };
enum { SIGDEF_INPUTS, SIGDEF_OUTPUTS, SIGDEF_SIGNATURE_KEY, SIGDEF_DEPRECATED_TAG,
       SIGDEF_SUBGRAPH_INDEX };

/* One field of a builtin options table. */
typedef struct tfl_option_field {
    const char *name;
    uint16_t id;
    etpu_value_kind kind;      /* ETPU_V_VECTOR for vectors */
    etpu_value_kind elem_kind; /* element kind of a vector */
    uint8_t size;              /* scalar or element size in bytes */
    int64_t default_int;
    double default_float;
    const char *enum_name;     /* NULL if not an enum */
} tfl_option_field;

typedef struct tfl_options_schema {
    uint8_t type;              /* union type id */
    const char *name;
    size_t field_count;
    const tfl_option_field *fields;
} tfl_options_schema;

/* The Model table schema (root), with all sub-tables. */
const fb_table_schema *tfl_model_schema(void);

/* Options table for a union type; union_no is 1 (BuiltinOptions) or 2
 * (BuiltinOptions2). NULL for NONE or an unknown type. */
const tfl_options_schema *tfl_options_schema_for(int union_no, uint8_t type);
/* Options union type id by table name (union 1), 0 if unknown. */
uint8_t tfl_options_type_by_name(const char *name);
size_t tfl_options_type_count(int union_no);

/* The options union type the converter uses for a builtin op, or -1 when any
 * type is acceptable (the op has no options table of its own). */
int tfl_expected_options_type(int32_t builtin_code);

#endif
