/*
 * rules.c — the rule table of rules.def, indexed by etpu_check_rule.
 *
 * Designated initialisers put every row on its enum constant; the static
 * assertion catches a row added without its constant (or the reverse).
 */
#include <string.h>

#include "etpu/check.h"

#define SEVERITY(s) ETPU_SEVERITY_##s
#define BASIS(b) ETPU_BASIS_##b

static const etpu_rule_info rule_rows[ETPU_RULE__COUNT] = {
#define RULE(NAME, ID, SEV, STATUS, BAS, MIN, MAX, SOURCE, EVIDENCE, HINT, PASS)      \
    [ETPU_RULE_##NAME] = {.id = ID, .severity = SEVERITY(SEV),                         \
                          .status = ETPU_OP_STATUS_##STATUS, .basis = BASIS(BAS),      \
                          .min_compiler = MIN, .max_compiler = MAX, .source = SOURCE, \
                          .evidence = EVIDENCE, .hint = HINT, .fix_pass = PASS},
#include "edgetpu/rules.def"
#undef RULE
};

enum {
#define RULE(NAME, ...) RULES_DEF_ROW_##NAME,
#include "edgetpu/rules.def"
#undef RULE
    RULES_DEF_ROW_COUNT
};
_Static_assert((int)RULES_DEF_ROW_COUNT + 1 == (int)ETPU_RULE__COUNT,
               "rules.def and enum etpu_check_rule in etpu/check.h must have the same rows");

const etpu_rule_info *etpu_check_rule_info(etpu_check_rule rule)
{
    if (rule <= ETPU_RULE_NONE || rule >= ETPU_RULE__COUNT)
        return NULL;
    return &rule_rows[rule];
}

const char *etpu_rule_basis_name(etpu_rule_basis basis)
{
    switch (basis) {
    case ETPU_BASIS_PUBLISHED: return "published";
    case ETPU_BASIS_OBSERVED: return "observed";
    case ETPU_BASIS_ESTIMATED: return "estimated";
    }
    return "unknown";
}

size_t etpu_rule_evidence_count(const etpu_rule_info *info)
{
    size_t n = 0;
    for (const char *p = info ? info->evidence : ""; *p;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        n++;
        while (*p && *p != ' ')
            p++;
    }
    return n;
}

etpu_check_rule etpu_check_rule_by_id(const char *id)
{
    for (int r = ETPU_RULE_NONE + 1; r < ETPU_RULE__COUNT; r++)
        if (!strcmp(rule_rows[r].id, id))
            return (etpu_check_rule)r;
    return ETPU_RULE_NONE;
}
