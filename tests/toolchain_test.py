#!/usr/bin/env python3
"""Integration tests of `etpu compiler install|list|path|status|remove`.

A local apt repository is served on 127.0.0.1 (a random free port) by an
http.server subclass that can misbehave on purpose: wrong SHA-256, truncated
body, 404, a stall, a first transfer that breaks and a Range resume, and
.debs whose data.tar tries to escape (`../../evil`, `/tmp/abs-evil`, symlink
tricks). The package served is etpu's TEST DOUBLE of edgetpu_compiler
(tests/compiler_double), built into a real .deb by make_deb.sh; nothing here
is Google's compiler. Every case runs with XDG_CACHE_HOME in a temp dir and
checks the cache tree afterwards: after a failure nothing may be left.

Every run uses a test copy of etpu's pinned sources table
(ETPU_COMPILER_SOURCES) that pins the double's package the way the shipped
table pins Google's (the .deb by the MD5 in its pool file name, the tree by
git blob ids). The sources, fallbacks and hostile cases of issues 11 and 14
are in compiler_sources_test.py; the servers and builders in
toolchain_fixtures.py.

Usage: toolchain_test.py --etpu BIN --double BIN --make-deb SCRIPT --work DIR [--corpus DIR]
Prints `N passed, M failed`; exit status 1 if anything failed.
"""
import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from toolchain_fixtures import (INDEX, Double, Repo, T, expect, expect_rc, git_artifact,  # noqa: E402
                                layout_entries, make_deb, packages_stanza, start_server,
                                write_table)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--etpu", required=True)
    ap.add_argument("--double", required=True)
    ap.add_argument("--make-deb", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--corpus", default="")
    ap.add_argument("--double-aarch64", default="")
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)

    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    t = T(args.etpu, args.work, args.corpus)
    dbl = Double(args.make_deb, args.double, os.path.join(t.work, "pkg"))
    deb_path, deb, index, deb_rel, deb_sha = dbl.deb_path, dbl.deb, dbl.index, dbl.deb_rel, dbl.sha256
    pkgroot = dbl.pkgroot
    tar_path = os.path.join(t.work, "edgetpu-compiler_16.0_amd64.tar.gz")
    with open(tar_path, "wb") as f:
        f.write(dbl.tar)
    # The test copy of the table: the double's .deb pinned by MD5 at its pool
    # path (as coral-deb-16.0), its tarball by SHA-256 (as ultralytics-16.0),
    # its tree by git blob ids (as coral-git-14.1, here version 16.0).
    t.table = write_table(os.path.join(t.work, "sources.json"), [
        {"id": "double-deb-16.0", "version": "16.0", "arch": "x86_64", "format": "deb",
         "md5": dbl.md5, "pool": deb_rel},
        {"id": "double-tar-16.0", "version": "16.0", "arch": "x86_64", "format": "tar",
         "sha256": dbl.tar_sha256},
        git_artifact("double-git-16.0", "16.0", "x86_64", dbl.files),
    ], [{"name": "test-apt", "kind": "apt", "url": "http://127.0.0.1:1/unused"}])

    repo = Repo()
    good = {INDEX: index, deb_rel: deb}
    for mode in ("ok", "truncate", "404", "stall", "resume"):
        repo.scenarios[mode] = {"files": dict(good), "mode": mode}
    bad_sha = packages_stanza(deb_rel, deb, sha="0" * 64)
    repo.scenarios["badsha"] = {"files": {INDEX: bad_sha, deb_rel: deb}}
    repo.scenarios["noindex"] = {"files": {}}
    repo.scenarios["html"] = {"files": {INDEX: b"<html><body>403 Forbidden</body></html>\n"}}
    repo.scenarios["other"] = {"files": {INDEX: index.replace(b"edgetpu-compiler", b"libedgetpu1-std")}}
    # Malicious packages: a valid layout plus one escape attempt each.
    tag = "%d" % os.getpid()
    abs_target = "/tmp/abs-evil-" + tag
    escape_dir = tempfile.mkdtemp(prefix="escape-", dir=t.work)
    evil = {
        "dotdot": [({"name": "./../../evil"}, b"x")],
        "abs": [({"name": abs_target}, b"x")],
        "symlink_rel": [({"name": "./usr/share", "type": tarfile.SYMTYPE,
                          "linkname": "../../../../../../../../.." + escape_dir},
                         None),
                        ({"name": "./usr/share/evil"}, b"x")],
        "symlink_abs": [({"name": "./usr/lib", "type": tarfile.SYMTYPE, "linkname": escape_dir}, None),
                        ({"name": "./usr/lib/evil"}, b"x")],
        "hardlink": [({"name": "./usr/passwd", "type": tarfile.LNKTYPE, "linkname": "/etc/passwd"}, None)],
        "device": [({"name": "./usr/null", "type": tarfile.CHRTYPE}, None)],
    }
    for name, extra in evil.items():
        d = make_deb(layout_entries(pkgroot) + extra)
        fn = "pool/evil-%s.deb" % name
        repo.scenarios["evil-" + name] = {"files": {INDEX: packages_stanza(fn, d), fn: d}}
    notcomp = make_deb(layout_entries(pkgroot), package="something-else")
    repo.scenarios["wrongpkg"] = {"files": {INDEX: packages_stanza("pool/x.deb", notcomp),
                                            "pool/x.deb": notcomp}}

    srv = start_server(repo)
    nothing_left = t.nothing_left
    base = "http://127.0.0.1:%d" % srv.server_address[1]

    def url(s):
        return "%s/%s" % (base, s)

    # -- usage -------------------------------------------------------------
    def t_help():
        t.fresh_cache()
        p = t.run("--help")
        expect_rc(p, 0, "install", "--runner", "Exit codes")
        expect_rc(t.run("frobnicate"), 2)
        expect_rc(t.run("install", "--bogus"), 2)
        expect_rc(t.run("install", "--version", "../x"), 2)
        expect_rc(t.run("status", "--runner", "docker"), 2)
        expect_rc(t.run("remove"), 2)
    t.check("usage errors exit 2, --help teaches", t_help)

    def t_nothing():
        t.fresh_cache()
        expect_rc(t.run("status"), 3, "not installed")
        expect_rc(t.run("path"), 3, "etpu compiler install")
        p = t.run("list", "--json")
        expect_rc(p, 0)
        expect(json.loads(p.stdout)["compilers"] == [], p.stdout)
    t.check("nothing installed: status/path exit 3, list empty", t_nothing)

    # -- happy path --------------------------------------------------------
    def t_happy():
        t.fresh_cache()
        p = t.run("install", "--repo", url("ok"), "--json")
        expect_rc(p, 0)
        j = json.loads(p.stdout)["installed"]
        expect(j["version"] == "16.0", j)
        expect(j["sha256"] == deb_sha, j)
        expect(j["source"] == url("ok") + "/" + deb_rel, j)
        expect(j["verification"]["kind"] == "pinned-md5" and j["artifact"] == "double-deb-16.0", j)
        expect(j["arch"] == "x86_64", j)
        d = os.path.join(t.cache, "etpu", "compiler", "16.0")
        expect(j["dir"] == d, j)
        with open(os.path.join(d, "manifest.json")) as f:
            m = json.load(f)
        for k in ("version", "arch", "source", "sha256", "size", "installed_at", "layout",
                  "verification"):
            expect(k in m, "manifest lacks %s: %s" % (k, m))
        expect(m["size"] == len(deb), m)
        expect(not any(n.startswith(".") for n in os.listdir(os.path.dirname(d))), "temp left")
        # list / path
        p = t.run("list")
        expect_rc(p, 0, "16.0")
        p = t.run("path")
        expect_rc(p, 0)
        expect(p.stdout.strip() == d, p.stdout)
        # status --json: the exact native command
        p = t.run("status", "--json")
        expect_rc(p, 0)
        s = json.loads(p.stdout)
        b = os.path.join(d, "usr/bin/edgetpu_compiler_bin")
        expect(s["runner"]["kind"] == "native", s)
        expect(s["runner"]["command"] == [b + "/ld-linux-x86-64.so.2", "--library-path", b,
                                          b + "/edgetpu_compiler"], s)
        expect(s["installed"] == ["16.0"] and s["layout_ok"] is True, s)
        # --json to a stdout that cannot be written (/dev/full): exit 2 and
        # say so, never a success the caller did not receive whole
        for sub in (["list", "--json"], ["path", "--json"], ["status", "--json"]):
            with open("/dev/full", "w") as full:
                q = subprocess.run([t.etpu, "compiler", *sub], env=t.env, stdout=full,
                                   stderr=subprocess.PIPE, text=True, timeout=60)
            expect(q.returncode == 2 and "writing JSON failed" in q.stderr,
                   "%s to /dev/full: rc %d, %s" % (sub, q.returncode, q.stderr))
        # the installed wrapper runs the double natively
        w = subprocess.run([os.path.join(d, "usr/bin/edgetpu_compiler"), "--version"],
                           capture_output=True, text=True, timeout=30)
        expect(w.returncode == 0 and w.stdout.strip() == "Edge TPU Compiler version 16.0.384591198",
               w.stdout + w.stderr)
        p = t.run("status", "--probe")
        expect_rc(p, 0, "Edge TPU Compiler version 16.0.384591198", "native")
        # idempotent; --force reinstalls
        expect_rc(t.run("install", "--repo", url("ok")), 0, "16.0")
        expect_rc(t.run("install", "--repo", url("ok"), "--force"), 0, "16.0")
        expect(t.cache_tree() == sorted(t.cache_tree()) and "16.0/manifest.json" in t.cache_tree(), "")
        expect(not [n for n in t.cache_tree() if n.startswith(".")], t.cache_tree())
    t.check("happy path: install, list, path, status --json, wrapper runs", t_happy)

    def t_compile_with_double():
        model = os.path.join(t.corpus or "", "DamianOlei__ImportData/mobilenet_v2_1.0_224_quant.tflite")
        if not os.path.exists(model):
            print("      (corpus model absent; skipped)")
            return
        d = os.path.join(t.cache, "etpu", "compiler", "16.0")
        out = tempfile.mkdtemp(prefix="out-", dir=t.work)
        w = subprocess.run([os.path.join(d, "usr/bin/edgetpu_compiler"), "-s", "-o", out, model],
                           capture_output=True, text=True, timeout=60)
        expect(w.returncode == 0, w.stdout + w.stderr)
        expect("Number of Edge TPU subgraphs: 1" in w.stdout, w.stdout)
        expect("CONV_2D                        36         Mapped to Edge TPU" in w.stdout, w.stdout)
        log = os.path.join(out, "mobilenet_v2_1.0_224_quant_edgetpu.log")
        with open(log) as f:
            text = f.read()
        expect(text.startswith("Edge TPU Compiler version 16.0.384591198\nInput: "), text)
        expect(os.path.exists(os.path.join(out, "mobilenet_v2_1.0_224_quant_edgetpu.tflite")), "")
        # and etpu log reads what the double wrote
        p = subprocess.run([t.etpu, "log", log], capture_output=True, text=True)
        expect(p.returncode == 0, p.stdout + p.stderr)
    t.check("the installed double behaves like the compiler on a corpus model", t_compile_with_double)

    def t_env_repo():
        t.fresh_cache()
        p = t.run("install", env={"ETPU_APT_REPO": url("ok") + "/"})
        expect_rc(p, 0, "16.0", url("ok"))
    t.check("ETPU_APT_REPO selects the repository", t_env_repo)

    def t_version():
        t.fresh_cache()
        expect_rc(t.run("install", "--repo", url("ok"), "--version", "15.0"), 3,
                  "version 15.0 is not in the index", "available: 16.0")
        nothing_left()
        expect_rc(t.run("install", "--repo", url("ok"), "--version", "16.0"), 0)
    t.check("--version picks a version; a missing one exits 3", t_version)

    # -- failures: nothing left behind ------------------------------------
    def fail_case(scenario, needle, extra_env=None, max_s=None, *extra):
        def f():
            t.fresh_cache()
            t0 = time.time()
            p = t.run("install", "--repo", url(scenario), *extra, env=extra_env)
            took = time.time() - t0
            expect_rc(p, 3, needle)
            nothing_left()
            if max_s:
                expect(took < max_s, "took %.1f s" % took)
        return f

    t.check("wrong SHA-256 -> exit 3, nothing left", fail_case("badsha", "SHA-256 mismatch"))
    t.check("truncated download -> exit 3, nothing left", fail_case("truncate", "incomplete"))
    t.check("404 on the .deb -> exit 3, nothing left", fail_case("404", "HTTP 404"))
    t.check("404 on the index -> exit 3", fail_case("noindex", "HTTP 404"))
    t.check("HTML instead of an index -> exit 3", fail_case("html", "not an apt Packages index"))
    t.check("package absent from the index -> exit 3", fail_case("other", "not in the index"))
    t.check("stalled server -> timeout, exit 3, nothing left",
            fail_case("stall", "timed out", {"ETPU_HTTP_TIMEOUT": "2", "ETPU_HTTP_RETRIES": "0"}, 15))
    t.check("stall with --timeout 1 --retries 0",
            fail_case("stall", "timed out", None, 10, "--timeout", "1", "--retries", "0"))
    t.check("wrong package in the .deb -> exit 3", fail_case("wrongpkg", "not edgetpu-compiler"))
    t.check("nothing listening -> exit 3",
            lambda: (t.fresh_cache(), expect_rc(t.run("install", "--repo", "http://127.0.0.1:1",
                                                      "--retries", "0"), 3), nothing_left()))
    t.check("non-http repo refused -> exit 2",
            lambda: (t.fresh_cache(), expect_rc(t.run("install", "--repo", "file:///etc"), 2),
                     nothing_left()))

    def t_resume():
        t.fresh_cache()
        before = len(repo.log)
        p = t.run("install", "--repo", url("resume"))
        expect_rc(p, 0, "16.0")
        reqs = [r for r in repo.log[before:] if r[0] == "resume" and r[1].endswith(".deb")]
        expect(len(reqs) == 2, reqs)
        first = repo.scenarios["resume"]["first_bytes"]
        expect(reqs[0][2] is None and reqs[1][2] == "bytes=%d-" % first, reqs)
        expect("16.0/manifest.json" in t.cache_tree(), t.cache_tree())
    t.check("broken transfer resumed with Range", t_resume)

    def t_sigint():
        t.fresh_cache()
        e = dict(t.env, ETPU_HTTP_TIMEOUT="30")
        p = subprocess.Popen([t.etpu, "compiler", "install", "--repo", url("stall")], env=e,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=20)
        expect(p.returncode == 3, "rc %d %s %s" % (p.returncode, out, err))
        expect("interrupted" in err, err)
        nothing_left()
    t.check("Ctrl-C during a download -> exit 3, nothing left", t_sigint)

    def evil_case(name):
        def f():
            t.fresh_cache()
            p = t.run("install", "--repo", url("evil-" + name))
            expect_rc(p, 3, "refusing")
            nothing_left()
            for path in (os.path.join(t.cache, "evil"), os.path.join(t.cache, "etpu", "evil"),
                         abs_target, os.path.join(escape_dir, "evil"), os.path.join(t.work, "evil")):
                expect(not os.path.lexists(path), "escaped to " + path)
        return f

    for name in evil:
        t.check("malicious .deb (%s) refused, nothing written" % name, evil_case(name))

    # -- offline installs --------------------------------------------------
    def t_from_deb():
        t.fresh_cache()
        p = t.run("install", "--from", deb_path, "--json")
        expect_rc(p, 0)
        j = json.loads(p.stdout)["installed"]
        expect(j["version"] == "16.0" and j["sha256"] == deb_sha and j["source"] == deb_path, j)
        expect_rc(t.run("status", "--probe"), 0, "16.0.384591198")
    t.check("--from a local .deb", t_from_deb)

    def t_from_tar():
        t.fresh_cache()
        p = t.run("install", "--from", tar_path)
        expect_rc(p, 0, "16.0", "pinned")  # the table pins this tarball
        expect_rc(t.run("status", "--probe"), 0)
        # a tarball with a top folder and the bin dir beside the wrapper: not
        # in the table, so refused unless pinned with --sha256
        t.fresh_cache()
        tgz2 = os.path.join(t.work, "top.tar.gz")
        with tarfile.open(tgz2, "w:gz") as tf:
            tf.add(os.path.join(pkgroot, "usr/bin"), arcname="edgetpu_compiler")
        with open(tgz2, "rb") as f:
            sha2 = hashlib.sha256(f.read()).hexdigest()
        expect_rc(t.run("install", "--from", tgz2), 3, "not a known compiler artifact",
                  "--sha256 " + sha2)
        nothing_left()
        p = t.run("install", "--from", tgz2, "--sha256", sha2, "--json")
        expect_rc(p, 0)  # version learnt from `--version`
        j = json.loads(p.stdout)["installed"]
        expect(j["version"] == "16.0" and j["verification"]["kind"] == "user-sha256", j)
        expect("16.0/usr/bin/edgetpu_compiler_bin/edgetpu_compiler" in t.cache_tree(), t.cache_tree())
    t.check("--from a .tar.gz of the same tree", t_from_tar)

    def t_from_dir():
        t.fresh_cache()
        expect_rc(t.run("install", "--from", pkgroot), 0, "16.0", "git blob id")
        expect_rc(t.run("status", "--probe"), 0)
        expect(os.path.isdir(pkgroot), "source touched")
    t.check("--from an extracted directory", t_from_dir)

    def t_from_bad():
        t.fresh_cache()
        expect_rc(t.run("install", "--from", os.path.join(t.work, "missing.deb")), 2)
        txt = os.path.join(t.work, "notes.txt")
        with open(txt, "w") as f:
            f.write("hello\n")
        expect_rc(t.run("install", "--from", txt), 2, "not a .deb")
        empty = tempfile.mkdtemp(prefix="empty-", dir=t.work)
        expect_rc(t.run("install", "--from", empty), 3, "not a known compiler tree")
        bad = os.path.join(t.work, "evil.deb")
        with open(bad, "wb") as f:
            f.write(make_deb(layout_entries(pkgroot) + evil["dotdot"]))
        # unknown: refused before anything reads it; pinned by the user: unpacked, refused
        expect_rc(t.run("install", "--from", bad), 3, "not a known compiler artifact")
        with open(bad, "rb") as f:
            bad_sha = hashlib.sha256(f.read()).hexdigest()
        expect_rc(t.run("install", "--from", bad, "--sha256", bad_sha), 3, "refusing")
        expect_rc(t.run("install", "--from", bad, "--sha256", "0" * 64), 3, "not the 0000")
        trunc = os.path.join(t.work, "trunc.deb")
        with open(trunc, "wb") as f:
            f.write(deb[: len(deb) // 2])
        expect_rc(t.run("install", "--from", trunc), 3)
        nothing_left()
    t.check("--from bad input: exit 2/3, nothing left", t_from_bad)

    # -- remove ------------------------------------------------------------
    def t_remove():
        t.fresh_cache()
        expect_rc(t.run("install", "--from", deb_path), 0)
        expect_rc(t.run("remove", "16.0"), 0, "removed")
        nothing_left()
        expect_rc(t.run("remove", "16.0"), 3, "not installed")
        expect_rc(t.run("remove", "../../etc"), 2)
        expect_rc(t.run("install", "--from", deb_path), 0)
        expect_rc(t.run("remove", "--all", "--json"), 0, '"16.0"')
        nothing_left()
        # removed, but the --json report could not be written: exit 2
        expect_rc(t.run("install", "--from", deb_path), 0)
        with open("/dev/full", "w") as full:
            q = subprocess.run([t.etpu, "compiler", "remove", "16.0", "--json"], env=t.env,
                               stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
        expect(q.returncode == 2 and "writing JSON failed" in q.stderr,
               "remove --json to /dev/full: rc %d, %s" % (q.returncode, q.stderr))
        nothing_left()
    t.check("remove VERSION / --all", t_remove)

    # -- runners -----------------------------------------------------------
    qemu = shutil.which("qemu-x86_64") or shutil.which("qemu-x86_64-static")
    # A sanitizer build of the double maps terabytes of shadow memory, which
    # qemu-user tries to back for real: do not emulate it.
    asan = "libasan" in subprocess.run(["ldd", args.double], capture_output=True, text=True).stdout

    def t_qemu():
        if not qemu:
            print("      (qemu-x86_64 not installed: apt-get install qemu-user; skipped)")
            return
        if asan:
            print("      (sanitizer build of the double: not run under qemu; skipped)")
            return
        t.fresh_cache()
        expect_rc(t.run("install", "--from", deb_path), 0)
        d = os.path.join(t.cache, "etpu", "compiler", "16.0")
        b = os.path.join(d, "usr/bin/edgetpu_compiler_bin")
        p = t.run("status", "--json", "--runner", "qemu", "--probe")
        expect_rc(p, 0)
        s = json.loads(p.stdout)
        expect(s["runner"]["command"] == [qemu, b + "/ld-linux-x86-64.so.2", "--library-path", b,
                                          b + "/edgetpu_compiler"], s["runner"])
        expect(s["probe"]["ok"] and s["probe"]["stdout"] == "Edge TPU Compiler version 16.0.384591198\n",
               s["probe"])
        # an aarch64 host without binfmt: auto chooses qemu by itself
        p = t.run("status", "--json", "--probe",
                  env={"ETPU_HOST_ARCH": "aarch64", "ETPU_BINFMT_DIR": "/nonexistent"})
        expect_rc(p, 0)
        s = json.loads(p.stdout)
        expect(s["runner"]["kind"] == "qemu" and s["runner"]["command"][0] == qemu, s["runner"])
        expect(s["probe"]["ok"], s["probe"])
        # --emulator
        p = t.run("status", "--json", "--emulator", qemu, "--probe")
        expect_rc(p, 0)
        expect(json.loads(p.stdout)["runner"]["kind"] == "qemu", p.stdout)
    t.check("qemu-x86_64 runs the double (--runner qemu, auto on aarch64)", t_qemu)

    def t_binfmt():
        t.fresh_cache()
        expect_rc(t.run("install", "--from", deb_path), 0)
        fake = tempfile.mkdtemp(prefix="binfmt-", dir=t.work)
        with open(os.path.join(fake, "status"), "w") as f:
            f.write("enabled\n")
        # The entry Debian's qemu-user-binfmt registers for x86-64 (magic + mask).
        with open(os.path.join(fake, "qemu-x86_64"), "w") as f:
            f.write("enabled\ninterpreter /usr/libexec/qemu-binfmt/x86_64-binfmt-P\nflags: PF\n"
                    "offset 0\nmagic 7f454c4602010100000000000000000002003e00\n"
                    "mask fffffffffffefefcfffffffffffffffffeffffff\n")
        with open(os.path.join(fake, "python3.11"), "w") as f:
            f.write("enabled\ninterpreter /usr/bin/python3.11\nflags: \noffset 0\nmagic a70d0d0a\n")
        env = {"ETPU_HOST_ARCH": "aarch64", "ETPU_BINFMT_DIR": fake}
        p = t.run("status", "--json", env=env)
        expect_rc(p, 0)
        r = json.loads(p.stdout)["runner"]
        expect(r["kind"] == "binfmt" and r["emulator"] == "/usr/libexec/qemu-binfmt/x86_64-binfmt-P", r)
        expect(r["command"][0].endswith("/ld-linux-x86-64.so.2"), r)
        # disabled handler: not used
        with open(os.path.join(fake, "qemu-x86_64"), "w") as f:
            f.write("disabled\ninterpreter /x\noffset 0\nmagic 7f454c46\n")
        p = t.run("status", "--json", "--runner", "binfmt", env=env)
        expect_rc(p, 3, "binfmt_misc")
    t.check("binfmt_misc handler detected from its magic/mask", t_binfmt)

    def t_no_emulator():
        t.fresh_cache()
        expect_rc(t.run("install", "--from", deb_path), 0)
        env = {"ETPU_HOST_ARCH": "aarch64", "ETPU_BINFMT_DIR": "/nonexistent", "PATH": "/nonexistent"}
        expect_rc(t.run("status", env=env), 3, "qemu-user")
        expect_rc(t.run("status", "--runner", "native", env=env), 3, "x86_64 host")
        expect_rc(t.run("status", "--emulator", "/nonexistent/qemu"), 3, "not an executable")
    t.check("no emulator -> exit 3 naming qemu-user", t_no_emulator)

    repo.stop.set()
    srv.shutdown()
    print("%d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
