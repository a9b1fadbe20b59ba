"""What the `etpu fix` proofs (tests/fix_examples.py, tests/fix_mean.py) share:
counting checks, running the built etpu, and comparing two models' outputs in
LiteRT's WebAssembly runtime (tools/litert/litert_run.mjs, needs node >= 20 and
`npm ci --prefix tools/litert`).

    suite = fixlib.Suite(etpu, repo)
    suite.check("name", condition, detail)
    suite.check("LiteRT: b == a", *suite.identical(a, b, 20))
    suite.finish()   # prints "N passed, M failed" and exits 1 if any failed
"""
import json
import os
import subprocess
import sys


class Suite:
    def __init__(self, etpu, repo):
        self.etpu = etpu
        self.litert = [os.environ.get("NODE", "node"), os.path.join(repo, "tools/litert/litert_run.mjs")]
        self.passed = self.failed = 0

    def check(self, name, cond, detail=""):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL {name} {str(detail)[:600]}")

    def run(self, *args):
        """etpu ARGS... -> (exit code, stdout, stderr)"""
        p = subprocess.run([self.etpu, *args], capture_output=True, text=True)
        return p.returncode, p.stdout, p.stderr

    def inspect(self, path):
        return json.loads(self.run("inspect", "--json", path)[1])

    def ops_of(self, path):
        return [(o["op"], o["version"]) for o in self.inspect(path)["subgraphs"][0]["operators"]]

    def compare(self, a, b, count=20, *extra):
        """litert_run.mjs compare A B --count N [extra...] -> (exit code, its output)"""
        p = subprocess.run([*self.litert, "compare", a, b, "--count", str(count), *extra],
                           capture_output=True, text=True)
        return p.returncode, (p.stdout + p.stderr).strip()

    def identical(self, a, b, count=20, *extra):
        """(True when LiteRT finds the outputs bit-identical, its output)"""
        code, msg = self.compare(a, b, count, *extra)
        return code == 0 and msg.startswith("IDENTICAL"), msg

    def differ(self, a, b, count=20):
        code, msg = self.compare(a, b, count)
        return code == 1 and msg.startswith("DIFFER"), msg

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed")
        sys.exit(1 if self.failed else 0)
