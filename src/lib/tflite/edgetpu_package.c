/*
 * edgetpu_package.c — recognise a compiled model and read its DarwiNN
 * package header (etpu/edgetpu_package.h).
 *
 * The package is untrusted bytes inside the model: it goes through the same
 * schema-driven verifier as the model itself, with a schema that describes
 * only the fields read here (the verifier checks described fields and
 * ignores the rest).
 */
#include <string.h>

#include "etpu/edgetpu_package.h"
#include "flatbuf/flatbuf.h"

/* executable.fbs (google-coral/libedgetpu), table Package: field 0
 * min_runtime_version:int, field 3 keypair_version:int, field 4
 * compiler_version:string. */
enum { PACKAGE_MIN_RUNTIME_VERSION = 0, PACKAGE_COMPILER_VERSION = 4 };

static const fb_field package_fields[] = {
    {.id = PACKAGE_MIN_RUNTIME_VERSION, .kind = FB_SCALAR, .size = 4,
     .name = "min_runtime_version"},
    {.id = PACKAGE_COMPILER_VERSION, .kind = FB_STRING, .name = "compiler_version"},
};
static const fb_table_schema package_schema = {
    "Package", sizeof package_fields / sizeof package_fields[0], package_fields};

/* A package is small in tables; a generous budget still bounds hostile ones. */
static const fb_verify_limits package_limits = {.max_depth = 4, .max_tables = 64};

bool etpu_is_edgetpu_op(const etpu_model *model, const etpu_operator *op)
{
    const etpu_operator_code *c = etpu_op_code(model, op);
    return c && c->builtin_code == ETPU_OP_CUSTOM && c->custom_code &&
           !strcmp(c->custom_code, ETPU_EDGETPU_CUSTOM_CODE);
}

/* The custom options bytes of op, inside the file (NULL when none). */
static const uint8_t *custom_options(const etpu_model *model, const etpu_operator *op,
                                     size_t *size)
{
    if (op->custom_options_offset && op->custom_options_size) {
        *size = op->custom_options_size;
        return model->data + op->custom_options_offset;
    }
    /* Options stored after the flatbuffer (models > 2 GB); the reader has
     * checked that offset and size lie inside the file. */
    if (op->large_custom_options_offset > 1 && op->large_custom_options_size) {
        *size = (size_t)op->large_custom_options_size;
        return model->data + op->large_custom_options_offset;
    }
    return NULL;
}

/* Read the package that starts at bytes (a flatbuffer with identifier
 * DWN1); false when it does not verify. */
static bool read_package_at(const uint8_t *bytes, size_t size, etpu_edgetpu_info *out)
{
    fb_buf b = {bytes, size};
    size_t root;
    etpu_error ignored;
    fb_table t;
    if (fb_verify_buffer(&b, "DWN1", &package_schema, &package_limits, &root, &ignored) ||
        !fb_table_open(&b, root, &t))
        return false;
    int32_t runtime = fb_get_i32(&b, &t, PACKAGE_MIN_RUNTIME_VERSION, -1);
    if (runtime > out->min_runtime_version)
        out->min_runtime_version = runtime;
    uint32_t len;
    const char *version = fb_get_string(&b, &t, PACKAGE_COMPILER_VERSION, &len);
    if (version && !out->compiler_version[0]) {
        size_t n = 0;
        bool digits = false; /* most packages say only "cl/": no build number */
        for (uint32_t i = 0; i < len && n + 1 < sizeof out->compiler_version; i++)
            if (version[i] >= 0x20 && version[i] < 0x7f) {
                digits |= version[i] >= '0' && version[i] <= '9';
                out->compiler_version[n++] = version[i];
            }
        out->compiler_version[digits ? n : 0] = '\0';
    }
    return true;
}

/* The custom options are a FlexBuffers map whose blob value holds the
 * package. Rather than decode FlexBuffers, find the package by its file
 * identifier: a flatbuffer's identifier sits at bytes 4..7, its offsets only
 * point forward, and the verifier checks every one of them against the end
 * of the options, so a stray "DWN1" elsewhere fails verification and the
 * search goes on. */
static void read_package(const uint8_t *bytes, size_t size, etpu_edgetpu_info *out)
{
    for (size_t pos = 4; pos + 4 <= size; pos++) {
        const uint8_t *hit = memchr(bytes + pos, 'D', size - pos - 3);
        if (!hit)
            return;
        pos = (size_t)(hit - bytes);
        if (pos + 4 <= size && !memcmp(hit, "DWN1", 4) &&
            read_package_at(bytes + pos - 4, size - (pos - 4), out))
            return;
    }
}

bool etpu_model_edgetpu_info(const etpu_model *model, etpu_edgetpu_info *out)
{
    memset(out, 0, sizeof *out);
    out->min_runtime_version = -1;
    for (size_t g = 0; g < model->subgraph_count; g++)
        for (size_t i = 0; i < model->subgraphs[g].operator_count; i++) {
            const etpu_operator *op = &model->subgraphs[g].operators[i];
            if (!etpu_is_edgetpu_op(model, op)) {
                out->cpu_ops++;
                continue;
            }
            out->custom_ops++;
            size_t size = 0;
            const uint8_t *bytes = custom_options(model, op, &size);
            out->payload_bytes += size;
            if (bytes)
                read_package(bytes, size, out);
        }
    return out->custom_ops > 0;
}
