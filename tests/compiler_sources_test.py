#!/usr/bin/env python3
"""Where `etpu compiler install` gets the compiler, and how it verifies it
(issue 11), with downloads bounded in time and hostile packages refused
(issue 14, items 3, 4 and 5).

Everything runs against local servers on 127.0.0.1 (toolchain_fixtures.py)
that behave like each source: an apt repository with the new pool layout,
one with the old layout, one that answers 403 on everything, one whose
index is gone but whose pool files are not, signed and tampered InRelease
files (a test key made here with gpg: Google's real archive key is not in
this repository), a release-asset host serving the tarball, a git raw-file
host serving loose files, an https host that redirects, servers that drip
bytes or stop short. The artifacts are etpu's TEST DOUBLE of the compiler
(tests/compiler_double), for x86-64 and, built with gcc-aarch64-linux-gnu,
for aarch64 (run under qemu-aarch64). The tests point etpu at a test copy
of the pinned table (ETPU_COMPILER_SOURCES); the shipped table is used only
to check that a machine without network gets a clear answer in seconds
(through proxies that refuse or never answer: no real host is contacted).

usage: compiler_sources_test.py --etpu BIN --double BIN --make-deb SCRIPT --work DIR
                                [--double-aarch64 BIN] [--corpus DIR] [--only kill --kills N]
Prints `N passed, M failed`; exit status 1 if anything failed.
"""
import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import tarfile
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from toolchain_fixtures import (INDEX, INRELEASE, Double, Repo, T, blackhole,  # noqa: E402
                                clearsign, expect, expect_rc, git_artifact, git_blob,
                                layout_entries, make_cert, make_deb, make_gpg_key,
                                packages_stanza, release_for, start_server, write_table)

COMMIT_X86 = "3b625cddfe8886f15978221a02cda2e52044b24c"
COMMIT_A64 = "657d2b654101540164af240eacb31440ff6f535d"
TARBALL = "releases/download/v0.0.0/edgetpu-compiler_16.0_amd64.tar.gz"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--etpu", required=True)
    ap.add_argument("--double", required=True)
    ap.add_argument("--make-deb", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--double-aarch64", default="")
    ap.add_argument("--corpus", default="")
    ap.add_argument("--only", default="")
    ap.add_argument("--kills", type=int, default=60)
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    t = T(args.etpu, args.work, args.corpus)
    w = t.work

    # -- the artifacts: the double packaged like each real one ----------------
    # (gzip: building xz packages of a sanitizer build's double takes half a minute each)
    d16 = Double(args.make_deb, args.double, os.path.join(w, "d16"), compression="gzip")
    if args.only == "kill":
        d15 = d16
    else:
        d15 = Double(args.make_deb, args.double, os.path.join(w, "d15"), version="15.0",
                     compression="gzip")
    a64 = None
    if args.double_aarch64 and os.path.exists(args.double_aarch64) and args.only != "kill":
        a64 = Double(args.make_deb, args.double_aarch64, os.path.join(w, "a64"), arch="aarch64",
                     compression="gzip")
    old_pool = "pool/edgetpu-compiler_15.0_amd64_%s.deb" % d15.sha256  # the old layout
    new_pool = d16.deb_rel  # pool/coral-edgetpu-stable/edgetpu-compiler_16.0_amd64_<md5>.deb
    # an artifact no table knows: a valid package of version 17.0
    unknown_deb = make_deb(layout_entries(d16.pkgroot), version="17.0")
    unknown_pool = "pool/coral-edgetpu-stable/edgetpu-compiler_17.0_amd64.deb"
    unknown_index = packages_stanza(unknown_pool, unknown_deb, version="17.0")

    artifacts = [
        {"id": "t-deb-16.0", "version": "16.0", "arch": "x86_64", "format": "deb",
         "md5": d16.md5, "pool": new_pool},
        {"id": "t-tar-16.0", "version": "16.0", "arch": "x86_64", "format": "tar",
         "sha256": d16.tar_sha256},
        {"id": "t-deb-15.0", "version": "15.0", "arch": "x86_64", "format": "deb",
         "sha256": d15.sha256, "pool": old_pool},
        git_artifact("t-git-14.1", "14.1", "x86_64", d16.files, COMMIT_X86),
    ]
    if a64:
        artifacts.append(git_artifact("t-git-2.0-aarch64", "2.0", "aarch64", a64.files, COMMIT_A64))

    # -- the servers ------------------------------------------------------------
    repo = Repo()
    sc = repo.scenarios
    sc["apt-new"] = {"files": {INDEX: d16.index, new_pool: d16.deb}}
    sc["apt-old"] = {"files": {INDEX: packages_stanza(old_pool, d15.deb, version="15.0"),
                               old_pool: d15.deb}}
    sc["apt-403"] = {"files": {INDEX: d16.index, new_pool: d16.deb}, "mode": "403"}
    sc["apt-noindex"] = {"files": {new_pool: d16.deb, old_pool: d15.deb}}
    sc["apt-unknown"] = {"files": {INDEX: unknown_index, unknown_pool: unknown_deb}}
    sc["apt-arm64"] = {"files": {INDEX: packages_stanza(unknown_pool, unknown_deb, version="17.0",
                                                        arch="arm64"),
                                 unknown_pool: unknown_deb}}
    sc["mirror"] = {"files": {TARBALL: d16.tar}}
    sc["mirror-bad"] = {"files": {TARBALL: d15.tar[:-1] + bytes([d15.tar[-1] ^ 1])}}
    sc["drip"] = {"files": {TARBALL: d16.tar}, "mode": "drip"}
    sc["short"] = {"files": {TARBALL: d16.tar}, "mode": "shortbody"}
    sc["throttle"] = {"files": {INDEX: d16.index, new_pool: d16.deb}, "mode": "throttle",
                      "rate": 6 << 20}
    raw = {}
    for p, data in d16.files:
        raw["google-coral/edgetpu/%s/compiler/x86_64/%s" % (COMMIT_X86, p)] = data
    if a64:
        for p, data in a64.files:
            raw["google-coral/edgetpu/%s/compiler/aarch64/%s" % (COMMIT_A64, p)] = data
    sc["raw"] = {"files": raw}
    bad_raw = dict(raw)
    k = "google-coral/edgetpu/%s/compiler/x86_64/edgetpu_compiler_bin/edgetpu_compiler" % COMMIT_X86
    bad_raw[k] = raw[k][:-1] + bytes([raw[k][-1] ^ 1])  # same size, one bit flipped
    sc["raw-bad"] = {"files": bad_raw}

    # InRelease, signed by a test key (gpg), and its hostile variants
    have_gpg = shutil.which("gpg") and shutil.which("gpgv")
    keyring = other_keyring = None
    if have_gpg:
        home, keyring = make_gpg_key(w)
        other_home, other_keyring = make_gpg_key(w, "some other key")
        signed = clearsign(home, release_for(unknown_index))
        sc["apt-signed"] = {"files": {INDEX: unknown_index, unknown_pool: unknown_deb,
                                      INRELEASE: signed}}
        tampered = unknown_index.replace(b"Description: test", b"Description: tampered")
        sc["apt-tampered"] = {"files": {INDEX: tampered, unknown_pool: unknown_deb,
                                        INRELEASE: signed}}
        sc["apt-otherkey"] = {"files": {INDEX: unknown_index, unknown_pool: unknown_deb,
                                        INRELEASE: clearsign(other_home, release_for(unknown_index))}}
        sc["apt-expired"] = {"files": {INDEX: unknown_index, unknown_pool: unknown_deb,
                                       INRELEASE: clearsign(home, release_for(
                                           unknown_index, valid_until="Sat, 01 Jan 2000 00:00:00 UTC"))}}
        sc["apt-noarch"] = {"files": {INDEX: unknown_index, unknown_pool: unknown_deb,
                                      INRELEASE: clearsign(home, release_for(unknown_index,
                                                                             archs="arm64"))}}
        # text before the signed part is never read
        sc["apt-prefixed"] = {"files": {INDEX: unknown_index, unknown_pool: unknown_deb,
                                        INRELEASE: b"Architectures: amd64\n" + signed}}

    srv = start_server(repo)
    base = "http://127.0.0.1:%d" % srv.server_address[1]

    normal = args.only != "kill"

    def check(name, fn):
        if normal:
            t.check(name, fn)

    def url(s, rel=""):
        return "%s/%s%s" % (base, s, "/" + rel if rel else "")

    def apt(name, scenario):
        return {"name": name, "kind": "apt", "url": url(scenario)}

    def mirror(name, scenario):
        return {"name": name, "kind": "file", "url": url(scenario, TARBALL),
                "artifact": "t-tar-16.0"}

    def rawsrc(name, scenario, arch="x86_64"):
        commit = COMMIT_X86 if arch == "x86_64" else COMMIT_A64
        return {"name": name, "kind": "git", "artifact": "t-git-14.1" if arch == "x86_64"
                else "t-git-2.0-aarch64",
                "url": url(scenario, "google-coral/edgetpu/%s/compiler/%s/" % (commit, arch))}

    tables = {}

    def table(*sources):
        key = json.dumps(sources, sort_keys=True)
        if key not in tables:
            tables[key] = write_table(os.path.join(w, "sources-%d.json" % len(tables)),
                                      artifacts, list(sources))
        return tables[key]

    def install(tbl, *extra, env=None, timeout=120):
        t.fresh_cache(tbl)
        return t.run("install", *extra, env=env, timeout=timeout)

    def installed(p):
        expect_rc(p, 0)
        return json.loads(p.stdout)["installed"]

    def requests(scenario):
        return [r for r in repo.log if r[0] == scenario]

    # ------------------------------------------------------------------------
    def t_table_roundtrip():
        t.fresh_cache()
        p = t.run("sources", "--json")
        expect_rc(p, 0)
        shipped = json.loads(p.stdout)
        ids = {a["id"]: a for a in shipped["artifacts"]}
        # the real published numbers of issue 11
        expect(ids["ultralytics-16.0"]["sha256"] ==
               "f9a97adbf2ff621d24a91721191264f2abc3c1db31e63d9a266d988f907269ce", ids)
        expect(ids["coral-deb-15.0"]["sha256"] ==
               "ce03822053c2bddbb8640eaa988396ae66f9bc6b9d6d671914acd1727c2b445a", ids)
        expect(ids["coral-deb-14.1"]["sha256"] ==
               "ef6eef29200270dcb941d2c1defa39c7d80e9c6f30cf7ced1c653a30bde0a502", ids)
        expect(ids["coral-deb-16.0"]["md5"] == "3ccd3b6ea6298eaaae6aa045764b3184", ids)
        expect(ids["coral-deb-16.0"]["pool"].endswith("_3ccd3b6ea6298eaaae6aa045764b3184.deb"), ids)
        elf = {f["path"]: f["blob"] for f in ids["coral-git-14.1"]["files"]}
        expect(elf["edgetpu_compiler_bin/edgetpu_compiler"] ==
               "ee1bd4ac60819666cb711c176a4cc2fbc1697503", elf)
        elf = {f["path"]: f["blob"] for f in ids["coral-git-2.0-aarch64"]["files"]}
        expect(elf["edgetpu_compiler_bin/edgetpu_compiler"] ==
               "8ea959896bc1ff39b0bad27e9a8f8aec7836b6af", elf)
        expect([s["name"] for s in shipped["sources"]] ==
               ["coral-apt", "ultralytics", "coral-git", "coral-git-aarch64"], shipped["sources"])
        # what `sources --json` prints is a table etpu reads back unchanged
        copy = os.path.join(w, "copy.json")
        shipped.pop("origin")
        with open(copy, "w") as f:
            json.dump(shipped, f)
        t.fresh_cache(copy)
        p = t.run("sources", "--json")
        expect_rc(p, 0)
        again = json.loads(p.stdout)
        expect(again.pop("origin") == copy, again)
        expect(again == shipped, "round trip differs")
        expect_rc(t.run("sources"), 0, "coral-git-aarch64", "[skipped here unless named")
        # a broken copy: one line naming what is wrong, exit 2
        for bad, needle in ((b"{", "not JSON"),
                            (json.dumps({"etpu_compiler_sources": 1, "artifacts": [
                                {"id": "x", "version": "1.0", "arch": "x86_64", "format": "tar",
                                 "sha256": "ab"}], "sources": []}).encode(), "64"),
                            (json.dumps({"etpu_compiler_sources": 1, "artifacts": [],
                                         "sources": [{"name": "s", "kind": "file",
                                                      "url": "ftp://x/y", "artifact": "x"}]}).encode(),
                             "http")):
            p2 = os.path.join(w, "bad.json")
            with open(p2, "wb") as f:
                f.write(bad)
            t.fresh_cache(p2)
            expect_rc(t.run("install"), 2, needle)
            expect_rc(t.run("sources"), 2, needle)
    check("shipped table: issue 11's hashes, order; sources --json round-trips; bad copies exit 2",
            t_table_roundtrip)

    def t_new_layout():
        j = installed(install(table(apt("coral-apt", "apt-new")), "--json"))
        expect(j["version"] == "16.0" and j["artifact"] == "t-deb-16.0", j)
        expect(j["verification"]["kind"] == "pinned-md5" and j["verification"]["pinned"], j)
        expect("also matches the index" in j["verification"]["detail"], j)
        expect(j["source"] == url("apt-new", new_pool) and j["source_name"] == "coral-apt", j)
        p = t.run("list")
        expect_rc(p, 0, "16.0", "coral-apt: " + url("apt-new", new_pool), "MD5 pinned")
        p = t.run("status")
        expect_rc(p, 0, "source:    coral-apt:", "verified:  matches the MD5 pinned")
    check("apt repo, new pool layout: pinned by the MD5 in the file name + the index", t_new_layout)

    def t_old_layout():
        j = installed(install(table(apt("coral-apt", "apt-old")), "--json"))
        expect(j["version"] == "15.0" and j["artifact"] == "t-deb-15.0", j)
        expect(j["verification"]["kind"] == "pinned-sha256", j)
        expect(j["source"] == url("apt-old", old_pool), j)
    check("apt repo, old pool layout: pinned SHA-256", t_old_layout)

    def t_403_fallback():
        tbl = table(apt("coral-apt", "apt-403"), mirror("ultralytics", "mirror"))
        before = len(requests("apt-403"))
        p = install(tbl)
        expect_rc(p, 0, "edgetpu_compiler 16.0 (x86_64) installed", "ultralytics")
        expect("etpu: coral-apt: " in p.stderr and "HTTP 403 (permanent: not retried)" in p.stderr
               and "tried the next source" in p.stderr, p.stderr)
        reqs = requests("apt-403")[before:]
        paths = [r[1] for r in reqs]
        # no retries: every URL asked once (the index, then the pinned pool files)
        expect(len(paths) == len(set(paths)) and INDEX in paths and new_pool in paths
               and old_pool in paths, paths)
        expect("matches the SHA-256 pinned" in p.stdout, p.stdout)
        p = t.run("list", "--json")
        c = json.loads(p.stdout)["compilers"][0]
        expect(c["source_name"] == "ultralytics" and c["artifact"] == "t-tar-16.0", c)
        # JSON says what every source answered
        p = install(tbl, "--json")
        tries = json.loads(p.stdout)["tries"]
        expect([(x["source"], x["ok"], x["failure"]) for x in tries] ==
               [("coral-apt", False, "permanent"), ("ultralytics", True, "ok")], tries)
    check("repo answering 403 -> not retried, mirror used, the reason printed", t_403_fallback)

    def t_pool_without_index():
        j = installed(install(table(apt("coral-apt", "apt-noindex")), "--json"))
        expect(j["version"] == "16.0" and j["verification"]["kind"] == "pinned-md5", j)
        expect("also matches the index" not in j["verification"]["detail"], j)
        j = installed(install(table(apt("coral-apt", "apt-noindex")), "--json", "--version", "15.0"))
        expect(j["version"] == "15.0" and j["verification"]["kind"] == "pinned-sha256", j)
    check("index gone (404), pinned pool files still served: both layouts", t_pool_without_index)

    def t_mirror_mismatch():
        p = install(table(mirror("ultralytics", "mirror-bad")))
        expect_rc(p, 3, "not the one pinned for t-tar-16.0", "refused")
        t.nothing_left()
        p = install(table(rawsrc("coral-git", "raw-bad")))
        expect_rc(p, 3, "git blob", "refused")
        t.nothing_left()
    check("bytes not matching the pinned hash -> refused, nothing left in the cache",
            t_mirror_mismatch)

    def t_unknown_unsigned():
        p = install(table(apt("coral-apt", "apt-unknown")), "--json")
        j = installed(p)
        expect(j["version"] == "17.0" and j["artifact"] is None, j)
        expect(j["verification"]["kind"] == "index-unsigned" and not j["verification"]["pinned"], j)
        expect("WARNING" in p.stderr and "NOT authenticated" in p.stderr, p.stderr)
        p = install(table(apt("coral-apt", "apt-unknown")))
        expect_rc(p, 0, "verified against the repository index only (not pinned)")
        expect_rc(t.run("status"), 0, "verified against the repository index only (not pinned)")
        expect_rc(t.run("list"), 0, "(not pinned)")
    check("unknown artifact from an apt index: installs, says 'not pinned' and unauthenticated",
            t_unknown_unsigned)

    def t_arch():
        p = install(table(apt("coral-apt", "apt-arm64")))
        expect_rc(p, 3, "architecture 'arm64', not amd64")
        t.nothing_left()
    check("index entry of another Architecture refused", t_arch)

    def t_inrelease():
        if not have_gpg:
            print("      (gpg/gpgv not installed: apt-get install gpg gpgv; skipped)")
            return
        env = {"ETPU_APT_KEYRING": keyring}
        j = installed(install(table(apt("coral-apt", "apt-signed")), "--json", env=env))
        expect(j["verification"]["kind"] == "index-signed", j)
        expect("InRelease signed by" in j["verification"]["detail"], j)
        for scen, needle in (("apt-tampered", "does not match the signed InRelease"),
                             ("apt-otherkey", "signed by a key not in the keyring"),
                             ("apt-expired", "expired"),
                             ("apt-noarch", "Architectures do not include amd64"),
                             ("apt-prefixed", "not a clear-signed message")):
            p = install(table(apt("coral-apt", scen)), env=env)
            expect_rc(p, 3, needle, "index not used")
            t.nothing_left()
        # without a keyring the same index installs, loudly unauthenticated
        p = install(table(apt("coral-apt", "apt-otherkey")), "--json")
        expect(installed(p)["verification"]["kind"] == "index-unsigned", p.stdout)
    check("InRelease checked with gpgv (test key): signed ok; tampered, other key, expired, "
            "wrong Architectures, text outside the signature refused", t_inrelease)

    def t_from_url():
        tbl = table(apt("coral-apt", "apt-403"))
        j = installed(install(tbl, "--from", url("mirror", TARBALL), "--json"))
        expect(j["verification"]["kind"] == "pinned-sha256" and j["source"] == url("mirror", TARBALL), j)
        # a file no table knows: refused; with --sha256 accepted as the user's pin
        p = install(tbl, "--from", url("apt-unknown", unknown_pool))
        sha = hashlib.sha256(unknown_deb).hexdigest()
        expect_rc(p, 3, "not a known compiler artifact", "--sha256 " + sha)
        t.nothing_left()
        j = installed(install(tbl, "--from", url("apt-unknown", unknown_pool), "--sha256", sha,
                              "--json"))
        expect(j["version"] == "17.0" and j["verification"]["kind"] == "user-sha256", j)
        # --source with a file URL is --from
        j = installed(install(tbl, "--source", url("mirror", TARBALL), "--json"))
        expect(j["artifact"] == "t-tar-16.0", j)
        # --from FILE --sha256
        f = os.path.join(w, "unknown.deb")
        with open(f, "wb") as fh:
            fh.write(unknown_deb)
        j = installed(install(tbl, "--from", f, "--sha256", sha, "--json"))
        expect(j["verification"]["kind"] == "user-sha256" and j["source"] == f, j)
        p = install(tbl, "--from", f, "--sha256", "f" * 64)
        expect_rc(p, 3, "given with --sha256")
        t.nothing_left()
        expect_rc(install(tbl, "--source", "no-such-source"), 2, "not a source name", "coral-apt")
        expect_rc(install(tbl, "--sha256", "xyz"), 2, "64 hex digits")
        expect_rc(install(tbl, "--from", f, "--source", "coral-apt"), 2)
    check("--from URL, --source URL, --from FILE --sha256; unknown files refused", t_from_url)

    def t_git_x86():
        j = installed(install(table(rawsrc("coral-git", "raw")), "--json"))
        expect(j["version"] == "14.1" and j["verification"]["kind"] == "pinned-git", j)
        expect(COMMIT_X86 in j["verification"]["detail"], j)
        expect_rc(t.run("status", "--probe"), 0, "native", "Edge TPU Compiler version 16.0")
    check("loose files from a git raw-file host, each by blob id; runs natively", t_git_x86)

    qemu_a64 = shutil.which("qemu-aarch64") or shutil.which("qemu-aarch64-static")
    qemu_x86 = shutil.which("qemu-x86_64") or shutil.which("qemu-x86_64-static")

    def t_aarch64():
        if not a64:
            print("      (no aarch64 double: apt-get install gcc-aarch64-linux-gnu; skipped)")
            return
        tbl = table(apt("coral-apt", "apt-new"), rawsrc("coral-git-aarch64", "raw", "aarch64"))
        # on this x86_64 host the aarch64 source is not tried by default
        p = install(tbl, "--json")
        expect(installed(p)["version"] == "16.0", p.stdout)
        p = t.run("install", "--source", "coral-git-aarch64", "--json")
        j = installed(p)
        expect(j["version"] == "2.0" and j["arch"] == "aarch64", j)
        expect(j["verification"]["kind"] == "pinned-git", j)
        expect(j["loader"].endswith("/usr/bin/edgetpu_compiler_bin/ld-linux-aarch64.so.1"), j)
        if not qemu_a64:
            print("      (qemu-aarch64 not installed: apt-get install qemu-user; rest skipped)")
            return
        p = t.run("status", "--json", "--probe", "--version", "2.0")
        expect_rc(p, 0)
        s = json.loads(p.stdout)
        b = os.path.join(t.cache, "etpu/compiler/2.0/usr/bin/edgetpu_compiler_bin")
        expect(s["runner"]["kind"] == "qemu" and s["runner"]["command"] ==
               [qemu_a64, b + "/ld-linux-aarch64.so.1", "--library-path", b, b + "/edgetpu_compiler"],
               s["runner"])
        expect(s["probe"]["stdout"] == "Edge TPU Compiler version 2.0.291256449\n", s["probe"])
        # etpu compile runs it under qemu-aarch64 and says so
        model = os.path.join(t.corpus or "", "DamianOlei__ImportData/mobilenet_v2_1.0_224_quant.tflite")
        if os.path.exists(model):
            out = tempfile.mkdtemp(prefix="out-", dir=w)
            c = subprocess.run([t.etpu, "compile", "--no-cache", "--compiler-version", "2", "-o", out,
                                model], env=t.env, capture_output=True, text=True, timeout=300)
            expect(c.returncode == 0, c.stdout + c.stderr)
            expect("edgetpu_compiler 2.0 via qemu" in c.stdout, c.stdout)
            with open(os.path.join(out, "mobilenet_v2_1.0_224_quant_edgetpu.log")) as f:
                expect(f.read().startswith("Edge TPU Compiler version 2.0.291256449"), "log")
            # default: the newest that runs here, 16.0 natively
            c = subprocess.run([t.etpu, "compile", "--no-cache", "-o", out, model], env=t.env,
                               capture_output=True, text=True, timeout=300)
            expect(c.returncode == 0 and "edgetpu_compiler 16.0 via native" in c.stdout,
                   c.stdout + c.stderr)
        # an aarch64 host: 16.0 needs qemu-x86_64; with none, the native 2.0 is chosen
        bindir = tempfile.mkdtemp(prefix="bin-", dir=w)
        env = {"ETPU_HOST_ARCH": "aarch64", "ETPU_BINFMT_DIR": "/nonexistent", "PATH": bindir}
        p = t.run("status", "--json", env=env)
        expect_rc(p, 0)
        s = json.loads(p.stdout)
        expect(s["compiler"]["version"] == "2.0" and s["runner"]["kind"] == "native", s)
        expect("16.0, cannot run here" in s["choice"] and "qemu-x86_64" in s["choice"], s["choice"])
        if qemu_x86:
            os.symlink(qemu_x86, os.path.join(bindir, "qemu-x86_64"))
            s = json.loads(t.run("status", "--json", env=env).stdout)
            expect(s["compiler"]["version"] == "16.0" and s["runner"]["kind"] == "qemu", s)
            expect("the newest installed" in s["choice"], s["choice"])
        # on an aarch64 host the native 2.0 is tried by default, after the x86-64 ones
        p = install(table(apt("coral-apt", "apt-403"), rawsrc("coral-git-aarch64", "raw", "aarch64")),
                    "--json", env={"ETPU_HOST_ARCH": "aarch64"})
        j = installed(p)
        expect(j["version"] == "2.0" and j["arch"] == "aarch64", j)
    check("aarch64 compiler (double) from the raw-file host, run under qemu-aarch64; "
            "compile picks the best compiler for the host", t_aarch64)

    def t_drip():
        tbl = table(mirror("ultralytics", "drip"))
        t0 = time.time()
        p = install(tbl, "--timeout", "2", "--retries", "0")
        took = time.time() - t0
        expect_rc(p, 3, "slower than 1024 bytes/s for 2 s")
        expect(took < 8, "took %.1f s" % took)
        t.nothing_left()
        # the whole install has a deadline, retries included
        t0 = time.time()
        p = install(tbl, "--timeout", "30", "--retries", "5", "--deadline", "3")
        took = time.time() - t0
        expect_rc(p, 3, "deadline")
        expect(took < 7, "took %.1f s" % took)
        t.nothing_left()
    check("a server dripping a byte every 0.4 s: cut within the low-speed window; --deadline",
            t_drip)

    def t_short_body():
        t0 = time.time()
        p = install(table(mirror("ultralytics", "short")), "--timeout", "2", "--retries", "1")
        took = time.time() - t0
        expect_rc(p, 3, "gave up after 2 attempts")
        expect(took < 10, "took %.1f s" % took)
        t.nothing_left()
    check("a short body on a connection kept open: cut within the window of each attempt",
            t_short_body)

    def t_https_redirect():
        cert, key = make_cert(w)
        trepo = Repo()
        tsrv = start_server(trepo, tls=(cert, key))
        tbase = "https://127.0.0.1:%d" % tsrv.server_address[1]
        trepo.scenarios["tls"] = {"files": {TARBALL: d16.tar}, "redirect": {
            "down.tar.gz": url("mirror", TARBALL),       # https -> http: refused
            "up.tar.gz": tbase + "/tls/" + TARBALL}}     # https -> https: fine
        env = {"ETPU_HTTP_CA_FILE": cert}
        tbl = table(apt("coral-apt", "apt-403"))
        p = install(tbl, "--from", tbase + "/tls/down.tar.gz", env=env)
        expect_rc(p, 3, "refused a redirect away from https")
        t.nothing_left()
        j = installed(install(tbl, "--from", tbase + "/tls/up.tar.gz", "--json", env=env))
        expect(j["artifact"] == "t-tar-16.0", j)
        # and an http start may go to https
        repo.scenarios["up"] = {"files": {}, "redirect": {"x.tar.gz": tbase + "/tls/" + TARBALL}}
        j = installed(install(tbl, "--from", url("up", "x.tar.gz"), "--json", env=env))
        expect(j["artifact"] == "t-tar-16.0", j)
        # without the CA the certificate is refused
        p = install(tbl, "--from", tbase + "/tls/" + TARBALL)
        expect_rc(p, 3)
        t.nothing_left()
        trepo.stop.set()
        tsrv.shutdown()
    check("redirects never go from https to http", t_https_redirect)

    # -- hostile packages (issue 14, item 5) ----------------------------------------
    outside = tempfile.mkdtemp(prefix="outside-", dir=w)
    victim = os.path.join(outside, "edgetpu_compiler")
    with open(victim, "wb") as f:
        f.write(b"not yours")
    os.chmod(victim, 0o644)
    up = os.path.relpath(outside, "/")
    deep = "../" * 40 + up  # from anywhere in the tree, far above the root
    L = tarfile.SYMTYPE
    hostile = {
        "a-dot_b-a-dotdot": [({"name": "./a", "type": L, "linkname": "."}, None),
                             ({"name": "./b", "type": L, "linkname": "a/.."}, None)],
        "up-slash": [({"name": "./up/", "type": L, "linkname": ".."}, None)],
        "chain": [({"name": "./usr/x", "type": L, "linkname": "."}, None),
                  ({"name": "./usr/y", "type": L, "linkname": "x/x/x/.."}, None),  # the root
                  ({"name": "./usr/z", "type": L, "linkname": "y/.."}, None)],     # above it
        "later-link": [({"name": "./usr/p", "type": L, "linkname": "q/.."}, None),
                       ({"name": "./usr/q", "type": L, "linkname": ".."}, None)],
        "loop": [({"name": "./l1", "type": L, "linkname": "l2"}, None),
                 ({"name": "./l2", "type": L, "linkname": "l1"}, None),
                 ({"name": "./l3", "type": L, "linkname": "l1/.."}, None)],
        "twice": [({"name": "./usr/bin/edgetpu_compiler_bin/libc.so.6", "type": L,
                   "linkname": "ld-linux-x86-64.so.2"}, None)],
    }
    # the symlinked bin dir first, files written through it after
    hostile_first = {
        "bin-link-out": [({"name": "./usr/", "type": tarfile.DIRTYPE}, None),
                         ({"name": "./usr/bin/", "type": tarfile.DIRTYPE}, None),
                         ({"name": "./usr/bin/edgetpu_compiler_bin", "type": L,
                           "linkname": deep}, None)],
        "bin-link-in": [({"name": "./usr/", "type": tarfile.DIRTYPE}, None),
                        ({"name": "./usr/real/", "type": tarfile.DIRTYPE}, None),
                        ({"name": "./usr/bin/", "type": tarfile.DIRTYPE}, None),
                        ({"name": "./usr/bin/edgetpu_compiler_bin", "type": L,
                          "linkname": "../real"}, None)],
        "a-dot-write": [({"name": "./a", "type": L, "linkname": "."}, None),
                        ({"name": "./b", "type": L, "linkname": "a"}, None)],
    }
    # placeholders for the layout: these packages are refused while being unpacked
    small = [({"name": "./", "type": tarfile.DIRTYPE}, None),
             ({"name": "./usr/", "type": tarfile.DIRTYPE}, None),
             ({"name": "./usr/bin/", "type": tarfile.DIRTYPE}, None),
             ({"name": "./usr/bin/edgetpu_compiler_bin/", "type": tarfile.DIRTYPE}, None),
             ({"name": "./usr/bin/edgetpu_compiler_bin/edgetpu_compiler"}, b"\x7fELF..."),
             ({"name": "./usr/bin/edgetpu_compiler_bin/ld-linux-x86-64.so.2"}, b"\x7fELF..."),
             ({"name": "./usr/bin/edgetpu_compiler_bin/libc.so.6"}, b"\x7fELF...")]
    for name, extra in hostile.items():
        d = make_deb(small + extra, version="17.0")
        fn = "pool/h-%s.deb" % name
        sc["h-" + name] = {"files": {INDEX: packages_stanza(fn, d, version="17.0"), fn: d}}
    for name, first in hostile_first.items():
        files = [e for e in small if e[1] is not None]
        d = make_deb(first + files +
                     ([({"name": "./b/usr/evil"}, b"x")] if name == "a-dot-write" else []),
                     version="17.0")
        fn = "pool/h-%s.deb" % name
        sc["h-" + name] = {"files": {INDEX: packages_stanza(fn, d, version="17.0"), fn: d}}

    def hostile_case(name, needle):
        def f():
            p = install(table(apt("coral-apt", "h-" + name)))
            expect_rc(p, 3, needle)
            t.nothing_left()
            expect(sorted(os.listdir(outside)) == ["edgetpu_compiler"], os.listdir(outside))
            st = os.stat(victim)
            expect(stat.S_IMODE(st.st_mode) == 0o644, "victim chmod'ed: %o" % st.st_mode)
            with open(victim, "rb") as fh:
                expect(fh.read() == b"not yours", "victim changed")
        return f

    for name, needle in (("a-dot_b-a-dotdot", "refusing symlink 'b'"),
                         ("up-slash", "refusing symlink 'up'"),
                         ("chain", "refusing symlink 'usr/z'"),
                         ("later-link", "refusing symlink 'usr/p'"),
                         ("bin-link-out", "refusing symlink 'usr/bin/edgetpu_compiler_bin'"),
                         ("loop", "refusing symlink 'l3'"),
                         ("twice", "given twice"),
                         ("bin-link-in", "a directory on its way is a link"),
                         ("a-dot-write", "a directory on its way is a link")):
        check("hostile package (%s) refused, nothing outside touched" % name,
                hostile_case(name, needle))

    def t_modes():
        entries = layout_entries(d16.pkgroot)
        for e, _ in entries:
            if e["name"].endswith("/edgetpu_compiler"):
                e["mode"] = 0o4777  # setuid, world-writable
            if e["name"] == "./usr/bin/edgetpu_compiler_bin/":
                e["mode"] = 0o777
        d = make_deb(entries, version="17.0")
        sc["h-modes"] = {"files": {INDEX: packages_stanza("pool/m.deb", d, version="17.0"),
                                   "pool/m.deb": d}}
        expect_rc(install(table(apt("coral-apt", "h-modes"))), 0)
        root = os.path.join(t.cache, "etpu/compiler/17.0")
        for dp, dns, fns in os.walk(root):
            for n in dns + fns:
                m = os.lstat(os.path.join(dp, n)).st_mode
                expect(not m & (stat.S_ISUID | stat.S_ISGID | stat.S_IWGRP | stat.S_IWOTH),
                       "%s has mode %o" % (n, m))
        expect(os.access(os.path.join(root, "usr/bin/edgetpu_compiler_bin/edgetpu_compiler"), os.X_OK),
               "binary not executable")
        # only the compiler's own tree is installed
        expect(sorted(os.listdir(root)) == ["manifest.json", "usr"], os.listdir(root))
        expect(sorted(os.listdir(os.path.join(root, "usr"))) == ["bin"], "")
    check("no setuid or group/world-writable file installed; only the compiler's tree", t_modes)

    # -- no network (issue 11: under 15 s, one clear paragraph) ------------------------
    def t_offline():
        bh1, keep1 = blackhole()
        bh2, keep2 = blackhole()
        # the shipped table through a proxy that refuses / never answers: no real host
        for proxy, limit in (("http://127.0.0.1:1", 5), ("http://127.0.0.1:%d" % bh1, 15)):
            t.fresh_cache(None)
            t.env.pop("ETPU_COMPILER_SOURCES", None)
            t0 = time.time()
            p = t.run("install", env={"https_proxy": proxy, "http_proxy": proxy,
                                      "ETPU_HTTP_RETRIES": "3"}, timeout=60)
            took = time.time() - t0
            expect_rc(p, 3, "no network access", "etpu compiler install --from FILE",
                      "https://github.com/ultralytics/assets/releases/download/v0.0.0/"
                      "edgetpu-compiler_16.0_amd64.tar.gz",
                      "pool/coral-edgetpu-stable/edgetpu-compiler_16.0_amd64_"
                      "3ccd3b6ea6298eaaae6aa045764b3184.deb")
            expect(took < 15, "took %.1f s with proxy %s" % (took, proxy))
            expect(p.stdout == "", p.stdout)
            t.nothing_left()
        # a test table whose hosts never answer (addresses that swallow connects)
        tbl = table({"name": "a", "kind": "apt", "url": "http://127.0.0.1:%d/apt" % bh1},
                    {"name": "b", "kind": "file", "url": "http://127.0.0.1:%d/x.tar.gz" % bh2,
                     "artifact": "t-tar-16.0"},
                    {"name": "c", "kind": "file", "url": "http://127.0.0.1:%d/y.tar.gz" % bh2,
                     "artifact": "t-tar-16.0"})
        t0 = time.time()
        p = install(tbl, env={"ETPU_HTTP_RETRIES": "3"})
        took = time.time() - t0
        expect_rc(p, 3, "no network access", "no connection within 5 s")
        expect(took < 15, "took %.1f s" % took)
        keep1, keep2 = None, None
    check("no network: install ends in under 15 s with one paragraph of what to do", t_offline)

    def kill_test():
        """kill -9 at random points of an install from a throttled repository:
        the cache never holds a partial entry, and the next run succeeds."""
        tbl = table(apt("coral-apt", "throttle"))
        t.fresh_cache(tbl)
        rng = random.Random(11)
        # how long one install takes here, to spread the kills over it
        t0 = time.time()
        expect_rc(t.run("install"), 0)
        full = time.time() - t0
        expect_rc(t.run("remove", "--all"), 0)
        kills = 0
        completed = 0
        i = 0
        while kills < args.kills and i < 3 * args.kills:
            i += 1
            p = subprocess.Popen([t.etpu, "compiler", "install", "--force"], env=t.env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0, full))
            if p.poll() is None:
                p.kill()
                kills += 1
            else:
                completed += 1
            p.wait()
            root = os.path.join(t.cache, "etpu", "compiler")
            for n in os.listdir(root) if os.path.isdir(root) else []:
                if n.startswith("."):
                    continue  # a work directory: removed by the next run, never listed
                m = os.path.join(root, n)
                expect(os.path.exists(os.path.join(m, "manifest.json")) and
                       os.path.exists(os.path.join(m, "usr/bin/edgetpu_compiler_bin/edgetpu_compiler")),
                       "partial cache entry %s after kill %d" % (n, i))
            lst = t.run("list", "--json")
            expect(lst.returncode == 0, lst.stderr)
            for c in json.loads(lst.stdout)["compilers"]:
                expect(c["verification"]["kind"] == "pinned-md5", c)
        expect(kills >= min(50, args.kills), "only %d kills landed (%d installs completed)" %
               (kills, completed))
        p = t.run("install", "--force")
        expect_rc(p, 0, "installed")
        expect_rc(t.run("status", "--probe"), 0, "16.0.384591198")
        left = [n for n in os.listdir(os.path.join(t.cache, "etpu", "compiler")) if n.startswith(".")]
        expect(left == [], "work directories left after a clean run: %s" % left)
        print("      %d kills, %d installs completed in between, install took %.2f s" %
              (kills, completed, full))

    if args.only == "kill":
        t.check("kill -9 at random points of compiler install (>= 50 kills)", kill_test)

    repo.stop.set()
    srv.shutdown()
    print("%d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
