/*
 * check_json.c — `etpu check --json` and `etpu check --rules --json`, written
 * with the streaming JSON writer (etpu/check.h).
 *
 * The layout is the one the CLI printed from a cJSON tree before (member
 * order, numbers, null for a missing string), byte for byte: scripts read
 * these fields by name and the golden outputs compare them.
 */
#include <stdlib.h>
#include <string.h>

#include "etpu/check.h"
#include "etpu/text.h"
#include "util/strbuf.h"

/* Strings from the model (op names, messages quoting it) are cut here. */
#define CHECK_JSON_STRING_MAX 4096
/* An evidence token ("pair:<id>", "repo:<owner>/<name>@<commit>") longer
 * than this is cut: the table is ours, the bound keeps the copy on the stack. */
#define CHECK_JSON_TOKEN_MAX 160

static const char *const severity_names[] = {
    [ETPU_SEVERITY_OP] = "op",
    [ETPU_SEVERITY_FATAL] = "fatal",
    [ETPU_SEVERITY_WARNING] = "warning",
};

const char *etpu_rule_severity_name(etpu_rule_severity severity)
{
    if ((unsigned)severity >= sizeof severity_names / sizeof *severity_names ||
        !severity_names[severity])
        return "unknown";
    return severity_names[severity];
}

static void int_array(etpu_json_writer *w, const char *key, const int32_t *items, size_t n)
{
    etpu_json_array_begin(w, key);
    for (size_t i = 0; i < n; i++)
        etpu_json_int(w, NULL, items[i]);
    etpu_json_array_end(w);
}

/* Counts and byte sizes were cJSON numbers (doubles); printed as such. */
static void count(etpu_json_writer *w, const char *key, uint64_t value)
{
    etpu_json_double(w, key, (double)value);
}

static void finding_json(etpu_json_writer *w, const etpu_check_fatal *f)
{
    const etpu_rule_info *info = etpu_check_rule_info(f->rule);
    etpu_json_object_begin(w, NULL);
    etpu_json_string(w, "kind", info ? info->id : "unknown");
    etpu_json_string(w, "basis", info ? etpu_rule_basis_name(info->basis) : "unknown");
    etpu_json_safe_string(w, "message", f->message, CHECK_JSON_STRING_MAX);
    etpu_json_safe_string(w, "hint", f->hint, CHECK_JSON_STRING_MAX);
    etpu_json_safe_string(w, "fix_pass", f->fix_pass, CHECK_JSON_STRING_MAX); /* null when none */
    int_array(w, "ops", f->ops, f->op_count);
    int_array(w, "tensors", f->tensors, f->tensor_count);
    etpu_json_object_end(w);
}

/* info->evidence, one string per space-separated token. */
static void evidence_json(etpu_json_writer *w, const etpu_rule_info *info)
{
    etpu_json_array_begin(w, "evidence");
    for (const char *p = info->evidence; *p;) {
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, " ");
        if (n) {
            char token[CHECK_JSON_TOKEN_MAX];
            size_t k = n < sizeof token - 1 ? n : sizeof token - 1;
            memcpy(token, p, k);
            token[k] = '\0';
            etpu_json_string(w, NULL, token);
        }
        p += n;
    }
    etpu_json_array_end(w);
}

/* "rules": the evidence behind every rule the report uses, once per rule. */
static void rules_used_json(etpu_json_writer *w, const etpu_check_report *r)
{
    bool used[ETPU_RULE__COUNT] = {false};
    for (size_t i = 0; i < r->op_count; i++) {
        if ((unsigned)r->ops[i].rule < ETPU_RULE__COUNT)
            used[r->ops[i].rule] = true;
        if ((unsigned)r->ops[i].relaxed_by < ETPU_RULE__COUNT)
            used[r->ops[i].relaxed_by] = true;
    }
    for (size_t i = 0; i < r->fatal_count; i++)
        if ((unsigned)r->fatals[i].rule < ETPU_RULE__COUNT)
            used[r->fatals[i].rule] = true;
    for (size_t i = 0; i < r->warning_count; i++)
        if ((unsigned)r->warnings[i].rule < ETPU_RULE__COUNT)
            used[r->warnings[i].rule] = true;
    etpu_json_object_begin(w, "rules");
    for (int k = ETPU_RULE_NONE + 1; k < ETPU_RULE__COUNT; k++) {
        const etpu_rule_info *info = etpu_check_rule_info((etpu_check_rule)k);
        if (!used[k] || !info)
            continue;
        etpu_json_object_begin(w, info->id);
        etpu_json_string(w, "severity", etpu_rule_severity_name(info->severity));
        if (info->severity == ETPU_SEVERITY_OP)
            etpu_json_string(w, "status", etpu_op_status_text(info->status));
        etpu_json_string(w, "basis", etpu_rule_basis_name(info->basis));
        etpu_json_string(w, "source", info->source);
        evidence_json(w, info);
        count(w, "confirmations", etpu_rule_evidence_count(info));
        etpu_json_int(w, "min_compiler", info->min_compiler);
        etpu_json_int(w, "max_compiler", info->max_compiler);
        etpu_json_object_end(w);
    }
    etpu_json_object_end(w);
}

static void op_json(etpu_json_writer *w, size_t index, const etpu_check_op *o)
{
    const etpu_rule_info *info = etpu_check_rule_info(o->rule);
    const etpu_rule_info *relaxed = etpu_check_rule_info(o->relaxed_by);
    etpu_json_object_begin(w, NULL);
    count(w, "index", index);
    etpu_json_safe_string(w, "op", o->op, CHECK_JSON_STRING_MAX);
    etpu_json_int(w, "version", o->version);
    etpu_json_string(w, "status", etpu_op_status_text(o->status));
    etpu_json_string(w, "status_id", etpu_op_status_name(o->status));
    etpu_json_bool(w, "edgetpu", o->status == ETPU_OP_STATUS_MAPPED);
    etpu_json_string(w, "rule", info ? info->id : NULL);
    etpu_json_string(w, "basis", info ? etpu_rule_basis_name(info->basis) : NULL);
    if (relaxed)
        etpu_json_string(w, "relaxed_by", relaxed->id);
    etpu_json_safe_string(w, "reason", o->reason, CHECK_JSON_STRING_MAX);
    etpu_json_safe_string(w, "hint", o->hint, CHECK_JSON_STRING_MAX);
    if (o->fix_pass)
        etpu_json_string(w, "fix_pass", o->fix_pass);
    etpu_json_int(w, "partition", o->partition);
    count(w, "macs", o->macs);
    etpu_json_object_end(w);
}

static void summary_json(etpu_json_writer *w, const etpu_check_report *r)
{
    etpu_json_object_begin(w, "summary");
    count(w, "tpu", r->tpu_ops);
    count(w, "cpu", r->cpu_ops);
    if (r->first_breaking_op >= 0)
        count(w, "first_breaking_op", (uint64_t)r->first_breaking_op);
    else
        etpu_json_null(w, "first_breaking_op");
    count(w, "edgetpu_subgraphs", r->edgetpu_subgraphs);
    etpu_json_bool(w, "compiles", r->fatal_count == 0);
    etpu_json_bool(w, "all_mapped", etpu_check_all_mapped(r));
    count(w, "macs", r->macs_total);
    count(w, "macs_tpu", r->macs_tpu);
    if (r->macs_total)
        etpu_json_double(w, "macs_tpu_share", (double)r->macs_tpu / (double)r->macs_total);
    else
        etpu_json_null(w, "macs_tpu_share");
    count(w, "param_bytes", r->param_bytes);
    count(w, "param_bytes_on_chip", r->param_bytes_on_chip);
    count(w, "param_bytes_off_chip", r->param_bytes_off_chip);
    count(w, "dynamic_signature_tensors", r->dynamic_signature_tensors);
    etpu_json_object_end(w);
}

void etpu_check_report_write_json(etpu_json_writer *w, const char *model_path,
                                  const etpu_check_report *r)
{
    etpu_json_object_begin(w, NULL);
    etpu_json_safe_string(w, "model", model_path, CHECK_JSON_STRING_MAX);
    etpu_json_int(w, "compiler_version", r->compiler_version);
    etpu_json_bool(w, "already_compiled", r->already_compiled);
    if (r->already_compiled && r->compiled_runtime >= 0)
        etpu_json_int(w, "compiled_runtime", r->compiled_runtime);
    etpu_json_array_begin(w, "fatal");
    for (size_t i = 0; i < r->fatal_count; i++)
        finding_json(w, &r->fatals[i]);
    etpu_json_array_end(w);
    etpu_json_array_begin(w, "warnings");
    for (size_t i = 0; i < r->warning_count; i++)
        finding_json(w, &r->warnings[i]);
    etpu_json_array_end(w);
    etpu_json_array_begin(w, "ops");
    for (size_t i = 0; i < r->op_count; i++)
        op_json(w, i, &r->ops[i]);
    etpu_json_array_end(w);
    rules_used_json(w, r);
    summary_json(w, r);
    etpu_json_object_end(w);
}

char *etpu_check_report_json(const char *model_path, const etpu_check_report *r, size_t *len)
{
    etpu_strbuf sb;
    etpu_sb_init(&sb);
    etpu_json_writer w;
    etpu_json_init_strbuf(&w, &sb);
    etpu_check_report_write_json(&w, model_path, r);
    etpu_error err;
    if (etpu_json_finish(&w, &err) != ETPU_OK || sb.failed) {
        etpu_sb_free(&sb);
        return NULL;
    }
    return etpu_sb_take(&sb, len);
}

static void rule_row_json(etpu_json_writer *w, const etpu_rule_info *info)
{
    etpu_json_object_begin(w, NULL);
    etpu_json_string(w, "id", info->id);
    etpu_json_string(w, "severity", etpu_rule_severity_name(info->severity));
    etpu_json_string(w, "status", info->severity == ETPU_SEVERITY_OP
                                      ? etpu_op_status_text(info->status) : "");
    etpu_json_string(w, "basis", etpu_rule_basis_name(info->basis));
    etpu_json_int(w, "min_compiler", info->min_compiler);
    etpu_json_int(w, "max_compiler", info->max_compiler);
    etpu_json_string(w, "source", info->source);
    etpu_json_string(w, "evidence", info->evidence);
    count(w, "confirmations", etpu_rule_evidence_count(info));
    etpu_json_string(w, "hint", info->hint);
    etpu_json_string(w, "fix_pass", info->fix_pass); /* null when none */
    etpu_json_object_end(w);
}

void etpu_check_rules_write_json(etpu_json_writer *w)
{
    etpu_json_array_begin(w, NULL);
    for (int k = ETPU_RULE_NONE + 1; k < ETPU_RULE__COUNT; k++)
        rule_row_json(w, etpu_check_rule_info((etpu_check_rule)k));
    etpu_json_array_end(w);
}
