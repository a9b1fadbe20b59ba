"""Shared fixtures of the `etpu compiler` tests (toolchain_test.py,
compiler_sources_test.py): local servers on 127.0.0.1 that behave like each
source of the compiler (an apt repository in either pool layout, a
repository that answers 403, a release-asset host, a git raw-file host, an
https host), packages built from etpu's TEST DOUBLE of edgetpu_compiler
(tests/compiler_double; nothing here is Google's compiler), a test copy of
the pinned sources table, test keys for InRelease, and the harness.

Every server misbehaves only on purpose, per scenario (the first path
segment): see Handler.do_GET for the modes.
"""
import gzip
import hashlib
import http.server
import io
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import traceback

INDEX = "dists/coral-edgetpu-stable/main/binary-amd64/Packages"
INRELEASE = "dists/coral-edgetpu-stable/InRelease"
SERVER_LIFETIME = 280  # seconds; a server stops by itself after this


# ---------------------------------------------------------------------------
# servers


class Repo:
    """Scenarios: name -> {"files": {relpath: bytes}, "mode": str, ...}."""

    def __init__(self):
        self.scenarios = {}
        self.log = []  # (scenario, path, range header)
        self.stop = threading.Event()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def _wait(self, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline and not self.server.repo.stop.is_set():
            time.sleep(0.05)

    def do_GET(self):
        """Modes, for the payload (anything outside dists/):
        ok        serve it (Range honoured)
        truncate  half the body, then close
        404       404 for the payload
        403       403 for everything (a repository Google has closed)
        stall     half the body, then nothing for 20 s
        resume    the first transfer breaks at half; a Range request gets the rest
        drip      one byte every 0.4 s (never < the low-speed window of a stall)
        shortbody Content-Length says N, half is sent, the connection stays open
        throttle  sc["rate"] bytes/s
        A scenario may also have "redirect": {path: Location} (302)."""
        repo = self.server.repo
        parts = self.path.lstrip("/").split("/", 1)
        if len(parts) != 2 or parts[0] not in repo.scenarios:
            return self.send_error(404)
        name, rel = parts
        sc = repo.scenarios[name]
        rng = self.headers.get("Range")
        repo.log.append((name, rel, rng))
        mode = sc.get("mode", "ok")
        if mode == "403":
            return self.send_error(403)
        loc = sc.get("redirect", {}).get(rel)
        if loc:
            self.send_response(302)
            self.send_header("Location", loc)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = sc["files"].get(rel)
        payload = not rel.startswith("dists/")
        if data is None or (mode == "404" and payload):
            return self.send_error(404)
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
        if payload and mode == "truncate":
            self.wfile.write(body[:half])
            self.wfile.flush()
            self.close_connection = True
            return
        if payload and mode == "resume" and not sc.setdefault("broken_once", False):
            sc["broken_once"] = True
            sc["first_bytes"] = half
            self.wfile.write(body[:half])
            self.wfile.flush()
            self.close_connection = True
            return
        if payload and mode in ("stall", "shortbody"):
            self.wfile.write(body[:half])
            self.wfile.flush()
            self._wait(20 if mode == "stall" else 40)
            self.close_connection = True
            return
        if payload and mode == "drip":
            deadline = time.time() + 60
            for i in range(len(body)):
                if time.time() > deadline or repo.stop.is_set():
                    break
                self.wfile.write(body[i:i + 1])
                self.wfile.flush()
                time.sleep(0.4)
            self.close_connection = True
            return
        if payload and mode == "throttle":
            rate = sc.get("rate", 1 << 20)
            step = max(1, rate // 20)
            for i in range(0, len(body), step):
                self.wfile.write(body[i:i + step])
                self.wfile.flush()
                time.sleep(0.05)
            return
        self.wfile.write(body)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # Clients that give up (timeouts, Ctrl-C, kill -9) reset the connection: expected.
        if isinstance(sys.exc_info()[1], (ConnectionError, BrokenPipeError, ssl.SSLError,
                                          TimeoutError)):
            return
        super().handle_error(request, client_address)


def start_server(repo, tls=None):
    """An http (or, with tls=(cert, key), https) server for repo on 127.0.0.1."""
    srv = Server(("127.0.0.1", 0), Handler)
    srv.repo = repo
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*tls)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()

    def stop_later():
        if not repo.stop.wait(SERVER_LIFETIME):
            srv.shutdown()
    threading.Thread(target=stop_later, daemon=True).start()
    return srv


def blackhole():
    """A port on 127.0.0.1 whose listen queue is full: a connect to it hangs
    until the client's connect timeout, like an unroutable address (the
    machine's own 10.x and TEST-NET addresses answer or refuse at once)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(0)
    port = s.getsockname()[1]
    fill = []
    for _ in range(3):
        c = socket.socket()
        c.setblocking(False)
        try:
            c.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fill.append(c)
    time.sleep(0.2)
    return port, (s, fill)


# ---------------------------------------------------------------------------
# packages


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


def layout_entries(pkgroot, prefix="./usr/bin/"):
    """The double's real files, as tar entries (so malicious debs are otherwise valid)."""
    out = [({"name": "./", "type": tarfile.DIRTYPE}, None)]
    for d in ("usr", "usr/bin", "usr/bin/edgetpu_compiler_bin"):
        out.append(({"name": "./" + d + "/", "type": tarfile.DIRTYPE}, None))
    bindir = os.path.join(pkgroot, "usr/bin/edgetpu_compiler_bin")
    for f in sorted(os.listdir(bindir)):
        with open(os.path.join(bindir, f), "rb") as fh:
            out.append(({"name": prefix + "edgetpu_compiler_bin/" + f}, fh.read()))
    return out


def packages_stanza(filename, data, version="16.0", sha=None, arch="amd64", md5=True):
    md5line = "MD5sum: %s\n" % hashlib.md5(data).hexdigest() if md5 else ""
    return ("Package: edgetpu-compiler\nVersion: %s\nArchitecture: %s\nFilename: %s\n"
            "Size: %d\n%sSHA256: %s\nDescription: test\n multi-line\n\n"
            % (version, arch, filename, len(data), md5line,
               sha or hashlib.sha256(data).hexdigest())).encode()


def git_blob(data):
    """git's blob id of data: SHA-1 of "blob <size>\\0" + data."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def tree_files(pkgroot):
    """(path relative to usr/bin, bytes) of a double's package tree: the
    layout of google-coral/edgetpu's compiler/<arch>/ directories."""
    base = os.path.join(pkgroot, "usr/bin")
    out = []
    for dp, _, fns in os.walk(base):
        for n in sorted(fns):
            p = os.path.join(dp, n)
            with open(p, "rb") as f:
                out.append((os.path.relpath(p, base), f.read()))
    return sorted(out)


class Double:
    """A packaged test double (make_deb.sh): .deb, its tree, a tarball of it."""

    def __init__(self, make_deb_sh, double, outdir, version="16.0", arch="x86_64",
                 compression="xz"):
        env = dict(os.environ, ETPU_DOUBLE_VERSION=version, ETPU_DOUBLE_ARCH=arch,
                   ETPU_DOUBLE_COMPRESSION=compression)
        self.deb_path = subprocess.run(["sh", make_deb_sh, double, outdir], check=True,
                                       capture_output=True, text=True, env=env).stdout.strip()
        self.version = version
        self.arch = arch
        self.pkgroot = os.path.join(outdir, "pkgroot")
        with open(self.deb_path, "rb") as f:
            self.deb = f.read()
        with open(os.path.join(outdir, "repo", INDEX), "rb") as f:
            self.index = f.read()
        self.deb_rel = os.path.relpath(self.deb_path, os.path.join(outdir, "repo"))
        self.sha256 = hashlib.sha256(self.deb).hexdigest()
        self.md5 = hashlib.md5(self.deb).hexdigest()
        # the tarball of the unpacked package, as the Ultralytics mirror serves it
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tf:
            tf.add(os.path.join(self.pkgroot, "usr"), arcname="usr")
        self.tar = buf.getvalue()
        self.tar_sha256 = hashlib.sha256(self.tar).hexdigest()
        self.files = tree_files(self.pkgroot)


def write_table(path, artifacts, sources):
    """A test copy of the pinned sources table (the form `etpu compiler
    sources --json` prints)."""
    with open(path, "w") as f:
        json.dump({"etpu_compiler_sources": 1, "artifacts": artifacts, "sources": sources}, f,
                  indent=1)
    return path


def git_artifact(aid, version, arch, files, commit="1" * 40):
    return {"id": aid, "version": version, "arch": arch, "format": "git", "commit": commit,
            "files": [{"path": p, "blob": git_blob(d), "size": len(d)} for p, d in files]}


# ---------------------------------------------------------------------------
# keys and certificates


def make_gpg_key(workdir, name="etpu test archive key"):
    """A fresh signing key (no passphrase) in its own GNUPGHOME; returns
    (gnupghome, binary keyring file with its public key)."""
    home = tempfile.mkdtemp(prefix="gnupg-", dir=workdir)
    os.chmod(home, 0o700)
    params = os.path.join(home, "params")
    with open(params, "w") as f:
        f.write("%%no-protection\nKey-Type: RSA\nKey-Length: 2048\nKey-Usage: sign\n"
                "Name-Real: %s\nName-Email: test@etpu.invalid\nExpire-Date: 0\n%%commit\n" % name)
    env = dict(os.environ, GNUPGHOME=home)
    subprocess.run(["gpg", "--batch", "--gen-key", params], check=True, env=env,
                   capture_output=True)
    keyring = os.path.join(home, "archive-key.gpg")
    with open(keyring, "wb") as f:
        f.write(subprocess.run(["gpg", "--batch", "--export"], check=True, env=env,
                               capture_output=True).stdout)
    return home, keyring


def clearsign(home, text):
    env = dict(os.environ, GNUPGHOME=home)
    return subprocess.run(["gpg", "--batch", "--clearsign"], input=text, check=True, env=env,
                          capture_output=True).stdout


def release_for(index_bytes, archs="amd64", valid_until=None):
    vu = "Valid-Until: %s\n" % valid_until if valid_until else ""
    return ("Origin: etpu-test\nLabel: etpu-test\nSuite: coral-edgetpu-stable\n"
            "Codename: coral-edgetpu-stable\nDate: Sat, 01 Jan 2022 00:00:00 UTC\n%s"
            "Architectures: %s\nComponents: main\nDescription: test\nSHA256:\n"
            " %s %d main/binary-amd64/Packages\n"
            % (vu, archs, hashlib.sha256(index_bytes).hexdigest(), len(index_bytes))).encode()


def make_cert(workdir):
    """A self-signed certificate for 127.0.0.1 (openssl CLI); (cert, key)."""
    cert = os.path.join(workdir, "cert.pem")
    key = os.path.join(workdir, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


# ---------------------------------------------------------------------------
# the harness


class T:
    def __init__(self, etpu, work, corpus=""):
        self.etpu = os.path.abspath(etpu)
        self.work = os.path.abspath(work)
        self.corpus = corpus
        self.passed = 0
        self.failed = 0
        self.cache = None
        self.env = None
        self.table = None  # ETPU_COMPILER_SOURCES for every run

    def fresh_cache(self, table=None):
        self.cache = tempfile.mkdtemp(prefix="cache-", dir=self.work)
        self.env = dict(os.environ, XDG_CACHE_HOME=self.cache, ETPU_HTTP_RETRY_DELAY_MS="50",
                        ETPU_HTTP_RETRIES="1")
        for k in ("ETPU_APT_REPO", "ETPU_HOST_ARCH", "ETPU_BINFMT_DIR", "ETPU_APT_KEYRING",
                  "ETPU_HTTP_TIMEOUT", "ETPU_INSTALL_DEADLINE", "ETPU_HTTP_CA_FILE",
                  "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
                  "all_proxy", "no_proxy", "NO_PROXY"):
            self.env.pop(k, None)
        table = table or self.table
        if table:
            self.env["ETPU_COMPILER_SOURCES"] = table
        else:
            self.env.pop("ETPU_COMPILER_SOURCES", None)

    def run(self, *args, env=None, timeout=120):
        e = dict(self.env)
        if env:
            e.update(env)
        return subprocess.run([self.etpu, "compiler", *args], env=e, capture_output=True,
                              text=True, timeout=timeout)

    def cache_tree(self):
        root = os.path.join(self.cache, "etpu", "compiler")
        out = []
        for dp, dns, fns in os.walk(root):
            for n in dns + fns:
                out.append(os.path.relpath(os.path.join(dp, n), root))
        return sorted(out)

    def check(self, name, fn):
        t0 = time.time()
        try:
            fn()
            self.passed += 1
            print("ok    %s (%.1f s)" % (name, time.time() - t0))
        except Exception:
            self.failed += 1
            print("FAIL  %s (%.1f s)" % (name, time.time() - t0))
            traceback.print_exc(file=sys.stdout)

    def nothing_left(self):
        expect(self.cache_tree() == [], "cache not clean: %s" % self.cache_tree())


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def expect_rc(p, rc, *needles):
    out = p.stdout + p.stderr
    expect(p.returncode == rc, "exit %d, want %d; output:\n%s" % (p.returncode, rc, out))
    for n in needles:
        expect(n in out, "%r not in output:\n%s" % (n, out))
