/*
 * compiler_status.c — what `etpu compiler` reports about the installed
 * compilers (etpu/compiler_status.h): their records and an install's tries
 * as JSON, and the status of this host gathered in one call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "etpu/compiler_status.h"

static bool pinned(etpu_verification v)
{
    return v == ETPU_VERIFIED_PINNED_SHA256 || v == ETPU_VERIFIED_PINNED_MD5 ||
           v == ETPU_VERIFIED_PINNED_GIT;
}

void etpu_compiler_info_write_json(etpu_json_writer *w, const char *key,
                                   const etpu_compiler_info *i)
{
    struct stat st;
    etpu_json_object_begin(w, key);
    etpu_json_string(w, "version", i->version);
    etpu_json_string(w, "arch", i->arch);
    etpu_json_string(w, "dir", i->dir);
    /* an install from a tarball may have no wrapper script */
    etpu_json_string(w, "wrapper", lstat(i->wrapper, &st) == 0 ? i->wrapper : NULL);
    etpu_json_string(w, "bin_dir", i->bin_dir);
    etpu_json_string(w, "binary", i->binary);
    etpu_json_string(w, "loader", i->loader);
    etpu_json_string(w, "source", i->source);
    etpu_json_string(w, "source_name", i->source_name);
    etpu_json_string(w, "artifact", i->artifact[0] ? i->artifact : NULL);
    etpu_json_string(w, "sha256", i->sha256);
    etpu_json_double(w, "size", (double)i->size);
    etpu_json_string(w, "installed_at", i->installed_at);
    etpu_json_object_begin(w, "verification");
    etpu_json_string(w, "kind", etpu_verification_key(i->verification));
    etpu_json_string(w, "text", etpu_verification_text(i->verification));
    etpu_json_string(w, "detail", i->verification_detail);
    etpu_json_bool(w, "pinned", pinned(i->verification));
    etpu_json_object_end(w);
    etpu_json_object_end(w);
}

void etpu_compiler_list_write_json(etpu_json_writer *w, const etpu_compiler_info *list,
                                   size_t count)
{
    etpu_json_object_begin(w, NULL);
    etpu_json_array_begin(w, "compilers");
    for (size_t i = 0; i < count; i++)
        etpu_compiler_info_write_json(w, NULL, &list[i]);
    etpu_json_array_end(w);
    etpu_json_object_end(w);
}

static void tries_write_json(etpu_json_writer *w, const etpu_install_report *r)
{
    etpu_json_array_begin(w, "tries");
    for (size_t k = 0; k < r->count; k++) {
        const etpu_install_try *t = &r->tries[k];
        etpu_json_object_begin(w, NULL);
        etpu_json_string(w, "source", t->source);
        etpu_json_string(w, "url", t->url);
        etpu_json_bool(w, "ok", t->ok);
        etpu_json_string(w, "outcome", t->ok ? "installed" : t->outcome);
        etpu_json_string(w, "failure", t->ok ? "ok" : etpu_fetch_failure_name(t->failure));
        etpu_json_object_end(w);
    }
    etpu_json_array_end(w);
}

void etpu_install_success_write_json(etpu_json_writer *w, const etpu_compiler_info *info,
                                     const etpu_install_report *report)
{
    etpu_json_object_begin(w, NULL);
    etpu_compiler_info_write_json(w, "installed", info);
    tries_write_json(w, report);
    etpu_json_int(w, "exit_code", 0);
    etpu_json_object_end(w);
}

void etpu_install_failure_write_json(etpu_json_writer *w, const etpu_error *err,
                                     const etpu_install_report *report, int exit_code)
{
    etpu_json_object_begin(w, NULL);
    etpu_json_error(w, "error", err);
    tries_write_json(w, report);
    etpu_json_bool(w, "no_network", report->no_network);
    etpu_json_array_begin(w, "fetch_elsewhere");
    for (size_t k = 0; k < report->advice_count; k++)
        etpu_json_string(w, NULL, report->advice[k]);
    etpu_json_array_end(w);
    etpu_json_int(w, "exit_code", exit_code);
    etpu_json_object_end(w);
}

bool etpu_artifact_suits_host(const etpu_artifact *a)
{
    if (!strcmp(a->arch, "x86_64"))
        return true;
    char host[32];
    etpu_host_arch(host, sizeof host);
    const etpu_compiler_arch *h = etpu_compiler_arch_get(host);
    return h && !strcmp(h->name, a->arch);
}

/* ---- status ------------------------------------------------------------- */

/* The first problem found is the one reported. */
static void status_fail(etpu_compiler_status *s, const etpu_error *e)
{
    if (!s->failed)
        s->error = *e;
    s->failed = true;
}

/* Which compiler `etpu compile` would use here, and why (the newest that
 * runs here, or --version's); else the one --version names. */
static void status_choose(const etpu_compiler_status_options *o, etpu_compiler_status *s)
{
    etpu_error e;
    etpu_runner chosen_runner;
    s->chosen = s->installed_count > 0 &&
                etpu_compiler_choose(o->version, o->runner, o->emulator, &s->info,
                                     &chosen_runner, s->why, sizeof s->why, &e) == ETPU_OK;
    s->have = s->chosen || etpu_compiler_find(o->version, &s->info, &e) == ETPU_OK;
    if (!s->have) {
        status_fail(s, &e);
        return;
    }
    const char *need[] = {s->info.binary, s->info.loader};
    for (size_t i = 0; i < 2 && !s->missing; i++)
        if (access(need[i], R_OK | X_OK) != 0)
            s->missing = need[i];
    if (s->missing) {
        etpu_error_set(&e, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                       "installation damaged: %s is missing or not executable "
                       "(reinstall with `etpu compiler install --force`)",
                       s->missing);
        status_fail(s, &e);
    }
}

/* The runner is resolved even without a compiler (with the default
 * layout), so `status` says what would happen. */
static void status_resolve_runner(const etpu_compiler_status_options *o,
                                  etpu_compiler_status *s)
{
    etpu_compiler_info layout;
    if (s->have)
        layout = s->info;
    else {
        memset(&layout, 0, sizeof layout);
        snprintf(layout.bin_dir, sizeof layout.bin_dir, "<dir>/" ETPU_LAYOUT_BIN_DIR);
        snprintf(layout.binary, sizeof layout.binary, "<dir>/" ETPU_LAYOUT_BINARY);
        snprintf(layout.loader, sizeof layout.loader, "<dir>/" ETPU_LAYOUT_LOADER);
    }
    s->runner_ok = etpu_runner_resolve(o->runner, o->emulator, &layout, &s->runner,
                                       &s->runner_error) == ETPU_OK;
    if (!s->runner_ok)
        status_fail(s, &s->runner_error);
}

static void status_probe(etpu_compiler_status *s)
{
    s->probe_tried = true;
    if (etpu_runner_version(&s->runner, ETPU_COMPILER_PROBE_TIMEOUT_S,
                            ETPU_COMPILER_PROBE_CAPTURE, &s->probe, &s->probe_error) != ETPU_OK) {
        status_fail(s, &s->probe_error);
        return;
    }
    s->probed = true;
    etpu_run_describe(&s->probe, ETPU_COMPILER_PROBE_TIMEOUT_S, s->probe_text,
                      sizeof s->probe_text);
    s->probe_ok = s->probe.exited && s->probe.exit_code == 0 && s->probe.out &&
                  strstr(s->probe.out, "Edge TPU Compiler version") != NULL;
    if (!s->probe_ok) {
        etpu_error e;
        etpu_error_set(&e, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                       "the compiler did not answer --version: %s", s->probe_text);
        status_fail(s, &e);
    }
}

etpu_status etpu_compiler_status_gather(const etpu_compiler_status_options *opts,
                                        etpu_compiler_status *out, etpu_error *err)
{
    memset(out, 0, sizeof *out);
    out->requested = opts->runner;
    etpu_status st = etpu_compiler_list(&out->installed, &out->installed_count, err);
    if (st != ETPU_OK)
        return st;
    status_choose(opts, out);
    status_resolve_runner(opts, out);
    if (opts->probe && out->have && out->runner_ok && !out->missing)
        status_probe(out);
    return ETPU_OK;
}

void etpu_compiler_status_free(etpu_compiler_status *s)
{
    free(s->installed);
    s->installed = NULL;
    s->installed_count = 0;
    etpu_run_result_free(&s->probe);
}

static void runner_write_json(etpu_json_writer *w, const etpu_compiler_status *s)
{
    const etpu_runner *r = &s->runner;
    etpu_json_object_begin(w, "runner");
    etpu_json_string(w, "requested", etpu_runner_kind_name(s->requested));
    etpu_json_string(w, "host_arch", r->host_arch);
    if (s->runner_ok) {
        etpu_json_string(w, "kind", etpu_runner_kind_name(r->kind));
        etpu_json_string(w, "reason", r->reason);
        etpu_json_string(w, "emulator", r->emulator[0] ? r->emulator : NULL);
        if (r->binfmt_entry[0])
            etpu_json_string(w, "binfmt_entry", r->binfmt_entry);
        etpu_json_array_begin(w, "command");
        for (int i = 0; i < r->argc; i++)
            etpu_json_string(w, NULL, r->argv[i]);
        etpu_json_array_end(w);
    } else {
        etpu_json_null(w, "kind");
        etpu_json_string(w, "error", s->runner_error.message);
    }
    etpu_json_object_end(w);
}

static void probe_write_json(etpu_json_writer *w, const etpu_compiler_status *s)
{
    etpu_json_object_begin(w, "probe");
    etpu_json_bool(w, "ok", s->probe_ok);
    if (!s->probed) {
        etpu_json_string(w, "error", s->probe_error.message);
    } else {
        etpu_json_string(w, "result", s->probe_text);
        if (s->probe.exited)
            etpu_json_int(w, "exit_code", s->probe.exit_code);
        /* the captured output is absent only when it could not be held */
        if (s->probe.out)
            etpu_json_string(w, "stdout", s->probe.out);
        if (s->probe.err)
            etpu_json_string(w, "stderr", s->probe.err);
        etpu_json_double(w, "seconds", s->probe.seconds);
    }
    etpu_json_object_end(w);
}

void etpu_compiler_status_write_json(etpu_json_writer *w, const etpu_compiler_status *s,
                                     int exit_code)
{
    etpu_json_object_begin(w, NULL);
    etpu_json_array_begin(w, "installed");
    for (size_t i = 0; i < s->installed_count; i++)
        etpu_json_string(w, NULL, s->installed[i].version);
    etpu_json_array_end(w);
    if (!s->have) {
        etpu_json_null(w, "compiler");
    } else {
        etpu_compiler_info_write_json(w, "compiler", &s->info);
        if (s->chosen)
            etpu_json_string(w, "choice", s->why);
        etpu_json_bool(w, "layout_ok", s->missing == NULL);
    }
    runner_write_json(w, s);
    if (s->probe_tried)
        probe_write_json(w, s);
    etpu_json_int(w, "exit_code", exit_code);
    if (s->failed)
        etpu_json_error(w, "error", &s->error);
    etpu_json_object_end(w);
}
