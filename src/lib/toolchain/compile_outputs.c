/*
 * compile_outputs.c — what the compiler may write, and checking it before
 * anything is placed or cached (compile_parts.h): only files named after
 * the models, each X_edgetpu.tflite a valid model holding the Edge TPU op
 * when its log says ops run there, each log readable as a compiler log.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etpu/compiled.h"
#include "etpu/fileio.h"
#include "etpu/model.h"
#include "etpu/text.h"
#include "toolchain/compile_parts.h"

/* The compiler names its outputs after the input's base name without
 * ".tflite" (coral.ai/docs/edgetpu/compiler: `<input_basename>_edgetpu.tflite`,
 * FACTS.md §1.4; that a non-.tflite name keeps its whole base name is
 * assumed [U]). */
void etpu_compile_stem(const char *path, char *out, size_t size)
{
    snprintf(out, size, "%s", etpu_compile_base_name(path));
    size_t len = strlen(out);
    if (len > 7 && !strcmp(out + len - 7, ".tflite"))
        out[len - 7] = '\0';
}

/* 1 to 6 decimal digits at *p (no sign, no space), advancing *p. */
static bool digits(const char **p, long *out)
{
    long v = 0;
    int k = 0;
    while (k < 6 && **p >= '0' && **p <= '9') {
        v = v * 10 + (**p - '0');
        (*p)++;
        k++;
    }
    *out = v;
    return k > 0 && !(**p >= '0' && **p <= '9');
}

/* name is "<stem>_edgetpu.<ext>" or, with -n N, "<stem>_segment_<i>_of_<k>
 * _edgetpu.<ext>" with i < k <= N (libcoral's naming, FACTS.md §1.4), for
 * one of the stems; ext "tflite" or "log". *is_model tells which. */
static bool expected_output(const char *name, char stems[][ETPU_PATH_MAX], size_t n,
                            long segments, bool *is_model)
{
    size_t len = strlen(name);
    const char *ext;
    if (len > 15 && !strcmp(name + len - 15, "_edgetpu.tflite"))
        ext = name + len - 15, *is_model = true;
    else if (len > 12 && !strcmp(name + len - 12, "_edgetpu.log"))
        ext = name + len - 12, *is_model = false;
    else
        return false;
    for (size_t i = 0; i < n; i++) {
        size_t sl = strlen(stems[i]);
        if (strncmp(name, stems[i], sl))
            continue;
        const char *rest = name + sl;
        if (rest == ext)
            return true;
        const char *p = rest + 9;
        long seg, of;
        if (segments > 1 && !strncmp(rest, "_segment_", 9) && digits(&p, &seg) &&
            !strncmp(p, "_of_", 4) && (p += 4, digits(&p, &of)) && p == ext && seg < of &&
            of <= segments)
            return true;
    }
    return false;
}

/* A model the compiler wrote: it must pass our verifier and, when its log
 * says some ops run on the Edge TPU, contain the edgetpu-custom-op. */
static bool check_compiled(const char *path, const etpu_compiler_report *log, char *why,
                           size_t why_size)
{
    etpu_model *m = NULL;
    etpu_error err;
    if (etpu_model_open(path, &m, &err)) {
        char line[ETPU_ERROR_MESSAGE_MAX + 64];
        etpu_error_format(&err, line, sizeof line);
        snprintf(why, why_size, "is not a valid model: %s", line);
        return false;
    }
    bool custom = false;
    for (size_t g = 0; g < m->subgraph_count && !custom; g++)
        for (size_t i = 0; i < m->subgraphs[g].operator_count && !custom; i++)
            custom = etpu_op_is_edgetpu(m, &m->subgraphs[g].operators[i]);
    etpu_model_free(m);
    uint64_t tpu = 0;
    for (size_t i = 0; i < log->model_count; i++)
        tpu += log->models[i].ops_on_tpu;
    if (!custom && (tpu > 0 || log->model_count == 0)) {
        snprintf(why, why_size, "has no %s op although its log puts %" PRIu64
                 " op%s on the Edge TPU: it is not a compiled model", ETPU_EDGETPU_CUSTOM_CODE,
                 tpu, tpu == 1 ? "" : "s");
        return false;
    }
    return true;
}

/* A compiled model kept from outdir (name): its log (same name with .log)
 * must read as a compiler log and the model pass check_compiled(). */
static bool check_model_output(const char *outdir, const char *name, char *why,
                               size_t why_size)
{
    char path[ETPU_PATH_MAX], logpath[ETPU_PATH_MAX];
    if (!etpu_compile_join(path, sizeof path, outdir, name) ||
        snprintf(logpath, sizeof logpath, "%.*s.log", (int)(strlen(path) - 7), path) < 0) {
        snprintf(why, why_size, "an output name is too long");
        return false;
    }
    char *text = NULL;
    size_t len = 0;
    etpu_compiler_report rep;
    etpu_error err;
    bool ok = true;
    char *shown = etpu_safe_text(name, 200);
    if (etpu_read_file(logpath, ETPU_COMPILE_LOG_MAX, &text, &len, &err) != ETPU_OK) {
        snprintf(why, why_size, "%s came without a readable log: %s", shown, err.message);
        ok = false;
    } else if (etpu_compiler_log_parse(text, len, &rep, &err) != ETPU_OK) {
        snprintf(why, why_size, "the log of %s does not read as a compiler log: %s", shown,
                 err.message);
        ok = false;
    } else {
        char what[ETPU_ERROR_MESSAGE_MAX + 128];
        if (!check_compiled(path, &rep, what, sizeof what)) {
            snprintf(why, why_size, "%s %s", shown, what);
            ok = false;
        }
        etpu_compiler_report_free(&rep);
    }
    free(text);
    free(shown);
    return ok;
}

/* The files of a compile directory sorted into those to keep and those
 * ignored (counted, the first named). */
typedef struct output_sort {
    char **keep;
    size_t nkeep, ignored, models;
    char first_ignored[64];
} output_sort;

bool etpu_compile_verify_outputs(const etpu_compile_request *req, char **run_paths, size_t n,
                                 const char *outdir, const etpu_compile_flags *f,
                                 char ***names, size_t *nnames, cJSON *notes, char *why,
                                 size_t why_size)
{
    char **all = NULL;
    size_t nall = 0;
    etpu_error err;
    *names = NULL;
    *nnames = 0;
    if (etpu_list_files(outdir, &all, &nall, &err) != ETPU_OK) {
        snprintf(why, why_size, "its output directory cannot be read: %s", err.message);
        return false;
    }
    char (*stems)[ETPU_PATH_MAX] = calloc(n, sizeof *stems);
    output_sort s = {.keep = calloc(nall ? nall : 1, sizeof *s.keep)};
    if (!stems || !s.keep) {
        free(stems);
        free(s.keep);
        etpu_free_names(all, nall);
        snprintf(why, why_size, "out of memory");
        return false;
    }
    for (size_t i = 0; i < n; i++)
        etpu_compile_stem(run_paths[i], stems[i], sizeof stems[i]);
    long segments = f->num_segments ? strtol(f->num_segments, NULL, 10) : 1;
    bool ok = true;
    for (size_t i = 0; i < nall && ok; i++) {
        bool is_model;
        if (!expected_output(all[i], stems, n, segments, &is_model)) {
            if (!s.ignored++) {
                char *shown = etpu_safe_text(all[i], 40);
                snprintf(s.first_ignored, sizeof s.first_ignored, "%s", shown ? shown : "?");
                free(shown);
            }
            continue;
        }
        s.keep[s.nkeep++] = all[i];
        all[i] = NULL;
        if (is_model) {
            s.models++;
            ok = check_model_output(outdir, s.keep[s.nkeep - 1], why, why_size);
        }
    }
    if (ok && s.models == 0) {
        snprintf(why, why_size, "it wrote no compiled model (no *_edgetpu.tflite named after "
                 "the input)");
        ok = false;
    }
    if (ok && s.ignored)
        etpu_compile_note(req, notes, false, "etpu: note: ignored %zu file%s the compiler left "
                          "that %s not named after the models (e.g. '%s')\n", s.ignored,
                          s.ignored == 1 ? "" : "s", s.ignored == 1 ? "is" : "are",
                          s.first_ignored);
    etpu_free_names(all, nall);
    free(stems);
    if (!ok) {
        etpu_free_names(s.keep, s.nkeep);
        return false;
    }
    *names = s.keep;
    *nnames = s.nkeep;
    return true;
}
