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

Usage: toolchain_test.py --etpu BIN --double BIN --make-deb SCRIPT --work DIR [--corpus DIR]
Prints `N passed, M failed`; exit status 1 if anything failed.
"""
import argparse
import gzip
import hashlib
import http.server
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import traceback

INDEX = "dists/coral-edgetpu-stable/main/binary-amd64/Packages"
SERVER_LIFETIME = 280  # seconds; the server stops by itself after this

# ---------------------------------------------------------------------------
# the local apt repository


class Repo:
    """Scenarios: name -> {"files": {relpath: bytes}, "mode": str}."""

    def __init__(self):
        self.scenarios = {}
        self.log = []  # (scenario, path, range header)
        self.stop = threading.Event()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def do_GET(self):
        repo = self.server.repo
        parts = self.path.lstrip("/").split("/", 1)
        if len(parts) != 2 or parts[0] not in repo.scenarios:
            return self.send_error(404)
        name, rel = parts
        sc = repo.scenarios[name]
        rng = self.headers.get("Range")
        repo.log.append((name, rel, rng))
        data = sc["files"].get(rel)
        mode = sc.get("mode", "ok")
        if data is None or (mode == "404" and rel.endswith(".deb")):
            return self.send_error(404)
        is_deb = rel.endswith(".deb")
        start = 0
        if rng and rng.startswith("bytes=") and mode in ("ok", "resume"):
            start = int(rng[6:].split("-")[0])
        if start:
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        half = len(body) // 2
        if is_deb and mode == "truncate":
            self.wfile.write(body[:half])
            self.wfile.flush()
            self.close_connection = True
            return
        if is_deb and mode == "resume" and not sc.setdefault("broken_once", False):
            sc["broken_once"] = True
            sc["first_bytes"] = half
            self.wfile.write(body[:half])
            self.wfile.flush()
            self.close_connection = True
            return
        if is_deb and mode == "stall":
            self.wfile.write(body[:half])
            self.wfile.flush()
            deadline = time.time() + 20
            while time.time() < deadline and not repo.stop.is_set():
                time.sleep(0.1)
            self.close_connection = True
            return
        self.wfile.write(body)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # Clients that give up (timeouts, Ctrl-C) reset the connection: expected.
        if isinstance(sys.exc_info()[1], (ConnectionError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


def start_server(repo):
    srv = Server(("127.0.0.1", 0), Handler)
    srv.repo = repo
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()

    def stop_later():
        if not repo.stop.wait(SERVER_LIFETIME):
            srv.shutdown()
    threading.Thread(target=stop_later, daemon=True).start()
    return srv


# ---------------------------------------------------------------------------
# building packages


def ar_archive(members):
    out = io.BytesIO()
    out.write(b"!<arch>\n")
    for name, data in members:
        hdr = "%-16s%-12d%-6d%-6d%-8s%-10d`\n" % (name, 0, 0, 0, "100644", len(data))
        assert len(hdr) == 60
        out.write(hdr.encode())
        out.write(data)
        if len(data) % 2:
            out.write(b"\n")
    return out.getvalue()


def tar_gz(entries):
    """entries: list of (TarInfo kwargs dict, bytes or None)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.GNU_FORMAT) as tf:
        for info, data in entries:
            ti = tarfile.TarInfo(info["name"])
            ti.type = info.get("type", tarfile.REGTYPE)
            ti.mode = info.get("mode", 0o755)
            ti.linkname = info.get("linkname", "")
            ti.mtime = 1700000000
            if data is not None:
                ti.size = len(data)
                tf.addfile(ti, io.BytesIO(data))
            else:
                tf.addfile(ti)
    return buf.getvalue()


def make_deb(data_entries, package="edgetpu-compiler", version="16.0"):
    control = ("Package: %s\nVersion: %s\nArchitecture: amd64\nMaintainer: t <t@t>\n"
               "Description: test\n" % (package, version)).encode()
    ctl = tar_gz([({"name": "./", "type": tarfile.DIRTYPE}, None),
                  ({"name": "./control", "mode": 0o644}, control)])
    return ar_archive([("debian-binary", b"2.0\n"), ("control.tar.gz", ctl),
                       ("data.tar.gz", tar_gz(data_entries))])


def layout_entries(pkgroot):
    """The double's real files, as tar entries (so malicious debs are otherwise valid)."""
    out = [({"name": "./", "type": tarfile.DIRTYPE}, None)]
    for d in ("usr", "usr/bin", "usr/bin/edgetpu_compiler_bin"):
        out.append(({"name": "./" + d + "/", "type": tarfile.DIRTYPE}, None))
    bindir = os.path.join(pkgroot, "usr/bin/edgetpu_compiler_bin")
    for f in sorted(os.listdir(bindir)):
        with open(os.path.join(bindir, f), "rb") as fh:
            out.append(({"name": "./usr/bin/edgetpu_compiler_bin/" + f}, fh.read()))
    return out


def packages_stanza(filename, data, version="16.0", sha=None):
    return ("Package: edgetpu-compiler\nVersion: %s\nArchitecture: amd64\nFilename: %s\n"
            "Size: %d\nSHA256: %s\nDescription: test\n multi-line\n\n"
            % (version, filename, len(data), sha or hashlib.sha256(data).hexdigest())).encode()


# ---------------------------------------------------------------------------
# the harness


class T:
    def __init__(self, args):
        self.etpu = os.path.abspath(args.etpu)
        self.work = os.path.abspath(args.work)
        self.corpus = args.corpus
        self.passed = 0
        self.failed = 0
        self.cache = None
        self.env = None

    def fresh_cache(self):
        self.cache = tempfile.mkdtemp(prefix="cache-", dir=self.work)
        self.env = dict(os.environ, XDG_CACHE_HOME=self.cache, ETPU_HTTP_RETRY_DELAY_MS="50",
                        ETPU_HTTP_RETRIES="1")
        self.env.pop("ETPU_APT_REPO", None)
        self.env.pop("ETPU_HOST_ARCH", None)
        self.env.pop("ETPU_BINFMT_DIR", None)

    def run(self, *args, env=None, timeout=120):
        e = dict(self.env)
        if env:
            e.update(env)
        p = subprocess.run([self.etpu, "compiler", *args], env=e, capture_output=True,
                           text=True, timeout=timeout)
        return p

    def cache_tree(self):
        root = os.path.join(self.cache, "etpu", "compiler")
        out = []
        for dp, dns, fns in os.walk(root):
            for n in dns + fns:
                out.append(os.path.relpath(os.path.join(dp, n), root))
        return sorted(out)

    def check(self, name, fn):
        try:
            fn()
            self.passed += 1
            print("ok    %s" % name)
        except Exception:
            self.failed += 1
            print("FAIL  %s" % name)
            traceback.print_exc(file=sys.stdout)


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def expect_rc(p, rc, *needles):
    out = p.stdout + p.stderr
    expect(p.returncode == rc, "exit %d, want %d; output:\n%s" % (p.returncode, rc, out))
    for n in needles:
        expect(n in out, "%r not in output:\n%s" % (n, out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--etpu", required=True)
    ap.add_argument("--double", required=True)
    ap.add_argument("--make-deb", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--corpus", default="")
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)

    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    t = T(args)
    build = os.path.join(t.work, "pkg")
    deb_path = subprocess.run(["sh", args.make_deb, args.double, build], check=True,
                              capture_output=True, text=True).stdout.strip()
    pkgroot = os.path.join(build, "pkgroot")
    with open(deb_path, "rb") as f:
        deb = f.read()
    with open(os.path.join(build, "repo", INDEX), "rb") as f:
        index = f.read()
    deb_rel = os.path.relpath(deb_path, os.path.join(build, "repo"))
    deb_sha = hashlib.sha256(deb).hexdigest()

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
    base = "http://127.0.0.1:%d" % srv.server_address[1]

    def url(s):
        return "%s/%s" % (base, s)

    def nothing_left():
        expect(t.cache_tree() == [], "cache not clean: %s" % t.cache_tree())

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
        d = os.path.join(t.cache, "etpu", "compiler", "16.0")
        expect(j["dir"] == d, j)
        with open(os.path.join(d, "manifest.json")) as f:
            m = json.load(f)
        for k in ("version", "source", "sha256", "size", "installed_at", "layout"):
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
        tgz = os.path.join(t.work, "edgetpu-compiler_16.0_amd64.tar.gz")
        with tarfile.open(tgz, "w:gz") as tf:
            tf.add(os.path.join(pkgroot, "usr"), arcname="usr")
        p = t.run("install", "--from", tgz)
        expect_rc(p, 0, "16.0")  # version learnt from `--version`
        expect_rc(t.run("status", "--probe"), 0)
        # a tarball with a top folder and the bin dir beside the wrapper
        t.fresh_cache()
        tgz2 = os.path.join(t.work, "top.tar.gz")
        with tarfile.open(tgz2, "w:gz") as tf:
            tf.add(os.path.join(pkgroot, "usr/bin"), arcname="edgetpu_compiler")
        expect_rc(t.run("install", "--from", tgz2, "--version", "16.0"), 0)
        expect("16.0/usr/bin/edgetpu_compiler_bin/edgetpu_compiler" in t.cache_tree(), t.cache_tree())
    t.check("--from a .tar.gz of the same tree", t_from_tar)

    def t_from_dir():
        t.fresh_cache()
        expect_rc(t.run("install", "--from", pkgroot), 0, "16.0")
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
        expect_rc(t.run("install", "--from", empty), 3, "no edgetpu_compiler layout")
        bad = os.path.join(t.work, "evil.deb")
        with open(bad, "wb") as f:
            f.write(make_deb(layout_entries(pkgroot) + evil["dotdot"]))
        expect_rc(t.run("install", "--from", bad), 3, "refusing")
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
