#!/usr/bin/env python3
"""cli_hostile.py ETPU CORPUS -- `etpu inspect` on damaged and hostile files.

Writes a deterministic sample of damaged copies of two real models
(truncations, bit flips, bad identifier, bad version, absurd
vector lengths, wrong union types, ...) plus odd paths (empty file,
directory, missing file, unreadable file, FIFO, /dev/null) into a temporary
directory, runs the real binary on each and checks the CLI contract:

  rejected: exit status 2, nothing on stdout, exactly one stderr line
            `etpu: FILE: <what is wrong> at byte <offset>` (no offset for
            I/O errors such as a directory or a missing file);
  accepted: exit status 0 and nothing on stderr (a mutation can still be a
            valid model).

Any other status (a crash, a sanitizer report, a timeout) fails the test.
ETPU_HOSTILE_FULL=1 runs a larger sample (every truncation of the small
model); the default keeps the run short under the ASan build, where every
process start costs ~0.1 s.
The library-level exhaustive loops are in test_hostile_reader.c; this file
proves the command line keeps the same promises.
"""
import json
import os
import random
import re
import stat
import struct
import subprocess
import sys
import tempfile

SMALL = "iwatake2222__EdgeTPU_Analysis/InOut__model_padding__model_padding_2x2x3.tflite"
FRANCO = "MarcelloCeresini__Franco/model.tflite"
LINE = re.compile(r"^etpu: .+: .+( at byte [0-9]+)?$")
TAIL = re.compile(r"^(.+?)( at byte ([0-9]+))?$")
TIMEOUT = 60

failures = []
counts = {"runs": 0, "accepted": 0, "rejected": 0}


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg, file=sys.stderr)


def run(etpu, args):
    """Run etpu; return (status, stdout, stderr) or None on timeout."""
    counts["runs"] += 1
    try:
        p = subprocess.run([etpu] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def check(etpu, path, label, flags=(), expect=None, must_reject=False, offset=None):
    """Run `etpu inspect [flags] path` and check the contract. expect: a
    substring the error message must contain; offset: True (must have an
    offset), False (must not) or an int (exact)."""
    r = run(etpu, ["inspect"] + list(flags) + [path])
    if r is None:
        fail(f"{label}: timed out after {TIMEOUT} s")
        return None
    status, out, err = r
    if status == 0:
        counts["accepted"] += 1
        if must_reject:
            fail(f"{label}: accepted, expected a rejection")
        if err:
            fail(f"{label}: exit 0 but stderr: {err[:300]!r}")
        if not out:
            fail(f"{label}: exit 0 but nothing on stdout")
        if "--json" in flags:
            try:
                json.loads(out)
            except ValueError as e:
                fail(f"{label}: --json output is not JSON: {e}")
        return None
    counts["rejected"] += 1
    if status != 2:
        fail(f"{label}: exit status {status} (signal/sanitizer?), stderr: {err[:2000]!r}")
        return None
    if out:
        fail(f"{label}: exit 2 but stdout: {out[:300]!r}")
    lines = err.split("\n")
    if len(lines) != 2 or lines[1] != "":
        fail(f"{label}: stderr is not exactly one line: {err[:500]!r}")
        return None
    if not LINE.match(lines[0]):
        fail(f"{label}: stderr line does not match the format: {lines[0]!r}")
        return None
    prefix = f"etpu: {path}: "
    if not lines[0].startswith(prefix):
        fail(f"{label}: stderr line does not start with {prefix!r}: {lines[0]!r}")
        return None
    m = TAIL.match(lines[0][len(prefix):])
    msg = m.group(1)
    if expect and expect not in lines[0]:
        fail(f"{label}: message {lines[0]!r} does not mention {expect!r}")
    if offset is True and m.group(2) is None:
        fail(f"{label}: message {lines[0]!r} lacks 'at byte N'")
    if offset is False and m.group(2) is not None:
        fail(f"{label}: I/O error {lines[0]!r} should not give a byte offset")
    if isinstance(offset, int) and not isinstance(offset, bool):
        if m.group(3) is None or int(m.group(3)) != offset:
            fail(f"{label}: {lines[0]!r}: expected 'at byte {offset}'")
    return msg


def u32(b, pos):
    return struct.unpack_from("<I", b, pos)[0]


def table_field(b, table, fid):
    """Absolute position of field fid of the table at `table`, or None."""
    vt = table - struct.unpack_from("<i", b, table)[0]
    vsize = struct.unpack_from("<H", b, vt)[0]
    if 4 + 2 * fid >= vsize:
        return None
    off = struct.unpack_from("<H", b, vt + 4 + 2 * fid)[0]
    return table + off if off else None


def deref(b, pos):
    return pos + u32(b, pos)


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    etpu, corpus = sys.argv[1], sys.argv[2]
    try:
        small = open(os.path.join(corpus, SMALL), "rb").read()
        franco = open(os.path.join(corpus, FRANCO), "rb").read()
    except OSError as e:
        print(f"corpus not available ({e}); skipping", file=sys.stderr)
        return 0
    rng = random.Random(20240601)
    with tempfile.TemporaryDirectory(prefix="etpu-hostile-") as tmp:
        def write(name, data):
            p = os.path.join(tmp, name)
            with open(p, "wb") as f:
                f.write(data)
            return p

        # the originals are accepted
        for name, data in (("small.tflite", small), ("franco.tflite", franco)):
            p = write(name, data)
            for flags in ((), ("--json",), ("--tensors",), ("--quiet",)):
                r = run(etpu, ["inspect"] + list(flags) + [p])
                if not r or r[0] != 0 or r[2]:
                    fail(f"original {name} {flags}: {r}")

        # truncations of the small model (every length with ETPU_HOSTILE_FULL=1,
        # else the header and every 7th); a sample of Franco's
        full = os.environ.get("ETPU_HOSTILE_FULL") == "1"
        for n in (range(len(small)) if full else sorted(set(range(0, 16)) | set(range(16, len(small), 7)))):
            p = write("trunc.tflite", small[:n])
            check(etpu, p, f"small truncated to {n}", must_reject=True,
                  expect="file is empty" if n == 0 else None, offset=True)
        for n in sorted(rng.sample(range(8, len(franco)), 100 if full else 25)):
            p = write("trunc.tflite", franco[:n])
            flags = rng.choice([(), ("--json",), ("--tensors",), ("--quiet",)])
            msg = check(etpu, p, f"Franco truncated to {n}", flags, must_reject=True, offset=True)

        # bit flips: all bits of the header, a sample elsewhere
        head = 32 if full else 8
        for i in list(range(0, head)) + rng.sample(range(head, len(small)), 300 if full else 100):
            for bit in (range(8) if i < head else [rng.randrange(8)]):
                d = bytearray(small)
                d[i] ^= 1 << bit
                p = write("flip.tflite", d)
                flags = rng.choice([(), ("--json",), ("--tensors",), ("--quiet",)])
                check(etpu, p, f"small bit {bit} of byte {i} flipped", flags)
        for i in rng.sample(range(len(franco)), 200 if full else 40):
            d = bytearray(franco)
            d[i] ^= 1 << rng.randrange(8)
            p = write("flip.tflite", d)
            check(etpu, p, f"Franco byte {i} flipped", rng.choice([(), ("--json",), ("--tensors",)]))

        # random u32 overwrites with interesting values at aligned positions
        for _ in range(300 if full else 80):
            d = bytearray(small)
            pos = rng.randrange(0, len(d) - 3) & ~3
            v = rng.choice([0, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, len(d) - pos, len(d) - pos + 4,
                            u32(d, pos) + 1, u32(d, pos) ^ 0xFFFF0000])
            struct.pack_into("<I", d, pos, v & 0xFFFFFFFF)
            p = write("word.tflite", d)
            check(etpu, p, f"small u32 at {pos} := {v:#x}", rng.choice([(), ("--json",), ("--tensors",)]))

        # hand-made defects with known messages
        d = bytearray(small); d[4:8] = b"TFL2"
        check(etpu, write("ident.tflite", d), "identifier TFL2", must_reject=True,
              expect="not a TFLite model", offset=4)
        d = bytearray(small); d[4:8] = b"\x00\x01\x02\x03"
        check(etpu, write("ident0.tflite", d), "binary identifier", must_reject=True,
              expect='"????"', offset=4)
        root = u32(small, 0)
        vpos = table_field(small, root, 0)
        for v in (2, 0, 4, 0xFFFFFFFF):
            d = bytearray(small); struct.pack_into("<I", d, vpos, v)
            check(etpu, write("version.tflite", d), f"version {v}", must_reject=True,
                  expect=f"schema version is {v}", offset=vpos)
        # tensors vector of the first subgraph: absurd and just-too-long counts
        sgs = deref(small, table_field(small, root, 2))
        sg0 = deref(small, sgs + 4)
        tv = deref(small, table_field(small, sg0, 0))
        for v in (0xFFFFFFFF, 0x10000000, (len(small) - tv - 4) // 4 + 1):
            d = bytearray(small); struct.pack_into("<I", d, tv, v)
            check(etpu, write("count.tflite", d), f"tensor count {v}", must_reject=True,
                  expect=f"claims {v} elements", offset=tv)
        # offsets outside the file and misaligned
        for v, what in ((len(small), "outside"), (0, "not a forward offset"),
                        (0xFFFFFFFF, "not a forward offset")):
            d = bytearray(small); struct.pack_into("<I", d, 0, v)
            check(etpu, write("root.tflite", d), f"root offset {v:#x}", must_reject=True,
                  expect=what, offset=0)
        # wrong union types on the PAD operator
        ops = deref(small, table_field(small, sg0, 3))
        op0 = deref(small, ops + 4)
        tpos = table_field(small, op0, 3)
        for v, what in ((1, "carries Conv2DOptions but that op takes PadOptions"),
                        (200, "not a member of BuiltinOptions"),
                        (255, "not a member of BuiltinOptions")):
            d = bytearray(small); d[tpos] = v
            check(etpu, write("union.tflite", d), f"options type {v}", must_reject=True,
                  expect=what, offset=tpos)
        codes = deref(small, table_field(small, root, 1))
        code0 = deref(small, codes + 4)
        cpos = table_field(small, code0, 0)
        d = bytearray(small); d[cpos] = 3  # CONV_2D
        check(etpu, write("conv.tflite", d), "CONV_2D with PadOptions", must_reject=True,
              expect="(CONV_2D) carries PadOptions but that op takes Conv2DOptions", offset=True)
        # a newline and an escape in a tensor name that an error message
        # quotes: still exactly one line, no escape reaches the terminal
        t0 = deref(small, tv + 4)
        d = bytearray(small)
        d[table_field(small, t0, 1)] = 99                  # unknown tensor type
        name = deref(small, table_field(small, t0, 3)) + 4
        d[name] = 0x1B
        d[name + 5] = 0x0A
        check(etpu, write("newline.tflite", d), "newline in a tensor name", must_reject=True,
              expect='tensor 0 ("?nput?1") has unknown type 99', offset=True)
        # a tensor table shared by 200000 vector elements with a 32000-slot
        # vtable: must finish quickly (was quadratic in the verifier)
        check(etpu, write("shared.tflite", shared_vtable_model(200000, 32000)),
              "shared huge vtable", ("--quiet",))
        check(etpu, write("shared2.tflite", shared_vtable_model(20000, 32000)),
              "shared huge vtable --json", ("--json",))

        # 5000 tensors sharing one 100 KB name: 120 KB that --json would
        # print as 500 MB; the reader's budget must refuse it
        check(etpu, write("sharedname.tflite", shared_vtable_model(5000, 11, 100000)),
              "shared 100 KB tensor name", ("--json",), must_reject=True,
              expect="decodes to more memory than its size allows", offset=True)

        # odd paths
        empty = write("empty.tflite", b"")
        check(etpu, empty, "empty file", must_reject=True, expect="file is empty")
        check(etpu, write("short.tflite", small[:7]), "7-byte file", must_reject=True,
              expect="too short", offset=0)
        check(etpu, tmp, "a directory", must_reject=True, expect="is a directory", offset=False)
        missing = os.path.join(tmp, "no-such-model.tflite")
        check(etpu, missing, "missing file", must_reject=True, expect="cannot open", offset=False)
        fifo = os.path.join(tmp, "fifo.tflite")
        os.mkfifo(fifo)
        check(etpu, fifo, "a FIFO", must_reject=True, expect="not a regular file", offset=False)
        check(etpu, "/dev/null", "/dev/null", must_reject=True, offset=False)
        unreadable = write("unreadable.tflite", small)
        os.chmod(unreadable, 0)
        if os.geteuid() != 0:
            check(etpu, unreadable, "unreadable file", must_reject=True,
                  expect="Permission denied", offset=False)
        else:
            # root reads a mode-000 file anyway: run that case as nobody
            os.chmod(tmp, 0o755)
            try:
                p = subprocess.run([etpu, "inspect", unreadable], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, timeout=TIMEOUT,
                                   preexec_fn=lambda: (os.setgid(65534), os.setuid(65534)))
                counts["runs"] += 1
                err = p.stderr.decode("utf-8", "replace")
                if (p.returncode != 2 or p.stdout or len(err.splitlines()) != 1 or
                      err != f"etpu: {unreadable}: cannot open: Permission denied\n"):
                    fail(f"unreadable file (as nobody): {p.returncode} {err!r}")
                else:
                    counts["rejected"] += 1
            except (OSError, subprocess.SubprocessError) as e:
                print(f"cannot run etpu as nobody ({e}); unreadable case skipped")
        os.chmod(unreadable, stat.S_IRUSR | stat.S_IWUSR)

        # several files: one line per bad one, the good ones still shown
        good = write("good.tflite", small)
        bad = write("bad.tflite", small[:100])
        r = run(etpu, ["inspect", "--quiet", good, bad, missing, good])
        if not r or r[0] != 2 or len(r[2].splitlines()) != 2 or len(r[1].splitlines()) != 2:
            fail(f"several files: {r}")
        r = run(etpu, ["inspect", "--json", good, bad])
        if not r or r[0] != 2 or len(r[2].splitlines()) != 1:
            fail(f"several files --json: {r}")
        else:
            arr = json.loads(r[1])
            if len(arr) != 2 or "error" not in arr[1] or arr[1]["error"]["offset"] is None:
                fail(f"several files --json: unexpected JSON {r[1][:300]}")

    print(f"cli_hostile: {counts['runs']} runs of etpu inspect: {counts['accepted']} accepted, "
          f"{counts['rejected']} rejected, {len(failures)} failures")
    return 1 if failures else 0


def shared_vtable_model(n, slots, name_len=0):
    """Model v3 with one subgraph whose n tensors all share one Tensor table,
    whose vtable has `slots` slots and whose name (if name_len) is name_len
    bytes long (laid out front to back)."""
    b = bytearray(struct.pack("<I4s", 0, b"TFL3"))

    def pad(align, extra=0):
        while (len(b) + extra) % align:
            b.append(0)

    def table(fields, nslots):
        # fields: [(id, fmt, value)], value None for an offset to patch
        vlen = 4 + 2 * nslots
        pad(8, vlen)
        vt = len(b)
        b.extend(bytes(vlen))
        t = len(b)
        b.extend(struct.pack("<i", t - vt))
        pos = {}
        for fid, fmt, val in fields:
            pad(struct.calcsize(fmt))
            pos[fid] = len(b)
            b.extend(struct.pack("<" + fmt, val or 0))
            struct.pack_into("<H", b, vt + 4 + 2 * fid, pos[fid] - t)
        pad(4)
        struct.pack_into("<HH", b, vt, vlen, len(b) - t)
        return t, pos

    def ref(at, target):
        struct.pack_into("<I", b, at, target - at)

    def vec(count):
        pad(4)
        p = len(b)
        b.extend(struct.pack("<I", count) + bytes(4 * count))
        return p

    m, mp = table([(0, "I", 3), (2, "I", None)], 3)
    struct.pack_into("<I", b, 0, m)
    sgv = vec(1)
    ref(mp[2], sgv)
    sg, sp = table([(0, "I", None)], 1)
    ref(sgv + 4, sg)
    tv = vec(n)
    ref(sp[0], tv)
    t, tp = table([(1, "b", 9)] + ([(3, "I", None)] if name_len else []), slots)
    for i in range(n):
        ref(tv + 4 + 4 * i, t)
    if name_len:
        pad(4)
        ref(tp[3], len(b))
        b.extend(struct.pack("<I", name_len) + b"n" * name_len + b"\0")
        pad(4)
    return bytes(b)


if __name__ == "__main__":
    sys.exit(main())
