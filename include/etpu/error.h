/*
 * etpu/error.h — errors as data.
 *
 * Every libetpu function that can fail returns an etpu_status and fills an
 * etpu_error: a kind (one row of ETPU_ERROR_KINDS), the byte offset in the
 * input where the problem was found (or ETPU_NO_OFFSET), and a one-line
 * message. The CLI prints it as `etpu: FILE: <message> at byte <offset>` and
 * `--json` emits it as an object, so every failure is both a code and a
 * sentence.
 */
#ifndef ETPU_ERROR_H
#define ETPU_ERROR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* X(name, short description). The description is the stable, human part of
 * the kind; the message adds the specifics. */
#define ETPU_ERROR_KINDS(X)                                                 \
    X(OK, "no error")                                                      \
    X(IO, "cannot read input")                                             \
    X(NOMEM, "out of memory")                                              \
    X(USAGE, "bad usage")                                                  \
    X(TRUNCATED, "file is truncated")                                      \
    X(IDENTIFIER, "not a TFLite model")                                    \
    X(BAD_OFFSET, "offset points outside the file")                        \
    X(BAD_ALIGNMENT, "misaligned data")                                    \
    X(BAD_VTABLE, "invalid vtable")                                        \
    X(BAD_TABLE, "invalid table")                                          \
    X(BAD_VECTOR, "invalid vector")                                        \
    X(BAD_STRING, "invalid string")                                        \
    X(BAD_UNION, "invalid union")                                          \
    X(TOO_DEEP, "nesting too deep")                                        \
    X(TOO_MANY, "too many objects")                                        \
    X(BAD_VERSION, "unsupported schema version")                           \
    X(BAD_INDEX, "index out of range")                                     \
    X(BAD_BUFFER, "invalid buffer")                                        \
    X(BAD_MODEL, "invalid model")                                          \
    X(UNSUPPORTED, "not supported")                                        \
    X(TOOLCHAIN, "toolchain problem")                                      \
    X(INTERNAL, "internal error")

typedef enum etpu_error_kind {
#define ETPU_X_ENUM(name, desc) ETPU_ERR_##name,
    ETPU_ERROR_KINDS(ETPU_X_ENUM)
#undef ETPU_X_ENUM
    ETPU_ERR__COUNT
} etpu_error_kind;

typedef enum etpu_status { ETPU_OK = 0, ETPU_FAIL = -1 } etpu_status;

#define ETPU_NO_OFFSET ((uint64_t)-1)
#define ETPU_ERROR_MESSAGE_MAX 256

typedef struct etpu_error {
    etpu_error_kind kind;
    uint64_t offset; /* byte offset in the input, or ETPU_NO_OFFSET */
    char message[ETPU_ERROR_MESSAGE_MAX];
} etpu_error;

/* Stable identifier of a kind, e.g. "BAD_OFFSET". */
const char *etpu_error_kind_name(etpu_error_kind kind);
/* Short human description of a kind, e.g. "offset points outside the file". */
const char *etpu_error_kind_text(etpu_error_kind kind);

/* Fill *err (may be NULL) and return ETPU_FAIL. printf-style message. */
etpu_status etpu_error_set(etpu_error *err, etpu_error_kind kind, uint64_t offset,
                           const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Clear *err to ETPU_ERR_OK. */
void etpu_error_clear(etpu_error *err);

/* Format "<message> at byte <offset>" (or just the message) into out. */
void etpu_error_format(const etpu_error *err, char *out, size_t out_size);

#ifdef __cplusplus
}
#endif
#endif /* ETPU_ERROR_H */
