/*
 * schema.c — the TFLite schema as verifier data (see tflite_schema.h).
 *
 * The core tables are static descriptions. The 149 builtin options tables
 * are described compactly in options.def and expanded once, on first use,
 * into both verifier tables and the field lists the reader decodes.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tflite/tflite_schema.h"

#define SCALAR(id_, name_, size_) {.id = id_, .kind = FB_SCALAR, .size = size_, .name = name_}
#define STRING(id_, name_) {.id = id_, .kind = FB_STRING, .name = name_}
#define TABLE(id_, name_, t) {.id = id_, .kind = FB_TABLE, .name = name_, .table = &t}
#define VEC(id_, name_, size_) {.id = id_, .kind = FB_VEC_SCALAR, .size = size_, .name = name_}
#define VEC_STRING(id_, name_) {.id = id_, .kind = FB_VEC_STRING, .name = name_}
#define VEC_TABLE(id_, name_, t) {.id = id_, .kind = FB_VEC_TABLE, .name = name_, .table = &t}
#define UNION(id_, name_, u) \
    {.id = id_, .kind = FB_UNION_TYPE, .size = 1, .name = name_ "_type"}, \
    {.id = id_ + 1, .kind = FB_UNION, .name = name_, .un = &u}
#define SCHEMA(var, name_, fields_) \
    static const fb_table_schema var = {name_, sizeof fields_ / sizeof fields_[0], fields_}

/* ---- quantization and sparsity ---- */
static const fb_field custom_quant_fields[] = {VEC(0, "custom", 1)};
SCHEMA(custom_quant, "CustomQuantization", custom_quant_fields);
static const fb_field blockwise_quant_fields[] = {
    SCALAR(0, "scales", 4), SCALAR(1, "zero_points", 4), SCALAR(2, "block_size", 4)};
SCHEMA(blockwise_quant, "BlockwiseQuantization", blockwise_quant_fields);
static const fb_field multi_axis_quant_fields[] = {
    SCALAR(0, "scales", 4), SCALAR(1, "zero_points", 4), SCALAR(2, "block_size", 4),
    VEC(3, "quantized_dimensions", 4)};
SCHEMA(multi_axis_quant, "MultiAxisQuantization", multi_axis_quant_fields);
static const fb_table_schema *const quant_details_types[] = {
    NULL, &custom_quant, &blockwise_quant, &multi_axis_quant};
static const fb_union_schema quant_details = {"QuantizationDetails", 3, quant_details_types};

static const fb_field quant_fields[] = {
    VEC(QUANT_MIN, "min", 4), VEC(QUANT_MAX, "max", 4), VEC(QUANT_SCALE, "scale", 4),
    VEC(QUANT_ZERO_POINT, "zero_point", 8), UNION(QUANT_DETAILS_TYPE, "details", quant_details),
    SCALAR(QUANT_QUANTIZED_DIMENSION, "quantized_dimension", 4)};
SCHEMA(quant, "QuantizationParameters", quant_fields);

static const fb_field int32_vector_fields[] = {VEC(0, "values", 4)};
SCHEMA(int32_vector, "Int32Vector", int32_vector_fields);
static const fb_field uint16_vector_fields[] = {VEC(0, "values", 2)};
SCHEMA(uint16_vector, "Uint16Vector", uint16_vector_fields);
static const fb_field uint8_vector_fields[] = {VEC(0, "values", 1)};
SCHEMA(uint8_vector, "Uint8Vector", uint8_vector_fields);
static const fb_table_schema *const sparse_index_types[] = {
    NULL, &int32_vector, &uint16_vector, &uint8_vector};
static const fb_union_schema sparse_index = {"SparseIndexVector", 3, sparse_index_types};
static const fb_field dim_metadata_fields[] = {
    SCALAR(0, "format", 1), SCALAR(1, "dense_size", 4),
    UNION(2, "array_segments", sparse_index), UNION(4, "array_indices", sparse_index)};
SCHEMA(dim_metadata, "DimensionMetadata", dim_metadata_fields);
static const fb_field sparsity_fields[] = {
    VEC(0, "traversal_order", 4), VEC(1, "block_map", 4),
    VEC_TABLE(2, "dim_metadata", dim_metadata)};
SCHEMA(sparsity, "SparsityParameters", sparsity_fields);

static const fb_field variant_fields[] = {
    VEC(0, "shape", 4), SCALAR(1, "type", 1), SCALAR(2, "has_rank", 1)};
SCHEMA(variant_subtype, "VariantSubType", variant_fields);

/* ---- tensors, operators, subgraphs ---- */
static const fb_field tensor_fields[] = {
    VEC(TENSOR_SHAPE, "shape", 4), SCALAR(TENSOR_TYPE, "type", 1),
    SCALAR(TENSOR_BUFFER, "buffer", 4), STRING(TENSOR_NAME, "name"),
    TABLE(TENSOR_QUANTIZATION, "quantization", quant),
    SCALAR(TENSOR_IS_VARIABLE, "is_variable", 1), TABLE(TENSOR_SPARSITY, "sparsity", sparsity),
    VEC(TENSOR_SHAPE_SIGNATURE, "shape_signature", 4), SCALAR(TENSOR_HAS_RANK, "has_rank", 1),
    VEC_TABLE(TENSOR_VARIANT_TENSORS, "variant_tensors", variant_subtype),
    SCALAR(TENSOR_EXTERNAL_BUFFER, "external_buffer", 4)};
SCHEMA(tensor, "Tensor", tensor_fields);

/* Filled in by build_options() before the schema is handed out. */
static const fb_table_schema *options1_types[128];
static const fb_table_schema *options2_types[32];
static fb_union_schema options1_union = {"BuiltinOptions", 0, options1_types};
static fb_union_schema options2_union = {"BuiltinOptions2", 0, options2_types};

static const fb_field operator_fields[] = {
    SCALAR(OP_OPCODE_INDEX, "opcode_index", 4), VEC(OP_INPUTS, "inputs", 4),
    VEC(OP_OUTPUTS, "outputs", 4), UNION(OP_BUILTIN_OPTIONS_TYPE, "builtin_options", options1_union),
    VEC(OP_CUSTOM_OPTIONS, "custom_options", 1),
    SCALAR(OP_CUSTOM_OPTIONS_FORMAT, "custom_options_format", 1),
    VEC(OP_MUTATING_VARIABLE_INPUTS, "mutating_variable_inputs", 1),
    VEC(OP_INTERMEDIATES, "intermediates", 4),
    SCALAR(OP_LARGE_CUSTOM_OPTIONS_OFFSET, "large_custom_options_offset", 8),
    SCALAR(OP_LARGE_CUSTOM_OPTIONS_SIZE, "large_custom_options_size", 8),
    UNION(OP_BUILTIN_OPTIONS_2_TYPE, "builtin_options_2", options2_union),
    SCALAR(OP_DEBUG_METADATA_INDEX, "debug_metadata_index", 4)};
SCHEMA(operator_t, "Operator", operator_fields);

static const fb_field subgraph_fields[] = {
    VEC_TABLE(SUBGRAPH_TENSORS, "tensors", tensor), VEC(SUBGRAPH_INPUTS, "inputs", 4),
    VEC(SUBGRAPH_OUTPUTS, "outputs", 4), VEC_TABLE(SUBGRAPH_OPERATORS, "operators", operator_t),
    STRING(SUBGRAPH_NAME, "name"), SCALAR(SUBGRAPH_DEBUG_METADATA_INDEX, "debug_metadata_index", 4)};
SCHEMA(subgraph, "SubGraph", subgraph_fields);

static const fb_field opcode_fields[] = {
    SCALAR(OPCODE_DEPRECATED_BUILTIN_CODE, "deprecated_builtin_code", 1),
    STRING(OPCODE_CUSTOM_CODE, "custom_code"), SCALAR(OPCODE_VERSION, "version", 4),
    SCALAR(OPCODE_BUILTIN_CODE, "builtin_code", 4)};
SCHEMA(opcode, "OperatorCode", opcode_fields);

/* Buffer.data is checked for bounds only: its bytes are never read here. */
static const fb_field buffer_fields[] = {
    VEC(BUFFER_DATA, "data", 1), SCALAR(BUFFER_OFFSET, "offset", 8),
    SCALAR(BUFFER_SIZE, "size", 8)};
SCHEMA(buffer, "Buffer", buffer_fields);

static const fb_field metadata_fields[] = {
    STRING(METADATA_NAME, "name"), SCALAR(METADATA_BUFFER, "buffer", 4)};
SCHEMA(metadata, "Metadata", metadata_fields);

static const fb_field tensor_map_fields[] = {
    STRING(TENSORMAP_NAME, "name"), SCALAR(TENSORMAP_TENSOR_INDEX, "tensor_index", 4)};
SCHEMA(tensor_map, "TensorMap", tensor_map_fields);
static const fb_field sigdef_fields[] = {
    VEC_TABLE(SIGDEF_INPUTS, "inputs", tensor_map), VEC_TABLE(SIGDEF_OUTPUTS, "outputs", tensor_map),
    STRING(SIGDEF_SIGNATURE_KEY, "signature_key"), STRING(SIGDEF_DEPRECATED_TAG, "deprecated_tag"),
    SCALAR(SIGDEF_SUBGRAPH_INDEX, "subgraph_index", 4)};
SCHEMA(sigdef, "SignatureDef", sigdef_fields);

static const fb_field ext_group_fields[] = {STRING(0, "name")};
SCHEMA(ext_group, "ExternalBufferGroup", ext_group_fields);
static const fb_field ext_buffer_fields[] = {
    SCALAR(0, "id", 4), SCALAR(1, "group", 4), SCALAR(2, "offset", 8), SCALAR(3, "length", 8),
    STRING(4, "packing")};
SCHEMA(ext_buffer, "ExternalBuffer", ext_buffer_fields);

static const fb_field model_fields[] = {
    SCALAR(MODEL_VERSION, "version", 4), VEC_TABLE(MODEL_OPERATOR_CODES, "operator_codes", opcode),
    VEC_TABLE(MODEL_SUBGRAPHS, "subgraphs", subgraph), STRING(MODEL_DESCRIPTION, "description"),
    VEC_TABLE(MODEL_BUFFERS, "buffers", buffer), VEC(MODEL_METADATA_BUFFER, "metadata_buffer", 4),
    VEC_TABLE(MODEL_METADATA, "metadata", metadata),
    VEC_TABLE(MODEL_SIGNATURE_DEFS, "signature_defs", sigdef),
    VEC_TABLE(MODEL_EXTERNAL_BUFFER_GROUPS, "external_buffer_groups", ext_group),
    VEC_TABLE(MODEL_EXTERNAL_BUFFERS, "external_buffers", ext_buffer)};
SCHEMA(model, "Model", model_fields);

/* ---- builtin options, expanded from options.def ---- */

typedef struct options_spec {
    int union_no;
    uint8_t type;
    const char *name;
    const char *fields;
} options_spec;

static const options_spec option_specs[] = {
#define OPTIONS(id, name, fields) {1, id, #name, fields},
#define OPTIONS2(id, name, fields) {2, id, #name, fields},
#include "tflite/options.def"
#undef OPTIONS
#undef OPTIONS2
};
#define OPTION_SPEC_COUNT (sizeof option_specs / sizeof option_specs[0])

static tfl_options_schema options_schemas[OPTION_SPEC_COUNT];
static fb_table_schema options_fb[OPTION_SPEC_COUNT];
static const tfl_options_schema *options1_by_type[128];
static const tfl_options_schema *options2_by_type[32];

typedef struct scalar_type {
    const char *name;
    etpu_value_kind kind;
    uint8_t size;
} scalar_type;

static const scalar_type scalar_types[] = {
    {"bool", ETPU_V_BOOL, 1}, {"i8", ETPU_V_I8, 1},   {"u8", ETPU_V_U8, 1},
    {"i16", ETPU_V_I16, 2},   {"u16", ETPU_V_U16, 2}, {"i32", ETPU_V_I32, 4},
    {"u32", ETPU_V_U32, 4},   {"i64", ETPU_V_I64, 8}, {"u64", ETPU_V_U64, 8},
    {"f32", ETPU_V_F32, 4},   {"f64", ETPU_V_F64, 8}, {"str", ETPU_V_STRING, 4},
};

static const scalar_type *find_scalar_type(const char *s, size_t len)
{
    for (size_t i = 0; i < sizeof scalar_types / sizeof scalar_types[0]; i++)
        if (strlen(scalar_types[i].name) == len && !memcmp(scalar_types[i].name, s, len))
            return &scalar_types[i];
    return NULL;
}

static char *dup_range(const char *s, size_t len)
{
    char *p = malloc(len + 1);
    if (!p)
        abort(); /* static, tiny, once per process */
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

/* Parse "name:type[=default][@Enum] ..." into fields. The spec strings are
 * our own constants; a malformed one is a programming error (abort). */
static void parse_spec(const options_spec *spec, tfl_options_schema *out, fb_table_schema *fb)
{
    size_t n = 0;
    for (const char *p = spec->fields; *p; p++)
        if (*p == ':')
            n++;
    tfl_option_field *fields = calloc(n ? n : 1, sizeof *fields);
    fb_field *fbf = calloc(n ? n : 1, sizeof *fbf);
    if (!fields || !fbf)
        abort();
    const char *p = spec->fields;
    for (size_t i = 0; i < n; i++) {
        while (*p == ' ')
            p++;
        const char *colon = strchr(p, ':');
        const char *end = p + strcspn(p, " ");
        tfl_option_field *f = &fields[i];
        f->name = dup_range(p, (size_t)(colon - p));
        f->id = (uint16_t)i;
        const char *t = colon + 1;
        bool vector = *t == '[';
        if (vector)
            t++;
        size_t tlen = strcspn(t, "]=@ ");
        const scalar_type *st = find_scalar_type(t, tlen);
        if (!st)
            abort();
        const char *eq = memchr(t, '=', (size_t)(end - t));
        const char *at = memchr(t, '@', (size_t)(end - t));
        if (eq) {
            f->default_int = strtoll(eq + 1, NULL, 10);
            f->default_float = (double)f->default_int;
        }
        if (at)
            f->enum_name = dup_range(at + 1, (size_t)(end - at - 1));
        f->kind = vector ? ETPU_V_VECTOR : st->kind;
        f->elem_kind = st->kind;
        f->size = st->size;
        fbf[i].id = f->id;
        fbf[i].name = f->name;
        if (vector) {
            fbf[i].kind = st->kind == ETPU_V_STRING ? FB_VEC_STRING : FB_VEC_SCALAR;
            fbf[i].size = st->size;
        } else if (st->kind == ETPU_V_STRING) {
            fbf[i].kind = FB_STRING;
        } else {
            fbf[i].kind = FB_SCALAR;
            fbf[i].size = st->size;
        }
        p = end;
    }
    out->type = spec->type;
    out->name = spec->name;
    out->field_count = n;
    out->fields = fields;
    fb->name = spec->name;
    fb->field_count = n;
    fb->fields = fbf;
}

static void build_options(void)
{
    for (size_t i = 0; i < OPTION_SPEC_COUNT; i++) {
        const options_spec *spec = &option_specs[i];
        parse_spec(spec, &options_schemas[i], &options_fb[i]);
        if (spec->union_no == 1) {
            options1_by_type[spec->type] = &options_schemas[i];
            options1_types[spec->type] = &options_fb[i];
            if (spec->type > options1_union.type_count)
                options1_union.type_count = spec->type;
        } else {
            options2_by_type[spec->type] = &options_schemas[i];
            options2_types[spec->type] = &options_fb[i];
            if (spec->type > options2_union.type_count)
                options2_union.type_count = spec->type;
        }
    }
}

static pthread_once_t options_once = PTHREAD_ONCE_INIT;

const fb_table_schema *tfl_model_schema(void)
{
    pthread_once(&options_once, build_options);
    return &model;
}

const tfl_options_schema *tfl_options_schema_for(int union_no, uint8_t type)
{
    pthread_once(&options_once, build_options);
    if (union_no == 1)
        return type < 128 ? options1_by_type[type] : NULL;
    return type < 32 ? options2_by_type[type] : NULL;
}

size_t tfl_options_type_count(int union_no)
{
    pthread_once(&options_once, build_options);
    return union_no == 1 ? options1_union.type_count : options2_union.type_count;
}

uint8_t tfl_options_type_by_name(const char *name)
{
    for (size_t i = 0; i < OPTION_SPEC_COUNT; i++)
        if (option_specs[i].union_no == 1 && !strcmp(option_specs[i].name, name))
            return option_specs[i].type;
    return 0;
}

typedef struct op_options_row {
    int32_t code;
    const char *options;
} op_options_row;

static const op_options_row op_options[] = {
#define X(name, code, options) {code, #options},
#include "etpu/builtin_ops.def"
#undef X
};

int tfl_expected_options_type(int32_t builtin_code)
{
    if (builtin_code < 0 || (size_t)builtin_code >= sizeof op_options / sizeof op_options[0])
        return -1;
    const char *name = op_options[builtin_code].options;
    if (!strcmp(name, "ANY"))
        return -1;
    return tfl_options_type_by_name(name);
}
