/*
 * status.c — lookups over the compiler status wordings in status.def.
 *
 * The table is indexed by etpu_op_status through designated initializers,
 * so a row can never land on the wrong enum value; the static assertion
 * below catches a row added without its enum constant (or the reverse).
 */
#include <string.h>

#include "etpu/status.h"

typedef struct status_row {
    const char *name;
    const char *text;
    bool mapped;
    const char *hint;
} status_row;

static const status_row status_rows[ETPU_OP_STATUS__COUNT] = {
    [ETPU_OP_STATUS_UNKNOWN] = {"UNKNOWN", NULL, false,
                                "a status wording etpu does not know; read the text as printed"},
#define ETPU_OP_STATUS_ROW(NAME, TEXT, MAPPED, HINT) \
    [ETPU_OP_STATUS_##NAME] = {#NAME, TEXT, MAPPED, HINT},
#include "edgetpu/status.def"
#undef ETPU_OP_STATUS_ROW
};

/* Counts the .def rows: one enum constant per row plus UNKNOWN. */
enum {
#define ETPU_OP_STATUS_ROW(NAME, TEXT, MAPPED, HINT) STATUS_DEF_ROW_##NAME,
#include "edgetpu/status.def"
#undef ETPU_OP_STATUS_ROW
    STATUS_DEF_ROW_COUNT
};
_Static_assert((int)STATUS_DEF_ROW_COUNT + 1 == (int)ETPU_OP_STATUS__COUNT,
               "status.def and enum etpu_op_status in etpu/status.h must have the same rows");

static const status_row *row_of(etpu_op_status status)
{
    if ((unsigned)status >= ETPU_OP_STATUS__COUNT)
        return &status_rows[ETPU_OP_STATUS_UNKNOWN];
    return &status_rows[status];
}

const char *etpu_op_status_text(etpu_op_status status) { return row_of(status)->text; }

const char *etpu_op_status_name(etpu_op_status status) { return row_of(status)->name; }

const char *etpu_op_status_hint(etpu_op_status status) { return row_of(status)->hint; }

bool etpu_op_status_is_mapped(etpu_op_status status) { return row_of(status)->mapped; }

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

etpu_op_status etpu_op_status_from_text(const char *text, size_t len)
{
    if (!text)
        return ETPU_OP_STATUS_UNKNOWN;
    while (len > 0 && is_space(text[0])) {
        text++;
        len--;
    }
    while (len > 0 && is_space(text[len - 1]))
        len--;
    for (unsigned i = ETPU_OP_STATUS_UNKNOWN + 1; i < ETPU_OP_STATUS__COUNT; i++) {
        const char *wording = status_rows[i].text;
        if (wording && strlen(wording) == len && memcmp(wording, text, len) == 0)
            return (etpu_op_status)i;
    }
    return ETPU_OP_STATUS_UNKNOWN;
}
