#!/usr/bin/env python3
"""cold_read.py -- bytes `etpu check`/`etpu inspect` read from disk with a cold
page cache, against the physical floor: the pages of the model that hold
anything but weight bytes (metadata, tables, each buffer's length word).

    bench/cold_read.py ETPU MODEL.tflite [--runs 3]

Needs root (it writes /proc/sys/vm/drop_caches). What was read of the model
is what of it the page cache holds after the run (mincore(2) over the file:
every page read, read-ahead included), so etpu's own start-up reads (binary,
shared libraries) do not blur it; those are shown separately, as the
process's ru_inblock (512-byte units, /proc/PID/io's read_bytes).
Prints one line per command: model MiB read, floor MiB, ratio, cold wall time.

Make the case of issue 13 with
    bench/gen_big_model.py /tmp/big.tflite --layers 64 --weights-mb 1024
"""
import argparse
import ctypes
import mmap
import os
import resource
import struct
import subprocess
import sys
import time

PAGE = os.sysconf("SC_PAGE_SIZE")


def drop_caches():
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


def cold_run(cmd, model=None):
    """(bytes of model read, bytes the process read from disk, seconds) of
    cmd run with a cold page cache."""
    drop_caches()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t1 = time.monotonic()
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    model_read = cached_bytes(model) if model else 0
    return model_read, (r1.ru_inblock - r0.ru_inblock) * 512, t1 - t0


def cached_bytes(path):
    """Bytes of path in the page cache: mincore(2) over a mapping of it
    (made with libc's mmap: Python's mmap hides a read-only map's address)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                          ctypes.c_int, ctypes.c_long]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p]
    size = os.path.getsize(path)
    fd = os.open(path, os.O_RDONLY)
    try:
        addr = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
        if addr in (None, ctypes.c_void_p(-1).value):
            raise OSError(ctypes.get_errno(), "mmap")
        vec = ctypes.create_string_buffer((size + PAGE - 1) // PAGE)
        rc = libc.mincore(addr, size, vec)
        libc.munmap(addr, size)
        if rc != 0:
            raise OSError(ctypes.get_errno(), "mincore")
    finally:
        os.close(fd)
    return sum(b & 1 for b in vec.raw) * PAGE


def weight_spans(data):
    """(start, end) of every Buffer.data payload: the bytes etpu must not read."""
    u32 = lambda o: struct.unpack_from("<I", data, o)[0]
    i32 = lambda o: struct.unpack_from("<i", data, o)[0]
    u16 = lambda o: struct.unpack_from("<H", data, o)[0]

    def field(table, index):
        vt = table - i32(table)
        if 4 + 2 * index >= u16(vt):
            return None
        off = u16(vt + 4 + 2 * index)
        return table + off if off else None

    model = u32(0)
    f = field(model, 4)  # Model.buffers
    if f is None:
        return []
    vec = f + u32(f)
    spans = []
    for i in range(u32(vec)):
        e = vec + 4 + 4 * i
        buf = e + u32(e)
        d = field(buf, 0)  # Buffer.data
        if d is None:
            continue
        v = d + u32(d)
        n = u32(v)
        if n:
            spans.append((v + 4, v + 4 + n))
    return spans


def floor_bytes(path):
    """Pages holding any byte that is not a weight byte, times the page size."""
    with open(path, "rb") as f:
        data = f.read()
    size = len(data)
    spans = sorted(weight_spans(data))
    pages = set()
    pos = 0  # first byte not yet accounted for
    for start, end in spans + [(size, size)]:
        if start > pos:  # metadata bytes [pos, start)
            pages.update(range(pos // PAGE, (start - 1) // PAGE + 1))
        pos = max(pos, end)
    return len(pages) * PAGE


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("etpu")
    ap.add_argument("model")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("cold_read.py: needs root to drop the page cache")
    floor = floor_bytes(a.model)
    mib = 1 << 20
    print(f"model {a.model}: {os.path.getsize(a.model) / mib:.1f} MiB, "
          f"metadata floor {floor / mib:.2f} MiB")
    for cmd in ("check", "inspect"):
        runs = [cold_run([a.etpu, cmd, a.model], a.model) for _ in range(a.runs)]
        read = min(r[0] for r in runs)
        proc = min(r[1] for r in runs)
        secs = min(r[2] for r in runs)
        print(f"{cmd:8s} model read {read / mib:8.2f} MiB  floor {floor / mib:6.2f} MiB  "
              f"ratio {read / floor if floor else float('nan'):7.2f}  "
              f"(process read {proc / mib:7.2f} MiB)  cold {secs * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
