#!/usr/bin/env python3
"""lean.py -- the lean-path numbers of issue 13, as ratios, in one run.

    bench/lean.py [--runs 3] [--skip-report] [--drop-caches]

Cases (each printed as measured value, the reference it is a ratio to, and
the issue's target):

  startup   callgrind instructions of `etpu check --json` on a tiny model
            (4 FULLY_CONNECTED layers, 64 KiB of weights) against /bin/true;
            target <= 1.2 M instructions.
  inspect   callgrind instructions of `etpu inspect --json` on MobileNetV2
            (the corpus' mobilenet_v2_1.0_224_quant.tflite); with
            BASELINE_ETPU set, the same for that binary and the ratio
            (target <= 0.3x the pre-issue-13 binary); else absolute.
  rss       peak RSS of `etpu inspect --json` and `etpu report` on a
            100k-op model (gen_big_model.py --layers 100000) against the
            file's size; target <= 2x.
  cold      `etpu check` on a 1 GiB model with 64 weight buffers
            (--weights-mb 1024 --layers 64) with a cold page cache: bytes of
            the model read (mincore after the run, read-ahead included) and
            wall time against the metadata-only floor (reading just the
            pages that hold anything but weight bytes, read-ahead off; for
            the time, plus the same command's warm run: start-up and
            verification cost what they cost with any reader);
            target <= 4 MiB and <= 2x the floor's time (BASELINE_ETPU's
            numbers beside them when set).
  mobilenet `etpu check` and `etpu inspect --json` on MobileNetV2 cold and
            warm (and BASELINE_ETPU cold when set); target: cold not slower
            than the baseline.

Cold means the model's pages are evicted with posix_fadvise(DONTNEED), which
needs no root and leaves the binary and libraries cached (they are not what
is measured); --drop-caches drops the whole page cache instead (root). A case
whose tool is missing (valgrind) prints one "skipped" line saying why.

Settings: ETPU (binary; default build/src/etpu), BASELINE_ETPU (an older
etpu to compare with), ETPU_MOBILENET (default
../shared/corpus/DamianOlei__ImportData/mobilenet_v2_1.0_224_quant.tflite),
ETPU_BENCH_DIR (where the generated models are kept between runs; default
$TMPDIR/etpu-bench-lean; about 1.2 GB). Not part of ctest: the numbers
depend on the machine.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import cold_read  # noqa: E402  (bench/cold_read.py: mincore, the floor)

MIB = 1 << 20


def line(case, what, value, ref, target):
    print(f"{case:9s} {what:44s} {value:>16s}  {ref:>26s}  {target}")


def skipped(case, why):
    print(f"{case:9s} skipped: {why}")


# ---- models ------------------------------------------------------------------

def model(bench_dir, name, *args):
    """A model made by gen_big_model.py with args, kept in bench_dir."""
    path = os.path.join(bench_dir, name)
    if not os.path.exists(path):
        tmp = path + ".tmp"
        subprocess.run([sys.executable, os.path.join(HERE, "gen_big_model.py"), tmp, *args],
                       check=True, stdout=subprocess.DEVNULL)
        os.replace(tmp, path)
    return path


# ---- instructions ------------------------------------------------------------

def instructions(cmd):
    """Instructions cmd executes (callgrind's total), or None without valgrind."""
    if not shutil.which("valgrind"):
        return None
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "cg.out")
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *cmd],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(out) as f:
            for ln in f:
                m = re.match(r"(?:summary|totals):\s+(\d+)", ln)
                if m:
                    return int(m.group(1))
    return None


def mi(n):
    return f"{n / 1e6:.2f} M instr"


def case_startup(etpu, tiny):
    true_ir = instructions(["/bin/true"])
    if true_ir is None:
        skipped("startup", "valgrind not installed (apt-get install valgrind)")
        return
    ir = instructions([etpu, "check", "--json", tiny])
    line("startup", "check --json tiny model", mi(ir), f"/bin/true {mi(true_ir)}",
         f"ratio {ir / true_ir:.1f}x; {mi(ir - true_ir)} over /bin/true; target <= 1.2 M")


def case_inspect(etpu, baseline, mobilenet):
    ir = instructions([etpu, "inspect", "--json", mobilenet])
    if ir is None:
        skipped("inspect", "valgrind not installed (apt-get install valgrind)")
        return
    if baseline:
        base = instructions([baseline, "inspect", "--json", mobilenet])
        line("inspect", "inspect --json MobileNetV2", mi(ir), f"baseline {mi(base)}",
             f"ratio {ir / base:.3f}x; target <= 0.3x")
    else:
        line("inspect", "inspect --json MobileNetV2", mi(ir), "(no BASELINE_ETPU)",
             "target <= 0.3x of 437.7 M (69dbad6) = 131.3 M")


# ---- memory ------------------------------------------------------------------

def peak_rss(cmd):
    """(peak RSS in bytes, seconds) of cmd, from its own rusage (wait4)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return ru.ru_maxrss * 1024, time.monotonic() - t0  # ru_maxrss is KiB on Linux


def case_rss(etpu, big_ops, skip_report):
    size = os.path.getsize(big_ops)
    cmds = [("inspect --json 100k-op model", [etpu, "inspect", "--json", big_ops])]
    with tempfile.TemporaryDirectory() as d:
        if not skip_report:
            cmds.append(("report 100k-op model", [etpu, "report", big_ops, "-o",
                                                   os.path.join(d, "r.html")]))
        for what, cmd in cmds:
            rss, secs = peak_rss(cmd)
            line("rss", what, f"{rss / MIB:.1f} MiB", f"file {size / MIB:.1f} MiB",
                 f"ratio {rss / size:.2f}x ({secs:.1f} s); target <= 2x")
    if skip_report:
        skipped("rss", "report (--skip-report)")


# ---- cold page cache ---------------------------------------------------------

def evict(path, drop_caches):
    """Make path's pages cold; True when none stays cached."""
    if drop_caches:
        cold_read.drop_caches()
    else:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
    return cold_read.cached_bytes(path) == 0


def floor_pages(path):
    """Runs (first page, page count) of the pages holding metadata."""
    with open(path, "rb") as f:
        data = f.read()
    spans = sorted(cold_read.weight_spans(data))
    page, runs, pos = cold_read.PAGE, [], 0
    for start, end in spans + [(len(data), len(data))]:
        if start > pos:
            first, last = pos // page, (start - 1) // page
            if runs and runs[-1][0] + runs[-1][1] >= first:
                runs[-1] = (runs[-1][0], max(runs[-1][0] + runs[-1][1], last + 1) - runs[-1][0])
            else:
                runs.append((first, last - first + 1))
        pos = max(pos, end)
    return runs


def floor_time(path, runs, drop_caches):
    """Seconds to read just the metadata pages, cold, read-ahead off: the
    physical floor of any reader."""
    evict(path, drop_caches)
    page = cold_read.PAGE
    t0 = time.monotonic()
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)
        for first, count in runs:
            os.pread(fd, count * page, first * page)
    finally:
        os.close(fd)
    return time.monotonic() - t0


def cold(cmd, path, drop_caches, runs):
    """(model bytes read, seconds) of cmd with path cold, best of runs."""
    best = None
    for _ in range(runs):
        if not evict(path, drop_caches):
            return None
        t0 = time.monotonic()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        secs = time.monotonic() - t0
        got = (cold_read.cached_bytes(path), secs)
        best = got if best is None or got[1] < best[1] else best
    return best


def warm(cmd, runs):
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    best = None
    for _ in range(runs):
        t0 = time.monotonic()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        secs = time.monotonic() - t0
        best = secs if best is None else min(best, secs)
    return best


def case_cold(etpu, baseline, big_weights, drop_caches, runs):
    fruns = floor_pages(big_weights)
    floor = sum(c for _, c in fruns) * cold_read.PAGE
    ft = min(floor_time(big_weights, fruns, drop_caches) for _ in range(runs))
    line("cold", "metadata floor of 1 GiB/64-buffer model", f"{floor / MIB:.2f} MiB",
         f"{ft * 1000:.1f} ms", "(physical floor)")
    binaries = [("", etpu)] + ([("baseline ", baseline)] if baseline else [])
    for cmd in ("check", "inspect"):
        for who, binary in binaries:
            got = cold([binary, cmd, big_weights], big_weights, drop_caches, runs)
            if got is None:
                skipped("cold", "the model's pages could not be evicted (posix_fadvise); "
                        "try --drop-caches as root")
                return
            read, secs = got
            # the floor of a whole run: the command itself with the model
            # cached (start-up, verification) plus reading only the metadata
            w = warm([binary, cmd, big_weights], runs)
            line("cold", f"{who}{cmd} 1 GiB/64-buffer model, read / time",
                 f"{read / MIB:.2f} MiB", f"{secs * 1000:.1f} ms (warm {w * 1000:.1f})",
                 f"read {read / floor:.2f}x floor, time {secs / (w + ft):.2f}x "
                 "(warm + floor); target <= 4 MiB, <= 2x time")


def case_mobilenet(etpu, baseline, mobilenet, drop_caches, runs):
    for args in (["check"], ["inspect", "--json"]):
        what = " ".join(args)
        got = cold([etpu, *args, mobilenet], mobilenet, drop_caches, runs)
        if got is None:
            skipped("mobilenet", "the model's pages could not be evicted")
            return
        w = warm([etpu, *args, mobilenet], runs)
        ref = f"warm {w * 1000:.1f} ms"
        target = f"cold/warm {got[1] / w:.2f}x"
        if baseline:
            b = cold([baseline, *args, mobilenet], mobilenet, drop_caches, runs)
            ref = f"baseline cold {b[1] * 1000:.1f} ms, " + ref
            target += f"; cold vs baseline cold {got[1] / b[1]:.2f}x (target <= 1x)"
        line("mobilenet", f"{what} MobileNetV2 cold", f"{got[1] * 1000:.1f} ms", ref, target)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="cold/warm runs, best taken")
    ap.add_argument("--skip-report", action="store_true",
                    help="leave out `report` on the 100k-op model (it takes ~4 s)")
    ap.add_argument("--drop-caches", action="store_true",
                    help="cold = drop the whole page cache (root) instead of the model's pages")
    a = ap.parse_args()
    etpu = os.environ.get("ETPU", os.path.join(ROOT, "build", "src", "etpu"))
    baseline = os.environ.get("BASELINE_ETPU")
    mobilenet = os.environ.get("ETPU_MOBILENET", os.path.join(
        ROOT, "..", "shared", "corpus", "DamianOlei__ImportData",
        "mobilenet_v2_1.0_224_quant.tflite"))
    bench_dir = os.environ.get("ETPU_BENCH_DIR",
                               os.path.join(tempfile.gettempdir(), "etpu-bench-lean"))
    if not os.access(etpu, os.X_OK):
        sys.exit(f"lean.py: no etpu binary at {etpu} (build it, or set ETPU)")
    if a.drop_caches and os.geteuid() != 0:
        sys.exit("lean.py: --drop-caches needs root")
    os.makedirs(bench_dir, exist_ok=True)
    tiny = model(bench_dir, "tiny.tflite", "--weights-mb", "0.0625", "--layers", "4")
    big_ops = model(bench_dir, "ops100k.tflite", "--layers", "100000", "--weights-mb", "1")
    big_weights = model(bench_dir, "weights1g.tflite", "--weights-mb", "1024", "--layers", "64")
    print(f"etpu {etpu}" + (f", baseline {baseline}" if baseline else ""))
    print(f"{'case':9s} {'what':44s} {'value':>16s}  {'reference':>26s}  ratio / target")
    case_startup(etpu, tiny)
    if os.path.exists(mobilenet):
        case_inspect(etpu, baseline, mobilenet)
    else:
        skipped("inspect", f"no MobileNetV2 at {mobilenet} (set ETPU_MOBILENET)")
    case_rss(etpu, big_ops, a.skip_report)
    case_cold(etpu, baseline, big_weights, a.drop_caches, a.runs)
    if os.path.exists(mobilenet):
        case_mobilenet(etpu, baseline, mobilenet, a.drop_caches, a.runs)
    else:
        skipped("mobilenet", f"no MobileNetV2 at {mobilenet} (set ETPU_MOBILENET)")


if __name__ == "__main__":
    main()
