#!/usr/bin/env python3
"""memory_ceiling.py ETPU -- a model of 100k ops is read in less than twice its size.

Issue 13 asks that `etpu inspect --json` and `etpu report` on a 100k-op
model peak at no more than twice the model file's size in resident memory.
The model is bench/gen_big_model.py's chain of 100,000 FULLY_CONNECTED
layers with 16x16 weights (82 MiB, nearly all of it metadata: 300k tensors,
100k operators, 200k buffers), the case where the decoded model, not the
weights, is what costs. Each command is run once, without valgrind or a
sanitizer, and its peak resident set (ru_maxrss: the file's mapped pages
count, as they should) is compared with the file's size.

Besides the two the issue names, `check --json`, `report --format json` and
`fix` (which finds nothing to change here) are held to the same ceiling.

Prints one line per command: peak, file size, ratio.
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "..", "bench", "gen_big_model.py")
LAYERS = 100_000
CEILING = 2.0

# A child's peak memory (ru_maxrss) counts what it inherited at fork: so
# the run is forked by a fresh, small interpreter, not by this process.
RSS_PROBE = ("import os, sys\npid = os.fork()\nif pid == 0:\n"
             "    fd = os.open(os.devnull, os.O_WRONLY)\n    os.dup2(fd, 1)\n"
             "    os.execv(sys.argv[1], sys.argv[1:])\n"
             "_, st, ru = os.wait4(pid, 0)\nprint(os.waitstatus_to_exitcode(st), ru.ru_maxrss)")


def peak(argv):
    """(exit code, peak resident bytes) of one run."""
    r = subprocess.run([sys.executable, "-S", "-c", RSS_PROBE] + argv,
                       capture_output=True, text=True, timeout=600)
    code, kib = r.stdout.split()
    return int(code), int(kib) * 1024


def main():
    etpu = sys.argv[1]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "ops100k.tflite")
        subprocess.run([sys.executable, GEN, model, "--layers", str(LAYERS), "--weights-mb", "1"],
                       check=True, stdout=subprocess.DEVNULL)
        size = os.path.getsize(model)
        cases = [
            ("inspect --json", ["inspect", "--json", model]),
            ("check --json", ["check", "--json", model]),
            ("report (html)", ["report", "-q", "-o", os.path.join(tmp, "r.html"), model]),
            ("report --format json", ["report", "-q", "--format", "json",
                                      "-o", os.path.join(tmp, "r.json"), model]),
            ("fix (nothing to change)", ["fix", "-o", os.path.join(tmp, "f.tflite"), model]),
        ]
        for name, args in cases:
            code, rss = peak([etpu] + args)
            ratio = rss / size
            ok = code in (0, 1) and ratio <= CEILING
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {name:26s} peak {rss / 2**20:6.1f} MiB, "
                  f"file {size / 2**20:.1f} MiB: {ratio:.2f}x (ceiling {CEILING}x)"
                  + ("" if code in (0, 1) else f"; exit code {code}"))
    if failures:
        print(f"{failures} command(s) over the ceiling", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
