/*
 * etpu/model.h — a verified, decoded view of a TFLite model.
 *
 * etpu_model_open() maps the file, verifies the whole flatbuffer (every
 * offset, vtable, vector, string, union and index; see docs/ARCHITECTURE.md)
 * and only then decodes it into the plain structs below. Nothing is returned
 * for a file that fails verification. Weight bytes are never read while
 * opening: a buffer is described by its position and size in the file, and
 * etpu_buffer_data() gives a pointer to its bytes when a caller needs them.
 * The cost of opening is therefore proportional to the number of tensors,
 * operators and option fields, not to the size of the weights.
 *
 * All strings and arrays belong to the model and live until
 * etpu_model_free().
 */
#ifndef ETPU_MODEL_H
#define ETPU_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etpu/error.h"
#include "etpu/ops.h"

#ifdef __cplusplus
extern "C" {
#endif

/* TFLite schema version this reader accepts (Model.version). */
#define ETPU_TFLITE_SCHEMA_VERSION 3

/* Custom code of the op the Edge TPU compiler puts in compiled models. */
#define ETPU_EDGETPU_CUSTOM_CODE "edgetpu-custom-op"


/* TensorType values (schema enum TensorType : byte). */
typedef enum etpu_tensor_type {
    ETPU_FLOAT32 = 0, ETPU_FLOAT16 = 1, ETPU_INT32 = 2, ETPU_UINT8 = 3,
    ETPU_INT64 = 4, ETPU_STRING = 5, ETPU_BOOL = 6, ETPU_INT16 = 7,
    ETPU_COMPLEX64 = 8, ETPU_INT8 = 9, ETPU_FLOAT64 = 10, ETPU_COMPLEX128 = 11,
    ETPU_UINT64 = 12, ETPU_RESOURCE = 13, ETPU_VARIANT = 14, ETPU_UINT32 = 15,
    ETPU_UINT16 = 16, ETPU_INT4 = 17, ETPU_BFLOAT16 = 18, ETPU_INT2 = 19,
    ETPU_UINT4 = 20, ETPU_FLOAT8_E4M3FN = 21, ETPU_FLOAT8_E5M2 = 22,
} etpu_tensor_type;

typedef struct etpu_i32_array { size_t count; int32_t *items; } etpu_i32_array;

/* The structs below are laid out widest member first, and counts of
 * flatbuffer vectors (at most 2^32 - 1 by the format) are uint32_t where a
 * model has one per tensor or operator: a 100k-op model holds 300k tensors,
 * and every padding byte is 0.3 MB of memory. */

typedef struct etpu_quant {
    float *scale;
    int64_t *zero_point;
    float *min;
    float *max;
    uint64_t details_offset; /* file offset of the details table, 0 if none */
    uint32_t scale_count;
    uint32_t zero_point_count;
    uint32_t min_count;
    uint32_t max_count;
    int32_t quantized_dimension;
    uint8_t details_type;    /* QuantizationDetails union type; 0 = none */
    /* Whether the file stores each vector, even empty (absent and empty
     * decode alike above; the writer keeps the difference). */
    bool has_min, has_max, has_scale, has_zero_point;
} etpu_quant;

typedef struct etpu_tensor {
    const char *name;               /* "" when absent */
    etpu_i32_array shape;
    etpu_i32_array shape_signature; /* -1 marks an unknown dimension */
    etpu_quant *quant;              /* NULL when absent */
    uint64_t offset;                /* file offset of the Tensor table */
    uint64_t sparsity_offset;       /* file offset of SparsityParameters, 0 if none */
    uint64_t variant_tensors_offset; /* file offset of the variant_tensors vector, 0 if none */
    uint32_t variant_tensor_count;
    int type;                       /* etpu_tensor_type */
    uint32_t buffer;                /* 0 = no data */
    uint32_t external_buffer;
    bool has_shape;                 /* the file stores shape (possibly empty: a scalar) */
    bool has_shape_signature;
    bool has_name;                  /* the file stores a name (else name is "") */
    bool is_variable;
    bool has_rank;
    bool has_sparsity;
} etpu_tensor;

/* Scalar kinds of option fields, after the flatbuffer scalar types. */
typedef enum etpu_value_kind {
    ETPU_V_BOOL, ETPU_V_I8, ETPU_V_U8, ETPU_V_I16, ETPU_V_U16, ETPU_V_I32,
    ETPU_V_U32, ETPU_V_I64, ETPU_V_U64, ETPU_V_F32, ETPU_V_F64, ETPU_V_STRING,
    ETPU_V_VECTOR, /* vector of scalars: elem_kind says which */
} etpu_value_kind;

/* One field present in an operator's builtin options table. Only fields
 * actually stored in the file are listed (absent = schema default). */
typedef struct etpu_option {
    const char *name;        /* schema field name, e.g. "stride_w" */
    const char *enum_name;   /* enum the value belongs to, or NULL */
    uint16_t id;             /* field id in the table */
    etpu_value_kind kind;
    etpu_value_kind elem_kind; /* for ETPU_V_VECTOR */
    int64_t i;               /* integer and bool values */
    uint64_t u;              /* U64 values */
    double f;                /* float values */
    const char *s;           /* string value */
    size_t count;            /* vector element count */
    const void *elems;       /* vector elements, little-endian, in the file */
} etpu_option;

typedef struct etpu_options {
    const char *type_name;   /* e.g. "Conv2DOptions"; NULL for NONE */
    uint64_t offset;         /* file offset of the table, 0 if none */
    size_t count;
    etpu_option *fields;
    uint8_t type;            /* union type (BuiltinOptions / BuiltinOptions2) */
    bool known;              /* the reader knows this table's fields */
} etpu_options;

typedef struct etpu_operator_code {
    int32_t builtin_code;    /* effective code: max(builtin_code, deprecated) */
    int8_t deprecated_builtin_code;
    int32_t raw_builtin_code;
    bool has_builtin_code_field;
    const char *custom_code; /* NULL when absent */
    int32_t version;
} etpu_operator_code;

typedef struct etpu_operator {
    etpu_i32_array inputs;   /* -1 = optional input absent */
    etpu_i32_array outputs;
    etpu_i32_array intermediates;
    etpu_options options;    /* builtin_options */
    etpu_options options2;   /* builtin_options_2 */
    uint64_t custom_options_offset; /* file offset of the bytes, 0 if none */
    uint64_t large_custom_options_offset;
    uint64_t large_custom_options_size;
    uint64_t offset;         /* file offset of the Operator table */
    const uint8_t *mutating_variable_inputs; /* the bools, in the file; NULL when absent */
    uint32_t custom_options_size;
    uint32_t mutating_variable_input_count;
    uint32_t opcode_index;
    int32_t debug_metadata_index;            /* -1 when absent */
    int8_t custom_options_format;
    /* Whether the file stores each vector, even empty (absent and empty
     * decode alike above; the writer keeps the difference). */
    bool has_inputs, has_outputs, has_intermediates;
} etpu_operator;

typedef struct etpu_subgraph {
    const char *name;
    size_t tensor_count;
    etpu_tensor *tensors;
    etpu_i32_array inputs;
    etpu_i32_array outputs;
    size_t operator_count;
    etpu_operator *operators;
    /* Whether the file stores each vector, even empty (absent and empty
     * decode alike above; the writer keeps the difference). */
    bool has_tensors, has_inputs, has_outputs, has_operators;
    int32_t debug_metadata_index; /* -1 when absent */
} etpu_subgraph;

typedef struct etpu_buffer {
    uint64_t data_offset;    /* file offset of the first data byte, 0 if none */
    uint64_t size;           /* bytes of data (inline or external) */
    bool external;           /* data lives at Buffer.offset/size, outside the table */
    bool has_data;           /* the file stores Buffer.data, even empty */
    /* Bytes a rewrite created (in the model's arena), or NULL: then the data
     * is at data_offset in the file. Read either through etpu_buffer_data(). */
    const uint8_t *bytes;
} etpu_buffer;

typedef struct etpu_metadata {
    const char *name;
    uint32_t buffer;
} etpu_metadata;

typedef struct etpu_tensor_map {
    const char *name;
    uint32_t tensor_index;
} etpu_tensor_map;

typedef struct etpu_signature_def {
    const char *key;
    uint32_t subgraph_index;
    size_t input_count;
    etpu_tensor_map *inputs;
    size_t output_count;
    etpu_tensor_map *outputs;
    bool has_inputs, has_outputs; /* the file stores the vector, even empty */
    const char *deprecated_tag;   /* NULL when absent */
} etpu_signature_def;

typedef struct etpu_model {
    const uint8_t *data;     /* the whole file, read-only */
    size_t size;
    uint32_t version;
    const char *description; /* NULL when absent */
    size_t opcode_count;
    etpu_operator_code *opcodes;
    size_t subgraph_count;
    etpu_subgraph *subgraphs;
    size_t buffer_count;
    etpu_buffer *buffers;
    size_t metadata_count;
    etpu_metadata *metadata;
    size_t metadata_buffer_count;
    int32_t *metadata_buffer;
    size_t signature_count;
    etpu_signature_def *signatures;
    struct etpu_model_private *priv;
    /* Whether the file stores each vector, even empty (absent and empty
     * decode alike above; the writer keeps the difference). */
    bool has_operator_codes, has_buffers, has_metadata_buffer, has_metadata,
        has_signature_defs;
    /* Model.external_buffer_groups/external_buffers are present: tensor data
     * in other files, not decoded (the writer refuses such a model). */
    bool has_external_buffers;
} etpu_model;

/* Limits the verifier enforces whatever the input says. */
typedef struct etpu_read_limits {
    unsigned max_depth;      /* table nesting depth */
    uint64_t max_tables;     /* tables visited in total */
} etpu_read_limits;

/* Open, verify and decode the model at path. On failure *out is NULL and
 * err says what is wrong and at which byte. */
etpu_status etpu_model_open(const char *path, etpu_model **out, etpu_error *err);

/* Same for bytes already in memory; the model keeps a pointer to data, which
 * must outlive it. limits may be NULL for the defaults. */
etpu_status etpu_model_from_memory(const uint8_t *data, size_t size,
                                   const etpu_read_limits *limits,
                                   etpu_model **out, etpu_error *err);

void etpu_model_free(etpu_model *model);

/* Decode *model again from the same bytes, dropping every change made to
 * it since (a fix pass's edits): what `report` does after previewing the
 * fix, without opening the path again (the file there may have been
 * replaced meanwhile). The old decoding is freed first, so the peak is one
 * model, not two. Fails when out of memory, or when the file was rewritten
 * in place meanwhile and no longer verifies; *model is then NULL. */
etpu_status etpu_model_reload(etpu_model **model, etpu_error *err);

/* Pointer to a buffer's bytes inside the file (NULL for an empty buffer). */
const uint8_t *etpu_buffer_data(const etpu_model *model, uint32_t buffer_index);

/* Value of a metadata entry's buffer as bytes (NULL/0 when absent). */
const uint8_t *etpu_metadata_bytes(const etpu_model *model, const char *name,
                                   size_t *size);

/* Convenience lookups. */
const etpu_operator_code *etpu_op_code(const etpu_model *model, const etpu_operator *op);
/* The op name as the Edge TPU compiler prints it: the BuiltinOperator name
 * (e.g. "CONV_2D"), or the custom code for custom ops. */
const char *etpu_op_display_name(const etpu_model *model, const etpu_operator *op);
/* An options field by name (NULL when absent from the file). */
const etpu_option *etpu_option_find(const etpu_options *opts, const char *name);
/* Integer value of an options field, or def when absent. */
int64_t etpu_option_int(const etpu_options *opts, const char *name, int64_t def);

/* Number of elements of a tensor's shape (1 for a scalar); 0 if any dim is
 * <= 0. Saturates at INT64_MAX. */
int64_t etpu_tensor_elements(const etpu_tensor *t);
/* Bytes per element of a type (0 for variable/unknown). Sub-byte types: 1. */
size_t etpu_type_size(int type);

/* Names (schema spellings). Unknown values give NULL. */
const char *etpu_builtin_name(int32_t code);
int32_t etpu_builtin_code(const char *name); /* -1 if unknown */
const char *etpu_type_name(int type);
int etpu_type_code(const char *name);        /* -1 if unknown */
const char *etpu_enum_value_name(const char *enum_name, int64_t value);

#ifdef __cplusplus
}
#endif
#endif /* ETPU_MODEL_H */
