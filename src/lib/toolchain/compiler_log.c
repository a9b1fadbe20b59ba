/*
 * compiler_log.c — turn edgetpu_compiler output into an etpu_compiler_report.
 *
 * Three stages:
 *   1. decode (log_decode.c): a JSON document (notebook) becomes the text
 *      of its strings; a quoted, escaped line becomes the lines it encodes.
 *   2. lines: each logical line is matched against data — the line-prefix
 *      table below (what the compiler prints on success), the operator table
 *      layout, and failure_patterns.def (what it prints on failure).
 *   3. finish: facts printed once per run ("Edge TPU Compiler version" starts
 *      a run; one run may co-compile several models) are copied to the
 *      run's models, totals are resolved, and inconsistencies become notes.
 *
 * Invariants: nothing reads outside [text, text+len); every number is bounded
 * before arithmetic; every array and string has a cap (ETPU_LOG_MAX_*), so
 * hostile input costs at most linear time and bounded memory; on failure
 * everything allocated so far is freed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etpu/compiler_log.h"
#include "etpu/text.h"
#include "toolchain/log_text.h"

/* ------------------------------------------------------------------------ */
/* Failure classes and patterns (data: failure_patterns.def)                 */

typedef struct failure_class_row {
    const char *id;
    const char *text;
    const char *hint;
} failure_class_row;

static const failure_class_row failure_classes[ETPU_COMPILE_FAILURE__COUNT] = {
#define ETPU_FAILURE_CLASS(NAME, ID, TEXT, HINT) [ETPU_COMPILE_##NAME] = {ID, TEXT, HINT},
#include "toolchain/failure_patterns.def"
};

enum {
#define ETPU_FAILURE_CLASS(NAME, ID, TEXT, HINT) FAILURE_CLASS_ROW_##NAME,
#include "toolchain/failure_patterns.def"
    FAILURE_CLASS_ROW_COUNT
};
_Static_assert((int)FAILURE_CLASS_ROW_COUNT == (int)ETPU_COMPILE_FAILURE__COUNT,
               "failure_patterns.def classes and enum etpu_compile_failure must match");

typedef enum pattern_anchor { ANCHOR_LINE_START, ANCHOR_ANYWHERE } pattern_anchor;
typedef enum pattern_extract {
    EXTRACT_NONE,
    EXTRACT_QUOTED_OP,        /* 'OP' ... version 'N' */
    EXTRACT_PARENTHESISED_OP, /* (OP) */
} pattern_extract;

typedef struct failure_pattern {
    pattern_anchor anchor;
    const char *substring;
    size_t substring_len;
    etpu_compile_failure failure;
    pattern_extract extract;
} failure_pattern;

static const failure_pattern failure_patterns[] = {
#define ETPU_FAILURE_PATTERN(ANCHOR, SUBSTRING, NAME, EXTRACT) \
    {ANCHOR_##ANCHOR, SUBSTRING, sizeof(SUBSTRING) - 1, ETPU_COMPILE_##NAME, EXTRACT_##EXTRACT},
#include "toolchain/failure_patterns.def"
};
#define FAILURE_PATTERN_COUNT (sizeof failure_patterns / sizeof failure_patterns[0])
#define NO_PATTERN FAILURE_PATTERN_COUNT

const char *etpu_compile_failure_name(etpu_compile_failure failure)
{
    if ((unsigned)failure >= ETPU_COMPILE_FAILURE__COUNT)
        return "unknown";
    return failure_classes[failure].id;
}

const char *etpu_compile_failure_text(etpu_compile_failure failure)
{
    if ((unsigned)failure >= ETPU_COMPILE_FAILURE__COUNT)
        return failure_classes[ETPU_COMPILE_UNKNOWN].text;
    return failure_classes[failure].text;
}

const char *etpu_compile_failure_hint(etpu_compile_failure failure)
{
    if ((unsigned)failure >= ETPU_COMPILE_FAILURE__COUNT)
        return failure_classes[ETPU_COMPILE_UNKNOWN].hint;
    return failure_classes[failure].hint;
}

const char *etpu_compiler_outcome_name(etpu_compiler_outcome outcome)
{
    static const char *const names[] = {"all_mapped", "some_on_cpu", "failed", "incomplete"};
    return (unsigned)outcome < sizeof names / sizeof names[0] ? names[outcome] : "incomplete";
}

const char *etpu_attempt_outcome_name(etpu_attempt_outcome outcome)
{
    static const char *const names[] = {"unfinished", "failed", "succeeded"};
    return (unsigned)outcome < sizeof names / sizeof names[0] ? names[outcome] : "unfinished";
}

const char *etpu_ops_source_name(etpu_ops_source source)
{
    static const char *const names[] = {"unknown", "console", "table", "implied"};
    return (unsigned)source < sizeof names / sizeof names[0] ? names[source] : "unknown";
}

/* ------------------------------------------------------------------------ */
/* What successful compiler output looks like (FACTS.md §1.5), as data.     */

typedef enum line_action {
    ACT_IGNORE,         /* known line, nothing to keep (but it is compiler output) */
    ACT_VERSION,        /* starts a run */
    ACT_INPUT_PATH,     /* starts a model (or names the one a run already started) */
    ACT_LOG_INPUT_PATH, /* operation-log "Input:" — only right after the version line */
    ACT_LOG_OUTPUT_PATH,/* operation-log "Output:" — only right after "Input:" */
    ACT_TEXT,           /* model string field at .field */
    ACT_SIZE,           /* model etpu_log_size at .field */
    ACT_COUNT,          /* model etpu_log_count at .field */
    ACT_COMPILED,       /* "Model(s) compiled successfully in N ms." */
    ACT_SUCCEEDED,      /* "Compilation succeeded!" */
    ACT_FAILED,         /* "Compilation failed!" (class comes from the patterns) */
    ACT_TIMER,          /* "Started a compilation timeout timer of N seconds." */
    ACT_SEARCH_STEP,    /* "Searching for valid delegate with step K" */
    ACT_TRY_SEGMENT,    /* "Try to compile segment with N ops" */
    ACT_INTERMEDIATE,   /* "Intermediate tensors: a,b" */
} line_action;

typedef struct line_rule {
    const char *prefix;
    size_t prefix_len;
    line_action action;
    size_t field;  /* offsetof(etpu_compiler_model, ...) for TEXT/SIZE/COUNT */
    bool console;  /* only captured stdout prints this line */
} line_rule;

#define RULE(PREFIX, ACTION, FIELD, CONSOLE) \
    {PREFIX, sizeof(PREFIX) - 1, ACTION, FIELD, CONSOLE}
#define FIELD(member) offsetof(etpu_compiler_model, member)

static const line_rule line_rules[] = {
    RULE("Edge TPU Compiler version ", ACT_VERSION, 0, false),
    RULE("Input model: ", ACT_INPUT_PATH, 0, true),
    RULE("Invalid model: ", ACT_INPUT_PATH, 0, true),
    RULE("Input: ", ACT_LOG_INPUT_PATH, 0, false),
    RULE("Output: ", ACT_LOG_OUTPUT_PATH, 0, false),
    RULE("Output model: ", ACT_TEXT, FIELD(output_path), true),
    RULE("Operation log: ", ACT_TEXT, FIELD(operation_log_path), true),
    RULE("Input size: ", ACT_SIZE, FIELD(input_size), true),
    RULE("Output size: ", ACT_SIZE, FIELD(output_size), true),
    RULE("On-chip memory used for caching model parameters: ", ACT_SIZE, FIELD(on_chip_used), true),
    RULE("On-chip memory remaining for caching model parameters: ", ACT_SIZE,
         FIELD(on_chip_remaining), true),
    RULE("On-chip memory available for caching model parameters: ", ACT_SIZE,
         FIELD(on_chip_available), true),
    RULE("Off-chip memory used for streaming uncached model parameters: ", ACT_SIZE,
         FIELD(off_chip_used), true),
    RULE("Number of Edge TPU subgraphs: ", ACT_COUNT, FIELD(edgetpu_subgraphs), true),
    RULE("Total number of operations: ", ACT_COUNT, FIELD(total_ops), true),
    RULE("Number of operations that will run on Edge TPU: ", ACT_COUNT, FIELD(console_tpu_ops), true),
    RULE("Number of operations that will run on CPU: ", ACT_COUNT, FIELD(console_cpu_ops), true),
    RULE("Model compiled successfully in ", ACT_COMPILED, 0, true),
    RULE("Models compiled successfully in ", ACT_COMPILED, 0, true),
    RULE("Compilation succeeded!", ACT_SUCCEEDED, 0, true),
    RULE("Compilation failed!", ACT_FAILED, 0, true),
    RULE("Started a compilation timeout timer of ", ACT_TIMER, 0, true),
    RULE("Searching for valid delegate with step ", ACT_SEARCH_STEP, 0, true),
    RULE("Try to compile segment with ", ACT_TRY_SEGMENT, 0, true),
    RULE("Intermediate tensors: ", ACT_INTERMEDIATE, 0, true),
    RULE("Compilation child process completed within timeout period.", ACT_IGNORE, 0, true),
    RULE("Model successfully compiled but not all operations are supported", ACT_IGNORE, 0, true),
    RULE("See the operation log file for individual operation details.", ACT_IGNORE, 0, true),
};
#define LINE_RULE_COUNT (sizeof line_rules / sizeof line_rules[0])

/* Lines kept verbatim as diagnostics (prefix, case-sensitive). */
static const char *const error_prefixes[] = {"ERROR:", "Error:", "error:"};
static const char *const warning_prefixes[] = {"WARNING", "Warning:", "warning:"};
/* MLIR diagnostics carry a location first: loc("..."): error: ... */
static const char mlir_error_marker[] = ": error: ";

/* ------------------------------------------------------------------------ */
/* Spans and bounded text helpers                                            */

/* span, trim(), starts_with(), after(): log_text.h */
/* First occurrence of needle in s, bounded by s.n (memmem is not ISO C). */
static const char *find_bytes(span s, const char *needle, size_t needle_len)
{
    if (needle_len == 0)
        return s.p;
    const char *p = s.p;
    const char *last = s.n >= needle_len ? s.p + (s.n - needle_len) : NULL;
    while (last && p <= last) {
        p = memchr(p, needle[0], (size_t)(last - p) + 1);
        if (!p)
            return NULL;
        if (memcmp(p, needle, needle_len) == 0)
            return p;
        p++;
    }
    return NULL;
}

static bool span_contains(span s, const char *needle, size_t needle_len)
{
    return find_bytes(s, needle, needle_len) != NULL;
}


/* A printable, NUL-terminated copy of at most ETPU_LOG_MAX_TEXT bytes.
 * Control bytes (but tab) and invalid UTF-8 become '?': report strings end
 * up on terminals and in JSON, and a hostile log must not drive either. */
static char *copy_text(span s)
{
    return etpu_safe_copy(s.p, s.n, ETPU_LOG_MAX_TEXT, ETPU_SAFE_KEEP_TAB);
}

/* Leading decimal number of s (at most 10 digits, value <= ETPU_LOG_MAX_COUNT).
 * Returns the digits consumed, 0 when s does not start with a number in range. */
static size_t parse_count(span s, uint64_t *value)
{
    uint64_t v = 0;
    size_t i = 0;
    while (i < s.n && is_digit(s.p[i])) {
        if (i == 10)
            return 0;
        v = v * 10 + (uint64_t)(s.p[i] - '0');
        i++;
    }
    if (i == 0 || v > ETPU_LOG_MAX_COUNT)
        return 0;
    *value = v;
    return i;
}

/* Sizes as the compiler prints them: "6.89MiB", "1.00KiB", "512.00B".
 * Integer arithmetic only, bounded so that the result stays exact in a
 * JSON number (< 2^53). */
typedef struct size_unit {
    const char *suffix;
    uint64_t bytes;
} size_unit;

static const size_unit size_units[] = {
    {"B", 1},
    {"KiB", 1024},
    {"MiB", 1024 * 1024},
    {"GiB", 1024 * 1024 * 1024},
};

#define MAX_FRACTION_DIGITS 6
#define MAX_EXACT_JSON_INTEGER ((UINT64_C(1) << 53) - 1)

static bool parse_size(span s, etpu_log_size *out)
{
    s = trim(s);
    uint64_t whole;
    size_t i = parse_count(s, &whole);
    if (i == 0)
        return false;
    uint64_t fraction = 0, scale = 1;
    if (i < s.n && s.p[i] == '.') {
        i++;
        size_t digits = 0;
        while (i < s.n && is_digit(s.p[i])) {
            if (digits == MAX_FRACTION_DIGITS)
                return false;
            fraction = fraction * 10 + (uint64_t)(s.p[i] - '0');
            scale *= 10;
            digits++;
            i++;
        }
        if (digits == 0)
            return false;
    }
    span suffix = trim(after(s, i));
    for (size_t u = 0; u < sizeof size_units / sizeof size_units[0]; u++) {
        size_t len = strlen(size_units[u].suffix);
        if (suffix.n != len || memcmp(suffix.p, size_units[u].suffix, len) != 0)
            continue;
        /* whole <= 2^32 and unit <= 2^30 keep both products below 2^63. */
        uint64_t bytes = whole * size_units[u].bytes +
                         (fraction * size_units[u].bytes + scale / 2) / scale;
        if (bytes > MAX_EXACT_JSON_INTEGER || s.n >= sizeof out->text)
            return false;
        out->present = true;
        out->bytes = bytes;
        memcpy(out->text, s.p, s.n);
        out->text[s.n] = '\0';
        return true;
    }
    return false;
}

/* ------------------------------------------------------------------------ */
/* Parser state                                                              */

/* What the current run (one compiler invocation) has shown so far. Copied to
 * the run's models when the run ends. */
typedef struct run_state {
    size_t first_model;   /* index of the run's first model in report->models */
    size_t first_line;    /* where the run starts (its version line) */
    char *version;
    bool console;
    etpu_log_count compile_ms, timeout_sec, search_step;
    bool compiled;        /* a success line since the last failure */
    bool succeeded_line;  /* "Compilation succeeded!" */

    /* The failure of the current attempt: the highest-priority pattern seen. */
    size_t pattern;       /* index into failure_patterns, NO_PATTERN if none */
    char *failure_line;
    char *failed_op;
    unsigned failed_op_version;

    /* Diagnostics of the run, given to its first model at the end. */
    char **errors, **warnings;
    size_t error_count, warning_count;
} run_state;

typedef struct parser {
    etpu_compiler_report *report;
    size_t model_capacity;
    bool nomem;
    size_t line_no;

    run_state run;
    size_t current;       /* model the last model-scoped line went to; SIZE_MAX = none */
    line_action previous; /* action of the previous non-blank line (ACT_IGNORE if none) */
    bool previous_known;  /* the previous non-blank line matched a rule */

    bool in_table;        /* inside "Operator Count Status" */
    size_t table_model;
    size_t table_rows;    /* rows in this table so far */
    bool notes_full;
    bool models_capped, rows_capped, attempts_capped; /* a cap was hit and noted */
} parser;

#define NO_MODEL SIZE_MAX

static void note(parser *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The public arrays (rows, attempts) carry no capacity field: their capacity
 * is the smallest power of two >= count, so they grow exactly when count is
 * 0 or a power of two. */
static bool grows_at(size_t count) { return (count & (count - 1)) == 0; }

static void note(parser *p, const char *fmt, ...)
{
    etpu_compiler_report *r = p->report;
    if (p->nomem || p->notes_full)
        return;
    if (r->note_count == ETPU_LOG_MAX_MESSAGES) {
        p->notes_full = true;
        return;
    }
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* Notes are appended one at a time and rarely; exact-size growth is fine. */
    char **grown = realloc(r->notes, (r->note_count + 1) * sizeof *grown);
    if (!grown) {
        p->nomem = true;
        return;
    }
    r->notes = grown;
    char *text = copy_text((span){line, strlen(line)});
    if (!text) {
        p->nomem = true;
        return;
    }
    r->notes[r->note_count++] = text;
}

/* Append a copy of line to a capped message list. */
static void push_message(parser *p, char ***list, size_t *count, span line)
{
    if (*count >= ETPU_LOG_MAX_MESSAGES)
        return;
    char **grown = realloc(*list, (*count + 1) * sizeof *grown);
    if (!grown) {
        p->nomem = true;
        return;
    }
    *list = grown;
    char *text = copy_text(line);
    if (!text) {
        p->nomem = true;
        return;
    }
    (*list)[(*count)++] = text;
}

/* Replace *slot with a copy of s. */
static void set_text(parser *p, char **slot, span s)
{
    char *text = copy_text(s);
    if (!text) {
        p->nomem = true;
        return;
    }
    free(*slot);
    *slot = text;
}

static etpu_compiler_model *model_at(parser *p, size_t index) { return &p->report->models[index]; }

/* A new, empty model in the current run; NO_MODEL at the cap or out of memory. */
static size_t new_model(parser *p)
{
    etpu_compiler_report *r = p->report;
    if (r->model_count >= ETPU_LOG_MAX_MODELS) {
        if (!p->models_capped)
            note(p, "line %zu: more than %d models; the rest are ignored", p->line_no,
                 ETPU_LOG_MAX_MODELS);
        p->models_capped = true;
        return NO_MODEL;
    }
    if (r->model_count == p->model_capacity) {
        size_t next = p->model_capacity ? p->model_capacity * 2 : 4; /* <= 2 * MAX_MODELS */
        etpu_compiler_model *grown = realloc(r->models, next * sizeof *grown);
        if (!grown) {
            p->nomem = true;
            return NO_MODEL;
        }
        r->models = grown;
        p->model_capacity = next;
    }
    etpu_compiler_model *m = &r->models[r->model_count];
    memset(m, 0, sizeof *m);
    m->first_line = p->line_no;
    p->current = r->model_count++;
    return p->current;
}

/* The model a model-scoped line belongs to: the current one, or a new one. */
static size_t current_model(parser *p)
{
    if (p->current != NO_MODEL)
        return p->current;
    return new_model(p);
}

/* ------------------------------------------------------------------------ */
/* Runs                                                                      */

static void clear_attempt_failure(run_state *run)
{
    run->pattern = NO_PATTERN;
    free(run->failure_line);
    free(run->failed_op);
    run->failure_line = NULL;
    run->failed_op = NULL;
    run->failed_op_version = 0;
}

static etpu_compile_failure run_failure(const run_state *run)
{
    return run->pattern == NO_PATTERN ? ETPU_COMPILE_OK : failure_patterns[run->pattern].failure;
}

static char *copy_string(parser *p, const char *s)
{
    if (!s)
        return NULL;
    char *c = copy_text((span){s, strlen(s)});
    if (!c)
        p->nomem = true;
    return c;
}

/* Move a run's diagnostics to a model (the run's first), which takes ownership. */
static void give_messages(run_state *run, etpu_compiler_model *m)
{
    m->errors = run->errors;
    m->error_count = run->error_count;
    m->warnings = run->warnings;
    m->warning_count = run->warning_count;
    run->errors = run->warnings = NULL;
    run->error_count = run->warning_count = 0;
}

static unsigned major_of(const char *version)
{
    unsigned major = 0;
    for (const char *c = version; c && is_digit(*c); c++) {
        if (major > 99999)
            return 0;
        major = major * 10 + (unsigned)(*c - '0');
    }
    return major;
}

/* End the current run: copy its facts to its models. A failed run that named
 * no model still gets one, so the failure is reported. */
static void finish_run(parser *p)
{
    run_state *run = &p->run;
    etpu_compiler_report *r = p->report;
    etpu_compile_failure failure = run_failure(run);

    if (r->model_count == run->first_model && failure != ETPU_COMPILE_OK) {
        size_t saved_line = p->line_no;
        p->line_no = run->first_line;
        new_model(p);
        p->line_no = saved_line;
    }
    size_t models_in_run = r->model_count - run->first_model;
    for (size_t i = run->first_model; i < r->model_count && !p->nomem; i++) {
        etpu_compiler_model *m = model_at(p, i);
        m->compiler_version = copy_string(p, run->version);
        m->compiler_major = major_of(run->version);
        m->console_output = run->console;
        m->models_in_run = models_in_run;
        m->compile_ms = run->compile_ms; /* co-compiled models share one time */
        m->timeout_sec = run->timeout_sec;
        m->delegate_search_step = run->search_step;
        m->failure = failure;
        if (failure != ETPU_COMPILE_OK) {
            m->failure_line = copy_string(p, run->failure_line);
            m->failed_op = copy_string(p, run->failed_op);
            m->failed_op_version = run->failed_op_version;
        }
        m->compiled = failure == ETPU_COMPILE_OK &&
                      (run->compiled || run->succeeded_line || m->has_table);
        if (i == run->first_model)
            give_messages(run, m);
    }
    /* Messages of a run without models (a run that shows no compile) are dropped. */
    for (size_t i = 0; i < run->error_count; i++)
        free(run->errors[i]);
    for (size_t i = 0; i < run->warning_count; i++)
        free(run->warnings[i]);
    free(run->errors);
    free(run->warnings);
    clear_attempt_failure(run);
    free(run->version);
    memset(run, 0, sizeof *run);
    run->pattern = NO_PATTERN;
    run->first_model = r->model_count;
    run->first_line = p->line_no;
    p->current = NO_MODEL;
    p->in_table = false;
}

/* ------------------------------------------------------------------------ */
/* Failure patterns                                                          */

/* From "... 'CONV_2D' version '6' ..." take CONV_2D and 6. */
static void extract_quoted_op(parser *p, span line)
{
    const char *open = memchr(line.p, '\'', line.n);
    if (!open)
        return;
    span rest = {open + 1, line.n - (size_t)(open + 1 - line.p)};
    const char *close = memchr(rest.p, '\'', rest.n);
    if (!close || close == rest.p)
        return;
    set_text(p, &p->run.failed_op, (span){rest.p, (size_t)(close - rest.p)});
    span tail = {close + 1, rest.n - (size_t)(close + 1 - rest.p)};
    static const char marker[] = "version '";
    const char *v = find_bytes(tail, marker, sizeof marker - 1);
    uint64_t version;
    if (v && parse_count((span){v + sizeof marker - 1,
                                tail.n - (size_t)(v + sizeof marker - 1 - tail.p)},
                         &version))
        p->run.failed_op_version = (unsigned)version;
}

/* From "Node number 2 (CONV_2D) failed to prepare." take CONV_2D. */
static void extract_parenthesised_op(parser *p, span line)
{
    const char *open = memchr(line.p, '(', line.n);
    if (!open)
        return;
    span rest = {open + 1, line.n - (size_t)(open + 1 - line.p)};
    const char *close = memchr(rest.p, ')', rest.n);
    if (close && close > rest.p)
        set_text(p, &p->run.failed_op, (span){rest.p, (size_t)(close - rest.p)});
}

/* If the line shows a failure more specific than what the attempt has shown
 * so far, it becomes the attempt's failure. Returns true if a pattern matched. */
static bool match_failure(parser *p, span line)
{
    for (size_t i = 0; i < FAILURE_PATTERN_COUNT; i++) {
        const failure_pattern *fp = &failure_patterns[i];
        const char *at = fp->anchor == ANCHOR_LINE_START
                             ? (starts_with(line, fp->substring, fp->substring_len) ? line.p : NULL)
                             : find_bytes(line, fp->substring, fp->substring_len);
        if (!at)
            continue;
        /* Details follow the matched words ("Didn't" has its own quote). */
        size_t consumed = (size_t)(at - line.p) + fp->substring_len;
        span rest = after(line, consumed);
        run_state *run = &p->run;
        run->compiled = false;
        if (i < run->pattern) {
            clear_attempt_failure(run);
            run->pattern = i;
            set_text(p, &run->failure_line, line);
            if (fp->extract == EXTRACT_QUOTED_OP)
                extract_quoted_op(p, rest);
            else if (fp->extract == EXTRACT_PARENTHESISED_OP)
                extract_parenthesised_op(p, line);
        }
        return true;
    }
    return false;
}

/* ------------------------------------------------------------------------ */
/* The operator table                                                        */

static bool is_op_name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '_' ||
           c == '-' || c == '.';
}

#define MAX_OP_NAME 64

/* "Operator   Count   Status" (any blanks between the three words). */
static bool is_table_header(span line)
{
    static const char *const words[] = {"Operator", "Count", "Status"};
    for (size_t w = 0; w < 3; w++) {
        size_t len = strlen(words[w]);
        if (!starts_with(line, words[w], len))
            return false;
        line = after(line, len);
        if (w < 2) {
            if (line.n == 0 || !is_blank(line.p[0]))
                return false;
            line = trim(line);
        }
    }
    return line.n == 0;
}

typedef enum row_shape { NOT_A_ROW, ROW_OK, ROW_COUNT_OUT_OF_RANGE } row_shape;

/* NAME <blanks> COUNT <blanks> STATUS... */
static row_shape parse_row(span line, span *name, uint64_t *count, span *status)
{
    size_t i = 0;
    while (i < line.n && is_op_name_char(line.p[i]))
        i++;
    if (i == 0 || i > MAX_OP_NAME || i == line.n || !is_blank(line.p[i]))
        return NOT_A_ROW;
    *name = (span){line.p, i};
    span rest = trim(after(line, i));
    size_t digits = 0;
    while (digits < rest.n && is_digit(rest.p[digits]))
        digits++;
    if (digits == 0 || digits == rest.n || !is_blank(rest.p[digits]))
        return NOT_A_ROW;
    *status = trim(after(rest, digits));
    if (status->n == 0)
        return NOT_A_ROW;
    if (parse_count((span){rest.p, digits}, count) != digits)
        return ROW_COUNT_OUT_OF_RANGE;
    return ROW_OK;
}

static void add_row(parser *p, span name, uint64_t count, span status)
{
    etpu_compiler_model *m = model_at(p, p->table_model);
    size_t n = m->row_count;
    if (n >= ETPU_LOG_MAX_ROWS) {
        if (!p->rows_capped)
            note(p, "line %zu: more than %d operator rows; the rest are ignored", p->line_no,
                 ETPU_LOG_MAX_ROWS);
        p->rows_capped = true;
        p->table_rows++;
        return;
    }
    if (grows_at(n)) {
        size_t next = n ? n * 2 : 1;
        etpu_compiler_op_row *grown = realloc(m->rows, next * sizeof *grown);
        if (!grown) {
            p->nomem = true;
            return;
        }
        m->rows = grown;
    }
    etpu_compiler_op_row *row = &m->rows[n];
    memset(row, 0, sizeof *row);
    row->op_name = copy_text(name);
    row->status_text = copy_text(status);
    if (!row->op_name || !row->status_text) {
        free(row->op_name);
        free(row->status_text);
        p->nomem = true;
        return;
    }
    row->count = count;
    row->status = etpu_op_status_from_text(status.p, status.n);
    row->mapped = etpu_op_status_is_mapped(row->status);
    if (row->status == ETPU_OP_STATUS_UNKNOWN)
        note(p, "line %zu: status wording not in status.def: \"%.120s\"", p->line_no,
             row->status_text);
    /* Counts are <= 2^32 and rows <= 4096, so the sums cannot overflow. */
    if (row->mapped)
        m->table_mapped_ops += count;
    else
        m->table_cpu_ops += count;
    m->row_count++;
    p->table_rows++;
}

/* Returns true if the line was consumed by the table. */
static bool table_line(parser *p, span line)
{
    if (line.n == 0)
        return true; /* blank lines around the header */
    span name, status;
    uint64_t count = 0;
    switch (parse_row(line, &name, &count, &status)) {
    case ROW_OK:
        add_row(p, name, count, status);
        return true;
    case ROW_COUNT_OUT_OF_RANGE:
        note(p, "line %zu: operator count out of range (max %u); row ignored", p->line_no,
             ETPU_LOG_MAX_COUNT);
        return true;
    case NOT_A_ROW:
        break;
    }
    p->in_table = false;
    return false;
}

static void start_table(parser *p)
{
    size_t index = p->current;
    if (index == NO_MODEL || model_at(p, index)->has_table)
        index = new_model(p);
    if (index == NO_MODEL)
        return;
    model_at(p, index)->has_table = true;
    p->in_table = true;
    p->table_model = index;
    p->table_rows = 0;
}

/* ------------------------------------------------------------------------ */
/* Line rules                                                                */

static etpu_compiler_attempt *last_attempt(parser *p)
{
    if (p->current == NO_MODEL)
        return NULL;
    etpu_compiler_model *m = model_at(p, p->current);
    return m->attempt_count ? &m->attempts[m->attempt_count - 1] : NULL;
}

static void set_input_path(parser *p, span value)
{
    size_t index = p->current;
    if (index == NO_MODEL || model_at(p, index)->input_path || model_at(p, index)->has_table)
        index = new_model(p);
    if (index != NO_MODEL)
        set_text(p, &model_at(p, index)->input_path, value);
}

static void start_version(parser *p, span value)
{
    finish_run(p);
    size_t n = 0;
    while (n < value.n && n < 31 && (is_digit(value.p[n]) || value.p[n] == '.'))
        n++;
    if (n == 0 || !is_digit(value.p[0])) {
        note(p, "line %zu: compiler version line without a version number", p->line_no);
        n = 0;
    }
    run_state *run = &p->run;
    run->first_line = p->line_no;
    if (n > 0) {
        run->version = copy_text((span){value.p, n});
        if (!run->version)
            p->nomem = true;
    }
    etpu_compiler_report *r = p->report;
    r->version_lines++;
    if (!r->compiler_version && run->version) {
        r->compiler_version = copy_string(p, run->version);
        r->compiler_major = major_of(run->version);
    }
}

static void start_attempt(parser *p, uint64_t segment_ops)
{
    size_t index = current_model(p);
    if (index == NO_MODEL)
        return;
    etpu_compiler_model *m = model_at(p, index);
    size_t n = m->attempt_count;
    if (n >= ETPU_LOG_MAX_ATTEMPTS) {
        if (!p->attempts_capped)
            note(p, "line %zu: more than %d search-delegate attempts; the rest are ignored",
                 p->line_no, ETPU_LOG_MAX_ATTEMPTS);
        p->attempts_capped = true;
        return;
    }
    if (grows_at(n)) {
        size_t next = n ? n * 2 : 1;
        etpu_compiler_attempt *grown = realloc(m->attempts, next * sizeof *grown);
        if (!grown) {
            p->nomem = true;
            return;
        }
        m->attempts = grown;
    }
    memset(&m->attempts[n], 0, sizeof m->attempts[n]);
    m->attempts[n].segment_ops = segment_ops;
    m->attempt_count++;
    /* A new attempt: what failed the previous one no longer decides. */
    clear_attempt_failure(&p->run);
    p->run.compiled = false;
}

static void set_intermediate_tensors(parser *p, span value)
{
    etpu_compiler_attempt *a = last_attempt(p);
    if (!a || a->intermediate_tensors) {
        note(p, "line %zu: \"Intermediate tensors\" outside a search-delegate attempt", p->line_no);
        return;
    }
    a->intermediate_tensors = copy_text(value);
    if (!a->intermediate_tensors) {
        p->nomem = true;
        return;
    }
    size_t count = value.n ? 1 : 0;
    for (size_t i = 0; i < value.n; i++)
        count += value.p[i] == ',';
    a->intermediate_tensor_count = count;
}

static void finish_attempt(parser *p, etpu_attempt_outcome outcome)
{
    etpu_compiler_attempt *a = last_attempt(p);
    if (!a || a->outcome != ETPU_ATTEMPT_UNFINISHED)
        return;
    a->outcome = outcome;
    if (outcome == ETPU_ATTEMPT_FAILED) {
        etpu_compile_failure f = run_failure(&p->run);
        a->failure = f == ETPU_COMPILE_OK ? ETPU_COMPILE_UNKNOWN : f;
    }
}

static void mark_success(parser *p)
{
    finish_attempt(p, ETPU_ATTEMPT_SUCCEEDED);
    clear_attempt_failure(&p->run);
    p->run.compiled = true;
}

static void set_count_field(parser *p, const line_rule *rule, span value)
{
    uint64_t v;
    if (!parse_count(trim(value), &v)) {
        note(p, "line %zu: \"%.*s\" is not followed by a number in range", p->line_no,
             (int)(rule->prefix_len - 1), rule->prefix);
        return;
    }
    size_t index = current_model(p);
    if (index == NO_MODEL)
        return;
    etpu_log_count *field = (etpu_log_count *)((char *)model_at(p, index) + rule->field);
    field->present = true;
    field->value = v;
}

static void set_size_field(parser *p, const line_rule *rule, span value)
{
    etpu_log_size size = {0};
    if (!parse_size(value, &size)) {
        note(p, "line %zu: \"%.*s\" is not followed by a size like 1.50MiB", p->line_no,
             (int)(rule->prefix_len - 1), rule->prefix);
        return;
    }
    size_t index = current_model(p);
    if (index == NO_MODEL)
        return;
    *(etpu_log_size *)((char *)model_at(p, index) + rule->field) = size;
}

/* Reads the leading number of a run-level line into *slot. */
static bool run_count(parser *p, const line_rule *rule, span value, etpu_log_count *slot)
{
    uint64_t v;
    if (!parse_count(trim(value), &v)) {
        note(p, "line %zu: \"%.*s\" is not followed by a number in range", p->line_no,
             (int)(rule->prefix_len - 1), rule->prefix);
        return false;
    }
    slot->present = true;
    slot->value = v;
    return true;
}

static void apply_rule(parser *p, const line_rule *rule, span value)
{
    if (rule->console)
        p->run.console = true;
    switch (rule->action) {
    case ACT_IGNORE:
        break;
    case ACT_VERSION:
        start_version(p, value);
        break;
    case ACT_INPUT_PATH:
    case ACT_LOG_INPUT_PATH:
        set_input_path(p, value);
        break;
    case ACT_LOG_OUTPUT_PATH:
        if (p->current != NO_MODEL)
            set_text(p, &model_at(p, p->current)->output_path, value);
        break;
    case ACT_TEXT: {
        size_t index = current_model(p);
        if (index != NO_MODEL)
            set_text(p, (char **)((char *)model_at(p, index) + rule->field), value);
        break;
    }
    case ACT_SIZE:
        set_size_field(p, rule, value);
        break;
    case ACT_COUNT:
        set_count_field(p, rule, value);
        break;
    case ACT_COMPILED:
        run_count(p, rule, value, &p->run.compile_ms);
        mark_success(p);
        break;
    case ACT_SUCCEEDED:
        p->run.succeeded_line = true;
        if (run_failure(&p->run) == ETPU_COMPILE_OK)
            p->run.compiled = true;
        break;
    case ACT_FAILED:
        finish_attempt(p, ETPU_ATTEMPT_FAILED);
        p->run.succeeded_line = false;
        break;
    case ACT_TIMER:
        run_count(p, rule, value, &p->run.timeout_sec);
        break;
    case ACT_SEARCH_STEP:
        run_count(p, rule, value, &p->run.search_step);
        break;
    case ACT_TRY_SEGMENT: {
        etpu_log_count ops = {0};
        if (run_count(p, rule, value, &ops))
            start_attempt(p, ops.value);
        break;
    }
    case ACT_INTERMEDIATE:
        set_intermediate_tensors(p, value);
        break;
    }
}

/* "Input:" and "Output:" are too common in prose to accept anywhere: in an
 * operation log they directly follow the version line and each other. */
static bool rule_allowed_here(const parser *p, const line_rule *rule)
{
    if (rule->action == ACT_LOG_INPUT_PATH)
        return p->previous_known && p->previous == ACT_VERSION;
    if (rule->action == ACT_LOG_OUTPUT_PATH)
        return p->previous_known && p->previous == ACT_LOG_INPUT_PATH;
    return true;
}

static bool starts_with_any(span line, const char *const *prefixes, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (starts_with(line, prefixes[i], strlen(prefixes[i])))
            return true;
    return false;
}

/* Markdown quotes ("> ") around pasted output carry no meaning here. */
static span strip_quote_marks(span line)
{
    while (line.n >= 2 && line.p[0] == '>' && is_blank(line.p[1]))
        line = trim(after(line, 2));
    return line;
}

static void feed_line(parser *p, span raw)
{
    if (p->nomem)
        return;
    p->line_no++;
    span line = strip_quote_marks(trim(raw));

    if (p->in_table) {
        if (line.n == 0 && p->table_rows > 0) {
            p->in_table = false; /* a blank line ends the rows */
            return;
        }
        if (table_line(p, line))
            return;
    }
    if (line.n == 0)
        return;
    if (is_table_header(line)) {
        start_table(p);
        p->previous_known = false;
        return;
    }

    match_failure(p, line);

    const line_rule *matched = NULL;
    for (size_t i = 0; i < LINE_RULE_COUNT; i++) {
        const line_rule *rule = &line_rules[i];
        if (starts_with(line, rule->prefix, rule->prefix_len) && rule_allowed_here(p, rule)) {
            matched = rule;
            break;
        }
    }
    if (matched)
        apply_rule(p, matched, trim(after(line, matched->prefix_len)));

    if (starts_with_any(line, error_prefixes, sizeof error_prefixes / sizeof *error_prefixes) ||
        span_contains(line, mlir_error_marker, sizeof mlir_error_marker - 1))
        push_message(p, &p->run.errors, &p->run.error_count, line);
    else if (starts_with_any(line, warning_prefixes,
                             sizeof warning_prefixes / sizeof *warning_prefixes))
        push_message(p, &p->run.warnings, &p->run.warning_count, line);

    p->previous_known = matched != NULL;
    p->previous = matched ? matched->action : ACT_IGNORE;
}

/* ------------------------------------------------------------------------ */
/* Finishing                                                                 */

static void resolve_totals(parser *p, etpu_compiler_model *m, size_t index)
{
    if (m->console_tpu_ops.present || m->console_cpu_ops.present) {
        m->ops_source = ETPU_OPS_CONSOLE;
        m->ops_on_tpu = m->console_tpu_ops.value;
        m->ops_on_cpu = m->console_cpu_ops.value;
    } else if (m->has_table && m->row_count > 0) {
        m->ops_source = ETPU_OPS_TABLE;
        m->ops_on_tpu = m->table_mapped_ops;
        m->ops_on_cpu = m->table_cpu_ops;
    } else if (m->total_ops.present && m->compiled) {
        /* Console output prints the "not all operations" block, with both
         * numbers, whenever something stays on the CPU; its absence means
         * every operation was mapped. */
        m->ops_source = ETPU_OPS_IMPLIED;
        m->ops_on_tpu = m->total_ops.value;
        m->ops_on_cpu = 0;
    }
    if (m->ops_source == ETPU_OPS_CONSOLE && m->row_count > 0 &&
        (m->table_mapped_ops != m->ops_on_tpu || m->table_cpu_ops != m->ops_on_cpu))
        note(p, "model %zu: operator table sums (%llu mapped, %llu not) differ from the "
                "printed totals (%llu on the Edge TPU, %llu on the CPU)",
             index + 1, (unsigned long long)m->table_mapped_ops,
             (unsigned long long)m->table_cpu_ops, (unsigned long long)m->ops_on_tpu,
             (unsigned long long)m->ops_on_cpu);
    if (m->total_ops.present && m->ops_source != ETPU_OPS_UNKNOWN &&
        m->ops_on_tpu + m->ops_on_cpu != m->total_ops.value)
        note(p, "model %zu: %llu + %llu operations do not add up to the printed total %llu",
             index + 1, (unsigned long long)m->ops_on_tpu, (unsigned long long)m->ops_on_cpu,
             (unsigned long long)m->total_ops.value);
}

etpu_compiler_outcome etpu_compiler_model_outcome(const etpu_compiler_model *m)
{
    if (!m)
        return ETPU_OUTCOME_INCOMPLETE;
    if (m->failure != ETPU_COMPILE_OK)
        return ETPU_OUTCOME_FAILED;
    bool any_row_on_cpu = false;
    for (size_t i = 0; i < m->row_count; i++)
        any_row_on_cpu |= !m->rows[i].mapped;
    if (m->ops_on_cpu > 0 || any_row_on_cpu)
        return ETPU_OUTCOME_SOME_ON_CPU;
    if (m->ops_source == ETPU_OPS_UNKNOWN || !m->compiled)
        return ETPU_OUTCOME_INCOMPLETE;
    return ETPU_OUTCOME_ALL_MAPPED;
}

static void free_model(etpu_compiler_model *m)
{
    free(m->compiler_version);
    free(m->input_path);
    free(m->output_path);
    free(m->operation_log_path);
    for (size_t i = 0; i < m->row_count; i++) {
        free(m->rows[i].op_name);
        free(m->rows[i].status_text);
    }
    free(m->rows);
    for (size_t i = 0; i < m->attempt_count; i++)
        free(m->attempts[i].intermediate_tensors);
    free(m->attempts);
    free(m->failure_line);
    free(m->failed_op);
    for (size_t i = 0; i < m->error_count; i++)
        free(m->errors[i]);
    free(m->errors);
    for (size_t i = 0; i < m->warning_count; i++)
        free(m->warnings[i]);
    free(m->warnings);
}

void etpu_compiler_report_free(etpu_compiler_report *report)
{
    if (!report)
        return;
    for (size_t i = 0; i < report->model_count; i++)
        free_model(&report->models[i]);
    free(report->models);
    for (size_t i = 0; i < report->note_count; i++)
        free(report->notes[i]);
    free(report->notes);
    free(report->compiler_version);
    memset(report, 0, sizeof *report);
}

/* etpu_log_line_fn for the decoder: one logical line; false stops it. */
static bool feed_decoded_line(void *context, const char *line, size_t len)
{
    parser *p = context;
    feed_line(p, (span){line, len});
    return !p->nomem;
}

etpu_status etpu_compiler_log_parse(const char *text, size_t len, etpu_compiler_report *out,
                                    etpu_error *err)
{
    if (!out)
        return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET, "no report to fill");
    memset(out, 0, sizeof *out);
    if (!text && len > 0)
        return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET, "no text to parse");

    parser p = {0};
    p.report = out;
    p.current = NO_MODEL;
    p.run.pattern = NO_PATTERN;
    if (!etpu_log_decode(text ? text : "", len, feed_decoded_line, &p, &out->from_json))
        p.nomem = true;
    if (!p.nomem)
        finish_run(&p);
    /* finish_run leaves a fresh run behind; release what it may hold. */
    clear_attempt_failure(&p.run);

    for (size_t i = 0; i < out->model_count && !p.nomem; i++)
        resolve_totals(&p, &out->models[i], i);

    if (p.nomem) {
        etpu_compiler_report_free(out);
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET,
                              "out of memory while reading the compiler log");
    }
    if (out->model_count == 0 && out->version_lines == 0) {
        etpu_compiler_report_free(out);
        return etpu_error_set(err, ETPU_ERR_UNSUPPORTED, ETPU_NO_OFFSET,
                              "no Edge TPU compiler output found (expected an \"Edge TPU "
                              "Compiler version\" line or an \"Operator Count Status\" table)");
    }
    if (err)
        etpu_error_clear(err);
    return ETPU_OK;
}
