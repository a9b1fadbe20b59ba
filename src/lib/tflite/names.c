/*
 * names.c — schema spellings of op codes, tensor types and option enums,
 * all from the .def tables beside this file.
 */
#include <string.h>

#include "etpu/model.h"

static const char *const builtin_names[] = {
#define X(name, code, options) [code] = #name,
#include "etpu/builtin_ops.def"
#undef X
};
#define BUILTIN_COUNT (sizeof builtin_names / sizeof builtin_names[0])
/* etpu/ops.h sizes op-keyed tables by the row count: the codes must be dense. */
_Static_assert(BUILTIN_COUNT == ETPU_OP__COUNT,
               "builtin_ops.def codes must run 0 .. rows-1 without gaps");

const char *etpu_builtin_name(int32_t code)
{
    if (code < 0 || (size_t)code >= BUILTIN_COUNT)
        return NULL;
    return builtin_names[code];
}

int32_t etpu_builtin_code(const char *name)
{
    for (size_t i = 0; i < BUILTIN_COUNT; i++)
        if (builtin_names[i] && !strcmp(builtin_names[i], name))
            return (int32_t)i;
    return -1;
}

typedef struct type_row {
    const char *name;
    size_t size;
} type_row;

static const type_row types[] = {
#define TYPE(name, value, bytes) [value] = {#name, bytes},
#include "tflite/tensor_types.def"
#undef TYPE
};
#define TYPE_COUNT (sizeof types / sizeof types[0])

const char *etpu_type_name(int type)
{
    if (type < 0 || (size_t)type >= TYPE_COUNT)
        return NULL;
    return types[type].name;
}

int etpu_type_code(const char *name)
{
    for (size_t i = 0; i < TYPE_COUNT; i++)
        if (!strcmp(types[i].name, name))
            return (int)i;
    return -1;
}

size_t etpu_type_size(int type)
{
    if (type < 0 || (size_t)type >= TYPE_COUNT)
        return 0;
    return types[type].size;
}

typedef struct enum_row {
    const char *enum_name;
    int64_t value;
    const char *name;
} enum_row;

static const enum_row enum_values[] = {
#define ENUM_VALUE(e, v, n) {#e, v, n},
#include "tflite/enums.def"
#undef ENUM_VALUE
};

const char *etpu_enum_value_name(const char *enum_name, int64_t value)
{
    if (!enum_name)
        return NULL;
    if (!strcmp(enum_name, "TensorType"))
        return (value >= 0 && value < (int64_t)TYPE_COUNT) ? types[value].name : NULL;
    for (size_t i = 0; i < sizeof enum_values / sizeof enum_values[0]; i++)
        if (enum_values[i].value == value && !strcmp(enum_values[i].enum_name, enum_name))
            return enum_values[i].name;
    return NULL;
}
