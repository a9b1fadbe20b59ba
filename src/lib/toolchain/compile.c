/*
 * compile.c — `etpu compile` as one library call (etpu/compile.h): run the
 * real edgetpu_compiler, anywhere.
 *
 * Around the compiler run: a preflight check (a doomed compile stops before
 * it starts, with the reasons; force compiles anyway), fix (compile what
 * `etpu fix` makes of the models), the runner that works on this host, a
 * time limit, retry (after an internal error, large activations or a
 * timeout: -d -k N, then -a, then a longer timeout), outputs placed into the
 * output directory only when the compile succeeded, the log read into a
 * report, and a cache keyed by the models' SHA-256, the compiler and the
 * flags. The parts are in compile_parts.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "etpu/archive.h"
#include "etpu/cache.h"
#include "etpu/fetch.h"
#include "etpu/fileio.h"
#include "etpu/text.h"
#include "toolchain/compile_parts.h"

/* ---- shared helpers ------------------------------------------------------- */

const char *etpu_compile_base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

bool etpu_compile_join(char *out, size_t size, const char *a, const char *b)
{
    return etpu_path_join(out, size, a, b, NULL) == ETPU_OK;
}

void etpu_compile_say_error(const etpu_compile_request *req, const char *file,
                            const etpu_error *err)
{
    char line[ETPU_ERROR_MESSAGE_MAX + 64];
    etpu_error_format(err, line, sizeof line);
    if (file)
        fprintf(req->messages, "etpu: %s: %s\n", file, line);
    else
        fprintf(req->messages, "etpu: %s\n", line);
}

void etpu_compile_note(const etpu_compile_request *req, cJSON *notes, bool also_json,
                       const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (also_json || !req->json)
        fputs(buf, req->messages);
    cJSON *n = cJSON_CreateObject();
    if (n && cJSON_AddStringToObject(n, "text", buf) && cJSON_AddBoolToObject(n, "json", also_json))
        cJSON_AddItemToArray(notes, n);
    else
        cJSON_Delete(n);
}

void etpu_compile_replay_notes(const etpu_compile_request *req, const cJSON *record)
{
    const cJSON *n;
    cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(record, "notes")) {
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(n, "text");
        if (cJSON_IsString(text) &&
            (!req->json || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(n, "json"))))
            fputs(text->valuestring, req->messages);
    }
}

/* The exit status of an interrupted run: 128 + the signal, as a shell
 * reports a command killed by it (130 for Ctrl-C). */
static int interrupted_status(const etpu_attempt_result *ar)
{
    int stop = etpu_toolchain_cancel_signal();
    int sig = ar && ar->signal > 0 ? ar->signal : stop > 0 ? stop : SIGINT;
    return 128 + sig;
}

/* ---- one compiler run of a set of models ------------------------------------ */

/* The state of compiling one set (all models, or one with each). */
typedef struct compile_set {
    const etpu_compile_request *req;
    const etpu_compiler_info *info;
    const etpu_runner *runner;
    const char *const *models;
    size_t n;
    cJSON **json_all;
    etpu_error *usage;
    bool use_cache;
    char key[65];
    char work[ETPU_PATH_MAX];   /* the run's temporary directory, "" before */
    char outdir[ETPU_PATH_MAX]; /* the last attempt's output directory */
    char **run_paths;           /* what the compiler reads */
    cJSON *rec, *notes, *attempts;
    etpu_preflight_result pr;
    etpu_compile_flags flags;   /* of the last attempt */
    etpu_attempt_result ar;     /* of the last attempt */
    double seconds;
    char **names;               /* the outputs to place */
    size_t nnames;
} compile_set;

/* Answer from the cache entry: the same messages, outputs and report as the
 * run that stored it. *done false: compile instead. */
static int replay(compile_set *s, const etpu_compile_cache_entry *e, bool *done)
{
    const etpu_compile_request *req = s->req;
    cJSON *rec = cJSON_Parse(e->record_json);
    etpu_error err;
    *done = false;
    if (!rec)
        return ETPU_COMPILE_EXIT_OK;
    int status = ETPU_COMPILE_EXIT_OK;
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "predicted_fatal")) && !req->force) {
        etpu_compile_replay_notes(req, rec);
        *done = true;
        status = etpu_compile_stop_predicted(req);
    } else if (etpu_place_files(e->files_dir, (const char *const *)e->files, e->file_count,
                                req->out_dir, &err) == ETPU_OK) {
        etpu_compile_replay_notes(req, rec);
        *done = true;
        status = etpu_compile_report(req, rec, true, s->models, s->n, s->json_all);
    }
    /* else the entry went away under us, or the output directory is in the
     * way: compile instead, which says what is wrong */
    cJSON_Delete(rec);
    return status;
}

/* The cache first: a hit needs only the models' SHA-256. */
static int from_cache(compile_set *s, bool *done)
{
    etpu_error err;
    *done = false;
    s->use_cache = !s->req->no_cache &&
                   etpu_compile_cache_key(s->req, s->info, s->models, s->n, s->key) ==
                       ETPU_COMPILE_EXIT_OK;
    if (!s->use_cache)
        return ETPU_COMPILE_EXIT_OK;
    etpu_compile_cache_entry entry;
    bool found = false;
    if (etpu_compile_cache_lookup(s->key, &entry, &found, &err) != ETPU_OK) {
        s->use_cache = false; /* no usable cache directory: compile without it */
        return ETPU_COMPILE_EXIT_OK;
    }
    if (!found)
        return ETPU_COMPILE_EXIT_OK;
    int status = replay(s, &entry, done);
    etpu_compile_cache_entry_free(&entry);
    return status;
}

/* $TMPDIR/etpu-compile-<pid>-XXXXXX (a killed run's is swept by the next)
 * with in/ for fixed models, and the record. */
static int start_work(compile_set *s)
{
    const char *tmp = getenv("TMPDIR");
    char base[3000], tmpl[ETPU_PATH_MAX];
    snprintf(base, sizeof base, "%s", tmp && tmp[0] == '/' && strlen(tmp) < 3000 ? tmp : "/tmp");
    etpu_temp_sweep(base, "etpu-compile-");
    snprintf(tmpl, sizeof tmpl, "%s/etpu-compile-%ld-XXXXXX", base, (long)getpid());
    char *work = mkdtemp(tmpl);
    if (!work) {
        fprintf(s->req->messages, "etpu: cannot create a temporary directory in %s: %s\n", base,
                strerror(errno));
        return ETPU_COMPILE_EXIT_TOOLCHAIN;
    }
    snprintf(s->work, sizeof s->work, "%s", work);
    char fixdir[ETPU_PATH_MAX];
    etpu_compile_join(fixdir, sizeof fixdir, work, "in");
    s->run_paths = calloc(s->n, sizeof *s->run_paths);
    s->rec = cJSON_CreateObject();
    s->notes = cJSON_AddArrayToObject(s->rec, "notes");
    s->attempts = cJSON_AddArrayToObject(s->rec, "attempts");
    if (!s->run_paths || !s->notes || !s->attempts || mkdir(fixdir, 0700))
        return ETPU_COMPILE_EXIT_TOOLCHAIN;
    return etpu_compile_preflight(s->req, s->models, s->n, fixdir, s->run_paths, s->notes,
                                  &s->pr);
}

/* The attempts: as given, then (retry) the ladder, each into its own
 * out-<k>/; stops at the first that compiles. */
static int run_attempts(compile_set *s)
{
    const etpu_compile_request *req = s->req;
    etpu_attempt_input in = {s->runner, s->run_paths, s->n, s->pr.total_ops};
    etpu_compile_flags next;
    etpu_retry_step step = ETPU_RETRY_AS_GIVEN, next_step;
    etpu_error err;
    s->flags = req->flags;
    for (int k = 0;; k++) {
        char sub[32];
        snprintf(sub, sizeof sub, "out-%d", k);
        if (!etpu_compile_join(s->outdir, sizeof s->outdir, s->work, sub) ||
            mkdir(s->outdir, 0700) != 0)
            return ETPU_COMPILE_EXIT_TOOLCHAIN;
        free(s->ar.text);
        s->ar.text = NULL;
        if (etpu_toolchain_cancelled())
            return interrupted_status(NULL);
        int status = etpu_compile_attempt(req, &in, &s->flags, step, s->outdir, s->attempts,
                                          &s->ar, &s->seconds, s->usage);
        if (status != ETPU_COMPILE_EXIT_OK)
            return status;
        if (s->ar.ok || s->ar.interrupted || !req->retry ||
            !etpu_retry_next(&s->flags, step, s->ar.failure, &next, &next_step))
            return ETPU_COMPILE_EXIT_OK;
        /* nothing of a failed attempt stays */
        etpu_remove_tree(s->outdir, &err);
        if (!req->json) {
            char t[512];
            etpu_compile_flags_text(&next, t, sizeof t);
            fprintf(req->messages, "etpu: attempt %d failed (%s); retrying with %s (%s)\n",
                    k + 1, etpu_compile_failure_name(s->ar.failure), *t ? t : "the flags as given",
                    etpu_retry_step_name(next_step));
        }
        s->flags = next;
        step = next_step;
    }
}

/* The record of how the attempts ended. A compiler that says it succeeded
 * must have written what a compile writes: nothing else is placed or
 * cached. */
static void record_outcome(compile_set *s)
{
    char bad[1024] = "";
    if (s->ar.ok && !etpu_compile_verify_outputs(s->req, s->run_paths, s->n, s->outdir, &s->flags,
                                                 &s->names, &s->nnames, s->notes, bad,
                                                 sizeof bad)) {
        s->ar.ok = false;
        s->ar.finished = false;
        s->ar.failure = ETPU_COMPILE_UNKNOWN;
        cJSON *last = cJSON_GetArrayItem(s->attempts, cJSON_GetArraySize(s->attempts) - 1);
        cJSON_ReplaceItemInObjectCaseSensitive(last, "outcome", cJSON_CreateString("bad output"));
        fprintf(s->req->messages, "etpu: edgetpu_compiler exited 0, but %s; nothing was placed "
                "or cached\n", bad);
        char desc[1100];
        snprintf(desc, sizeof desc, "exited 0 but %s", bad);
        cJSON_AddStringToObject(s->rec, "failure", desc);
    }
    cJSON_AddStringToObject(s->rec, "output", s->ar.text);
    cJSON_AddNumberToObject(s->rec, "seconds", s->seconds);
    cJSON *last = cJSON_GetArrayItem(s->attempts, cJSON_GetArraySize(s->attempts) - 1);
    const cJSON *exit_desc = cJSON_GetObjectItemCaseSensitive(last, "exit");
    if (!s->ar.ok && !bad[0] && last && cJSON_IsString(exit_desc))
        cJSON_AddStringToObject(s->rec, "failure", exit_desc->valuestring);
    if (s->ar.ok) {
        char t[512];
        etpu_compile_flags_text(&s->flags, t, sizeof t);
        cJSON_AddStringToObject(s->rec, "worked_with", t);
    }
}

/* The outputs of the attempt that compiled, all complete, or none. */
static int place_outputs(compile_set *s)
{
    etpu_error err;
    cJSON *files = cJSON_AddArrayToObject(s->rec, "files");
    if (s->ar.ok && etpu_toolchain_cancelled())
        return interrupted_status(&s->ar);
    if (!s->ar.ok)
        return ETPU_COMPILE_EXIT_OK;
    if (etpu_place_files(s->outdir, (const char *const *)s->names, s->nnames, s->req->out_dir,
                         &err) != ETPU_OK) {
        fprintf(s->req->messages, "etpu: %s: cannot place the compiler's outputs (nothing was "
                "placed): %s\n", s->req->out_dir, err.message);
        return ETPU_COMPILE_EXIT_INPUT; /* the output directory, not the compiler */
    }
    for (size_t i = 0; i < s->nnames; i++)
        cJSON_AddItemToArray(files, cJSON_CreateString(s->names[i]));
    return ETPU_COMPILE_EXIT_OK;
}

/* Report, then the status the run ends with; cache what a finished run
 * produced (a failure only when the model decides it). */
static int finish(compile_set *s)
{
    const etpu_compile_request *req = s->req;
    int status = etpu_compile_report(req, s->rec, false, s->models, s->n, s->json_all);
    etpu_error err;
    if (s->ar.interrupted)
        return interrupted_status(&s->ar);
    if (!s->ar.finished || s->ar.failure == ETPU_COMPILE_TIMEOUT ||
        s->ar.failure == ETPU_COMPILE_SEGFAULT)
        return ETPU_COMPILE_EXIT_TOOLCHAIN; /* the guide's table: crashed or timed out */
    if (s->use_cache && (s->ar.ok || etpu_compile_failure_deterministic(s->ar.failure))) {
        /* a cache that cannot be written is not an error */
        char *text = cJSON_PrintUnformatted(s->rec);
        if ((!text || etpu_compile_cache_store(s->key, s->outdir, (const char *const *)s->names,
                                               s->nnames, text, &err) != ETPU_OK) &&
            !req->json)
            fprintf(req->messages, "etpu: note: result not cached: %s\n",
                    text ? err.message : "out of memory");
        cJSON_free(text);
    }
    return status;
}

/* The steps of one set after the cache missed. */
static int compile_fresh(compile_set *s)
{
    int status = start_work(s);
    if (status != ETPU_COMPILE_EXIT_OK)
        return status;
    if (etpu_toolchain_cancelled())
        return interrupted_status(NULL);
    if (s->pr.predicted_fatal && !s->req->force)
        return etpu_compile_stop_predicted(s->req);
    cJSON_AddBoolToObject(s->rec, "predicted_fatal", s->pr.predicted_fatal);
    cJSON_AddStringToObject(s->rec, "compiler_version", s->info->version);
    cJSON_AddStringToObject(s->rec, "runner", etpu_runner_kind_name(s->runner->kind));
    if ((status = run_attempts(s)) != ETPU_COMPILE_EXIT_OK)
        return status;
    record_outcome(s);
    if ((status = place_outputs(s)) != ETPU_COMPILE_EXIT_OK)
        return status;
    return finish(s);
}

/* Compile models[0..n) in one compiler run (co-compiled when n > 1). */
static int compile_models(compile_set *s)
{
    if (etpu_toolchain_cancelled())
        return interrupted_status(NULL);
    bool done = false;
    int status = from_cache(s, &done);
    if (done)
        return status;
    status = compile_fresh(s);
    etpu_error err;
    etpu_free_names(s->names, s->nnames);
    free(s->ar.text);
    cJSON_Delete(s->rec);
    if (s->run_paths)
        for (size_t i = 0; i < s->n; i++)
            free(s->run_paths[i]);
    free(s->run_paths);
    if (s->work[0])
        etpu_remove_tree(s->work, &err);
    return status;
}

/* ---- the run ------------------------------------------------------------------- */

/* Refuse, before anything runs, what would fail after the compile: two
 * models whose outputs have the same names (*usage), an output directory we
 * cannot write into. */
static int precheck(const etpu_compile_request *req, etpu_error *usage)
{
    struct stat st;
    if (stat(req->out_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        etpu_error_set(usage, ETPU_ERR_USAGE, ETPU_NO_OFFSET,
                       "output directory %s does not exist", req->out_dir);
        return ETPU_COMPILE_EXIT_INPUT;
    }
    for (size_t i = 0; i < req->model_count; i++)
        for (size_t k = i + 1; k < req->model_count; k++) {
            char a[ETPU_PATH_MAX], b[ETPU_PATH_MAX];
            etpu_compile_stem(req->models[i], a, sizeof a);
            etpu_compile_stem(req->models[k], b, sizeof b);
            if (strcmp(a, b))
                continue;
            etpu_error_set(usage, ETPU_ERR_USAGE, ETPU_NO_OFFSET,
                           "%s and %s would both be written as %s/%s_edgetpu.tflite: rename "
                           "one, or compile them into different -o directories", req->models[i],
                           req->models[k], req->out_dir, a);
            return ETPU_COMPILE_EXIT_INPUT;
        }
    /* can we create (and remove) a file there? (root passes access(2) on a
     * read-only mount's directory, so try it) */
    char probe[ETPU_PATH_MAX];
    char *tmp = NULL;
    etpu_error err;
    if (!etpu_compile_join(probe, sizeof probe, req->out_dir, "probe")) {
        etpu_error_set(usage, ETPU_ERR_USAGE, ETPU_NO_OFFSET, "output directory name too long");
        return ETPU_COMPILE_EXIT_INPUT;
    }
    int fd = etpu_temp_create(probe, &tmp, &err);
    if (fd < 0) {
        fprintf(req->messages, "etpu: compile: cannot write into the output directory %s: %s\n",
                req->out_dir, err.message);
        return ETPU_COMPILE_EXIT_INPUT;
    }
    close(fd);
    unlink(tmp);
    free(tmp);
    return ETPU_COMPILE_EXIT_OK;
}

/* The compiler and how to run it, before any work. */
static int choose_compiler(const etpu_compile_request *req, etpu_compiler_info *info,
                           etpu_runner *runner)
{
    etpu_error err;
    char why[512];
    if (etpu_compiler_choose(req->compiler_version, req->runner, req->emulator, info, runner,
                             why, sizeof why, &err)) {
        etpu_compile_say_error(req, NULL, &err);
        if (strstr(err.message, "not installed") || strstr(err.message, "no edgetpu_compiler"))
            fprintf(req->messages, "etpu: meanwhile `etpu check` predicts the result without it\n");
        return ETPU_COMPILE_EXIT_TOOLCHAIN;
    }
    if (!req->json && strstr(why, "cannot run here"))
        fprintf(req->messages, "etpu: using %s\n", why); /* not the newest: say why */
    return ETPU_COMPILE_EXIT_OK;
}

/* A --json report as text: one object, or an array with each. */
static void take_json(cJSON *json_all, char **json_report)
{
    if (json_all && json_report)
        *json_report = cJSON_Print(json_all);
    cJSON_Delete(json_all);
}

int etpu_compile_run(const etpu_compile_request *req, char **json_report, etpu_error *usage)
{
    int status;
    if (json_report)
        *json_report = NULL;
    if (usage)
        *usage = (etpu_error){.kind = ETPU_ERR_OK, .offset = ETPU_NO_OFFSET};
    if ((status = precheck(req, usage)) != ETPU_COMPILE_EXIT_OK)
        return status;
    /* what killed runs left beside the outputs */
    etpu_temp_sweep(req->out_dir, NULL);
    etpu_compiler_info info;
    etpu_runner runner;
    if ((status = choose_compiler(req, &info, &runner)) != ETPU_COMPILE_EXIT_OK)
        return status;
    bool each = req->each && req->model_count > 1;
    cJSON *json_all = req->json && each ? cJSON_CreateArray() : NULL;
    compile_set base = {.req = req, .info = &info, .runner = &runner, .json_all = &json_all,
                        .usage = usage};
    if (!each) {
        compile_set s = base;
        s.models = req->models;
        s.n = req->model_count;
        status = compile_models(&s);
        take_json(json_all, json_report);
        return status;
    }
    /* each: one run per model; the worst status wins (an interrupt stops) */
    for (size_t i = 0; i < req->model_count; i++) {
        compile_set s = base;
        s.models = req->models + i;
        s.n = 1;
        int one = compile_models(&s);
        if (one > status)
            status = one;
        if (one >= 128 || etpu_toolchain_cancelled())
            break;
    }
    take_json(json_all, json_report);
    return status;
}
